/* test_sqlite.c — tests for the read-only SQLite reader
 * (runtime/reader_sqlite.c): how each storage class comes out as text
 * (REAL in its shortest round-trip form, checked against a brute-force
 * search on random doubles), BLOBs (a marker, not an error), SQL errors,
 * row order, open failures and their messages, names that need quoting,
 * views and WITHOUT ROWID tables, proof that nothing is written, and locking. It does not test
 * conversion to kam types; that lives above the reader.
 *
 * Build and run from the repository root:
 *
 *   cc -std=c11 -Wall -Wextra -Werror -O1 -g -fsanitize=address,undefined \
 *      -Ibase -Iruntime -o /tmp/ts tests/unit/test_sqlite.c runtime/reader_sqlite.c \
 *      base/arena.c -lsqlite3
 *   /tmp/ts tests
 *
 * (argv[1], the tests/ folder, is accepted for the runner's sake and not
 * used.) The databases are made with the sqlite3 C API in a mkdtemp folder
 * under /tmp, which is removed at the end. Two lock cases wait for the
 * reader's busy timeout (RD_SQLITE_BUSY_TIMEOUT_MS, 2 s), so a run takes a
 * few seconds.
 *
 * Output: one line per case, "PASS name" or "FAIL name: reason"; the exit
 * status is 1 if any case failed. Each case runs in a child process with an
 * alarm, so a crash or a hang is one case's FAIL, not the end of the run;
 * the child ends with exit(), so LeakSanitizer checks every case. */
#define _POSIX_C_SOURCE 200809L

#include "reader_sqlite.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>   /* isfinite */
#include <signal.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { CASE_SECONDS = 30 };   /* a case still running after this has hung */

/* ---- harness (as in test_csv.c) ---------------------------------------- */

typedef struct Tally { int run, failed; } Tally;

/* What every case gets: the scratch folder, one per run. */
typedef struct Ctx { char dir[256]; } Ctx;

static void report(Tally *t, const char *name, const char *why)
{
    t->run++;
    if (why[0]) {
        t->failed++;
        printf("FAIL %s: %s\n", name, why);
    } else {
        printf("PASS %s\n", name);
    }
    fflush(stdout);
}

/* A test case: sets why to the reason it failed, or leaves it empty. */
typedef void CaseFn(const Ctx *ctx, char *why);

enum { CHILD_FAILED = 3, WHY_LEN = 1200 };

/* Runs one case in a child process under an alarm, so that a crash, a
 * sanitizer abort or a hang is reported as that case's FAIL and the later
 * cases still run. */
static void run_case(Tally *t, const char *name, CaseFn *fn, const Ctx *ctx)
{
    char why[WHY_LEN] = "";
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        fn(ctx, why);
        report(t, name, why);
        return;
    }
    if (pid == 0) {
        alarm(CASE_SECONDS);
        fn(ctx, why);
        Tally child = {0, 0};
        report(&child, name, why);
        exit(why[0] ? CHILD_FAILED : 0);   /* not _exit: LeakSanitizer checks at exit */
    }
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) continue;
    t->run++;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return;
    t->failed++;
    if (WIFEXITED(status) && WEXITSTATUS(status) == CHILD_FAILED) return;
    if (WIFSIGNALED(status))
        printf("FAIL %s: crashed with signal %d%s\n", name, WTERMSIG(status),
               WTERMSIG(status) == SIGALRM ? " (hung)" : "");
    else
        printf("FAIL %s: died with exit status %d (a sanitizer report is on stderr)\n", name,
               WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    fflush(stdout);
}

/* Records the first failure reason of a case; later ones are dropped. */
static void why_set(char *why, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void why_set(char *why, const char *fmt, ...)
{
    if (why[0]) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, WHY_LEN, fmt, ap);
    va_end(ap);
}

static void *emalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fputs("test_sqlite: out of memory\n", stderr);
        exit(2);
    }
    return p;
}

/* A growable byte buffer. */
typedef struct Buf { char *p; size_t len, cap; } Buf;

static void buf_put(Buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        while (b->len + n + 1 > cap) cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            fputs("test_sqlite: out of memory\n", stderr);
            exit(2);
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void buf_puts(Buf *b, const char *s)
{
    buf_put(b, s, strlen(s));
}

/* "dir/name" into out. */
static const char *in_dir(const Ctx *ctx, const char *name, char *out, size_t outlen)
{
    snprintf(out, outlen, "%s/%s", ctx->dir, name);
    return out;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) continue;
}

/* ---- making databases ------------------------------------------------- */

/* Opens (creating) a database for writing; NULL with why set on failure. */
static sqlite3 *writer_open(const char *path, char *why)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
        why_set(why, "setup: cannot create %s: %s", path, db ? sqlite3_errmsg(db) : "?");
        sqlite3_close(db);
        return NULL;
    }
    return db;
}

/* Runs sql on db; 0, or -1 with why set. */
static int exec_sql(sqlite3 *db, const char *sql, char *why)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        why_set(why, "setup: %s: %s", sql, msg ? msg : "?");
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

/* Creates the database at path from sql; 0, or -1 with why set. */
static int make_db(const char *path, const char *sql, char *why)
{
    sqlite3 *db = writer_open(path, why);
    if (!db) return -1;
    int rc = exec_sql(db, sql, why);
    sqlite3_close(db);
    return rc;
}

/* Writes bytes to a new file; 0 or -1 with why set. */
static int write_file(const char *path, const char *bytes, size_t n, char *why)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(bytes, 1, n, f) != n || fclose(f) != 0) {
        why_set(why, "setup: cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* The whole content of a file (malloc'd) and its length; NULL if unreadable. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    Buf b = {0};
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) buf_put(&b, chunk, n);
    fclose(f);
    if (!b.p) buf_put(&b, "", 0);
    *len = b.len;
    return b.p;
}

/* The names in a folder, sorted and joined by '/', for "nothing appeared". */
static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *list_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return NULL;
    char *names[256];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < 256) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_str);
    Buf b = {0};
    buf_puts(&b, "");
    for (size_t i = 0; i < n; i++) {
        buf_puts(&b, "/");
        buf_puts(&b, names[i]);
        free(names[i]);
    }
    return b.p;
}

static int exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

/* ---- reading ------------------------------------------------------------ */

/* A whole table as read: rows rendered "f1|f2|...", one per line, NULL as
 * "<null>" and NUL bytes as "\0"; rc 0 for a clean end, -1 for a reader
 * error (err holds it, rows before it are kept), -2 if open failed. The
 * row numbers, rd_sqlite_offset and the field count are checked on the way
 * (problems go to bad). */
