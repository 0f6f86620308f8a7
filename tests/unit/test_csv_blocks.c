/* test_csv_blocks.c — the CSV reader's plain-record path (runtime/
 * reader_csv.c: field ends found 64 bytes at a time through a bit mask,
 * one-line quoted fields taken in the same sweep) against a reference
 * splitter written here, byte by byte, from reader_csv.h's rules.
 *
 * The inputs are built to hit the new path's edges: fields ending at every
 * offset around 16- and 64-byte block edges of the record (the mask's
 * blocks start where the record does; a quoted field's end is found in
 * the same marks),
 * a quote or CR first appearing just past an edge, quoted fields with ""
 * and with line breaks inside, literal quotes inside unquoted fields, NUL
 * bytes, LF, CRLF and lone CR line ends, blank lines, ',' ';' and tab as
 * the delimiter, and files of several MiB so that the 1 MiB reads end in
 * the middle of records (and a pipe fed in small random pieces). Each is
 * read with every field stored, with a field limit (the rest of the line
 * skipped) and with conversions on (every column converted as one of the
 * CSV_CONV_* kinds), and must give exactly the reference's records, lines,
 * and converted values (a converted value must be the value of the field's
 * text; a field of the fast shape, bare or quoted without "" inside, must
 * be converted unless it straddled a read; a field with "" never is). A malformed record must fail on the reference's line.
 * Random inputs come from a fixed seed, so a failure repeats.
 * Prints "PASS name" or "FAIL name: reason"; exit 1 if any failed. */
#define _POSIX_C_SOURCE 200809L

#include "date.h"
#include "reader_csv.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "unit_check.h"

/* The pass the checks are in: SSE2 scans, then AVX2 ones where the CPU has
 * them (rd_csv_set_avx2). */
static bool use_avx2;

static void check_pass(const char *name, int ok, const char *why)
{
    char full[300];
    snprintf(full, sizeof full, "%s%s", name, use_avx2 ? " (AVX2)" : " (SSE2)");
    check(full, ok, why);
}

/* splitmix64: the same numbers everywhere. */
static uint64_t rng_state = 0x5eed;

static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static size_t below(size_t n)
{
    return (size_t)(rnd() % n);
}

static void *emalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    return p;
}

/* A growing byte string. */
typedef struct Buf {
    char *p;
    size_t n, cap;
} Buf;

