/* test_vm_ops.c — every VM instruction executed with boundary operands
 * (less, equal, greater, zero, negative, missing), on tiny chunks built by
 * hand. The list of opcodes comes from runtime/opcodes.def (the X-macro):
 * an opcode with no case here is a FAIL, so a new instruction cannot go
 * untested. Also the civil-date helpers of runtime/date.c that the date
 * instructions and built-ins rest on. Prints "PASS name" or "FAIL name:
 * reason" per case; exit 1 if any failed. */
#include "vm.h"
#include "date.h"
#include "registry.h"
#include "rx.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;
static int cases;               /* cases run for the opcode being tested */

static void check(const char *op, const char *what, int ok, const char *why)
{
    cases++;
    if (ok) printf("PASS %s %s\n", op, what);
    else {
        printf("FAIL %s %s: %s\n", op, what, why);
        failures++;
    }
}

/* ------------------------------------------------------------ the chunk */

enum { NREG = 16, TODAY = 15, ONE = 4, TWO = 5 };

static Instr code[16];
static Span spans[16];
static Value init[NREG];
static AggSlot aggs[8];
static LimitSlot lims[2];
static Regex *rx[1];
static Chunk ch;

static void reset(void)
{
    memset(&ch, 0, sizeof ch);
    memset(code, 0, sizeof code);
    ch.code = code;
    ch.spans = spans;
    ch.ncode = 16;
    ch.nregs = NREG;
    ch.init = init;
    ch.today_reg = TODAY;
    ch.regex = rx;
    ch.nregex = 1;
    for (int i = 0; i < NREG; i++) init[i] = val_num(-999);
    init[ONE] = val_num(1);
    init[TWO] = val_num(2);
    int32_t today;
    date_from_ymd(2026, 6, 30, &today);
    init[TODAY] = val_int(today);
}

static Instr ins(OpCode op, int x, int d, int a, int b)
{
    Instr in = {(uint8_t)op, (uint16_t)x, (uint16_t)d, (uint16_t)a, (uint16_t)b};
    return in;
}

/* Runs `op x: r0 <- r1, r2` then HALT; the result register and the status. */
static Value run_op(OpCode op, int x, Value a, Value b, int *rc, const char **err)
{
    reset();
    code[0] = ins(op, x, 0, 1, 2);
    code[1] = ins(OP_HALT, 0, 0, 0, 0);
    init[1] = a;
    init[2] = b;
    Vm *vm = vm_new(&ch);
    *rc = vm_run(vm, 0);
    if (err) *err = vm->err;
    Value r = vm->regs[0];
    vm_free(vm);
    return r;
}

/* Runs a jump over r1, r2: 1 if it fell through, 2 if it jumped. */
static int run_jump(OpCode op, Value a, Value b)
{
    reset();
    if (op == OP_JMP) code[0] = ins(op, 0, 0, 0, 3);
    else if (op == OP_JF || op == OP_JT) code[0] = ins(op, 0, 0, 1, 3);
    else code[0] = ins(op, 0, 3, 1, 2);        /* fused: target in d */
    code[1] = ins(OP_MOV, 0, 0, ONE, 0);
    code[2] = ins(OP_HALT, 0, 0, 0, 0);
    code[3] = ins(OP_MOV, 0, 0, TWO, 0);
    code[4] = ins(OP_HALT, 0, 0, 0, 0);
    init[1] = a;
    init[2] = b;
    Vm *vm = vm_new(&ch);
    int rc = vm_run(vm, 0);
    double r = vm->regs[0].u.num;
    vm_free(vm);
    if (rc != 0) return -1;
    return r == 1 ? 1 : r == 2 ? 2 : 0;
}

static Value missing(void)
{
    Value v = val_num(0);
    v.missing = 1;
    return v;
}

static int32_t day(int y, int m, int d)
{
    int32_t out = 0;
    if (!date_from_ymd(y, m, d, &out)) {
        printf("FAIL bad date in the test: %04d-%02d-%02d\n", y, m, d);
        failures++;
    }
    return out;
}

/* ------------------------------------------------------------- arithmetic */

static void num_case(const char *name, OpCode op, double a, double b, double want)
{
    int rc;
    const char *err;
    Value r = run_op(op, 0, val_num(a), val_num(b), &rc, &err);
    char what[120], why[200];
    snprintf(what, sizeof what, "%g,%g", a, b);
    snprintf(why, sizeof why, "rc %d err %s: %.17g, want %.17g", rc, err ? err : "-", r.u.num, want);
    check(name, what, rc == 0 && r.u.num == want && !r.missing, why);
}

static void err_case(const char *name, OpCode op, Value a, Value b, const char *want)
{
    int rc;
    const char *err;
    run_op(op, 0, a, b, &rc, &err);
    char why[200];
    snprintf(why, sizeof why, "rc %d err %s, want an error containing '%s'", rc, err ? err : "-", want);
    check(name, want, rc == -1 && err && strstr(err, want), why);
}

