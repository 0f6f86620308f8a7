/* writer.c — formatting outcomes (see writer.h). The table format keeps
 * every row to align the columns, so it is meant for terminals: it shows
 * numbers for people (base/numfmt.h) and fits a width by eliding the
 * widest columns' long cells. CSV and JSON Lines stream, exact: every
 * digit, record fields (`--columns`) as the data gave them, in their type,
 * a percent as its fraction (0.12 for 12%, which kam reads back as 12%).
 * The workbook's cells go through writer_xlsx.c. */
#include "writer.h"
#include "writer_xlsx.h"
#include "../base/date.h"
#include "../base/numfmt.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { BUF_SIZE = 1 << 20, RAW_DIRECT = 64 << 10 };
/* A CSV row copies a short name (NAME_PAD bytes or fewer) as NAME_PAD bytes
 * at once, past its end: the buffer has room after BUF_SIZE for that. */
enum { NAME_PAD = 32, BUF_SLACK = 64 };

/* COL_TERM: one term of an entitlement, a column of its own in CSV and the
 * workbook; COL_TERMS: JSON Lines' one "terms" object. The table shows
 * terms inside its entitlements cell. */
typedef enum {
    COL_KEY, COL_FIELD, COL_NUM, COL_BOOL, COL_ENUM, COL_ENTS, COL_TERM, COL_TERMS, COL_FLAGS
} ColKind;

typedef struct Col {
    const char *name;
    ColKind kind;
    int reg;
    const RtEnum *en;
    RtKind fkind;           /* COL_FIELD, COL_TERM: the value's type */
    const char *label;      /* COL_TERM: the term's label (or its name), for the table */
} Col;

/* A value read from the data or computed by a term: typed, maybe missing. */
static inline bool is_value(const Col *col)
{
    return col->kind == COL_FIELD || col->kind == COL_TERM;
}

enum { MIN_FIT = 4 };       /* a column fitted to the width keeps this many characters */

struct Writer {
    FILE *out;
    OutFormat fmt;
    const Chunk *c;
    Col *cols;
    int ncols;
    int *ents, *flags;      /* registers */
    const ChunkOut **ent_out;   /* per entitlement: its terms */
    Col *terms;             /* every term, in declaration order, as a value column */
    int *term_at;           /* per entitlement: its first term in terms[] */
    int nterms;
    char **term_names;      /* COL_TERM headers, "entitlement.term" */
    int *strcols;           /* columns whose value may be a string (CSV: room to quote) */
    int nstrcols;
    const char **ent_names, **flag_names;
    size_t *ent_len, *flag_len;
    size_t row_max;         /* the most a row other than its key can take */
    int nents, nflags;
    char *buf;
    size_t used;
    bool failed;
    /* table: every cell, row-major, and the column widths */
    char **cells;
    size_t ncells, capcells;
    int *width;
    int *vwidth;            /* the widest value of each column (the header aside) */
    int nfield;             /* record fields: columns 1..nfield */
    int fit;                /* the table's width, or 0 */
    XlBook *xl;             /* FMT_XLSX */
    struct CsvOp *plan;     /* FMT_CSV: the columns after the key (csv_plan) */
    int nplan;
    const Value *bound;     /* the registers the plan points at (csv_bind) */
    const Value **bound_vs; /* the plan's CO_SET registers there */
    char *names;            /* the plan's names, each followed by NAME_PAD bytes */
    struct CsvName *name_at;
    char err[300];
};

static void flush(Writer *w)
{
    if (w->used && fwrite(w->buf, 1, w->used, w->out) != w->used) w->failed = true;
    w->used = 0;
}

static void put(Writer *w, const char *s, size_t n)
{
    if (w->used + n > BUF_SIZE) {
        flush(w);
        if (n > BUF_SIZE) {
            if (fwrite(s, 1, n, w->out) != n) w->failed = true;
            return;
        }
    }
    memcpy(w->buf + w->used, s, n);
    w->used += n;
}

static void puts_(Writer *w, const char *s)
{
    put(w, s, strlen(s));
}

/* "00" to "99": decimal digits two at a time. */
static const char digit_pairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* Writes u in decimal at o (no NUL); returns the end. */
static inline char *put_uint(char *o, uint64_t u)
{
    if (u < 10) {
        *o = (char)('0' + u);
        return o + 1;
    }
    if (u < 100) {
        memcpy(o, digit_pairs + 2 * u, 2);
        return o + 2;
    }
    int n = 3;
    for (uint64_t t = 1000; n < 20 && u >= t; t *= 10) n++;
    char *end = o + n, *p = end;
    while (u >= 100) {
        p -= 2;
        memcpy(p, digit_pairs + 2 * (u % 100), 2);
        u /= 100;
    }
    if (u >= 10) memcpy(p - 2, digit_pairs + 2 * u, 2);
    else p[-1] = (char)('0' + u);
    return end;
}

/* x rounded to a whole number, halves to even: nearbyint(x) in the default
 * rounding mode, for 0 <= x < 2^52, without a call. Adding 2^52 leaves no
 * bits below the units, so the sum is x rounded; taking 2^52 away again is
 * exact. Needs doubles evaluated as doubles (not x87's extended precision). */
static inline double round_whole(double x)
{
#if defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD == 0
    const double big = 4503599627370496.0;      /* 2^52 (not folded: IEEE rules) */
    return (x + big) - big;
#else
    return nearbyint(x);
#endif
}

/* A number of up to six decimals and fifteen significant digits, from
 * 0.001 to 10^9 in size, written without printf: k / 10^d for the fewest
 * decimals d with which the division gives v back. That decimal is the
 * one %.15g prints (v is within half an ulp of it, well inside the
 * rounding of 15 digits), and it reads back as v (strtod and the division
 * round the same real number). 0 when v is not such a number. Most money
 * and percents are, and printf is the costly part of writing a row. */
