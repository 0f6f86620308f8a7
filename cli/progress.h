/* progress.h — the progress bar of a long `kam run` on a terminal. */
#ifndef KAM_PROGRESS_H
#define KAM_PROGRESS_H

#include "../runtime/reader.h"

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

typedef struct Progress {
    bool on;
    struct timespec start, last;
    long long size;
} Progress;

/* A bar on stderr if `want` and stderr is a terminal and the input is large. */
void progress_start(Progress *p, bool want, const Source *src);
void progress_tick(Progress *p, const Source *src, long records);
/* The same, with the input read up to byte `offset` (the parallel record
 * pass, as chunks are merged). */
void progress_tick_at(Progress *p, long long offset, long records);
void progress_end(Progress *p);

#endif
