/* sql_regex.h — kam's regular expressions for the SQL dialects whose own
 * read them the same way once rewritten (lang/sql_regex.c). */
#ifndef KAM_SQL_REGEX_H
#define KAM_SQL_REGEX_H

/* The pattern (checked by kam) rewritten for PostgreSQL's AREs and RE2 (to
 * be prefixed with `(?s)` for RE2), malloc'd; NULL with *why saying what
 * it holds that they would read differently. */
char *sql_regex(const char *pat, const char **why);

#endif
