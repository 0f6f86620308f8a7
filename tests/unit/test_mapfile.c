/* test_mapfile.c — how much of a mapped file stays resident while it is
 * read (base/mapfile.c): the pages behind the reading are let go, so the
 * resident size is flat however large the file. A file mapped alone lets
 * go as it reads (at most 5 MiB resident). While another file is mapped
 * too they are let go in batches of at least 8 MiB (each MADV_DONTNEED
 * interrupts the other cores running the process's threads, which
 * stalled `kam run -j 2`); a reader that takes every other chunk (a -j
 * worker) stays flat too; a seek back lets go at once. Two handles on one
 * file share its mapping (kam run -j's workers), each letting go of its
 * own part only. While keeping (mapfile_keep: kam run's portfolio passes)
 * the file's first pages stay, up to the bound, and the mapping outlives
 * its last handle for the next map of the same, unchanged file, which
 * takes them in place; a changed file is mapped anew; mapfile_forget lets
 * the kept ones go. The resident size is the Rss of the mapping's lines
 * in /proc/self/smaps: the pages whose page-table entries are in place. */
#define _DEFAULT_SOURCE
#include "mapfile.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { MIB = 1 << 20, FILE_MIB = 48, PAGE = 4096 };

static int failures, cases;

static void check(const char *what, int ok, const char *fmt, long a, long b)
{
    cases++;
    if (ok) {
        printf("PASS %s\n", what);
        return;
    }
    failures++;
    printf("FAIL %s: ", what);
    printf(fmt, a, b);
    printf("\n");
}

/* The kB resident in this process's mappings of path; -1 if smaps cannot
 * be read. */
static long resident_kb(const char *path)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    if (!f) return -1;
    char line[4096];
    long kb = 0, v;
    int ours = 0;
    size_t plen = strlen(path);
    while (fgets(line, sizeof line, f)) {
        size_t n = strlen(line);
        if (n && line[n - 1] == '\n') line[--n] = '\0';
        unsigned long lo, hi;
        char perms[8];
        if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) == 3)
            ours = n > plen && strcmp(line + n - plen, path) == 0 && line[n - plen - 1] == ' ';
        else if (ours && sscanf(line, "Rss: %ld kB", &v) == 1)
            kb += v;
    }
    fclose(f);
    return kb;
}

/* How many of the pages of [p, p + len) have their page-table entry in
 * place (bit 63 of their /proc/self/pagemap entries); -1 if it cannot be
 * read. */
static long present_pages(const char *p, size_t len)
{
    FILE *f = fopen("/proc/self/pagemap", "rb");
    if (!f) return -1;
    long n = 0;
    uintptr_t first = (uintptr_t)p / PAGE;
    if (fseek(f, (long)(first * 8), SEEK_SET) != 0) {
        fclose(f);
        return -1;
    }
    for (size_t k = 0; k < len / PAGE; k++) {
        uint64_t e;
        if (fread(&e, 8, 1, f) != 1) {
            fclose(f);
            return -1;
        }
        n += (long)(e >> 63);
    }
    fclose(f);
    return n;
}

/* Reads [from, to) as a reader does: a byte of each page touched, the
 * window moved every 4 KiB. The most kB resident on the way (sampled
 * every MiB). */
static long read_range(MappedFile *m, const char *path, size_t from, size_t to, unsigned *sum)
{
    long most = 0;
    for (size_t at = from; at < to; at += PAGE) {
        mapfile_window(m, at);
        *sum += (unsigned char)m->data[at];
        if ((at - from) % MIB == 0) {
            long kb = resident_kb(path);
            if (kb > most) most = kb;
        }
    }
    return most;
}

/* A file of mib MiB of letters at path (a template for mkstemp); its fd,
 * or -1. */
static int make_file(char *path, int mib)
{
    int fd = mkstemp(path);
    if (fd < 0) {
        perror("mkstemp");
        return -1;
    }
    char *block = malloc(MIB);
    for (size_t i = 0; i < MIB; i++) block[i] = (char)('a' + i % 26);
    for (int k = 0; k < mib; k++)
        if (write(fd, block, MIB) != MIB) {
            perror("write");
            free(block);
            close(fd);
            unlink(path);
            return -1;
        }
    free(block);
    return fd;
}

