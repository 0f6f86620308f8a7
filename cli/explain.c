/* explain.c — `kam explain` and the REPL's :explain (see explain.h). The
 * values behind every condition come from the compiled policy itself: each
 * sub-expression worth showing is compiled as a probe and evaluated with the
 * account, so an explanation cannot disagree with `kam run`. A limited
 * select is shown with its ranking (rank, capacity, cut-off); an aggregate
 * with the portfolio value it used. "What would change it" proposes single
 * field changes (thresholds read off the conditions, and a search over each
 * field the select reads, limit included) and reports only what a re-run of
 * the whole pipeline confirms: the field changed in the session's records,
 * params and the portfolio passes (aggregates, limits) over every record redone,
 * then the account evaluated. Numbers are written for people
 * (base/numfmt.h): no exponent, thousands grouped, percent and money as
 * such, negative weights as "−15 points (label)". A graded weight's points
 * come from a probe `if COND then WEIGHT else 0` (the weight is worked out
 * only where its condition holds, as in the score itself).
 * Rules are shown by their descriptions with the name in brackets, tier
 * branches and transitions with their `as` labels, a held entitlement with
 * its terms, the heading with the `display` field. It does not read files
 * or change the session. */
#define _POSIX_C_SOURCE 200809L
#include "explain_int.h"
#include "format.h"
#include "../base/date.h"
#include "../runtime/reader.h"
#include "../runtime/writer.h"
#include "../stdlib/registry.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void ex_sadd(Str *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if (s->len + (size_t)n + 1 > s->cap) {
        s->cap = (s->len + (size_t)n + 1) * 2;
        s->p = xrealloc(s->p, s->cap);
    }
    va_start(ap, fmt);
    vsnprintf(s->p + s->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    s->len += (size_t)n;
}

void ex_sclear(Str *s)
{
    s->len = 0;
    if (s->p) s->p[0] = '\0';
}

const char *ex_stext(const Str *s)
{
    return s->p ? s->p : "";
}


/* ------------------------------------------------------------- numbers */

/* A value of type t for people: 12.5%, 1,500,000.00, 0.0125, 2026-01-31,
 * gold (a number the checker left untyped is a plain number). */
void ex_bizfmt(Type t, const Value *v, char *buf, size_t len)
{
    if (t.kind == TY_ERROR) t.kind = TY_NUMBER;
    ses_format_value(t, v, buf, len);
}

static void bizfmt_num(Type t, double d, char *buf, size_t len)
{
    Value v = val_num(d);
    if (t.kind == TY_DATE) v = val_int((int64_t)d);
    ex_bizfmt(t, &v, buf, len);
}

/* ------------------------------------------------------------- probes */

static bool is_leaf(const Expr *e)
{
    return e->kind == EX_NUMBER || e->kind == EX_PERCENT || e->kind == EX_STRING ||
           e->kind == EX_BOOL || e->kind == EX_DATE || e->kind == EX_NAME || e->kind == EX_ERROR;
}

static void add_probes(Ex *x, Expr *e, int depth)
{
    if (!e || depth > 12) return;
    if (!is_leaf(e) && e->ty.kind != TY_ERROR && !e->ty.optional) {
        if (x->nprobes == x->capprobes) {
            x->capprobes = x->capprobes ? x->capprobes * 2 : 64;
            x->probes = xrealloc(x->probes, sizeof(Expr *) * (size_t)x->capprobes);
        }
        x->probes[x->nprobes++] = e;
    }
    add_probes(x, e->a, depth + 1);
    add_probes(x, e->b, depth + 1);
    add_probes(x, e->c, depth + 1);
    for (int i = 0; i < e->args.len; i++) add_probes(x, e->args.items[i], depth + 1);
}

static int probe_index(const Ex *x, const Expr *e)
{
    for (int i = 0; i < x->nprobes; i++)
        if (x->probes[i] == e) return i;
    return -1;
}

/* The value of e in registers regs, or NULL if it was not computed. */
static const Value *val_in(const Ex *x, const Value *regs, const Expr *e, Value *tmp)
{
    switch (e->kind) {
    case EX_NUMBER:
    case EX_PERCENT: *tmp = val_num(e->num); return tmp;
    case EX_BOOL: *tmp = val_int(e->num != 0); return tmp;
    case EX_DATE: *tmp = val_int(e->date); return tmp;
    case EX_STRING: *tmp = val_str(e->str, (uint32_t)strlen(e->str)); return tmp;
    case EX_NAME:
        if (e->member >= 0) {
            *tmp = val_int(e->member);
            return tmp;
        }
        if (e->sym) return &regs[e->sym->slot];
        return &regs[x->c->today_reg];
    default: {
        int k = probe_index(x, e);
        return k >= 0 ? &regs[x->c->probe_reg[k]] : NULL;
    }
    }
}

const Value *ex_value_of(Ex *x, const Expr *e, Value *tmp)
{
    return val_in(x, x->regs, e, tmp);
}

static bool bool_in(const Ex *x, const Value *regs, const Expr *e, bool *known)
{
    Value tmp;
    const Value *v = val_in(x, regs, e, &tmp);
    *known = v != NULL && !v->missing;
    return v && v->u.i != 0;
}

bool ex_bool_of(Ex *x, const Expr *e, bool *known)
{
    return bool_in(x, x->regs, e, known);
}

double ex_num_in(const Ex *x, const Value *regs, const Expr *e)
{
    Value tmp;
    const Value *v = val_in(x, regs, e, &tmp);
    return v ? v->u.num : 0;
}

double ex_points_in(const Ex *x, const Value *regs, const Criterion *cr)
{
    if (!cr->graded) {
        bool known;
        return bool_in(x, regs, cr->cond, &known) ? ex_num_in(x, regs, cr->weight) : 0;
    }
    for (int i = 0; i < x->ngraded; i++)
        if (x->graded_cr[i] == cr) return ex_num_in(x, regs, x->graded[i]);
    return 0;
}

void ex_src_text(Ex *x, const Expr *e, char *buf, size_t len)
{
    const SrcFile *f = x->p->src.files[e->span.file];
    size_t n = e->span.end - e->span.start;
    if (n >= len) n = len - 1;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {       /* one line, single spaces */
        char c = f->text[e->span.start + i];
        if (c == '\n' || c == '\r' || c == '\t') c = ' ';
        if (c == ' ' && k && buf[k - 1] == ' ') continue;
        buf[k++] = c;
    }
    buf[k] = '\0';
}

