/* query.c — where names are written in a loaded policy (see query.h): a
 * walk over the definitions and their expressions, using what the checker
 * resolved (Expr.sym, Expr.member, Attr.sym, Transition members). */
#include "query.h"

#include <string.h>

typedef struct Walk {
    const Policy *p;
    QueryVisit fn;
    void *ctx;
} Walk;

static void emit(Walk *w, QueryRefKind k, Span sp, bool def, const Sym *s, const EnumInfo *en,
                 int member, int fn)
{
    if (sp.end <= sp.start) return;
    QueryRef r = {k, sp, def, s, en, member, fn};
    w->fn(&r, w->ctx);
}

static void walk_expr(Walk *w, const Expr *e, int depth)
{
    if (!e || depth > 2000) return;
    if (e->kind == EX_NAME) {
        if (e->member >= 0 && e->ty.en)
            emit(w, QR_MEMBER, e->span, false, NULL, e->ty.en, e->member, -1);
        else if (e->sym)
            emit(w, QR_SYM, e->span, false, e->sym, NULL, -1, -1);
    }
    if (e->kind == EX_CALL) {
        if (e->sym && e->args.len == 1)   /* entitled(name) */
            emit(w, QR_SYM, ((const Expr *)e->args.items[0])->span, false, e->sym, NULL, -1, -1);
        else if (e->fn >= 0)
            emit(w, QR_FUNC, e->name_span, false, NULL, NULL, -1, e->fn);
    }
    walk_expr(w, e->a, depth + 1);
    walk_expr(w, e->b, depth + 1);
    walk_expr(w, e->c, depth + 1);
    if (e->kind != EX_CALL || !e->sym)
        for (int i = 0; i < e->args.len; i++) walk_expr(w, e->args.items[i], depth + 1);
    walk_expr(w, e->where, depth + 1);
    walk_expr(w, e->per, depth + 1);
}

static const EnumInfo *stage_enum(const Policy *p)
{
    return p->stages ? p->stages->ty.en : NULL;
}

static void walk_decl(Walk *w, const Decl *d)
{
    const Policy *p = w->p;
    if (d->name.name) {
        const Sym *s = policy_sym(p, d->name.name);
        if (s) emit(w, QR_SYM, d->name.span, s->decl == d, s, NULL, -1, -1);
    }
    if (d->kind == D_RECORD)
        for (int i = 0; i < d->fields.len; i++) {
            const Field *f = d->fields.items[i];
            const Sym *s = policy_sym(p, f->name.name);
            if (s && s->field == f) emit(w, QR_SYM, f->name.span, true, s, NULL, -1, -1);
        }
    if (d->kind == D_OUTPUT || d->kind == D_DISPLAY)
        for (int i = 0; i < d->order.len; i++) {
            const Ident *id = d->order.items[i];
            const Sym *s = policy_sym(p, id->name);
            if (s) emit(w, QR_SYM, id->span, false, s, NULL, -1, -1);
        }
    walk_expr(w, d->value, 0);
    walk_expr(w, d->by, 0);
    walk_expr(w, d->per, 0);
    walk_expr(w, d->as_of, 0);
    for (int i = 0; i < d->items.len; i++) {
        const void *it = d->items.items[i];
        if (d->kind == D_SCORE) {
            const Criterion *c = it;
            walk_expr(w, c->weight, 0);
            walk_expr(w, c->cond, 0);
        } else if (d->kind == D_TIER) {
            walk_expr(w, ((const TierBranch *)it)->cond, 0);
        } else if (d->kind == D_STAGES) {
            const Transition *t = it;
            const EnumInfo *en = stage_enum(p);
            for (int k = 0; en && t->from_members && k < t->froms.len; k++)
                if (t->from_members[k] >= 0)
                    emit(w, QR_MEMBER, ((const Ident *)t->froms.items[k])->span, false, NULL, en,
                         t->from_members[k], -1);
            if (en && t->to_member >= 0)
                emit(w, QR_MEMBER, t->to.span, false, NULL, en, t->to_member, -1);
            walk_expr(w, t->cond, 0);
        } else if (d->kind == D_TEST) {
            walk_expr(w, it, 0);
        }
    }
    for (int i = 0; i < d->attrs.len; i++) {
        const Attr *a = d->attrs.items[i];
        if (a->sym) emit(w, QR_SYM, a->name.span, false, a->sym, NULL, -1, -1);
        walk_expr(w, a->value, 0);
    }
}

void query_walk(const Policy *p, QueryVisit fn, void *ctx)
{
    Walk w = {p, fn, ctx};
    for (int i = 0; i < p->prog.decls.len; i++) walk_decl(&w, p->prog.decls.items[i]);
    /* the members' own definitions: an inline enum's, a tier's branches, a
       stages block's order and final lists */
    for (int i = 0; i < p->nsyms; i++) {
        const Sym *s = p->syms[i];
        const EnumInfo *en = s->ty.en;
        if (!en || !en->name || strcmp(en->name, s->name) != 0 || !en->spans) continue;
        for (int m = 0; m < en->n; m++) emit(&w, QR_MEMBER, en->spans[m], true, NULL, en, m, -1);
    }
}

typedef struct At {
    int file;
    unsigned off;
    QueryRef best;
    bool found;
} At;

static void at_visit(const QueryRef *r, void *ctx)
{
    At *a = ctx;
    if (r->span.file != a->file || a->off < r->span.start || a->off > r->span.end) return;
    /* the innermost (shortest) wins: a call's name over its argument */
    if (a->found && r->span.end - r->span.start >= a->best.span.end - a->best.span.start) return;
    a->best = *r;
    a->found = true;
}

bool query_at(const Policy *p, int file, unsigned off, QueryRef *out)
{
    At a = {file, off, {0}, false};
    query_walk(p, at_visit, &a);
    if (a.found) *out = a.best;
    return a.found;
}

bool query_same(const QueryRef *a, const QueryRef *b)
{
    if (a->kind != b->kind) return false;
    switch (a->kind) {
    case QR_SYM: return a->sym == b->sym;
    case QR_MEMBER: return a->en == b->en && a->member == b->member;
    case QR_FUNC: return a->fn == b->fn;
    }
    return false;
}

bool query_def_span(const QueryRef *r, Span *out)
{
    if (r->kind == QR_SYM && r->sym) {
        *out = r->sym->field ? r->sym->field->name.span : r->sym->span;
        return true;
    }
    if (r->kind == QR_MEMBER && r->en && r->en->spans && r->member < r->en->n) {
        *out = r->en->spans[r->member];
        return true;
    }
    return false;
}
