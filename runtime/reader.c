/* reader.c — matching a data source to the record schema, and converting
 * field text to values by type. Conversions accept: numbers and money as
 * plain decimals (an optional sign, digits, a point, an exponent; any
 * length, one rounding: decimal.h); percent as a ratio (0.12) or with a
 * percent sign (12.3% is read as 12.3e-2, the same double as 0.123); int as
 * whole numbers up to 2^53; bool as true/false, yes/no, 1/0 (any case);
 * dates as YYYY-MM-DD; enum and stage values as declared member names.
 * Nothing is coerced: anything else is an error naming the field and the
 * text. Two exceptions, each tied to where the text came from: a number
 * cell of an Excel sheet for a date field is a serial date
 * (rd_xlsx_serial_date), and in a CSV file split at ';' a number with one
 * comma and no point has a decimal comma (1234,56). Choosing the reader
 * (and the CSV delimiter) is here too; the readers are reader_*.c. */
#define _POSIX_C_SOURCE 200809L
#include "reader.h"
#include "reader_sqlite.h"
#include "../base/date.h"
#include "../base/decimal.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Powers of ten that are exact doubles. */
static const double pow10_exact[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8,
                                     1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                     1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* A decimal number: digits with an optional sign, point and exponent (no
 * hex, inf or nan spellings), any length, converted with one rounding
 * (decimal.h). */
static bool parse_number(const char *s, size_t n, int shift, double *out)
{
    return dec_parse(s, n, shift, out) == DEC_OK;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t';
}

int rd_convert(RtType t, const char *s, size_t n, Value *out)
{
    out->missing = 0;
    out->len = 0;
    while (n && is_space(*s)) s++, n--;          /* exports pad with spaces */
    while (n && is_space(s[n - 1])) n--;
    if (n == 0 && t.kind != RT_STRING) return 1;
    double d;
    switch (t.kind) {
    case RT_STRING:
        *out = val_str(s, (uint32_t)n);
        return 0;
    case RT_NUMBER:
    case RT_MONEY:
        if (!parse_number(s, n, 0, &d)) return -1;
        *out = val_num(d);
        return 0;
    case RT_INT:
        /* 12 and 12.0 are whole numbers; 12.5 is not; beyond 2^53 a double
           cannot hold every whole number, so 9007199254740993 is refused */
        switch (dec_parse_int(s, n, 0, &d)) {
        case DEC_OK: break;
        case DEC_RANGE: return RD_INT_RANGE;
        default: return -1;
        }
        *out = val_num(d);
        return 0;
    case RT_PERCENT:
        if (s[n - 1] == '%') {      /* 12.3% is 12.3e-2: the point moves, no division */
            size_t m = n - 1;
            while (m && is_space(s[m - 1])) m--;
            if (!parse_number(s, m, -2, &d)) return -1;
        } else if (!parse_number(s, n, 0, &d)) {
            return -1;
        }
        *out = val_num(d);
        return 0;
    case RT_BOOL:
        if (n == 4 && memcmp(s, "true", 4) == 0) {     /* the common spellings first */
            *out = val_int(1);
            return 0;
        }
        if (n == 5 && memcmp(s, "false", 5) == 0) {
            *out = val_int(0);
            return 0;
        }
        if ((n == 4 && strncasecmp(s, "true", 4) == 0) || (n == 3 && strncasecmp(s, "yes", 3) == 0) ||
            (n == 1 && s[0] == '1')) {
            *out = val_int(1);
            return 0;
        }
        if ((n == 5 && strncasecmp(s, "false", 5) == 0) || (n == 2 && strncasecmp(s, "no", 2) == 0) ||
            (n == 1 && s[0] == '0')) {
            *out = val_int(0);
            return 0;
        }
        return -1;
    case RT_DATE: {
        int32_t days;
        if (!date_parse(s, n, &days)) return -1;
        *out = val_int(days);
        return 0;
    }
    case RT_ENUM:
    case RT_STAGE:
        for (int i = 0; i < t.en->n; i++) {
            const char *m = t.en->members[i];
            if (m[0] == s[0] && strlen(m) == n && memcmp(m, s, n) == 0) {
                *out = val_int(i);
                return 0;
            }
        }
        return -1;
    default:
        return -1;
    }
}

const char *rd_expected(RtType t, char *buf, size_t len)
{
    switch (t.kind) {
    case RT_NUMBER: return "a number";
    case RT_MONEY: return "money (a plain decimal such as 1250000.50)";
    case RT_INT: return "a whole number";
    case RT_PERCENT: return "percent (0.12 or 12%)";
    case RT_BOOL: return "bool (true/false, yes/no, 1/0)";
    case RT_DATE: return "a date (YYYY-MM-DD)";
    case RT_ENUM:
    case RT_STAGE: {
        size_t used = (size_t)snprintf(buf, len, "one of ");
        for (int i = 0; i < t.en->n && used < len; i++)
            used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "",
                                     t.en->members[i]);
        return buf;
    }
    default: return "a value";
    }
}

/* Matches column names to the record's fields: every required field needs
 * one (all missing ones named at once), none may appear twice. */
