# kam diff reads the data twice; its first read converts only the fields
# the portfolio passes read (as kam run's pass 1 does). A record whose only
# bad value is in a field just the rules read passes that read, and the
# passes would count it; kam run leaves it out of the passes and the
# output alike, so kam diff must too: its answers and counts equal those
# of kam run and kam run --set, whichever field of which record is bad
# (a rules-only field, a passes field, both, an empty key, a short record).
set -u
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
cd "$t" || exit 2
name=diff_late_reject
failed=0
no() { echo "$name: $*" >&2; failed=1; }

cat >p.kam <<'K'
record account {
  id: string key
  name: string
  revenue: money
  trust: int                  # only the rules read it
}
display name
param bar = 3
select big "Big" when revenue / total(revenue) >= 20%
select key_account "Key account" when big or trust >= bar
K
good='id,name,revenue,trust
A,Alpha,100,1
B,Beta,100,2
C,Gamma,100,3
D,Delta,130,2
E,Eps,270,1
G,Gee,0,2'
# B's trust is bad: a read of the revenue alone keeps it, and the passes
# count it in total(revenue) unless it is left out: D holds 130 of 600
# (22%, big, a key account whatever bar is) without B, 130 of 700 with it
# (19%: then bar = 2 makes it a key account)
variant() {     # NAME SED: the data with one change
    printf '%s\n' "$good" | sed "$2" > "$1.csv"
}
variant ok 's/^$//'
variant trust_bad 's/^B,Beta,100,2$/B,Beta,100,two/'
variant rev_bad 's/^B,Beta,100,2$/B,Beta,lots,2/'
variant both_bad 's/^B,Beta,100,2$/B,Beta,lots,two/'
variant key_empty 's/^B,Beta,100,2$/,Beta,100,two/'
variant short 's/^B,Beta,100,2$/B,Beta,100/'
variant two_bad 's/^B,Beta,100,2$/B,Beta,100,two/; s/^G,Gee,0,2$/G,Gee,0,x/'

for v in ok trust_bad rev_bad both_bad key_empty short two_bad; do
    "$KAM" run p.kam "$v.csv" --format csv > run_old.csv 2> run_old.err; rco=$?
    "$KAM" run p.kam "$v.csv" --set bar=2 --format csv > run_new.csv 2> run_new.err; rcn=$?
    "$KAM" diff p.kam "$v.csv" --set bar=2 --format csv > diff.csv 2> diff.err; rcd=$?
    [ "$rco" = "$rcn" ] && [ "$rcd" = "$rco" ] || no "$v: exit $rcd, kam run $rco/$rcn"
    # the changes kam diff lists are those between the two runs
    hdr=$(head -1 run_old.csv)
    col() { printf '%s\n' "$hdr" | tr ',' '\n' | grep -n "^$1\$" | cut -d: -f1; }
    k=$(col key_account); b=$(col big); i=$(col id)
    [ -n "$k" ] && [ -n "$b" ] && [ -n "$i" ] || { no "$v: kam run's columns: $hdr"; continue; }
    tail -n +2 run_old.csv | cut -d, -f"$i,$b,$k" | sort > o.txt
    tail -n +2 run_new.csv | cut -d, -f"$i,$b,$k" | sort > n.txt
    want=$(join -t, o.txt n.txt |
           awk -F, '$2 != $4 { print $1 ",big," $2 "," $4 } $3 != $5 { print $1 ",key_account," $3 "," $5 }' | sort)
    got=$(tail -n +2 diff.csv | sort)
    [ "$got" = "$want" ] || no "$v: kam diff lists
$got
but the two runs differ in
$want"
    # the counts per select are kam run's
    for s in big key_account; do
        c=$(col $s)
        before=$(tail -n +2 run_old.csv | cut -d, -f"$c" | grep -c true)
        after=$(tail -n +2 run_new.csv | cut -d, -f"$c" | grep -c true)
        grep -q "^$s: $before -> $after " diff.err || no "$v: kam run counts $s $before -> $after; kam diff says
$(cat diff.err)"
    done
    # the records left out are named as kam run names them
    grep '^kam: p\?[^ ]*\.csv:' run_old.err | sort > w.txt
    grep '^kam: p\?[^ ]*\.csv:' diff.err | sort > g.txt
    cmp -s w.txt g.txt || no "$v: kam run says
$(cat w.txt)
kam diff says
$(cat g.txt)"
done
# the check can fail: B left out of the total, D is big; counted, it is not
"$KAM" run p.kam trust_bad.csv --format csv 2>/dev/null | grep -q '^D,Delta,true,' || no "D is not big without B"
"$KAM" run p.kam ok.csv --format csv | grep -q '^D,Delta,false,' || no "D is big with B"
exit $failed
