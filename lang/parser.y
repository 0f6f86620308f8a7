/* parser.y — the kam grammar: a pure bison parser that builds the AST (and
 * nothing else: no evaluation, no printing). Syntax errors go to the
 * diagnostic list with the tokens that were expected; recovery happens at
 * definition boundaries and inside definitions, so one run reports several
 * errors. Precedence is spelled out as grammar levels, lowest first:
 * if/then/else, or, and, not, comparisons (== != < <= > >= in between is),
 * ??, + -, * /, unary -. */
%code requires {
#include "parse.h"
typedef void *yyscan_t;
/* Locations are byte spans: a rule's span runs from its first symbol's
   start to its last symbol's end; an empty rule sits where it is. */
#define YYLLOC_DEFAULT(Cur, Rhs, N)                                        \
    do {                                                                    \
        if (N) {                                                            \
            (Cur).file = YYRHSLOC(Rhs, 1).file;                             \
            (Cur).start = YYRHSLOC(Rhs, 1).start;                           \
            (Cur).end = YYRHSLOC(Rhs, N).end;                               \
        } else {                                                            \
            (Cur).file = YYRHSLOC(Rhs, 0).file;                             \
            (Cur).start = (Cur).end = YYRHSLOC(Rhs, 0).end;                 \
        }                                                                   \
    } while (0)
}

%code {
#include <string.h>

int kam_yylex(KAM_YYSTYPE *lval, KAM_YYLTYPE *loc, yyscan_t scanner);
static void kam_yyerror(KAM_YYLTYPE *loc, yyscan_t scanner, ParseCtx *ctx, const char *msg);

#define A (ctx->arena)
#define YYMAXDEPTH 2000

/* A span covering two others. */
static Span join(Span a, Span b)
{
    Span s = {a.file, a.start, b.end};
    return s;
}

static Decl *decl(ParseCtx *ctx, DeclKind k, Span sp)
{
    Decl *d = ast_decl(A, k, sp);
    ptrvec_push(A, &ctx->prog->decls, d);
    return d;
}

/* A definition with a name and an optional description after it. */
static Decl *named(ParseCtx *ctx, DeclKind k, Span sp, const char *name, Span name_sp,
                   const char *desc, Span desc_sp)
{
    Decl *d = decl(ctx, k, sp);
    d->name.name = name;
    d->name.span = name_sp;
    d->desc = desc;
    d->desc_span = desc_sp;
    return d;
}

/* `enum ordered { low, medium, high }`: the one word allowed after `enum`. */
static TypeRef *ordered_enum(ParseCtx *ctx, const char *word, Span word_sp, PtrVec members,
                             Span sp, bool optional)
{
    TypeRef *t = arena_alloc(A, sizeof *t);
    t->members = members;
    t->optional = optional;
    t->span = sp;
    t->ordered = true;
    if (strcmp(word, "ordered") != 0)
        diag_add(ctx->diags, DIAG_ERROR, word_sp, "syntax", "unexpected name '%s' after `enum`; "
                 "expected `{` or `ordered` (as in `enum ordered { low, medium, high }`)", word);
    return t;
}

/* An `order` or `final` line ends where its list does; a name right after
   it on the same line may be a missing comma (`order a, b c`), which reads
   as the start of a transition `c, ... ->` and fails later; or the next item
   of a one-line block (`final gone any -> gone when ...`). Remembered, and
   said only if a syntax error comes before the next transition. */
static void stage_list_end(ParseCtx *ctx, const char *word, const PtrVec *list, Span list_sp,
                           int lookahead, const Span *next)
{
    ctx->comma_word = NULL;
    if (lookahead != IDENT || (strcmp(word, "order") != 0 && strcmp(word, "final") != 0)) return;
    const SrcFile *f = ctx->src->files[ctx->file];
    if (next->file != list_sp.file || next->start < list_sp.end || next->start > f->len) return;
    if (memchr(f->text + list_sp.end, '\n', next->start - list_sp.end)) return;
    const Ident *last = list->items[list->len - 1];
    ctx->comma_at = *next;
    ctx->comma_prev = last->name;
    ctx->comma_word = word;
}

static Ident mkid(const char *name, Span sp)
{
    Ident id = {name, sp};
    return id;
}

static Expr *error_expr(ParseCtx *ctx, Span sp)
{
    return ast_expr(A, EX_ERROR, sp);
}

/* Remembers text that error recovery skipped: names written there may be
   definitions the parser lost, so the checker does not call them unknown. */
static void skipped(ParseCtx *ctx, Span sp)
{
    Span *p = arena_alloc(A, sizeof *p);
    *p = sp;
    ptrvec_push(A, &ctx->prog->skipped, p);
    ctx->block_broken = true;
}

/* A block whose inside had a syntax error: its member list is incomplete. */
static bool take_broken(ParseCtx *ctx)
{
    bool b = ctx->block_broken;
    ctx->block_broken = false;
    return b;
}
}

