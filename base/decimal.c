/* decimal.c — decimal text to double with one rounding, and rounding a
 * double at a decimal place as on paper (see decimal.h). The text is first
 * reduced to its significant digits D and a power of ten X (value = D *
 * 10^X, the shift folded into X); short cases are one exact division or
 * multiplication, the rest one strtod call on "De X". Nothing else here. */
#include "decimal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Significant digits kept: a double's halfway points have at most 767, so
 * 780 digits and a sticky 1 for a nonzero rest round as the whole would. */
enum { MAX_SIG = 780 };

/* Powers of ten that are exact doubles. */
static const double pow10_exact[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8,
                                     1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                     1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

typedef struct Dec {
    bool neg;
    char dig[MAX_SIG + 2];  /* significant digits, no leading or trailing zeros */
    int k;                  /* how many */
    long long x;            /* value = dig * 10^x */
} Dec;

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static DecStatus scan(const char *s, size_t n, int shift, Dec *d)
{
    size_t i = 0;
    d->neg = false;
    d->k = 0;
    if (i < n && (s[i] == '-' || s[i] == '+')) d->neg = s[i++] == '-';
    long long dropped = 0;      /* significant digits past MAX_SIG */
    bool sticky = false;        /* one of them is not zero */
    size_t ndig = 0, nfrac = 0;
    for (int part = 0; part < 2; part++) {      /* the integer part, then the fraction */
        if (part == 1) {
            if (i >= n || s[i] != '.') break;
            i++;
        }
        for (; i < n && is_digit(s[i]); i++, ndig++) {
            if (part == 1) nfrac++;
            if (d->k == 0 && s[i] == '0') continue;     /* a leading zero */
            if (d->k < MAX_SIG) {
                d->dig[d->k++] = s[i];
            } else {
                dropped++;
                if (s[i] != '0') sticky = true;
            }
        }
    }
    if (ndig == 0) return DEC_SYNTAX;
    long long exp = 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        bool eneg = false;
        if (i < n && (s[i] == '-' || s[i] == '+')) eneg = s[i++] == '-';
        if (i >= n || !is_digit(s[i])) return DEC_SYNTAX;
        for (; i < n && is_digit(s[i]); i++)
            if (exp < 1000000000) exp = exp * 10 + (s[i] - '0');     /* beyond: saturated */
        if (eneg) exp = -exp;
    }
    if (i != n) return DEC_SYNTAX;
    d->x = exp + shift - (long long)nfrac + dropped;
    if (sticky) {
        d->dig[d->k++] = '1';
        d->x--;
    } else {
        while (d->k && d->dig[d->k - 1] == '0') {
            d->k--;
            d->x++;
        }
    }
    d->dig[d->k] = '\0';
    return DEC_OK;
}

/* The digits as an integer (at most 18 of them). */
static uint64_t mantissa(const Dec *d)
{
    uint64_t m = 0;
    for (int i = 0; i < d->k; i++) m = m * 10 + (uint64_t)(d->dig[i] - '0');
    return m;
}

static DecStatus to_double(const Dec *d, double *out)
{
    if (d->k == 0) {
        *out = 0;
        return DEC_OK;
    }
    /* value in [10^(k+x-1), 10^(k+x)): DBL_MAX is 1.8e308, the least
       subnormal 4.9e-324 (half of it rounds to zero) */
    if (d->k + d->x - 1 > 308) return DEC_RANGE;
    if (d->k + d->x < -324) return DEC_TINY;
    double v;
    if (d->k <= 15 && d->x <= 0 && d->x >= -22) {
        v = (double)mantissa(d) / pow10_exact[-d->x];      /* both exact: one rounding */
    } else if (d->k <= 15 && d->x > 0 && d->k + d->x <= 15) {
        v = (double)mantissa(d) * pow10_exact[d->x];       /* an exact integer */
    } else {
        char buf[MAX_SIG + 32];
        snprintf(buf, sizeof buf, "%se%lld", d->dig, d->x);
        v = strtod(buf, NULL);                              /* correctly rounded */
        if (isinf(v)) return DEC_RANGE;
        if (v == 0) return DEC_TINY;
    }
    *out = d->neg ? -v : v;
    return DEC_OK;
}

