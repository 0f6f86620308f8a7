/* test_arena.c — tests for base/arena.c: blocks that grow with the arena
 * (to 8 MiB) still hand out zeroed, aligned memory that stays put between
 * packed strings, every string intact after millions of bytes; big blocks (past the size that
 * asks the kernel for huge pages) keep their contents when xrealloc grows
 * them again and again (madvise must not keep realloc from moving them)
 * and come back zeroed from xcalloc; large buffers start at a 2 MiB
 * boundary (huge pages). Prints "PASS name" or "FAIL name:
 * reason" per check; exit 1 if any failed. */
#include "arena.h"
#include "unit_check.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void test_arena_growth(void)
{
    Arena a;
    arena_init(&a);
    enum { N = 400000 };
    static char *s[N];
    char buf[64];
    int bad_align = 0, bad_zero = 0;
    for (int i = 0; i < N; i++) {
        int n = snprintf(buf, sizeof buf, "key-%d-%.*s", i, i % 23, "abcdefghijklmnopqrstuvw");
        s[i] = arena_strndup(&a, buf, (size_t)n);     /* packed, not aligned */
        if (i % 7 == 0) {       /* objects between strings: aligned, zeroed */
            unsigned char *o = arena_alloc(&a, (size_t)(i % 40) + 1);
            if ((uintptr_t)o % _Alignof(max_align_t)) bad_align++;
            for (int k = 0; k < i % 40 + 1; k++) bad_zero += o[k] != 0;
            memset(o, 0x5a, (size_t)(i % 40) + 1);
        }
        if (i % 1000 == 0) {
            size_t big = 100000 + (size_t)i;     /* now and then one past a block */
            unsigned char *z = arena_alloc(&a, big);
            if ((uintptr_t)z % _Alignof(max_align_t)) bad_align++;
            for (size_t k = 0; k < big; k += 4093) bad_zero += z[k] != 0;
            memset(z, 0xa5, big);
        }
    }
    int bad = 0;
    for (int i = 0; i < N; i++) {
        int n = snprintf(buf, sizeof buf, "key-%d-%.*s", i, i % 23, "abcdefghijklmnopqrstuvw");
        if (strlen(s[i]) != (size_t)n || memcmp(s[i], buf, (size_t)n) != 0) bad++;
    }
    check("arena: 400,000 strings intact over growing blocks", bad == 0, "a string changed");
    check("arena: every allocation aligned for any object", bad_align == 0, "misaligned");
    check("arena: every allocation zeroed", bad_zero == 0, "not zeroed");
    check("arena: total counts what was handed out", a.total > (size_t)N * 8, "total too small");
    arena_free(&a);
    check("arena: empty after arena_free", a.head == NULL && a.total == 0, "not empty");
}

static void test_big_blocks(void)
{
    size_t words = ((size_t)3 << 20) / sizeof(uint32_t);    /* 3 MiB: past the huge-page size */
    uint32_t *p = xmalloc(words * sizeof *p);
    for (size_t i = 0; i < words; i++) p[i] = (uint32_t)(i * 2654435761u);
    int moved_bad = 0;
    for (int step = 0; step < 6; step++) {  /* grown half again, six times */
        size_t more = words + words / 2;
        p = xrealloc(p, more * sizeof *p);
        for (size_t i = 0; i < words; i++)
            if (p[i] != (uint32_t)(i * 2654435761u)) {
                moved_bad++;
                break;
            }
        for (size_t i = words; i < more; i++) p[i] = (uint32_t)(i * 2654435761u);
        words = more;
    }
    check("xrealloc: a big block keeps its contents as it grows", moved_bad == 0, "contents lost");
    free(p);
    unsigned char *z = xcalloc((size_t)40 << 20, 1);
    int nz = 0;
    for (size_t i = 0; i < ((size_t)40 << 20); i += 4096) nz += z[i] != 0;
    check("xcalloc: a 40 MiB block comes back zeroed", nz == 0, "not zeroed");
    free(z);
}

/* Large buffers at a 2 MiB boundary (so the kernel can back them with
 * huge pages): xmalloc_huge, xmalloc from 2 MiB, and xrealloc growing a
 * small block past it (its contents kept); free() takes each. */
static void test_huge_blocks(void)
{
    const uintptr_t huge = (uintptr_t)2 << 20;
    unsigned char *a = xmalloc_huge(((size_t)1 << 20) + 100);   /* a reader's block */
    memset(a, 0x11, ((size_t)1 << 20) + 100);
    unsigned char *b = xmalloc((size_t)5 << 20);
    memset(b, 0x22, (size_t)5 << 20);
    size_t n = 100000;
    unsigned char *c = xmalloc(n);
    for (size_t i = 0; i < n; i++) c[i] = (unsigned char)(i * 7);
    c = xrealloc(c, (size_t)3 << 20);
    int kept = 1;
    for (size_t i = 0; i < n; i++) kept &= c[i] == (unsigned char)(i * 7);
    memset(c + n, 0x33, ((size_t)3 << 20) - n);
    check("xmalloc_huge: at a 2 MiB boundary", (uintptr_t)a % huge == 0, "not aligned");
    check("xmalloc: a 5 MiB block at a 2 MiB boundary", (uintptr_t)b % huge == 0, "not aligned");
    check("xrealloc: a block grown past 2 MiB moves to a 2 MiB boundary", (uintptr_t)c % huge == 0,
          "not aligned");
    check("xrealloc: and keeps its contents", kept, "contents lost");
    check("xmalloc_huge: the neighbours untouched", a[0] == 0x11 && a[((size_t)1 << 20) + 99] == 0x11 &&
          b[0] == 0x22 && b[((size_t)5 << 20) - 1] == 0x22, "overwritten");
    free(a);
    free(b);
    free(c);
}

int main(void)
{
    test_arena_growth();
    test_big_blocks();
    test_huge_blocks();
    return failures ? 1 : 0;
}
