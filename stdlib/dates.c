/* dates.c — date built-ins: days_since, months_since (relative to the
 * VM's today) and days_between. */
#include "std.h"
#include "../base/date.h"
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
    int32_t t = (int32_t)today(vm);
    if (vm->today_days != t || !vm->today_known) {     /* today's y-m-d, once */
        date_to_ymd(t, &vm->today_y, &vm->today_m, &vm->today_d);
        vm->today_days = t;
        vm->today_known = true;
    }
    int y, m, day;
    date_to_ymd((int32_t)a[0].u.i, &y, &m, &day);
    int months = (vm->today_y * 12 + vm->today_m) - (y * 12 + m);
    if (vm->today_d < day) months--;    /* as date_months_between */
    *d = val_num((double)months);
}

void std_days_between(Value *d, const Value *a, int n, struct Vm *vm)
{
    (void)n, (void)vm;
    *d = val_num((double)(a[1].u.i - a[0].u.i));
}
