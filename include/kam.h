/* kam.h — the one public header: compile a kam policy, evaluate account
 * records one at a time, read their outcomes. Link with libkam.a and -lm.
 *
 *   char *diags;
 *   kam_policy *p = kam_compile_file("policy.kam", &diags);
 *   if (!p) { fputs(diags, stderr); free(diags); return 1; }
 *   kam_eval *e = kam_eval_new(p, "2026-06-30");
 *   kam_eval_set(e, "id", "A1");  ...  kam_eval_set(e, "trust", "3");
 *   if (kam_eval_run(e) == 0) kam_get_bool(e, "key_account", &selected);
 *
 * Values are given as text, with the same rules as a CSV field (percent as
 * 0.12 or 12%, dates YYYY-MM-DD, enum and stage members by name). Every
 * handle is independent: no global state, so separate threads may use
 * separate handles. */
#ifndef KAM_H
#define KAM_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct kam_policy kam_policy;
typedef struct kam_eval kam_eval;

/* Compiles a policy file. On errors returns NULL and, if diagnostics is not
 * NULL, sets it to the diagnostics as text (file:line:col: error: ...,
 * with source lines and carets), to be released with free(). Warnings alone
 * do not fail; they are returned the same way (or *diagnostics = NULL). */
kam_policy *kam_compile_file(const char *path, char **diagnostics);
/* The same from text in memory; `name` stands for the file in messages. */
kam_policy *kam_compile_string(const char *name, const char *text, char **diagnostics);
void kam_policy_free(kam_policy *p);

/* The record's fields, in declaration order. */
int kam_field_count(const kam_policy *p);
const char *kam_field_name(const kam_policy *p, int i);

/* An evaluator for one record at a time. as_of is today's date for the
 * policy (YYYY-MM-DD), or NULL for the current date. NULL if as_of is bad. */
kam_eval *kam_eval_new(kam_policy *p, const char *as_of);
void kam_eval_free(kam_eval *e);
/* Gives a param another value (text as in `kam run --set`: 8%, 250k, ...).
 * 0, or -1 (see kam_eval_error). Applies to later runs. */
int kam_eval_set_param(kam_eval *e, const char *name, const char *value);
/* Sets a field of the current record from text; "" means missing. 0, or -1
 * for an unknown field or a malformed value (see kam_eval_error). */
int kam_eval_set(kam_eval *e, const char *field, const char *text);
/* Forgets the current record's fields. */
void kam_eval_clear(kam_eval *e);
/* Evaluates the current record (aggregates range over this record alone).
 * 0, or -1 if a required field is missing or evaluation failed. */
int kam_eval_run(kam_eval *e);
/* Outcomes after a successful run, by rule name: scores, lets, selects,
 * entitlements, flags. 0, or -1 for an unknown name or the wrong type. */
int kam_get_bool(kam_eval *e, const char *name, int *out);
int kam_get_number(kam_eval *e, const char *name, double *out);
/* A tier's or stages block's value (a member name); NULL if none. */
const char *kam_get_text(kam_eval *e, const char *name);
/* The last error, as a sentence. */
const char *kam_eval_error(const kam_eval *e);

#ifdef __cplusplus
}
#endif

#endif