/* The account's value of e as text; `as` (if not TY_ERROR) overrides the type. */
static void fmt(Ex *x, const Expr *e, TypeKind as, char *buf, size_t len)
{
    Value tmp;
    const Value *v = ex_value_of(x, e, &tmp);
    Type t = e->ty;
    if (t.flex) t.kind = TY_NUMBER;
    if (as != TY_ERROR) t.kind = as;
    if (!v) snprintf(buf, len, "?");
    else ex_bizfmt(t, v, buf, len);
}

/* ------------------------------------------------------------- limits */

/* Highest `by` first; ties by ascending key, then position (as the VM). */
static int cand_before(const LimitCand *c, double by, const char *key, long ord)
{
    if (c->by != by) return c->by > by;
    int k = strcmp(c->key, key);
    if (k) return k < 0;
    return c->ordinal < ord;
}

/* How many candidates of limit slot `slot` in vm, other than this account,
 * rank before an account of this key with `by` value by (binary search: the
 * candidates are sorted). */
/* The group value an account has (regs) for `per` (missing without). */
static Value group_in(const Ex *x, const Value *regs, const Expr *per)
{
    Value tmp, none = {0};
    none.missing = 1;
    const Value *v = per ? val_in(x, regs, per, &tmp) : NULL;
    return v ? *v : none;
}

static size_t others_before(const Ex *x, const Vm *vm, const Value *regs, double by)
{
    const LimitState *l = &vm->lim[x->lslot];
    const char *key = x->s->keys[x->rec];
    size_t from, to;        /* the account's group (`per`): all without */
    vm_limit_group(vm, x->lslot, group_in(x, regs, x->sel->limit->per), &from, &to);
    size_t lo = from, hi = to;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (cand_before(&l->cands[mid], by, key, x->rec)) lo = mid + 1;
        else hi = mid;
    }
    size_t n = lo - from;
    for (size_t k = from; k < lo; k++)      /* itself, when it ranks before (rare: only ties) */
        if (l->cands[k].ordinal == x->rec) {
            n--;
            break;
        }
    return n;
}

static void lim_info(const Ex *x, const Vm *vm, const Value *regs, LimInfo *li)
{
    memset(li, 0, sizeof *li);
    if (x->lslot < 0) return;
    const LimitState *l = &vm->lim[x->lslot];
    size_t from, to;        /* the account's group (`per`): all without */
    vm_limit_group(vm, x->lslot, group_in(x, regs, x->sel->limit->per), &from, &to);
    li->on = true;
    li->cap = regs[x->c->limits[x->lslot].count_reg].u.num;
    li->ncand = to - from;
    li->keep = li->cap <= 0 ? 0 : li->cap >= (double)li->ncand ? li->ncand : (size_t)li->cap;
    for (size_t k = from; k < to; k++)
        if (l->cands[k].ordinal == x->rec) li->rank = (long)(k - from) + 1;
    bool known;
    li->cond = bool_in(x, regs, x->sel->decl->value, &known);
    li->mine = ex_num_in(x, regs, x->sel->limit->by);
    li->kept = li->rank > 0 && (size_t)li->rank <= li->keep;
    if (li->keep) li->cut = l->cands[from + li->keep - 1].by;
}

/* "the limit of 10 by annual_revenue" */
void ex_limit_name(Ex *x, const LimInfo *li, Str *out)
{
    char by[200], cap[60];
    ex_src_text(x, x->sel->limit->by, by, sizeof by);
    num_format(li->cap, NUM_INT, cap, sizeof cap);
    const Expr *per = x->sel->limit->per;
    if (per) {              /* "the limit of 2 per region (north) by profit" */
        char g[NUM_TEXT_MAX];
        Value v = group_in(x, x->regs, per);
        if (v.missing) snprintf(g, sizeof g, "none");
        else fmt(x, per, TY_ERROR, g, sizeof g);
        ex_sadd(out, "the limit of %s per %s (here %s) by %s", cap, per->str, g, by);
        return;
    }
    ex_sadd(out, "the limit of %s by %s", cap, by);
}

void ex_by_text(Ex *x, double v, char *buf, size_t len)
{
    Type t = x->sel->limit->by->ty;
    if (t.flex) t.kind = TY_NUMBER;
    bizfmt_num(t, v, buf, len);
}

/* The limit's part of the select's line. */
static void limit_sentence(Ex *x, const LimInfo *li, Str *out)
{
    char cut[NUM_TEXT_MAX], mine[NUM_TEXT_MAX], n[40], rk[40];
    ex_by_text(x, li->cut, cut, sizeof cut);
    ex_by_text(x, li->mine, mine, sizeof mine);
    num_format((double)li->ncand, NUM_INT, n, sizeof n);
    num_format((double)li->rank, NUM_INT, rk, sizeof rk);
    if (li->cond && !li->kept) {
        ex_sadd(out, "condition true, but ");
        ex_limit_name(x, li, out);
        if (li->keep == 0) ex_sadd(out, " cut it: it keeps none (rank %s of %s, this account %s)", rk, n, mine);
        else ex_sadd(out, " cut it: rank %s of %s, cut-off %s (this account %s)", rk, n, cut, mine);
        return;
    }
    ex_limit_name(x, li, out);
    if (li->keep == 0) {
        ex_sadd(out, " keeps none of the %s accounts whose condition holds", n);
        return;
    }
    if (li->cond && li->keep < li->ncand)
        ex_sadd(out, " kept it: rank %s of %s, cut-off %s (this account %s)", rk, n, cut, mine);
    else if (li->cond)
        ex_sadd(out, " kept it: all %s accounts whose condition holds fit (this account rank %s, %s)", n, rk,
             mine);
    else if (li->keep < li->ncand)
        ex_sadd(out, " keeps %zu of the %s accounts whose condition holds, cut-off %s", li->keep, n, cut);
    else
        ex_sadd(out, " keeps all %s accounts whose condition holds", n);
}

/* ---------------------------------------------------------- sentences */

const char *ex_truth(bool b)
{
    return b ? "true" : "false";
}

const char *ex_rule_title(const Sym *sy, char *buf, size_t len)
{
    return fmt_rule_title(sy->name, policy_desc(sy), buf, len);
}

static void describe(Ex *x, const Expr *e, int depth, Str *out);

static void find_aggs(const Expr *e, const Expr **found, int *n, int max, int depth)
{
    if (!e || depth > 12 || *n >= max) return;
    if (e->kind == EX_CALL && e->agg >= 0) {
        for (int i = 0; i < *n; i++)
            if (found[i] == e) return;
        found[(*n)++] = e;
    }
    find_aggs(e->a, found, n, max, depth + 1);
    find_aggs(e->b, found, n, max, depth + 1);
    find_aggs(e->c, found, n, max, depth + 1);
    for (int i = 0; i < e->args.len; i++) find_aggs(e->args.items[i], found, n, max, depth + 1);
}

