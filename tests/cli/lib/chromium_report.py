#!/usr/bin/env python3
"""chromium_report.py - loads a kam report in headless Chromium and checks it
as a reader's browser would see it (used by tests/cli/report_chromium.sh).

  chromium_report.py CHROMIUM REPORT.html SUMMARY.json KEYS_SUMMARY.json WORKDIR

Talks to Chromium over its DevTools protocol on --remote-debugging-pipe (the
browser reads NUL-terminated JSON commands on fd 3 and writes on fd 4); the
standard library only. Checks:
  (a) no console message, exception or log entry at warning or error level,
      and no request other than the report file itself (the page is opened
      with the network emulated offline);
  (b) the screenshot is not blank: the PNG is decoded here (zlib, filters
      undone) and must show several colours over a good part of the page;
  (c) every figure of `kam run --summary --format json` (SUMMARY.json) is on
      the page: an element with data-k = its JSON path, whose data-v and
      written text both equal it (a text in % as its ratio, as the JSON
      writes a percent term: 12% is 0.12); every description ("desc") is
      in the page's text; and the headline's derived figures
      (revenue total, accounts moving stage, key accounts and the revenue
      they carry: KEYS_SUMMARY.json is the summary of the key accounts).
Prints what is wrong and exits 1; exits 0 when all hold.
"""
import base64
import fcntl
import json
import os
import select
import signal
import struct
import subprocess
import sys
import time
import zlib

TIMEOUT = 90


def fail(msgs):
    for m in msgs:
        print("report_chromium: " + m, file=sys.stderr)
    sys.exit(1)


class Browser:
    def __init__(self, chromium, workdir):
        a_r, a_w = os.pipe()        # we write commands, the browser reads (fd 3)
        b_r, b_w = os.pipe()        # the browser writes (fd 4), we read
        # out of the way of 3 and 4, so the child's dup2 cannot be a no-op
        fds = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10) for fd in (a_r, a_w, b_r, b_w)]
        for fd in (a_r, a_w, b_r, b_w):
            os.close(fd)
        a_r, a_w, b_r, b_w = fds

        def child():
            os.dup2(a_r, 3)
            os.dup2(b_w, 4)

        args = [chromium, "--headless", "--no-sandbox", "--disable-gpu",
                "--remote-debugging-pipe", "--user-data-dir=" + os.path.join(workdir, "profile"),
                "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-extensions",
                "--disable-default-apps", "--mute-audio", "--window-size=1200,2000",
                "about:blank"]
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=open(os.path.join(workdir, "chromium.log"), "wb"),
                                     preexec_fn=child, close_fds=False)
        os.close(a_r)
        os.close(b_w)
        self.w, self.r = a_w, b_r
        self.buf = b""
        self.next_id = 0
        self.events = []

    def close(self):
        try:
            self.send("Browser.close", {}, wait=False)
        except OSError:
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def _read_message(self, deadline):
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no answer from Chromium in time")
            ready, _, _ = select.select([self.r], [], [], left)
            if not ready:
                continue
            chunk = os.read(self.r, 1 << 20)
            if not chunk:
                raise EOFError("Chromium closed the pipe (see chromium.log)")
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def send(self, method, params, session=None, wait=True, timeout=30):
        self.next_id += 1
        mid = self.next_id
        msg = {"id": mid, "method": method, "params": params}
        if session:
            msg["sessionId"] = session
        os.write(self.w, json.dumps(msg).encode() + b"\0")
        if not wait:
            return None
        deadline = time.monotonic() + timeout
        while True:
            m = self._read_message(deadline)
            if m.get("id") == mid:
                if "error" in m:
                    raise RuntimeError("%s: %s" % (method, m["error"]))
                return m.get("result", {})
            self.events.append(m)

    def wait_event(self, method, timeout=30):
        for i, e in enumerate(self.events):
            if e.get("method") == method:
                return self.events.pop(i)
        deadline = time.monotonic() + timeout
        while True:
            m = self._read_message(deadline)
            if m.get("method") == method:
                return m
            self.events.append(m)

    def drain(self, seconds):
        deadline = time.monotonic() + seconds
        try:
            while True:
                self.events.append(self._read_message(deadline))
        except TimeoutError:
            pass


