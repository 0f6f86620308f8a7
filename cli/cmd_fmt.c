/* cmd_fmt.c — `kam fmt [-w | --check] POLICY...`: lays policy files out in
 * the canonical layout (lang/fmt.c does the layout; docs/fmt.md describes
 * it). Prints the result, rewrites files in place (through a temporary file
 * in the same folder, renamed over the original), or reports with a diff
 * which files are not formatted. A file is formatted only if it checks
 * without errors; the layout itself never changes what a policy means. */
#define _XOPEN_SOURCE 700     /* realpath, fchmod */
#include "cli.h"
#include "../lang/check.h"
#include "../lang/fmt.h"
#include "../base/arena.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void help(void)
{
    fputs("usage: kam fmt [-w | --check] POLICY...\n\n"
          "Lays a policy file out in kam's one canonical layout: one definition or\n"
          "block item a line, blocks indented by two spaces, columns aligned in\n"
          "records, scores, tiers and stages, single spaces between tokens. Comments\n"
          "and the line breaks inside expressions are kept; meaning never changes.\n"
          "Only a file that checks without errors is formatted (errors are shown as\n"
          "by kam check). With neither option, prints the formatted POLICY (one\n"
          "file; - reads standard input).\n\n"
          "options:\n"
          "  -w, --write   rewrite each file in place (only files that change; the\n"
          "                file's mode is kept, the write is atomic)\n"
          "  --check       print nothing and exit 0 if every file is formatted;\n"
          "                otherwise print a diff (original to formatted) and exit 1\n"
          "  -h, --help    this help\n\n"
          "exit status: 0 done (with --check: all formatted), 1 a policy has errors\n"
          "(with --check: or is not formatted), 2 usage error or a file that cannot\n"
          "be read or written.\n", stdout);
}

/* Reads a whole file ("-": standard input) as it is on disk. NULL with a
 * message in err if it cannot be read. */
static char *read_all(const char *path, size_t *len, char *err, size_t errlen)
{
    bool is_stdin = strcmp(path, "-") == 0;
    FILE *fp = is_stdin ? stdin : fopen(path, "rb");
    if (!fp) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (!is_stdin && fstat(fileno(fp), &st) == 0 && S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s: is a directory, not a policy file", path);
        fclose(fp);
        return NULL;
    }
    size_t cap = 8192, n = 0;
    char *buf = xmalloc(cap);
    for (;;) {
        if (n == cap) buf = xrealloc(buf, cap *= 2);
        size_t got = fread(buf + n, 1, cap - n, fp);
        n += got;
        if (got == 0) break;
        if (n > SRC_MAX_BYTES) {
            snprintf(err, errlen, "%s: policy file larger than %d MiB", path,
                     SRC_MAX_BYTES / (1024 * 1024));
            free(buf);
            if (!is_stdin) fclose(fp);
            return NULL;
        }
    }
    bool bad = ferror(fp);
    if (!is_stdin) fclose(fp);
    if (bad) {
        snprintf(err, errlen, "%s: read error", path);
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

/* ---- a unified diff of two texts, by lines ---------------------------- */

typedef struct Lines {
    const char **at;    /* each line's start; a line includes its '\n' if it has one */
    size_t *len;
    int n;
} Lines;

static void split_lines(const char *s, size_t n, Lines *out)
{
    int cap = 64;
    out->at = xmalloc(sizeof(char *) * (size_t)cap);
    out->len = xmalloc(sizeof(size_t) * (size_t)cap);
    out->n = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && s[j] != '\n') j++;
        if (j < n) j++;
        if (out->n == cap) {
            cap *= 2;
            out->at = xrealloc(out->at, sizeof(char *) * (size_t)cap);
            out->len = xrealloc(out->len, sizeof(size_t) * (size_t)cap);
        }
        out->at[out->n] = s + i;
        out->len[out->n++] = j - i;
        i = j;
    }
}

static bool same_line(const Lines *a, int i, const Lines *b, int j)
{
    return a->len[i] == b->len[j] && memcmp(a->at[i], b->at[j], a->len[i]) == 0;
}

static void print_line(FILE *out, char mark, const Lines *l, int i)
{
    fputc(mark, out);
    fwrite(l->at[i], 1, l->len[i], out);
    if (l->len[i] == 0 || l->at[i][l->len[i] - 1] != '\n')
        fputs("\n\\ No newline at end of file\n", out);
}

enum { CONTEXT = 3, DIFF_MAX_CELLS = 4 * 1024 * 1024 };

/* Prints a unified diff (3 lines of context) from a to b, headed by path. The
 * edit script is a longest common subsequence of the lines that differ
 * between the common head and tail; past DIFF_MAX_CELLS it is a plain
 * replacement of that middle. */
