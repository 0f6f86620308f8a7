/* run_par.c — the passes of `kam run` on several workers (see run_par.h).
 * It holds the split of a CSV or JSON Lines file into chunks, the worker
 * threads, and the merges in input order; not the order of the passes,
 * the writer's formats, the reader or the aggregate state (cli/run.c,
 * runtime/). The chunks are even shares of the bytes but the last few of
 * each worker, a half and a quarter of the others (chunk_units).
 *
 * The split. A chunk is a byte range of the file that starts where a
 * record starts. In JSON Lines a line is a record, so every line start is
 * one (and only LF ends a line). In CSV a quoted field may hold line
 * breaks, so a line start is not always a record start, and only reading
 * from the start of the file tells which is which. Two ways, both exact:
 *   - with portfolio passes, pass 1's workers start at the nominal starts
 *     (line starts near even shares of the bytes) and check them as below
 *     (par_pass), learning on the way each chunk's first line and ordinal
 *     (its first record's number in the data: limits keep records by
 *     ordinal); the later passes and the record pass start there, exact;
 *     if a worker cannot open the file again, pass 1 is read by one and
 *     notes the same (par_note);
 *   - without passes, a chunk starts at its nominal line start and its
 *     line number is counted (line ends: LF, CRLF, lone CR, quoted or not;
 *     the workers count the ranges between starts in parallel first) —
 *     a guess that is checked: each worker reads on past its end to the
 *     first record that starts at or after it, and notes where that is.
 *     The merge, which goes in input order and so knows the previous chunk
 *     is right, compares that place with where the next worker's first
 *     record started; when they differ (the nominal start was inside a
 *     quoted field), the next chunk is read again from the right place, on
 *     the merging thread. Ordinals mean nothing without passes.
 * (In JSON Lines the check always finds the guess right.) A worker opens
 * the file for itself once a pass, matches the header as one worker does,
 * and seeks to each chunk it takes (worker_seek).
 *
 * The workers. Each has a VM of its own on the shared compiled chunk
 * (read only while records run: constants, regexes, enums), its registers
 * copied from the main VM once the passes are done, and the main VM's
 * aggregate and limit state lent to it (the record code only reads them:
 * AGG and LIMIT_GET; the adding instructions run in the passes alone).
 * Records the passes counted but this pass rejects are noted per chunk
 * and marked once every worker has stopped.
 *
 * A portfolio pass (par_pass): each worker's VM has empty state for the
 * pass's layer and the earlier layers' state lent (vm_pass_lend); a
 * chunk's partial state and the records it left out wait until every
 * chunk is read, then the merging thread checks the starts, reads again
 * the chunks that started inside a record, and merges in input order
 * (vm_pass_merge, eng_pass_failed): the state one worker would have. A
 * pass of plain adds is summed without the VM (eng_pass_eval, through
 * vm_pass_plain), its addends kept all the same.
 *
 * Workers stay at most AHEAD chunks each ahead of the merge, so memory
 * is bounded by the chunk size (4 MiB of input) times the workers, not by
 * the output, when the output is read slowly.
 *
 * The merge writes chunk after chunk: rows (each worker's writer writes
 * the same format without the header; the chunk the merge has reached
 * writes its own straight into the output's writer, see Sink), data-error
 * messages (at most
 * RUN_MAX_SHOWN in all, in order), counts; at the first chunk that stops
 * (--on-error fail, or input that cannot be read further) it stops, as one
 * worker would have. */
#define _GNU_SOURCE
#include "run_par.h"
#include "cli.h"
#include "progress.h"
#include "report.h"
#include "../runtime/reader.h"
#include "../runtime/reader_csv.h"
#include "../runtime/vm.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum {
    CHUNK_BYTES = 4 << 20,      /* at most this much per chunk, for memory and balance (at 8
                                   MiB the last chunk kept one of 2 workers idle longer) */
    MAX_CHUNKS = 4096,
    BLOCK = 1 << 20,            /* reading to count lines */
    AHEAD = 2                   /* chunks a worker may be ahead of the merge, each */
};

#define AT_END LLONG_MAX        /* "no record": the end of the data */

typedef struct Chunk_ {
    /* given */
    long long start, end;       /* records starting in [start, end) */
    long line;                  /* physical line at start */
    long ord;                   /* ordinal of its first record */
    /* found */
    long long first;            /* where its first record started (AT_END: none) */
    long long next;             /* where the first record at or after end starts */
    long next_line;
    long first_line;            /* the line of first, as read */
    long line_read;             /* the line it was read with at start (a guess before pass 1) */
    long ord_read;              /* the ordinal it was read with (0 before pass 1) */
    char *out;                  /* its rows not yet written */
    size_t outlen, outcap;
    int live;                   /* the merge has written every chunk before it (atomic) */
    long long expect;           /* then: where its first record must start (-1: anywhere) */
    bool direct;                /* its rows go straight to the output from now on */
    long records, bad;
    char **msgs;                /* the first RUN_MAX_SHOWN data-error messages */
    int nmsgs;
    char *unreadable;           /* why the input cannot be read further, or NULL */
    bool stop;                  /* --on-error fail stopped at a bad record */
    long *late;                 /* records the passes counted that this pass rejects */
    size_t nlate, caplate;
    RdPctScan *pct;
    int state;                  /* 0 waiting, 1 being read, 2 done */
    /* a portfolio pass */
    VmPartial part;             /* what its records added */
    const Chunk *ck;            /* the compiled policy part belongs to */
    long *fails;                /* the records it left out, in order (ordinals as read) */
    char **fwhy;                /* and why (NULL: not read or converted) */
    size_t nfails, capfails;
    bool not_read;              /* it could not be opened again */
    CovItem *cov;               /* --coverage: its records' counts */
    Summary *sum;               /* --summary: its records' part */
    Writer *tw;                 /* the table: its rows, held until merged */
    FILE *tmem;
} Chunk_;

struct ParSplit {
    char *path;
    int jobs;
    int n;
    Chunk_ *ch;
    long long size;
    bool exact;                 /* starts noted by a pass (else: checked guesses) */
    bool jsonl;                 /* JSON Lines: only LF ends a line */
    bool count;                 /* the chunks' lines are still to be counted */
    int noted;                  /* par_note: the next chunk to place */
    long long *nominal;         /* by chunk: its nominal start */
};

int par_jobs(int jobs)
{
    if (jobs > 0) return jobs;
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 256 ? 256 : (int)n;
}

