#!/usr/bin/env python3
"""The property suite of issue 10: for the example policy, generated
accounts and random param values, every command gives the same answer as
`kam run`, because they all evaluate through the one engine:

  * the REPL's counts (a bool, a tier, a stages block) equal kam run's;
  * `kam diff --set` lists exactly the changes found by comparing two
    `kam run` outputs, outcome by outcome;
  * `kam test` verdicts equal kam run's outcomes for the same accounts
    (tests written from the data with every field given, some of them
    deliberately wrong: exactly those must fail);
  * kam run's term columns (priority_support.sla_hours, ...) hold the
    term's value for exactly the accounts with the entitlement.

(explain's suggested changes are checked against kam run by
tests/cli/explain_agrees_run.sh.) Prints PASS/FAIL lines; usage:
agreement.py KAM ROOT WORKDIR."""
import csv, io, os, random, re, subprocess, sys
from decimal import Decimal

KAM, ROOT, WORK = sys.argv[1:4]
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
from common import check, kam  # noqa: E402,F401
common.KAM = KAM
POLICY = f"{ROOT}/examples/key_accounts.kam"
AS_OF = "2026-06-30"


def run_rows(data, sets):
    args = ["run", POLICY, data, "--as-of", AS_OF, "--format", "csv"]
    for s in sets:
        args += ["--set", s]
    rc, out, err = kam(*args)
    assert rc == 0, err
    return {r["id"]: r for r in csv.DictReader(io.StringIO(out))}


def policy_rules():
    text = open(POLICY).read()
    return text[: text.index("# --- examples that must hold")]


def field_types():
    rec = re.search(r"record account \{(.*?)\n\}", policy_rules(), re.S).group(1)
    types = {}
    for line in rec.splitlines():
        m = re.match(r"\s*(\w+):\s*(\w+)(\?)?", line)
        if m:
            types[m.group(1)] = m.group(2)
    return types


def literal(kind, text):
    """A data value as a kam literal of its field's type."""
    if kind == "string":
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if kind == "percent":
        if text.endswith("%"):
            return text
        return str((Decimal(text) * 100).normalize()) + "%"   # 0.1744 -> 17.44%
    return text     # money, int, bool, date, enum and stage members


gen = f"{WORK}/gen"
subprocess.run([os.environ.get("CC", "cc"), "-O2", "-o", gen, f"{ROOT}/bench/gen.c"], check=True)
rnd = random.Random(20261130)
types = field_types()
for trial, seed in enumerate([7, 11, 23]):
    data = f"{WORK}/a{seed}.csv"
    with open(data, "w") as f:
        subprocess.run([gen, "1500", str(seed)], stdout=f, check=True)
    floor = Decimal(rnd.randrange(10, 30)) / 2          # 5% .. 14.5%
    threshold = rnd.randrange(40, 85, 5)
    sets = [f"growth_floor={floor}%", f"key_threshold={threshold}"]
    tag = f"seed {seed}, growth_floor {floor}%, key_threshold {threshold}"
    base = run_rows(data, [])
    what = run_rows(data, sets)

    # 1. REPL counts under the what-if equal kam run's
    script = (f":set growth_floor = {floor}%\n:set key_threshold = {threshold}\n"
              "key_account\nservice_tier\nkam_stage\n")
    rc, out, err = kam("repl", POLICY, data, "--as-of", AS_OF, stdin=script)
    counts = {}
    for line in out.splitlines():
        m = re.match(r"^(\w+)\s+(\d+)\b", line)
        if m:
            counts.setdefault(m.group(1), int(m.group(2)))
    want = {"true": sum(r["key_account"] == "true" for r in what.values())}
    for col in ("service_tier", "kam_stage"):
        for r in what.values():
            want.setdefault(r[col], 0)
        for v in set(r[col] for r in what.values()):
            want[v] = sum(r[col] == v for r in what.values())
    bad = {k: (counts.get(k), v) for k, v in want.items() if counts.get(k) != v}
    check(rc == 0 and not bad, f"REPL counts equal kam run ({tag})", bad or err)

    # 2. kam diff lists exactly the changes between two kam run outputs
    rc, out, err = kam("diff", POLICY, data, "--as-of", AS_OF, "--format", "csv",
                       *sum((["--set", s] for s in sets), []))
    got = set()
    for r in csv.DictReader(io.StringIO(out)):
        got.add((r["id"], r["outcome"], r["before"], r["after"]))
    expect = set()
    for k, a in base.items():
        b = what[k]
        for col in ("fit", "key_account", "service_tier", "kam_stage"):
            if a[col] != b[col]:
                expect.add((k, col, a[col], b[col]))
        for col in ("entitlements", "flags"):
            sa = set(filter(None, a[col].split(";")))
            sb = set(filter(None, b[col].split(";")))
            for x in sa - sb:
                expect.add((k, x, "true", "false"))
            for x in sb - sa:
                expect.add((k, x, "false", "true"))
    check(rc == 0 and got == expect and len(expect) > 0,
          f"kam diff equals comparing two kam run outputs ({len(expect)} changes; {tag})",
          f"only in diff: {sorted(got - expect)[:5]} only in runs: {sorted(expect - got)[:5]} {err}")

    # 3. a term's column holds its value exactly for the accounts entitled
    terms = {"priority_support.sla_hours": ("priority_support", "4"),
             "custom_pricing.max_discount": ("custom_pricing", "0.12")}
    bad = [(k, col, o[col]) for k, o in what.items() for col, (ent, val) in terms.items()
           if o.get(col) != (val if ent in o["entitlements"].split(";") else "")]
    check(not bad, f"kam run's term columns follow its entitlements ({tag})", bad[:5])

    # 4. kam test verdicts equal kam run's outcomes for the same accounts
    rows = list(csv.DictReader(open(data)))
    sample = rnd.sample(rows, 25)
    wrong = set(r["id"] for r in sample[:5])       # these expect the opposite
    tests = [policy_rules()]
    for r in sample:
        given = ", ".join(f"{k}: {literal(types[k], v)}" for k, v in r.items() if v != "")
        given += f", growth_floor: {floor}%, key_threshold: {threshold}"
        o = what[r["id"]]
        sel = o["key_account"] if r["id"] not in wrong else ("false" if o["key_account"] == "true" else "true")
        tests.append(f'test "account {r["id"]}" as of {AS_OF} {{\n  given {{ {given} }}\n'
                     f'  expect key_account == {sel}\n  expect fit == {o["fit"]}\n'
                     f'  expect service_tier == {o["service_tier"] or "standard"}\n'
                     f'  expect kam_stage == {o["kam_stage"]}\n}}\n')
    tfile = f"{WORK}/tests{seed}.kam"
    open(tfile, "w").write("\n".join(tests))
    rc, out, err = kam("test", tfile)
    failed = set(re.findall(r"^FAIL account (\S+)", out, re.M))
    check(rc == 1 and failed == wrong and "20 passed, 5 failed" in out,
          f"kam test verdicts equal kam run ({tag})",
          f"failed {sorted(failed)}, want {sorted(wrong)}; {out[-300:]} {err[:600]}")

common.done(summary=True)
