/* stages.c — the checker's part for `stages` and `tier` blocks: the stage
 * enum (order, final), transitions (from one stage, several or `any`; a
 * `winback` from a final stage back into the order; unreachable and
 * dead-end stages, shadowed and constant conditions) and tier branches.
 * Names and expressions are checked by check.c. */
#include "check_int.h"

#include <stdlib.h>
#include <string.h>

EnumInfo *chk_stage_enum(Checker *c, Decl *d)
{
    EnumInfo *en = arena_alloc(c->a, sizeof *en);
    en->name = d->name.name;
    en->kind = ENUM_STAGE;
    int n = d->order.len + d->finals.len;
    en->members = arena_alloc(c->a, sizeof(char *) * (size_t)(n + 1));
    en->spans = arena_alloc(c->a, sizeof(Span) * (size_t)(n + 1));
    for (int i = 0; i < n; i++) {
        Ident *id = i < d->order.len ? d->order.items[i] : d->finals.items[i - d->order.len];
        bool dup = false;
        for (int j = 0; j < en->n; j++)
            if (strcmp(en->members[j], id->name) == 0) dup = true;
        if (dup) {
            chk_err(c, id->span, "duplicate-definition", "stage '%s' is listed twice", id->name);
            continue;
        }
        if (i == d->order.len) en->norder = en->n;
        en->members[en->n] = id->name;
        en->spans[en->n++] = id->span;
    }
    if (d->finals.len == 0) en->norder = en->n;
    en->incomplete = d->broken;
    if (!d->has_order)
        chk_err(c, d->name.span, "missing-order", "stages block '%s' needs an `order` line listing "
            "its stages, as in `order pre_kam, early_kam, mid_kam`", d->name.name);
    return en;
}

EnumInfo *chk_tier_enum(Checker *c, Decl *d)
{
    EnumInfo *en = arena_alloc(c->a, sizeof *en);
    en->name = d->name.name;
    en->kind = ENUM_TIER;
    en->members = arena_alloc(c->a, sizeof(char *) * (size_t)(d->items.len + 1));
    en->spans = arena_alloc(c->a, sizeof(Span) * (size_t)(d->items.len + 1));
    for (int i = 0; i < d->items.len; i++) {
        TierBranch *b = d->items.items[i];
        if (ty_member(en, b->name.name) >= 0) continue;
        en->members[en->n] = b->name.name;
        en->spans[en->n++] = b->name.span;
    }
    en->norder = en->n;
    en->incomplete = d->broken;
    return en;
}

static int stage_member(Checker *c, const EnumInfo *en, Ident id)
{
    int m = ty_member(en, id.name);
    if (m < 0 && (en->incomplete || chk_lost_name(c, id.name))) return -1;
    if (m < 0) {
        Diag *g = chk_err(c, id.span, "unknown-stage", "'%s' is not a stage of '%s'", id.name,
                      en->name);
        chk_did_you_mean(g, diag_closest(id.name, en->members, en->n));
    }
    return m;
}

/* Whether every source of t is known (no unknown stage among them). */
static bool known_sources(const Transition *t)
{
    if (t->from_any) return true;
    for (int k = 0; k < t->froms.len; k++)
        if (t->from_members[k] < 0) return false;
    return true;
}

/* "mid_kam, partnership": the sources as written. */
static const char *sources_text(const Transition *t, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int k = 0; k < t->froms.len && used < len; k++)
        used += (size_t)snprintf(buf + used, len - used, "%s%s", k ? ", " : "",
                                 ((Ident *)t->froms.items[k])->name);
    return buf;
}

/* A transition's sources: each a stage of the block, listed once, not
   final (but in a win-back, where each must be final); `any` alone. */
