/* coverage.c — the one coverage implementation, for `kam run --coverage`
 * and `kam test --coverage` (see coverage.h): what to watch, whether an item
 * fired (read from the registers the compiler fills, never re-derived), the
 * counts, and both commands' reports. It does not run anything itself. */
#include "coverage.h"

#include <stdlib.h>
#include <string.h>

static void push(Coverage *cv, const Sym *rule, int index, int probe)
{
    cv->items = xrealloc(cv->items, sizeof(CovItem) * (size_t)(cv->n + 1));
    CovItem it = {rule, index, probe, 0, 0};
    cv->items[cv->n++] = it;
}

void cov_collect(Coverage *cv, const Policy *p, int what, int (*add_probe)(void *ud, Expr *cond),
                 void *ud)
{
    memset(cv, 0, sizeof *cv);
    cv->pol = p;
    for (int i = 0; i < p->nsyms; i++) {
        const Sym *y = p->syms[i];
        const Decl *d = y->decl;
        if (!d) continue;
        switch (y->kind) {
        case SYM_SCORE:
            for (int k = 0; k < d->items.len; k++) {
                Expr *cond = ((Criterion *)d->items.items[k])->cond;
                push(cv, y, k, cond ? add_probe(ud, cond) : -1);
            }
            break;
        case SYM_TIER:
        case SYM_STAGES:
            for (int k = 0; k < d->items.len; k++) push(cv, y, k, -1);
            break;
        case SYM_ENTITLE:
        case SYM_FLAG:
            push(cv, y, -1, -1);
            break;
        case SYM_SELECT:
            if (what == COV_RULES) push(cv, y, -1, -1);
            break;
        case SYM_PORTFOLIO:     /* tests: one value per test's portfolio */
            if (what == COV_RULES) push(cv, y, -1, -1);
            break;
        case SYM_LET:
            if (what == COV_RULES && y->ty.kind == TY_BOOL) push(cv, y, -1, -1);
            break;
        default:
            break;
        }
    }
}

bool cov_fired(const CovItem *it, const Chunk *c, const Value *R)
{
    const Sym *y = it->rule;
    if (it->index < 0) return R[y->slot].u.i != 0;
    if (y->kind == SYM_SCORE) return it->probe < 0 || R[c->probe_reg[it->probe]].u.i;
    return y->fired_slot >= 0 && R[y->fired_slot].u.i == it->index;     /* tier, stages */
}

void cov_add(Coverage *cv, const Chunk *c, const Value *R)
{
    for (int i = 0; i < cv->n; i++) {
        if (cov_fired(&cv->items[i], c, R)) cv->items[i].fired++;
        else cv->items[i].not_fired++;
    }
}

void cov_reset(Coverage *cv)
{
    for (int i = 0; i < cv->n; i++) cv->items[i].fired = cv->items[i].not_fired = 0;
}

void cov_free(Coverage *cv)
{
    free(cv->items);
    memset(cv, 0, sizeof *cv);
}

/* "winback lost, uncoupling -> pre_kam \"win-back\"": a transition as
 * written (every source), with its label. */
static const char *transition_text(const Transition *t, char *buf, size_t len)
{
    size_t used = (size_t)snprintf(buf, len, "%s", t->winback ? "winback " : "");
    for (int k = 0; k < t->froms.len && used < len; k++)
        used += (size_t)snprintf(buf + used, len - used, "%s%s", k ? ", " : "",
                                 ((const Ident *)t->froms.items[k])->name);
    if (used < len) used += (size_t)snprintf(buf + used, len - used, " -> %s", t->to.name);
    if (t->label && used < len) snprintf(buf + used, len - used, " \"%s\"", t->label);
    return buf;
}

/* ------------------------------------------------------------ kam run */

static void run_name(const Coverage *cv, const CovItem *it, char *buf, size_t len)
{
    const Policy *p = cv->pol;
    const Sym *y = it->rule;
    const Decl *d = y->decl;
    int line = 0, col = 0;
    Span sp = d->span;
    if (y->kind == SYM_SCORE) {
        const Criterion *cr = d->items.items[it->index];
        sp = cr->span;
        src_linecol(&p->src, sp.file, sp.start, &line, &col);
        const SrcFile *f = p->src.files[cr->cond->span.file];
        if (cr->label)
            snprintf(buf, len, "score %s: \"%s\" (line %d)", y->name, cr->label, line);
        else
            snprintf(buf, len, "score %s: %.*s (line %d)", y->name,
                     (int)(cr->cond->span.end - cr->cond->span.start > 60 ? 60 : cr->cond->span.end - cr->cond->span.start),
                     f->text + cr->cond->span.start, line);
    } else if (y->kind == SYM_TIER) {
        const TierBranch *b = d->items.items[it->index];
        src_linecol(&p->src, b->span.file, b->span.start, &line, &col);
        snprintf(buf, len, "tier %s: %s (line %d)", y->name, b->name.name, line);
    } else if (y->kind == SYM_STAGES) {
        const Transition *t = d->items.items[it->index];
        src_linecol(&p->src, t->span.file, t->span.start, &line, &col);
        char tt[240];
        snprintf(buf, len, "stages %s: %s (line %d)", y->name, transition_text(t, tt, sizeof tt), line);
    } else {
        src_linecol(&p->src, sp.file, sp.start, &line, &col);
        snprintf(buf, len, "%s %s (line %d)", chk_sym_kind_word(y->kind), y->name, line);
    }
}

