/* cmd_test.c — `kam test POLICY...`: runs the policy's test blocks. A
 * test is one account, or the accounts of its `account "KEY" { }` blocks
 * (a portfolio: the passes run over them all): the `given` fields, each
 * account's own, every other field at its type's zero value (0, false, "",
 * the first enum member or stage, the test's date) and optional ones
 * missing; `today` is the test's `as of` date or
 * DEFAULT_TODAY. Every `expect` is compiled as a probe and must hold. A
 * failure shows the test's name and line, the expectation and the values of
 * what it reads. --coverage reports which criteria, branches, transitions,
 * entitlements, flags and bool rules the tests saw both true and false
 * (coverage.c, shared with kam run --coverage). */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"
#include "coverage.h"
#include "run.h"
#include "session.h"
#include "explain.h"
#include "../base/date.h"
#include "../runtime/writer.h"
#include "../api/engine.h"
#include "../base/decimal.h"

#include <regex.h>
#include <stdlib.h>
#include <string.h>

/* The date a test without `as of` runs on: fixed, so tests give the same
 * answer every day (documented in docs/testing.md). */
#define DEFAULT_TODAY "2026-01-01"

typedef struct TestRun {
    Policy *p;
    Chunk *c;
    Expr **probes;
    int nprobes, capprobes;
    Coverage cov;           /* --coverage: what the tests saw fire and not */
    int passed, failed;
    bool json, first_json;
    bool params_failed;     /* a test's params could not be computed */
    const char *path;       /* the policy file */
    FILE *out;
} TestRun;

static int add_probe(TestRun *t, Expr *e)
{
    if (t->nprobes == t->capprobes) {
        t->capprobes = t->capprobes ? t->capprobes * 2 : 64;
        t->probes = xrealloc(t->probes, sizeof(Expr *) * (size_t)t->capprobes);
    }
    t->probes[t->nprobes] = e;
    return t->nprobes++;
}

static int add_cov_probe(void *ud, Expr *cond)
{
    return add_probe(ud, cond);
}

/* The names an expression reads, once each, with their values. */
/* A number shown for people is rounded (17%, 0.1); when that text does not
 * read back as the value itself, the failure must not look like "but s =
 * 17%" for an expectation of 17%: the exact value is added. */
static void exact_note(Type ty, const Value *v, char *buf, size_t len)
{
    if (v->missing || !ty_is_numeric(ty)) return;
    char shown[64];
    size_t n = strlen(buf);
    size_t k = 0;
    for (size_t i = 0; i < n && k + 1 < sizeof shown; i++)
        if (buf[i] != ',' && buf[i] != '%') shown[k++] = buf[i];
    shown[k] = '\0';
    double back;    /* the text read back as data would be: 17% is the decimal 0.17 */
    if (dec_parse(shown, k, ty.kind == TY_PERCENT ? -2 : 0, &back) == DEC_OK && back == v->u.num) return;
    char exact[NUM_TEXT_MAX];
    num_format_exact(v->u.num, exact, sizeof exact);     /* a percent as its ratio; no exponent */
    if (n + strlen(exact) + 12 < len) snprintf(buf + n, len - n, " (exactly %s)", exact);
}

static void show_reads(TestRun *t, const Expr *e, const Value *R, const Sym **seen, int *nseen,
                       char *buf, size_t len, size_t *used)
{
    if (!e || *nseen >= 32) return;
    if (e->kind == EX_NAME && e->sym) {
        for (int i = 0; i < *nseen; i++)
            if (seen[i] == e->sym) return;
        seen[(*nseen)++] = e->sym;
        char v[2 * NUM_TEXT_MAX + 32];
        Type ty = e->sym->ty;
        if (ty.flex) ty.kind = TY_NUMBER;
        ses_format_value(ty, &R[e->sym->slot], v, sizeof v);
        exact_note(ty, &R[e->sym->slot], v, sizeof v);
        if (*used < len)
            *used += (size_t)snprintf(buf + *used, len - *used, "%s%s = %s", *used ? ", " : "",
                                      e->sym->name, v);
    }
    show_reads(t, e->a, R, seen, nseen, buf, len, used);
    show_reads(t, e->b, R, seen, nseen, buf, len, used);
    show_reads(t, e->c, R, seen, nseen, buf, len, used);
    for (int i = 0; i < e->args.len; i++) show_reads(t, e->args.items[i], R, seen, nseen, buf, len, used);
}

