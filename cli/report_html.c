/* report_html.c — the HTML of a ReportDoc (report_doc.h): one self-contained
 * page, inline CSS, inline SVG bar charts drawn here from the figures, no
 * script, no font, image, stylesheet or link that loads anything (a
 * Content-Security-Policy says so to the browser too), a print stylesheet.
 * What the page shows and in which order is report_render.c's walk; this
 * file is its markup (report_render.h's RenderOps), the page around it,
 * the headline figures grid and the charts. Every text that comes from the
 * data or the policy goes through esc(). Each figure carries data-k (its
 * place in `kam run --summary --format json`, e.g.
 * tiers.service_tier.gold.accounts) and data-v (its machine value), so
 * tests can read the page. It computes nothing. */
#define _POSIX_C_SOURCE 200809L
#include "report_render.h"
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

static void page_begin(Render *r)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "style-src 'unsafe-inline'; img-src data:\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<meta name=\"generator\" content=\"kam " KAM_VERSION "\">\n"
          "<link rel=\"icon\" href=\"data:,\">\n<title>", r->o);
    esc(r->o, r->d->title);
    fputs(" — key account report</title>\n<style>\n", r->o);
    fputs(CSS, r->o);
    fputs("</style>\n</head>\n<body>\n<main>\n", r->o);
}

static void page_end(Render *r)
{
    fputs("<footer>Written by <code>kam report</code> " KAM_VERSION ". The same policy, data, date and "
          "options give the same page. Every figure is also in <code>kam run --summary</code>; every "
          "sentence in <code>kam explain</code>.</footer>\n</main>\n</body>\n</html>\n", r->o);
}

static void section(Render *r, const char *id, const char *name)
{
    fprintf(r->o, "<section id=\"%s", id);
    if (name) esc(r->o, name);
    fputs("\">", r->o);
}

static void date(Render *r, const char *key, const char *date)
{
    fprintf(r->o, "<time data-k=\"%s\">", key);
    esc(r->o, date);
    fputs("</time>", r->o);
}

static void figure(Render *r, const char *key, double v, NumKind kind, bool warn, const char *label,
                   const char *paren, const char *pct)
{
    fprintf(r->o, "<div class=\"fig%s\">", warn ? " warn" : "");
    fig(r->o, "span", "n", key, v, kind);
    fprintf(r->o, "<span class=\"l\">%s", label);
    if (paren) {
        fputs(" (", r->o);
        esc(r->o, paren);
        fputs(")", r->o);
    }
    if (pct) fprintf(r->o, " (%s)", pct);
    fputs("</span></div>\n", r->o);
}

/* Accounts per tier or stage, and the revenue, as bar charts. */
static void charts(Render *r, const RepGroup *g)
{
    const char *what = g->stages ? "stage" : "tier";
    char title[300];
    fputs("<div class=\"charts\">\n", r->o);
    snprintf(title, sizeof title, "Accounts per %s", what);
    chart(r->o, title, g->bars, g->nbars, false);
    if (r->d->rev_name) {
        snprintf(title, sizeof title, "Revenue per %s (%s)", what, r->d->rev_name);
        chart(r->o, title, g->bars, g->nbars, true);
    }
    fputs("</div>\n", r->o);
}

static void table(Render *r, const char *cls)
{
    fprintf(r->o, "<table%s%s%s><thead><tr>", cls ? " class=\"" : "", cls ? cls : "", cls ? "\"" : "");
}

static void table_body(Render *r)
{
    fputs("</tr></thead><tbody>\n", r->o);
}

static bool is_head(CellKind kind)
{
    return kind == CELL_HEAD || kind == CELL_HEAD_NUM;
}

static void cell_begin(Render *r, CellKind kind, int rows)
{
    fprintf(r->o, "<%s%s", is_head(kind) ? "th" : "td",
            kind == CELL_NUM || kind == CELL_HEAD_NUM ? " class=\"num\"" : "");
    if (rows) fprintf(r->o, " rowspan=\"%d\"", rows);
    fputs(">", r->o);
}

