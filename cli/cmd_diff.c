/* cmd_diff.c — `kam diff POLICY DATA --set NAME=VALUE...` and `kam diff
 * OLD.kam NEW.kam DATA`: which accounts change outcome (an entitlement's
 * terms included), and how, the display name beside the key; with the
 * counts per select and per changed term and the revenue the changed
 * accounts carry. */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"
#include "run.h"
#include "session.h"
#include "diff.h"
#include "../runtime/writer.h"
#include "../api/engine.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void csv_field(const char *s)
{
    if (!strpbrk(s, ",\"\n\r")) {
        fputs(s, stdout);
        return;
    }
    putchar('"');
    for (; *s; s++) {
        if (*s == '"') putchar('"');
        putchar(*s);
    }
    putchar('"');
}

/* The changes of one account, as (outcome, before, after). */
/* Prints one account's changes ch[0 .. n) (outcomes_changes's, at most
 * 256 of them kept) as CSV rows or JSON objects; n. */
static int changes_out(const OutChange *ch, int n, const char *key, OutFormat fmt, bool *first_json)
{
    for (int i = 0; i < n && i < 256; i++) {
        if (fmt == FMT_CSV) {   /* every field quoted as it needs: a term's text may hold a comma */
            csv_field(key);
            putchar(',');
            csv_field(ch[i].name);
            putchar(',');
            csv_field(ch[i].before);
            putchar(',');
            csv_field(ch[i].after);
            putchar('\n');
        } else if (fmt == FMT_JSONL) {
            fputs(*first_json ? "" : ",", stdout);
            *first_json = false;
            printf("{\"outcome\":");
            diag_json_string(stdout, ch[i].name);
            printf(",\"before\":");
            diag_json_string(stdout, ch[i].before);
            printf(",\"after\":");
            diag_json_string(stdout, ch[i].after);
            putchar('}');
        }
    }
    return n;
}


bool diff_in_scope(const Outcomes *b, int rb)
{
    for (int i = 0; i < b->ncols; i++)
        if (!isnan(out_cell(b, rb, i))) return true;
    return false;
}

/* One side of the comparison: a policy's outcomes over the data. With one
 * policy and --set, the new side shares the old side's session. */
typedef struct Side {
    Session own, *s;
    Outcomes out;
    bool borrowed;          /* s is the other side's session */
    bool *failed;           /* by record: could not be evaluated (either run) */
    long nfailed;
    SesPortfolio pf;        /* the portfolio flags as this side has them */
} Side;

static void side_free(Side *d)
{
    outcomes_free(&d->out);
    ses_portfolio_free(&d->pf);
    if (!d->borrowed) {
        ses_free(&d->own);
        free(d->failed);
    }
}

/* Evaluates d's outcomes; records that fail are marked in `marks` (its own
 * or, for a what-if, the other side's: an account that fails either time is
 * not compared). An exit status. */
static int evaluate(Side *d, Side *marks)
{
    if (ses_outcomes(d->s, &d->out, true) < 0) return eng_exit_code(d->s->status);
    if (ses_portfolio_eval(d->s, &d->pf) < 0) return eng_exit_code(d->s->status);
    if (!marks->failed) marks->failed = xcalloc((size_t)d->s->nrec + 1, sizeof(bool));
    for (int i = 0; i < d->s->nerr; i++) {
        int r = d->s->err_recs[i];
        if (!marks->failed[r]) marks->nfailed++;
        marks->failed[r] = true;
    }
    return EXIT_OK;
}

static int load_side(Side *d, const char *policy, const char *data, const RunOptions *o, bool stream,
                     bool lazy)
{
    memset(d, 0, sizeof *d);
    d->s = &d->own;
    ses_init(d->s, stdout, stderr);
    if (o->as_of) ses_set_today(d->s, o->as_of);
    d->s->input = o->input;
    if (o->where) d->s->where = xstrdup(o->where);
    if (ses_load_policy(d->s, policy) != 0) return eng_exit_code(d->s->status);
    d->s->used_only = true;     /* the fields kam run reads (and the revenue summed): its records */
    d->s->keep_field = ses_revenue_field(d->s);
    d->s->passes_only = stream;     /* the records are read again, one at a time */
    d->s->lazy_check = stream && lazy;  /* and checked then */
    if (ses_load_data(d->s, data) != 0) return eng_exit_code(d->s->status);
    if (d->s->lazy_doubt) return EXIT_DATA;     /* the careful attempt says why */
    return stream ? EXIT_OK : evaluate(d, d);
}

typedef struct KeyAt {
    const char *key;
    int rec;
} KeyAt;

static int cmp_key(const void *a, const void *b)
{
    const KeyAt *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : (x->rec > y->rec) - (x->rec < y->rec);
}

/* For each record of b, the record of a with the same key, or -1: by
 * position when the two read the same records (the usual case), else by
 * a sorted index of a's keys. */
