/* report_md.c — writes a ReportDoc (report_doc.h) as Markdown with the same
 * content as the HTML page: the headline figures, the tiers and stages as
 * tables (a text bar instead of the chart), the stage-move matrix, the
 * selections, entitlements and flags, the key-account list, the cards and
 * the what-if. Every text from the data or the policy goes through md():
 * Markdown's own punctuation is escaped, and < > & become entities, so raw
 * HTML in a name is shown, never rendered. It computes nothing. */
#define _POSIX_C_SOURCE 200809L
#include "report_doc.h"
#include "cli.h"

#include <string.h>

/* Text for a Markdown paragraph or table cell. */
static void md(FILE *o, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        unsigned char c = *p;
        if (c == '&') fputs("&amp;", o);
        else if (c == '<') fputs("&lt;", o);
        else if (c == '>') fputs("&gt;", o);
        else if (c == '\n' || c == '\r' || c == '\t') fputc(' ', o);
        else if (c < 0x20 || c == 0x7f) fputs("\xef\xbf\xbd", o);
        else if (strchr("\\`*_[]|#~", c)) fprintf(o, "\\%c", c);
        else fputc(c, o);
    }
}

static void num(FILE *o, double v, NumKind k)
{
    char nb[128];
    report_num(v, k, nb, sizeof nb);
    fputs(nb, o);
}

/* A rule for people: "Key account (key\_account)", or the name. */
static void rule_title(FILE *o, const char *name, const char *desc)
{
    if (desc) {
        md(o, desc);
        fputs(" (", o);
    }
    md(o, name);
    if (desc) fputs(")", o);
}

static bool has_stages(const ReportDoc *d)
{
    for (int i = 0; i < d->ngroups; i++)
        if (d->groups[i].stages) return true;
    return false;
}

static double share(long n, long of)
{
    return of ? (double)n / (double)of : 0;
}

static void bar(FILE *o, double v, double max)
{
    int w = max > 0 ? (int)(v / max * 20 + 0.5) : 0;
    if (v > 0 && w == 0) w = 1;
    for (int i = 0; i < w; i++) fputs("\u2588", o);
}

static void headline(FILE *o, const ReportDoc *d)
{
    fputs("## At a glance\n\n| figure | value |\n|---|---:|\n| accounts | ", o);
    num(o, (double)d->records, NUM_INT);
    fputs(" |\n", o);
    if (d->key_name) {
        fputs("| key accounts (", o);
        md(o, d->key_desc ? d->key_desc : d->key_name);
        fputs(") | ", o);
        num(o, (double)d->key_accounts, NUM_INT);
        fputs(" |\n", o);
    }
    if (d->rev_name) {
        fputs("| revenue (", o);
        md(o, d->rev_name);
        fputs(") | ", o);
        num(o, d->revenue_total, NUM_MONEY);
        fputs(" |\n", o);
        if (d->key_name) {
            fputs("| revenue carried by key accounts | ", o);
            num(o, d->key_revenue, NUM_MONEY);
            fputs(" (", o);
            num(o, d->revenue_total ? d->key_revenue / d->revenue_total : 0, NUM_PERCENT);
            fputs(") |\n", o);
        }
    }
    if (has_stages(d)) {
        fputs("| accounts moving stage | ", o);
        num(o, (double)d->moving, NUM_INT);
        fputs(" |\n", o);
    }
    fputs("| records left out (data errors) | ", o);
    num(o, (double)d->left_out, NUM_INT);
    fputs(" |\n\n", o);
    if (!d->rev_name && d->rev_why) {
        fputs("Revenue is not shown: ", o);
        md(o, d->rev_why);
        fputs(".\n\n", o);
    }
    if (d->left_out)
        fprintf(o, "**%ld record%s of the data could not be read or evaluated and %s not counted anywhere "
                   "in this report;** `kam run` lists them with the reason.\n\n",
                d->left_out, d->left_out == 1 ? "" : "s", d->left_out == 1 ? "is" : "are");
}