static void test_arith(OpCode op, const char *name)
{
    switch (op) {
    case OP_ADD:
        num_case(name, op, 3, 2, 5);
        num_case(name, op, -3, 2, -1);
        num_case(name, op, 0, 0, 0);
        num_case(name, op, 0.5, 0.25, 0.75);
        err_case(name, op, val_num(1e308), val_num(1e308), "overflows");
        break;
    case OP_SUB:
        num_case(name, op, 5, 3, 2);
        num_case(name, op, 3, 5, -2);
        num_case(name, op, 2, 2, 0);
        num_case(name, op, -1, -4, 3);
        num_case(name, op, 0, 7, -7);
        err_case(name, op, val_num(-1e308), val_num(1e308), "overflows");
        break;
    case OP_MUL:
        num_case(name, op, 3, 4, 12);
        num_case(name, op, -3, 4, -12);
        num_case(name, op, -3, -4, 12);
        num_case(name, op, 0, 5, 0);
        num_case(name, op, 1, 7, 7);
        err_case(name, op, val_num(1e200), val_num(1e200), "overflows");
        break;
    case OP_DIV:
        num_case(name, op, 7, 2, 3.5);
        num_case(name, op, 2, 8, 0.25);
        num_case(name, op, -6, 3, -2);
        num_case(name, op, 0, 5, 0);
        num_case(name, op, 0, 0, 0);
        num_case(name, op, 5, 5, 1);
        err_case(name, op, val_num(1), val_num(0), "division by zero");
        err_case(name, op, val_num(-1), val_num(0), "division by zero");
        err_case(name, op, val_num(1e308), val_num(1e-10), "overflows");
        break;
    case OP_NEG:
        num_case(name, op, 3, 0, -3);
        num_case(name, op, -2.5, 0, 2.5);
        num_case(name, op, 0, 0, 0);
        break;
    default:
        break;
    }
}

/* ------------------------------------------------------------------ dates */

static void date_case(const char *name, OpCode op, int32_t a, double b, double want_days)
{
    int rc;
    Value av = val_int(a);
    Value bv = op == OP_DATE_DIFF ? val_int((int64_t)b) : val_num(b);
    Value r = run_op(op, 0, av, bv, &rc, NULL);
    double got = op == OP_DATE_DIFF ? r.u.num : (double)r.u.i;
    char what[120], why[200];
    snprintf(what, sizeof what, "%d,%g", (int)a, b);
    snprintf(why, sizeof why, "rc %d: %.17g, want %.17g", rc, got, want_days);
    check(name, what, rc == 0 && got == want_days, why);
}

static void test_dates(OpCode op, const char *name)
{
    switch (op) {
    case OP_DATE_ADD:
        date_case(name, op, day(2026, 1, 31), 1, day(2026, 2, 1));
        date_case(name, op, day(2024, 2, 28), 1, day(2024, 2, 29));
        date_case(name, op, day(2026, 2, 28), 1, day(2026, 3, 1));
        date_case(name, op, day(2026, 3, 1), -1, day(2026, 2, 28));
        date_case(name, op, day(2026, 3, 1), 0, day(2026, 3, 1));
        date_case(name, op, day(2026, 3, 1), 1.9, day(2026, 3, 2));   /* whole days */
        date_case(name, op, day(9999, 12, 30), 1, day(9999, 12, 31));
        err_case(name, op, val_int(day(9999, 12, 31)), val_num(1), "date overflows");
        err_case(name, op, val_int(day(2026, 1, 1)), val_num(1e300), "date overflows");
        break;
    case OP_DATE_SUB:
        date_case(name, op, day(2024, 3, 1), 1, day(2024, 2, 29));
        date_case(name, op, day(2026, 3, 1), 1, day(2026, 2, 28));
        date_case(name, op, day(2026, 1, 1), -1, day(2026, 1, 2));
        date_case(name, op, day(2026, 1, 1), 0, day(2026, 1, 1));
        date_case(name, op, day(1, 1, 2), 1, day(1, 1, 1));
        err_case(name, op, val_int(day(1, 1, 1)), val_num(1), "date overflows");
        break;
    case OP_DATE_DIFF:
        date_case(name, op, day(2025, 1, 1), day(2024, 1, 1), 366);
        date_case(name, op, day(2024, 1, 1), day(2025, 1, 1), -366);
        date_case(name, op, day(2026, 3, 1), day(2026, 2, 28), 1);
        date_case(name, op, day(2026, 3, 1), day(2026, 3, 1), 0);
        break;
    default:
        break;
    }
}

/* ------------------------------------------------------------ comparisons */

/* A comparison's answer from the sign of a - b (-1, 0, 1). */
static int want_rel(const char *rel, int sign)
{
    if (strcmp(rel, "EQ") == 0) return sign == 0;
    if (strcmp(rel, "NE") == 0) return sign != 0;
    if (strcmp(rel, "LT") == 0) return sign < 0;
    if (strcmp(rel, "LE") == 0) return sign <= 0;
    if (strcmp(rel, "GT") == 0) return sign > 0;
    return sign >= 0;   /* GE */
}

/* "LT_N" -> "LT", "JFLE_N" -> "LE" */
static void rel_of(const char *name, char rel[3])
{
    const char *p = strncmp(name, "JF", 2) == 0 ? name + 2 : name;
    rel[0] = p[0];
    rel[1] = p[1];
    rel[2] = '\0';
}

static void cmp_case(const char *name, OpCode op, int x, Value a, Value b, int want, const char *what)
{
    int rc;
    Value r = run_op(op, x, a, b, &rc, NULL);
    char why[120];
    snprintf(why, sizeof why, "rc %d: got %lld, want %d", rc, (long long)r.u.i, want);
    check(name, what, rc == 0 && r.u.i == want && !r.missing, why);
}

