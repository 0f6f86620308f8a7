/* kam.c — the embedding API of include/kam.h, on top of the evaluation
 * engine (engine.h) and the readers' value conversions. */
#define _POSIX_C_SOURCE 200809L
#include "../include/kam.h"
#include "engine.h"
#include "../runtime/bytecode.h"
#include "../base/date.h"
#include "../runtime/reader.h"
#include "../runtime/vm.h"
#include "../lang/parse.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct kam_policy {
    Policy *pol;
    Chunk *chunk;
};

struct kam_eval {
    kam_policy *p;
    Engine eng;
    Vm *vm;                 /* eng's */
    bool params_ok;         /* the init code ran since the last change */
    char **text;            /* by field: our copy of the text (strings borrow it) */
    bool *set;              /* by field: given for the current record */
    char err[512];
};

/* Renders diagnostics to a malloc'd string. */
static char *render(const Policy *p, const DiagList *d)
{
    if (!d->n) return NULL;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return NULL;
    diag_render_text(f, &p->src, d, false);
    fclose(f);
    return buf;
}

static kam_policy *finish(Policy *pol, DiagList *d, char **diagnostics)
{
    kam_policy *kp = NULL;
    if (!diag_failed(d)) {
        Chunk *c = cg_compile(pol, NULL, 0, d);
        if (c) {
            kp = xcalloc(1, sizeof *kp);
            kp->pol = pol;
            kp->chunk = c;
        }
    }
    if (diagnostics) *diagnostics = render(pol, d);
    diag_free(d);
    if (!kp) policy_free(pol);
    return kp;
}

kam_policy *kam_compile_file(const char *path, char **diagnostics)
{
    DiagList d;
    diag_init(&d);
    char msg[4200];
    Policy *pol = policy_load(path, &d, msg, sizeof msg);
    if (!pol) {
        if (diagnostics) {
            *diagnostics = xmalloc(strlen(msg) + 2);
            sprintf(*diagnostics, "%s\n", msg);
        }
        diag_free(&d);
        return NULL;
    }
    return finish(pol, &d, diagnostics);
}

kam_policy *kam_compile_string(const char *name, const char *text, char **diagnostics)
{
    DiagList d;
    diag_init(&d);
    Policy *pol = policy_load_text(name, text, strlen(text), &d);
    return finish(pol, &d, diagnostics);
}

void kam_policy_free(kam_policy *p)
{
    if (!p) return;
    cg_free(p->chunk);
    policy_free(p->pol);
    free(p);
}

int kam_field_count(const kam_policy *p)
{
    return p->pol->nfields;
}

const char *kam_field_name(const kam_policy *p, int i)
{
    return i >= 0 && i < p->pol->nfields ? p->pol->fields[i]->name.name : NULL;
}

static int fail(kam_eval *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(kam_eval *e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->err, sizeof e->err, fmt, ap);
    va_end(ap);
    return -1;
}

kam_eval *kam_eval_new(kam_policy *p, const char *as_of)
{
    int32_t today;
    if (as_of) {
        if (!date_parse(as_of, strlen(as_of), &today)) return NULL;
    } else {
        today = eng_today();
    }
    kam_eval *e = xcalloc(1, sizeof *e);
    e->p = p;
    eng_adopt(&e->eng, p->pol, p->chunk, today, NULL, false);
    e->vm = e->eng.vm;
    e->text = xcalloc((size_t)p->pol->nfields + 1, sizeof(char *));
    e->set = xcalloc((size_t)p->pol->nfields + 1, sizeof(bool));
    return e;
}

void kam_eval_free(kam_eval *e)
{
    if (!e) return;
    kam_eval_clear(e);
    free(e->text);
    free(e->set);
    eng_close(&e->eng);
    free(e);
}

void kam_eval_clear(kam_eval *e)
{
    for (int i = 0; i < e->p->pol->nfields; i++) {
        free(e->text[i]);
        e->text[i] = NULL;
        e->set[i] = false;
    }
}

