/* session.c — the analyst's session (see session.h): loading a policy with
 * typed definitions, records in memory, what-ifs, evaluation, baselines and
 * the comparison of outcomes. Prints errors to s->err; results are the
 * callers' to print. */
#define _POSIX_C_SOURCE 200809L
#include "session.h"
#include "cli.h"
#include "run.h"
#include "../lang/parse.h"
#include "../base/date.h"
#include "../runtime/reader.h"
#include "../runtime/writer.h"
#include "../api/engine.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <pthread.h>
#include <unistd.h>

void ses_init(Session *s, FILE *out, FILE *err)
{
    memset(s, 0, sizeof *s);
    s->out = out;
    s->err = err;
    s->focus = -1;
    s->keep_field = -1;
    s->ovr_rec = s->ovr_field = -1;
    s->only_rec = -1;
    s->full_rec = -1;
    arena_init(&s->data);
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    date_from_ymd(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, &s->today);
}

/* Records read from a data file, before they replace the session's. */
typedef struct DataSet {
    Arena data;
    SesCol *cols;
    char **keys;
    long *lines;
    int nrec, cap, nfields;
    char **left_keys;       /* records left out for data errors: their keys */
    char **left_why;        /* and why (strings in data) */
    int nleft, capleft;
    int full_rec;           /* sparse: the record kept whole, or -1 */
    Value *full_row;
    RdSnapshot snap;        /* the data file as these records were read from it */
} DataSet;

static void col_free(SesCol *c)
{
    free(c->v);
    free(c->len);
    free(c->miss);
    free(c->bad);
    free(c->bad_why);
    memset(c, 0, sizeof *c);
}

static void dataset_free(DataSet *d)
{
    arena_free(&d->data);
    for (int i = 0; d->cols && i < d->nfields; i++) col_free(&d->cols[i]);
    free(d->cols);
    free(d->keys);
    free(d->lines);
    free(d->left_keys);
    free(d->left_why);
    free(d->full_row);
    memset(d, 0, sizeof *d);
    d->full_rec = -1;
}

/* How a field of runtime type k is kept. */
static SesColHow col_how(RtKind k, const RtEnum *en)
{
    switch (k) {
    case RT_STRING: return SES_COL_STR;
    case RT_DATE: return SES_COL_I32;
    case RT_BOOL: return SES_COL_I8;
    case RT_INT: return SES_COL_N32;
    case RT_ENUM:
    case RT_STAGE: return en && en->n < 127 ? SES_COL_I8 : SES_COL_I32;
    default: return SES_COL_F64;
    }
}

static size_t col_width(SesColHow how)
{
    switch (how) {
    case SES_COL_F64: return sizeof(double);
    case SES_COL_I32:
    case SES_COL_N32: return sizeof(int32_t);
    case SES_COL_I8: return sizeof(int8_t);
    case SES_COL_STR: return sizeof(const char *);
    default: return 0;
    }
}

/* Room for cap records in every column read (old: the records so far). */
static void col_grow(SesCol *c, int old, int cap)
{
    if (c->how == SES_COL_NONE) return;
    c->v = xrealloc(c->v, col_width(c->how) * (size_t)cap);
    if (c->how == SES_COL_STR) c->len = xrealloc(c->len, sizeof(uint32_t) * (size_t)cap);
    if (c->miss) {
        c->miss = xrealloc(c->miss, (size_t)cap);
        memset(c->miss + old, 0, (size_t)(cap - old));
    }
}

/* Record r's value v into column c (of cap records); strings are copied
 * into arena a. */
static void col_put(SesCol *c, int r, int cap, Value v, Arena *a)
{
    if (v.missing) {
        if (!c->miss) c->miss = xcalloc((size_t)cap, 1);
        c->miss[r] = 1;
        memset((char *)c->v + col_width(c->how) * (size_t)r, 0, col_width(c->how));
        if (c->how == SES_COL_STR) c->len[r] = 0;
        return;
    }
    if (c->how == SES_COL_N32) {
        double d = v.u.num;
        if (d >= -2147483648.0 && d <= 2147483647.0 && d == (double)(int32_t)d && !(d == 0 && signbit(d))) {
            ((int32_t *)c->v)[r] = (int32_t)d;
            return;
        }
        /* a value 32 bits do not hold: the column becomes doubles */
        double *w = xmalloc(sizeof(double) * (size_t)cap);
        for (int i = 0; i < r; i++) w[i] = (double)((const int32_t *)c->v)[i];
        free(c->v);
        c->v = w;
        c->how = SES_COL_F64;
    }
    switch (c->how) {
    case SES_COL_F64: ((double *)c->v)[r] = v.u.num; break;
    case SES_COL_I32: ((int32_t *)c->v)[r] = (int32_t)v.u.i; break;
    case SES_COL_I8: ((int8_t *)c->v)[r] = (int8_t)v.u.i; break;
    case SES_COL_STR:
        ((const char **)c->v)[r] = arena_strndup(a, v.u.str, v.len);
        c->len[r] = v.len;
        break;
    default: break;
    }
}

static Value col_get(const SesCol *c, int r)
{
    if (c->how == SES_COL_NONE || (c->miss && c->miss[r])) {
        Value v = val_int(0);
        v.missing = 1;
        return v;
    }
    switch (c->how) {
    case SES_COL_F64: return val_num(((const double *)c->v)[r]);
    case SES_COL_I32: return val_int(((const int32_t *)c->v)[r]);
    case SES_COL_N32: return val_num((double)((const int32_t *)c->v)[r]);
    case SES_COL_I8: return val_int(((const int8_t *)c->v)[r]);
    default: return val_str(((const char *const *)c->v)[r], c->len[r]);
    }
}

Value ses_value(const Session *s, int rec, int f)
{
    if (s->ovr_rec == rec && s->ovr_field == f && rec >= 0) return s->ovr_val;
    if (rec == s->full_rec && rec >= 0) return s->full_row[f];
    return col_get(&s->cols[f], rec);
}

void ses_row(const Session *s, int rec, Value *row)
{
    for (int f = 0; f < s->nfields; f++) row[f] = ses_value(s, rec, f);
}

void ses_override(Session *s, int rec, int f, Value v)
{
    s->ovr_rec = rec;
    s->ovr_field = f;
    s->ovr_val = v;
}

void ses_override_clear(Session *s)
{
    s->ovr_rec = s->ovr_field = -1;
}

/* Exchanges the session's records with d's. */
static void swap_data(Session *s, DataSet *d)
{
    DataSet t = *d;
    d->data = s->data;
    d->cols = s->cols;
    d->keys = s->keys;
    d->lines = s->lines;
    d->nrec = s->nrec;
    d->cap = s->cap;
    d->nfields = s->nfields;
    d->left_keys = s->left_keys;
    d->left_why = s->left_why;
    d->nleft = s->nleft;
    d->capleft = s->capleft;
    d->full_rec = s->full_rec;
    d->full_row = s->full_row;
    d->snap = s->snap;
    s->snap = t.snap;
    s->full_rec = t.full_rec;
    s->full_row = t.full_row;
    s->left_keys = t.left_keys;
    s->left_why = t.left_why;
    s->nleft = t.nleft;
    s->capleft = t.capleft;
    s->data = t.data;
    s->cols = t.cols;
    s->keys = t.keys;
    s->lines = t.lines;
    s->nrec = t.nrec;
    s->cap = t.cap;
    s->nfields = t.nfields;
    s->focus = -1;
    s->gen++;
}

static void free_data(Session *s)
{
    DataSet none;
    memset(&none, 0, sizeof none);
    arena_init(&none.data);
    none.full_rec = -1;
    swap_data(s, &none);
    dataset_free(&none);
}

static void clear_eval_errors(Session *s)
{
    for (int i = 0; i < s->nerr_kept; i++) free(s->err_msgs[i]);
    s->nerr_kept = 0;
    s->nerr = 0;
}

static void cache_free(Session *s);

void ses_free(Session *s)
{
    cache_free(s);
    free_data(s);
    arena_free(&s->data);
    clear_eval_errors(s);
    free(s->err_recs);
    free(s->err_msgs);
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
        s->status = ENG_USAGE;
        return NULL;
    }
    s->status = ENG_POLICY;
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

static int read_data(Session *s, Policy *p, const char *path, DataSet *ds);

int ses_load_policy(Session *s, const char *path)
{
    const char *p = path ? path : s->policy_path;
    if (!p) {
        fprintf(s->err, "kam: no policy loaded (:load POLICY)\n");
        return -1;
    }
    Chunk *chunk = NULL;
    bool dropped = false;
    Policy *pol = load(s, p, s->defs, s->ndefs, &chunk);
    if (!pol && s->ndefs && path) {
        /* a new policy: the old session definitions may not fit it */
        pol = load(s, p, NULL, 0, &chunk);
        dropped = pol != NULL;
    }
    if (!pol) {
        fprintf(s->err, "kam: %s was not loaded; the session is as it was\n", p);
        return -1;
    }
    /* the records, read again for a policy that reads them differently:
       all of this succeeds, or the session stays as it was */
    DataSet ds;
    memset(&ds, 0, sizeof ds);
    arena_init(&ds.data);
    ds.full_rec = -1;
    bool relayout = s->data_path && !same_fields(s->pol, pol);
    if (relayout && read_data(s, pol, s->data_path, &ds) != 0) {
        fprintf(s->err, "kam: %s was not loaded: the data no longer fits it; the session is as it "
                "was\n", p);
        dataset_free(&ds);
        cg_free(chunk);
        policy_free(pol);
        return -1;
    }
    Policy *old_pol = s->pol;
    Chunk *old_chunk = s->chunk;
    char *old_path = s->policy_path;
    s->pol = pol;
    s->chunk = chunk;
    s->gen++;
    if (path) s->policy_path = xstrdup(path);
    if (relayout) swap_data(s, &ds);        /* ds now holds the old records */
    if (s->data_path && ses_baseline(s) != 0) {
        /* the file alone cannot be evaluated over these records */
        if (relayout) swap_data(s, &ds);
        dataset_free(&ds);
        if (path) {
            free(s->policy_path);
            s->policy_path = old_path;
        }
        s->pol = old_pol;
        s->chunk = old_chunk;
        s->gen++;
        cg_free(chunk);
        policy_free(pol);
        ses_baseline(s);
        fprintf(s->err, "kam: %s was not loaded; the session is as it was\n", p);
        return -1;
    }
    dataset_free(&ds);
    if (path) free(old_path);
    cg_free(old_chunk);
    policy_free(old_pol);
    if (dropped) {
        fprintf(s->err, "kam: (dropping the %d definition%s typed in this session)\n", s->ndefs,
                s->ndefs == 1 ? "" : "s");
        for (int i = 0; i < s->ndefs; i++) free(s->defs[i]);
        s->ndefs = 0;
    }
    return 0;
}

/* Keeps the key of a record left out for a data error, and why, so that
 * asking for that account says so rather than "no account with key". */
static void remember_left_out(DataSet *ds, const Policy *p, const Source *src)
{
    if (p->key_field < 0 || ds->nleft >= 100000) return;
    int col = src->col[p->key_field];
    if (col < 0 || col >= (int)src->nfields || !src->fields[col].ptr || !src->fields[col].len) return;
    if (ds->nleft == ds->capleft) {
        ds->capleft = ds->capleft ? ds->capleft * 2 : 16;
        ds->left_keys = xrealloc(ds->left_keys, sizeof(char *) * (size_t)ds->capleft);
        ds->left_why = xrealloc(ds->left_why, sizeof(char *) * (size_t)ds->capleft);
    }
    ds->left_keys[ds->nleft] = arena_strndup(&ds->data, src->fields[col].ptr, src->fields[col].len);
    ds->left_why[ds->nleft++] = arena_strndup(&ds->data, src->err, strlen(src->err));
}

/* The money field that stands for revenue in p: the one whose name says
 * "revenue", as kam run --summary picks it (run.c), or -1. */
static int revenue_field_of(const Policy *p)
{
    const char *why;
    return run_revenue_field(p, NULL, &why);
}

/* The fields kam run would read for policy p as s holds it: those its
 * rules, output and display read, the :where filter's (when p is the
 * session's policy), the revenue field (:diff sums it) and s->keep_field
 * (the caller frees it). NULL if the filter does not check (said). Of
 * these, *soft (when asked) marks the revenue field and keep_field when no
 * rule reads them: kam run never converts them, so a bad value there is
 * missing, not the record's error. */
static bool *fields_read(Session *s, Policy *p, bool **pass_used, bool *limits, bool **soft)
{
    Expr *w = NULL;
    if (s->where && p == s->pol && !(w = ses_parse_expr(s, s->where, ":where", ty_make(TY_BOOL))))
        return NULL;
    DiagList d;
    diag_init(&d);
    Chunk *c = cg_compile(p, w ? &w : NULL, w ? 1 : 0, &d);
    diag_free(&d);
    if (!c) return NULL;
    bool *used = xcalloc((size_t)p->nfields + 1, sizeof(bool));
    for (int f = 0; f < p->nfields; f++) used[f] = c->field_used[f];
    if (p->display_field >= 0) used[p->display_field] = true;
    int rev = revenue_field_of(p);
    if (soft) *soft = xcalloc((size_t)p->nfields + 1, sizeof(bool));
    int extra[2] = {s->keep_field, rev};
    for (int k = 0; k < 2; k++) {
        int f = extra[k];
        if (f < 0 || f >= p->nfields || used[f]) continue;
        used[f] = true;
        if (soft) (*soft)[f] = true;
    }
    if (pass_used) {
        *pass_used = xcalloc((size_t)p->nfields + 1, sizeof(bool));
        for (int f = 0; c->npasses && f < p->nfields; f++) (*pass_used)[f] = c->portfolio_field_used[f];
    }
    if (limits) *limits = c->nlimits > 0;
    cg_free(c);
    return used;
}

/* The room for records ds's columns grow to next: half as much again, or,
 * once a few thousand records of a file of known size are read, what the
 * bytes read so far say the whole file holds, a little over (one
 * allocation of each column at its full size, not a dozen copies). */