static void test_cmp_num(OpCode op, const char *name)
{
    static const struct { double a, b; int sign; } p[] = {
        {1, 2, -1}, {2, 2, 0}, {3, 2, 1}, {-1, 0, -1}, {0, -0.0, 0}, {-2, -3, 1},
        {0.1, 0.1000000001, -1}, {-1e300, 1e300, -1},
    };
    char rel[3];
    rel_of(name, rel);
    for (size_t i = 0; i < sizeof p / sizeof p[0]; i++) {
        char what[80];
        snprintf(what, sizeof what, "%g,%g", p[i].a, p[i].b);
        int want = want_rel(rel, p[i].sign);
        if (strncmp(name, "JF", 2) == 0) {
            int got = run_jump(op, val_num(p[i].a), val_num(p[i].b));
            char why[80];
            snprintf(why, sizeof why, "%s, want %s", got == 1 ? "fell through" : got == 2 ? "jumped" : "error",
                     want ? "fall through" : "jump");
            check(name, what, got == (want ? 1 : 2), why);
        } else {
            cmp_case(name, op, 0, val_num(p[i].a), val_num(p[i].b), want, what);
        }
    }
}

static void test_cmp_int(OpCode op, const char *name)
{
    static const struct { int64_t a, b; int sign; } p[] = {
        {1, 2, -1}, {2, 2, 0}, {3, 2, 1}, {-1, 0, -1}, {0, 0, 0}, {-2, -3, 1},
        {20000, 20001, -1}, {(int64_t)1 << 40, 1, 1},
    };
    char rel[3];
    rel_of(name, rel);
    for (size_t i = 0; i < sizeof p / sizeof p[0]; i++) {
        char what[80];
        snprintf(what, sizeof what, "%lld,%lld", (long long)p[i].a, (long long)p[i].b);
        int want = want_rel(rel, p[i].sign);
        if (strncmp(name, "JF", 2) == 0) {
            int got = run_jump(op, val_int(p[i].a), val_int(p[i].b));
            check(name, what, got == (want ? 1 : 2), got == 1 ? "fell through" : "jumped (or failed)");
        } else {
            cmp_case(name, op, 0, val_int(p[i].a), val_int(p[i].b), want, what);
        }
    }
}

/* Stages: members 0 .. 2 in order, 3 and 4 final (x = 3). */
static void test_cmp_stage(OpCode op, const char *name)
{
    static const struct { int64_t a, b; int sign; bool final; } p[] = {
        {0, 1, -1, false}, {1, 1, 0, false}, {2, 1, 1, false}, {0, 2, -1, false},
        {3, 1, 1, true}, {1, 3, -1, true}, {3, 3, 0, true}, {4, 3, 1, true}, {2, 3, -1, true},
    };
    char rel[3];
    rel_of(name, rel);
    for (size_t i = 0; i < sizeof p / sizeof p[0]; i++) {
        char what[80];
        snprintf(what, sizeof what, "%lld,%lld", (long long)p[i].a, (long long)p[i].b);
        int want = p[i].final ? 0 : want_rel(rel, p[i].sign);
        cmp_case(name, op, 3, val_int(p[i].a), val_int(p[i].b), want, what);
    }
}

static void test_cmp_str(OpCode op, const char *name)
{
    static const struct { const char *a, *b; int sign; } p[] = {
        {"ab", "abc", -1}, {"abc", "abc", 0}, {"abd", "abc", 1}, {"b", "B", 1},
        {"", "", 0}, {"", "a", -1}, {"a", "", 1}, {"\xc3\xa9", "z", 1},
    };
    char rel[3];
    rel_of(name, rel);
    for (size_t i = 0; i < sizeof p / sizeof p[0]; i++) {
        char what[80];
        snprintf(what, sizeof what, "'%s','%s'", p[i].a, p[i].b);
        cmp_case(name, op, 0, val_str(p[i].a, (uint32_t)strlen(p[i].a)),
                 val_str(p[i].b, (uint32_t)strlen(p[i].b)), want_rel(rel, p[i].sign), what);
    }
}

/* ------------------------------------------------------------ control flow */

static void test_jumps(OpCode op, const char *name)
{
    switch (op) {
    case OP_JMP:
        check(name, "always", run_jump(op, val_int(0), val_int(0)) == 2, "did not jump");
        break;
    case OP_JF:
        check(name, "false", run_jump(op, val_int(0), val_int(0)) == 2, "did not jump");
        check(name, "true", run_jump(op, val_int(1), val_int(0)) == 1, "jumped");
        break;
    case OP_JT:
        check(name, "false", run_jump(op, val_int(0), val_int(0)) == 1, "jumped");
        check(name, "true", run_jump(op, val_int(1), val_int(0)) == 2, "did not jump");
        break;
    default:
        break;
    }
}

