/* test_vm_runs.c — the runs of instructions a VM's first vm_run fuses into
 * one instruction of its own code besides test_vm_fuse.c's pairs
 * (runtime/vm.c, fuse()): calls of days_since and months_since (alone,
 * after a MOV, after a COALESCE and a MOV), MOV; MOV; JMP, an entitlement
 * term's JF; MOV; JMP; SET_MISSING, two conditional jumps to one place
 * (every pairing of JF, JT, JFGE_N and JFEQ_I), JFGE_N over an ADD,
 * total() without `per`, a run of those two adding to one register (a
 * score's lines), such a run after a MOV of a constant to that register
 * (a score's start, its weights constants), a chain of JFEQ_I on one register (one table
 * jump), a stage comparison with a constant (a range check); also the
 * stage comparisons (LT_ST .. GE_ST), whose code lost its branches. Each
 * is run fused (as vm_run leaves it) and unfused (a VM told not to fuse,
 * vm->nofuse), and every register must come out the same, with the same
 * status and error place.
 * The date arithmetic (stdlib/dates.h) is held to base/date.c's for every
 * day kam handles. Prints "PASS name" or "FAIL name: reason"; exit 1 if
 * any failed. */
#include "vm.h"
#include "dates.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit_check.h"
#include "vm_unit.h"

enum { NREG = 12, NCODE = 24, TODAY = NREG - 1 };

static Instr code[NCODE];
static Span spans[NCODE];
static Value init[NREG];
static uint8_t role[NREG];
static AggSlot aggs[1];
static Chunk ch;

static void reset(void)
{
    memset(&ch, 0, sizeof ch);
    memset(code, 0, sizeof code);       /* HALT */
    memset(init, 0, sizeof init);
    memset(aggs, 0, sizeof aggs);
    memset(role, REG_TEMP, sizeof role);
    for (int i = 0; i < NCODE; i++) spans[i] = (Span){0, i * 10, i * 10 + 5};
    ch.code = code;
    ch.spans = spans;
    ch.ncode = NCODE;
    ch.nregs = NREG;
    ch.init = init;
    ch.today_reg = TODAY;
    ch.aggs = aggs;
    ch.role = role;
}

typedef struct Outcome {
    int rc;
    int err_start;
    const char *err;
    Value regs[NREG];
} Outcome;

/* Set before run(): the aggregate state the VM starts with. */
static AggState agg0;

/* Runs the chunk from pc (fused or not); *nfused: instructions fused. */
static Outcome run_at(bool fused, int pc, int *nfused)
{
    Outcome o;
    memset(&o, 0, sizeof o);
    Vm *vm = vm_made(&ch, fused, nfused);
    if (ch.naggs) vm->agg[0] = agg0;
    o.rc = vm_run(vm, pc);
    o.err_start = o.rc ? (int)vm->err_span.start : -1;
    o.err = o.rc ? vm->err : NULL;
    regs_taken(vm, o.regs, NREG);
    if (ch.naggs) vm->agg[0].vals = NULL;
    vm_free(vm);
    return o;
}

/* The same outcome both ways from pc, and want instructions fused. */
static void agree_at(const char *name, int pc, int want)
{
    int nfused;
    Outcome f = run_at(true, pc, &nfused), u = run_at(false, pc, NULL);
    char why[400];
    int same = f.rc == u.rc && f.err_start == u.err_start &&
               (f.err == u.err || (f.err && u.err && strcmp(f.err, u.err) == 0));
    char regs[160];
    if (regs_differ(f.regs, u.regs, NREG, regs, sizeof regs) >= 0) same = 0;
    snprintf(why, sizeof why, "fused %d (want %d); rc %d/%d, error at %d/%d; %s", nfused, want, f.rc,
             u.rc, f.err_start, u.err_start, regs);
    check(name, same && nfused == want, why);
}

static void agree(const char *name, int want)
{
    agree_at(name, 0, want);
}

static Value odd(Value v, uint32_t len, uint8_t miss)
{
    v.len = len;
    v.missing = miss;
    return v;
}

static int32_t ymd(int y, int m, int d)
{
    int32_t out = 0;
    if (!date_from_ymd(y, m, d, &out)) {
        fprintf(stderr, "bad test date %d-%d-%d\n", y, m, d);
        exit(2);
    }
    return out;
}

/* ------------------------------------------------------------ the dates */

/* dates_ymd against date_to_ymd: every day kam handles and a margin past
 * each end, then day counts no date has (a missing value's bits). */
static void test_ymd(void)
{
    long bad = 0;
    int32_t first_bad = 0;
    for (int32_t t = DATE_MIN - 400; t <= DATE_MAX + 400; t++) {
        int y1, m1, d1, y2, m2, d2;
        dates_ymd(t, &y1, &m1, &d1);
        date_to_ymd(t, &y2, &m2, &d2);
        if (y1 != y2 || m1 != m2 || d1 != d2) {
            if (!bad) first_bad = t;
            bad++;
        }
    }
    char why[120];
    snprintf(why, sizeof why, "%ld days differ, the first %ld", bad, (long)first_bad);
    check("dates_ymd = date_to_ymd for every day from 0001-01-01 to 9999-12-31", bad == 0, why);
    static const int32_t far[] = {INT32_MIN, INT32_MIN + 1, -12699423, -12699422, -719469, -1,
                                  0, 2932897, 100000000, INT32_MAX - 1, INT32_MAX};
    bad = 0;
    for (size_t i = 0; i < sizeof far / sizeof far[0]; i++) {
        int y1, m1, d1, y2, m2, d2;
        dates_ymd(far[i], &y1, &m1, &d1);
        date_to_ymd(far[i], &y2, &m2, &d2);
        bad += y1 != y2 || m1 != m2 || d1 != d2;
    }
    check("dates_ymd = date_to_ymd for day counts outside the dates", bad == 0, "some differ");
}

