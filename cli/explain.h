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

#endif
