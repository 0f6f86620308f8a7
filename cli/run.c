/* run.c — loading a policy for evaluation (with --set, --where, --as-of),
 * and the record loop of `kam run`: read, convert, evaluate, write; before
 * it, one portfolio pass over the data per layer of aggregates and limits
 * (none without; every one again when a later pass rejects a record). Data errors go to stderr as
 * "file:line: message", at most MAX_SHOWN of them, then a count. With -j,
 * each pass over a CSV or JSON Lines file (standard input spooled to one)
 * runs on several workers instead (cli/run_par.c). */
#define _GNU_SOURCE     /* splice, F_GET_SEALS */
#include "cli.h"
#include "run.h"
#include "../lang/parse.h"
#include "../base/date.h"
#include "../base/mapfile.h"
#include "../runtime/reader.h"
#include "../runtime/vm.h"
#include "outfile.h"
#include "report.h"
#include "progress.h"
#include "../api/engine.h"
#include "run_par.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/sendfile.h>
#include <sys/uio.h>
#endif

enum { MAX_SHOWN = RUN_MAX_SHOWN };

void run_options_init(RunOptions *o)
{
    memset(o, 0, sizeof *o);
    o->format = FMT_CSV;
}

int run_parse_common(RunOptions *o, int argc, char **argv, int i, const char *cmd)
{
    const char *val = NULL;
    int at = i, in_rc;
    if (cli_opt_value(argc, argv, &at, "--set", &val)) {
        if (!val || !strchr(val, '=')) {
            cli_usage_error(cmd, "--set takes NAME=VALUE, as in --set growth_floor=8%%");
            return -1;
        }
        if (o->nsets == MAX_SETS) {
            cli_usage_error(cmd, "at most %d --set options", MAX_SETS);
            return -1;
        }
        o->sets[o->nsets++] = val;
    } else if (cli_opt_value(argc, argv, &at, "--as-of", &val)) {
        int32_t d;
        if (!val || !date_parse(val, strlen(val), &d)) {
            cli_usage_error(cmd, "--as-of takes a date YYYY-MM-DD%s%s%s", val ? ", not '" : "",
                            val ? val : "", val ? "'" : "");
            return -1;
        }
        o->as_of = val;
    } else if (cli_opt_value(argc, argv, &at, "--where", &val)) {
        if (!val) {
            cli_usage_error(cmd, "--where needs an expression, as in --where 'segment == smb'");
            return -1;
        }
        o->where = val;
    } else if ((in_rc = cli_input_opt(&o->input, argc, argv, &at, cmd)) != 0) {
        if (in_rc < 0) return -1;       /* --input, --table, --sheet, --delimiter */
    } else if (cli_opt_value(argc, argv, &at, "--on-error", &val)) {
        if (val && strcmp(val, "report") == 0) o->on_error = ON_ERROR_REPORT;
        else if (val && strcmp(val, "skip") == 0) o->on_error = ON_ERROR_SKIP;
        else if (val && strcmp(val, "fail") == 0) o->on_error = ON_ERROR_FAIL;
        else {
            cli_usage_error(cmd, "--on-error takes report, skip or fail");
            return -1;
        }
    } else {
        return 0;
    }
    return at - i + 1;
}

static void show_diags(const Policy *p, const DiagList *d)
{
    diag_render_text(stderr, &p->src, d, cli_use_color(stderr));
}

/* The money field --summary sums per tier: --revenue NAME, else the one
 * money field whose name says "revenue". -1 (with *why set) if none or
 * several: the summary then says so instead of printing a sum. */
int run_revenue_field(const Policy *p, const char *name, const char **why)
{
    *why = NULL;
    if (name) {
        for (int f = 0; f < p->nfields; f++)
            if (strcmp(p->fields[f]->name.name, name) == 0) {
                if (p->fields[f]->ty.kind == TY_MONEY) return f;
                fprintf(stderr, "kam: --revenue %s: the field is not money\n", name);
                return -2;
            }
        const char *names[512];
        int n = 0;
        for (int f = 0; f < p->nfields && n < 512; f++)
            if (p->fields[f]->ty.kind == TY_MONEY) names[n++] = p->fields[f]->name.name;
        const char *best = diag_closest(name, names, n);
        fprintf(stderr, "kam: --revenue: the record has no money field '%s'%s%s%s\n", name,
                best ? "; did you mean '" : "", best ? best : "", best ? "'?" : "");
        return -2;
    }
    int found = -1, n = 0;
    for (int f = 0; f < p->nfields; f++)
        if (p->fields[f]->ty.kind == TY_MONEY && strstr(p->fields[f]->name.name, "revenue")) {
            found = f;
            n++;
        }
    if (n == 1) return found;
    *why = n ? "several money fields say revenue: choose one with --revenue FIELD"
             : "no money field says revenue: choose one with --revenue FIELD";
    return -1;
}

