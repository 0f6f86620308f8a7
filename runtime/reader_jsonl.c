/* reader_jsonl.c — the streaming JSON Lines reader declared in
 * reader_jsonl.h. It turns lines into flat lists of fields using json.c's
 * scanners and nothing more: no schema, no type conversion (callers above
 * do that), no tree for nested values.
 *
 * How it stays fast (a million 19-field lines, ~430 MB, in well under a
 * second):
 *   - input is read(2) in 1 MiB blocks into one buffer that grows (doubling,
 *     up to 64 MiB) only when a single line does not fit; the line end is
 *     found with memchr, resuming where the last search stopped, so a long
 *     line is never rescanned;
 *   - the complete line is then parsed in place: keys and strings are
 *     decoded into their own bytes (decoding never lengthens), and every
 *     value is NUL-terminated by overwriting the byte after it, which the
 *     parser has already read (a closing quote, or the ',' / '}' / space
 *     after a number or nested value);
 *   - the field array and the duplicate-key table are reused from line to
 *     line; the table is cleared by bumping a generation number, not by
 *     memset, and hashes keys a word at a time; keys crafted to collide
 *     (a probe budget is exceeded) are checked by sorting instead.
 * A line is only ever parsed once it is wholly in the buffer, so nothing
 * the parser hands out has to be rebased when the buffer moves. */
#define _POSIX_C_SOURCE 200809L

#include "reader_jsonl.h"

#include "../base/arena.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

enum {
    BLOCK = 1 << 20,          /* initial buffer size, so the usual read size */
    MAX_LINE = 64 << 20,      /* longest line accepted, in bytes */
    MAX_FIELDS = 100000,      /* most members in one line's object */
    FIELDS_INIT = 32,
    KEYS_INIT = 64,           /* duplicate-key table slots; a power of 2 */
    PAD = 16                  /* bytes after the data: the '\n' sentinel, and
                                 slack for key_hash's whole-word loads */
};

/* A slot of the duplicate-key table: which field holds a key of this hash,
 * valid only if gen is the current line's generation. */
typedef struct KeySlot { uint32_t gen, field; } KeySlot;

struct JsonlReader {
    int fd;
    int owns_fd;          /* 0 for stdin, which belongs to the caller */
    char *name;           /* for messages: the path, or "<stdin>" for "-" */
    char *buf;            /* cap + PAD bytes; buf[len] is kept as '\n' */
    size_t cap;           /* data capacity of buf */
    size_t len;           /* bytes of data in buf */
    size_t pos;           /* start of the next line */
    size_t scanned;       /* bytes after pos already searched for '\n' */
    long long base;       /* input offset of buf[0], for rd_jsonl_offset */
    long long size;       /* input size if it is a regular file, else 0 */
    long line;            /* line number at pos */
    long long rec_start;  /* input offset of the last line read */
    long rec_line;        /* and its number */
    long long soft_end;   /* rd_jsonl_seek: read little past this offset (0: no limit) */
    int eof;              /* read(2) has returned 0 */
    int started;          /* the byte order mark check has been done */
    int failed;           /* an unrecoverable error was reported; it sticks */
    JsonField *fields;    /* the current record's fields, reused */
    size_t fcap;
    KeySlot *keys;        /* open-addressing table over the current fields */
    size_t kcap;          /* slots; a power of 2, at least twice the fields */
    uint32_t gen;         /* generation of the current line's slots */
    char err[512];
};

/* What true, false and null report as their text. */
static const char TEXT_TRUE[] = "true", TEXT_FALSE[] = "false", TEXT_NULL[] = "";

void rd_jsonl_set_name(JsonlReader *r, const char *name)
{
    free(r->name);
    r->name = xstrdup(name);
}

