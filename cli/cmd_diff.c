/* cmd_diff.c — `kam diff POLICY DATA --set NAME=VALUE...` and `kam diff
 * OLD.kam NEW.kam DATA`: which accounts change outcome, and how; with the
 * counts per select and the revenue the changed accounts carry. */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"
#include "run.h"
#include "session.h"
#include "../runtime/writer.h"
#include "../api/engine.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void csv_field(const char *s)
{
    if (!strpbrk(s, ",\"\n\r")) {
        fputs(s, stdout);
        return;
    }
    putchar('"');
    for (; *s; s++) {
        if (*s == '"') putchar('"');
        putchar(*s);
    }
    putchar('"');
}

/* The changes of one account, as (outcome, before, after). */
static int changes(const Outcomes *a, int ra, const Outcomes *b, int rb, const char *key,
                   OutFormat fmt, bool *first_json)
{
    OutChange ch[256];
    int n = outcomes_changes(a, ra, b, rb, ch, 256);
    for (int i = 0; i < n && i < 256; i++) {
        if (fmt == FMT_CSV) {
            csv_field(key);
            printf(",%s,%s,%s\n", ch[i].name, ch[i].before, ch[i].after);
        } else if (fmt == FMT_JSONL) {
            fputs(*first_json ? "" : ",", stdout);
            *first_json = false;
            printf("{\"outcome\":");
            diag_json_string(stdout, ch[i].name);
            printf(",\"before\":");
            diag_json_string(stdout, ch[i].before);
            printf(",\"after\":");
            diag_json_string(stdout, ch[i].after);
            putchar('}');
        }
    }
    return n;
}

