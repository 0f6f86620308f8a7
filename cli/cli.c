/* cli.c — what the subcommands share: option parsing, usage errors,
 * colour, loading one policy for a command that only reads it, and the
 * REPL's input helpers (kept here, out of repl.c, so the fuzz harness can
 * drive them without readline). */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"
#include "../lang/diag.h"

#include <stdarg.h>
#include <stdio_ext.h>     /* __fpurge */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

bool cli_use_color(FILE *f)
{
    const char *nc = getenv("NO_COLOR");
    const char *term = getenv("TERM");
    if (nc && *nc) return false;
    if (term && strcmp(term, "dumb") == 0) return false;
    return isatty(fileno(f));
}

void cli_stdout_failure_said(void)
{
    __fpurge(stdout);
    clearerr(stdout);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fputs("kam: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'kam %s%s--help' for more information.\n", cmd ? cmd : "",
            cmd ? " " : "");
    return EXIT_USAGE;
}

bool cli_opt_value(int argc, char **argv, int *i, const char *name, const char **value)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) != 0) return false;
    if (a[n] == '=') {
        *value = a + n + 1;
        return true;
    }
    if (a[n] != '\0') return false;
    if (*i + 1 < argc) {
        *value = argv[++*i];
    } else {
        *value = NULL;
    }
    return true;
}

int cli_input_opt(SourceOpts *in, int argc, char **argv, int *i, const char *cmd)
{
    const char *val;
    if (cli_opt_value(argc, argv, i, "--input", &val)) {
        if (!val || (strcmp(val, "csv") && strcmp(val, "jsonl") && strcmp(val, "sqlite") &&
                     strcmp(val, "xlsx"))) {
            cli_usage_error(cmd, "--input takes csv, jsonl, sqlite or xlsx");
            return -1;
        }
        in->kind = val;
    } else if (cli_opt_value(argc, argv, i, "--table", &val)) {
        if (!val || !*val) {
            cli_usage_error(cmd, "--table needs the name of a SQLite table");
            return -1;
        }
        in->table = val;
    } else if (cli_opt_value(argc, argv, i, "--sheet", &val)) {
        if (!val || !*val) {
            cli_usage_error(cmd, "--sheet needs the name of a worksheet");
            return -1;
        }
        in->sheet = val;
    } else if (cli_opt_value(argc, argv, i, "--delimiter", &val)) {
        if (val && (!strcmp(val, ",") || !strcmp(val, "comma"))) in->delimiter = ',';
        else if (val && (!strcmp(val, ";") || !strcmp(val, "semicolon"))) in->delimiter = ';';
        else if (val && (!strcmp(val, "\t") || !strcmp(val, "\\t") || !strcmp(val, "tab")))
            in->delimiter = '\t';
        else {
            cli_usage_error(cmd, "--delimiter takes ',', ';' or tab (also written \\t)");
            return -1;
        }
    } else {
        return 0;
    }
    return 1;
}

Policy *cli_load_policy(const char *path, DiagList *d, int *status)
{
    char msg[4200];
    Policy *p = policy_load(path, d, msg, sizeof msg);
    if (!p) {
        fprintf(stderr, "kam: %s\n", msg);
        *status = EXIT_USAGE;
        return NULL;
    }
    if (d->nerrors) {
        diag_render_text(stderr, &p->src, d, cli_use_color(stderr));
        *status = EXIT_POLICY;
    } else {
        *status = EXIT_OK;
    }
    return p;
}

int cli_one_policy_arg(int argc, char **argv, const char *cmd, const char *help, const char **path)
{
    *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(help, stdout);
            return EXIT_OK;
        }
        if (argv[i][0] == '-' && argv[i][1]) return cli_usage_error(cmd, "unknown option '%s'", argv[i]);
        if (*path) return cli_usage_error(cmd, "one policy at a time");
        *path = argv[i];
    }
    if (!*path) return cli_usage_error(cmd, "no policy file given");
    return -1;
}

void cli_trim(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r')) s[--n] = '\0';
    size_t k = 0;
    while (s[k] == ' ' || s[k] == '\t') k++;
    if (k) memmove(s, s + k, n - k + 1);
}

/* Whether a line opens a definition (which may continue over lines). */
bool cli_is_definition(const char *line)
{
    static const char *const starts[] = {"let ", "param ", "const ", "score ", "select ", "tier ",
                                         "stages ", "entitle ", "flag ", "limit ", NULL};
    for (int i = 0; starts[i]; i++)
        if (strncmp(line, starts[i], strlen(starts[i])) == 0) return true;
    return false;
}

/* Unclosed brackets, braces and parentheses in text (strings and comments
 * aside): a block typed over several lines is complete at 0. */
int cli_open_brackets(const char *text)
{
    int depth = 0;
    bool str = false;
    for (const char *p = text; *p; p++) {
        if (str) {
            if (*p == '\\' && p[1]) p++;
            else if (*p == '"' || *p == '\n') str = false;
        } else if (*p == '"') {
            str = true;
        } else if (*p == '#') {
            while (p[1] && p[1] != '\n') p++;
        } else if (*p == '{' || *p == '(' || *p == '[') {
            depth++;
        } else if (*p == '}' || *p == ')' || *p == ']') {
            depth--;
        }
    }
    return depth;
}

