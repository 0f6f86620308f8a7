/* fmt.c — the formatter behind `kam fmt` (the layout is docs/fmt.md).
 *
 * It works on tokens, not on the AST, so that every comment survives: it
 * scans the text itself (names, numbers, dates, strings, operators, `#`
 * comments, and how many line breaks come before each), finds the
 * definitions by their keywords and the items of each block by their shape
 * (`WEIGHT when`, `NAME when`, `FROM -> TO`, `NAME:` ...), and writes them
 * out again as lines: one definition or item per line, blocks indented by
 * two spaces, columns aligned within a block, single spaces between tokens.
 * Line breaks inside an item are kept where they were (and re-indented),
 * so expressions are never re-wrapped and a `-` that starts a line (a
 * negative weight) still does.
 *
 * What it does not do: check the policy (the caller formats only text that
 * checks clean, so the token stream has a known shape), or print anything.
 * As a last step it reads the input and the output with the real scanner
 * (lexer.l) and refuses to answer if the two token streams differ: whatever
 * a bug here might do to the layout, it cannot change what a policy means. */
#include "fmt.h"
#include "parse.h"
#include "parser.h"
#include "../base/arena.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- tokens ------------------------------------------------------------ */

typedef enum { TK_WORD, TK_NUM, TK_DATE, TK_STR, TK_OP, TK_COMMENT } TokKind;

typedef struct Tok {
    TokKind kind;
    unsigned start, end;    /* its bytes in the text (a comment's without trailing spaces) */
    int nl;                 /* line breaks between the previous token or comment and this */
} Tok;

/* One output line: indent, code, then the aligned tail and comment. */
typedef struct Line {
    int indent;
    char *text;             /* the code after the indent (or a full-line comment) */
    size_t len, cap;
    int width;              /* display width of indent and text */
    int tail;               /* a score label: the `as` token, or -1; printed in a column */
    int comment;            /* the trailing comment token, or -1 */
    int group;              /* tails and comments align within a group */
    bool blank;             /* an empty line comes before this one */
    bool top;               /* outside any block body */
} Line;

enum { SYNTH_COMMA = -2 };  /* Fmt.last after a comma the formatter added */

typedef struct Fmt {
    const char *src;
    Tok *t;
    int n, cap;
    int *match;             /* a bracket's partner (code token index), else -1 */
    Line *lines;
    int nlines, linecap;
    int cur;                /* the line being written, -1 before the first */
    int last;               /* the last code token on it; -1 none; SYNTH_COMMA */
    bool nospace;           /* padding was added: the next token follows it directly */
    int pos;                /* the next code token to be written or skipped */
    int *pend;              /* full-line comments waiting for the next line */
    int npend, pendcap;
    int group, ngroups;     /* the current alignment group, and how many there are */
    int depth;              /* block nesting: 0 at the top level */
    bool body_start;        /* the next line is the first of a block body */
    int *open;              /* the current item's open brackets: the line each opened on */
    int nopen, opencap;
    bool broken;            /* a token was written out of order (a bug): give up */
} Fmt;

/* Every reserved word, and the ones that begin a definition (keywords.def;
 * `order`, `final` and `any` are names outside a stages block; `output` and
 * `display` begin one only where top_def() says). */
#define KW_ALL_KW_DEFINE(w) #w,
#define KW_ALL_KW_RESERVED(w) #w,
#define KW_ALL_KW_KEY(w) #w,
#define KW_ALL_KW_STAGES(w)
#define KW_ALL_KW_ENUM(w)
#define KW_ALL_KW_TOP(w)
#define KW_ALL_KW_PER(w)
static const char *const keywords[] = {
#define KEYWORD(w, tok, cls) KW_ALL_##cls(w)
#include "keywords.def"
#undef KEYWORD
};

#define KW_DEF_KW_DEFINE(w) #w,
#define KW_DEF_KW_RESERVED(w)
#define KW_DEF_KW_KEY(w)
#define KW_DEF_KW_STAGES(w)
#define KW_DEF_KW_ENUM(w)
#define KW_DEF_KW_TOP(w)
#define KW_DEF_KW_PER(w)
static const char *const def_keywords[] = {
#define KEYWORD(w, tok, cls) KW_DEF_##cls(w)
#include "keywords.def"
#undef KEYWORD
};

static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
static bool is_alnum(char c) { return is_alpha(c) || is_digit(c); }

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (err && errlen) vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* Display width of bytes: UTF-8 continuation bytes take no column. */
static int text_width(const char *s, size_t n)
{
    int w = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80) w++;
    return w;
}

static void push_tok(Fmt *f, TokKind k, unsigned start, unsigned end, int nl)
{
    if (f->n == f->cap) {
        f->cap = f->cap ? f->cap * 2 : 256;
        f->t = xrealloc(f->t, sizeof(Tok) * (size_t)f->cap);
    }
    f->t[f->n].kind = k;
    f->t[f->n].start = start;
    f->t[f->n].end = end;
    f->t[f->n].nl = nl;
    f->n++;
}

/* Splits the text into tokens the way lexer.l does (longest match, dates
 * before numbers, a number glued to letters is one bad literal). */
