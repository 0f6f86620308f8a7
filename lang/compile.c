/* compile.c — code generation: a checked Policy becomes a Chunk of register
 * bytecode (runtime/bytecode.h). Code segments: init (params and consts,
 * in dependency order, each skipped when --set overrides it), one per
 * portfolio pass (only when the policy has aggregates or limits: pass k
 * evaluates the rules that layer k's aggregates and limits read, then
 * accumulates them; layers are planned in order.c), and the per-record
 * code (every rule in dependency order). and/or short-circuit; operations on constants are
 * folded. Nothing here runs code or reads data. */
#include "compile.h"
#include "../stdlib/registry.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* While compiling, constants are numbered apart from the other registers
 * (tagged with CONST_TAG) and placed after them at the end. */
enum { CONST_TAG = 0x8000, MAX_SPLIT = 0x7fff };

typedef struct Cg {
    Chunk *c;
    Policy *p;
    DiagList *d;
    Value *consts;          /* constant values, by index */
    const char **const_names;
    int nconsts, capconsts;
    int fixed;              /* registers below this are named (fields, rules ...) */
    int next_temp, max_temp;
    Span span;              /* source of the instructions being emitted */
    bool failed;
    int today_reg;
    int *set_flag_reg;      /* per sym index: the "overridden by --set" flag */
    int pass;               /* the portfolio pass being compiled (1 ..), or
                               npasses + 1 for the record code: a limit
                               of this layer enters records, others are read */
    uint8_t *param_done;    /* per sym index: init code emitted */
    bool portfolio;         /* compiling a portfolio flag: no account */
} Cg;

static void fail(Cg *g, const char *what)
{
    if (!g->failed)
        diag_add(g->d, DIAG_ERROR, g->span, "too-large", "the policy is too large to compile: %s",
                 what);
    g->failed = true;
}

static int emit(Cg *g, OpCode op, int x, int d, int a, int b)
{
    Chunk *c = g->c;
    if (c->ncode >= MAX_CODE) {
        fail(g, "more than 65535 instructions");
        return c->ncode ? c->ncode - 1 : 0;
    }
    if (c->ncode == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 256;
        c->code = xrealloc(c->code, sizeof(Instr) * (size_t)c->cap);
        c->spans = xrealloc(c->spans, sizeof(Span) * (size_t)c->cap);
    }
    if (x < 0 || x > MAX_IMM) {     /* a slot, regex, function or stage count */
        fail(g, "more than 65535 aggregates, limits, patterns or stages");
        x = 0;
    }
    Instr in = {(uint8_t)op, (uint16_t)x, (uint16_t)d, (uint16_t)a, (uint16_t)b};
    c->code[c->ncode] = in;
    c->spans[c->ncode] = g->span;
    return c->ncode++;
}

/* Points the jump at `at` to the next instruction. */
static void patch(Cg *g, int at)
{
    Instr *in = &g->c->code[at];
    if (strchr(op_operands[in->op], 't')) in->d = (uint16_t)g->c->ncode;
    else in->b = (uint16_t)g->c->ncode;
}

/* A list of jumps waiting for the same target (freed by patch_all). */
typedef struct Jumps {
    int *at;
    int n, cap;
} Jumps;

static int temp(Cg *g)
{
    int r = g->next_temp++;
    if (r > g->max_temp) g->max_temp = r;
    if (r >= MAX_SPLIT) {
        fail(g, "more than 32767 registers");
        return 0;
    }
    return r;
}

static bool is_const(int r) { return r & CONST_TAG; }

static Value const_val(Cg *g, int r) { return g->consts[r & ~CONST_TAG]; }

static int konst(Cg *g, Value v, const char *name)
{
    for (int i = 0; i < g->nconsts; i++) {      /* share equal constants (of one name) */
        Value *k = &g->consts[i];
        const char *kn = g->const_names[i];
        bool same_name = kn == name || (kn && name && strcmp(kn, name) == 0);
        if (k->len == v.len && k->missing == v.missing && k->u.i == v.u.i && same_name)
            return CONST_TAG | i;
    }
    if (g->nconsts >= MAX_SPLIT) {
        fail(g, "more than 32767 constants");
        return CONST_TAG;
    }
    if (g->nconsts == g->capconsts) {
        g->capconsts = g->capconsts ? g->capconsts * 2 : 64;
        g->consts = xrealloc(g->consts, sizeof(Value) * (size_t)g->capconsts);
        g->const_names = xrealloc(g->const_names, sizeof(char *) * (size_t)g->capconsts);
    }
    g->consts[g->nconsts] = v;
    g->const_names[g->nconsts] = name;
    return CONST_TAG | g->nconsts++;
}

static int knum(Cg *g, double d) { return konst(g, val_num(d), NULL); }
static int kint(Cg *g, int64_t i, const char *name) { return konst(g, val_int(i), name); }

/* ------------------------------------------------------------ expressions */

static int expr(Cg *g, Expr *e);
static int expr_to(Cg *g, Expr *e, int dst);

static bool is_stage(Type t) { return t.kind == TY_STAGE; }
static bool is_int_like(Type t)
{
    return t.kind == TY_BOOL || t.kind == TY_DATE || t.kind == TY_ENUM || t.kind == TY_STAGE;
}

/* Folds a numeric operation on two constants; false if it cannot (a
 * division by zero or an overflow is left for the VM to report). */
static bool fold(OpCode op, Value a, Value b, Value *out)
{
    double x = a.u.num, y = b.u.num;
    switch (op) {
    case OP_ADD: *out = val_num(x + y); return isfinite(out->u.num);
    case OP_SUB: *out = val_num(x - y); return isfinite(out->u.num);
    case OP_MUL: *out = val_num(x * y); return isfinite(out->u.num);
    case OP_DIV: if (y == 0) return false; *out = val_num(x / y); return isfinite(out->u.num);
    case OP_EQ_N: *out = val_int(x == y); return true;
    case OP_NE_N: *out = val_int(x != y); return true;
    case OP_LT_N: *out = val_int(x < y); return true;
    case OP_LE_N: *out = val_int(x <= y); return true;
    case OP_GT_N: *out = val_int(x > y); return true;
    case OP_GE_N: *out = val_int(x >= y); return true;
    default: return false;
    }
}

