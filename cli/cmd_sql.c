/* cmd_sql.c — `kam sql POLICY --dialect D`: the policy as one SQL query
 * (lang/sql.c) over a table of records; `--schema`: the CREATE TABLE for
 * it; `--export DATA`: the data as the canonical CSV to load into that
 * table, read through the runtime's readers exactly as kam run reads it.
 * Params (--set) and today (--as-of) are worked out by the engine, as for
 * kam run. docs/sql.md describes the query. */
#include "cli.h"
#include "run.h"
#include "outfile.h"
#include "run_par.h"
#include "../lang/sql.h"
#include "../base/date.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void help(void)
{
    fputs("usage: kam sql POLICY --dialect sqlite|postgres|duckdb|spark|snowflake [OPTIONS]\n"
          "       kam sql POLICY --schema --dialect D [--table NAME]\n"
          "       kam sql POLICY --export DATA [data options]\n\n"
          "Prints POLICY as one SQL query over a table of records (one row per record,\n"
          "a column per record field): its result has kam run --format csv's columns\n"
          "and values, ordered by the key, plus a last column kam_error (NULL, or why\n"
          "kam could not evaluate the record). A construct no query of the dialect\n"
          "computes exactly as kam does is refused (sql-untranslatable).\n\n"
          "options:\n"
          "  --dialect sqlite|postgres|duckdb|spark|snowflake   the SQL dialect\n"
          "  --table NAME              the table (default: the record's name); with\n"
          "                            --export, the SQLite table DATA is read from\n"
          "  --as-of DATE              the date 'today' stands for (default: the\n"
          "                            database's current date when the query runs)\n"
          "  --set NAME=VALUE          give a param another value (repeatable)\n"
          "  --columns NAME,...        record fields after the key, as in kam run\n"
          "  --schema                  print the CREATE TABLE for the record instead\n"
          "  --export DATA             write DATA (.csv, .jsonl, .sqlite, .xlsx) as CSV to\n"
          "                            load into the table: strings quoted, dates\n"
          "                            YYYY-MM-DD, percents as fractions, \\N for missing\n"
          "  --input, --sheet, --delimiter, --on-error   reading DATA, as in kam run\n"
          "  -o, --out FILE            write to FILE (complete, or not at all)\n"
          "  -h, --help                this help\n\n"
          "exit status: 0 ok, 1 policy errors or an untranslatable construct, 2 usage\n"
          "error or unreadable input, 3 records of DATA kam cannot read (--export).\n", stdout);
}

/* A number as a plain decimal (no exponent: every loader reads it, an int
 * column too), the shortest that reads back as the same double. */
static void put_num(FILE *f, double v)
{
    char buf[40];
    if (v == 0) v = 0;      /* no -0 */
    /* the common case, fast: k / 10^d for the fewest decimals d <= 6 with
       which that division gives v back (the decimal then reads back as v) */
    static const double scale[] = {1, 10, 100, 1000, 10000, 100000, 1000000};
    double a = fabs(v);
    for (int d = 0; d <= 6 && a < 1e9; d++) {
        double k = nearbyint(a * scale[d]);
        if (k / scale[d] != a) continue;
        unsigned long long u = (unsigned long long)k;
        char tmp[32];
        int n = 0;
        while (u || n <= d) {
            tmp[n++] = (char)('0' + u % 10);
            u /= 10;
        }
        int o = 0;
        if (v < 0) buf[o++] = '-';
        while (n > d) buf[o++] = tmp[--n];
        if (d) buf[o++] = '.';
        while (n) buf[o++] = tmp[--n];
        fwrite(buf, 1, (size_t)o, f);
        return;
    }
    /* 15 significant digits hold the shortest text whenever it has 15 or
       fewer (DBL_DIG): then only trailing zeros differ; else 16, then 17 */
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*e", prec - 1, v);
        if (strtod(buf, NULL) == v) break;
    }
    /* digits and exponent of d.ddde±x, written out in full */
    char digits[24];
    int nd = 0;
    const char *s = buf;
    bool neg = *s == '-';
    if (neg) s++;
    for (; *s && *s != 'e'; s++)
        if (*s >= '0' && *s <= '9') digits[nd++] = *s;
    int exp = atoi(s + 1);
    while (nd > 1 && digits[nd - 1] == '0') nd--;
    if (neg) fputc('-', f);
    if (exp < 0) {
        fputs("0.", f);
        for (int i = 0; i < -exp - 1; i++) fputc('0', f);
        fwrite(digits, 1, (size_t)nd, f);
        return;
    }
    for (int i = 0; i <= exp || i < nd; i++) {
        if (i == exp + 1) fputc('.', f);
        fputc(i < nd ? digits[i] : '0', f);
    }
}

static void put_quoted(FILE *f, const char *s, size_t n)
{
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"') fputc('"', f);
        fputc(s[i], f);
    }
    fputc('"', f);
}

