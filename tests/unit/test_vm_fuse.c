/* test_vm_fuse.c — the pairs a VM's first vm_run fuses into one instruction
 * of its own code (runtime/vm.c, fuse()): a JF or JT over exactly one ADD, MOV or
 * comparison. Each pair is run twice on the same registers, fused (as
 * vm_run leaves it) and unfused (a VM told not to fuse, vm->nofuse), and
 * every register must come out byte for byte the same, with the same
 * status and error place: conditions false, true and other than
 * 1, operands less, equal and greater (numbers and integers, the extremes
 * of int64 included), -0, a sum that overflows only where its condition
 * holds, a destination that is missing or a string, a source that is. A
 * jump landing on the instruction a fused one skips must run it alone.
 * Prints "PASS name" or "FAIL name: reason"; exit 1 if any failed. */
#include "vm.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit_check.h"
#include "vm_unit.h"

enum { NREG = 8, NCODE = 8 };

static Instr code[NCODE];
static Span spans[NCODE];
static Value init[NREG];
static Chunk ch;

static void reset(void)
{
    memset(&ch, 0, sizeof ch);
    memset(code, 0, sizeof code);       /* HALT */
    memset(init, 0, sizeof init);
    for (int i = 0; i < NCODE; i++) spans[i] = (Span){0, i * 10, i * 10 + 5};
    ch.code = code;
    ch.spans = spans;
    ch.ncode = NCODE;
    ch.nregs = NREG;
    ch.init = init;
    ch.today_reg = NREG - 1;
}

typedef struct Outcome {
    int rc;
    int err_start;
    Value regs[NREG];
} Outcome;

/* Runs the chunk from pc 0, fused or not. */
static Outcome run(bool fused, int *nfused)
{
    Outcome o;
    memset(&o, 0, sizeof o);
    Vm *vm = vm_made(&ch, fused, nfused);
    o.rc = vm_run(vm, 0);
    o.err_start = o.rc ? (int)vm->err_span.start : -1;
    regs_taken(vm, o.regs, NREG);
    vm_free(vm);
    return o;
}

/* The same outcome both ways, and the pair really fused (want of them). */
static void agree(const char *name, int want)
{
    int nfused;
    Outcome f = run(true, &nfused), u = run(false, NULL);
    char why[300];
    int same = f.rc == u.rc && f.err_start == u.err_start;
    char regs[160];
    if (regs_differ(f.regs, u.regs, NREG, regs, sizeof regs) >= 0) same = 0;
    snprintf(why, sizeof why, "fused %d (want %d); rc %d/%d, error at %d/%d; %s", nfused, want, f.rc,
             u.rc, f.err_start, u.err_start, regs);
    check(name, same && nfused == want, why);
}

static Value odd(Value v, uint32_t len, uint8_t miss)
{
    v.len = len;
    v.missing = miss;
    return v;
}

/* Conditions: false, true, true but not 1, false and missing. */
static Value conds[4];

static void init_conds(void)
{
    conds[0] = val_int(0);
    conds[1] = val_int(1);
    conds[2] = val_int(-7);
    conds[3] = odd(val_int(0), 0, 1);
}

/* JF c; ADD d <- a, b (d = a or not), then HALT. */
static void test_add_if(void)
{
    static const double vals[][2] = {
        {1, 2}, {-0.0, -0.0}, {-0.0, 0.0}, {1e308, 1e308}, {-1e308, -1e308}, {0.1, 0.2}, {5, -5},
    };
    for (int c = 0; c < 4; c++)
        for (size_t v = 0; v < sizeof vals / sizeof vals[0]; v++)
            for (int same_d = 0; same_d < 2; same_d++) {
                reset();
                code[0] = ins(OP_JF, 0, 0, 1, 2);
                code[1] = ins(OP_ADD, 0, 2, same_d ? 2 : 3, 4);
                init[1] = conds[c];
                init[2] = same_d ? val_num(vals[v][0]) : odd(val_int(42), 3, 1);
                init[3] = val_num(vals[v][0]);
                init[4] = val_num(vals[v][1]);
                char name[120];
                snprintf(name, sizeof name, "ADD_IF cond %d, %g + %g, %s", c, vals[v][0], vals[v][1],
                         same_d ? "d = d + b" : "d = a + b over a missing d");
                agree(name, 1);
            }
}

