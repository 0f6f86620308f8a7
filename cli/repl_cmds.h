/* repl_cmds.h — what the REPL does with typed input, without the terminal:
 * the command table (:load, :set, :diff, ...), the one dispatch that runs a
 * complete input (a command, a definition or an expression), and the rules
 * that join physical lines into one input. cli/repl.c (readline, history,
 * completion, Ctrl-C) and fuzz/fuzz_repl.c both call these, so the fuzzer
 * exercises the REPL's own dispatch. Output goes to the session's out and
 * err streams. */
#ifndef KAM_REPL_CMDS_H
#define KAM_REPL_CMDS_H

#include "session.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct ReplCommand {
    const char *name;       /* ":load" */
    const char *args;       /* "POLICY", for :help */
    const char *help;
} ReplCommand;

extern const ReplCommand repl_commands[];
extern const int repl_ncommands;

/* The command `name` (its first n bytes; ":ex" for ":explain") names: an
 * exact name, else the one command it is a prefix of. NULL when none or
 * several match; *matches (if not NULL) says how many did. */
const ReplCommand *repl_command(const char *name, size_t n, int *matches);

/* A letter, digit or _ (the characters of a name). */
bool repl_is_name_char(char c);

/* Runs one complete input (trimmed in place). Returns false for :quit. */
bool repl_handle(Session *s, char *line);

/* Input waiting for more lines: incomplete (the prompt says `...>`), or a
 * complete definition held until the next line shows whether that line
 * continues it (`when ...` after `flag x "..."`). */
typedef struct ReplInput {
    char *text;             /* NULL when nothing waits */
    bool held;              /* complete; waiting only for a continuation */
} ReplInput;

/* Takes one physical line (no newline): runs what it completes, keeps what
 * needs more in `in`. False to leave. Nothing runs once the session is
 * interrupted (Ctrl-C), and a stopped input says "interrupted". */
bool repl_feed(Session *s, ReplInput *in, const char *line);
/* Runs what waits, if anything (the end of input); false to leave. */
bool repl_flush(Session *s, ReplInput *in);

#endif
