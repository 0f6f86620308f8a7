/* reader_pct.c — the tally behind the "looks like whole percentages"
 * warning (see reader_pct.h). Classifying a value reads its digits only:
 * no conversion, so noting costs little on the record loop's fast path. */
#include "reader_pct.h"

#include <stdlib.h>
#include <string.h>

RdPctScan *rd_pct_new(const Schema *p)
{
    RdPctScan *scan = xcalloc(1, sizeof *scan);
    scan->n = p->nfields;
    scan->col = xcalloc((size_t)p->nfields + 1, sizeof(RdPctColumn));
    return scan;
}

void rd_pct_free(RdPctScan *scan)
{
    if (!scan) return;
    free(scan->col);
    free(scan);
}

enum { PCT_NONE, PCT_ZERO, PCT_FRACTION, PCT_WHOLE };

static bool is_space(char c)
{
    return c == ' ' || c == '\t';
}

/* The shape of an unsigned decimal: 0, a fraction (at most 1 in size) or
 * above 1; PCT_NONE for a % sign, an exponent or anything not a number.
 * With comma, a decimal comma counts as the point (a ';' file's 35,5). */
static int shape(const char *s, size_t n, bool comma)
{
    while (n && is_space(*s)) s++, n--;
    while (n && is_space(s[n - 1])) n--;
    if (n && (*s == '-' || *s == '+')) s++, n--;
    size_t i = 0;
    while (i < n && s[i] == '0') i++;               /* leading zeros */
    size_t int_start = i;
    while (i < n && s[i] >= '0' && s[i] <= '9') i++;
    size_t int_digits = i - int_start;
    bool frac_nonzero = false, any_digit = int_digits > 0 || int_start > 0;
    if (i < n && (s[i] == '.' || (comma && s[i] == ','))) {
        for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
            if (s[i] != '0') frac_nonzero = true;
            any_digit = true;
        }
    }
    if (i != n || !any_digit) return PCT_NONE;      /* 12%, 1e3, text */
    if (int_digits > 1 || (int_digits == 1 && s[int_start] > '1')) return PCT_WHOLE;
    if (int_digits == 1) return frac_nonzero ? PCT_WHOLE : PCT_FRACTION;    /* 1.5 or 1 */
    return frac_nonzero ? PCT_FRACTION : PCT_ZERO;
}

void rd_pct_value(RdPctScan *scan, int field, double v, const char *text, size_t len)
{
    if (!scan || field < 0 || field >= scan->n) return;
    RdPctColumn *c = &scan->col[field];
    c->values++;
    double a = v < 0 ? -v : v;
    if (a > 1) {
        c->whole++;
        if (!c->example[0] && len < sizeof c->example) {
            memcpy(c->example, text, len);
            c->example[len] = '\0';
        }
    } else if (a > 0) {
        c->fraction++;
    }
}

void rd_pct_note(RdPctScan *scan, int field, const char *text, size_t len, bool decimal_comma)
{
    if (!scan || field < 0 || field >= scan->n) return;
    while (len && is_space(*text)) text++, len--;
    while (len && is_space(text[len - 1])) len--;
    if (!len) return;                               /* missing */
    RdPctColumn *c = &scan->col[field];
    c->values++;
    switch (shape(text, len, decimal_comma)) {
    case PCT_WHOLE:
        c->whole++;
        if (!c->example[0] && len < sizeof c->example) {
            memcpy(c->example, text, len);
            c->example[len] = '\0';
        }
        break;
    case PCT_FRACTION:
        c->fraction++;
        break;
    default:
        break;
    }
}

int rd_pct_report(const RdPctScan *scan, const Schema *p, const char *path, FILE *out)
{
    int warned = 0;
    for (int i = 0; scan && i < scan->n && i < p->nfields; i++) {
        const RdPctColumn *c = &scan->col[i];
        if (!c->whole || c->whole <= c->fraction) continue;
        if (c->example[0]) {
            char num[sizeof c->example];    /* a decimal comma (a ';' file's) read as its point */
            memcpy(num, c->example, sizeof num);
            char *comma = strchr(num, ',');
            if (comma) *comma = '.';
            double v = strtod(num, NULL);
            fprintf(out, "kam: %s: warning: column %s: %ld of %ld values look like whole "
                    "percentages (e.g. %s, read as %.12g%%); write %s%% or %.12g\n", path,
                    p->fields[i].name, c->whole, c->values, c->example, v * 100,
                    c->example, v / 100);
        } else {
            fprintf(out, "kam: %s: warning: column %s: %ld of %ld values look like whole "
                    "percentages (35 is read as 3500%%); write 35%% or 0.35\n", path,
                    p->fields[i].name, c->whole, c->values);
        }
        warned++;
    }
    return warned;
}