static bool match_header(Source *s, const char *const *names, const size_t *lens, size_t n,
                         long line, char *err, size_t errlen)
{
    const Schema *sch = s->sch;
    s->ncols = (int)n;
    s->col = xmalloc(sizeof(int) * (size_t)(sch->nfields + 1));
    for (int i = 0; i < sch->nfields; i++) s->col[i] = -1;
    for (size_t c = 0; c < n; c++) {
        const char *h = names[c];
        size_t hl = lens[c];
        while (hl && is_space(*h)) h++, hl--;
        while (hl && is_space(h[hl - 1])) hl--;
        for (int i = 0; i < sch->nfields; i++) {
            const char *name = sch->fields[i].name;
            if (strlen(name) != hl || memcmp(name, h, hl) != 0) continue;
            if (s->col[i] >= 0) {
                snprintf(err, errlen, "%s:%ld: column \"%s\" appears twice in the header "
                         "(columns %d and %zu)", s->path, line, name, s->col[i] + 1, c + 1);
                return false;
            }
            s->col[i] = (int)c;
        }
    }
    size_t used = 0;
    int nmissing = 0;
    for (int i = 0; i < sch->nfields; i++) {
        const SchemaField *f = &sch->fields[i];
        if (s->col[i] >= 0 || f->ty.optional) continue;
        if (nmissing++ == 0)
            used += (size_t)snprintf(err + used, errlen - used, "%s:%ld: the header lacks "
                                     "required column%s", s->path, line, "");
        if (used < errlen)
            used += (size_t)snprintf(err + used, errlen - used, "%s \"%s\"",
                                     nmissing > 1 ? "," : "", f->name);
    }
    if (nmissing) {
        if (used < errlen)
            snprintf(err + used, errlen - used, " (declared in record %s; columns are "
                     "matched by name)", sch->record ? sch->record : "");
        return false;
    }
    return true;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

/* The delimiter a CSV header line asks for: ';' if it has no comma and a
 * semicolon, a tab if it has neither and a tab, else ','. Quoted text is
 * not counted. (A record's field names never hold ',', ';' or a tab, so a
 * header that is one column with a ';' in it cannot be meant as one.) */
static char guess_delimiter(const char *line, size_t n)
{
    size_t commas = 0, semis = 0, tabs = 0;
    bool quoted = false;
    for (size_t i = 0; i < n; i++) {
        char c = line[i];
        if (c == '"') quoted = !quoted;
        else if (quoted) continue;
        else if (c == ',') commas++;
        else if (c == ';') semis++;
        else if (c == '\t') tabs++;
    }
    if (!commas && semis) return ';';
    if (!commas && tabs) return '\t';
    return ',';
}

/* For a message: the delimiter as the user would type it. */
static const char *delim_name(char d)
{
    return d == ';' ? "';'" : d == '\t' ? "tab" : "','";
}

/* The header's first row of an Excel sheet, matched like a CSV header
 * (cells in sheet order; columns without a name are left out). */
static bool xlsx_header(Source *s, char *err, size_t errlen, bool *misfit)
{
    const XlsxCell *cells;
    size_t n;
    long row;
    int rc = rd_xlsx_next(s->xlsx, &cells, &n, &row);
    if (rc <= 0) {
        *misfit = rc == 0;
        if (rc == 0) snprintf(err, errlen, "%s: empty sheet: expected a first row naming the "
                              "columns", s->path);
        else snprintf(err, errlen, "%s", rd_xlsx_error(s->xlsx));
        return false;
    }
    const char **names = xmalloc(sizeof(char *) * (n + 1));
    size_t *lens = xmalloc(sizeof(size_t) * (n + 1));
    s->xcol = xmalloc(sizeof(int) * (n + 1));
    s->xmap = xmalloc(sizeof(int) * XLSX_MAX_COLS);
    for (int c = 0; c < XLSX_MAX_COLS; c++) s->xmap[c] = -1;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (cells[i].kind == XL_ERROR || cells[i].kind == XL_NOVALUE) continue;
        names[k] = cells[i].ptr;
        lens[k] = cells[i].len;
        s->xcol[k] = cells[i].col;
        s->xmap[cells[i].col] = (int)k;
        k++;
    }
    bool ok = match_header(s, names, lens, k, row, err, errlen);
    *misfit = !ok;
    free(names);
    free(lens);
    s->row = xcalloc(k + 1, sizeof(RdField));
    s->xkind = xcalloc(k + 1, sizeof(uint8_t));
    s->xdates = xcalloc((size_t)s->sch->nfields + 1, 11);
    return ok;
}

Source *rd_open(const Schema *sch, const char *path, char *err, size_t errlen)
{
    return rd_open_with(sch, path, NULL, err, errlen);
}

Source *rd_open_with(const Schema *sch, const char *path, const SourceOpts *opts, char *err,
                     size_t errlen)
{
    return rd_open_ex(sch, path, opts, err, errlen, NULL);
}

const char *rd_kind(const char *path, const SourceOpts *opts)
{
    if (opts && opts->kind) return opts->kind;
    if (ends_with(path, ".jsonl") || ends_with(path, ".ndjson")) return "jsonl";
    if (ends_with(path, ".sqlite") || ends_with(path, ".sqlite3") || ends_with(path, ".db"))
        return "sqlite";
    if (ends_with(path, ".xlsx") || ends_with(path, ".xlsm") || ends_with(path, ".xls"))
        return "xlsx";      /* .xls: refused by the reader with a clear message */
    return "csv";
}

static pthread_mutex_t snap_lock = PTHREAD_MUTEX_INITIALIZER;   /* fills RdSnapshots */

static bool snap_same(const RdSnapshot *n, const struct stat *st)
{
    return n->dev == (unsigned long long)st->st_dev && n->ino == (unsigned long long)st->st_ino
        && n->size == (long long)st->st_size && n->mtime_sec == (long long)st->st_mtim.tv_sec
        && n->mtime_nsec == (long long)st->st_mtim.tv_nsec;
}

bool rd_snap_changed(const RdSnapshot *snap, const char *path)
{
    struct stat st;
    return snap->taken && (stat(path, &st) != 0 || !snap_same(snap, &st));
}

/* The file s was just opened on, against the run's snapshot (taking it
 * if this is the run's first open). False, with err set, if it is not the
 * file an earlier pass read. */
static bool snap_open(Source *s, const char *path, const SourceOpts *opts, char *err,
                      size_t errlen)
{
    struct stat st;
    if (!opts || !opts->snap || strcmp(path, "-") == 0 || stat(path, &st) != 0
        || !S_ISREG(st.st_mode))
        return true;
    RdSnapshot *n = opts->snap;
    bool same = true;
    pthread_mutex_lock(&snap_lock);
    if (!n->taken) {
        *n = (RdSnapshot){1, (unsigned long long)st.st_dev, (unsigned long long)st.st_ino,
                          (long long)st.st_size, (long long)st.st_mtim.tv_sec,
                          (long long)st.st_mtim.tv_nsec};
    } else {
        same = snap_same(n, &st);
    }
    pthread_mutex_unlock(&snap_lock);
    if (!same) {
        snprintf(err, errlen, "%s: the file changed after kam began reading it (what was "
                 "read before is another version); no result was given: run again once the "
                 "file is complete", s->path);
        return false;
    }
    s->snap = n;
    s->file = xstrdup(path);
    return true;
}

