/* repl.c — `kam repl [POLICY [DATA]]`: the analyst's prompt, on GNU
 * readline (the only file that includes it): editing, persistent history,
 * tab completion, multi-line blocks; commands (:load, :set, :diff,
 * :explain, ...), bare expressions evaluated over the loaded accounts, and
 * definitions typed at the prompt. With stdin not a terminal it reads
 * commands line by line, without prompts or banners, so it can be scripted. */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"
#include "explain.h"
#include "session.h"
#include "../runtime/writer.h"
#include "../stdlib/registry.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

typedef struct Command {
    const char *name;
    const char *args;
    const char *help;
} Command;

static const Command commands[] = {
    {":load", "POLICY", "load a policy (its definitions replace the session's)"},
    {":data", "FILE", "load account records (CSV)"},
    {":reload", "", "read the policy and data files again"},
    {":show", "NAME", "a field's or rule's definition and type (and value, when focused)"},
    {":type", "EXPR", "the type of an expression"},
    {":set", "PARAM = VALUE", "what-if: give a param another value"},
    {":reset", "", "drop every what-if (:set, :where, redefinitions)"},
    {":diff", "", "accounts whose outcome differs from the baseline"},
    {":explain", "KEY", "why an account got its outcome, in sentences"},
    {":account", "[KEY]", "focus one account (bare expressions show its value); alone: unfocus"},
    {":where", "[EXPR]", "restrict the accounts considered; alone: all again"},
    {":sweep", "PARAM FROM..TO step S", "how counts change across a param's range"},
    {":disasm", "[NAME]", "the bytecode of a rule (or all)"},
    {":help", "[CMD]", "this list, or one command"},
    {":quit", "", "leave (Ctrl-D too)"},
};
enum { NCOMMANDS = sizeof commands / sizeof commands[0] };

static const char *const keywords[] = {
    "let", "param", "const", "score", "select", "tier", "stages", "entitle", "flag", "limit",
    "when", "otherwise", "and", "or", "not", "in", "between", "if", "then", "else", "is",
    "missing", "true", "false", "today", "where", "with", "as", NULL,
};

static Session *completion_session;     /* readline's callbacks take no context */
static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
    (void)sig;
    interrupted = 1;
    /* abandon the line being typed and show a fresh prompt */
    if (write(STDOUT_FILENO, "\n", 1) < 0) { /* nothing to do */ }
    rl_on_new_line();
    rl_replace_line("", 0);
    rl_redisplay();
}

/* ------------------------------------------------------------- completion */

static char *complete_word(const char *text, int state)
{
    static int stage, idx;
    static size_t len;
    if (!state) {
        stage = 0;
        idx = 0;
        len = strlen(text);
    }
    Session *s = completion_session;
    for (;;) {
        const char *cand = NULL;
        if (stage == 0) {
            if (idx < NCOMMANDS) cand = commands[idx++].name;
            else stage++, idx = 0;
        } else if (stage == 1) {
            if (keywords[idx]) cand = keywords[idx++];
            else stage++, idx = 0;
        } else if (stage == 2) {
            if (s && s->pol && idx < s->pol->nsyms) cand = s->pol->syms[idx++]->name;
            else stage++, idx = 0;
        } else if (stage == 3) {
            if (idx < std_count()) cand = std_func(idx++)->name;
            else return NULL;
        }
        if (cand && strncmp(cand, text, len) == 0) return xstrdup(cand);
    }
}

static char **complete(const char *text, int start, int end)
{
    (void)end;
    /* file names after :load and :data */
    if (strncmp(rl_line_buffer, ":load ", 6) == 0 || strncmp(rl_line_buffer, ":data ", 6) == 0) {
        rl_attempted_completion_over = 0;
        return NULL;
    }
    rl_attempted_completion_over = 1;
    if (start > 0 && text[0] == ':') return NULL;
    return rl_completion_matches(text, complete_word);
}

/* ---------------------------------------------------------------- history */