static int *match_keys(const Session *a, const Session *b)
{
    int *m = xmalloc(sizeof(int) * ((size_t)b->nrec + 1));
    bool aligned = a == b || a->nrec == b->nrec;
    for (int r = 0; aligned && r < b->nrec; r++) aligned = strcmp(a->keys[r], b->keys[r]) == 0;
    if (aligned) {
        for (int r = 0; r < b->nrec; r++) m[r] = r;
        return m;
    }
    KeyAt *idx = xmalloc(sizeof(KeyAt) * ((size_t)a->nrec + 1));
    for (int r = 0; r < a->nrec; r++) idx[r] = (KeyAt){a->keys[r], r};
    qsort(idx, (size_t)a->nrec, sizeof(KeyAt), cmp_key);
    for (int r = 0; r < b->nrec; r++) {
        int lo = 0, hi = a->nrec - 1;
        m[r] = -1;
        while (lo <= hi) {
            int mid = (lo + hi) / 2, c = strcmp(idx[mid].key, b->keys[r]);
            if (c == 0) {
                m[r] = idx[mid].rec;
                break;
            }
            if (c < 0) lo = mid + 1;
            else hi = mid - 1;
        }
    }
    free(idx);
    return m;
}

/* One account's changes in the chosen format; the number of changes. The
 * table and JSON Lines give the display name (the new policy's `display`)
 * beside the key; the CSV keeps its four columns. */
/* Lists one account's changes in fmt: ch, the nch outcomes_changes found
 * (CSV, JSON Lines), or the table's text of them. How many it listed. */
static int print_account(const Outcomes *before, int ra, const Outcomes *after, int rb,
                         const Session *sb, int sr, const char *key, OutFormat fmt,
                         const OutChange *ch, int nch)
{
    bool first = true;
    if (fmt == FMT_CSV) return changes_out(ch, nch, key, fmt, &first);
    char buf[4096];
    if (fmt == FMT_TABLE) {
        int n = outcomes_diff_text(before, ra, after, rb, buf, sizeof buf);
        char kb[256], db[256];
        const char *d = ses_display_name(sb, sr, db, sizeof db);
        if (n && d) printf("%s \u2014 %s: %s\n", wr_display(key, strlen(key), kb, sizeof kb), d, buf);
        else if (n) printf("%-12s %s\n", wr_display(key, strlen(key), kb, sizeof kb), buf);
        return n;
    }
    char *line = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&line, &len);
    FILE *saved = stdout;
    stdout = mem;
    int n = changes_out(ch, nch, key, fmt, &first);
    stdout = saved;
    fclose(mem);
    if (n) {
        fputs("{\"id\":", stdout);
        diag_json_string(stdout, key);
        if (sb->pol && sb->pol->display_field >= 0) {
            Value dv = ses_value(sb, sr, sb->pol->display_field);
            const Value *d = &dv;
            fputs(",\"display\":", stdout);
            if (d->missing) fputs("null", stdout);
            else {
                char *t = xmalloc((size_t)d->len + 1);
                memcpy(t, d->u.str, d->len);
                t[d->len] = '\0';
                diag_json_string(stdout, t);
                free(t);
            }
        }
        printf(",\"changes\":[%s]}\n", line);
    }
    free(line);
    return n;
}

/* The count of true per select column of one side (names and counts; col:
 * where each select is among the outcome columns). */
typedef struct Counts {
    int n;
    const char **names;
    int *col;
    long *count;
} Counts;

static void counts_init(const Outcomes *o, Counts *k)
{
    k->n = 0;
    k->names = xcalloc((size_t)o->ncols + 1, sizeof(char *));
    k->col = xcalloc((size_t)o->ncols + 1, sizeof(int));
    k->count = xcalloc((size_t)o->ncols + 1, sizeof(long));
    for (int i = 0; i < o->ncols; i++)
        if (o->cols[i].kind == SYM_SELECT) {
            k->col[k->n] = i;
            k->names[k->n++] = o->cols[i].name;
        }
}

/* Adds row r of o (its cells NaN where not evaluated); o has the columns
 * counts_init was given. */
static void counts_add(Counts *k, const Outcomes *o, int r)
{
    for (int n = 0; n < k->n; n++) {
        double v = out_cell(o, r, k->col[n]);
        if (!isnan(v)) k->count[n] += v != 0;
    }
}

static void count_selects(const Outcomes *o, Counts *k)
{
    counts_init(o, k);
    for (int r = 0; r < o->nrec; r++) counts_add(k, o, r);
}

static void counts_free(Counts *k)
{
    free(k->names);
    free(k->col);
    free(k->count);
}

/* The counts per select, before and after. */
static void select_counts(const Counts *before, const Counts *after, FILE *sum)
{
    for (int i = 0; i < after->n; i++) {
        int j = -1;
        for (int k = 0; k < before->n; k++)
            if (!strcmp(before->names[k], after->names[i])) j = k;
        long nb = j >= 0 ? before->count[j] : 0, na = after->count[i];
        char c1[32], c2[32], c3[32];
        fprintf(sum, "%s: %s -> %s (%s)\n", after->names[i], fmt_count(nb, c1, sizeof c1),
                fmt_count(na, c2, sizeof c2), fmt_count_change(na - nb, c3, sizeof c3));
    }
}

/* The portfolio flags that change: raised on one side, not on the other
 * (a flag only one policy has counts as absent on the other side). */