/* "of 120 accounts", the records an aggregate ranged over. */
static const AggState *agg_state(Ex *x, const Expr *call)
{
    return vm_agg_state(x->vm, call->agg, group_in(x, x->regs, call->per));
}

/* " in region north": the account's group of an aggregate with `per`. */
static void group_name(Ex *x, const Expr *call, Str *out)
{
    if (!call->per) return;
    char v[NUM_TEXT_MAX];
    Value g = group_in(x, x->regs, call->per);
    if (g.missing) {
        ex_sadd(out, " without %s", call->per->str);
        return;
    }
    fmt(x, call->per, TY_ERROR, v, sizeof v);
    ex_sadd(out, " with %s %s", call->per->str, v);
}

static long agg_count(Ex *x, const Expr *call)
{
    const AggState *a = agg_state(x, call);
    SigKind sig = std_func(call->fn)->sig;
    if (sig == SIG_AGG_RANK || sig == SIG_AGG_PERCENTILE) return (long)a->nvals;
    return a->count;
}

/* "revenue_growth (9%)" for names, "15%" for literals, "expr (value)";
 * with the portfolio value of each aggregate inside it. */
static void operand(Ex *x, const Expr *e, TypeKind as, Str *out)
{
    char text[200], val[NUM_TEXT_MAX];
    ex_src_text(x, e, text, sizeof text);
    if (e->kind == EX_NUMBER || e->kind == EX_PERCENT || e->kind == EX_DATE || e->kind == EX_STRING ||
        e->kind == EX_BOOL || (e->kind == EX_NAME && e->member >= 0)) {
        ex_sadd(out, "%s", text);
        return;
    }
    fmt(x, e, as, val, sizeof val);
    ex_sadd(out, "%s (%s", text, val);
    const Expr *aggs[4];
    int n = 0;
    find_aggs(e, aggs, &n, 4, 0);
    for (int i = 0; i < n; i++) {
        const Expr *call = aggs[i];
        SigKind sig = std_func(call->fn)->sig;
        char cnt[40];
        num_format((double)agg_count(x, call), NUM_INT, cnt, sizeof cnt);
        if (call == e) {
            if (sig == SIG_AGG_RANK) ex_sadd(out, " of %s accounts", cnt);
            else if (sig == SIG_AGG_PERCENTILE) ex_sadd(out, " of %s accounts", cnt);
            else if (sig != SIG_AGG_COUNT) ex_sadd(out, " over %s accounts", cnt);
            else if (call->per) ex_sadd(out, " accounts");
            group_name(x, call, out);
            if (sig == SIG_AGG_PERCENTILE) ex_sadd(out, " are lower");
            continue;
        }
        char ct[200], cv[NUM_TEXT_MAX];
        ex_src_text(x, call, ct, sizeof ct);
        fmt(x, call, TY_ERROR, cv, sizeof cv);
        if (sig == SIG_AGG_RANK || sig == SIG_AGG_PERCENTILE)
            ex_sadd(out, "; %s = %s of %s accounts", ct, cv, cnt);
        else if (sig == SIG_AGG_COUNT) ex_sadd(out, "; %s = %s%s", ct, cv, call->per ? " accounts" : "");
        else ex_sadd(out, "; %s = %s over %s accounts", ct, cv, cnt);
        group_name(x, call, out);
    }
    ex_sadd(out, ")");
}

/* For `percentile(x) >= p` or `rank(x) <= k`: the value of x in the
 * portfolio that the comparison amounts to. */
static void agg_threshold(Ex *x, const Expr *call, AstOp op, const Expr *other, Str *out)
{
    SigKind sig = std_func(call->fn)->sig;
    if ((sig != SIG_AGG_PERCENTILE && sig != SIG_AGG_RANK) || call->where || call->args.len != 1) return;
    Value tmp;
    const Value *t = ex_value_of(x, other, &tmp);
    if (!t || t->missing) return;
    const AggState *a = agg_state(x, call);
    size_t n = a->nvals;
    if (!n) return;
    const Expr *arg = call->args.items[0];
    Type at = arg->ty;
    if (at.flex) at.kind = TY_NUMBER;
    char argt[200], v[NUM_TEXT_MAX];
    ex_src_text(x, arg, argt, sizeof argt);
    if (sig == SIG_AGG_PERCENTILE && (op == OPX_GE || op == OPX_GT)) {
        /* share below x >= p: more than k-1 values below, k = ceil(p n) */
        double need = t->u.num * (double)n;
        size_t k = op == OPX_GE ? (size_t)ceil(need - 1e-9) : (size_t)floor(need + 1e-9) + 1;
        if (k == 0 || k > n) return;
        bizfmt_num(at, a->vals[k - 1], v, sizeof v);
        ex_sadd(out, " (reached with %s above %s)", argt, v);
    } else if (sig == SIG_AGG_RANK && (op == OPX_LE || op == OPX_LT)) {
        double kk = op == OPX_LE ? floor(t->u.num) : ceil(t->u.num) - 1;
        if (kk < 1 || kk > (double)n) return;
        bizfmt_num(at, a->vals[n - (size_t)kk], v, sizeof v);
        ex_sadd(out, " (reached with %s of %s or more)", argt, v);
    }
}

