/* reader_sqlite.c — the read-only SQLite table reader: opening by URI in
 * read-only mode, finding the table (or listing what there is), one read
 * transaction for the count and the rows, and the rendering of each value
 * as text. See reader_sqlite.h for the contract. This is the only file
 * that includes sqlite3.h; it does not convert values to kam types. */
#define _POSIX_C_SOURCE 200809L

#include "reader_sqlite.h"

#include "../base/arena.h"

#include <float.h>
#include <math.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Room for one INTEGER or REAL rendered as text: "-9223372036854775808"
 * is 20 bytes and "-2.2250738585072014e-308" 24, plus the NUL. */
enum { NUM_SLOT = 32 };

struct SqliteReader {
    sqlite3 *db;
    sqlite3_stmt *rows;     /* SELECT * ... ; finalized at close */
    char *path;             /* as given, for messages */
    char *table;            /* the name as stored in the schema */
    char **names;           /* column names, owned */
    int ncols;
    SqlField *fields;       /* the current row, ncols of them */
    char *nums;             /* ncols NUM_SLOT-byte slots for rendered numbers */
    long row;               /* rows stepped so far = the current row's number */
    long long count;        /* SELECT count(*) at open */
    int ordered;            /* read ORDER BY rowid (a rowid table) */
    int done;               /* stepped to the end; the transaction is over */
    int failed;             /* a sticky error happened */
    char err[1024];         /* the last error, or "" */
};

/* A byte buffer that grows, for building SQL and messages. */
typedef struct Text { char *p; size_t len, cap; } Text;

static void text_put(Text *t, const char *s, size_t n)
{
    if (t->len + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 64;
        while (t->len + n + 1 > cap) cap *= 2;
        t->p = xrealloc(t->p, cap);
        t->cap = cap;
    }
    memcpy(t->p + t->len, s, n);
    t->len += n;
    t->p[t->len] = '\0';
}

static void text_puts(Text *t, const char *s)
{
    text_put(t, s, strlen(s));
}

/* Appends name as an SQL identifier: in double quotes, inner quotes doubled.
 * This, not validation, is what makes any table name safe to splice. */
static void text_put_ident(Text *t, const char *name)
{
    text_put(t, "\"", 1);
    for (const char *q; (q = strchr(name, '"')) != NULL; name = q + 1) {
        text_put(t, name, (size_t)(q - name) + 1);
        text_put(t, "\"", 1);
    }
    text_puts(t, name);
    text_put(t, "\"", 1);
}

/* True if name reads as a bare identifier, so a listing can show it unquoted. */
static int is_plain_name(const char *name)
{
    if (!((*name >= 'A' && *name <= 'Z') || (*name >= 'a' && *name <= 'z') || *name == '_'))
        return 0;
    for (; *name; name++)
        if (!((*name >= 'A' && *name <= 'Z') || (*name >= 'a' && *name <= 'z') ||
              (*name >= '0' && *name <= '9') || *name == '_'))
            return 0;
    return 1;
}

/* The URI SQLite opens: "file:" and the path with every byte other than
 * unreserved characters and '/' percent-encoded, so '?', '#' and '%' in a
 * file name stay part of it, then "?mode=ro". An absolute path gets an
 * empty authority ("file:///abs") so that "//x" is not read as a host; a
 * relative one gets "./" so that ":memory:" names a file, not a memory
 * database. */
static char *make_uri(const char *path)
{
    static const char hex[] = "0123456789ABCDEF";
    Text t = {0};
    text_puts(&t, path[0] == '/' ? "file://" : "file:./");
    for (const unsigned char *s = (const unsigned char *)path; *s; s++) {
        if ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
            strchr("-._~/", *s)) {
            text_put(&t, (const char *)s, 1);
        } else {
            char esc[3] = {'%', hex[*s >> 4], hex[*s & 15]};
            text_put(&t, esc, 3);
        }
    }
    text_puts(&t, "?mode=ro");
    return t.p;
}

