/* fuzz_csv.c — libFuzzer harness for the CSV reader (runtime/reader_csv.c):
 * the input is a CSV file, read to the end (or to the first error) twice —
 * once splitting every field, once with a field limit as pass one uses —
 * touching every byte of every field so ASan sees any slice that runs past
 * the buffer. Then the same bytes as a data file for a small policy through
 * reader.c (header matching, type conversion of every field kind). */
#include "fuzz_input.h"
#include "reader_csv.h"
#include "reader.h"
#include "check.h"

#include <fcntl.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static Policy *pol;
static volatile unsigned touched;   /* the bytes touched, so the reads are not optimized away */

/* One field of every type, three optional, so rd_convert sees them all;
 * enum and stage members of 1 to 38 letters, so a comparison that reads
 * past a short member name (in the built fuzzing, each arena string is its
 * own allocation: fuzz.mk defines KAM_ARENA_SEPARATE) is caught. */
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

static unsigned touch(const RdField *f, size_t n)
{
    unsigned h = 0;
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < f[i].len; k++) h = h * 31 + (unsigned char)f[i].ptr[k];
    }
    return h;
}

static void read_all(const char *path, size_t limit)
{
    char err[512];
    CsvReader *r = rd_csv_open(path, err, sizeof err);
    if (!r) return;
    if (limit) rd_csv_set_field_limit(r, limit);
    RdField *f;
    size_t n;
    long line, last = 0;
    int rc;

    while ((rc = rd_csv_next(r, &f, &n, &line)) == 1) {
        if (line < last || line < 1) abort();       /* lines only go forward */
        if (limit && n > limit) abort();
        last = line;
        touched += touch(f, n);
    }
    if (rc < 0 && !rd_csv_error(r)[0]) abort();      /* an error has a message */
    if (rc < 0 && rd_csv_next(r, &f, &n, &line) != -1) abort();   /* errors are sticky */
    (void)rd_csv_offset(r);
    rd_csv_close(r);
}

static void read_records(const char *path)
{
    char err[512];
    Source *s = rd_open(&pol->schema, path, err, sizeof err);
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
    char path[64];
    int fd = fuzz_input_file(data, size, path, sizeof path);
    if (fd < 0) return 0;
    read_all(path, 0);
    lseek(fd, 0, SEEK_SET);
    read_all(path, 2);
    lseek(fd, 0, SEEK_SET);
    read_records(path);
    close(fd);
    return 0;
}
