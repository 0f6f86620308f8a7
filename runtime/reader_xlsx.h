/* reader_xlsx.h — rows of cells from one worksheet of an Excel workbook
 * (.xlsx: Office Open XML, a zip of XML parts), read with libzip and expat.
 * It knows nothing of headers, record schemas or kam's types: a row is a
 * list of cells, each with its sheet column, what kind of value Excel
 * stored and that value's text. Matching the first row to the record's
 * fields and converting values belongs to reader.c.
 *
 * What a cell's text is, by the kind Excel stored:
 *   XL_NUMBER  the number as written in the sheet ("0.12", "45000",
 *              "1.5E-3"): a percent cell holds its fraction, a date cell
 *              its serial day number (rd_xlsx_serial_date);
 *   XL_TEXT    a shared string (rich text runs joined, phonetic runs left
 *              out), an inline string, or a formula's string result;
 *   XL_BOOL    "true" or "false";
 *   XL_ERROR   the error Excel shows ("#DIV/0!", "#N/A");
 *   XL_NOVALUE a formula whose result was never saved (written by a tool,
 *              not by Excel): there is nothing to read.
 * Empty cells (no value, or an empty string) are not listed, and rows
 * without any listed cell are skipped, as blank lines are in CSV.
 *
 * Streaming: the sheet's XML is parsed incrementally from the zip in
 * 64 KiB chunks, and the parser is suspended at the end of each row, so
 * memory does not grow with the rows; only the shared strings table is
 * held whole. Limits (refused with a message, never a crash): a workbook
 * part over XLSX_MAX_PART bytes uncompressed (shared strings over
 * XLSX_MAX_STRINGS, the sheet over XLSX_MAX_SHEET), whatever the zip
 * declares; XML with a DOCTYPE (so no entity declarations at all); XML
 * nested deeper than 64 elements; a cell text over 1 MiB; a column past
 * XFD (16384) or a row past 1048576. Errors are sticky.
 *
 * No global state; memory comes from arena.h's xmalloc family. */
#ifndef KAM_READER_XLSX_H
#define KAM_READER_XLSX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    XLSX_MAX_COLS = 16384,              /* A..XFD */
    XLSX_MAX_ROWS = 1048576
};
#define XLSX_MAX_PART    (64LL << 20)   /* workbook.xml, the .rels parts */
#define XLSX_MAX_STRINGS (512LL << 20)  /* sharedStrings.xml */
#define XLSX_MAX_SHEET   (2LL << 30)    /* the worksheet's XML */

typedef enum { XL_NUMBER, XL_TEXT, XL_BOOL, XL_ERROR, XL_NOVALUE } XlsxKind;

/* One cell of the current row. ptr is borrowed (valid until the next
 * rd_xlsx_next or rd_xlsx_close) and NUL-terminated. */
typedef struct XlsxCell {
    int col;                /* 0 for column A */
    XlsxKind kind;
    const char *ptr;
    size_t len;
} XlsxCell;

typedef struct XlsxReader XlsxReader;

/* Opens the workbook at path and the worksheet named `sheet` (NULL: the
 * first visible worksheet), reading the workbook's sheet list and its
 * shared strings. NULL with a message in err ("PATH: ...") if the file
 * cannot be opened, is not a workbook, or has no such sheet (the message
 * then lists the sheets). */
XlsxReader *rd_xlsx_open(const char *path, const char *sheet, char *err, size_t errlen);

/* The next row with a value in it: 1 and sets *cells (in sheet order),
 * *ncells and *row (1-based, as Excel numbers rows); 0 at the end; -1 if
 * the sheet is malformed (message via rd_xlsx_error). */
int rd_xlsx_next(XlsxReader *r, const XlsxCell **cells, size_t *ncells, long *row);

/* The chosen sheet's name; whether the workbook counts dates from 1904. */
const char *rd_xlsx_sheet(const XlsxReader *r);
bool rd_xlsx_date1904(const XlsxReader *r);

/* The last error, "PATH: message", or "". */
const char *rd_xlsx_error(const XlsxReader *r);

/* Sheet XML bytes parsed so far and in all (uncompressed), for progress. */
long long rd_xlsx_offset(const XlsxReader *r);
long long rd_xlsx_size(const XlsxReader *r);

void rd_xlsx_close(XlsxReader *r);

/* Column letters of a 0-based column: 0 "A", 25 "Z", 26 "AA" (buf: 4 bytes
 * at least). */
void rd_xlsx_col_name(int col, char *buf);

/* Days since 1970-01-01 of an Excel serial date (the text of a number
 * cell): the 1900 system counts 1900-01-01 as 1 and keeps Lotus 1-2-3's
 * fictitious 1900-02-29 as 60, the 1904 system counts 1904-01-01 as 0.
 * A time of day (the fraction) is dropped. Returns NULL, or why the
 * number is not a date ("serial 60 is 1900-02-29, a day that did not
 * exist", "not a number", "before the first date", "after 9999-12-31"). */
const char *rd_xlsx_serial_date(const char *text, size_t len, bool date1904, int32_t *days);

#endif