static void describe(Ex *x, const Expr *e, int depth, Str *out)
{
    bool known;
    bool b = ex_bool_of(x, e, &known);
    char text[300];
    if (e->kind == EX_NAME && e->sym) {
        char title[400];
        bool rule = e->sym->kind == SYM_LET || e->sym->kind == SYM_SELECT || e->sym->kind == SYM_ENTITLE ||
                    e->sym->kind == SYM_FLAG;
        ex_sadd(out, "%s is %s", rule ? ex_rule_title(e->sym, title, sizeof title) : e->sym->name, ex_truth(b));
        if (e->sym->kind == SYM_LET && depth < 2 && e->sym->decl) {
            ex_sadd(out, " (");
            describe(x, e->sym->decl->value, depth + 1, out);
            ex_sadd(out, ")");
        }
        return;
    }
    if (e->kind == EX_UNARY && e->op == OPX_NOT) {
        ex_sadd(out, "not: ");
        describe(x, e->a, depth, out);
        return;
    }
    if (e->kind == EX_BINARY && (e->op == OPX_AND || e->op == OPX_OR)) {
        bool is_and = e->op == OPX_AND;
        bool ka, kb;
        bool va = ex_bool_of(x, e->a, &ka), vb = ex_bool_of(x, e->b, &kb);
        /* the parts that decide: the false ones of a false `and`, the true
           ones of a true `or`; otherwise all */
        bool show_a = true, show_b = true;
        if (known && is_and && !b) { show_a = !va; show_b = !vb && (va || !ka); }
        if (known && !is_and && b) { show_a = va; show_b = vb && !va; }
        if (show_a) describe(x, e->a, depth, out);
        if (show_a && show_b) ex_sadd(out, is_and ? "; and " : "; or ");
        if (show_b) describe(x, e->b, depth, out);
        return;
    }
    if (e->kind == EX_BINARY && e->op >= OPX_EQ && e->op <= OPX_GE) {
        /* a plain number compared with a percent reads as a percent */
        TypeKind ka = TY_ERROR, kb = TY_ERROR;
        if (e->b->ty.kind == TY_PERCENT && e->a->ty.kind == TY_NUMBER && !e->a->ty.flex) ka = TY_PERCENT;
        if (e->a->ty.kind == TY_PERCENT && e->b->ty.kind == TY_NUMBER && !e->b->ty.flex) kb = TY_PERCENT;
        operand(x, e->a, ka, out);
        ex_sadd(out, " %s ", ast_op_text(e->op));
        operand(x, e->b, kb, out);
        ex_sadd(out, ": %s", known ? ex_truth(b) : "?");
        if (e->a->kind == EX_CALL && e->a->agg >= 0) agg_threshold(x, e->a, e->op, e->b, out);
        return;
    }
    ex_src_text(x, e, text, sizeof text);
    if (e->ty.kind == TY_BOOL) ex_sadd(out, "`%s` is %s", text, known ? ex_truth(b) : "?");
    else {
        char val[NUM_TEXT_MAX];
        fmt(x, e, TY_ERROR, val, sizeof val);
        ex_sadd(out, "`%s` is %s", text, val);
    }
}

/* ------------------------------------------------------- evaluating */


/* Evaluates the account with field f set to v against the portfolio passes
 * as they are (x->eng), as kam run does. Returns the registers, or NULL (the reason
 * in x->why). */
static Value *eval_local(Ex *x, const Field *f, Value v)
{
    if (f) ses_override(x->s, x->rec, f->index, v);     /* the field set to v, for a moment */
    bool ok = ses_eval_one(x->s, &x->eng, x->rec, x->why, sizeof x->why);
    ses_override_clear(x->s);
    return ok ? x->eng.vm->regs : NULL;
}

static void outcome_of(Ex *x, const Vm *vm, const Value *regs, Outcome *o)
{
    memset(o, 0, sizeof *o);
    o->sel = regs[x->sel->slot].u.i != 0;
    if (x->score) {
        o->score = regs[x->score->slot].u.num;
        for (int k = 0; k < x->score->decl->items.len && k < MAX_CRIT; k++) {
            bool known;
            const Criterion *cr = x->score->decl->items.items[k];
            o->crit[k] = bool_in(x, regs, cr->cond, &known);
            o->pts[k] = ex_points_in(x, regs, cr);
        }
    }
    lim_info(x, vm, regs, &o->li);
}

/* The first select's value with field f set to v, from the account alone:
 * the limit's ranking is worked out from the others' places. A guide for
 * the search; only full_eval is believed. -1 if it cannot be evaluated. */
int ex_local_select(Ex *x, const Field *f, Value v)
{
    Value *regs = eval_local(x, f, v);
    if (!regs) return -1;
    if (x->lslot < 0) return regs[x->sel->slot].u.i != 0;
    bool known;
    if (!bool_in(x, regs, x->sel->decl->value, &known)) return 0;
    double by = ex_num_in(x, regs, x->sel->limit->by);
    double cap = regs[x->c->limits[x->lslot].count_reg].u.num;
    return (double)others_before(x, x->vm, regs, by) < floor(cap);
}

/* The whole pipeline with the account's field f set to v: params, the
 * portfolio passes over every record (aggregates and limits see the change),
 * then the account. The session's records are as before afterwards. */
bool ex_full_eval(Ex *x, const Field *f, Value v, Outcome *o)
{
    if (!f || !x->c->npasses || !x->c->portfolio_field_used[f->index]) {
        /* no portfolio pass reads the field: the passes would come out as
           they are in x->eng, so the account alone gives the same answer */
        Value *regs = eval_local(x, f, v);
        if (regs) outcome_of(x, x->eng.vm, regs, o);
        x->passes++;
        return regs != NULL;
    }
    if (f) ses_override(x->s, x->rec, f->index, v);     /* the field set to v, for a moment */
    Engine e;
    bool ok = ses_prepare(x->s, x->c, &e);      /* false: Ctrl-C, or the params */
    char why[600];
    if (ok) ok = ses_eval_one(x->s, &e, x->rec, why, sizeof why);
    if (ok) outcome_of(x, e.vm, e.vm->regs, o);
    ses_override_clear(x->s);
    eng_close(&e);
    x->passes++;
    return ok;
}

/* ------------------------------------------------------------ rendering */

static void json_str(FILE *out, const char *s)
{
    diag_json_string(out, s);
}

/* One fact: a JSON object (with `extra` members, if any) or an indented
 * line; desc (or NULL) is the rule's description, shown beside its name. */
static void line(Ex *x, FILE *out, bool *first, const char *section, const char *name, const char *desc,
                 const char *value, const char *why, const char *extra)
{
    if (x->fact) {
        x->fact(x->fact_ud, section, name, value, why);
    } else if (x->json) {
        fputs(*first ? "\n  {" : ",\n  {", out);
        *first = false;
        fputs("\"section\":", out);
        json_str(out, section);
        fputs(",\"name\":", out);
        json_str(out, name);
        if (desc) {
            fputs(",\"desc\":", out);
            json_str(out, desc);
        }
        fputs(",\"value\":", out);
        json_str(out, value);
        fputs(",\"why\":", out);
        json_str(out, why);
        if (extra) fputs(extra, out);
        fputc('}', out);
    } else {
        char title[400];
        fprintf(out, "  %s: %s%s%s\n", fmt_rule_title(name, desc, title, sizeof title), value, why[0] ? " — " : "",
                why);
    }
}

static void json_text(Str *s, const char *t)
{
    ex_sadd(s, "\"");
    for (; *t; t++) {
        unsigned char c = (unsigned char)*t;
        if (c == '"' || c == '\\') ex_sadd(s, "\\%c", c);
        else if (c < 0x20) ex_sadd(s, "\\u%04x", c);
        else ex_sadd(s, "%c", c);
    }
    ex_sadd(s, "\"");
}

