/* engine.h — the one evaluation engine. Every command that evaluates a
 * policy (run, test, explain, diff, the REPL), the embedding API (kam.h)
 * and the fuzz harnesses go through it, so they cannot disagree. It holds
 * the steps of an evaluation, always in this order:
 *
 *   1. open:    compile the checked policy (with probes: extra expressions
 *               such as --where, test expectations, explain's sub-terms)
 *   2. params:  --set / :set / test values, then the init code; a param
 *               that cannot be computed (5 / 0) is a policy error
 *   3. passes:  the portfolio passes, 1 .. eng_npasses (none without
 *               aggregates or limits): pass k computes the aggregates and
 *               limits of layer k over every record that exists, from the
 *               values of earlier layers (lang/order.c plans the layers). A
 *               record whose evaluation fails in a pass is taken back out
 *               of it whole (never half-counted) and left out of the later
 *               passes and the records step; failing after pass 1, it was
 *               counted by earlier passes, so the engine says the passes
 *               are stale and the caller does them all again, from pass 1,
 *               without it (the left-out records are kept: each new round
 *               has strictly more, so this ends)
 *   4. records: each record's rules and probes
 *
 * The portfolio flags are worked out once, right after the last pass (or
 * after the params when there are no passes): eng_pass_end and eng_init
 * run them, so every caller has them before step 4.
 *
 * and the one status type, mapped to exit codes in one place. It does not
 * read files of its own (the caller feeds records: streamed from a Source,
 * or from memory), nor print results. Messages go to the FILE given. */
#ifndef KAM_ENGINE_H
#define KAM_ENGINE_H

#include "../lang/compile.h"
#include "../runtime/bytecode.h"
#include "../runtime/vm.h"
#include "../runtime/vm_batch.h"
#include "../runtime/reader.h"

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* How an evaluation (or a command) ended. */
typedef enum EngStatus {
    ENG_OK = 0,
    ENG_POLICY,         /* the policy has errors, or a param cannot be computed */
    ENG_USAGE,          /* a bad option or value, an unknown param, an unreadable file */
    ENG_DATA,           /* data errors: records left out, or the input stopped early */
    ENG_INTERRUPTED     /* stopped by the user (Ctrl-C) */
} EngStatus;

/* The exit status for a status: 0, 1, 2, 3, 130 (documented in docs/cli.md). */
int eng_exit_code(EngStatus st);
/* The worse of two statuses (usage > policy > data > ok). */
EngStatus eng_worse(EngStatus a, EngStatus b);
/* Today's local date, as days since 1970-01-01. */
int32_t eng_today(void);

typedef struct Engine {
    Policy *pol;        /* the checked policy (not owned) */
    Chunk *chunk;       /* compiled with the probes (owned unless adopted) */
    bool own_chunk;
    Vm *vm;             /* owned */
    FILE *err;          /* where messages go (NULL: nowhere, see msg) */
    char msg[600];      /* the last failure of a step, as a sentence */
    bool color;         /* diagnostics in colour */
    bool *bad;          /* by record ordinal: left out by a portfolio pass (owned) */
    long nbad_cap;
    long left_out;          /* how many records the passes left out */
    int cur_pass;           /* the pass being run (1 ..), 0 before */
    bool stale;             /* a record was left out after pass 1 counted it */
    bool soft_probes;       /* a probe that cannot be worked out is missing, not
                               the record's error (explain: a sub-term kam run
                               never evaluates, such as a transition's condition
                               from another stage, may overflow) */
    long *why_ord;          /* the first ENG_MAX_WHY failed ones: ordinal */
    char **why;             /* and the reason, with its place in the policy */
    int nwhy;
    char **pf_why;          /* by portfolio flag: why it could not be worked
                               out (its value is then missing), or NULL */
    struct EngLent *lent;   /* eng_lend_passes: what e had of its own */
} Engine;

/* Step 1: compiles pol with the probes (probe i's value ends in
 * chunk->probe_reg[i]) and makes a VM whose today is `today`. ENG_POLICY
 * with diagnostics printed if the policy is too large to compile. */
EngStatus eng_open(Engine *e, Policy *pol, Expr **probes, int nprobes, int32_t today, FILE *err,
                   bool color);
