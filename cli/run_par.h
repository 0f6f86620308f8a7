/* run_par.h — the passes of `kam run` on several workers (-j N): a CSV or
 * JSON Lines file split at record boundaries into chunks, each chunk read
 * and evaluated by a worker thread with its own VM — in each portfolio
 * pass into partial aggregates and limits, in the record pass into rows —
 * and the chunks' states, output, messages and counts put together in
 * input order, so that the result is byte for byte that of one worker.
 * cli/run.c runs the passes in order and hands each to the split.
 * What a run with one worker does, and when several are used: docs/design.md
 * ("Parallel kam run"). */
#ifndef KAM_RUN_PAR_H
#define KAM_RUN_PAR_H

#include "run.h"
#include "progress.h"
#include "report.h"

#include <stdio.h>

enum { RUN_MAX_SHOWN = 50 };    /* data errors shown one by one, then a count */

/* What the record pass found. Its messages to stderr are held back (held)
 * when the pass may have to be done again, and printed once it stands. */
typedef struct Pass2 {
    long bad, records;
    bool stop, unreadable;
    long late;              /* records the portfolio passes counted that this pass rejects */
    bool write_failed;
    char write_err[300];    /* why, when errno does not say */
    bool held;
    char *msgs[RUN_MAX_SHOWN + 1];
    int nmsgs;
} Pass2;

/* In cli/run.c: a message of the record pass (printed, or held); a record
 * the passes counted that the record pass cannot read (left out of them
 * from now on, r->late counted). */
void pass2_say(Pass2 *r, const char *text);
void pass2_mark_late(RunSession *rs, Pass2 *r, long ordinal);

/* The workers -j asks for: jobs, or with 0 every online core. */
int par_jobs(int jobs);

typedef struct ParSplit ParSplit;

/* A split of data_path among `jobs` workers, or NULL when the passes run
 * on one: one job; not a regular CSV or JSON Lines file (SQLite and Excel
 * are read by one worker); a table or an xlsx workbook (each needs every
 * row in one place; --summary and --coverage are merged); or
 * a file that cannot be opened (the record pass then says why). CSV and
 * JSON Lines files are split (the caller spools standard input to one
 * when par_wanted). */
/* Whether the options and the data's kind allow several workers. */
bool par_wanted(const RunOptions *o, const char *data_path, int jobs);
ParSplit *par_split(const RunSession *rs, const RunOptions *o, const char *data_path, int jobs);
void par_free(ParSplit *sp);
/* A portfolio pass read by one worker (par_pass could not open the data
 * again) shows the split the true record boundaries: begin before it
 * reads, note every record it reads (ordinal: its number in the data),
 * end after. */
void par_note_begin(ParSplit *sp);
void par_note(ParSplit *sp, const Source *src, long ordinal);
void par_note_end(ParSplit *sp, long records);

/* Portfolio pass k over the split's chunks, on its workers, between the
 * caller's eng_pass_begin and eng_pass_end: each chunk's partial
 * aggregates and limits merged into rs->vm in input order, the records it
 * leaves out said to the engine in input order, so that all is as one
 * worker would leave it. The first pass also finds where the chunks truly
 * start (their records, lines and ordinals) for the later passes and the
 * record pass. false (nothing done) if a worker could not open the data
 * again: the caller then reads it with one. */
bool par_pass(RunSession *rs, ParSplit *sp, int k, const SourceOpts *in);


/* The record pass over the split's chunks: each chunk's rows written to w
 * (opened by the caller on the output, header and all; NULL for --summary
 * and --coverage, whose parts are merged into sum and rs->cov), its messages said
 * through pass2_say, counts, stop and late records into r, as one worker
 * would; percent-column tallies merged into pct. Progress ticks as chunks
 * finish. */
void par_records(RunSession *rs, const RunOptions *o, ParSplit *sp, Writer *w, Summary *sum,
                 Pass2 *r, RdPctScan *pct, Progress *prog);

#endif
