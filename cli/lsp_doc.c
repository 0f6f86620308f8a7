/* lsp_doc.c — open documents, incremental changes and the position
 * mapping (see lsp_doc.h). Lines end at "\n" (a "\r" before it belongs to
 * the line end, not to the line); UTF-16 counts a character above U+FFFF
 * as two code units, as the protocol says. */
#define _POSIX_C_SOURCE 200809L
#include "lsp_doc.h"
#include "../base/arena.h"

#include <stdlib.h>
#include <string.h>

LspDoc *doc_find(const DocStore *s, const char *uri)
{
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->docs[i]->uri, uri) == 0) return s->docs[i];
    return NULL;
}

static void doc_free(LspDoc *d)
{
    free(d->uri);
    free(d->path);
    free(d->text);
    policy_free(d->policy);
    diag_free(&d->diags);
    for (int i = 0; i < d->npublished; i++) free(d->published[i]);
    free(d->published);
    free(d);
}

LspDoc *doc_open(DocStore *s, const char *uri, const char *text, size_t len, long version)
{
    LspDoc *d = doc_find(s, uri);
    if (!d) {
        if (s->n >= LSP_MAX_DOCS) return NULL;
        d = xcalloc(1, sizeof *d);
        d->uri = xstrdup(uri);
        d->path = lsp_uri_to_path(uri);
        diag_init(&d->diags);
        s->docs = xrealloc(s->docs, sizeof *s->docs * (size_t)(s->n + 1));
        s->docs[s->n++] = d;
    }
    free(d->text);
    d->text = xmalloc(len + 1);
    memcpy(d->text, text, len);
    d->text[len] = '\0';
    d->len = len;
    d->version = version;
    return d;
}

void doc_close(DocStore *s, const char *uri)
{
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->docs[i]->uri, uri) == 0) {
            doc_free(s->docs[i]);
            s->docs[i] = s->docs[--s->n];
            return;
        }
}

void doc_store_free(DocStore *s)
{
    for (int i = 0; i < s->n; i++) doc_free(s->docs[i]);
    free(s->docs);
    s->docs = NULL;
    s->n = 0;
}

/* Width of the character starting with byte c, in the unit counted. */
static int units(unsigned char c, bool utf8)
{
    if (utf8) return 1;
    if ((c & 0xC0) == 0x80) return 0;   /* a continuation byte */
    return c >= 0xF0 ? 2 : 1;
}

size_t lsp_offset(const char *text, size_t len, long line, long ch, bool utf8)
{
    size_t i = 0;
    for (long l = 0; l < line; l++) {
        const char *nl = memchr(text + i, '\n', len - i);
        if (!nl) return len;
        i = (size_t)(nl - text) + 1;
    }
    long u = 0;
    while (i < len && text[i] != '\n' && !(text[i] == '\r' && (i + 1 == len || text[i + 1] == '\n'))) {
        int w = units((unsigned char)text[i], utf8);
        if (w && u + w > ch) break;
        u += w;
        i++;
    }
    return i;
}

void lsp_position(const char *text, size_t len, size_t off, bool utf8, long *line, long *ch)
{
    if (off > len) off = len;
    long l = 0;
    size_t start = 0;
    for (size_t i = 0; i < off; i++)
        if (text[i] == '\n') {
            l++;
            start = i + 1;
        }
    long u = 0;
    for (size_t i = start; i < off; i++) u += units((unsigned char)text[i], utf8);
    *line = l;
    *ch = u;
}

bool lsp_read_position(const JVal *pos, const char *text, size_t len, bool utf8, size_t *off)
{
    long line, ch;
    if (!jv_int(jv_get(pos, "line"), &line) || !jv_int(jv_get(pos, "character"), &ch) || line < 0 ||
        ch < 0)
        return false;
    *off = lsp_offset(text, len, line, ch, utf8);
    return true;
}

void lsp_write_range(JBuf *b, const char *text, size_t len, size_t start, size_t end, bool utf8)
{
    long l1, c1, l2, c2;
    lsp_position(text, len, start, utf8, &l1, &c1);
    lsp_position(text, len, end < start ? start : end, utf8, &l2, &c2);
    jb_printf(b, "{\"start\":{\"line\":%ld,\"character\":%ld},\"end\":{\"line\":%ld,\"character\":%ld}}",
              l1, c1, l2, c2);
}

bool doc_apply_change(LspDoc *d, const JVal *change, bool utf8)
{
    const JVal *t = jv_get(change, "text");
    if (!jv_is(t, JSON_STRING)) return false;
    const JVal *range = jv_get(change, "range");
    if (!range) {
        if (t->len > SRC_MAX_BYTES) return false;
        free(d->text);
        d->text = xmalloc(t->len + 1);
        memcpy(d->text, t->str, t->len + 1);
        d->len = t->len;
        return true;
    }
    size_t a, z;
    if (!lsp_read_position(jv_get(range, "start"), d->text, d->len, utf8, &a) ||
        !lsp_read_position(jv_get(range, "end"), d->text, d->len, utf8, &z))
        return false;
    if (z < a) {
        size_t x = a;
        a = z;
        z = x;
    }
    size_t n = d->len - (z - a) + t->len;
    if (n > SRC_MAX_BYTES) return false;
    char *s = xmalloc(n + 1);
    memcpy(s, d->text, a);
    memcpy(s + a, t->str, t->len);
    memcpy(s + a + t->len, d->text + z, d->len - z);
    s[n] = '\0';
    free(d->text);
    d->text = s;
    d->len = n;
    return true;
}

static int hex(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

char *lsp_uri_to_path(const char *uri)
{
    if (strncmp(uri, "file://", 7) != 0) return xstrdup(uri);
    const char *p = uri + 7;
    const char *slash = strchr(p, '/');   /* file://host/path: the host is dropped */
    p = slash ? slash : p + strlen(p);
    char *out = xmalloc(strlen(p) + 1);
    size_t n = 0;
    for (; *p; p++) {
        if (*p == '%' && hex(p[1]) >= 0 && hex(p[2]) >= 0) {
            char c = (char)(hex(p[1]) * 16 + hex(p[2]));
            if (c == '\0') c = '_';   /* a path holds no NUL */
            out[n++] = c;
            p += 2;
        } else {
            out[n++] = *p;
        }
    }
    out[n] = '\0';
    return out;
}

char *lsp_path_to_uri(const char *path)
{
    JBuf b = {0};
    jb_puts(&b, "file://");
    if (path[0] != '/') jb_puts(&b, "/");
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("/-._~", *p))
            jb_put(&b, (const char *)p, 1);
        else
            jb_printf(&b, "%%%02X", *p);
    }
    return b.s;
}