static void json_num(Str *s, double v)
{
    char nb[40];
    if (!isfinite(v)) snprintf(nb, sizeof nb, "null");
    else wr_format_number(v, nb);
    ex_sadd(s, "%s", nb);
}

static void limit_json(const LimInfo *li, Str *s)
{
    ex_sadd(s, ",\"limit\":{\"capacity\":");
    json_num(s, li->cap);
    ex_sadd(s, ",\"candidates\":%zu,\"condition\":%s,\"kept\":%s,\"rank\":", li->ncand, ex_truth(li->cond),
         ex_truth(li->kept));
    if (li->rank) ex_sadd(s, "%ld", li->rank);
    else ex_sadd(s, "null");
    ex_sadd(s, ",\"cutoff\":");
    if (li->keep) json_num(s, li->cut);
    else ex_sadd(s, "null");
    ex_sadd(s, ",\"by\":");
    json_num(s, li->mine);
    ex_sadd(s, "}");
}

/* An expression explain makes (not in the policy's arena): a number. */
static Expr *synth(ExprKind kind, Span sp)
{
    Expr *e = xcalloc(1, sizeof *e);
    e->kind = kind;
    e->span = sp;
    e->ty = ty_make(TY_NUMBER);
    e->member = e->fn = e->agg = -1;
    return e;
}

static void free_probes(Ex *x)
{
    for (int i = 0; i < x->ngraded; i++) {
        free(x->graded[i]->c);
        free(x->graded[i]);
    }
    free(x->graded);
    free(x->graded_cr);
    free(x->probes);
}

/* The sub-expressions explain shows, as probes compiled with the policy. */
static void collect_probes(Ex *x)
{
    const Policy *p = x->p;
    for (int i = 0; i < p->nsyms; i++) {
        Sym *sy = p->syms[i];
        Decl *d = sy->decl;
        if (!d) continue;
        switch (sy->kind) {
        case SYM_LET: case SYM_SELECT: case SYM_ENTITLE: case SYM_FLAG:
            add_probes(x, d->value, 0);
            if (sy->limit) add_probes(x, sy->limit->by, 0);
            break;
        case SYM_SCORE:
            for (int k = 0; k < d->items.len; k++) {
                Criterion *cr = d->items.items[k];
                add_probes(x, cr->cond, 0);
                if (!cr->graded) {
                    add_probes(x, cr->weight, 0);   /* a constant: `- penalty` */
                    continue;
                }
                /* `if cond then weight else 0`, as the score works it out:
                   the weight's own parts are not probes (a weight may divide
                   by what the condition guards) */
                Expr *e = synth(EX_IF, cr->weight->span), *zero = synth(EX_NUMBER, cr->weight->span);
                e->a = cr->cond;
                e->b = cr->weight;
                e->c = zero;
                x->graded = xrealloc(x->graded, sizeof(Expr *) * (size_t)(x->ngraded + 1));
                x->graded_cr = xrealloc(x->graded_cr, sizeof(Criterion *) * (size_t)(x->ngraded + 1));
                x->graded[x->ngraded] = e;
                x->graded_cr[x->ngraded++] = cr;
                if (x->nprobes == x->capprobes) {
                    x->capprobes = x->capprobes ? x->capprobes * 2 : 64;
                    x->probes = xrealloc(x->probes, sizeof(Expr *) * (size_t)x->capprobes);
                }
                x->probes[x->nprobes++] = e;
            }
            break;
        case SYM_TIER:
            for (int k = 0; k < d->items.len; k++) add_probes(x, ((TierBranch *)d->items.items[k])->cond, 0);
            break;
        case SYM_PORTFOLIO:
            if (x->portfolio) add_probes(x, d->value, 0);
            break;
        case SYM_STAGES:
            for (int k = 0; k < d->items.len; k++) add_probes(x, ((Transition *)d->items.items[k])->cond, 0);
            break;
        default:
            break;
        }
    }
}

/* Each score, criterion by criterion: points, label and why. */
static void say_scores(Ex *x, FILE *out, bool *first, Str *why, Str *extra)
{
    const Policy *p = x->p;
    char val[NUM_TEXT_MAX], buf[300];
    (void)p, (void)first, (void)extra, (void)val, (void)buf;
    for (int i = 0; i < p->nsyms; i++) {
        const Sym *sy = p->syms[i];
        if (sy->kind != SYM_SCORE) continue;
        num_format(x->regs[sy->slot].u.num, NUM_PLAIN, val, sizeof val);
        char title[400];
        if (!x->json) fprintf(out, "score %s = %s\n", ex_rule_title(sy, title, sizeof title), val);
        else line(x, out, first, "score", sy->name, policy_desc(sy), val, "", NULL);
        for (int k = 0; k < sy->decl->items.len; k++) {
            Criterion *cr = sy->decl->items.items[k];
            bool known;
            bool met = ex_bool_of(x, cr->cond, &known);
            /* the points given; a constant weight's value also when not
               met. A graded weight is worked out only where its condition
               holds (it may divide by what the condition guards), so
               when not met explain shows it as written. */
            double wv = met ? ex_points_in(x, x->regs, cr) : cr->graded ? 0 : ex_num_in(x, x->regs, cr->weight);
            char wtext[NUM_TEXT_MAX], label[200];
            num_format(fabs(wv), NUM_PLAIN, wtext, sizeof wtext);
            ex_sclear(why);
            describe(x, cr->cond, 0, why);
            ex_crit_label(x, cr, label, sizeof label);
            if (x->json) {
                if (met) num_format(wv, NUM_PLAIN, val, sizeof val);
                else snprintf(val, sizeof val, "0");
                snprintf(buf, sizeof buf, "%s.%s", sy->name, label);
                /* a graded line says so, with its weight as written */
                ex_sclear(extra);
                if (cr->graded) {
                    char wsrc[200];
                    Expr shown = *cr->weight;
                    shown.span = cr->weight_span;
                    ex_src_text(x, &shown, wsrc, sizeof wsrc);
                    ex_sadd(extra, ",\"graded\":true,\"weight\":");
                    json_text(extra, wsrc);
                }
                line(x, out, first, "criterion", buf, NULL, val, ex_stext(why), cr->graded ? ex_stext(extra) : NULL);
            } else {
                const char *sign = !met ? " " : wv < 0 ? "\u2212" : "+";
                fprintf(out, "  %s %-5s %s: %s\n", sign, met ? wtext : "0", label, ex_stext(why));
                if (!met && cr->graded) {
                    char wsrc[200];
                    Expr shown = *cr->weight;
                    shown.span = cr->weight_span;
                    ex_src_text(x, &shown, wsrc, sizeof wsrc);
                    fprintf(out, "          (would count %s points)\n", wsrc);
                }
                else if (!met && wv >= 0) fprintf(out, "          (would add %s points)\n", wtext);
                else if (!met) fprintf(out, "          (would count \u2212%s points)\n", wtext);
            }
        }
    }
}

