/* disasm.c — the bytecode in readable form: offset, source line, opcode
 * and operands with register names resolved ("0004  12  GE_N r7 <- fit, 60").
 * Used by `kam disasm` and the REPL's :disasm. Also the opcodes' name,
 * operand and doc tables (from opcodes.def), which the compiler uses too. */
#include "bytecode.h"
#include "writer.h"

#include <stdio.h>
#include <string.h>

const char *const op_names[OP__COUNT] = {
#define OP(name, operands, doc) #name,
#include "opcodes.def"
#undef OP
};
const char *const op_operands[OP__COUNT] = {
#define OP(name, operands, doc) operands,
#include "opcodes.def"
#undef OP
};
const char *const op_docs[OP__COUNT] = {
#define OP(name, operands, doc) doc,
#include "opcodes.def"
#undef OP
};

static void reg(FILE *out, const Chunk *c, int r)
{
    if (r < 0 || r >= c->nregs) {
        fprintf(out, "r%d", r);
        return;
    }
    const Value *v = &c->init[r];
    switch (c->role[r]) {
    case REG_CONST:
        if (c->reg_name[r]) {
            fprintf(out, "%s", c->reg_name[r]);
        } else if (v->len || (v->u.str && v->len)) {
            fprintf(out, "\"%.*s\"", (int)v->len, v->u.str);
        } else {
            char buf[40];
            wr_format_number(v->u.num, buf);
            /* ints (bools, dates, members) and numbers share storage: show
               the number unless it is clearly a small integer code */
            if (v->u.i >= 0 && v->u.i < 100000) fprintf(out, "#%lld", (long long)v->u.i);
            else fprintf(out, "%s", buf);
        }
        break;
    default:
        if (c->reg_name[r]) fprintf(out, "%s", c->reg_name[r]);
        else fprintf(out, "r%d", r);
    }
}

static void segment(FILE *out, const Chunk *c, const char *title, int from)
{
    if (from < 0) return;
    fprintf(out, "%s:\n", title);
    for (int pc = from; pc < c->ncode; pc++) {
        const Instr *in = &c->code[pc];
        int line = 0, col = 0;
        Span sp = c->spans[pc];
        if (sp.file < c->src->n) src_linecol(c->src, sp.file, sp.start, &line, &col);
        fprintf(out, "  %04d %4d  %-11s", pc, line, op_names[in->op]);
        const char *ops = op_operands[in->op];
        bool first = true;
        if (strchr(ops, 'd')) {
            fputc(' ', out);
            reg(out, c, in->d);
            fputs(" <-", out);
        }
        if (strchr(ops, 'a')) {
            fputs(" ", out);
            reg(out, c, in->a);
            first = false;
        }
        if (strchr(ops, 'b')) {
            fputs(first ? " " : ", ", out);
            if (in->op == OP_CALL) fprintf(out, "%d args", in->b);
            else reg(out, c, in->b);
            first = false;
        }
        if (strchr(ops, 'j')) fprintf(out, "%s-> %04d", first ? " " : ", ", in->b);
        if (strchr(ops, 't')) fprintf(out, "%s-> %04d", first ? " " : ", ", in->d);
        if (strchr(ops, 'x')) fprintf(out, "  [x=%d]", in->x);
        fputc('\n', out);
        if (in->op == OP_HALT) break;
    }
}

void disasm_chunk(FILE *out, const Chunk *c)
{
    fprintf(out, "; %d registers, %d instructions\n", c->nregs, c->ncode);
    segment(out, c, "init (params and consts)", c->init_pc);
    for (int k = 0; k < c->npasses; k++) {
        char title[64];
        snprintf(title, sizeof title, "pass %d (aggregates and limits)", k + 1);
        segment(out, c, title, c->pass_pc[k]);
    }
    segment(out, c, "record", c->record_pc);
    for (int i = 0; i < c->nportfolio; i++) {
        char title[160];
        snprintf(title, sizeof title, "portfolio flag %s (once, after the passes)", c->portfolio[i].name);
        segment(out, c, title, c->portfolio[i].pc);
    }
    for (int i = 0; i < c->nprobes; i++)
        segment(out, c, i ? "probe" : "probes (--where, REPL)", c->probe_pcs[i]);
}
