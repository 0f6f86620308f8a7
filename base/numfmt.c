/* numfmt.c — numbers written for people (see numfmt.h). A double becomes
 * its shortest decimal (the fewest significant digits that read back as
 * it), is rounded at a decimal place on those digits, and is laid out
 * positionally with its thousands grouped. No exponent is ever printed.
 * Nothing else here: which style a value gets is the caller's decision. */
#include "numfmt.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A positive decimal: dig[0].dig[1]dig[2]... times 10^e; n digits, no
 * trailing zeros; n == 0 is zero. */
typedef struct {
    char dig[24];
    int n;
    int e;
} Digits;

/* The shortest decimal that reads back as a (a > 0, finite). */
static void shortest(double a, Digits *d)
{
    char t[40];
    for (int p = 1; p <= 17; p++) {
        snprintf(t, sizeof t, "%.*e", p - 1, a);
        if (strtod(t, NULL) == a) break;
    }
    d->n = 0;
    const char *s = t;
    for (; *s && *s != 'e'; s++)
        if (*s >= '0' && *s <= '9') d->dig[d->n++] = *s;
    d->e = *s == 'e' ? atoi(s + 1) : 0;
    while (d->n > 0 && d->dig[d->n - 1] == '0') d->n--;
}

/* Rounds d half away from zero at `places` decimal places. */
static void round_at(Digits *d, int places)
{
    int keep = d->e + places + 1;       /* digits at or above the place */
    if (keep >= d->n) return;
    if (keep < 0) {                     /* below a tenth of the place */
        d->n = 0;
        return;
    }
    bool up = d->dig[keep] >= '5';
    d->n = keep;
    if (up) {
        int i = keep - 1;
        while (i >= 0 && d->dig[i] == '9') d->dig[i--] = '0';
        if (i >= 0) {
            d->dig[i]++;
        } else {                        /* 9.99 -> 10, or nothing kept: 1 at the place */
            d->dig[0] = '1';
            d->n = 1;
            d->e = keep == 0 ? -places : d->e + 1;
            return;
        }
    }
    while (d->n > 0 && d->dig[d->n - 1] == '0') d->n--;
}

/* Appends c to out (size NUM_TEXT_MAX) at *k, if there is room. */
static void put(char *out, size_t *k, char c)
{
    if (*k + 1 < NUM_TEXT_MAX) out[(*k)++] = c;
}

/* d laid out with `places` decimals (trailing zeros dropped unless
 * `fixed`), the whole part grouped, after `sign`. */
static size_t layout(const char *sign, const Digits *d, int places, bool fixed, char *out)
{
    size_t k = 0;
    for (const char *s = sign; *s; s++) put(out, &k, *s);
    if (d->e < 0 || d->n == 0) {
        put(out, &k, '0');
    } else {
        for (int i = 0; i <= d->e; i++) {
            put(out, &k, i < d->n ? d->dig[i] : '0');
            int left = d->e - i;        /* digits still to come before the point */
            if (left && left % 3 == 0) put(out, &k, ',');
        }
    }
    int shown = places;
    if (!fixed) {                       /* the last nonzero decimal */
        shown = 0;
        for (int j = 1; j <= places; j++) {
            int i = d->e + j;
            if (i >= 0 && i < d->n) shown = j;
        }
    }
    if (shown > 0) {
        put(out, &k, '.');
        for (int j = 1; j <= shown; j++) {
            int i = d->e + j;
            put(out, &k, i >= 0 && i < d->n ? d->dig[i] : '0');
        }
    }
    out[k] = '\0';
    return k;
}