static bool scan(Fmt *f, const char *s, size_t len, char *err, size_t errlen)
{
    size_t i = 0;
    int nl = 0, line = 1;
    while (i < len) {
        char c = s[i];
        if (c == '\n') {
            nl++;
            line++;
            i++;
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
            i++;
            continue;
        }
        size_t st = i;
        TokKind k;
        if (c == '#') {
            while (i < len && s[i] != '\n') i++;
            size_t e = i;
            while (e > st && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r' ||
                              s[e - 1] == '\f' || s[e - 1] == '\v'))
                e--;
            push_tok(f, TK_COMMENT, (unsigned)st, (unsigned)e, nl);
            nl = 0;
            continue;
        } else if (c == '"') {
            i++;
            while (i < len && s[i] != '"' && s[i] != '\n') {
                if (s[i] == '\\' && i + 1 < len && s[i + 1] != '\n') i++;
                i++;
            }
            if (i >= len || s[i] != '"') {
                set_err(err, errlen, "line %d: unterminated string", line);
                return false;
            }
            i++;
            k = TK_STR;
        } else if (is_digit(c)) {
            if (i + 10 <= len && is_digit(s[i + 1]) && is_digit(s[i + 2]) && is_digit(s[i + 3]) &&
                s[i + 4] == '-' && is_digit(s[i + 5]) && is_digit(s[i + 6]) && s[i + 7] == '-' &&
                is_digit(s[i + 8]) && is_digit(s[i + 9])) {
                i += 10;
                k = TK_DATE;
            } else {
                size_t j = i + 1;
                while (j < len && (is_digit(s[j]) || s[j] == '_')) j++;
                if (j + 1 < len && s[j] == '.' && (is_digit(s[j + 1]) || s[j + 1] == '_')) {
                    j += 2;
                    while (j < len && (is_digit(s[j]) || s[j] == '_')) j++;
                }
                if (j < len && (s[j] == 'e' || s[j] == 'E')) {
                    size_t x = j + 1;
                    if (x < len && (s[x] == '+' || s[x] == '-')) x++;
                    if (x < len && is_digit(s[x])) {
                        while (x < len && is_digit(s[x])) x++;
                        j = x;
                    }
                }
                size_t a = j;   /* a number with its suffixes */
                if (a < len && (s[a] == 'k' || s[a] == 'M' || s[a] == 'B')) a++;
                if (a < len && s[a] == '%') a++;
                size_t b = j;   /* a number glued to a name: one bad literal */
                if (b < len && is_alpha(s[b])) {
                    b++;
                    while (b < len && (is_alnum(s[b]) || s[b] == '%')) b++;
                }
                i = b > a ? b : a;
                k = TK_NUM;
            }
        } else if (is_alpha(c)) {
            while (i < len && is_alnum(s[i])) i++;
            k = TK_WORD;
        } else {
            static const char *const two[] = {"->", "==", "!=", "<=", ">=", "??"};
            k = TK_OP;
            bool found = false;
            for (size_t t = 0; t < sizeof two / sizeof two[0] && !found; t++)
                if (i + 1 < len && s[i] == two[t][0] && s[i + 1] == two[t][1]) {
                    i += 2;
                    found = true;
                }
            if (!found) {
                if (!strchr("-+*/()[]{},:=?<>", c) || c == '\0') {
                    set_err(err, errlen, "line %d: unexpected character", line);
                    return false;
                }
                i++;
            }
        }
        push_tok(f, k, (unsigned)st, (unsigned)i, nl);
        nl = 0;
    }
    return true;
}

/* ---- looking at tokens ------------------------------------------------- */

static bool is(const Fmt *f, int i, const char *s)
{
    if (i < 0 || i >= f->n || f->t[i].kind == TK_COMMENT) return false;
    size_t n = strlen(s);
    return f->t[i].end - f->t[i].start == n && memcmp(f->src + f->t[i].start, s, n) == 0;
}

static bool in_list(const Fmt *f, int i, const char *const *list, size_t n)
{
    if (i < 0 || i >= f->n || f->t[i].kind != TK_WORD) return false;
    for (size_t k = 0; k < n; k++)
        if (is(f, i, list[k])) return true;
    return false;
}

static bool is_keyword(const Fmt *f, int i)
{
    return in_list(f, i, keywords, sizeof keywords / sizeof keywords[0]);
}

static bool is_def_keyword(const Fmt *f, int i)
{
    return in_list(f, i, def_keywords, sizeof def_keywords / sizeof def_keywords[0]);
}

/* A name (a word that is not a keyword). */
static bool is_name(const Fmt *f, int i)
{
    return i >= 0 && i < f->n && f->t[i].kind == TK_WORD && !is_keyword(f, i);
}

/* The next (previous) code token: comments are skipped. */
static int nextc(const Fmt *f, int i)
{
    i++;
    while (i < f->n && f->t[i].kind == TK_COMMENT) i++;
    return i;
}

static int prevc(const Fmt *f, int i)
{
    i--;
    while (i >= 0 && f->t[i].kind == TK_COMMENT) i--;
    return i;
}

/* Whether the text between code token i and the one before it holds a line
 * break (a comment always ends in one), a comment, a blank line. */
static bool gap_break(const Fmt *f, int i)
{
    for (int j = prevc(f, i) + 1; j <= i && j < f->n; j++)
        if (f->t[j].nl > 0) return true;
    return false;
}

static bool gap_comment(const Fmt *f, int i)
{
    return prevc(f, i) + 1 < i;
}

static bool gap_blank(const Fmt *f, int i)
{
    return i < f->n && f->t[i].nl >= 2;
}

static bool is_opener(const Fmt *f, int i) { return is(f, i, "(") || is(f, i, "[") || is(f, i, "{"); }
static bool is_closer(const Fmt *f, int i) { return is(f, i, ")") || is(f, i, "]") || is(f, i, "}"); }

/* Whether token i can end an operand: after it a `-` subtracts, and a name
 * starts a new item. */
static bool operand_end(const Fmt *f, int i)
{
    if (i < 0) return false;
    switch (f->t[i].kind) {
    case TK_NUM: case TK_DATE: case TK_STR: return true;
    case TK_OP: return is(f, i, ")") || is(f, i, "]");
    case TK_WORD: return !is_keyword(f, i) || is(f, i, "true") || is(f, i, "false") ||
                         is(f, i, "missing") || is(f, i, "key");
    default: return false;
    }
}

/* Whether one space goes between code tokens p and i on one line. */
static bool space_between(const Fmt *f, int p, int i)
{
    if (p == SYNTH_COMMA) return true;
    if (p < 0) return false;
    if (is(f, p, "(") || is(f, p, "[")) return false;
    if (is(f, i, ")") || is(f, i, "]") || is(f, i, ",") || is(f, i, ":") || is(f, i, "?"))
        return false;
    if (is(f, i, "(") && is_name(f, p)) return false;           /* a call */
    if (is(f, p, "-") && !operand_end(f, prevc(f, p))) return false;   /* unary minus */
    if (is(f, p, "{") && is(f, i, "}")) return false;
    return true;
}

static int tok_width(const Fmt *f, int i)
{
    return text_width(f->src + f->t[i].start, f->t[i].end - f->t[i].start);
}

/* The width of code tokens [a, b) laid out on one line, or -1 if the source
 * breaks the line (or has a comment) between them. */