static void cell_end(Render *r, CellKind kind)
{
    fputs(is_head(kind) ? "</th>" : "</td>", r->o);
}

static const char *const FIG_TAG[] = {[FIG_CELL] = "td", [FIG_TEXT] = "span", [FIG_BOLD] = "b"};

static void html_fig(Render *r, FigAt at, const char *key, double v, NumKind kind)
{
    fig(r->o, FIG_TAG[at], at == FIG_CELL ? "num" : NULL, key, v, kind);
}

static void html_fig_text(Render *r, const char *key, const char *raw, const char *shown)
{
    fig_text(r->o, "td", "num", key, raw, shown);
}

static void count(Render *r, FigAt at, const char *key, long n)
{
    html_fig(r, at, key, (double)n, NUM_INT);
}

/* The stage-move matrix's cell: the moves shaded, no move greyed. */
static void move_cell(Render *r, const char *key, long n, bool diagonal)
{
    fig(r->o, "td", !n ? "num zero" : !diagonal ? "num move" : "num", key, (double)n, NUM_INT);
}

static void card(Render *r, int n)
{
    fprintf(r->o, "<article class=\"card\" id=\"acct-%d\">", n);
}

static void card_link(Render *r, int n)
{
    fprintf(r->o, "<a href=\"#acct-%d\">", n);
}

static const RenderOps HTML = {
    .mark = {
        [RM_H1] = {"<header><h1>", "</h1>\n"},
        [RM_META] = {"<p class=\"meta\">", "</p>\n</header>\n"},
        [RM_H2] = {"<h2>", "</h2>\n"},
        [RM_H2_TIGHT] = {"<h2>", "</h2>"},
        [RM_H3] = {"<h3>", "</h3>\n"},
        [RM_P] = {"<p>", "</p>\n"},
        [RM_P_TIGHT] = {"<p>", "</p>"},
        [RM_NOTE] = {"<p class=\"note\">", "</p>\n"},
        [RM_BAD] = {"<p class=\"bad\">", "</p>\n"},
        [RM_ERR] = {"<p class=\"err\">", "</p>"},
        [RM_LIST_HEAD] = {"<h3>", "</h3>\n"},
        [RM_UL] = {"<ul>", "</ul>\n"},
        [RM_LI] = {"<li>", "</li>"},
        [RM_B] = {"<b>", "</b>"},
        [RM_NAME] = {"<code>", "</code>"},
        [RM_CMD] = {"<code>", "</code>"},
        [RM_AKA] = {" <span class=\"note\">", "</span>"},
        [RM_DN] = {" <span class=\"dn\">", "</span>"},
        [RM_PTS] = {"<span class=\"pts\">", "</span>"},
        [RM_FIGURES] = {"<div class=\"figures\">\n", "</div>\n"},
        [RM_CARDS] = {"<div class=\"cards\">\n", "</div>\n"},
        [RM_CARD] = {NULL, "</article>\n"},
        [RM_LINK] = {NULL, "</a>"},
        [RM_SECTION] = {NULL, "</section>\n"},
        [RM_ROW] = {"<tr>", "</tr>\n"},
        [RM_TABLE] = {NULL, "</tbody></table>\n"},
    },
    .moves_legend = "; the shaded cells are the moves, the diagonal the accounts that stay",
    .text = esc,
    .page_begin = page_begin,
    .page_end = page_end,
    .section = section,
    .date = date,
    .figure = figure,
    .charts = charts,
    .table = table,
    .table_body = table_body,
    .cell_begin = cell_begin,
    .cell_end = cell_end,
    .fig = html_fig,
    .fig_text = html_fig_text,
    .count = count,
    .move_cell = move_cell,
    .card = card,
    .link = card_link,
};

int report_write_html(const ReportDoc *d, FILE *out)
{
    return report_render(d, out, &HTML);
}
