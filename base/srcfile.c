/* srcfile.c — loading policy files and mapping byte offsets to lines and
 * columns. See srcfile.h. */
#define _POSIX_C_SOURCE 200809L
#include "srcfile.h"
#include "arena.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void src_init(SrcSet *s)
{
    s->files = NULL;
    s->n = s->cap = 0;
}

void src_free(SrcSet *s)
{
    for (int i = 0; i < s->n; i++) {
        free(s->files[i]->path);
        free(s->files[i]->text);
        free(s->files[i]->lines);
        free(s->files[i]);
    }
    free(s->files);
    src_init(s);
}

static void index_lines(SrcFile *f)
{
    int cap = 64;
    f->lines = xmalloc(sizeof(unsigned) * (size_t)cap);
    f->nlines = 0;
    f->lines[f->nlines++] = 0;
    for (size_t i = 0; i < f->len; i++) {
        if (f->text[i] == '\n') {
            if (f->nlines == cap) {
                cap *= 2;
                f->lines = xrealloc(f->lines, sizeof(unsigned) * (size_t)cap);
            }
            f->lines[f->nlines++] = (unsigned)(i + 1);
        }
    }
}

int src_add(SrcSet *s, const char *name, const char *text, size_t len)
{
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {   /* a UTF-8 byte-order mark */
        text += 3;
        len -= 3;
    }
    SrcFile *f = xcalloc(1, sizeof *f);
    f->path = xstrdup(name);
    f->text = xmalloc(len + 1);
    memcpy(f->text, text, len);
    f->text[len] = '\0';
    f->len = len;
    index_lines(f);
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 4;
        s->files = xrealloc(s->files, sizeof(SrcFile *) * (size_t)s->cap);
    }
    s->files[s->n] = f;
    return s->n++;
}

/* Reads all of fp (at most SRC_MAX_BYTES) as file `name`; returns its
 * index, or -1 with a message naming `shown`. */
static int read_all(SrcSet *s, FILE *fp, const char *name, const char *shown, char *err,
                    size_t errlen)
{
    size_t cap = 8192, len = 0;
    char *buf = xmalloc(cap);
    for (;;) {
        if (len == cap) {
            cap *= 2;
            buf = xrealloc(buf, cap);
        }
        size_t got = fread(buf + len, 1, cap - len, fp);
        len += got;
        if (got == 0) break;
        if (len > SRC_MAX_BYTES) {
            snprintf(err, errlen, "%s: policy file larger than %d MiB", shown,
                     SRC_MAX_BYTES / (1024 * 1024));
            free(buf);
            return -1;
        }
    }
    if (ferror(fp)) {
        snprintf(err, errlen, "%s: read error", shown);
        free(buf);
        return -1;
    }
    int id = src_add(s, name, buf, len);
    free(buf);
    return id;
}

int src_load(SrcSet *s, const char *path, char *err, size_t errlen)
{
    FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!fp) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    if (fp != stdin) {
        struct stat st;
        if (fstat(fileno(fp), &st) == 0 && S_ISDIR(st.st_mode)) {
            snprintf(err, errlen, "%s: is a directory, not a policy file", path);
            fclose(fp);
            return -1;
        }
    }
    int id = read_all(s, fp, path, path, err, errlen);
    if (fp != stdin) fclose(fp);
    return id;
}

int src_load_import(SrcSet *s, const char *path, const char *name, char *err, size_t errlen)
{
    /* O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused
     * below, as is anything else that is not a regular file */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot open: %s", name, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: %s", name, S_ISDIR(st.st_mode) ? "is a directory, not a policy file"
                                                                : "not a regular file");
        close(fd);
        return -1;
    }
    int flags = fcntl(fd, F_GETFL);
    if (flags >= 0) (void)fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    FILE *fp = fdopen(fd, "rb");
    if (!fp) {
        snprintf(err, errlen, "%s: cannot open: %s", name, strerror(errno));
        close(fd);
        return -1;
    }
    int id = read_all(s, fp, name, name, err, errlen);
    fclose(fp);
    return id;
}

void src_linecol(const SrcSet *s, int file, unsigned offset, int *line, int *col)
{
    const SrcFile *f = s->files[file];
    if (offset > f->len) offset = (unsigned)f->len;
    int lo = 0, hi = f->nlines - 1;
    while (lo < hi) {               /* last line start <= offset */
        int mid = (lo + hi + 1) / 2;
        if (f->lines[mid] <= offset) lo = mid;
        else hi = mid - 1;
    }
    *line = lo + 1;
    int c = 1;
    for (unsigned i = f->lines[lo]; i < offset; i++)
        if (((unsigned char)f->text[i] & 0xC0) != 0x80) c++;   /* count code points */
    *col = c;
}

const char *src_line(const SrcSet *s, int file, int line, size_t *len)
{
    const SrcFile *f = s->files[file];
    if (line < 1 || line > f->nlines) {
        *len = 0;
        return "";
    }
    unsigned start = f->lines[line - 1];
    unsigned end = line < f->nlines ? f->lines[line] : (unsigned)f->len;
    while (end > start && (f->text[end - 1] == '\n' || f->text[end - 1] == '\r')) end--;
    *len = end - start;
    return f->text + start;
}