/* The end of the data: 0, or -1 (s->err set) if the file is no longer the
 * one the run's first open found. (One removed meanwhile was read whole.) */
static int snap_end(Source *s)
{
    struct stat st;
    if (!s->snap || stat(s->file, &st) != 0 || snap_same(s->snap, &st)) return 0;
    snprintf(s->err, sizeof s->err, "%s: the file changed while it was being read: the records "
             "read may mix two versions of it; run again once the file is complete", s->path);
    return -1;
}

Source *rd_open_ex(const Schema *sch, const char *path, const SourceOpts *opts, char *err,
                   size_t errlen, bool *misfit)
{
    bool dummy;
    if (!misfit) misfit = &dummy;
    *misfit = false;
    Source *s = xcalloc(1, sizeof *s);
    s->sch = sch;
    const char *kind = rd_kind(path, opts);
    bool std_in = strcmp(path, "-") == 0;
    bool is_xlsx = strcmp(kind, "xlsx") == 0, is_csv = strcmp(kind, "csv") == 0;
    if ((opts && opts->sheet && !is_xlsx) || (opts && opts->delimiter && !is_csv)) {
        snprintf(err, errlen, "%s: %s is for %s data, and this is read as %s", path,
                 opts->sheet && !is_xlsx ? "--sheet" : "--delimiter",
                 opts->sheet && !is_xlsx ? "Excel (xlsx)" : "CSV", kind);
        rd_close(s);
        return NULL;
    }
    if (is_xlsx) {
        if (std_in) {
            snprintf(err, errlen, "Excel data cannot come from standard input; name the file");
            rd_close(s);
            return NULL;
        }
        s->kind = SRC_XLSX;
        s->xlsx = rd_xlsx_open(path, opts ? opts->sheet : NULL, err, errlen);
        if (!s->xlsx) {
            rd_close(s);
            return NULL;
        }
        const char *sheet = rd_xlsx_sheet(s->xlsx);
        size_t plen = strlen(path) + strlen(sheet) + 2;
        s->path = xmalloc(plen);
        snprintf(s->path, plen, "%s:%s", path, sheet);
        if (!xlsx_header(s, err, errlen, misfit)) {
            rd_close(s);
            return NULL;
        }
        return s;
    }
    if (strcmp(kind, "sqlite") == 0) {
        if (std_in) {
            snprintf(err, errlen, "SQLite data cannot come from standard input; name the file");
            rd_close(s);
            return NULL;
        }
        const char *table = opts && opts->table ? opts->table
                          : sch->record ? sch->record : "account";
        s->kind = SRC_SQLITE;
        size_t plen = strlen(path) + strlen(table) + 2;
        s->path = xmalloc(plen);
        snprintf(s->path, plen, "%s:%s", path, table);
        s->sql = rd_sqlite_open(path, table, err, errlen);
        if (!s->sql) {
            rd_close(s);
            return NULL;
        }
        const char *const *names;
        int n = rd_sqlite_columns(s->sql, &names);
        size_t *lens = xmalloc(sizeof(size_t) * (size_t)(n + 1));
        for (int i = 0; i < n; i++) lens[i] = strlen(names[i]);
        bool ok = match_header(s, names, lens, (size_t)n, 0, err, errlen);
        free(lens);
        *misfit = !ok;
        if (!ok) {
            rd_close(s);
            return NULL;
        }
        s->row = xcalloc((size_t)n + 1, sizeof(RdField));
        return s;
    }
    s->path = xstrdup(std_in ? "<stdin>" : opts && opts->name ? opts->name : path);
    if (strcmp(kind, "jsonl") == 0) {
        s->kind = SRC_JSONL;
        s->jsonl = rd_jsonl_open(path, err, errlen);
        if (!s->jsonl) {
            rd_close(s);
            return NULL;
        }
        if (opts && opts->name) rd_jsonl_set_name(s->jsonl, opts->name);
        if (!snap_open(s, path, opts, err, errlen)) {
            *misfit = true;
            rd_close(s);
            return NULL;
        }
        /* no header: every field is its own column, found by key per line */
        s->ncols = sch->nfields;
        s->col = xmalloc(sizeof(int) * (size_t)(sch->nfields + 1));
        for (int i = 0; i < sch->nfields; i++) s->col[i] = i;
        s->row = xcalloc((size_t)sch->nfields + 1, sizeof(RdField));
        return s;
    }
    s->kind = SRC_CSV;
    s->csv = rd_csv_open(path, err, errlen);
    if (!s->csv) {
        rd_close(s);
        return NULL;
    }
    if (opts && opts->name) rd_csv_set_name(s->csv, opts->name);
    if (!snap_open(s, path, opts, err, errlen)) {
        *misfit = true;
        rd_close(s);
        return NULL;
    }
    const char *first;
    size_t flen = rd_csv_peek_line(s->csv, &first);
    if (flen >= 4 && memcmp(first, "PK\x03\x04", 4) == 0) {      /* unreadable as CSV: exit 2 */
        snprintf(err, errlen, "%s: a zip archive, not CSV (an Excel workbook? name it .xlsx or "
                 "use --input xlsx)", s->path);
        rd_close(s);
        return NULL;
    }
    char delim = opts && opts->delimiter ? opts->delimiter : guess_delimiter(first, flen);
    rd_csv_set_delimiter(s->csv, delim);
    s->decimal_comma = delim == ';';
    RdField *hdr;
    size_t nh;
    long line;
    int rc = rd_csv_next(s->csv, &hdr, &nh, &line);
    if (rc <= 0) {
        *misfit = rc == 0;
        if (rc == 0) snprintf(err, errlen, "%s: empty file: expected a header line naming the columns", s->path);
        else snprintf(err, errlen, "%s", rd_csv_error(s->csv));
        rd_close(s);
        return NULL;
    }
    const char **names = xmalloc(sizeof(char *) * (nh + 1));
    size_t *lens = xmalloc(sizeof(size_t) * (nh + 1));
    for (size_t i = 0; i < nh; i++) {
        names[i] = hdr[i].ptr;
        lens[i] = hdr[i].len;
    }
    bool ok = match_header(s, names, lens, nh, line, err, errlen);
    *misfit = !ok;
    free(names);
    free(lens);
    if (!ok && nh == 1) {       /* one column: split at the wrong delimiter? */
        const char *other = NULL;
        if (delim != ',' && memchr(hdr[0].ptr, ',', hdr[0].len)) other = "','";
        else if (delim != ';' && memchr(hdr[0].ptr, ';', hdr[0].len)) other = "';'";
        else if (delim != '\t' && memchr(hdr[0].ptr, '\t', hdr[0].len)) other = "tab";
        size_t used = strlen(err);
        if (other && used < errlen)
            snprintf(err + used, errlen - used, "; the header read as one column split at %s "
                     "holds %s: is the delimiter %s? (--delimiter)", delim_name(delim), other, other);
    }
    if (!ok) {
        rd_close(s);
        return NULL;
    }
    return s;
}

