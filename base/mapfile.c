/* mapfile.c — regular files mapped for reading, and the SIGBUS handler
 * that turns a file shrinking under its mapping into a message and exit
 * status 3 (see mapfile.h). */
#define _DEFAULT_SOURCE     /* MAP_ANONYMOUS, madvise */
#include "mapfile.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

enum {
    SLOTS = 64,             /* files mapped at once (a reader per worker each) */
    NAME_MAX_SHOWN = 255,
    STEP = 2 << 20,         /* pages asked for ahead of the reading, */
    KEEP = 1 << 20,         /* kept behind it (a long record's start) */
    FIRST_STEP = 64 << 10,  /* asked for first */
    /* While several files are mapped (`kam run -j`: a mapping per
       worker), pages behind KEEP are let go only when at least this much
       can go at once. Each MADV_DONTNEED flushes the TLB of every other
       core running one of the process's threads (an interrupt there):
       let go a MiB at a time, the workers of `kam run -j 2` stalled each
       other (1.09x its wall; docs/performance.md, session 14). One
       mapping alone lets go as it reads (no other reader to stall; 8 MiB
       less at its peak). */
    DROP_BATCH = 8 << 20,
    /* While mapfile_keep is on, the pages of a file's first KEEP_MAX
       bytes at most (and of its first sixteenth of the memory) stay in
       place for the pass after (mapfile.h) */
    KEEP_MAX = 1 << 30
};

/* The mappings, a slot each, shared by the handles of one file: the
 * signal handler reads start and len (a slot's name is written before its
 * start is published, release, and its start cleared before the mapping
 * goes); the rest is under `lock`. */
static struct {
    uintptr_t start;        /* 0: free (atomic) */
    size_t len;             /* atomic */
    int taken;              /* the slot belongs to a mapping */
    char name[NAME_MAX_SHOWN + 1];
    int refs;               /* handles on it; 0: kept for the next pass */
    dev_t dev;              /* the file it maps, as fstat saw it then */
    ino_t ino;
    off_t fsize;
    struct timespec mtime, ctime;
    size_t size, pad, maplen;
    int term;               /* the byte written past the data, or -1 */
    size_t kept;            /* atomic: pages below it were asked for while
                               keeping, and are in place (mapfile_keep) */
} slots[SLOTS];

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int mapped;                  /* atomic: handles in place */
static int keeping;                 /* atomic: mapfile_keep */
static size_t keep_limit;           /* atomic: 0 until worked out (keep_bound) */
static void (*fatal_hook)(void);    /* atomic */
static pthread_once_t installed = PTHREAD_ONCE_INIT;
static struct sigaction previous;

static void say(const char *s)
{
    size_t n = strlen(s);
    while (n) {
        ssize_t w = write(STDERR_FILENO, s, n);
        if (w <= 0) return;
        s += w;
        n -= (size_t)w;
    }
}

static void on_sigbus(int sig, siginfo_t *info, void *ctx)
{
    (void)ctx;
    uintptr_t at = (uintptr_t)info->si_addr;
    for (int i = 0; i < SLOTS; i++) {
        uintptr_t start = __atomic_load_n(&slots[i].start, __ATOMIC_ACQUIRE);
        size_t len = __atomic_load_n(&slots[i].len, __ATOMIC_RELAXED);
        if (!start || at < start || at - start >= len) continue;
        say("kam: ");
        say(slots[i].name);
        say(": the file shrank while it was being read (another program truncated or "
            "rewrote it); kam stopped: run again once the file is complete\n");
        void (*hook)(void) = __atomic_load_n(&fatal_hook, __ATOMIC_ACQUIRE);
        if (hook) hook();
        _exit(3);
    }
    /* not a file of ours: what would have happened without this handler */
    sigaction(sig, &previous, NULL);
}

/* Once, by pthread_once: a second mapping made meanwhile on another
 * thread waits until the handler is in place. */
static void install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sigbus;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGBUS, &sa, &previous);
}

void mapfile_set_fatal_hook(void (*fn)(void))
{
    __atomic_store_n(&fatal_hook, fn, __ATOMIC_RELEASE);
}

static size_t page_size(void)
{
    long pg = sysconf(_SC_PAGESIZE);
    return pg > 0 ? (size_t)pg : 4096;
}

/* How much of a file's start keeping holds in place: KEEP_MAX, or a
 * sixteenth of the memory if that is less. */
