/* test_csv.c — tests for the CSV reader (runtime/reader_csv.c): the
 * csv-spectrum conformance fixtures, hand-written edge cases, buffer-boundary
 * sweeps, limits, a differential test against a slow reference parser
 * on random bytes, and the field limit (rd_csv_set_field_limit) checked
 * against the same reader without one. It does not test type conversion or
 * headers-as-schema; those live above the reader.
 *
 * Build and run from the repository root:
 *
 *   mkdir -p build
 *   cc -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
 *      -Wmissing-prototypes -Wwrite-strings -O2 -Ibase -Iruntime \
 *      tests/unit/test_csv.c runtime/reader_csv.c base/arena.c base/mapfile.c \
 *      -o build/test_csv
 *   build/test_csv tests/conformance/csv-spectrum
 *
 * (Given the tests/ folder instead, as tests/run.sh does, it finds
 * conformance/csv-spectrum inside it.)
 *
 * For the sanitized build replace -O2 with -O0 -g3
 * -fsanitize=address,undefined. Temporary files go to /tmp (mkstemp) and are
 * removed; the largest is about 65 MiB, for the record-length limit.
 *
 * Output: one line per case, "PASS name" or "FAIL name: reason"; the exit
 * status is 1 if any case failed, 2 on a usage error. Each case runs in a
 * child process, so a crash is one case's FAIL, not the end of the run. */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE     /* truncate */

#include "reader_csv.h"
#include "mapfile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

enum { READER_BLOCK = 1 << 20 };   /* the reader's read size, for boundary tests */

/* ---- small utilities ---------------------------------------------------- */

typedef struct Tally { int run, failed; } Tally;

/* A byte string (may hold NUL). */
typedef struct Str { char *p; size_t len; } Str;

/* One record as read, with the line the reader reported. */
typedef struct Row { Str *f; size_t n; long line; } Row;

/* A whole file as read: rows up to the end or the first error. */
typedef struct Table {
    Row *rows;
    size_t n, cap;
    int rc;              /* 0 clean end, -1 reader error, -2 open failed */
    char err[600];       /* rd_csv_error or the open message */
} Table;

/* A growable byte buffer for building test inputs. */
typedef struct Buf { char *p; size_t len, cap; } Buf;

/* Random rounds: 3000 in `make test` (KAM_SLOW_TESTS=1), 300 in the quick
 * loop of `make test-fast`. */
static int random_rounds(void)
{
    const char *slow = getenv("KAM_SLOW_TESTS");
    return slow && *slow ? 3000 : 300;
}

/* The boundary sweeps try every offset in `make test`, every fifth in the
 * quick loop (the offsets tried still cover each kind of tail byte). */
static size_t sweep_step(void)
{
    const char *slow = getenv("KAM_SLOW_TESTS");
    return slow && *slow ? 1 : 5;
}

static void *emalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fputs("test_csv: out of memory\n", stderr);
        exit(2);
    }
    return p;
}

static void *erealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p) {
        fputs("test_csv: out of memory\n", stderr);
        exit(2);
    }
    return p;
}

static Str str_copy(const char *p, size_t n)
{
    Str s = { emalloc(n + 1), n };
    if (n) memcpy(s.p, p, n);
    s.p[n] = '\0';
    return s;
}

static void buf_add(Buf *b, const char *p, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->p = erealloc(b->p, b->cap);
    }
    memcpy(b->p + b->len, p, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void buf_puts(Buf *b, const char *s) { buf_add(b, s, strlen(s)); }

static void buf_byte(Buf *b, char c) { buf_add(b, &c, 1); }

static void row_add(Row *r, const char *p, size_t n)
{
    r->f = erealloc(r->f, (r->n + 1) * sizeof *r->f);
    r->f[r->n++] = str_copy(p, n);
}

static Row *table_add(Table *t, long line)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 16;
        t->rows = erealloc(t->rows, t->cap * sizeof *t->rows);
    }
    Row *r = &t->rows[t->n++];
    r->f = NULL;
    r->n = 0;
    r->line = line;
    return r;
}

static void table_free(Table *t)
{
    for (size_t i = 0; i < t->n; i++) {
        for (size_t j = 0; j < t->rows[i].n; j++) free(t->rows[i].f[j].p);
        free(t->rows[i].f);
    }
    free(t->rows);
    memset(t, 0, sizeof *t);
}

/* Prints the case's verdict: PASS if why is empty. */
/* Every case runs twice: its files mapped (as kam reads a regular file),
 * then read(2) through stdin (as kam reads a pipe or stdin), suffix
 * " (read)" on the case names. */
static bool via_stdin;
static const char *suffix = "";

/* Opens path as the round says: mapped, or as stdin read(2) into the
 * reader's buffer (named path all the same, for the messages). NULL with
 * err set if it cannot, or if the reader did not take it as asked. */
static CsvReader *open_input(const char *path, char *err, size_t errlen)
{
    if (!via_stdin) {
        CsvReader *r = rd_csv_open(path, err, errlen);
        struct stat st;
        if (r && !rd_csv_mapped(r) && stat(path, &st) == 0 && st.st_size > 0) {
            snprintf(err, errlen, "%s: not mapped, but it is a regular file, not empty", path);
            rd_csv_close(r);
            return NULL;
        }
        return r;
    }
    int fd = open(path, O_RDONLY);
    if (fd < 0 || dup2(fd, STDIN_FILENO) < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        if (fd >= 0) close(fd);
        return NULL;
    }
    close(fd);
    CsvReader *r = rd_csv_open("-", err, errlen);
    if (r && rd_csv_mapped(r)) {
        snprintf(err, errlen, "%s: stdin was mapped", path);
        rd_csv_close(r);
        return NULL;
    }
    if (r) rd_csv_set_name(r, path);
    return r;
}

static void report(Tally *t, const char *name, const char *why)
{
    t->run++;
    if (why[0]) {
        t->failed++;
        printf("FAIL %s%s: %s\n", name, suffix, why);
    } else {
        printf("PASS %s%s\n", name, suffix);
    }
    fflush(stdout);
}

/* A test case: sets why to the reason it failed, or leaves it empty. */
typedef void CaseFn(const void *arg, char *why);

enum { CHILD_FAILED = 3 };

/* Runs one case in a child process, so that a crash (or a sanitizer abort)
 * in the reader is reported as that case's FAIL and the later cases still
 * run. Without fork it runs in-process. */
static void run_case(Tally *t, const char *name, CaseFn *fn, const void *arg)
{
    char why[600] = "";
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        fn(arg, why);
        report(t, name, why);
        return;
    }
    if (pid == 0) {
        fn(arg, why);
        Tally child = { 0, 0 };
        report(&child, name, why);
        _exit(why[0] ? CHILD_FAILED : 0);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) continue;
    t->run++;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return;
    t->failed++;
    if (WIFEXITED(status) && WEXITSTATUS(status) == CHILD_FAILED) return;
    if (WIFSIGNALED(status))
        printf("FAIL %s%s: crashed with signal %d\n", name, suffix, WTERMSIG(status));
    else
        printf("FAIL %s%s: died with exit status %d (a sanitizer report is on stderr)\n", name, suffix,
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
    vsnprintf(why, 600, fmt, ap);
    va_end(ap);
}

/* A printable, shortened rendering of bytes for failure messages. */
static const char *show(const char *p, size_t n, char *out, size_t outlen)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 8 < outlen; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '\n') o += (size_t)snprintf(out + o, outlen - o, "\\n");
        else if (c == '\r') o += (size_t)snprintf(out + o, outlen - o, "\\r");
        else if (c < 0x20 || c >= 0x7f) o += (size_t)snprintf(out + o, outlen - o, "\\x%02x", c);
        else out[o++] = (char)c;
        if (i == 40 && n > 48) {
            o += (size_t)snprintf(out + o, outlen - o, "...(%zu bytes)", n);
            break;
        }
    }
    out[o] = '\0';
    return out;
}

/* Writes n bytes to a new temporary file; returns its malloc'd path. */
static char *write_temp(const char *data, size_t n)
{
    char *path = emalloc(32);
    strcpy(path, "/tmp/kam_csv_test_XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0) {
        perror("test_csv: mkstemp");
        exit(2);
    }
    size_t done = 0;
    while (done < n) {
        ssize_t w = write(fd, data + done, n - done);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            perror("test_csv: write");
            exit(2);
        }
        done += (size_t)w;
    }
    close(fd);
    return path;
}

static void remove_temp(char *path)
{
    unlink(path);
    free(path);
}

/* Reads every record of path with the reader under test, splitting only
 * the first limit fields (0 = all), checking on the way that no record has
 * more than limit fields. */
