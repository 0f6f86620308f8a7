/* format.c — values formatted for people (see format.h). */
#include "format.h"
#include "../base/date.h"
#include "../runtime/writer.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void fmt_group_thousands(const char *plain, char *buf, size_t len)
{
    num_group_thousands(plain, buf, len);
}

NumStyle fmt_num_style(Type t)
{
    return t.kind == TY_MONEY ? NUM_MONEY : t.kind == TY_PERCENT ? NUM_PERCENT : t.kind == TY_INT ? NUM_INT : NUM_PLAIN;
}

const char *fmt_count(long n, char *buf, size_t len)
{
    num_format((double)n, NUM_INT, buf, len);
    return buf;
}

const char *fmt_count_change(long n, char *buf, size_t len)
{
    num_format_signed((double)n, NUM_INT, buf, len);
    return buf;
}

void ses_format_value(Type t, const Value *v, char *buf, size_t len)
{
    if (v->missing) {
        snprintf(buf, len, "missing");
        return;
    }
    switch (t.kind) {
    case TY_PERCENT:
    case TY_MONEY:
    case TY_INT:
    case TY_NUMBER:
        num_format(v->u.num, fmt_num_style(t), buf, len);
        break;
    case TY_BOOL:
        snprintf(buf, len, "%s", v->u.i ? "true" : "false");
        break;
    case TY_DATE: {
        char db[11];
        date_format((int32_t)v->u.i, db);
        snprintf(buf, len, "%s", db);
        break;
    }
    case TY_ENUM:
    case TY_STAGE:
        snprintf(buf, len, "%s", t.en && v->u.i >= 0 && v->u.i < t.en->n ? t.en->members[v->u.i] : "?");
        break;
    case TY_STRING:
    {
        char shown[4 * 200 + 1];   /* control characters escaped: this is for terminals */
        snprintf(buf, len, "\"%s\"", wr_display(v->u.str, v->len > 200 ? 200 : v->len, shown, sizeof shown));
    }
        break;
    default:
        snprintf(buf, len, "?");
    }
}

/* ------------------------------------ descriptions, terms, display names */

const char *fmt_rule_title(const char *name, const char *desc, char *buf, size_t len)
{
    if (desc && *desc) snprintf(buf, len, "%s (%s)", desc, name);
    else snprintf(buf, len, "%s", name);
    return buf;
}

const char *fmt_term_label(const ChunkTerm *t, char *buf, size_t len)
{
    if (t->label && *t->label) {
        snprintf(buf, len, "%s", t->label);
        return buf;
    }
    snprintf(buf, len, "%s", t->name);
    for (char *p = buf; *p; p++)
        if (*p == '_') *p = ' ';
    return buf;
}

static TypeKind type_of_rt(RtKind k)
{
    switch (k) {
    case RT_INT: return TY_INT;
    case RT_NUMBER: return TY_NUMBER;
    case RT_MONEY: return TY_MONEY;
    case RT_PERCENT: return TY_PERCENT;
    case RT_BOOL: return TY_BOOL;
    case RT_STRING: return TY_STRING;
    case RT_DATE: return TY_DATE;
    default: return TY_ERROR;
    }
}

void fmt_rt_value(RtType t, const Value *v, char *buf, size_t len)
{
    if (v->missing) {
        snprintf(buf, len, "missing");
        return;
    }
    if (t.kind == RT_ENUM || t.kind == RT_STAGE) {
        snprintf(buf, len, "%s", t.en && v->u.i >= 0 && v->u.i < t.en->n ? t.en->members[v->u.i] : "?");
        return;
    }
    ses_format_value(ty_make(type_of_rt(t.kind)), v, buf, len);
}

/* s as a JSON string into buf (cut short if it does not fit). */
static void json_string_into(const char *s, size_t n, char *buf, size_t len)
{
    size_t o = 0;
    if (len < 3) {
        if (len) buf[0] = '\0';
        return;
    }
    buf[o++] = '"';
    for (size_t i = 0; i < n && o + 8 < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            buf[o++] = '\\';
            buf[o++] = (char)c;
        } else if (c < 0x20) {
            o += (size_t)snprintf(buf + o, len - o, "\\u%04x", c);
        } else {
            buf[o++] = (char)c;
        }
    }
    buf[o++] = '"';
    buf[o] = '\0';
}

void fmt_rt_value_json(RtType t, const Value *v, char *buf, size_t len)
{
    if (v->missing) {
        snprintf(buf, len, "null");
        return;
    }
    switch (t.kind) {
    case RT_INT: case RT_NUMBER: case RT_MONEY: case RT_PERCENT: {
        char nb[64];
        if (!isfinite(v->u.num)) snprintf(nb, sizeof nb, "null");
        else wr_format_number(v->u.num, nb);
        snprintf(buf, len, "%s", nb);
        break;
    }
    case RT_BOOL:
        snprintf(buf, len, "%s", v->u.i ? "true" : "false");
        break;
    case RT_DATE: {
        char db[11];
        date_format((int32_t)v->u.i, db);
        snprintf(buf, len, "\"%s\"", db);
        break;
    }
    case RT_ENUM: case RT_STAGE: {
        const char *m = t.en && v->u.i >= 0 && v->u.i < t.en->n ? t.en->members[v->u.i] : "?";
        json_string_into(m, strlen(m), buf, len);
        break;
    }
    case RT_STRING:
        json_string_into(v->u.str, v->len, buf, len);
        break;
    default:
        snprintf(buf, len, "null");
    }
}

const char *fmt_terms_text(const ChunkOut *o, const Value *regs, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int k = 0; o && k < o->nterms && used + 1 < len; k++) {
        char label[200], val[NUM_TEXT_MAX];
        fmt_term_label(&o->terms[k], label, sizeof label);
        fmt_rt_value(o->terms[k].ty, &regs[o->terms[k].reg], val, sizeof val);
        int n = snprintf(buf + used, len - used, "%s%s %s", used ? ", " : "", label, val);
        if (n < 0) break;
        used += (size_t)n;
    }
    return buf;
}

const ChunkOut *fmt_chunk_out(const Chunk *c, const char *name)
{
    for (int i = 0; c && i < c->nouts; i++)
        if (strcmp(c->outs[i].name, name) == 0) return &c->outs[i];
    return NULL;
}

static const char *display_text(const Value *v, char *buf, size_t len)
{
    if (v->missing || !v->len) return NULL;
    return wr_display(v->u.str, v->len, buf, len);
}

const char *fmt_display_name(const Chunk *c, const Value *regs, char *buf, size_t len)
{
    if (!c || c->display_field < 0) return NULL;
    return display_text(&regs[c->field_reg[c->display_field]], buf, len);
}

const char *fmt_display_of(const Chunk *c, const Value *fields, char *buf, size_t len)
{
    if (!c || c->display_field < 0) return NULL;
    return display_text(&fields[c->display_field], buf, len);
}
