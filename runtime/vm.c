/* vm.c — the interpreter loop. Dispatch is threaded (a table of label
 * addresses, one indirect jump at the end of each instruction; a switch
 * elsewhere); every instruction reads and writes registers only. See
 * opcodes.def for what each instruction does. Each VM runs its own copy of
 * the chunk's code, made by its first vm_run (fuse()): common runs of
 * instructions fused into one (below), and every register field a byte
 * offset into the register file, in 32-bit fields (VmInstr), so an
 * operand is one load and no scaling. The chunk's code, which the
 * disassembler, the engine's what-if analysis and the docs read, is never
 * changed. */
#include "vm.h"
#include "../base/date.h"
#include "../stdlib/dates.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Instructions only a VM's own copy of the code holds (fuse() makes them;
 * the chunk, the disassembler and docs/bytecode.md never see them). Each
 * stands in for a short run of the chunk's instructions, does exactly what
 * they do in order, and skips them; the skipped instructions stay, for a
 * jump that lands on one of them. fuse() goes from the end back, so one
 * that reads the operands of the instructions after it finds them in
 * their final form. tests/unit/test_vm_fuse.c and test_vm_runs.c run each
 * against the unfused code.
 *
 * Pairs whose jump over one instruction becomes a data-independent select
 * (a score's weights and the `and`/`or` of lets depend on each account, so
 * such a jump is mispredicted often); each keeps the second instruction's
 * operands:
 *   ADD_IF   JF c; ADD d <- a, b      d = a + b if c holds (x = c)
 *   OR_N_<R>   JT d; <R>_N d <- a, b    d = d, or else a <R> b
 *   AND_N_<R>  JF d; <R>_N d <- a, b    d = a <R> b if d, or else d
 *   OR_I_<R>, AND_I_<R>                the same with <R>_I (integers)
 *              (<R>: EQ NE LT LE GT GE, one instruction each: a comparison
 *              chosen by a mask in x cost a third more)
 *   OR_MOV   JT d; MOV d <- a         d = d, or else a
 *   AND_MOV  JF d; MOV d <- a         d = a if d, or else d
 *
 * A comparison and a jump on its result, a MOV and a pair after it on
 * the same register (the next instruction's operands read from it):
 *   CJF_N_<R>  <R>_N d <- a, b; JF d -> t   (CJT_ with JT, _I integers)
 *   MOV_OR_MOV, MOV_AND_MOV   MOV d <- a; then OR_MOV / AND_MOV on d
 * Calls of days_since and months_since, without the call (their
 * arithmetic is stdlib/dates.h's, the built-ins' own; neither can fail):
 *   DSINCE, MSINCE   CALL d <- a, 1 [days_since / months_since]
 *   MOV_DSINCE       MOV t <- a; CALL d <- t, 1 [days_since]  (b = d)
 *   MOV_MSINCE       the same with months_since
 *   COAL_DSINCE      COALESCE; then the MOV_DSINCE after it (its operands)
 *   COAL_MSINCE      COALESCE; then the MOV_MSINCE after it
 * Runs of a tier's or stage's branch and an entitlement's term:
 *   MOV2_JMP   MOV d <- a; MOV d2 <- a2; JMP t   (the next two's operands)
 *   MOV2       MOV d <- a; MOV d2 <- a2          (the next one's operands)
 *   JF_MOV2_JMP  JF c -> +4; then the MOV2_JMP after it (c is this one's a)
 *   SEL_MISS   JF c -> +3; MOV d <- a; JMP -> +4; SET_MISSING d
 *              d = a if c holds, or else the missing member; no jump taken
 *              (c is this one's a; d and a the MOV's)
 *   ADD_IF_GE  JFGE_N a, b -> +2; ADD   the ADD (its operands read from the
 *              next instruction) if a >= b, as ADD_IF
 * A chain of JFEQ_I on one register, each jumping to the next when its
 * constant differs (the stages' "from" tests; a tier or flag on an enum):
 *   SWITCH_EQ  JFEQ_I a, k1 -> L2; ... L2: JFEQ_I a, k2 -> L3; ... Ln: ...
 *              one jump: to the instruction after the first link whose
 *              constant equals a, or to where the last link goes; x: the
 *              table's place in vm->sw (lowest constant, span, where to
 *              go when none matches, then by constant, where to go)
 * A stage comparison with a constant (an entitlement's `kam_stage >=
 * mid_kam`) is a range check:
 *   IN_RANGE   LT_ST .. GE_ST d <- a, b with b a constant: d = lo <= a < hi,
 *              lo and hi - lo at vm->sw[x] (an empty range if b is final)
 * A score's lines, a run of ADD_IF and ADD_IF_GE pairs adding to one
 * register (its own sum: ADD acc <- acc, w), neither condition nor addend
 * being that register:
 *   ACC_RUN    d = acc, x: the run's table in vm->sw (how many, then per
 *              pair: 1 for JFGE_N or 0 for JF, its two registers (JF's
 *              twice), w); the sum is kept out of memory along the run;
 *              an overflow is the failing ADD's error, as before
 *   ACC_CONST  MOV acc <- c; then an ACC_RUN on acc, where c (not -0.0)
 *              and every weight are constants whose magnitudes add up to
 *              at most 1e300 (no sum can overflow): acc = c plus the
 *              weights whose condition holds, in order, without a branch
 *              or a check (a weight not taken adds +0.0, which leaves
 *              every sum but -0.0 as it is; a sum is -0.0 only if it was
 *              before, so none is); x: the table (how many, c's bits,
 *              then per pair as ACC_RUN's, with w's bits)
 * An aggregate read that needs no lookup:
 *   AGG_SUM    AGG d <- a [x] of total() without `per`: d = the sum
 *   AGG_AVG    the same of avg(): d = sum / count, or 0 when count is 0
 *   AGG_MIN    the same of min(): d = the least, or 0 when count is 0
 *   AGG_MAX    the same of max(): d = the greatest, or 0 when count is 0
 * Two conditional jumps in a row to the same place (the `and` of a rule's
 * conditions, a stage's "from" test and its condition), one branch on both
 * conditions (the second's is worked out even when the first fails: it
 * only reads registers):
 *   JJ_<1><2>  the first jump's operands (its target moved to d), the
 *              second's read from the next instruction; <1>, <2> say what
 *              each is: B JF (holds: a is true), T JT (a is false), G
 *              JFGE_N (a >= b), E JFEQ_I (a == b). (The other JFxx, and a
 *              comparison chosen by a mask, were rarer or cost more.) */
enum {
    OP_ADD_IF = OP__COUNT, OP_OR_MOV, OP_AND_MOV, OP_MOV_OR_MOV, OP_MOV_AND_MOV,
#define CMP_RELS(X) X(EQ, ==) X(NE, !=) X(LT, <) X(LE, <=) X(GT, >) X(GE, >=)
#define CMP_ENUM(RN, op) OP_OR_N_##RN, OP_AND_N_##RN, OP_OR_I_##RN, OP_AND_I_##RN, \
    OP_CJF_N_##RN, OP_CJT_N_##RN, OP_CJF_I_##RN, OP_CJT_I_##RN,
    CMP_RELS(CMP_ENUM)
#undef CMP_ENUM
    OP_DSINCE, OP_MSINCE, OP_MOV_DSINCE, OP_MOV_MSINCE, OP_COAL_DSINCE, OP_COAL_MSINCE,
    OP_MOV2_JMP, OP_SEL_MISS, OP_MOV2, OP_JF_MOV2_JMP, OP_ADD_IF_GE, OP_AGG_SUM, OP_SWITCH_EQ,
    OP_IN_RANGE, OP_ACC_RUN, OP_AGG_AVG, OP_AGG_MIN, OP_AGG_MAX,
    /* two conditional jumps to one target; B JF, T JT, G JFGE_N, E JFEQ_I */
    OP_JJ_BB, OP_JJ_BT, OP_JJ_BG, OP_JJ_BE, OP_JJ_TB, OP_JJ_TT, OP_JJ_TG, OP_JJ_TE,
    OP_JJ_GB, OP_JJ_GT, OP_JJ_GG, OP_JJ_GE, OP_JJ_EB, OP_JJ_ET, OP_JJ_EG, OP_JJ_EE,
    OP_ACC_CONST,
    VM_OP__COUNT
};
/* The fused read (AGG_SUM .. AGG_MAX) of aggregate slot x, by its
 * function; -1 for one that needs its argument (rank, percentile) or
 * counts. */
static int agg_read_op(const Chunk *c, int x)
{
    const char *name = std_func(c->aggs[x].fn)->name;
    if (strcmp(name, "total") == 0) return OP_AGG_SUM;
    if (strcmp(name, "avg") == 0) return OP_AGG_AVG;
    if (strcmp(name, "min") == 0) return OP_AGG_MIN;
    if (strcmp(name, "max") == 0) return OP_AGG_MAX;
    return -1;
}

/* Which comparison op is (0 .. 5: EQ NE LT LE GT GE) and whether it
 * compares integers; -1 if it is no comparison. */
static int cmp_of(int op, bool *ints)
{
    *ints = op >= OP_EQ_I && op <= OP_GE_I;
    if (op >= OP_EQ_N && op <= OP_GE_N) return op - OP_EQ_N;
    if (*ints) return op - OP_EQ_I;
    return -1;
}

/* 1 for a CALL of days_since, 2 of months_since (one argument), else 0. */
static int since_of(const Instr *in)
{
    if (in->op != OP_CALL || in->b != 1) return 0;
    StdFn fn = std_func(in->x)->fn;
    return fn == std_days_since ? 1 : fn == std_months_since ? 2 : 0;
}

/* What kind of conditional jump `in` is for JJ_ (B 0, T 1, G 2, E 3),
 * and its target; -1 if none of those. */
static int jump_kind(const Instr *in, int *target)
{
    *target = in->d;
    switch (in->op) {
    case OP_JF: *target = in->b; return 0;
    case OP_JT: *target = in->b; return 1;
    case OP_JFGE_N: return 2;
    case OP_JFEQ_I: return 3;
    default: return -1;
    }
}

/* Register r holds a constant: its role says so and no instruction writes
 * it (written: by register, from fuse()). */
static bool const_reg(const Chunk *c, const uint8_t *written, int r)
{
    return c->role && c->role[r] == REG_CONST && !written[r];
}

enum { SWITCH_MAX = 64 };   /* links of a chain, and the span of its constants */

/* The JFEQ_I chain starting at i (above), its table appended to vm->sw;
 * -1 if there is none (fewer than two links, constants not small). */
static int switch_at(Vm *vm, const uint8_t *written, int i)
{
    const Chunk *c = vm->c;
    int at[SWITCH_MAX], n = 0, reg = c->code[i].a, end = i;
    int64_t k[SWITCH_MAX], lo = INT64_MAX, hi = INT64_MIN;
    for (int p = i; p < c->ncode && n < SWITCH_MAX; p = c->code[p].d) {
        const Instr *in = &c->code[p];
        if (in->op != OP_JFEQ_I || in->a != reg || in->d <= p || !const_reg(c, written, in->b) ||
            c->init[in->b].missing)
            break;
        at[n] = p;
        k[n] = c->init[in->b].u.i;
        if (k[n] < lo) lo = k[n];
        if (k[n] > hi) hi = k[n];
        n++;
        end = in->d;
    }
    if (n < 2 || lo < 0 || hi - lo >= SWITCH_MAX || vm->nsw + 3 + SWITCH_MAX > MAX_IMM) return -1;
    int span = (int)(hi - lo + 1), x = vm->nsw;
    vm->sw = xrealloc(vm->sw, sizeof(int64_t) * (size_t)(vm->nsw + 3 + span));
    int64_t *t = vm->sw + x;
    t[0] = lo;
    t[1] = span;
    t[2] = end;
    for (int v = 0; v < span; v++) t[3 + v] = end;
    for (int j = n - 1; j >= 0; j--) t[3 + (k[j] - lo)] = at[j] + 1;    /* the first link wins */
    vm->nsw += 3 + span;
    return x;
}

/* A stage comparison `in` whose b is a constant as IN_RANGE: its x, the
 * place of [lo, hi - lo] appended to vm->sw; -1 if b is no constant. */
static int range_of(Vm *vm, const uint8_t *written, const Instr *in)
{
    const Chunk *c = vm->c;
    if (!const_reg(c, written, in->b) || vm->nsw + 2 > MAX_IMM) return -1;
    int64_t k = c->init[in->b].u.i, fin = in->x, lo, hi;
    /* a REL k and a < fin and k < fin: with k < fin, k + 1 <= fin */
    if (k >= fin) {
        lo = hi = 0;                                /* never */
    } else {
        switch (in->op) {
        case OP_LT_ST: lo = INT64_MIN, hi = k; break;
        case OP_LE_ST: lo = INT64_MIN, hi = k + 1; break;
        case OP_GT_ST: lo = k + 1, hi = fin; break;
        default: lo = k, hi = fin; break;
        }
    }
    int x = vm->nsw;
    vm->sw = xrealloc(vm->sw, sizeof(int64_t) * (size_t)(vm->nsw + 2));
    vm->sw[x] = lo;
    vm->sw[x + 1] = (int64_t)((uint64_t)hi - (uint64_t)lo);
    vm->nsw += 2;
    return x;
}

/* Whether c->code[p], c->code[p + 1] is a pair ACC_RUN takes: JF c or
 * JFGE_N a, b over ADD acc <- acc, w (e: kind, registers, w; *acc). */
static bool acc_pair(const Chunk *c, int p, int64_t e[4], int *acc)
{
    if (p < 0 || p + 1 >= c->ncode) return false;
    const Instr *j = &c->code[p], *n = &c->code[p + 1];
    if (n->op != OP_ADD || n->d != n->a) return false;
    if (j->op == OP_JF && j->b == p + 2) {
        e[0] = 0, e[1] = e[2] = j->a;
    } else if (j->op == OP_JFGE_N && j->d == p + 2) {
        e[0] = 1, e[1] = j->a, e[2] = j->b;
    } else {
        return false;
    }
    e[3] = n->b;
    *acc = n->d;
    return e[1] != *acc && e[2] != *acc && e[3] != *acc;
}

enum { ACC_MAX = 64 };      /* pairs in one ACC_RUN */

/* The ACC_RUN starting at i, its table appended to vm->sw; -1 if there
 * are fewer than two pairs, or the pair before i belongs to the run (a
 * jump into a run finds the pairs fused as ADD_IF, ADD_IF_GE). */
static int acc_run_at(Vm *vm, int i)
{
    const Chunk *c = vm->c;
    int64_t e[4];
    int acc, acc2, n = 0;
    if (!acc_pair(c, i, e, &acc)) return -1;
    if (acc_pair(c, i - 2, e, &acc2) && acc2 == acc) return -1;
    while (n < ACC_MAX && acc_pair(c, i + 2 * n, e, &acc2) && acc2 == acc) n++;
    if (n < 2 || vm->nsw + 1 + 4 * n > MAX_IMM) return -1;
    int x = vm->nsw;
    vm->sw = xrealloc(vm->sw, sizeof(int64_t) * (size_t)(vm->nsw + 1 + 4 * n));
    vm->sw[x] = n;
    for (int k = 0; k < n; k++) {
        int64_t *pair = vm->sw + x + 1 + 4 * k;
        acc_pair(c, i + 2 * k, pair, &acc2);
        for (int f = 1; f < 4; f++) pair[f] *= (int64_t)sizeof(Value);  /* offsets, as in code */
    }
    vm->nsw += 1 + 4 * n;
    return x;
}

/* The ACC_CONST for the MOV at i (acc <- a constant) before the ACC_RUN
 * run (its table at vm->sw[run]), its table appended to vm->sw; -1 if
 * the start or a weight is not a constant, the start is -0.0, or the
 * magnitudes add up to more than 1e300. */
static int acc_const_at(Vm *vm, const uint8_t *written, const Instr *mov, int run)
{
    const Chunk *c = vm->c;
    if (!const_reg(c, written, mov->a)) return -1;
    const Value *c0 = &c->init[mov->a];
    if (c0->missing || c0->len || !isfinite(c0->u.num) || (signbit(c0->u.num) && c0->u.num == 0))
        return -1;
    int n = (int)vm->sw[run];
    double bound = fabs(c0->u.num);
    for (int k = 0; k < n; k++) {
        int w = (int)(vm->sw[run + 1 + 4 * k + 3] / (int64_t)sizeof(Value));
        if (!const_reg(c, written, w)) return -1;
        const Value *v = &c->init[w];
        if (v->missing || v->len || !isfinite(v->u.num)) return -1;
        bound += fabs(v->u.num);
    }
    if (!(bound <= 1e300) || vm->nsw + 2 + 4 * n > MAX_IMM) return -1;
    int x = vm->nsw;
    vm->sw = xrealloc(vm->sw, sizeof(int64_t) * (size_t)(vm->nsw + 2 + 4 * n));
    vm->sw[x] = n;
    memcpy(&vm->sw[x + 1], &c0->u.num, sizeof(double));
    for (int k = 0; k < n; k++) {
        const int64_t *e = vm->sw + run + 1 + 4 * k;
        int64_t *pair = vm->sw + x + 2 + 4 * k;
        pair[0] = e[0], pair[1] = e[1], pair[2] = e[2];
        memcpy(&pair[3], &c->init[e[3] / (int64_t)sizeof(Value)].u.num, sizeof(double));
    }
    vm->nsw += 2 + 4 * n;
    return x;
}

/* Which fields of an instruction of op hold registers. */
enum { F_D = 1, F_A = 2, F_B = 4, F_X = 8 };

static int reg_fields(int op)
{
    if (op < OP__COUNT) {
        const char *l = op_operands[op];
        return (strchr(l, 'd') ? F_D : 0) | (strchr(l, 'a') ? F_A : 0) |
               (strchr(l, 'b') && op != OP_CALL ? F_B : 0);     /* CALL's b: how many */
    }
    if (op >= OP_JJ_BB && op <= OP_JJ_EE)
        return op >= OP_JJ_GB ? F_A | F_B : F_A;                /* d: the target */
    switch (op) {
    case OP_ADD_IF: return F_D | F_A | F_B | F_X;
    case OP_OR_MOV: case OP_AND_MOV: case OP_MOV_OR_MOV: case OP_MOV_AND_MOV:
    case OP_DSINCE: case OP_MSINCE: case OP_MOV2_JMP: case OP_MOV2: case OP_AGG_SUM:
    case OP_AGG_AVG: case OP_AGG_MIN: case OP_AGG_MAX:
        return F_D | F_A;
    case OP_SEL_MISS: case OP_JF_MOV2_JMP: case OP_SWITCH_EQ: return F_A;
    case OP_ADD_IF_GE: return F_A | F_B;
    case OP_ACC_RUN: case OP_ACC_CONST: return F_D;
    default: return F_D | F_A | F_B;    /* comparisons' pairs, *SINCE, IN_RANGE */
    }
}

/* The VM's code (above): the chunk's with the runs above fused, unless
 * vm->nofuse, its registers byte offsets. It goes from the end back, so an
 * instruction that reads the operands of those after it (MOV2_JMP,
 * SEL_MISS, COAL_*, JF_MOV2_JMP, MOV_OR_MOV) sees them in their final
 * form. */
static VmInstr *fuse(Vm *vm)
{
    const Chunk *c = vm->c;
    int nc = c->ncode;
    Instr *code = xmalloc(sizeof(Instr) * (size_t)(nc ? nc : 1));
    if (nc) memcpy(code, c->code, sizeof(Instr) * (size_t)nc);
    uint8_t *written = xcalloc((size_t)c->nregs + 1, 1);
    for (int i = 0; i < nc; i++)
        if (strchr(op_operands[c->code[i].op], 'd')) written[c->code[i].d] = 1;
    for (int i = vm->nofuse ? -1 : nc - 1; i >= 0; i--) {
        const Instr *j = &c->code[i], *n = i + 1 < nc ? &c->code[i + 1] : NULL;
        Instr f = *j;
        int since = since_of(j), k1, k2, t1, t2, sw;
        bool ints;
        if (j->op == OP_JFEQ_I && (sw = switch_at(vm, written, i)) >= 0) {
            f.op = OP_SWITCH_EQ;
            f.x = (uint16_t)sw;
        } else if ((j->op == OP_JF || j->op == OP_JFGE_N) && (sw = acc_run_at(vm, i)) >= 0) {
            f.op = OP_ACC_RUN;
            f.d = c->code[i + 1].d;
            f.x = (uint16_t)sw;
        } else if (j->op >= OP_LT_ST && j->op <= OP_GE_ST && (sw = range_of(vm, written, j)) >= 0) {
            f.op = OP_IN_RANGE;
            f.x = (uint16_t)sw;
        } else if (since) {
            f.op = since == 1 ? OP_DSINCE : OP_MSINCE;
        } else if (j->op == OP_AGG && c->aggs[j->x].group == GROUP_NONE &&
                   (sw = agg_read_op(c, j->x)) >= 0) {
            f.op = (uint8_t)sw;
        } else if (!n) {
            continue;
        } else if (j->op == OP_MOV && code[i + 1].op == OP_ACC_RUN && code[i + 1].d == j->d &&
                   (sw = acc_const_at(vm, written, j, code[i + 1].x)) >= 0) {
            f.op = OP_ACC_CONST;
            f.x = (uint16_t)sw;
        } else if (j->op == OP_MOV && (since = since_of(n)) && n->a == j->d) {
            f.op = since == 1 ? OP_MOV_DSINCE : OP_MOV_MSINCE;
            f.b = n->d;
        } else if (j->op == OP_COALESCE &&
                   (code[i + 1].op == OP_MOV_DSINCE || code[i + 1].op == OP_MOV_MSINCE)) {
            f.op = code[i + 1].op == OP_MOV_DSINCE ? OP_COAL_DSINCE : OP_COAL_MSINCE;
        } else if (j->op == OP_MOV && i + 2 < nc && code[i + 1].op == OP_MOV &&
                   code[i + 2].op == OP_JMP) {
            f.op = OP_MOV2_JMP;
        } else if (j->op == OP_JF && j->b == i + 4 && code[i + 1].op == OP_MOV2_JMP) {
            f.op = OP_JF_MOV2_JMP;
        } else if (j->op == OP_JF && j->b == i + 3 && i + 3 < nc && code[i + 1].op == OP_MOV &&
                   code[i + 2].op == OP_JMP && code[i + 2].b == i + 4 &&
                   code[i + 3].op == OP_SET_MISSING && code[i + 3].d == code[i + 1].d) {
            f.op = OP_SEL_MISS;
        } else if (cmp_of(j->op, &ints) >= 0 && (code[i + 1].op == OP_JF || code[i + 1].op == OP_JT) &&
                   code[i + 1].a == j->d) {
            f.op = (uint8_t)(OP_OR_N_EQ + 8 * cmp_of(j->op, &ints) + 4 + (ints ? 2 : 0) +
                             (code[i + 1].op == OP_JT ? 1 : 0));
        } else if (j->op == OP_MOV && (code[i + 1].op == OP_OR_MOV || code[i + 1].op == OP_AND_MOV) &&
                   code[i + 1].d == j->d) {
            f.op = code[i + 1].op == OP_OR_MOV ? OP_MOV_OR_MOV : OP_MOV_AND_MOV;
        } else if (j->op == OP_MOV && code[i + 1].op == OP_MOV) {
            f.op = OP_MOV2;
        } else if (j->op == OP_JFGE_N && j->d == i + 2 && code[i + 1].op == OP_ADD) {
            f.op = OP_ADD_IF_GE;
        } else if ((k1 = jump_kind(j, &t1)) >= 0 && (k2 = jump_kind(&code[i + 1], &t2)) >= 0 &&
                   t1 == t2) {
            f.op = (uint8_t)(OP_JJ_BB + k1 * 4 + k2);
            f.d = (uint16_t)t1;
        } else if ((j->op == OP_JF || j->op == OP_JT) && j->b == i + 2) {
            bool jf = j->op == OP_JF;
            int rel = cmp_of(n->op, &ints);
            f = *n;
            if (jf && n->op == OP_ADD) {
                f.op = OP_ADD_IF;
                f.x = j->a;
            } else if (rel >= 0 && n->d == j->a) {
                f.op = (uint8_t)(OP_OR_N_EQ + 8 * rel + (ints ? 2 : 0) + (jf ? 1 : 0));
            } else if (n->op == OP_MOV && n->d == j->a) {
                f.op = jf ? OP_AND_MOV : OP_OR_MOV;
            } else {
                continue;
            }
        } else {
            continue;
        }
        code[i] = f;
    }
    free(written);
    VmInstr *out = xmalloc(sizeof(VmInstr) * (size_t)(nc ? nc : 1));
    for (int i = 0; i < nc; i++) {
        int r = reg_fields(code[i].op);
        const uint32_t v = (uint32_t)sizeof(Value);
        out[i].op = code[i].op;
        out[i].x = r & F_X ? code[i].x * v : code[i].x;
        out[i].d = r & F_D ? code[i].d * v : code[i].d;
        out[i].a = r & F_A ? code[i].a * v : code[i].a;
        out[i].b = r & F_B ? code[i].b * v : code[i].b;
    }
    free(code);
    return out;
}

/* Keeps register r where keep is 1, else makes it val_int(v) (val_num of
 * a double whose bits v holds): field by field, each store the size of the
 * one that wrote it (a 16-byte load after narrower stores waits for them),
 * and without a branch. */
static inline void keep_or_int(Value *r, bool keep, int64_t v)
{
    int64_t m = -(int64_t)keep;
    r->u.i = (r->u.i & m) | (v & ~m);
    r->len &= (uint32_t)m;
    r->missing &= (uint8_t)m;
}

/* Register r where keep is 1, else a copy of w. */
static inline void keep_or_copy(Value *r, bool keep, const Value *w)
{
    int64_t m = -(int64_t)keep;
    r->u.i = (r->u.i & m) | (w->u.i & ~m);
    r->len = (r->len & (uint32_t)m) | (w->len & ~(uint32_t)m);
    r->missing = (uint8_t)((r->missing & (uint8_t)m) | (w->missing & (uint8_t)~m));
}

/* The scratch callback built-ins get through StdCtx. */
static char *std_scratch(void *owner, size_t n)
{
    return vm_scratch(owner, n);
}

Vm *vm_new(const Chunk *c)
{
    Vm *vm = xcalloc(1, sizeof *vm);
    vm->c = c;
    vm->std.scratch = std_scratch;
    vm->std.owner = vm;
    vm->regs = xmalloc(sizeof(Value) * (size_t)(c->nregs ? c->nregs : 1));
    memcpy(vm->regs, c->init, sizeof(Value) * (size_t)c->nregs);
    vm->agg = xcalloc((size_t)c->naggs + 1, sizeof(AggState));
    vm->lim = xcalloc((size_t)c->nlimits + 1, sizeof(LimitState));
    vm->gagg = xcalloc((size_t)c->naggs + 1, sizeof(AggGroups));
    vm->aggsig = xcalloc((size_t)c->naggs + 1, 1);
    for (int i = 0; i < c->naggs; i++) {
        vm->agg[i].min = INFINITY;
        vm->agg[i].max = -INFINITY;
        vm->aggsig[i] = (uint8_t)std_func(c->aggs[i].fn)->sig;
    }
    return vm;
}

void vm_pass_plain_find(Vm *vm, int k)
{
    const Chunk *c = vm->c;
    const Instr *in = c->code + c->pass_pc[k - 1];
    int n = 0;
    for (; in->op == OP_AGG_ADD && n < 16 && c->aggs[in->x].group == GROUP_NONE; in++)
        vm->plain[n++] = in;
    vm->nplain = in->op == OP_HALT ? n : -1;
    vm->plain_k = k;
}

void vm_free(Vm *vm)
{
    if (!vm) return;
    vm_pass_reset(vm);
    free(vm->agg);
    free(vm->lim);
    free(vm->gagg);
    free(vm->undo);
    free(vm->regs);
    free(vm->code);
    free(vm->sw);
    free(vm->aggsig);
    vm_reset_scratch(vm);
    free(vm->spill);
    free(vm->scratch);
    free(vm);
}

void vm_set_today(Vm *vm, int32_t today)
{
    vm->regs[vm->c->today_reg] = val_int(today);
}

char *vm_scratch(Vm *vm, size_t n)
{
    if (vm->scratch_used + n > vm->scratch_cap) {
        if (vm->scratch_used == 0) {    /* nothing handed out yet: grow */
            size_t cap = vm->scratch_cap ? vm->scratch_cap : 4096;
            while (cap < n) cap *= 2;
            free(vm->scratch);
            vm->scratch = xmalloc(cap);
            vm->scratch_cap = cap;
        } else {                        /* keep earlier strings in place */
            vm->spill = xrealloc(vm->spill, sizeof(void *) * (size_t)(vm->nspill + 1));
            return vm->spill[vm->nspill++] = xmalloc(n ? n : 1);
        }
    }
    char *p = vm->scratch + vm->scratch_used;
    vm->scratch_used += n;
    return p;
}

void vm_free_spill(Vm *vm)
{
    for (int i = 0; i < vm->nspill; i++) free(vm->spill[i]);
    vm->nspill = 0;
}

/* ---------------------------------------------------------------- groups */

static uint64_t hash_bytes(const void *p, size_t n, bool missing)
{
    const unsigned char *b = p;
    uint64_t h = 1469598103934665603ull ^ (missing ? 0x9e3779b97f4a7c15ull : 0);
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 1099511628211ull;
    }
    return h;
}

static void group_key(GroupKind kind, const Value *v, const void **p, size_t *n)
{
    if (v->missing) {
        *p = "";
        *n = 0;
    } else if (kind == GROUP_STR) {
        *p = v->len ? v->u.str : "";
        *n = v->len;
    } else {
        *p = &v->u.i;
        *n = sizeof v->u.i;
    }
}

static void group_rehash(GroupTab *t, size_t nslots)
{
    free(t->slots);
    t->slots = xcalloc(nslots, sizeof(int));
    t->nslots = nslots;
    for (size_t id = 0; id < t->n; id++) {
        size_t at = hash_bytes(t->keys[id], t->lens[id], t->missing[id]) & (nslots - 1);
        while (t->slots[at]) at = (at + 1) & (nslots - 1);
        t->slots[at] = (int)id + 1;
    }
}

long vm_group_id(GroupTab *t, GroupKind kind, Value v, bool add)
{
    const void *p;
    size_t n;
    group_key(kind, &v, &p, &n);
    bool miss = v.missing != 0;
    if (t->nslots) {
        size_t at = hash_bytes(p, n, miss) & (t->nslots - 1);
        for (; t->slots[at]; at = (at + 1) & (t->nslots - 1)) {
            long id = t->slots[at] - 1;
            if (t->missing[id] == miss && t->lens[id] == n && (!n || memcmp(t->keys[id], p, n) == 0))
                return id;
        }
    }
    if (!add) return -1;
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 16;
        t->keys = xrealloc(t->keys, sizeof(char *) * t->cap);
        t->lens = xrealloc(t->lens, sizeof(uint32_t) * t->cap);
        t->missing = xrealloc(t->missing, t->cap);
    }
    t->keys[t->n] = xmalloc(n ? n : 1);
    if (n) memcpy(t->keys[t->n], p, n);
    t->lens[t->n] = (uint32_t)n;
    t->missing[t->n] = miss;
    t->n++;
    if (t->n * 2 > t->nslots) group_rehash(t, t->nslots ? t->nslots * 2 : 32);
    else {
        size_t at = hash_bytes(p, n, miss) & (t->nslots - 1);
        while (t->slots[at]) at = (at + 1) & (t->nslots - 1);
        t->slots[at] = (int)t->n;
    }
    return (long)t->n - 1;
}

void vm_group_value(const GroupTab *t, GroupKind kind, long id, Value *out)
{
    memset(out, 0, sizeof *out);
    if (id < 0 || (size_t)id >= t->n || t->missing[id]) {
        out->missing = 1;
        return;
    }
    if (kind == GROUP_STR) {
        out->u.str = t->keys[id];
        out->len = t->lens[id];
    } else {
        memcpy(&out->u.i, t->keys[id], sizeof out->u.i);
    }
}

static void group_free(GroupTab *t)
{
    for (size_t i = 0; i < t->n; i++) free(t->keys[i]);
    free(t->keys);
    free(t->lens);
    free(t->missing);
    free(t->slots);
    memset(t, 0, sizeof *t);
}

static const AggState empty_state = {0, 0, 0, 0, NULL, 0, 0};

const AggState *vm_agg_state(const Vm *vm, int slot, Value g)
{
    GroupKind kind = vm->c->aggs[slot].group;
    if (kind == GROUP_NONE) return &vm->agg[slot];
    AggGroups *gs = &vm->gagg[slot];
    long id = vm_group_id(&gs->tab, kind, g, false);
    return id < 0 ? &empty_state : &gs->st[id];
}

/* The state of g's group, made if new (a grouped AGG_ADD), logged for undo. */
static AggState *group_state(Vm *vm, int slot, Value g)
{
    AggGroups *gs = &vm->gagg[slot];
    long id = vm_group_id(&gs->tab, vm->c->aggs[slot].group, g, true);
    if ((size_t)id >= gs->cap) {
        size_t cap = gs->cap ? gs->cap * 2 : 16;
        while (cap <= (size_t)id) cap *= 2;
        gs->st = xrealloc(gs->st, sizeof(AggState) * cap);
        for (size_t i = gs->cap; i < cap; i++) {
            memset(&gs->st[i], 0, sizeof(AggState));
            gs->st[i].min = INFINITY;
            gs->st[i].max = -INFINITY;
        }
        gs->cap = cap;
    }
    if (vm->nundo == vm->capundo) {
        vm->capundo = vm->capundo ? vm->capundo * 2 : 16;
        vm->undo = xrealloc(vm->undo, sizeof(GroupUndo) * vm->capundo);
    }
    vm->undo[vm->nundo++] = (GroupUndo){slot, id, gs->st[id]};
    return &gs->st[id];
}

void vm_undo_groups(Vm *vm)
{
    while (vm->nundo) {
        GroupUndo *u = &vm->undo[--vm->nundo];
        AggState *s = &vm->gagg[u->slot].st[u->id];
        double *vals = s->vals;         /* values appended are dropped by nvals */
        size_t cap = s->cap;
        *s = u->prev;
        s->vals = vals;
        s->cap = cap;
    }
}

void vm_limit_group(const Vm *vm, int slot, Value g, size_t *from, size_t *to)
{
    const LimitState *l = &vm->lim[slot];
    GroupKind kind = vm->c->limits[slot].group;
    *from = 0;
    *to = l->n;
    if (kind == GROUP_NONE) return;
    long id = vm_group_id((GroupTab *)&l->groups, kind, g, false);
    size_t k = 0;
    while (k < l->n && l->cands[k].group != id) k++;
    *from = k;
    while (k < l->n && l->cands[k].group == id) k++;
    *to = k;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void vm_limits_reset(Vm *vm)
{
    for (int i = 0; i < vm->c->nlimits; i++) {
        LimitState *l = &vm->lim[i];
        for (size_t k = 0; k < l->n; k++) free(l->cands[k].key);
        free(l->cands);
        free(l->keep);
        group_free(&l->groups);
        memset(l, 0, sizeof *l);
    }
}

/* By group (`per`), then highest `by` first; ties by ascending key, then
 * by position. (A NaN never gets here: LIMIT_ADD refuses it, as the order
 * would not be one.) */
static int cmp_cand(const void *a, const void *b)
{
    const LimitCand *x = a, *y = b;
    if (x->group != y->group) return x->group < y->group ? -1 : 1;
    if (x->by != y->by) return x->by > y->by ? -1 : 1;
    int c = strcmp(x->key, y->key);
    if (c) return c;
    return (x->ordinal > y->ordinal) - (x->ordinal < y->ordinal);
}

static void finish(Vm *vm, int layer);

void vm_agg_finish(Vm *vm)
{
    finish(vm, -1);
}

void vm_pass_finish(Vm *vm, int layer)
{
    finish(vm, layer);
}

/* Finishes the aggregates and limits of one layer (-1: all). */
static void finish(Vm *vm, int layer)
{
    for (int i = 0; i < vm->c->nlimits; i++) {
        LimitState *l = &vm->lim[i];
        if (layer >= 0 && vm->c->limits[i].layer != layer) continue;
        free(l->keep);
        double n = vm->regs[vm->c->limits[i].count_reg].u.num;
        if (l->n > 1) qsort(l->cands, l->n, sizeof(LimitCand), cmp_cand);
        /* the first n of each group (one group without `per`) */
        long maxord = 0;
        size_t in_group = 0;
        for (size_t k = 0; k < l->n; k++) {
            in_group = k && l->cands[k].group == l->cands[k - 1].group ? in_group + 1 : 1;
            if ((double)in_group <= n && l->cands[k].ordinal > maxord) maxord = l->cands[k].ordinal;
        }
        l->nkeep = (size_t)maxord / 8 + 1;
        l->keep = xcalloc(l->nkeep, 1);
        in_group = 0;
        for (size_t k = 0; k < l->n; k++) {
            in_group = k && l->cands[k].group == l->cands[k - 1].group ? in_group + 1 : 1;
            if ((double)in_group > n) continue;
            long o = l->cands[k].ordinal;
            l->keep[o / 8] |= (uint8_t)(1u << (o % 8));
        }
    }
    for (int i = 0; i < vm->c->naggs; i++) {
        if (layer >= 0 && vm->c->aggs[i].layer != layer) continue;
        AggGroups *gs = &vm->gagg[i];
        size_t ng = vm->c->aggs[i].group == GROUP_NONE ? 1 : gs->tab.n;
        for (size_t g = 0; g < ng; g++) {
            AggState *s = vm->c->aggs[i].group == GROUP_NONE ? &vm->agg[i] : &gs->st[g];
            if (s->nvals > 1) qsort(s->vals, s->nvals, sizeof(double), cmp_double);
        }
    }
}

void vm_pass_reset(Vm *vm)
{
    for (int i = 0; i < vm->c->naggs; i++) {
        AggState *s = &vm->agg[i];
        free(s->vals);
        memset(s, 0, sizeof *s);
        s->min = INFINITY;
        s->max = -INFINITY;
        AggGroups *gs = &vm->gagg[i];
        for (size_t g = 0; g < gs->tab.n; g++) free(gs->st[g].vals);
        free(gs->st);
        group_free(&gs->tab);
        memset(gs, 0, sizeof *gs);
    }
    vm_limits_reset(vm);
    vm->nundo = 0;
}

/* The partial state of a portfolio pass on several VMs (vm.h). */
static void state_empty(AggState *s)
{
    memset(s, 0, sizeof *s);
    s->min = INFINITY;
    s->max = -INFINITY;
}

void vm_pass_lend(Vm *w, const Vm *from, int layer)
{
    const Chunk *c = w->c;
    w->lent = layer;
    w->addends = true;
    for (int i = 0; i < c->naggs; i++)
        if (c->aggs[i].layer < layer) {
            w->agg[i] = from->agg[i];
            w->gagg[i] = from->gagg[i];
        }
    for (int i = 0; i < c->nlimits; i++)
        if (c->limits[i].layer < layer) w->lim[i] = from->lim[i];
}

void vm_pass_take(Vm *w, VmPartial *out)
{
    const Chunk *c = w->c;
    out->layer = w->lent;
    out->agg = xcalloc((size_t)c->naggs + 1, sizeof(AggState));
    out->gagg = xcalloc((size_t)c->naggs + 1, sizeof(AggGroups));
    out->lim = xcalloc((size_t)c->nlimits + 1, sizeof(LimitState));
    for (int i = 0; i < c->naggs; i++) {
        if (c->aggs[i].layer != w->lent) continue;
        out->agg[i] = w->agg[i];
        state_empty(&w->agg[i]);
        out->gagg[i] = w->gagg[i];
        memset(&w->gagg[i], 0, sizeof w->gagg[i]);
    }
    for (int i = 0; i < c->nlimits; i++) {
        if (c->limits[i].layer != w->lent) continue;
        out->lim[i] = w->lim[i];
        memset(&w->lim[i], 0, sizeof w->lim[i]);
    }
    w->nundo = 0;
}

/* Adds b (later records) to a, as adding b's values one by one would. */
static void state_merge(AggState *a, const AggState *b, SigKind sig)
{
    a->count += b->count;
    if (sig == SIG_AGG_COUNT) return;
    if (b->min < a->min) a->min = b->min;
    if (b->max > a->max) a->max = b->max;
    for (size_t k = 0; k < b->nvals; k++) a->sum += b->vals[k];
    if (sig != SIG_AGG_RANK && sig != SIG_AGG_PERCENTILE) return;
    if (a->nvals + b->nvals > a->cap) {
        size_t cap = a->cap ? a->cap : 1024;
        while (cap < a->nvals + b->nvals) cap *= 2;
        a->vals = xrealloc(a->vals, sizeof(double) * cap);
        a->cap = cap;
    }
    if (b->nvals) memcpy(a->vals + a->nvals, b->vals, sizeof(double) * b->nvals);
    a->nvals += b->nvals;
}

/* The state of group id in gs, made empty if new. */
static AggState *group_slot(AggGroups *gs, long id)
{
    if ((size_t)id >= gs->cap) {
        size_t cap = gs->cap ? gs->cap * 2 : 16;
        while (cap <= (size_t)id) cap *= 2;
        gs->st = xrealloc(gs->st, sizeof(AggState) * cap);
        for (size_t i = gs->cap; i < cap; i++) state_empty(&gs->st[i]);
        gs->cap = cap;
    }
    return &gs->st[id];
}

void vm_pass_merge(Vm *into, VmPartial *p, long ord_delta)
{
    const Chunk *c = into->c;
    for (int i = 0; i < c->naggs && p->layer; i++) {
        if (c->aggs[i].layer != p->layer) continue;
        SigKind sig = std_func(c->aggs[i].fn)->sig;
        GroupKind kind = c->aggs[i].group;
        if (kind == GROUP_NONE) {
            state_merge(&into->agg[i], &p->agg[i], sig);
            continue;
        }
        AggGroups *from = &p->gagg[i];
        for (size_t g = 0; g < from->tab.n; g++) {     /* in order of first appearance */
            Value v;
            vm_group_value(&from->tab, kind, (long)g, &v);
            long id = vm_group_id(&into->gagg[i].tab, kind, v, true);
            AggState *a = group_slot(&into->gagg[i], id);
            if (g < from->cap) state_merge(a, &from->st[g], sig);
        }
    }
    for (int i = 0; i < c->nlimits && p->layer; i++) {
        if (c->limits[i].layer != p->layer) continue;
        LimitState *a = &into->lim[i], *b = &p->lim[i];
        GroupKind kind = c->limits[i].group;
        long *map = NULL;
        if (kind != GROUP_NONE && b->groups.n) {
            map = xmalloc(sizeof(long) * b->groups.n);
            for (size_t g = 0; g < b->groups.n; g++) {
                Value v;
                vm_group_value(&b->groups, kind, (long)g, &v);
                map[g] = vm_group_id(&a->groups, kind, v, true);
            }
        }
        if (a->n + b->n > a->cap) {
            size_t cap = a->cap ? a->cap : 256;
            while (cap < a->n + b->n) cap *= 2;
            a->cands = xrealloc(a->cands, sizeof(LimitCand) * cap);
            a->cap = cap;
        }
        for (size_t k = 0; k < b->n; k++) {
            LimitCand cd = b->cands[k];         /* the key changes hands */
            cd.ordinal += ord_delta;
            if (map) cd.group = map[cd.group];
            a->cands[a->n++] = cd;
        }
        b->n = 0;
        free(map);
    }
    vm_partial_free(c, p);
}

void vm_partial_free(const Chunk *c, VmPartial *p)
{
    for (int i = 0; i < c->naggs && p->layer; i++) {
        if (c->aggs[i].layer != p->layer) continue;
        free(p->agg[i].vals);
        AggGroups *gs = &p->gagg[i];
        for (size_t g = 0; g < gs->tab.n && g < gs->cap; g++) free(gs->st[g].vals);
        free(gs->st);
        group_free(&gs->tab);
    }
    for (int i = 0; i < c->nlimits && p->layer; i++) {
        if (c->limits[i].layer != p->layer) continue;
        LimitState *l = &p->lim[i];
        for (size_t k = 0; k < l->n; k++) free(l->cands[k].key);
        free(l->cands);
        free(l->keep);
        group_free(&l->groups);
    }
    free(p->agg);
    free(p->gagg);
    free(p->lim);
    memset(p, 0, sizeof *p);
}

void vm_pass_unlend(Vm *w)
{
    const Chunk *c = w->c;
    if (!w->lent) return;
    VmPartial rest;
    vm_pass_take(w, &rest);     /* what was added and not taken */
    vm_partial_free(c, &rest);
    for (int i = 0; i < c->naggs; i++)
        if (c->aggs[i].layer < w->lent) {
            state_empty(&w->agg[i]);
            memset(&w->gagg[i], 0, sizeof w->gagg[i]);
        }
    for (int i = 0; i < c->nlimits; i++)
        if (c->limits[i].layer < w->lent) memset(&w->lim[i], 0, sizeof w->lim[i]);
    w->lent = 0;
    w->addends = false;
}

static int str_cmp(Value a, Value b)
{
    size_t n = a.len < b.len ? a.len : b.len;
    int c = n ? memcmp(a.u.str, b.u.str, n) : 0;
    if (c) return c;
    return (a.len > b.len) - (a.len < b.len);
}

/* Number of sorted values strictly below / strictly above x. */
static size_t count_below(const double *v, size_t n, double x)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (v[mid] < x) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

static size_t count_above(const double *v, size_t n, double x)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (v[mid] <= x) lo = mid + 1;
        else hi = mid;
    }
    return n - lo;
}

static Value agg_value(Vm *vm, int slot, Value arg)
{
    const AggSlot *a = &vm->c->aggs[slot];
    const AggState *s = vm_agg_state(vm, slot, vm->group);
    switch ((SigKind)vm->aggsig[slot]) {
    case SIG_AGG_COUNT:
        return val_num((double)s->count);
    case SIG_AGG_RANK:
        return val_num(1.0 + (double)count_above(s->vals, s->nvals, arg.u.num));
    case SIG_AGG_PERCENTILE:
        return val_num(s->nvals ? (double)count_below(s->vals, s->nvals, arg.u.num) /
                                      (double)s->nvals
                                : 0);
    default:
        break;
    }
    /* SIG_AGG_SAME: total, avg, min or max, told apart by their first
       letters (no strcmp per record) */
    const char *name = std_func(a->fn)->name;
    if (name[0] == 't') return val_num(s->sum);
    if (s->count == 0) return val_num(0);
    if (name[0] == 'a') return val_num(s->sum / (double)s->count);
    if (name[1] == 'i') return val_num(s->min);
    return val_num(s->max);
}

/* Appends x to s's values (rank, percentile, addends). */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static void state_push(AggState *s, double x)
{
    if (s->nvals == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 1024;
        s->vals = xrealloc(s->vals, sizeof(double) * s->cap);
    }
    s->vals[s->nvals++] = x;
}

/* Adds arg to state s of an aggregate of kind sig. */
static inline void state_add(AggState *s, SigKind sig, bool addends, Value arg)
{
    double x = arg.u.num;
    if (sig == SIG_AGG_COUNT) {
        if (arg.u.i) s->count++;
        return;
    }
    s->count++;
    s->sum += x;
    if (x < s->min) s->min = x;
    if (x > s->max) s->max = x;
    if (sig == SIG_AGG_RANK || sig == SIG_AGG_PERCENTILE || addends) state_push(s, x);
}

/* vm_agg_add for an aggregate with `per` (apart, so the common case saves
 * no registers). */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static void agg_add_grouped(Vm *vm, int slot, Value arg)
{
    state_add(group_state(vm, slot, vm->group), (SigKind)vm->aggsig[slot], vm->addends, arg);
}

void vm_agg_add_values(Vm *vm, int slot, const double *x, long n)
{
    AggState *s = &vm->agg[slot];
    SigKind sig = (SigKind)vm->aggsig[slot];
    bool addends = vm->addends;
    if (sig != SIG_AGG_COUNT && sig != SIG_AGG_RANK && sig != SIG_AGG_PERCENTILE && !addends) {
        /* state_add's sum, least and greatest, in registers along the run
           (the same additions in the same order; min and max as its tests) */
        double sum = s->sum, lo = s->min, hi = s->max;
        for (long i = 0; i < n; i++) {
            double v = x[i];
            sum += v;
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
        s->sum = sum;
        s->min = lo;
        s->max = hi;
        s->count += n;
        return;
    }
    for (long i = 0; i < n; i++) state_add(s, sig, addends, val_num(x[i]));
}

void vm_agg_add(Vm *vm, int slot, Value arg)
{
    if (vm->c->aggs[slot].group != GROUP_NONE) {
        agg_add_grouped(vm, slot, arg);
        return;
    }
    state_add(&vm->agg[slot], (SigKind)vm->aggsig[slot], vm->addends, arg);
}


/* Ends vm_run with an error for the record at the instruction before pc. */
static int fail(Vm *vm, int pc, const char *what)
{
    vm->err = what;
    vm->err_span = vm->c->spans[pc - 1];
    return -1;
}

/* Dispatch: with GCC or Clang, each instruction jumps straight to the next
 * one's code through a table of label addresses (one indirect jump per
 * instruction, at the end of each, which predicts better than the one
 * jump of a switch); elsewhere, the switch. The same cases either way. */
#if defined(__GNUC__) && !defined(KAM_VM_SWITCH)
#define VM_THREADED 1
#define CASE(name) L_##name: case OP_##name
#define NEXT                                                                    \
    do {                                                                        \
        in = ip++;                                                              \
        goto *L_tab[in->op];                                                    \
    } while (0)
#else
#define CASE(name) case OP_##name
#define NEXT break
#endif
/* The register at byte offset off (an instruction's register field). */
#define RG(off) (*(Value *)((char *)R + (off)))
/* The instruction being run, as fail() takes it (one past it). */
#define AT ((int)(ip - code))

#if defined(VM_THREADED) && !defined(__clang__)
/* GCC: one dispatch per instruction, not merged back into one shared jump */
__attribute__((optimize("no-crossjumping", "no-gcse")))
#endif
int vm_run(Vm *vm, int pc)
{
    vm->err = NULL;
    if (!vm->code) vm->code = fuse(vm);      /* at the first run: the chunk is done */
    const VmInstr *const code = vm->code;
    const VmInstr *ip = code + pc, *in;   /* the next instruction, this one */
    Value *R = vm->regs;
#ifdef VM_THREADED
    /* every byte an op could hold, so no range check: past the opcodes, bad */
    static const void *const labels[256] = {
#define OP(name, operands, doc) [OP_##name] = &&L_##name,
#include "opcodes.def"
#undef OP
#define CMP_LABELS(RN, op)                                                      \
        [OP_OR_N_##RN] = &&L_OR_N_##RN, [OP_AND_N_##RN] = &&L_AND_N_##RN,        \
        [OP_OR_I_##RN] = &&L_OR_I_##RN, [OP_AND_I_##RN] = &&L_AND_I_##RN,        \
        [OP_CJF_N_##RN] = &&L_CJF_N_##RN, [OP_CJT_N_##RN] = &&L_CJT_N_##RN,      \
        [OP_CJF_I_##RN] = &&L_CJF_I_##RN, [OP_CJT_I_##RN] = &&L_CJT_I_##RN,
        CMP_RELS(CMP_LABELS)
#undef CMP_LABELS
        [OP_ADD_IF] = &&L_ADD_IF, [OP_OR_MOV] = &&L_OR_MOV, [OP_MOV_OR_MOV] = &&L_MOV_OR_MOV,
        [OP_MOV_AND_MOV] = &&L_MOV_AND_MOV,
        [OP_AND_MOV] = &&L_AND_MOV, [OP_DSINCE] = &&L_DSINCE, [OP_MSINCE] = &&L_MSINCE,
        [OP_MOV_DSINCE] = &&L_MOV_DSINCE, [OP_MOV_MSINCE] = &&L_MOV_MSINCE,
        [OP_COAL_DSINCE] = &&L_COAL_DSINCE, [OP_COAL_MSINCE] = &&L_COAL_MSINCE,
        [OP_MOV2_JMP] = &&L_MOV2_JMP, [OP_SEL_MISS] = &&L_SEL_MISS, [OP_MOV2] = &&L_MOV2,
        [OP_JF_MOV2_JMP] = &&L_JF_MOV2_JMP,
        [OP_ADD_IF_GE] = &&L_ADD_IF_GE, [OP_AGG_SUM] = &&L_AGG_SUM, [OP_SWITCH_EQ] = &&L_SWITCH_EQ,
        [OP_IN_RANGE] = &&L_IN_RANGE, [OP_ACC_RUN] = &&L_ACC_RUN, [OP_AGG_AVG] = &&L_AGG_AVG,
        [OP_AGG_MIN] = &&L_AGG_MIN, [OP_AGG_MAX] = &&L_AGG_MAX,
        [OP_JJ_BB] = &&L_JJ_BB, [OP_JJ_BT] = &&L_JJ_BT, [OP_JJ_BG] = &&L_JJ_BG, [OP_JJ_BE] = &&L_JJ_BE,
        [OP_JJ_TB] = &&L_JJ_TB, [OP_JJ_TT] = &&L_JJ_TT, [OP_JJ_TG] = &&L_JJ_TG, [OP_JJ_TE] = &&L_JJ_TE,
        [OP_JJ_GB] = &&L_JJ_GB, [OP_JJ_GT] = &&L_JJ_GT, [OP_JJ_GG] = &&L_JJ_GG, [OP_JJ_GE] = &&L_JJ_GE,
        [OP_JJ_EB] = &&L_JJ_EB, [OP_JJ_ET] = &&L_JJ_ET, [OP_JJ_EG] = &&L_JJ_EG, [OP_JJ_EE] = &&L_JJ_EE,
        [OP_ACC_CONST] = &&L_ACC_CONST,
        [VM_OP__COUNT ... 255] = &&bad,
    };
    const void *const *L_tab = labels;
    __asm__("" : "+r"(L_tab));     /* kept in a register, not made again */
#endif
    for (;;) {
        in = ip++;
        switch (in->op) {
        CASE(HALT):
            return 0;
        CASE(MOV):
            RG(in->d) = RG(in->a);
            NEXT;
/* Numbers in registers are finite (readers and the lexer see to it), so a
 * result that is not finite overflowed: an error for the record, never an
 * inf or a NaN in the output or in a limit's order. */
#define ARITH(OPNAME, EXPR, WHAT)                                               \
        CASE(OPNAME): {                                                         \
            double r_ = EXPR;                                                   \
            if (!isfinite(r_)) return fail(vm, AT, WHAT " overflows (its magnitude passes 1.8e308)"); \
            RG(in->d) = val_num(r_);                                              \
            NEXT;                                                              \
        }
        ARITH(ADD, RG(in->a).u.num + RG(in->b).u.num, "a sum")
        ARITH(SUB, RG(in->a).u.num - RG(in->b).u.num, "a difference")
        ARITH(MUL, RG(in->a).u.num * RG(in->b).u.num, "a product")
#undef ARITH
        CASE(DIV): {
            if (RG(in->b).u.num == 0) {
                if (RG(in->a).u.num == 0) {       /* 0 / 0: a share of nothing is nothing */
                    RG(in->d) = val_num(0);
                    break;
                }
                return fail(vm, AT, "division by zero");
            }
            double q = RG(in->a).u.num / RG(in->b).u.num;
            if (!isfinite(q)) return fail(vm, AT, "a quotient overflows (its magnitude passes 1.8e308)");
            RG(in->d) = val_num(q);
            NEXT;
        }
        CASE(NEG): RG(in->d) = val_num(-RG(in->a).u.num); NEXT;
        CASE(DATE_ADD):
        CASE(DATE_SUB): {
            /* days in range first: a huge count must not overflow an integer */
            double days = floor(RG(in->b).u.num);
            if (in->op == OP_DATE_SUB) days = -days;
            double to = (double)RG(in->a).u.i + days;
            if (!(to >= DATE_MIN && to <= DATE_MAX))
                return fail(vm, AT, "a date overflows (dates run from 0001-01-01 to 9999-12-31)");
            RG(in->d) = val_int((int64_t)to);
            NEXT;
        }
        CASE(DATE_DIFF):
            RG(in->d) = val_num((double)(RG(in->a).u.i - RG(in->b).u.i));
            NEXT;
        CASE(EQ_N): RG(in->d) = val_int(RG(in->a).u.num == RG(in->b).u.num); NEXT;
        CASE(NE_N): RG(in->d) = val_int(RG(in->a).u.num != RG(in->b).u.num); NEXT;
        CASE(LT_N): RG(in->d) = val_int(RG(in->a).u.num < RG(in->b).u.num); NEXT;
        CASE(LE_N): RG(in->d) = val_int(RG(in->a).u.num <= RG(in->b).u.num); NEXT;
        CASE(GT_N): RG(in->d) = val_int(RG(in->a).u.num > RG(in->b).u.num); NEXT;
        CASE(GE_N): RG(in->d) = val_int(RG(in->a).u.num >= RG(in->b).u.num); NEXT;
        CASE(EQ_I): RG(in->d) = val_int(RG(in->a).u.i == RG(in->b).u.i); NEXT;
        CASE(NE_I): RG(in->d) = val_int(RG(in->a).u.i != RG(in->b).u.i); NEXT;
        CASE(LT_I): RG(in->d) = val_int(RG(in->a).u.i < RG(in->b).u.i); NEXT;
        CASE(LE_I): RG(in->d) = val_int(RG(in->a).u.i <= RG(in->b).u.i); NEXT;
        CASE(GT_I): RG(in->d) = val_int(RG(in->a).u.i > RG(in->b).u.i); NEXT;
        CASE(GE_I): RG(in->d) = val_int(RG(in->a).u.i >= RG(in->b).u.i); NEXT;
#define STAGE_CMP(OPNAME, REL)                                                  \
        CASE(OPNAME): {                                                         \
            int64_t x = RG(in->a).u.i, y = RG(in->b).u.i;                           \
            RG(in->d) = val_int((x < in->x) & (y < in->x) & (x REL y));                 \
            NEXT;                                                              \
        }
        STAGE_CMP(LT_ST, <)
        STAGE_CMP(LE_ST, <=)
        STAGE_CMP(GT_ST, >)
        STAGE_CMP(GE_ST, >=)
#undef STAGE_CMP
        CASE(EQ_S): RG(in->d) = val_int(str_cmp(RG(in->a), RG(in->b)) == 0); NEXT;
        CASE(NE_S): RG(in->d) = val_int(str_cmp(RG(in->a), RG(in->b)) != 0); NEXT;
        CASE(LT_S): RG(in->d) = val_int(str_cmp(RG(in->a), RG(in->b)) < 0); NEXT;
        CASE(LE_S): RG(in->d) = val_int(str_cmp(RG(in->a), RG(in->b)) <= 0); NEXT;
        CASE(GT_S): RG(in->d) = val_int(str_cmp(RG(in->a), RG(in->b)) > 0); NEXT;
        CASE(GE_S): RG(in->d) = val_int(str_cmp(RG(in->a), RG(in->b)) >= 0); NEXT;
        CASE(NOT): RG(in->d) = val_int(!RG(in->a).u.i); NEXT;
        CASE(JMP): ip = code + in->b; NEXT;
        CASE(JF): if (!RG(in->a).u.i) ip = code + in->b; NEXT;
        CASE(JT): if (RG(in->a).u.i) ip = code + in->b; NEXT;
        CASE(JFEQ_N): if (!(RG(in->a).u.num == RG(in->b).u.num)) ip = code + in->d; NEXT;
        CASE(JFNE_N): if (!(RG(in->a).u.num != RG(in->b).u.num)) ip = code + in->d; NEXT;
        CASE(JFLT_N): if (!(RG(in->a).u.num < RG(in->b).u.num)) ip = code + in->d; NEXT;
        CASE(JFLE_N): if (!(RG(in->a).u.num <= RG(in->b).u.num)) ip = code + in->d; NEXT;
        CASE(JFGT_N): if (!(RG(in->a).u.num > RG(in->b).u.num)) ip = code + in->d; NEXT;
        CASE(JFGE_N): if (!(RG(in->a).u.num >= RG(in->b).u.num)) ip = code + in->d; NEXT;
        CASE(JFEQ_I): if (RG(in->a).u.i != RG(in->b).u.i) ip = code + in->d; NEXT;
        CASE(JFNE_I): if (RG(in->a).u.i == RG(in->b).u.i) ip = code + in->d; NEXT;
        CASE(IS_MISSING): RG(in->d) = val_int(RG(in->a).missing != 0); NEXT;
        CASE(COALESCE): RG(in->d) = RG(in->a).missing ? RG(in->b) : RG(in->a); NEXT;
        CASE(SET_MISSING):    /* no member (-1): a tier that matched no branch equals none */
            RG(in->d) = val_int(-1);
            RG(in->d).missing = 1;
            NEXT;
        CASE(CALL):
            vm->std.today = R[vm->c->today_reg].u.i;
            vm->std.err = NULL;
            std_func(in->x)->fn(&RG(in->d), &RG(in->a), in->b, &vm->std);
            if (vm->std.err) return fail(vm, AT, vm->std.err);  /* round() overflowing */
            NEXT;
        CASE(MATCH): {
            const Regex *re = vm->c->regex[in->x];
            void *work = vm_scratch(vm, rx_work_size(re));
            RG(in->d) = val_int(rx_search(re, RG(in->a).u.str, RG(in->a).len, work));
            NEXT;
        }
        CASE(AGG):
            RG(in->d) = agg_value(vm, in->x, RG(in->a));
            if (!isfinite(RG(in->d).u.num))
                return fail(vm, AT, "an aggregate overflows (its sum passes 1.8e308)");
            NEXT;
        CASE(AGG_ADD):
            if (RG(in->b).u.i) vm_agg_add(vm, in->x, RG(in->a));
            NEXT;
        CASE(LIMIT_ADD):
            if (RG(in->a).u.i) {
                LimitState *l = &vm->lim[in->x];
                if (l->n == l->cap) {
                    l->cap = l->cap ? l->cap * 2 : 256;
                    l->cands = xrealloc(l->cands, sizeof(LimitCand) * l->cap);
                }
                if (isnan(RG(in->b).u.num)) return fail(vm, AT, "a limit's order is not a number");
                LimitCand *c = &l->cands[l->n++];
                c->group = vm->c->limits[in->x].group == GROUP_NONE
                               ? 0 : vm_group_id(&l->groups, vm->c->limits[in->x].group, vm->group, true);
                c->by = RG(in->b).u.num;
                c->ordinal = vm->ordinal;
                c->key = xmalloc(vm->keylen + 1);
                if (vm->keylen) memcpy(c->key, vm->key, vm->keylen);
                c->key[vm->keylen] = '\0';
            }
            NEXT;
        CASE(LIMIT_GET): {
            const LimitState *l = &vm->lim[in->x];
            long o = vm->ordinal;
            bool kept = o >= 0 && (size_t)(o / 8) < l->nkeep && (l->keep[o / 8] >> (o % 8)) & 1;
            RG(in->d) = val_int(RG(in->a).u.i && kept);
            NEXT;
        }
        CASE(GROUP):
            vm->group = RG(in->a);
            NEXT;
        CASE(STAGE_FROM): RG(in->d) = val_int(RG(in->a).u.i < in->x); NEXT;
        /* the fused pairs (fuse() above); each skips the instruction after it */
        CASE(ADD_IF): {
            bool take = RG(in->x).u.i != 0;
            double r_ = RG(in->a).u.num + RG(in->b).u.num;
            ip++;
            if (!isfinite(r_) && take)      /* the ADD's error, at the ADD */
                return fail(vm, AT, "a sum overflows (its magnitude passes 1.8e308)");
            int64_t bits;
            memcpy(&bits, &r_, sizeof bits);
            keep_or_int(&RG(in->d), !take, bits);
            NEXT;
        }
        CASE(ADD_IF_GE): {
            bool take = RG(in->a).u.num >= RG(in->b).u.num;
            const VmInstr *add = ip++;
            double r_ = RG(add->a).u.num + RG(add->b).u.num;
            if (!isfinite(r_) && take)      /* the ADD's error, at the ADD */
                return fail(vm, AT, "a sum overflows (its magnitude passes 1.8e308)");
            int64_t bits;
            memcpy(&bits, &r_, sizeof bits);
            keep_or_int(&RG(add->d), !take, bits);
            NEXT;
        }
        CASE(SWITCH_EQ): {
            const int64_t *t = vm->sw + in->x;
            uint64_t off = (uint64_t)RG(in->a).u.i - (uint64_t)t[0];
            ip = code + (off < (uint64_t)t[1] ? t[3 + off] : t[2]);
            NEXT;
        }
        CASE(IN_RANGE): {
            const int64_t *t = vm->sw + in->x;
            RG(in->d) = val_int((uint64_t)RG(in->a).u.i - (uint64_t)t[0] < (uint64_t)t[1]);
            NEXT;
        }
        CASE(ACC_RUN): {
            const int64_t *t = vm->sw + in->x;
            int n = (int)t[0];
            Value *accp = &RG(in->d);
            int64_t bits = accp->u.i;
            uint32_t len = accp->len;
            uint8_t miss = accp->missing;
            for (int k = 0; k < n; k++) {
                const int64_t *e = t + 1 + 4 * k;
                const Value *c1 = &RG(e[1]), *c2 = &RG(e[2]);
                bool take = e[0] ? c1->u.num >= c2->u.num : c1->u.i != 0;
                double cur, r_;
                memcpy(&cur, &bits, sizeof cur);
                r_ = cur + RG(e[3]).u.num;
                if (!isfinite(r_) && take) {    /* the k-th ADD's error, the sum so far kept */
                    accp->u.i = bits;
                    accp->len = len;
                    accp->missing = miss;
                    return fail(vm, AT + 2 * k + 1, "a sum overflows (its magnitude passes 1.8e308)");
                }
                int64_t rb, m = -(int64_t)take;
                memcpy(&rb, &r_, sizeof rb);
                bits = (rb & m) | (bits & ~m);
                len &= ~(uint32_t)m;
                miss &= (uint8_t)~m;
            }
            accp->u.i = bits;
            accp->len = len;
            accp->missing = miss;
            ip = in + 2 * n;
            NEXT;
        }
        CASE(ACC_CONST): {
            const int64_t *t = vm->sw + in->x;
            int n = (int)t[0];
            double acc;
            memcpy(&acc, &t[1], sizeof acc);
            for (int k = 0; k < n; k++) {
                const int64_t *e = t + 2 + 4 * k;
                const Value *c1 = &RG(e[1]), *c2 = &RG(e[2]);
                bool take = e[0] ? c1->u.num >= c2->u.num : c1->u.i != 0;
                int64_t wb = e[3] & -(int64_t)take;   /* w, or +0.0 */
                double w;
                memcpy(&w, &wb, sizeof w);
                acc += w;
            }
            RG(in->d) = val_num(acc);
            ip = in + 1 + 2 * n;
            NEXT;
        }
        CASE(AGG_SUM):
            RG(in->d) = val_num(vm->agg[in->x].sum);
            if (!isfinite(RG(in->d).u.num))
                return fail(vm, AT, "an aggregate overflows (its sum passes 1.8e308)");
            NEXT;
        CASE(AGG_AVG): {
            const AggState *s = &vm->agg[in->x];
            RG(in->d) = val_num(s->count ? s->sum / (double)s->count : 0);
            if (!isfinite(RG(in->d).u.num))
                return fail(vm, AT, "an aggregate overflows (its sum passes 1.8e308)");
            NEXT;
        }
        CASE(AGG_MIN):
            RG(in->d) = val_num(vm->agg[in->x].count ? vm->agg[in->x].min : 0);
            if (!isfinite(RG(in->d).u.num))
                return fail(vm, AT, "an aggregate overflows (its sum passes 1.8e308)");
            NEXT;
        CASE(AGG_MAX):
            RG(in->d) = val_num(vm->agg[in->x].count ? vm->agg[in->x].max : 0);
            if (!isfinite(RG(in->d).u.num))
                return fail(vm, AT, "an aggregate overflows (its sum passes 1.8e308)");
            NEXT;
#define CMP_CASES(RN, op)                                                       \
        CASE(OR_N_##RN):                                                        \
            keep_or_int(&RG(in->d), RG(in->d).u.i != 0, RG(in->a).u.num op RG(in->b).u.num); \
            ip++;                                                               \
            NEXT;                                                               \
        CASE(AND_N_##RN):                                                       \
            keep_or_int(&RG(in->d), RG(in->d).u.i == 0, RG(in->a).u.num op RG(in->b).u.num); \
            ip++;                                                               \
            NEXT;                                                               \
        CASE(OR_I_##RN):                                                        \
            keep_or_int(&RG(in->d), RG(in->d).u.i != 0, RG(in->a).u.i op RG(in->b).u.i); \
            ip++;                                                               \
            NEXT;                                                               \
        CASE(AND_I_##RN):                                                       \
            keep_or_int(&RG(in->d), RG(in->d).u.i == 0, RG(in->a).u.i op RG(in->b).u.i); \
            ip++;                                                               \
            NEXT;                                                               \
        CASE(CJF_N_##RN): {                                                     \
            bool v_ = RG(in->a).u.num op RG(in->b).u.num;                         \
            RG(in->d) = val_int(v_);                                             \
            ip = v_ ? ip + 1 : code + ip->b;                                    \
            NEXT;                                                               \
        }                                                                       \
        CASE(CJT_N_##RN): {                                                     \
            bool v_ = RG(in->a).u.num op RG(in->b).u.num;                         \
            RG(in->d) = val_int(v_);                                             \
            ip = v_ ? code + ip->b : ip + 1;                                    \
            NEXT;                                                               \
        }                                                                       \
        CASE(CJF_I_##RN): {                                                     \
            bool v_ = RG(in->a).u.i op RG(in->b).u.i;                             \
            RG(in->d) = val_int(v_);                                             \
            ip = v_ ? ip + 1 : code + ip->b;                                    \
            NEXT;                                                               \
        }                                                                       \
        CASE(CJT_I_##RN): {                                                     \
            bool v_ = RG(in->a).u.i op RG(in->b).u.i;                             \
            RG(in->d) = val_int(v_);                                             \
            ip = v_ ? code + ip->b : ip + 1;                                    \
            NEXT;                                                               \
        }
        CMP_RELS(CMP_CASES)
#undef CMP_CASES
#define HOLDS_B(p) (RG((p)->a).u.i != 0)
#define HOLDS_T(p) (RG((p)->a).u.i == 0)
#define HOLDS_G(p) (RG((p)->a).u.num >= RG((p)->b).u.num)
#define HOLDS_E(p) (RG((p)->a).u.i == RG((p)->b).u.i)
#define JJ(K1, K2)                                                              \
        CASE(JJ_##K1##K2):                                                      \
            if (!(HOLDS_##K1(in) & HOLDS_##K2(ip)))                             \
                ip = code + in->d;                                              \
            else                                                                \
                ip++;                                                           \
            NEXT;
        JJ(B, B) JJ(B, T) JJ(B, G) JJ(B, E) JJ(T, B) JJ(T, T) JJ(T, G) JJ(T, E)
        JJ(G, B) JJ(G, T) JJ(G, G) JJ(G, E) JJ(E, B) JJ(E, T) JJ(E, G) JJ(E, E)
#undef JJ
#undef HOLDS_B
#undef HOLDS_T
#undef HOLDS_G
#undef HOLDS_E
        CASE(MOV_OR_MOV):
            RG(in->d) = RG(in->a);
            keep_or_copy(&RG(ip->d), RG(ip->d).u.i != 0, &RG(ip->a));
            ip += 2;
            NEXT;
        CASE(MOV_AND_MOV):
            RG(in->d) = RG(in->a);
            keep_or_copy(&RG(ip->d), RG(ip->d).u.i == 0, &RG(ip->a));
            ip += 2;
            NEXT;
        CASE(OR_MOV):
            keep_or_copy(&RG(in->d), RG(in->d).u.i != 0, &RG(in->a));
            ip++;
            NEXT;
        CASE(AND_MOV):
            keep_or_copy(&RG(in->d), RG(in->d).u.i == 0, &RG(in->a));
            ip++;
            NEXT;
#define TODAY (R[vm->c->today_reg].u.i)
        CASE(DSINCE):
            RG(in->d) = dates_days_since(TODAY, &RG(in->a));
            NEXT;
        CASE(MSINCE):
            RG(in->d) = dates_months_since(&vm->std, TODAY, &RG(in->a));
            NEXT;
        CASE(MOV_DSINCE):
            RG(in->d) = RG(in->a);
            RG(in->b) = dates_days_since(TODAY, &RG(in->d));
            ip++;
            NEXT;
        CASE(MOV_MSINCE):
            RG(in->d) = RG(in->a);
            RG(in->b) = dates_months_since(&vm->std, TODAY, &RG(in->d));
            ip++;
            NEXT;
        CASE(COAL_DSINCE): {
            RG(in->d) = RG(in->a).missing ? RG(in->b) : RG(in->a);
            const VmInstr *m = ip;
            RG(m->d) = RG(m->a);
            RG(m->b) = dates_days_since(TODAY, &RG(m->d));
            ip += 2;
            NEXT;
        }
        CASE(COAL_MSINCE): {
            RG(in->d) = RG(in->a).missing ? RG(in->b) : RG(in->a);
            const VmInstr *m = ip;
            RG(m->d) = RG(m->a);
            RG(m->b) = dates_months_since(&vm->std, TODAY, &RG(m->d));
            ip += 2;
            NEXT;
        }
#undef TODAY
        CASE(MOV2_JMP):
            RG(in->d) = RG(in->a);
            RG(ip->d) = RG(ip->a);
            ip = code + ip[1].b;
            NEXT;
        CASE(MOV2):
            RG(in->d) = RG(in->a);
            RG(ip->d) = RG(ip->a);
            ip++;
            NEXT;
        CASE(JF_MOV2_JMP):
            if (!RG(in->a).u.i) {
                ip = code + in->b;
            } else {
                RG(ip->d) = RG(ip->a);
                RG(ip[1].d) = RG(ip[1].a);
                ip = code + ip[2].b;
            }
            NEXT;
        CASE(SEL_MISS): {
            const VmInstr *m = ip;            /* the MOV */
            const Value *src = &RG(m->a);
            Value *dst = &RG(m->d);
            int64_t k = -(int64_t)(RG(in->a).u.i != 0);
            dst->u.i = (src->u.i & k) | ~k;                     /* else -1 */
            dst->len = src->len & (uint32_t)k;
            dst->missing = (uint8_t)((src->missing & (uint8_t)k) | (1 & ~(uint8_t)k));
            ip += 3;
            NEXT;
        }
        default:
#ifdef VM_THREADED
        bad:
#endif
            return fail(vm, AT, "bad instruction");
        }
    }
}
