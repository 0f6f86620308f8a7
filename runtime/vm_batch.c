/* vm_batch.c — units run over many records at once (vm_batch.h). Each
 * register the units touch is a lane array: a payload (Value.u as 64
 * bits) and a missing flag per record. An instruction runs over the
 * records still active; a jump forward moves the records it takes into
 * the target's pending set, and they are active again when the run
 * reaches the target. Params, consts, constants and today are the same
 * for every record: spread over their lanes once, and again only when
 * regs holds another value (the reference's params, say). */
/* GCC's -O2 vectorizes a loop only where no check or remainder is needed
 * ("very cheap"); the lane loops here have a count of up to VB_LANES and
 * a mask, and are worth vectorizing with a check (:sweep -5% in
 * instructions). The sums and comparisons are per lane, in the same
 * order: nothing is reassociated, so the results are the same bits.
 * Clang's -O2 runs its loop vectorizer with a cost model already. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("vect-cost-model=dynamic")
#endif
#include "vm_batch.h"
#include "../base/date.h"
#include "../base/arena.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct Lane {
    uint64_t v[VB_LANES];   /* Value.u */
    uint8_t m[VB_LANES];    /* Value.missing */
} Lane;

typedef struct VbIns {
    uint8_t op;
    uint16_t x;
    uint16_t nargs;         /* CALL: how many */
    int d, a, b;            /* lanes (-1: none) */
    int to;                 /* a jump's target: its pending set */
    int pend;               /* the pending set that becomes active here, or -1 */
    int args;               /* CALL: where its argument lanes start in p->args */
} VbIns;

struct VbPlan {
    const Chunk *c;
    VbIns *ins;
    int nins;
    int *ustart, nunits;    /* unit u's first instruction (its last is a HALT) */
    int *args;              /* CALL's argument lanes */
    Lane *lane;
    int nlane;
    int *sc_lane, *sc_reg;  /* the lanes spread from regs */
    Value *sc_last;         /* what each holds (valid once sc_set) */
    bool sc_set;
    int nsc;
    VbCol *cols;
    int *col_lane, ncols;
    int *out_lane, nout;
    uint8_t (*pend)[VB_LANES];
    int *npend_on;          /* by pending set: records in it */
    int npend;
};

