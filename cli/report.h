/* report.h — what `kam run` can print instead of one line per account:
 * --summary (counts per select, tier, flag and entitlement, revenue per
 * tier, the stage-movement matrix; --coverage is coverage.h's). */
#ifndef KAM_REPORT_H
#define KAM_REPORT_H

#include "run.h"
#include "../runtime/reader.h"

#include <stdio.h>

typedef struct Summary Summary;

/* revenue: the money field (index) summed per tier, or -1 and `why` not. */
Summary *summary_new(const RunSession *rs, int revenue, const char *why);
/* Adds the record just evaluated (the VM's registers). */
void summary_add(Summary *s, const RunSession *rs);
/* left_out: the records that could not be read or evaluated (said too). */
void summary_print(const Summary *s, const RunSession *rs, FILE *out, bool json, long left_out);
void summary_free(Summary *s);

#endif