static void test_misc(OpCode op, const char *name)
{
    int rc;
    Value r;
    switch (op) {
    case OP_HALT: {
        reset();
        code[0] = ins(OP_HALT, 0, 0, 0, 0);
        code[1] = ins(OP_MOV, 0, 0, ONE, 0);
        Vm *vm = vm_new(&ch);
        rc = vm_run(vm, 0);
        check(name, "stops", rc == 0 && vm->regs[0].u.num == -999, "ran past HALT");
        vm_free(vm);
        break;
    }
    case OP_MOV:
        r = run_op(op, 0, val_num(-4.5), val_num(9), &rc, NULL);
        check(name, "number", rc == 0 && r.u.num == -4.5 && !r.missing, "wrong copy");
        r = run_op(op, 0, missing(), val_num(9), &rc, NULL);
        check(name, "missing", rc == 0 && r.missing, "lost the missing bit");
        r = run_op(op, 0, val_str("abc", 3), val_num(9), &rc, NULL);
        check(name, "string", rc == 0 && r.len == 3 && memcmp(r.u.str, "abc", 3) == 0, "wrong copy");
        break;
    case OP_NOT:
        r = run_op(op, 0, val_int(0), val_int(0), &rc, NULL);
        check(name, "false", rc == 0 && r.u.i == 1, "not false is not true");
        r = run_op(op, 0, val_int(1), val_int(0), &rc, NULL);
        check(name, "true", rc == 0 && r.u.i == 0, "not true is not false");
        break;
    case OP_IS_MISSING:
        r = run_op(op, 0, missing(), val_int(0), &rc, NULL);
        check(name, "missing", rc == 0 && r.u.i == 1 && !r.missing, "a missing value is not missing");
        r = run_op(op, 0, val_num(0), val_int(0), &rc, NULL);
        check(name, "zero", rc == 0 && r.u.i == 0, "a zero is missing");
        break;
    case OP_COALESCE:
        r = run_op(op, 0, missing(), val_num(7), &rc, NULL);
        check(name, "missing", rc == 0 && r.u.num == 7 && !r.missing, "did not take the default");
        r = run_op(op, 0, val_num(0), val_num(7), &rc, NULL);
        check(name, "zero", rc == 0 && r.u.num == 0 && !r.missing, "replaced a present zero");
        r = run_op(op, 0, val_num(-3), missing(), &rc, NULL);
        check(name, "present", rc == 0 && r.u.num == -3 && !r.missing, "replaced a present value");
        break;
    case OP_SET_MISSING:
        r = run_op(op, 0, val_num(5), val_num(5), &rc, NULL);
        check(name, "sets", rc == 0 && r.missing, "not missing");
        break;
    case OP_STAGE_FROM:
        for (int m = 0; m < 5; m++) {
            r = run_op(op, 3, val_int(m), val_int(0), &rc, NULL);
            char what[40];
            snprintf(what, sizeof what, "member %d of 3 ordered", m);
            check(name, what, rc == 0 && r.u.i == (m < 3), "wrong");
        }
        break;
    case OP_MATCH:
        {
            char rerr[200];
            static const char pat[] = "^[A-Z]{2}-[0-9]+$";
            rx[0] = rx_compile(pat, sizeof pat - 1, rerr, sizeof rerr);
        }
        r = run_op(op, 0, val_str("AB-12", 5), val_int(0), &rc, NULL);
        check(name, "matches", rc == 0 && r.u.i == 1, "no match");
        r = run_op(op, 0, val_str("AB-12x", 5), val_int(0), &rc, NULL);   /* length 5: "AB-12" */
        check(name, "reads only len bytes", rc == 0 && r.u.i == 1, "read past the length");
        r = run_op(op, 0, val_str("AB-1x", 5), val_int(0), &rc, NULL);
        check(name, "no match", rc == 0 && r.u.i == 0, "matched");
        rx_free(rx[0]);
        rx[0] = NULL;
        break;
    default:
        break;
    }
}

/* ------------------------------------------------------------------ calls */

static Value call(const char *fn, int n, const Value *args, int *rc, const char **err)
{
    bool known;
    int idx = std_lookup(fn, n, &known);
    if (idx < 0) {
        *rc = -2;
        return val_num(0);
    }
    reset();
    for (int i = 0; i < n; i++) init[6 + i] = args[i];
    code[0] = ins(OP_CALL, idx, 0, 6, n);
    code[1] = ins(OP_HALT, 0, 0, 0, 0);
    Vm *vm = vm_new(&ch);
    *rc = vm_run(vm, 0);
    if (err) *err = vm->err;
    Value r = vm->regs[0];
    if (r.len) {                /* a string lives in the VM's scratch: copy it */
        static char buf[64];
        memcpy(buf, r.u.str, r.len < 64 ? r.len : 64);
        r.u.str = buf;
    }
    vm_free(vm);
    return r;
}

static void call_num(const char *fn, int n, const Value *args, double want, const char *what)
{
    int rc;
    const char *err = NULL;
    Value r = call(fn, n, args, &rc, &err);
    char nm[64], why[160];
    snprintf(nm, sizeof nm, "CALL %s", fn);
    snprintf(why, sizeof why, "rc %d err %s: %.17g, want %.17g", rc, err ? err : "-", r.u.num, want);
    check(nm, what, rc == 0 && r.u.num == want, why);
}

static void call_str(const char *fn, const char *s, const char *want)
{
    int rc;
    Value a = val_str(s, (uint32_t)strlen(s));
    Value r = call(fn, 1, &a, &rc, NULL);
    char nm[64], why[160];
    snprintf(nm, sizeof nm, "CALL %s", fn);
    snprintf(why, sizeof why, "rc %d: '%.*s', want '%s'", rc, (int)r.len, r.len ? r.u.str : "", want);
    check(nm, s, rc == 0 && r.len == strlen(want) && memcmp(r.u.str, want, r.len) == 0, why);
}

static void call_bool(const char *fn, const char *s, const char *t, int want)
{
    int rc;
    Value a[2] = {val_str(s, (uint32_t)strlen(s)), val_str(t, (uint32_t)strlen(t))};
    Value r = call(fn, 2, a, &rc, NULL);
    char nm[64], what[80];
    snprintf(nm, sizeof nm, "CALL %s", fn);
    snprintf(what, sizeof what, "'%s','%s'", s, t);
    check(nm, what, rc == 0 && r.u.i == want, want ? "false, want true" : "true, want false");
}

#define V1(x) ((Value[]){val_num(x)})
#define V2(x, y) ((Value[]){val_num(x), val_num(y)})
#define V3(x, y, z) ((Value[]){val_num(x), val_num(y), val_num(z)})
#define D1(y, m, d) ((Value[]){val_int(day(y, m, d))})

