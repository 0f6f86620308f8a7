# After :set, the REPL's values are kam run --set's for every account: a
# focused account's fit, key_account and service_tier, and :diff names
# exactly the accounts kam run --set changes, with kam run's per-select
# counts. Several :set in one session, so the portfolio passes the session
# keeps between what-ifs are reused (a param no pass reads: gold_fit) and
# done again (a param a limit and an aggregate read: growth_floor,
# key_threshold); for examples/key_accounts.kam (aggregates that read no
# param) and a policy whose limit and aggregate depend on the params. On
# 30,000 accounts :diff is the same on one thread and on two.
set -u
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
cc=${CC:-cc}
command -v "$cc" >/dev/null || { echo "no C compiler to build bench/gen.c"; exit 77; }
command -v python3 >/dev/null || { echo "python3 not installed"; exit 77; }
$cc -O2 -o "$t/gen" "$ROOT/bench/gen.c" || exit 1
"$t/gen" 150 7 > "$t/a.csv" || exit 1
cat > "$t/p2.kam" <<'K'
policy "limits and aggregates that read the params"
record account {
  id: string key
  name: string
  segment: enum { enterprise, mid_market, smb }
  annual_revenue: money
  revenue_growth: percent
  market_share: percent
  gross_margin: percent
  profit_contribution: money
  innovation_partner: bool
  early_adopter: bool
  prestige: int
  competitor_customer: bool
  stage: string
  stage_since: date
  trust: int
  exec_contacts: int
  joint_projects: int
  share_of_wallet: percent
  last_review: date?
}
display name
param growth_floor = 10%
param key_threshold = 60
param gold_fit = 85          # only the tier reads it: no portfolio pass does
let high_growth = revenue_growth >= growth_floor or market_share >= 15%
let profitable = profit_contribution >= 250k and gross_margin > 20%
score fit {
  25 when high_growth
  15 when innovation_partner
  10 when early_adopter
  15 when prestige >= 4
  10 when competitor_customer
  25 when profitable
}
select key_account when fit >= key_threshold or profitable
limit key_account to 20 by annual_revenue
tier service_tier {
  platinum when key_account and fit >= gold_fit
  gold     when key_account
  silver   when high_growth
  standard otherwise
}
flag big_grower when high_growth and annual_revenue / total(annual_revenue where high_growth) > 2%
K

