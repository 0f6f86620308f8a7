/* report_html.c — writes a ReportDoc (report_doc.h) as one self-contained
 * HTML page: inline CSS, inline SVG bar charts drawn here from the figures,
 * no script, no font, image, stylesheet or link that loads anything (a
 * Content-Security-Policy says so to the browser too), a print stylesheet.
 * Every text that comes from the data or the policy goes through esc().
 * Each figure carries data-k (its place in `kam run --summary --format
 * json`, e.g. tiers.service_tier.gold.accounts) and data-v (its machine
 * value), so tests can read the page. It computes nothing. */
#define _POSIX_C_SOURCE 200809L
#include "report_doc.h"
#include "cli.h"

#include <math.h>
#include <string.h>

/* Text for HTML content and attribute values: & < > " ' as entities,
 * control characters and bytes that are not UTF-8 as U+FFFD. */
static void esc(FILE *o, const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    while (*p) {
        unsigned char c = *p;
        if (c == '&') fputs("&amp;", o);
        else if (c == '<') fputs("&lt;", o);
        else if (c == '>') fputs("&gt;", o);
        else if (c == '"') fputs("&quot;", o);
        else if (c == '\'') fputs("&#39;", o);
        else if (c == '\t' || c == '\n') fputc(' ', o);
        else if (c < 0x20 || c == 0x7f) fputs("\xef\xbf\xbd", o);
        else if (c < 0x80) fputc(c, o);
        else {
            /* a whole, shortest-form UTF-8 sequence, or U+FFFD for the byte */
            int n = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c <= 0xdf ? 2 : 0;
            if (c > 0xf4) n = 0;
            bool ok = n > 0;
            for (int k = 1; ok && k < n; k++) ok = (p[k] & 0xc0) == 0x80;
            if (ok && n == 3 && c == 0xe0 && p[1] < 0xa0) ok = false;     /* overlong */
            if (ok && n == 3 && c == 0xed && p[1] >= 0xa0) ok = false;    /* surrogate */
            if (ok && n == 4 && c == 0xf0 && p[1] < 0x90) ok = false;     /* overlong */
            if (ok && n == 4 && c == 0xf4 && p[1] >= 0x90) ok = false;    /* past U+10FFFF */
            if (!ok) {
                fputs("\xef\xbf\xbd", o);
                p++;
                continue;
            }
            fwrite(p, 1, (size_t)n, o);
            p += n;
            continue;
        }
        p++;
    }
}

/* A figure: <TAG data-k="KEY" data-v="RAW">formatted</TAG>. */
static void fig(FILE *o, const char *tag, const char *cls, const char *key, double v, NumKind kind)
{
    char shown[128], raw[64];
    report_num(v, kind, shown, sizeof shown);
    report_raw(v, raw, sizeof raw);
    fprintf(o, "<%s%s%s%s data-k=\"", tag, cls ? " class=\"" : "", cls ? cls : "", cls ? "\"" : "");
    esc(o, key);
    fprintf(o, "\" data-v=\"%s\">%s</%s>", raw, shown, tag);
}

/* A figure whose text is not report_num's: a term's 12%, its exact value
 * raw (every digit, as the JSON has it). */
static void fig_text(FILE *o, const char *tag, const char *cls, const char *key, const char *raw,
                     const char *shown)
{
    fprintf(o, "<%s class=\"%s\" data-k=\"", tag, cls);
    esc(o, key);
    fputs("\" data-v=\"", o);
    esc(o, raw);
    fputs("\">", o);
    esc(o, shown);
    fprintf(o, "</%s>", tag);
}