/* The dates the since tests take: month ends, leap days, a year's ends,
 * the ends of the range, and a day either side of today. */
static int32_t edge[64];
static int nedge;

static void init_edges(void)
{
    static const int ymds[][3] = {
        {2026, 6, 30}, {2026, 6, 29}, {2026, 7, 1}, {2026, 5, 31}, {2026, 1, 1}, {2025, 12, 31},
        {2026, 12, 31}, {2027, 1, 1}, {2024, 2, 29}, {2024, 2, 28}, {2024, 3, 1}, {2023, 2, 28},
        {2023, 3, 1}, {2000, 2, 29}, {2000, 1, 1}, {1900, 2, 28}, {1900, 3, 1}, {2100, 2, 28},
        {2026, 1, 31}, {2026, 2, 28}, {2026, 3, 31}, {2026, 4, 30}, {1970, 1, 1}, {1969, 12, 31},
        {1, 1, 1}, {1, 12, 31}, {9999, 12, 31}, {9999, 1, 1}, {1600, 2, 29}, {400, 2, 29},
    };
    nedge = 0;
    for (size_t i = 0; i < sizeof ymds / sizeof ymds[0]; i++)
        edge[nedge++] = ymd(ymds[i][0], ymds[i][1], ymds[i][2]);
}

/* The date arithmetic itself: months and days between every pair of edge
 * dates and random ones, today moving, against base/date.c. */
static void test_since_math(void)
{
    StdCtx cx;
    memset(&cx, 0, sizeof cx);
    long bad = 0, n = 0;
    uint64_t s = 88172645463325252ull;
    for (int k = 0; k < nedge + 2000; k++) {
        int32_t today;
        if (k < nedge) {
            today = edge[k];
        } else {
            s ^= s << 13, s ^= s >> 7, s ^= s << 17;
            today = DATE_MIN + (int32_t)(s % (uint64_t)(DATE_MAX - DATE_MIN + 1));
        }
        for (int j = 0; j < nedge + 50; j++) {
            int32_t from;
            if (j < nedge) {
                from = edge[j];
            } else {
                s ^= s << 13, s ^= s >> 7, s ^= s << 17;
                from = today + (int32_t)(s % 4000) - 2000;
                if (from < DATE_MIN || from > DATE_MAX) from = today;
            }
            Value a = val_int(from);
            Value m = dates_months_since(&cx, today, &a), d = dates_days_since(today, &a);
            bad += m.u.num != (double)date_months_between(from, today);
            bad += d.u.num != (double)today - (double)from;
            n++;
        }
    }
    char why[80];
    snprintf(why, sizeof why, "%ld of %ld differ", bad, n);
    check("months and days since = base/date.c's, today moving", bad == 0, why);
}

/* ----------------------------------------------- the calls, fused or not */

/* Arguments: edge dates, and missing values with various bits. */
static Value since_arg(int k)
{
    static const int64_t junk[] = {0, -1, 12345, (int64_t)1 << 40, INT64_MIN, INT64_MAX};
    if (k < nedge) return val_int(edge[k]);
    return odd(val_int(junk[k - nedge]), 0, 1);
}

static int since_args(void)
{
    return nedge + 6;
}

static void test_since_calls(void)
{
    bool known;
    int fns[2] = {std_lookup("days_since", 1, &known), std_lookup("months_since", 1, &known)};
    static const char *const fname[2] = {"days_since", "months_since"};
    static const int todays[][3] = {{2026, 6, 30}, {2024, 2, 29}, {2026, 12, 31}, {2027, 1, 1}, {1, 1, 1},
                                    {9999, 12, 31}};
    int nt = (int)(sizeof todays / sizeof todays[0]);
    for (int f = 0; f < 2; f++)
        for (int t = 0; t < nt; t++)
            for (int k = 0; k < since_args(); k++) {
                char name[160];
                int32_t today = ymd(todays[t][0], todays[t][1], todays[t][2]);
                /* CALL alone */
                reset();
                init[TODAY] = val_int(today);
                init[1] = since_arg(k);
                code[0] = ins(OP_CALL, fns[f], 2, 1, 1);
                snprintf(name, sizeof name, "CALL %s alone, today %d, argument %d", fname[f], t, k);
                agree(name, 1);
                /* MOV t <- a; CALL d <- t */
                reset();
                init[TODAY] = val_int(today);
                init[1] = since_arg(k);
                code[0] = ins(OP_MOV, 0, 3, 1, 0);
                code[1] = ins(OP_CALL, fns[f], 4, 3, 1);
                snprintf(name, sizeof name, "MOV; CALL %s, today %d, argument %d", fname[f], t, k);
                agree(name, 2);
                /* the same into the MOV's own register */
                reset();
                init[TODAY] = val_int(today);
                init[1] = since_arg(k);
                code[0] = ins(OP_MOV, 0, 3, 1, 0);
                code[1] = ins(OP_CALL, fns[f], 3, 3, 1);
                snprintf(name, sizeof name, "MOV; CALL %s in place, today %d, argument %d", fname[f], t, k);
                agree(name, 2);
                /* COALESCE c <- a, default; MOV t <- c; CALL d <- t */
                for (int miss = 0; miss < 2; miss++) {
                    reset();
                    init[TODAY] = val_int(today);
                    init[1] = miss ? odd(val_int(k), 0, 1) : since_arg(k);
                    init[2] = val_int(ymd(2000, 1, 1));
                    code[0] = ins(OP_COALESCE, 0, 3, 1, 2);
                    code[1] = ins(OP_MOV, 0, 4, 3, 0);
                    code[2] = ins(OP_CALL, fns[f], 5, 4, 1);
                    snprintf(name, sizeof name, "COALESCE; MOV; CALL %s, today %d, argument %d%s",
                             fname[f], t, k, miss ? " missing" : "");
                    agree(name, 3);
                    /* a jump onto the skipped MOV, and onto the skipped CALL */
                    code[3] = ins(OP_HALT, 0, 0, 0, 0);
                    snprintf(name, sizeof name, "jump onto the MOV after COALESCE (%s, %d, %d%s)", fname[f],
                             t, k, miss ? " missing" : "");
                    agree_at(name, 1, 3);
                    snprintf(name, sizeof name, "jump onto the CALL after MOV (%s, %d, %d%s)", fname[f], t,
                             k, miss ? " missing" : "");
                    agree_at(name, 2, 3);
                }
            }
    /* not fused: a MOV whose register the CALL does not read; two arguments */
    reset();
    init[TODAY] = val_int(ymd(2026, 6, 30));
    init[1] = val_int(ymd(2025, 1, 31));
    code[0] = ins(OP_MOV, 0, 3, 1, 0);
    code[1] = ins(OP_CALL, fns[1], 4, 1, 1);
    agree("MOV; CALL months_since of another register: the CALL alone fused", 1);
    int between = std_lookup("days_between", 2, &known);
    reset();
    init[TODAY] = val_int(ymd(2026, 6, 30));
    init[1] = val_int(ymd(2025, 1, 31));
    init[2] = val_int(ymd(2026, 3, 1));
    code[0] = ins(OP_CALL, between, 4, 1, 2);
    agree("CALL days_between: not fused", 0);
}