static char *history_path(void)
{
    const char *xdg = getenv("XDG_DATA_HOME");
    const char *home = getenv("HOME");
    char dir[4096];
    if (xdg && *xdg) snprintf(dir, sizeof dir, "%s/kam", xdg);
    else if (home && *home) snprintf(dir, sizeof dir, "%s/.local/share/kam", home);
    else return NULL;
    /* make the folders (0700), one level at a time */
    for (char *p = dir + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        mkdir(dir, 0700);
        *p = '/';
    }
    mkdir(dir, 0700);
    char *path = xmalloc(strlen(dir) + 16);
    sprintf(path, "%s/history", dir);
    return path;
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
    char focus_text[256];
} Summary;

static void summarize(Session *s, int rec, const Value *regs, const Chunk *c, void *ud)
{
    Summary *sm = ud;
    const Value *v = &regs[c->probe_reg[0]];
    if (rec == sm->focus) ses_format_value(sm->t, v, sm->focus_text, sizeof sm->focus_text);
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

static void eval_expression(Session *s, const char *text)
{
    Type any = ty_make(TY_ERROR);
    Expr *e = ses_parse_expr(s, text, "<input>", any);
    if (!e) return;
    if (!s->nrec) {
        char tb[96];
        fprintf(s->out, "%s (no accounts loaded: :data FILE)\n", ty_name(e->ty, tb, sizeof tb));
        return;
    }
    Summary sm = {0};
    sm.t = e->ty;
    sm.focus = s->focus;
    if ((sm.t.kind == TY_ENUM || sm.t.kind == TY_STAGE) && sm.t.en)
        sm.members = xcalloc((size_t)sm.t.en->n + 1, sizeof(long));
    bool focused = s->focus >= 0;
    int n = ses_eval(s, &e, 1, !focused, summarize, &sm);
    if (n < 0) {
        free(sm.members);
        return;
    }
    FILE *o = s->out;
    if (focused) {
        char kb[256];
        fprintf(o, "%s: %s\n", wr_display(s->keys[s->focus], strlen(s->keys[s->focus]), kb, sizeof kb),
                sm.focus_text[0] ? sm.focus_text : "(not evaluated)");
        free(sm.members);
        return;
    }
    long have = sm.n - sm.nmissing;
    char b1[64], b2[64], b3[64];
    switch (sm.t.kind) {
    case TY_BOOL:
        fprintf(o, "true   %8ld  ", sm.ntrue);
        bar(o, sm.ntrue, sm.n);
        fprintf(o, " %5.1f%%\nfalse  %8ld  ", sm.n ? 100.0 * (double)sm.ntrue / (double)sm.n : 0, sm.n - sm.ntrue);
        bar(o, sm.n - sm.ntrue, sm.n);
        fprintf(o, " %5.1f%%\n", sm.n ? 100.0 * (double)(sm.n - sm.ntrue) / (double)sm.n : 0);
        break;
    case TY_ENUM:
    case TY_STAGE: {
        long max = 1;
        for (int i = 0; i < sm.t.en->n; i++)
            if (sm.members[i] > max) max = sm.members[i];
        for (int i = 0; i < sm.t.en->n; i++) {
            fprintf(o, "%-14s %8ld  ", sm.t.en->members[i], sm.members[i]);
            bar(o, sm.members[i], max);
            fputc('\n', o);
        }
        if (sm.nmissing) fprintf(o, "%-14s %8ld\n", "(none)", sm.nmissing);
        break;
    }
    case TY_STRING:
        fprintf(o, "%ld strings\n", have);
        break;
    default: {
        Value vmin = val_num(sm.min), vmax = val_num(sm.max), vmean = val_num(have ? sm.sum / (double)have : 0);
        if (sm.t.kind == TY_DATE) {
            vmin = val_int((int64_t)sm.min);
            vmax = val_int((int64_t)sm.max);
            ses_format_value(sm.t, &vmin, b1, sizeof b1);
            ses_format_value(sm.t, &vmax, b3, sizeof b3);
            fprintf(o, "min %s  max %s  (%ld accounts)\n", b1, b3, have);
            break;
        }
        Type t = sm.t;
        if (t.flex) t.kind = TY_NUMBER;
        ses_format_value(t, &vmin, b1, sizeof b1);
        ses_format_value(t, &vmean, b2, sizeof b2);
        ses_format_value(t, &vmax, b3, sizeof b3);
        fprintf(o, "min %s  mean %s  max %s  (%ld accounts)\n", b1, b2, b3, have);
    }
    }
    if (sm.nmissing && sm.t.kind != TY_ENUM && sm.t.kind != TY_STAGE)
        fprintf(o, "missing in %ld accounts\n", sm.nmissing);
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
    char buf[2048];
    /* per-select counts before and after */
    for (int r = 0; r < s->nrec; r++) {
        bool in_scope = false;
        for (int i = 0; i < cur.ncols; i++)
            if (!isnan(cur.v[(size_t)r * (size_t)cur.ncols + (size_t)i])) in_scope = true;
        if (!in_scope) continue;
        if (outcomes_diff_text(&s->base, r, &cur, r, buf, sizeof buf) == 0) continue;
        changed++;
        if (rev >= 0) revenue += s->vals[(size_t)r * (size_t)s->nfields + (size_t)rev].u.num;
        char kb[256];
        if (changed <= 50)
            fprintf(s->out, "%-12s %s\n", wr_display(s->keys[r], strlen(s->keys[r]), kb, sizeof kb), buf);
    }
    if (changed > 50) fprintf(s->out, "... and %ld more\n", changed - 50);
    for (int i = 0; i < cur.ncols; i++) {
        if (cur.cols[i].kind != SYM_SELECT) continue;
        long before = 0, after = 0;
        int j = -1;
        for (int k = 0; k < s->base.ncols; k++)
            if (strcmp(s->base.cols[k].name, cur.cols[i].name) == 0) j = k;
        for (int r = 0; r < s->nrec; r++) {
            double v = cur.v[(size_t)r * (size_t)cur.ncols + (size_t)i];
            if (isnan(v)) continue;
            after += v != 0;
            if (j >= 0) before += s->base.v[(size_t)r * (size_t)s->base.ncols + (size_t)j] != 0;
        }
        fprintf(s->out, "%s: %ld -> %ld (%+ld)\n", cur.cols[i].name, before, after, after - before);
    }
    if (rev >= 0) {
        Value v = val_num(revenue);
        char rb[64];
        ses_format_value(ty_make(TY_MONEY), &v, rb, sizeof rb);
        fprintf(s->out, "%ld account%s changed, carrying %s of %s\n", changed, changed == 1 ? "" : "s",
                rb, s->pol->fields[rev]->name.name);
    } else {
        fprintf(s->out, "%ld account%s changed\n", changed, changed == 1 ? "" : "s");
    }
    outcomes_free(&cur);
}

/* :sweep PARAM FROM..TO step S */
typedef struct SweepCount {
    long selected, moved;
    long *tiers;            /* counts per member of the first tier */
    const EnumInfo *tier;
    int sel_reg, tier_reg, stage_reg, stage_field;
} SweepCount;

static void sweep_visit(Session *s, int rec, const Value *regs, const Chunk *c, void *ud)
{
    (void)rec, (void)s, (void)c;
    SweepCount *k = ud;
    if (k->sel_reg >= 0 && regs[k->sel_reg].u.i) k->selected++;
    if (k->tier_reg >= 0 && !regs[k->tier_reg].missing && regs[k->tier_reg].u.i >= 0 &&
        regs[k->tier_reg].u.i < k->tier->n)
        k->tiers[regs[k->tier_reg].u.i]++;
    if (k->stage_reg >= 0 && regs[k->stage_reg].u.i != regs[k->stage_field].u.i) k->moved++;
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
        Expr *e = ses_parse_expr(s, texts[i], i == 2 ? "step" : i ? "to" : "from", ty_make(TY_ERROR));
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
    k.sel_reg = k.tier_reg = k.stage_reg = -1;
    const char *sel_name = NULL;
    for (int i = 0; i < s->pol->nsyms; i++) {
        Sym *x = s->pol->syms[i];
        if (x->kind == SYM_SELECT && k.sel_reg < 0) { k.sel_reg = x->slot; sel_name = x->name; }
        if (x->kind == SYM_TIER && k.tier_reg < 0) { k.tier_reg = x->slot; k.tier = x->ty.en; }
        if (x->kind == SYM_STAGES && k.stage_reg < 0 && s->pol->stage_field) {
            k.stage_reg = x->slot;
            k.stage_field = s->pol->stage_field->index;
        }
    }
    char *old = NULL;
    for (int i = 0; i < s->nsets; i++)
        if (strcmp(s->set_names[i], name) == 0) old = xstrdup(s->set_values[i]);
    Type t = p->ty;
    long results[201][3];
    long *tiers = k.tier ? xcalloc((size_t)k.tier->n * 201, sizeof(long)) : NULL;
    int steps = 0;
    long maxsel = 1;
    for (double x = v[0]; x <= v[1] + v[2] * 1e-9 && steps < 201; x += v[2], steps++) {
        char text[64], nb[40];
        wr_format_number(t.kind == TY_PERCENT ? round(x * 1e6) / 1e4 : round(x * 1e6) / 1e6, nb);
        snprintf(text, sizeof text, "%s%s", nb, t.kind == TY_PERCENT ? "%" : "");
        if (ses_set(s, name, text) != 0) break;
        k.selected = k.moved = 0;
        if (tiers) k.tiers = tiers + (size_t)steps * (size_t)k.tier->n;
        ses_eval(s, NULL, 0, true, sweep_visit, &k);
        results[steps][0] = k.selected;
        results[steps][1] = k.moved;
        if (k.selected > maxsel) maxsel = k.selected;
    }
    ses_set(s, name, old);      /* back to how it was */
    free(old);
    fprintf(s->out, "%-12s %-*s%s", name, sel_name ? 40 : 0, sel_name ? sel_name : "", "stage moves");
    if (k.tier) for (int m = 0; m < k.tier->n; m++) fprintf(s->out, "  %s", k.tier->members[m]);
    fputc('\n', s->out);
    int i = 0;
    for (double x = v[0]; i < steps; x += v[2], i++) {
        char nb[40];
        Value vx = val_num(x);
        ses_format_value(t.kind == TY_PERCENT || t.kind == TY_MONEY ? t : ty_make(TY_NUMBER), &vx, nb, sizeof nb);
        fprintf(s->out, "%-12s ", nb);
        if (sel_name) {
            bar(s->out, results[i][0], maxsel);
            fprintf(s->out, " %8ld ", results[i][0]);
        }
        fprintf(s->out, "%11ld", results[i][1]);
        if (k.tier)
            for (int m = 0; m < k.tier->n; m++)
                fprintf(s->out, "  %*ld", (int)strlen(k.tier->members[m]), tiers[(size_t)i * (size_t)k.tier->n + (size_t)m]);
        fputc('\n', s->out);
    }
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
    static const char *const kinds[] = {"field", "param", "const", "let", "score", "select",
                                        "tier", "stages", "entitlement", "flag"};
    fprintf(s->out, "%s %s: %s\n", kinds[x->kind], x->name, ty_name(x->ty, tb, sizeof tb));
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
        char vb[256];
        ses_format_value(x->ty, &s->vals[(size_t)s->focus * (size_t)s->nfields + (size_t)x->field->index],
                         vb, sizeof vb);
        char kb[256];
        fprintf(s->out, "%s: %s\n", wr_display(s->keys[s->focus], strlen(s->keys[s->focus]), kb, sizeof kb), vb);
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
        if (strncmp(line, "record:", 7) == 0) in_record = true;
        else if (line[0] != ' ') in_record = false;
        int pc, ln;
        if (in_record && sscanf(line, " %d %d", &pc, &ln) == 2 && ln >= l1 && ln <= l2 &&
            c->spans[pc].file == d.file)
            fprintf(s->out, "%s\n", line);
    }
    free(buf);
}

