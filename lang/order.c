/* order.c — the checker's part that orders the rules: a depth-first walk
 * over what each rule reads, reporting each cycle once, listing every rule
 * after what it reads, and marking the rules that need the portfolio pass
 * (aggregates, limits) — with the limits' own restrictions. */
#include "check_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ----------------------------------------------------------- rule order */

/* Depth-first over rule dependencies: reports each cycle once, and lists
 * the rules so that each follows everything it reads. */
typedef struct OrderState {
    Checker *c;
    int *mark;              /* by sym position: 0 new, 1 on the stack, 2 done */
    Sym **stack;
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

static void visit(OrderState *st, Sym *s, int pos)
{
    if (st->mark[pos] == 2) return;
    if (st->mark[pos] == 1) {
        /* the cycle is the stack from s's frame to the top */
        int from = st->depth - 1;
        while (from > 0 && st->stack[from] != s) from--;
        char path[1024];
        size_t used = 0;
        for (int i = from; i < st->depth && used < sizeof path - 64; i++)
            used += (size_t)snprintf(path + used, sizeof path - used, "%s -> ", st->stack[i]->name);
        snprintf(path + used, sizeof path - used, "%s", s->name);
        chk_err(st->c, s->span, "cycle", "'%s' depends on itself: %s", s->name, path);
        return;
    }
    st->mark[pos] = 1;
    st->stack[st->depth++] = s;
    for (int i = 0; i < s->deps.len; i++) {
        Sym *d = s->deps.items[i];
        if (!chk_is_rule(d)) continue;
        int dp = sym_pos(st->c, d);
        if (dp >= 0) visit(st, d, dp);
    }
    st->depth--;
    st->mark[pos] = 2;
    st->out[st->nout++] = s;
}

void chk_order_rules(Checker *c)
{
    int n = c->syms.len;
    OrderState st = {c, xcalloc((size_t)n + 1, sizeof(int)), xmalloc(sizeof(Sym *) * ((size_t)n + 1)),
                     0, arena_alloc(c->a, sizeof(Sym *) * ((size_t)n + 1)), 0};
    for (int i = 0; i < n; i++) {
        Sym *s = c->syms.items[i];
        if (chk_is_rule(s)) visit(&st, s, i);
    }
    c->p->order = st.out;
    c->p->norder = st.nout;
    free(st.mark);
    free(st.stack);
    /* Aggregates: a rule needs the portfolio pass if anything it reads does. */
    for (int i = 0; i < st.nout; i++) {
        Sym *s = st.out[i];
        /* a limit ranks in the first pass, which computes the aggregates:
           its own condition cannot use one (it would see a partial value) */
        if (s->limit && s->calls_agg && !s->uses_agg_reported) {
            s->uses_agg_reported = true;
            chk_err(c, s->limit->span, "nested-aggregate", "`limit %s` ranks accounts in the first "
                "pass, but the condition or ranking of '%s' uses an aggregate, known only after "
                "that pass: a limit cannot depend on an aggregate", s->name, s->name);
        }
        for (int j = 0; j < s->deps.len; j++) {
            Sym *d = s->deps.items[j];
            if (!d->uses_agg) continue;
            /* a limit ranks in the first pass: what it reads cannot wait
               for the aggregates, which that pass computes */
            if (s->limit && d != s && !s->uses_agg_reported) {
                s->uses_agg_reported = true;        /* once per limit */
                if (d->limit)
                    chk_err(c, s->limit->span, "nested-aggregate", "`limit %s` depends on '%s', which "
                        "has a limit of its own: chained limits are not supported (both rank in "
                        "the same first pass)", s->name, d->name);
                else
                    chk_err(c, s->limit->span, "nested-aggregate", "`limit %s` ranks accounts in the "
                        "first pass, but '%s' needs an aggregate, known only after it", s->name,
                        d->name);
            }
            s->uses_agg = true;
        }
    }
    for (int i = 0; i < c->aggrefs.len; i++) {
        AggRefs *ar = c->aggrefs.items[i];
        for (int j = 0; j < ar->refs.len; j++) {
            Sym *s = ar->refs.items[j];
            if (s->uses_agg) {
                chk_err(c, ar->call->span, "nested-aggregate", "%s ranges over '%s', which itself "
                    "depends on an aggregate or a limit; aggregates see per-account values only",
                    ar->call->str, s->name);
                break;
            }
        }
    }
}