static void portfolio_changes(const SesPortfolio *a, const SesPortfolio *b, FILE *sum)
{
    for (int i = 0; i < b->n; i++) {
        int j = 0;
        while (j < a->n && strcmp(a->names[j], b->names[i]) != 0) j++;
        if (j < a->n && a->vals[j] == b->vals[i]) continue;
        fprintf(sum, "portfolio %s: %s -> %s%s%s%s\n", b->names[i],
                j < a->n ? ses_portfolio_state(a->vals[j]) : "(absent)", ses_portfolio_state(b->vals[i]),
                b->descs[i] ? " (" : "", b->descs[i] ? b->descs[i] : "", b->descs[i] ? ")" : "");
    }
    for (int j = 0; j < a->n; j++) {
        int i = 0;
        while (i < b->n && strcmp(a->names[j], b->names[i]) != 0) i++;
        if (i == b->n)
            fprintf(sum, "portfolio %s: %s -> (absent)\n", a->names[j], ses_portfolio_state(a->vals[j]));
    }
}

/* What the listing found, for the summary. */
typedef struct Tally {
    long changed, only_new, only_old, failed;
    double revenue;
    long rev_unknown;       /* changed accounts whose revenue could not be read */
    int nt;
    const char *tname[64];
    long tcount[64];
} Tally;

static int summary(Side *a, Side *b, const Outcomes *oa, const Outcomes *ob, const Counts *cb,
                   const Counts *ca, const Tally *ty, OutFormat fmt, bool two);

/* Lists the changes, then the summary (on stderr for csv/jsonl, so the data
 * stays clean) and what the comparison left out. An exit status: 3 when
 * records were left out or could not be evaluated or matched. */
static int compare(Side *a, Side *b, OutFormat fmt, bool two)
{
    const Session *sa = a->s, *sb = b->s;
    int *m = match_keys(sa, sb);
    bool *matched = xcalloc((size_t)sa->nrec + 1, sizeof(bool));
    if (fmt == FMT_CSV) puts("id,outcome,before,after");
    long changed = 0, only_new = 0, only_old = 0;
    const char *tname[64];      /* the terms that changed, and for how many accounts */
    long tcount[64];
    int nt = 0;
    double revenue = 0;
    long rev_unknown = 0;
    int rev = ses_revenue_field(sb);
    OutMatch match;
    outmatch_init(&match, &a->out, &b->out);
    for (int rb = 0; rb < sb->nrec; rb++) {
        int ra = m[rb];
        if (ra < 0) {
            only_new++;
            continue;
        }
        matched[ra] = true;
        if ((a->failed && a->failed[ra]) || (b->failed && b->failed[rb])) continue;
        if (!diff_in_scope(&b->out, rb) || !outmatch_maybe_differ(&match, &a->out, ra, &b->out, rb)) continue;
        OutChange ch[256];      /* worked out once: listed, then tallied */
        int n = outcomes_changes_m(&match, &a->out, ra, &b->out, rb, ch, 256);
        if (print_account(&a->out, ra, &b->out, rb, sb, rb, sb->keys[rb], fmt, ch, n)) {
            changed++;
            for (int i = 0; i < n && i < 256; i++) {
                if (!ch[i].term) continue;
                int k = 0;
                while (k < nt && strcmp(tname[k], ch[i].name) != 0) k++;
                if (k == nt && nt < 64) {
                    tname[nt] = ch[i].name;
                    tcount[nt++] = 0;
                }
                if (k < nt) tcount[k]++;
            }
            if (rev >= 0) {
                Value rv = ses_value(sb, rb, rev);
                if (rv.missing) rev_unknown++;
                else revenue += rv.u.num;
            }
        }
    }
    for (int ra = 0; ra < sa->nrec; ra++) only_old += !matched[ra];
    outmatch_free(&match);
    free(matched);
    free(m);
    Counts before, after;
    count_selects(&a->out, &before);
    count_selects(&b->out, &after);
    Tally ty;
    memset(&ty, 0, sizeof ty);
    ty.changed = changed;
    ty.only_new = only_new;
    ty.only_old = only_old;
    ty.failed = a->nfailed + (two ? b->nfailed : 0);
    ty.revenue = revenue;
    ty.rev_unknown = rev_unknown;
    ty.nt = nt;
    for (int k = 0; k < nt; k++) {
        ty.tname[k] = tname[k];
        ty.tcount[k] = tcount[k];
    }
    int rc = summary(a, b, &a->out, &b->out, &before, &after, &ty, fmt, two);
    counts_free(&before);
    counts_free(&after);
    return rc;
}

