/* check.h — the checked policy. policy_load reads a policy file (and what
 * it imports), parses it and resolves every name and type, producing a
 * Policy: the symbol table, the record schema, the rules in evaluation
 * order and the aggregates, ready for the compiler. All problems go to the
 * diagnostic list; the checker prints nothing. */
#ifndef KAM_CHECK_H
#define KAM_CHECK_H

#include "ast.h"
#include "diag.h"
#include "../runtime/schema.h"

typedef enum {
#define SYMKIND(tag, noun, word) SYM_##tag,
#include "symkinds.def"
#undef SYMKIND
} SymKind;

/* What messages call a kind of name ("stages block"), and the short word
 * listings use ("stages"); both from symkinds.def. */
const char *chk_sym_kind_name(SymKind k);
const char *chk_sym_kind_word(SymKind k);

/* A defined name. Rules (let .. flag) are evaluated per record in `order`. */
typedef struct Sym {
    SymKind kind;
    const char *name;
    Span span;              /* where it is defined */
    Decl *decl;             /* NULL for fields */
    Field *field;           /* SYM_FIELD */
    Type ty;
    int state;              /* checking lets: 0 new, 1 in progress, 2 done */
    PtrVec deps;            /* Sym*: the rules and fields its definition reads
                               (inside its aggregates too) */
    PtrVec reads;           /* Sym*: the same, outside aggregates only */
    int layer;              /* portfolio passes that must be done before it can be
                               evaluated for a record (0: none; see order.c) */
    int limit_layer;        /* SYM_SELECT with a limit: the pass that ranks it */
    bool used;              /* read by some other definition or test */
    Decl *limit;            /* SYM_SELECT: its `limit`, if any */
    int slot;               /* compiler's slot; -1 until assigned */
    int fired_slot;         /* SYM_TIER, SYM_STAGES: the compiler's register for which
                               branch or transition fired (its index; -1 none);
                               -1 for other kinds. Set by cg_compile. */
} Sym;

typedef struct Policy {
    Arena arena;
    SrcSet src;
    Program prog;
    const char *title;
    Decl *record;           /* NULL if the policy has no record block */
    Field **fields;
    int nfields;
    int key_field;          /* index, or -1 */
    Sym **syms;             /* every defined name, in definition order */
    int nsyms;
    Sym **order;            /* rules in an order that respects their deps */
    int norder;
    Sym *stages;            /* the stages block's symbol, or NULL */
    Field *stage_field;     /* the record field holding the current stage */
    PtrVec aggs;            /* Expr*: the aggregate calls, by slot */
    PtrVec tests;           /* Decl*: test blocks */
    void *symtab;           /* name -> Sym, private to check.c */
    Schema schema;          /* the record as the readers see it (schema.c) */
    int *out_fields;        /* `output`: field indices, in order (NULL: none) */
    int nout_fields;
    int display_field;      /* `display`: a string field's index, or -1 */
} Policy;

/* Loads, parses and checks the policy in `path` ("-" for stdin). Returns the
 * Policy even when there are errors (for tools that want partial results);
 * the caller tests diag_failed. NULL only if the file cannot be read (a
 * diagnostic-free message is then in err). */
Policy *policy_load(const char *path, DiagList *diags, char *err, size_t errlen);
/* The same with session definitions (REPL input): each text is parsed as a
 * file named "<input>", and a definition there replaces an earlier one of
 * the same name (a what-if). */
Policy *policy_load_ext(const char *path, const char *const *extra, int nextra, DiagList *diags,
                        char *err, size_t errlen);
/* The same from text in memory, named `name` in messages. */
Policy *policy_load_text(const char *name, const char *text, size_t len, DiagList *diags);
void policy_free(Policy *p);
/* order.c: the portfolio pass an aggregate call is computed in (1 + the
 * latest pass its argument, filter and group need), and the pass after
 * which an expression can be evaluated (0: it needs no aggregate). Valid
 * once the policy checked without errors; also for expressions checked
 * later (probes). */
int policy_agg_layer(const Expr *call);
int policy_expr_layer(const Expr *e);
/* The index of s in p->syms (-1 if not there); marks in need (by that
 * index) every symbol e names, inside aggregates, filters and groups too:
 * the start of what a portfolio pass must compute (compile.c, sql.c). */
int policy_sym_index(const Policy *p, const Sym *s);
void policy_mark_names(const Policy *p, bool *need, const Expr *e);
/* need closed over what each needed rule reads outside aggregates. */
void policy_need_closure(const Policy *p, bool *need);

/* schema.c: fills p->schema from the checked record (policy_load does). */
void schema_build(Policy *p);
/* A checked type as the runtime sees it; enum members stay p's. */
RtKind schema_kind(TypeKind k);
RtType schema_type(Arena *a, Type t);
/* Checks an expression written outside the policy (a --where filter, a
 * --set value, REPL input) against its names. constant: only params,
 * consts and literals may appear. want: the required type, or TY_ERROR for
 * any (non-optional) type. `what` names it in messages ("--where"). */
Type policy_check_expr(Policy *p, Expr *e, DiagList *diags, bool constant, Type want,
                       const char *what);
/* The percent trap for a value written outside the policy for `target` (a
 * --set, :set or :sweep value for a param), after policy_check_expr: a
 * bare number of 1 or more in size for a percent (8 would mean 800%), or a
 * percentage for a plain-number param (55% would mean 0.55), is a
 * percent-literal error naming the target and the fix. */
void policy_check_unit(Policy *p, const Expr *e, const Sym *target, DiagList *diags);
/* The first part of e that differs from account to account outside its
 * aggregates (a field or rule, rank(), percentile(), an aggregate `per`
 * group, entitled()), or NULL: e is the same for the whole portfolio (a
 * portfolio flag's condition, a test's portfolio expectation). */
const Expr *policy_account_part(const Expr *e);
/* The symbol of that name, or NULL. */
Sym *policy_sym(const Policy *p, const char *name);
/* A rule's, param's or const's description (`select key_account "Key
 * account" when ...`, a flag's text), or NULL: none, or a field. The labels
 * of its parts are on them: Criterion, TierBranch, Transition and Attr
 * (an entitlement's term) in s->decl->items and s->decl->attrs. */
const char *policy_desc(const Sym *s);

#endif
