/* repl.c — `kam repl [POLICY [DATA]]`: the analyst's prompt, on GNU
 * readline (the only file that includes it): editing, persistent history
 * (each session appends its own lines), tab completion that fits the place
 * (params after :set, members after `==`, paths), input continued over
 * lines, Ctrl-C that stops a running command, and the read loop. With stdin
 * not a terminal it reads commands line by line, without prompts or
 * banners, so it can be scripted. What an input does (commands such as
 * :load, :set, :diff, :explain; bare expressions; definitions) and how
 * lines join into inputs is repl_cmds.c's, shared with the fuzz harness;
 * evaluation itself is session.c's. */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"
#include "repl_cmds.h"
#include "session.h"
#include "../stdlib/registry.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

/* Completion offers the keywords (keywords.def: the stages-block words
 * and `ordered` too, for definitions typed at the prompt) and today. */
#define KW_COMPLETE_KW_DEFINE(w) #w,
#define KW_COMPLETE_KW_RESERVED(w) #w,
#define KW_COMPLETE_KW_KEY(w) #w,
#define KW_COMPLETE_KW_STAGES(w) #w,
#define KW_COMPLETE_KW_ENUM(w) #w,
#define KW_COMPLETE_KW_TOP(w)
#define KW_COMPLETE_KW_PER(w) #w,
static const char *const keywords[] = {
#define KEYWORD(w, tok, cls) KW_COMPLETE_##cls(w)
#include "../lang/keywords.def"
#undef KEYWORD
    "today", NULL,
};

static Session *completion_session;     /* readline's callbacks take no context */

/* Ctrl-C. While a command runs, the handler only sets `interrupt` (the
 * session's record loops and the sweep look at it every few thousand
 * records and give up, changing nothing); at the prompt readline calls it
 * at a safe point, and it abandons the line being typed. */
static volatile sig_atomic_t interrupt;
static volatile sig_atomic_t running;           /* 0 only while readline reads a line */
static volatile sig_atomic_t prompt_interrupted;

static void on_sigint(int sig)
{
    (void)sig;
    if (running) {
        interrupt = 1;
        return;
    }
    prompt_interrupted = 1;
    if (write(STDOUT_FILENO, "\n", 1) < 0) { /* nothing to do */ }
    rl_set_prompt("kam> ");         /* an incomplete input is abandoned too */
    rl_on_new_line();
    rl_replace_line("", 0);
    rl_redisplay();
}

/* ------------------------------------------------------------- completion */

/* The candidates for the word being completed, gathered by complete() and
 * handed out one by one by next_candidate(). */
static const char **cands;
static int ncands, capcands;

static void add_cand(const char *c)
{
    if (ncands == capcands) {
        capcands = capcands ? capcands * 2 : 256;
        cands = xrealloc(cands, sizeof(char *) * (size_t)capcands);
    }
    cands[ncands++] = c;
}

static char *next_candidate(const char *text, int state)
{
    static int idx;
    static size_t len;
    if (!state) {
        idx = 0;
        len = strlen(text);
    }
    while (idx < ncands) {
        const char *c = cands[idx++];
        if (strncmp(c, text, len) == 0) return xstrdup(c);
    }
    return NULL;
}

/* The command a line starts with (unique prefixes allowed), or NULL. */
static const ReplCommand *line_command(const char *line, const char **rest)
{
    while (*line == ' ' || *line == '\t') line++;
    if (*line != ':') return NULL;
    size_t n = 0;
    while (line[n] && line[n] != ' ' && line[n] != '\t') n++;
    *rest = line + n;
    return repl_command(line, n, NULL);
}


/* The name that ends at line[end] (spaces before end skipped), copied to
 * buf; false if there is none. */
static bool name_before(const char *line, int end, char *buf, size_t len)
{
    while (end > 0 && (line[end - 1] == ' ' || line[end - 1] == '\t')) end--;
    int b = end;
    while (b > 0 && repl_is_name_char(line[b - 1])) b--;
    if (b == end || (size_t)(end - b) >= len || isdigit((unsigned char)line[b])) return false;
    memcpy(buf, line + b, (size_t)(end - b));
    buf[end - b] = '\0';
    return true;
}