/* The same for a chunk compiled by the caller (who keeps owning it). */
void eng_adopt(Engine *e, Policy *pol, Chunk *chunk, int32_t today, FILE *err, bool color);
void eng_close(Engine *e);

/* Step 2: gives param `name` the value written as `text` (a literal, as in
 * `--set name=text`: 8%, 250k, 2026-01-31, true, a member name), checked
 * against the param's type and unit. ENG_USAGE with the reason printed. */
EngStatus eng_set_param(Engine *e, const char *name, const char *text);
/* The same for a value already known (test `given` params). */
void eng_set_param_value(Engine *e, const Sym *param, Value v);
/* Runs the init code: params and consts. ENG_POLICY with "file:line:col:
 * division by zero while computing the params" in e->msg (and printed). */
EngStatus eng_init(Engine *e);
/* The value of a literal expression (a number, 12%, a date, true/false, a
 * string, an enum member, negated or not). */
bool eng_literal_value(const Expr *x, Value *out);

/* Step 3, for records fed one at a time. eng_passes_reset forgets the
 * records left out (a new portfolio). For k = 1 .. eng_npasses: begin
 * (pass 1 forgets every aggregate and limit), then each record, its fields
 * (those of chunk->pass_field_used[k - 1] at least) in the VM's field
 * registers, with its ordinal (the same number in every pass and in step
 * 4) and key; false if it failed or was left out before (vm->err says why
 * if it failed now; it was taken back out of this pass). Then end. If
 * eng_stale after a pass, start again from pass 1 (the left-out records
 * stay out). A policy without aggregates or limits has no passes. */
int eng_npasses(const Engine *e);
bool eng_has_passes(const Engine *e);
void eng_passes_reset(Engine *e);
void eng_pass_begin(Engine *e, int k);
bool eng_pass_record(Engine *e, int k, long ordinal, const char *key, size_t keylen);
/* Marks a record as left out for a reason of the caller's (it could not be
 * read or converted): the later passes and step 4 leave it out too; during
 * a pass after the first, the passes become stale. */
void eng_pass_left_out(Engine *e, long ordinal);
void eng_pass_end(Engine *e, int k);
/* Pass k on several workers (kam run -j): a worker evaluates a record on
 * a VM of its own (vm_pass_lend: its state for pass k, the earlier layers'
 * lent from e->vm), touching nothing of e's; false if it failed (why says
 * so, with the place in the policy; what it added was taken back out).
 * The merging thread then says, in input order, which records failed
 * (why: NULL for a reason of the caller's, as eng_pass_left_out) and
 * merges the VMs' partial states (vm_pass_merge) between begin and end. */
bool eng_pass_eval(const Engine *e, Vm *vm, int k, long ordinal, const char *key, size_t keylen,
                   char *why, size_t len);
void eng_pass_failed(Engine *e, long ordinal, const char *why);
bool eng_stale(const Engine *e);
/* Whether the passes left record `ordinal` out. */
/* Pass k over a run of src's records at once, when the pass is plain
 * adds (eng_pass_eval) and the records plain (rd_batch reads them with
 * plan, the pass's fields; stop as there): the records from `ordinal` on
 * that rd_next, rd_fill and eng_pass_eval would give the same sums, and no
 * failure. Records already left out are skipped. Returns how many it read
 * (they count as read: the next ordinal is ordinal + that), 0 when the next
 * record needs rd_next, -1 when this pass and source never go this way.
 * Thread-safe as eng_pass_eval is (vm one's own). */
long eng_pass_batch(const Engine *e, Vm *vm, int k, Source *src, const RdPlan *plan, long ordinal,
                    long long stop);
/* Pass k over n records from `ordinal` on whose fields are numbers, none
 * missing, when the pass is plain adds (eng_pass_eval): field j of record
 * ordinal + i at cols[j][i], read as register regs[j]; the same sums as
 * eng_pass_eval on each. Records already left out are skipped. Returns n,
 * or -1 (nothing done) when the pass is not plain adds. */
long eng_pass_values(const Engine *e, Vm *vm, int k, long ordinal, long n, int nfields, const int *regs,
                     const double *const *cols);