%define api.pure full
%define api.prefix {kam_yy}
%define api.location.type {Span}
%define parse.error custom
%locations
%expect 0
%lex-param {yyscan_t scanner}
%parse-param {yyscan_t scanner} {ParseCtx *ctx}

%union {
    double num;
    int32_t date;
    const char *str;
    Expr *expr;
    Decl *decl;
    TypeRef *tref;
    PtrVec vec;
    Criterion *crit;
    TierBranch *branch;
    Transition *trans;
    Attr *attr;
    int op;
}

%token <str> IDENT "name" STRING "string" INVALID "invalid character"
%token <num> NUMBER "number" PERCENT "percentage" TRUE "`true`" FALSE "`false`"
%token <date> DATE "date"
%token POLICY "`policy`" IMPORT "`import`" RECORD "`record`" PARAM "`param`"
%token CONST "`const`" LET "`let`" SCORE "`score`" SELECT "`select`"
%token TIER "`tier`" STAGES "`stages`" ENTITLE "`entitle`" FLAG "`flag`"
%token LIMIT "`limit`" TEST "`test`" GIVEN "`given`" EXPECT "`expect`"
%token WHEN "`when`" OTHERWISE "`otherwise`" AS "`as`" OF "`of`" WITH "`with`"
%token TO "`to`" BY "`by`" KEY "`key`" ENUM "`enum`"
%token AND "`and`" OR "`or`" NOT "`not`" IN "`in`" BETWEEN "`between`"
%token IF "`if`" THEN "`then`" ELSE "`else`" IS "`is`" MISSING "`missing`"
%token WHERE "`where`"
%token OUTPUT "`output`" DISPLAY "`display`" PER "`per`" PORTFOLIO "`portfolio`"
%token ARROW "`->`" EQ "`==`" NE "`!=`" LE "`<=`" GE "`>=`" LT "`<`" GT "`>`"
%token START_EXPR "start of expression" CALL_LPAREN "`(` (of a call)"
%token QQ "`??`" MINUS_BOL "`-` (starting a line)"
%token '-' "`-`" '+' "`+`" '*' "`*`" '/' "`/`" '(' "`(`" ')' "`)`"
%token '{' "`{`" '}' "`}`" '[' "`[`" ']' "`]`" ',' "`,`" ':' "`:`" '=' "`=`"
%token '?' "`?`"

%type <expr> expr if_expr or_expr and_expr not_expr cmp_expr coal_expr
%type <expr> add_expr mul_expr unary_expr primary weight group
%type <vec> expr_list args fields criteria branches stage_items ident_list attrs
%type <vec> test_items opt_with
%type <tref> type opt_type
%type <op> cmp_op
%type <crit> criterion
%type <branch> branch
%type <trans> transition
%type <attr> attr
%type <str> opt_label opt_desc
%type <expr> opt_as_of

%%

/* A file of definitions, or (after the scanner's first token START_EXPR)
   one expression: --set values, --where filters, REPL input. */
start
    : program
    | START_EXPR expr               { ctx->expr = $2; }
    | START_EXPR error              { ctx->expr = NULL; skipped(ctx, @2); }
    ;

program
    : %empty
    | program item
    | program error                 { skipped(ctx, @2); take_broken(ctx); }
    ;