static int summary(Side *a, Side *b, const Outcomes *oa, const Outcomes *ob, const Counts *cb,
                   const Counts *ca, const Tally *ty, OutFormat fmt, bool two)
{
    const Session *sa = a->s, *sb = b->s;
    long changed = ty->changed, only_new = ty->only_new, only_old = ty->only_old;
    double revenue = ty->revenue;
    int rev = ses_revenue_field(sb);
    int nt = ty->nt;
    const char *const *tname = ty->tname;
    const long *tcount = ty->tcount;
    FILE *sum = fmt == FMT_TABLE ? stdout : stderr;
    char c1[32], c2[32];
    select_counts(cb, ca, sum);
    portfolio_changes(&a->pf, &b->pf, sum);
    for (int k = 0; k < nt; k++)
        fprintf(sum, "%s: changed for %s account%s\n", tname[k], fmt_count(tcount[k], c1, sizeof c1),
                tcount[k] == 1 ? "" : "s");
    if (rev >= 0) {
        Value v = val_num(revenue);
        char rb[NUM_TEXT_MAX];
        ses_format_value(ty_make(TY_MONEY), &v, rb, sizeof rb);
        fprintf(sum, "%s of %s accounts changed, carrying %s of %s", fmt_count(changed, c1, sizeof c1),
                fmt_count(sb->nrec, c2, sizeof c2), rb,
                sb->pol->fields[rev]->name.name);
        if (ty->rev_unknown)
            fprintf(sum, " (%s of them with %s unreadable)", fmt_count(ty->rev_unknown, c1, sizeof c1),
                    sb->pol->fields[rev]->name.name);
        fputc('\n', sum);
    } else {
        fprintf(sum, "%s of %s accounts changed\n", fmt_count(changed, c1, sizeof c1),
                fmt_count(sb->nrec, c2, sizeof c2));
    }
    if (two) outcomes_uncompared(oa, ob, sum);
    /* accounts only one side could read or evaluate are not silently out
       of the count */
    long failed = ty->failed;
    if (only_old || only_new)
        fprintf(stderr, "kam: %ld account%s only the old policy could read, %ld only the new: not "
                "compared\n", only_old, only_old == 1 ? "" : "s", only_new);
    if (failed)
        fprintf(stderr, "kam: %ld account%s could not be evaluated (not compared)\n", failed,
                failed == 1 ? "" : "s");
    /* a comparison that left records out is not the whole answer */
    int dropped = two && sb->data_bad > sa->data_bad ? sb->data_bad : sa->data_bad;   /* the same file twice */
    bool cut_short = sa->data_stopped || sb->data_stopped;
    if (dropped)
        fprintf(stderr, "kam: the comparison leaves out %d malformed record%s\n", dropped,
                dropped == 1 ? "" : "s");
    if (cut_short)
        fprintf(stderr, "kam: the comparison leaves out the records after the place where "
                "reading stopped\n");
    return dropped || cut_short || failed || only_old || only_new ? EXIT_DATA : EXIT_OK;
}

/* ----------------------------------------------------------- streamed */

/* Registers to copy from one side's VM to the other's: dst[i] = src[i]
 * for each of the n fields of a set (copy_fields), worked out once. */
typedef struct RegCopy {
    int n;
    int *dst, *src;
} RegCopy;

/* One side of a streamed comparison: its engine (params, passes done over
 * the columns the passes read) on a chunk with the --where filter as
 * probe 0, the source reading the data again, the current record's
 * outcomes (one row) and the counts so far. */
typedef struct Stream {
    Session *s;
    Chunk *c;
    Engine e;
    bool open;
    Outcomes o;
    Counts k;
    Source *src;
    RdSnapshot snap;        /* the data file as the side's session read it: the
                               records read again must come from that version */
    int r;                  /* the side's next record (its ordinal) */
    long failed;
    RdPlan plan;            /* the fields the rules read, converted while scanning */
    bool planned;
    EngDelta *delta;        /* the what-if's side: by difference from the old side
                               (eng_delta_same), or NULL: every record in full */
    long same;              /* records found the same that way */
    RegCopy dcopy, ucopy;   /* with delta: the delta's fields, and every field the
                               rules read, from the old side's registers */
} Stream;

/* A first attempt that loaded only what the portfolio passes read (the
 * session's lazy_check): its messages and listing are held until the
 * comparison has read every record; if it found one the load kept but
 * kam run leaves out (a bad value in a field only the rules read: the
 * passes counted it), or anything went wrong, the attempt is thrown away
 * and the comparison done again the way that checks every field first. */
typedef struct Lazy {
    FILE *out, *err;        /* the real stdout and stderr */
    FILE *spool;            /* stdout meanwhile (the listing) */
    FILE *msgs;             /* stderr meanwhile */
    char *text;
    size_t len;
    bool late;              /* a record to leave out, found late */
    bool committed;         /* the attempt stands (lazy_commit) */
} Lazy;

static void stream_close(Stream *st)
{
    free(st->dcopy.dst);
    free(st->dcopy.src);
    free(st->ucopy.dst);
    free(st->ucopy.src);
    eng_delta_free(st->delta);
    if (st->open) eng_close(&st->e);
    if (st->planned) rd_plan_free(&st->plan);
    cg_free(st->c);
    outcomes_free(&st->o);
    counts_free(&st->k);
    if (st->src) rd_close(st->src);
    memset(st, 0, sizeof *st);
}

/* Prepares side d's evaluation (the what-ifs it has now): params, passes,
 * portfolio flags (into d->pf). An exit status. */
