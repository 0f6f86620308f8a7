/* dates.h — the arithmetic behind days_since and months_since, inline, for
 * their built-ins (dates.c) and for the VM's own instructions that do the
 * same without a call (runtime/vm.c): one definition, so both give the
 * same answer for every date, the missing value's bits included. */
#ifndef KAM_DATES_H
#define KAM_DATES_H

#include "std.h"
#include "../base/date.h"

/* date_to_ymd, without a division, for the dates kam handles (DATE_MIN to
 * DATE_MAX); other day counts (a missing date's bits) go to date_to_ymd.
 * The count is shifted to start on a 1 March far enough back to be
 * positive, then the century, the year of the century and the day of the
 * year come from multiplications and shifts (the "Euclidean affine
 * functions" of Neri and Schneider's calendar algorithms). Checked against
 * date_to_ymd for every day in range by tests/unit/test_vm_dates.c. */
#if defined(__GNUC__)
#define DATES_INLINE static inline __attribute__((always_inline))
#else
#define DATES_INLINE static inline
#endif

DATES_INLINE void dates_ymd(int32_t days, int *y, int *m, int *d)
{
    if (days < DATE_MIN || days > DATE_MAX) {
        date_to_ymd(days, y, m, d);
        return;
    }
    /* 82 eras of 400 years before 0000-03-01: every count in range is positive */
    uint32_t n = (uint32_t)(days + 719468 + 146097 * 82);
    uint32_t n1 = 4 * n + 3;
    uint32_t cent = n1 / 146097;                    /* a constant divisor: a multiply */
    uint32_t nc = n1 % 146097 / 4;                  /* day of the century */
    uint64_t p2 = (uint64_t)2939745 * (4 * nc + 3);
    uint32_t yoc = (uint32_t)(p2 >> 32);            /* year of the century */
    uint32_t doy = (uint32_t)p2 / 2939745 / 4;      /* day of the year from 1 March */
    uint32_t n3 = 2141 * doy + 197913;
    uint32_t mon = n3 >> 16;                        /* 3 .. 14 */
    uint32_t jan = doy >= 306;                      /* January or February */
    *y = (int)(100 * cent + yoc) - 400 * 82 + (int)jan;
    *m = (int)(jan ? mon - 12 : mon);
    *d = (int)((n3 & 0xffff) / 2141) + 1;
}

/* days_since(a): today less a, in days. */
DATES_INLINE Value dates_days_since(int64_t today, const Value *a)
{
    return val_num((double)(today - a->u.i));
}

/* months_since(a): whole months from a to today (date_months_between);
 * today's year, month and day are kept in cx, worked out again only when
 * today changes. */
DATES_INLINE Value dates_months_since(StdCtx *cx, int64_t today, const Value *a)
{
    int32_t t = (int32_t)today;
    if (cx->today_days != t || !cx->today_known) {
        dates_ymd(t, &cx->today_y, &cx->today_m, &cx->today_d);
        cx->today_days = t;
        cx->today_known = true;
    }
    int y, m, day;
    dates_ymd((int32_t)a->u.i, &y, &m, &day);
    /* date_months_between_ymd, inline (the tests hold them to each other) */
    int months = (cx->today_y * 12 + cx->today_m) - (y * 12 + m) - (cx->today_d < day);
    return val_num((double)months);
}

#endif