static void put(Buf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        b->cap = (b->n + n + 1) * 2;
        char *q = realloc(b->p, b->cap);
        if (!q) {
            fprintf(stderr, "out of memory\n");
            exit(2);
        }
        b->p = q;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static void putc1(Buf *b, char c)
{
    put(b, &c, 1);
}

/* ---- the reference splitter ---- */

typedef struct Field {
    size_t off, len;       /* the field's text in the reference's own copy */
    int quoted;
    int escaped;           /* quoted, holding "" */
} Field;

typedef struct Rec {
    long line;
    size_t first, n;       /* its fields: fields[first .. first + n) */
} Rec;

typedef struct Ref {
    Buf text;              /* every field's text, unescaped, one after another */
    Field *fields;
    size_t nfields, fcap;
    Rec *recs;
    size_t nrecs, rcap;
    long err_line;         /* 0: well formed; else where the reader must fail */
} Ref;

static void ref_field(Ref *r, size_t off, size_t len, int quoted, int escaped)
{
    if (r->nfields == r->fcap) {
        r->fcap = r->fcap ? r->fcap * 2 : 256;
        r->fields = realloc(r->fields, r->fcap * sizeof *r->fields);
        if (!r->fields) exit(2);
    }
    r->fields[r->nfields++] = (Field){off, len, quoted, escaped};
}

static void ref_record(Ref *r, long line, size_t first)
{
    if (r->nrecs == r->rcap) {
        r->rcap = r->rcap ? r->rcap * 2 : 256;
        r->recs = realloc(r->recs, r->rcap * sizeof *r->recs);
        if (!r->recs) exit(2);
    }
    r->recs[r->nrecs++] = (Rec){line, first, r->nfields - first};
}

static void ref_free(Ref *r)
{
    free(r->text.p);
    free(r->fields);
    free(r->recs);
}

/* Splits s[0..n) as reader_csv.h says: records of fields, blank lines
 * skipped, LF, CRLF and lone CR each one line; a quoted field may hold
 * anything, "" for a quote, and must be followed by the delimiter, a line
 * end or the end; an unquoted '"' is a literal. Stops at the first
 * malformed record, noting its line. */
static void ref_split(const char *s, size_t n, char sep, Ref *r)
{
    memset(r, 0, sizeof *r);
    put(&r->text, "", 0);
    size_t i = 0;
    long line = 1;
    for (;;) {
        while (i < n && (s[i] == '\n' || s[i] == '\r')) {
            i += s[i] == '\r' && i + 1 < n && s[i + 1] == '\n' ? 2 : 1;
            line++;
        }
        if (i == n) return;
        long rec_line = line;
        size_t first = r->nfields;
        for (;;) {
            size_t off = r->text.n;
            int quoted = i < n && s[i] == '"', escaped = 0;
            if (quoted) {
                long opened = line;     /* where an unterminated one is reported */
                size_t j = i + 1;
                for (;;) {
                    while (j < n && s[j] != '"') {
                        if (s[j] == '\n' || (s[j] == '\r' && !(j + 1 < n && s[j + 1] == '\n')))
                            line++;
                        putc1(&r->text, s[j++]);
                    }
                    if (j == n) {           /* unterminated: fails where it opened */
                        r->err_line = opened;
                        return;
                    }
                    if (j + 1 < n && s[j + 1] == '"') {
                        putc1(&r->text, '"');
                        escaped = 1;
                        j += 2;
                        continue;
                    }
                    break;
                }
                i = j + 1;
                if (i < n && s[i] != sep && s[i] != '\n' && s[i] != '\r') {
                    r->err_line = line;     /* text after the closing quote */
                    return;
                }
            } else {
                while (i < n && s[i] != sep && s[i] != '\n' && s[i] != '\r') putc1(&r->text, s[i++]);
            }
            ref_field(r, off, r->text.n - off, quoted, escaped);
            if (i < n && s[i] == sep) {
                i++;
                continue;
            }
            if (i < n) {
                i += s[i] == '\r' && i + 1 < n && s[i + 1] == '\n' ? 2 : 1;
                line++;
            }
            break;
        }
        ref_record(r, rec_line, first);
    }
}

/* ---- conversions the reference expects ---- */

/* Two word lists: words of up to 16 bytes (looked up by a hash in the
 * plain-record path; "ab" twice, the first must win) and one with longer
 * words too (tried in turn). Columns 4, 16, 28 use the first, 10, 22, 34
 * the second. */
static const char *const words[] = {"a", "ab", "true", "abcdefgh", "abcdefghi", "mid_market",
                                    "x\"y", "ab", "abcdefghijklmnop", "abcdefghijklmnoq",
                                    "abcdefghijklmnopq", "abcdefghijklmnopr"};
enum { NSHORT = 10 };
static const int nwords = 12;
static size_t word_len(int m)
{
    return strlen(words[m]);
}

static int col_nwords(size_t c)
{
    return (c / 6) % 2 ? nwords : NSHORT;
}

/* The conversion of column c: every kind in turn. */
static unsigned col_conv(size_t c)
{
    static const unsigned kinds[] = {CSV_CONV_DEC, CSV_CONV_NONE, CSV_CONV_PCT, CSV_CONV_INT,
                                     CSV_CONV_WORDS, CSV_CONV_DATE};
    return kinds[c % 6];
}

/* Whether text t[0..n) has column kind cv's fast shape; if so *v is its
 * value, worked out here without the reader's arithmetic. */
static int expect_value(unsigned cv, const char *t, size_t n, CsvValue *v, int nw, char sep)
{
    if (cv == CSV_CONV_WORDS) {
        for (int m = 0; m < nw; m++)
            if (word_len(m) == n && memcmp(words[m], t, n) == 0) {
                v->word = m;
                return 1;
            }
        return 0;
    }
    if (cv == CSV_CONV_DATE) {
        int32_t days;
        if (n != 10 || !date_parse(t, 10, &days)) return 0;
        v->days = days;
        return 1;
    }
    size_t i = 0, ndig = 0, frac = 0, shift = 0;
    char digits[64];
    int neg = n > 0 && t[0] == '-';
    i = (size_t)neg;
    while (i < n && t[i] >= '0' && t[i] <= '9' && ndig < 40) digits[ndig++] = t[i++];
    /* the point; in a ';' file a decimal comma, with a digit either side */
    int comma = sep == ';' && i < n && t[i] == ',' && cv != CSV_CONV_INT;
    if (comma && (i == (size_t)neg || i + 1 >= n || t[i + 1] < '0' || t[i + 1] > '9')) return 0;
    if (cv != CSV_CONV_INT && i < n && (t[i] == '.' || comma)) {
        i++;
        while (i < n && t[i] >= '0' && t[i] <= '9' && ndig < 40) {
            digits[ndig++] = t[i++];
            frac++;
        }
    }
    if (cv == CSV_CONV_PCT && i < n && t[i] == '%') {
        i++;
        shift = 2;
    }
    if (i != n || ndig == 0 || ndig > 15) return 0;
    char num[96];
    snprintf(num, sizeof num, "%.*se-%zu", (int)ndig, digits, frac + shift);
    double d = strtod(num, NULL);     /* correctly rounded */
    v->num = neg && d != 0 ? -d : d;  /* "-0" is 0 */
    return 1;
}

/* ---- reading and comparing ---- */

typedef struct Mode {
    size_t limit;          /* field limit, 0 = all */
    int convert;
    int via_pipe;          /* fed through a pipe in small pieces */
    int batch;             /* rd_csv_batch before each rd_csv_next (with a limit):
                              1 with the numeric columns and a key, 2 with neither */
} Mode;

/* Records rd_csv_batch took, over every input: it must take some. */
static size_t batched;

static char *write_temp(const char *data, size_t n)
{
    const char *dir = getenv("TMPDIR");
    char *path = emalloc(4096);
    snprintf(path, 4096, "%s/kam_csv_blocks_XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0) {
        perror("mkstemp");
        exit(2);
    }
    for (size_t o = 0; o < n;) {
        ssize_t w = write(fd, data + o, n - o);
        if (w <= 0) {
            perror("write");
            exit(2);
        }
        o += (size_t)w;
    }
    close(fd);
    return path;
}

/* The kB of pages written to in this process's mappings of the file at
 * path: those copied on write, which /proc/self/smaps counts as
 * Anonymous (Private_Dirty would also count the file's own pages not yet
 * written back to the disk); -1 if smaps cannot be read. */
static long mapped_dirty_kb(const char *path)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    if (!f) return -1;
    char line[4096];
    long kb = 0, v;
    int ours = 0;
    size_t plen = strlen(path);
    while (fgets(line, sizeof line, f)) {
        size_t n = strlen(line);
        if (n && line[n - 1] == '\n') line[--n] = '\0';
        unsigned long lo, hi;
        char perms[8];
        if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) == 3) {
            /* a mapping's first line: the address range, ..., the path */
            ours = n >= plen && strcmp(line + n - plen, path) == 0 && line[n - plen - 1] == ' ';
        } else if (ours && sscanf(line, "Anonymous: %ld kB", &v) == 1) {
            kb += v;
        }
    }
    fclose(f);
    return kb;
}

