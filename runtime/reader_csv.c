/* reader_csv.c — the streaming RFC 4180 CSV reader declared in
 * reader_csv.h. It turns bytes into records of fields and nothing more: no
 * header handling, no type conversion, no schema (those belong to the
 * callers in runtime/ and cli/).
 *
 * How it stays fast (a million 20-column rows in a fraction of a second):
 *   - input is read(2) in 1 MiB blocks into one buffer that grows (doubling,
 *     up to 64 MiB) only when a single record does not fit;
 *   - the common record (plain_record: whole in the buffer, on one line,
 *     its quoted fields if any on that line too) is split in one sweep:
 *     the delimiter, CR, LF and '"' are found 64 bytes at a time (SSE2)
 *     into a bit mask, and each field ends at the mask's next bit; fields
 *     are converted once their end is known (convert_span), an enum or
 *     bool by one probe of a hash of its column's words; anything else
 *     (a lone CR, a quoted line break, a record cut by the buffer's end,
 *     a malformed one) goes to the general path, which starts over;
 *   - the general path finds unquoted fields by a table-driven byte loop
 *     that stops only at the delimiter (',' unless set; one table per
 *     delimiter), CR and LF; a '\n' sentinel kept just past the data lets
 *     both paths run without an end-of-buffer test;
 *   - quoted fields are searched with memchr for '"'; doubled quotes are
 *     collapsed in place once the field is complete;
 *   - every field is a pointer into the buffer (zero copy), NUL-terminated
 *     in place by overwriting the delimiter that followed it;
 *   - with a field limit (rd_csv_set_field_limit), the rest of a record
 *     after the last wanted field is skipped 16 bytes at a time to its '\n'
 *     when that span holds no '"' and no lone CR; otherwise the usual
 *     field-by-field scan runs on, storing nothing, so quotes, lines and
 *     errors come out exactly as without the limit.
 *
 * A record may straddle the end of the buffer. The fields already finished
 * stay put (they are rebased when the buffer moves); the unfinished field
 * remembers how far it was scanned and carries on after the refill, so
 * a long field is never rescanned from its start and every read is used
 * as soon as it arrives (a pipe yields records without filling 1 MiB). */
#define _POSIX_C_SOURCE 200809L

#include "reader_csv.h"

#include "../base/arena.h"
#include "../base/date.h"
#include "../base/mapfile.h"

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
#ifdef __SSE2__
#include <emmintrin.h>
#endif
/* AVX2 versions of the block scans, chosen at run time when the CPU has it
 * (x86 with GCC or Clang, which can build a function for a target the rest
 * of the file is not built for). */
#if defined(__SSE2__) && (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
#define KAM_CSV_AVX2 1
#include <immintrin.h>
#else
#define KAM_CSV_AVX2 0
#endif

enum {
    BLOCK = 1 << 20,          /* initial buffer size, so the usual read size */
    MAX_RECORD = 64 << 20,    /* longest record accepted, in bytes */
    MAX_FIELDS = 10000,       /* most fields in one record */
    FIELDS_INIT = 64,
    STEP_COUNT = 1 << 20,     /* rd_csv_line_ends: bytes counted between mapfile_window calls */
    PAD = 64                  /* bytes after the sentinel, zeroed: a 64-byte
                                 load from any byte up to it stays inside */
};

/* A word of a CSV_CONV_WORDS column: its length and its first 8 bytes
 * (zero-padded), compared at once with the field's. */
typedef struct WordKey {
    uint64_t head;
    size_t len;
    uint64_t tail;        /* bytes 8 to 15, zero-padded (WordHash) */
} WordKey;

/* A CSV_CONV_WORDS column's words by a hash of their length and first 16
 * bytes, without collisions: the plain-record path looks a field up in one
 * probe rather than trying the words in turn (a branch on the data each).
 * ok is 0 when the column has a word over 16 bytes or no multiplier was
 * found; the words are then tried in turn. */
enum { WORD_SLOTS = 32 };
typedef struct WordHash {
    uint64_t mul;
    int ok;                 /* 2: two words of at most 8 bytes (a bool's
                               false, true), compared with both instead */
    unsigned char slot[WORD_SLOTS];   /* a word's index + 1, 0 if none */
    uint64_t mask[2];       /* ok == 2: the low bytes each word fills */
} WordHash;

struct CsvReader {
    int fd;
    int owns_fd;          /* 0 for stdin, which belongs to the caller */
    char *name;           /* for messages: the path, or "<stdin>" for "-" */
    char *buf;            /* cap + 1 bytes; buf[len] holds a '\n' sentinel */
    size_t cap;           /* data capacity of buf */
    size_t len;           /* bytes of data in buf */
    size_t pos;           /* start of the record being read (or next one) */
    long long base;       /* input offset of buf[0], for rd_csv_offset */
    long long size;       /* input size if it is a regular file, else 0 */
    long line;            /* physical line number at pos */
    long long rec_start;  /* input offset where the last record read starts */
    long rec_line;        /* and its physical line */
    long long soft_end;   /* rd_csv_seek: read little past this offset (0: no limit) */
    int eof;              /* read(2) has returned 0 */
    MappedFile map;       /* map.data: buf is the file mapped, not read */
    struct stat st;       /* a regular file's, at open (changes are checked at its end) */
    char *uq;             /* the current record's unescaped quoted fields ("" collapsed): */
    size_t uqlen, uqcap;  /* the buffer is never written */
    int started;          /* the byte order mark check has been done */
    int failed;           /* an error was reported; it sticks */
    size_t keep;          /* fields stored per record; SIZE_MAX = all */
    RdField *fields;      /* the current record's fields, reused */
    size_t fcap;
    char delim;           /* ',' unless set (rd_csv_set_delimiter) */
    bool avx2;            /* plain records through the AVX2 scans (rd_csv_set_avx2) */
    const unsigned char *ends;  /* the ends_* table for delim */
    const unsigned char *stops; /* the stops_* table for delim */
    unsigned char *conv;  /* by column: CSV_CONV_*, converted while scanning
                             (MAX_FIELDS + 1 at least; 0 past nconv) */
    size_t nconv;         /* columns in conv (0: no conversions) */
    unsigned *cgen;       /* by column: the record count when it was converted */
    CsvValue *cval;       /* by column: the converted value, unless cdst says */
    CsvValue **cdst;      /* by column: where the converted value goes */
    CsvWords *cwords;     /* by column: the words of a CSV_CONV_WORDS column */
    WordKey **cwlen;      /* and their lengths and first bytes */
    WordHash *cwhash;     /* and their hashes */
    CsvConverted out;     /* what rd_csv_set_conversions hands out */
    char err[512];
};

/* Bytes that end an unquoted field, one table per delimiter. '\n' is also
 * the sentinel. */
static const unsigned char ends_comma[256] = {
    ['\n'] = 1, ['\r'] = 1, [','] = 1,
};
static const unsigned char ends_semicolon[256] = {
    ['\n'] = 1, ['\r'] = 1, [';'] = 1,
};
static const unsigned char ends_tab[256] = {
    ['\n'] = 1, ['\r'] = 1, ['\t'] = 1,
};
/* The same with '"' added, for the fast path (plain_record), which leaves
 * any record holding a quote to the general one. */
static const unsigned char stops_comma[256] = {
    ['\n'] = 1, ['\r'] = 1, [','] = 1, ['"'] = 1,
};
static const unsigned char stops_semicolon[256] = {
    ['\n'] = 1, ['\r'] = 1, [';'] = 1, ['"'] = 1,
};
static const unsigned char stops_tab[256] = {
    ['\n'] = 1, ['\r'] = 1, ['\t'] = 1, ['"'] = 1,
};

