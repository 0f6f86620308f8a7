#!/bin/sh
# editors_grammar.sh — the editors' colours agree with the language:
# editors/generate.py --check (the VS Code grammar and the Vim keyword lists
# are what lang/keywords.def and stdlib/registry.c give today); every word
# of keywords.def has its place in the grammar (reserved words in the
# keyword rules, each contextual one in its own rule); the grammar samples
# are real kam (declarations.kam, which uses `output`, `per`, `key`,
# `ordered` as names, checks clean; literals.kam gives the errors it is
# about); and vscode-tmgrammar-test passes on the samples' assertions and
# fails on a wrong one. The npm tool comes from `make editors-deps`.
set -u
command -v python3 >/dev/null || { echo "python3 not installed"; exit 77; }
V="$ROOT/editors/vscode"
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
failed=0
python3 "$ROOT/editors/generate.py" --check || failed=1
python3 - "$ROOT" <<'PY' || failed=1
import json, re, sys
root = sys.argv[1]
words = re.findall(r"^KEYWORD\((\w+),\s*\w+,\s*(\w+)\)", open(root + "/lang/keywords.def").read(), re.M)
g = json.load(open(root + "/editors/vscode/syntaxes/kam.tmLanguage.json"))
repo = g["repository"]
def words_in(rx):
    return set(re.findall(r"[a-z_]+", re.sub(r"\\[A-Za-z]", " ", rx)))
kw = set()
for p in repo["keyword"]["patterns"]:
    kw |= words_in(p["match"])
where = {"KW_TOP": repo["top-word"]["match"], "KW_PER": repo["per"]["match"],
         "KW_ENUM": repo["enum"]["begin"],
         "KW_KEY": " ".join(p.get("match", "") for p in repo["record"]["patterns"]),
         "KW_STAGES": " ".join(p.get("match", "") for p in repo["stages"]["patterns"])}
bad = 0
for w, cls in words:
    if cls in ("KW_DEFINE", "KW_RESERVED"):
        ok = w in kw
    else:
        ok = w in words_in(where[cls]) and w not in kw
    if not ok:
        print("grammar: '%s' (%s) is not where keywords.def says it belongs" % (w, cls)); bad = 1
extra = kw - {w for w, c in words if c in ("KW_DEFINE", "KW_RESERVED")}
if extra:
    print("grammar: keyword rules list words keywords.def does not reserve: %s" % sorted(extra)); bad = 1
sys.exit(bad)
PY
"$KAM" check "$V/test/declarations.kam" >"$t/out" 2>&1 ||
    { echo "editors/vscode/test/declarations.kam does not check clean:"; head -20 "$t/out"; failed=1; }
"$KAM" check "$V/test/literals.kam" >"$t/out" 2>&1
rc=$?
[ "$rc" -eq 1 ] && grep -q 'bad-literal' "$t/out" && grep -q 'unterminated-string' "$t/out" ||
    { echo "editors/vscode/test/literals.kam: exit $rc, want 1 with bad-literal and unterminated-string:"; head -20 "$t/out"; failed=1; }
tool="$V/node_modules/.bin/vscode-tmgrammar-test"
[ -x "$tool" ] || tool=$(command -v vscode-tmgrammar-test || true)
if ! command -v node >/dev/null || [ -z "$tool" ]; then
    [ "$failed" -eq 0 ] || exit 1
    echo "vscode-tmgrammar-test not installed (make editors-deps: npm ci in editors/vscode)"
    exit 77
fi
(cd "$V" && "$tool" -g syntaxes/kam.tmLanguage.json 'test/*.kam') >"$t/out" 2>&1 ||
    { echo "vscode-tmgrammar-test failed:"; head -60 "$t/out"; failed=1; }
# a wrong assertion fails: the tool really compares
printf '# SYNTAX TEST "source.kam" "a wrong assertion"\nlet x = output\n#       ^^^^^^ keyword.declaration.kam\n' >"$t/wrong.kam"
if (cd "$V" && "$tool" -g syntaxes/kam.tmLanguage.json "$t/wrong.kam") >"$t/out" 2>&1; then
    echo "vscode-tmgrammar-test passed a wrong assertion:"; cat "$t/out"; failed=1
fi
exit $failed
