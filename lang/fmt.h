/* fmt.h — the formatter behind `kam fmt`: lays a policy file's text out in
 * the one canonical layout described in docs/fmt.md. It works on the token
 * stream (not the AST), so every comment and every line break inside an
 * expression survives. It does not check the policy: its caller formats
 * only text that `kam check` accepts. */
#ifndef KAM_FMT_H
#define KAM_FMT_H

#include <stddef.h>

/* Formats the policy text[0..len) (a UTF-8 byte-order mark is dropped).
 * Returns the formatted text, malloc'd and NUL-terminated, its length in
 * *outlen; or NULL with a reason in err when the text cannot be formatted:
 * a character that starts no token, an unterminated string, or (a bug in
 * the formatter) a layout that the scanner would read differently from the
 * input. Formatting never changes the tokens a policy is read as, only the
 * space between them (and the optional commas that separate record fields
 * and `given`/`with` attributes); formatting formatted text changes
 * nothing. */
char *fmt_policy(const char *text, size_t len, size_t *outlen, char *err, size_t errlen);

#endif