/* The '\n' sentinel at buf[len], and the padding after it zeroed. */
static void seal(CsvReader *r)
{
    r->buf[r->len] = '\n';
    memset(r->buf + r->len + 1, 0, PAD);
}

void rd_csv_set_name(CsvReader *r, const char *name)
{
    free(r->name);
    r->name = xstrdup(name);
}

CsvReader *rd_csv_open(const char *path, char *err, size_t errlen)
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
    memset(&st, 0, sizeof st);
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

    CsvReader *r = xcalloc(1, sizeof *r);
    r->fd = fd;
    r->owns_fd = owns;
    r->name = xstrdup(owns ? path : "<stdin>");
    /* a file smaller than a block gets a buffer its size, in pages (grown,
       as for a long record, if the file grows while it is read): a small
       file's read does not touch a whole block */
    if (S_ISREG(st.st_mode)) r->st = st;
    /* a regular file is mapped rather than read (without read(2)'s copy;
       base/mapfile.h), unless the mapping is refused */
    if (owns && size > 0 && (unsigned long long)size < SIZE_MAX / 2
        && mapfile_map(&r->map, fd, (size_t)size, 1 + PAD, '\n', path)) {
        r->buf = r->map.data;     /* sealed by the mapping: '\n', then zeros */
        r->cap = r->len = (size_t)size;
        r->eof = 1;
    } else {
        r->cap = size > 0 && size < BLOCK ? ((size_t)size + 4096) & ~(size_t)4095 : BLOCK;
        r->buf = r->cap == BLOCK ? xmalloc_huge(r->cap + 1 + PAD) : xmalloc(r->cap + 1 + PAD);
        seal(r);
    }
    r->size = size;
    r->line = 1;
    r->keep = SIZE_MAX;
    r->delim = ',';
    rd_csv_set_avx2(r, true);
    r->ends = ends_comma;
    r->stops = stops_comma;
    r->fcap = FIELDS_INIT;
    r->fields = xmalloc(r->fcap * sizeof *r->fields);
    return r;
}

void rd_csv_close(CsvReader *r)
{
    if (!r) return;
    if (r->owns_fd) close(r->fd);
    free(r->name);
    if (r->map.data) mapfile_unmap(&r->map);
    else free(r->buf);
    free(r->uq);
    free(r->fields);
    free(r->conv);
    free(r->cgen);
    free(r->cval);
    free(r->cdst);
    for (size_t c = 0; c < r->nconv; c++) free(r->cwlen[c]);
    free(r->cwlen);
    free(r->cwhash);
    free(r->cwords);
    free(r);
}

/* A mask of the low k bytes of a word. */
static inline uint64_t low_bytes(size_t k)
{
    return k >= 8 ? ~(uint64_t)0 : ((uint64_t)1 << (8 * k)) - 1;
}

/* The slot of a word or field: its length and first 16 bytes (the bytes
 * past its end zero) hashed by the column's multiplier. */
static inline unsigned word_slot(uint64_t mul, uint64_t head, uint64_t tail, size_t n)
{
    return (unsigned)(((head + tail * 0x9e3779b97f4a7c15ull + n) * mul) >> 59);
}

/* Finds a multiplier that gives each distinct word of keys[0..n) a slot of
 * its own; the first of equal words keeps the slot. */
static void word_hash(WordHash *h, const WordKey *keys, int n)
{
    h->ok = 0;
    if (n == 2 && keys[0].len <= 8 && keys[1].len <= 8 &&
        (keys[0].len != keys[1].len || keys[0].head != keys[1].head)) {
        for (int m = 0; m < 2; m++) h->mask[m] = low_bytes(keys[m].len);
        h->ok = 2;
        return;
    }
    for (int m = 0; m < n; m++)
        if (keys[m].len > 16) return;
    uint64_t seed = 0x243f6a8885a308d3ull;
    for (int attempt = 0; attempt < 1000; attempt++) {
        uint64_t z = (seed += 0x9e3779b97f4a7c15ull);     /* splitmix64 */
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        h->mul = (z ^ (z >> 31)) | 1;
        memset(h->slot, 0, sizeof h->slot);
        int m;
        for (m = 0; m < n; m++) {
            unsigned s = word_slot(h->mul, keys[m].head, keys[m].tail, keys[m].len);
            if (!h->slot[s]) {
                h->slot[s] = (unsigned char)(m + 1);
                continue;
            }
            const WordKey *o = &keys[h->slot[s] - 1];
            if (o->len != keys[m].len || o->head != keys[m].head || o->tail != keys[m].tail) break;
        }
        if (m == n) {
            h->ok = 1;
            return;
        }
    }
}

const CsvConverted *rd_csv_set_conversions(CsvReader *r, const unsigned char *conv, size_t n,
                                           void *const *dst, const CsvWords *words)
{
    free(r->conv);
    free(r->cgen);
    free(r->cval);
    free(r->cdst);
    for (size_t c = 0; c < r->nconv; c++) free(r->cwlen[c]);
    free(r->cwlen);
    free(r->cwhash);
    free(r->cwords);
    r->cwords = xcalloc(n + 1, sizeof *r->cwords);
    r->cwlen = xcalloc(n + 1, sizeof *r->cwlen);
    r->cwhash = xcalloc(n + 1, sizeof *r->cwhash);
    for (size_t c = 0; c < n; c++) {
        if (conv[c] != CSV_CONV_WORDS) continue;
        CsvWords w = words ? words[c] : (CsvWords){NULL, 0};
        r->cwords[c] = w;
        r->cwlen[c] = xcalloc((size_t)w.n + 1, sizeof(WordKey));
        for (int m = 0; m < w.n; m++) {
            size_t len = strlen(w.w[m]);
            r->cwlen[c][m].len = len;
            memcpy(&r->cwlen[c][m].head, w.w[m], len < 8 ? len : 8);
            if (len > 8) memcpy(&r->cwlen[c][m].tail, w.w[m] + 8, len < 16 ? len - 8 : 8);
        }
        word_hash(&r->cwhash[c], r->cwlen[c], w.n);
    }
    r->nconv = n;
    /* zeros (CSV_CONV_NONE) past the columns, for every field a record can
       have: plain_record reads conv[nf] without a bound */
    r->conv = xcalloc(n > MAX_FIELDS ? n + 1 : MAX_FIELDS + 1, 1);
    if (n) memcpy(r->conv, conv, n);
    r->cgen = xcalloc(n + 1, sizeof *r->cgen);
    r->cval = xcalloc(n + 1, sizeof *r->cval);
    r->cdst = xcalloc(n + 1, sizeof *r->cdst);
    for (size_t c = 0; c < n; c++) r->cdst[c] = dst && dst[c] ? (CsvValue *)dst[c] : &r->cval[c];
    r->out.cur = 1;       /* no column has been converted in record 1 */
    r->out.count = 0;
    r->out.gen = r->cgen;
    r->out.at = r->cdst;
    return &r->out;
}

bool rd_csv_mapped(const CsvReader *r)
{
    return r->map.data != NULL;
}

const char *rd_csv_error(const CsvReader *r)
{
    return r->err;
}

long long rd_csv_offset(const CsvReader *r)
{
    return r->base + (long long)r->pos;
}

long long rd_csv_size(const CsvReader *r)
{
    return r->size;
}

long long rd_csv_record_start(const CsvReader *r, long *line)
{
    *line = r->rec_line;
    return r->rec_start;
}

long rd_csv_line(const CsvReader *r)
{
    return r->line;
}

