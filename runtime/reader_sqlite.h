/* reader_sqlite.h — a read-only reader of one SQLite table or view: its
 * column names, then its rows one at a time with every value as text, so
 * that the layer above converts SQLite values exactly as it converts CSV
 * fields. It knows nothing of the policy's record schema or of kam types.
 * Only reader_sqlite.c includes sqlite3.h; link with -lsqlite3.
 *
 * Read-only, strictly: the database is opened through the URI
 * "file:PATH?mode=ro" with SQLITE_OPEN_READONLY, so the database file is
 * never written and never created (a missing file is an error), and a
 * rollback-journal database (SQLite's default) gets no -journal or any
 * other file beside it. One exception, from SQLite itself: a WAL-mode
 * database needs its -wal and -shm companions to coordinate with writers,
 * and if they do not exist SQLite creates them (empty -wal, 32 KiB -shm)
 * even for a read-only connection; the database file stays byte-identical.
 *
 * Consistency: the row count and the rows come from one read transaction
 * (a snapshot), held from rd_sqlite_open until the last row has been read
 * or the reader is closed. In rollback-journal mode that blocks a writer's
 * commit meanwhile; in WAL mode writers go on and are not seen.
 *
 * Locking: a database locked by a writer is retried for
 * RD_SQLITE_BUSY_TIMEOUT_MS, then reported as an error ("database is
 * locked"), never waited on without bound.
 *
 * Row order is stable: a rowid table is read ORDER BY rowid (insertion
 * order unless rowids were given explicitly), which costs no sort. A
 * WITHOUT ROWID table is read in plain scan order, which is in practice
 * primary-key order; a view in whatever order its definition gives (put an
 * ORDER BY in the view to fix it).
 *
 * No global state: readers are independent. Memory comes from arena.h's
 * xmalloc family, so exhaustion exits rather than returning NULL; link
 * base/arena.c. */
#ifndef KAM_READER_SQLITE_H
#define KAM_READER_SQLITE_H

#include <stddef.h>

/* How long a locked database is retried before giving up, in milliseconds. */
#define RD_SQLITE_BUSY_TIMEOUT_MS 2000

/* A BLOB value comes back with this as its ptr (len 0): neither text nor
 * NULL. A BLOB in a column nobody converts is no problem; the caller says
 * RD_SQLITE_BLOB_ERROR when it needs the value. */
extern const char rd_sqlite_blob[];
#define RD_SQLITE_BLOB_ERROR "blob values are not supported"

/* One value of the current row, as text. ptr == NULL means SQL NULL (len
 * is 0); otherwise ptr[len] is '\0', but a TEXT value may itself contain
 * NUL bytes (SQLite stores them), so use len, not strlen — the same rule as
 * RdField for CSV. Borrowed: valid until the next rd_sqlite_next or
 * rd_sqlite_close. */
typedef struct SqlField { const char *ptr; size_t len; } SqlField;

/* An open table; owns its sqlite3 connection and statements. */
typedef struct SqliteReader SqliteReader;

/* Opens the database at `path` read-only and prepares to read `table` (a
 * table or a view of the main schema; matched as SQLite matches names, so
 * ASCII case does not matter). The name is quoted as an identifier, so any
 * name works (quotes, spaces, keywords) and none can inject SQL. The path
 * is percent-encoded into the URI, so '?', '#', '%' and ":memory:" are
 * plain file names. Also counts the rows (see rd_sqlite_size).
 * On failure returns NULL and writes "path: message" into err:
 *   - the file is missing or unreadable (the reason from the OS); it is
 *     not created;
 *   - it is not an SQLite database ("file is not a database");
 *   - it has no such table: the message lists the tables and views it does
 *     have ("it has: a, b, \"odd name\"", or "it has no tables"), leaving
 *     out SQLite's internal sqlite_* tables;
 *   - it stays locked by a writer beyond the busy timeout.
 * An empty (0-byte) file is a valid, empty database to SQLite, so it gives
 * the no-such-table message. An empty path is refused. */
SqliteReader *rd_sqlite_open(const char *path, const char *table, char *err, size_t errlen);

/* Sets *names to the table's column names in declaration order (as
 * SELECT * gives them; a view's duplicate names are made unique by SQLite)
 * and returns how many. Valid until rd_sqlite_close. */
int rd_sqlite_columns(const SqliteReader *r, const char *const **names);

/* Reads the next row. Returns 1 and sets *fields (one per column, aligned
 * with rd_sqlite_columns), *nfields and *row (the 1-based row number in
 * this scan, for messages); 0 at the end; -1 on an error, with the message
 * in rd_sqlite_error. Values as text:
 *   INTEGER  decimal digits, with '-' if negative ("-42");
 *   REAL     the fewest significant digits that read back as the same
 *            double, laid out as "%.17g" lays out (plain for decimal
 *            exponents -4 to 16, else d.ddde+XX): 0.12 is "0.12", 3.0 is
 *            "3", 1e15 is "1000000000000000", 1e-7 is "1e-07", 1e20 is
 *            "1e+20"; infinities are "inf" and "-inf" (SQLite stores no
 *            NaN: it becomes NULL). Always with '.', whatever the locale;
 *   TEXT     the bytes as stored (UTF-8; a UTF-16 database is converted by
 *            SQLite), not validated;
 *   NULL     ptr == NULL;
 *   BLOB     ptr == rd_sqlite_blob, len 0: the caller decides (a photo
 *            column the policy does not read must not reject the row).
 * Every error (I/O, a corrupt file, a run-time error in a view) is sticky:
 * every later call returns -1 again with the same message. */
int rd_sqlite_next(SqliteReader *r, SqlField **fields, size_t *nfields, long *row);

/* The last error as "path: table \"t\", row N: message" (or without the
 * row if not about one), or "" if there was none. */
const char *rd_sqlite_error(const SqliteReader *r);

/* Rows read so far (BLOB rows included) and the table's row count from
 * SELECT count(*) at open, in the same snapshot — for progress bars. For a
 * view the count runs the view once more. */
long long rd_sqlite_offset(const SqliteReader *r);
/* Before the first row: reads rows first .. last (1-based, in the same
 * order; last 0: to the end) instead of all, for a worker of kam run -j.
 * Only a rowid table, read ORDER BY rowid, whose order LIMIT and OFFSET
 * keep; -1 for a view or a table without rowid (their order is the
 * planner's), or if the statement does not prepare. */
int rd_sqlite_seek(SqliteReader *r, long long first, long long last);
long long rd_sqlite_size(const SqliteReader *r);

/* Ends the read transaction, closes the connection and frees everything;
 * NULL is a no-op. */
void rd_sqlite_close(SqliteReader *r);

#endif