JsonlReader *rd_jsonl_open(const char *path, char *err, size_t errlen)
{
    int fd = 0, owns = 0;
    if (errlen) err[0] = '\0';
    if (strcmp(path, "-") != 0) {
        do {
            fd = open(path, O_RDONLY | O_CLOEXEC);
        } while (fd < 0 && errno == EINTR);
        if (fd < 0) {
            if (errlen) snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
            return NULL;
        }
        owns = 1;
    }
    long long size = 0;
    struct stat st;
    if (fstat(fd, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            if (errlen) snprintf(err, errlen, "cannot read %s: %s", path, strerror(EISDIR));
            if (owns) close(fd);
            return NULL;
        }
        if (S_ISREG(st.st_mode)) {
            /* stdin may be a redirected file already partly read */
            off_t at = lseek(fd, 0, SEEK_CUR);
            size = (long long)st.st_size - (at > 0 ? (long long)at : 0);
            if (size < 0) size = 0;
            (void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
        }
    }

    JsonlReader *r = xcalloc(1, sizeof *r);
    r->fd = fd;
    r->owns_fd = owns;
    r->name = xstrdup(owns ? path : "<stdin>");
    /* a file smaller than a block gets a buffer its size, in pages (grown,
       as for a long record, if the file grows while it is read): a small
       file's read does not touch a whole block */
    r->cap = size > 0 && size < BLOCK ? ((size_t)size + 4096) & ~(size_t)4095 : BLOCK;
    r->buf = xcalloc(r->cap + PAD, 1);
    r->buf[0] = '\n';
    r->size = size;
    r->line = 1;
    r->fcap = FIELDS_INIT;
    r->fields = xmalloc(r->fcap * sizeof *r->fields);
    r->kcap = KEYS_INIT;
    r->keys = xcalloc(r->kcap, sizeof *r->keys);
    return r;
}

void rd_jsonl_close(JsonlReader *r)
{
    if (!r) return;
    if (r->owns_fd) close(r->fd);
    free(r->name);
    free(r->buf);
    free(r->fields);
    free(r->keys);
    free(r);
}

const char *rd_jsonl_error(const JsonlReader *r)
{
    return r->err;
}

long long rd_jsonl_offset(const JsonlReader *r)
{
    return r->base + (long long)r->pos;
}

long long rd_jsonl_size(const JsonlReader *r)
{
    return r->size;
}

long long rd_jsonl_record_start(const JsonlReader *r, long *line)
{
    *line = r->rec_line;
    return r->rec_start;
}

long rd_jsonl_line(const JsonlReader *r)
{
    return r->line;
}

int rd_jsonl_seek(JsonlReader *r, long long offset, long line, long long end)
{
    if (!r->owns_fd || offset < 0 || lseek(r->fd, (off_t)offset, SEEK_SET) != (off_t)offset)
        return -1;
    r->base = offset;
    r->pos = r->len = r->scanned = 0;
    r->buf[0] = '\n';
    r->line = line;
    r->eof = 0;
    r->started = offset > 0;    /* a byte order mark only at the very start */
    r->failed = 0;
    r->err[0] = '\0';
    r->rec_start = offset;
    r->rec_line = line;
    r->soft_end = end > offset ? end : 0;
    return 0;
}

/* Records "name:line: message"; returns 2 (a malformed line). */
static int complain(JsonlReader *r, long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int complain(JsonlReader *r, long line, const char *fmt, ...)
{
    int n = snprintf(r->err, sizeof r->err, "%s:%ld: ", r->name, line);
    if (n < 0 || (size_t)n >= sizeof r->err) n = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err + n, sizeof r->err - (size_t)n, fmt, ap);
    va_end(ap);
    return 2;
}

/* As complain, but the error is unrecoverable and sticks; returns -1. */
#define FAIL(r, line, ...) (complain((r), (line), __VA_ARGS__), (r)->failed = 1, -1)

/* Drops the consumed bytes before pos, growing the buffer if the line that
 * starts at pos fills it, then reads once more. Returns 1 after reading
 * something, 0 at end of input, -1 on a read error (reported), -2 if the
 * line already holds MAX_LINE bytes (the caller reports it). */
static int refill(JsonlReader *r)
{
    size_t keep = r->pos, kept = r->len - keep;
    if (kept == r->cap) {                 /* implies keep == 0 */
        if (r->cap >= MAX_LINE) return -2;
        size_t cap = r->cap * 2 > MAX_LINE ? MAX_LINE : r->cap * 2;
        char *nbuf = xmalloc(cap + PAD);
        memcpy(nbuf, r->buf, kept);
        memset(nbuf + cap, 0, PAD);
        free(r->buf);
        r->buf = nbuf;
        r->cap = cap;
    } else if (keep > 0) {
        memmove(r->buf, r->buf + keep, kept);
    }
    r->base += (long long)keep;
    r->pos = 0;
    r->len = kept;
    size_t want = r->cap - r->len;
    if (r->soft_end) {      /* a chunk: little is needed past its end */
        long long left = r->soft_end - (r->base + (long long)r->len);
        size_t some = left < 65536 ? 65536 : (size_t)left;
        if (some < want) want = some;
    }
    for (;;) {
        ssize_t n = read(r->fd, r->buf + r->len, want);
        if (n > 0) {
            r->len += (size_t)n;
            r->buf[r->len] = '\n';
            return 1;
        }
        if (n == 0) {
            r->eof = 1;
            r->buf[r->len] = '\n';
            return 0;
        }
        if (errno != EINTR) {
            int e = errno;
            return FAIL(r, r->line, "read error: %s", strerror(e));
        }
    }
}

/* A hash of the key k[0..n), a word at a time (keys are short). It loads
 * whole 8-byte words, masking off what is not key: the first word may run
 * up to 8 bytes past the key, which stays inside the buffer (a key is
 * followed by at least `":0}` in its line, and PAD bytes follow the data).
 * Byte loops or variable-length copies into a word are what this avoids:
 * reloading such a word stalls on store forwarding. */
static uint64_t key_hash(const char *k, size_t n)
{
    const uint64_t m = 0x9E3779B97F4A7C15u;
    uint64_t w, h = (uint64_t)n * m;
    memcpy(&w, k, 8);
    if (n < 8) {
        /* keep the bytes k[0..n): the low-order ones on a little-endian
         * machine, the high-order ones on a big-endian one */
        const uint32_t one = 1;
        unsigned char little;
        memcpy(&little, &one, 1);
        w &= little ? ~(~(uint64_t)0 << (8 * n)) : ~(~(uint64_t)0 >> (8 * n));
        h = (h ^ w) * m;
        return h ^ (h >> 32);
    }
    h = (h ^ w) * m;
    for (size_t i = 8; i + 8 < n; i += 8) {
        memcpy(&w, k + i, 8);
        h ^= h >> 29;
        h = (h ^ w) * m;
    }
    memcpy(&w, k + n - 8, 8);   /* the last 8 bytes, overlapping if need be */
    h ^= h >> 29;
    h = (h ^ w) * m;
    return h ^ (h >> 32);
}

/* Puts field i in the key table; returns the index of an earlier field
 * with the same key, or -1 if the key is new. Adds the slots looked at to
 * *probes, so a line whose keys were crafted to collide can be noticed. */
static long key_insert(JsonlReader *r, size_t i, size_t *probes)
{
    const JsonField *f = &r->fields[i];
    size_t mask = r->kcap - 1;
    for (size_t s = (size_t)key_hash(f->key, f->keylen) & mask;; s = (s + 1) & mask) {
        KeySlot *slot = &r->keys[s];
        ++*probes;
        if (slot->gen != r->gen) {
            slot->gen = r->gen;
            slot->field = (uint32_t)i;
            return -1;
        }
        const JsonField *g = &r->fields[slot->field];
        if (g->keylen == f->keylen && memcmp(g->key, f->key, f->keylen) == 0) return (long)slot->field;
    }
}

/* Key order for the sorting check: by length, bytes, then position. */
static int key_cmp(const JsonField *fields, uint32_t a, uint32_t b)
{
    const JsonField *x = &fields[a], *y = &fields[b];
    if (x->keylen != y->keylen) return x->keylen < y->keylen ? -1 : 1;
    int c = memcmp(x->key, y->key, x->keylen);
    if (c) return c;
    return a < b ? -1 : a > b;
}

/* The duplicate check without the hash table, for a line whose keys make
 * the table probe too long: a merge sort of the field numbers, O(n log n)
 * whatever the keys. Finds the same pair the table would: the first field
 * whose key occurs earlier (*at), and that earlier field (returned), or -1. */
static long keys_sorted_dup(JsonlReader *r, size_t nf, size_t *at)
{
    uint32_t *a = xmalloc(sizeof *a * nf), *b = xmalloc(sizeof *b * nf);
    for (size_t i = 0; i < nf; i++) a[i] = (uint32_t)i;
    for (size_t width = 1; width < nf; width *= 2) {
        for (size_t lo = 0; lo < nf; lo += 2 * width) {
            size_t mid = lo + width < nf ? lo + width : nf;
            size_t hi = lo + 2 * width < nf ? lo + 2 * width : nf;
            size_t i = lo, j = mid, o = lo;
            while (i < mid && j < hi)
                b[o++] = key_cmp(r->fields, a[i], a[j]) <= 0 ? a[i++] : a[j++];
            while (i < mid) b[o++] = a[i++];
            while (j < hi) b[o++] = a[j++];
        }
        uint32_t *t = a;
        a = b;
        b = t;
    }
    long dup = -1;
    for (size_t k = 0; k < nf;) {
        size_t e = k + 1;   /* the run of equal keys a[k..e), by position */
        while (e < nf && r->fields[a[e]].keylen == r->fields[a[k]].keylen &&
               memcmp(r->fields[a[e]].key, r->fields[a[k]].key, r->fields[a[k]].keylen) == 0)
            e++;
        if (e - k >= 2 && (dup < 0 || a[k + 1] < *at)) {
            dup = a[k];
            *at = a[k + 1];
        }
        k = e;
    }
    free(a);
    free(b);
    return dup;
}

/* Starts a fresh (empty) key table for a new line. */
static void keys_reset(JsonlReader *r)
{
    if (++r->gen == 0) {   /* wrapped: old stamps could look current */
        memset(r->keys, 0, r->kcap * sizeof *r->keys);
        r->gen = 1;
    }
}

/* json_skip_space, but without a call when no whitespace is there (the
 * usual case between tokens in machine-written JSON Lines). */
static inline const char *skip_space(const char *p, const char *end)
{
    return p < end && (unsigned char)*p > ' ' ? p : json_skip_space(p, end);
}

/* Writes key k for a message: printable ASCII as is, other bytes as \xNN,
 * cut short if long. */
static const char *show_key(const char *k, size_t n, char *out, size_t outlen)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 8 < outlen; i++) {
        unsigned char c = (unsigned char)k[i];
        if (i == 60) {
            o += (size_t)snprintf(out + o, outlen - o, "...");
            break;
        }
        if (c < 0x20 || c == 0x7f || c == '"' || c == '\\')
            o += (size_t)snprintf(out + o, outlen - o, "\\x%02X", c);
        else
            out[o++] = (char)c;
    }
    out[o] = '\0';
    return out;
}

