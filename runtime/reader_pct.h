/* reader_pct.h — noticing percent columns written as whole percentages. A
 * percent value without a % sign is a ratio (0.35 is 35%), so a column
 * that says 35 for 35% is read as 3500%: never an error, rarely meant. A
 * reader given a scan (Source.pct) notes the shape of each percent value
 * it converts; at the end, a column whose unsigned values are mostly above
 * 1 in size gets one warning. Values are not changed, and nothing here
 * reads data by itself. */
#ifndef KAM_READER_PCT_H
#define KAM_READER_PCT_H

#include "schema.h"
#include "../base/arena.h"

#include <stdio.h>

/* One percent column's tally. */
typedef struct RdPctColumn {
    long values;            /* non-empty values noted */
    long whole;             /* without a % sign and above 1 in size: 35 */
    long fraction;          /* without a % sign, above 0 and at most 1 in size: 0.35 */
    char example[24];       /* the first whole one, as written */
} RdPctColumn;

typedef struct RdPctScan {
    int n;                  /* the record's fields */
    RdPctColumn *col;       /* by field index */
} RdPctScan;

RdPctScan *rd_pct_new(const Schema *p);
void rd_pct_free(RdPctScan *scan);
/* Notes the text of percent field `field` (as read, before conversion);
 * decimal_comma: the source reads 35,5 as 35.5 (a ';' CSV), so it counts
 * as the reader's fast path counts the value. */
void rd_pct_note(RdPctScan *scan, int field, const char *text, size_t len, bool decimal_comma);
/* The same for a value without a % sign already converted (to v) by the
 * reader's fast path: the cheap way, on every record. */
void rd_pct_value(RdPctScan *scan, int field, double v, const char *text, size_t len);
/* Prints "kam: PATH: warning: column NAME: 97 of 120 values look like
 * whole percentages (e.g. 35, read as 3500%); write 35% or 0.35" for each
 * column whose unsigned values above 1 outnumber those at most 1 (zeros
 * and values with a % sign tell nothing either way). Returns how many
 * warnings it printed. */
int rd_pct_report(const RdPctScan *scan, const Schema *p, const char *path, FILE *out);

#endif
