/* sql.c — a checked policy as one SQL query (see sql.h, docs/sql.md).
 *
 * Inside the query every number is a double (ints, dates as days since
 * 1970-01-01, counts and ranks too), a bool is the dialect's boolean (0/1
 * in SQLite), an enum, tier or stage is its member's position, and a
 * missing value is NULL. Each expression gives two pieces of SQL: its value
 * (V) and its error (E: NULL, or the text the VM would fail with, following
 * the VM's order of evaluation and its short-circuits), so a record error
 * becomes the `kam_error` column instead of a different answer. The CTEs:
 *
 *   #params   the params and consts, as kam computed them, and today
 *   #base     the table's rows, fields converted, #e0 (a field kam run
 *             reads is NULL or invalid: kam cannot read the record)
 *   per layer L >= 1 (order.c): arguments of layer L's aggregates and
 *             limits, the record's error in pass L (#pL) and whether it
 *             stays in (#okL), then the window functions
 *   per batch of rules of one layer: their values and errors
 *
 * A record that fails in pass 2 or later makes kam leave it out and do the
 * passes again (api/engine.h); the query cannot, so then every row says so
 * in kam_error. */
#include "sql.h"
#include "sql_regex.h"
#include "../stdlib/registry.h"
#include "../base/date.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ strings */

typedef struct Sb {
    char *s;
    size_t n, cap;
} Sb;

static void sb_vadd(Sb *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0) return;
    if (b->n + (size_t)n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->n + (size_t)n + 1) cap *= 2;
        b->s = xrealloc(b->s, cap);
        b->cap = cap;
    }
    vsnprintf(b->s + b->n, (size_t)n + 1, fmt, ap);
    b->n += (size_t)n;
}

static void sb_add(Sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_add(Sb *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sb_vadd(b, fmt, ap);
    va_end(ap);
}

typedef struct Sq {
    Policy *p;
    const SqlOptions *o;
    SqlDialect dl;
    DiagList *d;
    Arena *a;
    bool failed;
    Sb out;             /* the CTEs so far */
    int ncte;
    char prev[32];      /* the CTE the next one reads */
    Sb cols;            /* the columns of the CTE being built */
    int ncols;
    int *batch;         /* by sym index: the CTE number its value is computed in */
    int *agg_done;      /* by aggregate slot: its columns exist */
    const char *key;    /* the key field's name */
    int width;          /* the columns the last CTE has */
} Sq;

/* A new string in the policy's arena. */
static char *cat(Sq *q, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *cat(Sq *q, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    Sb b = {0};
    sb_vadd(&b, fmt, ap);
    va_end(ap);
    char *s = arena_strdup(q->a, b.s ? b.s : "");
    free(b.s);
    return s;
}

/* A string of the arena. */
static char *k(Sq *q, const char *s)
{
    return arena_strdup(q->a, s);
}

/* A quoted identifier. */
static char *id(Sq *q, const char *name)
{
    Sb b = {0};
    char qc = q->dl == SQL_SPARK ? '`' : '"';
    sb_add(&b, "%c", qc);
    for (const char *s = name; *s; s++) {
        if (*s == qc) sb_add(&b, "%c", qc);
        sb_add(&b, "%c", *s);
    }
    sb_add(&b, "%c", qc);
    char *r = arena_strdup(q->a, b.s);
    free(b.s);
    return r;
}

/* A string literal. */
static char *lit_str(Sq *q, const char *s, size_t n)
{
    Sb b = {0};
    sb_add(&b, "'");
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '\'') sb_add(&b, q->dl == SQL_SPARK ? "\\'" : "''");
        else if (c == '\\' && (q->dl == SQL_SPARK || q->dl == SQL_SNOWFLAKE)) sb_add(&b, "\\\\");
        else sb_add(&b, "%c", c);
    }
    sb_add(&b, "'");
    char *r = arena_strdup(q->a, b.s);
    free(b.s);
    return r;
}

static const char *dbl_type(Sq *q)
{
    switch (q->dl) {
    case SQL_SQLITE: return "REAL";
    case SQL_POSTGRES: return "DOUBLE PRECISION";
    default: return "DOUBLE";
    }
}

/* A double literal that reads back as exactly d. */
static char *dbl(Sq *q, double d)
{
    char buf[40];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, d);
        if (strtod(buf, NULL) == d) break;
    }
    if (q->dl == SQL_SQLITE) {
        if (!strpbrk(buf, ".e")) strcat(buf, ".0");
        return d < 0 ? cat(q, "(%s)", buf) : cat(q, "%s", buf);
    }
    if (q->dl == SQL_SPARK) {
        char *e = strchr(buf, 'e');
        if (e) *e = 'E';
        return cat(q, "(%sD)", buf);
    }
    return cat(q, "CAST('%s' AS %s)", buf, dbl_type(q));
}

static char *as_dbl(Sq *q, const char *x)
{
    return cat(q, "CAST(%s AS %s)", x, dbl_type(q));
}

static const char *TRUE_(Sq *q) { (void)q; return "TRUE"; }
static const char *FALSE_(Sq *q) { (void)q; return "FALSE"; }

/* An error text for the record: "what (in p.kam:L:C)", as eng_vm_error. */
static char *err_at(Sq *q, Span sp, const char *what)
{
    char buf[1200];
    const Policy *p = q->p;
    if (sp.file >= 0 && sp.file < p->src.n) {
        int line, col;
        src_linecol(&p->src, sp.file, sp.start, &line, &col);
        snprintf(buf, sizeof buf, "%s (in %s:%d:%d)", what, p->src.files[sp.file]->path, line, col);
    } else {
        snprintf(buf, sizeof buf, "%s", what);
    }
    return lit_str(q, buf, strlen(buf));
}