/* Each select, with its limit: rank, capacity, cut-off, kept or cut. */
static void say_selects(Ex *x, FILE *out, bool *first, Str *why, Str *extra)
{
    const Policy *p = x->p;
    char val[NUM_TEXT_MAX], buf[300];
    (void)p, (void)first, (void)extra, (void)val, (void)buf;
    for (int i = 0; i < p->nsyms; i++) {
        const Sym *sy = p->syms[i];
        if (sy->kind != SYM_SELECT) continue;
        ex_sclear(why);
        ex_sclear(extra);
        LimInfo li = {0};
        if (sy->limit) {
            int saved = x->lslot;
            const Sym *saved_sel = x->sel;
            x->sel = sy;
            x->lslot = -1;
            for (int k = 0; k < x->c->nlimits; k++)
                if (x->c->limits[k].select == sy) x->lslot = k;
            if (x->lslot >= 0) lim_info(x, x->vm, x->regs, &li);
            if (li.on && li.cond && !li.kept) {
                limit_sentence(x, &li, why);
                ex_sadd(why, "; condition: ");
                describe(x, sy->decl->value, 0, why);
            } else {
                describe(x, sy->decl->value, 0, why);
                if (li.on) {
                    ex_sadd(why, "; ");
                    limit_sentence(x, &li, why);
                }
            }
            if (li.on) limit_json(&li, extra);
            x->sel = saved_sel;
            x->lslot = saved;
        } else {
            describe(x, sy->decl->value, 0, why);
        }
        const char *v = ex_truth(x->regs[sy->slot].u.i != 0);
        char title[400];
        if (x->json)
            line(x, out, first, "select", sy->name, policy_desc(sy), v, ex_stext(why), li.on ? ex_stext(extra) : NULL);
        else fprintf(out, "select %s = %s: %s\n", ex_rule_title(sy, title, sizeof title), v, ex_stext(why));
    }
}

/* The smallest single changes that flip the first select, each confirmed
 * by re-running the whole pipeline. */
static void say_changes(Ex *x, FILE *out, bool *first, Str *why, Str *extra)
{
    const Policy *p = x->p;
    char val[NUM_TEXT_MAX], buf[300];
    (void)p, (void)first, (void)extra, (void)val, (void)buf;
    Session *s = x->s;
    if (x->sel) {
        Changes cs = {0};
        ex_gather(x, &cs);
        Change shown[MAX_SHOWN];
        int nshown = ex_verify(x, &cs, shown);
        bool any_flip = nshown && shown[0].flips;
        char title[400];
        if (!x->json && !any_flip)
            fprintf(out, "what would change it: no single field change makes %s %s%s%s\n",
                     ex_rule_title(x->sel, title, sizeof title),
                     ex_truth(!x->selected), ses_interrupted(s) ? " (interrupted)" : "",
                     nshown ? "; the nearest:" : "");
        for (int j = 0; j < nshown; j++) {
            ex_sclear(why);
            ex_change_sentence(x, &shown[j], why);
            if (x->json) {
                char nv[NUM_TEXT_MAX];
                ex_bizfmt(shown[j].field->ty, &shown[j].value, nv, sizeof nv);
                ex_sclear(extra);
                ex_sadd(extra, ",\"data\":");
                json_text(extra, shown[j].data);
                ex_sadd(extra, ",\"flips\":%s", ex_truth(shown[j].flips));
                line(x, out, first, "change", shown[j].field->name.name, NULL, nv, ex_stext(why), ex_stext(extra));
            } else {
                fprintf(out, "%s %s\n", j == 0 && any_flip ? "what would change it:" : "                     ",
                        ex_stext(why));
            }
        }
        free(cs.v);
    }
}

/* Each tier: the branch that matched, and why the ones before did not. */
static void say_tiers(Ex *x, FILE *out, bool *first, Str *why, Str *extra)
{
    const Policy *p = x->p;
    char val[NUM_TEXT_MAX], buf[300];
    (void)p, (void)first, (void)extra, (void)val, (void)buf;
    for (int i = 0; i < p->nsyms; i++) {
        const Sym *sy = p->syms[i];
        if (sy->kind != SYM_TIER) continue;
        const Value *v = &x->regs[sy->slot];
        const char *got = v->missing ? "(none)" : sy->ty.en->members[v->u.i];
        long matched = x->regs[sy->fired_slot].u.i;     /* the compiler records it */
        const char *label = NULL;       /* the matching branch's `as` */
        ex_sclear(why);
        for (int k = 0; k < sy->decl->items.len; k++) {
            TierBranch *b = sy->decl->items.items[k];
            if (!b->cond) {
                ex_sadd(why, "%s%s", why->len ? "; " : "", b->name.name);
                if (b->label) ex_sadd(why, " \"%s\"", b->label);
                ex_sadd(why, " otherwise");
                label = b->label;
                break;
            }
            bool hit = k == matched;
            ex_sadd(why, "%s%s", why->len ? "; " : "", b->name.name);
            if (b->label) ex_sadd(why, " \"%s\"", b->label);
            ex_sadd(why, " %s (", hit ? "matches" : "no");
            describe(x, b->cond, 1, why);
            ex_sadd(why, ")");
            if (hit) {
                label = b->label;
                break;
            }
        }
        char title[400];
        if (x->json) {
            ex_sclear(extra);
            if (label && !v->missing) {
                ex_sadd(extra, ",\"label\":");
                json_text(extra, label);
            }
            line(x, out, first, "tier", sy->name, policy_desc(sy), got, ex_stext(why), ex_stext(extra));
        } else if (label && !v->missing) {
            fprintf(out, "tier %s = %s (%s): %s\n", ex_rule_title(sy, title, sizeof title), got, label, ex_stext(why));
        } else {
            fprintf(out, "tier %s = %s: %s\n", ex_rule_title(sy, title, sizeof title), got, ex_stext(why));
        }
    }
}

