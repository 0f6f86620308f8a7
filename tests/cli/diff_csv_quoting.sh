# kam diff --format csv writes one row per changed outcome: id, outcome,
# before, after. A term's value is text the policy gives it, and may hold
# a comma, a quote or a line break; a key may too. Every field is quoted as
# RFC 4180 says when it needs it, so that a CSV reader gets back four
# fields per row and the texts as they are (the rows were once written
# unquoted: "gold, silver" read as two fields). Checked by Python's csv
# module against what kam run says of the same accounts.
set -u
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
cd "$t" || exit 2
name=diff_csv_quoting
failed=0
no() { echo "$name: $*" >&2; failed=1; }
command -v python3 >/dev/null || { echo "$name: python3 is not installed"; exit 77; }

cat >old.kam <<'K'
record account {
  id: string key
  rev: money
}
param cut = 100
select big when rev >= cut
entitle note when big with { text: "gold, silver" }
K
sed 's/"gold, silver"/"bronze \\"x\\"\\nnext line"/' old.kam > new.kam
grep -q 'bronze' new.kam || { echo "$name: the new policy was not made"; exit 2; }
printf 'id,rev\nA1,150\n"B,2",250\nC3,50\n' > d.csv

"$KAM" diff old.kam new.kam d.csv --format csv > diff.csv 2> diff.err ||
    no "kam diff failed: $(cat diff.err)"
"$KAM" run new.kam d.csv --format jsonl > new.jsonl 2>/dev/null || no "kam run failed"
python3 - diff.csv new.jsonl <<'P' || failed=1
import csv, json, sys
rows = list(csv.reader(open(sys.argv[1], newline='')))
ok = True
def no(msg):
    global ok
    print("diff_csv_quoting: " + msg, file=sys.stderr)
    ok = False
if rows[0] != ["id", "outcome", "before", "after"]:
    no("header %r" % rows[0])
for r in rows[1:]:
    if len(r) != 4:
        no("a row of %d fields: %r" % (len(r), r))
got = {(r[0], r[1]): (r[2], r[3]) for r in rows[1:] if len(r) == 4}
want_after = {}
for line in open(sys.argv[2]):
    rec = json.loads(line)
    want_after[rec["id"]] = rec
for key in ("A1", "B,2"):
    ch = got.get((key, "note.text"))
    if ch is None:
        no("no note.text row for %r: %r" % (key, rows))
        continue
    if ch[0] != "gold, silver":
        no("%r before: %r, expected 'gold, silver'" % (key, ch[0]))
    if ch[1] != 'bronze "x"\nnext line':
        no("%r after: %r" % (key, ch[1]))
    run = want_after.get(key, {}).get("terms", {}).get("note", {}).get("text")
    if ch[1] != run:
        no("%r after: %r, kam run says %r" % (key, ch[1], run))
if ("C3", "note.text") in got:
    no("C3 is not big on either side, yet it has a row")
sys.exit(0 if ok else 1)
P
exit $failed
