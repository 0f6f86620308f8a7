/* cmd_report.c — `kam report POLICY DATA -o report.html`: the decisions of
 * a policy over a portfolio, for people who do not read policies. It loads
 * the policy and the data into a session (session.h), evaluates through the
 * one engine as kam run, diff and explain do, and fills a ReportDoc
 * (report_doc.h): the headline figures and the breakdowns from the --summary
 * accumulator (report.h), the key accounts from the session's outcomes,
 * their cards from explain_record_facts (explain.h), the what-if section
 * from kam diff's rule (diff.h), the terms among the entitled from the
 * summary, each account's own terms and display name from the outcomes and
 * the session, the descriptions and labels from the policy. The session
 * reads only the fields kam run --summary reads, so the figures agree.
 * report_html.c and report_md.c write it;
 * the output goes through outfile.c (complete, or not at all). It holds no
 * evaluation logic of its own. */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"
#include "run.h"
#include "session.h"
#include "explain.h"
#include "report.h"
#include "report_doc.h"
#include "diff.h"
#include "format.h"
#include "outfile.h"
#include "../base/date.h"
#include "../runtime/writer.h"
#include "../api/engine.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void help(void)
{
    fputs("usage: kam report [OPTIONS] POLICY DATA -o report.html\n\n"
          "Writes the decisions of POLICY over the accounts in DATA as one page a\n"
          "business can read: the headline figures, accounts and revenue per tier\n"
          "and stage (charts with the numbers written out), the stage moves, the\n"
          "entitlements and flags, the key-account list and one card per key\n"
          "account saying why, in sentences; with --set, what the what-if changes.\n"
          "The HTML page is self-contained: no script, nothing loaded from anywhere;\n"
          "it reads offline and prints.\n\n"
          "options:\n"
          "  -o, --out FILE            write to FILE (complete, or not at all); - or no\n"
          "                            -o: standard output (HTML is not written to a\n"
          "                            terminal: redirect it or give -o)\n"
          "  --format html|md          an HTML page (default) or Markdown, same content\n"
          "  --set NAME=VALUE          a param what-if (repeatable): the report shows the\n"
          "                            policy with it, and which accounts it changes\n"
          "  --as-of DATE              the date 'today' stands for (default: today)\n"
          "  --where EXPR              only the accounts for which EXPR holds\n"
          "  --revenue FIELD           the money field summed as revenue (default: the one\n"
          "                            money field whose name says revenue)\n"
          "  --input csv|jsonl|sqlite|xlsx  the data's format (default: from its name)\n"
          "  --table NAME              the SQLite table (default: the record's name)\n"
          "  --sheet NAME              the Excel worksheet (default: the first)\n"
          "  --delimiter C             CSV: ',' ';' or tab (default: ',', or ';' or\n"
          "                            tab when the header line has no comma)\n"
          "  -h, --help                this help\n\n"
          "exit status: 0 ok, 1 policy errors, 2 usage error or unreadable input,\n"
          "3 data errors: records were left out (the report is still written and says\n"
          "how many), or reading stopped early (no report).\n", stdout);
}

/* ------------------------------------------------------------- numbers */

/* The one formatter for people (report_doc.h). A shared business formatter
 * can replace the body; callers do not change. */
void report_num(double v, NumKind kind, char *buf, size_t len)
{
    num_format(v, kind, buf, len);
}

void report_raw(double v, char *buf, size_t len)
{
    char nb[64];
    wr_format_number(round(v * 100) / 100 + 0.0, nb);
    snprintf(buf, len, "%s", nb);
}

/* -------------------------------------------------------------- hooks */

/* A rule's description for people (`select key_account "Key account"`, a
 * flag's text): the same string explain, diff and --summary show; NULL if
 * none. */
static const char *report_rule_text(const Sym *y)
{
    const char *d = policy_desc(y);
    return d && *d ? d : NULL;
}

/* A JSON text as the key a JSON reader sees: a string's own text
 * (quotes dropped, escapes undone), anything else as it is. */
