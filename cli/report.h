/* report.h — what `kam run` can print instead of one line per account:
 * --summary (counts per select, tier, flag and entitlement, revenue per
 * tier, the stage-movement matrix; --coverage is coverage.h's), and the
 * progress bar shown on a terminal during long runs. */
#ifndef KAM_REPORT_H
#define KAM_REPORT_H

#include "run.h"
#include "../runtime/reader.h"

#include <stdio.h>
#include <time.h>

typedef struct Summary Summary;

/* revenue: the money field (index) summed per tier, or -1 and `why` not. */
Summary *summary_new(const RunSession *rs, int revenue, const char *why);
/* Adds the record just evaluated (the VM's registers). */
void summary_add(Summary *s, const RunSession *rs);
void summary_print(const Summary *s, const RunSession *rs, FILE *out, bool json);
void summary_free(Summary *s);

typedef struct Progress {
    bool on;
    struct timespec start, last;
    long long size;
} Progress;

/* A bar on stderr if `want` and stderr is a terminal and the input is large. */
void progress_start(Progress *p, bool want, const Source *src);
void progress_tick(Progress *p, const Source *src, long records);
void progress_end(Progress *p);

#endif
