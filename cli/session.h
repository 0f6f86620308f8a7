/* session.h — an analyst's session: a policy (plus definitions typed at
 * the REPL), account records held in memory, what-ifs (:set, :where,
 * redefinitions), and the baseline outcomes that :diff compares against.
 * Used by the REPL, `kam diff`, `kam explain` and `kam report` (which
 * read only the fields kam run reads: used_only). Evaluation runs the
 * compiled policy over the in-memory records, so a what-if over a million
 * accounts takes a fraction of a second. */
#ifndef KAM_SESSION_H
#define KAM_SESSION_H

#include "../lang/compile.h"
#include "../runtime/vm.h"
#include "../runtime/reader.h"
#include "../api/engine.h"
#include "format.h"

#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* One outcome column (a score, select, tier, stages block, entitlement or
 * flag, as kam run lists them; then each entitlement's terms). */
typedef struct OutCol {
    const char *name;       /* a term: "priority_support.sla_hours" */
    SymKind kind;           /* a term: SYM_ENTITLE, with ent >= 0 */
    const EnumInfo *en;     /* tiers and stages */
    int reg;
    int ent;                /* a term: its entitlement's column; -1 otherwise */
    RtKind tkind;           /* a term: its type (members of an enum in members) */
    char **text;            /* a string term: its value per record (NULL missing) */
} OutCol;

/* The outcomes of every record under one policy and what-if, column by
 * column. Values read as doubles (out_cell): numbers, 0/1, member indexes,
 * dates' day numbers, NAN for no value (a term: missing, its entitlement
 * not held); kept as bytes (-1 for none) for selects, entitlements, flags,
 * tiers and stages, as doubles for scores and terms. */
typedef struct Outcomes {
    OutCol *cols;
    int ncols;
    double **d;             /* by column: nrec doubles, or NULL (then b) */
    int8_t **b;             /* by column: nrec bytes, or NULL (then d) */
    void *cells;            /* outcomes_init's: every column of d and b, one block */
    int nrec;
    char **names;           /* copies of the column names (cols point into a policy) */
    char ***members;        /* per column: copies of member names, or NULL */
    uint8_t *ok;            /* by record: 1 evaluated (its row holds outcomes) */
    uint8_t *same;          /* worked out by difference from the session's
                               baseline (else NULL): by record, 1 if its row
                               is the baseline's, unchanged */
    /* Worked out by difference, without text terms: only the rows that
       changed are held (slot), the others read from base, so a what-if
       over a million accounts neither copies nor first touches the
       baseline's columns (d and b are then not written, and say only
       which columns are bytes). Valid while base is. */
    const struct Outcomes *base;
    int32_t *slot;          /* by record: OUT_BASE (base's row), OUT_NONE (not
                               evaluated: no value), or its row in pages */
    char **pages;           /* OUT_PAGE rows each, column i at poff[i] */
    size_t *poff;
    int npages;
    int nrows;              /* rows in pages (taken atomically by the threads) */
} Outcomes;

enum { OUT_BASE = -1, OUT_NONE = -2, OUT_PAGE_BITS = 12, OUT_PAGE = 1 << OUT_PAGE_BITS };

static inline double out_cell(const Outcomes *o, int rec, int col)
{
    if (o->slot) {
        int32_t k = o->slot[rec];
        if (k == OUT_NONE) return NAN;
        if (k >= 0) {
            const char *p = o->pages[k >> OUT_PAGE_BITS] + o->poff[col];
            k &= OUT_PAGE - 1;
            if (o->b[col]) return ((const int8_t *)p)[k] < 0 ? NAN : (double)((const int8_t *)p)[k];
            return ((const double *)(const void *)p)[k];
        }
        o = o->base;
    }
    if (o->b[col]) return o->b[col][rec] < 0 ? NAN : (double)o->b[col][rec];
    return o->d[col][rec];
}

/* One field's values, by record, typed (see session.c): doubles for
 * numbers (32-bit integers for an int field while its values fit), 32-bit
 * days for dates, bytes for bools and members, strings;
 * not read at all (SES_COL_NONE) when nothing evaluated so far reads it. */
typedef enum { SES_COL_NONE, SES_COL_F64, SES_COL_I32, SES_COL_I8, SES_COL_STR,
               SES_COL_N32 /* a whole number field whose values fit 32 bits */ } SesColHow;
typedef struct SesCol {
    SesColHow how;
    void *v;                /* by record: double, int32_t, int8_t or const char * */
    uint32_t *len;          /* strings: their lengths */
    uint8_t *miss;          /* by record: 1 missing (NULL while none is) */
    uint8_t *bad;           /* by record: malformed in the data (read after
                               the load; NULL while none is) */
    char *bad_why;          /* the first malformed value, with its place */
} SesCol;

