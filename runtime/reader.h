/* reader.h — account records from a data source, matched to the record's
 * schema (schema.h, which the front end builds from the policy). A Source
 * opens a file by its kind (CSV, JSON Lines, SQLite, an Excel worksheet;
 * the readers themselves are reader_*.c), matches the header to the
 * fields by name, and converts the fields a policy reads from text to
 * register values, reporting malformed ones with file, line, field and the
 * bad text. It does not run policies. */
#ifndef KAM_READER_H
#define KAM_READER_H

#include "reader_csv.h"
#include "reader_jsonl.h"
#include "reader_pct.h"
#include "reader_xlsx.h"
#include "../base/value.h"
#include "schema.h"
#include "../base/arena.h"

typedef enum { SRC_CSV, SRC_JSONL, SRC_SQLITE, SRC_XLSX } SourceKind;

struct SqliteReader;

/* How to open a data file: its kind (by default from its name: .jsonl and
 * .ndjson are JSON Lines, .sqlite/.sqlite3/.db SQLite, .xlsx/.xlsm Excel,
 * anything else CSV; standard input is CSV unless told); for SQLite, the
 * table (by default the record's name); for Excel, the sheet (by default
 * the first visible worksheet); for CSV, the delimiter (by default ',',
 * or ';' or a tab when the header line says so: rd_open_ex). */
/* A data file as kam first opened it in one run (SourceOpts.snap): its
 * identity, size and modification time. */
typedef struct RdSnapshot {
    int taken;              /* set by the first open */
    unsigned long long dev, ino;
    long long size, mtime_sec, mtime_nsec;
} RdSnapshot;

typedef struct SourceOpts {
    const char *kind;       /* "csv", "jsonl", "sqlite", "xlsx" or NULL */
    const char *table;
    const char *sheet;
    char delimiter;         /* ',', ';', '\t', or 0 to detect */
    const char *name;       /* CSV, JSON Lines: what messages call the data, if not
                               its path ("<stdin>" for standard input spooled to a file) */
    RdSnapshot *snap;       /* CSV, JSON Lines file: filled by the first open of a
                               run (zero it to begin one); every later open, and
                               every end of the data, must find the file as it
                               was, else the open fails (data: *misfit) or rd_next
                               returns -1. A run's passes and workers so read one
                               version of the file. NULL: each reader checks only
                               its own read (reader_csv.h). */
} SourceOpts;

/* A percent field the CSV scan converts, with its tally (rd_fill). */
typedef struct RdPctItem {
    RdPctColumn *c;
    const double *num;      /* its register's number */
    int col, field;
} RdPctItem;

typedef struct Source {
    SourceKind kind;
    char *path;             /* for messages ("-" shows as "<stdin>") */
    RdSnapshot *snap;       /* SourceOpts.snap, and the file it was taken of */
    char *file;
    CsvReader *csv;
    JsonlReader *jsonl;
    struct SqliteReader *sql;
    XlsxReader *xlsx;
    int *xcol;              /* Excel: by header column, its sheet column */
    int *xmap;              /* Excel: by sheet column, its header column or -1 */
    char *xdates;           /* Excel: 11 bytes per field, dates from serials */
    uint8_t *xkind;         /* Excel: by header column, the cell's XlsxKind */
    bool decimal_comma;     /* CSV split at ';': 1234,56 reads as 1234.56 */
    RdField *row;           /* JSONL, SQLite (by field index) and Excel (by
                               header column): the record's fields (ptr
                               NULL: absent, null or an empty cell) */
    int *hint;              /* JSONL: field index of the last key at each position */
    const Schema *sch;
    int *col;               /* by field index: the column, or -1 if absent */
    int ncols;              /* columns in the header */
    RdField *fields;        /* the current record's raw fields */
    size_t nfields;
    long line;              /* line where the current record starts (Excel:
                               its row number; path then names the sheet) */
    size_t limited;         /* reading only this many leading columns, or 0 */
    char err[512];          /* the last error, "path:line: ..." (Excel:
                               "file:sheet!C7: ..." for a cell) */
    const void *conv_plan;  /* CSV: the plan the reader converts for (rd_fill), */
    const void *conv_regs;  /* into these registers; */
    const CsvConverted *conv;   /* what it converted in this record; */
    unsigned conv_all;      /* how many columns it converts; */
    unsigned conv_req;      /* how many of them are of required fields; */
    int *conv_opt;          /* the columns of the optional ones */
    int conv_nopt;
    struct RdPlanItem *conv_rest;   /* the plan's items it does not write to */
    int conv_nrest;         /* registers itself (rd_fill does those), */
    struct RdPlanItem *conv_pct;    /* and the percent ones it does */
    int conv_npct;
    struct RdPctItem *conv_pcol;    /* the conv_pct items pct counts, with their tallies */
    int conv_npcol;
    const RdPctColumn *conv_pbase;  /* pct->col when conv_pcol was worked out */
    RdPctScan *pct;         /* set by the caller: rd_fill notes percent values
                               here (reader_pct.h); rd_close frees it */
} Source;

