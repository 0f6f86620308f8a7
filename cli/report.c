/* report.c — --summary (see report.h; --coverage is coverage.c's, the
 * progress bar progress.c's). */
#define _POSIX_C_SOURCE 200809L
#include "report.h"
#include "format.h"
#include "../runtime/writer.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---------------------------------------------------------------- summary */

enum { MAX_TERM_VALUES = SUMMARY_TERM_VALUES };   /* distinct values of a term counted one by one */

/* One entitlement term among the accounts that hold it (report.h). */
typedef SummaryTerm TermStat;

struct Summary {
    long records;
    const Sym **syms;       /* selects, tiers, stages, entitlements, flags */
    int nsyms;
    long **counts;          /* per sym: count (bools) or per member (+1 for none) */
    double **revenue;       /* tiers: revenue per member */
    long **moves;           /* stages: n*n matrix from -> to */
    int *stage_field;       /* stages: register of the current-stage field */
    int rev_field;          /* register of the revenue field, or -1 */
    const char *rev_name;
    const char *rev_why;    /* why no revenue is summed */
    TermStat **terms;       /* entitlements: per term */
    int *nterms;
    const Sym **pf;         /* the portfolio flags, in definition order */
    int npf;
    int *pf_val;            /* 1 raised, 0 not, -1 not worked out (pf_why) */
    char **pf_why;
    bool log;               /* a worker's part (kam run -j): revenue logged, not added */
    double *log_rev;        /* by record: its revenue */
    int *log_cell;          /* by record, by sym: the member its revenue goes to, or -1 */
    size_t nlog, caplog;
};

Summary *summary_new_for(const Policy *p, const Chunk *c, int revenue, const char *why)
{
    Summary *s = xcalloc(1, sizeof *s);
    s->syms = xcalloc((size_t)p->nsyms + 1, sizeof(Sym *));
    s->counts = xcalloc((size_t)p->nsyms + 1, sizeof(long *));
    s->revenue = xcalloc((size_t)p->nsyms + 1, sizeof(double *));
    s->moves = xcalloc((size_t)p->nsyms + 1, sizeof(long *));
    s->stage_field = xcalloc((size_t)p->nsyms + 1, sizeof(int));
    s->terms = xcalloc((size_t)p->nsyms + 1, sizeof(TermStat *));
    s->nterms = xcalloc((size_t)p->nsyms + 1, sizeof(int));
    s->pf = xcalloc((size_t)p->nsyms + 1, sizeof(Sym *));
    s->pf_val = xcalloc((size_t)p->nsyms + 1, sizeof(int));
    s->pf_why = xcalloc((size_t)p->nsyms + 1, sizeof(char *));
    for (int i = 0; i < p->nsyms; i++)
        if (p->syms[i]->kind == SYM_PORTFOLIO) s->pf_val[s->npf] = -1, s->pf[s->npf++] = p->syms[i];
    static const SymKind order[] = {SYM_SELECT, SYM_TIER, SYM_STAGES, SYM_ENTITLE, SYM_FLAG};
    for (size_t k = 0; k < sizeof order / sizeof order[0]; k++) {
        for (int i = 0; i < p->nsyms; i++) {
            const Sym *y = p->syms[i];
            if (y->kind != order[k]) continue;
            int n = s->nsyms++;
            s->syms[n] = y;
            int members = y->ty.en ? y->ty.en->n : 0;
            s->counts[n] = xcalloc((size_t)members + 2, sizeof(long));
            s->revenue[n] = xcalloc((size_t)members + 2, sizeof(double));     /* kam report shows them all */
            const ChunkOut *o = y->kind == SYM_ENTITLE ? fmt_chunk_out(c, y->name) : NULL;
            if (o && o->nterms) {
                s->terms[n] = xcalloc((size_t)o->nterms, sizeof(TermStat));
                s->nterms[n] = o->nterms;
                for (int t = 0; t < o->nterms; t++) {
                    TermStat *ts = &s->terms[n][t];
                    ts->t = o->terms[t];
                    RtKind tk = ts->t.ty.kind;
                    ts->numeric = tk == RT_INT || tk == RT_NUMBER || tk == RT_MONEY || tk == RT_PERCENT;
                }
            }
            if (y->kind == SYM_STAGES) {
                s->moves[n] = xcalloc((size_t)(members * members) + 1, sizeof(long));
                s->stage_field[n] = -1;
                for (int f = 0; f < p->nfields; f++)
                    if (p->fields[f]->ty.kind == TY_STAGE && p->fields[f]->ty.en == y->ty.en)
                        s->stage_field[n] = c->field_reg[f];
            }
        }
    }
    s->rev_field = revenue >= 0 ? c->field_reg[revenue] : -1;
    s->rev_name = revenue >= 0 ? p->fields[revenue]->name.name : NULL;
    s->rev_why = why;
    return s;
}

