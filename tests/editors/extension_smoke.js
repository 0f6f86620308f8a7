// extension_smoke.js — loads editors/vscode/extension.js outside VS Code,
// with a stand-in for the `vscode` module, and checks what needs no editor:
// findProgram's PATH look-up, and that activate() with a `kam.path` that
// does not exist shows an error naming the setting instead of starting a
// server. Run by tests/cli/editors_vscode.sh: node extension_smoke.js DIR.
'use strict';
const Module = require('module');
const path = require('path');
const ext = path.resolve(process.argv[2]);
let shown = [];
let setting = '/nonexistent/kam';
const fake = {
  workspace: {
    getConfiguration: () => ({ get: () => setting }),
    onDidChangeConfiguration: () => ({ dispose() {} }),
    createFileSystemWatcher: () => ({ dispose() {} }),
  },
  window: {
    createOutputChannel: () => ({ appendLine() {}, show() {}, dispose() {} }),
    showErrorMessage: (msg) => { shown.push(msg); return Promise.resolve(undefined); },
  },
  commands: { registerCommand: () => ({ dispose() {} }), executeCommand() {} },
};
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === 'vscode') return 'vscode';
  return resolve.call(this, request, ...rest);
};
// what vscode-languageclient touches while it loads (classes it extends,
// enums it reads): anything not given above is a class that is also a
// namespace of more of the same
const anything = () => new Proxy(class {}, {
  get: (target, key) => (key in target ? target[key] : anything()),
});
const api = new Proxy(fake, { get: (target, key) => (key in target ? target[key] : anything()) });
require.cache.vscode = { id: 'vscode', filename: 'vscode', loaded: true, exports: api };
let failed = 0;
const check = (ok, what) => { console.log((ok ? 'ok   ' : 'FAIL ') + what); if (!ok) failed = 1; };
(async () => {
  const m = require(path.join(ext, 'extension.js'));
  check(m.findProgram('sh') !== null, 'findProgram finds sh on PATH');
  check(m.findProgram('no-such-program-kam') === null, 'findProgram: a missing name is null');
  check(m.findProgram('/bin/sh') === '/bin/sh', 'findProgram: a path is used as it is');
  const plain = path.join(require('os').tmpdir(), 'kam-smoke-' + process.pid);
  require('fs').writeFileSync(plain, 'not a program\n', { mode: 0o644 });
  check(m.findProgram(plain) === null, 'findProgram: a file that cannot run is null');
  require('fs').unlinkSync(plain);
  const ctx = { subscriptions: [] };
  await m.activate(ctx);
  check(shown.length === 1 && /cannot find the kam program/.test(shown[0]) &&
        /kam\.path/.test(shown[0]) && shown[0].includes('/nonexistent/kam'),
        'activate with a missing kam.path says so and names the setting: ' + JSON.stringify(shown));
  shown = [];
  setting = 'no-such-program-kam';
  await m.activate({ subscriptions: [] });
  check(shown.length === 1 && /is not on PATH/.test(shown[0]), 'a bare name not on PATH: ' + JSON.stringify(shown));
  process.exit(failed);
})().catch((e) => { console.log('FAIL ' + (e && e.stack || e)); process.exit(1); });