static int short_decimal(double v, char *buf)
{
    static const double scale[] = {1, 10, 100, 1000, 10000, 100000, 1000000};
    static const uint64_t uscale[] = {1, 10, 100, 1000, 10000, 100000, 1000000};
    double a = fabs(v);
    if (!(a >= 1e-3 && a < 1e9)) return 0;
    for (int d = 1; d <= 6; d++) {
        double k = round_whole(a * scale[d]);   /* below 10^15 < 2^52 */
        if (k / scale[d] != a) continue;
        uint64_t u = (uint64_t)k, frac = u % uscale[d];
        char *o = buf;
        if (v < 0) *o++ = '-';
        o = put_uint(o, u / uscale[d]);     /* at least one digit before the point */
        *o++ = '.';
        for (int i = d; i > 0; i--) {       /* its last digit is not 0: d is the fewest */
            o[i - 1] = (char)('0' + frac % 10);
            frac /= 10;
        }
        o += d;
        *o = '\0';
        return (int)(o - buf);
    }
    return 0;
}

/* format_number past its whole numbers. */
static int format_fraction(double v, char *buf, bool *sure)
{
    int n = short_decimal(v, buf);
    if (n) return n;
    *sure = false;
    return snprintf(buf, 32, "%.15g", v);
}

/* wr_format_number; *sure says whether the text reads back as v (every
 * path but printf's). Whole numbers up to 2^53 (0 and -0 among them: "0")
 * in full, inline: most scores are. */
static inline int format_number(double v, char *buf, bool *sure)
{
    *sure = true;
    if (fabs(v) <= 9007199254740992.0) {    /* false for NaN */
        int64_t i = (int64_t)v;
        if ((double)i == v) {
            char *o = buf;
            if (i < 0) *o++ = '-';
            o = put_uint(o, i < 0 ? (uint64_t)0 - (uint64_t)i : (uint64_t)i);
            *o = '\0';
            return (int)(o - buf);
        }
    }
    return format_fraction(v, buf, sure);
}

int wr_format_number(double v, char *buf)
{
    bool sure;
    return format_number(v, buf, &sure);
}

static void csv_plan(Writer *w);

Writer *wr_open(FILE *out, OutFormat fmt, const Chunk *c, const WrOptions *opt, char *err,
                size_t errlen)
{
    static const WrOptions none;
    if (!opt) opt = &none;
    Writer *w = xcalloc(1, sizeof *w);
    w->out = out;
    w->fmt = fmt;
    w->c = c;
    w->fit = opt->width;
    w->buf = xmalloc(BUF_SIZE + BUF_SLACK);
    const Schema *sch = c->schema;
    int nterms = 0;
    for (int i = 0; i < c->nouts; i++)
        if (c->outs[i].kind == OUT_ENTITLE) nterms += c->outs[i].nterms;
    w->cols = xcalloc((size_t)c->nouts + (size_t)opt->nfields + (size_t)nterms + 4, sizeof(Col));
    w->terms = xcalloc((size_t)nterms + 1, sizeof(Col));
    w->term_names = xcalloc((size_t)nterms + 1, sizeof(char *));
    w->term_at = xcalloc((size_t)c->nouts + 1, sizeof(int));
    w->ent_out = xcalloc((size_t)c->nouts + 1, sizeof(ChunkOut *));
    w->ents = xcalloc((size_t)c->nouts + 1, sizeof(int));
    w->flags = xcalloc((size_t)c->nouts + 1, sizeof(int));
    w->ent_names = xcalloc((size_t)c->nouts + 1, sizeof(char *));
    w->flag_names = xcalloc((size_t)c->nouts + 1, sizeof(char *));
    Col key = {sch->key_field >= 0 ? sch->fields[sch->key_field].name : "line", COL_KEY, -1, NULL,
               RT_ERROR, NULL};
    w->cols[w->ncols++] = key;
    for (int i = 0; i < opt->nfields; i++) {
        const SchemaField *f = &sch->fields[opt->fields[i]];
        Col col = {f->name, COL_FIELD, c->field_reg[opt->fields[i]], f->ty.en, f->ty.kind, NULL};
        w->cols[w->ncols++] = col;
        w->nfield++;
    }
    for (int i = 0; i < c->nouts; i++) {
        const ChunkOut *o = &c->outs[i];
        if (o->kind == OUT_ENTITLE) {
            w->ent_names[w->nents] = o->name;
            w->ent_out[w->nents] = o;
            w->term_at[w->nents] = w->nterms;
            w->ents[w->nents++] = o->reg;
            for (int t = 0; t < o->nterms; t++) {
                const ChunkTerm *term = &o->terms[t];
                size_t len = strlen(o->name) + strlen(term->name) + 2;
                char *name = xmalloc(len);
                snprintf(name, len, "%s.%s", o->name, term->name);
                w->term_names[w->nterms] = name;
                Col col = {name, COL_TERM, term->reg, term->ty.en, term->ty.kind,
                           term->label ? term->label : term->name};
                w->terms[w->nterms++] = col;
            }
        } else if (o->kind == OUT_FLAG) {
            w->flag_names[w->nflags] = o->name;
            w->flags[w->nflags++] = o->reg;
        } else {
            Col col = {o->name, o->kind == OUT_NUM ? COL_NUM : o->kind == OUT_BOOL ? COL_BOOL
                                                                                   : COL_ENUM,
                       o->reg, o->en, RT_ERROR, NULL};
            w->cols[w->ncols++] = col;
        }
    }
    Col ents = {"entitlements", COL_ENTS, -1, NULL, RT_ERROR, NULL};
    Col terms = {"terms", COL_TERMS, -1, NULL, RT_ERROR, NULL};
    Col flags = {"flags", COL_FLAGS, -1, NULL, RT_ERROR, NULL};
    w->cols[w->ncols++] = ents;
    if (fmt == FMT_CSV || fmt == FMT_XLSX)      /* a column per term */
        for (int t = 0; t < w->nterms; t++) w->cols[w->ncols++] = w->terms[t];
    else if (fmt == FMT_JSONL && w->nterms)     /* one object, when the policy has terms */
        w->cols[w->ncols++] = terms;
    w->cols[w->ncols++] = flags;
    w->strcols = xcalloc((size_t)w->ncols, sizeof(int));
    for (int i = 1; i < w->ncols; i++)
        if (is_value(&w->cols[i]) && w->cols[i].fkind == RT_STRING) w->strcols[w->nstrcols++] = i;
    w->width = xcalloc((size_t)w->ncols, sizeof(int));
    w->vwidth = xcalloc((size_t)w->ncols, sizeof(int));
    w->ent_len = xcalloc((size_t)w->nents + 1, sizeof(size_t));
    w->flag_len = xcalloc((size_t)w->nflags + 1, sizeof(size_t));
    w->row_max = 64;
    for (int i = 0; i < w->nents; i++) w->row_max += (w->ent_len[i] = strlen(w->ent_names[i])) + 1;
    for (int i = 0; i < w->nflags; i++) w->row_max += (w->flag_len[i] = strlen(w->flag_names[i])) + 1;
    for (int i = 0; i < w->ncols; i++) {       /* every column: its widest cell */
        const RtEnum *en = w->cols[i].en;
        size_t longest = 0;
        if (en && (w->cols[i].kind == COL_ENUM || is_value(&w->cols[i]))) {
            for (int m = 0; m < en->n; m++) {
                size_t len = strlen(en->members[m]);
                if (len > longest) longest = len;
            }
        }
        w->row_max += 40 + longest;
    }
    if (fmt == FMT_CSV) csv_plan(w);
    if (fmt == FMT_CSV && !opt->no_header) {
        for (int i = 0; i < w->ncols; i++) {
            if (i) put(w, ",", 1);
            puts_(w, w->cols[i].name);
        }
        put(w, "\n", 1);
    }
    if (fmt == FMT_XLSX) {
        w->xl = xl_open(opt->sheet, w->ncols, err, errlen);
        if (!w->xl) {
            wr_close(w, NULL, 0);
            return NULL;
        }
        for (int i = 0; i < w->ncols; i++) xl_header(w->xl, i, w->cols[i].name);
        xl_end_row(w->xl);
    }
    return w;
}

