/* json.c — the strict RFC 8259 parser declared in json.h: validation of a
 * whole JSON text, and the token scanners the JSON Lines reader uses. It
 * builds no tree, converts no numbers and allocates nothing.
 *
 * json_scan_value is iterative: the open arrays and objects are a byte
 * stack of at most JSON_MAX_DEPTH entries in its own frame, so 100000 '['
 * cost 512 bytes of stack and a message, never a crash. Every scanner is
 * bounded by an explicit end pointer (inputs need no terminator and may
 * hold NUL bytes), and every loop moves forward by at least one byte, so
 * the time is linear in the input.
 *
 * Strings are the hot path for the reader (a JSON Lines record is mostly
 * keys and short strings): plain ASCII runs are skipped 8 bytes at a time
 * with word-wide bit tests, UTF-8 sequences are checked where they stand,
 * and only an escape makes the decoder copy (towards the front, in place).
 * Escape decoding is kept out of line so that the plain path stays small. */
#include "json.h"
#include "../base/utf8.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* String byte classes: 0 plain ASCII, else what the scanner must look at. */
enum { SC_PLAIN, SC_QUOTE, SC_BACKSLASH, SC_CONTROL, SC_HIGH };

static const unsigned char string_class[256] = {
#define C4(x) x, x, x, x
#define C16(x) C4(x), C4(x), C4(x), C4(x)
    C16(SC_CONTROL), C16(SC_CONTROL),                       /* 0x00-0x1F */
    0, 0, SC_QUOTE, 0, C4(0), C4(0), C4(0),                 /* 0x20-0x2F */
    C16(0),                                                  /* 0x30-0x3F */
    C16(0),                                                  /* 0x40-0x4F */
    C4(0), C4(0), C4(0), SC_BACKSLASH, 0, 0, 0,              /* 0x50-0x5F */
    C16(0), C16(0),                                          /* 0x60-0x7F */
    C16(SC_HIGH), C16(SC_HIGH), C16(SC_HIGH), C16(SC_HIGH),  /* 0x80-0xBF */
    C16(SC_HIGH), C16(SC_HIGH), C16(SC_HIGH), C16(SC_HIGH),  /* 0xC0-0xFF */
#undef C16
#undef C4
};

/* The 8 bytes in x, as loaded from memory, flagged (bit 7 of each byte)
 * where a byte is not plain in a string: below 0x20, '"', '\\', or 0x80
 * and up. These are the classic "has a zero byte" / "has a byte below n"
 * bit tricks: a borrow may flag extra bytes above a true one, but never
 * below it and never misses one, so the lowest flag is exact. */
static uint64_t special_bytes(uint64_t x)
{
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    uint64_t quote = x ^ (ones * '"'), backslash = x ^ (ones * '\\');
    return (((x - ones * 0x20) & ~x) | ((quote - ones) & ~quote) | ((backslash - ones) & ~backslash) |
            x) & highs;
}

/* Whether this machine is little-endian (folded to a constant). */
static int little_endian(void)
{
    const uint32_t one = 1;
    unsigned char first;
    memcpy(&first, &one, 1);
    return first == 1;
}

/* The first byte in q..end that is not plain in a string, or end. On a
 * little-endian machine the lowest-addressed byte of a word is its lowest
 * byte, so the first flagged byte is found by counting trailing zeros. */
static const unsigned char *skip_plain(const unsigned char *q, const unsigned char *end)
{
#if defined(__GNUC__) || defined(__clang__)
    if (little_endian()) {
        for (uint64_t x, m; end - q >= 8; q += 8) {
            memcpy(&x, q, 8);
            if ((m = special_bytes(x)) != 0) return q + (__builtin_ctzll(m) >> 3);
        }
    }
#endif
    while (q < end && string_class[*q] == SC_PLAIN) q++;
    return q;
}

