# kam explain never contradicts kam run. For each account explained (every
# account of the example and of the life-cycle example, whose score has
# graded weights; a sample of generated accounts under a policy
# with a `limit`, under one whose select compares with an aggregate, one
# with both (layered passes) and one with a limit per segment):
# the select's value is kam run's, and each "what would change it" is
# applied to the data file (field set to the change's "data" value) and
# kam run again: the select flips exactly when explain said it would. An
# account that a limit by a field cut (its condition holds) must get a
# change that flips it (raising that field past the cut-off); by a score, a
# single change may not reach it.
# Against the sanitizer build (KAM_TEST_SANITIZED=1, tests/run.sh) it takes
# every 4th of those accounts, and the thresholds with them: each change
# means a kam run of the whole file, some 1,400 of them in all.
# kam-test: long
set -u
command -v python3 >/dev/null || { echo "python3 not installed"; exit 77; }
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
${CC:-cc} -O2 -o "$t/gen" "$ROOT/bench/gen.c" || exit 1
"$t/gen" 2000 7 > "$t/gen.csv" || exit 1
{ cat "$ROOT/bench/bench.kam"; echo; echo 'param team = 40'; echo 'limit key_account to team by annual_revenue'; } > "$t/capped.kam"
{ cat "$ROOT/bench/bench.kam"; echo; echo 'limit key_account to 25 by fit'; } > "$t/byfit.kam"
sed 's/^select key_account when .*/select key_account when annual_revenue > 2 * avg(annual_revenue) and gross_margin > 10%/' \
    "$ROOT/bench/bench.kam" > "$t/agg.kam"
grep -q 'avg(annual_revenue)' "$t/agg.kam" || { echo "bench.kam has no select key_account line to replace"; exit 1; }
# layered: the select reads an aggregate and a limit caps it (three passes);
# per group: a limit of 15 in each segment
sed 's/^select key_account when .*/select key_account when annual_revenue > avg(annual_revenue) and fit >= 40/' \
    "$ROOT/bench/bench.kam" > "$t/layered_free.kam"
{ cat "$t/layered_free.kam"; echo; echo 'limit key_account to 40 by annual_revenue'; } > "$t/layered.kam"
{ cat "$ROOT/bench/bench.kam"; echo; echo 'limit key_account to 15 per segment by annual_revenue'; } > "$t/pergroup.kam"
for p in capped byfit agg layered pergroup; do "$KAM" check "$t/$p.kam" >/dev/null || { echo "$p.kam does not check"; exit 1; }; done

KAM="$KAM" T="$t" ROOT="$ROOT" python3 - <<'EOF'
import csv, io, json, os, subprocess, sys

kam, t, root = os.environ["KAM"], os.environ["T"], os.environ["ROOT"]
ASOF = ["--as-of", "2026-06-30"]
failures = []
SAMPLE = 4 if os.environ.get("KAM_TEST_SANITIZED") else 1