/* The kind `path` is read as: opts->kind if set, else by its name
 * ("csv", "jsonl", "sqlite", "xlsx"). */
const char *rd_kind(const char *path, const SourceOpts *opts);
/* Whether the file at path is no longer the one snap was taken of (false
 * if snap was never taken). */
bool rd_snap_changed(const RdSnapshot *snap, const char *path);

/* Opens `path` ("-" for stdin) and reads its header. NULL with a message in
 * err if it cannot be opened, has no header or lacks required columns (all
 * named at once). */
Source *rd_open(const Schema *sch, const char *path, char *err, size_t errlen);
Source *rd_open_with(const Schema *sch, const char *path, const SourceOpts *opts, char *err,
                     size_t errlen);
/* The same; *misfit tells a file that is not data for this policy (an empty
 * file, a header without a required column, a column twice) from one that
 * cannot be opened or read at all. */
Source *rd_open_ex(const Schema *sch, const char *path, const SourceOpts *opts, char *err,
                   size_t errlen, bool *misfit);
/* Bytes (or rows) read so far and in all, for progress; size 0 if unknown. */
long long rd_offset(const Source *s);
long long rd_size(const Source *s);
void rd_close(Source *s);
/* The next record: 1; 0 at the end; 2 if this record is malformed but the
 * input goes on (wrong number of fields; message in s->err); -1 if the input
 * is malformed beyond recovery (message in s->err). */
int rd_next(Source *s);
/* Splitting a CSV or JSON Lines file at record boundaries (cli/run_par.c). The input
 * offset where the last record read starts and (*line) its physical line
 * (-1 if the source is neither);
 * where reading stands now, as an input offset and a physical line (false
 * if neither); and going on from such a place until about `end` (false if
 * neither, or the input cannot seek: standard input). A SQLite row's
 * place is its number (1 ..), and its line too; only a rowid table can go
 * on from one (rd_sqlite_seek), and only before its first row is read. */
long long rd_record_start(const Source *s, long *line);
bool rd_position(const Source *s, long long *offset, long *line);
bool rd_seek(Source *s, long long offset, long line, long long end);
/* Reads only the columns up to the last of the fields marked in `used`
 * (pass one); the rest of each record is skipped. Records are then not
 * checked for their number of fields (the full pass does that). */
void rd_limit_to(Source *s, const bool *used);
/* Converts field i of the current record into *out. Returns 0, or -1 with
 * s->err set to "path:line: field "name": expected T, got "text"". */
int rd_field(Source *s, int i, Value *out);
/* The fields one pass converts, worked out once: for each, its column and
 * the register it goes to. */
/* How rd_fill takes a field when the CSV scan converted every field it
 * could: through its general path, as a string's text, or (an optional
 * field the scan converts) from the scan when it did. */
typedef enum { RD_FILL_ITEM, RD_FILL_STRING, RD_FILL_SCANNED } RdFillHow;

typedef struct RdPlanItem {
    int field, col, reg;
    RtKind kind;            /* the field's type, for the fast path */
    bool optional;
    const RtEnum *en;
    uint8_t *mlen;          /* enum/stage: member name lengths */
    uint8_t fill;           /* RdFillHow (rd_fill sets it on its own copies) */
} RdPlanItem;

typedef struct RdPlan {
    RdPlanItem *items;
    int n;
} RdPlan;

/* A plan for the fields marked in `used`, into registers field_reg[i]. */
RdPlan rd_plan(const Source *s, const bool *used, const int *field_reg);
void rd_plan_free(RdPlan *p);
/* Converts the planned fields of the current record into regs. 0, or -1
 * with s->err set as rd_field does. */
int rd_fill(Source *s, const RdPlan *plan, Value *regs);
/* For a pass that only sums numbers: reads at most max records from where
 * reading stands while each is plain (rd_csv_batch), converting the
 * plan's fields: record i's value of plan item k goes to vals[k * max + i].
 * A record it takes is one rd_next would read (1) and rd_fill fill, with
 * a non-empty key field (key_field: its field index, -1 for none) when
 * the limit reads it; `stop`: an input offset no record taken starts at
 * or after (0: none). Returns how many it took (the current record's
 * fields then mean nothing until rd_next), 0 if the next record is for
 * rd_next, or -1 if this source and plan are never read so: only a CSV
 * source read to a field limit (rd_limit_to) of at most 64 columns,
 * without percent notes, and a plan of required numbers, money, percents
 * and ints below the limit qualify. */
long rd_batch(Source *s, const RdPlan *plan, int key_field, long long stop, double *vals,
              size_t max);
/* Converts text as a value of type t (the same rules as data fields).
 * Returns 0, 1 for an empty text (missing), -1 if malformed, RD_INT_RANGE
 * for an int beyond 2^53 (which a double cannot hold exactly). */
enum { RD_INT_RANGE = -2 };
int rd_convert(RtType t, const char *text, size_t len, Value *out);
/* "percent (0.12 or 12%)" and the like, for messages. */
const char *rd_expected(RtType t, char *buf, size_t len);

#endif