/* Whether a record field called name would share its column name with an
 * outcome of kam run. */
static bool clashes(const RunSession *rs, const char *name)
{
    const Chunk *c = rs->chunk;
    bool clash = strcmp(name, "entitlements") == 0 || strcmp(name, "flags") == 0 ||
                 (rs->pol->key_field < 0 && strcmp(name, "line") == 0);
    for (int k = 0; k < c->nouts; k++) {
        if (strcmp(c->outs[k].name, name) == 0) clash = true;
        if (c->outs[k].nterms && strcmp(name, "terms") == 0) clash = true;    /* JSON Lines */
    }
    return clash;
}

/* --columns NAME,...: the record fields shown after the key, in the order
 * given, into rs->columns. An empty list shows none. The key is always
 * the first column, so naming it changes nothing; an unknown field, an
 * empty name or a field named twice is a usage error. */
static int resolve_columns(RunSession *rs, const char *spec)
{
    const Policy *p = rs->pol;
    rs->columns = xcalloc((size_t)p->nfields + 1, sizeof(int));
    const char *names[512];
    int nnames = 0;
    for (int f = 0; f < p->nfields && nnames < 512; f++) names[nnames++] = p->fields[f]->name.name;
    for (const char *s = spec; *s;) {
        const char *e = strchr(s, ',');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        char name[256];
        snprintf(name, sizeof name, "%.*s", (int)n, s);
        s += n + (e ? 1 : 0);
        if (!name[0] || (e && !*s)) {
            cli_usage_error("run", "--columns: an empty name in '%s' (names are separated by commas)", spec);
            return EXIT_USAGE;
        }
        int f = 0;
        while (f < p->nfields && strcmp(p->fields[f]->name.name, name) != 0) f++;
        if (f == p->nfields) {
            const char *best = diag_closest(name, names, nnames);
            if (!p->nfields)
                cli_usage_error("run", "--columns %s: the policy has no record fields", name);
            else
                cli_usage_error("run", "--columns: the record has no field '%s'%s%s%s", name,
                                best ? "; did you mean '" : "", best ? best : "", best ? "'?" : "");
            return EXIT_USAGE;
        }
        if (f == p->key_field) continue;        /* already the first column */
        for (int k = 0; k < rs->ncolumns; k++)
            if (rs->columns[k] == f) {
                cli_usage_error("run", "--columns: '%s' is named twice", name);
                return EXIT_USAGE;
            }
        if (clashes(rs, name)) {
            cli_usage_error("run", "--columns: field '%s' has the name of an outcome column, "
                            "so the output could not tell them apart", name);
            return EXIT_USAGE;
        }
        rs->columns[rs->ncolumns++] = f;
    }
    return EXIT_OK;
}

/* Without --columns: the policy's `display` field (when it is not among the
 * `output` fields), then its `output` fields, in order; the key is never
 * repeated. A field with an outcome column's name is a policy error here
 * (the checker does not know kam run's columns). */
static int default_columns(RunSession *rs, const char *policy_path)
{
    const Policy *p = rs->pol;
    const Chunk *c = rs->chunk;
    rs->columns = xcalloc((size_t)c->nout_fields + 2, sizeof(int));
    int disp = c->display_field;
    for (int i = 0; i < c->nout_fields; i++)
        if (c->out_fields[i] == disp) disp = -1;
    if (disp >= 0 && disp != p->key_field) rs->columns[rs->ncolumns++] = disp;
    for (int i = 0; i < c->nout_fields; i++)
        if (c->out_fields[i] != p->key_field) rs->columns[rs->ncolumns++] = c->out_fields[i];
    for (int i = 0; i < rs->ncolumns; i++) {
        const char *name = p->fields[rs->columns[i]]->name.name;
        if (clashes(rs, name)) {
            fprintf(stderr, "kam: %s: field '%s' (in `output` or `display`) has the name of an "
                    "outcome column of kam run, so the output could not tell them apart; rename "
                    "the field, or choose other columns with --columns\n", policy_path, name);
            return EXIT_POLICY;
        }
    }
    return EXIT_OK;
}

/* --coverage's criteria become probes after the --where filter. */
typedef struct ProbeList {
    Policy *pol;
    PtrVec *probes;
} ProbeList;