static void put_value(FILE *f, const SchemaField *sf, const Value *v)
{
    if (v->missing) {
        fputs("\\N", f);
        return;
    }
    switch (sf->ty.kind) {
    case RT_STRING: put_quoted(f, v->u.str ? v->u.str : "", v->len); break;
    case RT_BOOL: fputs(v->u.i ? "true" : "false", f); break;
    case RT_DATE: {
        char buf[16];
        date_format((int32_t)v->u.i, buf);
        fputs(buf, f);
        break;
    }
    case RT_ENUM:
    case RT_STAGE:
        if (sf->ty.en && v->u.i >= 0 && v->u.i < sf->ty.en->n) {
            const char *m = sf->ty.en->members[v->u.i];
            put_quoted(f, m, strlen(m));
        } else {
            fputs("\\N", f);
        }
        break;
    default: put_num(f, v->u.num); break;
    }
}

/* --export: every record kam run reads, as CSV; the others reported as kam
 * run reports them. */
static int export_data(RunSession *rs, const char *data, const RunOptions *o, FILE *out)
{
    const Policy *p = rs->pol;
    EngStatus st;
    Source *src = eng_source(p, data, &o->input, stderr, &st);
    if (!src) return eng_exit_code(st);
    const Schema *sch = &p->schema;
    bool *used = xcalloc((size_t)p->nfields + 1, sizeof(bool));
    for (int f = 0; f < p->nfields; f++) used[f] = rs->chunk->field_used[f];
    for (int i = 0; i < rs->ncolumns; i++) used[rs->columns[i]] = true;
    RdPlan plan = rd_plan(src, used, rs->chunk->field_reg);
    for (int f = 0; f < p->nfields; f++) fprintf(out, "%s%s", f ? "," : "", p->fields[f]->name.name);
    fputc('\n', out);
    long bad = 0, records = 0, unread_bad = 0;
    int rc;
    Value *regs = rs->vm->regs;
    while ((rc = rd_next(src)) != 0) {
        if (rc < 0) {
            wr_print_line(stderr, "kam: ", src->err);
            bad++;
            break;
        }
        records++;
        char msg[1024];
        const char *problem = NULL;
        vm_reset_scratch(rs->vm);
        if (rc == 2) problem = src->err;
        else if (rd_fill(src, &plan, regs) != 0) problem = src->err;
        if (!problem && p->key_field >= 0) {
            const RdField *kf = &src->fields[src->col[p->key_field]];
            if (kf->len == 0) {
                snprintf(msg, sizeof msg, "%s:%ld: field \"%s\": the key is empty", src->path, src->line,
                         p->fields[p->key_field]->name.name);
                problem = msg;
            }
        }
        if (problem) {
            bad++;
            if (o->on_error != ON_ERROR_SKIP && bad <= RUN_MAX_SHOWN) wr_print_line(stderr, "kam: ", problem);
            if (o->on_error == ON_ERROR_FAIL) break;
            continue;
        }
        for (int f = 0; f < p->nfields; f++) {
            Value v;
            if (f) fputc(',', out);
            if (used[f]) {
                v = regs[rs->chunk->field_reg[f]];
            } else if (src->col[f] < 0) {
                fputs("\\N", out);      /* an optional column the data does not have */
                continue;
            } else if (rd_field(src, f, &v) != 0) {
                /* no rule reads it, so kam run keeps the record: exported
                   as missing, and said (the value is not in the export) */
                if (++unread_bad <= RUN_MAX_SHOWN) {
                    wr_print_line(stderr, "kam: warning: ", src->err);
                    fprintf(stderr, "kam: (no rule reads field \"%s\": the record is exported with it "
                            "missing, \\N)\n", p->fields[f]->name.name);
                }
                fputs("\\N", out);
                continue;
            }
            put_value(out, &sch->fields[f], &v);
        }
        fputc('\n', out);
    }
    rd_plan_free(&plan);
    rd_close(src);
    free(used);
    if (unread_bad)
        fprintf(stderr, "kam: warning: %ld value%s in fields no rule reads could not be read and %s "
                "exported as missing (\\N)\n", unread_bad, unread_bad == 1 ? "" : "s",
                unread_bad == 1 ? "was" : "were");
    if (!bad) return EXIT_OK;
    if (bad > RUN_MAX_SHOWN && o->on_error != ON_ERROR_SKIP)
        fprintf(stderr, "kam: ... %ld more\n", bad - RUN_MAX_SHOWN);
    fprintf(stderr, "kam: %ld of %ld records could not be read and %s\n", bad, records,
            o->on_error == ON_ERROR_FAIL ? "the export stopped at the first" : "were not exported");
    return o->on_error == ON_ERROR_SKIP ? EXIT_OK : EXIT_DATA;
}

