#!/usr/bin/env python3
"""A differential test of issue 14's language-local constructs: the rules of
examples/lifecycle.kam written again in Python, run on generated accounts,
must give what `kam run` gives, account by account:

  * graded weights (clamp, min, a percent scaled to points, a negative
    weight dividing by a field its condition guards: never a data error
    where the condition fails), summed into the score;
  * the ordered enum `risk` compared with <=, >=, > by position;
  * a transition with two sources tried first from either stage (first
    listed wins), and a win-back from the final stage;
  * every account evaluated, none left out.

Random param values (--set margin_floor) vary the erosion threshold.
Prints PASS/FAIL lines; usage: lifecycle_model.py KAM ROOT WORKDIR."""
import csv, io, os, random, subprocess, sys
from decimal import Decimal, ROUND_HALF_UP

KAM, ROOT, WORK = sys.argv[1:4]
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
from common import check, kam  # noqa: E402,F401
common.KAM = KAM
POLICY = f"{ROOT}/examples/lifecycle.kam"
RISK = ["low", "medium", "high", "critical"]
STAGES = ["pre_kam", "early_kam", "mid_kam", "partnership", "uncoupling"]


def kam_round(x):
    """round() as kam does it: half away from zero on the shortest decimal."""
    return float(Decimal(repr(x)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def model(a, margin_floor):
    """depth, deep, kam_stage and escalate for one account (dict of values)."""
    risk = RISK.index(a["risk"])
    depth = 0.0
    if a["exec_contacts"] > 0:
        depth += min(max(a["exec_contacts"] * 2, 0), 20)
    if a["joint_projects"] > 0:
        depth += min(a["joint_projects"], 5) * 3
    if a["share_of_wallet"] > 0:
        depth += a["share_of_wallet"] / 1.0 * 30
    if risk <= RISK.index("low"):
        depth += 10
    if risk >= RISK.index("high") and a["months_in_stage"] > 0:
        depth -= kam_round(30 / a["months_in_stage"])
    deep = depth >= 40
    cur = a["stage"]
    stage = cur
    # first listed wins
    if cur in ("mid_kam", "partnership") and a["gross_margin"] < margin_floor and risk >= RISK.index("high"):
        stage = "uncoupling"
    elif cur == "pre_kam" and depth >= 15:
        stage = "early_kam"
    elif cur == "early_kam" and depth >= 30 and a["months_in_stage"] >= 6:
        stage = "mid_kam"
    elif cur == "mid_kam" and deep and a["joint_projects"] >= 2:
        stage = "partnership"
    elif cur == "uncoupling" and a["new_contract"]:
        stage = "pre_kam"
    escalate = deep and risk > RISK.index("medium")
    return depth, deep, stage, escalate


rnd = random.Random(20261201)
for trial in range(4):
    accounts = []
    for i in range(400):
        a = {
            "id": f"L{trial}{i:04d}",
            "name": f"Account {i}",
            "stage": rnd.choice(STAGES),
            "exec_contacts": rnd.choice([0, 0, 1, 2, 5, 9, 10, 11, 30]),
            "joint_projects": rnd.choice([0, 1, 2, 3, 5, 6, 12]),
            "gross_margin": rnd.choice([0, 1, 3, 5, 7, 8, 9, 12, 25]) / 100,
            "share_of_wallet": rnd.choice([0, 0, 5, 10, 33, 35, 50, 55, 60, 100]) / 100,
            "months_in_stage": rnd.choice([0, 0, 1, 2, 3, 4, 6, 7, 12, 20, 40]),
            "risk": rnd.choice(RISK),
            "new_contract": rnd.random() < 0.4,
        }
        accounts.append(a)
    data = f"{WORK}/life{trial}.csv"
    cols = list(accounts[0].keys())
    with open(data, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(cols)
        for a in accounts:
            w.writerow(["true" if v is True else "false" if v is False else v for v in (a[c] for c in cols)])
    floor = rnd.choice([0.04, 0.08, 0.1])
    p = subprocess.run([KAM, "run", POLICY, data, "--as-of", "2026-06-30", "--format", "csv",
                        "--set", f"margin_floor={floor}"], capture_output=True, text=True)
    check(p.returncode == 0, f"trial {trial}: kam run exits 0 (no data error where a condition fails)",
          p.stderr)
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(p.stdout))}
    check(len(rows) == len(accounts), f"trial {trial}: every account evaluated", len(rows))
    bad = []
    for a in accounts:
        r = rows.get(a["id"])
        if r is None:
            continue
        depth, deep, stage, esc = model(a, floor)
        got = float(r["depth"])
        flags = r["flags"].split(";") if r["flags"] else []
        if (abs(got - depth) > 1e-9 * max(1, abs(depth)) or (r["deep"] == "true") != deep
                or r["kam_stage"] != stage or ("escalate" in flags) != esc):
            bad.append((a, r, (depth, deep, stage, esc)))
    check(not bad, f"trial {trial}: depth, deep, kam_stage and escalate agree with the model "
          f"({len(accounts)} accounts, margin_floor {floor})", bad[:3])
    moved = {(a["stage"], rows[a["id"]]["kam_stage"]) for a in accounts if a["id"] in rows}
    check(("partnership", "uncoupling") in moved and ("mid_kam", "uncoupling") in moved
          and ("uncoupling", "pre_kam") in moved,
          f"trial {trial}: the data exercise both sources and the win-back", sorted(moved))

common.done()