static void help(Session *s, const char *cmd)
{
    for (int i = 0; i < NCOMMANDS; i++) {
        if (*cmd && strcmp(cmd, commands[i].name) != 0 && strcmp(cmd, commands[i].name + 1) != 0) continue;
        fprintf(s->out, "  %-9s %-22s %s\n", commands[i].name, commands[i].args, commands[i].help);
    }
    if (!*cmd)
        fputs("  EXPR                             evaluated over the accounts (bool: counts; number: min/mean/max)\n"
              "  let/param/score/... definition   extends the session; redefining a rule is a what-if\n",
              s->out);
}

/* Runs one complete input. Returns false to leave. */
static bool handle(Session *s, char *line)
{
    cli_trim(line);
    if (!*line || line[0] == '#') return true;
    if (line[0] != ':') {
        if (cli_is_definition(line)) {
            if (ses_define(s, line) == 0) {
                char name[128] = "";
                sscanf(line, "%*s %127[A-Za-z0-9_]", name);
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
    const Command *found = NULL;
    int matches = 0;
    for (int i = 0; i < NCOMMANDS; i++) {
        if (strcmp(commands[i].name, cmd) == 0) {
            found = &commands[i];
            matches = 1;
            break;
        }
        if (strncmp(commands[i].name, cmd, strlen(cmd)) == 0) {
            found = &commands[i];
            matches++;
        }
    }
    if (matches != 1) {
        const char *names[NCOMMANDS];
        for (int i = 0; i < NCOMMANDS; i++) names[i] = commands[i].name;
        const char *best = diag_closest(cmd, names, NCOMMANDS);
        fprintf(s->err, "kam: %s command '%s'%s%s%s (:help lists them)\n",
                matches ? "ambiguous" : "unknown", cmd, best ? "; did you mean '" : "",
                best ? best : "", best ? "'?" : "");
        return true;
    }
    const char *name = found->name;
    if (!strcmp(name, ":quit")) return false;
    if (!strcmp(name, ":help")) help(s, args);
    else if (!strcmp(name, ":load")) {
        if (!*args) fprintf(s->err, "kam: usage: :load POLICY\n");
        else if (ses_load_policy(s, args) == 0)
            fprintf(s->out, "loaded %s%s%s\n", args, s->pol->title ? ": " : "", s->pol->title ? s->pol->title : "");
    } else if (!strcmp(name, ":data")) {
        if (!*args) fprintf(s->err, "kam: usage: :data FILE\n");
        else if (ses_load_data(s, args) == 0) fprintf(s->out, "%d accounts from %s\n", s->nrec, args);
    } else if (!strcmp(name, ":reload")) {
        if (ses_load_policy(s, NULL) == 0) {
            if (s->data_path) {
                char *dp = xstrdup(s->data_path);
                ses_load_data(s, dp);
                free(dp);
            }
            fprintf(s->out, "reloaded (%d accounts)\n", s->nrec);
        }
    } else if (!strcmp(name, ":show")) {
        if (!*args) fprintf(s->err, "kam: usage: :show NAME\n");
        else show_name(s, args);
    } else if (!strcmp(name, ":type")) {
        Expr *e = *args ? ses_parse_expr(s, args, "<input>", ty_make(TY_ERROR)) : NULL;
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
    } else if (!strcmp(name, ":reset")) {
        ses_reset(s);
        fprintf(s->out, "what-ifs dropped\n");
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
                char kb[256];
                fprintf(s->out, "focused on %s (line %ld)\n",
                        wr_display(s->keys[rec], strlen(s->keys[rec]), kb, sizeof kb), s->lines[rec]);
            }
        }
    } else if (!strcmp(name, ":where")) {
        if (!*args) {
            free(s->where);
            s->where = NULL;
            fprintf(s->out, "all %d accounts\n", s->nrec);
        } else if (ses_parse_expr(s, args, ":where", ty_make(TY_BOOL))) {
            free(s->where);
            s->where = xstrdup(args);
            int n = ses_eval(s, NULL, 0, true, NULL, NULL);
            if (n >= 0) fprintf(s->out, "%d of %d accounts\n", n, s->nrec);
        }
    } else if (!strcmp(name, ":sweep")) {
        sweep(s, args);
    } else if (!strcmp(name, ":disasm")) {
        disasm_name(s, args);
    }
    return true;
}

int cmd_repl(int argc, char **argv)
{
    const char *pos[2] = {NULL, NULL};
    int npos = 0;
    const char *as_of = NULL, *table = NULL;
    for (int i = 1; i < argc; i++) {
        const char *val;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs("usage: kam repl [--as-of DATE] [--table NAME] [POLICY [DATA]]\n\n"
                  "The analyst's prompt: load a policy and accounts, ask what-ifs, diff, explain.\n"
                  "Type :help at the prompt. With standard input not a terminal, commands are\n"
                  "read line by line without prompts, so a session can be scripted.\n", stdout);
            return EXIT_OK;
        }
        if (cli_opt_value(argc, argv, &i, "--as-of", &val)) {
            if (!val) return cli_usage_error("repl", "--as-of needs a date YYYY-MM-DD");
            as_of = val;
        } else if (cli_opt_value(argc, argv, &i, "--table", &val)) {
            if (!val) return cli_usage_error("repl", "--table needs a table name");
            table = val;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_usage_error("repl", "unknown option '%s'", argv[i]);
        } else if (npos < 2) {
            pos[npos++] = argv[i];
        } else {
            return cli_usage_error("repl", "too many arguments");
        }
    }
    Session s;
    ses_init(&s, stdout, stderr);
    s.input.table = table;
    if (as_of && ses_set_today(&s, as_of) != 0) {
        ses_free(&s);
        return cli_usage_error("repl", "--as-of takes a date YYYY-MM-DD, not '%s'", as_of);
    }
    bool tty = isatty(STDIN_FILENO);
    if (pos[0] && ses_load_policy(&s, pos[0]) != 0 && !tty) {
        ses_free(&s);
        return EXIT_POLICY;
    }
    if (pos[1] && ses_load_data(&s, pos[1]) != 0 && !tty) {
        ses_free(&s);
        return EXIT_DATA;
    }
    char *hist = NULL;
    if (tty) {
        completion_session = &s;
        rl_readline_name = "kam";
        rl_attempted_completion_function = complete;
        rl_completer_word_break_characters = (char *)" \t\n()[]{},=<>!+-*/";
        hist = history_path();
        if (hist) read_history(hist);
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_sigint;
        sigaction(SIGINT, &sa, NULL);
        printf("kam %s — %s%s%d accounts. :help for commands, Ctrl-D to leave.\n", KAM_VERSION,
               s.pol && s.pol->title ? s.pol->title : (s.pol ? "policy loaded" : "no policy"),
               ", ", s.nrec);
    }
    char *pending = NULL;       /* a block typed over several lines */
    for (;;) {
        char *line;
        interrupted = 0;
        if (tty) {
            line = readline(pending ? "...> " : "kam> ");
            if (interrupted && pending) {   /* Ctrl-C abandons the block too */
                free(pending);
                pending = NULL;
            }
        } else {
            size_t cap = 0;
            line = NULL;
            if (getline(&line, &cap, stdin) < 0) {
                free(line);
                line = NULL;
            }
        }
        if (!line) break;
        if (tty && *line) add_history(line);
        if (pending) {
            size_t n = strlen(pending) + strlen(line) + 2;
            char *joined = xmalloc(n);
            snprintf(joined, n, "%s\n%s", pending, line);
            free(pending);
            free(line);
            line = joined;
            pending = NULL;
        }
        if (line[0] != ':' && cli_open_brackets(line) > 0) {
            pending = line;
            continue;
        }
        bool go_on = handle(&s, line);
        free(line);
        fflush(stdout);
        if (!go_on) break;
    }
    free(pending);
    if (tty) {
        putchar('\n');
        if (hist) {
            /* the history holds what was typed: private to the user */
            int fd = open(hist, O_WRONLY | O_CREAT, 0600);
            if (fd >= 0) close(fd);
            write_history(hist);
            history_truncate_file(hist, 1000);
            chmod(hist, 0600);
        }
    }
    free(hist);
    ses_free(&s);
    return EXIT_OK;
}