static Table read_table_limit(const char *path, size_t limit)
{
    Table t = { 0 };
    CsvReader *r = open_input(path, t.err, sizeof t.err);
    if (!r) {
        t.rc = -2;
        return t;
    }
    if (limit) rd_csv_set_field_limit(r, limit);
    RdField *f;
    size_t nf;
    long line;
    int rc;
    while ((rc = rd_csv_next(r, &f, &nf, &line)) == 1) {
        if (limit && nf > limit) {
            snprintf(t.err, sizeof t.err, "record at line %ld has %zu fields, over the limit %zu",
                     line, nf, limit);
            t.rc = -3;
            rd_csv_close(r);
            return t;
        }
        Row *row = table_add(&t, line);
        for (size_t i = 0; i < nf; i++) row_add(row, f[i].ptr, f[i].len);
    }
    t.rc = rc;
    if (rc < 0) snprintf(t.err, sizeof t.err, "%s", rd_csv_error(r));
    rd_csv_close(r);
    return t;
}

static Table read_table(const char *path) { return read_table_limit(path, 0); }

/* Writes data to a temporary file and reads it back. */
static Table read_bytes(const char *data, size_t n)
{
    char *path = write_temp(data, n);
    Table t = read_table(path);
    remove_temp(path);
    return t;
}

static Table read_text(const char *text) { return read_bytes(text, strlen(text)); }

/* Checks t against expected records given as varargs, one string per
 * record with fields separated by '|', ended by NULL. */
static void expect_rows(const Table *t, char *why, ...)
{
    va_list ap;
    va_start(ap, why);
    size_t i = 0;
    const char *spec;
    char a[200], b[200];
    while ((spec = va_arg(ap, const char *)) != NULL) {
        if (i >= t->n) {
            why_set(why, "record %zu missing (got %zu records)", i + 1, t->n);
            i++;
            continue;
        }
        const Row *row = &t->rows[i];
        size_t j = 0;
        const char *p = spec;
        for (;;) {
            const char *bar = strchr(p, '|');
            size_t n = bar ? (size_t)(bar - p) : strlen(p);
            if (j >= row->n) {
                why_set(why, "record %zu: field %zu missing (got %zu fields)", i + 1, j + 1, row->n);
                break;
            }
            if (row->f[j].len != n || memcmp(row->f[j].p, p, n) != 0)
                why_set(why, "record %zu field %zu: got \"%s\", want \"%s\"", i + 1, j + 1,
                        show(row->f[j].p, row->f[j].len, a, sizeof a), show(p, n, b, sizeof b));
            j++;
            if (!bar) break;
            p = bar + 1;
        }
        if (j < row->n) why_set(why, "record %zu: %zu fields, want %zu", i + 1, row->n, j);
        i++;
    }
    va_end(ap);
    if (t->n > i) why_set(why, "%zu records, want %zu", t->n, i);
}

/* Checks the reported start lines of the records, given as varargs ended
 * by 0. */
static void expect_lines(const Table *t, char *why, ...)
{
    va_list ap;
    va_start(ap, why);
    long want;
    for (size_t i = 0; (want = va_arg(ap, long)) != 0; i++)
        if (i < t->n && t->rows[i].line != want)
            why_set(why, "record %zu reported line %ld, want %ld", i + 1, t->rows[i].line, want);
    va_end(ap);
}

static void expect_clean(const Table *t, char *why)
{
    if (t->rc != 0) why_set(why, "unexpected error (rc %d): %s", t->rc, t->err);
}

/* Expects the read to stop with an error mentioning ":line:" and each of
 * the given phrases (varargs ended by NULL). */
static void expect_error(const Table *t, char *why, long line, ...)
{
    if (t->rc != -1) {
        why_set(why, "expected an error, got rc %d after %zu records", t->rc, t->n);
        return;
    }
    char at[32];
    snprintf(at, sizeof at, ":%ld: ", line);
    if (!strstr(t->err, at)) why_set(why, "error does not name line %ld: %s", line, t->err);
    va_list ap;
    va_start(ap, line);
    const char *phrase;
    while ((phrase = va_arg(ap, const char *)) != NULL)
        if (!strstr(t->err, phrase)) why_set(why, "error lacks \"%s\": %s", phrase, t->err);
    va_end(ap);
}

/* Compares two tables record by record, lines included. */
static void compare_tables(const Table *got, const Table *want, char *why)
{
    char a[200], b[200];
    size_t n = got->n < want->n ? got->n : want->n;
    for (size_t i = 0; i < n && !why[0]; i++) {
        const Row *g = &got->rows[i], *w = &want->rows[i];
        if (g->line != w->line)
            why_set(why, "record %zu: line %ld, want %ld", i + 1, g->line, w->line);
        if (g->n != w->n) {
            why_set(why, "record %zu (line %ld): %zu fields, want %zu", i + 1, w->line, g->n, w->n);
            break;
        }
        for (size_t j = 0; j < g->n; j++)
            if (g->f[j].len != w->f[j].len || memcmp(g->f[j].p, w->f[j].p, g->f[j].len) != 0)
                why_set(why, "record %zu (line %ld) field %zu: got \"%s\", want \"%s\"", i + 1,
                        w->line, j + 1, show(g->f[j].p, g->f[j].len, a, sizeof a),
                        show(w->f[j].p, w->f[j].len, b, sizeof b));
    }
    if (got->n != want->n) why_set(why, "%zu records, want %zu", got->n, want->n);
}

/* ---- reference parser ---------------------------------------------------- */

/* Ends a reference parse with an error at line: the record being built is
 * dropped, as the reader returns none of a malformed record. */
static void drop_broken_row(Table *want, long line, long *err_line)
{
    Row *row = &want->rows[--want->n];
    for (size_t k = 0; k < row->n; k++) free(row->f[k].p);
    free(row->f);
    want->rc = -1;
    *err_line = line;
}

/* A slow, obviously-correct parser of the dialect documented in
 * reader_csv.h, byte by byte with no buffering, for differential tests.
 * Fills want; on malformed input sets want->rc = -1 and *err_line. */
static void reference_parse(const char *s, size_t n, Table *want, long *err_line)
{
    size_t i = 0;
    long line = 1;
    if (n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) i = 3;
    for (;;) {
        while (i < n && (s[i] == '\n' || s[i] == '\r')) {   /* blank lines */
            i += (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n') ? 2 : 1;
            line++;
        }
        if (i == n) return;
        Row *row = table_add(want, line);
        for (;;) {
            Buf field = { 0 };
            buf_add(&field, "", 0);
            if (i < n && s[i] == '"') {
                long open_line = line;
                i++;
                for (;;) {
                    if (i == n) {
                        free(field.p);
                        drop_broken_row(want, open_line, err_line);
                        return;
                    }
                    if (s[i] == '"') {
                        if (i + 1 < n && s[i + 1] == '"') {
                            buf_byte(&field, '"');
                            i += 2;
                            continue;
                        }
                        i++;
                        break;
                    }
                    if (s[i] == '\n' || (s[i] == '\r' && !(i + 1 < n && s[i + 1] == '\n'))) line++;
                    buf_byte(&field, s[i++]);
                }
                if (i < n && s[i] != ',' && s[i] != '\n' && s[i] != '\r') {
                    free(field.p);
                    drop_broken_row(want, line, err_line);
                    return;
                }
            } else {
                while (i < n && s[i] != ',' && s[i] != '\n' && s[i] != '\r') buf_byte(&field, s[i++]);
            }
            row_add(row, field.p, field.len);
            free(field.p);
            if (i < n && s[i] == ',') {
                i++;
                continue;
            }
            if (i < n) {   /* a line end */
                i += (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n') ? 2 : 1;
                line++;
            }
            break;
        }
    }
}

/* Reads data with the reader and with the reference parser and compares
 * records, lines and where (and whether) an error happens. */
static void differential(const char *data, size_t n, char *why)
{
    Table want = { 0 };
    long err_line = 0;
    reference_parse(data, n, &want, &err_line);
    Table got = read_bytes(data, n);
    compare_tables(&got, &want, why);
    if (want.rc == -1) expect_error(&got, why, err_line, (const char *)NULL);
    else expect_clean(&got, why);
    table_free(&got);
    table_free(&want);
}

/* Reads data once with no field limit and once with the given one. The
 * limited read must give the same records on the same lines, each cut to
 * its first limit fields, and end the same way: cleanly, or with the same
 * error message (which names the line). */
static void differential_limit(const char *data, size_t n, size_t limit, char *why)
{
    char *path = write_temp(data, n);
    Table all = read_table_limit(path, 0), got = read_table_limit(path, limit);
    remove_temp(path);
    for (size_t i = 0; i < all.n; i++) {
        Row *row = &all.rows[i];
        for (; row->n > limit; row->n--) free(row->f[row->n - 1].p);
    }
    compare_tables(&got, &all, why);
    if (got.rc != all.rc)
        why_set(why, "limit %zu: rc %d (%s), without a limit rc %d (%s)", limit, got.rc, got.err,
                all.rc, all.err);
    else if (strcmp(got.err, all.err) != 0)
        why_set(why, "limit %zu: error \"%s\", without a limit \"%s\"", limit, got.err, all.err);
    if (why[0] && !strstr(why, "limit ")) {
        char tmp[600];
        snprintf(tmp, sizeof tmp, "%s", why);
        why[0] = '\0';
        why_set(why, "limit %zu: %s", limit, tmp);
    }
    table_free(&all);
    table_free(&got);
}

/* ---- JSON fixtures -------------------------------------------------------- */

/* A reader for exactly the csv-spectrum JSON shape: an array of flat objects
 * whose values are strings. Objects keep their keys in file order. */
typedef struct JObj { Str *keys, *vals; size_t n; } JObj;
typedef struct JCursor { const char *p, *end; char err[200]; } JCursor;

static void j_ws(JCursor *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\n' || *j->p == '\r' || *j->p == '\t')) j->p++;
}

static int j_expect(JCursor *j, char c)
{
    j_ws(j);
    if (j->p < j->end && *j->p == c) {
        j->p++;
        return 1;
    }
    if (!j->err[0]) snprintf(j->err, sizeof j->err, "expected '%c'", c);
    return 0;
}

static int hex4(const char *p, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
        else return 0;
    }
    *out = v;
    return 1;
}

static void utf8_put(Buf *b, unsigned cp)
{
    char u[4];
    size_t n;
    if (cp < 0x80) { u[0] = (char)cp; n = 1; }
    else if (cp < 0x800) { u[0] = (char)(0xC0 | cp >> 6); u[1] = (char)(0x80 | (cp & 0x3F)); n = 2; }
    else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | cp >> 12); u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F)); n = 3;
    } else {
        u[0] = (char)(0xF0 | cp >> 18); u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); u[3] = (char)(0x80 | (cp & 0x3F)); n = 4;
    }
    buf_add(b, u, n);
}

