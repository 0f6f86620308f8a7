/* engine.c — the one evaluation engine (see engine.h): opening a policy
 * for evaluation, params, the portfolio passes, records. The record loops
 * themselves belong to the callers (a streamed Source in cli/run.c, the
 * in-memory table of a session): they feed records to these steps. */
#define _POSIX_C_SOURCE 200809L
#include "engine.h"
#include "../lang/parse.h"
#include "../base/date.h"
#include "../runtime/writer.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int eng_exit_code(EngStatus st)
{
    switch (st) {
    case ENG_OK: return 0;
    case ENG_POLICY: return 1;
    case ENG_USAGE: return 2;
    case ENG_DATA: return 3;
    case ENG_INTERRUPTED: return 130;
    }
    return 2;
}

static int severity(EngStatus st)
{
    switch (st) {
    case ENG_OK: return 0;
    case ENG_DATA: return 1;
    case ENG_POLICY: return 2;
    case ENG_USAGE: return 3;
    case ENG_INTERRUPTED: return 4;
    }
    return 3;
}

EngStatus eng_worse(EngStatus a, EngStatus b)
{
    return severity(a) >= severity(b) ? a : b;
}

int32_t eng_today(void)
{
    time_t now = time(NULL);
    struct tm tm;
    int32_t today = 0;
    localtime_r(&now, &tm);
    date_from_ymd(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, &today);
    return today;
}

EngStatus eng_open(Engine *e, Policy *pol, Expr **probes, int nprobes, int32_t today, FILE *err,
                   bool color)
{
    memset(e, 0, sizeof *e);
    e->pol = pol;
    e->err = err;
    e->color = color;
    DiagList d;
    diag_init(&d);
    e->chunk = cg_compile(pol, probes, nprobes, &d);
    if (!e->chunk) {
        diag_render_text(err, &pol->src, &d, color);
        diag_free(&d);
        return ENG_POLICY;
    }
    diag_free(&d);
    e->own_chunk = true;
    e->vm = vm_new(e->chunk);
    vm_set_today(e->vm, today);
    return ENG_OK;
}

void eng_adopt(Engine *e, Policy *pol, Chunk *chunk, int32_t today, FILE *err, bool color)
{
    memset(e, 0, sizeof *e);
    e->pol = pol;
    e->err = err;
    e->color = color;
    e->chunk = chunk;
    e->vm = vm_new(chunk);
    vm_set_today(e->vm, today);
}

typedef struct EngLent {
    AggState *agg;
    LimitState *lim;
    AggGroups *gagg;
    bool *bad;
    long nbad_cap, left_out;
    long *why_ord;
    char **why;
    int nwhy;
} EngLent;

bool eng_passes_alike(const Chunk *a, const Chunk *b)
{
    if (a->naggs != b->naggs || a->nlimits != b->nlimits || a->npasses != b->npasses) return false;
    for (int i = 0; i < a->naggs; i++)
        if (a->aggs[i].call != b->aggs[i].call || a->aggs[i].layer != b->aggs[i].layer) return false;
    for (int i = 0; i < a->nlimits; i++)
        if (a->limits[i].select != b->limits[i].select || a->limits[i].layer != b->limits[i].layer) return false;
    return true;
}

void eng_lend_passes(Engine *e, const Engine *from)
{
    EngLent *l = xmalloc(sizeof *l);
    *l = (EngLent){e->vm->agg, e->vm->lim, e->vm->gagg, e->bad, e->nbad_cap, e->left_out,
                   e->why_ord, e->why, e->nwhy};
    e->lent = l;
    e->vm->agg = from->vm->agg;
    e->vm->lim = from->vm->lim;
    e->vm->gagg = from->vm->gagg;
    e->bad = from->bad;
    e->nbad_cap = from->nbad_cap;
    e->left_out = from->left_out;
    e->why_ord = from->why_ord;
    e->why = from->why;
    e->nwhy = from->nwhy;
}

void eng_unlend_passes(Engine *e)
{
    EngLent *l = e->lent;
    if (!l) return;
    e->vm->agg = l->agg;
    e->vm->lim = l->lim;
    e->vm->gagg = l->gagg;
    e->bad = l->bad;
    e->nbad_cap = l->nbad_cap;
    e->left_out = l->left_out;
    e->why_ord = l->why_ord;
    e->why = l->why;
    e->nwhy = l->nwhy;
    free(l);
    e->lent = NULL;
}

void eng_close(Engine *e)
{
    eng_unlend_passes(e);
    for (int i = 0; e->pf_why && i < e->chunk->nportfolio; i++) free(e->pf_why[i]);
    free(e->pf_why);
    vm_free(e->vm);
    if (e->own_chunk) cg_free(e->chunk);
    free(e->bad);
    for (int i = 0; i < e->nwhy; i++) free(e->why[i]);
    free(e->why);
    free(e->why_ord);
    memset(e, 0, sizeof *e);
}

