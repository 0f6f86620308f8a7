/* cmd_disasm.c — `kam disasm POLICY`: compiles the policy and prints its
 * bytecode, one instruction a line with the source line it came from. */
#include "cli.h"
#include "../lang/compile.h"

#include <string.h>

int cmd_disasm(int argc, char **argv)
{
    const char *path;
    int rc = cli_one_policy_arg(argc, argv, "disasm",
                                "usage: kam disasm POLICY\n\nPrints the bytecode the policy "
                                "compiles to: per instruction its offset,\nsource line, opcode "
                                "and operands, with registers named.\n", &path);
    if (rc >= 0) return rc;
    DiagList d;
    diag_init(&d);
    int status;
    Policy *p = cli_load_policy(path, &d, &status);
    if (!p) {
        diag_free(&d);
        return status;
    }
    if (status == EXIT_OK) {
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