/* Reports a scanner error on the line that starts at s; returns 2. */
static int scan_error(JsonlReader *r, long line, const char *s, const JsonError *e)
{
    long col = (long)(e->at - s) + 1;
    switch (e->kind) {
    case JSON_ERR_UTF8:
        return complain(r, line, "invalid UTF-8 at column %ld: %s", col, e->msg);
    case JSON_ERR_DEPTH:
        return complain(r, line, "nested too deep at column %ld: %s", col, e->msg);
    default:
        return complain(r, line, "syntax error at column %ld: %s", col, e->msg);
    }
}

/* The line s..end does not start with '{': reports why, as a syntax error
 * if it is not JSON at all, else as "not an object". Returns 2. */
static int not_object(JsonlReader *r, long line, const char *s, const char *p, const char *end)
{
    JsonError e;
    const char *q = json_scan_value(p, end, JSON_MAX_DEPTH, &e);
    if (!q) return scan_error(r, line, s, &e);
    static const char *const what[] = { "null", "false", "true", "a number", "a string", "an array" };
    JsonKind k = *p == '[' ? JSON_ARRAY : *p == '"' ? JSON_STRING : *p == 't' ? JSON_TRUE
               : *p == 'f' ? JSON_FALSE : *p == 'n' ? JSON_NULL : JSON_NUMBER;
    return complain(r, line, "not an object: the line holds %s, and each line must be one JSON object",
                    what[k]);
}

