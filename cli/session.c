/* session.c — the analyst's session (see session.h): loading a policy with
 * typed definitions, records in memory, what-ifs, evaluation, baselines and
 * the comparison of outcomes. Prints errors to s->err; results are the
 * callers' to print. */
#define _POSIX_C_SOURCE 200809L
#include "session.h"
#include "cli.h"
#include "run.h"
#include "../lang/parse.h"
#include "../runtime/date.h"
#include "../runtime/reader.h"
#include "../runtime/writer.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void ses_init(Session *s, FILE *out, FILE *err)
{
    memset(s, 0, sizeof *s);
    s->out = out;
    s->err = err;
    s->focus = -1;
    arena_init(&s->data);
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    date_from_ymd(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, &s->today);
}

static void free_data(Session *s)
{
    arena_free(&s->data);
    free(s->vals);
    free(s->keys);
    free(s->lines);
    s->vals = NULL;
    s->keys = NULL;
    s->lines = NULL;
    s->nrec = s->cap = 0;
    s->focus = -1;
}

void ses_free(Session *s)
{
    free_data(s);
    outcomes_free(&s->base);
    cg_free(s->chunk);
    policy_free(s->pol);
    for (int i = 0; i < s->ndefs; i++) free(s->defs[i]);
    free(s->defs);
    for (int i = 0; i < s->nsets; i++) {
        free(s->set_names[i]);
        free(s->set_values[i]);
    }
    free(s->set_names);
    free(s->set_values);
    free(s->where);
    free(s->policy_path);
    free(s->data_path);
}

/* Loads path with the given definitions; NULL (errors printed) if it has
 * errors. */
static Policy *load(Session *s, const char *path, char **defs, int ndefs, Chunk **chunk)
{
    DiagList d;
    diag_init(&d);
    char msg[4200];
    Policy *p = policy_load_ext(path, (const char *const *)defs, ndefs, &d, msg, sizeof msg);
    if (!p) {
        fprintf(s->err, "kam: %s\n", msg);
        diag_free(&d);
        return NULL;
    }
    if (d.nerrors) {
        diag_render_text(s->err, &p->src, &d, cli_use_color(s->err));
        diag_free(&d);
        policy_free(p);
        return NULL;
    }
    *chunk = cg_compile(p, NULL, 0, &d);
    if (!*chunk) {
        diag_render_text(s->err, &p->src, &d, cli_use_color(s->err));
        diag_free(&d);
        policy_free(p);
        return NULL;
    }
    diag_free(&d);
    return p;
}

/* Whether two policies describe the same record layout. */
static bool same_fields(const Policy *a, const Policy *b)
{
    if (!a || !b || a->nfields != b->nfields) return false;
    for (int i = 0; i < a->nfields; i++) {
        if (strcmp(a->fields[i]->name.name, b->fields[i]->name.name) != 0) return false;
        if (a->fields[i]->ty.kind != b->fields[i]->ty.kind) return false;
        const EnumInfo *x = a->fields[i]->ty.en, *y = b->fields[i]->ty.en;
        if ((x == NULL) != (y == NULL)) return false;
        if (x) {
            if (x->n != y->n) return false;
            for (int k = 0; k < x->n; k++)
                if (strcmp(x->members[k], y->members[k]) != 0) return false;
        }
    }
    return true;
}

