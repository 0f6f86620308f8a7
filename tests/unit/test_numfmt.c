/* test_numfmt.c — tests for base/numfmt.c: numbers for people in each
 * style (money, percent, int, plain), signs, rounding half away from zero
 * on the shortest decimal (2.675 -> 2.68), huge and tiny magnitudes with
 * no exponent, zero and -0, NaN and infinities, a buffer too small.
 * Prints "PASS name" or "FAIL name: reason" per case; exit 1 if any
 * failed. */
#include "numfmt.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static int failures;

typedef struct {
    double x;
    NumStyle style;
    const char *want;
} Case;

static const char *style_name(NumStyle s)
{
    return s == NUM_MONEY ? "money" : s == NUM_PERCENT ? "percent" : s == NUM_INT ? "int" : "plain";
}

static void check(const char *what, double x, NumStyle style, const char *got, const char *want)
{
    if (strcmp(got, want) == 0) {
        printf("PASS %s %s %.17g -> %s\n", what, style_name(style), x, got);
    } else {
        printf("FAIL %s %s %.17g: got '%s', want '%s'\n", what, style_name(style), x, got, want);
        failures++;
    }
}

static const Case plain_cases[] = {
    /* money: two decimals always, grouped */
    {1162331498.38, NUM_MONEY, "1,162,331,498.38"},
    {-1250, NUM_MONEY, "-1,250.00"},
    {0, NUM_MONEY, "0.00"},
    {-0.0, NUM_MONEY, "0.00"},
    {-0.004, NUM_MONEY, "0.00"},            /* rounds to zero: no sign */
    {0.005, NUM_MONEY, "0.01"},
    {-0.005, NUM_MONEY, "-0.01"},           /* half away from zero */
    {2.675, NUM_MONEY, "2.68"},             /* the double lies below 2.675 */
    {1.005, NUM_MONEY, "1.01"},
    {0.285, NUM_MONEY, "0.29"},
    {2.665, NUM_MONEY, "2.67"},
    {999.995, NUM_MONEY, "1,000.00"},       /* the carry reaches a new digit */
    {999999.994, NUM_MONEY, "999,999.99"},
    {1250000.5, NUM_MONEY, "1,250,000.50"},
    {123.4, NUM_MONEY, "123.40"},
    {1e20, NUM_MONEY, "100,000,000,000,000,000,000.00"},
    {1.2345678901234567e20, NUM_MONEY, "123,456,789,012,345,670,000.00"},
    {9007199254740993.0, NUM_MONEY, "9,007,199,254,740,992.00"},
    {1e-300, NUM_MONEY, "0.00"},
    /* percent: times 100, at most two decimals */
    {0.12, NUM_PERCENT, "12%"},
    {0.125, NUM_PERCENT, "12.5%"},
    {0.0001, NUM_PERCENT, "0.01%"},
    {0.00005, NUM_PERCENT, "<0.01%"},       /* 0.005%: below 0.01%, said so */
    {0.000099999, NUM_PERCENT, "<0.01%"},
    {0.000149, NUM_PERCENT, "0.01%"},
    {0.00015, NUM_PERCENT, "0.02%"},        /* 0.015% rounds up */
    {0.0000667292, NUM_PERCENT, "<0.01%"},
    {-0.0000667292, NUM_PERCENT, ">-0.01%"},
    {0, NUM_PERCENT, "0%"},
    {-0.0, NUM_PERCENT, "0%"},
    {1, NUM_PERCENT, "100%"},
    {-0.034, NUM_PERCENT, "-3.4%"},
    {0.15, NUM_PERCENT, "15%"},             /* 0.15 * 100 is 15.000000000000002 */
    {0.07, NUM_PERCENT, "7%"},              /* and 0.07 * 100 is 7.000000000000001 */
    {0.33333333, NUM_PERCENT, "33.33%"},
    {0.66666666, NUM_PERCENT, "66.67%"},
    {0.1744, NUM_PERCENT, "17.44%"},
    {0.001005, NUM_PERCENT, "0.1%"},        /* 0.1005% -> 0.10 (half is at the third) */
    {0.00100500001, NUM_PERCENT, "0.1%"},
    {0.0010050, NUM_PERCENT, "0.1%"},
    {0.00010050, NUM_PERCENT, "0.01%"},
    {0.00012345, NUM_PERCENT, "0.01%"},
    {123456.789, NUM_PERCENT, "12,345,678.9%"},
    {1e300, NUM_PERCENT, NULL},             /* only: no exponent (checked below) */
    /* int: grouped, no decimals */
    {1234, NUM_INT, "1,234"},
    {-1234567, NUM_INT, "-1,234,567"},
    {0, NUM_INT, "0"},
    {-0.0, NUM_INT, "0"},
    {999, NUM_INT, "999"},
    {1000, NUM_INT, "1,000"},
    {9007199254740992.0, NUM_INT, "9,007,199,254,740,992"},
    {2.5, NUM_INT, "2.5"},                  /* not whole: shown as a plain number */
    /* plain: two decimals from 1 up, three significant digits below */
    {72.5, NUM_PLAIN, "72.5"},
    {35, NUM_PLAIN, "35"},
    {-15, NUM_PLAIN, "-15"},
    {3.14159, NUM_PLAIN, "3.14"},
    {1234567.891, NUM_PLAIN, "1,234,567.89"},
    {0.333333, NUM_PLAIN, "0.333"},
    {0.5, NUM_PLAIN, "0.5"},
    {0.0000667292, NUM_PLAIN, "0.0000667"},
    {6.67292e-05, NUM_PLAIN, "0.0000667"},
    {0.000001, NUM_PLAIN, "0.000001"},
    {0.0000012345, NUM_PLAIN, "0.00000123"},
    {0.00000099, NUM_PLAIN, "<0.000001"},
    {-0.00000099, NUM_PLAIN, ">-0.000001"},
    {1e-300, NUM_PLAIN, "<0.000001"},
    {5e-324, NUM_PLAIN, "<0.000001"},
    {0.9995, NUM_PLAIN, "1"},               /* 0.9995 -> 1.000 */
    {0.99949, NUM_PLAIN, "0.999"},
    {1.005, NUM_PLAIN, "1.01"},
    {-1000000000, NUM_PLAIN, "-1,000,000,000"},
    {-999999880, NUM_PLAIN, "-999,999,880"},
    {1e15, NUM_PLAIN, "1,000,000,000,000,000"},
    {1e21, NUM_PLAIN, "1,000,000,000,000,000,000,000"},
    {0, NUM_PLAIN, "0"},
    {-0.0, NUM_PLAIN, "0"},
    {-0.001, NUM_PLAIN, "-0.001"},
    /* not numbers */
    {NAN, NUM_MONEY, "not a number"},
    {INFINITY, NUM_PLAIN, "infinity"},
    {-INFINITY, NUM_PERCENT, "-infinity"},
};

