/* format.c — values formatted for people (see format.h). */
#include "format.h"
#include "../base/date.h"
#include "../runtime/writer.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void fmt_group_thousands(const char *plain, char *buf, size_t len)
{
    num_group_thousands(plain, buf, len);
}

NumStyle fmt_num_style(Type t)
{
    return t.kind == TY_MONEY ? NUM_MONEY : t.kind == TY_PERCENT ? NUM_PERCENT : t.kind == TY_INT ? NUM_INT : NUM_PLAIN;
}

const char *fmt_count(long n, char *buf, size_t len)
{
    num_format((double)n, NUM_INT, buf, len);
    return buf;
}

const char *fmt_count_change(long n, char *buf, size_t len)
{
    num_format_signed((double)n, NUM_INT, buf, len);
    return buf;
}

void ses_format_value(Type t, const Value *v, char *buf, size_t len)
{
    if (v->missing) {
        snprintf(buf, len, "missing");
        return;
    }
    switch (t.kind) {
    case TY_PERCENT:
    case TY_MONEY:
    case TY_INT:
    case TY_NUMBER:
        num_format(v->u.num, fmt_num_style(t), buf, len);
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
