/* writer_xlsx.c — the workbook of `kam run --format xlsx` (see
 * writer_xlsx.h), built with libxlsxwriter in its constant-memory mode:
 * each row goes to disk once complete, so a large run does not hold the
 * sheet in memory. */
#define _GNU_SOURCE
#include "writer_xlsx.h"
#include "../base/arena.h"
#include "../base/date.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

enum {
    XL_MAX_ROWS = 1048576,      /* Excel's limit, the header included */
    XL_MAX_TEXT = 32767,        /* characters in a cell */
    XL_MAX_WIDTH = 60           /* the widest column, in characters */
};

struct XlBook {
    lxw_workbook *wb;
    lxw_worksheet *ws;
    lxw_format *bold, *fmt[4], *date;
    int fd;                     /* the unnamed temporary file */
    char path[32];              /* /dev/fd/N: libxlsxwriter opens it at the close */
    char *tmpdir;
    int ncols;
    uint32_t row;
    int *width;                 /* the widest value per column, in characters */
    char **name;                /* the header, for messages */
    char *text;                 /* xl_text's cleaned copy */
    size_t textcap;
    char err[300];              /* the first failure */
};

static void fail(XlBook *b, const char *fmt, const char *what)
{
    if (!b->err[0]) snprintf(b->err, sizeof b->err, fmt, what);
}

static void book_free(XlBook *b)
{
    close(b->fd);
    for (int i = 0; i < b->ncols; i++) free(b->name[i]);
    free(b->name);
    free(b->width);
    free(b->text);
    free(b->tmpdir);
    free(b);
}

static void check(XlBook *b, lxw_error rc)
{
    if (rc != LXW_NO_ERROR) fail(b, "the workbook: %s", lxw_strerror(rc));
}

static void widen(XlBook *b, int col, size_t chars)
{
    if (col >= 0 && col < b->ncols && chars > (size_t)b->width[col])
        b->width[col] = chars > XL_MAX_WIDTH ? XL_MAX_WIDTH : (int)chars;
}

XlBook *xl_open(const char *sheet, int ncols, char *err, size_t errlen)
{
    XlBook *b = xcalloc(1, sizeof *b);
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir) dir = "/tmp";
    char tmpl[4200];
    snprintf(tmpl, sizeof tmpl, "%s/kam-xlsx-XXXXXX", dir);
    b->fd = mkstemp(tmpl);
    if (b->fd < 0) {
        snprintf(err, errlen, "cannot make a temporary file for the workbook in %s: %s", dir,
                 strerror(errno));
        free(b);
        return NULL;
    }
    unlink(tmpl);
    snprintf(b->path, sizeof b->path, "/dev/fd/%d", b->fd);
    b->tmpdir = xstrdup(dir);
    lxw_workbook_options opt = {.constant_memory = LXW_TRUE, .tmpdir = b->tmpdir};
    b->wb = workbook_new_opt(b->path, &opt);
    /* a valid sheet name: Excel's forbidden characters become '_' */
    char name[32];
    size_t n = 0;
    for (const char *s = sheet && *sheet ? sheet : "accounts"; *s && n < 31; s++)
        name[n++] = strchr("[]:*?/\\", *s) ? '_' : *s;
    while (n && ((unsigned char)name[n - 1] & 0xC0) == 0x80) n--;  /* a whole last character */
    if (n && (unsigned char)name[n - 1] >= 0xC0) n--;
    name[n] = '\0';
    if (n == 0 || name[0] == '\'' || name[n - 1] == '\'') snprintf(name, sizeof name, "accounts");
    b->ws = b->wb ? workbook_add_worksheet(b->wb, name) : NULL;
    if (!b->ws) {
        snprintf(err, errlen, "cannot start the workbook (temporary files in %s)", dir);
        if (b->wb) workbook_close(b->wb);
        book_free(b);
        return NULL;
    }
    b->bold = workbook_add_format(b->wb);
    format_set_bold(b->bold);
    static const char *const numfmt[4] = {NULL, "#,##0", "#,##0.00", "0.0##%"};
    for (int i = 1; i < 4; i++) {
        b->fmt[i] = workbook_add_format(b->wb);
        format_set_num_format(b->fmt[i], numfmt[i]);
    }
    b->date = workbook_add_format(b->wb);
    format_set_num_format(b->date, "yyyy-mm-dd");
    b->ncols = ncols;
    b->width = xcalloc((size_t)ncols + 1, sizeof(int));
    b->name = xcalloc((size_t)ncols + 1, sizeof(char *));
    worksheet_freeze_panes(b->ws, 1, 0);
    return b;
}

void xl_header(XlBook *b, int col, const char *name)
{
    xl_text(b, col, name, strlen(name));
    if (col >= 0 && col < b->ncols && !b->name[col]) b->name[col] = xstrdup(name);
    worksheet_write_string(b->ws, 0, (lxw_col_t)col, b->text, b->bold);
}

