/* report_md.c — the Markdown of a ReportDoc (report_doc.h), with the same
 * content as the HTML page: what it shows and in which order is
 * report_render.c's walk; this file is its markup (report_render.h's
 * RenderOps): headings, paragraphs, lists, pipe tables with their
 * alignment row, the headline figures as a table, a text bar in place of
 * the chart, the stage-move matrix with the moves in bold. Every text from
 * the data or the policy goes through md(): Markdown's own punctuation is
 * escaped, and < > & become entities, so raw HTML in a name is shown,
 * never rendered. It computes nothing. */
#define _POSIX_C_SOURCE 200809L
#include "report_render.h"
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

static void page_end(Render *r)
{
    fputs("---\n\nWritten by `kam report` " KAM_VERSION ". The same policy, data, date and options give the "
          "same report.\n", r->o);
}

static void date(Render *r, const char *key, const char *date)
{
    (void)key;
    md(r->o, date);
}

/* A headline figure is a row of the "At a glance" table. */
static void figure(Render *r, const char *key, double v, NumKind kind, bool warn, const char *label,
                   const char *paren, const char *pct)
{
    (void)key, (void)warn;
    fprintf(r->o, "| %s", label);
    if (paren) {
        fputs(" (", r->o);
        md(r->o, paren);
        fputs(")", r->o);
    }
    fputs(" | ", r->o);
    render_num(r, v, kind);
    if (pct) fprintf(r->o, " (%s)", pct);
    fputs(" |\n", r->o);
}

static void column(Render *r, bool num)
{
    if (r->head && r->ncols < (int)(sizeof r->num / sizeof r->num[0])) r->num[r->ncols++] = num;
}

/* The text bar's column: no heading. */
static void bar_head(Render *r)
{
    column(r, false);
    fputs(" |", r->o);
}

/* Accounts as a bar of up to 20 blocks, the longest the largest. */
static void bar_cell(Render *r, const RepGroup *g, const RepBar *b)
{
    double max = 0;
    for (int i = 0; i < g->nbars; i++)
        if (g->bars[i].accounts > max) max = (double)g->bars[i].accounts;
    double v = (double)b->accounts;
    int w = max > 0 ? (int)(v / max * 20 + 0.5) : 0;
    if (v > 0 && w == 0) w = 1;
    fputc(' ', r->o);
    for (int i = 0; i < w; i++) fputs("\u2588", r->o);
    fputs(" |", r->o);
}

static void table(Render *r, const char *cls)
{
    (void)cls;
    fputc('|', r->o);
}

/* The alignment row: numbers to the right. */
static void table_body(Render *r)
{
    fputs("\n|", r->o);
    for (int i = 0; i < r->ncols; i++) fputs(r->num[i] ? "---:|" : "---|", r->o);
    fputc('\n', r->o);
}

static void cell_begin(Render *r, CellKind kind, int rows)
{
    (void)rows;
    column(r, kind == CELL_HEAD_NUM);
    fputc(' ', r->o);
}

static void cell_end(Render *r, CellKind kind)
{
    (void)kind;
    fputs(" |", r->o);
}

static void fig(Render *r, FigAt at, const char *key, double v, NumKind kind)
{
    (void)key;
    if (at == FIG_CELL) cell_begin(r, CELL_NUM, 0);
    render_num(r, v, kind);
    if (at == FIG_CELL) cell_end(r, CELL_NUM);
}

static void fig_text(Render *r, const char *key, const char *raw, const char *shown)
{
    (void)key, (void)raw;
    cell_begin(r, CELL_NUM, 0);
    md(r->o, shown);
    cell_end(r, CELL_NUM);
}

static void count(Render *r, FigAt at, const char *key, long n)
{
    (void)key;
    char nb[NUM_TEXT_MAX];
    report_num((double)n, NUM_INT, nb, sizeof nb);
    fprintf(r->o, at == FIG_CELL ? " %s |" : "%s", nb);
}

/* The stage-move matrix's cell: the moves in bold, no move a dot. */
static void move_cell(Render *r, const char *key, long n, bool diagonal)
{
    (void)key;
    if (!n) fputs(" · |", r->o);
    else if (!diagonal) fprintf(r->o, " **%ld** |", n);
    else fprintf(r->o, " %ld |", n);
}

static const RenderOps MD = {
    .mark = {
        [RM_H1] = {"# ", "\n\n"},
        [RM_META] = {NULL, "\n\n"},
        [RM_H2] = {"## ", "\n\n"},
        [RM_H2_TIGHT] = {"## ", "\n\n"},
        [RM_H3] = {"### ", "\n\n"},
        [RM_P] = {NULL, "\n\n"},
        [RM_P_TIGHT] = {NULL, "\n\n"},
        [RM_NOTE] = {NULL, "\n\n"},
        [RM_BAD] = {NULL, "\n\n"},
        [RM_ALERT] = {"**", "**"},
        [RM_ERR] = {NULL, "\n\n"},
        [RM_LIST_HEAD] = {NULL, ":\n\n"},
        [RM_UL] = {NULL, "\n"},
        [RM_LI] = {"- ", "\n"},
        [RM_B] = {"**", "**"},
        [RM_CMD] = {"`", "`"},
        [RM_AKA] = {" (", ")"},
        [RM_DN] = {" — ", NULL},
        [RM_FIGURES] = {"| figure | value |\n|---|---:|\n", "\n"},
        [RM_ROW] = {"|", "\n"},
        [RM_TABLE] = {NULL, "\n"},
        [RM_SPANNED] = {"  |", NULL},
    },
    .changes_revenue = "revenue",
    .moves_legend = " (in bold: the moves; the diagonal: the accounts that stay)",
    .text = md,
    .page_end = page_end,
    .date = date,
    .figure = figure,
    .bar_head = bar_head,
    .bar_cell = bar_cell,
    .table = table,
    .table_body = table_body,
    .cell_begin = cell_begin,
    .cell_end = cell_end,
    .fig = fig,
    .fig_text = fig_text,
    .count = count,
    .move_cell = move_cell,
};

int report_write_md(const ReportDoc *d, FILE *out)
{
    return report_render(d, out, &MD);
}