static int span_width(const Fmt *f, int a, int b)
{
    int w = 0, p = -1;
    for (int i = a; i < b; i = nextc(f, i)) {
        if (f->t[i].kind == TK_COMMENT) continue;
        if (p >= 0 && (gap_break(f, i) || gap_comment(f, i))) return -1;
        w += (space_between(f, p, i) ? 1 : 0) + tok_width(f, i);
        p = i;
    }
    return w;
}

/* ---- output lines ------------------------------------------------------ */

static Line *cur_line(Fmt *f) { return &f->lines[f->cur]; }

static void line_append(Fmt *f, const char *s, size_t n)
{
    Line *l = cur_line(f);
    if (l->len + n + 1 > l->cap) {
        l->cap = (l->len + n + 1) * 2;
        l->text = xrealloc(l->text, l->cap);
    }
    memcpy(l->text + l->len, s, n);
    l->len += n;
    l->text[l->len] = '\0';
    l->width += text_width(s, n);
}

static void line_add(Fmt *f, int indent, bool blank)
{
    if (f->nlines == f->linecap) {
        f->linecap = f->linecap ? f->linecap * 2 : 128;
        f->lines = xrealloc(f->lines, sizeof(Line) * (size_t)f->linecap);
    }
    if (f->nlines == 0 || f->body_start) blank = false;
    f->body_start = false;
    if (blank && f->depth == 0) f->group = ++f->ngroups;   /* paragraphs align apart */
    Line *l = &f->lines[f->nlines];
    memset(l, 0, sizeof *l);
    l->indent = indent;
    l->width = indent;
    l->tail = -1;
    l->comment = -1;
    l->group = f->group;
    l->blank = blank;
    l->top = f->depth == 0;
    f->cur = f->nlines++;
    f->last = -1;
    f->nospace = false;
}

/* Writes the full-line comments met so far, each on its own line. */
static void flush_comments(Fmt *f, int indent)
{
    for (int k = 0; k < f->npend; k++) {
        int c = f->pend[k];
        line_add(f, indent, f->t[c].nl >= 2);
        line_append(f, f->src + f->t[c].start, f->t[c].end - f->t[c].start);
    }
    f->npend = 0;
}

/* Starts a line at `indent`; comments waiting go before it at cindent. */
static void new_line(Fmt *f, int indent, int cindent, bool blank)
{
    flush_comments(f, cindent);
    line_add(f, indent, blank);
}

/* After code token i is written (or skipped): the comments that follow it.
 * One on the same line stays there; the others wait for the next line. */
static void after(Fmt *f, int i)
{
    f->pos = nextc(f, i);
    for (int j = i + 1; j < f->n && f->t[j].kind == TK_COMMENT; j++) {
        if (f->t[j].nl == 0 && f->cur >= 0 && cur_line(f)->comment < 0 && f->npend == 0) {
            cur_line(f)->comment = j;
        } else {
            if (f->npend == f->pendcap) {
                f->pendcap = f->pendcap ? f->pendcap * 2 : 16;
                f->pend = xrealloc(f->pend, sizeof(int) * (size_t)f->pendcap);
            }
            f->pend[f->npend++] = j;
        }
    }
}

/* Writes code token i on the current line, with the space that goes before it. */
static void put(Fmt *f, int i)
{
    if (i != f->pos || f->cur < 0) {
        f->broken = true;
        return;
    }
    if (!f->nospace && f->last != -1 && space_between(f, f->last, i)) line_append(f, " ", 1);
    line_append(f, f->src + f->t[i].start, f->t[i].end - f->t[i].start);
    f->last = i;
    f->nospace = false;
    after(f, i);
}

/* Leaves code token i out (a separator comma); its comments stay. */
static void skip(Fmt *f, int i)
{
    if (i != f->pos) {
        f->broken = true;
        return;
    }
    after(f, i);
}

/* A comma the layout needs and the source did not have. */
static void put_comma(Fmt *f)
{
    line_append(f, ",", 1);
    f->last = SYNTH_COMMA;
    f->nospace = false;
}

/* Pads the current line so that the next token starts at column col. */
static void pad_to(Fmt *f, int col)
{
    Line *l = cur_line(f);
    if (l->width >= col) {
        f->nospace = false;
        return;
    }
    while (cur_line(f)->width < col) line_append(f, " ", 1);
    f->nospace = true;
}

/* Pads to col for token `next`, unless the source breaks the line before it. */
static void align(Fmt *f, int col, int next)
{
    if (next < f->n && !gap_break(f, next)) pad_to(f, col);
}

/* ---- items: tokens with the line breaks they had ------------------------ */

static void item_begin(Fmt *f)
{
    f->nopen = 0;
}

/* How deep a continuation line sits: one step per line that left a bracket open. */
static int open_levels(const Fmt *f, int upto)
{
    int k = 0;
    for (int j = 0; j < upto; j++)
        if (j == 0 || f->open[j] != f->open[j - 1]) k++;
    return k;
}

enum { KEEP = 0, JOIN = 1, SEPS = 2 };

/* Writes code tokens [a, b). The first goes on the current line; each later
 * one too, unless the source had a line break before it: then a new line
 * at cont plus two columns per open bracket (KEEP). JOIN breaks only where a
 * comment forces it. SEPS leaves out commas outside brackets (separators). */
static void flow(Fmt *f, int a, int b, int cont, int mode)
{
    for (int i = a; i < b && i < f->n; i = nextc(f, i)) {
        if (f->t[i].kind == TK_COMMENT) continue;
        if ((mode & SEPS) && f->nopen == 0 && is(f, i, ",")) {
            skip(f, i);
            continue;
        }
        bool closer = is_closer(f, i);
        if (f->last != -1 && ((mode & JOIN) ? gap_comment(f, i) : gap_break(f, i))) {
            int k = open_levels(f, closer && f->nopen > 0 ? f->nopen - 1 : f->nopen);
            new_line(f, cont + 2 * k, cont + 2 * k, gap_blank(f, i));
        }
        put(f, i);
        if (is_opener(f, i)) {
            if (f->nopen == f->opencap) {
                f->opencap = f->opencap ? f->opencap * 2 : 32;
                f->open = xrealloc(f->open, sizeof(int) * (size_t)f->opencap);
            }
            f->open[f->nopen++] = f->cur;
        } else if (closer && f->nopen > 0) {
            f->nopen--;
        }
    }
}

