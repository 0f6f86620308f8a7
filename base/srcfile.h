/* srcfile.h — policy source texts and spans. A Span is a byte range in one
 * loaded file; line and column are computed only when a diagnostic is
 * printed, from the file's table of line starts. Nothing here parses. */
#ifndef KAM_SRCFILE_H
#define KAM_SRCFILE_H

#include <stddef.h>

/* A byte range [start, end) in file number `file` of a SrcSet. */
typedef struct Span {
    int file;
    unsigned start, end;
} Span;

typedef struct SrcFile {
    char *path;         /* as given by the user, for messages */
    char *text;         /* contents, NUL-terminated (a NUL inside is kept) */
    size_t len;
    unsigned *lines;    /* byte offset of each line start */
    int nlines;
} SrcFile;

/* All the files of one compile (the policy and what it imports). */
typedef struct SrcSet {
    SrcFile **files;
    int n, cap;
} SrcSet;

enum { SRC_MAX_BYTES = 16 * 1024 * 1024 };   /* a policy larger is refused */

void src_init(SrcSet *s);
void src_free(SrcSet *s);
/* Reads a file; returns its index, or -1 with a message (naming the path)
 * in err. "-" reads standard input. */
int src_load(SrcSet *s, const char *path, char *err, size_t errlen);
/* Reads an imported file: `path` is opened (without waiting, should it be
 * a FIFO) and must be a regular file; `name` is how messages and spans
 * show it. Returns its index, or -1 with a message naming `name`. */
int src_load_import(SrcSet *s, const char *path, const char *name, char *err, size_t errlen);
/* Adds text held in memory (the REPL's lines, tests); returns its index. */
int src_add(SrcSet *s, const char *name, const char *text, size_t len);
/* 1-based line and column (in characters) of a byte offset. */
void src_linecol(const SrcSet *s, int file, unsigned offset, int *line, int *col);
/* The text of a 1-based line, without its line end, and its length. */
const char *src_line(const SrcSet *s, int file, int line, size_t *len);

#endif
