#!/usr/bin/python3
"""sql_random.py — random differential testing of `kam sql` (issue 15).

For each seed it generates a well-typed random policy (every construct of
the language: fields of every type, optional ones, enums and ordered enums,
params, consts, lets, scores with plain and graded weights, selects with
limits, tiers, stages with any/multi-source/win-back transitions,
entitlements with terms, flags, the aggregates with `where` and `per`,
every function, `??`, `is missing`, `in`, `between`, `if`) and random
accounts for it (ties, missing optional values, zeros that divide, month
ends, Feb 29, empty and non-ASCII strings), runs it with `kam run --format
csv` (the VM: the truth) and with `kam sql` on SQLite, DuckDB and
PostgreSQL (those available, through tests/sql/lib/engines.sh), and
compares the answers value by value. A policy `kam sql` refuses
(`sql-untranslatable`) is counted per construct, not a failure. A
disagreement is shrunk (rules, records and fields dropped while it still
disagrees) and written to a folder for a regression test.

usage:
  sql_random.py [--seed S | --seeds N [--first S]] [--kam KAM]
                [--engines sqlite,duckdb,postgres] [--save DIR] [--keep DIR]
                [--print] [--check-only]
  sql_random.py --case DIR      run one saved case (policy.kam, data.csv,
                                options) on every engine; exit 1 if any
                                disagrees

Exit status: 0 every run agreed (or was refused), 1 a disagreement or a
generator bug (a policy `kam check` rejects, a policy error in `kam run`).
The seed of a failure is printed; `--seed S` reproduces it."""
import argparse
import csv
import io
import math
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import common  # noqa: E402

NUM_UNITS = ("int", "number", "money", "percent")

# ---------------------------------------------------------------- values

INT_POOL = ["0", "1", "-1", "2", "3", "7", "10", "-5", "12", "100", "1000000",
            "9007199254740992", "-9007199254740992", "0", "2"]
NUMBER_POOL = ["0", "0.5", "1.5", "2.5", "-2.5", "-0.5", "0.1", "1e-7", "1.005",
               "0.285", "3", "1e15", "123.456", "-7", "2", "0.3"]
MONEY_POOL = ["0", "250000", "1250000.5", "100", "-100", "999.995", "0.01",
              "1e15", "250000", "42", "0.5", "-2.5"]
PERCENT_POOL = ["0", "0.12", "12%", "100%", "-0.05", "0.5", "1.5", "0.009",
                "12.3%", "0.25", "2.5%"]
DATE_POOL = ["2024-02-29", "2026-01-31", "2026-02-28", "2025-12-31",
             "2026-03-31", "2026-06-30", "2000-01-01", "2026-05-31",
             "1999-02-28", "2026-06-29", "2026-07-31", "2025-06-30",
             "2024-03-01", "0001-01-01", "9999-12-31"]
STRING_POOL = ["", "a", "A", "ÄB", "äb", "abc", "Abc", "b", "é", "x y",
               "a,b", 'q"t', "zz", "10", "9", "ß", "Ω", "AbC", " a", "a\\b",
               "mid_market", "ab", "\\N"]
BOOL_POOL = ["true", "false", "yes", "no", "1", "0"]
KEY_POOL = ["a", "B", "b", "Ä", "a1", "a10", "a9", "Z", "_x", "é", "k 1",
            "k,2", 'k"3', "0", "00", "A", "ab", "aB", "z", "Ω", "b-2", "~"]
AS_OF = ["2026-06-30", "2026-02-28", "2024-02-29", "2026-03-31", "2026-01-31",
         "2025-12-31", "2026-05-31"]
STRING_LITS = ["", "a", "A", "ÄB", "äb", "Abc", "b", "é", "ab", "10", "ß",
               "x y", 'q\\"t', "zz", "a,b"]
REGEXES = ["^a", "b$", "[[:upper:]]", "^.{2}$", "a|B", "[0-9]+", "é", "^$",
           "^[A-Z]", "(ab)+", "[^a-z]", "^.$", "Ä", "x|y|z"]
FIELD_NAMES = ["rev", "growth", "share", "margin", "visits", "contacts",
               "region", "segment", "since", "review", "name", "code",
               "risk", "group", "order", "user", "desc", "value", "from",
               "Name", "offset", "check", "size", "level", "amount", "count_",
               "x1", "y", "z9", "portfolio", "output", "primary"]


def fmt_num(x):
    return repr(x)