/* Feeds data into a pipe from a child, in pieces of 1 to 700 bytes. */
static pid_t feed_pipe(const char *data, size_t n, int *rfd)
{
    int p[2];
    if (pipe(p) != 0) {
        perror("pipe");
        exit(2);
    }
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        exit(2);
    }
    if (pid == 0) {
        close(p[0]);
        for (size_t o = 0; o < n;) {
            size_t k = 1 + below(700);
            if (k > n - o) k = n - o;
            ssize_t w = write(p[1], data + o, k);
            if (w <= 0) _exit(1);
            o += (size_t)w;
            if (below(4) == 0) {
                struct timespec ts = {0, 50000};
                nanosleep(&ts, NULL);
            }
        }
        _exit(0);
    }
    close(p[1]);
    *rfd = p[0];
    return pid;
}

/* Reads data as mode says and compares it with the reference; sets why on
 * the first difference. */
static void read_compare(const char *data, size_t n, char sep, const Ref *ref, Mode mode,
                         char *why, size_t whylen)
{
    char err[512], *path = NULL;
    pid_t child = 0;
    CsvReader *r;
    if (mode.via_pipe) {
        int fd;
        child = feed_pipe(data, n, &fd);
        char dev[64];
        snprintf(dev, sizeof dev, "/dev/fd/%d", fd);
        r = rd_csv_open(dev, err, sizeof err);
        close(fd);
    } else {
        path = write_temp(data, n);
        r = rd_csv_open(path, err, sizeof err);
    }
    if (!r) {
        snprintf(why, whylen, "open: %s", err);
        goto out;
    }
    if (rd_csv_set_avx2(r, use_avx2) != use_avx2) {
        snprintf(why, whylen, "rd_csv_set_avx2(%d) did not take", use_avx2);
        goto out;
    }
    rd_csv_set_delimiter(r, sep);
    rd_csv_set_field_limit(r, mode.limit);
    const CsvConverted *cv = NULL;
    enum { NCONV = 40 };
    if (mode.convert) {
        unsigned char conv[NCONV];
        CsvWords w[NCONV];
        for (size_t c = 0; c < NCONV; c++) {
            conv[c] = (unsigned char)col_conv(c);
            w[c] = (CsvWords){words, col_nwords(c)};
        }
        cv = rd_csv_set_conversions(r, conv, NCONV, NULL, w);
    }
    RdField *f;
    size_t nf;
    long line;
    size_t k = 0;
    int rc;
    /* the batch: the numeric columns below the limit, and a key column */
    enum { BMAX = 37 };
    unsigned char bconv[NCONV] = {0};
    double bv[NCONV][BMAX];
    double *bvals[NCONV] = {0};
    long bkey = mode.batch == 2 ? -1 : mode.limit > 1 ? 1 : 0;
    for (size_t c = 0; c < NCONV && c < mode.limit && mode.batch == 1; c++) {
        unsigned kind = col_conv(c);
        if (kind == CSV_CONV_DEC || kind == CSV_CONV_PCT || kind == CSV_CONV_INT) {
            bconv[c] = (unsigned char)kind;
            bvals[c] = bv[c];
        }
    }
    for (;;) {
        size_t took = mode.batch ? rd_csv_batch(r, bconv, bkey, 0, bvals, BMAX) : 0;
        for (size_t i = 0; i < took; i++, k++) {
            if (k == ref->nrecs) {
                snprintf(why, whylen, "batch: a record past the reference's %zu", ref->nrecs);
                goto done;
            }
            const Rec *want = &ref->recs[k];
            const Field *kf = &ref->fields[want->first + (size_t)(bkey >= 0 ? bkey : 0)];
            if (want->n < mode.limit || (bkey >= 0 && (kf->len == 0 || kf->escaped))) {
                snprintf(why, whylen, "batch took line %ld: %zu fields, key %zu bytes%s",
                         want->line, want->n, kf->len, kf->escaped ? ", with \"\"" : "");
                goto done;
            }
            for (size_t c = 0; c < NCONV && c < mode.limit; c++) {
                if (!bconv[c]) continue;
                const Field *wf = &ref->fields[want->first + c];
                const char *wt = ref->text.p + wf->off;
                CsvValue ev;
                if (wf->escaped || !expect_value(bconv[c], wt, wf->len, &ev, 0, sep)) {
                    snprintf(why, whylen, "batch took line %ld field %zu \"%.*s\": not of the shape",
                             want->line, c + 1, (int)wf->len, wt);
                    goto done;
                }
                if (memcmp(&bv[c][i], &ev.num, sizeof ev.num) != 0) {
                    snprintf(why, whylen, "batch: line %ld field %zu \"%.*s\": %.17g",
                             want->line, c + 1, (int)wf->len, wt, bv[c][i]);
                    goto done;
                }
            }
        }
        if (took) {
            long sl;
            rd_csv_record_start(r, &sl);
            if (sl != ref->recs[k - 1].line) {
                snprintf(why, whylen, "batch: the last record taken starts on line %ld, want %ld",
                         sl, ref->recs[k - 1].line);
                goto done;
            }
            batched += took;
            continue;
        }
        if ((rc = rd_csv_next(r, &f, &nf, &line)) != 1) break;
        if (k == ref->nrecs) {
            snprintf(why, whylen, "record %zu (line %ld) past the reference's %zu", k + 1, line,
                     ref->nrecs);
            goto done;
        }
        const Rec *want = &ref->recs[k];
        size_t wn = mode.limit && want->n > mode.limit ? mode.limit : want->n;
        if (line != want->line || nf != wn) {
            snprintf(why, whylen, "record %zu: line %ld with %zu fields, want line %ld with %zu",
                     k + 1, line, nf, want->line, wn);
            goto done;
        }
        unsigned count = 0;
        for (size_t i = 0; i < nf; i++) {
            const Field *wf = &ref->fields[want->first + i];
            const char *wt = ref->text.p + wf->off;
            if (f[i].len != wf->len || memcmp(f[i].ptr, wt, wf->len) != 0) {
                snprintf(why, whylen, "line %ld field %zu: %zu bytes \"%.*s\", want %zu \"%.*s\"",
                         line, i + 1, f[i].len, (int)(f[i].len > 60 ? 60 : f[i].len), f[i].ptr,
                         wf->len, (int)(wf->len > 60 ? 60 : wf->len), wt);
                goto done;
            }
            if (!cv || i >= NCONV || col_conv(i) == CSV_CONV_NONE) continue;
            CsvValue ev;
            int fast = !wf->escaped &&
                       expect_value(col_conv(i), wt, wf->len, &ev, col_nwords(i), sep);
            int got = cv->gen[i] == cv->cur;
            count += (unsigned)got;
            if (got && !fast) {
                snprintf(why, whylen, "line %ld field %zu \"%.*s\": converted, not of the shape",
                         line, i + 1, (int)wf->len, wt);
                goto done;
            }
            if (got && memcmp(cv->at[i], &ev, sizeof ev) != 0) {
                snprintf(why, whylen, "line %ld field %zu \"%.*s\": converted to another value",
                         line, i + 1, (int)wf->len, wt);
                goto done;
            }
            /* a read that ends inside a field leaves it to the general path,
               which converts only what it scans in one go; so does the
               end of the input (not known to be the end until read again) */
            if (fast && !got && (rd_csv_mapped(r) || (!mode.via_pipe && n < (1u << 20)))
                && k + 1 < ref->nrecs) {
                snprintf(why, whylen, "line %ld field %zu \"%.*s\": not converted", line, i + 1,
                         (int)wf->len, wt);
                goto done;
            }
        }
        if (cv && cv->count != count) {
            snprintf(why, whylen, "line %ld: count %u, want %u", line, cv->count, count);
            goto done;
        }
        k++;
    }
    if (rc < 0) {
        const char *e = rd_csv_error(r);
        const char *colon = strchr(e, ':');
        long eline = colon ? strtol(colon + 1, NULL, 10) : -1;
        if (!ref->err_line || k != ref->nrecs || eline != ref->err_line)
            snprintf(why, whylen, "error after %zu records: %s (reference: line %ld after %zu)", k,
                     e, ref->err_line, ref->nrecs);
    } else if (ref->err_line || k != ref->nrecs) {
        snprintf(why, whylen, "%zu records and no error, want %zu%s", k, ref->nrecs,
                 ref->err_line ? " and an error" : "");
    }
done:
    /* the reader never writes into its input: a mapped file's pages stay
       shared with the page cache, but for the one its sentinel is in */
    if (!why[0] && rd_csv_mapped(r)) {
        long kb = mapped_dirty_kb(path);
        if (kb > 4) snprintf(why, whylen, "the mapped input has %ld kB of pages written to", kb);
    }
    rd_csv_close(r);
out:
    if (child) {
        int st;
        waitpid(child, &st, 0);
    }
    if (path) {
        unlink(path);
        free(path);
    }
}

