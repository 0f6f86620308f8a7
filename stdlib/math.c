/* math.c — numeric built-ins: abs, floor, ceil, round, min, max, clamp.
 * Units are the checker's business; here every number is a double. A
 * function that cannot give a finite result sets cx->err. */
#include "std.h"
#include "../base/decimal.h"

#include <math.h>

void std_abs(Value *d, const Value *a, int n, StdCtx *cx)
{
    (void)n, (void)cx;
    *d = val_num(fabs(a[0].u.num));
}

void std_floor(Value *d, const Value *a, int n, StdCtx *cx)
{
    (void)n, (void)cx;
    *d = val_num(floor(a[0].u.num));
}

void std_ceil(Value *d, const Value *a, int n, StdCtx *cx)
{
    (void)n, (void)cx;
    *d = val_num(ceil(a[0].u.num));
}

/* Half away from zero; with digits, at that decimal place (negative digits
 * round to tens, hundreds, ...), on the shortest decimal that reads back as
 * x, so round(1.005, 2) is 1.01 as on paper (base/decimal.c). A result
 * beyond a double (round(1.7e308, -308)) is an error for the record. */
void std_round(Value *d, const Value *a, int n, StdCtx *cx)
{
    double x = a[0].u.num;
    if (n < 2) {
        *d = val_num(round(x));
        return;
    }
    double digits = round(a[1].u.num);
    if (digits > 400) digits = 400;
    if (digits < -400) digits = -400;
    double r = dec_round(x, (int)digits);
    if (!isfinite(r)) cx->err = "round() overflows (its magnitude passes 1.8e308)";
    *d = val_num(r);
}

void std_min(Value *d, const Value *a, int n, StdCtx *cx)
{
    (void)cx;
    double m = a[0].u.num;
    for (int i = 1; i < n; i++)
        if (a[i].u.num < m) m = a[i].u.num;
    *d = val_num(m);
}

void std_max(Value *d, const Value *a, int n, StdCtx *cx)
{
    (void)cx;
    double m = a[0].u.num;
    for (int i = 1; i < n; i++)
        if (a[i].u.num > m) m = a[i].u.num;
    *d = val_num(m);
}

void std_clamp(Value *d, const Value *a, int n, StdCtx *cx)
{
    (void)n, (void)cx;
    double x = a[0].u.num, lo = a[1].u.num, hi = a[2].u.num;
    *d = val_num(x < lo ? lo : x > hi ? hi : x);
}
