/* explain.c — `kam explain` and the REPL's :explain (see explain.h). The
 * values behind every condition come from the compiled policy itself: each
 * sub-expression worth showing is compiled as a probe and evaluated with the
 * account, so an explanation cannot disagree with `kam run`. "What would
 * flip it" re-evaluates the account with one field changed at a time
 * (aggregates stay as computed over the portfolio). */
#define _POSIX_C_SOURCE 200809L
#include "explain.h"
#include "../runtime/writer.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* A growing string. */
typedef struct Str {
    char *p;
    size_t len, cap;
} Str;

static void sadd(Str *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sadd(Str *s, const char *fmt, ...)
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

typedef struct Ex {
    Session *s;
    Policy *p;
    Chunk *c;
    Vm *vm;
    int rec;
    Expr **probes;
    int nprobes, capprobes;
    Value *regs;            /* the account's registers after evaluation */
    bool json;
} Ex;

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

/* The account's value of e, or NULL if it was not computed. */
static const Value *value_of(Ex *x, const Expr *e, Value *tmp)
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
        if (e->sym) return &x->regs[e->sym->slot];
        return &x->regs[x->c->today_reg];
    default: {
        int k = probe_index(x, e);
        return k >= 0 ? &x->regs[x->c->probe_reg[k]] : NULL;
    }
    }
}

static void src_text(Ex *x, const Expr *e, char *buf, size_t len)
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

static void fmt(Ex *x, const Expr *e, char *buf, size_t len)
{
    Value tmp;
    const Value *v = value_of(x, e, &tmp);
    Type t = e->ty;
    if (t.flex) t.kind = TY_NUMBER;
    if (!v) snprintf(buf, len, "?");
    else ses_format_value(t, v, buf, len);
}

/* ---------------------------------------------------------- sentences */

static const char *truth(bool b)
{
    return b ? "true" : "false";
}

static bool bool_of(Ex *x, const Expr *e, bool *known)
{
    Value tmp;
    const Value *v = value_of(x, e, &tmp);
    *known = v != NULL && !v->missing;
    return v && v->u.i != 0;
}

static void describe(Ex *x, const Expr *e, int depth, Str *out);

/* "revenue_growth (9%)" for names, "15%" for literals, "expr (value)". */
static void operand(Ex *x, const Expr *e, Str *out)
{
    char text[200], val[120];
    src_text(x, e, text, sizeof text);
    if (e->kind == EX_NUMBER || e->kind == EX_PERCENT || e->kind == EX_DATE || e->kind == EX_STRING ||
        e->kind == EX_BOOL || (e->kind == EX_NAME && e->member >= 0)) {
        sadd(out, "%s", text);
        return;
    }
    fmt(x, e, val, sizeof val);
    sadd(out, "%s (%s)", text, val);
}

static void describe(Ex *x, const Expr *e, int depth, Str *out)
{
    bool known;
    bool b = bool_of(x, e, &known);
    char text[300];
    if (e->kind == EX_NAME && e->sym) {
        sadd(out, "%s is %s", e->sym->name, truth(b));
        if (e->sym->kind == SYM_LET && depth < 2 && e->sym->decl) {
            sadd(out, " (");
            describe(x, e->sym->decl->value, depth + 1, out);
            sadd(out, ")");
        }
        return;
    }
    if (e->kind == EX_UNARY && e->op == OPX_NOT) {
        sadd(out, "not: ");
        describe(x, e->a, depth, out);
        return;
    }
    if (e->kind == EX_BINARY && (e->op == OPX_AND || e->op == OPX_OR)) {
        bool is_and = e->op == OPX_AND;
        bool ka, kb;
        bool va = bool_of(x, e->a, &ka), vb = bool_of(x, e->b, &kb);
        /* the parts that decide: the false ones of a false `and`, the true
           ones of a true `or`; otherwise all */
        bool show_a = true, show_b = true;
        if (known && is_and && !b) { show_a = !va; show_b = !vb && (va || !ka); }
        if (known && !is_and && b) { show_a = va; show_b = vb && !va; }
        if (show_a) describe(x, e->a, depth, out);
        if (show_a && show_b) sadd(out, is_and ? "; and " : "; or ");
        if (show_b) describe(x, e->b, depth, out);
        return;
    }
    if (e->kind == EX_BINARY && e->op >= OPX_EQ && e->op <= OPX_GE) {
        operand(x, e->a, out);
        sadd(out, " %s ", ast_op_text(e->op));
        operand(x, e->b, out);
        sadd(out, ": %s", known ? truth(b) : "?");
        return;
    }
    src_text(x, e, text, sizeof text);
    if (e->ty.kind == TY_BOOL) sadd(out, "`%s` is %s", text, known ? truth(b) : "?");
    else {
        char val[120];
        fmt(x, e, val, sizeof val);
        sadd(out, "`%s` is %s", text, val);
    }
}