static void group(FILE *o, const ReportDoc *d, const RepGroup *g)
{
    fprintf(o, "## %s: ", g->stages ? "Stage" : "Tier");
    rule_title(o, g->name, g->text);
    fputs("\n\n", o);
    if (g->stages) fputs("Each account's stage after this run's moves.\n\n", o);
    double max = 0;
    for (int i = 0; i < g->nbars; i++)
        if (g->bars[i].accounts > max) max = (double)g->bars[i].accounts;
    bool labels = false;
    for (int i = 0; g->labels && i < g->nmembers; i++) labels |= g->labels[i] != NULL;
    fprintf(o, "| %s |%s accounts | | share |", g->stages ? "stage" : "tier", labels ? " what it means |" : "");
    if (d->rev_name) {
        fputc(' ', o);
        md(o, d->rev_name);
        fputs(" |", o);
    }
    fprintf(o, "\n|---|%s---:|---|---:|%s\n", labels ? "---|" : "", d->rev_name ? "---:|" : "");
    for (int i = 0; i < g->nbars; i++) {
        const RepBar *b = &g->bars[i];
        fputs("| ", o);
        md(o, b->label);
        fputs(" | ", o);
        if (labels) {
            if (i < g->nmembers && g->labels[i]) md(o, g->labels[i]);
            fputs(" | ", o);
        }
        num(o, (double)b->accounts, NUM_INT);
        fputs(" | ", o);
        bar(o, (double)b->accounts, max);
        fputs(" | ", o);
        num(o, share(b->accounts, d->records), NUM_PERCENT);
        fputs(" |", o);
        if (d->rev_name) {
            fputc(' ', o);
            num(o, b->revenue, NUM_MONEY);
            fputs(" |", o);
        }
        fputc('\n', o);
    }
    fputc('\n', o);
    if (!g->stages) return;
    fputs("### Stage moves: from (rows) to (columns)\n\n| from \\\\ to |", o);
    for (int t = 0; t < g->nmembers; t++) {
        fputc(' ', o);
        md(o, g->members[t]);
        fputs(" |", o);
    }
    fputs("\n|---|", o);
    for (int t = 0; t < g->nmembers; t++) fputs("---:|", o);
    fputc('\n', o);
    for (int f = 0; f < g->nmembers; f++) {
        fputs("| ", o);
        md(o, g->members[f]);
        fputs(" |", o);
        for (int t = 0; t < g->nmembers; t++) {
            long c = g->moves[f * g->nmembers + t];
            if (!c) fputs(" · |", o);
            else if (f != t) fprintf(o, " **%ld** |", c);
            else fprintf(o, " %ld |", c);
        }
        fputc('\n', o);
    }
    fprintf(o, "\n%ld account%s move%s stage (in bold: the moves; the diagonal: the accounts that stay).\n\n",
            g->moved, g->moved == 1 ? "" : "s", g->moved == 1 ? "s" : "");
    if (!g->ntrans) return;
    fputs("How an account moves (the first move that applies):\n\n", o);
    for (int t = 0; t < g->ntrans; t++) {
        const RepTransition *tr = &g->trans[t];
        fputs("- ", o);
        if (tr->from) md(o, tr->from);
        else fputs("any stage", o);
        fputs(" \u2192 ", o);
        md(o, tr->to);
        if (tr->label) {
            fputs(": ", o);
            md(o, tr->label);
        }
        fputc('\n', o);
    }
    fputc('\n', o);
}

/* The entitlements' terms among the accounts that hold them (the JSON
 * summary's terms). */
static void terms(FILE *o, const ReportDoc *d)
{
    bool any = false;
    for (int i = 0; i < d->nitems; i++) any |= d->items[i].nterms > 0;
    if (!any) return;
    fputs("### Terms among the accounts entitled\n\n| entitlement | term | accounts | values (accounts) | lowest "
          "| highest |\n|---|---|---:|---|---:|---:|\n", o);
    for (int i = 0; i < d->nitems; i++) {
        const RepItem *it = &d->items[i];
        for (int k = 0; k < it->nterms; k++) {
            const RepTerm *t = &it->terms[k];
            fputs("| ", o);
            rule_title(o, it->name, it->text);
            fputs(" | ", o);
            md(o, t->label);
            fputs(" | ", o);
            num(o, (double)t->accounts, NUM_INT);
            fputs(" | ", o);
            if (!t->accounts) fputs("no account holds it", o);
            else if (t->more) fputs("many different values", o);
            for (int v = 0; !t->more && v < t->nvals; v++) {
                fputs(v ? ", " : "", o);
                md(o, t->vals[v].shown);
                fputs(" (", o);
                num(o, (double)t->vals[v].accounts, NUM_INT);
                fputs(")", o);
            }
            fputs(" | ", o);
            if (t->range) {
                md(o, t->min_shown);
                fputs(" | ", o);
                md(o, t->max_shown);
            } else {
                fputs("\u2014 | \u2014", o);
            }
            fputs(" |\n", o);
        }
    }
    fputc('\n', o);
}