Summary *summary_new(const RunSession *rs, int revenue, const char *why)
{
    return summary_new_for(rs->pol, rs->chunk, revenue, why);
}

/* The terms of entitlement n, held by the record in registers R. */
static void term_add(Summary *s, int n, const Value *R)
{
    for (int k = 0; k < s->nterms[n]; k++) {
        TermStat *ts = &s->terms[n][k];
        const Value *v = &R[ts->t.reg];
        if (v->missing) continue;
        if (ts->numeric) {
            if (!ts->accounts || v->u.num < ts->min) ts->min = v->u.num;
            if (!ts->accounts || v->u.num > ts->max) ts->max = v->u.num;
        }
        ts->accounts++;
        if (ts->more) continue;
        char exact[NUM_TEXT_MAX];
        fmt_rt_value_json(ts->t.ty, v, exact, sizeof exact);
        int i = 0;
        while (i < ts->nvals && strcmp(ts->exact[i], exact) != 0) i++;
        if (i == ts->nvals) {
            if (ts->nvals == MAX_TERM_VALUES) {
                ts->more = true;
                continue;
            }
            char people[NUM_TEXT_MAX];
            fmt_rt_value(ts->t.ty, v, people, sizeof people);
            ts->exact[i] = xstrdup(exact);
            ts->people[i] = xstrdup(people);
            ts->nvals++;
        }
        ts->count[i]++;
    }
}

void summary_add(Summary *s, const RunSession *rs)
{
    summary_add_regs(s, rs->vm->regs);
}

void summary_add_regs(Summary *s, const Value *R)
{
    s->records++;
    double rev = s->rev_field >= 0 ? R[s->rev_field].u.num : 0;
    int *cells = NULL;
    if (s->log && s->rev_field >= 0) {
        if (s->nlog == s->caplog) {
            s->caplog = s->caplog ? s->caplog * 2 : 1024;
            s->log_rev = xrealloc(s->log_rev, sizeof(double) * s->caplog);
            s->log_cell = xrealloc(s->log_cell, sizeof(int) * s->caplog * (size_t)(s->nsyms + 1));
        }
        s->log_rev[s->nlog] = rev;
        cells = &s->log_cell[s->nlog++ * (size_t)(s->nsyms + 1)];
    }
    for (int n = 0; n < s->nsyms; n++) {
        const Sym *y = s->syms[n];
        const Value *v = &R[y->slot];
        if (cells) cells[n] = -1;
        if (y->kind == SYM_TIER || y->kind == SYM_STAGES) {
            int members = y->ty.en->n;
            int m = v->missing || v->u.i < 0 || v->u.i >= members ? members : (int)v->u.i;
            s->counts[n][m]++;
            if (cells) cells[n] = m;
            else if (s->revenue[n]) s->revenue[n][m] += rev;
            if (s->moves[n] && s->stage_field[n] >= 0 && m < members) {
                int from = (int)R[s->stage_field[n]].u.i;
                if (from >= 0 && from < members) s->moves[n][from * members + m]++;
            }
        } else {
            s->counts[n][0] += v->u.i != 0;
            if (v->u.i) {
                if (cells) cells[n] = 0;
                else s->revenue[n][0] += rev;
                term_add(s, n, R);
            }
        }
    }
}

void summary_keep_addends(Summary *s)
{
    s->log = true;
}

