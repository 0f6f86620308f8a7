/* lsp_server.c — the language server's transport and lifecycle: framed
 * messages (Content-Length headers) on a stream, JSON-RPC 2.0 requests,
 * notifications and error responses, initialize/shutdown/exit, and the
 * document sync notifications. The language features are lsp_features.c.
 * Hostile input gets an error response or ends the server, never a crash,
 * a hang or a huge allocation: a body larger than LSP_MAX_MESSAGE is
 * skipped unread, a header that cannot be parsed ends the session (the
 * stream cannot be resynchronised). */
#define _POSIX_C_SOURCE 200809L
#include "lsp.h"
#include "cli.h"
#include "../base/arena.h"

#include <stdlib.h>
#include <string.h>

enum {
    RPC_PARSE_ERROR = -32700,
    RPC_INVALID_REQUEST = -32600,
    RPC_METHOD_NOT_FOUND = -32601,
    RPC_INVALID_PARAMS = -32602,
    RPC_SERVER_NOT_INITIALIZED = -32002
};

void lsp_init(LspServer *s, FILE *out)
{
    memset(s, 0, sizeof *s);
    s->out = out;
    s->exit_code = 1;
}

void lsp_free(LspServer *s)
{
    doc_store_free(&s->docs);
}

void lsp_send(LspServer *s, const char *json, size_t n)
{
    fprintf(s->out, "Content-Length: %zu\r\n\r\n", n);
    fwrite(json, 1, n, s->out);
    fflush(s->out);
}

static void reply(LspServer *s, const JVal *id, const char *result)
{
    JBuf b = {0};
    jb_puts(&b, "{\"jsonrpc\":\"2.0\",\"id\":");
    jb_val(&b, id);
    jb_puts(&b, ",\"result\":");
    jb_puts(&b, result);
    jb_puts(&b, "}");
    lsp_send(s, b.s, b.n);
    jb_free(&b);
}

static void error(LspServer *s, const JVal *id, int code, const char *msg)
{
    JBuf b = {0};
    jb_puts(&b, "{\"jsonrpc\":\"2.0\",\"id\":");
    jb_val(&b, id);
    jb_printf(&b, ",\"error\":{\"code\":%d,\"message\":", code);
    jb_str(&b, msg);
    jb_puts(&b, "}}");
    lsp_send(s, b.s, b.n);
    jb_free(&b);
}

void lsp_notify(LspServer *s, const char *method, const char *params)
{
    JBuf b = {0};
    jb_puts(&b, "{\"jsonrpc\":\"2.0\",\"method\":");
    jb_str(&b, method);
    jb_puts(&b, ",\"params\":");
    jb_puts(&b, params);
    jb_puts(&b, "}");
    lsp_send(s, b.s, b.n);
    jb_free(&b);
}

void lsp_show_message(LspServer *s, int type, const char *msg)
{
    JBuf b = {0};
    jb_printf(&b, "{\"type\":%d,\"message\":", type);
    jb_str(&b, msg);
    jb_puts(&b, "}");
    lsp_notify(s, "window/showMessage", b.s);
    jb_free(&b);
}

static void initialize(LspServer *s, const JVal *params)
{
    const JVal *enc = jv_path(params, "capabilities.general.positionEncodings");
    for (int i = 0; enc && enc->kind == JSON_ARRAY && i < enc->n; i++) {
        const char *e = jv_str(&enc->items[i]);
        if (e && strcmp(e, "utf-8") == 0) s->utf8 = true;
    }
    const JVal *snip =
        jv_path(params, "capabilities.textDocument.completion.completionItem.snippetSupport");
    s->snippets = jv_is(snip, JSON_TRUE);
}

