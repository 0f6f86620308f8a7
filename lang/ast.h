/* ast.h — the syntax tree of a policy, as the parser builds it and the
 * checker annotates it (types, resolved symbols). Every node lives in the
 * compile's arena. Type and symbol definitions are in check.h/types.h;
 * this file only holds the shapes. */
#ifndef KAM_AST_H
#define KAM_AST_H

#include "../base/srcfile.h"
#include "types.h"
#include "../base/arena.h"

#include <stdbool.h>
#include <stdint.h>

typedef enum {
    EX_NUMBER,      /* 25, 1.5M, 250k: num; flexible unit */
    EX_PERCENT,     /* 12%: num = 0.12 */
    EX_STRING,      /* "text": str */
    EX_BOOL,        /* true / false: num = 0 or 1 */
    EX_DATE,        /* 2026-01-31: date (days since 1970-01-01) */
    EX_NAME,        /* a reference: str */
    EX_UNARY,       /* op a */
    EX_BINARY,      /* a op b */
    EX_IN,          /* a [not] in [args] */
    EX_BETWEEN,     /* a [not] between b and c */
    EX_MISSING,     /* a is [not] missing */
    EX_IF,          /* if a then b else c */
    EX_CALL,        /* str(args [where where]) */
    EX_ERROR        /* a piece the parser could not read; checks stay quiet */
} ExprKind;

typedef enum {
    OPX_ADD, OPX_SUB, OPX_MUL, OPX_DIV,
    OPX_EQ, OPX_NE, OPX_LT, OPX_LE, OPX_GT, OPX_GE,
    OPX_AND, OPX_OR, OPX_COALESCE,
    OPX_NEG, OPX_NOT
} AstOp;

struct Sym;

typedef struct Expr {
    ExprKind kind;
    AstOp op;
    bool negated;           /* not in / not between / is not missing */
    Span span;
    double num;
    int32_t date;
    const char *str;
    struct Expr *a, *b, *c;
    PtrVec args;            /* Expr*: call arguments, the list of `in` */
    struct Expr *where;     /* aggregate filter */
    struct Expr *per;       /* aggregate: `per FIELD`, the group (a name), or NULL */
    Span name_span;         /* a call's function name */
    /* Filled in by the checker. */
    Type ty;
    struct Sym *sym;        /* EX_NAME: what it names; entitled(): the entitlement */
    int member;             /* EX_NAME resolved to an enum/stage member, else -1 */
    int fn;                 /* EX_CALL: index in the stdlib registry */
    int agg;                /* EX_CALL of an aggregate: its slot, else -1 */
} Expr;

/* A name as written, with where it was written. */
typedef struct Ident {
    const char *name;
    Span span;
} Ident;

/* A type as written: a name (money, kam_stage, ...) or an inline enum. */
typedef struct TypeRef {
    Ident name;             /* name.name == NULL for an inline enum */
    PtrVec members;         /* Ident*: inline enum members */
    bool ordered;           /* `enum ordered { ... }`: members compare by position */
    bool optional;          /* written with ? */
    Span span;
} TypeRef;

typedef struct Field {
    Ident name;
    TypeRef *type;
    bool key;
    int index;              /* position in the record, set by the checker */
    Type ty;
} Field;

/* `weight when cond as "label"` in a score; a graded weight is an
 * expression in parentheses, `(clamp(contacts * 2, 0, 20)) when ...`,
 * worked out only when the condition holds. */
typedef struct Criterion {
    Expr *weight, *cond;
    bool graded;            /* written in parentheses (weight is what is inside,
                               negated when a `-` starts the line) */
    Span weight_span;       /* the weight as written, parentheses included */
    const char *label;      /* NULL if none */
    Span label_span;
    Span span;
} Criterion;

/* `name when cond [as "label"]` or `name otherwise [as "label"]` in a tier. */
typedef struct TierBranch {
    Ident name;
    Expr *cond;             /* NULL for otherwise */
    const char *label;      /* `as "label"`, or NULL */
    Span label_span;
    Span span;
} TierBranch;

/* `from -> to when cond [as "label"]` in a stages block; from "any" is any
 * non-final. Several sources (`mid_kam, partnership -> uncoupling`) make
 * one transition, tried at its place for each of them. `winback from -> to`
 * leaves a final stage (the way back from uncoupling). */
