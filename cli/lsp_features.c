/* lsp_features.c — what the language server knows of kam: diagnostics
 * (published per file, the imported ones included), hover, definition,
 * references, completion, formatting, quick fixes and the outline. Each
 * works on the document's last analysis (lsp_analyse), a Policy loaded
 * from the editor's text; lang/query.c finds the names. Transport and
 * lifecycle are lsp_server.c. */
#define _XOPEN_SOURCE 700
#include "lsp.h"
#include "../base/arena.h"
#include "../lang/fmt.h"
#include "../lang/query.h"
#include "../stdlib/registry.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* ---- files of an analysis ------------------------------------------- */

/* The text positions of file f are counted in: the document's own for file
 * 0 (the loader dropped a byte-order mark, `shift` bytes), else the
 * imported file as read. */
typedef struct FileText {
    const char *text;
    size_t len;
    unsigned shift;
} FileText;

static FileText file_text(const LspDoc *d, int f)
{
    FileText t = {d->text, d->len, 0};
    if (f == 0) {
        if (d->len >= 3 && memcmp(d->text, "\xEF\xBB\xBF", 3) == 0) t.shift = 3;
        return t;
    }
    const SrcFile *sf = d->policy->src.files[f];
    t.text = sf->text;
    t.len = sf->len;
    return t;
}

/* The URI of file f: the document's for 0, an open document's if it is
 * one, else a file: URI of its resolved path. Malloc'd. */
static char *file_uri(LspServer *s, const LspDoc *d, int f)
{
    if (f == 0) return xstrdup(d->uri);
    const char *path = d->policy->src.files[f]->path;
    char *real = realpath(path, NULL);
    const char *p = real ? real : path;
    for (int i = 0; i < s->docs.n; i++) {
        char *dr = realpath(s->docs.docs[i]->path, NULL);
        bool same = dr && strcmp(dr, p) == 0;
        free(dr);
        if (same) {
            free(real);
            return xstrdup(s->docs.docs[i]->uri);
        }
    }
    char *uri = lsp_path_to_uri(p);
    free(real);
    return uri;
}

static bool is_open_uri(LspServer *s, const char *uri)
{
    return doc_find(&s->docs, uri) != NULL;
}

static void range_of(LspServer *s, JBuf *b, const LspDoc *d, Span sp)
{
    FileText t = file_text(d, sp.file);
    lsp_write_range(b, t.text, t.len, sp.start + t.shift, sp.end + t.shift, s->utf8);
}

static void location(LspServer *s, JBuf *b, const LspDoc *d, Span sp)
{
    char *uri = file_uri(s, d, sp.file);
    jb_puts(b, "{\"uri\":");
    jb_str(b, uri);
    jb_puts(b, ",\"range\":");
    range_of(s, b, d, sp);
    jb_puts(b, "}");
    free(uri);
}

/* ---- diagnostics ------------------------------------------------------ */

static void diag_json(LspServer *s, JBuf *b, const LspDoc *d, const Diag *g)
{
    jb_puts(b, "{\"range\":");
    range_of(s, b, d, g->span);
    jb_printf(b, ",\"severity\":%d,\"code\":", g->level == DIAG_ERROR ? 1 : g->level == DIAG_WARNING ? 2 : 3);
    jb_str(b, g->code);
    jb_puts(b, ",\"source\":\"kam\",\"message\":");
    jb_str(b, g->msg);
    if (g->related_msg) {
        jb_puts(b, ",\"relatedInformation\":[{\"location\":");
        location(s, b, d, g->related);
        jb_puts(b, ",\"message\":");
        jb_str(b, g->related_msg);
        jb_puts(b, "}]");
    }
    if (g->suggestion) {
        jb_puts(b, ",\"data\":{\"suggestion\":");
        jb_str(b, g->suggestion);
        jb_puts(b, "}");
    }
    jb_puts(b, "}");
}