static int j_string(JCursor *j, Str *out)
{
    if (!j_expect(j, '"')) return 0;
    Buf b = { 0 };
    buf_add(&b, "", 0);
    for (;;) {
        if (j->p >= j->end) {
            snprintf(j->err, sizeof j->err, "unterminated string");
            free(b.p);
            return 0;
        }
        char c = *j->p++;
        if (c == '"') break;
        if (c != '\\') {
            buf_byte(&b, c);
            continue;
        }
        if (j->p >= j->end) continue;
        char e = *j->p++;
        unsigned cp;
        switch (e) {
        case '"': case '\\': case '/': buf_byte(&b, e); break;
        case 'b': buf_byte(&b, '\b'); break;
        case 'f': buf_byte(&b, '\f'); break;
        case 'n': buf_byte(&b, '\n'); break;
        case 'r': buf_byte(&b, '\r'); break;
        case 't': buf_byte(&b, '\t'); break;
        case 'u':
            if (j->end - j->p < 4 || !hex4(j->p, &cp)) {
                snprintf(j->err, sizeof j->err, "bad \\u escape");
                free(b.p);
                return 0;
            }
            j->p += 4;
            if (cp >= 0xD800 && cp < 0xDC00 && j->end - j->p >= 6 && j->p[0] == '\\' &&
                j->p[1] == 'u') {
                unsigned lo;
                if (hex4(j->p + 2, &lo) && lo >= 0xDC00 && lo < 0xE000) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    j->p += 6;
                }
            }
            utf8_put(&b, cp);
            break;
        default:
            snprintf(j->err, sizeof j->err, "bad escape \\%c", e);
            free(b.p);
            return 0;
        }
    }
    out->p = b.p;
    out->len = b.len;
    return 1;
}

static void jobjs_free(JObj *o, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < o[i].n; k++) {
            free(o[i].keys[k].p);
            free(o[i].vals[k].p);
        }
        free(o[i].keys);
        free(o[i].vals);
    }
    free(o);
}

/* Parses text as [ {"k": "v", ...}, ... ]; returns the number of objects
 * or -1 with the reason in err. */
static long j_parse(const char *text, size_t n, JObj **out, char *err, size_t errlen)
{
    JCursor j = { text, text + n, "" };
    JObj *objs = NULL;
    size_t nobj = 0;
    if (!j_expect(&j, '[')) goto bad;
    j_ws(&j);
    if (j.p < j.end && *j.p == ']') {
        j.p++;
    } else {
        for (;;) {
            if (!j_expect(&j, '{')) goto bad;
            objs = erealloc(objs, (nobj + 1) * sizeof *objs);
            JObj *o = &objs[nobj++];
            memset(o, 0, sizeof *o);
            j_ws(&j);
            if (j.p < j.end && *j.p == '}') {
                j.p++;
            } else {
                for (;;) {
                    Str k, v;
                    if (!j_string(&j, &k)) goto bad;
                    if (!j_expect(&j, ':') || !j_string(&j, &v)) {
                        free(k.p);
                        goto bad;
                    }
                    o->keys = erealloc(o->keys, (o->n + 1) * sizeof *o->keys);
                    o->vals = erealloc(o->vals, (o->n + 1) * sizeof *o->vals);
                    o->keys[o->n] = k;
                    o->vals[o->n++] = v;
                    j_ws(&j);
                    if (j.p < j.end && *j.p == ',') {
                        j.p++;
                        continue;
                    }
                    if (!j_expect(&j, '}')) goto bad;
                    break;
                }
            }
            j_ws(&j);
            if (j.p < j.end && *j.p == ',') {
                j.p++;
                continue;
            }
            if (!j_expect(&j, ']')) goto bad;
            break;
        }
    }
    j_ws(&j);
    if (j.p != j.end) {
        snprintf(j.err, sizeof j.err, "text after the top-level array at byte %td", j.p - text);
        goto bad;
    }
    *out = objs;
    return (long)nobj;
bad:
    snprintf(err, errlen, "%s (near byte %td)", j.err[0] ? j.err : "malformed JSON", j.p - text);
    jobjs_free(objs, nobj);
    return -1;
}

static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    Buf b = { 0 };
    char chunk[4096];
    size_t k;
    buf_add(&b, "", 0);
    while ((k = fread(chunk, 1, sizeof chunk, f)) > 0) buf_add(&b, chunk, k);
    fclose(f);
    *n = b.len;
    return b.p;
}

/* ---- conformance: csv-spectrum ------------------------------------------- */

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Which fixture a spectrum case checks. */
typedef struct Fixture { const char *dir, *name; } Fixture;

/* One fixture: csvs/NAME.csv must give the header plus exactly the rows of
 * json/NAME.json, each object keyed by the header. */
static void spectrum_case(const void *arg, char *why)
{
    const char *dir = ((const Fixture *)arg)->dir, *name = ((const Fixture *)arg)->name;
    char path[4096], a[200], b[200], c[200];
    snprintf(path, sizeof path, "%s/json/%s.json", dir, name);
    size_t jn;
    char *jtext = slurp(path, &jn);
    JObj *objs = NULL;
    long nobj = -1;
    if (!jtext) why_set(why, "cannot read %s: %s", path, strerror(errno));
    else if ((nobj = j_parse(jtext, jn, &objs, why, 600)) < 0) {
        char tmp[600];
        snprintf(tmp, sizeof tmp, "%s", why);
        why[0] = '\0';
        why_set(why, "%s: %s", path, tmp);
    }
    free(jtext);

    snprintf(path, sizeof path, "%s/csvs/%s.csv", dir, name);
    Table tb = read_table(path);
    if (tb.rc != 0) why_set(why, "reader failed: %s", tb.err);
    else if (tb.n == 0) why_set(why, "no header record");
    if (!why[0]) {
        const Row *hdr = &tb.rows[0];
        if (tb.n - 1 != (size_t)nobj) why_set(why, "%zu data records, JSON has %ld", tb.n - 1, nobj);
        for (size_t i = 0; i + 1 < tb.n && i < (size_t)nobj && !why[0]; i++) {
            const Row *row = &tb.rows[i + 1];
            const JObj *o = &objs[i];
            if (row->n != hdr->n) why_set(why, "record %zu has %zu fields, header %zu", i + 2, row->n, hdr->n);
            if (o->n != hdr->n) why_set(why, "JSON object %zu has %zu keys, header %zu", i + 1, o->n, hdr->n);
            for (size_t k = 0; k < hdr->n && k < row->n && !why[0]; k++) {
                const Str *val = NULL;
                for (size_t m = 0; m < o->n; m++)
                    if (o->keys[m].len == hdr->f[k].len &&
                        memcmp(o->keys[m].p, hdr->f[k].p, hdr->f[k].len) == 0)
                        val = &o->vals[m];
                if (!val) {
                    why_set(why, "JSON object %zu lacks key \"%s\"", i + 1,
                            show(hdr->f[k].p, hdr->f[k].len, a, sizeof a));
                } else if (val->len != row->f[k].len || memcmp(val->p, row->f[k].p, val->len) != 0) {
                    why_set(why, "record %zu field \"%s\": got \"%s\", want \"%s\"", i + 2,
                            show(hdr->f[k].p, hdr->f[k].len, a, sizeof a),
                            show(row->f[k].p, row->f[k].len, b, sizeof b),
                            show(val->p, val->len, c, sizeof c));
                }
            }
        }
    }
    table_free(&tb);
    if (nobj > 0) jobjs_free(objs, (size_t)nobj);
}

