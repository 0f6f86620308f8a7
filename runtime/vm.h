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

/* An instruction of a VM's own code (vm.c): the chunk's, or a fused one,
 * its registers as byte offsets into the register file. */
typedef struct VmInstr {
    uint32_t op, x, d, a, b;
} VmInstr;

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
    int lent;               /* vm_pass_lend: the layer this VM adds to (0: none) */
    bool addends;           /* keep every value added to a sum (vm_pass_merge replays them) */
    VmInstr *code;          /* c->code with common runs fused (vm.c), made by the
                               first vm_run: what vm_run runs (the chunk's code
                               must not change after that) */
    bool nofuse;            /* tests: set before the first vm_run, code is the
                               chunk's instructions as they are */
    uint8_t *aggsig;        /* c->naggs: each aggregate's SigKind (no lookup per add) */
    int64_t *sw;            /* the tables of code's SWITCH_EQ and IN_RANGE (vm.c) */
    int nsw;
    int plain_k;            /* vm_pass_plain's answer for pass plain_k (0: none yet) */
    int nplain;
    const Instr *plain[16];
} Vm;

/* A VM with its registers set to the chunk's initial values. */
Vm *vm_new(const Chunk *c);
void vm_free(Vm *vm);
/* Sets today (days since 1970-01-01). */
void vm_set_today(Vm *vm, int32_t today);
/* Runs from pc to the next HALT. Returns 0, or -1 with vm->err set. */
int vm_run(Vm *vm, int pc);
/* What AGG_ADD does when its condition holds: adds arg to aggregate slot
 * (one without `per`: a grouped one takes vm->group). For a pass whose
 * code is only such adds, which a loop can do without vm_run. */
void vm_agg_add(Vm *vm, int slot, Value arg);
/* vm_agg_add of the numbers x[0 .. n), in order, to a slot without `per`
 * that is not a count(): a run of records whose add's condition holds for
 * every one. */
void vm_agg_add_values(Vm *vm, int slot, const double *x, long n);
/* Whether portfolio pass k's code is only AGG_ADDs to aggregates without
 * `per` (at most 16), which cannot fail: their count, with the adds in
 * *adds (the chunk's instructions: if register b holds, vm_agg_add(x, a));
 * -1 if it is anything else. Worked out once per VM and pass. The engine
 * (eng_pass_eval) does such a pass without vm_run. */
void vm_pass_plain_find(Vm *vm, int k);
static inline int vm_pass_plain(Vm *vm, int k, const Instr *const **adds)
{
    if (vm->plain_k != k) vm_pass_plain_find(vm, k);
    *adds = vm->plain;
    return vm->nplain;
}
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
/* A portfolio pass on several VMs (kam run -j). Each worker VM adds a
 * chunk of the records to state of its own, a VmPartial, and the partials
 * are merged into the main VM in input order, so the result is bit for bit
 * that of one VM: counts, min and max are exact; rank and percentile
 * values and limit candidates are concatenated in input order; a sum is
 * replayed from its addends (each value added, in order) on the merging
 * thread, as floating-point addition is not associative; `per` groups get
 * their ids in order of first appearance, as with one VM. */
typedef struct VmPartial {
    int layer;              /* 0: empty */
    AggState *agg;          /* c->naggs; only the layer's slots used */
    AggGroups *gagg;
    LimitState *lim;        /* c->nlimits */
} VmPartial;
/* Worker w (a VM on the same chunk) for pass `layer`: its slots of earlier
 * layers see from's finished state (lent, read only, not copied), its
 * slots of `layer` start empty and keep their addends. */
void vm_pass_lend(Vm *w, const Vm *from, int layer);
/* Moves w's state for its layer into *out (w's slots are empty again). */
void vm_pass_take(Vm *w, VmPartial *out);
/* Adds partial p (taken from records that come after everything merged
 * so far) to into's state, limit candidates' ordinals moved by ord_delta;
 * frees p. */
void vm_pass_merge(Vm *into, VmPartial *p, long ord_delta);
void vm_partial_free(const Chunk *c, VmPartial *p);
/* Gives back what vm_pass_lend lent (before vm_free). */
void vm_pass_unlend(Vm *w);
/* Scratch bytes valid until vm_reset_scratch (once per record). */
char *vm_scratch(Vm *vm, size_t n);
void vm_free_spill(Vm *vm);        /* vm_reset_scratch's rare part */
static inline void vm_reset_scratch(Vm *vm)
{
    if (vm->nspill) vm_free_spill(vm);
    vm->scratch_used = 0;
}

#endif