/* The destination the caller asked for, or a new temporary. */
static int dest(Cg *g, int dst)
{
    return dst >= 0 ? dst : temp(g);
}

static int binop_to(Cg *g, OpCode op, int x, int ra, int rb, int dst)
{
    Value v;
    if (is_const(ra) && is_const(rb) && fold(op, const_val(g, ra), const_val(g, rb), &v))
        return konst(g, v, NULL);
    int d = dest(g, dst);
    emit(g, op, x, d, ra, rb);
    return d;
}



static OpCode cmp_op(AstOp op, Type t)
{
    static const OpCode n[] = {OP_EQ_N, OP_NE_N, OP_LT_N, OP_LE_N, OP_GT_N, OP_GE_N};
    static const OpCode i[] = {OP_EQ_I, OP_NE_I, OP_LT_I, OP_LE_I, OP_GT_I, OP_GE_I};
    static const OpCode st[] = {OP_EQ_I, OP_NE_I, OP_LT_ST, OP_LE_ST, OP_GT_ST, OP_GE_ST};
    static const OpCode s[] = {OP_EQ_S, OP_NE_S, OP_LT_S, OP_LE_S, OP_GT_S, OP_GE_S};
    int k = (int)op - (int)OPX_EQ;
    if (t.kind == TY_STRING) return s[k];
    if (is_stage(t)) return st[k];
    if (is_int_like(t)) return i[k];
    return n[k];
}

static int compare(Cg *g, AstOp op, Expr *a, int ra, int rb, int dst)
{
    Type t = a->ty;
    int x = is_stage(t) && t.en ? t.en->norder : 0;
    return binop_to(g, cmp_op(op, t), x, ra, rb, dst);
}

static void add_jump(Jumps *j, int at)
{
    if (j->n == j->cap) {
        j->cap = j->cap ? j->cap * 2 : 8;
        j->at = xrealloc(j->at, sizeof(int) * (size_t)j->cap);
    }
    j->at[j->n++] = at;
}

static void patch_all(Cg *g, Jumps *j)
{
    for (int i = 0; i < j->n; i++) patch(g, j->at[i]);
    free(j->at);
    j->at = NULL;
    j->n = j->cap = 0;
}

/* Emits code that jumps (to a target added to `out`) when the bool e equals
 * `when`, and falls through otherwise: and/or/not become control flow, and
 * a numeric or member comparison fuses with its branch. */
static void cond(Cg *g, Expr *e, bool when, Jumps *out)
{
    Span saved = g->span;
    g->span = e->span;
    if (e->kind == EX_UNARY && e->op == OPX_NOT) {
        cond(g, e->a, !when, out);
    } else if (e->kind == EX_BINARY && (e->op == OPX_AND || e->op == OPX_OR)) {
        bool is_and = e->op == OPX_AND;
        if (is_and != when) {           /* and/false, or/true: either side decides */
            cond(g, e->a, when, out);
            cond(g, e->b, when, out);
        } else {                        /* and/true, or/false: both sides needed */
            Jumps skip = {0};
            cond(g, e->a, !when, &skip);
            cond(g, e->b, when, out);
            patch_all(g, &skip);
        }
    } else if (e->kind == EX_BINARY && e->op >= OPX_EQ && e->op <= OPX_GE &&
               e->a->ty.kind != TY_ERROR &&
               (ty_is_numeric(e->a->ty) ||
                ((e->op == OPX_EQ || e->op == OPX_NE) && is_int_like(e->a->ty)))) {
        int ra = expr(g, e->a);
        int rb = expr(g, e->b);
        g->span = e->span;
        AstOp op = e->op;
        if (when) {                     /* jump when true = jump unless the negation */
            static const AstOp neg[] = {[OPX_EQ] = OPX_NE, [OPX_NE] = OPX_EQ, [OPX_LT] = OPX_GE,
                                        [OPX_LE] = OPX_GT, [OPX_GT] = OPX_LE, [OPX_GE] = OPX_LT};
            op = neg[op];
        }
        OpCode jop;
        if (ty_is_numeric(e->a->ty)) {
            static const OpCode n[] = {OP_JFEQ_N, OP_JFNE_N, OP_JFLT_N, OP_JFLE_N, OP_JFGT_N, OP_JFGE_N};
            jop = n[op - OPX_EQ];
        } else {
            jop = op == OPX_EQ ? OP_JFEQ_I : OP_JFNE_I;
        }
        add_jump(out, emit(g, jop, 0, 0, ra, rb));
    } else {
        int r = expr(g, e);
        if (is_const(r)) {              /* a constant condition: jump or not, now */
            if ((const_val(g, r).u.i != 0) == when) add_jump(out, emit(g, OP_JMP, 0, 0, 0, 0));
        } else {
            add_jump(out, emit(g, when ? OP_JT : OP_JF, 0, 0, r, 0));
        }
    }
    g->span = saved;
}

static int call(Cg *g, Expr *e)
{
    const StdFunc *f = std_func(e->fn);
    Expr **args = (Expr **)e->args.items;
    int n = e->args.len;
    if (f->aggregate) {
        /* only rank and percentile place the account's own value; total,
           count, avg, min and max do not read it (so a value that cannot
           be computed for this account, `a / b` with b = 0 outside the
           filter, is no error of its own). A portfolio flag reads totals
           only: no account's argument. */
        bool own = f->sig == SIG_AGG_RANK || f->sig == SIG_AGG_PERCENTILE;
        int ra = n && own && !g->portfolio ? expr(g, args[0]) : kint(g, 1, NULL);
        if (e->per) {           /* the record's own group */
            int rg = expr(g, e->per);
            g->span = e->span;
            emit(g, OP_GROUP, 0, 0, rg, 0);
        }
        int d = temp(g);
        emit(g, OP_AGG, e->agg, d, ra, 0);
        return d;
    }
    if (f->sig == SIG_ENTITLED) return e->sym->slot;
    if (f->sig == SIG_MATCHES) {
        Chunk *c = g->c;
        if (c->nregex >= MAX_IMM) {
            fail(g, "more than 65535 regular expressions");
            return 0;
        }
        c->regex = xrealloc(c->regex, sizeof(Regex *) * (size_t)(c->nregex + 1));
        c->regex[c->nregex] = rx_compile(args[1]->str, strlen(args[1]->str), NULL, 0);
        if (!c->regex[c->nregex]) {
            fail(g, "a regular expression does not compile");
            return 0;
        }
        int ra = expr(g, args[0]);
        int d = temp(g);
        emit(g, OP_MATCH, c->nregex++, d, ra, 0);
        return d;
    }
    int regs[16];
    for (int i = 0; i < n && i < 16; i++) regs[i] = expr(g, args[i]);
    int base = g->next_temp;
    for (int i = 0; i < n && i < 16; i++) {
        int t = temp(g);
        emit(g, OP_MOV, 0, t, regs[i], 0);
    }
    int d = temp(g);
    emit(g, OP_CALL, e->fn, d, base, n);
    return d;
}