/* A failing test's account explained, as `kam explain` would (from the
 * policy file loaded afresh: compiling it again must not disturb this run,
 * and with every account of the test, so its aggregates and limits are the
 * test's), and what the fields its account does not give stand for. */
static void explain_account(TestRun *t, const Decl *d, const Value *rows, char **keys, int nrec,
                            int which, int32_t today, int line)
{
    const Policy *p = t->p;
    const TestAccount *ac = which < d->accounts.len ? d->accounts.items[which] : NULL;
    char notgiven[1024] = "";
    size_t used = 0;
    for (int i = 0; i < p->nfields; i++) {
        const Field *f = p->fields[i];
        if ((f->ty.kind != TY_ENUM && f->ty.kind != TY_STAGE) || f->ty.optional || !f->ty.en) continue;
        bool given = false;
        for (int k = 0; k < d->attrs.len; k++) {
            const Attr *a = d->attrs.items[k];
            if (a->sym && a->sym->kind == SYM_FIELD && a->sym->field == f) given = true;
        }
        for (int k = 0; ac && k < ac->attrs.len; k++) {
            const Attr *a = ac->attrs.items[k];
            if (a->sym && a->sym->kind == SYM_FIELD && a->sym->field == f) given = true;
        }
        if (given || used >= sizeof notgiven) continue;
        used += (size_t)snprintf(notgiven + used, sizeof notgiven - used, "%s%s = %s", used ? ", " : "",
                                 f->name.name, f->ty.en->members[0]);
    }
    if (notgiven[0])
        fprintf(t->out, "  not given, so the first member: %s\n", notgiven);
    Session es;
    ses_init(&es, t->out, t->out);
    es.today = today;
    FILE *sink = fopen("/dev/null", "w");
    if (sink) es.err = sink;        /* the policy checked already */
    if (ses_load_policy(&es, t->path) == 0) {
        for (int i = 0; i < d->attrs.len; i++) {
            const Attr *a = d->attrs.items[i];
            if (!a->sym || a->sym->kind != SYM_PARAM) continue;
            const SrcFile *f = p->src.files[a->value->span.file];
            char text[256];
            snprintf(text, sizeof text, "%.*s", (int)(a->value->span.end - a->value->span.start),
                     f->text + a->value->span.start);
            ses_set(&es, a->name.name, text);
        }
        long *ln = xcalloc((size_t)nrec, sizeof(long));
        const char **k = xcalloc((size_t)nrec, sizeof(char *));
        for (int r = 0; r < nrec; r++) {
            ln[r] = line;
            if (r < d->accounts.len) {      /* the account's own line */
                const TestAccount *a = d->accounts.items[r];
                int l, col;
                src_linecol(&p->src, a->span.file, a->span.start, &l, &col);
                ln[r] = l;
            }
            k[r] = keys[r][0] ? keys[r] : "the test's account";
        }
        if (ses_use_records(&es, rows, k, ln, nrec) == 0) {
            char *text = NULL;
            size_t len = 0;
            FILE *mem = open_memstream(&text, &len);
            if (mem) {
                explain_record(&es, which, mem, false);
                fclose(mem);
                if (ac) fprintf(t->out, "  account \"%s\", explained:\n", ac->key);
                else fputs("  the account, explained:\n", t->out);
                for (char *l = text; l && *l;) {
                    char *nl = strchr(l, '\n');
                    fprintf(t->out, "    %.*s\n", (int)(nl ? nl - l : (long)strlen(l)), l);
                    l = nl ? nl + 1 : NULL;
                }
                free(text);
            }
        }
        free(ln);
        free(k);
    }
    ses_free(&es);
    if (sink) fclose(sink);
}

/* The value of a given or an account's field; false with *problem set if
 * it is not a literal. */
static void set_value(const Attr *a, Value *slot, char *problem, size_t len)
{
    Value v;
    if (!eng_literal_value(a->value, &v))
        snprintf(problem, len, "given %s: a literal value is needed here", a->name.name);
    else
        *slot = v;
}

/* Runs one test block; returns true if every expectation held. A test with
 * `account` blocks is a portfolio of them: the passes run over all of
 * them, then each account's rules; `expect "KEY": x` holds for that
 * account, a plain `expect` for every account (once, when it reads only
 * the portfolio: aggregates, portfolio flags, params). */
