#!/usr/bin/env python3
"""Layered evaluation (issue 14) against a brute-force model: a policy
whose rules read aggregates of other rules, limits over selects that read
aggregates or other limits, aggregates over limited selects and scores —
planned by kam into several passes over the data — gives, for generated
accounts (bench/gen.c), exactly the outcomes this script computes directly
from the data, record by record, with whole lists in memory. Then the same
outcomes from standard input, JSON Lines and SQLite, and the REPL's counts.
The portfolio flags (worked out once, after the passes) equal the model's,
in --summary's JSON and in the REPL.
Prints PASS/FAIL lines; usage: layers.py KAM ROOT WORKDIR GEN."""
import csv, io, os, subprocess, sys

KAM, ROOT, WORK, GEN = sys.argv[1:5]
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
from common import check, kam  # noqa: E402,F401
common.KAM = KAM
AS_OF = "2026-06-30"

RECORD = open(f"{ROOT}/bench/bench.kam").read()
RECORD = RECORD[RECORD.index("record account {"):]
RECORD = RECORD[: RECORD.index("\n}\n") + 3]

POLICY = RECORD + """
stages kam_stage {
  order pre_kam, early_kam, mid_kam, partnership, synergistic
  final uncoupling
}

param team = 300

score fit {
  40 when profit_contribution > 200k
  30 when trust >= 3
  30 when prestige >= 4
}

# a select that reads an aggregate, capped by a limit (3 layers)
select above_avg when profit_contribution > avg(profit_contribution)
select key_account when above_avg and fit >= 40
limit key_account to team by profit_contribution

# percentile with a limit
select top_fifth when percentile(profit_contribution) >= 80%
limit top_fifth to 100 by annual_revenue

# aggregates of a score
select fit_high when fit > avg(fit) and rank(fit) <= 500

# a flag over a limited select
flag big_key "larger than the average key account"
     when key_account and annual_revenue > total(annual_revenue where key_account) / count(key_account)

# a limit capping a select that reads another limited select
select watch when not key_account and above_avg
limit watch to 50 by annual_revenue
select shortlist when watch or top_fifth
limit shortlist to 80 by exec_contacts

# per group
select seg_key when fit >= 40
limit seg_key to 25 per segment by profit_contribution
select seg_big when annual_revenue / total(annual_revenue per segment) > 0.1%
select seg_top when rank(fit per segment) <= 50 and percentile(profit_contribution per stage) >= 90%
select seg_above when profit_contribution > avg(profit_contribution per segment)
                  and exec_contacts > min(exec_contacts per segment)
                  and joint_projects < max(joint_projects per stage)
flag stage_crowded "over five segment key accounts in the stage" when count(seg_key per stage) > 5
flag seg_many "over 40 accounts of the segment in this stage" when count(where stage == pre_kam per segment) > 40

# portfolio flags: once per run, over aggregates of any layer
param top_share = 6%
portfolio flag concentration "the five largest carry over top_share of revenue"
  when total(annual_revenue where rank(annual_revenue) <= 5) / total(annual_revenue) > top_share
portfolio flag keys_over_half "more key accounts than half the team" when count(where key_account) > team / 2
portfolio flag key_revenue "key accounts carry over a quarter of revenue"
  when total(annual_revenue where key_account) > 25% * total(annual_revenue)
portfolio flag fit_spread "the best fit is over twice the average" when max(fit) > 2 * avg(fit)
"""


def limit(recs, cond, n, by):
    """The records a limit keeps: those with cond, highest `by` first, ties
    by ascending key (then position), the first n."""
    cands = [(i, r) for i, r in enumerate(recs) if cond(r)]
    cands.sort(key=lambda c: (-by(c[1]), c[1]["id"], c[0]))
    return {r["id"] for _, r in cands[:n]}


