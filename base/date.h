/* date.h — calendar dates as days since 1970-01-01 (proleptic Gregorian),
 * parsing and printing ISO YYYY-MM-DD, and the month arithmetic behind
 * months_since. Pure functions, no time zones, no clock. */
#ifndef KAM_DATE_H
#define KAM_DATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The dates kam handles, 0001-01-01 and 9999-12-31, as days since 1970-01-01:
 * date arithmetic beyond them is an error, never a wrapped integer. */
enum { DATE_MIN = -719162, DATE_MAX = 2932896 };

/* Days since 1970-01-01 of a valid y-m-d; false if the date does not exist. */
bool date_from_ymd(int y, int m, int d, int32_t *out);
void date_to_ymd(int32_t days, int *y, int *m, int *d);
/* Parses exactly YYYY-MM-DD (s[0..n)); false if malformed or not a date. */
bool date_parse(const char *s, size_t n, int32_t *out);
/* Writes YYYY-MM-DD and a NUL into buf (11 bytes). */
void date_format(int32_t days, char *buf);
/* Months from `from` to `to`: the difference of year*12+month, less one
 * when to's day of month is before from's (2026-01-31 to 2026-02-28 is 0). */
/* The same from the two dates' years, months and days (a caller that keeps
 * one of them worked out already). */
int date_months_between_ymd(int fy, int fm, int fd, int ty, int tm, int td);
int date_months_between(int32_t from, int32_t to);

#endif