/* One VM, fused, today changing between runs: months_since must follow
 * (its y-m-d of today is cached). */
static void test_today_moves(void)
{
    bool known;
    int fn = std_lookup("months_since", 1, &known);
    reset();
    code[0] = ins(OP_MOV, 0, 3, 1, 0);
    code[1] = ins(OP_CALL, fn, 4, 3, 1);
    Vm *vm = vm_new(&ch);
    long bad = 0;
    for (int t = 0; t < nedge; t++)
        for (int k = 0; k < nedge; k++) {
            vm_set_today(vm, edge[t]);
            vm->regs[1] = val_int(edge[k]);
            if (vm_run(vm, 0) != 0 || vm->regs[4].u.num != (double)date_months_between(edge[k], edge[t]))
                bad++;
        }
    int fused = vm->code[0].op >= OP__COUNT;
    vm_free(vm);
    check("months_since fused, today changing between records", bad == 0 && fused,
          "a result differs from date_months_between, or nothing fused");
}

/* ------------------------------------------------ tiers and entitlements */

/* MOV; MOV; JMP (MOV2_JMP), MOV; MOV (MOV2), JF over MOV; MOV; JMP. */
static void test_mov2_jmp(void)
{
    static const char text[] = "gold";
    Value srcs[3] = {val_str(text, 4), odd(val_int(-1), 0, 1), val_num(-0.0)};
    /* register choices: (d, a, d2, a2), overlapping every way */
    static const int regs[][4] = {{1, 2, 3, 4}, {1, 2, 3, 1}, {1, 2, 2, 1}, {1, 2, 1, 4}, {1, 1, 3, 3}};
    for (size_t r = 0; r < sizeof regs / sizeof regs[0]; r++)
        for (int s = 0; s < 3; s++) {
            reset();
            for (int i = 1; i <= 4; i++) init[i] = i == 2 ? srcs[s] : val_int(10 + i);
            init[4] = srcs[(s + 1) % 3];
            code[0] = ins(OP_MOV, 0, regs[r][0], regs[r][1], 0);
            code[1] = ins(OP_MOV, 0, regs[r][2], regs[r][3], 0);
            code[2] = ins(OP_JMP, 0, 0, 0, 5);
            code[3] = ins(OP_MOV, 0, 6, 2, 0);      /* must be jumped over */
            code[4] = ins(OP_HALT, 0, 0, 0, 0);
            code[5] = ins(OP_MOV, 0, 7, 4, 0);      /* the target */
            char name[100];
            snprintf(name, sizeof name, "MOV; MOV; JMP, registers %zu, source %d", r, s);
            agree(name, 1);
            snprintf(name, sizeof name, "a jump onto the second MOV (registers %zu, source %d)", r, s);
            agree_at(name, 1, 1);
        }
    /* MOV; MOV with no JMP after (MOV2), and JF c -> +4 before MOV; MOV; JMP */
    for (size_t r = 0; r < sizeof regs / sizeof regs[0]; r++)
        for (int s = 0; s < 3; s++)
            for (int c = 0; c < 3; c++) {
                reset();
                for (int i = 1; i <= 4; i++) init[i] = i == 2 ? srcs[s] : val_int(10 + i);
                init[4] = srcs[(s + 1) % 3];
                init[8] = c == 0 ? val_int(0) : c == 1 ? val_int(-3) : odd(val_int(0), 0, 1);
                code[0] = ins(OP_JF, 0, 0, 8, 4);
                code[1] = ins(OP_MOV, 0, regs[r][0], regs[r][1], 0);
                code[2] = ins(OP_MOV, 0, regs[r][2], regs[r][3], 0);
                code[3] = ins(OP_JMP, 0, 0, 0, 7);
                code[4] = ins(OP_MOV, 0, 6, 2, 0);      /* JF's target: MOV; MOV */
                code[5] = ins(OP_MOV, 0, 7, 4, 0);
                code[6] = ins(OP_HALT, 0, 0, 0, 0);
                code[7] = ins(OP_MOV, 0, 9, 1, 0);      /* JMP's target */
                char name[100];
                snprintf(name, sizeof name, "JF; MOV; MOV; JMP, then MOV; MOV (registers %zu, source %d, cond %d)",
                         r, s, c);
                agree(name, 3);
                snprintf(name, sizeof name, "a jump onto MOV; MOV; JMP after JF (registers %zu, source %d, cond %d)",
                         r, s, c);
                agree_at(name, 1, 3);
            }
    reset();
    code[0] = ins(OP_MOV, 0, 1, 2, 0);
    code[1] = ins(OP_MOV, 0, 3, 4, 0);
    code[2] = ins(OP_JT, 0, 0, 5, 5);
    agree("MOV; MOV; JT: MOV; MOV fused alone", 1);
}