/* The enum, tier or stage type of the name that line[0..start) compares
 * with the word at `start`: `segment == `, `kam_stage >= `, `stage in [a, `.
 * NULL if the word is not in such a place. */
static const EnumInfo *compared_enum(const Session *s, const char *line, int start)
{
    if (!s->pol) return NULL;
    int i = start;
    while (i > 0 && (line[i - 1] == ' ' || line[i - 1] == '\t')) i--;
    int opend = i;
    if (i > 0 && (line[i - 1] == '[' || line[i - 1] == ',')) {
        /* a list: back to its `[`, which must follow `in` */
        while (i > 0 && line[i - 1] != '[') {
            if (line[i - 1] == ']' || line[i - 1] == '(' || line[i - 1] == ')') return NULL;
            i--;
        }
        if (i == 0) return NULL;
        i--;
        while (i > 0 && (line[i - 1] == ' ' || line[i - 1] == '\t')) i--;
        if (i < 2 || strncmp(line + i - 2, "in", 2) != 0 || (i > 2 && repl_is_name_char(line[i - 3]))) return NULL;
        opend = i - 2;
        /* `x not in [` */
        int k = opend;
        while (k > 0 && (line[k - 1] == ' ' || line[k - 1] == '\t')) k--;
        if (k >= 3 && strncmp(line + k - 3, "not", 3) == 0 && (k == 3 || !repl_is_name_char(line[k - 4]))) opend = k - 3;
    } else {
        int k = i;
        while (k > 0 && strchr("=!<>", line[k - 1])) k--;
        int oplen = i - k;
        static const char *const ops[] = {"==", "!=", "<", "<=", ">", ">=", NULL};
        bool ok = false;
        for (int o = 0; ops[o]; o++)
            if ((int)strlen(ops[o]) == oplen && strncmp(line + k, ops[o], (size_t)oplen) == 0) ok = true;
        if (!ok) return NULL;
        opend = k;
    }
    char name[128];
    if (!name_before(line, opend, name, sizeof name)) return NULL;
    const Sym *x = policy_sym(s->pol, name);
    if (!x || (x->ty.kind != TY_ENUM && x->ty.kind != TY_STAGE) || !x->ty.en) return NULL;
    return x->ty.en;
}

/* Whether the word ending at the cursor is a file path: after :load or
 * :data, or a word starting with / ./ ../ ~ or holding a / that does not
 * divide a name (`revenue/total(...)` is a division). */
static bool path_word(const Session *s, const char *line, int wstart, int wend)
{
    const char *rest;
    const ReplCommand *c = line_command(line, &rest);
    if (c && (strcmp(c->name, ":load") == 0 || strcmp(c->name, ":data") == 0) && line + wstart >= rest)
        return true;
    const char *w = line + wstart;
    int n = wend - wstart;
    if (n <= 0) return false;
    if (w[0] == '/' || w[0] == '~' || (n >= 2 && strncmp(w, "./", 2) == 0) || (n >= 3 && strncmp(w, "../", 3) == 0))
        return true;
    const char *slash = memchr(w, '/', (size_t)n);
    if (!slash) return false;
    char name[128];
    size_t k = (size_t)(slash - w);
    if (k == 0 || k >= sizeof name) return true;
    memcpy(name, w, k);
    name[k] = '\0';
    for (size_t j = 0; j < k; j++)
        if (!repl_is_name_char(name[j])) return true;
    if (isdigit((unsigned char)name[0])) return false;     /* 10/2 */
    return !(s->pol && policy_sym(s->pol, name));
}

/* The start of the space-delimited word before the cursor. */
static int word_start(void)
{
    int i = rl_point;
    while (i > 0 && rl_line_buffer[i - 1] != ' ' && rl_line_buffer[i - 1] != '\t') i--;
    return i;
}

static const char *default_breaks = " \t\n()[]{},=<>!+-*/";

