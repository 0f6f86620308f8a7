# A quoted field whose second quote is the last byte of the reader's first
# 1 MiB read (standard input from a file: read, not mapped): that quote is
# the first of "", so "3""" is the text 3" and an int field must refuse it
# (exit 3, naming the line), not read it as 3. A build that converted the
# field before the byte after its quote was read kept that conversion when
# the record was read again after the refill. The same record in the
# middle of the file, and the file mapped, must say the same.
set -u
command -v python3 >/dev/null || { echo "python3 not installed"; exit 77; }
t=${KEEP:-$(mktemp -d)}; [ -n "${KEEP:-}" ] || trap 'rm -rf "$t"' EXIT
cat >"$t/p.kam" <<'KAM'
record account {
  id: string key
  note: string
  n: int
}
select some when n > 2
KAM
python3 - "$t/edge.csv" <<'PY' || exit 1
import sys
edge = 1 << 20                 # the reader's first read of standard input
out = bytearray(b'id;note;n\n')
i = 0
while len(out) < edge - 200:
    out += b'k%06d;pad;%d\n' % (i, i % 5)
    i += 1
head = b'kedge;'
note_len = edge - 3 - len(out) - len(head) - 1      # the field "3""" starts at edge - 3
out += head + b'x' * note_len + b';'
assert len(out) == edge - 3
out += b'"3"""\n'              # its second quote is byte edge - 1
for j in range(100):
    out += b'z%03d;pad;1\n' % j
open(sys.argv[1], 'wb').write(bytes(out))
PY
line=$(grep -n '^kedge;' "$t/edge.csv" | cut -d: -f1)
"$KAM" run "$t/p.kam" - -j 1 <"$t/edge.csv" >"$t/stdin.out" 2>"$t/stdin.err"
rc=$?
[ $rc -eq 3 ] || { echo "stdin: want exit 3 (the field is 3\", not an int), got $rc"; head -3 "$t/stdin.err"; exit 1; }
grep -q "<stdin>:$line: field \"n\"" "$t/stdin.err" ||
    { echo "stdin: want the error on line $line for field n:"; head -3 "$t/stdin.err"; exit 1; }
"$KAM" run "$t/p.kam" "$t/edge.csv" -j 1 >"$t/file.out" 2>"$t/file.err"
rc=$?
[ $rc -eq 3 ] || { echo "mapped file: want exit 3, got $rc"; exit 1; }
cmp -s "$t/stdin.out" "$t/file.out" || { echo "stdin and the mapped file give other rows"; exit 1; }
sed "s|^kam: [^:]*:|kam: F:|" "$t/stdin.err" >"$t/a"
sed "s|^kam: [^:]*:|kam: F:|" "$t/file.err" >"$t/b"
cmp -s "$t/a" "$t/b" || { echo "stdin and the mapped file say other things:"; cat "$t/stdin.err" "$t/file.err"; exit 1; }
exit 0
