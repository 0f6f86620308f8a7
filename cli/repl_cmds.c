/* repl_cmds.c — the REPL's commands and its dispatch, without readline
 * (see repl_cmds.h): the command table, :help, evaluating an expression over
 * the accounts (counts, min/mean/max, bars), :diff, :sweep, :show, :disasm,
 * :whatifs, and joining physical lines into complete inputs. cli/repl.c
 * keeps the terminal (readline, history, completion, Ctrl-C) and the read
 * loop; fuzz/fuzz_repl.c drives the same dispatch. Evaluation itself is
 * session.c's. */
#define _POSIX_C_SOURCE 200809L
#include "repl_cmds.h"
#include "cli.h"
#include "explain.h"
#include "../runtime/writer.h"
#include "../stdlib/registry.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

const ReplCommand repl_commands[] = {
    {":load", "POLICY", "load a policy (its definitions replace the session's)"},
    {":data", "FILE", "load account records (CSV, .jsonl, .sqlite, .xlsx)"},
    {":reload", "", "read the policy and data files again"},
    {":show", "NAME", "a field's or rule's definition and type (and value, when focused)"},
    {":type", "EXPR", "the type of an expression"},
    {":set", "PARAM = VALUE", "what-if: give a param another value"},
    {":reset", "", "drop every what-if (:set, :where, definitions typed here)"},
    {":whatifs", "", "the what-ifs in force: :set values, :where, definitions typed here"},
    {":errors", "", "the accounts the last evaluation could not evaluate, and why"},
    {":diff", "", "accounts whose outcome differs from the baseline"},
    {":explain", "KEY", "why an account got its outcome, in sentences"},
    {":account", "[KEY]", "focus one account (bare expressions show its value); alone: unfocus"},
    {":where", "[EXPR]", "restrict the accounts considered; alone: all again"},
    {":portfolio", "", "the portfolio flags: raised or not, once for all the accounts"},
    {":sweep", "PARAM FROM..TO step S", "how counts change across a param's range"},
    {":timer", "[on|off]", "say how long each input took (wall and CPU seconds, on stderr)"},
    {":disasm", "[NAME]", "the bytecode of a rule (or all)"},
    {":help", "[CMD]", "this list, or one command"},
    {":quit", "", "leave (Ctrl-D too)"},
};
const int repl_ncommands = (int)(sizeof repl_commands / sizeof repl_commands[0]);
enum { NCOMMANDS = sizeof repl_commands / sizeof repl_commands[0] };

const ReplCommand *repl_command(const char *name, size_t n, int *matches)
{
    const ReplCommand *found = NULL;
    int m = 0;
    for (int i = 0; i < NCOMMANDS; i++) {
        if (strlen(repl_commands[i].name) == n && strncmp(repl_commands[i].name, name, n) == 0) {
            found = &repl_commands[i];
            m = 1;
            break;
        }
        if (strncmp(repl_commands[i].name, name, n) == 0) {
            found = &repl_commands[i];
            m++;
        }
    }
    if (matches) *matches = m;
    return m == 1 ? found : NULL;
}

bool repl_is_name_char(char c)
{
    return c == '_' || isalnum((unsigned char)c);
}

/* `output name, segment` or `display name` (keywords.def's KW_TOP words):
 * a definition when the word begins the line and a name that is not a
 * reserved word follows, as the lexer decides; else an expression (a field
 * may be called `display`). Returns the word, or NULL. */
static const char *top_definition(const char *line)
{
    static const char *const top[] = {
#define TOP_KW_DEFINE(w)
#define TOP_KW_RESERVED(w)
#define TOP_KW_KEY(w)
#define TOP_KW_STAGES(w)
#define TOP_KW_ENUM(w)
#define TOP_KW_TOP(w) #w,
#define TOP_KW_PER(w)
#define KEYWORD(w, tok, cls) TOP_##cls(w)
#include "../lang/keywords.def"
#undef KEYWORD
        NULL};
    static const char *const reserved[] = {
#define RES_KW_DEFINE(w) #w,
#define RES_KW_RESERVED(w) #w,
#define RES_KW_KEY(w)
#define RES_KW_STAGES(w)
#define RES_KW_ENUM(w)
#define RES_KW_TOP(w)
#define RES_KW_PER(w)
#define KEYWORD(w, tok, cls) RES_##cls(w)
#include "../lang/keywords.def"
#undef KEYWORD
        NULL};
    for (int i = 0; top[i]; i++) {
        size_t n = strlen(top[i]);
        if (strncmp(line, top[i], n) != 0 || (line[n] != ' ' && line[n] != '\t')) continue;
        const char *p = line + n;
        while (*p == ' ' || *p == '\t') p++;
        size_t k = 0;
        while (repl_is_name_char(p[k])) k++;
        if (strcmp(top[i], "portfolio") == 0)      /* only `portfolio flag NAME` */
            return k == 4 && strncmp(p, "flag", 4) == 0 && (p[4] == ' ' || p[4] == '\t') ? top[i] : NULL;
        if (!k || isdigit((unsigned char)p[0])) return NULL;
        for (int r = 0; reserved[r]; r++)
            if (strlen(reserved[r]) == k && strncmp(reserved[r], p, k) == 0) return NULL;
        return top[i];
    }
    return NULL;
}

/* Whether a line typed at the prompt begins a definition (a rule, param,
 * const or limit; or `output` / `display`). */
static bool is_definition(const char *line)
{
    return cli_is_definition(line) || top_definition(line) != NULL;
}

/* ses_parse_expr. Built for fuzzing (KAM_FUZZING), it is also the fuzz
 * harness's oracle: an expression that checked must have a type; TY_ERROR
 * means "already reported, stay quiet", and if nothing was reported the REPL
 * would evaluate an unchecked expression. */
static Expr *parse_input(Session *s, const char *text, const char *label, Type want)
{
    Expr *e = ses_parse_expr(s, text, label, want);
#ifdef KAM_FUZZING
    if (e && e->ty.kind == TY_ERROR) {
        fprintf(stderr, "fuzz_repl: '%s' checked without errors but has no type\n", text);
        abort();
    }
#endif
    return e;
}