# check POLICY DATA SET...: each SET (NAME=VALUE) in turn, cumulative
check() {
    pol=$1 data=$2
    shift 2
    keys=$(awk -F, 'NR>1{print $1}' "$data")
    "$KAM" run "$pol" "$data" --as-of 2026-06-30 --format csv > "$t/run0.csv" || return 1
    : > "$t/script"
    sets=""
    i=0
    for s in "$@"; do
        i=$((i + 1))
        sets="$sets --set $s"
        # shellcheck disable=SC2086
        "$KAM" run "$pol" "$data" --as-of 2026-06-30 --format csv $sets > "$t/run$i.csv" || return 1
        printf ':account\n:set %s = %s\n:diff\n' "${s%%=*}" "${s#*=}" >> "$t/script"
        for k in $keys; do printf ':account %s\nfit\nkey_account\nservice_tier\n' "$k" >> "$t/script"; done
    done
    "$KAM" repl "$pol" "$data" --as-of 2026-06-30 < "$t/script" > "$t/repl.out" 2> "$t/repl.err" ||
        { echo "the REPL failed: $(cat "$t/repl.err")"; return 1; }
    python3 - "$t" "$#" "$pol" <<'PY'
import csv, re, sys
t, n, pol = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def rows(i):
    with open(f"{t}/run{i}.csv", newline="") as f:
        return {r["id"]: r for r in csv.DictReader(f)}
base = rows(0)
steps, cur = [], None
for line in open(f"{t}/repl.out", encoding="utf-8"):
    line = line.rstrip("\n")
    if "(what-if; :diff compares" in line:
        cur = {"diff": [], "counts": {}, "values": {}, "total": None, "focus": None, "k": 0}
        steps.append(cur)
    elif cur is None or line == "no account focused":
        continue
    elif line.startswith("focused on "):
        cur["focus"] = line.split()[2]
        cur["k"] = 0
    elif cur["focus"] and line.startswith(cur["focus"] + " "):
        name = ["fit", "key_account", "service_tier"][cur["k"]]
        cur["values"].setdefault(cur["focus"], {})[name] = line.rsplit(": ", 1)[1]
        cur["k"] += 1
    elif re.match(r"^\S+: [\d,]+ -> [\d,]+ \(", line):
        sel, rest = line.split(": ", 1)
        a, b = re.match(r"([\d,]+) -> ([\d,]+)", rest).groups()
        cur["counts"][sel] = (int(a.replace(",", "")), int(b.replace(",", "")))
    elif re.search(r"accounts? changed", line):
        cur["total"] = int(line.split()[0].replace(",", ""))
    elif re.match(r"^A\d+ ", line):
        cur["diff"].append(line.split()[0])
assert len(steps) == n, f"{pol}: {len(steps)} what-if steps in the REPL's output, not {n}"
bad = []
for i, st in enumerate(steps, 1):
    run = rows(i)
    want = sorted(k for k in run if run[k] != base[k])
    if i == 1 and "gold_fit" in open(f"{t}/script").read().split(":diff")[0] and not want:
        bad.append("the first what-if changes nothing: it proves nothing")
    if st["total"] != len(want):
        bad.append(f"step {i}: :diff says {st['total']} accounts changed, kam run --set {len(want)}")
    if sorted(st["diff"]) != want[:50] and len(want) <= 50:
        bad.append(f"step {i}: :diff names {sorted(st['diff'])[:5]}..., kam run --set changes {want[:5]}...")
    for sel in ["key_account"]:
        wa = sum(base[k][sel] == "true" for k in base)
        wb = sum(run[k][sel] == "true" for k in run)
        if st["counts"].get(sel) != (wa, wb):
            bad.append(f"step {i}: :diff counts {sel} {st['counts'].get(sel)}, kam run {(wa, wb)}")
    for k, r in run.items():
        got = st["values"].get(k)
        exp = {"fit": r["fit"], "key_account": r["key_account"], "service_tier": r["service_tier"]}
        if got != exp:
            bad.append(f"step {i}: account {k}: the REPL says {got}, kam run --set {exp}")
            break
if bad:
    print(f"{pol}:", *bad[:8], sep="\n  ")
    sys.exit(1)
PY
}

fail=0
check "$ROOT/examples/key_accounts.kam" "$t/a.csv" growth_floor=8% key_threshold=50 growth_floor=12% || fail=1
check "$t/p2.kam" "$t/a.csv" gold_fit=70 growth_floor=8% key_threshold=45 gold_fit=90 || fail=1

# the threads: the same :diff on one and on two, and kam run's count
"$t/gen" 30000 11 > "$t/b.csv" || exit 1
printf ':set growth_floor = 8%%\n:diff\n:set gold_fit = 75\n:diff\n' > "$t/s2"
KAM_THREADS=1 "$KAM" repl "$t/p2.kam" "$t/b.csv" --as-of 2026-06-30 < "$t/s2" > "$t/one.out" 2>&1 || fail=1
KAM_THREADS=2 "$KAM" repl "$t/p2.kam" "$t/b.csv" --as-of 2026-06-30 < "$t/s2" > "$t/two.out" 2>&1 || fail=1
cmp -s "$t/one.out" "$t/two.out" || { echo ":diff differs on one thread and two"; diff "$t/one.out" "$t/two.out" | head; fail=1; }
"$KAM" run "$t/p2.kam" "$t/b.csv" --as-of 2026-06-30 --format csv > "$t/b0.csv" || exit 1
"$KAM" run "$t/p2.kam" "$t/b.csv" --as-of 2026-06-30 --format csv --set growth_floor=8% --set gold_fit=75 > "$t/b1.csv" || exit 1
want=$(paste -d'|' "$t/b0.csv" "$t/b1.csv" | awk -F'|' 'NR>1 && $1!=$2' | wc -l)
got=$(grep -E 'accounts? changed' "$t/two.out" | tail -1 | awk '{gsub(",", "", $1); print $1}')
[ "$got" = "$want" ] || { echo "on 30,000 accounts :diff says $got changed, kam run --set $want"; fail=1; }
exit $fail
