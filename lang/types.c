/* types.c — naming and comparing types for the checker's messages. */
#include "types.h"

#include <stdio.h>
#include <string.h>

const char *ty_name(Type t, char *buf, int len)
{
    static const char *const base[] = {
        [TY_ERROR] = "<error>", [TY_INT] = "int", [TY_NUMBER] = "number",
        [TY_MONEY] = "money", [TY_PERCENT] = "percent", [TY_BOOL] = "bool",
        [TY_STRING] = "string", [TY_DATE] = "date", [TY_ENUM] = "enum",
        [TY_STAGE] = "stage",
    };
    const char *q = t.optional ? "?" : "";
    if ((t.kind == TY_ENUM || t.kind == TY_STAGE) && t.en) {
        const char *what = t.en->kind == ENUM_TIER ? "tier"
                         : t.en->kind == ENUM_STAGE ? "stage"
                         : t.en->ordered ? "ordered enum" : "enum";
        snprintf(buf, (size_t)len, "%s %s%s", what, t.en->name, q);
    } else if (t.flex && t.kind == TY_NUMBER) {
        snprintf(buf, (size_t)len, "number%s", q);
    } else {
        snprintf(buf, (size_t)len, "%s%s", base[t.kind], q);
    }
    return buf;
}

bool ty_is_numeric(Type t)
{
    return t.kind == TY_INT || t.kind == TY_NUMBER || t.kind == TY_MONEY ||
           t.kind == TY_PERCENT;
}

bool ty_same(Type a, Type b)
{
    if (a.kind != b.kind) return false;
    if (a.kind == TY_ENUM || a.kind == TY_STAGE) return a.en == b.en;
    return true;
}

int ty_member(const EnumInfo *en, const char *name)
{
    for (int i = 0; i < en->n; i++)
        if (strcmp(en->members[i], name) == 0) return i;
    return -1;
}