/* ----------------------------------------------------------------- output */

/* A bar of width proportional to n/max, at most 30 characters. */
static void bar(FILE *out, long n, long max)
{
    int w = max > 0 ? (int)((double)n * 30 / (double)max + 0.5) : 0;
    for (int i = 0; i < w; i++) fputs("\u2588", out);
    for (int i = w; i < 30; i++) fputc(' ', out);
}

typedef struct Summary {
    Type t;
    long n, ntrue, nmissing;
    double min, max, sum;
    long *members;          /* counts per enum/stage member */
    int focus;
    char focus_text[1024];
    const char *ent;        /* an entitlement asked about (by name or entitled()) */
    char terms_text[1024];  /* its terms for the focused account, when held */
} Summary;

static void summarize(Session *s, int rec, const Value *regs, const Chunk *c, void *ud)
{
    Summary *sm = ud;
    const Value *v = &regs[c->probe_reg[0]];
    if (rec == sm->focus) {
        ses_format_value(sm->t, v, sm->focus_text, sizeof sm->focus_text);
        const ChunkOut *o = sm->ent ? fmt_chunk_out(c, sm->ent) : NULL;
        if (o && !v->missing && v->u.i) fmt_terms_text(o, regs, sm->terms_text, sizeof sm->terms_text);
    }
    (void)s;
    sm->n++;
    if (v->missing) {
        sm->nmissing++;
        return;
    }
    switch (sm->t.kind) {
    case TY_BOOL: sm->ntrue += v->u.i != 0; break;
    case TY_ENUM:
    case TY_STAGE:
        if (sm->members && v->u.i >= 0 && v->u.i < sm->t.en->n) sm->members[v->u.i]++;
        break;
    case TY_STRING: break;
    case TY_DATE: {
        double d = (double)v->u.i;
        if (sm->n - sm->nmissing == 1 || d < sm->min) sm->min = d;
        if (sm->n - sm->nmissing == 1 || d > sm->max) sm->max = d;
        break;
    }
    default:
        if (sm->n - sm->nmissing == 1 || v->u.num < sm->min) sm->min = v->u.num;
        if (sm->n - sm->nmissing == 1 || v->u.num > sm->max) sm->max = v->u.num;
        sm->sum += v->u.num;
    }
}

/* Whether e names a portfolio flag. */
static bool reads_portfolio(const Expr *e)
{
    if (!e) return false;
    if (e->kind == EX_NAME && e->sym && e->member < 0 && e->sym->kind == SYM_PORTFOLIO) return true;
    if (reads_portfolio(e->a) || reads_portfolio(e->b) || reads_portfolio(e->c)) return true;
    for (int i = 0; i < e->args.len; i++)
        if (reads_portfolio(e->args.items[i])) return true;
    return false;
}

static void eval_expression(Session *s, const char *text)
{
    Type any = ty_make(TY_ERROR);
    Expr *e = parse_input(s, text, "<input>", any);
    if (!e) return;
    if (!s->nrec) {
        char tb[96];
        fprintf(s->out, "%s (no accounts loaded: :data FILE)\n", ty_name(e->ty, tb, sizeof tb));
        return;
    }
    Summary sm = {0};
    sm.t = e->ty;
    sm.focus = s->focus;
    /* `priority_support` or `entitled(priority_support)`: with its terms */
    const Expr *ent = e;
    if (ent->kind == EX_CALL && ent->args.len == 1 && std_func(ent->fn)->sig == SIG_ENTITLED)
        ent = ent->args.items[0];
    const Sym *es = ent->kind == EX_NAME && ent->str ? policy_sym(s->pol, ent->str) : NULL;
    if (es && es->kind == SYM_ENTITLE) sm.ent = es->name;
    if ((sm.t.kind == TY_ENUM || sm.t.kind == TY_STAGE) && sm.t.en)
        sm.members = xcalloc((size_t)sm.t.en->n + 1, sizeof(long));
    bool focused = s->focus >= 0;
    /* `concentration`: a portfolio flag is one value for the whole
       portfolio, not a count of accounts */
    bool whole = reads_portfolio(e) && !policy_account_part(e);
    if (whole) sm.focus = 0;
    if (focused && !whole) s->only_rec = s->focus;     /* its value alone */
    int n = ses_eval(s, &e, 1, !focused && !whole, summarize, &sm);
    s->only_rec = -1;
    if (n >= 0 && whole) {
        fprintf(s->out, "%s  (the portfolio: %d accounts)\n", sm.focus_text[0] ? sm.focus_text : "unknown",
                s->nrec);
        free(sm.members);
        return;
    }
    if (n < 0) {
        free(sm.members);
        return;
    }
    FILE *o = s->out;
    if (focused) {
        char kb[600];
        const char *key = ses_key_text(s, s->focus, kb, sizeof kb);
        if (sm.focus_text[0] && sm.terms_text[0]) fprintf(o, "%s: %s, %s\n", key, sm.focus_text, sm.terms_text);
        else if (sm.focus_text[0]) fprintf(o, "%s: %s\n", key, sm.focus_text);
        else if (s->nerr) fprintf(o, "%s: cannot be evaluated: %s\n", key, s->err_msgs[0]);
        else fprintf(o, "%s: (not evaluated)\n", key);
        free(sm.members);
        return;
    }
    long have = sm.n - sm.nmissing;
    char b1[NUM_TEXT_MAX], b2[NUM_TEXT_MAX], b3[NUM_TEXT_MAX], cb[32];
    switch (sm.t.kind) {
    case TY_BOOL:
        fprintf(o, "true   %8s  ", fmt_count(sm.ntrue, cb, sizeof cb));
        bar(o, sm.ntrue, sm.n);
        num_format(sm.n ? (double)sm.ntrue / (double)sm.n : 0, NUM_PERCENT, b1, sizeof b1);
        fprintf(o, " %7s\nfalse  %8s  ", b1, fmt_count(sm.n - sm.ntrue, cb, sizeof cb));
        bar(o, sm.n - sm.ntrue, sm.n);
        num_format(sm.n ? (double)(sm.n - sm.ntrue) / (double)sm.n : 0, NUM_PERCENT, b1, sizeof b1);
        fprintf(o, " %7s\n", b1);
        break;
    case TY_ENUM:
    case TY_STAGE: {
        long max = 1;
        for (int i = 0; i < sm.t.en->n; i++)
            if (sm.members[i] > max) max = sm.members[i];
        int wide = 14;                  /* every member's name in full */
        for (int i = 0; i < sm.t.en->n; i++)
            if ((int)strlen(sm.t.en->members[i]) > wide) wide = (int)strlen(sm.t.en->members[i]);
        for (int i = 0; i < sm.t.en->n; i++) {
            fprintf(o, "%-*s %8s  ", wide, sm.t.en->members[i], fmt_count(sm.members[i], cb, sizeof cb));
            bar(o, sm.members[i], max);
            fputc('\n', o);
        }
        if (sm.nmissing) fprintf(o, "%-*s %8s\n", wide, "(none)", fmt_count(sm.nmissing, cb, sizeof cb));
        break;
    }
    case TY_STRING:
        fprintf(o, "%s strings\n", fmt_count(have, cb, sizeof cb));
        break;
    default: {
        Value vmin = val_num(sm.min), vmax = val_num(sm.max), vmean = val_num(have ? sm.sum / (double)have : 0);
        if (sm.t.kind == TY_DATE) {
            vmin = val_int((int64_t)sm.min);
            vmax = val_int((int64_t)sm.max);
            ses_format_value(sm.t, &vmin, b1, sizeof b1);
            ses_format_value(sm.t, &vmax, b3, sizeof b3);
            fprintf(o, "min %s  max %s  (%s accounts)\n", b1, b3, fmt_count(have, cb, sizeof cb));
            break;
        }
        Type t = sm.t;
        if (t.flex) t.kind = TY_NUMBER;
        ses_format_value(t, &vmin, b1, sizeof b1);
        ses_format_value(t, &vmean, b2, sizeof b2);
        ses_format_value(t, &vmax, b3, sizeof b3);
        fprintf(o, "min %s  mean %s  max %s  (%s accounts)\n", b1, b2, b3, fmt_count(have, cb, sizeof cb));
    }
    }
    if (sm.nmissing && sm.t.kind != TY_ENUM && sm.t.kind != TY_STAGE)
        fprintf(o, "missing in %s accounts\n", fmt_count(sm.nmissing, cb, sizeof cb));
    ses_note_errors(s);
    free(sm.members);
}

