/* test_scan_convert.c — the CSV reader's conversion while scanning
 * (rd_csv_set_conversions, runtime/reader_csv.c) against the general path
 * (rd_convert, runtime/reader.c, over base/decimal.c and base/date.c).
 *
 * Files of random records (a fixed seed, so a failure repeats) mix the
 * shapes the scanner converts with every shape it must leave alone: long
 * mantissas, exponents, subnormals, 2^53 and past it, -0, "5." and ".5",
 * a '+' sign, spaces, percent forms (12%, 0.12, 12.5%, "%"), decimal
 * commas (converted in ';' files: "1,5" with a digit either side, as the
 * general path reads them; never in ',' files), quoted numbers and words
 * (converted as bare), dates at month ends and on 29
 * February of leap and common years, impossible dates, quoted text with
 * CRLF inside, LF and CRLF line ends. Checked, for every field:
 *   - a converted value has exactly the bits rd_convert gives the text;
 *   - a field is converted when it has the fast shape (all but those that
 *     straddle a buffer refill) and never when it has not;
 *   - the records (fields, lines, count) are those the reader returns
 *     without conversions, and so is the error of a malformed file.
 * Prints "PASS name" or "FAIL name: reason"; exit 1 if any failed. */
#define _POSIX_C_SOURCE 200809L

#include "date.h"
#include "reader.h"
#include "reader_csv.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit_check.h"

/* Whether the readers scan with AVX2 (and its vector number conversion)
 * or SSE2 (and the digit loop): main runs the files under each. */
static bool use_avx2;
static const char *isa(void)
{
    return use_avx2 ? " (AVX2)" : " (SSE2)";
}

/* splitmix64: the same numbers everywhere. */
static uint64_t rng_state;

static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static unsigned below(unsigned n)
{
    return (unsigned)(rnd() % n);
}

/* The columns of the random files: their conversion and the type the
 * general path reads them as. */
enum { NCOLS = 9 };
static const unsigned char col_conv[NCOLS] = {
    CSV_CONV_NONE, CSV_CONV_DEC, CSV_CONV_PCT, CSV_CONV_INT, CSV_CONV_DATE, CSV_CONV_NONE,
    CSV_CONV_DEC, CSV_CONV_WORDS, CSV_CONV_WORDS,
};
static const RtKind col_kind[NCOLS] = {
    RT_STRING, RT_MONEY, RT_PERCENT, RT_INT, RT_DATE, RT_STRING, RT_NUMBER, RT_BOOL, RT_STAGE,
};

/* The words of the two word columns: a bool's, as reader.c gives them
 * (the index is the value), and a stage enum's. */
static const char *bool_words[] = {"false", "true"};
static const char *stage_words[] = {"pre_kam", "early_kam", "mid_kam", "partnership",
                                    "synergistic", "uncoupling", "p"};
static const RtEnum stage_enum = {stage_words, 7};
static const CsvWords col_words[NCOLS] = {
    [7] = {bool_words, 2}, [8] = {stage_words, 7},
};

/* Texts near the words: only the exact ones have the fast shape. */
static const char *const odd_words[] = {
    "True", "TRUE", "yes", "no", "1", "0", "tru", "falsey", " true", "false ", "", "t",
    "pre_kam ", "Pre_kam", "early", "early_kam_", "synergistic", "uncoupling", "p", "pp",
    "mid_kam", "partnershi", "true", "false",
    /* a bool's word with a byte more or less (its two words compared
       with the field's first 8 bytes, the rest masked off) */
    "truex", "true1", "true\x01", "truefals", "fals", "falsefal", "false\x01", "ftrue",
    /* the same first 8 bytes as a word (compared at once), a later one not */
    "early_kaM", "partnershiP", "synergistiC", "uncouplinG", "pre_kam\x01",
};

static RtType type_of(int c)
{
    RtType t = {col_kind[c], false, col_kind[c] == RT_STAGE ? &stage_enum : NULL};
    return t;
}