int rd_csv_seek(CsvReader *r, long long offset, long line, long long end)
{
    if (!r->owns_fd || offset < 0) return -1;
    if (r->map.data) {
        if (offset > (long long)r->len) return -1;
        r->pos = (size_t)offset;
        /* the chunk's pages, and a little past its end for its last record */
        mapfile_seek(&r->map, r->pos, end > offset && end < (long long)r->len - (64 << 10)
                                          ? (size_t)end + (64 << 10) : r->len);
    } else {
        if (lseek(r->fd, (off_t)offset, SEEK_SET) != (off_t)offset) return -1;
        r->base = offset;
        r->pos = r->len = 0;
        seal(r);
    }
    r->line = line;
    r->eof = r->map.data != NULL;
    r->started = 1;       /* a byte order mark is only looked for at offset 0 */
    r->failed = 0;
    r->err[0] = '\0';
    r->rec_start = offset;
    r->rec_line = line;
    r->soft_end = end > offset ? end : 0;
    return 0;
}

void rd_csv_set_field_limit(CsvReader *r, size_t n)
{
    r->keep = n ? n : SIZE_MAX;
}

bool rd_csv_set_delimiter(CsvReader *r, char delim)
{
    const unsigned char *t = delim == ',' ? ends_comma : delim == ';' ? ends_semicolon
                           : delim == '\t' ? ends_tab : NULL;
    if (!t) return false;
    r->delim = delim;
    r->ends = t;
    r->stops = delim == ',' ? stops_comma : delim == ';' ? stops_semicolon : stops_tab;
    return true;
}

char rd_csv_delimiter(const CsvReader *r)
{
    return r->delim;
}

/* Records "name:line: message" and makes the error sticky; returns -1. */
static int fail(CsvReader *r, long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(CsvReader *r, long line, const char *fmt, ...)
{
    int n = snprintf(r->err, sizeof r->err, "%s:%ld: ", r->name, line);
    if (n < 0 || (size_t)n >= sizeof r->err) n = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err + n, sizeof r->err - (size_t)n, fmt, ap);
    va_end(ap);
    r->failed = 1;
    return -1;
}

/* Drops the consumed bytes before pos, growing the buffer if the record
 * that starts at pos fills it, then reads once more. The first nkept
 * fields point into that record and are moved with it. Returns 1 after
 * reading something, 0 at end of input, -1 on a read error (reported),
 * -2 if the record already holds MAX_RECORD bytes (the caller reports it,
 * knowing what it was scanning). */
static bool in_buf(const CsvReader *r, const char *p)
{
    return (uintptr_t)p - (uintptr_t)r->buf <= r->len;
}

static int refill(CsvReader *r, size_t nkept)
{
    if (r->map.data) {      /* the whole file is there */
        r->eof = 1;
        return 0;
    }
    size_t keep = r->pos, kept = r->len - keep;
    if (kept == r->cap) {                 /* implies keep == 0 */
        if (r->cap >= MAX_RECORD) return -2;
        size_t cap = r->cap * 2 > MAX_RECORD ? MAX_RECORD : r->cap * 2;
        char *nbuf = xmalloc(cap + 1 + PAD);
        memcpy(nbuf, r->buf, kept);
        for (size_t i = 0; i < nkept; i++)      /* not those unescaped into r->uq */
            if (in_buf(r, r->fields[i].ptr)) r->fields[i].ptr = nbuf + (r->fields[i].ptr - r->buf);
        free(r->buf);
        r->buf = nbuf;
        r->cap = cap;
    } else if (keep > 0) {
        memmove(r->buf, r->buf + keep, kept);
        for (size_t i = 0; i < nkept; i++)
            if (in_buf(r, r->fields[i].ptr)) r->fields[i].ptr -= keep;
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
            seal(r);
            return 1;
        }
        if (n == 0) {
            r->eof = 1;
            seal(r);
            return 0;
        }
        if (errno != EINTR) {
            int e = errno;
            return fail(r, r->line, "read error: %s", strerror(e));
        }
    }
}

/* The first byte in p.. that ends an unquoted field. The sentinel at
 * buf[len] guarantees one is found. Unrolled: most fields are short, but
 * the loop is where the time goes. (16 bytes at a time with SSE2 was
 * slower here: most fields are a few bytes.) */
static inline __attribute__((always_inline)) char *scan_plain(char *p, const unsigned char *ends_plain)
{
    for (;; p += 4) {
        if (ends_plain[(unsigned char)p[0]]) return p;
        if (ends_plain[(unsigned char)p[1]]) return p + 1;
        if (ends_plain[(unsigned char)p[2]]) return p + 2;
        if (ends_plain[(unsigned char)p[3]]) return p + 3;
    }
}