def png_pixels(data):
    """(width, height, rows of bytes, bytes per pixel) of an 8-bit RGB(A) PNG."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, width = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            width, height, depth, ctype = struct.unpack(">IIBB", body[:10])
            if depth != 8 or ctype not in (2, 6):
                raise ValueError("PNG colour type %d depth %d not handled" % (ctype, depth))
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + b) & 255
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[x] = (line[x] + pred) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, rows, bpp


def number_of(text):
    """A figure's written text as a number: 1,234.50; 12% is 0.12 (a term's
    percent, as the JSON has it)."""
    t = text.strip().replace(",", "").replace("\u2212", "-")
    if t.endswith("%"):
        return float(t[:-1]) / 100
    return float(t)


def main():
    chromium, html, summary_path, keys_path, workdir = sys.argv[1:6]
    signal.alarm(TIMEOUT)       # never hang the suite
    summary = json.load(open(summary_path))
    keys = json.load(open(keys_path))
    url = "file://" + os.path.abspath(html)
    problems = []
    b = Browser(chromium, workdir)
    try:
        tgt = b.send("Target.createTarget", {"url": "about:blank"})
        sess = b.send("Target.attachToTarget", {"targetId": tgt["targetId"], "flatten": True})["sessionId"]
        for dom in ("Runtime", "Log", "Network", "Page"):
            b.send(dom + ".enable", {}, sess)
        b.send("Network.emulateNetworkConditions", {"offline": True, "latency": 0,
                                                    "downloadThroughput": -1, "uploadThroughput": -1}, sess)
        b.events = [e for e in b.events if e.get("sessionId") != sess]    # about:blank's own
        b.send("Page.navigate", {"url": url}, sess)
        b.wait_event("Page.loadEventFired")
        b.drain(1.0)        # late messages
        res = b.send("Runtime.evaluate", {"returnByValue": True, "expression":
                     "JSON.stringify(Array.from(document.querySelectorAll('[data-k]'))"
                     ".map(e => [e.getAttribute('data-k'), e.getAttribute('data-v'), e.textContent]))"}, sess)
        figures = json.loads(res["result"]["value"])
        res = b.send("Runtime.evaluate", {"returnByValue": True, "expression": "document.body.innerText"}, sess)
        page_text = res["result"]["value"]
        shot = base64.b64decode(b.send("Page.captureScreenshot", {"format": "png"}, sess)["data"])
        b.drain(0.3)
    finally:
        b.close()
    open(os.path.join(workdir, "screenshot.png"), "wb").write(shot)

    # (a) quiet console, no request but the file itself
    for e in b.events:
        m, p = e.get("method"), e.get("params", {})
        if m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "warning", "assert"):
            problems.append("console %s: %s" % (p.get("type"), json.dumps(p.get("args"))[:300]))
        elif m == "Runtime.exceptionThrown":
            problems.append("exception: %s" % json.dumps(p.get("exceptionDetails"))[:300])
        elif m == "Log.entryAdded" and p.get("entry", {}).get("level") in ("error", "warning"):
            problems.append("log %s: %s" % (p["entry"]["level"], p["entry"].get("text", "")[:300]))
        elif m == "Network.requestWillBeSent":
            req = p.get("request", {}).get("url", "")
            if req != url:
                problems.append("a request for something else than the report: %s" % req[:300])

    # (b) not blank
    w, h, rows, bpp = png_pixels(shot)
    colours, inked, seen = set(), 0, 0
    bg = rows[0][0:3]
    for y in range(0, h, 4):
        row = rows[y]
        for x in range(0, w * bpp, 4 * bpp):
            px = row[x:x + 3]
            colours.add(px)
            seen += 1
            inked += px != bg
    if len(colours) < 8 or inked < seen // 50:
        problems.append("the screenshot looks blank: %d colours, %d of %d sampled pixels not background"
                        % (len(colours), inked, seen))

    # (c) the figures
    page = {}
    for k, v, text in figures:
        if k in page:
            problems.append("data-k %s appears twice" % k)
        page[k] = (v, text)

    def expect(key, want):
        if key not in page:
            problems.append("no figure %s on the page (want %s)" % (key, want))
            return
        v, text = page[key]
        try:
            got_v, got_t = float(v), number_of(text)
        except (TypeError, ValueError):
            problems.append("figure %s: data-v %r, text %r: not numbers" % (key, v, text))
            return
        pct = text.strip().endswith("%")
        if abs(got_v - want) > 0.005 or abs(got_t - (want if pct else round(want, 2))) > (0.0001 if pct else 0.005):
            problems.append("figure %s: page says %s (data-v %s), kam run --summary %s" % (key, text, v, want))

    def walk(node, path):
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, path + [k])
        elif isinstance(node, (int, float)) and not isinstance(node, bool):
            expect(".".join(path), float(node))

    # the numbers are figures; the descriptions ("desc": text, not figures)
    # are read on the page as written
    for k, v in summary.items():
        if k not in ("revenue_field", "desc"):
            walk(v, [k])
    for name, text in summary.get("desc", {}).items():
        if " ".join(text.split()) not in " ".join(page_text.split()):
            problems.append("the description of %s (%r) is not on the page" % (name, text))
    revf = summary.get("revenue_field")
    if revf:
        total = sum(m[revf] for t in list(summary["tiers"].values())[:1] for m in t.values())
        expect("revenue_total", total)
        key_rev = sum(m[revf] for t in list(keys["tiers"].values())[:1] for m in t.values())
        expect("key_revenue", key_rev)
    moving = sum(c for s in summary["stages"].values() for to, m in s.items()
                 for frm, c in m["from"].items() if frm != to)
    if summary["stages"]:
        expect("moving", moving)
    first_select = next(iter(summary["selects"]), None)
    if first_select:
        expect("key_accounts", summary["selects"][first_select])
        if keys["records"] != summary["selects"][first_select]:
            problems.append("the key accounts' own summary counts %d, not %d"
                            % (keys["records"], summary["selects"][first_select]))
    if problems:
        fail(problems)
    print("report_chromium: %d figures agree, %d colours, page quiet" % (len(page), len(colours)))


if __name__ == "__main__":
    main()
