/* reader_xlsx.c — the worksheet reader declared in reader_xlsx.h: finds
 * the workbook's parts through its relationships (_rels/.rels ->
 * xl/workbook.xml -> xl/_rels/workbook.xml.rels -> the sheet and the
 * shared strings), reads the shared strings into one buffer, then streams
 * the sheet's XML through expat a row at a time. No header handling, no
 * type conversion beyond naming what kind of value a cell holds (that is
 * reader.c's), no writing (that is the writer's, with libxlsxwriter).
 *
 * Element and attribute names are compared by their local part (what
 * follows a prefix), so a workbook that prefixes its SpreadsheetML
 * elements ("x:row") reads like one that does not. (expat's namespace
 * processing would do the same at twice the cost: it spells every name
 * out with its namespace URI.) */
#define _POSIX_C_SOURCE 200809L
#include "reader_xlsx.h"

#include "../base/arena.h"
#include "../base/date.h"
#include "../base/decimal.h"

#include <errno.h>
#include <expat.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zip.h>

enum {
    CHUNK = 64 << 10,           /* bytes handed to expat at a time */
    MAX_DEPTH = 64,             /* SpreadsheetML needs 7 */
    MAX_CELL_TEXT = 1 << 20
};

/* One parse of one part: the handlers of whoever reads it, behind the
 * checks every part gets (depth, no DOCTYPE). */
typedef struct Px Px;
struct Px {
    XlsxReader *r;
    XML_Parser xp;
    const char *part;
    int depth;
    void (*start)(Px *px, const char *name, const char **atts);
    void (*end)(Px *px, const char *name);
    void (*text)(Px *px, const char *s, int len);
    void *ud;
};

struct XlsxReader {
    zip_t *zip;
    char *path;                 /* for messages */
    char *sheet_name;
    char *sheet_part;
    bool date1904;
    bool failed;
    char err[768];
    /* shared strings: string i is sst + sst_off[i], NUL-terminated */
    char *sst;
    size_t sst_len, sst_cap;
    size_t *sst_off;
    size_t nsst, sst_offcap;
    /* the sheet */
    zip_file_t *zf;
    Px px;
    long long size, consumed;
    bool suspended, fed_final, done, row_ready;
    /* the row being read */
    long row, last_row;
    int next_col;
    XlsxCell *cells;
    size_t *cell_off;           /* text offset in `text`, or SIZE_MAX if ptr is set */
    size_t ncells, ccap;
    char *text;
    size_t tlen, tcap;
    /* the cell being read */
    bool in_cell, in_v, in_is, in_t, has_f, has_v;
    int rph;                    /* inside <rPh> (phonetic text, left out) */
    int ccol;
    char ctype;                 /* the cell's t: 's', 'b', 'e', 'i'nlineStr, 'f' (str), 'n' */
    size_t vstart;
};

/* --------------------------------------------------------------- helpers */

/* A name without its namespace prefix: "x:row" -> "row". */
static const char *local(const char *name)
{
    for (const char *p = name; *p; p++)
        if (*p == ':') return p + 1;
    return name;
}

