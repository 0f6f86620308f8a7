#!/bin/sh
# security_escapes.sh — escape sequences in data must not reach a terminal
# raw: the table output, kam explain / diff tables and messages that quote
# a field show control characters escaped (\x1b, \n ...), while CSV and
# JSON Lines output stay byte-exact data (CSV keeps the bytes, JSON Lines
# writes \u001b). Before, a key or a bad field value could retitle the
# terminal, clear it, or forge lines of output. See docs/limits.md.
set -u
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
failed=0
cd "$tmp" || exit 1

name=security_escapes
. "$ROOT/tests/cli/lib/expect.sh"
esc=$(printf '\033')

# no_esc WHAT FILE...: no ESC or BEL byte in the files
no_esc() {
    what=$1
    shift
    if grep -q -e "$esc" -e "$(printf '\007')" "$@"; then
        echo "$name: $what: a raw escape byte was printed:" >&2
        cat -v "$@" | head -5 >&2
        failed=1
    fi
}

cat >p.kam <<'KAM'
record account {
  id: string key
  revenue: money
  note: string?
}
param floor = 100
select big when revenue > floor
KAM
printf 'id,revenue,note\n"A\033]0;owned\007",500,x\nB\033[2J,50,y\nC,"9\033[31m",z\n' >d.csv

expect 3 'got "9\\x1b\[31m"' "a bad field in a message" run p.kam d.csv --format table
no_esc "the table and the data error" out err
grep -q 'A\\x1b\]0;owned\\x07 ' out || { echo "$name: the table does not show the key escaped:" >&2; cat out >&2; failed=1; }
grep -q 'B\\x1b\[2J ' out || { echo "$name: the table does not show the second key escaped" >&2; failed=1; }

# CSV and JSON Lines: exact
expect 3 '' "CSV output" run p.kam d.csv
no_esc "CSV stderr" err
grep -q "A${esc}]0;owned" out || { echo "$name: CSV output lost the key's bytes" >&2; failed=1; }
expect 3 '' "JSON Lines output" run p.kam d.csv --format jsonl
grep -q 'A\\u001b]0;owned\\u0007' out || { echo "$name: JSON Lines output does not escape as JSON:" >&2; cat out >&2; failed=1; }

# kam check --data, kam explain, kam diff --format table
expect 3 'got "9\\x1b\[31m"' "kam check --data" check p.kam --data d.csv
no_esc "kam check --data" out err
printf 'id,revenue,note\n"A\033[2J",500,"hi\033[31m"\n' >ok.csv
expect 0 '' "kam explain" explain p.kam ok.csv --id "$(printf 'A\033[2J')"
no_esc "kam explain" out err
grep -q '^A\\x1b\[2J (line 2)' out || { echo "$name: explain does not show the key escaped:" >&2; cat out >&2; failed=1; }
expect 0 '' "kam diff --format table" diff p.kam ok.csv --set floor=1000 --format table
no_esc "kam diff" out err
# the REPL shows field values escaped
printf ':account %s\nnote ?? ""\n' "$(printf 'A\033[2J')" >in.txt
"$KAM" repl p.kam ok.csv <in.txt >out 2>err
no_esc "the REPL" out err
grep -q '"hi\\x1b\[31m"' out || { echo "$name: the REPL does not show the value escaped:" >&2; cat out >&2; failed=1; }

# JSON Lines keys with control characters in a message
printf '{"id":"A","revenue":"x\\u001b[2J"}\n' >d.jsonl
expect 3 'got "x\\x1b\[2J"' "a JSON Lines field in a message" run p.kam d.jsonl
no_esc "a JSON Lines field in a message" err
exit $failed
