/* test_regex.c — tests for kam's matcher (runtime/rx.c): a differential
 * test against glibc's regexec (POSIX extended, C locale, where glibc is
 * fast) over many patterns and random ASCII texts; patterns both must
 * refuse; patterns kam refuses on purpose (escapes such as \d, counts over
 * 255, multi-character collating elements); random patterns (without
 * anchors: glibc gets anchors inside counted repetitions wrong) against
 * glibc; UTF-8 characters; anchors in repetitions; and the patterns that
 * make a backtracking matcher take exponential time, run over 100,000
 * characters (they must simply finish). Prints PASS/FAIL. */
#define _POSIX_C_SOURCE 200809L
#include "rx.h"

#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

static void check(int ok, const char *what)
{
    printf("%s %s\n", ok ? "PASS" : "FAIL", what);
    if (!ok) failures++;
}

static bool kam_match(const Regex *re, const char *s, size_t n)
{
    void *work = malloc(rx_work_size(re) + 3);
    /* deliberately misaligned: rx_search accepts any alignment */
    bool m = rx_search(re, s, n, (char *)work + 1);
    free(work);
    return m;
}

/* Patterns both accept: results must agree on every text. */
static const char *const same[] = {
    "", "a", "abc", "a|b", "ab|cd|ef", "a*", "a+", "a?", "a*b", "a+b+", "(ab)*c", "(a|b)*abb",
    "^a", "a$", "^abc$", "^$", "^", "$", "a^b", "a$b", "^(a|b)", "(a|^b)c", "(a$|b)",
    ".", "a.c", "^.*$", ".*x.*", "a.*b.*c", "[abc]", "[^abc]", "[a-c]+", "[^a-c]",
    "[]a]", "[^]a]", "[a-]", "[-a]", "[a-c-]", "[]-a]", "[[:alpha:]]+", "[[:digit:]]",
    "[[:alnum:]_]+", "[[:upper:]][[:lower:]]", "[[:space:]]", "[[:blank:]]", "[[:punct:]]",
    "[[:print:]]", "[[:graph:]]", "[[:cntrl:]]", "[[:xdigit:]]+$", "[^[:alpha:]]",
    "[[.a.]]", "[[=b=]]", "[[.a.]-c]", "[\\]", "[.]", "[*+?{}()|^$]",
    "a{2}", "a{2,}", "a{1,3}", "a{0,1}", "a{0}", "(ab){2,3}", "a{,2}b", "(a|b){3}",
    "a**", "a+*", "a*?", "(a*)*", "(a*)+", "(a|)*b", "()", "(|a)", "a||b", "a|", "|a",
    "(a)(b)(c)", "((a))", "(a(b(c)))d", "\\.", "\\*", "\\(", "\\)", "\\[", "\\{", "\\|",
    "\\\\", "\\^", "\\$", "a\\.b", ")", "a)", "x)y", "]", "a]", "}", "a}", "-",
    "([a-z]+)*[0-9]", "(a+)+b", "(a|aa)+$", "(x+x+)+y", "^(a?){5}a{5}$",
    "[0-9]{3}-[0-9]{4}", "^[A-Z][0-9]{7}$", "(ab|a)(bc|c)", "(a|ab)(c|bcd)", "c.*d$",
    "^(gold|silver|bronze)$", "[[:alpha:]][[:alnum:]]*", "x*y*z*", "(0|1)+0$", "b[^b]*b",
};

/* Patterns both refuse. */
static const char *const bad_both[] = {
    "*a", "+", "?", "{", "{1}", "a{", "a{1", "a{1,", "a{x}", "a{2,1}", "(a", "((a)", "[a",
    "[^", "[]", "[z-a]", "[[:foo:]]", "\\", "^*", "(*a)", "(+a)", "a|*b", "x(?:a)", "[[:alpha:]",
};

/* Patterns glibc accepts but kam refuses, by design (docs/language.md). */
static const char *const bad_kam[] = {
    "\\d", "\\w", "\\s", "\\b", "\\1", "(a)\\1", "a{256}", "a{1000}", "[[.ab.]]", "\\n",
};

static char *random_text(uint64_t *seed, size_t *len)
{
    static const char alphabet[] = "aabbcxyz0129-_. ]AZ\n\t";
    *seed = *seed * 6364136223846793005u + 1442695040888963407u;
    size_t n = (size_t)(*seed >> 33) % 14;
    char *t = malloc(n + 1);
    for (size_t i = 0; i < n; i++) {
        *seed = *seed * 6364136223846793005u + 1442695040888963407u;
        t[i] = alphabet[(*seed >> 33) % (sizeof alphabet - 1)];
    }
    t[n] = '\0';
    *len = n;
    return t;
}

