/* report_render.c — the one walk over a ReportDoc (report_doc.h): the
 * title, the headline figures, each tier and stages block (its table, the
 * stage-move matrix, the transitions), the selections, entitlements with
 * their terms and flags, the key-account list, one card per key account,
 * the what-if. It says what is shown, in which order, with which words;
 * the format (report_html.c, report_md.c, through report_render.h's
 * RenderOps) says how it is marked up and escaped. It computes nothing. */
#define _POSIX_C_SOURCE 200809L
#include "report_render.h"

#include <string.h>

static void put(Render *r, const char *s)
{
    if (s) fputs(s, r->o);
}

static void begin(Render *r, RenderMark m)
{
    put(r, r->ops->mark[m][0]);
}

static void end(Render *r, RenderMark m)
{
    put(r, r->ops->mark[m][1]);
}

static void text(Render *r, const char *s)
{
    r->ops->text(r->o, s);
}

/* Text from the data or the policy, escaped, in markup. */
static void marked(Render *r, RenderMark m, const char *s)
{
    begin(r, m);
    text(r, s);
    end(r, m);
}

/* The report's own words in markup: not escaped. */
static void say(Render *r, RenderMark m, const char *s)
{
    begin(r, m);
    put(r, s);
    end(r, m);
}

void render_num(Render *r, double v, NumKind kind)
{
    char nb[128];
    report_num(v, kind, nb, sizeof nb);
    put(r, nb);
}

/* A rule for people: its description and its name, or the name. */
static void rule_title(Render *r, const char *name, const char *desc)
{
    if (desc) {
        text(r, desc);
        put(r, " (");
    }
    marked(r, RM_NAME, name);
    if (desc) put(r, ")");
}

static void cell_open(Render *r, CellKind kind)
{
    r->ops->cell_begin(r, kind, 0);
}

static void cell_close(Render *r, CellKind kind)
{
    r->ops->cell_end(r, kind);
}

/* A cell with a text from the data or the policy. */
static void cell(Render *r, CellKind kind, const char *s)
{
    cell_open(r, kind);
    text(r, s);
    cell_close(r, kind);
}

/* A cell in the report's own words. */
static void label_cell(Render *r, CellKind kind, const char *s)
{
    cell_open(r, kind);
    put(r, s);
    cell_close(r, kind);
}

/* A cell with a name from the policy. */
static void name_cell(Render *r, const char *name)
{
    cell_open(r, CELL_TEXT);
    marked(r, RM_NAME, name);
    cell_close(r, CELL_TEXT);
}

/* Heading cells: "tier|>accounts", '|' between them, '>' before a number's. */
static void heads(Render *r, const char *spec)
{
    while (*spec) {
        bool num = *spec == '>';
        spec += num;
        size_t n = strcspn(spec, "|");
        cell_open(r, num ? CELL_HEAD_NUM : CELL_HEAD);
        fprintf(r->o, "%.*s", (int)n, spec);
        cell_close(r, num ? CELL_HEAD_NUM : CELL_HEAD);
        spec += n + (spec[n] == '|');
    }
}

static void num_cell(Render *r, double v, NumKind kind, int rows)
{
    r->ops->cell_begin(r, CELL_NUM, rows);
    render_num(r, v, kind);
    cell_close(r, CELL_NUM);
}

static void table(Render *r, const char *cls)
{
    r->head = true;
    r->ncols = 0;
    r->ops->table(r, cls);
}

static void table_body(Render *r)
{
    r->ops->table_body(r);
    r->head = false;
}

/* An account's key and display name. */
static void account(Render *r, const char *key, const char *display, RenderMark aka)
{
    text(r, key);
    if (display) marked(r, aka, display);
}

static void section(Render *r, const char *id, const char *name)
{
    if (r->ops->section) r->ops->section(r, id, name);
}

static bool has_stages(const ReportDoc *d)
{
    for (int i = 0; i < d->ngroups; i++)
        if (d->groups[i].stages) return true;
    return false;
}