class Gen:
    """One random policy and its data."""

    def __init__(self, seed, avoid=()):
        self.avoid = set(avoid)   # constructs not to write (kam sql refused them)
        self.r = random.Random(seed)
        self.seed = seed
        self.n = 0
        self.enums = {}      # type id -> (members, ordered)
        self.vals = []       # (name, type, optional)
        self.fields = []     # (name, type, optional, decl)
        self.items = []      # policy items after the record, in order
        self.narrow = set()  # optional names known present here
        self.ents = []
        self.groups = []     # names usable after `per`
        self.params = []     # (name, type, value text)
        self.in_agg = 0      # inside an aggregate's parentheses
        self.aggy = set()    # rules that read an aggregate

    def fresh(self, p):
        self.n += 1
        return f"{p}{self.n}"

    def chance(self, p):
        return self.r.random() < p

    def pick(self, xs):
        return self.r.choice(xs)

    # ----------------------------------------------------------- record

    def make_record(self):
        r = self.r
        names = r.sample(FIELD_NAMES, r.randint(5, 11))
        if "case-names" in self.avoid:
            names = [n if n.lower() not in [m.lower() for m in names[:i]] else n + "_2"
                     for i, n in enumerate(names)]
        kinds = ["int", "number", "money", "percent", "bool", "date", "string",
                 "enum", "oenum"]
        # every kind at least sometimes; the first fields cover the numbers
        want = ["int", "money", "percent", "date", "string"]
        for i, nm in enumerate(names):
            k = want[i] if i < len(want) else r.choice(kinds)
            opt = r.random() < 0.3
            if k in ("enum", "oenum"):
                tid = self.fresh("E")
                m = r.sample(["lo", "mid", "hi", "top", "x", "enterprise",
                              "smb", "mid_market", "none_", "a_b"], r.randint(2, 4))
                self.enums[tid] = (m, k == "oenum")
                decl = ("enum ordered { " if k == "oenum" else "enum { ") + ", ".join(m) + " }"
                t = ("enum", tid)
            else:
                decl = k
                t = k
            self.fields.append((nm, t, opt, decl))
            self.vals.append((nm, t, opt))
            if t[0] == "enum" or t == "string":
                self.groups.append(nm)

    # --------------------------------------------------------- literals

    def lit(self, u):
        r = self.r
        if u == "int":
            return r.choice(["0", "1", "2", "3", "5", "10", "-1", "-3", "100",
                             "1_000", "1e6", "1e15"])
        if u == "number":
            return r.choice(["0", "0.5", "1.5", "2.5", "-2.5", "3", "0.1",
                             "1e-7", "10", "1.005", "0.285", "-0.5", "1e15"])
        if u == "money":
            return r.choice(["0", "250k", "1.5M", "100", "-100", "0.01", "2B",
                             "999.995", "1e15", "42", "1_000"])
        if u == "percent":
            return r.choice(["0%", "12%", "100%", "-5%", "0.5%", "150%", "12.3%",
                             "50%", "1e-7%"])
        if u == "date":
            return r.choice(["2026-02-28", "2024-02-29", "2025-12-31",
                             "2026-01-31", "2026-06-30", "2000-01-01", "2026-03-31"])
        if u == "string":
            return '"' + r.choice(STRING_LITS) + '"'
        if u == "bool":
            return r.choice(["true", "false"])
        raise ValueError(u)

    # ------------------------------------------------------------ atoms

    def atoms(self, t):
        out = []
        for nm, vt, opt in self.vals:
            if self.in_agg and nm in self.aggy and "nested-agg" in self.avoid:
                continue
            ok = vt == t or (t == "number" and vt in ("int", "flex")) or \
                (t == "money" and vt == "flex")
            if not ok:
                continue
            if opt and nm not in self.narrow:
                if isinstance(t, tuple):
                    d = self.pick(self.members(t))
                else:
                    d = self.lit(t if t != "number" or vt != "int" else "int")
                out.append(f"({nm} ?? {d})")
            else:
                out.append(nm)
        return out

    def members(self, t):
        kind, tid = t
        return self.enums[tid][0]

    def ordered(self, t):
        kind, tid = t
        if kind == "enum":
            return self.enums[tid][1]
        if kind == "stage":
            return True
        return False

    # ------------------------------------------------------ expressions

    def num(self, u, d, strict=False):
        """A numeric expression of unit u (int, number, money, percent).
        strict: of that unit for sure (a plain literal takes the unit of
        what it meets, so `250k / x` is no money / money)."""
        r = self.r
        atoms = self.atoms(u)
        if strict and u == "money":
            atoms = [a for a in atoms if not any(a == nm or a.startswith(f"({nm} ??")
                                                 for nm, vt, o in self.vals if vt == "flex")]
        if d <= 0 or r.random() < 0.3:
            if atoms and (strict or r.random() < 0.75):
                return r.choice(atoms)
            return self.lit(u)
        c = r.randint(0, 12)
        sub = lambda uu=u: self.num(uu, d - 1)  # noqa: E731
        ssub = lambda uu=u: self.num(uu, d - 1, strict)  # noqa: E731
        if c <= 2:                               # arithmetic
            if u == "money":
                return r.choice([
                    lambda: f"({ssub()} + {sub()})",
                    lambda: f"({ssub()} - {sub()})",
                    lambda: f"({self.num(u, d - 1, True)} * {self.num(self.pick(['int', 'number', 'percent']), d - 1)})",
                    lambda: f"({self.num(u, d - 1, True)} / {self.num(self.pick(['int', 'number']), d - 1)})",
                    lambda: f"(-{ssub()})",
                ])()
            if u == "int":
                return r.choice([
                    lambda: f"({sub()} + {sub()})",
                    lambda: f"({sub()} - {sub()})",
                    lambda: f"({sub()} * {sub()})",
                    lambda: f"(-{sub()})",
                    lambda: f"({self.num('date', 0) if False else self.date(d - 1)} - {self.date(d - 1)})",
                ])()
            if u == "number":
                return r.choice([
                    lambda: f"({sub()} + {sub()})",
                    lambda: f"({sub()} - {sub()})",
                    lambda: f"({sub()} * {sub()})",
                    lambda: f"({sub()} / {sub()})",
                    lambda: f"({self.num('money', d - 1, True)} / {self.num('money', d - 1, True)})",
                    lambda: f"({self.num('percent', d - 1)} / {self.num('percent', d - 1)})",
                    lambda: f"({self.num('int', d - 1)} / {self.num('int', d - 1)})",
                ])()
            if u == "percent":
                return r.choice([
                    lambda: f"({sub()} + {sub()})",
                    lambda: f"({sub()} - {sub()})",
                    lambda: f"({sub()} * {self.pick(['2', '0.5', '3', '-1'])})",
                    lambda: f"({sub()} / {self.pick(['2', '4', '0.5'])})",
                ])()
        if c <= 4:                               # functions of one unit
            f = r.choice(["abs", "floor", "ceil", "round", "round2", "min",
                          "max", "clamp"])
            if f == "round2" and "round2" in self.avoid:
                f = "round"
            if f == "round2":
                return f"round({ssub()}, {self.pick(['0', '1', '2', '-1', '-2', '3'])})"
            if f in ("min", "max"):
                return f"{f}({', '.join([ssub()] + [sub() for _ in range(r.randint(1, 2))])})"
            if f == "clamp":
                return f"clamp({ssub()}, {self.lit(u)}, {sub()})"
            return f"{f}({ssub()})"
        if c <= 6:                               # aggregates
            return self.agg(u, d - 1)
        if c == 7:
            return f"(if {self.boolean(d - 1)} then {ssub()} else {sub()})"
        if c == 8:
            opt = [nm for nm, vt, o in self.vals if o and nm not in self.narrow and
                   (vt == u or (u == "number" and vt == "int"))]
            if opt:
                nm = r.choice(opt)
                if r.random() < 0.5:
                    self.narrow.add(nm)
                    e = sub()
                    self.narrow.discard(nm)
                    return f"(if {nm} is missing then {ssub()} else {e})"
                return f"({nm} ?? {sub()})"
            return ssub()
        if u in ("int", "number"):               # int-valued functions
            f = r.choice(["len", "days_since", "months_since", "days_between",
                          "count", "rank", "datediff"])
            if f == "len":
                return f"len({self.string(d - 1)})"
            if f in ("days_since", "months_since"):
                return f"{f}({self.date(d - 1)})"
            if f == "days_between":
                return f"days_between({self.date(d - 1)}, {self.date(d - 1)})"
            if f == "datediff":
                return f"({self.date(d - 1)} - {self.date(d - 1)})"
            if f == "count":
                return self.count(d - 1)
            return self.rankish("rank", d - 1)
        if u == "percent" and r.random() < 0.5:
            return self.rankish("percentile", d - 1)
        return ssub()

    def agg_tail(self, d):
        s = ""
        if self.chance(0.4):
            s += f" where {self.boolean(d)}"
        if self.groups and self.chance(0.4):
            s += f" per {self.pick(self.groups)}"
        return s

    def nested(self, make, *a):
        """An aggregate, made by make(*a). With the knob nested-agg, not
        inside another aggregate (nor reading a rule that has one)."""
        if "nested-agg" in self.avoid and self.in_agg:
            return None
        self.in_agg += 1
        narrow = self.narrow
        self.narrow = set()     # `x is not missing` says nothing of the other
                                # records an aggregate reads (regress/010)
        try:
            return make(*a)
        finally:
            self.in_agg -= 1
            self.narrow = narrow

    def agg(self, u, d):
        return self.nested(self.agg1, u, d) or self.num(u, 0, True)

    def count(self, d):
        return self.nested(self.count1, d) or self.lit("int")

    def rankish(self, f, d):
        return self.nested(self.rankish1, f, d) or \
            self.lit("percent" if f == "percentile" else "int")

    def agg1(self, u, d):
        f = self.pick(["total", "avg", "min", "max"])
        if f == "avg" and u == "int":
            f = "total"
        arg = self.num(u if u != "number" or f != "avg" else self.pick(["int", "number"]), d, True)
        return f"{f}({arg}{self.agg_tail(d)})"

    def count1(self, d):
        c = self.r.randint(0, 3)
        tail = ""
        if self.groups and self.chance(0.4):
            tail = f" per {self.pick(self.groups)}"
        if c == 0:
            return f"count({tail.strip()})"
        if c == 1:
            return f"count({self.boolean(d)}{tail})"
        return f"count(where {self.boolean(d)}{tail})"

    def rankish1(self, f, d):
        u = self.pick(["int", "number", "money", "percent"])
        return f"{f}({self.num(u, d)}{self.agg_tail(d)})"

    def date(self, d):
        r = self.r
        atoms = self.atoms("date") + ["today"]
        if d <= 0 or r.random() < 0.4:
            return r.choice(atoms) if r.random() < 0.7 else self.lit("date")
        c = r.randint(0, 4)
        if c == 0:
            return f"({self.date(d - 1)} + {self.pick(['1', '30', '365', '-1', '0'])})"
        if c == 1:
            big = self.chance(0.3) and "date-overflow" not in self.avoid
            return f"({self.date(d - 1)} - {self.num('int', 0) if big else self.pick(['1', '29', '31'])})"
        if c == 2:
            return f"(if {self.boolean(d - 1)} then {self.date(d - 1)} else {self.date(d - 1)})"
        if c == 3:
            opt = [nm for nm, vt, o in self.vals if o and vt == "date" and nm not in self.narrow]
            if opt:
                return f"({self.pick(opt)} ?? {self.date(d - 1)})"
        return r.choice(atoms)

    def string(self, d):
        r = self.r
        atoms = self.atoms("string")
        if d <= 0 or r.random() < 0.4:
            return r.choice(atoms) if atoms and r.random() < 0.7 else self.lit("string")
        c = r.randint(0, 3)
        if c == 0:
            return f"{self.pick(['lower', 'upper'])}({self.string(d - 1)})"
        if c == 1:
            return f"(if {self.boolean(d - 1)} then {self.string(d - 1)} else {self.string(d - 1)})"
        if c == 2:
            opt = [nm for nm, vt, o in self.vals if o and vt == "string" and nm not in self.narrow]
            if opt:
                return f"({self.pick(opt)} ?? {self.string(d - 1)})"
        return r.choice(atoms) if atoms else self.lit("string")

    def enumish(self, d):
        """(expression, type) of an enum, tier or stage value."""
        cands = [(nm, vt, o) for nm, vt, o in self.vals if isinstance(vt, tuple)]
        if not cands:
            return None
        nm, vt, o = self.pick(cands)
        if o and nm not in self.narrow:
            return f"({nm} ?? {self.pick(self.members(vt))})", vt
        return nm, vt

    def boolean(self, d):
        r = self.r
        atoms = self.atoms("bool")
        if d <= 0 or r.random() < 0.15:
            if atoms and r.random() < 0.8:
                return r.choice(atoms)
            return self.lit("bool")
        c = r.randint(0, 17)
        if c <= 3:                                   # numeric comparison
            u = self.pick(NUM_UNITS)
            op = self.pick(["<", "<=", ">", ">=", "==", "!="])
            rhs = self.lit(u) if self.chance(0.5) else self.num(u, d - 1)
            return f"({self.num(u, d - 1)} {op} {rhs})"
        if c == 4:
            u = self.pick(NUM_UNITS)
            neg = "not " if self.chance(0.3) else ""
            return f"({self.num(u, d - 1)} {neg}between {self.lit(u)} and {self.num(u, d - 1)})"
        if c == 5:
            u = self.pick(["int", "number", "money", "percent", "string"])
            neg = "not " if self.chance(0.3) else ""
            if u == "string":
                lst = ", ".join(self.lit("string") for _ in range(self.r.randint(1, 3)))
                return f"({self.string(d - 1)} {neg}in [{lst}])"
            lst = ", ".join(self.lit(u) for _ in range(self.r.randint(1, 3)))
            return f"({self.num(u, d - 1)} {neg}in [{lst}])"
        if c == 6:                                   # dates
            op = self.pick(["<", "<=", ">", ">=", "==", "!="])
            if self.chance(0.2):
                return f"({self.date(d - 1)} between {self.lit('date')} and {self.date(d - 1)})"
            return f"({self.date(d - 1)} {op} {self.date(d - 1)})"
        if c == 7:                                   # strings
            op = self.pick(["<", "<=", ">", ">=", "==", "!="])
            return f"({self.string(d - 1)} {op} {self.string(d - 1)})"
        if c == 8:
            f = self.pick(["contains", "starts_with", "matches"])
            if f == "matches" and "matches" in self.avoid:
                f = "contains"
            if f == "matches":
                return f'matches({self.string(d - 1)}, "{self.pick(REGEXES)}")'
            return f"{f}({self.string(d - 1)}, {self.string(d - 1)})"
        if c <= 10:                                  # enums, tiers, stages
            e = self.enumish(d)
            if e:
                x, t = e
                mem = self.members(t)
                k = self.r.randint(0, 3)
                same = [nm for nm, vt, o in self.vals if vt == t and not o and nm != x]
                if same and self.chance(0.15):     # stage field and block, two of a tier
                    return f"({x} {self.pick(['==', '!='])} {self.pick(same)})"
                if k == 0 or (k >= 2 and not self.ordered(t)):
                    return f"({x} {self.pick(['==', '!='])} {self.pick(mem)})"
                if k == 1:
                    lst = ", ".join(self.r.sample(mem, self.r.randint(1, len(mem))))
                    return f"({x} {'not ' if self.chance(0.3) else ''}in [{lst}])"
                om = self.order_members(t)
                if k == 2:
                    return f"({x} {self.pick(['<', '<=', '>', '>='])} {self.pick(om)})"
                a, b = sorted(self.r.sample(range(len(om)), 2)) if len(om) > 1 else (0, 0)
                return f"({x} between {om[a]} and {om[b]})"
        if c == 11:
            opts = [nm for nm, vt, o in self.vals if o and nm not in self.narrow]
            if opts:
                nm = self.pick(opts)
                if self.chance(0.5):
                    return f"({nm} is {'not ' if self.chance(0.5) else ''}missing)"
                # narrowing
                self.narrow.add(nm)
                rest = self.boolean(d - 1)
                self.narrow.discard(nm)
                if self.chance(0.5):
                    return f"({nm} is not missing and {rest})"
                return f"({nm} is missing or {rest})"
        if c == 12:
            return f"(not {self.boolean(d - 1)})"
        if c == 13:
            return f"({self.boolean(d - 1)} and {self.boolean(d - 1)})"
        if c == 14:
            return f"({self.boolean(d - 1)} or {self.boolean(d - 1)})"
        if c == 15:
            return f"(if {self.boolean(d - 1)} then {self.boolean(d - 1)} else {self.boolean(d - 1)})"
        if c == 16 and self.ents:
            return f"entitled({self.pick(self.ents)})"
        if c == 17:
            opts = [nm for nm, vt, o in self.vals if o and vt == "bool" and nm not in self.narrow]
            if opts:
                return f"({self.pick(opts)} ?? {self.lit('bool')})"
        return r.choice(atoms) if atoms else self.lit("bool")

    def order_members(self, t):
        kind, tid = t
        if kind == "stage":
            return self.stage_order[tid]
        return self.enums[tid][0]

    def anyexpr(self, d):
        """(expression, type) of a random type, for terms and lets."""
        k = self.pick(["int", "number", "money", "percent", "bool", "date",
                       "string", "enum", "number", "money"])
        if k in NUM_UNITS:
            return self.num(k, d, k == "money"), k
        if k == "bool":
            return self.boolean(d), k
        if k == "date":
            return self.date(d), k
        if k == "string":
            return self.string(d), k
        e = self.enumish(d)
        if e:
            return e
        return self.string(d), "string"

    # ------------------------------------------------------------ items

    def label(self):
        if self.chance(0.3):
            return f' as "{self.pick(["why", "ÄB label", "x"])}"'
        return ""

    def desc(self):
        return f' "{self.pick(["A description", "Ärger", "d"])}"' if self.chance(0.2) else ""

    def make_items(self):
        r = self.r
        D = 3
        # params and consts
        for _ in range(r.randint(0, 3)):
            kind = self.pick(["param", "const"])
            nm = self.fresh("p" if kind == "param" else "c")
            u = self.pick(["int", "number", "money", "percent", "flex"])
            if u == "flex":
                v = self.pick(["60", "1.5M", "0", "2.5", "-3"])
                self.items.append(f"{kind} {nm}{self.desc()} = {v}")
            else:
                v = self.lit(u)
                if u == "int":
                    v = v.replace("9007199254740992", "7")
                self.items.append(f"{kind} {nm}{self.desc()}: {u} = {v}")
            self.vals.append((nm, u, False))
            if kind == "param":
                self.params.append((nm, u, v))
        # lets, scores, selects, tiers, entitlements, flags in random order
        n_rules = r.randint(3, 9)
        have_stages = self.chance(0.6)
        stage_at = r.randint(0, n_rules) if have_stages else -1
        for i in range(n_rules + 1):
            if i == stage_at:
                self.track(self.make_stages)
            if i == n_rules:
                break
            k = r.choice(["let", "let", "score", "select", "select", "tier",
                          "entitle", "entitle", "flag"])
            self.track(getattr(self, "make_" + k), D)
        # something that shows the lets and the rest in the output
        for _ in range(r.randint(1, 2)):
            self.track(self.make_entitle, D, True)
        if self.chance(0.5):
            self.track(self.make_flag, D)
        if self.chance(0.4):
            fs = r.sample([f[0] for f in self.fields], r.randint(1, min(3, len(self.fields))))
            self.items.insert(0, "output " + ", ".join(fs))

    def track(self, make, *a):
        """make(*a) adds an item; its names join aggy if it reads an
        aggregate or a rule that does."""
        n, k = len(self.vals), len(self.items)
        make(*a)
        text = "\n".join(self.items[k:])
        if re.search(r"\b(total|avg|min|max|count|rank|percentile)\(", text) or \
                any(re.search(rf"\b{x}\b", text) for x in self.aggy):
            self.aggy |= {v[0] for v in self.vals[n:]}

    def make_let(self, D):
        nm = self.fresh("l")
        e, t = self.anyexpr(D)
        decl = ""
        if isinstance(t, str) and t != "int" and self.chance(0.2):
            decl = f": {t}"
        self.items.append(f"let {nm}{self.desc()}{decl} = {e}")
        self.vals.append((nm, t, False))
        if isinstance(t, tuple) or t == "string":
            self.groups.append(nm)

    def make_score(self, D):
        nm = self.fresh("sc")
        lines = []
        consts = [n for n, vt, o in self.vals if vt in ("int", "number", "flex") and
                  (n.startswith("p") or n.startswith("c")) and n[1:].isdigit()]
        for _ in range(self.r.randint(1, 4)):
            neg = "- " if self.chance(0.25) else ""
            k = self.r.randint(0, 2)
            if k == 0:
                w = self.pick(["5", "10", "2.5", "0", "0.5", "100", "1e6"])
            elif k == 1 and consts:
                w = self.pick(consts)
            else:
                w = f"({self.num(self.pick(['int', 'number']), D)})"
            lines.append(f"{neg}{w} when {self.boolean(D)}{self.label()}")
        self.items.append(f"score {nm}{self.desc()} {{\n" + "\n".join(lines) + "\n}")
        self.vals.append((nm, "number", False))

    def make_select(self, D):
        nm = self.fresh("s")
        self.items.append(f"select {nm}{self.desc()} when {self.boolean(D)}")
        if self.chance(0.45) and not ("limit-rank" in self.avoid and any(
                "rank(" in it or "percentile(" in it for it in self.items)):
            cnt = self.pick(["0", "1", "2", "3", "5"])
            ip = [n for n, vt, o in self.vals if vt == "int" and n.startswith("p") and n[1:].isdigit()]
            if ip and self.chance(0.3):
                cnt = self.pick(ip)
            per = f" per {self.pick(self.groups)}" if self.groups and self.chance(0.4) else ""
            by = self.num(self.pick(NUM_UNITS), 2)
            self.items.append(f"limit {nm} to {cnt}{per} by {by}")
        self.vals.append((nm, "bool", False))

    def make_tier(self, D):
        nm = self.fresh("t")
        mem = self.r.sample(["gold", "silver", "bronze", "platinum", "x", "none_"],
                            self.r.randint(2, 4))
        lines = []
        for m in mem[:-1]:
            lines.append(f"{m} when {self.boolean(D)}{self.label()}")
        if self.chance(0.7) or "tier-no-value" in self.avoid:
            lines.append(f"{mem[-1]} otherwise{self.label()}")
        else:
            lines.append(f"{mem[-1]} when {self.boolean(D)}")
        if self.chance(0.2):     # the same name on two branches
            lines.insert(1, f"{mem[0]} when {self.boolean(D)}")
        self.items.append(f"tier {nm}{self.desc()} {{\n" + "\n".join(lines) + "\n}")
        tid = self.fresh("T")
        self.enums[tid] = (mem, False)
        self.vals.append((nm, ("tier", tid), False))
        self.groups.append(nm)

    def make_stages(self):
        r = self.r
        nm = self.fresh("st")
        order = r.sample(["pre", "early", "mid", "partner", "syn"], r.randint(2, 4))
        final = r.sample(["lost", "gone"], r.randint(0, 2))
        fld = self.pick(["stage", "phase"])
        tid = self.fresh("S")
        self.enums[tid] = (order + final, True)
        self.stage_order = getattr(self, "stage_order", {})
        self.stage_order[tid] = order
        # the current stage field
        self.fields.append((fld, ("stage", tid), False, nm))
        self.vals.append((fld, ("stage", tid), False))
        self.groups.append(fld)
        lines = [f"order {', '.join(order)}"]
        if final:
            lines.append(f"final {', '.join(final)}")
        for _ in range(r.randint(1, 5)):
            k = r.randint(0, 4)
            cond = self.boolean(3)
            if k == 0 and final:
                lines.append(f"any -> {self.pick(final)} when {cond}{self.label()}")
            elif k == 1 and len(order) > 2:
                srcs = r.sample(order, 2)
                dst = self.pick([s for s in order + final if s not in srcs])
                lines.append(f"{', '.join(srcs)} -> {dst} when {cond}{self.label()}")
            elif k == 2 and final:
                srcs = r.sample(final, r.randint(1, len(final)))
                lines.append(f"winback {', '.join(srcs)} -> {self.pick(order)} when {cond}{self.label()}")
            else:
                a = self.pick(order)
                b = self.pick([s for s in order + final if s != a])
                lines.append(f"{a} -> {b} when {cond}{self.label()}")
        self.items.append(f"stages {nm}{self.desc()} {{\n  " + "\n  ".join(lines) + "\n}")
        self.vals.append((nm, ("stage", tid), False))
        if "stages-block" in self.avoid:
            self.vals.pop()
        else:
            self.groups.append(nm)

    def make_entitle(self, D, many=False):
        nm = self.fresh("e")
        s = f"entitle {nm}{self.desc()} when {self.boolean(D)}"
        n_terms = self.r.randint(2, 5) if many else (self.r.randint(1, 2) if self.chance(0.5) else 0)
        if n_terms:
            terms = []
            for i in range(n_terms):
                e, t = self.anyexpr(D)
                terms.append(f"t{i}: {e}{self.label()}")
            s += " with {\n  " + "\n  ".join(terms) + "\n}"
        self.items.append(s)
        self.ents.append(nm)
        self.vals.append((nm, "bool", False))

    def make_flag(self, D):
        nm = self.fresh("f")
        self.items.append(f"flag {nm}{self.desc()} when {self.boolean(D)}")
        self.vals.append((nm, "bool", False))

    # ------------------------------------------------------------- text

    def record_text(self, fields=None):
        fields = self.fields if fields is None else fields
        lines = ["  id: string key"]
        for nm, t, opt, decl in fields:
            lines.append(f"  {nm}: {decl}{'?' if opt else ''}")
        return "record account {\n" + "\n".join(lines) + "\n}"

    def policy(self):
        self.make_record()
        self.make_items()
        return [f'policy "random {self.seed}"', self.record_text()] + self.items

    # ------------------------------------------------------------- data

    def data(self):
        r = self.r
        n = r.randint(3, 12)
        keys = r.sample(KEY_POOL, n)
        pools = {}
        for nm, t, opt, decl in self.fields:
            if t == "int":
                p = INT_POOL
            elif t == "number":
                p = NUMBER_POOL
            elif t == "money":
                p = MONEY_POOL
            elif t == "percent":
                p = PERCENT_POOL
            elif t == "date":
                p = DATE_POOL[:13] if r.random() < 0.8 else DATE_POOL
            elif t == "string":
                p = STRING_POOL
            elif t == "bool":
                p = BOOL_POOL
            else:
                p = self.enums[t[1]][0]
            pools[nm] = r.sample(p, min(len(p), r.randint(2, 5)))   # ties
        rows = [["id"] + [f[0] for f in self.fields]]
        for k in keys:
            row = [k]
            for nm, t, opt, decl in self.fields:
                if opt and r.random() < 0.3:
                    row.append("")
                else:
                    row.append(r.choice(pools[nm]))
            if r.random() < 0.05:       # a value kam cannot read: the record is left out
                i = r.randrange(len(self.fields))
                nm, t, opt, decl = self.fields[i]
                if t != "string":
                    bad = {"int": ["1.5", "x"], "date": ["2026-02-30", "2026-13-01"],
                           "bool": ["maybe"]}.get(t, ["abc", "1..2"])
                    row[i + 1] = r.choice(bad + ([] if opt else [""]))
            rows.append(row)
        return rows

    def options(self):
        o = ["--as-of", self.pick(AS_OF)]
        for nm, u, v in self.params:
            if self.chance(0.3):
                nv = {"int": self.pick(["0", "2", "-1"]),
                      "number": self.pick(["0", "2.5", "-1"]),
                      "money": self.pick(["0", "100", "1.5M"]),
                      "percent": self.pick(["8%", "0%", "100%"]),
                      "flex": self.pick(["0", "7"])}[u]
                o += ["--set", f"{nm}={nv}"]
        return o