/* The text of x in style; `plus`: "+" and U+2212 as the signs. */
static size_t format(double x, NumStyle style, bool plus, char *out)
{
    if (isnan(x)) return (size_t)snprintf(out, NUM_TEXT_MAX, "not a number");
    if (isinf(x)) return (size_t)snprintf(out, NUM_TEXT_MAX, "%sinfinity", x < 0 ? (plus ? "\u2212" : "-") : plus ? "+" : "");
    bool neg = x < 0;
    Digits d = {.n = 0, .e = 0};
    if (x != 0) shortest(fabs(x), &d);
    if (style == NUM_INT && d.n > d.e + 1) style = NUM_PLAIN;    /* not whole after all */
    int places = 0;
    bool fixed = false, nonzero = d.n > 0;
    switch (style) {
    case NUM_MONEY:
        places = 2;
        fixed = true;
        break;
    case NUM_PERCENT:
        d.e += 2;                       /* times 100, exactly, on the digits */
        places = 2;
        if (nonzero && d.e < -2) d.n = 0;   /* below 0.01%: the bound below */
        break;
    case NUM_INT:
        break;
    default:
        places = d.e >= 0 ? 2 : 2 - d.e;    /* below 1: three significant digits */
        if (nonzero && d.e < -6) d.n = 0;   /* below 0.000001: the bound below */
        break;
    }
    round_at(&d, places);
    const char *pct = style == NUM_PERCENT ? "%" : "";
    if (d.n == 0 && nonzero) {          /* too small to show: say so, not 0 */
        const char *bound = style == NUM_PERCENT ? "0.01" : style == NUM_PLAIN ? "0.000001" : NULL;
        if (bound)
            return (size_t)snprintf(out, NUM_TEXT_MAX, "%s%s%s", neg ? ">-" : "<", bound, pct);
    }
    const char *sign = d.n == 0 ? "" : neg ? (plus ? "\u2212" : "-") : plus ? "+" : "";
    size_t k = layout(sign, &d, places, fixed, out);
    if (*pct && k + 1 < NUM_TEXT_MAX) {
        out[k++] = '%';
        out[k] = '\0';
    }
    return k;
}

static size_t copy_out(const char *text, size_t n, char *buf, size_t cap)
{
    if (cap == 0) return 0;
    if (n >= cap) n = cap - 1;
    memcpy(buf, text, n);
    buf[n] = '\0';
    return n;
}

size_t num_format(double x, NumStyle style, char *buf, size_t cap)
{
    char text[NUM_TEXT_MAX];
    return copy_out(text, format(x, style, false, text), buf, cap);
}

size_t num_format_signed(double x, NumStyle style, char *buf, size_t cap)
{
    char text[NUM_TEXT_MAX];
    return copy_out(text, format(x, style, true, text), buf, cap);
}

size_t num_format_exact(double x, char *buf, size_t cap)
{
    char text[NUM_TEXT_MAX];
    size_t k = 0;
    if (!isfinite(x) || x == 0) {
        k = (size_t)snprintf(text, sizeof text, "%s", isnan(x) ? "not a number" : x == 0 ? "0" : x < 0 ? "-infinity" : "infinity");
        return copy_out(text, k, buf, cap);
    }
    Digits d;
    shortest(fabs(x), &d);
    if (x < 0) put(text, &k, '-');
    if (d.e < 0) put(text, &k, '0');
    for (int i = 0; i <= d.e; i++) put(text, &k, i < d.n ? d.dig[i] : '0');
    if (d.n > d.e + 1) {
        put(text, &k, '.');
        for (int i = d.e + 1; i < d.n; i++) put(text, &k, i < 0 ? '0' : d.dig[i]);
    }
    text[k] = '\0';
    return copy_out(text, k, buf, cap);
}

void num_group_thousands(const char *plain, char *buf, size_t cap)
{
    const char *dot = strchr(plain, '.');
    size_t ilen = dot ? (size_t)(dot - plain) : strlen(plain);
    size_t start = plain[0] == '-' ? 1 : 0, k = 0;
    char out[NUM_TEXT_MAX];
    if (start) out[k++] = '-';
    for (size_t i = start; i < ilen && k + 2 < sizeof out; i++) {
        out[k++] = plain[i];
        size_t left = ilen - i - 1;
        if (left && left % 3 == 0) out[k++] = ',';
    }
    out[k] = '\0';
    if (cap) snprintf(buf, cap, "%s%s", out, dot ? dot : "");
}
