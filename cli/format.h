/* format.h — a value formatted for people, by its type: 12%, 1,250,000.5,
 * 2026-01-31, gold, "text" with control characters escaped. The REPL,
 * explain, test, diff and the run summary use it; data output (CSV, JSON
 * Lines, tables) goes through runtime/writer.c instead. */
#ifndef KAM_CLI_FORMAT_H
#define KAM_CLI_FORMAT_H

#include "../base/value.h"
#include "../lang/types.h"

#include <stddef.h>

/* Formats a value of type t for people: 12%, 250,000, 2026-01-31, gold. */
void ses_format_value(Type t, const Value *v, char *buf, size_t len);
/* A plain decimal ("-1250000.5") with its thousands grouped: -1,250,000.5. */
void fmt_group_thousands(const char *plain, char *buf, size_t len);

#endif
