/* cmd_graph.c — `kam graph POLICY`: the stage machine as Graphviz DOT.
 * Ordered stages left to right, final stages as double octagons, each
 * transition an edge labelled with its `as "label"` (its condition as the
 * tooltip) or, without one, with its condition, from each of its sources
 * (`mid_kam, partnership -> uncoupling`: two edges, both labelled); `any ->`
 * transitions are dashed edges from every ordered stage, a `winback` from a
 * final stage a bold one. A stages block's description is the graph's
 * title. */
#include "cli.h"
#include "../lang/check.h"

#include <string.h>

/* A DOT string literal: quotes and backslashes escaped, one line. */
static void dot_string(const char *s, size_t n)
{
    putchar('"');
    bool space = false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
            if (!space) putchar(' ');
            space = true;
            continue;
        }
        space = false;
        if (c == '"' || c == '\\') putchar('\\');
        putchar(c);
    }
    putchar('"');
}

int cmd_graph(int argc, char **argv)
{
    const char *path;
    int rc = cli_one_policy_arg(argc, argv, "graph",
                                "usage: kam graph POLICY\n\nPrints each stages block of the "
                                "policy as a Graphviz DOT graph:\n  kam graph policy.kam | dot "
                                "-Tsvg > stages.svg\n", &path);
    if (rc >= 0) return rc;
    DiagList d;
    diag_init(&d);
    int status;
    Policy *p = cli_load_policy(path, &d, &status);
    if (!p) {
        diag_free(&d);
        return status;
    }
    int blocks = 0;
    for (int i = 0; status == EXIT_OK && i < p->nsyms; i++) {
        const Sym *s = p->syms[i];
        if (s->kind != SYM_STAGES) continue;
        const EnumInfo *en = s->ty.en;
        blocks++;
        printf("digraph %s {\n  rankdir=LR;\n  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n"
               "  edge [fontname=\"Helvetica\", fontsize=10];\n", s->name);
        if (s->decl->desc) {
            printf("  graph [label=");
            dot_string(s->decl->desc, strlen(s->decl->desc));
            printf(", labelloc=t, fontname=\"Helvetica\"];\n");
        }
        for (int m = 0; m < en->n; m++)
            printf("  %s%s;\n", en->members[m], m >= en->norder ? " [shape=doubleoctagon]" : "");
        if (en->norder > 1) {       /* keep the order visible */
            for (int m = 0; m + 1 < en->norder; m++)
                printf("  %s -> %s [style=invis, weight=10];\n", en->members[m], en->members[m + 1]);
        }
        for (int k = 0; k < s->decl->items.len; k++) {
            const Transition *t = s->decl->items.items[k];
            const SrcFile *f = p->src.files[t->cond->span.file];
            /* one edge per source (each ordered stage for `any`), each
               with the label; a win-back is drawn bold */
            for (int m = 0; m < en->n; m++) {
                if (!ast_transition_from(t, m, en->norder)) continue;
                if (t->from_any && m == t->to_member) continue;
                printf("  %s -> %s [label=", en->members[m], en->members[t->to_member]);
                if (t->label) {
                    dot_string(t->label, strlen(t->label));
                    printf(", tooltip=");
                }
                dot_string(f->text + t->cond->span.start, t->cond->span.end - t->cond->span.start);
                printf("%s%s];\n", t->from_any ? ", style=dashed" : "",
                       t->winback ? ", style=bold, constraint=false" : "");
            }
        }
        printf("}\n");
    }
    if (status == EXIT_OK && !blocks) {
        fprintf(stderr, "kam: %s has no stages block\n", path);
        status = EXIT_POLICY;
    }
    policy_free(p);
    diag_free(&d);
    return status;
}
