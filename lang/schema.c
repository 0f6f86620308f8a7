/* schema.c — the runtime's view of a checked policy's record (see
 * runtime/schema.h): names, value types, member names, the key. Built once
 * per policy, in the policy's arena. */
#include "check.h"

RtKind schema_kind(TypeKind k)
{
    switch (k) {
    case TY_INT: return RT_INT;
    case TY_NUMBER: return RT_NUMBER;
    case TY_MONEY: return RT_MONEY;
    case TY_PERCENT: return RT_PERCENT;
    case TY_BOOL: return RT_BOOL;
    case TY_STRING: return RT_STRING;
    case TY_DATE: return RT_DATE;
    case TY_ENUM: return RT_ENUM;
    case TY_STAGE: return RT_STAGE;
    default: return RT_ERROR;
    }
}

RtType schema_type(Arena *a, Type t)
{
    RtType r = {schema_kind(t.kind), t.optional, NULL};
    if (t.en) {             /* enums, stages and tiers */
        RtEnum *en = arena_alloc(a, sizeof *en);
        en->members = t.en->members;
        en->n = t.en->n;
        r.en = en;
    }
    return r;
}

void schema_build(Policy *p)
{
    Schema *s = &p->schema;
    s->record = p->record ? p->record->name.name : NULL;
    s->nfields = p->nfields;
    s->key_field = p->key_field;
    s->fields = arena_alloc(&p->arena, sizeof(SchemaField) * (size_t)(p->nfields + 1));
    for (int i = 0; i < p->nfields; i++) {
        s->fields[i].name = p->fields[i]->name.name;
        s->fields[i].ty = schema_type(&p->arena, p->fields[i]->ty);
    }
}
