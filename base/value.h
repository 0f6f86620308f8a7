/* value.h — a kam value at run time, as held in a VM register. The type is
 * known statically (the checker), so a value carries no tag, only a
 * "missing" bit for optional fields. Ownership: string values are borrowed
 * — they point into the record reader's buffer, the program's constants or
 * the VM's per-record scratch space, and are valid until the next record. */
#ifndef KAM_VALUE_H
#define KAM_VALUE_H

#include <stdbool.h>
#include <stdint.h>

typedef struct Value {
    union {
        double num;         /* int, number, money, percent (ratio) */
        int64_t i;          /* bool (0/1), date (days), enum/stage member */
        const char *str;    /* string bytes (not NUL-terminated) */
    } u;
    uint32_t len;           /* string length */
    uint8_t missing;        /* an optional value that is absent */
} Value;

static inline Value val_num(double d)
{
    Value v;
    v.u.num = d;
    v.len = 0;
    v.missing = 0;
    return v;
}

static inline Value val_int(int64_t i)
{
    Value v;
    v.u.i = i;
    v.len = 0;
    v.missing = 0;
    return v;
}

static inline Value val_str(const char *s, uint32_t len)
{
    Value v;
    v.u.str = s;
    v.len = len;
    v.missing = 0;
    return v;
}

#endif