static int next_cap(const DataSet *ds, const Source *src)
{
    int cap = ds->cap ? ds->cap + ds->cap / 2 : 4096;
    long long size = rd_size(src), at = rd_offset(src);
    if (ds->nrec >= 4096 && size > 0 && at > 0 && at < size) {
        /* as many as the bytes left hold at the length so far, and 8%
           more (from the first 4,096 of bench's 1M accounts the estimate
           was 4% short, and a third growth took half as much again);
           a later growth to the estimate then, not by half: growing a
           large column copies it (base/arena.c places large blocks at
           huge pages), the old and the new held together for a moment */
        double est = (double)ds->nrec * ((double)size / (double)at) * 1.08 + 1024;
        if (est > ds->cap + 4096 && est < (double)(INT_MAX / 2)) cap = (int)est;
    }
    return cap;
}

/* Reads every record of path into ds: the fields kam run reads (those of
 * fields_read), column by column; the others are not read (missing until
 * ses_need_fields reads them). Bad records are reported (a few) and left
 * out; -1 if the file cannot be used at all or the reading was
 * interrupted. With s->lazy_check (kam diff's first attempt) only what
 * the passes read is converted, and at the first record that would be
 * left out (or a record that cannot be read) the reading stops with
 * s->lazy_doubt set: the caller starts over without lazy_check. */
static int read_data(Session *s, Policy *p, const char *path, DataSet *ds)
{
    bool *pass_used = NULL, limits = false, *soft = NULL;
    bool *used = fields_read(s, p, &pass_used, &limits, &soft);
    if (!used) {
        s->status = ENG_USAGE;
        return -1;
    }
    EngStatus st;
    SourceOpts in = s->input;       /* the version of the file these records are */
    in.snap = &ds->snap;
    ds->snap = (RdSnapshot){0};
    Source *src = eng_source(p, path, &in, s->err, &st);
    if (!src) {
        free(used);
        free(pass_used);
        free(soft);
        s->status = st;
        return -1;
    }
    /* sparse (kam explain --id): every record is read and checked as kam run
       does, but only the wanted one is kept whole; of the others the fields
       the portfolio passes read, and their keys only if a limit ranks them */
    const char *want = s->sparse_key;
    bool sparse = want || s->passes_only;
    bool *kept = sparse ? pass_used : used;
    ds->full_rec = -1;
    ds->nfields = p->nfields;
    ds->cols = xcalloc((size_t)p->nfields + 1, sizeof(SesCol));
    for (int i = 0; i < p->nfields; i++)
        if (kept[i]) ds->cols[i].how = col_how(p->schema.fields[i].ty.kind, p->schema.fields[i].ty.en);
    int rc, bad = 0;
    bool stopped = false;
    Value *row = xmalloc(sizeof(Value) * (size_t)(p->nfields + 1));
    bool *hard_used = xcalloc((size_t)p->nfields + 1, sizeof(bool));
    int *ident = xmalloc(sizeof(int) * (size_t)(p->nfields + 1));
    bool lazy = s->passes_only && s->lazy_check;
    for (int i = 0; i < p->nfields; i++) {
        hard_used[i] = lazy ? pass_used[i] : used[i] && !soft[i];
        ident[i] = i;
    }
    RdPlan hard = rd_plan(src, hard_used, ident);      /* field i into row[i] */
    if (lazy) {     /* CSV: the rest of a record after the last field wanted is skipped */
        if (p->key_field >= 0) hard_used[p->key_field] = true;
        rd_limit_to(src, hard_used);
    }
    free(ident);
    /* kam diff's first attempt without keys kept: runs of plain records
       read at once (rd_batch), each line the next one's (a run has no
       blank line nor a line break in a field) */
    enum { BATCH = 256 };
    bool batch = lazy && !want && !limits && hard.n <= 8 &&
                 !(p->key_field >= 0 && kept[p->key_field]);
    double *bvals = batch ? xmalloc(sizeof(double) * BATCH * (size_t)(hard.n + 1)) : NULL;
    for (long n = 0;; n++) {
        if ((n & 4095) == 0 && ses_interrupted(s)) {    /* Ctrl-C: nothing changes */
            stopped = true;
            break;
        }
        while (batch) {
            long long at;
            long line0;
            long got = rd_position(src, &at, &line0) ? rd_batch(src, &hard, p->key_field, 0, bvals, BATCH) : -1;
            if (got <= 0) {
                batch = got == 0;
                break;
            }
            for (long i = 0; i < got; i++) {
                if (ds->nrec == ds->cap) {
                    int old = ds->cap;
                    ds->cap = next_cap(ds, src);
                    for (int f = 0; f < p->nfields; f++) col_grow(&ds->cols[f], old, ds->cap);
                    ds->keys = xrealloc(ds->keys, sizeof(char *) * (size_t)ds->cap);
                    ds->lines = xrealloc(ds->lines, sizeof(long) * (size_t)ds->cap);
                }
                for (int k = 0; k < hard.n; k++) {     /* as rd_fill leaves them */
                    col_put(&ds->cols[hard.items[k].field], ds->nrec, ds->cap,
                            val_num(bvals[(size_t)k * BATCH + (size_t)i]), &ds->data);
                }
                ds->keys[ds->nrec] = (char *)"";
                ds->lines[ds->nrec] = line0 + i;
                ds->nrec++;
            }
            n += got;
            if (ses_interrupted(s)) break;
        }
        if ((rc = rd_next(src)) == 0) break;
        /* the fields a rule reads, converted while scanning (a record with
           a bad one is left out); then the soft ones, missing when bad */
        bool ok = rc == 1 && rd_fill(src, &hard, row) == 0;
        if (lazy && (!ok || (p->key_field >= 0 && !src->fields[src->col[p->key_field]].len))) {
            s->lazy_doubt = true;   /* a record to leave out: which field to name is the */
            break;                  /* careful load's to say (and the limit's rc 2 says nothing) */
        }
        if (rc < 0) {
            wr_print_line(s->err, "kam: ", src->err);
            fprintf(s->err, "kam: reading stopped there, before the end of the data\n");
            s->data_stopped = true;
            break;
        }
        for (int i = 0; ok && !lazy && i < p->nfields; i++)
            if (soft[i] && rd_field(src, i, &row[i]) != 0) {
                row[i] = val_int(0);    /* a bad revenue no rule reads: unknown */
                row[i].missing = 1;
            }
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
            remember_left_out(ds, p, src);
            continue;
        }
        if (ds->nrec == ds->cap) {
            int old = ds->cap;
            ds->cap = next_cap(ds, src);
            for (int i = 0; i < p->nfields; i++) col_grow(&ds->cols[i], old, ds->cap);
            ds->keys = xrealloc(ds->keys, sizeof(char *) * (size_t)ds->cap);
            ds->lines = xrealloc(ds->lines, sizeof(long) * (size_t)ds->cap);
        }
        for (int i = 0; i < p->nfields; i++)
            if (kept[i] && i != p->key_field) col_put(&ds->cols[i], ds->nrec, ds->cap, row[i], &ds->data);
        char lbuf[32];
        if (!key) {
            keylen = (size_t)snprintf(lbuf, sizeof lbuf, "%ld", src->line);
            key = lbuf;
        }
        bool whole = want && ds->full_rec < 0 && strlen(want) == keylen && memcmp(want, key, keylen) == 0;
        if (whole) {
            ds->full_rec = ds->nrec;
            ds->full_row = xcalloc((size_t)p->nfields + 1, sizeof(Value));
            for (int i = 0; i < p->nfields; i++) {
                Value v = row[i];
                if (!used[i]) {
                    v = val_int(0);
                    v.missing = 1;
                } else if (p->schema.fields[i].ty.kind == RT_STRING && !v.missing) {
                    v.u.str = arena_strndup(&ds->data, v.u.str, v.len);
                }
                ds->full_row[i] = v;
            }
        }
        ds->keys[ds->nrec] = sparse && !limits && !whole ? (char *)"" : arena_strndup(&ds->data, key, keylen);
        if (p->key_field >= 0 && kept[p->key_field]) {     /* the key column is the keys */
            SesCol *kc = &ds->cols[p->key_field];
            const Value *kv = &row[p->key_field];
            if (kc->how == SES_COL_STR && !kv->missing && kv->len == keylen &&
                memcmp(kv->u.str, ds->keys[ds->nrec], keylen) == 0) {
                ((const char **)kc->v)[ds->nrec] = ds->keys[ds->nrec];
                kc->len[ds->nrec] = (uint32_t)keylen;
            } else {
                col_put(kc, ds->nrec, ds->cap, row[p->key_field], &ds->data);
            }
        }
        ds->lines[ds->nrec] = src->line;
        ds->nrec++;
    }
    free(bvals);
    rd_plan_free(&hard);
    free(hard_used);
    free(row);
    free(used);
    free(soft);
    free(pass_used);
    rd_close(src);
    if (stopped) {
        fprintf(s->err, "kam: %s was not read\n", path);
        s->status = ENG_INTERRUPTED;
        return -1;
    }
    if (bad > 5) fprintf(s->err, "kam: ... %d more\n", bad - 5);
    if (bad) fprintf(s->err, "kam: %d record%s left out because of data errors\n", bad, bad == 1 ? "" : "s");
    s->data_bad = bad;
    s->data_bad_unread = 0;
    return 0;
}

int ses_need_fields(Session *s, const bool *need)
{
    if (!s->pol || !s->cols) return 0;
    const Policy *p = s->pol;
    bool any = false;
    for (int i = 0; i < s->nfields; i++)
        if (need[i] && s->cols[i].how == SES_COL_NONE) any = true;
    if (!any) return 0;
    if (!s->data_path || strcmp(s->data_path, "-") == 0) {
        fprintf(s->err, "kam: the accounts in this session came from %s, which cannot be read again for "
                "a field not read yet\n", s->data_path ? "standard input" : "no data file");
        s->status = ENG_USAGE;
        return -1;
    }
    if (rd_snap_changed(&s->snap, s->data_path)) {
        fprintf(s->err, "kam: %s no longer holds the records loaded (:reload reads it again)\n",
                s->data_path);
        s->status = ENG_DATA;
        return -1;
    }
    EngStatus st;
    SourceOpts in = s->input;       /* the version of the file the records in memory are */
    in.snap = &s->snap;
    Source *src = eng_source(p, s->data_path, &in, s->err, &st);
    if (!src) {
        s->status = st;
        return -1;
    }
    SesCol *fresh = xcalloc((size_t)s->nfields + 1, sizeof(SesCol));
    Arena *strs = &s->data;     /* the strings of a failed read stay there, unused */
    for (int i = 0; i < s->nfields; i++)
        if (need[i] && s->cols[i].how == SES_COL_NONE) {
            fresh[i].how = col_how(p->schema.fields[i].ty.kind, p->schema.fields[i].ty.en);
            col_grow(&fresh[i], 0, s->nrec + 1);
        }
    /* the records kept when the data was loaded, found again by their
       place in the file (and checked by their key) */
    int r = 0, rc;
    bool changed = false, stopped = false;
    for (long n = 0; r < s->nrec && (rc = rd_next(src)) != 0; n++) {
        if ((n & 4095) == 0 && ses_interrupted(s)) {
            stopped = true;
            break;
        }
        if (rc < 0) break;
        if (src->line != s->lines[r]) continue;
        if (p->key_field >= 0) {
            const RdField *kf = &src->fields[src->col[p->key_field]];
            if (kf->len != strlen(s->keys[r]) || memcmp(kf->ptr, s->keys[r], kf->len) != 0) {
                changed = true;
                break;
            }
        }
        for (int i = 0; i < s->nfields; i++) {
            if (fresh[i].how == SES_COL_NONE) continue;
            Value v;
            if (rc == 1 && rd_field(src, i, &v) == 0) {
                col_put(&fresh[i], r, s->nrec + 1, v, strs);
                continue;
            }
            v = val_int(0);
            v.missing = 1;
            col_put(&fresh[i], r, s->nrec + 1, v, strs);
            if (!fresh[i].bad) {
                fresh[i].bad = xcalloc((size_t)s->nrec + 1, 1);
                char b[700];
                snprintf(b, sizeof b, "its value of field '%s' in the data is malformed (%s)",
                         p->fields[i]->name.name, src->err);
                fresh[i].bad_why = xstrdup(b);
            }
            fresh[i].bad[r] = 1;
        }
        r++;
    }
    rd_close(src);
    if (stopped || changed || r < s->nrec) {
        if (changed || (!stopped && r < s->nrec))
            fprintf(s->err, "kam: %s no longer holds the records loaded (:reload reads it again)\n",
                    s->data_path);
        else
            fprintf(s->err, "kam: %s was not read\n", s->data_path);
        s->status = stopped ? ENG_INTERRUPTED : ENG_DATA;
        for (int i = 0; i < s->nfields; i++) col_free(&fresh[i]);
        free(fresh);
        return -1;
    }
    for (int i = 0; i < s->nfields; i++) {
        if (fresh[i].how == SES_COL_NONE) continue;
        col_free(&s->cols[i]);
        s->cols[i] = fresh[i];
    }
    free(fresh);
    bool base_current = s->base_gen == s->gen;      /* more fields read: the same records */
    s->gen++;
    if (base_current) s->base_gen = s->gen;
    return 0;
}

int ses_use_records(Session *s, const Value *vals, const char *const *keys, const long *lines, int n)
{
    if (!s->pol) return -1;
    DataSet ds;
    memset(&ds, 0, sizeof ds);
    arena_init(&ds.data);
    ds.full_rec = -1;
    const Policy *p = s->pol;
    ds.nfields = p->nfields;
    ds.cap = ds.nrec = n;
    ds.cols = xcalloc((size_t)p->nfields + 1, sizeof(SesCol));
    for (int i = 0; i < p->nfields; i++) {
        ds.cols[i].how = col_how(p->schema.fields[i].ty.kind, p->schema.fields[i].ty.en);
        col_grow(&ds.cols[i], 0, n + 1);
    }
    ds.keys = xmalloc(sizeof(char *) * ((size_t)n + 1));
    ds.lines = xmalloc(sizeof(long) * ((size_t)n + 1));
    for (int r = 0; r < n; r++) {
        for (int i = 0; i < p->nfields; i++)
            col_put(&ds.cols[i], r, n + 1, vals[(size_t)r * (size_t)p->nfields + (size_t)i], &ds.data);
        ds.keys[r] = arena_strndup(&ds.data, keys[r], strlen(keys[r]));
        ds.lines[r] = lines ? lines[r] : r + 1;
    }
    swap_data(s, &ds);
    dataset_free(&ds);
    return ses_baseline(s);
}

