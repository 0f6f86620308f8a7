/* explain_change.c — "what would change it": single field changes that
 * could flip the first select (thresholds read off its conditions, and a
 * search over each field it reads, the limit's `by` included), each
 * confirmed by re-running the whole pipeline (ex_full_eval) before it is
 * shown, so a change said to flip does flip `kam run`; and their sentences.
 * The rest of the explanation is explain.c's. */
#define _POSIX_C_SOURCE 200809L
#include "explain_int.h"
#include "../base/date.h"
#include "../runtime/reader.h"
#include "../runtime/writer.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------- changes */


static bool is_num_field(const Field *f)
{
    return ty_is_numeric(f->ty) || f->ty.kind == TY_DATE;
}

/* The unit a field's value is searched in: a cent, a hundredth of a
 * percent, a whole number, a day. */
static double grid_of(const Field *f)
{
    switch (f->ty.kind) {
    case TY_INT: case TY_DATE: return 1;
    case TY_PERCENT: return 0.0001;
    case TY_MONEY: return 0.01;
    default: return 0.0001;
    }
}

static double num_value(const Field *f, const Value *v)
{
    return f->ty.kind == TY_DATE ? (double)v->u.i : v->u.num;
}

static Value make_value(const Field *f, double d)
{
    if (f->ty.kind == TY_DATE) return val_int((int64_t)llround(d));
    if (f->ty.kind == TY_INT) return val_num(round(d));
    return val_num(d);
}

/* The data text of k grid steps of field f, and the value a data file
 * with that text gives (rd_convert: exactly what kam run reads). */
static bool grid_value(const Field *f, double k, char *data, size_t len, Value *out)
{
    switch (f->ty.kind) {
    case TY_DATE:
        if (fabs(k) > 3e6) return false;
        date_format((int32_t)k, data);
        break;
    case TY_INT: snprintf(data, len, "%.0f", k); break;
    case TY_PERCENT: snprintf(data, len, "%.2f%%", k / 100); break;
    case TY_MONEY: snprintf(data, len, "%.2f", k / 100); break;
    default: snprintf(data, len, "%.4f", k / 10000); break;
    }
    if (f->ty.kind != TY_DATE && strchr(data, '.')) {      /* 12.50% -> 12.5%, 3.00 -> 3 */
        char suffix = data[strlen(data) - 1] == '%' ? '%' : 0;
        if (suffix) data[strlen(data) - 1] = '\0';
        char *e = data + strlen(data) - 1;
        while (*e == '0') *e-- = '\0';
        if (*e == '.') *e = '\0';
        if (strcmp(data, "-0") == 0) strcpy(data, "0");
        if (suffix) strcat(data, "%");
    }
    RtType t = {schema_kind(f->ty.kind), false, NULL};     /* numbers and dates only */
    return rd_convert(t, data, strlen(data), out) == 0;
}

static double grid_steps(const Field *f, double d)
{
    switch (f->ty.kind) {
    case TY_PERCENT: return d * 10000;
    case TY_MONEY: return d * 100;
    case TY_NUMBER: return d * 10000;
    default: return d;
    }
}

static void push(Changes *cs, const Change *c)
{
    for (int i = 0; i < cs->n; i++)         /* the same change once */
        if (cs->v[i].field == c->field && strcmp(cs->v[i].data, c->data) == 0) return;
    if (cs->n == cs->cap) {
        cs->cap = cs->cap ? cs->cap * 2 : 32;
        cs->v = xrealloc(cs->v, sizeof(Change) * (size_t)cs->cap);
    }
    cs->v[cs->n++] = *c;
}

static int flips_locally(Ex *x, const Field *f, Value v)
{
    int r = ex_local_select(x, f, v);
    return r < 0 ? -1 : (r != 0) != x->selected;
}

/* Adds the change of numeric field f to about d (direction dir from the
 * value now): the nearest grid value on that side for which `flip` (if
 * set) holds locally, else the rounded value itself. */