int cmd_diff(int argc, char **argv)
{
    RunOptions o;
    run_options_init(&o);
    const char *pos[3];
    int npos = 0;
    const char *format = NULL;
    for (int i = 1; i < argc; i++) {
        const char *val = NULL;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs("usage: kam diff [OPTIONS] POLICY DATA --set NAME=VALUE...\n"
                  "       kam diff [OPTIONS] OLD.kam NEW.kam DATA\n\n"
                  "Lists the accounts whose outcome (scores, selects, tiers, stages,\n"
                  "entitlements, flags) changes under a what-if or a new policy, with the\n"
                  "counts per select and the revenue the changed accounts carry.\n\n"
                  "options:\n"
                  "  --set NAME=VALUE          the what-if (repeatable)\n"
                  "  --as-of DATE              the date 'today' stands for\n"
                  "  --where EXPR              only accounts for which EXPR holds\n"
                  "  --format table|csv|jsonl  default: table on a terminal, csv otherwise;\n"
                  "                            csv and jsonl give one change per outcome\n\n"
                  "exit status: 0 whatever changed, 1 policy errors, 2 usage or an unreadable file,\n"
                  "3 data errors (records left out, evaluations that failed).\n",
                  stdout);
            return EXIT_OK;
        }
        int used = run_parse_common(&o, argc, argv, i, "diff");
        if (used < 0) return EXIT_USAGE;
        if (used > 0) {
            i += used - 1;
        } else if (cli_opt_value(argc, argv, &i, "--format", &val)) {
            if (!val) return cli_usage_error("diff", "--format needs table, csv or jsonl");
            format = val;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_usage_error("diff", "unknown option '%s'", argv[i]);
        } else if (npos < 3) {
            pos[npos++] = argv[i];
        } else {
            return cli_usage_error("diff", "too many arguments");
        }
    }
    OutFormat fmt = isatty(STDOUT_FILENO) ? FMT_TABLE : FMT_CSV;
    if (format) {
        if (!strcmp(format, "csv")) fmt = FMT_CSV;
        else if (!strcmp(format, "jsonl")) fmt = FMT_JSONL;
        else if (!strcmp(format, "table")) fmt = FMT_TABLE;
        else return cli_usage_error("diff", "unknown format '%s' (table, csv or jsonl)", format);
    }
    if (npos == 2 && o.nsets == 0)
        return cli_usage_error("diff", "nothing to compare: give --set NAME=VALUE, or OLD.kam NEW.kam DATA");
    if (npos < 2) return cli_usage_error("diff", "expected POLICY DATA --set ..., or OLD.kam NEW.kam DATA");
    if (npos == 3 && o.nsets)
        return cli_usage_error("diff", "--set goes with one policy, not OLD and NEW");
    const char *data = pos[npos - 1];
    Session s;
    ses_init(&s, stdout, stderr);
    int status = EXIT_OK;
    Outcomes before = {0}, after = {0};
    if (o.as_of) ses_set_today(&s, o.as_of);
    s.input = o.input;
    if (o.where) s.where = xstrdup(o.where);
    if (ses_load_policy(&s, pos[0]) != 0) { status = eng_exit_code(s.status); goto done; }
    if (ses_load_data(&s, data) != 0) { status = eng_exit_code(s.status); goto done; }
    char **keys_before = NULL;
    int nbefore = 0;
    long left_out = s.data_bad, failed = 0;
    if (ses_outcomes(&s, &before, true) < 0) { status = eng_exit_code(s.status); goto done; }
    failed += s.nerr;
    keys_before = s.keys;
    nbefore = s.nrec;
    Session s2;             /* NEW.kam: its own records (it may read other fields) */
    bool two = npos == 3;
    if (two) {
        ses_init(&s2, stdout, stderr);
        if (o.as_of) ses_set_today(&s2, o.as_of);
        s2.input = o.input;
        if (o.where) s2.where = xstrdup(o.where);
        if (ses_load_policy(&s2, pos[1]) != 0) { status = eng_exit_code(s2.status); ses_free(&s2); goto done; }
        if (ses_load_data(&s2, data) != 0) { status = eng_exit_code(s2.status); ses_free(&s2); goto done; }
        if (ses_outcomes(&s2, &after, true) < 0) { status = eng_exit_code(s2.status); ses_free(&s2); goto done; }
        left_out += s2.data_bad;
        failed += s2.nerr;
    } else {
        for (int i = 0; i < o.nsets; i++) {
            char name[256];
            const char *eq = strchr(o.sets[i], '=');
            snprintf(name, sizeof name, "%.*s", (int)(eq - o.sets[i]), o.sets[i]);
            if (ses_set(&s, name, eq + 1) != 0) { status = EXIT_USAGE; goto done; }
        }
        if (ses_outcomes(&s, &after, true) < 0) { status = eng_exit_code(s.status); goto done; }
        failed += s.nerr;
    }
    Session *sa = two ? &s2 : &s;
    if (fmt == FMT_CSV) puts("id,outcome,before,after");
    long changed = 0;
    double revenue = 0;
    int rev = ses_revenue_field(sa);
    char buf[4096];
    for (int rb = 0; rb < sa->nrec; rb++) {
        int ra = rb;
        if (two && (rb >= nbefore || strcmp(keys_before[rb], sa->keys[rb]) != 0)) {
            ra = -1;
            for (int k = 0; k < nbefore; k++)
                if (!strcmp(keys_before[k], sa->keys[rb])) ra = k;
            if (ra < 0) continue;
        }
        bool in_scope = false;
        for (int i = 0; i < after.ncols; i++)
            if (!isnan(after.v[(size_t)rb * (size_t)after.ncols + (size_t)i])) in_scope = true;
        if (!in_scope) continue;
        int n;
        if (fmt == FMT_TABLE) {
            n = outcomes_diff_text(&before, ra, &after, rb, buf, sizeof buf);
            char kb[256];
            if (n) printf("%-12s %s\n", wr_display(sa->keys[rb], strlen(sa->keys[rb]), kb, sizeof kb), buf);
        } else if (fmt == FMT_JSONL) {
            bool first = true;
            char *line = NULL;
            size_t len = 0;
            FILE *mem = open_memstream(&line, &len);
            FILE *saved = stdout;
            stdout = mem;
            n = changes(&before, ra, &after, rb, sa->keys[rb], fmt, &first);
            stdout = saved;
            fclose(mem);
            if (n) {
                fputs("{\"id\":", stdout);
                diag_json_string(stdout, sa->keys[rb]);
                printf(",\"changes\":[%s]}\n", line);
            }
            free(line);
        } else {
            bool first = true;
            n = changes(&before, ra, &after, rb, sa->keys[rb], fmt, &first);
        }
        if (n) {
            changed++;
            if (rev >= 0) revenue += sa->vals[(size_t)rb * (size_t)sa->nfields + (size_t)rev].u.num;
        }
    }
    /* the summary goes to stderr for csv/jsonl, so the data stays clean */
    FILE *sum = fmt == FMT_TABLE ? stdout : stderr;
    for (int i = 0; i < after.ncols; i++) {
        if (after.cols[i].kind != SYM_SELECT) continue;
        int j = -1;
        for (int k = 0; k < before.ncols; k++)
            if (before.cols[k].kind == SYM_SELECT && !strcmp(before.cols[k].name, after.cols[i].name)) j = k;
        long nb = 0, na = 0;
        for (int r = 0; r < after.nrec; r++) {
            double v = after.v[(size_t)r * (size_t)after.ncols + (size_t)i];
            if (!isnan(v)) na += v != 0;
        }
        for (int r = 0; j >= 0 && r < before.nrec; r++) {
            double v = before.v[(size_t)r * (size_t)before.ncols + (size_t)j];
            if (!isnan(v)) nb += v != 0;
        }
        fprintf(sum, "%s: %ld -> %ld (%+ld)\n", after.cols[i].name, nb, na, na - nb);
    }
    if (rev >= 0) {
        Value v = val_num(revenue);
        char rb[64];
        ses_format_value(ty_make(TY_MONEY), &v, rb, sizeof rb);
        fprintf(sum, "%ld of %d accounts changed, carrying %s of %s\n", changed, sa->nrec, rb,
                sa->pol->fields[rev]->name.name);
    } else {
        fprintf(sum, "%ld of %d accounts changed\n", changed, sa->nrec);
    }
    if (two) outcomes_uncompared(&before, &after, sum);
    /* accounts only one side could read are not silently out of the count */
    long only_old = 0, only_new = 0;
    for (int ra = 0; two && ra < nbefore; ra++) {
        bool found = false;
        for (int rb = 0; rb < sa->nrec && !found; rb++) found = !strcmp(keys_before[ra], sa->keys[rb]);
        if (!found) only_old++;
    }
    for (int rb = 0; two && rb < sa->nrec; rb++) {
        bool found = false;
        for (int ra = 0; ra < nbefore && !found; ra++) found = !strcmp(keys_before[ra], sa->keys[rb]);
        if (!found) only_new++;
    }
    if (only_old || only_new)
        fprintf(stderr, "kam: %ld account%s only the old policy could read, %ld only the new: not "
                "compared\n", only_old, only_old == 1 ? "" : "s", only_new);
    if (failed)
        fprintf(stderr, "kam: %ld evaluation%s failed (those accounts are not compared)\n", failed,
                failed == 1 ? "" : "s");
    /* a comparison that left records out is not the whole answer */
    int dropped = two && s2.data_bad > s.data_bad ? s2.data_bad : s.data_bad;   /* the same file twice */
    bool cut_short = s.data_stopped || (two && s2.data_stopped);
    if (dropped || cut_short || failed || only_old || only_new) {
        if (dropped)
            fprintf(stderr, "kam: the comparison leaves out %d malformed record%s\n", dropped,
                    dropped == 1 ? "" : "s");
        if (cut_short)
            fprintf(stderr, "kam: the comparison leaves out the records after the place where "
                    "reading stopped\n");
        status = EXIT_DATA;
    }
    if (two) ses_free(&s2);
done:
    outcomes_free(&before);
    outcomes_free(&after);
    ses_free(&s);
    return status;
}