/* Adds b's terms (later records) to a's, as adding them one by one would:
 * counts and the range add up; the values listed are a's, then b's new
 * ones in their order, while there is room (more distinct values than
 * that: `more`, and no values are listed). */
static void terms_merge(TermStat *a, const TermStat *b)
{
    if (!b->accounts) return;
    if (a->numeric) {
        if (!a->accounts || b->min < a->min) a->min = b->min;
        if (!a->accounts || b->max > a->max) a->max = b->max;
    }
    a->accounts += b->accounts;
    if (b->more) a->more = true;
    for (int j = 0; j < b->nvals && !a->more; j++) {
        int i = 0;
        while (i < a->nvals && strcmp(a->exact[i], b->exact[j]) != 0) i++;
        if (i == a->nvals) {
            if (a->nvals == MAX_TERM_VALUES) {
                a->more = true;
                break;
            }
            a->exact[i] = xstrdup(b->exact[j]);
            a->people[i] = xstrdup(b->people[j]);
            a->nvals++;
        }
        a->count[i] += b->count[j];
    }
}

void summary_merge(Summary *s, const Summary *b)
{
    s->records += b->records;
    for (int n = 0; n < s->nsyms; n++) {
        int members = s->syms[n]->ty.en ? s->syms[n]->ty.en->n : 0;
        for (int m = 0; m < members + 2; m++) s->counts[n][m] += b->counts[n][m];
        for (int m = 0; s->moves[n] && m < members * members; m++) s->moves[n][m] += b->moves[n][m];
        for (int k = 0; k < s->nterms[n]; k++) terms_merge(&s->terms[n][k], &b->terms[n][k]);
    }
    for (size_t r = 0; r < b->nlog; r++) {      /* the revenue, added in input order */
        const int *cells = &b->log_cell[r * (size_t)(b->nsyms + 1)];
        for (int n = 0; n < s->nsyms; n++)
            if (cells[n] >= 0) s->revenue[n][cells[n]] += b->log_rev[r];
    }
}

long summary_records(const Summary *s)
{
    return s->records;
}

int summary_nrows(const Summary *s)
{
    return s->nsyms;
}

SummaryRow summary_row(const Summary *s, int i)
{
    SummaryRow r = {s->syms[i], s->counts[i], s->rev_field >= 0 ? s->revenue[i] : NULL, s->moves[i],
                    s->terms[i], s->nterms[i]};
    return r;
}

/* A bar of n out of max, `width` characters. */
static void bar(FILE *out, long n, long max, int width)
{
    int w = max > 0 ? (int)((double)n * width / (double)max + 0.5) : 0;
    for (int i = 0; i < w; i++) fputs("\u2588", out);
    for (int i = w; i < width; i++) fputc(' ', out);
}

/* n of `of` as a share for people: 15.83%, <0.01%, 0%. */
static const char *share(long n, long of, char *buf, size_t len)
{
    num_format(of ? (double)n / (double)of : 0, NUM_PERCENT, buf, len);
    return buf;
}

/* The JSON summary's "desc" (each rule's description) and "terms" (per
 * entitlement with terms, per term: the accounts holding it, and each
 * value with its count, or the range when there are many): keys after the
 * counts, which keep their shape. */
void summary_set_portfolio(Summary *s, const Engine *e)
{
    for (int i = 0; i < s->npf && i < e->chunk->nportfolio; i++) {
        s->pf_val[i] = eng_portfolio_value(e, i);
        free(s->pf_why[i]);
        s->pf_why[i] = e->pf_why && e->pf_why[i] ? xstrdup(e->pf_why[i]) : NULL;
    }
}

int summary_nportfolio(const Summary *s)
{
    return s->npf;
}

SummaryPortfolio summary_portfolio(const Summary *s, int i)
{
    SummaryPortfolio r = {s->pf[i], s->pf_val[i], s->pf_why[i]};
    return r;
}