/* ---- blocks ------------------------------------------------------------ */

static void body_open(Fmt *f)
{
    f->depth++;
    if (f->depth == 1) f->group = ++f->ngroups;
    f->body_start = true;
}

/* Writes a body's closing `}` on its own line at `indent`. */
static void body_close(Fmt *f, int rb, int indent)
{
    new_line(f, indent, indent + 2, false);
    item_begin(f);
    put(f, rb);
    f->depth--;
    if (f->depth == 0) f->group = ++f->ngroups;
}

/* Writes a block's `{` on the current line (a comment before it may force a new one). */
static void put_brace(Fmt *f, int lb)
{
    if (gap_comment(f, lb)) {
        int ind = cur_line(f)->indent;
        new_line(f, ind, ind, false);
    }
    put(f, lb);
}

/* Collects the items of a block body (lb, rb): the code tokens, at bracket
 * depth 0, for which starts() holds. Returns how many (indices in *out). */
typedef bool (*StartFn)(const Fmt *f, int i, int lb);

static int collect(const Fmt *f, int lb, int rb, StartFn starts, int **out)
{
    int n = 0, cap = 8, depth = 0;
    int *v = xmalloc(sizeof(int) * (size_t)cap);
    for (int i = nextc(f, lb); i < rb; i = nextc(f, i)) {
        if (depth == 0 && starts(f, i, lb)) {
            if (n == cap) v = xrealloc(v, sizeof(int) * (size_t)(cap *= 2));
            v[n++] = i;
        }
        if (is_opener(f, i)) depth++;
        else if (is_closer(f, i) && depth > 0) depth--;
    }
    *out = v;
    return n;
}

/* Skips what comes before a body's first item (only separator commas). */
static void skip_to(Fmt *f, int from, int to)
{
    for (int i = from; i < to; i = nextc(f, i))
        if (f->t[i].kind != TK_COMMENT) skip(f, i);
}

static bool field_start(const Fmt *f, int i, int lb)
{
    (void)lb;
    return f->t[i].kind == TK_WORD && is(f, nextc(f, i), ":");
}

/* `given { ... }` and `with { ... }`: on one line if they were, with commas
 * between the attributes; otherwise one attribute a line, no commas. */
static void attr_block(Fmt *f, int lb)
{
    int rb = f->match[lb];
    put_brace(f, lb);
    if (rb < 0) return;
    bool one_line = true;
    for (int i = nextc(f, lb); i <= rb; i = nextc(f, i))
        if (gap_break(f, i)) one_line = false;
    int *st;
    int n = collect(f, lb, rb, field_start, &st);
    skip_to(f, nextc(f, lb), n ? st[0] : rb);
    if (one_line) {
        for (int k = 0; k < n; k++) {
            if (k) put_comma(f);
            flow(f, st[k], k + 1 < n ? st[k + 1] : rb, 0, KEEP | SEPS);
        }
        put(f, rb);
    } else {
        int base = cur_line(f)->indent;
        body_open(f);
        for (int k = 0; k < n; k++) {
            new_line(f, base + 2, base + 2, gap_blank(f, st[k]));
            item_begin(f);
            int colon = nextc(f, st[k]);
            flow(f, st[k], nextc(f, colon), base + 2, KEEP);
            flow(f, nextc(f, colon), k + 1 < n ? st[k + 1] : rb, cur_line(f)->width + 1,
                 KEEP | SEPS);
        }
        body_close(f, rb, base);
    }
    free(st);
}

static void record_body(Fmt *f, int lb, int rb)
{
    int *st;
    int n = collect(f, lb, rb, field_start, &st);
    int w = 0;
    for (int k = 0; k < n; k++) {
        int colon = nextc(f, st[k]);
        int cw = span_width(f, st[k], nextc(f, colon));
        if (cw > w && !gap_break(f, nextc(f, colon))) w = cw;
    }
    skip_to(f, nextc(f, lb), n ? st[0] : rb);
    for (int k = 0; k < n; k++) {
        int colon = nextc(f, st[k]), type = nextc(f, colon);
        new_line(f, 2, 2, gap_blank(f, st[k]));
        item_begin(f);
        flow(f, st[k], type, 2 + w + 1, KEEP);
        align(f, 2 + w + 1, type);
        flow(f, type, k + 1 < n ? st[k + 1] : rb, 2 + w + 1, KEEP | SEPS);
    }
    free(st);
}

/* The token after a criterion's weight at i: a number or name, or a graded
 * weight `( ... )` (the parentheses matched). */
static int after_weight(const Fmt *f, int i)
{
    if (is(f, i, "(") && f->match[i] > i) return nextc(f, f->match[i]);
    return nextc(f, i);
}

/* A criterion starts at its weight (with the `-` before it) before `when`. */
static bool criterion_start(const Fmt *f, int i, int lb)
{
    if (!is(f, after_weight(f, i), "when")) {
        int w = nextc(f, i);
        return is(f, i, "-") && w < f->n && is(f, after_weight(f, w), "when") && gap_break(f, i);
    }
    int p = prevc(f, i);
    return !(is(f, p, "-") && p > lb && gap_break(f, p));
}

/* Writes an item's tokens [a, e) whose last two may be a label `as "..."`:
 * the label goes to the block's tail column when the source has it on the
 * same line as what comes before it. */
static void flow_labelled(Fmt *f, int a, int e, int cont)
{
    int str = prevc(f, e), as = prevc(f, str);
    bool label = as > a && is(f, as, "as") && f->t[str].kind == TK_STR;
    flow(f, a, label ? as : e, cont, KEEP);
    if (label && !gap_break(f, as) && !gap_break(f, str)) {
        cur_line(f)->tail = as;
        skip(f, as);
        skip(f, str);
    } else if (label) {
        flow(f, as, e, cont, KEEP);
    }
}

/* A criterion's `when` in the when column: on the weight's line, or (where
 * the source broke the line before it) first on the next. */
static void when_at(Fmt *f, int wcol, int when)
{
    if (when < f->n && gap_break(f, when) && !gap_comment(f, when)) {
        new_line(f, wcol, wcol, gap_blank(f, when));
        f->last = -1;
        return;
    }
    align(f, wcol, when);
}