static char *json_key(const char *e)
{
    size_t n = strlen(e);
    if (n < 2 || e[0] != '"') return xstrdup(e);
    char *k = xmalloc(n + 1), *o = k;
    for (size_t i = 1; i + 1 < n; i++) {
        if (e[i] != '\\' || i + 2 >= n) {
            *o++ = e[i];
            continue;
        }
        char c = e[++i];
        if (c == 'u' && i + 4 < n) {        /* the writer escapes only control characters so */
            *o++ = (char)strtol((char[]){e[i + 1], e[i + 2], e[i + 3], e[i + 4], 0}, NULL, 16);
            i += 4;
        } else {
            *o++ = c == 'n' ? '\n' : c == 't' ? '\t' : c == 'r' ? '\r' : c;
        }
    }
    *o = '\0';
    return k;
}

/* An entitlement's terms among the accounts that hold it, from the summary
 * (the same figures as `kam run --summary --format json`'s "terms"); c is
 * the session's chunk (the summary's own was the evaluation's, gone now). */
static RepTerm *report_terms(const SummaryRow *r, const Chunk *c, int *nterms)
{
    const ChunkOut *co = fmt_chunk_out(c, r->sym->name);
    *nterms = co && co->nterms == r->nterms ? r->nterms : 0;
    if (!*nterms) return NULL;
    RepTerm *out = xcalloc((size_t)r->nterms, sizeof(RepTerm));
    for (int k = 0; k < r->nterms; k++) {
        const SummaryTerm *st = &r->terms[k];
        const ChunkTerm *ct = &co->terms[k];
        RepTerm *t = &out[k];
        char label[200];
        t->name = ct->name;
        t->label = xstrdup(fmt_term_label(ct, label, sizeof label));
        t->accounts = st->accounts;
        t->more = st->more;
        t->vals = xcalloc((size_t)st->nvals + 1, sizeof(RepTermValue));
        for (int i = 0; i < st->nvals; i++)
            t->vals[t->nvals++] = (RepTermValue){json_key(st->exact[i]), xstrdup(st->people[i]), st->count[i]};
        for (int i = 1; st->numeric && i < t->nvals; i++)       /* numbers from the smallest */
            for (int j = i; j > 0 && strtod(t->vals[j].key, NULL) < strtod(t->vals[j - 1].key, NULL); j--) {
                RepTermValue x = t->vals[j];
                t->vals[j] = t->vals[j - 1];
                t->vals[j - 1] = x;
            }
        if (st->numeric && st->accounts) {
            char nb[NUM_TEXT_MAX];
            Value a = val_num(st->min), b = val_num(st->max);
            t->range = true;
            t->min = st->min;
            t->max = st->max;
            fmt_rt_value(ct->ty, &a, nb, sizeof nb);
            t->min_shown = xstrdup(nb);
            fmt_rt_value(ct->ty, &b, nb, sizeof nb);
            t->max_shown = xstrdup(nb);
            wr_format_number(st->min, t->min_raw);
            wr_format_number(st->max, t->max_raw);
        }
    }
    return out;
}

/* The account's display name (the policy's `display` field), or NULL. */
static char *report_display_name(const Session *s, int rec)
{
    char buf[1024];
    const char *d = ses_display_name(s, rec, buf, sizeof buf);
    return d ? xstrdup(d) : NULL;
}

/* Account rec's terms of the entitlement in column ent of o, for people:
 * "SLA hours 4, maximum discount 12%" (fmt_terms_text's form), or NULL if
 * it has none or does not hold it. */
static char *account_terms(const Session *s, const Outcomes *o, int rec, int ent)
{
    const ChunkOut *co = fmt_chunk_out(s->chunk, o->cols[ent].name);
    if (!co || !co->nterms || out_cell(o, rec, ent) != 1) return NULL;
    char *list = NULL;
    size_t nl = strlen(o->cols[ent].name);
    for (int c = 0; c < o->ncols; c++) {
        const OutCol *col = &o->cols[c];
        if (col->ent != ent) continue;
        const ChunkTerm *ct = NULL;
        for (int t = 0; t < co->nterms; t++)
            if (strcmp(co->terms[t].name, col->name + nl + 1) == 0) ct = &co->terms[t];
        if (!ct) continue;
        double x = out_cell(o, rec, c);
        Value v = val_num(x);
        if (isnan(x)) v.missing = 1;
        else if (col->tkind == RT_STRING) {
            const char *tx = col->text && col->text[rec] ? col->text[rec] : "";
            v = val_str(tx, (uint32_t)strlen(tx));
        } else if (col->tkind != RT_INT && col->tkind != RT_NUMBER && col->tkind != RT_MONEY &&
                   col->tkind != RT_PERCENT) {
            v = val_int((int64_t)x);
        }
        char label[200], val[NUM_TEXT_MAX], both[sizeof label + sizeof val + 2];
        fmt_rt_value(ct->ty, &v, val, sizeof val);
        snprintf(both, sizeof both, "%s %s", fmt_term_label(ct, label, sizeof label), val);
        size_t a = list ? strlen(list) : 0, b = strlen(both);
        list = xrealloc(list, a + b + 3);
        if (a) memcpy(list + a, ", ", 2), a += 2;
        memcpy(list + a, both, b + 1);
    }
    return list;
}