static double share(long n, long of)
{
    return of ? (double)n / (double)of : 0;
}

static void headline(Render *r, const ReportDoc *d)
{
    section(r, "headline", NULL);
    say(r, RM_H2_TIGHT, "At a glance");
    begin(r, RM_FIGURES);
    r->ops->figure(r, "records", (double)d->records, NUM_INT, false, "accounts", NULL, NULL);
    if (d->key_name)
        r->ops->figure(r, "key_accounts", (double)d->key_accounts, NUM_INT, false, "key accounts",
                       d->key_desc ? d->key_desc : d->key_name, NULL);
    if (d->rev_name) {
        r->ops->figure(r, "revenue_total", d->revenue_total, NUM_MONEY, false, "revenue", d->rev_name, NULL);
        if (d->key_name) {
            char pct[32];
            report_num(d->revenue_total ? d->key_revenue / d->revenue_total : 0, NUM_PERCENT, pct, sizeof pct);
            r->ops->figure(r, "key_revenue", d->key_revenue, NUM_MONEY, false, "revenue carried by key accounts",
                           NULL, pct);
        }
    }
    if (has_stages(d))
        r->ops->figure(r, "moving", (double)d->moving, NUM_INT, false, "accounts moving stage", NULL, NULL);
    r->ops->figure(r, "records_left_out", (double)d->left_out, NUM_INT, d->left_out != 0,
                   "records left out (data errors)", NULL, NULL);
    end(r, RM_FIGURES);
    if (!d->rev_name && d->rev_why) {
        begin(r, RM_NOTE);
        put(r, "Revenue is not shown: ");
        text(r, d->rev_why);
        put(r, ".");
        end(r, RM_NOTE);
    }
    if (d->left_out) {
        begin(r, RM_BAD);
        begin(r, RM_ALERT);
        fprintf(r->o, "%ld record%s of the data could not be read or evaluated and %s not counted anywhere "
                      "in this report;", d->left_out, d->left_out == 1 ? "" : "s", d->left_out == 1 ? "is" : "are");
        end(r, RM_ALERT);
        put(r, " ");
        say(r, RM_CMD, "kam run");
        put(r, " lists them with the reason.");
        end(r, RM_BAD);
    }
    end(r, RM_SECTION);
}

/* From (rows) to (columns): how many accounts make each move. */
static void moves(Render *r, const RepGroup *g)
{
    char key[1200];
    say(r, RM_H3, "Stage moves: from (rows) to (columns)");
    table(r, "matrix");
    cell(r, CELL_HEAD, "from \\ to");
    for (int t = 0; t < g->nmembers; t++) cell(r, CELL_HEAD_NUM, g->members[t]);
    table_body(r);
    for (int f = 0; f < g->nmembers; f++) {
        begin(r, RM_ROW);
        cell(r, CELL_HEAD, g->members[f]);
        for (int t = 0; t < g->nmembers; t++) {
            snprintf(key, sizeof key, "stages.%s.%s.from.%s", g->name, g->members[t], g->members[f]);
            r->ops->move_cell(r, key, g->moves[f * g->nmembers + t], f == t);
        }
        end(r, RM_ROW);
    }
    end(r, RM_TABLE);
    begin(r, RM_P);
    fprintf(r->o, "%ld account%s move%s stage", g->moved, g->moved == 1 ? "" : "s", g->moved == 1 ? "s" : "");
    put(r, r->ops->moves_legend);
    put(r, ".");
    end(r, RM_P);
    if (!g->ntrans) return;
    say(r, RM_LIST_HEAD, "How an account moves (the first move that applies)");
    begin(r, RM_UL);
    for (int t = 0; t < g->ntrans; t++) {
        const RepTransition *tr = &g->trans[t];
        begin(r, RM_LI);
        if (tr->from) text(r, tr->from);
        else put(r, "any stage");
        put(r, " \u2192 ");
        text(r, tr->to);
        if (tr->label) {
            put(r, ": ");
            text(r, tr->label);
        }
        end(r, RM_LI);
    }
    end(r, RM_UL);
}