int kam_eval_set_param(kam_eval *e, const char *name, const char *value)
{
    /* the same rules as `kam run --set`: a literal of the param's type */
    if (eng_set_param(&e->eng, name, value) != ENG_OK) return fail(e, "%s", e->eng.msg);
    e->params_ok = false;
    return 0;
}

int kam_eval_set(kam_eval *e, const char *field, const char *text)
{
    const Policy *pol = e->p->pol;
    for (int i = 0; i < pol->nfields; i++) {
        const Field *f = pol->fields[i];
        if (strcmp(f->name.name, field) != 0) continue;
        char *copy = xstrdup(text);
        Value v;
        int rc = rd_convert(pol->schema.fields[i].ty, copy, strlen(copy), &v);
        if (rc < 0) {
            char eb[256];
            free(copy);
            return fail(e, "field \"%s\": expected %s, got \"%s\"", field,
                        rd_expected(pol->schema.fields[i].ty, eb, sizeof eb), text);
        }
        if (rc == 1) {
            v = val_int(0);
            v.missing = 1;
        }
        free(e->text[i]);
        e->text[i] = copy;
        e->set[i] = true;
        e->vm->regs[e->p->chunk->field_reg[i]] = v;
        return 0;
    }
    return fail(e, "the record has no field \"%s\"", field);
}

int kam_eval_run(kam_eval *e)
{
    const Policy *pol = e->p->pol;
    const Chunk *c = e->p->chunk;
    for (int i = 0; i < pol->nfields; i++) {
        const Field *f = pol->fields[i];
        Value *v = &e->vm->regs[c->field_reg[i]];
        if (!e->set[i]) {
            *v = val_int(0);
            v->missing = 1;
        }
        if (v->missing && !f->ty.optional && c->field_used[i])
            return fail(e, "field \"%s\" is required but missing", f->name.name);
    }
    if (!e->params_ok) {
        if (eng_init(&e->eng) != ENG_OK) return fail(e, "%s", e->eng.msg);
        e->params_ok = true;
    }
    int kf = pol->key_field;
    const char *key = kf >= 0 && e->text[kf] ? e->text[kf] : "";
    if (eng_has_passes(&e->eng)) {     /* a portfolio of one */
        eng_passes_reset(&e->eng);
        for (int k = 1; k <= eng_npasses(&e->eng); k++) {
            eng_pass_begin(&e->eng, k);
            bool ok = eng_pass_record(&e->eng, k, 0, key, strlen(key));
            eng_pass_end(&e->eng, k);
            if (!ok) return fail(e, "%s", eng_left_out_why(&e->eng, 0));
        }
    }
    char why[600];
    if (!eng_record(&e->eng, 0, key, strlen(key), why, sizeof why)) return fail(e, "%s", why);
    return 0;
}

static const Sym *rule(kam_eval *e, const char *name)
{
    const Sym *s = policy_sym(e->p->pol, name);
    if (!s) fail(e, "no rule or field named '%s'", name);
    return s;
}

int kam_get_bool(kam_eval *e, const char *name, int *out)
{
    const Sym *s = rule(e, name);
    if (!s) return -1;
    if (s->ty.kind != TY_BOOL) return fail(e, "'%s' is not a bool", name);
    *out = (int)e->vm->regs[s->slot].u.i;
    return 0;
}

int kam_get_number(kam_eval *e, const char *name, double *out)
{
    const Sym *s = rule(e, name);
    if (!s) return -1;
    if (!ty_is_numeric(s->ty)) return fail(e, "'%s' is not a number", name);
    *out = e->vm->regs[s->slot].u.num;
    return 0;
}

const char *kam_get_text(kam_eval *e, const char *name)
{
    const Sym *s = rule(e, name);
    if (!s) return NULL;
    const Value *v = &e->vm->regs[s->slot];
    if ((s->ty.kind != TY_ENUM && s->ty.kind != TY_STAGE) || !s->ty.en) {
        fail(e, "'%s' is not a tier or stage", name);
        return NULL;
    }
    if (v->missing || v->u.i < 0 || v->u.i >= s->ty.en->n) return NULL;
    return s->ty.en->members[v->u.i];
}

const char *kam_eval_error(const kam_eval *e)
{
    return e->err;
}
