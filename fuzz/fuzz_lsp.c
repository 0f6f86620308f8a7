/* fuzz_lsp.c — libFuzzer harness for `kam lsp`'s message handling: a
 * server (cli/lsp_server.c, lsp_features.c) is initialized and given a
 * document (examples/key_accounts.kam's text is not needed: a small
 * policy is opened), then the input is read as the server's standard
 * input — Content-Length framing, JSON, JSON-RPC and every request it
 * names. Output goes to /dev/null. A seed is a framed session
 * (fuzz/seeds/lsp/). */
#define _GNU_SOURCE
#include "lsp.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *sink;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    sink = fopen("/dev/null", "w");
    return 0;
}

static void send(LspServer *s, const char *msg)
{
    lsp_handle(s, msg, strlen(msg));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    LspServer s;
    lsp_init(&s, sink);
    send(&s, "{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"initialize\",\"params\":{\"capabilities\":"
             "{\"textDocument\":{\"completion\":{\"completionItem\":{\"snippetSupport\":true}}}}}}");
    send(&s, "{\"jsonrpc\":\"2.0\",\"method\":\"textDocument/didOpen\",\"params\":{\"textDocument\":"
             "{\"uri\":\"file:///fuzz/a.kam\",\"version\":1,\"text\":\"record account {\\n  id: string key\\n"
             "  segment: enum { a, b }\\n  r: money\\n}\\nparam p \\\"P\\\" = 5\\nlet x = r * p\\n"
             "select big when segmnt == a\\ntest \\\"t\\\" {\\n  given { r: 1 }\\n  expect big\\n}\\n\"}}}");
    FILE *in = size ? fmemopen((void *)data, size, "r") : NULL;
    if (in) {
        lsp_serve(&s, in);
        fclose(in);
    }
    lsp_free(&s);
    return 0;
}