/* Values that sit on a boundary of the fast path. */
static const char *const odd_numbers[] = {
    "0", "-0", "0.0", "-0.0", "5.", ".5", "-.5", "-5.", "-", ".", "", "+5", " 12", "12 ",
    "123456789012345", "1234567890123456", "-999999999999999", "9999999999999999",
    "9007199254740992", "9007199254740993", "0.000000000000001", "0.0000000000000001",
    "1e5", "1E5", "1.5e-3", "4.9e-324", "2.2250738585072014e-308", "1e-400", "1e309",
    "1.7976931348623157e308", "00000000000000012", "0000000000000.1", "12%", "12.5%",
    "%", "-%", "0.12%", "100%", "12%%", "1,5", "-1,25", "1 000", "0x10", "inf", "nan",
    "--1", "1-", "1.2.3", "123456789012345.6", "1.23456789012345", "12345678901234.5%",
    "3.14159265358979", "0.1", "0.3", "2.675", "1.005", "9.95", "1e22", "1e23",
    /* the bytes either side of the digits ('/' and ':'), bytes past 0x7f,
       and digit runs at 8 and 16 (the scanner reads digits 8 at a time) */
    "12:5", "1/2", "9:", "/9", "12345678:", "1234567/", "12345678/9", "1.2345678:",
    "12\xc2\xb0" "5", "7\xb9", "\xb0" "8", "12345678\xff", "123456789:12", "1.5\x80",
    "12345678", "87654321.5", "1234567.12345678", "12345678.1234567", "12345678.12345678",
    "0.12345678", "123456781234567", "1234567812345678", "12345678123456.7",
    /* decimal commas: read in ';' files only, a digit either side, no point */
    "12,5%", ",5", "5,", "1,2,3", "1.234,56", "-0,5", "1,5%%", "123456789012345,6",
    "12345678901234,5", "0,000000000000001", "-,5",
    /* 16 bytes after the sign (the vector conversion's most), 17, and a
       point or '%' at either end of them */
    "123456789012345.", ".123456789012345", "-.123456789012345", "-123456789012345.",
    "12345678901234.5%", "123456789012345%", "1234567890123456%", "1234567890123.45%",
    "1234567890123456.", ".1234567890123456", "1.%", ".%", "5.%", "1..5", ".5.", "%5",
    "12%3", "1.2%", "-1.2%", "0.%", "-%5",
};

static const char *const odd_dates[] = {
    "2024-02-29", "2023-02-29", "2000-02-29", "1900-02-29", "2026-01-31", "2026-04-31",
    "2026-12-31", "2026-13-01", "2026-00-10", "2026-06-00", "0001-01-01", "9999-12-31",
    "0000-01-01", "2026-6-30", "2026/06/30", " 2026-06-30", "2026-06-30 ", "20260630",
    "2026-06-300", "", "2026-06-3x",
};

/* Appends a random number in the fast shape: [-]digits[.digits], 1 to 15
 * digits (for an int column no point), for a percent column sometimes
 * with '%'. */
static int fast_number(char *b, unsigned conv)
{
    int n = 0;
    if (below(4) == 0) b[n++] = '-';
    unsigned digits = 1 + below(below(3) ? 9 : 15);
    unsigned point = conv == CSV_CONV_INT || below(4) == 0 ? digits : below(digits + 1);
    for (unsigned i = 0; i < digits; i++) {
        if (i == point && i > 0) b[n++] = '.';
        b[n++] = (char)('0' + below(10));
    }
    if (point == 0 && conv != CSV_CONV_INT && below(2)) {   /* .5 shapes: 0.5 */
        memmove(b + n - (int)digits + 2, b + n - (int)digits, digits);
        b[n - (int)digits] = '0';
        b[n - (int)digits + 1] = '.';
        n += 2;
    }
    if (conv == CSV_CONV_PCT && below(3) == 0) b[n++] = '%';
    b[n] = '\0';
    return n;
}

static int fast_date(char *b)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y = below(5) ? 1900 + (int)below(250) : 1 + (int)below(9999);
    int m = 1 + (int)below(12);
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    int last = mdays[m - 1] + (m == 2 && leap);
    int d = below(3) ? 1 + (int)below((unsigned)last) : last;
    return snprintf(b, 16, "%04d-%02d-%02d", y, m, d);
}

/* Writes one field of column c to f; returns whether it has the fast
 * shape (so the scanner must convert it). */