/* ---------------------------------------------------------- evaluation */

typedef struct Feed {
    Summary *sum;
    int revenue;
    const char *why;
} Feed;

static void feed(Session *s, int rec, const Value *regs, const Chunk *c, void *ud)
{
    (void)rec;
    Feed *f = ud;
    if (!f->sum) f->sum = summary_new_for(s->pol, c, f->revenue, f->why);
    summary_add_regs(f->sum, regs);
}

/* What a card's facts are gathered with. */
typedef struct CardCtx {
    RepAccount *a;
    const Session *s;
    const Outcomes *o;
} CardCtx;

static int find_col(const Outcomes *o, const char *name, SymKind kind)
{
    for (int c = 0; c < o->ncols; c++)
        if (o->cols[c].ent < 0 && o->cols[c].kind == kind && strcmp(o->cols[c].name, name) == 0) return c;
    return -1;
}

static void add_fact(void *ud, const char *section, const char *name, const char *value, const char *why)
{
    CardCtx *x = ud;
    RepAccount *a = x->a;
    if (a->nfacts == a->capfacts) {
        a->capfacts = a->capfacts ? a->capfacts * 2 : 32;
        a->facts = xrealloc(a->facts, sizeof(RepFact) * (size_t)a->capfacts);
    }
    const Sym *y = strcmp(section, "criterion") && strcmp(section, "change") ? policy_sym(x->s->pol, name) : NULL;
    char *terms = NULL;
    if (strcmp(section, "entitlement") == 0) {
        int c = find_col(x->o, name, SYM_ENTITLE);
        if (c >= 0) terms = account_terms(x->s, x->o, a->rec, c);
    }
    a->facts[a->nfacts++] = (RepFact){xstrdup(section), xstrdup(name), xstrdup(value), xstrdup(why),
                                      y ? report_rule_text(y) : NULL, terms};
}

static double cell(const Outcomes *o, int rec, int col)
{
    return out_cell(o, rec, col);
}

/* Appends "name" to a list joined by sep (", " or "; "). */
static void join(char **list, const char *name, const char *sep)
{
    size_t a = *list ? strlen(*list) : 0, b = strlen(name), n = strlen(sep);
    *list = xrealloc(*list, a + b + n + 1);
    if (a) memcpy(*list + a, sep, n), a += n;
    memcpy(*list + a, name, b + 1);
}

static const Sym *sym_named(const Policy *p, const char *name, SymKind kind)
{
    for (int i = 0; i < p->nsyms; i++)
        if (p->syms[i]->kind == kind && strcmp(p->syms[i]->name, name) == 0) return p->syms[i];
    return NULL;
}

/* The record field holding the current stage of stages block y, or -1. */
static int stage_field(const Policy *p, const Sym *y)
{
    for (int f = 0; f < p->nfields; f++)
        if (p->fields[f]->ty.kind == TY_STAGE && p->fields[f]->ty.en == y->ty.en) return f;
    return -1;
}

static double revenue_of(const Session *s, int rev, int rec)
{
    if (rev < 0) return 0;
    Value v = ses_value(s, rec, rev);
    return v.missing ? 0 : v.u.num;
}

static int cmp_account(const void *x, const void *y)
{
    const RepAccount *a = x, *b = y;
    if (a->score_v != b->score_v) return a->score_v < b->score_v ? 1 : -1;
    if (a->revenue != b->revenue) return a->revenue < b->revenue ? 1 : -1;
    return (a->rec > b->rec) - (a->rec < b->rec);
}