/* Parses the line s..end (its line end excluded) into r->fields. Returns 1
 * with *nfields set for a record, 0 for a blank line, 2 for a malformed one
 * (reported). */
static int parse_line(JsonlReader *r, char *s, char *end, long line, size_t *nfields)
{
    JsonError e;
    const char *p = skip_space(s, end), *q;
    if (p == end) return 0;
    if (*p != '{') return not_object(r, line, s, p, end);
    p = skip_space(p + 1, end);
    size_t nf = 0;
    if (p < end && *p == '}') {
        p++;
    } else {
        for (;;) {
            if (p == end || *p != '"') {
                e.at = p;
                e.kind = JSON_ERR_SYNTAX;
                unsigned char c = p < end ? (unsigned char)*p : 0;
                if (p == end)
                    snprintf(e.msg, sizeof e.msg, "expected a string key, found the end of the line");
                else if (c == '}')
                    snprintf(e.msg, sizeof e.msg, "expected a key after ',' (trailing comma before '}')");
                else if (c > 0x20 && c < 0x7f)
                    snprintf(e.msg, sizeof e.msg, "expected a string key, found '%c'", c);
                else
                    snprintf(e.msg, sizeof e.msg, "expected a string key, found byte 0x%02X", c);
                return scan_error(r, line, s, &e);
            }
            if (nf == r->fcap) {
                /* a cap, so that a 64 MiB line of "":0 members cannot make
                 * the reader ask for a gigabyte of field slots */
                if (nf == MAX_FIELDS)
                    return complain(r, line, "object has more than %d members", MAX_FIELDS);
                r->fcap = r->fcap * 2 > MAX_FIELDS ? MAX_FIELDS : r->fcap * 2;
                r->fields = xrealloc(r->fields, r->fcap * sizeof *r->fields);
            }
            JsonField *f = &r->fields[nf];
            /* the key is decoded in place, just after its opening quote */
            char *key = (char *)p + 1;
            q = json_scan_string(p, end, key, &f->keylen, &e);
            if (!q) return scan_error(r, line, s, &e);
            f->key = key;
            p = skip_space(q, end);
            if (p == end || *p != ':') {
                e.at = p;
                e.kind = JSON_ERR_SYNTAX;
                snprintf(e.msg, sizeof e.msg, "expected ':' after the key");
                return scan_error(r, line, s, &e);
            }
            p = skip_space(p + 1, end);
            int terminate = 1;   /* the value needs a NUL written at q */
            if (p < end && *p == '"') {
                char *val = (char *)p + 1;
                q = json_scan_string(p, end, val, &f->len, &e);
                f->kind = JSON_STRING;
                f->ptr = val;
                terminate = 0;   /* json_scan_string did it */
            } else if (p < end && ((*p >= '0' && *p <= '9') || *p == '-')) {
                q = json_scan_number(p, end, &e);
                f->kind = JSON_NUMBER;
            } else if (p < end && (*p == '[' || *p == '{')) {
                /* the line's object is one level already */
                q = json_scan_value(p, end, JSON_MAX_DEPTH - 1, &e);
                f->kind = *p == '[' ? JSON_ARRAY : JSON_OBJECT;
            } else {
                q = json_scan_value(p, end, 0, &e);   /* true, false, null, or an error */
                terminate = 0;
                if (q) {
                    f->kind = *p == 't' ? JSON_TRUE : *p == 'f' ? JSON_FALSE : JSON_NULL;
                    f->ptr = *p == 't' ? TEXT_TRUE : *p == 'f' ? TEXT_FALSE : TEXT_NULL;
                    f->len = f->kind == JSON_TRUE ? 4 : f->kind == JSON_FALSE ? 5 : 0;
                }
            }
            if (!q) return scan_error(r, line, s, &e);
            if (terminate) {
                f->ptr = p;
                f->len = (size_t)(q - p);
            }
            const char *value_end = q;
            p = skip_space(q, end);
            if (p == end) {
                e.at = p;
                e.kind = JSON_ERR_SYNTAX;
                snprintf(e.msg, sizeof e.msg, "expected ',' or '}' after an object member, found the end of the line");
                return scan_error(r, line, s, &e);
            }
            char c = *p;   /* read before the NUL may overwrite it */
            if (terminate) *(char *)value_end = '\0';
            nf++;
            if (c == ',') {
                p = skip_space(p + 1, end);
                continue;
            }
            if (c == '}') {
                p++;
                break;
            }
            e.at = p;
            e.kind = JSON_ERR_SYNTAX;
            snprintf(e.msg, sizeof e.msg, "expected ',' or '}' after an object member");
            return scan_error(r, line, s, &e);
        }
    }
    p = skip_space(p, end);
    if (p != end) {
        e.at = p;
        e.kind = JSON_ERR_SYNTAX;
        unsigned char c = (unsigned char)*p;
        if (c > 0x20 && c < 0x7f)
            snprintf(e.msg, sizeof e.msg, "unexpected '%c' after the object (one object per line)", c);
        else
            snprintf(e.msg, sizeof e.msg, "unexpected byte 0x%02X after the object (one object per line)", c);
        return scan_error(r, line, s, &e);
    }
    /* Keys are checked for duplicates only now, when the NULs written
     * just after them are long stored: key_hash's word loads would stall
     * on such a fresh byte store if it ran as each key was read. */
    if (nf * 2 > r->kcap) {   /* keep the table at most half full */
        while (nf * 2 > r->kcap) r->kcap *= 2;
        free(r->keys);
        r->keys = xcalloc(r->kcap, sizeof *r->keys);
        r->gen = 0;
    }
    keys_reset(r);
    /* A half-full table takes about 1.5 probes a key; crafted keys that all
     * land in one run of slots would take O(n^2). Past the budget the check
     * is redone by sorting, which no choice of keys can slow down. */
    size_t probes = 0, budget = 8 * nf + 256, at = 0;
    long dup = -1;
    for (size_t i = 0; i < nf && dup < 0 && probes <= budget; i++) {
        dup = key_insert(r, i, &probes);
        at = i;
    }
    if (dup < 0 && probes > budget) dup = keys_sorted_dup(r, nf, &at);
    if (dup >= 0) {
        char shown[200];
        return complain(r, line, "duplicate key \"%s\" (members %ld and %zu of the object)",
                        show_key(r->fields[at].key, r->fields[at].keylen, shown, sizeof shown),
                        dup + 1, at + 1);
    }
    *nfields = nf;
    return 1;
}

