/* query.h — questions an editor asks of a loaded policy: every place a
 * name is written (its definition or a use), and which of them lies under
 * a byte offset. Used by the language server (cli/lsp_*.c) for hover,
 * go-to-definition, references and outline. Read-only: nothing here
 * changes the Policy or reports diagnostics. */
#ifndef KAM_QUERY_H
#define KAM_QUERY_H

#include "check.h"

typedef enum {
    QR_SYM,         /* a defined name: sym */
    QR_MEMBER,      /* a member of an enum, tier or stages block: en, member */
    QR_FUNC         /* a built-in function: fn (stdlib registry index) */
} QueryRefKind;

/* One place a name is written. */
typedef struct QueryRef {
    QueryRefKind kind;
    Span span;
    bool def;               /* the definition itself */
    const Sym *sym;
    const EnumInfo *en;
    int member;
    int fn;
} QueryRef;

typedef void (*QueryVisit)(const QueryRef *r, void *ctx);

/* Calls fn for every definition and use of a name in p, file by file in
 * definition order (the same place may come more than once). */
void query_walk(const Policy *p, QueryVisit fn, void *ctx);
/* The name written at byte offset `off` of file `file` (a span that holds
 * it, or ends right at it); false if none. */
bool query_at(const Policy *p, int file, unsigned off, QueryRef *out);
/* Whether two places name the same thing. */
bool query_same(const QueryRef *a, const QueryRef *b);
/* Where the thing r names is defined; false for a function. */
bool query_def_span(const QueryRef *r, Span *out);

#endif
