/* main.c — the kam command: dispatches to a subcommand (cmd_*.c) and
 * answers --help and --version. */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"
#include "../lang/diag.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct Command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} Command;

static const Command commands[] = {
    {"check", cmd_check, "check policies: every error at once, with file:line:col"},
    {"run", cmd_run, "evaluate a policy for every account in a data file"},
    {"test", cmd_test, "run the policy's test blocks; ends with \"N passed, N failed\""},
    {"explain", cmd_explain, "why one account got its outcome, in sentences"},
    {"diff", cmd_diff, "which accounts change under a what-if or a new policy"},
    {"report", cmd_report, "the decisions as one page a business can read (HTML or Markdown)"},
    {"repl", cmd_repl, "the analyst's prompt: what-ifs, diffs, explanations"},
    {"fmt", cmd_fmt, "lay a policy file out in the canonical layout"},
    {"graph", cmd_graph, "the stage machine as Graphviz DOT"},
    {"sql", cmd_sql, "the policy as one SQL query (SQLite, PostgreSQL, DuckDB, Spark, Snowflake)"},
    {"disasm", cmd_disasm, "print a policy's bytecode"},
    {"lsp", cmd_lsp, "the language server editors start (LSP over stdio)"},
};

static void usage(FILE *out)
{
    fputs("usage: kam COMMAND [OPTIONS] [ARGS]\n\n"
          "kam is a rules language for key account management: policies say which\n"
          "customers are key accounts, how relationships move through stages and\n"
          "which services each account earns.\n\ncommands:\n", out);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fputs("\n'kam COMMAND --help' describes a command. Every command that reads a\n"
          "policy also takes --import-root DIR: imports may then come from anywhere\n"
          "under DIR, not only from the policy's own folder.\n\n"
          "exit status: 0 ok, 1 policy errors or failed tests, 2 usage error or\n"
          "unreadable input, 3 data errors.\n", out);
}

/* Output that could not be written (a full disk, a closed pipe) is a
 * failure, whatever the command thought. */
static int finish(int status)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "kam: writing the output failed: %s\n", strerror(errno));
        return status == EXIT_OK ? EXIT_USAGE : status;
    }
    return status;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
        usage(stdout);
        return finish(EXIT_OK);
    }
    if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
        printf("kam %s\n", KAM_VERSION);
        return finish(EXIT_OK);
    }
    /* --import-root DIR, taken out here for every command: the loader reads
     * it from the environment (KAM_IMPORT_ROOT), as a nested kam would */
    int kept = 2;
    for (int i = 2; i < argc; i++) {
        const char *dir = NULL;
        if (cli_opt_value(argc, argv, &i, "--import-root", &dir)) {
            struct stat st;
            if (!dir || !*dir) return cli_usage_error(name, "--import-root needs a folder");
            if (stat(dir, &st) != 0)
                return cli_usage_error(name, "--import-root %s: %s", dir, strerror(errno));
            if (!S_ISDIR(st.st_mode))
                return cli_usage_error(name, "--import-root %s: not a folder", dir);
            if (setenv("KAM_IMPORT_ROOT", dir, 1) != 0)
                return cli_usage_error(name, "--import-root: %s", strerror(errno));
            continue;
        }
        argv[kept++] = argv[i];
    }
    argv[kept] = NULL;
    argc = kept;
    const char *names[32];
    int n = 0;
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(commands[i].name, name) == 0) {
            int status = commands[i].run(argc - 1, argv + 1);
            return finish(status);
        }
        names[n++] = commands[i].name;
    }
    const char *best = diag_closest(name, names, n);
    if (best)
        return cli_usage_error(NULL, "unknown command '%s'; did you mean '%s'?", name, best);
    return cli_usage_error(NULL, "unknown command '%s'", name);
}