static void differential(void)
{
    uint64_t seed = 12345;
    int texts = 0, disagree = 0, refused = 0;
    char first[600] = "";
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        char err[200];
        Regex *re = rx_compile(same[i], strlen(same[i]), err, sizeof err);
        regex_t g;
        int grc = regcomp(&g, same[i], REG_EXTENDED | REG_NOSUB);
        if (!re || grc != 0) {
            refused++;
            if (!first[0])
                snprintf(first, sizeof first, "/%s/ kam %s, glibc %d", same[i], re ? "ok" : err, grc);
            rx_free(re);
            if (grc == 0) regfree(&g);
            continue;
        }
        static const char *const fixed[] = {"", "a", "ab", "abc", "aab", "abb", "ababc", "abcd",
                                            "aaaaaaaaaaaaaaaaaaaaaaab", "0", "123-4567", "A1234567",
                                            "gold", "golden", "xxy", "bab", ")", "]", "}", "\\",
                                            "a.b", "a\nb", "*+?{}()|^$", "-"};
        for (int k = 0; k < 600; k++) {
            size_t n;
            char *t;
            if (k < (int)(sizeof fixed / sizeof fixed[0])) {
                t = strdup(fixed[k]);
                n = strlen(t);
            } else {
                t = random_text(&seed, &n);
            }
            bool mine = kam_match(re, t, n);
            bool theirs = regexec(&g, t, 0, NULL, 0) == 0;
            texts++;
            if (mine != theirs) {
                disagree++;
                if (!first[0])
                    snprintf(first, sizeof first, "/%s/ on \"%s\": kam %d, glibc %d", same[i], t, mine,
                             theirs);
            }
            free(t);
        }
        rx_free(re);
        regfree(&g);
    }
    char what[900];
    snprintf(what, sizeof what, "agrees with glibc regexec: %zu patterns, %d texts%s%s",
             sizeof same / sizeof same[0], texts, first[0] ? "; first difference: " : "", first);
    check(disagree == 0 && refused == 0, what);
}

static uint64_t rnd_state = 88172645463325252u;

static unsigned rnd(unsigned n)
{
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 7;
    rnd_state ^= rnd_state << 17;
    return (unsigned)(rnd_state % n);
}

static void append(char *o, int *len, const char *s)
{
    size_t n = strlen(s);
    memcpy(o + *len, s, n);
    *len += (int)n;
}

/* A random pattern without anchors into o (at most ~200 bytes). */
static void random_pattern(char *o, int *len, int depth)
{
    static const char *const brackets[] = {"[ab]", "[^a]", "[a-c]", "[]a]", "[[:digit:]]", "[-b]", "[^]c]"};
    static const char *const reps[] = {"*", "+", "?", "{2}", "{0,2}", "{1,}", "{,1}"};
    int parts = 1 + (int)rnd(3);
    for (int p = 0; p < parts && *len < 40; p++) {
        unsigned k = rnd(12);
        bool atom = true;
        if (k < 3) o[(*len)++] = "abc"[rnd(3)];
        else if (k == 3) o[(*len)++] = '.';
        else if (k == 4) append(o, len, brackets[rnd(7)]);
        else if (k == 5 && depth < 3) {
            o[(*len)++] = '(';
            random_pattern(o, len, depth + 1);
            o[(*len)++] = ')';
        } else if (k == 6 && depth < 3) {
            o[(*len)++] = '(';
            random_pattern(o, len, depth + 1);
            o[(*len)++] = '|';
            random_pattern(o, len, depth + 1);
            o[(*len)++] = ')';
        } else if (k == 7) o[(*len)++] = (char)('0' + rnd(2));
        else atom = false;
        if (atom && rnd(3) == 0) append(o, len, reps[rnd(7)]);
    }
}

static void random_differential(void)
{
    long texts = 0, disagree = 0, accept = 0;
    char first[300] = "";
    for (int it = 0; it < 4000; it++) {
        char pat[256];
        int len = 0;
        random_pattern(pat, &len, 0);
        pat[len] = '\0';
        regex_t g;
        int grc = regcomp(&g, pat, REG_EXTENDED | REG_NOSUB);
        char err[200];
        Regex *re = rx_compile(pat, strlen(pat), err, sizeof err);
        if ((grc == 0) != (re != NULL)) {
            accept++;
            if (!first[0]) snprintf(first, sizeof first, "/%s/ accepted by one only", pat);
        }
        if (grc == 0 && re) {
            for (int t = 0; t < 20; t++) {
                char s[16];
                int n = (int)rnd(9);
                for (int i = 0; i < n; i++) s[i] = "abc01-]"[rnd(7)];
                s[n] = '\0';
                bool a = regexec(&g, s, 0, NULL, 0) == 0, b = kam_match(re, s, (size_t)n);
                texts++;
                if (a != b && !disagree++)
                    snprintf(first, sizeof first, "/%s/ on \"%s\": glibc %d, kam %d", pat, s, a, b);
            }
        }
        if (grc == 0) regfree(&g);
        rx_free(re);
    }
    char what[500];
    snprintf(what, sizeof what, "random patterns agree with glibc: 4000 patterns, %ld texts%s%s", texts,
             first[0] ? "; first difference: " : "", first);
    check(disagree == 0 && accept == 0, what);
}

