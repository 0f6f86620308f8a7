/* test_json.c — tests for the JSON parser (runtime/json.c) and the JSON
 * Lines reader (runtime/reader_jsonl.c): every file of JSONTestSuite's
 * test_parsing (y_ accepted, n_ rejected, i_ either way without crashing or
 * hanging), the same files read as one JSON Lines line, hand-written edge
 * cases for numbers, strings, UTF-8, depth and error positions, JSON Lines
 * cases (kinds, escapes, duplicates, bad lines, blank lines, CRLF, BOM, long
 * lines, NUL bytes, block boundaries, limits), and differential tests of
 * both against a slow, separately written reference parser on random input.
 * It does not test type conversion or schemas; those live above the reader.
 *
 * Build and run from the repository root:
 *
 *   mkdir -p build
 *   cc -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
 *      -Wmissing-prototypes -Wwrite-strings -O2 -Ibase -Iruntime \
 *      tests/unit/test_json.c runtime/json.c runtime/reader_jsonl.c \
 *      base/arena.c -o build/test_json
 *   build/test_json tests
 *
 * The argument is the repository's tests/ folder (as tests/run.sh passes
 * it); the suite is read from conformance/JSONTestSuite/test_parsing inside
 * it. A folder that itself holds test_parsing/ is accepted too.
 *
 * The sanitized build, as tests/run.sh does it but from the sources:
 *
 *   cc -std=c11 -Wall -Wextra -Werror -O1 -g -fsanitize=address,undefined \
 *      -Ibase -Ilang -Iruntime -Istdlib -Iinclude -o build/test_json_san \
 *      tests/unit/test_json.c runtime/json.c runtime/reader_jsonl.c \
 *      base/arena.c -lm
 *
 * (tests/run.sh links build/libkam.a instead of the three .c files.) It
 * takes a few seconds; temporary files go to /tmp (mkstemp) and are
 * removed; the largest is about 65 MiB, for the line-length limit.
 *
 * Output: one line per case, "PASS name" or "FAIL name: reason"; the exit
 * status is 1 if any case failed, 2 on a usage error. Each case runs in a
 * child process under an alarm, so a crash or a hang is one case's FAIL,
 * not the end of the run. */
#define _POSIX_C_SOURCE 200809L

#include "json.h"
#include "reader_jsonl.h"

#include <dirent.h>
#include <errno.h>
#include <regex.h>
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

enum {
    READER_BLOCK = 1 << 20,   /* the reader's read size, for boundary tests */
    MAX_LINE = 64 << 20,      /* the reader's line-length limit */
    CASE_SECONDS = 120        /* a case running longer than this has hung */
};

/* ---- small utilities ---------------------------------------------------- */

typedef struct Tally { int run, failed; } Tally;

/* A byte string (may hold NUL); p[len] is '\0'. */
typedef struct Str { char *p; size_t len; } Str;

/* A growable byte buffer; p[len] is kept '\0'. */
typedef struct Buf { char *p; size_t len, cap; } Buf;

static void *emalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fputs("test_json: out of memory\n", stderr);
        exit(2);
    }
    return p;
}

