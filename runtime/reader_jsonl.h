/* reader_jsonl.h — a streaming JSON Lines reader: one JSON object per line,
 * records one at a time from a file or stdin, each as a flat list of
 * (key, kind, value) fields borrowed from the read buffer. It knows nothing
 * of the policy's record schema or of number conversion: numbers come back
 * as their literal text, and nested arrays/objects as their raw text for the
 * caller to reject.
 *
 * Accepted input (https://jsonlines.org, with RFC 8259 values as json.h
 * checks them):
 *   - one JSON object per line, lines ended by LF or CRLF (CR is JSON
 *     whitespace, so a stray CR inside a line is whitespace too); the last
 *     line may lack its line end;
 *   - lines holding only whitespace are skipped (they still count for line
 *     numbers);
 *   - a UTF-8 byte order mark at the very start is skipped (columns on line
 *     1 are then counted after it);
 *   - any byte may appear in the input; a NUL or invalid UTF-8 makes its line
 *     malformed, nothing worse.
 * A malformed line (rd_jsonl_next returns 2) is reported and skipped, and
 * reading goes on with the next line: a value that is not an object, a
 * syntax error, invalid UTF-8, a lone surrogate escape, nesting deeper than
 * JSON_MAX_DEPTH in all (the line's object counts), or a key that appears
 * twice in the line's object (valid JSON, but which value would a rule
 * see? Keys are compared after unescaping, so "a" and "\u0061" are the
 * same; keys inside nested values are not checked, as those are returned
 * as raw text), or more than 100000 members in the line's object.
 * Unrecoverable (returns -1, and so does
 * every later call): a read error, or a line longer than 64 MiB.
 *
 * No global state: readers are independent. Memory comes from arena.h's
 * xmalloc family, so exhaustion exits rather than returning NULL; link
 * base/arena.c and runtime/json.c. */
#ifndef KAM_READER_JSONL_H
#define KAM_READER_JSONL_H

#include "json.h"

#include <stddef.h>

/* One member of the current line's object, in the order written. Borrowed
 * from the reader's buffer: valid until the next rd_jsonl_next or
 * rd_jsonl_close. Every ptr and key is NUL-terminated, but decoded text may
 * itself hold NUL bytes (from \u0000): use the lengths. */
typedef struct JsonField {
    const char *key; size_t keylen;   /* unescaped key, NUL-terminated */
    JsonKind kind;
    const char *ptr; size_t len;      /* strings: unescaped UTF-8 (\u escapes and surrogate pairs decoded), NUL-terminated;
                                         numbers: the literal text; true/false/null: "true"/"false"/"";
                                         arrays/objects: the raw text (the caller reports them as an error) */
} JsonField;

/* An open JSON Lines input; owns its file descriptor (not stdin's) and buffers. */
typedef struct JsonlReader JsonlReader;

/* path "-" = stdin. Opened read-only. On failure returns NULL and writes a
 * message naming the path and strerror into err (e.g. "cannot open x.jsonl:
 * No such file or directory"). */
JsonlReader *rd_jsonl_open(const char *path, char *err, size_t errlen);
/* The name its messages give the data (instead of the path). */
void rd_jsonl_set_name(JsonlReader *r, const char *name);

/* Reads the next record. Returns
 *    1  a record: *fields (reused by the next call), *nfields (0 for "{}")
 *       and *line (1-based) are set;
 *    0  end of input;
 *    2  this line is malformed: rd_jsonl_error says "path:LINE: ..." and
 *       what is wrong (not an object, a syntax error at column C, a
 *       duplicate key "k", invalid UTF-8 at column C, ...); *line is set and
 *       the next call reads the following line; *nfields is 0;
 *   -1  unrecoverable: a read error or a line over 64 MiB (message via
 *       rd_jsonl_error); every later call returns -1 too.
 * Columns are 1-based byte offsets within the line. */
int rd_jsonl_next(JsonlReader *r, JsonField **fields, size_t *nfields, long *line);

/* The last error as "path:line: message", or "" if there was none. */
const char *rd_jsonl_error(const JsonlReader *r);

/* Byte offset consumed so far (the start of the next line) and the total
 * size if known (0 if not, e.g. a pipe) — for progress bars. */
long long rd_jsonl_offset(const JsonlReader *r);
long long rd_jsonl_size(const JsonlReader *r);

/* For splitting a file among workers at line starts (cli/run_par.c), as
 * the CSV reader's rd_csv_record_start, rd_csv_line and rd_csv_seek: where
 * the last line read starts (offset, *line its number); the line number
 * where reading stands; going on from offset (a line start), counted as
 * line `line`, reading little past `end`. A line is a record, so every
 * line start is a record start. */
long long rd_jsonl_record_start(const JsonlReader *r, long *line);
long rd_jsonl_line(const JsonlReader *r);
int rd_jsonl_seek(JsonlReader *r, long long offset, long line, long long end);

/* Closes the file (never stdin) and frees everything; NULL is a no-op. */
void rd_jsonl_close(JsonlReader *r);

#endif