typedef struct Scan {
    Buf rows;
    long n;
    long long size;
    int rc;
    char err[1100];
    char bad[300];
} Scan;

static void render_field(Buf *b, SqlField f)
{
    if (!f.ptr) {
        buf_puts(b, "<null>");
        return;
    }
    for (size_t i = 0; i < f.len; i++) {
        if (f.ptr[i] == '\0') buf_puts(b, "\\0");
        else buf_put(b, &f.ptr[i], 1);
    }
}

/* Reads rows from an open reader into s until the end or an error. */
static void scan_rows(SqliteReader *r, Scan *s)
{
    const char *const *names;
    int ncols = rd_sqlite_columns(r, &names);
    for (;;) {
        SqlField *f = NULL;
        size_t nf = 0;
        long row = -1;
        int rc = rd_sqlite_next(r, &f, &nf, &row);
        if (rc == 0) break;
        s->n++;
        if (row != s->n && !s->bad[0])
            snprintf(s->bad, sizeof s->bad, "row number %ld, expected %ld", row, s->n);
        if (rd_sqlite_offset(r) != s->n && !s->bad[0])
            snprintf(s->bad, sizeof s->bad, "offset %lld after %ld rows", rd_sqlite_offset(r), s->n);
        if (rc < 0) {
            s->rc = -1;
            snprintf(s->err, sizeof s->err, "%s", rd_sqlite_error(r));
            return;
        }
        if (nf != (size_t)ncols && !s->bad[0])
            snprintf(s->bad, sizeof s->bad, "%zu fields, %d columns", nf, ncols);
        for (size_t i = 0; i < nf; i++) {
            if (i) buf_puts(&s->rows, "|");
            if (f[i].ptr && f[i].ptr[f[i].len] != '\0' && !s->bad[0])
                snprintf(s->bad, sizeof s->bad, "row %ld field %zu not NUL-terminated", row, i);
            render_field(&s->rows, f[i]);
        }
        buf_puts(&s->rows, "\n");
    }
    if (rd_sqlite_next(r, NULL, NULL, NULL) != 0 && !s->bad[0])
        snprintf(s->bad, sizeof s->bad, "next after the end did not return 0 again");
}

static Scan scan(const char *path, const char *table)
{
    Scan s;
    memset(&s, 0, sizeof s);
    buf_puts(&s.rows, "");
    SqliteReader *r = rd_sqlite_open(path, table, s.err, sizeof s.err);
    if (!r) {
        s.rc = -2;
        return s;
    }
    if (rd_sqlite_error(r)[0]) snprintf(s.bad, sizeof s.bad, "error set before reading");
    s.size = rd_sqlite_size(r);
    scan_rows(r, &s);
    rd_sqlite_close(r);
    return s;
}

/* Checks a scan against the expected rows and that it ended cleanly; frees
 * the rows. */
static void expect_rows(Scan *s, const char *expected, char *why)
{
    if (s->rc == -2) why_set(why, "open failed: %s", s->err);
    else if (s->rc == -1) why_set(why, "read error: %s", s->err);
    else if (s->bad[0]) why_set(why, "%s", s->bad);
    else if (strcmp(s->rows.p, expected) != 0)
        why_set(why, "rows:\n%s--- expected:\n%s---", s->rows.p, expected);
    else if (s->size != s->n) why_set(why, "size %lld but %ld rows", s->size, s->n);
    free(s->rows.p);
    s->rows.p = NULL;
}

/* Checks that open failed and the message holds every needle; frees the
 * rows (s->err stays). */
static void expect_open_error(Scan *s, const char *const *needles, char *why)
{
    free(s->rows.p);
    s->rows.p = NULL;
    if (s->rc != -2) {
        why_set(why, "open succeeded (rc %d), expected an error", s->rc);
        return;
    }
    for (; *needles; needles++)
        if (!strstr(s->err, *needles)) why_set(why, "message lacks \"%s\": %s", *needles, s->err);
}

/* ---- cases: values ------------------------------------------------------ */

static void case_integer(const Ctx *ctx, char *why)
{
    char path[512];
    in_dir(ctx, "int.db", path, sizeof path);
    if (make_db(path,
                "CREATE TABLE t(v INTEGER);"
                "INSERT INTO t VALUES (0),(1),(-1),(42),(9223372036854775807),"
                "(-9223372036854775807-1),('17');",   /* '17' gets INTEGER affinity */
                why))
        return;
    Scan s = scan(path, "t");
    expect_rows(&s, "0\n1\n-1\n42\n9223372036854775807\n-9223372036854775808\n17\n", why);
}

static void case_real(const Ctx *ctx, char *why)
{
    char path[512];
    in_dir(ctx, "real.db", path, sizeof path);
    if (make_db(path,
                "CREATE TABLE t(v REAL);"
                "INSERT INTO t VALUES (0.1),(0.12),(1e-7),(1e20),(1.7976931348623157e308),"
                "(5e-324),(3),(-2.5),(0.1+0.2),(1.0/3),(9007199254740992.0),(100.0),"
                "(1250000.5),(1e15),(1e16),(1e17),(123456789012345.6),(885166650.0),"
                "(0.0001),(0.00001),(2.2250738585072014e-308),(-1.25e-310),"
                "(9e999),(-9e999),(-0.0),(2.5e-5),(12345678901234567890.0);",
                why))
        return;
    Scan s = scan(path, "t");
    expect_rows(&s,
                "0.1\n0.12\n1e-07\n1e+20\n1.7976931348623157e+308\n5e-324\n3\n-2.5\n"
                "0.30000000000000004\n0.3333333333333333\n9007199254740992\n100\n"
                "1250000.5\n1000000000000000\n10000000000000000\n1e+17\n123456789012345.6\n"
                "885166650\n0.0001\n1e-05\n2.2250738585072014e-308\n-1.25e-310\n"
                "inf\n-inf\n0\n2.5e-05\n1.2345678901234567e+19\n",
                why);
}

/* The fewest significant digits (1..17) that read back as d, by brute
 * force, and the decimal exponent written that way. */
static int shortest_digits(double d, int *exp10)
{
    char s[64];
    for (int p = 1; p <= 17; p++) {
        snprintf(s, sizeof s, "%.*e", p - 1, d);
        if (strtod(s, NULL) == d || p == 17) {
            *exp10 = atoi(strchr(s, 'e') + 1);
            return p;
        }
    }
    return 17;
}

/* Checks one rendered REAL: it reads back as d, has the fewest digits,
 * uses an exponent exactly when %.17g would, and has no stray zeros or
 * points. Returns NULL or what is wrong. */