static void group(Render *r, const ReportDoc *d, const RepGroup *g)
{
    const char *sec = g->stages ? "stages" : "tiers";
    section(r, g->stages ? "stages-" : "tiers-", g->name);
    begin(r, RM_H2);
    put(r, g->stages ? "Stage: " : "Tier: ");
    rule_title(r, g->name, g->text);
    end(r, RM_H2);
    if (g->stages) say(r, RM_NOTE, "Each account's stage after this run's moves.");
    if (r->ops->charts) r->ops->charts(r, g);
    bool labels = false;
    for (int i = 0; g->labels && i < g->nmembers; i++) labels |= g->labels[i] != NULL;
    table(r, NULL);
    heads(r, g->stages ? "stage" : "tier");
    if (labels) heads(r, "what it means");
    heads(r, ">accounts");
    if (r->ops->bar_head) r->ops->bar_head(r);
    heads(r, ">share");
    if (d->rev_name) cell(r, CELL_HEAD_NUM, d->rev_name);
    table_body(r);
    char key[1200];
    for (int i = 0; i < g->nbars; i++) {
        const RepBar *b = &g->bars[i];
        begin(r, RM_ROW);
        cell(r, CELL_TEXT, b->label);
        if (labels) cell(r, CELL_TEXT, i < g->nmembers ? g->labels[i] : NULL);
        snprintf(key, sizeof key, "%s.%s.%s.accounts", sec, g->name, b->label);
        r->ops->fig(r, FIG_CELL, key, (double)b->accounts, NUM_INT);
        if (r->ops->bar_cell) r->ops->bar_cell(r, g, b);
        num_cell(r, share(b->accounts, d->records), NUM_PERCENT, 0);
        if (d->rev_name) {
            snprintf(key, sizeof key, "%s.%s.%s.%s", sec, g->name, b->label, g->stages ? "revenue" : d->rev_name);
            r->ops->fig(r, FIG_CELL, key, b->revenue, NUM_MONEY);
        }
        end(r, RM_ROW);
    }
    end(r, RM_TABLE);
    if (g->stages) moves(r, g);
    end(r, RM_SECTION);
}

/* The entitlements' terms among the accounts that hold them: each figure
 * of the JSON summary's terms.ENTITLEMENT.TERM (accounts, values, min,
 * max) once. */
static void terms(Render *r, const ReportDoc *d)
{
    bool any = false;
    for (int i = 0; i < d->nitems; i++) any |= d->items[i].nterms > 0;
    if (!any) return;
    say(r, RM_H3, "Terms among the accounts entitled");
    table(r, NULL);
    heads(r, "entitlement|term|>accounts|values (accounts)|>lowest|>highest");
    table_body(r);
    for (int i = 0; i < d->nitems; i++) {
        const RepItem *it = &d->items[i];
        for (int k = 0; k < it->nterms; k++) {
            const RepTerm *t = &it->terms[k];
            char key[1600];
            begin(r, RM_ROW);
            cell_open(r, CELL_TEXT);
            rule_title(r, it->name, it->text);
            cell_close(r, CELL_TEXT);
            cell(r, CELL_TEXT, t->label);
            snprintf(key, sizeof key, "terms.%s.%s.accounts", it->name, t->name);
            r->ops->fig(r, FIG_CELL, key, (double)t->accounts, NUM_INT);
            cell_open(r, CELL_TEXT);
            if (!t->accounts) put(r, "no account holds it");
            else if (t->more) put(r, "many different values");
            for (int v = 0; !t->more && v < t->nvals; v++) {
                put(r, v ? ", " : "");
                text(r, t->vals[v].shown);
                put(r, " (");
                snprintf(key, sizeof key, "terms.%s.%s.values.%s", it->name, t->name, t->vals[v].key);
                r->ops->fig(r, FIG_TEXT, key, (double)t->vals[v].accounts, NUM_INT);
                put(r, ")");
            }
            cell_close(r, CELL_TEXT);
            if (t->range) {
                snprintf(key, sizeof key, "terms.%s.%s.min", it->name, t->name);
                r->ops->fig_text(r, key, t->min_raw, t->min_shown);
                snprintf(key, sizeof key, "terms.%s.%s.max", it->name, t->name);
                r->ops->fig_text(r, key, t->max_raw, t->max_shown);
            } else {
                label_cell(r, CELL_NUM, "\u2014");
                label_cell(r, CELL_NUM, "\u2014");
            }
            end(r, RM_ROW);
        }
    }
    end(r, RM_TABLE);
}