long long rd_offset(const Source *s)
{
    return s->csv ? rd_csv_offset(s->csv) : s->jsonl ? rd_jsonl_offset(s->jsonl)
         : s->sql ? rd_sqlite_offset(s->sql) : s->xlsx ? rd_xlsx_offset(s->xlsx) : 0;
}

long long rd_size(const Source *s)
{
    return s->csv ? rd_csv_size(s->csv) : s->jsonl ? rd_jsonl_size(s->jsonl)
         : s->sql ? rd_sqlite_size(s->sql) : s->xlsx ? rd_xlsx_size(s->xlsx) : 0;
}

void rd_close(Source *s)
{
    if (!s) return;
    free(s->file);
    rd_csv_close(s->csv);
    free(s->conv_rest);
    free(s->conv_pct);
    free(s->conv_pcol);
    free(s->conv_opt);
    rd_jsonl_close(s->jsonl);
    if (s->sql) rd_sqlite_close(s->sql);
    rd_xlsx_close(s->xlsx);
    free(s->xcol);
    free(s->xmap);
    free(s->xkind);
    free(s->xdates);
    free(s->row);
    free(s->hint);
    free(s->col);
    free(s->path);
    rd_pct_free(s->pct);
    free(s);
}

void rd_limit_to(Source *s, const bool *used)
{
    if (s->kind != SRC_CSV) return;
    int last = -1;
    for (int i = 0; i < s->sch->nfields; i++)
        if (used[i] && s->col[i] > last) last = s->col[i];
    s->limited = (size_t)(last + 1 > 0 ? last + 1 : 1);
    rd_csv_set_field_limit(s->csv, s->limited);
}

/* JSON Lines: the line's keys put in field order (ptr NULL: absent/null). */
static int next_jsonl(Source *s)
{
    JsonField *jf;
    size_t n;
    int rc = rd_jsonl_next(s->jsonl, &jf, &n, &s->line);
    if (rc == 2 || rc < 0) {
        snprintf(s->err, sizeof s->err, "%s", rd_jsonl_error(s->jsonl));
        return rc < 0 ? -1 : 2;
    }
    if (rc == 0) return snap_end(s);
    const Schema *sch = s->sch;
    int nf = sch->nfields;
    for (int i = 0; i < nf; i++) {
        s->row[i].ptr = NULL;
        s->row[i].len = 0;
    }
    if (!s->hint) {
        s->hint = xcalloc(64, sizeof(int));
    }
    for (size_t k = 0; k < n && nf > 0; k++) {     /* an empty record reads no key */
        const JsonField *f = &jf[k];
        /* keys mostly come in the same order line after line: try the
           field found at this position last time first */
        int idx = -1;
        if (k < 64) {
            int h = s->hint[k];
            const char *nm = sch->fields[h < nf ? h : 0].name;
            if (h < nf && strlen(nm) == f->keylen && memcmp(nm, f->key, f->keylen) == 0) idx = h;
        }
        for (int i = 0; idx < 0 && i < nf; i++) {
            const char *nm = sch->fields[i].name;
            if (strlen(nm) == f->keylen && memcmp(nm, f->key, f->keylen) == 0) idx = i;
        }
        if (idx < 0) continue;          /* other keys are ignored */
        if (k < 64) s->hint[k] = idx;
        if (f->kind == JSON_ARRAY || f->kind == JSON_OBJECT) {
            snprintf(s->err, sizeof s->err, "%s:%ld: field \"%s\": nested %s values are not "
                     "supported (expected %s)", s->path, s->line, sch->fields[idx].name,
                     f->kind == JSON_ARRAY ? "array" : "object",
                     sch->fields[idx].ty.kind == RT_STRING ? "a string" : "a plain value");
            return 2;
        }
        if (f->kind == JSON_NULL) continue;
        s->row[idx].ptr = f->ptr;
        s->row[idx].len = f->len;
    }
    s->fields = s->row;
    s->nfields = (size_t)nf;
    return 1;
}

static int next_sqlite(Source *s)
{
    SqlField *sf;
    size_t n;
    int rc = rd_sqlite_next(s->sql, &sf, &n, &s->line);
    if (rc < 0) {       /* a BLOB is not an error here: see rd_field */
        snprintf(s->err, sizeof s->err, "%s", rd_sqlite_error(s->sql));
        return -1;
    }
    if (rc == 0) return 0;
    for (size_t i = 0; i < n; i++) {
        s->row[i].ptr = sf[i].ptr;
        s->row[i].len = sf[i].len;
    }
    s->fields = s->row;
    s->nfields = n;
    return 1;
}

/* Where a field is, for a message: "path:line", or for Excel
 * "file:sheet!C7" (the header column's cell in this row). */
static const char *where(const Source *s, int col, char *buf, size_t len)
{
    if (s->kind == SRC_XLSX && col >= 0 && col < s->ncols) {
        char c[4];
        rd_xlsx_col_name(s->xcol[col], c);
        snprintf(buf, len, "%s!%s%ld", s->path, c, s->line);
    } else {
        snprintf(buf, len, "%s:%ld", s->path, s->line);
    }
    return buf;
}

/* An Excel row: the cells put by header column, then what only a cell's
 * kind tells: a formula without a saved value, an error value, a number
 * in a date field (a serial date, written out as YYYY-MM-DD). */