static void score_body(Fmt *f, int lb, int rb)
{
    int *st;
    int n = collect(f, lb, rb, criterion_start, &st);
    /* plain weights right-aligned in a column of width w; graded weights
       `( ... )` from the margin; every `when` in one column after the
       widest (a graded weight over 40 columns or over lines gets one space) */
    int w = 0, wg = 0;
    for (int k = 0; k < n; k++) {
        int wt = is(f, st[k], "-") ? nextc(f, st[k]) : st[k];
        if (!is(f, wt, "(")) {
            if (tok_width(f, wt) > w) w = tok_width(f, wt);
            continue;
        }
        int gw = span_width(f, wt, nextc(f, f->match[wt]));
        if (gw > wg && gw <= 40) wg = gw;
    }
    int wcol = 2 + (wg > w ? wg : w) + 1;   /* the `when` column */
    int cont = wcol + 5;        /* where the conditions start */
    skip_to(f, nextc(f, lb), n ? st[0] : rb);
    for (int k = 0; k < n; k++) {
        int s = st[k], e = k + 1 < n ? st[k + 1] : rb;
        bool neg = is(f, s, "-");
        int wt = neg ? nextc(f, s) : s;
        /* a negative weight's `-` goes in the margin, first on its line */
        new_line(f, neg ? 0 : 2, 2, gap_blank(f, s));
        item_begin(f);
        if (neg) put(f, s);
        if (is(f, wt, "(")) {
            /* a graded weight: from the margin, its `when` in the column if
               it fits, else one space after it */
            int close = f->match[wt], when = nextc(f, close);
            if (neg && !gap_break(f, wt)) pad_to(f, 2);
            flow(f, wt, when, 4, KEEP);
            when_at(f, wcol, when);
            flow_labelled(f, when, e, cont);
            continue;
        }
        if (!neg || !gap_break(f, wt)) pad_to(f, 2 + w - tok_width(f, wt));
        int when = nextc(f, wt);
        flow(f, wt, when, cont, KEEP);
        when_at(f, wcol, when);
        flow_labelled(f, when, e, cont);   /* with its label `as "..."`, if any */
    }
    free(st);
}

static bool branch_start(const Fmt *f, int i, int lb)
{
    (void)lb;
    return f->t[i].kind == TK_WORD && (is(f, nextc(f, i), "when") || is(f, nextc(f, i), "otherwise"));
}

static void tier_body(Fmt *f, int lb, int rb)
{
    int *st;
    int n = collect(f, lb, rb, branch_start, &st);
    int w = 0;
    for (int k = 0; k < n; k++)
        if (tok_width(f, st[k]) > w) w = tok_width(f, st[k]);
    skip_to(f, nextc(f, lb), n ? st[0] : rb);
    for (int k = 0; k < n; k++) {
        int s = st[k], kw = nextc(f, s);
        new_line(f, 2, 2, gap_blank(f, s));
        item_begin(f);
        flow(f, s, kw, 2 + w + 1, KEEP);
        align(f, 2 + w + 1, kw);
        flow_labelled(f, kw, k + 1 < n ? st[k + 1] : rb, 2 + w + 1 + 5);
    }
    free(st);
}

/* A stages item: `order ...`/`final ...` or `FROM -> TO when ...`. After a
 * name, number, `)` or `]`, a name can only start the next item. */
static bool stage_item_start(const Fmt *f, int i, int lb)
{
    if (!is_name(f, i)) return false;
    int p = prevc(f, i);
    if (p == lb) return true;
    if (is(f, p, ",") || is(f, p, "->")) return false;
    if (is(f, p, "order") || is(f, p, "final") || is(f, p, "winback"))  /* `order a, ...` lists a */
        return !stage_item_start(f, p, lb);
    return operand_end(f, p);
}

/* A transition's `->` (after its sources, and `winback`), or -1 for an
 * `order`/`final` line. */
static int stage_arrow(const Fmt *f, int s, int e)
{
    for (int i = s; i < e; i = nextc(f, i)) {
        if (is(f, i, "->")) return i;
        if (!is_name(f, i) && !is(f, i, ",")) return -1;
    }
    return -1;
}

static void stages_body(Fmt *f, int lb, int rb)
{
    int *st;
    int n = collect(f, lb, rb, stage_item_start, &st);
    /* the sources (`winback` included) and the targets align in columns;
       sources written over several lines do not set the column */
    int wf = 0, wt = 0;
    for (int k = 0; k < n; k++) {
        int arrow = stage_arrow(f, st[k], k + 1 < n ? st[k + 1] : rb);
        if (arrow < 0) continue;
        int to = nextc(f, arrow), w = span_width(f, st[k], arrow);
        if (w > wf) wf = w;
        if (tok_width(f, to) > wt) wt = tok_width(f, to);
    }
    int arrow_col = 2 + wf + 1, when_col = arrow_col + 3 + wt + 1;
    skip_to(f, nextc(f, lb), n ? st[0] : rb);
    for (int k = 0; k < n; k++) {
        int s = st[k], e = k + 1 < n ? st[k + 1] : rb;
        int arrow = stage_arrow(f, s, e);
        new_line(f, 2, 2, gap_blank(f, s));
        item_begin(f);
        if (arrow >= 0) {
            int to = nextc(f, arrow), when = nextc(f, to);
            flow(f, s, arrow, arrow_col, KEEP);
            align(f, arrow_col, arrow);
            flow(f, arrow, when, when_col, KEEP);
            align(f, when_col, when);
            flow_labelled(f, when, e, when_col + 5);
        } else {
            flow(f, s, e, 2 + tok_width(f, s) + 1, KEEP);
        }
    }
    free(st);
}

static bool test_item_start(const Fmt *f, int i, int lb)
{
    (void)lb;
    return is(f, i, "given") || is(f, i, "expect") || is(f, i, "as") ||
           (is(f, i, "account") && nextc(f, i) < f->n && f->t[nextc(f, i)].kind == TK_STR &&
            is(f, nextc(f, nextc(f, i)), "{"));
}

