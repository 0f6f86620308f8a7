/* json.h — a strict RFC 8259 JSON parser: json_validate checks one whole
 * JSON text, and the json_scan_* pieces below check (and, for strings,
 * decode) one token or value at a time, which is what the JSON Lines reader
 * (reader_jsonl.c) builds its records from. It builds no tree and knows
 * nothing of records, schemas or number conversion.
 *
 * What is accepted, exactly RFC 8259 and nothing more:
 *   - any value at the top level, with whitespace (space, tab, LF, CR) around
 *     it and nothing after it; no byte order mark, no comments, no trailing
 *     commas, no single quotes, no NaN/Infinity;
 *   - numbers by the RFC grammar -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
 *     (no leading zeros, no '+', no ".5" or "5.", no hex); their size is not
 *     limited, as they are only checked, never converted, here;
 *   - strings must be valid UTF-8 (no overlong forms, no encoded surrogates
 *     U+D800..U+DFFF, nothing above U+10FFFF) with no raw control characters
 *     (U+0000..U+001F); the escapes are \" \\ \/ \b \f \n \r \t \uXXXX;
 *   - a \u escape of a surrogate must be a high one (D800..DBFF) directly
 *     followed by a \u escape of a low one (DC00..DFFF). A lone or reversed
 *     surrogate is rejected: RFC 8259 leaves its meaning undefined, and the
 *     decoded text must be valid UTF-8 (there is no UTF-8 for a lone
 *     surrogate), so we refuse it rather than guess or substitute U+FFFD;
 *   - nesting up to JSON_MAX_DEPTH arrays/objects; deeper is rejected with
 *     a message. The parser is iterative, so no input can overflow the stack.
 * Duplicate object keys are valid JSON (the RFC only says SHOULD be unique)
 * and json_validate accepts them; the JSON Lines reader rejects them.
 *
 * No global state; nothing here allocates. */
#ifndef KAM_JSON_H
#define KAM_JSON_H

#include <stddef.h>

/* The kind of a JSON value. */
typedef enum { JSON_NULL, JSON_FALSE, JSON_TRUE, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT } JsonKind;

/* Most arrays/objects open at once; one more is an error. */
enum { JSON_MAX_DEPTH = 512 };

/* Validates one complete JSON text s[0..n) (see the top of this file). Returns
 * 0 if it is valid, else -1 with a message "at byte N: ..." in err, N being
 * the 0-based offset of the offending byte (n for an unexpected end). err may
 * be NULL when errlen is 0. NUL bytes are just bytes (invalid ones, outside
 * nothing): s need not be NUL-terminated. */
int json_validate(const char *s, size_t n, char *err, size_t errlen);

/* ---- pieces shared with the JSON Lines reader -------------------------- */

/* What kind of error a json_scan_* call found; the reader words its
 * messages by it ("invalid UTF-8 at column C" rather than a syntax error). */
typedef enum { JSON_ERR_SYNTAX, JSON_ERR_UTF8, JSON_ERR_DEPTH } JsonErrorKind;

/* Where and what the error is. at points at the offending byte, or at the
 * end of the input if the input stopped too soon. */
typedef struct JsonError {
    const char *at;
    JsonErrorKind kind;
    char msg[160];        /* without a position: "expected ':' after an object key" */
} JsonError;

/* The first byte in p..end that is not JSON whitespace, or end. */
const char *json_skip_space(const char *p, const char *end);

/* Checks the string token whose opening quote is *p, in p..end. If out is
 * not NULL, writes the decoded contents there (escapes and surrogate pairs
 * turned into UTF-8), sets *outlen and NUL-terminates it. Decoding never
 * lengthens text, so out may be p + 1 (in-place decoding); then the NUL
 * lands at or before the closing quote. Returns the byte just past the
 * closing quote, or NULL with e filled in. */
const char *json_scan_string(const char *p, const char *end, char *out, size_t *outlen,
                             JsonError *e);

/* Checks the number token that starts at *p (a '-' or a digit) and returns
 * the byte just past it, or NULL with e filled in. Also NULL if a letter,
 * digit, '.', '+' or '-' follows directly ("1x", "0x1F", "01"), so a
 * number is never silently split in two. */
const char *json_scan_number(const char *p, const char *end, JsonError *e);

/* Checks the one value that starts at *p (not at whitespace) and returns
 * the byte just past it, or NULL with e filled in. Arrays and objects may
 * nest max_depth deep counting themselves (0 = no container allowed);
 * json_validate passes JSON_MAX_DEPTH. The kind of the value is its first
 * byte's: '{' object, '[' array, '"' string, 't' true, 'f' false, 'n' null,
 * else a number. */
const char *json_scan_value(const char *p, const char *end, int max_depth, JsonError *e);

#endif