int ses_load_data(Session *s, const char *path)
{
    if (!s->pol) {
        fprintf(s->err, "kam: load a policy first (:load POLICY): it says which fields to read\n");
        return -1;
    }
    DataSet ds;
    memset(&ds, 0, sizeof ds);
    arena_init(&ds.data);
    ds.full_rec = -1;
    s->data_bad = 0;
    s->data_stopped = false;
    if (read_data(s, s->pol, path, &ds) != 0) {
        dataset_free(&ds);
        if (s->data_path) fprintf(s->err, "kam: the session keeps the records of %s\n", s->data_path);
        return -1;
    }
    swap_data(s, &ds);
    dataset_free(&ds);
    char *copy = xstrdup(path);
    free(s->data_path);
    s->data_path = copy;
    /* the records are in; a policy that cannot be evaluated over them
       (a param that cannot be computed) is the policy's failure */
    if (s->sparse_key || s->passes_only) {    /* no baseline (no use for it): the params */
        Engine e;
        eng_adopt(&e, s->pol, s->chunk, s->today, s->err, cli_use_color(s->err));
        EngStatus st = eng_init(&e);
        eng_close(&e);
        if (st != ENG_OK) {
            s->status = st;
            return -1;
        }
        return 0;
    }
    return ses_baseline(s);
}

/* ------------------------------------------------------------- evaluation */

/* What a record loop loads: the columns a chunk reads (all of its fields,
 * or one pass's), each with its register. */
/* A field of a LoadPlan, what load_planned reads of it at hand. */
typedef struct LoadEnt {
    const void *v;
    const uint32_t *len;
    const uint8_t *miss;
    int reg;
    SesColHow how;
} LoadEnt;

typedef struct LoadPlan {
    const SesCol **col;
    int *reg, *field;
    LoadEnt *ent;
    int n;
    bool any_bad;           /* a column with malformed values */
} LoadPlan;

static void plan_load(const Session *s, const Chunk *c, const bool *used, LoadPlan *lp)
{
    lp->col = xmalloc(sizeof(SesCol *) * ((size_t)s->nfields + 1));
    lp->reg = xmalloc(sizeof(int) * ((size_t)s->nfields + 1));
    lp->field = xmalloc(sizeof(int) * ((size_t)s->nfields + 1));
    lp->ent = xmalloc(sizeof(LoadEnt) * ((size_t)s->nfields + 1));
    lp->n = 0;
    lp->any_bad = false;
    for (int f = 0; f < s->nfields; f++) {
        if (!used[f]) continue;
        const SesCol *col = &s->cols[f];
        lp->ent[lp->n] = (LoadEnt){col->v, col->len, col->miss, c->field_reg[f], col->how};
        lp->col[lp->n] = col;
        lp->reg[lp->n] = c->field_reg[f];
        lp->field[lp->n++] = f;
        if (col->bad) lp->any_bad = true;
    }
}

static void plan_free(LoadPlan *lp)
{
    free(lp->col);
    free(lp->reg);
    free(lp->field);
    free(lp->ent);
}

/* Record r's fields of the plan into regs (as ses_value gives them);
 * false if one was malformed in the data (*why: the reason). */
static bool load_planned(const Session *s, Value *regs, const LoadPlan *lp, int r, const char **why)
{
    for (int k = 0; k < lp->n; k++) {
        const LoadEnt *c = &lp->ent[k];
        Value *d = &regs[c->reg];
        if (c->miss && c->miss[r]) {
            *d = val_int(0);
            d->missing = 1;
            continue;
        }
        switch (c->how) {
        case SES_COL_F64: *d = val_num(((const double *)c->v)[r]); break;
        case SES_COL_I32: *d = val_int(((const int32_t *)c->v)[r]); break;
        case SES_COL_N32: *d = val_num((double)((const int32_t *)c->v)[r]); break;
        case SES_COL_I8: *d = val_int(((const int8_t *)c->v)[r]); break;
        case SES_COL_STR: *d = val_str(((const char *const *)c->v)[r], c->len[r]); break;
        default:
            *d = val_int(0);
            d->missing = 1;
        }
    }
    if (r == s->full_rec)
        for (int k = 0; k < lp->n; k++) regs[lp->reg[k]] = s->full_row[lp->field[k]];
    if (s->ovr_rec == r)
        for (int k = 0; k < lp->n; k++)
            if (lp->field[k] == s->ovr_field) regs[lp->reg[k]] = s->ovr_val;
    if (lp->any_bad)
        for (int k = 0; k < lp->n; k++)
            if (lp->col[k]->bad && lp->col[k]->bad[r]) {
                if (why) *why = lp->col[k]->bad_why;
                return false;
            }
    return true;
}

/* Whether plan lp's fields are all held plainly: numbers, dates, bools
 * or members, none missing nor malformed (load_fast then does). */
static bool plan_plain(const LoadPlan *lp)
{
    if (lp->any_bad) return false;
    for (int k = 0; k < lp->n; k++)
        if (lp->ent[k].miss || lp->ent[k].how == SES_COL_STR || lp->ent[k].how == SES_COL_NONE) return false;
    return true;
}

/* load_planned for a plan_plain plan and a record neither overridden
 * nor the one held whole (the caller checks). */
static inline void load_fast(Value *regs, const LoadPlan *lp, int r)
{
    for (int k = 0; k < lp->n; k++) {
        const LoadEnt *c = &lp->ent[k];
        Value *d = &regs[c->reg];
        switch (c->how) {
        case SES_COL_F64: *d = val_num(((const double *)c->v)[r]); break;
        case SES_COL_I32: *d = val_int(((const int32_t *)c->v)[r]); break;
        case SES_COL_N32: *d = val_num((double)((const int32_t *)c->v)[r]); break;
        default: *d = val_int(((const int8_t *)c->v)[r]); break;
        }
    }
}

/* Record r's fields that e's chunk reads, into its VM's registers; false
 * if one of them was malformed in the data (why: the reason). */
static bool load_row(const Session *s, Engine *e, int r, const char **why)
{
    LoadPlan lp;
    plan_load(s, e->chunk, e->chunk->field_used, &lp);
    bool ok = load_planned(s, e->vm->regs, &lp, r, why);
    plan_free(&lp);
    return ok;
}

/* The fields chunk c reads that the session has not read yet, from the
 * data file. -1 (said) if they cannot be read. */
static int need_chunk_fields(Session *s, const Chunk *c)
{
    if (!s->cols) return 0;
    if (s->sparse_key || s->passes_only) {    /* what the passes read, which it has */
        for (int f = 0; c->npasses && f < s->nfields; f++)
            if (c->portfolio_field_used[f] && s->cols[f].how == SES_COL_NONE)
                return ses_need_fields(s, c->portfolio_field_used);
        return 0;
    }
    for (int f = 0; f < s->nfields; f++)
        if (c->field_used[f] && s->cols[f].how == SES_COL_NONE) return ses_need_fields(s, c->field_used);
    return 0;
}

/* Pass k of e over the records at once, column by column
 * (eng_pass_values), when it is plain adds of numbers the session holds
 * as numbers, none missing nor malformed, nothing overridden: 1 done, 0
 * not so (the caller goes record by record), -1 interrupted. */
static int pass_columns(Session *s, Engine *e, int k, const LoadPlan *lp)
{
    enum { FIELDS = 8, RUN = 4096 };
    const Instr *const *adds;
    if (vm_pass_plain(e->vm, k, &adds) < 0 || lp->n > FIELDS || lp->any_bad || s->full_rec >= 0 ||
        s->ovr_rec >= 0)
        return 0;
    for (int j = 0; j < lp->n; j++)
        if ((lp->col[j]->how != SES_COL_F64 && lp->col[j]->how != SES_COL_N32) || lp->col[j]->miss) return 0;
    double tmp[FIELDS][RUN];
    const double *cols[FIELDS];
    for (int r0 = 0; r0 < s->nrec; r0 += RUN) {
        if (ses_interrupted(s)) return -1;
        int n = s->nrec - r0 < RUN ? s->nrec - r0 : RUN;
        for (int j = 0; j < lp->n; j++) {
            const SesCol *c = lp->col[j];
            if (c->how == SES_COL_F64) {
                cols[j] = (const double *)c->v + r0;
                continue;
            }
            for (int i = 0; i < n; i++) tmp[j][i] = (double)((const int32_t *)c->v)[r0 + i];
            cols[j] = tmp[j];
        }
        if (eng_pass_values(e, e->vm, k, r0, n, lp->n, lp->reg, cols) < 0) return 0;
    }
    return 1;
}

/* Every portfolio pass of e over the records (as eng_passes_table does
 * for a table); -1 if interrupted. */
static long passes(Session *s, Engine *e)
{
    eng_passes_reset(e);
    int n = eng_npasses(e);
    for (int k = 1; k <= n; k++) {
        eng_pass_begin(e, k);
        LoadPlan lp;
        plan_load(s, e->chunk, e->chunk->pass_field_used[k - 1], &lp);
        int done = pass_columns(s, e, k, &lp);
        if (done < 0) {
            plan_free(&lp);
            return -1;
        }
        for (int r = done ? s->nrec : 0; r < s->nrec; r++) {
            if ((r & 4095) == 0 && ses_interrupted(s)) {
                plan_free(&lp);
                return -1;
            }
            if (!load_planned(s, e->vm->regs, &lp, r, NULL)) {
                eng_pass_left_out(e, r);
                continue;
            }
            eng_pass_record(e, k, r, s->keys[r], strlen(s->keys[r]));
        }
        plan_free(&lp);
        eng_pass_end(e, k);
        if (eng_stale(e)) k = 0;    /* a record left out late: all passes again */
    }
    return e->left_out;
}

/* Steps 2 and 3 of an evaluation of chunk c (policy p) over the session's
 * records: the what-ifs (if with_sets), params, the portfolio passes. */
static EngStatus start_ex(Session *s, Engine *e, Policy *p, Chunk *c, bool with_sets, bool with_passes)
{
    eng_adopt(e, p, c, s->today, s->err, cli_use_color(s->err));
    if (need_chunk_fields(s, c) != 0) return s->status;
    for (int i = 0; with_sets && i < s->nsets; i++) {
        EngStatus st = eng_set_param(e, s->set_names[i], s->set_values[i]);
        if (st != ENG_OK) return st;
    }
    EngStatus st = eng_init(e);
    if (st != ENG_OK) return st;
    if (with_passes && eng_has_passes(e) && passes(s, e) < 0) return ENG_INTERRUPTED;
    return ENG_OK;
}

static EngStatus start(Session *s, Engine *e, Policy *p, Chunk *c, bool with_sets)
{
    return start_ex(s, e, p, c, with_sets, true);
}

int ses_portfolio_eval(Session *s, SesPortfolio *out)
{
    memset(out, 0, sizeof *out);
    if (!s->pol || !s->chunk) {
        fprintf(s->err, "kam: no policy loaded (:load POLICY)\n");
        return -1;
    }
    const Chunk *c = s->chunk;
    if (!c->nportfolio) return 0;
    Engine e;
    EngStatus st = start(s, &e, s->pol, s->chunk, true);
    if (st != ENG_OK) {
        s->status = st;
        eng_close(&e);
        return -1;
    }
    ses_portfolio_of(&e, out);
    int n = c->nportfolio;
    eng_close(&e);
    return n;
}

void ses_portfolio_of(const Engine *e, SesPortfolio *out)
{
    const Chunk *c = e->chunk;
    int n = c->nportfolio;
    memset(out, 0, sizeof *out);
    out->n = n;
    out->names = xcalloc((size_t)n + 1, sizeof(char *));
    out->descs = xcalloc((size_t)n + 1, sizeof(char *));
    out->whys = xcalloc((size_t)n + 1, sizeof(char *));
    out->vals = xcalloc((size_t)n + 1, sizeof(int));
    for (int i = 0; i < n; i++) {
        out->names[i] = xstrdup(c->portfolio[i].name);
        out->descs[i] = c->portfolio[i].desc ? xstrdup(c->portfolio[i].desc) : NULL;
        out->vals[i] = eng_portfolio_value(e, i);
        out->whys[i] = e->pf_why && e->pf_why[i] ? xstrdup(e->pf_why[i]) : NULL;
    }
}

void ses_portfolio_free(SesPortfolio *p)
{
    for (int i = 0; i < p->n; i++) {
        free(p->names[i]);
        free(p->descs[i]);
        free(p->whys[i]);
    }
    free(p->names);
    free(p->descs);
    free(p->whys);
    free(p->vals);
    memset(p, 0, sizeof *p);
}

const char *ses_portfolio_state(int v)
{
    return v > 0 ? "raised" : v == 0 ? "not raised" : "unknown";
}

int ses_portfolio(Session *s, FILE *out)
{
    if (s->chunk && !s->chunk->nportfolio) {
        fprintf(out, "the policy has no portfolio flags\n");
        return 0;
    }
    if (s->chunk && !s->nrec) {
        fprintf(out, "portfolio: no accounts loaded (:data FILE)\n");
        return 0;
    }
    SesPortfolio pf;
    if (ses_portfolio_eval(s, &pf) < 0) return -1;
    int w = 0;
    for (int i = 0; i < pf.n; i++)
        if ((int)strlen(pf.names[i]) > w) w = (int)strlen(pf.names[i]);
    fprintf(out, "portfolio (%d accounts)\n", s->nrec);
    for (int i = 0; i < pf.n; i++) {
        fprintf(out, "  %-*s  %-10s", w, pf.names[i], ses_portfolio_state(pf.vals[i]));
        if (pf.descs[i]) fprintf(out, "  %s", pf.descs[i]);
        fputc('\n', out);
        if (pf.whys[i]) fprintf(out, "  %-*s  (not worked out: %s)\n", w, "", pf.whys[i]);
    }
    ses_portfolio_free(&pf);
    return 0;
}

bool ses_prepare(Session *s, Chunk *c, Engine *e)
{
    EngStatus st = start(s, e, s->pol, c, true);
    if (st == ENG_OK) return true;
    s->status = st;
    eng_close(e);
    return false;
}

bool ses_eval_one(Session *s, Engine *e, int rec, char *why, size_t len)
{
    const char *bad = NULL;
    if (!load_row(s, e, rec, &bad)) {
        snprintf(why, len, "%s", bad);
        return false;
    }
    if (eng_left_out(e, rec)) {
        snprintf(why, len, "%s", eng_left_out_why(e, rec));
        return false;
    }
    return eng_record(e, rec, s->keys[rec], strlen(s->keys[rec]), why, len);
}

