/*
 * bench/gen.c: deterministic generator of account records for the benchmark.
 *
 *   gen N [SEED] [--format csv|jsonl]
 *
 * Writes N records of bench/bench.kam's `record account` to stdout, as CSV
 * (RFC 4180, header line first) or as JSON Lines (one object per line, the
 * same fields; percents as ratios, a missing last_review as null).
 *
 * Determinism: the only randomness is a self-written splitmix64 generator and
 * the only arithmetic on it is integer arithmetic (no libm, no printf of
 * doubles), so the same N and SEED give byte-identical output on every
 * platform. The first K records of a run with N > K equal a run with N = K.
 *
 * The distributions are tuned for bench.kam with --as-of 2026-06-30: about
 * one record in five becomes a key account, and every tier, stage move,
 * entitlement and flag fires for some records, except dependence_risk, which
 * needs one account to carry 20% of all revenue and so only fires for tiny N.
 *
 * This file does not hold any policy logic; bench/handwritten.c does.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* splitmix64 state: a single 64-bit counter. */
typedef struct {
    uint64_t s;
} Rng;

static uint64_t rng_next(Rng *r)
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Uniform integer in [0, n); the modulo bias is below 2^-25 for every n
 * used here (at most about 2^37 cents), far under anything measurable. */
static int64_t rng_below(Rng *r, int64_t n)
{
    return (int64_t)(rng_next(r) % (uint64_t)n);
}

/* Uniform integer in [lo, hi]. */
static int64_t rng_range(Rng *r, int64_t lo, int64_t hi)
{
    return lo + rng_below(r, hi - lo + 1);
}

/* True with probability permille/1000. */
static int rng_chance(Rng *r, int permille)
{
    return rng_below(r, 1000) < permille;
}

/* Stages, in bench.kam's declaration order. */
enum { ST_PRE, ST_EARLY, ST_MID, ST_PARTNER, ST_SYN, ST_UNCOUPLING };

static const char *const stage_name[] = {
    "pre_kam", "early_kam", "mid_kam", "partnership", "synergistic", "uncoupling",
};

enum { SEG_ENTERPRISE, SEG_MID_MARKET, SEG_SMB };

static const char *const segment_name[] = { "enterprise", "mid_market", "smb" };

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* Inverse of days_from_civil, writing "YYYY-MM-DD" into out[11]. */
static void civil_from_days(int64_t z, char out[11])
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
    snprintf(out, 11, "%04d-%02d-%02d", (int)y, (int)m, (int)d);
}

/* The generator's fixed time window: dates fall in [FIRST_DAY, LAST_DAY]. */
typedef struct {
    int64_t first_day;
    int64_t last_day;
} Window;

/* A date, recent (within the last year of the window) with probability
 * recent_permille, otherwise anywhere in the window. */
static void random_date(Rng *r, const Window *w, int recent_permille, char out[11])
{
    int64_t lo = rng_chance(r, recent_permille) ? w->last_day - 364 : w->first_day;
    civil_from_days(rng_range(r, lo, w->last_day), out);
}

static const char *const name_stem[] = {
    "Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Hooli",
    "Vandelay", "Soylent", "Tyrell", "Cyberdyne", "Wonka", "Oceanic",
    "Nakatomi", "Monarch", "Aperture", "Massive Dynamic", "Gekko",
    "Pied Piper", "Dunder Mifflin", "Bluth", "Krusty", "Prestige Worldwide",
    "Virtucon", "Sterling Cooper", "Los Pollos", "Rekall", "Weyland",
    "Nordwind", "Alpenglow", "Baltic", "Rheinland", "Iberia", "Helvetia",
};
static const char *const name_sector[] = {
    "Logistics", "Foods", "Pharma", "Systems", "Energy", "Retail", "Bank",
    "Motors", "Textiles", "Chemicals", "Analytics", "Telecom", "Insurance",
    "Steel", "Software", "Aerospace", "Hotels", "Media",
};
static const char *const name_legal[] = {
    "AG", "GmbH", "Inc.", "Ltd", "S.A.", "plc", "BV", "Oy", "SE", "LLC",
};
static const char *const surname[] = {
    "Smith", "Jones", "M\303\274ller", "Schmidt", "Dubois", "Rossi", "Garc\303\255a",
    "Nowak", "Jensen", "Svensson", "O'Brien", "Kowalski", "Tanaka", "Silva",
};
static const char *const nickname[] = {
    "Blue", "Golden", "Swift", "Northern", "Best", "Big",
};