/* Every mode on one input. */
static void check_all(const char *name, const char *data, size_t n, char sep, int pipe_too)
{
    Ref ref;
    ref_split(data, n, sep, &ref);
    char why[1024] = "";
    static const Mode modes[] = {
        {0, 0, 0, 0}, {1, 0, 0, 0}, {2, 0, 0, 0}, {4, 1, 0, 0}, {0, 1, 0, 0}, {7, 1, 0, 0},
        {0, 1, 1, 0}, {3, 0, 1, 0}, {4, 0, 0, 1}, {1, 1, 0, 1}, {9, 1, 0, 1}, {7, 0, 1, 1},
        {1, 0, 0, 2}, {3, 0, 0, 2},
    };
    for (size_t m = 0; m < sizeof modes / sizeof *modes && !why[0]; m++) {
        if (modes[m].via_pipe && !pipe_too) continue;
        read_compare(data, n, sep, &ref, modes[m], why, sizeof why);
        if (why[0]) {
            char tmp[1100];
            snprintf(tmp, sizeof tmp, "[limit %zu%s%s%s] %.900s", modes[m].limit,
                     modes[m].convert ? ", converting" : "", modes[m].via_pipe ? ", pipe" : "",
                     modes[m].batch == 1 ? ", batch" : modes[m].batch ? ", batch of nothing" : "", why);
            snprintf(why, sizeof why, "%.1000s", tmp);
        }
    }
    check_pass(name, !why[0], why);
    ref_free(&ref);
}