/* Notes that record rec could not be evaluated, and why. */
static void eval_error(Session *s, int rec, const char *why)
{
    if (s->nerr == s->err_cap) {
        s->err_cap = s->err_cap ? s->err_cap * 2 : 64;
        s->err_recs = xrealloc(s->err_recs, sizeof(int) * (size_t)s->err_cap);
    }
    s->err_recs[s->nerr++] = rec;
    if (s->nerr_kept == MAX_KEPT_ERRORS) return;
    if (!s->err_msgs) s->err_msgs = xcalloc(MAX_KEPT_ERRORS, sizeof(char *));
    s->err_msgs[s->nerr_kept++] = xstrdup(why);
}

/* ------------------------------------------ records on several threads */

int ses_threads(const Session *s)
{
    if (s->nrec < 20000) return 1;
    const char *env = getenv("KAM_THREADS");
    long n = env && *env ? strtol(env, NULL, 10) : sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1) n = 1;
    if (n > SES_MAX_THREADS) n = SES_MAX_THREADS;
    return (int)n;
}

/* A records step by difference (eng_delta_same): the rows of o start as
 * the baseline's, and a record found the same keeps its row unvisited. */
typedef struct DeltaRun {
    const EngDelta *d;
    Outcomes *o;
    uint64_t *memo;         /* by record, d->ncmp payloads (Value.u, none a
                               string): the frontier under the baseline's
                               params, kept across what-ifs (or NULL) */
    uint8_t *memo_st;       /* by record: 0 not worked out yet, MEMO_FAILED, or
                               MEMO_OK with bit k set if value k is missing */
} DeltaRun;

/* MEMO_NONE: not kept (worked out each time); MEMO_MAX values a record */
enum { MEMO_FAILED = 1, MEMO_NONE = 2, MEMO_OK = 0x80, MEMO_MAX = 7 };
_Static_assert(MEMO_OK == 0x80, "work_batched reads MEMO_OK as a byte's top bit");

/* Record r's frontier under the baseline (eng_delta_ref, into buf) kept in
 * dr's memo: its state. A value that is not a plain payload (it has a
 * length) is not kept (MEMO_NONE): the record is worked out each time. */
static uint8_t memo_put(const DeltaRun *dr, Vm *vm, int r, Value *buf)
{
    const EngDelta *d = dr->d;
    if (!eng_delta_ref(d, vm, r, buf)) return MEMO_FAILED;
    uint8_t st = MEMO_OK;
    uint64_t *m = dr->memo + (size_t)r * (size_t)d->ncmp;
    for (int i = 0; i < d->ncmp; i++) {
        if (buf[i].len) return MEMO_NONE;
        memcpy(&m[i], &buf[i].u, sizeof m[i]);
        if (buf[i].missing) st |= (uint8_t)(1u << i);
    }
    return st;
}

static void outcomes_unset(Outcomes *o, int rec);

/* One thread's share of the records step: its own VM (registers and
 * scratch) with the main VM's aggregate and limit state lent to it (the
 * record code only reads them), its own failed records. */
typedef struct RecWork {
    /* each its own cache lines: a thread's counts written for every
       record made the next one's engine, read for every record, bounce
       between the cores (two threads took 1.17x one's CPU for a sweep) */
    _Alignas(64) Session *s;
    Engine eng;             /* the main engine's, with this VM */
    Vm *vm;
    AggState *agg;
    LimitState *lim;
    AggGroups *gagg;
    int from, to, where_probe;
    SesVisit visit;
    void *ud;
    const DeltaRun *dr;
    long same;              /* records found the same by difference */
    long batched;           /* records whose frontier ran in batches */
    bool check;             /* KAM_BATCH_CHECK: each batch against vm_run */
    long checked;
    int visited;
    bool stopped;
    int *err_recs;          /* records that could not be evaluated */
    char **err_msgs;        /* why, for the first MAX_KEPT_ERRORS */
    int nerr, nkept, cap;
} RecWork;

static void work_error(RecWork *w, int rec, const char *why)
{
    if (w->nerr == w->cap) {
        w->cap = w->cap ? w->cap * 2 : 64;
        w->err_recs = xrealloc(w->err_recs, sizeof(int) * (size_t)w->cap);
        w->err_msgs = xrealloc(w->err_msgs, sizeof(char *) * (size_t)w->cap);
    }
    w->err_recs[w->nerr] = rec;
    w->err_msgs[w->nerr++] = w->nkept < MAX_KEPT_ERRORS ? (w->nkept++, xstrdup(why)) : NULL;
}

/* What work_rec and the batches share of a thread's run. */
typedef struct WorkCtx {
    LoadPlan lp, dlp;       /* every field the chunk reads; the frontier's */
    bool dfast;             /* the frontier's fields load without checks */
    Value *buf;             /* the frontier under the baseline */
    char why[800];
} WorkCtx;

/* Record r found the same as under the baseline (by difference): its row
 * is the baseline's, unless a :where filter leaves it out of scope.
 * false if the filter cannot be worked out that way (evaluate in full). */
static bool work_same(RecWork *w, WorkCtx *x, int r, bool loaded)
{
    const DeltaRun *dr = w->dr;
    Engine *e = &w->eng;
    if (w->where_probe < 0) {
        w->same++;
        w->visited++;
        dr->o->same[r] = 1;
        return true;
    }
    /* :where: the baseline's row if the account is in scope */
    if (!loaded) {
        if (x->dfast) load_fast(e->vm->regs, &x->dlp, r);
        else load_planned(w->s, e->vm->regs, &x->dlp, r, NULL);     /* none malformed: found the same */
    }
    if (!(loaded ? eng_delta_probes(dr->d, e->vm) : eng_delta_probes_at(dr->d, e->vm, r))) return false;
    if (e->vm->regs[e->chunk->probe_reg[w->where_probe]].u.i) {
        w->same++;
        w->visited++;
        dr->o->same[r] = 1;
    } else {
        outcomes_unset(dr->o, r);
    }
    return true;
}

/* Record r: by difference first if delta (and the run has a plan), else
 * (or if that does not decide) evaluated in full. */
static void work_rec(RecWork *w, WorkCtx *x, int r, bool delta)
{
    Session *s = w->s;
    Engine *e = &w->eng;
    const Chunk *c = e->chunk;
    const DeltaRun *dr = w->dr;
    const char *bad = NULL;
    if (delta && dr && dr->o->ok[r] && r != s->ovr_rec && r != s->full_rec && !eng_left_out(e, r) &&
        (x->dfast ? (load_fast(e->vm->regs, &x->dlp, r), true) : load_planned(s, e->vm->regs, &x->dlp, r, NULL))) {
        const Value *ref = NULL;
        uint8_t st = dr->memo ? dr->memo_st[r] : 0;
        if (dr->memo && !st) st = dr->memo_st[r] = memo_put(dr, e->vm, r, x->buf);
        int same;
        if (st & MEMO_OK) {     /* against the kept values as they are */
            same = eng_delta_same_kept(dr->d, e->vm, r, dr->memo + (size_t)r * (size_t)dr->d->ncmp,
                                       st & ~(unsigned)MEMO_OK);
        } else {
            if (st == MEMO_FAILED) ref = NULL;          /* evaluated in full: its error */
            else if (eng_delta_ref(dr->d, e->vm, r, x->buf)) ref = x->buf;
            same = ref ? eng_delta_same(dr->d, e->vm, r, NULL, ref) : 0;
        }
        if (same == 1 && work_same(w, x, r, true)) return;
    }
    if (dr && dr->o->ok[r]) outcomes_unset(dr->o, r);
    if (!load_planned(s, e->vm->regs, &x->lp, r, &bad)) {
        work_error(w, r, bad);
        return;
    }
    if (eng_left_out(e, r)) {
        work_error(w, r, eng_left_out_why(e, r));
        return;
    }
    /* the key ranks a record in a limit, which the record code never
       enters (the passes do): not looked at here */
    if (!eng_record(e, r, NULL, 0, x->why, sizeof x->why)) {
        work_error(w, r, x->why);
        return;
    }
    if (w->where_probe >= 0 && !e->vm->regs[c->probe_reg[w->where_probe]].u.i) return;
    w->visited++;
    if (w->visit) w->visit(s, r, e->vm->regs, c, w->ud);
}

/* The frontier's units over VB_LANES records at a time (eng_delta_batch_*),
 * for a run by difference whose frontier fields are plain columns; NULL
 * if they cannot run so, or KAM_NO_BATCH is set (for comparing). */
static VbPlan *work_batch_plan(const RecWork *w, const WorkCtx *x)
{
    if (!w->dr || getenv("KAM_NO_BATCH")) return NULL;
    for (int k = 0; k < x->dlp.n; k++)
        if (x->dlp.ent[k].how == SES_COL_STR || x->dlp.ent[k].how == SES_COL_NONE) return NULL;
    VbCol *cols = xmalloc(sizeof(VbCol) * ((size_t)x->dlp.n + 1));
    for (int k = 0; k < x->dlp.n; k++) {
        const LoadEnt *le = &x->dlp.ent[k];
        cols[k].reg = le->reg;
        cols[k].v = le->v;
        cols[k].miss = le->miss;
        cols[k].kind = le->how == SES_COL_F64 ? VB_F64 : le->how == SES_COL_I32 ? VB_I32
                     : le->how == SES_COL_N32 ? VB_N32 : VB_I8;
    }
    VbPlan *p = eng_delta_batch_new(w->dr->d, w->eng.vm, cols, x->dlp.n);
    free(cols);
    return p;
}

/* For tests (KAM_BATCH_CHECK=1): the records of a batch, their
 * frontier's values under the baseline (as the batch gave them: vals and
 * st where wref is set) and under the what-if, worked out again account
 * by account with vm_run (eng_delta_ref, eng_delta_same); a record where
 * they differ is said on stderr ("kam: batch check: ..."). */
static void batch_check(RecWork *w, WorkCtx *x, VbPlan *vb, int from, int n, const uint8_t *wref,
                        const uint64_t *vals, const uint8_t *st)
{
    const EngDelta *d = w->dr->d;
    Vm *vm = w->eng.vm;
    uint64_t nv[VB_LANES * 8];
    uint8_t nst[VB_LANES] = {0}, want[VB_LANES] = {0};
    for (int l = 0; l < n; l++) want[l] = wref[l] || (w->dr->memo && (w->dr->memo_st[from + l] & MEMO_OK));
    eng_delta_batch_values(d, vm, vb, false, from, n, want, nv, nst);
    for (int l = 0; l < n; l++) {
        if (!want[l]) continue;
        int r = from + l;
        load_planned(w->s, vm->regs, &x->dlp, r, NULL);
        for (int side = 0; side < 2; side++) {
            if (side == 0 && !wref[l]) continue;
            const uint64_t *bv = side ? nv + (size_t)l * (size_t)d->ncmp : vals + (size_t)l * (size_t)d->ncmp;
            uint8_t bst = side ? nst[l] : st[l];
            bool ok = side ? (eng_delta_same(d, vm, r, NULL, x->buf), vm->err == NULL)
                           : eng_delta_ref(d, vm, r, x->buf);
            bool same = ok == (bst != MEMO_FAILED);
            for (int i = 0; same && ok && i < d->ncmp; i++) {
                const Value *v = side ? &vm->regs[d->cmp[i]] : &x->buf[i];
                uint64_t u;
                memcpy(&u, &v->u, sizeof u);
                same = u == bv[i] && v->len == 0 && v->missing == ((bst >> i) & 1);
            }
            if (!same)
                fprintf(stderr, "kam: batch check: record %d, %s side: the batch and vm_run differ\n", r + 1,
                        side ? "what-if" : "baseline");
        }
    }
    w->checked += n;
}

/* Lanes 8 at a time, a byte each (the flags of work_batched are 0 or 1). */
static inline uint64_t lanes8(const void *p)
{
    uint64_t x;
    memcpy(&x, p, 8);
    return x;
}

#define ONES8 0x0101010101010101ull

/* 1 in each byte of x that is 0, else 0 (no carry crosses a byte: the
 * low 7 bits are added apart from the top one). */
static inline uint64_t zero_lanes(uint64_t x)
{
    const uint64_t low7 = 0x7f7f7f7f7f7f7f7full;
    return (~(((x & low7) + low7) | x) >> 7) & ONES8;
}

/* w's records by batches: the ones the frontier finds the same take the
 * baseline's row, the others go to work_rec in full. The flags of a batch
 * (want, wref, same: 0 or 1 a lane) are worked out 8 lanes to a word. */