static void print_diff(FILE *out, const char *path, const char *a, size_t alen, const char *b,
                       size_t blen)
{
    Lines x, y;
    split_lines(a, alen, &x);
    split_lines(b, blen, &y);
    int head = 0;
    while (head < x.n && head < y.n && same_line(&x, head, &y, head)) head++;
    int tail = 0;
    while (tail < x.n - head && tail < y.n - head && same_line(&x, x.n - 1 - tail, &y, y.n - 1 - tail))
        tail++;
    int n = x.n - head - tail, m = y.n - head - tail;
    /* ops: ' ' both, '-' only in a, '+' only in b; with line numbers */
    int cap = x.n + y.n + 1, nops = 0;
    char *op = xmalloc((size_t)cap);
    int *ai = xmalloc(sizeof(int) * (size_t)cap), *bi = xmalloc(sizeof(int) * (size_t)cap);
#define OP(c, i, j) (op[nops] = (c), ai[nops] = (i), bi[nops] = (j), nops++)
    for (int k = 0; k < head; k++) OP(' ', k, k);
    if ((size_t)(n + 1) * (size_t)(m + 1) <= DIFF_MAX_CELLS) {
        /* lcs[i][j]: the LCS length of a's middle from i and b's from j */
        int *lcs = xcalloc((size_t)(n + 1) * (size_t)(m + 1), sizeof(int));
#define L(i, j) lcs[(size_t)(i) * (size_t)(m + 1) + (size_t)(j)]
        for (int i = n - 1; i >= 0; i--)
            for (int j = m - 1; j >= 0; j--)
                L(i, j) = same_line(&x, head + i, &y, head + j) ? L(i + 1, j + 1) + 1
                          : L(i + 1, j) > L(i, j + 1) ? L(i + 1, j) : L(i, j + 1);
        int i = 0, j = 0;
        while (i < n || j < m) {
            if (i < n && j < m && same_line(&x, head + i, &y, head + j)) {
                OP(' ', head + i, head + j);
                i++;
                j++;
            } else if (j >= m || (i < n && L(i + 1, j) >= L(i, j + 1))) {
                OP('-', head + i, -1);
                i++;
            } else {
                OP('+', -1, head + j);
                j++;
            }
        }
#undef L
        free(lcs);
    } else {
        for (int i = 0; i < n; i++) OP('-', head + i, -1);
        for (int j = 0; j < m; j++) OP('+', -1, head + j);
    }
    for (int k = 0; k < tail; k++) OP(' ', x.n - tail + k, y.n - tail + k);
#undef OP
    fprintf(out, "--- %s\t(original)\n+++ %s\t(formatted)\n", path, path);
    for (int k = 0; k < nops;) {
        if (op[k] == ' ') {
            k++;
            continue;
        }
        /* a hunk: from CONTEXT before this change to CONTEXT after the last
           change that is within 2*CONTEXT of the one before */
        int from = k - CONTEXT < 0 ? 0 : k - CONTEXT, to = k;
        for (int j = k; j < nops; j++) {
            if (op[j] != ' ') to = j;
            else if (j - to > 2 * CONTEXT) break;
        }
        to = to + CONTEXT + 1 > nops ? nops : to + CONTEXT + 1;
        int astart = -1, bstart = -1, acount = 0, bcount = 0;
        int abefore = 0, bbefore = 0;     /* lines of a and b before the hunk */
        for (int j = 0; j < from; j++) {
            if (op[j] != '+') abefore++;
            if (op[j] != '-') bbefore++;
        }
        for (int j = from; j < to; j++) {
            if (op[j] != '+') {
                if (astart < 0) astart = ai[j];
                acount++;
            }
            if (op[j] != '-') {
                if (bstart < 0) bstart = bi[j];
                bcount++;
            }
        }
        fprintf(out, "@@ -%d,%d +%d,%d @@\n", acount ? astart + 1 : abefore, acount,
                bcount ? bstart + 1 : bbefore, bcount);
        for (int j = from; j < to; j++) {
            if (op[j] == '+') print_line(out, '+', &y, bi[j]);
            else print_line(out, op[j], &x, ai[j]);
        }
        k = to;
    }
    free(op);
    free(ai);
    free(bi);
    free(x.at);
    free(x.len);
    free(y.at);
    free(y.len);
}

/* ---- writing in place -------------------------------------------------- */

/* Replaces path's contents with text: a temporary file in the same folder
 * (the symlink's target's folder), given path's mode, then renamed over it.
 * Returns false with a message printed. */