/* ---- the inputs ---- */

/* A random field's text for column c (unquoted unless q), of about len
 * bytes, with a line end after it or not. */
static void random_field(Buf *b, char sep, size_t len, int q, int allow_breaks)
{
    static const char plain[] = "abcxyz0123456789.-%";
    if (q) {
        putc1(b, '"');
        for (size_t i = 0; i < len; i++) {
            size_t k = below(20);
            if (k == 0) put(b, "\"\"", 2);
            else if (k == 1) putc1(b, sep);
            else if (k == 2 && allow_breaks) put(b, below(2) ? "\n" : "\r\n", below(2) ? 1 : 2);
            else if (k == 3 && allow_breaks) putc1(b, '\r');
            else if (k == 4) putc1(b, '\0');
            else putc1(b, plain[below(sizeof plain - 1)]);
        }
        putc1(b, '"');
        return;
    }
    size_t shape = below(6);
    if (shape == 0 && len) {              /* a number of the fast shape, or near it */
        if (below(3) == 0) putc1(b, '-');
        size_t ip = below(10), fp = below(8);
        for (size_t i = 0; i < ip; i++) putc1(b, (char)('0' + below(10)));
        if (below(2)) {         /* in a ';' file now and then a decimal comma */
            putc1(b, sep == ';' && below(3) == 0 ? ',' : '.');
            for (size_t i = 0; i < fp; i++) putc1(b, (char)('0' + below(10)));
        }
        if (below(4) == 0) putc1(b, '%');
        return;
    }
    if (shape == 1) {                     /* a word, or almost */
        int m = (int)below((size_t)nwords);
        put(b, words[m], word_len(m) - (below(5) == 0 && word_len(m) > 0));
        return;
    }
    if (shape == 2) {                     /* a date, real or not */
        char d[16];
        snprintf(d, sizeof d, "%04d-%02d-%02d", 1990 + (int)below(50), 1 + (int)below(12),
                 1 + (int)below(31));
        put(b, d, 10);
        return;
    }
    for (size_t i = 0; i < len; i++) {
        size_t k = below(40);
        if (k == 0 && i > 0) putc1(b, '"');          /* literal, inside */
        else if (k == 1) putc1(b, '\0');
        else putc1(b, plain[below(sizeof plain - 1)]);
    }
}