static void test_sel_miss(void)
{
    static const char text[] = "sla";
    Value conds[4] = {val_int(0), val_int(1), val_int(-7), odd(val_int(0), 0, 1)};
    Value srcs[4] = {val_str(text, 3), odd(val_int(5), 0, 1), val_num(4), val_num(-0.0)};
    for (int c = 0; c < 4; c++)
        for (int s = 0; s < 4; s++)
            for (int alias = 0; alias < 3; alias++) {
                /* alias 0: c, d, a apart; 1: d is a; 2: d is c */
                int rc = 1, rd = alias == 2 ? 1 : 3, ra = alias == 1 ? 3 : 2;
                reset();
                init[1] = conds[c];
                init[2] = srcs[s];
                init[3] = alias == 1 ? srcs[s] : odd(val_int(99), 7, 0);
                if (alias == 2) init[1] = conds[c];
                code[0] = ins(OP_JF, 0, 0, rc, 3);
                code[1] = ins(OP_MOV, 0, rd, ra, 0);
                code[2] = ins(OP_JMP, 0, 0, 0, 4);
                code[3] = ins(OP_SET_MISSING, 0, rd, 0, 0);
                code[4] = ins(OP_MOV, 0, 5, rd, 0);
                char name[100];
                snprintf(name, sizeof name, "JF; MOV; JMP; SET_MISSING, cond %d, source %d, alias %d", c, s,
                         alias);
                agree(name, 1);
                snprintf(name, sizeof name, "a jump onto its SET_MISSING (cond %d, source %d, alias %d)", c,
                         s, alias);
                agree_at(name, 3, 1);
                snprintf(name, sizeof name, "a jump onto its MOV (cond %d, source %d, alias %d)", c, s, alias);
                agree_at(name, 1, 1);
            }
    /* not fused: SET_MISSING of another register; the JMP going elsewhere */
    reset();
    code[0] = ins(OP_JF, 0, 0, 1, 3);
    code[1] = ins(OP_MOV, 0, 3, 2, 0);
    code[2] = ins(OP_JMP, 0, 0, 0, 4);
    code[3] = ins(OP_SET_MISSING, 0, 4, 0, 0);
    agree("SET_MISSING of another register: not fused", 0);
    code[3] = ins(OP_SET_MISSING, 0, 3, 0, 0);
    code[2] = ins(OP_JMP, 0, 0, 0, 5);
    agree("the JMP past the next instruction: not fused", 0);
}

/* --------------------------------------------------- conditional jumps */

/* A conditional jump of kind k (0 JF, 1 JT, 2 JFGE_N, 3 JFEQ_I) on
 * registers a, b to target t. */
static Instr jump(int k, int a, int b, int t)
{
    switch (k) {
    case 0: return ins(OP_JF, 0, 0, a, t);
    case 1: return ins(OP_JT, 0, 0, a, t);
    case 2: return ins(OP_JFGE_N, 0, t, a, b);
    default: return ins(OP_JFEQ_I, 0, t, a, b);
    }
}

