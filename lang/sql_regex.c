/* sql_regex.c — kam's regular expressions (runtime/rx.h's POSIX ERE) for
 * `kam sql`: a pattern rewritten so that PostgreSQL's `~` and DuckDB's RE2
 * match exactly what kam matches, or the reason it cannot be. Only the
 * rewrite; lang/sql.c decides where it is used. */
#define _POSIX_C_SOURCE 200809L
#include "sql_regex.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* kam's regular expression (POSIX ERE, checked) as one that PostgreSQL's
 * AREs and DuckDB's RE2 read the same way: literals, `.`, anchors, groups,
 * alternatives, `* + ?` and counts (`{,n}` as `{0,n}`), bracket expressions
 * with ranges and the ASCII classes spelled out. NULL (with *why) for
 * anything else: stacked repetitions, classes beyond those, collating
 * elements, a lone `)`. */
char *sql_regex(const char *pat, const char **why)
{
    char *out = NULL;
    size_t outlen = 0;
    FILE *b = open_memstream(&out, &outlen);
    if (!b) {
        *why = "no memory";
        return NULL;
    }
    size_t n = strlen(pat);
    bool can_repeat = false;
    *why = NULL;
    for (size_t i = 0; i < n && !*why; i++) {
        unsigned char c = (unsigned char)pat[i];
        switch (c) {
        case '*': case '+': case '?':
            if (!can_repeat) *why = "a repetition of a repetition";
            fprintf(b, "%c", c);
            can_repeat = false;
            break;
        case '{': {
            size_t j = i + 1;
            char lo[8] = "", hi[8] = "";
            int nl = 0, nh = 0;
            while (j < n && pat[j] >= '0' && pat[j] <= '9' && nl < 4) lo[nl++] = pat[j++];
            bool comma = j < n && pat[j] == ',';
            if (comma) j++;
            while (comma && j < n && pat[j] >= '0' && pat[j] <= '9' && nh < 4) hi[nh++] = pat[j++];
            if (j >= n || pat[j] != '}' || (!nl && !nh) || !can_repeat) {
                *why = "a brace that is not a count";
                break;
            }
            fprintf(b, "{%s%s%s}", nl ? lo : "0", comma ? "," : "", hi);
            i = j;
            can_repeat = false;
            break;
        }
        case '}':
            fprintf(b, "\\}");
            can_repeat = true;
            break;
        case '(':
            fprintf(b, "(");
            can_repeat = false;
            break;
        case ')':
            fprintf(b, ")");
            can_repeat = true;
            break;
        case '|':
            fprintf(b, "|");
            can_repeat = false;
            break;
        case '^': case '$':
            fprintf(b, "%c", c);
            can_repeat = false;
            break;
        case '\\':
            if (i + 1 >= n || (unsigned char)pat[i + 1] >= 0x80) {
                *why = "a backslash before a character that is not punctuation";
                break;
            }
            fprintf(b, "\\%c", pat[++i]);
            can_repeat = true;
            break;
        case '[': {
            size_t j = i + 1;
            fprintf(b, "[");
            if (j < n && pat[j] == '^') {
                fprintf(b, "^");
                j++;
            }
            bool first = true;
            for (; j < n && !*why; j++, first = false) {
                char d = pat[j];
                if (d == ']' && !first) break;
                if (d == '[' && j + 1 < n && (pat[j + 1] == ':' || pat[j + 1] == '.' || pat[j + 1] == '=')) {
                    static const char *cls[][2] = {
                        {"digit", "0-9"}, {"alpha", "A-Za-z"}, {"alnum", "0-9A-Za-z"}, {"upper", "A-Z"},
                        {"lower", "a-z"}, {"xdigit", "0-9A-Fa-f"}, {"blank", " \\t"},
                        {"space", " \\t\\n\\v\\f\\r"}};
                    const char *end = pat[j + 1] == ':' ? strstr(pat + j + 2, ":]") : NULL;
                    size_t k = 0, len = end ? (size_t)(end - (pat + j + 2)) : 0;
                    for (; end && k < sizeof cls / sizeof cls[0]; k++)
                        if (strlen(cls[k][0]) == len && strncmp(cls[k][0], pat + j + 2, len) == 0) break;
                    if (!end || k == sizeof cls / sizeof cls[0]) {
                        *why = "a character class other than digit, alpha, alnum, upper, lower, xdigit, "
                               "blank and space, or a collating element";
                        break;
                    }
                    fprintf(b, "%s", cls[k][1]);
                    j = (size_t)(end - pat) + 1;
                    continue;
                }
                if (d == '-' && !first && j + 1 < n && pat[j + 1] != ']') fprintf(b, "-");
                else if (d == ']' || d == '[' || d == '\\' || d == '-' || d == '^') fprintf(b, "\\%c", d);
                else fprintf(b, "%c", d);
            }
            fprintf(b, "]");
            i = j;
            can_repeat = true;
            break;
        }
        default:
            if (strchr(".", c)) fprintf(b, ".");
            else fprintf(b, "%c", c);
            can_repeat = true;
            break;
        }
    }
    fclose(b);
    if (*why) {
        free(out);
        return NULL;
    }
    return out;
}
