/* cmd_report.c — `kam report POLICY DATA -o report.html`: the decisions of
 * a policy over a portfolio, for people who do not read policies. It loads
 * the policy and the data into a session (session.h), evaluates through the
 * one engine as kam run, diff and explain do, and fills a ReportDoc
 * (report_doc.h): the headline figures and the breakdowns from the --summary
 * accumulator (report.h), the key accounts from the session's outcomes,
 * their cards from explain_record_facts (explain.h), the what-if section
 * from kam diff's rule (diff.h). report_html.c and report_md.c write it;
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
          "  --input csv|jsonl|sqlite  the data's format (default: from its name)\n"
          "  --table NAME              the SQLite table (default: the record's name)\n"
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

/* A rule's description for people: a flag's text today; the description of
 * a select, tier, stages block or entitlement when the language has one
 * (the same Decl string). NULL if none. */
static const char *report_rule_text(const Sym *y)
{
    return y->decl && y->decl->str && y->decl->str[0] ? y->decl->str : NULL;
}

/* An entitlement's terms: its `with { ... }` as written in the policy, until
 * the terms are compiled into the chunk and can be shown per account. NULL
 * if it has none. */
static char *report_terms(const Policy *p, const Sym *y)
{
    if (!y->decl || !y->decl->attrs.len) return NULL;
    char *out = NULL;
    size_t n = 0;
    FILE *m = open_memstream(&out, &n);
    if (!m) return NULL;
    for (int i = 0; i < y->decl->attrs.len; i++) {
        const Attr *a = y->decl->attrs.items[i];
        const Span sp = a->value->span;
        const SrcFile *f = sp.file >= 0 && sp.file < p->src.n ? p->src.files[sp.file] : NULL;
        fprintf(m, "%s%s: ", i ? ", " : "", a->name.name);
        if (f && sp.end <= f->len && sp.start <= sp.end)
            fwrite(f->text + sp.start, 1, sp.end - sp.start, m);
    }
    fclose(m);
    return out;
}

/* The account's display name (the policy's `display name` field), or NULL:
 * the key alone names it until the language has one. */
static const char *report_display_name(const Session *s, int rec)
{
    (void)s, (void)rec;
    return NULL;
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

static void add_fact(void *ud, const char *section, const char *name, const char *value, const char *why)
{
    RepAccount *a = ud;
    if (a->nfacts == a->capfacts) {
        a->capfacts = a->capfacts ? a->capfacts * 2 : 32;
        a->facts = xrealloc(a->facts, sizeof(RepFact) * (size_t)a->capfacts);
    }
    a->facts[a->nfacts++] = (RepFact){xstrdup(section), xstrdup(name), xstrdup(value), xstrdup(why)};
}

static double cell(const Outcomes *o, int rec, int col)
{
    return o->v[(size_t)rec * (size_t)o->ncols + (size_t)col];
}

/* Appends "name" to a ", "-joined list. */
static void join(char **list, const char *name)
{
    size_t a = *list ? strlen(*list) : 0, b = strlen(name);
    *list = xrealloc(*list, a + b + 3);
    if (a) memcpy(*list + a, ", ", 2), a += 2;
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
    const Value *v = &s->vals[(size_t)rec * (size_t)s->nfields + (size_t)rev];
    return v->missing ? 0 : v->u.num;
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
                join(&a->tier, text);
            } else if (col->kind == SYM_STAGES) {
                const Sym *y = sym_named(s->pol, col->name, SYM_STAGES);
                int f = y ? stage_field(s->pol, y) : -1;
                outcome_text(o, r, c, text, sizeof text);
                if (f >= 0 && !isnan(x)) {
                    int from = (int)s->vals[(size_t)r * (size_t)s->nfields + (size_t)f].u.i;
                    if (from != (int)x && from >= 0 && from < y->ty.en->n) {
                        char both[420];
                        snprintf(both, sizeof both, "%s \u2192 %s", y->ty.en->members[from], text);
                        join(&a->stage, both);
                        continue;
                    }
                }
                join(&a->stage, text);
            } else if (col->kind == SYM_ENTITLE && x == 1) {
                join(&a->entitlements, col->name);
            } else if (col->kind == SYM_FLAG && x == 1) {
                join(&a->flags, col->name);
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
        free(all[i].tier);
        free(all[i].stage);
        free(all[i].entitlements);
        free(all[i].flags);
    }
    d->accounts = all;
    d->naccounts = n < MAX_LISTED ? n : MAX_LISTED;
}

/* One card per key account (at most MAX_CARDS): explain's facts. */
static void cards(ReportDoc *d, Session *s)
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
        int rc = explain_record_facts(s, a->rec, false, add_fact, a);
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
static void breakdowns(ReportDoc *d, const Policy *p, const Summary *sum)
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
            it->terms = y->kind == SYM_ENTITLE ? report_terms(p, y) : NULL;
            it->accounts = r.counts[0];
            it->revenue = r.revenue ? r.revenue[0] : 0;
            if (y->kind == SYM_SELECT && d->key_name && strcmp(y->name, d->key_name) == 0) {
                d->key_accounts = r.counts[0];
                d->key_revenue = it->revenue;
            }
        }
    }
}

static void doc_free(ReportDoc *d)
{
    for (int i = 0; i < d->ngroups; i++) free(d->groups[i].bars);
    free(d->groups);
    for (int i = 0; i < d->nitems; i++) free(d->items[i].terms);
    free(d->items);
    for (int i = 0; i < d->naccounts; i++) {
        RepAccount *a = &d->accounts[i];
        free(a->tier);
        free(a->stage);
        free(a->entitlements);
        free(a->flags);
        for (int k = 0; k < a->nfacts; k++) {
            free(a->facts[k].section);
            free(a->facts[k].name);
            free(a->facts[k].value);
            free(a->facts[k].why);
        }
        free(a->facts);
        free(a->card_error);
    }
    free(d->accounts);
    for (int i = 0; i < d->nchanges; i++) free(d->changes[i].ch);
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
    key_accounts(&d, &s, &after, fd.revenue);
    for (int r = 0; r < after.nrec; r++)        /* the accounts counted: in scope, evaluated */
        if (diff_in_scope(&after, r)) d.revenue_total += revenue_of(&s, fd.revenue, r);
    breakdowns(&d, s.pol, fd.sum);
    if (o->nsets) whatif(&d, &s, &before, &after, failed, fd.revenue);
    cards(&d, &s);

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