/* :diff — every account whose outcome differs from the baseline. */
static void show_diff(Session *s)
{
    if (!s->nrec) {
        fprintf(s->err, "kam: no accounts loaded (:data FILE)\n");
        return;
    }
    Outcomes cur;
    if (ses_outcomes(s, &cur, true) < 0) {
        outcomes_free(&cur);        /* what was filled before the failure */
        return;
    }
    int rev = ses_revenue_field(s);
    long changed = 0;
    double revenue = 0;
    long rev_unknown = 0;   /* changed accounts whose revenue could not be read */
    char buf[2048];
    OutMatch match;
    outmatch_init(&match, &s->base, &cur);
    /* per-select counts before and after */
    for (int r = 0; r < s->nrec; r++) {
        if ((r & 4095) == 0 && ses_interrupted(s)) {   /* Ctrl-C */
            outmatch_free(&match);
            outcomes_free(&cur);
            return;
        }
        if (cur.same && cur.same[r]) continue;      /* the baseline's row: no change */
        bool in_scope = false;
        for (int i = 0; i < cur.ncols; i++)
            if (!isnan(out_cell(&cur, r, i))) in_scope = true;
        if (!in_scope || !outmatch_maybe_differ(&match, &s->base, r, &cur, r)) continue;
        if (changed >= 50) {        /* past what is listed: only whether it changed */
            OutChange none[1];
            if (!match.exact && outcomes_changes_m(&match, &s->base, r, &cur, r, none, 0) == 0) continue;
        } else if (outcomes_diff_text(&s->base, r, &cur, r, buf, sizeof buf) == 0) {
            continue;
        }
        changed++;
        if (rev >= 0) {
            Value rv = ses_value(s, r, rev);
            if (rv.missing) rev_unknown++;
            else revenue += rv.u.num;
        }
        char kb[256], db[256];
        const char *d = ses_display_name(s, r, db, sizeof db);
        if (changed <= 50 && d)
            fprintf(s->out, "%s \u2014 %s: %s\n", wr_display(s->keys[r], strlen(s->keys[r]), kb, sizeof kb), d, buf);
        else if (changed <= 50)
            fprintf(s->out, "%-12s %s\n", wr_display(s->keys[r], strlen(s->keys[r]), kb, sizeof kb), buf);
    }
    char c1[32], c2[32], c3[32];
    if (changed > 50) fprintf(s->out, "... and %s more\n", fmt_count(changed - 50, c1, sizeof c1));
    uint8_t *failed_now = xcalloc((size_t)s->nrec + 1, 1);
    for (int i = 0; i < s->nerr; i++) failed_now[s->err_recs[i]] = 1;
    for (int i = 0; i < cur.ncols; i++) {
        if (cur.cols[i].kind != SYM_SELECT) continue;
        long before = 0, after = 0;
        int j = -1;
        for (int k = 0; k < s->base.ncols; k++)
            if (strcmp(s->base.cols[k].name, cur.cols[i].name) == 0) j = k;
        /* each side over the accounts it evaluated, as kam diff and kam
           run count (an account that fails on one side only is not
           counted on that side: a failed baseline once counted as true),
           of those in the :where filter's scope now or failing now */
        for (int r = 0; r < s->nrec; r++) {
            double v = out_cell(&cur, r, i);
            if (!isnan(v)) after += v != 0;
            else if (!failed_now[r]) continue;      /* out of scope */
            double b = j >= 0 ? out_cell(&s->base, r, j) : NAN;
            if (!isnan(b)) before += b != 0;
        }
        fprintf(s->out, "%s: %s -> %s (%s)\n", cur.cols[i].name, fmt_count(before, c1, sizeof c1),
                fmt_count(after, c2, sizeof c2), fmt_count_change(after - before, c3, sizeof c3));
    }
    if (rev >= 0) {
        Value v = val_num(revenue);
        char rb[NUM_TEXT_MAX];
        ses_format_value(ty_make(TY_MONEY), &v, rb, sizeof rb);
        fprintf(s->out, "%s account%s changed, carrying %s of %s", fmt_count(changed, c1, sizeof c1),
                changed == 1 ? "" : "s",
                rb, s->pol->fields[rev]->name.name);
        if (rev_unknown)
            fprintf(s->out, " (%s of them with %s unreadable)", fmt_count(rev_unknown, c1, sizeof c1),
                    s->pol->fields[rev]->name.name);
        fputc('\n', s->out);
    } else {
        fprintf(s->out, "%s account%s changed\n", fmt_count(changed, c1, sizeof c1), changed == 1 ? "" : "s");
    }
    ses_note_errors(s);
    free(failed_now);
    outmatch_free(&match);
    outcomes_free(&cur);
}

