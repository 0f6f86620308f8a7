#!/bin/sh
# limits_data.sh — data at and past the readers' limits: a 10 MB CSV field
# is fine, a record over 64 MiB stops the read (exit 3, file:line); 9000
# columns are fine, more than 10000 fields is refused (the header: exit 2;
# a record: exit 3); a column named twice, an empty file, a file of blank
# lines; JSON Lines nested past 512 levels or a line over 64 MiB. Every
# message names the file and the line. See docs/limits.md.
set -u
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
failed=0
cd "$tmp" || exit 1

name=limits_data
. "$ROOT/tests/cli/lib/expect.sh"

# want_out TEXT WHAT: stdout is exactly TEXT (printf format)
want_out() {
    printf "$1" >want
    cmp -s out want || { echo "limits_data: $2: wrong output:" >&2; head -c 300 out >&2; failed=1; }
}

cat >p.kam <<'KAM'
record account {
  id: string key
  revenue: money
  name: string
}
select big when revenue > 1M and len(name) > 0
KAM
# n COUNT CHAR: COUNT copies of CHAR, fast
n() { head -c "$1" /dev/zero | tr '\0' "$2"; }

# a 10 MB field: read and used
{ printf 'id,revenue,name\nA,2000000,'; n 10000000 x; printf '\nB,5,Bob\n'; } >long.csv
expect 0 "" "a 10 MB field" run p.kam long.csv
want_out 'id,big,entitlements,flags\nA,true,,\nB,false,,\n' "a 10 MB field"

# over 64 MiB, unquoted and quoted: the read stops there
{ printf 'id,revenue,name\nA,2000000,'; n 70000000 x; printf '\nB,5,Bob\n'; } >huge.csv
expect 3 '^kam: huge\.csv:2: record longer than 64 MiB' "a 70 MB record" run p.kam huge.csv
{ printf 'id,revenue,name\nA,2000000,"'; n 70000000 x; printf '"\nB,5,Bob\n'; } >hugeq.csv
expect 3 '^kam: hugeq\.csv:2: record longer than 64 MiB' "a 70 MB quoted field" run p.kam hugeq.csv

# many columns: 9000 extra ones are ignored; past 10000 fields, refused
awk 'BEGIN { printf "id,revenue,name"; for (i = 0; i < 9000; i++) printf ",c%d", i
             printf "\nA,2000000,Acme"; for (i = 0; i < 9000; i++) printf ",x"; printf "\n" }' >wide.csv
expect 0 "" "9003 columns" run p.kam wide.csv
want_out 'id,big,entitlements,flags\nA,true,,\n' "9003 columns"
awk 'BEGIN { printf "id,revenue,name"; for (i = 0; i < 10000; i++) printf ",c%d", i
             printf "\nA,2000000,Acme\n" }' >widehdr.csv
expect 2 '^kam: widehdr\.csv:1: record has more than 10000 fields' "a 10003-column header" run p.kam widehdr.csv
awk 'BEGIN { printf "id,revenue,name\nA,2000000,Acme"; for (i = 0; i < 20000; i++) printf ",x"
             printf "\nB,5,Bob\n" }' >widerec.csv
expect 3 '^kam: widerec\.csv:2: record has more than 10000 fields' "a 20003-field record" run p.kam widerec.csv

# the header: a column the policy reads named twice
printf 'id,revenue,name,revenue\nA,1,x,2\n' >dup.csv
expect 3 '^kam: dup\.csv:1: column "revenue" appears twice in the header \(columns 2 and 4\)' \
    "a duplicate column" run p.kam dup.csv
[ -s out ] && { echo "limits_data: a duplicate column: records were output" >&2; failed=1; }

# nothing to read
: >empty.csv
expect 3 '^kam: empty\.csv: empty file: expected a header line naming the columns' "an empty file" run p.kam empty.csv
printf '\n\n\r\n' >blank.csv
expect 3 '^kam: blank\.csv: empty file' "blank lines only" run p.kam blank.csv
printf 'id,revenue,name\n' >header.csv
expect 0 "" "a header and no records" run p.kam header.csv
want_out 'id,big,entitlements,flags\n' "a header and no records"
: >empty.jsonl
expect 0 "" "an empty JSON Lines file" run p.kam empty.jsonl
want_out 'id,big,entitlements,flags\n' "an empty JSON Lines file"

# JSON Lines: nesting past 512 is an error for that line only
awk 'BEGIN { printf "{\"id\":\"A\",\"revenue\":1,\"name\":\"x\",\"deep\":"
             for (i = 0; i < 100000; i++) printf "["; for (i = 0; i < 100000; i++) printf "]"
             printf "}\n{\"id\":\"B\",\"revenue\":2000000,\"name\":\"y\"}\n" }' >deep.jsonl
expect 3 '^kam: deep\.jsonl:1: nested too deep at column 552: arrays and objects nested more than 512 deep' \
    "JSON nested 100000 deep" run p.kam deep.jsonl
want_out 'id,big,entitlements,flags\nB,true,,\n' "JSON nested 100000 deep"
{ printf '{"id":"A","revenue":1,"name":"'; n 70000000 x; printf '"}\n{"id":"B","revenue":2000000,"name":"y"}\n'; } >huge.jsonl
expect 3 '^kam: huge\.jsonl:1: line longer than 64 MiB' "a 70 MB JSON line" run p.kam huge.jsonl
exit $failed