static void test_body(Fmt *f, int lb, int rb)
{
    int *st;
    int n = collect(f, lb, rb, test_item_start, &st);
    skip_to(f, nextc(f, lb), n ? st[0] : rb);
    for (int k = 0; k < n; k++) {
        int s = st[k], e = k + 1 < n ? st[k + 1] : rb;
        new_line(f, 2, 2, gap_blank(f, s));
        item_begin(f);
        int b = nextc(f, s);
        if (is(f, s, "given") && is(f, b, "{") && f->match[b] >= 0) {
            put(f, s);
            attr_block(f, b);
            flow(f, nextc(f, f->match[b]), e, 4, KEEP);
        } else if (is(f, s, "account") && is(f, nextc(f, b), "{") && f->match[nextc(f, b)] >= 0) {
            int ob = nextc(f, b);
            put(f, s);
            put(f, b);
            attr_block(f, ob);
            flow(f, nextc(f, f->match[ob]), e, 4, KEEP);
        } else {
            flow(f, s, e, 2 + tok_width(f, s) + 1, KEEP);
        }
    }
    free(st);
}

/* ---- definitions ------------------------------------------------------- */

/* One top-level definition: code tokens [start, end). Definitions of one
 * kind on consecutive lines align their `=` (param, const, let) or `when`
 * (select, entitle): `cell` is the width before it, `at` the token. */
typedef struct Def {
    int start, end;
    int cls;                /* 0: none; 1 param/const; 2 select; 3 entitle; 4 let */
    int at;                 /* the `=` or `when` to align, or -1 */
    int cell;               /* the width before it, -1 if not on one line */
    int col;                /* the column it goes to in its run, or -1 */
} Def;

static void block_def(Fmt *f, const Def *d, int lb)
{
    int rb = f->match[lb];
    flow(f, d->start, lb, 2, JOIN);
    put_brace(f, lb);
    if (nextc(f, lb) == rb && !gap_comment(f, rb)) {
        put(f, rb);     /* an empty body: {} */
        return;
    }
    body_open(f);
    if (is(f, d->start, "record")) record_body(f, lb, rb);
    else if (is(f, d->start, "score")) score_body(f, lb, rb);
    else if (is(f, d->start, "tier")) tier_body(f, lb, rb);
    else if (is(f, d->start, "stages")) stages_body(f, lb, rb);
    else test_body(f, lb, rb);
    if (f->pos < rb) {  /* anything not placed (cannot happen in a policy that checks) */
        new_line(f, 2, 2, gap_blank(f, f->pos));
        item_begin(f);
        flow(f, f->pos, rb, 4, KEEP);
    }
    body_close(f, rb, 0);
}

/* Writes one clause of a definition, tokens [a, b): the head (`let x`,
 * `flag x "..."`) or one that begins with `=`, `when`, `to` or `by`. Its
 * continuation lines are indented two columns, four if the clause itself
 * begins a line (so that they sit inside it). */
static void clause(Fmt *f, const Def *d, int a, int b)
{
    if (a == d->start) {
        flow(f, a, b, 2, KEEP);
        if (d->col >= 0 && b == d->at) align(f, d->col, b);
        return;
    }
    int line = f->cur;
    flow(f, a, nextc(f, a), 2, KEEP);
    flow(f, nextc(f, a), b, f->cur != line ? 4 : 2, KEEP);
}

static void plain_def(Fmt *f, const Def *d)
{
    /* an entitlement's `with { ... }` ends it */
    int with = -1, depth = 0;
    for (int i = d->start; i < d->end; i = nextc(f, i)) {
        if (depth == 0 && is(f, i, "with") && is(f, nextc(f, i), "{")) with = i;
        if (is_opener(f, i)) depth++;
        else if (is_closer(f, i) && depth > 0) depth--;
    }
    int stop = with >= 0 ? with : d->end, seg = d->start;
    depth = 0;
    for (int i = d->start;; i = nextc(f, i)) {
        bool end = i >= stop;
        if (end || (i != seg && depth == 0 &&
                    (i == d->at || is(f, i, "when") || is(f, i, "to") || is(f, i, "by")))) {
            clause(f, d, seg, end ? stop : i);
            if (end) break;
            seg = i;
        }
        if (is_opener(f, i)) depth++;
        else if (is_closer(f, i) && depth > 0) depth--;
    }
    if (with < 0) return;
    flow(f, with, nextc(f, with), 2, KEEP);
    int lb = nextc(f, with);
    attr_block(f, lb);
    if (f->match[lb] >= 0) flow(f, nextc(f, f->match[lb]), d->end, 2, KEEP);
}

/* `output` or `display` beginning a definition, as lexer.l decides: first
 * on its line, outside brackets (nest), and before a name on the same line. */
static bool top_def(const Fmt *f, int i, int nest)
{
    int nx = nextc(f, i);
    if (nest == 0 && is(f, i, "portfolio"))      /* `portfolio flag NAME` */
        return (prevc(f, i) < 0 || gap_break(f, i)) && nx < f->n && is(f, nx, "flag") &&
               !gap_break(f, nx);
    if (nest > 0 || !(is(f, i, "output") || is(f, i, "display"))) return false;
    return (prevc(f, i) < 0 || gap_break(f, i)) && nx < f->n && f->t[nx].kind == TK_WORD &&
           (!is_keyword(f, nx) || is(f, nx, "key")) && !gap_break(f, nx);
}