/* didOpen, didChange, didClose, didSave. */
static void sync(LspServer *s, const char *method, const JVal *params)
{
    const char *uri = jv_str(jv_path(params, "textDocument.uri"));
    if (!uri) return;
    long version = 0;
    jv_int(jv_path(params, "textDocument.version"), &version);
    if (strcmp(method, "textDocument/didOpen") == 0) {
        const JVal *text = jv_path(params, "textDocument.text");
        if (!jv_is(text, JSON_STRING)) return;
        if (text->len > SRC_MAX_BYTES) {
            lsp_show_message(s, 1, "kam: the document is larger than 16 MiB, the most a policy may be");
            return;
        }
        LspDoc *d = doc_open(&s->docs, uri, text->str, text->len, version);
        if (!d) {
            lsp_show_message(s, 1, "kam: too many open documents");
            return;
        }
        lsp_analyse(s, d);
        return;
    }
    LspDoc *d = doc_find(&s->docs, uri);
    if (!d) return;
    if (strcmp(method, "textDocument/didChange") == 0) {
        const JVal *changes = jv_get(params, "contentChanges");
        if (!jv_is(changes, JSON_ARRAY)) return;
        for (int i = 0; i < changes->n; i++)
            if (!doc_apply_change(d, &changes->items[i], s->utf8)) {
                lsp_show_message(s, 2, "kam: a change could not be applied (malformed, or over 16 MiB)");
                break;
            }
        d->version = version;
        lsp_analyse(s, d);
    } else if (strcmp(method, "textDocument/didClose") == 0) {
        lsp_forget(s, d);
        doc_close(&s->docs, uri);
    } else if (strcmp(method, "textDocument/didSave") == 0) {
        lsp_analyse(s, d);   /* files it imports may have changed on disk */
    }
}

static void request(LspServer *s, const JVal *id, const char *method, const JVal *params)
{
    if (strcmp(method, "initialize") == 0) {
        if (s->initialized) {
            error(s, id, RPC_INVALID_REQUEST, "initialize was already called");
            return;
        }
        initialize(s, params);
        s->initialized = true;
        JBuf b = {0};
        jb_puts(&b, "{\"capabilities\":");
        lsp_capabilities(s, &b);
        jb_printf(&b, ",\"serverInfo\":{\"name\":\"kam\",\"version\":\"%s\"}}", KAM_VERSION);
        reply(s, id, b.s);
        jb_free(&b);
        return;
    }
    if (!s->initialized) {
        error(s, id, RPC_SERVER_NOT_INITIALIZED, "the server is not initialized yet");
        return;
    }
    if (s->shutdown) {
        error(s, id, RPC_INVALID_REQUEST, "the server is shutting down");
        return;
    }
    if (strcmp(method, "shutdown") == 0) {
        s->shutdown = true;
        reply(s, id, "null");
        return;
    }
    JBuf b = {0};
    if (strncmp(method, "textDocument/", 13) == 0 && !jv_is(params, JSON_OBJECT))
        error(s, id, RPC_INVALID_PARAMS, "params must be an object");
    else if (lsp_feature(s, method, params, &b))
        reply(s, id, b.n ? b.s : "null");
    else {
        char msg[200];
        snprintf(msg, sizeof msg, "unknown method '%.150s'", method);
        error(s, id, RPC_METHOD_NOT_FOUND, msg);
    }
    jb_free(&b);
}

static void notification(LspServer *s, const char *method, const JVal *params)
{
    if (strcmp(method, "exit") == 0) {
        s->done = true;
        s->exit_code = s->shutdown ? 0 : 1;
        return;
    }
    if (!s->initialized || s->shutdown) return;   /* dropped, as the protocol says */
    if (strncmp(method, "textDocument/did", 16) == 0 && jv_is(params, JSON_OBJECT))
        sync(s, method, params);
    /* initialized, $/cancelRequest, $/setTrace, unknown ones: nothing to do */
}

void lsp_handle(LspServer *s, const char *body, size_t n)
{
    char err[200];
    JVal *msg = jv_parse(body, n, err, sizeof err);
    if (!msg) {
        char m[260];
        snprintf(m, sizeof m, "the message is not JSON: %s", err);
        error(s, NULL, RPC_PARSE_ERROR, m);
        return;
    }
    const JVal *id = jv_get(msg, "id");
    bool id_ok = !id || id->kind == JSON_STRING || id->kind == JSON_NUMBER || id->kind == JSON_NULL;
    const char *version = jv_str(jv_get(msg, "jsonrpc"));
    const JVal *method = jv_get(msg, "method");
    const JVal *params = jv_get(msg, "params");
    if (msg->kind == JSON_OBJECT && !method && id && (jv_get(msg, "result") || jv_get(msg, "error"))) {
        jv_free(msg);   /* a response: the server sends no requests, so none is awaited */
        return;
    }
    if (msg->kind != JSON_OBJECT || !version || strcmp(version, "2.0") != 0 || !id_ok ||
        !jv_is(method, JSON_STRING) ||
        (params && params->kind != JSON_OBJECT && params->kind != JSON_ARRAY)) {
        error(s, id_ok ? id : NULL, RPC_INVALID_REQUEST,
              msg->kind != JSON_OBJECT ? "a request must be a JSON object"
              : !version || strcmp(version, "2.0") != 0 ? "\"jsonrpc\" must be \"2.0\""
              : !id_ok ? "\"id\" must be a number, a string or null"
              : !jv_is(method, JSON_STRING) ? "\"method\" must be a string"
                                            : "\"params\" must be an object or an array");
        jv_free(msg);
        return;
    }
    if (id)
        request(s, id, method->str, params);
    else
        notification(s, method->str, params);
    jv_free(msg);
}

