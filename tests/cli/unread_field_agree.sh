# A record whose only bad value is in a field no rule reads: kam run keeps
# it (it converts only the fields the policy reads), and so must kam report,
# kam explain and kam diff (their session converted every field and left
# the record out, so the report's figures disagreed with kam run
# --summary). The REPL reads only the fields the policy reads too, so it
# keeps B; an expression typed there that reads `note` reads that column
# then, and B, whose note is malformed, cannot be evaluated (counted, and
# :errors says why), never a silent missing value.
set -u
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
cd "$t" || exit 2
name=unread_field_agree
failed=0
no() { echo "$name: $*" >&2; failed=1; }

cat >p.kam <<'K'
record account {
  id: string key
  name: string
  revenue: money
  trust: int
  note: int                   # no rule reads it
}
display name
param bar = 3
select key_account "Key account" when trust >= bar
entitle support when key_account with { hours: if revenue >= 1M then 4 else 8 as "SLA hours" }
K
cat >d.csv <<'C'
id,name,revenue,trust,note
A,Alpha,2000000,4,1
B,Beta,500,3,not a number
C,Gamma,900,1,2
C

# kam run: all three counted, none left out
"$KAM" run p.kam d.csv --as-of 2026-06-30 --summary --format json >run.json 2>run.err ||
    no "kam run --summary failed: $(cat run.err)"
python3 - run.json <<'PY' || no "kam run --summary does not count the three records"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["records"] == 3 and s["records_left_out"] == 0, s
PY

# kam report: the same figures, exit 0
"$KAM" report p.kam d.csv --as-of 2026-06-30 -o r.html 2>rep.err
rc=$?
[ $rc -eq 0 ] || no "kam report exits $rc, not 0: $(cat rep.err)"
grep -q 'data-k="records" data-v="3"' r.html || no "the report does not count 3 accounts"
grep -q 'data-k="records_left_out" data-v="0"' r.html || no "the report leaves a record out"
grep -q 'data-k="selects.key_account" data-v="2"' r.html || no "the report does not select B"
grep -q 'data-k="terms.support.hours.values.8" data-v="1"' r.html || no "B's term is not counted"

# kam explain: B is there to explain
"$KAM" explain p.kam d.csv --as-of 2026-06-30 --id B >ex.out 2>ex.err ||
    no "kam explain --id B failed: $(cat ex.err)"
grep -q 'Key account (key_account) = true' ex.out || no "kam explain does not select B: $(cat ex.out)"

# kam diff: B is compared (and changes)
"$KAM" diff p.kam d.csv --as-of 2026-06-30 --set bar=4 --format table >diff.out 2>diff.err
rc=$?
[ $rc -eq 0 ] || no "kam diff exits $rc, not 0: $(cat diff.err)"
grep -q '^B' diff.out || no "kam diff does not list B: $(cat diff.out)"
grep -q 'of 3 accounts changed' diff.out || no "kam diff does not compare 3 accounts: $(cat diff.out)"

# the REPL keeps B as kam run does; `note` is read when asked for
printf 'key_account\nnote\n:errors\n' | "$KAM" repl p.kam d.csv --as-of 2026-06-30 >repl.out 2>repl.err
grep -q '^true  *2 ' repl.out || no "the REPL does not count B as kam run does: $(cat repl.out repl.err)"
grep -q 'left out' repl.err repl.out && no "the REPL leaves a record out: $(cat repl.err)"
grep -q 'min 1  mean 1.5  max 2  (2 accounts)' repl.out || no "note is not 1 and 2 for A and C: $(cat repl.out)"
grep -q '^1 account could not be evaluated' repl.out || no "B's malformed note is not counted: $(cat repl.out)"
grep -q "^B .*field 'note' in the data is malformed" repl.out || no ":errors does not say why B fails: $(cat repl.out)"
printf ':account B\n:show note\n' | "$KAM" repl p.kam d.csv --as-of 2026-06-30 >show.out 2>&1
grep -q "^B — Beta: its value of field 'note' in the data is malformed" show.out ||
    no ":show note for B does not say its value is malformed: $(cat show.out)"
exit $failed