static int put_field(FILE *f, int c, char delim)
{
    char b[64];
    unsigned conv = col_conv[c];
    if (conv == CSV_CONV_NONE) {
        if (below(8) == 0) fputs("\"text, with \"\"quotes\"\"\r\nand a CRLF\"", f);
        else fprintf(f, "t%u", below(100000));
        return 0;
    }
    if (conv == CSV_CONV_WORDS) {
        const CsvWords *w = &col_words[c];
        const char *t = below(2) ? w->w[below((unsigned)w->n)]
                                 : odd_words[below(sizeof odd_words / sizeof *odd_words)];
        int exact = 0;
        for (int m = 0; m < w->n; m++) exact |= strcmp(t, w->w[m]) == 0;
        if (below(10) == 0 || strchr(t, delim)) {       /* quoted: converted as bare */
            fprintf(f, "\"%s\"", t);
            return exact;
        }
        fputs(t, f);
        return exact;
    }
    unsigned pick = below(10);
    int fast = 0;
    if (pick < 6) {
        if (conv == CSV_CONV_DATE) fast_date(b);
        else fast_number(b, conv);
        fast = 1;
    } else if (pick < 9) {
        const char *s = conv == CSV_CONV_DATE
                            ? odd_dates[below(sizeof odd_dates / sizeof *odd_dates)]
                            : odd_numbers[below(sizeof odd_numbers / sizeof *odd_numbers)];
        snprintf(b, sizeof b, "%s", s);
    } else {                        /* quoted: converted as bare */
        if (conv == CSV_CONV_DATE) fast_date(b);
        else fast_number(b, conv);
        fprintf(f, "\"%s\"", b);
        return 1;
    }
    /* a text the writer cannot leave bare: quote it, and it is not fast */
    if (strchr(b, delim) || strchr(b, '"')) {
        fprintf(f, "\"%s\"", b);
        return 0;
    }
    if (fast) {         /* the generator's own idea of the shape, checked */
        size_t n = strlen(b), digits = 0;
        for (size_t i = 0; i < n; i++) digits += b[i] >= '0' && b[i] <= '9';
        if (conv != CSV_CONV_DATE && (digits == 0 || digits > 15)) fast = 0;
    } else if (conv != CSV_CONV_DATE) {
        /* an odd value may have the fast shape after all ("0", "12%"; in a
           ';' file "1,5", a decimal comma with a digit either side) */
        size_t n = strlen(b), i = 0, digits = 0, points = 0, commas = 0, at = 0;
        if (i < n && b[i] == '-') i++;
        for (; i < n; i++) {
            if (b[i] >= '0' && b[i] <= '9') digits++;
            else if (b[i] == '.' && conv != CSV_CONV_INT) points++;
            else if (b[i] == ',' && delim == ';' && conv != CSV_CONV_INT) commas++, at = i;
            else if (b[i] == '%' && conv == CSV_CONV_PCT && i == n - 1) continue;
            else break;
        }
        int comma_ok = commas == 0 || (at > 0 && b[at - 1] >= '0' && b[at - 1] <= '9' &&
                                       b[at + 1] >= '0' && b[at + 1] <= '9');
        fast = i == n && digits >= 1 && digits <= 15 && points + commas <= 1 && comma_ok;
    } else {
        int32_t days;
        fast = strlen(b) == 10 && date_parse(b, 10, &days);
    }
    fputs(b, f);
    return fast;
}

typedef struct Stats {
    long fields, fast, converted, fast_missed, wrong_bits, converted_odd, differ;
    char first[300];
} Stats;

static void note(Stats *st, const char *fmt, const char *text, size_t len, long line)
{
    if (st->first[0]) return;
    snprintf(st->first, sizeof st->first, fmt, (int)(len > 60 ? 60 : len), text, line);
}

/* Writes a random file of nrec records (delimiter delim), reads it with
 * and without conversions, and compares. */
