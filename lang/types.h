/* types.h — the types of kam values as the checker sees them: units
 * (money, percent, ...), enums, stages and tiers, optionality. Shared by the
 * checker and the compiler; the runtime has types of its own
 * (runtime/schema.h), which lang/schema.c derives from these. No behaviour
 * here beyond naming and comparing types (types.c). */
#ifndef KAM_TYPES_H
#define KAM_TYPES_H

#include "../base/srcfile.h"

#include <stdbool.h>

typedef enum {
    TY_ERROR,       /* an expression already reported: stays quiet */
    TY_INT,
    TY_NUMBER,
    TY_MONEY,
    TY_PERCENT,
    TY_BOOL,
    TY_STRING,
    TY_DATE,
    TY_ENUM,        /* a record enum or a tier: members compare with == only */
    TY_STAGE        /* a stages block's stages: ordered, plus final ones */
} TypeKind;

typedef enum { ENUM_PLAIN, ENUM_TIER, ENUM_STAGE } EnumKind;

/* The members of an enum, tier or stages block. For stages, members
 * [0, norder) are the ordered stages and [norder, n) the final ones. */
typedef struct EnumInfo {
    const char *name;       /* field name, tier name or stages name */
    EnumKind kind;
    const char **members;
    Span *spans;
    int n, norder;
    bool incomplete;        /* its block had a syntax error: members may be lost */
    bool ordered;           /* `enum ordered { ... }`: < <= > >= by position */
} EnumInfo;

typedef struct Type {
    TypeKind kind;
    bool optional;      /* may be missing: must go through ?? or is missing */
    bool flex;          /* an unsuffixed number literal (or a const/param set
                           from one): takes the unit of what it meets */
    EnumInfo *en;       /* TY_ENUM, TY_STAGE */
} Type;

static inline Type ty_make(TypeKind k)
{
    Type t = {k, false, false, 0};
    return t;
}

/* "money", "percent?", "enum segment", "stage kam_stage", ... (static or
 * thread-local storage is not used: the caller gives the buffer). */
const char *ty_name(Type t, char *buf, int len);
/* int, number, money, percent */
bool ty_is_numeric(Type t);
/* The same type, ignoring optionality and flexibility. */
bool ty_same(Type a, Type b);
/* Index of member name in en, or -1. */
int ty_member(const EnumInfo *en, const char *name);

#endif
