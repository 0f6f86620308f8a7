#!/bin/sh
# parallel_agrees.sh — `kam run -j N` gives byte for byte what `-j 1`
# gives: stdout, stderr (data-error messages: same text, lines and order)
# and exit status, for csv and jsonl rows and --summary, with --where,
# --set, --columns, --out and --on-error, on 30k generated accounts (and
# 15k as JSON Lines, with malformed lines) whose
# quoted names hold commas, quotes and line breaks (LF, CRLF and lone CR
# line ends mixed, blank lines between records) and with malformed
# records: a bad number, a bad int, a missing field, an empty key, a bad
# date in a field only the rules read (found after the portfolio passes
# counted the record: every pass again without it), --summary (revenue
# per tier summed in input order), --coverage, the table, and SQLite.
# Every pass runs on the workers: sums whose order matters (1e16, ones,
# -1e16), ties in rank, percentile and limits, per-group aggregates and
# limits, records that fail in pass 2; standard input too. Policies:
# bench/bench.kam, examples/key_accounts.kam (aggregates, terms, limits),
# and tests/golden/run's layered and per-group policies moved onto the
# generated fields (several passes, limits per group). KAM_CHUNK_BYTES
# (a test knob of cli/run_par.c) makes chunks small, so that many chunk
# starts fall inside quoted fields and are read again; chunks whose rows
# pass 64 KiB, most of them with a wrong guessed start, show that such a
# chunk never writes its rows straight to the output. A pass of plain adds
# (summed without the VM on the workers) with 1e16, ones and -1e16 in
# chunks of about ten records, and records left out early and late.
# Also: more workers
# than records, input that stops at an unterminated quote, a byte order
# mark, and Ctrl-C during a parallel run with --out (no file left).
# Against the sanitizer build (KAM_TEST_SANITIZED=1, tests/run.sh) the
# generated files are a sixth as long (5k and 2.5k accounts): the same
# command lines, chunk sizes and kinds of malformed record.
# kam-test: long
set -u
command -v python3 >/dev/null 2>&1 || { echo "skipped: no python3"; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
failed=0

python3 - "$tmp" "${KAM_TEST_SANITIZED:-}" <<'PY' || exit 1
import random, sys
d = sys.argv[1]
short = bool(sys.argv[2])
rnd = random.Random(16)
segs = ["enterprise", "mid_market", "smb"]
stages = ["pre_kam", "early_kam", "mid_kam", "partnership", "synergistic"]
hdr = ("id,name,segment,annual_revenue,revenue_growth,market_share,gross_margin,"
       "profit_contribution,innovation_partner,early_adopter,prestige,competitor_customer,"
       "stage,stage_since,trust,exec_contacts,joint_projects,share_of_wallet,last_review")
def row(i):
    name = "Acme %d" % i
    if i % 37 == 0:
        name = '"Multi\nline, ""quoted""\r\nname %d\n\n"' % i
    elif i % 41 == 0:
        name = '"Comma, Inc %d"' % i
    rev = "%.2f" % (rnd.random() * 5e6)
    if i % 101 == 0:
        rev = "12x"
    prestige = str(rnd.randint(1, 5))
    if i % 313 == 0:
        prestige = "abc"
    key = "A%07d" % i
    if i % 307 == 0:
        key = ""
    f = [key, name, rnd.choice(segs), rev, "%.4f" % (rnd.random() * 0.6 - 0.2),
         "%.4f" % rnd.random(), "%.4f" % rnd.random(), "%.2f" % (rnd.random() * 8e5),
         rnd.choice(["true", "false"]), rnd.choice(["true", "false"]), prestige,
         rnd.choice(["true", "false"]), rnd.choice(stages),
         "2025-13-45" if i % 503 == 0 else
         "2025-%02d-%02d" % (rnd.randint(1, 12), rnd.randint(1, 28)),
         str(rnd.randint(0, 5)), str(rnd.randint(0, 9)), str(rnd.randint(0, 4)),
         "%.4f" % rnd.random(),
         "" if i % 7 == 0 else "2025-%02d-%02d" % (rnd.randint(1, 12), rnd.randint(1, 28))]
    if i % 211 == 0:
        f = f[:-1]
    end = "\r\n" if i % 53 == 0 else "\r" if i % 997 == 0 else "\n"
    if i % 401 == 0:
        end += "\n"
    return ",".join(f) + end
rows = [row(i) for i in range(1, 5001 if short else 30001)]
with open(d + "/data.csv", "w", newline="") as out:
    out.write(hdr + "\n" + "".join(rows))
with open(d + "/bom.csv", "w", newline="") as out:
    out.write("\ufeff" + hdr + "\n" + "".join(rows[:3000]))
with open(d + "/tiny.csv", "w", newline="") as out:
    out.write(hdr + "\n" + "".join(rows[:3]))
# JSON Lines: the same accounts, with CRLF and blank lines, a syntax
# error, a duplicate key, a string for a number, a line with a CR inside
import json
names = hdr.split(",")
def jline(i):
    r = {"id": "A%07d" % i, "name": 'Acme\n"%d"' % i, "segment": rnd.choice(segs),
         "annual_revenue": round(rnd.random() * 5e6, 2), "revenue_growth": 0.05,
         "market_share": 0.1, "gross_margin": 0.3,
         "profit_contribution": round(rnd.random() * 8e5, 2), "innovation_partner": True,
         "early_adopter": False, "prestige": rnd.randint(1, 5), "competitor_customer": False,
         "stage": rnd.choice(stages), "stage_since": "2025-03-01", "trust": 3,
         "exec_contacts": rnd.randint(0, 9), "joint_projects": 1, "share_of_wallet": 0.4,
         "last_review": None if i % 7 == 0 else "2025-06-01"}
    if i % 101 == 0:
        r["annual_revenue"] = "lots"
    text = json.dumps(r)
    if i % 211 == 0:
        text = text[:-3]
    if i % 307 == 0:
        text = text[:-1] + ', "id": "dup"}'
    if i % 53 == 0:
        text = text.replace(", ", ",\r ", 1)
    return text + ("\r\n" if i % 59 == 0 else "\n") + ("\n  \n" if i % 401 == 0 else "")
with open(d + "/data.jsonl", "w", newline="") as out:
    out.write("\ufeff" + "".join(jline(i) for i in range(1, 2501 if short else 15001)))
# sums whose order matters (1e16 + 1 is 1e16: the ones are lost or not
# depending on where they are added), ties in rank, percentile and limits,
# three groups, and records that fail in the second pass (v - 2 is zero)
srows = ["id,grp,x,v"]
for i in range(6000):
    x = {0: "10000000000000000", 2500: "-10000000000000000", 2501: "10000000000000000",
         5999: "-10000000000000000"}.get(i, "1")
    v = "3" if i % 977 == 0 else str(rnd.randint(0, 3))
    srows.append("K%05d,g%d,%s,%s" % (i, i % 3, x, v))
with open(d + "/sums.csv", "w", newline="") as out:
    out.write("\n".join(srows) + "\n")
# SQLite: the same rows as tables (split by row numbers) and a view (read
# by one worker: its order is the planner's)
import sqlite3, csv as csvmod
for name, src, table in [("sums.db", srows, "account"), ("data.db", None, "account")]:
    db = sqlite3.connect(d + "/" + name)
    rs = list(csvmod.reader(srows)) if src else list(csvmod.reader(
        (hdr + "\n" + "".join(rows)).splitlines(True)))
    db.execute("CREATE TABLE %s (%s)" % (table, ",".join('"%s"' % h for h in rs[0])))
    db.executemany("INSERT INTO %s VALUES (%s)" % (table, ",".join("?" * len(rs[0]))),
                   [r + [None] * (len(rs[0]) - len(r)) for r in rs[1:] if r])
    db.execute("CREATE VIEW v AS SELECT * FROM %s" % table)
    db.commit()
    db.close()
# a pass of plain adds (run without the VM, the addends kept): 1e16, ones
# and -1e16 twice, so the total is 0 only when added in input order; a
# bad money (left out by the pass) and a bad date only the record pass
# reads (left out late: the pass again without it)
arows = ["id,x,d"]
for i in range(3000):
    x = {0: "10000000000000000", 1500: "-10000000000000000", 1501: "10000000000000000",
         2999: "-10000000000000000"}.get(i, "12x" if i % 577 == 5 else "1")
    dd = "2025-13-45" if i % 433 == 3 else "" if i % 7 == 0 else \
        "20%02d-0%d-1%d" % (10 + i % 20, 1 + i % 9, i % 10)
    arows.append("K%05d,%s,%s" % (i, x, dd))
with open(d + "/adds.csv", "w", newline="") as out:
    out.write("\n".join(arows) + "\n")
# names of 20 lines: nearly every line start is inside a quoted field, so
# nearly every guessed chunk start is wrong; shown, so that a chunk's rows
# are written while it is read
lrows = [hdr]
for i in range(2000):
    nm = "\n".join("line %d of account %d, some words here" % (k, i) for k in range(20))
    lrows.append('A%05d,"%s",%s,%.2f,0,0,0,0,true,true,%d,false,pre_kam,2025-01-01,1,1,1,0.5,%s'
                 % (i, nm, rnd.choice(segs), rnd.random() * 3e6, rnd.randint(1, 5),
                    "" if i % 7 == 0 else "2025-03-04"))
with open(d + "/long.csv", "w", newline="") as out:
    out.write("\n".join(lrows) + "\n")
with open(d + "/stops.csv", "w", newline="") as out:   # an unterminated quote at 60%
    cut, end = (3000, 5000) if short else (6000, 10000)
    out.write(hdr + "\n" + "".join(rows[:cut]) + 'A9999999,"never closed,smb\n' +
              "".join(rows[cut:end]))
PY

# the golden layered and per-group policies, on the generated fields
for p in layered per_group; do
    sed -E -e 's/^  region: string/  stage: string\n  name: string/' \
        -e 's/\brevenue\b/annual_revenue/g' -e 's/\bprofit\b/profit_contribution/g' \
        -e 's/\bregion\b/stage/g' "$ROOT/tests/golden/run/$p.kam" >"$tmp/$p.kam"
done

# no aggregates (so no portfolio pass tells where records start: chunk
# starts are guessed at line starts and checked) and no key (the line
# number is the first column)
cat >"$tmp/plain.kam" <<'KAM'
record account {
  name: string
  segment: enum { enterprise, mid_market, smb }
  annual_revenue: money
  prestige: int
  last_review: date?
}
score fit {
  40 when annual_revenue > 1M
  30 when prestige >= 4
  30 when segment == enterprise
}
select big when fit >= 70
select named when lower(name) == "acme 12"
flag stale "no review" when last_review is missing
KAM

# aggregates whose exact bits show (a sum of 1e16, ones and -1e16 is 0
# only when added in input order), per group, ties, three passes, and
# records that fail in pass 2 (so every pass is done again without them)
cat >"$tmp/sums.kam" <<'KAM'
record account {
  id: string key
  grp: string
  x: money
  v: int
}
select lost when total(x) == 0
select some when total(x) > 0
select grp_zero when total(x per grp) == 0
select above when x > avg(x)
select grp_above when x >= avg(x per grp) and x <= max(x per grp) and x >= min(x)
select high when v >= 2
limit high to 5 by v
select grp_high when v >= 1
limit grp_high to 2 per grp by v
select r3 when rank(v) <= 3
select p50 when percentile(v per grp) >= 50%
let q = (total(x) + 1) / (v - 2)
select qq when q > avg(q)
select q_top when qq
limit q_top to 3 by v
flag many "many" when count(per grp) > 3
tier band {
  hi when v >= 2
  lo otherwise
}
entitle perk "Perk" when v >= 1
  with { level: v as "level", who: id as "who", g: grp as "group" }
KAM

# portfolio passes of plain adds only (total and avg without per)
cat >"$tmp/adds.kam" <<'KAM'
record account {
  id: string key
  x: money
  d: date?
}
select lost when total(x) == 0
select some when total(x) > 0
select above when x > avg(x)
flag old "old" when (d ?? 2030-01-01) < 2020-01-01
KAM

n=0
js="2 3s"
# same ARGS...: kam run ARGS with -j 1, and with each of $js (Ns: N
# workers on small chunks) must agree in stdout, stderr and exit status.
same() {
    n=$((n + 1))
    "$KAM" run "$@" -j 1 >"$tmp/o1" 2>"$tmp/e1" <"$IN"
    r1=$?
    if grep -q -e Sanitizer -e 'runtime error' "$tmp/e1"; then
        echo "parallel_agrees: $*: sanitizer report" >&2
        head -20 "$tmp/e1" >&2
        failed=1
    fi
    for j in $js; do
        case $j in
        *s) KAM_CHUNK_BYTES=${CHUNK:-20000} "$KAM" run "$@" -j "${j%s}" >"$tmp/o2" 2>"$tmp/e2" <"$IN" ;;
        *) "$KAM" run "$@" -j "$j" >"$tmp/o2" 2>"$tmp/e2" <"$IN" ;;
        esac
        r2=$?
        if [ "$r1" -ne "$r2" ] || ! cmp -s "$tmp/o1" "$tmp/o2" || ! cmp -s "$tmp/e1" "$tmp/e2"; then
            echo "parallel_agrees: kam run $* -j $j differs from -j 1 (exit $r2, want $r1):" >&2
            cmp "$tmp/o1" "$tmp/o2" >&2
            diff "$tmp/e1" "$tmp/e2" | head -10 >&2
            failed=1
        fi
    done
}

