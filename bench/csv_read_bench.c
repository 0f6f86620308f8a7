/* csv_read_bench.c — times the CSV reader (runtime/reader_csv.c) alone:
 * reads the file named by argv[1] to the end, counting records and field
 * bytes, and prints records per second. Nothing is converted or stored, so
 * the figure is the ceiling for any command that loads CSV. An optional
 * argv[2] N splits only the first N fields of each record
 * (rd_csv_set_field_limit), as a pass that needs only leading columns does.
 *
 * Build:  mkdir -p build && cc -std=c11 -O2 -Ibase -Iruntime bench/csv_read_bench.c \
 *             runtime/reader_csv.c base/arena.c base/date.c -o build/csv_read_bench
 * Run:    build/csv_read_bench accounts.csv [N]   (use "-" for stdin) */
#define _POSIX_C_SOURCE 200809L

#include "reader_csv.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    char *num_end = NULL;
    unsigned long limit = argc == 3 ? strtoul(argv[2], &num_end, 10) : 0;
    if ((argc != 2 && argc != 3) || (argc == 3 && (num_end == argv[2] || *num_end != '\0'))) {
        fprintf(stderr, "usage: %s FILE.csv [FIELD_LIMIT]\n", argv[0]);
        return 2;
    }
    char err[512];
    double t0 = now();
    CsvReader *r = rd_csv_open(argv[1], err, sizeof err);
    if (!r) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    rd_csv_set_field_limit(r, (size_t)limit);
    RdField *f;
    size_t nf, nfields_total = 0;
    long line;
    long long records = 0, bytes = 0;
    int rc;
    while ((rc = rd_csv_next(r, &f, &nf, &line)) == 1) {
        records++;
        nfields_total += nf;
        for (size_t i = 0; i < nf; i++) bytes += (long long)f[i].len;
    }
    double secs = now() - t0;
    if (rc < 0) {
        fprintf(stderr, "%s\n", rd_csv_error(r));
        rd_csv_close(r);
        return 1;
    }
    long long consumed = rd_csv_offset(r);
    rd_csv_close(r);
    printf("%lld records, %zu fields, %lld field bytes, %lld input bytes in %.3f s\n",
           records, nfields_total, bytes, consumed, secs);
    printf("%.0f records/s, %.0f MB/s\n", (double)records / secs,
           (double)consumed / secs / 1e6);
    return 0;
}