/* Each stages block: the transition that fired, or why none did. */
static void say_stages(Ex *x, FILE *out, bool *first, Str *why, Str *extra)
{
    const Policy *p = x->p;
    char val[NUM_TEXT_MAX], buf[300];
    (void)p, (void)first, (void)extra, (void)val, (void)buf;
    for (int i = 0; i < p->nsyms; i++) {
        const Sym *sy = p->syms[i];
        if (sy->kind != SYM_STAGES) continue;
        const EnumInfo *en = sy->ty.en;
        int cur = -1;
        for (int f = 0; f < p->nfields; f++)
            if (p->fields[f]->ty.kind == TY_STAGE && p->fields[f]->ty.en == en) cur = f;
        if (cur < 0) continue;
        int from = (int)x->regs[x->c->field_reg[cur]].u.i, to = (int)x->regs[sy->slot].u.i;
        long fired_k = x->regs[sy->fired_slot].u.i;     /* the compiler records it */
        const char *label = NULL;       /* the fired transition's `as` */
        ex_sclear(why);
        bool winback = false;       /* a final stage with a way back */
        for (int k = 0; k < sy->decl->items.len; k++)
            if (ast_transition_from(sy->decl->items.items[k], from, en->norder)) winback = true;
        if (from >= en->norder && !winback) {
            ex_sadd(why, "%s is final: no transition leaves it", en->members[from]);
        } else {
            for (int k = 0; k < sy->decl->items.len; k++) {
                Transition *t = sy->decl->items.items[k];
                if (!ast_transition_from(t, from, en->norder)) continue;
                bool fired = k == fired_k;
                /* the transition as written: `mid_kam, partnership -> ...` */
                ex_sadd(why, "%s%s", why->len ? "; " : "", t->winback ? "winback " : "");
                for (int j = 0; j < t->froms.len; j++)
                    ex_sadd(why, "%s%s", j ? ", " : "", ((Ident *)t->froms.items[j])->name);
                ex_sadd(why, " -> %s", t->to.name);
                if (t->label) ex_sadd(why, " \"%s\"", t->label);
                ex_sadd(why, " %s (", fired ? "fired" : "did not fire");
                describe(x, t->cond, 1, why);
                ex_sadd(why, ")");
                if (fired) {
                    label = t->label;
                    break;
                }
            }
            if (!why->len) ex_sadd(why, "no transition leaves %s", en->members[from]);
        }
        snprintf(val, sizeof val, "%s -> %s", en->members[from], en->members[to]);
        if (label) snprintf(val, sizeof val, "%s -> %s (%s)", en->members[from], en->members[to], label);
        if (from == to) snprintf(val, sizeof val, "stays %s", en->members[from]);
        char title[400];
        if (x->json) {
            ex_sclear(extra);
            if (label) {
                ex_sadd(extra, ",\"label\":");
                json_text(extra, label);
            }
            line(x, out, first, "stages", sy->name, policy_desc(sy), en->members[to], ex_stext(why), ex_stext(extra));
        } else {
            fprintf(out, "stages %s: %s: %s\n", ex_rule_title(sy, title, sizeof title), val, ex_stext(why));
        }
    }
}

/* Entitlements and flags, each with its condition. */
static void say_flags(Ex *x, FILE *out, bool *first, Str *why, Str *extra)
{
    const Policy *p = x->p;
    char val[NUM_TEXT_MAX], buf[300];
    (void)p, (void)first, (void)extra, (void)val, (void)buf;
    for (int pass = 0; pass < 2; pass++) {
        bool header = false;
        for (int i = 0; i < p->nsyms; i++) {
            const Sym *sy = p->syms[i];
            if (sy->kind != (pass ? SYM_FLAG : SYM_ENTITLE)) continue;
            ex_sclear(why);
            describe(x, sy->decl->value, 1, why);
            bool on = x->regs[sy->slot].u.i != 0;
            if (!x->json && !header) {
                fprintf(out, "%s:\n", pass ? "flags" : "entitlements");
                header = true;
            }
            /* a held entitlement's terms: "yes, SLA hours 4"; JSON "terms" */
            const ChunkOut *o = pass ? NULL : fmt_chunk_out(x->c, sy->name);
            ex_sclear(extra);
            char shown[2100];       /* "yes, SLA hours 4, ..." */
            snprintf(shown, sizeof shown, "%s", on ? "yes" : "no");
            if (on && o && o->nterms) {
                char terms[2048];
                if (!x->json)
                    snprintf(shown, sizeof shown, "yes, %s", fmt_terms_text(o, x->regs, terms, sizeof terms));
                ex_sadd(extra, ",\"terms\":{");
                for (int k = 0; k < o->nterms; k++) {
                    fmt_rt_value_json(o->terms[k].ty, &x->regs[o->terms[k].reg], terms, sizeof terms);
                    ex_sadd(extra, "%s", k ? "," : "");
                    json_text(extra, o->terms[k].name);
                    ex_sadd(extra, ":%s", terms);
                }
                ex_sadd(extra, "}");
            }
            line(x, out, first, pass ? "flag" : "entitlement", sy->name, policy_desc(sy), shown, ex_stext(why),
                 ex_stext(extra));
        }
    }
}

/* The portfolio flags, each with its condition and the figures it read. */
static void say_portfolio(Ex *x, FILE *out, bool *first, Str *why)
{
    const Policy *p = x->p;
    for (int i = 0; i < p->nsyms; i++) {
        const Sym *sy = p->syms[i];
        if (sy->kind != SYM_PORTFOLIO) continue;
        ex_sclear(why);
        describe(x, sy->decl->value, 1, why);
        const Value *v = &x->regs[sy->slot];
        const char *shown = v->missing ? "unknown" : v->u.i ? "raised" : "not raised";
        for (int k = 0; v->missing && k < x->eng.chunk->nportfolio; k++)
            if (x->eng.pf_why && x->eng.pf_why[k] && strcmp(x->eng.chunk->portfolio[k].name, sy->name) == 0) {
                ex_sclear(why);
                ex_sadd(why, "not worked out: %s", x->eng.pf_why[k]);
            }
        line(x, out, first, "portfolio", sy->name, policy_desc(sy), shown, ex_stext(why), NULL);
    }
}

