#!/usr/bin/python3
"""random_agree.py — kam's commands agree with each other on random policies.

The random policies and accounts of sql_random.py (every construct of the
language, ties, missing values, records kam cannot read) are run by
`kam run --format csv -j 1`, the reference, and then by the other ways to
get the same answer, which must give it:

  * `kam run -j 2` with tiny chunks (KAM_CHUNK_BYTES): stdout, stderr and
    exit status byte for byte;
  * `kam run` reading the data from standard input: stdout and exit status;
  * `kam explain --id K --format json` for some accounts: every select,
    tier, stage, entitlement (and its terms) and flag as kam run says;
  * `kam diff --set ...` (when the seed's options set params): the accounts
    it names are exactly those whose row `kam run --set` changes;
  * the REPL: each select typed at the prompt counts as many true and false
    as kam run's column.

usage: random_agree.py [--seed S | --seeds N [--first S]] [--kam KAM]
Exit status 0 when every seed agreed, 1 otherwise (each failure prints its
seed: `--seed S` reproduces it)."""
import argparse
import csv
import io
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import common  # noqa: E402
from sql_random import Case, Gen  # noqa: E402

fails = []


def run(kam, args, stdin=None, env=None):
    p = subprocess.run([kam] + args, input=stdin, capture_output=True, env=env)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def rows_of(text):
    rd = list(csv.reader(io.StringIO(text)))
    if not rd:
        return [], {}
    head = rd[0]
    return head, {r[0]: dict(zip(head, r)) for r in rd[1:]}


def fail(seed, what, detail=""):
    fails.append(seed)
    print(f"FAIL seed {seed}: {what}")
    if detail:
        print("     " + str(detail)[:1200].replace("\n", "\n     "))


def kinds_of(policy_text):
    """The rule names of each kind, from the policy's text (one rule a line)."""
    kinds = {"select": [], "tier": [], "stages": [], "entitle": [], "flag": []}
    for line in policy_text.splitlines():
        w = line.split()
        if len(w) >= 2 and w[0] in kinds:
            kinds[w[0]].append(w[1])
    return kinds