static int expr(Cg *g, Expr *e)
{
    return expr_to(g, e, -1);
}

/* Compiles e; its value ends up in dst when dst >= 0 and that costs
 * nothing extra, else wherever is cheapest (a name's own register, a
 * constant). Returns the register holding the value. */
static int expr_to(Cg *g, Expr *e, int dst)
{
    Span saved = g->span;
    g->span = e->span;
    int r = 0;
    switch (e->kind) {
    case EX_NUMBER:
    case EX_PERCENT:
        r = knum(g, e->num);
        break;
    case EX_BOOL:
        r = kint(g, e->num != 0, NULL);
        break;
    case EX_DATE:
        r = kint(g, e->date, NULL);
        break;
    case EX_STRING:
        r = konst(g, val_str(e->str, (uint32_t)strlen(e->str)), NULL);
        break;
    case EX_NAME:
        if (e->member >= 0) {
            const EnumInfo *en = e->ty.en;
            r = kint(g, e->member, en ? en->members[e->member] : NULL);
        } else if (e->sym) {
            r = e->sym->slot;
        } else {
            r = g->today_reg;       /* the only unresolved name that checks */
        }
        break;
    case EX_UNARY: {
        int ra = expr(g, e->a);
        if (e->op == OPX_NEG) {
            if (is_const(ra)) {
                r = knum(g, -const_val(g, ra).u.num);
            } else {
                r = temp(g);
                emit(g, OP_NEG, 0, r, ra, 0);
            }
        } else {
            if (is_const(ra)) {
                r = kint(g, !const_val(g, ra).u.i, NULL);
            } else {
                r = temp(g);
                emit(g, OP_NOT, 0, r, ra, 0);
            }
        }
        break;
    }
    case EX_BINARY:
        switch (e->op) {
        case OPX_AND:
        case OPX_OR: {
            r = dest(g, dst);
            int ra = expr_to(g, e->a, r);
            if (ra != r) emit(g, OP_MOV, 0, r, ra, 0);
            int j = emit(g, e->op == OPX_AND ? OP_JF : OP_JT, 0, 0, r, 0);
            int rb = expr_to(g, e->b, r);
            if (rb != r) emit(g, OP_MOV, 0, r, rb, 0);
            patch(g, j);
            break;
        }
        case OPX_COALESCE: {
            int ra = expr(g, e->a);
            int rb = expr(g, e->b);
            r = dest(g, dst);
            emit(g, OP_COALESCE, 0, r, ra, rb);
            break;
        }
        case OPX_EQ: case OPX_NE: case OPX_LT: case OPX_LE: case OPX_GT: case OPX_GE: {
            int ra = expr(g, e->a);
            int rb = expr(g, e->b);
            r = compare(g, e->op, e->a->ty.kind == TY_ERROR ? e->b : e->a, ra, rb, dst);
            break;
        }
        default: {
            int ra = expr(g, e->a);
            int rb = expr(g, e->b);
            Type ta = e->a->ty, tb = e->b->ty;
            OpCode op;
            if (ta.kind == TY_DATE && tb.kind == TY_DATE) op = OP_DATE_DIFF;
            else if (ta.kind == TY_DATE) op = e->op == OPX_ADD ? OP_DATE_ADD : OP_DATE_SUB;
            else if (tb.kind == TY_DATE) {      /* days + date */
                int t = ra;
                ra = rb;
                rb = t;
                op = OP_DATE_ADD;
            } else {
                op = e->op == OPX_ADD ? OP_ADD : e->op == OPX_SUB ? OP_SUB
                   : e->op == OPX_MUL ? OP_MUL : OP_DIV;
            }
            r = binop_to(g, op, 0, ra, rb, dst);
        }
        }
        break;
    case EX_IN: {
        int ra = expr(g, e->a);
        r = temp(g);
        emit(g, OP_MOV, 0, r, kint(g, 0, NULL), 0);
        int *jumps = xmalloc(sizeof(int) * (size_t)(e->args.len + 1));
        for (int i = 0; i < e->args.len; i++) {
            int rb = expr(g, e->args.items[i]);
            emit(g, cmp_op(OPX_EQ, e->a->ty), 0, r, ra, rb);
            jumps[i] = emit(g, OP_JT, 0, 0, r, 0);
        }
        for (int i = 0; i < e->args.len; i++) patch(g, jumps[i]);
        free(jumps);
        if (e->negated) emit(g, OP_NOT, 0, r, r, 0);
        break;
    }
    case EX_BETWEEN: {
        int ra = expr(g, e->a);
        int x = is_stage(e->a->ty) && e->a->ty.en ? e->a->ty.en->norder : 0;
        r = temp(g);
        int lo = expr(g, e->b);
        emit(g, cmp_op(OPX_GE, e->a->ty), x, r, ra, lo);
        int j = emit(g, OP_JF, 0, 0, r, 0);
        int hi = expr(g, e->c);
        emit(g, cmp_op(OPX_LE, e->a->ty), x, r, ra, hi);
        patch(g, j);
        if (e->negated) emit(g, OP_NOT, 0, r, r, 0);
        break;
    }
    case EX_MISSING: {
        int ra = expr(g, e->a);
        r = temp(g);
        emit(g, OP_IS_MISSING, 0, r, ra, 0);
        if (e->negated) emit(g, OP_NOT, 0, r, r, 0);
        break;
    }
    case EX_IF: {
        r = dest(g, dst);
        Jumps jelse = {0};
        cond(g, e->a, false, &jelse);
        int rb = expr_to(g, e->b, r);
        if (rb != r) emit(g, OP_MOV, 0, r, rb, 0);
        int jend = emit(g, OP_JMP, 0, 0, 0, 0);
        patch_all(g, &jelse);
        int rc2 = expr_to(g, e->c, r);
        if (rc2 != r) emit(g, OP_MOV, 0, r, rc2, 0);
        patch(g, jend);
        break;
    }
    case EX_CALL:
        r = call(g, e);
        break;
    case EX_ERROR:
        r = knum(g, 0);
        break;
    }
    g->span = saved;
    return r;
}