static int stream_open(Stream *st, Side *d, bool units)
{
    Session *s = d->s;
    memset(st, 0, sizeof *st);
    st->s = s;
    Expr *w = NULL;
    if (s->where && !(w = ses_parse_expr(s, s->where, ":where", ty_make(TY_BOOL)))) return EXIT_USAGE;
    DiagList dl;
    diag_init(&dl);
    st->c = units ? cg_compile_units(s->pol, w ? &w : NULL, w ? 1 : 0, &dl) : NULL;
    if (!st->c) {
        diag_free(&dl);
        diag_init(&dl);
        st->c = cg_compile(s->pol, w ? &w : NULL, w ? 1 : 0, &dl);
    }
    if (!st->c) {
        diag_render_text(stderr, &s->pol->src, &dl, false);
        diag_free(&dl);
        return EXIT_POLICY;
    }
    diag_free(&dl);
    if (!ses_prepare(s, st->c, &st->e)) return eng_exit_code(s->status);
    st->open = true;
    outcomes_init(&st->o, s->pol, st->c, 1);
    counts_init(&st->o, &st->k);
    ses_portfolio_free(&d->pf);
    ses_portfolio_of(&st->e, &d->pf);
    return EXIT_OK;
}

/* Whether src is at st's next record (the ones the load kept). */
static bool stream_at(const Stream *st, const Source *src)
{
    return st->r < st->s->nrec && src->line == st->s->lines[st->r];
}

/* The key of the record src is at, as the load took it. */
static const char *stream_key(const Session *s, const Source *src, char *buf, size_t len)
{
    const Policy *p = s->pol;
    if (p->key_field >= 0) {
        const RdField *kf = &src->fields[src->col[p->key_field]];
        size_t n = kf->len < len ? kf->len : len - 1;
        memcpy(buf, kf->ptr, n);
        buf[n] = '\0';
    } else {
        snprintf(buf, len, "%ld", src->line);
    }
    return buf;
}

/* Puts the fields st's rules read of the record src is at into st's
 * registers (converted while scanning); from: instead copies them from
 * another side's registers, loaded from the same record (one conversion
 * for both sides of a what-if). false if a field could not be converted. */
static bool stream_load(Stream *st, Source *src, const Stream *from, bool from_ok)
{
    if (from) {
        if (!from_ok) return false;
        const Chunk *c = st->c, *fc = from->c;
        Value *regs = st->e.vm->regs;
        const Value *fregs = from->e.vm->regs;
        for (int f = 0; f < st->s->nfields; f++)
            if (c->field_used[f]) regs[c->field_reg[f]] = fregs[fc->field_reg[f]];
        return true;
    }
    if (rd_fill(src, &st->plan, st->e.vm->regs) != 0) return false;    /* read well before: else the file changed */
    int disp = st->s->pol->display_field;
    if (st->s->lazy_check && disp >= 0 && !st->c->field_used[disp]) {   /* the load checks it too */
        Value v;
        if (rd_field(src, disp, &v) != 0) return false;
    }
    return true;
}

/* The copy of the fields of `which` from from's registers to st's. */
static RegCopy reg_copy(const Stream *st, const Stream *from, const bool *which)
{
    RegCopy rc = {0, xmalloc(sizeof(int) * ((size_t)st->s->nfields + 1)),
                  xmalloc(sizeof(int) * ((size_t)st->s->nfields + 1))};
    for (int f = 0; f < st->s->nfields; f++)
        if (which[f]) {
            rc.dst[rc.n] = st->c->field_reg[f];
            rc.src[rc.n++] = from->c->field_reg[f];
        }
    return rc;
}

/* Copies the fields of cp (reg_copy) from A's registers to st's (the
 * same record, the same policy); true. */
static bool copy_fields(Stream *st, const Stream *from, const RegCopy *cp)
{
    Value *regs = st->e.vm->regs;
    const Value *fregs = from->e.vm->regs;
    for (int i = 0; i < cp->n; i++) regs[cp->dst[i]] = fregs[cp->src[i]];
    return true;
}

/* Evaluates st's next record, its fields loaded (loaded: stream_load's
 * answer), into its row of outcomes: 1 in scope, 0 filtered out by
 * --where, -1 it could not be evaluated. */
static int stream_run(Stream *st, bool loaded)
{
    Engine *e = &st->e;
    const Chunk *c = st->c;
    int r = st->r++;
    if (!loaded) {
        st->failed++;
        return -1;
    }
    char why[800];
    /* no key: it ranks a record in a limit, which the record code never enters */
    if (eng_left_out(e, r) || !eng_record(e, r, NULL, 0, why, sizeof why)) {
        st->failed++;
        return -1;
    }
    if (c->nprobes && !e->vm->regs[c->probe_reg[0]].u.i) return 0;
    return 1;
}

/* Puts st's record, evaluated by stream_run with answer ev, into its row
 * of outcomes (no value where it was not evaluated) and its counts. */
static void stream_put(Stream *st, int ev)
{
    Outcomes *o = &st->o;
    if (ev <= 0) {
        for (int i = 0; i < o->ncols; i++) {
            if (o->b[i]) o->b[i][0] = -1;
            else o->d[i][0] = NAN;
        }
        return;
    }
    outcomes_put(o, 0, st->e.vm->regs);
    counts_add(&st->k, o, 0);
}