bool eng_literal_value(const Expr *x, Value *out)
{
    switch (x->kind) {
    case EX_NUMBER:
    case EX_PERCENT: *out = val_num(x->num); return true;
    case EX_BOOL: *out = val_int(x->num != 0); return true;
    case EX_DATE: *out = val_int(x->date); return true;
    case EX_STRING: *out = val_str(x->str, (uint32_t)strlen(x->str)); return true;
    case EX_NAME:
        if (x->member < 0) return false;
        *out = val_int(x->member);
        return true;
    case EX_UNARY:
        if (x->op != OPX_NEG || !eng_literal_value(x->a, out)) return false;
        out->u.num = -out->u.num;
        return true;
    default:
        return false;
    }
}

static int sym_index(const Policy *p, const Sym *s)
{
    for (int j = 0; j < p->nsyms; j++)
        if (p->syms[j] == s) return j;
    return -1;
}

void eng_set_param_value(Engine *e, const Sym *param, Value v)
{
    int k = sym_index(e->pol, param);
    e->vm->regs[param->slot] = v;
    if (k >= 0) e->vm->regs[e->chunk->set_flag_reg[k]] = val_int(1);
}

/* A step's failure: into e->msg, and printed as "kam: ..." if e->err. */
static void say(Engine *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(Engine *e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    if (e->err) fprintf(e->err, "kam: %s\n", e->msg);
}

/* Diagnostics: rendered to e->err with source lines and carets, or into
 * e->msg when nothing is printed. */
static void say_diags(Engine *e, const DiagList *d)
{
    if (e->err) {
        diag_render_text(e->err, &e->pol->src, d, e->color);
        if (d->n) snprintf(e->msg, sizeof e->msg, "%s", d->items[0].msg);
        return;
    }
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) {
        snprintf(e->msg, sizeof e->msg, "%s", d->n ? d->items[0].msg : "error");
        return;
    }
    diag_render_text(f, &e->pol->src, d, false);
    fclose(f);
    while (len && buf[len - 1] == '\n') buf[--len] = '\0';
    snprintf(e->msg, sizeof e->msg, "%s", buf);
    free(buf);
}

EngStatus eng_set_param(Engine *e, const char *name, const char *text)
{
    Policy *p = e->pol;
    Sym *s = policy_sym(p, name);
    if (!s || s->kind != SYM_PARAM) {
        const char *params[256];
        int n = 0;
        for (int j = 0; j < p->nsyms && n < 256; j++)
            if (p->syms[j]->kind == SYM_PARAM) params[n++] = p->syms[j]->name;
        if (s) {
            say(e, "'%s' is a %s; only params can be set", name,
                s->kind == SYM_CONST ? "const" : s->kind == SYM_FIELD ? "field" : "rule");
        } else {
            const char *best = diag_closest(name, params, n);
            say(e, "no param named '%s'%s%s%s", name, best ? "; did you mean '" : "",
                best ? best : "", best ? "'?" : "");
        }
        return ENG_USAGE;
    }
    DiagList vd;
    diag_init(&vd);
    char label[300];
    snprintf(label, sizeof label, "value for %s", name);
    int file = src_add(&p->src, label, text, strlen(text));
    int skipped = p->prog.skipped.len;
    Expr *x = parse_expr(&p->prog, &p->src, file, &vd);
    p->prog.skipped.len = skipped;
    if (x) policy_check_expr(p, x, &vd, true, s->ty, "the value");
    if (x && !vd.nerrors) policy_check_unit(p, x, s, &vd);     /* 8 for a percent: 800%? */
    Value v;
    if (!vd.nerrors && x && !eng_literal_value(x, &v))
        diag_add(&vd, DIAG_ERROR, x->span, "not-constant",
                 "a param is set to a literal value (a number, 12%%, a date, true/false, a name)");
    if (vd.nerrors || !x) {
        say_diags(e, &vd);
        diag_free(&vd);
        return ENG_USAGE;
    }
    diag_free(&vd);
    eng_set_param_value(e, s, v);
    return ENG_OK;
}

void eng_portfolio(Engine *e)
{
    const Chunk *c = e->chunk;
    if (!c->nportfolio) return;
    if (!e->pf_why) e->pf_why = xcalloc((size_t)c->nportfolio, sizeof(char *));
    for (int i = 0; i < c->nportfolio; i++) {
        free(e->pf_why[i]);
        e->pf_why[i] = NULL;
        if (vm_run(e->vm, c->portfolio[i].pc) == 0) continue;
        char buf[700];
        eng_vm_error(e, buf, sizeof buf);
        e->pf_why[i] = xstrdup(buf);
        e->vm->regs[c->portfolio[i].reg] = val_int(0);
        e->vm->regs[c->portfolio[i].reg].missing = 1;
    }
}