static void run_file(const char *name, uint64_t seed, long nrec, char delim, Stats *st)
{
    rng_state = seed;
    char path[] = "/tmp/kam-scan-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) {
        check(name, 0, "mkstemp failed");
        return;
    }
    FILE *f = fdopen(fd, "w");
    unsigned char *fastv = malloc((size_t)nrec * NCOLS);
    for (long r = 0; r < nrec; r++) {
        for (int c = 0; c < NCOLS; c++) {
            if (c) fputc(delim, f);
            fastv[r * NCOLS + c] = (unsigned char)put_field(f, c, delim);
        }
        fputs(below(3) ? "\n" : "\r\n", f);
    }
    fclose(f);

    char err[300];
    CsvReader *plain = rd_csv_open(path, err, sizeof err);
    CsvReader *conv = rd_csv_open(path, err, sizeof err);
    rd_csv_set_delimiter(plain, delim);
    rd_csv_set_delimiter(conv, delim);
    rd_csv_set_avx2(plain, use_avx2);
    rd_csv_set_avx2(conv, use_avx2);
    /* the money and the date columns written to places of the caller's */
    CsvValue mine[NCOLS];
    void *dst[NCOLS] = {NULL, &mine[1], NULL, NULL, &mine[4], NULL, NULL, &mine[7], NULL};
    const CsvConverted *cc = rd_csv_set_conversions(conv, col_conv, NCOLS, dst, col_words);
    for (long r = 0;; r++) {
        RdField *pf, *cf;
        size_t pn, cn;
        long pl, cl;
        int prc = rd_csv_next(plain, &pf, &pn, &pl);
        int crc = rd_csv_next(conv, &cf, &cn, &cl);
        if (prc != crc || (prc == 1 && (pn != cn || pl != cl))) {
            st->differ++;
            note(st, "record %.*s%ld differs from the plain reader's", "", 0, r);
            break;
        }
        if (prc <= 0) {
            if (prc < 0 && strcmp(rd_csv_error(plain), rd_csv_error(conv)) != 0) st->differ++;
            break;
        }
        for (size_t c = 0; c < cn; c++) {
            if (pf[c].len != cf[c].len || memcmp(pf[c].ptr, cf[c].ptr, cf[c].len) != 0) {
                st->differ++;
                note(st, "field \"%.*s\" on line %ld differs from the plain reader's",
                     cf[c].ptr, cf[c].len, cl);
            }
            if (c >= NCOLS || col_conv[c] == CSV_CONV_NONE) continue;
            st->fields++;
            int fast = r < nrec && fastv[r * NCOLS + c];
            int done = cc->gen[c] == cc->cur;
            st->fast += fast;
            st->converted += done;
            if (fast && !done) st->fast_missed++;
            if (done && !fast) {
                st->converted_odd++;
                note(st, "\"%.*s\" (line %ld) was converted, but it has not the fast shape",
                     cf[c].ptr, cf[c].len, cl);
            }
            if (!done) continue;
            Value v;
            /* a decimal comma as kam's general path reads it in a ';'
               file (runtime/reader.c): as if it were a point */
            char text[80];
            size_t tn = cf[c].len < sizeof text ? cf[c].len : sizeof text - 1;
            memcpy(text, cf[c].ptr, tn);
            char *comma = delim == ';' ? memchr(text, ',', tn) : NULL;
            if (comma) *comma = '.';
            int rc = rd_convert(type_of((int)c), comma ? text : cf[c].ptr, cf[c].len, &v);
            const CsvValue *fv = cc->at[c];
            int same = rc == 0 && (col_kind[c] == RT_DATE    ? v.u.i == fv->days
                                   : col_conv[c] == CSV_CONV_WORDS ? v.u.i == fv->word
                                   : memcmp(&v.u.num, &fv->num, sizeof fv->num) == 0);
            if (dst[c] && (void *)fv != dst[c]) same = 0;      /* written where asked */
            if (!same) {
                st->wrong_bits++;
                note(st, "\"%.*s\" (line %ld): the scan's value differs from rd_convert's",
                     cf[c].ptr, cf[c].len, cl);
            }
        }
    }
    rd_csv_close(plain);
    rd_csv_close(conv);
    free(fastv);
    unlink(path);
}

static void random_files(void)
{
    Stats st = {0};
    run_file("comma", 20261201, 300000, ',', &st);
    run_file("semicolon", 777, 120000, ';', &st);
    char why[600];
    snprintf(why, sizeof why, "%ld fields, %ld fast, %ld converted; %ld fast ones missed, "
             "%ld odd ones converted, %ld with other bits, %ld records differ; first: %s",
             st.fields, st.fast, st.converted, st.fast_missed, st.converted_odd, st.wrong_bits,
             st.differ, st.first);
    char name[100];
    snprintf(name, sizeof name, "random fields: bits as rd_convert's%s", isa());
    check(name, st.fields > 2000000 && st.wrong_bits == 0, why);
    snprintf(name, sizeof name, "random fields: converted iff the fast shape%s", isa());
    check(name, st.converted_odd == 0 && st.fast > st.fields / 2 && st.fast_missed * 1000 < st.fast,
          why);
    snprintf(name, sizeof name, "random files: the same records as without conversions%s", isa());
    check(name, st.differ == 0, why);
}