/* Adds to k the selects of the record `from` has just evaluated in scope,
 * from its registers: as counts_add of its row once put (a select's cell
 * is 0 or 1, never missing). */
static void counts_regs(Counts *k, const Stream *from)
{
    const Value *regs = from->e.vm->regs;
    for (int n = 0; n < k->n; n++) k->count[n] += regs[from->o.cols[k->col[n]].reg].u.i != 0;
}

/* stream_run, then stream_put: 1 in scope, 0 filtered out by --where, -1
 * it could not be evaluated. */
static int stream_eval(Stream *st, bool loaded)
{
    int ev = stream_run(st, loaded);
    stream_put(st, ev);
    return ev;
}

/* compare(), reading the data again record by record instead of holding
 * every record's outcomes: the same listing, in the same order, and the
 * same summary. a and b are open (stream_open); two: b has a session (and
 * a source) of its own. */
static bool lazy_commit(Lazy *lz);

static int compare_stream(Side *a, Side *b, Stream *A, Stream *B, OutFormat fmt, bool two, Lazy *lz)
{
    EngStatus est;
    const Session *sa = a->s;
    Session *sb = b->s;
    /* for tests (data_changed_while_read.sh): stopped here, between the
       sessions' reading and the records read again, the file can be changed */
    static bool stopped_once;
    if (!stopped_once && getenv("KAM_TEST_STOP_BEFORE_STREAM")) {
        stopped_once = true;
        raise(SIGSTOP);
    }
    SourceOpts in = sa->input;
    A->snap = sa->snap;
    in.snap = &A->snap;
    A->src = eng_source(sa->pol, sa->data_path, &in, stderr, &est);
    if (!A->src) return eng_exit_code(est);
    if (two) {
        in = sb->input;
        /* the same file, the same version */
        B->snap = sb->snap.taken || strcmp(sb->data_path, sa->data_path) != 0 ? sb->snap : A->snap;
        in.snap = &B->snap;
        if (!(B->src = eng_source(sb->pol, sb->data_path, &in, stderr, &est))) return eng_exit_code(est);
    }
    Source *bsrc = two ? B->src : A->src;
    A->plan = rd_plan(A->src, A->c->field_used, A->c->field_reg);
    A->planned = true;
    if (two) {
        B->plan = rd_plan(B->src, B->c->field_used, B->c->field_reg);
        B->planned = true;
    }
    if (B->delta) {
        B->dcopy = reg_copy(B, A, B->delta->fields);
        B->ucopy = reg_copy(B, A, B->c->field_used);
    }
    if (fmt == FMT_CSV) puts("id,outcome,before,after");
    OutMatch match;
    outmatch_init(&match, &A->o, &B->o);
    Tally ty;
    memset(&ty, 0, sizeof ty);
    int rev = ses_revenue_field(sb);
    int disp = sb->pol->display_field;
    bool changed_file = false;
    for (long n = 0;; n++) {
        if (A->r >= sa->nrec && B->r >= sb->nrec) break;
        int rc = rd_next(A->src);
        int rc2 = two ? rd_next(B->src) : rc;
        if (rc <= 0 || rc2 <= 0) {
            changed_file = true;
            break;
        }
        bool ka = stream_at(A, A->src), kb = stream_at(B, bsrc);
        char keyb[1024];
        int ea = 0, eb = 0;
        int rb = B->r;
        bool la = ka && stream_load(A, A->src, NULL, false);
        /* a what-if by difference copies A's fields when it needs them */
        bool lb = B->delta ? kb && la : kb && stream_load(B, bsrc, two ? NULL : A, la);
        if (lz && ((ka && (rc == 2 || !la)) || (kb && (rc2 == 2 || !lb)))) {
            lz->late = true;        /* the load kept it, kam run would not */
            break;
        }
        /* a what-if by difference puts A's row only when B's is compared
           with it: most records come out the same */
        if (ka) ea = B->delta ? stream_run(A, la) : stream_eval(A, la);
        if (kb && B->delta && ka && la && lb && ea >= 0 && !eng_left_out(&B->e, rb) &&
            copy_fields(B, A, &B->dcopy) &&
            eng_delta_same(B->delta, B->e.vm, rb, A->e.vm->regs, NULL) == 1) {
            /* the frontier came out as on the old side: so does everything
               (the same policy: A's selects count as B's) */
            if (ea > 0) {
                counts_regs(&A->k, A);
                counts_regs(&B->k, A);
            }
            B->r++;
            B->same++;
            continue;
        }
        if (ka && B->delta) stream_put(A, ea);
        if (kb) {
            if (B->delta && lb) copy_fields(B, A, &B->ucopy);
            eb = stream_eval(B, lb);
        }
        if (!two && kb && (ea < 0 || eb < 0)) ty.failed++;     /* failed either time: once */
        if (ka != kb) {
            if (ka) ty.only_old++;
            else ty.only_new++;
            continue;
        }
        if (!ka || ea < 0 || eb < 0 || eb == 0) continue;
        if (!outmatch_maybe_differ(&match, &A->o, 0, &B->o, 0)) continue;
        Value dv;
        if (disp >= 0) {            /* shown beside the key: this record's */
            if (rd_field(bsrc, disp, &dv) != 0) {
                dv = val_int(0);
                dv.missing = 1;
            }
            ses_override(sb, rb, disp, dv);
        }
        stream_key(sb, bsrc, keyb, sizeof keyb);     /* the new side's key, as the load took it */
        /* the changes worked out once: listed, then tallied */
        OutChange ch[256];
        int nc = outcomes_changes_m(&match, &A->o, 0, &B->o, 0, ch, 256);
        int nch = print_account(&A->o, 0, &B->o, 0, sb, rb, keyb, fmt, ch, nc);
        ses_override_clear(sb);
        if (!nch) continue;
        ty.changed++;
        for (int i = 0; i < nc && i < 256; i++) {
            if (!ch[i].term) continue;
            int k = 0;
            while (k < ty.nt && strcmp(ty.tname[k], ch[i].name) != 0) k++;
            if (k == ty.nt && ty.nt < 64) {
                ty.tname[ty.nt] = xstrdup(ch[i].name);
                ty.tcount[ty.nt++] = 0;
            }
            if (k < ty.nt) ty.tcount[k]++;
        }
        if (rev >= 0) {
            Value v;
            if (rd_field(bsrc, rev, &v) == 0 && !v.missing) ty.revenue += v.u.num;
            else ty.rev_unknown++;
        }
    }
    outmatch_free(&match);
    if (!two && getenv("KAM_DELTA_TRACE"))     /* for tests: which way it went */
        fprintf(stderr, B->delta ? "kam: by difference: %ld of %d accounts as the old side\n" : "kam: in full%.0ld%.0d\n",
                B->same, sb->nrec);
    if (lz && (lz->late || changed_file)) {
        for (int k = 0; k < ty.nt; k++) free((char *)ty.tname[k]);
        return EXIT_DATA;       /* the caller starts over */
    }
    if (lz) {
        if (!lazy_commit(lz)) {
            fprintf(stderr, "kam: writing the output failed: %s\n", strerror(errno));
            cli_stdout_failure_said();
            for (int k = 0; k < ty.nt; k++) free((char *)ty.tname[k]);
            return EXIT_USAGE;
        }
        a->s->out = b->s->out = stdout;     /* what is said from now on goes out */
        a->s->err = b->s->err = A->e.err = B->e.err = stderr;
    }
    if (two) ty.failed = A->failed + B->failed;
    int rc = EXIT_OK;
    if (changed_file) {
        fprintf(stderr, "kam: %s changed while it was compared: the comparison is not complete\n",
                sa->data_path);
        rc = EXIT_DATA;
    }
    int st = summary(a, b, &A->o, &B->o, &A->k, &B->k, &ty, fmt, two);
    for (int k = 0; k < ty.nt; k++) free((char *)ty.tname[k]);
    return rc ? rc : st;
}