static int push_probe(void *ud, Expr *cond)
{
    ProbeList *pl = ud;
    ptrvec_push(&pl->pol->arena, pl->probes, cond);
    return pl->probes->len - 1;
}

int run_load(RunSession *rs, const char *policy_path, const RunOptions *o)
{
    memset(rs, 0, sizeof *rs);
    diag_init(&rs->diags);
    rs->revenue = -1;
    char msg[4200];
    rs->pol = policy_load(policy_path, &rs->diags, msg, sizeof msg);
    if (!rs->pol) {
        fprintf(stderr, "kam: %s\n", msg);
        return EXIT_USAGE;
    }
    Policy *p = rs->pol;
    rs->npolicy_files = p->src.n;
    if (rs->diags.nerrors) {
        show_diags(p, &rs->diags);
        fprintf(stderr, "kam: %s has errors; nothing was run\n", policy_path);
        return EXIT_POLICY;
    }
    rs->summary = o->summary;
    if (o->summary) {
        rs->revenue = run_revenue_field(p, o->revenue, &rs->revenue_why);
        if (rs->revenue == -2) return EXIT_USAGE;
    }
    Expr *where = NULL;
    if (o->where) {
        DiagList wd;
        diag_init(&wd);
        int file = src_add(&p->src, "--where", o->where, strlen(o->where));
        where = parse_expr(&p->prog, &p->src, file, &wd);
        if (where) policy_check_expr(p, where, &wd, false, ty_make(TY_BOOL), "the --where filter");
        if (wd.nerrors) {
            show_diags(p, &wd);
            diag_free(&wd);
            return EXIT_USAGE;
        }
        diag_free(&wd);
    }
    /* probes: the --where filter first, then what --coverage watches */
    PtrVec probes = {0};
    ptrvec_push(&p->arena, &probes, where);
    ProbeList pl = {p, &probes};
    if (o->coverage) cov_collect(&rs->cov, p, COV_BRANCHES, push_probe, &pl);
    EngStatus st = eng_open(&rs->eng, p, (Expr **)probes.items + (where ? 0 : 1),
                            probes.len - (where ? 0 : 1), o->as_of ? 0 : eng_today(), stderr,
                            cli_use_color(stderr));
    if (!where)     /* probe numbers were counted with the filter's slot */
        for (int i = 0; i < rs->cov.n; i++)
            if (rs->cov.items[i].probe > 0) rs->cov.items[i].probe--;
    if (st != ENG_OK) return eng_exit_code(st);
    rs->chunk = rs->eng.chunk;
    rs->vm = rs->eng.vm;
    if (o->as_of) {
        int32_t today;
        date_parse(o->as_of, strlen(o->as_of), &today);
        vm_set_today(rs->vm, today);
    }
    for (int i = 0; i < o->nsets; i++) {
        const char *eq = strchr(o->sets[i], '=');
        char name[256];
        snprintf(name, sizeof name, "%.*s", (int)(eq - o->sets[i]), o->sets[i]);
        st = eng_set_param(&rs->eng, name, eq + 1);
        if (st != ENG_OK) return eng_exit_code(st);
    }
    st = eng_init(&rs->eng);
    if (st != ENG_OK) return eng_exit_code(st);
    if (o->columns) return resolve_columns(rs, o->columns);
    return o->summary || o->coverage ? EXIT_OK : default_columns(rs, policy_path);
}

void run_unload(RunSession *rs)
{
    par_free(rs->split);
    cov_free(&rs->cov);
    free(rs->columns);
    eng_close(&rs->eng);
    policy_free(rs->pol);
    diag_free(&rs->diags);
    memset(rs, 0, sizeof *rs);
}

/* Copies standard input to an unlinked temporary file, so it can be read
 * twice; returns its /dev/fd path in buf, or NULL. */
static const char *spool_stdin(char *buf, size_t len, int *fd_out)
{
    const char *dir = getenv("TMPDIR");
    char tmpl[4096];
    snprintf(tmpl, sizeof tmpl, "%s/kam-stdin-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(tmpl);
    if (fd < 0) return NULL;
    unlink(tmpl);
    char block[65536];
    ssize_t n;
    while ((n = read(STDIN_FILENO, block, sizeof block)) > 0) {
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(fd, block + off, (size_t)(n - off));
            if (w < 0) {
                close(fd);
                return NULL;
            }
            off += w;
        }
    }
    if (n < 0) {
        close(fd);
        return NULL;
    }
    snprintf(buf, len, "/dev/fd/%d", fd);
    *fd_out = fd;
    return buf;
}