/* The key accounts (the first select) from the outcomes: their list rows. */
static void key_accounts(ReportDoc *d, Session *s, const Outcomes *o, int rev)
{
    int sel = -1, score = -1;
    for (int i = 0; i < o->ncols; i++) {
        if (o->cols[i].kind == SYM_SELECT && sel < 0) sel = i;
        if (o->cols[i].kind == SYM_SCORE && score < 0) score = i;
    }
    if (sel < 0) return;
    d->key_name = o->cols[sel].name;
    RepAccount *all = NULL;
    int n = 0, cap = 0;
    for (int r = 0; r < o->nrec; r++) {
        double v = cell(o, r, sel);
        if (isnan(v) || v == 0) continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            all = xrealloc(all, sizeof(RepAccount) * (size_t)cap);
        }
        RepAccount *a = &all[n++];
        memset(a, 0, sizeof *a);
        a->rec = r;
        a->key = s->keys[r];
        a->display = report_display_name(s, r);
        a->line = s->lines[r];
        a->revenue = revenue_of(s, rev, r);
        a->score_v = score >= 0 ? cell(o, r, score) : 0;
        if (score >= 0) report_num(a->score_v, NUM_PLAIN, a->score, sizeof a->score);
        char text[200];
        for (int c = 0; c < o->ncols; c++) {
            const OutCol *col = &o->cols[c];
            double x = cell(o, r, c);
            if (col->kind == SYM_TIER) {
                outcome_text(o, r, c, text, sizeof text);
                join(&a->tier, text, ", ");
            } else if (col->kind == SYM_STAGES) {
                const Sym *y = sym_named(s->pol, col->name, SYM_STAGES);
                int f = y ? stage_field(s->pol, y) : -1;
                outcome_text(o, r, c, text, sizeof text);
                if (f >= 0 && !isnan(x)) {
                    int from = (int)ses_value(s, r, f).u.i;
                    if (from != (int)x && from >= 0 && from < y->ty.en->n) {
                        char both[420];
                        snprintf(both, sizeof both, "%s \u2192 %s", y->ty.en->members[from], text);
                        join(&a->stage, both, ", ");
                        continue;
                    }
                }
                join(&a->stage, text, ", ");
            } else if (col->kind == SYM_ENTITLE && col->ent < 0 && x == 1) {
                const Sym *y = sym_named(s->pol, col->name, SYM_ENTITLE);
                const char *name = y && report_rule_text(y) ? report_rule_text(y) : col->name;
                char *terms = account_terms(s, o, r, c);
                if (terms) {
                    char *both = xmalloc(strlen(name) + strlen(terms) + 8);
                    sprintf(both, "%s \u2014 %s", name, terms);
                    join(&a->entitlements, both, "; ");
                    free(both);
                    free(terms);
                } else {
                    join(&a->entitlements, name, "; ");
                }
            } else if (col->kind == SYM_FLAG && x == 1) {
                const Sym *y = sym_named(s->pol, col->name, SYM_FLAG);
                join(&a->flags, y && report_rule_text(y) ? report_rule_text(y) : col->name, "; ");
            }
        }
        if (!a->tier) a->tier = xstrdup("");
        if (!a->stage) a->stage = xstrdup("");
        if (!a->entitlements) a->entitlements = xstrdup("");
        if (!a->flags) a->flags = xstrdup("");
    }
    if (n) qsort(all, (size_t)n, sizeof *all, cmp_account);
    /* keep the first MAX_LISTED; the headline counts them all */
    for (int i = MAX_LISTED; i < n; i++) {
        free(all[i].display);
        free(all[i].tier);
        free(all[i].stage);
        free(all[i].entitlements);
        free(all[i].flags);
    }
    d->accounts = all;
    d->naccounts = n < MAX_LISTED ? n : MAX_LISTED;
}

/* One card per key account (at most MAX_CARDS): explain's facts, with
 * the descriptions and the account's terms (from the outcomes o). */
static void cards(ReportDoc *d, Session *s, const Outcomes *o)
{
    for (int i = 0; i < d->naccounts && i < MAX_CARDS; i++) {
        RepAccount *a = &d->accounts[i];
        a->card = true;
        d->ncards++;
        /* what explain cannot say goes to stderr: keep it and show it */
        char *msg = NULL;
        size_t mlen = 0;
        FILE *err = open_memstream(&msg, &mlen);
        FILE *saved = s->err;
        if (err) s->err = err;
        CardCtx x = {a, s, o};
        int rc = explain_record_facts(s, a->rec, false, add_fact, &x);
        s->err = saved;
        if (err) fclose(err);
        if (rc != 0) {
            size_t k = msg ? strlen(msg) : 0;
            while (k && msg[k - 1] == '\n') msg[--k] = '\0';
            a->card_error = msg && *msg ? xstrdup(strncmp(msg, "kam: ", 5) == 0 ? msg + 5 : msg)
                                        : xstrdup("the account could not be explained");
        }
        free(msg);
    }
}