/* Holds stdout and stderr for a lazy attempt; false if it cannot. */
static bool lazy_begin(Lazy *lz)
{
    memset(lz, 0, sizeof *lz);
    lz->spool = tmpfile();
    if (!lz->spool) return false;
    lz->msgs = open_memstream(&lz->text, &lz->len);
    if (!lz->msgs) {
        fclose(lz->spool);
        return false;
    }
    lz->out = stdout;
    lz->err = stderr;
    stdout = lz->spool;
    stderr = lz->msgs;
    return true;
}

/* Gives back stdout and stderr (what was held stays held). */
static void lazy_restore(Lazy *lz)
{
    if (!lz->out) return;
    fflush(lz->msgs);
    stdout = lz->out;
    stderr = lz->err;
    lz->out = lz->err = NULL;
}

/* The attempt stands: its messages, then its listing, where they go. */
static bool lazy_commit(Lazy *lz)
{
    FILE *spool = lz->spool;
    lz->committed = true;
    lazy_restore(lz);
    if (lz->len) fwrite(lz->text, 1, lz->len, stderr);
    char block[65536];
    size_t n;
    if (fflush(spool) != 0) return false;
    rewind(spool);
    while ((n = fread(block, 1, sizeof block, spool)) > 0)
        if (fwrite(block, 1, n, stdout) != n) return false;
    return !ferror(spool);
}

static void lazy_end(Lazy *lz)
{
    lazy_restore(lz);
    if (lz->msgs) fclose(lz->msgs);
    free(lz->text);
    if (lz->spool) fclose(lz->spool);
    memset(lz, 0, sizeof *lz);
}