static void test_call(void)
{
    call_num("abs", 1, V1(-2.5), 2.5, "-2.5");
    call_num("abs", 1, V1(3), 3, "3");
    call_num("floor", 1, V1(2.5), 2, "2.5");
    call_num("floor", 1, V1(-2.5), -3, "-2.5");
    call_num("ceil", 1, V1(2.1), 3, "2.1");
    call_num("ceil", 1, V1(-2.9), -2, "-2.9");
    call_num("round", 1, V1(2.5), 3, "2.5");
    call_num("round", 1, V1(-2.5), -3, "-2.5");
    call_num("round", 1, V1(2.49), 2, "2.49");
    call_num("round", 2, V2(1.005, 2), 1.01, "1.005,2");
    call_num("round", 2, V2(1250, -2), 1300, "1250,-2");
    call_num("round", 2, V2(1.2345, 2), 1.23, "1.2345,2");
    call_num("min", 2, V2(1, 2), 1, "1,2");
    call_num("min", 2, V2(2, 1), 1, "2,1");
    call_num("min", 3, V3(3, -1, 2), -1, "3,-1,2");
    call_num("min", 3, V3(3, 2, -1), -1, "3,2,-1");
    call_num("max", 2, V2(1, 2), 2, "1,2");
    call_num("max", 2, V2(2, 1), 2, "2,1");
    call_num("max", 3, V3(-3, 5, 2), 5, "-3,5,2");
    call_num("max", 3, V3(-3, 2, 5), 5, "-3,2,5");
    call_num("clamp", 3, V3(-1, 0, 10), 0, "below");
    call_num("clamp", 3, V3(0, 0, 10), 0, "low end");
    call_num("clamp", 3, V3(5, 0, 10), 5, "within");
    call_num("clamp", 3, V3(10, 0, 10), 10, "high end");
    call_num("clamp", 3, V3(11, 0, 10), 10, "above");
    /* today is 2026-06-30 */
    call_num("days_since", 1, D1(2026, 6, 1), 29, "2026-06-01");
    call_num("days_since", 1, D1(2026, 6, 30), 0, "today");
    call_num("days_since", 1, D1(2026, 7, 2), -2, "after today");
    call_num("months_since", 1, D1(2026, 5, 30), 1, "a month to the day");
    call_num("months_since", 1, D1(2026, 5, 31), 0, "a day short");
    call_num("months_since", 1, D1(2026, 5, 29), 1, "a day over");
    call_num("months_since", 1, D1(2025, 6, 30), 12, "a year");
    call_num("months_since", 1, D1(2025, 7, 1), 11, "a day short of a year");
    call_num("months_since", 1, D1(2026, 8, 30), -2, "after today");
    Value db[2] = {val_int(day(2024, 1, 1)), val_int(day(2025, 1, 1))};
    call_num("days_between", 2, db, 366, "a leap year");
    Value db2[2] = {val_int(day(2026, 3, 1)), val_int(day(2026, 2, 28))};
    call_num("days_between", 2, db2, -1, "backwards");
    call_str("lower", "AbC-9z", "abc-9z");
    call_str("upper", "AbC-9z", "ABC-9Z");
    call_str("lower", "", "");
    Value l1 = val_str("\xc3\x89t\xc3\xa9", 5);
    call_num("len", 1, &l1, 3, "3 characters in 5 bytes");
    Value l2 = val_str("", 0);
    call_num("len", 1, &l2, 0, "empty");
    call_bool("contains", "key account", "account", 1);
    call_bool("contains", "key account", "acct", 0);
    call_bool("contains", "abc", "", 1);
    call_bool("contains", "abc", "abcd", 0);
    call_bool("contains", "abc", "c", 1);
    call_bool("contains", "", "a", 0);
    /* the empty part, with bytes after both strings that differ: found
       without reading past either */
    Value ce[2] = {val_str("abcX", 3), val_str("Y", 0)};
    Value cr = call("contains", 2, ce, &(int){0}, NULL);
    check("CALL contains", "'abc','' (no terminator)", cr.u.i == 1, "false, want true");
    call_bool("starts_with", "abc", "ab", 1);
    call_bool("starts_with", "abc", "abc", 1);
    call_bool("starts_with", "abc", "", 1);
    call_bool("starts_with", "ab", "abc", 0);
    call_bool("starts_with", "abc", "bc", 0);
    int rc;
    const char *err = NULL;
    call("round", 2, V2(1.7e308, -308), &rc, &err);
    check("CALL round", "overflow", rc == -1 && err && strstr(err, "overflows"), "no error");
}

/* ------------------------------------------------------------- aggregates */

enum { A_TOTAL, A_AVG, A_MIN, A_MAX, A_COUNT, A_RANK, A_PCT, A_N };

static void agg_setup(void)
{
    static const struct { const char *fn; int n; } f[A_N] = {
        {"total", 1}, {"avg", 1}, {"min", 1}, {"max", 1}, {"count", 1}, {"rank", 1}, {"percentile", 1},
    };
    reset();
    for (int i = 0; i < A_N; i++) {
        bool known;
        memset(&aggs[i], 0, sizeof aggs[i]);
        aggs[i].fn = std_lookup(f[i].fn, f[i].n, &known);
        aggs[i].arg_reg = 1;
        aggs[i].filter_reg = 2;
    }
    ch.aggs = aggs;
    ch.naggs = A_N;
}