static int next_xlsx(Source *s)
{
    const XlsxCell *cells;
    size_t n;
    int rc = rd_xlsx_next(s->xlsx, &cells, &n, &s->line);
    if (rc < 0) snprintf(s->err, sizeof s->err, "%s", rd_xlsx_error(s->xlsx));
    if (rc <= 0) return rc;
    for (int k = 0; k < s->ncols; k++) s->row[k] = (RdField){NULL, 0};
    for (size_t i = 0; i < n; i++) {
        int k = s->xmap[cells[i].col];
        if (k < 0) continue;            /* a column without a name */
        s->row[k] = (RdField){cells[i].ptr, cells[i].len};
        s->xkind[k] = (uint8_t)cells[i].kind;
    }
    s->fields = s->row;
    s->nfields = (size_t)s->ncols;
    const Schema *sch = s->sch;
    for (int f = 0; f < sch->nfields; f++) {
        int k = s->col[f];
        if (k < 0 || !s->row[k].ptr) continue;
        char at[300];
        const char *name = sch->fields[f].name;
        switch ((XlsxKind)s->xkind[k]) {
        case XL_NOVALUE:
            snprintf(s->err, sizeof s->err, "%s: field \"%s\": formula without a saved value; "
                     "open and save the workbook in Excel, or export CSV",
                     where(s, k, at, sizeof at), name);
            return 2;
        case XL_ERROR:
            snprintf(s->err, sizeof s->err, "%s: field \"%s\": the cell holds the error %.40s",
                     where(s, k, at, sizeof at), name, s->row[k].ptr);
            return 2;
        case XL_NUMBER:
            if (sch->fields[f].ty.kind == RT_DATE) {
                int32_t days;
                const char *why = rd_xlsx_serial_date(s->row[k].ptr, s->row[k].len,
                                                      rd_xlsx_date1904(s->xlsx), &days);
                if (why) {
                    snprintf(s->err, sizeof s->err, "%s: field \"%s\": the number %.40s is not "
                             "a date: %s", where(s, k, at, sizeof at), name, s->row[k].ptr, why);
                    return 2;
                }
                char *text = s->xdates + 11 * f;
                date_format(days, text);
                s->row[k] = (RdField){text, 10};
            }
            break;
        default:
            break;
        }
    }
    return 1;
}

long long rd_record_start(const Source *s, long *line)
{
    *line = 0;
    if (s->kind == SRC_SQLITE) {    /* a row's place is its number */
        *line = s->line;
        return rd_sqlite_offset(s->sql);
    }
    return s->kind == SRC_CSV     ? rd_csv_record_start(s->csv, line)
           : s->kind == SRC_JSONL ? rd_jsonl_record_start(s->jsonl, line)
                                  : -1;
}

bool rd_position(const Source *s, long long *offset, long *line)
{
    if (s->kind == SRC_JSONL) {
        *offset = rd_jsonl_offset(s->jsonl);
        *line = rd_jsonl_line(s->jsonl);
        return true;
    }
    if (s->kind == SRC_SQLITE && rd_sqlite_offset(s->sql) == 0) {
        *offset = 1;            /* rows are placed by number: the first */
        *line = 1;
        return true;
    }
    if (s->kind != SRC_CSV) return false;
    *offset = rd_csv_offset(s->csv);
    *line = rd_csv_line(s->csv);
    return true;
}

bool rd_seek(Source *s, long long offset, long line, long long end)
{
    if (s->kind == SRC_JSONL) return rd_jsonl_seek(s->jsonl, offset, line, end) == 0;
    if (s->kind == SRC_SQLITE) return rd_sqlite_seek(s->sql, offset, end ? end : 0) == 0;
    return s->kind == SRC_CSV && rd_csv_seek(s->csv, offset, line, end) == 0;
}

int rd_next(Source *s)
{
    if (s->kind == SRC_CSV) {
        int rc = rd_csv_next(s->csv, &s->fields, &s->nfields, &s->line);
        if (rc == 1) {
            /* a short record in a limited pass: reported in the full pass */
            if (s->limited) return s->nfields >= s->limited ? 1 : 2;
            if ((int)s->nfields == s->ncols) return 1;
            snprintf(s->err, sizeof s->err, "%s:%ld: %zu field%s, but the header has %d columns",
                     s->path, s->line, s->nfields, s->nfields == 1 ? "" : "s", s->ncols);
            return 2;
        }
        if (rc < 0) snprintf(s->err, sizeof s->err, "%s", rd_csv_error(s->csv));
        return rc == 0 ? snap_end(s) : rc;
    }
    if (s->kind == SRC_JSONL) return next_jsonl(s);
    if (s->kind == SRC_SQLITE) return next_sqlite(s);
    return next_xlsx(s);
}

long rd_batch(Source *s, const RdPlan *plan, int key_field, long long stop, double *vals,
              size_t max)
{
    enum { MAX_COLS = 64 };
    size_t keep = s->limited;
    if (s->kind != SRC_CSV || s->pct || keep == 0 || keep > MAX_COLS) return -1;
    unsigned char conv[MAX_COLS] = {0};
    double *colv[MAX_COLS] = {0};
    for (int k = 0; k < plan->n; k++) {
        const RdPlanItem *it = &plan->items[k];
        if (it->optional || it->col < 0 || (size_t)it->col >= keep || conv[it->col]) return -1;
        conv[it->col] = it->kind == RT_NUMBER || it->kind == RT_MONEY ? CSV_CONV_DEC
                      : it->kind == RT_PERCENT                      ? CSV_CONV_PCT
                      : it->kind == RT_INT                          ? CSV_CONV_INT
                                                                    : CSV_CONV_NONE;
        if (!conv[it->col]) return -1;
        colv[it->col] = vals + (size_t)k * max;
    }
    int kc = key_field >= 0 ? s->col[key_field] : -1;
    long key = kc >= 0 && (size_t)kc < keep ? kc : -1;
    return (long)rd_csv_batch(s->csv, conv, key, stop, colv, max);
}

RdPlan rd_plan(const Source *s, const bool *used, const int *field_reg)
{
    RdPlan p = {xcalloc((size_t)s->sch->nfields + 1, sizeof(RdPlanItem)), 0};
    for (int i = 0; i < s->sch->nfields; i++) {
        if (!used[i]) continue;
        const RtType *t = &s->sch->fields[i].ty;
        RdPlanItem it = {i, s->col[i], field_reg[i], t->kind, t->optional, t->en, NULL, RD_FILL_ITEM};
        if (t->en) {
            it.mlen = xmalloc((size_t)t->en->n + 1);
            for (int m = 0; m < t->en->n; m++) {
                size_t len = strlen(t->en->members[m]);
                it.mlen[m] = (uint8_t)(len < 255 ? len : 255);
            }
        }
        p.items[p.n++] = it;
    }
    return p;
}