static double f64(uint64_t u)
{
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

static uint64_t bits(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

/* How an instruction uses its operands here: 0 not taken; else which it
 * reads and writes. */
enum { T_D = 1, T_A = 2, T_B = 4, T_JB = 8, T_JD = 16, T_CALL = 32 };

static int taken(const Instr *in)
{
    switch (in->op) {
    case OP_MOV: case OP_NEG: case OP_NOT: case OP_IS_MISSING: case OP_STAGE_FROM: return T_D | T_A;
    case OP_ADD: case OP_SUB: case OP_MUL: case OP_DIV:
    case OP_DATE_ADD: case OP_DATE_SUB: case OP_DATE_DIFF:
    case OP_EQ_N: case OP_NE_N: case OP_LT_N: case OP_LE_N: case OP_GT_N: case OP_GE_N:
    case OP_EQ_I: case OP_NE_I: case OP_LT_I: case OP_LE_I: case OP_GT_I: case OP_GE_I:
    case OP_LT_ST: case OP_LE_ST: case OP_GT_ST: case OP_GE_ST:
    case OP_COALESCE:
        return T_D | T_A | T_B;
    case OP_SET_MISSING: return T_D;
    case OP_JMP: return T_JB;
    case OP_JF: case OP_JT: return T_A | T_JB;
    case OP_JFEQ_N: case OP_JFNE_N: case OP_JFLT_N: case OP_JFLE_N: case OP_JFGT_N: case OP_JFGE_N:
    case OP_JFEQ_I: case OP_JFNE_I:
        return T_A | T_B | T_JD;
    case OP_CALL: {
        const StdFunc *f = std_func(in->x);
        if (!f || !f->fn || f->aggregate || in->b > 16) return 0;
        switch (f->sig) {
        case SIG_NUM_SAME: case SIG_ROUND: case SIG_MINMAX: case SIG_CLAMP:
        case SIG_DATE_INT: case SIG_DATE2_INT:
            return T_D | T_CALL;
        default: return 0;
        }
    }
    default: return 0;
    }
}

void vb_free(VbPlan *p)
{
    if (!p) return;
    free(p->ins);
    free(p->ustart);
    free(p->args);
    free(p->lane);
    free(p->sc_lane);
    free(p->sc_reg);
    free(p->sc_last);
    free(p->cols);
    free(p->col_lane);
    free(p->out_lane);
    free(p->pend);
    free(p->npend_on);
    free(p);
}

/* The end (the HALT) of the unit starting at pc, or -1. */
static int unit_end(const Chunk *c, int pc)
{
    for (; pc >= 0 && pc < c->ncode; pc++)
        if (c->code[pc].op == OP_HALT) return pc;
    return -1;
}

VbPlan *vb_new(const Chunk *c, const int *units, int nunits, const int *out, int nout,
               const VbCol *cols, int ncols)
{
    size_t nr = (size_t)c->nregs + 1;
    bool *written = xcalloc(nr, 1);
    int *lane_of = xmalloc(sizeof(int) * nr), *col_of = xmalloc(sizeof(int) * nr);
    int *ins_at = xmalloc(sizeof(int) * ((size_t)c->ncode + 1));
    VbPlan *p = xcalloc(1, sizeof *p);
    p->c = c;
    bool ok = true;
    int nins = 0, nargs = 0;
    for (size_t r = 0; r < nr; r++) lane_of[r] = col_of[r] = -1;
    for (int k = 0; k < ncols; k++)
        if (cols[k].reg >= 0 && cols[k].reg < c->nregs) col_of[cols[k].reg] = k;
    /* what the units write, and whether every instruction is taken */
    for (int u = 0; ok && u < nunits; u++) {
        int pc = c->unit_pc[units[u]], end = unit_end(c, pc);
        if (end < 0) ok = false;
        for (; ok && pc <= end; pc++) {
            const Instr *in = &c->code[pc];
            int t = taken(in);
            if (!t && in->op != OP_HALT) ok = false;
            if (t & T_D) written[in->d] = true;
            if (t & T_CALL) nargs += in->b;
            int to = t & T_JB ? in->b : t & T_JD ? in->d : -1;
            if (t & (T_JB | T_JD) && (to <= pc || to > end)) ok = false;   /* forward, within the unit */
            nins++;
        }
    }
    if (ok) {
        p->ins = xcalloc((size_t)nins + 1, sizeof(VbIns));
        p->ustart = xmalloc(sizeof(int) * ((size_t)nunits + 1));
        p->args = xmalloc(sizeof(int) * ((size_t)nargs + 1));
        p->sc_lane = xmalloc(sizeof(int) * nr);
        p->sc_reg = xmalloc(sizeof(int) * nr);
        p->col_lane = xmalloc(sizeof(int) * ((size_t)ncols + 1));
        p->cols = xmalloc(sizeof(VbCol) * ((size_t)ncols + 1));
        p->pend = xmalloc(sizeof *p->pend * ((size_t)nins + 1));
        p->nunits = nunits;
    }
    /* lane_for(r, reading): r's lane; a register read but not written
       must be a column, or one regs gives (the same for every record) */
#define LANE_FOR(R, OUT)                                                        \
    do {                                                                        \
        int r_ = (R);                                                           \
        if (r_ < 0 || r_ >= c->nregs) { ok = false; break; }                    \
        if (lane_of[r_] < 0) {                                                  \
            bool scalar_ = c->role[r_] == REG_CONST || c->role[r_] == REG_PARAM || r_ == c->today_reg; \
            if (!written[r_] && col_of[r_] >= 0) {                              \
                p->cols[p->ncols] = cols[col_of[r_]];                           \
                p->col_lane[p->ncols++] = p->nlane;                             \
            } else if (!written[r_] && scalar_) {                               \
                p->sc_reg[p->nsc] = r_;                                         \
                p->sc_lane[p->nsc++] = p->nlane;                                \
            } else if (!written[r_] || col_of[r_] >= 0) {                       \
                ok = false;                                                     \
                break;                                                          \
            }                                                                   \
            lane_of[r_] = p->nlane++;                                           \
        }                                                                       \
        (OUT) = lane_of[r_];                                                    \
    } while (0)
    int na = 0;
    for (int u = 0; ok && u < nunits; u++) {
        int pc = c->unit_pc[units[u]], end = unit_end(c, pc);
        p->ustart[u] = p->nins;
        for (int q = pc; q <= end; q++) ins_at[q] = -1;
        for (int q = pc; ok && q <= end; q++) {
            const Instr *in = &c->code[q];
            VbIns *v = &p->ins[p->nins];
            ins_at[q] = p->nins++;
            int t = taken(in);
            v->op = in->op;
            v->x = in->x;
            v->d = v->a = v->b = v->to = v->pend = -1;
            if (t & T_A) LANE_FOR(in->a, v->a);
            if (ok && t & T_B) LANE_FOR(in->b, v->b);
            if (ok && t & T_CALL) {
                v->args = na;
                v->nargs = in->b;
                for (int k = 0; ok && k < in->b; k++, na++) LANE_FOR(in->a + k, p->args[na]);
            }
            if (ok && t & T_D) LANE_FOR(in->d, v->d);
        }
        /* jumps: their targets' pending sets */
        for (int q = pc; ok && q <= end; q++) {
            const Instr *in = &c->code[q];
            int t = taken(in);
            if (!(t & (T_JB | T_JD))) continue;
            VbIns *tgt = &p->ins[ins_at[t & T_JB ? in->b : in->d]];
            if (tgt->pend < 0) tgt->pend = p->npend++;
            p->ins[ins_at[q]].to = tgt->pend;
        }
    }
#undef LANE_FOR
    p->out_lane = xmalloc(sizeof(int) * ((size_t)nout + 1));
    for (int i = 0; ok && i < nout; i++) {
        if (out[i] < 0 || out[i] >= c->nregs || !written[out[i]] || lane_of[out[i]] < 0) ok = false;
        else p->out_lane[p->nout++] = lane_of[out[i]];
    }
    free(written);
    free(lane_of);
    free(col_of);
    free(ins_at);
    if (!ok) {
        vb_free(p);
        return NULL;
    }
    p->lane = xcalloc((size_t)p->nlane + 1, sizeof(Lane));
    p->sc_last = xcalloc((size_t)p->nsc + 1, sizeof(Value));
    p->npend_on = xcalloc((size_t)p->npend + 1, sizeof(int));
    memset(p->pend, 0, sizeof *p->pend * ((size_t)p->npend + 1));
    return p;
}

const uint64_t *vb_out_bits(const VbPlan *p, int i)
{
    return p->lane[p->out_lane[i]].v;
}

const uint8_t *vb_out_missing(const VbPlan *p, int i)
{
    return p->lane[p->out_lane[i]].m;
}

static bool same_value(const Value *a, const Value *b)
{
    return a->missing == b->missing && a->len == b->len && memcmp(&a->u, &b->u, sizeof a->u) == 0;
}

/* Lanes from regs, where regs holds another value than they do. */
static bool spread(VbPlan *p, const Value *regs)
{
    for (int k = 0; k < p->nsc; k++) {
        const Value *v = &regs[p->sc_reg[k]];
        if (v->len) return false;
        if (p->sc_set && same_value(v, &p->sc_last[k])) continue;
        Lane *L = &p->lane[p->sc_lane[k]];
        uint64_t u;
        memcpy(&u, &v->u, sizeof u);
        for (int l = 0; l < VB_LANES; l++) L->v[l] = u;
        memset(L->m, v->missing, sizeof L->m);
        p->sc_last[k] = *v;
    }
    p->sc_set = true;
    return true;
}

static void load_cols(VbPlan *p, long from, int n)
{
    for (int k = 0; k < p->ncols; k++) {
        const VbCol *col = &p->cols[k];
        uint64_t *v = p->lane[p->col_lane[k]].v;
        switch (col->kind) {      /* as the session's loads: val_num or val_int */
        case VB_F64: memcpy(v, (const double *)col->v + from, sizeof(double) * (size_t)n); break;
        case VB_I32: {
            const int32_t *s = (const int32_t *)col->v + from;
            for (int l = 0; l < n; l++) v[l] = (uint64_t)(int64_t)s[l];
            break;
        }
        case VB_N32: {
            const int32_t *s = (const int32_t *)col->v + from;
            for (int l = 0; l < n; l++) v[l] = bits((double)s[l]);
            break;
        }
        case VB_I8: {
            const int8_t *s = (const int8_t *)col->v + from;
            for (int l = 0; l < n; l++) v[l] = (uint64_t)(int64_t)s[l];
            break;
        }
        }
        if (col->miss) {          /* as the session loads one: val_int(0), missing */
            uint8_t *m = p->lane[p->col_lane[k]].m;
            const uint8_t *ms = col->miss + from;
            for (int l = 0; l < n; l++) {
                m[l] = ms[l] != 0;
                v[l] = m[l] ? 0 : v[l];
            }
        }
    }
}

bool vb_run(VbPlan *p, Vm *vm, const Value *regs, long from, int n, const uint8_t *want, uint8_t *ok)
{
    if (!spread(p, regs)) {
        memset(ok, 0, (size_t)n);
        return false;
    }
    load_cols(p, from, n);
    uint8_t alive[VB_LANES], act[VB_LANES];
    int nalive = 0;
    for (int l = 0; l < n; l++) nalive += alive[l] = want[l] != 0;
    Lane *lane = p->lane;
    for (int u = 0; u < p->nunits && nalive; u++) {
        memcpy(act, alive, (size_t)n);
        int nact = nalive, nfail = 0;
        for (const VbIns *in = &p->ins[p->ustart[u]];; in++) {
            if (in->pend >= 0 && p->npend_on[in->pend]) {      /* jumped here */
                uint8_t *pm = p->pend[in->pend];
                for (int l = 0; l < n; l++) act[l] |= pm[l];
                memset(pm, 0, (size_t)n);
                nact += p->npend_on[in->pend];
                p->npend_on[in->pend] = 0;
            }
            if (in->op == OP_HALT) break;
            if (!nact) continue;
            Lane *D = in->d >= 0 ? &lane[in->d] : NULL;
            const Lane *A = in->a >= 0 ? &lane[in->a] : NULL, *B = in->b >= 0 ? &lane[in->b] : NULL;
            nfail = 0;
/* BODY for each active record l; FAIL(l) drops it (vm_run would fail) */
#define EACH(...)                                                               \
            do {                                                                \
                if (nact == n) {                                                \
                    for (int l = 0; l < n; l++) { __VA_ARGS__; }                \
                } else {                                                        \
                    for (int l = 0; l < n; l++)                                 \
                        if (act[l]) { __VA_ARGS__; }                            \
                }                                                               \
            } while (0)
/* D = V (payload) and M (missing) for each active record, for an
 * instruction that cannot fail: worked out for every record (an inactive
 * one's registers hold something) and kept where active, without a
 * branch on which records are */
#define PURE(V, M)                                                              \
            do {                                                                \
                if (nact == n) {                                                \
                    for (int l = 0; l < n; l++) {                               \
                        uint64_t v_ = (V);                                      \
                        uint8_t m_ = (uint8_t)(M);                              \
                        D->v[l] = v_;                                           \
                        D->m[l] = m_;                                           \
                    }                                                           \
                } else {                                                        \
                    for (int l = 0; l < n; l++) {                               \
                        uint64_t v_ = (V), s_ = -(uint64_t)act[l];              \
                        uint8_t m_ = (uint8_t)(M), t_ = (uint8_t)s_;            \
                        D->v[l] = (v_ & s_) | (D->v[l] & ~s_);                  \
                        D->m[l] = (uint8_t)((m_ & t_) | (D->m[l] & (uint8_t)~t_)); \
                    }                                                           \
                }                                                               \
            } while (0)
#define FAIL(l) (act[l] = 0, alive[l] = 0, nfail++)
#define NUM(E) (D->v[l] = bits(E), D->m[l] = 0)
#define INT(E) (D->v[l] = (uint64_t)(int64_t)(E), D->m[l] = 0)
#define AN f64(A->v[l])
#define BN f64(B->v[l])
#define AI ((int64_t)A->v[l])
#define BI ((int64_t)B->v[l])
#define ARITH(OPNAME, EXPR)                                                     \
            case OPNAME:                                                        \
                EACH({ double r_ = EXPR; if (!isfinite(r_)) FAIL(l); else NUM(r_); }); \
                break;
/* a jump: the records for which COND (0 or 1) holds go to the target */
#define JUMP_IF(COND)                                                           \
            {                                                                   \
                uint8_t *pm = p->pend[in->to];                                  \
                int moved = 0;                                                  \
                for (int l = 0; l < n; l++) {                                   \
                    uint8_t t_ = act[l] & (uint8_t)(COND);                      \
                    pm[l] |= t_;                                                \
                    act[l] ^= t_;                                               \
                    moved += t_;                                                \
                }                                                               \
                p->npend_on[in->to] += moved;                                   \
                nact -= moved;                                                  \
                break;                                                          \
            }
#define PNUM(E) PURE(bits(E), 0)
#define PINT(E) PURE((uint64_t)(int64_t)(E), 0)
            switch (in->op) {
            case OP_MOV: PURE(A->v[l], A->m[l]); break;
            ARITH(OP_ADD, AN + BN)
            ARITH(OP_SUB, AN - BN)
            ARITH(OP_MUL, AN * BN)
            case OP_DIV:
                EACH({
                    double a_ = AN, b_ = BN;
                    if (b_ == 0) {
                        if (a_ == 0) NUM(0.0);
                        else FAIL(l);
                    } else {
                        double q_ = a_ / b_;
                        if (!isfinite(q_)) FAIL(l);
                        else NUM(q_);
                    }
                });
                break;
            case OP_NEG: PNUM(-AN); break;
            case OP_DATE_ADD:
            case OP_DATE_SUB: {
                bool sub = in->op == OP_DATE_SUB;
                EACH({
                    double days_ = floor(BN);
                    if (sub) days_ = -days_;
                    double to_ = (double)AI + days_;
                    if (!(to_ >= DATE_MIN && to_ <= DATE_MAX)) FAIL(l);
                    else INT((int64_t)to_);
                });
                break;
            }
            case OP_DATE_DIFF: PNUM((double)(AI - BI)); break;
            case OP_EQ_N: PINT(AN == BN); break;
            case OP_NE_N: PINT(AN != BN); break;
            case OP_LT_N: PINT(AN < BN); break;
            case OP_LE_N: PINT(AN <= BN); break;
            case OP_GT_N: PINT(AN > BN); break;
            case OP_GE_N: PINT(AN >= BN); break;
            case OP_EQ_I: PINT(AI == BI); break;
            case OP_NE_I: PINT(AI != BI); break;
            case OP_LT_I: PINT(AI < BI); break;
            case OP_LE_I: PINT(AI <= BI); break;
            case OP_GT_I: PINT(AI > BI); break;
            case OP_GE_I: PINT(AI >= BI); break;
#define STAGE_CMP(OPNAME, REL)                                                  \
            case OPNAME: {                                                      \
                int64_t x_ = in->x;                                             \
                PINT((AI < x_) & (BI < x_) & (AI REL BI)); \
                break;                                                          \
            }
            STAGE_CMP(OP_LT_ST, <)
            STAGE_CMP(OP_LE_ST, <=)
            STAGE_CMP(OP_GT_ST, >)
            STAGE_CMP(OP_GE_ST, >=)
#undef STAGE_CMP
            case OP_NOT: PINT(!AI); break;
            case OP_STAGE_FROM: {
                int64_t x_ = in->x;
                PINT(AI < x_);
                break;
            }
            case OP_IS_MISSING: PINT(A->m[l] != 0); break;
            case OP_COALESCE:
                PURE(A->m[l] ? B->v[l] : A->v[l], A->m[l] ? B->m[l] : A->m[l]);
                break;
            case OP_SET_MISSING: PURE((uint64_t)(int64_t)-1, 1); break;
            case OP_CALL: {
                const StdFunc *f = std_func(in->x);
                vm->std.today = regs[p->c->today_reg].u.i;
                const int *al = p->args + in->args;
                EACH({
                    Value args_[16], d_;
                    for (int k = 0; k < in->nargs; k++) {
                        memcpy(&args_[k].u, &lane[al[k]].v[l], sizeof args_[k].u);
                        args_[k].len = 0;
                        args_[k].missing = lane[al[k]].m[l];
                    }
                    memset(&d_, 0, sizeof d_);
                    vm->std.err = NULL;
                    f->fn(&d_, args_, in->nargs, &vm->std);
                    if (vm->std.err || d_.len) {
                        FAIL(l);
                    } else {
                        memcpy(&D->v[l], &d_.u, sizeof D->v[l]);
                        D->m[l] = d_.missing;
                    }
                });
                vm->std.err = NULL;
                break;
            }
            case OP_JMP: JUMP_IF(1)
            case OP_JF: JUMP_IF(!AI)
            case OP_JT: JUMP_IF(AI != 0)
            case OP_JFEQ_N: JUMP_IF(!(AN == BN))
            case OP_JFNE_N: JUMP_IF(!(AN != BN))
            case OP_JFLT_N: JUMP_IF(!(AN < BN))
            case OP_JFLE_N: JUMP_IF(!(AN <= BN))
            case OP_JFGT_N: JUMP_IF(!(AN > BN))
            case OP_JFGE_N: JUMP_IF(!(AN >= BN))
            case OP_JFEQ_I: JUMP_IF(AI != BI)
            case OP_JFNE_I: JUMP_IF(AI == BI)
            default: break;     /* vb_new takes no other */
            }
            nact -= nfail;
            nalive -= nfail;
        }
    }
#undef EACH
#undef FAIL
#undef NUM
#undef INT
#undef AN
#undef BN
#undef AI
#undef BI
#undef ARITH
#undef JUMP_IF
#undef PURE
#undef PNUM
#undef PINT
    memcpy(ok, alive, (size_t)n);
    return true;
}
