/* explain.h — why one account got its outcome: every score criterion met
 * or not with the values involved, the sum against the selection
 * threshold, the smallest single change that would flip the selection,
 * which transition fired (or why none did), the tier branch, each
 * entitlement and flag. Plain sentences, or JSON. */
#ifndef KAM_EXPLAIN_H
#define KAM_EXPLAIN_H

#include "session.h"

#include <stdbool.h>
#include <stdio.h>

/* Explains record `rec` of the session. Returns 0, or -1 if it cannot be
 * evaluated (the reason printed to s->err). */
int explain_record(Session *s, int rec, FILE *out, bool json);

#endif