/* The file's bytes [from, to) into block (BLOCK bytes), a block at a
 * time: calls each(block, n, ud) for each; false if reading fails. */
static bool each_block(int fd, long long from, long long to, char *block,
                       void (*each)(const char *, size_t, void *), void *ud)
{
    while (from < to) {
        size_t want = to - from < BLOCK ? (size_t)(to - from) : BLOCK;
        ssize_t got = pread(fd, block, want, (off_t)from);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) return false;
        each(block, (size_t)got, ud);
        from += got;
    }
    return true;
}

/* Counting physical line ends: LF, CRLF and lone CR once each, as the
 * CSV reader counts lines (a CR at a block's end waits for the next
 * byte). */
typedef struct LineCount {
    long lines;
    bool cr;                    /* the last block ended with a CR */
    bool lf_only;               /* JSON Lines: only LF ends a line (CR is whitespace) */
} LineCount;

static void count_block(const char *s, size_t n, void *ud)
{
    LineCount *lc = ud;
    const char *end = s + n, *p;
    if (lc->cr && n && s[0] != '\n') lc->lines++;
    lc->cr = false;
    for (p = s; p < end && (p = memchr(p, '\n', (size_t)(end - p))); p++) lc->lines++;
    if (lc->lf_only) return;
    for (p = s; p < end && (p = memchr(p, '\r', (size_t)(end - p))); p++) {
        if (p + 1 == end) lc->cr = true;
        else if (p[1] != '\n') lc->lines++;
    }
}

/* Physical line ends in the file's bytes [from, to). */
static long line_ends(int fd, long long from, long long to, bool lf_only, char *block, bool *ok)
{
    LineCount lc = {0, false, lf_only};
    if (!each_block(fd, from, to, block, count_block, &lc)) *ok = false;
    return lc.lines + (lc.cr ? 1 : 0);
}

/* The offset just after the first LF at or after target - 1 (so target
 * itself if a line starts there), or size if there is none. */
static long long line_start(int fd, long long target, long long size, char *block, bool *ok)
{
    for (long long at = target - 1; at < size;) {
        ssize_t got = pread(fd, block, 65536, (off_t)at);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) {
            *ok = false;
            return size;
        }
        const char *nl = memchr(block, '\n', (size_t)got);
        if (nl) return at + (nl - block) + 1;
        at += got;
    }
    return size;
}

bool par_wanted(const RunOptions *o, const char *data_path, int jobs)
{
    if (jobs <= 1) return false;
    if (!o->coverage && !o->summary && o->format == FMT_XLSX) return false;
    const char *kind = rd_kind(data_path, &o->input);
    return strcmp(kind, "jsonl") == 0 || strcmp(kind, "csv") == 0 ||
           (strcmp(kind, "sqlite") == 0 && strcmp(data_path, "-") != 0);
}

/* The chunk size: KAM_CHUNK_BYTES (at least 256) makes chunks smaller, for
 * tests (tests/cli/parallel_agrees.sh); else CHUNK_BYTES. */
static long long chunk_bytes(void)
{
    const char *knob = getenv("KAM_CHUNK_BYTES");
    long long bytes = knob ? atoll(knob) : 0;
    return bytes < 256 ? CHUNK_BYTES : bytes;
}

/* How many chunks: `want`, rounded up to a multiple of the workers (at
 * most MAX_CHUNKS, rounded down then), so that chunks of even size give
 * each worker as many: with 17 chunks on 2 workers one of them read a
 * ninth chunk while the other waited. */
static int split_count(int jobs, long long want)
{
    if (want <= jobs) return jobs;
    long long n = (want + jobs - 1) / jobs * jobs;
    if (n > MAX_CHUNKS) n = MAX_CHUNKS / jobs * jobs;
    return n < jobs ? jobs : (int)n;
}

/* A split of `size` (bytes or rows) into about `want` chunks (split_count)
 * at least one per worker; the chunks' places are the caller's. */
static ParSplit *split_new(const char *data_path, int jobs, long long want, long long size)
{
    int n = split_count(jobs, want);
    ParSplit *sp = xcalloc(1, sizeof *sp);
    sp->path = xstrdup(data_path);
    sp->jobs = jobs;
    sp->n = n;
    sp->size = size;
    sp->ch = xcalloc((size_t)n, sizeof(Chunk_));
    sp->nominal = xcalloc((size_t)n + 1, sizeof(long long));
    return sp;
}

/* A rowid table of a SQLite database (src, just opened), split by row
 * numbers: exact places, so nothing is checked or counted. NULL if it
 * cannot be read in parts (a view, a table without rowid). */
static ParSplit *split_rows(Source *src, const char *data_path, int jobs)
{
    long long rows = rd_size(src);
    if (!rd_seek(src, 1, 1, 0) || rows < 0) return NULL;
    long long per = chunk_bytes() / 128;        /* rows of about 128 bytes */
    ParSplit *sp = split_new(data_path, jobs, rows / per + 1, rows);
    int n = sp->n;
    for (int i = 0; i < n; i++) {
        long long first = 1 + rows / n * i;
        sp->ch[i].start = first > rows ? AT_END : first;
        sp->ch[i].line = first;
        sp->ch[i].ord = first - 1;
        sp->nominal[i] = first;
    }
    for (int i = 0; i < n; i++) sp->ch[i].end = i + 1 < n ? sp->ch[i + 1].start : AT_END;
    sp->nominal[n] = rows + 1;
    sp->exact = true;
    return sp;
}

/* Chunk i's share of the bytes, of n on `jobs` workers: 4, but for the
 * last chunks when there are 8 a worker or more: the last 2 of each
 * worker 1, the 2 before them 2. The workers take the chunks in turn, so
 * the last one keeps one of them reading while the others have nothing
 * left: smaller, they finish closer together (`kam run -j 2` on 1M
 * accounts: 0.88-0.91x the wall of even chunks; docs/performance.md,
 * "Session 13"). */
static int chunk_units(int i, int n, int jobs)
{
    int tail = n >= 8 * jobs ? 2 * jobs : 0;
    return i < n - 2 * tail ? 4 : i < n - tail ? 2 : 1;
}