/* Fixed files: what a malformed record does, and the boundary values one
 * by one (each must give rd_convert's bits when it is converted). */
static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

static void malformed(void)
{
    static const char *const texts[] = {
        "1,2.5,3%,4,2026-01-31,x,7,true,p\n1,\"2.5\" ,3,4,2026-01-31,x,7,true,p\n",
        "1,2.5,3%,4,2026-01-31,x,7,false,mid_kam\n1,2.5,3,4,2026-01-31,\"x,7,true,p\n",
        "1,2.5,3%,4,2026-01-31,x,7,true,p\r\r\n5,6,7,8,2024-02-29,y,9,true\",p",
        "\xEF\xBB\xBF" "1,2.5,3%,4,2026-01-31,x,7,true,p\r\n1,2\n",
        /* more fields than the columns converted (and than the reader's
           first 64), between blank lines of every kind */
        "\n\r\n1,2.5,3%,4,2026-01-31,x,7,true,p,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,"
        "19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,"
        "48,49,50,51,52,53,54,55,56,57,58,59,60,61,62,63,64,65,66,67,68,69,70\r\r\n\n"
        "1,2.5,3%,4,2026-01-31,x,7,true,p,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,"
        "\n\r1,2.5\n",
    };
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
        char path[] = "/tmp/kam-scan-XXXXXX";
        int fd = mkstemp(path);
        close(fd);
        write_file(path, texts[i]);
        char err[300], why[900];
        CsvReader *a = rd_csv_open(path, err, sizeof err);
        CsvReader *b = rd_csv_open(path, err, sizeof err);
        rd_csv_set_conversions(b, col_conv, NCOLS, NULL, col_words);
        int same = 1;
        why[0] = '\0';
        for (;;) {
            RdField *af, *bf;
            size_t an, bn;
            long al, bl;
            int arc = rd_csv_next(a, &af, &an, &al), brc = rd_csv_next(b, &bf, &bn, &bl);
            if (arc != brc || (arc == 1 && (an != bn || al != bl))) same = 0;
            for (size_t c = 0; same && arc == 1 && c < an; c++)
                if (af[c].len != bf[c].len || memcmp(af[c].ptr, bf[c].ptr, af[c].len) != 0) same = 0;
            if (arc < 0 && strcmp(rd_csv_error(a), rd_csv_error(b)) != 0) same = 0;
            if (arc <= 0 || !same) {
                snprintf(why, sizeof why, "rc %d/%d, errors \"%s\" / \"%s\"", arc, brc,
                         rd_csv_error(a), rd_csv_error(b));
                break;
            }
        }
        char name[80];
        snprintf(name, sizeof name, "malformed file %zu: as without conversions", i + 1);
        check(name, same, why);
        rd_csv_close(a);
        rd_csv_close(b);
        unlink(path);
    }
}

static void boundaries(void)
{
    char path[] = "/tmp/kam-scan-XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "w");
    size_t nn = sizeof odd_numbers / sizeof *odd_numbers;
    for (size_t i = 0; i < nn; i++) {
        const char *s = odd_numbers[i];
        if (strchr(s, ',')) continue;
        const char *w = odd_words[i % (sizeof odd_words / sizeof *odd_words)];
        fprintf(f, "x,%s,%s,%s,%s,y,%s,%s,%s\n", s, s, s,
                odd_dates[i % (sizeof odd_dates / sizeof *odd_dates)], s, w, w);
    }
    fclose(f);
    char err[300];
    CsvReader *r = rd_csv_open(path, err, sizeof err);
    rd_csv_set_avx2(r, use_avx2);
    const CsvConverted *cc = rd_csv_set_conversions(r, col_conv, NCOLS, NULL, col_words);
    RdField *fv;
    size_t n;
    long line;
    int bad = 0, converted = 0;
    char why[300] = "";
    while (rd_csv_next(r, &fv, &n, &line) == 1) {
        for (size_t c = 0; c < n && c < NCOLS; c++) {
            if (col_conv[c] == CSV_CONV_NONE || cc->gen[c] != cc->cur) continue;
            converted++;
            Value v;
            int rc = rd_convert(type_of((int)c), fv[c].ptr, fv[c].len, &v);
            double d = cc->at[c]->num;
            if (rc != 0 || (col_kind[c] == RT_DATE        ? v.u.i != cc->at[c]->days
                            : col_conv[c] == CSV_CONV_WORDS ? v.u.i != cc->at[c]->word
                                                            : memcmp(&v.u.num, &d, sizeof d) != 0)) {
                if (!bad++)
                    snprintf(why, sizeof why, "\"%s\" in column %zu: %.17g, rd_convert %d %.17g",
                             fv[c].ptr, c + 1, d, rc, v.u.num);
            }
        }
    }
    rd_csv_close(r);
    unlink(path);
    if (!why[0]) snprintf(why, sizeof why, "only %d converted", converted);
    char name[100];
    snprintf(name, sizeof name, "boundary values: bits as rd_convert's%s", isa());
    check(name, bad == 0 && converted > 40, why);
}

