/* test_terms.c — what the compiler hands the front end for issue 13's
 * language: an entitlement's terms (`with { ... }`) compiled into named
 * registers, computed only for a record that has the entitlement (so a term
 * that would divide by zero for an account without it is no error) and
 * missing otherwise, each with its type and label; the descriptions and
 * types on the output columns; and the `output`/`display` fields, read from
 * data (field_used) even when no rule reads them, but not by pass one.
 * Compiles a policy from text and runs the VM on records set by hand.
 * Prints "PASS name" or "FAIL name: reason"; exit 1 if any failed. */
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
    "policy \"terms\"\n"
    "record account {\n"
    "  id: string key\n"
    "  name: string\n"
    "  segment: enum { big, small }\n"
    "  annual_revenue: money\n"
    "  units: int\n"
    "  since: date\n"
    "  notes: string\n"
    "}\n"
    "output segment, notes\n"
    "display name\n"
    "let active \"Active account\" = units >= 0\n"
    "score fit \"Fit score\" { 10 when annual_revenue > 100 as \"big revenue\" }\n"
    "entitle per_unit_pricing \"Per-unit pricing\" when units > 0 and total(units) > 0\n"
    "  with { per_unit: annual_revenue / units as \"revenue per unit\", sla_hours: 4,\n"
    "         discount: 12%, tier_name: \"gold\", renew: since, big: segment == big,\n"
    "         seg: segment }\n"
    "entitle plain \"Plain\" when active\n"
    "flag odd when units == 3\n";

static const ChunkOut *out_named(const Chunk *c, const char *name)
{
    for (int i = 0; i < c->nouts; i++)
        if (strcmp(c->outs[i].name, name) == 0) return &c->outs[i];
    return NULL;
}

static int field(const Policy *p, const char *name)
{
    for (int i = 0; i < p->nfields; i++)
        if (strcmp(p->fields[i]->name.name, name) == 0) return i;
    return -1;
}

/* Runs one record: revenue and units; returns vm_run's status. */
static int run_record(Vm *vm, const Chunk *c, const Policy *p, double revenue, int64_t units)
{
    vm->regs[c->field_reg[field(p, "id")]] = val_str("a", 1);
    vm->regs[c->field_reg[field(p, "name")]] = val_str("Acme", 4);
    vm->regs[c->field_reg[field(p, "segment")]] = val_int(0);
    vm->regs[c->field_reg[field(p, "annual_revenue")]] = val_num(revenue);
    vm->regs[c->field_reg[field(p, "units")]] = val_num((double)units);
    vm->regs[c->field_reg[field(p, "since")]] = val_int(20000);
    vm->regs[c->field_reg[field(p, "notes")]] = val_str("", 0);
    return vm_run(vm, c->record_pc);
}