typedef struct Session {
    char *policy_path, *data_path;
    char **defs;            /* definitions typed in the session, in order */
    int ndefs;
    char **set_names, **set_values;     /* :set what-ifs */
    int nsets;
    char *where;            /* :where filter, or NULL */
    int focus;              /* the focused record, or -1 */
    int32_t today;
    SourceOpts input;       /* how to read data files (--input, --table) */
    RdSnapshot snap;        /* the data file as the records in memory were read from
                               it: a field read later must come from that version */
    Policy *pol;            /* the policy with the session's definitions */
    Chunk *chunk;
    /* records in memory, column by column: the fields that the policy, the
       :where filter and what was typed read (others are read from the data
       file when first needed: ses_need_fields) */
    Arena data;
    SesCol *cols;           /* nfields */
    char **keys;
    long *lines;
    int nrec, cap, nfields;
    char **left_keys;       /* records the data load left out: keys, why */
    char **left_why;
    int nleft, capleft;
    Outcomes base;          /* the baseline: the policy file alone, no what-ifs */
    /* the baseline stands for the session's policy without what-ifs (no
       definitions typed, the same text), evaluated at gen base_gen and
       today base_today: a what-if is then worked out by difference from it */
    bool base_ref;
    unsigned long base_gen;
    int32_t base_today;
    long delta_same;        /* the last evaluation: records found the same by difference (-1: not by difference) */
    long delta_batched;     /* and of all its records, those whose frontier ran in batches (runtime/vm_batch.h) */
    FILE *out, *err;
    /* set (by the REPL's SIGINT handler) to stop a long evaluation or load:
       the running call then fails with "interrupted" and changes nothing */
    volatile sig_atomic_t *interrupt;
    bool timer;             /* the REPL's :timer: each input's time said after it */
    /* the last evaluation's records that could not be evaluated: how many,
       which (err_recs, all nerr of them), and the reason for the first
       MAX_KEPT_ERRORS (err_msgs, nerr_kept: :errors) */
    int nerr, nerr_kept, err_cap;
    int *err_recs;
    char **err_msgs;
    int status;             /* EngStatus: why the last load or evaluation failed */
    /* which fields a data load converts: false (the REPL: a typed
       expression may read any field) every one; true (kam explain, diff
       and report) only those kam run reads: the ones the policy's rules,
       output and display read (Chunk.field_used), the :where/--where
       filter's and keep_field, so that a bad value in a field no rule
       reads leaves out no record kam run counts (the others are missing) */
    bool used_only;
    int keep_field;         /* with used_only: one more field (report's revenue), or -1 */
    int data_bad;           /* records the last data load left out */
    int data_bad_unread;    /* of them (all fields read), those bad only in
                               fields no rule reads: kam run counts them */
    bool data_stopped;      /* and whether its reading stopped early */
    /* the evaluation kept between what-ifs: the portfolio passes of the
       policy as the session holds it, done again only when a param they
       read changes (session.c); gen changes whenever the records or the
       policy do, which drops it */
    struct SesCache *cache;
    unsigned long gen;
    /* kam explain --id: the data load keeps this account's record whole
       and, of the others, only what the portfolio passes read (memory
       does not grow with every field of every record); full_rec is its
       index once loaded (-1: not among the records), full_row its fields */
    const char *sparse_key;
    bool passes_only;       /* kam diff: no record whole (it reads them again) */
    bool lazy_check;        /* with passes_only: convert only what the passes
                               read; a record bad in another field is kept (the
                               caller, reading again, finds it and starts over) */
    bool lazy_doubt;        /* that load met a record it cannot judge (a CSV
                               record of the wrong length): start over */
    int full_rec;
    Value *full_row;
    int only_rec;           /* >= 0: ses_eval needs only this record's value
                               (evaluates it alone when no portfolio pass is
                               needed); -1 every record */
    int ovr_rec, ovr_field; /* ses_override: the record and field, or -1 */
    Value ovr_val;
} Session;

enum { MAX_KEPT_ERRORS = 1000, SES_MAX_THREADS = 4 };

/* Record rec's value of field f (missing if the field was not read). */
Value ses_value(const Session *s, int rec, int f);
/* Record rec's fields, all nfields of them, into row. */
void ses_row(const Session *s, int rec, Value *row);
/* Makes record rec's field f read as v in evaluations (ses_eval_one), until
 * ses_override_clear: explain's "what if this field were...". */
