/* parse.h — the interface between the scanner (lexer.l), the parser
 * (parser.y) and their caller: the context both share and the one entry
 * point that turns a source file into definitions appended to a Program. */
#ifndef KAM_PARSE_H
#define KAM_PARSE_H

#include "ast.h"
#include "diag.h"

/* State shared by the scanner and the parser for one file. */
typedef struct ParseCtx {
    Arena *arena;
    DiagList *diags;
    SrcSet *src;
    int file;
    Program *prog;
    unsigned offset;    /* scanner position, in bytes */
    bool at_bol;        /* no token yet on the current line */
    bool start_expr;    /* scanner: begin with START_EXPR (parse one expression) */
    bool start_expr_mode;   /* parsing one expression (start_expr was set) */
    Expr *expr;         /* the expression parsed in that mode */
    bool block_broken;  /* a syntax error inside the block being parsed */
    Span comma_at;      /* a name right after a stages `order`/`final` line on
                           the same line: if a syntax error follows before the
                           next transition, the comma before it is missing */
    const char *comma_prev, *comma_word;    /* the list's last name; order/final */
    int last_tok;       /* scanner: the previous token */
    bool record_pending;/* scanner: `record` seen, its `{` not yet */
    int record_depth;   /* scanner: brace depth inside a record block */
    int depth;          /* scanner: nesting of ( [ { (output/display only at 0) */
} ParseCtx;

/* Parses source file `file` of src, appending its definitions to prog and
 * its syntax errors to diags. Returns false if there were syntax errors. */
bool parse_file(Program *prog, SrcSet *src, int file, DiagList *diags);
/* Parses source file `file` as one expression (in prog's arena); NULL with
 * diagnostics if it is not one. */
Expr *parse_expr(Program *prog, SrcSet *src, int file, DiagList *diags);

#endif