def one(kam, seed, work):
    g = Gen(seed)
    lines = g.policy()
    case = Case(lines[0], g.fields, lines[2:], g.data(), g.options(), g.record_text)
    d = tempfile.mkdtemp(prefix=f"a{seed}-", dir=work)
    pol, data = case.write(d)
    opts = case.opts
    asof = opts[:2]
    sets = opts[2:]
    base = ["run", pol, data, "--format", "csv"] + asof
    rc, out, err = run(kam, base + ["-j", "1"])
    if rc not in (0, 3):
        return      # a policy kam refuses: sql_random.py reports generator bugs
    # several workers, tiny chunks
    env = dict(os.environ, KAM_CHUNK_BYTES="256")
    prc, pout, perr = run(kam, base + ["-j", "2"], env=env)
    if (prc, pout, perr) != (rc, out, err):
        fail(seed, "kam run -j 2 differs from -j 1",
             f"exit {rc} vs {prc}\n-j1 out:\n{out[:500]}\n-j2 out:\n{pout[:500]}\n"
             f"-j1 err:\n{err[:300]}\n-j2 err:\n{perr[:300]}")
    # standard input
    with open(data, "rb") as f:
        src = f.read()
    src_rc, sout, _ = run(kam, ["run", pol, "-", "--format", "csv"] + asof, stdin=src)
    if (src_rc, sout) != (rc, out):
        fail(seed, "kam run from standard input differs from the file",
             f"exit {rc} vs {src_rc}\nfile:\n{out[:400]}\nstdin:\n{sout[:400]}")
    head, rows = rows_of(out)
    kinds = kinds_of(case.policy_text())
    check_summary(seed, kam, base, rows, kinds, [])
    if sets:
        _, srows = rows_of(run(kam, base + sets)[1])
        check_summary(seed, kam, base, srows, kinds, sets)
    # explain, for a few accounts
    for key in list(rows)[:3]:
        erc, eout, eerr = run(kam, ["explain", pol, data, "--id", key, "--format", "json"] + asof)
        if erc not in (0, 3):
            fail(seed, f"kam explain --id {key!r} failed (exit {erc})", eerr)
            continue
        try:
            ex = json.loads(eout)["explanation"]
        except (ValueError, KeyError) as e:
            fail(seed, f"kam explain --id {key!r}: not the JSON expected ({e})", eout[:300])
            continue
        row = rows[key]
        ents = set(filter(None, row.get("entitlements", "").split(";")))
        flags = set(filter(None, row.get("flags", "").split(";")))
        for e in ex:
            sec, name, val = e.get("section"), e.get("name"), e.get("value")
            want = None
            if sec == "select" and name in row:
                want = row[name]
            elif sec in ("tier", "stages") and name in row and row[name]:
                want = row[name]
            elif sec == "entitlement" and name in kinds["entitle"]:
                want = "yes" if name in ents else "no"
            elif sec == "flag" and name in kinds["flag"]:
                want = "yes" if name in flags else "no"
            if want is not None and val != want:
                fail(seed, f"kam explain --id {key!r} says {sec} {name} = {val!r}, kam run {want!r}")
            if sec == "entitlement" and e.get("terms") and name in ents:
                for t, v in e["terms"].items():
                    if isinstance(v, bool):
                        v = "true" if v else "false"
                    if v is None:       # a term that is missing: an empty cell
                        v = ""
                    col = f"{name}.{t}"
                    if col in row and str(v) != row[col] and not same_num(v, row[col]):
                        fail(seed, f"kam explain --id {key!r}: term {col} = {v!r}, kam run {row[col]!r}")
    # what-if: kam diff names what kam run --set changes
    if sets:
        wrc, wout, _ = run(kam, base + sets)
        drc, dout, derr = run(kam, ["diff", pol, data, "--format", "csv"] + asof + sets)
        frc, fout, ferr = run(kam, ["diff", pol, data, "--format", "csv"] + asof + sets,
                              env=dict(os.environ, KAM_NO_DELTA="1"))
        rep = ["report", pol, data, "--format", "md"] + asof + sets
        r1 = run(kam, rep)
        r2 = run(kam, rep, env=dict(os.environ, KAM_NO_DELTA="1"))
        if r1 != r2:
            fail(seed, "kam report --set by difference differs from kam report in full",
                 f"{' '.join(sets)}\nby difference ({r1[0]}):\n{r1[1][-800:]}{r1[2][:300]}\n"
                 f"in full ({r2[0]}):\n{r2[1][-800:]}{r2[2][:300]}")
        if (frc, fout, ferr) != (drc, dout, derr):
            fail(seed, "kam diff by difference differs from kam diff in full",
                 f"{' '.join(sets)}\nby difference ({drc}):\n{dout[:800]}{derr[:400]}\n"
                 f"in full ({frc}):\n{fout[:800]}{ferr[:400]}")
        if wrc in (0, 3) and drc in (0, 3):
            _, wrows = rows_of(wout)
            changed = {k for k in rows if k in wrows and rows[k] != wrows[k]}
            _, drows_list = head_and_list(dout)
            named = {r[0] for r in drows_list}
            named &= set(rows) & set(wrows)
            # an account whose every change is past kam run's 15 digits
            for k in list(named):
                if all(len(r) == 4 and past_digits(f"{r[2]} -> {r[3]}") for r in drows_list if r[0] == k):
                    named.discard(k)
                    changed.discard(k)
            if changed != named:
                fail(seed, "kam diff names other accounts than kam run --set changes",
                     f"{' '.join(sets)}\nchanged: {sorted(changed)}\nnamed:   {sorted(named)}")
        elif (wrc in (0, 3)) != (drc in (0, 3)):
            fail(seed, f"kam run --set exits {wrc}, kam diff {drc}", derr[:400])
    # the REPL's what-ifs: by difference from the baseline (session.c) as
    # in full (KAM_NO_DELTA), and :diff lists what kam run --set changes
    wsets = sets
    if not wsets and g.params:      # a what-if of its own for the REPL
        nm, u, _ = g.params[seed % len(g.params)]
        wsets = ["--set", nm + "=" + {"int": "2", "number": "2.5", "money": "1.5M", "percent": "8%",
                                      "flex": "7"}.get(u, "2")]
    if wsets:
        sets = wsets
        pairs = [a.split("=", 1) for a in sets[1::2]]
        script = "".join(f":set {n} = {v}\n" for n, v in pairs) + ":diff\n"
        sweep_vals = []
        for n, v in pairs[:1]:
            kind = "%" if v.endswith("%") else "M" if v.endswith("M") or v == "100" else "0"
            rng = {"%": "0%..20% step 5%", "M": "0..2M step 500k", "0": "-2..4 step 2"}
            script += f":sweep {n} " + rng[kind] + "\n"
            sweep_vals = [(n, x) for x in {"%": ["0%", "5%", "10%", "15%", "20%"],
                                           "M": ["0", "500k", "1M", "1.5M", "2M"],
                                           "0": ["-2", "0", "2", "4"]}[kind]]
        script += ":reset\n:set " + pairs[0][0] + " = " + pairs[0][1] + "\n:diff\n"
        # and every batch of the frontier (runtime/vm_batch.c) against vm_run
        tenv = dict(os.environ, KAM_DELTA_TRACE="1", KAM_BATCH_CHECK="1")
        fenv = dict(os.environ, KAM_NO_DELTA="1")
        drc, dout, derr = run(kam, ["repl", pol, data] + asof, stdin=script.encode(), env=tenv)
        frc, fout, ferr = run(kam, ["repl", pol, data] + asof, stdin=script.encode(), env=fenv)
        if "by difference" in derr:
            by_difference.add(seed)
        if re.search(r"\([1-9][0-9]* in batches\)", derr):
            batched.add(seed)
        if "batch check: record" in derr:
            fail(seed, "a batch of the frontier differs from vm_run (KAM_BATCH_CHECK)",
                 f"{script}\n" + "\n".join(l for l in derr.split("\n") if "batch check" in l)[:800])
        check_sweep(seed, kam, base, sets, dout, sweep_vals, kinds, head)
        if (drc, dout) != (frc, fout):
            fail(seed, "the REPL's what-ifs by difference differ from the full evaluation",
                 f"{script}\nby difference:\n{dout[:1500]}\nin full:\n{fout[:1500]}")
        wrc, wout, _ = run(kam, base + sets)
        if wrc in (0, 3) and len(rows) <= 50:
            _, wrows = rows_of(wout)
            changed = {k for k in rows if k in wrows and rows[k] != wrows[k]}
            listed = set()
            for line in dout.split("\n"):
                if "accounts changed" in line or "account changed" in line:
                    break       # the first :diff ends there
                # "KEY  changes" or "KEY — display: changes"; keys may hold spaces
                if "(what-if;" in line or line.startswith("... and"):
                    continue
                keys = [k for k in rows if line.startswith(k + " ")]
                if keys:
                    k = max(keys, key=len)
                    if past_digits(line[len(k):]):
                        changed.discard(k)      # kam run's 15 digits cannot show it
                    else:
                        listed.add(k)
            # its counts per select are kam run's without and with the what-if
            for line in dout.split("\n"):
                if "accounts changed" in line or "account changed" in line:
                    break
                m = re.match(r"^(\S+): ([\d,]+) -> ([\d,]+) ", line)
                if m and m.group(1) in kinds["select"] and m.group(1) in head:
                    sel = m.group(1)
                    want = (sum(1 for r in rows.values() if r.get(sel) == "true"),
                            sum(1 for r in wrows.values() if r.get(sel) == "true"))
                    got = (int(m.group(2).replace(",", "")), int(m.group(3).replace(",", "")))
                    if got != want:
                        fail(seed, f"the REPL's :diff counts {sel} {got[0]} -> {got[1]}, kam run {want[0]} -> {want[1]}",
                             script + "\n" + dout[:1200])
            if changed != listed:
                fail(seed, "the REPL's :diff lists other accounts than kam run --set changes",
                     f"{script}\nchanged: {sorted(changed)}\nlisted:  {sorted(listed)}\n{dout[:1500]}")
    # the REPL counts each select as kam run does
    for sel in [s for s in kinds["select"] if s in head][:2]:
        rrc, rout, rerr = run(kam, ["repl", pol, data] + asof, stdin=(sel + "\n").encode())
        got = {"true": 0, "false": 0}
        for line in rout.splitlines():
            w = line.split()
            if len(w) >= 2 and w[0] in got and w[1].replace(",", "").isdigit():
                got[w[0]] = int(w[1].replace(",", ""))
        want = {v: sum(1 for r in rows.values() if r[sel] == v) for v in ("true", "false")}
        if got != want:
            fail(seed, f"the REPL counts {sel} as {got}, kam run {want}", rout[:600] + rerr[:300])