item
    : POLICY STRING                 { Decl *d = decl(ctx, D_POLICY, join(@1, @2));
                                      d->str = $2; d->str_span = @2; }
    | IMPORT STRING                 { Decl *d = decl(ctx, D_IMPORT, join(@1, @2));
                                      d->str = $2; d->str_span = @2; }
    | RECORD IDENT '{' fields '}'   { Decl *d = decl(ctx, D_RECORD, join(@1, @5));
                                      d->name = mkid($2, @2); d->fields = $4;
                                      d->broken = take_broken(ctx); }
    | OUTPUT ident_list             { Decl *d = decl(ctx, D_OUTPUT, join(@1, @2));
                                      d->order = $2; }
    | DISPLAY IDENT                 { Decl *d = decl(ctx, D_DISPLAY, join(@1, @2));
                                      ptrvec_push(A, &d->order, ast_ident(A, $2, @2)); }
    | PARAM IDENT opt_desc opt_type '=' expr
                                    { Decl *d = named(ctx, D_PARAM, join(@1, @6), $2, @2, $3, @3);
                                      d->type = $4; d->value = $6; }
    | PARAM IDENT opt_desc opt_type '=' error
                                    { Decl *d = named(ctx, D_PARAM, @1, $2, @2, $3, @3);
                                      d->type = $4; d->value = error_expr(ctx, @6); skipped(ctx, @6); }
    | PARAM IDENT opt_desc error    { Decl *d = named(ctx, D_PARAM, @1, $2, @2, $3, @3);
                                      d->value = error_expr(ctx, @4); skipped(ctx, @4); }
    | CONST IDENT opt_desc opt_type '=' expr
                                    { Decl *d = named(ctx, D_CONST, join(@1, @6), $2, @2, $3, @3);
                                      d->type = $4; d->value = $6; }
    | CONST IDENT opt_desc opt_type '=' error
                                    { Decl *d = named(ctx, D_CONST, @1, $2, @2, $3, @3);
                                      d->type = $4; d->value = error_expr(ctx, @6); skipped(ctx, @6); }
    | CONST IDENT opt_desc error    { Decl *d = named(ctx, D_CONST, @1, $2, @2, $3, @3);
                                      d->value = error_expr(ctx, @4); skipped(ctx, @4); }
    | LET IDENT opt_desc opt_type '=' expr
                                    { Decl *d = named(ctx, D_LET, join(@1, @6), $2, @2, $3, @3);
                                      d->type = $4; d->value = $6; }
    | LET IDENT opt_desc opt_type '=' error
                                    { Decl *d = named(ctx, D_LET, @1, $2, @2, $3, @3);
                                      d->type = $4; d->value = error_expr(ctx, @6); skipped(ctx, @6); }
    | LET IDENT opt_desc error      { Decl *d = named(ctx, D_LET, @1, $2, @2, $3, @3);
                                      d->value = error_expr(ctx, @4); skipped(ctx, @4); }
    | SCORE IDENT opt_desc '{' criteria '}'
                                    { Decl *d = named(ctx, D_SCORE, join(@1, @6), $2, @2, $3, @3);
                                      d->items = $5; d->broken = take_broken(ctx); }
    | SCORE IDENT opt_desc error    { Decl *d = named(ctx, D_SCORE, @1, $2, @2, $3, @3);
                                      skipped(ctx, @4); d->broken = take_broken(ctx); }
    | SELECT IDENT opt_desc WHEN expr
                                    { Decl *d = named(ctx, D_SELECT, join(@1, @5), $2, @2, $3, @3);
                                      d->value = $5; }
    | SELECT IDENT opt_desc WHEN error
                                    { Decl *d = named(ctx, D_SELECT, @1, $2, @2, $3, @3);
                                      d->value = error_expr(ctx, @5); skipped(ctx, @5); }
    | SELECT IDENT opt_desc error   { Decl *d = named(ctx, D_SELECT, @1, $2, @2, $3, @3);
                                      d->value = error_expr(ctx, @4); skipped(ctx, @4); }
    | TIER IDENT opt_desc '{' branches '}'
                                    { Decl *d = named(ctx, D_TIER, join(@1, @6), $2, @2, $3, @3);
                                      d->items = $5; d->broken = take_broken(ctx); }
    | TIER IDENT opt_desc error     { Decl *d = named(ctx, D_TIER, @1, $2, @2, $3, @3);
                                      skipped(ctx, @4); d->broken = take_broken(ctx); }
    | STAGES IDENT opt_desc '{' stage_items '}'
                                    { Decl *d = named(ctx, D_STAGES, join(@1, @6), $2, @2, $3, @3);
                                      /* stage_items collected order/final/transitions
                                         into a scratch Decl: see stage_items */
                                      Decl *s = $5.len ? $5.items[0] : NULL;
                                      ctx->comma_word = NULL;
                                      if (s) { d->order = s->order; d->finals = s->finals;
                                               d->items = s->items; d->has_order = s->has_order;
                                               d->order_span = s->order_span; }
                                      d->broken = take_broken(ctx); }
    | STAGES IDENT opt_desc error    { Decl *d = named(ctx, D_STAGES, @1, $2, @2, $3, @3);
                                      ctx->comma_word = NULL;
                                      skipped(ctx, @4);
                                      d->broken = take_broken(ctx); d->has_order = true; }
    | ENTITLE IDENT opt_desc WHEN expr opt_with
                                    { Decl *d = named(ctx, D_ENTITLE, join(@1, @5), $2, @2, $3, @3);
                                      d->value = $5; d->attrs = $6; }
    | ENTITLE IDENT opt_desc WHEN error
                                    { Decl *d = named(ctx, D_ENTITLE, @1, $2, @2, $3, @3);
                                      d->value = error_expr(ctx, @5); skipped(ctx, @5); }
    | ENTITLE IDENT opt_desc error  { Decl *d = named(ctx, D_ENTITLE, @1, $2, @2, $3, @3);
                                      d->value = error_expr(ctx, @4); skipped(ctx, @4); }
    | FLAG IDENT opt_desc WHEN expr { Decl *d = named(ctx, D_FLAG, join(@1, @5), $2, @2, $3, @3);
                                      d->str = $3; d->str_span = @3; d->value = $5; }
    | FLAG IDENT opt_desc WHEN error
                                    { Decl *d = named(ctx, D_FLAG, @1, $2, @2, $3, @3);
                                      d->str = $3; d->str_span = @3; d->value = error_expr(ctx, @5); skipped(ctx, @5); }
    | FLAG IDENT opt_desc error     { Decl *d = named(ctx, D_FLAG, @1, $2, @2, $3, @3);
                                      d->str = $3; d->str_span = @3; d->value = error_expr(ctx, @4); skipped(ctx, @4); }
    | PORTFOLIO FLAG IDENT opt_desc WHEN expr
                                    { Decl *d = named(ctx, D_PORTFOLIO, join(@1, @6), $3, @3, $4, @4);
                                      d->str = $4; d->str_span = @4; d->value = $6; }
    | PORTFOLIO FLAG IDENT opt_desc WHEN error
                                    { Decl *d = named(ctx, D_PORTFOLIO, @1, $3, @3, $4, @4);
                                      d->str = $4; d->str_span = @4; d->value = error_expr(ctx, @6); skipped(ctx, @6); }
    | PORTFOLIO FLAG IDENT opt_desc error
                                    { Decl *d = named(ctx, D_PORTFOLIO, @1, $3, @3, $4, @4);
                                      d->str = $4; d->str_span = @4; d->value = error_expr(ctx, @5); skipped(ctx, @5); }
    | LIMIT IDENT TO expr BY expr   { Decl *d = decl(ctx, D_LIMIT, join(@1, @6));
                                      d->name = mkid($2, @2); d->value = $4; d->by = $6; }
    | LIMIT IDENT TO expr PER group BY expr
                                    { Decl *d = decl(ctx, D_LIMIT, join(@1, @8));
                                      d->name = mkid($2, @2); d->value = $4; d->by = $8;
                                      d->per = $6; }
    | TEST STRING opt_as_of '{' test_items '}'
                                    { Decl *d = decl(ctx, D_TEST, join(@1, @6));
                                      d->str = $2; d->str_span = @2; d->as_of = $3;
                                      /* test_items: a scratch Decl, as for stages */
                                      Decl *s = $5.len ? $5.items[0] : NULL;
                                      if (s) { d->items = s->items; d->attrs = s->attrs;
                                               d->accounts = s->accounts; d->expect_on = s->expect_on;
                                               if (s->as_of) {
                                                   if (d->as_of)
                                                       diag_add(ctx->diags, DIAG_ERROR, s->as_of->span,
                                                                "duplicate-definition",
                                                                "this test already has `as of`");
                                                   else d->as_of = s->as_of;
                                               } } }
    ;