ParSplit *par_split(const RunSession *rs, const RunOptions *o, const char *data_path, int jobs)
{
    if (strcmp(data_path, "-") == 0 || !par_wanted(o, data_path, jobs)) return NULL;
    const char *kind = rd_kind(data_path, &o->input);
    bool jsonl = strcmp(kind, "jsonl") == 0;
    struct stat st;
    if (stat(data_path, &st) != 0 || !S_ISREG(st.st_mode)) return NULL;
    char msg[1024];
    bool misfit;
    Source *src = rd_open_ex(&rs->pol->schema, data_path, &o->input, msg, sizeof msg, &misfit);
    long long s0;
    long line0;
    if (!src || !rd_position(src, &s0, &line0)) {   /* not CSV, or the record pass says why */
        rd_close(src);
        return NULL;
    }
    if (src->kind == SRC_SQLITE) {
        ParSplit *sp = split_rows(src, data_path, jobs);
        rd_close(src);
        return sp;
    }
    rd_close(src);
    int fd = open(data_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return NULL;
    long long size = st.st_size;
    long long body = size > s0 ? size - s0 : 0;
    long long want = body / chunk_bytes() + 1;
    /* with the smaller last chunks, 3 more a worker keep the others at
       most chunk_bytes() */
    if (split_count(jobs, want + 3LL * jobs) >= 8 * jobs) want += 3LL * jobs;
    ParSplit *sp = split_new(data_path, jobs, want, size);
    int n = sp->n;
    /* the chunks' line numbers: told by pass 1 with portfolio passes
       (par_note), else counted by the workers before they read */
    sp->count = !eng_has_passes(&rs->eng);
    sp->jsonl = jsonl;
    char *block = xmalloc(BLOCK);
    long long at = s0;
    long line = line0;
    bool ok = true;
    long long units = 0, before = 0;
    for (int i = 0; i < n; i++) units += chunk_units(i, n, jobs);
    for (int i = 0; i < n && ok; i++) {
        long long s = at;
        if (i > 0) {
            before += chunk_units(i - 1, n, jobs);
            long long target = s0 + (long long)((double)body * (double)before / (double)units);
            if (target > at) s = line_start(fd, target, size, block, &ok);
        }
        sp->nominal[i] = s;
        sp->ch[i].start = s;
        sp->ch[i].line = line;
        at = s;
    }
    free(block);
    close(fd);
    if (!ok) {              /* the file cannot be read: one worker says so */
        par_free(sp);
        return NULL;
    }
    sp->nominal[n] = size;
    for (int i = 0; i < n; i++) sp->ch[i].end = i + 1 < n ? sp->ch[i + 1].start : AT_END;
    return sp;
}

void par_free(ParSplit *sp)
{
    if (!sp) return;
    free(sp->ch);
    free(sp->nominal);
    free(sp->path);
    free(sp);
}

void par_note_begin(ParSplit *sp)
{
    sp->noted = 0;
}

void par_note(ParSplit *sp, const Source *src, long ordinal)
{
    if (sp->noted == sp->n) return;
    long line;
    long long at = rd_record_start(src, &line);
    while (sp->noted < sp->n && sp->nominal[sp->noted] <= at) {
        Chunk_ *c = &sp->ch[sp->noted++];
        c->start = at;
        c->line = line;
        c->ord = ordinal;
    }
}

void par_note_end(ParSplit *sp, long records)
{
    for (; sp->noted < sp->n; sp->noted++) {      /* no record starts there */
        Chunk_ *c = &sp->ch[sp->noted];
        c->start = AT_END;
        c->line = 0;
        c->ord = records;
    }
    for (int i = 0; i < sp->n; i++) sp->ch[i].end = i + 1 < sp->n ? sp->ch[i + 1].start : AT_END;
    sp->exact = true;
}

/* A buffer of held rows that the merge has written, kept for a later
 * chunk: its pages stay mapped, so filling it again costs no page faults. */
typedef struct Held {
    struct Held *next;
    char *buf;
    size_t cap;
} Held;

enum { SPARE_MAX = 8 };         /* buffers kept at most */

/* The merge and the workers. */
/* A portfolio pass's chunks merged in input order (par_pass): where the
 * next one starts, its ordinals and lines, from the ones merged before. */
typedef struct PassMerge {
    int next;                   /* the next chunk to merge */
    long ords;                  /* records before it */
    long dline;                 /* the previous chunk's true line minus its line as read */
    const struct Chunk_ *prev;  /* the last merged */
    bool stopped;               /* after input that cannot be read: the rest never reached */
    bool eager;                 /* merging each chunk as soon as it and those before
                                   it are done (mu), not after the last */
} PassMerge;

typedef struct Par {
    RunSession *rs;
    const RunOptions *o;
    ParSplit *sp;
    const bool *used;           /* the fields the record pass converts */
    Value *regs0;               /* the main VM's registers after the passes */
    bool has_passes;
    pthread_mutex_t mu;
    pthread_cond_t done;        /* a chunk is done, or merged */
    int next;                   /* the next chunk to take */
    int merged;                 /* chunks merged so far */
    int cancel;                 /* the merge stopped: take no more (atomic) */
    int next_count;             /* counting lines: the next range to take */
    long *nlines;               /* by chunk: line ends from its start to the next's */
    CovItem *cov0;              /* --coverage: the items, counts zero (rs->cov is the merge's) */
    int pass;                   /* a portfolio pass (1 ..), or 0: the record pass */
    const SourceOpts *in;
    bool check_left;            /* ordinals are known: skip the records left out */
    Writer *w;                  /* the record pass's output (csv and jsonl: the
                                   chunk being merged writes to it, see Sink) */
    Held *spare;                /* buffers of rows written, for the next chunks (mu) */
    PassMerge pm;               /* a portfolio pass: merging its chunks in order */
    Engine eng0;                /* pass 1 merged as it goes: the engine as the pass
                                   began, which its workers read (rs->eng is the
                                   merge's to write, under mu) */
} Par;

/* A worker's VM: its own registers and scratch, the main VM's aggregate
 * and limit state (lent; given back before vm_free). */
typedef struct Worker {
    Vm *vm;
    AggState *agg;
    LimitState *lim;
    AggGroups *gagg;
    Engine eng;                 /* the main engine's, with this VM */
    const Engine *pe;           /* the engine a pass's chunks are read with */
    Source *src;                /* the data, opened at its first chunk of the call
                                   and kept for the next (CSV, JSON Lines) */
    RdPlan plan;                /* the fields read, on src */
} Worker;

static void worker_open(Worker *wk, Par *p)
{
    const Vm *main = p->rs->vm;
    wk->vm = vm_new(p->rs->chunk);
    wk->src = NULL;
    wk->plan = (RdPlan){0};
    /* pass 1 merged as it goes: rs->eng changes under the workers (the
       records left out, at ordinals counted over the whole input, which a
       chunk's own do not match), so they read it as it was */
    wk->pe = p->pm.eager ? &p->eng0 : &p->rs->eng;
    wk->eng = *wk->pe;
    wk->eng.vm = wk->vm;
    wk->eng.err = NULL;
    if (p->pass) {          /* its own state for the pass, the earlier layers lent */
        vm_set_today(wk->vm, main->regs[p->rs->chunk->today_reg].u.i);
        vm_pass_lend(wk->vm, main, p->pass);
        wk->agg = NULL;
        return;
    }
    wk->agg = wk->vm->agg;
    wk->lim = wk->vm->lim;
    wk->gagg = wk->vm->gagg;
    wk->vm->agg = main->agg;
    wk->vm->lim = main->lim;
    wk->vm->gagg = main->gagg;
    wk->eng = p->rs->eng;
    wk->eng.vm = wk->vm;
    wk->eng.err = NULL;
}

/* Gives back the worker's source. */
static void worker_unread(Worker *wk)
{
    rd_plan_free(&wk->plan);
    rd_close(wk->src);
    wk->src = NULL;
}

/* The worker's source at chunk c's start, reading up to its end: opened
 * (its header matched, its fields planned: used, and with limit only they
 * are read) at the worker's first chunk, then sought to each next one —
 * but a SQLite table, which is opened for each chunk. NULL, with why in
 * msg, if it cannot be opened or sought (closed again). */
static Source *worker_seek(Par *p, Worker *wk, Chunk_ *c, const SourceOpts *in, const bool *used,
                           bool limit, char *msg, size_t len)
{
    if (wk->src && wk->src->kind == SRC_SQLITE) worker_unread(wk);
    if (!wk->src) {
        bool misfit;
        wk->src = rd_open_ex(&p->rs->pol->schema, p->sp->path, in, msg, len, &misfit);
        if (!wk->src) return NULL;
        if (limit) rd_limit_to(wk->src, used);
        wk->plan = rd_plan(wk->src, used, p->rs->chunk->field_reg);
    }
    if (!rd_seek(wk->src, c->start, c->line, c->end == AT_END ? 0 : c->end)) {
        snprintf(msg, len, "cannot read the data again from where a worker starts");
        worker_unread(wk);
        return NULL;
    }
    return wk->src;
}

static void worker_close(Worker *wk)
{
    worker_unread(wk);
    if (wk->vm->lent) {
        vm_pass_unlend(wk->vm);
        vm_free(wk->vm);
        return;
    }
    wk->vm->agg = wk->agg;
    wk->vm->lim = wk->lim;
    wk->vm->gagg = wk->gagg;
    vm_free(wk->vm);
}

/* A table chunk's writer, closed (its stream's buffer is then in c->out). */
static void table_close(Chunk_ *c)
{
    if (!c->tw) return;
    wr_close(c->tw, NULL, 0);
    fclose(c->tmem);
    c->tw = NULL;
    c->tmem = NULL;
}

static void chunk_forget(Chunk_ *c)
{
    table_close(c);
    free(c->out);
    for (int i = 0; i < c->nmsgs; i++) free(c->msgs[i]);
    free(c->msgs);
    free(c->unreadable);
    free(c->late);
    rd_pct_free(c->pct);
    for (size_t k = 0; k < c->nfails; k++) free(c->fwhy[k]);
    free(c->fails);
    free(c->fwhy);
    if (c->part.layer) vm_partial_free(c->ck, &c->part);
    free(c->cov);
    if (c->sum) summary_free(c->sum);
    long long start = c->start, end = c->end;
    long line = c->line, ord = c->ord;
    memset(c, 0, sizeof *c);
    c->start = start;
    c->end = end;
    c->line = line;
    c->ord = ord;
}

/* A worker's rows are held in memory (open_memstream): failing to hold
 * them is running out of memory, which ends kam as xmalloc's failing does. */
static void out_of_memory(void)
{
    fputs("kam: out of memory\n", stderr);
    exit(70);
}

static void chunk_say(Chunk_ *c, const char *text)
{
    if (c->nmsgs == RUN_MAX_SHOWN) return;
    if (!c->msgs) c->msgs = xcalloc(RUN_MAX_SHOWN, sizeof(char *));
    c->msgs[c->nmsgs++] = xstrdup(text);
}

/* Where a chunk's writer (csv, jsonl) puts its rows. Until the merge has
 * written every chunk before it, they are held in c->out; then (c->live)
 * the worker writes what it holds and all that follows straight into the
 * output writer, which no other thread uses meanwhile: the merge waits for
 * the chunk to be done before it writes again. Not when the chunk's first
 * record is not where the chunk before it found the next one (a guessed
 * start inside a quoted field): the merge reads that chunk again. */
typedef struct Sink {
    Par *p;
    Chunk_ *c;
} Sink;

static ssize_t sink_write(void *cookie, const char *buf, size_t n)
{
    Sink *s = cookie;
    Chunk_ *c = s->c;
    if (!c->direct && __atomic_load_n(&c->live, __ATOMIC_ACQUIRE) &&
        (c->expect < 0 || c->first == c->expect)) {
        c->direct = true;
        if (c->outlen) wr_raw(s->p->w, c->out, c->outlen);
        c->outlen = 0;
    }
    if (c->direct) {
        wr_raw(s->p->w, buf, n);
        return (ssize_t)n;
    }
    if (!c->out) {              /* a spare buffer if there is one */
        pthread_mutex_lock(&s->p->mu);
        Held *h = s->p->spare;
        if (h) s->p->spare = h->next;
        pthread_mutex_unlock(&s->p->mu);
        if (h) {
            c->out = h->buf;
            c->outcap = h->cap;
            free(h);
        }
    }
    if (c->outlen + n > c->outcap) {
        /* first as much as the chunk's bytes (rows are mostly shorter than
           their records; pages not written are never touched) */
        size_t cap = c->outcap ? c->outcap
                     : c->end != AT_END && c->end - c->start > (1 << 20) ? (size_t)(c->end - c->start)
                     : 1 << 20;
        while (cap < c->outlen + n) cap *= 2;
        c->out = xrealloc(c->out, cap);
        c->outcap = cap;
    }
    memcpy(c->out + c->outlen, buf, n);
    c->outlen += n;
    return (ssize_t)n;
}

/* Reads, evaluates and writes one chunk, as the record pass of cli/run.c
 * does for the whole file. */
static void run_chunk(Par *p, Worker *wk, Chunk_ *c)
{
    RunSession *rs = p->rs;
    const RunOptions *o = p->o;
    c->first = c->next = AT_END;
    if (c->start == AT_END) return;
    char msg[1024], why[800];
    Source *src = worker_seek(p, wk, c, &o->input, p->used, false, msg, sizeof msg);
    if (!src) {
        c->first = c->start;
        c->unreadable = xstrdup(msg);
        return;
    }
    memcpy(wk->vm->regs, p->regs0, sizeof(Value) * (size_t)rs->chunk->nregs);
    const RdPlan *plan = &wk->plan;
    src->pct = rd_pct_new(&rs->pol->schema);
    FILE *mem = NULL;
    Writer *w = NULL;
    Sink sink = {p, c};
    Coverage cov = {NULL, 0, rs->cov.pol};
    if (o->summary) {           /* its part, merged in input order */
        c->sum = summary_new(rs, rs->revenue, rs->revenue_why);
        summary_keep_addends(c->sum);
    } else if (o->coverage) {   /* counts, added up in the merge */
        cov.n = rs->cov.n;
        cov.items = c->cov = xcalloc((size_t)cov.n + 1, sizeof(CovItem));
        if (cov.n) memcpy(cov.items, p->cov0, sizeof(CovItem) * (size_t)cov.n);
    } else {
        if (o->format == FMT_TABLE) {
            mem = open_memstream(&c->out, &c->outlen);
        } else {
            mem = fopencookie(&sink, "w", (cookie_io_functions_t){NULL, sink_write, NULL, NULL});
            if (mem) setvbuf(mem, NULL, _IONBF, 0);     /* the writer buffers */
        }
        WrOptions wo = {rs->columns, rs->ncolumns, o->width, rs->chunk->schema->record, true};
        w = mem ? wr_open(mem, o->format, rs->chunk, &wo, msg, sizeof msg) : NULL;
        if (!w) out_of_memory();
    }
    const Chunk *ck = rs->chunk;
    const Policy *pol = rs->pol;
    Vm *vm = wk->vm;
    long ord = c->ord;
    bool first = true;
    int rc;
    while (!c->stop && (rc = rd_next(src)) != 0) {
        long line;
        long long at = rd_record_start(src, &line);
        if (first) c->first = at;
        first = false;
        if (at >= c->end) {         /* the next chunk's first record */
            c->next = at;
            c->next_line = line;
            break;
        }
        if ((c->records & 1023) == 0 && __atomic_load_n(&p->cancel, __ATOMIC_RELAXED)) break;
        if (rc < 0) {
            c->unreadable = xstrdup(src->err);
            break;
        }
        long rord = ord++;
        c->records++;
        const char *problem = NULL;     /* (rd_fill takes no scratch: eng_record resets it) */
        if (rc == 2) problem = src->err;
        else if (rd_fill(src, plan, vm->regs) != 0) problem = src->err;
        const char *key = NULL;
        size_t keylen = 0;
        if (!problem && pol->key_field >= 0) {
            const RdField *kf = &src->fields[src->col[pol->key_field]];
            key = kf->ptr;
            keylen = kf->len;
            if (keylen == 0) {
                snprintf(msg, sizeof msg, "%s:%ld: field \"%s\": the key is empty", src->path,
                         src->line, pol->fields[pol->key_field]->name.name);
                problem = msg;
            }
        }
        if (problem && p->has_passes && !eng_left_out(&wk->eng, rord)) {
            if (c->nlate == c->caplate) {
                c->caplate = c->caplate ? c->caplate * 2 : 16;
                c->late = xrealloc(c->late, c->caplate * sizeof(long));
            }
            c->late[c->nlate++] = rord;
        }
        if (!problem && wk->eng.left_out && eng_left_out(&wk->eng, rord)) {
            snprintf(msg, sizeof msg, "%s:%ld: %s", src->path, src->line,
                     eng_left_out_why(&wk->eng, rord));
            problem = msg;
        }
        if (!problem && !eng_record(&wk->eng, rord, key, keylen, why, sizeof why)) {
            snprintf(msg, sizeof msg, "%s:%ld: %s", src->path, src->line, why);
            problem = msg;
        }
        if (problem) {
            c->bad++;
            if (o->on_error != ON_ERROR_SKIP) chunk_say(c, problem);
            if (o->on_error == ON_ERROR_FAIL) c->stop = true;
            continue;
        }
        if (o->where && !vm->regs[ck->probe_reg[0]].u.i) continue;
        if (w) wr_record(w, vm->regs, key, keylen, src->line);
        if (c->sum) summary_add_regs(c->sum, vm->regs);
        else if (cov.items) cov_add(&cov, ck, vm->regs);
    }
    if (first) c->first = AT_END;
    if (w && o->format == FMT_TABLE) {      /* its rows join the table in the merge */
        c->tw = w;
        c->tmem = mem;
    } else if (w && (wr_close(w, NULL, 0) != 0 || fclose(mem) != 0)) {
        out_of_memory();
    }
    c->pct = src->pct;
    src->pct = NULL;
}

/* A record pass_chunk leaves out (why: its evaluation failed), in order. */
static void pass_fail(Chunk_ *c, long ord, const char *why)
{
    if (c->nfails == c->capfails) {
        c->capfails = c->capfails ? c->capfails * 2 : 16;
        c->fails = xrealloc(c->fails, c->capfails * sizeof(long));
        c->fwhy = xrealloc(c->fwhy, c->capfails * sizeof(char *));
    }
    c->fails[c->nfails] = ord;
    c->fwhy[c->nfails++] = why ? xstrdup(why) : NULL;
}

/* Portfolio pass p->pass over one chunk, as run_pass in cli/run.c does
 * over the whole file, into the chunk's partial state; which records fail
 * is noted, not yet said (the merge says it, in input order). */
static void pass_chunk(Par *p, Worker *wk, Chunk_ *c)
{
    RunSession *rs = p->rs;
    c->first = c->next = AT_END;
    c->ck = rs->chunk;
    c->line_read = c->line;
    c->ord_read = c->ord;
    if (c->start == AT_END) return;
    char msg[1024], why[700];
    Source *src = worker_seek(p, wk, c, p->in, rs->chunk->pass_field_used[p->pass - 1], true, msg,
                              sizeof msg);
    if (!src) {
        c->first = c->start;
        c->unreadable = xstrdup(msg);
        c->not_read = true;             /* the pass is then done on one worker */
        return;
    }
    const RdPlan *plan = &wk->plan;
    Vm *vm = wk->vm;
    memcpy(vm->regs, p->regs0, sizeof(Value) * (size_t)rs->chunk->nregs);
    Value *R = vm->regs;
    const Policy *pol = rs->pol;
    long ord = c->ord;
    bool first = true, batch = true;
    int rc;
    for (;;) {
        if (batch && !first) {  /* a run of plain records summed at once */
            long n = eng_pass_batch(wk->pe, vm, p->pass, src, plan, ord, c->end);
            if (n < 0) batch = false;
            if (n > 0) {
                ord += n;
                c->records += n;
                if (__atomic_load_n(&p->cancel, __ATOMIC_RELAXED)) break;
                continue;
            }
        }
        if ((rc = rd_next(src)) == 0) break;
        long line;
        long long at = rd_record_start(src, &line);
        if (first) {
            c->first = at;
            c->first_line = line;
        }
        first = false;
        if (at >= c->end) {             /* the next chunk's first record */
            c->next = at;
            c->next_line = line;
            break;
        }
        if (rc < 0) {                   /* the record pass reports where the input stops */
            c->unreadable = xstrdup(src->err);
            break;
        }
        if ((c->records & 1023) == 0 && __atomic_load_n(&p->cancel, __ATOMIC_RELAXED)) break;
        long o = ord++;
        c->records++;
        if (p->check_left && eng_left_out(wk->pe, o)) continue;
        if (rc == 2) {                  /* reported in the record pass */
            pass_fail(c, o, NULL);
            continue;
        }
        const char *key = NULL;
        size_t keylen = 0;
        if (pol->key_field >= 0 && src->col[pol->key_field] < (int)src->nfields) {
            key = src->fields[src->col[pol->key_field]].ptr;
            keylen = src->fields[src->col[pol->key_field]].len;
            if (!keylen) {
                pass_fail(c, o, NULL);
                continue;
            }
        }
        if (rd_fill(src, plan, R) != 0) {
            pass_fail(c, o, NULL);
            continue;
        }
        /* a pass of plain adds is summed without the VM, the addends kept */
        if (!eng_pass_eval(wk->pe, vm, p->pass, o, key, keylen, why, sizeof why))
            pass_fail(c, o, why);
    }
    if (first) c->first = AT_END;
    vm_pass_take(vm, &c->part);
}

/* Counts the line ends between chunk starts, a range at a time, as
 * ranges are left; false if the file cannot be read. */
static bool count_ranges(Par *p)
{
    ParSplit *sp = p->sp;
    /* counted in place in the file's mapping (the one the workers read
       next), else read a block at a time */
    char err[256];
    CsvReader *mapped = rd_csv_open(sp->path, err, sizeof err);
    int fd = -1;
    char *block = NULL;
    bool ok = true;
    for (;;) {
        int i = __atomic_fetch_add(&p->next_count, 1, __ATOMIC_RELAXED);
        if (i >= sp->n - 1) break;
        long long from = sp->ch[i].start, to = sp->ch[i + 1].start;
        long n = to > from && mapped ? rd_csv_line_ends(mapped, from, to, sp->jsonl) : 0;
        if (n < 0 || (to > from && !mapped)) {
            if (fd < 0 && (fd = open(sp->path, O_RDONLY | O_CLOEXEC)) < 0) {
                ok = false;
                break;
            }
            if (!block) block = xmalloc(BLOCK);
            n = line_ends(fd, from, to, sp->jsonl, block, &ok);
        }
        p->nlines[i] = n;
    }
    if (mapped) rd_csv_close(mapped);
    free(block);
    if (fd >= 0) close(fd);
    return ok;
}

static void *count_main(void *arg)
{
    Par *p = arg;
    if (!count_ranges(p)) __atomic_store_n(&p->cancel, 1, __ATOMIC_RELAXED);
    return NULL;
}

/* Merges chunk c, the next in input order, into the pass's state: its
 * start, lines and ordinals from the chunks before it (unless reread:
 * read again from the true start, which the caller set), what its
 * records added and which of them failed. */
static void pass_merge_one(Par *p, Chunk_ *c, bool reread)
{
    ParSplit *sp = p->sp;
    PassMerge *m = &p->pm;
    RunSession *rs = p->rs;
    if (!sp->exact && m->prev && !reread) {
        long true_line = m->prev->next == AT_END ? 0 : m->prev->next_line + m->dline;
        c->start = m->prev->next;
        m->dline = true_line - c->first_line;
        c->line = true_line;
    }
    if (!sp->exact) c->ord = m->ords;
    long delta = c->ord - c->ord_read;
    for (size_t f = 0; f < c->nfails; f++) eng_pass_failed(&rs->eng, c->fails[f] + delta, c->fwhy[f]);
    if (c->part.layer) vm_pass_merge(rs->vm, &c->part, delta);
    m->ords = c->ord + c->records;
    if (c->unreadable) m->stopped = true;
    m->prev = c;
    m->next++;
}

/* Pass 1's chunks merged as they are done (p->mu held): each chunk keeps
 * its addends (the values it summed, in order) until its merge, so that
 * the sums are the ones one worker makes; merged early, their memory is
 * free for the chunks still to read (at -j 2 on 1M accounts, 1,900 of
 * 2,400 page faults were those addends, all held to the end). Only the
 * chunks whose start is where the one before found its next record, and
 * none after input that could not be read: those are par_pass's to
 * handle, after the last chunk. Pass 1 only: a pass that falls back to
 * one worker (a chunk it could not read) starts again from
 * eng_pass_begin, which empties pass 1's state, not a later pass's. */
static void pass_merge_ready(Par *p)
{
    PassMerge *m = &p->pm;
    while (m->eager && !m->stopped && m->next < p->sp->n) {
        Chunk_ *c = &p->sp->ch[m->next];
        if (c->state != 2 || c->not_read) break;
        if (!p->sp->exact && m->prev && c->first != m->prev->next) {
            m->eager = false;   /* read again: after the last chunk */
            break;
        }
        pass_merge_one(p, c, false);
    }
}

static void *worker_main(void *arg)
{
    Par *p = arg;
    Worker wk;
    worker_open(&wk, p);
    for (;;) {
        pthread_mutex_lock(&p->mu);
        /* at most AHEAD chunks per worker past the merge: a slow reader of
           the output must not make the workers hold all of it */
        while (!p->cancel && p->next < p->sp->n && p->next >= p->merged + AHEAD * p->sp->jobs)
            pthread_cond_wait(&p->done, &p->mu);
        int i = p->cancel ? p->sp->n : p->next;
        if (i < p->sp->n) {
            p->next++;
            p->sp->ch[i].state = 1;
        }
        pthread_mutex_unlock(&p->mu);
        if (i >= p->sp->n) break;
        if (p->pass) pass_chunk(p, &wk, &p->sp->ch[i]);
        else run_chunk(p, &wk, &p->sp->ch[i]);
        pthread_mutex_lock(&p->mu);
        p->sp->ch[i].state = 2;
        if (p->pass && p->pm.eager) pass_merge_ready(p);
        pthread_cond_broadcast(&p->done);
        pthread_mutex_unlock(&p->mu);
    }
    worker_close(&wk);
    return NULL;
}

/* Chunk c's buffer of rows, written, kept for another chunk (or freed). */
static void held_spare(Par *p, Chunk_ *c)
{
    Held *h = NULL;
    if (c->out && c->outcap) {
        pthread_mutex_lock(&p->mu);
        int n = 0;
        for (Held *k = p->spare; k; k = k->next) n++;
        if (n < SPARE_MAX) {
            h = xmalloc(sizeof *h);
            *h = (Held){p->spare, c->out, c->outcap};
            p->spare = h;
        }
        pthread_mutex_unlock(&p->mu);
    }
    if (!h) free(c->out);
    c->out = NULL;
    c->outlen = c->outcap = 0;
}

/* Adds one chunk's percent tallies to the whole file's, in input order. */
static void pct_merge(RdPctScan *into, const RdPctScan *from)
{
    if (!into || !from) return;
    for (int f = 0; f < into->n && f < from->n; f++) {
        RdPctColumn *a = &into->col[f];
        const RdPctColumn *b = &from->col[f];
        a->values += b->values;
        a->whole += b->whole;
        a->fraction += b->fraction;
        if (!a->example[0]) memcpy(a->example, b->example, sizeof a->example);
    }
}

void par_records(RunSession *rs, const RunOptions *o, ParSplit *sp, Writer *w, Summary *sum,
                 Pass2 *r, RdPctScan *pct, Progress *prog)
{
    Par p;
    memset(&p, 0, sizeof p);
    p.rs = rs;
    p.o = o;
    p.sp = sp;
    p.has_passes = eng_has_passes(&rs->eng);
    p.w = w;
    /* the fields the record pass converts: as fields_read in cli/run.c */
    const Policy *pol = rs->pol;
    bool *used = xcalloc((size_t)pol->nfields + 1, sizeof(bool));
    for (int f = 0; f < pol->nfields; f++) used[f] = rs->chunk->field_used[f];
    if (rs->revenue >= 0) used[rs->revenue] = true;
    for (int i = 0; i < rs->ncolumns; i++) used[rs->columns[i]] = true;
    for (int f = 0; o->summary && f < pol->nfields; f++)     /* --summary's stage moves */
        if (pol->fields[f]->ty.kind == TY_STAGE) used[f] = true;
    p.used = used;
    if (o->coverage) {
        Coverage zero = {xcalloc((size_t)rs->cov.n + 1, sizeof(CovItem)), rs->cov.n, rs->cov.pol};
        if (rs->cov.n) memcpy(zero.items, rs->cov.items, sizeof(CovItem) * (size_t)rs->cov.n);
        cov_reset(&zero);
        p.cov0 = zero.items;
    }
    size_t nregs = (size_t)(rs->chunk->nregs ? rs->chunk->nregs : 1);
    p.regs0 = xmalloc(sizeof(Value) * nregs);
    memcpy(p.regs0, rs->vm->regs, sizeof(Value) * (size_t)rs->chunk->nregs);
    for (int i = 0; i < sp->n; i++) {
        chunk_forget(&sp->ch[i]);
        sp->ch[i].state = 0;
    }
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.done, NULL);
    int nthreads = sp->jobs < sp->n ? sp->jobs : sp->n;
    pthread_t *tids = xcalloc((size_t)nthreads, sizeof(pthread_t));
    int started = 0;
    if (sp->count) {        /* each chunk's first line, counted in parallel */
        p.nlines = xcalloc((size_t)sp->n, sizeof(long));
        for (int t = 0; t < nthreads; t++)
            if (pthread_create(&tids[started], NULL, count_main, &p) == 0) started++;
        bool ok = count_ranges(&p);
        for (int t = 0; t < started; t++) pthread_join(tids[t], NULL);
        started = 0;
        if (!ok || p.cancel) {      /* cannot happen for a file just read; one worker then */
            for (int i = 1; i < sp->n; i++) sp->ch[i].start = AT_END;
            sp->ch[0].end = AT_END;
            p.cancel = 0;
        } else {
            for (int i = 1; i < sp->n; i++) sp->ch[i].line = sp->ch[i - 1].line + p.nlines[i - 1];
        }
        free(p.nlines);
        p.nlines = NULL;
        sp->count = false;
    }
    for (int t = 0; t < nthreads; t++)
        if (pthread_create(&tids[started], NULL, worker_main, &p) == 0) started++;
    Worker self;                /* for chunks read again, and when no thread started */
    worker_open(&self, &p);
    const Chunk_ *prev = NULL;
    for (int i = 0; i < sp->n; i++) {
        Chunk_ *c = &sp->ch[i];
        bool mine = false;
        pthread_mutex_lock(&p.mu);
        if (w && o->format != FMT_TABLE) {     /* its rows may go straight out */
            c->expect = prev ? prev->next : -1;
            __atomic_store_n(&c->live, 1, __ATOMIC_RELEASE);
        }
        if (!started && p.next <= i) {      /* no workers: read it here */
            p.next = i + 1;
            mine = true;
        }
        while (!mine && c->state != 2) pthread_cond_wait(&p.done, &p.mu);
        pthread_mutex_unlock(&p.mu);
        if (mine) run_chunk(&p, &self, c);
        if (prev && c->first != prev->next) {
            /* it started inside a record: read it again from the record
               the previous chunk (right, by induction) ended before */
            chunk_forget(c);
            c->start = prev->next;
            c->line = prev->next_line;
            c->ord = prev->ord + prev->records;
            run_chunk(&p, &self, c);
        }
        if (c->out && c->outlen) wr_raw(w, c->out, c->outlen);
        if (c->sum && sum) summary_merge(sum, c->sum);
        if (c->tw) {
            wr_adopt(w, c->tw);
            table_close(c);
        }
        for (int k = 0; c->cov && k < rs->cov.n; k++) {
            rs->cov.items[k].fired += c->cov[k].fired;
            rs->cov.items[k].not_fired += c->cov[k].not_fired;
        }
        for (int k = 0; k < c->nmsgs; k++)
            if (r->bad + k + 1 <= RUN_MAX_SHOWN) pass2_say(r, c->msgs[k]);
        r->bad += c->bad;
        r->records += c->records;
        pct_merge(pct, c->pct);
        prev = c;
        if (i + 1 < sp->n && sp->ch[i + 1].start != AT_END)
            progress_tick_at(prog, sp->ch[i + 1].start, r->records);
        if (c->unreadable) {
            pass2_say(r, c->unreadable);
            r->unreadable = true;
        }
        if (c->stop) r->stop = true;
        if (r->unreadable || r->stop) break;
        held_spare(&p, c);                  /* written: the memory goes back */
        pthread_mutex_lock(&p.mu);
        p.merged = i + 1;
        pthread_cond_broadcast(&p.done);
        pthread_mutex_unlock(&p.mu);
    }
    pthread_mutex_lock(&p.mu);
    __atomic_store_n(&p.cancel, 1, __ATOMIC_RELAXED);
    pthread_cond_broadcast(&p.done);    /* workers waiting for the merge */
    pthread_mutex_unlock(&p.mu);
    for (int t = 0; t < started; t++) pthread_join(tids[t], NULL);
    /* the records the passes counted that this pass rejects, in input order */
    for (int i = 0; i < sp->n; i++) {
        Chunk_ *c = &sp->ch[i];
        for (size_t k = 0; k < c->nlate; k++) pass2_mark_late(rs, r, c->late[k]);
        bool last = c == prev;
        chunk_forget(c);
        if (last) break;
    }
    for (int i = 0; i < sp->n; i++) chunk_forget(&sp->ch[i]);
    while (p.spare) {
        Held *h = p.spare;
        p.spare = h->next;
        free(h->buf);
        free(h);
    }
    worker_close(&self);
    free(tids);
    free(p.regs0);
    free(p.cov0);
    free(used);
    pthread_cond_destroy(&p.done);
    pthread_mutex_destroy(&p.mu);
}