DecStatus dec_parse(const char *s, size_t n, int shift, double *out)
{
    Dec d;
    DecStatus st = scan(s, n, shift, &d);
    return st != DEC_OK ? st : to_double(&d, out);
}

DecStatus dec_parse_int(const char *s, size_t n, int shift, double *out)
{
    Dec d;
    DecStatus st = scan(s, n, shift, &d);
    if (st != DEC_OK) return st;
    if (d.k == 0) {
        *out = 0;
        return DEC_OK;
    }
    if (d.x < 0) return DEC_NOT_WHOLE;
    if (d.k + d.x > 16) return DEC_RANGE;
    uint64_t m = mantissa(&d);
    for (long long i = 0; i < d.x; i++) m *= 10;           /* at most 16 digits: fits */
    if ((double)m > DEC_INT_MAX || m > (uint64_t)1 << 53) return DEC_RANGE;
    *out = d.neg ? -(double)m : (double)m;
    return DEC_OK;
}

/* The shortest decimal that reads back as x (x finite, not zero), as
 * digits and the power of ten of the last one. */
static void shortest(double x, Dec *d)
{
    char e[40];
    int lo = 1, hi = 17;            /* 17 digits always read back */
    while (lo < hi) {               /* and more digits do once some do */
        int mid = (lo + hi) / 2;
        snprintf(e, sizeof e, "%.*e", mid - 1, x);
        if (strtod(e, NULL) == x) hi = mid;
        else lo = mid + 1;
    }
    snprintf(e, sizeof e, "%.*e", lo - 1, x);
    /* e is "[-]D[.DDD]e(+|-)XX" */
    const char *p = e;
    d->neg = *p == '-';
    if (d->neg) p++;
    d->k = 0;
    for (; *p && *p != 'e'; p++)
        if (is_digit(*p)) d->dig[d->k++] = *p;
    d->dig[d->k] = '\0';
    d->x = (*p == 'e' ? atoi(p + 1) : 0) - (d->k - 1);
}

double dec_round(double x, int digits)
{
    if (!isfinite(x) || x == 0) return x;
    if (digits > 400) return x;
    if (digits < -400) return 0;
    /* Far from a halfway point the plain way is exact: y is within two
       units in its last place (below 2^-20) of the shortest decimal times
       10^digits, and the quotient or product is one rounding of the
       decimal result. */
    if (digits >= -22 && digits <= 22) {
        double scale = pow10_exact[digits < 0 ? -digits : digits];
        double y = digits >= 0 ? x * scale : x / scale;
        double f = fabs(y - trunc(y));
        if (fabs(y) < 2147483648.0 && fabs(f - 0.5) > 1e-5) {
            double r = round(y);
            return digits >= 0 ? r / scale : r * scale;
        }
    }
    Dec d;
    shortest(x, &d);
    if (d.x >= -digits) return x;               /* no digit beyond the place */
    long long drop = -digits - d.x;             /* digits past the place */
    bool up;
    int keep;
    if (drop > d.k) {                           /* below a tenth of the place */
        keep = 0;
        up = false;
    } else {
        keep = d.k - (int)drop;
        up = d.dig[keep] >= '5';                /* half or more: away from zero */
    }
    char buf[64];
    int len = 0;
    buf[len++] = '0';                           /* room for a carry */
    memcpy(buf + len, d.dig, (size_t)keep);
    len += keep;
    if (up) {
        int i = len - 1;
        if (keep == 0) buf[len++] = '1';
        else {
            while (buf[i] == '9') buf[i--] = '0';
            buf[i]++;
        }
    }
    if (len == 1) return 0;                     /* rounds to nothing */
    snprintf(buf + len, sizeof buf - (size_t)len, "e%d", -digits);
    double v = strtod(buf, NULL);
    return d.neg ? -v : v;
}