IN=/dev/null        # standard input: same_in FILE ARGS...
same_in() {
    IN=$1
    shift
    same "$@"
    IN=/dev/null
}

D=$tmp/data.csv
for pol in "$ROOT/bench/bench.kam" "$ROOT/examples/key_accounts.kam" "$tmp/layered.kam" \
           "$tmp/per_group.kam" "$tmp/plain.kam"; do
    same "$pol" "$D" --format csv
    same "$pol" "$D" --format jsonl
    same "$pol" "$D" --summary --format json
    same "$pol" "$D" --format csv --on-error skip
done
B=$ROOT/bench/bench.kam
K=$ROOT/examples/key_accounts.kam
same "$B" "$D" --format csv --where 'segment == smb'
same "$K" "$D" --format jsonl --set growth_floor=8% --set key_threshold=50
same "$K" "$D" --format csv --columns name,segment,annual_revenue
same "$K" "$D" --format csv --on-error fail
same "$tmp/layered.kam" "$D" --format csv --on-error fail
P=$tmp/plain.kam
js="2 3 8 8s"
same "$P" "$D" --format csv
same "$P" "$D" --format jsonl --on-error fail
same "$B" "$tmp/tiny.csv" --format csv
same "$K" "$tmp/tiny.csv" --format jsonl
same "$P" "$tmp/tiny.csv" --format csv
same "$B" "$tmp/bom.csv" --format csv
same "$P" "$tmp/bom.csv" --format csv
same "$P" "$tmp/stops.csv" --format jsonl
js="2 3s"
same "$B" "$tmp/stops.csv" --format csv
same "$K" "$tmp/stops.csv" --format jsonl
J=$tmp/data.jsonl
same "$B" "$J" --format csv
same "$K" "$J" --format jsonl
same "$P" "$J" --format csv
same "$tmp/per_group.kam" "$J" --format csv --on-error fail
S=$tmp/sums.csv
js="2 3s 4s"
CHUNK=3000 same "$tmp/sums.kam" "$S" --format csv
CHUNK=3000 same "$tmp/sums.kam" "$S" --format jsonl --on-error skip
CHUNK=3000 same "$tmp/sums.kam" "$S" --format csv --on-error fail
# plain adds on the workers, on chunks of about 10 records: the total is
# 0 (lost) only if every chunk's addends are replayed in input order
A=$tmp/adds.csv
"$KAM" run "$tmp/adds.kam" "$A" --format csv -j 1 2>/dev/null | grep -q '^K00000,true,' ||
    { echo "parallel_agrees: adds.kam: total(x) is not 0 with -j 1" >&2; failed=1; }