opt_type
    : %empty                        { $$ = NULL; }
    | ':' type                      { $$ = $2; }
    ;

type
    : IDENT                         { $$ = arena_alloc(A, sizeof *$$);
                                      $$->name = mkid($1, @1); $$->span = @1; }
    | IDENT '?'                     { $$ = arena_alloc(A, sizeof *$$);
                                      $$->name = mkid($1, @1); $$->optional = true;
                                      $$->span = join(@1, @2); }
    | ENUM '{' ident_list '}'       { $$ = arena_alloc(A, sizeof *$$);
                                      $$->members = $3; $$->span = join(@1, @4); }
    | ENUM '{' ident_list '}' '?'   { $$ = arena_alloc(A, sizeof *$$);
                                      $$->members = $3; $$->optional = true;
                                      $$->span = join(@1, @5); }
    | ENUM IDENT '{' ident_list '}' { $$ = ordered_enum(ctx, $2, @2, $4, join(@1, @5), false); }
    | ENUM IDENT '{' ident_list '}' '?'
                                    { $$ = ordered_enum(ctx, $2, @2, $4, join(@1, @6), true); }
    ;

ident_list
    : IDENT                         { memset(&$$, 0, sizeof $$);
                                      ptrvec_push(A, &$$, ast_ident(A, $1, @1)); }
    | ident_list ',' IDENT          { $$ = $1; ptrvec_push(A, &$$, ast_ident(A, $3, @3)); }
    ;

fields
    : %empty                        { memset(&$$, 0, sizeof $$); }
    | fields IDENT ':' type         { $$ = $1;
                                      Field *f = arena_alloc(A, sizeof *f);
                                      f->name = mkid($2, @2); f->type = $4;
                                      ptrvec_push(A, &$$, f); }
    | fields IDENT ':' type KEY     { $$ = $1;
                                      Field *f = arena_alloc(A, sizeof *f);
                                      f->name = mkid($2, @2); f->type = $4; f->key = true;
                                      ptrvec_push(A, &$$, f); }
    | fields ','                    { $$ = $1; }
    | fields error                  { $$ = $1; skipped(ctx, @2); }
    ;

criteria
    : %empty                        { memset(&$$, 0, sizeof $$); }
    | criteria criterion            { $$ = $1; ptrvec_push(A, &$$, $2); }
    | criteria error                { $$ = $1; skipped(ctx, @2); }
    ;

