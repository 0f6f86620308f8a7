/* writer.c — formatting outcomes (see writer.h). The table format keeps
 * every row to align the columns, so it is meant for terminals, and shows
 * numbers for people (base/numfmt.h); CSV and JSON Lines stream and keep
 * every digit. */
#include "writer.h"
#include "../base/numfmt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { BUF_SIZE = 1 << 16 };

typedef enum { COL_KEY, COL_NUM, COL_BOOL, COL_ENUM, COL_ENTS, COL_FLAGS } ColKind;

typedef struct Col {
    const char *name;
    ColKind kind;
    int reg;
    const RtEnum *en;
} Col;

struct Writer {
    FILE *out;
    OutFormat fmt;
    const Chunk *c;
    Col *cols;
    int ncols;
    int *ents, *flags;      /* registers */
    const char **ent_names, **flag_names;
    size_t *ent_len, *flag_len;
    size_t *member_len[64]; /* per column (< 64): lengths of its enum's members */
    size_t row_max;         /* the most a row other than its key can take */
    int nents, nflags;
    char *buf;
    size_t used;
    bool failed;
    /* table: every cell, row-major, and the column widths */
    char **cells;
    size_t ncells, capcells;
    int *width;
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

int wr_format_number(double v, char *buf)
{
    if (v == 0) {
        buf[0] = '0';
        buf[1] = '\0';
        return 1;
    }
    if (fabs(v) <= 9007199254740992.0 && v == floor(v)) {  /* every int, in full */
        unsigned long long u = (unsigned long long)fabs(v);
        char tmp[24];
        int n = 0;
        while (u) {
            tmp[n++] = (char)('0' + u % 10);
            u /= 10;
        }
        int k = 0;
        if (v < 0) buf[k++] = '-';
        while (n) buf[k++] = tmp[--n];
        buf[k] = '\0';
        return k;
    }
    return snprintf(buf, 32, "%.15g", v);
}

Writer *wr_open(FILE *out, OutFormat fmt, const Chunk *c)
{
    Writer *w = xcalloc(1, sizeof *w);
    w->out = out;
    w->fmt = fmt;
    w->c = c;
    w->buf = xmalloc(BUF_SIZE);
    const Schema *sch = c->schema;
    w->cols = xcalloc((size_t)c->nouts + 3, sizeof(Col));
    w->ents = xcalloc((size_t)c->nouts + 1, sizeof(int));
    w->flags = xcalloc((size_t)c->nouts + 1, sizeof(int));
    w->ent_names = xcalloc((size_t)c->nouts + 1, sizeof(char *));
    w->flag_names = xcalloc((size_t)c->nouts + 1, sizeof(char *));
    Col key = {sch->key_field >= 0 ? sch->fields[sch->key_field].name : "line", COL_KEY, -1, NULL};
    w->cols[w->ncols++] = key;
    for (int i = 0; i < c->nouts; i++) {
        const ChunkOut *o = &c->outs[i];
        if (o->kind == OUT_ENTITLE) {
            w->ent_names[w->nents] = o->name;
            w->ents[w->nents++] = o->reg;
        } else if (o->kind == OUT_FLAG) {
            w->flag_names[w->nflags] = o->name;
            w->flags[w->nflags++] = o->reg;
        } else {
            Col col = {o->name, o->kind == OUT_NUM ? COL_NUM : o->kind == OUT_BOOL ? COL_BOOL
                                                                                   : COL_ENUM,
                       o->reg, o->en};
            w->cols[w->ncols++] = col;
        }
    }
    Col ents = {"entitlements", COL_ENTS, -1, NULL};
    Col flags = {"flags", COL_FLAGS, -1, NULL};
    w->cols[w->ncols++] = ents;
    w->cols[w->ncols++] = flags;
    w->width = xcalloc((size_t)w->ncols, sizeof(int));
    w->ent_len = xcalloc((size_t)w->nents + 1, sizeof(size_t));
    w->flag_len = xcalloc((size_t)w->nflags + 1, sizeof(size_t));
    w->row_max = 64;
    for (int i = 0; i < w->nents; i++) w->row_max += (w->ent_len[i] = strlen(w->ent_names[i])) + 1;
    for (int i = 0; i < w->nflags; i++) w->row_max += (w->flag_len[i] = strlen(w->flag_names[i])) + 1;
    for (int i = 0; i < w->ncols; i++) {       /* every column: its widest cell */
        const RtEnum *en = w->cols[i].en;
        size_t longest = 0;
        if (en && w->cols[i].kind == COL_ENUM) {
            if (i < 64) w->member_len[i] = xcalloc((size_t)en->n + 1, sizeof(size_t));
            for (int m = 0; m < en->n; m++) {
                size_t len = strlen(en->members[m]);
                if (i < 64) w->member_len[i][m] = len;
                if (len > longest) longest = len;
            }
        }
        w->row_max += 40 + longest;
    }
    if (fmt == FMT_CSV) {
        for (int i = 0; i < w->ncols; i++) {
            if (i) put(w, ",", 1);
            puts_(w, w->cols[i].name);
        }
        put(w, "\n", 1);
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
    fputs(prefix, out);
    const unsigned char *u = (const unsigned char *)s;
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        size_t len;
        char esc[9];
        const char *e = display_escape(u + i, n - i, &len, esc);
        if (e) fputs(e, out);
        else fwrite(s + i, 1, len, out);
        i += len;
    }
    fputc('\n', out);
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

/* The text of one cell of the table: for people, so a number is grouped
 * and rounded as base/numfmt.h says (a score is a plain number: 72.5,
 * 1,250); the rest as in CSV. */
static size_t table_cell_text(Writer *w, const Col *col, const Value *regs, char *buf, size_t cap)
{
    if (col->kind == COL_NUM) return num_format(regs[col->reg].u.num, NUM_PLAIN, buf, cap);
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
    w->cells[w->ncells++] = copy;
    int width = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80) width++;
    if (width > w->width[col]) w->width[col] = width;
}

/* Appends s to o (no quoting needed: names and numbers). */
static inline char *emit(char *o, const char *s, size_t n)
{
    memcpy(o, s, n);
    return o + n;
}

/* One CSV row written straight into the buffer: the hot path of kam run.
 * Only the key can need quoting; names of members, entitlements and flags
 * are identifiers. */
static void csv_record(Writer *w, const Value *regs, const char *key, size_t keylen)
{
    size_t need = keylen * 2 + 4 + w->row_max;
    if (w->used + need > BUF_SIZE) {
        flush(w);
        if (need > BUF_SIZE) {          /* a huge key: the general path */
            put_csv(w, key, keylen);
            char buf[4096];
            for (int i = 1; i < w->ncols; i++) {
                put(w, ",", 1);
                size_t n = cell_text(w, &w->cols[i], regs, buf, sizeof buf);
                put_csv(w, buf, n);
            }
            put(w, "\n", 1);
            return;
        }
    }
    char *o = w->buf + w->used;
    bool quote = false;
    for (size_t i = 0; i < keylen; i++) {
        char c = key[i];
        if (c == ',' || c == '"' || c == '\n' || c == '\r') {
            quote = true;
            break;
        }
    }
    if (quote) {
        *o++ = '"';
        for (size_t i = 0; i < keylen; i++) {
            if (key[i] == '"') *o++ = '"';
            *o++ = key[i];
        }
        *o++ = '"';
    } else {
        o = emit(o, key, keylen);
    }
    for (int i = 1; i < w->ncols; i++) {
        const Col *col = &w->cols[i];
        *o++ = ',';
        const Value *v = col->reg >= 0 ? &regs[col->reg] : NULL;
        switch (col->kind) {
        case COL_NUM:
            o += wr_format_number(v->u.num, o);
            break;
        case COL_BOOL:
            o = v->u.i ? emit(o, "true", 4) : emit(o, "false", 5);
            break;
        case COL_ENUM:
            if (!v->missing && col->en && v->u.i >= 0 && v->u.i < col->en->n)
                o = emit(o, col->en->members[v->u.i],
                         i < 64 ? w->member_len[i][v->u.i] : strlen(col->en->members[v->u.i]));
            break;
        case COL_ENTS:
        case COL_FLAGS: {
            int n = col->kind == COL_ENTS ? w->nents : w->nflags;
            const int *r = col->kind == COL_ENTS ? w->ents : w->flags;
            const char *const *names = col->kind == COL_ENTS ? w->ent_names : w->flag_names;
            const size_t *lens = col->kind == COL_ENTS ? w->ent_len : w->flag_len;
            bool first = true;
            for (int k = 0; k < n; k++) {
                if (!regs[r[k]].u.i) continue;
                if (!first) *o++ = ';';
                first = false;
                o = emit(o, names[k], lens[k]);
            }
            break;
        }
        default:
            break;
        }
    }
    *o++ = '\n';
    w->used = (size_t)(o - w->buf);
}

void wr_record(Writer *w, const Value *regs, const char *key, size_t keylen, long line)
{
    char buf[4096], lbuf[32];
    if (!key) {
        keylen = (size_t)snprintf(lbuf, sizeof lbuf, "%ld", line);
        key = lbuf;
    }
    if (w->fmt == FMT_TABLE) {
        if (w->ncells == 0)
            for (int i = 0; i < w->ncols; i++) add_cell(w, i, w->cols[i].name, strlen(w->cols[i].name));
        add_cell(w, 0, key, keylen);
        for (int i = 1; i < w->ncols; i++) {
            size_t n = table_cell_text(w, &w->cols[i], regs, buf, sizeof buf);
            add_cell(w, i, buf, n);
        }
        return;
    }
    if (w->fmt == FMT_CSV) {
        csv_record(w, regs, key, keylen);
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

int wr_close(Writer *w)
{
    if (w->fmt == FMT_TABLE && w->ncells) {
        size_t rows = w->ncells / (size_t)w->ncols;
        for (size_t r = 0; r < rows; r++) {
            for (int i = 0; i < w->ncols; i++) {
                const char *s = w->cells[r * (size_t)w->ncols + (size_t)i];
                puts_(w, s);
                if (i == w->ncols - 1) break;
                int width = 0;
                for (const char *q = s; *q; q++)
                    if (((unsigned char)*q & 0xC0) != 0x80) width++;
                for (int k = width; k < w->width[i] + 2; k++) put(w, " ", 1);
            }
            put(w, "\n", 1);
        }
    }
    flush(w);
    if (fflush(w->out) != 0) w->failed = true;
    int rc = w->failed || ferror(w->out) ? -1 : 0;
    for (size_t i = 0; i < w->ncells; i++) free(w->cells[i]);
    free(w->cells);
    free(w->width);
    free(w->ent_len);
    free(w->flag_len);
    for (int i = 0; i < 64; i++) free(w->member_len[i]);
    free(w->cols);
    free(w->ents);
    free(w->flags);
    free(w->ent_names);
    free(w->flag_names);
    free(w->buf);
    free(w);
    return rc;
}