/* ------------------------------------------------------------------ rules */

static void rule(Cg *g, Sym *s)
{
    Decl *d = s->decl;
    int dst = s->slot;
    g->next_temp = g->fixed;
    g->span = d->span;
    switch (s->kind) {
    case SYM_SELECT:
        if (s->limit) {
            int slot = -1;
            for (int i = 0; i < g->c->nlimits; i++)
                if (g->c->limits[i].select == s) slot = i;
            int raw = temp(g);
            int r = expr_to(g, d->value, raw);
            if (r != raw) emit(g, OP_MOV, 0, raw, r, 0);
            g->span = s->limit->span;
            if (g->pass == s->limit_layer) {
                int by = expr(g, s->limit->by);
                if (s->limit->per) {
                    int rg = expr(g, s->limit->per);
                    g->span = s->limit->span;
                    emit(g, OP_GROUP, 0, 0, rg, 0);
                }
                emit(g, OP_LIMIT_ADD, slot, 0, raw, by);
                emit(g, OP_MOV, 0, dst, raw, 0);
            } else {
                /* the order again, unused: a record whose order cannot be
                   computed (an overflow) was left out of the ranking pass,
                   and here gets its error instead of silently losing its place */
                expr(g, s->limit->by);
                emit(g, OP_LIMIT_GET, slot, dst, raw, 0);
            }
            break;
        }
        /* fall through */
    case SYM_LET:
    case SYM_ENTITLE:
    case SYM_FLAG: {
        int r = expr_to(g, d->value, dst);
        g->span = d->span;
        if (r != dst) emit(g, OP_MOV, 0, dst, r, 0);
        if (s->kind == SYM_ENTITLE && d->attrs.len) {
            /* its terms, only when it holds (a term that would fail for an
               account without the entitlement is no error); else missing */
            int skip = emit(g, OP_JF, 0, 0, dst, 0);
            for (int i = 0; i < d->attrs.len; i++) {
                Attr *a = d->attrs.items[i];
                g->next_temp = g->fixed;
                g->span = a->value->span;
                int rt = expr_to(g, a->value, a->term_reg);
                g->span = a->value->span;
                if (rt != a->term_reg) emit(g, OP_MOV, 0, a->term_reg, rt, 0);
            }
            g->span = d->span;
            int end = emit(g, OP_JMP, 0, 0, 0, 0);
            patch(g, skip);
            for (int i = 0; i < d->attrs.len; i++)
                emit(g, OP_SET_MISSING, 0, ((Attr *)d->attrs.items[i])->term_reg, 0, 0);
            patch(g, end);
        }
        break;
    }
    case SYM_SCORE:
        emit(g, OP_MOV, 0, dst, knum(g, 0), 0);
        for (int i = 0; i < d->items.len; i++) {
            Criterion *cr = d->items.items[i];
            g->next_temp = g->fixed;
            Jumps skip = {0};
            cond(g, cr->cond, false, &skip);
            g->span = cr->span;
            int rw = expr(g, cr->weight);
            emit(g, OP_ADD, 0, dst, dst, rw);
            patch_all(g, &skip);
        }
        break;
    case SYM_TIER: {
        const EnumInfo *en = s->ty.en;
        int *ends = xmalloc(sizeof(int) * (size_t)(d->items.len + 1));
        int nend = 0;
        for (int i = 0; i < d->items.len; i++) {
            TierBranch *b = d->items.items[i];
            int m = kint(g, ty_member(en, b->name.name), b->name.name);
            g->next_temp = g->fixed;
            g->span = b->span;
            if (!b->cond) {
                emit(g, OP_MOV, 0, dst, m, 0);
                emit(g, OP_MOV, 0, s->fired_slot, kint(g, i, NULL), 0);
                ends[nend++] = emit(g, OP_JMP, 0, 0, 0, 0);
                break;
            }
            Jumps next = {0};
            cond(g, b->cond, false, &next);
            g->span = b->span;
            emit(g, OP_MOV, 0, dst, m, 0);
            emit(g, OP_MOV, 0, s->fired_slot, kint(g, i, NULL), 0);
            ends[nend++] = emit(g, OP_JMP, 0, 0, 0, 0);
            patch_all(g, &next);
        }
        emit(g, OP_SET_MISSING, 0, dst, 0, 0);
        emit(g, OP_MOV, 0, s->fired_slot, kint(g, -1, "(none)"), 0);
        for (int i = 0; i < nend; i++) patch(g, ends[i]);
        free(ends);
        break;
    }
    case SYM_STAGES: {
        const EnumInfo *en = s->ty.en;
        int cur = g->p->stage_field ? g->p->stage_field->index : -1;
        /* the stage field of *this* block */
        for (int i = 0; i < g->p->nfields; i++) {
            Field *f = g->p->fields[i];
            if (f->ty.kind == TY_STAGE && f->ty.en == en) cur = i;
        }
        int fr = cur >= 0 ? g->c->field_reg[cur] : knum(g, 0);
        int *ends = xmalloc(sizeof(int) * (size_t)(d->items.len + 1));
        int nend = 0;
        for (int i = 0; i < d->items.len; i++) {
            Transition *t = d->items.items[i];
            g->next_temp = g->fixed;
            g->span = t->span;
            Jumps next = {0};
            if (t->from_any) {
                int rt = temp(g);
                emit(g, OP_STAGE_FROM, en->norder, rt, fr, 0);
                add_jump(&next, emit(g, OP_JF, 0, 0, rt, 0));
            } else {
                /* several sources: on to the condition when the stage is
                   any of them, else on to the next transition */
                Jumps found = {0};
                int rt = t->froms.len > 1 ? temp(g) : -1;
                for (int k = 0; k + 1 < t->froms.len; k++) {
                    const Ident *id = t->froms.items[k];
                    emit(g, OP_EQ_I, 0, rt, fr, kint(g, t->from_members[k], id->name));
                    add_jump(&found, emit(g, OP_JT, 0, 0, rt, 0));
                }
                const Ident *last = t->froms.items[t->froms.len - 1];
                add_jump(&next, emit(g, OP_JFEQ_I, 0, 0, fr,
                                     kint(g, t->from_members[t->froms.len - 1], last->name)));
                patch_all(g, &found);
            }
            cond(g, t->cond, false, &next);
            g->span = t->span;
            emit(g, OP_MOV, 0, dst, kint(g, t->to_member, t->to.name), 0);
            emit(g, OP_MOV, 0, s->fired_slot, kint(g, i, NULL), 0);
            ends[nend++] = emit(g, OP_JMP, 0, 0, 0, 0);
            patch_all(g, &next);
        }
        g->span = d->span;
        emit(g, OP_MOV, 0, dst, fr, 0);
        emit(g, OP_MOV, 0, s->fired_slot, kint(g, -1, "(none)"), 0);
        for (int i = 0; i < nend; i++) patch(g, ends[i]);
        free(ends);
        break;
    }
    default:
        break;
    }
}

