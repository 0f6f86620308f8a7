/* order.c — the checker's part that orders the rules and plans the
 * portfolio passes: a depth-first walk over a graph whose nodes are the
 * rules and the aggregate calls (a rule points at what it reads outside
 * aggregates and at the aggregates it calls; an aggregate at what its
 * argument, filter and group read), reporting each cycle once (`cycle`, or
 * `aggregate-cycle` when an aggregate is on it), listing every rule after
 * what it reads, and giving each rule, aggregate and limit its layer:
 *
 *   layer(aggregate) = 1 + the latest layer its argument, filter, group need
 *   layer(rule)      = the latest layer of what it reads and the
 *                      aggregates it calls; a limited select ranks in pass
 *                      1 + that, and is known after it (limit_layer)
 *
 * Pass k over the records computes the aggregates and limits of layer k
 * from values of layers below k; the last read evaluates every rule. The
 * compiler (compile.c) emits one code segment per pass. */
#include "check_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ----------------------------------------------------------- rule order */

/* A node on the walk's stack: a rule, or an aggregate call. */
typedef struct Node {
    Sym *sym;
    AggRefs *agg;
} Node;

typedef struct OrderState {
    Checker *c;
    int *mark;              /* by sym position: 0 new, 1 on the stack, 2 done */
    int *top;               /* by sym position: first of its aggregates in tops */
    AggRefs **tops;         /* the outermost aggregates, grouped by owner */
    int *kids;              /* by aggregate: first of its nested ones in inner */
    AggRefs **inner;        /* nested aggregates, grouped by parent */
    Node *stack;
    int depth;
    Sym **out;
    int nout;
} OrderState;

static int sym_pos(Checker *c, const Sym *s)
{
    for (int i = 0; i < c->syms.len; i++)
        if (c->syms.items[i] == s) return i;
    return -1;
}

static int agg_pos(Checker *c, const AggRefs *a)
{
    (void)c;
    return a->pos;
}

/* "avg(fit)": an aggregate call as written (shortened if long). */
static void call_text(Checker *c, const Expr *call, char *buf, size_t len)
{
    const Span *sp = &call->span;
    if (sp->file < 0 || sp->file >= c->p->src.n || sp->end < sp->start) {
        snprintf(buf, len, "%s(...)", call->str);
        return;
    }
    const char *t = c->p->src.files[sp->file]->text + sp->start;
    size_t n = sp->end - sp->start;
    if (n > 40 || memchr(t, '\n', n)) snprintf(buf, len, "%s(...)", call->str);
    else snprintf(buf, len, "%.*s", (int)n, t);
}

static void cycle_found(OrderState *st, Node at)
{
    int from = st->depth - 1;
    while (from > 0 && !(st->stack[from].sym == at.sym && st->stack[from].agg == at.agg)) from--;
    char path[1024];
    size_t used = 0;
    const Expr *first_agg = NULL;
    for (int i = from; i <= st->depth && used < sizeof path - 64; i++) {
        Node n = i < st->depth ? st->stack[i] : at;
        char call[64];
        if (n.agg) call_text(st->c, n.agg->call, call, sizeof call);
        if (n.agg && !first_agg) first_agg = n.agg->call;
        used += (size_t)snprintf(path + used, sizeof path - used, "%s%s", n.agg ? call : n.sym->name,
                                 i < st->depth ? " -> " : "");
    }
    Sym *s = st->stack[from].sym ? st->stack[from].sym : at.sym;
    if (!s) {                   /* starts at an aggregate: name the rule after it */
        for (int i = from; i < st->depth && !s; i++) s = st->stack[i].sym;
    }
    if (first_agg)
        chk_err(st->c, first_agg->span, "aggregate-cycle", "'%s' depends on an aggregate of "
            "itself: %s (every account's value would be needed before any can be computed)",
            s ? s->name : "?", path);
    else
        chk_err(st->c, s->span, "cycle", "'%s' depends on itself: %s", s->name, path);
}

static int visit_agg(OrderState *st, AggRefs *a);

static void push(OrderState *st, Node n)
{
    st->stack[st->depth++] = n;
}

static int max_i(int a, int b) { return a > b ? a : b; }

/* Visits rule s (at position pos); returns its layer. */
static int visit(OrderState *st, Sym *s, int pos)
{
    if (st->mark[pos] == 2) return s->layer;
    if (st->mark[pos] == 1) {
        cycle_found(st, (Node){s, NULL});
        return 0;
    }
    st->mark[pos] = 1;
    push(st, (Node){s, NULL});
    int layer = 0;
    for (int i = 0; i < s->reads.len; i++) {
        Sym *d = s->reads.items[i];
        if (!chk_is_rule(d)) continue;
        int dp = sym_pos(st->c, d);
        if (dp >= 0) layer = max_i(layer, visit(st, d, dp));
    }
    for (int i = st->top[pos]; i < st->top[pos + 1]; i++)
        layer = max_i(layer, visit_agg(st, st->tops[i]));
    if (s->limit) {
        s->limit_layer = layer + 1;
        layer = s->limit_layer;
    }
    st->depth--;
    st->mark[pos] = 2;
    s->layer = layer;
    st->out[st->nout++] = s;
    return layer;
}