/* A CSV field, quoted when it holds a comma, quote or line break. */
static void put_csv(Writer *w, const char *s, size_t n)
{
    bool quote = false;
    for (size_t i = 0; i < n; i++)
        if (s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r') quote = true;
    if (!quote) {
        put(w, s, n);
        return;
    }
    put(w, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"') put(w, "\"", 1);
        put(w, s + i, 1);
    }
    put(w, "\"", 1);
}

/* Length of a valid UTF-8 sequence at s[0..n), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    size_t len = s[0] >= 0xF0 && s[0] <= 0xF4 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC2 ? 2 : 0;
    if (s[0] >= 0xF5 || len == 0 || len > n) return 0;
    for (size_t i = 1; i < len; i++)
        if ((s[i] & 0xC0) != 0x80) return 0;
    return len;
}

/* The escape for the character at s[0..n) (its length in *len), or NULL
 * when it is safe to show as it is. esc holds at least 9 bytes. */
static const char *display_escape(const unsigned char *s, size_t n, size_t *len, char *esc)
{
    *len = 1;
    if (s[0] >= 0x20 && s[0] < 0x7f) return NULL;
    if (s[0] == '\n') return "\\n";
    if (s[0] == '\t') return "\\t";
    if (s[0] == '\r') return "\\r";
    if (s[0] >= 0x80) {
        size_t k = utf8_seq(s, n);
        if (k && !(k == 2 && s[0] == 0xC2 && s[1] < 0xA0)) {   /* not a C1 control */
            *len = k;
            return NULL;
        }
        if (k == 2) {
            *len = 2;
            snprintf(esc, 9, "\\x%02x\\x%02x", s[0], s[1]);
            return esc;
        }
    }
    snprintf(esc, 9, "\\x%02x", s[0]);
    return esc;
}

const char *wr_display(const char *s, size_t n, char *buf, size_t cap)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        size_t len;
        char esc[9];
        const char *e = display_escape(u + i, n - i, &len, esc);
        const char *text = e ? e : s + i;
        size_t tlen = e ? strlen(e) : len;
        if (o + tlen + 1 > cap) break;
        memcpy(buf + o, text, tlen);
        o += tlen;
        i += len;
    }
    buf[o] = '\0';
    return buf;
}

void wr_print_line(FILE *out, const char *prefix, const char *s)
{
    /* the line is made whole first and written at once: stderr is
       unbuffered, and a write per piece lets another process's lines in */
    char small[1024], *line = small;
    size_t cap = sizeof small, o = 0, np = strlen(prefix), n = strlen(s);
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i <= n;) {
        size_t len = 0;
        char esc[9];
        const char *e = i == n ? "\n" : display_escape(u + i, n - i, &len, esc);
        const char *text = e ? e : s + i;
        size_t tlen = e ? strlen(e) : len;
        if (o + np + tlen > cap) {
            while (o + np + tlen > cap) cap *= 2;
            char *bigger = xmalloc(cap);
            memcpy(bigger, line, o);
            if (line != small) free(line);
            line = bigger;
        }
        if (o == 0) {
            memcpy(line, prefix, np);
            o = np;
        }
        memcpy(line + o, text, tlen);
        o += tlen;
        i += i == n ? 1 : len;
    }
    fwrite(line, 1, o, out);
    if (line != small) free(line);
}

static void put_json_string(Writer *w, const char *s, size_t n)
{
    put(w, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80) {            /* JSON is UTF-8: a stray byte becomes U+FFFD */
            size_t len = utf8_seq((const unsigned char *)s + i, n - i);
            if (len) {
                put(w, s + i, len);
                i += len - 1;
            } else {
                put(w, "\\ufffd", 6);
            }
            continue;
        }
        if (c == '"' || c == '\\') {
            put(w, "\\", 1);
            put(w, s + i, 1);
        } else if (c < 0x20) {
            char esc[8];
            snprintf(esc, sizeof esc, "\\u%04x", c);
            put(w, esc, 6);
        } else {
            put(w, s + i, 1);
        }
    }
    put(w, "\"", 1);
}

/* A number read from the data, in full: kam's form, or 17 significant
 * digits when 15 do not give the same number back. */
static int exact_number(double v, char *buf)
{
    bool sure;
    int n = format_number(v, buf, &sure);
    if (!sure && isfinite(v) && strtod(buf, NULL) != v) n = snprintf(buf, 32, "%.17g", v);
    return n;
}

/* The text of a record field's or a term's value, other than a string
 * (whose bytes are its text); "" when missing. In the table a percent shows
 * as 12.5%, in data output as its fraction 0.125. A field's number is
 * written in full (as the data gave it); a term's, computed, as kam prints
 * scores (wr_format_number). buf holds at least 64 bytes. */