static void work_batched(RecWork *w, WorkCtx *x, VbPlan *vb)
{
    Session *s = w->s;
    Engine *e = &w->eng;
    const DeltaRun *dr = w->dr;
    int ncmp = dr->d->ncmp;
    uint64_t *tmp = dr->memo ? NULL : xmalloc(sizeof(uint64_t) * (size_t)VB_LANES * (size_t)ncmp);
    uint8_t tst[VB_LANES] = {0}, want[VB_LANES] = {0}, wref[VB_LANES] = {0}, same[VB_LANES] = {0};
    for (int from = w->from; from < w->to; from += VB_LANES) {
        if (((from - w->from) & 4095) == 0 && ses_interrupted(s)) {
            w->stopped = true;
            break;
        }
        int n = w->to - from < VB_LANES ? w->to - from : VB_LANES;
        uint8_t *st = dr->memo ? dr->memo_st + from : tst;
        uint64_t *vals = dr->memo ? dr->memo + (size_t)from * (size_t)ncmp : tmp;
        const uint8_t *ok = dr->o->ok + from;
        int n8 = n & ~7, l0 = 0;    /* lanes by words, then the rest one by one */
        if (from + n8 <= e->nbad_cap || !e->left_out) {
            const bool *bad = from + n8 <= e->nbad_cap ? e->bad + from : NULL;
            for (; l0 < n8; l0 += 8) {
                uint64_t v = zero_lanes(lanes8(ok + l0)) ^ ONES8;
                if (bad) v &= zero_lanes(lanes8(bad + l0));
                memcpy(want + l0, &v, 8);
            }
        }
        for (int l = l0; l < n; l++) want[l] = ok[l] && !eng_left_out(e, from + l);
        if (x->dlp.any_bad)         /* a malformed value: in full (its error) */
            for (int k = 0; k < x->dlp.n; k++)
                if (x->dlp.col[k]->bad)
                    for (int l = 0; l < n; l++) want[l] &= !x->dlp.col[k]->bad[from + l];
        if (s->ovr_rec >= from && s->ovr_rec < from + n) want[s->ovr_rec - from] = 0;
        if (s->full_rec >= from && s->full_rec < from + n) want[s->full_rec - from] = 0;
        int nref = 0;
        for (int l = 0; l < n8; l += 8) {
            uint64_t v = lanes8(want + l);
            if (dr->memo) v &= zero_lanes(lanes8(st + l));
            memcpy(wref + l, &v, 8);
            nref += __builtin_popcountll(v);
        }
        for (int l = n8; l < n; l++) nref += wref[l] = (uint8_t)(want[l] & (!dr->memo || st[l] == 0));
        if (nref) eng_delta_batch_values(dr->d, e->vm, vb, true, from, n, wref, vals, st);
        if (w->check) batch_check(w, x, vb, from, n, wref, vals, st);
        for (int l = 0; l < n8; l += 8) {     /* MEMO_OK: each byte's top bit */
            uint64_t v = lanes8(want + l) & (lanes8(st + l) >> 7) & ONES8;
            memcpy(want + l, &v, 8);
        }
        for (int l = n8; l < n; l++) want[l] = (uint8_t)(want[l] & (st[l] >> 7));
        eng_delta_batch_same(dr->d, e->vm, vb, from, n, want, vals, st, same);
        int nsame = 0;
        for (int l = 0; l < n; l++) {
            if (w->where_probe < 0 && (l & 7) == 0 && l + 8 <= n && lanes8(same + l) == ONES8) {
                memset(dr->o->same + from + l, 1, 8);   /* 8 lanes found the same at once */
                nsame += 8;
                l += 7;
                continue;
            }
            if (same[l] && w->where_probe < 0) {   /* work_same's first case */
                dr->o->same[from + l] = 1;
                nsame++;
            } else if (!(same[l] && work_same(w, x, from + l, false))) {
                work_rec(w, x, from + l, false);
            }
        }
        w->same += nsame;
        w->visited += nsame;
        w->batched += n;
    }
    free(tmp);
}

static void *work_main(void *arg)
{
    RecWork *w = arg;
    Session *s = w->s;
    const Chunk *c = w->eng.chunk;
    WorkCtx x = {0};
    plan_load(s, c, c->field_used, &x.lp);
    const DeltaRun *dr = w->dr;
    if (dr) {
        plan_load(s, c, dr->d->fields, &x.dlp);
        x.buf = xmalloc(sizeof(Value) * ((size_t)dr->d->ncmp + 1));
        x.dfast = plan_plain(&x.dlp);
    }
    VbPlan *vb = work_batch_plan(w, &x);
    if (vb) {
        work_batched(w, &x, vb);
    } else {
        for (int r = w->from; r < w->to; r++) {
            if (((r - w->from) & 4095) == 0 && ses_interrupted(s)) {
                w->stopped = true;
                break;
            }
            work_rec(w, &x, r, true);
        }
    }
    vb_free(vb);
    plan_free(&x.lp);
    if (dr) plan_free(&x.dlp);
    free(x.buf);
    return NULL;
}

/* The records step of e (params and passes done) over every record, on
 * nth threads (thread t calling visit with uds[t]); failed records go to
 * s->nerr in record order. The number visited, or -1 if interrupted. */
static int records_step(Session *s, Engine *e, int where_probe, int nth, SesVisit visit, void **uds,
                        const DeltaRun *dr)
{
    int lo = 0, hi = s->nrec;
    s->delta_same = -1;
    if (s->only_rec >= 0 && s->only_rec < s->nrec) {
        lo = s->only_rec;       /* one account: the passes (done) read the others */
        hi = lo + 1;
        nth = 1;
    }
    clear_eval_errors(s);
    if (nth < 1) nth = 1;
    if (nth > SES_MAX_THREADS) nth = SES_MAX_THREADS;
    RecWork w[SES_MAX_THREADS];
    pthread_t tid[SES_MAX_THREADS];
    bool started[SES_MAX_THREADS];
    const Chunk *c = e->chunk;
    for (int t = 0; t < nth; t++) {
        memset(&w[t], 0, sizeof w[t]);
        w[t].s = s;
        w[t].eng = *e;
        w[t].eng.err = NULL;
        w[t].from = lo + (int)((long)(hi - lo) * t / nth);
        w[t].to = lo + (int)((long)(hi - lo) * (t + 1) / nth);
        w[t].where_probe = where_probe;
        w[t].visit = visit;
        w[t].ud = uds ? uds[t] : NULL;
        w[t].dr = dr && lo == 0 && hi == s->nrec ? dr : NULL;
        w[t].check = getenv("KAM_BATCH_CHECK") != NULL;
        if (t == 0) continue;       /* thread 0 is this one, with e's VM */
        Vm *vm = vm_new(c);
        memcpy(vm->regs, e->vm->regs, sizeof(Value) * (size_t)c->nregs);
        w[t].vm = vm;
        w[t].agg = vm->agg;
        w[t].lim = vm->lim;
        w[t].gagg = vm->gagg;
        vm->agg = e->vm->agg;
        vm->lim = e->vm->lim;
        vm->gagg = e->vm->gagg;
        w[t].eng.vm = vm;
    }
    for (int t = 1; t < nth; t++) started[t] = pthread_create(&tid[t], NULL, work_main, &w[t]) == 0;
    work_main(&w[0]);
    for (int t = 1; t < nth; t++) {
        if (started[t]) pthread_join(tid[t], NULL);
        else work_main(&w[t]);          /* no thread: done here */
    }
    int visited = 0;
    bool stopped = false;
    long checked = 0;
    if (w[0].dr) s->delta_same = 0;
    s->delta_batched = 0;
    for (int t = 0; t < nth; t++) {
        visited += w[t].visited;
        if (w[t].dr) s->delta_same += w[t].same;
        s->delta_batched += w[t].batched;
        checked += w[t].checked;
        stopped = stopped || w[t].stopped;
        for (int i = 0; i < w[t].nerr; i++) {
            eval_error(s, w[t].err_recs[i], w[t].err_msgs[i] ? w[t].err_msgs[i] : "");
            free(w[t].err_msgs[i]);
        }
        free(w[t].err_recs);
        free(w[t].err_msgs);
        if (t == 0) continue;
        w[t].vm->agg = w[t].agg;
        w[t].vm->lim = w[t].lim;
        w[t].vm->gagg = w[t].gagg;
        vm_free(w[t].vm);
    }
    if (checked) fprintf(stderr, "kam: batch check: %ld accounts checked\n", checked);
    if (stopped) {
        s->status = ENG_INTERRUPTED;
        return -1;
    }
    return visited;
}

/* The kept evaluation (cache_ready): the session's policy compiled once
 * with units, its engine, params and passes kept between what-ifs. */
typedef struct SesCache {
    unsigned long gen;      /* the session's when made */
    int32_t today;
    char *where;            /* the filter compiled as probe 0, or NULL */
    Chunk *chunk;           /* the session's policy (and the filter) */
    Engine e;
    bool passes_done;       /* e's passes stand for the values in snap */
    Value *snap;            /* the registers after init when they were done */
    int *cmp;               /* registers the init code writes and a pass reads */
    int ncmp;
    Value *ref;             /* the registers after init without what-ifs (the
                               baseline's params), or NULL if they failed */
    Engine ref_e;           /* when a what-if reaches the passes: an engine on
                               chunk with the baseline's params and passes */
    bool ref_open;
    /* DeltaRun's memo, for the frontier of memo_run/memo_cmp */
    int *memo_run, memo_nrun, *memo_cmp, memo_ncmp;
    uint64_t *memo;
    uint8_t *memo_st;
} SesCache;

static SesCache *cache_ready(Session *s, const char *where);

/* Runs chunk c (compiled from policy p) over the records on nth threads:
 * visit (with uds[t] on thread t) for each one that passes the where
 * probe. Records that cannot be evaluated are counted in s->nerr (and kept
 * for :errors), never silently skipped. Returns the number visited, or -1
 * (reason printed). */
static int eval_chunk(Session *s, Policy *p, Chunk *c, bool with_sets, int where_probe, int nth,
                      SesVisit visit, void **uds)
{
    clear_eval_errors(s);
    Engine e;
    /* one account (:account): the kept evaluation's passes, if its
       aggregates and limits are this chunk's (the same what-ifs), instead
       of passes over every account for one value */
    SesCache *k = NULL;
    if (s->only_rec >= 0 && s->only_rec < s->nrec && with_sets && p == s->pol && c->npasses) {
        k = cache_ready(s, NULL);
        if (!k) return -1;          /* said */
        if (!eng_passes_alike(k->chunk, c)) k = NULL;
    }
    EngStatus st = start_ex(s, &e, p, c, with_sets, k == NULL);
    if (st == ENG_OK && k) eng_lend_passes(&e, &k->e);
    if (st != ENG_OK) {
        s->status = st;         /* interrupted: the REPL says so */
        eng_close(&e);
        return -1;
    }
    int visited = records_step(s, &e, where_probe, nth, visit, uds, NULL);
    eng_close(&e);
    return visited;
}

/* ---------------------------------------------------- the kept evaluation */


static void cache_free(Session *s)
{
    SesCache *k = s->cache;
    if (!k) return;
    if (k->e.vm) eng_close(&k->e);
    if (k->ref_open) eng_close(&k->ref_e);      /* both before their chunk */
    cg_free(k->chunk);
    free(k->where);
    free(k->snap);
    free(k->cmp);
    free(k->ref);
    free(k->memo_run);
    free(k->memo_cmp);
    free(k->memo);
    free(k->memo_st);
    free(k);
    s->cache = NULL;
}

/* Whether op's operand letters (opcodes.def) include ch. */
static bool has_operand(int op, char ch)
{
    return strchr(op_operands[op], ch) != NULL;
}

/* Marks the registers the code from pc to its HALT reads (reads) or
 * writes (writes); either may be NULL. */
static void code_regs(const Chunk *c, int pc, bool *reads, bool *writes)
{
    for (; pc >= 0 && pc < c->ncode && c->code[pc].op != OP_HALT; pc++) {
        const Instr *in = &c->code[pc];
        if (writes && has_operand(in->op, 'd') && in->d < c->nregs) writes[in->d] = true;
        if (!reads) continue;
        if (in->op == OP_CALL) {            /* registers a .. a+b-1 */
            for (int r = in->a; r < in->a + in->b && r < c->nregs; r++) reads[r] = true;
            continue;
        }
        if (has_operand(in->op, 'a') && in->a < c->nregs) reads[in->a] = true;
        if (has_operand(in->op, 'b') && in->b < c->nregs) reads[in->b] = true;
    }
}

/* Which registers decide the portfolio passes and are set by the params:
 * those the init code writes (params, consts, limit counts) that a pass
 * reads, and every limit's count. */
static void cache_plan(SesCache *k)
{
    const Chunk *c = k->chunk;
    bool *reads = xcalloc((size_t)c->nregs + 1, sizeof(bool));
    bool *writes = xcalloc((size_t)c->nregs + 1, sizeof(bool));
    for (int p = 0; p < c->npasses; p++) code_regs(c, c->pass_pc[p], reads, NULL);
    for (int i = 0; i < c->nlimits; i++) reads[c->limits[i].count_reg] = true;
    code_regs(c, c->init_pc, NULL, writes);
    for (int i = 0; i < c->pol->nsyms; i++)
        if (c->param_reg[i] >= 0) writes[c->param_reg[i]] = true;
    k->cmp = xmalloc(sizeof(int) * ((size_t)c->nregs + 1));
    for (int r = 0; r < c->nregs; r++)
        if (reads[r] && writes[r]) k->cmp[k->ncmp++] = r;
    free(reads);
    free(writes);
}

static bool same_value(const Value *a, const Value *b)
{
    return a->missing == b->missing && a->len == b->len && memcmp(&a->u, &b->u, sizeof a->u) == 0;
}

/* The kept engine, its params as the what-ifs say and its passes done
 * (again only if a register they read changed). NULL (said, s->status
 * set) if the params cannot be computed or the user interrupted. */
static SesCache *cache_ready(Session *s, const char *where)
{
    SesCache *k = s->cache;
    if (k && (k->gen != s->gen || k->today != s->today ||
              (k->where == NULL) != (where == NULL) || (where && strcmp(k->where, where) != 0)))
        cache_free(s);
    k = s->cache;
    if (!k) {
        Expr *w = NULL;
        if (where && !(w = ses_parse_expr(s, where, ":where", ty_make(TY_BOOL)))) return NULL;
        DiagList d;
        diag_init(&d);
        /* with units, for what-ifs by difference; without if too large */
        Chunk *c = cg_compile_units(s->pol, w ? &w : NULL, w ? 1 : 0, &d);
        if (!c) {
            diag_free(&d);
            diag_init(&d);
            c = cg_compile(s->pol, w ? &w : NULL, w ? 1 : 0, &d);
        }
        if (!c) {
            diag_render_text(s->err, &s->pol->src, &d, false);
            diag_free(&d);
            s->status = ENG_POLICY;
            return NULL;
        }
        diag_free(&d);
        if (need_chunk_fields(s, c) != 0) {
            cg_free(c);
            return NULL;
        }
        k = s->cache = xcalloc(1, sizeof *k);
        k->gen = s->gen;
        k->today = s->today;
        k->where = where ? xstrdup(where) : NULL;
        k->chunk = c;
        eng_adopt(&k->e, s->pol, c, s->today, s->err, cli_use_color(s->err));
        k->snap = xmalloc(sizeof(Value) * ((size_t)c->nregs + 1));
        cache_plan(k);
        /* the params as the baseline has them: the policy file's */
        FILE *quiet = k->e.err;
        k->e.err = NULL;
        for (int i = 0; i < s->pol->nsyms; i++)
            if (c->param_reg[i] >= 0) k->e.vm->regs[c->set_flag_reg[i]] = val_int(0);
        if (eng_init(&k->e) == ENG_OK) {
            k->ref = xmalloc(sizeof(Value) * ((size_t)c->nregs + 1));
            memcpy(k->ref, k->e.vm->regs, sizeof(Value) * (size_t)c->nregs);
        }
        k->e.err = quiet;
    }
    Engine *e = &k->e;
    const Chunk *c = k->chunk;
    /* the params as the policy file gives them, then the :set values */
    for (int i = 0; i < s->pol->nsyms; i++)
        if (c->param_reg[i] >= 0) e->vm->regs[c->set_flag_reg[i]] = val_int(0);
    EngStatus st = ENG_OK;
    for (int i = 0; st == ENG_OK && i < s->nsets; i++) st = eng_set_param(e, s->set_names[i], s->set_values[i]);
    if (st == ENG_OK) st = eng_init(e);
    if (st != ENG_OK) {
        s->status = st;
        return NULL;
    }
    if (!eng_has_passes(e)) return k;
    bool same = k->passes_done;
    for (int i = 0; same && i < k->ncmp; i++)
        same = same_value(&e->vm->regs[k->cmp[i]], &k->snap[k->cmp[i]]);
    if (same) {
        eng_portfolio(e);       /* it may read a param that changed */
        return k;
    }
    memcpy(k->snap, e->vm->regs, sizeof(Value) * (size_t)c->nregs);
    k->passes_done = false;
    if (passes(s, e) < 0) {
        s->status = ENG_INTERRUPTED;
        return NULL;
    }
    k->passes_done = true;
    return k;
}

