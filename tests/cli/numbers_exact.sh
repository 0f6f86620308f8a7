#!/bin/sh
# numbers_exact.sh — numbers are exact or refused (issue 11, items 6 and 7),
# cross-checked against Python where Python is the reference:
#   - every one-decimal percent 0.0% .. 99.9%, as a literal and as data
#     ("12.3%"), equals its decimal data form (0.123), and >= agrees;
#   - random decimal texts of 1 to 90 characters (long mantissas,
#     subnormals, 1e-23-style fractions) read as Python's float() reads them;
#   - round(x, d) is half away from zero on the shortest decimal of x
#     (Python's Decimal(repr(x)) quantized ROUND_HALF_UP), for ties such as
#     1.005, 0.285, 2.675 and random values;
#   - SQLite: a BLOB in a column no rule reads rejects nothing.
# See docs/limits.md and docs/language.md ("Numbers").
set -u
command -v python3 >/dev/null 2>&1 || { echo "python3 not found"; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
failed=0
cd "$tmp" || exit 1

# --- one-decimal percents: literal, percent text and decimal text agree
python3 - <<'PY'
lits = ["%d.%d%%" % (k // 10, k % 10) for k in range(1000)]
with open("pct.kam", "w") as f:
    f.write("record account {\n  id: string key\n  g: percent\n  h: percent\n}\n")
    # eq: the literals equal to g (1 expected); ge: the literals g reaches (k + 1)
    f.write("score eq {\n" + "".join("  1 when g == %s\n" % l for l in lits) + "}\n")
    f.write("score ge {\n" + "".join("  1 when g >= %s\n" % l for l in lits) + "}\n")
    f.write("score heq {\n" + "".join("  1 when h == %s\n" % l for l in lits) + "}\n")
    f.write("select same when g == h\n")
with open("pct.csv", "w") as f:
    f.write("id,g,h\n")
    for k in range(1000):
        # the decimal form of k/10 percent: 0.0XY as text, exactly
        dec = "0.%03d" % k
        f.write("%d,%s,%s\n" % (k, dec, lits[k]))
with open("pct.want", "w") as f:
    f.write("id,eq,ge,heq,same,entitlements,flags\n")
    for k in range(1000):
        f.write("%d,1,%d,1,true,,\n" % (k, k + 1))
PY
"$KAM" run pct.kam pct.csv >pct.out 2>pct.err
rc=$?
if [ $rc -ne 0 ] || ! cmp -s pct.out pct.want; then
    echo "numbers_exact: one-decimal percents: exit $rc; first differences:" >&2
    diff pct.want pct.out | head -10 >&2
    head -5 pct.err >&2
    failed=1
fi

# --- decimal text of any length reads as Python's float() reads it
python3 - <<'PY'
import random
random.seed(11)
rows = []
def digits(n):
    return "".join(random.choice("0123456789") for _ in range(n))
for i in range(600):
    kind = i % 6
    if kind == 0:       # long mantissas, 20 to 90 digits
        s = digits(random.randint(1, 40)) + "." + digits(random.randint(20, 50))
    elif kind == 1:     # subnormals
        s = "%s.%se-%d" % (random.randint(1, 9), digits(random.randint(0, 30)), random.randint(308, 323))
    elif kind == 2:     # many leading zeros
        s = "0." + "0" * random.randint(15, 60) + digits(random.randint(1, 20))
    elif kind == 3:     # short decimals, the fast path
        s = digits(random.randint(1, 8)) + "." + digits(random.randint(1, 7))
    elif kind == 4:     # exponents
        s = "%s.%se%d" % (digits(random.randint(1, 3)), digits(random.randint(1, 25)), random.randint(-300, 300))
    else:               # halfway cases between doubles, written out in full
        from decimal import Decimal
        x = random.uniform(1, 1e6)
        y = x + x * 2**-52
        s = format((Decimal(x) + Decimal(y)) / 2, "f")
    if random.random() < 0.3:
        s = "-" + s
    v = float(s)
    if v == 0 or v != v or abs(v) == float("inf"):
        continue
    rows.append((i, s, repr(v)))
rows.append((9001, "0.00000000000000000000001", repr(1e-23)))
rows.append((9002, "5." + "0" * 130 + "e-3", repr(0.005)))
rows.append((9003, "4.9406564584124654e-324", repr(5e-324)))
with open("num.csv", "w") as f:
    f.write("id,x,y\n")
    for i, s, r in rows:
        f.write("%d,%s,%s\n" % (i, s, r))
with open("num.kam", "w") as f:
    f.write("record account {\n  id: string key\n  x: number\n  y: number\n}\n")
    f.write("select same when x == y\n")
with open("num.want", "w") as f:
    f.write("id,same,entitlements,flags\n")
    for i, s, r in rows:
        f.write("%d,true,,\n" % i)
PY
"$KAM" run num.kam num.csv >num.out 2>num.err
rc=$?
if [ $rc -ne 0 ] || ! cmp -s num.out num.want; then
    echo "numbers_exact: decimal text vs Python float(): exit $rc; first differences:" >&2
    diff num.want num.out | head -10 >&2
    head -5 num.err >&2
    failed=1
fi

# --- round(x, d): half away from zero on the shortest decimal of x
python3 - <<'PY'
import random
from decimal import Decimal, ROUND_HALF_UP
random.seed(7)
cases = [(1.005, 2), (0.285, 2), (2.675, 2), (-1.005, 2), (1.015, 2), (0.125, 2),
         (1.45, 1), (-2.5, 0), (1250, -2), (-1350, -2), (0.5, 0), (123456.785, 2),
         (8.325, 2), (1.0049999999999999, 2), (0.0005, 3), (99.995, 2)]
for i in range(800):
    d = random.randint(-3, 6)
    # ties on paper (a 5 just past the place) and random values
    if i % 2:
        x = float("%d.%s5" % (random.randint(0, 10**6), "".join(random.choice("0123456789") for _ in range(max(d, 0)))))
    else:
        x = random.uniform(-1e6, 1e6)
    if random.random() < 0.5:
        x = -x
    cases.append((x, d))
with open("round.csv", "w") as f:
    f.write("id,x,d,want\n")
    for i, (x, d) in enumerate(cases):
        q = Decimal(1).scaleb(-d)
        want = Decimal(repr(x)).quantize(q, rounding=ROUND_HALF_UP) if d >= 0 else \
               (Decimal(repr(x)) / q).quantize(Decimal(1), rounding=ROUND_HALF_UP) * q
        f.write("%d,%r,%d,%s\n" % (i, x, d, want))
with open("round.kam", "w") as f:
    f.write("record account {\n  id: string key\n  x: number\n  d: int\n  want: number\n}\n")
    f.write("select same when round(x, d) == want\n")
with open("round.want", "w") as f:
    f.write("id,same,entitlements,flags\n")
    for i in range(len(cases)):
        f.write("%d,true,,\n" % i)
PY
"$KAM" run round.kam round.csv >round.out 2>round.err
rc=$?
if [ $rc -ne 0 ] || ! cmp -s round.out round.want; then
    echo "numbers_exact: round() vs Python's Decimal ROUND_HALF_UP: exit $rc; first differences:" >&2
    diff round.want round.out | head -10 >&2
    grep -E "^($(diff round.want round.out | sed -n 's/^> \([0-9]*\),.*/\1/p' | head -5 | paste -sd'|' -)),"  round.csv >&2
    head -5 round.err >&2
    failed=1
fi

# --- literals: any length; too small to tell from zero is an error, not 0
long=$(python3 -c 'print("5." + "0" * 130 + "e-3")')
cat >lit.kam <<KAM
record account {
  id: string key
  r: number
}
select a when r >= $long
select b when r > 0.00000000000000000000001 and r < 1e-300
KAM
printf 'id,r\nA,0.005\nB,1e-310\nC,0.0049\n' >lit.csv
"$KAM" run lit.kam lit.csv >out 2>err
printf 'id,a,b,entitlements,flags\nA,true,false,,\nB,false,false,,\nC,false,false,,\n' >want
if ! cmp -s out want; then
    echo "numbers_exact: a 134-character literal:" >&2
    cat out err >&2
    failed=1
fi
printf 'record account {\n  id: string key\n  r: number\n}\nselect c when r > 1e-400\n' >tiny.kam
"$KAM" check tiny.kam >out 2>&1
rc=$?
if [ $rc -ne 1 ] || ! grep -q "^tiny\.kam:5:19: error: number literal '1e-400' is out of range (not zero, but too small to tell from zero) \[bad-literal\]" out; then
    echo "numbers_exact: 1e-400 as a literal: exit $rc" >&2
    cat out >&2
    failed=1
fi

# --- SQLite: a BLOB in a column no rule reads is no error; in one a rule reads, it is
if python3 -c 'import sqlite3' 2>/dev/null; then
    python3 - <<'PY'
import sqlite3
db = sqlite3.connect("blob.db")
db.execute("CREATE TABLE account(id TEXT, revenue REAL, photo BLOB, note BLOB)")
db.executemany("INSERT INTO account VALUES (?, ?, ?, ?)",
               [("A", 5e6, b"\x00\xff", "x"), ("B", 7e6, b"\x01", b"\x02"), ("C", 1.0, None, None)])
db.commit()
PY
    cat >blob.kam <<'KAM'
record account {
  id: string key
  revenue: money
  note: string?
}
select big when revenue > 1M
KAM
    "$KAM" run blob.kam blob.db >out 2>err
    rc=$?
    printf 'id,big,entitlements,flags\nA,true,,\nB,true,,\nC,false,,\n' >want
    if [ $rc -ne 0 ] || ! cmp -s out want; then
        echo "numbers_exact: a BLOB no rule reads: exit $rc" >&2
        cat out err >&2
        failed=1
    fi
    echo 'select noted when note is not missing and note == "x"' >>blob.kam
    "$KAM" run blob.kam blob.db >out 2>err
    rc=$?
    if [ $rc -ne 3 ] || ! grep -q '^kam: blob\.db:account:2: field "note": blob values are not supported' err; then
        echo "numbers_exact: a BLOB a rule reads: exit $rc, want 3 naming row 2, field note" >&2
        cat err >&2
        failed=1
    fi
fi
exit $failed