static size_t field_text(const Col *col, const Value *v, char *buf, size_t cap, bool table)
{
    buf[0] = '\0';
    if (v->missing) return 0;
    switch (col->fkind) {
    case RT_PERCENT:
        if (table) {
            size_t n = (size_t)wr_format_number(v->u.num * 100, buf);
            buf[n++] = '%';
            buf[n] = '\0';
            return n;
        }
        /* fall through */
    case RT_NUMBER:
    case RT_MONEY:
    case RT_INT:
        return (size_t)(col->kind == COL_TERM ? wr_format_number(v->u.num, buf)
                                              : exact_number(v->u.num, buf));
    case RT_BOOL:
        memcpy(buf, v->u.i ? "true" : "false", v->u.i ? 5 : 6);
        return v->u.i ? 4 : 5;
    case RT_DATE:
        date_format((int32_t)v->u.i, buf);
        return strlen(buf);
    case RT_ENUM:
    case RT_STAGE:
        if (!col->en || v->u.i < 0 || v->u.i >= col->en->n) return 0;
        {
            size_t n = strlen(col->en->members[v->u.i]);
            if (n >= cap) n = cap - 1;
            memcpy(buf, col->en->members[v->u.i], n);
            buf[n] = '\0';
            return n;
        }
    default:
        return 0;
    }
}

/* The text of one cell (not for the key). */
static size_t cell_text(Writer *w, const Col *col, const Value *regs, char *buf, size_t cap)
{
    const Value *v = col->reg >= 0 ? &regs[col->reg] : NULL;
    switch (col->kind) {
    case COL_NUM:
        return (size_t)wr_format_number(v->u.num, buf);
    case COL_BOOL:
        if (v->u.i) {
            memcpy(buf, "true", 5);
            return 4;
        }
        memcpy(buf, "false", 6);
        return 5;
    case COL_ENUM:
        if (v->missing || !col->en || v->u.i < 0 || v->u.i >= col->en->n) return 0;
        {
            const char *m = col->en->members[v->u.i];
            size_t n = strlen(m);
            if (n >= cap) n = cap - 1;
            memcpy(buf, m, n);
            buf[n] = '\0';
            return n;
        }
    case COL_ENTS:
    case COL_FLAGS: {
        int n = col->kind == COL_ENTS ? w->nents : w->nflags;
        int *regs_ = col->kind == COL_ENTS ? w->ents : w->flags;
        const char **names = col->kind == COL_ENTS ? w->ent_names : w->flag_names;
        size_t used = 0;
        buf[0] = '\0';
        for (int i = 0; i < n; i++) {
            if (!regs[regs_[i]].u.i) continue;
            size_t len = strlen(names[i]);
            if (used + len + 2 >= cap) break;
            if (used) buf[used++] = ';';
            memcpy(buf + used, names[i], len);
            used += len;
            buf[used] = '\0';
        }
        return used;
    }
    default:
        return 0;
    }
}

/* A typed value (a record field, a term) for people: a number by its type
 * (money 1,250.00, percent 12.5%, int 1,250), a string as it is (cut to
 * cap), the rest as in CSV. */
static size_t value_table_text(const Col *col, const Value *v, char *buf, size_t cap)
{
    NumStyle st = col->fkind == RT_MONEY ? NUM_MONEY : col->fkind == RT_PERCENT ? NUM_PERCENT
                : col->fkind == RT_INT ? NUM_INT : NUM_PLAIN;
    if (!v->missing && (col->fkind == RT_MONEY || col->fkind == RT_PERCENT
                        || col->fkind == RT_INT || col->fkind == RT_NUMBER))
        return num_format(v->u.num, st, buf, cap);
    if (!v->missing && col->fkind == RT_STRING) {
        size_t n = v->len < cap ? v->len : cap - 1;
        memcpy(buf, v->u.str, n);
        buf[n] = '\0';
        return n;
    }
    return field_text(col, v, buf, cap, true);
}

/* The table's entitlements cell when the policy has terms: each
 * entitlement that holds, its terms after it by label, as in
 * "dedicated_manager;priority_support (SLA hours 4)". A term with no value
 * is left out. Cut short (at a whole entitlement or term) to cap. */
static size_t ents_with_terms(Writer *w, const Value *regs, char *buf, size_t cap)
{
    size_t used = 0;
    char val[NUM_TEXT_MAX];
    buf[0] = '\0';
    for (int k = 0; k < w->nents; k++) {
        if (!regs[w->ents[k]].u.i) continue;
        if (used + w->ent_len[k] + 2 >= cap) break;
        if (used) buf[used++] = ';';
        memcpy(buf + used, w->ent_names[k], w->ent_len[k]);
        used += w->ent_len[k];
        int shown = 0;
        for (int t = 0; t < w->ent_out[k]->nterms; t++) {
            const Col *term = &w->terms[w->term_at[k] + t];
            const Value *v = &regs[term->reg];
            if (v->missing) continue;
            size_t n = value_table_text(term, v, val, sizeof val);
            size_t llen = strlen(term->label);
            if (used + llen + n + 5 >= cap) break;
            memcpy(buf + used, shown ? ", " : " (", 2);
            used += 2;
            memcpy(buf + used, term->label, llen);
            used += llen;
            buf[used++] = ' ';
            memcpy(buf + used, val, n);
            used += n;
            shown++;
        }
        if (shown) buf[used++] = ')';
        buf[used] = '\0';
    }
    return used;
}

/* The text of one cell of the table: for people, so a number is grouped
 * and rounded as base/numfmt.h says (a score is a plain number: 72.5,
 * 1,250; a record field by its type); the rest as in CSV, but for terms,
 * shown in the entitlements cell. */
static size_t table_cell_text(Writer *w, const Col *col, const Value *regs, char *buf, size_t cap)
{
    if (col->kind == COL_NUM) return num_format(regs[col->reg].u.num, NUM_PLAIN, buf, cap);
    if (col->kind == COL_FIELD) return value_table_text(col, &regs[col->reg], buf, cap);
    if (col->kind == COL_ENTS && w->nterms) return ents_with_terms(w, regs, buf, cap);
    return cell_text(w, col, regs, buf, cap);
}

/* Keeps a cell of the table, its control characters escaped (the table is
 * for terminals; a key from the data may hold anything). */