int cmd_sql(int argc, char **argv)
{
    RunOptions o;
    run_options_init(&o);
    const char *policy = NULL, *dialect = NULL, *export = NULL, *out_path = NULL;
    bool schema = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = NULL;
        int used = run_parse_common(&o, argc, argv, i, "sql");
        if (used < 0) return EXIT_USAGE;
        if (used > 0) {
            i += used - 1;
            continue;
        }
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            help();
            return EXIT_OK;
        } else if (cli_opt_value(argc, argv, &i, "--dialect", &val)) {
            if (!val) return cli_usage_error("sql", "--dialect needs a value: sqlite, postgres, duckdb, spark or snowflake");
            dialect = val;
        } else if (cli_opt_value(argc, argv, &i, "--columns", &val)) {
            if (!val) return cli_usage_error("sql", "--columns needs field names, as in --columns name,segment");
            o.columns = val;
        } else if (strcmp(a, "--schema") == 0) {
            schema = true;
        } else if (cli_opt_value(argc, argv, &i, "--export", &val)) {
            if (!val) return cli_usage_error("sql", "--export needs a data file");
            export = val;
        } else if (cli_opt_value(argc, argv, &i, "--out", &val) ||
                   cli_opt_value(argc, argv, &i, "-o", &val)) {
            if (!val) return cli_usage_error("sql", "--out needs a file name");
            out_path = val;
        } else if (a[0] == '-' && a[1] != '\0') {
            return cli_usage_error("sql", "unknown option '%s'", a);
        } else if (!policy) {
            policy = a;
        } else {
            return cli_usage_error("sql", "too many arguments: '%s' (expected one POLICY; data goes "
                                   "with --export)", a);
        }
    }
    if (!policy) return cli_usage_error("sql", "no policy file given");
    if (o.where) return cli_usage_error("sql", "--where filters kam run's output; kam sql has no --where "
                                        "(add a WHERE to the query)");
    if (schema && export) return cli_usage_error("sql", "--schema or --export, not both");
    SqlDialect dl = SQL_SQLITE;
    if (dialect && !sql_dialect_parse(dialect, &dl)) {
        static const char *const names[] = {"sqlite", "postgres", "duckdb", "spark", "snowflake"};
        const char *best = diag_closest(dialect, names, 5);
        if (best)
            return cli_usage_error("sql", "unknown dialect '%s'; did you mean '%s'? (sqlite, postgres, "
                                   "duckdb, spark or snowflake)", dialect, best);
        return cli_usage_error("sql", "unknown dialect '%s' (sqlite, postgres, duckdb, spark or snowflake)", dialect);
    }
    if (!dialect && !export) return cli_usage_error("sql", "--dialect is needed: sqlite, postgres, duckdb, spark or snowflake");
    RunSession rs;
    int status = run_load(&rs, policy, &o);
    if (status != EXIT_OK) {
        run_unload(&rs);
        return status;
    }
    Policy *p = rs.pol;
    OutFile *of = NULL;
    FILE *out = stdout;
    if (out_path) {
        OutInput in[2] = {{policy, "the policy"}, {export, "the data file"}};
        char err[4200];
        of = outfile_open(out_path, in, export ? 2 : 1, err, sizeof err);
        if (!of) {
            fprintf(stderr, "kam: %s\n", err);
            run_unload(&rs);
            return EXIT_USAGE;
        }
        out = outfile_stream(of);
    }
    SqlOptions so = {0};
    so.dialect = dl;
    so.table = o.input.table;
    if (o.as_of) {
        so.has_today = true;
        date_parse(o.as_of, strlen(o.as_of), &so.today);
    }
    Value *vals = xcalloc((size_t)p->nsyms + 1, sizeof(Value));
    for (int i = 0; i < p->nsyms; i++) {
        Sym *s = p->syms[i];
        if (s->kind == SYM_PARAM || s->kind == SYM_CONST) vals[i] = rs.vm->regs[s->slot];
    }
    so.sym_value = vals;
    double *counts = xcalloc((size_t)rs.chunk->nlimits + 1, sizeof(double));
    for (int i = 0; i < rs.chunk->nlimits; i++) counts[i] = rs.vm->regs[rs.chunk->limits[i].count_reg].u.num;
    so.limit_count = counts;
    bool *read = xcalloc((size_t)p->nfields + 1, sizeof(bool));
    for (int f = 0; f < p->nfields; f++) read[f] = rs.chunk->field_used[f];
    for (int i = 0; i < rs.ncolumns; i++) read[rs.columns[i]] = true;
    so.field_read = read;
    so.columns = rs.columns;
    so.ncolumns = rs.ncolumns;
    if (export) {
        status = export_data(&rs, export, &o, out);
    } else {
        DiagList d;
        diag_init(&d);
        if (!(schema ? sql_schema(p, &so, out, &d) : sql_query(p, &so, out, &d))) {
            diag_render_text(stderr, &p->src, &d, cli_use_color(stderr));
            status = EXIT_POLICY;
        }
        diag_free(&d);
    }
    free(vals);
    free(counts);
    free(read);
    if (of) {
        char err[4200];
        if (status == EXIT_OK || status == EXIT_DATA) {
            if (outfile_commit(of, err, sizeof err) != 0) {
                fprintf(stderr, "kam: %s\n", err);
                status = EXIT_USAGE;
            }
        } else {
            outfile_abort(of);
        }
    }
    run_unload(&rs);
    return status;
}