/* The fields pass two converts: what the rules read, the field --summary
 * sums and the --columns shown (converted even when no rule reads them, so
 * they print in their type). A record pass two cannot convert but pass one
 * counted is found late, and both passes are done again without it. */
static bool *fields_read(const RunSession *rs)
{
    const Policy *p = rs->pol;
    bool *used = xcalloc((size_t)p->nfields + 1, sizeof(bool));
    for (int f = 0; f < p->nfields; f++) used[f] = rs->chunk->field_used[f];
    if (rs->revenue >= 0) used[rs->revenue] = true;
    for (int i = 0; i < rs->ncolumns; i++) used[rs->columns[i]] = true;
    for (int f = 0; rs->summary && f < p->nfields; f++)      /* --summary's stage moves */
        if (p->fields[f]->ty.kind == TY_STAGE) used[f] = true;
    return used;
}

/* Portfolio pass k over the data. */
static EngStatus run_pass(RunSession *rs, int k, const char *data_path, const SourceOpts *in)
{
    if (rs->split) {        /* on several workers: cli/run_par.c */
        eng_pass_begin(&rs->eng, k);
        if (par_pass(rs, rs->split, k, in)) {
            eng_pass_end(&rs->eng, k);
            return ENG_OK;
        }
    }
    EngStatus st;
    Source *src = eng_source(rs->pol, data_path, in, stderr, &st);
    if (!src) return st;
    /* only what this pass's aggregates and limits read: a record that a
       later pass or the record pass then rejects for another field is
       caught there, and every pass is done again without it */
    const bool *used = rs->chunk->pass_field_used[k - 1];
    rd_limit_to(src, used);
    RdPlan plan = rd_plan(src, used, rs->chunk->field_reg);
    Value *R = rs->vm->regs;
    int rc;
    long ordinal = 0;
    const Policy *p = rs->pol;
    eng_pass_begin(&rs->eng, k);
    if (rs->split) par_note_begin(rs->split);
    bool batch = !rs->split;    /* par_note wants each record */
    for (;;) {
        if (batch) {            /* a run of plain records summed at once */
            long n = eng_pass_batch(&rs->eng, rs->eng.vm, k, src, &plan, ordinal, 0);
            if (n < 0) batch = false;
            ordinal += n > 0 ? n : 0;
            if (n > 0) continue;
        }
        if ((rc = rd_next(src)) == 0) break;
        if (rc < 0) break;      /* the record pass reports where the input stops */
        long ord = ordinal++;
        if (rs->split) par_note(rs->split, src, ord);   /* where the workers' chunks start */
        if (rs->eng.left_out && eng_left_out(&rs->eng, ord)) continue;   /* none: no call */
        if (rc == 2) {          /* reported in the record pass */
            eng_pass_left_out(&rs->eng, ord);
            continue;
        }
        const char *key = NULL;
        size_t keylen = 0;
        if (p->key_field >= 0 && src->col[p->key_field] < (int)src->nfields) {
            key = src->fields[src->col[p->key_field]].ptr;
            keylen = src->fields[src->col[p->key_field]].len;
            if (!keylen) {      /* an empty key: reported in the record pass */
                eng_pass_left_out(&rs->eng, ord);
                continue;
            }
        }
        if (rd_fill(src, &plan, R) != 0) {   /* reported in the record pass */
            eng_pass_left_out(&rs->eng, ord);
            continue;
        }
        eng_pass_record(&rs->eng, k, ord, key, keylen);  /* a failure: reported in the record pass */
    }
    if (rs->split) par_note_end(rs->split, ordinal);
    rd_plan_free(&plan);
    rd_close(src);
    eng_pass_end(&rs->eng, k);
    return ENG_OK;
}

EngStatus run_passes(RunSession *rs, const char *data_path, const SourceOpts *in)
{
    int n = eng_npasses(&rs->eng);
    for (int k = 1; k <= n; k++) {
        EngStatus st = run_pass(rs, k, data_path, in);
        if (st != ENG_OK) return st;
        if (eng_stale(&rs->eng)) k = 0;     /* left out late: every pass again without it */
    }
    return ENG_OK;
}

/* Opens --out (refusing the data, the policy or an import as the target),
 * or NULL after printing why. */
static OutFile *open_out(const RunSession *rs, const char *path, const char *data_path)
{
    int n = rs->npolicy_files;
    OutInput *in = xmalloc(sizeof *in * (size_t)(n + 1));
    in[0] = (OutInput){data_path, "the data file"};
    for (int i = 0; i < n; i++)
        in[i + 1] = (OutInput){rs->pol->src.files[i]->path,
                               i ? "a file the policy imports" : "the policy"};
    char err[4200];
    OutFile *of = outfile_open(path, in, n + 1, err, sizeof err);
    if (!of) fprintf(stderr, "kam: %s\n", err);
    free(in);
    return of;
}