static void run_spectrum(Tally *t, const char *dir)
{
    char why[600] = "", path[4096];
    snprintf(path, sizeof path, "%s/csvs", dir);
    DIR *d = opendir(path);
    char **names = NULL;
    size_t n = 0;
    if (!d) {
        why_set(why, "cannot open %s: %s", path, strerror(errno));
    } else {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            size_t len = strlen(e->d_name);
            if (len > 4 && strcmp(e->d_name + len - 4, ".csv") == 0) {
                names = erealloc(names, (n + 1) * sizeof *names);
                names[n] = emalloc(len - 3);
                memcpy(names[n], e->d_name, len - 4);
                names[n][len - 4] = '\0';
                n++;
            }
        }
        closedir(d);
        if (n < 12) why_set(why, "found %zu fixtures in %s, expected at least 12", n, path);
    }
    report(t, "spectrum_fixtures_present", why);
    if (n) qsort(names, n, sizeof *names, by_name);
    for (size_t i = 0; i < n; i++) {
        char tname[300];
        Fixture fx = { dir, names[i] };
        snprintf(tname, sizeof tname, "spectrum_%s", names[i]);
        run_case(t, tname, spectrum_case, &fx);
        free(names[i]);
    }
    free(names);
}

/* ---- hand-written cases ---------------------------------------------------- */

static void case_simple(const void *arg, char *why)
{
    (void)arg;
    Table tb = read_text("id,name\n1,Acme\n2,Globex\n");
    expect_clean(&tb, why);
    expect_rows(&tb, why, "id|name", "1|Acme", "2|Globex", (const char *)NULL);
    expect_lines(&tb, why, 1L, 2L, 3L, 0L);
    table_free(&tb);
}

static void case_bom(const void *arg, char *why)
{
    (void)arg;
    Table tb = read_text("\xEF\xBB\xBF" "a,b\n1,\xEF\xBB\xBF\n");
    expect_clean(&tb, why);
    /* only the leading mark is dropped; one later is data */
    expect_rows(&tb, why, "a|b", "1|\xEF\xBB\xBF", (const char *)NULL);
    expect_lines(&tb, why, 1L, 2L, 0L);
    table_free(&tb);
    tb = read_text("\xEF\xBB\xBF");
    expect_clean(&tb, why);
    expect_rows(&tb, why, (const char *)NULL);
    table_free(&tb);
    tb = read_text("\xEF\xBB\xBF\"q\",x\n");
    expect_clean(&tb, why);
    expect_rows(&tb, why, "q|x", (const char *)NULL);
    table_free(&tb);
}

static void case_crlf(const void *arg, char *why)
{
    (void)arg;
    Table tb = read_text("a,b\r\n1,2\r\n\"x\",\"y\"\r\n3,4\n5,6\r\n");
    expect_clean(&tb, why);
    expect_rows(&tb, why, "a|b", "1|2", "x|y", "3|4", "5|6", (const char *)NULL);
    expect_lines(&tb, why, 1L, 2L, 3L, 4L, 5L, 0L);
    table_free(&tb);
}

static void case_lone_cr(const void *arg, char *why)
{
    (void)arg;
    Table tb = read_text("a,b\r1,2\r\"x\r\ny\",z\r3,4\r");
    expect_clean(&tb, why);
    expect_rows(&tb, why, "a|b", "1|2", "x\r\ny|z", "3|4", (const char *)NULL);
    expect_lines(&tb, why, 1L, 2L, 3L, 5L, 0L);
    table_free(&tb);
}

static void case_no_final_newline(const void *arg, char *why)
{
    (void)arg;
    Table tb = read_text("a,b\n1,2");
    expect_clean(&tb, why);
    expect_rows(&tb, why, "a|b", "1|2", (const char *)NULL);
    table_free(&tb);
    tb = read_text("a,b\n1,\"2\"");
    expect_clean(&tb, why);
    expect_rows(&tb, why, "a|b", "1|2", (const char *)NULL);
    table_free(&tb);
    tb = read_text("a,b\n1,");
    expect_clean(&tb, why);
    expect_rows(&tb, why, "a|b", "1|", (const char *)NULL);
    table_free(&tb);
}

static void case_empty_fields(const void *arg, char *why)
{
    (void)arg;
    Table tb = read_text(",,\n\"\"\n\"\",\na,\n,b\n");
    expect_clean(&tb, why);
    expect_rows(&tb, why, "||", "", "|", "a|", "|b", (const char *)NULL);
    table_free(&tb);
}

static void case_blank_lines(const void *arg, char *why)
{
    (void)arg;
    Table tb = read_text("a\n\n\r\nb\n\n\n");
    expect_clean(&tb, why);
    expect_rows(&tb, why, "a", "b", (const char *)NULL);
    expect_lines(&tb, why, 1L, 4L, 0L);
    table_free(&tb);
    tb = read_text("");
    expect_clean(&tb, why);
    expect_rows(&tb, why, (const char *)NULL);
    table_free(&tb);
    tb = read_text("\n\r\n\n");
    expect_clean(&tb, why);
    expect_rows(&tb, why, (const char *)NULL);
    table_free(&tb);
}

static void case_quotes(const void *arg, char *why)
{
    (void)arg;
    Table tb = read_text("\"a,b\",\"say \"\"hi\"\"\",\"\"\"\"\n5'10\",x\"y,\"line1\nline2\"\n");
    expect_clean(&tb, why);
    expect_rows(&tb, why, "a,b|say \"hi\"|\"", "5'10\"|x\"y|line1\nline2", (const char *)NULL);
    table_free(&tb);
}

static void case_multiline_lines(const void *arg, char *why)
{
    (void)arg;
    Table tb = read_text("h1,h2\n\"a\nb\nc\",\"d\r\ne\"\nnext,row\n\n\"x\ry\",z\nlast,1\n");
    expect_clean(&tb, why);
    expect_rows(&tb, why, "h1|h2", "a\nb\nc|d\r\ne", "next|row", "x\ry|z", "last|1",
                (const char *)NULL);
    expect_lines(&tb, why, 1L, 2L, 6L, 8L, 10L, 0L);
    table_free(&tb);
}

static void case_unterminated(const void *arg, char *why)
{
    (void)arg;
    Table tb = read_text("a,b\n1,2\n3,\"oops\n4,5\n6,7\n");
    expect_rows(&tb, why, "a|b", "1|2", (const char *)NULL);
    expect_error(&tb, why, 3L, "unterminated quoted field", "field 2", (const char *)NULL);
    table_free(&tb);

    /* the error is sticky, and the message carries the path */
    char *path = write_temp("\"abc", 4);
    char err[256];
    CsvReader *r = open_input(path, err, sizeof err);
    if (!r) {
        why_set(why, "open failed: %s", err);
    } else {
        RdField *f;
        size_t nf;
        long line;
        if (rd_csv_next(r, &f, &nf, &line) != -1) why_set(why, "first call did not fail");
        if (rd_csv_next(r, &f, &nf, &line) != -1) why_set(why, "error is not sticky");
        if (strncmp(rd_csv_error(r), path, strlen(path)) != 0)
            why_set(why, "error does not start with the path: %s", rd_csv_error(r));
        rd_csv_close(r);
    }
    remove_temp(path);
}

