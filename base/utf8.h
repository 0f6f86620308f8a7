/* utf8.h — UTF-8 by the book: the length of a well-formed sequence and
 * the encoding of a code point. Inline, as the JSON scanner's string loop
 * calls them per multi-byte character. (runtime/writer.c and lang/diag.c
 * keep laxer checks of their own, for showing text, not validating it.) */
#ifndef KAM_UTF8_H
#define KAM_UTF8_H

#include <stddef.h>

/* Length of the valid UTF-8 sequence at p (2 to 4; *p >= 0x80), or 0 if
 * it is not one: a stray continuation byte, an overlong form, an encoded
 * surrogate, a code point over U+10FFFF, or a sequence cut short. These
 * are exactly the well-formed sequences of Unicode's Table 3-7. */
static inline size_t utf8_valid_len(const unsigned char *p, const unsigned char *end)
{
    unsigned char c = p[0];
    size_t n;
    unsigned char lo = 0x80, hi = 0xBF;   /* range of the second byte */
    if (c >= 0xC2 && c <= 0xDF) n = 2;
    else if (c == 0xE0) n = 3, lo = 0xA0;
    else if (c == 0xED) n = 3, hi = 0x9F;
    else if (c >= 0xE1 && c <= 0xEF) n = 3;
    else if (c == 0xF0) n = 4, lo = 0x90;
    else if (c == 0xF4) n = 4, hi = 0x8F;
    else if (c >= 0xF1 && c <= 0xF3) n = 4;
    else return 0;
    if ((size_t)(end - p) < n) return 0;
    if (p[1] < lo || p[1] > hi) return 0;
    for (size_t i = 2; i < n; i++)
        if (p[i] < 0x80 || p[i] > 0xBF) return 0;
    return n;
}

/* Writes code point cp (valid, not a surrogate) as UTF-8; returns its length. */
static inline size_t utf8_encode(char *w, unsigned long cp)
{
    if (cp < 0x80) {
        w[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        w[0] = (char)(0xC0 | (cp >> 6));
        w[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        w[0] = (char)(0xE0 | (cp >> 12));
        w[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        w[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    w[0] = (char)(0xF0 | (cp >> 18));
    w[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    w[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    w[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

#endif