static bool sources(Checker *c, const EnumInfo *en, Transition *t)
{
    int before = c->d->nerrors;
    t->from_member = t->to_member = -1;
    t->from_members = arena_alloc(c->a, sizeof(int) * (size_t)(t->froms.len + 1));
    for (int k = 0; k < t->froms.len; k++) {
        Ident *id = t->froms.items[k];
        t->from_members[k] = -1;
        if (strcmp(id->name, "any") == 0) {
            if (t->winback)
                chk_err(c, id->span, "bad-winback", "a win-back leaves a final stage named in it, "
                    "not `any` (which is every ordered stage)");
            else if (t->froms.len > 1)
                chk_err(c, id->span, "duplicate-source", "`any` stands alone: it already is every "
                    "ordered stage, so the other sources add nothing");
            continue;
        }
        bool dup = false;
        for (int j = 0; j < k; j++)
            if (strcmp(((Ident *)t->froms.items[j])->name, id->name) == 0) dup = true;
        if (dup) {
            chk_err(c, id->span, "duplicate-source", "'%s' is listed twice among this transition's "
                "sources", id->name);
            continue;
        }
        int m = stage_member(c, en, *id);
        t->from_members[k] = m;
        if (m < 0) continue;
        if (t->winback && m < en->norder)
            chk_err(c, id->span, "bad-winback", "'%s' is an ordered stage: a win-back leaves a final "
                "stage; write an ordinary transition `%s -> %s when ...`", id->name, id->name,
                t->to.name);
        else if (!t->winback && m >= en->norder)
            chk_err(c, id->span, "from-final", "no transition leaves '%s': it is a final stage (to "
                "bring such accounts back, declare a win-back: `winback %s -> %s when ...`)",
                id->name, id->name, en->norder > 0 ? en->members[0] : "STAGE");
    }
    if (t->froms.len) t->from_member = t->from_members[0];
    return c->d->nerrors == before;
}