/* Writes "path: message" into err (truncated to errlen). */
static void open_error(char *err, size_t errlen, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void open_error(char *err, size_t errlen, const char *path, const char *fmt, ...)
{
    if (!err || errlen == 0) return;
    int n = snprintf(err, errlen, "%s: ", path);
    if (n < 0 || (size_t)n >= errlen) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
    va_end(ap);
}

/* SQLite's message for the connection's last error, with the OS reason
 * when the file itself could not be opened (SQLite says only "unable to
 * open database file"). */
static void db_error(char *err, size_t errlen, const char *path, sqlite3 *db)
{
    int rc = sqlite3_errcode(db), sys = sqlite3_system_errno(db);
    int ext = sqlite3_extended_errcode(db);
    if (rc == SQLITE_CANTOPEN && sys)
        open_error(err, errlen, path, "cannot open: %s", strerror(sys));
    else if (ext == SQLITE_READONLY_ROLLBACK || ext == SQLITE_READONLY_RECOVERY)
        /* SQLite says "attempt to write a readonly database", which puzzles */
        open_error(err, errlen, path,
                   "a write to this database was interrupted and must be %s by a program that"
                   " may write to it (e.g. the sqlite3 shell) before it can be read read-only",
                   ext == SQLITE_READONLY_ROLLBACK ? "rolled back" : "recovered");
    else
        open_error(err, errlen, path, "%s", sqlite3_errmsg(db));
}

/* The "no such table" message, listing the tables and views there are (not
 * SQLite's own sqlite_* tables). If the listing does not fit, it ends in
 * "...". */
static void no_table_error(char *err, size_t errlen, const char *path, const char *table,
                           sqlite3 *db)
{
    Text t = {0};
    text_puts(&t, "no table or view named \"");
    text_puts(&t, table);
    text_puts(&t, "\"; ");
    sqlite3_stmt *st = NULL;
    int n = 0;
    if (sqlite3_prepare_v2(db,
                           "SELECT name FROM main.sqlite_master WHERE type IN ('table','view')"
                           " AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
                           -1, &st, NULL) == SQLITE_OK) {
        while (sqlite3_step(st) == SQLITE_ROW) {
            const char *name = (const char *)sqlite3_column_text(st, 0);
            if (!name) continue;
            text_puts(&t, n++ ? ", " : "it has: ");
            if (is_plain_name(name)) text_puts(&t, name);
            else text_put_ident(&t, name);
        }
    }
    sqlite3_finalize(st);
    if (n == 0) text_puts(&t, "it has no tables");
    open_error(err, errlen, path, "%s", t.p);
    size_t used = err ? strlen(err) : 0;
    if (errlen > 4 && used == errlen - 1) {   /* truncated: say so, on a character boundary */
        size_t cut = errlen - 4;
        while (cut > 0 && ((unsigned char)err[cut] & 0xC0) == 0x80) cut--;
        memcpy(err + cut, "...", 4);
    }
    free(t.p);
}

/* Looks table up in the schema, matching names as SQLite does (ASCII case
 * folded). Returns 1 and the stored name and type ("table" or "view"), 0 if
 * there is none, -1 on an error (this is the first read, so it is where a
 * non-database, a lock that outlasts the timeout or a corrupt schema shows). */
static int find_table(sqlite3 *db, const char *table, char **name, int *is_view)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db,
                                "SELECT name, type FROM main.sqlite_master"
                                " WHERE type IN ('table','view') AND name = ?1 COLLATE NOCASE",
                                -1, &st, NULL);
    if (rc != SQLITE_OK) return -1;
    sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    int found = -1;
    if (rc == SQLITE_ROW) {
        *name = xstrdup((const char *)sqlite3_column_text(st, 0));
        *is_view = strcmp((const char *)sqlite3_column_text(st, 1), "view") == 0;
        found = 1;
    } else if (rc == SQLITE_DONE) {
        found = 0;
    }
    sqlite3_finalize(st);
    return found;
}

