/* str.c — string built-ins: lower, upper (ASCII letters only), len (in
 * UTF-8 characters), contains, starts_with. Results that are new strings
 * live in the caller's per-record scratch space (StdCtx). */
#include "std.h"

#include <string.h>

static void map_case(Value *d, const Value *a, StdCtx *cx, int upper)
{
    uint32_t n = a[0].len;
    char *out = cx->scratch(cx->owner, n ? n : 1);
    for (uint32_t i = 0; i < n; i++) {
        char c = a[0].u.str[i];
        if (upper && c >= 'a' && c <= 'z') c = (char)(c - 'a' + 'A');
        if (!upper && c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
        out[i] = c;
    }
    *d = val_str(out, n);
}

void std_lower(Value *d, const Value *a, int n, StdCtx *cx)
{
    (void)n;
    map_case(d, a, cx, 0);
}

void std_upper(Value *d, const Value *a, int n, StdCtx *cx)
{
    (void)n;
    map_case(d, a, cx, 1);
}

void std_len(Value *d, const Value *a, int n, StdCtx *cx)
{
    (void)n, (void)cx;
    double count = 0;
    for (uint32_t i = 0; i < a[0].len; i++)
        if (((unsigned char)a[0].u.str[i] & 0xC0) != 0x80) count++;
    *d = val_num(count);
}

void std_contains(Value *d, const Value *a, int n, StdCtx *cx)
{
    (void)n, (void)cx;
    const char *s = a[0].u.str, *part = a[1].u.str;
    uint32_t ls = a[0].len, lp = a[1].len;
    int found = lp == 0;
    for (uint32_t i = 0; !found && lp <= ls && i <= ls - lp; i++)
        if (s[i] == part[0] && memcmp(s + i, part, lp) == 0) found = 1;
    *d = val_int(found);
}

void std_starts_with(Value *d, const Value *a, int n, StdCtx *cx)
{
    (void)n, (void)cx;
    *d = val_int(a[1].len <= a[0].len && (a[1].len == 0 || memcmp(a[0].u.str, a[1].u.str, a[1].len) == 0));
}