CHUNK=256 same "$tmp/adds.kam" "$A" --format csv
CHUNK=256 same "$tmp/adds.kam" "$A" --format jsonl --on-error fail
CHUNK=256 same "$tmp/adds.kam" "$A" --summary --revenue x
CHUNK=256 same_in "$A" "$tmp/adds.kam" - --format csv
# rows straight to the output: many small chunks, guessed starts inside
# quoted fields (read again, their rows held), a stop part way
js="2 3s 8s"
CHUNK=256 same "$P" "$D" --format csv
CHUNK=256 same "$P" "$D" --format csv --on-error fail
CHUNK=256 same "$K" "$D" --format jsonl
CHUNK=256 same "$P" "$J" --format jsonl
# chunks of rows over 64 KiB, most of them guessed to start inside a
# quoted field: one read with the wrong start must not write (a race:
# tried a few times)
js="2s 3s 2s 3s 2s"
CHUNK=100000 same "$P" "$tmp/long.csv" --format csv --columns name
CHUNK=100000 same "$P" "$tmp/long.csv" --format jsonl --columns name,segment
js="2 3s 4s"
# --summary: each chunk's part merged in order (the revenue per tier too)
CHUNK=3000 same "$tmp/sums.kam" "$S" --summary --revenue x
CHUNK=3000 same "$tmp/sums.kam" "$S" --summary --revenue x --format json
# SQLite: a rowid table split by row numbers; a view on one worker
CHUNK=3000 same "$tmp/sums.kam" "$tmp/sums.db" --format csv
CHUNK=3000 same "$tmp/sums.kam" "$tmp/sums.db" --summary --revenue x
CHUNK=3000 same "$tmp/sums.kam" "$tmp/sums.db" --table v --format jsonl
same "$K" "$tmp/data.db" --format csv
same "$B" "$tmp/data.db" --format jsonl --on-error fail
same "$P" "$tmp/data.db" --format csv --where 'segment == smb'
# the table: each chunk's rows joined in order, the widths from them all
CHUNK=3000 same "$tmp/sums.kam" "$S" --format table
CHUNK=3000 same "$tmp/sums.kam" "$S" --format table --width 90 --columns grp,x
CHUNK=3000 same "$tmp/sums.kam" "$S" --format table --on-error fail
# standard input, spooled and split: with and without portfolio passes,
# its messages name <stdin> whatever -j
CHUNK=3000 same_in "$S" "$tmp/sums.kam" - --format csv
same_in "$D" "$P" - --format csv
same_in "$D" "$K" - --format jsonl
same_in "$J" "$B" - --input jsonl --format csv
for j in 1 2; do
    "$KAM" run "$K" - -j "$j" --format csv <"$D" 2>&1 >/dev/null | grep -q '^kam: <stdin>:[0-9]*: ' ||
        { echo "parallel_agrees: -j $j: standard input's messages do not say <stdin>" >&2; failed=1; }