static void random_line_end(Buf *b)
{
    size_t k = below(12);
    if (k == 0) put(b, "\r\n", 2);
    else if (k == 1) putc1(b, '\r');
    else if (k == 2) put(b, "\n\n", 2);              /* a blank line */
    else putc1(b, '\n');
}

/* A file of random records: short and long fields, some quoted. */
static void random_file(Buf *b, char sep, size_t bytes, int breaks)
{
    while (b->n < bytes) {
        size_t nf = 1 + below(below(4) ? 20 : 90);
        for (size_t i = 0; i < nf; i++) {
            if (i) putc1(b, sep);
            size_t len = below(5) ? below(12) : below(140);
            random_field(b, sep, len, below(8) == 0, breaks && below(6) == 0);
        }
        random_line_end(b);
    }
}

/* Field ends at every offset around the block edges: a record of fields
 * of lengths a and then b (and a quoted field of length q, when q > 0),
 * for every a and b up to 140, each with a short tail of fields. */
/* Records most of which rd_csv_batch takes (limit 4 or more, key column
 * 1): columns 0, 2 and 3 (and 6 ...) mostly numbers of their kind's fast
 * shape, column 1 mostly plain text; now and then what it must leave to
 * rd_csv_next: an empty key (bare or quoted) or one with "", a number
 * spaced or too long (quoted, it is converted as bare),
 * a short record, a quoted field with a line break, a blank line, a lone CR. */
