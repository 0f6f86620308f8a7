/* dates.c — date built-ins: days_since, months_since (relative to the
 * caller's today, StdCtx) and days_between. */
#include "std.h"
#include "../base/date.h"

static int64_t today(StdCtx *cx)
{
    return cx->today;
}

void std_days_since(Value *d, const Value *a, int n, StdCtx *cx)
{
    (void)n;
    *d = val_num((double)(today(cx) - a[0].u.i));
}

void std_months_since(Value *d, const Value *a, int n, StdCtx *cx)
{
    (void)n;
    int32_t t = (int32_t)today(cx);
    if (cx->today_days != t || !cx->today_known) {     /* today's y-m-d, once */
        date_to_ymd(t, &cx->today_y, &cx->today_m, &cx->today_d);
        cx->today_days = t;
        cx->today_known = true;
    }
    int y, m, day;
    date_to_ymd((int32_t)a[0].u.i, &y, &m, &day);
    *d = val_num((double)date_months_between_ymd(y, m, day, cx->today_y, cx->today_m, cx->today_d));
}

void std_days_between(Value *d, const Value *a, int n, StdCtx *cx)
{
    (void)n, (void)cx;
    *d = val_num((double)(a[1].u.i - a[0].u.i));
}
