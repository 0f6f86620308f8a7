/* test_date.c — date_parse (base/date.c), which reads every date of a CSV
 * file, against date_from_ymd (the same calendar, its checks written
 * apart) and date_format (back to the text):
 *   - every "YYYY-MM-DD" with a year of 0000 to 9999, a month of 00 to 13
 *     and a day of 00 to 32 is read iff date_from_ymd takes it, to the
 *     same day, and formats back to itself;
 *   - a valid date with any one of its 10 bytes replaced by each of the
 *     256 byte values is read iff the replacement leaves a valid date
 *     (a digit for a digit, '-' for '-'), and not when the length is
 *     not 10.
 * Prints "PASS name" or "FAIL name: reason"; exit 1 if any failed. */
#include "date.h"

#include <stdio.h>
#include <string.h>

#include "unit_check.h"

static void test_every_date(void)
{
    long bad = 0, n = 0, valid = 0;
    char first[120] = "";
    char s[40];
    for (int y = 0; y <= 9999; y++)
        for (int m = 0; m <= 13; m++)
            for (int d = 0; d <= 32; d++) {
                snprintf(s, sizeof s, "%04d-%02d-%02d", y, m, d);
                int32_t got = -1, want = -2;
                bool ok = date_parse(s, 10, &got);
                bool wok = date_from_ymd(y, m, d, &want);
                char back[16] = "";
                if (ok) date_format(got, back);
                n++;
                valid += wok;
                if (ok == wok && (!ok || (got == want && strcmp(back, s) == 0))) continue;
                if (!bad++)
                    snprintf(first, sizeof first, "%s: date_parse %s %d (\"%s\"), date_from_ymd %s %d", s,
                             ok ? "reads" : "refuses", got, back, wok ? "takes" : "refuses", want);
            }
    char why[200];
    snprintf(why, sizeof why, "%ld of %ld wrong; the first: %s", bad, n, first);
    check("every YYYY-MM-DD of years 0000-9999, months 00-13, days 00-32", bad == 0 && valid > 3000000,
          why);
}

static void test_one_byte_changed(void)
{
    static const char *const dates[] = {"2026-06-30", "2024-02-29", "0001-01-01", "9999-12-31",
                                        "1970-01-01", "2000-10-10"};
    long bad = 0, n = 0;
    char first[160] = "";
    for (size_t k = 0; k < sizeof dates / sizeof *dates; k++)
        for (int i = 0; i < 10; i++)
            for (int c = 0; c < 256; c++) {
                char s[11];
                memcpy(s, dates[k], 11);
                s[i] = (char)c;
                bool dash = i == 4 || i == 7;
                bool shape = dash ? c == '-' : c >= '0' && c <= '9';
                int y = 0, m = 0, d = 0;
                if (shape) sscanf(s, "%4d-%2d-%2d", &y, &m, &d);
                int32_t want = 0, got = 0;
                bool wok = shape && date_from_ymd(y, m, d, &want);
                bool ok = date_parse(s, 10, &got);
                n++;
                if (ok == wok && (!ok || got == want)) continue;
                if (!bad++)
                    snprintf(first, sizeof first, "%s with byte %d = %#x: date_parse %s, want %s",
                             dates[k], i, c, ok ? "reads it" : "refuses it", wok ? "read" : "refused");
            }
    for (size_t k = 0; k < sizeof dates / sizeof *dates; k++) {
        int32_t got;
        char s[16];
        memcpy(s, dates[k], 10);
        s[10] = '0';
        s[11] = '\0';
        for (size_t len = 0; len <= 11; len++) {
            n++;
            if (len != 10 && date_parse(s, len, &got)) {
                bad++;
                snprintf(first, sizeof first, "\"%.*s\" (length %zu) read", (int)len, s, len);
            }
        }
    }
    char why[220];
    snprintf(why, sizeof why, "%ld of %ld wrong; the first: %s", bad, n, first);
    check("a date with one byte changed, and lengths other than 10", bad == 0, why);
}

int main(void)
{
    test_every_date();
    test_one_byte_changed();
    return failures ? 1 : 0;
}
