#!/bin/sh
# pass_plain_adds.sh — a portfolio pass whose code is only AGG_ADDs of
# ungrouped aggregates (total(x), avg, min, max, count()) is summed by the
# engine without running the VM per record (eng_pass_eval, for every
# command: kam run on one worker and on two, diff, explain, report and the
# REPL's what-ifs). It must give
# what the VM gives: the same policy with each aggregate behind a filter
# that always holds (`where x == x`, which makes the pass run the VM) is
# the reference, byte for byte (stdout, stderr, exit status). The data
# makes the order of the sum matter (1e16, 1, -1e16), has a bad value in
# the summed field (left out of the pass), an empty key (left out too) and
# a bad value in a field only the rules read (found in the record pass:
# every pass again without it). The expected shares are also checked as
# numbers, so both paths cannot be wrong alike. A second file, d2.csv, has
# no bad nor missing value in a summed field: the session's passes then sum
# its columns a run at a time (pass_columns: x a column of doubles, n of
# 32-bit integers, m of doubles for a value 32 bits do not hold), which
# must give what the VM gives too, the order of the sum kept. Without
# count() each add sums a whole run at once (values_by_add).
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
  x: money
  n: int
  m: int
}
score share { (x / total(x)) when true }
score over_avg { (x / avg(x)) when true }
score to_max { (x / max(x)) when true }
score to_min { (x / min(x)) when x != 0 }
score many { (count() + 0) when true }
score nshare { (n / total(n)) when true }
score mshare { (m / total(m)) when true }
param low = 0
select pos when n >= low
EOF
sed 's/total(x)/total(x where x == x)/; s/avg(x)/avg(x where x == x)/;
     s/max(x)/max(x where x == x)/; s/min(x)/min(x where x == x)/;
     s/count()/count(x == x)/; s/total(n)/total(n where n == n)/;
     s/total(m)/total(m where x == x)/' plain.kam > vm.kam
printf 'id,x,n,m\nA1,1e16,1,1\nA2,1,2,2\nA3,-1e16,3,3\nA4,12x,4,4\n,5,5,5\nA6,0.1,bad,6\nA7,0.2,7,7\nA8,3,8,8\n' > d.csv
printf 'id,x,n,m\nA1,1e16,1,1\nA2,1,2147483647,3000000000\nA3,-1e16,-3,-2\nA7,0.2,7,7\nA8,3,8,8\n' > d2.csv

# the plain pass really is plain: only AGG_ADDs between its label and HALT
if "$KAM" disasm plain.kam | sed -n '/^pass 1/,/HALT/p' | grep -v '^pass' | grep -qv 'AGG_ADD\|HALT'; then
    echo "FAIL: plain.kam's pass runs more than AGG_ADDs"
    failed=1
fi
# agree WHAT A B: A.out and A.err are B.out and B.err, byte for byte
agree() {
    if ! cmp -s "$2.out" "$3.out" || ! cmp -s "$2.err" "$3.err"; then
        echo "FAIL: $1"
        diff "$2.out" "$3.out"
        diff "$2.err" "$3.err"
        failed=1
    fi
}
for j in 1 2; do
    "$KAM" run plain.kam d.csv --format csv -j $j > p.out 2> p.err
    echo "exit $?" >> p.out
    "$KAM" run vm.kam d.csv --format csv -j $j > v.out 2> v.err
    echo "exit $?" >> v.out
    agree "-j $j: the plain pass and the VM's disagree" p v
done
# the other commands that run the pass, the VM side's rule text put back
# as the plain side writes it
norm() { sed 's/ where [xn] == [xn]//g; s/ where x == x//g; s/count(x == x)/count()/g; s/vm\.kam/plain.kam/g'; }
cat > cmds <<'CMDS'
diff POL d.csv --set low=3 --format csv|
diff POL d.csv --set low=3|
explain POL d.csv --id A8|
explain POL d.csv --id A2|
report POL d.csv --format md --as-of 2026-06-30|
repl POL d.csv --as-of 2026-06-30|:set low = 3\n:diff\n:sweep low 0..8 step 2\n:account A8\nshare\nover_avg\nnshare\nmshare\n
CMDS
sed 's/d\.csv/d2.csv/' cmds >> cmds.both
cat cmds >> cmds.both
while IFS='|' read -r what stdin; do
    for pol in plain vm; do
        # shellcheck disable=SC2086
        printf "$stdin" | "$KAM" $(echo "$what" | sed "s/POL/$pol.kam/") > $pol.out 2> $pol.err
        echo "exit $?" >> $pol.out
    done
    norm < vm.out > v.out
    norm < vm.err > v.err
    agree "$what: the plain pass and the VM's disagree" plain v
done < cmds.both
# without count() (and so on d2.csv with no record left out) each add of
# the pass sums its whole run of values at once (values_by_add): again
# what the VM gives, on one worker and on two, and in the REPL
grep -v '^score many' plain.kam > sums.kam
grep -v '^score many' vm.kam > vmsums.kam
for data in d.csv d2.csv; do
    for what in "run POL $data --format csv -j 1" "run POL $data --format csv -j 2" \
        "diff POL $data --set low=3 --format csv"; do
        for pol in sums vmsums; do
            # shellcheck disable=SC2086
            "$KAM" $(echo "$what" | sed "s/POL/$pol.kam/") > $pol.out 2> $pol.err
            echo "exit $?" >> $pol.out
        done
        norm < vmsums.out > v.out
        sed 's/vmsums\.kam/sums.kam/g' vmsums.err | norm > v.err
        agree "$what: the sums a run at a time and the VM's disagree" sums v
    done
done
# in input order, without A4, the empty key and A6: 1e16 + 1 is 1e16, less
# 1e16 is 0, then 0.2 and 3: 3.2; five records counted; max 1e16, min -1e16
"$KAM" run plain.kam d.csv --format csv -j 1 > p.out 2> /dev/null
if ! grep -qx 'A8,0.9375,4.6875,3e-16,-3e-16,5,0.380952380952381,0.380952380952381,true,,' p.out; then
    echo "FAIL: A8's shares are not 3 / 3.2, 3 / 0.64, 3 / 1e16, 3 / -1e16 of 5 records"
    cat p.out
    failed=1
fi
# d2.csv in the REPL (the session's columns): 1e16 + 1 - 1e16 + 0.2 + 3 is
# 3.2; n sums to 2147483660 (past 32 bits), m to 3000000014
printf ':account A8\nshare\nnshare * 2147483660\nmshare * 3000000014\n' |
    "$KAM" repl plain.kam d2.csv > p.out 2> p.err
if ! grep -qx 'A8: 0.938' p.out || [ "$(grep -cx 'A8: 8' p.out)" -ne 2 ]; then
    echo "FAIL: the REPL's columns do not give A8 3 / 3.2, 8 / 2147483660, 8 / 3000000014"
    cat p.out p.err
    failed=1
fi
[ $failed -eq 0 ] && echo "ok: the plain portfolio pass agrees with the VM"
exit $failed