/* Powers of ten that are exact doubles. */
static const double pow10_exact[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8,
                                     1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                     1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* Converts the unquoted field at p as kind cv (reader_csv.h) in the sweep
 * that finds its end. Sets *ok and *val when the field has the fast shape;
 * returns where the sweep stopped: the field's end (a byte in ends) when
 * *ok, else a byte of the field or its end, with no end byte before it, so
 * the caller's scan_plain can go on from there. Reads nothing past an end
 * byte, so the '\n' sentinel bounds it. A mantissa of at most 15 digits
 * and 10^k for k <= 22 are exact doubles, so one division rounds the
 * decimal correctly (as base/decimal.c's general path does). */
static inline __attribute__((always_inline)) char *scan_convert(char *p, unsigned cv,
                                                                const unsigned char *ends,
                                                                CsvValue *val, int *ok,
                                                                const CsvWords *words,
                                                                const WordKey *wlen, char sep)
{
    if (cv == CSV_CONV_WORDS) {
        char *q = scan_plain(p, ends);
        size_t n = (size_t)(q - p);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        /* the first 8 bytes at once (PAD keeps the load inside the buffer),
           the field's bytes past its end masked off */
        uint64_t head;
        memcpy(&head, p, 8);
        if (n < 8) head &= ((uint64_t)1 << (8 * n)) - 1;
        for (int m = 0; m < words->n; m++) {
            if (wlen[m].len != n || wlen[m].head != head) continue;
            const char *w = words->w[m];
            size_t i = 8;
            while (i < n && w[i] == p[i]) i++;
            if (i >= n) {
                val->word = m;
                *ok = 1;
                break;
            }
        }
#else
        for (int m = 0; m < words->n; m++) {
            if (wlen[m].len != n) continue;
            const char *w = words->w[m];
            size_t i = 0;
            while (i < n && w[i] == p[i]) i++;      /* short words: no call to memcmp */
            if (i == n) {
                val->word = m;
                *ok = 1;
                break;
            }
        }
#endif
        return q;
    }
    if (cv == CSV_CONV_DATE) {
        char *q = scan_plain(p, ends);
        int32_t days;
        if (q - p == 10 && date_parse(p, 10, &days)) {
            val->days = days;
            *ok = 1;
        }
        return q;
    }
    int neg = *p == '-';
    char *q = p + neg, *first = q;
    uint64_t mant = 0;
    while ((unsigned)(*q - '0') < 10) mant = mant * 10 + (uint64_t)(*q++ - '0');
    size_t ndig = (size_t)(q - first), frac = 0, shift = 0;
    int comma = sep == ';' && *q == ',';    /* a decimal comma (DECIMAL_COMMA) */
    if ((*q == '.' || comma) && cv != CSV_CONV_INT) {
        char *f = ++q;
        while ((unsigned)(*q - '0') < 10) mant = mant * 10 + (uint64_t)(*q++ - '0');
        frac = (size_t)(q - f);
    }
    if (*q == '%' && cv == CSV_CONV_PCT) {
        q++;
        shift = 2;
    }
    if (!ends[(unsigned char)*q] || ndig + frac == 0 || ndig + frac > 15 ||
        (comma && (ndig == 0 || frac == 0)))
        return q;
    double v = (double)mant;
    if (frac + shift) v /= pow10_exact[frac + shift];
    val->num = neg && mant ? -v : v;     /* "-0" is 0, as base/decimal.c reads it */
    *ok = 1;
    return q;
}

/* Physical line breaks in s[0..n): LF, CRLF and lone CR count once each. */
static long count_lines(const char *s, size_t n)
{
    const char *end = s + n, *p;
    long lines = 0;
    for (p = s; p < end && (p = memchr(p, '\n', (size_t)(end - p))); p++) lines++;
    for (p = s; p < end && (p = memchr(p, '\r', (size_t)(end - p))); p++)
        if (p + 1 == end || p[1] != '\n') lines++;
    return lines;
}

/* The '\n' that ends the record whose unread rest starts at p, if the
 * rest can be skipped without parsing it: it ends inside the buffer and
 * holds no '"' and no CR except one just before that '\n'. Such a span is
 * unquoted fields on one physical line, so it cannot be malformed (the
 * field count aside). NULL means "scan it field by field". */
static char *skip_rest(char *p, char *end)
{
#ifdef __SSE2__
    /* the first '\n', '"' or CR, 16 bytes at a time (the sentinel stops it) */
    const __m128i vn = _mm_set1_epi8('\n'), vq = _mm_set1_epi8('"'), vr = _mm_set1_epi8('\r');
    for (;; p += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
        __m128i m = _mm_or_si128(_mm_cmpeq_epi8(x, vn),
                                 _mm_or_si128(_mm_cmpeq_epi8(x, vq), _mm_cmpeq_epi8(x, vr)));
        unsigned bits = (unsigned)_mm_movemask_epi8(m);
        if (!bits) continue;
        char *q = p + __builtin_ctz(bits);
        if (q >= end || *q == '"') return NULL;
        if (*q == '\r') q++;       /* only as the CR of a CRLF that ends the line */
        return q < end && *q == '\n' ? q : NULL;
    }
#else
    char *nl = memchr(p, '\n', (size_t)(end - p));
    if (!nl) return NULL;
    size_t n = (size_t)(nl - p);
    if (n && nl[-1] == '\r') n--;
    if (memchr(p, '"', n) || memchr(p, '\r', n)) return NULL;
    return nl;
#endif
}

#if KAM_CSV_AVX2
/* skip_rest, 64 bytes at a time (two 32-byte compares): most records'
 * rests then take the same number of steps, so the loop's end is
 * predicted (32 at a time, a rest of 70 to 105 bytes took 3 or 4). */
static inline __attribute__((always_inline, target("avx2"))) char *skip_rest_avx2(char *p, char *end)
{
    const __m256i vn = _mm256_set1_epi8('\n'), vq = _mm256_set1_epi8('"'),
                  vr = _mm256_set1_epi8('\r');
    for (;; p += 64) {
        __m256i x = _mm256_loadu_si256((const __m256i *)(const void *)p);
        __m256i y = _mm256_loadu_si256((const __m256i *)(const void *)(p + 32));
        __m256i mx = _mm256_or_si256(_mm256_cmpeq_epi8(x, vn),
                                     _mm256_or_si256(_mm256_cmpeq_epi8(x, vq),
                                                     _mm256_cmpeq_epi8(x, vr)));
        __m256i my = _mm256_or_si256(_mm256_cmpeq_epi8(y, vn),
                                     _mm256_or_si256(_mm256_cmpeq_epi8(y, vq),
                                                     _mm256_cmpeq_epi8(y, vr)));
        uint64_t bits = (uint64_t)(unsigned)_mm256_movemask_epi8(mx) |
                        (uint64_t)(unsigned)_mm256_movemask_epi8(my) << 32;
        if (!bits) continue;    /* the sentinel '\n' is at or past p + 64 */
        char *q = p + __builtin_ctzll(bits);
        if (q >= end || *q == '"') return NULL;
        if (*q == '\r') q++;       /* only as the CR of a CRLF that ends the line */
        return q < end && *q == '\n' ? q : NULL;
    }
}
#endif

/* Collapses each "" in s[0..n) to " in place; returns the new length.
 * The scanner has checked that quotes only come in pairs here. */
/* The quoted field s[0..*n) (between its quotes), which holds "", with
 * each "" made one '"', copied into the record's scratch r->uq: the buffer
 * is never written (a mapped file stays shared with the page cache; a
 * record the plain path gives up on is read again as it was). *n becomes
 * the new length. Fields among fv[0..nf) that point into the scratch move
 * with it when it grows. */
static const char *unescape_copy(CsvReader *r, const char *s, size_t *n, RdField *fv, size_t nf)
{
    size_t need = r->uqlen + *n + 1;
    if (need > r->uqcap) {
        size_t cap = r->uqcap ? r->uqcap : 256;
        while (cap < need) cap *= 2;
        char *old = r->uq, *nb = xmalloc(cap);
        if (r->uqlen) memcpy(nb, old, r->uqlen);
        for (size_t i = 0; i < nf; i++) {
            uintptr_t off = (uintptr_t)fv[i].ptr - (uintptr_t)old;
            if (old && off <= r->uqlen) fv[i].ptr = nb + off;
        }
        free(old);
        r->uq = nb;
        r->uqcap = cap;
    }
    char *out = r->uq + r->uqlen, *w = out;
    const char *p = s, *end = s + *n;
    while (p < end) {
        const char *q = memchr(p, '"', (size_t)(end - p));
        if (!q) {
            memcpy(w, p, (size_t)(end - p));
            w += end - p;
            break;
        }
        memcpy(w, p, (size_t)(q - p) + 1);  /* up to the first of the two */
        w += q - p + 1;
        p = q + 2;
    }
    *n = (size_t)(w - out);
    r->uqlen += *n;
    return out;
}

/* Describes byte c for a message: 'x' if printable, else its code. */
static const char *show_byte(unsigned char c, char out[8])
{
    if (c >= 0x20 && c < 0x7f && c != '\'') snprintf(out, 8, "'%c'", c);
    else snprintf(out, 8, "0x%02X", c);
    return out;
}

/* Skips blank lines and, at the very start, a UTF-8 byte order mark.
 * Returns 1 if a record starts at pos, 0 at end of input, -1 on error. */
static int skip_to_record(CsvReader *r)
{
    if (!r->started) {
        r->started = 1;
        /* wait for more only while what came could still be a BOM, so a
         * short first line on a pipe is not held back */
        while (r->len < 3 && !r->eof && memcmp(r->buf, "\xEF\xBB\xBF", r->len) == 0)
            if (refill(r, 0) < 0) return -1;
        if (r->len >= 3 && memcmp(r->buf, "\xEF\xBB\xBF", 3) == 0) r->pos = 3;
    }
    for (;;) {
        if (r->pos == r->len) {
            if (r->eof) return 0;
            if (refill(r, 0) < 0) return -1;
            continue;
        }
        char c = r->buf[r->pos];
        if (c == '\n') {
            r->pos++;
            r->line++;
        } else if (c == '\r') {
            if (r->pos + 1 == r->len && !r->eof) {   /* is it CRLF? */
                if (refill(r, 0) < 0) return -1;
                continue;
            }
            r->pos += (r->pos + 1 < r->len && r->buf[r->pos + 1] == '\n') ? 2 : 1;
            r->line++;
        } else {
            return 1;
        }
    }
}

#ifdef __SSE2__
/* Bytes that stop a quoted field's scan in plain_record: its closing (or
 * doubled) quote, or a line break, which it leaves to the general path. The
 * '\n' sentinel stops it at the buffer's end. */
static const unsigned char quote_stops[256] = {
    ['\n'] = 1, ['\r'] = 1, ['"'] = 1,
};

/* Bit i set iff p[i] is the delimiter, '\n', CR or '"': the 64 bytes at p
 * in four 16-byte compares (PAD keeps the loads inside the buffer; the
 * zeroed padding matches none of them). */
static inline __attribute__((always_inline)) uint64_t block_marks(const char *p, __m128i vs)
{
    const __m128i vn = _mm_set1_epi8('\n'), vr = _mm_set1_epi8('\r'), vq = _mm_set1_epi8('"');
    uint64_t m = 0;
    for (int i = 0; i < 4; i++) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * i));
        __m128i e = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, vs), _mm_cmpeq_epi8(x, vn)),
                                 _mm_or_si128(_mm_cmpeq_epi8(x, vr), _mm_cmpeq_epi8(x, vq)));
        m |= (uint64_t)(unsigned)_mm_movemask_epi8(e) << (16 * i);
    }
    return m;
}
#endif