/* What pass two found: Pass2, in run_par.h (the parallel record pass
 * fills it too). */
void pass2_say(Pass2 *r, const char *text)
{
    if (!r->held) {
        wr_print_line(stderr, "kam: ", text);
        return;
    }
    if (r->nmsgs <= MAX_SHOWN) r->msgs[r->nmsgs++] = xstrdup(text);
}

static void pass2_forget(Pass2 *r)
{
    for (int i = 0; i < r->nmsgs; i++) free(r->msgs[i]);
    r->nmsgs = 0;
}

/* Notes that the portfolio passes counted record ord, which pass two
 * cannot read: the aggregates and limits included a record that does not
 * exist. It is left out of them from now on. */
void pass2_mark_late(RunSession *rs, Pass2 *r, long ord)
{
    if (!eng_has_passes(&rs->eng) || eng_left_out(&rs->eng, ord)) return;
    eng_pass_left_out(&rs->eng, ord);
    r->late++;
}

/* Pass two: every record read, converted, evaluated and written to out (or
 * added to the summary or coverage). Not ENG_OK (said) if the data cannot
 * be opened; r->write_failed if out could not be written. */
static EngStatus pass_two(RunSession *rs, const RunOptions *o, const char *data_path, FILE *out,
                          Pass2 *r)
{
    EngStatus est;
    Source *src = eng_source(rs->pol, data_path, &o->input, stderr, &est);
    if (!src) return est;
    Writer *w = NULL;
    if (!o->summary && !o->coverage) {
        WrOptions wo = {rs->columns, rs->ncolumns, o->width, rs->chunk->schema->record, false};
        char err[300];
        w = wr_open(out, o->format, rs->chunk, &wo, err, sizeof err);
        if (!w) {
            fprintf(stderr, "kam: %s\n", err);
            rd_close(src);
            return ENG_USAGE;
        }
    }
    Summary *sum = o->summary ? summary_new(rs, rs->revenue, rs->revenue_why) : NULL;
    Progress prog;
    progress_start(&prog, o->progress, src);
    bool *used = fields_read(rs);
    RdPlan plan = rd_plan(src, used, rs->chunk->field_reg);
    free(used);
    src->pct = rd_pct_new(&rs->pol->schema);      /* percent columns written as 35 for 35% */
    const Chunk *c = rs->chunk;
    const Policy *p = rs->pol;
    if (rs->split) {        /* on several workers: cli/run_par.c */
        par_records(rs, o, rs->split, w, sum, r, src->pct, &prog);
    } else {
        int rc;
        while (!r->stop && (rc = rd_next(src)) != 0) {
            if (rc < 0) {                   /* the input cannot be read further */
                pass2_say(r, src->err);
                r->unreadable = true;
                break;
            }
            long ord = r->records++;
            const char *problem = NULL;
            char msg[1024], why[800];     /* (rd_fill takes no scratch: eng_record resets it) */
            if (rc == 2) problem = src->err;
            else if (rd_fill(src, &plan, rs->vm->regs) != 0) problem = src->err;
            const char *key = NULL;
            size_t keylen = 0;
            if (!problem && p->key_field >= 0) {
                const RdField *kf = &src->fields[src->col[p->key_field]];
                key = kf->ptr;
                keylen = kf->len;
                if (keylen == 0) {
                    snprintf(msg, sizeof msg, "%s:%ld: field \"%s\": the key is empty", src->path,
                             src->line, p->fields[p->key_field]->name.name);
                    problem = msg;
                }
            }
            if (problem) pass2_mark_late(rs, r, ord);
            if (!problem && rs->eng.left_out && eng_left_out(&rs->eng, ord)) {
                snprintf(msg, sizeof msg, "%s:%ld: %s", src->path, src->line, eng_left_out_why(&rs->eng, ord));
                problem = msg;
            }
            if (!problem && !eng_record(&rs->eng, ord, key, keylen, why, sizeof why)) {
                snprintf(msg, sizeof msg, "%s:%ld: %s", src->path, src->line, why);
                problem = msg;
            }
            if (problem) {
                r->bad++;
                if (o->on_error != ON_ERROR_SKIP && r->bad <= MAX_SHOWN) pass2_say(r, problem);
                if (o->on_error == ON_ERROR_FAIL) r->stop = true;
                continue;
            }
            if (o->where && !rs->vm->regs[c->probe_reg[0]].u.i) continue;
            if (w) wr_record(w, rs->vm->regs, key, keylen, src->line);
            if (sum) summary_add(sum, rs);
            if (o->coverage) cov_add(&rs->cov, c, rs->vm->regs);
            if ((r->records & 0xffff) == 0) progress_tick(&prog, src, r->records);
        }
    }
    progress_end(&prog);
    bool redo = r->late && !r->unreadable && !r->stop;     /* the caller does this pass again */
    for (int i = 0; i < r->nmsgs && !redo; i++) wr_print_line(stderr, "kam: ", r->msgs[i]);
    if (!redo) rd_pct_report(src->pct, &p->schema, src->path, stderr);    /* a warning; the status stays */
    rd_plan_free(&plan);
    rd_close(src);
    if (sum) {
        summary_set_portfolio(sum, &rs->eng);
        summary_print(sum, rs, out, o->json, r->bad);
        summary_free(sum);
    }
    if (o->coverage) cov_print_run(&rs->cov, out, o->json, r->records - r->bad);
    int wrc = 0;
    if (w) wrc = wr_close(w, r->write_err, sizeof r->write_err);
    else if (fflush(out) != 0 || ferror(out)) wrc = -1;
    r->write_failed = wrc != 0;
    return ENG_OK;
}