/* The portfolio flags: each raised or not, once for the whole run. */
static void summary_portfolio_text(const Summary *s, FILE *out)
{
    if (!s->npf) return;
    int w = 0;
    for (int i = 0; i < s->npf; i++)
        if ((int)strlen(s->pf[i]->name) > w) w = (int)strlen(s->pf[i]->name);
    fputs("\nportfolio\n", out);
    for (int i = 0; i < s->npf; i++) {
        const char *d = policy_desc(s->pf[i]);
        const char *state = s->pf_val[i] > 0 ? "raised" : s->pf_val[i] == 0 ? "not raised" : "unknown";
        fprintf(out, "  %-*s  %-10s", w, s->pf[i]->name, state);
        if (d) fprintf(out, "  %s", d);
        fputc('\n', out);
        if (s->pf_val[i] < 0 && s->pf_why[i]) fprintf(out, "  %-*s  (not worked out: %s)\n", w, "", s->pf_why[i]);
    }
}

static void summary_json_texts(const Summary *s, FILE *out)
{
    fputs(",\"portfolio\":{", out);
    for (int i = 0; i < s->npf; i++) {
        fputs(i ? "," : "", out);
        diag_json_string(out, s->pf[i]->name);
        fputs(s->pf_val[i] > 0 ? ":true" : s->pf_val[i] == 0 ? ":false" : ":null", out);
    }
    fputc('}', out);
    bool any = false;
    for (int i = 0; i < s->npf; i++) {
        if (!s->pf_why[i]) continue;
        fputs(any ? "," : ",\"portfolio_errors\":{", out);
        any = true;
        diag_json_string(out, s->pf[i]->name);
        fputc(':', out);
        diag_json_string(out, s->pf_why[i]);
    }
    if (any) fputc('}', out);
    fputs(",\"desc\":{", out);
    bool first = true;
    for (int i = 0; i < s->npf; i++) {
        const char *d = policy_desc(s->pf[i]);
        if (!d) continue;
        fputs(first ? "" : ",", out);
        first = false;
        diag_json_string(out, s->pf[i]->name);
        fputc(':', out);
        diag_json_string(out, d);
    }
    for (int n = 0; n < s->nsyms; n++) {
        const char *d = policy_desc(s->syms[n]);
        if (!d) continue;
        fputs(first ? "" : ",", out);
        first = false;
        diag_json_string(out, s->syms[n]->name);
        fputc(':', out);
        diag_json_string(out, d);
    }
    fputs("},\"terms\":{", out);
    first = true;
    for (int n = 0; n < s->nsyms; n++) {
        if (!s->nterms[n]) continue;
        fputs(first ? "" : ",", out);
        first = false;
        diag_json_string(out, s->syms[n]->name);
        fputs(":{", out);
        for (int k = 0; k < s->nterms[n]; k++) {
            const TermStat *ts = &s->terms[n][k];
            fputs(k ? "," : "", out);
            diag_json_string(out, ts->t.name);
            fprintf(out, ":{\"accounts\":%ld", ts->accounts);
            if (!ts->more) {
                fputs(",\"values\":{", out);
                for (int i = 0; i < ts->nvals; i++) {
                    fputs(i ? "," : "", out);
                    /* the value as a key: a string's own text, others as JSON writes them */
                    const char *e = ts->exact[i];
                    size_t len = strlen(e);
                    if (len >= 2 && e[0] == '"') fprintf(out, "%s", e);
                    else {
                        fputc('"', out);
                        fputs(e, out);
                        fputc('"', out);
                    }
                    fprintf(out, ":%ld", ts->count[i]);
                }
                fputc('}', out);
            }
            if (ts->numeric && ts->accounts) {
                char nb[64];
                wr_format_number(ts->min, nb);
                fprintf(out, ",\"min\":%s", nb);
                wr_format_number(ts->max, nb);
                fprintf(out, ",\"max\":%s", nb);
            }
            fputc('}', out);
        }
        fputc('}', out);
    }
    fputc('}', out);
}

/* An entitlement's terms among the accounts holding it, one line each:
 * "SLA hours: 4 (52 accounts)", "maximum discount: 10% (4), 12% (10)", or
 * the range "from 5% to 15% (14 accounts)" when it takes many values. */
