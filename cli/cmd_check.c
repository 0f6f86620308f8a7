/* cmd_check.c — `kam check POLICY...`: loads and checks each policy and
 * reports every diagnostic, as GCC-style text with carets or as one JSON
 * document. Nothing is run. */
#include "cli.h"
#include "../api/engine.h"
#include "../lang/check.h"
#include "../runtime/reader.h"
#include "../runtime/bytecode.h"
#include "../runtime/writer.h"

#include <stdlib.h>
#include <string.h>

static void help(void)
{
    fputs("usage: kam check [OPTIONS] POLICY...\n\n"
          "Checks each policy file (and what it imports) and reports every problem\n"
          "found: syntax, unknown names, types and units, missing-data handling,\n"
          "cycles, stage machines. Text goes to stderr as\n"
          "  file:line:col: error: message [code]\n"
          "followed by the line and a caret; JSON goes to stdout.\n\n"
          "options:\n"
          "  --format FMT         text (default), json, sarif (SARIF 2.1.0 for code\n"
          "                       scanning) or github (workflow annotations)\n"
          "  --werror             treat warnings as errors\n"
          "  --data FILE          also check FILE (CSV, JSON Lines, SQLite, Excel .xlsx)\n"
          "                       against the record: missing columns, values that do\n"
          "                       not convert (the first 1000 records), optional fields\n"
          "                       never present\n"
          "  --input FMT, --table NAME, --sheet NAME, --delimiter C\n"
          "                       how to read FILE, as for kam run\n"
          "  -q, --quiet          print nothing; the exit status tells\n"
          "  -h, --help           this help\n\n"
          "exit status: 0 no errors, 1 errors (or warnings with --werror),\n"
          "2 usage error or a file that cannot be read, 3 the data does not fit.\n", stdout);
}

enum { SAMPLE = 1000 };

/* Checks a data file against the policy's record. Returns the number of
 * problems found (each printed to stderr), or -1 if the file cannot be
 * used at all. */
static int check_data(const Policy *p, const char *path, const SourceOpts *in)
{
    EngStatus st;
    Source *src = eng_source(p, path, in, stderr, &st);
    if (!src)   /* a header that does not fit is a finding; a file we cannot read is not */
        return st == ENG_DATA ? 1 : -1;
    int problems = 0, warnings = 0;
    RdPctScan *pct = rd_pct_new(&p->schema);     /* percent columns written as 35 for 35% */
    bool *reported = calloc((size_t)p->nfields + 1, sizeof(bool));
    long *present = calloc((size_t)p->nfields + 1, sizeof(long));
    long n = 0;
    int rc;
    while (n < SAMPLE && (rc = rd_next(src)) != 0) {
        if (rc < 0) {
            wr_print_line(stderr, "kam: ", src->err);
            problems++;
            break;
        }
        n++;
        if (rc == 2) {
            wr_print_line(stderr, "kam: ", src->err);
            problems++;
            continue;
        }
        for (int i = 0; i < p->nfields; i++) {
            Value v;
            if (rd_field(src, i, &v) != 0) {
                if (!reported[i]) {
                    wr_print_line(stderr, "kam: ", src->err);
                    reported[i] = true;
                    problems++;
                }
            } else if (!v.missing) {
                present[i]++;
                if (p->fields[i]->ty.kind == TY_PERCENT && src->col[i] >= 0)
                    rd_pct_note(pct, i, src->fields[src->col[i]].ptr, src->fields[src->col[i]].len,
                                src->decimal_comma);
            }
        }
    }
    for (int i = 0; i < p->nfields; i++) {
        const Field *f = p->fields[i];
        if (!f->ty.optional || present[i]) continue;
        warnings++;
        if (src->kind != SRC_JSONL && src->col[i] < 0)
            fprintf(stderr, "kam: %s: warning: optional field \"%s\" has no column: it is missing "
                    "in every record\n", src->path, f->name.name);
        else
            fprintf(stderr, "kam: %s: warning: optional field \"%s\" is missing in all %ld "
                    "records checked\n", src->path, f->name.name, n);
    }
    warnings += rd_pct_report(pct, &p->schema, src->path, stderr);
    rd_pct_free(pct);
    if (!problems && !warnings)
        fprintf(stderr, "%s: %ld record%s checked against record %s: no problems\n", src->path, n,
                n == 1 ? "" : "s", p->record ? p->record->name.name : "");
    else if (!problems)
        fprintf(stderr, "%s: %ld record%s checked against record %s: no errors, %d warning%s\n",
                src->path, n, n == 1 ? "" : "s", p->record ? p->record->name.name : "", warnings,
                warnings == 1 ? "" : "s");
    free(reported);
    free(present);
    rd_close(src);
    return problems;
}

