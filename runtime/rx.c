/* rx.c — the matcher declared in rx.h: a parser from the pattern
 * text to a small tree, a code generator from the tree to a program of
 * CHAR / ANY / CLASS / BOL / EOL / SPLIT / JMP / MATCH instructions, and a
 * simulation that runs the program over the text keeping the set of live
 * instructions (each at most once per position), so the work per character
 * is bounded by the program's size. While no match is under way the search
 * skips bytes that cannot start one (and gives up past the start for a
 * pattern anchored with ^). Bracket expressions become classes: a
 * bit set for ASCII and a list of code point ranges above it. Nothing here
 * knows about policies or values. */
#include "rx.h"
#include "../base/arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { I_CHAR, I_ANY, I_CLASS, I_BOL, I_EOL, I_SPLIT, I_JMP, I_MATCH };

typedef struct Inst {
    int op;
    uint32_t c;         /* I_CHAR: the code point; I_CLASS: the class */
    int x, y;           /* I_JMP: x; I_SPLIT: x, then y */
} Inst;

typedef struct Class {
    uint64_t ascii[2];  /* members below 0x80 */
    uint32_t *ranges;   /* pairs lo, hi (inclusive) of members from 0x80 */
    int nranges;
    bool negate;
} Class;

struct Regex {
    Inst *prog;
    int n;
    Class *cls;
    int ncls;
    bool anchored;          /* every match starts at the start of the text */
    bool first[256];        /* bytes a match can start with (all, if empty
                               matches are possible) */
};

/* ---- characters ---- */

/* The character at s[0..n), n >= 1: its code point and length, or, for a
 * byte that does not begin a well-formed UTF-8 sequence, 0xDC00 + the byte
 * (a lone surrogate, which no pattern character can be) and length 1. */