/* Finds the definitions and their alignment runs. */
static int find_defs(Fmt *f, Def **out)
{
    int n = 0, cap = 16, depth = 0, nest = 0;
    Def *v = xmalloc(sizeof(Def) * (size_t)cap);
    for (int i = nextc(f, -1); i < f->n; i = nextc(f, i)) {
        bool after_portfolio = is(f, i, "flag") && prevc(f, i) >= 0 && top_def(f, prevc(f, i), nest);
        if (n == 0 || (depth == 0 && is_def_keyword(f, i) && !after_portfolio) || top_def(f, i, nest)) {
            if (n == cap) v = xrealloc(v, sizeof(Def) * (size_t)(cap *= 2));
            if (n) v[n - 1].end = i;
            memset(&v[n], 0, sizeof v[n]);
            v[n].start = i;
            v[n].at = v[n].cell = v[n].col = -1;
            n++;
        }
        if (is(f, i, "{")) depth++;
        else if (is(f, i, "}") && depth > 0) depth--;
        if (is_opener(f, i)) nest++;
        else if (is_closer(f, i) && nest > 0) nest--;
    }
    if (n) v[n - 1].end = f->n;
    for (int k = 0; k < n; k++) {
        Def *d = &v[k];
        int name = nextc(f, d->start);
        if (is(f, d->start, "param") || is(f, d->start, "const") || is(f, d->start, "let")) {
            d->cls = is(f, d->start, "let") ? 4 : 1;
            for (int i = name; i < d->end; i = nextc(f, i))
                if (is(f, i, "=")) {
                    d->at = i;
                    break;
                }
        } else if (is(f, d->start, "select") || is(f, d->start, "entitle")) {
            d->cls = is(f, d->start, "select") ? 2 : 3;
            if (is(f, nextc(f, name), "when")) d->at = nextc(f, name);
        }
        /* only a definition whose value starts on its first line takes part,
           and one with a description does not */
        if (d->at >= 0 && !(nextc(f, name) < f->n && f->t[nextc(f, name)].kind == TK_STR) && !gap_break(f, d->at) && nextc(f, d->at) < d->end &&
            !gap_break(f, nextc(f, d->at)))
            d->cell = span_width(f, d->start, d->at);
    }
    /* runs: the same kind, no blank line between */
    for (int k = 0; k < n;) {
        int j = k + 1;
        if (v[k].cls && v[k].cell >= 0) {
            while (j < n && v[j].cls == v[k].cls && v[j].cell >= 0) {
                bool blank = false;
                for (int i = prevc(f, v[j].start) + 1; i <= v[j].start; i++)
                    if (f->t[i].nl >= 2) blank = true;
                if (blank) break;
                j++;
            }
            int w = 0;
            for (int i = k; i < j; i++)
                if (v[i].cell > w) w = v[i].cell;
            for (int i = k; i < j; i++) v[i].col = w + 1;
        }
        k = j;
    }
    *out = v;
    return n;
}

/* Pairs up brackets (on valid input they nest). */
static void match_brackets(Fmt *f)
{
    f->match = xmalloc(sizeof(int) * (size_t)(f->n + 1));
    int *stack = xmalloc(sizeof(int) * (size_t)(f->n + 1));
    int sp = 0;
    for (int i = 0; i < f->n; i++) {
        f->match[i] = -1;
        if (is_opener(f, i)) {
            stack[sp++] = i;
        } else if (is_closer(f, i) && sp > 0) {
            int o = stack[--sp];
            f->match[o] = i;
            f->match[i] = o;
        }
    }
    free(stack);
}

static void format_defs(Fmt *f)
{
    Def *defs;
    int n = find_defs(f, &defs);
    for (int k = 0; k < n; k++) {
        const Def *d = &defs[k];
        new_line(f, 0, 0, gap_blank(f, d->start));
        item_begin(f);
        int lb = -1;
        if (is(f, d->start, "record") || is(f, d->start, "score") || is(f, d->start, "tier") ||
            is(f, d->start, "stages") || is(f, d->start, "test"))
            for (int i = d->start; i < d->end && lb < 0; i = nextc(f, i))
                if (is(f, i, "{")) lb = i;
        if (lb >= 0 && f->match[lb] >= 0) {
            block_def(f, d, lb);
            flow(f, nextc(f, f->match[lb]), d->end, 2, KEEP);
        } else {
            plain_def(f, d);
        }
    }
    free(defs);
}

/* ---- printing ---------------------------------------------------------- */

typedef struct Buf {
    char *s;
    size_t len, cap;
} Buf;