static void add_numeric(Ex *x, Changes *cs, const Field *f, double d, int dir, bool need_flip)
{
    Value now_v = ses_value(x->s, x->rec, f->index);
    const Value *now = &now_v;
    if (now->missing) return;
    double x0 = num_value(f, now), k = grid_steps(f, d), k0 = grid_steps(f, x0);
    double tries[3];
    int nt = 0;
    /* a search result lies just past the boundary: the grid value before
       it may do; a threshold is met from the grid value after it on */
    if (dir > 0) {
        if (need_flip) tries[nt++] = floor(k + 1e-7);
        tries[nt++] = ceil(k - 1e-7);
        tries[nt++] = ceil(k - 1e-7) + 1;
    } else if (dir < 0) {
        if (need_flip) tries[nt++] = ceil(k - 1e-7);
        tries[nt++] = floor(k + 1e-7);
        tries[nt++] = floor(k + 1e-7) - 1;
    } else {
        tries[nt++] = round(k);
    }
    for (int i = 0; i < nt; i++) {
        if ((dir > 0 && tries[i] <= k0 + 1e-9) || (dir < 0 && tries[i] >= k0 - 1e-9)) continue;
        Change c = {0};
        c.field = f;
        c.dir = dir;
        if (!grid_value(f, tries[i], c.data, sizeof c.data, &c.value)) continue;
        double nv = num_value(f, &c.value);
        if (nv == x0) continue;
        c.local = flips_locally(x, f, c.value);
        if (c.local < 0) continue;
        if (need_flip && !c.local && i + 1 < nt) continue;
        double base = f->ty.kind == TY_DATE ? 365 : fabs(x0) > 1e-9 ? fabs(x0) : 1;
        c.cost = fabs(nv - x0) / base;
        push(cs, &c);
        return;
    }
}

/* Searches the values of numeric field f on one side of its value now for
 * the nearest that flips the select (locally): doubling steps, then
 * halving the gap. */
static void search_numeric(Ex *x, Changes *cs, const Field *f, int dir)
{
    Value now_v = ses_value(x->s, x->rec, f->index);
    const Value *now = &now_v;
    if (now->missing) return;
    double x0 = num_value(f, now), g = grid_of(f);
    double far = f->ty.kind == TY_DATE      ? 365.0 * 100
               : f->ty.kind == TY_PERCENT ? 100
                                          : fmax(fabs(x0), 1e6) * 1e6;
    double lo = 0, hi = g;
    bool found = false;
    for (int it = 0; it < 80 && hi <= far; it++) {
        int r = flips_locally(x, f, make_value(f, x0 + dir * hi));
        if (r > 0) {
            found = true;
            break;
        }
        lo = hi;
        hi *= 2;
    }
    if (!found) return;
    for (int it = 0; it < 80 && hi - lo > g / 2; it++) {
        double mid = (lo + hi) / 2;
        if (f->ty.kind == TY_INT || f->ty.kind == TY_DATE) mid = floor(mid);
        if (mid <= lo) break;
        if (flips_locally(x, f, make_value(f, x0 + dir * mid)) > 0) hi = mid;
        else lo = mid;
    }
    add_numeric(x, cs, f, x0 + dir * hi, dir, true);
}

static void add_exact(Ex *x, Changes *cs, const Field *f, Value v, const char *data)
{
    Change c = {0};
    c.field = f;
    c.value = v;
    c.dir = 0;
    c.cost = 1;
    snprintf(c.data, sizeof c.data, "%s", data);
    c.local = flips_locally(x, f, v);
    if (c.local >= 0) push(cs, &c);
}

/* Candidate single-field changes read off condition e that would make it
 * `want` (true: to meet a criterion; false: to lose one). */
