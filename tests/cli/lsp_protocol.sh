#!/bin/sh
# lsp_protocol.sh — `kam lsp` facing malformed or unexpected JSON-RPC: each
# case gets the right error response or a clean exit, never a crash or a
# hang (every read has a timeout): bad JSON (-32700, id null), an invalid
# request (-32600), an unknown method (-32601), an unknown notification
# (ignored), a request before initialize (-32002), a huge Content-Length
# (refused unread), a bad header, the input ending mid-message, and the
# exit status with and without shutdown.
set -u
command -v python3 >/dev/null || { echo "python3 is not installed"; exit 77; }
exec python3 - "$KAM" "$ROOT" <<'PY'
import os, sys
sys.path.insert(0, os.path.join(sys.argv[2], "tests/cli/lib"))
from lsp_client import Client, check
kam = sys.argv[1]

def frame(body):
    return b"Content-Length: %d\r\n\r\n" % len(body) + body

c = Client(kam)
r = c.request("textDocument/hover", {})
check(r["error"]["code"] == -32002, ("before initialize", r))
c.initialize()
c.raw(frame(b'{"jsonrpc":"2.0","id":1,"method":'))
r = c.read()
check(r["id"] is None and r["error"]["code"] == -32700, ("bad JSON", r))
c.raw(frame(b'[1,2]'))
r = c.read()
check(r["id"] is None and r["error"]["code"] == -32600, ("not an object", r))
c.raw(frame(b'{"jsonrpc":"1.0","id":7,"method":"x"}'))
r = c.read()
check(r["id"] == 7 and r["error"]["code"] == -32600, ("wrong version", r))
c.raw(frame(b'{"jsonrpc":"2.0","id":{"a":1},"method":"x"}'))
r = c.read()
check(r["id"] is None and r["error"]["code"] == -32600, ("object id", r))
c.notify("no/suchNotification", {})
r = c.request("no/such", {})
check(r["error"]["code"] == -32601, ("unknown method", r))
c.raw(frame(b'{"jsonrpc":"2.0","id":9,"method":"textDocument/hover","params":[]}'))
r = c.read()
check(r["id"] == 9 and r["error"]["code"] == -32602, ("params an array", r))
r = c.request("textDocument/hover", {"textDocument": {"uri": "file:///nowhere.kam"},
                                     "position": {"line": 0, "character": 0}})
check(r["result"] is None, ("hover on a document not open", r))
# a deep JSON text: refused, not a stack overflow
c.raw(frame(b"[" * 100000 + b"]" * 100000))
r = c.read()
check(r["error"]["code"] == -32700, ("deep JSON", r))
# huge length: refused without reading gigabytes; the server goes on
c.raw(b"Content-Length: 99999999999999\r\n\r\n")
r = c.read()
check(r["id"] is None and r["error"]["code"] == -32600 and "larger" in r["error"]["message"], r)
check(c.close_and_wait() == 1, "EOF without shutdown: exit 1")

c = Client(kam)
c.initialize()
c.raw(b"Content-Type: x\r\nnonsense\r\n\r\n")
r = c.read()
check(r["error"]["code"] == -32700 and "header" in r["error"]["message"], ("bad header", r))
check(c.p.wait(timeout=4) == 1, "bad header: exit 1")

c = Client(kam)
c.initialize()
c.raw(b"Content-Length: 50\r\n\r\n{\"jsonrpc\"")
check(c.close_and_wait() == 1, "EOF mid-message: exit 1")

c = Client(kam)
c.initialize()
c.notify("exit")
check(c.p.wait(timeout=4) == 1, "exit without shutdown: 1")

c = Client(kam)
c.initialize()
check(c.request("shutdown")["result"] is None, "shutdown")
r = c.request("textDocument/hover", {})
check(r["error"]["code"] == -32600, ("request after shutdown", r))
c.notify("exit")
check(c.p.wait(timeout=4) == 0, "exit after shutdown: 0")
PY