void rd_plan_free(RdPlan *p)
{
    for (int i = 0; i < p->n; i++) free(p->items[i].mlen);
    free(p->items);
    p->items = NULL;
    p->n = 0;
}

/* The common shape of a number in exports, with no spaces: [-]digits[.digits]
 * (at most 15 significant digits), times 10^-shift (0 or 2), converted
 * exactly as strtod would the same decimal: one correctly rounded division
 * of two exact doubles. False for anything else: the general path then
 * decides. */
static inline bool fast_decimal_frac(const char *p, size_t n, size_t shift, double *out,
                                     size_t *nfrac)
{
    const char *end = p + n;
    bool neg = false;
    if (p < end && *p == '-') {
        neg = true;
        p++;
    }
    const char *start = p;
    uint64_t mant = 0;
    while (p < end && (unsigned)(*p - '0') < 10) mant = mant * 10 + (uint64_t)(*p++ - '0');
    size_t ndig = (size_t)(p - start);
    size_t frac = 0;
    if (p < end && *p == '.') {
        const char *f = ++p;
        while (p < end && (unsigned)(*p - '0') < 10) mant = mant * 10 + (uint64_t)(*p++ - '0');
        frac = (size_t)(p - f);
    }
    if (p != end || ndig + frac == 0 || ndig + frac > 15) return false;
    double v = (double)mant;
    if (frac + shift) v /= pow10_exact[frac + shift];
    *out = neg && mant ? -v : v;     /* "-0" is 0, as base/decimal.c reads it */
    *nfrac = frac;
    return true;
}

static inline bool fast_decimal(const char *p, size_t n, size_t shift, double *out)
{
    size_t frac;
    return fast_decimal_frac(p, n, shift, out, &frac);
}

static inline bool fast_date(const char *s, size_t n, int32_t *out)
{
    return n == 10 && date_parse(s, n, out);
}

/* Asks the CSV reader to convert the plan's numbers, dates, bools and enum
 * members while it scans (reader_csv.h), from the next record on: those of
 * required fields straight into their registers (only rd_fill writes a
 * field's register, and for a required field of these types it never marks
 * it missing or gives it a length), the optional ones into the reader. */
static void arm_conversions(Source *s, const RdPlan *plan, Value *regs)
{
    static const char *const bool_words[] = {"false", "true"};   /* the index is the value */
    unsigned char *conv = xcalloc((size_t)s->ncols + 1, 1);
    void **dst = xcalloc((size_t)s->ncols + 1, sizeof *dst);
    CsvWords *words = xcalloc((size_t)s->ncols + 1, sizeof *words);
    free(s->conv_rest);
    free(s->conv_pct);
    free(s->conv_pcol);
    s->conv_pcol = NULL;
    s->conv_pbase = NULL;
    s->conv_rest = xcalloc((size_t)plan->n + 1, sizeof *s->conv_rest);
    s->conv_pct = xcalloc((size_t)plan->n + 1, sizeof *s->conv_pct);
    free(s->conv_opt);
    s->conv_opt = xcalloc((size_t)plan->n + 1, sizeof *s->conv_opt);
    s->conv_nrest = s->conv_npct = s->conv_nopt = 0;
    s->conv_all = s->conv_req = 0;
    for (int k = 0; k < plan->n; k++) {
        const RdPlanItem *it = &plan->items[k];
        unsigned char cv = CSV_CONV_NONE;
        if (it->col >= 0 && it->col < s->ncols)
            cv = it->kind == RT_NUMBER || it->kind == RT_MONEY ? CSV_CONV_DEC
               : it->kind == RT_PERCENT ? CSV_CONV_PCT
               : it->kind == RT_INT     ? CSV_CONV_INT
               : it->kind == RT_DATE    ? CSV_CONV_DATE
               : it->kind == RT_BOOL || it->kind == RT_ENUM || it->kind == RT_STAGE
                                        ? CSV_CONV_WORDS
                                        : CSV_CONV_NONE;
        if (cv == CSV_CONV_WORDS)
            words[it->col] = it->kind == RT_BOOL ? (CsvWords){bool_words, 2}
                                                 : (CsvWords){(const char *const *)it->en->members,
                                                              it->en->n};
        conv[it->col >= 0 ? it->col : 0] |= cv;
        if (cv) s->conv_all++;
        if (cv && it->optional) s->conv_opt[s->conv_nopt++] = it->col;
        if (cv && !it->optional) {
            s->conv_req++;
            Value *out = &regs[it->reg];
            out->missing = 0;
            out->len = 0;
            dst[it->col] = &out->u;
            if (it->kind == RT_PERCENT) s->conv_pct[s->conv_npct++] = *it;
        } else {
            RdPlanItem rest = *it;      /* how rd_fill's all-converted path takes it */
            rest.fill = cv && it->kind != RT_PERCENT       ? RD_FILL_SCANNED
                      : it->kind == RT_STRING && it->col >= 0 ? RD_FILL_STRING
                                                              : RD_FILL_ITEM;
            s->conv_rest[s->conv_nrest++] = rest;
        }
    }
    s->conv = rd_csv_set_conversions(s->csv, conv, (size_t)s->ncols, dst, words);
    s->conv_plan = plan->items;
    s->conv_regs = regs;
    free(conv);
    free(dst);
    free(words);
}

/* fill_item for a field the scan did not convert: a fast path by type
 * for its text, else rd_field. Out of line: fill_item stays small. */