/* A rule for people: its description and its name (in code), or the name. */
static void rule_title(FILE *o, const char *name, const char *desc)
{
    if (desc) {
        esc(o, desc);
        fputs(" (<code>", o);
        esc(o, name);
        fputs("</code>)", o);
    } else {
        fputs("<code>", o);
        esc(o, name);
        fputs("</code>", o);
    }
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

static const char CSS[] =
    ":root{--ink:#1d2433;--soft:#5b6475;--line:#d9dee7;--bar:#2f6db5;--bar2:#2a9d8f;--bg:#f6f7f9;"
    "--warn:#b54a2f}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0;background:var(--bg);color:var(--ink);font:15px/1.5 system-ui,-apple-system,"
    "\"Segoe UI\",Roboto,\"Helvetica Neue\",Arial,sans-serif}\n"
    "main{max-width:1060px;margin:0 auto;padding:24px 20px 48px}\n"
    "h1{font-size:28px;margin:0 0 4px}h2{font-size:20px;margin:32px 0 10px;border-bottom:2px solid "
    "var(--line);padding-bottom:4px}h3{font-size:16px;margin:0 0 6px}\n"
    ".meta{color:var(--soft);margin:0}.meta code,td code{font-size:13px}\n"
    ".figures{display:grid;grid-template-columns:repeat(auto-fill,minmax(200px,1fr));gap:12px}\n"
    ".fig{background:#fff;border:1px solid var(--line);border-radius:8px;padding:12px 14px}\n"
    ".fig .n{display:block;font-size:21px;overflow-wrap:anywhere;font-weight:650;font-variant-numeric:tabular-nums}\n"
    ".fig .l{color:var(--soft);font-size:13px}.fig.warn .n{color:var(--warn)}\n"
    "table{border-collapse:collapse;background:#fff;width:100%;margin:8px 0;font-size:14px}\n"
    "th,td{border:1px solid var(--line);padding:5px 8px;text-align:left;vertical-align:top}\n"
    "th{background:#eef1f5;font-weight:600}td.num,th.num{text-align:right;"
    "font-variant-numeric:tabular-nums;white-space:nowrap}\n"
    "td.zero{color:#aab}td.move{background:#fff4e0;font-weight:600}\n"
    ".charts{display:flex;flex-wrap:wrap;gap:16px}.chart{background:#fff;border:1px solid var(--line);"
    "border-radius:8px;padding:8px}\n"
    ".chart text{font-size:12px;fill:var(--ink)}.chart .t{font-weight:600}.chart .b1{fill:var(--bar)}"
    ".chart .b2{fill:var(--bar2)}\n"
    ".cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(460px,1fr));gap:14px}\n"
    ".card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:12px 16px}\n"
    ".card p{margin:4px 0}.card ul{margin:2px 0 6px;padding-left:20px}.card .pts{display:inline-block;"
    "min-width:3em;font-weight:600;font-variant-numeric:tabular-nums}\n"
    ".card .dn{color:var(--soft);font-weight:400}.card .err{color:var(--warn)}\n"
    ".note{color:var(--soft);font-size:13px}.bad{color:var(--warn)}\n"
    "footer{color:var(--soft);font-size:12px;margin-top:40px}\n"
    "@media print{body{background:#fff;font-size:10.5pt}main{max-width:none;padding:0}"
    ".card,.fig,.chart,tr{break-inside:avoid;page-break-inside:avoid}"
    "h2,h3{break-after:avoid;page-break-after:avoid}.cards{display:block}.card{margin:0 0 10px}"
    "*{-webkit-print-color-adjust:exact;print-color-adjust:exact}a{color:inherit;text-decoration:none}}\n";

/* A horizontal bar chart of one measure, the numbers written beside the
 * bars. */
static void chart(FILE *o, const char *title, const RepBar *bars, int n, bool money)
{
    enum { W = 460, LABEL = 140, BARW = 190, ROW = 24, TOP = 26 };
    double max = 0;
    for (int i = 0; i < n; i++) {
        double v = money ? bars[i].revenue : (double)bars[i].accounts;
        if (v > max) max = v;
    }
    int h = TOP + n * ROW + 6;
    fprintf(o, "<svg class=\"chart\" width=\"%d\" height=\"%d\" "
               "viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"", W, h, W, h);
    esc(o, title);
    fputs("\"><title>", o);
    esc(o, title);
    fprintf(o, "</title><text class=\"t\" x=\"8\" y=\"17\">");
    esc(o, title);
    fputs("</text>", o);
    for (int i = 0; i < n; i++) {
        double v = money ? bars[i].revenue : (double)bars[i].accounts;
        double w = max > 0 && v > 0 ? v / max * BARW : 0;
        if (v > 0 && w < 1) w = 1;
        int y = TOP + i * ROW;
        char shown[128];
        report_num(v, money ? NUM_MONEY : NUM_INT, shown, sizeof shown);
        fprintf(o, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", LABEL - 8, y + 13);
        esc(o, bars[i].label);
        fprintf(o, "</text><rect class=\"%s\" x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"16\" rx=\"2\"/>",
                money ? "b2" : "b1", LABEL, y + 1, w);
        fprintf(o, "<text x=\"%.1f\" y=\"%d\">%s</text>", LABEL + w + 6, y + 13, shown);
    }
    fputs("</svg>\n", o);
}

static void headline(FILE *o, const ReportDoc *d)
{
    fputs("<section id=\"headline\"><h2>At a glance</h2><div class=\"figures\">\n", o);
    fputs("<div class=\"fig\">", o);
    fig(o, "span", "n", "records", (double)d->records, NUM_INT);
    fputs("<span class=\"l\">accounts</span></div>\n", o);
    if (d->key_name) {
        fputs("<div class=\"fig\">", o);
        fig(o, "span", "n", "key_accounts", (double)d->key_accounts, NUM_INT);
        fputs("<span class=\"l\">key accounts (", o);
        esc(o, d->key_desc ? d->key_desc : d->key_name);
        fputs(")</span></div>\n", o);
    }
    if (d->rev_name) {
        fputs("<div class=\"fig\">", o);
        fig(o, "span", "n", "revenue_total", d->revenue_total, NUM_MONEY);
        fputs("<span class=\"l\">revenue (", o);
        esc(o, d->rev_name);
        fputs(")</span></div>\n", o);
        if (d->key_name) {
            char pct[32];
            report_num(d->revenue_total ? d->key_revenue / d->revenue_total : 0, NUM_PERCENT, pct, sizeof pct);
            fputs("<div class=\"fig\">", o);
            fig(o, "span", "n", "key_revenue", d->key_revenue, NUM_MONEY);
            fprintf(o, "<span class=\"l\">revenue carried by key accounts (%s)</span></div>\n", pct);
        }
    }
    if (has_stages(d)) {
        fputs("<div class=\"fig\">", o);
        fig(o, "span", "n", "moving", (double)d->moving, NUM_INT);
        fputs("<span class=\"l\">accounts moving stage</span></div>\n", o);
    }
    fprintf(o, "<div class=\"fig%s\">", d->left_out ? " warn" : "");
    fig(o, "span", "n", "records_left_out", (double)d->left_out, NUM_INT);
    fputs("<span class=\"l\">records left out (data errors)</span></div>\n</div>\n", o);
    if (!d->rev_name && d->rev_why) {
        fputs("<p class=\"note\">Revenue is not shown: ", o);
        esc(o, d->rev_why);
        fputs(".</p>\n", o);
    }
    if (d->left_out)
        fprintf(o, "<p class=\"bad\">%ld record%s of the data could not be read or evaluated and %s not "
                   "counted anywhere in this report; <code>kam run</code> lists them with the reason.</p>\n",
                d->left_out, d->left_out == 1 ? "" : "s", d->left_out == 1 ? "is" : "are");
    fputs("</section>\n", o);
}

static void group(FILE *o, const ReportDoc *d, const RepGroup *g)
{
    const char *sec = g->stages ? "stages" : "tiers";
    fprintf(o, "<section id=\"%s-", sec);
    esc(o, g->name);
    fprintf(o, "\"><h2>%s: ", g->stages ? "Stage" : "Tier");
    rule_title(o, g->name, g->text);
    fputs("</h2>\n", o);
    if (g->stages) fputs("<p class=\"note\">Each account's stage after this run's moves.</p>\n", o);
    fputs("<div class=\"charts\">\n", o);
    char title[300];
    snprintf(title, sizeof title, "Accounts per %s", g->stages ? "stage" : "tier");
    chart(o, title, g->bars, g->nbars, false);
    if (d->rev_name) {
        snprintf(title, sizeof title, "Revenue per %s (%s)", g->stages ? "stage" : "tier", d->rev_name);
        chart(o, title, g->bars, g->nbars, true);
    }
    fputs("</div>\n<table><thead><tr><th>", o);
    fputs(g->stages ? "stage" : "tier", o);
    fputs("</th>", o);
    bool labels = false;
    for (int i = 0; g->labels && i < g->nmembers; i++) labels |= g->labels[i] != NULL;
    if (labels) fputs("<th>what it means</th>", o);
    fputs("<th class=\"num\">accounts</th><th class=\"num\">share</th>", o);
    if (d->rev_name) {
        fputs("<th class=\"num\">", o);
        esc(o, d->rev_name);
        fputs("</th>", o);
    }
    fputs("</tr></thead><tbody>\n", o);
    char key[1200], pct[32];
    for (int i = 0; i < g->nbars; i++) {
        const RepBar *b = &g->bars[i];
        fputs("<tr><td>", o);
        esc(o, b->label);
        fputs("</td>", o);
        if (labels) {
            fputs("<td>", o);
            if (i < g->nmembers && g->labels[i]) esc(o, g->labels[i]);
            fputs("</td>", o);
        }
        snprintf(key, sizeof key, "%s.%s.%s.accounts", sec, g->name, b->label);
        fig(o, "td", "num", key, (double)b->accounts, NUM_INT);
        report_num(share(b->accounts, d->records), NUM_PERCENT, pct, sizeof pct);
        fprintf(o, "<td class=\"num\">%s</td>", pct);
        if (d->rev_name) {
            snprintf(key, sizeof key, "%s.%s.%s.%s", sec, g->name, b->label, g->stages ? "revenue" : d->rev_name);
            fig(o, "td", "num", key, b->revenue, NUM_MONEY);
        }
        fputs("</tr>\n", o);
    }
    fputs("</tbody></table>\n", o);
    if (g->stages) {
        fputs("<h3>Stage moves: from (rows) to (columns)</h3>\n<table class=\"matrix\"><thead><tr><th>from \\ to</th>", o);
        for (int t = 0; t < g->nmembers; t++) {
            fputs("<th class=\"num\">", o);
            esc(o, g->members[t]);
            fputs("</th>", o);
        }
        fputs("</tr></thead><tbody>\n", o);
        for (int f = 0; f < g->nmembers; f++) {
            fputs("<tr><th>", o);
            esc(o, g->members[f]);
            fputs("</th>", o);
            for (int t = 0; t < g->nmembers; t++) {
                long c = g->moves[f * g->nmembers + t];
                snprintf(key, sizeof key, "stages.%s.%s.from.%s", g->name, g->members[t], g->members[f]);
                fig(o, "td", !c ? "num zero" : f != t ? "num move" : "num", key, (double)c, NUM_INT);
            }
            fputs("</tr>\n", o);
        }
        fprintf(o, "</tbody></table>\n<p>%ld account%s move%s stage; the shaded cells are the moves, the "
                   "diagonal the accounts that stay.</p>\n",
                g->moved, g->moved == 1 ? "" : "s", g->moved == 1 ? "s" : "");
        if (g->ntrans) {
            fputs("<h3>How an account moves (the first move that applies)</h3>\n<ul>", o);
            for (int t = 0; t < g->ntrans; t++) {
                const RepTransition *tr = &g->trans[t];
                fputs("<li>", o);
                if (tr->from) esc(o, tr->from);
                else fputs("any stage", o);
                fputs(" \u2192 ", o);
                esc(o, tr->to);
                if (tr->label) {
                    fputs(": ", o);
                    esc(o, tr->label);
                }
                fputs("</li>", o);
            }
            fputs("</ul>\n", o);
        }
    }
    fputs("</section>\n", o);
}

/* The entitlements' terms among the accounts that hold them: each figure
 * of the JSON summary's terms.ENTITLEMENT.TERM (accounts, values, min,
 * max) once. */
static void terms(FILE *o, const ReportDoc *d)
{
    bool any = false;
    for (int i = 0; i < d->nitems; i++) any |= d->items[i].nterms > 0;
    if (!any) return;
    fputs("<h3>Terms among the accounts entitled</h3>\n<table><thead><tr><th>entitlement</th><th>term</th>"
          "<th class=\"num\">accounts</th><th>values (accounts)</th><th class=\"num\">lowest</th>"
          "<th class=\"num\">highest</th></tr></thead><tbody>\n", o);
    for (int i = 0; i < d->nitems; i++) {
        const RepItem *it = &d->items[i];
        for (int k = 0; k < it->nterms; k++) {
            const RepTerm *t = &it->terms[k];
            char key[1600];
            fputs("<tr><td>", o);
            rule_title(o, it->name, it->text);
            fputs("</td><td>", o);
            esc(o, t->label);
            fputs("</td>", o);
            snprintf(key, sizeof key, "terms.%s.%s.accounts", it->name, t->name);
            fig(o, "td", "num", key, (double)t->accounts, NUM_INT);
            fputs("<td>", o);
            if (!t->accounts) fputs("no account holds it", o);
            else if (t->more) fputs("many different values", o);
            for (int v = 0; !t->more && v < t->nvals; v++) {
                fputs(v ? ", " : "", o);
                esc(o, t->vals[v].shown);
                fputs(" (", o);
                snprintf(key, sizeof key, "terms.%s.%s.values.%s", it->name, t->name, t->vals[v].key);
                fig(o, "span", NULL, key, (double)t->vals[v].accounts, NUM_INT);
                fputs(")", o);
            }
            fputs("</td>", o);
            if (t->range) {
                snprintf(key, sizeof key, "terms.%s.%s.min", it->name, t->name);
                fig_text(o, "td", "num", key, t->min_raw, t->min_shown);
                snprintf(key, sizeof key, "terms.%s.%s.max", it->name, t->name);
                fig_text(o, "td", "num", key, t->max_raw, t->max_shown);
            } else {
                fputs("<td class=\"num\">\u2014</td><td class=\"num\">\u2014</td>", o);
            }
            fputs("</tr>\n", o);
        }
    }
    fputs("</tbody></table>\n", o);
}

static void items(FILE *o, const ReportDoc *d)
{
    static const struct { SymKind kind; const char *title, *sec; } kinds[] = {
        {SYM_SELECT, "Selections", "selects"},
        {SYM_ENTITLE, "Entitlements", "entitlements"},
        {SYM_FLAG, "Flags", "flags"},
    };
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        int n = 0;
        for (int i = 0; i < d->nitems; i++) n += d->items[i].kind == kinds[k].kind;
        if (!n) continue;
        fprintf(o, "<section id=\"%s\"><h2>%s</h2>\n<table><thead><tr><th>%s</th><th>what it means</th>"
                   "<th class=\"num\">accounts</th><th class=\"num\">share</th>",
                kinds[k].sec, kinds[k].title,
                kinds[k].kind == SYM_SELECT ? "selection" : kinds[k].kind == SYM_ENTITLE ? "entitlement" : "flag");
        if (d->rev_name) fputs("<th class=\"num\">revenue carried</th>", o);
        fputs("</tr></thead><tbody>\n", o);
        for (int i = 0; i < d->nitems; i++) {
            const RepItem *it = &d->items[i];
            if (it->kind != kinds[k].kind) continue;
            char key[600], pct[32];
            fputs("<tr><td><code>", o);
            esc(o, it->name);
            fputs("</code></td><td>", o);
            if (it->text) esc(o, it->text);
            fputs("</td>", o);
            snprintf(key, sizeof key, "%s.%s", kinds[k].sec, it->name);
            fig(o, "td", "num", key, (double)it->accounts, NUM_INT);
            report_num(share(it->accounts, d->records), NUM_PERCENT, pct, sizeof pct);
            fprintf(o, "<td class=\"num\">%s</td>", pct);
            if (d->rev_name) {
                snprintf(key, sizeof key, "%s.%s.revenue", kinds[k].sec, it->name);
                fig(o, "td", "num", key, it->revenue, NUM_MONEY);
            }
            fputs("</tr>\n", o);
        }
        fputs("</tbody></table>\n", o);
        if (kinds[k].kind == SYM_ENTITLE) terms(o, d);
        fputs("</section>\n", o);
    }
}

static void key_list(FILE *o, const ReportDoc *d)
{
    fputs("<section id=\"key-accounts\"><h2>Key accounts</h2>\n", o);
    if (!d->key_name) {
        fputs("<p>The policy selects no key accounts (it has no <code>select</code>).</p></section>\n", o);
        return;
    }
    if (!d->naccounts) {
        fputs("<p>No account is selected.</p></section>\n", o);
        return;
    }
    fputs("<p>The accounts selected as ", o);
    rule_title(o, d->key_name, d->key_desc);
    fprintf(o, ", highest score first%s.", d->rev_name ? ", then highest revenue" : "");
    if (d->key_accounts > d->naccounts)
        fprintf(o, " The first %d of %ld are listed.", d->naccounts, d->key_accounts);
    fputs("</p>\n<table><thead><tr><th class=\"num\">#</th><th>account</th>", o);
    bool score = d->naccounts && d->accounts[0].score[0];
    if (score) fputs("<th class=\"num\">score</th>", o);
    fputs("<th>tier</th><th>stage</th><th>entitlements</th><th>flags</th>", o);
    if (d->rev_name) {
        fputs("<th class=\"num\">", o);
        esc(o, d->rev_name);
        fputs("</th>", o);
    }
    fputs("</tr></thead><tbody>\n", o);
    for (int i = 0; i < d->naccounts; i++) {
        const RepAccount *a = &d->accounts[i];
        fprintf(o, "<tr><td class=\"num\">%d</td><td>", i + 1);
        if (a->card) fprintf(o, "<a href=\"#acct-%d\">", i + 1);
        esc(o, a->key);
        if (a->card) fputs("</a>", o);
        if (a->display) {
            fputs(" <span class=\"note\">", o);
            esc(o, a->display);
            fputs("</span>", o);
        }
        fputs("</td>", o);
        if (score) fprintf(o, "<td class=\"num\">%s</td>", a->score);
        fputs("<td>", o);
        esc(o, a->tier);
        fputs("</td><td>", o);
        esc(o, a->stage);
        fputs("</td><td>", o);
        esc(o, a->entitlements);
        fputs("</td><td>", o);
        esc(o, a->flags);
        fputs("</td>", o);
        if (d->rev_name) {
            char nb[128];
            report_num(a->revenue, NUM_MONEY, nb, sizeof nb);
            fprintf(o, "<td class=\"num\">%s</td>", nb);
        }
        fputs("</tr>\n", o);
    }
    fputs("</tbody></table>\n</section>\n", o);
}

static const char *flag_text(const ReportDoc *d, const char *name)
{
    for (int i = 0; i < d->nitems; i++)
        if (d->items[i].kind == SYM_FLAG && strcmp(d->items[i].name, name) == 0) return d->items[i].text;
    return NULL;
}


/* One account's card: the explanation's facts as sentences. */
static void card(FILE *o, const ReportDoc *d, const RepAccount *a, int n)
{
    fprintf(o, "<article class=\"card\" id=\"acct-%d\"><h3>", n);
    esc(o, a->key);
    if (a->display) {
        fputs(" <span class=\"dn\">", o);
        esc(o, a->display);
        fputs("</span>", o);
    }
    fputs("</h3>\n", o);
    if (a->card_error) {
        fputs("<p class=\"err\">No explanation: ", o);
        esc(o, a->card_error);
        fputs("</p></article>\n", o);
        return;
    }
    /* scores and the criteria that held */
    for (int i = 0; i < a->nfacts; i++) {
        const RepFact *f = &a->facts[i];
        if (strcmp(f->section, "score") == 0) {
            fputs("<p>Score <b>", o);
            rule_title(o, f->name, f->desc);
            fputs("</b>: ", o);
            esc(o, f->value);
            fputs(" points, from:</p><ul>", o);
            bool any = false;
            size_t plen = strlen(f->name);
            for (int k = i + 1; k < a->nfacts; k++) {
                const RepFact *c = &a->facts[k];
                if (strcmp(c->section, "criterion") || strncmp(c->name, f->name, plen) || c->name[plen] != '.')
                    continue;
                if (strcmp(c->value, "0") == 0) continue;
                any = true;
                fputs("<li><span class=\"pts\">", o);
                if (c->value[0] != '-') fputs("+", o);
                esc(o, c->value);
                fputs("</span> ", o);
                esc(o, c->name + plen + 1);
                fputs(": ", o);
                esc(o, c->why);
                fputs("</li>", o);
            }
            if (!any) fputs("<li>no criterion held</li>", o);
            fputs("</ul>\n", o);
        }
    }
    for (int i = 0; i < a->nfacts; i++) {
        const RepFact *f = &a->facts[i];
        if (strcmp(f->section, "select") == 0) {
            bool yes = strcmp(f->value, "true") == 0;
            fprintf(o, "<p>%s <b>", yes ? "Selected as" : "Not selected as");
            rule_title(o, f->name, f->desc);
            fputs("</b> because ", o);
            esc(o, f->why);
            fputs(".</p>\n", o);
        } else if (strcmp(f->section, "tier") == 0) {
            fputs("<p>Tier <b>", o);
            esc(o, f->value);
            fputs("</b> (", o);
            esc(o, f->desc ? f->desc : f->name);
            fputs("): ", o);
            esc(o, f->why);
            fputs(".</p>\n", o);
        } else if (strcmp(f->section, "stages") == 0) {
            fputs("<p>Stage <b>", o);
            esc(o, a->stage);
            fputs("</b> (", o);
            esc(o, f->desc ? f->desc : f->name);
            fputs("): ", o);
            esc(o, f->why);
            fputs(".</p>\n", o);
        }
    }
    for (int pass = 0; pass < 2; pass++) {
        const char *sec = pass ? "flag" : "entitlement";
        bool open = false;
        for (int i = 0; i < a->nfacts; i++) {
            const RepFact *f = &a->facts[i];
            if (strcmp(f->section, sec) || strcmp(f->value, "yes")) continue;
            if (!open) fprintf(o, "<p>%s</p><ul>", pass ? "Flags raised:" : "Entitled to:");
            open = true;
            fputs("<li><b>", o);
            if (pass) esc(o, f->name);
            else rule_title(o, f->name, f->desc);
            fputs("</b>", o);
            const char *extra = pass ? flag_text(d, f->name) : f->terms;
            if (extra) {
                fputs(" \u2014 ", o);
                esc(o, extra);
            }
            fputs(": ", o);
            esc(o, f->why);
            fputs("</li>", o);
        }
        if (open) fputs("</ul>\n", o);
        else fprintf(o, "<p>%s</p>\n", pass ? "No flags raised." : "No entitlements.");
    }
    fputs("</article>\n", o);
}

static void cards(FILE *o, const ReportDoc *d)
{
    if (!d->ncards) return;
    fputs("<section id=\"cards\"><h2>Why each key account was selected</h2>\n", o);
    if (d->ncards < d->key_accounts)
        fprintf(o, "<p class=\"note\">The first %d of %ld key accounts; <code>kam explain --id KEY</code> "
                   "explains any account.</p>\n", d->ncards, d->key_accounts);
    fputs("<div class=\"cards\">\n", o);
    for (int i = 0; i < d->naccounts; i++)
        if (d->accounts[i].card) card(o, d, &d->accounts[i], i + 1);
    fputs("</div>\n</section>\n", o);
}

static void whatif(FILE *o, const ReportDoc *d)
{
    if (!d->whatif) return;
    fputs("<section id=\"what-if\"><h2>What if: ", o);
    for (int i = 0; i < d->nsets; i++) {
        fputs(i ? ", <code>" : "<code>", o);
        esc(o, d->sets[i]);
        fputs("</code>", o);
    }
    fputs("</h2>\n<p>Compared with the policy as written, ", o);
    fig(o, "b", NULL, "whatif.changed", (double)d->changed, NUM_INT);
    fprintf(o, " account%s change%s outcome", d->changed == 1 ? "" : "s", d->changed == 1 ? "s" : "");
    if (d->rev_name) {
        fputs(", carrying ", o);
        fig(o, "b", NULL, "whatif.revenue", d->changed_revenue, NUM_MONEY);
        fputs(" of ", o);
        esc(o, d->rev_name);
    }
    fputs(".", o);
    if (d->not_compared)
        fprintf(o, " %ld account%s could not be evaluated and %s not compared.", d->not_compared,
                d->not_compared == 1 ? "" : "s", d->not_compared == 1 ? "is" : "are");
    fputs("</p>\n", o);
    if (d->nselcounts) {
        fputs("<table><thead><tr><th>selection</th><th class=\"num\">before</th><th class=\"num\">after"
              "</th><th class=\"num\">change</th></tr></thead><tbody>\n", o);
        for (int i = 0; i < d->nselcounts; i++) {
            const RepSelCount *c = &d->selcounts[i];
            char key[600];
            fputs("<tr><td><code>", o);
            esc(o, c->name);
            fputs("</code></td>", o);
            snprintf(key, sizeof key, "whatif.%s.before", c->name);
            fig(o, "td", "num", key, (double)c->before, NUM_INT);
            snprintf(key, sizeof key, "whatif.%s.after", c->name);
            fig(o, "td", "num", key, (double)c->after, NUM_INT);
            fprintf(o, "<td class=\"num\">%+ld</td></tr>\n", c->after - c->before);
        }
        fputs("</tbody></table>\n", o);
    }
    if (d->nchanges) {
        if (d->changed > d->nchanges)
            fprintf(o, "<p class=\"note\">The first %d of %ld changed accounts; <code>kam diff</code> lists "
                       "them all.</p>\n", d->nchanges, d->changed);
        fputs("<table><thead><tr><th>account</th><th>outcome</th><th>before</th><th>after</th>", o);
        if (d->rev_name) {
            fputs("<th class=\"num\">", o);
            esc(o, d->rev_name);
            fputs("</th>", o);
        }
        fputs("</tr></thead><tbody>\n", o);
        for (int i = 0; i < d->nchanges; i++) {
            const RepChange *c = &d->changes[i];
            for (int k = 0; k < c->nch; k++) {
                fputs("<tr>", o);
                if (k == 0) {
                    fprintf(o, "<td rowspan=\"%d\">", c->nch);
                    esc(o, c->key);
                    if (c->display) {
                        fputs(" <span class=\"note\">", o);
                        esc(o, c->display);
                        fputs("</span>", o);
                    }
                    fputs("</td>", o);
                }
                fputs("<td><code>", o);
                esc(o, c->ch[k].name);
                fputs("</code></td><td>", o);
                esc(o, c->ch[k].before);
                fputs("</td><td>", o);
                esc(o, c->ch[k].after);
                fputs("</td>", o);
                if (d->rev_name && k == 0) {
                    char nb[128];
                    report_num(c->revenue, NUM_MONEY, nb, sizeof nb);
                    fprintf(o, "<td class=\"num\" rowspan=\"%d\">%s</td>", c->nch, nb);
                }
                fputs("</tr>\n", o);
            }
        }
        fputs("</tbody></table>\n", o);
    }
    fputs("</section>\n", o);
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
    fputs("<section id=\"portfolio\"><h2>Portfolio</h2><ul>\n", o);
    for (int i = 0; i < d->nportfolio; i++) {
        const RepPortfolio *p = &d->portfolio[i];
        fprintf(o, "<li><strong>%s</strong> — ", pf_state(p->value));
        esc(o, p->text ? p->text : p->name);
        fputs(" (<code>", o);
        esc(o, p->name);
        fputs("</code>)", o);
        if (p->before != p->value) fprintf(o, "; without the what-if: %s", pf_state(p->before));
        if (p->why) {
            fputs("; not worked out: ", o);
            esc(o, p->why);
        }
        fputs("</li>\n", o);
    }
    fputs("</ul></section>\n", o);
}

int report_write_html(const ReportDoc *d, FILE *o)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "style-src 'unsafe-inline'; img-src data:\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<meta name=\"generator\" content=\"kam " KAM_VERSION "\">\n"
          "<link rel=\"icon\" href=\"data:,\">\n<title>", o);
    esc(o, d->title);
    fputs(" — key account report</title>\n<style>\n", o);
    fputs(CSS, o);
    fputs("</style>\n</head>\n<body>\n<main>\n<header><h1>", o);
    esc(o, d->title);
    fputs("</h1>\n<p class=\"meta\">Policy <code>", o);
    esc(o, d->policy_path);
    fputs("</code> · data <code>", o);
    esc(o, d->data_path);
    fprintf(o, "</code> · as of <time data-k=\"as_of\">%s</time>", d->as_of);
    if (d->where) {
        fputs(" · only the accounts where <code>", o);
        esc(o, d->where);
        fputs("</code>", o);
    }
    for (int i = 0; i < d->nsets; i++) {
        fputs(i ? ", <code>" : " · with <code>", o);
        esc(o, d->sets[i]);
        fputs("</code>", o);
    }
    fputs("</p>\n</header>\n", o);
    headline(o, d);
    portfolio(o, d);
    for (int i = 0; i < d->ngroups; i++) group(o, d, &d->groups[i]);
    items(o, d);
    key_list(o, d);
    cards(o, d);
    whatif(o, d);
    fputs("<footer>Written by <code>kam report</code> " KAM_VERSION ". The same policy, data, date and "
          "options give the same page. Every figure is also in <code>kam run --summary</code>; every "
          "sentence in <code>kam explain</code>.</footer>\n</main>\n</body>\n</html>\n", o);
    return ferror(o) ? -1 : 0;
}
