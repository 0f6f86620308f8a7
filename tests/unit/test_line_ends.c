/* test_line_ends.c — rd_csv_line_ends (runtime/reader_csv.c), which
 * kam run -j uses to count each chunk's lines before its record pass,
 * against a byte-by-byte count written here: LF, CRLF and a lone CR
 * once each (a CR as the range's last byte counts), or LF alone for
 * JSON Lines. Files of random bytes dense in CRs and LFs (a fixed seed),
 * counted over ranges of every alignment around the 64-byte steps and
 * the 1 MiB windows, with the AVX2 count and without it. Also: a file
 * that is not mapped (empty) gives -1, and so does a range outside the
 * file. Prints "PASS name" or "FAIL name: reason"; exit 1 if any failed. */
#define _POSIX_C_SOURCE 200809L

#include "reader_csv.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit_check.h"

static uint64_t rng_state = 20261203;

static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* The count as cli/run_par.c made it before, a byte at a time. */
static long reference(const char *s, long long from, long long to, bool lf_only)
{
    long lines = 0;
    for (long long i = from; i < to; i++) {
        if (s[i] == '\n') lines++;
        else if (!lf_only && s[i] == '\r' && (i + 1 == to || s[i + 1] != '\n')) lines++;
    }
    return lines;
}

static char *write_file(const char *path, size_t n, int density)
{
    char *s = malloc(n + 1);
    for (size_t i = 0; i < n; i++) {
        unsigned k = (unsigned)(rnd() % 100);
        s[i] = k < (unsigned)density ? '\n' : k < 2u * (unsigned)density ? '\r' : (char)('a' + k % 26);
    }
    FILE *f = fopen(path, "wb");
    fwrite(s, 1, n, f);
    fclose(f);
    return s;
}

static void ranges(const char *name, bool avx2, int density)
{
    char path[] = "/tmp/kam-lines-XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    size_t n = (3u << 20) + 777;        /* past three 1 MiB windows, not a multiple of 64 */
    char *s = write_file(path, n, density);
    char err[256], why[300] = "";
    CsvReader *r = rd_csv_open(path, err, sizeof err);
    if (!r) {
        check(name, 0, err);
        free(s);
        unlink(path);
        return;
    }
    bool on = rd_csv_set_avx2(r, avx2);
    int wrong = 0, ranges_done = 0;
    for (int lf_only = 0; lf_only <= 1; lf_only++) {
        /* the whole file, then ranges at every alignment near the steps */
        long long starts[] = {0, 1, 63, 64, 65, 127, 4095, 4096, (1 << 20) - 1, 1 << 20,
                              (1 << 20) + 1, (long long)n - 70, (long long)n - 1};
        for (size_t a = 0; a < sizeof starts / sizeof *starts; a++)
            for (long long len = 0; len < 200; len += 1 + len / 3) {
                long long from = starts[a], to = from + len;
                if (to > (long long)n) to = (long long)n;
                long got = rd_csv_line_ends(r, from, to, lf_only);
                long want = reference(s, from, to, lf_only);
                ranges_done++;
                if (got != want && !wrong++)
                    snprintf(why, sizeof why, "[%lld, %lld) lf_only %d: %ld, want %ld", from, to,
                             lf_only, got, want);
            }
        for (int k = 0; k < 40; k++) {  /* long random ranges, across the windows */
            long long from = (long long)(rnd() % n), to = from + (long long)(rnd() % (n - from + 1));
            long got = rd_csv_line_ends(r, from, to, lf_only);
            long want = reference(s, from, to, lf_only);
            ranges_done++;
            if (got != want && !wrong++)
                snprintf(why, sizeof why, "[%lld, %lld) lf_only %d: %ld, want %ld", from, to,
                         lf_only, got, want);
        }
        long whole = rd_csv_line_ends(r, 0, (long long)n, lf_only);
        if (whole != reference(s, 0, (long long)n, lf_only) && !wrong++)
            snprintf(why, sizeof why, "the whole file, lf_only %d: %ld", lf_only, whole);
    }
    if (rd_csv_line_ends(r, 0, (long long)n + 1, false) != -1 && !wrong++)
        snprintf(why, sizeof why, "a range past the file's end was counted");
    if (rd_csv_line_ends(r, 5, 4, false) != -1 && !wrong++)
        snprintf(why, sizeof why, "a range that ends before it starts was counted");
    rd_csv_close(r);
    free(s);
    unlink(path);
    char full[120];
    snprintf(full, sizeof full, "%s (%s)", name, on ? "AVX2" : "bytes");
    if (!why[0]) snprintf(why, sizeof why, "only %d ranges", ranges_done);
    check(full, wrong == 0 && ranges_done > 400, why);
}

int main(void)
{
    ranges("line ends: dense CRs and LFs", false, 20);
    ranges("line ends: sparse CRs and LFs", false, 1);
    /* the AVX2 count, where this CPU has it: asked of a reader */
    char err[256];
    char path[] = "/tmp/kam-lines-XXXXXX";
    int fd = mkstemp(path);
    if (write(fd, "a\n", 2) != 2) return 1;
    close(fd);
    CsvReader *probe = rd_csv_open(path, err, sizeof err);
    bool has = probe && rd_csv_set_avx2(probe, true);
    rd_csv_close(probe);
    unlink(path);
    if (has) {
        ranges("line ends: dense CRs and LFs", true, 20);
        ranges("line ends: sparse CRs and LFs", true, 1);
    } else {
        printf("SKIP the AVX2 count: this CPU (or build) has no AVX2\n");
    }
    /* an empty file is not mapped: the caller reads it instead */
    char epath[] = "/tmp/kam-lines-XXXXXX";
    close(mkstemp(epath));
    CsvReader *e = rd_csv_open(epath, err, sizeof err);
    check("line ends: a file that is not mapped gives -1", e && rd_csv_line_ends(e, 0, 0, false) == -1,
          "it was counted");
    if (e) rd_csv_close(e);
    unlink(epath);
    return failures ? 1 : 0;
}