def write_csv(path, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        for row in rows:
            w.writerow(row)


# ---------------------------------------------------------------- running

class Runner:
    def __init__(self, kam, engines, work):
        self.kam = kam
        self.work = work
        self.engines_sh = os.path.join(ROOT, "tests/sql/lib/engines.sh")
        self.compare_py = os.path.join(ROOT, "tests/sql/compare.py")
        self.have_sql = "unknown command" not in self.run([kam, "sql", "--help"])[2]
        self.engines = []
        if self.have_sql:
            for e in engines:
                if self.have_engine(e):
                    self.engines.append(e)

    def run(self, args, **kw):
        p = subprocess.run(args, capture_output=True, text=True, **kw)
        return p.returncode, p.stdout, p.stderr

    def shell(self, *words):
        """One command to the shell that sourced tests/sql/lib/engines.sh
        (one shell for the whole run, so that PostgreSQL starts once):
        (exit status, what it printed)."""
        if not hasattr(self, "sh"):
            drv = ('. "$ROOT/tests/sql/lib/engines.sh"\nsql_init\n'
                   'while IFS= read -r line; do\n eval "set -- $line"\n o=$1; shift\n'
                   ' "$@" >"$o" 2>&1 </dev/null\n echo "rc=$?"\ndone\n')
            self.sh = subprocess.Popen(["sh", "-c", drv], stdin=subprocess.PIPE,
                                       stdout=subprocess.PIPE, text=True,
                                       env=dict(os.environ, KAM=self.kam, ROOT=ROOT,
                                                TMPDIR=self.work))
        out = os.path.join(self.work, "shell.out")
        import shlex
        self.sh.stdin.write(" ".join(shlex.quote(w) for w in (out,) + words) + "\n")
        self.sh.stdin.flush()
        line = self.sh.stdout.readline()
        if not line.startswith("rc="):
            return 1, "the engines shell ended"
        return int(line[3:]), open(out, errors="replace").read()

    def close(self):
        if hasattr(self, "sh"):
            self.sh.stdin.close()
            self.sh.wait()

    def have_engine(self, e):
        if os.path.exists(self.engines_sh):
            rc, why = self.shell("sql_have", e)
            if rc:
                print(f"note: no {e}: {why.strip()}")
            return rc == 0
        return e == "sqlite" and shutil.which("sqlite3") is not None

    def kam_run(self, pol, data, opts):
        return self.run([self.kam, "run", pol, data, "--format", "csv"] + opts)

    def sql_run(self, engine, pol, data, opts, out):
        """(status, detail): status ok | refused | error."""
        rc, so, se = self.run([self.kam, "sql", pol, "--dialect", engine] + opts)
        if rc == 1 and "sql-untranslatable" in se:
            return "refused", se
        if rc != 0:
            return "error", f"kam sql exit {rc}: {se}"
        if os.path.exists(self.engines_sh):
            rc, so = self.shell("sql_run", engine, pol, data, out, *opts)
            if rc == 2:
                return "refused", so
            if rc != 0:
                return "error", f"sql_run {engine} exit {rc}: {so}"
            return "ok", ""
        return self.sqlite_direct(pol, data, opts, out)

    def sqlite_direct(self, pol, data, opts, out):
        """Until tests/sql/lib/engines.sh exists: through the sqlite3 CLI."""
        rc, schema, se = self.run([self.kam, "sql", pol, "--schema", "--dialect", "sqlite"])
        if rc:
            return "error", f"kam sql --schema exit {rc}: {se}"
        exp = out + ".export.csv"
        rc, so, se = self.run([self.kam, "sql", pol, "--export", data, "-o", exp])
        if rc:
            return "error", f"kam sql --export exit {rc}: {se}"
        rc, query, se = self.run([self.kam, "sql", pol, "--dialect", "sqlite"] + opts)
        rows = parse_export(open(exp, encoding="utf-8").read())
        m = re.search(r'CREATE TABLE\s+("?)([^\s("]+)\1', schema, re.I)
        table = m.group(2) if m else "account"
        ins = []
        for row in rows[1:]:
            vals = []
            for v, quoted in row:
                if not quoted and v == "\\N":
                    vals.append("NULL")
                elif quoted:
                    vals.append("'" + v.replace("'", "''") + "'")
                else:
                    vals.append(v)
            ins.append(f'INSERT INTO "{table}" VALUES ({", ".join(vals)});')
        script = (schema + "\n" + "\n".join(ins) + "\n.headers on\n.mode csv\n"
                  ".nullvalue ''\n" + query.rstrip().rstrip(";") + ";\n")
        rc, so, se = self.run(["sqlite3", ":memory:"], input=script)
        if rc or se.strip():
            return "error", f"sqlite3 exit {rc}: {se}"
        open(out, "w").write(so)
        return "ok", ""

    def compare(self, truth_csv, engine_csv):
        """tests/sql/compare.py compares numbers exactly; kam run prints 15
        significant digits, so a number that differs only past them (the
        engine's 0.3416666666666666, kam's 0.341666666666667) is the same
        answer: such differences alone are agreement."""
        if os.path.exists(self.compare_py):
            rc, so, se = self.run([sys.executable, self.compare_py, truth_csv, engine_csv])
            if rc == 0:
                return True, ""
            ok, mine = compare(truth_csv, engine_csv)
            return ok, so + se
        return compare(truth_csv, engine_csv)


def parse_export(text):
    """RFC 4180, remembering which fields were quoted: [[(value, quoted)]]."""
    rows, row, i, n = [], [], 0, len(text)
    while i < n:
        if text[i] == '"':
            j, buf = i + 1, []
            while True:
                k = text.index('"', j)
                buf.append(text[j:k])
                if k + 1 < n and text[k + 1] == '"':
                    buf.append('"')
                    j = k + 2
                    continue
                i = k + 1
                break
            row.append(("".join(buf), True))
        else:
            j = i
            while j < n and text[j] not in ",\r\n":
                j += 1
            row.append((text[i:j], False))
            i = j
        if i < n and text[i] == ",":
            i += 1
            if i == n or text[i] in "\r\n":
                row.append(("", False))
            continue
        if i < n and text[i] == "\r":
            i += 1
        if i < n and text[i] == "\n":
            i += 1
        rows.append(row)
        row = []
    if row:
        rows.append(row)
    return rows


def as_num(s):
    try:
        return float(s)
    except ValueError:
        return None


def same(a, b):
    """kam run's text a and the engine's b: the same value as kam prints
    it (numbers to 15 significant digits)."""
    if a == b:
        return True
    x, y = as_num(a), as_num(b)
    if x is None or y is None or not (math.isfinite(x) and math.isfinite(y)):
        return False
    return x == y or "%.15g" % x == "%.15g" % y


def compare(truth_csv, engine_csv):
    """The fallback comparison (tests/sql/compare.py is the real one)."""
    t = list(csv.reader(open(truth_csv, encoding="utf-8")))
    e = list(csv.reader(open(engine_csv, encoding="utf-8")))
    if not e:
        return False, "the engine gave no output"
    th, eh = t[0], e[0]
    if eh[:-1] != th or eh[-1] != "kam_error":
        return False, f"columns differ: kam run {th}, engine {eh}"
    trows = {r[0]: r for r in t[1:]}
    diffs = []
    for r in e[1:]:
        k = r[0]
        if r[-1] != "":
            if k in trows:
                diffs.append(f"{k}: engine error {r[-1]!r}, kam run evaluated it")
            continue
        if k not in trows:
            diffs.append(f"{k}: kam run left it out (an error), the engine gave a row")
            continue
        for c, a, b in zip(th, trows[k], r):
            if not same(a, b):
                diffs.append(f"{k}.{c}: kam run {a!r}, engine {b!r}")
    ek = set(r[0] for r in e[1:])
    for k in trows:
        if k not in ek:
            diffs.append(f"{k}: no row from the engine")
    return not diffs, "\n".join(diffs[:12])


# ---------------------------------------------------------------- a case

class Case:
    """A policy (header, record fields, items), data rows and options."""

    def __init__(self, head, fields, items, rows, opts, record_text):
        self.head, self.fields, self.items = head, fields, items
        self.rows, self.opts, self.record_text = head and rows, opts, record_text

    def policy_text(self):
        return "\n".join([self.head, self.record_text(self.fields)] + self.items) + "\n"

    def write(self, d):
        os.makedirs(d, exist_ok=True)
        open(os.path.join(d, "policy.kam"), "w").write(self.policy_text())
        write_csv(os.path.join(d, "data.csv"), self.rows)
        open(os.path.join(d, "options"), "w").write(" ".join(quote_opt(o) for o in self.opts) + "\n")
        return os.path.join(d, "policy.kam"), os.path.join(d, "data.csv")


def quote_opt(o):
    return o if re.fullmatch(r"[A-Za-z0-9_.%=:+-]+", o) else "'" + o.replace("'", "'\\''") + "'"


class Stats:
    def __init__(self):
        self.policies = 0
        self.runs = {}          # engine -> [agreed, refused, disagreed, errors]
        self.refused = {}       # construct -> count
        self.failures = []      # (seed, what, detail)
        self.gen_bugs = 0

    def add(self, engine, i):
        self.runs.setdefault(engine, [0, 0, 0, 0])[i] += 1


def construct_of(err):
    m = re.search(r"error: (.*?) \[sql-untranslatable\]", err)
    text = m.group(1) if m else err.strip().splitlines()[0] if err.strip() else "?"
    text = re.sub(r"'[^']*'", "X", text.split(" (")[0])
    return re.sub(r"\d+", "N", text)[:80]


def evaluate(runner, case, d, engines):
    """{engine: (status, detail)} for the case written to d; status is
    agree | refused | disagree | error | invalid (the case is no test:
    kam check rejects it or kam run has policy errors)."""
    pol, data = case.write(d)
    rc, so, se = runner.run([runner.kam, "check", pol])
    if rc != 0:
        return {"*": ("invalid", "kam check: " + so + se)}
    truth = os.path.join(d, "truth.csv")
    rc, so, se = runner.kam_run(pol, data, case.opts)
    if rc not in (0, 3) or (rc == 3 and not so):
        return {"*": ("invalid", f"kam run exit {rc}: {se}")}
    open(truth, "w").write(so)
    res = {}
    for e in engines:
        out = os.path.join(d, f"{e}.csv")
        st, detail = runner.sql_run(e, pol, data, case.opts, out)
        if st == "ok":
            ok, diff = runner.compare(truth, out)
            st, detail = ("agree", "") if ok else ("disagree", diff)
            if not ok and gave_up(out):
                st, detail = "refused", "error: a record failed in a later portfolio pass (every row: use kam run) [sql-untranslatable]"
        res[e] = (st, detail)
    return res


def gave_up(engine_csv):
    """The query's answer when a record fails in a portfolio pass after the
    first (kam leaves it out and redoes the passes): every row's kam_error
    says to use kam run. The contract allows it; it is no disagreement."""
    rows = list(csv.reader(open(engine_csv, encoding="utf-8")))
    return len(rows) > 1 and all(r and "use kam run" in r[-1] for r in rows[1:])


def shrink(runner, case, engine, d, budget=400, want="disagree"):
    """Drops items, lines of items, records, fields and options while the
    case still disagrees on engine (want: or still fails to run there)."""
    tries = [0]

    def still(c):
        if tries[0] >= budget:
            return False
        tries[0] += 1
        r = evaluate(runner, c, d, [engine])
        return r.get(engine, ("",))[0] == want

    def variant(**kw):
        c = Case(case.head, case.fields, case.items, case.rows, case.opts, case.record_text)
        for k, v in kw.items():
            setattr(c, k, v)
        return c

    changed = True
    while changed and tries[0] < budget:
        changed = False
        for i in reversed(range(len(case.items))):            # whole items
            c = variant(items=case.items[:i] + case.items[i + 1:])
            m = re.match(r"stages (\w+)", case.items[i])
            if m:       # a stages block goes with its stage field
                keep = [j for j, f in enumerate(case.fields) if f[3] != m.group(1)]
                c.fields = [case.fields[j] for j in keep]
                c.rows = [[r[0]] + [r[j + 1] for j in keep] for r in case.rows]
            if still(c):
                case, changed = c, True
        for i in reversed(range(len(case.items))):            # lines of items
            lines = case.items[i].split("\n")
            j = len(lines) - 2
            while j >= 1:
                nl = lines[:j] + lines[j + 1:]
                c = variant(items=case.items[:i] + ["\n".join(nl)] + case.items[i + 1:])
                if still(c):
                    case, lines, changed = c, nl, True
                j -= 1
        for i in reversed(range(1, len(case.rows))):          # records
            if len(case.rows) <= 2:
                break
            c = variant(rows=case.rows[:i] + case.rows[i + 1:])
            if still(c):
                case, changed = c, True
        for i in reversed(range(len(case.fields))):           # fields
            c = variant(fields=case.fields[:i] + case.fields[i + 1:],
                        rows=[r[:i + 1] + r[i + 2:] for r in case.rows])
            if still(c):
                case, changed = c, True
        i = 0
        while i < len(case.opts):                             # --set options
            if case.opts[i] == "--set":
                c = variant(opts=case.opts[:i] + case.opts[i + 2:])
                if still(c):
                    case, changed = c, True
                    continue
            i += 1
    evaluate(runner, case, d, [engine])       # leave the shrunk case's files
    return case


# what a refusal names -> the generator's name for the construct, to write
# the seed again without it (so that the rest of the policy is tested)
KNOBS = {
    "matches": "matches()",
    "round2": "round(x, digits)",
    "tier-no-value": "a tier without `otherwise`",
    "limit-rank": "a limit in a policy that has rank() or percentile()",
    "case-names": "two field names that differ only in case",
    "date-overflow": "a date minus an int field (9007199254740992 overflows it)",
    "nested-agg": "an aggregate inside another (directly or through a rule)",
    "stages-block": "the stages block's name read in an expression or after per",
}
AVOIDABLE = [(re.compile(r"\bmatches\b"), "matches"),
             (re.compile(r"round\(\) with digits"), "round2"),
             (re.compile(r"differ only in case"), "case-names")]


def one_seed(runner, seed, stats, args):
    avoid = set(args.avoid)
    for attempt in range(3):
        more = one_case(runner, seed, stats, args, avoid)
        if not more or more <= avoid:
            return
        avoid |= more


def one_case(runner, seed, stats, args, avoid):
    """Runs the case of seed (without the constructs in avoid); returns the
    avoidable constructs kam sql refused, if every refusal was one."""
    g = Gen(seed, avoid)
    lines = g.policy()
    case = Case(lines[0], g.fields, lines[2:], g.data(), g.options(), g.record_text)
    d = tempfile.mkdtemp(prefix=f"s{seed}-", dir=runner.work)
    stats.policies += 1
    tag = f"{seed}" + (f" without {','.join(sorted(avoid))}" if avoid else "")
    again = f"--seed {seed}" + (f" --avoid {','.join(sorted(avoid))}" if avoid else "")
    if args.print:
        print(case.policy_text())
        print("\n".join(",".join(r) for r in case.rows))
        print(" ".join(case.opts))
    res = evaluate(runner, case, d, [] if args.check_only else runner.engines)
    if "*" in res:
        stats.gen_bugs += 1
        stats.failures.append((seed, "generator", res["*"][1]))
        print(f"FAIL seed {tag}: the generator made an invalid case ({d})\n     "
              + res["*"][1][:1500].replace("\n", "\n     "))
        return None
    retry, other = set(), False
    for e, (st, detail) in res.items():
        if st == "agree":
            stats.add(e, 0)
        elif st == "refused":
            stats.add(e, 1)
            c = construct_of(detail)
            stats.refused[c] = stats.refused.get(c, 0) + 1
            hit = [name for rx, name in AVOIDABLE if rx.search(c)]
            retry |= set(hit)
            other = other or not hit
        else:
            if st == "error":
                stats.add(e, 3)
                print(f"FAIL seed {tag} on {e} (reproduce: tests/property/sql_random.py {again}): "
                      f"{detail[:1500]}")
            else:
                stats.add(e, 2)
                print(f"FAIL seed {tag}: kam run and {e} disagree (reproduce: "
                      f"tests/property/sql_random.py {again})\n     "
                      + detail[:1500].replace("\n", "\n     "))
            if args.save:
                small = shrink(runner, case, e, os.path.join(d, "shrink"), want=st)
                n = len([x for x in os.listdir(args.save) if re.match(r"\d{3}-", x)]) \
                    if os.path.isdir(args.save) else 0
                out = os.path.join(args.save, f"{n + 1:03d}-seed{seed}-{e}")
                small.write(out)
                r = evaluate(runner, small, out, [e])
                for f in ("truth.csv", f"{e}.csv"):
                    if os.path.exists(os.path.join(out, f)):
                        os.rename(os.path.join(out, f), os.path.join(out, f + ".seen"))
                open(os.path.join(out, "README"), "w").write(
                    f"seed {tag}, {e}: {r.get(e, ('', ''))[1]}\n")
                print(f"     shrunk to {out}")
            stats.failures.append((seed, e, detail))
    if not args.keep:
        shutil.rmtree(d, ignore_errors=True)
    return None if other else retry


def read_options(path):
    import shlex
    return shlex.split(open(path).read()) if os.path.exists(path) else []


def run_case(runner, d):
    """A saved regression: every engine must agree (or refuse). A file
    `open` in the case names the engines (words) on which it is a known
    disagreement not fixed yet: there it must still disagree (XFAIL), and
    agreeing fails until the engine is taken out of `open`. The word `kam`
    there: kam run itself may fail on it (a VM bug the sanitizers see)."""
    d = d.rstrip("/")
    pol, data = os.path.join(d, "policy.kam"), os.path.join(d, "data.csv")
    opts = read_options(os.path.join(d, "options"))
    known_on = set(open(os.path.join(d, "open")).read().split()) \
        if os.path.exists(os.path.join(d, "open")) else set()
    work = tempfile.mkdtemp(dir=runner.work)
    truth = os.path.join(work, "truth.csv")
    rc, so, se = runner.kam_run(pol, data, opts)
    name = os.path.basename(d.rstrip("/"))
    if rc not in (0, 3):
        if "kam" in known_on:       # a known VM bug that ASan catches, say
            print(f"XFAIL {name}: kam run fails (known: {d}/open)")
        else:
            common.check(False, f"{name}: kam run", se)
        return
    open(truth, "w").write(so)
    for e in runner.engines:
        out = os.path.join(work, f"{e}.csv")
        st, detail = runner.sql_run(e, pol, data, opts, out)
        if st == "refused":
            common.check(e not in known_on, f"{name} on {e}: refused ({construct_of(detail)})"
                         + (f"; take {e} out of {d}/open" if e in known_on else ""))
            continue
        if st == "error":
            ok, diff = False, detail
        else:
            ok, diff = runner.compare(truth, out)
        if e in known_on:
            if ok:
                common.check(False, f"{name} on {e}: agrees now; take {e} out of {d}/open")
            else:
                print(f"XFAIL {name} on {e}: still disagrees (known: {d}/open)")
        else:
            common.check(ok, f"{name} on {e}", diff)
    shutil.rmtree(work, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description="random differential testing of kam sql")
    ap.add_argument("--kam", default=os.environ.get("KAM", os.path.join(ROOT, "build/kam")))
    ap.add_argument("--seed", type=int)
    ap.add_argument("--seeds", type=int, help="how many seeds (default 20)")
    ap.add_argument("--first", type=int, default=1)
    ap.add_argument("--engines", default="sqlite,duckdb,postgres")
    ap.add_argument("--save", help="shrink each disagreement into DIR/NNN-...")
    ap.add_argument("--keep", action="store_true", help="keep the work files")
    ap.add_argument("--work", help="the work folder (default: a temporary one)")
    ap.add_argument("--print", action="store_true", help="print each case")
    ap.add_argument("--check-only", action="store_true",
                    help="only kam check and kam run each case (no kam sql)")
    ap.add_argument("--case", action="append", help="run a saved case folder")
    ap.add_argument("--avoid", default="", help="constructs not to write, by the "
                    "generator's names: " + "; ".join(f"{k} ({v})" for k, v in KNOBS.items()))
    ap.add_argument("--avoid-open", metavar="DIR", help="not the constructs of the "
                    "cases under DIR still open (their file `avoid`)")
    args = ap.parse_args()
    args.avoid = set(filter(None, args.avoid.split(",")))
    if args.avoid_open:
        for c in sorted(os.listdir(args.avoid_open)):
            c = os.path.join(args.avoid_open, c)
            if os.path.exists(os.path.join(c, "open")) and os.path.exists(os.path.join(c, "avoid")):
                args.avoid |= set(open(os.path.join(c, "avoid")).read().split())
    bad = args.avoid - set(KNOBS)
    if bad:
        ap.error(f"unknown construct {', '.join(sorted(bad))} to avoid (known: {', '.join(KNOBS)})")
    if args.avoid:
        print(f"note: not writing {', '.join(sorted(args.avoid))} (open findings)")
    kam = os.path.abspath(args.kam)
    common.KAM = kam
    work = args.work or tempfile.mkdtemp(prefix="sql_random.")
    os.makedirs(work, exist_ok=True)
    runner = Runner(kam, args.engines.split(","), work)
    try:
        if args.case:
            if not runner.have_sql:
                print("note: this kam has no `kam sql`: the saved cases are not run")
            else:
                for d in args.case:
                    run_case(runner, d)
                print(f"{len(args.case)} saved cases, {common.fails} failed")
            if args.seeds is None and args.seed is None:
                sys.exit(1 if common.fails else 0)
        if not runner.have_sql and not args.check_only:
            print("note: this kam has no `kam sql`: checking the generated cases only")
            args.check_only = True
        if args.check_only:
            runner.engines = []
        stats = Stats()
        first = args.first
        seeds = [args.seed] if args.seed is not None else range(first, first + (args.seeds or 20))
        for s in seeds:
            one_seed(runner, s, stats, args)
        print(f"{stats.policies} random policies (seeds {seeds[0]}..{seeds[-1]}), "
              f"engines: {', '.join(runner.engines) or 'none'}")
        for e, (a, r, d, x) in sorted(stats.runs.items()):
            print(f"  {e}: {a} agreed, {r} refused, {d} disagreed, {x} failed to run")
        for c, n in sorted(stats.refused.items(), key=lambda x: -x[1]):
            print(f"  refused {n}x: {c}")
        if stats.gen_bugs:
            print(f"  {stats.gen_bugs} invalid generated cases (generator bugs)")
        if stats.failures:
            print("failed seeds: " + " ".join(str(s) for s in sorted(set(f[0] for f in stats.failures))))
        sys.exit(1 if stats.failures or common.fails else 0)
    finally:
        runner.close()
        if not args.work and not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