static void thresholds(Ex *x, Changes *cs, const Expr *e, bool want, int depth)
{
    if (!e || depth > 3) return;
    if (e->kind == EX_NAME && e->sym && e->sym->kind == SYM_LET && e->sym->decl) {
        thresholds(x, cs, e->sym->decl->value, want, depth + 1);
        return;
    }
    if (e->kind == EX_UNARY && e->op == OPX_NOT) {
        thresholds(x, cs, e->a, !want, depth + 1);
        return;
    }
    if (e->kind == EX_NAME && e->sym && e->sym->kind == SYM_FIELD && e->ty.kind == TY_BOOL) {
        add_exact(x, cs, e->sym->field, val_int(want), want ? "true" : "false");
        return;
    }
    if (e->kind == EX_BINARY && (e->op == OPX_AND || e->op == OPX_OR)) {
        thresholds(x, cs, e->a, want, depth + 1);
        thresholds(x, cs, e->b, want, depth + 1);
        return;
    }
    if (e->kind != EX_BINARY || e->op < OPX_EQ || e->op > OPX_GE || e->op == OPX_NE) return;
    /* FIELD op OTHER, or OTHER op FIELD */
    const Expr *fe = NULL, *other = NULL;
    AstOp op = e->op;
    if (e->a->kind == EX_NAME && e->a->sym && e->a->sym->kind == SYM_FIELD) {
        fe = e->a;
        other = e->b;
    } else if (e->b->kind == EX_NAME && e->b->sym && e->b->sym->kind == SYM_FIELD) {
        fe = e->b;
        other = e->a;
        static const AstOp flip[] = {[OPX_EQ] = OPX_EQ, [OPX_LT] = OPX_GT, [OPX_LE] = OPX_GE,
                                     [OPX_GT] = OPX_LT, [OPX_GE] = OPX_LE};
        op = flip[op];
    }
    if (!fe || !ty_is_numeric(fe->ty)) return;
    if (!want) {        /* to make it false, aim for the opposite comparison */
        static const AstOp neg[] = {[OPX_EQ] = OPX_NE, [OPX_LT] = OPX_GE, [OPX_LE] = OPX_GT,
                                    [OPX_GT] = OPX_LE, [OPX_GE] = OPX_LT};
        op = neg[op];
        if (op == OPX_NE) return;
    }
    Value tmp;
    const Value *target = ex_value_of(x, other, &tmp);
    if (!target || target->missing) return;
    const Field *f = fe->sym->field;
    double t = target->u.num, g = grid_of(f);
    /* the nearest grid value that meets the comparison */
    double v = op == OPX_GT ? t + g / 2 : op == OPX_LT ? t - g / 2 : t;
    int dir = op == OPX_GT || op == OPX_GE ? 1 : op == OPX_LT || op == OPX_LE ? -1 : 0;
    add_numeric(x, cs, f, v, dir, false);
}

/* Marks the fields that the value of e depends on (through lets, scores,
 * selects, tiers, stages, entitlements). */
static void mark_fields(Ex *x, const Expr *e, bool *seen, bool *fields, int depth);

static void mark_sym(Ex *x, const Sym *sy, bool *seen, bool *fields, int depth)
{
    if (sy->kind == SYM_FIELD) {
        fields[sy->field->index] = true;
        return;
    }
    int idx = -1;
    for (int i = 0; i < x->p->nsyms; i++)
        if (x->p->syms[i] == sy) idx = i;
    if (idx < 0 || seen[idx] || !sy->decl || depth > 40) return;
    seen[idx] = true;
    const Decl *d = sy->decl;
    switch (sy->kind) {
    case SYM_LET: case SYM_SELECT: case SYM_ENTITLE: case SYM_FLAG:
        mark_fields(x, d->value, seen, fields, depth + 1);
        if (sy->limit) mark_fields(x, sy->limit->by, seen, fields, depth + 1);
        break;
    case SYM_SCORE:
        for (int k = 0; k < d->items.len; k++) {
            const Criterion *cr = d->items.items[k];
            mark_fields(x, cr->cond, seen, fields, depth + 1);
            /* a graded weight's fields move the score too */
            if (cr->graded) mark_fields(x, cr->weight, seen, fields, depth + 1);
        }
        break;
    case SYM_TIER:
        for (int k = 0; k < d->items.len; k++)
            mark_fields(x, ((TierBranch *)d->items.items[k])->cond, seen, fields, depth + 1);
        break;
    case SYM_STAGES:
        for (int k = 0; k < d->items.len; k++)
            mark_fields(x, ((Transition *)d->items.items[k])->cond, seen, fields, depth + 1);
        if (x->p->stage_field) fields[x->p->stage_field->index] = true;
        break;
    default:
        break;
    }
}

