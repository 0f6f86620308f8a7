/* reader_csv_plain.h — the body of reader_csv.c's plain_record (the
 * common record, split in one sweep: see the comment there), included by
 * reader_csv.c once for each instruction set it is built for: SSE2 always
 * (on x86), AVX2 where the compiler can target it (used when the CPU has
 * it). Not a header of its own: it needs reader_csv.c's types, tables and
 * helpers, and these macros:
 *   PLAIN_FN          the function's name
 *   PLAIN_BATCH_FN    the name of rd_csv_batch's body for this set
 *   PLAIN_ATTR        its attributes (the target)
 *   PLAIN_VEC         the vector type of the delimiter splat
 *   PLAIN_SPLAT(c)    the delimiter in every byte of a PLAIN_VEC
 *   PLAIN_MARKS(p, v) block_marks: bit i set iff p[i] (0 <= i < 64) is
 *                     the delimiter, '\n', CR or '"'
 *   PLAIN_SKIP(p, e)  skip_rest: the '\n' that ends a record whose unread
 *                     rest starts at p, or NULL
 *   PLAIN_CONVERT     convert_span, or its version for this set
 *   PLAIN_TAKE        the name of take_field (below) for this set
 *   PLAIN_SKIPQ       the name of its PLAIN_SKIP for quoted rests (below)
 * It undefines them at its end. */

/* Stores the unquoted field f[0..d) as field nf, converting it as cv says;
 * returns 1 if it was converted (words and wlen by column, NULL without
 * conversions). */
PLAIN_ATTR static inline __attribute__((always_inline)) unsigned
PLAIN_TAKE(RdField *fv, size_t nf, char *f, char *d, unsigned cv, CsvValue *const *cdst,
           unsigned *cgen, unsigned gen, const CsvWords *words, WordKey *const *wlen,
           const WordHash *wh, char sep)
{
    fv[nf].ptr = f;
    fv[nf].len = (size_t)(d - f);
    CsvValue v;
    if (!cv || !PLAIN_CONVERT(f, d, cv, &v, &words[nf], wlen[nf], &wh[nf], sep)) return 0;
    *cdst[nf] = v;
    cgen[nf] = gen;
    return 1;
}

/* PLAIN_SKIP for a rest that holds quoted fields (where PLAIN_SKIP gave
 * up): the '\n' that ends the record whose unread rest starts at f, a
 * field's start, if every quoted field in it closes on this line and is
 * followed by the delimiter or the line end; NULL for anything else (a
 * quoted line break, a lone CR, text after a closing quote, the record
 * not whole in the buffer: the general path reads it). Rests with quoted
 * text fields (an export that quotes every string) were read by the
 * general path, record by record. */
PLAIN_ATTR static char *PLAIN_SKIPQ(char *f, char *end, char sep, PLAIN_VEC vs)
{
    char *b = f, *d;
    uint64_t m = PLAIN_MARKS(b, vs);
    for (;;) {
        while (!m) {                    /* the sentinel '\n' is at or past it */
            b += 64;
            m = PLAIN_MARKS(b, vs);
        }
        d = b + __builtin_ctzll(m);
        m &= m - 1;
        char c = *d;
        if (c == sep) {
            f = d + 1;
            continue;
        }
        if (c == '"') {
            if (d != f) continue;       /* inside an unquoted field: a literal quote */
            /* its closing quote from the same marks: a delimiter inside
               is text, a line break ends the span here, and the second
               quote of "" is the next mark */
            for (;;) {
                while (!m) {
                    b += 64;
                    m = PLAIN_MARKS(b, vs);
                }
                d = b + __builtin_ctzll(m);
                m &= m - 1;
                c = *d;
                if (c == sep) continue;
                if (c != '"') return NULL;          /* a line break, or the buffer's end */
                if (d[1] != '"') break;
                while (!m) {
                    b += 64;
                    m = PLAIN_MARKS(b, vs);
                }
                m &= m - 1;             /* the second quote, at d + 1 */
            }
            c = d[1];                   /* after the closing quote: its mark is next */
            if (c != sep && c != '\n' && c != '\r') return NULL;
            continue;
        }
        /* the line's end, if in the buffer and not a lone CR */
        if (d >= end || (c == '\r' && (d + 1 >= end || d[1] != '\n'))) return NULL;
        return d + (c == '\r');
    }
}

