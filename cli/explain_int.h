/* explain_int.h — what explain.c (the sentences, the account's own values)
 * and explain_change.c (the search for a change that flips the selection,
 * confirmed by re-running the whole pipeline) share; nothing else includes
 * it. */
#ifndef KAM_EXPLAIN_INT_H
#define KAM_EXPLAIN_INT_H

#include "explain.h"
#include "../base/numfmt.h"

#include <stdbool.h>
#include <stddef.h>

/* A growing string. */
typedef struct Str {
    char *p;
    size_t len, cap;
} Str;

enum { MAX_CRIT = 64 };

/* Where a limited select leaves the account. */
typedef struct LimInfo {
    bool on;                /* the select has a limit */
    double cap;             /* N of `limit to N` */
    size_t ncand, keep;     /* accounts whose condition holds; how many stay */
    long rank;              /* 1-based among them; 0 if the condition fails */
    bool cond, kept;
    double cut;             /* the `by` value of the last account kept (keep > 0) */
    double mine;            /* this account's `by` value */
} LimInfo;

/* The outcome of one evaluation of the account (the first select's). */
typedef struct Outcome {
    bool sel;
    double score;
    bool crit[MAX_CRIT];    /* the first score's criteria, met or not */
    double pts[MAX_CRIT];   /* the points each gave (0 if not met) */
    LimInfo li;
} Outcome;

typedef struct Ex {
    Session *s;
    Policy *p;
    Chunk *c;
    Engine eng;             /* first pass done over the records as they are */
    Vm *vm;                 /* eng's */
    char why[600];          /* why the account could not be evaluated */
    int rec;
    Expr **probes;
    int nprobes, capprobes;
    Expr **graded;          /* per graded criterion (in probe order), a probe
                               `if cond then weight else 0`: the weight is
                               worked out only where the condition holds */
    const Criterion **graded_cr;
    int ngraded;
    Value *regs;            /* the registers value_of reads (the account's) */
    bool json;
    bool portfolio;         /* explaining the portfolio flags only */
    ExplainFact fact;       /* explain_record_facts: facts go here (json is set) */
    void *fact_ud;
    const Sym *sel;         /* the first select: what "would change it" flips */
    const Sym *score;       /* the first score, or NULL */
    int lslot;              /* sel's limit slot in the chunk, or -1 */
    bool selected;
    Outcome base;
    int passes;             /* whole-pipeline re-runs done */
} Ex;

/* What a change to one field of the account does. */
typedef struct Change {
    const Field *field;
    Value value;
    char data[80];          /* the value as a data file would hold it */
    int dir;                /* +1 "or more", -1 "or less", 0 exactly */
    double cost;            /* relative size of the change */
    int local;              /* 1 if the account alone says the select flips */
    bool tried, ok, flips;
    Outcome out;
} Change;

typedef struct Changes {
    Change *v;
    int n, cap;
} Changes;

enum { MAX_SHOWN = 3 };     /* changes shown */

/* explain.c: numbers for people, the account's values, the limit's place,
 * and evaluating the account (alone, or through the whole pipeline). */
void ex_bizfmt(Type t, const Value *v, char *buf, size_t len);
bool ex_bool_of(Ex *x, const Expr *e, bool *known);
void ex_by_text(Ex *x, double v, char *buf, size_t len);
void ex_limit_name(Ex *x, const LimInfo *li, Str *out);
int ex_local_select(Ex *x, const Field *f, Value v);
bool ex_full_eval(Ex *x, const Field *f, Value v, Outcome *o);
double ex_num_in(const Ex *x, const Value *regs, const Expr *e);
/* The points criterion cr gives in registers regs (0 when its condition
 * fails); for a constant weight, also its value when not met in *weight. */
double ex_points_in(const Ex *x, const Value *regs, const Criterion *cr);
void ex_sadd(Str *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ex_sclear(Str *s);
void ex_src_text(Ex *x, const Expr *e, char *buf, size_t len);
const char *ex_stext(const Str *s);
const char *ex_truth(bool b);
/* "Key account (key_account)" for a rule with a description, else its name. */
const char *ex_rule_title(const Sym *sy, char *buf, size_t len);
const Value *ex_value_of(Ex *x, const Expr *e, Value *tmp);
/* explain_change.c: candidate changes, their confirmation (at most
 * MAX_SHOWN kept in out), and their sentences. */
void ex_gather(Ex *x, Changes *cs);
int ex_verify(Ex *x, Changes *cs, Change *out);
void ex_change_sentence(Ex *x, const Change *c, Str *out);
const char *ex_crit_label(Ex *x, const Criterion *cr, char *buf, size_t len);

#endif
