/* diag.c — collecting and rendering diagnostics, and the edit-distance
 * search behind "did you mean". See diag.h. */
#include "diag.h"
#include "../base/arena.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void diag_init(DiagList *d)
{
    memset(d, 0, sizeof *d);
}

void diag_free(DiagList *d)
{
    for (int i = 0; i < d->n; i++) {
        free(d->items[i].msg);
        free(d->items[i].suggestion);
        free(d->items[i].related_msg);
    }
    free(d->items);
    memset(d, 0, sizeof *d);
}

Diag *diag_add(DiagList *d, DiagLevel level, Span span, const char *code,
               const char *fmt, ...)
{
    static Diag sink;           /* returned once the list is full; never read */
    if (level == DIAG_ERROR) d->nerrors++;
    else if (level == DIAG_WARNING) d->nwarnings++;
    if (d->n >= DIAG_MAX) {
        memset(&sink, 0, sizeof sink);
        return &sink;
    }
    if (d->n == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 16;
        d->items = xrealloc(d->items, sizeof(Diag) * (size_t)d->cap);
    }
    Diag *g = &d->items[d->n];
    g->seq = d->n++;
    g->level = level;
    g->span = span;
    g->code = code;
    g->suggestion = NULL;
    g->related_msg = NULL;
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    g->msg = xmalloc((size_t)(len > 0 ? len : 0) + 1);
    va_start(ap, fmt);
    vsnprintf(g->msg, (size_t)(len > 0 ? len : 0) + 1, fmt, ap);
    va_end(ap);
    return g;
}

void diag_relate(Diag *g, Span where, const char *msg)
{
    if (!g->msg) return;        /* the overflow sink */
    free(g->related_msg);
    g->related = where;
    g->related_msg = xstrdup(msg);
}

void diag_suggest(Diag *g, const char *replacement)
{
    if (!g->msg) return;        /* the overflow sink */
    free(g->suggestion);
    g->suggestion = replacement ? xstrdup(replacement) : NULL;
}

DiagMark diag_mark(const DiagList *d)
{
    DiagMark m = {d->n, d->nerrors, d->nwarnings};
    return m;
}

void diag_rollback(DiagList *d, DiagMark m)
{
    for (int i = m.n; i < d->n; i++) {
        free(d->items[i].msg);
        free(d->items[i].suggestion);
    }
    if (d->n > m.n) d->n = m.n;
    d->nerrors = m.nerrors;
    d->nwarnings = m.nwarnings;
}

static int cmp_diag(const void *a, const void *b)
{
    const Diag *x = a, *y = b;
    if (x->span.file != y->span.file) return x->span.file < y->span.file ? -1 : 1;
    if (x->span.start != y->span.start) return x->span.start < y->span.start ? -1 : 1;
    return (x->seq > y->seq) - (x->seq < y->seq);   /* qsort is not stable */
}

void diag_sort(DiagList *d)
{
    if (d->n > 1) qsort(d->items, (size_t)d->n, sizeof(Diag), cmp_diag);
}

bool diag_full(const DiagList *d)
{
    return d->n >= DIAG_MAX;
}

bool diag_failed(const DiagList *d)
{
    return d->nerrors > 0 || (d->werror && d->nwarnings > 0);
}

static const char *level_name(DiagLevel l)
{
    switch (l) {
    case DIAG_ERROR: return "error";
    case DIAG_WARNING: return "warning";
    default: return "note";
    }
}

static const char *level_color(DiagLevel l)
{
    switch (l) {
    case DIAG_ERROR: return "\033[1;31m";
    case DIAG_WARNING: return "\033[1;35m";
    default: return "\033[1;36m";
    }
}

/* Writes the source line, then a caret line whose padding copies the tabs
 * of the source so the caret sits under the right character. A very long
 * line is shown as a window around the spot, marked with "...". */