/* The kept evaluation, ready for a records step (with the :where filter
 * if filtered); NULL (said) if there is none to be had. */
static SesCache *kept_ready(Session *s, bool filtered)
{
    if (!s->pol) {
        fprintf(s->err, "kam: no policy loaded (:load POLICY)\n");
        return NULL;
    }
    SesCache *k = cache_ready(s, filtered ? s->where : NULL);
    if (!k) clear_eval_errors(s);
    return k;
}

int ses_eval_kept(Session *s, bool filtered, SesVisit visit, void **uds)
{
    const char *where = filtered ? s->where : NULL;
    SesCache *k = kept_ready(s, filtered);
    if (!k) return -1;
    return records_step(s, &k->e, where ? 0 : -1, ses_threads(s), visit, uds, NULL);
}

void ses_note_errors(const Session *s)
{
    if (s->data_bad)    /* left out when read: not in any count */
        fprintf(s->out, "(%d record%s of the data %s left out when read: data errors)\n", s->data_bad,
                s->data_bad == 1 ? "" : "s", s->data_bad == 1 ? "was" : "were");
    if (!s->nerr) return;
    fprintf(s->out, "%d account%s could not be evaluated and %s not counted (:errors lists %s)\n",
            s->nerr, s->nerr == 1 ? "" : "s", s->nerr == 1 ? "is" : "are",
            s->nerr == 1 ? "it" : "them");
}

void ses_list_errors(const Session *s, int max)
{
    if (!s->nerr) {
        fprintf(s->out, "every account was evaluated\n");
        return;
    }
    for (int i = 0; i < s->nerr_kept && i < max; i++) {
        int r = s->err_recs[i];
        char kb[600];
        fprintf(s->out, "%s (%s:%ld): %s\n", ses_key_text(s, r, kb, sizeof kb),
                s->data_path ? s->data_path : "?", s->lines[r], s->err_msgs[i]);
    }
    int shown = s->nerr_kept < max ? s->nerr_kept : max;
    if (s->nerr > shown) fprintf(s->out, "... and %d more\n", s->nerr - shown);
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

Expr *ses_parse_value(Session *s, const char *text, const char *label, const Sym *param)
{
    Expr *e = ses_parse_expr(s, text, label, param->ty);
    if (!e) return NULL;
    DiagList d;
    diag_init(&d);
    policy_check_unit(s->pol, e, param, &d);
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
    void *uds[1] = {ud};
    int visited = eval_chunk(s, s->pol, c, true, where_probe, 1, visit, uds);
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
            OutCol c = {s->name, s->kind, s->ty.en, s->slot, -1, RT_ERROR, NULL};
            o->names[o->ncols] = xstrdup(s->name);
            if ((s->kind == SYM_TIER || s->kind == SYM_STAGES) && s->ty.en) {
                o->members[o->ncols] = xcalloc((size_t)s->ty.en->n + 1, sizeof(char *));
                for (int m = 0; m < s->ty.en->n; m++)
                    o->members[o->ncols][m] = xstrdup(s->ty.en->members[m]);
            }
            c.name = o->names[o->ncols];
            c.en = NULL;        /* use o->members: the policy may go */
            c.ent = -1;
            o->cols[o->ncols++] = c;
        }
    }
}

/* Each entitlement's terms as columns after the others ("ent.term"), from
 * the chunk that computes them. */
static void term_cols(const Chunk *c, Outcomes *o)
{
    int nterms = 0;
    for (int i = 0; i < c->nouts; i++) nterms += c->outs[i].nterms;
    if (!nterms) return;
    size_t cap = (size_t)(o->ncols + nterms) + 1;
    o->cols = xrealloc(o->cols, cap * sizeof(OutCol));
    o->names = xrealloc(o->names, cap * sizeof(char *));
    o->members = xrealloc(o->members, cap * sizeof(char **));
    int nbase = o->ncols;
    for (int i = 0; i < c->nouts; i++) {
        const ChunkOut *out = &c->outs[i];
        if (out->kind != OUT_ENTITLE || !out->nterms) continue;
        int ent = -1;
        for (int k = 0; k < nbase; k++)
            if (o->cols[k].kind == SYM_ENTITLE && strcmp(o->cols[k].name, out->name) == 0) ent = k;
        if (ent < 0) continue;
        for (int t = 0; t < out->nterms; t++) {
            const ChunkTerm *ct = &out->terms[t];
            size_t n = strlen(out->name) + strlen(ct->name) + 2;
            char *name = xmalloc(n);
            snprintf(name, n, "%s.%s", out->name, ct->name);
            OutCol col = {name, SYM_ENTITLE, NULL, ct->reg, ent, ct->ty.kind, NULL};
            o->names[o->ncols] = name;
            o->members[o->ncols] = NULL;
            if ((ct->ty.kind == RT_ENUM || ct->ty.kind == RT_STAGE) && ct->ty.en) {
                o->members[o->ncols] = xcalloc((size_t)ct->ty.en->n + 1, sizeof(char *));
                for (int m = 0; m < ct->ty.en->n; m++) o->members[o->ncols][m] = xstrdup(ct->ty.en->members[m]);
            }
            o->cols[o->ncols++] = col;
        }
    }
}

/* Rows by difference (Outcomes.slot): held apart from base's, which
 * every other record reads. */
static void sparse_stop(Outcomes *o)
{
    for (int i = 0; o->pages && i < o->npages; i++) free(o->pages[i]);
    free(o->pages);
    free(o->poff);
    free(o->slot);
    o->pages = NULL;
    o->poff = NULL;
    o->slot = NULL;
    o->base = NULL;
    o->npages = o->nrows = 0;
}

/* o (outcomes_alike base) as base's rows, none held apart yet; the pages
 * of an earlier what-if are kept for this one's rows. */
static void sparse_start(Outcomes *o, const Outcomes *base)
{
    if (!o->slot) {
        o->slot = xmalloc(sizeof(int32_t) * ((size_t)o->nrec + 1));
        o->npages = (o->nrec >> OUT_PAGE_BITS) + 1;
        o->pages = xcalloc((size_t)o->npages, sizeof(char *));
        o->poff = xmalloc(sizeof(size_t) * ((size_t)o->ncols + 1));
        size_t at = 0;
        for (int i = 0; i < o->ncols; i++) {
            o->poff[i] = at;
            at += (o->b[i] ? 1 : sizeof(double)) * (size_t)OUT_PAGE;
        }
    }
    for (int r = 0; r < o->nrec; r++) o->slot[r] = OUT_BASE;
    o->nrows = 0;
    o->base = base;
    memcpy(o->ok, base->ok, (size_t)o->nrec);
}

/* Record rec's own row (its page made on first use): where column i's
 * cell is, pages[..] + poff[i] + index (in *at). Threads call it for
 * records of their own. */
