/* test_writer_numbers.c — wr_format_number (runtime/writer.c), the numbers
 * of kam's CSV and JSON Lines: its printf-free path for short decimals
 * (money, percents) must print exactly what printf("%.15g") prints, for
 * millions of values: decimals of every length and size, computed values
 * (products, quotients) that are not short, the edges of the fast path's
 * range, negatives; and its whole numbers (digits two at a time, no
 * floor()) against printf("%.0f"): every size up to 2^53 and past it, -0,
 * infinities and NaN. Prints "PASS name" or "FAIL name: reason" per case;
 * exit 1 if any failed. */
#include "writer.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int failures;

/* What wr_format_number promises: whole numbers up to 2^53 in full, the
 * rest as %.15g. */
static void reference(double v, char *buf)
{
    if (v == 0) snprintf(buf, 64, "0");
    else if (fabs(v) <= 9007199254740992.0 && v == floor(v)) snprintf(buf, 64, "%.0f", v);
    else snprintf(buf, 64, "%.15g", v);
}

static uint64_t state = 88172645463325252ull;
static uint64_t next(void)
{
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
}

/* Checks n values from gen; one PASS or FAIL line (the first difference). */
static void run(const char *name, long n, double (*gen)(long))
{
    for (long i = 0; i < n; i++) {
        double v = gen(i);
        char got[64], want[64];
        int len = wr_format_number(v, got);
        reference(v, want);
        if (strcmp(got, want) != 0 || len != (int)strlen(got)) {
            printf("FAIL %s: %.17g printed '%s' (length %d), want '%s'\n", name, v, got, len, want);
            failures++;
            return;
        }
    }
    printf("PASS %s (%ld values)\n", name, n);
}

static const double pow10_[] = {1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10};

static double short_decimals(long i)     /* k / 10^d: what data holds */
{
    int d = (int)(i % 9);
    double k = (double)(next() % 2000000000000000ull);
    if (i % 3 == 0) k = (double)(next() % 100000000);
    double v = k / pow10_[d];
    return i % 2 ? -v : v;
}

static double money(long i)
{
    (void)i;
    return (double)(next() % 100000000000ull) / 100;
}

static double computed(long i)            /* products and quotients */
{
    double a = (double)(next() % 10000000) / 100, b = (double)(next() % 1000 + 1) / 10;
    return i % 2 ? a * b : a / b;
}

static double any_bits(long i)            /* every size */
{
    (void)i;
    uint64_t u = next();
    double v;
    memcpy(&v, &u, sizeof v);
    return isfinite(v) ? v : 1.5;
}

static double whole(long i)               /* whole numbers of every length, both signs */
{
    int digits = (int)(i % 17) + 1;
    uint64_t m = 1;
    for (int d = 0; d < digits; d++) m *= 10;
    double v = (double)(next() % m);
    if (v > 9007199254740992.0) v = 9007199254740992.0 - (double)(next() % 1000);
    return i % 2 ? -v : v;
}

static const double whole_edges_[] = {
    0.0, -0.0, 1, -1, 9, 10, 11, 99, 100, 101, 999, 1000, 4294967295.0, 4294967296.0,
    2147483647.0, -2147483648.0, 9999999999.0, 1e15, 1e15 - 1, 9007199254740991.0,
    9007199254740992.0, -9007199254740992.0, 9007199254740994.0, -9007199254740994.0,
    1e16, 1e17, 1e18, 9.2233720368547758e18, 1.8446744073709552e19, 1e19, 1e20, 1e21,
    -1e19, 0.5, -0.5, 1.5, 4.000000000000001, 3.9999999999999996, 4503599627370495.5,
};

static double whole_edges(long i)
{
    return whole_edges_[i];
}

/* Not finite: whatever printf makes of them, as before. */
static void specials(void)
{
    const double v[] = {INFINITY, -INFINITY, NAN, -NAN};
    for (int i = 0; i < 4; i++) {
        char got[64], want[64];
        int len = wr_format_number(v[i], got);
        snprintf(want, sizeof want, "%.15g", v[i]);
        if (strcmp(got, want) != 0 || len != (int)strlen(got)) {
            printf("FAIL not finite: printed '%s', want '%s'\n", got, want);
            failures++;
            return;
        }
    }
    printf("PASS not finite (4 values)\n");
}

static const double edges_[] = {
    0.001, 0.00099999999999999, 0.0010000000000000002, 0.0005, 0.000123, 999999999.999999,
    999999999.9999999, 1e9, 1e9 + 0.5, 1e9 - 0.5, 0.1, 0.2, 0.3, 0.1 + 0.2, 2.675, 1.005,
    0.125, 0.12, 12.5, 1234567.891, 99.999000000000009, 123456789.123456, 0.1234567,
    4421463.92, -0.001, -999999999.5, 1e-7, 5e-324, 1e300, 9007199254740993.0, 1e15 + 0.5,
};

static double edges(long i)
{
    return edges_[i];
}

int main(void)
{
    run("short decimals", 2000000, short_decimals);
    run("money", 1000000, money);
    run("computed values", 1000000, computed);
    run("any double", 1000000, any_bits);
    run("edges", (long)(sizeof edges_ / sizeof edges_[0]), edges);
    run("whole numbers", 2000000, whole);
    run("whole-number edges", (long)(sizeof whole_edges_ / sizeof whole_edges_[0]), whole_edges);
    specials();
    return failures ? 1 : 0;
}