static void refuse(Sq *q, Span sp, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void refuse(Sq *q, Span sp, const char *fmt, ...)
{
    static const char *names[] = {"SQLite", "PostgreSQL", "DuckDB", "Spark SQL", "Snowflake"};
    char buf[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    diag_add(q->d, DIAG_ERROR, sp, "sql-untranslatable", "%s has no faithful translation to %s; "
             "kam run evaluates it", buf, names[q->dl]);
    q->failed = true;
}

/* The number of arguments of s when it is one call `fn(...)` as a whole
 * (quotes skipped), else 0. */
static int whole_call(const Sq *q, const char *s, const char *fn)
{
    size_t n = strlen(fn), len = strlen(s);
    if (strncmp(s, fn, n) != 0 || len < n + 1 || s[len - 1] != ')') return 0;
    int depth = 0, args = 1;
    char quote = 0;
    for (size_t i = n - 1; i < len; i++) {
        char c = s[i];
        if (quote) {
            if (c == '\\' && (q->dl == SQL_SPARK || q->dl == SQL_SNOWFLAKE) && quote == '\'') i++;
            else if (c == quote) quote = 0;
            continue;
        }
        if (c == '\'' || c == '"' || c == '`') quote = c;
        else if (c == '(') depth++;
        else if (c == ',' && depth == 1) args++;
        else if (c == ')' && --depth == 0 && i != len - 1) return 0;
    }
    return depth == 0 ? args : 0;
}

/* First non-NULL error of two (either may be NULL: no error possible); one
 * flat COALESCE (SQLite's parser has a bounded stack). */
static char *either(Sq *q, char *a, char *b)
{
    if (!a) return b;
    if (!b) return a;
    int na = whole_call(q, a, "COALESCE("), nb = whole_call(q, b, "COALESCE(");
    if (na && na + (nb ? nb : 1) <= 100) {      /* SQLite takes up to 127 */
        if (nb)
            return cat(q, "%.*s, %s", (int)strlen(a) - 1, a, b + strlen("COALESCE("));
        return cat(q, "%.*s, %s)", (int)strlen(a) - 1, a, b);
    }
    return cat(q, "COALESCE(%s, %s)", a, b);
}

/* ------------------------------------------------------- dialect pieces */

static const char *DBL_MAX_TEXT = "1.7976931348623157e308";

/* The error when x is not a finite double (an inf, or SQLite's NULL for a NaN). */
static char *overflow(Sq *q, const char *x, Span sp, const char *what)
{
    char msg[200];
    snprintf(msg, sizeof msg, "%s overflows (its magnitude passes 1.8e308)", what);
    return cat(q, "CASE WHEN abs(%s) <= %s THEN NULL ELSE %s END", x,
               dbl(q, strtod(DBL_MAX_TEXT, NULL)), err_at(q, sp, msg));
}

static char *floor_(Sq *q, const char *x)
{
    if (q->dl == SQL_SPARK)     /* Spark's floor gives a BIGINT */
        return cat(q, "(CASE WHEN abs(%s) >= 4503599627370496D THEN %s ELSE CAST(floor(%s) AS DOUBLE) END)",
                   x, x, x);
    return cat(q, "floor(%s)", x);
}

static char *ceil_(Sq *q, const char *x)
{
    if (q->dl == SQL_SPARK)
        return cat(q, "(CASE WHEN abs(%s) >= 4503599627370496D THEN %s ELSE CAST(ceil(%s) AS DOUBLE) END)",
                   x, x, x);
    return cat(q, "ceil(%s)", x);
}

/* A day number as a date value of the dialect. */
static char *day_date(Sq *q, const char *x)
{
    switch (q->dl) {
    case SQL_SQLITE: return cat(q, "(%s + 2440587.5)", x);
    case SQL_POSTGRES: return cat(q, "(DATE '1970-01-01' + CAST(%s AS INTEGER))", x);
    case SQL_DUCKDB: return cat(q, "(DATE '1970-01-01' + CAST(%s AS INTEGER))", x);
    case SQL_SPARK: return cat(q, "date_add(DATE'1970-01-01', CAST(%s AS INT))", x);
    case SQL_SNOWFLAKE: return cat(q, "DATEADD(day, CAST(%s AS INTEGER), DATE '1970-01-01')", x);
    }
    return NULL;
}

/* Year, month or day of month of a day number (part 'Y', 'm', 'd'). */
static char *ymd(Sq *q, const char *x, char part)
{
    char *dd = day_date(q, x);
    switch (q->dl) {
    case SQL_SQLITE: return cat(q, "CAST(strftime('%%%c', %s) AS INTEGER)", part, dd);
    case SQL_POSTGRES:
        return cat(q, "EXTRACT(%s FROM %s)", part == 'Y' ? "YEAR" : part == 'm' ? "MONTH" : "DAY", dd);
    case SQL_DUCKDB: return cat(q, "%s(%s)", part == 'Y' ? "year" : part == 'm' ? "month" : "day", dd);
    case SQL_SPARK:
        return cat(q, "%s(%s)", part == 'Y' ? "year" : part == 'm' ? "month" : "dayofmonth", dd);
    case SQL_SNOWFLAKE: return cat(q, "%s(%s)", part == 'Y' ? "YEAR" : part == 'm' ? "MONTH" : "DAY", dd);
    }
    return NULL;
}

/* A day number as text YYYY-MM-DD. */
static char *date_text(Sq *q, const char *x)
{
    switch (q->dl) {
    case SQL_SQLITE: return cat(q, "date(%s + 2440587.5)", x);
    case SQL_POSTGRES: return cat(q, "to_char(%s, 'YYYY-MM-DD')", day_date(q, x));
    case SQL_DUCKDB: return cat(q, "strftime(%s, '%%Y-%%m-%%d')", day_date(q, x));
    case SQL_SPARK: return cat(q, "date_format(%s, 'yyyy-MM-dd')", day_date(q, x));
    case SQL_SNOWFLAKE: return cat(q, "TO_CHAR(%s, 'YYYY-MM-DD')", day_date(q, x));
    }
    return NULL;
}

static const char *collate(Sq *q)
{
    return q->dl == SQL_POSTGRES ? " COLLATE \"C\"" : "";
}

/* ---------------------------------------------------------- expressions */

static char *V(Sq *q, Expr *e);
static char *E(Sq *q, Expr *e);

static bool is_stage(Type t) { return t.kind == TY_STAGE; }

/* Whether a name's column may be NULL although its type is not optional:
 * a tier without `otherwise` (the VM's missing value then compares as the
 * first member, u.i = 0). */
static bool null_unless_optional(const Sym *s)
{
    if (!s || s->kind != SYM_TIER) return false;
    for (int i = 0; i < s->decl->items.len; i++)
        if (!((TierBranch *)s->decl->items.items[i])->cond) return false;
    return true;
}

/* The column of a name, as written (NULL when missing). */
static char *raw_name(Sq *q, Expr *e)
{
    if (e->kind == EX_NAME && e->member < 0) {
        if (!e->sym) return id(q, "#today");
        return id(q, e->sym->name);
    }
    return V(q, e);
}

/* Whether e's column may be NULL although its type is not optional: a
 * tier without `otherwise` that gave nothing, and what copies it (a let,
 * an `if` branch, the default of `??`). The VM's missing value then has
 * the member number -1: it equals no member (`t != low` holds). */
static bool may_null(const Expr *e)
{
    if (!e || e->ty.optional) return false;
    switch (e->kind) {
    case EX_NAME:
        if (e->member >= 0 || !e->sym) return false;
        if (null_unless_optional(e->sym)) return true;
        return e->sym->kind == SYM_LET && may_null(e->sym->decl->value);
    case EX_IF:
        return may_null(e->b) || may_null(e->c);
    case EX_BINARY:
        return e->op == OPX_COALESCE && may_null(e->b);
    default:
        return false;
    }
}

/* The value of an operand of a comparison: as the VM compares it. */
static char *Vo(Sq *q, Expr *e)
{
    char *v = V(q, e);
    return may_null(e) ? cat(q, "COALESCE(%s, -1)", v) : v;
}

static char *compare(Sq *q, AstOp op, Type t, const char *a, const char *b)
{
    static const char *ops[] = {"=", "<>", "<", "<=", ">", ">="};
    const char *o = ops[op - OPX_EQ];
    if (t.kind == TY_STRING) {
        if (op == OPX_EQ || op == OPX_NE) return cat(q, "(%s %s %s)", a, o, b);
        return cat(q, "(%s%s %s %s%s)", a, collate(q), o, b, collate(q));
    }
    if (is_stage(t) && op != OPX_EQ && op != OPX_NE) {
        int n = t.en ? t.en->norder : 0;
        return cat(q, "(%s < %d AND %s < %d AND %s %s %s)", a, n, b, n, a, o, b);
    }
    return cat(q, "(%s %s %s)", a, o, b);
}

static Type cmp_type(Expr *e)
{
    return e->a->ty.kind == TY_ERROR ? e->b->ty : e->a->ty;
}

static char *lower_upper(Sq *q, const char *x, bool upper)
{
    if (q->dl == SQL_SQLITE) return cat(q, "%s(%s)", upper ? "upper" : "lower", x);  /* ASCII only */
    const char *lo = "'abcdefghijklmnopqrstuvwxyz'", *up = "'ABCDEFGHIJKLMNOPQRSTUVWXYZ'";
    return cat(q, "translate(%s, %s, %s)", x, upper ? lo : up, upper ? up : lo);
}

static char *str_len(Sq *q, const char *x)
{
    if (q->dl == SQL_SPARK) return as_dbl(q, cat(q, "char_length(%s)", x));
    return as_dbl(q, cat(q, "length(%s)", x));
}

static char *round0(Sq *q, const char *x)
{
    char *ax = cat(q, "abs(%s)", x);
    char *r = cat(q, "(CASE WHEN %s - %s >= 0.5 THEN %s ELSE %s END)", ax, floor_(q, ax), ceil_(q, ax),
                  floor_(q, ax));
    if (q->dl != SQL_SQLITE) r = cat(q, "(CASE WHEN %s - %s >= %s THEN %s ELSE %s END)", ax,
                                     floor_(q, ax), dbl(q, 0.5), ceil_(q, ax), floor_(q, ax));
    return cat(q, "(CASE WHEN %s < 0 THEN -%s ELSE %s END)", x, r, r);
}

static char *call_v(Sq *q, Expr *e)
{
    const StdFunc *f = std_func(e->fn);
    Expr **args = (Expr **)e->args.items;
    int n = e->args.len;
    if (f->aggregate) return id(q, cat(q, "#a%d", e->agg));
    if (f->sig == SIG_ENTITLED) return id(q, e->sym->name);
    const char *name = f->name;
    char *a0 = n > 0 ? V(q, args[0]) : NULL;
    char *a1 = n > 1 ? V(q, args[1]) : NULL;
    switch (f->sig) {
    case SIG_NUM_SAME:
        if (strcmp(name, "abs") == 0) return cat(q, "abs(%s)", a0);
        if (strcmp(name, "floor") == 0) return floor_(q, a0);
        return ceil_(q, a0);
    case SIG_ROUND:
        if (n == 2 && !((args[1]->kind == EX_NUMBER) && args[1]->num == 0)) {
            if (q->dl == SQL_POSTGRES) {
                /* the shortest decimal (float8's text), rounded half away from
                   zero as numeric, read back once: base/decimal.c's way */
                char *digits = cat(q, "CAST(LEAST(GREATEST(%s, -400), 400) AS INTEGER)", round0(q, a1));
                return cat(q, "CAST(round(CAST(CAST(%s AS TEXT) AS NUMERIC), %s) AS DOUBLE PRECISION)", a0,
                           digits);
            }
            refuse(q, e->span, "round() with digits (kam rounds the shortest decimal of the "
                   "double, which this dialect's arithmetic cannot reproduce exactly; PostgreSQL's "
                   "numeric can)");
            return k(q, "NULL");
        }
        return round0(q, a0);
    case SIG_MINMAX: {
        bool mn = strcmp(name, "min") == 0;
        Sb b = {0};
        if (q->dl == SQL_SQLITE) sb_add(&b, "%s(", mn ? "min" : "max");
        else sb_add(&b, "%s(", mn ? "LEAST" : "GREATEST");
        for (int i = 0; i < n; i++) sb_add(&b, "%s%s", i ? ", " : "", V(q, args[i]));
        sb_add(&b, ")");
        char *r = arena_strdup(q->a, b.s);
        free(b.s);
        return r;
    }
    case SIG_CLAMP: {
        char *hi = V(q, args[2]);
        return cat(q, "(CASE WHEN %s < %s THEN %s WHEN %s > %s THEN %s ELSE %s END)", a0, a1, a1, a0,
                   hi, hi, a0);
    }
    case SIG_DATE_INT: {
        char *t = id(q, "#today");
        if (strcmp(name, "days_since") == 0) return cat(q, "(%s - %s)", t, a0);
        /* months_since: (today's y*12+m) - (d's), less one if today's day < d's */
        return as_dbl(q, cat(q, "((%s * 12 + %s) - (%s * 12 + %s) - (CASE WHEN %s < %s THEN 1 ELSE 0 END))",
                             ymd(q, t, 'Y'), ymd(q, t, 'm'), ymd(q, a0, 'Y'), ymd(q, a0, 'm'),
                             ymd(q, t, 'd'), ymd(q, a0, 'd')));
    }
    case SIG_DATE2_INT:
        return cat(q, "(%s - %s)", a1, a0);
    case SIG_STR_STR:
        return lower_upper(q, a0, strcmp(name, "upper") == 0);
    case SIG_STR_INT:
        return str_len(q, a0);
    case SIG_STR2_BOOL:
        if (strcmp(name, "contains") == 0) {
            if (q->dl == SQL_SNOWFLAKE) return cat(q, "(%s = '' OR CHARINDEX(%s, %s) > 0)", a1, a1, a0);
            const char *fn = q->dl == SQL_SQLITE || q->dl == SQL_SPARK ? "instr" : "strpos";
            return cat(q, "(%s = '' OR %s(%s, %s) > 0)", a1, fn, a0, a1);
        }
        return cat(q, "(substr(%s, 1, %s(%s)) = %s)", a0,
                   q->dl == SQL_SPARK ? "char_length" : "length", a1, a1);
    case SIG_MATCHES: {
        const char *why = NULL;
        char *rx = NULL;
        if (q->dl == SQL_POSTGRES || q->dl == SQL_DUCKDB) {
            char *m = sql_regex(args[1]->str, &why);
            if (m) rx = k(q, m);
            free(m);
        }
        if (!rx) {
            if (why)
                refuse(q, e->span, "matches() with %s (kam's regular expressions are POSIX ERE by "
                       "character; the dialect's read these differently)", why);
            else
                refuse(q, e->span, "matches() (the dialect has no regular expressions that read kam's "
                       "POSIX ERE patterns the same way; PostgreSQL and DuckDB do)");
            return k(q, "NULL");
        }
        if (q->dl == SQL_POSTGRES)
            return cat(q, "(%s COLLATE \"C\" ~ %s)", a0, lit_str(q, rx, strlen(rx)));
        char *rx2 = cat(q, "(?s)%s", rx);
        return cat(q, "regexp_matches(%s, %s)", a0, lit_str(q, rx2, strlen(rx2)));
    }
    default:
        refuse(q, e->span, "%s()", name);
        return k(q, "NULL");
    }
}

/* PostgreSQL raises an error where a double overflows (SQLite, DuckDB and
 * Spark give an infinity, which the error column catches): a test that
 * the result would, made without overflowing, so the query can answer
 * with kam's record error. By exact scaling with powers of two: a + b
 * overflows when a/2 + b/2 reaches 2^1023; a * b (both above 1 in size)
 * when (a 2^-520)(b 2^-520) reaches 2^-16; a / b (|b| < 1) is near 2^1024
 * only when ln|a| - ln|b| is near 709.8, and then (a 2^-64) / b says. NULL
 * outside PostgreSQL, and for long operands (each appears twice more). */
static bool raises_on_overflow(const Sq *q)
{
    return q->dl == SQL_POSTGRES || q->dl == SQL_SNOWFLAKE;
}

static char *pg_ovf(Sq *q, AstOp op, const char *a, const char *b)
{
    if (!raises_on_overflow(q) || strlen(a) + strlen(b) > 400) return NULL;
    switch (op) {
    case OPX_ADD:
    case OPX_SUB:
        return cat(q, "abs(%s * %s %s %s * %s) >= %s", a, dbl(q, 0.5), op == OPX_ADD ? "+" : "-", b,
                   dbl(q, 0.5), dbl(q, ldexp(1, 1023)));
    case OPX_MUL:
        return cat(q, "(CASE WHEN abs(%s) <= 1 OR abs(%s) <= 1 THEN FALSE ELSE abs((%s * %s) * (%s * %s)) >= %s END)",
                   a, b, a, dbl(q, ldexp(1, -520)), b, dbl(q, ldexp(1, -520)), dbl(q, ldexp(1, -16)));
    default:
        return cat(q, "(CASE WHEN abs(%s) >= 1 OR %s = 0 OR %s = 0 THEN FALSE "
                   "WHEN ln(abs(%s)) - ln(abs(%s)) < 709 THEN FALSE WHEN ln(abs(%s)) - ln(abs(%s)) > 711 THEN TRUE "
                   "ELSE abs((%s * %s) / %s) >= %s END)", b, a, b, a, b, a, b, a, dbl(q, ldexp(1, -64)), b,
                   dbl(q, ldexp(1, 960)));
    }
}

static char *V(Sq *q, Expr *e)
{
    switch (e->kind) {
    case EX_NUMBER:
    case EX_PERCENT:
        return dbl(q, e->num);
    case EX_BOOL:
        return e->num != 0 ? (char *)TRUE_(q) : (char *)FALSE_(q);
    case EX_DATE:
        return dbl(q, (double)e->date);
    case EX_STRING:
        return lit_str(q, e->str, strlen(e->str));
    case EX_NAME:
        if (e->member >= 0) return cat(q, "%d", e->member);
        return raw_name(q, e);
    case EX_UNARY:
        if (e->op == OPX_NEG) return cat(q, "(-%s)", V(q, e->a));
        return cat(q, "(NOT %s)", V(q, e->a));
    case EX_BINARY: {
        switch (e->op) {
        case OPX_AND: return cat(q, "(%s AND %s)", V(q, e->a), V(q, e->b));
        case OPX_OR: return cat(q, "(%s OR %s)", V(q, e->a), V(q, e->b));
        case OPX_COALESCE: return cat(q, "COALESCE(%s, %s)", raw_name(q, e->a), V(q, e->b));
        case OPX_EQ: case OPX_NE: case OPX_LT: case OPX_LE: case OPX_GT: case OPX_GE:
            return compare(q, e->op, cmp_type(e), Vo(q, e->a), Vo(q, e->b));
        default: break;
        }
        Type ta = e->a->ty, tb = e->b->ty;
        char *a = V(q, e->a), *b = V(q, e->b);
        if (ta.kind == TY_DATE && tb.kind == TY_DATE) return cat(q, "(%s - %s)", a, b);
        if (ta.kind == TY_DATE || tb.kind == TY_DATE) {
            /* out of 0001-01-01 .. 9999-12-31 the record fails (E); the value
               is then 0, so that no cast to a date fails on the way */
            char *d = ta.kind == TY_DATE ? cat(q, "(%s %s %s)", a, e->op == OPX_ADD ? "+" : "-", floor_(q, b))
                                         : cat(q, "(%s + %s)", b, floor_(q, a));
            return cat(q, "(CASE WHEN %s BETWEEN %d AND %d THEN %s ELSE %s END)", d, DATE_MIN, DATE_MAX, d,
                       dbl(q, 0));
        }
        char *ovf = pg_ovf(q, e->op, a, b);
        char *r;
        switch (e->op) {
        case OPX_ADD: r = cat(q, "(%s + %s)", a, b); break;
        case OPX_SUB: r = cat(q, "(%s - %s)", a, b); break;
        case OPX_MUL: r = cat(q, "(%s * %s)", a, b); break;
        default:
            return cat(q, "(CASE WHEN %s = 0 THEN %s %s%s%sELSE %s / NULLIF(%s, 0) END)", b, dbl(q, 0),
                       ovf ? "WHEN " : "", ovf ? cat(q, "%s THEN %s", ovf, dbl(q, 0)) : "", ovf ? " " : "", a, b);
        }
        return ovf ? cat(q, "(CASE WHEN %s THEN %s ELSE %s END)", ovf, dbl(q, 0), r) : r;
    }
    case EX_IN: {
        Sb b = {0};
        char *a = Vo(q, e->a);
        sb_add(&b, "(%s(", e->negated ? "NOT " : "");
        for (int i = 0; i < e->args.len; i++)
            sb_add(&b, "%s%s", i ? " OR " : "", compare(q, OPX_EQ, e->a->ty, a, Vo(q, e->args.items[i])));
        if (!e->args.len) sb_add(&b, "%s", FALSE_(q));
        sb_add(&b, "))");
        char *r = arena_strdup(q->a, b.s);
        free(b.s);
        return r;
    }
    case EX_BETWEEN: {
        char *a = Vo(q, e->a);
        char *r = cat(q, "(%s AND %s)", compare(q, OPX_GE, e->a->ty, a, Vo(q, e->b)),
                      compare(q, OPX_LE, e->a->ty, a, Vo(q, e->c)));
        return e->negated ? cat(q, "(NOT %s)", r) : r;
    }
    case EX_MISSING:
        return cat(q, "(%s IS %sNULL)", raw_name(q, e->a), e->negated ? "NOT " : "");
    case EX_IF:
        return cat(q, "(CASE WHEN %s THEN %s ELSE %s END)", V(q, e->a), V(q, e->b), V(q, e->c));
    case EX_CALL:
        return call_v(q, e);
    case EX_ERROR:
        return k(q, "NULL");
    }
    return k(q, "NULL");
}

static char *E(Sq *q, Expr *e)
{
    switch (e->kind) {
    case EX_UNARY:
        return E(q, e->a);
    case EX_BINARY: {
        char *ea = E(q, e->a), *eb = E(q, e->b);
        switch (e->op) {
        case OPX_AND:
            return either(q, ea, eb ? cat(q, "CASE WHEN %s THEN %s END", V(q, e->a), eb) : NULL);
        case OPX_OR:
            return either(q, ea, eb ? cat(q, "CASE WHEN NOT %s THEN %s END", V(q, e->a), eb) : NULL);
        case OPX_COALESCE:
        case OPX_EQ: case OPX_NE: case OPX_LT: case OPX_LE: case OPX_GT: case OPX_GE:
            return either(q, ea, eb);
        default: break;
        }
        Type ta = e->a->ty, tb = e->b->ty;
        char *v = V(q, e);
        char *own;
        if (ta.kind == TY_DATE && tb.kind == TY_DATE) {
            own = NULL;
        } else if (ta.kind == TY_DATE || tb.kind == TY_DATE) {
            char *a = V(q, e->a), *b = V(q, e->b);
            char *d = ta.kind == TY_DATE ? cat(q, "(%s %s %s)", a, e->op == OPX_ADD ? "+" : "-", floor_(q, b))
                                         : cat(q, "(%s + %s)", b, floor_(q, a));
            own = cat(q, "CASE WHEN %s BETWEEN %d AND %d THEN NULL ELSE %s END", d, DATE_MIN, DATE_MAX,
                      err_at(q, e->span, "a date overflows (dates run from 0001-01-01 to 9999-12-31)"));
        } else {
            const char *what = e->op == OPX_ADD ? "a sum" : e->op == OPX_SUB ? "a difference"
                             : e->op == OPX_MUL ? "a product" : "a quotient";
            char *ovf = pg_ovf(q, e->op, V(q, e->a), V(q, e->b));
            char msg[120];
            snprintf(msg, sizeof msg, "%s overflows (its magnitude passes 1.8e308)", what);
            own = ovf ? cat(q, "CASE WHEN %s THEN %s END", ovf, err_at(q, e->span, msg)) : overflow(q, v, e->span, what);
            if (e->op == OPX_DIV)
                own = cat(q, "CASE WHEN %s = 0 THEN (CASE WHEN %s = 0 THEN NULL ELSE %s END) ELSE %s END",
                          V(q, e->b), V(q, e->a), err_at(q, e->span, "division by zero"), own);
        }
        return either(q, either(q, ea, eb), own);
    }
    case EX_IN: {
        char *r = NULL;
        char *a = Vo(q, e->a);
        for (int i = e->args.len - 1; i >= 0; i--) {
            Expr *it = e->args.items[i];
            char *ei = E(q, it);
            if (r) r = cat(q, "CASE WHEN %s THEN NULL ELSE %s END", compare(q, OPX_EQ, e->a->ty, a, Vo(q, it)), r);
            r = either(q, ei, r);
        }
        return either(q, E(q, e->a), r);
    }
    case EX_BETWEEN: {
        char *ec = E(q, e->c);
        if (ec) ec = cat(q, "CASE WHEN %s THEN %s END", compare(q, OPX_GE, e->a->ty, Vo(q, e->a), Vo(q, e->b)), ec);
        return either(q, either(q, E(q, e->a), E(q, e->b)), ec);
    }
    case EX_MISSING:
        return E(q, e->a);
    case EX_IF: {
        char *eb = E(q, e->b), *ec = E(q, e->c);
        char *branch = NULL;
        if (eb || ec)
            branch = cat(q, "CASE WHEN %s THEN %s ELSE %s END", V(q, e->a), eb ? eb : "NULL", ec ? ec : "NULL");
        return either(q, E(q, e->a), branch);
    }
    case EX_CALL: {
        const StdFunc *f = std_func(e->fn);
        if (f->aggregate) {
            /* the record code works out the account's own value for rank and
               percentile (none for the others), then its group */
            bool own = f->sig == SIG_AGG_RANK || f->sig == SIG_AGG_PERCENTILE;
            char *r = own && e->args.len ? E(q, e->args.items[0]) : NULL;
            if (e->per) r = either(q, r, E(q, e->per));
            if (strcmp(f->name, "total") == 0 || strcmp(f->name, "avg") == 0)
                r = either(q, r, cat(q, "CASE WHEN abs(%s) <= %s THEN NULL ELSE %s END", call_v(q, e),
                                     dbl(q, strtod(DBL_MAX_TEXT, NULL)),
                                     err_at(q, e->span, "an aggregate overflows (its sum passes 1.8e308)")));
            return r;
        }
        if (f->sig == SIG_ENTITLED || f->sig == SIG_MATCHES) return f->sig == SIG_MATCHES ? E(q, e->args.items[0]) : NULL;
        char *r = NULL;
        for (int i = 0; i < e->args.len; i++) r = either(q, r, E(q, e->args.items[i]));
        return r;
    }
    default:
        return NULL;
    }
}

/* ------------------------------------------------------------ the CTEs */

static void col(Sq *q, const char *expr, const char *name)
{
    sb_add(&q->cols, ",\n    %s AS %s", expr, id(q, name));
    q->ncols++;
    q->width++;
}

/* Writes the CTE being built (if it has columns) over the previous one. */
static void flush(Sq *q)
{
    if (!q->ncols) return;
    char name[32];
    snprintf(name, sizeof name, "#s%d", ++q->ncte);
    sb_add(&q->out, ",\n%s AS (\n  SELECT *%s\n  FROM %s\n)", id(q, name), q->cols.s, id(q, q->prev));
    snprintf(q->prev, sizeof q->prev, "%s", name);
    q->cols.n = 0;
    if (q->cols.s) q->cols.s[0] = '\0';
    q->ncols = 0;
}

/* Whether e reads (outside aggregates) a rule computed in the CTE being built. */
static bool reads_open(Sq *q, const Expr *e)
{
    if (!e) return false;
    if (e->kind == EX_CALL && e->agg >= 0) {
        /* its value is a column of its pass; the error of the account's own
           value (rank, percentile) and group reads their rules */
        SigKind sig = std_func(e->fn)->sig;
        bool own = sig == SIG_AGG_RANK || sig == SIG_AGG_PERCENTILE;
        return (own && e->args.len && reads_open(q, e->args.items[0])) || reads_open(q, e->per);
    }
    if (e->sym && e->member < 0 && q->batch[policy_sym_index(q->p, e->sym)] == q->ncte + 1 && q->ncols)
        return true;
    if (reads_open(q, e->a) || reads_open(q, e->b) || reads_open(q, e->c)) return true;
    for (int i = 0; i < e->args.len; i++)
        if (reads_open(q, e->args.items[i])) return true;
    return false;
}

static bool rule_reads_open(Sq *q, const Sym *s)
{
    const Decl *d = s->decl;
    if (reads_open(q, d->value)) return true;
    for (int i = 0; i < d->items.len; i++) {
        switch (s->kind) {
        case SYM_SCORE: {
            Criterion *c = d->items.items[i];
            if (reads_open(q, c->cond) || reads_open(q, c->weight)) return true;
            break;
        }
        case SYM_TIER:
            if (reads_open(q, ((TierBranch *)d->items.items[i])->cond)) return true;
            break;
        case SYM_STAGES:
            if (reads_open(q, ((Transition *)d->items.items[i])->cond)) return true;
            break;
        default:
            break;
        }
    }
    for (int i = 0; i < d->attrs.len; i++)
        if (reads_open(q, ((Attr *)d->attrs.items[i])->value)) return true;
    return false;
}

static char *err_col(Sq *q, const Sym *s)
{
    return id(q, cat(q, "#e_%s", s->name));
}

static bool is_limited(const Sym *s)
{
    return s->kind == SYM_SELECT && s->limit;
}

/* The value and error columns of a rule. */
static void rule(Sq *q, Sym *s)
{
    if (rule_reads_open(q, s)) flush(q);
    q->batch[policy_sym_index(q->p, s)] = q->ncte + 1;
    Decl *d = s->decl;
    const char *name = s->name;
    switch (s->kind) {
    case SYM_SELECT:
        if (s->limit) {     /* raw value, order and error came with its pass */
            col(q, cat(q, "(%s AND %s)", id(q, cat(q, "#r_%s", name)), id(q, cat(q, "#k_%s", name))), name);
            return;
        }
        /* fall through */
    case SYM_LET:
    case SYM_FLAG: {
        col(q, V(q, d->value), name);
        char *e = E(q, d->value);
        col(q, e ? e : "NULL", cat(q, "#e_%s", name));
        return;
    }
    case SYM_ENTITLE: {
        char *v = V(q, d->value);
        col(q, v, name);
        char *terms = NULL;
        for (int i = 0; i < d->attrs.len; i++) {
            Attr *a = d->attrs.items[i];
            col(q, cat(q, "CASE WHEN %s THEN %s END", v, V(q, a->value)), cat(q, "%s.%s", name, a->name.name));
            terms = either(q, terms, E(q, a->value));
        }
        char *e = either(q, E(q, d->value), terms ? cat(q, "CASE WHEN %s THEN %s END", v, terms) : NULL);
        col(q, e ? e : "NULL", cat(q, "#e_%s", name));
        return;
    }
    case SYM_SCORE: {
        char *sum = dbl(q, 0), *half = dbl(q, 0);
        char *err = NULL;
        for (int i = 0; i < d->items.len; i++) {
            Criterion *c = d->items.items[i];
            char *cv = V(q, c->cond);
            sum = cat(q, "%s + CASE WHEN %s THEN %s ELSE %s END", sum, cv, V(q, c->weight), dbl(q, 0));
            if (raises_on_overflow(q))      /* the same halved, for pg_ovf's test */
                half = cat(q, "%s + CASE WHEN %s THEN %s * %s ELSE %s END", half, cv, V(q, c->weight),
                           dbl(q, 0.5), dbl(q, 0));
            char *ew = E(q, c->weight);
            err = either(q, err, either(q, E(q, c->cond), ew ? cat(q, "CASE WHEN %s THEN %s END", cv, ew) : NULL));
        }
        sum = cat(q, "(%s)", sum);     /* left to right, as the VM adds */
        char *ovf = NULL;
        if (raises_on_overflow(q)) {
            ovf = cat(q, "abs(%s) >= %s", half, dbl(q, ldexp(1, 1023)));
            sum = cat(q, "(CASE WHEN %s THEN %s ELSE %s END)", ovf, dbl(q, 0), sum);
        }
        col(q, sum, name);
        err = either(q, err, ovf ? cat(q, "CASE WHEN %s THEN %s END", ovf,
                                       err_at(q, d->span, "a sum overflows (its magnitude passes 1.8e308)"))
                                 : overflow(q, sum, d->span, "a sum"));
        col(q, err, cat(q, "#e_%s", name));
        return;
    }
    case SYM_TIER: {
        Sb v = {0};
        sb_add(&v, "CASE");
        char *err = NULL;
        const EnumInfo *en = s->ty.en;
        int n = d->items.len;
        for (int i = 0; i < n; i++) {
            TierBranch *b = d->items.items[i];
            int m = ty_member(en, b->name.name);
            if (!b->cond) {
                sb_add(&v, " ELSE %d", m);
                break;
            }
            sb_add(&v, " WHEN %s THEN %d", V(q, b->cond), m);
        }
        sb_add(&v, " END");
        for (int i = n - 1; i >= 0; i--) {     /* the first condition that fails or holds */
            TierBranch *b = d->items.items[i];
            if (!b->cond) continue;
            char *ec = E(q, b->cond);
            if (!ec && !err) continue;
            err = cat(q, "CASE WHEN %s IS NOT NULL THEN %s WHEN %s THEN NULL ELSE %s END", ec ? ec : "NULL",
                      ec ? ec : "NULL", V(q, b->cond), err ? err : "NULL");
        }
        col(q, arena_strdup(q->a, v.s), name);
        free(v.s);
        col(q, err ? err : "NULL", cat(q, "#e_%s", name));
        return;
    }
    case SYM_STAGES: {
        const EnumInfo *en = s->ty.en;
        const char *cur = NULL;
        for (int i = 0; i < q->p->nfields; i++) {
            Field *f = q->p->fields[i];
            if (f->ty.kind == TY_STAGE && f->ty.en == en) cur = id(q, f->name.name);
        }
        if (!cur) cur = "0";
        Sb v = {0};
        sb_add(&v, "CASE");
        char **app = arena_alloc(q->a, sizeof(char *) * ((size_t)d->items.len + 1));
        for (int i = 0; i < d->items.len; i++) {
            Transition *t = d->items.items[i];
            if (t->from_any) {
                app[i] = cat(q, "(%s < %d)", cur, en->norder);
            } else {
                Sb b = {0};
                sb_add(&b, "(%s IN (", cur);
                for (int k = 0; k < t->froms.len; k++) sb_add(&b, "%s%d", k ? ", " : "", t->from_members[k]);
                sb_add(&b, "))");
                app[i] = arena_strdup(q->a, b.s);
                free(b.s);
            }
            sb_add(&v, " WHEN %s AND %s THEN %d", app[i], V(q, t->cond), t->to_member);
        }
        sb_add(&v, " ELSE %s END", cur);
        if (!d->items.len) {
            v.n = 0;
            sb_add(&v, "%s", cur);
        }
        char *err = NULL;
        for (int i = d->items.len - 1; i >= 0; i--) {
            Transition *t = d->items.items[i];
            char *ec = E(q, t->cond);
            if (!ec && !err) continue;
            err = cat(q, "CASE WHEN %s AND %s IS NOT NULL THEN %s WHEN %s AND %s THEN NULL ELSE %s END", app[i],
                      ec ? ec : "NULL", ec ? ec : "NULL", app[i], V(q, t->cond), err ? err : "NULL");
        }
        col(q, arena_strdup(q->a, v.s), name);
        free(v.s);
        col(q, err ? err : "NULL", cat(q, "#e_%s", name));
        return;
    }
    default:
        return;
    }
}

static int limit_index(const Policy *p, const Sym *s)
{
    int k = 0;
    for (int i = 0; i < p->nsyms; i++) {
        if (p->syms[i] == s) return k;
        if (is_limited(p->syms[i])) k++;
    }
    return -1;
}

/* Layer L's pass: arguments, the record's error in it, the window functions. */
static void pass(Sq *q, int L)
{
    Policy *p = q->p;
    flush(q);
    /* 1. the arguments of its aggregates and limits */
    for (int i = 0; i < p->aggs.len; i++) {
        Expr *c = p->aggs.items[i];
        if (policy_agg_layer(c) != L) continue;
        const StdFunc *f = std_func(c->fn);
        /* the filter first: the value (and the group) are worked out only
           for the accounts it lets in, as the VM's pass does */
        char *err = NULL;
        (void)f;
        if (c->args.len) {
            col(q, V(q, c->args.items[0]), cat(q, "#v%d", i));
            err = E(q, c->args.items[0]);
        } else {
            col(q, TRUE_(q), cat(q, "#v%d", i));
        }
        if (c->per) {
            col(q, raw_name(q, c->per), cat(q, "#g%d", i));
            err = either(q, err, E(q, c->per));
        }
        if (c->where) {
            char *fv = V(q, c->where);
            col(q, fv, cat(q, "#f%d", i));
            if (err) err = cat(q, "CASE WHEN %s THEN %s END", fv, err);
            err = either(q, E(q, c->where), err);
        } else {
            col(q, TRUE_(q), cat(q, "#f%d", i));
        }
        col(q, err ? err : "NULL", cat(q, "#x%d", i));
    }
    for (int i = 0; i < p->nsyms; i++) {
        Sym *s = p->syms[i];
        if (!is_limited(s) || s->limit_layer != L) continue;
        col(q, V(q, s->decl->value), cat(q, "#r_%s", s->name));
        col(q, V(q, s->limit->by), cat(q, "#b_%s", s->name));
        if (s->limit->per) col(q, raw_name(q, s->limit->per), cat(q, "#lg_%s", s->name));
        char *e = either(q, E(q, s->decl->value), E(q, s->limit->by));
        col(q, e ? e : "NULL", cat(q, "#e_%s", s->name));
        q->batch[i] = q->ncte + 1;
    }
    flush(q);
    /* 2. the record's error in this pass, and whether it stays in */
    bool *need = xcalloc((size_t)p->nsyms + 1, sizeof(bool));
    for (int i = 0; i < p->aggs.len; i++) {
        Expr *c = p->aggs.items[i];
        if (policy_agg_layer(c) != L) continue;
        for (int j = 0; j < c->args.len; j++) policy_mark_names(p, need, c->args.items[j]);
        policy_mark_names(p, need, c->where);
        policy_mark_names(p, need, c->per);
    }
    for (int i = 0; i < p->nsyms; i++) {
        Sym *s = p->syms[i];
        if (!is_limited(s) || s->limit_layer != L) continue;
        need[i] = true;
        policy_mark_names(p, need, s->limit->by);
        policy_mark_names(p, need, s->limit->per);
    }
    policy_need_closure(p, need);
    char *perr = NULL;
    for (int i = 0; i < p->norder; i++) {
        Sym *s = p->order[i];
        if (s->kind == SYM_PORTFOLIO || s->kind == SYM_FIELD || !need[policy_sym_index(p, s)]) continue;
        if (s->layer < L || (s->limit && s->limit_layer == L)) perr = either(q, perr, err_col(q, s));
    }
    free(need);
    for (int i = 0; i < p->aggs.len; i++)
        if (policy_agg_layer(p->aggs.items[i]) == L) perr = either(q, perr, id(q, cat(q, "#x%d", i)));
    col(q, perr ? perr : "NULL", cat(q, "#p%d", L));
    char *okprev = L == 1 ? cat(q, "(%s IS NULL)", id(q, "#e0")) : id(q, cat(q, "#ok%d", L - 1));
    col(q, cat(q, "(%s AND %s IS NULL)", okprev, perr ? perr : "NULL"), cat(q, "#ok%d", L));
    flush(q);
    /* 3. the window functions */
    char *ok = id(q, cat(q, "#ok%d", L));
    for (int i = 0; i < p->aggs.len; i++) {
        Expr *c = p->aggs.items[i];
        if (policy_agg_layer(c) != L) continue;
        const StdFunc *f = std_func(c->fn);
        char *v = id(q, cat(q, "#v%d", i)), *fl = id(q, cat(q, "#f%d", i));
        char *g = c->per ? id(q, cat(q, "#g%d", i)) : NULL;
        char *part = g ? cat(q, "PARTITION BY %s", g) : k(q, "");
        char *in = cat(q, "(%s AND %s)", ok, fl);
        char *n1 = cat(q, "SUM(CASE WHEN %s THEN 1 ELSE 0 END) OVER (%s)", in, part);
        char *sum = cat(q, "SUM(CASE WHEN %s THEN %s END) OVER (%s)", in, v, part);
        if (raises_on_overflow(q)) {
            /* PostgreSQL's SUM raises an error where the double overflows:
               sum the values scaled by 2^-64 (the subnormal ones apart, to
               lose no bit), and scale back only when that fits: else an
               infinity, which the error column reports as kam does */
            char *tiny = dbl(q, ldexp(1, -958));
            char *big = cat(q, "COALESCE(SUM(CASE WHEN %s AND abs(%s) >= %s THEN %s * %s END) OVER (%s), %s)", in, v,
                            tiny, v, dbl(q, ldexp(1, -64)), part, dbl(q, 0));
            char *small = cat(q, "COALESCE(SUM(CASE WHEN %s AND abs(%s) < %s THEN %s END) OVER (%s), %s)", in, v,
                              tiny, v, part, dbl(q, 0));
            sum = cat(q, "(CASE WHEN abs(%s) >= %s THEN CAST('%s' AS %s) ELSE %s * %s + %s END)", big,
                      dbl(q, ldexp(1, 960)), q->dl == SQL_POSTGRES ? "Infinity" : "inf", dbl_type(q), big,
                      dbl(q, ldexp(1, 64)), small);
        }
        char *r;
        switch (f->sig) {
        case SIG_AGG_COUNT:
            r = as_dbl(q, c->args.len ? cat(q, "SUM(CASE WHEN %s AND %s THEN 1 ELSE 0 END) OVER (%s)", in, v, part)
                                      : n1);
            break;
        case SIG_AGG_RANK:
        case SIG_AGG_PERCENTILE: {
            bool rank = f->sig == SIG_AGG_RANK;
            char *cum = cat(q, "SUM(CASE WHEN %s THEN 1 ELSE 0 END) OVER (%s ORDER BY %s %s RANGE BETWEEN "
                            "UNBOUNDED PRECEDING AND CURRENT ROW)", in, part, v, rank ? "DESC" : "ASC");
            char *peers = cat(q, "SUM(CASE WHEN %s THEN 1 ELSE 0 END) OVER (PARTITION BY %s%s%s)", in,
                              g ? g : "", g ? ", " : "", v);
            if (rank) r = as_dbl(q, cat(q, "(1 + %s - %s)", cum, peers));
            else r = cat(q, "(CASE WHEN %s = 0 THEN %s ELSE %s / %s END)", n1, dbl(q, 0),
                         as_dbl(q, cat(q, "(%s - %s)", cum, peers)), as_dbl(q, n1));
            break;
        }
        default:
            if (strcmp(f->name, "total") == 0) {
                r = cat(q, "COALESCE(%s, %s)", sum, dbl(q, 0));
            } else if (strcmp(f->name, "avg") == 0) {
                r = cat(q, "(CASE WHEN %s = 0 THEN %s ELSE %s / %s END)", n1, dbl(q, 0), sum, as_dbl(q, n1));
            } else {
                r = cat(q, "COALESCE(%s(CASE WHEN %s THEN %s END) OVER (%s), %s)",
                        strcmp(f->name, "min") == 0 ? "MIN" : "MAX", in, v, part, dbl(q, 0));
            }
            break;
        }
        col(q, r, cat(q, "#a%d", i));
    }
    for (int i = 0; i < p->nsyms; i++) {
        Sym *s = p->syms[i];
        if (!is_limited(s) || s->limit_layer != L) continue;
        char *cand = cat(q, "(%s AND %s)", ok, id(q, cat(q, "#r_%s", s->name)));
        char *g = s->limit->per ? id(q, cat(q, "#lg_%s", s->name)) : NULL;
        int li = limit_index(p, s);
        double n = q->o->limit_count ? q->o->limit_count[li] : 0;
        col(q, cat(q, "(%s AND ROW_NUMBER() OVER (PARTITION BY %s%s%s ORDER BY %s DESC, %s%s) <= %s)", cand,
                   g ? g : "", g ? ", " : "", cand, id(q, cat(q, "#b_%s", s->name)), id(q, q->key), collate(q),
                   dbl(q, n)),
            cat(q, "#k_%s", s->name));
    }
    if (L >= 2)
        col(q, cat(q, "MAX(CASE WHEN %s AND %s IS NOT NULL THEN 1 ELSE 0 END) OVER ()", okprev,
                   id(q, cat(q, "#p%d", L))),
            cat(q, "#stale%d", L));
    flush(q);
}

/* ------------------------------------------------------------- the base */

/* A field's column converted to the query's inner type (NULL: missing or invalid). */
static char *convert(Sq *q, const Field *f, const char *r)
{
    Type t = f->ty;
    switch (t.kind) {
    case TY_STRING:
        return (char *)r;
    case TY_INT: case TY_NUMBER: case TY_MONEY: case TY_PERCENT: {
        /* as kam's readers take them: finite, an int whole and within 2^53 */
        char *x = q->dl == SQL_SQLITE
                      ? cat(q, "(CASE WHEN typeof(%s) IN ('integer', 'real') THEN CAST(%s AS REAL) END)", r, r)
                      : as_dbl(q, r);
        if (t.kind == TY_INT)
            return cat(q, "(CASE WHEN abs(%s) <= 9007199254740992 AND %s = %s THEN %s END)", x, x, floor_(q, x), x);
        return cat(q, "(CASE WHEN abs(%s) <= %s THEN %s END)", x, dbl(q, strtod(DBL_MAX_TEXT, NULL)), x);
    }
    case TY_BOOL:
        if (q->dl == SQL_SQLITE)    /* true/false, yes/no, 1/0 in any case, as kam reads them */
            return cat(q, "(CASE WHEN lower(CAST(%s AS TEXT)) IN ('true', 'yes', '1') THEN 1 "
                       "WHEN lower(CAST(%s AS TEXT)) IN ('false', 'no', '0') THEN 0 END)", r, r);
        return (char *)r;
    case TY_DATE: {
        char *x = NULL;
        switch (q->dl) {
        case SQL_SQLITE:    /* a real date (SQLite's date() would move 02-30 on) */
            return cat(q, "(CASE WHEN %s GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]' AND %s >= '0001-01-01' "
                       "AND date(julianday(%s)) = %s THEN julianday(%s) - 2440587.5 END)", r, r, r, r, r);
        case SQL_POSTGRES: x = cat(q, "CAST((%s - DATE '1970-01-01') AS DOUBLE PRECISION)", r); break;
        case SQL_DUCKDB: x = cat(q, "CAST(date_diff('day', DATE '1970-01-01', %s) AS DOUBLE)", r); break;
        case SQL_SPARK: x = cat(q, "CAST(datediff(%s, DATE'1970-01-01') AS DOUBLE)", r); break;
        case SQL_SNOWFLAKE: x = cat(q, "CAST(DATEDIFF(day, DATE '1970-01-01', %s) AS DOUBLE)", r); break;
        }
        return cat(q, "(CASE WHEN %s BETWEEN %d AND %d THEN %s END)", x, DATE_MIN, DATE_MAX, x);
    }
    case TY_ENUM:
    case TY_STAGE: {
        Sb b = {0};
        sb_add(&b, "(CASE %s", r);
        for (int m = 0; t.en && m < t.en->n; m++)
            sb_add(&b, " WHEN %s THEN %d", lit_str(q, t.en->members[m], strlen(t.en->members[m])), m);
        sb_add(&b, " END)");
        char *s = arena_strdup(q->a, b.s);
        free(b.s);
        return s;
    }
    default:
        return k(q, "NULL");
    }
}

/* A value of the query as text for the output (kam run's CSV). */
static char *out_text(Sq *q, Type t, const char *x)
{
    switch (t.kind) {
    case TY_BOOL:
        return cat(q, "(CASE WHEN %s IS NULL THEN NULL WHEN %s THEN 'true' ELSE 'false' END)", x, x);
    case TY_DATE:
        return date_text(q, x);
    case TY_ENUM:
    case TY_STAGE: {
        Sb b = {0};
        sb_add(&b, "(CASE %s", x);
        for (int m = 0; t.en && m < t.en->n; m++)
            sb_add(&b, " WHEN %d THEN %s", m, lit_str(q, t.en->members[m], strlen(t.en->members[m])));
        sb_add(&b, " END)");
        char *s = arena_strdup(q->a, b.s);
        free(b.s);
        return s;
    }
    default:
        return (char *)x;
    }
}

static char *param_lit(Sq *q, Type t, Value v)
{
    switch (t.kind) {
    case TY_STRING: return lit_str(q, v.u.str ? v.u.str : "", v.len);
    case TY_BOOL: return (char *)(v.u.i ? TRUE_(q) : FALSE_(q));
    case TY_DATE: return dbl(q, (double)v.u.i);
    case TY_ENUM: case TY_STAGE: return cat(q, "%d", (int)v.u.i);
    default: return dbl(q, v.u.num);
    }
}

static char *today_sql(Sq *q)
{
    if (q->o->has_today) return dbl(q, (double)q->o->today);
    switch (q->dl) {
    case SQL_SQLITE: return k(q, "(julianday(date('now', 'localtime')) - 2440587.5)");
    case SQL_POSTGRES: return k(q, "CAST(CURRENT_DATE - DATE '1970-01-01' AS DOUBLE PRECISION)");
    case SQL_DUCKDB: return k(q, "CAST(date_diff('day', DATE '1970-01-01', current_date) AS DOUBLE)");
    case SQL_SPARK: return k(q, "CAST(datediff(current_date(), DATE'1970-01-01') AS DOUBLE)");
    case SQL_SNOWFLAKE: return k(q, "CAST(DATEDIFF(day, DATE '1970-01-01', CURRENT_DATE) AS DOUBLE)");
    }
    return NULL;
}

/* Refusals that do not depend on an expression. */
static void check_policy(Sq *q)
{
    Policy *p = q->p;
    if (p->key_field < 0) {
        refuse(q, p->record ? p->record->span : (Span){0}, "a record without a `key` field (kam "
               "names such records by their line in the file, which a table does not have)");
        return;
    }
    Field *k = p->fields[p->key_field];
    if (k->ty.kind != TY_STRING)
        refuse(q, k->name.span, "a key field that is not a string (kam orders and names records "
               "by the key's text as the data wrote it)");
}

static bool same_ignoring_case(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = *a >= 'A' && *a <= 'Z' ? (char)(*a - 'A' + 'a') : *a;
        char y = *b >= 'A' && *b <= 'Z' ? (char)(*b - 'A' + 'a') : *b;
        if (x != y) return false;
    }
    return *a == *b;
}

/* SQLite, DuckDB and Spark match identifiers without regard to case, even
 * quoted: two kam names that differ only in case would be one column. */
static void check_case(Sq *q)
{
    if (q->dl == SQL_POSTGRES || q->dl == SQL_SNOWFLAKE) return;     /* quoted names keep their case */
    Policy *p = q->p;
    PtrVec names = {0};
    PtrVec spans = {0};
    for (int i = 0; i < p->nsyms; i++) {
        Sym *s = p->syms[i];
        if (s->kind == SYM_PORTFOLIO) continue;
        ptrvec_push(q->a, &names, (void *)s->name);
        Span *sp = arena_alloc(q->a, sizeof *sp);
        *sp = s->span;
        ptrvec_push(q->a, &spans, sp);
        if (s->kind != SYM_ENTITLE) continue;
        for (int k = 0; k < s->decl->attrs.len; k++) {
            Attr *a = s->decl->attrs.items[k];
            ptrvec_push(q->a, &names, cat(q, "%s.%s", s->name, a->name.name));
            ptrvec_push(q->a, &spans, sp);
        }
    }
    static const char *fixed[] = {"entitlements", "flags", "kam_error"};
    for (int i = 0; i < names.len; i++) {
        for (int j = i + 1; j < names.len; j++)
            if (same_ignoring_case(names.items[i], names.items[j])) {
                refuse(q, *(Span *)spans.items[j], "the names '%s' and '%s', which differ only in case "
                       "(the dialect's identifiers do not tell them apart; PostgreSQL's quoted ones do)",
                       (const char *)names.items[i], (const char *)names.items[j]);
                return;
            }
        for (int f = 0; f < 3; f++)
            if (same_ignoring_case(names.items[i], fixed[f]) && strcmp(names.items[i], fixed[f]) != 0) {
                refuse(q, *(Span *)spans.items[i], "the name '%s', which differs only in case from the "
                       "output column '%s'", (const char *)names.items[i], fixed[f]);
                return;
            }
    }
}

bool sql_dialect_parse(const char *name, SqlDialect *out)
{
    static const char *names[] = {"sqlite", "postgres", "duckdb", "spark", "snowflake"};
    for (int i = 0; i < 5; i++)
        if (strcmp(name, names[i]) == 0) {
            *out = (SqlDialect)i;
            return true;
        }
    return false;
}

static const char *table_name(const Policy *p, const SqlOptions *o)
{
    if (o->table) return o->table;
    return p->record && p->record->name.name ? p->record->name.name : "record";
}

bool sql_query(Policy *p, const SqlOptions *o, FILE *out, DiagList *d)
{
    Sq q = {0};
    q.p = p;
    q.o = o;
    q.dl = o->dialect;
    q.d = d;
    q.a = &p->arena;
    q.batch = xcalloc((size_t)p->nsyms + 1, sizeof(int));
    check_policy(&q);
    if (!q.failed) check_case(&q);
    if (q.failed) {
        free(q.batch);
        return false;
    }
    q.key = p->fields[p->key_field]->name.name;
    /* params */
    sb_add(&q.out, "WITH %s AS (\n  SELECT %s AS %s", id(&q, "#params"), today_sql(&q), id(&q, "#today"));
    for (int i = 0; i < p->nsyms; i++) {
        Sym *s = p->syms[i];
        if (s->kind != SYM_PARAM && s->kind != SYM_CONST) continue;
        sb_add(&q.out, ",\n    %s AS %s", param_lit(&q, s->ty, o->sym_value[i]), id(&q, s->name));
        q.width++;
    }
    q.width += 2 + p->nfields;
    sb_add(&q.out, "\n)");
    /* the base rows */
    Sb e0 = {0};
    sb_add(&e0, "CASE");
    sb_add(&q.out, ",\n%s AS (\n  SELECT %s.*", id(&q, "#base"), id(&q, "#params"));
    for (int i = 0; i < p->nfields; i++) {
        Field *f = p->fields[i];
        char *r = cat(&q, "%s.%s", id(&q, "#t"), id(&q, f->name.name));
        char *c = convert(&q, f, r);
        sb_add(&q.out, ",\n    %s AS %s", c, id(&q, f->name.name));
        char msg[400];
        if (i == p->key_field) {
            snprintf(msg, sizeof msg, "field \"%s\": the key is empty", f->name.name);
            sb_add(&e0, " WHEN %s IS NULL OR %s = '' THEN %s", r, r, lit_str(&q, msg, strlen(msg)));
        } else if (!o->field_read || o->field_read[i]) {
            snprintf(msg, sizeof msg, "field \"%s\": %s", f->name.name,
                     f->ty.optional ? "not a valid value" : "missing, or not a valid value");
            if (f->ty.optional)
                sb_add(&e0, " WHEN %s IS NOT NULL AND %s IS NULL THEN %s", r, c, lit_str(&q, msg, strlen(msg)));
            else
                sb_add(&e0, " WHEN %s IS NULL THEN %s", c, lit_str(&q, msg, strlen(msg)));
        }
    }
    sb_add(&e0, " END");
    sb_add(&q.out, ",\n    %s AS %s\n  FROM %s AS %s CROSS JOIN %s\n)", e0.s, id(&q, "#e0"),
           id(&q, table_name(p, o)), id(&q, "#t"), id(&q, "#params"));
    free(e0.s);
    snprintf(q.prev, sizeof q.prev, "#base");
    /* the layers */
    int maxl = 0;
    for (int i = 0; i < p->norder; i++) if (p->order[i]->layer > maxl) maxl = p->order[i]->layer;
    for (int i = 0; i < p->aggs.len; i++) {
        int l = policy_agg_layer(p->aggs.items[i]);
        if (l > maxl) maxl = l;
    }
    for (int L = 0; L <= maxl && !q.failed; L++) {
        if (L >= 1) pass(&q, L);
        for (int i = 0; i < p->norder; i++) {
            Sym *s = p->order[i];
            if (s->layer == L && s->kind != SYM_PORTFOLIO && s->kind != SYM_FIELD) rule(&q, s);
        }
    }
    flush(&q);
    if (q.failed) {
        free(q.batch);
        free(q.out.s);
        free(q.cols.s);
        return false;
    }
    /* the record's error: kam's order (reading, the passes, the rules) */
    char *errs = id(&q, "#e0");
    for (int L = 1; L <= maxl; L++) {
        bool any = false;
        for (int i = 0; i < p->aggs.len; i++) if (policy_agg_layer(p->aggs.items[i]) == L) any = true;
        for (int i = 0; i < p->nsyms; i++) if (is_limited(p->syms[i]) && p->syms[i]->limit_layer == L) any = true;
        if (any) errs = either(&q, errs, id(&q, cat(&q, "#p%d", L)));
    }
    for (int i = 0; i < p->norder; i++) {
        Sym *s = p->order[i];
        if (s->kind != SYM_PORTFOLIO && s->kind != SYM_FIELD) errs = either(&q, errs, err_col(&q, s));
    }
    Sb stale = {0};
    for (int L = 2; L <= maxl; L++) {
        bool any = false;
        for (int i = 0; i < p->aggs.len; i++) if (policy_agg_layer(p->aggs.items[i]) == L) any = true;
        for (int i = 0; i < p->nsyms; i++) if (is_limited(p->syms[i]) && p->syms[i]->limit_layer == L) any = true;
        if (any) sb_add(&stale, "%s%s = 1", stale.n ? " OR " : "", id(&q, cat(&q, "#stale%d", L)));
    }
    char *errx = errs;
    if (stale.n) {
        const char *m = "a record failed in a portfolio pass after the first, so kam leaves it out and "
                        "computes the aggregates again, which this query cannot do: use kam run";
        errx = cat(&q, "CASE WHEN %s THEN %s ELSE %s END", stale.s, lit_str(&q, m, strlen(m)), errs);
    }
    col(&q, errx, "#err");
    flush(&q);
    int most = q.dl == SQL_POSTGRES ? 1664 : q.dl == SQL_SQLITE ? 2000 : 1 << 30;
    if (q.width + p->nfields + 1 > most)
        refuse(&q, p->record->span, "a policy this large (its query needs %d columns in one SELECT; "
               "the most is %d)", q.width + p->nfields + 1, most);
    if (q.failed) {
        free(q.batch);
        free(q.out.s);
        free(q.cols.s);
        return false;
    }
    free(stale.s);
    /* the final select: kam run's columns */
    char *ok = cat(&q, "%s IS NULL", id(&q, "#err"));
    sb_add(&q.out, "\nSELECT %s AS %s", id(&q, q.key), id(&q, q.key));
    for (int i = 0; i < o->ncolumns; i++) {
        Field *f = p->fields[o->columns[i]];
        sb_add(&q.out, ",\n  CASE WHEN %s THEN %s END AS %s", ok, out_text(&q, f->ty, id(&q, f->name.name)),
               id(&q, f->name.name));
    }
    static const SymKind kinds[] = {SYM_SCORE, SYM_SELECT, SYM_TIER, SYM_STAGES};
    for (size_t k = 0; k < 4; k++)
        for (int i = 0; i < p->nsyms; i++) {
            Sym *s = p->syms[i];
            if (s->kind != kinds[k]) continue;
            sb_add(&q.out, ",\n  CASE WHEN %s THEN %s END AS %s", ok,
                   out_text(&q, s->kind == SYM_SELECT ? ty_make(TY_BOOL) : s->ty, id(&q, s->name)), id(&q, s->name));
        }
    for (int pass_ = 0; pass_ < 3; pass_++) {
        /* entitlements, their terms, flags */
        if (pass_ == 1) {
            for (int i = 0; i < p->nsyms; i++) {
                Sym *s = p->syms[i];
                if (s->kind != SYM_ENTITLE) continue;
                for (int k = 0; k < s->decl->attrs.len; k++) {
                    Attr *a = s->decl->attrs.items[k];
                    char *nm = cat(&q, "%s.%s", s->name, a->name.name);
                    sb_add(&q.out, ",\n  CASE WHEN %s THEN %s END AS %s", ok, out_text(&q, a->value->ty, id(&q, nm)),
                           id(&q, nm));
                }
            }
            continue;
        }
        SymKind want = pass_ == 0 ? SYM_ENTITLE : SYM_FLAG;
        Sb b = {0};
        for (int i = 0; i < p->nsyms; i++) {
            Sym *s = p->syms[i];
            if (s->kind != want) continue;
            sb_add(&b, "%sCASE WHEN %s THEN ';%s' ELSE '' END", b.n ? " || " : "", id(&q, s->name), s->name);
        }
        sb_add(&q.out, ",\n  CASE WHEN %s THEN %s END AS %s", ok, b.n ? cat(&q, "substr(%s, 2)", b.s) : "''",
               id(&q, pass_ == 0 ? "entitlements" : "flags"));
        free(b.s);
    }
    sb_add(&q.out, ",\n  %s AS %s\nFROM %s\nORDER BY %s%s;\n", id(&q, "#err"), id(&q, "kam_error"), id(&q, q.prev),
           id(&q, q.key), collate(&q));
    fputs(q.out.s, out);
    free(q.out.s);
    free(q.cols.s);
    free(q.batch);
    return true;
}

/* ------------------------------------------------------------ the table */

bool sql_schema(Policy *p, const SqlOptions *o, FILE *out, DiagList *d)
{
    Sq q = {0};
    Arena a;
    arena_init(&a);
    q.p = p;
    q.o = o;
    q.dl = o->dialect;
    q.a = &a;
    q.d = d;
    check_case(&q);
    if (q.failed) {
        arena_free(&a);
        return false;
    }
    fprintf(out, "CREATE TABLE %s (", id(&q, table_name(p, o)));
    for (int i = 0; i < p->nfields; i++) {
        const Field *f = p->fields[i];
        const char *ty = "TEXT";
        char *check = NULL;
        switch (f->ty.kind) {
        case TY_STRING:
            ty = q.dl == SQL_SPARK ? "STRING" : q.dl == SQL_DUCKDB || q.dl == SQL_SNOWFLAKE ? "VARCHAR"
                 : q.dl == SQL_POSTGRES ? "TEXT COLLATE \"C\"" : "TEXT";
            break;
        case TY_INT: ty = q.dl == SQL_SQLITE ? "INTEGER" : "BIGINT"; break;
        case TY_NUMBER: case TY_MONEY: case TY_PERCENT: ty = dbl_type(&q); break;
        case TY_DATE: ty = q.dl == SQL_SQLITE ? "TEXT" : "DATE"; break;
        case TY_BOOL: ty = q.dl == SQL_SQLITE ? "INTEGER" : "BOOLEAN"; break;
        case TY_ENUM: case TY_STAGE: {
            ty = q.dl == SQL_SPARK ? "STRING" : q.dl == SQL_DUCKDB || q.dl == SQL_SNOWFLAKE ? "VARCHAR"
                 : q.dl == SQL_POSTGRES ? "TEXT COLLATE \"C\"" : "TEXT";
            if (q.dl == SQL_SPARK || q.dl == SQL_SNOWFLAKE || !f->ty.en) break;     /* no CHECK there */
            Sb b = {0};
            sb_add(&b, " CHECK (%s IN (", id(&q, f->name.name));
            for (int m = 0; m < f->ty.en->n; m++)
                sb_add(&b, "%s%s", m ? ", " : "", lit_str(&q, f->ty.en->members[m], strlen(f->ty.en->members[m])));
            sb_add(&b, "))");
            check = arena_strdup(&a, b.s);
            free(b.s);
            break;
        }
        default: break;
        }
        fprintf(out, "%s\n  %s %s%s%s", i ? "," : "", id(&q, f->name.name), ty,
                i == p->key_field ? " NOT NULL" : "", check ? check : "");
    }
    fprintf(out, "\n);\n");
    arena_free(&a);
    return true;
}