static void test_jj(void)
{
    static const char *const kname[4] = {"JF", "JT", "JFGE_N", "JFEQ_I"};
    /* operand pairs per kind: bools (false, true, other, missing);
       numbers (less, equal, greater, -0 and 0); integers (extremes) */
    Value bools[4] = {val_int(0), val_int(1), val_int(-7), odd(val_int(0), 0, 1)};
    static const double nums[][2] = {{1, 2}, {2, 2}, {3, 2}, {-0.0, 0.0}, {0.0, -0.0}, {-1e300, 1e300}};
    static const int64_t ints[][2] = {{1, 2}, {2, 2}, {INT64_MIN, INT64_MAX}, {-1, -1}, {0, 4}, {5, 5}};
    for (int k1 = 0; k1 < 4; k1++)
        for (int k2 = 0; k2 < 4; k2++)
            for (int v1 = 0; v1 < 4; v1++)
                for (int v2 = 0; v2 < 4; v2++) {
                    reset();
                    /* first on r1, r2; second on r3, r4 */
                    if (k1 < 2) init[1] = bools[v1];
                    else if (k1 == 2) init[1] = val_num(nums[v1][0]), init[2] = val_num(nums[v1][1]);
                    else init[1] = val_int(ints[v1][0]), init[2] = val_int(ints[v1][1]);
                    if (k2 < 2) init[3] = bools[v2];
                    else if (k2 == 2) init[3] = val_num(nums[v2 + 2][0]), init[4] = val_num(nums[v2 + 2][1]);
                    else init[3] = val_int(ints[v2 + 2][0]), init[4] = val_int(ints[v2 + 2][1]);
                    init[5] = val_int(1);
                    code[0] = jump(k1, 1, 2, 4);
                    code[1] = jump(k2, 3, 4, 4);
                    code[2] = ins(OP_MOV, 0, 6, 5, 0);      /* both held */
                    code[3] = ins(OP_HALT, 0, 0, 0, 0);
                    code[4] = ins(OP_MOV, 0, 7, 5, 0);      /* one failed */
                    char name[100];
                    snprintf(name, sizeof name, "%s; %s to one place, values %d %d", kname[k1], kname[k2], v1,
                             v2);
                    agree(name, 1);
                    snprintf(name, sizeof name, "a jump onto the second (%s; %s, values %d %d)", kname[k1],
                             kname[k2], v1, v2);
                    agree_at(name, 1, 1);
                    /* to different places: not fused */
                    code[1] = jump(k2, 3, 4, 3);
                    snprintf(name, sizeof name, "%s; %s to two places: not fused, values %d %d", kname[k1],
                             kname[k2], v1, v2);
                    agree(name, 0);
                }
    /* three in a row: the last two pair, the first runs alone */
    for (int v = 0; v < 8; v++) {
        reset();
        init[1] = val_int(v & 1);
        init[2] = val_int(v >> 1 & 1);
        init[3] = val_int(v >> 2 & 1);
        init[5] = val_int(1);
        code[0] = jump(0, 1, 0, 5);
        code[1] = jump(0, 2, 0, 5);
        code[2] = jump(1, 3, 0, 5);
        code[3] = ins(OP_MOV, 0, 6, 5, 0);
        code[4] = ins(OP_HALT, 0, 0, 0, 0);
        code[5] = ins(OP_MOV, 0, 7, 5, 0);
        char name[80];
        snprintf(name, sizeof name, "JF; JF; JT to one place, values %d", v);
        agree(name, 1);
    }
    /* other JFxx do not pair */
    reset();
    code[0] = ins(OP_JFLT_N, 0, 3, 1, 2);
    code[1] = ins(OP_JFNE_I, 0, 3, 1, 2);
    agree("JFLT_N; JFNE_I: not fused", 0);
}

/* JFGE_N a, b -> +2; ADD d <- x, y */
static void test_add_if_ge(void)
{
    static const double cmp[][2] = {{1, 2}, {2, 2}, {3, 2}, {-0.0, 0.0}};
    static const double sums[][2] = {{1, 2}, {-0.0, -0.0}, {-0.0, 0.0}, {1e308, 1e308}, {0.1, 0.2}};
    for (size_t c = 0; c < sizeof cmp / sizeof cmp[0]; c++)
        for (size_t v = 0; v < sizeof sums / sizeof sums[0]; v++)
            for (int same_d = 0; same_d < 2; same_d++) {
                reset();
                init[1] = val_num(cmp[c][0]);
                init[2] = val_num(cmp[c][1]);
                init[3] = same_d ? val_num(sums[v][0]) : odd(val_int(42), 3, 1);
                init[4] = val_num(sums[v][0]);
                init[5] = val_num(sums[v][1]);
                code[0] = ins(OP_JFGE_N, 0, 2, 1, 2);
                code[1] = ins(OP_ADD, 0, 3, same_d ? 3 : 4, 5);
                char name[120];
                snprintf(name, sizeof name, "JFGE_N %g %g; ADD %g + %g%s", cmp[c][0], cmp[c][1], sums[v][0],
                         sums[v][1], same_d ? "" : " over a missing d");
                agree(name, 1);
                snprintf(name, sizeof name, "a jump onto its ADD (%g %g; %g + %g)", cmp[c][0], cmp[c][1],
                         sums[v][0], sums[v][1]);
                agree_at(name, 1, 1);
            }
}

/* AGG of total(), avg(), min() and max() without `per` (AGG_SUM ..
 * AGG_MAX), against agg_value's way: sums, least and greatest values
 * finite, -0 and infinite, over 0, 1 and 3 records; count() and an
 * aggregate with `per` are not fused. */
static void test_agg_reads(void)
{
    bool known;
    static const char *const fns[] = {"total", "avg", "min", "max", "count", "total"};
    static const double sums[] = {0, -0.0, 1234.5, -1e308, INFINITY, -INFINITY};
    static const long counts[] = {0, 1, 3};
    for (size_t s = 0; s < sizeof sums / sizeof sums[0]; s++)
        for (size_t n = 0; n < sizeof counts / sizeof counts[0]; n++)
            for (int kind = 0; kind < 6; kind++) {
                reset();
                ch.naggs = 1;
                aggs[0].fn = std_lookup(fns[kind], kind == 4 ? 0 : 1, &known);
                aggs[0].group = kind == 5 ? GROUP_INT : GROUP_NONE;
                aggs[0].layer = 1;
                memset(&agg0, 0, sizeof agg0);
                agg0.sum = sums[s];
                agg0.count = counts[n];
                agg0.min = counts[n] ? -sums[s] : INFINITY;
                agg0.max = counts[n] ? sums[s] : -INFINITY;
                code[0] = ins(OP_MOV, 0, 5, 5, 0);
                code[1] = ins(OP_AGG, 0, 2, 1, 0);
                char name[100];
                snprintf(name, sizeof name, "AGG %s%s, sum %g over %ld", fns[kind],
                         kind == 5 ? " per (not fused)" : kind == 4 ? " (not fused)" : "", sums[s],
                         counts[n]);
                agree(name, kind < 4);
            }
}

/* ------------------------------------------------------------ stages */

