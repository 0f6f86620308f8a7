/* cmd_run.c — `kam run POLICY DATA`: evaluates the policy for every record
 * and writes the outcomes. Handles --set (param what-ifs), --as-of,
 * --where, --format (xlsx only to a file or a pipe), --columns (else the
 * policy's `display` and `output` fields: cli/run.c), --width
 * (the table fitted to the terminal unless told), --out (written through a
 * temporary file and renamed, so a failed run leaves no partial file) and
 * --on-error. A policy with aggregates reads its data twice (stdin is
 * spooled to a temporary file). */
#define _DEFAULT_SOURCE     /* TIOCGWINSZ */
#include "cli.h"
#include "run.h"
#include "../lang/parse.h"
#include "../base/date.h"
#include "../runtime/vm.h"
#include "../runtime/writer.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void help(void)
{
    fputs("usage: kam run [OPTIONS] POLICY DATA\n\n"
          "Evaluates POLICY for every account in DATA (.csv, .jsonl, .sqlite/.db,\n"
          ".xlsx, or - for standard input) and writes one line of outcomes per account: the key, the\n"
          "record fields of the policy's `display` and `output` lines, each score, select, tier and\n"
          "stage, the entitlements, their terms (CSV: a column ENTITLEMENT.TERM each) and the flags.\n\n"
          "options:\n"
          "  --format table|csv|jsonl|xlsx\n"
          "                            output format (default: table on a terminal,\n"
          "                            csv otherwise); xlsx is an Excel workbook, written\n"
          "                            with --out FILE or to a pipe, never to a terminal\n"
          "  --columns NAME,...        record fields to show after the key, in this order,\n"
          "                            instead of the policy's `output` and `display`,\n"
          "                            e.g. --columns name,segment ('' for none)\n"
          "  --width N                 fit the table to N columns, eliding long cells with\n"
          "                            '…' (default: the terminal's width; 0: in full)\n"
          "  --set NAME=VALUE          give a param another value (repeatable),\n"
          "                            e.g. --set growth_floor=8%\n"
          "  --as-of DATE              the date 'today' stands for (default: today)\n"
          "  --where EXPR              only output accounts for which EXPR holds\n"
          "  -o, --out FILE            write to FILE (complete, or not at all)\n"
          "  --input csv|jsonl|sqlite|xlsx  the data's format (default: from its\n"
          "                            name; standard input is csv unless told)\n"
          "  --table NAME              the SQLite table (default: the record's name)\n"
          "  --sheet NAME              the Excel worksheet (default: the first)\n"
          "  --delimiter C             CSV: ',' ';' or tab (default: ',', or ';' or\n"
          "                            tab when the header line has no comma)\n"
          "  --summary                 counts per select, tier, stage move, entitlement and\n"
          "                            flag, revenue per tier, instead of one line per account\n"
          "  --revenue FIELD           the money field --summary sums per tier (default: the\n"
          "                            one money field whose name says revenue)\n"
          "  --coverage                criteria, tier branches, transitions, entitlements and\n"
          "                            flags that never fired (or always did) on this data\n"
          "  --no-progress             no progress bar (shown on a terminal for large files)\n"
          "  -j, --jobs N              workers for a CSV or JSON Lines file (default: every\n"
          "                            core; 1: one); the output is the same whatever N\n"
          "  --on-error report|skip|fail\n"
          "                            a malformed record: report it and go on (default;\n"
          "                            exit 3 at the end), skip it quietly, or stop\n"
          "  -h, --help                this help\n\n"
          "exit status: 0 ok, 1 policy errors, 2 usage error or unreadable input,\n"
          "3 data errors in records.\n", stdout);
}

/* The terminal's width: its own say, else $COLUMNS, else 80. */
static int terminal_width(void)
{
    struct winsize ws;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
    const char *env = getenv("COLUMNS");
    char *end;
    long n = env ? strtol(env, &end, 10) : 0;
    if (env && *env && !*end && n > 0 && n <= 100000) return (int)n;
    return 80;
}