/* One comparison (lz: a lazy attempt, see Lazy). An exit status. */
static int diff_once(const RunOptions *o, const char *const *pos, int npos, OutFormat fmt, bool stream,
                     Lazy *lz)
{
    const char *data = pos[npos - 1];
    Side old_side, new_side;
    memset(&new_side, 0, sizeof new_side);
    new_side.borrowed = true;       /* nothing of its own until loaded */
    Stream sa, sb;
    memset(&sa, 0, sizeof sa);
    memset(&sb, 0, sizeof sb);
    int status = load_side(&old_side, pos[0], data, o, stream, lz != NULL);
    if (status == EXIT_OK && stream) status = stream_open(&sa, &old_side, false);
    if (status == EXIT_OK && npos == 3) {
        new_side.borrowed = false;
        status = load_side(&new_side, pos[1], data, o, stream, lz != NULL);
        if (status == EXIT_OK && stream) status = stream_open(&sb, &new_side, false);
    }
    if (status == EXIT_OK && npos == 2) {       /* the what-if, over the same records */
        new_side.s = &old_side.own;         /* borrowed: failures mark old_side */
        for (int i = 0; status == EXIT_OK && i < o->nsets; i++) {
            char name[256];
            const char *eq = strchr(o->sets[i], '=');
            snprintf(name, sizeof name, "%.*s", (int)(eq - o->sets[i]), o->sets[i]);
            if (ses_set(new_side.s, name, eq + 1) != 0) status = EXIT_USAGE;
        }
        if (status == EXIT_OK) status = stream ? stream_open(&sb, &new_side, true) : evaluate(&new_side, &old_side);
        /* the what-if by difference from the old side, record by record */
        if (status == EXIT_OK && stream && !getenv("KAM_NO_DELTA"))
            sb.delta = eng_delta_new(&sb.e, sa.e.vm->regs, &sa.e);
    }
    if (status == EXIT_OK)
        status = stream ? compare_stream(&old_side, &new_side, &sa, &sb, fmt, npos == 3, lz)
                        : compare(&old_side, &new_side, fmt, npos == 3);
    stream_close(&sb);
    stream_close(&sa);
    side_free(&new_side);
    side_free(&old_side);
    return status;
}

int cmd_diff(int argc, char **argv)
{
    RunOptions o;
    run_options_init(&o);
    const char *pos[3];
    int npos = 0;
    const char *format = NULL;
    for (int i = 1; i < argc; i++) {
        const char *val = NULL;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs("usage: kam diff [OPTIONS] POLICY DATA --set NAME=VALUE...\n"
                  "       kam diff [OPTIONS] OLD.kam NEW.kam DATA\n\n"
                  "Lists the accounts whose outcome (scores, selects, tiers, stages,\n"
                  "entitlements, flags) changes under a what-if or a new policy, with the\n"
                  "counts per select and the revenue the changed accounts carry.\n\n"
                  "options:\n"
                  "  --set NAME=VALUE          the what-if (repeatable)\n"
                  "  --as-of DATE              the date 'today' stands for\n"
                  "  --input FMT, --table NAME, --sheet NAME, --delimiter C\n"
                  "                            how DATA is read, as for kam run\n"
                  "  --where EXPR              only accounts for which EXPR holds\n"
                  "  --format table|csv|jsonl  default: table on a terminal, csv otherwise;\n"
                  "                            csv and jsonl give one change per outcome\n\n"
                  "exit status: 0 whatever changed, 1 policy errors, 2 usage or an unreadable file,\n"
                  "3 data errors (records left out, evaluations that failed).\n",
                  stdout);
            return EXIT_OK;
        }
        int used = run_parse_common(&o, argc, argv, i, "diff");
        if (used < 0) return EXIT_USAGE;
        if (used > 0) {
            i += used - 1;
        } else if (cli_opt_value(argc, argv, &i, "--format", &val)) {
            if (!val) return cli_usage_error("diff", "--format needs table, csv or jsonl");
            format = val;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_usage_error("diff", "unknown option '%s'", argv[i]);
        } else if (npos < 3) {
            pos[npos++] = argv[i];
        } else {
            return cli_usage_error("diff", "too many arguments");
        }
    }
    OutFormat fmt = isatty(STDOUT_FILENO) ? FMT_TABLE : FMT_CSV;
    if (format) {
        if (!strcmp(format, "csv")) fmt = FMT_CSV;
        else if (!strcmp(format, "jsonl")) fmt = FMT_JSONL;
        else if (!strcmp(format, "table")) fmt = FMT_TABLE;
        else return cli_usage_error("diff", "unknown format '%s' (table, csv or jsonl)", format);
    }
    if (npos == 2 && o.nsets == 0)
        return cli_usage_error("diff", "nothing to compare: give --set NAME=VALUE, or OLD.kam NEW.kam DATA");
    if (npos < 2) return cli_usage_error("diff", "expected POLICY DATA --set ..., or OLD.kam NEW.kam DATA");
    if (npos == 3 && o.nsets)
        return cli_usage_error("diff", "--set goes with one policy, not OLD and NEW");
    const char *data = pos[npos - 1];
    /* a data file is read again, record by record, for the comparison
       (memory: what the portfolio passes need); standard input is held.
       The first read converts only what the passes read, as kam run's
       pass 1 does; if the comparison then finds a record kam run leaves
       out that the passes counted, it is all done again, every field
       checked in the first read (the held output thrown away) */
    bool stream = strcmp(data, "-") != 0;
    Lazy lz;
    if (stream && lazy_begin(&lz)) {
        int status = diff_once(&o, pos, npos, fmt, stream, &lz);
        bool again = !lz.committed;     /* said again by the careful attempt */
        lazy_end(&lz);
        if (!again) return status;
    }
    return diff_once(&o, pos, npos, fmt, stream, NULL);
}