static void add_cell(Writer *w, int col, const char *s, size_t n)
{
    if (w->ncells == w->capcells) {
        w->capcells = w->capcells ? w->capcells * 2 : 256;
        w->cells = xrealloc(w->cells, sizeof(char *) * w->capcells);
    }
    char *copy = xmalloc(4 * n + 1);   /* at most \xHH for each byte */
    wr_display(s, n, copy, 4 * n + 1);
    n = strlen(copy);
    s = copy;
    bool header = w->ncells < (size_t)w->ncols;
    w->cells[w->ncells++] = copy;
    int width = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80) width++;
    if (width > w->width[col]) w->width[col] = width;
    if (!header && width > w->vwidth[col]) w->vwidth[col] = width;
}

/* Appends s to o (no quoting needed: names and numbers). */
static inline char *emit(char *o, const char *s, size_t n)
{
    if (n >= 8 && n <= 16) {        /* keys and names: two moves, no call */
        memcpy(o, s, 8);
        memcpy(o + n - 8, s + n - 8, 8);
        return o + n;
    }
    memcpy(o, s, n);
    return o + n;
}

/* Whether s[0..n) may hold a byte below '-' (0x2D): each byte a CSV field
 * is quoted for (',', '"', CR, LF) is one, and keys seldom hold any. Eight
 * bytes at a time: a byte b < 0x2D (so below 0x80) borrows in b - 0x2D and
 * keeps its top bit in ~b, so none is missed; a borrow carried into the
 * next byte may flag it too, which only costs the caller a closer look. */
static inline bool may_need_quotes(const char *s, size_t n)
{
    const uint64_t ones = 0x0101010101010101ull, tops = 0x8080808080808080ull;
    if (n < 8) {
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)s[i] < 0x2D) return true;
        return false;
    }
    uint64_t x, acc = 0;
    for (size_t i = 0; i + 8 <= n; i += 8) {
        memcpy(&x, s + i, 8);
        acc |= (x - ones * 0x2D) & ~x & tops;
    }
    memcpy(&x, s + n - 8, 8);       /* the last eight, which may overlap */
    acc |= (x - ones * 0x2D) & ~x & tops;
    return acc != 0;
}

/* Appends data text to o as a CSV field (room for 2n + 2 bytes), quoted
 * when it holds a comma, quote or line break. */
static char *emit_csv(char *o, const char *s, size_t n)
{
    if (!may_need_quotes(s, n)) return emit(o, s, n);
    bool quote = false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == ',' || c == '"' || c == '\n' || c == '\r') {
            quote = true;
            break;
        }
    }
    if (!quote) return emit(o, s, n);
    *o++ = '"';
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"') *o++ = '"';
        *o++ = s[i];
    }
    *o++ = '"';
    return o;
}

/* A name a CSV row may write (a member, an entitlement, a flag), kept with
 * NAME_PAD bytes after it (Writer.names), so that a short one is copied
 * as NAME_PAD bytes in one move. */
typedef struct CsvName {
    const char *s;
    size_t len;
} CsvName;

static inline char *emit_name(char *o, const CsvName *nm)
{
    if (nm->len <= NAME_PAD) memcpy(o, nm->s, NAME_PAD);    /* the buffer has the slack */
    else memcpy(o, nm->s, nm->len);
    return o + nm->len;
}

/* What a CSV column after the key writes (csv_plan). CO_V...: a typed
 * value (a record field, a term, a tier or stage), nothing when missing. */
typedef enum {
    CO_NUM,         /* a score: kam's form (wr_format_number) */
    CO_BOOL,        /* true or false */
    CO_SET,         /* the entitlements or flags that hold, ';'-joined */
    CO_VNUM,        /* a term's number: kam's form */
    CO_VEXACT,      /* a record field's number: in full (exact_number) */
    CO_VBOOL,
    CO_VDATE,       /* YYYY-MM-DD */
    CO_VNAME,       /* a member's name (nothing for a number out of range) */
    CO_VSTR,        /* data text, quoted when it must be */
    CO_EMPTY,       /* nothing: a value of no other kind */
} CsvOpKind;

/* One column of a CSV row after the key, decided once: the register it
 * reads, what it writes, and the names it may write. */
typedef struct CsvOp {
    CsvOpKind kind;
    int reg;
    int n;                  /* CO_VNAME: members; CO_SET: entitlements or flags */
    const int *regs;        /* CO_SET: theirs */
    const CsvName *names;   /* CO_VNAME: by member; CO_SET: by entry */
    const Value *v;         /* the register in Writer.bound */
    const Value **vs;       /* CO_SET: the registers in Writer.bound */
} CsvOp;

/* The op for column col; *nnames and *bytes grow by the names it needs.
 * With lay the names are also laid out: copied to w->names from *bytes
 * on, their entries at w->name_at + *nnames. */
static CsvOp csv_op(Writer *w, const Col *col, size_t *nnames, size_t *bytes, bool lay)
{
    CsvOp op = {CO_EMPTY, col->reg >= 0 ? col->reg : 0, 0, NULL, NULL, NULL, NULL};
    const char *const *names = NULL;
    if (col->kind == COL_NUM) {
        op.kind = CO_NUM;
    } else if (col->kind == COL_BOOL) {
        op.kind = CO_BOOL;
    } else if (col->kind == COL_ENUM) {
        op.kind = CO_VNAME;
        if (col->en) {
            op.n = col->en->n;
            names = (const char *const *)col->en->members;
        }
    } else if (col->kind == COL_ENTS || col->kind == COL_FLAGS) {
        op.kind = CO_SET;
        op.n = col->kind == COL_ENTS ? w->nents : w->nflags;
        op.regs = col->kind == COL_ENTS ? w->ents : w->flags;
        names = col->kind == COL_ENTS ? w->ent_names : w->flag_names;
    } else if (is_value(col)) {
        switch (col->fkind) {
        case RT_STRING: op.kind = CO_VSTR; break;
        case RT_PERCENT:
        case RT_NUMBER:
        case RT_MONEY:
        case RT_INT: op.kind = col->kind == COL_TERM ? CO_VNUM : CO_VEXACT; break;
        case RT_BOOL: op.kind = CO_VBOOL; break;
        case RT_DATE: op.kind = CO_VDATE; break;
        case RT_ENUM:
        case RT_STAGE:
            op.kind = CO_VNAME;
            if (col->en) {
                op.n = col->en->n;
                names = (const char *const *)col->en->members;
            }
            break;
        default: break;
        }
    }
    if (names && lay) op.names = w->name_at + *nnames;
    for (int k = 0; names && k < op.n; k++) {
        size_t len = strlen(names[k]);
        if (lay) {
            char *at = w->names + *bytes;
            memcpy(at, names[k], len);
            w->name_at[*nnames + (size_t)k] = (CsvName){at, len};
        }
        *bytes += len + NAME_PAD;
    }
    if (names) *nnames += (size_t)op.n;
    return op;
}

