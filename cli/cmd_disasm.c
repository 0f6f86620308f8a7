/* cmd_disasm.c — `kam disasm POLICY`: compiles the policy and prints its
 * bytecode, one instruction a line with the source line it came from. */
#include "cli.h"
#include "../runtime/bytecode.h"

#include <string.h>

int cmd_disasm(int argc, char **argv)
{
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs("usage: kam disasm POLICY\n\nPrints the bytecode the policy compiles to: "
                  "per instruction its offset,\nsource line, opcode and operands, with "
                  "registers named.\n", stdout);
            return EXIT_OK;
        }
        if (argv[i][0] == '-' && argv[i][1]) return cli_usage_error("disasm", "unknown option '%s'", argv[i]);
        if (path) return cli_usage_error("disasm", "one policy at a time");
        path = argv[i];
    }
    if (!path) return cli_usage_error("disasm", "no policy file given");
    DiagList d;
    diag_init(&d);
    char msg[4200];
    Policy *p = policy_load(path, &d, msg, sizeof msg);
    if (!p) {
        fprintf(stderr, "kam: %s\n", msg);
        diag_free(&d);
        return EXIT_USAGE;
    }
    int status = EXIT_OK;
    if (d.nerrors) {
        diag_render_text(stderr, &p->src, &d, cli_use_color(stderr));
        status = EXIT_POLICY;
    } else {
        Chunk *c = cg_compile(p, NULL, 0, &d);
        if (!c) {
            diag_render_text(stderr, &p->src, &d, cli_use_color(stderr));
            status = EXIT_POLICY;
        } else {
            disasm_chunk(stdout, c);
            cg_free(c);
        }
    }
    policy_free(p);
    diag_free(&d);
    return status;
}