/* :sweep PARAM FROM..TO step S */
typedef struct SweepCount {
    long selected, moved;
    long *tiers;            /* counts per member of the first tier */
    const EnumInfo *tier;
    int sel, tier_col, stage, stage_field;  /* outcome columns (-1 none), the stage's field */
} SweepCount;

/* Adds (sign 1) or takes away (-1) what record r of o counts in k. */
static void sweep_row(const Session *s, const Outcomes *o, int r, SweepCount *k, int sign)
{
    if (!o->ok[r]) return;
    if (k->sel >= 0) {
        double v = out_cell(o, r, k->sel);
        if (!isnan(v) && v != 0) k->selected += sign;
    }
    if (k->tier_col >= 0) {
        double v = out_cell(o, r, k->tier_col);
        if (!isnan(v) && v >= 0 && v < k->tier->n) k->tiers[(int)v] += sign;
    }
    if (k->stage >= 0) {        /* moved: a transition fired to another stage */
        double v = out_cell(o, r, k->stage);
        if (!isnan(v) && (int64_t)v != ses_value(s, r, k->stage_field).u.i) k->moved += sign;
    }
}

/* The outcome column of rule x (not a term), or -1. */
static int rule_col(const Outcomes *o, const Sym *x)
{
    for (int i = 0; x && i < o->ncols; i++)
        if (o->cols[i].ent < 0 && strcmp(o->names[i], x->name) == 0) return i;
    return -1;
}