static void *erealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p) {
        fputs("test_json: out of memory\n", stderr);
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
    if (n) memcpy(b->p + b->len, p, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void buf_puts(Buf *b, const char *s) { buf_add(b, s, strlen(s)); }

static void buf_byte(Buf *b, char c) { buf_add(b, &c, 1); }

static void buf_fill(Buf *b, char c, size_t n)
{
    buf_add(b, "", 0);
    if (b->len + n + 1 > b->cap) {
        b->cap = b->len + n + 1;
        b->p = erealloc(b->p, b->cap);
    }
    memset(b->p + b->len, c, n);
    b->len += n;
    b->p[b->len] = '\0';
}

/* Prints the case's verdict: PASS if why is empty. */
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

/* A test case: sets why to the reason it failed, or leaves it empty; may
 * write a note (e.g. " (accepted)") to add to its name. */
typedef void CaseFn(const void *arg, char *why, char *note);

enum { CHILD_FAILED = 3, NOTE_LEN = 64 };

/* Runs one case in a child process under an alarm, so that a crash, a
 * sanitizer abort or a hang is reported as that case's FAIL and the later
 * cases still run. Without fork it runs in-process. */
static void run_case(Tally *t, const char *name, CaseFn *fn, const void *arg)
{
    char why[600] = "", note[NOTE_LEN] = "", full[400];
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        fn(arg, why, note);
        snprintf(full, sizeof full, "%s%s", name, note);
        report(t, full, why);
        return;
    }
    if (pid == 0) {
        alarm(CASE_SECONDS);
        fn(arg, why, note);
        Tally child = { 0, 0 };
        snprintf(full, sizeof full, "%s%s", name, note);
        report(&child, full, why);
        _exit(why[0] ? CHILD_FAILED : 0);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) continue;
    t->run++;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return;
    t->failed++;
    if (WIFEXITED(status) && WEXITSTATUS(status) == CHILD_FAILED) return;
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
        printf("FAIL %s: still running after %d s (a hang?)\n", name, CASE_SECONDS);
    else if (WIFSIGNALED(status))
        printf("FAIL %s: crashed with signal %d\n", name, WTERMSIG(status));
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
    vsnprintf(why, 600, fmt, ap);
    va_end(ap);
}

/* Puts context in front of a failure reason already set. */
static void why_prefix(char *why, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void why_prefix(char *why, const char *fmt, ...)
{
    if (!why[0]) return;
    char pre[300], tmp[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(pre, sizeof pre, fmt, ap);
    va_end(ap);
    snprintf(tmp, sizeof tmp, "%s: %s", pre, why);
    snprintf(why, 600, "%s", tmp);
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
        if (i == 60 && n > 68) {
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
    strcpy(path, "/tmp/kam_json_test_XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0) {
        perror("test_json: mkstemp");
        exit(2);
    }
    size_t done = 0;
    while (done < n) {
        ssize_t w = write(fd, data + done, n - done);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            perror("test_json: write");
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

/* The whole file at path, or NULL (reason in why). */
static Buf *slurp(const char *path, char *why)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        why_set(why, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    Buf *b = emalloc(sizeof *b);
    memset(b, 0, sizeof *b);
    buf_add(b, "", 0);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) buf_add(b, chunk, n);
    fclose(f);
    return b;
}

static void buf_free(Buf *b)
{
    if (!b) return;
    free(b->p);
    free(b);
}

/* A small deterministic generator (xorshift) for random tests. */
static unsigned rnd(unsigned *seed, unsigned n)
{
    unsigned x = *seed;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *seed = x;
    return n ? x % n : 0;
}

/* ---- what the reader returned -------------------------------------------- */

/* One field as copied out of the reader. */
typedef struct Fld { Str key; JsonKind kind; Str val; } Fld;

/* One result of rd_jsonl_next: a record (rc 1) or a malformed line (rc 2). */
typedef struct Rec {
    int rc;
    long line;
    Fld *f;
    size_t n;
    char err[600];
} Rec;

/* All results from one file, up to the end (rc 0) or an unrecoverable
 * error (rc -1, message in err), or -2 if the file could not be opened,
 * -3 if the reader broke a promise (message in err). */
typedef struct Run {
    Rec *recs;
    size_t n, cap;
    int rc;
    char err[600];
    long long offset, size;   /* rd_jsonl_offset and _size at the end */
} Run;

static void run_free(Run *r)
{
    for (size_t i = 0; i < r->n; i++) {
        for (size_t k = 0; k < r->recs[i].n; k++) {
            free(r->recs[i].f[k].key.p);
            free(r->recs[i].f[k].val.p);
        }
        free(r->recs[i].f);
    }
    free(r->recs);
    memset(r, 0, sizeof *r);
}

/* Reads every line of path, checking on the way what reader_jsonl.h
 * promises of each field: keys and values NUL-terminated, true/false/null
 * spelled "true"/"false"/"". Stops after max_calls calls (a reader that
 * never reaches the end is a failure, not a hang). */
static Run read_run_max(const char *path, size_t max_calls)
{
    Run run = { 0 };
    JsonlReader *r = rd_jsonl_open(path, run.err, sizeof run.err);
    if (!r) {
        run.rc = -2;
        return run;
    }
    JsonField *f;
    size_t nf;
    long line;
    int rc;
    for (size_t calls = 0;; calls++) {
        if (calls == max_calls) {
            snprintf(run.err, sizeof run.err, "no end after %zu calls of rd_jsonl_next", calls);
            run.rc = -3;
            break;
        }
        rc = rd_jsonl_next(r, &f, &nf, &line);
        if (rc == 0 || rc == -1) {
            run.rc = rc;
            if (rc == -1) snprintf(run.err, sizeof run.err, "%s", rd_jsonl_error(r));
            break;
        }
        if (rc != 1 && rc != 2) {
            snprintf(run.err, sizeof run.err, "rd_jsonl_next returned %d", rc);
            run.rc = -3;
            break;
        }
        if (run.n == run.cap) {
            run.cap = run.cap ? run.cap * 2 : 16;
            run.recs = erealloc(run.recs, run.cap * sizeof *run.recs);
        }
        Rec *rec = &run.recs[run.n++];
        memset(rec, 0, sizeof *rec);
        rec->rc = rc;
        rec->line = line;
        if (rc == 2) {
            snprintf(rec->err, sizeof rec->err, "%s", rd_jsonl_error(r));
            continue;
        }
        rec->f = emalloc(nf * sizeof *rec->f);
        rec->n = nf;
        for (size_t i = 0; i < nf; i++) {
            const char *bad = NULL;
            if (f[i].key[f[i].keylen] != '\0') bad = "key is not NUL-terminated";
            else if (f[i].ptr[f[i].len] != '\0') bad = "value is not NUL-terminated";
            else if (f[i].kind == JSON_TRUE && strcmp(f[i].ptr, "true") != 0) bad = "true is not \"true\"";
            else if (f[i].kind == JSON_FALSE && strcmp(f[i].ptr, "false") != 0) bad = "false is not \"false\"";
            else if (f[i].kind == JSON_NULL && f[i].len != 0) bad = "null is not \"\"";
            else if (f[i].kind > JSON_OBJECT) bad = "kind out of range";
            if (bad) {
                snprintf(run.err, sizeof run.err, "line %ld field %zu: %s", line, i + 1, bad);
                run.rc = -3;
                rec->n = i;
                rd_jsonl_close(r);
                return run;
            }
            rec->f[i].key = str_copy(f[i].key, f[i].keylen);
            rec->f[i].kind = f[i].kind;
            rec->f[i].val = str_copy(f[i].ptr, f[i].len);
        }
    }
    run.offset = rd_jsonl_offset(r);
    run.size = rd_jsonl_size(r);
    rd_jsonl_close(r);
    return run;
}

/* Writes data to a temporary file and reads it back. */
static Run read_bytes(const char *data, size_t n)
{
    char *path = write_temp(data, n);
    Run run = read_run_max(path, n + 10);
    remove_temp(path);
    return run;
}

static Run read_text(const char *text) { return read_bytes(text, strlen(text)); }

static const char *kind_name(JsonKind k)
{
    static const char *const names[] = { "null", "false", "true", "number", "string", "array", "object" };
    return (unsigned)k <= JSON_OBJECT ? names[k] : "?";
}

/* Expects the run to have ended cleanly with exactly n results. */
static void expect_count(const Run *run, size_t n, char *why)
{
    if (run->rc != 0) why_set(why, "unexpected end (rc %d): %s", run->rc, run->err);
    else if (run->n != n) why_set(why, "%zu results, want %zu", run->n, n);
}

/* Expects result i to be a record from line `line` whose fields are given
 * as varargs triples (key, kind, value), value text with its length taken
 * by strlen, ended by a NULL key. */
static void expect_record(const Run *run, size_t i, long line, char *why, ...)
{
    if (i >= run->n) {
        why_set(why, "result %zu missing (got %zu; rc %d %s)", i + 1, run->n, run->rc, run->err);
        return;
    }
    const Rec *rec = &run->recs[i];
    if (rec->rc != 1) {
        why_set(why, "result %zu: malformed, want a record: %s", i + 1, rec->err);
        return;
    }
    if (rec->line != line) why_set(why, "result %zu: line %ld, want %ld", i + 1, rec->line, line);
    va_list ap;
    va_start(ap, why);
    size_t k = 0;
    const char *key;
    char a[200], b[200];
    while ((key = va_arg(ap, const char *)) != NULL) {
        JsonKind kind = (JsonKind)va_arg(ap, int);
        const char *val = va_arg(ap, const char *);
        if (k >= rec->n) {
            why_set(why, "result %zu: field %zu (\"%s\") missing", i + 1, k + 1, key);
        } else {
            const Fld *f = &rec->f[k];
            if (f->key.len != strlen(key) || memcmp(f->key.p, key, f->key.len) != 0)
                why_set(why, "result %zu field %zu: key \"%s\", want \"%s\"", i + 1, k + 1,
                        show(f->key.p, f->key.len, a, sizeof a), key);
            if (f->kind != kind)
                why_set(why, "result %zu field %zu: kind %s, want %s", i + 1, k + 1, kind_name(f->kind),
                        kind_name(kind));
            if (f->val.len != strlen(val) || memcmp(f->val.p, val, f->val.len) != 0)
                why_set(why, "result %zu field %zu: value \"%s\", want \"%s\"", i + 1, k + 1,
                        show(f->val.p, f->val.len, a, sizeof a), show(val, strlen(val), b, sizeof b));
        }
        k++;
    }
    va_end(ap);
    if (rec->n != k) why_set(why, "result %zu: %zu fields, want %zu", i + 1, rec->n, k);
}

/* Expects result i to be a malformed line `line` whose message holds
 * "path:LINE: " and each of the phrases (varargs ended by NULL). */
static void expect_bad(const Run *run, size_t i, long line, char *why, ...)
{
    if (i >= run->n) {
        why_set(why, "result %zu missing (got %zu; rc %d %s)", i + 1, run->n, run->rc, run->err);
        return;
    }
    const Rec *rec = &run->recs[i];
    if (rec->rc != 2) {
        why_set(why, "result %zu: a record from line %ld, want line %ld reported malformed", i + 1,
                rec->line, line);
        return;
    }
    if (rec->line != line) why_set(why, "result %zu: line %ld, want %ld", i + 1, rec->line, line);
    char at[40];
    snprintf(at, sizeof at, ":%ld: ", line);
    if (!strstr(rec->err, "/tmp/kam_json_test_") || !strstr(rec->err, at))
        why_set(why, "message does not start with path:%ld: — %s", line, rec->err);
    va_list ap;
    va_start(ap, why);
    const char *phrase;
    while ((phrase = va_arg(ap, const char *)) != NULL)
        if (!strstr(rec->err, phrase)) why_set(why, "message lacks \"%s\": %s", phrase, rec->err);
    va_end(ap);
}

/* ---- reference parser ----------------------------------------------------- */

/* A slow, separately written RFC 8259 parser for differential tests:
 * recursive (depth-limited like json.h, so at most 512 frames), decoding
 * UTF-8 to code points and checking them arithmetically rather than by
 * byte ranges, and numbers by a POSIX regular expression. For a top-level
 * object it also collects the members the reader should return. */
typedef struct Ref {
    const unsigned char *s;
    size_t n, i;
    int depth;
    const regex_t *number;
} Ref;

/* What a JSON Lines line should give. */
typedef enum { REF_BLANK, REF_RECORD, REF_MALFORMED, REF_DUPLICATE } RefVerdict;

typedef struct RefLine {
    RefVerdict verdict;
    Fld *f;
    size_t n;
} RefLine;

static void refline_free(RefLine *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->f[i].key.p);
        free(l->f[i].val.p);
    }
    free(l->f);
    memset(l, 0, sizeof *l);
}

static void ref_ws(Ref *r)
{
    while (r->i < r->n && (r->s[r->i] == ' ' || r->s[r->i] == '\t' || r->s[r->i] == '\n' ||
                           r->s[r->i] == '\r'))
        r->i++;
}

static void put_cp(Buf *b, unsigned long cp)
{
    if (cp < 0x80) {
        buf_byte(b, (char)cp);
    } else if (cp < 0x800) {
        buf_byte(b, (char)(0xC0 | (cp >> 6)));
        buf_byte(b, (char)(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        buf_byte(b, (char)(0xE0 | (cp >> 12)));
        buf_byte(b, (char)(0x80 | ((cp >> 6) & 0x3F)));
        buf_byte(b, (char)(0x80 | (cp & 0x3F)));
    } else {
        buf_byte(b, (char)(0xF0 | (cp >> 18)));
        buf_byte(b, (char)(0x80 | ((cp >> 12) & 0x3F)));
        buf_byte(b, (char)(0x80 | ((cp >> 6) & 0x3F)));
        buf_byte(b, (char)(0x80 | (cp & 0x3F)));
    }
}

/* 4 hex digits at r->i into *v. */
static int ref_hex(Ref *r, unsigned long *v)
{
    if (r->n - r->i < 4) return 0;
    char tmp[5];
    memcpy(tmp, r->s + r->i, 4);
    tmp[4] = '\0';
    for (int k = 0; k < 4; k++)
        if (!strchr("0123456789abcdefABCDEF", tmp[k]) || tmp[k] == '\0') return 0;
    *v = strtoul(tmp, NULL, 16);
    r->i += 4;
    return 1;
}

/* A string at r->i (a '"'), decoded into out if not NULL. */
static int ref_string(Ref *r, Buf *out)
{
    Buf dummy = { 0 };
    Buf *b = out ? out : &dummy;
    buf_add(b, "", 0);
    r->i++;
    int ok = 0;
    for (;;) {
        if (r->i >= r->n) break;
        unsigned c = r->s[r->i];
        if (c == '"') {
            r->i++;
            ok = 1;
            break;
        }
        if (c < 0x20) break;
        if (c == '\\') {
            if (r->i + 1 >= r->n) break;
            unsigned e = r->s[r->i + 1];
            r->i += 2;
            const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t";
            const char *hit = e ? strchr(from, (int)e) : NULL;
            if (hit) {
                buf_byte(b, to[hit - from]);
                continue;
            }
            if (e != 'u') break;
            unsigned long cp, lo;
            if (!ref_hex(r, &cp)) break;
            if (cp >= 0xD800 && cp <= 0xDFFF) {
                if (cp >= 0xDC00) break;   /* a low surrogate first */
                if (r->n - r->i < 2 || r->s[r->i] != '\\' || r->s[r->i + 1] != 'u') break;
                r->i += 2;
                if (!ref_hex(r, &lo) || lo < 0xDC00 || lo > 0xDFFF) break;
                cp = 0x10000 + (cp - 0xD800) * 0x400 + (lo - 0xDC00);
            }
            put_cp(b, cp);
            continue;
        }
        if (c < 0x80) {
            buf_byte(b, (char)c);
            r->i++;
            continue;
        }
        /* UTF-8: length from the lead byte's high bits, then the value */
        size_t len;
        unsigned long cp;
        if ((c >> 5) == 0x6) len = 2, cp = c & 0x1F;
        else if ((c >> 4) == 0xE) len = 3, cp = c & 0x0F;
        else if ((c >> 3) == 0x1E) len = 4, cp = c & 0x07;
        else break;
        if (r->n - r->i < len) break;
        size_t k;
        for (k = 1; k < len; k++) {
            unsigned cc = r->s[r->i + k];
            if ((cc >> 6) != 0x2) break;
            cp = cp << 6 | (cc & 0x3F);
        }
        if (k < len) break;
        static const unsigned long least[5] = { 0, 0, 0x80, 0x800, 0x10000 };
        if (cp < least[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) break;
        buf_add(b, (const char *)r->s + r->i, len);
        r->i += len;
    }
    free(dummy.p);
    return ok;
}

static int ref_value(Ref *r);

/* Members of an object at r->i (a '{'); collects them into line if given. */
static int ref_object(Ref *r, RefLine *line)
{
    if (++r->depth > 512) return 0;
    r->i++;
    ref_ws(r);
    if (r->i < r->n && r->s[r->i] == '}') {
        r->i++;
        r->depth--;
        return 1;
    }
    for (;;) {
        ref_ws(r);
        if (r->i >= r->n || r->s[r->i] != '"') return 0;
        Buf key = { 0 };
        if (!ref_string(r, &key)) {
            free(key.p);
            return 0;
        }
        ref_ws(r);
        if (r->i >= r->n || r->s[r->i] != ':') {
            free(key.p);
            return 0;
        }
        r->i++;
        ref_ws(r);
        size_t start = r->i;
        Buf val = { 0 };
        buf_add(&val, "", 0);
        JsonKind kind = JSON_NULL;
        int ok;
        if (r->i < r->n && r->s[r->i] == '"') {
            kind = JSON_STRING;
            ok = ref_string(r, &val);
        } else {
            ok = ref_value(r);
            if (ok) {
                unsigned c = r->s[start];
                kind = c == '[' ? JSON_ARRAY : c == '{' ? JSON_OBJECT : c == 't' ? JSON_TRUE
                     : c == 'f' ? JSON_FALSE : c == 'n' ? JSON_NULL : JSON_NUMBER;
                if (kind != JSON_NULL) buf_add(&val, (const char *)r->s + start, r->i - start);
            }
        }
        if (!ok) {
            free(key.p);
            free(val.p);
            return 0;
        }
        if (line) {
            line->f = erealloc(line->f, (line->n + 1) * sizeof *line->f);
            Fld *f = &line->f[line->n++];
            f->key.p = key.p;
            f->key.len = key.len;
            f->kind = kind;
            f->val.p = val.p;
            f->val.len = val.len;
        } else {
            free(key.p);
            free(val.p);
        }
        ref_ws(r);
        if (r->i < r->n && r->s[r->i] == ',') {
            r->i++;
            continue;
        }
        if (r->i < r->n && r->s[r->i] == '}') {
            r->i++;
            r->depth--;
            return 1;
        }
        return 0;
    }
}

static int ref_value(Ref *r)
{
    if (r->i >= r->n) return 0;
    unsigned c = r->s[r->i];
    if (c == '"') return ref_string(r, NULL);
    if (c == '{') return ref_object(r, NULL);
    if (c == '[') {
        if (++r->depth > 512) return 0;
        r->i++;
        ref_ws(r);
        if (r->i < r->n && r->s[r->i] == ']') {
            r->i++;
            r->depth--;
            return 1;
        }
        for (;;) {
            ref_ws(r);
            if (!ref_value(r)) return 0;
            ref_ws(r);
            if (r->i < r->n && r->s[r->i] == ',') {
                r->i++;
                continue;
            }
            if (r->i < r->n && r->s[r->i] == ']') {
                r->i++;
                r->depth--;
                return 1;
            }
            return 0;
        }
    }
    static const char *const words[] = { "true", "false", "null" };
    for (int k = 0; k < 3; k++) {
        size_t len = strlen(words[k]);
        if (r->n - r->i >= len && memcmp(r->s + r->i, words[k], len) == 0) {
            r->i += len;
            return 1;
        }
    }
    /* A number: the longest run of number characters must match the RFC's
     * pattern as a whole. (Were only a prefix of it a number, the next
     * character would still be a number character, which cannot follow a
     * value, so the text is invalid either way.) */
    size_t start = r->i;
    while (r->i < r->n && r->s[r->i] && strchr("0123456789+-.eE", r->s[r->i])) r->i++;
    if (r->i == start) return 0;
    size_t len = r->i - start;
    char *tmp = emalloc(len + 1);
    memcpy(tmp, r->s + start, len);
    tmp[len] = '\0';
    int ok = regexec(r->number, tmp, 0, NULL, 0) == 0;
    free(tmp);
    return ok;
}

/* Compiles the RFC 8259 number pattern. */
static void ref_init(regex_t *re)
{
    if (regcomp(re, "^-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?$", REG_EXTENDED | REG_NOSUB) != 0) {
        fputs("test_json: regcomp failed\n", stderr);
        exit(2);
    }
}

/* The reference verdict on one whole JSON text: 0 valid, -1 not. */
static int ref_validate(const regex_t *re, const char *s, size_t n)
{
    Ref r = { (const unsigned char *)s, n, 0, 0, re };
    ref_ws(&r);
    if (!ref_value(&r)) return -1;
    ref_ws(&r);
    return r.i == r.n ? 0 : -1;
}

/* What the JSON Lines reader should make of the line s[0..n) (its LF not
 * included). */
static RefLine ref_line(const regex_t *re, const char *s, size_t n)
{
    RefLine l = { REF_MALFORMED, NULL, 0 };
    Ref r = { (const unsigned char *)s, n, 0, 0, re };
    ref_ws(&r);
    if (r.i == n) {
        l.verdict = REF_BLANK;
        return l;
    }
    if (s[r.i] != '{' || !ref_object(&r, &l)) {
        refline_free(&l);
        l.verdict = REF_MALFORMED;
        return l;
    }
    ref_ws(&r);
    if (r.i != n) {
        refline_free(&l);
        l.verdict = REF_MALFORMED;
        return l;
    }
    l.verdict = REF_RECORD;
    for (size_t i = 0; i < l.n && l.verdict == REF_RECORD; i++)
        for (size_t j = 0; j < i; j++)
            if (l.f[i].key.len == l.f[j].key.len && memcmp(l.f[i].key.p, l.f[j].key.p, l.f[i].key.len) == 0) {
                l.verdict = REF_DUPLICATE;
                break;
            }
    return l;
}

/* Splits data into lines as JSON Lines does (LF only; a BOM at the start
 * skipped; a last line without LF still a line), works out with the
 * reference what each should give, and compares with what the reader gave. */
static void compare_with_reference(const regex_t *re, const char *data, size_t n, const Run *run,
                                   char *why)
{
    char a[200], b[200];
    size_t i = n >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0, k = 0;
    if (run->rc != 0) {
        why_set(why, "the read did not end cleanly (rc %d): %s", run->rc, run->err);
        return;
    }
    for (long lineno = 1; i < n && !why[0]; lineno++) {
        const char *nl = memchr(data + i, '\n', n - i);
        size_t len = nl ? (size_t)(nl - (data + i)) : n - i;
        RefLine l = ref_line(re, data + i, len);
        i += len + (nl != NULL);
        if (l.verdict == REF_BLANK) continue;
        if (k >= run->n) {
            why_set(why, "line %ld: no result from the reader (it gave %zu)", lineno, run->n);
            refline_free(&l);
            break;
        }
        const Rec *rec = &run->recs[k++];
        if (rec->line != lineno)
            why_set(why, "result %zu: line %ld, want %ld", k, rec->line, lineno);
        if (l.verdict == REF_RECORD) {
            if (rec->rc != 1) {
                why_set(why, "line %ld: malformed, want a record: %s", lineno, rec->err);
            } else if (rec->n != l.n) {
                why_set(why, "line %ld: %zu fields, want %zu", lineno, rec->n, l.n);
            } else {
                for (size_t j = 0; j < l.n; j++) {
                    const Fld *g = &rec->f[j], *w = &l.f[j];
                    if (g->key.len != w->key.len || memcmp(g->key.p, w->key.p, w->key.len) != 0)
                        why_set(why, "line %ld field %zu: key \"%s\", want \"%s\"", lineno, j + 1,
                                show(g->key.p, g->key.len, a, sizeof a), show(w->key.p, w->key.len, b, sizeof b));
                    if (g->kind != w->kind)
                        why_set(why, "line %ld field %zu: kind %s, want %s", lineno, j + 1, kind_name(g->kind),
                                kind_name(w->kind));
                    if (g->val.len != w->val.len || memcmp(g->val.p, w->val.p, w->val.len) != 0)
                        why_set(why, "line %ld field %zu: value \"%s\", want \"%s\"", lineno, j + 1,
                                show(g->val.p, g->val.len, a, sizeof a), show(w->val.p, w->val.len, b, sizeof b));
                }
            }
        } else if (rec->rc != 2) {
            why_set(why, "line %ld: a record, want it reported %s", lineno,
                    l.verdict == REF_DUPLICATE ? "for a duplicate key" : "malformed");
        } else if ((l.verdict == REF_DUPLICATE) != (strstr(rec->err, "duplicate key") != NULL)) {
            why_set(why, "line %ld: message \"%s\", want %s", lineno, rec->err,
                    l.verdict == REF_DUPLICATE ? "a duplicate key" : "another reason");
        }
        refline_free(&l);
    }
    if (!why[0] && k != run->n) why_set(why, "the reader gave %zu results, want %zu", run->n, k);
}

/* Reads data with the reader and compares with the reference. */
static void differential(const regex_t *re, const char *data, size_t n, char *why)
{
    Run run = read_bytes(data, n);
    compare_with_reference(re, data, n, &run, why);
    run_free(&run);
}

/* ---- JSONTestSuite ---------------------------------------------------------- */

/* One test_parsing file: y_ must be accepted, n_ rejected (with an "at
 * byte N: " message, N within the input), i_ may go either way; all three
 * must agree with the reference parser. The note says which way it went. */
static void case_suite_validate(const void *arg, char *why, char *note)
{
    const char *path = arg, *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    Buf *text = slurp(path, why);
    if (!text) return;
    char err[300] = "x";
    int rc = json_validate(text->p, text->len, err, sizeof err);
    snprintf(note, NOTE_LEN, " (%s)", rc == 0 ? "accepted" : "rejected");
    if (base[0] == 'y' && rc != 0) why_set(why, "valid JSON rejected: %s", err);
    if (base[0] == 'n' && rc == 0) why_set(why, "invalid JSON accepted");
    if (rc == 0 && err[0]) why_set(why, "err not emptied on success: \"%s\"", err);
    if (rc != 0) {
        size_t at;
        if (sscanf(err, "at byte %zu: ", &at) != 1 || !strstr(err, ": ") || strlen(strstr(err, ": ")) < 6)
            why_set(why, "message not \"at byte N: reason\": \"%s\"", err);
        else if (at > text->len)
            why_set(why, "message names byte %zu of a %zu-byte input: %s", at, text->len, err);
    }
    regex_t re;
    ref_init(&re);
    int want = ref_validate(&re, text->p, text->len);
    if (!why[0] && want != rc)
        why_set(why, "json_validate says %s, the reference parser %s (%s)", rc ? "invalid" : "valid",
                want ? "invalid" : "valid", err);
    regfree(&re);
    buf_free(text);
}

/* The same file as a JSON Lines file of one line: its bytes with each LF
 * made a space (LF is JSON whitespace, and inside a string it is invalid
 * either way) and a BOM at the start allowed. The reader must agree with
 * json_validate on that line: a valid object is a record (or a duplicate
 * key complaint), anything else is a malformed line, and whitespace is no
 * line at all; fields must match the reference. */
static void case_suite_jsonl(const void *arg, char *why, char *note)
{
    const char *path = arg;
    Buf *text = slurp(path, why);
    if (!text) return;
    for (size_t i = 0; i < text->len; i++)
        if (text->p[i] == '\n') text->p[i] = ' ';
    buf_byte(text, '\n');
    size_t skip = text->len >= 3 && memcmp(text->p, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    const char *line = text->p + skip;
    size_t len = text->len - skip - 1;
    size_t first = 0;
    while (first < len && strchr(" \t\r", line[first]) && line[first]) first++;
    int valid = json_validate(line, len, NULL, 0) == 0;
    int object = first < len && line[first] == '{';

    Run run = read_bytes(text->p, text->len);
    if (run.rc != 0) {
        why_set(why, "read failed (rc %d): %s", run.rc, run.err);
    } else if (first == len) {
        snprintf(note, NOTE_LEN, " (blank)");
        if (run.n) why_set(why, "a whitespace-only line gave %zu results", run.n);
    } else if (run.n != 1) {
        why_set(why, "%zu results from one line", run.n);
    } else {
        const Rec *rec = &run.recs[0];
        int dup = rec->rc == 2 && strstr(rec->err, "duplicate key");
        snprintf(note, NOTE_LEN, " (%s)", rec->rc == 1 ? "record" : dup ? "duplicate key" : "malformed");
        if (rec->line != 1) why_set(why, "line %ld, want 1", rec->line);
        if (valid && object && rec->rc != 1 && !dup)
            why_set(why, "json_validate accepts the object, the reader says: %s", rec->err);
        if ((!valid || !object) && rec->rc == 1)
            why_set(why, "the reader accepted a line json_validate calls %s", valid ? "a non-object" : "invalid");
        if (!valid && dup) why_set(why, "invalid JSON reported only as a duplicate key: %s", rec->err);
        if (valid && !object && rec->rc == 2 && !strstr(rec->err, "not an object"))
            why_set(why, "a valid non-object not reported as such: %s", rec->err);
    }
    regex_t re;
    ref_init(&re);
    compare_with_reference(&re, text->p, text->len, &run, why);
    regfree(&re);
    run_free(&run);
    buf_free(text);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Runs both suite cases on every file of dir, in name order. Reports a
 * missing or empty folder as a failure, so a wrong path cannot pass. */
static void run_suite(Tally *t, const char *dir)
{
    DIR *d = opendir(dir);
    char why[600] = "";
    if (!d) {
        snprintf(why, sizeof why, "cannot open %.400s: %s", dir, strerror(errno));
        report(t, "JSONTestSuite", why);
        return;
    }
    char **names = NULL;
    size_t n = 0, counts[3] = { 0, 0, 0 };
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *nm = e->d_name;
        size_t len = strlen(nm);
        if (len < 6 || strcmp(nm + len - 5, ".json") != 0 || nm[1] != '_' || !strchr("yni", nm[0])) continue;
        names = erealloc(names, (n + 1) * sizeof *names);
        names[n] = emalloc(strlen(dir) + len + 2);
        sprintf(names[n++], "%s/%s", dir, nm);
        counts[nm[0] == 'y' ? 0 : nm[0] == 'n' ? 1 : 2]++;
    }
    closedir(d);
    qsort(names, n, sizeof *names, by_name);
    if (counts[0] < 90 || counts[1] < 180 || counts[2] < 30)
        snprintf(why, sizeof why, "only %zu y_, %zu n_ and %zu i_ files in %.400s (want 95, 188, 35)",
                 counts[0], counts[1], counts[2], dir);
    report(t, "JSONTestSuite files present", why);
    char name[300];
    for (size_t i = 0; i < n; i++) {
        snprintf(name, sizeof name, "suite json_validate %s", strrchr(names[i], '/') + 1);
        run_case(t, name, case_suite_validate, names[i]);
    }
    for (size_t i = 0; i < n; i++) {
        snprintf(name, sizeof name, "suite jsonl_line %s", strrchr(names[i], '/') + 1);
        run_case(t, name, case_suite_jsonl, names[i]);
    }
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
}

/* ---- json_validate ----------------------------------------------------------- */

/* Expects json_validate to accept text (given with its length). */
static void expect_valid_n(const char *text, size_t n, char *why)
{
    char err[300], shown[200];
    if (json_validate(text, n, err, sizeof err) != 0)
        why_set(why, "\"%s\" rejected: %s", show(text, n, shown, sizeof shown), err);
}

static void expect_valid(const char *text, char *why) { expect_valid_n(text, strlen(text), why); }

/* Expects json_validate to reject text with "at byte <at>: " and, if not
 * NULL, the phrase in its message. at < 0 = any position. */
static void expect_invalid_n(const char *text, size_t n, long at, const char *phrase, char *why)
{
    char err[300], shown[200], want[40];
    if (json_validate(text, n, err, sizeof err) == 0) {
        why_set(why, "\"%s\" accepted", show(text, n, shown, sizeof shown));
        return;
    }
    snprintf(want, sizeof want, "at byte %ld: ", at);
    if (at >= 0 && strncmp(err, want, strlen(want)) != 0)
        why_set(why, "\"%s\": message \"%s\", want it to start \"%s\"", show(text, n, shown, sizeof shown),
                err, want);
    if (phrase && !strstr(err, phrase))
        why_set(why, "\"%s\": message \"%s\" lacks \"%s\"", show(text, n, shown, sizeof shown), err, phrase);
}

static void expect_invalid(const char *text, long at, const char *phrase, char *why)
{
    expect_invalid_n(text, strlen(text), at, phrase, why);
}

static void case_numbers(const void *arg, char *why, char *note)
{
    (void)arg, (void)note;
    static const char *const good[] = {
        "0", "-0", "1", "-1", "10", "1234567890", "0.5", "-0.5", "10.25", "1e5", "1E5", "1e+5",
        "1e-5", "1.5e10", "-1.5E-10", "0e0", "0E+0", "-0.0e-0", "123456789012345678901234567890",
        "1e999999", "[0,-0,1.0]", "{\"a\":-1e-1}", " 42 ", "\t7\r\n",
    };
    static const struct { const char *text; long at; } bad[] = {
        { "01", 0 }, { "-01", 0 }, { "00", 0 }, { "+1", 0 }, { ".5", 0 }, { "-.5", 1 },
        { "5.", 2 }, { "1.e5", 2 }, { "1e", 2 }, { "1e+", 3 }, { "1E-", 3 }, { "0x1F", 1 },
        { "NaN", 0 }, { "Infinity", 0 }, { "-Infinity", 1 }, { "1.5.5", 3 }, { "--1", 1 },
        { "-", 1 }, { "1 2", 2 }, { "1x", 1 }, { "0e", 2 }, { "1.5e5.5", 5 }, { "[01]", 1 },
        { "[1.]", 3 }, { "[-]", 2 }, { "1e5e5", 3 }, { "0.0.0", 3 }, { "1_000", 1 },
        { "\xEF\xBC\x91", 0 }, { "2.", 2 }, { "-a", 1 }, { "1ee5", 2 },
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) expect_valid(good[i], why);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) expect_invalid(bad[i].text, bad[i].at, NULL, why);
}

static void case_literals_whitespace(const void *arg, char *why, char *note)
{
    (void)arg, (void)note;
    static const char *const good[] = {
        "true", "false", "null", " \t\r\n[ true , false , null ] \n", "{}", "[]", "\"\"",
        "{ \"a\" : [ ] , \"b\" : { } }", "[[],[[]],{}]",
    };
    static const struct { const char *text; long at; } bad[] = {
        { "", 0 }, { " ", 1 }, { "tru", 3 }, { "True", 0 }, { "nul", 3 }, { "truex", 4 },
        { "nulll", 4 }, { "fals", 4 }, { "[true false]", 6 }, { "\f1", 0 }, { "\v1", 0 },
        { "1\f", 1 }, { "\xC2\xA0" "1", 0 }, { "[1,]", 3 }, { "[,1]", 1 }, { "{\"a\":1,}", 7 },
        { "{,}", 1 }, { "{\"a\"}", 4 }, { "{\"a\" 1}", 5 }, { "{1:1}", 1 }, { "{'a':1}", 1 },
        { "[1", 2 }, { "{\"a\":1", 6 }, { "[1]]", 3 }, { "[1] x", 4 }, { "//c\n1", 0 },
        { "undefined", 0 }, { "{\"a\":1 \"b\":2}", 7 }, { "[\"a\",,]", 5 },
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) expect_valid(good[i], why);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) expect_invalid(bad[i].text, bad[i].at, NULL, why);
    expect_invalid("[1,]", 3, "trailing comma", why);
    expect_invalid("{\"a\":1,}", 7, "trailing comma", why);
    expect_invalid("", 0, "empty", why);
}

/* Nesting: exactly 512 is fine, 513 is refused with a message naming the
 * limit, and a million opening brackets are refused without a crash. */
static void case_depth(const void *arg, char *why, char *note)
{
    (void)arg, (void)note;
    Buf b = { 0 };
    for (int depth = 510; depth <= 514; depth++) {
        b.len = 0;
        buf_fill(&b, '[', (size_t)depth);
        buf_fill(&b, ']', (size_t)depth);
        if (depth <= JSON_MAX_DEPTH) expect_valid_n(b.p, b.len, why);
        else expect_invalid_n(b.p, b.len, JSON_MAX_DEPTH, "512", why);
        /* objects count too: {"a":{"a":...{}...}} */
        b.len = 0;
        for (int i = 0; i < depth - 1; i++) buf_puts(&b, i % 2 ? "{\"a\":" : "[");
        buf_puts(&b, "{}");
        for (int i = depth - 2; i >= 0; i--) buf_puts(&b, i % 2 ? "}" : "]");
        if (depth <= JSON_MAX_DEPTH) expect_valid_n(b.p, b.len, why);
        else expect_invalid_n(b.p, b.len, -1, "nested more than 512", why);
        if (why[0]) why_prefix(why, "depth %d", depth);
    }
    b.len = 0;
    buf_fill(&b, '[', 1000000);
    expect_invalid_n(b.p, b.len, JSON_MAX_DEPTH, "512", why);
    b.len = 0;
    for (int i = 0; i < 200000; i++) buf_puts(&b, "{\"a\":");
    expect_invalid_n(b.p, b.len, -1, "512", why);
    free(b.p);
}

/* The byte offset of the first offending byte, for a range of errors. */
static void case_error_positions(const void *arg, char *why, char *note)
{
    (void)arg, (void)note;
    static const struct { const char *text; long at; const char *phrase; } cases[] = {
        { "\"abc", 0, "unterminated string" },
        { "[\"a\\qb\"]", 3, "invalid escape \\q" },
        { "[\"\\u12G4\"]", 2, "4 hex digits" },
        { "[\"\\u123\"]", 2, "4 hex digits" },
        { "[\"a\tb\"]", 3, "control character 0x09" },
        { "  [1, 2, 3,  ]", 13, "trailing comma" },
        { "{\"a\":1, \"b\" 2}", 12, "':'" },
        { "[1 2]", 3, "','" },
        { "[\"\xC3\x28\"]", 2, "UTF-8" },
        { "[\"ok\xFF\"]", 4, "UTF-8" },
        { "[\"\\uD800\"]", 2, "surrogate" },
        { "[\"\\uDC00\"]", 2, "surrogate" },
        { "[] []", 3, "after the JSON value" },
        { "{\"a\":tru}", 8, "'true'" },
        { "[1.5e]", 5, "exponent" },
        { "[-x]", 2, "digit after '-'" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_invalid(cases[i].text, cases[i].at, cases[i].phrase, why);
}

/* A small or absent message buffer is never overrun. */
static void case_error_buffer(const void *arg, char *why, char *note)
{
    (void)arg, (void)note;
    if (json_validate("[1,]", 4, NULL, 0) != -1) why_set(why, "NULL err with errlen 0: not rejected");
    if (json_validate("[1]", 3, NULL, 0) != 0) why_set(why, "NULL err with errlen 0: valid text rejected");
    char *small = emalloc(8);   /* heap, so the sanitizer sees any overrun */
    if (json_validate("[1,]", 4, small, 8) != -1 || strlen(small) != 7 || strncmp(small, "at byte", 7) != 0)
        why_set(why, "errlen 8: got \"%s\"", small);
    small[0] = 'x';
    if (json_validate("[1,]", 4, small, 1) != -1 || small[0] != '\0')
        why_set(why, "errlen 1: message not emptied to \"\"");
    free(small);
}

/* Escapes and surrogate pairs (the choice: lone or reversed surrogates are
 * refused, see json.h). */
static void case_string_escapes(const void *arg, char *why, char *note)
{
    (void)arg, (void)note;
    static const char *const good[] = {
        "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\u0000\"", "\"\\u001f\\u007F\\u0080\\uFFFF\"",
        "\"\\uD800\\uDC00\"", "\"\\udbff\\udfff\"", "\"\\uD834\\uDD1E\"", "\"a\\u00e9b\"",
        "\"\x7f\"", "\"/\"", "\"\\uFDD0\\uFFFE\"",
    };
    static const struct { const char *text; long at; const char *phrase; } bad[] = {
        { "\"\\uD800\"", 1, "lone high surrogate" },
        { "\"\\uDBFF x\"", 1, "lone high surrogate" },
        { "\"\\uD800\\n\"", 1, "lone high surrogate" },
        { "\"\\uD800\\uD800\"", 1, "lone high surrogate" },
        { "\"\\uD800\\u0041\"", 1, "lone high surrogate" },
        { "\"\\uD800\\uDC0", 1, "lone high surrogate" },
        { "\"\\uDC00\\uD800\"", 1, "lone low surrogate" },
        { "\"\\uDFFF\"", 1, "lone low surrogate" },
        { "\"x\\uD800", 2, "surrogate" },
        { "\"\\x41\"", 1, "invalid escape" },
        { "\"\\U0041\"", 1, "invalid escape" },
        { "\"\\'\"", 1, "invalid escape" },
        { "\"\\", 1, "ends in an escape" },
        { "\"\\u00\"", 1, "4 hex digits" },
        { "\"\\u-123\"", 1, "4 hex digits" },
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) expect_valid(good[i], why);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_invalid(bad[i].text, bad[i].at, bad[i].phrase, why);
}

/* Raw control characters are refused in strings, escaped ones accepted. */
static void case_control_chars(const void *arg, char *why, char *note)
{
    (void)arg, (void)note;
    for (int c = 0; c < 0x20; c++) {
        char text[16] = "[\"a?b\"]";
        text[3] = (char)c;
        expect_invalid_n(text, 7, 3, "control character", why);
        snprintf(text, sizeof text, "[\"\\u%04X\"]", c);
        expect_valid(text, why);
    }
    expect_valid_n("[\"a\x7f" "b\"]", 7, why);
}

/* Every code point as UTF-8 inside a string: accepted unless a surrogate. */
static void case_utf8_all_code_points(const void *arg, char *why, char *note)
{
    (void)arg, (void)note;
    for (unsigned long cp = 0x20; cp <= 0x10FFFF && !why[0]; cp++) {
        if (cp == '"' || cp == '\\') continue;
        Buf b = { 0 };
        buf_byte(&b, '"');
        put_cp(&b, cp);
        buf_byte(&b, '"');
        int want = cp >= 0xD800 && cp <= 0xDFFF ? -1 : 0;
        if (json_validate(b.p, b.len, NULL, 0) != want)
            why_set(why, "U+%04lX %s", cp, want ? "accepted (an encoded surrogate)" : "rejected");
        free(b.p);
    }
}

/* Byte sequences inside a string, against the reference decoder: every
 * 1- and 2-byte sequence, every lead byte with interesting continuation
 * bytes for 3 and 4 bytes, and each cut short at the end of the input. */
static void case_utf8_sequences(const void *arg, char *why, char *note)
{
    (void)arg, (void)note;
    regex_t re;
    ref_init(&re);
    static const unsigned char cont[] = { 0x00, 0x22, 0x41, 0x5C, 0x7F, 0x80, 0x81, 0x8F, 0x90,
                                          0x9F, 0xA0, 0xBF, 0xC0, 0xC2, 0xE0, 0xF0, 0xFF };
    enum { NC = sizeof cont };
    unsigned char seq[4];
    char text[8], shown[64];
    long tried = 0;
    for (unsigned lead = 0; lead < 256 && !why[0]; lead++) {
        for (unsigned len = 1; len <= 4 && !why[0]; len++) {
            unsigned combos = len == 1 ? 1 : len == 2 ? 256 : len == 3 ? NC * NC : NC * NC * NC;
            for (unsigned c = 0; c < combos && !why[0]; c++) {
                seq[0] = (unsigned char)lead;
                if (len == 2) seq[1] = (unsigned char)c;
                else if (len > 2)
                    for (unsigned k = 1, v = c; k < len; k++, v /= NC) seq[k] = cont[v % NC];
                for (int closed = 0; closed <= 1; closed++) {
                    size_t n = 0;
                    text[n++] = '"';
                    memcpy(text + n, seq, len);
                    n += len;
                    if (closed) text[n++] = '"';
                    int got = json_validate(text, n, NULL, 0), want = ref_validate(&re, text, n);
                    tried++;
                    if (got != want)
                        why_set(why, "%s: json_validate %s, the reference %s", show(text, n, shown, sizeof shown),
                                got ? "rejects" : "accepts", want ? "rejects" : "accepts");
                }
            }
        }
    }
    regfree(&re);
    if (!why[0] && tried < 1000000) why_set(why, "only %ld sequences tried", tried);
}

/* NUL bytes are ordinary (invalid) bytes: never an early end. */
static void case_nul_bytes_validate(const void *arg, char *why, char *note)
{
    (void)arg, (void)note;
    expect_invalid_n("[1]\0", 4, 3, "byte 0x00", why);
    expect_invalid_n("[1]\0[2]", 7, 3, NULL, why);
    expect_invalid_n("\0", 1, 0, NULL, why);
    expect_invalid_n("[\"a\0\"]", 6, 3, "control character 0x00", why);
    expect_invalid_n("{\"a\0\":1}", 8, 3, NULL, why);
    expect_invalid_n("[1,\0 2]", 7, 3, NULL, why);
    expect_valid_n("[\"\\u0000\"]", 10, why);
    expect_valid_n("[1]\0", 3, why);   /* n says where the text ends */
}

/* ---- JSON Lines reader ------------------------------------------------------- */

static void case_jsonl_kinds(const void *arg, char *why, char *note)
{
    (void)arg, (void)note;
    Run run = read_text("{\"n\":null,\"t\":true,\"f\":false,\"i\":-12,\"d\":1.5e-3,\"s\":\"x y\",\"e\":\"\"}\n"
                        "{}\n"
                        "{ \"a\" : 0 , \"b\" : 12.50 }\n");
    expect_count(&run, 3, why);
    expect_record(&run, 0, 1, why, "n", JSON_NULL, "", "t", JSON_TRUE, "true", "f", JSON_FALSE, "false",
                  "i", JSON_NUMBER, "-12", "d", JSON_NUMBER, "1.5e-3", "s", JSON_STRING, "x y",
                  "e", JSON_STRING, "", (const char *)NULL);
    expect_record(&run, 1, 2, why, (const char *)NULL);
    expect_record(&run, 2, 3, why, "a", JSON_NUMBER, "0", "b", JSON_NUMBER, "12.50", (const char *)NULL);
    run_free(&run);
}

/* A line as bench/gen.c writes it. */
static void case_jsonl_bench_line(const void *arg, char *why, char *note)
{
    (void)arg, (void)note;
    Run run = read_text(
        "{\"id\":\"A0000002\",\"name\":\"Umbrella Software plc\",\"segment\":\"smb\",\"annual_revenue\":392203.62,"
        "\"revenue_growth\":0.2662,\"innovation_partner\":false,\"prestige\":3,\"stage\":\"pre_kam\","
        "\"share_of_wallet\":0.0753,\"last_review\":null}\n");
    expect_count(&run, 1, why);
    expect_record(&run, 0, 1, why, "id", JSON_STRING, "A0000002", "name", JSON_STRING, "Umbrella Software plc",
                  "segment", JSON_STRING, "smb", "annual_revenue", JSON_NUMBER, "392203.62",
                  "revenue_growth", JSON_NUMBER, "0.2662", "innovation_partner", JSON_FALSE, "false",
                  "prestige", JSON_NUMBER, "3", "stage", JSON_STRING, "pre_kam",
                  "share_of_wallet", JSON_NUMBER, "0.0753", "last_review", JSON_NULL, "", (const char *)NULL);
    run_free(&run);
}

static void case_jsonl_escapes(const void *arg, char *why, char *note)
{
    (void)arg, (void)note;
    Run run = read_text(
        "{\"k\\\"e\\\\y\":\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t.\",\"u\":\"\\u0041\\u00e9\\u20AC\\ud83d\\ude00\","
        "\"\\u006b\":\"\\uD834\\uDD1E!\",\"raw\":\"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\"}\n"
        "{\"z\":\"\\u0000x\"}\n");
    expect_count(&run, 2, why);
    expect_record(&run, 0, 1, why, "k\"e\\y", JSON_STRING, "a\"b\\c/d\b\f\n\r\t.", "u", JSON_STRING,
                  "A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80", "k", JSON_STRING, "\xF0\x9D\x84\x9E!",
                  "raw", JSON_STRING, "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80", (const char *)NULL);
    /* "\u0000x" decodes to a NUL and an x: two bytes, NUL first */
    if (!why[0] && (run.recs[1].n != 1 || run.recs[1].f[0].val.len != 2 ||
                    memcmp(run.recs[1].f[0].val.p, "\0x", 2) != 0))
        why_set(why, "\\u0000x: not decoded to 2 bytes NUL, x");
    run_free(&run);
    run = read_text("{\"a\":\"\\uD800\"}\n{\"a\":\"\\uDC00\\uD800\"}\n{\"a\":\"\\uD800x\"}\n{\"ok\":1}\n");
    expect_count(&run, 4, why);
    expect_bad(&run, 0, 1, why, "column 7", "lone high surrogate", (const char *)NULL);
    expect_bad(&run, 1, 2, why, "column 7", "lone low surrogate", (const char *)NULL);
    expect_bad(&run, 2, 3, why, "surrogate", (const char *)NULL);
    expect_record(&run, 3, 4, why, "ok", JSON_NUMBER, "1", (const char *)NULL);
    run_free(&run);
}

/* Nested arrays and objects come back as their raw text, whitespace and
 * all; the field after them is intact. */
static void case_jsonl_nested(const void *arg, char *why, char *note)
{
    (void)arg, (void)note;
    Run run = read_text("{\"a\":[1, {\"b\":[]}],\"o\":{ \"x\" : \"}\" },\"e\":[],\"z\":{} ,\"n\":7}\n"
                        "{\"d\":{\"x\":1,\"x\":2}}\n");
    expect_count(&run, 2, why);
    expect_record(&run, 0, 1, why, "a", JSON_ARRAY, "[1, {\"b\":[]}]", "o", JSON_OBJECT, "{ \"x\" : \"}\" }",
                  "e", JSON_ARRAY, "[]", "z", JSON_OBJECT, "{}", "n", JSON_NUMBER, "7", (const char *)NULL);
    /* duplicates inside a nested value are that value's business */
    expect_record(&run, 1, 2, why, "d", JSON_OBJECT, "{\"x\":1,\"x\":2}", (const char *)NULL);
    run_free(&run);

    /* the line's object counts as one level: 511 more are fine, 512 not */
    Buf b = { 0 };
    for (int extra = 511; extra <= 512; extra++) {
        buf_puts(&b, "{\"deep\":");
        buf_fill(&b, '[', (size_t)extra);
        buf_fill(&b, ']', (size_t)extra);
        buf_puts(&b, "}\n");
    }
    buf_puts(&b, "{\"deep\":");
    buf_fill(&b, '[', 100000);
    buf_puts(&b, "\n{\"after\":true}\n");
    run = read_bytes(b.p, b.len);
    expect_count(&run, 4, why);
    if (!why[0] && (run.recs[0].rc != 1 || run.recs[0].f[0].kind != JSON_ARRAY || run.recs[0].f[0].val.len != 1022))
        why_set(why, "512 levels in all: not a record with a 1022-byte array (%s)", run.recs[0].err);
    expect_bad(&run, 1, 2, why, "nested too deep", "512", (const char *)NULL);
    expect_bad(&run, 2, 3, why, "nested too deep", (const char *)NULL);
    expect_record(&run, 3, 4, why, "after", JSON_TRUE, "true", (const char *)NULL);
    run_free(&run);
    free(b.p);
}

static void case_jsonl_duplicates(const void *arg, char *why, char *note)
{
    (void)arg, (void)note;
    Run run = read_text("{\"a\":1,\"b\":2,\"a\":3}\n"
                        "{\"a\":1,\"\\u0061\":2}\n"
                        "{\"ab\":1,\"a\":2,\"b\":3,\"\":4,\" \":5}\n"
                        "{\"\":1,\"\":2}\n"
                        "{\"x\":1}\n");
    expect_count(&run, 5, why);
    expect_bad(&run, 0, 1, why, "duplicate key \"a\"", (const char *)NULL);
    expect_bad(&run, 1, 2, why, "duplicate key \"a\"", (const char *)NULL);
    expect_record(&run, 2, 3, why, "ab", JSON_NUMBER, "1", "a", JSON_NUMBER, "2", "b", JSON_NUMBER, "3",
                  "", JSON_NUMBER, "4", " ", JSON_NUMBER, "5", (const char *)NULL);
    expect_bad(&run, 3, 4, why, "duplicate key \"\"", (const char *)NULL);
    expect_record(&run, 4, 5, why, "x", JSON_NUMBER, "1", (const char *)NULL);
    run_free(&run);

    /* many keys (the table grows): all distinct, then one repeated far
     * apart, then long keys differing only in the middle */
    Buf b = { 0 };
    char key[64];
    for (int pass = 0; pass < 2; pass++) {
        buf_byte(&b, '{');
        for (int i = 0; i < 5000; i++) {
            snprintf(key, sizeof key, "%s\"key%d\":%d", i ? "," : "", i, i);
            buf_puts(&b, key);
        }
        if (pass) buf_puts(&b, ",\"key17\":0");
        buf_puts(&b, "}\n");
    }
    buf_byte(&b, '{');
    for (int i = 0; i < 3000; i++) {
        snprintf(key, sizeof key, "%s\"aaaaaaaaaaaaaaaa%04daaaaaaaaaaaaaaaa\":1", i ? "," : "", i);
        buf_puts(&b, key);
    }
    buf_puts(&b, ",\"aaaaaaaaaaaaaaaa2999aaaaaaaaaaaaaaaa\":2}\n{\"k\":\"\\u00e9\",\"k\":\"\xC3\xA9\"}\n");
    run = read_bytes(b.p, b.len);
    expect_count(&run, 4, why);
    if (!why[0] && (run.recs[0].rc != 1 || run.recs[0].n != 5000))
        why_set(why, "5000 distinct keys: not a record of 5000 fields (%s)", run.recs[0].err);
    expect_bad(&run, 1, 2, why, "duplicate key \"key17\"", "18", "5001", (const char *)NULL);
    expect_bad(&run, 2, 3, why, "duplicate key \"aaaaaaaaaaaaaaaa2999aaaaaaaaaaaaaaaa\"", (const char *)NULL);
    expect_bad(&run, 3, 4, why, "duplicate key \"k\"", (const char *)NULL);
    run_free(&run);
    free(b.p);
}

/* At most 100000 members in a line's object; one more makes the line
 * malformed, and the next line is read as usual. */
static void case_jsonl_member_limit(const void *arg, char *why, char *note)
{
    (void)arg, (void)note;
    Buf b = { 0 };
    char member[40];
    for (int extra = 0; extra <= 1; extra++) {
        buf_byte(&b, '{');
        for (int i = 0; i < 100000 + extra; i++) {
            snprintf(member, sizeof member, "%s\"%d\":%d", i ? "," : "", i, i);
            buf_puts(&b, member);
        }
        buf_puts(&b, "}\n");
    }
    buf_puts(&b, "{\"z\":1}\n");
    Run run = read_bytes(b.p, b.len);
    expect_count(&run, 3, why);
    if (!why[0] && (run.recs[0].rc != 1 || run.recs[0].n != 100000 || strcmp(run.recs[0].f[99999].val.p, "99999") != 0))
        why_set(why, "100000 members: not a record of them (%s)", run.recs[0].err);
    expect_bad(&run, 1, 2, why, "more than 100000 members", (const char *)NULL);
    expect_record(&run, 2, 3, why, "z", JSON_NUMBER, "1", (const char *)NULL);
    run_free(&run);
    free(b.p);
}

/* A bad line is reported with its number and column, and reading goes on. */
static void case_jsonl_bad_line_middle(const void *arg, char *why, char *note)
{
    (void)arg, (void)note;
    Run run = read_text("{\"a\":1}\n{\"a\":}\n{\"a\":3}\n{\"a\":4,}\n\n{\"a\":5} x\n{\"a\":6}");
    expect_count(&run, 6, why);
    expect_record(&run, 0, 1, why, "a", JSON_NUMBER, "1", (const char *)NULL);
    expect_bad(&run, 1, 2, why, "syntax error at column 6", "expected a value", (const char *)NULL);
    expect_record(&run, 2, 3, why, "a", JSON_NUMBER, "3", (const char *)NULL);
    expect_bad(&run, 3, 4, why, "column 8", "trailing comma", (const char *)NULL);
    expect_bad(&run, 4, 6, why, "column 9", "after the object", (const char *)NULL);
    expect_record(&run, 5, 7, why, "a", JSON_NUMBER, "6", (const char *)NULL);
    run_free(&run);
}

static void case_jsonl_not_object(const void *arg, char *why, char *note)
{
    (void)arg, (void)note;
    Run run = read_text("[1,2]\n\"s\"\n42\nnull\n true \n[1,\nx\n}\n{\"ok\":[]}\n");
    expect_count(&run, 9, why);
    expect_bad(&run, 0, 1, why, "not an object", "array", (const char *)NULL);
    expect_bad(&run, 1, 2, why, "not an object", "string", (const char *)NULL);
    expect_bad(&run, 2, 3, why, "not an object", "number", (const char *)NULL);
    expect_bad(&run, 3, 4, why, "not an object", "null", (const char *)NULL);
    expect_bad(&run, 4, 5, why, "not an object", "true", (const char *)NULL);
    expect_bad(&run, 5, 6, why, "syntax error at column 4", (const char *)NULL);
    expect_bad(&run, 6, 7, why, "syntax error at column 1", (const char *)NULL);
    expect_bad(&run, 7, 8, why, "syntax error at column 1", (const char *)NULL);
    expect_record(&run, 8, 9, why, "ok", JSON_ARRAY, "[]", (const char *)NULL);
    run_free(&run);
}

/* The message for each kind of syntax error names its column. */
static void case_jsonl_syntax_errors(const void *arg, char *why, char *note)
{
    static const struct { const char *line; const char *phrase; } cases[] = {
        { "{\"a\" 1}", "column 6" },            { "{a:1}", "column 2" },
        { "{\"a\":1 \"b\":2}", "column 8" },    { "{\"a\":01}", "column 6" },
        { "{\"a\":1.}", "column 8" },           { "{\"a\":tru}", "column 9" },
        { "{\"a\":\"x}", "column 6" },          { "{\"a\":[1,]}", "column 9" },
        { "{\"a\":\"\t\"}", "column 7" },       { "{\"a\\q\":1}", "column 4" },
        { "{\"a\":1", "column 7" },             { "{", "column 2" },
        { "{\"a\":+1}", "column 6" },           { "{\"a\":NaN}", "column 6" },
        { "{\"a\":1}}", "column 8" },           { "{\"a\":1,\"b\"}", "column 11" },
        { "{\"a\":'x'}", "column 6" },          { "{\"a\":1e}", "column 8" },
        { "{\"a\":1]", "column 7" },            { "{\"a\":[1}", "column 8" },
    };
    (void)arg, (void)note;
    Buf b = { 0 };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        buf_puts(&b, cases[i].line);
        buf_byte(&b, '\n');
    }
    Run run = read_bytes(b.p, b.len);
    expect_count(&run, sizeof cases / sizeof cases[0], why);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        expect_bad(&run, i, (long)i + 1, why, cases[i].phrase, (const char *)NULL);
        if (why[0]) {
            why_prefix(why, "%s", cases[i].line);
            break;
        }
    }
    run_free(&run);
    free(b.p);
}

static void case_jsonl_invalid_utf8(const void *arg, char *why, char *note)
{
    (void)arg, (void)note;
    Run run = read_text("{\"a\":\"\xFF\"}\n{\"\xC0\xAF\":1}\n{\"a\":\"\xED\xA0\x80\"}\n{\"a\":\"\xE2\x82\"}\n"
                        "{\"a\":\"\xF4\x90\x80\x80\"}\n\xC3\xA9\n{\"b\":\"\xE2\x82\xAC\"}\n"
                        "{\"a\":\"\xE0\x80\xAF\"}\n{\"a\":\"\xF0\x80\x80\xAF\"}\n");
    expect_count(&run, 9, why);
    expect_bad(&run, 0, 1, why, "invalid UTF-8 at column 7", (const char *)NULL);
    expect_bad(&run, 1, 2, why, "invalid UTF-8 at column 3", (const char *)NULL);
    expect_bad(&run, 2, 3, why, "invalid UTF-8 at column 7", (const char *)NULL);
    expect_bad(&run, 3, 4, why, "invalid UTF-8 at column 7", (const char *)NULL);
    expect_bad(&run, 4, 5, why, "invalid UTF-8 at column 7", (const char *)NULL);
    expect_bad(&run, 5, 6, why, "column 1", (const char *)NULL);
    expect_record(&run, 6, 7, why, "b", JSON_STRING, "\xE2\x82\xAC", (const char *)NULL);
    expect_bad(&run, 7, 8, why, "invalid UTF-8 at column 7", (const char *)NULL);   /* overlong */
    expect_bad(&run, 8, 9, why, "invalid UTF-8 at column 7", (const char *)NULL);
    run_free(&run);
}

static void case_jsonl_blank_lines(const void *arg, char *why, char *note)
{
    (void)arg, (void)note;
    Run run = read_text("\n  \n\t\r\n{\"a\":1}\n\n \r\n{\"b\":2}\n\n\n");
    expect_count(&run, 2, why);
    expect_record(&run, 0, 4, why, "a", JSON_NUMBER, "1", (const char *)NULL);
    expect_record(&run, 1, 7, why, "b", JSON_NUMBER, "2", (const char *)NULL);
    run_free(&run);
    static const char *const empty[] = { "", "\n", "\n\n\n", "   ", " \t\r\n \r" };
    for (size_t i = 0; i < sizeof empty / sizeof empty[0]; i++) {
        run = read_text(empty[i]);
        expect_count(&run, 0, why);
        run_free(&run);
    }
    /* a form feed or vertical tab is not JSON whitespace */
    run = read_text("\f\n\v\n");
    expect_count(&run, 2, why);
    expect_bad(&run, 0, 1, why, "column 1", (const char *)NULL);
    expect_bad(&run, 1, 2, why, "column 1", (const char *)NULL);
    run_free(&run);
}

static void case_jsonl_crlf(const void *arg, char *why, char *note)
{
    (void)arg, (void)note;
    Run run = read_text("{\"a\":1}\r\n{\"b\":\"x\"}\r\n\r\n{\"c\":true,\r\"d\":2.5}\r\n{\"e\":3}\r");
    expect_count(&run, 4, why);
    expect_record(&run, 0, 1, why, "a", JSON_NUMBER, "1", (const char *)NULL);
    expect_record(&run, 1, 2, why, "b", JSON_STRING, "x", (const char *)NULL);
    expect_record(&run, 2, 4, why, "c", JSON_TRUE, "true", "d", JSON_NUMBER, "2.5", (const char *)NULL);
    expect_record(&run, 3, 5, why, "e", JSON_NUMBER, "3", (const char *)NULL);
    run_free(&run);
}

static void case_jsonl_bom(const void *arg, char *why, char *note)
{
    (void)arg, (void)note;
    Run run = read_text("\xEF\xBB\xBF{\"a\":1}\n\xEF\xBB\xBF{\"b\":2}\n");
    expect_count(&run, 2, why);
    expect_record(&run, 0, 1, why, "a", JSON_NUMBER, "1", (const char *)NULL);
    expect_bad(&run, 1, 2, why, "column 1", (const char *)NULL);   /* only at the very start */
    run_free(&run);
    /* columns on line 1 are counted after the mark */
    run = read_text("\xEF\xBB\xBF{\"a\":}\n");
    expect_count(&run, 1, why);
    expect_bad(&run, 0, 1, why, "column 6", (const char *)NULL);
    run_free(&run);
    run = read_text("\xEF\xBB\xBF");
    expect_count(&run, 0, why);
    run_free(&run);
    run = read_text("\xEF\xBB\xBF\n\n{\"c\":3}");
    expect_count(&run, 1, why);
    expect_record(&run, 0, 3, why, "c", JSON_NUMBER, "3", (const char *)NULL);
    run_free(&run);
    run = read_text("\xEF\xBB{\"a\":1}\n");   /* half a mark is just bad bytes */
    expect_count(&run, 1, why);
    expect_bad(&run, 0, 1, why, "column 1", (const char *)NULL);
    run_free(&run);
}

static void case_jsonl_no_final_newline(const void *arg, char *why, char *note)
{
    (void)arg, (void)note;
    Run run = read_text("{\"a\":1}\n{\"b\":23}");
    expect_count(&run, 2, why);
    expect_record(&run, 1, 2, why, "b", JSON_NUMBER, "23", (const char *)NULL);
    if (!why[0] && run.offset != 16) why_set(why, "offset %lld at the end, want 16", run.offset);
    run_free(&run);
    static const char *const cut[] = { "{\"b\":23", "{\"b\":\"x", "{\"b\":\"x\\", "{\"b\":[1", "{\"b\"", "{",
                                       "{\"b\":-", "{\"b\":1.", "{\"b\":t", "{\"b\":\"\\u12" };
    for (size_t i = 0; i < sizeof cut / sizeof cut[0] && !why[0]; i++) {
        run = read_text(cut[i]);
        expect_count(&run, 1, why);
        expect_bad(&run, 0, 1, why, "column", (const char *)NULL);
        why_prefix(why, "\"%s\"", cut[i]);
        run_free(&run);
    }
    run = read_text("{\"a\":1}\n   ");
    expect_count(&run, 1, why);
    run_free(&run);
}

/* Lines longer than the read buffer: a 3 MiB string, and a 3 MiB line of
 * many fields with an escape at its very end. */
static void case_jsonl_long_line(const void *arg, char *why, char *note)
{
    (void)arg, (void)note;
    Buf b = { 0 };
    size_t big = 3 * (size_t)READER_BLOCK + 17;
    buf_puts(&b, "{\"first\":1}\n{\"s\":\"");
    buf_fill(&b, 'x', big);
    buf_puts(&b, "\",\"n\":5}\n{");
    size_t fields = 0;
    while (b.len < 7 * (size_t)READER_BLOCK) {   /* about 70000 fields, under the cap */
        char f[40];
        snprintf(f, sizeof f, "\"f%zu\":%zu,\"", fields, fields);
        buf_puts(&b, f);
        buf_fill(&b, 'v', 80);
        snprintf(f, sizeof f, "%zu\":\"xyz\",", fields);
        buf_puts(&b, f);
        fields += 2;
    }
    buf_puts(&b, "\"last\":\"\\u00e9\"}\n{\"after\":null}\n");
    Run run = read_bytes(b.p, b.len);
    expect_count(&run, 4, why);
    expect_record(&run, 0, 1, why, "first", JSON_NUMBER, "1", (const char *)NULL);
    if (!why[0]) {
        const Rec *r = &run.recs[1];
        if (r->rc != 1 || r->n != 2 || r->f[0].val.len != big || r->f[0].val.p[0] != 'x' ||
            r->f[0].val.p[big - 1] != 'x' || strcmp(r->f[1].val.p, "5") != 0)
            why_set(why, "the 3 MiB string line came back wrong (rc %d, %zu fields) %s", r->rc, r->n, r->err);
        r = &run.recs[2];
        size_t mid = fields / 4 * 2;   /* an "f<n>":<n> member; "vvv...<n>":"xyz" follows */
        if (r->rc != 1 || r->n != fields + 1 || strcmp(r->f[r->n - 1].val.p, "\xC3\xA9") != 0 ||
            strcmp(r->f[mid].val.p, r->f[mid].key.p + 1) != 0 || strcmp(r->f[mid + 1].val.p, "xyz") != 0 ||
            r->f[mid + 1].key.len != 80 + strlen(r->f[mid].val.p))
            why_set(why, "the long many-field line came back wrong (rc %d, %zu fields, want %zu) %s", r->rc,
                    r->n, fields + 1, r->err);
    }
    expect_record(&run, 3, 4, why, "after", JSON_NULL, "", (const char *)NULL);
    run_free(&run);
    free(b.p);
}

/* A line that crosses the end of the first read block at every offset,
 * compared with the reference. */
static void case_jsonl_block_boundaries(const void *arg, char *why, char *note)
{
    (void)arg, (void)note;
    static const char probe[] = "{\"k\":\"v\\u00e9\\uD83D\\uDE00\",\"n\":-1.5e3,\"t\":true,\"a\":[1,{}]}\r\n";
    regex_t re;
    ref_init(&re);
    size_t plen = sizeof probe - 1;
    for (size_t pad = READER_BLOCK - plen - 12; pad <= READER_BLOCK + 2 && !why[0]; pad++) {
        /* a filler line of pad bytes in all: {"f":"xxx..."}\n */
        Buf b = { 0 };
        buf_puts(&b, "{\"f\":\"");
        buf_fill(&b, 'x', pad - 9);
        buf_puts(&b, "\"}\n");
        buf_puts(&b, probe);
        buf_puts(&b, probe);
        differential(&re, b.p, b.len, why);
        why_prefix(why, "filler line of %zu bytes", pad);
        free(b.p);
    }
    regfree(&re);
}

/* A line of exactly 64 MiB with its LF is read; one byte more is an
 * unrecoverable error that sticks. */
static void case_jsonl_line_limit(const void *arg, char *why, char *note)
{
    (void)arg, (void)note;
    for (int over = 0; over <= 1 && !why[0]; over++) {
        Buf b = { 0 };
        buf_puts(&b, "{\"a\":1}\n{\"s\":\"");
        size_t fill = (size_t)MAX_LINE - 9 + (size_t)over;   /* {"s":"...."}\n = fill + 9 */
        buf_fill(&b, 'y', fill);
        buf_puts(&b, "\"}\n{\"b\":2}\n");
        char *path = write_temp(b.p, b.len);
        free(b.p);
        char err[600];
        JsonlReader *r = rd_jsonl_open(path, err, sizeof err);
        if (!r) {
            why_set(why, "open: %s", err);
            remove_temp(path);
            return;
        }
        JsonField *f;
        size_t nf;
        long line;
        int rc1 = rd_jsonl_next(r, &f, &nf, &line);
        int rc2 = rd_jsonl_next(r, &f, &nf, &line);
        size_t len2 = rc2 == 1 && nf == 1 ? f[0].len : 0;
        int rc3 = rd_jsonl_next(r, &f, &nf, &line);
        int rc4 = rd_jsonl_next(r, &f, &nf, &line);
        if (rc1 != 1) why_set(why, "first line: rc %d", rc1);
        if (!over) {
            if (rc2 != 1 || len2 != fill) why_set(why, "a 64 MiB line: rc %d, length %zu: %s", rc2, len2, rd_jsonl_error(r));
            if (rc3 != 1 || rc4 != 0) why_set(why, "after the 64 MiB line: rc %d then %d", rc3, rc4);
        } else {
            if (rc2 != -1) why_set(why, "a line of 64 MiB + 1: rc %d, want -1", rc2);
            else if (!strstr(rd_jsonl_error(r), ":2: ") || !strstr(rd_jsonl_error(r), "64 MiB"))
                why_set(why, "message: %s", rd_jsonl_error(r));
            if (rc3 != -1 || rc4 != -1) why_set(why, "error not sticky: rc %d then %d", rc3, rc4);
        }
        rd_jsonl_close(r);
        remove_temp(path);
    }
}

/* NUL bytes make their line malformed and nothing worse. */
static void case_jsonl_nul_bytes(const void *arg, char *why, char *note)
{
    (void)arg, (void)note;
    static const char data[] = "{\"a\":1}\0\n{\"a\":\"x\0y\"}\n\0\n{\"a\0\":1}\n{\"a\":1\0}\n\0{}\n{\"ok\":\"\\u0000\"}\n";
    Run run = read_bytes(data, sizeof data - 1);
    expect_count(&run, 7, why);
    expect_bad(&run, 0, 1, why, "column 8", "0x00", (const char *)NULL);
    expect_bad(&run, 1, 2, why, "column 8", "control character 0x00", (const char *)NULL);
    expect_bad(&run, 2, 3, why, "column 1", (const char *)NULL);
    expect_bad(&run, 3, 4, why, "column 4", (const char *)NULL);
    expect_bad(&run, 4, 5, why, "column 7", (const char *)NULL);
    expect_bad(&run, 5, 6, why, "column 1", (const char *)NULL);
    if (!why[0] && (run.recs[6].rc != 1 || run.recs[6].f[0].val.len != 1 || run.recs[6].f[0].val.p[0] != '\0'))
        why_set(why, "\\u0000 did not decode to one NUL byte");
    run_free(&run);
}

static void case_jsonl_open_errors(const void *arg, char *why, char *note)
{
    (void)arg, (void)note;
    char err[600] = "untouched";
    JsonlReader *r = rd_jsonl_open("/nonexistent/kam/x.jsonl", err, sizeof err);
    if (r) {
        why_set(why, "opened a missing file");
        rd_jsonl_close(r);
    } else if (!strstr(err, "/nonexistent/kam/x.jsonl") || !strstr(err, strerror(ENOENT))) {
        why_set(why, "missing file message: %s", err);
    }
    r = rd_jsonl_open("/tmp", err, sizeof err);
    if (r) {
        why_set(why, "opened a directory");
        rd_jsonl_close(r);
    } else if (!strstr(err, "/tmp") || !strstr(err, strerror(EISDIR))) {
        why_set(why, "directory message: %s", err);
    }
    rd_jsonl_close(NULL);
}

/* "-" reads standard input, here a pipe fed in small pieces; messages call
 * it <stdin>. */
static void case_jsonl_stdin(const void *arg, char *why, char *note)
{
    (void)arg, (void)note;
    static const char data[] = "\xEF\xBB\xBF{\"a\":\"p\\u00e9\"}\r\n\n{\"b\":[1,2]}\n{bad}\n{\"c\":-0.5}";
    int fds[2];
    if (pipe(fds) != 0) {
        why_set(why, "pipe: %s", strerror(errno));
        return;
    }
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        for (size_t i = 0; i < sizeof data - 1; i += 3) {
            size_t n = sizeof data - 1 - i < 3 ? sizeof data - 1 - i : 3;
            if (write(fds[1], data + i, n) != (ssize_t)n) _exit(1);
            struct timespec pause = { 0, 200000 };
            nanosleep(&pause, NULL);
        }
        _exit(0);
    }
    close(fds[1]);
    dup2(fds[0], 0);
    close(fds[0]);
    Run run = read_run_max("-", 100);
    waitpid(pid, NULL, 0);
    expect_count(&run, 4, why);
    expect_record(&run, 0, 1, why, "a", JSON_STRING, "p\xC3\xA9", (const char *)NULL);
    expect_record(&run, 1, 3, why, "b", JSON_ARRAY, "[1,2]", (const char *)NULL);
    if (run.n > 2 && (run.recs[2].rc != 2 || strncmp(run.recs[2].err, "<stdin>:4: ", 11) != 0))
        why_set(why, "bad line on stdin: \"%s\"", run.recs[2].err);
    expect_record(&run, 3, 5, why, "c", JSON_NUMBER, "-0.5", (const char *)NULL);
    if (!why[0] && run.size != 0) why_set(why, "size of a pipe: %lld, want 0", run.size);
    run_free(&run);
}

static void case_jsonl_offset_size(const void *arg, char *why, char *note)
{
    (void)arg, (void)note;
    static const char data[] = "{\"a\":1}\n\n{\"b\":2}\n";
    char *path = write_temp(data, sizeof data - 1);
    char err[600];
    JsonlReader *r = rd_jsonl_open(path, err, sizeof err);
    if (!r) {
        why_set(why, "open: %s", err);
        remove_temp(path);
        return;
    }
    JsonField *f;
    size_t nf;
    long line;
    if (rd_jsonl_size(r) != (long long)sizeof data - 1) why_set(why, "size %lld", rd_jsonl_size(r));
    if (rd_jsonl_offset(r) != 0) why_set(why, "offset %lld before reading", rd_jsonl_offset(r));
    if (rd_jsonl_next(r, &f, &nf, &line) != 1 || rd_jsonl_offset(r) != 8)
        why_set(why, "offset %lld after line 1, want 8", rd_jsonl_offset(r));
    if (rd_jsonl_next(r, &f, &nf, &line) != 1 || line != 3 || rd_jsonl_offset(r) != 17)
        why_set(why, "offset %lld after line 3, want 17", rd_jsonl_offset(r));
    if (rd_jsonl_next(r, &f, &nf, &line) != 0 || rd_jsonl_next(r, &f, &nf, &line) != 0)
        why_set(why, "no clean, repeatable end");
    if (rd_jsonl_error(r)[0]) why_set(why, "error set without an error: %s", rd_jsonl_error(r));
    rd_jsonl_close(r);
    remove_temp(path);
}

/* ---- random inputs ------------------------------------------------------------ */

static const char *pick(unsigned *seed, const char *const *list, size_t n)
{
    return list[rnd(seed, (unsigned)n)];
}

#define PICK(seed, list) pick(seed, list, sizeof list / sizeof list[0])

/* A JSON string with escapes, raw UTF-8, and now and then a defect. */
static void gen_string(Buf *b, unsigned *seed)
{
    static const char *const parts[] = {
        "a", "b", "key", " ", "\\n", "\\\"", "\\\\", "\\/", "\\t", "\\u00e9", "\\u0000", "\\u20AC",
        "\\ud83d\\ude00", "\\uDBFF\\uDFFF", "\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80", "\x7f", "'",
        "{", "}", "[", ",", ":",
    };
    static const char *const defects[] = {
        "\\ud800", "\\udc00", "\\x", "\\u12", "\xFF", "\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80",
        "\xE2\x82", "\t", "\x01", "\\",
    };
    buf_byte(b, '"');
    for (unsigned i = rnd(seed, 5); i > 0; i--)
        buf_puts(b, rnd(seed, 40) ? PICK(seed, parts) : PICK(seed, defects));
    buf_byte(b, '"');
}

static void gen_space(Buf *b, unsigned *seed)
{
    static const char *const ws[] = { "", "", "", "", " ", "\t", "  ", "\r", " \r " };
    buf_puts(b, PICK(seed, ws));
}

static void gen_value(Buf *b, unsigned *seed, int depth);

static void gen_object(Buf *b, unsigned *seed, int depth)
{
    static const char *const keys[] = { "\"a\"", "\"b\"", "\"c\"", "\"\\u0061\"", "\"\"", "\"long_key_name_x\"",
                                        "\"long_key_name_y\"", "\"k\\u00e9\"", "\"k\xC3\xA9\"" };
    buf_byte(b, '{');
    gen_space(b, seed);
    unsigned n = rnd(seed, 5);
    for (unsigned i = 0; i < n; i++) {
        if (i) {
            buf_byte(b, ',');
            gen_space(b, seed);
        }
        if (rnd(seed, 3)) buf_puts(b, PICK(seed, keys));
        else gen_string(b, seed);
        gen_space(b, seed);
        buf_byte(b, ':');
        gen_space(b, seed);
        gen_value(b, seed, depth + 1);
        gen_space(b, seed);
    }
    buf_byte(b, '}');
}

static void gen_value(Buf *b, unsigned *seed, int depth)
{
    static const char *const numbers[] = { "0", "-0", "1", "-12", "3.25", "1e5", "-2.5E-3", "1234567890123",
                                           "0.0", "01", "1.", ".5", "+1", "1e", "-", "0x1", "NaN" };
    static const char *const words[] = { "true", "false", "null", "tru", "nul", "True" };
    unsigned k = rnd(seed, depth > 3 ? 4 : 6);
    if (k == 0) gen_string(b, seed);
    else if (k == 1) buf_puts(b, rnd(seed, 6) ? PICK(seed, numbers) : numbers[rnd(seed, 9)]);
    else if (k == 2) buf_puts(b, PICK(seed, words));
    else if (k == 3) buf_puts(b, numbers[rnd(seed, 9)]);
    else if (k == 4) gen_object(b, seed, depth);
    else {
        buf_byte(b, '[');
        unsigned n = rnd(seed, 4);
        for (unsigned i = 0; i < n; i++) {
            if (i) buf_byte(b, ',');
            gen_space(b, seed);
            gen_value(b, seed, depth + 1);
        }
        buf_byte(b, ']');
    }
}

/* Changes a few bytes of b at random. */
static void mutate(Buf *b, unsigned *seed)
{
    static const char alphabet[] = "{}[]\",:\\u0123456789eE+-.tfnl aDd\t\r\n\0\xC3\xA9\xED\xF0\x80\xFF";
    for (unsigned m = rnd(seed, 3) + 1; m > 0 && b->len > 0; m--) {
        size_t at = rnd(seed, (unsigned)b->len);
        char c = alphabet[rnd(seed, sizeof alphabet - 1)];
        unsigned how = rnd(seed, 3);
        if (how == 0) {
            memmove(b->p + at, b->p + at + 1, b->len - at);
            b->len--;
        } else if (how == 1) {
            b->p[at] = c;
        } else {
            buf_byte(b, '\0');
            memmove(b->p + at + 1, b->p + at, b->len - at - 1);
            b->p[at] = c;
        }
    }
}

/* Random values and mutations of them: json_validate against the
 * reference, and no crash either way. */
static void case_validate_random(const void *arg, char *why, char *note)
{
    (void)arg, (void)note;
    regex_t re;
    ref_init(&re);
    unsigned seed = 2463534242u;
    long valid = 0;
    for (int iter = 0; iter < 40000 && !why[0]; iter++) {
        Buf b = { 0 };
        buf_add(&b, "", 0);
        gen_space(&b, &seed);
        gen_value(&b, &seed, 0);
        gen_space(&b, &seed);
        if (iter % 3 == 0) mutate(&b, &seed);
        int got = json_validate(b.p, b.len, NULL, 0), want = ref_validate(&re, b.p, b.len);
        valid += got == 0;
        if (got != want) {
            char shown[200];
            why_set(why, "input %d \"%s\": json_validate %s, the reference %s", iter,
                    show(b.p, b.len, shown, sizeof shown), got ? "rejects" : "accepts", want ? "rejects" : "accepts");
        }
        free(b.p);
    }
    if (!why[0] && (valid < 4000 || valid > 36000)) why_set(why, "poor mix: %ld of 40000 valid", valid);
    regfree(&re);
}

/* Files of random lines (objects, mutated objects, other values, blank
 * lines, CRLF, a BOM now and then): the reader against the reference. */
static void case_jsonl_random(const void *arg, char *why, char *note)
{
    (void)arg, (void)note;
    regex_t re;
    ref_init(&re);
    unsigned seed = 88172645u;
    for (int iter = 0; iter < 1500 && !why[0]; iter++) {
        Buf b = { 0 };
        buf_add(&b, "", 0);
        if (rnd(&seed, 10) == 0) buf_puts(&b, "\xEF\xBB\xBF");
        for (unsigned lines = rnd(&seed, 12) + 1; lines > 0; lines--) {
            Buf line = { 0 };
            buf_add(&line, "", 0);
            unsigned kind = rnd(&seed, 10);
            gen_space(&line, &seed);
            if (kind < 7) gen_object(&line, &seed, 0);
            else if (kind < 9) gen_value(&line, &seed, 0);
            gen_space(&line, &seed);
            if (rnd(&seed, 3) == 0) mutate(&line, &seed);
            buf_add(&b, line.p, line.len);
            free(line.p);
            if (lines > 1 || rnd(&seed, 2)) buf_puts(&b, rnd(&seed, 4) ? "\n" : "\r\n");
        }
        differential(&re, b.p, b.len, why);
        if (why[0]) {
            char shown[200];
            why_prefix(why, "file %d \"%s\"", iter, show(b.p, b.len, shown, sizeof shown));
        }
        free(b.p);
    }
    regfree(&re);
}

/* Random bytes from a JSON-flavoured alphabet, as JSON Lines. */
static void case_jsonl_random_bytes(const void *arg, char *why, char *note)
{
    (void)arg, (void)note;
    static const char alphabet[] = "{{}}\"\"\"::,,[]\\u0aA1-.e \n\n\r\0\xC3\xA9\xFF";
    regex_t re;
    ref_init(&re);
    unsigned seed = 5783321u;
    for (int iter = 0; iter < 3000 && !why[0]; iter++) {
        Buf b = { 0 };
        buf_add(&b, "", 0);
        if (iter % 2) buf_puts(&b, "{\"");
        for (unsigned n = rnd(&seed, 80); n > 0; n--) buf_byte(&b, alphabet[rnd(&seed, sizeof alphabet - 1)]);
        differential(&re, b.p, b.len, why);
        if (why[0]) {
            char shown[200];
            why_prefix(why, "input %d \"%s\"", iter, show(b.p, b.len, shown, sizeof shown));
        }
        free(b.p);
    }
    regfree(&re);
}

/* The reference itself must accept what is plainly valid and reject what
 * is plainly not, or the differential cases prove nothing. */
static void case_reference_sanity(const void *arg, char *why, char *note)
{
    (void)arg, (void)note;
    regex_t re;
    ref_init(&re);
    static const char *const good[] = { "{}", "[1,-2.5e3,\"\\u00e9\"]", "{\"a\":[true,false,null]}", "0" };
    static const char *const bad[] = { "{", "[1,]", "01", "\"\\ud800\"", "\"\xFF\"", "[1 2]", "{\"a\"}", "" };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        if (ref_validate(&re, good[i], strlen(good[i])) != 0) why_set(why, "reference rejects %s", good[i]);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (ref_validate(&re, bad[i], strlen(bad[i])) == 0) why_set(why, "reference accepts %s", bad[i]);
    static const char line[] = "{\"a\":\"\\u00e9\",\"b\":[1, 2]}";
    RefLine l = ref_line(&re, line, sizeof line - 1);
    if (l.verdict != REF_RECORD || l.n != 2 || strcmp(l.f[0].val.p, "\xC3\xA9") != 0 ||
        strcmp(l.f[1].val.p, "[1, 2]") != 0 || l.f[1].kind != JSON_ARRAY)
        why_set(why, "reference line parse wrong");
    refline_free(&l);
    l = ref_line(&re, "{\"a\":1,\"a\":2}", 13);
    if (l.verdict != REF_DUPLICATE) why_set(why, "reference misses a duplicate key");
    refline_free(&l);
    regfree(&re);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s TESTS_DIR (the repository's tests/ folder)\n", argv[0]);
        return 2;
    }
    static const struct { const char *name; CaseFn *fn; } cases[] = {
        { "reference_parser_sanity", case_reference_sanity },
        { "validate_numbers", case_numbers },
        { "validate_literals_whitespace", case_literals_whitespace },
        { "validate_depth_limit", case_depth },
        { "validate_error_positions", case_error_positions },
        { "validate_error_buffer", case_error_buffer },
        { "validate_string_escapes_surrogates", case_string_escapes },
        { "validate_control_chars", case_control_chars },
        { "validate_utf8_all_code_points", case_utf8_all_code_points },
        { "validate_utf8_sequences_vs_reference", case_utf8_sequences },
        { "validate_nul_bytes", case_nul_bytes_validate },
        { "validate_random_vs_reference", case_validate_random },
        { "jsonl_kinds", case_jsonl_kinds },
        { "jsonl_bench_line", case_jsonl_bench_line },
        { "jsonl_escapes_surrogates", case_jsonl_escapes },
        { "jsonl_nested_values_and_depth", case_jsonl_nested },
        { "jsonl_duplicate_keys", case_jsonl_duplicates },
        { "jsonl_member_limit", case_jsonl_member_limit },
        { "jsonl_bad_line_in_middle", case_jsonl_bad_line_middle },
        { "jsonl_not_an_object", case_jsonl_not_object },
        { "jsonl_syntax_error_columns", case_jsonl_syntax_errors },
        { "jsonl_invalid_utf8", case_jsonl_invalid_utf8 },
        { "jsonl_blank_lines", case_jsonl_blank_lines },
        { "jsonl_crlf", case_jsonl_crlf },
        { "jsonl_bom", case_jsonl_bom },
        { "jsonl_no_final_newline", case_jsonl_no_final_newline },
        { "jsonl_line_longer_than_buffer", case_jsonl_long_line },
        { "jsonl_block_boundaries", case_jsonl_block_boundaries },
        { "jsonl_line_length_limit", case_jsonl_line_limit },
        { "jsonl_nul_bytes", case_jsonl_nul_bytes },
        { "jsonl_open_errors", case_jsonl_open_errors },
        { "jsonl_stdin_pipe", case_jsonl_stdin },
        { "jsonl_offset_and_size", case_jsonl_offset_size },
        { "jsonl_random_lines_vs_reference", case_jsonl_random },
        { "jsonl_random_bytes_vs_reference", case_jsonl_random_bytes },
    };
    /* tests/run.sh passes the tests/ folder; a folder holding test_parsing/
     * (the suite itself) is accepted too */
    char dir[2100];
    struct stat st;
    snprintf(dir, sizeof dir, "%.2000s/test_parsing", argv[1]);
    if (stat(dir, &st) != 0) snprintf(dir, sizeof dir, "%.2000s/conformance/JSONTestSuite/test_parsing", argv[1]);
    Tally t = { 0, 0 };
    run_suite(&t, dir);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) run_case(&t, cases[i].name, cases[i].fn, NULL);
    fprintf(stderr, "test_json: %d cases, %d failed\n", t.run, t.failed);
    return t.failed ? 1 : 0;
}