static void case_text_after_quote(const void *arg, char *why)
{
    (void)arg;
    Table tb = read_text("a,b\n\"x\"y,2\n");
    expect_rows(&tb, why, "a|b", (const char *)NULL);
    expect_error(&tb, why, 2L, "after the closing quote", "'y'", (const char *)NULL);
    table_free(&tb);
    /* a space after the quote is text too; the line is where it happens */
    tb = read_text("a,\"multi\nline\" ,c\n");
    expect_error(&tb, why, 2L, "after the closing quote", "field 2", (const char *)NULL);
    table_free(&tb);
}

static void case_nul_bytes(const void *arg, char *why)
{
    (void)arg;
    static const char data[] = "a\0b,c\n\0,\"x\0y\"\n\0\0\n";
    Table tb = read_bytes(data, sizeof data - 1);
    expect_clean(&tb, why);
    if (tb.n != 3) why_set(why, "%zu records, want 3", tb.n);
    else {
        if (tb.rows[0].n != 2 || tb.rows[0].f[0].len != 3 || memcmp(tb.rows[0].f[0].p, "a\0b", 3) != 0)
            why_set(why, "record 1 wrong");
        if (tb.rows[1].n != 2 || tb.rows[1].f[0].len != 1 || tb.rows[1].f[0].p[0] != '\0' ||
            tb.rows[1].f[1].len != 3 || memcmp(tb.rows[1].f[1].p, "x\0y", 3) != 0)
            why_set(why, "record 2 wrong");
        if (tb.rows[2].n != 1 || tb.rows[2].f[0].len != 2) why_set(why, "record 3 wrong");
    }
    table_free(&tb);
}

static void case_open_errors(const void *arg, char *why)
{
    (void)arg;
    char err[300];
    const char *missing = "/nonexistent-kam-dir/accounts.csv";
    CsvReader *r = rd_csv_open(missing, err, sizeof err);
    if (r) {
        why_set(why, "opening a missing file succeeded");
        rd_csv_close(r);
    } else {
        if (!strstr(err, missing)) why_set(why, "message lacks the path: %s", err);
        if (!strstr(err, strerror(ENOENT))) why_set(why, "message lacks strerror: %s", err);
    }
    r = rd_csv_open("/tmp", err, sizeof err);
    if (r) {
        why_set(why, "opening a directory succeeded");
        rd_csv_close(r);
    } else if (!strstr(err, "/tmp") || !strstr(err, strerror(EISDIR))) {
        why_set(why, "directory message: %s", err);
    }
    rd_csv_close(NULL);   /* must be a no-op */
}

static void case_offsets(const void *arg, char *why)
{
    (void)arg;
    char err[300];
    const char *data = "a,b\n1,2\n3,4";
    char *path = write_temp(data, strlen(data));
    CsvReader *r = open_input(path, err, sizeof err);
    if (!r) {
        why_set(why, "open failed: %s", err);
    } else {
        RdField *f;
        size_t nf;
        long line;
        if (rd_csv_size(r) != 11) why_set(why, "size %lld, want 11", rd_csv_size(r));
        if (rd_csv_offset(r) != 0) why_set(why, "initial offset %lld", rd_csv_offset(r));
        rd_csv_next(r, &f, &nf, &line);
        if (rd_csv_offset(r) != 4) why_set(why, "offset after record 1: %lld, want 4", rd_csv_offset(r));
        while (rd_csv_next(r, &f, &nf, &line) == 1) continue;
        if (rd_csv_offset(r) != 11) why_set(why, "final offset %lld, want 11", rd_csv_offset(r));
        rd_csv_close(r);
    }
    remove_temp(path);
}

static void case_field_limit(const void *arg, char *why)
{
    (void)arg;
    Buf b = { 0 };
    buf_puts(&b, "x\n");
    for (int i = 1; i < 10000; i++) buf_byte(&b, ',');   /* 10000 empty fields: allowed */
    buf_puts(&b, "\nok\n");
    Table tb = read_bytes(b.p, b.len);
    expect_clean(&tb, why);
    if (tb.n != 3 || tb.rows[1].n != 10000) why_set(why, "10000 fields not read back");
    table_free(&tb);
    b.len = 0;
    buf_puts(&b, "x\n");
    for (int i = 0; i < 10000; i++) buf_puts(&b, "1,");   /* 10001 fields */
    buf_puts(&b, "\n");
    tb = read_bytes(b.p, b.len);
    expect_error(&tb, why, 2L, "more than 10000 fields", (const char *)NULL);
    table_free(&tb);
    free(b.p);
}

/* A field of 3 MiB, three times the read block, plain and quoted. */
static void case_long_field(const void *arg, char *why)
{
    (void)arg;
    const size_t big = 3u << 20;
    Buf b = { 0 }, q = { 0 };
    buf_puts(&b, "h1,h2,h3\n\"s\"\"\",");   /* finished fields must survive the buffer's growth */
    const size_t plain_at = b.len;
    for (size_t i = 0; i < big; i++) buf_byte(&b, (char)('a' + i % 26));
    buf_puts(&b, ",tail\r\nshort,\"");
    for (size_t i = 0; i < big; i++) {
        char c = (i % 1000 == 999) ? '\n' : (i % 777 == 0) ? '"' : (char)('A' + i % 26);
        buf_byte(&q, c);
        if (c == '"') buf_byte(&b, '"');
        buf_byte(&b, c);
    }
    buf_puts(&b, "\",x\nend,1,2\n");
    Table tb = read_bytes(b.p, b.len);
    expect_clean(&tb, why);
    if (tb.n != 4) {
        why_set(why, "%zu records, want 4", tb.n);
    } else {
        const Row *r1 = &tb.rows[1], *r2 = &tb.rows[2];
        if (r1->n != 3 || strcmp(r1->f[0].p, "s\"") != 0 || r1->f[1].len != big ||
            memcmp(r1->f[1].p, b.p + plain_at, big) != 0 || strcmp(r1->f[2].p, "tail") != 0)
            why_set(why, "record with the long plain field not read back");
        if (r2->n != 3 || strcmp(r2->f[0].p, "short") != 0 || r2->f[1].len != q.len ||
            memcmp(r2->f[1].p, q.p, q.len) != 0 || strcmp(r2->f[2].p, "x") != 0)
            why_set(why, "record with the long quoted field not read back");
        expect_rows(&(Table){ .rows = tb.rows + 3, .n = 1 }, why, "end|1|2", (const char *)NULL);
        long newlines = (long)(big / 1000);
        expect_lines(&tb, why, 1L, 2L, 3L, 4L + newlines, 0L);
    }
    table_free(&tb);
    free(b.p);
    free(q.p);
}

/* Reads path to its end after calling change(path) once the first record
 * is read; the error, or "" if there was none, goes to err. */
static void read_changed(const char *path, void (*change)(const char *), char *err,
                         size_t errlen)
{
    err[0] = '\0';
    CsvReader *r = open_input(path, err, errlen);
    if (!r) return;
    RdField *f;
    size_t nf;
    long line;
    int rc = rd_csv_next(r, &f, &nf, &line);
    if (rc == 1) {
        change(path);
        while ((rc = rd_csv_next(r, &f, &nf, &line)) == 1) continue;
    }
    if (rc < 0) snprintf(err, errlen, "%s", rd_csv_error(r));
    rd_csv_close(r);
}

static void append_record(const char *path)
{
    int fd = open(path, O_WRONLY | O_APPEND);
    if (fd < 0 || write(fd, "7,8\n", 4) != 4) abort();
    close(fd);
}

static void set_old_mtime(const char *path)
{
    struct timespec times[2] = {{0, UTIME_OMIT}, {1000000000, 0}};   /* 2001 */
    if (utimensat(AT_FDCWD, path, times, 0) != 0) abort();
}

/* A regular file that grows, or is written to, while it is read: an error
 * at its end, never an answer from a file half written. */
static void case_changed_while_read(const void *arg, char *why)
{
    (void)arg;
    char err[600];
    const char *data = "a,b\n1,2\n3,4\n5,6\n";
    char *path = write_temp(data, strlen(data));
    read_changed(path, append_record, err, sizeof err);
    if (!strstr(err, "changed while it was being read (from 16 to 20 bytes)"))
        why_set(why, "appended to while read: \"%s\"", err);
    remove_temp(path);
    path = write_temp(data, strlen(data));
    read_changed(path, set_old_mtime, err, sizeof err);
    if (!strstr(err, "changed while it was being read (it was written to)"))
        why_set(why, "its modification time changed while read: \"%s\"", err);
    remove_temp(path);
    path = write_temp(data, strlen(data));
    Table tb = read_table(path);        /* and one left alone reads cleanly */
    expect_clean(&tb, why);
    table_free(&tb);
    remove_temp(path);
}

