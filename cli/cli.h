/* cli.h — what the subcommands share: exit codes, the command table entry
 * points, and small option-parsing helpers. Each cmd_*.c holds one
 * subcommand; main.c dispatches. */
#ifndef KAM_CLI_H
#define KAM_CLI_H

#include "../lang/check.h"
#include "../runtime/reader.h"

#include <stdbool.h>
#include <stdio.h>

#define KAM_VERSION "0.1.0"

/* Exit codes, documented in docs/cli.md and kam --help. */
enum {
    EXIT_OK = 0,        /* success */
    EXIT_POLICY = 1,    /* policy errors (or warnings with --werror), failed tests */
    EXIT_USAGE = 2,     /* bad command line, unreadable input file */
    EXIT_DATA = 3       /* data errors in records */
};

int cmd_check(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_disasm(int argc, char **argv);
int cmd_repl(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_graph(int argc, char **argv);
int cmd_test(int argc, char **argv);
int cmd_fmt(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_lsp(int argc, char **argv);
int cmd_sql(int argc, char **argv);

/* Matches option `name` at argv[*i], as "--name VALUE" or "--name=VALUE".
 * Returns true if it matched; *value is then the value (NULL if missing)
 * and *i is left on the last argument used. */
bool cli_opt_value(int argc, char **argv, int *i, const char *name, const char **value);

/* Matches an option saying how to read data at argv[*i]: --input
 * csv|jsonl|sqlite|xlsx, --table NAME, --sheet NAME, --delimiter C (',',
 * ';', tab). 1 if it matched (*i then on its value), 0 if not, -1 after
 * printing a usage error. */
int cli_input_opt(SourceOpts *in, int argc, char **argv, int *i, const char *cmd);

/* Whether to colour diagnostics on this stream (a terminal, NO_COLOR unset). */
bool cli_use_color(FILE *f);
/* After a command has said that writing standard output failed: drops
 * what stdout still buffers and its error, so that main's last flush does
 * not say it a second time. */
void cli_stdout_failure_said(void);
/* Prints "kam: message" and a hint to run --help; returns EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Loads a policy for a command that reads it; prints what is wrong.
 * *status: EXIT_OK, EXIT_POLICY (errors: the Policy is still returned, to
 * be freed) or EXIT_USAGE (unreadable: NULL). */
Policy *cli_load_policy(const char *path, DiagList *d, int *status);
/* Parses the arguments of a command that takes one policy and no options:
 * returns -1 with *path set, or an exit status (--help printed, or a usage
 * error). */
int cli_one_policy_arg(int argc, char **argv, const char *cmd, const char *help, const char **path);

/* REPL input: strips surrounding white space in place; whether a line opens
 * a definition; unclosed brackets (strings and comments aside). */
void cli_trim(char *s);
bool cli_is_definition(const char *line);
int cli_open_brackets(const char *text);

#endif
