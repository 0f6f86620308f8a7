/* dates.c — date built-ins: days_since, months_since (relative to the
 * VM's today) and days_between. */
#include "std.h"
#include "../runtime/date.h"
#include "../runtime/vm.h"

static int64_t today(struct Vm *vm)
{
    return vm->regs[vm->c->today_reg].u.i;
}

void std_days_since(Value *d, const Value *a, int n, struct Vm *vm)
{
    (void)n;
    *d = val_num((double)(today(vm) - a[0].u.i));
}

void std_months_since(Value *d, const Value *a, int n, struct Vm *vm)
{
    (void)n;
    *d = val_num((double)date_months_between((int32_t)a[0].u.i, (int32_t)today(vm)));
}

void std_days_between(Value *d, const Value *a, int n, struct Vm *vm)
{
    (void)n, (void)vm;
    *d = val_num((double)(a[1].u.i - a[0].u.i));
}