void chk_stages(Checker *c, Sym *s)
{
    Decl *d = s->decl;
    EnumInfo *en = s->ty.en;
    Policy *p = c->p;
    /* the record field that holds the current stage */
    Field *holder = NULL;
    for (int i = 0; i < p->nfields; i++) {
        Field *f = p->fields[i];
        if (f->ty.kind == TY_STAGE && f->ty.en == en) {
            if (holder)
                chk_err(c, f->name.span, "duplicate-stage-field", "the record has two fields of "
                    "type %s ('%s' and '%s'); the stages block reads the current stage from one",
                    en->name, holder->name.name, f->name.name);
            else
                holder = f;
        }
    }
    /* a field whose type is a misspelling of this block's name was
       reported already; do not also say no field has the type */
    bool typo = false;
    for (int i = 0; i < p->nfields; i++) {
        const Field *f = p->fields[i];
        const char *tn_ = f->type->name.name;
        const char *cand[1] = {en->name};
        if (f->ty.kind == TY_ERROR && tn_ && diag_closest(tn_, cand, 1)) typo = true;
    }
    if (!holder && p->record && !typo && !p->record->broken && !chk_lost_name(c, en->name))
        chk_err(c, d->name.span, "no-stage-field", "no record field has type %s: add one, as in "
            "`stage: %s`, so the current stage can be read", en->name, en->name);
    if (holder) {
        if (!p->stage_field) p->stage_field = holder;
        if (holder->ty.optional)
            chk_err(c, holder->type->span, "optional-stage", "the current-stage field cannot be "
                "optional");
    }
    bool *reached = xcalloc((size_t)en->n + 1, sizeof(bool));
    bool *bad = xcalloc((size_t)d->items.len + 1, sizeof(bool));  /* its sources had errors */
    for (int i = 0; i < d->items.len; i++) {
        Transition *t = d->items.items[i];
        bad[i] = !sources(c, en, t);
        if (strcmp(t->to.name, "any") == 0)
            chk_err(c, t->to.span, "unknown-stage", "a transition goes to one stage, not `any`");
        else
            t->to_member = stage_member(c, en, t->to);
        if (t->to_member >= 0) reached[t->to_member] = true;
        if (t->winback && t->to_member >= en->norder)
            chk_err(c, t->to.span, "bad-winback", "a win-back leads back into the order, not to the "
                "final stage '%s': name an ordered stage, as in `winback %s -> %s`", t->to.name,
                t->from.name, en->members[0]);
        for (int k = 0; k < t->froms.len; k++)
            if (t->to_member >= 0 && t->to_member == t->from_members[k])
                chk_warn(c, t->span, "self-transition", "a transition from "
                     "'%s' to itself changes nothing", t->to.name);
        c->cur = s;
        chk_need_bool(c, t->cond, "a transition's condition");
        chk_warn_constant(c, t->cond, "the transition");
        c->cur = NULL;
    }
    /* transitions an earlier one from the same stage always pre-empts: its
       condition is always true, or written the same (for a transition with
       several sources: pre-empted from each of them) */
    for (int i = 0; i < d->items.len; i++) {
        Transition *t = d->items.items[i];
        const SrcFile *tf = c->p->src.files[t->cond->span.file];
        if (t->to_member < 0 || !known_sources(t) || bad[i]) continue;
        for (int j = 0; j < i; j++) {
            Transition *u = d->items.items[j];
            if (u->to_member < 0 || !known_sources(u) || bad[j]) continue;
            bool covers = true;
            for (int m = 0; m < en->n && covers; m++)
                if (ast_transition_from(t, m, en->norder) && !ast_transition_from(u, m, en->norder))
                    covers = false;
            if (!covers) continue;
            const SrcFile *uf = c->p->src.files[u->cond->span.file];
            unsigned tl = t->cond->span.end - t->cond->span.start, ul = u->cond->span.end - u->cond->span.start;
            bool same = tl == ul && memcmp(tf->text + t->cond->span.start, uf->text + u->cond->span.start, tl) == 0;
            if (chk_const_truth(u->cond) == 1 || same) {
                char from[200];
                chk_warn(c, t->span, "shadowed-transition", "this transition never fires: the one "
                     "at line %d (%s%s -> %s) goes first and %s", chk_line_of(c, u->span),
                     u->winback ? "winback " : "", sources_text(u, from, sizeof from), u->to.name,
                     same ? "has the same condition" : "always fires");
                break;
            }
        }
    }
    /* ordered stages (but the last) whose only ways out end the relationship */
    bool known = true;
    for (int i = 0; i < d->items.len; i++) {
        Transition *t = d->items.items[i];
        if (t->to_member < 0 || !known_sources(t)) known = false;
    }
    for (int m = 0; m + 1 < en->norder && !en->incomplete && known; m++) {
        bool forward = false;
        for (int i = 0; i < d->items.len; i++) {
            Transition *t = d->items.items[i];
            if (ast_transition_from(t, m, en->norder) && t->to_member >= 0 &&
                t->to_member < en->norder && t->to_member != m)
                forward = true;
        }
        if (!forward)
            chk_warn(c, en->spans[m], "dead-end-stage", "stage '%s' has no way forward: no transition "
                 "leads from it to another ordered stage", en->members[m]);
    }
    /* a win-back's target is reached like any other: it leads to it */
    bool unsure = en->incomplete || !known;
    for (int i = 1; i < en->n && !unsure; i++) {
        if (!reached[i])
            chk_warn(c, en->spans[i], "unreachable-stage", "stage '%s' is unreachable: no "
                 "transition leads to it", en->members[i]);
    }
    free(reached);
    free(bad);
}

void chk_tier(Checker *c, Sym *s)
{
    Decl *d = s->decl;
    bool has_otherwise = false;
    for (int i = 0; i < d->items.len; i++) {
        TierBranch *b = d->items.items[i];
        if (!b->cond) {
            if (i != d->items.len - 1) {
                chk_err(c, b->span, "otherwise-not-last", "`otherwise` must be the last branch of "
                    "tier '%s': the branches after it can never match", d->name.name);
            }
            has_otherwise = true;
            continue;
        }
        c->cur = s;
        chk_need_bool(c, b->cond, "a tier branch's condition");
        chk_warn_constant(c, b->cond, "the branch");
        c->cur = NULL;
    }
    if (!has_otherwise && d->items.len)
        chk_warn(c, d->name.span, "no-otherwise", "tier '%s' has no `otherwise` branch: accounts "
             "that match no branch get no tier", d->name.name);
    if (!d->items.len)
        chk_err(c, d->name.span, "empty-block", "tier '%s' has no branches", d->name.name);
}

