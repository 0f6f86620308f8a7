/* load.c — loading a policy: the file, its imports (kept inside the root
 * policy's folder), the session definitions that replace same-named ones,
 * then the checker (check.c) and the runtime schema; and the symbol table
 * lookup of a loaded policy. */
#define _XOPEN_SOURCE 700
#include "check_int.h"
#include "parse.h"
#include "schema.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The folder imports must stay inside: KAM_IMPORT_ROOT if set (the
 * --import-root option sets it), else the folder of the root policy as
 * given (the current one for a policy read from stdin). Resolved, without
 * a trailing '/' (but "/" itself); NULL if it cannot be resolved. */
static char *import_root(const Policy *p)
{
    const char *widen = getenv("KAM_IMPORT_ROOT");
    if (widen && *widen) return realpath(widen, NULL);
    /* the folder as the command line names it (a policy that is a
       symbolic link imports from beside the link, as relative paths do) */
    const char *path = p->src.files[0]->path;
    const char *slash = strrchr(path, '/');
    if (!slash) return realpath(".", NULL);
    if (slash == path) return realpath("/", NULL);
    char *dir = xstrdup(path);
    dir[slash - path] = '\0';
    char *rp = realpath(dir, NULL);
    free(dir);
    return rp;
}

static bool inside(const char *path, const char *root)
{
    size_t n = strlen(root);
    if (n == 1 && root[0] == '/') return true;
    return strncmp(path, root, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

/* Whether the file just parsed (diagnostics since `m`, definitions from
 * index `first_decl`) does not read as a policy: NUL bytes, or an error
 * before its first definition. Its own diagnostics would then quote its
 * text, which may be anything (a secret, a binary). Sets *line, *col to
 * the first error. */
static bool not_a_policy(const Policy *p, int file, int first_decl, const DiagList *d, DiagMark m,
                         int *line, int *col)
{
    const SrcFile *f = p->src.files[file];
    unsigned err_at = UINT_MAX, decl_at = UINT_MAX;
    for (int i = m.n; i < d->n; i++)
        if (d->items[i].level == DIAG_ERROR && d->items[i].span.file == file &&
            d->items[i].span.start < err_at)
            err_at = d->items[i].span.start;
    for (int i = first_decl; i < p->prog.decls.len; i++) {
        const Decl *x = p->prog.decls.items[i];
        if (x->span.file == file && x->span.start < decl_at) decl_at = x->span.start;
    }
    if (err_at == UINT_MAX && d->nerrors > m.nerrors) err_at = 0;   /* past DIAG_MAX */
    src_linecol(&p->src, file, err_at == UINT_MAX ? 0 : err_at, line, col);
    if (memchr(f->text, '\0', f->len)) return true;
    return err_at != UINT_MAX && err_at <= decl_at;
}

/* Loads what `import` names, and what those files import. An import is a
 * path relative to the importing file that must resolve (symbolic links
 * followed) to a regular file inside import_root(): a policy is untrusted
 * input (checked in CI on pull requests), so it must not read
 * /proc/self/environ, a FIFO or a terminal. A file that does not read as a
 * policy is reported at the import without quoting it. */
static void load_imports(Policy *p, DiagList *diags)
{
    /* The decl list grows as imports are parsed, so this loop sees the
       imports of imported files too. */
    char **seen = xmalloc(sizeof(char *) * 1);
    int nseen = 0;
    char *rp = realpath(p->src.files[0]->path, NULL);
    seen[nseen++] = rp ? rp : xstrdup(p->src.files[0]->path);
    char *root = NULL;
    bool root_done = false;
    for (int i = 0; i < p->prog.decls.len; i++) {
        Decl *d = p->prog.decls.items[i];
        if (d->kind != D_IMPORT) continue;
        /* relative to the importing file's folder */
        if (strcmp(d->str, "-") == 0 || d->str[0] == '\0') {
            diag_add(diags, DIAG_ERROR, d->str_span, "import", "import names a file, not \"%s\"",
                     d->str);
            continue;
        }
        if (d->str[0] == '/') {
            diag_add(diags, DIAG_ERROR, d->str_span, "import", "cannot import \"%s\": an import "
                     "is a path relative to the importing file, not an absolute one", d->str);
            continue;
        }
        if (!root_done) {
            root = import_root(p);
            root_done = true;
        }
        if (!root) {
            const char *widen = getenv("KAM_IMPORT_ROOT");
            diag_add(diags, DIAG_ERROR, d->str_span, "import", "cannot import \"%s\": the import "
                     "root %s cannot be resolved", d->str, widen && *widen ? widen : "folder");
            continue;
        }
        const char *from = p->src.files[d->span.file]->path;
        const char *slash = strrchr(from, '/');
        char path[4096];
        if (!slash)
            snprintf(path, sizeof path, "%s", d->str);
        else
            snprintf(path, sizeof path, "%.*s/%s", (int)(slash - from), from, d->str);
        char *real = realpath(path, NULL);
        if (!real) {
            diag_add(diags, DIAG_ERROR, d->str_span, "import", "cannot import \"%s\": cannot open: %s",
                     d->str, strerror(errno));
            continue;
        }
        if (!inside(real, root)) {
            diag_add(diags, DIAG_ERROR, d->str_span, "import", "cannot import \"%s\": it is "
                     "outside %s, the folder imports must stay in (--import-root DIR widens it)",
                     d->str, root);
            free(real);
            continue;
        }
        bool dup = false;
        for (int k = 0; k < nseen; k++)
            if (strcmp(seen[k], real) == 0) dup = true;
        if (dup) {
            free(real);
            continue;   /* imported already (or a cycle): its names are in */
        }
        char msg[4200];
        int file = src_load_import(&p->src, real, path, msg, sizeof msg);
        if (file < 0) {
            free(real);
            diag_add(diags, DIAG_ERROR, d->str_span, "import", "cannot import \"%s\": %s",
                     d->str, strchr(msg, ':') ? strchr(msg, ':') + 2 : msg);
            continue;
        }
        seen = xrealloc(seen, sizeof(char *) * (size_t)(nseen + 1));
        seen[nseen++] = real;
        DiagMark m = diag_mark(diags);
        int first_decl = p->prog.decls.len;
        parse_file(&p->prog, &p->src, file, diags);
        int line, col;
        if (not_a_policy(p, file, first_decl, diags, m, &line, &col)) {
            diag_rollback(diags, m);
            p->prog.decls.len = first_decl;   /* nor its definitions, nor its imports */
            diag_add(diags, DIAG_ERROR, d->str_span, "import", "cannot import \"%s\": it does not "
                     "read as a kam policy (an error at line %d, column %d, before any "
                     "definition; `kam check` on it shows more)", d->str, line, col);
        }
    }
    free(root);
    for (int k = 0; k < nseen; k++) free(seen[k]);
    free(seen);
}

/* Whether a definition kind has a name that later definitions can replace. */
static bool named_rule(DeclKind k)
{
    return k == D_PARAM || k == D_CONST || k == D_LET || k == D_SCORE || k == D_SELECT ||
           k == D_TIER || k == D_STAGES || k == D_ENTITLE || k == D_FLAG || k == D_PORTFOLIO;
}

/* Session definitions (from files numbered >= first_extra) replace earlier
 * definitions of the same name: a what-if redefinition. A session's
 * `output` or `display` line replaces the policy's. */
static void apply_overrides(Policy *p, int first_extra)
{
    PtrVec *v = &p->prog.decls;
    int out = 0;
    for (int i = 0; i < v->len; i++) {
        Decl *d = v->items[i];
        bool replaced = false;
        if (d->kind == D_OUTPUT || d->kind == D_DISPLAY) {
            for (int j = i + 1; j < v->len && !replaced; j++) {
                Decl *e = v->items[j];
                replaced = e->span.file >= first_extra && e->kind == d->kind;
            }
        }
        if (named_rule(d->kind) && d->name.name) {
            for (int j = i + 1; j < v->len && !replaced; j++) {
                Decl *e = v->items[j];
                if (e->span.file >= first_extra && named_rule(e->kind) && e->name.name &&
                    strcmp(e->name.name, d->name.name) == 0)
                    replaced = true;
            }
        }
        if (!replaced) v->items[out++] = d;
    }
    v->len = out;
}

static Policy *load_common(Policy *p, DiagList *diags, const char *const *extra, int nextra)
{
    parse_file(&p->prog, &p->src, 0, diags);
    load_imports(p, diags);
    int first_extra = p->src.n;
    for (int i = 0; i < nextra; i++) {
        int file = src_add(&p->src, "<input>", extra[i], strlen(extra[i]));
        parse_file(&p->prog, &p->src, file, diags);
    }
    if (nextra) apply_overrides(p, first_extra);
    Checker c = {0};
    c.p = p;
    c.d = diags;
    c.a = &p->arena;
    chk_program(&c);
    SymTab *tab = xmalloc(sizeof *tab);
    *tab = c.tab;
    p->symtab = tab;
    schema_build(p);
    diag_sort(diags);
    return p;
}

static Policy *new_policy(void)
{
    Policy *p = xcalloc(1, sizeof *p);
    arena_init(&p->arena);
    src_init(&p->src);
    p->prog.arena = &p->arena;
    p->key_field = -1;
    return p;
}

Policy *policy_load(const char *path, DiagList *diags, char *errbuf, size_t errlen)
{
    Policy *p = new_policy();
    if (src_load(&p->src, path, errbuf, errlen) < 0) {
        policy_free(p);
        return NULL;
    }
    return load_common(p, diags, NULL, 0);
}

Policy *policy_load_ext(const char *path, const char *const *extra, int nextra, DiagList *diags,
                        char *errbuf, size_t errlen)
{
    Policy *p = new_policy();
    if (src_load(&p->src, path, errbuf, errlen) < 0) {
        policy_free(p);
        return NULL;
    }
    return load_common(p, diags, extra, nextra);
}

Policy *policy_load_text(const char *name, const char *text, size_t len, DiagList *diags)
{
    Policy *p = new_policy();
    src_add(&p->src, name, text, len);
    return load_common(p, diags, NULL, 0);
}

void policy_free(Policy *p)
{
    if (!p) return;
    if (p->symtab) {
        free(((SymTab *)p->symtab)->slots);
        free(p->symtab);
    }
    src_free(&p->src);
    arena_free(&p->arena);
    free(p);
}

Sym *policy_sym(const Policy *p, const char *name)
{
    return p->symtab ? chk_tab_get(p->symtab, name) : NULL;
}

