/* diag.h — diagnostics: the list that the lexer, parser, checker and
 * compiler append to (they never print), and the renderers that turn the
 * list into GCC-style text with carets, or JSON. Codes are stable
 * kebab-case identifiers, each declared in diagcodes.def (from which
 * docs/diagnostics.md's tables are generated). */
#ifndef KAM_DIAG_H
#define KAM_DIAG_H

#include "../base/srcfile.h"

#include <stdbool.h>
#include <stdio.h>

typedef enum { DIAG_ERROR, DIAG_WARNING, DIAG_NOTE } DiagLevel;

typedef struct Diag {
    DiagLevel level;
    Span span;
    const char *code;   /* stable identifier, a string literal */
    char *msg;          /* owned */
    char *suggestion;   /* owned, or NULL: the "did you mean" replacement */
    char *related_msg;  /* owned, or NULL: a second place that explains this one */
    Span related;       /* (the first definition of a duplicate, ...) */
    int seq;            /* order of addition: ties in diag_sort keep it */
} Diag;

typedef struct DiagList {
    Diag *items;
    int n, cap;
    int nerrors, nwarnings;
    bool werror;        /* count warnings as errors */
} DiagList;

enum { DIAG_MAX = 500 };   /* more than this many are dropped, with a note */

void diag_init(DiagList *d);
void diag_free(DiagList *d);
/* Appends a diagnostic; the message is printf-formatted. Returns it, so a
 * suggestion can be attached. */
Diag *diag_add(DiagList *d, DiagLevel level, Span span, const char *code,
               const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* A point in the list to go back to: diag_rollback drops what was added
 * after diag_mark (the syntax errors of an imported file that turns out not
 * to be a policy, which would quote its text). */
typedef struct DiagMark { int n, nerrors, nwarnings; } DiagMark;
DiagMark diag_mark(const DiagList *d);
void diag_rollback(DiagList *d, DiagMark m);
/* Whether the list is full (further diagnostics are only counted): callers
 * can skip expensive work such as suggestions. */
bool diag_full(const DiagList *d);
/* Sets the suggestion of a diagnostic (copied). */
void diag_suggest(Diag *g, const char *replacement);
/* Attaches a related place and what it is ("'x' is first defined here");
 * text output prints it as a note under the diagnostic, the language
 * server as relatedInformation. */
void diag_relate(Diag *g, Span where, const char *msg);
/* Sorts by file, then position (stable), so output follows the source. */
void diag_sort(DiagList *d);
bool diag_failed(const DiagList *d);

/* `path:line:col: error: message`, the source line, and ^~~~ under the span. */
void diag_render_text(FILE *out, const SrcSet *src, const DiagList *d, bool color);
/* The diagnostics as JSON objects, comma-separated (a leading comma unless
 * *first); for a caller that wraps several lists into one document
 * {"diagnostics":[...],"errors":N,"warnings":N}. */
void diag_render_json_items(FILE *out, const SrcSet *src, const DiagList *d, bool *first);
/* SARIF 2.1.0: the start of the document (tool, rules) and its end; the
 * results of each file in between, comma-separated as for JSON. */
void diag_sarif_begin(FILE *out, const char *version);
void diag_render_sarif_results(FILE *out, const SrcSet *src, const DiagList *d, bool *first);
void diag_sarif_end(FILE *out);
/* GitHub Actions workflow commands: ::error file=F,line=L,col=C,...::msg */
void diag_render_github(FILE *out, const SrcSet *src, const DiagList *d);
/* The one-line description of a diagnostic code, or NULL. */
const char *diag_code_doc(const char *code);
/* Writes s as a JSON string literal (quotes included). */
void diag_json_string(FILE *out, const char *s);

/* The closest of cands[0..n) to name by edit distance, or NULL if none is
 * close enough to be a plausible typo. */
const char *diag_closest(const char *name, const char *const *cands, int n);

#endif