/* A weight is a number or a name (a param or const), or a graded weight:
   an expression in parentheses, worked out for the account when the
   condition holds. A negative weight starts its line, so that it cannot be
   read as a subtraction; a graded weight's `(` cannot be read as a call's,
   because a call's `(` follows its name on the same line (CALL_LPAREN). */
criterion
    : weight WHEN expr opt_label      { $$ = arena_alloc(A, sizeof *$$);
                                      $$->weight = $1; $$->cond = $3; $$->label = $4; $$->label_span = @4;
                                      $$->weight_span = @1; $$->span = join(@1, @3); }
    | '(' expr ')' WHEN expr opt_label
                                    { $$ = arena_alloc(A, sizeof *$$);
                                      $$->weight = $2; $$->graded = true; $$->weight_span = join(@1, @3);
                                      $$->cond = $5; $$->label = $6; $$->label_span = @6;
                                      $$->span = join(@1, @5); }
    | MINUS_BOL '(' expr ')' WHEN expr opt_label
                                    { $$ = arena_alloc(A, sizeof *$$);
                                      $$->weight = ast_unary(A, OPX_NEG, $3, join(@1, @4));
                                      $$->graded = true; $$->weight_span = join(@1, @4);
                                      $$->cond = $6; $$->label = $7; $$->label_span = @7;
                                      $$->span = join(@1, @6); }
    ;

weight
    : NUMBER                        { $$ = ast_expr(A, EX_NUMBER, @1); $$->num = $1; }
    | IDENT                         { $$ = ast_expr(A, EX_NAME, @1); $$->str = $1; }
    | MINUS_BOL NUMBER              { $$ = ast_expr(A, EX_NUMBER, @$); $$->num = -$2; }
    | MINUS_BOL IDENT               { Expr *x = ast_expr(A, EX_NAME, @2); x->str = $2;
                                      $$ = ast_unary(A, OPX_NEG, x, @$); }
    ;

opt_label
    : %empty                        { $$ = NULL; }
    | AS STRING                     { $$ = $2; @$ = @2; }
    ;

branches
    : %empty                        { memset(&$$, 0, sizeof $$); }
    | branches branch               { $$ = $1; ptrvec_push(A, &$$, $2); }
    | branches error                { $$ = $1; skipped(ctx, @2); }
    ;

branch
    : IDENT WHEN expr opt_label     { $$ = arena_alloc(A, sizeof *$$);
                                      $$->name = mkid($1, @1); $$->cond = $3;
                                      $$->label = $4; $$->label_span = @4;
                                      $$->span = join(@1, @3); }
    | IDENT OTHERWISE opt_label     { $$ = arena_alloc(A, sizeof *$$);
                                      $$->name = mkid($1, @1); $$->span = join(@1, @2);
                                      $$->label = $3; $$->label_span = @3; }
    ;

/* One scratch Decl (items[0]) gathers `order`, `final` and transitions. */
stage_items
    : %empty                        { memset(&$$, 0, sizeof $$);
                                      ptrvec_push(A, &$$, ast_decl(A, D_STAGES, @$)); }
    | stage_items IDENT ident_list  { $$ = $1; Decl *s = $$.items[0];
                                      stage_list_end(ctx, $2, &$3, @3, yychar, &yylloc);
                                      if (strcmp($2, "order") == 0) {
                                          if (s->has_order)
                                              diag_add(ctx->diags, DIAG_ERROR, @2, "duplicate-definition",
                                                       "a stages block has one `order` line");
                                          for (int i = 0; i < $3.len; i++)
                                              ptrvec_push(A, &s->order, $3.items[i]);
                                          s->has_order = true; s->order_span = @2;
                                      } else if (strcmp($2, "final") == 0) {
                                          for (int i = 0; i < $3.len; i++)
                                              ptrvec_push(A, &s->finals, $3.items[i]);
                                      } else if (!ctx->block_broken) {
                                          diag_add(ctx->diags, DIAG_ERROR, @2, "syntax",
                                                   "expected `order`, `final`, `winback` or a "
                                                   "transition `from -> to when ...`, found '%s'", $2);
                                      } }
    | stage_items transition        { $$ = $1; ptrvec_push(A, &((Decl *)$$.items[0])->items, $2);
                                      ctx->comma_word = NULL; }
    | stage_items IDENT transition  { $$ = $1; ptrvec_push(A, &((Decl *)$$.items[0])->items, $3);
                                      if (strcmp($2, "winback") == 0) {
                                          $3->winback = true;
                                          $3->winback_span = @2;
                                          $3->span = join(@2, $3->span);
                                      } else if (!ctx->block_broken) {
                                          diag_add(ctx->diags, DIAG_ERROR, @2, "syntax",
                                                   "expected a transition `from -> to when ...` "
                                                   "or `winback from -> to when ...`, found '%s'", $2);
                                      } }
    | stage_items error             { $$ = $1; skipped(ctx, @2); }
    ;