/* Where the output of a run with portfolio passes goes while pass two may
 * still have to be done again (a record found late: see fields_read).
 * Standard output as a regular file is written in place and cut back to
 * where it started on a redo (stdout_in_place); /dev/null is written as it
 * is (nothing to take back); anything else (a pipe, a terminal, a device,
 * a file opened for appending or shared with stderr or the data) gets it
 * through an unlinked temporary file, handed to stdout by splice or
 * sendfile once pass two stands (copy_out). With --out, or without
 * passes, neither: the output goes straight to its stream. */

static bool write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

/* Whether standard output is /dev/null. */
static bool stdout_null(void)
{
    struct stat so, sn;
    return fstat(STDOUT_FILENO, &so) == 0 && S_ISCHR(so.st_mode) && stat("/dev/null", &sn) == 0 &&
           S_ISCHR(sn.st_mode) && so.st_rdev == sn.st_rdev;
}

/* Whether standard output can be written in place and cut back: a regular
 * file, not opened for appending (each write would go to its end, not to
 * where a redo starts again), not also stderr's file (the messages held
 * back in pass two would then land in the middle of the output, not
 * before it as from the spool), nor the data file (pass two would
 * overwrite records it has yet to read), nor sealed against shrinking (a
 * memfd), nor with anything after where the output starts (`1<>file`: a
 * redo could not give back what the first try wrote over). *start: where
 * the output starts in it. */
static bool stdout_in_place(const char *data_path, off_t *start)
{
    struct stat so, se, sd;
    if (fstat(STDOUT_FILENO, &so) != 0 || !S_ISREG(so.st_mode)) return false;
    int fl = fcntl(STDOUT_FILENO, F_GETFL);
    if (fl < 0 || (fl & O_APPEND) || (fl & O_ACCMODE) == O_RDONLY) return false;
#ifdef F_GET_SEALS
    int seals = fcntl(STDOUT_FILENO, F_GET_SEALS);
    if (seals > 0 && (seals & (F_SEAL_SHRINK | F_SEAL_WRITE))) return false;
#endif
    if (fstat(STDERR_FILENO, &se) == 0 && se.st_dev == so.st_dev && se.st_ino == so.st_ino)
        return false;
    if (strcmp(data_path, "-") != 0 && stat(data_path, &sd) == 0 && sd.st_dev == so.st_dev &&
        sd.st_ino == so.st_ino)
        return false;
    if (fflush(stdout) != 0) return false;
    *start = lseek(STDOUT_FILENO, 0, SEEK_CUR);
    return *start >= 0 && so.st_size <= *start;
}

/* Empties an output written for nothing (pass two done again): the --out
 * file, or standard output back to `start` where the output began. */
static bool rewind_out(FILE *f, off_t start)
{
    if (fflush(f) != 0 || ftruncate(fileno(f), start) != 0) return false;
    return fseeko(f, start, SEEK_SET) == 0;
}

/* Copies n bytes of fd `in` from its start to standard output: spliced into
 * a pipe, sent to anything else that takes it (no copy through this
 * process), else read and written in large blocks. */