static char *sparse_row(Outcomes *o, int rec, int *at)
{
    int32_t k = o->slot[rec];
    if (k < 0) {
        k = __atomic_fetch_add(&o->nrows, 1, __ATOMIC_RELAXED);
        o->slot[rec] = k;
    }
    char **pg = &o->pages[k >> OUT_PAGE_BITS];
    char *p = __atomic_load_n(pg, __ATOMIC_ACQUIRE);
    if (!p) {
        size_t bytes = o->poff[o->ncols - 1] + (o->b[o->ncols - 1] ? 1 : sizeof(double)) * (size_t)OUT_PAGE;
        char *fresh = xmalloc(bytes);
        if (__atomic_compare_exchange_n(pg, &p, fresh, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) p = fresh;
        else free(fresh);       /* another thread's page is there (p) */
    }
    *at = k & (OUT_PAGE - 1);
    return p;
}

void outcomes_free(Outcomes *o)
{
    sparse_stop(o);
    for (int i = 0; i < o->ncols; i++) {
        free(o->names[i]);
        if (o->cols[i].text) {
            for (int r = 0; r < o->nrec; r++) free(o->cols[i].text[r]);
            free(o->cols[i].text);
        }
        if (o->members && o->members[i]) {
            for (int m = 0; o->members[i][m]; m++) free(o->members[i][m]);
            free(o->members[i]);
        }
    }
    free(o->names);
    free(o->members);
    free(o->cells);
    free(o->d);
    free(o->b);
    free(o->ok);
    free(o->same);
    free(o->cols);
    memset(o, 0, sizeof *o);
}

typedef struct Collect {
    Outcomes *o;
} Collect;

static void collect(Session *s, int rec, const Value *regs, const Chunk *c, void *ud)
{
    (void)s, (void)c;
    Outcomes *o = ((Collect *)ud)->o;
    double row[o->ncols + 1];
    for (int i = 0; i < o->ncols; i++) {
        OutCol *col = &o->cols[i];
        const Value *v = &regs[col->reg];
        if (col->ent >= 0) {
            if (v->missing) row[i] = NAN;
            else if (col->tkind == RT_STRING) {
                if (!col->text) col->text = xcalloc((size_t)o->nrec + 1, sizeof(char *));
                free(col->text[rec]);
                col->text[rec] = xmalloc((size_t)v->len + 1);
                memcpy(col->text[rec], v->u.str, v->len);
                col->text[rec][v->len] = '\0';
                row[i] = 0;
            } else if (col->tkind == RT_INT || col->tkind == RT_NUMBER || col->tkind == RT_MONEY ||
                       col->tkind == RT_PERCENT) {
                row[i] = v->u.num;
            } else {
                row[i] = (double)v->u.i;
            }
            continue;
        }
        switch (col->kind) {
        case SYM_SCORE: row[i] = v->u.num; break;
        case SYM_TIER:
        case SYM_STAGES: row[i] = v->missing ? NAN : (double)v->u.i; break;
        default: row[i] = (double)(v->u.i != 0);
        }
    }
    if (o->slot && o->ncols) {         /* by difference: a row of its own */
        int at;
        char *p = sparse_row(o, rec, &at);
        for (int i = 0; i < o->ncols; i++) {
            if (o->b[i]) ((int8_t *)(p + o->poff[i]))[at] = isnan(row[i]) ? -1 : (int8_t)row[i];
            else ((double *)(void *)(p + o->poff[i]))[at] = row[i];
        }
    } else {
        for (int i = 0; i < o->ncols; i++) {
            if (o->b[i]) o->b[i][rec] = isnan(row[i]) ? -1 : (int8_t)row[i];
            else o->d[i][rec] = row[i];
        }
    }
    if (o->ok && rec < o->nrec) o->ok[rec] = 1;
}

/* Record rec's row back to "not evaluated". */
static void outcomes_unset(Outcomes *o, int rec)
{
    if (o->slot) {              /* no text terms then */
        o->slot[rec] = OUT_NONE;
        o->ok[rec] = 0;
        return;
    }
    for (int i = 0; i < o->ncols; i++) {
        if (o->b[i]) o->b[i][rec] = -1;
        else o->d[i][rec] = NAN;
        if (o->cols[i].text) {
            free(o->cols[i].text[rec]);
            o->cols[i].text[rec] = NULL;
        }
    }
    o->ok[rec] = 0;
}

/* Whether o (made by outcomes_init) has base's columns, in its order. */
static bool outcomes_alike(const Outcomes *o, const Outcomes *base)
{
    if (o->ncols != base->ncols || o->nrec != base->nrec || !base->ok) return false;
    for (int i = 0; i < o->ncols; i++)
        if (strcmp(o->names[i], base->names[i]) != 0 || (o->b[i] == NULL) != (base->b[i] == NULL) ||
            (o->cols[i].text == NULL) != (base->cols[i].text == NULL))
            return false;
    return true;
}

/* Every row of base into o (outcomes_alike). */
static void outcomes_copy(Outcomes *o, const Outcomes *base)
{
    size_t n = (size_t)o->nrec;
    for (int i = 0; i < o->ncols; i++) {
        if (o->b[i]) memcpy(o->b[i], base->b[i], n);
        else memcpy(o->d[i], base->d[i], sizeof(double) * n);
        if (o->cols[i].text)
            for (size_t r = 0; r < n; r++) {
                free(o->cols[i].text[r]);
                o->cols[i].text[r] = base->cols[i].text[r] ? xstrdup(base->cols[i].text[r]) : NULL;
            }
    }
    memcpy(o->ok, base->ok, n);
}

static void outcomes_init_ex(Outcomes *o, Policy *p, const Chunk *c, int nrec, bool fill);

void outcomes_init(Outcomes *o, Policy *p, const Chunk *c, int nrec)
{
    outcomes_init_ex(o, p, c, nrec, true);
}

/* outcomes_init; without fill the rows are left as they come (the caller
 * fills or clears each before it is read). */
static void outcomes_init_ex(Outcomes *o, Policy *p, const Chunk *c, int nrec, bool fill)
{
    outcome_cols(p, o);
    term_cols(c, o);
    o->nrec = nrec;
    o->d = xcalloc((size_t)o->ncols + 1, sizeof(double *));
    o->b = xcalloc((size_t)o->ncols + 1, sizeof(int8_t *));
    o->ok = xcalloc((size_t)nrec + 1, 1);
    /* the columns in one block (over a million accounts, one large enough
       for huge pages rather than a score of small ones), each 64-aligned */
    size_t *at = xmalloc(sizeof(size_t) * ((size_t)o->ncols + 1)), total = 0;
    for (int i = 0; i < o->ncols; i++) {
        const OutCol *col = &o->cols[i];
        int nm = 0;
        if (o->members[i]) while (o->members[i][nm]) nm++;
        bool byte = col->ent < 0 && (col->kind == SYM_SELECT || col->kind == SYM_ENTITLE ||
                                     col->kind == SYM_FLAG ||
                                     ((col->kind == SYM_TIER || col->kind == SYM_STAGES) && o->members[i] && nm < 127));
        at[i] = total;
        total += ((byte ? 1 : sizeof(double)) * ((size_t)nrec + 1) + 63) / 64 * 64;
        if (byte) o->b[i] = (int8_t *)1;    /* placed below */
    }
    o->cells = xmalloc(total ? total : 1);
    for (int i = 0; i < o->ncols; i++) {
        if (o->b[i]) {
            o->b[i] = (int8_t *)((char *)o->cells + at[i]);
            if (fill) memset(o->b[i], -1, (size_t)nrec + 1);
        } else {
            o->d[i] = (double *)(void *)((char *)o->cells + at[i]);
            for (int r = 0; fill && r < nrec; r++) o->d[i][r] = NAN;
        }
    }
    free(at);
}

void outcomes_put(Outcomes *o, int row, const Value *regs)
{
    Collect cl = {o};
    collect(NULL, row, regs, NULL, &cl);
}

/* The outcomes of the session's policy with its what-ifs, by the kept
 * evaluation: by difference from the baseline when it stands for the same
 * policy (session.h, base_ref) and no :where filters, else in full. */
/* Every row of o back to "not evaluated". */
static void outcomes_clear(Outcomes *o)
{
    sparse_stop(o);
    for (int i = 0; i < o->ncols; i++) {
        if (o->b[i]) memset(o->b[i], -1, (size_t)o->nrec);
        else for (int r = 0; r < o->nrec; r++) o->d[i][r] = NAN;
        for (int r = 0; o->cols[i].text && r < o->nrec; r++) {
            free(o->cols[i].text[r]);
            o->cols[i].text[r] = NULL;
        }
    }
    memset(o->ok, 0, (size_t)o->nrec);
}

/* The outcomes of the kept evaluation into o (see above); series: one of
 * several what-ifs in a row (a :sweep's steps), whose frontier is kept
 * from the first. */
static int kept_outcomes(Session *s, bool filtered, Outcomes *o, void **uds, bool dirty, bool series)
{
    const char *where = filtered ? s->where : NULL;
    SesCache *k = kept_ready(s, filtered);
    if (!k) {
        if (dirty) outcomes_clear(o);
        return -1;
    }
    EngDelta *d = NULL;
    bool by_difference = k->ref && s->base_ref && s->base_gen == s->gen &&
                         s->base_today == s->today && s->only_rec < 0 && !getenv("KAM_NO_DELTA") &&
                         outcomes_alike(o, &s->base);
    if (by_difference) {
        /* a what-if that reaches the passes: the baseline's passes, done
           once (on an engine of their own), for its side of the frontier */
        bool passes_differ = false;
        for (int i = 0; i < k->ncmp; i++)
            if (!same_value(&k->e.vm->regs[k->cmp[i]], &k->ref[k->cmp[i]])) passes_differ = true;
        if (passes_differ && !k->ref_open) {
            Engine *r = &k->ref_e;
            eng_adopt(r, s->pol, k->chunk, s->today, NULL, false);
            for (int i = 0; i < s->pol->nsyms; i++)
                if (k->chunk->param_reg[i] >= 0) r->vm->regs[k->chunk->set_flag_reg[i]] = val_int(0);
            if (eng_init(r) == ENG_OK && passes(s, r) >= 0) k->ref_open = true;
            else eng_close(r);
        }
        d = eng_delta_new(&k->e, k->ref, k->ref_open ? &k->ref_e : NULL);
    }
    DeltaRun dr = {d, o, NULL, NULL};
    /* the frontier under the baseline, kept from the second what-if
       with the same frontier on, or from the first of a series (a lone
       :diff does not pay for keeping it: 9 bytes an account); a what-if
       that changes nothing (no frontier: a sweep's step at the
       baseline's value) keeps it for the steps after it */
    if (d && d->nrun > 0 && !d->has_str && d->ncmp <= MEMO_MAX) {
        bool same = k->memo_run && k->memo_nrun == d->nrun && k->memo_ncmp == d->ncmp &&
                    !memcmp(k->memo_run, d->run, sizeof(int) * (size_t)d->nrun) &&
                    !memcmp(k->memo_cmp, d->cmp, sizeof(int) * (size_t)d->ncmp);
        if (!same) {            /* another frontier: seen once */
            free(k->memo), free(k->memo_st), free(k->memo_run), free(k->memo_cmp);
            k->memo = NULL;
            k->memo_st = NULL;
            k->memo_run = xmalloc(sizeof(int) * ((size_t)d->nrun + 1));
            k->memo_cmp = xmalloc(sizeof(int) * ((size_t)d->ncmp + 1));
            memcpy(k->memo_run, d->run, sizeof(int) * (size_t)d->nrun);
            memcpy(k->memo_cmp, d->cmp, sizeof(int) * (size_t)d->ncmp);
            k->memo_nrun = d->nrun;
            k->memo_ncmp = d->ncmp;
        }
        if (!k->memo && (same || series)) {
            k->memo = xmalloc(sizeof(uint64_t) * ((size_t)s->nrec * (size_t)d->ncmp + 1));
            k->memo_st = xcalloc((size_t)s->nrec + 1, 1);
        }
        dr.memo = k->memo;
        dr.memo_st = k->memo_st;
    }
    if (d) {
        /* only the rows that change held here, unless a text term's
           strings are (or KAM_FULL_ROWS, for tests: every row copied) */
        bool text = false;
        for (int i = 0; i < o->ncols; i++)
            if (o->cols[i].text) text = true;
        if (!text && o->ncols && !getenv("KAM_FULL_ROWS")) {
            sparse_start(o, &s->base);
        } else {
            sparse_stop(o);
            outcomes_copy(o, &s->base);
        }
        o->same = xcalloc((size_t)o->nrec + 1, 1);
    } else if (dirty) {
        outcomes_clear(o);
    }
    int n = records_step(s, &k->e, where ? 0 : -1, ses_threads(s), collect, uds, d ? &dr : NULL);
    if (getenv("KAM_DELTA_TRACE")) {        /* for tests: which way it went */
        if (d)
            fprintf(s->err, "kam: by difference: %ld of %d accounts as the baseline (%ld in batches)\n",
                    s->delta_same, s->nrec, s->delta_batched);
        else fprintf(s->err, "kam: in full\n");
    }
    eng_delta_free(d);
    return n;
}

static int fill_outcomes(Session *s, Policy *p, Chunk *c, bool with_sets, bool filtered,
                         bool kept, bool series, Outcomes *o)
{
    /* the kept evaluation copies the baseline's rows or clears them first
       (dirty): not filled here, to be written again */
    outcomes_init_ex(o, p, c, s->nrec, !kept);
    Collect cl = {o};
    for (int i = 0; i < o->ncols; i++)      /* threads fill the rows: made before */
        if (o->cols[i].ent >= 0 && o->cols[i].tkind == RT_STRING)
            o->cols[i].text = xcalloc((size_t)o->nrec + 1, sizeof(char *));
    void *uds[SES_MAX_THREADS];
    for (int t = 0; t < SES_MAX_THREADS; t++) uds[t] = &cl;
    if (kept) return kept_outcomes(s, filtered, o, uds, true, series);
    if (filtered && s->where) {
        Expr *w = ses_parse_expr(s, s->where, ":where", ty_make(TY_BOOL));
        if (!w) return -1;
        DiagList d;
        diag_init(&d);
        Chunk *cw = cg_compile(p, &w, 1, &d);
        diag_free(&d);
        if (!cw) return -1;
        for (int i = 0; i < o->ncols; i++)      /* the same terms, this chunk's registers */
            if (o->cols[i].ent >= 0) {
                const ChunkOut *co = fmt_chunk_out(cw, o->cols[o->cols[i].ent].name);
                const char *term = o->cols[i].name + strlen(o->cols[o->cols[i].ent].name) + 1;
                for (int t = 0; co && t < co->nterms; t++)
                    if (!strcmp(co->terms[t].name, term)) o->cols[i].reg = co->terms[t].reg;
            }
        int n = eval_chunk(s, p, cw, with_sets, 0, ses_threads(s), collect, uds);
        cg_free(cw);
        return n;
    }
    return eval_chunk(s, p, c, with_sets, -1, ses_threads(s), collect, uds);
}

int ses_baseline(Session *s)
{
    outcomes_free(&s->base);
    s->base_ref = false;
    if (!s->policy_path || !s->nrec) return 0;
    if (s->ndefs == 0 && s->nsets == 0 && s->pol && s->chunk) {
        /* the session's policy is the file alone: its kept evaluation
           gives the baseline, and is then ready (passes done) for the
           what-ifs, worked out by difference from it */
        int n = fill_outcomes(s, s->pol, s->chunk, false, false, true, false, &s->base);
        s->base_ref = n >= 0;
        s->base_gen = s->gen;
        s->base_today = s->today;
        return n < 0 ? -1 : 0;
    }
    Chunk *c = NULL;
    Policy *p = load(s, s->policy_path, NULL, 0, &c);
    if (!p) return -1;
    if (!same_fields(p, s->pol)) {      /* cannot happen: defs add no fields */
        cg_free(c);
        policy_free(p);
        return -1;
    }
    int n = fill_outcomes(s, p, c, false, false, false, false, &s->base);
    /* the baseline stands for the session's policy (what-ifs by
       difference) if that is the same text, nothing typed in */
    const SrcSet *a = &p->src, *b = &s->pol->src;
    s->base_ref = n >= 0 && s->ndefs == 0 && a->n <= b->n;     /* b: then REPL input */
    for (int i = 0; s->base_ref && i < a->n; i++)
        s->base_ref = a->files[i]->len == b->files[i]->len &&
                      memcmp(a->files[i]->text, b->files[i]->text, a->files[i]->len) == 0;
    s->base_gen = s->gen;
    s->base_today = s->today;
    cg_free(c);
    policy_free(p);
    return n < 0 ? -1 : 0;
}

static int outcomes_of(Session *s, Outcomes *o, bool filtered, bool series)
{
    memset(o, 0, sizeof *o);
    if (!s->pol || !s->chunk) return -1;
    /* the kept evaluation: its chunk lays out the registers as s->chunk */
    return fill_outcomes(s, s->pol, s->chunk, true, filtered, true, series, o);
}

int ses_outcomes_again(Session *s, Outcomes *o, bool filtered)
{
    if (!o->cols || o->nrec != s->nrec || !s->pol || !s->chunk) {
        outcomes_free(o);
        return outcomes_of(s, o, filtered, true);
    }
    /* the same columns (one policy): the rows again, in the same memory */
    free(o->same);
    o->same = NULL;
    void *uds[SES_MAX_THREADS];
    Collect cl = {o};
    for (int t = 0; t < SES_MAX_THREADS; t++) uds[t] = &cl;
    return kept_outcomes(s, filtered, o, uds, true, true);
}

int ses_outcomes(Session *s, Outcomes *o, bool filtered)
{
    return outcomes_of(s, o, filtered, false);
}

/* s into buf (len bytes), cut to fit, as snprintf's "%s" does without
 * its cost (a changed account's texts in kam diff are made this way). */
static void text_in(char *buf, size_t len, const char *s)
{
    if (!len) return;
    size_t n = strlen(s);
    if (n >= len) n = len - 1;
    memcpy(buf, s, n);
    buf[n] = '\0';
}

/* A term's value, every digit: 4, 0.12 (a percent as its ratio, as kam
 * run's CSV), 2026-01-31, gold, the text; "missing". */
static void term_text(const Outcomes *o, int rec, int c, double v, char *buf, size_t len)
{
    const OutCol *col = &o->cols[c];
    if (isnan(v)) {
        text_in(buf, len, "missing");
        return;
    }
    char nb[64];
    switch (col->tkind) {
    case RT_INT: case RT_NUMBER: case RT_MONEY: case RT_PERCENT:
        wr_format_number(v, nb);
        text_in(buf, len, nb);
        break;
    case RT_BOOL:
        text_in(buf, len, v != 0 ? "true" : "false");
        break;
    case RT_DATE:
        date_format((int32_t)v, nb);
        text_in(buf, len, nb);
        break;
    case RT_ENUM: case RT_STAGE:
        text_in(buf, len, o->members[c] ? o->members[c][(int)v] : "?");
        break;
    case RT_STRING:
        text_in(buf, len, col->text && col->text[rec] ? col->text[rec] : "");
        break;
    default:
        text_in(buf, len, "?");
    }
}

const char *ses_display_name(const Session *s, int rec, char *buf, size_t len)
{
    if (!s->pol || s->pol->display_field < 0 || rec < 0 || rec >= s->nrec ||
        s->pol->display_field >= s->nfields)
        return NULL;
    Value v = ses_value(s, rec, s->pol->display_field);
    if (v.missing || !v.len || s->pol->fields[s->pol->display_field]->ty.kind != TY_STRING) return NULL;
    return wr_display(v.u.str, v.len, buf, len);
}

const char *ses_key_text(const Session *s, int rec, char *buf, size_t len)
{
    char kb[256], db[256];
    const char *d = ses_display_name(s, rec, db, sizeof db);
    wr_display(s->keys[rec], strlen(s->keys[rec]), kb, sizeof kb);
    if (d) snprintf(buf, len, "%s \u2014 %s", kb, d);
    else text_in(buf, len, kb);
    return buf;
}

void outcome_text(const Outcomes *o, int rec, int c, char *buf, size_t len)
{
    double v = out_cell(o, rec, c);
    const OutCol *col = &o->cols[c];
    if (col->ent >= 0) {
        term_text(o, rec, c, v, buf, len);
        return;
    }
    if (isnan(v)) {
        text_in(buf, len, "-");
        return;
    }
    switch (col->kind) {
    case SYM_SCORE: {
        char nb[40];
        wr_format_number(v, nb);
        text_in(buf, len, nb);
        break;
    }
    case SYM_TIER:
    case SYM_STAGES:
        text_in(buf, len, o->members[c] ? o->members[c][(int)v] : "?");
        break;
    default:
        text_in(buf, len, v != 0 ? "true" : "false");
    }
}

static int find_col(const Outcomes *o, const char *name, SymKind kind)
{
    for (int i = 0; i < o->ncols; i++)
        if (o->cols[i].kind == kind && strcmp(o->cols[i].name, name) == 0) return i;
    return -1;
}

/* A select, entitlement or flag that one side does not have is false
 * there: adding a flag and removing it are the same change both ways. A
 * score, tier or stages block on one side only cannot be compared. */
static bool absent_is_false(SymKind k)
{
    return k == SYM_SELECT || k == SYM_ENTITLE || k == SYM_FLAG;
}

static double cell(const Outcomes *o, int rec, int col)
{
    return out_cell(o, rec, col);
}

/* Whether record r holds the entitlement of term column `col` of x (its
 * own column) as seen in o (which may be the other side). */
static bool holds(const Outcomes *o, int r, const Outcomes *x, const OutCol *col)
{
    int e = find_col(o, x->cols[col->ent].name, SYM_ENTITLE);
    return e >= 0 && cell(o, r, e) == 1;
}

int outcomes_changes_m(const OutMatch *m, const Outcomes *a, int ra, const Outcomes *b, int rb,
                       OutChange *out, int max)
{
    int n = 0;
    /* every column of b, then those only a has: the union, in b's order */
    for (int side = 0; side < 2; side++) {
        const Outcomes *x = side ? a : b;
        for (int k = 0, nk = side ? m->nonly_a : b->ncols; k < nk; k++) {
            int i = side ? m->only_a[k] : k;
            const OutCol *col = &x->cols[i];
            int j = side ? -1 : m->ab[i];
            bool term = col->ent >= 0;
            if (j < 0 && !term && !absent_is_false(col->kind)) continue;
            if (term && !(holds(a, ra, x, col) && holds(b, rb, x, col))) continue;
            int ia = side ? i : j, ib = side ? j : i;
            double va = ia >= 0 ? cell(a, ra, ia) : term ? NAN : 0;
            double vb = ib >= 0 ? cell(b, rb, ib) : term ? NAN : 0;
            if (isnan(va) && isnan(vb)) continue;
            if (va == vb) {
                if (!term || col->tkind != RT_STRING) continue;
                const char *ta = a->cols[ia].text ? a->cols[ia].text[ra] : NULL;
                const char *tb = b->cols[ib].text ? b->cols[ib].text[rb] : NULL;
                if (ta && tb && strcmp(ta, tb) == 0) continue;
            }
            if (term && ia >= 0 && ib >= 0 && a->cols[ia].tkind != b->cols[ib].tkind && !isnan(va) && !isnan(vb)) {
                /* a term whose type changed: compare its text */
                char t1[80], t2[80];
                outcome_text(a, ra, ia, t1, sizeof t1);
                outcome_text(b, rb, ib, t2, sizeof t2);
                if (strcmp(t1, t2) == 0) continue;
            }
            if (n < max) {
                OutChange *c = &out[n];
                c->name = col->name;
                c->kind = col->kind;
                c->term = term;
                c->tkind = col->tkind;
                if (ia >= 0) outcome_text(a, ra, ia, c->before, sizeof c->before);
                else snprintf(c->before, sizeof c->before, "%s", term ? "missing" : "false");
                if (ib >= 0) outcome_text(b, rb, ib, c->after, sizeof c->after);
                else snprintf(c->after, sizeof c->after, "%s", term ? "missing" : "false");
                /* numbers that differ past the 15 digits shown: every digit,
                   never "1e+15 -> 1e+15" */
                if (strcmp(c->before, c->after) == 0 && !isnan(va) && !isnan(vb) && va != vb) {
                    snprintf(c->before, sizeof c->before, "%.17g", va);
                    snprintf(c->after, sizeof c->after, "%.17g", vb);
                }
            }
            n++;
        }
    }
    return n;
}

int outcomes_changes(const Outcomes *a, int ra, const Outcomes *b, int rb, OutChange *out, int max)
{
    OutMatch m;
    outmatch_init(&m, a, b);
    int n = outcomes_changes_m(&m, a, ra, b, rb, out, max);
    outmatch_free(&m);
    return n;
}

void outmatch_init(OutMatch *m, const Outcomes *a, const Outcomes *b)
{
    m->ab = xmalloc(sizeof(int) * ((size_t)b->ncols + 1));
    m->only_a = xmalloc(sizeof(int) * ((size_t)a->ncols + 1));
    m->nonly_a = 0;
    for (int i = 0; i < b->ncols; i++) m->ab[i] = find_col(a, b->cols[i].name, b->cols[i].kind);
    for (int j = 0; j < a->ncols; j++)
        if (find_col(b, a->cols[j].name, a->cols[j].kind) < 0) m->only_a[m->nonly_a++] = j;
    m->exact = m->nonly_a == 0;
    for (int i = 0; m->exact && i < b->ncols; i++) {
        int j = m->ab[i];
        m->exact = j >= 0 && (b->cols[i].ent < 0 || (b->cols[i].tkind != RT_STRING &&
                                                     a->cols[j].tkind == b->cols[i].tkind));
    }
}

void outmatch_free(OutMatch *m)
{
    free(m->ab);
    free(m->only_a);
    memset(m, 0, sizeof *m);
}

bool outmatch_maybe_differ(const OutMatch *m, const Outcomes *a, int ra, const Outcomes *b, int rb)
{
    for (int i = 0; i < b->ncols; i++) {
        double vb = cell(b, rb, i);
        int j = m->ab[i];
        if (j < 0) {        /* compared with false, or a term missing there */
            if (b->cols[i].ent >= 0 || vb != 0) return true;
            continue;
        }
        double va = cell(a, ra, j);
        if (isnan(va) && isnan(vb)) continue;
        if (va != vb || (b->cols[i].ent >= 0 && b->cols[i].tkind == RT_STRING)) return true;
        if (b->cols[i].ent >= 0 && a->cols[j].tkind != b->cols[i].tkind) return true;
    }
    for (int k = 0; k < m->nonly_a; k++) {
        int j = m->only_a[k];
        if (a->cols[j].ent >= 0 || cell(a, ra, j) != 0) return true;
    }
    return false;
}

/* A score's exact text (outcome_text: every digit, or "-") as people read it. */
static const char *score_for_people(const char *exact, char *buf, size_t len)
{
    char *end;
    double v = strtod(exact, &end);
    if (end == exact || *end) snprintf(buf, len, "%s", exact);
    else num_format(v, NUM_PLAIN, buf, len);
    return buf;
}

/* A term's exact text as people read it: 12%, 1,250.00, 4; text quoted. */
static const char *term_for_people(const OutChange *c, const char *exact, char *buf, size_t len)
{
    bool num = c->tkind == RT_INT || c->tkind == RT_NUMBER || c->tkind == RT_MONEY || c->tkind == RT_PERCENT;
    char *end;
    double v = strtod(exact, &end);
    if (num && end != exact && !*end) {
        Value val = val_num(v);
        RtType t = {c->tkind, false, NULL};
        fmt_rt_value(t, &val, buf, len);
    } else if (c->tkind == RT_STRING && strcmp(exact, "missing") != 0) {
        char shown[4 * 70 + 1];
        snprintf(buf, len, "\"%s\"", wr_display(exact, strlen(exact), shown, sizeof shown));
    } else {
        snprintf(buf, len, "%s", exact);
    }
    return buf;
}

int outcomes_diff_text(const Outcomes *a, int ra, const Outcomes *b, int rb, char *buf, size_t len)
{
    char b1[NUM_TEXT_MAX], b2[NUM_TEXT_MAX];
    OutChange ch[64];
    int n = outcomes_changes(a, ra, b, rb, ch, 64);
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < n && i < 64 && used < len; i++) {
        const char *sep = used ? "; " : "";
        if (ch[i].term || ch[i].kind == SYM_SCORE) {
            /* for people: 12%, 1,250.00, 72.5 (the text is exact); every
               digit when those read the same */
            const char *x = ch[i].term ? term_for_people(&ch[i], ch[i].before, b1, sizeof b1)
                                       : score_for_people(ch[i].before, b1, sizeof b1);
            const char *y = ch[i].term ? term_for_people(&ch[i], ch[i].after, b2, sizeof b2)
                                       : score_for_people(ch[i].after, b2, sizeof b2);
            if (strcmp(x, y) == 0) x = ch[i].before, y = ch[i].after;
            used += (size_t)snprintf(buf + used, len - used, "%s%s %s -> %s", sep, ch[i].name, x, y);
        } else if (ch[i].kind == SYM_ENTITLE || ch[i].kind == SYM_FLAG)
            used += (size_t)snprintf(buf + used, len - used, "%s%s%s", sep,
                                     strcmp(ch[i].after, "true") == 0 ? "+" : "-", ch[i].name);
        else
            used += (size_t)snprintf(buf + used, len - used, "%s%s %s -> %s", sep, ch[i].name,
                                     ch[i].before, ch[i].after);
    }
    return n;
}

