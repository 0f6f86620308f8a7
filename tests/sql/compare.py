#!/usr/bin/python3
"""compare.py — does an engine's result of `kam sql` agree with `kam run`?

  compare.py [--rel-tol X] [--export CSV] [--label TEXT] KAM_RUN_CSV ENGINE_CSV

KAM_RUN_CSV is the output of `kam run POLICY DATA --format csv`; ENGINE_CSV
the result of the generated query (tests/sql/lib/engines.sh): the same
columns, then kam_error. They agree when
  * the headers are the same, plus kam_error last;
  * the rows whose kam_error is empty are exactly kam run's rows, matched
    by the key (the first column), and each value is equal: numbers
    numerically (a column is numeric when every value kam printed in it is
    a number): the engine's double must read back from kam's text exactly,
    or be the double kam would print as that text (kam run writes a value
    it computed, when no shorter decimal gives it back, with 15
    significant digits: runtime/writer.c, format_number), unless
    --rel-tol gives a relative tolerance (at most 1e-12; every value
    compared with it is reported); everything else as the same text
    (kam's missing value, an empty field, equals NULL or the empty text);
  * the rows whose kam_error is set are exactly the records kam run left
    out (its output lacks their keys), and with --export (the CSV that was
    loaded) there is exactly one row per loaded record.
A query may decline instead of answering differently (SQL_CONTRACT: a
record failed in a portfolio pass after the first, which kam answers by
leaving it out and computing the aggregates again): rows whose kam_error
starts with DECLINE below are not differences when kam run did leave out a
record; the result is then "declined" (exit 3) if nothing else differs.
Order is not compared: kam run writes in the order of the data, the query
orders by key; both are sorted by key (byte order) here.

Exit 0 when they agree; 1 with the first differences on stdout; 2 usage or
an unreadable file; 3 the query declined (one line on stdout saying so).
"""
import csv
import math
import re
import sys

MAX_SHOWN = 10
DECLINE = "a record failed in a portfolio pass after the first"
NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^[+-]?(inf|nan)$", re.I)


def kam_text(v):
    """The text kam run writes for a computed number v (format_number)."""
    if v == 0:
        return "0"
    if abs(v) <= 9007199254740992.0 and v == math.floor(v):
        return str(int(v))
    return "%.15g" % v


def read_csv(path):
    try:
        with open(path, encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        sys.stderr.write("compare: %s: %s\n" % (path, e))
        sys.exit(2)
    if not rows:
        sys.stderr.write("compare: %s: empty (no header)\n" % path)
        sys.exit(2)
    return rows[0], rows[1:]


def by_key(rows, path, problems):
    out = {}
    for r in rows:
        if not r:
            continue
        if r[0] in out:
            problems.append("%s: the key %r is in two rows" % (path, r[0]))
        out[r[0]] = r
    return out


def main(argv):
    rel_tol = 0.0
    export = None
    label = ""
    args = argv[1:]
    while args and args[0].startswith("--"):
        if args[0] == "--rel-tol" and len(args) > 1:
            rel_tol = float(args[1])
            if not 0 <= rel_tol <= 1e-12:
                sys.stderr.write("compare: --rel-tol must be between 0 and 1e-12\n")
                return 2
            args = args[2:]
        elif args[0] == "--export" and len(args) > 1:
            export = args[1]
            args = args[2:]
        elif args[0] == "--label" and len(args) > 1:
            label = args[1] + ": "
            args = args[2:]
        else:
            break
    if len(args) != 2:
        sys.stderr.write(__doc__)
        return 2
    kam_path, eng_path = args
    kh, krows = read_csv(kam_path)
    eh, erows = read_csv(eng_path)
    problems = []

    if eh != kh + ["kam_error"]:
        problems.append("the headers differ:\n  kam run: %s\n  engine:  %s"
                        % (",".join(kh), ",".join(eh)))
        report(label, problems)
        return 1
    ncol = len(kh)
    for path, rows, want in ((kam_path, krows, ncol), (eng_path, erows, ncol + 1)):
        for i, r in enumerate(rows):
            if len(r) != want:
                problems.append("%s: row %d has %d fields, not %d" % (path, i + 2, len(r), want))
    if problems:
        report(label, problems)
        return 1

    kam = by_key(krows, kam_path, problems)
    eng = by_key(erows, eng_path, problems)
    numeric = [all(NUMBER.match(r[c]) for r in krows if r[c] != "") and any(r[c] != "" for r in krows)
               for c in range(ncol)]
    numeric[0] = False  # the key is compared as text

    if export is not None:
        xh, xrows = read_csv(export)
        loaded = [r[0] for r in xrows if r]
        # the export names the key field first too? not necessarily: find it
        if kh[0] in xh:
            k = xh.index(kh[0])
            loaded = sorted(r[k] for r in xrows if r)
            got = sorted(eng)
            if loaded != got:
                missing = sorted(set(loaded) - set(got))
                extra = sorted(set(got) - set(loaded))
                if missing:
                    problems.append("%d loaded records have no row in the result: %s"
                                    % (len(missing), ", ".join(missing[:MAX_SHOWN])))
                if extra:
                    problems.append("%d rows of the result are no loaded record: %s"
                                    % (len(extra), ", ".join(extra[:MAX_SHOWN])))

    tolerated = []
    declined = []
    left_out = set(eng) - set(kam)
    for key in sorted(set(kam) | set(eng), key=lambda s: s.encode("utf-8")):
        k, e = kam.get(key), eng.get(key)
        if e is None:
            problems.append("key %s: kam run has it, the engine's result does not" % key)
            continue
        err = e[ncol]
        if k is None:
            if err == "":
                problems.append("key %s: the engine answers (kam_error empty), kam run left the record out"
                                % key)
            continue
        if err != "":
            if err.startswith(DECLINE) and left_out:
                declined.append(key)
            else:
                problems.append("key %s: the engine says kam_error %r, kam run answers" % (key, err))
            continue
        for c in range(1, ncol):
            a, b = k[c], e[c]
            if a == b:
                continue
            if numeric[c] and a != "" and b != "":
                try:
                    x, y = float(a), float(b)
                except ValueError:
                    x = y = None
                if x is not None:
                    if x == y or (math.isnan(x) and math.isnan(y)):
                        continue
                    if math.isfinite(y) and kam_text(y) == a:
                        continue
                    if rel_tol and math.isclose(x, y, rel_tol=rel_tol, abs_tol=0.0):
                        tolerated.append("key %s, %s: %s vs %s" % (key, kh[c], a, b))
                        continue
            problems.append("key %s, column %s: kam run %r, engine %r" % (key, kh[c], a, b))
    for t in tolerated:
        print("%swithin --rel-tol %g: %s" % (label, rel_tol, t))
    if problems:
        report(label, problems)
        return 1
    if declined:
        print("%sdeclined: %d rows say %r (kam run left out %d records)"
              % (label, len(declined), DECLINE + ": use kam run", len(left_out)))
        return 3
    return 0


def report(label, problems):
    print("%s%d difference%s between kam run and the engine:" % (label, len(problems),
                                                                  "" if len(problems) == 1 else "s"))
    for p in problems[:MAX_SHOWN]:
        print("  " + p)
    if len(problems) > MAX_SHOWN:
        print("  ... and %d more" % (len(problems) - MAX_SHOWN))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