by_difference = set()
batched = set()     # and in batches, for some accounts at least


def check_summary(seed, kam, base, rows, kinds, sets):
    """kam run --summary --format json counts what kam run's rows say."""
    rc, out, err = run(kam, base + sets + ["--summary", "--format", "json"])
    if rc not in (0, 3):
        return
    try:
        sm = json.loads(out)
    except ValueError as e:
        fail(seed, f"kam run --summary --format json: not JSON ({e})", out[:300])
        return
    def count(v):
        return v["accounts"] if isinstance(v, dict) else v
    got, want = {}, {}
    got["records"], want["records"] = sm.get("records"), len(rows)
    for name, n in sm.get("selects", {}).items():
        got["select " + name] = n
        want["select " + name] = sum(1 for r in rows.values() if r.get(name) == "true")
    for sec in ("tiers", "stages"):
        for name, members in sm.get(sec, {}).items():
            for m, v in members.items():
                got[f"{name} {m}"] = count(v)
                cell = "" if m == "(none)" else m     # a tier no branch matched: empty
                want[f"{name} {m}"] = sum(1 for r in rows.values() if r.get(name) == cell)
    for sec, col in (("entitlements", "entitlements"), ("flags", "flags")):
        for name, v in sm.get(sec, {}).items():
            got[f"{sec} {name}"] = count(v)
            want[f"{sec} {name}"] = sum(1 for r in rows.values() if name in (r.get(col) or "").split(";"))
    if got != want:
        diff = {k: (got.get(k), want.get(k)) for k in set(got) | set(want) if got.get(k) != want.get(k)}
        fail(seed, f"kam run {' '.join(sets)} --summary counts other than its rows (summary, rows): {diff}")


