/* lsp_json.c — the language server's JSON values (see lsp_json.h). The text
 * is first checked whole by json_validate, so the tree builder below only
 * meets valid JSON; strings are decoded and numbers delimited by the same
 * json_scan_* functions the JSON Lines reader uses. */
#define _POSIX_C_SOURCE 200809L
#include "lsp_json.h"
#include "../base/arena.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *build(JVal *v, const char *p, const char *end, int depth)
{
    JsonError e;
    memset(v, 0, sizeof *v);
    p = json_skip_space(p, end);
    if (p >= end) return NULL;
    if (*p == '"') {
        const char *q = json_scan_string(p, end, NULL, NULL, &e);
        if (!q) return NULL;
        v->kind = JSON_STRING;
        v->str = xmalloc((size_t)(q - p));
        json_scan_string(p, end, v->str, &v->len, &e);
        return q;
    }
    if (*p == '{' || *p == '[') {
        bool obj = *p == '{';
        char close = obj ? '}' : ']';
        if (depth >= LSP_JSON_DEPTH) return NULL;
        v->kind = obj ? JSON_OBJECT : JSON_ARRAY;
        int cap = 0;
        p = json_skip_space(p + 1, end);
        if (p < end && *p == close) return p + 1;
        for (;;) {
            if (v->n == cap) {
                cap = cap ? cap * 2 : 4;
                v->items = xrealloc(v->items, sizeof *v->items * (size_t)cap);
                if (obj) v->keys = xrealloc(v->keys, sizeof *v->keys * (size_t)cap);
            }
            JVal *it = &v->items[v->n];
            if (obj) {
                JVal k;
                p = build(&k, p, end, depth + 1);
                if (!p) return NULL;
                v->keys[v->n] = k.str;
                p = json_skip_space(p, end);
                if (p >= end || *p != ':') {
                    free(k.str);
                    return NULL;
                }
                p++;
            }
            p = build(it, p, end, depth + 1);
            v->n++;
            if (!p) return NULL;
            p = json_skip_space(p, end);
            if (p < end && *p == ',') {
                p++;
                continue;
            }
            if (p < end && *p == close) return p + 1;
            return NULL;
        }
    }
    const char *q;
    if (*p == 't') v->kind = JSON_TRUE, q = p + 4;
    else if (*p == 'f') v->kind = JSON_FALSE, q = p + 5;
    else if (*p == 'n') v->kind = JSON_NULL, q = p + 4;
    else {
        q = json_scan_number(p, end, &e);
        if (!q) return NULL;
        v->kind = JSON_NUMBER;
        v->len = (size_t)(q - p);
        v->str = xmalloc(v->len + 1);
        memcpy(v->str, p, v->len);
        v->str[v->len] = '\0';
    }
    return q <= end ? q : NULL;
}

static void clear(JVal *v)
{
    free(v->str);
    for (int i = 0; i < v->n; i++) {
        clear(&v->items[i]);
        if (v->keys) free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
}

JVal *jv_parse(const char *s, size_t n, char *err, size_t errlen)
{
    if (json_validate(s, n, err, errlen) != 0) return NULL;
    JVal *v = xmalloc(sizeof *v);
    if (!build(v, s, s + n, 0)) {
        clear(v);
        free(v);
        snprintf(err, errlen, "nested deeper than %d arrays and objects", LSP_JSON_DEPTH);
        return NULL;
    }
    return v;
}

void jv_free(JVal *v)
{
    if (!v) return;
    clear(v);
    free(v);
}

const JVal *jv_get(const JVal *v, const char *key)
{
    if (!v || v->kind != JSON_OBJECT) return NULL;
    for (int i = v->n - 1; i >= 0; i--)   /* a duplicate key: the last wins */
        if (strcmp(v->keys[i], key) == 0) return &v->items[i];
    return NULL;
}

const JVal *jv_path(const JVal *v, const char *path)
{
    char key[64];
    while (v && *path) {
        const char *dot = strchr(path, '.');
        size_t n = dot ? (size_t)(dot - path) : strlen(path);
        if (n >= sizeof key) return NULL;
        memcpy(key, path, n);
        key[n] = '\0';
        v = jv_get(v, key);
        path += n + (dot ? 1 : 0);
    }
    return v;
}

const char *jv_str(const JVal *v)
{
    return v && v->kind == JSON_STRING ? v->str : NULL;
}

bool jv_is(const JVal *v, JsonKind k)
{
    return v && v->kind == k;
}

bool jv_int(const JVal *v, long *out)
{
    if (!v || v->kind != JSON_NUMBER) return false;
    const char *p = v->str;
    bool neg = *p == '-';
    if (neg) p++;
    long x = 0;
    for (; *p >= '0' && *p <= '9'; p++) {
        x = x * 10 + (*p - '0');
        if (x > 2147483648L) return false;
    }
    if (*p) return false;   /* a fraction or an exponent */
    if (neg) x = -x;
    if (x > 2147483647L) return false;
    *out = x;
    return true;
}

void jb_put(JBuf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        while (cap < b->n + n + 1) cap *= 2;
        b->s = xrealloc(b->s, cap);
        b->cap = cap;
    }
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = '\0';
}

void jb_puts(JBuf *b, const char *s)
{
    jb_put(b, s, strlen(s));
}

void jb_printf(JBuf *b, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < sizeof tmp) {
        jb_put(b, tmp, (size_t)n);
        return;
    }
    char *big = xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    jb_put(b, big, (size_t)n);
    free(big);
}

void jb_strn(JBuf *b, const char *s, size_t n)
{
    jb_put(b, "\"", 1);
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        jb_put(b, s + run, i - run);
        run = i + 1;
        char esc[8];
        switch (c) {
        case '"': jb_puts(b, "\\\""); break;
        case '\\': jb_puts(b, "\\\\"); break;
        case '\n': jb_puts(b, "\\n"); break;
        case '\t': jb_puts(b, "\\t"); break;
        case '\r': jb_puts(b, "\\r"); break;
        default:
            snprintf(esc, sizeof esc, "\\u%04x", c);
            jb_puts(b, esc);
        }
    }
    jb_put(b, s + run, n - run);
    jb_put(b, "\"", 1);
}

void jb_str(JBuf *b, const char *s)
{
    jb_strn(b, s, strlen(s));
}

void jb_val(JBuf *b, const JVal *v)
{
    if (!v) {
        jb_puts(b, "null");
        return;
    }
    switch (v->kind) {
    case JSON_NULL: jb_puts(b, "null"); break;
    case JSON_TRUE: jb_puts(b, "true"); break;
    case JSON_FALSE: jb_puts(b, "false"); break;
    case JSON_NUMBER: jb_puts(b, v->str); break;
    case JSON_STRING: jb_strn(b, v->str, v->len); break;
    case JSON_ARRAY:
    case JSON_OBJECT:
        jb_puts(b, v->kind == JSON_ARRAY ? "[" : "{");
        for (int i = 0; i < v->n; i++) {
            if (i) jb_puts(b, ",");
            if (v->kind == JSON_OBJECT) {
                jb_str(b, v->keys[i]);
                jb_puts(b, ":");
            }
            jb_val(b, &v->items[i]);
        }
        jb_puts(b, v->kind == JSON_ARRAY ? "]" : "}");
        break;
    }
}

void jb_free(JBuf *b)
{
    free(b->s);
    b->s = NULL;
    b->n = b->cap = 0;
}