static void sweep(Session *s, char *args)
{
    char name[128], range[256], stepw[16], step[128];
    if (sscanf(args, "%127s %255s %15s %127s", name, range, stepw, step) != 4 ||
        strcmp(stepw, "step") != 0 || !strstr(range, "..")) {
        fprintf(s->err, "kam: usage: :sweep PARAM FROM..TO step S   (e.g. :sweep growth_floor 5%%..15%% step 1%%)\n");
        return;
    }
    if (!s->pol || !s->nrec) {
        fprintf(s->err, "kam: load a policy and data first\n");
        return;
    }
    Sym *p = policy_sym(s->pol, name);
    if (!p || p->kind != SYM_PARAM) {
        fprintf(s->err, "kam: '%s' is not a param\n", name);
        return;
    }
    char *dots = strstr(range, "..");
    *dots = '\0';
    const char *texts[3] = {range, dots + 2, step};
    double v[3];
    for (int i = 0; i < 3; i++) {
        Expr *e = ses_parse_value(s, texts[i], i == 2 ? "step" : i ? "to" : "from", p);
        if (!e) return;
        bool neg = e->kind == EX_UNARY && e->op == OPX_NEG;
        const Expr *lit = neg ? e->a : e;
        if (lit->kind != EX_NUMBER && lit->kind != EX_PERCENT) {
            fprintf(s->err, "kam: :sweep takes numbers (as in 5%%..15%% step 1%%)\n");
            return;
        }
        v[i] = neg ? -lit->num : lit->num;
    }
    if (v[2] <= 0 || (v[1] - v[0]) / v[2] > 200) {
        fprintf(s->err, "kam: the step must be positive and give at most 200 values\n");
        return;
    }
    /* what to count: the first select, the first tier, the stage moves */
    SweepCount k = {0};
    const Sym *sel = NULL, *tier = NULL, *stages = NULL;
    const char *sel_name = NULL;
    for (int i = 0; i < s->pol->nsyms; i++) {
        Sym *x = s->pol->syms[i];
        if (x->kind == SYM_SELECT && !sel) sel = x, sel_name = x->name;
        if (x->kind == SYM_TIER && !tier) tier = x, k.tier = x->ty.en;
        if (x->kind == SYM_STAGES && !stages && s->pol->stage_field) {
            stages = x;
            k.stage_field = s->pol->stage_field->index;
        }
    }
    char *old = NULL;
    for (int i = 0; i < s->nsets; i++)
        if (strcmp(s->set_names[i], name) == 0) old = xstrdup(s->set_values[i]);
    Type t = p->ty;
    long results[201][3];
    long *tiers = k.tier ? xcalloc((size_t)k.tier->n * 201, sizeof(long)) : NULL;
    /* the baseline's counts, for steps worked out by difference from it */
    SweepCount base = k;
    base.tiers = k.tier ? xcalloc((size_t)k.tier->n, sizeof(long)) : NULL;
    base.sel = rule_col(&s->base, sel);
    base.tier_col = rule_col(&s->base, tier);
    base.stage = rule_col(&s->base, stages);
    for (int r = 0; s->base.ok && r < s->base.nrec; r++) sweep_row(s, &s->base, r, &base, 1);
    int steps = 0, sweep_errors = 0;
    long maxsel = 1;
    bool failed = false;
    Outcomes cur;
    memset(&cur, 0, sizeof cur);
    for (double x = v[0]; x <= v[1] + v[2] * 1e-9 && steps < 201; x += v[2], steps++) {
        char text[64], nb[40];
        wr_format_number(t.kind == TY_PERCENT ? round(x * 1e6) / 1e4 : round(x * 1e6) / 1e6, nb);
        snprintf(text, sizeof text, "%s%s", nb, t.kind == TY_PERCENT ? "%" : "");
        if (ses_interrupted(s) || ses_set(s, name, text) != 0) {
            failed = true;
            break;
        }
        if (ses_outcomes_again(s, &cur, true) < 0) {     /* Ctrl-C, or an error said */
            failed = true;
            break;
        }
        k.tiers = tiers ? tiers + (size_t)steps * (size_t)k.tier->n : NULL;
        k.sel = rule_col(&cur, sel);
        k.tier_col = rule_col(&cur, tier);
        k.stage = rule_col(&cur, stages);
        k.selected = k.moved = 0;
        if (cur.same) {         /* the baseline's counts, less and plus the records that changed */
            k.selected = base.selected;
            k.moved = base.moved;
            if (k.tier) memcpy(k.tiers, base.tiers, sizeof(long) * (size_t)k.tier->n);
            for (int r = 0; r < cur.nrec; r++) {
                if (cur.same[r]) continue;
                sweep_row(s, &s->base, r, &k, -1);
                sweep_row(s, &cur, r, &k, 1);
            }
        } else {
            for (int r = 0; r < cur.nrec; r++) sweep_row(s, &cur, r, &k, 1);
        }
        if (s->nerr > sweep_errors) sweep_errors = s->nerr;
        results[steps][0] = k.selected;
        results[steps][1] = k.moved;
        if (k.selected > maxsel) maxsel = k.selected;
    }
    free(base.tiers);
    outcomes_free(&cur);
    ses_set(s, name, old);      /* back to how it was */
    free(old);
    if (failed) {               /* no table of half the steps */
        free(tiers);
        return;
    }
    fprintf(s->out, "%-12s %-*s%s", name, sel_name ? 40 : 0, sel_name ? sel_name : "", "stage moves");
    if (k.tier) for (int m = 0; m < k.tier->n; m++) fprintf(s->out, "  %s", k.tier->members[m]);
    fputc('\n', s->out);
    int i = 0;
    for (double x = v[0]; i < steps; x += v[2], i++) {
        char nb[NUM_TEXT_MAX], cb[32];
        Value vx = val_num(x);
        ses_format_value(t.kind == TY_PERCENT || t.kind == TY_MONEY ? t : ty_make(TY_NUMBER), &vx, nb, sizeof nb);
        fprintf(s->out, "%-12s ", nb);
        if (sel_name) {
            bar(s->out, results[i][0], maxsel);
            fprintf(s->out, " %8s ", fmt_count(results[i][0], cb, sizeof cb));
        }
        fprintf(s->out, "%11s", fmt_count(results[i][1], cb, sizeof cb));
        if (k.tier)
            for (int m = 0; m < k.tier->n; m++)
                fprintf(s->out, "  %*s", (int)strlen(k.tier->members[m]),
                        fmt_count(tiers[(size_t)i * (size_t)k.tier->n + (size_t)m], cb, sizeof cb));
        fputc('\n', s->out);
    }
    if (sweep_errors)
        fprintf(s->out, "up to %d account%s per step could not be evaluated and %s not counted "
                "(:set %s to a value, then :errors lists them)\n", sweep_errors,
                sweep_errors == 1 ? "" : "s", sweep_errors == 1 ? "is" : "are", name);
    free(tiers);
}

static void show_name(Session *s, const char *name)
{
    if (!s->pol) {
        fprintf(s->err, "kam: no policy loaded\n");
        return;
    }
    Sym *x = policy_sym(s->pol, name);
    if (!x) {
        const char **names = xmalloc(sizeof(char *) * (size_t)(s->pol->nsyms + 1));
        for (int i = 0; i < s->pol->nsyms; i++) names[i] = s->pol->syms[i]->name;
        const char *best = diag_closest(name, names, s->pol->nsyms);
        fprintf(s->err, "kam: no field or rule named '%s'%s%s%s\n", name, best ? "; did you mean '" : "",
                best ? best : "", best ? "'?" : "");
        free(names);
        return;
    }
    char tb[96];
    fprintf(s->out, "%s %s: %s\n", chk_sym_kind_word(x->kind), x->name, ty_name(x->ty, tb, sizeof tb));
    const char *desc = policy_desc(x);
    if (desc) fprintf(s->out, "  \"%s\"\n", desc);
    Span sp = x->decl ? x->decl->span : x->span;
    if (x->kind == SYM_FIELD && s->pol->record) sp = x->span;
    const SrcFile *f = s->pol->src.files[sp.file];
    int l1, c1, l2, c2;
    src_linecol(&s->pol->src, sp.file, sp.start, &l1, &c1);
    src_linecol(&s->pol->src, sp.file, sp.end, &l2, &c2);
    for (int l = l1; l <= l2 && l - l1 < 40; l++) {
        size_t len;
        const char *text = src_line(&s->pol->src, sp.file, l, &len);
        fprintf(s->out, "  %s:%d | %.*s\n", f->path, l, (int)len, text);
    }
    if (s->focus >= 0 && x->kind == SYM_FIELD) {
        char vb[1024];
        bool need[512] = {false};
        if (x->field->index < 512 && s->nfields <= 512) need[x->field->index] = true;
        if (s->nfields <= 512 && ses_need_fields(s, need) != 0) return;
        Value fv = ses_value(s, s->focus, x->field->index);
        const SesCol *col = &s->cols[x->field->index];
        if (col->bad && col->bad[s->focus]) snprintf(vb, sizeof vb, "%s", col->bad_why);
        else ses_format_value(x->ty, &fv, vb, sizeof vb);
        char kb[600];
        fprintf(s->out, "%s: %s\n", ses_key_text(s, s->focus, kb, sizeof kb), vb);
    } else if (s->focus >= 0) {
        char text[300];
        snprintf(text, sizeof text, "%s", name);
        eval_expression(s, text);
    }
}

