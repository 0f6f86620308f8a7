/* lsp_doc.h — the language server's open documents: their text as the
 * editor has it (opened, then changed by range edits or whole), the last
 * analysis of each, and the mapping between LSP positions (line and
 * character in UTF-16 code units, or UTF-8 bytes when the client chose
 * that) and byte offsets. Also file: URIs to paths and back. */
#ifndef KAM_LSP_DOC_H
#define KAM_LSP_DOC_H

#include "lsp_json.h"
#include "../lang/check.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct LspDoc {
    char *uri;
    char *path;             /* the file: URI's path, or the URI itself */
    char *text;             /* NUL-terminated */
    size_t len;
    long version;
    Policy *policy;         /* the last analysis, or NULL */
    DiagList diags;
    char **published;       /* URIs diagnostics were last published for */
    int npublished;
} LspDoc;

typedef struct DocStore {
    LspDoc **docs;
    int n;
} DocStore;

enum { LSP_MAX_DOCS = 1000 };

LspDoc *doc_find(const DocStore *s, const char *uri);
/* Opens (or replaces) a document; NULL when LSP_MAX_DOCS are open. */
LspDoc *doc_open(DocStore *s, const char *uri, const char *text, size_t len, long version);
void doc_close(DocStore *s, const char *uri);
void doc_store_free(DocStore *s);
/* Applies one TextDocumentContentChangeEvent: {range, text} replaces the
 * range, {text} the whole document. False (document unchanged) when it is
 * malformed or the result would exceed SRC_MAX_BYTES. */
bool doc_apply_change(LspDoc *d, const JVal *change, bool utf8);

/* Positions. A position past the end of its line means the line's end; a
 * line past the last means the end of the text. */
size_t lsp_offset(const char *text, size_t len, long line, long ch, bool utf8);
void lsp_position(const char *text, size_t len, size_t off, bool utf8, long *line, long *ch);
/* Reads {line, character} into an offset; false if malformed. */
bool lsp_read_position(const JVal *pos, const char *text, size_t len, bool utf8, size_t *off);
/* Writes {"start":{..},"end":{..}} for text[start..end). */
void lsp_write_range(JBuf *b, const char *text, size_t len, size_t start, size_t end, bool utf8);

/* file:///a%20b.kam -> /a b.kam (malloc'd); other schemes are copied as
 * they are. The reverse percent-encodes what is not a plain path byte. */
char *lsp_uri_to_path(const char *uri);
char *lsp_path_to_uri(const char *path);

#endif
