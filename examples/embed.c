/* embed.c — using kam from C through include/kam.h: compile a policy,
 * evaluate two accounts given field by field, print their outcomes, then
 * ask a what-if with another growth floor.
 *
 *   make build/embed && build/embed examples/key_accounts.kam
 */
#include "kam.h"

#include <stdio.h>
#include <stdlib.h>

static const char *const account_a[][2] = {
    {"id", "ACME"}, {"name", "Acme Industrial"}, {"segment", "enterprise"},
    {"annual_revenue", "4200000"}, {"revenue_growth", "9%"}, {"market_share", "0.08"},
    {"gross_margin", "31%"}, {"profit_contribution", "610000"},
    {"innovation_partner", "true"}, {"early_adopter", "false"}, {"prestige", "4"},
    {"competitor_customer", "false"}, {"stage", "pre_kam"}, {"stage_since", "2025-09-01"},
    {"trust", "3"}, {"exec_contacts", "2"}, {"joint_projects", "0"},
    {"share_of_wallet", "0.2"}, {"last_review", "2026-03-15"},
};

static const char *const account_b[][2] = {
    {"id", "SMALLCO"}, {"name", "Small Co"}, {"segment", "smb"},
    {"annual_revenue", "90000"}, {"revenue_growth", "0.02"}, {"market_share", "0.01"},
    {"gross_margin", "0.12"}, {"profit_contribution", "8000"},
    {"innovation_partner", "false"}, {"early_adopter", "false"}, {"prestige", "1"},
    {"competitor_customer", "false"}, {"stage", "pre_kam"}, {"stage_since", "2024-01-01"},
    {"trust", "1"}, {"exec_contacts", "0"}, {"joint_projects", "0"},
    {"share_of_wallet", "0.05"}, {"last_review", ""},
};

static int show(kam_eval *e, const char *const fields[][2], size_t n)
{
    kam_eval_clear(e);
    for (size_t i = 0; i < n; i++) {
        if (kam_eval_set(e, fields[i][0], fields[i][1]) != 0) {
            fprintf(stderr, "embed: %s\n", kam_eval_error(e));
            return -1;
        }
    }
    if (kam_eval_run(e) != 0) {
        fprintf(stderr, "embed: %s\n", kam_eval_error(e));
        return -1;
    }
    double fit = 0;
    int key = 0, manager = 0;
    kam_get_number(e, "fit", &fit);
    kam_get_bool(e, "key_account", &key);
    kam_get_bool(e, "dedicated_manager", &manager);
    const char *tier = kam_get_text(e, "service_tier");
    const char *stage = kam_get_text(e, "kam_stage");
    printf("%s: fit %g, key account %s, tier %s, stage %s, dedicated manager %s\n",
           fields[0][1], fit, key ? "yes" : "no", tier ? tier : "-", stage ? stage : "-",
           manager ? "yes" : "no");
    return 0;
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "examples/key_accounts.kam";
    char *diags = NULL;
    kam_policy *p = kam_compile_file(path, &diags);
    if (!p) {
        fputs(diags ? diags : "embed: cannot compile\n", stderr);
        free(diags);
        return 1;
    }
    free(diags);
    kam_eval *e = kam_eval_new(p, "2026-06-30");
    int rc = 0;
    rc |= show(e, account_a, sizeof account_a / sizeof account_a[0]);
    rc |= show(e, account_b, sizeof account_b / sizeof account_b[0]);
    printf("what if the growth floor were 8%%?\n");
    if (kam_eval_set_param(e, "growth_floor", "8%") != 0) {
        fprintf(stderr, "embed: %s\n", kam_eval_error(e));
        rc = 1;
    }
    rc |= show(e, account_a, sizeof account_a / sizeof account_a[0]);
    kam_eval_free(e);
    kam_policy_free(p);
    return rc ? 1 : 0;
}
