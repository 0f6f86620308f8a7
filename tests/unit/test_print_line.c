/* test_print_line.c — wr_print_line (runtime/writer.c), the line every
 * data error is told in: on an unbuffered stream (stderr) it must reach the
 * stream in ONE write, whatever escapes the text needs, so that lines from
 * another process or thread on the same stderr cannot cut into it (it was
 * one write per piece: 60 for a line with escapes). The stream here counts
 * the writes it is given (fopencookie, unbuffered like stderr). Prints
 * "PASS name" or "FAIL name: reason" per case; exit 1 if any failed. */
#define _GNU_SOURCE
#include "writer.h"
#include "unit_check.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    char text[1 << 16];
    size_t len;
    int writes;
} Sink;

static ssize_t sink_write(void *cookie, const char *buf, size_t n)
{
    Sink *s = cookie;
    if (s->len + n > sizeof s->text) return -1;
    memcpy(s->text + s->len, buf, n);
    s->len += n;
    s->writes++;
    return (ssize_t)n;
}

static void one(const char *name, const char *prefix, const char *msg, const char *want)
{
    static Sink sink;
    memset(&sink, 0, sizeof sink);
    cookie_io_functions_t io = {.write = sink_write};
    FILE *f = fopencookie(&sink, "w", io);
    if (!f) {
        check(name, 0, "fopencookie failed");
        return;
    }
    setvbuf(f, NULL, _IONBF, 0);
    wr_print_line(f, prefix, msg);
    fclose(f);
    char why[256];
    snprintf(why, sizeof why, "%d writes", sink.writes);
    check(name, sink.writes == 1, why);
    char nm[128];
    snprintf(nm, sizeof nm, "%s text", name);
    check(nm, sink.len == strlen(want) && memcmp(sink.text, want, sink.len) == 0, "the line differs");
}

int main(void)
{
    one("plain", "kam: ", "a.csv:2: field \"x\": expected money", "kam: a.csv:2: field \"x\": expected money\n");
    one("escapes", "kam: ", "got \"x\xff\x01y\x1b[31m\"", "kam: got \"x\\xff\\x01y\\x1b[31m\"\n");
    one("empty", "", "", "\n");
    one("no prefix", "", "text", "text\n");
    /* longer than the function's first buffer, with escapes all along */
    static char big[6000], want[30000];
    size_t o = 0;
    o += (size_t)sprintf(want + o, "kam: ");
    for (int i = 0; i < 5999; i++) {
        big[i] = i % 7 == 0 ? '\x01' : (char)('a' + i % 26);
        o += (size_t)(big[i] == '\x01' ? sprintf(want + o, "\\x01") : sprintf(want + o, "%c", big[i]));
    }
    big[5999] = '\0';
    sprintf(want + o, "\n");
    one("long", "kam: ", big, want);
    return failures ? 1 : 0;
}