static void publish(LspServer *s, const char *uri, const char *items, long version)
{
    JBuf b = {0};
    jb_puts(&b, "{\"uri\":");
    jb_str(&b, uri);
    if (version >= 0) jb_printf(&b, ",\"version\":%ld", version);
    jb_puts(&b, ",\"diagnostics\":[");
    jb_puts(&b, items);
    jb_puts(&b, "]}");
    lsp_notify(s, "textDocument/publishDiagnostics", b.s);
    jb_free(&b);
}

void lsp_analyse(LspServer *s, LspDoc *d)
{
    policy_free(d->policy);
    diag_free(&d->diags);
    diag_init(&d->diags);
    d->policy = policy_load_text(d->path, d->text, d->len, &d->diags);
    int nfiles = d->policy->src.n;
    char **uris = xcalloc((size_t)nfiles, sizeof *uris);
    for (int f = 0; f < nfiles; f++) {
        uris[f] = file_uri(s, d, f);
        if (f > 0 && is_open_uri(s, uris[f])) continue;   /* its own analysis publishes it */
        JBuf items = {0};
        jb_puts(&items, "");
        bool first = true;
        for (int i = 0; i < d->diags.n; i++) {
            const Diag *g = &d->diags.items[i];
            if (g->span.file != f) continue;
            if (!first) jb_puts(&items, ",");
            first = false;
            diag_json(s, &items, d, g);
        }
        publish(s, uris[f], items.s, f == 0 ? d->version : -1);
        jb_free(&items);
    }
    /* files imported before and no longer: cleared */
    for (int i = 0; i < d->npublished; i++) {
        bool still = false;
        for (int f = 0; f < nfiles; f++) still = still || strcmp(uris[f], d->published[i]) == 0;
        if (!still && !is_open_uri(s, d->published[i])) publish(s, d->published[i], "", -1);
        free(d->published[i]);
    }
    free(d->published);
    d->published = uris;
    d->npublished = nfiles;
}

void lsp_forget(LspServer *s, LspDoc *d)
{
    for (int i = 0; i < d->npublished; i++)
        if (i == 0 || !is_open_uri(s, d->published[i])) publish(s, d->published[i], "", -1);
}

/* ---- requests on a position ------------------------------------------ */

/* The open, analysed document the params name, and the byte offset of
 * params.position in its policy's file 0 (when want_pos). */
static LspDoc *target(LspServer *s, const JVal *params, bool want_pos, unsigned *off)
{
    const char *uri = jv_str(jv_path(params, "textDocument.uri"));
    LspDoc *d = uri ? doc_find(&s->docs, uri) : NULL;
    if (!d || !d->policy) return NULL;
    if (want_pos) {
        size_t o;
        if (!lsp_read_position(jv_get(params, "position"), d->text, d->len, s->utf8, &o)) return NULL;
        FileText t = file_text(d, 0);
        *off = (unsigned)(o >= t.shift ? o - t.shift : 0);
    }
    return d;
}

static void type_text(const Sym *sym, char *buf, int len)
{
    ty_name(sym->ty, buf, len);
}