int cmd_run(int argc, char **argv)
{
    RunOptions o;
    run_options_init(&o);
    o.progress = true;
    const char *pos[2];
    int npos = 0;
    const char *format = NULL;
    int width = -1;         /* --width: -1 when not given */
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = NULL;
        int used = run_parse_common(&o, argc, argv, i, "run");
        if (used < 0) return EXIT_USAGE;
        if (used > 0) {
            i += used - 1;
            continue;
        }
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            help();
            return EXIT_OK;
        } else if (cli_opt_value(argc, argv, &i, "--format", &val)) {
            if (!val) return cli_usage_error("run", "--format needs a value: table, csv, jsonl or xlsx");
            format = val;
        } else if (strcmp(a, "--summary") == 0) {
            o.summary = true;
        } else if (strcmp(a, "--coverage") == 0) {
            o.coverage = true;
        } else if (cli_opt_value(argc, argv, &i, "--revenue", &val)) {
            if (!val) return cli_usage_error("run", "--revenue needs the name of a money field");
            o.revenue = val;
        } else if (cli_opt_value(argc, argv, &i, "--jobs", &val) ||
                   cli_opt_value(argc, argv, &i, "-j", &val)) {
            char *end;
            long n = val ? strtol(val, &end, 10) : -1;
            if (!val || !*val || *end || n < 1 || n > 1024)
                return cli_usage_error("run", "-j takes a number of workers from 1 to 1024, as in -j 4");
            o.jobs = (int)n;
        } else if (strcmp(a, "--no-progress") == 0) {
            o.progress = false;
        } else if (cli_opt_value(argc, argv, &i, "--columns", &val)) {
            if (!val) return cli_usage_error("run", "--columns needs field names, as in --columns name,segment");
            o.columns = val;
        } else if (cli_opt_value(argc, argv, &i, "--width", &val)) {
            char *end;
            long n = val ? strtol(val, &end, 10) : -1;
            if (!val || !*val || *end || n < 0 || n > 100000)
                return cli_usage_error("run", "--width takes a number of columns, as in --width 80 (0: no limit)");
            width = (int)n;
        } else if (cli_opt_value(argc, argv, &i, "--out", &val) ||
                   cli_opt_value(argc, argv, &i, "-o", &val)) {
            if (!val) return cli_usage_error("run", "--out needs a file name");
            o.out_path = val;
        } else if (a[0] == '-' && a[1] != '\0') {
            return cli_usage_error("run", "unknown option '%s'", a);
        } else if (npos < 2) {
            pos[npos++] = a;
        } else {
            return cli_usage_error("run", "too many arguments: '%s' (expected POLICY DATA)", a);
        }
    }
    if (npos < 2) return cli_usage_error("run", npos ? "no data file given" : "no policy file given");
    if (o.summary && o.coverage) return cli_usage_error("run", "--summary or --coverage, not both");
    if (o.columns && (o.summary || o.coverage))
        return cli_usage_error("run", "--columns shapes the rows; --summary and --coverage print counts");
    if (format && strcmp(format, "json") == 0) {
        if (!o.summary && !o.coverage)
            return cli_usage_error("run", "--format json goes with --summary or --coverage (rows: jsonl)");
        o.json = true;
        format = NULL;
    }
    if (format) {
        if (o.summary || o.coverage)
            return cli_usage_error("run", "--summary and --coverage print text, or json with --format json");
        if (strcmp(format, "csv") == 0) o.format = FMT_CSV;
        else if (strcmp(format, "jsonl") == 0) o.format = FMT_JSONL;
        else if (strcmp(format, "table") == 0) o.format = FMT_TABLE;
        else if (strcmp(format, "xlsx") == 0) o.format = FMT_XLSX;
        else return cli_usage_error("run", "unknown format '%s' (table, csv, jsonl or xlsx)", format);
    } else {
        o.format = !o.out_path && isatty(STDOUT_FILENO) ? FMT_TABLE : FMT_CSV;
    }
    if (o.format == FMT_XLSX && !o.out_path && isatty(STDOUT_FILENO))
        return cli_usage_error("run", "--format xlsx writes a workbook, not text for a terminal: "
                               "add --out FILE.xlsx (or redirect the output to a file)");
    o.width = width >= 0 ? width : !o.out_path && isatty(STDOUT_FILENO) ? terminal_width() : 0;
    return run_policy(pos[0], pos[1], &o);
}