/* Visits an aggregate call; returns its layer (the pass computing it). */
static int visit_agg(OrderState *st, AggRefs *a)
{
    if (a->state == 2) return a->layer;
    if (a->state == 1) {
        cycle_found(st, (Node){NULL, a});
        return 0;
    }
    a->state = 1;
    push(st, (Node){NULL, a});
    int layer = 0;
    for (int i = 0; i < a->refs.len; i++) {
        Sym *d = a->refs.items[i];
        if (!chk_is_rule(d)) continue;
        int dp = sym_pos(st->c, d);
        if (dp >= 0) layer = max_i(layer, visit(st, d, dp));
    }
    int k = agg_pos(st->c, a);
    for (int i = st->kids[k]; i < st->kids[k + 1]; i++)
        layer = max_i(layer, visit_agg(st, st->inner[i]));
    st->depth--;
    a->state = 2;
    a->layer = layer + 1;
    return layer + 1;
}

/* Groups items (by owner position / parent position) into a flat array
 * with a start index per group: starts[g] .. starts[g + 1]. */
static void group(Checker *c, int ngroups, bool by_parent, int **starts_out, AggRefs ***items_out)
{
    int *starts = xcalloc((size_t)ngroups + 2, sizeof(int));
    AggRefs **items = xmalloc(sizeof(AggRefs *) * ((size_t)c->aggrefs.len + 1));
    int *gof = xmalloc(sizeof(int) * ((size_t)c->aggrefs.len + 1));
    for (int i = 0; i < c->aggrefs.len; i++) {
        AggRefs *a = c->aggrefs.items[i];
        int g = -1;
        if (by_parent && a->parent) g = agg_pos(c, a->parent);
        else if (!by_parent && !a->parent && a->owner) g = sym_pos(c, a->owner);
        gof[i] = g;
        if (g >= 0) starts[g + 1]++;
    }
    for (int g = 0; g < ngroups; g++) starts[g + 1] += starts[g];
    int *fill = xmalloc(sizeof(int) * ((size_t)ngroups + 1));
    memcpy(fill, starts, sizeof(int) * (size_t)ngroups);
    for (int i = 0; i < c->aggrefs.len; i++)
        if (gof[i] >= 0) items[fill[gof[i]]++] = c->aggrefs.items[i];
    free(fill);
    free(gof);
    *starts_out = starts;
    *items_out = items;
}

void chk_order_rules(Checker *c)
{
    int n = c->syms.len, na = c->aggrefs.len;
    OrderState st = {c, xcalloc((size_t)n + 1, sizeof(int)), NULL, NULL, NULL, NULL,
                     xmalloc(sizeof(Node) * ((size_t)n + (size_t)na + 1)), 0,
                     arena_alloc(c->a, sizeof(Sym *) * ((size_t)n + 1)), 0};
    group(c, n, false, &st.top, &st.tops);
    group(c, na, true, &st.kids, &st.inner);
    for (int i = 0; i < n; i++) {
        Sym *s = c->syms.items[i];
        if (chk_is_rule(s)) visit(&st, s, i);
    }
    for (int i = 0; i < na; i++)        /* in tests: no rule holds them */
        visit_agg(&st, c->aggrefs.items[i]);
    c->p->order = st.out;
    c->p->norder = st.nout;
    free(st.mark);
    free(st.stack);
    free(st.top);
    free(st.tops);
    free(st.kids);
    free(st.inner);
}

/* ------------------------------------------------------------- layers */

int policy_expr_layer(const Expr *e)
{
    if (!e) return 0;
    int layer = 0;
    if (e->kind == EX_CALL && e->agg >= 0) return policy_agg_layer(e);
    if (e->kind == EX_NAME && e->sym && e->member < 0) layer = e->sym->layer;
    layer = max_i(layer, policy_expr_layer(e->a));
    layer = max_i(layer, policy_expr_layer(e->b));
    layer = max_i(layer, policy_expr_layer(e->c));
    for (int i = 0; i < e->args.len; i++) layer = max_i(layer, policy_expr_layer(e->args.items[i]));
    return layer;
}

int policy_agg_layer(const Expr *call)
{
    int layer = max_i(policy_expr_layer(call->where), policy_expr_layer(call->per));
    for (int i = 0; i < call->args.len; i++) layer = max_i(layer, policy_expr_layer(call->args.items[i]));
    return layer + 1;
}

/* ---------------------------------------------------------- passes' needs */

int policy_sym_index(const Policy *p, const Sym *s)
{
    for (int i = 0; i < p->nsyms; i++)
        if (p->syms[i] == s) return i;
    return -1;
}

void policy_mark_names(const Policy *p, bool *need, const Expr *e)
{
    if (!e) return;
    if (e->sym) need[policy_sym_index(p, e->sym)] = true;
    policy_mark_names(p, need, e->a);
    policy_mark_names(p, need, e->b);
    policy_mark_names(p, need, e->c);
    policy_mark_names(p, need, e->where);
    policy_mark_names(p, need, e->per);
    for (int i = 0; i < e->args.len; i++) policy_mark_names(p, need, e->args.items[i]);
}

void policy_need_closure(const Policy *p, bool *need)
{
    for (int i = p->norder - 1; i >= 0; i--) {     /* what a rule reads comes earlier */
        Sym *s = p->order[i];
        if (!need[policy_sym_index(p, s)]) continue;
        for (int j = 0; j < s->reads.len; j++) need[policy_sym_index(p, s->reads.items[j])] = true;
    }
}
