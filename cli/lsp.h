/* lsp.h — the language server behind `kam lsp`: its state, the JSON-RPC
 * transport and dispatch (lsp_server.c) and the language features
 * (lsp_features.c). The server reads messages from one stream and writes
 * to another, so the fuzz harness and tests can drive lsp_handle
 * directly. */
#ifndef KAM_LSP_H
#define KAM_LSP_H

#include "lsp_doc.h"
#include "lsp_json.h"

#include <stdbool.h>
#include <stdio.h>

/* Largest message body accepted: a policy is at most SRC_MAX_BYTES (16
 * MiB), and JSON escaping can at most double it. */
enum { LSP_MAX_MESSAGE = 2 * 16 * 1024 * 1024 + 65536 };

typedef struct LspServer {
    FILE *out;
    bool initialized;       /* `initialize` answered */
    bool shutdown;          /* `shutdown` answered */
    bool done;              /* `exit` received, or the input ended */
    int exit_code;
    bool utf8;              /* positions in UTF-8 bytes, not UTF-16 units */
    bool snippets;          /* the client takes snippet completions */
    DocStore docs;
} LspServer;

void lsp_init(LspServer *s, FILE *out);
void lsp_free(LspServer *s);
/* Handles one message body (whatever its bytes). */
void lsp_handle(LspServer *s, const char *body, size_t n);
/* Reads framed messages until `exit` or the end of the input; returns the
 * exit status (0 after shutdown, else 1). */
int lsp_serve(LspServer *s, FILE *in);

/* Output (lsp_server.c). result/params are JSON texts. */
void lsp_send(LspServer *s, const char *json, size_t n);
void lsp_notify(LspServer *s, const char *method, const char *params);
void lsp_show_message(LspServer *s, int type, const char *msg);

/* Features (lsp_features.c). */
/* Re-checks a document and publishes its diagnostics (and its imports'). */
void lsp_analyse(LspServer *s, LspDoc *d);
/* Clears what was published for a closed document. */
void lsp_forget(LspServer *s, LspDoc *d);
/* Answers a textDocument/ request into result (a JSON text); false if the
 * method is not one of them. */
bool lsp_feature(LspServer *s, const char *method, const JVal *params, JBuf *result);
/* The capabilities object of the initialize result. */
void lsp_capabilities(LspServer *s, JBuf *b);

#endif