/* JSON whitespace: space, tab, LF, CR. */
static int is_space(unsigned char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

static int is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

/* Records an error at `at` and returns NULL, for `return fail(...)`. */
static const char *fail(JsonError *e, const char *at, JsonErrorKind kind, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static const char *fail(JsonError *e, const char *at, JsonErrorKind kind, const char *fmt, ...)
{
    e->at = at;
    e->kind = kind;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    return NULL;
}

/* Names the byte at p for a message: 'x', 0xNN, or the end of the input. */
static const char *describe(const char *p, const char *end, char out[24])
{
    if (p >= end) return "the end of the input";
    unsigned char c = (unsigned char)*p;
    if (c == '\'') snprintf(out, 24, "\"'\"");
    else if (c > 0x20 && c < 0x7f) snprintf(out, 24, "'%c'", c);
    else snprintf(out, 24, "byte 0x%02X", c);
    return out;
}

const char *json_skip_space(const char *p, const char *end)
{
    while (p < end && is_space((unsigned char)*p)) p++;
    return p;
}

/* The value of the 4 hex digits at p (bounds checked by the caller), or
 * -1 if one is not a hex digit. */
static long hex4(const unsigned char *p)
{
    long v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned char c = p[i];
        int d;
        if (c >= '0' && c <= '9') d = c - '0';
        else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
        else return -1;
        v = v * 16 + d;
    }
    return v;
}

/* Decodes the escape at q ('\\'), within q..end, into w (if not NULL).
 * Returns the byte after the escape and adds the bytes written to *wn, or
 * NULL with e filled in. The output is never longer than the escape. Kept
 * out of line so that json_scan_string stays small for plain strings. */
static const unsigned char *unescape(const unsigned char *q, const unsigned char *end, char *w,
                                     size_t *wn, JsonError *e) __attribute__((noinline));
static const unsigned char *unescape(const unsigned char *q, const unsigned char *end, char *w,
                                     size_t *wn, JsonError *e)
{
    char b[24];
    if (end - q < 2) {
        fail(e, (const char *)q, JSON_ERR_SYNTAX, "unterminated string (the input ends in an escape)");
        return NULL;
    }
    char c;
    switch (q[1]) {
    case '"': c = '"'; break;
    case '\\': c = '\\'; break;
    case '/': c = '/'; break;
    case 'b': c = '\b'; break;
    case 'f': c = '\f'; break;
    case 'n': c = '\n'; break;
    case 'r': c = '\r'; break;
    case 't': c = '\t'; break;
    case 'u': {
        if (end - q < 6 || hex4(q + 2) < 0) {
            fail(e, (const char *)q, JSON_ERR_SYNTAX, "\\u must be followed by 4 hex digits");
            return NULL;
        }
        unsigned long cp = (unsigned long)hex4(q + 2);
        size_t used = 6;
        if (cp >= 0xDC00 && cp <= 0xDFFF) {
            fail(e, (const char *)q, JSON_ERR_SYNTAX,
                 "lone low surrogate \\u%04lX (it must follow a high surrogate \\uD800-\\uDBFF)", cp);
            return NULL;
        }
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            long lo = -1;
            if (end - q >= 12 && q[6] == '\\' && q[7] == 'u') lo = hex4(q + 8);
            if (lo < 0xDC00 || lo > 0xDFFF) {
                fail(e, (const char *)q, JSON_ERR_SYNTAX,
                     "lone high surrogate \\u%04lX (it must be followed by a low surrogate "
                     "\\uDC00-\\uDFFF)", cp);
                return NULL;
            }
            cp = 0x10000 + ((cp - 0xD800) << 10) + ((unsigned long)lo - 0xDC00);
            used = 12;
        }
        if (w) *wn += utf8_encode(w, cp);
        return q + used;
    }
    default:
        if (q[1] > 0x20 && q[1] < 0x7f)
            fail(e, (const char *)q, JSON_ERR_SYNTAX,
                 "invalid escape \\%c (valid: \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)", q[1]);
        else
            fail(e, (const char *)q, JSON_ERR_SYNTAX,
                 "invalid escape: a backslash followed by %s", describe((const char *)q + 1, (const char *)end, b));
        return NULL;
    }
    if (w) {
        *w = c;
        (*wn)++;
    }
    return q + 2;
}