static const char *check_real(double d, const char *out, size_t len)
{
    if (!out) return "NULL";
    if (strlen(out) != len) return "length";
    char *end;
    if (strtod(out, &end) != d || *end) return "does not read back";
    int exp10, want = shortest_digits(d, &exp10);
    const char *mant_end = strchr(out, 'e') ? strchr(out, 'e') : out + len;
    int digits = 0, started = 0, trailing = 0;
    for (const char *p = out; p < mant_end; p++) {
        if (*p < '0' || *p > '9') continue;
        if (*p != '0') started = 1;
        if (!started) continue;
        digits++;
        trailing = *p == '0' ? trailing + 1 : 0;
    }
    if (d != 0 && digits - trailing != want) return "not the fewest digits";
    if ((strchr(out, 'e') != NULL) != (exp10 < -4 || exp10 >= 17)) return "wrong layout";
    const char *dot = strchr(out, '.');
    if (dot && (mant_end[-1] == '0' || mant_end[-1] == '.')) return "stray zero or point";
    return NULL;
}

/* A deterministic generator, so a failure reproduces. */
static uint64_t next_random(uint64_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return *state;
}

/* 10^e, near enough (libm is not linked). */
static double power10(int e)
{
    double p = 1;
    for (int i = 0; i < e; i++) p *= 10;
    for (int i = 0; i > e; i--) p /= 10;
    return p;
}

