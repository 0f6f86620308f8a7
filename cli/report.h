/* report.h — what `kam run` can print instead of one line per account:
 * --summary (counts per select, tier, flag and entitlement, revenue per
 * tier, the stage-movement matrix, the portfolio flags once; --coverage is
 * coverage.h's). */
#ifndef KAM_REPORT_H
#define KAM_REPORT_H

#include "run.h"
#include "../runtime/reader.h"

#include <stdio.h>

typedef struct Summary Summary;

/* revenue: the money field (index) summed per tier, or -1 and `why` not. */
Summary *summary_new(const RunSession *rs, int revenue, const char *why);
/* Adds the record just evaluated (the VM's registers). */
void summary_add(Summary *s, const RunSession *rs);
/* left_out: the records that could not be read or evaluated (said too). */
void summary_print(const Summary *s, const RunSession *rs, FILE *out, bool json, long left_out);
void summary_free(Summary *s);

/* For kam report: a summary fed from any evaluation of policy p compiled as
 * c (the registers of each record, e.g. a session's), and what it counted,
 * row by row in the order --summary prints them. */
Summary *summary_new_for(const Policy *p, const Chunk *c, int revenue, const char *why);
void summary_add_regs(Summary *s, const Value *regs);
/* kam run -j: a worker's part of the summary keeps each record's revenue
 * and where it goes instead of adding it (keep_addends, before any
 * record); summary_merge adds a part (later records than any merged so
 * far) to s as adding its records one by one would, the revenue sums
 * added in input order, so the bits are those of one summary. */
void summary_keep_addends(Summary *s);
void summary_merge(Summary *s, const Summary *part);
/* An entitlement's term among the accounts that hold it, as the JSON
 * summary's "terms" gives it: the accounts (the term not missing), the
 * distinct values (the first SUMMARY_TERM_VALUES: exact is the JSON text,
 * a string's with its quotes; people as --summary writes it) with their
 * counts, and a number's range. */
enum { SUMMARY_TERM_VALUES = 8 };
typedef struct SummaryTerm {
    ChunkTerm t;            /* a copy: its strings are the policy's, it outlives the chunk */
    long accounts;
    int nvals;
    bool more;                          /* more distinct values than listed */
    char *exact[SUMMARY_TERM_VALUES];
    char *people[SUMMARY_TERM_VALUES];
    long count[SUMMARY_TERM_VALUES];
    bool numeric;
    double min, max;
} SummaryTerm;
typedef struct SummaryRow {
    const Sym *sym;         /* a select, tier, stages block, entitlement or flag */
    const long *counts;     /* selects, entitlements, flags: [0] accounts that have it;
                               tiers, stages: per member, [members] = none */
    const double *revenue;  /* the revenue they carry, alike; NULL with no revenue field */
    const long *moves;      /* stages: members*members, from * members + to; else NULL */
    const SummaryTerm *terms;   /* entitlements: their terms (nterms), else NULL */
    int nterms;
} SummaryRow;
/* The portfolio flags as the engine worked them out (after the passes). */
void summary_set_portfolio(Summary *s, const Engine *e);
typedef struct SummaryPortfolio {
    const Sym *sym;         /* the portfolio flag (its name, its text: policy_desc) */
    int value;              /* 1 raised, 0 not, -1 not worked out */
    const char *why;        /* why not worked out, or NULL */
} SummaryPortfolio;
int summary_nportfolio(const Summary *s);
SummaryPortfolio summary_portfolio(const Summary *s, int i);
long summary_records(const Summary *s);
int summary_nrows(const Summary *s);
SummaryRow summary_row(const Summary *s, int i);

#endif