static void render_snippet(FILE *out, const SrcSet *src, const Diag *g, bool color)
{
    enum { BEFORE = 60, WIDTH = 200 };
    int line, col, eline, ecol;
    src_linecol(src, g->span.file, g->span.start, &line, &col);
    src_linecol(src, g->span.file, g->span.end, &eline, &ecol);
    size_t len;
    const char *text = src_line(src, g->span.file, line, &len);
    /* byte offsets of the window [from, to) and of the spot */
    size_t from = 0, at = 0;
    for (int c = 1; c < col && at < len; at++)
        if (((unsigned char)text[at + 1] & 0xC0) != 0x80) c++;
    if (at > len) at = len;
    if (len > WIDTH && at > BEFORE) {
        from = at - BEFORE;
        while (from < len && ((unsigned char)text[from] & 0xC0) == 0x80) from++;
    }
    size_t to = from + WIDTH < len ? from + WIDTH : len;
    while (to < len && ((unsigned char)text[to] & 0xC0) == 0x80) to++;
    fprintf(out, "%5d | %s", line, from ? "..." : "");
    for (size_t i = from; i < to; i++) {
        unsigned char c = (unsigned char)text[i];
        fputc((c < 0x20 && c != '\t') || c == 0x7f ? ' ' : c, out);   /* keep the terminal sane */
    }
    fputs(to < len ? "...\n      | " : "\n      | ", out);
    if (from) fputs("   ", out);
    int width = 0;              /* characters of the span shown on this line */
    size_t i = from;
    for (; i < at && i < to; i++) {
        if (((unsigned char)text[i] & 0xC0) == 0x80) continue;
        fputc(text[i] == '\t' ? '\t' : ' ', out);
    }
    size_t span_end = eline == line ? g->span.end - (g->span.start - (unsigned)at) : to;
    if (span_end > to) span_end = to;
    for (size_t j = i; j < span_end; j++)
        if (((unsigned char)text[j] & 0xC0) != 0x80) width++;
    if (width < 1) width = 1;
    if (color) fputs(level_color(g->level), out);
    fputc('^', out);
    for (int k = 1; k < width; k++) fputc('~', out);
    if (color) fputs("\033[0m", out);
    fputc('\n', out);
}

/* Writes s with control characters escaped (\n, \t, \x1b ...): a message
 * may quote a policy's string literal, and a path may hold anything, and
 * neither may drive the terminal. */
static void put_escaped(FILE *out, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p >= 0x20 && *p != 0x7f) fputc(*p, out);
        else if (*p == '\n') fputs("\\n", out);
        else if (*p == '\t') fputs("\\t", out);
        else if (*p == '\r') fputs("\\r", out);
        else fprintf(out, "\\x%02x", *p);
    }
}

void diag_render_text(FILE *out, const SrcSet *src, const DiagList *d, bool color)
{
    for (int i = 0; i < d->n; i++) {
        const Diag *g = &d->items[i];
        int line, col;
        src_linecol(src, g->span.file, g->span.start, &line, &col);
        const char *path = src->files[g->span.file]->path;
        if (color) fputs("\033[1m", out);
        put_escaped(out, path);
        fprintf(out, ":%d:%d:", line, col);
        if (color)
            fprintf(out, "\033[0m %s%s:\033[0m \033[1m", level_color(g->level), level_name(g->level));
        else
            fprintf(out, " %s: ", level_name(g->level));
        put_escaped(out, g->msg);
        fprintf(out, "%s [%s]\n", color ? "\033[0m" : "", g->code);
        render_snippet(out, src, g, color);
        if (g->related_msg) {
            src_linecol(src, g->related.file, g->related.start, &line, &col);
            put_escaped(out, src->files[g->related.file]->path);
            fprintf(out, ":%d:%d: note: ", line, col);
            put_escaped(out, g->related_msg);
            fputc('\n', out);
        }
    }
    if (d->n < d->nerrors + d->nwarnings)
        fprintf(out, "kam: %d more diagnostics not shown\n",
                d->nerrors + d->nwarnings - d->n);
}