static void items(Render *r, const ReportDoc *d)
{
    static const struct { SymKind kind; const char *title, *sec, *col; } kinds[] = {
        {SYM_SELECT, "Selections", "selects", "selection"},
        {SYM_ENTITLE, "Entitlements", "entitlements", "entitlement"},
        {SYM_FLAG, "Flags", "flags", "flag"},
    };
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        int n = 0;
        for (int i = 0; i < d->nitems; i++) n += d->items[i].kind == kinds[k].kind;
        if (!n) continue;
        section(r, kinds[k].sec, NULL);
        say(r, RM_H2, kinds[k].title);
        table(r, NULL);
        heads(r, kinds[k].col);
        heads(r, d->rev_name ? "what it means|>accounts|>share|>revenue carried" : "what it means|>accounts|>share");
        table_body(r);
        for (int i = 0; i < d->nitems; i++) {
            const RepItem *it = &d->items[i];
            if (it->kind != kinds[k].kind) continue;
            char key[600];
            begin(r, RM_ROW);
            name_cell(r, it->name);
            cell(r, CELL_TEXT, it->text);
            snprintf(key, sizeof key, "%s.%s", kinds[k].sec, it->name);
            r->ops->fig(r, FIG_CELL, key, (double)it->accounts, NUM_INT);
            num_cell(r, share(it->accounts, d->records), NUM_PERCENT, 0);
            if (d->rev_name) {
                snprintf(key, sizeof key, "%s.%s.revenue", kinds[k].sec, it->name);
                r->ops->fig(r, FIG_CELL, key, it->revenue, NUM_MONEY);
            }
            end(r, RM_ROW);
        }
        end(r, RM_TABLE);
        if (kinds[k].kind == SYM_ENTITLE) terms(r, d);
        end(r, RM_SECTION);
    }
}

static void key_list(Render *r, const ReportDoc *d)
{
    section(r, "key-accounts", NULL);
    say(r, RM_H2, "Key accounts");
    if (!d->key_name || !d->naccounts) {
        begin(r, RM_P_TIGHT);
        if (!d->key_name) {
            put(r, "The policy selects no key accounts (it has no ");
            say(r, RM_CMD, "select");
            put(r, ").");
        } else {
            put(r, "No account is selected.");
        }
        end(r, RM_P_TIGHT);
        end(r, RM_SECTION);
        return;
    }
    begin(r, RM_P);
    put(r, "The accounts selected as ");
    rule_title(r, d->key_name, d->key_desc);
    fprintf(r->o, ", highest score first%s.", d->rev_name ? ", then highest revenue" : "");
    if (d->key_accounts > d->naccounts)
        fprintf(r->o, " The first %d of %ld are listed.", d->naccounts, d->key_accounts);
    end(r, RM_P);
    bool score = d->accounts[0].score[0];
    table(r, NULL);
    heads(r, score ? ">#|account|>score" : ">#|account");
    heads(r, "tier|stage|entitlements|flags");
    if (d->rev_name) cell(r, CELL_HEAD_NUM, d->rev_name);
    table_body(r);
    for (int i = 0; i < d->naccounts; i++) {
        const RepAccount *a = &d->accounts[i];
        char nb[16];
        snprintf(nb, sizeof nb, "%d", i + 1);
        begin(r, RM_ROW);
        label_cell(r, CELL_NUM, nb);
        cell_open(r, CELL_TEXT);
        if (a->card && r->ops->link) r->ops->link(r, i + 1);
        text(r, a->key);
        if (a->card) end(r, RM_LINK);
        if (a->display) marked(r, RM_AKA, a->display);
        cell_close(r, CELL_TEXT);
        if (score) label_cell(r, CELL_NUM, a->score);
        cell(r, CELL_TEXT, a->tier);
        cell(r, CELL_TEXT, a->stage);
        cell(r, CELL_TEXT, a->entitlements);
        cell(r, CELL_TEXT, a->flags);
        if (d->rev_name) num_cell(r, a->revenue, NUM_MONEY, 0);
        end(r, RM_ROW);
    }
    end(r, RM_TABLE);
    end(r, RM_SECTION);
}