/* Pass one over vals (filter: keep[i]), then AGG slot x with argument arg. */
static double agg_run(const double *vals, const int *keep, int n, int slot, double arg)
{
    agg_setup();
    Vm *vm = vm_new(&ch);
    code[0] = ins(OP_AGG_ADD, slot, 0, 1, 2);
    code[1] = ins(OP_HALT, 0, 0, 0, 0);
    code[2] = ins(OP_AGG, slot, 0, 1, 0);
    code[3] = ins(OP_HALT, 0, 0, 0, 0);
    for (int i = 0; i < n; i++) {
        vm->regs[1] = slot == A_COUNT ? val_int(vals[i] != 0) : val_num(vals[i]);
        vm->regs[2] = val_int(keep[i]);
        vm_run(vm, 0);
    }
    vm_agg_finish(vm);
    vm->regs[1] = val_num(arg);
    int rc = vm_run(vm, 2);
    double r = rc == 0 ? vm->regs[0].u.num : NAN;
    vm_free(vm);
    return r;
}

static void test_agg(OpCode op, const char *name)
{
    static const double v[] = {300, 300, 100, 300, 50, -20};
    static const int all[] = {1, 1, 1, 1, 1, 1};
    static const int big[] = {1, 1, 0, 0, 1, 0};
    static const int none[] = {0, 0, 0, 0, 0, 0};
    static const struct { int slot; const int *keep; int n; double arg, want; const char *what; } c[] = {
        {A_TOTAL, all, 6, 0, 1030, "total"},
        {A_TOTAL, big, 6, 0, 650, "total where"},
        {A_TOTAL, none, 6, 0, 0, "total of nothing"},
        {A_AVG, all, 5, 0, 210, "avg"},
        {A_AVG, big, 6, 0, 650.0 / 3, "avg where"},
        {A_AVG, none, 6, 0, 0, "avg of nothing"},
        {A_MIN, all, 6, 0, -20, "min"},
        {A_MIN, big, 6, 0, 50, "min where"},
        {A_MIN, none, 6, 0, 0, "min of nothing"},
        {A_MAX, all, 6, 0, 300, "max"},
        {A_MAX, all, 3, 0, 300, "max first"},
        {A_MAX, none, 6, 0, 0, "max of nothing"},
        {A_MIN, all, 1, 0, 300, "min of one"},
        {A_COUNT, all, 6, 0, 6, "count"},
        {A_COUNT, big, 6, 0, 3, "count where"},
        {A_COUNT, none, 6, 0, 0, "count of nothing"},
        {A_RANK, all, 6, 300, 1, "rank of a tied top"},
        {A_RANK, all, 6, 100, 4, "rank after a tie"},
        {A_RANK, all, 6, 50, 5, "rank 5"},
        {A_RANK, all, 6, -20, 6, "rank of the lowest"},
        {A_RANK, big, 6, 100, 3, "rank where"},
        {A_RANK, all, 6, 1000, 1, "rank above all"},
        {A_PCT, all, 6, 300, 0.5, "percentile of a tied top"},
        {A_PCT, all, 6, 100, 2.0 / 6, "percentile"},
        {A_PCT, all, 6, -20, 0, "percentile of the lowest"},
        {A_PCT, all, 6, 301, 1, "percentile above all"},
        {A_PCT, none, 6, 5, 0, "percentile of nothing"},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        double got = agg_run(v, c[i].keep, c[i].n, c[i].slot, c[i].arg);
        char why[120];
        snprintf(why, sizeof why, "%.17g, want %.17g", got, c[i].want);
        check(name, c[i].what, got == c[i].want, why);
    }
    (void)op;
}

/* ----------------------------------------------------------------- limits */

/* Records (key, by, candidate?) through LIMIT_ADD, then which LIMIT_GET keeps. */
static void limit_run(const char *name, int n, const char *const *keys, const double *by,
                      const int *cand, double count, const char *want)
{
    reset();
    lims[0].select = NULL;
    lims[0].count_reg = 3;
    ch.limits = lims;
    ch.nlimits = 1;
    init[3] = val_num(count);
    Vm *vm = vm_new(&ch);
    code[0] = ins(OP_LIMIT_ADD, 0, 0, 1, 2);
    code[1] = ins(OP_HALT, 0, 0, 0, 0);
    code[2] = ins(OP_LIMIT_GET, 0, 0, 1, 0);
    code[3] = ins(OP_HALT, 0, 0, 0, 0);
    for (int i = 0; i < n; i++) {
        vm->ordinal = i;
        vm->key = keys[i];
        vm->keylen = strlen(keys[i]);
        vm->regs[1] = val_int(cand[i]);
        vm->regs[2] = val_num(by[i]);
        vm_run(vm, 0);
    }
    vm_agg_finish(vm);
    char got[64] = "";
    for (int i = 0; i < n; i++) {
        vm->ordinal = i;
        vm->regs[1] = val_int(cand[i]);
        vm_run(vm, 2);
        if (vm->regs[0].u.i) strcat(got, keys[i]);
    }
    vm_free(vm);
    char why[160];
    snprintf(why, sizeof why, "kept '%s', want '%s'", got, want);
    char what[80];
    snprintf(what, sizeof what, "to %g: %s", count, want);
    check(name, what, strcmp(got, want) == 0, why);
}