/* At the very start: waits until it is known whether a byte order mark is
 * there (without holding back a short first line on a pipe) and skips it.
 * Returns 0, or -1 on a read error. */
static int skip_bom(JsonlReader *r)
{
    r->started = 1;
    while (r->len < 3 && !r->eof && memcmp(r->buf, "\xEF\xBB\xBF", r->len) == 0)
        if (refill(r) < 0) return -1;
    if (r->len >= 3 && memcmp(r->buf, "\xEF\xBB\xBF", 3) == 0) r->pos = 3;
    return 0;
}

int rd_jsonl_next(JsonlReader *r, JsonField **fields, size_t *nfields, long *line)
{
    if (r->failed) return -1;
    if (!r->started && skip_bom(r) < 0) return -1;
    for (;;) {
        char *start = r->buf + r->pos;
        char *nl = memchr(start + r->scanned, '\n', r->len - r->pos - r->scanned);
        if (!nl) {
            if (r->eof) {
                if (r->pos == r->len) return 0;
                nl = r->buf + r->len;   /* the last line has no line end */
            } else {
                r->scanned = r->len - r->pos;
                int rc = refill(r);
                if (rc == -1) return -1;
                r->rec_start = r->base + (long long)r->pos;
                r->rec_line = r->line;
                if (rc == -2)
                    return FAIL(r, r->line, "line longer than %d MiB (is this really JSON Lines?)",
                                MAX_LINE >> 20);
                continue;
            }
        }
        r->scanned = 0;
        r->rec_start = r->base + (long long)(start - r->buf);
        r->rec_line = r->line;
        long ln = r->line++;
        r->pos = (size_t)(nl - r->buf) + (nl < r->buf + r->len);
        size_t nf = 0;
        int rc = parse_line(r, start, nl, ln, &nf);
        if (rc == 0) continue;
        *line = ln;
        *fields = r->fields;
        *nfields = rc == 1 ? nf : 0;
        return rc;
    }
}