static const char *attr(const char **atts, const char *name)
{
    for (int i = 0; atts[i]; i += 2)
        if (strcmp(local(atts[i]), name) == 0) return atts[i + 1];
    return NULL;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static void set_err(XlsxReader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_err(XlsxReader *r, const char *fmt, ...)
{
    if (r->failed) return;          /* the first error is the one to tell */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err, sizeof r->err, fmt, ap);
    va_end(ap);
    r->failed = true;
}

/* Stops the parse for good; the message is the first one set. */
static void px_fail(Px *px, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void px_fail(Px *px, const char *fmt, ...)
{
    XlsxReader *r = px->r;
    if (!r->failed) {
        char msg[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        if (px == &r->px) set_err(r, "%s:%s: %s", r->path, r->sheet_name, msg);   /* the sheet's */
        else set_err(r, "%s: %s", r->path, msg);
    }
    XML_StopParser(px->xp, XML_FALSE);
}

/* The same for a problem with the current cell: "PATH:SHEET!C7: ...". */
static void cell_fail(Px *px, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void cell_fail(Px *px, const char *fmt, ...)
{
    XlsxReader *r = px->r;
    if (!r->failed) {
        char msg[512], c[4];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        rd_xlsx_col_name(r->ccol, c);
        set_err(r, "%s:%s!%s%ld: %s", r->path, r->sheet_name, c, r->row, msg);
    }
    XML_StopParser(px->xp, XML_FALSE);
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    Px *px = ud;
    if (px->r->failed) return;
    if (++px->depth > MAX_DEPTH) {
        px_fail(px, "%s: XML nested deeper than %d elements (refused)", px->part, MAX_DEPTH);
        return;
    }
    if (px->start) px->start(px, local(name), atts);
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
    Px *px = ud;
    if (px->r->failed) return;
    px->depth--;
    if (px->end) px->end(px, local(name));
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
    Px *px = ud;
    if (px->text && !px->r->failed) px->text(px, s, len);
}

static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
                               const XML_Char *pubid, int has_internal)
{
    (void)name, (void)sysid, (void)pubid, (void)has_internal;
    Px *px = ud;
    px_fail(px, "%s: the XML has a DOCTYPE declaration, which a workbook never needs "
            "(refused, with any entities it declares)", px->part);
}

static void XMLCALL on_entity(void *ud, const XML_Char *name, int is_param,
                              const XML_Char *value, int value_len, const XML_Char *base,
                              const XML_Char *sysid, const XML_Char *pubid,
                              const XML_Char *notation)
{
    (void)name, (void)is_param, (void)value, (void)value_len, (void)base, (void)sysid;
    (void)pubid, (void)notation;
    Px *px = ud;
    px_fail(px, "%s: the XML declares an entity (refused)", px->part);
}

static bool px_begin(Px *px, XlsxReader *r, const char *part)
{
    memset(px, 0, sizeof *px);
    px->r = r;
    px->part = part;
    px->xp = XML_ParserCreate(NULL);
    if (!px->xp) {
        set_err(r, "%s: out of memory for the XML parser", r->path);
        return false;
    }
    XML_SetUserData(px->xp, px);
    XML_SetElementHandler(px->xp, on_start, on_end);
    XML_SetCharacterDataHandler(px->xp, on_text);
    XML_SetStartDoctypeDeclHandler(px->xp, on_doctype);
    XML_SetEntityDeclHandler(px->xp, on_entity);
    XML_SetParamEntityParsing(px->xp, XML_PARAM_ENTITY_PARSING_NEVER);
    return true;
}

static void px_end(Px *px)
{
    if (px->xp) XML_ParserFree(px->xp);
    px->xp = NULL;
}

/* After XML_Parse* said XML_STATUS_ERROR: the message, unless a handler
 * gave one. */
static void px_syntax(Px *px)
{
    XlsxReader *r = px->r;
    if (r->failed) return;
    bool sheet = px == &r->px;
    set_err(r, "%s%s%s: %s: malformed XML at line %lu, column %lu: %s", r->path, sheet ? ":" : "",
            sheet ? r->sheet_name : "", px->part, (unsigned long)XML_GetCurrentLineNumber(px->xp),
            (unsigned long)XML_GetCurrentColumnNumber(px->xp) + 1,
            XML_ErrorString(XML_GetErrorCode(px->xp)));
}

/* The zip entry named part (exactly, else ignoring case), -1 if none. */
static zip_int64_t find_part(XlsxReader *r, const char *part)
{
    zip_int64_t i = zip_name_locate(r->zip, part, 0);
    if (i < 0) i = zip_name_locate(r->zip, part, ZIP_FL_NOCASE);
    return i;
}

/* Opens a part for reading, refusing one whose declared size is over cap. */
static zip_file_t *open_part(XlsxReader *r, const char *part, long long cap, long long *size)
{
    zip_int64_t i = find_part(r, part);
    if (i < 0) {
        set_err(r, "%s: not a readable Excel workbook: it has no part %s", r->path, part);
        return NULL;
    }
    zip_stat_t st;
    zip_stat_init(&st);
    *size = 0;
    if (zip_stat_index(r->zip, (zip_uint64_t)i, 0, &st) == 0 && (st.valid & ZIP_STAT_SIZE)) {
        if ((long long)st.size > cap || (long long)st.size < 0) {
            set_err(r, "%s: %s is %llu bytes uncompressed, over kam's limit of %lld MiB for "
                    "it (a damaged file, or a zip bomb)", r->path, part,
                    (unsigned long long)st.size, cap >> 20);
            return NULL;
        }
        *size = (long long)st.size;
    }
    zip_file_t *zf = zip_fopen_index(r->zip, (zip_uint64_t)i, 0);
    if (!zf) set_err(r, "%s: cannot read %s: %s", r->path, part, zip_strerror(r->zip));
    return zf;
}

/* Feeds the next chunk of zf to the parser. XML_STATUS_* as expat says,
 * or XML_STATUS_ERROR after setting the reader's error (a read error, or
 * more than cap bytes whatever the zip declared). */
static enum XML_Status feed(XlsxReader *r, Px *px, zip_file_t *zf, long long *consumed,
                            long long cap, bool *final)
{
    *final = false;             /* on every path: an error says nothing of the end */
    void *buf = XML_GetBuffer(px->xp, CHUNK);
    if (!buf) {
        set_err(r, "%s: %s: out of memory for the XML parser", r->path, px->part);
        return XML_STATUS_ERROR;
    }
    zip_int64_t n = zip_fread(zf, buf, CHUNK);
    if (n < 0) {
        set_err(r, "%s: cannot read %s: %s (a damaged or truncated file?)", r->path, px->part,
                zip_file_strerror(zf));
        return XML_STATUS_ERROR;
    }
    *consumed += n;
    if (*consumed > cap) {
        set_err(r, "%s: %s is over kam's limit of %lld MiB uncompressed (a damaged file, or "
                "a zip bomb)", r->path, px->part, cap >> 20);
        return XML_STATUS_ERROR;
    }
    *final = n == 0;
    enum XML_Status st = XML_ParseBuffer(px->xp, (int)n, *final);
    if (st == XML_STATUS_ERROR) px_syntax(px);
    return st;
}

/* Parses a whole part with px's handlers. false (error set) if it cannot. */
static bool parse_part(XlsxReader *r, Px *px, long long cap)
{
    long long size, consumed = 0;
    zip_file_t *zf = open_part(r, px->part, cap, &size);
    if (!zf) return false;
    bool final = false, ok = true;
    while (!final && ok) ok = feed(r, px, zf, &consumed, cap, &final) == XML_STATUS_OK && !r->failed;
    zip_fclose(zf);
    return ok;
}

/* base's folder joined with target, "." and ".." resolved; a target
 * starting with '/' is from the root. Returns a new string. */
static char *resolve(const char *base, const char *target)
{
    size_t bl = 0;
    if (target[0] == '/') {
        target++;
    } else {
        const char *slash = strrchr(base, '/');
        bl = slash ? (size_t)(slash - base) + 1 : 0;
    }
    size_t tl = strlen(target);
    char *joined = xmalloc(bl + tl + 1);
    memcpy(joined, base, bl);
    memcpy(joined + bl, target, tl + 1);
    char *out = xmalloc(bl + tl + 2);
    size_t on = 0;
    for (char *seg = joined; *seg;) {
        char *end = strchr(seg, '/');
        size_t n = end ? (size_t)(end - seg) : strlen(seg);
        if (n == 2 && seg[0] == '.' && seg[1] == '.') {
            if (on) on--;                               /* the '/' ending the last */
            while (on && out[on - 1] != '/') on--;
        } else if (n && !(n == 1 && seg[0] == '.')) {
            memcpy(out + on, seg, n);
            on += n;
            if (end) out[on++] = '/';
        }
        seg = end ? end + 1 : seg + n;
    }
    out[on] = '\0';
    free(joined);
    return out;
}

/* ------------------------------------------------------ relationships */

typedef struct Rel { char *id, *type, *target; } Rel;
typedef struct Rels { Rel *v; int n, cap; } Rels;

static void rels_start(Px *px, const char *name, const char **atts)
{
    if (strcmp(name, "Relationship") != 0) return;
    const char *id = attr(atts, "Id"), *type = attr(atts, "Type"), *target = attr(atts, "Target");
    const char *mode = attr(atts, "TargetMode");
    if (!id || !type || !target || (mode && strcmp(mode, "External") == 0)) return;
    Rels *rs = px->ud;
    if (rs->n == rs->cap) {
        if (rs->cap >= 100000) {
            px_fail(px, "%s: more than 100000 relationships", px->part);
            return;
        }
        rs->cap = rs->cap ? rs->cap * 2 : 16;
        rs->v = xrealloc(rs->v, sizeof(Rel) * (size_t)rs->cap);
    }
    rs->v[rs->n++] = (Rel){xstrdup(id), xstrdup(type), xstrdup(target)};
}

static void rels_free(Rels *rs)
{
    for (int i = 0; i < rs->n; i++) {
        free(rs->v[i].id);
        free(rs->v[i].type);
        free(rs->v[i].target);
    }
    free(rs->v);
}

/* The relationships of `part` (from _rels/NAME.rels beside it); a part
 * without any is not an error. */
static bool read_rels(XlsxReader *r, const char *part, Rels *rs)
{
    memset(rs, 0, sizeof *rs);
    const char *slash = strrchr(part, '/');
    size_t dl = slash ? (size_t)(slash - part) + 1 : 0;
    const char *base = part + dl;
    size_t n = dl + strlen("_rels/") + strlen(base) + strlen(".rels") + 1;
    char *name = xmalloc(n);
    snprintf(name, n, "%.*s_rels/%s.rels", (int)dl, part, base);
    bool ok = true;
    if (find_part(r, name) >= 0) {
        Px px;
        ok = px_begin(&px, r, name);
        px.start = rels_start;
        px.ud = rs;
        if (ok) ok = parse_part(r, &px, XLSX_MAX_PART);
        px_end(&px);
    }
    free(name);
    return ok;
}

/* ------------------------------------------------------------ workbook */

typedef struct SheetRef { char *name, *rid; bool hidden; } SheetRef;
typedef struct Workbook { SheetRef *v; int n, cap; bool date1904; } Workbook;

static void wb_start(Px *px, const char *name, const char **atts)
{
    Workbook *wb = px->ud;
    if (strcmp(name, "workbookPr") == 0) {
        const char *d = attr(atts, "date1904");
        wb->date1904 = d && (strcmp(d, "1") == 0 || strcmp(d, "true") == 0);
    } else if (strcmp(name, "sheet") == 0) {
        const char *nm = attr(atts, "name"), *rid = attr(atts, "id"), *state = attr(atts, "state");
        if (!nm || !rid) return;
        if (wb->n == wb->cap) {
            if (wb->cap >= 100000) {
                px_fail(px, "%s: more than 100000 sheets", px->part);
                return;
            }
            wb->cap = wb->cap ? wb->cap * 2 : 8;
            wb->v = xrealloc(wb->v, sizeof(SheetRef) * (size_t)wb->cap);
        }
        wb->v[wb->n++] = (SheetRef){xstrdup(nm), xstrdup(rid), state && strcmp(state, "visible") != 0};
    }
}

static void wb_free(Workbook *wb)
{
    for (int i = 0; i < wb->n; i++) {
        free(wb->v[i].name);
        free(wb->v[i].rid);
    }
    free(wb->v);
}

static const Rel *rel_by_id(const Rels *rs, const char *id)
{
    for (int i = 0; i < rs->n; i++)
        if (strcmp(rs->v[i].id, id) == 0) return &rs->v[i];
    return NULL;
}

static const Rel *rel_by_type(const Rels *rs, const char *suffix)
{
    for (int i = 0; i < rs->n; i++)
        if (ends_with(rs->v[i].type, suffix)) return &rs->v[i];
    return NULL;
}

/* ------------------------------------------------------ shared strings */

typedef struct SstState { bool in_si, in_t; int rph; } SstState;

static void sst_push_char(XlsxReader *r, const char *s, size_t n)
{
    if (r->sst_len + n + 1 > r->sst_cap) {
        size_t cap = r->sst_cap ? r->sst_cap : 4096;
        while (r->sst_len + n + 1 > cap) cap *= 2;
        r->sst = xrealloc(r->sst, cap);
        r->sst_cap = cap;
    }
    memcpy(r->sst + r->sst_len, s, n);
    r->sst_len += n;
}

static void sst_start(Px *px, const char *name, const char **atts)
{
    (void)atts;
    SstState *st = px->ud;
    if (strcmp(name, "si") == 0) st->in_si = true;
    else if (strcmp(name, "rPh") == 0) st->rph++;
    else if (strcmp(name, "t") == 0 && st->in_si && !st->rph) st->in_t = true;
}

static void sst_end(Px *px, const char *name)
{
    SstState *st = px->ud;
    XlsxReader *r = px->r;
    if (strcmp(name, "t") == 0) {
        st->in_t = false;
    } else if (strcmp(name, "rPh") == 0) {
        if (st->rph) st->rph--;
    } else if (strcmp(name, "si") == 0 && st->in_si) {
        st->in_si = false;
        sst_push_char(r, "", 1);                    /* the NUL ending it */
        if (r->nsst + 2 > r->sst_offcap) {
            r->sst_offcap = r->sst_offcap ? r->sst_offcap * 2 : 1024;
            r->sst_off = xrealloc(r->sst_off, sizeof(size_t) * r->sst_offcap);
        }
        r->sst_off[++r->nsst] = r->sst_len;         /* where the next begins */
    }
}

static void sst_text(Px *px, const char *s, int len)
{
    SstState *st = px->ud;
    if (st->in_t) sst_push_char(px->r, s, (size_t)len);
}

static bool read_shared_strings(XlsxReader *r, const char *part)
{
    r->sst_offcap = 1024;
    r->sst_off = xmalloc(sizeof(size_t) * r->sst_offcap);
    r->sst_off[0] = 0;
    if (!part) return true;
    SstState st = {false, false, 0};
    Px px;
    bool ok = px_begin(&px, r, part);
    px.start = sst_start;
    px.end = sst_end;
    px.text = sst_text;
    px.ud = &st;
    if (ok) ok = parse_part(r, &px, XLSX_MAX_STRINGS);
    px_end(&px);
    return ok;
}

/* --------------------------------------------------------------- sheet */

/* "C7" -> column 2 (row digits checked, not used: the row's r says it). */
static bool parse_ref(const char *ref, int *col)
{
    long c = 0;
    const char *p = ref;
    while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')) {
        c = c * 26 + ((*p | 0x20) - 'a' + 1);
        if (c > XLSX_MAX_COLS) return false;
        p++;
    }
    if (p == ref) return false;
    while (*p >= '0' && *p <= '9') p++;
    if (*p) return false;
    *col = (int)(c - 1);
    return true;
}

void rd_xlsx_col_name(int col, char *buf)
{
    char tmp[4];
    int n = 0;
    for (int c = col + 1; c > 0 && n < 3; c = (c - 1) / 26) tmp[n++] = (char)('A' + (c - 1) % 26);
    for (int i = 0; i < n; i++) buf[i] = tmp[n - 1 - i];
    buf[n] = '\0';
}

static void text_push(XlsxReader *r, const char *s, size_t n)
{
    if (r->tlen + n + 1 > r->tcap) {
        size_t cap = r->tcap ? r->tcap : 4096;
        while (r->tlen + n + 1 > cap) cap *= 2;
        r->text = xrealloc(r->text, cap);
        r->tcap = cap;
    }
    memcpy(r->text + r->tlen, s, n);
    r->tlen += n;
}

static void add_cell(XlsxReader *r, XlsxKind kind, const char *ptr, size_t off, size_t len)
{
    if (r->ncells == r->ccap) {
        r->ccap = r->ccap ? r->ccap * 2 : 64;
        r->cells = xrealloc(r->cells, sizeof(XlsxCell) * r->ccap);
        r->cell_off = xrealloc(r->cell_off, sizeof(size_t) * r->ccap);
    }
    r->cells[r->ncells] = (XlsxCell){r->ccol, kind, ptr, len};
    r->cell_off[r->ncells++] = ptr ? SIZE_MAX : off;
}

static void sheet_start(Px *px, const char *name, const char **atts)
{
    XlsxReader *r = px->r;
    if (r->in_cell) {
        if (strcmp(name, "v") == 0) {
            r->in_v = true;
            r->has_v = true;
            r->vstart = r->tlen;
        } else if (strcmp(name, "f") == 0) {
            r->has_f = true;
        } else if (strcmp(name, "is") == 0) {
            r->in_is = true;
            r->has_v = true;
            r->vstart = r->tlen;
        } else if (strcmp(name, "rPh") == 0) {
            r->rph++;
        } else if (strcmp(name, "t") == 0 && r->in_is && !r->rph) {
            r->in_t = true;
        }
        return;
    }
    if (strcmp(name, "row") == 0) {
        const char *rr = attr(atts, "r");
        long row = r->last_row + 1;
        if (rr) {
            char *end;
            errno = 0;
            row = strtol(rr, &end, 10);
            if (end == rr || *end || errno || row < 1 || row > XLSX_MAX_ROWS) {
                px_fail(px, "%s: row number \"%.20s\" is not one from 1 to %d", px->part, rr,
                        XLSX_MAX_ROWS);
                return;
            }
        }
        r->row = r->last_row = row;
        r->next_col = 0;
        r->ncells = 0;
        r->tlen = 0;
    } else if (strcmp(name, "c") == 0) {
        const char *ref = attr(atts, "r"), *t = attr(atts, "t");
        int col = r->next_col;
        if (ref && !parse_ref(ref, &col)) {
            px_fail(px, "%s: row %ld: cell reference \"%.20s\" is not a column A to XFD and "
                    "a row", px->part, r->row, ref);
            return;
        }
        if (col >= XLSX_MAX_COLS) {
            px_fail(px, "%s: row %ld has cells past column XFD", px->part, r->row);
            return;
        }
        r->ccol = col;
        r->next_col = col + 1;
        r->ctype = !t || !strcmp(t, "n") ? 'n' : !strcmp(t, "s") ? 's' : !strcmp(t, "b") ? 'b'
                 : !strcmp(t, "e") ? 'e' : !strcmp(t, "inlineStr") ? 'i' : !strcmp(t, "str") ? 'f'
                 : !strcmp(t, "d") ? 'd' : '?';
        r->in_cell = true;
        r->in_v = r->in_is = r->in_t = r->has_f = r->has_v = false;
        r->rph = 0;
        r->vstart = r->tlen;
    }
}

static void sheet_text(Px *px, const char *s, int len)
{
    XlsxReader *r = px->r;
    if (!r->in_v && !r->in_t) return;
    if (r->tlen - r->vstart + (size_t)len > MAX_CELL_TEXT) {
        cell_fail(px, "the cell holds more than %d MiB of text (refused)", MAX_CELL_TEXT >> 20);
        return;
    }
    text_push(r, s, (size_t)len);
}

/* The cell just closed, listed by what Excel stored in it. */
static void end_cell(Px *px)
{
    XlsxReader *r = px->r;
    char t = r->ctype;
    size_t off = r->vstart, len = r->tlen - r->vstart;
    r->in_cell = false;
    if (!r->has_v) {
        r->tlen = off;
        if (r->has_f) add_cell(r, XL_NOVALUE, "", 0, 0);
        return;                                         /* an empty (styled) cell */
    }
    if (t == 's') {
        char *end;
        text_push(r, "", 1);
        errno = 0;
        unsigned long long i = strtoull(r->text + off, &end, 10);
        r->tlen = off;
        if (end == r->text + off || *end || errno || i >= r->nsst) {
            cell_fail(px, "shared string number \"%.20s\" is not in the workbook's table of %zu",
                      r->text + off, r->nsst);
            return;
        }
        size_t so = r->sst_off[i], sl = r->sst_off[i + 1] - so - 1;
        if (sl) add_cell(r, XL_TEXT, r->sst + so, 0, sl);
        return;
    }
    if (t == 'b') {
        bool truth = len == 1 && r->text[off] == '1';
        bool falsity = len == 1 && r->text[off] == '0';
        r->tlen = off;
        if (truth || falsity) {
            add_cell(r, XL_BOOL, truth ? "true" : "false", 0, truth ? 4 : 5);
        } else {
            cell_fail(px, "a true/false cell holds neither 1 nor 0");
        }
        return;
    }
    if (len == 0) {                                     /* "" or <v/> */
        r->tlen = off;
        if (r->has_f && t != 'f') add_cell(r, XL_NOVALUE, "", 0, 0);
        return;
    }
    if (t == '?') {
        cell_fail(px, "unknown cell type (t=\"...\"): not one Excel writes");
        return;
    }
    XlsxKind kind = t == 'e' ? XL_ERROR : t == 'f' || t == 'i' || t == 'd' ? XL_TEXT : XL_NUMBER;
    text_push(r, "", 1);
    add_cell(r, kind, NULL, off, len);
}

static void sheet_end(Px *px, const char *name)
{
    XlsxReader *r = px->r;
    if (r->in_cell) {
        if (strcmp(name, "v") == 0) r->in_v = false;
        else if (strcmp(name, "is") == 0) r->in_is = false;
        else if (strcmp(name, "t") == 0) r->in_t = false;
        else if (strcmp(name, "rPh") == 0 && r->rph) r->rph--;
        else if (strcmp(name, "c") == 0) end_cell(px);
        return;
    }
    if (strcmp(name, "row") == 0 && r->ncells) {
        for (size_t i = 0; i < r->ncells; i++)
            if (r->cell_off[i] != SIZE_MAX) r->cells[i].ptr = r->text + r->cell_off[i];
        r->row_ready = true;
        XML_StopParser(px->xp, XML_TRUE);               /* resumed by the next rd_xlsx_next */
    }
}

int rd_xlsx_next(XlsxReader *r, const XlsxCell **cells, size_t *ncells, long *row)
{
    if (r->failed) return -1;
    r->row_ready = false;
    while (!r->done) {
        enum XML_Status st;
        if (r->suspended) {
            r->suspended = false;
            st = XML_ResumeParser(r->px.xp);
            if (st == XML_STATUS_ERROR) px_syntax(&r->px);
        } else if (r->fed_final) {
            r->done = true;
            break;
        } else {
            bool final;
            st = feed(r, &r->px, r->zf, &r->consumed, XLSX_MAX_SHEET, &final);
            if (final) r->fed_final = true;
        }
        if (st == XML_STATUS_ERROR || r->failed) {
            if (!r->failed) px_syntax(&r->px);
            return -1;
        }
        if (st == XML_STATUS_SUSPENDED) {
            r->suspended = true;
            if (r->row_ready) {
                *cells = r->cells;
                *ncells = r->ncells;
                *row = r->row;
                return 1;
            }
        }
    }
    return 0;
}

/* ---------------------------------------------------------- open/close */

/* Why a file is not a zip, as the user would put it. */
static void not_a_zip(XlsxReader *r, const char *path)
{
    unsigned char magic[8] = {0};
    FILE *f = fopen(path, "rb");
    size_t n = f ? fread(magic, 1, sizeof magic, f) : 0;
    if (f) fclose(f);
    static const unsigned char ole[8] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};
    if (n == 8 && memcmp(magic, ole, 8) == 0)
        set_err(r, "%s: not an .xlsx workbook: an old-style .xls file or a password-protected "
                "workbook (kam reads neither; save it as .xlsx without a password, or export "
                "CSV)", path);
    else if (n >= 2 && magic[0] == 'P' && magic[1] == 'K')
        set_err(r, "%s: not a readable .xlsx workbook: the zip archive is damaged or truncated",
                path);
    else
        set_err(r, "%s: not an .xlsx workbook (not a zip archive); for CSV data use --input csv",
                path);
}

XlsxReader *rd_xlsx_open(const char *path, const char *sheet, char *err, size_t errlen)
{
    XlsxReader *r = xcalloc(1, sizeof *r);
    r->path = xstrdup(path);
    struct stat sb;
    if (stat(path, &sb) != 0) {
        set_err(r, "cannot open %s: %s", path, strerror(errno));
    } else if (S_ISDIR(sb.st_mode)) {
        set_err(r, "cannot read %s: %s", path, strerror(EISDIR));
    } else {
        int code = 0;
        r->zip = zip_open(path, ZIP_RDONLY | ZIP_CHECKCONS, &code);
        if (!r->zip) {
            if (code == ZIP_ER_NOZIP || code == ZIP_ER_INCONS || code == ZIP_ER_CRC) {
                not_a_zip(r, path);
            } else {
                zip_error_t ze;
                zip_error_init_with_code(&ze, code);
                set_err(r, "cannot open %s: %s", path, zip_error_strerror(&ze));
                zip_error_fini(&ze);
            }
        }
    }
    Rels root = {0}, wrels = {0};
    Workbook wb = {0};
    char *wb_part = NULL, *sst_part = NULL;
    if (!r->failed) read_rels(r, "", &root);                /* _rels/.rels */
    if (!r->failed) {
        const Rel *doc = rel_by_type(&root, "/officeDocument");
        wb_part = resolve("", doc ? doc->target : "xl/workbook.xml");
        if (find_part(r, wb_part) < 0)
            set_err(r, "%s: not an Excel workbook: the zip archive has no %s", path, wb_part);
    }
    if (!r->failed) {
        Px px;
        if (px_begin(&px, r, wb_part)) {
            px.start = wb_start;
            px.ud = &wb;
            parse_part(r, &px, XLSX_MAX_PART);
        }
        px_end(&px);
        r->date1904 = wb.date1904;
    }
    if (!r->failed) read_rels(r, wb_part, &wrels);
    int chosen = -1;
    if (!r->failed) {
        for (int i = 0; i < wb.n && chosen < 0; i++) {
            const Rel *rel = rel_by_id(&wrels, wb.v[i].rid);
            bool worksheet = rel && ends_with(rel->type, "/worksheet");
            if (sheet ? strcmp(wb.v[i].name, sheet) == 0 : worksheet && !wb.v[i].hidden) chosen = i;
        }
        if (chosen < 0) {
            size_t used = 0;
            used += (size_t)snprintf(r->err, sizeof r->err, sheet ? "%s: no sheet named \"%s\"; "
                                     "the workbook has: " : "%s%s: the workbook has no visible "
                                     "worksheet; its sheets: ", path, sheet ? sheet : "");
            for (int i = 0; i < wb.n && used < sizeof r->err; i++)
                used += (size_t)snprintf(r->err + used, sizeof r->err - used, "%s\"%s\"",
                                         i ? ", " : "", wb.v[i].name);
            if (wb.n == 0 && used < sizeof r->err)
                snprintf(r->err + used, sizeof r->err - used, "none");
            r->failed = true;
        }
    }
    if (!r->failed) {
        const Rel *rel = rel_by_id(&wrels, wb.v[chosen].rid);
        r->sheet_name = xstrdup(wb.v[chosen].name);
        if (!rel || !ends_with(rel->type, "/worksheet")) {
            set_err(r, "%s: sheet \"%s\" is not a worksheet (a chart sheet?)", path, r->sheet_name);
        } else {
            r->sheet_part = resolve(wb_part, rel->target);
            const Rel *ss = rel_by_type(&wrels, "/sharedStrings");
            if (ss) sst_part = resolve(wb_part, ss->target);
            if (sst_part && find_part(r, sst_part) < 0) {
                free(sst_part);                         /* declared but absent: none used */
                sst_part = NULL;
            }
        }
    }
    if (!r->failed) read_shared_strings(r, sst_part);
    if (!r->failed) {
        r->zf = open_part(r, r->sheet_part, XLSX_MAX_SHEET, &r->size);
        if (r->zf && px_begin(&r->px, r, r->sheet_part)) {
            r->px.start = sheet_start;
            r->px.end = sheet_end;
            r->px.text = sheet_text;
        }
    }
    rels_free(&root);
    rels_free(&wrels);
    wb_free(&wb);
    free(wb_part);
    free(sst_part);
    if (r->failed) {
        snprintf(err, errlen, "%s", r->err);
        rd_xlsx_close(r);
        return NULL;
    }
    return r;
}

void rd_xlsx_close(XlsxReader *r)
{
    if (!r) return;
    px_end(&r->px);
    if (r->zf) zip_fclose(r->zf);
    if (r->zip) zip_discard(r->zip);
    free(r->path);
    free(r->sheet_name);
    free(r->sheet_part);
    free(r->sst);
    free(r->sst_off);
    free(r->cells);
    free(r->cell_off);
    free(r->text);
    free(r);
}

const char *rd_xlsx_sheet(const XlsxReader *r) { return r->sheet_name; }
bool rd_xlsx_date1904(const XlsxReader *r) { return r->date1904; }
const char *rd_xlsx_error(const XlsxReader *r) { return r->err; }
long long rd_xlsx_offset(const XlsxReader *r) { return r->consumed; }
long long rd_xlsx_size(const XlsxReader *r) { return r->size; }

const char *rd_xlsx_serial_date(const char *text, size_t len, bool date1904, int32_t *days)
{
    double v;
    if (dec_parse(text, len, 0, &v) != DEC_OK) return "not a number";
    double whole = floor(v);                          /* the time of day is dropped */
    int32_t epoch;                                    /* the day serial 0 stands for */
    if (date1904) {
        date_from_ymd(1904, 1, 1, &epoch);
        if (whole < 0) return "before 1904-01-01, the first day of the workbook's 1904 date system";
    } else {
        if (whole < 1) return "before 1900-01-01, the first day of Excel's date system";
        if (whole == 60) return "serial 60 is 1900-02-29, a day that did not exist (Excel "
                                "keeps it for Lotus 1-2-3)";
        /* serials from 61 count from 1899-12-30, those before from 1899-12-31 */
        date_from_ymd(1899, 12, whole < 60 ? 31 : 30, &epoch);
    }
    if (whole > (double)(DATE_MAX - epoch)) return "after 9999-12-31";
    *days = epoch + (int32_t)whole;
    return NULL;
}