int eng_portfolio_value(const Engine *e, int i)
{
    Value v = e->vm->regs[e->chunk->portfolio[i].reg];
    return v.missing ? -1 : v.u.i != 0;
}

EngStatus eng_init(Engine *e)
{
    if (vm_run(e->vm, e->chunk->init_pc) == 0) {
        if (!e->chunk->npasses) eng_portfolio(e);
        return ENG_OK;
    }
    const Policy *p = e->pol;
    const Span *sp = &e->vm->err_span;
    int line, col;
    src_linecol(&p->src, sp->file, sp->start, &line, &col);
    say(e, "%s:%d:%d: %s while computing the params", p->src.files[sp->file]->path, line, col,
        e->vm->err ? e->vm->err : "evaluation failed");
    return ENG_POLICY;
}

Source *eng_source(const Policy *pol, const char *path, const SourceOpts *in, FILE *err,
                   EngStatus *st)
{
    char msg[1024];
    bool misfit;
    Source *src = rd_open_ex(&pol->schema, path, in, msg, sizeof msg, &misfit);
    *st = ENG_OK;
    if (!src) {
        wr_print_line(err, "kam: ", msg);      /* data text escaped */
        *st = misfit ? ENG_DATA : ENG_USAGE;
    }
    return src;
}

int eng_npasses(const Engine *e)
{
    return e->chunk->npasses;
}

bool eng_has_passes(const Engine *e)
{
    return e->chunk->npasses > 0;
}

void eng_passes_reset(Engine *e)
{
    if (e->bad) memset(e->bad, 0, (size_t)e->nbad_cap * sizeof(bool));
    e->left_out = 0;
    for (int i = 0; i < e->nwhy; i++) free(e->why[i]);
    e->nwhy = 0;
    e->stale = false;
    e->cur_pass = 0;
}

void eng_pass_begin(Engine *e, int k)
{
    if (k <= 1) {
        vm_pass_reset(e->vm);
        e->stale = false;
    }
    e->cur_pass = k;
}

const char *eng_left_out_why(const Engine *e, long ordinal)
{
    for (int i = 0; i < e->nwhy; i++)
        if (e->why_ord[i] == ordinal) return e->why[i];
    return "its evaluation failed in a portfolio pass (for the aggregates and limits)";
}

void eng_pass_left_out(Engine *e, long ordinal)
{
    if (ordinal < 0) return;
    if (ordinal >= e->nbad_cap) {
        long cap = e->nbad_cap ? e->nbad_cap : 1024;
        while (cap <= ordinal) cap *= 2;
        e->bad = xrealloc(e->bad, (size_t)cap * sizeof(bool));
        memset(e->bad + e->nbad_cap, 0, (size_t)(cap - e->nbad_cap) * sizeof(bool));
        e->nbad_cap = cap;
    }
    if (e->bad[ordinal]) return;
    e->left_out++;
    e->bad[ordinal] = true;
    /* counted by the earlier passes' aggregates and limits: they must be
       done again without it */
    if (e->cur_pass > 1) e->stale = true;
}

bool eng_stale(const Engine *e)
{
    return e->stale;
}

/* What a record adds to the aggregates and limits, to take it back out if
 * its pass's evaluation fails half-way. */
typedef struct Undo {
    AggState agg[16];
    size_t lim[16];
} Undo;

/* The VM set for a record: its ordinal (the same in every pass), its key
 * (limits break ties by it), fresh scratch space. */
static Vm *at_record(Vm *vm, long ordinal, const char *key, size_t keylen)
{
    vm->ordinal = ordinal;
    vm->key = key ? key : "";
    vm->keylen = key ? keylen : 0;
    vm_reset_scratch(vm);
    return vm;
}

/* "division by zero (in p.kam:12:5)" for vm's last error. */
static void vm_error_of(const Engine *e, const Vm *vm, char *buf, size_t len)
{
    const Policy *p = e->pol;
    const Span *sp = &vm->err_span;
    if (sp->file >= 0 && sp->file < p->src.n) {
        int line, col;
        src_linecol(&p->src, sp->file, sp->start, &line, &col);
        snprintf(buf, len, "%s (in %s:%d:%d)", vm->err ? vm->err : "evaluation failed",
                 p->src.files[sp->file]->path, line, col);
    } else {
        snprintf(buf, len, "%s", vm->err ? vm->err : "evaluation failed");
    }
}

void eng_vm_error(const Engine *e, char *buf, size_t len)
{
    vm_error_of(e, e->vm, buf, len);
}

