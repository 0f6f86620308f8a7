/* numfmt.h — numbers written for people (account managers reading a table,
 * an explanation, a summary, the REPL): thousands grouped with ',', a '.'
 * for the decimal point, never an exponent at any magnitude. One style per
 * kind of number:
 *
 *   NUM_MONEY    two decimals, always:        1,162,331,498.38   -1,250.00
 *   NUM_PERCENT  a ratio shown times 100, at most two decimals, trailing
 *                zeros dropped:               12%  12.5%  0.01%
 *                nonzero but below 0.01%:     <0.01%  (negative: >-0.01%)
 *   NUM_INT      a whole number (a count):    1,234
 *   NUM_PLAIN    a ratio, score or other number: up to two decimals from 1
 *                up (72.5, 1,234.57), three significant digits below 1
 *                (0.333, 0.0000667); nonzero but below 0.000001 in size:
 *                <0.000001 (negative: >-0.000001)
 *
 * Rounding is half away from zero on the shortest decimal that reads back
 * as the double, as on paper: 2.675 is 2.68 and 1.005 is 1.01 though the
 * doubles nearest them lie just below. A value that rounds to zero shows
 * no sign (0.00, not -0.00). Very large values are written in full, their
 * shortest decimal padded with zeros (1e20 is 100,000,000,000,000,000,000).
 * NaN is "not a number", infinities "infinity" / "-infinity". Machine
 * output (CSV, JSON Lines, JSON, SARIF) does not come here: it keeps every
 * digit (runtime/writer.c's wr_format_number). Knows nothing of types,
 * values or fields. */
#ifndef KAM_NUMFMT_H
#define KAM_NUMFMT_H

#include <stddef.h>

typedef enum { NUM_PLAIN, NUM_INT, NUM_MONEY, NUM_PERCENT } NumStyle;

/* Enough for any double in any style (the largest, in full, grouped). */
#define NUM_TEXT_MAX 512

/* x in `style` for people, into buf (cut short to cap - 1 bytes if it does
 * not fit; cap >= 1). Returns the length written. */
size_t num_format(double x, NumStyle style, char *buf, size_t cap);

/* The same with a sign always shown, for a change or a weight: "+25",
 * "+1,250.00", "\u221215" (U+2212 MINUS SIGN, not a hyphen), "0" when it
 * rounds to zero. */
size_t num_format_signed(double x, NumStyle style, char *buf, size_t cap);

/* x exactly, for a message that must not round: its shortest decimal
 * (the fewest digits that read back as x), laid out without an exponent
 * or grouping, so it reads back as data: 0.16999999999999998,
 * 0.0000667292, 100000000000000000000. */
size_t num_format_exact(double x, char *buf, size_t cap);

/* A plain decimal ("-1250000.5") with the digits before its point grouped
 * in threes: "-1,250,000.5". */
void num_group_thousands(const char *plain, char *buf, size_t cap);

#endif
