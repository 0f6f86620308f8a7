/* sql.h — a checked policy as one SQL query (`kam sql`): params, the base
 * rows with typed fields, then per portfolio layer (order.c) the rules and
 * the aggregates and limits as window functions, and a final SELECT whose
 * columns are those of `kam run --format csv` plus `kam_error`. Also the
 * CREATE TABLE for the record. A construct that no query of the dialect
 * can compute exactly as the VM does is refused with `sql-untranslatable`
 * (never a query that answers differently). docs/sql.md describes it. */
#ifndef KAM_SQL_H
#define KAM_SQL_H

#include "check.h"
#include "../base/value.h"

#include <stdbool.h>
#include <stdio.h>

typedef enum { SQL_SQLITE, SQL_POSTGRES, SQL_DUCKDB, SQL_SPARK, SQL_SNOWFLAKE } SqlDialect;

typedef struct SqlOptions {
    SqlDialect dialect;
    const char *table;          /* the table read (NULL: the record's name) */
    bool has_today;             /* --as-of given: today is `today` */
    int32_t today;              /* days since 1970-01-01 */
    const Value *sym_value;     /* by p->syms index: each param's and const's value
                                   (after --set), as kam computed it */
    const double *limit_count;  /* by limited select, in p->syms order: its count */
    const bool *field_read;     /* by field: read by kam run (its rows are refused when
                                   such a field is missing or invalid) */
    const int *columns;         /* record fields shown after the key, in order */
    int ncolumns;
} SqlOptions;

/* "sqlite", "postgres", "duckdb", "spark", "snowflake"; false if unknown. */
bool sql_dialect_parse(const char *name, SqlDialect *out);
/* Writes the query to out; false with sql-untranslatable diagnostics in d
 * (nothing written) when a construct has no faithful translation. */
bool sql_query(Policy *p, const SqlOptions *o, FILE *out, DiagList *d);
/* Writes the CREATE TABLE for the record; false with sql-untranslatable
 * diagnostics in d when the dialect cannot hold its columns apart. */
bool sql_schema(Policy *p, const SqlOptions *o, FILE *out, DiagList *d);

#endif
