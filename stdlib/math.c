/* math.c — numeric built-ins: abs, floor, ceil, round, min, max, clamp.
 * Units are the checker's business; here every number is a double. */
#include "std.h"

#include <math.h>

void std_abs(Value *d, const Value *a, int n, struct Vm *vm)
{
    (void)n, (void)vm;
    *d = val_num(fabs(a[0].u.num));
}

void std_floor(Value *d, const Value *a, int n, struct Vm *vm)
{
    (void)n, (void)vm;
    *d = val_num(floor(a[0].u.num));
}

void std_ceil(Value *d, const Value *a, int n, struct Vm *vm)
{
    (void)n, (void)vm;
    *d = val_num(ceil(a[0].u.num));
}

/* Half away from zero; with digits, at that decimal place (negative digits
 * round to tens, hundreds, ...). */
void std_round(Value *d, const Value *a, int n, struct Vm *vm)
{
    (void)vm;
    double x = a[0].u.num;
    if (n < 2) {
        *d = val_num(round(x));
        return;
    }
    double digits = round(a[1].u.num);
    if (digits > 15) digits = 15;
    if (digits < -15) digits = -15;
    double scale = pow(10, digits);
    *d = val_num(round(x * scale) / scale);
}

void std_min(Value *d, const Value *a, int n, struct Vm *vm)
{
    (void)vm;
    double m = a[0].u.num;
    for (int i = 1; i < n; i++)
        if (a[i].u.num < m) m = a[i].u.num;
    *d = val_num(m);
}

void std_max(Value *d, const Value *a, int n, struct Vm *vm)
{
    (void)vm;
    double m = a[0].u.num;
    for (int i = 1; i < n; i++)
        if (a[i].u.num > m) m = a[i].u.num;
    *d = val_num(m);
}

void std_clamp(Value *d, const Value *a, int n, struct Vm *vm)
{
    (void)n, (void)vm;
    double x = a[0].u.num, lo = a[1].u.num, hi = a[2].u.num;
    *d = val_num(x < lo ? lo : x > hi ? hi : x);
}