static void refusals(void)
{
    for (size_t i = 0; i < sizeof bad_both / sizeof bad_both[0]; i++) {
        char err[200], what[300];
        Regex *re = rx_compile(bad_both[i], strlen(bad_both[i]), err, sizeof err);
        regex_t g;
        int grc = regcomp(&g, bad_both[i], REG_EXTENDED | REG_NOSUB);
        if (grc == 0) regfree(&g);
        snprintf(what, sizeof what, "refused by both: /%s/ (%s)", bad_both[i], re ? "accepted" : err);
        check(!re && grc != 0 && err[0], what);
        rx_free(re);
    }
    for (size_t i = 0; i < sizeof bad_kam / sizeof bad_kam[0]; i++) {
        char err[200], what[300];
        Regex *re = rx_compile(bad_kam[i], strlen(bad_kam[i]), err, sizeof err);
        snprintf(what, sizeof what, "refused by kam: /%s/ (%s)", bad_kam[i], re ? "accepted" : err);
        check(!re && err[0], what);
        rx_free(re);
    }
    char err[200];
    Regex *re = rx_compile("ab(c", 4, err, sizeof err);
    check(!re && strstr(err, "character 3"), "an error names the character it is about");
    re = rx_compile("(((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((("
                    "((((((((((((((((((((((((((((a", 105, err, sizeof err);
    check(!re && strstr(err, "nested"), "nesting past 100 is refused");
    re = rx_compile("((a{255}){255}){255}", 20, err, sizeof err);
    check(!re && strstr(err, "too large"), "a pattern that expands past the program limit is refused");
    re = rx_compile("a\xff", 2, err, sizeof err);
    check(!re && strstr(err, "UTF-8"), "a pattern that is not UTF-8 is refused");
}

static void utf8(void)
{
    struct { const char *pat, *text; bool want; } cases[] = {
        {"^.$", "\xc3\xa9", true},                  /* é is one character */
        {"^..$", "\xc3\xa9", false},
        {"^[\xc3\xa9\xc3\xa8]$", "\xc3\xa8", true}, /* [éè] */
        {"[\xc3\xa9]", "\xc3\xa0", false},          /* [é] does not match à */
        {"^[^a]$", "\xe2\x82\xac", true},           /* € */
        {"^[\xc3\xa0-\xc3\xbf]+$", "\xc3\xa9\xc3\xa8", true},
        {"^caf\xc3\xa9$", "caf\xc3\xa9", true},
        {"^.$", "\xff", true},                      /* a stray byte is one character */
        {"^[^x]$", "\xff", true},
        {"\xc3\xa9", "\xc3", false},
        {"^a.c$", "a\0c", true},                    /* a NUL is a character, not the end */
        /* anchors inside counted repetitions, where glibc's regexec says
         * true (a random differential test found 169 such cases; Python's
         * re agrees with kam on all it can read) */
        {"1(^|[ab]){2}", "a1b000c", false},
        {"(^a|[]a]b{2}a){2}", "aa", false},
        {".*(a|((c|a))$){2}", "cacbc", false},
        {"1(^|[ab]){2}", "1ab", true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char err[200], what[200];
        Regex *re = rx_compile(cases[i].pat, strlen(cases[i].pat), err, sizeof err);
        size_t n = strcmp(cases[i].pat, "^a.c$") == 0 ? 3 : strlen(cases[i].text);
        bool got = re && kam_match(re, cases[i].text, n);
        snprintf(what, sizeof what, "case %zu: /%s/ %s", i + 1, cases[i].pat,
                 cases[i].want ? "matches" : "does not match");
        check(re && got == cases[i].want, what);
        rx_free(re);
    }
}

/* Each would take a backtracking matcher far too long on these texts. */
static void bounded(void)
{
    enum { N = 100000 };
    char *t = malloc(N);
    memset(t, 'a', N);
    static const char *const pats[] = {"([a-z]+)*[0-9]", "(a+)+b", "(a|aa)+c", "(a*)*b",
                                       "^(a?){50}a{50}$", "(x+x+)+y"};
    for (size_t i = 0; i < sizeof pats / sizeof pats[0]; i++) {
        char err[200], what[200];
        Regex *re = rx_compile(pats[i], strlen(pats[i]), err, sizeof err);
        bool got = re && kam_match(re, t, N);
        snprintf(what, sizeof what, "/%s/ over 100,000 'a's finishes (no match)", pats[i]);
        check(re && !got, what);
        rx_free(re);
    }
    t[N - 1] = '7';
    Regex *re = rx_compile("([a-z]+)*[0-9]", 14, NULL, 0);
    check(re && kam_match(re, t, N), "([a-z]+)*[0-9] matches 100,000 characters ending in a digit");
    rx_free(re);
    free(t);
}

int main(void)
{
    differential();
    random_differential();
    refusals();
    utf8();
    bounded();
    return failures != 0;
}
