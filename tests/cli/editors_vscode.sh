#!/bin/sh
# editors_vscode.sh — the VS Code extension (editors/vscode): package.json
# is valid and complete (the .kam language, the grammar and language
# configuration files it names exist, the activation event, the kam.path
# setting, dependencies pinned to what package-lock.json holds);
# extension.js loads outside VS Code and, with a kam.path that does not
# exist, says so and names the setting (tests/editors/extension_smoke.js);
# and `vsce package` builds the .vsix with no network (inside `unshare -n`
# where that works), with the grammar, the client and its runtime
# dependency in it and the tests left out. Tools: `make editors-deps`.
set -u
command -v node >/dev/null || { echo "node not installed (Debian package nodejs)"; exit 77; }
V="$ROOT/editors/vscode"
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
failed=0
node - "$V" <<'JS' || failed=1
const fs = require('fs'), path = require('path');
const dir = process.argv[2];
let bad = 0;
const need = (ok, what) => { if (!ok) { console.log('package.json: ' + what); bad = 1; } };
const read = (f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
let p;
try { p = read('package.json'); } catch (e) { console.log('package.json: ' + e.message); process.exit(1); }
const langs = (p.contributes && p.contributes.languages) || [];
const kam = langs.find((l) => l.id === 'kam');
need(kam && (kam.extensions || []).includes('.kam'), 'no language "kam" with the extension .kam');
need(kam && kam.configuration && fs.existsSync(path.join(dir, kam.configuration)), 'the language configuration file is missing');
if (kam && kam.configuration) {
  try {
    const c = read(kam.configuration);
    need(c.comments && c.comments.lineComment === '#', 'language configuration: the line comment is not #');
    for (const k of ['increaseIndentPattern', 'decreaseIndentPattern']) new RegExp(c.indentationRules[k]);
    new RegExp(c.wordPattern);
  } catch (e) { need(false, 'language configuration: ' + e.message); }
}
const gr = ((p.contributes && p.contributes.grammars) || []).find((g) => g.language === 'kam');
need(gr && gr.scopeName === 'source.kam', 'no grammar for kam with the scope source.kam');
need(gr && fs.existsSync(path.join(dir, gr.path)), 'the grammar file is missing');
if (gr) {
  try { need(read(gr.path).scopeName === 'source.kam', 'the grammar file\'s scopeName is not source.kam'); }
  catch (e) { need(false, gr.path + ': ' + e.message); }
}
need((p.activationEvents || []).includes('onLanguage:kam'), 'activationEvents lacks onLanguage:kam');
need(p.main && fs.existsSync(path.join(dir, p.main)), 'main names no file');
need(p.engines && p.engines.vscode, 'engines.vscode is missing');
const props = (p.contributes && p.contributes.configuration && p.contributes.configuration.properties) || {};
need(props['kam.path'] && props['kam.path'].default === 'kam', 'the setting kam.path (default "kam") is missing');
const cmds = ((p.contributes && p.contributes.commands) || []).map((c) => c.command);
need(cmds.includes('kam.restartServer'), 'the command kam.restartServer is missing');
let lock = null;
try { lock = read('package-lock.json'); } catch (e) { need(false, 'package-lock.json: ' + e.message); }
for (const sect of ['dependencies', 'devDependencies']) {
  for (const [name, want] of Object.entries(p[sect] || {})) {
    need(/^\d+\.\d+\.\d+$/.test(want), sect + ': ' + name + ' is not pinned to one version (' + want + ')');
    const got = lock && lock.packages && lock.packages['node_modules/' + name];
    need(got && got.version === want, 'package-lock.json has ' + name + ' ' + (got && got.version) + ', package.json ' + want);
  }
}
need(Object.keys(p.dependencies || {}).join() === 'vscode-languageclient', 'runtime dependencies other than vscode-languageclient: ' + Object.keys(p.dependencies || {}));
process.exit(bad);
JS
[ -d "$V/node_modules/vscode-languageclient" ] || {
    [ "$failed" -eq 0 ] || exit 1
    echo "editors/vscode/node_modules is not installed (make editors-deps: npm ci in editors/vscode)"
    exit 77
}
node "$ROOT/tests/editors/extension_smoke.js" "$V" >"$t/smoke" 2>&1 ||
    { echo "extension.js smoke test:"; cat "$t/smoke"; failed=1; }
vsce="$V/node_modules/.bin/vsce"
[ -x "$vsce" ] || vsce=$(command -v vsce || true)
if [ -z "$vsce" ]; then
    [ "$failed" -eq 0 ] || exit 1
    echo "vsce not installed (make editors-deps)"
    exit 77
fi
# no network while packaging, where a network namespace can be made (root)
offline=""
unshare -n true 2>/dev/null && offline="unshare -n"
(cd "$V" && $offline "$vsce" package --skip-license --allow-missing-repository -o "$t/kam.vsix" </dev/null) >"$t/out" 2>&1 ||
    { echo "vsce package failed${offline:+ (offline)}:"; tail -30 "$t/out"; exit 1; }
python3 - "$t/kam.vsix" <<'PY' || failed=1
import sys, zipfile
names = set(zipfile.ZipFile(sys.argv[1]).namelist())
bad = 0
for want in ("extension/package.json", "extension/extension.js", "extension/language-configuration.json",
             "extension/syntaxes/kam.tmLanguage.json", "extension/node_modules/vscode-languageclient/node.js",
             "extension/readme.md"):
    if want not in names:
        print("the .vsix lacks " + want); bad = 1
for n in names:
    if n.startswith("extension/test/") or "/@vscode/vsce" in n or "vscode-tmgrammar-test" in n:
        print("the .vsix holds what it should not: " + n); bad = 1; break
sys.exit(bad)
PY
exit $failed