/* readline asks which characters end a word: a path is one word. */
static char *word_breaks(void)
{
    static char path_breaks[] = " \t\n\"'";
    if (path_word(completion_session, rl_line_buffer, word_start(), rl_point)) return path_breaks;
    return (char *)default_breaks;
}

static char **complete(const char *text, int start, int end)
{
    (void)end;
    Session *s = completion_session;
    const char *line = rl_line_buffer;
    if (path_word(s, line, word_start(), rl_point)) {
        rl_attempted_completion_over = 0;       /* readline's file name completion */
        return NULL;
    }
    rl_attempted_completion_over = 1;
    ncands = 0;
    const char *rest = NULL;
    const ReplCommand *cmd = line_command(line, &rest);
    bool first_arg = cmd && line + start >= rest;      /* the first word after the command */
    for (const char *p = rest; first_arg && p < line + start; p++)
        if (*p != ' ' && *p != '\t') first_arg = false;
    const EnumInfo *en = compared_enum(s, line, start);    /* also in :where, :type */
    if (cmd && first_arg && (!strcmp(cmd->name, ":set") || !strcmp(cmd->name, ":sweep"))) {
        for (int i = 0; s->pol && i < s->pol->nsyms; i++)
            if (s->pol->syms[i]->kind == SYM_PARAM) add_cand(s->pol->syms[i]->name);
    } else if (cmd && first_arg && !strcmp(cmd->name, ":help")) {
        for (int i = 0; i < repl_ncommands; i++) add_cand(repl_commands[i].name);
    } else if (en) {
        for (int i = 0; i < en->n; i++) add_cand(en->members[i]);
    } else if (start > 0 && text[0] == ':') {
        return NULL;
    } else {
        if (start == 0)
            for (int i = 0; i < repl_ncommands; i++) add_cand(repl_commands[i].name);
        for (int i = 0; keywords[i]; i++) add_cand(keywords[i]);
        for (int i = 0; s && s->pol && i < s->pol->nsyms; i++) add_cand(s->pol->syms[i]->name);
        for (int i = 0; i < std_count(); i++) add_cand(std_func(i)->name);
    }
    return rl_completion_matches(text, next_candidate);
}

/* ---------------------------------------------------------------- history */

static char *history_path(void)
{
    const char *xdg = getenv("XDG_DATA_HOME");
    const char *home = getenv("HOME");
    char dir[4096];
    if (xdg && *xdg) snprintf(dir, sizeof dir, "%s/kam", xdg);
    else if (home && *home) snprintf(dir, sizeof dir, "%s/.local/share/kam", home);
    else return NULL;
    /* make the folders (0700), one level at a time */
    for (char *p = dir + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        mkdir(dir, 0700);
        *p = '/';
    }
    mkdir(dir, 0700);
    char *path = xmalloc(strlen(dir) + 16);
    sprintf(path, "%s/history", dir);
    return path;
}

