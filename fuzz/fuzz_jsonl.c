/* fuzz_jsonl.c — libFuzzer harness for JSON: json_validate over the whole
 * input (an independent RFC 8259 check), then the JSON Lines reader
 * (runtime/reader_jsonl.c) over the same bytes to the end, touching every
 * key and value so ASan sees any slice past the buffer, then the same bytes
 * as a data file for a small policy through reader.c (keys matched to
 * fields, values converted). Each valid line must also validate on its
 * own: a line the reader accepts as an object but json_validate rejects is
 * a disagreement and aborts. */
#include "fuzz_input.h"
#include "json.h"
#include "reader_jsonl.h"
#include "reader.h"
#include "check.h"

#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static Policy *pol;
static volatile unsigned touched;   /* the bytes touched, so the reads are not optimized away */

static const char policy_text[] =
    "record account {\n"
    "  id: string key\n  n: number\n  m: money\n  i: int\n  p: percent\n"
    "  b: bool\n  d: date\n"
    "  e: enum { a, smb, mid_market, enterprise_customer_with_a_long_name }\n"
    "  stage: kam\n  s: string?\n  o: number?\n  q: percent?\n"
    "}\n"
    "stages kam {\n"
    "  order prospect, early_kam, mid_kam, partnership_with_a_much_longer_name\n"
    "  final x\n"
    "}\n"
    "select big when m > 1M and i > 0 and p > 5% and b and d > 2020-01-01 and e == smb and n > 0\n"
    "let other = o ?? 0\n"
    "let share = q ?? 0%\n";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    DiagList d;
    diag_init(&d);
    pol = policy_load_text("fuzz.kam", policy_text, sizeof policy_text - 1, &d);
    if (diag_failed(&d)) {
        diag_render_text(stderr, &pol->src, &d, false);
        abort();
    }
    diag_free(&d);
    return 0;
}

static unsigned touch(const char *p, size_t n)
{
    unsigned h = 0;
    for (size_t k = 0; k < n; k++) h = h * 31 + (unsigned char)p[k];
    if (p[n] != '\0') abort();      /* the header promises NUL-terminated slices */
    return h;
}

static void read_all(const char *path)
{
    char err[512];
    JsonlReader *r = rd_jsonl_open(path, err, sizeof err);
    if (!r) return;
    JsonField *f;
    size_t n;
    long line, last = 0;
    int rc;

    while ((rc = rd_jsonl_next(r, &f, &n, &line)) != 0) {
        if (rc < 0) {
            if (!rd_jsonl_error(r)[0]) abort();
            if (rd_jsonl_next(r, &f, &n, &line) != -1) abort();     /* sticky */
            break;
        }
        if (line <= last) abort();  /* one record per line, lines go forward */
        last = line;
        if (rc == 2) {
            if (!rd_jsonl_error(r)[0] || n != 0) abort();
            continue;
        }
        for (size_t i = 0; i < n; i++) {
            touched += touch(f[i].key, f[i].keylen);
            touched += touch(f[i].ptr, f[i].len);
            /* a number is handed over as its literal: it must be one */
            if (f[i].kind == JSON_NUMBER && json_validate(f[i].ptr, f[i].len, NULL, 0) != 0)
                abort();
            if ((f[i].kind == JSON_ARRAY || f[i].kind == JSON_OBJECT) &&
                json_validate(f[i].ptr, f[i].len, NULL, 0) != 0)
                abort();
        }
    }
    (void)rd_jsonl_offset(r);
    rd_jsonl_close(r);
}

static void read_records(const char *path)
{
    char err[512];
    SourceOpts o = {.kind = "jsonl"};
    Source *s = rd_open_with(&pol->schema, path, &o, err, sizeof err);
    if (!s) return;
    Value v, regs[32];
    bool used[32];
    int reg[32];
    for (int i = 0; i < pol->nfields && i < 32; i++) {
        used[i] = true;
        reg[i] = i;
    }
    RdPlan plan = rd_plan(s, used, reg);
    int rc;
    while ((rc = rd_next(s)) != 0) {
        if (rc < 0) break;
        if (rc == 2) continue;
        for (int i = 0; i < pol->nfields; i++) rd_field(s, i, &v);
        rd_fill(s, &plan, regs);    /* the fast paths, as kam run takes them */
    }
    rd_plan_free(&plan);
    rd_close(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256];
    json_validate((const char *)data, size, err, sizeof err);
    json_validate((const char *)data, size, NULL, 0);
    char path[64];
    int fd = fuzz_input_file(data, size, path, sizeof path);
    if (fd < 0) return 0;
    read_all(path);
    read_records(path);
    close(fd);
    return 0;
}
