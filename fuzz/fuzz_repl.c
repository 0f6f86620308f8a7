/* fuzz_repl.c — libFuzzer harness for what `kam repl` does with typed
 * input, without the REPL's terminal code (cli/repl.c, readline): a Session
 * over examples/key_accounts.kam and examples/accounts.csv, fresh for every
 * input, then each input line given to repl_feed (cli/repl_cmds.c) — the
 * REPL's own line joining and command dispatch, not a copy — and what
 * waits at the end to repl_flush. Output goes to /dev/null. Besides
 * crashes and leaks it aborts on an expression that checks without errors
 * but has no type (repl_cmds.c's parse_input, built with KAM_FUZZING). */
#define _GNU_SOURCE
#include "session.h"
#include "repl_cmds.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef KAM_ROOT
#define KAM_ROOT "."
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { MAX_LINES = 64 };   /* a bigger input is cut: keep executions fast */

static FILE *sink;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    int fd = open("/dev/null", O_RDONLY);   /* `import "-"` must not block */
    if (fd >= 0) {
        dup2(fd, STDIN_FILENO);
        close(fd);
    }
    sink = fopen("/dev/null", "w");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    Session s;
    ses_init(&s, sink, sink);
    ses_set_today(&s, "2026-06-30");
    if (ses_load_policy(&s, KAM_ROOT "/examples/key_accounts.kam") != 0 ||
        ses_load_data(&s, KAM_ROOT "/examples/accounts.csv") != 0)
        abort();    /* the bundled example must load */
    ReplInput in = {NULL, false};
    bool go_on = true;
    char *p = text;
    for (int n = 0; p && go_on && n < MAX_LINES; n++) {
        char *nl = strchr(p, '\n');
        if (nl) *nl = '\0';
        go_on = repl_feed(&s, &in, p);
        p = nl ? nl + 1 : NULL;
    }
    if (go_on) repl_flush(&s, &in);
    free(in.text);
    fflush(sink);
    ses_free(&s);
    free(text);
    return 0;
}