static const char *flag_text(const ReportDoc *d, const char *name)
{
    for (int i = 0; i < d->nitems; i++)
        if (d->items[i].kind == SYM_FLAG && strcmp(d->items[i].name, name) == 0) return d->items[i].text;
    return NULL;
}

/* A score and the criteria that held for it (the facts after it). */
static void score_fact(Render *r, const RepAccount *a, int i)
{
    const RepFact *f = &a->facts[i];
    begin(r, RM_P_TIGHT);
    put(r, "Score ");
    begin(r, RM_B);
    rule_title(r, f->name, f->desc);
    end(r, RM_B);
    put(r, ": ");
    text(r, f->value);
    put(r, " points, from:");
    end(r, RM_P_TIGHT);
    begin(r, RM_UL);
    bool any = false;
    size_t plen = strlen(f->name);
    for (int k = i + 1; k < a->nfacts; k++) {
        const RepFact *c = &a->facts[k];
        if (strcmp(c->section, "criterion") || strncmp(c->name, f->name, plen) || c->name[plen] != '.') continue;
        if (strcmp(c->value, "0") == 0) continue;
        any = true;
        begin(r, RM_LI);
        begin(r, RM_PTS);
        if (c->value[0] != '-') put(r, "+");
        text(r, c->value);
        end(r, RM_PTS);
        put(r, " ");
        text(r, c->name + plen + 1);
        put(r, ": ");
        text(r, c->why);
        end(r, RM_LI);
    }
    if (!any) say(r, RM_LI, "no criterion held");
    end(r, RM_UL);
}

/* One account's card: the explanation's facts as sentences. */
static void card(Render *r, const ReportDoc *d, const RepAccount *a, int n)
{
    if (r->ops->card) r->ops->card(r, n);
    begin(r, RM_H3);
    account(r, a->key, a->display, RM_DN);
    end(r, RM_H3);
    if (a->card_error) {
        begin(r, RM_ERR);
        put(r, "No explanation: ");
        text(r, a->card_error);
        end(r, RM_ERR);
        end(r, RM_CARD);
        return;
    }
    for (int i = 0; i < a->nfacts; i++)
        if (strcmp(a->facts[i].section, "score") == 0) score_fact(r, a, i);
    for (int i = 0; i < a->nfacts; i++) {
        const RepFact *f = &a->facts[i];
        if (strcmp(f->section, "select") == 0) {
            begin(r, RM_P);
            put(r, strcmp(f->value, "true") == 0 ? "Selected as " : "Not selected as ");
            begin(r, RM_B);
            rule_title(r, f->name, f->desc);
            end(r, RM_B);
            put(r, " because ");
            text(r, f->why);
            put(r, ".");
            end(r, RM_P);
        } else if (strcmp(f->section, "tier") == 0 || strcmp(f->section, "stages") == 0) {
            bool tier = f->section[0] == 't';
            begin(r, RM_P);
            put(r, tier ? "Tier " : "Stage ");
            marked(r, RM_B, tier ? f->value : a->stage);
            put(r, " (");
            text(r, f->desc ? f->desc : f->name);
            put(r, "): ");
            text(r, f->why);
            put(r, ".");
            end(r, RM_P);
        }
    }
    for (int pass = 0; pass < 2; pass++) {
        const char *sec = pass ? "flag" : "entitlement";
        bool open_list = false;
        for (int i = 0; i < a->nfacts; i++) {
            const RepFact *f = &a->facts[i];
            if (strcmp(f->section, sec) || strcmp(f->value, "yes")) continue;
            if (!open_list) {
                say(r, RM_P_TIGHT, pass ? "Flags raised:" : "Entitled to:");
                begin(r, RM_UL);
            }
            open_list = true;
            begin(r, RM_LI);
            begin(r, RM_B);
            if (pass) text(r, f->name);
            else rule_title(r, f->name, f->desc);
            end(r, RM_B);
            const char *extra = pass ? flag_text(d, f->name) : f->terms;
            if (extra) {
                put(r, " \u2014 ");
                text(r, extra);
            }
            put(r, ": ");
            text(r, f->why);
            end(r, RM_LI);
        }
        if (open_list) end(r, RM_UL);
        else say(r, RM_P, pass ? "No flags raised." : "No entitlements.");
    }
    end(r, RM_CARD);
}

