/* diff.h — what `kam diff` decides and `kam report`'s what-if section uses
 * too, so that the two count the same accounts: an account counts as
 * changed when both evaluations evaluated it, it is in scope (--where) and
 * outcomes_changes (session.h) finds a difference. */
#ifndef KAM_DIFF_H
#define KAM_DIFF_H

#include "session.h"

#include <stdbool.h>

/* Whether record rb of the new outcomes b is in scope: --where kept it
 * (an account filtered out has no outcome at all). */
bool diff_in_scope(const Outcomes *b, int rb);

#endif