void eng_code_regs(const Chunk *c, int pc, bool *reads, bool *writes)
{
    for (; pc >= 0 && pc < c->ncode && c->code[pc].op != OP_HALT; pc++) {
        const Instr *in = &c->code[pc];
        const char *ops = op_operands[in->op];
        if (writes && strchr(ops, 'd') && in->d < c->nregs) writes[in->d] = true;
        if (!reads) continue;
        if (in->op == OP_CALL) {            /* registers a .. a+b-1 */
            for (int r = in->a; r < in->a + in->b && r < c->nregs; r++) reads[r] = true;
            continue;
        }
        if (strchr(ops, 'a') && in->a < c->nregs) reads[in->a] = true;
        if (strchr(ops, 'b') && in->b < c->nregs) reads[in->b] = true;
    }
}

static bool reads_any(const Chunk *c, int pc, const bool *changed, bool *scratch)
{
    memset(scratch, 0, (size_t)c->nregs);
    eng_code_regs(c, pc, scratch, NULL);
    for (int r = 0; r < c->nregs; r++)
        if (scratch[r] && changed[r]) return true;
    return false;
}

static bool same_bits(const Value *a, const Value *b)
{
    return a->missing == b->missing && a->len == b->len && memcmp(&a->u, &b->u, sizeof a->u) == 0;
}

/* Whether the unit at pc reads an aggregate or a limit the flags mark. */
static bool unit_reads_state(const Chunk *c, int pc, const bool *agg, const bool *lim)
{
    for (; pc >= 0 && pc < c->ncode && c->code[pc].op != OP_HALT; pc++) {
        const Instr *in = &c->code[pc];
        if (in->op == OP_AGG && in->x < c->naggs && agg[in->x]) return true;
        if (in->op == OP_LIMIT_GET && in->x < c->nlimits && lim[in->x]) return true;
    }
    return false;
}