def model(recs, team):
    n = len(recs)
    for r in recs:
        r["fit"] = ((40 if r["profit_contribution"] > 200000 else 0) + (30 if r["trust"] >= 3 else 0)
                    + (30 if r["prestige"] >= 4 else 0))
    avg_profit = sum(r["profit_contribution"] for r in recs) / n
    for r in recs:
        r["above_avg"] = r["profit_contribution"] > avg_profit
    keys = limit(recs, lambda r: r["above_avg"] and r["fit"] >= 40, team,
                 lambda r: r["profit_contribution"])
    profits = [r["profit_contribution"] for r in recs]
    fits = [r["fit"] for r in recs]
    avg_fit = sum(fits) / n
    for r in recs:
        r["key_account"] = r["id"] in keys
        r["pct"] = sum(v < r["profit_contribution"] for v in profits) / n
        r["rank"] = 1 + sum(v > r["fit"] for v in fits)
        r["fit_high"] = r["fit"] > avg_fit and r["rank"] <= 500
    top = limit(recs, lambda r: r["pct"] >= 0.8, 100, lambda r: r["annual_revenue"])
    ks = [r for r in recs if r["key_account"]]
    mean_key = sum(r["annual_revenue"] for r in ks) / len(ks) if ks else 0
    watch = limit(recs, lambda r: not r["key_account"] and r["above_avg"], 50,
                  lambda r: r["annual_revenue"])
    for r in recs:
        r["top_fifth"] = r["id"] in top
        r["watch"] = r["id"] in watch
        r["big_key"] = r["key_account"] and r["annual_revenue"] > mean_key
    short = limit(recs, lambda r: r["watch"] or r["top_fifth"], 80, lambda r: r["exec_contacts"])
    for r in recs:
        r["shortlist"] = r["id"] in short
    # per group: each record against its own group only
    def groups(field):
        g = {}
        for r in recs:
            g.setdefault(r[field], []).append(r)
        return g
    seg, stage = groups("segment"), groups("stage")
    keep = set()
    for members in seg.values():
        keep |= limit(members, lambda r: r["fit"] >= 40, 25, lambda r: r["profit_contribution"])
    tot = {k: sum(r["annual_revenue"] for r in m) for k, m in seg.items()}
    avg = {k: sum(r["profit_contribution"] for r in m) / len(m) for k, m in seg.items()}
    mn = {k: min(r["exec_contacts"] for r in m) for k, m in seg.items()}
    mx = {k: max(r["joint_projects"] for r in m) for k, m in stage.items()}
    pre = {k: sum(r["stage"] == "pre_kam" for r in m) for k, m in seg.items()}
    for r in recs:
        r["seg_key"] = r["id"] in keep
        r["seg_big"] = r["annual_revenue"] / tot[r["segment"]] > 0.001
        fits = [o["fit"] for o in seg[r["segment"]]]
        profits = [o["profit_contribution"] for o in stage[r["stage"]]]
        rank = 1 + sum(v > r["fit"] for v in fits)
        pct = sum(v < r["profit_contribution"] for v in profits) / len(profits)
        r["seg_top"] = rank <= 50 and pct >= 0.9
        r["seg_above"] = (r["profit_contribution"] > avg[r["segment"]] and r["exec_contacts"] > mn[r["segment"]]
                          and r["joint_projects"] < mx[r["stage"]])
        r["seg_many"] = pre[r["segment"]] > 40
    crowd = {k: sum(r["seg_key"] for r in m) for k, m in stage.items()}
    for r in recs:
        r["stage_crowded"] = crowd[r["stage"]] > 5
    return {r["id"]: r for r in recs}


def portfolio_model(recs, team):
    """The portfolio flags, from the records model() filled in."""
    revs = [r["annual_revenue"] for r in recs]
    total = sum(revs)
    top = sum(v for v in revs if 1 + sum(o > v for o in revs) <= 5)
    nkey = sum(r["key_account"] for r in recs)
    fits = [r["fit"] for r in recs]
    return {"concentration": top / total > 0.06, "keys_over_half": nkey > team / 2,
            "key_revenue": sum(r["annual_revenue"] for r in recs if r["key_account"]) > 0.25 * total,
            "fit_spread": max(fits) > 2 * sum(fits) / len(fits)}


def read_data(path):
    recs = []
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            recs.append({"id": row["id"], "annual_revenue": float(row["annual_revenue"]),
                         "profit_contribution": float(row["profit_contribution"]),
                         "trust": int(row["trust"]), "prestige": int(row["prestige"]),
                         "exec_contacts": int(row["exec_contacts"]),
                         "joint_projects": int(row["joint_projects"]), "segment": row["segment"],
                         "stage": row["stage"]})
    return recs