static void disasm_name(Session *s, const char *name)
{
    if (!s->chunk) {
        fprintf(s->err, "kam: no policy loaded\n");
        return;
    }
    if (!*name) {
        disasm_chunk(s->out, s->chunk);
        return;
    }
    Sym *x = policy_sym(s->pol, name);
    if (!x || !x->decl) {
        fprintf(s->err, "kam: no rule named '%s'\n", name);
        return;
    }
    /* print the record-code instructions that came from its definition */
    const Chunk *c = s->chunk;
    Span d = x->decl->span;
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    disasm_chunk(mem, c);
    fclose(mem);
    int l1, c1, l2, c2;
    src_linecol(&s->pol->src, d.file, d.start, &l1, &c1);
    src_linecol(&s->pol->src, d.file, d.end, &l2, &c2);
    bool in_record = false;
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
        char own[200];      /* a portfolio flag's code is a segment of its own */
        snprintf(own, sizeof own, "portfolio flag %s ", x->name);
        if (x->kind == SYM_PORTFOLIO ? strncmp(line, own, strlen(own)) == 0
                                     : strncmp(line, "record:", 7) == 0)
            in_record = true;
        else if (line[0] != ' ') in_record = false;
        int pc, ln;
        if (in_record && sscanf(line, " %d %d", &pc, &ln) == 2 && ln >= l1 && ln <= l2 &&
            c->spans[pc].file == d.file)
            fprintf(s->out, "%s\n", line);
    }
    free(buf);
}

/* Prints text with every line after the first indented by `indent`. */
static void print_indented(FILE *out, const char *text, int indent)
{
    for (const char *p = text; *p; p++) {
        fputc(*p, out);
        if (*p == '\n' && p[1] && p[1] != '\n') fprintf(out, "%*s", indent, "");
    }
    fputc('\n', out);
}

/* :whatifs — what makes the outcomes differ from the policy file's: the
 * :set values (with the policy's own), the :where filter, and the
 * definitions typed in the session, each marked new or redefining a rule
 * of the file. */
static void show_whatifs(Session *s)
{
    FILE *o = s->out;
    if (!s->nsets && !s->where && !s->ndefs) {
        fprintf(o, "no what-ifs: the outcomes are the policy file's own\n");
        return;
    }
    /* the file alone, to tell redefinitions from new names */
    Policy *file = NULL;
    if (s->policy_path) {
        DiagList d;
        diag_init(&d);
        char msg[512];
        file = policy_load_ext(s->policy_path, NULL, 0, &d, msg, sizeof msg);
        if (file && d.nerrors) {
            policy_free(file);
            file = NULL;
        }
        diag_free(&d);
    }
    for (int i = 0; i < s->nsets; i++) {
        fprintf(o, ":set %s = %s", s->set_names[i], s->set_values[i]);
        const Sym *p = file ? policy_sym(file, s->set_names[i]) : NULL;
        if (p && p->decl && p->decl->value) {
            Span v = p->decl->value->span;
            const SrcFile *f = file->src.files[v.file];
            fprintf(o, "   (the policy file: %.*s)", (int)(v.end - v.start), f->text + v.start);
        }
        fputc('\n', o);
    }
    if (s->where) fprintf(o, ":where %s\n", s->where);
    for (int i = 0; i < s->ndefs; i++) {
        char name[128] = "";
        sscanf(s->defs[i], "%*s %127[A-Za-z0-9_]", name);
        bool redefined = file && *name && policy_sym(file, name);
        const char *mark = redefined ? "redefined " : "new       ";
        fputs(mark, o);
        print_indented(o, s->defs[i], (int)strlen(mark));
    }
    if (!file && s->ndefs) fprintf(o, "(the policy file could not be read again to tell new from redefined)\n");
    policy_free(file);
}

static void help(Session *s, const char *cmd)
{
    for (int i = 0; i < NCOMMANDS; i++) {
        if (*cmd && strcmp(cmd, repl_commands[i].name) != 0 && strcmp(cmd, repl_commands[i].name + 1) != 0) continue;
        fprintf(s->out, "  %-9s %-22s %s\n", repl_commands[i].name, repl_commands[i].args, repl_commands[i].help);
    }
    if (!*cmd)
        fputs("  EXPR                             evaluated over the accounts (bool: counts; number: min/mean/max)\n"
              "  let/param/score/... definition   extends the session; redefining a rule is a what-if\n"
              "Input continues on the next line while brackets are open, after a line ending in an\n"
              "operator (and, or, +, ==, ',', ->, = ...), and when a definition is followed by a line\n"
              "starting with when, and, or, with; an empty line ends it. Ctrl-C stops a running command.\n",
              s->out);
}