EngDelta *eng_delta_new(const Engine *e, const Value *ref, const Engine *ref_e)
{
    const Chunk *c = e->chunk;
    const Policy *p = e->pol;
    if (!c->nunits) return NULL;
    const Value *regs = e->vm->regs;
    size_t n = (size_t)c->nregs + 1;
    bool *cand = xcalloc(n, 1), *changed = xcalloc(n, 1), *scratch = xcalloc(n, 1);
    /* what init and --set write: params, consts, their --set flags, limit counts */
    eng_code_regs(c, c->init_pc, NULL, cand);
    for (int i = 0; i < p->nsyms; i++)
        if (c->param_reg[i] >= 0) {
            cand[c->param_reg[i]] = true;
            cand[c->set_flag_reg[i]] = true;
        }
    cand[c->today_reg] = true;
    EngDelta *d = xcalloc(1, sizeof *d);
    d->swap = xmalloc(sizeof(int) * n);
    d->ref = xmalloc(sizeof(Value) * n);
    d->cur = xmalloc(sizeof(Value) * n);
    for (int r = 0; r < c->nfixed && r < c->nregs; r++)     /* named: not init's temporaries */
        if (cand[r] && !same_bits(&regs[r], &ref[r])) {
            changed[r] = true;
            d->ref[d->nswap] = ref[r];
            d->cur[d->nswap] = regs[r];
            d->swap[d->nswap++] = r;
        }
    /* the first pass whose results may differ (one reading a changed
       register, or ranking a limit whose count changed): it and every
       later pass (they read its values) differ; without the reference's
       passes (ref_e) that cannot be decided */
    int first = c->npasses + 1;
    for (int k = 1; k <= c->npasses && first > c->npasses; k++)
        if (reads_any(c, c->pass_pc[k - 1], changed, scratch)) first = k;
    for (int i = 0; i < c->nlimits; i++)
        if (changed[c->limits[i].count_reg] && c->limits[i].layer < first) first = c->limits[i].layer;
    bool ok = first > c->npasses || (ref_e && eng_passes_alike(ref_e->chunk, c) && !ref_e->stale);
    for (int i = 0; ok && i < c->nprobes; i++) ok = !reads_any(c, c->probe_pcs[i], changed, scratch);
    if (!ok) {
        free(cand), free(changed), free(scratch);
        eng_delta_free(d);
        return NULL;
    }
    bool *agg_changed = xcalloc((size_t)c->naggs + 1, 1), *lim_changed = xcalloc((size_t)c->nlimits + 1, 1);
    for (int i = 0; i < c->naggs; i++) agg_changed[i] = c->aggs[i].layer >= first;
    for (int i = 0; i < c->nlimits; i++) lim_changed[i] = c->limits[i].layer >= first;
    if (first <= c->npasses) d->ref_e = ref_e;
    /* the frontier, and (back to front: the units are in dependency
       order) every unit whose named registers a unit to run reads */
    int nu = c->nunits;
    bool *in = xcalloc((size_t)nu + 1, 1), *front = xcalloc((size_t)nu + 1, 1);
    int *owner = xmalloc(sizeof(int) * n);
    for (int r = 0; r < c->nregs; r++) owner[r] = -1;
    bool **reads = xcalloc((size_t)nu + 1, sizeof(bool *));
    for (int u = 0; u < nu; u++) {
        reads[u] = xcalloc(n, 1);
        memset(scratch, 0, n);
        eng_code_regs(c, c->unit_pc[u], reads[u], scratch);
        for (int r = 0; r < c->nfixed && r < c->nregs; r++)
            if (scratch[r]) owner[r] = u;
        for (int r = 0; r < c->nregs; r++)
            if (reads[u][r] && changed[r]) front[u] = in[u] = true;
        if (d->ref_e && unit_reads_state(c, c->unit_pc[u], agg_changed, lim_changed)) front[u] = in[u] = true;
    }
    free(agg_changed);
    free(lim_changed);
    for (int u = nu - 1; ok && u >= 0; u--) {
        if (!in[u]) continue;
        for (int r = 0; r < c->nfixed && r < c->nregs; r++)
            if (reads[u][r] && owner[r] >= 0 && owner[r] != u) {
                in[owner[r]] = true;
                if (owner[r] > u) ok = false;   /* not in dependency order: cannot decide */
            }
    }
    d->run = xmalloc(sizeof(int) * ((size_t)nu + 1));
    d->cmp = xmalloc(sizeof(int) * n);
    d->cmp_str = xcalloc(n, 1);
    d->fields = xcalloc((size_t)p->nfields + 1, 1);
    /* the probes (a :where filter) of an account found the same: the
       units they read, closed over what those read, then the probes */
    if (c->nprobes) {
        bool *pin = xcalloc((size_t)nu + 1, 1);
        for (int i = 0; i < c->nprobes; i++) {
            memset(scratch, 0, n);
            eng_code_regs(c, c->probe_pcs[i], scratch, NULL);
            for (int r = 0; r < c->nregs; r++) {
                if (!scratch[r]) continue;
                if (r < c->nfixed && owner[r] >= 0) pin[owner[r]] = true;
                for (int f = 0; f < p->nfields; f++)
                    if (c->field_reg[f] == r) d->fields[f] = true;
            }
        }
        for (int u = nu - 1; u >= 0; u--) {
            if (!pin[u]) continue;
            for (int r = 0; r < c->nfixed && r < c->nregs; r++)
                if (reads[u][r] && owner[r] >= 0 && owner[r] != u) pin[owner[r]] = true;
        }
        d->prun = xmalloc(sizeof(int) * ((size_t)nu + 1));
        for (int u = 0; u < nu; u++) {
            if (!pin[u]) continue;
            d->prun[d->nprun++] = u;
            for (int f = 0; f < p->nfields; f++)
                if (reads[u][c->field_reg[f]]) d->fields[f] = true;
        }
        free(pin);
    }
    for (int u = 0; u < nu; u++) {
        if (!in[u]) continue;
        d->run[d->nrun++] = u;
        for (int f = 0; f < p->nfields; f++)
            if (reads[u][c->field_reg[f]]) d->fields[f] = true;
        if (!front[u]) continue;
        const Sym *sym = p->syms[c->unit_sym[u]];
        for (int r = 0; r < c->nfixed && r < c->nregs; r++) {
            if (owner[r] != u) continue;
            d->cmp_str[d->ncmp] = r == sym->slot && sym->ty.kind == TY_STRING;
            for (int o = 0; o < c->nouts; o++)
                for (int t = 0; t < c->outs[o].nterms; t++)
                    if (c->outs[o].terms[t].reg == r && c->outs[o].terms[t].ty.kind == RT_STRING)
                        d->cmp_str[d->ncmp] = true;
            if (d->cmp_str[d->ncmp]) d->has_str = true;
            d->cmp[d->ncmp++] = r;
        }
    }
    for (int u = 0; u < nu; u++) free(reads[u]);
    free(reads);
    free(owner);
    free(in);
    free(front);
    free(cand), free(changed), free(scratch);
    if (!ok) {
        eng_delta_free(d);
        return NULL;
    }
    return d;
}

int eng_delta_probes(const EngDelta *d, Vm *vm)
{
    const Chunk *c = vm->c;
    for (int i = 0; i < d->nprun; i++)
        if (vm_run(vm, c->unit_pc[d->prun[i]]) != 0) return 0;
    for (int i = 0; i < c->nprobes; i++)
        if (vm_run(vm, c->probe_pcs[i]) != 0) return 0;
    return 1;
}

int eng_delta_probes_at(const EngDelta *d, Vm *vm, long ordinal)
{
    at_record(vm, ordinal, NULL, 0);
    return eng_delta_probes(d, vm);
}

