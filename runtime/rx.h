/* rx.h — kam's own regular expressions for matches(s, "pattern"): the
 * POSIX extended syntax that docs/language.md lists, compiled once (when a
 * policy is checked and compiled) into a small program that is run as a
 * Thompson NFA simulation, keeping every live state at once. A search takes
 * time proportional to (length of the text) x (size of the program) for any
 * pattern and text: no backtracking, so no pattern blows up. Matching works
 * on UTF-8 characters: `.` and a bracket expression each take one
 * character; a byte that is not valid UTF-8 counts as one character that
 * only `.` and negated brackets match. No submatches, no back-references.
 * Nothing here prints or knows about policies. */
#ifndef KAM_RX_H
#define KAM_RX_H

#include <stdbool.h>
#include <stddef.h>

typedef struct Regex Regex;

enum {
    RX_MAX_PROGRAM = 5000,   /* instructions in one compiled pattern */
    RX_MAX_REPEAT = 255,     /* largest count in {m,n} */
    RX_MAX_NESTING = 100     /* parentheses and stacked repetitions */
};

/* Compiles pattern[0..len). Returns NULL on a syntax error, with a message
 * in err (which names the character offset, counted from 1, of the
 * problem when there is one place to point at). */
Regex *rx_compile(const char *pattern, size_t len, char *err, size_t errlen);
void rx_free(Regex *re);

/* Bytes of working memory rx_search needs for this pattern. */
size_t rx_work_size(const Regex *re);
/* Whether the pattern matches anywhere in s[0..n) (an unanchored search, as
 * regexec does; `^` and `$` anchor to the ends of s). `work` is at least
 * rx_work_size(re) bytes, any alignment; it is the only memory written, so
 * one Regex can be searched from several threads with their own work. */
bool rx_search(const Regex *re, const char *s, size_t n, void *work);

#endif