/* Reads one header line (without its CR LF) into buf; -1 at the end of the
 * input, -2 if it is too long. */
static int header_line(FILE *in, char *buf, size_t cap)
{
    size_t n = 0;
    int c;
    while ((c = getc(in)) != EOF && c != '\n') {
        if (n + 1 >= cap) return -2;
        buf[n++] = (char)c;
    }
    if (c == EOF) return -1;
    if (n && buf[n - 1] == '\r') n--;
    buf[n] = '\0';
    return (int)n;
}

static bool ieq_prefix(const char *s, const char *p)
{
    for (; *p; s++, p++)
        if ((*s | 0x20) != (*p | 0x20)) return false;
    return true;
}

int lsp_serve(LspServer *s, FILE *in)
{
    char line[1024];
    while (!s->done) {
        long long length = -1;
        bool bad = false;
        int nlines = 0, r;
        char why[300] = "";
        while ((r = header_line(in, line, sizeof line)) > 0) {
            if (++nlines > 32) {
                bad = true;
                snprintf(why, sizeof why, "more than 32 header lines");
                break;
            }
            if (ieq_prefix(line, "content-length:")) {
                const char *p = line + 15;
                while (*p == ' ' || *p == '\t') p++;
                long long v = 0;
                const char *q = p;
                for (; *q >= '0' && *q <= '9'; q++)
                    if (v < (1LL << 50)) v = v * 10 + (*q - '0');
                while (*q == ' ' || *q == '\t') q++;
                if (q == p || *q) {
                    bad = true;
                    snprintf(why, sizeof why, "bad Content-Length header '%.100s'", line);
                } else {
                    length = v;
                }
            } else if (!strchr(line, ':')) {
                bad = true;
                snprintf(why, sizeof why, "a header line without ':': '%.100s'", line);
            }
        }
        if (r == -1 && nlines == 0) break;   /* the input ended between messages */
        if (r == -2) snprintf(why, sizeof why, "a header line longer than %zu bytes", sizeof line);
        else if (r == -1) snprintf(why, sizeof why, "the input ended inside the headers");
        else if (!bad && length < 0) snprintf(why, sizeof why, "no Content-Length header");
        if (why[0]) {
            char m[400];
            snprintf(m, sizeof m, "cannot read the message: %s; the server stops", why);
            error(s, NULL, RPC_PARSE_ERROR, m);
            break;
        }
        if (length > LSP_MAX_MESSAGE) {
            char m[200];
            snprintf(m, sizeof m, "a message of %lld bytes is larger than the %d bytes allowed; "
                     "it was skipped", length, LSP_MAX_MESSAGE);
            error(s, NULL, RPC_INVALID_REQUEST, m);
            char skip[65536];
            while (length > 0) {
                size_t want = length > (long long)sizeof skip ? sizeof skip : (size_t)length;
                size_t got = fread(skip, 1, want, in);
                if (got == 0) break;
                length -= (long long)got;
            }
            if (length > 0) break;
            continue;
        }
        char *body = xmalloc((size_t)length + 1);
        size_t got = length ? fread(body, 1, (size_t)length, in) : 0;
        if (got < (size_t)length) {   /* the input ended inside the body */
            free(body);
            break;
        }
        lsp_handle(s, body, (size_t)length);
        free(body);
    }
    return s->done ? s->exit_code : (s->shutdown ? 0 : 1);
}