VbPlan *eng_delta_batch_new(const EngDelta *d, const Vm *vm, const VbCol *cols, int ncols)
{
    if (d->has_str || d->ref_e || d->nrun == 0 || d->ncmp > 7) return NULL;
    return vb_new(vm->c, d->run, d->nrun, d->cmp, d->ncmp, cols, ncols);
}

void eng_delta_batch_values(const EngDelta *d, Vm *vm, VbPlan *p, bool ref, long from, int n,
                            const uint8_t *want, uint64_t *vals, uint8_t *st)
{
    Value *regs = vm->regs;
    uint8_t ok[VB_LANES];
    if (ref)
        for (int i = 0; i < d->nswap; i++) regs[d->swap[i]] = d->ref[i];
    vb_run(p, vm, regs, from, n, want, ok);
    if (ref)
        for (int i = 0; i < d->nswap; i++) regs[d->swap[i]] = d->cur[i];
    for (int i = 0; i < d->ncmp; i++) {
        const uint64_t *b = vb_out_bits(p, i);
        for (int l = 0; l < n; l++)
            if (ok[l]) vals[(size_t)l * (size_t)d->ncmp + (size_t)i] = b[l];
    }
    for (int l = 0; l < n; l++) {
        if (!want[l]) continue;
        if (!ok[l]) {
            st[l] = ENG_KEPT_FAILED;
            continue;
        }
        unsigned bits = ENG_KEPT_OK;
        for (int i = 0; i < d->ncmp; i++)
            if (vb_out_missing(p, i)[l]) bits |= 1u << i;
        st[l] = (uint8_t)bits;
    }
}

void eng_delta_batch_same(const EngDelta *d, Vm *vm, VbPlan *p, long from, int n, const uint8_t *want,
                          const uint64_t *vals, const uint8_t *st, uint8_t *same)
{
    vb_run(p, vm, vm->regs, from, n, want, same);
    for (int i = 0; i < d->ncmp; i++) {     /* as eng_delta_same_kept */
        const uint64_t *b = vb_out_bits(p, i);
        const uint8_t *m = vb_out_missing(p, i);
        for (int l = 0; l < n; l++)
            same[l] &= (m[l] == ((st[l] >> i) & 1u)) & (b[l] == vals[(size_t)l * (size_t)d->ncmp + (size_t)i]);
    }
}

void eng_delta_free(EngDelta *d)
{
    if (!d) return;
    free(d->prun);
    free(d->run);
    free(d->cmp);
    free(d->cmp_str);
    free(d->swap);
    free(d->ref);
    free(d->cur);
    free(d->fields);
    free(d);
}

static bool delta_equal(const EngDelta *d, int i, const Value *a, const Value *b)
{
    if (same_bits(a, b)) return true;
    return d->cmp_str[i] && a->missing == b->missing && !a->missing && a->len == b->len &&
           memcmp(a->u.str, b->u.str, a->len) == 0;
}

int eng_delta_ref(const EngDelta *d, Vm *vm, long ordinal, Value *out)
{
    const Chunk *c = vm->c;
    at_record(vm, ordinal, NULL, 0);    /* units never rank: no key needed */
    Value *regs = vm->regs;
    for (int i = 0; i < d->nswap; i++) regs[d->swap[i]] = d->ref[i];
    /* the reference's aggregates and limits, if its passes differ */
    AggState *agg = vm->agg;
    LimitState *lim = vm->lim;
    AggGroups *gagg = vm->gagg;
    if (d->ref_e) {
        vm->agg = d->ref_e->vm->agg;
        vm->lim = d->ref_e->vm->lim;
        vm->gagg = d->ref_e->vm->gagg;
    }
    bool ok = !d->ref_e || !eng_left_out(d->ref_e, ordinal);
    for (int i = 0; ok && i < d->nrun; i++) ok = vm_run(vm, c->unit_pc[d->run[i]]) == 0;
    vm->agg = agg;
    vm->lim = lim;
    vm->gagg = gagg;
    for (int i = 0; i < d->ncmp; i++) out[i] = regs[d->cmp[i]];
    for (int i = 0; i < d->nswap; i++) regs[d->swap[i]] = d->cur[i];
    return ok;
}

int eng_delta_same(const EngDelta *d, Vm *vm, long ordinal, const Value *old, const Value *ref)
{
    const Chunk *c = vm->c;
    if (old || !d->has_str) at_record(vm, ordinal, NULL, 0);
    else vm->ordinal = ordinal;         /* ref's strings are in the scratch: kept */
    const Value *regs = vm->regs;
    for (int i = 0; i < d->nrun; i++)
        if (vm_run(vm, c->unit_pc[d->run[i]]) != 0) return 0;
    for (int i = 0; i < d->ncmp; i++)
        if (!delta_equal(d, i, old ? &old[d->cmp[i]] : &ref[i], &regs[d->cmp[i]])) return 0;
    return 1;
}