#define COUNT(a) ((int64_t)(sizeof(a) / sizeof((a)[0])))
#define PICK(r, a) ((a)[rng_below((r), COUNT(a))])

/* A company name; about 6% contain a comma and 3% a double quote, so the
 * readers' RFC 4180 quoting is exercised. The parts are drawn one statement
 * at a time: the order in which function arguments are evaluated is
 * unspecified, and gcc and clang differ. */
static void random_name(Rng *r, char *out, size_t cap)
{
    int64_t kind = rng_below(r, 1000);
    if (kind < 40) {
        const char *a = PICK(r, surname);
        const char *b = PICK(r, surname);
        snprintf(out, cap, "%s, %s & Partners", a, b);
    } else if (kind < 90) {
        const char *a = PICK(r, name_stem);
        const char *b = kind < 60 ? PICK(r, name_sector) : PICK(r, nickname);
        const char *c = kind < 60 ? PICK(r, name_legal) : PICK(r, name_sector);
        if (kind < 60)
            snprintf(out, cap, "%s %s Holdings, %s", a, b, c);
        else
            snprintf(out, cap, "%s \"%s\" %s", a, b, c);
    } else if (kind < 250) {
        snprintf(out, cap, "%s & Sons", PICK(r, surname));
    } else {
        const char *a = PICK(r, name_stem);
        const char *b = PICK(r, name_sector);
        const char *c = PICK(r, name_legal);
        snprintf(out, cap, "%s %s %s", a, b, c);
    }
}

/* One generated account, with money in cents and percents in units of
 * 1/10000 (a ratio of 0.1234 is 1234), so nothing here is a double. */
typedef struct {
    char id[24];
    char name[96];
    int segment;
    int64_t revenue_cents;
    int64_t growth;
    int64_t share;
    int64_t margin;
    int64_t profit_cents;
    int innovation_partner;
    int early_adopter;
    int prestige;
    int competitor_customer;
    int stage;
    char stage_since[11];
    int trust;
    int exec_contacts;
    int joint_projects;
    int64_t wallet;
    char last_review[11]; /* "" when missing */
    int pct_form;         /* bit i: write percent i as "12.34%" */
} Account;

/* Revenue in cents: a few bands per segment, uniform within a band, which
 * gives the long tail of real portfolios without needing exp(). */
static int64_t random_revenue(Rng *r, int segment)
{
    int64_t lo, hi, band = rng_below(r, 100);
    switch (segment) {
    case SEG_ENTERPRISE:
        if (band < 50) lo = 5000000, hi = 50000000;
        else if (band < 85) lo = 50000000, hi = 200000000;
        else lo = 200000000, hi = 800000000;
        break;
    case SEG_MID_MARKET:
        if (band < 50) lo = 1000000, hi = 5000000;
        else lo = 5000000, hi = 20000000;
        break;
    default:
        if (band < 55) lo = 50000, hi = 300000;
        else if (band < 90) lo = 300000, hi = 1000000;
        else lo = 1000000, hi = 2000000;
        break;
    }
    return rng_range(r, lo * 100, hi * 100);
}

/* Stage-dependent ranges: accounts further along the relational model have
 * more trust, contacts and joint work, and were selected for profit. */
typedef struct {
    int permille;           /* share of records starting in this stage */
    int trust_lo, trust_hi;
    int exec_lo, exec_hi;
    int joint_lo, joint_hi;
    int wallet_lo, wallet_hi; /* 1/10000 */
    int profit_boost;       /* permille chance of forcing a good margin */
    int innovation;         /* permille chance of innovation_partner */
    int recent;             /* permille chance stage_since is in the last year */
} StageProfile;

/*  share  trust  exec  joint  wallet      margin innovation recent */
static const StageProfile profile[] = {
    [ST_PRE] = { 470, 0, 3, 0, 3, 0, 1, 100, 3000, 0, 110, 780 },
    [ST_EARLY] = { 220, 1, 4, 1, 6, 0, 2, 500, 4500, 600, 150, 550 },
    [ST_MID] = { 150, 2, 5, 2, 8, 0, 4, 2000, 7500, 750, 200, 500 },
    [ST_PARTNER] = { 90, 3, 5, 3, 10, 1, 7, 3500, 8500, 800, 400, 500 },
    [ST_SYN] = { 40, 4, 5, 4, 12, 3, 9, 5000, 9500, 850, 600, 500 },
    [ST_UNCOUPLING] = { 30, 0, 2, 0, 2, 0, 2, 100, 2000, 0, 50, 300 },
};

