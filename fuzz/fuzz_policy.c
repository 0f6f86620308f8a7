/* fuzz_policy.c — libFuzzer harness for the policy front end: the input is
 * a policy's text. It is loaded with policy_load_text (scanner, parser,
 * checker), its diagnostics are rendered as text and JSON (line/column
 * arithmetic on arbitrary spans), and a policy without errors is compiled
 * and run through the evaluation engine (api/engine.h) once over a record
 * of zeros: params, a one-record first pass, the record; and disassembled. Output goes to /dev/null; only crashes, sanitizer
 * reports, leaks and hangs count. Not part of the kam binary. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "compile.h"
#include "vm.h"
#include "../api/engine.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *sink;

/* `import "-"` would read standard input and `import "/dev/stdin"` block:
 * give the harness an empty stdin and a /dev/null sink for rendering. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    int fd = open("/dev/null", O_RDONLY);
    if (fd >= 0) {
        dup2(fd, STDIN_FILENO);
        close(fd);
    }
    sink = fopen("/dev/null", "w");
    return 0;
}

/* A record of zeros: empty strings, 0 numbers, member 0, day 0. */
static void zero_record(const Chunk *c, Vm *vm)
{
    const Policy *p = c->pol;
    for (int i = 0; i < p->nfields; i++) {
        int reg = c->field_reg[i];
        if (reg < 0 || reg >= c->nregs) continue;
        if (p->fields[i]->ty.kind == TY_STRING) vm->regs[reg] = val_str("", 0);
        else if (p->fields[i]->ty.kind == TY_INT || p->fields[i]->ty.kind == TY_NUMBER ||
                 p->fields[i]->ty.kind == TY_MONEY || p->fields[i]->ty.kind == TY_PERCENT)
            vm->regs[reg] = val_num(0);
        else
            vm->regs[reg] = val_int(0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    DiagList d;
    diag_init(&d);
    Policy *p = policy_load_text("fuzz.kam", (const char *)data, size, &d);
    diag_render_text(sink, &p->src, &d, false);
    bool first = true;
    diag_render_json_items(sink, &p->src, &d, &first);
    if (!diag_failed(&d)) {
        Engine e;
        if (eng_open(&e, p, NULL, 0, 20635 /* 2026-06-30 */, sink, false) == ENG_OK) {
            Chunk *c = e.chunk;
            disasm_chunk(sink, c);
            if (eng_init(&e) == ENG_OK) {
                char why[600];
                for (int k = 1; k <= eng_npasses(&e); k++) {   /* a one-record portfolio */
                    eng_pass_begin(&e, k);
                    zero_record(c, e.vm);
                    eng_pass_record(&e, k, 0, "k", 1);
                    eng_pass_end(&e, k);
                }
                zero_record(c, e.vm);
                eng_record(&e, 0, "k", 1, why, sizeof why);
            }
        }
        eng_close(&e);
    }
    fflush(sink);
    policy_free(p);
    diag_free(&d);
    return 0;
}