/* The plan of a CSV row (wr_open): an op per column after the key. */
static void csv_plan(Writer *w)
{
    size_t nnames = 0, bytes = 0;
    for (int i = 1; i < w->ncols; i++) (void)csv_op(w, &w->cols[i], &nnames, &bytes, false);
    w->names = xcalloc(bytes + 1, 1);
    w->name_at = xcalloc(nnames + 1, sizeof *w->name_at);
    w->plan = xcalloc((size_t)w->ncols, sizeof *w->plan);
    nnames = bytes = 0;
    size_t nsets = 0;
    for (int i = 1; i < w->ncols; i++) {
        w->plan[w->nplan] = csv_op(w, &w->cols[i], &nnames, &bytes, true);
        if (w->plan[w->nplan].kind == CO_SET) nsets += (size_t)w->plan[w->nplan].n;
        w->nplan++;
    }
    w->bound_vs = xcalloc(nsets + 1, sizeof *w->bound_vs);
    for (int k = 0, at = 0; k < w->nplan; k++)
        if (w->plan[k].kind == CO_SET) {
            w->plan[k].vs = w->bound_vs + at;
            at += w->plan[k].n;
        }
}

/* Points the plan's ops at their registers in regs (the VM's registers
 * stay where they are from record to record: this is done once). */
static void csv_bind(Writer *w, const Value *regs)
{
    for (int k = 0; k < w->nplan; k++) {
        CsvOp *op = &w->plan[k];
        op->v = &regs[op->reg];
        for (int e = 0; op->kind == CO_SET && e < op->n; e++) op->vs[e] = &regs[op->regs[e]];
    }
    w->bound = regs;
}

/* A number in kam's form, or in full (exact_number), at o. */
static inline char *emit_number(char *o, double v, bool exact)
{
    bool sure;
    int n = format_number(v, o, &sure);
    if (exact && !sure && isfinite(v) && strtod(o, NULL) != v) n = snprintf(o, 32, "%.17g", v);
    return o + n;
}

/* A CSV row too long for the buffer (a huge key or field): put by put. */
static __attribute__((noinline)) void csv_record_long(Writer *w, const Value *regs,
                                                      const char *key, size_t keylen)
{
    put_csv(w, key, keylen);
    char buf[4096];
    for (int i = 1; i < w->ncols; i++) {
        const Col *col = &w->cols[i];
        const Value *v = &regs[col->reg >= 0 ? col->reg : 0];
        put(w, ",", 1);
        if (is_value(col) && col->fkind == RT_STRING) {
            if (!v->missing) put_csv(w, v->u.str, v->len);
            continue;
        }
        size_t n = is_value(col) ? field_text(col, v, buf, sizeof buf, false)
                                 : cell_text(w, col, regs, buf, sizeof buf);
        put_csv(w, buf, n);
    }
    put(w, "\n", 1);
}

/* One CSV row written straight into the buffer by the plan: the hot path
 * of kam run. Only the key and string fields can need quoting; names of
 * members, entitlements and flags are identifiers. */
static void csv_record(Writer *w, const Value *regs, const char *key, size_t keylen)
{
    size_t need = keylen * 2 + 4 + w->row_max;
    for (int k = 0; k < w->nstrcols; k++) {
        const Value *v = &regs[w->cols[w->strcols[k]].reg];
        if (!v->missing) need += 2 * (size_t)v->len + 2;
    }
    if (w->used + need > BUF_SIZE) {
        flush(w);
        if (need > BUF_SIZE) {
            csv_record_long(w, regs, key, keylen);
            return;
        }
    }
    if (regs != w->bound) csv_bind(w, regs);
    char *o = w->buf + w->used;
    o = may_need_quotes(key, keylen) ? emit_csv(o, key, keylen) : emit(o, key, keylen);
    for (const CsvOp *op = w->plan, *end = op + w->nplan; op < end; op++) {
        *o++ = ',';
        const Value *v = op->v;
        switch (op->kind) {
        case CO_VNUM:
            if (v->missing) break;
            /* fall through */
        case CO_NUM:
            o = emit_number(o, v->u.num, false);
            break;
        case CO_VEXACT:
            if (!v->missing) o = emit_number(o, v->u.num, true);
            break;
        case CO_VBOOL:
            if (v->missing) break;
            /* fall through */
        case CO_BOOL:
            memcpy(o, v->u.i ? "true," : "false", 5);   /* the comma is written over */
            o += v->u.i ? 4 : 5;
            break;
        case CO_VDATE:
            if (v->missing) break;
            date_format((int32_t)v->u.i, o);
            o += 10;
            break;
        case CO_VNAME:
            if (!v->missing && (uint64_t)v->u.i < (uint64_t)op->n)
                o = emit_name(o, &op->names[v->u.i]);
            break;
        case CO_VSTR:
            if (!v->missing) o = emit_csv(o, v->u.str, v->len);
            break;
        case CO_SET: {      /* (locals: the stores through o may alias op) */
            char *start = o;
            const Value *const *vs = op->vs;
            const CsvName *names = op->names;
            for (int k = 0, n = op->n; k < n; k++)
                if (vs[k]->u.i) {
                    o = emit_name(o, &names[k]);
                    *o++ = ';';
                }
            if (o != start) o--;        /* the last ';' */
            break;
        }
        case CO_EMPTY:
            break;
        default:
            __builtin_unreachable();    /* every kind is above: no range check */
        }
    }
    *o++ = '\n';
    w->used = (size_t)(o - w->buf);
}