/* Emits init code for the params and consts that e names, then for e's
 * owner: dependencies first, each once. */
static void collect_params(Cg *g, Expr *e);

static void init_param(Cg *g, Sym *s)
{
    int k = policy_sym_index(g->p, s);
    if (k < 0 || g->param_done[k]) return;
    g->param_done[k] = 1;
    collect_params(g, s->decl->value);
    g->next_temp = g->fixed;
    g->span = s->decl->span;
    int flag = g->set_flag_reg[k];
    int j = emit(g, OP_JT, 0, 0, flag, 0);
    int r = expr(g, s->decl->value);
    emit(g, OP_MOV, 0, s->slot, r, 0);
    patch(g, j);
}

static void collect_params(Cg *g, Expr *e)
{
    if (!e) return;
    if (e->kind == EX_NAME && e->sym && (e->sym->kind == SYM_PARAM || e->sym->kind == SYM_CONST))
        init_param(g, e->sym);
    collect_params(g, e->a);
    collect_params(g, e->b);
    collect_params(g, e->c);
    for (int i = 0; i < e->args.len; i++) collect_params(g, e->args.items[i]);
}

static void mark_fields(Chunk *c, const Sym *s)
{
    for (int i = 0; i < s->deps.len; i++) {
        const Sym *d = s->deps.items[i];
        if (d->kind == SYM_FIELD) c->field_used[d->field->index] = true;
    }
}

/* Moves tagged constants after the other registers and fills the initial
 * register file. */
static void finish(Cg *g)
{
    Chunk *c = g->c;
    int base = g->max_temp + 1;
    c->nregs = base + g->nconsts;
    if (c->nregs >= MAX_REGS) {
        fail(g, "more than 65535 registers");
        return;
    }
    for (int i = 0; i < c->ncode; i++) {
        Instr *in = &c->code[i];
        const char *ops = op_operands[in->op];
        if (strchr(ops, 'd') && (in->d & CONST_TAG)) in->d = (uint16_t)(base + (in->d & ~CONST_TAG));
        if (strchr(ops, 'a') && (in->a & CONST_TAG)) in->a = (uint16_t)(base + (in->a & ~CONST_TAG));
        if (strchr(ops, 'b') && (in->b & CONST_TAG)) in->b = (uint16_t)(base + (in->b & ~CONST_TAG));
    }
    Value *init = xcalloc((size_t)c->nregs, sizeof(Value));
    uint8_t *role = xcalloc((size_t)c->nregs, 1);
    const char **names = xcalloc((size_t)c->nregs, sizeof(char *));
    memcpy(role, c->role, (size_t)g->fixed);
    memcpy(names, c->reg_name, sizeof(char *) * (size_t)g->fixed);
    for (int i = 0; i < g->nconsts; i++) {
        init[base + i] = g->consts[i];
        role[base + i] = REG_CONST;
        names[base + i] = g->const_names[i];
    }
    free(c->role);
    free(c->reg_name);
    c->init = init;
    c->role = role;
    c->reg_name = names;
    for (int i = 0; i < c->naggs; i++) {
        AggSlot *a = &c->aggs[i];
        if (a->arg_reg >= 0 && (a->arg_reg & CONST_TAG)) a->arg_reg = base + (a->arg_reg & ~CONST_TAG);
    }
}

static void mark_expr_fields(Chunk *c, const Expr *e)
{
    if (!e) return;
    if (e->kind == EX_NAME && e->sym && e->sym->kind == SYM_FIELD)
        c->field_used[e->sym->field->index] = true;
    mark_expr_fields(c, e->a);
    mark_expr_fields(c, e->b);
    mark_expr_fields(c, e->c);
    mark_expr_fields(c, e->where);
    mark_expr_fields(c, e->per);
    for (int i = 0; i < e->args.len; i++) mark_expr_fields(c, e->args.items[i]);
}

/* By register: -2 - the field it holds, the symbol index of the rule it
 * holds (its value, its branch, an entitlement's term), or -1. */
static int *pass_reg_owners(const Chunk *c, const Policy *p, int n)
{
    int *own = xmalloc(sizeof(int) * ((size_t)n + 1));
    for (int r = 0; r <= n; r++) own[r] = -1;
    for (int f = 0; f < p->nfields; f++)
        if (c->field_reg[f] >= 0 && c->field_reg[f] < n) own[c->field_reg[f]] = -2 - f;
    for (int i = 0; i < p->nsyms; i++) {
        const Sym *s = p->syms[i];
        if (s->kind < SYM_LET || s->kind == SYM_PORTFOLIO) continue;     /* per account only */
        if (s->slot >= 0 && s->slot < n) own[s->slot] = i;
        if (s->fired_slot >= 0 && s->fired_slot < n) own[s->fired_slot] = i;
        if (s->kind == SYM_ENTITLE && s->decl)
            for (int j = 0; j < s->decl->attrs.len; j++) {
                const Attr *a = s->decl->attrs.items[j];
                if (a->term_reg >= 0 && a->term_reg < n) own[a->term_reg] = i;
            }
    }
    return own;
}

/* Looks at the registers the code from pc0 reads: marks the fields among
 * them read in the pass; true if a rule among them is not yet needed (it
 * is marked, and the pass must be emitted again). */
