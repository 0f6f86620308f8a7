/* report_doc.h — what `kam report` shows, worked out once (cmd_report.c)
 * and written by one walk (report_render.c) in two formats: report_html.c
 * (one self-contained HTML page) and report_md.c (Markdown with the same
 * content). The document holds the figures and texts raw: each format
 * escapes for itself, and numbers go through report_num, the one place
 * that says how a number looks to people. Nothing here evaluates
 * anything. */
#ifndef KAM_REPORT_DOC_H
#define KAM_REPORT_DOC_H

#include "../lang/check.h"
#include "session.h"
#include "../base/numfmt.h"

#include <stdbool.h>
#include <stdio.h>

/* How a number is written for people: base/numfmt.h's styles (counts
 * 1,234; money 1,234.50; percent 12.5%; scores 72.5). Never an exponent. */
typedef NumStyle NumKind;
void report_num(double v, NumKind kind, char *buf, size_t len);
/* The machine form of a figure (the data-v attributes): 1162331498.38. */
void report_raw(double v, char *buf, size_t len);

/* One member of a tier or stages block: accounts and revenue. */
typedef struct RepBar {
    const char *label;
    long accounts;
    double revenue;
} RepBar;

/* A stages block's transition as the policy writes it. */
typedef struct RepTransition {
    const char *from;           /* a member, or NULL for `any` */
    const char *to;
    const char *label;          /* its `as "label"`, or NULL */
} RepTransition;

/* A tier or stages block: its members; for stages, the move matrix. */
typedef struct RepGroup {
    const char *name;
    const char *text;           /* its description, or NULL (report_rule_text) */
    const char **labels;        /* tiers: per member, its branch's label or NULL */
    RepTransition *trans;       /* stages: the transitions, in policy order */
    int ntrans;
    bool stages;
    RepBar *bars;               /* members, then "(none)" if any account has none */
    int nbars;
    int nmembers;
    const char *const *members;
    const long *moves;          /* stages: nmembers*nmembers, from * n + to */
    long moved;                 /* accounts whose stage changes */
} RepGroup;

/* One value of an entitlement's term among the accounts that hold it. */
typedef struct RepTermValue {
    char *key;                  /* its key in the JSON summary's "values": 4, 0.12, gold */
    char *shown;                /* for people: 4, 12%, "gold" */
    long accounts;
} RepTermValue;

/* An entitlement's term among the accounts that hold it, as `kam run
 * --summary --format json` has it under terms.ENTITLEMENT.TERM. */
typedef struct RepTerm {
    const char *name;           /* sla_hours */
    char *label;                /* SLA hours */
    long accounts;              /* holding the entitlement, the term not missing */
    RepTermValue *vals;         /* its values (numbers from the smallest) ... */
    int nvals;
    bool more;                  /* ... unless there are too many to list */
    bool range;                 /* a number some account holds: min and max */
    double min, max;
    char *min_shown, *max_shown;    /* for people: 12% */
    char min_raw[64], max_raw[64];  /* every digit, as the JSON: 0.12 */
} RepTerm;

/* A select, entitlement or flag: how many accounts have it, their revenue. */
typedef struct RepItem {
    SymKind kind;
    const char *name;
    const char *text;           /* a flag's text, a rule's description, or NULL */
    RepTerm *terms;             /* an entitlement's terms (report_terms) */
    int nterms;
    long accounts;
    double revenue;
} RepItem;

/* One fact of an account's explanation (explain_record_facts). */
typedef struct RepFact {
    char *section, *name, *value, *why;
    const char *desc;           /* the rule's description, or NULL */
    char *terms;                /* an entitlement held: "SLA hours 4", or NULL */
} RepFact;

/* A key account: its list row and its card. */
typedef struct RepAccount {
    int rec;
    const char *key;
    char *display;              /* its display name, or NULL (report_display_name) */
    long line;
    double score_v;
    char score[48];             /* the first score, or "" */
    char *tier;                 /* "gold", several tiers joined by ", " */
    char *stage;                /* "mid_kam", or "mid_kam -> partnership" */
    char *entitlements, *flags; /* descriptions (else names) joined by "; " ("" for
                                   none); an entitlement with its terms:
                                   "Priority support — SLA hours 4" */
    double revenue;
    bool card;                  /* has a card (at most MAX_CARDS) */
    RepFact *facts;
    int nfacts, capfacts;
    char *card_error;           /* why no explanation, or NULL */
} RepAccount;

/* A what-if: one account whose outcome changes, and how. */
typedef struct RepChange {
    const char *key;
    char *display;
    double revenue;
    OutChange *ch;              /* before and after as people read them: 12%, 1,250 */
    int nch;
} RepChange;

/* A select's count before and after the what-if. */
typedef struct RepSelCount {
    const char *name;
    long before, after;
} RepSelCount;

/* A portfolio flag, worked out once for all the accounts. */
typedef struct RepPortfolio {
    const char *name;
    const char *text;           /* its text, or NULL */
    int value;                  /* 1 raised, 0 not, -1 not worked out (why) */
    const char *why;            /* why not worked out, or NULL */
    int before;                 /* with a what-if: its value without it (1, 0,
                                   -1; -2: the policy without the what-if has
                                   no such flag); without one, == value */
} RepPortfolio;

typedef struct ReportDoc {
    const char *title;          /* the policy's title, or its file name */
    const char *policy_path, *data_path;
    char as_of[16];
    const char *where;          /* --where, or NULL */
    const char *const *sets;    /* --set NAME=VALUE */
    int nsets;
    /* headline */
    long records;               /* accounts counted (in scope, evaluated) */
    long left_out;              /* records left out with data errors */
    const char *rev_name;       /* the revenue field, or NULL ... */
    const char *rev_why;        /* ... and why there is none */
    double revenue_total;
    const char *key_name;       /* the first select (key accounts), or NULL */
    const char *key_desc;       /* its description, or NULL */
    long key_accounts;
    double key_revenue;
    long moving;                /* accounts moving stage (every stages block) */
    RepPortfolio *portfolio;    /* the portfolio flags, in policy order (its own
                                   section, or a line each in the headline) */
    int nportfolio;
    /* breakdowns */
    RepGroup *groups;
    int ngroups;
    RepItem *items;             /* selects, entitlements, flags in policy order */
    int nitems;
    /* the key accounts: all of them counted, at most MAX_LISTED listed */
    RepAccount *accounts;
    int naccounts;
    int ncards;
    /* the what-if (nsets > 0) */
    bool whatif;
    long changed;               /* accounts whose outcome changes (as kam diff counts) */
    double changed_revenue;
    RepChange *changes;         /* at most MAX_LISTED of them */
    int nchanges;
    long not_compared;          /* accounts one of the two evaluations could not evaluate */
    RepSelCount *selcounts;
    int nselcounts;
} ReportDoc;

enum { MAX_LISTED = 1000, MAX_CARDS = 100 };

/* Write the whole document; 0, or -1 if out could not be written. */
int report_write_html(const ReportDoc *d, FILE *out);
int report_write_md(const ReportDoc *d, FILE *out);

#endif