int cmd_check(int argc, char **argv)
{
    const char *format = "text";
    bool werror = false, quiet = false;
    const char *data = NULL;
    SourceOpts in = {0};
    int in_rc;
    const char **files = calloc((size_t)argc + 1, sizeof(char *));
    int nfiles = 0;
    bool opts_done = false;
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
        } else if (cli_opt_value(argc, argv, &i, "--data", &data)) {
            if (!data) {
                free(files);
                return cli_usage_error("check", "--data needs a file");
            }
        } else if ((in_rc = cli_input_opt(&in, argc, argv, &i, "check")) != 0) {
            if (in_rc < 0) {
                free(files);
                return EXIT_USAGE;
            }
        } else if (strcmp(a, "--werror") == 0) {
            werror = true;
        } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            quiet = true;
        } else if (strcmp(a, "--format") == 0 || strncmp(a, "--format=", 9) == 0) {
            if (a[8] == '=') format = a + 9;
            else if (i + 1 < argc) format = argv[++i];
            else {
                free(files);
                return cli_usage_error("check", "--format needs a value: text or json");
            }
            if (strcmp(format, "text") != 0 && strcmp(format, "json") != 0 &&
                strcmp(format, "sarif") != 0 && strcmp(format, "github") != 0) {
                free(files);
                return cli_usage_error("check", "unknown format '%s' (text, json, sarif or github)", format);
            }
        } else {
            free(files);
            return cli_usage_error("check", "unknown option '%s'", a);
        }
    }
    if (nfiles == 0) {
        free(files);
        return cli_usage_error("check", "no policy file given");
    }
    bool json = strcmp(format, "json") == 0;
    bool sarif = strcmp(format, "sarif") == 0;
    bool github = strcmp(format, "github") == 0;
    bool color = !json && !sarif && !github && cli_use_color(stderr);
    int errors = 0, warnings = 0, unreadable = 0, data_problems = 0;
    bool truncated = false;
    bool first = true;
    if (json && !quiet) fputs("{\"diagnostics\":[", stdout);
    if (sarif && !quiet) diag_sarif_begin(stdout, KAM_VERSION);
    for (int i = 0; i < nfiles; i++) {
        DiagList diags;
        diag_init(&diags);
        diags.werror = werror;
        char msg[4200];
        Policy *p = policy_load(files[i], &diags, msg, sizeof msg);
        if (!p) {
            fprintf(stderr, "kam: %s\n", msg);
            unreadable++;
            diag_free(&diags);
            continue;
        }
        if (!diags.nerrors) {       /* what only compiling finds (too-large) */
            Chunk *chunk = cg_compile(p, NULL, 0, &diags);
            cg_free(chunk);
        }
        if (!quiet) {
            if (json) diag_render_json_items(stdout, &p->src, &diags, &first);
            else if (sarif) diag_render_sarif_results(stdout, &p->src, &diags, &first);
            else if (github) diag_render_github(stdout, &p->src, &diags);
            else diag_render_text(stderr, &p->src, &diags, color);
        }
        if (diags.n < diags.nerrors + diags.nwarnings) truncated = true;
        errors += diags.nerrors;
        warnings += diags.nwarnings;
        if (data && !diags.nerrors) {
            int dp = check_data(p, data, &in);
            if (dp < 0) unreadable++;
            else data_problems += dp;
        }
        policy_free(p);
        diag_free(&diags);
    }
    if (sarif && !quiet)
        diag_sarif_end(stdout);
    else if (json && !quiet)
        printf("%s],\"errors\":%d,\"warnings\":%d%s}\n", first ? "" : "\n", errors, warnings,
               truncated ? ",\"truncated\":true" : "");
    else if (!quiet && !github && (errors || warnings))
        fprintf(stderr, "%d error%s, %d warning%s\n", errors, errors == 1 ? "" : "s", warnings,
                warnings == 1 ? "" : "s");
    free(files);
    if (unreadable) return EXIT_USAGE;
    if (errors || (werror && warnings)) return EXIT_POLICY;
    if (data_problems) return EXIT_DATA;
    return EXIT_OK;
}