static void hook_says(void)
{
    static const char m[] = "the fatal hook ran\n";
    if (write(STDERR_FILENO, m, sizeof m - 1) < 0) { /* nothing to do */ }
}

/* A file cut short while it is read: mapped, the pages past its new end
 * raise SIGBUS, which base/mapfile.c turns into a message naming the
 * file, the hook, and exit status 3; read, the size differs at the end. */
static void case_shrank_while_read(const void *arg, char *why)
{
    (void)arg;
    Buf b = { 0 };
    while (b.len < (9u << 20)) buf_puts(&b, "A0000001,some name,123.45,2026-01-01,true\n");
    char *path = write_temp(b.p, b.len);
    free(b.p);
    int p[2];
    if (pipe(p) != 0) abort();
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        dup2(p[1], STDERR_FILENO);
        mapfile_set_fatal_hook(hook_says);
        char err[600];
        CsvReader *r = open_input(path, err, sizeof err);
        if (!r) _exit(6);
        RdField *f;
        size_t nf;
        long line;
        int rc = rd_csv_next(r, &f, &nf, &line);
        if (rc != 1 || truncate(path, 4096) != 0) _exit(7);
        while ((rc = rd_csv_next(r, &f, &nf, &line)) == 1) continue;
        if (rc < 0) fprintf(stderr, "%s\n", rd_csv_error(r));
        _exit(rc < 0 ? 5 : 0);
    }
    close(p[1]);
    char said[2048];
    size_t n = 0;
    ssize_t k;
    while (n < sizeof said - 1 && (k = read(p[0], said + n, sizeof said - 1 - n)) > 0) n += (size_t)k;
    said[n] = '\0';
    close(p[0]);
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) continue;
    int code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    if (!via_stdin) {
        char want[4200];
        snprintf(want, sizeof want, "kam: %s: the file shrank while it was being read", path);
        if (code != 3 || !strstr(said, want) || !strstr(said, "the fatal hook ran"))
            why_set(why, "mapped: exit %d, said \"%s\"", code, said);
    } else if (code != 5 || !strstr(said, "changed while it was being read (from")) {
        why_set(why, "read: exit %d, said \"%s\"", code, said);
    }
    remove_temp(path);
}

/* Records over 64 MiB are refused; for a quote never closed the message
 * says so. */
static void case_record_limit(const void *arg, char *why)
{
    (void)arg;
    const size_t big = (64u << 20) + 10;
    char *data = emalloc(big + 16);
    memcpy(data, "a\n", 2);
    memset(data + 2, 'z', big);
    memcpy(data + 2 + big, "\nb\n", 3);
    Table tb = read_bytes(data, big + 5);
    expect_rows(&tb, why, "a", (const char *)NULL);
    expect_error(&tb, why, 2L, "longer than 64 MiB", (const char *)NULL);
    table_free(&tb);
    data[2] = '"';
    tb = read_bytes(data, big + 5);
    expect_error(&tb, why, 2L, "longer than 64 MiB", "missing its closing quote", (const char *)NULL);
    table_free(&tb);
    free(data);
}

/* Writes deterministic records of many shapes, over 2 MiB in all, to b and
 * what they hold to want. */
static void block_records(Buf *b, Table *want)
{
    unsigned seed = 12345;
    long line = 1;
    char tmp[400];
    for (int rec = 0; b->len < (5u << 19); rec++) {   /* 2.5 MiB */
        Row *row = table_add(want, line);
        int nf = 1 + (int)(seed % 23);
        for (int k = 0; k < nf; k++) {
            seed = seed * 1103515245u + 12345u;
            unsigned kind = (seed >> 16) % 9, len = (seed >> 8) % 300;
            Buf v = { 0 };
            buf_add(&v, "", 0);
            switch (kind) {
            case 0: break;                                         /* empty */
            case 1: snprintf(tmp, sizeof tmp, "r%d_f%d", rec, k); buf_puts(&v, tmp); break;
            case 2: for (unsigned i = 0; i < len; i++) buf_byte(&v, (char)('a' + (i + (unsigned)rec) % 26)); break;
            case 3: snprintf(tmp, sizeof tmp, "Acme %d, Inc.", rec); buf_puts(&v, tmp); break;
            case 4: snprintf(tmp, sizeof tmp, "say \"%d\"", rec); buf_puts(&v, tmp); break;
            case 5: snprintf(tmp, sizeof tmp, "line %d\nnext", rec); buf_puts(&v, tmp); break;
            case 6: snprintf(tmp, sizeof tmp, "crlf\r\n%d\r\n", rec); buf_puts(&v, tmp); break;
            case 7: for (unsigned i = 0; i < len; i++) buf_byte(&v, i % 5 == 0 ? '"' : i % 7 == 0 ? ',' : 'q'); break;
            default: buf_puts(&v, "\"\""); break;
            }
            /* quote the specials, and a lone empty field (else a blank line) */
            int needs_quotes = kind >= 3 || (v.len == 0 && nf == 1);
            if (k) buf_byte(b, ',');
            if (needs_quotes) {
                buf_byte(b, '"');
                for (size_t i = 0; i < v.len; i++) {
                    if (v.p[i] == '"') buf_byte(b, '"');
                    if (v.p[i] == '\n') line++;
                    buf_byte(b, v.p[i]);
                }
                buf_byte(b, '"');
            } else {
                buf_add(b, v.p, v.len);
            }
            row_add(row, v.p, v.len);
            free(v.p);
        }
        buf_puts(b, rec % 3 == 0 ? "\r\n" : "\n");
        line++;
    }
}

/* The records of block_records, so that records straddle several buffer
 * refills; each is compared field by field. */
static void case_block_boundaries(const void *arg, char *why)
{
    (void)arg;
    Buf b = { 0 };
    Table want = { 0 };
    block_records(&b, &want);
    Table got = read_bytes(b.p, b.len);
    expect_clean(&got, why);
    compare_tables(&got, &want, why);
    if (!why[0] && want.n < 1000) why_set(why, "generator made only %zu records", want.n);
    table_free(&got);
    table_free(&want);
    free(b.p);
}

/* Fills b with short plain records up to exactly prefix bytes (prefix
 * large), so that whatever is appended next starts at that offset. */
static void pad_records(Buf *b, size_t prefix)
{
    while (b->len + 64 <= prefix) buf_puts(b, "pad,0123456789012345678901234567890123456789012345678901234\n");
    size_t rest = prefix - b->len;   /* 0..63: one more short record */
    if (rest == 1) {                 /* a lone "\n" would be a blank line */
        b->p[b->len - 1] = 'Z';
        buf_puts(b, "\n");
    } else if (rest > 1) {
        while (b->len < prefix - 1) buf_byte(b, 'y');
        buf_byte(b, '\n');
    }
}

/* Puts a tricky tail at every offset around the end of the first read
 * block: doubled quotes, CRLF and quoted line breaks split at each byte. */
static void case_boundary_sweep(const void *arg, char *why)
{
    (void)arg;
    static const char tail[] =
        "x,\"a\"\"b\"\r\n\"l1\r\nl2\",\"\"\r\n\"q\"\"\"\r\n\r\nplain,p\r\nlast\r";
    const size_t tlen = sizeof tail - 1;
    for (size_t k = 0; k <= tlen + 2 && !why[0]; k += sweep_step()) {
        size_t prefix = READER_BLOCK - k;
        Buf b = { 0 };
        pad_records(&b, prefix);
        buf_add(&b, tail, tlen);
        Table got = read_bytes(b.p, b.len);
        expect_clean(&got, why);
        if (got.n < 5) {
            why_set(why, "offset %zu: only %zu records", k, got.n);
        } else {
            Table last5 = { .rows = got.rows + got.n - 5, .n = 5 };
            expect_rows(&last5, why, "x|a\"b", "l1\r\nl2|", "q\"", "plain|p", "last",
                        (const char *)NULL);
        }
        if (why[0]) {
            char tmp[600];
            snprintf(tmp, sizeof tmp, "%s", why);
            why[0] = '\0';
            why_set(why, "tail at block end minus %zu: %s", k, tmp);
        }
        if (!why[0]) differential(b.p, b.len, why);
        table_free(&got);
        free(b.p);
    }
}

/* Random bytes drawn mostly from the bytes that matter to CSV, read by the
 * reader and by the reference parser: same records, same lines, same error
 * line. Run under the sanitizers this is also the no-crash test. */
