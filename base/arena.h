/* arena.h — the bump allocator that holds one compile's AST, types and
 * names, freed all at once; and the one allocation wrapper (xmalloc and
 * friends) that reports exhaustion and exits rather than returning NULL.
 * Nothing here knows about the language. */
#ifndef KAM_ARENA_H
#define KAM_ARENA_H

#include <stddef.h>

typedef struct ArenaBlock ArenaBlock;

/* An arena: a chain of blocks; allocations are never freed one by one. */
typedef struct Arena {
    ArenaBlock *head;   /* newest block, where allocation happens */
    size_t total;       /* bytes handed out, for limits and stats */
} Arena;

void arena_init(Arena *a);
/* Zeroed memory of n bytes, aligned for any object; lives until arena_free. */
void *arena_alloc(Arena *a, size_t n);
/* A NUL-terminated copy of s[0..n) in the arena. */
char *arena_strndup(Arena *a, const char *s, size_t n);
char *arena_strdup(Arena *a, const char *s);
void arena_free(Arena *a);

/* malloc/realloc/strdup that never return NULL: on exhaustion they print
 * "kam: out of memory" and exit with status 70. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
/* xmalloc for a large buffer soon used whole (a reader's block, a chunk's
 * rows, a pass's addends): n rounded up to whole 2 MiB pages, at a 2 MiB
 * boundary, advised into transparent huge pages (see arena.c); free()
 * frees it. xmalloc does this from 2 MiB on. */
void *xmalloc_huge(size_t n);

/* A growable array of pointers kept in an arena (the AST's lists). */
typedef struct PtrVec {
    void **items;
    int len, cap;
} PtrVec;

void ptrvec_push(Arena *a, PtrVec *v, void *item);

#endif
