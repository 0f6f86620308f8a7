/* format.c — values formatted for people (see format.h). */
#include "format.h"
#include "../base/date.h"
#include "../runtime/writer.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void fmt_group_thousands(const char *plain, char *buf, size_t len)
{
    const char *dot = strchr(plain, '.');
    size_t ilen = dot ? (size_t)(dot - plain) : strlen(plain);
    size_t start = plain[0] == '-' ? 1 : 0, k = 0;
    char out[600];
    if (start) out[k++] = '-';
    for (size_t i = start; i < ilen && k + 2 < sizeof out; i++) {
        out[k++] = plain[i];
        size_t left = ilen - i - 1;
        if (left && left % 3 == 0) out[k++] = ',';
    }
    out[k] = '\0';
    snprintf(buf, len, "%s%s", out, dot ? dot : "");
}

void ses_format_value(Type t, const Value *v, char *buf, size_t len)
{
    if (v->missing) {
        snprintf(buf, len, "missing");
        return;
    }
    char nb[40];
    switch (t.kind) {
    case TY_PERCENT: {
        double pct = v->u.num * 100;
        wr_format_number(round(pct * 100) / 100, nb);
        snprintf(buf, len, "%s%%", nb);
        break;
    }
    case TY_MONEY: {
        /* group thousands for reading: 1,250,000.5 */
        double cents = round(v->u.num * 100) / 100 + 0.0;     /* + 0.0: no "-0" */
        if (fabs(cents) >= 1e17) {  /* 1e+20: no digits to group */
            wr_format_number(cents, nb);
            snprintf(buf, len, "%s", nb);
            break;
        }
        snprintf(nb, sizeof nb, "%.2f", cents);     /* every digit, even past 1e15 */
        size_t nl = strlen(nb);
        while (nb[nl - 1] == '0') nb[--nl] = '\0';
        if (nb[nl - 1] == '.') nb[--nl] = '\0';
        fmt_group_thousands(nb, buf, len);
        break;
    }
    case TY_INT:
    case TY_NUMBER:
        if (v->u.num == floor(v->u.num) && fabs(v->u.num) < 1e15) {
            wr_format_number(v->u.num, nb);
            snprintf(buf, len, "%s", nb);
        } else {
            snprintf(buf, len, "%.6g", v->u.num);     /* for people: 6 digits */
        }
        break;
    case TY_BOOL:
        snprintf(buf, len, "%s", v->u.i ? "true" : "false");
        break;
    case TY_DATE: {
        char db[11];
        date_format((int32_t)v->u.i, db);
        snprintf(buf, len, "%s", db);
        break;
    }
    case TY_ENUM:
    case TY_STAGE:
        snprintf(buf, len, "%s", t.en && v->u.i >= 0 && v->u.i < t.en->n ? t.en->members[v->u.i] : "?");
        break;
    case TY_STRING:
    {
        char shown[4 * 200 + 1];   /* control characters escaped: this is for terminals */
        snprintf(buf, len, "\"%s\"", wr_display(v->u.str, v->len > 200 ? 200 : v->len, shown, sizeof shown));
    }
        break;
    default:
        snprintf(buf, len, "?");
    }
}