static bool pass_reads_more(const Chunk *c, int nfixed, const int *own, int pc0, bool *need,
                            bool *fields)
{
    bool more = false;
    for (int pc = pc0; pc < c->ncode; pc++) {
        const Instr *in = &c->code[pc];
        const char *ops = op_operands[in->op];
        int regs[2], nr = 0;
        if (strchr(ops, 'a')) regs[nr++] = in->a;
        if (strchr(ops, 'b') && in->op != OP_CALL) regs[nr++] = in->b;
        int from = 0, to = nr;
        if (in->op == OP_CALL) {        /* registers a .. a+b-1 */
            for (int r = in->a; r < in->a + in->b; r++) {
                int o = r < nfixed ? own[r] : -1;
                if (o <= -2) fields[-2 - o] = true;
                else if (o >= 0 && !need[o]) need[o] = more = true;
            }
            to = 0;
        }
        for (int i = from; i < to; i++) {
            int r = regs[i];
            int o = r < nfixed ? own[r] : -1;
            if (o <= -2) fields[-2 - o] = true;
            else if (o >= 0 && !need[o]) need[o] = more = true;
        }
    }
    return more;
}

/* The writer's columns (ChunkOut), from the rules' symbols once their
 * registers are known. */
static void outputs(Chunk *c, Policy *p)
{
    c->outs = xcalloc((size_t)p->nsyms + 1, sizeof(ChunkOut));
    static const SymKind order[] = {SYM_SCORE, SYM_SELECT, SYM_TIER, SYM_STAGES};
    for (size_t k = 0; k < sizeof order / sizeof order[0]; k++) {
        for (int i = 0; i < p->nsyms; i++) {
            Sym *s = p->syms[i];
            if (s->kind != order[k]) continue;
            RtType ty = schema_type(&p->arena, s->ty);
            ChunkOut o = {s->name, s->kind == SYM_SCORE ? OUT_NUM : s->kind == SYM_SELECT ? OUT_BOOL
                                                                                        : OUT_ENUM,
                        s->slot, ty.en, policy_desc(s), NULL, 0, ty};
            c->outs[c->nouts++] = o;
        }
    }
    for (int i = 0; i < p->nsyms; i++) {
        Sym *s = p->syms[i];
        if (s->kind != SYM_ENTITLE && s->kind != SYM_FLAG) continue;
        ChunkOut o = {s->name, s->kind == SYM_ENTITLE ? OUT_ENTITLE : OUT_FLAG, s->slot, NULL,
                      policy_desc(s), NULL, 0, schema_type(&p->arena, s->ty)};
        c->outs[c->nouts++] = o;
    }
}

/* An entitlement's terms: a named register each ("priority_support.sla_hours"),
 * from *r on, recorded in its Attr and its ChunkOut. */
static void term_regs(Chunk *c, Policy *p, int *r)
{
    for (int i = 0; i < p->nsyms; i++) {
        Sym *s = p->syms[i];
        if (s->kind != SYM_ENTITLE || !s->decl->attrs.len) continue;
        ChunkOut *o = NULL;
        for (int k = 0; k < c->nouts; k++)
            if (c->outs[k].kind == OUT_ENTITLE && c->outs[k].reg == s->slot) o = &c->outs[k];
        const PtrVec *attrs = &s->decl->attrs;
        if (o) o->terms = xcalloc((size_t)attrs->len, sizeof(ChunkTerm));
        for (int k = 0; k < attrs->len; k++) {
            Attr *a = attrs->items[k];
            size_t n = strlen(s->name) + strlen(a->name.name) + 2;
            char *name = arena_alloc(&p->arena, n);
            snprintf(name, n, "%s.%s", s->name, a->name.name);
            a->term_reg = *r;
            c->role[*r] = REG_RULE;
            c->reg_name[(*r)++] = name;
            if (!o) continue;
            ChunkTerm t = {a->name.name, a->label, a->term_reg, schema_type(&p->arena, a->value->ty)};
            o->terms[o->nterms++] = t;
        }
    }
}