int ses_load_policy(Session *s, const char *path)
{
    const char *p = path ? path : s->policy_path;
    if (!p) {
        fprintf(s->err, "kam: no policy loaded (:load POLICY)\n");
        return -1;
    }
    Chunk *chunk = NULL;
    Policy *pol = load(s, p, s->defs, s->ndefs, &chunk);
    if (!pol && s->ndefs && path) {
        /* a new policy: the old session definitions may not fit it */
        fprintf(s->err, "kam: (dropping the %d definition%s typed in this session)\n", s->ndefs,
                s->ndefs == 1 ? "" : "s");
        for (int i = 0; i < s->ndefs; i++) free(s->defs[i]);
        s->ndefs = 0;
        pol = load(s, p, NULL, 0, &chunk);
    }
    if (!pol) return -1;
    bool relayout = !same_fields(s->pol, pol);
    cg_free(s->chunk);
    policy_free(s->pol);
    s->pol = pol;
    s->chunk = chunk;
    if (path) {
        char *copy = xstrdup(path);
        free(s->policy_path);
        s->policy_path = copy;
    }
    if (s->data_path && relayout) {
        char *dp = xstrdup(s->data_path);
        int rc = ses_load_data(s, dp);
        free(dp);
        if (rc != 0) return -1;
    } else if (s->data_path) {
        ses_baseline(s);
    }
    return 0;
}

int ses_load_data(Session *s, const char *path)
{
    if (!s->pol) {
        fprintf(s->err, "kam: load a policy first (:load POLICY): it says which fields to read\n");
        return -1;
    }
    char err[1024];
    Source *src = rd_open_with(s->pol, path, &s->input, err, sizeof err);
    if (!src) {
        wr_print_line(s->err, "kam: ", err);
        return -1;
    }
    free_data(s);
    const Policy *p = s->pol;
    s->nfields = p->nfields;
    int rc, bad = 0;
    Value *row = xmalloc(sizeof(Value) * (size_t)(p->nfields + 1));
    while ((rc = rd_next(src)) != 0) {
        if (rc < 0) {
            wr_print_line(s->err, "kam: ", src->err);
            bad++;
            break;
        }
        bool ok = rc == 1;
        for (int i = 0; ok && i < p->nfields; i++)
            if (rd_field(src, i, &row[i]) != 0) ok = false;
        const char *key = NULL;
        size_t keylen = 0;
        if (ok && p->key_field >= 0) {
            const RdField *kf = &src->fields[src->col[p->key_field]];
            key = kf->ptr;
            keylen = kf->len;
            if (!keylen) {
                snprintf(src->err, sizeof src->err, "%s:%ld: field \"%s\": the key is empty",
                         src->path, src->line, p->fields[p->key_field]->name.name);
                ok = false;
            }
        }
        if (!ok) {
            if (++bad <= 5) wr_print_line(s->err, "kam: ", src->err);
            continue;
        }
        if (s->nrec == s->cap) {
            s->cap = s->cap ? s->cap * 2 : 1024;
            s->vals = xrealloc(s->vals, sizeof(Value) * (size_t)s->cap * (size_t)p->nfields);
            s->keys = xrealloc(s->keys, sizeof(char *) * (size_t)s->cap);
            s->lines = xrealloc(s->lines, sizeof(long) * (size_t)s->cap);
        }
        for (int i = 0; i < p->nfields; i++)      /* strings outlive the reader's buffer */
            if (p->fields[i]->ty.kind == TY_STRING && !row[i].missing)
                row[i].u.str = arena_strndup(&s->data, row[i].u.str, row[i].len);
        memcpy(s->vals + (size_t)s->nrec * (size_t)p->nfields, row, sizeof(Value) * (size_t)p->nfields);
        char lbuf[32];
        if (!key) {
            keylen = (size_t)snprintf(lbuf, sizeof lbuf, "%ld", src->line);
            key = lbuf;
        }
        s->keys[s->nrec] = arena_strndup(&s->data, key, keylen);
        s->lines[s->nrec] = src->line;
        s->nrec++;
    }
    free(row);
    rd_close(src);
    if (bad > 5) fprintf(s->err, "kam: ... %d more\n", bad - 5);
    if (bad) fprintf(s->err, "kam: %d record%s left out because of data errors\n", bad, bad == 1 ? "" : "s");
    char *copy = xstrdup(path);
    free(s->data_path);
    s->data_path = copy;
    ses_baseline(s);
    return 0;
}

/* ------------------------------------------------------------- evaluation */

