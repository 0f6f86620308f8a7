/* test_decimal.c — tests for base/decimal.c: decimal text to double
 * with the point shifted in the text (12.3% and 0.123 are one double, 1.1k
 * is 1100), any length, subnormals, the range errors, whole numbers up to
 * 2^53, and round() half away from zero on the shortest decimal. Prints
 * "PASS name" or "FAIL name: reason" per case; exit 1 if any failed. */
#include "decimal.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit_check.h"

static double parse(const char *s, int shift, DecStatus *st)
{
    double d = -12345;
    *st = dec_parse(s, strlen(s), shift, &d);
    return d;
}

/* dec_parse(text, shift) gives exactly strtod(want) */
static void same(const char *name, const char *text, int shift, const char *want)
{
    DecStatus st;
    double d = parse(text, shift, &st);
    char why[200];
    snprintf(why, sizeof why, "'%s' shift %d: status %d, %.17g, want %.17g", text, shift, st, d,
             strtod(want, NULL));
    check(name, st == DEC_OK && d == strtod(want, NULL), why);
}

static void status(const char *name, const char *text, DecStatus want)
{
    DecStatus st;
    parse(text, 0, &st);
    char why[200];
    snprintf(why, sizeof why, "'%s': status %d, want %d", text, st, want);
    check(name, st == want, why);
}

int main(void)
{
    same("percent_0.9", "0.9", -2, "0.009");
    same("percent_10.1", "10.1", -2, "0.101");
    same("percent_12.3", "12.3", -2, "0.123");
    same("scale_1.1k", "1.1", 3, "1100");
    same("scale_2.5M", "2.5", 6, "2500000");
    same("shift_with_exponent", "1.5e-1", -2, "0.0015");
    same("tiny_fraction", "0.00000000000000000000001", 0, "1e-23");
    same("subnormal", "1e-310", 0, "1e-310");
    same("least_subnormal", "4.9406564584124654e-324", 0, "5e-324");
    same("long_mantissa", "3.14159265358979323846264338327950288419716939937510582097494459", 0,
         "3.14159265358979323846264338327950288419716939937510582097494459");
    same("plus_sign", "+12.5", 0, "12.5");
    same("point_only_before", ".5", 0, "0.5");
    same("point_only_after", "5.", 0, "5");
    same("negative_zero_is_zero", "-0.000", 0, "0");
    {   /* 5.<130 zeros>e-3, past the lexer's old 127-character buffer */
        char s[200] = "5.";
        memset(s + 2, '0', 130);
        strcpy(s + 132, "e-3");
        same("130_zeros", s, 0, "0.005");
    }
    {   /* 1 + 2^-53 is halfway between two doubles (ties to even: 1); a 1
           some 800 digits further on, past the digits kept, tips it up */
        static const char half[] = "1.00000000000000011102230246251565404236316680908203125";
        char s[1000];
        strcpy(s, half);
        same("halfway_ties_to_even", s, 0, "1");
        size_t n = strlen(s);
        memset(s + n, '0', 800);
        s[n + 800] = '1';
        s[n + 801] = '\0';
        same("sticky_rest_past_780_digits", s, 0, "1.0000000000000002");
    }
    status("empty", "", DEC_SYNTAX);
    status("sign_only", "-", DEC_SYNTAX);
    status("point_only", ".", DEC_SYNTAX);
    status("hex", "0x10", DEC_SYNTAX);
    status("inf", "inf", DEC_SYNTAX);
    status("nan", "nan", DEC_SYNTAX);
    status("exponent_without_digits", "1e", DEC_SYNTAX);
    status("two_points", "1.2.3", DEC_SYNTAX);
    status("too_large", "1e400", DEC_RANGE);
    status("too_large_long", "179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497792", DEC_RANGE);
    status("too_small", "1e-400", DEC_TINY);
    status("huge_exponent", "1e999999999999999999", DEC_RANGE);
    status("zero_with_huge_exponent", "0e999999999999", DEC_OK);

    double d;
    check("int_2^53", dec_parse_int("9007199254740992", 16, 0, &d) == DEC_OK && d == 9007199254740992.0,
          "2^53 is an int");
    check("int_2^53+1", dec_parse_int("9007199254740993", 16, 0, &d) == DEC_RANGE, "2^53+1 is refused");
    check("int_-2^53-1", dec_parse_int("-9007199254740993", 17, 0, &d) == DEC_RANGE, "-(2^53+1) is refused");
    check("int_12.0", dec_parse_int("12.0", 4, 0, &d) == DEC_OK && d == 12, "12.0 is 12");
    check("int_1.2e1", dec_parse_int("1.2e1", 5, 0, &d) == DEC_OK && d == 12, "1.2e1 is 12");
    check("int_12.5", dec_parse_int("12.5", 4, 0, &d) == DEC_NOT_WHOLE, "12.5 is not whole");
    check("int_1e20", dec_parse_int("1e20", 4, 0, &d) == DEC_RANGE, "1e20 is out of range");

    struct { double x; int digits; double want; } r[] = {
        {1.005, 2, 1.01}, {0.285, 2, 0.29}, {2.675, 2, 2.68}, {-1.005, 2, -1.01},
        {1.015, 2, 1.02}, {0.125, 2, 0.13}, {1.45, 1, 1.5}, {-2.5, 0, -3}, {1250, -2, 1300},
        {-1350, -2, -1400}, {0.0049, 2, 0}, {0.005, 2, 0.01}, {99.995, 2, 100}, {1.23456, 3, 1.235},
        {123456789.125, 2, 123456789.13}, {1e300, 2, 1e300}, {5e-324, 2, 0}, {0.5, 0, 1},
    };
    for (size_t i = 0; i < sizeof r / sizeof r[0]; i++) {
        double got = dec_round(r[i].x, r[i].digits);
        char name[64], why[160];
        snprintf(name, sizeof name, "round_%.17g_%d", r[i].x, r[i].digits);
        snprintf(why, sizeof why, "got %.17g, want %.17g", got, r[i].want);
        check(name, got == r[i].want, why);
    }
    check("round_overflow_is_inf", isinf(dec_round(1.7976931348623157e308, -308)),
          "round(1.79e308, -308) must report inf for the VM to refuse");
    return failures ? 1 : 0;
}