#if KAM_CSV_AVX2
/* block_marks in two 32-byte compares. */
static inline __attribute__((always_inline, target("avx2"))) uint64_t block_marks_avx2(const char *p,
                                                                                      __m256i vs)
{
    const __m256i vn = _mm256_set1_epi8('\n'), vr = _mm256_set1_epi8('\r'),
                  vq = _mm256_set1_epi8('"');
    uint64_t m = 0;
    for (int i = 0; i < 2; i++) {
        __m256i x = _mm256_loadu_si256((const __m256i *)(const void *)(p + 32 * i));
        __m256i e = _mm256_or_si256(_mm256_or_si256(_mm256_cmpeq_epi8(x, vs), _mm256_cmpeq_epi8(x, vn)),
                                    _mm256_or_si256(_mm256_cmpeq_epi8(x, vr), _mm256_cmpeq_epi8(x, vq)));
        m |= (uint64_t)(unsigned)_mm256_movemask_epi8(e) << (32 * i);
    }
    return m;
}
#endif


/* Converts the unquoted field p[0..d) as kind cv (reader_csv.h), its end d
 * already known (*d is the delimiter, '\n' or CR, none of them a digit,
 * '.' or '%'). Returns 1 and sets *val when the field has the fast shape:
 * the same shapes and values as scan_convert. */
static inline __attribute__((always_inline)) int convert_span(const char *p, const char *d,
                                                              unsigned cv, CsvValue *val,
                                                              const CsvWords *words,
                                                              const WordKey *wlen,
                                                              const WordHash *wh, char sep)
{
    size_t n = (size_t)(d - p);
    if (cv == CSV_CONV_WORDS) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        uint64_t head;
        memcpy(&head, p, 8);     /* PAD keeps the load inside the buffer */
        if (wh->ok == 2) {       /* two short words: each compared, no branch on which */
            int is1 = (n == wlen[1].len) & ((head & wh->mask[1]) == wlen[1].head);
            int is0 = (n == wlen[0].len) & ((head & wh->mask[0]) == wlen[0].head);
            val->word = is1;
            return is0 | is1;
        }
        if (wh->ok) {            /* one probe, its bytes past the field's end masked off */
            uint64_t tail;
            memcpy(&tail, p + 8, 8);
            head &= low_bytes(n);
            tail &= low_bytes(n > 8 ? n - 8 : 0);
            int m = wh->slot[word_slot(wh->mul, head, tail, n)] - 1;
            if (m < 0 || wlen[m].len != n || wlen[m].head != head || wlen[m].tail != tail)
                return 0;
            val->word = m;
            return 1;
        }
        if (n < 8) head &= ((uint64_t)1 << (8 * n)) - 1;
        for (int m = 0; m < words->n; m++) {     /* short words: no call to memcmp */
            if (wlen[m].len != n || wlen[m].head != head) continue;
            const char *w = words->w[m];
            size_t i = 8;
            while (i < n && w[i] == p[i]) i++;
            if (i >= n) {
                val->word = m;
                return 1;
            }
        }
#else
        for (int m = 0; m < words->n; m++) {
            if (wlen[m].len != n) continue;
            const char *w = words->w[m];
            size_t i = 0;
            while (i < n && w[i] == p[i]) i++;
            if (i == n) {
                val->word = m;
                return 1;
            }
        }
#endif
        return 0;
    }
    if (cv == CSV_CONV_DATE) {
        int32_t days;
        if (n != 10 || !date_parse(p, 10, &days)) return 0;
        val->days = days;
        return 1;
    }
    int neg = *p == '-';
    const char *q = p + neg, *first = q;
    uint64_t mant = 0;
    /* each byte less '0', one load a byte; what ends the run is tested in
       that form after it ('.' - '0' and '%' - '0' wrap around) */
    uint64_t dg = (uint64_t)(unsigned char)*q - '0';
    while (dg < 10) {
        mant = mant * 10 + dg;
        dg = (uint64_t)(unsigned char)*++q - '0';
    }
    size_t ndig = (size_t)(q - first), frac = 0, shift = 0;
    int comma = sep == ';' && dg == (uint64_t)',' - '0';    /* a decimal comma */
    if ((dg == (uint64_t)'.' - '0' || comma) && cv != CSV_CONV_INT) {
        const char *f = ++q;
        dg = (uint64_t)(unsigned char)*q - '0';
        while (dg < 10) {
            mant = mant * 10 + dg;
            dg = (uint64_t)(unsigned char)*++q - '0';
        }
        frac = (size_t)(q - f);
    }
    if (dg == (uint64_t)'%' - '0' && cv == CSV_CONV_PCT) {
        q++;
        shift = 2;
    }
    if (q != d || ndig + frac == 0 || ndig + frac > 15 || (comma && (ndig == 0 || frac == 0)))
        return 0;
    /* the sign put on the integer, without a branch (a sign that comes and
       goes would mispredict one): "-0" is then 0, as base/decimal.c reads
       it, and (-a) / b is exactly -(a / b); dividing by 10^0 = 1 is exact */
    int64_t sm = ((int64_t)mant ^ -(int64_t)neg) + neg;
    val->num = (double)sm / pow10_exact[frac + shift];
    return 1;
}

#if KAM_CSV_AVX2
/* Bytes ndig .. ndig + 15 of it, as a shuffle, pick bytes 0 .. ndig - 1
 * into the last ndig of sixteen and zero the rest (a byte with its top bit
 * set gives 0). */
