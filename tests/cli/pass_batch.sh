#!/bin/sh
# pass_batch.sh — a pass of plain adds over CSV takes runs of plain records
# at once (eng_pass_batch through rd_batch and rd_csv_batch: no fields
# stored, the summed numbers converted in the sweep) and leaves every other
# record to the usual path. The two must count exactly the same records:
# the same policy with each aggregate behind a filter that always holds
# (`where x == x`, which makes the pass run the VM record by record) is the
# reference, byte for byte (stdout, stderr, exit status), on one worker and
# on two with small chunks (a run must stop where the next chunk starts).
# The data mixes what a run must stop at: an empty key, a quoted key, a
# quoted or spaced or bad number in a summed field, a short record, a blank
# line, a quoted name with a line break or a doubled quote, CRLF and lone CR
# line ends, and a bad value in a field only the rules read (found in the
# record pass: the passes again without it, the run then skipping it).
# kam diff, which reads the passes' columns in runs the same way, must
# name the accounts whose row kam run --set changes (on the same kind of
# data without the records kam run leaves out, which send kam diff to its
# careful load).
set -u
KAM=${KAM:-build/kam}
case $KAM in /*) ;; *) KAM=$(pwd)/$KAM ;; esac
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
failed=0
cd "$tmp" || exit 1

cat > plain.kam <<'EOF'
record account {
  id: string key
  name: string
  x: money
  p: percent
  n: int
}
score share { (x / total(x)) when true }
score p_avg { (p / avg(p)) when p != 0 }
score many { (count() + 0) when true }
param low = 0
select pos when n >= low
EOF
sed 's/total(x)/total(x where x == x)/; s/avg(p)/avg(p where p == p)/;
     s/count()/count(x == x)/' plain.kam > vm.kam

# 20000 records from a fixed seed; most of them plain
gen() {
awk -v clean="$1" 'BEGIN {
    srand(16);
    print "id,name,x,p,n";
    for (i = 1; i <= 20000; i++) {
        r = int(rand() * 200);
        id = "A" i; name = "Name " i; x = sprintf("%.2f", rand() * 100000 - 20000);
        p = sprintf("%.4f", rand()); n = int(rand() * 9); end = "\n";
        if (clean && (r == 0 || r == 4 || r == 6 || r == 12)) r = 99;   # all kam run keeps
        if (r == 0) id = "";
        else if (r == 1) id = "\"Q" i "\"";
        else if (r == 2) x = "\"" x "\"";
        else if (r == 3) x = " " x;
        else if (r == 4) x = x "x";
        else if (r == 5) p = p "%";
        else if (r == 6) n = "bad";
        else if (r == 7) name = "\"Two\nlines " i "\"";
        else if (r == 8) name = "\"Say \"\"hi\"\", " i "\"";
        else if (r == 9) end = "\r\n";
        else if (r == 10) end = "\r";
        else if (r == 11) end = "\n\n";
        if (r == 12) printf "%s,%s%s", id, name, end;
        else printf "%s,%s,%s,%s,%s%s", id, name, x, p, n, end;
    }
}'
}
gen 0 > d.csv
gen 1 > clean.csv

norm() { sed 's/ where x == x//g; s/ where p == p//g; s/count(x == x)/count()/g; s/vm\.kam/plain.kam/g'; }
for j in 1 2; do
    for pol in plain vm; do
        KAM_CHUNK_BYTES=40000 "$KAM" run $pol.kam d.csv --format csv -j $j > $pol.out 2> $pol.err
        echo "exit $?" >> $pol.out
    done
    norm < vm.out > v.out
    norm < vm.err > v.err
    if ! cmp -s plain.out v.out || ! cmp -s plain.err v.err; then
        echo "FAIL: -j $j: the batched pass and the VM's disagree"
        diff plain.out v.out | head -10
        diff plain.err v.err | head -10
        failed=1
    fi
    # enough records counted for the runs to matter: count() is the same
    # on every line, the records left out taken off
    many=$(awk -F, 'NR == 2 { print $4 }' plain.out)
    if [ -z "$many" ] || [ "$many" -lt 19000 ] || [ "$many" -gt 20000 ]; then
        echo "FAIL: -j $j: count() is '$many', not about 19,700"
        failed=1
    fi
done
# kam diff reads the passes' columns in runs too (cli/session.c), each
# record's line the one after the last: the accounts it names must be
# those whose row `kam run --set` changes (records are matched by line)
"$KAM" run plain.kam clean.csv --format csv -j 1 > r0.csv 2> /dev/null
"$KAM" run plain.kam clean.csv --format csv -j 1 --set low=4 > r1.csv 2> /dev/null
paste -d '|' r0.csv r1.csv | awk -F'|' 'NR > 1 && $1 != $2 { split($1, f, ","); print f[1] }' |
    sort > want.ids
"$KAM" diff plain.kam clean.csv --set low=4 --format csv > d.out 2> d.err
awk -F, 'NR > 1 { print $1 }' d.out | sort -u > got.ids
if [ ! -s want.ids ] || ! cmp -s want.ids got.ids; then
    echo "FAIL: kam diff names other accounts than kam run --set changes"
    diff want.ids got.ids | head -5
    failed=1
fi
exit $failed