void ses_override(Session *s, int rec, int f, Value v);
void ses_override_clear(Session *s);
/* Reads from the data file the fields marked in need that the session has
 * not read yet (a value malformed there makes the records that read it
 * fail to evaluate, with the reason). -1 (said) if the file cannot be
 * read again or no longer holds the records loaded. */
int ses_need_fields(Session *s, const bool *need);

/* Whether the session was asked to stop (Ctrl-C); prints nothing. */
static inline bool ses_interrupted(const Session *s)
{
    return s->interrupt && *s->interrupt;
}

void ses_init(Session *s, FILE *out, FILE *err);
void ses_free(Session *s);
/* Loads (or reloads, with path NULL) the policy with the session's
 * definitions. On errors prints them and keeps the previous policy: -1. */
int ses_load_policy(Session *s, const char *path);
/* Reads the records of a data file into memory (all fields, or with
 * used_only those kam run reads). Bad records are reported (at most a few)
 * and left out (counted in data_bad; if every field is read, the ones bad
 * only in fields no rule reads are said and counted in data_bad_unread); a read
 * that stops early is reported and sets data_stopped. All or nothing: -1
 * (the session's records as they were) if the file is unusable. */
int ses_load_data(Session *s, const char *path);
/* Uses n records given in memory (fields in the policy's order, values of
 * its types) instead of a data file: a test's account, for instance. */
int ses_use_records(Session *s, const Value *vals, const char *const *keys, const long *lines, int n);
/* Recomputes the baseline: the policy file alone over all records. */
int ses_baseline(Session *s);
/* Adds a definition typed in the session (replacing one of the same name).
 * -1 (with errors printed) if it does not check; nothing changes then. */
int ses_define(Session *s, const char *text);
/* Sets a param for what-ifs; NULL value removes the override. -1 if bad. */
int ses_set(Session *s, const char *name, const char *value);
/* Drops every what-if: :set values, :where and every definition typed in
 * the session (new rules and redefinitions alike): the policy file alone. */
void ses_reset(Session *s);
/* Sets the date `today` stands for (YYYY-MM-DD); -1 if malformed. */
int ses_set_today(Session *s, const char *as_of);
/* Index of the record with that key, or -1: s->status ENG_DATA (said) if
 * the record was left out for a data error, ENG_USAGE (with a suggestion)
 * if there is none. */
int ses_find(Session *s, const char *key);

/* Callback for each evaluated record: its index and the VM registers. */
typedef void (*SesVisit)(Session *s, int rec, const Value *regs, const Chunk *c, void *ud);
/* How many threads an evaluation over the records uses: KAM_THREADS if
 * set (1 ..), else the online cores (at most 4); 1 under 20,000 records. */
int ses_threads(const Session *s);
/* Evaluates the current policy (with what-ifs, no probes) over the records
 * that pass :where (all if !filtered), like ses_eval, but keeping the
 * portfolio passes from one call to the next (done again only when a param
 * or const they read changed) and on ses_threads() threads: thread t calls
 * visit with uds[t] for a contiguous run of the records, thread 0 the
 * first. Returns the number visited, -1 on error or Ctrl-C. */
int ses_eval_kept(Session *s, bool filtered, SesVisit visit, void **uds);
/* Evaluates the current policy (with what-ifs) over the records that pass
 * :where (all if !filtered), with extra probe expressions (checked already,
 * against s->pol). Returns the number of records visited, -1 on error. */
int ses_eval(Session *s, Expr **probes, int nprobes, bool filtered, SesVisit visit, void *ud);
/* An evaluation of chunk c (compiled from s->pol, which the engine adopts)
 * with the what-ifs applied, the params computed and the portfolio passes done
 * over all records: ready to evaluate single records (ses_eval_one). false
 * (reason printed, s->status set) if the params cannot be computed or the
 * user interrupted; e is then closed. Close it with eng_close. */
bool ses_prepare(Session *s, Chunk *c, Engine *e);
/* Evaluates record rec (its fields as the session holds them) in e, as kam
 * run would: false with the reason in why if it cannot be evaluated or the
 * portfolio passes left it out. The registers are then e->vm->regs. */
bool ses_eval_one(Session *s, Engine *e, int rec, char *why, size_t len);
/* After an evaluation: "3 accounts could not be evaluated and are not
 * counted (:errors lists them)", or nothing if every one was. */
void ses_note_errors(const Session *s);
/* :errors — the accounts the last evaluation could not evaluate, and why. */
void ses_list_errors(const Session *s, int max);
/* Parses and checks an expression typed in the session. NULL (errors
 * printed) if it does not check. */
Expr *ses_parse_expr(Session *s, const char *text, const char *label, Type want);
/* The same for a value of param `param` (a :sweep bound or step), checked
 * against its type and for the percent trap (5 for a percent is 500%). */
