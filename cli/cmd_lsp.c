/* cmd_lsp.c — `kam lsp`: the language server on standard input and
 * output (lsp_server.c, lsp_features.c). Editors start it; see
 * docs/cli.md and docs/editors.md. */
#include "cli.h"
#include "lsp.h"

#include <string.h>

int cmd_lsp(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs("usage: kam lsp\n\n"
                  "A Language Server Protocol server on standard input and output, for\n"
                  "editors: diagnostics, hover, go-to-definition, references, completion,\n"
                  "formatting, quick fixes and the outline of kam policies. It is started\n"
                  "by the editor, not by hand (see docs/editors.md).\n\n"
                  "exit status: 0 after `shutdown` then `exit`, 1 otherwise.\n", stdout);
            return EXIT_OK;
        }
        if (strcmp(argv[i], "--stdio") == 0) continue;   /* what some clients pass */
        return cli_usage_error("lsp", "unexpected argument '%s'", argv[i]);
    }
    LspServer s;
    lsp_init(&s, stdout);
    int status = lsp_serve(&s, stdin);
    lsp_free(&s);
    return status;
}