static void case_real_shortest_random(const Ctx *ctx, char *why)
{
    enum { N = 30000 };
    char path[512];
    in_dir(ctx, "realrand.db", path, sizeof path);
    sqlite3 *db = writer_open(path, why);
    if (!db) return;
    double *vals = emalloc(N * sizeof *vals);
    uint64_t state = 0x9E3779B97F4A7C15u;
    for (int i = 0; i < N; i++) {
        double d;
        if (i % 2) {   /* any bit pattern that is a finite double */
            do {
                uint64_t bits = next_random(&state);
                memcpy(&d, &bits, sizeof d);
            } while (!isfinite(d));
        } else if (i % 4 == 0) {   /* a decimal with few digits, as data usually holds */
            d = (double)(int64_t)(next_random(&state) % 2000000001u - 1000000000) /
                power10((int)(next_random(&state) % 12));
        } else {   /* around the layout's edges: 1e-6 .. 1e19, and subnormals */
            int e = (int)(next_random(&state) % 26) - 6;
            d = (double)(next_random(&state) % 100000) * power10(e - 4);
            if (i % 16 == 2)   /* n * 2^-1074, exactly */
                d = (double)(next_random(&state) % 1000000) * 4.9406564584124654e-324;
        }
        vals[i] = d;
    }
    sqlite3_stmt *st = NULL;
    exec_sql(db, "CREATE TABLE t(v REAL); BEGIN", why);
    sqlite3_prepare_v2(db, "INSERT INTO t VALUES (?1)", -1, &st, NULL);
    for (int i = 0; i < N && st; i++) {
        sqlite3_bind_double(st, 1, vals[i]);
        sqlite3_step(st);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    exec_sql(db, "COMMIT", why);
    sqlite3_close(db);
    if (why[0]) {
        free(vals);
        return;
    }
    char err[1024];
    SqliteReader *r = rd_sqlite_open(path, "t", err, sizeof err);
    if (!r) {
        why_set(why, "open failed: %s", err);
        free(vals);
        return;
    }
    SqlField *f;
    size_t nf;
    long row;
    int i = 0, rc;
    while ((rc = rd_sqlite_next(r, &f, &nf, &row)) == 1 && i < N) {
        const char *bad = check_real(vals[i], f[0].ptr, f[0].len);
        if (bad) {
            why_set(why, "%.17g came out as \"%.*s\": %s", vals[i],
                    f[0].ptr ? (int)f[0].len : 6, f[0].ptr ? f[0].ptr : "<null>", bad);
            break;
        }
        i++;
    }
    if (rc < 0) why_set(why, "read error: %s", rd_sqlite_error(r));
    if (!why[0] && i != N) why_set(why, "%d rows, expected %d", i, N);
    rd_sqlite_close(r);
    free(vals);
}

static void case_text(const Ctx *ctx, char *why)
{
    char path[512];
    in_dir(ctx, "text.db", path, sizeof path);
    if (make_db(path,
                "CREATE TABLE t(v TEXT);"
                "INSERT INTO t VALUES (''),('hello'),('Zürich € 日本'),('it''s \"quoted\"'),"
                "('a|b'),(' padded '),('12abc'),(x'C3'),"   /* x'C3' is a blob: see below */
                "(char(10));",
                why))
        return;
    /* x'C3' in a TEXT column stays a BLOB; replace it with invalid UTF-8 text */
    sqlite3 *db = writer_open(path, why);
    if (!db) return;
    exec_sql(db, "UPDATE t SET v = CAST(x'C328' AS TEXT) WHERE typeof(v) = 'blob'", why);
    sqlite3_close(db);
    if (why[0]) return;
    Scan s = scan(path, "t");
    expect_rows(&s,
                "\nhello\nZürich € 日本\nit's \"quoted\"\na|b\n padded \n12abc\n\xC3(\n\n\n", why);
    /* and a long one */
    char path2[512];
    in_dir(ctx, "longtext.db", path2, sizeof path2);
    if (make_db(path2, "CREATE TABLE t(v); INSERT INTO t VALUES (replace(hex(zeroblob(500000)), '0', 'x'));",
                why))
        return;
    Scan s2 = scan(path2, "t");
    if (s2.rc != 0) why_set(why, "long text: %s", s2.err);
    else if (s2.rows.len != 1000001) why_set(why, "long text: %zu bytes", s2.rows.len);
    free(s2.rows.p);
}

static void case_text_embedded_nul(const Ctx *ctx, char *why)
{
    char path[512];
    in_dir(ctx, "nul.db", path, sizeof path);
    sqlite3 *db = writer_open(path, why);
    if (!db) return;
    exec_sql(db, "CREATE TABLE t(v)", why);
    sqlite3_stmt *st = NULL;
    sqlite3_prepare_v2(db, "INSERT INTO t VALUES (?1)", -1, &st, NULL);
    sqlite3_bind_text(st, 1, "a\0b\0", 4, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) why_set(why, "setup: insert failed");
    sqlite3_finalize(st);
    sqlite3_close(db);
    if (why[0]) return;
    char err[1024];
    SqliteReader *r = rd_sqlite_open(path, "t", err, sizeof err);
    if (!r) {
        why_set(why, "open failed: %s", err);
        return;
    }
    SqlField *f;
    size_t nf;
    long row;
    int rc = rd_sqlite_next(r, &f, &nf, &row);
    if (rc != 1) why_set(why, "next returned %d: %s", rc, rd_sqlite_error(r));
    else if (!f[0].ptr || f[0].len != 4 || memcmp(f[0].ptr, "a\0b\0", 5) != 0)
        why_set(why, "got %zu bytes, expected the 4 bytes a NUL b NUL then a terminator",
                f[0].len);
    rd_sqlite_close(r);
}

static void case_null(const Ctx *ctx, char *why)
{
    char path[512];
    in_dir(ctx, "null.db", path, sizeof path);
    if (make_db(path,
                "CREATE TABLE t(a INTEGER, b TEXT, c REAL);"
                "INSERT INTO t VALUES (NULL, NULL, NULL),(1, '', 0.5),(NULL, 'x', NULL);"
                "INSERT INTO t(b) VALUES ('only b');",
                why))
        return;
    Scan s = scan(path, "t");
    expect_rows(&s, "<null>|<null>|<null>\n1||0.5\n<null>|x|<null>\n<null>|only b|<null>\n", why);
    /* an empty TEXT is not NULL: check the pointer directly */
    char err[1024];
    SqliteReader *r = rd_sqlite_open(path, "t", err, sizeof err);
    if (!r) return;
    SqlField *f;
    size_t nf;
    long row;
    rd_sqlite_next(r, &f, &nf, &row);
    if (f[0].ptr || f[0].len) why_set(why, "NULL integer has a pointer or a length");
    rd_sqlite_next(r, &f, &nf, &row);
    if (!f[1].ptr || f[1].len) why_set(why, "empty text came out as NULL or non-empty");
    rd_sqlite_close(r);
}

static void case_blob_error(const Ctx *ctx, char *why)
{
    char path[512];
    in_dir(ctx, "blob.db", path, sizeof path);
    if (make_db(path,
                "CREATE TABLE t(id INTEGER, \"pay load\" BLOB);"
                "INSERT INTO t VALUES (1, 'text'),(2, x'00FF'),(3, NULL),(4, x''),(5, 'end');",
                why))
        return;
    char err[1024];
    SqliteReader *r = rd_sqlite_open(path, "t", err, sizeof err);
    if (!r) {
        why_set(why, "open failed: %s", err);
        return;
    }
    SqlField *f;
    size_t nf;
    long row = 0;
    /* a BLOB is no error: it comes back as rd_sqlite_blob, for the caller
       to refuse only if it reads that column */
    int want_rc[] = {1, 1, 1, 1, 1, 0};
    int want_blob[] = {0, 1, 0, 1, 0, 0};
    for (int i = 0; i < 6; i++) {
        int rc = rd_sqlite_next(r, &f, &nf, &row);
        if (rc != want_rc[i]) {
            why_set(why, "call %d returned %d, expected %d (%s)", i + 1, rc, want_rc[i],
                    rd_sqlite_error(r));
            break;
        }
        if (rc == 1 && (!f[0].ptr || atoi(f[0].ptr) != i + 1))
            why_set(why, "call %d gave row id %s", i + 1, f[0].ptr ? f[0].ptr : "NULL");
        if (rc != 0 && row != i + 1) why_set(why, "call %d gave row %ld", i + 1, row);
        if (rc == 1 && (f[1].ptr == rd_sqlite_blob) != want_blob[i])
            why_set(why, "call %d: column 2 %s the BLOB marker", i + 1,
                    want_blob[i] ? "is not" : "is");
        if (rc == 1 && want_blob[i] && f[1].len != 0) why_set(why, "call %d: BLOB len %zu", i + 1, f[1].len);
        if (rc == 1 && i == 2 && f[1].ptr != NULL) why_set(why, "NULL is not NULL");
    }
    if (!why[0] && rd_sqlite_offset(r) != 5) why_set(why, "offset %lld", rd_sqlite_offset(r));
    rd_sqlite_close(r);
}

static void case_sql_error_sticky(const Ctx *ctx, char *why)
{
    char path[512];
    in_dir(ctx, "sqlerr.db", path, sizeof path);
    if (make_db(path,
                "CREATE TABLE t(x);"
                "INSERT INTO t VALUES (1),(2),(3),(4);"
                "CREATE VIEW v AS SELECT CASE WHEN x = 3 THEN abs(-9223372036854775807 - 1)"
                " ELSE x END AS y FROM t;",
                why))
        return;
    char err[1024];
    SqliteReader *r = rd_sqlite_open(path, "v", err, sizeof err);
    if (!r) {
        why_set(why, "open failed: %s", err);
        return;
    }
    SqlField *f;
    size_t nf;
    long row = 0;
    int a = rd_sqlite_next(r, &f, &nf, &row), b = rd_sqlite_next(r, &f, &nf, &row);
    int c = rd_sqlite_next(r, &f, &nf, &row);
    if (a != 1 || b != 1 || c != -1) why_set(why, "returned %d %d %d, expected 1 1 -1", a, b, c);
    else if (row != 3) why_set(why, "error at row %ld, expected 3", row);
    else if (!strstr(rd_sqlite_error(r), "integer overflow") ||
             !strstr(rd_sqlite_error(r), "row 3"))
        why_set(why, "message: %s", rd_sqlite_error(r));
    else if (rd_sqlite_next(r, &f, &nf, &row) != -1 || rd_sqlite_next(r, &f, &nf, &row) != -1)
        why_set(why, "error not sticky");
    rd_sqlite_close(r);
}

/* ---- cases: shape and order ----------------------------------------------- */

static void case_columns(const Ctx *ctx, char *why)
{
    char path[512];
    in_dir(ctx, "cols.db", path, sizeof path);
    if (make_db(path,
                "CREATE TABLE t(id INTEGER PRIMARY KEY, \"first name\", \"Weird\"\"Col\", "
                "\"select\", zeta, alpha);"
                "CREATE TABLE e(only_col);",
                why))
        return;
    char err[1024];
    SqliteReader *r = rd_sqlite_open(path, "t", err, sizeof err);
    if (!r) {
        why_set(why, "open failed: %s", err);
        return;
    }
    const char *const *names;
    const char *want[] = {"id", "first name", "Weird\"Col", "select", "zeta", "alpha"};
    int n = rd_sqlite_columns(r, &names);
    if (n != 6) why_set(why, "%d columns", n);
    for (int i = 0; i < n && i < 6; i++)
        if (strcmp(names[i], want[i]) != 0) why_set(why, "column %d is \"%s\"", i, names[i]);
    SqlField *f;
    size_t nf;
    long row;
    if (rd_sqlite_next(r, &f, &nf, &row) != 0) why_set(why, "empty table gave a row");
    if (rd_sqlite_size(r) != 0 || rd_sqlite_offset(r) != 0) why_set(why, "empty table size/offset");
    rd_sqlite_close(r);
    /* an empty table still has its columns */
    r = rd_sqlite_open(path, "e", err, sizeof err);
    if (!r) {
        why_set(why, "open e failed: %s", err);
        return;
    }
    n = rd_sqlite_columns(r, &names);
    if (n != 1 || strcmp(names[0], "only_col") != 0) why_set(why, "empty table's columns");
    rd_sqlite_close(r);
}

static void case_rowid_order(const Ctx *ctx, char *why)
{
    char path[512];
    in_dir(ctx, "order.db", path, sizeof path);
    /* rowids given out of order; and a table whose column named "rowid"
     * shadows the real one, with values sorting the other way */
    if (make_db(path,
                "CREATE TABLE t(v);"
                "INSERT INTO t(rowid, v) VALUES (50,'fifty'),(10,'ten'),(30,'thirty');"
                "DELETE FROM t WHERE rowid = 30; INSERT INTO t(rowid, v) VALUES (20,'twenty');"
                "CREATE TABLE s(rowid TEXT, v);"
                "INSERT INTO s(_rowid_, rowid, v) VALUES (3,'a','third'),(1,'c','first'),"
                "(2,'b','second');"
                "CREATE INDEX s_by_name ON s(rowid);",
                why))
        return;
    Scan s = scan(path, "t");
    expect_rows(&s, "ten\ntwenty\nfifty\n", why);
    Scan s2 = scan(path, "s");
    expect_rows(&s2, "c|first\nb|second\na|third\n", why);
}

static void case_progress(const Ctx *ctx, char *why)
{
    char path[512];
    in_dir(ctx, "progress.db", path, sizeof path);
    if (make_db(path,
                "CREATE TABLE t(v);"
                "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 2500)"
                " INSERT INTO t SELECT i FROM c;",
                why))
        return;
    char err[1024];
    SqliteReader *r = rd_sqlite_open(path, "t", err, sizeof err);
    if (!r) {
        why_set(why, "open failed: %s", err);
        return;
    }
    if (rd_sqlite_size(r) != 2500) why_set(why, "size %lld", rd_sqlite_size(r));
    if (rd_sqlite_offset(r) != 0) why_set(why, "offset %lld before reading", rd_sqlite_offset(r));
    if (rd_sqlite_error(r)[0]) why_set(why, "error before reading: %s", rd_sqlite_error(r));
    SqlField *f;
    size_t nf;
    long row, n = 0;
    while (rd_sqlite_next(r, &f, &nf, &row) == 1) {
        n++;
        if (row != n || rd_sqlite_offset(r) != n || atol(f[0].ptr) != n) {
            why_set(why, "row %ld: number %ld offset %lld value %s", n, row, rd_sqlite_offset(r),
                    f[0].ptr);
            break;
        }
    }
    if (n != 2500) why_set(why, "%ld rows", n);
    rd_sqlite_close(r);
    rd_sqlite_close(NULL);   /* a no-op */
}

static void case_view(const Ctx *ctx, char *why)
{
    char path[512];
    in_dir(ctx, "view.db", path, sizeof path);
    if (make_db(path,
                "CREATE TABLE t(name, amount);"
                "INSERT INTO t VALUES ('b', 2),('a', 1.5),('c', NULL);"
                "CREATE VIEW \"big ones\" AS SELECT name, amount * 2 AS doubled, name AS n2"
                " FROM t WHERE amount IS NOT NULL ORDER BY name;",
                why))
        return;
    Scan s = scan(path, "big ones");
    expect_rows(&s, "a|3|a\nb|4|b\n", why);
    /* a view over a table that is gone: found, but cannot be read */
    sqlite3 *db = writer_open(path, why);
    if (!db) return;
    exec_sql(db, "CREATE TABLE gone(x); CREATE VIEW broken AS SELECT x FROM gone; DROP TABLE gone;",
             why);
    sqlite3_close(db);
    Scan s2 = scan(path, "broken");
    const char *needles[] = {path, "view \"broken\"", "no such table", NULL};
    expect_open_error(&s2, needles, why);
}

static void case_without_rowid(const Ctx *ctx, char *why)
{
    char path[512];
    in_dir(ctx, "worowid.db", path, sizeof path);
    if (make_db(path,
                "CREATE TABLE w(code TEXT PRIMARY KEY, n INTEGER) WITHOUT ROWID;"
                "INSERT INTO w VALUES ('m', 1),('c', 2),('x', 3),('a', 4);",
                why))
        return;
    Scan s = scan(path, "w");
    expect_rows(&s, "a|4\nc|2\nm|1\nx|3\n", why);   /* primary-key order, in practice */
}

/* ---- cases: open failures and names ------------------------------------- */

static void case_missing_file(const Ctx *ctx, char *why)
{
    char path[512];
    in_dir(ctx, "nope.db", path, sizeof path);
    char *before = list_dir(ctx->dir);
    Scan s = scan(path, "t");
    const char *needles[] = {path, "No such file", NULL};
    expect_open_error(&s, needles, why);
    if (exists(path)) why_set(why, "the file was created");
    char *after = list_dir(ctx->dir);
    if (!before || !after || strcmp(before, after) != 0) why_set(why, "the folder changed");
    free(before);
    free(after);
    /* in a folder that does not exist */
    char path2[512];
    in_dir(ctx, "no_such_dir/x.db", path2, sizeof path2);
    Scan s2 = scan(path2, "t");
    const char *needles2[] = {path2, "cannot open", NULL};
    expect_open_error(&s2, needles2, why);
    /* no path at all: SQLite would open a private temporary database */
    Scan s3 = scan("", "t");
    const char *needles3[] = {"no database path", NULL};
    expect_open_error(&s3, needles3, why);
}

static void case_not_a_database(const Ctx *ctx, char *why)
{
    char path[512];
    in_dir(ctx, "notdb.db", path, sizeof path);
    static const char text[] = "id,name\n1,alice\n2,bob\nthis is a csv file, not sqlite\n";
    if (write_file(path, text, sizeof text - 1, why)) return;
    Scan s = scan(path, "t");
    const char *needles[] = {path, "not a database", NULL};
    expect_open_error(&s, needles, why);
    size_t len = 0;
    char *now = slurp(path, &len);
    if (!now || len != sizeof text - 1 || memcmp(now, text, len) != 0) why_set(why, "file changed");
    free(now);
    /* an empty file is an empty database to SQLite */
    char path2[512];
    in_dir(ctx, "empty.db", path2, sizeof path2);
    if (write_file(path2, "", 0, why)) return;
    Scan s2 = scan(path2, "t");
    const char *needles2[] = {path2, "no table or view named \"t\"", "it has no tables", NULL};
    expect_open_error(&s2, needles2, why);
    struct stat st;
    if (stat(path2, &st) != 0 || st.st_size != 0) why_set(why, "empty file was written");
}

static void case_missing_table(const Ctx *ctx, char *why)
{
    char path[512];
    in_dir(ctx, "tables.db", path, sizeof path);
    if (make_db(path,
                "CREATE TABLE accounts(id INTEGER PRIMARY KEY AUTOINCREMENT, name);"
                "INSERT INTO accounts(name) VALUES ('x');"   /* makes sqlite_sequence */
                "CREATE TABLE \"odd name\"(a); CREATE VIEW v_open AS SELECT * FROM accounts;"
                "CREATE INDEX idx_name ON accounts(name);",
                why))
        return;
    Scan s = scan(path, "acounts");
    const char *needles[] = {path, "no table or view named \"acounts\"",
                             "it has: accounts, \"odd name\", v_open", NULL};
    expect_open_error(&s, needles, why);
    if (strstr(s.err, "sqlite_sequence")) why_set(why, "lists an internal table: %s", s.err);
    if (strstr(s.err, "idx_name")) why_set(why, "lists an index: %s", s.err);
    /* an index is not a table */
    Scan s2 = scan(path, "idx_name");
    const char *needles2[] = {"no table or view named \"idx_name\"", NULL};
    expect_open_error(&s2, needles2, why);
    /* a short error buffer is filled, terminated, and says it was cut */
    char small[40];
    memset(small, 'Z', sizeof small);
    SqliteReader *r = rd_sqlite_open(path, "acounts", small, sizeof small);
    if (r) why_set(why, "opened a missing table");
    rd_sqlite_close(r);
    if (memchr(small, '\0', sizeof small) == NULL) why_set(why, "short buffer not terminated");
    else if (strlen(small) != sizeof small - 1 || !strstr(small, "..."))
        why_set(why, "short buffer: \"%s\"", small);
}

static void case_quoted_names(const Ctx *ctx, char *why)
{
    char path[512];
    in_dir(ctx, "names.db", path, sizeof path);
    if (make_db(path,
                "CREATE TABLE \"my \"\"odd\"\" table; --\"(v); INSERT INTO \"my \"\"odd\"\" table; --\" VALUES (1);"
                "CREATE TABLE \"select\"(v); INSERT INTO \"select\" VALUES (2);"
                "CREATE TABLE t(v); INSERT INTO t VALUES (3);"
                "CREATE TABLE Accounts(v); INSERT INTO Accounts VALUES (4);",
                why))
        return;
    Scan s = scan(path, "my \"odd\" table; --");
    expect_rows(&s, "1\n", why);
    Scan s2 = scan(path, "select");
    expect_rows(&s2, "2\n", why);
    /* an injection attempt is just a name that does not exist */
    Scan s3 = scan(path, "t\" WHERE 0 UNION SELECT 99 --");
    const char *needles[] = {"no table or view named", NULL};
    expect_open_error(&s3, needles, why);
    /* names match as SQLite matches them: ASCII case folded */
    Scan s4 = scan(path, "ACCOUNTS");
    expect_rows(&s4, "4\n", why);
}

static void case_path_encoding(const Ctx *ctx, char *why)
{
    /* '%41' must not become 'A', '?' and '#' must not start a query or a
     * fragment, and ":memory:" is a file name like any other */
    static const char *const names[] = {"A.db", "%41.db", "we?ird#na%me 1.db", ":memory:"};
    for (int i = 0; i < 4; i++) {
        char path[512], sql[128];
        in_dir(ctx, names[i], path, sizeof path);
        snprintf(sql, sizeof sql, "CREATE TABLE t(v); INSERT INTO t VALUES (%d);", i);
        if (make_db(path, sql, why)) return;
    }
    char want[16];
    for (int i = 0; i < 4; i++) {
        char path[512];
        in_dir(ctx, names[i], path, sizeof path);
        snprintf(want, sizeof want, "%d\n", i);
        Scan s = scan(path, "t");
        expect_rows(&s, want, why);
        if (why[0]) {
            why_set(why, "%s", names[i]);
            return;
        }
    }
    /* relative paths, a leading "//" and a relative ":memory:" */
    if (chdir(ctx->dir) != 0) {
        why_set(why, "chdir: %s", strerror(errno));
        return;
    }
    Scan s = scan("%41.db", "t");
    expect_rows(&s, "1\n", why);
    Scan s2 = scan(":memory:", "t");
    expect_rows(&s2, "3\n", why);
    char dbl[600];
    snprintf(dbl, sizeof dbl, "/%s/A.db", ctx->dir);
    Scan s3 = scan(dbl, "t");
    expect_rows(&s3, "0\n", why);
    if (unlink(":memory:") != 0) why_set(why, "unlink :memory:");
    Scan s4 = scan(":memory:", "t");   /* now missing: an error, not an empty database */
    const char *needles[] = {"No such file", NULL};
    expect_open_error(&s4, needles, why);
}

/* ---- cases: nothing is written ------------------------------------------ */

/* The file's bytes and times, to compare before and after. */
typedef struct FileState { char *bytes; size_t len; struct stat st; } FileState;

static int file_state(const char *path, FileState *fs)
{
    fs->bytes = slurp(path, &fs->len);
    return fs->bytes && stat(path, &fs->st) == 0 ? 0 : -1;
}

static void compare_state(const FileState *a, const FileState *b, char *why)
{
    if (a->len != b->len || memcmp(a->bytes, b->bytes, a->len) != 0) why_set(why, "bytes changed");
    if (a->st.st_mtim.tv_sec != b->st.st_mtim.tv_sec ||
        a->st.st_mtim.tv_nsec != b->st.st_mtim.tv_nsec)
        why_set(why, "mtime changed");
    if (a->st.st_ctim.tv_sec != b->st.st_ctim.tv_sec ||
        a->st.st_ctim.tv_nsec != b->st.st_ctim.tv_nsec)
        why_set(why, "ctime changed (the inode was written)");
}

static void case_read_only(const Ctx *ctx, char *why)
{
    char sub[512], path[600];
    in_dir(ctx, "ro", sub, sizeof sub);
    if (mkdir(sub, 0700) != 0) {
        why_set(why, "mkdir: %s", strerror(errno));
        return;
    }
    snprintf(path, sizeof path, "%s/ro.db", sub);
    if (make_db(path,
                "PRAGMA journal_mode=DELETE;"
                "CREATE TABLE t(a, b); CREATE VIEW v AS SELECT * FROM t;"
                "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 3000)"
                " INSERT INTO t SELECT i, printf('row %d', i) FROM c;",
                why))
        return;
    /* an old mtime, so that any write would show whatever the clock's grain */
    struct timespec old[2] = {{1000000000, 0}, {1000000000, 0}};
    if (utimensat(AT_FDCWD, path, old, 0) != 0) why_set(why, "utimensat: %s", strerror(errno));
    FileState before, after;
    char *dir_before = list_dir(sub);
    if (file_state(path, &before) != 0) {
        why_set(why, "setup: cannot read the database back");
        return;
    }
    Scan s = scan(path, "t");
    if (s.rc != 0 || s.n != 3000) why_set(why, "full read: rc %d, %ld rows: %s", s.rc, s.n, s.err);
    Scan s2 = scan(path, "v");
    if (s2.rc != 0 || s2.n != 3000) why_set(why, "view read: rc %d, %ld rows", s2.rc, s2.n);
    /* closed in the middle of a scan, with the read transaction open */
    char err[1024];
    SqliteReader *r = rd_sqlite_open(path, "t", err, sizeof err);
    if (r) {
        SqlField *f;
        size_t nf;
        long row;
        rd_sqlite_next(r, &f, &nf, &row);
        char *dir_mid = list_dir(sub);
        if (!dir_mid || strcmp(dir_mid, dir_before) != 0)
            why_set(why, "while reading the folder holds %s (before: %s)", dir_mid, dir_before);
        free(dir_mid);
        rd_sqlite_close(r);
    } else {
        why_set(why, "open failed: %s", err);
    }
    Scan s3 = scan(path, "no_such");   /* a failed open writes nothing either */
    if (s3.rc != -2) why_set(why, "missing table opened");
    free(s.rows.p);
    free(s2.rows.p);
    free(s3.rows.p);
    if (file_state(path, &after) != 0) why_set(why, "cannot read the database after");
    else compare_state(&before, &after, why);
    char *dir_after = list_dir(sub);
    if (!dir_after || strcmp(dir_after, dir_before) != 0)
        why_set(why, "the folder now holds %s (before: %s)", dir_after, dir_before);
    free(before.bytes);
    free(after.bytes);
    free(dir_before);
    free(dir_after);
}

/* A writer that crashed mid-transaction leaves a hot journal; a connection
 * that may write would roll it back into the database file on open. The
 * reader must refuse instead, leaving both files as they are. */
static void case_hot_journal_left_alone(const Ctx *ctx, char *why)
{
    char path[512], journal[600];
    in_dir(ctx, "hot.db", path, sizeof path);
    snprintf(journal, sizeof journal, "%s-journal", path);
    if (make_db(path,
                "CREATE TABLE t(a, b);"
                "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 5000)"
                " INSERT INTO t SELECT i, printf('%0100d', i) FROM c;",
                why))
        return;
    pid_t pid = fork();
    if (pid < 0) {
        why_set(why, "fork: %s", strerror(errno));
        return;
    }
    if (pid == 0) {   /* a small cache spills the change into the file; then "crash" */
        sqlite3 *w = NULL;
        sqlite3_open(path, &w);
        sqlite3_exec(w, "PRAGMA cache_size=5; BEGIN; UPDATE t SET b = 'changed ' || a;", NULL,
                     NULL, NULL);
        _exit(0);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) continue;
    if (!exists(journal)) {
        why_set(why, "setup: no hot journal was left");
        return;
    }
    FileState db_before, db_after, j_before, j_after;
    if (file_state(path, &db_before) || file_state(journal, &j_before)) {
        why_set(why, "setup: cannot read the files");
        return;
    }
    Scan s = scan(path, "t");
    const char *needles[] = {path, "interrupted", "rolled back", NULL};
    expect_open_error(&s, needles, why);
    if (file_state(path, &db_after) || file_state(journal, &j_after)) {
        why_set(why, "the database or its journal is gone");
    } else {
        compare_state(&db_before, &db_after, why);
        /* not the journal's ctime: SQLite run as root fchown()s a journal
         * it opens, even read-only, to the database's owner */
        j_after.st.st_ctim = j_before.st.st_ctim;
        compare_state(&j_before, &j_after, why);
    }
    free(db_before.bytes);
    free(db_after.bytes);
    free(j_before.bytes);
    free(j_after.bytes);
}

static void case_wal_database(const Ctx *ctx, char *why)
{
    char path[512];
    in_dir(ctx, "wal.db", path, sizeof path);
    sqlite3 *w = writer_open(path, why);
    if (!w) return;
    if (exec_sql(w, "PRAGMA journal_mode=WAL; CREATE TABLE t(v);"
                    "INSERT INTO t VALUES (1),(2),(3);", why)) {
        sqlite3_close(w);
        return;
    }
    sqlite3_close(w);   /* checkpoints; the database file is now complete */
    FileState before, after;
    if (file_state(path, &before) != 0) {
        why_set(why, "setup: cannot read the database back");
        return;
    }
    Scan s = scan(path, "t");
    expect_rows(&s, "1\n2\n3\n", why);
    if (file_state(path, &after) != 0) why_set(why, "cannot read the database after");
    else compare_state(&before, &after, why);
    free(before.bytes);
    free(after.bytes);
    if (why[0]) return;
    /* the count and the rows are one snapshot taken at open: commits after
     * the open, before the first row and during the scan, are not seen
     * (WAL lets the writer go on) */
    char err[1024];
    SqliteReader *r = rd_sqlite_open(path, "t", err, sizeof err);
    if (!r) {
        why_set(why, "open failed: %s", err);
        return;
    }
    SqlField *f;
    size_t nf;
    long row, n = 0;
    for (int round = 0; round < 2; round++) {
        w = writer_open(path, why);
        if (w) {
            exec_sql(w, round ? "INSERT INTO t VALUES (5)" : "INSERT INTO t VALUES (4)", why);
            sqlite3_close(w);
        }
        if (round == 0 && rd_sqlite_next(r, &f, &nf, &row) == 1) n++;
    }
    while (rd_sqlite_next(r, &f, &nf, &row) == 1) n++;
    if (n != 3 || rd_sqlite_size(r) != 3)
        why_set(why, "saw %ld rows of %lld around two commits, expected 3 of 3", n,
                rd_sqlite_size(r));
    rd_sqlite_close(r);
    Scan s2 = scan(path, "t");
    expect_rows(&s2, "1\n2\n3\n4\n5\n", why);
}

/* ---- cases: locking ------------------------------------------------------ */

static void case_locked_times_out(const Ctx *ctx, char *why)
{
    char path[512];
    in_dir(ctx, "locked.db", path, sizeof path);
    if (make_db(path, "CREATE TABLE t(v); INSERT INTO t VALUES (1);", why)) return;
    sqlite3 *w = writer_open(path, why);   /* rollback journal: EXCLUSIVE shuts readers out */
    if (!w || exec_sql(w, "BEGIN EXCLUSIVE; INSERT INTO t VALUES (2);", why)) {
        sqlite3_close(w);
        return;
    }
    double t0 = now_seconds();
    Scan s = scan(path, "t");
    double took = now_seconds() - t0;
    const char *needles[] = {path, "locked", NULL};
    expect_open_error(&s, needles, why);
    double limit = RD_SQLITE_BUSY_TIMEOUT_MS / 1000.0;
    if (took < limit * 0.8) why_set(why, "gave up after %.2f s, before the busy timeout", took);
    if (took > limit + 3) why_set(why, "took %.2f s, well beyond the %.1f s timeout", took, limit);
    exec_sql(w, "ROLLBACK", why);
    sqlite3_close(w);
}

static void case_lock_released_in_time(const Ctx *ctx, char *why)
{
    char path[512];
    in_dir(ctx, "briefly.db", path, sizeof path);
    if (make_db(path, "CREATE TABLE t(v); INSERT INTO t VALUES (1);", why)) return;
    int fds[2];
    if (pipe(fds) != 0) {
        why_set(why, "pipe: %s", strerror(errno));
        return;
    }
    pid_t pid = fork();
    if (pid < 0) {
        why_set(why, "fork: %s", strerror(errno));
        return;
    }
    if (pid == 0) {   /* the writer: lock, tell the reader, hold 400 ms, commit */
        char wwhy[WHY_LEN] = "";
        sqlite3 *w = writer_open(path, wwhy);
        int ok = w && exec_sql(w, "BEGIN EXCLUSIVE; INSERT INTO t VALUES (2);", wwhy) == 0;
        if (write(fds[1], ok ? "y" : "n", 1) != 1) _exit(1);
        sleep_ms(400);
        if (ok) exec_sql(w, "COMMIT", wwhy);
        sqlite3_close(w);
        _exit(wwhy[0] ? 1 : 0);
    }
    char c = 'n';
    if (read(fds[0], &c, 1) != 1 || c != 'y') why_set(why, "the writer could not lock");
    double t0 = now_seconds();
    Scan s = scan(path, "t");
    double took = now_seconds() - t0;
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) continue;
    close(fds[0]);
    close(fds[1]);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) why_set(why, "the writer failed");
    expect_rows(&s, "1\n2\n", why);   /* waited for the commit, then saw it */
    if (took < 0.2) why_set(why, "read in %.2f s: did not wait for the lock", took);
}