const char *json_scan_string(const char *p, const char *end, char *out, size_t *outlen,
                             JsonError *e)
{
    const unsigned char *q = (const unsigned char *)p + 1, *run = q;
    const unsigned char *e8 = (const unsigned char *)end;
    size_t wn = 0;   /* bytes of out written */
    for (;;) {
        q = skip_plain(q, e8);
        if (q == e8)
            return fail(e, p, JSON_ERR_SYNTAX, "unterminated string (no closing quote)");
        unsigned char c = *q;
        if (c == '"') break;
        if (c >= 0x80) {
            size_t n = utf8_valid_len(q, e8);
            if (!n)
                return fail(e, (const char *)q, JSON_ERR_UTF8,
                            "invalid UTF-8: byte 0x%02X does not begin a well-formed sequence", c);
            q += n;
            continue;
        }
        if (c < 0x20)
            return fail(e, (const char *)q, JSON_ERR_SYNTAX,
                        "control character 0x%02X in a string (it must be escaped, e.g. as \\u%04X)",
                        c, c);
        /* a backslash: flush the plain run, then decode the escape */
        if (out) {
            size_t n = (size_t)(q - run);
            if (out + wn != (const char *)run) memmove(out + wn, run, n);
            wn += n;
        }
        q = unescape(q, e8, out ? out + wn : NULL, &wn, e);
        if (!q) return NULL;
        run = q;
    }
    if (out) {
        size_t n = (size_t)(q - run);
        if (out + wn != (const char *)run) memmove(out + wn, run, n);
        wn += n;
        out[wn] = '\0';
        *outlen = wn;
    }
    return (const char *)q + 1;
}

const char *json_scan_number(const char *p, const char *end, JsonError *e)
{
    char b[24];
    const char *q = p;
    if (*q == '-') q++;
    if (q == end || !is_digit((unsigned char)*q))
        return fail(e, q, JSON_ERR_SYNTAX, "expected a digit after '-', found %s", describe(q, end, b));
    if (*q == '0') {
        q++;
        if (q < end && is_digit((unsigned char)*q))
            return fail(e, p, JSON_ERR_SYNTAX, "number with a leading zero");
    } else {
        while (q < end && is_digit((unsigned char)*q)) q++;
    }
    if (q < end && *q == '.') {
        q++;
        if (q == end || !is_digit((unsigned char)*q))
            return fail(e, q, JSON_ERR_SYNTAX, "expected a digit after the decimal point, found %s",
                        describe(q, end, b));
        while (q < end && is_digit((unsigned char)*q)) q++;
    }
    if (q < end && (*q == 'e' || *q == 'E')) {
        q++;
        if (q < end && (*q == '+' || *q == '-')) q++;
        if (q == end || !is_digit((unsigned char)*q))
            return fail(e, q, JSON_ERR_SYNTAX, "expected a digit in the exponent, found %s",
                        describe(q, end, b));
        while (q < end && is_digit((unsigned char)*q)) q++;
    }
    if (q < end) {
        unsigned char c = (unsigned char)*q;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' || c == '+' || c == '-' ||
            is_digit(c) || c >= 0x80)
            return fail(e, q, JSON_ERR_SYNTAX, "unexpected %s after the number", describe(q, end, b));
    }
    return q;
}

/* Checks a literal word (true, false, null) at p. */
static const char *scan_word(const char *p, const char *end, const char *word, size_t n, JsonError *e)
{
    if ((size_t)(end - p) < n || memcmp(p, word, n) != 0) {
        size_t i = 0;
        while (i < n && p + i < end && p[i] == word[i]) i++;
        char b[24];
        return fail(e, p + i, JSON_ERR_SYNTAX, "expected '%s', found %s", word, describe(p + i, end, b));
    }
    p += n;
    if (p < end && ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || is_digit((unsigned char)*p))) {
        char b[24];
        return fail(e, p, JSON_ERR_SYNTAX, "unexpected %s after '%s'", describe(p, end, b), word);
    }
    return p;
}

/* p is just after '{' or an object's ','; checks the key and the colon
 * and returns where the member's value starts (whitespace skipped). */