static void test_stage_cmp(void)
{
    static const OpCode ops[] = {OP_LT_ST, OP_LE_ST, OP_GT_ST, OP_GE_ST};
    long bad = 0, n = 0;
    for (int o = 0; o < 4; o++)
        for (int64_t x = -2; x <= 7; x++)
            for (int64_t y = -2; y <= 7; y++)
                for (int fin = 0; fin <= 6; fin++) {
                    reset();
                    init[1] = val_int(x);
                    init[2] = val_int(y);
                    init[3] = odd(val_int(77), 5, 1);
                    code[0] = ins(ops[o], fin, 3, 1, 2);
                    Vm *vm = vm_new(&ch);
                    int rc = vm_run(vm, 0);
                    bool in = x < fin && y < fin;
                    bool rel = o == 0 ? x < y : o == 1 ? x <= y : o == 2 ? x > y : x >= y;
                    Value r = vm->regs[3];
                    bad += rc != 0 || r.u.i != (int64_t)(in && rel) || r.len || r.missing;
                    n++;
                    vm_free(vm);
                }
    char why[80];
    snprintf(why, sizeof why, "%ld of %ld wrong", bad, n);
    check("LT_ST .. GE_ST: false unless both members are before the final ones", bad == 0, why);
}

/* A chain of JFEQ_I on r1 against constants r6.. (regs 6..9 constants),
 * each link's body jumping to a landing of its own that marks a register
 * (a repeated constant: only the first link's body runs). */
static void test_switch(void)
{
    /* constants per case: dense, with a repeat, negative bits in r1, far apart */
    static const int64_t ks[][4] = {{0, 1, 2, 3}, {3, 1, 3, 0}, {5, 4, 6, 7}, {0, 64, 1, 2}};
    static const int64_t vals[] = {-1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 63, 64, INT64_MIN, INT64_MAX};
    for (size_t c = 0; c < sizeof ks / sizeof ks[0]; c++)
        for (int links = 2; links <= 4; links++)
            for (size_t v = 0; v < sizeof vals / sizeof vals[0]; v++)
                for (int miss = 0; miss < 2; miss++) {
                    reset();
                    /* link j at 2j: JFEQ_I r1, r(6+j) -> 2j+2; JMP to landing j,
                       which sets r(2+j), then HALT */
                    int land = 2 * links + 2;      /* after the end and a HALT */
                    for (int j = 0; j < links; j++) {
                        code[2 * j] = ins(OP_JFEQ_I, 0, 2 * j + 2, 1, 6 + j);
                        code[2 * j + 1] = ins(OP_JMP, 0, 0, 0, land + 2 * j);
                        code[land + 2 * j] = ins(OP_MOV, 0, 2 + j, 1, 0);
                        role[6 + j] = REG_CONST;
                        init[6 + j] = val_int(ks[c][j]);
                    }
                    code[2 * links] = ins(OP_MOV, 0, 10, 1, 0);     /* the end */
                    init[1] = odd(val_int(vals[v]), 0, (uint8_t)miss);
                    init[2] = val_str("x", 1);
                    char name[100];
                    snprintf(name, sizeof name, "JFEQ_I chain %zu of %d links, value %lld%s", c, links,
                             (long long)vals[v], miss ? " (missing)" : "");
                    /* every link starts a chain of the links after it: one
                       of two links or more whose constants span under 64 */
                    int want = 0;
                    for (int from = 0; from + 1 < links; from++) {
                        int64_t lo = INT64_MAX, hi = INT64_MIN;
                        for (int j = from; j < links; j++) {
                            if (ks[c][j] < lo) lo = ks[c][j];
                            if (ks[c][j] > hi) hi = ks[c][j];
                        }
                        want += hi - lo < 64;
                    }
                    agree(name, want);
                    for (int j = 1; j < links; j++) {
                        snprintf(name, sizeof name, "JFEQ_I chain %zu of %d links from link %d, value %lld%s",
                                 c, links, j, (long long)vals[v], miss ? " (missing)" : "");
                        agree_at(name, 2 * j, want);
                    }
                }
    /* not a chain: a constant some instruction writes; a register no constant */
    reset();
    code[0] = ins(OP_JFEQ_I, 0, 2, 1, 6);
    code[1] = ins(OP_MOV, 0, 7, 1, 0);
    code[2] = ins(OP_JFEQ_I, 0, 4, 1, 7);
    role[6] = role[7] = REG_CONST;
    init[1] = val_int(1);
    init[6] = val_int(0);
    init[7] = val_int(1);
    agree("JFEQ_I chain on a constant register that is written: not fused", 0);
    role[7] = REG_TEMP;
    code[1] = ins(OP_MOV, 0, 2, 1, 0);
    agree("JFEQ_I chain on a register that is no constant: not fused", 0);
}

/* LT_ST .. GE_ST d <- a, b with b a constant: members and other bits
 * (the extremes of int64 too) for a and the constant, every final place. */