static Chunk *compile(Policy *p, Expr **probes, int nprobes, bool units, DiagList *diags)
{
    Chunk *c = xcalloc(1, sizeof *c);
    c->pol = p;
    c->schema = &p->schema;
    c->src = &p->src;
    c->probe_pc = -1;
    c->nprobes = nprobes;
    c->probe_reg = xcalloc((size_t)nprobes + 1, sizeof(int));
    c->probe_pcs = xcalloc((size_t)nprobes + 1, sizeof(int));
    Cg g = {0};
    g.c = c;
    g.p = p;
    g.d = diags;
    /* Named registers: fields, then every symbol, then today, the --set
       flags, the limits' counts and which branch or transition fired. */
    int nterms = 0;
    for (int i = 0; i < p->nsyms; i++)
        if (p->syms[i]->kind == SYM_ENTITLE) nterms += p->syms[i]->decl->attrs.len;
    int nreg = p->nfields + p->nsyms + 1 + p->nsyms + p->nsyms + p->nsyms + nterms;
    c->role = xcalloc((size_t)nreg + 1, 1);
    c->reg_name = xcalloc((size_t)nreg + 1, sizeof(char *));
    c->field_reg = xcalloc((size_t)p->nfields + 1, sizeof(int));
    c->field_used = xcalloc((size_t)p->nfields + 1, sizeof(bool));
    c->param_reg = xcalloc((size_t)p->nsyms + 1, sizeof(int));
    g.set_flag_reg = xcalloc((size_t)p->nsyms + 1, sizeof(int));
    g.param_done = xcalloc((size_t)p->nsyms + 1, 1);
    int r = 0;
    for (int i = 0; i < p->nfields; i++) {
        c->field_reg[i] = r;
        c->role[r] = REG_FIELD;
        c->reg_name[r++] = p->fields[i]->name.name;
    }
    for (int i = 0; i < p->nsyms; i++) {
        Sym *s = p->syms[i];
        c->param_reg[i] = -1;
        if (s->kind == SYM_FIELD) {
            s->slot = c->field_reg[s->field->index];
            continue;
        }
        s->slot = r;
        c->role[r] = s->kind == SYM_PARAM || s->kind == SYM_CONST ? REG_PARAM : REG_RULE;
        if (s->kind == SYM_PARAM || s->kind == SYM_CONST) c->param_reg[i] = r;
        c->reg_name[r++] = s->name;
    }
    outputs(c, p);
    g.today_reg = r;
    c->today_reg = r;
    c->reg_name[r++] = "today";
    for (int i = 0; i < p->nsyms; i++) {
        Sym *s = p->syms[i];
        if (s->kind != SYM_PARAM && s->kind != SYM_CONST) continue;
        g.set_flag_reg[i] = r;
        c->reg_name[r++] = "(set)";
    }
    /* limits: a register each for the count, computed by the init code */
    for (int i = 0; i < p->nsyms; i++)
        if (p->syms[i]->kind == SYM_SELECT && p->syms[i]->limit) c->nlimits++;
    c->limits = xcalloc((size_t)c->nlimits + 1, sizeof(LimitSlot));
    c->nlimits = 0;
    for (int i = 0; i < p->nsyms; i++) {
        Sym *s = p->syms[i];
        if (s->kind != SYM_SELECT || !s->limit) continue;
        c->limits[c->nlimits].select = s;
        c->limits[c->nlimits++].count_reg = r;
        c->reg_name[r++] = "(limit)";
    }
    /* tiers and stages: the index of the branch or transition that fired
       (-1 none), for coverage, explain and tests to read */
    for (int i = 0; i < p->nsyms; i++) {
        Sym *s = p->syms[i];
        s->fired_slot = -1;
        if (s->kind != SYM_TIER && s->kind != SYM_STAGES) continue;
        s->fired_slot = r;
        c->reg_name[r++] = "(fired)";
    }
    term_regs(c, p, &r);
    g.fixed = r;
    g.next_temp = g.max_temp = r;
    if (r >= MAX_SPLIT) fail(&g, "too many names");

    /* init: params and consts */
    c->init_pc = c->ncode;
    for (int i = 0; i < p->nsyms; i++) {
        Sym *s = p->syms[i];
        if (s->kind == SYM_PARAM || s->kind == SYM_CONST) init_param(&g, s);
    }
    for (int i = 0; i < c->nlimits; i++) {
        g.next_temp = g.fixed;
        g.span = c->limits[i].select->limit->span;
        collect_params(&g, c->limits[i].select->limit->value);
        int rn = expr(&g, c->limits[i].select->limit->value);
        emit(&g, OP_MOV, 0, c->limits[i].count_reg, rn, 0);
    }
    emit(&g, OP_HALT, 0, 0, 0, 0);

    /* the portfolio passes: pass k computes the aggregates and limits of
       layer k (order.c), evaluating only the rules they read */
    c->naggs = p->aggs.len;
    c->aggs = xcalloc((size_t)c->naggs + 1, sizeof(AggSlot));
    for (int i = 0; i < c->naggs; i++) {
        Expr *call_e = p->aggs.items[i];
        c->aggs[i].layer = policy_agg_layer(call_e);
        if (call_e->per) c->aggs[i].group = call_e->per->ty.kind == TY_STRING ? GROUP_STR : GROUP_INT;
        if (c->aggs[i].layer > c->npasses) c->npasses = c->aggs[i].layer;
    }
    for (int i = 0; i < c->nlimits; i++) {
        c->limits[i].layer = c->limits[i].select->limit_layer;
        const Expr *per = c->limits[i].select->limit->per;
        if (per) c->limits[i].group = per->ty.kind == TY_STRING ? GROUP_STR : GROUP_INT;
        if (c->limits[i].layer < 1) c->limits[i].layer = 1;     /* checked with errors */
        if (c->limits[i].layer > c->npasses) c->npasses = c->limits[i].layer;
    }
    c->pass_pc = xcalloc((size_t)c->npasses + 1, sizeof(int));
    c->pass_field_used = xcalloc((size_t)c->npasses + 1, sizeof(bool *));
    bool *need = xcalloc((size_t)p->nsyms + 1, sizeof(bool));
    int *reg_owner = pass_reg_owners(c, p, g.fixed);
    for (int k = 1; k <= c->npasses; k++) {
        c->pass_pc[k - 1] = c->ncode;
        bool *fields = c->pass_field_used[k - 1] = xcalloc((size_t)p->nfields + 1, sizeof(bool));
        /* only what this layer's aggregates and limits read, closed over
           what each rule reads outside its aggregates (those are known) */
        memset(need, 0, sizeof(bool) * (size_t)p->nsyms);
        for (int i = 0; i < p->aggs.len; i++) {
            Expr *call_e = p->aggs.items[i];
            if (c->aggs[i].layer != k) continue;
            for (int j = 0; j < call_e->args.len; j++) policy_mark_names(p, need, call_e->args.items[j]);
            policy_mark_names(p, need, call_e->where);
            policy_mark_names(p, need, call_e->per);
        }
        for (int i = 0; i < c->nlimits; i++) {
            const Sym *sel = c->limits[i].select;
            if (c->limits[i].layer != k) continue;
            need[policy_sym_index(p, sel)] = true;
            policy_mark_names(p, need, sel->limit->by);
            policy_mark_names(p, need, sel->limit->per);
            if (p->key_field >= 0) fields[p->key_field] = true;     /* ties */
        }
        policy_need_closure(p, need);
        g.pass = k;
        /* The code emitted for a rule may read more than the rule's `reads`
           (outside aggregates) say: an aggregate's own argument (`rank(fit)`
           places the record's fit), its `per` group, a limit's order, the
           stage field a stages block starts from. So the pass's code is
           emitted, the registers it reads are looked up, and while a rule
           it reads is not computed in the pass, that rule is added and the
           pass emitted again. Every field whose register it reads is
           converted in the pass. */
    again:
        c->ncode = c->pass_pc[k - 1];
        for (int i = 0; i < p->norder; i++) {
            Sym *s = p->order[i];
            if (need[policy_sym_index(p, s)] && (s->layer < k || (s->limit && s->limit_layer == k)))
                rule(&g, s);
        }
        for (int i = 0; i < c->naggs; i++) {
            Expr *call_e = p->aggs.items[i];
            AggSlot *a = &c->aggs[i];
            a->call = call_e;
            a->fn = call_e->fn;
            a->arg_reg = -1;
            a->filter_reg = -1;
            if (a->layer != k) continue;
            g.next_temp = g.fixed;
            g.span = call_e->span;
            /* the filter first: the value is worked out only for the
               accounts it lets in (`total(a / b where b != 0)`) */
            Jumps out = {0};
            if (call_e->where) cond(&g, call_e->where, false, &out);
            g.span = call_e->span;
            int ra = call_e->args.len ? expr(&g, call_e->args.items[0]) : kint(&g, 1, NULL);
            if (call_e->per) {
                int rg = expr(&g, call_e->per);
                g.span = call_e->span;
                emit(&g, OP_GROUP, 0, 0, rg, 0);
            }
            g.span = call_e->span;
            emit(&g, OP_AGG_ADD, i, 0, ra, kint(&g, 1, NULL));
            patch_all(&g, &out);
        }
        emit(&g, OP_HALT, 0, 0, 0, 0);
        if (pass_reads_more(c, g.fixed, reg_owner, c->pass_pc[k - 1], need, fields) && !g.failed) {
            policy_need_closure(p, need);
            goto again;
        }
    }
    free(reg_owner);
    free(need);
    c->portfolio_field_used = xcalloc((size_t)p->nfields + 1, sizeof(bool));
    for (int k = 0; k < c->npasses; k++)
        for (int f = 0; f < p->nfields; f++)
            if (c->pass_field_used[k][f]) c->portfolio_field_used[f] = true;
    g.pass = c->npasses + 1;

    /* the record code */
    c->record_pc = c->ncode;
    for (int i = 0; i < p->norder; i++) {
        rule(&g, p->order[i]);
        mark_fields(c, p->order[i]);
    }
    emit(&g, OP_HALT, 0, 0, 0, 0);
    /* each rule again as a unit of its own (what-ifs by difference) */
    if (units) {
        c->unit_pc = xcalloc((size_t)p->norder + 1, sizeof(int));
        c->unit_sym = xcalloc((size_t)p->norder + 1, sizeof(int));
        for (int i = 0; i < p->norder; i++) {
            c->unit_pc[i] = c->ncode;
            c->unit_sym[i] = policy_sym_index(p, p->order[i]);
            rule(&g, p->order[i]);
            emit(&g, OP_HALT, 0, 0, 0, 0);
        }
        c->nunits = p->norder;
    }
    /* the portfolio flags: each its own code, after the last pass */
    for (int i = 0; i < p->nsyms; i++)
        if (p->syms[i]->kind == SYM_PORTFOLIO) c->nportfolio++;
    c->portfolio = xcalloc((size_t)c->nportfolio + 1, sizeof(ChunkPortfolio));
    c->nportfolio = 0;
    g.portfolio = true;
    for (int i = 0; i < p->nsyms; i++) {
        Sym *s = p->syms[i];
        if (s->kind != SYM_PORTFOLIO) continue;
        ChunkPortfolio *pf = &c->portfolio[c->nportfolio++];
        pf->name = s->name;
        pf->desc = s->decl->desc;
        pf->reg = s->slot;
        pf->pc = c->ncode;
        g.next_temp = g.fixed;
        g.span = s->decl->value->span;
        int rv = expr_to(&g, s->decl->value, s->slot);
        if (rv != s->slot) emit(&g, OP_MOV, 0, s->slot, rv, 0);
        emit(&g, OP_HALT, 0, 0, 0, 0);
        /* the fields its aggregates read are read (kam report, diff and
           explain load only the fields kam run reads) */
        mark_fields(c, s);
    }
    g.portfolio = false;
    if (nprobes) {
        c->probe_pc = c->ncode;
        for (int i = 0; i < nprobes; i++) {
            c->probe_pcs[i] = c->ncode;
            g.next_temp = g.fixed + nprobes;    /* probe results stay put */
            g.span = probes[i]->span;
            int pr = expr(&g, probes[i]);
            c->probe_reg[i] = g.fixed + i;
            if (g.fixed + i > g.max_temp) g.max_temp = g.fixed + i;
            emit(&g, OP_MOV, 0, c->probe_reg[i], pr, 0);
            mark_expr_fields(c, probes[i]);
            emit(&g, OP_HALT, 0, 0, 0, 0);
        }
    }
    if (p->key_field >= 0) c->field_used[p->key_field] = true;
    for (int i = 0; i < p->nfields; i++)
        if (p->fields[i]->ty.kind == TY_STAGE) c->field_used[i] = true;
    /* `output` and `display` fields are shown, so read, even if no rule reads them */
    c->nout_fields = p->nout_fields;
    c->out_fields = xcalloc((size_t)p->nout_fields + 1, sizeof(int));
    for (int i = 0; i < p->nout_fields; i++) {
        c->out_fields[i] = p->out_fields[i];
        c->field_used[p->out_fields[i]] = true;
    }
    c->display_field = p->display_field;
    if (p->display_field >= 0) c->field_used[p->display_field] = true;
    c->nfixed = g.fixed;
    finish(&g);
    free(g.consts);
    free(g.const_names);
    c->set_flag_reg = g.set_flag_reg;
    free(g.param_done);
    if (g.failed) {
        cg_free(c);
        return NULL;
    }
    return c;
}