/* JT/JF d; CMP d <- a, b: every comparison, every order of a and b. */
static void test_cmp(void)
{
    static const OpCode num_ops[] = {OP_EQ_N, OP_NE_N, OP_LT_N, OP_LE_N, OP_GT_N, OP_GE_N};
    static const OpCode int_ops[] = {OP_EQ_I, OP_NE_I, OP_LT_I, OP_LE_I, OP_GT_I, OP_GE_I};
    static const double nums[][2] = {{1, 2}, {2, 2}, {3, 2}, {-0.0, 0.0}, {-1e300, 1e300}};
    static const int64_t ints[][2] = {
        {1, 2}, {2, 2}, {3, 2}, {INT64_MIN, INT64_MAX}, {INT64_MAX, INT64_MIN}, {-1, 0},
    };
    for (int jt = 0; jt < 2; jt++)
        for (int c = 0; c < 4; c++)
            for (int k = 0; k < 6; k++) {
                for (size_t v = 0; v < sizeof nums / sizeof nums[0]; v++) {
                    reset();
                    code[0] = ins(jt ? OP_JT : OP_JF, 0, 0, 1, 2);
                    code[1] = ins(num_ops[k], 0, 1, 2, 3);
                    init[1] = odd(conds[c], c == 2 ? 9 : 0, conds[c].missing);
                    init[2] = val_num(nums[v][0]);
                    init[3] = val_num(nums[v][1]);
                    char name[120];
                    snprintf(name, sizeof name, "%s cond %d, %s %g %g", jt ? "OR_N" : "AND_N", c,
                             op_names[num_ops[k]], nums[v][0], nums[v][1]);
                    agree(name, 1);
                }
                for (size_t v = 0; v < sizeof ints / sizeof ints[0]; v++) {
                    reset();
                    code[0] = ins(jt ? OP_JT : OP_JF, 0, 0, 1, 2);
                    code[1] = ins(int_ops[k], 0, 1, 2, 3);
                    init[1] = odd(conds[c], c == 2 ? 9 : 0, conds[c].missing);
                    init[2] = val_int(ints[v][0]);
                    init[3] = val_int(ints[v][1]);
                    char name[120];
                    snprintf(name, sizeof name, "%s cond %d, %s %lld %lld", jt ? "OR_I" : "AND_I", c,
                             op_names[int_ops[k]], (long long)ints[v][0], (long long)ints[v][1]);
                    agree(name, 1);
                }
            }
}

/* JT/JF d; MOV d <- a, with a a string, a missing value, a number. */
static void test_mov(void)
{
    static const char text[] = "partner";
    Value srcs[3] = {val_str(text, 7), odd(val_int(0), 0, 1), val_num(-2.5)};
    for (int jt = 0; jt < 2; jt++)
        for (int c = 0; c < 4; c++)
            for (int s = 0; s < 3; s++) {
                reset();
                code[0] = ins(jt ? OP_JT : OP_JF, 0, 0, 1, 2);
                code[1] = ins(OP_MOV, 0, 1, 2, 0);
                init[1] = conds[c];
                init[2] = srcs[s];
                char name[120];
                snprintf(name, sizeof name, "%s cond %d, source %d", jt ? "OR_MOV" : "AND_MOV", c, s);
                agree(name, 1);
            }
}

/* Pairs that must not fuse, and a jump onto the skipped instruction. */
static void test_edges(void)
{
    /* the jump goes past more than one instruction */
    reset();
    code[0] = ins(OP_JF, 0, 0, 1, 3);
    code[1] = ins(OP_ADD, 0, 2, 2, 3);
    init[1] = val_int(0);
    init[2] = val_num(1);
    init[3] = val_num(2);
    agree("JF over two instructions: not fused", 0);
    /* the comparison writes another register than the one tested */
    reset();
    code[0] = ins(OP_JT, 0, 0, 1, 2);
    code[1] = ins(OP_GE_N, 0, 4, 2, 3);
    init[1] = val_int(0);
    init[2] = val_num(1);
    init[3] = val_num(2);
    agree("JT; GE_N into another register: not fused", 0);
    /* a JMP onto the ADD that ADD_IF skips runs it alone, whatever the condition */
    for (int c = 0; c < 2; c++) {
        reset();
        code[0] = ins(OP_JMP, 0, 0, 0, 2);
        code[1] = ins(OP_JF, 0, 0, 1, 3);
        code[2] = ins(OP_ADD, 0, 2, 2, 3);
        init[1] = val_int(c);
        init[2] = val_num(10);
        init[3] = val_num(5);
        char name[80];
        snprintf(name, sizeof name, "a jump onto the skipped ADD runs it (cond %d)", c);
        agree(name, 1);
        Vm *vm = vm_new(&ch);
        int rc = vm_run(vm, 0);
        check(name, rc == 0 && vm->regs[2].u.num == 15, "the ADD was not run once");
        vm_free(vm);
    }
    /* an overflow in the fused ADD is reported at the ADD (span 10) */
    reset();
    code[0] = ins(OP_JF, 0, 0, 1, 2);
    code[1] = ins(OP_ADD, 0, 2, 2, 3);
    init[1] = val_int(1);
    init[2] = val_num(1e308);
    init[3] = val_num(1e308);
    Vm *vm = vm_new(&ch);
    int rc = vm_run(vm, 0);
    check("ADD_IF overflow: an error at the ADD",
          rc == -1 && vm->err_span.start == 10 && vm->err && strstr(vm->err, "sum"),
          "no error, or not at the ADD's span");
    vm_free(vm);
    /* two pairs in a row, the second starting where the first's skip ends */
    reset();
    code[0] = ins(OP_JT, 0, 0, 1, 2);
    code[1] = ins(OP_GT_N, 0, 1, 2, 3);
    code[2] = ins(OP_JF, 0, 0, 1, 4);
    code[3] = ins(OP_ADD, 0, 4, 4, 2);
    for (int c = 0; c < 2; c++) {
        init[1] = val_int(c);
        init[2] = val_num(3);
        init[3] = val_num(2);
        init[4] = val_num(100);
        agree(c ? "OR_N then ADD_IF (cond true)" : "OR_N then ADD_IF (cond false)", 2);
    }
}

int main(void)
{
    init_conds();
    test_add_if();
    test_cmp();
    test_mov();
    test_edges();
    return failures ? 1 : 0;
}