int eng_delta_same_kept(const EngDelta *d, Vm *vm, long ordinal, const uint64_t *ref, unsigned missing)
{
    const Chunk *c = vm->c;
    at_record(vm, ordinal, NULL, 0);
    for (int i = 0; i < d->nrun; i++)
        if (vm_run(vm, c->unit_pc[d->run[i]]) != 0) return 0;
    const Value *regs = vm->regs;
    for (int i = 0; i < d->ncmp; i++) {     /* as same_bits, against a value of no length */
        const Value *v = &regs[d->cmp[i]];
        if (v->missing != ((missing >> i) & 1u) || v->len != 0 || memcmp(&v->u, &ref[i], sizeof ref[i]) != 0)
            return 0;
    }
    return 1;
}

static bool pass_eval_vm(const Engine *e, Vm *vm, int k, long ordinal, const char *key,
                         size_t keylen, char *why, size_t len);

bool eng_pass_eval(const Engine *e, Vm *vm, int k, long ordinal, const char *key, size_t keylen,
                   char *why, size_t len)
{
    /* a pass of plain adds (total(), avg() without `per`) cannot fail:
       summed here without the VM, nothing to undo */
    const Instr *const *adds;
    int nadds = vm_pass_plain(vm, k, &adds);
    if (nadds < 0) return pass_eval_vm(e, vm, k, ordinal, key, keylen, why, len);
    const Value *R = vm->regs;
    vm->ordinal = ordinal;
    for (int i = 0; i < nadds; i++)
        if (R[adds[i]->b].u.i) vm_agg_add(vm, adds[i]->x, R[adds[i]->a]);
    return true;
}

long eng_pass_batch(const Engine *e, Vm *vm, int k, Source *src, const RdPlan *plan, long ordinal,
                    long long stop)
{
    enum { FIELDS = 8, BATCH = 256 };
    const Instr *const *adds;
    int nadds = vm_pass_plain(vm, k, &adds);
    if (nadds < 0 || plan->n > FIELDS) return -1;
    double vals[FIELDS * BATCH];
    long n = rd_batch(src, plan, e->pol->key_field, stop, vals, BATCH);
    if (n <= 0) return n;
    int regs[FIELDS];
    const double *cols[FIELDS];
    for (int j = 0; j < plan->n; j++) {
        regs[j] = plan->items[j].reg;
        cols[j] = vals + (size_t)j * BATCH;
    }
    return eng_pass_values(e, vm, k, ordinal, n, plan->n, regs, cols);
}

/* eng_pass_values add by add, each over the whole run (vm_agg_add_values),
 * when that gives the same sums: no record is left out, each add sums a
 * field of the run into a slot of its own that is not a count(), under a
 * condition that is not a field (the same for every record). The last
 * record's fields are then in the registers, as record by record. false
 * (nothing done) when it would not be the same. */
static bool values_by_add(const Engine *e, Vm *vm, const Instr *const *adds, int nadds, long n,
                          int nfields, const int *regs, const double *const *cols)
{
    int col[16];
    for (int a = 0; a < nadds; a++) {
        const Instr *in = adds[a];
        col[a] = -1;
        for (int j = 0; j < nfields; j++) {
            if (regs[j] == in->b) return false;         /* a condition read from the record */
            if (regs[j] == in->a) col[a] = j;
        }
        if (col[a] < 0 || std_func(e->chunk->aggs[in->x].fn)->sig == SIG_AGG_COUNT) return false;
        for (int b = 0; b < a; b++)
            if (adds[b]->x == in->x) return false;      /* two adds to one slot interleave */
    }
    Value *R = vm->regs;
    for (int a = 0; a < nadds; a++)
        if (R[adds[a]->b].u.i) vm_agg_add_values(vm, adds[a]->x, cols[col[a]], n);
    for (int j = 0; j < nfields; j++) {      /* as rd_fill leaves them */
        Value *v = &R[regs[j]];
        v->missing = 0;
        v->len = 0;
        v->u.num = cols[j][n - 1];
    }
    return true;
}

long eng_pass_values(const Engine *e, Vm *vm, int k, long ordinal, long n, int nfields, const int *regs,
                     const double *const *cols)
{
    const Instr *const *adds;
    int nadds = vm_pass_plain(vm, k, &adds);
    if (nadds < 0) return -1;
    Value *R = vm->regs;
    if (!e->left_out && nadds <= 16 && n > 0 && values_by_add(e, vm, adds, nadds, n, nfields, regs, cols))
        return n;
    for (long i = 0; i < n; i++) {
        if (e->left_out && eng_left_out(e, ordinal + i)) continue;
        for (int j = 0; j < nfields; j++) {     /* as rd_fill leaves them */
            Value *v = &R[regs[j]];
            v->missing = 0;
            v->len = 0;
            v->u.num = cols[j][i];
        }
        for (int a = 0; a < nadds; a++)
            if (R[adds[a]->b].u.i) vm_agg_add(vm, adds[a]->x, R[adds[a]->a]);
    }
    if (n > 0) vm->ordinal = ordinal + n - 1;
    return n;
}