static void test_in_range(void)
{
    static const OpCode ops[] = {OP_LT_ST, OP_LE_ST, OP_GT_ST, OP_GE_ST};
    static const int64_t as[] = {INT64_MIN, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7, INT64_MAX};
    long bad = 0, n = 0;
    for (int o = 0; o < 4; o++)
        for (size_t ki = 0; ki < sizeof as / sizeof as[0]; ki++)
            for (int fin = 0; fin <= 6; fin++)
                for (size_t a = 0; a < sizeof as / sizeof as[0]; a++) {
                    reset();
                    role[2] = REG_CONST;
                    init[1] = val_int(as[a]);
                    init[2] = val_int(as[ki]);
                    init[3] = odd(val_int(77), 5, 1);
                    code[0] = ins(ops[o], fin, 3, 1, 2);
                    int nfused;
                    Outcome f = run_at(true, 0, &nfused), u = run_at(false, 0, NULL);
                    bad += nfused != 1 || f.rc != u.rc || f.regs[3].u.i != u.regs[3].u.i ||
                           f.regs[3].len != u.regs[3].len || f.regs[3].missing != u.regs[3].missing;
                    n++;
                }
    char why[80];
    snprintf(why, sizeof why, "%ld of %ld differ (or did not fuse)", bad, n);
    check("stage comparisons with a constant as a range check", bad == 0, why);
    reset();
    init[1] = val_int(1);
    init[2] = val_int(2);
    code[0] = ins(OP_GE_ST, 5, 3, 1, 2);
    agree("a stage comparison with no constant: not fused", 0);
}

/* A score: pairs k = 0 .. n-1 at 2k, JF r(2+k) or JFGE_N r(2+k), r10 over
 * ADD r1 <- r1, r(6+k); random conditions, weights (overflowing ones
 * too) and starting sums (missing, a string's length). Run from the
 * start and from each pair inside. */
static void test_acc_run(void)
{
    static const double weights[] = {1, 25, -0.0, 0.0, 1e308, -1e308, 0.1, 15};
    static const double nums[] = {1, 4, 5, -0.0, 0.0, 3.5};
    Value bools[4] = {val_int(0), val_int(1), val_int(-7), odd(val_int(0), 0, 1)};
    Value starts[5] = {val_num(0), val_num(-0.0), val_num(1e308), odd(val_int(0), 0, 1), odd(val_num(2), 3, 0)};
    uint64_t s = 0x9e3779b97f4a7c15ull;
    long cases = 0;
    for (int n = 2; n <= 4; n++)
        for (int mask = 0; mask < 1 << n; mask++)
            for (int rep = 0; rep < 60; rep++) {
                reset();
                for (int k = 0; k < n; k++) {
                    s ^= s << 13, s ^= s >> 7, s ^= s << 17;
                    if (mask >> k & 1) {
                        code[2 * k] = ins(OP_JFGE_N, 0, 2 * k + 2, 2 + k, 10);
                        init[2 + k] = val_num(nums[s % 6]);
                    } else {
                        code[2 * k] = ins(OP_JF, 0, 0, 2 + k, 2 * k + 2);
                        init[2 + k] = bools[s % 4];
                    }
                    code[2 * k + 1] = ins(OP_ADD, 0, 1, 1, 6 + k);
                    init[6 + k] = val_num(weights[(s >> 8) % 8]);
                }
                s ^= s << 13, s ^= s >> 7, s ^= s << 17;
                init[1] = starts[s % 5];
                init[10] = val_num(4);
                char name[100];
                for (int from = 0; from < n; from++) {
                    snprintf(name, sizeof name, "score of %d lines (kinds %d, case %d) from line %d", n, mask,
                             rep, from);
                    agree_at(name, 2 * from, n);
                    cases++;
                }
            }
    /* a condition or weight that is the sum itself: pairs, no run */
    for (int which = 0; which < 2; which++) {
        reset();
        code[0] = ins(OP_JF, 0, 0, 2, 2);
        code[1] = ins(OP_ADD, 0, 1, 1, 6);
        code[2] = ins(OP_JF, 0, 0, which ? 3 : 1, 4);
        code[3] = ins(OP_ADD, 0, 1, 1, which ? 1 : 7);
        init[1] = val_num(0);
        init[2] = val_int(1);
        init[3] = val_int(1);
        init[6] = val_num(2);
        init[7] = val_num(3);
        agree(which ? "a score line adding the sum to itself" : "a score line on the sum as condition", 2);
    }
}

/* A score from a constant: MOV r1 <- r0, then pairs k = 0 .. n-1 at
 * 1 + 2k as in test_acc_run, the start and the weights constants (the
 * MOV and the run fused into one: ACC_CONST) or not; a start of -0.0,
 * and magnitudes adding up past 1e300, keep the run as it was (ACC_RUN);
 * weights of 0 and -0.0 do not. Run from the MOV and from each pair
 * inside. */
