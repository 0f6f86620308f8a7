/* run.c — loading a policy for evaluation (with --set, --where, --as-of),
 * and the record loop of `kam run`: read, convert, evaluate, write; two
 * passes when the policy has aggregates. Data errors go to stderr as
 * "file:line: message", at most MAX_SHOWN of them, then a count. */
#define _XOPEN_SOURCE 700
#include "cli.h"
#include "run.h"
#include "../lang/parse.h"
#include "../runtime/date.h"
#include "../runtime/reader.h"
#include "../runtime/vm.h"
#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { MAX_SHOWN = 50 };

/* The temporary output file of a `--out` run, for the signal handler to
 * remove: the one piece of process-wide state kam keeps, because a signal
 * handler can reach nothing else. Empty when no output is being written. */
static char pending_out[4200];

static void on_signal(int sig)
{
    if (pending_out[0]) unlink(pending_out);
    static const char msg[] = "kam: interrupted; the output file was not written\n";
    if (write(STDERR_FILENO, msg, sizeof msg - 1) < 0) { /* nothing more to do */ }
    _exit(128 + sig);
}

void run_options_init(RunOptions *o)
{
    memset(o, 0, sizeof *o);
    o->format = FMT_CSV;
}

int run_parse_common(RunOptions *o, int argc, char **argv, int i, const char *cmd)
{
    const char *val = NULL;
    int at = i;
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
    } else if (cli_opt_value(argc, argv, &at, "--input", &val)) {
        if (!val || (strcmp(val, "csv") && strcmp(val, "jsonl") && strcmp(val, "sqlite"))) {
            cli_usage_error(cmd, "--input takes csv, jsonl or sqlite");
            return -1;
        }
        o->input.kind = val;
    } else if (cli_opt_value(argc, argv, &at, "--table", &val)) {
        if (!val || !*val) {
            cli_usage_error(cmd, "--table needs the name of a SQLite table");
            return -1;
        }
        o->input.table = val;
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

bool run_literal_value(const Expr *e, Value *out)
{
    switch (e->kind) {
    case EX_NUMBER:
    case EX_PERCENT: *out = val_num(e->num); return true;
    case EX_BOOL: *out = val_int(e->num != 0); return true;
    case EX_DATE: *out = val_int(e->date); return true;
    case EX_STRING: *out = val_str(e->str, (uint32_t)strlen(e->str)); return true;
    case EX_NAME:
        if (e->member < 0) return false;
        *out = val_int(e->member);
        return true;
    case EX_UNARY:
        if (e->op != OPX_NEG || !run_literal_value(e->a, out)) return false;
        out->u.num = -out->u.num;
        return true;
    default:
        return false;
    }
}

static void show_diags(const Policy *p, const DiagList *d)
{
    diag_render_text(stderr, &p->src, d, cli_use_color(stderr));
}

int run_set_param(Policy *p, const Chunk *c, Vm *vm, const char *name, const char *value, FILE *err)
{
    Sym *s = policy_sym(p, name);
    int k = -1;
    for (int j = 0; s && j < p->nsyms; j++)
        if (p->syms[j] == s) k = j;
    if (!s || s->kind != SYM_PARAM) {
        const char *params[256];
        int n = 0;
        for (int j = 0; j < p->nsyms && n < 256; j++)
            if (p->syms[j]->kind == SYM_PARAM) params[n++] = p->syms[j]->name;
        if (s) {
            fprintf(err, "kam: '%s' is a %s; only params can be set\n", name,
                    s->kind == SYM_CONST ? "const" : s->kind == SYM_FIELD ? "field" : "rule");
        } else {
            const char *best = diag_closest(name, params, n);
            fprintf(err, "kam: no param named '%s'%s%s%s\n", name, best ? "; did you mean '" : "",
                    best ? best : "", best ? "'?" : "");
        }
        return -1;
    }
    DiagList vd;
    diag_init(&vd);
    char label[300];
    snprintf(label, sizeof label, "value for %s", name);
    int file = src_add(&p->src, label, value, strlen(value));
    int skipped = p->prog.skipped.len;
    Expr *e = parse_expr(&p->prog, &p->src, file, &vd);
    p->prog.skipped.len = skipped;
    if (e) policy_check_expr(p, e, &vd, true, s->ty, "the value");
    Value v;
    if (!vd.nerrors && e && !run_literal_value(e, &v))
        diag_add(&vd, DIAG_ERROR, e->span, "not-constant",
                 "a param is set to a literal value (a number, 12%%, a date, true/false, a name)");
    if (vd.nerrors || !e) {
        diag_render_text(err, &p->src, &vd, cli_use_color(err));
        diag_free(&vd);
        return -1;
    }
    diag_free(&vd);
    vm->regs[s->slot] = v;
    vm->regs[c->set_flag_reg[k]] = val_int(1);
    return 0;
}

int run_load(RunSession *rs, const char *policy_path, const RunOptions *o)
{
    memset(rs, 0, sizeof *rs);
    diag_init(&rs->diags);
    char msg[4200];
    rs->pol = policy_load(policy_path, &rs->diags, msg, sizeof msg);
    if (!rs->pol) {
        fprintf(stderr, "kam: %s\n", msg);
        return EXIT_USAGE;
    }
    Policy *p = rs->pol;
    if (rs->diags.nerrors) {
        show_diags(p, &rs->diags);
        fprintf(stderr, "kam: %s has errors; nothing was run\n", policy_path);
        return EXIT_POLICY;
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
    if (o->coverage) cov_collect(rs, &probes);
    rs->chunk = cg_compile(p, (Expr **)probes.items + (where ? 0 : 1), probes.len - (where ? 0 : 1),
                           &rs->diags);
    if (!where)     /* probe numbers were counted with the filter's slot */
        for (int i = 0; i < rs->ncov; i++)
            if (rs->cov[i].probe > 0) rs->cov[i].probe--;
    if (!rs->chunk) {
        show_diags(p, &rs->diags);
        return EXIT_POLICY;
    }
    rs->vm = vm_new(rs->chunk);
    int32_t today;
    if (o->as_of) {
        date_parse(o->as_of, strlen(o->as_of), &today);
    } else {
        time_t now = time(NULL);
        struct tm tm;
        localtime_r(&now, &tm);
        date_from_ymd(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, &today);
    }
    vm_set_today(rs->vm, today);
    for (int i = 0; i < o->nsets; i++) {
        const char *eq = strchr(o->sets[i], '=');
        char name[256];
        snprintf(name, sizeof name, "%.*s", (int)(eq - o->sets[i]), o->sets[i]);
        if (run_set_param(p, rs->chunk, rs->vm, name, eq + 1, stderr) != 0) return EXIT_USAGE;
    }
    if (vm_run(rs->vm, rs->chunk->init_pc) != 0) {
        int line, col;
        src_linecol(&p->src, rs->vm->err_span.file, rs->vm->err_span.start, &line, &col);
        fprintf(stderr, "kam: %s:%d:%d: %s while computing the params\n",
                p->src.files[rs->vm->err_span.file]->path, line, col, rs->vm->err);
        return EXIT_POLICY;
    }
    return EXIT_OK;
}

void run_unload(RunSession *rs)
{
    free(rs->cov);
    vm_free(rs->vm);
    cg_free(rs->chunk);
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


int run_pass1(RunSession *rs, const char *data_path, const SourceOpts *in, char *err, size_t errlen)
{
    if (rs->chunk->pass1_pc < 0) return 0;
    Source *src = rd_open_with(rs->pol, data_path, in, err, errlen);
    if (!src) return -1;
    rd_limit_to(src, rs->chunk->pass1_field_used);
    RdPlan plan = rd_plan(src, rs->chunk->pass1_field_used, rs->chunk->field_reg);
    int rc;
    long ordinal = 0;
    const Policy *p = rs->pol;
    while ((rc = rd_next(src)) != 0) {
        if (rc < 0) break;
        rs->vm->ordinal = ordinal++;
        if (rc == 2) continue;
        if (p->key_field >= 0 && src->col[p->key_field] < (int)src->nfields) {
            rs->vm->key = src->fields[src->col[p->key_field]].ptr;
            rs->vm->keylen = src->fields[src->col[p->key_field]].len;
        }
        vm_reset_scratch(rs->vm);
        if (rd_fill(src, &plan, rs->vm->regs) != 0) continue;   /* reported in pass two */
        if (vm_run(rs->vm, rs->chunk->pass1_pc) != 0) continue;
    }
    rd_plan_free(&plan);
    rd_close(src);
    vm_agg_finish(rs->vm);
    return 0;
}

int run_policy(const char *policy_path, const char *data_path, const RunOptions *o)
{
    char *resolved = NULL;      /* --out through a symlink: the file it names */
    RunSession rs;
    int status = run_load(&rs, policy_path, o);
    if (status != EXIT_OK) {
        run_unload(&rs);
        return status;
    }
    char spool[64];
    int spool_fd = -1;
    if (strcmp(data_path, "-") == 0 && rs.chunk->pass1_pc >= 0) {
        data_path = spool_stdin(spool, sizeof spool, &spool_fd);
        if (!data_path) {
            fprintf(stderr, "kam: cannot spool standard input to a temporary file: %s\n",
                    strerror(errno));
            run_unload(&rs);
            return EXIT_USAGE;
        }
    }
    char err[1024];
    if (run_pass1(&rs, data_path, &o->input, err, sizeof err) != 0) {
        wr_print_line(stderr, "kam: ", err);
        status = strstr(err, "header") ? EXIT_DATA : EXIT_USAGE;
        goto done;
    }
    Source *src = rd_open_with(rs.pol, data_path, &o->input, err, sizeof err);
    if (!src) {
        wr_print_line(stderr, "kam: ", err);
        status = strstr(err, "header") || strstr(err, "empty file") ? EXIT_DATA : EXIT_USAGE;
        goto done;
    }
    FILE *out = stdout;
    char tmp_path[4200] = "";
    struct stat target;
    bool direct = o->out_path && stat(o->out_path, &target) == 0 && !S_ISREG(target.st_mode);
    if (o->out_path && !direct) {
        /* through a symlink: replace what it points at, not the link */
        resolved = realpath(o->out_path, NULL);
    }
    const char *out_path = resolved ? resolved : o->out_path;
    if (direct) {
        out = fopen(o->out_path, "w");      /* a device or FIFO: no rename over it */
        if (!out) {
            fprintf(stderr, "kam: cannot write %s: %s\n", o->out_path, strerror(errno));
            rd_close(src);
            status = EXIT_USAGE;
            goto done;
        }
    } else if (o->out_path) {
        snprintf(tmp_path, sizeof tmp_path, "%s.tmp-XXXXXX", out_path);
        /* SIGINT/SIGTERM while writing: remove the temporary file, so an
           interrupted run leaves nothing behind */
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        sigaddset(&sa.sa_mask, SIGINT);
        sigaddset(&sa.sa_mask, SIGTERM);
        sigset_t block, old_mask;
        sigemptyset(&block);
        sigaddset(&block, SIGINT);
        sigaddset(&block, SIGTERM);
        sigaddset(&block, SIGHUP);
        sigprocmask(SIG_BLOCK, &block, &old_mask);     /* no signal between creating and noting it */
        int fd = mkstemp(tmp_path);
        if (fd >= 0) {
            snprintf(pending_out, sizeof pending_out, "%s", tmp_path);
            const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
            for (size_t k = 0; k < sizeof sigs / sizeof sigs[0]; k++) {
                struct sigaction was;
                sigaction(sigs[k], NULL, &was);
                if (was.sa_handler != SIG_IGN) sigaction(sigs[k], &sa, NULL);   /* nohup stays nohup */
            }
            /* the output gets the usual mode, not mkstemp's 0600 */
            mode_t mask = umask(0);
            umask(mask);
            struct stat st;
            fchmod(fd, stat(out_path, &st) == 0 ? (st.st_mode & 07777) : (0666 & ~mask));
        }
        sigprocmask(SIG_SETMASK, &old_mask, NULL);
        if (fd < 0 || !(out = fdopen(fd, "w"))) {
            fprintf(stderr, "kam: cannot write %s: %s\n", o->out_path, strerror(errno));
            if (fd >= 0) {
                close(fd);
                unlink(tmp_path);
            }
            rd_close(src);
            status = EXIT_USAGE;
            goto done;
        }
    }
    Writer *w = o->summary || o->coverage ? NULL : wr_open(out, o->format, rs.chunk);
    Summary *sum = o->summary ? summary_new(&rs) : NULL;
    Progress prog;
    progress_start(&prog, o->progress, src);
    RdPlan plan = rd_plan(src, rs.chunk->field_used, rs.chunk->field_reg);
    const Chunk *c = rs.chunk;
    const Policy *p = rs.pol;
    long bad = 0, records = 0;
    bool stop = false, unreadable = false;
    int rc;
    while (!stop && (rc = rd_next(src)) != 0) {
        if (rc < 0) {                   /* the input cannot be read further */
            wr_print_line(stderr, "kam: ", src->err);
            bad++;
            records++;
            unreadable = true;
            break;
        }
        rs.vm->ordinal = records;
        records++;
        const char *problem = NULL;
        char msg[1024];
        vm_reset_scratch(rs.vm);
        if (rc == 2) problem = src->err;
        else if (rd_fill(src, &plan, rs.vm->regs) != 0) problem = src->err;
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
        if (!problem && vm_run(rs.vm, c->record_pc) != 0) {
            int line, col;
            src_linecol(&p->src, rs.vm->err_span.file, rs.vm->err_span.start, &line, &col);
            snprintf(msg, sizeof msg, "%s:%ld: %s (in %s:%d:%d)", src->path, src->line,
                     rs.vm->err, p->src.files[rs.vm->err_span.file]->path, line, col);
            problem = msg;
        }
        if (problem) {
            bad++;
            if (o->on_error != ON_ERROR_SKIP && bad <= MAX_SHOWN) wr_print_line(stderr, "kam: ", problem);
            if (o->on_error == ON_ERROR_FAIL) stop = true;
            continue;
        }
        if (c->probe_pc >= 0) {
            if (vm_run(rs.vm, c->probe_pc) != 0) continue;
            if (o->where && !rs.vm->regs[c->probe_reg[0]].u.i) continue;
        }
        if (w) wr_record(w, rs.vm->regs, key, keylen, src->line);
        if (sum) summary_add(sum, &rs);
        if (o->coverage) cov_add(&rs);
        if ((records & 0xffff) == 0) progress_tick(&prog, src, records);
    }
    progress_end(&prog);
    rd_plan_free(&plan);
    rd_close(src);
    if (sum) {
        summary_print(sum, &rs, out, o->json);
        summary_free(sum);
    }
    if (o->coverage) cov_print(&rs, out, o->json, records - bad);
    int wrc = 0;
    if (w) wrc = wr_close(w);
    else if (fflush(out) != 0 || ferror(out)) wrc = -1;
    if (direct) {
        int crc = fclose(out);
        if (wrc != 0 || crc != 0) {
            fprintf(stderr, "kam: writing %s failed: %s\n", o->out_path, strerror(errno));
            status = EXIT_USAGE;
            goto done;
        }
    } else if (o->out_path) {
        int crc = fclose(out);
        if (wrc != 0 || crc != 0 || (stop && o->on_error == ON_ERROR_FAIL)) {
            unlink(tmp_path);
            if (wrc != 0 || crc != 0)
                fprintf(stderr, "kam: writing %s failed: %s; nothing was written\n", o->out_path,
                        strerror(errno));
            else
                fprintf(stderr, "kam: stopped at the first bad record (--on-error fail); %s "
                        "was not written\n", o->out_path);
            status = wrc != 0 || crc != 0 ? EXIT_USAGE : EXIT_DATA;
            goto done;
        }
        if (rename(tmp_path, out_path) != 0) {
            fprintf(stderr, "kam: cannot rename %s to %s: %s\n", tmp_path, o->out_path,
                    strerror(errno));
            unlink(tmp_path);
            status = EXIT_USAGE;
            goto done;
        }
    } else if (wrc != 0) {
        fprintf(stderr, "kam: writing the output failed: %s\n", strerror(errno));
        status = EXIT_USAGE;
        goto done;
    }
    if (bad) {
        if (bad > MAX_SHOWN && o->on_error != ON_ERROR_SKIP)
            fprintf(stderr, "kam: ... %ld more\n", bad - MAX_SHOWN);
        fprintf(stderr, "kam: %ld of %ld records had errors and %s\n", bad, records,
                o->on_error == ON_ERROR_FAIL ? "the run stopped at the first"
                                             : "were left out of the output");
        status = o->on_error == ON_ERROR_SKIP && !unreadable ? EXIT_OK : EXIT_DATA;
    }
done:
    pending_out[0] = '\0';
    free(resolved);
    if (spool_fd >= 0) close(spool_fd);
    run_unload(&rs);
    return status;
}
