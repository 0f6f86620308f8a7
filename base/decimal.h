/* decimal.h — decimal text to double, with one rounding. The policy lexer
 * (literals, 12%, 250k) and the data readers (numbers, money, percent, int)
 * share it, so a literal and a data value that denote the same decimal
 * become the same double: 0.9% and 0.009 both become the double nearest to
 * 9/1000, because the percent sign shifts the decimal point in the text
 * (shift -2) instead of dividing by 100 afterwards. Any length is accepted;
 * subnormals are kept; a value too large for a double, or nonzero but too
 * small to be told from zero, is out of range. Knows nothing of types,
 * fields or messages. */
#ifndef KAM_DECIMAL_H
#define KAM_DECIMAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    DEC_OK = 0,
    DEC_SYNTAX = -1,    /* not [+-]digits[.digits][(e|E)[+-]digits] */
    DEC_RANGE = -2,     /* a number, but beyond a double (or an int's) range */
    DEC_TINY = -4,      /* a number that is not zero but rounds to zero */
    DEC_NOT_WHOLE = -3, /* dec_parse_int: a number with a fraction */
} DecStatus;

/* The largest whole number every smaller one of which a double holds
 * exactly: 2^53. kam ints stay within it. */
#define DEC_INT_MAX 9007199254740992.0

/* s[0..n) times 10^shift, correctly rounded to the nearest double. */
DecStatus dec_parse(const char *s, size_t n, int shift, double *out);

/* s[0..n) times 10^shift as a whole number of magnitude at most 2^53
 * ("12", "12.0" and "1.2e1" are 12; "12.5" is DEC_NOT_WHOLE;
 * "9007199254740993" is DEC_RANGE). */
DecStatus dec_parse_int(const char *s, size_t n, int shift, double *out);

/* x rounded half away from zero at `digits` decimal places (negative:
 * tens, hundreds ...), on the shortest decimal that reads back as x:
 * round(1.005, 2) is 1.01 and round(0.285, 2) is 0.29, as on paper, though
 * the doubles nearest 1.005 and 0.285 lie just below them. */
double dec_round(double x, int digits);

#endif