static void mark_fields(Ex *x, const Expr *e, bool *seen, bool *fields, int depth)
{
    if (!e || depth > 60) return;
    if (e->sym) mark_sym(x, e->sym, seen, fields, depth);
    mark_fields(x, e->a, seen, fields, depth + 1);
    mark_fields(x, e->b, seen, fields, depth + 1);
    mark_fields(x, e->c, seen, fields, depth + 1);
    mark_fields(x, e->where, seen, fields, depth + 1);
    mark_fields(x, e->per, seen, fields, depth + 1);
    for (int i = 0; i < e->args.len; i++) mark_fields(x, e->args.items[i], seen, fields, depth + 1);
}

/* Every candidate: thresholds read off the conditions, then a search over
 * each field the select depends on. */
void ex_gather(Ex *x, Changes *cs)
{
    bool want = !x->selected;
    thresholds(x, cs, x->sel->decl->value, want, 0);
    if (x->score) {
        /* unselected: what would add points (meet a positive criterion, lose
           a negative one); selected: what would take points away */
        for (int k = 0; k < x->score->decl->items.len; k++) {
            Criterion *cr = x->score->decl->items.items[k];
            bool known;
            bool met = ex_bool_of(x, cr->cond, &known);
            /* a graded weight's sign is known where it counts; else
               taken as a gain (the candidates are only a guide: the
               re-run decides) */
            bool negative = cr->graded ? k < MAX_CRIT && met && x->base.pts[k] < 0 : ex_num_in(x, x->regs, cr->weight) < 0;
            bool target = negative ? x->selected : !x->selected;
            if (met != target) thresholds(x, cs, cr->cond, target, 0);
        }
    }
    bool *seen = xcalloc((size_t)x->p->nsyms + 1, sizeof(bool));
    bool *fields = xcalloc((size_t)x->p->nfields + 1, sizeof(bool));
    mark_sym(x, x->sel, seen, fields, 0);
    Value *row = xmalloc(sizeof(Value) * ((size_t)x->s->nfields + 1));
    ses_row(x->s, x->rec, row);
    for (int i = 0; i < x->p->nfields; i++) {
        const Field *f = x->p->fields[i];
        if (!fields[i] || i == x->p->key_field) continue;
        if (f->ty.kind == TY_BOOL && !row[i].missing) {
            add_exact(x, cs, f, val_int(!row[i].u.i), row[i].u.i ? "false" : "true");
        } else if ((f->ty.kind == TY_ENUM || f->ty.kind == TY_STAGE) && f->ty.en) {
            for (int m = 0; m < f->ty.en->n && m < 16; m++)
                if (row[i].missing || m != row[i].u.i) add_exact(x, cs, f, val_int(m), f->ty.en->members[m]);
        } else if (is_num_field(f)) {
            search_numeric(x, cs, f, +1);
            search_numeric(x, cs, f, -1);
        }
    }
    free(row);
    free(seen);
    free(fields);
}

static int cmp_change(const void *a, const void *b)
{
    const Change *x = a, *y = b;
    if (x->local != y->local) return x->local ? -1 : 1;
    return (x->cost > y->cost) - (x->cost < y->cost);
}

/* A field a portfolio pass reads: changing it can move aggregates and
 * limits, so the local guess may be off and larger steps are worth a try. */
static bool in_pass1(const Ex *x, const Field *f)
{
    return x->c->npasses > 0 && x->c->portfolio_field_used[f->index];
}

enum { MAX_PASSES = 48 };

/* A change that does not flip the select but moves the score its way. */
static bool toward(const Ex *x, const Change *c)
{
    if (!x->score) return false;
    return x->selected ? c->out.score < x->base.score : c->out.score > x->base.score;
}

/* Re-runs the pipeline for the candidates, cheapest likely flips first, and
 * keeps up to MAX_SHOWN fields: those that flip, then those that move the
 * score without flipping. Returns how many were kept (in out). */
