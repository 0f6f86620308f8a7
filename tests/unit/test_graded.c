/* test_graded.c — what the compiler makes of issue 14's language-local
 * constructs, run on the VM with records set by hand: a graded score weight
 * `(expr) when cond` is worked out only when its condition holds (a weight
 * that divides by zero for an account whose condition fails is no error,
 * and one whose condition holds is the record's error); a transition with
 * several sources fires from each of them at its written place (first
 * listed wins); a win-back leaves a final stage; an ordered enum compares
 * by position. Prints "PASS name" or "FAIL name: reason"; exit 1 if any
 * failed. */
#include "compile.h"
#include "vm.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static int failures;

static void check(const char *what, int ok)
{
    if (ok) printf("PASS %s\n", what);
    else {
        printf("FAIL %s\n", what);
        failures++;
    }
}

static const char policy[] =
    "policy \"graded\"\n"
    "record account {\n"
    "  id: string key\n"
    "  n: int\n"
    "  guard: bool\n"
    "  risk: enum ordered { low, medium, high }\n"
    "  stage: st\n"
    "}\n"
    "param cap = 20\n"
    "score fit {\n"
    "  (clamp(n * 2, 0, cap)) when n > 0\n"
    "  (100 / n) when guard\n"
    "  5 when risk >= medium\n"
    "- (n) when risk > medium\n"
    "}\n"
    "stages st {\n"
    "  order a, b, c, d\n"
    "  final gone\n"
    "  c, b -> gone when n == 7\n"
    "  b -> c when n >= 7\n"
    "  a -> b when n >= 1\n"
    "  winback gone -> a when n == 9\n"
    "}\n"
    "flag hot when risk between medium and high and risk != low and risk < high\n";

static int field(const Policy *p, const char *name)
{
    for (int i = 0; i < p->nfields; i++)
        if (strcmp(p->fields[i]->name.name, name) == 0) return i;
    return -1;
}

typedef struct Rec {
    double n;
    bool guard;
    int risk, stage;
} Rec;

static int run_record(Vm *vm, const Chunk *c, const Policy *p, Rec r)
{
    vm->regs[c->field_reg[field(p, "id")]] = val_str("a", 1);
    vm->regs[c->field_reg[field(p, "n")]] = val_num(r.n);
    vm->regs[c->field_reg[field(p, "guard")]] = val_int(r.guard);
    vm->regs[c->field_reg[field(p, "risk")]] = val_int(r.risk);
    vm->regs[c->field_reg[field(p, "stage")]] = val_int(r.stage);
    return vm_run(vm, c->record_pc);
}

int main(void)
{
    DiagList d;
    diag_init(&d);
    Policy *p = policy_load_text("graded.kam", policy, sizeof policy - 1, &d);
    check("the policy checks", p && !diag_failed(&d));
    if (!p || diag_failed(&d)) {
        for (int i = 0; i < d.n; i++) printf("  %s\n", d.items[i].msg);
        return 1;
    }
    Chunk *c = cg_compile(p, NULL, 0, &d);
    check("the policy compiles", c != NULL);
    if (!c) return 1;
    int fit = cg_reg_of(c, policy_sym(p, "fit")), st = cg_reg_of(c, policy_sym(p, "st"));
    int hot = cg_reg_of(c, policy_sym(p, "hot"));
    check("registers of the rules", fit >= 0 && st >= 0 && hot >= 0);
    Vm *vm = vm_new(c);
    check("init runs", vm_run(vm, c->init_pc) == 0);
    enum { A, B, C, D, GONE };
    enum { LOW, MEDIUM, HIGH };

    /* graded weights */
    Rec r0 = {0, false, LOW, A};
    check("n 0, no guard: the weight 100 / n is not worked out", run_record(vm, c, p, r0) == 0);
    check("  and the score is 0", vm->regs[fit].u.num == 0);
    Rec r1 = {3, false, LOW, A};
    run_record(vm, c, p, r1);
    check("clamp(n * 2, 0, cap) gives 6 for n 3", vm->regs[fit].u.num == 6);
    Rec r2 = {50, false, LOW, A};
    run_record(vm, c, p, r2);
    check("the cap holds: 20 for n 50", vm->regs[fit].u.num == 20);
    Rec r3 = {4, true, LOW, A};
    run_record(vm, c, p, r3);
    check("guarded 100 / n adds 25 for n 4", vm->regs[fit].u.num == 8 + 25);
    Rec r4 = {0, true, LOW, A};
    check("guard true and n 0: the division is the record's error", run_record(vm, c, p, r4) != 0);
    Rec r5 = {2, false, HIGH, A};
    run_record(vm, c, p, r5);
    check("a negative graded weight: 4 + 5 - 2", vm->regs[fit].u.num == 7);

    /* ordered enum */
    Rec e1 = {1, false, MEDIUM, A};
    run_record(vm, c, p, e1);
    check("medium >= medium, not > medium", vm->regs[fit].u.num == 2 + 5);
    check("between medium and high, < high: hot", vm->regs[hot].u.i == 1);
    Rec e2 = {1, false, HIGH, A};
    run_record(vm, c, p, e2);
    check("high is not < high", vm->regs[hot].u.i == 0);

    /* several sources: first listed wins, for each source */
    Rec s1 = {7, false, LOW, B};
    run_record(vm, c, p, s1);
    check("from b, n 7: the two-source transition (listed first) wins", vm->regs[st].u.i == GONE);
    Rec s2 = {7, false, LOW, C};
    run_record(vm, c, p, s2);
    check("from c, n 7: the same transition fires", vm->regs[st].u.i == GONE);
    Rec s3 = {8, false, LOW, B};
    run_record(vm, c, p, s3);
    check("from b, n 8: the next one, b -> c", vm->regs[st].u.i == C);
    Rec s4 = {7, false, LOW, D};
    run_record(vm, c, p, s4);
    check("from d (not a source), n 7: stays", vm->regs[st].u.i == D);
    Rec s5 = {7, false, LOW, A};
    run_record(vm, c, p, s5);
    check("from a, n 7: a -> b", vm->regs[st].u.i == B);

    /* win-back */
    Rec w1 = {9, false, LOW, GONE};
    run_record(vm, c, p, w1);
    check("from gone, n 9: the win-back leads to a", vm->regs[st].u.i == A);
    Rec w2 = {7, false, LOW, GONE};
    run_record(vm, c, p, w2);
    check("from gone, n 7: stays gone", vm->regs[st].u.i == GONE);
    vm_free(vm);
    cg_free(c);
    policy_free(p);
    diag_free(&d);
    return failures ? 1 : 0;
}
