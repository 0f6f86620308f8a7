/* check_int.h — what the checker's files share, and nothing else includes:
 * the Checker's state and the helpers the parts call across files. The
 * checker is check.c (names, types, expressions, definitions, the driver),
 * stages.c (stages and tiers), order.c (the evaluation order and cycles)
 * and load.c (loading, imports, the symbol table lookup). */
#ifndef KAM_CHECK_INT_H
#define KAM_CHECK_INT_H

#include "check.h"

#include <stdbool.h>

/* The symbol table: names to Syms, open addressing. */

typedef struct SymTab {
    Sym **slots;
    int cap, n;
} SymTab;


typedef enum {
    CTX_RULE,       /* a rule's body: fields, rules, params, aggregates */
    CTX_CONST,      /* a param/const value, a weight, a limit: constants only */
    CTX_TEST        /* a test's expect: anything */
} CheckCtx;

/* An aggregate call, the rule whose definition holds it and the names its
 * argument reads, for order.c's layers and cycles. */
typedef struct AggRefs {
    Expr *call;
    PtrVec refs;            /* Sym*: read by its argument, filter or group */
    Sym *owner;             /* the rule it is in, or NULL (a test, a probe) */
    struct AggRefs *parent; /* the aggregate it is nested in, or NULL */
    int state;              /* order.c: 0 new, 1 on the stack, 2 done */
    int layer;              /* order.c: the pass that computes it */
    int pos;                /* its index in Checker.aggrefs */
} AggRefs;

enum { MAX_PRESENT = 64 };

typedef struct Checker {
    Policy *p;
    DiagList *d;
    Arena *a;
    SymTab tab;
    Sym *cur;               /* rule whose body is being checked */
    CheckCtx ctx;
    const char *ctx_what;   /* for CTX_CONST messages: "a param's value" */
    AggRefs *agg;           /* aggregate whose argument is being checked */
    PtrVec aggrefs;         /* AggRefs* */
    Sym *present[MAX_PRESENT];  /* optional names known present here */
    int npresent;
    PtrVec syms;            /* Sym*, definition order */
    int depth;              /* expression nesting, bounded by MAX_DEPTH */
    bool too_deep;          /* reported once */
} Checker;

enum { MAX_DEPTH = 1000 };

/* Diagnostics at a span; the Diag, for a "did you mean" to be added. */
Diag *chk_err(Checker *c, Span sp, const char *code, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
Diag *chk_warn(Checker *c, Span sp, const char *code, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void chk_did_you_mean(Diag *g, const char *best);
/* Whether a syntax error lost a definition of that name (no cascades). */
bool chk_lost_name(Checker *c, const char *name);
int chk_line_of(Checker *c, Span sp);
bool chk_is_rule(const Sym *s);
Sym *chk_tab_get(const SymTab *t, const char *name);
/* A bool condition checked; a warning when it is always true or false. */
Type chk_need_bool(Checker *c, Expr *e, const char *what);
int chk_const_truth(const Expr *e);
void chk_warn_constant(Checker *c, const Expr *cond, const char *what);
/* The parts: stages and tiers (stages.c), the evaluation order (order.c),
 * the whole program (check.c, called by load.c). */
/* The member enums of a stages block and a tier, made when it is defined. */
EnumInfo *chk_stage_enum(Checker *c, Decl *d);
EnumInfo *chk_tier_enum(Checker *c, Decl *d);
void chk_stages(Checker *c, Sym *s);
void chk_tier(Checker *c, Sym *s);
void chk_order_rules(Checker *c);
void chk_program(Checker *c);

#endif
