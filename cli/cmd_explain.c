/* cmd_explain.c — `kam explain POLICY DATA --id KEY`: why one account got
 * its outcome, in sentences (or JSON); `--portfolio`: why each portfolio
 * flag is raised or not. */
#include "cli.h"
#include "explain.h"
#include "run.h"
#include "../api/engine.h"

#include <string.h>

int cmd_explain(int argc, char **argv)
{
    RunOptions o;
    run_options_init(&o);
    const char *pos[2];
    int npos = 0;
    const char *id = NULL, *format = "text";
    bool portfolio = false;
    for (int i = 1; i < argc; i++) {
        const char *val = NULL;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs("usage: kam explain [OPTIONS] POLICY DATA --id KEY\n\n"
                  "Explains one account: each score criterion met or not with the values\n"
                  "involved; each select (for a limit: the rank, the capacity, the cut-off\n"
                  "and whether the limit cut it); the portfolio values of aggregates; the\n"
                  "single field changes that would flip the first select, each confirmed by\n"
                  "re-running the whole pipeline (first pass included) with it; the tier,\n"
                  "the stage transition, each entitlement and flag.\n\n"
                  "options:\n"
                  "  --id KEY             the account (its key field's value)\n"
                  "  --portfolio          instead of an account: the portfolio flags, each\n"
                  "                       with its condition and the figures it read\n"
                  "  --format text|json   sentences (default) or JSON\n"
                  "  --set NAME=VALUE     a param what-if (repeatable)\n"
                  "  --as-of DATE         the date 'today' stands for\n"
                  "  --input FMT, --table NAME, --sheet NAME, --delimiter C\n"
                  "                       how DATA is read, as for kam run\n\n"
                  "exit status: 0 ok, 1 policy errors, 2 usage or unknown key, 3 data errors.\n",
                  stdout);
            return EXIT_OK;
        }
        int used = run_parse_common(&o, argc, argv, i, "explain");
        if (used < 0) return EXIT_USAGE;
        if (used > 0) {
            i += used - 1;
        } else if (strcmp(argv[i], "--portfolio") == 0) {
            portfolio = true;
        } else if (cli_opt_value(argc, argv, &i, "--id", &val)) {
            if (!val) return cli_usage_error("explain", "--id needs a key");
            id = val;
        } else if (cli_opt_value(argc, argv, &i, "--format", &val)) {
            if (!val || (strcmp(val, "text") && strcmp(val, "json")))
                return cli_usage_error("explain", "--format takes text or json");
            format = val;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_usage_error("explain", "unknown option '%s'", argv[i]);
        } else if (npos < 2) {
            pos[npos++] = argv[i];
        } else {
            return cli_usage_error("explain", "too many arguments (expected POLICY DATA)");
        }
    }
    if (npos < 2) return cli_usage_error("explain", "expected POLICY DATA --id KEY");
    if (id && portfolio) return cli_usage_error("explain", "--id or --portfolio, not both");
    if (!id && !portfolio) return cli_usage_error("explain", "which account? --id KEY (or --portfolio)");
    if (o.where) return cli_usage_error("explain", "--where does not apply to explain");
    Session s;
    ses_init(&s, stdout, stderr);
    int status = EXIT_OK;
    if (o.as_of) ses_set_today(&s, o.as_of);
    s.input = o.input;
    s.used_only = true;         /* the fields kam run reads: the same records */
    s.sparse_key = id;          /* that account whole; the others as the passes need them */
    if (ses_load_policy(&s, pos[0]) != 0) status = eng_exit_code(s.status);
    else if (ses_load_data(&s, pos[1]) != 0) status = eng_exit_code(s.status);
    for (int i = 0; status == EXIT_OK && i < o.nsets; i++) {
        char name[256];
        const char *eq = strchr(o.sets[i], '=');
        snprintf(name, sizeof name, "%.*s", (int)(eq - o.sets[i]), o.sets[i]);
        if (ses_set(&s, name, eq + 1) != 0) status = EXIT_USAGE;
    }
    if (status == EXIT_OK && portfolio) {
        if (explain_portfolio(&s, stdout, strcmp(format, "json") == 0) != 0)
            status = s.status ? eng_exit_code(s.status) : EXIT_USAGE;
    } else if (status == EXIT_OK) {
        int rec = ses_find(&s, id);
        if (rec < 0) status = eng_exit_code(s.status);
        else if (explain_record(&s, rec, stdout, strcmp(format, "json") == 0) != 0)
            status = s.status == ENG_POLICY ? EXIT_POLICY : EXIT_DATA;
    }
    ses_free(&s);
    return status;
}