Expr *ses_parse_value(Session *s, const char *text, const char *label, const Sym *param);
/* The portfolio flags over the session's accounts (with the what-ifs;
 * :where does not apply: they are the whole portfolio's): by flag, its
 * name, text (or NULL), value (1 raised, 0 not, -1 not worked out) and why
 * not. Returns how many, or -1 (said) if there is no policy or the params
 * cannot be computed. */
typedef struct SesPortfolio {
    int n;
    char **names, **descs, **whys;
    int *vals;
} SesPortfolio;
int ses_portfolio_eval(Session *s, SesPortfolio *out);
void ses_portfolio_free(SesPortfolio *p);
/* "raised", "not raised" or "unknown". */
const char *ses_portfolio_state(int v);
/* Prints them: a line each, raised or not, with its text. */
int ses_portfolio(Session *s, FILE *out);
/* Outcome columns of policy p (compiled as c) for nrec records, none
 * filled yet; then row `row` from an evaluation's registers. */
void outcomes_init(Outcomes *o, Policy *p, const Chunk *c, int nrec);
void outcomes_put(Outcomes *o, int row, const Value *regs);
/* The portfolio flags as engine e worked them out (see ses_portfolio_eval). */
void ses_portfolio_of(const Engine *e, SesPortfolio *out);
/* The current outcomes (with what-ifs and :where). */
int ses_outcomes(Session *s, Outcomes *o, bool filtered);
/* The same into o again (o from ses_outcomes, or zeroed): its memory is
 * reused when the session's records are the same. */
int ses_outcomes_again(Session *s, Outcomes *o, bool filtered);
void outcomes_free(Outcomes *o);
/* One outcome that differs between two evaluations of an account. */
typedef struct OutChange {
    const char *name;
    SymKind kind;
    bool term;              /* an entitlement's term (name "ent.term"); tkind its type */
    RtKind tkind;
    char before[80], after[80];
} OutChange;
/* The outcomes of record ra under a and rb under b that differ (at most
 * max stored; the count returned is all of them). A select, entitlement or
 * flag only one side has is false on the other, so the comparison is
 * symmetric; a score, tier or stages block on one side only is not
 * compared (outcomes_uncompared names them). An entitlement's term is
 * compared when the entitlement holds on both sides (else the entitlement's
 * own change says it); a term one side lacks is missing there. */
int outcomes_changes(const Outcomes *a, int ra, const Outcomes *b, int rb, OutChange *out, int max);
void outcomes_uncompared(const Outcomes *a, const Outcomes *b, FILE *out);
/* A quick test before outcomes_changes, for comparing many records of a
 * with b: which column of a each of b's stands for (made once). */
typedef struct OutMatch {
    int *ab;                /* by column of b: a's, or -1 */
    int *only_a;            /* a's columns b does not have */
    int nonly_a;
    bool exact;             /* the same columns, no text terms: outmatch_maybe_differ
                               is outcomes_changes's answer */
} OutMatch;
void outmatch_init(OutMatch *m, const Outcomes *a, const Outcomes *b);
void outmatch_free(OutMatch *m);
/* outcomes_changes with the columns matched already (m made of a and b):
 * the same changes, without matching the columns by name each call. */
int outcomes_changes_m(const OutMatch *m, const Outcomes *a, int ra, const Outcomes *b, int rb,
                       OutChange *out, int max);
/* false only if outcomes_changes would find no change: every outcome the
 * same number (a term's text aside); true means "look closer". */
bool outmatch_maybe_differ(const OutMatch *m, const Outcomes *a, int ra, const Outcomes *b, int rb);
/* Writes "fit 50 -> 75; key_account false -> true; +dedicated_manager" for
 * a record whose outcomes differ (scores as people read them: 72.5,
 * 1,250); returns the number of differences. */
int outcomes_diff_text(const Outcomes *a, int ra, const Outcomes *b, int rb, char *buf, size_t len);
/* The record's value of column `c` as text, every digit (CSV, JSON). */
void outcome_text(const Outcomes *o, int rec, int c, char *buf, size_t len);
/* Record rec's display name (the policy's `display` field, control
 * characters escaped) into buf; NULL if there is none or it is empty. */
const char *ses_display_name(const Session *s, int rec, char *buf, size_t len);
/* "A0000017 — Acme Industrial GmbH" (or the key alone), escaped for a
 * terminal, into buf. */
const char *ses_key_text(const Session *s, int rec, char *buf, size_t len);
/* The money field that best stands for revenue (name has "revenue"), or -1. */
int ses_revenue_field(const Session *s);

#endif