PLAIN_ATTR static int PLAIN_FN(CsvReader *r, RdField **fields, size_t *nfields, long *line,
                               unsigned gen)
{
    char *f = r->buf + r->pos, *end = r->buf + r->len, *d;
    /* the reader's state in locals: the NULs written through char
       pointers would otherwise make the compiler reload it every field */
    const unsigned char *conv = r->conv ? r->conv : no_conv;
    const size_t keep = r->keep;
    CsvValue *const *cdst = r->cdst;
    unsigned *cgen = r->cgen;
    const CsvWords *cwords = r->cwords;
    WordKey *const *cwlen = r->cwlen;
    const WordHash *cwhash = r->cwhash;
    unsigned count = 0;
    const char sep = r->delim;
    const PLAIN_VEC vs = PLAIN_SPLAT(sep);
    RdField *fv = r->fields;
    size_t nf = 0;
    uint64_t quoted = 0, escaped = 0;   /* by field: quoted, holding "" */
    /* the block: mask m has a bit for each byte at b.. not yet passed that
       is the delimiter, '\n', CR or '"'; room for 64 more fields is made
       with each block, as no more than 64 can end in it */
    char *b = f;
    if (r->fcap < 64 && !reserve_fields(r, 64)) return 0;
    fv = r->fields;
    uint64_t m = PLAIN_MARKS(b, vs);
    for (;;) {
        while (!m) {                    /* a long field: the next block */
            b += 64;                    /* the sentinel '\n' is at or past it */
            if (nf + 64 > r->fcap) {
                if (!reserve_fields(r, nf + 64)) goto bail;
                fv = r->fields;
            }
            m = PLAIN_MARKS(b, vs);
        }
        d = b + __builtin_ctzll(m);
        m &= m - 1;                     /* past d */
        char c = *d;
        if (c == sep) {                 /* the common case first */
            count += PLAIN_TAKE(fv, nf, f, d, conv[nf], cdst, cgen, gen, cwords, cwlen, cwhash,
                                sep);
            nf++;
        next:
            f = d + 1;
            if (nf < keep) continue;
            d = PLAIN_SKIP(f, end);      /* the last stored field: skip the rest */
            if (!d) d = PLAIN_SKIPQ(f, end, sep, vs);
            if (!d) goto bail;
            break;
        }
        if (c == '"') {
            if (d != f) continue;       /* inside an unquoted field: a literal quote */
            /* a quoted field: its closing quote, on this line, then the
               delimiter or the line end (else the general path says what
               is wrong), from the same marks: a delimiter inside is text,
               and the second quote of "" is the next mark */
            char *q;
            int esc = 0;
            for (;;) {
                while (!m) {
                    b += 64;
                    if (nf + 64 > r->fcap) {
                        if (!reserve_fields(r, nf + 64)) goto bail;
                        fv = r->fields;
                    }
                    m = PLAIN_MARKS(b, vs);
                }
                q = b + __builtin_ctzll(m);
                m &= m - 1;
                if (*q == sep) continue;
                if (*q != '"') goto bail;           /* a line break, or the buffer's end */
                if (q[1] != '"') break;
                esc = 1;
                while (!m) {
                    b += 64;
                    if (nf + 64 > r->fcap) {
                        if (!reserve_fields(r, nf + 64)) goto bail;
                        fv = r->fields;
                    }
                    m = PLAIN_MARKS(b, vs);
                }
                m &= m - 1;             /* the second quote, at q + 1 */
            }
            d = q + 1;
            c = *d;
            if ((c != sep && c != '\n' && c != '\r') || nf >= 64) goto bail;
            quoted |= (uint64_t)1 << nf;
            escaped |= (uint64_t)esc << nf;
            fv[nf].ptr = f + 1;
            fv[nf].len = (size_t)(q - f - 1);   /* as it stands, "" and all */
            /* "12.5", "true", "2026-06-30": as bare; not when the quote
               taken as closing is the buffer's last byte (then the next
               read may show it the first of "", and a record left to the
               general path must not keep this conversion) */
            if (!esc && conv[nf] && d != end) {
                CsvValue v;
                if (PLAIN_CONVERT(f + 1, q, conv[nf], &v, &cwords[nf], cwlen[nf], &cwhash[nf],
                                  sep)) {
                    *cdst[nf] = v;
                    cgen[nf] = gen;
                    count++;
                }
            }
            while (!m) {                /* d's own mark, next in the marks */
                b += 64;
                if (nf + 64 > r->fcap) {
                    if (!reserve_fields(r, nf + 64)) goto bail;
                    fv = r->fields;
                }
                m = PLAIN_MARKS(b, vs);
            }
            m &= m - 1;
            if (c == sep) {
                nf++;
                goto next;
            }
            /* nothing of the record is kept until its line end is known
               to be in the buffer (the general path reads on after a refill) */
            if (d == end || (c == '\r' && (d + 1 == end || d[1] != '\n'))) goto bail;
        } else {
            /* '\n' or CR: the last field, if the line end is in the buffer
               and not a lone CR (the general path takes those) */
            if (d == end || (c == '\r' && (d + 1 == end || d[1] != '\n'))) goto bail;
            count += PLAIN_TAKE(fv, nf, f, d, conv[nf], cdst, cgen, gen, cwords, cwlen, cwhash,
                                sep);
        }
        nf++;
        d += c == '\r';                 /* to the LF of a CRLF */
        break;
    }
    /* d is the '\n' that ends the record (or the NUL written over it): it fits */
    for (uint64_t qs = quoted; qs; qs &= qs - 1) {
        size_t i = (size_t)__builtin_ctzll(qs);
        if ((escaped >> i) & 1) fv[i].ptr = unescape_copy(r, fv[i].ptr, &fv[i].len, fv, nf);
    }
    r->pos = (size_t)(d + 1 - r->buf);
    *line = r->line++;
    *fields = fv;
    *nfields = nf;
    r->out.count = count;
    return 1;

bail:   /* nothing in the buffer was changed */
    return 0;
}

