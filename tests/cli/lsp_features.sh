#!/bin/sh
# lsp_features.sh — `kam lsp` in a scripted session (tests/cli/lib/
# lsp_client.py): capabilities; diagnostics with UTF-16 (and, when offered,
# UTF-8) ranges past non-ASCII text, and an imported file's; an incremental
# change that fixes one; hover; definition and references across an
# import; completion of enum members and keywords; formatting; the quick
# fix from a "did you mean"; the outline; shutdown and exit 0.
set -u
command -v python3 >/dev/null || { echo "python3 is not installed"; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/lib.kam" <<'KAM'
param floor "Revenue floor" = 100k
let bad_lib = nosuch + 1
KAM
export TMPD="$tmp"
exec python3 - "$KAM" "$ROOT" <<'PY'
import os, subprocess, sys
sys.path.insert(0, os.path.join(sys.argv[2], "tests/cli/lib"))
from lsp_client import Client, check

kam, tmp = sys.argv[1], os.environ["TMPD"]
main = os.path.join(tmp, "main.kam")
uri, lib_uri = "file://" + main, "file://" + os.path.join(tmp, "lib.kam")
text = ('import "lib.kam"\n'
        'record account {\n'
        '  id: string key\n'
        '  segment: enum { enterprise, mid_market, smb }\n'
        '  revenue: money\n'
        '}\n'
        'select big "Big account" when revenue >= floor\n'
        'flag f "M\u00fcller \U0001F600 says" when segmnt == smb\n'
        'let x = revenu * 2\n')
open(main, "w").write(text)

c = Client(kam)
caps = c.initialize({"textDocument": {"completion": {"completionItem": {"snippetSupport": True}}}})
caps = caps["result"]["capabilities"]
check(caps["positionEncoding"] == "utf-16", caps)
check(caps["textDocumentSync"]["change"] == 2, caps)
for k in ("hoverProvider", "definitionProvider", "referencesProvider", "documentFormattingProvider",
          "documentSymbolProvider", "codeActionProvider", "completionProvider"):
    check(k in caps, "capability " + k)

c.open(uri, text)
diags = c.diagnostics(uri)
codes = sorted(d["code"] for d in diags)
check(codes == ["unknown-name"] * 3, diags)
line7 = text.split("\n")[7]
col16 = len(line7[:line7.index("segmnt")].encode("utf-16-le")) // 2
d = next(d for d in diags if d["range"]["start"]["line"] == 7 and "segmnt" in d["message"])
check(d["range"] == {"start": {"line": 7, "character": col16},
                     "end": {"line": 7, "character": col16 + 6}}, ("utf-16 range", d, col16))
check(d["severity"] == 1 and d["source"] == "kam" and "segment" in d["message"], d)
libd = c.diagnostics(lib_uri)
check([x["code"] for x in libd] == ["unknown-name"] and libd[0]["range"]["start"]["line"] == 1,
      ("imported file's diagnostics", libd))

# quick fix for segmnt
r = c.request("textDocument/codeAction", {"textDocument": {"uri": uri}, "range": d["range"],
                                          "context": {"diagnostics": [d]}})["result"]
check(len(r) == 1 and r[0]["isPreferred"] and r[0]["kind"] == "quickfix", r)
edit = r[0]["edit"]["changes"][uri][0]
check(edit["newText"] == "segment" and edit["range"] == d["range"], edit)

# incremental change: segmnt -> segment
c.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [
    {"range": {"start": {"line": 7, "character": col16 + 4}, "end": {"line": 7, "character": col16 + 4}},
     "text": "e"}]})
diags = c.diagnostics(uri)
check(len(diags) == 1 and diags[0]["range"]["start"]["line"] == 8, ("after the fix", diags))

# hover on floor (imported param): kind, type, description, value
line6 = text.split("\n")[6]
pos = {"line": 6, "character": line6.index("floor") + 2}
h = c.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": pos})["result"]
v = h["contents"]["value"]
check("param" in v and "number" in v and "Revenue floor" in v and "100k" in v, v)
h = c.request("textDocument/hover", {"textDocument": {"uri": uri},
              "position": {"line": 6, "character": 8}})["result"]
check("Big account" in h["contents"]["value"] and "select" in h["contents"]["value"], h)