static void cards(Render *r, const ReportDoc *d)
{
    if (!d->ncards) return;
    section(r, "cards", NULL);
    say(r, RM_H2, "Why each key account was selected");
    if (d->ncards < d->key_accounts) {
        begin(r, RM_NOTE);
        fprintf(r->o, "The first %d of %ld key accounts; ", d->ncards, d->key_accounts);
        say(r, RM_CMD, "kam explain --id KEY");
        put(r, " explains any account.");
        end(r, RM_NOTE);
    }
    begin(r, RM_CARDS);
    for (int i = 0; i < d->naccounts; i++)
        if (d->accounts[i].card) card(r, d, &d->accounts[i], i + 1);
    end(r, RM_CARDS);
    end(r, RM_SECTION);
}

/* The accounts whose outcome changes, one row per outcome. */
static void changes(Render *r, const ReportDoc *d)
{
    if (d->changed > d->nchanges) {
        begin(r, RM_NOTE);
        fprintf(r->o, "The first %d of %ld changed accounts; ", d->nchanges, d->changed);
        say(r, RM_CMD, "kam diff");
        put(r, " lists them all.");
        end(r, RM_NOTE);
    }
    table(r, NULL);
    heads(r, "account|outcome|before|after");
    if (d->rev_name)
        cell(r, CELL_HEAD_NUM, r->ops->changes_revenue ? r->ops->changes_revenue : d->rev_name);
    table_body(r);
    for (int i = 0; i < d->nchanges; i++) {
        const RepChange *c = &d->changes[i];
        for (int k = 0; k < c->nch; k++) {
            begin(r, RM_ROW);
            if (k == 0) {
                r->ops->cell_begin(r, CELL_TEXT, c->nch);
                account(r, c->key, c->display, RM_AKA);
                cell_close(r, CELL_TEXT);
            } else {
                begin(r, RM_SPANNED);
            }
            name_cell(r, c->ch[k].name);
            cell(r, CELL_TEXT, c->ch[k].before);
            cell(r, CELL_TEXT, c->ch[k].after);
            if (d->rev_name) {
                if (k == 0) num_cell(r, c->revenue, NUM_MONEY, c->nch);
                else begin(r, RM_SPANNED);
            }
            end(r, RM_ROW);
        }
    }
    end(r, RM_TABLE);
}