static bool copy_fd_out(int in, off_t n, bool pipe)
{
    off_t at = 0;
#ifdef __linux__
    while (at < n) {
        size_t want = n - at > (off_t)1 << 30 ? (size_t)1 << 30 : (size_t)(n - at);
        loff_t from = at;
        ssize_t k = pipe ? splice(in, &from, STDOUT_FILENO, NULL, want, SPLICE_F_MORE)
                         : sendfile(STDOUT_FILENO, in, &from, want);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0 && at == 0 && (errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP))
            break;      /* not for this kind of output: copied below */
        if (k < 0) return false;
        if (k == 0) {   /* the spool is shorter than it was */
            errno = EIO;
            return false;
        }
        at += k;
    }
#else
    (void)pipe;
#endif
    if (at < n && lseek(in, at, SEEK_SET) != at) return false;
    enum { BLOCK = 1 << 20 };
    char *block = at < n ? xmalloc(BLOCK) : NULL;
    while (at < n) {
        ssize_t k = read(in, block, n - at < BLOCK ? (size_t)(n - at) : BLOCK);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0 || !write_all(STDOUT_FILENO, block, (size_t)k)) {
            if (k == 0) errno = EIO;
            free(block);
            return false;
        }
        at += k;
    }
    free(block);
    return true;
}

/* The spool: an unlinked temporary file (tmpfile: in /tmp), or where /tmp
 * cannot take one (read-only, full), a file in memory. */
static FILE *spool_file(void)
{
    FILE *f = tmpfile();
#ifdef MFD_CLOEXEC
    if (!f) {
        int e = errno, fd = memfd_create("kam-output", MFD_CLOEXEC);
        if (fd >= 0 && !(f = fdopen(fd, "w+"))) close(fd);
        if (!f) errno = e;
    }
#endif
    return f;
}

/* Copies the spooled output to stdout. */
static bool copy_out(FILE *from)
{
    if (fflush(from) != 0 || ferror(from) || fflush(stdout) != 0) return false;
    off_t n = ftello(from);
    struct stat so;
    bool pipe = fstat(STDOUT_FILENO, &so) == 0 && S_ISFIFO(so.st_mode);
    return n >= 0 && copy_fd_out(fileno(from), n, pipe);
}