static inline bool eng_left_out(const Engine *e, long ordinal)
{
    return ordinal >= 0 && ordinal < e->nbad_cap && e->bad[ordinal];
}
/* Why they left it out, if its evaluation failed ("division by zero (in
 * p.kam:3:9)"); a general sentence beyond the first ENG_MAX_WHY. */
const char *eng_left_out_why(const Engine *e, long ordinal);
enum { ENG_MAX_WHY = 1000 };

/* The portfolio flags (chunk->portfolio), worked out now from the params
 * and the aggregates of the passes done; eng_pass_end (the last pass) and
 * eng_init (a policy without passes) call it. A flag whose condition
 * fails (division by zero) is missing, with the reason in e->pf_why. */
void eng_portfolio(Engine *e);
/* Flag i's value: 1 raised, 0 not, -1 not worked out (see e->pf_why[i]). */
int eng_portfolio_value(const Engine *e, int i);

/* Step 4: evaluates the record whose fields are in the VM's registers: its
 * rules, then the probes. false if it failed; `why` then says so, with the
 * place in the policy: "division by zero (in p.kam:12:5)". */
bool eng_record(Engine *e, long ordinal, const char *key, size_t keylen, char *why, size_t len);

/* Opens a data source; NULL with the reason printed to err and *st set:
 * ENG_USAGE if the file cannot be opened at all (missing, a folder,
 * unreadable, SQLite from standard input), ENG_DATA if it opens but is not
 * data for this policy (no header, a column missing, a corrupt file). */
Source *eng_source(const Policy *pol, const char *path, const SourceOpts *in, FILE *err,
                   EngStatus *st);

/* The VM's last error with its place in the policy: "division by zero (in
 * p.kam:12:5)". */
void eng_vm_error(const Engine *e, char *buf, size_t len);

/* Whether chunks a and b (compiled from one policy, with different
 * probes) have the same portfolio passes: the same aggregates and limits. */
bool eng_passes_alike(const Chunk *a, const Chunk *b);
/* Step 3 borrowed: e (params set, init run) takes from's portfolio-pass
 * results (aggregates, limits, the records they left out and why) as its
 * own, without a pass over the records: a focused account's value, or an
 * expression about it, needs only its own record then. from's params must
 * be e's as the passes read them (the caller's: the same what-ifs).
 * eng_unlend_passes gives them back (before closing either engine). */
void eng_lend_passes(Engine *e, const Engine *from);
void eng_unlend_passes(Engine *e);

/* Which registers the code from pc to its HALT reads (reads) and writes
 * (writes); either may be NULL. Arrays of chunk->nregs. */
void eng_code_regs(const Chunk *c, int pc, bool *reads, bool *writes);

/* Step 4 by difference, for what-ifs (the REPL's :diff and :sweep, kam
 * diff --set): the same records evaluated under params that differ from a
 * reference in a few registers. The rules that read a changed register
 * directly are the frontier; if, for a record, every frontier rule comes
 * out the same under both (value, term values, which branch fired), every
 * rule does (the others read only what is the same), so its outcome is the
 * reference's and the full evaluation can be skipped. The chunk must be
 * compiled with units (cg_compile_units). */
typedef struct EngDelta {
    int *run, nrun;         /* units to run, in order: the frontier and what it reads */
    int *cmp, ncmp;         /* registers to compare: what the frontier writes */
    bool *cmp_str;          /* by cmp: a string (compared by its bytes) */
    bool has_str;           /* one of them is */
    int *swap, nswap;       /* registers that differ from the reference */
    Value *ref, *cur;       /* by swap: the reference's value, and e's */
    bool *fields;           /* by field index: read by the units run, and the probes */
    int *prun, nprun;       /* units the probes read (with what those read) */
    const struct Engine *ref_e; /* the reference's passes, when e's differ (else NULL) */
} EngDelta;
/* The plan for e (params set, init run, passes done) against the
 * registers ref had after the same init under the reference params. When
 * a portfolio pass or a limit's count reads a changed register, that
 * pass's aggregates and limits (and every later pass's) may differ: the
 * units that read them join the frontier, worked out under the reference
 * with ref_e's aggregates and limits (an engine on a chunk with e's
 * passes, eng_passes_alike, with the reference's params and passes done,
 * which must outlive the plan), and a
 * record either engine's passes left out is not decided. NULL if a
 * difference cannot decide: the chunk has no units, the passes differ and
 * there is no ref_e, or a probe reads a changed register (evaluate
 * fully). With nothing changed, d->nrun is 0: every record is the same. */