static const signed char align_window[32] = {
    -128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128,
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

/* convert_span for a number or a percent (CSV_CONV_DEC, CSV_CONV_PCT): the
 * field's at most 16 bytes after its sign in one 16-byte vector, its
 * digits and its point found at once, the point shuffled out, the digits
 * right-aligned and put together by three multiply-adds. The same shapes
 * and values as convert_span (the same integer over the same power of
 * ten), without a branch on how many digits there are: the digit loop's
 * end, which varies from record to record, was a mispredicted branch. */
static inline __attribute__((always_inline, target("avx2"))) int decimal_span_avx2(const char *p,
                                                                                  const char *d,
                                                                                  unsigned cv,
                                                                                  CsvValue *val,
                                                                                  char sep)
{
    int neg = *p == '-';
    const char *q = p + neg;
    size_t n = (size_t)(d - q), shift = 0;
    if (cv == CSV_CONV_PCT && n && q[n - 1] == '%') {
        n--;
        shift = 2;
    }
    if (n - 1 >= 16) return 0;      /* empty, or more than 15 digits */
    /* PAD keeps the load inside the buffer; bytes past the field are masked */
    __m128i t = _mm_sub_epi8(_mm_loadu_si128((const __m128i *)(const void *)q), _mm_set1_epi8('0'));
    __m128i dig = _mm_cmpeq_epi8(_mm_min_epu8(t, _mm_set1_epi8(9)), t);
    unsigned other = ((1u << n) - 1) & ~(unsigned)_mm_movemask_epi8(dig);
    unsigned dot = (unsigned)n, ndig = (unsigned)n;
    if (other) {                    /* one byte that is not a digit: the point */
        dot = (unsigned)__builtin_ctz(other);
        if (other & (other - 1)) return 0;
        /* a point, or in a ';' file a comma with a digit either side */
        if (q[dot] != '.' && !(sep == ';' && q[dot] == ',' && dot > 0 && dot + 1 < n)) return 0;
        ndig--;
    }
    if (ndig - 1 >= 15) return 0;   /* no digit (".") */
    const __m128i iota = _mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    /* byte i from i, or from i + 1 at and after the point */
    __m128i from = _mm_sub_epi8(iota, _mm_cmpgt_epi8(iota, _mm_set1_epi8((char)(dot - 1))));
    __m128i v = _mm_shuffle_epi8(
        _mm_shuffle_epi8(t, from),
        _mm_loadu_si128((const __m128i *)(const void *)(align_window + ndig)));
    /* sixteen digits (leading zeros) into pairs, fours, then two eights */
    v = _mm_maddubs_epi16(v, _mm_setr_epi8(10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 10, 1));
    v = _mm_madd_epi16(v, _mm_setr_epi16(100, 1, 100, 1, 100, 1, 100, 1));
    v = _mm_packus_epi32(v, v);
    v = _mm_madd_epi16(v, _mm_setr_epi16(10000, 1, 10000, 1, 10000, 1, 10000, 1));
    uint64_t mant = (uint64_t)(uint32_t)_mm_cvtsi128_si32(v) * 100000000u +
                    (uint32_t)_mm_extract_epi32(v, 1);
    size_t frac = n - dot - (other != 0);
    int64_t sm = ((int64_t)mant ^ -(int64_t)neg) + neg;     /* as convert_span */
    val->num = (double)sm / pow10_exact[frac + shift];
    return 1;
}

/* convert_span, numbers and percents in vectors. */
static inline __attribute__((always_inline, target("avx2"))) int convert_span_avx2(
    const char *p, const char *d, unsigned cv, CsvValue *val, const CsvWords *words,
    const WordKey *wlen, const WordHash *wh, char sep)
{
    if (cv == CSV_CONV_DEC || cv == CSV_CONV_PCT) return decimal_span_avx2(p, d, cv, val, sep);
    return convert_span(p, d, cv, val, words, wlen, wh, sep);
}
#endif

#ifdef __SSE2__
/* Makes room for at least need fields; false past MAX_FIELDS (the general
 * path then reads the record and reports it if it has too many). */
static __attribute__((noinline)) bool reserve_fields(CsvReader *r, size_t need)
{
    if (need > MAX_FIELDS) return false;
    size_t cap = r->fcap;
    while (cap < need) cap = cap * 2 > MAX_FIELDS ? MAX_FIELDS : cap * 2;
    r->fields = xrealloc(r->fields, cap * sizeof *r->fields);
    r->fcap = cap;
    return true;
}

#endif

/* The conversions of a reader that has none. */
static const unsigned char no_conv[MAX_FIELDS + 1];

#ifdef __SSE2__
/* The common record, split in one sweep: it lies whole in the buffer, on
 * one physical line (ended by LF or CRLF), its quoted fields (if any, among
 * the first 64) on that line too and well formed. The bytes that can end a
 * field are found 64 at a time into a bit mask (block_marks), each field's
 * end then by the mask's lowest bit; fields converted once their end is
 * known (convert_span). Returns 1 when the record was read, 0 to leave it
 * to the general path of rd_csv_next, which starts over from the record's
 * first byte: what this changes in the buffer (the NULs after unquoted
 * fields) is put back, and a quoted field is unescaped only once the
 * record is known to fit. */
#define PLAIN_FN plain_record_sse2
#define PLAIN_BATCH_FN batch_sse2
#define PLAIN_ATTR
#define PLAIN_VEC __m128i
#define PLAIN_SPLAT(c) _mm_set1_epi8(c)
#define PLAIN_MARKS(p, v) block_marks(p, v)
#define PLAIN_SKIP(p, e) skip_rest(p, e)
#define PLAIN_CONVERT convert_span
#define PLAIN_TAKE take_field_sse2
#define PLAIN_SKIPQ skip_quoted_sse2
#include "reader_csv_plain.h"
#if KAM_CSV_AVX2
#define PLAIN_FN plain_record_avx2
#define PLAIN_BATCH_FN batch_avx2
#define PLAIN_ATTR __attribute__((target("avx2")))
#define PLAIN_VEC __m256i
#define PLAIN_SPLAT(c) _mm256_set1_epi8(c)
#define PLAIN_MARKS(p, v) block_marks_avx2(p, v)
#define PLAIN_SKIP(p, e) skip_rest_avx2(p, e)
#define PLAIN_CONVERT convert_span_avx2
#define PLAIN_TAKE take_field_avx2
#define PLAIN_SKIPQ skip_quoted_avx2
#include "reader_csv_plain.h"
#endif
#else
/* The common record, split in one tight loop: it lies whole in the buffer,
 * on one physical line (ended by LF or CRLF), without a '"' (up to the last
 * stored field, and then in the rest skipped). Fields converted as they are
 * found (scan_convert). Returns 1 when the record was read, 0 to leave it to
 * the general path of rd_csv_next, which starts over from the record's
 * first byte: nothing here changes the buffer or the position until the
 * record is known to fit. */
static int plain_record(CsvReader *r, RdField **fields, size_t *nfields, long *line,
                        unsigned gen)
{
    char *f = r->buf + r->pos, *end = r->buf + r->len, *d;
    /* the reader's state in locals */
    const unsigned char *stops = r->stops;
    const unsigned char *conv = r->conv ? r->conv : no_conv;
    const size_t keep = r->keep;
    CsvValue *const *cdst = r->cdst;
    unsigned *cgen = r->cgen;
    const CsvWords *cwords = r->cwords;
    WordKey *const *cwlen = r->cwlen;
    size_t fcap = r->fcap;
    unsigned count = 0;
    const char sep = r->delim;
    RdField *fv = r->fields;
    size_t nf = 0;
    for (;;) {
        unsigned cv = conv[nf];         /* 0 past the columns: no bound needed */
        int converted = 0;
        CsvValue v;
        if (cv) {
            d = scan_convert(f, cv, stops, &v, &converted, &cwords[nf], cwlen[nf], r->delim);
            if (!converted) d = scan_plain(d, stops);
        } else {
            d = scan_plain(f, stops);
        }
        char c = *d;
        /* nothing of this field is written before it is known to end in
           the buffer, unquoted: the general path may read it otherwise */
        if (d == end || c == '"') goto bail;
        if (converted) {
            *cdst[nf] = v;
            cgen[nf] = gen;
            count++;
        }
        if (nf == fcap) {
            if (nf == MAX_FIELDS) goto bail;
            fcap = fcap * 2 > MAX_FIELDS ? MAX_FIELDS : fcap * 2;
            fv = r->fields = xrealloc(r->fields, fcap * sizeof *fv);
            r->fcap = fcap;
        }
        fv[nf].ptr = f;
        fv[nf].len = (size_t)(d - f);
        nf++;
        if (c == sep) {
            f = d + 1;
            if (nf < keep) continue;
            d = skip_rest(f, end);      /* the last stored field: skip the rest */
            if (!d) goto bail;
            break;
        }
        if (c == '\r') {
            if (d + 1 == end || d[1] != '\n') {     /* a lone CR, or more to read */
                nf--;
                goto bail;
            }
            d++;
        }
        break;
    }
    /* d is the '\n' that ends the record (or the NUL written over it): it fits */
    r->pos = (size_t)(d + 1 - r->buf);
    *line = r->line++;
    *fields = fv;
    *nfields = nf;
    r->out.count = count;
    return 1;

bail:   /* nothing in the buffer was changed */
    return 0;
}

#endif

/* The record at pos, any record: field by field, quotes, line breaks in
 * them, refills and errors. Kept out of line so that rd_csv_next, which
 * tries plain_record first, sets up none of this state for the common
 * record. */
static __attribute__((noinline)) int general_record(CsvReader *r, RdField **fields,
                                                    size_t *nfields, long *line, unsigned gen)
{
    int rc;
    const long rec_line = r->line;
    long cur_line = r->line;   /* line on which the current field starts */
    size_t nf = 0;             /* fields finished, stored or not */
    const size_t keep = r->keep;   /* fields to store; the rest are skipped */
    size_t resume = 0;         /* how far into the field scanning got, 0 = not begun */
    int escaped = 0;           /* the quoted field being scanned holds "" */
    /* Cached copies of reader state, reloaded after each refill: the field
     * stores go through char pointers, which would otherwise force the
     * compiler to reload them for every field. */
    char *rec = r->buf + r->pos, *end = r->buf + r->len, *f = rec;
    int eof = r->eof;
    RdField *fv = r->fields;
    size_t fcap = r->fcap;
    const unsigned char *ends = r->ends;
    const char sep = r->delim;
    const unsigned char *conv = r->conv;
    const size_t nconv = r->nconv;
    r->out.count = 0;
    for (;;) {
        char *d;
        const char *text;
        size_t tlen;
        long nl = 0;           /* line breaks inside this field */
        int quoted = f < end && *f == '"';

        if (!quoted) {
            unsigned cv = nf < nconv && nf < keep && !resume ? conv[nf] : CSV_CONV_NONE;
            int converted = 0;
            CsvValue v;
            if (cv) {
                d = scan_convert(f, cv, ends, &v, &converted, &r->cwords[nf], r->cwlen[nf], sep);
                if (!converted) d = scan_plain(d, ends);
            } else {
                d = scan_plain(f + resume, ends);
            }
            if (!eof && (d == end || (*d == '\r' && d + 1 == end))) {
                resume = (size_t)(d - f);
                goto more;
            }
            if (converted) {
                memcpy(r->cdst[nf], &v, sizeof v);
                r->cgen[nf] = gen;
                r->out.count++;
            }
            text = f;
            tlen = (size_t)(d - f);
        } else {
            char *q = f + (resume ? resume : 1);
            for (;;) {
                q = memchr(q, '"', (size_t)(end - q));
                if (!q) {
                    if (!eof) {
                        resume = (size_t)(end - f);
                        goto more;
                    }
                    if (r->map.data && (size_t)(end - rec) >= MAX_RECORD)  /* as if read */
                        return fail(r, rec_line,
                                    "record longer than %d MiB: the quoted field %zu opened on "
                                    "line %ld is probably missing its closing quote",
                                    MAX_RECORD >> 20, nf + 1, cur_line);
                    return fail(r, cur_line,
                                "field %zu: unterminated quoted field: the quote opened on this "
                                "line is never closed, so it runs to the end of the input",
                                nf + 1);
                }
                if (q + 1 == end && !eof) {   /* closing, or first of ""? */
                    resume = (size_t)(q - f);
                    goto more;
                }
                if (q + 1 < end && q[1] == '"') {
                    escaped = 1;
                    q += 2;
                    continue;
                }
                break;
            }
            d = q + 1;
            text = f + 1;
            tlen = (size_t)(q - text);
            nl = count_lines(text, tlen);
            if (d < end && *d != sep && *d != '\n' && *d != '\r') {
                char b[8];
                return fail(r, cur_line + nl,
                            "field %zu: unexpected %s after the closing quote of a quoted field "
                            "(a quote inside a quoted field must be doubled: \"\")",
                            nf + 1, show_byte((unsigned char)*d, b));
            }
            if (d < end && *d == '\r' && d + 1 == end && !eof) {
                resume = (size_t)(q - f);
                goto more;
            }
            if (escaped && nf < keep) text = unescape_copy(r, text, &tlen, fv, nf);
            else if (nf < nconv && nf < keep && conv[nf]) {     /* "12.5": as bare */
                CsvValue v;
                if (convert_span(text, q, conv[nf], &v, &r->cwords[nf], r->cwlen[nf],
                                 &r->cwhash[nf], sep)) {
                    memcpy(r->cdst[nf], &v, sizeof v);
                    r->cgen[nf] = gen;
                    r->out.count++;
                }
            }
        }

        /* The field is complete: store it (unless it is past the limit)
         * and look at what ended it. */
        char delim = d < end ? *d : '\0';
        if (nf < keep) {
            if (nf == fcap) {
                if (nf == MAX_FIELDS)
                    return fail(r, rec_line, "record has more than %d fields", MAX_FIELDS);
                fcap = fcap * 2 > MAX_FIELDS ? MAX_FIELDS : fcap * 2;
                fv = r->fields = xrealloc(r->fields, fcap * sizeof *fv);
                r->fcap = fcap;
            }
            fv[nf].ptr = text;
            fv[nf].len = tlen;
        }
        nf++;
        cur_line += nl;
        if (delim == sep) {
            /* Just stored the last wanted field: try to jump to the line
             * end; if the rest might hold quotes or a lone CR, or runs past
             * the buffer, scan it like any other fields (tried once, as nf
             * moves on). */
            char *rest_end = nf == keep ? skip_rest(d + 1, end) : NULL;
            if (!rest_end) {
                f = d + 1;
                resume = 0;
                escaped = 0;
                continue;
            }
            d = rest_end;
            delim = '\n';
        }
        if (delim == '\n') {
            d += 1;
        } else if (delim == '\r') {
            d += (d + 1 < end && d[1] == '\n') ? 2 : 1;
        }
        if (delim != '\0') cur_line++;
        r->pos = (size_t)(d - r->buf);
        r->line = cur_line;
        *fields = fv;
        *nfields = nf < keep ? nf : keep;
        *line = rec_line;
        return 1;

    more:;
        size_t fs = (size_t)(f - rec);
        rc = refill(r, nf < keep ? nf : keep);
        if (rc == -1) return -1;
        if (rc == -2) {
            if (quoted)
                return fail(r, rec_line,
                            "record longer than %d MiB: the quoted field %zu opened on line %ld "
                            "is probably missing its closing quote",
                            MAX_RECORD >> 20, nf + 1, cur_line);
            return fail(r, rec_line, "record longer than %d MiB", MAX_RECORD >> 20);
        }
        rec = r->buf + r->pos;
        end = r->buf + r->len;
        f = rec + fs;
        eof = r->eof;
    }
}

/* The input has been read to its end: 0, or -1 (reported) if it was a
 * regular file whose size or modification time is not what it was when it
 * was opened. The answer would come from a file another program was
 * writing; a mapped file that shrank may also have given zeros (within its
 * last page) before its end. */
static int at_end(CsvReader *r)
{
    struct stat now;
    if (!S_ISREG(r->st.st_mode) || fstat(r->fd, &now) != 0) return 0;
    if (now.st_size == r->st.st_size && now.st_mtim.tv_sec == r->st.st_mtim.tv_sec
        && now.st_mtim.tv_nsec == r->st.st_mtim.tv_nsec)
        return 0;
    if (now.st_size != r->st.st_size)
        return fail(r, r->line, "the file changed while it was being read (from %lld to %lld "
                    "bytes): the records read may mix two versions of it; run again once the "
                    "file is complete",
                    (long long)r->st.st_size, (long long)now.st_size);
    return fail(r, r->line, "the file changed while it was being read (it was written to): the "
                "records read may mix two versions of it; run again once the file is complete");
}

int rd_csv_next(CsvReader *r, RdField **fields, size_t *nfields, long *line)
{
    if (r->failed) return -1;
    if (r->map.data) mapfile_window(&r->map, r->pos);
    char c0 = r->buf[r->pos];       /* the sentinel when pos == len */
    if (!r->started || c0 == '\n' || c0 == '\r' || r->pos == r->len) {
        int rc = skip_to_record(r); /* blank lines, the end, or the very start */
        if (rc == 0) return at_end(r);
        if (rc < 0) return rc;
    }
    r->uqlen = 0;
    r->rec_start = r->base + (long long)r->pos;
    r->rec_line = r->line;
    unsigned gen = 0;
    if (r->nconv) {
        gen = ++r->out.cur;
        if (gen == 0) {         /* wrapped: forget every earlier record */
            memset(r->cgen, 0, r->nconv * sizeof *r->cgen);
            gen = r->out.cur = 1;
        }
    }
    r->out.count = 0;
    const size_t at = r->pos;
    int rc;
#if KAM_CSV_AVX2
    rc = r->avx2 ? plain_record_avx2(r, fields, nfields, line, gen)
                 : plain_record_sse2(r, fields, nfields, line, gen);
#elif defined(__SSE2__)
    rc = plain_record_sse2(r, fields, nfields, line, gen);
#else
    rc = plain_record(r, fields, nfields, line, gen);
#endif
    if (!rc) rc = general_record(r, fields, nfields, line, gen);
    /* a mapped file's records need no buffer, but the limit is the same */
    if (rc == 1 && r->pos - at >= MAX_RECORD && r->map.data)
        return fail(r, r->rec_line, "record longer than %d MiB", MAX_RECORD >> 20);
    return rc;
}

/* The first record's line, not consumed (delimiter detection). */
size_t rd_csv_peek_line(CsvReader *r, const char **text)
{
    *text = "";
    if (r->failed || skip_to_record(r) <= 0) return 0;
    for (;;) {
        const char *start = r->buf + r->pos;
        size_t avail = r->len - r->pos;
        const char *nl = memchr(start, '\n', avail);
        const char *cr = memchr(start, '\r', nl ? (size_t)(nl - start) : avail);
        if (cr) nl = cr;
        if (nl || r->eof || avail >= (64 << 10) || r->len == r->cap) {
            *text = start;
            return nl ? (size_t)(nl - start) : avail;
        }
        if (refill(r, 0) < 0) return 0;
    }
}

/* Line ends in s[0..n) for rd_csv_line_ends, byte by byte: each CR is
 * counted, and taken back when an LF follows it (*carry: the byte before
 * was a CR so counted). */
static long line_ends_bytes(const char *s, size_t n, bool lf_only, unsigned *carry)
{
    long lines = 0;
    unsigned c = *carry;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n') {
            lines += 1 - (long)c;
            c = 0;
        } else {
            c = !lf_only && s[i] == '\r';
            lines += c;
        }
    }
    *carry = c;
    return lines;
}

