#!/bin/sh
# editors_vim.sh — the Vim files (editors/vim): with only them on the
# runtime path (`vim -Nu NONE`), a .kam file gets filetype=kam, the ftplugin
# sets commentstring, syntax/kam.vim loads without an error, and the words
# get the groups tests/editors/vim_check.vim asks for at each place
# (keywords, the contextual words as keywords and as names, types, numbers
# and their suffixes, dates, strings, bad literals), on the same samples as
# the VS Code grammar's test; and `:make` (kam check) fills the quickfix
# list.
set -u
command -v vim >/dev/null || { echo "vim not installed (Debian package vim)"; exit 77; }
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
S="$ROOT/editors/vscode/test"
timeout 60 vim -Nu NONE -i NONE -es --cmd "set rtp^=$ROOT/editors/vim" -S "$ROOT/tests/editors/vim_check.vim" \
    "$S/declarations.kam" "$S/literals.kam" "$t/result" </dev/null >"$t/out" 2>&1
rc=$?
[ "$rc" -eq 0 ] || { echo "vim exited $rc:"; head -20 "$t/out"; exit 1; }
[ -s "$t/result" ] || { echo "vim wrote no result"; head -20 "$t/out"; exit 1; }
if grep -v '^ok ' "$t/result"; then exit 1; fi
n=$(grep -c '^ok ' "$t/result")
[ "$n" -ge 50 ] || { echo "only $n checks ran"; exit 1; }
# the ftplugin's :make runs `kam check` and its errorformat fills the
# quickfix list with the diagnostics' line, column and kind
mkdir "$t/bin" && ln -s "$KAM" "$t/bin/kam"
printf 'record a { x: int }\nselect s when y > 1\n' >"$t/bad.kam"
(cd "$t" && PATH="$t/bin:$PATH" timeout 60 vim -Nu NONE -i NONE -es --cmd "set rtp^=$ROOT/editors/vim" \
    -c 'filetype plugin on' -c 'edit bad.kam' -c 'silent make' \
    -c 'call writefile(map(getqflist(), "v:val.lnum . \":\" . v:val.col . \" \" . v:val.type . \" \" . v:val.text"), "qf")' \
    -c 'qall!' </dev/null >/dev/null 2>&1)
grep -q "^1:8 w record 'a' has no key field" "$t/qf" 2>/dev/null && grep -q "^2:15 e unknown name 'y'" "$t/qf" ||
    { echo ":make did not fill the quickfix list with kam check's diagnostics:"; cat "$t/qf" 2>/dev/null; exit 1; }
exit 0
