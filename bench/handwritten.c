/*
 * bench/handwritten.c: bench/bench.kam written by hand in C, as fast as we
 * could make it. It is the benchmark's yardstick: kam aims to stay within
 * 1.5x of it.
 *
 *   handwritten FILE.csv --as-of YYYY-MM-DD [--growth-floor 0.10|10%] > out.csv
 *
 * Reads the CSV that bench/gen.c writes (any column order; columns are found
 * by the header) and prints exactly what `kam run bench/bench.kam FILE.csv
 * --format csv --as-of DATE` prints:
 *
 *   id,fit,key_account,service_tier,kam_stage,entitlements,
 *   priority_support.sla_hours,custom_pricing.max_discount,flags
 *
 * (the two terms: 4 and 0.12 when the account has the entitlement, empty
 * when not)
 *
 * How it is fast: the file is mapped once (it must end in '\n', or it is
 * copied so that it does: every scan can then stop at a delimiter without
 * checking for the end). An unquoted field is converted where it lies, in
 * the same sweep that finds its end; text columns find their end eight bytes
 * at a time (SWAR). Numbers take Clinger's exact fast path (an integer
 * mantissa of up to 15 digits divided by an exact power of ten rounds
 * exactly like strtod). Anything unusual (a quoted field, an exponent, a
 * malformed value) drops to the general path: an RFC 4180 field scanner,
 * strtod, and the error report. Output goes through one 1 MiB buffer.
 * Pass 1 reads only annual_revenue for total(annual_revenue); pass 2
 * evaluates. Single thread, like kam.
 *
 * What it does not do: anything but this one policy. A malformed field is a
 * data error: reported on stderr with line, field and text, the record is
 * left out of the output, and the exit status is 3 (as kam's).
 */
#define _DEFAULT_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* The columns the policy reads, plus SKIP for the ones it does not (name). */
enum {
    COL_SKIP, COL_ID, COL_SEGMENT, COL_REVENUE, COL_GROWTH, COL_SHARE, COL_MARGIN,
    COL_PROFIT, COL_INNOVATION, COL_EARLY, COL_PRESTIGE, COL_COMPETITOR, COL_STAGE,
    COL_SINCE, COL_TRUST, COL_EXEC, COL_JOINT, COL_WALLET, COL_REVIEW, COL_COUNT
};

static const char *const column_name[COL_COUNT] = {
    "", "id", "segment", "annual_revenue", "revenue_growth", "market_share",
    "gross_margin", "profit_contribution", "innovation_partner", "early_adopter",
    "prestige", "competitor_customer", "stage", "stage_since", "trust",
    "exec_contacts", "joint_projects", "share_of_wallet", "last_review",
};

enum { SEG_ENTERPRISE, SEG_MID_MARKET, SEG_SMB };

/* Stages in `order` position; uncoupling is final and outside the order. */
enum { ST_PRE, ST_EARLY, ST_MID, ST_PARTNER, ST_SYN, ST_UNCOUPLING };

static const char *const stage_name[] = {
    "pre_kam", "early_kam", "mid_kam", "partnership", "synergistic", "uncoupling",
};
static const size_t stage_len[] = { 7, 9, 7, 11, 11, 10 };

enum { TIER_PLATINUM, TIER_GOLD, TIER_SILVER, TIER_STANDARD };

static const char *const tier_name[] = { "platinum", "gold", "silver", "standard" };
static const size_t tier_len[] = { 8, 4, 6, 8 };

/* A date as the two forms the policy needs: days since 1970-01-01 for
 * days_since, and year*12+month plus day of month for months_since. */
typedef struct {
    int32_t days;
    int32_t months;
    int32_t mday;
} Date;

/* One record's fields, converted. */
typedef struct {
    const char *id;
    size_t id_len;
    int segment;
    double revenue, growth, share, margin, profit, wallet;
    int innovation, early, prestige, competitor, stage;
    int trust, exec_contacts, joint_projects;
    Date since;
    int has_review;
    Date review;
} Account;