/* Prepares sql; on failure leaves the message in db and returns NULL. */
static sqlite3_stmt *prepare(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        sqlite3_finalize(st);
        return NULL;
    }
    return st;
}

/* The statement that reads the rows. For a table, ORDER BY its rowid under
 * whichever of SQLite's three names for it no column shadows; that scans
 * the table b-tree in order (no sort) and keeps the planner off a covering
 * index. If that does not prepare, the table has no rowid (WITHOUT ROWID,
 * or a virtual table without one) and is read in plain order, as a view is. */
static sqlite3_stmt *prepare_rows(sqlite3 *db, const char *quoted, int is_view, int *ordered)
{
    *ordered = 0;
    Text sql = {0};
    text_puts(&sql, "SELECT * FROM main.");
    text_puts(&sql, quoted);
    sqlite3_stmt *plain = prepare(db, sql.p);
    if (!plain || is_view) {
        free(sql.p);
        return plain;
    }
    /* The first alias no column shadows decides: if even it does not
     * prepare, the table has no rowid. */
    static const char *const aliases[] = {"rowid", "_rowid_", "oid"};
    const char *alias = NULL;
    int ncols = sqlite3_column_count(plain);
    for (size_t a = 0; a < sizeof aliases / sizeof *aliases && !alias; a++) {
        alias = aliases[a];
        for (int i = 0; i < ncols; i++) {
            const char *col = sqlite3_column_name(plain, i);
            if (col && strcasecmp(col, alias) == 0) alias = NULL;
            if (!alias) break;
        }
    }
    if (alias) {
        text_puts(&sql, " ORDER BY ");
        text_puts(&sql, alias);
        sqlite3_stmt *by_rowid = prepare(db, sql.p);
        if (by_rowid) {
            sqlite3_finalize(plain);
            plain = by_rowid;
            *ordered = 1;
        }
    }
    free(sql.p);
    return plain;
}

/* Counts the rows in the open read transaction; -1 on an error. */
static long long count_rows(sqlite3 *db, const char *quoted)
{
    Text sql = {0};
    text_puts(&sql, "SELECT count(*) FROM main.");
    text_puts(&sql, quoted);
    sqlite3_stmt *st = prepare(db, sql.p);
    free(sql.p);
    if (!st) return -1;
    long long n = -1;
    if (sqlite3_step(st) == SQLITE_ROW) n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

SqliteReader *rd_sqlite_open(const char *path, const char *table, char *err, size_t errlen)
{
    if (err && errlen) err[0] = '\0';
    if (!path || !path[0]) {
        open_error(err, errlen, "<sqlite>", "no database path given");
        return NULL;
    }
    if (!table || !table[0]) {
        open_error(err, errlen, path, "no table name given");
        return NULL;
    }
    char *uri = make_uri(path);
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
    free(uri);
    if (rc != SQLITE_OK) {
        if (db) db_error(err, errlen, path, db);
        else open_error(err, errlen, path, "cannot open: out of memory");
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, RD_SQLITE_BUSY_TIMEOUT_MS);
    /* A deferred transaction: the first read below takes the shared lock,
     * and the count and the rows then come from the same snapshot. */
    if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
        db_error(err, errlen, path, db);
        sqlite3_close(db);
        return NULL;
    }
    char *name = NULL;
    int is_view = 0;
    int found = find_table(db, table, &name, &is_view);
    if (found <= 0) {
        if (found < 0) db_error(err, errlen, path, db);
        else no_table_error(err, errlen, path, table, db);
        sqlite3_close(db);
        return NULL;
    }
    Text quoted = {0};
    text_put_ident(&quoted, name);
    long long count = count_rows(db, quoted.p);
    int ordered = 0;
    sqlite3_stmt *rows = count < 0 ? NULL : prepare_rows(db, quoted.p, is_view, &ordered);
    free(quoted.p);
    if (!rows) {
        open_error(err, errlen, path, "%s \"%s\": %s", is_view ? "view" : "table", name,
                   sqlite3_errmsg(db));
        free(name);
        sqlite3_close(db);
        return NULL;
    }

    SqliteReader *r = xcalloc(1, sizeof *r);
    r->db = db;
    r->rows = rows;
    r->path = xstrdup(path);
    r->table = name;
    r->count = count;
    r->ordered = ordered;
    r->ncols = sqlite3_column_count(rows);
    r->names = xcalloc((size_t)r->ncols + 1, sizeof *r->names);
    for (int i = 0; i < r->ncols; i++) {
        const char *col = sqlite3_column_name(rows, i);
        r->names[i] = xstrdup(col ? col : "");
    }
    r->fields = xcalloc((size_t)r->ncols + 1, sizeof *r->fields);
    r->nums = xmalloc((size_t)r->ncols * NUM_SLOT + 1);
    return r;
}

