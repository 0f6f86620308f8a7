/* vm.h — the virtual machine that runs a Chunk against one record's
 * registers: a loop over 10-byte register instructions. It also keeps the
 * aggregates' and limits' state between the portfolio passes and the
 * record pass. The VM reads no
 * files and prints nothing: a runtime problem (division by zero, a result
 * overflowing a double, a date past 9999-12-31) is returned as an error for
 * the record. */
#ifndef KAM_VM_H
#define KAM_VM_H

#include "bytecode.h"
#include "../stdlib/std.h"

typedef struct AggState {
    double sum, min, max;
    long count;
    double *vals;           /* rank/percentile: every value, sorted after pass one */
    size_t nvals, cap;
} AggState;

/* The groups of an aggregate or limit with `per`: each group value gets a
 * dense id (0 ..) the first time it is seen; memory grows with the number
 * of groups, not of records. */
typedef struct GroupTab {
    char **keys;            /* by id: the value's bytes (a string's, or an int's) */
    uint32_t *lens;
    uint8_t *missing;       /* by id: the missing value's group */
    size_t n, cap;
    int *slots;             /* open addressing: id + 1, 0 empty */
    size_t nslots;
} GroupTab;

/* Group id of v in t (kind: how to read v); -1 if absent and !add. */
long vm_group_id(GroupTab *t, GroupKind kind, Value v, bool add);
/* The text of group id (for explain): a string's bytes, or NULL for a
 * member (*member set) or the missing group (*missing set). */
void vm_group_value(const GroupTab *t, GroupKind kind, long id, Value *out);

/* A limit's candidates (first pass) and then the records it keeps. */
typedef struct LimitCand {
    double by;
    long ordinal;
    char *key;
    long group;             /* `per`: its group's id, else 0 */
} LimitCand;

typedef struct LimitState {
    LimitCand *cands;       /* after finishing: sorted by group, then rank */
    size_t n, cap;
    uint8_t *keep;          /* bit per record ordinal */
    size_t nkeep;           /* bytes in keep */
    GroupTab groups;        /* `per` */
} LimitState;

/* An aggregate with `per`: a state per group. */
typedef struct AggGroups {
    GroupTab tab;
    AggState *st;           /* by group id */
    size_t cap;
} AggGroups;

/* A grouped AGG_ADD's previous state, to take a failing record back out. */
typedef struct GroupUndo {
    int slot;
    long id;
    AggState prev;
} GroupUndo;

typedef struct Vm {
    const Chunk *c;
    Value *regs;            /* the register file, c->nregs values */
    AggState *agg;          /* c->naggs */
    LimitState *lim;        /* c->nlimits */
    AggGroups *gagg;        /* c->naggs: the groups of those with `per` */
    Value group;            /* set by GROUP for the next grouped instruction */
    GroupUndo *undo;        /* grouped AGG_ADDs of the current record */
    size_t nundo, capundo;
    long ordinal;           /* the record's position in the data (same in both passes) */
    const char *key;        /* its key, for breaking ties in limits */
    size_t keylen;
    StdCtx std;             /* what built-ins see: today, scratch, an error */
    char *scratch;          /* per-record string space (lower, upper, matches) */
    size_t scratch_used, scratch_cap;
    void **spill;           /* scratch requests the block could not hold */
    int nspill;
    const char *err;        /* after vm_run fails: what went wrong (a built-in
                               sets it to fail the record; vm_run clears it) */
    Span err_span;          /* and where in the policy */
} Vm;

/* A VM with its registers set to the chunk's initial values. */
Vm *vm_new(const Chunk *c);
void vm_free(Vm *vm);
/* Sets today (days since 1970-01-01). */
void vm_set_today(Vm *vm, int32_t today);
/* Runs from pc to the next HALT. Returns 0, or -1 with vm->err set. */
int vm_run(Vm *vm, int pc);
/* After portfolio pass `layer` (1 ..): sorts the rank/percentile values of
 * that layer's aggregates and decides which records its limits keep. */
void vm_pass_finish(Vm *vm, int layer);
/* The same for every layer at once (a one-pass chunk, tests). */
void vm_agg_finish(Vm *vm);
/* Forgets every aggregate and limit (before a new first pass). */
void vm_pass_reset(Vm *vm);
/* Forgets every limit's candidates. */
void vm_limits_reset(Vm *vm);
/* The state aggregate `slot` has for the group of value g (g ignored
 * without `per`); an empty state if that group has no values. */
const AggState *vm_agg_state(const Vm *vm, int slot, Value g);
/* The candidates of limit `slot` in group g (all without `per`), once
 * finished: *from .. *to in l->cands. */
void vm_limit_group(const Vm *vm, int slot, Value g, size_t *from, size_t *to);
/* Takes a failing record's grouped AGG_ADDs back out (the engine's undo;
 * ungrouped states it restores itself), and forgets the log. */
void vm_undo_groups(Vm *vm);
/* Scratch bytes valid until vm_reset_scratch (once per record). */
char *vm_scratch(Vm *vm, size_t n);
void vm_reset_scratch(Vm *vm);

#endif
