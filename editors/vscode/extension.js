// extension.js — the VS Code client for kam: starts `kam lsp` (the language
// server, over stdio) for .kam files and restarts it when `kam.path`
// changes or on the "kam: Restart the language server" command. Colours come
// from syntaxes/kam.tmLanguage.json, not from here; everything else
// (diagnostics, quick fixes, formatting, hover, definitions, references,
// completion, the outline) is the server's. When the program cannot be
// found or does not start, it says so and offers the setting.
'use strict';

const fs = require('fs');
const path = require('path');
const vscode = require('vscode');
const { LanguageClient, TransportKind } = require('vscode-languageclient/node');

let client = null;
let output = null;

// The program named by `kam.path`: a path is used as it is (a leading ~
// expanded); a bare name is looked up on PATH, as a shell would. Returns
// the file, or null when there is none to run.
function findProgram(name) {
  if (name.startsWith('~/') && process.env.HOME) name = path.join(process.env.HOME, name.slice(2));
  const exts = process.platform === 'win32'
    ? ['', ...(process.env.PATHEXT || '.EXE;.CMD;.BAT;.COM').split(';')]
    : [''];
  const runnable = (file) => {
    try {
      const st = fs.statSync(file);
      if (!st.isFile()) return false;
      if (process.platform !== 'win32') fs.accessSync(file, fs.constants.X_OK);
      return true;
    } catch (err) {
      return false;
    }
  };
  const candidates = (base) => exts.map((e) => base + e);
  if (name.includes('/') || name.includes(path.sep)) {
    return candidates(name).find(runnable) || null;
  }
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    if (!dir) continue;
    const hit = candidates(path.join(dir, name)).find(runnable);
    if (hit) return hit;
  }
  return null;
}

function configuredPath() {
  const value = vscode.workspace.getConfiguration('kam').get('path');
  return (typeof value === 'string' && value.trim()) || 'kam';
}

async function offerSettings(message) {
  const choice = await vscode.window.showErrorMessage(message, 'Open Settings', 'Show Log');
  if (choice === 'Open Settings') {
    vscode.commands.executeCommand('workbench.action.openSettings', 'kam.path');
  } else if (choice === 'Show Log') {
    output.show(true);
  }
}

async function start() {
  const wanted = configuredPath();
  const program = findProgram(wanted);
  if (!program) {
    const where = wanted.includes('/') || wanted.includes(path.sep)
      ? `"${wanted}" is not an executable file`
      : `"${wanted}" is not on PATH`;
    output.appendLine(`kam: cannot start the language server: ${where}.`);
    offerSettings(`kam: cannot find the kam program (${where}). Install kam ` +
      '(make install), or set "kam.path" to the kam binary. Colouring works without it; ' +
      'diagnostics, hover and the rest need `kam lsp`.');
    return;
  }
  const run = { command: program, args: ['lsp'], transport: TransportKind.stdio };
  const serverOptions = { run, debug: run };
  const clientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'kam' },
      { scheme: 'untitled', language: 'kam' },
    ],
    synchronize: {
      // an imported file that changes on disk changes its importers' diagnostics
      fileEvents: vscode.workspace.createFileSystemWatcher('**/*.kam'),
    },
    outputChannel: output,
  };
  // the id "kam" makes the client read the `kam.trace.server` setting
  client = new LanguageClient('kam', 'kam language server', serverOptions, clientOptions);
  try {
    await client.start();
  } catch (err) {
    const why = err && err.message ? err.message : String(err);
    output.appendLine(`kam: \`${program} lsp\` did not start: ${why}`);
    client = null;
    offerSettings(`kam: \`${program} lsp\` did not start (${why}). A kam without the ` +
      '`lsp` command is too old: update it, or point "kam.path" at a newer one.');
  }
}

async function stop() {
  if (!client) return;
  const old = client;
  client = null;
  try {
    await old.stop();
  } catch (err) {
    // a server that already exited has nothing left to stop
  }
}

async function restart() {
  await stop();
  await start();
}

function activate(context) {
  output = vscode.window.createOutputChannel('kam');
  context.subscriptions.push(output);
  context.subscriptions.push(vscode.commands.registerCommand('kam.restartServer', restart));
  context.subscriptions.push(vscode.workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration('kam.path')) restart();
  }));
  return start();
}

function deactivate() {
  return stop();
}

module.exports = { activate, deactivate, findProgram };