int rd_sqlite_columns(const SqliteReader *r, const char *const **names)
{
    *names = (const char *const *)r->names;
    return r->ncols;
}

/* Renders d in the layout of "%.17g" (plain digits for exponents -4 to
 * 16, else d.ddde+XX) but with the fewest significant digits that read
 * back as d: 0.12 is "0.12", 100.0 is "100", 885166650.0 is "885166650",
 * 1e-7 is "1e-07", 1e20 is "1e+20". Infinities are "inf" and "-inf".
 * The digits: for a normal double, when some decimal of 15 or fewer
 * digits reads back as d, "%.14e" prints exactly that decimal padded with
 * zeros (d is within 2^-52 of it, relatively, which is less than half a
 * unit in its 15th digit), so at most three tries; subnormals have fewer
 * bits, so they are searched digit by digit. Only the digits and the
 * exponent are taken from printf, so a locale's decimal comma cannot leak
 * into the text. */
static size_t format_real(double d, char *buf)
{
    if (isnan(d)) return (size_t)snprintf(buf, NUM_SLOT, "nan");
    if (isinf(d)) return (size_t)snprintf(buf, NUM_SLOT, d < 0 ? "-inf" : "inf");
    char e[40];
    int first = (d == 0 || d >= DBL_MIN || d <= -DBL_MIN) ? 14 : 0;
    for (int prec = first; prec <= 16; prec++) {
        snprintf(e, sizeof e, "%.*e", prec, d);
        if (strtod(e, NULL) == d) break;
    }
    /* e is "[-]D[.DDD]e(+|-)XX": take the digits and the exponent */
    const char *p = e;
    int neg = *p == '-';
    if (neg) p++;
    char dig[20];
    int k = 0;
    for (; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9' && k < (int)sizeof dig) dig[k++] = *p;
    int exp10 = *p == 'e' ? atoi(p + 1) : 0;
    while (k > 1 && dig[k - 1] == '0') k--;

    char *o = buf;
    if (neg) *o++ = '-';
    if (exp10 < -4 || exp10 >= 17) {   /* d.ddde+XX, as %g writes it */
        *o++ = dig[0];
        if (k > 1) {
            *o++ = '.';
            memcpy(o, dig + 1, (size_t)k - 1);
            o += k - 1;
        }
        o += snprintf(o, 8, "e%c%02d", exp10 < 0 ? '-' : '+', abs(exp10));
    } else if (exp10 < 0) {             /* 0.000ddd */
        *o++ = '0';
        *o++ = '.';
        for (int z = -1; z > exp10; z--) *o++ = '0';
        memcpy(o, dig, (size_t)k);
        o += k;
    } else {                            /* ddd, ddd000 or ddd.ddd */
        for (int i = 0; i < k || i <= exp10; i++) {
            if (i == exp10 + 1) *o++ = '.';
            *o++ = i < k ? dig[i] : '0';
        }
    }
    *o = '\0';
    return (size_t)(o - buf);
}

const char rd_sqlite_blob[] = "";

/* Sets the reader's message to "path: table \"t\", row N: " and fmt. */
static void row_error(SqliteReader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void row_error(SqliteReader *r, const char *fmt, ...)
{
    int n = snprintf(r->err, sizeof r->err, "%s: table \"%s\", row %ld: ", r->path, r->table,
                     r->row);
    if (n < 0 || (size_t)n >= sizeof r->err) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err + n, sizeof r->err - (size_t)n, fmt, ap);
    va_end(ap);
}

int rd_sqlite_next(SqliteReader *r, SqlField **fields, size_t *nfields, long *row)
{
    if (r->failed) return -1;
    if (r->done) return 0;
    int rc = sqlite3_step(r->rows);
    if (rc == SQLITE_DONE) {
        r->done = 1;
        /* End the read transaction now, not at close, so that a writer
         * waiting on the lock can go on while the caller finishes up. */
        sqlite3_reset(r->rows);
        sqlite3_exec(r->db, "COMMIT", NULL, NULL, NULL);
        return 0;
    }
    r->row++;
    if (row) *row = r->row;
    if (rc != SQLITE_ROW) {
        r->failed = 1;
        row_error(r, "%s", sqlite3_errmsg(r->db));
        return -1;
    }
    for (int i = 0; i < r->ncols; i++) {
        SqlField *f = &r->fields[i];
        char *slot = r->nums + (size_t)i * NUM_SLOT;
        /* The type first: column_text would convert the value in place. */
        switch (sqlite3_column_type(r->rows, i)) {
        case SQLITE_INTEGER:
            f->len = (size_t)snprintf(slot, NUM_SLOT, "%lld",
                                      (long long)sqlite3_column_int64(r->rows, i));
            f->ptr = slot;
            break;
        case SQLITE_FLOAT:
            f->len = format_real(sqlite3_column_double(r->rows, i), slot);
            f->ptr = slot;
            break;
        case SQLITE_TEXT: {
            const unsigned char *s = sqlite3_column_text(r->rows, i);
            if (!s && sqlite3_errcode(r->db) == SQLITE_NOMEM) {
                r->failed = 1;
                row_error(r, "column \"%s\": %s", r->names[i], sqlite3_errmsg(r->db));
                return -1;
            }
            f->len = s ? (size_t)sqlite3_column_bytes(r->rows, i) : 0;
            f->ptr = s ? (const char *)s : "";
            break;
        }
        case SQLITE_NULL:
            f->ptr = NULL;
            f->len = 0;
            break;
        default:   /* SQLITE_BLOB: the caller's problem only if it reads it */
            f->ptr = rd_sqlite_blob;
            f->len = 0;
            break;
        }
    }
    if (fields) *fields = r->fields;
    if (nfields) *nfields = (size_t)r->ncols;
    return 1;
}

int rd_sqlite_seek(SqliteReader *r, long long first, long long last)
{
    if (!r->ordered || r->row || r->done || first < 1 || (last && last < first)) return -1;
    char tail[80];
    snprintf(tail, sizeof tail, " LIMIT %lld OFFSET %lld", last ? last - first + 1 : -1LL, first - 1);
    Text sql = {0};
    text_puts(&sql, sqlite3_sql(r->rows));
    text_puts(&sql, tail);
    sqlite3_stmt *st = prepare(r->db, sql.p);
    free(sql.p);
    if (!st) return -1;
    sqlite3_finalize(r->rows);
    r->rows = st;
    r->row = first - 1;
    return 0;
}

const char *rd_sqlite_error(const SqliteReader *r)
{
    return r->err;
}

long long rd_sqlite_offset(const SqliteReader *r)
{
    return r->row;
}

long long rd_sqlite_size(const SqliteReader *r)
{
    return r->count;
}

void rd_sqlite_close(SqliteReader *r)
{
    if (!r) return;
    sqlite3_finalize(r->rows);
    /* A transaction still open (the scan stopped early) is rolled back by
     * the close; a read transaction has nothing to undo. */
    sqlite3_close(r->db);
    for (int i = 0; i < r->ncols; i++) free(r->names[i]);
    free(r->names);
    free(r->fields);
    free(r->nums);
    free(r->path);
    free(r->table);
    free(r);
}