/* Marks the records the session's last evaluation could not evaluate. */
static void mark_failed(const Session *s, bool *failed)
{
    for (int i = 0; i < s->nerr; i++) failed[s->err_recs[i]] = true;
}

static long select_count(const Outcomes *o, const char *name)
{
    long n = 0;
    for (int c = 0; c < o->ncols; c++) {
        if (o->cols[c].kind != SYM_SELECT || strcmp(o->cols[c].name, name)) continue;
        for (int r = 0; r < o->nrec; r++) n += cell(o, r, c) == 1;
    }
    return n;
}

/* A changed score or term's exact text (outcome_text: every digit) as
 * people read it, in place, as kam diff shows it: 72.5, 1,250, 12%. */
static void people(const OutChange *c, char *text)
{
    bool num = c->kind == SYM_SCORE ||
               (c->term && (c->tkind == RT_INT || c->tkind == RT_NUMBER || c->tkind == RT_MONEY ||
                            c->tkind == RT_PERCENT));
    char *end;
    double v = strtod(text, &end);
    if (!num || end == text || *end) return;
    char nb[NUM_TEXT_MAX];
    if (c->kind == SYM_SCORE && !c->term) {
        report_num(v, NUM_PLAIN, nb, sizeof nb);
    } else {
        Value x = val_num(v);
        fmt_rt_value((RtType){c->tkind, false, NULL}, &x, nb, sizeof nb);
    }
    size_t n = strlen(nb);
    if (n >= sizeof c->before) n = sizeof c->before - 1;
    memcpy(text, nb, n);
    text[n] = '\0';
}

/* The what-if: the accounts whose outcome differs, as kam diff counts them. */
static void whatif(ReportDoc *d, const Session *s, const Outcomes *before, const Outcomes *after,
                   const bool *failed, int rev)
{
    d->whatif = true;
    for (int r = 0; r < after->nrec; r++) {
        if (failed[r]) {
            d->not_compared++;
            continue;
        }
        if (!diff_in_scope(after, r)) continue;
        OutChange ch[256];
        int n = outcomes_changes(before, r, after, r, ch, 256);
        if (!n) continue;
        d->changed++;
        d->changed_revenue += revenue_of(s, rev, r);
        if (d->nchanges == MAX_LISTED) continue;
        d->changes = xrealloc(d->changes, sizeof(RepChange) * (size_t)(d->nchanges + 1));
        RepChange *c = &d->changes[d->nchanges++];
        c->key = s->keys[r];
        c->display = report_display_name(s, r);
        c->revenue = revenue_of(s, rev, r);
        c->nch = n < 256 ? n : 256;
        c->ch = xmalloc(sizeof(OutChange) * (size_t)c->nch);
        memcpy(c->ch, ch, sizeof(OutChange) * (size_t)c->nch);
        for (int k = 0; k < c->nch; k++) {
            people(&c->ch[k], c->ch[k].before);
            people(&c->ch[k], c->ch[k].after);
        }
    }
    for (int c = 0; c < after->ncols; c++) {
        if (after->cols[c].kind != SYM_SELECT) continue;
        d->selcounts = xrealloc(d->selcounts, sizeof(RepSelCount) * (size_t)(d->nselcounts + 1));
        d->selcounts[d->nselcounts++] = (RepSelCount){after->cols[c].name,
                                                      select_count(before, after->cols[c].name),
                                                      select_count(after, after->cols[c].name)};
    }
}