/* In rollback-journal mode the reader's read transaction keeps a writer
 * from committing until the last row has been read; then it ends at once,
 * without waiting for rd_sqlite_close. */
static void case_lock_held_until_end(const Ctx *ctx, char *why)
{
    char path[512];
    in_dir(ctx, "hold.db", path, sizeof path);
    if (make_db(path, "CREATE TABLE t(v); INSERT INTO t VALUES (1),(2);", why)) return;
    char err[1024];
    SqliteReader *r = rd_sqlite_open(path, "t", err, sizeof err);
    if (!r) {
        why_set(why, "open failed: %s", err);
        return;
    }
    sqlite3 *w = writer_open(path, why);
    if (!w) {
        rd_sqlite_close(r);
        return;
    }
    SqlField *f;
    size_t nf;
    long row;
    rd_sqlite_next(r, &f, &nf, &row);
    if (sqlite3_exec(w, "INSERT INTO t VALUES (3)", NULL, NULL, NULL) != SQLITE_BUSY)
        why_set(why, "a writer committed in the middle of the scan");
    while (rd_sqlite_next(r, &f, &nf, &row) == 1) continue;
    char *msg = NULL;
    if (sqlite3_exec(w, "INSERT INTO t VALUES (4)", NULL, NULL, &msg) != SQLITE_OK)
        why_set(why, "after the last row a writer still cannot commit: %s", msg ? msg : "?");
    sqlite3_free(msg);
    sqlite3_close(w);
    rd_sqlite_close(r);
}