static void batch_file(Buf *b, char sep, size_t bytes)
{
    while (b->n < bytes) {
        size_t nf = below(10) ? 4 + below(12) : 1 + below(4);
        for (size_t c = 0; c < nf; c++) {
            if (c) putc1(b, sep);
            unsigned kind = col_conv(c);
            size_t odd = below(25);
            if (c == 1) {
                if (odd == 0) continue;                     /* empty */
                if (odd == 1) {
                    random_field(b, sep, 1 + below(9), 1, 0);
                    continue;
                }
                if (odd == 2) {                             /* quoted, empty */
                    put(b, "\"\"", 2);
                    continue;
                }
                if (odd == 3) {                             /* quoted, with "" */
                    put(b, "\"k\"\"1\"", 6);
                    continue;
                }
                for (size_t i = 0, n = 1 + below(20); i < n; i++) putc1(b, (char)('a' + below(26)));
                continue;
            }
            if ((kind == CSV_CONV_DEC || kind == CSV_CONV_PCT || kind == CSV_CONV_INT) && odd > 2) {
                if (below(4) == 0) putc1(b, '-');
                for (size_t i = 0, n = 1 + below(9); i < n; i++) putc1(b, (char)('0' + below(10)));
                if (kind != CSV_CONV_INT && below(2)) {
                    putc1(b, sep == ';' && below(3) == 0 ? ',' : '.');
                    for (size_t i = 0, n = below(6); i < n; i++) putc1(b, (char)('0' + below(10)));
                }
                if (kind == CSV_CONV_PCT && below(3) == 0) putc1(b, '%');
                continue;
            }
            if (odd == 0) {
                put(b, " 12", 3);
                continue;
            }
            random_field(b, sep, below(30), below(6) == 0, below(20) == 0);
        }
        if (below(40) == 0) putc1(b, '\n');      /* a blank line after it */
        random_line_end(b);
    }
}

static void block_edges(char sep)
{
    char name[96];
    snprintf(name, sizeof name, "field ends at every offset near 16/64-byte edges ('%s')",
             sep == '\t' ? "\\t" : sep == ';' ? ";" : ",");
    Buf b = {0};
    for (size_t a = 0; a <= 140; a++) {
        for (size_t c = 0; c <= 140; c += 1 + (c > 70) * 3) {
            for (size_t i = 0; i < a; i++) putc1(&b, (char)('0' + (i + c) % 10));
            putc1(&b, sep);
            if (c % 5 == 1) {                          /* quoted, its end here */
                putc1(&b, '"');
                for (size_t i = 0; i + 2 < c; i++) putc1(&b, i % 7 == 3 ? sep : 'q');
                putc1(&b, '"');
            } else {
                for (size_t i = 0; i < c; i++) putc1(&b, (char)('a' + i % 26));
            }
            if (c % 3 == 0) {
                putc1(&b, sep);
                put(&b, "12.5", 4);
            }
            if (c % 4 == 2) put(&b, "\r\n", 2);
            else if (c % 11 == 7) putc1(&b, '\r');
            else putc1(&b, '\n');
        }
    }
    check_all(name, b.p, b.n, sep, 0);
    free(b.p);
}

/* A quote, a CR or a line break first appearing just before, at or after
 * a block edge of the record, in a quoted field or bare. */
static void specials_at_edges(void)
{
    static const char *const specials[] = {"\"", "\r", "\r\n", "\"x\"\"y\"", "\"a\nb\"",
                                           "\"a\rb\"", "\"\"", "\"a\"x", "x\"y"};
    Buf b = {0};
    for (size_t s = 0; s < sizeof specials / sizeof *specials; s++) {
        for (size_t at = 0; at <= 200; at++) {
            /* fields of 5 bytes up to about `at`, then the special as or in
               a field, then more fields */
            size_t used = 0;
            while (used + 6 <= at) {
                put(&b, "12345,", 6);
                used += 6;
            }
            for (; used < at; used++) putc1(&b, 'k');
            put(&b, specials[s], strlen(specials[s]));
            put(&b, ",tail,9.75\n", 11);
        }
    }
    check_all("a quote, CR or line break at every offset near the block edges", b.p, b.n, ',',
              0);
    free(b.p);
}

/* Every word with one byte changed to every other value, cut short by one
 * or made longer by one, in a column looked up by hash (4) and in one whose
 * words are tried in turn (10): only the words themselves may convert. */