/* `from -> to`, or several sources: `mid_kam, partnership -> uncoupling`. */
transition
    : ident_list ARROW IDENT WHEN expr opt_label
                                    { $$ = arena_alloc(A, sizeof *$$);
                                      Ident *f0 = $1.items[0];
                                      $$->from = *f0; $$->froms = $1; $$->to = mkid($3, @3);
                                      $$->from_any = false;
                                      for (int i = 0; i < $1.len; i++)
                                          if (strcmp(((Ident *)$1.items[i])->name, "any") == 0)
                                              $$->from_any = true;
                                      $$->label = $6; $$->label_span = @6;
                                      $$->cond = $5; $$->span = join(@1, @5); }
    ;

opt_with
    : %empty                        { memset(&$$, 0, sizeof $$); }
    | WITH '{' attrs '}'            { $$ = $3; }
    ;

attrs
    : %empty                        { memset(&$$, 0, sizeof $$); }
    | attrs attr                    { $$ = $1; ptrvec_push(A, &$$, $2); }
    | attrs ','                     { $$ = $1; }
    | attrs error                   { $$ = $1; skipped(ctx, @2); }
    ;

attr
    : IDENT ':' expr opt_label      { $$ = arena_alloc(A, sizeof *$$);
                                      $$->name = mkid($1, @1); $$->value = $3;
                                      $$->label = $4; $$->label_span = @4; }
    ;

/* A description after a defined name: `select key_account "Key account" when`. */
opt_desc
    : %empty                        { $$ = NULL; }
    | STRING                        { $$ = $1; }
    ;

opt_as_of
    : %empty                        { $$ = NULL; }
    | AS OF DATE                    { $$ = ast_expr(A, EX_DATE, @3); $$->date = $3; }
    ;

/* One scratch Decl (items[0]) gathers expects (items), givens (attrs) and
   an `as of` written inside the block. */
test_items
    : %empty                        { memset(&$$, 0, sizeof $$);
                                      ptrvec_push(A, &$$, ast_decl(A, D_TEST, @$)); }
    | test_items GIVEN '{' attrs '}'
                                    { $$ = $1; Decl *s = $$.items[0];
                                      for (int i = 0; i < $4.len; i++) {
                                          Attr *g = $4.items[i];
                                          if (g->label)
                                              diag_add(ctx->diags, DIAG_ERROR, g->label_span, "syntax",
                                                       "a `given` value has no `as` label (labels "
                                                       "name entitlement terms)");
                                          ptrvec_push(A, &s->attrs, g);
                                      } }
    | test_items EXPECT expr        { $$ = $1; Decl *s = $$.items[0];
                                      ptrvec_push(A, &s->items, $3);
                                      ptrvec_push(A, &s->expect_on, NULL); }
    | test_items EXPECT STRING ':' expr
                                    { $$ = $1; Decl *s = $$.items[0];
                                      ptrvec_push(A, &s->items, $5);
                                      ptrvec_push(A, &s->expect_on, ast_ident(A, $3, @3)); }
    | test_items IDENT STRING '{' attrs '}'
                                    { $$ = $1; Decl *s = $$.items[0];
                                      if (strcmp($2, "account") != 0) {
                                          diag_add(ctx->diags, DIAG_ERROR, @2, "syntax",
                                                   "expected `given`, `expect`, `as of` or `account "
                                                   "\"KEY\" { ... }` in a test, found '%s'", $2);
                                      } else {
                                          TestAccount *ac = arena_alloc(A, sizeof *ac);
                                          memset(ac, 0, sizeof *ac);
                                          ac->key = $3; ac->key_span = @3; ac->attrs = $5;
                                          ac->span = join(@2, @6);
                                          for (int i = 0; i < $5.len; i++) {
                                              Attr *g = $5.items[i];
                                              if (g->label)
                                                  diag_add(ctx->diags, DIAG_ERROR, g->label_span, "syntax",
                                                           "an account's value has no `as` label (labels "
                                                           "name entitlement terms)");
                                          }
                                          ptrvec_push(A, &s->accounts, ac);
                                      } }
    | test_items AS OF DATE         { $$ = $1; Decl *s = $$.items[0];
                                      Expr *e = ast_expr(A, EX_DATE, @4); e->date = $4;
                                      if (s->as_of)
                                          diag_add(ctx->diags, DIAG_ERROR, @2, "duplicate-definition",
                                                   "this test already has `as of`");
                                      else s->as_of = e; }
    | test_items error              { $$ = $1; skipped(ctx, @2); }
    ;

expr
    : or_expr
    | if_expr
    ;

if_expr
    : IF expr THEN expr ELSE expr   { $$ = ast_expr(A, EX_IF, @$);
                                      $$->a = $2; $$->b = $4; $$->c = $6; }
    ;