static Vm *start_vm(Session *s, Chunk *c, Policy *p, bool with_sets)
{
    Vm *vm = vm_new(c);
    vm_set_today(vm, s->today);
    for (int i = 0; with_sets && i < s->nsets; i++)
        run_set_param(p, c, vm, s->set_names[i], s->set_values[i], s->err);
    vm_run(vm, c->init_pc);
    return vm;
}

Vm *ses_prepare(Session *s, Chunk *c)
{
    Vm *vm = start_vm(s, c, s->pol, true);
    size_t nf = (size_t)s->nfields;
    if (c->pass1_pc >= 0) {
        for (int r = 0; r < s->nrec; r++) {
            memcpy(vm->regs, s->vals + (size_t)r * nf, sizeof(Value) * nf);
            vm->ordinal = r;
            vm->key = s->keys[r];
            vm->keylen = strlen(s->keys[r]);
            vm_reset_scratch(vm);
            vm_run(vm, c->pass1_pc);
        }
        vm_agg_finish(vm);
    }
    return vm;
}

/* Runs chunk c (compiled from policy p) over the records. */
static int eval_chunk(Session *s, Policy *p, Chunk *c, bool with_sets, int where_probe,
                      SesVisit visit, void *ud)
{
    Vm *vm = start_vm(s, c, p, with_sets);
    size_t nf = (size_t)s->nfields;
    if (c->pass1_pc >= 0) {
        for (int r = 0; r < s->nrec; r++) {
            memcpy(vm->regs, s->vals + (size_t)r * nf, sizeof(Value) * nf);
            vm->ordinal = r;
            vm->key = s->keys[r];
            vm->keylen = strlen(s->keys[r]);
            vm_reset_scratch(vm);
            vm_run(vm, c->pass1_pc);
        }
        vm_agg_finish(vm);
    }
    int visited = 0;
    for (int r = 0; r < s->nrec; r++) {
        memcpy(vm->regs, s->vals + (size_t)r * nf, sizeof(Value) * nf);
        vm->ordinal = r;
        vm_reset_scratch(vm);
        if (vm_run(vm, c->record_pc) != 0) continue;
        if (c->probe_pc >= 0 && vm_run(vm, c->probe_pc) != 0) continue;
        if (where_probe >= 0 && !vm->regs[c->probe_reg[where_probe]].u.i) continue;
        visited++;
        if (visit) visit(s, r, vm->regs, c, ud);
    }
    vm_free(vm);
    return visited;
}

Expr *ses_parse_expr(Session *s, const char *text, const char *label, Type want)
{
    if (!s->pol) {
        fprintf(s->err, "kam: no policy loaded (:load POLICY)\n");
        return NULL;
    }
    DiagList d;
    diag_init(&d);
    int skipped = s->pol->prog.skipped.len;
    int file = src_add(&s->pol->src, label, text, strlen(text));
    Expr *e = parse_expr(&s->pol->prog, &s->pol->src, file, &d);
    /* text this input's syntax errors skipped must not excuse later input */
    s->pol->prog.skipped.len = skipped;
    if (e) policy_check_expr(s->pol, e, &d, false, want, label);
    if (!d.nerrors && e && e->ty.kind == TY_ERROR)       /* never run what did not type */
        diag_add(&d, DIAG_ERROR, e->span, "type-mismatch", "this expression has no type");
    if (d.nerrors) {
        diag_render_text(s->err, &s->pol->src, &d, cli_use_color(s->err));
        e = NULL;
    }
    diag_free(&d);
    return e;
}