/* The breakdowns from the summary accumulator. */
static void breakdowns(ReportDoc *d, const Summary *sum, const Chunk *c)
{
    d->records = summary_records(sum);
    int n = summary_nrows(sum);
    d->groups = xcalloc((size_t)n + 1, sizeof(RepGroup));
    d->items = xcalloc((size_t)n + 1, sizeof(RepItem));
    for (int i = 0; i < n; i++) {
        SummaryRow r = summary_row(sum, i);
        const Sym *y = r.sym;
        if (y->kind == SYM_TIER || y->kind == SYM_STAGES) {
            RepGroup *g = &d->groups[d->ngroups++];
            const EnumInfo *en = y->ty.en;
            g->name = y->name;
            g->text = report_rule_text(y);
            if (y->kind == SYM_TIER && y->decl) {
                g->labels = xcalloc((size_t)en->n + 1, sizeof(char *));
                for (int b = 0; b < y->decl->items.len; b++) {
                    const TierBranch *tb = y->decl->items.items[b];
                    for (int m = 0; m < en->n; m++)
                        if (!g->labels[m] && strcmp(en->members[m], tb->name.name) == 0) g->labels[m] = tb->label;
                }
            } else if (y->kind == SYM_STAGES && y->decl) {
                g->trans = xcalloc((size_t)y->decl->items.len + 1, sizeof(RepTransition));
                for (int t = 0; t < y->decl->items.len; t++) {
                    const Transition *tr = y->decl->items.items[t];
                    g->trans[g->ntrans++] = (RepTransition){tr->from_any ? NULL : tr->from.name, tr->to.name,
                                                            tr->label};
                }
            }
            g->stages = y->kind == SYM_STAGES;
            g->nmembers = en->n;
            g->members = (const char *const *)en->members;
            g->moves = r.moves;
            g->bars = xcalloc((size_t)en->n + 1, sizeof(RepBar));
            for (int m = 0; m <= en->n; m++) {
                if (m == en->n && !r.counts[m]) break;
                g->bars[g->nbars++] = (RepBar){m < en->n ? en->members[m] : "(none)", r.counts[m],
                                               r.revenue ? r.revenue[m] : 0};
            }
            if (g->stages)
                for (int from = 0; from < en->n; from++)
                    for (int to = 0; to < en->n; to++)
                        if (from != to) g->moved += r.moves[from * en->n + to];
            d->moving += g->moved;
        } else {
            RepItem *it = &d->items[d->nitems++];
            it->kind = y->kind;
            it->name = y->name;
            it->text = report_rule_text(y);
            it->terms = y->kind == SYM_ENTITLE ? report_terms(&r, c, &it->nterms) : NULL;
            it->accounts = r.counts[0];
            it->revenue = r.revenue ? r.revenue[0] : 0;
            if (y->kind == SYM_SELECT && d->key_name && strcmp(y->name, d->key_name) == 0) {
                d->key_desc = it->text;
                d->key_accounts = r.counts[0];
                d->key_revenue = it->revenue;
            }
        }
    }
}

static void doc_free(ReportDoc *d)
{
    free(d->portfolio);     /* its strings are the SesPortfolio's */
    for (int i = 0; i < d->ngroups; i++) {
        free(d->groups[i].bars);
        free(d->groups[i].labels);
        free(d->groups[i].trans);
    }
    free(d->groups);
    for (int i = 0; i < d->nitems; i++) {
        for (int k = 0; k < d->items[i].nterms; k++) {
            RepTerm *t = &d->items[i].terms[k];
            for (int v = 0; v < t->nvals; v++) {
                free(t->vals[v].key);
                free(t->vals[v].shown);
            }
            free(t->vals);
            free(t->label);
            free(t->min_shown);
            free(t->max_shown);
        }
        free(d->items[i].terms);
    }
    free(d->items);
    for (int i = 0; i < d->naccounts; i++) {
        RepAccount *a = &d->accounts[i];
        free(a->display);
        free(a->tier);
        free(a->stage);
        free(a->entitlements);
        free(a->flags);
        for (int k = 0; k < a->nfacts; k++) {
            free(a->facts[k].section);
            free(a->facts[k].name);
            free(a->facts[k].value);
            free(a->facts[k].why);
            free(a->facts[k].terms);
        }
        free(a->facts);
        free(a->card_error);
    }
    free(d->accounts);
    for (int i = 0; i < d->nchanges; i++) {
        free(d->changes[i].ch);
        free(d->changes[i].display);
    }
    free(d->changes);
    free(d->selcounts);
}

/* Writes the finished document to -o FILE (through a temporary file) or to
 * standard output. An exit status. */
