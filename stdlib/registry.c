/* registry.c — the table of built-in functions (see registry.h). Order
 * matters only in that min and max appear twice: the scalar forms take two
 * or more arguments, the aggregates exactly one. */
#include "std.h"

#include <string.h>

static const StdFunc funcs[] = {
    {"abs", std_abs, 1, 1, SIG_NUM_SAME, false, "abs(x): x without its sign"},
    {"floor", std_floor, 1, 1, SIG_NUM_SAME, false, "floor(x): the largest whole number <= x"},
    {"ceil", std_ceil, 1, 1, SIG_NUM_SAME, false, "ceil(x): the smallest whole number >= x"},
    {"round", std_round, 1, 2, SIG_ROUND, false, "round(x [, digits]): x rounded half away from zero"},
    {"min", std_min, 2, 16, SIG_MINMAX, false, "min(a, b, ...): the smallest"},
    {"max", std_max, 2, 16, SIG_MINMAX, false, "max(a, b, ...): the largest"},
    {"clamp", std_clamp, 3, 3, SIG_CLAMP, false, "clamp(x, lo, hi): x kept within [lo, hi]"},
    {"days_since", std_days_since, 1, 1, SIG_DATE_INT, false, "days_since(d): days from d to today"},
    {"months_since", std_months_since, 1, 1, SIG_DATE_INT, false, "months_since(d): whole months from d to today"},
    {"days_between", std_days_between, 2, 2, SIG_DATE2_INT, false, "days_between(a, b): days from a to b"},
    {"lower", std_lower, 1, 1, SIG_STR_STR, false, "lower(s): s in lower case (ASCII)"},
    {"upper", std_upper, 1, 1, SIG_STR_STR, false, "upper(s): s in upper case (ASCII)"},
    {"len", std_len, 1, 1, SIG_STR_INT, false, "len(s): the number of characters in s"},
    {"contains", std_contains, 2, 2, SIG_STR2_BOOL, false, "contains(s, part): whether part occurs in s"},
    {"starts_with", std_starts_with, 2, 2, SIG_STR2_BOOL, false, "starts_with(s, prefix)"},
    {"matches", NULL, 2, 2, SIG_MATCHES, false, "matches(s, \"regex\"): regular expression search (POSIX ERE, linear time)"},
    {"entitled", NULL, 1, 1, SIG_ENTITLED, false, "entitled(name): whether the entitlement holds"},
    {"total", NULL, 1, 1, SIG_AGG_SAME, true, "total(x [where c]): sum of x over all records"},
    {"count", NULL, 0, 1, SIG_AGG_COUNT, true, "count([c] [where c]): records (for which c holds)"},
    {"avg", NULL, 1, 1, SIG_AGG_SAME, true, "avg(x [where c]): mean of x over all records"},
    {"min", NULL, 1, 1, SIG_AGG_SAME, true, "min(x [where c]): smallest x over all records"},
    {"max", NULL, 1, 1, SIG_AGG_SAME, true, "max(x [where c]): largest x over all records"},
    {"rank", NULL, 1, 1, SIG_AGG_RANK, true, "rank(x [where c]): 1 for the record with the highest x"},
    {"percentile", NULL, 1, 1, SIG_AGG_PERCENTILE, true,
     "percentile(x [where c]): share of records whose x is lower"},
};

int std_count(void)
{
    return (int)(sizeof funcs / sizeof funcs[0]);
}

const StdFunc *std_func(int index)
{
    return &funcs[index];
}

int std_lookup(const char *name, int nargs, bool *name_known)
{
    *name_known = false;
    for (int i = 0; i < std_count(); i++) {
        if (strcmp(funcs[i].name, name) != 0) continue;
        *name_known = true;
        if (nargs >= funcs[i].min_args && nargs <= funcs[i].max_args) return i;
    }
    return -1;
}