static void items(FILE *o, const ReportDoc *d)
{
    static const struct { SymKind kind; const char *title, *col; } kinds[] = {
        {SYM_SELECT, "Selections", "selection"},
        {SYM_ENTITLE, "Entitlements", "entitlement"},
        {SYM_FLAG, "Flags", "flag"},
    };
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        int n = 0;
        for (int i = 0; i < d->nitems; i++) n += d->items[i].kind == kinds[k].kind;
        if (!n) continue;
        fprintf(o, "## %s\n\n| %s | what it means | accounts | share |%s\n|---|---|---:|---:|%s\n",
                kinds[k].title, kinds[k].col, d->rev_name ? " revenue carried |" : "",
                d->rev_name ? "---:|" : "");
        for (int i = 0; i < d->nitems; i++) {
            const RepItem *it = &d->items[i];
            if (it->kind != kinds[k].kind) continue;
            fputs("| ", o);
            md(o, it->name);
            fputs(" | ", o);
            if (it->text) md(o, it->text);
            fputs(" | ", o);
            num(o, (double)it->accounts, NUM_INT);
            fputs(" | ", o);
            num(o, share(it->accounts, d->records), NUM_PERCENT);
            fputs(" |", o);
            if (d->rev_name) {
                fputc(' ', o);
                num(o, it->revenue, NUM_MONEY);
                fputs(" |", o);
            }
            fputc('\n', o);
        }
        fputc('\n', o);
        if (kinds[k].kind == SYM_ENTITLE) terms(o, d);
    }
}

static void key_list(FILE *o, const ReportDoc *d)
{
    fputs("## Key accounts\n\n", o);
    if (!d->key_name) {
        fputs("The policy selects no key accounts (it has no `select`).\n\n", o);
        return;
    }
    if (!d->naccounts) {
        fputs("No account is selected.\n\n", o);
        return;
    }
    fputs("The accounts selected as ", o);
    rule_title(o, d->key_name, d->key_desc);
    fprintf(o, ", highest score first%s.", d->rev_name ? ", then highest revenue" : "");
    if (d->key_accounts > d->naccounts)
        fprintf(o, " The first %d of %ld are listed.", d->naccounts, d->key_accounts);
    bool score = d->accounts[0].score[0];
    fprintf(o, "\n\n| # | account |%s tier | stage | entitlements | flags |", score ? " score |" : "");
    if (d->rev_name) {
        fputc(' ', o);
        md(o, d->rev_name);
        fputs(" |", o);
    }
    fprintf(o, "\n|---:|---|%s---|---|---|---|%s\n", score ? "---:|" : "", d->rev_name ? "---:|" : "");
    for (int i = 0; i < d->naccounts; i++) {
        const RepAccount *a = &d->accounts[i];
        fprintf(o, "| %d | ", i + 1);
        md(o, a->key);
        if (a->display) {
            fputs(" (", o);
            md(o, a->display);
            fputs(")", o);
        }
        fputs(" |", o);
        if (score) fprintf(o, " %s |", a->score);
        fputc(' ', o);
        md(o, a->tier);
        fputs(" | ", o);
        md(o, a->stage);
        fputs(" | ", o);
        md(o, a->entitlements);
        fputs(" | ", o);
        md(o, a->flags);
        fputs(" |", o);
        if (d->rev_name) {
            fputc(' ', o);
            num(o, a->revenue, NUM_MONEY);
            fputs(" |", o);
        }
        fputc('\n', o);
    }
    fputc('\n', o);
}

