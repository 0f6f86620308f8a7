/* dates.c — date built-ins: days_since, months_since (relative to the
 * caller's today, StdCtx; their arithmetic is dates.h's, which the VM also
 * runs inline) and days_between. */
#include "dates.h"

void std_days_since(Value *d, const Value *a, int n, StdCtx *cx)
{
    (void)n;
    *d = dates_days_since(cx->today, &a[0]);
}

void std_months_since(Value *d, const Value *a, int n, StdCtx *cx)
{
    (void)n;
    *d = dates_months_since(cx, cx->today, &a[0]);
}

void std_days_between(Value *d, const Value *a, int n, StdCtx *cx)
{
    (void)n, (void)cx;
    *d = val_num((double)(a[1].u.i - a[0].u.i));
}