bool repl_handle(Session *s, char *line)
{
    cli_trim(line);
    if (!*line || line[0] == '#') return true;
    if (line[0] != ':') {
        if (is_definition(line)) {
            if (ses_define(s, line) == 0) {
                char name[128] = "";
                const char *top = top_definition(line);
                if (top && strcmp(top, "portfolio") == 0) sscanf(line, "%*s %*s %127[A-Za-z0-9_]", name);
                else if (top) snprintf(name, sizeof name, "%s", top);
                else sscanf(line, "%*s %127[A-Za-z0-9_]", name);
                fprintf(s->out, "defined %s\n", name);
                if (s->nrec) { /* the outcomes may have changed: say how much */ }
            }
        } else {
            eval_expression(s, line);
        }
        return true;
    }
    char *cmd = line, *args = line;
    while (*args && *args != ' ' && *args != '\t') args++;
    if (*args) *args++ = '\0';
    cli_trim(args);
    /* accept unique prefixes (:ex for :explain) */
    int matches;
    const ReplCommand *found = repl_command(cmd, strlen(cmd), &matches);
    if (!found) {
        const char *names[NCOMMANDS];
        for (int i = 0; i < NCOMMANDS; i++) names[i] = repl_commands[i].name;
        const char *best = diag_closest(cmd, names, NCOMMANDS);
        fprintf(s->err, "kam: %s command '%s'%s%s%s (:help lists them)\n",
                matches ? "ambiguous" : "unknown", cmd, best ? "; did you mean '" : "",
                best ? best : "", best ? "'?" : "");
        return true;
    }
    const char *name = found->name;
    if (!strcmp(name, ":quit")) return false;
    if (!strcmp(name, ":help")) help(s, args);
    else if (!strcmp(name, ":timer")) {
        if (!strcmp(args, "on")) s->timer = true;
        else if (!strcmp(args, "off")) s->timer = false;
        else if (*args) fprintf(s->err, "kam: usage: :timer [on|off] (not '%s')\n", args);
        else fprintf(s->out, "timer %s\n", s->timer ? "on" : "off");
    }
    else if (!strcmp(name, ":load")) {
        if (!*args) fprintf(s->err, "kam: usage: :load POLICY\n");
        else if (ses_load_policy(s, args) == 0)
            fprintf(s->out, "loaded %s%s%s\n", args, s->pol->title ? ": " : "", s->pol->title ? s->pol->title : "");
    } else if (!strcmp(name, ":data")) {
        if (!*args) fprintf(s->err, "kam: usage: :data FILE\n");
        else if (ses_load_data(s, args) == 0) {
            fprintf(s->out, "%d accounts from %s\n", s->nrec, args);
            if (s->chunk && s->chunk->nportfolio) ses_portfolio(s, s->out);
        }
    } else if (!strcmp(name, ":portfolio")) {
        ses_portfolio(s, s->out);
    } else if (!strcmp(name, ":reload")) {
        if (ses_load_policy(s, NULL) == 0) {
            int rc = 0;
            if (s->data_path) {
                char *dp = xstrdup(s->data_path);
                rc = ses_load_data(s, dp);
                free(dp);
            }
            if (rc == 0) fprintf(s->out, "reloaded (%d accounts)\n", s->nrec);
            else if (!ses_interrupted(s))
                fprintf(s->err, "kam: the policy was reloaded, the accounts were not (the session "
                        "keeps the %d it had)\n", s->nrec);
        }
    } else if (!strcmp(name, ":show")) {
        if (!*args) fprintf(s->err, "kam: usage: :show NAME\n");
        else show_name(s, args);
    } else if (!strcmp(name, ":type")) {
        Expr *e = *args ? parse_input(s, args, "<input>", ty_make(TY_ERROR)) : NULL;
        char tb[96];
        if (!*args) fprintf(s->err, "kam: usage: :type EXPR\n");
        else if (e) fprintf(s->out, "%s\n", ty_name(e->ty, tb, sizeof tb));
    } else if (!strcmp(name, ":set")) {
        char *eq = strchr(args, '=');
        if (!eq) {
            fprintf(s->err, "kam: usage: :set PARAM = VALUE\n");
        } else {
            *eq = '\0';
            char *value = eq + 1;
            cli_trim(args);
            cli_trim(value);
            if (ses_set(s, args, value) == 0) fprintf(s->out, "%s = %s (what-if; :diff compares, :reset undoes)\n", args, value);
        }
    } else if (!strcmp(name, ":errors")) {
        ses_list_errors(s, 50);
    } else if (!strcmp(name, ":reset")) {
        ses_reset(s);
        fprintf(s->out, "what-ifs dropped\n");
    } else if (!strcmp(name, ":whatifs")) {
        show_whatifs(s);
    } else if (!strcmp(name, ":diff")) {
        show_diff(s);
    } else if (!strcmp(name, ":explain")) {
        const char *key = *args ? args : (s->focus >= 0 ? s->keys[s->focus] : NULL);
        int rec = key ? ses_find(s, key) : -1;
        if (!key) fprintf(s->err, "kam: usage: :explain KEY (or focus one with :account KEY)\n");
        else if (rec >= 0) explain_record(s, rec, s->out, false);
    } else if (!strcmp(name, ":account")) {
        if (!*args) {
            s->focus = -1;
            fprintf(s->out, "no account focused\n");
        } else {
            int rec = ses_find(s, args);
            if (rec >= 0) {
                s->focus = rec;
                char kb[600];
                fprintf(s->out, "focused on %s (line %ld)\n", ses_key_text(s, rec, kb, sizeof kb), s->lines[rec]);
            }
        }
    } else if (!strcmp(name, ":where")) {
        if (!*args) {
            free(s->where);
            s->where = NULL;
            fprintf(s->out, "all %d accounts\n", s->nrec);
        } else if (parse_input(s, args, ":where", ty_make(TY_BOOL))) {
            char *before = s->where;
            s->where = xstrdup(args);
            int n = ses_eval_kept(s, true, NULL, NULL);
            if (n >= 0) {
                fprintf(s->out, "%d of %d accounts\n", n, s->nrec);
                free(before);
            } else {            /* interrupted: the filter stays as it was */
                free(s->where);
                s->where = before;
            }
        }
    } else if (!strcmp(name, ":sweep")) {
        sweep(s, args);
    } else if (!strcmp(name, ":disasm")) {
        disasm_name(s, args);
    }
    return true;
}

/* ------------------------------------------------- input over several lines */

/* The next token of text at *pp outside strings and comments (a string is
 * one token): its start and length; false at the end. */