static void case_random_differential(const void *arg, char *why)
{
    (void)arg;
    static const char alphabet[] = { 'a', 'b', ',', ',', '"', '"', '\r', '\n', '\n', '\0',
                                     '\xEF', '\xBB', '\xBF', ' ' };
    unsigned seed = 777;
    char data[400];
    for (int iter = 0; iter < random_rounds() && !why[0]; iter++) {
        seed = seed * 1103515245u + 12345u;
        size_t n = (seed >> 16) % sizeof data;
        int quoting = iter % 2;   /* half the inputs keep quotes balanced-ish */
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            unsigned v = seed >> 16;
            data[i] = (v % 16 < sizeof alphabet) ? alphabet[v % 16 % sizeof alphabet] : (char)(v >> 4);
            if (!quoting && data[i] == '"') data[i] = 'c';
        }
        if (iter % 3 == 0 && n >= 3) memcpy(data, "\xEF\xBB\xBF", 3);
        differential(data, n, why);
        if (why[0]) {
            char tmp[600], shown[200];
            snprintf(tmp, sizeof tmp, "%s", why);
            why[0] = '\0';
            why_set(why, "input %d \"%s\": %s", iter, show(data, n, shown, sizeof shown), tmp);
        }
    }
}

/* Checks the reference parser itself on fixed input, so that the
 * differential cases cannot pass by both sides being wrong the same way. */
static void case_reference_sanity(const void *arg, char *why)
{
    (void)arg;
    const char *s = "\xEF\xBB\xBF" "a,\"b\"\"c\"\r\n\n\"d\ne\",\r\nf";
    Table want = { 0 };
    long err_line = 0;
    reference_parse(s, strlen(s), &want, &err_line);
    expect_rows(&want, why, "a|b\"c", "d\ne|", "f", (const char *)NULL);
    expect_lines(&want, why, 1L, 3L, 5L, 0L);
    table_free(&want);
    reference_parse("x\n\"y", 4, &want, &err_line);
    if (want.rc != -1 || err_line != 2) why_set(why, "reference missed the unterminated quote");
    table_free(&want);
}

/* ---- field limit (rd_csv_set_field_limit) ------------------------------- */

static Table read_text_limit(const char *text, size_t limit)
{
    char *path = write_temp(text, strlen(text));
    Table t = read_table_limit(path, limit);
    remove_temp(path);
    return t;
}

/* A limit below, at and above the width of the records. */
static void case_limit_widths(const void *arg, char *why)
{
    (void)arg;
    const char *text = "a,b,c,d\n1,2\nx\n\"q\",\"r\"\r\n";
    Table tb = read_text_limit(text, 2);
    expect_clean(&tb, why);
    expect_rows(&tb, why, "a|b", "1|2", "x", "q|r", (const char *)NULL);
    expect_lines(&tb, why, 1L, 2L, 3L, 4L, 0L);
    table_free(&tb);
    for (size_t limit = 4; limit <= 5; limit++) {
        tb = read_text_limit(text, limit);
        expect_clean(&tb, why);
        expect_rows(&tb, why, "a|b|c|d", "1|2", "x", "q|r", (const char *)NULL);
        table_free(&tb);
    }
    tb = read_text_limit(text, 1);
    expect_clean(&tb, why);
    expect_rows(&tb, why, "a", "1", "x", "q", (const char *)NULL);
    table_free(&tb);
}

/* Quotes, quoted line breaks, CRLF and a lone CR after the limit: the
 * skipped part still ends the record where it really ends and counts its
 * lines. */
static void case_limit_skipped_specials(const void *arg, char *why)
{
    (void)arg;
    const char *text = "h1,h2,h3\r\n"
                       "k,\"multi\nline\r\nfield\",\"q\"\"\"\n"
                       "k2,skip\"lit,z\r\n"
                       "k3,x\ry,z\n"
                       "\n"
                       "k4,\"a\rb\",\"\"\"\"\r\n"
                       "last,\"no end\"";
    Table tb = read_text_limit(text, 1);
    expect_clean(&tb, why);
    expect_rows(&tb, why, "h1", "k", "k2", "k3", "y", "k4", "last", (const char *)NULL);
    expect_lines(&tb, why, 1L, 2L, 5L, 6L, 7L, 9L, 11L, 0L);
    table_free(&tb);
    tb = read_text_limit(text, 2);
    expect_clean(&tb, why);
    expect_rows(&tb, why, "h1|h2", "k|multi\nline\r\nfield", "k2|skip\"lit", "k3|x", "y|z",
                "k4|a\rb", "last|no end", (const char *)NULL);
    expect_lines(&tb, why, 1L, 2L, 5L, 6L, 7L, 9L, 11L, 0L);
    table_free(&tb);
}

/* Malformed quoting in a skipped column is still found, on its line. */
static void case_limit_skipped_errors(const void *arg, char *why)
{
    (void)arg;
    Table tb = read_text_limit("a,b\n1,2,\"oops\n3,4\n", 1);
    expect_rows(&tb, why, "a", (const char *)NULL);
    expect_error(&tb, why, 2L, "unterminated quoted field", "field 3", (const char *)NULL);
    table_free(&tb);
    tb = read_text_limit("a,b,c\n1,\"x\ny\",\"z\"w,3\n", 1);
    expect_rows(&tb, why, "a", (const char *)NULL);
    expect_error(&tb, why, 3L, "after the closing quote", "field 3", "'w'", (const char *)NULL);
    table_free(&tb);
    /* the error is sticky with a limit too */
    char *path = write_temp("a,\"b\n", 5);
    char err[256];
    CsvReader *r = open_input(path, err, sizeof err);
    if (!r) {
        why_set(why, "open failed: %s", err);
    } else {
        rd_csv_set_field_limit(r, 1);
        RdField *f;
        size_t nf;
        long line;
        if (rd_csv_next(r, &f, &nf, &line) != -1) why_set(why, "first call did not fail");
        if (rd_csv_next(r, &f, &nf, &line) != -1) why_set(why, "error is not sticky");
        if (!strstr(rd_csv_error(r), ":1: ")) why_set(why, "wrong line: %s", rd_csv_error(r));
        rd_csv_close(r);
    }
    remove_temp(path);
}

/* Fields past the limit are not stored, so they do not count towards the
 * 10000-field limit, on the memchr path or the field-by-field one. */
static void case_limit_many_skipped_fields(const void *arg, char *why)
{
    (void)arg;
    Buf b = { 0 };
    buf_puts(&b, "x\n1");
    for (int i = 0; i < 10005; i++) buf_puts(&b, ",1");
    buf_puts(&b, "\n2");
    for (int i = 0; i < 10005; i++) buf_puts(&b, ",2");
    buf_puts(&b, ",\"q\"\nok\n");
    char *path = write_temp(b.p, b.len);
    Table tb = read_table_limit(path, 2);
    expect_clean(&tb, why);
    expect_rows(&tb, why, "x", "1|1", "2|2", "ok", (const char *)NULL);
    expect_lines(&tb, why, 1L, 2L, 3L, 4L, 0L);
    table_free(&tb);
    tb = read_table(path);   /* without a limit the record is refused */
    expect_error(&tb, why, 2L, "more than 10000 fields", (const char *)NULL);
    table_free(&tb);
    remove_temp(path);
    free(b.p);
}

/* The limit can change between records, and 0 means all fields again. */
static void case_limit_changes(const void *arg, char *why)
{
    (void)arg;
    char *path = write_temp("a,b,c\nd,e,f\ng,h,i\n", 18);
    char err[256];
    CsvReader *r = open_input(path, err, sizeof err);
    if (!r) {
        why_set(why, "open failed: %s", err);
    } else {
        RdField *f;
        size_t nf;
        long line;
        static const size_t limits[] = { 1, 0, 2 }, want[] = { 1, 3, 2 };
        for (int i = 0; i < 3; i++) {
            rd_csv_set_field_limit(r, limits[i]);
            if (rd_csv_next(r, &f, &nf, &line) != 1) why_set(why, "record %d not read", i + 1);
            else if (nf != want[i] || line != i + 1 || f[0].ptr[0] != "adg"[i])
                why_set(why, "record %d: %zu fields on line %ld, want %zu on %d", i + 1, nf, line,
                        want[i], i + 1);
        }
        rd_csv_close(r);
    }
    remove_temp(path);
}

/* A tail whose skipped part holds every special case, at every offset
 * around the end of the first read block: the memchr skip must hand over
 * to the field scan when the line end is not in the buffer yet, including
 * a CR read without the LF after it. */