int ses_eval(Session *s, Expr **probes, int nprobes, bool filtered, SesVisit visit, void *ud)
{
    if (!s->pol) {
        fprintf(s->err, "kam: no policy loaded (:load POLICY)\n");
        return -1;
    }
    Expr **all = xmalloc(sizeof(Expr *) * (size_t)(nprobes + 2));
    int n = 0, where_probe = -1;
    for (int i = 0; i < nprobes; i++) all[n++] = probes[i];
    if (filtered && s->where) {
        Expr *w = ses_parse_expr(s, s->where, ":where", ty_make(TY_BOOL));
        if (!w) {
            free(all);
            return -1;
        }
        where_probe = n;
        all[n++] = w;
    }
    DiagList d;
    diag_init(&d);
    Chunk *c = cg_compile(s->pol, all, n, &d);
    free(all);
    if (!c) {
        diag_render_text(s->err, &s->pol->src, &d, false);
        diag_free(&d);
        return -1;
    }
    diag_free(&d);
    int visited = eval_chunk(s, s->pol, c, true, where_probe, visit, ud);
    cg_free(c);
    /* the session's main chunk must keep valid slots for later use */
    cg_free(s->chunk);
    diag_init(&d);
    s->chunk = cg_compile(s->pol, NULL, 0, &d);
    diag_free(&d);
    return visited;
}

/* --------------------------------------------------------------- outcomes */

static void outcome_cols(const Policy *p, Outcomes *o)
{
    static const SymKind order[] = {SYM_SCORE, SYM_SELECT, SYM_TIER, SYM_STAGES, SYM_ENTITLE, SYM_FLAG};
    o->cols = xcalloc((size_t)p->nsyms + 1, sizeof(OutCol));
    o->names = xcalloc((size_t)p->nsyms + 1, sizeof(char *));
    o->members = xcalloc((size_t)p->nsyms + 1, sizeof(char **));
    o->ncols = 0;
    for (size_t k = 0; k < sizeof order / sizeof order[0]; k++) {
        for (int i = 0; i < p->nsyms; i++) {
            const Sym *s = p->syms[i];
            if (s->kind != order[k]) continue;
            OutCol c = {s->name, s->kind, s->ty.en, s->slot};
            o->names[o->ncols] = xstrdup(s->name);
            if ((s->kind == SYM_TIER || s->kind == SYM_STAGES) && s->ty.en) {
                o->members[o->ncols] = xcalloc((size_t)s->ty.en->n + 1, sizeof(char *));
                for (int m = 0; m < s->ty.en->n; m++)
                    o->members[o->ncols][m] = xstrdup(s->ty.en->members[m]);
            }
            c.name = o->names[o->ncols];
            c.en = NULL;        /* use o->members: the policy may go */
            o->cols[o->ncols++] = c;
        }
    }
}

void outcomes_free(Outcomes *o)
{
    for (int i = 0; i < o->ncols; i++) {
        free(o->names[i]);
        if (o->members && o->members[i]) {
            for (int m = 0; o->members[i][m]; m++) free(o->members[i][m]);
            free(o->members[i]);
        }
    }
    free(o->names);
    free(o->members);
    free(o->cols);
    free(o->v);
    memset(o, 0, sizeof *o);
}

typedef struct Collect {
    Outcomes *o;
} Collect;

static void collect(Session *s, int rec, const Value *regs, const Chunk *c, void *ud)
{
    (void)s, (void)c;
    Outcomes *o = ((Collect *)ud)->o;
    double *row = o->v + (size_t)rec * (size_t)o->ncols;
    for (int i = 0; i < o->ncols; i++) {
        const OutCol *col = &o->cols[i];
        const Value *v = &regs[col->reg];
        switch (col->kind) {
        case SYM_SCORE: row[i] = v->u.num; break;
        case SYM_TIER:
        case SYM_STAGES: row[i] = v->missing ? NAN : (double)v->u.i; break;
        default: row[i] = (double)(v->u.i != 0);
        }
    }
}