void cov_print_run(const Coverage *cv, FILE *out, bool json, long records)
{
    char name[300];
    if (json) {
        fputs("{\"coverage\":[", out);
        for (int i = 0; i < cv->n; i++) {
            run_name(cv, &cv->items[i], name, sizeof name);
            fputs(i ? ",\n  {" : "\n  {", out);
            fputs("\"item\":", out);
            diag_json_string(out, name);
            fprintf(out, ",\"fired\":%ld,\"never\":%s,\"always\":%s}", cv->items[i].fired,
                    cv->items[i].fired == 0 ? "true" : "false",
                    records > 0 && cv->items[i].fired == records ? "true" : "false");
        }
        fprintf(out, "\n],\"records\":%ld}\n", records);
        return;
    }
    int never = 0, always = 0;
    for (int pass = 0; pass < 2; pass++) {
        bool header = false;
        for (int i = 0; i < cv->n; i++) {
            long f = cv->items[i].fired;
            bool show = pass == 0 ? f == 0 : (records > 0 && f == records);
            if (!show) continue;
            if (!header) {
                fprintf(out, "%s on these %ld accounts:\n", pass == 0 ? "never fired" : "always fired", records);
                header = true;
            }
            run_name(cv, &cv->items[i], name, sizeof name);
            fprintf(out, "  %s\n", name);
            if (pass == 0) never++;
            else always++;
        }
    }
    fprintf(out, "%d of %d items never fired, %d always fired\n", never, cv->n, always);
}

/* ----------------------------------------------------------- kam test */

static void test_name(const Coverage *cv, const CovItem *w, char *buf, size_t len)
{
    const Policy *p = cv->pol;
    const Sym *y = w->rule;
    int line, col;
    if (w->index < 0) {
        src_linecol(&p->src, y->span.file, y->span.start, &line, &col);
        snprintf(buf, len, "%s %s (line %d)", chk_sym_kind_word(y->kind), y->name, line);
    } else if (y->kind == SYM_SCORE) {
        const Criterion *cr = y->decl->items.items[w->index];
        src_linecol(&p->src, cr->span.file, cr->span.start, &line, &col);
        snprintf(buf, len, "score %s criterion %d%s%s%s (line %d)", y->name, w->index + 1,
                 cr->label ? " \"" : "", cr->label ? cr->label : "", cr->label ? "\"" : "", line);
    } else if (y->kind == SYM_TIER) {
        const TierBranch *b = y->decl->items.items[w->index];
        src_linecol(&p->src, b->span.file, b->span.start, &line, &col);
        snprintf(buf, len, "tier %s branch %s (line %d)", y->name, b->name.name, line);
    } else {
        const Transition *tr = y->decl->items.items[w->index];
        src_linecol(&p->src, tr->span.file, tr->span.start, &line, &col);
        char tt[240];
        snprintf(buf, len, "transition %s (line %d)", transition_text(tr, tt, sizeof tt), line);
    }
}

int cov_print_test(const Coverage *cv, FILE *out, bool json, const char *path)
{
    int cov = 0;
    for (int i = 0; i < cv->n; i++)
        if (cv->items[i].fired && cv->items[i].not_fired) cov++;
    if (json) return cov;
    fprintf(out, "coverage of %s: %d of %d seen both true and false (%.0f%%)\n", path, cov, cv->n,
            cv->n ? 100.0 * cov / cv->n : 100.0);
    char name[300];
    for (int i = 0; i < cv->n; i++) {
        const CovItem *w = &cv->items[i];
        if (w->fired && w->not_fired) continue;
        test_name(cv, w, name, sizeof name);
        fprintf(out, "  %s: %s\n", name,
                !w->fired && !w->not_fired ? "never evaluated" : w->fired ? "never false" : "never true");
    }
    return cov;
}
