/* mapfile.h — a regular file mapped into memory for reading, read-only in
 * effect (the mapping is private: nothing written to it reaches the file),
 * with room after the data for a reader's sentinel and padding; and what
 * happens if the file shrinks under the mapping.
 *
 * Why: a mapped file is read without read(2)'s copy from the page cache
 * (7-10% of a one-thread `kam run`; docs/performance.md). The cost is
 * that a file truncated while mapped raises SIGBUS when a page past its
 * new end is touched. Every mapping made here is registered; the first
 * one installs a SIGBUS handler that, for an address inside a registered
 * mapping, says which file shrank while it was read, calls the hook set
 * by mapfile_set_fatal_hook (the CLI removes an unfinished output) and
 * exits with status 3 (data that cannot be read to its end). A SIGBUS
 * anywhere else keeps its default action.
 *
 * Nothing here knows about CSV or the language. */
#ifndef KAM_MAPFILE_H
#define KAM_MAPFILE_H

#include <stdbool.h>
#include <stddef.h>

typedef struct MappedFile {
    char *data;         /* size bytes of the file, then pad writable bytes
                           (zero until written); writing never reaches the file */
    size_t size;
    size_t maplen;      /* bytes mapped at data (whole pages) */
    size_t next;        /* mapfile_window acts when reading reaches this */
    size_t step;        /* how far ahead it asks for pages (0: not yet) */
    size_t lo, ready;   /* pages asked for and not let go: [lo, ready) */
    size_t limit;       /* none asked for past this (mapfile_seek) */
    size_t present;     /* pages below it are in place already (kept) */
    int slot;           /* its entry among the registered mappings */
} MappedFile;

/* Maps size bytes of the regular file open on fd (from offset 0), with
 * pad writable bytes after them, the first of them term (if term >= 0)
 * and the rest zero. name is for the SIGBUS message (copied, cut at 255
 * bytes). False (nothing mapped, errno set) if the mapping is refused or
 * too many files are mapped at once (64): read the file instead.
 *
 * A file that is mapped already (the same device and inode, unchanged
 * since: its size, modification and change times), with the same size,
 * pad and term, is not mapped again: m is another handle on that mapping, with
 * a reading position of its own (a -j worker's; kam run -j maps the file
 * once). The pad is shared then: write nothing into it but term. */
bool mapfile_map(MappedFile *m, int fd, size_t size, size_t pad, int term, const char *name);

/* Unmaps m (a no-op on one never mapped or already unmapped). The mapping
 * goes with its last handle, unless it is kept (mapfile_keep). */
void mapfile_unmap(MappedFile *m);

/* Between the passes of one run over a file (kam run's portfolio passes,
 * then its record pass): while on, the pages of each mapping's first
 * keep bytes (1 GiB, or a sixteenth of the memory if less) are not let go
 * behind the reading, and a mapping whose last handle is unmapped stays
 * for the next mapfile_map of the same file, which takes it with those
 * pages in place: the next pass reads them without the kernel filling
 * the page tables again, nor emptying them twice (about 4% of a
 * one-thread `kam run`; docs/performance.md). The resident size is then
 * up to that bound, not flat. Off (the default), mappings behave as
 * described above; a kept mapping is still taken by the next map of its
 * file. */
void mapfile_keep(bool on);
/* Unmaps the kept mappings no handle has taken (after the last pass). */
void mapfile_forget(void);
/* Sets the bound keeping holds to (for tests; 0: the default). */
void mapfile_set_keep_limit(size_t bytes);

/* Reading has reached offset at: makes sure the pages of the next few MiB
 * are in place (one system call rather than a page fault each) and lets
 * go of those well behind at (while several files are mapped, 8 MiB or
 * more at a time), so that the resident size stays flat however large
 * the file. Bytes behind at are still readable afterwards
 * (read again from the file), but anything written to them is lost.
 * Cheap to call per record: it acts once every few MiB. */
static inline void mapfile_window(MappedFile *m, size_t at);
void mapfile_advance(MappedFile *m, size_t at);

/* Reading jumps to offset at and will go no further than limit (a chunk's
 * end, with some room for its last record; bytes past it are still
 * readable, a page fault each): the pages of the part left are let go,
 * at once when at is behind them or m is the only file mapped, else with
 * the next batch behind the reading (mapfile_advance). */
void mapfile_seek(MappedFile *m, size_t at, size_t limit);

/* fn is called (from the signal handler: only async-signal-safe calls)
 * before the SIGBUS exit; NULL removes it. */
void mapfile_set_fatal_hook(void (*fn)(void));

static inline void mapfile_window(MappedFile *m, size_t at)
{
    if (at >= m->next) mapfile_advance(m, at);
}

#endif
