/* reader_csv.h — a streaming RFC 4180 CSV reader: records one at a time from
 * a file or stdin, fields as borrowed (pointer, length) slices of the input
 * (a regular file is mapped, anything else read into a buffer). It knows nothing of headers, types or the policy's record schema:
 * the first row is just the first record, and every field is bytes.
 *
 * Accepted input (RFC 4180 plus what real exports contain):
 *   - fields separated by ',' (or ';' or a tab: rd_csv_set_delimiter), records ended by LF, CRLF or a lone CR
 *     (old Mac exports); the last record may lack its line end;
 *   - quoted fields may hold ',', CR, LF and doubled quotes ("");
 *     a '"' inside an unquoted field is kept as a literal character;
 *   - a UTF-8 byte order mark at the very start is skipped;
 *   - blank lines (nothing between two line ends) are skipped, so a trailing
 *     blank line is not a record; write "" to mean one empty field;
 *   - any byte, NUL included, is data: use RdField.len, not strlen.
 * Malformed: an unterminated quoted field, text after a closing quote, a
 * record over 64 MiB (read from a pipe or stdin: a mapped file's records
 * need no buffer), more than 10000 fields; and a regular file whose size
 * or modification time changed while it was read (at its end: the answer
 * would come from a file being written), or that shrank under its mapping
 * (the process exits 3 with a message: base/mapfile.h). Errors are sticky: after
 * rd_csv_next returns -1 every later call returns -1 too.
 *
 * No global state but base/mapfile.c's list of mapped files: readers are
 * independent. Memory comes from arena.h's
 * xmalloc family, so exhaustion exits rather than returning NULL; link
 * base/arena.c. */
#ifndef KAM_READER_CSV_H
#define KAM_READER_CSV_H

#include <stdbool.h>
#include <stddef.h>

/* One field of the current record. Borrowed from the reader: valid until
 * the next rd_csv_next or rd_csv_close. Quotes are already removed and ""
 * unescaped (into a copy: the reader never writes into its input). ptr[len]
 * is NOT a NUL (it is usually the delimiter), and the field itself may
 * contain NUL bytes: use len. */
typedef struct RdField { const char *ptr; size_t len; } RdField;   /* borrowed; valid until the next rd_csv_next */

/* An open CSV input; owns its file descriptor (not stdin's) and buffers. */
typedef struct CsvReader CsvReader;

/* path "-" = stdin. On failure returns NULL and writes a message naming the path and strerror into err. Opened read-only. */
CsvReader *rd_csv_open(const char *path, char *err, size_t errlen);
/* The name its messages give the data (instead of the path). */
void rd_csv_set_name(CsvReader *r, const char *name);

/* Reads the next record. Returns 1 and sets *fields, *nfields, *line (1-based physical line where the record starts), 0 at end of input, -1 on a malformed record (message via rd_csv_error, which names the line and says what is wrong, e.g. an unterminated quoted field or text after a closing quote).
 * *fields points into the reader and is reused by the next call. A read
 * error also returns -1. "Physical line" counts LF, CRLF and lone CR,
 * including those inside quoted fields. */
int rd_csv_next(CsvReader *r, RdField **fields, size_t *nfields, long *line);

/* Split only the first n fields of each record; the rest of the record is
 * skipped as fast as possible (still honouring quotes, so line counting and
 * record boundaries stay exact). *nfields then reports at most n. 0 = all (the default).
 * Takes effect from the next rd_csv_next. The skipped part is still checked
 * for an unterminated quote or text after a closing quote wherever it holds
 * a '"' (same message and line as without a limit), but fields past the
 * limit do not count towards the 10000-field limit. For a pass that needs
 * only leading columns (e.g. an aggregate over column 4 of 19). */
void rd_csv_set_field_limit(CsvReader *r, size_t n);

/* Converting while scanning: for the columns a pass reads as numbers or
 * dates, the scanner converts a field in the sweep that finds its end,
 * bare or quoted without "" inside ("12.5" as 12.5), when it has the
 * common shape; anything else (spaced, longer, an exponent, a decimal
 * comma, malformed) is left to the caller's general path, which then sees
 * the field as text as before. The shapes, exactly
 * those of rd_fill's fast paths (runtime/reader.c):
 *   CSV_CONV_DEC   [-]digits[.digits], 1 to 15 digits in all: the decimal
 *                  as one correctly rounded division (mantissa / 10^frac);
 *   CSV_CONV_PCT   the same, or the same followed by '%' (then / 10^(frac+2));
 *   CSV_CONV_INT   [-]digits, 1 to 15 digits;
 *   CSV_CONV_DATE  YYYY-MM-DD, a real date (base/date.h): days since 1970;
 *   CSV_CONV_WORDS exactly one of the column's words (CsvWords): its index.
 * The fields are still stored as text too. */
enum { CSV_CONV_NONE, CSV_CONV_DEC, CSV_CONV_PCT, CSV_CONV_INT, CSV_CONV_DATE, CSV_CONV_WORDS };

/* The words of a CSV_CONV_WORDS column (borrowed: they must outlive the
 * conversions). */
typedef struct CsvWords {
    const char *const *w;
    int n;
} CsvWords;

/* A converted value: a number, a date as its day count, or a word as its
 * index. */
typedef union CsvValue {
    double num;
    long long days;
    long long word;
} CsvValue;