static const Case signed_cases[] = {
    {25, NUM_PLAIN, "+25"},
    {-15, NUM_PLAIN, "\u221215"},
    {0, NUM_PLAIN, "0"},
    {-0.0, NUM_PLAIN, "0"},
    {1250, NUM_MONEY, "+1,250.00"},
    {-1250, NUM_MONEY, "\u22121,250.00"},
    {-0.001, NUM_MONEY, "0.00"},
    {0.02, NUM_PERCENT, "+2%"},
    {-0.025, NUM_PERCENT, "\u22122.5%"},
    {-1234, NUM_INT, "\u22121,234"},
};

int main(void)
{
    char buf[NUM_TEXT_MAX];
    for (size_t i = 0; i < sizeof plain_cases / sizeof plain_cases[0]; i++) {
        const Case *c = &plain_cases[i];
        size_t n = num_format(c->x, c->style, buf, sizeof buf);
        if (n != strlen(buf)) {
            printf("FAIL length %.17g: returned %zu for '%s'\n", c->x, n, buf);
            failures++;
        }
        if (c->want) check("format", c->x, c->style, buf, c->want);
    }
    for (size_t i = 0; i < sizeof signed_cases / sizeof signed_cases[0]; i++) {
        const Case *c = &signed_cases[i];
        num_format_signed(c->x, c->style, buf, sizeof buf);
        check("signed", c->x, c->style, buf, c->want);
    }

    /* no exponent and every digit, at every magnitude and in every style */
    const double extremes[] = {DBL_MAX, -DBL_MAX, 1e300, 1e100, 1e22, 1e17, 123456789012345678.0,
                               1e-5, 1e-100, DBL_MIN, 5e-324, -5e-324};
    const NumStyle styles[] = {NUM_PLAIN, NUM_INT, NUM_MONEY, NUM_PERCENT};
    for (size_t i = 0; i < sizeof extremes / sizeof extremes[0]; i++) {
        for (size_t k = 0; k < 4; k++) {
            size_t n = num_format(extremes[i], styles[k], buf, sizeof buf);
            int ok = n > 0 && n + 1 < sizeof buf && !strchr(buf, 'e') && !strchr(buf, 'E');
            if (ok) {
                printf("PASS no_exponent %s %.17g (%zu chars)\n", style_name(styles[k]), extremes[i], n);
            } else {
                printf("FAIL no_exponent %s %.17g: '%s'\n", style_name(styles[k]), extremes[i], buf);
                failures++;
            }
        }
    }
    /* DBL_MAX in full: 309 digits, 102 commas, ".00" */
    num_format(DBL_MAX, NUM_MONEY, buf, sizeof buf);
    check("dbl_max_length", DBL_MAX, NUM_MONEY, strlen(buf) == 309 + 102 + 3 ? "ok" : buf, "ok");
    check("dbl_max_digits", DBL_MAX, NUM_MONEY, strncmp(buf, "179,769,313,486,231,570,000,", 28) == 0 ? "ok" : buf, "ok");

    /* a buffer too small: cut, terminated, the length written returned */
    char small[6];
    size_t n = num_format(1234567.5, NUM_MONEY, small, sizeof small);
    check("cut_short", 1234567.5, NUM_MONEY, n == 5 && strcmp(small, "1,234") == 0 ? "ok" : small, "ok");

    /* exactly: the shortest decimal, no exponent, no grouping */
    static const struct { double x; const char *want; } exact[] = {
        {0.17, "0.17"}, {0.1 + 0.2, "0.30000000000000004"}, {0.16999999999999998, "0.16999999999999998"},
        {6.67292e-05, "0.0000667292"}, {1e20, "100000000000000000000"}, {-1250.5, "-1250.5"},
        {0, "0"}, {-0.0, "0"}, {1e-7, "0.0000001"}, {123456789.125, "123456789.125"},
    };
    for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++) {
        num_format_exact(exact[i].x, buf, sizeof buf);
        check("exact", exact[i].x, NUM_PLAIN, buf, exact[i].want);
    }
    num_format_exact(5e-324, buf, sizeof buf);
    check("exact_subnormal", 5e-324, NUM_PLAIN,
          strncmp(buf, "0.000", 5) == 0 && strlen(buf) == 2 + 323 + 1 && buf[strlen(buf) - 1] == '5' ? "ok" : buf, "ok");

    /* the grouping of a plain decimal */
    num_group_thousands("-1250000.5", buf, sizeof buf);
    check("group", -1250000.5, NUM_PLAIN, buf, "-1,250,000.5");
    num_group_thousands("999", buf, sizeof buf);
    check("group", 999, NUM_PLAIN, buf, "999");

    return failures ? 1 : 0;
}