/* Length of the valid UTF-8 sequence at p (1..4), or 0 if it is not one. */
static int utf8_len(const unsigned char *p)
{
    if (p[0] < 0x80) return 1;
    int n = p[0] >= 0xF0 && p[0] <= 0xF4 ? 4 : p[0] >= 0xE0 ? 3 : p[0] >= 0xC2 && p[0] < 0xE0 ? 2 : 0;
    if (p[0] >= 0xF5) n = 0;
    for (int i = 1; i < n; i++)
        if ((p[i] & 0xC0) != 0x80) return 0;
    return n;
}

void diag_json_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p >= 0x80) {           /* valid UTF-8 as is; a stray byte as U+FFFD */
            int n = utf8_len(p);
            if (n == 0) {
                fputs("\\ufffd", out);
            } else {
                fwrite(p, 1, (size_t)n, out);
                p += n - 1;
            }
            continue;
        }
        switch (*p) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\n': fputs("\\n", out); break;
        case '\r': fputs("\\r", out); break;
        case '\t': fputs("\\t", out); break;
        default:
            if (*p < 0x20) fprintf(out, "\\u%04x", *p);
            else fputc(*p, out);
        }
    }
    fputc('"', out);
}

void diag_render_json_items(FILE *out, const SrcSet *src, const DiagList *d, bool *first)
{
    for (int i = 0; i < d->n; i++) {
        const Diag *g = &d->items[i];
        int line, col, eline, ecol;
        src_linecol(src, g->span.file, g->span.start, &line, &col);
        src_linecol(src, g->span.file, g->span.end, &eline, &ecol);
        fputs(*first ? "\n  {" : ",\n  {", out);
        *first = false;
        fputs("\"file\":", out);
        diag_json_string(out, src->files[g->span.file]->path);
        fprintf(out, ",\"line\":%d,\"column\":%d,\"end_line\":%d,\"end_column\":%d,"
                     "\"severity\":\"%s\",\"code\":",
                line, col, eline, ecol, level_name(g->level));
        diag_json_string(out, g->code);
        fputs(",\"message\":", out);
        diag_json_string(out, g->msg);
        if (g->suggestion) {
            fputs(",\"suggestion\":", out);
            diag_json_string(out, g->suggestion);
        }
        fputc('}', out);
    }
}

/* Optimal-string-alignment distance (Levenshtein plus adjacent swaps),
 * case-insensitive, bounded: returns limit+1 once it is exceeded. */
static int edit_distance(const char *a, const char *b, int limit)
{
    int la = (int)strlen(a), lb = (int)strlen(b);
    if (abs(la - lb) > limit) return limit + 1;
    if (la > 64 || lb > 64) return limit + 1;
    int d[65][65];
    for (int i = 0; i <= la; i++) d[i][0] = i;
    for (int j = 0; j <= lb; j++) d[0][j] = j;
    for (int i = 1; i <= la; i++) {
        for (int j = 1; j <= lb; j++) {
            char ca = a[i - 1], cb = b[j - 1];
            if (ca >= 'A' && ca <= 'Z') ca = (char)(ca - 'A' + 'a');
            if (cb >= 'A' && cb <= 'Z') cb = (char)(cb - 'A' + 'a');
            int cost = ca != cb;
            int v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v) v = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < v) v = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    }
    return d[la][lb];
}

const char *diag_closest(const char *name, const char *const *cands, int n)
{
    int len = (int)strlen(name);
    int limit = len <= 3 ? 1 : len <= 6 ? 2 : 3;
    const char *best = NULL;
    int best_d = limit + 1;
    for (int i = 0; i < n; i++) {
        if (!cands[i] || strcmp(cands[i], name) == 0) continue;
        int dist = edit_distance(name, cands[i], limit);
        if (dist < best_d) {
            best_d = dist;
            best = cands[i];
        }
    }
    /* A prefix relation ("revenue" for "revenue_growth") is a good hint too. */
    if (!best && len >= 4) {
        for (int i = 0; i < n; i++)
            if (cands[i] && strncmp(cands[i], name, (size_t)len) == 0) return cands[i];
    }
    return best;
}

/* Every diagnostic code with a line saying what it means: SARIF's rules.
 * From diagcodes.def, which docs/diagnostics.md's tables are made from. */