int main(void)
{
    DiagList d;
    diag_init(&d);
    Policy *p = policy_load_text("terms.kam", policy, sizeof policy - 1, &d);
    check("the policy checks", p && !diag_failed(&d));
    if (!p || diag_failed(&d)) {
        for (int i = 0; i < d.n; i++) printf("  %s\n", d.items[i].msg);
        return 1;
    }
    Chunk *c = cg_compile(p, NULL, 0, &d);
    check("the policy compiles", c != NULL);
    if (!c) return 1;

    /* descriptions and types on the columns */
    const ChunkOut *fit = out_named(c, "fit"), *pup = out_named(c, "per_unit_pricing");
    const ChunkOut *plain = out_named(c, "plain"), *odd = out_named(c, "odd");
    check("score has its description", fit && fit->desc && strcmp(fit->desc, "Fit score") == 0);
    check("score's type is number", fit && fit->kind == OUT_NUM && fit->ty.kind == RT_NUMBER);
    check("entitlement has its description",
          pup && pup->desc && strcmp(pup->desc, "Per-unit pricing") == 0);
    check("flag without text has no description", odd && odd->desc == NULL);
    check("entitlement without terms has none", plain && plain->nterms == 0 && !plain->terms);
    check("policy_desc reads a let's description",
          strcmp(policy_desc(policy_sym(p, "active")), "Active account") == 0);
    check("policy_desc of a field is NULL", policy_desc(policy_sym(p, "units")) == NULL);

    /* terms: names, labels, types, registers */
    check("seven terms, in order", pup && pup->nterms == 7 &&
          strcmp(pup->terms[0].name, "per_unit") == 0 && strcmp(pup->terms[6].name, "seg") == 0);
    if (!pup || pup->nterms != 7) return 1;
    const ChunkTerm *t = pup->terms;
    check("a term's label", t[0].label && strcmp(t[0].label, "revenue per unit") == 0);
    check("a term without a label", t[1].label == NULL);
    check("money / int is money", t[0].ty.kind == RT_MONEY);
    check("a percent term", t[2].ty.kind == RT_PERCENT);
    check("a string term", t[3].ty.kind == RT_STRING);
    check("a date term", t[4].ty.kind == RT_DATE);
    check("a bool term", t[5].ty.kind == RT_BOOL);
    check("an enum term, with its members",
          t[6].ty.kind == RT_ENUM && t[6].ty.en && t[6].ty.en->n == 2);
    check("the disassembler's name for a term register",
          c->reg_name[t[0].reg] && strcmp(c->reg_name[t[0].reg], "per_unit_pricing.per_unit") == 0);
    int distinct = 1;
    for (int i = 0; i < 7; i++)
        for (int j = 0; j < i; j++)
            if (t[i].reg == t[j].reg) distinct = 0;
    check("each term has its own register", distinct);

    /* output and display */
    check("output fields in order", c->nout_fields == 2 && c->out_fields[0] == field(p, "segment") &&
          c->out_fields[1] == field(p, "notes"));
    check("display field", c->display_field == field(p, "name"));
    check("an output-only field is read from data", c->field_used[field(p, "notes")]);
    check("the display field is read from data", c->field_used[field(p, "name")]);
    check("pass one does not read them",
          !c->portfolio_field_used[field(p, "notes")] && !c->portfolio_field_used[field(p, "name")]);

    /* running: the entitlement holds, then does not (units 0: no division) */
    Vm *vm = vm_new(c);
    vm_set_today(vm, 20600);
    check("init runs", vm_run(vm, c->init_pc) == 0);
    if (c->npasses > 0) {
        run_record(vm, c, p, 0, 0);     /* fill the registers pass one reads */
        vm->regs[c->field_reg[field(p, "units")]] = val_num(4);
        vm_run(vm, c->pass_pc[0]);
        vm_agg_finish(vm);
    }
    int rc1 = run_record(vm, c, p, 1000, 4);
    if (rc1) printf("  (%s)\n", vm->err ? vm->err : "?");
    check("an entitled record runs", rc1 == 0);
    check("it is entitled", vm->regs[pup->reg].u.i != 0);
    Value pu = vm->regs[t[0].reg];
    check("its per-unit term is computed", !pu.missing && fabs(pu.u.num - 250) < 1e-9);
    check("its string term", !vm->regs[t[3].reg].missing && vm->regs[t[3].reg].len == 4 &&
          memcmp(vm->regs[t[3].reg].u.str, "gold", 4) == 0);
    int rc = run_record(vm, c, p, 1000, 0);
    check("a record without the entitlement and units 0 has no error", rc == 0);
    check("it is not entitled", vm->regs[pup->reg].u.i == 0);
    int all_missing = 1;
    for (int i = 0; i < 7; i++)
        if (!vm->regs[t[i].reg].missing) all_missing = 0;
    check("its terms are missing, not left from the last record", all_missing);
    vm_free(vm);
    cg_free(c);
    policy_free(p);
    diag_free(&d);
    return failures ? 1 : 0;
}