EngDelta *eng_delta_new(const Engine *e, const Value *ref, const Engine *ref_e);
void eng_delta_free(EngDelta *d);
/* The frontier's values for record `ordinal` under the reference params
 * (its fields of d->fields at least in vm's registers; vm runs e's chunk
 * with e's params and state), into out (d->ncmp values; strings among them
 * point into vm's scratch until its next record). 0 if it failed. */
int eng_delta_ref(const EngDelta *d, Vm *vm, long ordinal, Value *out);
/* Whether the record then comes out as under the reference: 1 the same,
 * 0 not, or not known (it fails: evaluate it fully). The reference's
 * values are either old, the registers of the record's full evaluation
 * under the reference (kam diff has them: vm is then set to the record
 * here), or ref, eng_delta_ref's values (vm still at that record, or
 * set to it by eng_delta_ref's caller). */
int eng_delta_same(const EngDelta *d, Vm *vm, long ordinal, const Value *old, const Value *ref);
/* eng_delta_same against reference values kept as payloads (Value.u;
 * d->has_str false): value i is missing if bit i of `missing` is set, and
 * has no length. Sets vm to the record. */
int eng_delta_same_kept(const EngDelta *d, Vm *vm, long ordinal, const uint64_t *ref, unsigned missing);

/* The probes (chunk->probe_pcs: a :where filter) of a record that
 * eng_delta_same found the same, after it: the units they read, then
 * each probe, its value in chunk->probe_reg. 0 if one failed (evaluate the
 * record fully: the failure is its error). */
int eng_delta_probes(const EngDelta *d, Vm *vm);
/* eng_delta_probes for a record nothing set vm to yet (the batches
 * below): its fields of d->fields in vm's registers. */
int eng_delta_probes_at(const EngDelta *d, Vm *vm, long ordinal);

/* The frontier over a batch of records (runtime/vm_batch.h), the same
 * answers as record by record. A plan for d's units on vm's chunk, the
 * fields they read in cols (every field of d->fields a column, none
 * missing); NULL if they cannot run so: d compares a string, has the
 * reference's passes (ref_e), or a unit holds an instruction the batch
 * does not take. One thread's. */
VbPlan *eng_delta_batch_new(const EngDelta *d, const Vm *vm, const VbCol *cols, int ncols);
/* A record's frontier values kept, as eng_delta_same_kept takes them: its
 * state ENG_KEPT_OK with bit i set if value i is missing, or
 * ENG_KEPT_FAILED (the reference's units fail for it). */
enum { ENG_KEPT_FAILED = 1, ENG_KEPT_OK = 0x80 };
/* The frontier's values under the reference params (ref: as
 * eng_delta_ref) or vm's, for records [from, from + n) (n <= VB_LANES)
 * with want set: record from + i's into vals[i * d->ncmp ..] and its
 * state into st[i]. Others are not touched. */
void eng_delta_batch_values(const EngDelta *d, Vm *vm, VbPlan *p, bool ref, long from, int n,
                            const uint8_t *want, uint64_t *vals, uint8_t *st);
/* eng_delta_same_kept for those records, against vals and st as above
 * (want set only where st[i] has ENG_KEPT_OK): same[i] 1 or 0. */
void eng_delta_batch_same(const EngDelta *d, Vm *vm, VbPlan *p, long from, int n, const uint8_t *want,
                          const uint64_t *vals, const uint8_t *st, uint8_t *same);

/* In-memory records (the REPL, diff, explain, test): nrec rows of nfields
 * values each, with their keys. */
typedef struct EngTable {
    const Value *vals;
    int nfields;
    char *const *keys;
    int nrec;
} EngTable;

/* Copies row r of t into the VM's field registers. */
void eng_load_row(Engine *e, const EngTable *t, int r);
/* Every portfolio pass over a whole table (reset, then each pass: begin,
 * every row, end; again from pass 1 when stale). Returns how many rows they
 * left out; stops early (returning -1) when *stop becomes true. */
long eng_passes_table(Engine *e, const EngTable *t, volatile sig_atomic_t *stop);

#endif