static bool next_token(const char **pp, const char **tok, size_t *len)
{
    const char *p = *pp;
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
        if (*p != '#') break;
        while (*p && *p != '\n') p++;
    }
    if (!*p) {
        *pp = p;
        return false;
    }
    const char *b = p;
    if (*p == '"') {
        for (p++; *p && *p != '"' && *p != '\n'; p++)
            if (*p == '\\' && p[1]) p++;
        if (*p == '"') p++;
    } else if (repl_is_name_char(*p) || *p == '.') {
        while (repl_is_name_char(*p) || *p == '.' || *p == '%') p++;
    } else {
        static const char *const two[] = {"==", "!=", "<=", ">=", "->", "??", NULL};
        int n = 1;
        for (int i = 0; two[i]; i++)
            if (p[0] == two[i][0] && p[1] == two[i][1]) n = 2;
        p += n;
    }
    *tok = b;
    *len = (size_t)(p - b);
    *pp = p;
    return true;
}

static bool tok_in(const char *tok, size_t len, const char *const *set)
{
    for (int i = 0; set[i]; i++)
        if (strlen(set[i]) == len && strncmp(set[i], tok, len) == 0) return true;
    return false;
}

/* Words and operators after which an input cannot end. */
static const char *const need_more[] = {
    "and", "or", "not", "in", "between", "is", "when", "with", "if", "then", "else", "to", "by",
    "+", "-", "*", "/", "==", "!=", "<", "<=", ">", ">=", ",", "->", "=", "??", NULL,
};
/* Words and operators that cannot start an input: a line starting with one
 * continues a definition. */
static const char *const go_on_words[] = {
    "when", "and", "or", "with", "then", "else", "as", "to", "by", "in", "between", "is",
    "*", "/", "==", "!=", "<", "<=", ">", ">=", "??", NULL,
};

/* Whether text cannot be a whole input yet: brackets open, the last token
 * an operator, or a select, entitle or flag without its `when`. */
static bool incomplete(const char *text)
{
    if (cli_open_brackets(text) > 0) return true;
    const char *p = text, *tok, *last = NULL;
    size_t len, lastlen = 0;
    bool first = true, needs_when = false, has_when = false, portfolio = false;
    while (next_token(&p, &tok, &len)) {
        if (portfolio) {        /* `portfolio flag ...`, not a field called portfolio */
            needs_when = len == 4 && strncmp(tok, "flag", 4) == 0;
            portfolio = false;
        }
        if (first) {
            static const char *const with_when[] = {"select", "entitle", "flag", NULL};
            needs_when = tok_in(tok, len, with_when);
            portfolio = len == 9 && strncmp(tok, "portfolio", 9) == 0;
            first = false;
        }
        if (len == 4 && strncmp(tok, "when", 4) == 0) has_when = true;
        last = tok;
        lastlen = len;
    }
    if (last && tok_in(last, lastlen, need_more)) return true;
    return needs_when && !has_when;
}

/* Whether a line continues a definition before it (see go_on_words). */
static bool continues(const char *line)
{
    const char *tok;
    size_t len;
    return next_token(&line, &tok, &len) && tok_in(tok, len, go_on_words);
}

static void pending_append(ReplInput *pd, const char *line)
{
    size_t n = strlen(pd->text) + strlen(line) + 2;
    char *joined = xmalloc(n);
    snprintf(joined, n, "%s\n%s", pd->text, line);
    free(pd->text);
    pd->text = joined;
}

/* Runs one complete input; false to leave. A Ctrl-C while it runs makes
 * it stop (the flag stays set: the rest of the lines entered with it are
 * dropped too). */
/* Seconds of CPU this process has used, every thread's (user + system). */
static double cpu_seconds(void)
{
    struct rusage u;
    if (getrusage(RUSAGE_SELF, &u) != 0) return 0;
    return (double)u.ru_utime.tv_sec + (double)u.ru_utime.tv_usec / 1e6 + (double)u.ru_stime.tv_sec +
           (double)u.ru_stime.tv_usec / 1e6;
}

static double wall_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static bool run(Session *s, char *text)
{
    if (ses_interrupted(s)) return true;
    bool timed = s->timer;      /* not the input that turns it on or off */
    double w0 = timed ? wall_seconds() : 0, c0 = timed ? cpu_seconds() : 0;
    bool go_on = repl_handle(s, text);
    fflush(s->out);
    if (timed && s->timer)
        fprintf(s->err, "time: %.3f s wall, %.3f s cpu\n", wall_seconds() - w0, cpu_seconds() - c0);
    if (ses_interrupted(s)) fprintf(s->err, "%sinterrupted\n", isatty(STDIN_FILENO) ? "\n" : "");
    return go_on;
}

bool repl_flush(Session *s, ReplInput *pd)
{
    if (!pd->text) return true;
    char *text = pd->text;
    pd->text = NULL;
    pd->held = false;
    bool go_on = run(s, text);
    free(text);
    return go_on;
}

bool repl_feed(Session *s, ReplInput *pd, const char *line)
{
    const char *t = line;
    while (*t == ' ' || *t == '\t') t++;
    if (pd->text) {
        bool open = cli_open_brackets(pd->text) > 0;
        if (!open && pd->held && *t == '#') {       /* a comment between the lines */
            pending_append(pd, line);
            return true;
        }
        if (open || (!pd->held && *t && *t != ':') || (pd->held && continues(t))) {
            pending_append(pd, line);
        } else {
            /* an empty line, a command or the next input: what waits runs first */
            if (!repl_flush(s, pd)) return false;
            if (!*t) return true;
            pd->text = xstrdup(line);
        }
    } else {
        if (!*t || *t == '#') return true;
        pd->text = xstrdup(line);
    }
    const char *start = pd->text;
    while (*start == ' ' || *start == '\t' || *start == '\n') start++;
    pd->held = false;
    if (*start == ':') return repl_flush(s, pd);     /* a command is one line */
    if (incomplete(pd->text)) return true;
    if (is_definition(start)) {
        pd->held = true;
        return true;
    }
    return repl_flush(s, pd);
}