static const char *scan_key(const char *p, const char *end, int after_comma, JsonError *e)
{
    char b[24];
    p = json_skip_space(p, end);
    if (p == end || *p != '"') {
        if (after_comma && p < end && *p == '}')
            return fail(e, p, JSON_ERR_SYNTAX, "expected a key after ',' (trailing comma before '}')");
        return fail(e, p, JSON_ERR_SYNTAX, "expected a string key, found %s", describe(p, end, b));
    }
    p = json_scan_string(p, end, NULL, NULL, e);
    if (!p) return NULL;
    p = json_skip_space(p, end);
    if (p == end || *p != ':')
        return fail(e, p, JSON_ERR_SYNTAX, "expected ':' after an object key, found %s",
                    describe(p, end, b));
    return json_skip_space(p + 1, end);
}

const char *json_scan_value(const char *p, const char *end, int max_depth, JsonError *e)
{
    unsigned char open[JSON_MAX_DEPTH];   /* '[' or '{' for each open container */
    int depth = 0;
    int after_comma = 0;                  /* the value expected follows a ',' */
    char b[24];
    if (max_depth > JSON_MAX_DEPTH) max_depth = JSON_MAX_DEPTH;
    for (;;) {
        /* p is at a value */
        if (p == end) return fail(e, p, JSON_ERR_SYNTAX, "expected a value, found the end of the input");
        switch (*p) {
        case '"':
            p = json_scan_string(p, end, NULL, NULL, e);
            break;
        case 't':
            p = scan_word(p, end, "true", 4, e);
            break;
        case 'f':
            p = scan_word(p, end, "false", 5, e);
            break;
        case 'n':
            p = scan_word(p, end, "null", 4, e);
            break;
        case '-': case '0': case '1': case '2': case '3': case '4':
        case '5': case '6': case '7': case '8': case '9':
            p = json_scan_number(p, end, e);
            break;
        case '[':
        case '{': {
            char c = *p;
            if (depth >= max_depth)
                return fail(e, p, JSON_ERR_DEPTH, "arrays and objects nested more than %d deep",
                            JSON_MAX_DEPTH);
            p = json_skip_space(p + 1, end);
            if (p < end && *p == (c == '[' ? ']' : '}')) {   /* empty */
                p++;
                break;
            }
            open[depth++] = (unsigned char)c;
            after_comma = 0;
            if (c == '{') p = scan_key(p, end, 0, e);
            if (!p) return NULL;
            continue;   /* at the first element's value */
        }
        case ']':
        case '}':
        case ',':
            return fail(e, p, JSON_ERR_SYNTAX, "expected a value, found %s%s", describe(p, end, b),
                        after_comma && *p == ']' ? " (trailing comma before ']')" : "");
        default:
            return fail(e, p, JSON_ERR_SYNTAX, "expected a value, found %s", describe(p, end, b));
        }
        if (!p) return NULL;
        after_comma = 0;
        /* a value ended at p: close containers until one continues */
        for (;;) {
            if (depth == 0) return p;
            p = json_skip_space(p, end);
            int arr = open[depth - 1] == '[';
            if (p < end && *p == ',') {
                p = arr ? json_skip_space(p + 1, end) : scan_key(p + 1, end, 1, e);
                if (!p) return NULL;
                after_comma = arr;
                break;
            }
            if (p < end && *p == (arr ? ']' : '}')) {
                p++;
                depth--;
                continue;
            }
            return fail(e, p, JSON_ERR_SYNTAX, "expected ',' or '%c' after %s, found %s",
                        arr ? ']' : '}', arr ? "an array element" : "an object member",
                        describe(p, end, b));
        }
    }
}

int json_validate(const char *s, size_t n, char *err, size_t errlen)
{
    const char *end = s + n, *p = json_skip_space(s, end);
    JsonError e;
    char b[24];
    if (p == end) {
        fail(&e, p, JSON_ERR_SYNTAX, "expected a JSON value, found %s",
             n ? "only whitespace" : "an empty input");
    } else if ((p = json_scan_value(p, end, JSON_MAX_DEPTH, &e)) != NULL) {
        p = json_skip_space(p, end);
        if (p == end) {
            if (errlen) err[0] = '\0';
            return 0;
        }
        fail(&e, p, JSON_ERR_SYNTAX, "unexpected %s after the JSON value", describe(p, end, b));
    }
    if (errlen) snprintf(err, errlen, "at byte %zu: %s", (size_t)(e.at - s), e.msg);
    return -1;
}