/* rd_csv_batch (reader_csv.h) for this instruction set: records taken
 * while each is plain in the narrow sense that batch allows, nothing in
 * the buffer changed, no field stored. One that is not is left where it
 * starts, untouched, for rd_csv_next. */
PLAIN_ATTR static size_t PLAIN_BATCH_FN(CsvReader *r, const unsigned char *conv, long key,
                                        long long stop, double *const *vals, size_t max)
{
    char *const buf = r->buf, *const end = buf + r->len;
    char *p = buf + r->pos, *last = NULL;
    const size_t keep = r->keep;
    const char sep = r->delim;
    const PLAIN_VEC vs = PLAIN_SPLAT(sep);
    long long limit = stop > 0 ? stop - r->base : (long long)r->len;
    size_t n = 0;
    while (n < max && p < end && p - buf < limit && *p != '\n' && *p != '\r') {
        char *f = p, *b = p, *d;
        uint64_t m = PLAIN_MARKS(b, vs);
        size_t nf = 0;
        for (;;) {
            while (!m) {                /* a long field: the next block */
                b += 64;                /* the sentinel '\n' is at or past it */
                m = PLAIN_MARKS(b, vs);
            }
            d = b + __builtin_ctzll(m);
            m &= m - 1;
            char c = *d;
            if (c == '"') {
                if (d != f) continue;   /* inside an unquoted field: a literal quote */
                /* a quoted field: its closing quote on this line, then the
                   delimiter; the key or a number only without "" inside
                   (whose text would need unescaping), the key not empty,
                   a number converted as bare */
                char *q = d + 1;
                int esc = 0;
                for (;;) {
                    while (!quote_stops[(unsigned char)*q]) q++;
                    if (*q != '"') goto done;       /* a line break, or the buffer's end */
                    if (q[1] != '"') break;
                    esc = 1;
                    q += 2;
                }
                if (((long)nf == key || conv[nf]) && esc) goto done;
                if ((long)nf == key && q == d + 1) goto done;
                if (conv[nf]) {
                    CsvValue v;
                    if (!PLAIN_CONVERT(d + 1, q, conv[nf], &v, NULL, NULL, NULL, sep)) goto done;
                    vals[nf][n] = v.num;
                }
                d = q + 1;
                if (*d != sep) goto done;
                b = d;                  /* the block again from the field's end */
                m = PLAIN_MARKS(b, vs) & ~(uint64_t)1;
            } else if (c != sep) {
                /* the line's end: only as the end of the last field kept,
                   and then not a lone CR nor the buffer's end */
                if (nf + 1 != keep || d == end) goto done;
                if (c == '\r' && (d + 1 == end || d[1] != '\n')) goto done;
                if ((long)nf == key && d == f) goto done;
                if (conv[nf]) {
                    CsvValue v;
                    if (!PLAIN_CONVERT(f, d, conv[nf], &v, NULL, NULL, NULL, sep)) goto done;
                    vals[nf][n] = v.num;
                }
                d += c == '\r';        /* to the LF of a CRLF */
                break;
            } else {
                if ((long)nf == key && d == f) goto done;   /* an empty key: rd_csv_next's */
                if (conv[nf]) {
                    CsvValue v;
                    if (!PLAIN_CONVERT(f, d, conv[nf], &v, NULL, NULL, NULL, sep)) goto done;
                    vals[nf][n] = v.num;
                }
            }
            f = d + 1;
            if (++nf < keep) continue;
            d = PLAIN_SKIP(f, end);     /* the last kept field: skip the rest */
            if (!d) d = PLAIN_SKIPQ(f, end, sep, vs);
            if (!d) goto done;
            break;
        }
        /* d is the '\n' that ends the record; one too long is rd_csv_next's
           to report (a mapped file's records are not bounded by a buffer) */
        if ((size_t)(d - p) >= MAX_RECORD) goto done;
        last = p;
        n++;
        p = d + 1;
    }
done:
    if (n) {
        r->rec_start = r->base + (long long)(last - buf);
        r->rec_line = r->line + (long)n - 1;
        r->line += (long)n;
        r->pos = (size_t)(p - buf);
    }
    return n;
}

#undef PLAIN_BATCH_FN
#undef PLAIN_FN
#undef PLAIN_ATTR
#undef PLAIN_VEC
#undef PLAIN_SPLAT
#undef PLAIN_MARKS
#undef PLAIN_SKIP
#undef PLAIN_CONVERT
#undef PLAIN_TAKE
#undef PLAIN_SKIPQ