/* date_parse (base/date.c, which the scanner's dates go through) against
 * date_from_ymd on the same numbers: every year 0000-9999, month 00-13,
 * day 00-32, and shapes that are not dates; and date_to_ymd back from
 * every valid one, and on both sides of the ends of its fast range. */
static void every_date(void)
{
    long wrong = 0, valid = 0;
    char why[200] = "";
    for (int y = 0; y <= 9999; y++)
        for (int m = 0; m <= 13; m++)
            for (int d = 0; d <= 32; d++) {
                char b[40];
                snprintf(b, sizeof b, "%04d-%02d-%02d", y, m, d);
                int32_t got = -1, want = -1;
                bool g = date_parse(b, 10, &got), w = date_from_ymd(y, m, d, &want);
                valid += w;
                int ry = 0, rm = 0, rd = 0;
                if (w) date_to_ymd(want, &ry, &rm, &rd);    /* and back */
                if (g != w || (w && (got != want || ry != y || rm != m || rd != d))) {
                    if (!wrong++) snprintf(why, sizeof why, "%s: %d %d, want %d %d", b, g, got, w, want);
                }
            }
    static const char *const bad[] = {"2026-06-3x", "2026-0a-30", "2O26-06-30", "2026+06-30",
                                      "2026-06/30", "2026-06-30 ", "2026-6-300", "2026-06-",
                                      "\xff" "026-06-30", "2026-06-\x01\x01", ":026-06-30"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        int32_t got;
        if (date_parse(bad[i], strlen(bad[i]), &got) && !wrong++)
            snprintf(why, sizeof why, "\"%s\" accepted", bad[i]);
    }
    static const struct { int32_t days; int y, m, d; } ends[] = {
        {-719468, 0, 3, 1}, {-719469, 0, 2, 29}, {2932896, 9999, 12, 31},
        {2932897, 10000, 1, 1}, {0, 1970, 1, 1}, {-1, 1969, 12, 31},
        {INT32_MAX, 5881580, 7, 11}, {INT32_MIN, -5877641, 6, 23},
    };
    for (size_t i = 0; i < sizeof ends / sizeof *ends; i++) {
        int y, m, d;
        date_to_ymd(ends[i].days, &y, &m, &d);
        if ((y != ends[i].y || m != ends[i].m || d != ends[i].d) && !wrong++)
            snprintf(why, sizeof why, "day %ld: %d-%d-%d, want %d-%d-%d", (long)ends[i].days, y,
                     m, d, ends[i].y, ends[i].m, ends[i].d);
    }
    if (!why[0]) snprintf(why, sizeof why, "only %ld valid", valid);
    check("date_parse: as date_from_ymd on every YYYY-MM-DD", wrong == 0 && valid == 3652059, why);
}

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    every_date();
    malformed();
    boundaries();
    random_files();
    /* the AVX2 scans, where this CPU has them: asked of a reader */
    char err[256];
    CsvReader *probe = rd_csv_open("/dev/null", err, sizeof err);
    bool has = probe && rd_csv_set_avx2(probe, true);
    rd_csv_close(probe);
    if (has) {
        use_avx2 = true;
        boundaries();
        random_files();
    } else {
        printf("SKIP the AVX2 scans: this CPU (or build) has no AVX2\n");
    }
    return failures ? 1 : 0;
}