static void near_words(void)
{
    Buf b = {0};
    for (int m = 0; m < nwords; m++) {
        size_t n = word_len(m);
        char w[32];
        for (size_t i = 0; i <= n; i++) {
            for (int v = 0; v < 256; v++) {
                memcpy(w, words[m], n);
                size_t len = n;
                if (i == n) {                 /* one more byte */
                    w[n] = (char)v;
                    len = n + 1;
                } else {
                    w[i] = (char)v;
                }
                if (v == ',' || v == '\n' || v == '\r' || (v == '"' && i == 0)) continue;
                put(&b, "1,x,2,3,", 8);
                put(&b, w, len);
                put(&b, ",x,1,x,2,3,", 11);
                put(&b, w, len);
                putc1(&b, '\n');
            }
        }
        put(&b, "1,x,2,3,", 8);
        put(&b, words[m], n - 1);             /* cut short */
        put(&b, ",x,1,x,2,3,", 11);
        put(&b, words[m], n - 1);
        putc1(&b, '\n');
    }
    put(&b, "end\n", 4);
    check_all("words with one byte changed, cut or added", b.p, b.n, ',', 0);
    free(b.p);
}

/* Malformed records at random places: the error's line must be the
 * reference's. */
static void malformed(void)
{
    /* the last two past a limit of 2 fields: in the rest that is skipped */
    static const char *const bad[] = {"\"abc\"x", "\"never closed", "ok,\"a\"\"b\"c",
                                      "a,b,c,\"abc\"x", "a,b,\"q\",\"a\"\"b\"c,d"};
    enum { NBAD = sizeof bad / sizeof *bad };
    char why[256] = "";
    int ok = 1;
    for (size_t t = 0; t < 60 && ok; t++) {
        Buf b = {0};
        random_file(&b, ',', 200 + below(4000), 1);
        put(&b, "\n", 1);
        put(&b, bad[t % NBAD], strlen(bad[t % NBAD]));
        if (t % NBAD != 1) {               /* more after it, but never read */
            put(&b, ",x\n", 3);
            random_file(&b, ',', b.n + below(300), 0);
        }
        Ref ref;
        ref_split(b.p, b.n, ',', &ref);
        static const Mode modes[] = {{0, 0, 0, 0}, {2, 1, 0, 0}, {3, 0, 0, 1}};
        for (size_t m = 0; m < 2 && ok; m++) {
            read_compare(b.p, b.n, ',', &ref, modes[m], why, sizeof why);
            ok = !why[0] && ref.err_line;
            if (!ok && !why[0]) snprintf(why, sizeof why, "the reference found no error");
        }
        ref_free(&ref);
        free(b.p);
    }
    check_pass("malformed records fail on the reference's line", ok, why);
}

/* Every input, read with the scans use_avx2 says. */
static void all_inputs(void)
{
    rng_state = 0x5eed;     /* the same inputs both times */
    block_edges(',');
    block_edges(';');
    block_edges('\t');
    specials_at_edges();
    near_words();
    static const char seps[] = {',', ';', '\t'};
    for (int round = 0; round < 40; round++) {
        char sep = seps[round % 3];
        Buf b = {0};
        random_file(&b, sep, 1000 + below(60000), round % 2);
        char name[64];
        snprintf(name, sizeof name, "random records, round %d", round);
        check_all(name, b.p, b.n, sep, round % 8 == 0);
        free(b.p);
    }
    for (int round = 0; round < 6; round++) {
        char sep = seps[round % 3];
        Buf b = {0};
        batch_file(&b, sep, round < 5 ? 2000 + below(40000) : (size_t)(1.3 * (1 << 20)));
        char name[64];
        snprintf(name, sizeof name, "records for rd_csv_batch, round %d", round);
        check_all(name, b.p, b.n, sep, round % 3 == 0);
        free(b.p);
    }
    for (int round = 0; round < 2; round++) {
        Buf b = {0};
        random_file(&b, round ? ';' : ',', (size_t)(2.6 * (1 << 20)), round);
        check_all(round ? "3 MiB of records: reads end inside them (';')"
                        : "3 MiB of records: reads end inside them",
                  b.p, b.n, round ? ';' : ',', 1);
        free(b.p);
    }
    malformed();
}

int main(void)
{
    all_inputs();
    /* the AVX2 scans, where this CPU has them: asked of a reader */
    char err[256];
    CsvReader *probe = rd_csv_open("/dev/null", err, sizeof err);
    bool has = probe && rd_csv_set_avx2(probe, true);
    rd_csv_close(probe);
        check("rd_csv_batch takes plain records (SSE2)", batched > 20000, "it took too few");
    batched = 0;
    if (has) {
        use_avx2 = true;
        all_inputs();
        check("rd_csv_batch takes plain records (AVX2)", batched > 20000, "it took too few");
    } else {
        printf("SKIP the AVX2 scans: this CPU (or build) has no AVX2\n");
    }
    return failures ? 1 : 0;
}