/* ------------------------------------------------------- smallest change */

typedef struct Change {
    const Field *field;
    Value value;
    int dir;                /* +1 "or more", -1 "or less", 0 exactly */
    double cost;            /* relative size of the change */
    double gain;            /* points added to the score */
    bool flips;             /* the first select changes */
    const char *label;
} Change;

/* Evaluates the account with field f set to v; returns the register file
 * (x->regs is left as it was). */
static Value *eval_with(Ex *x, const Field *f, Value v)
{
    size_t nf = (size_t)x->s->nfields;
    Value *regs = x->vm->regs;
    memcpy(regs, x->s->vals + (size_t)x->rec * nf, sizeof(Value) * nf);
    x->vm->ordinal = x->rec;
    if (f) regs[x->c->field_reg[f->index]] = v;
    vm_reset_scratch(x->vm);
    if (vm_run(x->vm, x->c->record_pc) != 0) return NULL;
    return regs;
}

/* Candidate single-field changes that would make condition e `want`
 * (true: to meet a criterion; false: to lose one). */
static void candidates(Ex *x, const Expr *e, bool want, int depth, Change *out, int *n, int max)
{
    if (!e || depth > 3 || *n >= max) return;
    if (e->kind == EX_NAME && e->sym && e->sym->kind == SYM_LET && e->sym->decl) {
        candidates(x, e->sym->decl->value, want, depth + 1, out, n, max);
        return;
    }
    if (e->kind == EX_UNARY && e->op == OPX_NOT) {
        candidates(x, e->a, !want, depth + 1, out, n, max);
        return;
    }
    if (e->kind == EX_NAME && e->sym && e->sym->kind == SYM_FIELD && e->ty.kind == TY_BOOL) {
        Change c = {e->sym->field, val_int(want), 0, 1.0, 0, false, NULL};
        out[(*n)++] = c;
        return;
    }
    if (e->kind == EX_BINARY && (e->op == OPX_AND || e->op == OPX_OR)) {
        candidates(x, e->a, want, depth + 1, out, n, max);
        candidates(x, e->b, want, depth + 1, out, n, max);
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
    const Value *target = value_of(x, other, &tmp);
    const Value *now = value_of(x, fe, &tmp);
    if (!target || !now || now->missing) return;
    double t = target->u.num, step;
    switch (fe->ty.kind) {
    case TY_INT: step = 1; break;
    case TY_PERCENT: step = 0.0001; break;
    case TY_MONEY: step = 0.01; break;
    default: step = 0.01;
    }
    double v = op == OPX_GT ? (fe->ty.kind == TY_INT ? floor(t) + 1 : t + step)
             : op == OPX_LT ? (fe->ty.kind == TY_INT ? ceil(t) - 1 : t - step) : t;
    int dir = op == OPX_GT || op == OPX_GE ? 1 : op == OPX_LT || op == OPX_LE ? -1 : 0;
    double base = fabs(now->u.num) > 1e-9 ? fabs(now->u.num) : 1;
    Change c = {fe->sym->field, val_num(v), dir, fabs(v - now->u.num) / base, 0, false, NULL};
    out[(*n)++] = c;
}

static int cmp_change(const void *a, const void *b)
{
    const Change *x = a, *y = b;
    if (x->flips != y->flips) return x->flips ? -1 : 1;
    return (x->cost > y->cost) - (x->cost < y->cost);
}

/* ------------------------------------------------------------ rendering */

static void json_str(FILE *out, const char *s)
{
    diag_json_string(out, s);
}

static void line(Ex *x, FILE *out, bool *first, const char *section, const char *name,
                 const char *value, const char *why)
{
    if (x->json) {
        fputs(*first ? "\n  {" : ",\n  {", out);
        *first = false;
        fputs("\"section\":", out);
        json_str(out, section);
        fputs(",\"name\":", out);
        json_str(out, name);
        fputs(",\"value\":", out);
        json_str(out, value);
        fputs(",\"why\":", out);
        json_str(out, why);
        fputc('}', out);
    } else {
        fprintf(out, "  %s: %s%s%s\n", name, value, why[0] ? " — " : "", why);
    }
}

int explain_record(Session *s, int rec, FILE *out, bool json)
{
    if (!s->pol || rec < 0 || rec >= s->nrec) {
        fprintf(s->err, "kam: nothing to explain (load a policy and data)\n");
        return -1;
    }
    Ex x = {0};
    x.s = s;
    x.p = s->pol;
    x.rec = rec;
    x.json = json;
    Policy *p = s->pol;
    for (int i = 0; i < p->nsyms; i++) {
        Sym *sy = p->syms[i];
        Decl *d = sy->decl;
        if (!d) continue;
        switch (sy->kind) {
        case SYM_LET: case SYM_SELECT: case SYM_ENTITLE: case SYM_FLAG:
            add_probes(&x, d->value, 0);
            break;
        case SYM_SCORE:
            for (int k = 0; k < d->items.len; k++) add_probes(&x, ((Criterion *)d->items.items[k])->cond, 0);
            break;
        case SYM_TIER:
            for (int k = 0; k < d->items.len; k++) add_probes(&x, ((TierBranch *)d->items.items[k])->cond, 0);
            break;
        case SYM_STAGES:
            for (int k = 0; k < d->items.len; k++) add_probes(&x, ((Transition *)d->items.items[k])->cond, 0);
            break;
        default:
            break;
        }
    }
    DiagList dl;
    diag_init(&dl);
    x.c = cg_compile(p, x.probes, x.nprobes, &dl);
    diag_free(&dl);
    if (!x.c) {
        fprintf(s->err, "kam: cannot compile the explanation\n");
        free(x.probes);
        return -1;
    }
    x.vm = ses_prepare(s, x.c);
    Value *regs = eval_with(&x, NULL, val_int(0));
    if (!regs || (x.c->probe_pc >= 0 && vm_run(x.vm, x.c->probe_pc) != 0)) {
        char kb[256];
        fprintf(s->err, "kam: %s: %s\n", wr_display(s->keys[rec], strlen(s->keys[rec]), kb, sizeof kb),
                x.vm->err ? x.vm->err : "cannot be evaluated");
        vm_free(x.vm);
        cg_free(x.c);
        free(x.probes);
        return -1;
    }
    x.regs = xmalloc(sizeof(Value) * (size_t)x.c->nregs);
    memcpy(x.regs, regs, sizeof(Value) * (size_t)x.c->nregs);

    bool first = true;
    Str why = {0};
    char val[200], buf[300];
    if (json) {
        fputs("{\"id\":", out);
        json_str(out, s->keys[rec]);
        fputs(",\"explanation\":[", out);
    } else {
        char kb[256];
        fprintf(out, "%s (line %ld)\n", wr_display(s->keys[rec], strlen(s->keys[rec]), kb, sizeof kb),
                s->lines[rec]);
    }
    /* scores, criterion by criterion */
    const Sym *first_select = NULL, *first_score = NULL;
    for (int i = 0; i < p->nsyms; i++) {
        const Sym *sy = p->syms[i];
        if (sy->kind == SYM_SELECT && !first_select) first_select = sy;
        if (sy->kind != SYM_SCORE) continue;
        if (!first_score) first_score = sy;
        wr_format_number(x.regs[sy->slot].u.num, val);
        if (!json) fprintf(out, "score %s = %s\n", sy->name, val);
        else line(&x, out, &first, "score", sy->name, val, "");
        for (int k = 0; k < sy->decl->items.len; k++) {
            Criterion *cr = sy->decl->items.items[k];
            bool known;
            bool met = bool_of(&x, cr->cond, &known);
            Value tmp;
            const Value *w = value_of(&x, cr->weight, &tmp);
            char wtext[40];
            wr_format_number(w ? w->u.num : 0, wtext);
            why.len = 0;
            if (why.p) why.p[0] = '\0';
            describe(&x, cr->cond, 0, &why);
            char label[200];
            if (cr->label) snprintf(label, sizeof label, "%s", cr->label);
            else src_text(&x, cr->cond, label, sizeof label);
            if (json) {
                snprintf(val, sizeof val, "%s", met ? wtext : "0");
                snprintf(buf, sizeof buf, "%s.%s", sy->name, label);
                line(&x, out, &first, "criterion", buf, val, why.p ? why.p : "");
            } else {
                fprintf(out, "  %s %-5s %s: %s\n", met ? "+" : " ", met ? wtext : "0",
                        label, why.p ? why.p : "");
                if (!met) fprintf(out, "          (would add %s points)\n", wtext);
            }
        }
    }
    /* selects, with the distance to a score threshold */
    for (int i = 0; i < p->nsyms; i++) {
        const Sym *sy = p->syms[i];
        if (sy->kind != SYM_SELECT) continue;
        why.len = 0;
        if (why.p) why.p[0] = '\0';
        describe(&x, sy->decl->value, 0, &why);
        const char *v = truth(x.regs[sy->slot].u.i != 0);
        if (json) line(&x, out, &first, "select", sy->name, v, why.p ? why.p : "");
        else fprintf(out, "select %s = %s: %s\n", sy->name, v, why.p ? why.p : "");
    }
    /* the smallest single change that flips the first select */
    if (first_select && first_score) {
        Change cands[64];
        int n = 0;
        bool selected = x.regs[first_select->slot].u.i != 0;
        /* unselected: what would meet a criterion; selected: what would lose one */
        for (int k = 0; k < first_score->decl->items.len; k++) {
            Criterion *cr = first_score->decl->items.items[k];
            bool known;
            if (bool_of(&x, cr->cond, &known) != selected) continue;
            int before = n;
            candidates(&x, cr->cond, !selected, 0, cands, &n, 64);
            for (int j = before; j < n; j++) cands[j].label = cr->label;
        }
        double fit = x.regs[first_score->slot].u.num;
        int good = 0;
        for (int j = 0; j < n; j++) {
            Value *r = eval_with(&x, cands[j].field, cands[j].value);
            if (!r) continue;
            cands[j].gain = r[first_score->slot].u.num - fit;
            cands[j].flips = (r[first_select->slot].u.i != 0) != selected;
            if (cands[j].gain != 0 || cands[j].flips) cands[good++] = cands[j];
        }
        qsort(cands, (size_t)good, sizeof(Change), cmp_change);
        int shown = 0;
        for (int j = 0; j < good && shown < 3; j++) {
            bool dup = false;
            for (int k = 0; k < j; k++)
                if (cands[k].field == cands[j].field) dup = true;
            if (dup) continue;
            shown++;
            const Field *f = cands[j].field;
            char nv[80], ov[80], g[40];
            ses_format_value(f->ty, &cands[j].value, nv, sizeof nv);
            ses_format_value(f->ty, &s->vals[(size_t)rec * (size_t)s->nfields + (size_t)f->index], ov, sizeof ov);
            wr_format_number(fabs(cands[j].gain), g);
            why.len = 0;
            if (why.p) why.p[0] = '\0';
            sadd(&why, "%s of %s%s (now %s)", f->name.name, nv,
                 cands[j].dir > 0 ? " or more" : cands[j].dir < 0 ? " or less" : "", ov);
            if (cands[j].gain != 0)
                sadd(&why, " would %s %s point%s %s %s", cands[j].gain > 0 ? "add" : "take", g,
                     fabs(cands[j].gain) == 1 ? "" : "s", cands[j].gain > 0 ? "to" : "from",
                     first_score->name);
            else
                sadd(&why, " would");
            if (cands[j].flips)
                sadd(&why, "%s make %s %s", cands[j].gain != 0 ? " and" : "", first_select->name,
                     selected ? "false" : "true");
            else
                sadd(&why, ", not enough on its own to change %s", first_select->name);
            if (json) line(&x, out, &first, "change", f->name.name, nv, why.p);
            else fprintf(out, "%s %s\n", shown == 1 ? "what would change it:" : "                     ", why.p);
        }
        if (!shown && !json)
            fprintf(out, "what would change it: no single field change found\n");
    }
    /* tiers: the branch that matched, and why the ones before did not */
    for (int i = 0; i < p->nsyms; i++) {
        const Sym *sy = p->syms[i];
        if (sy->kind != SYM_TIER) continue;
        const Value *v = &x.regs[sy->slot];
        const char *got = v->missing ? "(none)" : sy->ty.en->members[v->u.i];
        why.len = 0;
        if (why.p) why.p[0] = '\0';
        for (int k = 0; k < sy->decl->items.len; k++) {
            TierBranch *b = sy->decl->items.items[k];
            if (!b->cond) {
                sadd(&why, "%s%s otherwise", why.len ? "; " : "", b->name.name);
                break;
            }
            bool known;
            bool hit = bool_of(&x, b->cond, &known);
            sadd(&why, "%s%s %s (", why.len ? "; " : "", b->name.name, hit ? "matches" : "no");
            describe(&x, b->cond, 1, &why);
            sadd(&why, ")");
            if (hit) break;
        }
        if (json) line(&x, out, &first, "tier", sy->name, got, why.p ? why.p : "");
        else fprintf(out, "tier %s = %s: %s\n", sy->name, got, why.p ? why.p : "");
    }
    /* stages: the transition that fired, or why none did */
    for (int i = 0; i < p->nsyms; i++) {
        const Sym *sy = p->syms[i];
        if (sy->kind != SYM_STAGES) continue;
        const EnumInfo *en = sy->ty.en;
        int cur = -1;
        for (int f = 0; f < p->nfields; f++)
            if (p->fields[f]->ty.kind == TY_STAGE && p->fields[f]->ty.en == en) cur = f;
        if (cur < 0) continue;
        int from = (int)x.regs[x.c->field_reg[cur]].u.i, to = (int)x.regs[sy->slot].u.i;
        why.len = 0;
        if (why.p) why.p[0] = '\0';
        if (from >= en->norder) {
            sadd(&why, "%s is final: no transition leaves it", en->members[from]);
        } else {
            for (int k = 0; k < sy->decl->items.len; k++) {
                Transition *t = sy->decl->items.items[k];
                if (!t->from_any && t->from_member != from) continue;
                bool known;
                bool fired = bool_of(&x, t->cond, &known);
                sadd(&why, "%s%s -> %s %s (", why.len ? "; " : "", t->from.name, t->to.name,
                     fired ? "fired" : "did not fire");
                describe(&x, t->cond, 1, &why);
                sadd(&why, ")");
                if (fired) break;
            }
            if (!why.len) sadd(&why, "no transition leaves %s", en->members[from]);
        }
        snprintf(val, sizeof val, "%s -> %s", en->members[from], en->members[to]);
        if (from == to) snprintf(val, sizeof val, "stays %s", en->members[from]);
        if (json) line(&x, out, &first, "stages", sy->name, en->members[to], why.p);
        else fprintf(out, "stages %s: %s: %s\n", sy->name, val, why.p);
    }
    /* entitlements and flags */
    for (int pass = 0; pass < 2; pass++) {
        bool header = false;
        for (int i = 0; i < p->nsyms; i++) {
            const Sym *sy = p->syms[i];
            if (sy->kind != (pass ? SYM_FLAG : SYM_ENTITLE)) continue;
            why.len = 0;
            if (why.p) why.p[0] = '\0';
            describe(&x, sy->decl->value, 1, &why);
            bool on = x.regs[sy->slot].u.i != 0;
            if (!json && !header) {
                fprintf(out, "%s:\n", pass ? "flags" : "entitlements");
                header = true;
            }
            line(&x, out, &first, pass ? "flag" : "entitlement", sy->name, on ? "yes" : "no",
                 why.p ? why.p : "");
        }
    }
    if (json) fputs("\n]}\n", out);
    free(why.p);
    free(x.regs);
    vm_free(x.vm);
    cg_free(x.c);
    free(x.probes);
    /* the session's chunk is compiled from the same policy: slots agree */
    return 0;
}