static const char *flag_text(const ReportDoc *d, const char *name)
{
    for (int i = 0; i < d->nitems; i++)
        if (d->items[i].kind == SYM_FLAG && strcmp(d->items[i].name, name) == 0) return d->items[i].text;
    return NULL;
}

static void card(FILE *o, const ReportDoc *d, const RepAccount *a)
{
    fputs("### ", o);
    md(o, a->key);
    if (a->display) {
        fputs(" — ", o);
        md(o, a->display);
    }
    fputs("\n\n", o);
    if (a->card_error) {
        fputs("No explanation: ", o);
        md(o, a->card_error);
        fputs("\n\n", o);
        return;
    }
    for (int i = 0; i < a->nfacts; i++) {
        const RepFact *f = &a->facts[i];
        if (strcmp(f->section, "score")) continue;
        fputs("Score **", o);
        rule_title(o, f->name, f->desc);
        fputs("**: ", o);
        md(o, f->value);
        fputs(" points, from:\n\n", o);
        bool any = false;
        size_t plen = strlen(f->name);
        for (int k = i + 1; k < a->nfacts; k++) {
            const RepFact *c = &a->facts[k];
            if (strcmp(c->section, "criterion") || strncmp(c->name, f->name, plen) || c->name[plen] != '.')
                continue;
            if (strcmp(c->value, "0") == 0) continue;
            any = true;
            fprintf(o, "- %s", c->value[0] == '-' ? "" : "+");
            md(o, c->value);
            fputc(' ', o);
            md(o, c->name + plen + 1);
            fputs(": ", o);
            md(o, c->why);
            fputc('\n', o);
        }
        if (!any) fputs("- no criterion held\n", o);
        fputc('\n', o);
    }
    for (int i = 0; i < a->nfacts; i++) {
        const RepFact *f = &a->facts[i];
        if (strcmp(f->section, "select") == 0) {
            fprintf(o, "%s **", strcmp(f->value, "true") == 0 ? "Selected as" : "Not selected as");
            rule_title(o, f->name, f->desc);
            fputs("** because ", o);
            md(o, f->why);
            fputs(".\n\n", o);
        } else if (strcmp(f->section, "tier") == 0 || strcmp(f->section, "stages") == 0) {
            bool tier = f->section[0] == 't';
            fprintf(o, "%s **", tier ? "Tier" : "Stage");
            md(o, tier ? f->value : a->stage);
            fputs("** (", o);
            md(o, f->desc ? f->desc : f->name);
            fputs("): ", o);
            md(o, f->why);
            fputs(".\n\n", o);
        }
    }
    for (int pass = 0; pass < 2; pass++) {
        const char *sec = pass ? "flag" : "entitlement";
        bool open = false;
        for (int i = 0; i < a->nfacts; i++) {
            const RepFact *f = &a->facts[i];
            if (strcmp(f->section, sec) || strcmp(f->value, "yes")) continue;
            if (!open) fprintf(o, "%s\n\n", pass ? "Flags raised:" : "Entitled to:");
            open = true;
            fputs("- **", o);
            if (pass) md(o, f->name);
            else rule_title(o, f->name, f->desc);
            fputs("**", o);
            const char *extra = pass ? flag_text(d, f->name) : f->terms;
            if (extra) {
                fputs(" — ", o);
                md(o, extra);
            }
            fputs(": ", o);
            md(o, f->why);
            fputc('\n', o);
        }
        fputs(open ? "\n" : pass ? "No flags raised.\n\n" : "No entitlements.\n\n", o);
    }
}