def compare(got_csv, want, tag):
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(got_csv))}
    bad = []
    for k, w in want.items():
        g = rows.get(k)
        if g is None:
            bad.append((k, "missing"))
            continue
        for col in ("above_avg", "key_account", "top_fifth", "fit_high", "watch", "shortlist",
                    "seg_key", "seg_big", "seg_top", "seg_above"):
            if (g[col] == "true") != w[col]:
                bad.append((k, col, g[col]))
        if int(float(g["fit"])) != w["fit"]:
            bad.append((k, "fit", g["fit"]))
        for flag in ("big_key", "stage_crowded", "seg_many"):
            if (flag in g["flags"].split(";")) != w[flag]:
                bad.append((k, flag, g["flags"]))
    check(not bad and len(rows) == len(want), f"kam run equals the model ({tag})", bad[:10])


policy = os.path.join(WORK, "layered.kam")
open(policy, "w").write(POLICY)
rc, out, err = kam("check", policy)
check(rc == 0, "the layered policy checks", err)

for seed, n, team in ((1, 3000, 300), (7, 2000, 40), (11, 500, 1000)):
    data = os.path.join(WORK, f"a{seed}.csv")
    with open(data, "w") as f:
        subprocess.run([GEN, str(n), str(seed)], stdout=f, check=True)
    recs = read_data(data)
    want = model(recs, team)
    pwant = portfolio_model(recs, team)
    sets = ["--set", f"team={team}"]
    rc, out, err = kam("run", policy, data, "--as-of", AS_OF, "--format", "csv", *sets)
    check(rc == 0, f"kam run succeeds (seed {seed})", err)
    compare(out, want, f"seed {seed}, {n} accounts, team {team}")
    # the portfolio flags, once, in the summary
    rc, sout, err = kam("run", "--summary", "--format", "json", policy, data, "--as-of", AS_OF, *sets)
    import json
    got = json.loads(sout).get("portfolio") if rc == 0 else None
    check(got == pwant, f"the portfolio flags equal the model (seed {seed})", f"{got} want {pwant} {err}")
    # the same from standard input, JSON Lines and SQLite
    rc, sin, err = kam("run", policy, "-", "--as-of", AS_OF, "--format", "csv", *sets,
                       stdin=open(data).read())
    check(rc == 0 and sin == out, f"standard input equals the file (seed {seed})", err)
    jl = os.path.join(WORK, f"a{seed}.jsonl")
    with open(jl, "w") as f:
        subprocess.run([GEN, str(n), str(seed), "--format", "jsonl"], stdout=f, check=True)
    rc, jout, err = kam("run", policy, jl, "--as-of", AS_OF, "--format", "csv", *sets)
    check(rc == 0 and jout == out, f"JSON Lines equals CSV (seed {seed})", err)
    if subprocess.run(["sh", "-c", "command -v sqlite3"], capture_output=True).returncode == 0:
        db = os.path.join(WORK, f"a{seed}.db")
        subprocess.run(["sqlite3", db, f".import --csv {data} account"], check=True)
        rc, dout, err = kam("run", policy, db, "--as-of", AS_OF, "--format", "csv", *sets)
        check(rc == 0 and dout == out, f"SQLite equals CSV (seed {seed})", err)
    # the REPL's counts
    rc, rout, err = kam("repl", policy, data, "--as-of", AS_OF,
                        stdin=f":set team = {team}\ncount(key_account)\ncount(shortlist)\n"
                              "count(fit_high)\ncount(seg_key)\nconcentration\nkeys_over_half\n")
    nums = [line.split()[1] for line in rout.splitlines() if line.startswith("min ")]
    wantn = [str(sum(w[c] for w in want.values()))
             for c in ("key_account", "shortlist", "fit_high", "seg_key")]
    check(rc == 0 and nums[-4:] == wantn, f"the REPL counts equal the model (seed {seed})",
          f"{rout}\n{err}\nwant {wantn}")
    flags = [line.split()[0] == "true" for line in rout.splitlines() if "(the portfolio:" in line]
    check(flags == [pwant["concentration"], pwant["keys_over_half"]],
          f"the REPL's portfolio flags equal the model (seed {seed})", rout)

common.done()
