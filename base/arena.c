/* arena.c — bump allocation in chained blocks, and the failing-loudly
 * allocation wrappers. See arena.h. Built with KAM_ARENA_SEPARATE (the
 * fuzzing build), each allocation is a malloc of its own. */
#define _DEFAULT_SOURCE     /* madvise, MADV_HUGEPAGE */
#include "arena.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <malloc.h>
#include <sys/mman.h>

struct ArenaBlock {
    ArenaBlock *next;
    size_t used, size;
    max_align_t data[];   /* flexible, maximally aligned payload */
};

enum { BLOCK_MIN = 64 * 1024, BLOCK_MAX = 8 << 20 };

static void out_of_memory(void)
{
    fputs("kam: out of memory\n", stderr);
    exit(70);
}

/* A block of HUGE_MIN bytes or more (a session's column, an outcome over
 * every account) asks for transparent huge pages, where the kernel gives
 * them on request only (.../transparent_hugepage/enabled = madvise): one
 * fault a 2 MiB page instead of 512, which on a virtual machine is most
 * of what first touching such a block costs. The advice covers the
 * block's whole pages: for a block malloc mapped on its own, exactly its
 * mapping, which a later realloc can then still move (mremap takes one
 * mapping, not part of one); for one inside the heap it may cover a
 * neighbour's page too, which the advice does not change. */
enum { HUGE_MIN = 2 << 20 };

static void *huge(void *p, size_t n)
{
#ifdef MADV_HUGEPAGE
    if (n >= HUGE_MIN) {
        uintptr_t lo = (uintptr_t)p & ~(uintptr_t)4095;
        uintptr_t hi = ((uintptr_t)p + malloc_usable_size(p) + 4095) & ~(uintptr_t)4095;
        (void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
    }
#else
    (void)n;
#endif
    return p;
}

/* A huge page is only given for a 2 MiB range aligned to 2 MiB inside an
 * advised mapping, and malloc's large blocks start anywhere on a 4 KiB
 * page: a 7 MB block got two or three huge pages and the rest in 4 KiB
 * faults, and a 1 MiB one none. On this project's machines (virtual, 2
 * cores) a 4 KiB fault cost 12-25 us: 2,048 of them, 8 MB first touched,
 * took 24-52 ms, where the same 8 MB in huge pages took 0.5-1.5 ms. So a
 * large buffer is placed at a 2 MiB boundary and made of whole huge
 * pages; the slack is address space, never touched. */
void *xmalloc_huge(size_t n)
{
#ifdef MADV_HUGEPAGE
    size_t size = (n + HUGE_MIN - 1) & ~(size_t)(HUGE_MIN - 1);
    void *p = NULL;
    if (size < n || posix_memalign(&p, HUGE_MIN, size ? size : HUGE_MIN) != 0 || !p) out_of_memory();
    (void)madvise(p, size ? size : HUGE_MIN, MADV_HUGEPAGE);
    return p;
#else
    return xmalloc(n);
#endif
}

void *xmalloc(size_t n)
{
#ifdef MADV_HUGEPAGE
    if (n >= HUGE_MIN) return xmalloc_huge(n);
#endif
    void *p = malloc(n ? n : 1);
    if (!p) out_of_memory();
    return p;
}

void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) out_of_memory();
    return huge(p, n * size);
}

void *xrealloc(void *p, size_t n)
{
    if (!p) return xmalloc(n);
#ifdef MADV_HUGEPAGE
    /* growing large: moved to a block placed as xmalloc_huge, and copied
       there (into huge pages). realloc would move a large block with
       mremap, without copying, but only into a block malloc placed (not
       at a huge page's boundary) and, for one that xmalloc_huge placed,
       by copying into 4 KiB pages: kam diff's columns took 9,600 faults
       that way instead of 2,700 */
    size_t had = malloc_usable_size(p);
    if (n >= HUGE_MIN && n > had) {
        void *q = xmalloc_huge(n);
        memcpy(q, p, had);
        free(p);
        return q;
    }
#endif
    void *q = realloc(p, n ? n : 1);
    if (!q) out_of_memory();
    return huge(q, n);
}

char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(xmalloc(n), s, n);
}

void arena_init(Arena *a)
{
    a->head = NULL;
    a->total = 0;
}

/* n bytes at a multiple of align (a power of two) in a's newest block, or
 * in a new one; zeroed if zero. */
static void *bump(Arena *a, size_t n, size_t align, bool zero)
{
#ifdef KAM_ARENA_SEPARATE
    /* The fuzzing build: every allocation its own malloc of exactly n
       bytes, so ASan's red zones sit right after each string and a read
       past one (an enum member compared with a longer value) is caught,
       not absorbed by its neighbour in the block. */
    (void)align;
    ArenaBlock *sb = xmalloc(sizeof *sb + (n ? n : 1));
    sb->next = a->head;
    sb->used = sb->size = n;
    a->head = sb;
    a->total += n;
    if (zero) memset(sb->data, 0, n);
    return sb->data;
#else
    if (n == 0) n = 1;
    ArenaBlock *b = a->head;
    size_t at = b ? (b->used + align - 1) & ~(align - 1) : 0;
    if (!b || at > b->size || b->size - at < n) {
        /* blocks grow with the arena (a million keys: a few dozen blocks,
           each large enough for huge pages), to BLOCK_MAX */
        size_t size = a->total < BLOCK_MIN ? BLOCK_MIN : a->total < BLOCK_MAX ? a->total : BLOCK_MAX;
        if (size < n) size = n;
        b = xmalloc(sizeof *b + size);
        b->next = a->head;
        b->used = 0;
        b->size = size;
        a->head = b;
        at = 0;
    }
    void *p = (char *)b->data + at;
    b->used = at + n;
    a->total += n;
    if (zero) memset(p, 0, n);
    return p;
#endif
}

void *arena_alloc(Arena *a, size_t n)
{
    const size_t align = sizeof(max_align_t);
    return bump(a, (n + align - 1) / align * align, align, true);
}

/* Strings are packed: no alignment, and no zeroing of what is copied over. */
char *arena_strndup(Arena *a, const char *s, size_t n)
{
    char *p = bump(a, n + 1, 1, false);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *arena_strdup(Arena *a, const char *s)
{
    return arena_strndup(a, s, strlen(s));
}

void arena_free(Arena *a)
{
    ArenaBlock *b = a->head;
    while (b) {
        ArenaBlock *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
    a->total = 0;
}

void ptrvec_push(Arena *a, PtrVec *v, void *item)
{
    if (v->len == v->cap) {
        int cap = v->cap ? v->cap * 2 : 4;
        void **items = arena_alloc(a, sizeof(void *) * (size_t)cap);
        if (v->len) memcpy(items, v->items, sizeof(void *) * (size_t)v->len);
        v->items = items;
        v->cap = cap;
    }
    v->items[v->len++] = item;
}