/* s[0..n) as text Excel can hold, in b->text; returns its characters. */
static size_t clean_text(XlBook *b, const char *s, size_t n)
{
    if (b->textcap < 3 * n + 1) {
        b->textcap = 3 * n + 1;
        b->text = xrealloc(b->text, b->textcap);
    }
    const unsigned char *u = (const unsigned char *)s;
    size_t o = 0, chars = 0;
    for (size_t i = 0; i < n;) {
        size_t len = 1;
        bool ok = u[i] >= 0x20 || u[i] == '\t' || u[i] == '\n' || u[i] == '\r';
        if (u[i] == 0x7f) ok = false;
        if (u[i] >= 0x80) {
            len = u[i] >= 0xF0 && u[i] <= 0xF4 ? 4 : u[i] >= 0xE0 && u[i] < 0xF0 ? 3
                : u[i] >= 0xC2 && u[i] < 0xE0 ? 2 : 0;
            ok = len && i + len <= n;
            for (size_t k = 1; ok && k < len; k++)
                if ((u[i + k] & 0xC0) != 0x80) ok = false;
            if (!ok) len = 1;
        }
        if (ok) {
            memcpy(b->text + o, s + i, len);
            o += len;
        } else {
            memcpy(b->text + o, "\xEF\xBF\xBD", 3);     /* U+FFFD */
            o += 3;
        }
        i += len;
        chars++;
    }
    b->text[o] = '\0';
    return chars;
}

void xl_text(XlBook *b, int col, const char *s, size_t n)
{
    size_t chars = clean_text(b, s, n);
    if (chars > XL_MAX_TEXT) {
        char what[64];
        snprintf(what, sizeof what, "%s", col >= 0 && col < b->ncols && b->name[col] ? b->name[col] : "?");
        fail(b, "a value in column %s has more than 32,767 characters, more than an Excel cell "
                "holds; write csv or jsonl", what);
        return;
    }
    widen(b, col, chars);
    if (b->row > 0) check(b, worksheet_write_string(b->ws, b->row, (lxw_col_t)col, b->text, NULL));
}

void xl_number(XlBook *b, int col, double v, XlStyle style)
{
    char tmp[64];
    int n = snprintf(tmp, sizeof tmp, "%.10g", v);
    if (style == XL_INT || style == XL_MONEY) n += n / 3;      /* thousands separators */
    if (style == XL_MONEY) n += 3;
    widen(b, col, (size_t)n);
    check(b, worksheet_write_number(b->ws, b->row, (lxw_col_t)col, v, b->fmt[style]));
}

void xl_bool(XlBook *b, int col, bool v)
{
    widen(b, col, 5);
    check(b, worksheet_write_boolean(b->ws, b->row, (lxw_col_t)col, v, NULL));
}

void xl_date(XlBook *b, int col, int32_t days)
{
    /* Excel's day 1 is 1900-01-01, and it counts a 1900-02-29 that never
       was: from 1900-03-01 (day 61) on, a day is days since 1970 + 25569 */
    double serial = (double)days + 25569;
    if (serial < 61 || serial > 2958465) {
        char buf[32];
        date_format(days, buf);
        xl_text(b, col, buf, strlen(buf));
        return;
    }
    widen(b, col, 10);
    check(b, worksheet_write_number(b->ws, b->row, (lxw_col_t)col, serial, b->date));
}

void xl_end_row(XlBook *b)
{
    if (b->row + 1 >= XL_MAX_ROWS)
        fail(b, "%s", "an Excel sheet holds at most 1,048,575 rows under its header; "
                      "write csv or jsonl, or choose fewer accounts with --where");
    else b->row++;
}

int xl_close(XlBook *b, FILE *out, char *err, size_t errlen)
{
    if (b->row == 0) b->row = 1;    /* the header row alone */
    for (int i = 0; i < b->ncols; i++)
        worksheet_set_column(b->ws, (lxw_col_t)i, (lxw_col_t)i, b->width[i] + 2.5, NULL);
    worksheet_autofilter(b->ws, 0, 0, b->row > 1 ? b->row - 1 : 1, (lxw_col_t)(b->ncols - 1));
    lxw_error rc = workbook_close(b->wb);
    if (rc != LXW_NO_ERROR) fail(b, "writing the workbook: %s", lxw_strerror(rc));
    if (!b->err[0] && lseek(b->fd, 0, SEEK_SET) == 0) {     /* copied to out */
        char block[65536];
        ssize_t n;
        while ((n = read(b->fd, block, sizeof block)) > 0)
            if (fwrite(block, 1, (size_t)n, out) != (size_t)n) {
                snprintf(err, errlen, "%s", "");      /* errno says why */
                n = -2;
                break;
            }
        if (n == -1) fail(b, "reading the workbook back: %s", strerror(errno));
        if (n == -2) {
            int e = errno;
            book_free(b);
            errno = e;
            return -1;
        }
    }
    int result = 0;
    if (b->err[0]) {
        snprintf(err, errlen, "%s", b->err);
        result = -1;
    }
    book_free(b);
    return result;
}
