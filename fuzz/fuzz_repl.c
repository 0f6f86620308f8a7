/* fuzz_repl.c — libFuzzer harness for what `kam repl` does with typed
 * input, without the REPL's terminal code (cli/repl.c, readline): a Session
 * over examples/key_accounts.kam and examples/accounts.csv, fresh for every
 * input, then each input line handled the way repl.c's non-tty loop does —
 * a block continues over lines while brackets are open; a line starting
 * with a definition keyword goes to ses_define, `:set`, `:where`, `:reset`,
 * `:account`, `:explain`, `:diff` and `:type` to the session functions
 * behind them, anything else is parsed with ses_parse_expr and evaluated
 * over every account with ses_eval. Output goes to /dev/null. Besides
 * crashes and leaks it aborts on an expression that checks without errors
 * but has no type (see parse below). */
#define _GNU_SOURCE
#include "session.h"
#include "explain.h"
#include "cli.h"

#include <fcntl.h>
#include <stdarg.h>
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

static void visit(Session *s, int rec, const Value *regs, const Chunk *c, void *ud)
{
    (void)s;
    (void)rec;
    volatile double *acc = ud;
    if (c->nprobes > 0) {
        const Value *v = &regs[c->probe_reg[0]];
        *acc += v->missing ? 0 : (double)v->len + (double)(v->u.i & 1);
    }
}

/* ses_parse_expr, plus an oracle: an expression that checked must have a
 * type. TY_ERROR means "already reported, stay quiet" — if nothing was
 * reported the REPL would evaluate an unchecked expression. */
static Expr *parse(Session *s, const char *text, const char *label, Type want)
{
    Expr *e = ses_parse_expr(s, text, label, want);
    if (e && e->ty.kind == TY_ERROR) {
        fprintf(stderr, "fuzz_repl: '%s' checked without errors but has no type\n", text);
        abort();
    }
    return e;
}

static void evaluate(Session *s, const char *text)
{
    Expr *e = parse(s, text, "<input>", ty_make(TY_ERROR));
    if (!e) return;
    volatile double acc = 0;
    ses_eval(s, &e, 1, s->focus < 0, visit, (void *)&acc);
}

static void show_diff(Session *s)
{
    Outcomes now;
    if (ses_outcomes(s, &now, true) < 0) {          /* as repl.c's show_diff */
        outcomes_free(&now);
        return;
    }
    char buf[1024];
    for (int r = 0; r < now.nrec && r < s->base.nrec; r++)
        outcomes_diff_text(&s->base, r, &now, r, buf, sizeof buf);
    for (int r = 0; r < now.nrec; r++)
        for (int c = 0; c < now.ncols; c++) outcome_text(&now, r, c, buf, sizeof buf);
    outcomes_free(&now);
}

static void command(Session *s, char *line)
{
    char *args = line;
    while (*args && *args != ' ' && *args != '\t') args++;
    if (*args) *args++ = '\0';
    cli_trim(args);
    if (!strcmp(line, ":set")) {
        char *eq = strchr(args, '=');
        if (!eq) {
            ses_set(s, args, NULL);
            return;
        }
        *eq = '\0';
        cli_trim(args);
        char *value = eq + 1;
        cli_trim(value);
        ses_set(s, args, value);
    } else if (!strcmp(line, ":where")) {
        if (!*args) {
            free(s->where);
            s->where = NULL;
        } else if (parse(s, args, ":where", ty_make(TY_BOOL))) {
            free(s->where);
            s->where = strdup(args);
            ses_eval(s, NULL, 0, true, NULL, NULL);
        }
    } else if (!strcmp(line, ":reset")) {
        ses_reset(s);
    } else if (!strcmp(line, ":account")) {
        s->focus = *args ? ses_find(s, args) : -1;
    } else if (!strcmp(line, ":explain")) {
        int rec = *args ? ses_find(s, args) : s->focus;
        if (rec >= 0) {
            explain_record(s, rec, sink, false);
            explain_record(s, rec, sink, true);
        }
    } else if (!strcmp(line, ":diff")) {
        show_diff(s);
    } else if (!strcmp(line, ":type")) {
        if (*args) parse(s, args, "<input>", ty_make(TY_ERROR));
    }
}

static void handle(Session *s, char *line)
{
    cli_trim(line);
    if (!*line || line[0] == '#') return;
    if (line[0] == ':') command(s, line);
    else if (cli_is_definition(line)) ses_define(s, line);
    else evaluate(s, line);
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
    char *pending = NULL;
    char *p = text;
    for (int n = 0; p && n < MAX_LINES; n++) {
        char *nl = strchr(p, '\n');
        if (nl) *nl = '\0';
        char *line;
        if (pending) {
            size_t len = strlen(pending) + strlen(p) + 2;
            line = malloc(len);
            snprintf(line, len, "%s\n%s", pending, p);
            free(pending);
            pending = NULL;
        } else {
            line = strdup(p);
        }
        p = nl ? nl + 1 : NULL;
        if (line[0] != ':' && cli_open_brackets(line) > 0) {
            pending = line;
            continue;
        }
        handle(&s, line);
        free(line);
    }
    free(pending);
    fflush(sink);
    ses_free(&s);
    free(text);
    return 0;
}