static __attribute__((noinline)) int fill_text(Source *s, const RdPlanItem *it, Value *out)
{
    const RdField *raw = s->fields;
    if (it->col >= 0 && raw[it->col].ptr && raw[it->col].ptr != rd_sqlite_blob) {
        const char *p = raw[it->col].ptr;
        size_t n = raw[it->col].len;
        double d;
        int32_t days;
        out->missing = 0;
        out->len = 0;
        switch (it->kind) {     /* fast paths; anything unusual falls through */
        case RT_NUMBER:
        case RT_MONEY:
            if (fast_decimal(p, n, 0, &d)) {
                out->u.num = d;
                return 0;
            }
            break;
        case RT_PERCENT:
            if (n > 1 && p[n - 1] == '%') {
                if (fast_decimal(p, n - 1, 2, &d)) {
                    out->u.num = d;
                    if (s->pct) rd_pct_value(s->pct, it->field, 0, p, n);   /* counted only */
                    return 0;
                }
            } else if (fast_decimal(p, n, 0, &d)) {
                out->u.num = d;
                if (s->pct) rd_pct_value(s->pct, it->field, d, p, n);    /* 35 for 35%? */
                return 0;
            }
            if (s->pct) rd_pct_note(s->pct, it->field, p, n, s->decimal_comma);
            break;
        case RT_INT: {
            size_t nfrac = 1;
            if (fast_decimal_frac(p, n, 0, &d, &nfrac) && nfrac == 0 && !(n && p[n - 1] == '.')) {
                out->u.num = d;
                return 0;
            }
            break;
        }
        case RT_BOOL:
            if (n == 4 && memcmp(p, "true", 4) == 0) {
                out->u.i = 1;
                return 0;
            }
            if (n == 5 && memcmp(p, "false", 5) == 0) {
                out->u.i = 0;
                return 0;
            }
            break;
        case RT_DATE:
            if (fast_date(p, n, &days)) {
                out->u.i = days;
                return 0;
            }
            break;
        case RT_ENUM:
        case RT_STAGE:
            for (int m = 0; m < it->en->n && n < 255; m++)     /* 255: a longer name */
                if (it->mlen[m] == n && memcmp(it->en->members[m], p, n) == 0) {
                    out->u.i = m;
                    return 0;
                }
            break;
        case RT_STRING:     /* spaces around are trimmed: the general path */
            if ((n || !it->optional) && (n == 0 || (!is_space(p[0]) && !is_space(p[n - 1])))) {
                out->u.str = p;
                out->len = (uint32_t)n;
                return 0;
            }
            break;
        default:
            break;
        }
    }
    return rd_field(s, it->field, out);     /* missing, spaced or bad */
}

/* Converts one planned field of the current record into its register:
 * what the scan converted, else (a string, a fast path by type) its text,
 * else rd_field. */
static inline int fill_item(Source *s, const RdPlanItem *it, Value *regs, const CsvConverted *cc)
{
    Value *out = &regs[it->reg];
    if (cc && it->col >= 0 && cc->gen[it->col] == cc->cur) {   /* converted in the scan */
        const CsvValue *v = cc->at[it->col];
        out->missing = 0;
        out->len = 0;
        if (it->kind == RT_DATE) {
            out->u.i = v->days;
            return 0;
        }
        if (it->kind == RT_BOOL || it->kind == RT_ENUM || it->kind == RT_STAGE) {
            out->u.i = v->word;
            return 0;
        }
        out->u.num = v->num;
        if (it->kind == RT_PERCENT && s->pct) {
            const char *p = s->fields[it->col].ptr;
            size_t n = s->fields[it->col].len;
            rd_pct_value(s->pct, it->field, p[n - 1] == '%' ? 0 : v->num, p, n);
        }
        return 0;
    }
    if (it->kind == RT_STRING && it->col >= 0 && s->fields[it->col].ptr
        && s->fields[it->col].ptr != rd_sqlite_blob) {
        const char *p = s->fields[it->col].ptr;     /* spaces around: trimmed by rd_field */
        size_t n = s->fields[it->col].len;
        if (n ? !is_space(p[0]) && !is_space(p[n - 1]) : !it->optional) {
            out->missing = 0;
            out->u.str = p;
            out->len = (uint32_t)n;
            return 0;
        }
        return rd_field(s, it->field, out);
    }
    return fill_text(s, it, out);
}

/* The scan's percent items (conv_pct) with their tallies in s->pct and
 * their values in regs (those conversions are armed for), for pct_tally
 * (a field the scan does not count left out). Worked out again when the
 * scan's columns move (a new scan; one at the same place has the same
 * columns: the Source's schema) and when conversions are armed again. */
static void pct_columns(Source *s, const Value *regs)
{
    free(s->conv_pcol);
    s->conv_pcol = xcalloc((size_t)s->conv_npct + 1, sizeof *s->conv_pcol);
    s->conv_npcol = 0;
    for (int k = 0; k < s->conv_npct; k++) {
        const RdPlanItem *it = &s->conv_pct[k];
        if (it->field >= 0 && it->field < s->pct->n)
            s->conv_pcol[s->conv_npcol++] = (RdPctItem){&s->pct->col[it->field],
                                                        &regs[it->reg].u.num, it->col, it->field};
    }
    s->conv_pbase = s->pct->col;
}

/* rd_pct_value for a percent the scan converted (its text is not empty),
 * inline: the record pass tallies every percent column of every record.
 * The same counts: values always; with a % sign nothing more; else whole
 * above 1 in size (the first one kept as the example), fraction above 0. */
static inline void pct_tally(RdPctColumn *c, double v, const RdField *raw)
{
    c->values++;
    if (raw->ptr[raw->len - 1] == '%') return;
    double a = fabs(v);
    if (a <= 1) {
        c->fraction += a > 0;
        return;
    }
    c->whole++;
    if (!c->example[0] && raw->len < sizeof c->example) {
        memcpy(c->example, raw->ptr, raw->len);
        c->example[raw->len] = '\0';
    }
}

/* The fields of the plan one at a time: rd_fill when the scan did not
 * convert every field it could (an empty optional one is fine). */
static __attribute__((noinline)) int fill_plan(Source *s, const RdPlan *plan, Value *regs,
                                               const CsvConverted *cc)
{
    for (int k = 0; k < plan->n; k++)
        if (fill_item(s, &plan->items[k], regs, cc) != 0) return -1;
    return 0;
}

/* A rest item (conv_rest) of the all-converted path: its own register, by
 * its RdFillHow, else fill_item. The field of the item on failure, or -1. */