/* Everything the run needs; no globals. */
typedef struct {
    const char *path;
    const char *data;  /* the file, always ending in '\n' */
    const char *end;
    const char *body;  /* first byte after the header line */
    int ncols;
    unsigned char role[256]; /* role of each column, COL_SKIP if unused */
    int rev_col;             /* column index of annual_revenue */
    double growth_floor;
    Date today;
    double total_revenue;
    int errors;
    char scratch[4096];     /* decoded quoted field */
    char idbuf[4096];       /* decoded quoted id, alive until output */
    char *out, *out_pos, *out_end;
} Run;

/* A field's text: in the file, or in a scratch buffer if it was quoted. */
typedef struct {
    const char *s;
    size_t n;
} Field;

static void die(const char *msg)
{
    fprintf(stderr, "handwritten: %s\n", msg);
    exit(2);
}

/* ---- dates -------------------------------------------------------------- */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int32_t days_from_civil(int32_t y, int32_t m, int32_t d)
{
    y -= m <= 2;
    int32_t era = (y >= 0 ? y : y - 399) / 400;
    int32_t yoe = y - era * 400;
    int32_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int32_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int is_digit(char c)
{
    return (unsigned char)(c - '0') < 10;
}

/* Parses exactly YYYY-MM-DD, a real calendar date; 0 on success. */
static int parse_date(const char *s, size_t n, Date *out)
{
    static const int8_t mdays[13] = { 0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    if (n != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && !is_digit(s[i]))
            return -1;
    int32_t y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int32_t m = (s[5] - '0') * 10 + (s[6] - '0');
    int32_t d = (s[8] - '0') * 10 + (s[9] - '0');
    if (m < 1 || m > 12 || d < 1 || d > mdays[m])
        return -1;
    if (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
        return -1;
    out->days = days_from_civil(y, m, d);
    out->months = y * 12 + m;
    out->mday = d;
    return 0;
}

/* months_since as the brief defines it: whole calendar months, less one if
 * today's day of month has not reached d's. */
static int32_t months_since(const Date *today, const Date *d)
{
    return today->months - d->months - (today->mday < d->mday);
}

/* ---- scalars ------------------------------------------------------------ */

/* Decimal number [-]digits[.digits]; 0 on success. A mantissa of at most
 * 15 digits is exact in a double, as is 10^k for k <= 15, so one IEEE
 * division gives the correctly rounded value, the same as strtod's.
 * Anything else (exponents, long mantissas) goes to strtod. */
static int parse_number(const char *s, size_t n, double *out)
{
    static const double pow10[16] = {
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
    };
    const char *p = s, *e = s + n;
    int neg = 0;
    if (p < e && *p == '-') {
        neg = 1;
        p++;
    }
    uint64_t mant = 0;
    int digits = 0, frac = 0;
    while (p < e && is_digit(*p)) {
        mant = mant * 10 + (uint64_t)(*p++ - '0');
        digits++;
    }
    if (p < e && *p == '.') {
        p++;
        while (p < e && is_digit(*p)) {
            mant = mant * 10 + (uint64_t)(*p++ - '0');
            digits++;
            frac++;
        }
    }
    if (p == e && digits > 0 && digits <= 15) {
        double v = (double)mant / pow10[frac];
        *out = neg ? -v : v;
        return 0;
    }
    /* Slow path: let strtod decide, on a terminated copy. */
    char buf[128];
    if (n == 0 || n >= sizeof buf)
        return -1;
    for (size_t i = 0; i < n; i++) /* no "inf", "nan", hex or spaces */
        if (!is_digit(s[i]) && !strchr(".eE+-", s[i]))
            return -1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    char *endp;
    errno = 0;
    double v = strtod(buf, &endp);
    if (endp != buf + n || errno == ERANGE || buf[0] == '+')
        return -1;
    *out = v;
    return 0;
}

/* A percent column: "0.12" or "12%" (12% is the ratio 0.12). */
static int parse_percent(const char *s, size_t n, double *out)
{
    if (n > 0 && s[n - 1] == '%') {
        if (parse_number(s, n - 1, out) != 0)
            return -1;
        *out /= 100;
        return 0;
    }
    return parse_number(s, n, out);
}

static int parse_int(const char *s, size_t n, int *out)
{
    const char *p = s, *e = s + n;
    int neg = 0;
    if (p < e && *p == '-') {
        neg = 1;
        p++;
    }
    if (p == e || e - p > 9)
        return -1;
    int v = 0;
    for (; p < e; p++) {
        if (!is_digit(*p))
            return -1;
        v = v * 10 + (*p - '0');
    }
    *out = neg ? -v : v;
    return 0;
}

static int parse_bool(const char *s, size_t n, int *out)
{
    if (n == 4 && memcmp(s, "true", 4) == 0)
        *out = 1;
    else if (n == 5 && memcmp(s, "false", 5) == 0)
        *out = 0;
    else
        return -1;
    return 0;
}

static int parse_segment(const char *s, size_t n, int *out)
{
    if (n == 10 && memcmp(s, "enterprise", 10) == 0)
        *out = SEG_ENTERPRISE;
    else if (n == 10 && memcmp(s, "mid_market", 10) == 0)
        *out = SEG_MID_MARKET;
    else if (n == 3 && memcmp(s, "smb", 3) == 0)
        *out = SEG_SMB;
    else
        return -1;
    return 0;
}

static int parse_stage(const char *s, size_t n, int *out)
{
    for (int i = 0; i <= ST_UNCOUPLING; i++) {
        if (stage_len[i] == n && memcmp(s, stage_name[i], n) == 0) {
            *out = i;
            return 0;
        }
    }
    return -1;
}

/* ---- CSV scanning ------------------------------------------------------- */

/* Scans the field at p (RFC 4180). An unquoted field is returned in place;
 * a quoted one is decoded into buf when decode is set. Returns the byte
 * after the field (',', '\r' or '\n'), or NULL on a broken quoted field. */
static const char *scan_field(const char *p, const char *end, Field *f, char *buf,
                              size_t cap, int decode)
{
    if (*p != '"') {
        const char *q = p;
        while (*q != ',' && *q != '\n' && *q != '\r')
            q++;
        f->s = p;
        f->n = (size_t)(q - p);
        return q;
    }
    size_t len = 0;
    p++;
    for (;;) {
        const char *q = memchr(p, '"', (size_t)(end - p));
        if (!q)
            return NULL;
        if (decode) {
            size_t k = (size_t)(q - p);
            if (len + k + 1 > cap)
                return NULL;
            memcpy(buf + len, p, k);
            len += k;
        }
        if (q + 1 < end && q[1] == '"') {
            if (decode)
                buf[len++] = '"';
            p = q + 2;
            continue;
        }
        p = q + 1;
        break;
    }
    if (*p != ',' && *p != '\n' && *p != '\r')
        return NULL;
    f->s = buf;
    f->n = len;
    return p;
}

/* ---- the fast path ------------------------------------------------------ */

static int is_delim(char c)
{
    return c == ',' || c == '\n' || c == '\r';
}

/* The first delimiter at or after p (there is always one: the data ends in
 * '\n'). Eight bytes at a time while a whole word lies before end: a zero
 * byte in x ^ pattern marks a match, and the lowest flagged byte of the
 * classic haszero test is always a true one. */
static const char *find_delim(const char *p, const char *end)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && defined(__GNUC__)
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    while (end - p >= 8) {
        uint64_t x;
        memcpy(&x, p, 8);
        uint64_t a = x ^ (ones * ','), b = x ^ (ones * '\n'), c = x ^ (ones * '\r');
        uint64_t hit = (((a - ones) & ~a) | ((b - ones) & ~b) | ((c - ones) & ~c)) & highs;
        if (hit)
            return p + (__builtin_ctzll(hit) >> 3);
        p += 8;
    }
#else
    (void)end;
#endif
    while (!is_delim(*p))
        p++;
    return p;
}

/* A decimal number lexed and converted in one sweep, with parse_number's
 * exact fast path; NULL when it needs the general path. (A SWAR version that
 * converts eight digits at a time was slower here: the runs are short.) */
static const char *lex_decimal(const char *p, double *out)
{
    static const double pow10[16] = {
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
    };
    int neg = *p == '-';
    p += neg;
    const char *first = p;
    uint64_t mant = 0;
    while (is_digit(*p))
        mant = mant * 10 + (uint64_t)(*p++ - '0');
    int digits = (int)(p - first), frac = 0;
    if (*p == '.') {
        const char *dot = ++p;
        while (is_digit(*p))
            mant = mant * 10 + (uint64_t)(*p++ - '0');
        frac = (int)(p - dot);
        digits += frac;
    }
    if (digits == 0 || digits > 15)
        return NULL;
    double v = (double)mant / pow10[frac];
    *out = neg ? -v : v;
    return p;
}

static const char *lex_percent(const char *p, double *out)
{
    p = lex_decimal(p, out);
    if (p && *p == '%') {
        *out /= 100;
        p++;
    }
    return p;
}

static const char *lex_int(const char *p, int *out)
{
    int neg = *p == '-';
    p += neg;
    const char *first = p;
    int v = 0;
    while (is_digit(*p) && p - first < 9)
        v = v * 10 + (*p++ - '0');
    if (p == first)
        return NULL;
    *out = neg ? -v : v;
    return p;
}

/* Converts the unquoted field at p where it lies, in the sweep that finds
 * its end. Returns the delimiter after it, or NULL when the field needs the
 * general path (quoted, exponent, malformed: that path reports errors). */
static const char *fast_field(int role, const char *p, const char *end, Account *a)
{
    if (*p == '"')
        return NULL;
    const char *s = p;
    switch (role) {
    case COL_REVENUE: p = lex_decimal(p, &a->revenue); break;
    case COL_PROFIT: p = lex_decimal(p, &a->profit); break;
    case COL_GROWTH: p = lex_percent(p, &a->growth); break;
    case COL_SHARE: p = lex_percent(p, &a->share); break;
    case COL_MARGIN: p = lex_percent(p, &a->margin); break;
    case COL_WALLET: p = lex_percent(p, &a->wallet); break;
    case COL_PRESTIGE: p = lex_int(p, &a->prestige); break;
    case COL_TRUST: p = lex_int(p, &a->trust); break;
    case COL_EXEC: p = lex_int(p, &a->exec_contacts); break;
    case COL_JOINT: p = lex_int(p, &a->joint_projects); break;
    default: {
        /* Text-like columns: find the end, then convert the span. */
        p = find_delim(p, end);
        size_t n = (size_t)(p - s);
        int bad;
        switch (role) {
        case COL_SKIP: bad = 0; break;
        case COL_ID:
            a->id = s;
            a->id_len = n;
            bad = n > 65536;
            break;
        case COL_SEGMENT: bad = parse_segment(s, n, &a->segment); break;
        case COL_INNOVATION: bad = parse_bool(s, n, &a->innovation); break;
        case COL_EARLY: bad = parse_bool(s, n, &a->early); break;
        case COL_COMPETITOR: bad = parse_bool(s, n, &a->competitor); break;
        case COL_STAGE: bad = parse_stage(s, n, &a->stage); break;
        case COL_SINCE: bad = parse_date(s, n, &a->since); break;
        case COL_REVIEW:
            a->has_review = n > 0;
            bad = n > 0 && parse_date(s, n, &a->review);
            break;
        default: bad = 1; break;
        }
        return bad ? NULL : p;
    }
    }
    return p && is_delim(*p) ? p : NULL;
}

/* The line number of position p, counted only when an error is reported. */
static long line_of(const Run *r, const char *p)
{
    long line = 1;
    for (const char *q = r->data; q < p; q++)
        line += *q == '\n';
    return line;
}

static void data_error(Run *r, const char *at, int col, const char *what, const Field *f)
{
    if (f)
        fprintf(stderr, "%s:%ld: field %s: %s '%.*s'\n", r->path, line_of(r, at),
                column_name[r->role[col]][0] ? column_name[r->role[col]] : "?", what,
                (int)f->n, f->s);
    else
        fprintf(stderr, "%s:%ld: %s\n", r->path, line_of(r, at), what);
    r->errors++;
}

/* The start of the next line after p, honouring quotes (a quoted field may
 * hold a line break). memchr finds the line end; only a line with a quote in
 * it is walked field by field. */
static const char *next_line(const char *p, const char *end)
{
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    if (!memchr(p, '"', (size_t)(nl - p)))
        return nl + 1;
    int quoted = 0;
    for (; p < end; p++) {
        if (*p == '"')
            quoted = !quoted;
        else if (*p == '\n' && !quoted)
            return p + 1;
    }
    return end;
}

/* Reads the header line and maps each column to its role. */
static void read_header(Run *r)
{
    const char *p = r->data;
    int seen[COL_COUNT] = { 0 };
    r->ncols = 0;
    for (;;) {
        Field f;
        p = scan_field(p, r->end, &f, r->scratch, sizeof r->scratch, 1);
        if (!p)
            die("malformed header line");
        if (r->ncols == 256)
            die("more than 256 columns");
        int role = COL_SKIP;
        for (int c = 1; c < COL_COUNT; c++)
            if (strlen(column_name[c]) == f.n && memcmp(column_name[c], f.s, f.n) == 0)
                role = c;
        if (role != COL_SKIP) {
            if (seen[role])
                die("duplicate column in header");
            seen[role] = 1;
        }
        if (role == COL_REVENUE)
            r->rev_col = r->ncols;
        r->role[r->ncols++] = (unsigned char)role;
        if (*p != ',')
            break;
        p++;
    }
    for (int c = 1; c < COL_COUNT; c++) {
        if (!seen[c]) {
            fprintf(stderr, "handwritten: %s: no column '%s'\n", r->path, column_name[c]);
            exit(3);
        }
    }
    if (*p == '\r')
        p++;
    r->body = p + 1;
}

/* ---- pass 1: total(annual_revenue) -------------------------------------- */

/* Sums annual_revenue over all records. A record whose revenue does not
 * parse adds nothing; pass 2 reports it. */
static void sum_revenue(Run *r)
{
    double total = 0;
    const char *p = r->body, *end = r->end;
    while (p < end) {
        if (*p == '\n' || (*p == '\r' && p[1] == '\n')) {
            p += *p == '\r' ? 2 : 1;
            continue;
        }
        const char *line = p;
        int ok = 1;
        for (int c = 0; c < r->rev_col; c++) {
            if (*p != '"') {
                p = find_delim(p, end);
            } else {
                Field f;
                p = scan_field(p, end, &f, NULL, 0, 0);
            }
            if (!p || *p != ',') {
                ok = 0;
                break;
            }
            p++;
        }
        if (ok) {
            double v;
            const char *q = *p != '"' ? lex_decimal(p, &v) : NULL;
            if (q && is_delim(*q)) {
                total += v;
            } else {
                Field f;
                q = scan_field(p, end, &f, r->scratch, sizeof r->scratch, 1);
                if (q && parse_number(f.s, f.n, &v) == 0)
                    total += v;
            }
        }
        p = next_line(line, end);
    }
    r->total_revenue = total;
}

/* ---- pass 2: evaluate and print ----------------------------------------- */

static void flush_out(Run *r)
{
    size_t n = (size_t)(r->out_pos - r->out);
    const char *p = r->out;
    while (n > 0) {
        ssize_t w = write(STDOUT_FILENO, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            perror("handwritten: stdout");
            exit(2);
        }
        p += w;
        n -= (size_t)w;
    }
    r->out_pos = r->out;
}

static void put(Run *r, const char *s, size_t n)
{
    memcpy(r->out_pos, s, n);
    r->out_pos += n;
}

#define PUT_LIT(r, s) put((r), (s), sizeof(s) - 1)


/* A CSV field, quoted only when it must be (as kam's writer does). */
static void put_csv_field(Run *r, const char *s, size_t n)
{
    int quote = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r')
            quote = 1;
    if (!quote) {
        put(r, s, n);
        return;
    }
    *r->out_pos++ = '"';
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"')
            *r->out_pos++ = '"';
        *r->out_pos++ = s[i];
    }
    *r->out_pos++ = '"';
}

/* A number as printf("%.15g") prints it; integral values below 10^15 (all
 * fit scores) skip printf, whose output for them is the plain integer. */
static void put_number(Run *r, double v)
{
    if (v == (double)(int64_t)v && v > -1e15 && v < 1e15 && !(v == 0 && 1 / v < 0)) {
        char buf[24], *e = buf + sizeof buf, *p = e;
        int64_t i = (int64_t)v;
        uint64_t u = i < 0 ? (uint64_t)-i : (uint64_t)i;
        do {
            *--p = (char)('0' + u % 10);
            u /= 10;
        } while (u);
        if (i < 0)
            *--p = '-';
        put(r, p, (size_t)(e - p));
        return;
    }
    r->out_pos += snprintf(r->out_pos, 32, "%.15g", v);
}

static void put_bool(Run *r, int b)
{
    if (b)
        PUT_LIT(r, "true");
    else
        PUT_LIT(r, "false");
}

/* `kam_stage >= s` for an ordered s: false for the final stage. */
static int stage_at_least(int stage, int s)
{
    return stage != ST_UNCOUPLING && stage >= s;
}

/* bench.kam, rule by rule, for one record. */
static void evaluate(Run *r, const Account *a)
{
    int high_growth = a->growth >= r->growth_floor || a->share >= 0.15;
    int profitable = a->profit >= 250000 && a->margin > 0.20;
    int strategic = a->innovation || a->early;

    double fit = 0;
    if (high_growth) fit += 25;
    if (a->innovation) fit += 15;
    if (a->early) fit += 10;
    if (a->prestige >= 4) fit += 15;
    if (a->competitor) fit += 10;
    if (profitable) fit += 25;

    int key_account = fit >= 60 || (profitable && strategic);

    int tier;
    if (key_account && fit >= 85) tier = TIER_PLATINUM;
    else if (key_account) tier = TIER_GOLD;
    else if (high_growth) tier = TIER_SILVER;
    else tier = TIER_STANDARD;

    /* First listed transition whose condition holds; `any` is listed first
     * and covers every stage but the final one. */
    int stage = a->stage;
    if (stage != ST_UNCOUPLING) {
        if (!profitable && months_since(&r->today, &a->since) >= 12) {
            stage = ST_UNCOUPLING;
        } else {
            switch (stage) {
            case ST_PRE:
                if (key_account && a->trust >= 2)
                    stage = ST_EARLY;
                break;
            case ST_EARLY:
                if (months_since(&r->today, &a->since) >= 6 && a->exec_contacts >= 3)
                    stage = ST_MID;
                break;
            case ST_MID:
                if (a->trust >= 4 && a->joint_projects >= 2 && a->wallet >= 0.50)
                    stage = ST_PARTNER;
                break;
            case ST_PARTNER:
                if (a->joint_projects >= 5 && a->innovation)
                    stage = ST_SYN;
                break;
            default:
                break;
            }
        }
    }

    int dependence = a->revenue / r->total_revenue > 0.20;
    int32_t review_days = a->has_review ? a->review.days : days_from_civil(2000, 1, 1);
    int neglected = a->segment == SEG_SMB && r->today.days - review_days > 365;

    if (r->out_end - r->out_pos < (ptrdiff_t)(2 * a->id_len + 512))
        flush_out(r);
    put_csv_field(r, a->id, a->id_len);
    *r->out_pos++ = ',';
    put_number(r, fit);
    *r->out_pos++ = ',';
    put_bool(r, key_account);
    *r->out_pos++ = ',';
    put(r, tier_name[tier], tier_len[tier]);
    *r->out_pos++ = ',';
    put(r, stage_name[stage], stage_len[stage]);
    *r->out_pos++ = ',';

    /* Entitlements in declaration order. Each one implies the ones before
     * it that are >= a lower stage, so a ';' goes before all but the first. */
    int any = 0;
    if (stage_at_least(stage, ST_EARLY)) {
        PUT_LIT(r, "dedicated_manager");
        any = 1;
    }
    if (stage_at_least(stage, ST_MID)) {
        if (any) *r->out_pos++ = ';';
        PUT_LIT(r, "multifunctional_team");
        any = 1;
    }
    if (stage_at_least(stage, ST_EARLY)) {
        if (any) *r->out_pos++ = ';';
        PUT_LIT(r, "priority_support");
        any = 1;
    }
    if (stage_at_least(stage, ST_PARTNER) && profitable) {
        if (any) *r->out_pos++ = ';';
        PUT_LIT(r, "custom_pricing");
        any = 1;
    }
    if (stage == ST_SYN) {
        if (any) *r->out_pos++ = ';';
        PUT_LIT(r, "integrated_systems");
    }
    *r->out_pos++ = ',';
    if (stage_at_least(stage, ST_EARLY)) *r->out_pos++ = '4';      /* sla_hours */
    *r->out_pos++ = ',';
    if (stage_at_least(stage, ST_PARTNER) && profitable) PUT_LIT(r, "0.12");   /* max_discount */
    *r->out_pos++ = ',';
    if (dependence)
        PUT_LIT(r, "dependence_risk");
    if (neglected) {
        if (dependence) *r->out_pos++ = ';';
        PUT_LIT(r, "neglected_small");
    }
    *r->out_pos++ = '\n';
}

/* Converts one field into the account; 0 on success. */
static int convert(Run *r, int role, const Field *f, Account *a)
{
    switch (role) {
    case COL_ID:
        if (f->n > 65536) /* keeps one output line within the buffer */
            return -1;
        if (f->s == r->scratch) {
            memcpy(r->idbuf, f->s, f->n);
            a->id = r->idbuf;
        } else {
            a->id = f->s;
        }
        a->id_len = f->n;
        return 0;
    case COL_SEGMENT: return parse_segment(f->s, f->n, &a->segment);
    case COL_REVENUE: return parse_number(f->s, f->n, &a->revenue);
    case COL_GROWTH: return parse_percent(f->s, f->n, &a->growth);
    case COL_SHARE: return parse_percent(f->s, f->n, &a->share);
    case COL_MARGIN: return parse_percent(f->s, f->n, &a->margin);
    case COL_PROFIT: return parse_number(f->s, f->n, &a->profit);
    case COL_INNOVATION: return parse_bool(f->s, f->n, &a->innovation);
    case COL_EARLY: return parse_bool(f->s, f->n, &a->early);
    case COL_PRESTIGE: return parse_int(f->s, f->n, &a->prestige);
    case COL_COMPETITOR: return parse_bool(f->s, f->n, &a->competitor);
    case COL_STAGE: return parse_stage(f->s, f->n, &a->stage);
    case COL_SINCE: return parse_date(f->s, f->n, &a->since);
    case COL_TRUST: return parse_int(f->s, f->n, &a->trust);
    case COL_EXEC: return parse_int(f->s, f->n, &a->exec_contacts);
    case COL_JOINT: return parse_int(f->s, f->n, &a->joint_projects);
    case COL_WALLET: return parse_percent(f->s, f->n, &a->wallet);
    case COL_REVIEW:
        a->has_review = f->n > 0;
        return a->has_review ? parse_date(f->s, f->n, &a->review) : 0;
    default: return 0;
    }
}

static void evaluate_all(Run *r)
{
    const char *p = r->body, *end = r->end;
    while (p < end) {
        if (*p == '\n' || (*p == '\r' && p[1] == '\n')) {
            p += *p == '\r' ? 2 : 1;
            continue;
        }
        const char *line = p;
        Account a;
        int ok = 1;
        for (int c = 0; c < r->ncols; c++) {
            int role = r->role[c];
            const char *q = fast_field(role, p, end, &a);
            if (!q) {
                Field f;
                q = scan_field(p, end, &f, r->scratch, sizeof r->scratch, role != COL_SKIP);
                if (!q) {
                    data_error(r, line, c, "unterminated or misplaced quote", NULL);
                    ok = 0;
                    break;
                }
                if (convert(r, role, &f, &a) != 0) {
                    data_error(r, line, c, "bad value", &f);
                    ok = 0;
                    break;
                }
            }
            p = q;
            if (c + 1 < r->ncols) {
                if (*p != ',') {
                    data_error(r, line, c, "too few fields", NULL);
                    ok = 0;
                    break;
                }
                p++;
            }
        }
        if (ok && *p == ',') {
            data_error(r, line, 0, "too many fields", NULL);
            ok = 0;
        }
        if (ok) {
            evaluate(r, &a);
            p += *p == '\r' ? 2 : 1;
        } else {
            p = next_line(line, end);
        }
    }
}

/* Maps the file, or reads it when it does not end in a newline (so that
 * every scan stops at a '\n' without checking for the end). */
static void load(Run *r)
{
    int fd = open(r->path, O_RDONLY);
    if (fd < 0) {
        perror(r->path);
        exit(2);
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        perror(r->path);
        exit(2);
    }
    size_t size = (size_t)st.st_size;
    char *data = NULL;
    if (!S_ISREG(st.st_mode)) { /* a pipe: read it all, leaving room for '\n' */
        size_t cap = 1 << 20;
        data = malloc(cap);
        for (;;) {
            if (!data)
                die("out of memory");
            ssize_t got = read(fd, data + size, cap - 1 - size);
            if (got < 0 && errno == EINTR)
                continue;
            if (got < 0) {
                perror(r->path);
                exit(2);
            }
            if (got == 0)
                break;
            size += (size_t)got;
            if (size + 1 == cap)
                data = realloc(data, cap *= 2);
        }
        if (size == 0 || data[size - 1] != '\n')
            data[size++] = '\n';
    } else if (size > 0) {
        data = mmap(NULL, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
        if (data == MAP_FAILED) {
            perror(r->path);
            exit(2);
        }
        madvise(data, size, MADV_SEQUENTIAL);
    }
    if (S_ISREG(st.st_mode) && (size == 0 || data[size - 1] != '\n')) {
        char *copy = malloc(size + 1);
        if (!copy)
            die("out of memory");
        if (size)
            memcpy(copy, data, size);
        copy[size++] = '\n';
        data = copy;
    }
    close(fd);
    r->data = data;
    r->end = data + size;
}

static int usage(void)
{
    fputs("usage: handwritten FILE.csv --as-of YYYY-MM-DD [--growth-floor 0.10|10%]\n",
          stderr);
    return 2;
}

int main(int argc, char **argv)
{
    static Run run;
    Run *r = &run;
    const char *as_of = NULL;
    r->growth_floor = 0.10;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--as-of") == 0 && i + 1 < argc) {
            as_of = argv[++i];
        } else if (strcmp(argv[i], "--growth-floor") == 0 && i + 1 < argc) {
            const char *v = argv[++i];
            if (parse_percent(v, strlen(v), &r->growth_floor) != 0)
                return usage();
        } else if (!r->path && argv[i][0] != '-') {
            r->path = argv[i];
        } else {
            return usage();
        }
    }
    if (!r->path || !as_of || parse_date(as_of, strlen(as_of), &r->today) != 0)
        return usage();

    load(r);
    read_header(r);
    static char outbuf[1 << 20];
    r->out = r->out_pos = outbuf;
    r->out_end = outbuf + sizeof outbuf;
    PUT_LIT(r, "id,fit,key_account,service_tier,kam_stage,entitlements,"
               "priority_support.sla_hours,custom_pricing.max_discount,flags\n");

    sum_revenue(r);
    evaluate_all(r);
    flush_out(r);
    return r->errors ? 3 : 0;
}
