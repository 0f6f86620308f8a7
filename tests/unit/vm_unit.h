/* vm_unit.h — what the VM unit tests (test_vm_fuse.c, test_vm_runs.c)
 * share: making an instruction, and comparing the registers after running
 * the same code fused and unfused (every register's value bits, length and
 * missing flag: the fields, not the padding). */
#ifndef KAM_VM_UNIT_H
#define KAM_VM_UNIT_H
#include "vm.h"

#include <stdio.h>

static Instr ins(OpCode op, int x, int d, int a, int b)
{
    Instr in = {(uint8_t)op, (uint16_t)x, (uint16_t)d, (uint16_t)a, (uint16_t)b};
    return in;
}

/* A VM on c whose own code is made (fused, or the chunk's code as it is);
 * *nfused: how many of its instructions are fused ones. */
static Vm *vm_made(const Chunk *c, bool fused, int *nfused)
{
    Vm *vm = vm_new(c);
    vm->nofuse = !fused;                /* unfused: the chunk's code as it is */
    vm_run(vm, c->ncode - 1);           /* a HALT: makes the VM's code */
    int n = 0;
    for (int i = 0; i < c->ncode; i++) n += vm->code[i].op >= OP__COUNT;
    if (nfused) *nfused = n;
    return vm;
}

/* The register fields a run leaves (not the padding), into out. */
static void regs_taken(const Vm *vm, Value *out, int n)
{
    for (int i = 0; i < n; i++) {
        out[i].u = vm->regs[i].u;
        out[i].len = vm->regs[i].len;
        out[i].missing = vm->regs[i].missing;
    }
}

/* The first of n registers where f and u differ, with both sides said in
 * why; -1 (and why empty) when they agree. */
static int regs_differ(const Value *f, const Value *u, int n, char *why, size_t cap)
{
    why[0] = '\0';
    for (int i = 0; i < n; i++) {
        if (f[i].u.i == u[i].u.i && f[i].len == u[i].len && f[i].missing == u[i].missing) continue;
        snprintf(why, cap, "r%d %#llx/%#llx len %u/%u missing %u/%u", i, (unsigned long long)f[i].u.i,
                 (unsigned long long)u[i].u.i, f[i].len, u[i].len, f[i].missing, u[i].missing);
        return i;
    }
    return -1;
}

#endif
