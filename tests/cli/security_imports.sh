#!/bin/sh
# security_imports.sh — a policy is untrusted input (CI checks pull
# requests), so `import` stays inside the root policy's folder: no absolute
# paths (/proc/self/environ printed the environment), no `..` or symbolic
# link out of it, regular files only (a FIFO hung, /dev/stdin was read),
# and a file that does not read as a policy (.env, a binary) is reported
# without quoting any of it. --import-root DIR widens the folder. Imports
# inside the folder, from subfolders and back up to it, still work. See
# docs/language.md ("Imports").
set -u
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
failed=0
cd "$tmp" || exit 1
command -v timeout >/dev/null 2>&1 || { echo "security_imports: no timeout(1)"; exit 77; }

name=security_imports
. "$ROOT/tests/cli/lib/expect.sh"

# secret WHAT: neither output mentions the secret
secret() {
    if grep -q -e KAMSECRET -e hunter2 out err; then
        echo "$name: $1: the secret was printed:" >&2
        head -c 400 err >&2
        failed=1
    fi
}

mkdir -p pol/sub other
cd pol || exit 1
printf 'record account {\n  id: string key\n}\n' >rec.kam
printf 'import "%s"\nimport "rec.kam"\n' /proc/self/environ >abs.kam
KAMSECRET=hunter2 timeout 10 "$KAM" check abs.kam >out 2>err </dev/null
[ $? -eq 1 ] && grep -q 'not an absolute one' err || { echo "$name: absolute import: not refused" >&2; failed=1; }
secret "absolute import"

# .. out of the folder, and a symbolic link out of it
printf 'let outside = 1\n' >../other/x.kam
printf 'import "../other/x.kam"\nimport "rec.kam"\n' >up.kam
expect 1 'outside .*--import-root' "import through .." check up.kam
printf 'KAMSECRET=hunter2\n' >../other/secret.txt
ln -s ../other/secret.txt link.kam
printf 'import "link.kam"\nimport "rec.kam"\n' >link_imp.kam
expect 1 'outside' "import through a symbolic link" check link_imp.kam
secret "import through a symbolic link"
# the same file under a deep ../ path to /dev/stdin
up=$(pwd | sed 's|/[^/]*|../|g')
printf 'import "%sdev/stdin"\nimport "rec.kam"\n' "$up" >stdin_imp.kam
echo 'let from_stdin = 1' | timeout 10 "$KAM" check stdin_imp.kam >out 2>err
[ $? -eq 1 ] && grep -Eq 'outside|cannot open' err || { echo "$name: /dev/stdin: not refused" >&2; cat err >&2; failed=1; }

# a FIFO: refused at once, not waited on
mkfifo fifo.kam
printf 'import "fifo.kam"\nimport "rec.kam"\n' >fifo_imp.kam
timeout 10 "$KAM" check fifo_imp.kam >out 2>err </dev/null
rc=$?
[ $rc -eq 1 ] && grep -q 'not a regular file' err || { echo "$name: FIFO: exit $rc (124: hung)" >&2; cat err >&2; failed=1; }
mkdir dir.kam
printf 'import "dir.kam"\nimport "rec.kam"\n' >dir_imp.kam
expect 1 'is a directory' "a directory" check dir_imp.kam

# files in the folder that are not policies: named, never quoted
printf 'KAMSECRET=hunter2 other stuff\nline two\n' >.env
printf 'import ".env"\nimport "rec.kam"\n' >env_imp.kam
expect 1 'does not read as a kam policy \(an error at line 1, column 1' "a .env file" check env_imp.kam
secret "a .env file"
printf 'let x = 1\n\033[31mKAMSECRET\000hunter2\n' >bin.kam
printf 'import "bin.kam"\nimport "rec.kam"\n' >bin_imp.kam
expect 1 'does not read as a kam policy' "a file with NUL bytes" check bin_imp.kam
secret "a file with NUL bytes"
if grep -q "$(printf '\033')" err; then echo "$name: an escape byte reached the terminal" >&2; failed=1; fi
# the JSON and SARIF renderers say the same and nothing more
expect 1 '' "a .env file, --format json" check env_imp.kam --format json
secret "a .env file, --format json"

# an import string holding escape sequences: shown escaped in the message
printf 'import "\033]0;KAM\007x.kam"\nimport "rec.kam"\n' >esc_imp.kam
expect 1 'cannot import "\\x1b\]0;KAM\\x07x\.kam"' "an escape sequence in an import string" check esc_imp.kam
if grep -q "$(printf '\033')" err; then echo "$name: an escape byte reached the terminal" >&2; failed=1; fi

# what stays allowed: subfolders, and from there back up inside the folder
printf 'import "../shared.kam"\nlet b = a + 1\n' >sub/b.kam
printf 'let a = 1\n' >shared.kam
printf 'import "sub/b.kam"\nimport "rec.kam"\nselect big when b > 1\n' >ok.kam
expect 0 '' "imports inside the folder" check ok.kam
# a root policy that is a symbolic link: its folder is the link's, where
# its relative imports are found
cp ok.kam ../other/real.kam
ln -s ../other/real.kam via_link.kam
expect 0 '' "a root policy reached through a symbolic link" check via_link.kam
# --import-root widens the folder (any command that loads a policy)
expect 0 '' "--import-root .. allows ../other" check --import-root .. up.kam
expect 0 '' "--import-root=DIR after the policy" check up.kam --import-root="$tmp"
printf 'id\nA\n' >a.csv
expect 0 '' "kam run --import-root" run up.kam a.csv --import-root ..
expect 2 'not a folder' "--import-root naming a file" check --import-root rec.kam up.kam
expect 2 'needs a folder' "--import-root without a value" check up.kam --import-root
exit $failed