int run_policy(const char *policy_path, const char *data_path, const RunOptions *o)
{
    /* A closed stdout: the next file opened would take its number and the
       output would go into it (the spool, say, copied onto itself). A
       placeholder that cannot be written keeps the number, so writing the
       output fails ("Bad file descriptor", exit 2) as without passes. */
    if (fcntl(STDOUT_FILENO, F_GETFD) < 0 && errno == EBADF) {
        int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (fd >= 0 && fd != STDOUT_FILENO) {
            dup2(fd, STDOUT_FILENO);
            close(fd);
        }
    }
    /* every pass and worker reads the one version of the data file */
    RunOptions with_snap = *o;
    RdSnapshot snap = {0};
    with_snap.input.snap = &snap;
    o = &with_snap;
    RunSession rs;
    int status = run_load(&rs, policy_path, o);
    OutFile *of = NULL;         /* --out; NULL for stdout */
    FILE *spooled = NULL;       /* stdout, held until pass two stands */
    off_t start = 0;            /* where the output starts in stdout written in place */
    bool discard = false;       /* stdout is /dev/null */
    Pass2 r;
    memset(&r, 0, sizeof r);
    if (status == EXIT_OK && o->out_path && !(of = open_out(&rs, o->out_path, data_path)))
        status = EXIT_USAGE;
    if (status != EXIT_OK) {
        run_unload(&rs);
        return status;
    }
    char spool[64];
    int spool_fd = -1;
    RunOptions in_spooled;
    bool has1 = eng_has_passes(&rs.eng);
    int jobs = par_jobs(o->jobs);
    /* standard input is read more than once with portfolio passes, and
       split among the workers with several: it goes to a file first */
    if (strcmp(data_path, "-") == 0 && (has1 || par_wanted(o, data_path, jobs))) {
        data_path = spool_stdin(spool, sizeof spool, &spool_fd);
        in_spooled = *o;                /* its messages still say <stdin> */
        in_spooled.input.name = "<stdin>";
        o = &in_spooled;
        if (!data_path) {
            fprintf(stderr, "kam: cannot spool standard input to a temporary file: %s\n",
                    strerror(errno));
            status = EXIT_USAGE;
            goto done;
        }
    }
    /* the passes on several workers, when the data and output allow */
    rs.split = par_split(&rs, o, data_path, jobs);
    /* With aggregates or limits, pass two may find a record pass one
       counted but cannot read (a bad value in a field only the rules
       read): then both passes are done again without it, and what pass two
       wrote the first time is thrown away — so it goes to a file first,
       or to stdout when that is a file it can be cut back in. */
    if (has1 && !of && !(discard = stdout_null()) && !stdout_in_place(data_path, &start) &&
        !(spooled = spool_file())) {
        fprintf(stderr, "kam: cannot spool the output to a temporary file: %s\n", strerror(errno));
        status = EXIT_USAGE;
        goto done;
    }
    /* the writer hands over blocks of 64 KiB: straight to the file, not
       through stdio's buffer of 4 KiB */
    if (spooled) setvbuf(spooled, NULL, _IONBF, 0);
    FILE *out = of ? outfile_stream(of) : spooled ? spooled : stdout;
    eng_passes_reset(&rs.eng);
    for (int attempt = 0;; attempt++) {
        /* the portfolio passes keep the file's pages in place for the
           record pass, which reads the same file (base/mapfile.h) */
        mapfile_keep(true);
        EngStatus est = run_passes(&rs, data_path, &o->input);
        mapfile_keep(false);
        if (est != ENG_OK) {
            status = eng_exit_code(est);
            goto done;
        }
        pass2_forget(&r);
        memset(&r, 0, sizeof r);
        r.held = has1 && attempt == 0;
        if (o->coverage) cov_reset(&rs.cov);
        est = pass_two(&rs, o, data_path, out, &r);
        if (est != ENG_OK) {        /* the data could not be opened: said already */
            status = eng_exit_code(est);
            goto done;
        }
        if (r.write_failed) {
            fprintf(stderr, "kam: writing %s failed: %s%s\n", of ? o->out_path : "the output",
                    r.write_err[0] ? r.write_err : strerror(errno),
                    of ? "; nothing was written" : "");
            if (!of) cli_stdout_failure_said();
            status = EXIT_USAGE;
            goto done;
        }
        /* each round leaves out more records, so this ends */
        if (!r.late || r.unreadable || r.stop) break;
        if (!discard && !rewind_out(out, start)) {
            fprintf(stderr, "kam: cannot rewrite the output: %s\n", strerror(errno));
            status = EXIT_USAGE;
            goto done;
        }
    }
    if (r.unreadable) {
        /* a read that stopped early is no result: the records after the
           stop were never seen */
        if (spooled && !copy_out(spooled)) {
            fprintf(stderr, "kam: writing the output failed: %s\n", strerror(errno));
            cli_stdout_failure_said();
            status = EXIT_USAGE;
            goto done;
        }
        if (of)
            fprintf(stderr, "kam: reading stopped there, before the end of the data; %s %s\n",
                    o->out_path, outfile_abort(of) ? "was not written" : "is incomplete");
        else
            fprintf(stderr, "kam: reading stopped there, before the end of the data; the "
                    "output stops after %ld record%s\n", r.records, r.records == 1 ? "" : "s");
        of = NULL;
        status = EXIT_DATA;
        goto done;
    }
    if (of && r.stop && o->on_error == ON_ERROR_FAIL) {
        fprintf(stderr, "kam: stopped at the first bad record (--on-error fail); %s %s\n",
                o->out_path, outfile_abort(of) ? "was not written" : "is incomplete");
        of = NULL;
        status = EXIT_DATA;
        goto done;
    }
    if (spooled && !copy_out(spooled)) {
        fprintf(stderr, "kam: writing the output failed: %s\n", strerror(errno));
        cli_stdout_failure_said();
        status = EXIT_USAGE;
        goto done;
    }
    if (of) {
        char err[1024];
        int crc = outfile_commit(of, err, sizeof err);
        of = NULL;
        if (crc != 0) {
            fprintf(stderr, "kam: %s\n", err);
            status = EXIT_USAGE;
            goto done;
        }
    }
    if (r.bad) {
        if (r.bad > MAX_SHOWN && o->on_error != ON_ERROR_SKIP)
            fprintf(stderr, "kam: ... %ld more\n", r.bad - MAX_SHOWN);
        fprintf(stderr, "kam: %ld of %ld records had errors and %s\n", r.bad, r.records,
                o->on_error == ON_ERROR_FAIL ? "the run stopped at the first"
                                             : "were left out of the output");
        status = o->on_error == ON_ERROR_SKIP ? EXIT_OK : EXIT_DATA;
    }
done:
    mapfile_forget();   /* what the passes kept and the record pass did not take */
    pass2_forget(&r);
    if (spooled) fclose(spooled);
    if (of) outfile_abort(of);
    if (spool_fd >= 0) close(spool_fd);
    run_unload(&rs);
    return status;
}