def past_digits(text):
    """Whether every change in a :diff line ("fit 1,000,000,000,000,000.5 ->
    1,000,000,000,000,002.5; ...") is of numbers kam run's 15 significant
    digits print alike."""
    pairs = re.findall(r"(\S+) -> (\S+?)(?:;|$)", text.strip())
    if not pairs:
        return False
    for a, b in pairs:
        try:
            x, y = float(a.replace(",", "").rstrip("%")), float(b.replace(",", "").rstrip("%"))
        except ValueError:
            return False
        if "%.15g" % x != "%.15g" % y:
            return False
    return True


def check_sweep(seed, kam, base, sets, out, vals, kinds, head):
    """:sweep's table: each step's count of the first select and of each
    member of the first tier are kam run --set's at that value (the other
    what-ifs of the script in force)."""
    lines = out.split("\n")
    at = [i for i, l in enumerate(lines) if "stage moves" in l]
    if not at or not vals:
        return
    hdr = lines[at[0]].split()
    members = hdr[hdr.index("moves") + 1:]
    rows_out = lines[at[0] + 1:at[0] + 1 + len(vals)]
    sel = kinds["select"][0] if kinds["select"] else None
    tier = kinds["tier"][0] if kinds["tier"] else None
    name = vals[0][0]
    others = [a for a in sets[1::2] if not a.startswith(name + "=")]
    for (n, x), line in zip(vals, rows_out):
        tok = line.split()
        if len(tok) < 2 + len(members):
            fail(seed, f":sweep's row for {n} = {x} is not what the test reads", line)
            return
        tiers = [int(t.replace(",", "")) for t in tok[len(tok) - len(members):]] if members else []
        count = int(tok[len(tok) - len(members) - 2].replace(",", "")) if sel else None
        setargs = []
        for a in others:
            setargs += ["--set", a]
        rc, rout, _ = run(kam, base + setargs + ["--set", f"{n}={x}"])
        if rc not in (0, 3):
            continue
        _, rws = rows_of(rout)
        if sel and sel in head:
            want = sum(1 for r in rws.values() if r.get(sel) == "true")
            if want != count:
                fail(seed, f":sweep {n}: at {x} it counts {sel} {count}, kam run --set {want}", out[:1500])
        if tier and tier in head and members:
            want = [sum(1 for r in rws.values() if r.get(tier) == m) for m in members]
            if want != tiers:
                fail(seed, f":sweep {n}: at {x} it counts {tier} {tiers}, kam run --set {want}", out[:1500])


def head_and_list(text):
    rd = list(csv.reader(io.StringIO(text)))
    return (rd[0] if rd else []), rd[1:]


def same_num(a, b):
    try:
        return float(a) == float(b) or "%.15g" % float(a) == b
    except (TypeError, ValueError):
        return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int)
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--first", type=int, default=1)
    ap.add_argument("--kam", default=os.environ.get("KAM", "build/kam"))
    a = ap.parse_args()
    seeds = [a.seed] if a.seed is not None else range(a.first, a.first + a.seeds)
    with tempfile.TemporaryDirectory() as work:
        n = 0
        for s in seeds:
            one(a.kam, s, work)
            n += 1
    common.check(not fails, f"{n} random policies: run -j 1/-j 2/stdin, explain, diff and the REPL agree"
                 + (f" (failed seeds: {sorted(set(fails))})" if fails else ""))
    if a.seed is None and n >= 20:
        common.check(len(by_difference) >= n // 10,
                     f"the REPL worked what-ifs out by difference for {len(by_difference)} of {n} policies "
                     "(at least a tenth: else the test no longer exercises it)")
        common.check(len(batched) >= 1,
                     f"the REPL ran a frontier in batches for {len(batched)} of {n} policies "
                     "(at least one: else the test no longer checks the batches against vm_run)")
    common.done()


if __name__ == "__main__":
    main()
