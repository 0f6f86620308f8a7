/* vm_batch.h — a second way to run some units of a chunk (the per-rule
 * code cg_compile_units emits): over VB_LANES records at once, one
 * instruction at a time for every record, the records' fields read from
 * columns. The what-ifs of the REPL (api/engine.c, eng_delta_batch_*)
 * use it to find the records a change of params leaves the same: the
 * units of the frontier are a handful of instructions each, and running
 * them record by record costs more in dispatch and in loading registers
 * than in the instructions themselves.
 *
 * It takes the instructions whose result is a number, a bool, a date or a
 * member and that read nothing but registers: arithmetic, comparisons,
 * jumps forward, missing values, stage tests and the built-ins of numbers
 * and dates. A unit with anything else (strings, aggregates, limits,
 * regular expressions, entitled()) is not taken: vb_new says NULL and the
 * caller runs vm_run record by record. A record that fails (a division by
 * zero, an overflow) is marked failed and left for the caller to evaluate
 * the usual way, so the error is reported as vm_run reports it.
 *
 * Each result is bit for bit what vm_run leaves in the register (payload
 * and missing flag): the instructions here do what vm.c's do, on the same
 * C types. tests/cli/whatif_batch.sh compares the two ways. */
#ifndef KAM_VM_BATCH_H
#define KAM_VM_BATCH_H

#include "vm.h"

#include <stdint.h>

enum { VB_LANES = 256 };

/* How a column holds a field, as the REPL's session keeps it: doubles,
 * 32-bit ints (dates, ints), 32-bit ints of a number type, 8-bit ints
 * (bools, members). */
typedef enum { VB_F64, VB_I32, VB_N32, VB_I8 } VbKind;

typedef struct VbCol {
    int reg;            /* the field's register */
    VbKind kind;
    const void *v;      /* by record */
    const uint8_t *miss;    /* by record: missing (its payload 0), or NULL: none is */
} VbCol;

typedef struct VbPlan VbPlan;

/* A plan to run units[0..nunits) of c, in that order, and read registers
 * out[0..nout) after; the fields they read are in cols. NULL if a unit
 * holds an instruction not taken here, jumps backwards, or reads a
 * register that is neither a column, nor written by the units, nor a
 * param, const, constant or today (what vb_run reads from regs). One
 * thread's: it holds the lanes. */
VbPlan *vb_new(const Chunk *c, const int *units, int nunits, const int *out, int nout,
               const VbCol *cols, int ncols);
void vb_free(VbPlan *p);

/* Runs the plan over records [from, from + n), n <= VB_LANES, the ones
 * with want[i] set (i = record - from); params, consts and today are
 * regs' (as vm_run would read them), a built-in's context vm's. ok[i]:
 * 1 if record from + i ran to the end, 0 if it failed or was not wanted.
 * false (every ok 0) if a register read from regs holds a string. */
bool vb_run(VbPlan *p, Vm *vm, const Value *regs, long from, int n, const uint8_t *want, uint8_t *ok);

/* After vb_run: out register i's payloads (Value.u) and missing flags,
 * by lane. */
const uint64_t *vb_out_bits(const VbPlan *p, int i);
const uint8_t *vb_out_missing(const VbPlan *p, int i);

#endif