/* ---- main ------------------------------------------------------------------ */

static int remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return -1;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        char p[1024];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode)) remove_tree(p);
        else unlink(p);
    }
    closedir(d);
    return rmdir(dir);
}

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    Ctx ctx;
    snprintf(ctx.dir, sizeof ctx.dir, "/tmp/kam_test_sqlite.XXXXXX");
    if (!mkdtemp(ctx.dir)) {
        fprintf(stderr, "test_sqlite: mkdtemp: %s\n", strerror(errno));
        return 2;
    }
    static const struct { const char *name; CaseFn *fn; } cases[] = {
        {"integer_values", case_integer},
        {"real_values_shortest_round_trip", case_real},
        {"real_values_random_against_brute_force", case_real_shortest_random},
        {"text_values_utf8_and_long", case_text},
        {"text_embedded_nul_kept_with_length", case_text_embedded_nul},
        {"null_values", case_null},
        {"blob_is_a_marker_not_an_error", case_blob_error},
        {"sql_error_mid_scan_is_sticky", case_sql_error_sticky},
        {"columns_in_order_and_empty_table", case_columns},
        {"rows_in_rowid_order_even_when_shadowed", case_rowid_order},
        {"row_numbers_offset_and_size", case_progress},
        {"view", case_view},
        {"without_rowid_table", case_without_rowid},
        {"missing_file_is_not_created", case_missing_file},
        {"not_a_database_and_empty_file", case_not_a_database},
        {"missing_table_lists_tables", case_missing_table},
        {"table_names_needing_quotes", case_quoted_names},
        {"paths_percent_encoded_in_uri", case_path_encoding},
        {"read_only_bytes_times_and_folder_unchanged", case_read_only},
        {"hot_journal_not_rolled_back", case_hot_journal_left_alone},
        {"wal_database_unchanged_and_snapshot", case_wal_database},
        {"locked_database_times_out_with_message", case_locked_times_out},
        {"lock_released_within_timeout_waits_and_reads", case_lock_released_in_time},
        {"lock_held_until_the_last_row_only", case_lock_held_until_end},
    };
    Tally t = {0, 0};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        run_case(&t, cases[i].name, cases[i].fn, &ctx);
    remove_tree(ctx.dir);
    return t.failed ? 1 : 0;
}
