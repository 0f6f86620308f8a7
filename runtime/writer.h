/* writer.h — per-record outcomes out: CSV, JSON Lines, an aligned table or
 * an Excel workbook (writer_xlsx.c). Columns: the key (or the line number
 * when the record has no key), the record fields asked for (WrOptions:
 * `--columns` or the policy's `output`, chosen by cli/run.c), every score,
 * select, tier and stages block under its own name, then the entitlements
 * and flags that hold (';'-joined in declaration order in CSV, the table
 * and the workbook, arrays in JSON Lines). The entitlements' terms: a
 * column ENTITLEMENT.TERM each between them in CSV and the workbook (empty
 * when not entitled), a "terms" object in JSON Lines, inside the
 * entitlements cell in the table. Output is buffered in large blocks; the
 * writer reports write errors, it never hides them. The columns come from
 * the Chunk (ChunkOut, ChunkTerm, the schema's key and fields), not from
 * the policy. */
#ifndef KAM_WRITER_H
#define KAM_WRITER_H

#include "bytecode.h"

#include <stdio.h>

typedef enum { FMT_CSV, FMT_JSONL, FMT_TABLE, FMT_XLSX } OutFormat;

typedef struct Writer Writer;

/* What shapes the output beyond the Chunk. All zero: the outcomes only,
 * cells in full. */
typedef struct WrOptions {
    const int *fields;      /* schema field indices shown after the key, in order
                               (their values must be converted into the
                               field registers: Chunk.field_reg) */
    int nfields;
    int width;              /* table: fit the lines to this many columns by
                               eliding long cells with '…' (0: no limit) */
    const char *sheet;      /* xlsx: the worksheet's name (NULL: "accounts") */
    bool no_header;         /* csv: no header line (a part of the rows that
                               another writer's output continues) */
} WrOptions;

/* Opens a writer; NULL (with the reason in err) only for xlsx, when its
 * temporary workbook cannot be made. opt may be NULL. */
Writer *wr_open(FILE *out, OutFormat fmt, const Chunk *c, const WrOptions *opt, char *err,
                size_t errlen);
/* One record's outcomes, read from the VM's registers. */
void wr_record(Writer *w, const Value *regs, const char *key, size_t keylen, long line);
/* Flushes (the table and the workbook are written here) and frees.
 * Returns 0, or -1 if any write failed: err then says why, or is "" when
 * errno does. Does not close the FILE. */
int wr_close(Writer *w, char *err, size_t errlen);
/* Appends bytes another writer of the same format and columns wrote (its
 * rows, without a header) as they are; csv and jsonl only. */
void wr_raw(Writer *w, const char *bytes, size_t n);
/* Table: moves the rows another table writer of the same columns holds
 * (not yet closed) after w's, as if w had been given their records; the
 * widths follow. Nothing for other formats. */
void wr_adopt(Writer *w, Writer *part);
/* Formats a number as kam prints it: whole numbers up to 2^53 in full
 * without a point, others with up to 15 significant digits. Returns the
 * length. */
int wr_format_number(double v, char *buf);

/* Data text made safe for a terminal (the table, the REPL, messages that
 * quote a field): control characters become \n, \t, \r or \xHH, and so do
 * DEL, C1 controls and bytes that are not UTF-8; other text is unchanged.
 * CSV and JSON Lines output never goes through this: they stay exact.
 * wr_display writes s[0..n) into buf (cap >= 5 bytes; cut short, at a
 * whole character, if it does not fit) and returns buf. */
const char *wr_display(const char *s, size_t n, char *buf, size_t cap);
/* Prints prefix, s made safe as above, and a line end. */
void wr_print_line(FILE *out, const char *prefix, const char *s);

#endif