static int explain(Session *s, int rec, FILE *out, bool json, ExplainFact fact, void *ud,
                   bool with_changes, bool portfolio)
{
    if (!s->pol || rec < 0 || rec >= s->nrec) {
        fprintf(s->err, "kam: nothing to explain (load a policy and data)\n");
        return -1;
    }
    Ex x = {0};
    x.s = s;
    x.p = s->pol;
    x.rec = rec;
    x.json = json || fact;
    x.fact = fact;
    x.fact_ud = ud;
    x.lslot = -1;
    x.portfolio = portfolio;
    Policy *p = s->pol;
    collect_probes(&x);
    DiagList dl;
    diag_init(&dl);
    x.c = cg_compile(p, x.probes, x.nprobes, &dl);
    diag_free(&dl);
    if (!x.c) {
        fprintf(s->err, "kam: cannot compile the explanation\n");
        free_probes(&x);
        return -1;
    }
    if (!ses_prepare(s, x.c, &x.eng)) {     /* the params cannot be computed, or Ctrl-C: said */
        cg_free(x.c);
        free_probes(&x);
        return -1;
    }
    x.vm = x.eng.vm;
    x.eng.soft_probes = true;   /* a sub-term that cannot be worked out is shown so,
                                   the account is still explained as kam run has it */
    Value *regs = eval_local(&x, NULL, val_int(0));
    if (!regs && portfolio) {   /* a condition that fails: each flag as the engine has it */
        bool first = true;
        if (json) fputs("{\"portfolio\":[", out);
        else fprintf(out, "portfolio (%d accounts)\n", s->nrec);
        const Chunk *c = x.eng.chunk;
        for (int i = 0; i < c->nportfolio; i++) {
            int v = eng_portfolio_value(&x.eng, i);
            const char *why = x.eng.pf_why && x.eng.pf_why[i] ? x.eng.pf_why[i] : NULL;
            char text[900];
            snprintf(text, sizeof text, "%s%s", why ? "not worked out: " : "", why ? why : "");
            line(&x, out, &first, "portfolio", c->portfolio[i].name, c->portfolio[i].desc,
                 ses_portfolio_state(v), text, NULL);
        }
        if (json) fputs("\n]}\n", out);
        eng_close(&x.eng);
        cg_free(x.c);
        free_probes(&x);
        return 0;
    }
    if (!regs) {            /* kam run reports this account as a data error */
        char kb[256];
        fprintf(s->err, "kam: %s: cannot be evaluated: %s\n",
                wr_display(s->keys[rec], strlen(s->keys[rec]), kb, sizeof kb), x.why);
        s->status = ENG_DATA;
        eng_close(&x.eng);
        cg_free(x.c);
        free_probes(&x);
        return -1;
    }
    x.regs = xmalloc(sizeof(Value) * (size_t)x.c->nregs);
    memcpy(x.regs, regs, sizeof(Value) * (size_t)x.c->nregs);
    /* a string the rules made (lower(), upper(), an if over strings) lives in
       the VM's scratch, which the what-if evaluations below reuse: the
       account's own strings are copied (only strings have a length) */
    size_t nstr = 0;
    for (int i = 0; i < x.c->nregs; i++)
        if (x.regs[i].len && !x.regs[i].missing) nstr += x.regs[i].len;
    char *strs = xmalloc(nstr + 1), *at = strs;
    for (int i = 0; i < x.c->nregs; i++)
        if (x.regs[i].len && !x.regs[i].missing) {
            memcpy(at, x.regs[i].u.str, x.regs[i].len);
            x.regs[i].u.str = at;
            at += x.regs[i].len;
        }
    for (int i = 0; i < p->nsyms; i++) {
        const Sym *sy = p->syms[i];
        if (sy->kind == SYM_SELECT && !x.sel) x.sel = sy;
        if (sy->kind == SYM_SCORE && !x.score) x.score = sy;
    }
    if (x.sel && x.sel->limit)
        for (int i = 0; i < x.c->nlimits; i++)
            if (x.c->limits[i].select == x.sel) x.lslot = i;
    if (x.sel) {
        x.selected = x.regs[x.sel->slot].u.i != 0;
        outcome_of(&x, x.vm, x.regs, &x.base);
    }

    bool first = true;
    Str why = {0}, extra = {0};
    Value *fields = xmalloc(sizeof(Value) * ((size_t)s->nfields + 1));
    ses_row(s, rec, fields);
    if (portfolio) {
        if (json) fputs("{\"portfolio\":[", out);
        else fprintf(out, "portfolio (%d accounts)\n", s->nrec);
        say_portfolio(&x, out, &first, &why);
        if (json) fputs("\n]}\n", out);
    } else if (fact) {
        /* facts only: no wrapper, no heading */
    } else if (json) {
        fputs("{\"id\":", out);
        json_str(out, s->keys[rec]);
        if (x.c->display_field >= 0) {      /* the value as it is, not escaped for a terminal */
            const Value *d = &fields[x.c->display_field];
            fputs(",\"display\":", out);
            if (d->missing) fputs("null", out);
            else {
                char *t = xmalloc((size_t)d->len + 1);
                memcpy(t, d->u.str, d->len);
                t[d->len] = '\0';
                json_str(out, t);
                free(t);
            }
        }
        fputs(",\"explanation\":[", out);
    } else {
        char kb[256], db[256];
        const char *shown = fmt_display_of(x.c, fields, db, sizeof db);
        fprintf(out, "%s%s%s (line %ld)\n", wr_display(s->keys[rec], strlen(s->keys[rec]), kb, sizeof kb),
                shown ? " — " : "", shown ? shown : "", s->lines[rec]);
    }
    if (!portfolio) {
        say_scores(&x, out, &first, &why, &extra);
        say_selects(&x, out, &first, &why, &extra);
        if (x.sel && with_changes) say_changes(&x, out, &first, &why, &extra);
        say_tiers(&x, out, &first, &why, &extra);
        say_stages(&x, out, &first, &why, &extra);
        say_flags(&x, out, &first, &why, &extra);
        if (json && !fact) fputs("\n]}\n", out);
    }
    free(why.p);
    free(extra.p);
    free(fields);
    free(x.regs);
    free(strs);
    eng_close(&x.eng);
    cg_free(x.c);
    free_probes(&x);
    /* the session's chunk is compiled from the same policy: slots agree */
    return 0;
}

int explain_record(Session *s, int rec, FILE *out, bool json)
{
    return explain(s, rec, out, json, NULL, NULL, true, false);
}

int explain_record_facts(Session *s, int rec, bool with_changes, ExplainFact fact, void *ud)
{
    return explain(s, rec, NULL, true, fact, ud, with_changes, false);
}

int explain_portfolio(Session *s, FILE *out, bool json)
{
    if (!s->pol || !s->chunk || !s->chunk->nportfolio) {
        fprintf(s->err, "kam: the policy has no portfolio flags (`portfolio flag NAME when ...`)\n");
        s->status = ENG_USAGE;
        return -1;
    }
    /* the figures are the portfolio's, the same from any account that
       evaluates: the first one that does */
    if (ses_eval(s, NULL, 0, false, NULL, NULL) < 0) return -1;
    int rec = 0;
    for (int i = 0; i < s->nerr && rec < s->nrec; i++)
        if (s->err_recs[i] == rec) rec++, i = -1;
    if (rec >= s->nrec) {
        fprintf(s->err, "kam: no account could be evaluated, so the portfolio cannot be explained\n");
        return -1;
    }
    return explain(s, rec, out, json, NULL, NULL, false, true);
}