typedef struct Transition {
    Ident from, to;         /* from: the first source */
    PtrVec froms;           /* Ident*: every source, as written */
    bool from_any;          /* a source is `any` */
    bool winback;           /* written `winback from -> to` */
    Span winback_span;
    Expr *cond;
    const char *label;      /* `as "label"`, or NULL */
    Span label_span;
    Span span;
    int from_member, to_member;   /* set by the checker: the first source's */
    int *from_members;      /* set by the checker: each source's member, or -1
                               (unknown, or `any`); froms.len of them */
} Transition;

/* Whether the transition is tried when the current stage is member m
 * (`any` is every ordered stage; norder is the number of ordered stages). */
static inline bool ast_transition_from(const Transition *t, int m, int norder)
{
    if (t->from_any && m >= 0 && m < norder) return true;
    for (int i = 0; i < t->froms.len && t->from_members; i++)
        if (t->from_members[i] == m && m >= 0) return true;
    return false;
}

/* `name: value` in `given { }`, `name: value [as "label"]` in `with { }`
 * (an entitlement's term). */
typedef struct Attr {
    Ident name;
    Expr *value;
    const char *label;      /* with: the term's `as "label"`, or NULL */
    Span label_span;
    struct Sym *sym;        /* given: the field or param it sets */
    int term_reg;           /* with: the compiler's register for its value */
} Attr;

/* `account "KEY" { field: value ... }` in a test of several accounts. */
typedef struct TestAccount {
    const char *key;
    Span key_span;
    PtrVec attrs;           /* Attr*: its fields (on top of the test's given) */
    Span span;
} TestAccount;

typedef enum {
    D_POLICY, D_IMPORT, D_RECORD, D_PARAM, D_CONST, D_LET, D_SCORE,
    D_SELECT, D_TIER, D_STAGES, D_ENTITLE, D_FLAG, D_LIMIT, D_TEST,
    D_OUTPUT,               /* `output f1, f2`: default output columns */
    D_DISPLAY,              /* `display f`: the field shown beside the key */
    D_PORTFOLIO             /* `portfolio flag NAME "text" when COND`: once per run */
} DeclKind;

typedef struct Decl {
    DeclKind kind;
    Span span;              /* the whole definition */
    Ident name;             /* the defined name (not for policy/import/test) */
    const char *str;        /* policy title, import path, test name, flag text */
    Span str_span;
    const char *desc;       /* param .. flag: the description after the name
                               (`select key_account "Key account" when`), or
                               NULL; a flag's text is both str and desc */
    Span desc_span;
    TypeRef *type;          /* param/const/let: declared type, or NULL */
    Expr *value;            /* param/const/let: value; select/entitle/flag: cond;
                               limit: the count */
    Expr *by;               /* limit: ranking expression */
    Expr *per;              /* limit: `per FIELD`, the group (a name), or NULL */
    Expr *as_of;            /* test: `as of DATE`, or NULL */
    PtrVec fields;          /* record: Field* */
    PtrVec items;           /* score: Criterion*; tier: TierBranch*;
                               stages: Transition*; test: Expr* (expects) */
    PtrVec order, finals;   /* stages: Ident*; output, display: the fields (Ident*) */
    PtrVec attrs;           /* entitle: with-attributes; test: given */
    PtrVec accounts;        /* test: TestAccount*, in order (none: one account, given) */
    PtrVec expect_on;       /* test: by expect, the account it names (`expect "A1": x`,
                               an Ident*), or NULL */
    Span order_span;        /* stages: where `order` was written */
    bool has_order;
    bool broken;            /* a syntax error inside: its member list may be
                               incomplete, so its names are not called unknown */
} Decl;

/* A parsed policy: its definitions in source order, imports merged in. */
typedef struct Program {
    PtrVec decls;
    PtrVec skipped;         /* Span*: text that syntax-error recovery skipped */
    Arena *arena;
} Program;

Expr *ast_expr(Arena *a, ExprKind kind, Span span);
Expr *ast_binary(Arena *a, AstOp op, Expr *l, Expr *r, Span span);
Expr *ast_unary(Arena *a, AstOp op, Expr *x, Span span);
Decl *ast_decl(Arena *a, DeclKind kind, Span span);
Ident *ast_ident(Arena *a, const char *name, Span span);
const char *ast_op_text(AstOp op);
const char *ast_decl_kind_name(DeclKind k);

#endif