static bool run_test(TestRun *t, const Decl *d, int first_expect)
{
    Policy *p = t->p;
    const Chunk *c = t->c;
    int32_t today;
    if (d->as_of) today = d->as_of->date;
    else date_parse(DEFAULT_TODAY, 10, &today);
    char problem[1024] = "";
    /* the same steps as every evaluation: params, the portfolio passes, the records */
    Engine eng;
    eng_adopt(&eng, p, t->c, today, NULL, false);
    Vm *vm = eng.vm;
    for (int i = 0; i < d->attrs.len; i++) {
        const Attr *a = d->attrs.items[i];
        if (!a->sym || a->sym->kind != SYM_PARAM) continue;
        Value v;
        if (!eng_literal_value(a->value, &v))
            snprintf(problem, sizeof problem, "given %s: a literal value is needed here", a->name.name);
        else
            eng_set_param_value(&eng, a->sym, v);
    }
    if (eng_init(&eng) != ENG_OK) {
        snprintf(problem, sizeof problem, "%s", eng.msg);
        t->params_failed = true;
    }
    /* the accounts: zero values, then the givens, then each account's own */
    int nrec = d->accounts.len ? d->accounts.len : 1;
    int nf = p->nfields;
    Value *rows = xcalloc((size_t)nrec * (size_t)(nf + 1), sizeof(Value));
    char **keys = xcalloc((size_t)nrec, sizeof(char *));
    for (int r = 0; r < nrec; r++) {
        Value *row = rows + (size_t)r * (size_t)nf;
        for (int i = 0; i < nf; i++) {
            const Field *f = p->fields[i];
            Value v = val_num(0);
            if (f->ty.kind == TY_BOOL || f->ty.kind == TY_ENUM || f->ty.kind == TY_STAGE) v = val_int(0);
            if (f->ty.kind == TY_DATE) v = val_int(today);
            if (f->ty.kind == TY_STRING) v = val_str("", 0);
            if (f->ty.optional) {
                v = val_int(0);
                v.missing = 1;
            }
            row[i] = v;
        }
        for (int i = 0; i < d->attrs.len; i++) {
            const Attr *a = d->attrs.items[i];
            if (a->sym && a->sym->kind == SYM_FIELD)
                set_value(a, &row[a->sym->field->index], problem, sizeof problem);
        }
        const TestAccount *ac = r < d->accounts.len ? d->accounts.items[r] : NULL;
        for (int i = 0; ac && i < ac->attrs.len; i++) {
            const Attr *a = ac->attrs.items[i];
            if (a->sym && a->sym->kind == SYM_FIELD)
                set_value(a, &row[a->sym->field->index], problem, sizeof problem);
        }
        int kf = p->key_field;
        if (ac && kf >= 0) row[kf] = val_str(ac->key, strlen(ac->key));
        size_t klen = ac ? strlen(ac->key) : kf >= 0 ? row[kf].len : 0;
        keys[r] = xcalloc(klen + 1, 1);       /* the key as a string of its own */
        if (klen) memcpy(keys[r], ac ? ac->key : row[kf].u.str, klen);
    }
    EngTable table = {rows, nf, keys, nrec};
    bool ok = !problem[0];
    if (!problem[0] && eng_has_passes(&eng) && eng_passes_table(&eng, &table, NULL) > 0) {
        for (int r = 0; r < nrec && !problem[0]; r++)
            if (eng_left_out(&eng, r))
                snprintf(problem, sizeof problem, "%s%s%s", d->accounts.len ? keys[r] : "",
                         d->accounts.len ? ": " : "", eng_left_out_why(&eng, r));
    }
    int line, col;
    src_linecol(&p->src, d->span.file, d->span.start, &line, &col);
    const char *path = p->src.files[d->span.file]->path;
    /* expectations, account by account */
    char detail[4096] = "";
    size_t used = 0;
    bool *failed = xcalloc((size_t)d->items.len + 1, sizeof(bool));
    int explain_which = -1;
    for (int r = 0; r < nrec && !problem[0]; r++) {
        eng_load_row(&eng, &table, r);
        char why[800];
        if (!eng_record(&eng, r, keys[r], strlen(keys[r]), why, sizeof why)) {
            snprintf(problem, sizeof problem, "%s%s%s", d->accounts.len ? keys[r] : "",
                     d->accounts.len ? ": " : "", why);
            break;
        }
        for (int i = 0; i < d->items.len; i++) {
            const Expr *e = d->items.items[i];
            const Ident *on = i < d->expect_on.len ? d->expect_on.items[i] : NULL;
            const TestAccount *ac = r < d->accounts.len ? d->accounts.items[r] : NULL;
            if (on && (!ac || strcmp(on->name, ac->key) != 0)) continue;
            if (!on && r > 0 && !policy_account_part(e)) continue;     /* the portfolio's: once */
            if (failed[i] || vm->regs[c->probe_reg[first_expect + i]].u.i) continue;
            failed[i] = true;
            ok = false;
            bool named = ac && (on || policy_account_part(e));
            if (explain_which < 0 && (named || !ac)) explain_which = r;
            int el, ec;
            src_linecol(&p->src, e->span.file, e->span.start, &el, &ec);
            const SrcFile *f = p->src.files[e->span.file];
            char reads[1024] = "";
            size_t ru = 0;
            const Sym *seen[32];
            int nseen = 0;
            show_reads(t, e, vm->regs, seen, &nseen, reads, sizeof reads, &ru);
            if (used < sizeof detail)
                used += (size_t)snprintf(detail + used, sizeof detail - used,
                                         "  %s%s%sexpect %.*s  (line %d)\n    but %s\n",
                                         named ? "\"" : "", named ? ac->key : "", named ? "\": " : "",
                                         (int)(e->span.end - e->span.start), f->text + e->span.start, el,
                                         reads[0] ? reads : "it is false");
        }
        /* coverage counts what passing and failing tests saw, account by account */
        cov_add(&t->cov, c, vm->regs);
    }
    free(failed);
    /* a portfolio flag the expectations read may not have been worked out */
    for (int i = 0; !ok && eng.pf_why && i < c->nportfolio; i++)
        if (eng.pf_why[i] && used < sizeof detail)
            used += (size_t)snprintf(detail + used, sizeof detail - used,
                                     "  portfolio flag %s could not be worked out: %s\n",
                                     c->portfolio[i].name, eng.pf_why[i]);
    if (problem[0]) {
        ok = false;
        if (used < sizeof detail)
            used += (size_t)snprintf(detail + used, sizeof detail - used, "  %s\n", problem);
    }
    if (t->json) {
        fputs(t->first_json ? "\n  {" : ",\n  {", t->out);
        t->first_json = false;
        fputs("\"name\":", t->out);
        diag_json_string(t->out, d->str);
        fputs(",\"file\":", t->out);
        diag_json_string(t->out, path);
        fprintf(t->out, ",\"line\":%d,\"passed\":%s", line, ok ? "true" : "false");
        if (!ok) {
            fputs(",\"failure\":", t->out);
            diag_json_string(t->out, detail);
        }
        fputc('}', t->out);
    } else if (ok) {
        fprintf(t->out, "PASS %s (%s:%d)\n", d->str, path, line);
    } else {
        fprintf(t->out, "FAIL %s (%s:%d)\n%s", d->str, path, line, detail);
    }
    if (!ok && !t->json && !t->params_failed && (explain_which >= 0 || nrec == 1))
        explain_account(t, d, rows, keys, nrec, explain_which >= 0 ? explain_which : 0, today, line);
    for (int r = 0; r < nrec; r++) free(keys[r]);
    free(keys);
    free(rows);
    eng_close(&eng);
    return ok;
}

