/* test_mapfile.c — how much of a mapped file stays resident while it is
 * read (base/mapfile.c): the pages behind the reading are let go, so the
 * resident size is flat however large the file. A file mapped alone lets
 * go as it reads (at most 5 MiB resident). While another file is mapped
 * too (kam run -j: a mapping per worker) they are let go in batches of
 * at least 8 MiB (each MADV_DONTNEED interrupts the other cores running
 * the process's threads, which stalled `kam run -j 2`); a reader that
 * takes every other chunk (a -j worker) stays flat too; a seek back lets
 * go at once. The resident size is the Rss of the mapping's lines in
 * /proc/self/smaps: the pages whose page-table entries are in place. */
#define _DEFAULT_SOURCE
#include "mapfile.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

int main(void)
{
    const char *dir = getenv("TMPDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/kam_mapfile_XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0) {
        perror("mkstemp");
        return 2;
    }
    char *block = malloc(MIB);
    for (size_t i = 0; i < MIB; i++) block[i] = (char)('a' + i % 26);
    for (int k = 0; k < FILE_MIB; k++)
        if (write(fd, block, MIB) != MIB) {
            perror("write");
            unlink(path);
            return 2;
        }
    free(block);
    size_t size = (size_t)FILE_MIB * MIB;
    unsigned sum = 0;
    if (resident_kb(path) < 0) {    /* Linux has it: this test cannot be made without */
        printf("FAIL /proc/self/smaps cannot be read\n");
        unlink(path);
        return 1;
    }

    /* the whole file in order, mapped alone */
    MappedFile m, other;
    if (!mapfile_map(&m, fd, size, 64, path)) {
        perror("mapfile_map");
        unlink(path);
        return 2;
    }
    long alone = read_range(&m, path, 0, size, &sum);
    check("mapped alone, the whole file read: at most 5 MiB resident", alone > 0 && alone <= 5 * 1024,
          "%ld kB at most, limit %ld", alone, 5 * 1024);
    mapfile_unmap(&m);

    /* the same with another file mapped (its pages never touched: its
       resident size is 0, so the count is the first mapping's) */
    if (!mapfile_map(&other, fd, size, 64, "another") || !mapfile_map(&m, fd, size, 64, path)) {
        perror("mapfile_map");
        unlink(path);
        return 2;
    }
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

    /* every other 4 MiB chunk, as one of two -j workers reads (the other
       mapping still in place) */
    if (!mapfile_map(&m, fd, size, 64, path)) {
        perror("mapfile_map");
        unlink(path);
        return 2;
    }
    most = 0;
    for (size_t c = 0; c < size; c += 8 * MIB) {
        size_t end = c + 4 * MIB;
        mapfile_seek(&m, c, end + 64 * 1024);
        long kb = read_range(&m, path, c, end, &sum);
        if (kb > most) most = kb;
    }
    check("every other chunk read: resident stays flat (at most 17 MiB of 48)",
          most > 0 && most <= 17 * 1024, "%ld kB at most, limit %ld", most, 17 * 1024);
    mapfile_unmap(&m);
    mapfile_unmap(&other);
    close(fd);
    unlink(path);
    printf("test_mapfile: %d cases, %d failed (checksum %u)\n", cases, failures, sum);
    return failures != 0;
}
