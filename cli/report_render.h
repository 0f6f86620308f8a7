/* report_render.h — the one walk over a ReportDoc (report_render.c) and the
 * interface a format gives it: the markup around each kind of text
 * (RenderOps.mark: a heading, a paragraph, a list item, a name in code),
 * an escape for text, table cells, figures, and the few parts that are the
 * format's own (the page around the report, the headline figures, HTML's
 * charts, Markdown's text bars, the stage-move cells). report_html.c and
 * report_md.c each fill one RenderOps; neither walks the document itself,
 * so both show the same things in the same order. */
#ifndef KAM_REPORT_RENDER_H
#define KAM_REPORT_RENDER_H

#include "report_doc.h"

/* Markup written before (open) and after (close) a piece of the report;
 * NULL writes nothing. */
typedef enum {
    RM_H1,          /* the report's title */
    RM_META,        /* the line under it: policy, data, date, options */
    RM_H2,          /* a section's heading */
    RM_H2_TIGHT,    /* the same, with no line break after it in HTML */
    RM_H3,          /* a sub-heading, an account card's heading */
    RM_P,           /* a paragraph */
    RM_P_TIGHT,     /* the same, with no line break after it in HTML */
    RM_NOTE,        /* a paragraph that is a side note */
    RM_BAD,         /* a paragraph that warns ... */
    RM_ALERT,       /* ... and its alarming part */
    RM_ERR,         /* a card's "No explanation" */
    RM_LIST_HEAD,   /* what a list that follows is (a heading of its own) */
    RM_UL,          /* a list ... */
    RM_LI,          /* ... and its item */
    RM_B,           /* bold */
    RM_NAME,        /* a name from the policy or a file path */
    RM_CMD,         /* a command the reader can type: kam run */
    RM_AKA,         /* an account's display name after its key, in a table */
    RM_DN,          /* the same, in a card's heading */
    RM_PTS,         /* a criterion's points in a card */
    RM_FIGURES,     /* the headline figures, around RenderOps.figure */
    RM_CARDS,       /* the account cards, all of them */
    RM_CARD,        /* one card (opened by RenderOps.card) */
    RM_LINK,        /* a link to a card (opened by RenderOps.link) */
    RM_SECTION,     /* a section (opened by RenderOps.section) */
    RM_ROW,         /* a table row */
    RM_TABLE,       /* a table (opened by RenderOps.table) */
    RM_SPANNED,     /* a cell the row above already covers (HTML's rowspan) */
    RM_COUNT
} RenderMark;

/* A table cell: text or a number, in the body or a heading cell. */
typedef enum { CELL_TEXT, CELL_NUM, CELL_HEAD, CELL_HEAD_NUM } CellKind;

/* Where a figure stands: a number cell, in running text, in bold text. */
typedef enum { FIG_CELL, FIG_TEXT, FIG_BOLD } FigAt;

typedef struct Render Render;

/* A format: its markup and its functions; a function left NULL writes
 * nothing (Markdown draws no chart, HTML no text bar). */
typedef struct RenderOps {
    const char *mark[RM_COUNT][2];
    /* the what-if table's revenue column heading; NULL: the field's name */
    const char *changes_revenue;
    /* after "N accounts move stage": how the matrix shows the moves */
    const char *moves_legend;
    void (*text)(FILE *o, const char *s);       /* text from the data or policy */
    void (*page_begin)(Render *r);              /* before the title */
    void (*page_end)(Render *r);                /* the footer and after */
    /* a section, its id the prefix id and the name (if not NULL) */
    void (*section)(Render *r, const char *id, const char *name);
    void (*date)(Render *r, const char *key, const char *date);    /* the as-of date */
    /* a headline figure: LABEL (PAREN) with the value (PCT) */
    void (*figure)(Render *r, const char *key, double v, NumKind kind, bool warn, const char *label,
                   const char *paren, const char *pct);
    void (*charts)(Render *r, const RepGroup *g);   /* a tier's or stage's, before its table */
    void (*bar_head)(Render *r);                /* a bar column of a tier table ... */
    void (*bar_cell)(Render *r, const RepGroup *g, const RepBar *b);    /* ... its bar */
    void (*table)(Render *r, const char *cls);  /* cls: a class (HTML); starts the heading row */
    void (*table_body)(Render *r);              /* after the heading row */
    void (*cell_begin)(Render *r, CellKind kind, int rows);    /* rows > 0: it spans them */
    void (*cell_end)(Render *r, CellKind kind);
    /* a figure with its place in the JSON summary (key) */
    void (*fig)(Render *r, FigAt at, const char *key, double v, NumKind kind);
    void (*fig_text)(Render *r, const char *key, const char *raw, const char *shown);  /* a cell */
    /* a what-if count, which Markdown writes without separators (1234) */
    void (*count)(Render *r, FigAt at, const char *key, long n);
    void (*move_cell)(Render *r, const char *key, long n, bool diagonal);
    void (*card)(Render *r, int n);             /* the n-th account's card ... */
    void (*link)(Render *r, int n);             /* ... and a link to it */
} RenderOps;

/* One writing of a report: where to, what, how. */
struct Render {
    FILE *o;
    const ReportDoc *d;
    const RenderOps *ops;
    bool head;                  /* in a table's heading row */
    int ncols;                  /* its columns so far ... */
    bool num[32];               /* ... which of them hold numbers */
};

/* Walk the document through ops; 0, or -1 if out could not be written. */
int report_render(const ReportDoc *d, FILE *out, const RenderOps *ops);

/* A figure's text for people and its machine value (data-v). */
void render_num(Render *r, double v, NumKind kind);

#endif