static uint32_t decode(const unsigned char *s, size_t n, int *len)
{
    unsigned c = s[0];
    *len = 1;
    if (c < 0x80) return c;
    int k = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
    if (k == 0 || (size_t)k > n) return 0xDC00 + c;
    uint32_t cp = c & (0x7F >> k);
    for (int i = 1; i < k; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0xDC00 + c;
        cp = cp << 6 | (s[i] & 0x3F);
    }
    if ((k == 3 && cp < 0x800) || (k == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0xDC00 + c;
    *len = k;
    return cp;
}

static bool class_has(const Class *k, uint32_t c)
{
    bool in = false;
    if (c < 0x80) {
        in = (k->ascii[c >> 6] >> (c & 63)) & 1;
    } else {
        for (int i = 0; i < k->nranges && !in; i++)
            in = c >= k->ranges[2 * i] && c <= k->ranges[2 * i + 1];
    }
    return in != k->negate;
}

static void class_add(Class *k, uint32_t lo, uint32_t hi)
{
    for (uint32_t c = lo; c <= hi && c < 0x80; c++) k->ascii[c >> 6] |= (uint64_t)1 << (c & 63);
    if (hi < 0x80) return;
    if (lo < 0x80) lo = 0x80;
    k->ranges = xrealloc(k->ranges, sizeof(uint32_t) * 2 * (size_t)(k->nranges + 1));
    k->ranges[2 * k->nranges] = lo;
    k->ranges[2 * k->nranges + 1] = hi;
    k->nranges++;
}

/* ---- parsing: pattern text to a tree ---- */

enum { N_EMPTY, N_CHAR, N_ANY, N_CLASS, N_BOL, N_EOL, N_CAT, N_ALT, N_REPEAT };

typedef struct Node {
    int kind;
    uint32_t c;         /* N_CHAR: code point; N_CLASS: class number */
    int min, max;       /* N_REPEAT: counts; max -1 for no limit */
    int child;          /* N_CAT, N_ALT: first child; N_REPEAT: the child */
    int next;           /* the next sibling, or -1 */
} Node;

typedef struct Parser {
    const unsigned char *s;
    size_t len, pos;
    Node *nodes;
    int nn, ncap;
    Class *cls;
    int ncls;
    int depth;
    bool failed;
    char *err;
    size_t errlen;
} Parser;

static void fail(Parser *p, size_t at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail(Parser *p, size_t at, const char *fmt, ...)
{
    if (p->failed) return;
    p->failed = true;
    if (!p->errlen) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->err, p->errlen, fmt, ap);
    va_end(ap);
    size_t chars = 1;   /* the character offset of `at`, from 1 */
    for (size_t i = 0; i < at && i < p->len; i++)
        if ((p->s[i] & 0xC0) != 0x80) chars++;
    size_t used = strlen(p->err);
    if (at != (size_t)-1 && used < p->errlen)
        snprintf(p->err + used, p->errlen - used, " (character %zu of the pattern)", chars);
}

static int node(Parser *p, int kind)
{
    if (p->nn == p->ncap) {
        p->ncap = p->ncap ? p->ncap * 2 : 32;
        p->nodes = xrealloc(p->nodes, sizeof(Node) * (size_t)p->ncap);
    }
    Node *n = &p->nodes[p->nn];
    memset(n, 0, sizeof *n);
    n->kind = kind;
    n->child = n->next = -1;
    return p->nn++;
}

static int new_class(Parser *p)
{
    p->cls = xrealloc(p->cls, sizeof(Class) * (size_t)(p->ncls + 1));
    memset(&p->cls[p->ncls], 0, sizeof(Class));
    return p->ncls++;
}

static bool at_end(const Parser *p)
{
    return p->pos >= p->len;
}

/* The character at p->pos (consumed); a malformed byte is an error. */
static uint32_t take_char(Parser *p)
{
    int len;
    uint32_t c = decode(p->s + p->pos, p->len - p->pos, &len);
    if (c >= 0xDC00 && c <= 0xDCFF && len == 1 && p->s[p->pos] >= 0x80)
        fail(p, p->pos, "a byte that is not UTF-8");
    p->pos += (size_t)len;
    return c;
}

/* The POSIX character classes, as in the C locale. */
static bool named_class(Class *k, const char *name, size_t n)
{
    static const struct { const char *name; const char *ranges; } classes[] = {
        {"alpha", "AZaz"}, {"digit", "09"}, {"alnum", "09AZaz"}, {"upper", "AZ"},
        {"lower", "az"}, {"space", "\t\r  "}, {"blank", "\t\t  "}, {"xdigit", "09AFaf"},
        {"punct", "!/:@[`{~"}, {"print", " ~"}, {"graph", "!~"}, {"cntrl", "\001\037\177\177"},
    };
    for (size_t i = 0; i < sizeof classes / sizeof classes[0]; i++) {
        if (strlen(classes[i].name) != n || memcmp(classes[i].name, name, n) != 0) continue;
        for (const char *r = classes[i].ranges; *r; r += 2)
            class_add(k, (unsigned char)r[0], (unsigned char)r[1]);
        if (strcmp(classes[i].name, "cntrl") == 0) class_add(k, 0, 0);
        return true;
    }
    return false;
}

/* After "[." or "[=": one character, then ".]" or "=]". */
static uint32_t bracket_char(Parser *p, char kind, size_t open)
{
    if (at_end(p)) {
        fail(p, open, "unclosed '[%c'", kind);
        return 0;
    }
    uint32_t c = take_char(p);
    if (p->pos + 1 < p->len && p->s[p->pos] == (unsigned char)kind && p->s[p->pos + 1] == ']') {
        p->pos += 2;
    } else {
        fail(p, open, "'[%c' takes one character; there are no multi-character collating elements", kind);
    }
    return c;
}

/* A bracket expression; p->pos is just past its '['. */
static int parse_bracket(Parser *p, size_t open)
{
    int ci = new_class(p);
    Class k;
    memset(&k, 0, sizeof k);
    if (!at_end(p) && p->s[p->pos] == '^') {
        k.negate = true;
        p->pos++;
    }
    bool first = true;
    for (;;) {
        if (at_end(p)) {
            fail(p, open, "unclosed '['");
            break;
        }
        size_t item = p->pos;
        unsigned char b = p->s[p->pos];
        if (b == ']' && !first) {
            p->pos++;
            break;
        }
        first = false;
        uint32_t lo;
        if (b == '[' && p->pos + 1 < p->len && p->s[p->pos + 1] == ':') {
            p->pos += 2;
            size_t name = p->pos;
            while (p->pos + 1 < p->len && !(p->s[p->pos] == ':' && p->s[p->pos + 1] == ']')) p->pos++;
            if (p->pos + 1 >= p->len) {
                fail(p, item, "unclosed '[:'");
                break;
            }
            if (!named_class(&k, (const char *)p->s + name, p->pos - name)) {
                fail(p, item, "unknown character class '[:%.*s:]'", (int)(p->pos - name), p->s + name);
                break;
            }
            p->pos += 2;
            if (p->pos + 1 < p->len && p->s[p->pos] == '-' && p->s[p->pos + 1] != ']') {
                fail(p, item, "a character class cannot start a range");
                break;
            }
            continue;
        } else if (b == '[' && p->pos + 1 < p->len && (p->s[p->pos + 1] == '.' || p->s[p->pos + 1] == '=')) {
            char kind = (char)p->s[p->pos + 1];
            p->pos += 2;
            lo = bracket_char(p, kind, item);
        } else {
            lo = take_char(p);
        }
        if (p->failed) break;
        uint32_t hi = lo;
        if (p->pos + 1 < p->len && p->s[p->pos] == '-' && p->s[p->pos + 1] != ']') {
            p->pos++;
            size_t end = p->pos;
            if (p->s[p->pos] == '[' && p->pos + 1 < p->len && p->s[p->pos + 1] == ':') {
                fail(p, end, "a character class cannot end a range");
                break;
            }
            if (p->s[p->pos] == '[' && p->pos + 1 < p->len &&
                (p->s[p->pos + 1] == '.' || p->s[p->pos + 1] == '=')) {
                char kind = (char)p->s[p->pos + 1];
                p->pos += 2;
                hi = bracket_char(p, kind, end);
            } else {
                hi = take_char(p);
            }
            if (p->failed) break;
            if (hi < lo) {
                fail(p, item, "a range whose end comes before its start");
                break;
            }
        }
        class_add(&k, lo, hi);
    }
    p->cls[ci] = k;
    int n = node(p, N_CLASS);
    p->nodes[n].c = (uint32_t)ci;
    return n;
}

static int parse_alt(Parser *p);

/* One atom; p->pos is on it. */
static int parse_atom(Parser *p)
{
    size_t at = p->pos;
    unsigned char b = p->s[p->pos];
    switch (b) {
    case '(': {
        if (++p->depth > RX_MAX_NESTING) {
            fail(p, at, "nested more than %d deep", RX_MAX_NESTING);
            return node(p, N_EMPTY);
        }
        p->pos++;
        int inner = parse_alt(p);
        if (at_end(p) || p->s[p->pos] != ')') {
            fail(p, at, "unmatched '('");
        } else {
            p->pos++;
        }
        p->depth--;
        return inner;
    }
    case '.':
        p->pos++;
        return node(p, N_ANY);
    case '^':
        p->pos++;
        return node(p, N_BOL);
    case '$':
        p->pos++;
        return node(p, N_EOL);
    case '[':
        p->pos++;
        return parse_bracket(p, at);
    case '*': case '+': case '?': case '{':
        fail(p, at, "'%c' has nothing before it to repeat", b);
        return node(p, N_EMPTY);
    case '\\': {
        p->pos++;
        if (at_end(p)) {
            fail(p, at, "a '\\' at the end of the pattern");
            return node(p, N_EMPTY);
        }
        unsigned char e = p->s[p->pos];
        if ((e >= '0' && e <= '9') || (e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z')) {
            fail(p, at, "'\\%c' is not supported; a '\\' makes only punctuation literal, and "
                 "classes are written as [0-9] or [[:space:]]", e);
            return node(p, N_EMPTY);
        }
        break;   /* the character after it, literally */
    }
    default:
        break;
    }
    int n = node(p, N_CHAR);
    uint32_t c = take_char(p);
    p->nodes[n].c = c;
    return n;
}

/* Reads a repetition count at p->pos (digits), or -1 if there is none. */
static int count(Parser *p, size_t open)
{
    if (at_end(p) || p->s[p->pos] < '0' || p->s[p->pos] > '9') return -1;
    long v = 0;
    while (!at_end(p) && p->s[p->pos] >= '0' && p->s[p->pos] <= '9') {
        v = v * 10 + (p->s[p->pos++] - '0');
        if (v > RX_MAX_REPEAT) {
            fail(p, open, "a repetition count over %d", RX_MAX_REPEAT);
            return -1;
        }
    }
    return (int)v;
}

/* An atom and the repetitions after it. */
static int parse_piece(Parser *p)
{
    int atom = parse_atom(p);
    int stacked = 0;
    while (!p->failed && !at_end(p)) {
        size_t at = p->pos;
        unsigned char b = p->s[p->pos];
        int min, max;
        if (b == '*') min = 0, max = -1;
        else if (b == '+') min = 1, max = -1;
        else if (b == '?') min = 0, max = 1;
        else if (b == '{') {
            p->pos++;
            min = count(p, at);
            max = min;
            if (!p->failed && !at_end(p) && p->s[p->pos] == ',') {
                p->pos++;
                if (min < 0) min = 0;   /* {,n} is {0,n} */
                max = count(p, at);
            } else if (min < 0 && !p->failed) {
                fail(p, at, "'{' must be followed by a count, as in {2} or {1,3}");
            }
            if (p->failed) break;
            if (at_end(p) || p->s[p->pos] != '}') {
                fail(p, at, "unclosed '{', or not a count inside it");
                break;
            }
            if (max >= 0 && max < min) {
                fail(p, at, "{%d,%d}: the first count is larger than the second", min, max);
                break;
            }
        } else {
            break;
        }
        p->pos++;
        int k = p->nodes[atom].kind;
        if (k == N_BOL || k == N_EOL) {
            fail(p, at, "'%c' has nothing before it to repeat", b);
            break;
        }
        if (++stacked + p->depth > RX_MAX_NESTING) {
            fail(p, at, "nested more than %d deep", RX_MAX_NESTING);
            break;
        }
        int r = node(p, N_REPEAT);
        p->nodes[r].min = min;
        p->nodes[r].max = max;
        p->nodes[r].child = atom;
        atom = r;
    }
    return atom;
}

/* Pieces up to '|', an enclosing ')' or the end. */
static int parse_cat(Parser *p)
{
    int cat = node(p, N_CAT), last = -1;
    while (!p->failed && !at_end(p)) {
        unsigned char b = p->s[p->pos];
        if (b == '|' || (b == ')' && p->depth > 0)) break;
        int piece = parse_piece(p);
        if (last < 0) p->nodes[cat].child = piece;
        else p->nodes[last].next = piece;
        last = piece;
    }
    return cat;
}

static int parse_alt(Parser *p)
{
    int first = parse_cat(p);
    if (p->failed || at_end(p) || p->s[p->pos] != '|') return first;
    int alt = node(p, N_ALT), last = first;
    p->nodes[alt].child = first;
    while (!p->failed && !at_end(p) && p->s[p->pos] == '|') {
        p->pos++;
        int branch = parse_cat(p);
        p->nodes[last].next = branch;
        last = branch;
    }
    return alt;
}

/* ---- code generation: tree to program ---- */

typedef struct Gen {
    const Node *nodes;
    Inst *prog;
    int n;
} Gen;

/* Instructions node n compiles to (more than RX_MAX_PROGRAM: too many). */
static long size_of(const Node *nodes, int n)
{
    const Node *x = &nodes[n];
    long s = 0;
    switch (x->kind) {
    case N_EMPTY: return 0;
    case N_CAT:
        for (int c = x->child; c >= 0; c = nodes[c].next) s += size_of(nodes, c);
        break;
    case N_ALT:
        for (int c = x->child; c >= 0; c = nodes[c].next) s += size_of(nodes, c) + 2;
        s -= 2;
        break;
    case N_REPEAT: {
        long body = size_of(nodes, x->child);
        s = x->min * body + (x->max < 0 ? body + 2 : (long)(x->max - x->min) * (body + 1));
        break;
    }
    default: return 1;
    }
    return s > RX_MAX_PROGRAM ? RX_MAX_PROGRAM + 1 : s;
}

static int emit(Gen *g, int op, uint32_t c, int x, int y)
{
    g->prog[g->n] = (Inst){op, c, x, y};
    return g->n++;
}

static void gen(Gen *g, int n)
{
    const Node *x = &g->nodes[n];
    switch (x->kind) {
    case N_EMPTY: break;
    case N_CHAR: emit(g, I_CHAR, x->c, 0, 0); break;
    case N_ANY: emit(g, I_ANY, 0, 0, 0); break;
    case N_CLASS: emit(g, I_CLASS, x->c, 0, 0); break;
    case N_BOL: emit(g, I_BOL, 0, 0, 0); break;
    case N_EOL: emit(g, I_EOL, 0, 0, 0); break;
    case N_CAT:
        for (int c = x->child; c >= 0; c = g->nodes[c].next) gen(g, c);
        break;
    case N_ALT: {
        /* SPLIT a, next; a; JMP end; next: SPLIT b, next2; b; JMP end; ... last */
        int jumps = -1;   /* chain of JMPs to patch, linked through x */
        for (int c = x->child; c >= 0; c = g->nodes[c].next) {
            if (g->nodes[c].next < 0) {
                gen(g, c);
                break;
            }
            int split = emit(g, I_SPLIT, 0, 0, 0);
            g->prog[split].x = g->n;
            gen(g, c);
            jumps = emit(g, I_JMP, 0, jumps, 0);
            g->prog[split].y = g->n;
        }
        while (jumps >= 0) {
            int prev = g->prog[jumps].x;
            g->prog[jumps].x = g->n;
            jumps = prev;
        }
        break;
    }
    case N_REPEAT: {
        for (int i = 0; i < x->min; i++) gen(g, x->child);
        if (x->max < 0) {
            int split = emit(g, I_SPLIT, 0, 0, 0);
            g->prog[split].x = g->n;
            gen(g, x->child);
            emit(g, I_JMP, 0, split, 0);
            g->prog[split].y = g->n;
        } else {
            int first = g->n;
            for (int i = x->min; i < x->max; i++) {
                int split = emit(g, I_SPLIT, 0, 0, -1);
                g->prog[split].x = g->n;
                gen(g, x->child);
            }
            for (int i = first; i < g->n; i++)   /* every optional copy may end here */
                if (g->prog[i].op == I_SPLIT && g->prog[i].y == -1) g->prog[i].y = g->n;
        }
        break;
    }
    }
}

/* Works out re->anchored and re->first by following the instructions that
 * read no character from the start. `seen` has re->n entries. */
static void start_set(Regex *re, bool *seen, int *stack)
{
    /* first pass: which reading instructions (or MATCH) are reachable
     * without passing a ^; second: which bytes can start a match */
    for (int pass = 0; pass < 2; pass++) {
        memset(seen, 0, (size_t)re->n);
        int top = 0;
        stack[top++] = 0;
        bool free_start = false;
        while (top > 0) {
            int i = stack[--top];
            if (seen[i]) continue;
            seen[i] = true;
            const Inst *in = &re->prog[i];
            switch (in->op) {
            case I_JMP: stack[top++] = in->x; break;
            case I_SPLIT:
                stack[top++] = in->x;
                stack[top++] = in->y;
                break;
            case I_BOL:
                if (pass == 1) stack[top++] = i + 1;
                break;
            case I_EOL: stack[top++] = i + 1; break;
            case I_MATCH:
                free_start = true;
                if (pass == 1) memset(re->first, 1, sizeof re->first);
                break;
            case I_CHAR:
                free_start = true;
                if (pass == 1) {
                    uint32_t c = in->c;
                    re->first[c < 0x80 ? c : c < 0x800 ? 0xC0 | (c >> 6) : c < 0x10000 ? 0xE0 | (c >> 12)
                                                                         : 0xF0 | (c >> 18)] = true;
                }
                break;
            case I_CLASS: {
                free_start = true;
                if (pass == 0) break;
                const Class *k = &re->cls[in->c];
                for (uint32_t c = 0; c < 0x80; c++) re->first[c] |= class_has(k, c);
                if (k->negate || k->nranges) memset(re->first + 0x80, 1, 0x80);
                break;
            }
            default:   /* I_ANY */
                free_start = true;
                if (pass == 1) memset(re->first, 1, sizeof re->first);
                break;
            }
        }
        if (pass == 0) re->anchored = !free_start;
    }
}

Regex *rx_compile(const char *pattern, size_t len, char *err, size_t errlen)
{
    Parser p;
    memset(&p, 0, sizeof p);
    p.s = (const unsigned char *)pattern;
    p.len = len;
    p.err = err;
    p.errlen = errlen;
    if (errlen) err[0] = '\0';
    int root = parse_alt(&p);
    if (!p.failed && !at_end(&p)) fail(&p, p.pos, "unexpected '%c'", p.s[p.pos]);   /* defensive */
    long size = p.failed ? 0 : size_of(p.nodes, root) + 1;
    if (!p.failed && size > RX_MAX_PROGRAM)
        fail(&p, (size_t)-1, "the pattern is too large (over %d steps once repetitions are "
             "expanded)", RX_MAX_PROGRAM);
    if (p.failed) {
        for (int i = 0; i < p.ncls; i++) free(p.cls[i].ranges);
        free(p.cls);
        free(p.nodes);
        return NULL;
    }
    Regex *re = xcalloc(1, sizeof *re);
    Gen g = {p.nodes, xmalloc(sizeof(Inst) * (size_t)size), 0};
    gen(&g, root);
    emit(&g, I_MATCH, 0, 0, 0);
    re->prog = g.prog;
    re->n = g.n;
    re->cls = p.cls;
    re->ncls = p.ncls;
    free(p.nodes);
    bool *seen = xmalloc((size_t)re->n);
    int *stack = xmalloc(sizeof(int) * (2 * (size_t)re->n + 2));
    start_set(re, seen, stack);
    free(seen);
    free(stack);
    return re;
}

void rx_free(Regex *re)
{
    if (!re) return;
    for (int i = 0; i < re->ncls; i++) free(re->cls[i].ranges);
    free(re->cls);
    free(re->prog);
    free(re);
}

/* ---- the search ---- */

size_t rx_work_size(const Regex *re)
{
    /* marks, two lists, and a stack of 2n + 2, as uint32_t, and alignment */
    return sizeof(uint32_t) * (5 * (size_t)re->n + 2) + sizeof(uint32_t);
}

typedef struct Sim {
    const Regex *re;
    uint32_t *mark;     /* the generation each instruction was last added in */
    uint32_t *stack;
    size_t n;           /* text length, for $ */
} Sim;

/* Adds instruction pc and what it reaches without reading a character, at
 * text position pos, to list (*len entries). Returns true on reaching MATCH. */
static bool add(Sim *m, uint32_t *list, int *len, int pc, size_t pos, uint32_t gen)
{
    int top = 0;
    m->stack[top++] = (uint32_t)pc;
    while (top > 0) {
        int i = (int)m->stack[--top];
        if (m->mark[i] == gen) continue;
        m->mark[i] = gen;
        const Inst *in = &m->re->prog[i];
        switch (in->op) {
        case I_MATCH: return true;
        case I_JMP: m->stack[top++] = (uint32_t)in->x; break;
        case I_SPLIT:
            m->stack[top++] = (uint32_t)in->y;
            m->stack[top++] = (uint32_t)in->x;
            break;
        case I_BOL:
            if (pos == 0) m->stack[top++] = (uint32_t)(i + 1);
            break;
        case I_EOL:
            if (pos == m->n) m->stack[top++] = (uint32_t)(i + 1);
            break;
        default: list[(*len)++] = (uint32_t)i; break;
        }
    }
    return false;
}

bool rx_search(const Regex *re, const char *s, size_t n, void *work)
{
    uintptr_t w = (uintptr_t)work;
    w = (w + sizeof(uint32_t) - 1) / sizeof(uint32_t) * sizeof(uint32_t);
    uint32_t *mem = (uint32_t *)w;
    size_t ni = (size_t)re->n;
    Sim m = {re, mem, mem + 3 * ni, n};
    uint32_t *cur = mem + ni, *next = mem + 2 * ni;
    memset(m.mark, 0, sizeof(uint32_t) * ni);
    const unsigned char *t = (const unsigned char *)s;
    int ncur = 0;
    uint32_t gen = 1;
    for (size_t pos = 0;;) {
        if (ncur == 0) {   /* nothing under way: skip to where a match can start */
            if (re->anchored && pos > 0) return false;
            while (pos < n && !re->first[t[pos]]) pos++;
        }
        /* a match may also start here */
        if (add(&m, cur, &ncur, 0, pos, gen)) return true;
        if (pos == n) return false;
        int len;
        uint32_t c = decode(t + pos, n - pos, &len);
        gen++;
        int nnext = 0;
        for (int k = 0; k < ncur; k++) {
            const Inst *in = &re->prog[cur[k]];
            bool ok = in->op == I_ANY || (in->op == I_CHAR && in->c == c) ||
                      (in->op == I_CLASS && class_has(&re->cls[in->c], c));
            if (ok && add(&m, next, &nnext, (int)cur[k] + 1, pos + (size_t)len, gen)) return true;
        }
        uint32_t *tmp = cur;
        cur = next;
        next = tmp;
        ncur = nnext;
        pos += (size_t)len;
    }
}