int ex_verify(Ex *x, Changes *cs, Change *out)
{
    if (cs->n > 1) qsort(cs->v, (size_t)cs->n, sizeof(Change), cmp_change);   /* v is NULL when empty */
    int nflip = 0, nother = 0;
    Change other[MAX_SHOWN];
    for (int i = 0; i < cs->n && nflip < MAX_SHOWN && x->passes < MAX_PASSES; i++) {
        Change *c = &cs->v[i];
        bool done = false;
        for (int k = 0; k < nflip; k++)
            if (out[k].field == c->field) done = true;
        if (done) continue;
        if (ses_interrupted(x->s)) break;
        c->tried = true;
        c->ok = ex_full_eval(x, c->field, c->value, &c->out);
        c->flips = c->ok && c->out.sel != x->selected;
        if (c->ok && !c->flips && c->local && c->dir && is_num_field(c->field) && in_pass1(x, c->field)) {
            /* the portfolio moved with it: try a few larger steps */
            Value now_v = ses_value(x->s, x->rec, c->field->index);
            const Value *now = &now_v;
            double x0 = num_value(c->field, now), d = num_value(c->field, &c->value) - x0;
            static const double more[] = {1.01, 1.1, 1.5, 3};
            for (int m = 0; m < 4 && x->passes < MAX_PASSES; m++) {
                Changes one = {0};
                add_numeric(x, &one, c->field, x0 + d * more[m], c->dir, false);
                if (one.n) {
                    Outcome o;
                    if (ex_full_eval(x, c->field, one.v[0].value, &o) && o.sel != x->selected) {
                        Change keep = one.v[0];
                        keep.tried = keep.ok = keep.flips = true;
                        keep.out = o;
                        *c = keep;
                    }
                }
                free(one.v);
                if (c->flips) break;
            }
        }
        if (c->flips) {
            out[nflip++] = *c;
        } else if (c->ok && nother < MAX_SHOWN && toward(x, c)) {
            bool dup = false;
            for (int k = 0; k < nother; k++)
                if (other[k].field == c->field) dup = true;
            if (!dup) other[nother++] = *c;
        }
    }
    /* score-moving changes not tried yet (cheapest first), to show how far */
    for (int i = 0; i < cs->n && nflip + nother < MAX_SHOWN && x->passes < MAX_PASSES; i++) {
        Change *c = &cs->v[i];
        if (c->tried || ses_interrupted(x->s)) continue;
        bool dup = false;
        for (int k = 0; k < nflip; k++)
            if (out[k].field == c->field) dup = true;
        for (int k = 0; k < nother; k++)
            if (other[k].field == c->field) dup = true;
        if (dup) continue;
        c->tried = true;
        c->ok = ex_full_eval(x, c->field, c->value, &c->out);
        c->flips = c->ok && c->out.sel != x->selected;
        if (c->flips) out[nflip++] = *c;
        else if (c->ok && toward(x, c)) other[nother++] = *c;
    }
    int n = nflip;
    for (int k = 0; k < nother && n < MAX_SHOWN; k++) {
        bool dup = false;
        for (int j = 0; j < n; j++)
            if (out[j].field == other[k].field) dup = true;
        if (!dup) out[n++] = other[k];
    }
    return n;
}

const char *ex_crit_label(Ex *x, const Criterion *cr, char *buf, size_t len)
{
    if (cr->label) snprintf(buf, len, "%s", cr->label);
    else ex_src_text(x, cr->cond, buf, len);
    return buf;
}

/* "revenue_growth of 10% or more (now 9.41%) would bring +25 points (high
 * growth prospect), fit 40 -> 65, and make Key account (key_account) true"
 * (the select's description, when it has one, beside its name) */