#if KAM_CSV_AVX2
/* line_ends_bytes, 64 bytes a step: the LFs and CRs of the block as bit
 * masks, a CR followed by an LF (in the block, or the block's last byte
 * and the next block's first) taken back. */
static __attribute__((target("avx2,popcnt"))) long line_ends_avx2(const char *s, size_t n,
                                                                  bool lf_only, unsigned *carry)
{
    const __m256i vn = _mm256_set1_epi8('\n'), vr = _mm256_set1_epi8('\r');
    long lines = 0;
    uint64_t c = *carry;
    size_t i = 0;
    for (; i + 64 <= n; i += 64) {
        __m256i x = _mm256_loadu_si256((const __m256i *)(const void *)(s + i));
        __m256i y = _mm256_loadu_si256((const __m256i *)(const void *)(s + i + 32));
        uint64_t lf = (uint64_t)(unsigned)_mm256_movemask_epi8(_mm256_cmpeq_epi8(x, vn)) |
                      (uint64_t)(unsigned)_mm256_movemask_epi8(_mm256_cmpeq_epi8(y, vn)) << 32;
        lines += __builtin_popcountll(lf) - (long)(c & lf & 1);
        if (lf_only) continue;
        uint64_t cr = (uint64_t)(unsigned)_mm256_movemask_epi8(_mm256_cmpeq_epi8(x, vr)) |
                      (uint64_t)(unsigned)_mm256_movemask_epi8(_mm256_cmpeq_epi8(y, vr)) << 32;
        lines += __builtin_popcountll(cr) - __builtin_popcountll(cr & (lf >> 1));
        c = cr >> 63;
    }
    if (lf_only) c = 0;
    unsigned left = (unsigned)c;
    lines += line_ends_bytes(s + i, n - i, lf_only, &left);
    *carry = left;
    return lines;
}
#endif