static void summary_terms_text(const Summary *s, int n, FILE *out)
{
    char cb[32], label[200], lo[NUM_TEXT_MAX], hi[NUM_TEXT_MAX];
    for (int k = 0; k < s->nterms[n]; k++) {
        const TermStat *ts = &s->terms[n][k];
        fprintf(out, "      %s: ", fmt_term_label(&ts->t, label, sizeof label));
        if (!ts->accounts) {
            fputs("(no account holds it)\n", out);
        } else if (ts->nvals == 1 && !ts->more) {
            fprintf(out, "%s (%s account%s)\n", ts->people[0], fmt_count(ts->count[0], cb, sizeof cb),
                    ts->count[0] == 1 ? "" : "s");
        } else if (!ts->more && ts->nvals <= 3) {
            int at[3] = {0, 1, 2};      /* a number's values from the smallest */
            for (int i = 1; ts->numeric && i < ts->nvals; i++)
                for (int j = i; j > 0 && strtod(ts->exact[at[j]], NULL) < strtod(ts->exact[at[j - 1]], NULL); j--) {
                    int t = at[j];
                    at[j] = at[j - 1];
                    at[j - 1] = t;
                }
            for (int i = 0; i < ts->nvals; i++)
                fprintf(out, "%s%s (%s)", i ? ", " : "", ts->people[at[i]], fmt_count(ts->count[at[i]], cb, sizeof cb));
            fputc('\n', out);
        } else if (ts->numeric) {
            Value a = val_num(ts->min), b = val_num(ts->max);
            fmt_rt_value(ts->t.ty, &a, lo, sizeof lo);
            fmt_rt_value(ts->t.ty, &b, hi, sizeof hi);
            fprintf(out, "from %s to %s (%s accounts)\n", lo, hi, fmt_count(ts->accounts, cb, sizeof cb));
        } else {
            fprintf(out, "%s%d values (%s accounts)\n", ts->more ? "over " : "",
                    ts->more ? MAX_TERM_VALUES : ts->nvals, fmt_count(ts->accounts, cb, sizeof cb));
        }
    }
}