static void case_limit_boundary_sweep(const void *arg, char *why)
{
    (void)arg;
    static const char tail[] =
        "k1,k2,plain,rest,more\r\n"
        "k3,\"q\nx\",skip\"\"d,\"e\r\nf\"\n"
        "lone,cr\rafter,1,2\n"
        "wide,1,2,3,4,5,6,7,8,9\r\n"
        "last,x,y";
    const size_t tlen = sizeof tail - 1;
    for (size_t k = 0; k <= tlen + 2 && !why[0]; k += sweep_step()) {
        Buf b = { 0 };
        pad_records(&b, READER_BLOCK - k);
        buf_add(&b, tail, tlen);
        for (size_t limit = 1; limit <= 3 && !why[0]; limit++) differential_limit(b.p, b.len, limit, why);
        if (why[0]) {
            char tmp[600];
            snprintf(tmp, sizeof tmp, "%s", why);
            why[0] = '\0';
            why_set(why, "tail at block end minus %zu: %s", k, tmp);
        }
        free(b.p);
    }
}

/* The records of block_records (2.5 MiB, every field shape) with limits. */
static void case_limit_block_records(const void *arg, char *why)
{
    (void)arg;
    Buf b = { 0 };
    Table want = { 0 };
    block_records(&b, &want);
    static const size_t limits[] = { 1, 2, 3, 7, 22, 23, 40 };
    for (size_t i = 0; i < sizeof limits / sizeof limits[0] && !why[0]; i++)
        differential_limit(b.p, b.len, limits[i], why);
    table_free(&want);
    free(b.p);
}

/* Skipped parts longer than the buffer: a 3 MiB plain tail and a 3 MiB
 * quoted field with line breaks, both after the limit. */
static void case_limit_long_skipped(const void *arg, char *why)
{
    (void)arg;
    const size_t big = 3u << 20;
    Buf b = { 0 };
    buf_puts(&b, "h1,h2\nk1,v1,");
    for (size_t i = 0; i < big; i++) buf_byte(&b, i % 1000 == 999 ? ',' : 'p');   /* 3145 fields */
    buf_puts(&b, "\nk2,v2,\"");
    for (size_t i = 0; i < big; i++) buf_puts(&b, i % 1000 == 999 ? "\n" : i % 777 == 0 ? "\"\"" : "Q");
    buf_puts(&b, "\",x\r\nend,1\n");
    for (size_t limit = 1; limit <= 3 && !why[0]; limit++) differential_limit(b.p, b.len, limit, why);
    free(b.p);
}

/* A pseudo-random number below n. */
static unsigned rnd(unsigned *seed, unsigned n)
{
    *seed = *seed * 1103515245u + 12345u;
    return (*seed >> 16) % n;
}

/* Appends random CSV-like text: records of 1..8 fields, plain, empty,
 * quoted with "", ',' and line breaks, or plain with a literal '"'; ended
 * by LF, CRLF or a lone CR, with blank lines; now and then a defect (a
 * quote never closed, text after a closing quote). Unlike random bytes it
 * has long quote-free stretches, so the memchr skip is taken often. */
static void random_csv(Buf *b, unsigned *seed)
{
    static const char *const quoted[] = { "\"a,b\"", "\"x\ny\"", "\"c\r\nd\"", "\"e\rf\"",
                                          "\"\"\"\"", "\"\"", "\"g\"\"h\"" };
    static const char *const ends[] = { "\n", "\n", "\n", "\r\n", "\r\n", "\r", "\n\n", "\r\n\r\n" };
    int records = 1 + (int)rnd(seed, 12);
    for (int rec = 0; rec < records; rec++) {
        int nf = 1 + (int)rnd(seed, 8);
        for (int k = 0; k < nf; k++) {
            if (k) buf_byte(b, ',');
            unsigned kind = rnd(seed, 10);
            if (kind < 4) {
                for (unsigned i = rnd(seed, 6); i > 0; i--) buf_byte(b, (char)('a' + rnd(seed, 26)));
            } else if (kind < 7) {
                buf_puts(b, quoted[rnd(seed, sizeof quoted / sizeof quoted[0])]);
            } else if (kind < 8) {
                buf_puts(b, "5'10\"");
            } else if (kind < 9) {
                unsigned defect = rnd(seed, 30);
                if (defect == 0) buf_puts(b, "\"open");
                else if (defect == 1) buf_puts(b, "\"x\"y");
            }   /* else empty */
        }
        if (rec + 1 < records || rnd(seed, 3)) buf_puts(b, ends[rnd(seed, sizeof ends / sizeof ends[0])]);
    }
}

/* Random CSV-like text and random bytes, each read with limits 1 to 4 and
 * without one: same first fields, same lines, same error. */
static void case_limit_random(const void *arg, char *why)
{
    (void)arg;
    static const char alphabet[] = { 'a', 'b', ',', ',', '"', '"', '\r', '\n', '\n', '\0',
                                     '\xEF', '\xBB', '\xBF', ' ' };
    unsigned seed = 4242;
    for (int iter = 0; iter < random_rounds() && !why[0]; iter++) {
        Buf b = { 0 };
        buf_add(&b, "", 0);
        if (iter % 2 == 0) {
            random_csv(&b, &seed);
        } else {
            size_t n = rnd(&seed, 300);
            for (size_t i = 0; i < n; i++) {
                unsigned v = rnd(&seed, 4096);
                buf_byte(&b, v % 16 < sizeof alphabet ? alphabet[v % 16 % sizeof alphabet] : (char)(v >> 4));
            }
        }
        for (size_t limit = 1; limit <= 4 && !why[0]; limit++) differential_limit(b.p, b.len, limit, why);
        if (why[0]) {
            char tmp[600], shown[200];
            snprintf(tmp, sizeof tmp, "%s", why);
            why[0] = '\0';
            why_set(why, "input %d \"%s\": %s", iter, show(b.p, b.len, shown, sizeof shown), tmp);
        }
        free(b.p);
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s tests/conformance/csv-spectrum\n", argv[0]);
        return 2;
    }
    static const struct { const char *name; CaseFn *fn; } cases[] = {
        { "simple", case_simple },
        { "bom", case_bom },
        { "crlf", case_crlf },
        { "lone_cr_line_ends", case_lone_cr },
        { "no_final_newline", case_no_final_newline },
        { "empty_fields", case_empty_fields },
        { "blank_lines_skipped", case_blank_lines },
        { "quoted_fields", case_quotes },
        { "multiline_line_numbers", case_multiline_lines },
        { "unterminated_quote_error", case_unterminated },
        { "text_after_closing_quote_error", case_text_after_quote },
        { "nul_bytes", case_nul_bytes },
        { "open_errors", case_open_errors },
        { "offset_and_size", case_offsets },
        { "changed_while_read", case_changed_while_read },
        { "shrank_while_read", case_shrank_while_read },
        { "field_count_limit", case_field_limit },
        { "field_longer_than_buffer", case_long_field },
        { "record_length_limit", case_record_limit },
        { "records_across_block_boundaries", case_block_boundaries },
        { "boundary_sweep", case_boundary_sweep },
        { "reference_parser_sanity", case_reference_sanity },
        { "random_bytes_vs_reference", case_random_differential },
        { "limit_widths", case_limit_widths },
        { "limit_skipped_quotes_crlf_lone_cr", case_limit_skipped_specials },
        { "limit_skipped_errors", case_limit_skipped_errors },
        { "limit_skipped_fields_uncounted", case_limit_many_skipped_fields },
        { "limit_changes_between_records", case_limit_changes },
        { "limit_boundary_sweep", case_limit_boundary_sweep },
        { "limit_block_records", case_limit_block_records },
        { "limit_long_skipped_part", case_limit_long_skipped },
        { "limit_random_vs_unlimited", case_limit_random },
    };
    /* tests/run.sh passes the tests/ folder; accept that as well */
    char dir[2048], probe[2100];
    struct stat st;
    snprintf(dir, sizeof dir, "%s", argv[1]);
    snprintf(probe, sizeof probe, "%s/csvs", argv[1]);
    if (stat(probe, &st) != 0) {
        snprintf(probe, sizeof probe, "%s/conformance/csv-spectrum/csvs", argv[1]);
        if (stat(probe, &st) == 0) snprintf(dir, sizeof dir, "%s/conformance/csv-spectrum", argv[1]);
    }
    Tally t = { 0, 0 };
    for (int round = 0; round < 2; round++) {
        via_stdin = round == 1;
        suffix = via_stdin ? " (read)" : "";
        run_spectrum(&t, dir);
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
            run_case(&t, cases[i].name, cases[i].fn, NULL);
    }
    fprintf(stderr, "test_csv: %d cases, %d failed\n", t.run, t.failed);
    return t.failed ? 1 : 0;
}