or_expr
    : and_expr
    | or_expr OR and_expr           { $$ = ast_binary(A, OPX_OR, $1, $3, @$); }
    ;

and_expr
    : not_expr
    | and_expr AND not_expr         { $$ = ast_binary(A, OPX_AND, $1, $3, @$); }
    ;

not_expr
    : cmp_expr
    | NOT not_expr                  { $$ = ast_unary(A, OPX_NOT, $2, @$); }
    ;

cmp_expr
    : coal_expr
    | coal_expr cmp_op coal_expr    { $$ = ast_binary(A, (AstOp)$2, $1, $3, @$); }
    | coal_expr IN '[' expr_list ']'
                                    { $$ = ast_expr(A, EX_IN, @$); $$->a = $1; $$->args = $4; }
    | coal_expr NOT IN '[' expr_list ']'
                                    { $$ = ast_expr(A, EX_IN, @$); $$->a = $1; $$->args = $5;
                                      $$->negated = true; }
    | coal_expr BETWEEN coal_expr AND coal_expr
                                    { $$ = ast_expr(A, EX_BETWEEN, @$);
                                      $$->a = $1; $$->b = $3; $$->c = $5; }
    | coal_expr NOT BETWEEN coal_expr AND coal_expr
                                    { $$ = ast_expr(A, EX_BETWEEN, @$);
                                      $$->a = $1; $$->b = $4; $$->c = $6; $$->negated = true; }
    | coal_expr IS MISSING          { $$ = ast_expr(A, EX_MISSING, @$); $$->a = $1; }
    | coal_expr IS NOT MISSING      { $$ = ast_expr(A, EX_MISSING, @$); $$->a = $1;
                                      $$->negated = true; }
    ;

cmp_op
    : EQ    { $$ = OPX_EQ; }
    | NE    { $$ = OPX_NE; }
    | LT    { $$ = OPX_LT; }
    | LE    { $$ = OPX_LE; }
    | GT    { $$ = OPX_GT; }
    | GE    { $$ = OPX_GE; }
    ;

coal_expr
    : add_expr
    | add_expr QQ coal_expr         { $$ = ast_binary(A, OPX_COALESCE, $1, $3, @$); }
    ;

add_expr
    : mul_expr
    | add_expr '+' mul_expr         { $$ = ast_binary(A, OPX_ADD, $1, $3, @$); }
    | add_expr '-' mul_expr         { $$ = ast_binary(A, OPX_SUB, $1, $3, @$); }
    ;

mul_expr
    : unary_expr
    | mul_expr '*' unary_expr       { $$ = ast_binary(A, OPX_MUL, $1, $3, @$); }
    | mul_expr '/' unary_expr       { $$ = ast_binary(A, OPX_DIV, $1, $3, @$); }
    ;

unary_expr
    : primary
    | '-' unary_expr                { $$ = ast_unary(A, OPX_NEG, $2, @$); }
    | MINUS_BOL unary_expr          { $$ = ast_unary(A, OPX_NEG, $2, @$); }
    ;

primary
    : NUMBER                        { $$ = ast_expr(A, EX_NUMBER, @1); $$->num = $1; }
    | PERCENT                       { $$ = ast_expr(A, EX_PERCENT, @1); $$->num = $1; }
    | STRING                        { $$ = ast_expr(A, EX_STRING, @1); $$->str = $1; }
    | DATE                          { $$ = ast_expr(A, EX_DATE, @1); $$->date = $1; }
    | TRUE                          { $$ = ast_expr(A, EX_BOOL, @1); $$->num = 1; }
    | FALSE                         { $$ = ast_expr(A, EX_BOOL, @1); $$->num = 0; }
    | IDENT                         { $$ = ast_expr(A, EX_NAME, @1); $$->str = $1; }
    | IDENT CALL_LPAREN args ')'    { $$ = ast_expr(A, EX_CALL, @$); $$->str = $1;
                                      $$->name_span = @1; $$->args = $3; }
    | IDENT CALL_LPAREN args WHERE expr ')' { $$ = ast_expr(A, EX_CALL, @$); $$->str = $1;
                                      $$->name_span = @1; $$->args = $3; $$->where = $5; }
    | IDENT CALL_LPAREN args PER group ')'  { $$ = ast_expr(A, EX_CALL, @$); $$->str = $1;
                                      $$->name_span = @1; $$->args = $3; $$->per = $5; }
    | IDENT CALL_LPAREN args WHERE expr PER group ')'
                                    { $$ = ast_expr(A, EX_CALL, @$); $$->str = $1;
                                      $$->name_span = @1; $$->args = $3; $$->where = $5;
                                      $$->per = $7; }
    | '(' expr ')'                  { $$ = $2; }
    ;

/* the field after `per`: a name */
group
    : IDENT                         { $$ = ast_expr(A, EX_NAME, @1); $$->str = $1; }
    ;

