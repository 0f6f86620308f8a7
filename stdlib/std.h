/* std.h — the calling convention of built-in functions: the caller (the
 * VM) passes the destination register, the argument registers and a StdCtx
 * (today, scratch space, an error slot); built-ins see nothing else of it.
 * Argument types were checked at compile time. The stdlib layer sits
 * between base and the runtime: it includes base only. */
#ifndef KAM_STD_H
#define KAM_STD_H

#include "registry.h"
#include "../base/value.h"

#include <stddef.h>
#include <stdint.h>

/* What a built-in may use of its caller. */
typedef struct StdCtx {
    int64_t today;          /* the evaluation date, days since 1970-01-01 */
    int32_t today_days;     /* months_since's cache of today's y-m-d */
    int today_y, today_m, today_d;
    bool today_known;
    /* n bytes of per-record string space (lower, upper), valid until the
       caller's next record */
    char *(*scratch)(void *owner, size_t n);
    void *owner;            /* the scratch callback's first argument */
    const char *err;        /* set by a built-in to fail the record (the
                               caller clears it before the call) */
} StdCtx;

/* Math (math.c) */
void std_abs(Value *d, const Value *a, int n, StdCtx *cx);
void std_floor(Value *d, const Value *a, int n, StdCtx *cx);
void std_ceil(Value *d, const Value *a, int n, StdCtx *cx);
void std_round(Value *d, const Value *a, int n, StdCtx *cx);
void std_min(Value *d, const Value *a, int n, StdCtx *cx);
void std_max(Value *d, const Value *a, int n, StdCtx *cx);
void std_clamp(Value *d, const Value *a, int n, StdCtx *cx);
/* Dates (dates.c) */
void std_days_since(Value *d, const Value *a, int n, StdCtx *cx);
void std_months_since(Value *d, const Value *a, int n, StdCtx *cx);
void std_days_between(Value *d, const Value *a, int n, StdCtx *cx);
/* Strings (str.c) */
void std_lower(Value *d, const Value *a, int n, StdCtx *cx);
void std_upper(Value *d, const Value *a, int n, StdCtx *cx);
void std_len(Value *d, const Value *a, int n, StdCtx *cx);
void std_contains(Value *d, const Value *a, int n, StdCtx *cx);
void std_starts_with(Value *d, const Value *a, int n, StdCtx *cx);

#endif
