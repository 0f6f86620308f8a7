/* lsp_json.h — the JSON the language server reads and writes: a small value
 * tree built from a message that runtime/json.c has already validated
 * (strict RFC 8259), lookups by key, and a growable output buffer with
 * string escaping. Nothing here knows JSON-RPC or LSP. */
#ifndef KAM_LSP_JSON_H
#define KAM_LSP_JSON_H

#include "../runtime/json.h"

#include <stdbool.h>
#include <stddef.h>

/* A JSON value. Strings are decoded (UTF-8, NUL-terminated, len bytes);
 * numbers keep their text in str. Arrays and objects hold n values in
 * items; objects also their n keys. */
typedef struct JVal {
    JsonKind kind;
    char *str;
    size_t len;
    struct JVal *items;
    char **keys;
    int n;
} JVal;

enum { LSP_JSON_DEPTH = 64 };   /* deeper messages are refused (no LSP message nests so) */

/* Parses one complete JSON text; NULL with a reason in err if it is not
 * valid JSON (or nests deeper than LSP_JSON_DEPTH). Free with jv_free. */
JVal *jv_parse(const char *s, size_t n, char *err, size_t errlen);
void jv_free(JVal *v);
/* The member `key` of an object, or NULL (also when v is not an object). */
const JVal *jv_get(const JVal *v, const char *key);
/* Follows dotted keys: jv_path(msg, "params.textDocument.uri"). */
const JVal *jv_path(const JVal *v, const char *path);
/* A string's text, or NULL if v is not a string. */
const char *jv_str(const JVal *v);
/* An integer value in [-2^31, 2^31): true with *out set; else false. */
bool jv_int(const JVal *v, long *out);
bool jv_is(const JVal *v, JsonKind k);

/* Output text that grows as needed. */
typedef struct JBuf {
    char *s;
    size_t n, cap;
} JBuf;

void jb_put(JBuf *b, const char *s, size_t n);
void jb_puts(JBuf *b, const char *s);
void jb_printf(JBuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* s[0..n) as a JSON string literal, quotes included. */
void jb_strn(JBuf *b, const char *s, size_t n);
void jb_str(JBuf *b, const char *s);
/* The value v written back as JSON (for echoing a request id). */
void jb_val(JBuf *b, const JVal *v);
void jb_free(JBuf *b);

#endif