static int deliver(const char *text, size_t len, const char *out_path, const Session *s)
{
    if (!out_path || strcmp(out_path, "-") == 0) {
        if (fwrite(text, 1, len, stdout) != len || fflush(stdout) != 0) {
            fprintf(stderr, "kam: writing the report failed: %s\n", strerror(errno));
            cli_stdout_failure_said();
            return EXIT_USAGE;
        }
        return EXIT_OK;
    }
    int n = s->pol->src.n;
    OutInput *in = xmalloc(sizeof *in * (size_t)(n + 1));
    in[0] = (OutInput){s->data_path, "the data file"};
    for (int i = 0; i < n; i++)
        in[i + 1] = (OutInput){s->pol->src.files[i]->path, i ? "a file the policy imports" : "the policy"};
    char err[4200];
    OutFile *of = outfile_open(out_path, in, n + 1, err, sizeof err);
    free(in);
    if (!of) {
        fprintf(stderr, "kam: %s\n", err);
        return EXIT_USAGE;
    }
    FILE *f = outfile_stream(of);
    if (fwrite(text, 1, len, f) != len) {
        fprintf(stderr, "kam: writing %s failed: %s; nothing was written\n", out_path, strerror(errno));
        outfile_abort(of);
        return EXIT_USAGE;
    }
    if (outfile_commit(of, err, sizeof err) != 0) {
        fprintf(stderr, "kam: %s\n", err);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

static int report(const char *policy, const char *data, const RunOptions *o, bool md)
{
    Session s;
    ses_init(&s, stderr, stderr);
    ReportDoc d;
    memset(&d, 0, sizeof d);
    Outcomes before, after;
    memset(&before, 0, sizeof before);
    memset(&after, 0, sizeof after);
    SesPortfolio pf_before, pf_after;
    memset(&pf_before, 0, sizeof pf_before);
    memset(&pf_after, 0, sizeof pf_after);
    bool *failed = NULL;
    Feed fd = {NULL, -1, NULL};
    char *text = NULL;
    size_t len = 0;
    int status = EXIT_OK;
    if (o->as_of) ses_set_today(&s, o->as_of);
    s.input = o->input;
    if (ses_load_policy(&s, policy) != 0) {
        status = eng_exit_code(s.status);
        goto done;
    }
    fd.revenue = run_revenue_field(s.pol, o->revenue, &fd.why);
    if (fd.revenue == -2) {
        status = EXIT_USAGE;
        goto done;
    }
    if (o->where) {
        if (!ses_parse_expr(&s, o->where, "--where", ty_make(TY_BOOL))) {
            status = EXIT_USAGE;
            goto done;
        }
        s.where = xstrdup(o->where);
    }
    s.used_only = true;         /* the fields kam run --summary reads: the same records */
    s.keep_field = fd.revenue;
    if (ses_load_data(&s, data) != 0) {
        status = eng_exit_code(s.status);
        goto done;
    }
    if (s.data_stopped) {       /* a report of part of the data is no report */
        fprintf(stderr, "kam: no report: the data could not be read to its end\n");
        status = EXIT_DATA;
        goto done;
    }
    failed = xcalloc((size_t)s.nrec + 1, sizeof(bool));
    if (o->nsets) {             /* the outcomes without the what-if, to compare */
        if (ses_outcomes(&s, &before, true) < 0) {
            status = s.status ? eng_exit_code(s.status) : EXIT_USAGE;
            goto done;
        }
        mark_failed(&s, failed);
        if (ses_portfolio_eval(&s, &pf_before) < 0) {
            status = eng_exit_code(s.status);
            goto done;
        }
    }
    for (int i = 0; i < o->nsets; i++) {
        char name[256];
        const char *eq = strchr(o->sets[i], '=');
        snprintf(name, sizeof name, "%.*s", (int)(eq - o->sets[i]), o->sets[i]);
        if (ses_set(&s, name, eq + 1) != 0) {
            status = EXIT_USAGE;
            goto done;
        }
    }
    if (ses_outcomes(&s, &after, true) < 0) {
        status = s.status ? eng_exit_code(s.status) : EXIT_USAGE;
        goto done;
    }
    mark_failed(&s, failed);
    if (ses_portfolio_eval(&s, &pf_after) < 0) {
        status = eng_exit_code(s.status);
        goto done;
    }
    if (ses_eval(&s, NULL, 0, true, feed, &fd) < 0) {
        status = s.status ? eng_exit_code(s.status) : EXIT_USAGE;
        goto done;
    }
    if (!fd.sum) fd.sum = summary_new_for(s.pol, s.chunk, fd.revenue, fd.why);
    d.left_out = s.data_bad + s.nerr;

    d.title = s.pol->title && *s.pol->title ? s.pol->title : policy;
    d.policy_path = policy;
    d.data_path = data;
    date_format(s.today, d.as_of);
    d.where = o->where;
    d.sets = o->sets;
    d.nsets = o->nsets;
    d.rev_name = fd.revenue >= 0 ? s.pol->fields[fd.revenue]->name.name : NULL;
    d.rev_why = fd.why;
    d.nportfolio = pf_after.n;
    d.portfolio = xcalloc((size_t)pf_after.n + 1, sizeof(RepPortfolio));
    for (int i = 0; i < pf_after.n; i++) {
        RepPortfolio *rp = &d.portfolio[i];
        rp->name = pf_after.names[i];
        rp->text = pf_after.descs[i];
        rp->value = pf_after.vals[i];
        rp->why = pf_after.whys[i];
        rp->before = o->nsets ? -2 : rp->value;
        for (int j = 0; o->nsets && j < pf_before.n; j++)
            if (strcmp(pf_before.names[j], rp->name) == 0) rp->before = pf_before.vals[j];
    }
    key_accounts(&d, &s, &after, fd.revenue);
    for (int r = 0; r < after.nrec; r++)        /* the accounts counted: in scope, evaluated */
        if (diff_in_scope(&after, r)) d.revenue_total += revenue_of(&s, fd.revenue, r);
    breakdowns(&d, fd.sum, s.chunk);
    if (o->nsets) whatif(&d, &s, &before, &after, failed, fd.revenue);
    cards(&d, &s, &after);

    FILE *m = open_memstream(&text, &len);
    if (!m || (md ? report_write_md(&d, m) : report_write_html(&d, m)) != 0) {
        fprintf(stderr, "kam: cannot build the report: %s\n", strerror(errno));
        if (m) fclose(m);
        status = EXIT_USAGE;
        goto done;
    }
    fclose(m);
    status = deliver(text, len, o->out_path, &s);
    if (status == EXIT_OK && d.left_out) {
        fprintf(stderr, "kam: %ld record%s left out with data errors; the report says so\n",
                d.left_out, d.left_out == 1 ? " was" : "s were");
        status = EXIT_DATA;
    }
done:
    free(text);
    doc_free(&d);
    ses_portfolio_free(&pf_before);
    ses_portfolio_free(&pf_after);
    if (fd.sum) summary_free(fd.sum);
    free(failed);
    outcomes_free(&before);
    outcomes_free(&after);
    ses_free(&s);
    return status;
}

int cmd_report(int argc, char **argv)
{
    RunOptions o;
    run_options_init(&o);
    const char *pos[2];
    int npos = 0;
    const char *format = "html";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *val = NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            help();
            return EXIT_OK;
        }
        if (strcmp(a, "--on-error") == 0 || strncmp(a, "--on-error=", 11) == 0)
            return cli_usage_error("report", "--on-error does not apply: the report counts the records "
                                             "left out and shows how many");
        int used = run_parse_common(&o, argc, argv, i, "report");
        if (used < 0) return EXIT_USAGE;
        if (used > 0) {
            i += used - 1;
        } else if (cli_opt_value(argc, argv, &i, "--out", &val) || cli_opt_value(argc, argv, &i, "-o", &val)) {
            if (!val || !*val) return cli_usage_error("report", "-o needs a file name (or - for standard output)");
            o.out_path = val;
        } else if (cli_opt_value(argc, argv, &i, "--format", &val)) {
            if (!val || (strcmp(val, "html") && strcmp(val, "md")))
                return cli_usage_error("report", "--format takes html or md");
            format = val;
        } else if (cli_opt_value(argc, argv, &i, "--revenue", &val)) {
            if (!val) return cli_usage_error("report", "--revenue needs the name of a money field");
            o.revenue = val;
        } else if (a[0] == '-' && a[1] != '\0') {
            return cli_usage_error("report", "unknown option '%s'", a);
        } else if (npos < 2) {
            pos[npos++] = a;
        } else {
            return cli_usage_error("report", "too many arguments: '%s' (expected POLICY DATA)", a);
        }
    }
    if (npos < 2) return cli_usage_error("report", npos ? "no data file given" : "no policy file given");
    bool md = strcmp(format, "md") == 0;
    bool to_stdout = !o.out_path || strcmp(o.out_path, "-") == 0;
    if (to_stdout && !md && isatty(STDOUT_FILENO))
        return cli_usage_error("report", "the HTML report is a file to open in a browser: give -o "
                                         "report.html (or --format md to read it here)");
    return report(pos[0], pos[1], &o, md);
}
