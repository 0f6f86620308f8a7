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
#include "../runtime/bytecode.h"

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

/* --- descriptions, terms and display names (explain, diff, the summary,
 * the REPL and `kam report` share these so they read the same) --- */

/* A rule for people, its name kept for the author: "Key account
 * (key_account)" with a description, else "key_account". */
const char *fmt_rule_title(const char *name, const char *desc, char *buf, size_t len);
/* A term's label: its `as "label"`, else its name with '_' read as a space
 * ("max_discount" -> "max discount"). */
const char *fmt_term_label(const ChunkTerm *t, char *buf, size_t len);
/* A value of runtime type t for people, as ses_format_value: 12%, 4,
 * 1,250.00, 2026-01-31, gold, "text"; "missing". */
void fmt_rt_value(RtType t, const Value *v, char *buf, size_t len);
/* The same for JSON, as kam run's JSON Lines writes it: every digit, a
 * percent as its ratio (0.12), a date or member as a string, null when
 * missing. */
void fmt_rt_value_json(RtType t, const Value *v, char *buf, size_t len);
/* An entitlement's terms for people, from the registers of one record:
 * "SLA hours 4, maximum discount 12%" ("" if it has none). Meaningful only
 * when the entitlement holds (its terms are missing otherwise). */
const char *fmt_terms_text(const ChunkOut *o, const Value *regs, char *buf, size_t len);
/* The entitlement `name`'s output in c (its description and terms), or NULL. */
const ChunkOut *fmt_chunk_out(const Chunk *c, const char *name);
/* The record's display name (the `display` field, control characters
 * escaped) from its registers in c, into buf; NULL if the policy has no
 * `display` or the value is missing or empty. */
const char *fmt_display_name(const Chunk *c, const Value *regs, char *buf, size_t len);
/* The same from a record's field values (fields in schema order), as the
 * REPL and diff hold them. */
const char *fmt_display_of(const Chunk *c, const Value *fields, char *buf, size_t len);

#endif
