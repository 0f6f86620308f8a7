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
 *      -Wmissing-prototypes -Wwrite-strings -O2 -Iruntime \
 *      tests/unit/test_json.c runtime/json.c runtime/reader_jsonl.c \
 *      runtime/arena.c -o build/test_json
 *   build/test_json tests
 *
 * The argument is the repository's tests/ folder (as tests/run.sh passes
 * it); the suite is read from conformance/JSONTestSuite/test_parsing inside
 * it. A folder that itself holds test_parsing/ is accepted too.
 *
 * For the sanitized build replace -O2 with -O1 -g
 * -fsanitize=address,undefined (tests/run.sh links build/libkam.a instead of
 * the .c files). Temporary files go to /tmp (mkstemp) and are removed; the
 * largest is about 65 MiB, for the line-length limit.
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