static size_t keep_bound(void)
{
    size_t b = __atomic_load_n(&keep_limit, __ATOMIC_RELAXED);
    if (b) return b;
    long pages = sysconf(_SC_PHYS_PAGES);
    b = KEEP_MAX;
    if (pages > 0 && (size_t)pages / 16 < b / page_size()) b = (size_t)pages / 16 * page_size();
    if (!b) b = page_size();
    __atomic_store_n(&keep_limit, b, __ATOMIC_RELAXED);
    return b;
}

void mapfile_set_keep_limit(size_t bytes)
{
    __atomic_store_n(&keep_limit, bytes, __ATOMIC_RELAXED);
}

void mapfile_keep(bool on)
{
    __atomic_store_n(&keeping, on, __ATOMIC_RELAXED);
}

/* Unmaps slot i's mapping and frees the slot (under lock, no handles). */
static void release(int i)
{
    void *start = (void *)__atomic_load_n(&slots[i].start, __ATOMIC_RELAXED);
    __atomic_store_n(&slots[i].start, 0, __ATOMIC_RELEASE);
    munmap(start, slots[i].maplen);
    slots[i].taken = 0;
}

void mapfile_forget(void)
{
    pthread_mutex_lock(&lock);
    for (int i = 0; i < SLOTS; i++)
        if (slots[i].taken && slots[i].refs == 0) release(i);
    pthread_mutex_unlock(&lock);
}