void ex_change_sentence(Ex *x, const Change *c, Str *out)
{
    const Field *f = c->field;
    char nv[NUM_TEXT_MAX], ov[NUM_TEXT_MAX];
    ex_bizfmt(f->ty, &c->value, nv, sizeof nv);
    Value now_v = ses_value(x->s, x->rec, f->index);
    ex_bizfmt(f->ty, &now_v, ov, sizeof ov);
    const char *more = f->ty.kind == TY_DATE ? " or later" : " or more";
    const char *less = f->ty.kind == TY_DATE ? " or earlier" : " or less";
    ex_sadd(out, "%s of %s%s (now %s) would ", f->name.name, nv, c->dir > 0 ? more : c->dir < 0 ? less : "", ov);
    Str parts = {0};
    int nparts = 0;
    const Outcome *a = &x->base, *b = &c->out;
    if (x->score) {
        for (int k = 0; k < x->score->decl->items.len && k < MAX_CRIT; k++) {
            const Criterion *cr = x->score->decl->items.items[k];
            char w[NUM_TEXT_MAX], label[200];
            if (a->crit[k] && b->crit[k] && a->pts[k] != b->pts[k]) {    /* a graded weight moved */
                char w0[NUM_TEXT_MAX];
                num_format_signed(a->pts[k], NUM_PLAIN, w0, sizeof w0);
                num_format_signed(b->pts[k], NUM_PLAIN, w, sizeof w);
                ex_sadd(&parts, "%sgive %s points instead of %s (%s)", nparts++ ? ", " : "", w, w0,
                        ex_crit_label(x, cr, label, sizeof label));
                continue;
            }
            if (a->crit[k] == b->crit[k]) continue;
            /* the points as given where the criterion is met: a graded
               weight's in the changed account (bring) or as it is (lose) */
            num_format_signed(b->crit[k] ? b->pts[k] : a->pts[k], NUM_PLAIN, w, sizeof w);
            ex_sadd(&parts, "%s%s %s points (%s)", nparts++ ? ", " : "", b->crit[k] ? "bring" : "lose", w,
                 ex_crit_label(x, cr, label, sizeof label));
        }
        if (a->score != b->score) {
            char s0[NUM_TEXT_MAX], s1[NUM_TEXT_MAX];
            num_format(a->score, NUM_PLAIN, s0, sizeof s0);
            num_format(b->score, NUM_PLAIN, s1, sizeof s1);
            ex_sadd(&parts, "%s%s %s -> %s", nparts++ ? ", " : "", x->score->name, s0, s1);
        }
    }
    if (b->li.on && a->li.kept && b->li.cond && !b->li.kept) {
        char n[40], rk[40];
        num_format((double)b->li.ncand, NUM_INT, n, sizeof n);
        num_format((double)b->li.rank, NUM_INT, rk, sizeof rk);
        ex_sadd(&parts, "%smove it to rank %s of %s, past ", nparts++ ? ", " : "", rk, n);
        ex_limit_name(x, &b->li, &parts);
    }
    if (b->li.on && b->li.kept && (!a->li.kept || a->li.rank != b->li.rank)) {
        char n[40], rk[40];
        num_format((double)b->li.ncand, NUM_INT, n, sizeof n);
        num_format((double)b->li.rank, NUM_INT, rk, sizeof rk);
        ex_sadd(&parts, "%smove it to rank %s of %s, within ", nparts++ ? ", " : "", rk, n);
        ex_limit_name(x, &b->li, &parts);
    }
    if (nparts) ex_sadd(out, "%s", ex_stext(&parts));
    char title[400];
    if (c->flips) {
        ex_sadd(out, "%smake %s %s", nparts > 1 ? ", and " : nparts ? " and " : "",
                ex_rule_title(x->sel, title, sizeof title), ex_truth(!x->selected));
    } else {
        ex_sadd(out, "%sbut %s stays %s", nparts ? ", " : "leave ", ex_rule_title(x->sel, title, sizeof title),
                ex_truth(x->selected));
        if (b->li.on && b->li.cond && !b->li.kept) {
            char cut[NUM_TEXT_MAX], n[40], rk[40];
            ex_by_text(x, b->li.cut, cut, sizeof cut);
            num_format((double)b->li.ncand, NUM_INT, n, sizeof n);
            num_format((double)b->li.rank, NUM_INT, rk, sizeof rk);
            ex_sadd(out, ": ");
            ex_limit_name(x, &b->li, out);
            if (b->li.keep == 0) ex_sadd(out, " keeps none");
            else ex_sadd(out, " still cuts it (rank %s of %s, cut-off %s)", rk, n, cut);
        }
    }
    free(parts.p);
}