/* What the scanner converted in the current record: column c was
 * converted iff gen[c] == cur, and its value is *at[c]; count says how
 * many columns were. Owned by the reader; valid until
 * rd_csv_set_conversions or rd_csv_close. */
typedef struct CsvConverted {
    unsigned cur;
    unsigned count;
    const unsigned *gen;
    CsvValue *const *at;
} CsvConverted;

/* Sets the conversion of the first n columns (conv[c] one of CSV_CONV_*);
 * n = 0 turns it off. Takes effect from the next rd_csv_next. dst, if not
 * NULL, says by column where a converted value goes (8 bytes, written as
 * a CsvValue; NULL: into the reader): a caller that reads a column's
 * value from a place of its own can name it and have it written there as
 * the scan goes. The places must stay valid while conversions are on; a
 * record the reader later finds malformed may have written some of them.
 * words gives, by column, the words of a CSV_CONV_WORDS column (NULL if
 * there is none). */
const CsvConverted *rd_csv_set_conversions(CsvReader *r, const unsigned char *conv, size_t n,
                                           void *const *dst, const CsvWords *words);

/* The field delimiter: ',' (the default), ';' or '\t'; false for any other.
 * Takes effect from the next rd_csv_next. */
bool rd_csv_set_delimiter(CsvReader *r, char delim);
char rd_csv_delimiter(const CsvReader *r);

/* The text of the first physical line of the next record (after a byte
 * order mark and blank lines), without consuming it: *text points into the
 * reader's buffer, valid until the next call on r; the length returned
 * stops at the first CR or LF, or at 64 KiB. 0 at end of input or on a
 * read error (rd_csv_next then says which). For guessing the delimiter from
 * the header before it is split. */
size_t rd_csv_peek_line(CsvReader *r, const char **text);

/* The last error as "path:line: message", or "" if there was none. */
const char *rd_csv_error(const CsvReader *r);

/* Byte offset consumed so far and total size if known (0 if not, e.g. stdin) — for progress bars. */
long long rd_csv_offset(const CsvReader *r);  long long rd_csv_size(const CsvReader *r);

/* Where the last record rd_csv_next read (or failed on) starts: its input
 * offset, after the blank lines before it, and (*line) its physical line. For splitting a file among
 * workers at record boundaries (cli/run_par.c). */
long long rd_csv_record_start(const CsvReader *r, long *line);
/* The physical line number where reading stands (the line of the next
 * unread byte). */
long rd_csv_line(const CsvReader *r);
/* Goes on reading a file (not stdin) from input offset `offset`, which
 * must be where a record (or a blank line before one) starts, counting
 * that as physical line `line`; no byte order mark is looked for there.
 * Clears a sticky error. `end`, if past offset, is where the caller means
 * to stop (reads are then kept small past it; records are read whole
 * wherever they end). 0, or -1 if the file cannot seek. */
int rd_csv_seek(CsvReader *r, long long offset, long line, long long end);

/* Records in a run, for a pass that only needs a few numbers of each (a
 * sum): from where reading stands, at most max records, each taken only
 * if it is plain in a narrow sense — it lies whole in the buffer on one
 * line (LF or CRLF), after no blank line, and starts before input offset
 * `stop` (0: anywhere); it has at least the field limit's number of
 * fields (rd_csv_set_field_limit, which must be set); field `key` (-1:
 * none) is unquoted and not empty; every column c below the limit with
 * conv[c] set (CSV_CONV_DEC, CSV_CONV_PCT or CSV_CONV_INT only) is
 * unquoted and of its kind's fast shape (as rd_csv_set_conversions
 * converts it), and its value is written to vals[c][i] for the i-th record
 * taken; the other fields before the limit are unquoted or quoted on the
 * line; the rest of the line holds no '"' and no CR but its end. Returns
 * how many were taken: reading then stands after them, the line count
 * and rd_csv_record_start as if rd_csv_next had read them. The first
 * record that is not so is left for rd_csv_next, the buffer untouched
 * (and 0 when that is the first: at the start, at the buffer's end, a
 * record of another shape, a reader that failed). No fields are stored:
 * rd_csv_next's *fields then mean nothing until it is called again. */
size_t rd_csv_batch(CsvReader *r, const unsigned char *conv, long key, long long stop,
                    double *const *vals, size_t max);

/* Whether the common record is split with AVX2 (32 bytes a compare)
 * rather than SSE2: on by default where the CPU has it. Returns whether it
 * is on now (false if asked for on a CPU or build without it). For tests,
 * which read the same input both ways. */
bool rd_csv_set_avx2(CsvReader *r, bool on);
/* The physical line ends (LF, CRLF and a lone CR once each, as the reader
 * counts lines; with lf_only LF alone, as JSON Lines has them) in the
 * file's bytes [from, to), counted in place in r's mapping (kam run -j
 * counts each chunk's lines before its record pass): a vector compare and
 * a popcount for 64 bytes, where the CPU has AVX2. A CR as the range's last
 * byte counts. -1 if r's file is not mapped (read it instead) or the
 * range is not inside it. Any kind of file: only its bytes are read. */
long rd_csv_line_ends(CsvReader *r, long long from, long long to, bool lf_only);

/* Whether the input is a mapped file (a regular file other than stdin:
 * base/mapfile.h), rather than read(2) into a buffer. */
bool rd_csv_mapped(const CsvReader *r);

/* Closes the file (never stdin) and frees everything; NULL is a no-op. */
void rd_csv_close(CsvReader *r);

#endif