static inline int fill_rest(Source *s, Value *regs, const CsvConverted *cc)
{
    for (const RdPlanItem *it = s->conv_rest, *end = it + s->conv_nrest; it < end; it++) {
        Value *out = &regs[it->reg];
        if (it->fill == RD_FILL_SCANNED) {      /* optional; a number, date or word */
            if (cc->gen[it->col] == cc->cur) {
                out->missing = 0;
                out->len = 0;
                memcpy(&out->u, cc->at[it->col], sizeof out->u);    /* its 8 bytes, whichever */
                continue;
            }
        } else if (it->fill == RD_FILL_STRING) {
            const char *p = s->fields[it->col].ptr;
            size_t n = s->fields[it->col].len;
            if (p && n && !is_space(p[0]) && !is_space(p[n - 1])) {    /* else rd_field's rules */
                out->missing = 0;
                out->u.str = p;
                out->len = (uint32_t)n;
                continue;
            }
        }
        if (fill_item(s, it, regs, cc) != 0) return it->field;
    }
    return -1;
}

int rd_fill(Source *s, const RdPlan *plan, Value *regs)
{
    if (!s->csv) return fill_plan(s, plan, regs, NULL);
    if (s->conv_plan != plan->items || s->conv_regs != regs) arm_conversions(s, plan, regs);
    const CsvConverted *cc = s->conv;
    if (cc->count != s->conv_all) {     /* not every field it converts: the optional ones? */
        unsigned opt = 0;   /* optional fields converted: an empty one is not */
        for (int k = 0; k < s->conv_nopt; k++) opt += cc->gen[s->conv_opt[k]] == cc->cur;
        if (cc->count - opt != s->conv_req) return fill_plan(s, plan, regs, cc);
    }
    /* every number and date of a required field converted, already in its
       register: the rest (optional ones among them), and the percent notes */
    int bad = fill_rest(s, regs, cc);   /* the field of the first item that fails */
    if (!s->pct) return bad >= 0 ? -1 : 0;
    if (s->conv_pbase != s->pct->col) pct_columns(s, regs);
    const RdPctItem *t = s->conv_pcol, *end = t + s->conv_npcol;
    if (bad >= 0) {     /* only those before it, as the plan-order loop stops */
        for (; t < end && t->field <= bad; t++)
            pct_tally(t->c, *t->num, &s->fields[t->col]);
        return -1;
    }
    for (; t < end; t++) pct_tally(t->c, *t->num, &s->fields[t->col]);
    return 0;
}

static bool numeric(RtType t)
{
    return t.kind == RT_NUMBER || t.kind == RT_MONEY || t.kind == RT_PERCENT;
}

/* A number written with a decimal comma, as ';'-separated exports from
 * decimal-comma locales have it: [-]digits,digits, for percent with an
 * optional % sign; no point (1.234,56 has a thousands point: refused).
 * The result of rd_convert on the same text with a point, or -1. */
static int convert_decimal_comma(RtType t, const char *p, size_t n, Value *out)
{
    char buf[80];
    if (!numeric(t) || n >= sizeof buf || memchr(p, '.', n)) return -1;
    const char *comma = memchr(p, ',', n);
    if (!comma || memchr(comma + 1, ',', n - (size_t)(comma - p) - 1)) return -1;
    size_t at = (size_t)(comma - p);
    if (at == 0 || !(p[at - 1] >= '0' && p[at - 1] <= '9') || at + 1 >= n ||
        !(p[at + 1] >= '0' && p[at + 1] <= '9'))
        return -1;
    memcpy(buf, p, n);
    buf[at] = '.';
    return rd_convert(t, buf, n, out);
}

int rd_field(Source *s, int i, Value *out)
{
    const SchemaField *f = &s->sch->fields[i];
    int c = s->col[i];
    if (c < 0) {                    /* an optional column that is absent */
        *out = val_int(0);
        out->missing = 1;
        return 0;
    }
    const RdField *raw = &s->fields[c];
    if (raw->ptr == rd_sqlite_blob) {   /* only a column a rule reads is converted */
        snprintf(s->err, sizeof s->err, "%s:%ld: field \"%s\": " RD_SQLITE_BLOB_ERROR " (kam "
                 "reads text and numbers)", s->path, s->line, f->name);
        return -1;
    }
    int rc = raw->ptr ? rd_convert(f->ty, raw->ptr, raw->len, out) : 1;
    if (rc == -1 && s->decimal_comma) rc = convert_decimal_comma(f->ty, raw->ptr, raw->len, out);
    if (rc == 0 && f->ty.optional && f->ty.kind == RT_STRING && out->len == 0) rc = 1;
    if (rc == 0) return 0;
    if (rc == 1 && f->ty.optional) {
        *out = val_int(0);
        out->missing = 1;
        return 0;
    }
    char buf[256], at[300];
    where(s, c, at, sizeof at);
    if (rc == 1 && !raw->ptr && s->kind == SRC_XLSX)
        snprintf(s->err, sizeof s->err, "%s: field \"%s\": the cell is empty, but the field is "
                 "required (write %s, or declare it optional with ?)", at, f->name,
                 rd_expected(f->ty, buf, sizeof buf));
    else if (rc == 1 && !raw->ptr)
        snprintf(s->err, sizeof s->err, "%s: field \"%s\": %s, but the field is required "
                 "(declare it optional with ? if it may be)", at, f->name,
                 s->kind == SRC_JSONL ? "missing or null" : "NULL");
    else if (rc == 1)
        snprintf(s->err, sizeof s->err, "%s: field \"%s\": empty, but the field is "
                 "required (write %s, or declare it optional with ?)", at,
                 f->name, rd_expected(f->ty, buf, sizeof buf));
    else if (rc == RD_INT_RANGE)
        snprintf(s->err, sizeof s->err, "%s: field \"%s\": %.*s is beyond 2^53 "
                 "(9007199254740992), the range of whole numbers an int holds exactly", at,
                 f->name, (int)(raw->len > 60 ? 60 : raw->len), raw->ptr);
    else
        snprintf(s->err, sizeof s->err, "%s: field \"%s\": expected %s, got \"%.*s\"%s", at,
                 f->name, rd_expected(f->ty, buf, sizeof buf),
                 (int)(raw->len > 60 ? 60 : raw->len), raw->ptr,
                 numeric(f->ty) && s->kind == SRC_CSV && !s->decimal_comma &&
                 memchr(raw->ptr, ',', raw->len) ? " (a decimal comma? kam reads 1234,56 only "
                 "in files separated by ';')" : "");
    return -1;
}