static int fill_outcomes(Session *s, Policy *p, Chunk *c, bool with_sets, bool filtered,
                         Outcomes *o)
{
    outcome_cols(p, o);
    o->nrec = s->nrec;
    o->v = xmalloc(sizeof(double) * ((size_t)s->nrec * (size_t)o->ncols + 1));
    for (size_t i = 0; i < (size_t)s->nrec * (size_t)o->ncols; i++) o->v[i] = NAN;
    Collect cl = {o};
    if (filtered && s->where) {
        Expr *w = ses_parse_expr(s, s->where, ":where", ty_make(TY_BOOL));
        if (!w) return -1;
        DiagList d;
        diag_init(&d);
        Chunk *cw = cg_compile(p, &w, 1, &d);
        diag_free(&d);
        if (!cw) return -1;
        int n = eval_chunk(s, p, cw, with_sets, 0, collect, &cl);
        cg_free(cw);
        return n;
    }
    return eval_chunk(s, p, c, with_sets, -1, collect, &cl);
}

int ses_baseline(Session *s)
{
    outcomes_free(&s->base);
    if (!s->policy_path || !s->nrec) return 0;
    Chunk *c = NULL;
    Policy *p = load(s, s->policy_path, NULL, 0, &c);
    if (!p) return -1;
    if (!same_fields(p, s->pol)) {      /* cannot happen: defs add no fields */
        cg_free(c);
        policy_free(p);
        return -1;
    }
    int n = fill_outcomes(s, p, c, false, false, &s->base);
    cg_free(c);
    policy_free(p);
    return n < 0 ? -1 : 0;
}

int ses_outcomes(Session *s, Outcomes *o, bool filtered)
{
    memset(o, 0, sizeof *o);
    if (!s->pol) return -1;
    DiagList d;
    diag_init(&d);
    cg_free(s->chunk);
    s->chunk = cg_compile(s->pol, NULL, 0, &d);
    diag_free(&d);
    if (!s->chunk) return -1;
    return fill_outcomes(s, s->pol, s->chunk, true, filtered, o);
}

void outcome_text(const Outcomes *o, int rec, int c, char *buf, size_t len)
{
    double v = o->v[(size_t)rec * (size_t)o->ncols + (size_t)c];
    const OutCol *col = &o->cols[c];
    if (isnan(v)) {
        snprintf(buf, len, "-");
        return;
    }
    switch (col->kind) {
    case SYM_SCORE: {
        char nb[40];
        wr_format_number(v, nb);
        snprintf(buf, len, "%s", nb);
        break;
    }
    case SYM_TIER:
    case SYM_STAGES:
        snprintf(buf, len, "%s", o->members[c] ? o->members[c][(int)v] : "?");
        break;
    default:
        snprintf(buf, len, "%s", v != 0 ? "true" : "false");
    }
}

static int find_col(const Outcomes *o, const char *name, SymKind kind)
{
    for (int i = 0; i < o->ncols; i++)
        if (o->cols[i].kind == kind && strcmp(o->cols[i].name, name) == 0) return i;
    return -1;
}

int outcomes_diff_text(const Outcomes *a, int ra, const Outcomes *b, int rb, char *buf, size_t len)
{
    size_t used = 0;
    int n = 0;
    buf[0] = '\0';
    for (int i = 0; i < b->ncols; i++) {
        const OutCol *col = &b->cols[i];
        int j = find_col(a, col->name, col->kind);
        double vb = b->v[(size_t)rb * (size_t)b->ncols + (size_t)i];
        double va = j >= 0 ? a->v[(size_t)ra * (size_t)a->ncols + (size_t)j] : NAN;
        if (j < 0 && (col->kind == SYM_ENTITLE || col->kind == SYM_FLAG)) va = 0;
        bool same = (isnan(va) && isnan(vb)) || va == vb;
        if (same) continue;
        n++;
        char ta[64], tb[64];
        if (used >= len) break;
        const char *sep = used ? "; " : "";
        if (col->kind == SYM_ENTITLE || col->kind == SYM_FLAG) {
            used += (size_t)snprintf(buf + used, len - used, "%s%s%s", sep, vb != 0 ? "+" : "-",
                                     col->name);
        } else {
            if (j >= 0) outcome_text(a, ra, j, ta, sizeof ta);
            else snprintf(ta, sizeof ta, "(new)");
            outcome_text(b, rb, i, tb, sizeof tb);
            used += (size_t)snprintf(buf + used, len - used, "%s%s %s -> %s", sep, col->name, ta, tb);
        }
    }
    return n;
}

