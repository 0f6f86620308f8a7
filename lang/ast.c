/* ast.c — constructors for syntax-tree nodes (all in the compile's arena)
 * and the names of operators and definition kinds for messages. */
#include "ast.h"

Expr *ast_expr(Arena *a, ExprKind kind, Span span)
{
    Expr *e = arena_alloc(a, sizeof *e);
    e->kind = kind;
    e->span = span;
    e->member = -1;
    e->fn = -1;
    e->agg = -1;
    return e;
}

Expr *ast_binary(Arena *a, AstOp op, Expr *l, Expr *r, Span span)
{
    Expr *e = ast_expr(a, EX_BINARY, span);
    e->op = op;
    e->a = l;
    e->b = r;
    return e;
}

Expr *ast_unary(Arena *a, AstOp op, Expr *x, Span span)
{
    Expr *e = ast_expr(a, EX_UNARY, span);
    e->op = op;
    e->a = x;
    return e;
}

Decl *ast_decl(Arena *a, DeclKind kind, Span span)
{
    Decl *d = arena_alloc(a, sizeof *d);
    d->kind = kind;
    d->span = span;
    return d;
}

Ident *ast_ident(Arena *a, const char *name, Span span)
{
    Ident *id = arena_alloc(a, sizeof *id);
    id->name = name;
    id->span = span;
    return id;
}

const char *ast_op_text(AstOp op)
{
    static const char *const text[] = {
        [OPX_ADD] = "+", [OPX_SUB] = "-", [OPX_MUL] = "*", [OPX_DIV] = "/",
        [OPX_EQ] = "==", [OPX_NE] = "!=", [OPX_LT] = "<", [OPX_LE] = "<=",
        [OPX_GT] = ">", [OPX_GE] = ">=", [OPX_AND] = "and", [OPX_OR] = "or",
        [OPX_COALESCE] = "??", [OPX_NEG] = "-", [OPX_NOT] = "not",
    };
    return text[op];
}

const char *ast_decl_kind_name(DeclKind k)
{
    static const char *const names[] = {
        [D_POLICY] = "policy", [D_IMPORT] = "import", [D_RECORD] = "record",
        [D_PARAM] = "param", [D_CONST] = "const", [D_LET] = "let",
        [D_SCORE] = "score", [D_SELECT] = "select", [D_TIER] = "tier",
        [D_STAGES] = "stages", [D_ENTITLE] = "entitlement", [D_FLAG] = "flag",
        [D_LIMIT] = "limit", [D_TEST] = "test", [D_OUTPUT] = "output",
        [D_DISPLAY] = "display", [D_PORTFOLIO] = "portfolio flag",
    };
    return names[k];
}
