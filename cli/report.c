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
};

Summary *summary_new_for(const Policy *p, const Chunk *c, int revenue, const char *why)
{
    Summary *s = xcalloc(1, sizeof *s);
    s->syms = xcalloc((size_t)p->nsyms + 1, sizeof(Sym *));
    s->counts = xcalloc((size_t)p->nsyms + 1, sizeof(long *));
    s->revenue = xcalloc((size_t)p->nsyms + 1, sizeof(double *));
    s->moves = xcalloc((size_t)p->nsyms + 1, sizeof(long *));
    s->stage_field = xcalloc((size_t)p->nsyms + 1, sizeof(int));
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

void summary_add(Summary *s, const RunSession *rs)
{
    summary_add_regs(s, rs->vm->regs);
}

void summary_add_regs(Summary *s, const Value *R)
{
    s->records++;
    double rev = s->rev_field >= 0 ? R[s->rev_field].u.num : 0;
    for (int n = 0; n < s->nsyms; n++) {
        const Sym *y = s->syms[n];
        const Value *v = &R[y->slot];
        if (y->kind == SYM_TIER || y->kind == SYM_STAGES) {
            int members = y->ty.en->n;
            int m = v->missing || v->u.i < 0 || v->u.i >= members ? members : (int)v->u.i;
            s->counts[n][m]++;
            if (s->revenue[n]) s->revenue[n][m] += rev;
            if (s->moves[n] && s->stage_field[n] >= 0 && m < members) {
                int from = (int)R[s->stage_field[n]].u.i;
                if (from >= 0 && from < members) s->moves[n][from * members + m]++;
            }
        } else {
            s->counts[n][0] += v->u.i != 0;
            if (v->u.i) s->revenue[n][0] += rev;
        }
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
    SummaryRow r = {s->syms[i], s->counts[i], s->rev_field >= 0 ? s->revenue[i] : NULL, s->moves[i]};
    return r;
}

static void bar(FILE *out, long n, long max)
{
    int w = max > 0 ? (int)((double)n * 24 / (double)max + 0.5) : 0;
    for (int i = 0; i < w; i++) fputs("\u2588", out);
    for (int i = w; i < 24; i++) fputc(' ', out);
}

/* n of `of` as a share for people: 15.83%, <0.01%, 0%. */
static const char *share(long n, long of, char *buf, size_t len)
{
    num_format(of ? (double)n / (double)of : 0, NUM_PERCENT, buf, len);
    return buf;
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
    SymKind last = (SymKind)-1;
    for (int n = 0; n < s->nsyms; n++) {
        const Sym *y = s->syms[n];
        if (y->kind == SYM_SELECT || y->kind == SYM_ENTITLE || y->kind == SYM_FLAG) {
            if (y->kind != last)
                fprintf(out, "\n%s\n", y->kind == SYM_SELECT ? "selects" : y->kind == SYM_ENTITLE ? "entitlements" : "flags");
            last = y->kind;
            fprintf(out, "  %-*s %*s  ", namew, y->name, countw, fmt_count(s->counts[n][0], cb, sizeof cb));
            bar(out, s->counts[n][0], s->records);
            fprintf(out, " %7s\n", share(s->counts[n][0], s->records, pb, sizeof pb));
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
            fprintf(out, "\ntier %s\n  %-*s %*s  %-24s %7s", y->name, namew, "", countw, "accounts", "", "share");
            if (s->rev_field >= 0) fprintf(out, "  %*s", revw, s->rev_name);
            fputc('\n', out);
            for (int m = 0; m <= en->n; m++) {
                if (m == en->n && !s->counts[n][m]) break;
                fprintf(out, "  %-*s %*s  ", namew, m < en->n ? en->members[m] : "(none)", countw,
                        fmt_count(s->counts[n][m], cb, sizeof cb));
                bar(out, s->counts[n][m], max);
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
            fprintf(out, "\nstages %s: from (rows) -> to (columns)\n  %-*s", y->name, roww, "");
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
    free(s->syms);
    free(s);
}
