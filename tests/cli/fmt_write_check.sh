#!/bin/sh
# fmt_write_check.sh — kam fmt -w and --check: -w replaces the file through
# a rename (a new inode, no temporary file left behind), keeps its mode and
# a symlink, and leaves an already formatted file untouched; --check prints
# a diff that patch(1) applies and exits 1 on an unformatted file, prints
# nothing and exits 0 on a formatted one; a file with errors is never
# touched (exit 1, the diagnostics shown); usage errors and unreadable
# files exit 2; standard input is formatted like a file.
set -u
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
failed=0
fail() { echo "fmt_write_check: $*" >&2; failed=1; }
inode() { ls -i "$1" | awk '{print $1}'; }
mode() { ls -l "$1" | cut -c1-10; }

cd "$tmp" || exit 1
cp "$ROOT/tests/golden/fmt/messy.kam" messy.kam
cp messy.kam original.kam
chmod 640 messy.kam
"$KAM" fmt messy.kam >expected.kam 2>err || fail "kam fmt messy.kam failed: $(cat err)"
cmp -s messy.kam original.kam || fail "kam fmt without -w changed the file"

# --check on an unformatted file: a diff, exit 1; the file is not touched
"$KAM" fmt --check messy.kam >diff.txt 2>err
rc=$?
[ "$rc" -eq 1 ] || fail "--check on an unformatted file: exit $rc, want 1"
head -1 diff.txt | grep -q '^--- messy.kam' || fail "--check printed no diff header: $(head -3 diff.txt)"
grep -q '^@@ -[0-9]*,[0-9]* +[0-9]*,[0-9]* @@$' diff.txt || fail "--check printed no hunk"
grep -q '^-record   account{' diff.txt || fail "the diff lacks the original line"
grep -q '^+record account {$' diff.txt || fail "the diff lacks the formatted line"
[ -s err ] && fail "--check wrote to stderr: $(cat err)"
cmp -s messy.kam original.kam || fail "--check changed the file"
if command -v patch >/dev/null 2>&1; then
    cp original.kam patched.kam
    patch -s patched.kam <diff.txt >/dev/null 2>&1 || fail "patch could not apply the --check diff"
    cmp -s patched.kam expected.kam || fail "the --check diff does not turn the file into the formatted one"
fi

# -w: the formatted text, through a rename, mode kept, nothing left behind
before=$(inode messy.kam)
"$KAM" fmt -w messy.kam >out 2>err
rc=$?
[ "$rc" -eq 0 ] || fail "-w: exit $rc: $(cat err)"
[ -s out ] && fail "-w printed something: $(head -3 out)"
cmp -s messy.kam expected.kam || fail "-w did not write what kam fmt prints"
[ "$(inode messy.kam)" != "$before" ] || fail "-w rewrote the file in place instead of renaming a new one over it"
[ "$(mode messy.kam)" = "-rw-r-----" ] || fail "-w changed the mode to $(mode messy.kam)"
[ "$(ls -a | grep -c kamfmt)" -eq 0 ] || fail "-w left a temporary file: $(ls -a)"

# an already formatted file: --check is silent, -w does not touch it
"$KAM" fmt --check messy.kam >out 2>&1
rc=$?
[ "$rc" -eq 0 ] || fail "--check on a formatted file: exit $rc"
[ -s out ] && fail "--check on a formatted file printed: $(head -3 out)"
before=$(inode messy.kam)
"$KAM" fmt -w messy.kam || fail "-w on a formatted file failed"
[ "$(inode messy.kam)" = "$before" ] || fail "-w replaced a file that was already formatted"

# several files: --check names only those that need formatting
cp original.kam second.kam
"$KAM" fmt --check messy.kam second.kam >out 2>&1
rc=$?
[ "$rc" -eq 1 ] || fail "--check on two files, one unformatted: exit $rc, want 1"
grep -q '^--- second.kam' out || fail "--check did not show second.kam"
grep -q '^--- messy.kam' out && fail "--check showed the formatted messy.kam"
"$KAM" fmt -w messy.kam second.kam || fail "-w on two files failed"
cmp -s second.kam expected.kam || fail "-w did not format the second file"

# through a symlink: the target is rewritten, the link stays a link
cp original.kam target.kam
ln -s target.kam link.kam
"$KAM" fmt -w link.kam || fail "-w through a symlink failed"
[ -L link.kam ] || fail "-w replaced the symlink with a file"
cmp -s target.kam expected.kam || fail "-w did not format the symlink's target"

# a file with errors is not formatted and not touched
cp "$ROOT/examples/mistakes.kam" mistakes.kam
cp mistakes.kam mistakes.orig
before=$(inode mistakes.kam)
for opt in -w --check ""; do
    "$KAM" fmt $opt mistakes.kam >out 2>err
    rc=$?
    [ "$rc" -eq 1 ] || fail "fmt $opt on a file with errors: exit $rc, want 1"
    grep -q ': error: ' err || fail "fmt $opt on a file with errors did not show them"
    grep -q 'not formatted' err || fail "fmt $opt on a file with errors did not say it was not formatted"
    [ -s out ] && fail "fmt $opt on a file with errors printed to stdout: $(head -3 out)"
done
cmp -s mistakes.kam mistakes.orig || fail "a file with errors was changed"
[ "$(inode mistakes.kam)" = "$before" ] || fail "a file with errors was replaced"
# ... and the others given with it still are
cp original.kam third.kam
"$KAM" fmt -w mistakes.kam third.kam >/dev/null 2>&1
rc=$?
[ "$rc" -eq 1 ] || fail "-w with one bad file among two: exit $rc, want 1"
cmp -s third.kam expected.kam || fail "-w skipped a good file given after a bad one"

# standard input
"$KAM" fmt - <original.kam >out 2>err || fail "kam fmt - failed: $(cat err)"
cmp -s out expected.kam || fail "kam fmt - gave another layout than the file"

# usage errors and unreadable files: exit 2
for args in "" "--bogus messy.kam" "-w --check messy.kam" "messy.kam second.kam" "-w -" \
            "nonexistent.kam" "--check nonexistent.kam" "."; do
    "$KAM" fmt $args >out 2>err </dev/null
    rc=$?
    [ "$rc" -eq 2 ] || fail "kam fmt $args: exit $rc, want 2"
    [ -s err ] || fail "kam fmt $args: no message"
done
"$KAM" fmt --help >out 2>&1 || fail "kam fmt --help failed"
grep -q '^usage: kam fmt' out || fail "kam fmt --help printed no usage"

exit $failed