static bool write_in_place(const char *path, const char *text, size_t len)
{
    char *real = realpath(path, NULL);
    const char *target = real ? real : path;
    struct stat st;
    if (stat(target, &st) != 0) {
        fprintf(stderr, "kam: %s: %s\n", path, strerror(errno));
        free(real);
        return false;
    }
    const char *slash = strrchr(target, '/');
    size_t dirlen = slash ? (size_t)(slash - target) + 1 : 0;
    size_t tlen = dirlen + strlen(slash ? slash + 1 : target) + 32;
    char *tmp = xmalloc(tlen);
    snprintf(tmp, tlen, "%.*s.%s.kamfmt-XXXXXX", (int)dirlen, target, slash ? slash + 1 : target);
    bool ok = false;
    int fd = mkstemp(tmp);
    if (fd < 0) {
        fprintf(stderr, "kam: cannot write %s: %s\n", path, strerror(errno));
        goto out;
    }
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, text + off, len - off);
        if (w < 0) {
            if (errno == EINTR) continue;
            break;
        }
        off += (size_t)w;
    }
    if (off < len || fchmod(fd, st.st_mode & 07777) != 0 || fsync(fd) != 0) {
        fprintf(stderr, "kam: cannot write %s: %s\n", path, strerror(errno));
        close(fd);
        unlink(tmp);
        goto out;
    }
    if (close(fd) != 0 || rename(tmp, target) != 0) {
        fprintf(stderr, "kam: cannot replace %s: %s\n", path, strerror(errno));
        unlink(tmp);
        goto out;
    }
    ok = true;
out:
    free(tmp);
    free(real);
    return ok;
}

/* ---- the command ------------------------------------------------------- */

enum { MODE_PRINT, MODE_WRITE, MODE_CHECK };

/* Formats one file in the given mode. Returns its exit status. */
static int fmt_file(const char *path, int mode)
{
    char err[4200];
    size_t len = 0;
    char *text = read_all(path, &len, err, sizeof err);
    if (!text) {
        fprintf(stderr, "kam: %s\n", err);
        return EXIT_USAGE;
    }
    const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;
    DiagList diags;
    diag_init(&diags);
    Policy *p = policy_load_text(name, text, len, &diags);
    int status = EXIT_OK;
    if (diags.nerrors) {
        diag_render_text(stderr, &p->src, &diags, cli_use_color(stderr));
        fprintf(stderr, "%d error%s, %d warning%s\n", diags.nerrors, diags.nerrors == 1 ? "" : "s",
                diags.nwarnings, diags.nwarnings == 1 ? "" : "s");
        fprintf(stderr, "kam: %s: not formatted: it has errors\n", name);
        status = EXIT_POLICY;
    }
    policy_free(p);
    diag_free(&diags);
    if (status != EXIT_OK) {
        free(text);
        return status;
    }
    size_t outlen = 0;
    char *out = fmt_policy(text, len, &outlen, err, sizeof err);
    if (!out) {
        fprintf(stderr, "kam: %s: %s\n", name, err);
        free(text);
        return EXIT_POLICY;
    }
    bool same = outlen == len && memcmp(out, text, len) == 0;
    if (mode == MODE_PRINT) {
        fwrite(out, 1, outlen, stdout);
        if (fflush(stdout) != 0) {
            fprintf(stderr, "kam: writing the output failed: %s\n", strerror(errno));
            cli_stdout_failure_said();
            status = EXIT_USAGE;
        }
    } else if (mode == MODE_CHECK && !same) {
        print_diff(stdout, name, text, len, out, outlen);
        status = EXIT_POLICY;
    } else if (mode == MODE_WRITE && !same && !write_in_place(path, out, outlen)) {
        status = EXIT_USAGE;
    }
    free(out);
    free(text);
    return status;
}

int cmd_fmt(int argc, char **argv)
{
    bool write = false, check = false, opts_done = false;
    const char **files = xcalloc((size_t)argc + 1, sizeof(char *));
    int nfiles = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (opts_done || a[0] != '-' || strcmp(a, "-") == 0) {
            files[nfiles++] = a;
        } else if (strcmp(a, "--") == 0) {
            opts_done = true;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            help();
            free(files);
            return EXIT_OK;
        } else if (strcmp(a, "-w") == 0 || strcmp(a, "--write") == 0) {
            write = true;
        } else if (strcmp(a, "--check") == 0) {
            check = true;
        } else {
            free(files);
            return cli_usage_error("fmt", "unknown option '%s'", a);
        }
    }
    int status = EXIT_OK;
    if (write && check) status = cli_usage_error("fmt", "-w and --check do not go together");
    else if (nfiles == 0) status = cli_usage_error("fmt", "no policy file given");
    else if (!write && !check && nfiles > 1)
        status = cli_usage_error("fmt", "one POLICY at a time, or use -w or --check for several");
    if (status != EXIT_OK) {
        free(files);
        return status;
    }
    int mode = write ? MODE_WRITE : check ? MODE_CHECK : MODE_PRINT;
    for (int i = 0; i < nfiles && write; i++)
        if (strcmp(files[i], "-") == 0) {
            free(files);
            return cli_usage_error("fmt", "-w cannot rewrite standard input");
        }
    int unreadable = 0, failed = 0;
    for (int i = 0; i < nfiles; i++) {
        int rc = fmt_file(files[i], mode);
        if (rc == EXIT_USAGE) unreadable++;
        else if (rc != EXIT_OK) failed++;
    }
    free(files);
    if (unreadable) return EXIT_USAGE;
    return failed ? EXIT_POLICY : EXIT_OK;
}
