/* schema.h — the record as the runtime sees it: each field's name and
 * value type (number, money, percent, int, bool, date, string, enum or
 * stage; optional or not; an enum's member names), the key field and the
 * record's name. The front end builds one from a checked policy
 * (lang/schema.c) and hands it to the readers; nothing here knows about
 * the language. */
#ifndef KAM_SCHEMA_H
#define KAM_SCHEMA_H

#include <stdbool.h>

typedef enum {
    RT_ERROR,       /* a type the checker rejected: no text converts to it */
    RT_INT,
    RT_NUMBER,
    RT_MONEY,
    RT_PERCENT,
    RT_BOOL,
    RT_STRING,
    RT_DATE,
    RT_ENUM,        /* a value is a member's index */
    RT_STAGE
} RtKind;

/* An enum's or stages block's member names, in declaration order. */
typedef struct RtEnum {
    const char **members;
    int n;
} RtEnum;

typedef struct RtType {
    RtKind kind;
    bool optional;          /* may be missing */
    const RtEnum *en;       /* RT_ENUM, RT_STAGE */
} RtType;

typedef struct SchemaField {
    const char *name;
    RtType ty;
} SchemaField;

typedef struct Schema {
    const char *record;     /* the record's name, or NULL if there is none */
    SchemaField *fields;    /* in record order: a field's index is its place */
    int nfields;
    int key_field;          /* index, or -1 */
} Schema;

#endif