/* Takes back what a pass noted for a chunk that is read again or not
 * counted. */
static void pass_drop(Chunk_ *c)
{
    if (c->part.layer) vm_partial_free(c->ck, &c->part);
    free(c->cov);
    if (c->sum) summary_free(c->sum);
    for (size_t k = 0; k < c->nfails; k++) free(c->fwhy[k]);
    c->nfails = 0;
    free(c->unreadable);
    c->unreadable = NULL;
    c->records = 0;
}

bool par_pass(RunSession *rs, ParSplit *sp, int k, const SourceOpts *in)
{
    if (!sp->exact && rs->eng.left_out) return false;   /* ordinals needed, not known yet */
    Par p;
    memset(&p, 0, sizeof p);
    p.rs = rs;
    p.sp = sp;
    p.pass = k;
    p.in = in;
    p.check_left = sp->exact;
    p.merged = sp->n;           /* no window on the chunks read ahead (the record pass's) */
    /* pass 1 merged as it goes; the workers then read no state that the
       merge writes (no earlier layer lent, no ordinals checked) */
    p.pm.eager = k == 1 && !p.check_left && !getenv("KAM_PASS_MERGE_LAST");
    p.eng0 = rs->eng;
    size_t nregs = (size_t)(rs->chunk->nregs ? rs->chunk->nregs : 1);
    p.regs0 = xmalloc(sizeof(Value) * nregs);
    memcpy(p.regs0, rs->vm->regs, sizeof(Value) * (size_t)rs->chunk->nregs);
    for (int i = 0; i < sp->n; i++) {
        chunk_forget(&sp->ch[i]);
        sp->ch[i].state = 0;
        if (!sp->exact) sp->ch[i].ord = 0;      /* counted from each chunk's start */
    }
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.done, NULL);
    int nthreads = (sp->jobs < sp->n ? sp->jobs : sp->n) - 1;  /* and this thread */
    pthread_t *tids = xcalloc((size_t)nthreads + 1, sizeof(pthread_t));
    int started = 0;
    for (int t = 0; t < nthreads; t++)
        if (pthread_create(&tids[started], NULL, worker_main, &p) == 0) started++;
    worker_main(&p);
    for (int t = 0; t < started; t++) pthread_join(tids[t], NULL);
    free(tids);
    pthread_cond_destroy(&p.done);
    pthread_mutex_destroy(&p.mu);
    bool ok = true;
    for (int i = 0; i < sp->n; i++)
        if (sp->ch[i].not_read) ok = false;
    if (!ok) {                  /* one worker then: the caller's loop */
        for (int i = 0; i < sp->n; i++) chunk_forget(&sp->ch[i]);
        free(p.regs0);
        return false;
    }
    /* In input order: where each chunk truly starts (before pass 1 only
       its first one is known: a chunk whose first record is not where the
       one before it found the next record started inside a quoted field,
       and is read again from there), its ordinals and lines, then what it
       added and which records it left out. */
    Worker self;
    bool self_open = false;
    PassMerge *m = &p.pm;       /* the chunks pass_merge_ready left, from m->next */
    while (m->next < sp->n) {
        Chunk_ *c = &sp->ch[m->next];
        if (m->stopped) {       /* after input that cannot be read: never reached */
            pass_drop(c);
            c->start = AT_END;
            c->line = 0;
            c->ord = m->ords;
            m->next++;
            continue;
        }
        bool reread = !sp->exact && m->prev && c->first != m->prev->next;
        if (reread) {
            pass_drop(c);
            c->start = m->prev->next;
            c->line = m->prev->next == AT_END ? 0 : m->prev->next_line + m->dline;
            c->ord = m->ords;
            if (!self_open) worker_open(&self, &p);
            self.pe = &rs->eng;         /* the workers are done: as it is now */
            self_open = true;
            pass_chunk(&p, &self, c);
            m->dline = 0;
        }
        pass_merge_one(&p, c, reread);
    }
    if (self_open) worker_close(&self);
    for (int i = 0; i < sp->n; i++) {
        sp->ch[i].end = i + 1 < sp->n ? sp->ch[i + 1].start : AT_END;
        chunk_forget(&sp->ch[i]);
    }
    sp->exact = true;
    sp->count = false;
    free(p.regs0);
    return true;
}
