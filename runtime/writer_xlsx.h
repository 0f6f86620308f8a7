/* writer_xlsx.h — the Excel workbook behind `kam run --format xlsx`, for
 * runtime/writer.c: one worksheet, a bold header row that stays in view
 * (frozen) with an autofilter, then one row per record of typed cells
 * (text, numbers with a number format, booleans, dates). Column widths
 * follow the widest value. It decides no columns and formats no kam
 * values: writer.c says what goes in each cell. Only writer_xlsx.c
 * includes xlsxwriter.h.
 *
 * libxlsxwriter writes to a file name, so the workbook is built in an
 * unnamed temporary file (TMPDIR, else /tmp) and copied to the writer's
 * stream when complete: `--out FILE` stays atomic (cli/outfile.c), and a
 * pipe can take the bytes too. */
#ifndef KAM_WRITER_XLSX_H
#define KAM_WRITER_XLSX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct XlBook XlBook;

/* How a number is shown. */
typedef enum { XL_GENERAL, XL_INT, XL_MONEY, XL_PERCENT } XlStyle;

/* A workbook with one sheet of ncols columns (its name made valid for
 * Excel: at most 31 characters, none of []:*?/\). NULL with the reason in
 * err if the temporary file cannot be made. */
XlBook *xl_open(const char *sheet, int ncols, char *err, size_t errlen);
/* A header cell (row 1). */
void xl_header(XlBook *b, int col, const char *name);
/* Cells of the current record row; a cell not written stays empty. Text is
 * written as text (never a formula); bytes that are not UTF-8 and control
 * characters other than tab and line breaks become U+FFFD, which Excel
 * cannot hold otherwise. */
void xl_text(XlBook *b, int col, const char *s, size_t n);
void xl_number(XlBook *b, int col, double v, XlStyle style);
void xl_bool(XlBook *b, int col, bool v);
/* A date (days since 1970-01-01) as an Excel date shown yyyy-mm-dd; text
 * for dates Excel cannot show (before 1900-03-01, after 9999-12-31). */
void xl_date(XlBook *b, int col, int32_t days);
/* Moves to the next row. */
void xl_end_row(XlBook *b);
/* Finishes the workbook and copies it to out. 0, or -1 with the reason in
 * err. Frees b. */
int xl_close(XlBook *b, FILE *out, char *err, size_t errlen);

#endif