static void whatif(FILE *o, const ReportDoc *d)
{
    if (!d->whatif) return;
    fputs("## What if: ", o);
    for (int i = 0; i < d->nsets; i++) {
        fputs(i ? ", " : "", o);
        md(o, d->sets[i]);
    }
    fprintf(o, "\n\nCompared with the policy as written, %ld account%s change%s outcome", d->changed,
            d->changed == 1 ? "" : "s", d->changed == 1 ? "s" : "");
    if (d->rev_name) {
        fputs(", carrying ", o);
        num(o, d->changed_revenue, NUM_MONEY);
        fputs(" of ", o);
        md(o, d->rev_name);
    }
    fputs(".", o);
    if (d->not_compared)
        fprintf(o, " %ld account%s could not be evaluated and %s not compared.", d->not_compared,
                d->not_compared == 1 ? "" : "s", d->not_compared == 1 ? "is" : "are");
    fputs("\n\n", o);
    if (d->nselcounts) {
        fputs("| selection | before | after | change |\n|---|---:|---:|---:|\n", o);
        for (int i = 0; i < d->nselcounts; i++) {
            const RepSelCount *c = &d->selcounts[i];
            fputs("| ", o);
            md(o, c->name);
            fprintf(o, " | %ld | %ld | %+ld |\n", c->before, c->after, c->after - c->before);
        }
        fputc('\n', o);
    }
    if (!d->nchanges) return;
    if (d->changed > d->nchanges)
        fprintf(o, "The first %d of %ld changed accounts; `kam diff` lists them all.\n\n", d->nchanges,
                d->changed);
    fprintf(o, "| account | outcome | before | after |%s\n|---|---|---|---|%s\n",
            d->rev_name ? " revenue |" : "", d->rev_name ? "---:|" : "");
    for (int i = 0; i < d->nchanges; i++) {
        const RepChange *c = &d->changes[i];
        for (int k = 0; k < c->nch; k++) {
            fputs("| ", o);
            if (k == 0) {
                md(o, c->key);
                if (c->display) {
                    fputs(" (", o);
                    md(o, c->display);
                    fputs(")", o);
                }
            }
            fputs(" | ", o);
            md(o, c->ch[k].name);
            fputs(" | ", o);
            md(o, c->ch[k].before);
            fputs(" | ", o);
            md(o, c->ch[k].after);
            fputs(" |", o);
            if (d->rev_name) {
                fputc(' ', o);
                if (k == 0) num(o, c->revenue, NUM_MONEY);
                fputs(" |", o);
            }
            fputc('\n', o);
        }
    }
    fputc('\n', o);
}

/* The portfolio flags: once for all the accounts (minimal; added with the
 * portfolio flags, issue 14). */
static const char *pf_state(int v)
{
    return v > 0 ? "raised" : v == 0 ? "not raised" : v == -1 ? "unknown" : "absent";
}

static void portfolio(FILE *o, const ReportDoc *d)
{
    if (!d->nportfolio) return;
    fputs("## Portfolio\n\n", o);
    for (int i = 0; i < d->nportfolio; i++) {
        const RepPortfolio *p = &d->portfolio[i];
        fprintf(o, "- **%s** — ", pf_state(p->value));
        md(o, p->text ? p->text : p->name);
        fputs(" (`", o);
        md(o, p->name);
        fputs("`)", o);
        if (p->before != p->value) fprintf(o, "; without the what-if: %s", pf_state(p->before));
        if (p->why) {
            fputs("; not worked out: ", o);
            md(o, p->why);
        }
        fputc('\n', o);
    }
    fputc('\n', o);
}

int report_write_md(const ReportDoc *d, FILE *o)
{
    fputs("# ", o);
    md(o, d->title);
    fputs("\n\nPolicy ", o);
    md(o, d->policy_path);
    fputs(" · data ", o);
    md(o, d->data_path);
    fprintf(o, " · as of %s", d->as_of);
    if (d->where) {
        fputs(" · only the accounts where ", o);
        md(o, d->where);
    }
    for (int i = 0; i < d->nsets; i++) {
        fputs(i ? ", " : " · with ", o);
        md(o, d->sets[i]);
    }
    fputs("\n\n", o);
    headline(o, d);
    portfolio(o, d);
    for (int i = 0; i < d->ngroups; i++) group(o, d, &d->groups[i]);
    items(o, d);
    key_list(o, d);
    if (d->ncards) {
        fputs("## Why each key account was selected\n\n", o);
        if (d->ncards < d->key_accounts)
            fprintf(o, "The first %d of %ld key accounts; `kam explain --id KEY` explains any account.\n\n",
                    d->ncards, d->key_accounts);
        for (int i = 0; i < d->naccounts; i++)
            if (d->accounts[i].card) card(o, d, &d->accounts[i]);
    }
    whatif(o, d);
    fputs("---\n\nWritten by `kam report` " KAM_VERSION ". The same policy, data, date and options give the "
          "same report.\n", o);
    return ferror(o) ? -1 : 0;
}
