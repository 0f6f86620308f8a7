/* unit_check.h — the PASS/FAIL line every unit test prints per check, and
 * the count of failures its main returns (tests/run.sh reads the lines). */
#ifndef KAM_UNIT_CHECK_H
#define KAM_UNIT_CHECK_H
#include <stdio.h>

static int failures;

static void check(const char *name, int ok, const char *why)
{
    if (ok) {
        printf("PASS %s\n", name);
    } else {
        printf("FAIL %s: %s\n", name, why);
        failures++;
    }
}

#endif