done
# --coverage: each chunk counts, the counts are added
same "$K" "$D" --coverage
same "$tmp/layered.kam" "$D" --coverage --format json --where 'segment != smb'
same_in "$D" "$P" - --coverage
js="2 3s"
same "$B" "$D" --format table --width 100
same "$B" "$D" --format csv --as-of 2026-06-30

# --out: the same file whatever -j
for j in 1 2 3; do
    "$KAM" run "$K" "$D" --format csv -j "$j" --out "$tmp/out$j.csv" 2>"$tmp/oe$j"
    echo "$?" >>"$tmp/oe$j"
done
for j in 2 3; do
    cmp -s "$tmp/out1.csv" "$tmp/out$j.csv" && cmp -s "$tmp/oe1" "$tmp/oe$j" ||
        { echo "parallel_agrees: --out -j $j differs from -j 1" >&2; failed=1; }
done
# --out with a stop: not written, whatever -j
"$KAM" run "$K" "$tmp/stops.csv" --format csv -j 3 --out "$tmp/stopped.csv" 2>/dev/null
[ $? -eq 3 ] && [ ! -e "$tmp/stopped.csv" ] ||
    { echo "parallel_agrees: --out with input that stops: want exit 3 and no file" >&2; failed=1; }

# -j takes a number of workers
"$KAM" run "$B" "$D" -j 0 >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && grep -q -- "-j takes a number" "$tmp/err" ||
    { echo "parallel_agrees: -j 0 is not a usage error" >&2; failed=1; }

