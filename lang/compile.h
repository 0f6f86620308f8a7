/* compile.h — the compiler: a checked Policy (check.h) to a Chunk of
 * bytecode (runtime/bytecode.h), with the record schema and output columns
 * the runtime needs. */
#ifndef KAM_COMPILE_H
#define KAM_COMPILE_H

#include "check.h"
#include "../runtime/bytecode.h"

/* Compiles a checked policy (no errors) into a chunk. `probes` are extra
 * checked expressions (a --where filter, REPL input, what explain looks at)
 * compiled into their own segment, run after the record code, each leaving
 * its value in probe_reg[i]. Returns NULL with a diagnostic if a limit
 * (registers, code size) is exceeded. */
Chunk *cg_compile(Policy *p, Expr **probes, int nprobes, DiagList *diags);
/* The same, with each rule's code also emitted as a unit of its own
 * (chunk->unit_pc), for evaluating a what-if by difference (engine.h,
 * eng_delta_new). */
Chunk *cg_compile_units(Policy *p, Expr **probes, int nprobes, DiagList *diags);
void cg_free(Chunk *c);
/* The register holding a rule's (or field's, param's) value, or -1. */
int cg_reg_of(const Chunk *c, const Sym *s);

#endif