static bool same_time(struct timespec a, struct timespec b)
{
    return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

bool mapfile_map(MappedFile *m, int fd, size_t size, size_t pad, int term, const char *name)
{
    memset(m, 0, sizeof *m);
    m->slot = -1;
    size_t page = page_size();
    struct stat st;
    if (size == 0 || size > SIZE_MAX - pad - page) {
        errno = EINVAL;
        return false;
    }
    if (fstat(fd, &st) != 0) return false;      /* errno says why */
    pthread_mutex_lock(&lock);
    /* the file mapped already, by another handle or kept from a pass
       before: the same mapping (the same file, unchanged since) */
    int slot = -1;
    for (int i = 0; i < SLOTS && slot < 0; i++)
        if (slots[i].taken && slots[i].dev == st.st_dev && slots[i].ino == st.st_ino &&
            slots[i].fsize == st.st_size && same_time(slots[i].mtime, st.st_mtim) &&
            same_time(slots[i].ctime, st.st_ctim) && slots[i].size == size && slots[i].pad == pad &&
            slots[i].term == (pad ? term : -1))
            slot = i;
    if (slot >= 0) {
        slots[slot].refs++;
    } else {
        /* a file kept that no pass takes again gives its slot up first */
        for (int i = 0; i < SLOTS && slot < 0; i++)
            if (!slots[i].taken) slot = i;
        for (int i = 0; i < SLOTS && slot < 0; i++)
            if (slots[i].refs == 0) {
                release(i);
                slot = i;
            }
        if (slot < 0) {
            pthread_mutex_unlock(&lock);
            errno = EMFILE;
            return false;
        }
        size_t total = (size + pad + page - 1) / page * page;
        /* the whole span first, anonymous (so the padding past the file's
           last page is ordinary zeroed memory), then the file over its start */
        void *region = mmap(NULL, total, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (region == MAP_FAILED) {
            pthread_mutex_unlock(&lock);
            return false;
        }
        if (mmap(region, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, fd, 0) == MAP_FAILED) {
            int e = errno;
            munmap(region, total);
            pthread_mutex_unlock(&lock);
            errno = e;
            return false;
        }
        if (term >= 0 && pad) ((char *)region)[size] = (char)term;
        size_t n = strlen(name);
        if (n > NAME_MAX_SHOWN) n = NAME_MAX_SHOWN;
        memcpy(slots[slot].name, name, n);
        slots[slot].name[n] = '\0';
        slots[slot].taken = 1;
        slots[slot].refs = 1;
        slots[slot].dev = st.st_dev;
        slots[slot].ino = st.st_ino;
        slots[slot].fsize = st.st_size;
        slots[slot].mtime = st.st_mtim;
        slots[slot].ctime = st.st_ctim;
        slots[slot].size = size;
        slots[slot].pad = pad;
        slots[slot].term = pad ? term : -1;
        slots[slot].maplen = total;
        __atomic_store_n(&slots[slot].kept, 0, __ATOMIC_RELAXED);
        __atomic_store_n(&slots[slot].len, size, __ATOMIC_RELAXED);
        __atomic_store_n(&slots[slot].start, (uintptr_t)region, __ATOMIC_RELEASE);
    }
    m->data = (char *)__atomic_load_n(&slots[slot].start, __ATOMIC_RELAXED);
    m->maplen = slots[slot].maplen;
    /* the pages a pass that kept them asked for (mapfile_keep): in place,
       but for those another handle has let go of since (its own part, which
       this one does not read; if it does, a page fault each) */
    m->present = __atomic_load_n(&slots[slot].kept, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&lock);
    pthread_once(&installed, install);
    __atomic_add_fetch(&mapped, 1, __ATOMIC_RELAXED);
    m->size = m->limit = size;
    m->slot = slot;
    return true;
}

void mapfile_unmap(MappedFile *m)
{
    if (!m->data) return;
    pthread_mutex_lock(&lock);
    if (m->slot >= 0 && --slots[m->slot].refs == 0 &&
        !(__atomic_load_n(&keeping, __ATOMIC_RELAXED) &&
          __atomic_load_n(&slots[m->slot].kept, __ATOMIC_RELAXED)))
        release(m->slot);
    pthread_mutex_unlock(&lock);
    __atomic_sub_fetch(&mapped, 1, __ATOMIC_RELAXED);
    m->data = NULL;
    m->slot = -1;
}

/* Lets go of the pages of [from, to) (whole pages inside it), never the
 * last page of the file, which holds what was written past its end, and
 * while keeping (mapfile_keep) none of the file's first keep_bound(). */
static void drop(MappedFile *m, size_t from, size_t to)
{
    size_t page = page_size(), last = m->size / page * page;
    if (__atomic_load_n(&keeping, __ATOMIC_RELAXED) && from < keep_bound()) from = keep_bound();
    from = (from + page - 1) / page * page;
    to = (to < last ? to : last) / page * page;
    if (to > from) (void)madvise(m->data + from, to - from, MADV_DONTNEED);
}

void mapfile_advance(MappedFile *m, size_t at)
{
    if (!m->data || at > m->size) return;
    size_t page = page_size();
    size_t end = m->limit < m->size ? m->limit : m->size;
    /* ahead: 64 KiB at first, doubling to STEP (a Source opened for its
       header only asks for little), never past the limit */
    m->step = m->step ? (m->step < STEP ? m->step * 2 : STEP) : FIRST_STEP;
    size_t want = end > at && end - at > m->step ? at + m->step : end;
    size_t have = m->ready > at ? m->ready : at;
    if (have < m->present) have = m->present;    /* kept by the pass before: in place */
    if (want > have) {
        size_t from = have / page * page;
#ifdef MADV_POPULATE_READ
        /* the page tables filled in one call (Linux 5.14 on); else the
           pages come one fault at a time, which only costs time. An error
           (a file that shrank: EFAULT) is left to the reading, which then
           meets the SIGBUS and its message. */
        (void)madvise(m->data + from, want - from, MADV_POPULATE_READ);
#endif
        if (__atomic_load_n(&keeping, __ATOMIC_RELAXED)) {
            /* what the next pass may take as in place: the kept part
               (the pass reads the file from its start) */
            size_t k = want < keep_bound() ? want : keep_bound();
            size_t was = __atomic_load_n(&slots[m->slot].kept, __ATOMIC_RELAXED);
            while (k > was && !__atomic_compare_exchange_n(&slots[m->slot].kept, &was, k, true,
                                                           __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
            }
        }
    }
    if (want > m->ready) m->ready = want;
    size_t batch = __atomic_load_n(&mapped, __ATOMIC_RELAXED) > 1 ? DROP_BATCH : 0;
    if (at > KEEP && at - KEEP > m->lo && at - KEEP - m->lo >= batch) {
        drop(m, m->lo, at - KEEP);
        m->lo = (at - KEEP) / page * page;
    }
    m->next = at + m->step / 2;
}

void mapfile_seek(MappedFile *m, size_t at, size_t limit)
{
    if (!m->data) return;
    size_t page = page_size();
    bool several = __atomic_load_n(&mapped, __ATOMIC_RELAXED) > 1;
    /* another handle reads the same mapping (a -j worker): the pages
       between this handle's part and the next may be that one's */
    pthread_mutex_lock(&lock);
    bool shared = slots[m->slot].refs > 1;
    pthread_mutex_unlock(&lock);
    if (at < m->lo || (at > m->ready && (!several || shared))) {  /* what was kept goes */
        drop(m, m->lo, m->ready);
        m->lo = m->ready = at / page * page;
    } else if (at > m->ready) { /* ahead (a worker's next chunk): what was
                                   kept goes with the next batch behind
                                   (mapfile_advance), the gap with it, which
                                   costs little: pages never asked for */
        m->ready = at / page * page;
    }
    m->limit = limit;
    m->next = at;
}