# Ctrl-C during a parallel run with --out: exit 130, no file, no temporary
if env --default-signal=INT true 2>/dev/null; then
    big=$tmp/big.csv
    { cat "$D"; tail -n +2 "$D"; tail -n +2 "$D"; } >"$big"
    mkdir "$tmp/sig"
    env --default-signal=INT "$KAM" run "$tmp/layered.kam" "$big" -j 2 --format csv \
        --out "$tmp/sig/res.csv" >/dev/null 2>"$tmp/sigerr" </dev/null &
    pid=$!
    sleep 0.3
    kill -INT "$pid" 2>/dev/null
    wait "$pid"
    rc=$?
    if [ "$rc" -eq 130 ]; then
        grep -q "^kam: interrupted by SIGINT; .*res.csv was not written\$" "$tmp/sigerr" ||
            { echo "parallel_agrees: SIGINT: no message" >&2; cat "$tmp/sigerr" >&2; failed=1; }
        [ -z "$(ls -A "$tmp/sig")" ] ||
            { echo "parallel_agrees: SIGINT left $(ls -A "$tmp/sig")" >&2; failed=1; }
    elif [ "$rc" -ne 3 ]; then     # finished first (exit 3: the bad records)
        echo "parallel_agrees: SIGINT: exit $rc, want 130" >&2
        failed=1
    fi
fi

[ "$failed" -eq 0 ] && echo "parallel_agrees: $n command lines agree with -j 2, 3 and 8"
exit "$failed"