int cmd_repl(int argc, char **argv)
{
    const char *pos[2] = {NULL, NULL};
    int npos = 0;
    const char *as_of = NULL;
    SourceOpts in = {0};
    int in_rc;
    for (int i = 1; i < argc; i++) {
        const char *val;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs("usage: kam repl [--as-of DATE] [--input FMT] [--table NAME] [--sheet NAME]\n"
                  "                [--delimiter C] [POLICY [DATA]]\n\n"
                  "The analyst's prompt: load a policy and accounts, ask what-ifs, diff, explain.\n"
                  "Type :help at the prompt. With standard input not a terminal, commands are\n"
                  "read line by line without prompts, so a session can be scripted.\n", stdout);
            return EXIT_OK;
        }
        if (cli_opt_value(argc, argv, &i, "--as-of", &val)) {
            if (!val) return cli_usage_error("repl", "--as-of needs a date YYYY-MM-DD");
            as_of = val;
        } else if ((in_rc = cli_input_opt(&in, argc, argv, &i, "repl")) != 0) {
            if (in_rc < 0) return EXIT_USAGE;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_usage_error("repl", "unknown option '%s'", argv[i]);
        } else if (npos < 2) {
            pos[npos++] = argv[i];
        } else {
            return cli_usage_error("repl", "too many arguments");
        }
    }
    Session s;
    ses_init(&s, stdout, stderr);
    s.input = in;
    if (as_of && ses_set_today(&s, as_of) != 0) {
        ses_free(&s);
        return cli_usage_error("repl", "--as-of takes a date YYYY-MM-DD, not '%s'", as_of);
    }
    bool tty = isatty(STDIN_FILENO);
    if (pos[0] && ses_load_policy(&s, pos[0]) != 0 && !tty) {
        ses_free(&s);
        return EXIT_POLICY;
    }
    if (pos[1] && ses_load_data(&s, pos[1]) != 0 && !tty) {
        ses_free(&s);
        return EXIT_DATA;
    }
    s.interrupt = &interrupt;
    char *hist = NULL;
    if (tty) {
        completion_session = &s;
        rl_readline_name = "kam";
        rl_attempted_completion_function = complete;
        rl_completer_word_break_characters = (char *)default_breaks;  /* char * before readline 8 */
        rl_completion_word_break_hook = word_breaks;
        hist = history_path();
        if (hist) read_history(hist);
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_sigint;
        running = 1;
        sigaction(SIGINT, &sa, NULL);
        printf("kam %s — %s%s%d accounts. :help for commands, Ctrl-D to leave.\n", KAM_VERSION,
               s.pol && s.pol->title ? s.pol->title : (s.pol ? "policy loaded" : "no policy"),
               ", ", s.nrec);
    }
    ReplInput pd = {NULL, false};
    int added = 0;              /* history lines of this session */
    bool go_on = true;
    while (go_on) {
        char *line;
        interrupt = 0;          /* each line entered starts afresh */
        if (tty) {
            prompt_interrupted = 0;
            running = 0;
            line = readline(pd.text && !pd.held ? "...> " : "kam> ");
            running = 1;        /* from here Ctrl-C stops what runs */
            if (prompt_interrupted && pd.text && !pd.held) {    /* Ctrl-C abandons the block too */
                free(pd.text);
                pd.text = NULL;
            }
        } else {
            size_t cap = 0;
            line = NULL;
            ssize_t n = getline(&line, &cap, stdin);
            if (n < 0) {
                free(line);
                line = NULL;
            } else if (n > 0 && line[n - 1] == '\n') {
                line[n - 1] = '\0';
            }
        }
        if (!line) break;
        if (tty) {              /* a paste's last newline is not part of the entry */
            size_t n = strlen(line);
            while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) n--;
            if (n) {
                char c = line[n];
                line[n] = '\0';
                add_history(line);
                line[n] = c;
                added++;
            }
        }
        /* a paste arrives as one line with the newlines in it: take each */
        char *p = line;
        for (;;) {
            char *nl = p + strcspn(p, "\r\n");
            char end = *nl;
            *nl = '\0';
            go_on = repl_feed(&s, &pd, p);
            if (interrupt) {    /* the rest of a paste is dropped with what was stopped */
                free(pd.text);
                pd.text = NULL;
                break;
            }
            if (!go_on || !end) break;
            p = nl + 1 + (end == '\r' && nl[1] == '\n');
        }
        free(line);
    }
    if (go_on) repl_flush(&s, &pd);      /* the end of input runs what waits */
    free(pd.text);
    free(cands);
    if (tty) {
        putchar('\n');
        if (hist) {
            /* the history holds what was typed: private to the user. Only
               this session's lines are appended, so two sessions at once
               keep both theirs. */
            int fd = open(hist, O_WRONLY | O_CREAT, 0600);
            if (fd >= 0) close(fd);
            if (added > history_length) added = history_length;
            if (added > 0) append_history(added, hist);
            history_truncate_file(hist, 1000);
            chmod(hist, 0600);
        }
    }
    free(hist);
    ses_free(&s);
    return EXIT_OK;
}