static void help(void)
{
    fputs("usage: kam test [OPTIONS] POLICY...\n\n"
          "Runs the test blocks of each policy. A test is one account (the given\n"
          "fields) or several (`account \"KEY\" { ... }` blocks, a portfolio): other\n"
          "fields at their type's zero value (optional ones missing);\n"
          "today is the test's `as of` date, or " DEFAULT_TODAY ". Every `expect` must hold.\n\n"
          "options:\n"
          "  --run REGEX        only tests whose name matches (POSIX extended regex)\n"
          "  --format text|json\n"
          "  --coverage         which criteria, tier branches, transitions, entitlements,\n"
          "                     flags, selects and bool lets the tests saw true and false\n"
          "  --threshold PCT    with --coverage: fail below PCT% covered\n\n"
          "The last line is \"N passed, N failed\". Exit status: 0 all passed, 1 a test\n"
          "failed, a policy has errors or coverage is below the threshold, 2 usage.\n", stdout);
}

int cmd_test(int argc, char **argv)
{
    const char *files[256];
    int nfiles = 0;
    const char *run_re = NULL, *format = "text";
    bool coverage = false;
    double threshold = -1;
    for (int i = 1; i < argc; i++) {
        const char *val = NULL;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            help();
            return EXIT_OK;
        } else if (cli_opt_value(argc, argv, &i, "--run", &val)) {
            if (!val) return cli_usage_error("test", "--run needs a regular expression");
            run_re = val;
        } else if (cli_opt_value(argc, argv, &i, "--format", &val)) {
            if (!val || (strcmp(val, "text") && strcmp(val, "json")))
                return cli_usage_error("test", "--format takes text or json");
            format = val;
        } else if (strcmp(argv[i], "--coverage") == 0) {
            coverage = true;
        } else if (cli_opt_value(argc, argv, &i, "--threshold", &val)) {
            char *end;
            threshold = val ? strtod(val, &end) : -1;
            if (!val || *end != '\0' || threshold < 0 || threshold > 100)
                return cli_usage_error("test", "--threshold takes a percentage from 0 to 100");
            coverage = true;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_usage_error("test", "unknown option '%s'", argv[i]);
        } else if (nfiles < 256) {
            files[nfiles++] = argv[i];
        }
    }
    if (!nfiles) return cli_usage_error("test", "no policy file given");
    regex_t re;
    if (run_re && regcomp(&re, run_re, REG_EXTENDED | REG_NOSUB) != 0)
        return cli_usage_error("test", "--run: '%s' is not a valid regular expression", run_re);
    bool json = strcmp(format, "json") == 0;
    int passed = 0, failed = 0, status = EXIT_OK, covered = 0, items = 0;
    if (json) fputs("{\"tests\":[", stdout);
    bool first_json = true;
    for (int fi = 0; fi < nfiles; fi++) {
        DiagList d;
        diag_init(&d);
        char msg[4200];
        Policy *p = policy_load(files[fi], &d, msg, sizeof msg);
        if (!p) {
            fprintf(stderr, "kam: %s\n", msg);
            diag_free(&d);
            status = EXIT_USAGE;
            continue;
        }
        if (d.nerrors) {
            diag_render_text(stderr, &p->src, &d, cli_use_color(stderr));
            fprintf(stderr, "kam: %s has errors; its tests were not run\n", files[fi]);
            diag_free(&d);
            policy_free(p);
            failed++;
            status = EXIT_POLICY;
            continue;
        }
        TestRun t = {0};
        t.p = p;
        t.path = files[fi];
        t.out = stdout;
        t.json = json;
        t.first_json = first_json;
        int *first_expect = xcalloc((size_t)p->tests.len + 1, sizeof(int));
        for (int k = 0; k < p->tests.len; k++) {
            const Decl *td = p->tests.items[k];
            first_expect[k] = t.nprobes;
            for (int e = 0; e < td->items.len; e++) add_probe(&t, td->items.items[e]);
        }
        cov_collect(&t.cov, p, COV_RULES, add_cov_probe, &t);
        t.c = cg_compile(p, t.probes, t.nprobes, &d);
        if (!t.c) {
            diag_render_text(stderr, &p->src, &d, false);
            status = EXIT_POLICY;
        } else {
            int ran = 0;
            for (int k = 0; k < p->tests.len; k++) {
                const Decl *td = p->tests.items[k];
                if (run_re && regexec(&re, td->str, 0, NULL, 0) != 0) continue;
                ran++;
                if (run_test(&t, td, first_expect[k])) passed++;
                else failed++;
            }
            if (!ran && !json)
                fprintf(stdout, "%s: no tests%s\n", files[fi], run_re ? " match --run" : "");
            if (coverage) {
                covered += cov_print_test(&t.cov, stdout, json, files[fi]);
                items += t.cov.n;
            }
            cg_free(t.c);
        }
        first_json = t.first_json;
        free(first_expect);
        free(t.probes);
        cov_free(&t.cov);
        diag_free(&d);
        policy_free(p);
    }
    if (run_re) regfree(&re);
    double pct = items ? 100.0 * covered / items : 100.0;
    if (json) {
        printf("\n],\"passed\":%d,\"failed\":%d", passed, failed);
        if (coverage) printf(",\"coverage\":{\"covered\":%d,\"items\":%d,\"percent\":%.1f}", covered, items, pct);
        printf("}\n");
    } else {
        printf("%d passed, %d failed\n", passed, failed);
    }
    if (coverage && threshold >= 0 && pct + 1e-9 < threshold) {
        fprintf(stderr, "kam: coverage %.1f%% is below the threshold %.1f%%\n", pct, threshold);
        if (status == EXIT_OK) status = EXIT_POLICY;
    }
    if (failed && status == EXIT_OK) status = EXIT_POLICY;
    return status;
}
