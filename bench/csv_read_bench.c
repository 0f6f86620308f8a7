/* csv_read_bench.c — times the CSV reader (runtime/reader_csv.c) alone:
 * reads the file named by argv[1] to the end, counting records and field
 * bytes, and prints records per second. An optional FIELD_LIMIT N splits
 * only the first N fields of each record (rd_csv_set_field_limit), as a
 * pass that needs only leading columns does. With -c the reader also
 * converts the columns of bench/gen.c's files as `kam run bench/bench.kam`
 * has it do (rd_csv_set_conversions: money and percent as decimals, ints,
 * dates, bools and enums by their words), so `4 -c` is that run's
 * portfolio pass and `0 -c` its record pass, without the rest of kam.
 *
 * Build:  mkdir -p build && cc -std=c11 -O2 -Ibase -Iruntime bench/csv_read_bench.c \
 *             runtime/reader_csv.c base/arena.c base/date.c -o build/csv_read_bench
 * Run:    build/csv_read_bench accounts.csv [N [-c]]   (use "-" for stdin) */
#define _POSIX_C_SOURCE 200809L

#include "reader_csv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* bench/gen.c's 19 columns, converted as bench/bench.kam's types are. */
enum { NCOLS = 19 };
static const unsigned char gen_conv[NCOLS] = {
    CSV_CONV_NONE, CSV_CONV_NONE, CSV_CONV_WORDS, CSV_CONV_DEC, CSV_CONV_PCT,
    CSV_CONV_PCT, CSV_CONV_PCT, CSV_CONV_DEC, CSV_CONV_WORDS, CSV_CONV_WORDS,
    CSV_CONV_INT, CSV_CONV_WORDS, CSV_CONV_WORDS, CSV_CONV_DATE, CSV_CONV_INT,
    CSV_CONV_INT, CSV_CONV_INT, CSV_CONV_PCT, CSV_CONV_DATE,
};
static const char *const bools[] = {"false", "true"};
static const char *const segments[] = {"enterprise", "mid_market", "smb"};
static const char *const stages[] = {"pre_kam", "early_kam", "mid_kam", "partnership",
                                     "synergistic", "uncoupling"};

int main(int argc, char **argv)
{
    char *num_end = NULL;
    int convert = argc == 4 && strcmp(argv[3], "-c") == 0;
    unsigned long limit = argc >= 3 ? strtoul(argv[2], &num_end, 10) : 0;
    if (argc < 2 || argc > 4 || (argc == 4 && !convert) ||
        (argc >= 3 && (num_end == argv[2] || *num_end != '\0'))) {
        fprintf(stderr, "usage: %s FILE.csv [FIELD_LIMIT [-c]]\n", argv[0]);
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
    const CsvConverted *cv = NULL;
    if (convert) {
        CsvWords words[NCOLS] = {{NULL, 0}};
        words[2] = (CsvWords){segments, 3};
        words[8] = words[9] = words[11] = (CsvWords){bools, 2};
        words[12] = (CsvWords){stages, 6};
        size_t n = limit && limit < NCOLS ? (size_t)limit : NCOLS;
        cv = rd_csv_set_conversions(r, gen_conv, n, NULL, words);
    }
    RdField *f;
    size_t nf, nfields_total = 0;
    long line;
    long long records = 0, bytes = 0, converted = 0;
    int rc;
    while ((rc = rd_csv_next(r, &f, &nf, &line)) == 1) {
        records++;
        nfields_total += nf;
        for (size_t i = 0; i < nf; i++) bytes += (long long)f[i].len;
        if (cv) converted += cv->count;
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
    if (convert) printf("%lld fields converted while scanning\n", converted);
    printf("%.0f records/s, %.0f MB/s\n", (double)records / secs,
           (double)consumed / secs / 1e6);
    return 0;
}