/* ---------------------------------------------------------------- what-ifs */

/* The name a definition text defines, for replacing an earlier one. */
static bool def_name(const char *text, char *name, size_t len)
{
    const char *p = text;
    while (*p == ' ' || *p == '\t' || *p == '\n') p++;
    while (*p && *p != ' ' && *p != '\t') p++;      /* the keyword */
    while (*p == ' ' || *p == '\t') p++;
    size_t n = 0;
    while ((p[n] == '_' || (p[n] >= 'a' && p[n] <= 'z') || (p[n] >= 'A' && p[n] <= 'Z') ||
            (p[n] >= '0' && p[n] <= '9')) && n + 1 < len) {
        name[n] = p[n];
        n++;
    }
    name[n] = '\0';
    return n > 0;
}

int ses_define(Session *s, const char *text)
{
    if (!s->policy_path) {
        fprintf(s->err, "kam: load a policy first (:load POLICY)\n");
        return -1;
    }
    char name[256], other[256];
    bool named = def_name(text, name, sizeof name);
    /* the new list: earlier definitions of the same name give way */
    char **defs = xmalloc(sizeof(char *) * (size_t)(s->ndefs + 1));
    int n = 0;
    for (int i = 0; i < s->ndefs; i++)
        if (!(named && def_name(s->defs[i], other, sizeof other) && strcmp(name, other) == 0))
            defs[n++] = s->defs[i];
    defs[n++] = xstrdup(text);
    Chunk *chunk = NULL;
    Policy *p = load(s, s->policy_path, defs, n, &chunk);
    if (!p) {
        free(defs[n - 1]);
        free(defs);
        return -1;
    }
    for (int i = 0; i < s->ndefs; i++) {
        bool kept = false;
        for (int k = 0; k < n - 1; k++)
            if (defs[k] == s->defs[i]) kept = true;
        if (!kept) free(s->defs[i]);
    }
    free(s->defs);
    s->defs = defs;
    s->ndefs = n;
    cg_free(s->chunk);
    policy_free(s->pol);
    s->pol = p;
    s->chunk = chunk;
    return 0;
}

int ses_set(Session *s, const char *name, const char *value)
{
    if (!s->pol) {
        fprintf(s->err, "kam: no policy loaded (:load POLICY)\n");
        return -1;
    }
    if (value) {                /* check it now, on a scratch VM */
        Vm *vm = vm_new(s->chunk);
        int rc = run_set_param(s->pol, s->chunk, vm, name, value, s->err);
        vm_free(vm);
        if (rc != 0) return -1;
    }
    for (int i = 0; i < s->nsets; i++) {
        if (strcmp(s->set_names[i], name) != 0) continue;
        free(s->set_values[i]);
        if (value) {
            s->set_values[i] = xstrdup(value);
        } else {
            free(s->set_names[i]);
            s->nsets--;
            s->set_names[i] = s->set_names[s->nsets];
            s->set_values[i] = s->set_values[s->nsets];
        }
        return 0;
    }
    if (!value) return 0;
    s->set_names = xrealloc(s->set_names, sizeof(char *) * (size_t)(s->nsets + 1));
    s->set_values = xrealloc(s->set_values, sizeof(char *) * (size_t)(s->nsets + 1));
    s->set_names[s->nsets] = xstrdup(name);
    s->set_values[s->nsets] = xstrdup(value);
    s->nsets++;
    return 0;
}

