/* bytecode.h — a compiled policy: instructions, the register file's layout
 * and initial values, and what the runtime needs to feed records in and
 * take outcomes out (the record's schema, the output columns). Built by
 * lang/compile.c, run by runtime/vm.c, printed by runtime/disasm.c. The
 * Policy it came from stays alive beside it; the runtime never looks
 * inside it (pol, AggSlot.call and LimitSlot.select are the front end's). */
#ifndef KAM_BYTECODE_H
#define KAM_BYTECODE_H

#include "../base/value.h"
#include "../base/srcfile.h"
#include "../base/arena.h"
#include "schema.h"

#include "rx.h"
#include <stdio.h>
#include <stdint.h>

typedef enum {
#define OP(name, operands, doc) OP_##name,
#include "opcodes.def"
#undef OP
    OP__COUNT
} OpCode;

typedef struct Instr {
    uint8_t op;
    uint16_t x;         /* immediate: function, stage order, slot (at most MAX_IMM) */
    uint16_t d, a, b;   /* registers; b is the target of jumps */
} Instr;

/* The operand letters and the name of each opcode (opcodes.def). */
extern const char *const op_names[OP__COUNT];
extern const char *const op_operands[OP__COUNT];
extern const char *const op_docs[OP__COUNT];

enum { MAX_REGS = 65535, MAX_CODE = 65535, MAX_IMM = 65535 };

/* Why a register exists, for the disassembler and for reading results. */
typedef enum { REG_TEMP, REG_CONST, REG_FIELD, REG_PARAM, REG_RULE, REG_AGGARG } RegRole;

struct Policy;
struct Expr;
struct Sym;

/* What an aggregate or limit with `per FIELD` groups by: none, a member
 * (an enum or stage: an int), a string. A missing value is a group of its own. */
typedef enum { GROUP_NONE, GROUP_INT, GROUP_STR } GroupKind;

/* One aggregate call: its function and how to finish it after pass one. */
typedef struct AggSlot {
    struct Expr *call;      /* the front end's */
    int fn;             /* registry index */
    int layer;          /* the portfolio pass that accumulates it (1 ..) */
    GroupKind group;    /* `per FIELD`: what its group values are (GROUP sets one) */
    int arg_reg;        /* register holding the argument (or -1: count()) */
    int filter_reg;     /* register holding the where filter (or -1) */
} AggSlot;

/* One `limit NAME to N by EXPR`: where its count lives. */
typedef struct LimitSlot {
    const struct Sym *select;   /* the front end's */
    int count_reg;      /* register holding N (init code computes it) */
    int layer;          /* the portfolio pass that ranks it (1 ..) */
    GroupKind group;    /* `per FIELD`: N is kept in each group */
} LimitSlot;

/* What the writer prints after the key column, in order: scores,
 * selections, tiers, stages; entitlements and flags go to their own
 * columns, in definition order. */
typedef enum { OUT_NUM, OUT_BOOL, OUT_ENUM, OUT_ENTITLE, OUT_FLAG } OutKind;

/* One term of an entitlement (`with { sla_hours: 4 as "SLA hours" }`). Its
 * register is computed per record only when the entitlement holds, and is
 * missing when it does not. */
typedef struct ChunkTerm {
    const char *name;       /* sla_hours */
    const char *label;      /* "SLA hours", or NULL */
    int reg;                /* its value; meaningful only when the entitlement holds */
    RtType ty;              /* its type (runtime/schema.h) */
} ChunkTerm;

typedef struct ChunkOut {
    const char *name;
    OutKind kind;
    int reg;                /* the register holding its value */
    const RtEnum *en;       /* OUT_ENUM: the member names */
    const char *desc;       /* description, or NULL */
    ChunkTerm *terms;       /* OUT_ENTITLE: its terms, in order */
    int nterms;
    RtType ty;              /* OUT_NUM: the score's type (number/money/...); others: their type */
} ChunkOut;

/* One `portfolio flag`: its own code, run once after the last portfolio
 * pass (api/engine.c), leaving the flag's value in reg. */
typedef struct ChunkPortfolio {
    const char *name;
    const char *desc;       /* its text, or NULL */
    int reg;
    int pc;
} ChunkPortfolio;

typedef struct Chunk {
    struct Policy *pol;     /* the front end's; opaque here */
    const Schema *schema;   /* the record (the readers take the same) */
    const SrcSet *src;      /* the policy's text, for line numbers */
    ChunkOut *outs;
    int nouts;
    Instr *code;
    Span *spans;        /* per instruction: the source it came from */
    int ncode, cap;
    int init_pc;        /* params and consts: run once per run (and after :set) */
    int npasses;        /* portfolio passes over the records before the record
                           code (0: none); pass k computes the aggregates and
                           limits of layer k from the values of layers below */
    int *pass_pc;       /* by pass (0-based): its code */
    int record_pc;      /* per record: every rule */
    ChunkPortfolio *portfolio;  /* the portfolio flags, in definition order */
    int nportfolio;
    int probe_pc;       /* extra expressions (--where, REPL input, explain), or -1 */
    int nregs;
    Value *init;        /* initial register file: constants, zeros */
    uint8_t *role;      /* RegRole per register */
    const char **reg_name;  /* a name for the disassembler, or NULL */
    int *field_reg;     /* by record field index */
    bool *field_used;   /* fields that some rule reads (converted from data) */
    bool **pass_field_used; /* by pass (0-based): the subset it reads */
    bool *portfolio_field_used; /* what any portfolio pass reads */
    int *param_reg;     /* by Sym index in pol->syms; -1 if not a param/const */
    AggSlot *aggs;
    int naggs;
    LimitSlot *limits;
    int nlimits;
    Regex **regex;      /* matches() patterns, by MATCH's x (see rx.h) */
    int nregex;
    int *probe_reg;     /* by probe: the register holding its value */
    int *probe_pcs;     /* by probe: its code (each ends with HALT, so one
                           that fails need not stop the others) */
    int nprobes;
    int today_reg;      /* the evaluation date (set before running) */
    int *set_flag_reg;  /* by Sym index: a bool register that, when true,
                           keeps init code from overwriting a --set param */
    int *out_fields;    /* schema field indices from `output`, in order */
    int nout_fields;
    int display_field;  /* schema field index (`display`, a string), or -1 */
    int nfixed;         /* registers below this are named (fields, rules,
                           params, terms ...); temporaries and constants
                           come after */
    int *unit_pc;       /* cg_compile_units: by position in the record code,
                           that rule's code alone (ending with HALT) */
    int *unit_sym;      /* and its Sym index in pol->syms */
    int nunits;         /* 0 unless compiled with units */
} Chunk;

/* disasm.c: prints the code, one instruction a line, with source lines. */
void disasm_chunk(FILE *out, const Chunk *c);

#endif