static void test_limit(const char *name)
{
    static const char *const keys[] = {"C", "A", "B", "D", "E", "F"};
    static const double by[] = {300, 300, 100, 300, 50, -20};
    static const int cand[] = {1, 1, 1, 1, 1, 0};
    static const double by_top[] = {300, 300, 100, 300, 50, 999};   /* F, no candidate, tops */
    static const int all[] = {1, 1, 1, 1, 1, 1};
    limit_run(name, 6, keys, by, cand, 2, "CA");        /* tie at 300: A, C before D */
    limit_run(name, 6, keys, by, cand, 3, "CAD");
    limit_run(name, 6, keys, by, cand, 4, "CABD");
    limit_run(name, 6, keys, by, cand, 1, "A");
    limit_run(name, 6, keys, by, cand, 0, "");
    limit_run(name, 6, keys, by, cand, -1, "");
    limit_run(name, 6, keys, by, cand, 99, "CABDE");    /* F is no candidate */
    limit_run(name, 6, keys, by_top, cand, 2, "CA");    /* and takes no place */
    limit_run(name, 6, keys, by, all, 6, "CABDEF");
    limit_run(name, 6, keys, by, all, 5, "CABDE");      /* the lowest (negative) goes */
    static const double neg[] = {-1, -2, -3, -1, 0, 5};
    limit_run(name, 6, keys, neg, all, 2, "EF");
    limit_run(name, 6, keys, neg, all, 3, "CEF");     /* tie at -1: C before D */
}

/* ----------------------------------------------------------------- groups */

/* GROUP before AGG_ADD / AGG / LIMIT_ADD: each group (a string here, and
 * the missing value's own group) has its state; an unseen group is empty. */
static void test_group(const char *name)
{
    static const char *const team[] = {"red", "", "red", "blue", "", "red"};
    static const double v[] = {10, 40, 30, 5, 60, 20};
    agg_setup();
    aggs[A_TOTAL].group = GROUP_STR;
    aggs[A_RANK].group = GROUP_STR;
    Vm *vm = vm_new(&ch);
    code[0] = ins(OP_GROUP, 0, 0, 3, 0);
    code[1] = ins(OP_AGG_ADD, A_TOTAL, 0, 1, 2);
    code[2] = ins(OP_GROUP, 0, 0, 3, 0);
    code[3] = ins(OP_AGG_ADD, A_RANK, 0, 1, 2);
    code[4] = ins(OP_HALT, 0, 0, 0, 0);
    code[5] = ins(OP_GROUP, 0, 0, 3, 0);
    code[6] = ins(OP_AGG, A_TOTAL, 0, 1, 0);
    code[7] = ins(OP_HALT, 0, 0, 0, 0);
    code[8] = ins(OP_GROUP, 0, 0, 3, 0);
    code[9] = ins(OP_AGG, A_RANK, 0, 1, 0);
    code[10] = ins(OP_HALT, 0, 0, 0, 0);
    for (int i = 0; i < 6; i++) {
        vm->regs[1] = val_num(v[i]);
        vm->regs[2] = val_int(1);
        Value g = val_str(team[i], (uint32_t)strlen(team[i]));
        if (!*team[i]) g.missing = 1;
        vm->regs[3] = g;
        vm_run(vm, 0);
    }
    vm_agg_finish(vm);
    static const struct { const char *team; bool missing; int pc; double arg, want; const char *what; } c[] = {
        {"red", false, 5, 0, 60, "total of red"},
        {"blue", false, 5, 0, 5, "total of blue"},
        {"", true, 5, 0, 100, "total of the missing group"},
        {"green", false, 5, 0, 0, "total of a group never seen"},
        {"red", false, 8, 20, 2, "rank in red"},
        {"", true, 8, 40, 2, "rank in the missing group"},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        Value g = val_str(c[i].team, (uint32_t)strlen(c[i].team));
        g.missing = c[i].missing;
        vm->regs[3] = g;
        vm->regs[1] = val_num(c[i].arg);
        int rc = vm_run(vm, c[i].pc);
        double got = rc == 0 ? vm->regs[0].u.num : NAN;
        char why[120];
        snprintf(why, sizeof why, "%.17g, want %.17g", got, c[i].want);
        check(name, c[i].what, got == c[i].want, why);
    }
    vm_free(vm);
    /* a limit per group: 1 per team, ties by key */
    reset();
    lims[0].select = NULL;
    lims[0].count_reg = 6;
    lims[0].group = GROUP_STR;
    ch.limits = lims;
    ch.nlimits = 1;
    init[6] = val_num(1);
    vm = vm_new(&ch);
    code[0] = ins(OP_GROUP, 0, 0, 3, 0);
    code[1] = ins(OP_LIMIT_ADD, 0, 0, 1, 2);
    code[2] = ins(OP_HALT, 0, 0, 0, 0);
    code[3] = ins(OP_LIMIT_GET, 0, 0, 1, 0);
    code[4] = ins(OP_HALT, 0, 0, 0, 0);
    static const char *const keys[] = {"A", "B", "C", "D", "E", "F"};
    for (int i = 0; i < 6; i++) {
        vm->ordinal = i;
        vm->key = keys[i];
        vm->keylen = 1;
        vm->regs[1] = val_int(1);
        vm->regs[2] = val_num(v[i]);
        Value g = val_str(team[i], (uint32_t)strlen(team[i]));
        if (!*team[i]) g.missing = 1;
        vm->regs[3] = g;
        vm_run(vm, 0);
    }
    vm_agg_finish(vm);
    char got[16] = "";
    for (int i = 0; i < 6; i++) {
        vm->ordinal = i;
        vm->regs[1] = val_int(1);
        vm_run(vm, 3);
        if (vm->regs[0].u.i) strcat(got, keys[i]);
    }
    vm_free(vm);
    check(name, "a limit of 1 per group keeps each group's top", strcmp(got, "CDE") == 0, got);
}

/* ---------------------------------------------------------------- date.c */