static const struct { const char *code, *doc; } codes[] = {
#define DIAGCODE(code, doc) {code, doc},
#define DIAGDOC(level, code, meaning)
#include "diagcodes.def"
#undef DIAGCODE
#undef DIAGDOC
};

const char *diag_code_doc(const char *code)
{
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        if (strcmp(codes[i].code, code) == 0) return codes[i].doc;
    return NULL;
}

void diag_sarif_begin(FILE *out, const char *version)
{
    fputs("{\"$schema\":\"https://json.schemastore.org/sarif-2.1.0.json\",\"version\":\"2.1.0\","
          "\"runs\":[{\"tool\":{\"driver\":{\"name\":\"kam\",\"version\":", out);
    diag_json_string(out, version);
    fputs(",\"informationUri\":\"https://example.invalid/kam/docs/diagnostics.md\",\"rules\":[", out);
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        fputs(i ? ",{\"id\":" : "{\"id\":", out);
        diag_json_string(out, codes[i].code);
        fputs(",\"shortDescription\":{\"text\":", out);
        diag_json_string(out, codes[i].doc);
        fputs("}}", out);
    }
    fputs("]}},\"results\":[", out);
}

void diag_render_sarif_results(FILE *out, const SrcSet *src, const DiagList *d, bool *first)
{
    for (int i = 0; i < d->n; i++) {
        const Diag *g = &d->items[i];
        int line, col, eline, ecol;
        src_linecol(src, g->span.file, g->span.start, &line, &col);
        src_linecol(src, g->span.file, g->span.end, &eline, &ecol);
        if (eline == line && ecol <= col) ecol = col + 1;   /* SARIF regions are not empty */
        fputs(*first ? "\n  {" : ",\n  {", out);
        *first = false;
        fputs("\"ruleId\":", out);
        diag_json_string(out, g->code);
        fprintf(out, ",\"level\":\"%s\",\"message\":{\"text\":",
                g->level == DIAG_ERROR ? "error" : g->level == DIAG_WARNING ? "warning" : "note");
        diag_json_string(out, g->msg);
        fputs("},\"locations\":[{\"physicalLocation\":{\"artifactLocation\":{\"uri\":", out);
        diag_json_string(out, src->files[g->span.file]->path);
        fprintf(out, "},\"region\":{\"startLine\":%d,\"startColumn\":%d,\"endLine\":%d,"
                     "\"endColumn\":%d}}}]", line, col, eline, ecol);
        if (g->suggestion) {
            fputs(",\"properties\":{\"suggestion\":", out);
            diag_json_string(out, g->suggestion);
            fputc('}', out);
        }
        fputc('}', out);
    }
}

void diag_sarif_end(FILE *out)
{
    fputs("\n]}]}\n", out);
}

/* Workflow-command escaping: % CR LF always; also : and , in properties. */
static void gh_escape(FILE *out, const char *s, bool property)
{
    for (; *s; s++) {
        if (*s == '%') fputs("%25", out);
        else if (*s == '\r') fputs("%0D", out);
        else if (*s == '\n') fputs("%0A", out);
        else if (property && *s == ':') fputs("%3A", out);
        else if (property && *s == ',') fputs("%2C", out);
        else fputc(*s, out);
    }
}

void diag_render_github(FILE *out, const SrcSet *src, const DiagList *d)
{
    for (int i = 0; i < d->n; i++) {
        const Diag *g = &d->items[i];
        int line, col, eline, ecol;
        src_linecol(src, g->span.file, g->span.start, &line, &col);
        src_linecol(src, g->span.file, g->span.end, &eline, &ecol);
        fprintf(out, "::%s file=", g->level == DIAG_ERROR ? "error" : g->level == DIAG_WARNING ? "warning" : "notice");
        gh_escape(out, src->files[g->span.file]->path, true);
        fprintf(out, ",line=%d,col=%d,endLine=%d,endColumn=%d,title=", line, col, eline, ecol);
        gh_escape(out, g->code, true);
        fputs("::", out);
        gh_escape(out, g->msg, false);
        fputc('\n', out);
    }
}
