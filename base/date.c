/* date.c — civil-date arithmetic (the days-from-civil algorithm: eras of
 * 400 years, March-based years so leap days fall at the end). */
#include "date.h"

#include <string.h>


static bool is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : dm[m - 1];
}

/* Days since 1970-01-01 of a valid date (y >= 1, so unsigned arithmetic
 * holds every intermediate and the divisions by constants stay cheap). */
static inline int32_t days_from_civil(int y, int m, int d)
{
    unsigned yy = (unsigned)y - (m <= 2);
    unsigned era = yy / 400;
    unsigned yoe = yy - era * 400;
    unsigned mp = m > 2 ? (unsigned)m - 3 : (unsigned)m + 9;
    unsigned doy = (153 * mp + 2) / 5 + (unsigned)d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (int32_t)(era * 146097 + doe) - 719468;
}

bool date_from_ymd(int y, int m, int d, int32_t *out)
{
    if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
        return false;
    *out = days_from_civil(y, m, d);
    return true;
}

void date_to_ymd(int32_t days, int *y, int *m, int *d)
{
    if (days >= -719468 && days <= 2932896) {   /* 0000-03-01 to 9999-12-31: unsigned */
        uint32_t z = (uint32_t)(days + 719468);
        uint32_t era = z / 146097;
        uint32_t doe = z - era * 146097;
        uint32_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        uint32_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        uint32_t mp = (5 * doy + 2) / 153;
        *d = (int)(doy - (153 * mp + 2) / 5 + 1);
        *m = mp < 10 ? (int)mp + 3 : (int)mp - 9;
        *y = (int)(yoe + era * 400) + (*m <= 2);
        return;
    }
    /* 64-bit: no int32 day count can overflow it (days near INT32_MAX
       would overflow z in int arithmetic) */
    int64_t z = (int64_t)days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int doe = (int)(z - era * 146097);
    int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = yoe + era * 400;
    int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)(yy + (*m <= 2));
}

bool date_parse(const char *s, size_t n, int32_t *out)
{
    /* every CSV date goes through here: the checks of date_from_ymd, with
       the leap-year test only for 29 February */
    static const unsigned char mdays[13] = {0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (n != 10 || s[4] != '-' || s[7] != '-') return false;
    int y, m, d;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    /* "YYYY-MM-" in one word, its dashes made '0' so that all 8 bytes
       must be digits, then "DD": a byte below '0' sets its top bit in
       w - '0'..., one above '9' in w + 0x46... (a borrow or carry moves
       only into bytes above one already caught); each pair of digit
       values then 10 * a + b in one multiply (bytes 0, 2 and 5) */
    uint64_t w;
    uint16_t t;
    memcpy(&w, s, 8);
    memcpy(&t, s + 8, 2);
    w = (w & ~0xff0000ff00000000ull) | 0x3000003000000000ull;
    uint64_t no = ((w - 0x3030303030303030ull) | (w + 0x4646464646464646ull)) & 0x8080808080808080ull;
    no |= ((uint64_t)(uint16_t)(t - 0x3030u) | (uint64_t)(uint16_t)(t + 0x4646u)) & 0x8080u;
    if (no) return false;
    uint64_t v = w - 0x3030303030303030ull;
    uint64_t q = v * 10 + (v >> 8);
    y = (int)((q & 0xff) * 100 + ((q >> 16) & 0xff));
    m = (int)((q >> 40) & 0xff);
    unsigned tv = (unsigned)t - 0x3030u;
    d = (int)((tv & 0xff) * 10 + (tv >> 8));
#else
    const unsigned char *u = (const unsigned char *)s;
    unsigned y0 = u[0] - 48u, y1 = u[1] - 48u, y2 = u[2] - 48u, y3 = u[3] - 48u;
    unsigned m0 = u[5] - 48u, m1 = u[6] - 48u, d0 = u[8] - 48u, d1 = u[9] - 48u;
    if ((y0 > 9) | (y1 > 9) | (y2 > 9) | (y3 > 9) | (m0 > 9) | (m1 > 9) | (d0 > 9) | (d1 > 9))
        return false;
    y = (int)(y0 * 1000 + y1 * 100 + y2 * 10 + y3);
    m = (int)(m0 * 10 + m1);
    d = (int)(d0 * 10 + d1);
#endif
    if (y < 1 || m < 1 || m > 12 || d < 1) return false;
    if (d > mdays[m] && !(m == 2 && d == 29 && is_leap(y))) return false;
    *out = days_from_civil(y, m, d);
    return true;
}

void date_format(int32_t days, char *buf)
{
    int y, m, d;
    date_to_ymd(days, &y, &m, &d);
    unsigned yy = (unsigned)y % 10000u, mm = (unsigned)m % 100u, dd = (unsigned)d % 100u;
    buf[0] = (char)('0' + yy / 1000);
    buf[1] = (char)('0' + yy / 100 % 10);
    buf[2] = (char)('0' + yy / 10 % 10);
    buf[3] = (char)('0' + yy % 10);
    buf[4] = '-';
    buf[5] = (char)('0' + mm / 10);
    buf[6] = (char)('0' + mm % 10);
    buf[7] = '-';
    buf[8] = (char)('0' + dd / 10);
    buf[9] = (char)('0' + dd % 10);
    buf[10] = '\0';
}

int date_months_between_ymd(int fy, int fm, int fd, int ty, int tm, int td)
{
    int months = (ty * 12 + tm) - (fy * 12 + fm);
    if (td < fd) months--;     /* the month is not complete until its day */
    return months;
}

int date_months_between(int32_t from, int32_t to)
{
    int fy, fm, fd, ty, tm, td;
    date_to_ymd(from, &fy, &fm, &fd);
    date_to_ymd(to, &ty, &tm, &td);
    return date_months_between_ymd(fy, fm, fd, ty, tm, td);
}
