/* progress.c — the progress bar `kam run` shows on a terminal during long
 * runs (see progress.h): the share of the input read, records and their
 * rate, redrawn at most five times a second on stderr. */
#define _POSIX_C_SOURCE 200809L
#include "progress.h"

#include <string.h>
#include <unistd.h>

static double seconds(struct timespec a, struct timespec b)
{
    return (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
}

void progress_start(Progress *p, bool want, const Source *src)
{
    memset(p, 0, sizeof *p);
    p->size = rd_size(src);
    p->on = want && isatty(STDERR_FILENO) && p->size > 16 * 1024 * 1024;
    clock_gettime(CLOCK_MONOTONIC, &p->start);
    p->last = p->start;
}

void progress_tick(Progress *p, const Source *src, long records)
{
    if (p->on) progress_tick_at(p, rd_offset(src), records);
}

void progress_tick_at(Progress *p, long long offset, long records)
{
    if (!p->on) return;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (seconds(p->last, now) < 0.2) return;
    p->last = now;
    double done = p->size ? (double)offset / (double)p->size : 0;
    double rate = (double)records / (seconds(p->start, now) + 1e-9);
    int w = (int)(done * 30);
    fputs("\r  [", stderr);
    for (int i = 0; i < 30; i++) fputc(i < w ? '#' : ' ', stderr);
    fprintf(stderr, "] %3.0f%%  %ld records  %.0f records/s ", done * 100, records, rate);
}

void progress_end(Progress *p)
{
    if (p->on) fputs("\r\033[K", stderr);
}