/* eng_pass_eval's pass through the VM, undone whole if it fails. */
static __attribute__((noinline)) bool pass_eval_vm(const Engine *e, Vm *vm, int k, long ordinal,
                                                   const char *key, size_t keylen, char *why,
                                                   size_t len)
{
    at_record(vm, ordinal, key, keylen);
    const Chunk *c = e->chunk;
    Undo small;
    AggState *aggs = c->naggs <= 16 ? small.agg : xmalloc(sizeof(AggState) * (size_t)c->naggs);
    size_t *lims = c->nlimits <= 16 ? small.lim : xmalloc(sizeof(size_t) * (size_t)c->nlimits);
    for (int i = 0; i < c->naggs; i++) aggs[i] = vm->agg[i];
    for (int i = 0; i < c->nlimits; i++) lims[i] = vm->lim[i].n;
    vm->nundo = 0;
    bool ok = vm_run(vm, c->pass_pc[k - 1]) == 0;
    if (!ok) {
        vm_undo_groups(vm);
        for (int i = 0; i < c->naggs; i++) {    /* values appended are dropped by nvals */
            AggState *s = &vm->agg[i];
            double *vals = s->vals;
            size_t cap = s->cap;
            *s = aggs[i];
            s->vals = vals;
            s->cap = cap;
        }
        for (int i = 0; i < c->nlimits; i++) {
            LimitState *l = &vm->lim[i];
            while (l->n > lims[i]) free(l->cands[--l->n].key);
        }
        vm_error_of(e, vm, why, len);
    }
    if (aggs != small.agg) free(aggs);
    if (lims != small.lim) free(lims);
    return ok;
}

void eng_pass_failed(Engine *e, long ordinal, const char *why)
{
    if (eng_left_out(e, ordinal)) return;
    eng_pass_left_out(e, ordinal);
    if (!why || e->nwhy >= ENG_MAX_WHY) return;
    if (!e->why) {
        e->why = xcalloc(ENG_MAX_WHY, sizeof(char *));
        e->why_ord = xcalloc(ENG_MAX_WHY, sizeof(long));
    }
    e->why_ord[e->nwhy] = ordinal;
    e->why[e->nwhy++] = xstrdup(why);
}

bool eng_pass_record(Engine *e, int k, long ordinal, const char *key, size_t keylen)
{
    if (eng_left_out(e, ordinal)) return false;
    e->cur_pass = k;
    char why[700];
    if (eng_pass_eval(e, e->vm, k, ordinal, key, keylen, why, sizeof why)) return true;
    eng_pass_failed(e, ordinal, why);
    return false;
}

void eng_pass_end(Engine *e, int k)
{
    vm_pass_finish(e->vm, k);
    if (k == e->chunk->npasses) eng_portfolio(e);
}

bool eng_record(Engine *e, long ordinal, const char *key, size_t keylen, char *why, size_t len)
{
    Vm *vm = at_record(e->vm, ordinal, key, keylen);
    const Chunk *c = e->chunk;
    if (vm_run(vm, c->record_pc) != 0) {
        eng_vm_error(e, why, len);
        return false;
    }
    for (int i = 0; i < c->nprobes; i++)
        if (vm_run(vm, c->probe_pcs[i]) != 0) {
            if (e->soft_probes) {
                vm->regs[c->probe_reg[i]] = val_int(0);
                vm->regs[c->probe_reg[i]].missing = 1;
                continue;
            }
            eng_vm_error(e, why, len);
            return false;
        }
    return true;
}

void eng_load_row(Engine *e, const EngTable *t, int r)
{
    const Chunk *c = e->chunk;
    const Value *row = t->vals + (size_t)r * (size_t)t->nfields;
    for (int i = 0; i < t->nfields; i++) e->vm->regs[c->field_reg[i]] = row[i];
}

long eng_passes_table(Engine *e, const EngTable *t, volatile sig_atomic_t *stop)
{
    eng_passes_reset(e);
    int n = eng_npasses(e);
    for (int k = 1; k <= n; k++) {
        eng_pass_begin(e, k);
        for (int r = 0; r < t->nrec; r++) {
            if ((r & 4095) == 0 && stop && *stop) return -1;
            eng_load_row(e, t, r);
            const char *key = t->keys ? t->keys[r] : "";
            eng_pass_record(e, k, r, key, strlen(key));
        }
        eng_pass_end(e, k);
        if (eng_stale(e)) k = 0;    /* a record left out late: all passes again */
    }
    return e->left_out;
}