static int random_stage(Rng *r)
{
    int64_t x = rng_below(r, 1000);
    for (int s = 0; s < ST_UNCOUPLING; s++) {
        if (x < profile[s].permille)
            return s;
        x -= profile[s].permille;
    }
    return ST_UNCOUPLING;
}

static void random_account(Rng *r, const Window *w, uint64_t index, Account *a)
{
    snprintf(a->id, sizeof a->id, "A%07llu", (unsigned long long)index);
    random_name(r, a->name, sizeof a->name);
    int64_t seg = rng_below(r, 100);
    a->segment = seg < 20 ? SEG_ENTERPRISE : seg < 55 ? SEG_MID_MARKET : SEG_SMB;
    a->stage = random_stage(r);
    const StageProfile *p = &profile[a->stage];

    a->revenue_cents = random_revenue(r, a->segment);
    /* Growth -15%..+35%, market share mostly small with a few leaders. */
    a->growth = rng_range(r, -1500, 3500);
    a->share = rng_chance(r, 120) ? rng_range(r, 1500, 4500) : rng_range(r, 0, 1499);
    if (rng_chance(r, p->profit_boost))
        a->margin = rng_range(r, 2001, 5500);
    else
        a->margin = rng_range(r, 500, 4000);
    /* Profit contribution: revenue x margin x 10..60% share of it. */
    int64_t take = rng_range(r, 1000, 6000);
    a->profit_cents = a->revenue_cents * a->margin / 10000 * take / 10000;
    a->innovation_partner = rng_chance(r, p->innovation);
    a->early_adopter = rng_chance(r, 150);
    static const int prestige_weight[] = { 150, 300, 300, 170, 80 };
    int64_t x = rng_below(r, 1000);
    a->prestige = 1;
    for (int i = 0; i < 4 && x >= prestige_weight[i]; i++) {
        x -= prestige_weight[i];
        a->prestige++;
    }
    a->competitor_customer = rng_chance(r, 140);
    random_date(r, w, p->recent, a->stage_since);
    a->trust = (int)rng_range(r, p->trust_lo, p->trust_hi);
    a->exec_contacts = (int)rng_range(r, p->exec_lo, p->exec_hi);
    a->joint_projects = (int)rng_range(r, p->joint_lo, p->joint_hi);
    a->wallet = rng_range(r, p->wallet_lo, p->wallet_hi);
    if (rng_chance(r, 100))
        a->last_review[0] = '\0';
    else
        random_date(r, w, 600, a->last_review);
    a->pct_form = 0;
    for (int i = 0; i < 4; i++)
        if (rng_chance(r, 200))
            a->pct_form |= 1 << i;
}

/* A percent held in 1/10000 as a ratio ("0.1234", "-0.05", "0") or, with
 * as_percent, as "12.34%". Trailing zeros are dropped, as people write them. */
static void put_percent(FILE *out, int64_t v, int as_percent)
{
    if (v < 0) {
        fputc('-', out);
        v = -v;
    }
    int64_t scale = as_percent ? 100 : 10000;
    int digits = as_percent ? 2 : 4;
    int64_t whole = v / scale, frac = v % scale;
    fprintf(out, "%lld", (long long)whole);
    if (frac) {
        char buf[8];
        snprintf(buf, sizeof buf, "%0*lld", digits, (long long)frac);
        size_t n = strlen(buf);
        while (n > 0 && buf[n - 1] == '0')
            buf[--n] = '\0';
        fprintf(out, ".%s", buf);
    }
    if (as_percent)
        fputc('%', out);
}

static void put_money(FILE *out, int64_t cents)
{
    fprintf(out, "%lld.%02lld", (long long)(cents / 100), (long long)(cents % 100));
}

/* A CSV field, quoted (RFC 4180) only when it holds a comma, quote or line
 * break. */