void ses_reset(Session *s)
{
    for (int i = 0; i < s->nsets; i++) {
        free(s->set_names[i]);
        free(s->set_values[i]);
    }
    s->nsets = 0;
    free(s->where);
    s->where = NULL;
    /* redefinitions of the file's rules go; new definitions stay */
    if (s->ndefs && s->policy_path) {
        Chunk *c = NULL;
        Policy *base = load(s, s->policy_path, NULL, 0, &c);
        if (base) {
            int n = 0;
            char name[256];
            for (int i = 0; i < s->ndefs; i++) {
                if (def_name(s->defs[i], name, sizeof name) && policy_sym(base, name))
                    free(s->defs[i]);
                else
                    s->defs[n++] = s->defs[i];
            }
            s->ndefs = n;
            cg_free(c);
            policy_free(base);
            ses_load_policy(s, NULL);
        }
    }
}

int ses_set_today(Session *s, const char *as_of)
{
    int32_t d;
    if (!date_parse(as_of, strlen(as_of), &d)) return -1;
    s->today = d;
    return 0;
}

int ses_find(Session *s, const char *key)
{
    for (int i = 0; i < s->nrec; i++)
        if (strcmp(s->keys[i], key) == 0) return i;
    const char *best = NULL;
    if (s->nrec <= 100000) best = diag_closest(key, (const char *const *)s->keys, s->nrec);
    fprintf(s->err, "kam: no account with key '%s'%s%s%s\n", key, best ? "; did you mean '" : "",
            best ? best : "", best ? "'?" : "");
    return -1;
}

int ses_revenue_field(const Session *s)
{
    if (!s->pol) return -1;
    int first = -1;
    for (int i = 0; i < s->pol->nfields; i++) {
        const Field *f = s->pol->fields[i];
        if (f->ty.kind != TY_MONEY) continue;
        if (strstr(f->name.name, "revenue")) return i;
        if (first < 0) first = i;
    }
    return first;
}

void ses_format_value(Type t, const Value *v, char *buf, size_t len)
{
    if (v->missing) {
        snprintf(buf, len, "missing");
        return;
    }
    char nb[40];
    switch (t.kind) {
    case TY_PERCENT: {
        double pct = v->u.num * 100;
        wr_format_number(round(pct * 100) / 100, nb);
        snprintf(buf, len, "%s%%", nb);
        break;
    }
    case TY_MONEY: {
        /* group thousands for reading: 1,250,000.5 */
        wr_format_number(round(v->u.num * 100) / 100, nb);
        char *dot = strchr(nb, '.');
        size_t ilen = dot ? (size_t)(dot - nb) : strlen(nb);
        size_t k = 0, start = nb[0] == '-' ? 1 : 0;
        char out[64];
        if (start) out[k++] = '-';
        for (size_t i = start; i < ilen; i++) {
            out[k++] = nb[i];
            size_t left = ilen - i - 1;
            if (left && left % 3 == 0) out[k++] = ',';
        }
        out[k] = '\0';
        snprintf(buf, len, "%s%s", out, dot ? dot : "");
        break;
    }
    case TY_INT:
    case TY_NUMBER:
        if (v->u.num == floor(v->u.num) && fabs(v->u.num) < 1e15) {
            wr_format_number(v->u.num, nb);
            snprintf(buf, len, "%s", nb);
        } else {
            snprintf(buf, len, "%.6g", v->u.num);     /* for people: 6 digits */
        }
        break;
    case TY_BOOL:
        snprintf(buf, len, "%s", v->u.i ? "true" : "false");
        break;
    case TY_DATE: {
        char db[11];
        date_format((int32_t)v->u.i, db);
        snprintf(buf, len, "%s", db);
        break;
    }
    case TY_ENUM:
    case TY_STAGE:
        snprintf(buf, len, "%s", t.en && v->u.i >= 0 && v->u.i < t.en->n ? t.en->members[v->u.i] : "?");
        break;
    case TY_STRING:
    {
        char shown[4 * 200 + 1];   /* control characters escaped: this is for terminals */
        snprintf(buf, len, "\"%s\"", wr_display(v->u.str, v->len > 200 ? 200 : v->len, shown, sizeof shown));
    }
        break;
    default:
        snprintf(buf, len, "?");
    }
}