long rd_csv_line_ends(CsvReader *r, long long from, long long to, bool lf_only)
{
    if (!r->map.data || from < 0 || from > to || (unsigned long long)to > r->map.size) return -1;
    mapfile_seek(&r->map, (size_t)from, (size_t)to);
    long lines = 0;
    unsigned carry = 0;
    for (size_t at = (size_t)from; at < (size_t)to;) {
        size_t n = (size_t)to - at < STEP_COUNT ? (size_t)to - at : STEP_COUNT;
        mapfile_window(&r->map, at);    /* the pages ahead in place, those behind let go */
#if KAM_CSV_AVX2
        if (r->avx2 && __builtin_cpu_supports("popcnt"))
            lines += line_ends_avx2(r->map.data + at, n, lf_only, &carry);
        else
#endif
            lines += line_ends_bytes(r->map.data + at, n, lf_only, &carry);
        at += n;
    }
    return lines;
}

bool rd_csv_set_avx2(CsvReader *r, bool on)
{
#if KAM_CSV_AVX2
    r->avx2 = on && __builtin_cpu_supports("avx2");
#else
    (void)on;
    r->avx2 = false;
#endif
    return r->avx2;
}

size_t rd_csv_batch(CsvReader *r, const unsigned char *conv, long key, long long stop,
                    double *const *vals, size_t max)
{
    if (r->failed || !r->started || r->keep == SIZE_MAX || r->keep == 0) return 0;
    if (r->map.data) mapfile_window(&r->map, r->pos);
#if KAM_CSV_AVX2
    return r->avx2 ? batch_avx2(r, conv, key, stop, vals, max)
                   : batch_sse2(r, conv, key, stop, vals, max);
#elif defined(__SSE2__)
    return batch_sse2(r, conv, key, stop, vals, max);
#else
    (void)conv, (void)key, (void)stop, (void)vals, (void)max;
    return 0;
#endif
}