/* One row of the workbook: typed cells. */
static void xlsx_record(Writer *w, const Value *regs, const char *key, size_t keylen, long line)
{
    XlBook *b = w->xl;
    char buf[4096];
    if (key) xl_text(b, 0, key, keylen);
    else xl_number(b, 0, (double)line, XL_GENERAL);
    for (int i = 1; i < w->ncols; i++) {
        const Col *col = &w->cols[i];
        const Value *v = col->reg >= 0 ? &regs[col->reg] : NULL;
        switch (col->kind) {
        case COL_NUM:
            xl_number(b, i, v->u.num, XL_GENERAL);
            break;
        case COL_BOOL:
            xl_bool(b, i, v->u.i != 0);
            break;
        case COL_FIELD:
        case COL_TERM:
            if (v->missing) break;
            switch (col->fkind) {
            case RT_NUMBER: xl_number(b, i, v->u.num, XL_GENERAL); break;
            case RT_INT: xl_number(b, i, v->u.num, XL_INT); break;
            case RT_MONEY: xl_number(b, i, v->u.num, XL_MONEY); break;
            case RT_PERCENT: xl_number(b, i, v->u.num, XL_PERCENT); break;
            case RT_BOOL: xl_bool(b, i, v->u.i != 0); break;
            case RT_DATE: xl_date(b, i, (int32_t)v->u.i); break;
            case RT_STRING: xl_text(b, i, v->u.str, v->len); break;
            default: {
                size_t n = field_text(col, v, buf, sizeof buf, false);
                if (n) xl_text(b, i, buf, n);
            }
            }
            break;
        default: {      /* tiers, stages, entitlements and flags: text */
            size_t n = cell_text(w, col, regs, buf, sizeof buf);
            if (n) xl_text(b, i, buf, n);
        }
        }
    }
    xl_end_row(b);
}

/* A typed value (record field, term) in JSON: null when missing. */
static void json_field(Writer *w, const Col *col, const Value *v)
{
    char buf[4096];
    if (v->missing) {
        puts_(w, "null");
        return;
    }
    if (col->fkind == RT_STRING) {
        put_json_string(w, v->u.str, v->len);
        return;
    }
    size_t n = field_text(col, v, buf, sizeof buf, false);
    if (col->fkind == RT_DATE || col->fkind == RT_ENUM || col->fkind == RT_STAGE)
        put_json_string(w, buf, n);
    else
        put(w, buf, n);
}

/* wr_record for the formats other than CSV. */
static __attribute__((noinline)) void other_record(Writer *w, const Value *regs, const char *key,
                                                   size_t keylen, long line)
{
    char buf[4096], lbuf[32];
    if (w->fmt == FMT_XLSX) {
        xlsx_record(w, regs, key, keylen, line);
        return;
    }
    if (!key) {
        keylen = (size_t)snprintf(lbuf, sizeof lbuf, "%ld", line);
        key = lbuf;
    }
    if (w->fmt == FMT_TABLE) {
        if (w->ncells == 0)
            for (int i = 0; i < w->ncols; i++) add_cell(w, i, w->cols[i].name, strlen(w->cols[i].name));
        add_cell(w, 0, key, keylen);
        for (int i = 1; i < w->ncols; i++) {
            const Col *col = &w->cols[i];
            if (col->kind == COL_FIELD && col->fkind == RT_STRING) {
                const Value *v = &regs[col->reg];
                add_cell(w, i, v->missing ? "" : v->u.str, v->missing ? 0 : v->len);
                continue;
            }
            size_t n = table_cell_text(w, col, regs, buf, sizeof buf);
            add_cell(w, i, buf, n);
        }
        return;
    }
    /* JSON Lines */
    put(w, "{", 1);
    for (int i = 0; i < w->ncols; i++) {
        const Col *col = &w->cols[i];
        if (i) put(w, ",", 1);
        put_json_string(w, col->name, strlen(col->name));
        put(w, ":", 1);
        if (col->kind == COL_KEY) {
            if (key == lbuf) put(w, key, keylen);
            else put_json_string(w, key, keylen);
        } else if (col->kind == COL_FIELD) {
            json_field(w, col, &regs[col->reg]);
        } else if (col->kind == COL_TERMS) {     /* {"ent": {"term": value}} */
            put(w, "{", 1);
            bool first = true;
            for (int k = 0; k < w->nents; k++) {
                if (!regs[w->ents[k]].u.i || !w->ent_out[k]->nterms) continue;
                if (!first) put(w, ",", 1);
                first = false;
                put_json_string(w, w->ent_names[k], w->ent_len[k]);
                put(w, ":{", 2);
                for (int t = 0; t < w->ent_out[k]->nterms; t++) {
                    const Col *term = &w->terms[w->term_at[k] + t];
                    if (t) put(w, ",", 1);
                    put_json_string(w, w->ent_out[k]->terms[t].name, strlen(w->ent_out[k]->terms[t].name));
                    put(w, ":", 1);
                    json_field(w, term, &regs[term->reg]);
                }
                put(w, "}", 1);
            }
            put(w, "}", 1);
        } else if (col->kind == COL_ENTS || col->kind == COL_FLAGS) {
            int n = col->kind == COL_ENTS ? w->nents : w->nflags;
            int *r = col->kind == COL_ENTS ? w->ents : w->flags;
            const char **names = col->kind == COL_ENTS ? w->ent_names : w->flag_names;
            put(w, "[", 1);
            bool first = true;
            for (int k = 0; k < n; k++) {
                if (!regs[r[k]].u.i) continue;
                if (!first) put(w, ",", 1);
                first = false;
                put_json_string(w, names[k], strlen(names[k]));
            }
            put(w, "]", 1);
        } else if (col->kind == COL_ENUM) {
            size_t n = cell_text(w, col, regs, buf, sizeof buf);
            if (regs[col->reg].missing) puts_(w, "null");
            else put_json_string(w, buf, n);
        } else {
            size_t n = cell_text(w, col, regs, buf, sizeof buf);
            put(w, buf, n);
        }
    }
    put(w, "}\n", 2);
}

void wr_record(Writer *w, const Value *regs, const char *key, size_t keylen, long line)
{
    if (w->fmt != FMT_CSV) {
        other_record(w, regs, key, keylen, line);
        return;
    }
    char lbuf[32];
    if (!key) {
        keylen = line >= 0 ? (size_t)(put_uint(lbuf, (uint64_t)line) - lbuf)
                           : (size_t)snprintf(lbuf, sizeof lbuf, "%ld", line);
        key = lbuf;
    }
    csv_record(w, regs, key, keylen);
}

