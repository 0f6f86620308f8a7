/* explain.h — why one account got its outcome: every score criterion met
 * or not with the values involved, each select (with a limit's rank,
 * capacity and cut-off), the portfolio values of aggregates, the single
 * field changes that would flip the first select (confirmed by re-running
 * the whole pipeline), which transition fired (or why none did), the tier
 * branch, each entitlement and flag. Plain sentences, or JSON. */
#ifndef KAM_EXPLAIN_H
#define KAM_EXPLAIN_H

#include "session.h"

#include <stdbool.h>
#include <stdio.h>

/* Explains record `rec` of the session. Returns 0, or -1 if it cannot be
 * evaluated (the reason printed to s->err). */
int explain_record(Session *s, int rec, FILE *out, bool json);

/* The same explanation as facts, one call per fact, as the JSON form lists
 * them: section ("score", "criterion", "select", "change", "tier",
 * "stages", "entitlement", "flag"), name, value and why (a criterion's name
 * is "score.label", its value the points it brought). with_changes: also
 * the "what would change it" search (whole-pipeline re-runs: slow on large
 * data). kam report builds its cards from it. */
/* The portfolio flags, once: each raised or not, with its condition and the
 * portfolio figures it read (`kam explain --portfolio`). -1 (said) if the
 * policy has none or no account can be evaluated. */
int explain_portfolio(Session *s, FILE *out, bool json);

typedef void (*ExplainFact)(void *ud, const char *section, const char *name, const char *value,
                            const char *why);
int explain_record_facts(Session *s, int rec, bool with_changes, ExplainFact fact, void *ud);

#endif