static void test_acc_const(void)
{
    static const double weights[] = {25, 15, 10, -5, 0.1, 1e299, 0.0, -0.0, 1e308};
    static const double starts[] = {0, 3, -2.5, -0.0, 1e299, 1e308};
    static const double nums[] = {1, 4, 5, -0.0, 0.0, 3.5};
    Value bools[4] = {val_int(0), val_int(1), val_int(-7), odd(val_int(0), 0, 1)};
    uint64_t s = 0x2545f4914f6cdd1dull;
    long fusedc = 0, kept = 0;
    for (int n = 2; n <= 4; n++)
        for (int mask = 0; mask < 1 << n; mask++)
            for (int rep = 0; rep < 60; rep++) {
                reset();
                s ^= s << 13, s ^= s >> 7, s ^= s << 17;
                bool consts = s % 8 != 0;       /* else the weights are temporaries */
                double start = starts[(s >> 3) % 6], sum = fabs(start);
                bool ok = consts && !(start == 0 && signbit(start));
                code[0] = ins(OP_MOV, 0, 1, 0, 0);
                init[0] = val_num(start);
                role[0] = REG_CONST;
                for (int k = 0; k < n; k++) {
                    s ^= s << 13, s ^= s >> 7, s ^= s << 17;
                    if (mask >> k & 1) {
                        code[1 + 2 * k] = ins(OP_JFGE_N, 0, 2 * k + 3, 2 + k, 10);
                        init[2 + k] = val_num(nums[s % 6]);
                    } else {
                        code[1 + 2 * k] = ins(OP_JF, 0, 0, 2 + k, 2 * k + 3);
                        init[2 + k] = bools[s % 4];
                    }
                    code[2 + 2 * k] = ins(OP_ADD, 0, 1, 1, 6 + k);
                    /* mostly the small weights: the large ones and zeros now and then */
                    double w = weights[(s >> 8) % 16 < 10 ? (s >> 8) % 5 : (s >> 12) % 9];
                    init[6 + k] = val_num(w);
                    role[6 + k] = consts ? REG_CONST : REG_TEMP;
                    sum += fabs(w);
                }
                ok = ok && sum <= 1e300;
                init[1] = odd(val_num(7), 2, 1);    /* the MOV overwrites it */
                init[10] = val_num(4);
                char name[120];
                snprintf(name, sizeof name, "score from a constant, %d lines (kinds %d, case %d)%s", n, mask,
                         rep, ok ? "" : ", not fused");
                agree_at(name, 0, n + ok);
                for (int from = 0; from < n; from++) {
                    snprintf(name, sizeof name, "score from a constant, %d lines (kinds %d, case %d) from line %d",
                             n, mask, rep, from);
                    agree_at(name, 1 + 2 * from, n + ok);
                }
                ok ? fusedc++ : kept++;
            }
    char why[80];
    snprintf(why, sizeof why, "%ld fused, %ld not", fusedc, kept);
    check("scores from a constant: both fused and not among the cases", fusedc > 100 && kept > 100, why);
}

/* <R>_N or <R>_I d <- a, b; JF or JT d: every comparison, both jumps. */
static void test_cmp_jump(void)
{
    static const OpCode num_ops[] = {OP_EQ_N, OP_NE_N, OP_LT_N, OP_LE_N, OP_GT_N, OP_GE_N};
    static const OpCode int_ops[] = {OP_EQ_I, OP_NE_I, OP_LT_I, OP_LE_I, OP_GT_I, OP_GE_I};
    static const double nums[][2] = {{1, 2}, {2, 2}, {3, 2}, {-0.0, 0.0}, {-1e300, 1e300}};
    static const int64_t ints[][2] = {{1, 2}, {2, 2}, {3, 2}, {INT64_MIN, INT64_MAX}, {INT64_MAX, INT64_MIN}};
    for (int jt = 0; jt < 2; jt++)
        for (int k = 0; k < 6; k++)
            for (int isint = 0; isint < 2; isint++)
                for (int v = 0; v < 5; v++) {
                    reset();
                    code[0] = ins(isint ? int_ops[k] : num_ops[k], 0, 1, 2, 3);
                    code[1] = ins(jt ? OP_JT : OP_JF, 0, 0, 1, 4);
                    code[2] = ins(OP_MOV, 0, 5, 6, 0);     /* not jumped */
                    code[3] = ins(OP_HALT, 0, 0, 0, 0);
                    code[4] = ins(OP_MOV, 0, 7, 6, 0);     /* jumped */
                    init[1] = odd(val_int(9), 4, 1);        /* d before: overwritten */
                    init[2] = isint ? val_int(ints[v][0]) : val_num(nums[v][0]);
                    init[3] = isint ? val_int(ints[v][1]) : val_num(nums[v][1]);
                    init[6] = val_int(1);
                    char name[100];
                    snprintf(name, sizeof name, "%s; %s, values %d", op_names[code[0].op], jt ? "JT" : "JF", v);
                    agree(name, 1);
                    snprintf(name, sizeof name, "a jump onto the %s after %s (values %d)", jt ? "JT" : "JF",
                             op_names[code[0].op], v);
                    agree_at(name, 1, 1);
                }
    reset();
    code[0] = ins(OP_GE_N, 0, 1, 2, 3);
    code[1] = ins(OP_JF, 0, 0, 4, 4);
    agree("a comparison and a JF on another register: not fused", 0);
}

/* MOV d <- a; JT/JF d -> +2; MOV d <- b (an `or`/`and` of two bools). */
static void test_mov_or_mov(void)
{
    static const char text[] = "x";
    Value vals[5] = {val_int(0), val_int(1), val_str(text, 1), odd(val_int(0), 0, 1), odd(val_int(1), 2, 1)};
    for (int jt = 0; jt < 2; jt++)
        for (int x = 0; x < 5; x++)
            for (int y = 0; y < 5; y++) {
                reset();
                code[0] = ins(OP_MOV, 0, 1, 2, 0);
                code[1] = ins(jt ? OP_JT : OP_JF, 0, 0, 1, 3);
                code[2] = ins(OP_MOV, 0, 1, 3, 0);
                init[1] = val_num(7);
                init[2] = vals[x];
                init[3] = vals[y];
                char name[100];
                snprintf(name, sizeof name, "MOV; %s; MOV, values %d %d", jt ? "JT" : "JF", x, y);
                agree(name, 2);
                snprintf(name, sizeof name, "a jump onto the %s after MOV (values %d %d)", jt ? "JT" : "JF", x,
                         y);
                agree_at(name, 1, 2);
            }
}

int main(void)
{
    init_edges();
    test_ymd();
    test_since_math();
    test_since_calls();
    test_today_moves();
    test_mov2_jmp();
    test_sel_miss();
    test_jj();
    test_add_if_ge();
    test_agg_reads();
    test_stage_cmp();
    test_switch();
    test_in_range();
    test_acc_run();
    test_acc_const();
    test_cmp_jump();
    test_mov_or_mov();
    return failures ? 1 : 0;
}