static void buf_add(Buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->s = xrealloc(b->s, b->cap);
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void buf_spaces(Buf *b, int n)
{
    for (int i = 0; i < n; i++) buf_add(b, " ", 1);
}

static int tail_width(const Fmt *f, const Line *l)
{
    return 3 + tok_width(f, nextc(f, l->tail));   /* as "label" */
}

/* Whether line i is code with a trailing comment. */
static bool commented(const Fmt *f, int i)
{
    return f->lines[i].comment >= 0 && f->lines[i].len > 0;
}

/* Prints the lines. Tails (score labels) align per block, two columns after
 * the widest line that has one; trailing comments likewise after the code
 * and tail, per block, and at the top level per run of consecutive lines
 * that all have one. */
static char *render(const Fmt *f, size_t *outlen)
{
    int *tailcol = xcalloc((size_t)f->ngroups + 1, sizeof(int));
    int *groupcol = xcalloc((size_t)f->ngroups + 1, sizeof(int));
    int *comcol = xcalloc((size_t)f->nlines + 1, sizeof(int));
    int *codew = xcalloc((size_t)f->nlines + 1, sizeof(int));
    for (int i = 0; i < f->nlines; i++) {
        const Line *l = &f->lines[i];
        if (l->tail >= 0 && l->width + 2 > tailcol[l->group]) tailcol[l->group] = l->width + 2;
    }
    for (int i = 0; i < f->nlines; i++) {
        const Line *l = &f->lines[i];
        codew[i] = l->tail >= 0 ? tailcol[l->group] + tail_width(f, l) : l->width;
        if (commented(f, i) && !l->top && codew[i] + 2 > groupcol[l->group])
            groupcol[l->group] = codew[i] + 2;
    }
    for (int i = 0; i < f->nlines;) {
        if (!commented(f, i) || !f->lines[i].top) {
            comcol[i] = groupcol[f->lines[i].group];
            i++;
            continue;
        }
        int j = i, w = 0;
        while (j < f->nlines && commented(f, j) && f->lines[j].top && (j == i || !f->lines[j].blank)) {
            if (codew[j] + 2 > w) w = codew[j] + 2;
            j++;
        }
        for (; i < j; i++) comcol[i] = w;
    }
    Buf b = {0};
    buf_add(&b, "", 0);
    for (int i = 0; i < f->nlines; i++) {
        const Line *l = &f->lines[i];
        if (l->len == 0 && l->comment < 0) continue;
        if (l->blank && b.len > 0) buf_add(&b, "\n", 1);
        int w = 0;
        if (l->len) {
            buf_spaces(&b, l->indent);
            buf_add(&b, l->text, l->len);
            w = l->width;
        }
        if (l->tail >= 0) {
            buf_spaces(&b, tailcol[l->group] - w);
            const Tok *s = &f->t[nextc(f, l->tail)];
            buf_add(&b, "as ", 3);
            buf_add(&b, f->src + s->start, s->end - s->start);
            w = tailcol[l->group] + tail_width(f, l);
        }
        if (l->comment >= 0) {
            const Tok *c = &f->t[l->comment];
            if (l->len) buf_spaces(&b, comcol[i] - w);
            else buf_spaces(&b, l->indent);
            buf_add(&b, f->src + c->start, c->end - c->start);
        }
        while (b.len > 0 && b.s[b.len - 1] == ' ') b.len--;
        buf_add(&b, "\n", 1);
    }
    free(tailcol);
    free(groupcol);
    free(comcol);
    free(codew);
    *outlen = b.len;
    return b.s;
}

/* ---- the safety net: the real scanner must read the same tokens -------- */

/* lexer.l's generated entry points (declared here, as parser.y does, so
 * that this file needs only parser.h from the build). */
struct yy_buffer_state;
int kam_yylex_init_extra(ParseCtx *extra, void **scanner);
struct yy_buffer_state *kam_yy_scan_bytes(const char *bytes, int len, void *scanner);
int kam_yylex(KAM_YYSTYPE *lval, KAM_YYLTYPE *loc, void *scanner);
void kam_yy_delete_buffer(struct yy_buffer_state *b, void *scanner);
int kam_yylex_destroy(void *scanner);

typedef struct LexTok {
    int kind;
    unsigned start, end;
} LexTok;

/* The scanner's tokens for text, without the commas that only separate
 * record fields or `given`/`with` attributes (the layout may add or drop
 * those). NULL if the scanner cannot start. */
static LexTok *real_tokens(const char *text, size_t len, int *count, const char **base)
{
    Arena arena;
    arena_init(&arena);
    SrcSet src;
    src_init(&src);
    int file = src_add(&src, "<fmt>", text, len);
    DiagList diags;
    diag_init(&diags);
    Program prog;
    memset(&prog, 0, sizeof prog);
    prog.arena = &arena;
    ParseCtx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.arena = &arena;
    ctx.diags = &diags;
    ctx.src = &src;
    ctx.file = file;
    ctx.prog = &prog;
    ctx.at_bol = true;
    LexTok *v = NULL;
    int n = 0, cap = 0;
    void *scanner;
    if (kam_yylex_init_extra(&ctx, &scanner) == 0) {
        const SrcFile *sf = src.files[file];
        struct yy_buffer_state *buf = kam_yy_scan_bytes(sf->text, (int)sf->len, scanner);
        bool sep[4096];    /* per open bracket: a `{` whose commas only separate */
        int depth = 0, prev = 0, prev2 = 0;
        for (;;) {
            KAM_YYSTYPE lval;
            Span loc;
            int tok = kam_yylex(&lval, &loc, scanner);
            if (tok == 0) break;
            bool drop = false;
            if (tok == '{' || tok == '(' || tok == '[') {
                bool s = tok == '{' && (prev == WITH || prev == GIVEN ||
                                        (prev == IDENT && prev2 == RECORD));
                if (depth < (int)(sizeof sep / sizeof sep[0])) sep[depth] = s;
                depth++;
            } else if (tok == '}' || tok == ')' || tok == ']') {
                if (depth > 0) depth--;
            } else if (tok == ',' && depth > 0 && depth <= (int)(sizeof sep / sizeof sep[0])) {
                drop = sep[depth - 1];
            }
            prev2 = prev;
            prev = tok;
            if (drop) continue;
            if (n == cap) v = xrealloc(v, sizeof(LexTok) * (size_t)(cap = cap ? cap * 2 : 256));
            v[n].kind = tok;
            v[n].start = loc.start;
            v[n].end = loc.end;
            n++;
        }
        kam_yy_delete_buffer(buf, scanner);
        kam_yylex_destroy(scanner);
        if (!v) v = xmalloc(sizeof(LexTok));
        /* keep the text: the spans point into it */
        char *copy = xmalloc(sf->len + 1);
        memcpy(copy, sf->text, sf->len + 1);
        *base = copy;
    }
    diag_free(&diags);
    src_free(&src);
    arena_free(&arena);
    *count = n;
    return v;
}

static bool same_tokens(const char *a, size_t alen, const char *b, size_t blen)
{
    int na = 0, nb = 0;
    const char *ta = NULL, *tb = NULL;
    LexTok *x = real_tokens(a, alen, &na, &ta);
    LexTok *y = real_tokens(b, blen, &nb, &tb);
    bool same = x && y && na == nb;
    for (int i = 0; same && i < na; i++) {
        unsigned lx = x[i].end - x[i].start, ly = y[i].end - y[i].start;
        same = x[i].kind == y[i].kind && lx == ly &&
               memcmp(ta + x[i].start, tb + y[i].start, lx) == 0;
    }
    free(x);
    free(y);
    free((char *)ta);
    free((char *)tb);
    return same;
}

/* ---- the entry point --------------------------------------------------- */

char *fmt_policy(const char *text, size_t len, size_t *outlen, char *err, size_t errlen)
{
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        text += 3;
        len -= 3;
    }
    Fmt f;
    memset(&f, 0, sizeof f);
    f.src = text;
    f.cur = -1;
    f.last = -1;
    char *out = NULL;
    if (!scan(&f, text, len, err, errlen)) goto done;
    match_brackets(&f);
    f.pos = nextc(&f, -1);
    /* comments before the first definition */
    for (int j = 0; j < f.n && f.t[j].kind == TK_COMMENT; j++) {
        if (f.npend == f.pendcap) {
            f.pendcap = f.pendcap ? f.pendcap * 2 : 16;
            f.pend = xrealloc(f.pend, sizeof(int) * (size_t)f.pendcap);
        }
        f.pend[f.npend++] = j;
    }
    format_defs(&f);
    flush_comments(&f, 0);
    if (f.broken || f.pos < f.n) {
        set_err(err, errlen, "internal error: the formatter lost its place (please report)");
        goto done;
    }
    out = render(&f, outlen);
    if (!same_tokens(text, len, out, *outlen)) {
        set_err(err, errlen, "internal error: the layout would change the policy's tokens; "
                "file left as it was (please report)");
        free(out);
        out = NULL;
    }
done:
    for (int i = 0; i < f.nlines; i++) free(f.lines[i].text);
    free(f.lines);
    free(f.t);
    free(f.match);
    free(f.pend);
    free(f.open);
    return out;
}
