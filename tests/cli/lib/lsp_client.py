"""lsp_client.py — a small Language Server Protocol client for the tests of
`kam lsp` (tests/cli/lsp_*.sh): starts the server as a subprocess, frames
JSON-RPC messages with Content-Length headers, and reads the answers with
a timeout, so a server that hangs fails the test instead of stalling it."""
import json
import os
import select
import subprocess
import sys
import time


class Client:
    def __init__(self, kam, timeout=4.0, args=()):
        self.p = subprocess.Popen([kam, "lsp", *args], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.timeout = timeout
        self.buf = b""
        self.next_id = 0
        self.notes = []   # notifications received, in order

    def raw(self, data):
        self.p.stdin.write(data)
        self.p.stdin.flush()

    def send(self, obj):
        body = json.dumps(obj).encode()
        self.raw(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def _fill(self, deadline):
        left = deadline - time.time()
        if left <= 0:
            raise TimeoutError("no answer from kam lsp")
        r, _, _ = select.select([self.p.stdout], [], [], left)
        if not r:
            raise TimeoutError("no answer from kam lsp")
        chunk = os.read(self.p.stdout.fileno(), 65536)
        if not chunk:
            raise EOFError("kam lsp closed its output")
        self.buf += chunk

    def read(self):
        """The next message the server sends."""
        deadline = time.time() + self.timeout
        while b"\r\n\r\n" not in self.buf:
            self._fill(deadline)
        head, rest = self.buf.split(b"\r\n\r\n", 1)
        length = None
        for line in head.split(b"\r\n"):
            k, v = line.split(b":", 1)
            if k.strip().lower() == b"content-length":
                length = int(v)
        assert length is not None, head
        while len(rest) < length:
            self.buf = head + b"\r\n\r\n" + rest
            self._fill(deadline)
            head, rest = self.buf.split(b"\r\n\r\n", 1)
        self.buf = rest[length:]
        return json.loads(rest[:length])

    def request(self, method, params=None):
        self.next_id += 1
        msg = {"jsonrpc": "2.0", "id": self.next_id, "method": method}
        if params is not None:
            msg["params"] = params
        self.send(msg)
        return self.response(self.next_id)

    def response(self, rid):
        while True:
            m = self.read()
            if "method" in m and "id" not in m:
                self.notes.append(m)
            elif m.get("id") == rid:
                return m

    def notify(self, method, params=None):
        msg = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            msg["params"] = params
        self.send(msg)

    def diagnostics(self, uri):
        """The next diagnostics published for uri."""
        for i, m in enumerate(self.notes):
            if m["method"] == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri:
                del self.notes[i]
                return m["params"]["diagnostics"]
        while True:
            m = self.read()
            if m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri:
                return m["params"]["diagnostics"]
            if "method" in m:
                self.notes.append(m)

    def initialize(self, capabilities=None):
        r = self.request("initialize", {"processId": None, "rootUri": None,
                                        "capabilities": capabilities or {}})
        self.notify("initialized", {})
        return r

    def open(self, uri, text, version=1):
        self.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": "kam", "version": version, "text": text}})

    def close_and_wait(self):
        """Closes the server's input; its exit status."""
        try:
            self.p.stdin.close()
        except BrokenPipeError:
            pass
        return self.p.wait(timeout=self.timeout)

    def finish(self):
        self.request("shutdown")
        self.notify("exit")
        return self.p.wait(timeout=self.timeout)


def check(cond, what):
    if not cond:
        print("FAIL:", what)
        sys.exit(1)