def least(n):
    """A threshold of the whole set, for a sample of it."""
    return max(1, n // SAMPLE)

def run(policy, data):
    r = subprocess.run([kam, "run", policy, data, "--format", "csv"] + ASOF, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"kam run {policy} {data}: exit {r.returncode}: {r.stderr[:400]}")
    return {row["id"]: row for row in csv.DictReader(io.StringIO(r.stdout))}

def explain(policy, data, key):
    r = subprocess.run([kam, "explain", policy, data, "--id", key, "--format", "json"] + ASOF,
                       capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"kam explain {key}: exit {r.returncode}: {r.stderr[:400]}")
    return json.loads(r.stdout)["explanation"]

def check(name, policy, data, sel, keys, cutset, must_flip):
    with open(data, newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    at = {row[0]: i for i, row in enumerate(body)}
    base = run(policy, data)
    changes = flipped = cut = 0
    for key in keys:
        ex = explain(policy, data, key)
        sel_entry = next(e for e in ex if e["section"] == "select" and e["name"] == sel)
        was = base[key][sel]
        if sel_entry["value"] != was:
            failures.append(f"{name} {key}: explain says {sel} {sel_entry['value']}, kam run {was}")
            continue
        is_cut = key in cutset
        lim = sel_entry.get("limit")
        if is_cut and (lim is None or not lim["condition"] or lim["kept"]):
            failures.append(f"{name} {key}: cut by the limit, but explain does not say so: {sel_entry['why']}")
        cut += is_cut
        claimed_any = False
        for e in (e for e in ex if e["section"] == "change"):
            field, why = e["name"], e["why"]
            value = e.get("data", e["value"].replace(",", ""))
            claims = e.get("flips", "not enough on its own" not in why)
            claimed_any |= claims
            out = os.path.join(t, "changed.csv")
            with open(out, "w", newline="") as f:
                w = csv.writer(f, lineterminator="\n")
                w.writerow(header)
                for i, row in enumerate(body):
                    if i == at[key]:
                        row = list(row)
                        row[header.index(field)] = value
                    w.writerow(row)
            now = run(policy, out)[key][sel]
            changes += 1
            flips = now != was
            flipped += flips
            if flips != claims:
                failures.append(f"{name} {key}: {field}={value}: explain says it {'flips' if claims else 'does not flip'} "
                                f"{sel}, kam run gives {was} -> {now} ({why})")
        if is_cut and must_flip and not claimed_any:
            failures.append(f"{name} {key}: cut by the limit, but no change that flips it was given")
    print(f"{name}: {len(keys)} accounts, {cut} cut by a limit, {changes} changes tried, {flipped} flip")
    return changes, flipped, cut

ex_p, ex_d = os.path.join(root, "examples/key_accounts.kam"), os.path.join(root, "examples/accounts.csv")
keys = list(run(ex_p, ex_d))[::SAMPLE]
c, f, _ = check("example", ex_p, ex_d, "key_account", keys, set(), False)
if f < least(20):
    failures.append(f"example: only {f} flipping changes")

# graded weights: changes that move a line's points, not only its condition
lc_p, lc_d = os.path.join(root, "examples/lifecycle.kam"), os.path.join(root, "examples/lifecycle.csv")
c, f, _ = check("lifecycle", lc_p, lc_d, "deep", list(run(lc_p, lc_d))[::SAMPLE], set(), False)
if f < least(4):
    failures.append(f"lifecycle: only {f} flipping changes")

gen = os.path.join(t, "gen.csv")
free_of = {"layered": "layered_free.kam"}
for pol, sel in (("capped", "key_account"), ("byfit", "key_account"), ("agg", "key_account"),
                 ("layered", "key_account"), ("pergroup", "key_account")):
    p = os.path.join(t, pol + ".kam")
    res = run(p, gen)
    keys = list(res)
    # every account the limit cut is checked (up to 25), then a spread of others
    free = (run(os.path.join(t, free_of[pol]), gen) if pol in free_of
            else run(os.path.join(root, "bench/bench.kam"), gen) if pol != "agg" else {})
    cutkeys = [k for k in keys if free and free[k]["key_account"] == "true" and res[k][sel] == "false"][:25 // SAMPLE]
    others = [k for k in keys[::len(keys) // 25] if k not in cutkeys][:25 // SAMPLE]
    c, f, n = check(pol, p, gen, sel, cutkeys + others, set(cutkeys), pol in ("capped", "pergroup"))
    if pol != "agg" and n < least(10):
        failures.append(f"{pol}: only {n} accounts cut by the limit: test data too small")
    if f < least(10):
        failures.append(f"{pol}: only {f} flipping changes")

for m in failures[:30]:
    print("FAIL", m)
if len(failures) > 30:
    print(f"... {len(failures)} failures in all, {sum('explain says it' in m for m in failures)} of them a change "
          "whose effect explain got wrong")
sys.exit(1 if failures else 0)
EOF
