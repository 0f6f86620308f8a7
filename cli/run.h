/* run.h — what `kam run` and the commands built on it (diff, explain, the
 * REPL) share: the options that shape a run, and the run itself. */
#ifndef KAM_RUN_H
#define KAM_RUN_H

#include "../runtime/writer.h"
#include "../runtime/vm.h"
#include "../runtime/reader.h"
#include "../api/engine.h"
#include "coverage.h"

typedef enum { ON_ERROR_REPORT, ON_ERROR_SKIP, ON_ERROR_FAIL } OnError;

enum { MAX_SETS = 64 };

typedef struct RunOptions {
    const char *sets[MAX_SETS];     /* "NAME=VALUE" */
    int nsets;
    const char *as_of;              /* YYYY-MM-DD, or NULL for today */
    const char *where;              /* a bool expression, or NULL */
    const char *out_path;           /* NULL for stdout */
    OutFormat format;
    bool json;                      /* --format json (with --summary or --coverage) */
    OnError on_error;
    SourceOpts input;               /* --input csv|jsonl|sqlite, --table NAME */
    bool summary;                   /* --summary instead of rows */
    bool coverage;                  /* --coverage instead of rows */
    bool progress;                  /* a progress bar on stderr (a terminal) */
    const char *revenue;            /* --revenue FIELD: the money --summary sums */
    const char *columns;            /* --columns NAME,...: record fields shown after
                                       the key (NULL: the policy's `display` and
                                       `output` fields; "": none) */
    int width;                      /* the table's width (0: cells in full) */
    int jobs;                       /* -j: workers for the record pass (0: every core) */
} RunOptions;

void run_options_init(RunOptions *o);
/* Parses an option that every evaluating command takes (--set, --as-of,
 * --where, --on-error, --input, --table) at argv[i]. Returns how many arguments it used (0 if
 * argv[i] is not one of them), or -1 after printing a usage error. */
int run_parse_common(RunOptions *o, int argc, char **argv, int i, const char *cmd);
/* A policy loaded, compiled and ready: params set, init code run. */
typedef struct RunSession {
    Policy *pol;
    Engine eng;             /* the evaluation: chunk and vm are its */
    Chunk *chunk;
    Vm *vm;
    DiagList diags;
    Coverage cov;           /* --coverage */
    bool summary;           /* --summary: also reads the stage fields */
    int revenue;            /* --summary's money field (index), or -1 */
    const char *revenue_why;    /* why there is none */
    int npolicy_files;      /* pol->src.files[0..n): the policy and its imports */
    int *columns;           /* --columns: record field indices, in order */
    int ncolumns;
    struct ParSplit *split; /* kam run on several workers (run_par.h), or NULL */
} RunSession;

/* Loads and compiles the policy, applies --where, --as-of and --set, runs
 * the init code. Prints what went wrong; returns an exit status (EXIT_OK on
 * success). Call run_unload whatever it returns. */
int run_load(RunSession *rs, const char *policy_path, const RunOptions *o);
void run_unload(RunSession *rs);
/* The portfolio passes over the data (none if the policy has no aggregates
 * or limits), the data read once for each, again from pass 1 while a pass
 * leaves out a record that an earlier one counted. Not ENG_OK (reason
 * printed) if the data cannot be opened. */
EngStatus run_passes(RunSession *rs, const char *data_path, const SourceOpts *in);
/* The money field --summary sums: --revenue `name`, else the one money
 * field whose name says revenue; -1 (*why says why) if none or several, -2
 * (said on stderr) if `name` is not a money field of the record. */
int run_revenue_field(const Policy *p, const char *name, const char **why);
/* Runs the policy over the data and writes outcomes; returns the exit status. */
int run_policy(const char *policy_path, const char *data_path, const RunOptions *o);

#endif