void outcomes_uncompared(const Outcomes *a, const Outcomes *b, FILE *out)
{
    for (int side = 0; side < 2; side++) {
        const Outcomes *x = side ? a : b, *y = side ? b : a;
        for (int i = 0; i < x->ncols; i++) {
            const OutCol *col = &x->cols[i];
            if (col->ent >= 0 || absent_is_false(col->kind) || find_col(y, col->name, col->kind) >= 0)
                continue;
            fprintf(out, "note: %s is only in the %s policy: not compared\n", col->name,
                    side ? "old" : "new");
        }
    }
}

/* ---------------------------------------------------------------- what-ifs */

/* The name a definition text defines, for replacing an earlier one; an
 * `output` or `display` line is named by its word and a ':' (no rule can
 * be called that), so a later one replaces it. */
static bool def_name(const char *text, char *name, size_t len)
{
    const char *p = text;
    while (*p == ' ' || *p == '\t' || *p == '\n') p++;
    static const char *const top[] = {"output", "display"};
    for (size_t i = 0; i < 2; i++) {
        size_t n = strlen(top[i]);
        if (strncmp(p, top[i], n) == 0 && (p[n] == ' ' || p[n] == '\t')) {
            snprintf(name, len, "%s:", top[i]);
            return true;
        }
    }
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
    s->gen++;
    return 0;
}

int ses_set(Session *s, const char *name, const char *value)
{
    if (!s->pol) {
        fprintf(s->err, "kam: no policy loaded (:load POLICY)\n");
        return -1;
    }
    if (value) {                /* check it now, on a scratch VM */
        Engine e;
        eng_adopt(&e, s->pol, s->chunk, s->today, s->err, cli_use_color(s->err));
        EngStatus st = eng_set_param(&e, name, value);
        if (st == ENG_OK) st = eng_init(&e);      /* a value that breaks a param is refused */
        eng_close(&e);
        if (st != ENG_OK) return -1;
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
    /* every definition typed in the session goes: the policy file alone */
    if (s->ndefs && s->policy_path) {
        char **defs = s->defs;
        int ndefs = s->ndefs;
        s->defs = NULL;
        s->ndefs = 0;
        if (ses_load_policy(s, NULL) != 0) {    /* the file changed and no longer loads */
            s->defs = defs;
            s->ndefs = ndefs;
            return;
        }
        for (int i = 0; i < ndefs; i++) free(defs[i]);
        free(defs);
    }
}

int ses_set_today(Session *s, const char *as_of)
{
    int32_t d;
    if (!date_parse(as_of, strlen(as_of), &d)) return -1;
    s->today = d;
    return 0;
}

/* Up to max keys of the data file (sparse sessions keep few), into an
 * arena; how many, or -1 if there are more or it cannot be read. */
static int file_keys(Session *s, Arena *a, char ***out, int max)
{
    const Policy *p = s->pol;
    if (!s->data_path || strcmp(s->data_path, "-") == 0 || p->key_field < 0) return -1;
    EngStatus st;
    SourceOpts in = s->input;
    in.snap = &s->snap;
    Source *src = eng_source(p, s->data_path, &in, NULL, &st);
    if (!src) return -1;
    int n = 0, rc;
    char **keys = xmalloc(sizeof(char *) * ((size_t)max + 1));
    while (n < s->nrec && (rc = rd_next(src)) != 0) {
        if (rc < 0) break;
        if (src->line != s->lines[n]) continue;     /* left out when loaded */
        if (n == max) {
            n = -1;
            break;
        }
        const RdField *kf = &src->fields[src->col[p->key_field]];
        keys[n++] = arena_strndup(a, kf->ptr, kf->len);
    }
    rd_close(src);
    *out = keys;
    return n;
}

int ses_find(Session *s, const char *key)
{
    if (s->sparse_key && s->full_rec >= 0 && strcmp(s->keys[s->full_rec], key) == 0) return s->full_rec;
    for (int i = 0; !s->sparse_key && !s->passes_only && i < s->nrec; i++)
        if (strcmp(s->keys[i], key) == 0) return i;
    for (int i = 0; i < s->nleft; i++)
        if (strcmp(s->left_keys[i], key) == 0) {
            char kb[256];
            fprintf(s->err, "kam: account '%s' was left out when the data was read: ",
                    wr_display(key, strlen(key), kb, sizeof kb));
            wr_print_line(s->err, "", s->left_why[i]);
            s->status = ENG_DATA;
            return -1;
        }
    s->status = ENG_USAGE;
    const char *best = NULL;
    Arena a;
    arena_init(&a);
    char **keys = NULL;
    if ((s->sparse_key || s->passes_only) && s->nrec <= 100000) {      /* read them again for a suggestion */
        int n = file_keys(s, &a, &keys, 100000);
        if (n >= 0) best = diag_closest(key, (const char *const *)keys, n);
    } else if (s->nrec <= 100000) {
        best = diag_closest(key, (const char *const *)s->keys, s->nrec);
    }
    fprintf(s->err, "kam: no account with key '%s'%s%s%s\n", key, best ? "; did you mean '" : "",
            best ? best : "", best ? "'?" : "");
    free(keys);
    arena_free(&a);
    return -1;
}

int ses_revenue_field(const Session *s)
{
    return s->pol ? revenue_field_of(s->pol) : -1;
}
