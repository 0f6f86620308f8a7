/* registry.h — the built-in functions as the checker sees them: name,
 * arity and a signature class that says how argument units map to the
 * result. One table (registry.c) lists them all; the VM's implementations
 * are looked up by the same index. Aggregates (total, count, avg, min and
 * max of one argument, rank, percentile) are marked as such: they range
 * over all records and make the runtime do a first pass. */
#ifndef KAM_REGISTRY_H
#define KAM_REGISTRY_H

#include <stdbool.h>

typedef enum {
    SIG_NUM_SAME,       /* abs, floor, ceil: numeric -> the same unit */
    SIG_ROUND,          /* round(x [, digits]): numeric -> the same unit */
    SIG_MINMAX,         /* min/max(a, b, ...): numerics of one unit -> that unit */
    SIG_CLAMP,          /* clamp(x, lo, hi): numerics of one unit -> that unit */
    SIG_DATE_INT,       /* days_since, months_since: date -> int */
    SIG_DATE2_INT,      /* days_between(a, b): dates -> int */
    SIG_STR_STR,        /* lower, upper: string -> string */
    SIG_STR_INT,        /* len: string -> int */
    SIG_STR2_BOOL,      /* contains, starts_with: strings -> bool */
    SIG_MATCHES,        /* matches(s, "regex"): the pattern must be a literal */
    SIG_ENTITLED,       /* entitled(name): bool */
    SIG_AGG_SAME,       /* total, avg, min, max over records: numeric -> unit */
    SIG_AGG_COUNT,      /* count() or count(bool) over records -> int */
    SIG_AGG_RANK,       /* rank(x): 1 = highest x -> int */
    SIG_AGG_PERCENTILE  /* percentile(x): share of records with a lower x -> percent */
} SigKind;

struct Value;
struct StdCtx;
/* An implementation: d = f(args[0..n)); see std.h. NULL for the functions
 * the VM does itself (aggregates, entitled, matches). */
typedef void (*StdFn)(struct Value *d, const struct Value *args, int n, struct StdCtx *cx);

typedef struct StdFunc {
    const char *name;
    StdFn fn;
    int min_args, max_args;
    SigKind sig;
    bool aggregate;
    const char *doc;    /* one line for help and completion */
} StdFunc;

/* The function of that name accepting nargs arguments, or -1. If the name
 * exists with another arity, *name_known is set. */
int std_lookup(const char *name, int nargs, bool *name_known);
const StdFunc *std_func(int index);
int std_count(void);

#endif
