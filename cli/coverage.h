/* coverage.h — the one coverage implementation, behind `kam run --coverage`
 * (how often each criterion, tier branch, transition, entitlement and flag
 * fired on the accounts) and `kam test --coverage` (which of them, and the
 * selects and bool lets, the tests saw both fire and not fire). Whether an
 * item fired is not worked out here: a criterion fired when its condition
 * (a probe) holds, a tier branch or transition when the compiler's fired
 * register (Sym.fired_slot) holds its index, any other rule when its value
 * is true. The same register tells explain which branch matched. */
#ifndef KAM_COVERAGE_H
#define KAM_COVERAGE_H

#include "../lang/check.h"
#include "../runtime/bytecode.h"

#include <stdbool.h>
#include <stdio.h>

/* One thing coverage watches, and how often it fired or did not. */
typedef struct CovItem {
    const Sym *rule;
    int index;              /* criterion / branch / transition number, or -1 */
    int probe;              /* a criterion's condition's probe, or -1 */
    long fired, not_fired;
} CovItem;

typedef struct Coverage {
    CovItem *items;
    int n;
    const Policy *pol;
} Coverage;

/* Whether rules beyond the branching ones are watched: kam test also
 * watches selects and bool lets (COV_RULES), kam run does not. */
enum { COV_BRANCHES = 0, COV_RULES = 1 };

/* Gathers what to watch in p. add_probe(ud, cond) is called for each
 * criterion's condition, to be compiled as a probe, and returns its probe
 * number. */
void cov_collect(Coverage *cv, const Policy *p, int what, int (*add_probe)(void *ud, Expr *cond),
                 void *ud);
/* Whether an item fired for the record just evaluated (its registers R). */
bool cov_fired(const CovItem *it, const Chunk *c, const Value *R);
/* Counts the record just evaluated. */
void cov_add(Coverage *cv, const Chunk *c, const Value *R);
/* `kam run --coverage`: the items that never and always fired on `records`
 * accounts, as text or one JSON document. */
void cov_print_run(const Coverage *cv, FILE *out, bool json, long records);
/* `kam test --coverage`: how many items were seen both ways; the others'
 * names and what was missing ("never true"), unless json. Returns the
 * number covered. */
int cov_print_test(const Coverage *cv, FILE *out, bool json, const char *path);
/* Forgets what was counted (a pass done again). */
void cov_reset(Coverage *cv);
void cov_free(Coverage *cv);

#endif