static void test_date_c(void)
{
    int32_t d;
    check("date.c", "2024-02-29 exists", date_from_ymd(2024, 2, 29, &d), "refused");
    check("date.c", "2000-02-29 exists", date_from_ymd(2000, 2, 29, &d), "refused");
    check("date.c", "2026-02-29 does not", !date_from_ymd(2026, 2, 29, &d), "accepted");
    check("date.c", "2100-02-29 does not", !date_from_ymd(2100, 2, 29, &d), "accepted");
    check("date.c", "04-31 does not", !date_from_ymd(2026, 4, 31, &d), "accepted");
    check("date.c", "12-31 exists", date_from_ymd(2026, 12, 31, &d), "refused");
    check("date.c", "month 13 does not", !date_from_ymd(2026, 13, 1, &d), "accepted");
    check("date.c", "day 0 does not", !date_from_ymd(2026, 1, 0, &d), "accepted");
    check("date.c", "1970-01-01 is day 0", date_from_ymd(1970, 1, 1, &d) && d == 0, "not 0");
    int y, m, dd;
    date_to_ymd(day(2024, 2, 29), &y, &m, &dd);
    check("date.c", "round trip of a leap day", y == 2024 && m == 2 && dd == 29, "wrong");
    date_to_ymd(-1, &y, &m, &dd);
    check("date.c", "day -1 is 1969-12-31", y == 1969 && m == 12 && dd == 31, "wrong");
    check("date.c", "parse", date_parse("2026-03-01", 10, &d) && d == day(2026, 3, 1), "wrong");
    check("date.c", "parse refuses 2026-02-30", !date_parse("2026-02-30", 10, &d), "accepted");
    char buf[11];
    date_format(day(987, 6, 5), buf);
    check("date.c", "format pads", strcmp(buf, "0987-06-05") == 0, buf);
    static const struct { int fy, fm, fd, ty, tm, td, want; } mb[] = {
        {2026, 2, 15, 2026, 3, 15, 1}, {2026, 2, 15, 2026, 3, 14, 0}, {2026, 2, 15, 2026, 3, 16, 1},
        {2026, 1, 31, 2026, 2, 28, 0}, {2026, 1, 31, 2026, 3, 31, 2}, {2024, 2, 29, 2025, 2, 28, 11},
        {2024, 2, 29, 2025, 3, 1, 12}, {2026, 3, 15, 2026, 1, 15, -2}, {2025, 1, 10, 2026, 1, 10, 12},
    };
    for (size_t i = 0; i < sizeof mb / sizeof mb[0]; i++) {
        int got = date_months_between(day(mb[i].fy, mb[i].fm, mb[i].fd), day(mb[i].ty, mb[i].tm, mb[i].td));
        char what[80], why[80];
        snprintf(what, sizeof what, "months_between %04d-%02d-%02d %04d-%02d-%02d", mb[i].fy, mb[i].fm,
                 mb[i].fd, mb[i].ty, mb[i].tm, mb[i].td);
        snprintf(why, sizeof why, "%d, want %d", got, mb[i].want);
        check("date.c", what, got == mb[i].want, why);
    }
}

/* ------------------------------------------------------------------ main */

static void test_op(OpCode op, const char *name)
{
    switch (op) {
    case OP_ADD: case OP_SUB: case OP_MUL: case OP_DIV: case OP_NEG:
        test_arith(op, name);
        break;
    case OP_DATE_ADD: case OP_DATE_SUB: case OP_DATE_DIFF:
        test_dates(op, name);
        break;
    case OP_EQ_N: case OP_NE_N: case OP_LT_N: case OP_LE_N: case OP_GT_N: case OP_GE_N:
    case OP_JFEQ_N: case OP_JFNE_N: case OP_JFLT_N: case OP_JFLE_N: case OP_JFGT_N: case OP_JFGE_N:
        test_cmp_num(op, name);
        break;
    case OP_EQ_I: case OP_NE_I: case OP_LT_I: case OP_LE_I: case OP_GT_I: case OP_GE_I:
    case OP_JFEQ_I: case OP_JFNE_I:
        test_cmp_int(op, name);
        break;
    case OP_LT_ST: case OP_LE_ST: case OP_GT_ST: case OP_GE_ST:
        test_cmp_stage(op, name);
        break;
    case OP_EQ_S: case OP_NE_S: case OP_LT_S: case OP_LE_S: case OP_GT_S: case OP_GE_S:
        test_cmp_str(op, name);
        break;
    case OP_JMP: case OP_JF: case OP_JT:
        test_jumps(op, name);
        break;
    case OP_HALT: case OP_MOV: case OP_NOT: case OP_IS_MISSING: case OP_COALESCE:
    case OP_SET_MISSING: case OP_STAGE_FROM: case OP_MATCH:
        test_misc(op, name);
        break;
    case OP_CALL:
        test_call();
        break;
    case OP_AGG: case OP_AGG_ADD:
        test_agg(op, name);
        break;
    case OP_LIMIT_ADD: case OP_LIMIT_GET:
        test_limit(name);
        break;
    case OP_GROUP:
        test_group(name);
        break;
    default:
        break;          /* no case: reported below */
    }
}

int main(void)
{
    static const struct { OpCode op; const char *name; } ops[] = {
#define OP(name, operands, doc) {OP_##name, #name},
#include "opcodes.def"
#undef OP
    };
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        cases = 0;
        test_op(ops[i].op, ops[i].name);
        if (cases == 0) {
            printf("FAIL %s: no test case in tests/unit/test_vm_ops.c\n", ops[i].name);
            failures++;
        }
    }
    test_date_c();
    return failures ? 1 : 0;
}
