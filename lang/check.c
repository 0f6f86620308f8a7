/* check.c — name resolution and type checking. Turns a parsed Program into
 * a Policy: every name resolved (with "did you mean" when not), every
 * expression typed with units kept honest, optional fields handled, lets
 * free of cycles, stage blocks consistent, and the rules put in an order
 * where each comes after what it reads. The stages and tiers are checked
 * in stages.c, the order worked out in order.c, and policies loaded (with
 * their imports) in load.c. Code generation is not here: see compile.c. */
#define _XOPEN_SOURCE 700
#include "check_int.h"
#include "parse.h"
#include "../stdlib/registry.h"
#include "../runtime/rx.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- symtab */

static unsigned hash_name(const char *s)
{
    unsigned h = 2166136261u;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

Sym *chk_tab_get(const SymTab *t, const char *name)
{
    if (!t->cap) return NULL;
    for (unsigned i = hash_name(name) & (unsigned)(t->cap - 1);; i = (i + 1) & (unsigned)(t->cap - 1)) {
        Sym *s = t->slots[i];
        if (!s) return NULL;
        if (strcmp(s->name, name) == 0) return s;
    }
}

static void tab_put(SymTab *t, Sym *sym)
{
    if ((t->n + 1) * 2 > t->cap) {
        int cap = t->cap ? t->cap * 2 : 64;
        Sym **slots = xcalloc((size_t)cap, sizeof(Sym *));
        for (int i = 0; i < t->cap; i++) {
            Sym *s = t->slots[i];
            if (!s) continue;
            unsigned j = hash_name(s->name) & (unsigned)(cap - 1);
            while (slots[j]) j = (j + 1) & (unsigned)(cap - 1);
            slots[j] = s;
        }
        free(t->slots);
        t->slots = slots;
        t->cap = cap;
    }
    unsigned j = hash_name(sym->name) & (unsigned)(t->cap - 1);
    while (t->slots[j]) j = (j + 1) & (unsigned)(t->cap - 1);
    t->slots[j] = sym;
    t->n++;
}

/* --------------------------------------------------------------- checker */

Diag *chk_err(Checker *c, Span sp, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
Diag *chk_warn(Checker *c, Span sp, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static Diag *vreport(Checker *c, DiagLevel lv, Span sp, const char *code,
                     const char *fmt, va_list ap)
{
    char buf[1024];
    vsnprintf(buf, sizeof buf, fmt, ap);
    return diag_add(c->d, lv, sp, code, "%s", buf);
}

Diag *chk_err(Checker *c, Span sp, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    Diag *g = vreport(c, DIAG_ERROR, sp, code, fmt, ap);
    va_end(ap);
    return g;
}

Diag *chk_warn(Checker *c, Span sp, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    Diag *g = vreport(c, DIAG_WARNING, sp, code, fmt, ap);
    va_end(ap);
    return g;
}

/* Appends "; did you mean 'x'?" to a diagnostic's message, if x exists. */
void chk_did_you_mean(Diag *g, const char *best)
{
    if (!best || !g->msg) return;
    size_t n = strlen(g->msg);
    char *m = xmalloc(n + strlen(best) + 24);
    sprintf(m, "%s; did you mean '%s'?", g->msg, best);
    free(g->msg);
    g->msg = m;
    diag_suggest(g, best);
}

/* Whether `name` occurs as a word in text that syntax-error recovery
 * skipped: then its definition may be lost, and "unknown" would be a
 * cascade, not news. */
bool chk_lost_name(Checker *c, const char *name)
{
    size_t n = strlen(name);
    for (int i = 0; i < c->p->prog.skipped.len; i++) {
        const Span *sp = c->p->prog.skipped.items[i];
        const SrcFile *f = c->p->src.files[sp->file];
        unsigned end = sp->end < f->len ? sp->end : (unsigned)f->len;
        for (unsigned k = sp->start; k + n <= end; k++) {
            if (memcmp(f->text + k, name, n) != 0) continue;
            char before = k ? f->text[k - 1] : ' ', after = k + n < f->len ? f->text[k + n] : ' ';
            bool wb = !(before == '_' || (before >= 'a' && before <= 'z') || (before >= 'A' && before <= 'Z') ||
                        (before >= '0' && before <= '9'));
            bool wa = !(after == '_' || (after >= 'a' && after <= 'z') || (after >= 'A' && after <= 'Z') ||
                        (after >= '0' && after <= '9'));
            if (wb && wa) return true;
        }
    }
    return false;
}

const char *chk_sym_kind_name(SymKind k)
{
    static const char *const n[] = {
#define SYMKIND(tag, noun, word) [SYM_##tag] = noun,
#include "symkinds.def"
#undef SYMKIND
    };
    return n[k];
}

const char *chk_sym_kind_word(SymKind k)
{
    static const char *const n[] = {
#define SYMKIND(tag, noun, word) [SYM_##tag] = word,
#include "symkinds.def"
#undef SYMKIND
    };
    return n[k];
}

bool chk_is_rule(const Sym *s)
{
    return s->kind >= SYM_LET && s->kind != SYM_PORTFOLIO;    /* per account */
}

int chk_line_of(Checker *c, Span sp)
{
    int line, col;
    src_linecol(&c->p->src, sp.file, sp.start, &line, &col);
    return line;
}

static Sym *define(Checker *c, SymKind kind, Ident name, Decl *decl)
{
    Sym *old = chk_tab_get(&c->tab, name.name);
    Sym *s = arena_alloc(c->a, sizeof *s);
    s->kind = kind;
    s->name = name.name;
    s->span = name.span;
    s->decl = decl;
    s->slot = -1;
    if (old) {
        Diag *g = chk_err(c, name.span, "duplicate-definition",
            "'%s' is already defined (as a %s at line %d)", name.name,
            chk_sym_kind_name(old->kind), chk_line_of(c, old->span));
        char note[160];
        snprintf(note, sizeof note, "'%.100s' is first defined here", name.name);
        if (g) diag_relate(g, old->span, note);
        return s;   /* checked, but not reachable by name */
    }
    tab_put(&c->tab, s);
    ptrvec_push(c->a, &c->syms, s);
    return s;
}

/* Candidate names for "did you mean": every symbol, today, and the members
 * of the enum the context expects. */
static const char *closest_name(Checker *c, const char *name, const EnumInfo *hint)
{
    if (diag_full(c->d)) return NULL;       /* not shown anyway: save the time */
    int n = c->syms.len + 1 + (hint ? hint->n : 0);
    const char **cands = xmalloc(sizeof(char *) * (size_t)n);
    int k = 0;
    for (int i = 0; i < c->syms.len; i++) cands[k++] = ((Sym *)c->syms.items[i])->name;
    cands[k++] = "today";
    if (hint)
        for (int i = 0; i < hint->n; i++) cands[k++] = hint->members[i];
    const char *best = diag_closest(name, cands, k);
    free(cands);
    return best;
}

static void add_dep(Checker *c, Sym *s)
{
    s->used = true;
    if (c->cur && c->cur != s) ptrvec_push(c->a, &c->cur->deps, s);
    if (c->cur && c->cur != s && !c->agg) ptrvec_push(c->a, &c->cur->reads, s);
    if (c->agg) ptrvec_push(c->a, &c->agg->refs, s);
}

/* ------------------------------------------------------------- types */

static Type t_err(void) { return ty_make(TY_ERROR); }

static Type t_flex(void)
{
    Type t = ty_make(TY_NUMBER);
    t.flex = true;
    return t;
}

static bool is_err(Type t) { return t.kind == TY_ERROR; }

static const char *tn(Type t, char *buf)
{
    return ty_name(t, buf, 96);
}

/* Whether values of the two types can be compared or mixed in if/??. */
static bool compatible(Type a, Type b)
{
    if (is_err(a) || is_err(b)) return true;
    if (ty_is_numeric(a) && ty_is_numeric(b)) {
        if (a.flex || b.flex) return true;
        return (a.kind == TY_MONEY) == (b.kind == TY_MONEY);
    }
    return ty_same(a, b);
}

/* The type of a value that may be either (assumes compatible). */
static Type unify(Type a, Type b)
{
    if (is_err(a)) return b;
    if (is_err(b)) return a;
    Type r = a;
    if (ty_is_numeric(a) && ty_is_numeric(b)) {
        if (a.flex && b.flex) r = t_flex();
        else if (a.flex) r = b;
        else if (b.flex) r = a;
        else if (a.kind == b.kind) r = a;
        else r = ty_make(TY_NUMBER);
    }
    r.optional = a.optional || b.optional;
    return r;
}

/* The value of a number literal, possibly negated. */
static bool literal_number(const Expr *e, double *v)
{
    if (e->kind == EX_NUMBER || e->kind == EX_PERCENT) {
        *v = e->num;
        return true;
    }
    if (e->kind == EX_UNARY && e->op == OPX_NEG && literal_number(e->a, v)) {
        *v = -*v;
        return true;
    }
    return false;
}

/* A literal where a whole number belongs must be one. */
static bool check_whole(Checker *c, const Expr *e, const char *what)
{
    double v;
    if (literal_number(e, &v) && v != (double)(long long)v) {
        chk_err(c, e->span, "type-mismatch", "%s must be a whole number, not %g", what, v);
        return false;
    }
    return true;
}

/* A number known at compile time: a literal, or a const set to one. */
static bool const_number(const Expr *e, double *v)
{
    if (literal_number(e, v)) return true;
    if (e->kind == EX_NAME && e->sym && e->sym->kind == SYM_CONST && e->sym->decl &&
        e->sym->decl->value != e)
        return literal_number(e->sym->decl->value, v);
    return false;
}

/* Whether a bool expression is constant: 1 always true, 0 always false,
 * -1 depends on the account (or on a param, which --set can change). */
int chk_const_truth(const Expr *e)
{
    double x, y;
    switch (e->kind) {
    case EX_BOOL:
        return e->num != 0;
    case EX_UNARY:
        if (e->op == OPX_NOT) {
            int a = chk_const_truth(e->a);
            return a < 0 ? -1 : !a;
        }
        return -1;
    case EX_BINARY:
        if (e->op == OPX_AND || e->op == OPX_OR) {
            int a = chk_const_truth(e->a), b = chk_const_truth(e->b);
            if (e->op == OPX_AND) return a == 0 || b == 0 ? 0 : a == 1 && b == 1 ? 1 : -1;
            return a == 1 || b == 1 ? 1 : a == 0 && b == 0 ? 0 : -1;
        }
        if (e->op >= OPX_EQ && e->op <= OPX_GE && const_number(e->a, &x) && const_number(e->b, &y)) {
            switch (e->op) {
            case OPX_EQ: return x == y;
            case OPX_NE: return x != y;
            case OPX_LT: return x < y;
            case OPX_LE: return x <= y;
            case OPX_GT: return x > y;
            default: return x >= y;
            }
        }
        return -1;
    default:
        return -1;
    }
}

void chk_warn_constant(Checker *c, const Expr *cond, const char *what)
{
    if (cond->kind == EX_BOOL) return;      /* `when true` says what it means */
    int k = chk_const_truth(cond);
    if (k < 0) return;
    chk_warn(c, cond->span, "constant-condition", "this condition is always %s, so %s %s",
         k ? "true" : "false", what, k ? "always holds" : "never holds");
}

/* ------------------------------------------------------ the percent trap */

/* A percent is a ratio (12% is 0.12), and an unsuffixed number takes the
 * unit of what it meets, so `margin > 20` means 2000%. A flexible constant
 * that meets a percent is therefore read as a fraction only when it is at
 * most 1 in size; above 1 it is an error that shows the fix, and exactly 1
 * (100%, or a forgotten % sign?) a warning in comparisons. */

/* The value of a flexible constant: an unsuffixed number literal, negated
 * or combined with + - * /, or a param, const or let set from one without
 * a declared type. */
static bool flex_value(const Expr *e, double *v, int depth)
{
    double x, y;
    if (depth > 32) return false;           /* a cycle, reported elsewhere */
    switch (e->kind) {
    case EX_NUMBER:
        *v = e->num;
        return true;
    case EX_UNARY:
        if (e->op != OPX_NEG || !flex_value(e->a, v, depth + 1)) return false;
        *v = -*v;
        return true;
    case EX_BINARY:
        if (e->op != OPX_ADD && e->op != OPX_SUB && e->op != OPX_MUL && e->op != OPX_DIV) return false;
        if (!flex_value(e->a, &x, depth + 1) || !flex_value(e->b, &y, depth + 1)) return false;
        if (e->op == OPX_DIV && y == 0) return false;
        *v = e->op == OPX_ADD ? x + y : e->op == OPX_SUB ? x - y : e->op == OPX_MUL ? x * y : x / y;
        return true;
    case EX_NAME: {
        const Sym *s = e->sym;
        if (!s || !s->decl || s->decl->type || !s->decl->value || s->decl->value == e) return false;
        if (s->kind != SYM_PARAM && s->kind != SYM_CONST && s->kind != SYM_LET) return false;
        return flex_value(s->decl->value, v, depth + 1);
    }
    default:
        return false;
    }
}

/* A percentage literal (12%, -3%): its ratio in *v. */
static bool percent_value(const Expr *e, double *v)
{
    if (e->kind == EX_PERCENT) {
        *v = e->num;
        return true;
    }
    if (e->kind == EX_UNARY && e->op == OPX_NEG && percent_value(e->a, v)) {
        *v = -*v;
        return true;
    }
    return false;
}

/* "percent 'margin'", or the percent expression's text if short. */
static const char *percent_desc(Checker *c, const Expr *e, char *buf, size_t len)
{
    if (e->kind == EX_NAME && e->sym) {
        snprintf(buf, len, "percent '%s'", e->sym->name);
        return buf;
    }
    const SrcFile *f = c->p->src.files[e->span.file];
    unsigned n = e->span.end - e->span.start;
    if (e->span.end <= f->len && n <= 40 && !memchr(f->text + e->span.start, '\n', n))
        snprintf(buf, len, "percent `%.*s`", (int)n, f->text + e->span.start);
    else
        snprintf(buf, len, "a percent");
    return buf;
}

/* A number for a message: 20, 2.5, -300, 100000000000000000. */
static const char *num_text(double v, char *buf, size_t len)
{
    if (v == floor(v) && fabs(v) < 1e18) snprintf(buf, len, "%.0f", v);
    else snprintf(buf, len, "%.12g", v);
    return buf;
}

/* lit (a flexible constant) meets the percent pct: `how` says how ("compared
 * with", "added to", ...). one_ok: 1 (100%) is taken as meant, as in
 * `1 - margin`; otherwise it gets a warning. */
static void percent_meet(Checker *c, const Expr *lit, const Expr *pct, const char *how, bool one_ok)
{
    double v;
    if (!flex_value(lit, &v, 0) || fabs(v) < 1 || (fabs(v) == 1 && one_ok)) return;
    char pd[96], n1[40], n2[40], what[160], fix[160];
    percent_desc(c, pct, pd, sizeof pd);
    num_text(v, n1, sizeof n1);
    num_text(v * 100, n2, sizeof n2);
    bool named = lit->kind == EX_NAME && lit->sym;
    if (named) {
        snprintf(what, sizeof what, "'%s' (%s)", lit->sym->name, n1);
        snprintf(fix, sizeof fix, "define '%s' as %s%%", lit->sym->name, n1);
    } else {
        snprintf(what, sizeof what, "%s", n1);
        snprintf(fix, sizeof fix, "write %s%%", n1);
    }
    if (fabs(v) > 1)
        chk_err(c, lit->span, "percent-literal", "%s %s %s would mean %s%%; %s", what, how, pd, n2, fix);
    else
        chk_warn(c, lit->span, "percent-literal", "%s %s %s means %s%%; write %s%% to say so (or "
             "%s%% if that was meant)", what, how, pd, n2, n2, n1);
}

/* Both operands of a comparison or of + and -: whichever is a percent
 * checks the other. */
static void percent_pair(Checker *c, const Expr *a, Type ta, const Expr *b, Type tb,
                         const char *how_a, const char *how_b, bool one_ok)
{
    if (ta.kind == TY_PERCENT && tb.flex) percent_meet(c, b, a, how_b, one_ok);
    if (tb.kind == TY_PERCENT && ta.flex) percent_meet(c, a, b, how_a, one_ok);
}

/* A value given for a percent or a plain-number target (a declared
 * percent, a test's given, a --set value): a flexible constant of 1 or more
 * in size for a percent, or a percentage for a number param whose value in
 * the policy is not a fraction, is an error. `kind` names the target
 * ("param", "field", "let"). */
static void percent_value_for(Checker *c, const Expr *e, Type want, const char *kind,
                              const char *name, const Sym *param)
{
    double v;
    char n1[40], n2[40];
    if (want.kind == TY_PERCENT && flex_value(e, &v, 0) && fabs(v) >= 1) {
        num_text(v, n1, sizeof n1);
        num_text(v * 100, n2, sizeof n2);
        if (fabs(v) > 1)
            chk_err(c, e->span, "percent-literal", "%s for percent %s '%s' would mean %s%%; write %s%%",
                n1, kind, name, n2, n1);
        else
            chk_err(c, e->span, "percent-literal", "%s for percent %s '%s' would mean %s%%; write "
                "%s%% (or %s%% if that was meant)", n1, kind, name, n2, n2, n1);
        return;
    }
    if ((want.kind == TY_NUMBER || want.kind == TY_INT) && param && percent_value(e, &v) && v != 0) {
        double d;
        if (param->decl && param->decl->value && flex_value(param->decl->value, &d, 0) &&
            d != 0 && fabs(d) < 1)
            return;     /* a ratio written as a fraction: 12% is 0.12 as meant */
        num_text(v, n1, sizeof n1);
        num_text(v * 100, n2, sizeof n2);
        chk_err(c, e->span, "percent-literal", "%s is a number: %s%% would mean %s; write %s "
            "(or %s if that was meant)", name, n2, n1, n2, n1);
    }
}

/* ---------------------------------------------------------- expressions */

static Type check(Checker *c, Expr *e, const EnumInfo *hint);
static Type check_let(Checker *c, Sym *s);
static void check_const_value(Checker *c, Sym *s, const char *what);

static bool is_present(Checker *c, const Sym *s)
{
    for (int i = 0; i < c->npresent; i++)
        if (c->present[i] == s) return true;
    return false;
}

/* Checks e and insists that it cannot be missing. */
/* The name after `per` (an aggregate's or a limit's group): a field or
 * rule of enum, stage or string type; optional is fine (the accounts
 * without a value form a group of their own). */
static void check_group(Checker *c, Expr *g)
{
    Type t = check(c, g, NULL);
    char b[96];
    if (is_err(t)) return;
    if (g->member >= 0) {
        chk_err(c, g->span, "type-mismatch", "`per` groups by a field or rule, and '%s' is a "
            "member of an enum", g->str);
        return;
    }
    if (t.kind != TY_ENUM && t.kind != TY_STAGE && t.kind != TY_STRING)
        chk_err(c, g->span, "type-mismatch", "`per` groups by the values of an enum or string "
            "field or rule; '%s' is %s", g->str, tn(t, b));
}

static Type need(Checker *c, Expr *e, const EnumInfo *hint)
{
    Type t = check(c, e, hint);
    if (t.optional) {
        const char *nm = e->kind == EX_NAME ? e->str : NULL;
        char b[96];
        const Expr *in = c->agg ? c->agg->call : NULL;
        SigKind sig = in && in->fn >= 0 ? std_func(in->fn)->sig : SIG_AGG_SAME;
        if (nm && in && in->args.len && !in->where && sig != SIG_AGG_RANK &&
            sig != SIG_AGG_PERCENTILE)
            chk_err(c, e->span, "optional-unhandled",
                "'%s' may be missing (it is %s) for some of the accounts %s() reads: leave "
                "them out with `where %s is not missing`, or give a default, `%s ?? 0`", nm,
                tn(t, b), in->str, nm, nm);
        else if (nm)
            chk_err(c, e->span, "optional-unhandled",
                "'%s' may be missing (it is %s): handle it with `%s ?? default` or "
                "`%s is missing`", nm, tn(t, b), nm, nm);
        else
            chk_err(c, e->span, "optional-unhandled",
                "this value may be missing: handle it with `?? default` or `is missing`");
        t.optional = false;
    }
    return t;
}

Type chk_need_bool(Checker *c, Expr *e, const char *what)
{
    Type t = need(c, e, NULL);
    if (!is_err(t) && t.kind != TY_BOOL) {
        char b[96];
        chk_err(c, e->span, "type-mismatch", "%s must be a bool (true or false), not %s",
            what, tn(t, b));
    }
    return ty_make(TY_BOOL);
}

static Type need_numeric(Checker *c, Expr *e, const char *what)
{
    Type t = need(c, e, NULL);
    if (!is_err(t) && !ty_is_numeric(t)) {
        char b[96];
        chk_err(c, e->span, "type-mismatch", "%s must be a number, not %s", what, tn(t, b));
        return t_err();
    }
    return t;
}

/* Facts "this optional name is present" that hold where e is `truth`. */
static void facts_at(Checker *c, Expr *e, bool truth, int depth);

static void facts(Checker *c, Expr *e, bool truth)
{
    facts_at(c, e, truth, 0);
}

static void facts_at(Checker *c, Expr *e, bool truth, int depth)
{
    if (depth > 64) return;     /* facts that deep are not worth the stack */
    if (e->kind == EX_MISSING && e->a->kind == EX_NAME && e->a->sym) {
        if (e->negated == truth && c->npresent < MAX_PRESENT)
            c->present[c->npresent++] = e->a->sym;
    } else if (e->kind == EX_BINARY && e->op == OPX_AND && truth) {
        facts_at(c, e->a, true, depth + 1);
        facts_at(c, e->b, true, depth + 1);
    } else if (e->kind == EX_BINARY && e->op == OPX_OR && !truth) {
        facts_at(c, e->a, false, depth + 1);
        facts_at(c, e->b, false, depth + 1);
    } else if (e->kind == EX_UNARY && e->op == OPX_NOT) {
        facts_at(c, e->a, !truth, depth + 1);
    }
}

static bool is_loose_name(Checker *c, const Expr *e)
{
    return e->kind == EX_NAME && !chk_tab_get(&c->tab, e->str) && strcmp(e->str, "today") != 0;
}

static const EnumInfo *enum_of(Type t)
{
    return (t.kind == TY_ENUM || t.kind == TY_STAGE) ? t.en : NULL;
}

/* Which enum, tier or stages block has `name` as a member (for a hint when
 * a member is used where no enum is expected). */
static const char *member_owner(Checker *c, const char *name)
{
    for (int i = 0; i < c->syms.len; i++) {
        Sym *s = c->syms.items[i];
        const EnumInfo *en = enum_of(s->ty);
        if (en && (s->kind == SYM_FIELD || s->kind == SYM_TIER || s->kind == SYM_STAGES) &&
            ty_member(en, name) >= 0)
            return s->name;
    }
    return NULL;
}

static Type check_name(Checker *c, Expr *e, const EnumInfo *hint)
{
    if (hint) {
        int m = ty_member(hint, e->str);
        if (m >= 0) {
            e->member = m;
            Type t = ty_make(hint->kind == ENUM_STAGE ? TY_STAGE : TY_ENUM);
            t.en = (EnumInfo *)hint;
            return t;
        }
    }
    Sym *s = chk_tab_get(&c->tab, e->str);
    if (!s && (chk_lost_name(c, e->str) || (hint && hint->incomplete))) return t_err();
    if (!s) {
        if (strcmp(e->str, "today") == 0) {
            if (c->ctx == CTX_CONST) {
                chk_err(c, e->span, "not-constant", "%s must be a constant: 'today' changes "
                    "with --as-of", c->ctx_what);
                return t_err();
            }
            return ty_make(TY_DATE);
        }
        const char *owner = member_owner(c, e->str);
        if (owner && !hint) {
            chk_err(c, e->span, "unknown-name",
                "'%s' is a value of '%s': compare it, as in `%s == %s`", e->str, owner,
                owner, e->str);
            return t_err();
        }
        Diag *g;
        if (hint) {
            g = chk_err(c, e->span, "unknown-member", "'%s' is not a value of %s '%s'", e->str,
                    hint->kind == ENUM_STAGE ? "stages" : hint->kind == ENUM_TIER ? "tier" : "enum",
                    hint->name);
            const char *best = diag_closest(e->str, hint->members, hint->n);
            if (!best) best = closest_name(c, e->str, NULL);
            chk_did_you_mean(g, best);
        } else {
            bool fn = false;
            for (int i = 0; i < std_count() && !fn; i++) fn = strcmp(std_func(i)->name, e->str) == 0;
            if (fn) {   /* `clamp` then `(` on the next line: not a call */
                chk_err(c, e->span, "unknown-name", "'%s' is a function: its `(` goes on the same "
                    "line, as in `%s(...)` (a `(` that starts a line begins something new)",
                    e->str, e->str);
                return t_err();
            }
            g = chk_err(c, e->span, "unknown-name", "unknown name '%s'", e->str);
            chk_did_you_mean(g, closest_name(c, e->str, NULL));
        }
        return t_err();
    }
    e->sym = s;
    if (s->kind == SYM_PORTFOLIO && (c->ctx != CTX_TEST || c->agg)) {
        chk_err(c, e->span, "portfolio-read", "'%s' is a portfolio flag, worked out once after "
            "every account; %s cannot read it (tests' expects and the REPL can)", s->name,
            c->agg ? "an aggregate" : c->ctx == CTX_CONST ? c->ctx_what
            : c->cur && c->cur->kind == SYM_PORTFOLIO ? "another portfolio flag" : "a rule");
        return t_err();
    }
    if (c->ctx == CTX_CONST && s->kind != SYM_PARAM && s->kind != SYM_CONST) {
        chk_err(c, e->span, "not-constant", "%s must be a constant, but '%s' is a %s that "
            "differs from account to account", c->ctx_what, s->name, chk_sym_kind_name(s->kind));
        return t_err();
    }
    if (c->cur && s == c->cur && c->cur->kind == SYM_STAGES) {
        Diag *g = chk_err(c, e->span, "cycle",
                      "'%s' is the stage being computed here; the account's current stage "
                      "is the field '%s'", s->name,
                      c->p->stage_field ? c->p->stage_field->name.name : "?");
        if (c->p->stage_field) diag_suggest(g, c->p->stage_field->name.name);
        return s->ty;   /* typed as usual, so the rest of the line checks quietly */
    }
    if (c->cur && s == c->cur && chk_is_rule(s) && c->agg) {
        add_dep(c, s);          /* an aggregate over itself: order.c shows the cycle */
        return t_err();
    }
    if (c->cur && s == c->cur && chk_is_rule(s)) {
        chk_err(c, e->span, "cycle", "'%s' depends on itself: %s -> %s", s->name, s->name, s->name);
        return t_err();
    }
    add_dep(c, s);
    if ((s->kind == SYM_PARAM || s->kind == SYM_CONST) && s->state != 2)
        check_const_value(c, s, s->kind == SYM_PARAM ? "a param's value" : "a const's value");
    Type t = s->kind == SYM_LET ? check_let(c, s) : s->ty;
    if (t.optional && is_present(c, s)) t.optional = false;
    return t;
}

static Type check_arith(Checker *c, Expr *e, Type l, Type r)
{
    if (is_err(l) || is_err(r)) return t_err();
    char b1[96], b2[96];
    AstOp op = e->op;
    if (l.kind == TY_DATE || r.kind == TY_DATE) {
        if (op == OPX_SUB && l.kind == TY_DATE && r.kind == TY_DATE) return ty_make(TY_INT);
        if ((op == OPX_ADD || op == OPX_SUB) && l.kind == TY_DATE &&
            (r.kind == TY_INT || r.flex)) {
            check_whole(c, e->b, "a number of days");
            return ty_make(TY_DATE);
        }
        if (op == OPX_ADD && r.kind == TY_DATE && (l.kind == TY_INT || l.flex)) {
            check_whole(c, e->a, "a number of days");
            return ty_make(TY_DATE);
        }
        chk_err(c, e->span, "type-mismatch", "cannot apply %s to %s and %s (a date takes "
            "+ or - a number of days; date - date is days)", ast_op_text(op), tn(l, b1), tn(r, b2));
        return t_err();
    }
    if (!ty_is_numeric(l) || !ty_is_numeric(r)) {
        chk_err(c, e->span, "type-mismatch", "%s needs numbers, not %s and %s", ast_op_text(op),
            tn(l, b1), tn(r, b2));
        return t_err();
    }
    bool lm = l.kind == TY_MONEY, rm = r.kind == TY_MONEY;
    if (l.flex && r.flex) return t_flex();
    switch (op) {
    case OPX_ADD:
    case OPX_SUB:
        if (lm && rm) return ty_make(TY_MONEY);
        if (lm || rm) {
            if ((lm && r.flex) || (rm && l.flex)) return ty_make(TY_MONEY);
            chk_err(c, e->span, "unit-mismatch", "cannot %s money and %s: units differ (to apply a "
                "percentage to money, multiply: x * (1 + p))", op == OPX_ADD ? "add" : "subtract",
                tn(lm ? r : l, b1));
            return t_err();
        }
        return unify(l, r);
    case OPX_MUL:
        if (lm && rm) {
            chk_err(c, e->span, "unit-mismatch", "money * money has no meaning; divide to get a ratio");
            return t_err();
        }
        if (lm || rm) return ty_make(TY_MONEY);
        if (l.kind == TY_INT && r.kind == TY_INT) return ty_make(TY_INT);
        if ((l.kind == TY_PERCENT && (r.flex || r.kind == TY_PERCENT)) ||
            (r.kind == TY_PERCENT && l.flex))
            return ty_make(TY_PERCENT);
        return l.flex ? r : r.flex ? l : ty_make(TY_NUMBER);
    case OPX_DIV:
        if (lm && rm) return ty_make(TY_NUMBER);
        if (lm) return ty_make(TY_MONEY);
        if (rm) {
            if (l.flex) {
                chk_err(c, e->span, "unit-mismatch", "a number divided by money has no unit in kam; "
                    "divide money by money for a ratio");
            } else {
                chk_err(c, e->span, "unit-mismatch", "cannot divide %s by money", tn(l, b1));
            }
            return t_err();
        }
        if (l.kind == TY_PERCENT && r.flex) return ty_make(TY_PERCENT);
        return ty_make(TY_NUMBER);
    default:
        return t_err();
    }
}

/* Checks both sides of a comparison, letting a bare enum member on either
 * side take its meaning from the other. */
static void check_pair(Checker *c, Expr *a, Expr *b, Type *ta, Type *tb)
{
    if (is_loose_name(c, a) && !is_loose_name(c, b)) {
        *tb = need(c, b, NULL);
        *ta = need(c, a, enum_of(*tb));
    } else {
        *ta = need(c, a, NULL);
        *tb = need(c, b, enum_of(*ta));
    }
}

/* Whether values of the two types can be compared with op; reports why
 * not. lhs/rhs (may be NULL) are the operands, for the final-stage warning. */
static bool compare_types(Checker *c, Span sp, AstOp op, Type ta, Type tb, const Expr *lhs,
                          const Expr *rhs)
{
    char b1[96], b2[96];
    if (is_err(ta) || is_err(tb)) return true;
    if (!compatible(ta, tb)) {
        if ((ta.kind == TY_STAGE && ty_is_numeric(tb)) || (tb.kind == TY_STAGE && ty_is_numeric(ta))) {
            const EnumInfo *en = ta.kind == TY_STAGE ? ta.en : tb.en;
            /* inside the transitions, the example must use the current-stage field */
            const char *subject = en->name;
            if (c->cur && c->cur->kind == SYM_STAGES && c->p->stage_field)
                subject = c->p->stage_field->name.name;
            chk_err(c, sp, "type-mismatch", "cannot compare %s with a number: stages compare "
                "with stage names, as in `%s >= %s`", tn(ta.kind == TY_STAGE ? ta : tb, b1),
                subject, en->n > 1 ? en->members[1] : en->members[0]);
        } else {
            chk_err(c, sp, (ty_is_numeric(ta) && ty_is_numeric(tb)) ? "unit-mismatch" : "type-mismatch",
                "cannot compare %s with %s", tn(ta, b1), tn(tb, b2));
        }
        return false;
    }
    bool ordering = op == OPX_LT || op == OPX_LE || op == OPX_GT || op == OPX_GE;
    if (!ordering) return true;
    if (ta.kind == TY_BOOL) {
        chk_err(c, sp, "type-mismatch", "bools have no order; use == or !=");
        return false;
    }
    if (ta.kind == TY_ENUM && ta.en && ta.en->kind == ENUM_PLAIN && !ta.en->ordered) {
        chk_err(c, sp, "type-mismatch", "values of %s have no order; use ==, != or `in [...]` (or "
            "declare the field `%s: enum ordered { ... }` to compare by position)", tn(ta, b1),
            ta.en->name);
        return false;
    }
    if (ta.kind == TY_ENUM && !(ta.en && ta.en->ordered)) {
        chk_err(c, sp, "type-mismatch", "values of %s have no order; use ==, != or `in [...]`",
            tn(ta, b1));
        return false;
    }
    if (ta.kind == TY_STAGE) {
        const Expr *fin = rhs && rhs->member >= ta.en->norder ? rhs
                        : lhs && lhs->member >= ta.en->norder ? lhs : NULL;
        if (fin)
            chk_warn(c, sp, "final-stage-order", "'%s' is a final stage, outside the order: "
                 "this comparison is always false; use == or !=", ta.en->members[fin->member]);
    }
    return true;
}

static Type check_call(Checker *c, Expr *e)
{
    bool known;
    int nargs = e->args.len;
    int fi = std_lookup(e->str, nargs, &known);
    char b1[96], b2[96];
    if (fi < 0) {
        for (int i = 0; i < nargs; i++) check(c, e->args.items[i], NULL);
        if (known) {
            int lo = INT_MAX, hi = 0;
            for (int i = 0; i < std_count(); i++) {
                const StdFunc *f = std_func(i);
                if (strcmp(f->name, e->str) != 0) continue;
                if (f->min_args < lo) lo = f->min_args;
                if (f->max_args > hi) hi = f->max_args;
            }
            if (lo == hi)
                chk_err(c, e->span, "arity", "%s takes %d argument%s, not %d", e->str, lo,
                    lo == 1 ? "" : "s", nargs);
            else
                chk_err(c, e->span, "arity", "%s takes %d to %d arguments, not %d", e->str, lo,
                    hi, nargs);
        } else if (chk_tab_get(&c->tab, e->str) && c->cur && c->cur->kind == SYM_SCORE) {
            /* `10 when ok (n) when ...`: a graded weight on the same line */
            chk_err(c, e->name_span, "unknown-function", "'%s' is a %s, not a function: a graded "
                "weight `( ... ) when` after a condition that ends in a name starts its own line",
                e->str, chk_sym_kind_name(chk_tab_get(&c->tab, e->str)->kind));
        } else {
            Diag *g = chk_err(c, e->name_span, "unknown-function", "unknown function '%s'", e->str);
            const char *names[64];
            int n = 0;
            for (int i = 0; i < std_count() && n < 64; i++) names[n++] = std_func(i)->name;
            chk_did_you_mean(g, diag_closest(e->str, names, n));
        }
        return t_err();
    }
    const StdFunc *f = std_func(fi);
    e->fn = fi;
    Expr **args = (Expr **)e->args.items;
    if (e->where && !f->aggregate) {
        chk_err(c, e->where->span, "syntax", "`where` filters an aggregate (total, count, avg, min, "
            "max, rank, percentile), not %s", f->name);
    }
    if (e->per && !f->aggregate) {
        chk_err(c, e->per->span, "syntax", "`per` groups an aggregate (total, count, avg, min, "
            "max, rank, percentile), not %s", f->name);
    }
    if (f->aggregate) {
        if (c->ctx == CTX_CONST) {
            chk_err(c, e->span, "not-constant", "%s must be a constant, not an aggregate",
                c->ctx_what);
            return t_err();
        }
        AggRefs *ar = arena_alloc(c->a, sizeof *ar);
        memset(ar, 0, sizeof *ar);
        ar->call = e;
        ar->owner = c->cur;
        ar->parent = c->agg;    /* an aggregate inside another's argument */
        ar->pos = c->aggrefs.len;
        ptrvec_push(c->a, &c->aggrefs, ar);
        AggRefs *outer = c->agg;
        c->agg = ar;
        /* what the account's own conditions know present does not hold for
           the other accounts an aggregate reads: `if region is missing then
           0 else min(region)` leaves min's region optional */
        int np = c->npresent;
        c->npresent = 0;
        e->agg = c->p->aggs.len;
        ptrvec_push(c->a, &c->p->aggs, e);
        Type t = t_err();
        /* total, count, avg, min and max work the value out only where the
           filter holds, so what it knows present is present in the value
           (`min(region where region is not missing)`); rank and percentile
           also place the account's own value, filter or not */
        bool own = f->sig == SIG_AGG_RANK || f->sig == SIG_AGG_PERCENTILE;
        if (e->where && !own) {
            chk_need_bool(c, e->where, "a `where` filter");
            facts(c, e->where, true);
        }
        if (f->sig == SIG_AGG_COUNT) {
            if (nargs == 1) chk_need_bool(c, args[0], "count's argument");
            t = ty_make(TY_INT);
        } else {
            t = need_numeric(c, args[0], "the aggregated value");
            if (f->sig == SIG_AGG_RANK) t = ty_make(TY_INT);
            else if (f->sig == SIG_AGG_PERCENTILE) t = ty_make(TY_PERCENT);
            else if (!is_err(t) && t.kind == TY_INT && strcmp(f->name, "avg") == 0)
                t = ty_make(TY_NUMBER);
        }
        c->npresent = 0;
        if (e->where && own) chk_need_bool(c, e->where, "a `where` filter");
        if (e->per) check_group(c, e->per);
        c->npresent = np;
        c->agg = outer;
        return t;
    }
    switch (f->sig) {
    case SIG_NUM_SAME:
        return need_numeric(c, args[0], "the argument");
    case SIG_ROUND: {
        Type t = need_numeric(c, args[0], "the argument");
        if (nargs == 2) {
            Type d = need_numeric(c, args[1], "the number of digits");
            if (!is_err(d) && d.kind != TY_INT && !d.flex)
                chk_err(c, args[1]->span, "type-mismatch", "the number of digits must be a whole "
                    "number, not %s", tn(d, b1));
            else
                check_whole(c, args[1], "the number of digits");
        }
        return t;
    }
    case SIG_MINMAX:
    case SIG_CLAMP: {
        Type t = need_numeric(c, args[0], "the argument");
        for (int i = 1; i < nargs; i++) {
            Type u = need_numeric(c, args[i], "the argument");
            if (!compatible(t, u)) {
                chk_err(c, args[i]->span, "unit-mismatch", "%s's arguments must share a unit: "
                    "%s and %s", f->name, tn(t, b1), tn(u, b2));
                t = t_err();
            } else {
                t = unify(t, u);
            }
        }
        for (int i = 0; i < nargs; i++)     /* max(margin, 5): 5 would be 500% */
            for (int j = 0; j < nargs; j++)
                if (i != j && args[j]->ty.kind == TY_PERCENT && args[i]->ty.flex) {
                    percent_meet(c, args[i], args[j], "beside", true);
                    break;
                }
        return t;
    }
    case SIG_DATE_INT:
    case SIG_DATE2_INT:
        for (int i = 0; i < nargs; i++) {
            Type t = need(c, args[i], NULL);
            if (!is_err(t) && t.kind != TY_DATE)
                chk_err(c, args[i]->span, "type-mismatch", "%s takes a date, not %s", f->name,
                    tn(t, b1));
        }
        if (c->ctx == CTX_CONST && f->sig == SIG_DATE_INT) {
            chk_err(c, e->span, "not-constant", "%s must be a constant: %s depends on today",
                c->ctx_what, f->name);
            return t_err();
        }
        return ty_make(TY_INT);
    case SIG_STR_STR:
    case SIG_STR_INT:
    case SIG_STR2_BOOL:
    case SIG_MATCHES:
        for (int i = 0; i < nargs; i++) {
            Type t = need(c, args[i], NULL);
            if (!is_err(t) && t.kind != TY_STRING)
                chk_err(c, args[i]->span, "type-mismatch", "%s takes strings, not %s", f->name,
                    tn(t, b1));
        }
        if (f->sig == SIG_MATCHES) {
            if (args[1]->kind != EX_STRING) {
                chk_err(c, args[1]->span, "not-constant", "the pattern of matches must be a "
                    "string literal");
            } else {
                char msg[256];
                Regex *re = rx_compile(args[1]->str, strlen(args[1]->str), msg, sizeof msg);
                if (!re) chk_err(c, args[1]->span, "bad-regex", "bad regular expression: %s", msg);
                rx_free(re);
            }
        }
        return ty_make(f->sig == SIG_STR_STR ? TY_STRING : f->sig == SIG_STR_INT ? TY_INT
                                                                                 : TY_BOOL);
    case SIG_ENTITLED: {
        Expr *a = args[0];
        Sym *s = a->kind == EX_NAME ? chk_tab_get(&c->tab, a->str) : NULL;
        if (!s && a->kind == EX_NAME && chk_lost_name(c, a->str)) return ty_make(TY_BOOL);
        if (!s || s->kind != SYM_ENTITLE) {
            Diag *g = chk_err(c, a->span, "unknown-name", "entitled() takes the name of an "
                          "entitlement%s%s%s", a->kind == EX_NAME ? "; '" : "",
                          a->kind == EX_NAME ? a->str : "",
                          a->kind == EX_NAME ? "' is not one" : "");
            if (a->kind == EX_NAME) {
                const char *names[256];
                int n = 0;
                for (int i = 0; i < c->syms.len && n < 256; i++) {
                    Sym *t = c->syms.items[i];
                    if (t->kind == SYM_ENTITLE) names[n++] = t->name;
                }
                chk_did_you_mean(g, diag_closest(a->str, names, n));
            }
            return ty_make(TY_BOOL);
        }
        if (c->ctx == CTX_CONST) {
            chk_err(c, e->span, "not-constant", "%s must be a constant", c->ctx_what);
            return t_err();
        }
        if (c->cur == s) {
            chk_err(c, a->span, "cycle", "'%s' depends on itself: %s -> %s", s->name, s->name, s->name);
            return ty_make(TY_BOOL);
        }
        e->sym = s;
        a->sym = s;
        a->ty = ty_make(TY_BOOL);
        add_dep(c, s);
        return ty_make(TY_BOOL);
    }
    default:
        return t_err();
    }
}

static Type check(Checker *c, Expr *e, const EnumInfo *hint)
{
    Type t = t_err();
    char b1[96], b2[96];
    if (c->depth >= MAX_DEPTH) {
        if (!c->too_deep)
            chk_err(c, e->span, "too-deep", "expressions (or definitions that use each other) are "
                "nested more than %d deep here; split them into lets", MAX_DEPTH);
        c->too_deep = true;
        e->ty = t;
        return t;
    }
    c->depth++;
    switch (e->kind) {
    case EX_NUMBER: t = t_flex(); break;
    case EX_PERCENT: t = ty_make(TY_PERCENT); break;
    case EX_STRING: t = ty_make(TY_STRING); break;
    case EX_BOOL: t = ty_make(TY_BOOL); break;
    case EX_DATE: t = ty_make(TY_DATE); break;
    case EX_ERROR: t = t_err(); break;
    case EX_NAME: t = check_name(c, e, hint); break;
    case EX_UNARY:
        if (e->op == OPX_NOT) {
            t = chk_need_bool(c, e->a, "the operand of `not`");
        } else {
            t = need_numeric(c, e->a, "the operand of unary -");
        }
        break;
    case EX_BINARY:
        switch (e->op) {
        case OPX_AND:
        case OPX_OR: {
            chk_need_bool(c, e->a, e->op == OPX_AND ? "the left side of `and`" : "the left side of `or`");
            int saved = c->npresent;
            facts(c, e->a, e->op == OPX_AND);
            chk_need_bool(c, e->b, e->op == OPX_AND ? "the right side of `and`" : "the right side of `or`");
            c->npresent = saved;
            t = ty_make(TY_BOOL);
            break;
        }
        case OPX_COALESCE: {
            Type l = check(c, e->a, hint);
            if (!is_err(l) && !l.optional)
                chk_warn(c, e->a->span, "never-missing", "this value is never missing, so `??` "
                     "never uses its right side");
            Type r = check(c, e->b, enum_of(l) ? enum_of(l) : hint);
            l.optional = false;
            if (!compatible(l, r)) {
                chk_err(c, e->span, "type-mismatch", "the default after ?? must be %s like the "
                    "value before it, not %s", tn(l, b1), tn(r, b2));
                t = t_err();
            } else {
                percent_pair(c, e->a, l, e->b, r, "as the value beside", "as the default for", true);
                t = unify(l, r);
                t.optional = r.optional;
            }
            break;
        }
        case OPX_EQ: case OPX_NE: case OPX_LT: case OPX_LE: case OPX_GT: case OPX_GE: {
            Type ta, tb;
            check_pair(c, e->a, e->b, &ta, &tb);
            if (compare_types(c, e->span, e->op, ta, tb, e->a, e->b))
                percent_pair(c, e->a, ta, e->b, tb, "compared with", "compared with", false);
            t = ty_make(TY_BOOL);
            break;
        }
        default: {
            Type l = need(c, e->a, NULL);
            Type r = need(c, e->b, NULL);
            t = check_arith(c, e, l, r);
            if (!is_err(t) && (e->op == OPX_ADD || e->op == OPX_SUB))
                percent_pair(c, e->a, l, e->b, r, e->op == OPX_ADD ? "added to" : "in a subtraction with",
                             e->op == OPX_ADD ? "added to" : "subtracted from", true);
        }
        }
        break;
    case EX_IN: {
        Type ta = need(c, e->a, NULL);
        for (int i = 0; i < e->args.len; i++) {
            Expr *x = e->args.items[i];
            Type tx = need(c, x, enum_of(ta));
            if (compare_types(c, x->span, OPX_EQ, ta, tx, NULL, x))
                percent_pair(c, e->a, ta, x, tx, "compared with", "compared with", false);
        }
        t = ty_make(TY_BOOL);
        break;
    }
    case EX_BETWEEN: {
        Type ta = need(c, e->a, NULL);
        Type lo = need(c, e->b, enum_of(ta));
        Type hi = need(c, e->c, enum_of(ta));
        if (compare_types(c, e->b->span, OPX_GE, ta, lo, NULL, e->b) &&
            compare_types(c, e->c->span, OPX_LE, ta, hi, NULL, e->c)) {
            percent_pair(c, e->a, ta, e->b, lo, "compared with", "compared with", false);
            percent_pair(c, e->a, ta, e->c, hi, "compared with", "compared with", false);
        }
        t = ty_make(TY_BOOL);
        break;
    }
    case EX_MISSING: {
        Type ta = check(c, e->a, NULL);
        if (!is_err(ta) && !ta.optional)
            chk_warn(c, e->a->span, "never-missing", "this value is never missing (only fields "
                 "declared with ? can be), so this test is always %s",
                 e->negated ? "true" : "false");
        t = ty_make(TY_BOOL);
        break;
    }
    case EX_IF: {
        chk_need_bool(c, e->a, "the condition of `if`");
        int saved = c->npresent;
        facts(c, e->a, true);
        Type tb = check(c, e->b, hint);
        c->npresent = saved;
        facts(c, e->a, false);
        Type tc = check(c, e->c, enum_of(tb) ? enum_of(tb) : hint);
        c->npresent = saved;
        if (!compatible(tb, tc)) {
            chk_err(c, e->span, "type-mismatch", "the branches of `if` differ: %s and %s",
                tn(tb, b1), tn(tc, b2));
            t = t_err();
        } else {
            percent_pair(c, e->b, tb, e->c, tc, "as the other branch to", "as the other branch to",
                         true);
            t = unify(tb, tc);
        }
        break;
    }
    case EX_CALL:
        t = check_call(c, e);
        break;
    }
    c->depth--;
    e->ty = t;
    return t;
}

/* ------------------------------------------------------------ definitions */

/* The declared type of a param/const/let (no enum members allowed there). */
static Type resolve_type(Checker *c, TypeRef *tr, const char *owner);

static Type check_let(Checker *c, Sym *s)
{
    if (s->state == 2) return s->ty;
    if (s->state == 1) return t_err();      /* a cycle: reported by order_rules */
    s->state = 1;
    Sym *cur = c->cur;
    CheckCtx ctx = c->ctx;
    AggRefs *agg = c->agg;
    int np = c->npresent;
    c->cur = s;
    c->ctx = CTX_RULE;
    c->agg = NULL;
    c->npresent = 0;
    Type t = check(c, s->decl->value, NULL);
    if (s->decl->type) {
        Type want = resolve_type(c, s->decl->type, s->name);
        char b1[96], b2[96];
        if (!compatible(want, t))
            chk_err(c, s->decl->value->span, "type-mismatch", "'%s' is declared %s but its value "
                "is %s", s->name, tn(want, b1), tn(t, b2));
        else if (!is_err(want)) {
            if (!is_err(t)) percent_value_for(c, s->decl->value, want, "let", s->name, NULL);
            t = want;
        }
    }
    c->cur = cur;
    c->ctx = ctx;
    c->agg = agg;
    c->npresent = np;
    s->ty = t;
    s->state = 2;
    return t;
}

static const char *const builtin_types[] = {
    "string", "int", "number", "money", "percent", "bool", "date",
};
static const TypeKind builtin_kinds[] = {
    TY_STRING, TY_INT, TY_NUMBER, TY_MONEY, TY_PERCENT, TY_BOOL, TY_DATE,
};

static Type resolve_type(Checker *c, TypeRef *tr, const char *owner)
{
    Type t = t_err();
    if (!tr->name.name) {
        EnumInfo *en = arena_alloc(c->a, sizeof *en);
        en->name = owner;
        en->kind = ENUM_PLAIN;
        en->ordered = tr->ordered;
        en->n = tr->members.len;
        en->norder = en->n;
        en->members = arena_alloc(c->a, sizeof(char *) * (size_t)(en->n + 1));
        en->spans = arena_alloc(c->a, sizeof(Span) * (size_t)(en->n + 1));
        for (int i = 0; i < en->n; i++) {
            Ident *id = tr->members.items[i];
            for (int j = 0; j < i; j++)
                if (strcmp(en->members[j], id->name) == 0)
                    chk_err(c, id->span, "duplicate-definition", "'%s' is listed twice in this enum",
                        id->name);
            en->members[i] = id->name;
            en->spans[i] = id->span;
        }
        t = ty_make(TY_ENUM);
        t.en = en;
    } else {
        const char *nm = tr->name.name;
        for (size_t i = 0; i < sizeof builtin_types / sizeof builtin_types[0]; i++)
            if (strcmp(nm, builtin_types[i]) == 0) t = ty_make(builtin_kinds[i]);
        if (is_err(t)) {
            Sym *s = chk_tab_get(&c->tab, nm);
            if (s && (s->kind == SYM_STAGES || s->kind == SYM_TIER) && enum_of(s->ty)) {
                t = s->ty;
                t.optional = false;
            } else if (!chk_lost_name(c, nm)) {
                Diag *g = chk_err(c, tr->name.span, "unknown-type", "unknown type '%s' (types are "
                              "string, int, number, money, percent, bool, date, enum { ... } "
                              "and the name of a stages block)", nm);
                const char *cands[32];
                int n = 0;
                for (size_t i = 0; i < sizeof builtin_types / sizeof builtin_types[0]; i++)
                    cands[n++] = builtin_types[i];
                for (int i = 0; i < c->syms.len && n < 32; i++) {
                    Sym *x = c->syms.items[i];
                    if (x->kind == SYM_STAGES) cands[n++] = x->name;
                }
                chk_did_you_mean(g, diag_closest(nm, cands, n));
            }
        }
    }
    t.optional = tr->optional && !is_err(t);
    return t;
}

static void check_record(Checker *c, Decl *d)
{
    Policy *p = c->p;
    p->nfields = d->fields.len;
    p->fields = arena_alloc(c->a, sizeof(Field *) * (size_t)(p->nfields + 1));
    p->key_field = -1;
    for (int i = 0; i < d->fields.len; i++) {
        Field *f = d->fields.items[i];
        f->index = i;
        p->fields[i] = f;
        Sym *s = chk_tab_get(&c->tab, f->name.name);     /* defined before the rules */
        if (!s || s->field != f) s = arena_alloc(c->a, sizeof *s);
        s->field = f;
        f->ty = resolve_type(c, f->type, f->name.name);
        s->ty = f->ty;
        if (f->key) {
            if (p->key_field >= 0)
                chk_err(c, f->name.span, "duplicate-key", "the record already has a key field, '%s'",
                    p->fields[p->key_field]->name.name);
            else
                p->key_field = i;
            if (f->ty.optional)
                chk_err(c, f->type->span, "optional-key", "the key field cannot be optional");
        }
    }
    if (p->key_field < 0) {
        chk_warn(c, d->name.span, "no-key", "record '%s' has no key field (write `key` after a "
             "field's type, as in `id: string key`): accounts will be named by line number",
             d->name.name);
    }
}

/* A graded weight `(expr)`: read like the criterion's condition (fields,
 * lets, params, aggregates), and a plain number of points: an int or a
 * number. Money and percent are refused (a percent is a ratio: 12% is 0.12
 * of a point), bool and the rest are not numbers. */
/* Whether money weight e counts steps of an amount written as a plain
 * number: `revenue / 100k`, also inside clamp(...), round(...) or a sum.
 * Money divided by a number is money in general (revenue / 2 is half the
 * revenue), but as a number of points it can only mean how many 100k the
 * revenue holds: money / money, a plain number. */
static bool money_steps(const Expr *e, int depth)
{
    double v;
    if (depth > 32) return false;
    switch (e->kind) {
    case EX_BINARY:
        if (e->op == OPX_DIV) return flex_value(e->b, &v, 0);
        if (e->op == OPX_ADD || e->op == OPX_SUB || e->op == OPX_MUL)
            return money_steps(e->a, depth + 1) || money_steps(e->b, depth + 1);
        return false;
    case EX_UNARY:
        return e->op == OPX_NEG && money_steps(e->a, depth + 1);
    case EX_CALL:
        return e->args.len > 0 && money_steps(e->args.items[0], depth + 1);
    default:
        return false;
    }
}

static void check_graded(Checker *c, Criterion *cr)
{
    char b[96];
    Type w = need(c, cr->weight, NULL);
    if (is_err(w)) return;
    if (w.kind == TY_MONEY && money_steps(cr->weight, 0)) return;     /* steps of an amount */
    if (w.kind == TY_MONEY)
        chk_err(c, cr->weight->span, "unit-mismatch", "a graded weight is a number of points, not "
            "money: divide by an amount, as in `(revenue / 100k)`");
    else if (w.kind == TY_PERCENT) {
        const SrcFile *f = c->p->src.files[cr->weight->span.file];
        unsigned n = cr->weight->span.end - cr->weight->span.start;
        if (n > 40 || memchr(f->text + cr->weight->span.start, '\n', n)) n = 0;
        chk_err(c, cr->weight->span, "unit-mismatch", "a graded weight is a number of points, not a "
            "percent (12%% would count 0.12 points); divide by 100%% for the plain number, as in "
            "`(%.*s / 100%%)`", n ? (int)n : 5, n ? f->text + cr->weight->span.start : "share");
    }
    else if (!ty_is_numeric(w))
        chk_err(c, cr->weight->span, "type-mismatch", "a graded weight must be a number of points, "
            "not %s", tn(w, b));
}

/* A description or label: not empty, one line. */
static void check_text(Checker *c, const char *text, Span sp, const char *what)
{
    if (!text) return;
    if (!text[0])
        chk_err(c, sp, "bad-description", "%s is empty: write the words, or leave it out", what);
    else if (strchr(text, '\n') || strchr(text, '\r'))
        chk_err(c, sp, "bad-description", "%s is one line: no \\n in it", what);
}

/* The descriptions and labels of one definition. */
static void check_texts(Checker *c, Decl *d)
{
    check_text(c, d->desc, d->desc_span,
               d->kind == D_FLAG || d->kind == D_PORTFOLIO ? "a flag's text" : "a description");
    for (int k = 0; k < d->items.len && d->kind == D_SCORE; k++) {
        Criterion *cr = d->items.items[k];
        check_text(c, cr->label, cr->label_span, "a criterion's label");
    }
    for (int k = 0; k < d->items.len && d->kind == D_TIER; k++) {
        TierBranch *b = d->items.items[k];
        check_text(c, b->label, b->label_span, "a tier branch's label");
    }
    for (int k = 0; k < d->items.len && d->kind == D_STAGES; k++) {
        Transition *t = d->items.items[k];
        check_text(c, t->label, t->label_span, "a transition's label");
    }
    for (int k = 0; k < d->attrs.len && d->kind == D_ENTITLE; k++) {
        Attr *a = d->attrs.items[k];
        check_text(c, a->label, a->label_span, "a term's label");
    }
}

/* The record field an `output` or `display` line names, or -1 (reported). */
static int output_field(Checker *c, const Ident *id, const char *what)
{
    Policy *p = c->p;
    for (int i = 0; i < p->nfields; i++)
        if (strcmp(p->fields[i]->name.name, id->name) == 0) return i;
    if (!p->record || p->record->broken) return -1;
    Diag *g = chk_err(c, id->span, "unknown-name", "%s names a field of record '%s', and '%s' "
                      "is not one", what, p->record->name.name, id->name);
    const char **names = xmalloc(sizeof(char *) * (size_t)(p->nfields + 1));
    for (int i = 0; i < p->nfields; i++) names[i] = p->fields[i]->name.name;
    chk_did_you_mean(g, diag_closest(id->name, names, p->nfields));
    free(names);
    return -1;
}

/* `output f1, f2, ...` and `display f`: at most one of each, record fields;
 * the display field a string. */
static void check_output(Checker *c, const PtrVec *decls)
{
    Policy *p = c->p;
    p->display_field = -1;
    const Decl *out = NULL, *disp = NULL;
    for (int i = 0; i < decls->len; i++) {
        const Decl *d = decls->items[i];
        if (d->kind == D_OUTPUT) {
            if (out) {
                chk_err(c, d->span, "duplicate-definition", "a policy has one `output` line; "
                    "the first is at line %d", chk_line_of(c, out->span));
                continue;
            }
            out = d;
            p->out_fields = arena_alloc(c->a, sizeof(int) * (size_t)(d->order.len + 1));
            for (int k = 0; k < d->order.len; k++) {
                const Ident *id = d->order.items[k];
                int fi = output_field(c, id, "`output`");
                if (fi < 0) continue;
                bool dup = false;
                for (int j = 0; j < p->nout_fields; j++)
                    if (p->out_fields[j] == fi) dup = true;
                if (dup) {
                    chk_err(c, id->span, "duplicate-definition", "'%s' is already in the "
                        "`output` list", id->name);
                    continue;
                }
                p->out_fields[p->nout_fields++] = fi;
            }
        } else if (d->kind == D_DISPLAY) {
            if (disp) {
                chk_err(c, d->span, "duplicate-definition", "a policy has one `display` line; "
                    "the first is at line %d", chk_line_of(c, disp->span));
                continue;
            }
            disp = d;
            const Ident *id = d->order.items[0];
            int fi = output_field(c, id, "`display`");
            if (fi < 0) continue;
            Type t = p->fields[fi]->ty;
            char b[96];
            if (t.kind != TY_STRING && t.kind != TY_ERROR) {
                chk_err(c, id->span, "type-mismatch", "`display` shows a string field beside "
                    "the key; '%s' is %s", id->name, tn(t, b));
                continue;
            }
            p->display_field = fi;
        }
    }
}

/* Types a param or const value; they may refer to each other in any order,
 * so this runs on demand, once each (state as for lets). */
static void check_const_value(Checker *c, Sym *s, const char *what)
{
    if (s->state == 2) return;
    if (s->state == 1) {
        chk_err(c, s->span, "cycle", "'%s' is defined in terms of itself", s->name);
        s->ty = t_err();
        return;
    }
    s->state = 1;
    CheckCtx ctx = c->ctx;
    const char *ctx_what = c->ctx_what;
    Sym *cur = c->cur;
    AggRefs *agg = c->agg;
    c->agg = NULL;
    c->ctx = CTX_CONST;
    c->ctx_what = what;
    c->cur = NULL;
    Type t = need(c, s->decl->value, NULL);
    if (s->decl->type) {
        Type want = resolve_type(c, s->decl->type, s->name);
        char b1[96], b2[96];
        if (want.optional) {
            chk_err(c, s->decl->type->span, "type-mismatch", "a %s cannot be optional",
                chk_sym_kind_name(s->kind));
            want.optional = false;
        }
        if (!compatible(want, t))
            chk_err(c, s->decl->value->span, "type-mismatch", "'%s' is declared %s but its value "
                "is %s", s->name, tn(want, b1), tn(t, b2));
        else if (!is_err(want)) {
            if (!is_err(t)) percent_value_for(c, s->decl->value, want, chk_sym_kind_name(s->kind), s->name, NULL);
            t = want;
        }
        if (want.kind == TY_INT) check_whole(c, s->decl->value, "an int's value");
    }
    c->ctx = ctx;
    c->ctx_what = ctx_what;
    c->cur = cur;
    c->agg = agg;
    s->ty = t;
    s->state = 2;
}

const Expr *policy_account_part(const Expr *e)
{
    if (!e) return NULL;
    if (e->kind == EX_NAME)
        return e->sym && e->member < 0 && (e->sym->kind == SYM_FIELD || chk_is_rule(e->sym)) ? e : NULL;
    if (e->kind == EX_CALL && e->fn >= 0) {
        const StdFunc *f = std_func(e->fn);
        if (f->sig == SIG_ENTITLED) return e;
        if (f->aggregate)
            return e->per || f->sig == SIG_AGG_RANK || f->sig == SIG_AGG_PERCENTILE ? e : NULL;
    }
    const Expr *x = policy_account_part(e->a);
    if (!x) x = policy_account_part(e->b);
    if (!x) x = policy_account_part(e->c);
    for (int i = 0; !x && i < e->args.len; i++) x = policy_account_part(e->args.items[i]);
    return x;
}

/* A portfolio flag has no account: what it reads outside aggregates must
 * be the same for every account. */
static void check_portfolio_cond(Checker *c, const Expr *cond)
{
    const Expr *x = policy_account_part(cond);
    if (!x) return;
    if (x->kind == EX_NAME) {
        chk_err(c, x->span, "account-value", "a portfolio flag is worked out once for the "
            "whole portfolio, but '%s' is a %s, different for each account; read it through "
            "an aggregate, as in `total(%s)` or `count(where %s)`", x->sym->name,
            chk_sym_kind_name(x->sym->kind), x->sym->name, x->sym->name);
        return;
    }
    const StdFunc *f = std_func(x->fn);
    if (x->per)
        chk_err(c, x->span, "account-value", "a portfolio flag is worked out once for the "
            "whole portfolio, so `per` (the account's own group) has no meaning in it; use "
            "the aggregate over every account");
    else if (f->aggregate)
        chk_err(c, x->span, "account-value", "a portfolio flag is worked out once for the "
            "whole portfolio, but %s() is the account's own; use it inside an aggregate's "
            "`where`, as in `total(x where %s(x) <= 5)`", f->name, f->name);
    else
        chk_err(c, x->span, "account-value", "a portfolio flag is worked out once for the "
            "whole portfolio, but %s() is the account's own; count it instead, as in "
            "`count(where %s(...))`", f->name, f->name);
}

/* An `account "KEY" { ... }` block: fields only, not the key field. */
/* A constant a test gives field or param s (`given`, an account block):
 * of s's type, whole for an int, and a percent written as one. Checked in
 * the context the caller set; leaves the context at rules. */
static void given_value(Checker *c, Attr *a, Sym *s)
{
    Type want = s->ty;
    Type t = need(c, a->value, enum_of(want));
    c->ctx = CTX_RULE;
    char b1[96], b2[96];
    want.optional = false;
    if (!compatible(want, t))
        chk_err(c, a->value->span, "type-mismatch", "'%s' is %s, but this value is %s",
            a->name.name, tn(want, b1), tn(t, b2));
    else if (want.kind == TY_INT)
        check_whole(c, a->value, "an int field's value");
    if (!is_err(t) && compatible(want, t))
        percent_value_for(c, a->value, want, chk_sym_kind_name(s->kind), a->name.name,
                          s->kind == SYM_PARAM ? s : NULL);
}

static void check_account(Checker *c, Decl *d, TestAccount *ac, int idx)
{
    Policy *p = c->p;
    for (int j = 0; j < idx; j++) {
        TestAccount *b = d->accounts.items[j];
        if (strcmp(b->key, ac->key) == 0)
            chk_err(c, ac->key_span, "duplicate-definition", "account \"%s\" is already in this "
                "test (line %d); each account has its own key", ac->key, chk_line_of(c, b->key_span));
    }
    for (int i = 0; i < ac->attrs.len; i++) {
        Attr *a = ac->attrs.items[i];
        for (int j = 0; j < i; j++)
            if (strcmp(a->name.name, ((Attr *)ac->attrs.items[j])->name.name) == 0)
                chk_err(c, a->name.span, "duplicate-definition", "'%s' is given twice", a->name.name);
        Sym *s = chk_tab_get(&c->tab, a->name.name);
        if (!s && chk_lost_name(c, a->name.name)) continue;
        c->ctx = CTX_CONST;
        c->ctx_what = "an account's value";
        if (!s || s->kind != SYM_FIELD) {
            Diag *g;
            if (s && s->kind == SYM_PARAM)
                g = chk_err(c, a->name.span, "not-a-field", "'%s' is a param, the same for every "
                        "account: set it in the test's `given { }`", a->name.name);
            else if (s)
                g = chk_err(c, a->name.span, "not-a-field", "an account sets record fields; '%s' "
                        "is a %s, which the policy computes", a->name.name, chk_sym_kind_name(s->kind));
            else {
                g = chk_err(c, a->name.span, "unknown-name", "'%s' is not a field of record '%s'",
                        a->name.name, p->record ? p->record->name.name : "?");
                const char **cands = xmalloc(sizeof(char *) * (size_t)(c->syms.len + 1));
                int n = 0;
                for (int k = 0; k < c->syms.len; k++) {
                    Sym *x = c->syms.items[k];
                    if (x->kind == SYM_FIELD) cands[n++] = x->name;
                }
                chk_did_you_mean(g, diag_closest(a->name.name, cands, n));
                free(cands);
            }
            check(c, a->value, NULL);
            c->ctx = CTX_RULE;
            continue;
        }
        if (s->field && p->key_field >= 0 && s->field == p->fields[p->key_field]) {
            chk_err(c, a->name.span, "not-a-field", "'%s' is the key: an account's key is the "
                "string after `account` (here \"%s\")", a->name.name, ac->key);
            c->ctx = CTX_RULE;
            continue;
        }
        a->sym = s;
        s->used = true;
        given_value(c, a, s);
    }
}

static void check_test(Checker *c, Decl *d)
{
    Policy *p = c->p;
    for (int i = 0; i < d->attrs.len; i++) {
        Attr *a = d->attrs.items[i];
        for (int j = 0; j < i; j++) {
            Attr *b = d->attrs.items[j];
            if (strcmp(a->name.name, b->name.name) == 0)
                chk_err(c, a->name.span, "duplicate-definition", "'%s' is given twice", a->name.name);
        }
        Sym *s = chk_tab_get(&c->tab, a->name.name);
        if (!s && chk_lost_name(c, a->name.name)) continue;
        if (!s || (s->kind != SYM_FIELD && s->kind != SYM_PARAM)) {
            Diag *g;
            if (s)
                g = chk_err(c, a->name.span, "not-a-field", "`given` sets record fields and params; "
                        "'%s' is a %s, which the policy computes", a->name.name,
                        chk_sym_kind_name(s->kind));
            else
                g = chk_err(c, a->name.span, "unknown-name", "'%s' is not a field of record '%s'",
                        a->name.name, p->record ? p->record->name.name : "?");
            if (!s) {
                const char **cands = xmalloc(sizeof(char *) * (size_t)(c->syms.len + 1));
                int n = 0;
                for (int k = 0; k < c->syms.len; k++) {
                    Sym *x = c->syms.items[k];
                    if (x->kind == SYM_FIELD || x->kind == SYM_PARAM) cands[n++] = x->name;
                }
                chk_did_you_mean(g, diag_closest(a->name.name, cands, n));
                free(cands);
            }
            c->ctx = CTX_CONST;
            c->ctx_what = "a given value";
            check(c, a->value, NULL);
            c->ctx = CTX_RULE;
            continue;
        }
        a->sym = s;
        s->used = true;
        c->ctx = CTX_CONST;
        c->ctx_what = "a given value";
        given_value(c, a, s);
    }
    for (int i = 0; i < d->accounts.len; i++) check_account(c, d, d->accounts.items[i], i);
    c->ctx = CTX_TEST;
    for (int i = 0; i < d->items.len; i++) {
        chk_need_bool(c, d->items.items[i], "an expectation");
        const Ident *on = i < d->expect_on.len ? d->expect_on.items[i] : NULL;
        if (!on) continue;
        bool found = false;
        const char *keys[256];
        int nk = 0;
        for (int k = 0; k < d->accounts.len; k++) {
            const TestAccount *ac = d->accounts.items[k];
            if (strcmp(ac->key, on->name) == 0) found = true;
            if (nk < 256) keys[nk++] = ac->key;
        }
        if (found) continue;
        Diag *g;
        if (!d->accounts.len)
            g = chk_err(c, on->span, "unknown-account", "this test has no accounts; `expect "
                "\"KEY\": ...` names one of its `account \"KEY\" { ... }` blocks");
        else
            g = chk_err(c, on->span, "unknown-account", "no account \"%s\" in this test",
                on->name);
        chk_did_you_mean(g, diag_closest(on->name, keys, nk));
    }
    c->ctx = CTX_RULE;
    if (!d->items.len) {
        char name[200];
        size_t k = 0;
        for (const char *q = d->str; *q && k < sizeof name - 3; q++) {
            if (*q == '\n' || *q == '\t') {        /* keep the message on one line */
                name[k++] = '\\';
                name[k++] = *q == '\n' ? 'n' : 't';
            } else if ((unsigned char)*q >= 0x20) {
                name[k++] = *q;
            }
        }
        name[k] = '\0';
        chk_warn(c, d->str_span, "empty-test", "test \"%s\" expects nothing, so it cannot fail",
             name);
    }
}

static void check_limit(Checker *c, Decl *d)
{
    Sym *s = chk_tab_get(&c->tab, d->name.name);
    if (!s || s->kind != SYM_SELECT) {
        Diag *g = chk_err(c, d->name.span, "not-a-select", "`limit` caps a select, and '%s' is %s%s",
                      d->name.name, s ? (s->kind == SYM_ENTITLE ? "an " : "a ") : "",
                      s ? chk_sym_kind_name(s->kind) : "not defined");
        if (!s) {
            const char *names[256];
            int n = 0;
            for (int i = 0; i < c->syms.len && n < 256; i++) {
                Sym *t = c->syms.items[i];
                if (t->kind == SYM_SELECT) names[n++] = t->name;
            }
            chk_did_you_mean(g, diag_closest(d->name.name, names, n));
        }
        return;
    }
    if (s->limit) {
        Diag *g = chk_err(c, d->name.span, "duplicate-definition", "select '%s' already has a limit (line %d)",
            s->name, chk_line_of(c, s->limit->span));
        if (g) diag_relate(g, s->limit->span, "the first limit");
        return;
    }
    s->limit = d;
    c->ctx = CTX_CONST;
    c->ctx_what = "the number in `limit`";
    Type n = need_numeric(c, d->value, "the number in `limit`");
    char b[96];
    if (!is_err(n) && n.kind != TY_INT && !n.flex)
        chk_err(c, d->value->span, "type-mismatch", "the number in `limit` must be a whole "
            "number, not %s", tn(n, b));
    double lim;
    if (literal_number(d->value, &lim) && (lim < 0 || lim != (double)(long long)lim))
        chk_err(c, d->value->span, "bad-literal", "the number in `limit` must be a whole number "
            "of at least 0");
    c->ctx = CTX_RULE;
    c->cur = s;
    Type by = need_numeric(c, d->by, "the ranking after `by`");
    (void)by;
    if (d->per) check_group(c, d->per);
    c->cur = NULL;
}

/* --------------------------------------------------------------- driver */

void chk_program(Checker *c)
{
    Policy *p = c->p;
    PtrVec *decls = &p->prog.decls;
    /* 1. the record's fields first (messages about duplicates then name
       the field as the first definition), then the names of everything */
    for (int i = 0; i < decls->len; i++) {
        Decl *d = decls->items[i];
        if (d->kind != D_RECORD || p->record) continue;
        for (int k = 0; k < d->fields.len; k++) {
            Field *f = d->fields.items[k];
            define(c, SYM_FIELD, f->name, NULL)->field = f;
        }
        break;
    }
    for (int i = 0; i < decls->len; i++) {
        Decl *d = decls->items[i];
        switch (d->kind) {
        case D_POLICY:
            if (d->span.file != 0) break;      /* an imported file's title */
            if (p->title)
                chk_err(c, d->span, "duplicate-definition", "the policy already has a title");
            else
                p->title = d->str;
            break;
        case D_RECORD:
            if (p->record)
                chk_err(c, d->name.span, "duplicate-definition", "a policy has one record block; "
                    "'%s' is already defined at line %d", p->record->name.name,
                    chk_line_of(c, p->record->span));
            else
                p->record = d;
            break;
        case D_PARAM: define(c, SYM_PARAM, d->name, d); break;
        case D_CONST: define(c, SYM_CONST, d->name, d); break;
        case D_LET: define(c, SYM_LET, d->name, d); break;
        case D_SCORE: define(c, SYM_SCORE, d->name, d)->ty = ty_make(TY_NUMBER); break;
        case D_SELECT: define(c, SYM_SELECT, d->name, d)->ty = ty_make(TY_BOOL); break;
        case D_TIER: {
            Sym *s = define(c, SYM_TIER, d->name, d);
            s->ty = ty_make(TY_ENUM);
            s->ty.en = chk_tier_enum(c, d);
            break;
        }
        case D_STAGES: {
            Sym *s = define(c, SYM_STAGES, d->name, d);
            s->ty = ty_make(TY_STAGE);
            s->ty.en = chk_stage_enum(c, d);
            if (!p->stages) p->stages = s;
            break;
        }
        case D_ENTITLE: define(c, SYM_ENTITLE, d->name, d)->ty = ty_make(TY_BOOL); break;
        case D_FLAG: define(c, SYM_FLAG, d->name, d)->ty = ty_make(TY_BOOL); break;
        case D_PORTFOLIO: define(c, SYM_PORTFOLIO, d->name, d)->ty = ty_make(TY_BOOL); break;
        case D_TEST: ptrvec_push(c->a, &p->tests, d); break;
        case D_IMPORT:
        case D_LIMIT:
        case D_OUTPUT:
        case D_DISPLAY:
            break;
        }
        check_texts(c, d);
    }
    if (p->record) check_record(c, p->record);
    check_output(c, decls);
    if (!p->record) {
        Span sp = {0, 0, 0};
        chk_err(c, sp, "no-record", "the policy has no `record` block describing an account's "
            "fields, as in `record account { id: string key ... }`");
    }
    /* 2. params and consts first (rules read them) */
    for (int i = 0; i < c->syms.len; i++) {
        Sym *s = c->syms.items[i];
        if (s->kind == SYM_PARAM) check_const_value(c, s, "a param's value");
        else if (s->kind == SYM_CONST) check_const_value(c, s, "a const's value");
    }
    /* 3. rule bodies, in definition order */
    for (int i = 0; i < decls->len; i++) {
        Decl *d = decls->items[i];
        bool named_rule = (d->kind >= D_LET && d->kind <= D_FLAG) || d->kind == D_PORTFOLIO;
        Sym *s = named_rule ? chk_tab_get(&c->tab, d->name.name) : NULL;
        if (s && s->decl != d) s = NULL;     /* a duplicate: its body is still checked */
        Sym scratch = {0};
        if (!s && named_rule) {
            scratch.name = d->name.name;
            scratch.decl = d;
            scratch.kind = SYM_LET;
            s = &scratch;
        }
        c->cur = NULL;
        c->npresent = 0;
        switch (d->kind) {
        case D_LET:
            check_let(c, s);
            break;
        case D_SCORE:
            if (!d->items.len)
                chk_warn(c, d->name.span, "empty-block", "score '%s' has no criteria, so it is "
                     "always 0", d->name.name);
            for (int k = 0; k < d->items.len; k++) {
                Criterion *cr = d->items.items[k];
                c->ctx = CTX_RULE;
                c->cur = s;
                chk_need_bool(c, cr->cond, "a criterion's condition");
                chk_warn_constant(c, cr->cond, "the criterion");
                if (cr->graded) {
                    /* read where the condition holds: what it knows present
                       is present here (`(visits ?? 0) when visits is not
                       missing` needs no ??) */
                    int np = c->npresent;
                    facts(c, cr->cond, true);
                    check_graded(c, cr);
                    c->npresent = np;
                }
                c->cur = NULL;
                if (cr->graded) continue;
                c->ctx = CTX_CONST;
                c->ctx_what = "a weight";
                Type w = need_numeric(c, cr->weight, "a weight");
                char b[96];
                if (!is_err(w) && w.kind == TY_MONEY)
                    chk_err(c, cr->weight->span, "unit-mismatch", "a weight is a number of points, "
                        "not %s", tn(w, b));
                c->ctx = CTX_RULE;
            }
            break;
        case D_SELECT:
        case D_FLAG:
            c->cur = s;
            chk_need_bool(c, d->value, d->kind == D_SELECT ? "a select's condition"
                                                       : "a flag's condition");
            chk_warn_constant(c, d->value, d->kind == D_SELECT ? "the select" : "the flag");
            break;
        case D_PORTFOLIO:
            c->cur = s;
            chk_need_bool(c, d->value, "a portfolio flag's condition");
            chk_warn_constant(c, d->value, "the portfolio flag");
            check_portfolio_cond(c, d->value);
            break;
        case D_ENTITLE:
            c->cur = s;
            chk_need_bool(c, d->value, "an entitlement's condition");
            chk_warn_constant(c, d->value, "the entitlement");
            for (int k = 0; k < d->attrs.len; k++) {
                Attr *a = d->attrs.items[k];
                for (int j = 0; j < k; j++)
                    if (strcmp(((Attr *)d->attrs.items[j])->name.name, a->name.name) == 0)
                        chk_err(c, a->name.span, "duplicate-definition", "'%s' is set twice",
                            a->name.name);
                need(c, a->value, NULL);
            }
            break;
        case D_TIER:
            if (s->kind == SYM_TIER) chk_tier(c, s);
            break;
        case D_STAGES:
            if (s->kind == SYM_STAGES) chk_stages(c, s);
            break;
        case D_LIMIT:
            check_limit(c, d);
            break;
        case D_TEST:
            check_test(c, d);
            break;
        default:
            break;
        }
        c->cur = NULL;
    }
    /* 4. cycles, evaluation order, aggregates */
    chk_order_rules(c);
    p->syms = (Sym **)c->syms.items;
    p->nsyms = c->syms.len;
}

const char *policy_desc(const Sym *s)
{
    return s && s->decl ? s->decl->desc : NULL;
}

Type policy_check_expr(Policy *p, Expr *e, DiagList *diags, bool constant, Type want,
                       const char *what)
{
    Checker c = {0};
    c.p = p;
    c.d = diags;
    c.a = &p->arena;
    c.tab = *(SymTab *)p->symtab;     /* borrowed: nothing is defined here */
    c.syms.items = (void **)p->syms;
    c.syms.len = c.syms.cap = p->nsyms;
    c.ctx = constant ? CTX_CONST : CTX_TEST;
    c.ctx_what = what;
    Type t = need(&c, e, enum_of(want));
    char b1[96], b2[96];
    if (want.kind != TY_ERROR && !compatible(want, t)) {
        chk_err(&c, e->span, "type-mismatch", "%s must be %s, not %s", what, tn(want, b1), tn(t, b2));
        return t_err();
    }
    /* aggregates registered here extend p->aggs, which the caller compiles */
    return t;
}

void policy_check_unit(Policy *p, const Expr *e, const Sym *target, DiagList *diags)
{
    Checker c = {0};
    c.p = p;
    c.d = diags;
    c.a = &p->arena;
    if (e->ty.kind == TY_ERROR) return;
    percent_value_for(&c, e, target->ty, chk_sym_kind_name(target->kind), target->name,
                      target->kind == SYM_PARAM ? target : NULL);
}