static void hover(LspServer *s, const JVal *params, JBuf *out)
{
    unsigned off;
    LspDoc *d = target(s, params, true, &off);
    QueryRef r;
    if (!d || !query_at(d->policy, 0, off, &r)) return;
    JBuf md = {0};
    char ty[128];
    if (r.kind == QR_SYM) {
        const Sym *sym = r.sym;
        type_text(sym, ty, sizeof ty);
        jb_printf(&md, "**%s** `%s`: `%s`", chk_sym_kind_name(sym->kind), sym->name, ty);
        const char *desc = policy_desc(sym);
        if (desc) jb_printf(&md, "\n\n%s", desc);
        if ((sym->kind == SYM_PARAM || sym->kind == SYM_CONST || sym->kind == SYM_LET) && sym->decl &&
            sym->decl->value) {
            Span v = sym->decl->value->span;
            const SrcFile *f = d->policy->src.files[v.file];
            if (v.end <= f->len && v.end - v.start < 400)
                jb_printf(&md, "\n\n```kam\n%s = %.*s\n```", sym->name, (int)(v.end - v.start), f->text + v.start);
        }
        if (sym->field && sym->field->key) jb_puts(&md, "\n\nthe record's key");
    } else if (r.kind == QR_MEMBER) {
        const EnumInfo *en = r.en;
        const char *what = en->kind == ENUM_STAGE ? (r.member < en->norder ? "stage" : "final stage")
                           : en->kind == ENUM_TIER ? "tier" : "member";
        jb_printf(&md, "**%s** `%s` of `%s`", what, en->members[r.member], en->name ? en->name : "?");
        if (en->kind == ENUM_STAGE || en->ordered)
            jb_printf(&md, " (%d of %d)", r.member + 1, en->n);
    } else {
        const StdFunc *fn = std_func(r.fn);
        jb_printf(&md, "**function** `%s`%s", fn->name, fn->aggregate ? " (aggregate)" : "");
        if (fn->doc) jb_printf(&md, "\n\n%s", fn->doc);
    }
    jb_puts(out, "{\"contents\":{\"kind\":\"markdown\",\"value\":");
    jb_strn(out, md.s, md.n);
    jb_puts(out, "},\"range\":");
    range_of(s, out, d, r.span);
    jb_puts(out, "}");
    jb_free(&md);
}

static void definition(LspServer *s, const JVal *params, JBuf *out)
{
    unsigned off;
    LspDoc *d = target(s, params, true, &off);
    QueryRef r;
    Span sp;
    if (!d || !query_at(d->policy, 0, off, &r) || !query_def_span(&r, &sp)) return;
    location(s, out, d, sp);
}

typedef struct Refs {
    LspServer *s;
    LspDoc *d;
    QueryRef want;
    bool with_def;
    JBuf *out;
    int n;
    Span seen[2000];
} Refs;

static void refs_visit(const QueryRef *r, void *ctx)
{
    Refs *x = ctx;
    if (!query_same(r, &x->want) || (r->def && !x->with_def) || x->n >= 2000) return;
    for (int i = 0; i < x->n; i++)
        if (x->seen[i].file == r->span.file && x->seen[i].start == r->span.start) return;
    x->seen[x->n++] = r->span;
    if (x->n > 1) jb_puts(x->out, ",");
    location(x->s, x->out, x->d, r->span);
}

static void references(LspServer *s, const JVal *params, JBuf *out)
{
    unsigned off;
    LspDoc *d = target(s, params, true, &off);
    Refs *x = xcalloc(1, sizeof *x);
    if (d && query_at(d->policy, 0, off, &x->want)) {
        x->s = s;
        x->d = d;
        x->out = out;
        x->with_def = !jv_is(jv_path(params, "context.includeDeclaration"), JSON_FALSE);
        jb_puts(out, "[");
        query_walk(d->policy, refs_visit, x);
        jb_puts(out, "]");
    }
    free(x);
}

/* ---- completion ------------------------------------------------------- */

static void item(JBuf *b, bool *first, const char *label, int kind, const char *detail,
                 const char *snippet)
{
    if (!*first) jb_puts(b, ",");
    *first = false;
    jb_puts(b, "{\"label\":");
    jb_str(b, label);
    jb_printf(b, ",\"kind\":%d", kind);
    if (detail) {
        jb_puts(b, ",\"detail\":");
        jb_str(b, detail);
    }
    if (snippet) {
        jb_puts(b, ",\"insertText\":");
        jb_str(b, snippet);
        jb_puts(b, ",\"insertTextFormat\":2");
    }
    jb_puts(b, "}");
}