int main(void)
{
    const char *dir = getenv("TMPDIR");
    char path[4096], path2[4096];
    snprintf(path, sizeof path, "%s/kam_mapfile_XXXXXX", dir && *dir ? dir : "/tmp");
    snprintf(path2, sizeof path2, "%s/kam_mapfile_XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = make_file(path, FILE_MIB);
    if (fd < 0) return 2;
    int fd2 = make_file(path2, 1);
    if (fd2 < 0) {
        unlink(path);
        return 2;
    }
    size_t size = (size_t)FILE_MIB * MIB;
    unsigned sum = 0;
    int rc = 2;
    if (resident_kb(path) < 0) {    /* Linux has it: this test cannot be made without */
        printf("FAIL /proc/self/smaps cannot be read\n");
        rc = 1;
        goto out;
    }

    /* the whole file in order, mapped alone */
    MappedFile m, other = {0}, m2;
    if (!mapfile_map(&m, fd, size, 64, '\n', path)) goto fail;
    check("the pad: the term byte, then zeros", m.data[size] == '\n' && m.data[size + 1] == 0 &&
          m.data[size + 63] == 0, "%ld %ld", m.data[size], m.data[size + 63]);
    /* a handle that wants no term byte is not given this mapping */
    if (!mapfile_map(&m2, fd, size, 64, -1, path)) goto fail;
    check("another term byte: a mapping of its own, its pad all zeros",
          m2.data != m.data && m2.data[size] == 0, "%ld %ld", (long)(m2.data == m.data), m2.data[size]);
    mapfile_unmap(&m2);
    long alone = read_range(&m, path, 0, size, &sum);
    check("mapped alone, the whole file read: at most 5 MiB resident", alone > 0 && alone <= 5 * 1024,
          "%ld kB at most, limit %ld", alone, 5 * 1024);
    mapfile_unmap(&m);
    check("the last handle unmapped: the mapping is gone", resident_kb(path) == 0,
          "%ld kB resident, expected %ld", resident_kb(path), 0);

    /* the same with another file mapped (its pages never touched: its
       resident size is 0, so the count is the first mapping's) */
    if (!mapfile_map(&other, fd2, MIB, 64, -1, path2) || !mapfile_map(&m, fd, size, 64, -1, path))
        goto fail;
    long at6 = read_range(&m, path, 0, 6 * MIB, &sum);
    long kept6 = resident_kb(path);
    check("another file mapped, at 6 MiB: the pages behind are still kept (less than a batch)",
          kept6 >= 5 * 1024, "%ld kB resident, expected at least %ld", kept6, 5 * 1024);
    long most = read_range(&m, path, 6 * MIB, size, &sum);
    if (at6 > most) most = at6;
    check("another file mapped, the whole file read: flat (at most 13 MiB of 48)",
          most > 0 && most <= 13 * 1024, "%ld kB at most, limit %ld", most, 13 * 1024);
    check("another file mapped, the whole file read: the pages were in place",
          most >= 2 * 1024, "%ld kB at most, expected at least %ld", most, 2 * 1024);

    /* a seek back lets go of what was kept at once */
    mapfile_seek(&m, 0, size);
    long back = resident_kb(path);
    check("a seek back lets go at once", back <= 1024, "%ld kB resident after it, limit %ld", back,
          1024);
    mapfile_unmap(&m);

    /* every other 4 MiB chunk, as one of two -j workers reads (another
       file still mapped) */
    if (!mapfile_map(&m, fd, size, 64, -1, path)) goto fail;
    most = 0;
    for (size_t c = 0; c < size; c += 8 * MIB) {
        size_t end = c + 4 * MIB;
        mapfile_seek(&m, c, end + 64 * 1024);
        long kb = read_range(&m, path, c, end, &sum);
        if (kb > most) most = kb;
    }
    check("every other chunk read: resident stays flat (at most 17 MiB of 48)",
          most > 0 && most <= 17 * 1024, "%ld kB at most, limit %ld", most, 17 * 1024);

    /* a second handle on the same file: the same mapping; the two read
       alternate chunks, as two -j workers do, and stay flat together */
    if (!mapfile_map(&m2, fd, size, 64, -1, path)) goto fail;
    check("a second handle on the same file shares its mapping", m2.data == m.data,
          "%ld vs %ld", (long)(m2.data - m.data), 0);
    most = 0;
    for (size_t c = 0; c < size; c += 8 * MIB) {
        mapfile_seek(&m, c, c + 4 * MIB + 64 * 1024);
        mapfile_seek(&m2, c + 4 * MIB, c + 8 * MIB + 64 * 1024);
        long kb = read_range(&m, path, c, c + 4 * MIB, &sum);
        long kb2 = read_range(&m2, path, c + 4 * MIB, c + 8 * MIB, &sum);
        if (kb > most) most = kb;
        if (kb2 > most) most = kb2;
    }
    check("two handles, alternate chunks: resident stays flat (at most 21 MiB of 48)",
          most > 0 && most <= 21 * 1024, "%ld kB at most, limit %ld", most, 21 * 1024);
    /* one handle's part is the other's to let go of: m2 reads [4, 8) MiB
       and stays there; m reads [0, 4), then from 8 MiB on (its batches
       behind it would hold the gap, m2's part, if it were m's) */
    mapfile_seek(&m2, 4 * MIB, 8 * MIB);
    read_range(&m2, path, 4 * MIB, 8 * MIB - PAGE, &sum);
    mapfile_seek(&m, 0, 4 * MIB + 64 * 1024);
    read_range(&m, path, 0, 4 * MIB, &sum);
    mapfile_seek(&m, 8 * MIB, size);
    read_range(&m, path, 8 * MIB, 40 * MIB, &sum);
    long mine = present_pages(m2.data + 6 * MIB, MIB);
    check("a handle lets go of its own part only: the other's pages stay in place",
          mine == MIB / PAGE, "%ld of %ld pages in place", mine, MIB / PAGE);
    mapfile_unmap(&m);
    check("one of two handles unmapped: the other still reads", m2.data[size - 1] == 'a' + (MIB - 1) % 26,
          "%ld vs %ld", m2.data[size - 1], 'a' + (MIB - 1) % 26);
    mapfile_unmap(&m2);
    check("both unmapped: the mapping is gone", resident_kb(path) == 0,
          "%ld kB resident, expected %ld", resident_kb(path), 0);

    /* keeping, with a bound of 32 MiB: a pass over the file keeps its
       first 32 MiB; the mapping outlives its handle; the next pass takes
       it with those pages in place, and lets them go as it reads (the
       file mapped alone: its pages let go as it reads, not in batches) */
    mapfile_unmap(&other);
    mapfile_set_keep_limit(32 * MIB);
    mapfile_keep(true);
    if (!mapfile_map(&m, fd, size, 64, '\n', path)) goto fail;
    read_range(&m, path, 0, size, &sum);
    long kept = resident_kb(path);
    check("keeping, the whole file read: its first 32 MiB kept, the rest let go",
          kept >= 32 * 1024 && kept <= 37 * 1024, "%ld kB resident, expected 32 MiB to %ld", kept,
          37 * 1024);
    char *was = m.data;
    mapfile_unmap(&m);
    long after = resident_kb(path);
    check("keeping, the handle unmapped: the mapping and its pages stay", after >= 32 * 1024,
          "%ld kB resident, expected at least %ld", after, 32 * 1024);
    mapfile_keep(false);
    if (!mapfile_map(&m, fd, size, 64, '\n', path)) goto fail;
    check("the next map of the file takes the kept mapping", m.data == was && m.present == 32 * MIB,
          "present %ld, expected %ld", (long)m.present, 32L * MIB);
    most = read_range(&m, path, 0, size, &sum);
    long end_kb = resident_kb(path);
    check("the next pass lets the kept pages go as it reads (at most 5 MiB at the end)",
          end_kb <= 5 * 1024 && most <= 37 * 1024, "%ld kB at the end, limit %ld", end_kb, 5 * 1024);
    mapfile_unmap(&m);
    check("not keeping, the last handle unmapped: the mapping is gone", resident_kb(path) == 0,
          "%ld kB resident, expected %ld", resident_kb(path), 0);

    /* a file changed between the passes is mapped anew (and read as it
       is now); mapfile_forget lets the kept one go */
    mapfile_keep(true);
    if (!mapfile_map(&m, fd, size, 64, '\n', path)) goto fail;
    read_range(&m, path, 0, 8 * MIB, &sum);
    was = m.data;
    mapfile_unmap(&m);
    mapfile_keep(false);
    struct timespec pause = {0, 20 * 1000 * 1000};
    nanosleep(&pause, NULL);   /* a later modification time than the first mapping saw */
    if (pwrite(fd, "Z", 1, 0) != 1) goto fail;
    if (!mapfile_map(&m, fd, size, 64, '\n', path)) goto fail;
    check("a file changed since it was kept is mapped anew, and read as it is now",
          m.data != was && m.data[0] == 'Z' && m.present == 0, "present %ld, first byte %ld",
          (long)m.present, m.data[0]);
    mapfile_unmap(&m);
    long left = resident_kb(path);
    mapfile_forget();
    check("mapfile_forget lets the kept mapping go", left >= 7 * 1024 && resident_kb(path) == 0,
          "%ld kB before, %ld after", left, resident_kb(path));
    mapfile_set_keep_limit(0);

    rc = failures != 0;
    printf("test_mapfile: %d cases, %d failed (checksum %u)\n", cases, failures, sum);
    goto out;
fail:
    perror("mapfile");
    mapfile_unmap(&other);     /* a no-op if it was not mapped */
out:
    close(fd);
    close(fd2);
    unlink(path);
    unlink(path2);
    return rc;
}