/* How narrow the table may make column i: the key never narrows (it is
 * what the reader looks up); numbers, dates and booleans keep their values
 * whole, since a cut number reads as another number (37,911,5… is not
 * 37,911,500.00), though their header may be cut; the rest keep MIN_FIT. */
static int fit_floor(const Writer *w, int i)
{
    const Col *col = &w->cols[i];
    bool whole = col->kind == COL_NUM || col->kind == COL_BOOL;
    if (is_value(col)) {
        RtKind k = col->fkind;
        whole = k == RT_INT || k == RT_NUMBER || k == RT_MONEY || k == RT_PERCENT || k == RT_DATE
             || k == RT_BOOL;
    }
    if (i == 0) return w->width[0];
    if (whole) return w->vwidth[i] > MIN_FIT ? w->vwidth[i] : MIN_FIT;
    return MIN_FIT;
}

/* Narrows the table's columns until a line fits w->fit: of the columns
 * still above their floor (fit_floor), the widest first, down to the next
 * widest or its floor, and so on. A table that cannot fit keeps every
 * column at its floor. */
static void fit_columns(Writer *w)
{
    long total = 2L * (w->ncols - 1);
    for (int i = 0; i < w->ncols; i++) total += w->width[i];
    while (total > w->fit) {
        int top = 0, count = 0, next = 0;
        for (int i = 1; i < w->ncols; i++)
            if (w->width[i] > fit_floor(w, i) && w->width[i] > top) top = w->width[i];
        if (!top) break;
        for (int i = 1; i < w->ncols; i++) {
            if (w->width[i] <= fit_floor(w, i)) continue;
            if (w->width[i] == top) {
                count++;
                if (fit_floor(w, i) > next) next = fit_floor(w, i);   /* no lower than a floor */
            } else if (w->width[i] > next) {
                next = w->width[i];
            }
        }
        long excess = total - w->fit, room = (long)(top - next) * count;
        long cut = excess < room ? excess : room;   /* taken from the widest, evenly */
        if (cut <= 0) break;
        for (int i = 1; i < w->ncols && cut > 0; i++) {
            if (w->width[i] != top || w->width[i] <= fit_floor(w, i)) continue;
            long each = (cut + count - 1) / count;
            count--;
            w->width[i] -= (int)each;
            cut -= each;
            total -= each;
        }
    }
}

/* A table cell, cut to width characters with '…' at the end if longer. */
static void put_cell(Writer *w, const char *s, int width, bool last)
{
    int chars = 0;
    size_t cut = 0, n = strlen(s);
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80) {
            if (chars == width - 1) cut = i;
            chars++;
        }
    if (chars > width) {
        put(w, s, cut);
        put(w, "\xE2\x80\xA6", 3);
        chars = width;
    } else {
        put(w, s, n);
    }
    for (int k = chars; !last && k < width + 2; k++) put(w, " ", 1);
}

void wr_raw(Writer *w, const char *bytes, size_t n)
{
    /* a block of rows (a worker's buffer, 1 MiB) goes out as it is, after
       what is buffered: copying it into the buffer first cost a copy of
       every byte of kam run -j's output */
    if (n >= RAW_DIRECT) {
        flush(w);
        if (fwrite(bytes, 1, n, w->out) != n) w->failed = true;
        return;
    }
    put(w, bytes, n);
}

void wr_adopt(Writer *w, Writer *part)
{
    if (w->fmt != FMT_TABLE || part->fmt != FMT_TABLE || part->ncells <= (size_t)part->ncols) return;
    size_t nc = (size_t)w->ncols, rows = part->ncells - nc;
    if (w->ncells == 0)
        for (int i = 0; i < w->ncols; i++) add_cell(w, i, w->cols[i].name, strlen(w->cols[i].name));
    if (w->ncells + rows > w->capcells) {
        while (w->ncells + rows > w->capcells) w->capcells = w->capcells ? w->capcells * 2 : 256;
        w->cells = xrealloc(w->cells, sizeof(char *) * w->capcells);
    }
    memcpy(w->cells + w->ncells, part->cells + nc, sizeof(char *) * rows);
    w->ncells += rows;
    part->ncells = nc;          /* its header stays, freed by its wr_close */
    for (int i = 0; i < w->ncols; i++) {
        if (part->vwidth[i] > w->width[i]) w->width[i] = part->vwidth[i];
        if (part->vwidth[i] > w->vwidth[i]) w->vwidth[i] = part->vwidth[i];
    }
}

int wr_close(Writer *w, char *err, size_t errlen)
{
    if (err && errlen) err[0] = '\0';
    if (w->fmt == FMT_TABLE && w->ncells) {
        if (w->fit > 0) fit_columns(w);
        size_t rows = w->ncells / (size_t)w->ncols;
        for (size_t r = 0; r < rows; r++) {
            for (int i = 0; i < w->ncols; i++)
                put_cell(w, w->cells[r * (size_t)w->ncols + (size_t)i], w->width[i], i == w->ncols - 1);
            put(w, "\n", 1);
        }
    }
    flush(w);
    if (w->xl && xl_close(w->xl, w->out, w->err, sizeof w->err) != 0) w->failed = true;
    if (fflush(w->out) != 0) w->failed = true;
    int rc = w->failed || ferror(w->out) ? -1 : 0;
    if (rc && err && errlen) snprintf(err, errlen, "%s", w->err);
    for (size_t i = 0; i < w->ncells; i++) free(w->cells[i]);
    free(w->cells);
    free(w->width);
    free(w->vwidth);
    free(w->ent_len);
    free(w->flag_len);
    free(w->cols);
    free(w->ents);
    free(w->flags);
    free(w->ent_names);
    free(w->flag_names);
    for (int i = 0; i < w->nterms; i++) free(w->term_names[i]);
    free(w->term_names);
    free(w->terms);
    free(w->term_at);
    free(w->ent_out);
    free(w->strcols);
    free(w->plan);
    free(w->bound_vs);
    free(w->names);
    free(w->name_at);
    free(w->buf);
    free(w);
    return rc;
}