static bool ident_char(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

/* The enum named just before `==`, `!=`, `<`... or `in [` ending at
 * text[..i), or NULL. */
static const EnumInfo *compared_enum(const Policy *p, const char *text, size_t i)
{
    while (i > 0 && ident_char(text[i - 1])) i--;   /* the word being typed */
    while (i > 0 && (text[i - 1] == ' ' || text[i - 1] == '\t')) i--;
    if (i > 0 && (text[i - 1] == '[' || text[i - 1] == ',')) {
        /* inside `x in [a, b, ` : back to the bracket */
        while (i > 0 && text[i - 1] != '[' && text[i - 1] != '\n' && text[i - 1] != ']') i--;
        if (i == 0 || text[i - 1] != '[') return NULL;
        i--;
        while (i > 0 && (text[i - 1] == ' ' || text[i - 1] == '\t')) i--;
        if (i < 2 || strncmp(text + i - 2, "in", 2) != 0 || (i > 2 && ident_char(text[i - 3])))
            return NULL;
        i -= 2;
        while (i > 0 && (text[i - 1] == ' ' || text[i - 1] == '\t')) i--;
        if (i >= 3 && strncmp(text + i - 3, "not", 3) == 0) {
            i -= 3;
            while (i > 0 && (text[i - 1] == ' ' || text[i - 1] == '\t')) i--;
        }
    } else {
        int ops = 0;
        while (i > 0 && strchr("=!<>", text[i - 1])) i--, ops++;
        if (ops == 0 || ops > 2) return NULL;
        while (i > 0 && (text[i - 1] == ' ' || text[i - 1] == '\t')) i--;
    }
    size_t end = i;
    while (i > 0 && ident_char(text[i - 1])) i--;
    if (i == end || end - i > 200) return NULL;
    char name[201];
    memcpy(name, text + i, end - i);
    name[end - i] = '\0';
    const Sym *sym = policy_sym(p, name);
    return sym && (sym->ty.kind == TY_ENUM || sym->ty.kind == TY_STAGE) ? sym->ty.en : NULL;
}

static const char *const decl_keywords[] = {
    "policy", "import", "record", "param", "const", "let", "score", "select", "tier",
    "stages", "entitle", "flag", "limit", "test", "output", "display",
};
static const char *const expr_keywords[] = {
    "and", "or", "not", "in", "between", "if", "then", "else", "is", "missing",
    "where", "per", "true", "false", "when", "otherwise", "as",
};

static const struct { const char *label, *body; } snippets[] = {
    {"score", "score ${1:name} \"${2:description}\" {\n  ${3:10} when ${4:condition} as \"${5:label}\"\n}"},
    {"tier", "tier ${1:name} \"${2:description}\" {\n  ${3:gold} when ${4:condition}\n  ${5:standard} otherwise\n}"},
    {"stages", "stages ${1:kam_stage} \"${2:description}\" {\n  order ${3:pre_kam}, ${4:early_kam}\n  final ${5:uncoupling}\n  $3 -> $4 when ${6:condition} as \"${7:label}\"\n}"},
    {"test", "test \"${1:what must hold}\" {\n  given { ${2:field}: ${3:value} }\n  expect ${4:condition}\n}"},
    {"select", "select ${1:name} \"${2:description}\" when ${3:condition}"},
    {"record", "record ${1:account} {\n  ${2:id}: string key\n  $0\n}"},
};

static int sym_item_kind(SymKind k)
{
    switch (k) {
    case SYM_FIELD: return 5;       /* Field */
    case SYM_PARAM:
    case SYM_CONST: return 21;      /* Constant */
    case SYM_TIER:
    case SYM_STAGES: return 13;     /* Enum */
    default: return 6;              /* Variable */
    }
}

static void completion(LspServer *s, const JVal *params, JBuf *out)
{
    unsigned off;
    LspDoc *d = target(s, params, true, &off);
    if (!d) return;
    FileText t = file_text(d, 0);
    size_t at = off + t.shift;
    const char *text = d->text;
    bool first = true;
    jb_puts(out, "{\"isIncomplete\":false,\"items\":[");
    const EnumInfo *en = compared_enum(d->policy, text, at);
    if (en) {
        for (int m = 0; m < en->n; m++) item(out, &first, en->members[m], 20, en->name, NULL);
        jb_puts(out, "]}");
        return;
    }
    /* at the start of a line outside any block: a definition begins */
    size_t ls = at;
    while (ls > 0 && text[ls - 1] != '\n') ls--;
    size_t w = ls;
    while (w < at && (text[w] == ' ' || text[w] == '\t')) w++;
    bool line_start = true;
    for (size_t i = w; i < at; i++) line_start = line_start && ident_char(text[i]);
    int depth = 0;
    bool in_str = false, in_comment = false;
    for (size_t i = 0; i < ls; i++) {
        char c = text[i];
        if (in_comment) in_comment = c != '\n';
        else if (in_str) in_str = !(c == '"' || c == '\n');
        else if (c == '#') in_comment = true;
        else if (c == '"') in_str = true;
        else if (c == '{') depth++;
        else if (c == '}' && depth > 0) depth--;
    }
    if (line_start && depth == 0) {
        for (size_t i = 0; i < sizeof decl_keywords / sizeof *decl_keywords; i++)
            item(out, &first, decl_keywords[i], 14, NULL, NULL);
        if (s->snippets)
            for (size_t i = 0; i < sizeof snippets / sizeof *snippets; i++) {
                char label[64];
                snprintf(label, sizeof label, "%s block", snippets[i].label);
                item(out, &first, label, 15, "snippet", snippets[i].body);
            }
        jb_puts(out, "]}");
        return;
    }
    const Policy *p = d->policy;
    char ty[128];
    for (int i = 0; i < p->nsyms; i++) {
        const Sym *sym = p->syms[i];
        char detail[200];
        type_text(sym, ty, sizeof ty);
        snprintf(detail, sizeof detail, "%s: %s", chk_sym_kind_word(sym->kind), ty);
        item(out, &first, sym->name, sym_item_kind(sym->kind), detail, NULL);
    }
    for (int i = 0; i < std_count(); i++) {
        const StdFunc *fn = std_func(i);
        bool dup = false;
        for (int k = 0; k < i; k++) dup = dup || strcmp(std_func(k)->name, fn->name) == 0;
        if (!dup) item(out, &first, fn->name, 3, fn->doc, NULL);
    }
    for (size_t i = 0; i < sizeof expr_keywords / sizeof *expr_keywords; i++)
        item(out, &first, expr_keywords[i], 14, NULL, NULL);
    jb_puts(out, "]}");
}

/* ---- whole-document requests ----------------------------------------- */

static bool has_syntax_error(const LspDoc *d)
{
    for (int i = 0; i < d->diags.n; i++)
        if (strcmp(d->diags.items[i].code, "syntax") == 0 && d->diags.items[i].span.file == 0)
            return true;
    return false;
}

static void formatting(LspServer *s, const JVal *params, JBuf *out)
{
    LspDoc *d = target(s, params, false, NULL);
    if (!d) return;
    jb_puts(out, "[");
    if (has_syntax_error(d)) {
        lsp_show_message(s, 2, "kam: the document has syntax errors; it is formatted once they are fixed");
        jb_puts(out, "]");
        return;
    }
    char err[300];
    size_t n;
    char *f = fmt_policy(d->text, d->len, &n, err, sizeof err);
    if (!f) {
        char m[400];
        snprintf(m, sizeof m, "kam: cannot format: %s", err);
        lsp_show_message(s, 2, m);
    } else if (n != d->len || memcmp(f, d->text, n) != 0) {
        jb_puts(out, "{\"range\":");
        lsp_write_range(out, d->text, d->len, 0, d->len, s->utf8);
        jb_puts(out, ",\"newText\":");
        jb_strn(out, f, n);
        jb_puts(out, "}");
    }
    free(f);
    jb_puts(out, "]");
}

static void code_action(LspServer *s, const JVal *params, JBuf *out)
{
    LspDoc *d = target(s, params, false, NULL);
    if (!d) return;
    const JVal *range = jv_get(params, "range");
    size_t a, z;
    if (!lsp_read_position(jv_get(range, "start"), d->text, d->len, s->utf8, &a) ||
        !lsp_read_position(jv_get(range, "end"), d->text, d->len, s->utf8, &z))
        return;
    FileText t = file_text(d, 0);
    bool first = true;
    jb_puts(out, "[");
    for (int i = 0; i < d->diags.n; i++) {
        const Diag *g = &d->diags.items[i];
        if (!g->suggestion || g->span.file != 0) continue;
        size_t gs = g->span.start + t.shift, ge = g->span.end + t.shift;
        if (ge < a || gs > z) continue;
        if (!first) jb_puts(out, ",");
        first = false;
        jb_puts(out, "{\"title\":");
        char title[300];
        snprintf(title, sizeof title, "Change to '%.250s'", g->suggestion);
        jb_str(out, title);
        jb_puts(out, ",\"kind\":\"quickfix\",\"isPreferred\":true,\"diagnostics\":[");
        diag_json(s, out, d, g);
        jb_puts(out, "],\"edit\":{\"changes\":{");
        jb_str(out, d->uri);
        jb_puts(out, ":[{\"range\":");
        range_of(s, out, d, g->span);
        jb_puts(out, ",\"newText\":");
        jb_str(out, g->suggestion);
        jb_puts(out, "}]}}}");
    }
    jb_puts(out, "]");
}

static void symbol(LspServer *s, JBuf *b, const LspDoc *d, const char *name, int kind,
                   const char *detail, Span range, Span sel, bool open)
{
    if (sel.start < range.start || sel.end > range.end || sel.end <= sel.start) sel = range;
    jb_puts(b, "{\"name\":");
    jb_str(b, name && *name ? name : "?");
    jb_printf(b, ",\"kind\":%d", kind);
    if (detail) {
        jb_puts(b, ",\"detail\":");
        jb_str(b, detail);
    }
    jb_puts(b, ",\"range\":");
    range_of(s, b, d, range);
    jb_puts(b, ",\"selectionRange\":");
    range_of(s, b, d, sel);
    jb_puts(b, open ? ",\"children\":[" : "}");
}

static void document_symbols(LspServer *s, const JVal *params, JBuf *out)
{
    LspDoc *d = target(s, params, false, NULL);
    if (!d) return;
    const Policy *p = d->policy;
    const SrcFile *src = p->src.files[0];
    bool first = true;
    char ty[128], text[120];
    jb_puts(out, "[");
    for (int i = 0; i < p->prog.decls.len; i++) {
        const Decl *x = p->prog.decls.items[i];
        if (x->span.file != 0) continue;
        const Sym *sym = x->name.name ? policy_sym(p, x->name.name) : NULL;
        const char *detail = NULL;
        if (sym) detail = ty_name(sym->ty, ty, sizeof ty);
        int kind;
        const char *name = x->name.name;
        Span sel = x->name.span;
        switch (x->kind) {
        case D_RECORD: kind = 23; break;
        case D_PARAM: case D_CONST: kind = 14; break;
        case D_LET: kind = 13; break;
        case D_TIER: case D_STAGES: kind = 10; break;
        case D_TEST: kind = 6; name = x->str; sel = x->str_span; break;
        case D_IMPORT: kind = 2; name = x->str; sel = x->str_span; break;
        case D_POLICY: kind = 1; name = x->str; sel = x->str_span; break;
        case D_OUTPUT: case D_DISPLAY: continue;
        default: kind = 12; break;
        }
        if (x->kind == D_RECORD && !name) name = "record";
        if (!first) jb_puts(out, ",");
        first = false;
        bool kids = x->kind == D_RECORD || x->kind == D_SCORE || x->kind == D_TIER ||
                    x->kind == D_STAGES;
        symbol(s, out, d, name, kind, detail, x->span, sel, kids);
        if (!kids) continue;
        bool kfirst = true;
        if (x->kind == D_RECORD)
            for (int k = 0; k < x->fields.len; k++) {
                const Field *f = x->fields.items[k];
                if (!kfirst) jb_puts(out, ",");
                kfirst = false;
                symbol(s, out, d, f->name.name, 8, ty_name(f->ty, ty, sizeof ty),
                       f->type ? (Span){0, f->name.span.start, f->type->span.end} : f->name.span,
                       f->name.span, false);
            }
        if (x->kind == D_STAGES) {
            const PtrVec *lists[2] = {&x->order, &x->finals};
            for (int l = 0; l < 2; l++)
                for (int k = 0; k < lists[l]->len; k++) {
                    const Ident *id = lists[l]->items[k];
                    if (!kfirst) jb_puts(out, ",");
                    kfirst = false;
                    symbol(s, out, d, id->name, 22, l ? "final" : NULL, id->span, id->span, false);
                }
        }
        for (int k = 0; k < x->items.len && x->kind != D_RECORD; k++) {
            const void *it = x->items.items[k];
            Span sp;
            const char *label;
            if (x->kind == D_SCORE) {
                const Criterion *c = it;
                sp = c->span;
                label = c->label;
                if (!label) {
                    unsigned n = c->span.end - c->span.start;
                    snprintf(text, sizeof text, "%.*s", (int)(n < 100 ? n : 100), src->text + c->span.start);
                    label = text;
                }
                if (!kfirst) jb_puts(out, ",");
                kfirst = false;
                symbol(s, out, d, label, 7, NULL, sp, sp, false);
            } else if (x->kind == D_TIER) {
                const TierBranch *br = it;
                if (!kfirst) jb_puts(out, ",");
                kfirst = false;
                symbol(s, out, d, br->name.name, 22, br->label, br->span, br->name.span, false);
            } else if (x->kind == D_STAGES) {
                const Transition *tr = it;
                snprintf(text, sizeof text, "%s -> %s", tr->from_any ? "any" : tr->from.name ? tr->from.name : "?",
                         tr->to.name ? tr->to.name : "?");
                if (!kfirst) jb_puts(out, ",");
                kfirst = false;
                symbol(s, out, d, text, 24, tr->label, tr->span, tr->span, false);
            }
        }
        jb_puts(out, "]}");
    }
    jb_puts(out, "]");
}

bool lsp_feature(LspServer *s, const char *method, const JVal *params, JBuf *result)
{
    static const struct {
        const char *name;
        void (*fn)(LspServer *, const JVal *, JBuf *);
    } table[] = {
        {"textDocument/hover", hover},
        {"textDocument/definition", definition},
        {"textDocument/references", references},
        {"textDocument/completion", completion},
        {"textDocument/formatting", formatting},
        {"textDocument/codeAction", code_action},
        {"textDocument/documentSymbol", document_symbols},
    };
    for (size_t i = 0; i < sizeof table / sizeof *table; i++)
        if (strcmp(method, table[i].name) == 0) {
            table[i].fn(s, params, result);
            return true;
        }
    return false;
}

void lsp_capabilities(LspServer *s, JBuf *b)
{
    jb_printf(b, "{\"positionEncoding\":\"%s\","
              "\"textDocumentSync\":{\"openClose\":true,\"change\":2,\"save\":{\"includeText\":false}},"
              "\"hoverProvider\":true,\"definitionProvider\":true,\"referencesProvider\":true,"
              "\"completionProvider\":{\"triggerCharacters\":[\" \",\"[\",\",\"]},"
              "\"documentFormattingProvider\":true,"
              "\"codeActionProvider\":{\"codeActionKinds\":[\"quickfix\"]},"
              "\"documentSymbolProvider\":true}",
              s->utf8 ? "utf-8" : "utf-16");
}