Chunk *cg_compile(Policy *p, Expr **probes, int nprobes, DiagList *diags)
{
    return compile(p, probes, nprobes, false, diags);
}

Chunk *cg_compile_units(Policy *p, Expr **probes, int nprobes, DiagList *diags)
{
    return compile(p, probes, nprobes, true, diags);
}

void cg_free(Chunk *c)
{
    if (!c) return;
    for (int i = 0; i < c->nregex; i++) rx_free(c->regex[i]);
    free(c->regex);
    free(c->code);
    free(c->spans);
    free(c->init);
    free(c->role);
    free(c->reg_name);
    free(c->field_reg);
    free(c->field_used);
    for (int k = 0; k < c->npasses; k++) free(c->pass_field_used[k]);
    free(c->pass_field_used);
    free(c->portfolio_field_used);
    free(c->pass_pc);
    free(c->param_reg);
    free(c->set_flag_reg);
    free(c->aggs);
    free(c->limits);
    free(c->probe_reg);
    free(c->probe_pcs);
    free(c->portfolio);
    for (int i = 0; i < c->nouts; i++) free(c->outs[i].terms);
    free(c->outs);
    free(c->out_fields);
    free(c->unit_pc);
    free(c->unit_sym);
    free(c);
}

int cg_reg_of(const Chunk *c, const Sym *s)
{
    (void)c;
    return s->slot;
}
