/* std.h — the calling convention of built-in functions: the VM passes the
 * destination register, the argument registers and itself (for today and
 * for scratch space). Argument types were checked at compile time. */
#ifndef KAM_STD_H
#define KAM_STD_H

#include "registry.h"
#include "../base/value.h"

struct Vm;

/* Math (math.c) */
void std_abs(Value *d, const Value *a, int n, struct Vm *vm);
void std_floor(Value *d, const Value *a, int n, struct Vm *vm);
void std_ceil(Value *d, const Value *a, int n, struct Vm *vm);
void std_round(Value *d, const Value *a, int n, struct Vm *vm);
void std_min(Value *d, const Value *a, int n, struct Vm *vm);
void std_max(Value *d, const Value *a, int n, struct Vm *vm);
void std_clamp(Value *d, const Value *a, int n, struct Vm *vm);
/* Dates (dates.c) */
void std_days_since(Value *d, const Value *a, int n, struct Vm *vm);
void std_months_since(Value *d, const Value *a, int n, struct Vm *vm);
void std_days_between(Value *d, const Value *a, int n, struct Vm *vm);
/* Strings (str.c) */
void std_lower(Value *d, const Value *a, int n, struct Vm *vm);
void std_upper(Value *d, const Value *a, int n, struct Vm *vm);
void std_len(Value *d, const Value *a, int n, struct Vm *vm);
void std_contains(Value *d, const Value *a, int n, struct Vm *vm);
void std_starts_with(Value *d, const Value *a, int n, struct Vm *vm);

#endif