static void put_csv_string(FILE *out, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

/* A JSON string; generated names hold no control characters, only quotes. */
static void put_json_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

static const char *bool_name(int b)
{
    return b ? "true" : "false";
}

/* --format csv-quoted: every text, word, bool and date in quotes, as
 * exports that quote whatever is not a number write them (Python's
 * csv.QUOTE_NONNUMERIC, many BI tools); an empty field stays bare. */
static int quote_all;

static void put_text(FILE *out, const char *s)
{
    if (!quote_all || !*s) {
        put_csv_string(out, s);
        return;
    }
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

static void write_csv(FILE *out, const Account *a)
{
    put_text(out, a->id);
    fputc(',', out);
    put_text(out, a->name);
    fputc(',', out);
    put_text(out, segment_name[a->segment]);
    fputc(',', out);
    put_money(out, a->revenue_cents);
    fputc(',', out);
    put_percent(out, a->growth, a->pct_form & 1);
    fputc(',', out);
    put_percent(out, a->share, a->pct_form & 2);
    fputc(',', out);
    put_percent(out, a->margin, a->pct_form & 4);
    fputc(',', out);
    put_money(out, a->profit_cents);
    fputc(',', out);
    put_text(out, bool_name(a->innovation_partner));
    fputc(',', out);
    put_text(out, bool_name(a->early_adopter));
    fprintf(out, ",%d,", a->prestige);
    put_text(out, bool_name(a->competitor_customer));
    fputc(',', out);
    put_text(out, stage_name[a->stage]);
    fputc(',', out);
    put_text(out, a->stage_since);
    fprintf(out, ",%d,%d,%d,", a->trust, a->exec_contacts, a->joint_projects);
    put_percent(out, a->wallet, a->pct_form & 8);
    fputc(',', out);
    put_text(out, a->last_review);
    fputc('\n', out);
}

static void write_jsonl(FILE *out, const Account *a)
{
    fprintf(out, "{\"id\":\"%s\",\"name\":", a->id);
    put_json_string(out, a->name);
    fprintf(out, ",\"segment\":\"%s\",\"annual_revenue\":", segment_name[a->segment]);
    put_money(out, a->revenue_cents);
    fputs(",\"revenue_growth\":", out);
    put_percent(out, a->growth, 0);
    fputs(",\"market_share\":", out);
    put_percent(out, a->share, 0);
    fputs(",\"gross_margin\":", out);
    put_percent(out, a->margin, 0);
    fputs(",\"profit_contribution\":", out);
    put_money(out, a->profit_cents);
    fprintf(out,
            ",\"innovation_partner\":%s,\"early_adopter\":%s,\"prestige\":%d,"
            "\"competitor_customer\":%s,\"stage\":\"%s\",\"stage_since\":\"%s\","
            "\"trust\":%d,\"exec_contacts\":%d,\"joint_projects\":%d,\"share_of_wallet\":",
            bool_name(a->innovation_partner), bool_name(a->early_adopter), a->prestige,
            bool_name(a->competitor_customer), stage_name[a->stage], a->stage_since,
            a->trust, a->exec_contacts, a->joint_projects);
    put_percent(out, a->wallet, 0);
    if (a->last_review[0])
        fprintf(out, ",\"last_review\":\"%s\"}\n", a->last_review);
    else
        fputs(",\"last_review\":null}\n", out);
}

static int usage(void)
{
    fputs("usage: gen N [SEED] [--format csv|csv-quoted|jsonl]\n", stderr);
    return 2;
}

/* Parses a non-negative decimal integer; 0 on success. */
static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    if (!*s || *s == '-')
        return -1;
    *out = strtoull(s, &end, 10);
    return *end ? -1 : 0;
}

int main(int argc, char **argv)
{
    uint64_t n = 0, seed = 27;
    int have_n = 0, have_seed = 0, jsonl = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) {
            const char *f = argv[++i];
            if (strcmp(f, "jsonl") == 0) jsonl = 1;
            else if (strcmp(f, "csv") == 0) jsonl = 0;
            else if (strcmp(f, "csv-quoted") == 0) jsonl = 0, quote_all = 1;
            else return usage();
        } else if (!have_n && parse_u64(argv[i], &n) == 0) {
            have_n = 1;
        } else if (have_n && !have_seed && parse_u64(argv[i], &seed) == 0) {
            have_seed = 1;
        } else {
            return usage();
        }
    }
    if (!have_n)
        return usage();

    static char outbuf[1 << 20];
    setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
    Window w = { days_from_civil(2019, 1, 1), days_from_civil(2026, 6, 30) };
    Rng r = { seed };
    if (!jsonl)
        fputs("id,name,segment,annual_revenue,revenue_growth,market_share,gross_margin,"
              "profit_contribution,innovation_partner,early_adopter,prestige,"
              "competitor_customer,stage,stage_since,trust,exec_contacts,joint_projects,"
              "share_of_wallet,last_review\n",
              stdout);
    for (uint64_t i = 1; i <= n; i++) {
        Account a;
        random_account(&r, &w, i, &a);
        if (jsonl)
            write_jsonl(stdout, &a);
        else
            write_csv(stdout, &a);
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        perror("gen: stdout");
        return 1;
    }
    return 0;
}