# definition across the import; references
dfn = c.request("textDocument/definition", {"textDocument": {"uri": uri}, "position": pos})["result"]
check(dfn["uri"] == lib_uri and dfn["range"]["start"] == {"line": 0, "character": 6}, dfn)
refs = c.request("textDocument/references", {"textDocument": {"uri": uri}, "position": pos,
                 "context": {"includeDeclaration": True}})["result"]
check(sorted(r["uri"] for r in refs) == sorted([lib_uri, uri]), refs)

# completion after `segment == ` gives the members
c.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 3}, "contentChanges": [
    {"text": text.replace("segmnt == smb", "segment == ")}]})
c.diagnostics(uri)
line7 = text.replace("segmnt == smb", "segment == ").split("\n")[7]
items = c.request("textDocument/completion", {"textDocument": {"uri": uri},
                  "position": {"line": 7, "character": len(line7.encode("utf-16-le")) // 2}})
labels = [i["label"] for i in items["result"]["items"]]
check(labels == ["enterprise", "mid_market", "smb"], labels)
# at a line start outside blocks: keywords and snippets
items = c.request("textDocument/completion", {"textDocument": {"uri": uri},
                  "position": {"line": 9, "character": 0}})["result"]["items"]
labels = [i["label"] for i in items]
check("score" in labels and "tier block" in labels, labels)
check(any(i.get("insertTextFormat") == 2 for i in items), "snippets")
# in an expression: names and functions
items = c.request("textDocument/completion", {"textDocument": {"uri": uri},
                  "position": {"line": 6, "character": len(line6)}})["result"]["items"]
labels = [i["label"] for i in items]
check("revenue" in labels and "floor" in labels and "months_since" in labels, labels)

# formatting: a clean, badly laid out file gets one edit; a formatted one none
ugly = 'record account {\n  id: string key\n     n:int\n}\n'
u2 = "file://" + os.path.join(tmp, "ugly.kam")
c.open(u2, ugly)
c.diagnostics(u2)
e = c.request("textDocument/formatting", {"textDocument": {"uri": u2},
              "options": {"tabSize": 2, "insertSpaces": True}})["result"]
with open(os.path.join(tmp, "ugly.kam"), "w") as f:
    f.write(ugly)
want = subprocess.run([kam, "fmt", os.path.join(tmp, "ugly.kam")], capture_output=True, text=True).stdout
check(len(e) == 1 and e[0]["newText"] == want and want != ugly, (e, want))
c.notify("textDocument/didChange", {"textDocument": {"uri": u2, "version": 2},
         "contentChanges": [{"text": e[0]["newText"]}]})
c.diagnostics(u2)
e = c.request("textDocument/formatting", {"textDocument": {"uri": u2}, "options": {}})["result"]
check(e == [], ("formatted already", e))

# outline
syms = c.request("textDocument/documentSymbol", {"textDocument": {"uri": uri}})["result"]
rec = next(s for s in syms if s["name"] == "account")
check([k["name"] for k in rec["children"]] == ["id", "segment", "revenue"], rec)
check(any(s["name"] == "big" for s in syms), syms)

# a duplicate points at the first definition (relatedInformation)
u3 = "file://" + os.path.join(tmp, "dup.kam")
c.open(u3, 'record account {\n  id: string key\n  n: int\n}\nlet big = n > 1\nlet big = n > 2\n')
dd = c.diagnostics(u3)
check([x["code"] for x in dd] == ["duplicate-definition"], dd)
rel = dd[0].get("relatedInformation", [])
check(len(rel) == 1 and rel[0]["location"]["uri"] == u3
      and rel[0]["location"]["range"]["start"] == {"line": 4, "character": 4}
      and "first defined" in rel[0]["message"], ("related information", dd))

check(c.finish() == 0, "exit status after shutdown")

# UTF-8 positions when the client offers them
c = Client(kam)
caps = c.initialize({"general": {"positionEncodings": ["utf-8", "utf-16"]}})["result"]["capabilities"]
check(caps["positionEncoding"] == "utf-8", caps)
c.open(uri, text)
d = next(d for d in c.diagnostics(uri) if d["range"]["start"]["line"] == 7)
line7 = text.split("\n")[7]
check(d["range"]["start"]["character"] == len(line7[:line7.index("segmnt")].encode()), d)
check(c.finish() == 0, "exit status")
PY