args
    : %empty                        { memset(&$$, 0, sizeof $$); }
    | expr_list
    ;

expr_list
    : expr                          { memset(&$$, 0, sizeof $$); ptrvec_push(A, &$$, $1); }
    | expr_list ',' expr            { $$ = $1; ptrvec_push(A, &$$, $3); }
    ;

%%

/* "unexpected X; expected A, B or C", naming the text of X where useful. */
static int yyreport_syntax_error(const yypcontext_t *yyctx, yyscan_t scanner, ParseCtx *ctx)
{
    (void)scanner;
    if (ctx->comma_word) {          /* `order a, b c`: the comma is what is missing */
        const SrcFile *cf = ctx->src->files[ctx->comma_at.file];
        diag_add(ctx->diags, DIAG_ERROR, ctx->comma_at, "syntax", "expected `,` between '%s' and "
                 "'%.*s' in the `%s` line", ctx->comma_prev, (int)(ctx->comma_at.end - ctx->comma_at.start),
                 cf->text + ctx->comma_at.start, ctx->comma_word);
        ctx->comma_word = NULL;
        return 0;
    }
    enum { MAXEXP = 6 };
    yysymbol_kind_t expected[MAXEXP];
    int n = yypcontext_expected_tokens(yyctx, expected, MAXEXP);
    yysymbol_kind_t tok = yypcontext_token(yyctx);
    Span loc = *yypcontext_location(yyctx);
    char found[160];
    const SrcFile *f = ctx->src->files[ctx->file];
    unsigned len = loc.end - loc.start;
    if (tok == YYSYMBOL_YYEOF)
        snprintf(found, sizeof found, "end of file");
    else if (tok == YYSYMBOL_INVALID) {
        const unsigned char *b = (const unsigned char *)f->text + loc.start;
        bool utf8 = b[0] < 0x80 ? b[0] >= 0x20 && b[0] < 0x7f : len >= 2;
        for (unsigned k = 1; k < len; k++)
            if ((b[k] & 0xC0) != 0x80) utf8 = false;
        if (utf8)
            snprintf(found, sizeof found, "character '%.*s'", (int)(len > 8 ? 8 : len),
                     f->text + loc.start);
        else
            snprintf(found, sizeof found, "byte 0x%02X (not a character kam reads here)", b[0]);
    }
    else if (tok == YYSYMBOL_MINUS_BOL)
        snprintf(found, sizeof found, "`-` at the start of a line");
    else if (tok == YYSYMBOL_IDENT || tok == YYSYMBOL_NUMBER || tok == YYSYMBOL_PERCENT)
        snprintf(found, sizeof found, "%s '%.*s'", yysymbol_name(tok),
                 (int)(len > 40 ? 40 : len), f->text + loc.start);
    else
        snprintf(found, sizeof found, "%s", yysymbol_name(tok));
    char want[400] = "";
    if (n > 0 && n < MAXEXP) {
        size_t used = 0;
        for (int i = 0; i < n; i++) {
            const char *sep = i == 0 ? "; expected " : i == n - 1 ? " or " : ", ";
            used += (size_t)snprintf(want + used, sizeof want - used, "%s%s", sep,
                                     yysymbol_name(expected[i]));
            if (used >= sizeof want) break;
        }
    }
    /* a keyword where a name belongs: say so */
    bool want_name = false;
    for (int i = 0; i < n; i++)
        if (expected[i] == YYSYMBOL_IDENT) want_name = true;
    const char *tn = yysymbol_name(tok);
    if ((want_name || n == 0) && tn[0] == '`' && len > 0 &&
        ((f->text[loc.start] >= 'a' && f->text[loc.start] <= 'z'))) {
        diag_add(ctx->diags, DIAG_ERROR, loc, "syntax", "unexpected %s%s (`%.*s` is a reserved "
                 "word; a name cannot be `%.*s`)", found, want, (int)len, f->text + loc.start,
                 (int)len, f->text + loc.start);
        return 0;
    }
    if (tok == YYSYMBOL_MINUS_BOL) {
        diag_add(ctx->diags, DIAG_ERROR, loc, "syntax", "unexpected %s%s (a line that starts "
                 "with `-` begins a new item; to continue an expression, end the line before "
                 "with the operator)", found, want);
        return 0;
    }
    diag_add(ctx->diags, DIAG_ERROR, loc, "syntax", "unexpected %s%s", found, want);
    return 0;
}

static void kam_yyerror(KAM_YYLTYPE *loc, yyscan_t scanner, ParseCtx *ctx, const char *msg)
{
    (void)scanner;
    /* Only "memory exhausted" reaches here (syntax errors are reported above):
       the parser's stack is bounded, which bounds expression nesting. */
    (void)msg;
    diag_add(ctx->diags, DIAG_ERROR, *loc, "too-deep",
             "expression or block nested too deeply (more than %d levels); split it into lets",
             YYMAXDEPTH / 2);
}