static void whatif(Render *r, const ReportDoc *d)
{
    if (!d->whatif) return;
    section(r, "what-if", NULL);
    begin(r, RM_H2);
    put(r, "What if: ");
    for (int i = 0; i < d->nsets; i++) {
        put(r, i ? ", " : "");
        marked(r, RM_NAME, d->sets[i]);
    }
    end(r, RM_H2);
    begin(r, RM_P);
    put(r, "Compared with the policy as written, ");
    r->ops->count(r, FIG_BOLD, "whatif.changed", d->changed);
    fprintf(r->o, " account%s change%s outcome", d->changed == 1 ? "" : "s", d->changed == 1 ? "s" : "");
    if (d->rev_name) {
        put(r, ", carrying ");
        r->ops->fig(r, FIG_BOLD, "whatif.revenue", d->changed_revenue, NUM_MONEY);
        put(r, " of ");
        text(r, d->rev_name);
    }
    put(r, ".");
    if (d->not_compared)
        fprintf(r->o, " %ld account%s could not be evaluated and %s not compared.", d->not_compared,
                d->not_compared == 1 ? "" : "s", d->not_compared == 1 ? "is" : "are");
    end(r, RM_P);
    if (d->nselcounts) {
        table(r, NULL);
        heads(r, "selection|>before|>after|>change");
        table_body(r);
        for (int i = 0; i < d->nselcounts; i++) {
            const RepSelCount *c = &d->selcounts[i];
            char key[600];
            begin(r, RM_ROW);
            name_cell(r, c->name);
            snprintf(key, sizeof key, "whatif.%s.before", c->name);
            r->ops->count(r, FIG_CELL, key, c->before);
            snprintf(key, sizeof key, "whatif.%s.after", c->name);
            r->ops->count(r, FIG_CELL, key, c->after);
            char nb[32];
            snprintf(nb, sizeof nb, "%+ld", c->after - c->before);
            label_cell(r, CELL_NUM, nb);
            end(r, RM_ROW);
        }
        end(r, RM_TABLE);
    }
    if (d->nchanges) changes(r, d);
    end(r, RM_SECTION);
}

/* The portfolio flags: raised or not (or unknown, with why), with their
 * text; under a what-if also what they were without it. */
static const char *pf_state(int v)
{
    return v > 0 ? "raised" : v == 0 ? "not raised" : v == -1 ? "unknown" : "absent";
}

static void portfolio(Render *r, const ReportDoc *d)
{
    if (!d->nportfolio) return;
    section(r, "portfolio", NULL);
    say(r, RM_H2, "Portfolio");
    begin(r, RM_UL);
    for (int i = 0; i < d->nportfolio; i++) {
        const RepPortfolio *p = &d->portfolio[i];
        begin(r, RM_LI);
        say(r, RM_B, pf_state(p->value));
        put(r, " \u2014 ");
        text(r, p->text ? p->text : p->name);
        put(r, " (");
        marked(r, RM_NAME, p->name);
        put(r, ")");
        if (p->before != p->value) {
            put(r, "; without the what-if: ");
            put(r, pf_state(p->before));
        }
        if (p->why) {
            put(r, "; not worked out: ");
            text(r, p->why);
        }
        end(r, RM_LI);
    }
    end(r, RM_UL);
    end(r, RM_SECTION);
}

int report_render(const ReportDoc *d, FILE *out, const RenderOps *ops)
{
    Render rr = {.o = out, .d = d, .ops = ops}, *r = &rr;
    if (ops->page_begin) ops->page_begin(r);
    marked(r, RM_H1, d->title);
    begin(r, RM_META);
    put(r, "Policy ");
    marked(r, RM_NAME, d->policy_path);
    put(r, " · data ");
    marked(r, RM_NAME, d->data_path);
    put(r, " · as of ");
    ops->date(r, "as_of", d->as_of);
    if (d->where) {
        put(r, " · only the accounts where ");
        marked(r, RM_NAME, d->where);
    }
    for (int i = 0; i < d->nsets; i++) {
        put(r, i ? ", " : " · with ");
        marked(r, RM_NAME, d->sets[i]);
    }
    end(r, RM_META);
    headline(r, d);
    portfolio(r, d);
    for (int i = 0; i < d->ngroups; i++) group(r, d, &d->groups[i]);
    items(r, d);
    key_list(r, d);
    cards(r, d);
    whatif(r, d);
    ops->page_end(r);
    return ferror(out) ? -1 : 0;
}
