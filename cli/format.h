/* format.h — a value formatted for people, by its type: 12%, 1,250,000.50,
 * 2026-01-31, gold, "text" with control characters escaped. Numbers go
 * through base/numfmt.h (grouped thousands, money with two decimals,
 * percent with at most two, never an exponent). The REPL, explain, test,
 * diff and the run summary use it; data output (CSV, JSON Lines) goes
 * through runtime/writer.c instead and keeps every digit. */
#ifndef KAM_CLI_FORMAT_H
#define KAM_CLI_FORMAT_H

#include "../base/numfmt.h"
#include "../base/value.h"
#include "../lang/types.h"

#include <stddef.h>

/* Formats a value of type t for people: 12%, 250,000.00, 2026-01-31, gold. */
void ses_format_value(Type t, const Value *v, char *buf, size_t len);
/* The number style of a numeric type: money, percent, int, else plain. */
NumStyle fmt_num_style(Type t);
/* A count for people, into buf (returned, for use inside a printf): 1,234. */
const char *fmt_count(long n, char *buf, size_t len);
/* A change in a count, signed: +3, \u22122 (U+2212), 0. */
const char *fmt_count_change(long n, char *buf, size_t len);
/* A plain decimal ("-1250000.5") with its thousands grouped: -1,250,000.5. */
void fmt_group_thousands(const char *plain, char *buf, size_t len);

#endif