void summary_print(const Summary *s, const RunSession *rs, FILE *out, bool json, long left_out)
{
    (void)rs;
    char nb[NUM_TEXT_MAX];
    if (json) {
        fprintf(out, "{\"records\":%ld,\"records_left_out\":%ld", s->records, left_out);
        if (s->rev_field >= 0) {
            fputs(",\"revenue_field\":", out);
            diag_json_string(out, s->rev_name);
        } else {
            fputs(",\"revenue_field\":null", out);
        }
        static const char *const sections[] = {"selects", "tiers", "stages", "entitlements", "flags"};
        static const SymKind kinds[] = {SYM_SELECT, SYM_TIER, SYM_STAGES, SYM_ENTITLE, SYM_FLAG};
        for (int k = 0; k < 5; k++) {
            fprintf(out, ",\"%s\":{", sections[k]);
            bool first = true;
            for (int n = 0; n < s->nsyms; n++) {
                const Sym *y = s->syms[n];
                if (y->kind != kinds[k]) continue;
                fputs(first ? "" : ",", out);
                first = false;
                diag_json_string(out, y->name);
                fputc(':', out);
                if (y->kind == SYM_TIER || y->kind == SYM_STAGES) {
                    const EnumInfo *en = y->ty.en;
                    fputc('{', out);
                    for (int m = 0; m <= en->n; m++) {
                        if (m == en->n && !s->counts[n][m]) break;
                        fputs(m ? "," : "", out);
                        diag_json_string(out, m < en->n ? en->members[m] : "(none)");
                        if (y->kind == SYM_TIER && s->rev_field >= 0) {
                            wr_format_number(round(s->revenue[n][m] * 100) / 100, nb);
                            fprintf(out, ":{\"accounts\":%ld,\"%s\":%s}", s->counts[n][m], s->rev_name, nb);
                        } else if (y->kind == SYM_STAGES) {
                            fprintf(out, ":{\"accounts\":%ld,\"from\":{", s->counts[n][m]);
                            bool f2 = true;
                            for (int from = 0; m < en->n && from < en->n; from++) {
                                long c = s->moves[n][from * en->n + m];
                                if (!c) continue;
                                fputs(f2 ? "" : ",", out);
                                f2 = false;
                                diag_json_string(out, en->members[from]);
                                fprintf(out, ":%ld", c);
                            }
                            fputs("}}", out);
                        } else {
                            fprintf(out, ":%ld", s->counts[n][m]);
                        }
                    }
                    fputc('}', out);
                } else {
                    fprintf(out, "%ld", s->counts[n][0]);
                }
            }
            fputc('}', out);
        }
        summary_json_texts(s, out);
        fputs("}\n", out);
        return;
    }
    char cb[32], pb[NUM_TEXT_MAX];
    fprintf(out, "%s accounts\n", fmt_count(s->records, cb, sizeof cb));
    if (left_out)       /* never a count that silently skips records */
        fprintf(out, "%s record%s of the data left out with errors (not counted below)\n",
                fmt_count(left_out, cb, sizeof cb), left_out == 1 ? "" : "s");
    if (s->rev_field >= 0) fprintf(out, "revenue per tier: the sum of %s\n", s->rev_name);
    else if (s->rev_why) fprintf(out, "revenue per tier: not shown (%s)\n", s->rev_why);
    /* names are never cut: the name column is as wide as the longest name
       (of a select, entitlement, flag or tier member), the count column as
       the largest count */
    int namew = 24, countw = 8;
    for (int n = 0; n < s->nsyms; n++) {
        const Sym *y = s->syms[n];
        if (y->kind == SYM_STAGES) continue;
        if (y->kind == SYM_TIER) {
            for (int m = 0; m < y->ty.en->n; m++)
                if ((int)strlen(y->ty.en->members[m]) > namew) namew = (int)strlen(y->ty.en->members[m]);
        } else if ((int)strlen(y->name) > namew) {
            namew = (int)strlen(y->name);
        }
    }
    if ((int)strlen(fmt_count(s->records, cb, sizeof cb)) > countw) countw = (int)strlen(cb);
    /* the rows of selects, entitlements and flags are labelled "Key account
       (key_account)": the label column as wide as the longest label that
       fits 80 columns beside a bar of at least 8; a longer one goes on a
       line of its own above its row (the row then shows the name); the bar
       takes what is left of 80 columns (8 to 24) */
    char title[600];
    int cap = 80 - (2 + 1 + countw + 2 + 8 + 1 + 7), labelw = 24;
    for (int n = 0; n < s->nsyms; n++) {
        const Sym *y = s->syms[n];
        if (y->kind != SYM_SELECT && y->kind != SYM_ENTITLE && y->kind != SYM_FLAG) continue;
        int w = (int)strlen(fmt_rule_title(y->name, policy_desc(y), title, sizeof title));
        if (w > labelw && w <= cap) labelw = w;
        if ((int)strlen(y->name) > labelw) labelw = (int)strlen(y->name);
    }
    int barw = 80 - (2 + labelw + 1 + countw + 2 + 1 + 7);
    if (barw > 24) barw = 24;
    if (barw < 8) barw = 8;
    SymKind last = (SymKind)-1;
    for (int n = 0; n < s->nsyms; n++) {
        const Sym *y = s->syms[n];
        if (y->kind == SYM_SELECT || y->kind == SYM_ENTITLE || y->kind == SYM_FLAG) {
            if (y->kind != last)
                fprintf(out, "\n%s\n", y->kind == SYM_SELECT ? "selects" : y->kind == SYM_ENTITLE ? "entitlements" : "flags");
            last = y->kind;
            const char *label = fmt_rule_title(y->name, policy_desc(y), title, sizeof title);
            if ((int)strlen(label) > labelw) {
                fprintf(out, "  %s\n", policy_desc(y));
                label = y->name;
            }
            fprintf(out, "  %-*s %*s  ", labelw, label, countw, fmt_count(s->counts[n][0], cb, sizeof cb));
            bar(out, s->counts[n][0], s->records, barw);
            fprintf(out, " %7s\n", share(s->counts[n][0], s->records, pb, sizeof pb));
            if (s->nterms[n]) summary_terms_text(s, n, out);
            continue;
        }
        last = y->kind;
        const EnumInfo *en = y->ty.en;
        long max = 1;
        for (int m = 0; m <= en->n; m++)
            if (s->counts[n][m] > max) max = s->counts[n][m];
        if (y->kind == SYM_TIER) {
            /* the revenue column right-aligned under its widest figure */
            int revw = s->rev_field >= 0 ? (int)strlen(s->rev_name) : 0;
            for (int m = 0; s->rev_field >= 0 && m <= en->n; m++) {
                Value v = val_num(s->revenue[n][m]);
                ses_format_value(ty_make(TY_MONEY), &v, nb, sizeof nb);
                if ((int)strlen(nb) > revw) revw = (int)strlen(nb);
            }
            fprintf(out, "\ntier %s\n  %-*s %*s  %-24s %7s", fmt_rule_title(y->name, policy_desc(y), title, sizeof title), namew, "", countw, "accounts", "", "share");
            if (s->rev_field >= 0) fprintf(out, "  %*s", revw, s->rev_name);
            fputc('\n', out);
            for (int m = 0; m <= en->n; m++) {
                if (m == en->n && !s->counts[n][m]) break;
                fprintf(out, "  %-*s %*s  ", namew, m < en->n ? en->members[m] : "(none)", countw,
                        fmt_count(s->counts[n][m], cb, sizeof cb));
                bar(out, s->counts[n][m], max, 24);
                fprintf(out, " %7s", share(s->counts[n][m], s->records, pb, sizeof pb));
                if (s->rev_field >= 0) {
                    Value v = val_num(s->revenue[n][m]);
                    ses_format_value(ty_make(TY_MONEY), &v, nb, sizeof nb);
                    fprintf(out, "  %*s", revw, nb);
                }
                fputc('\n', out);
            }
        } else {
            /* every stage name in full: the row labels as wide as the
               longest, each column as wide as its name or largest count */
            int roww = 14, colw = 12;
            for (int m = 0; m < en->n; m++) {
                if ((int)strlen(en->members[m]) > roww) roww = (int)strlen(en->members[m]);
                if ((int)strlen(en->members[m]) > colw) colw = (int)strlen(en->members[m]);
            }
            if ((int)strlen(fmt_count(s->records, cb, sizeof cb)) > colw) colw = (int)strlen(cb);
            fprintf(out, "\nstages %s: from (rows) -> to (columns)\n  %-*s", fmt_rule_title(y->name, policy_desc(y), title, sizeof title), roww, "");
            for (int m = 0; m < en->n; m++) fprintf(out, " %*s", colw, en->members[m]);
            fputc('\n', out);
            for (int from = 0; from < en->n; from++) {
                fprintf(out, "  %-*s", roww, en->members[from]);
                for (int m = 0; m < en->n; m++) {
                    long c = s->moves[n][from * en->n + m];
                    fprintf(out, " %*s", colw, c ? fmt_count(c, cb, sizeof cb) : ".");
                }
                fputc('\n', out);
            }
            long moved = 0;
            for (int from = 0; from < en->n; from++)
                for (int m = 0; m < en->n; m++)
                    if (m != from) moved += s->moves[n][from * en->n + m];
            fprintf(out, "  %s account%s move%s stage\n", fmt_count(moved, cb, sizeof cb), moved == 1 ? "" : "s",
                    moved == 1 ? "s" : "");
        }
    }
    summary_portfolio_text(s, out);
}

void summary_free(Summary *s)
{
    for (int n = 0; n < s->nsyms; n++) {
        free(s->counts[n]);
        free(s->revenue[n]);
        free(s->moves[n]);
    }
    free(s->counts);
    free(s->revenue);
    free(s->moves);
    free(s->stage_field);
    for (int n = 0; n < s->nsyms; n++) {
        for (int k = 0; k < s->nterms[n]; k++)
            for (int i = 0; i < s->terms[n][k].nvals; i++) {
                free(s->terms[n][k].exact[i]);
                free(s->terms[n][k].people[i]);
            }
        free(s->terms[n]);
    }
    free(s->terms);
    free(s->nterms);
    for (int i = 0; i < s->npf; i++) free(s->pf_why[i]);
    free(s->pf);
    free(s->pf_val);
    free(s->pf_why);
    free(s->log_rev);
    free(s->log_cell);
    free(s->syms);
    free(s);
}
