#!/bin/sh
# limits_output.sh — output that cannot be written: `kam run ... > /dev/full`
# in every output format (csv, jsonl, table, --summary, --coverage) exits 2
# with "writing the output failed", said once; never a silent 0. Also kam
# run with a portfolio pass, on two workers, and kam diff, explain, fmt
# and report: each says its write failure once. (Never `--out
# /dev/full`: --out renames a temporary file over its target.) See
# docs/limits.md.
set -u
[ -w /dev/full ] || { echo "skipped: no writable /dev/full here"; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
failed=0
cd "$tmp" || exit 1

cat >p.kam <<'KAM'
record account {
  id: string key
  revenue: money
}
param cut = 1M
select big when revenue > cut
KAM
printf 'id,revenue\nA,2000000\nB,5\n' >d.csv

for fmt in "--format csv" "--format jsonl" "--format table" "--summary" "--summary --format json" "--coverage"; do
    # shellcheck disable=SC2086
    "$KAM" run p.kam d.csv $fmt >/dev/full 2>err </dev/null
    rc=$?
    if [ "$rc" -ne 2 ]; then
        echo "limits_output: run $fmt > /dev/full: exit $rc, want 2" >&2
        cat err >&2
        failed=1
    elif [ "$(grep -c '^kam: writing the output failed: No space left on device$' err)" != 1 ] ||
         [ "$(grep -c 'failed' err)" != 1 ]; then
        echo "limits_output: run $fmt > /dev/full: not one clear message:" >&2
        cat err >&2
        failed=1
    fi
done
# the same for the other commands that write to standard output (the
# message once: main's last flush must not say it again)
cat >agg.kam <<'KAM'
record account {
  id: string key
  revenue: money
}
select big when revenue > avg(revenue)
KAM
while IFS='|' read -r what want; do
    # shellcheck disable=SC2086
    "$KAM" $what >/dev/full 2>err </dev/null
    rc=$?
    if [ "$rc" -ne 2 ] || [ "$(grep -c "^kam: writing the $want failed: No space left on device\$" err)" != 1 ] ||
       [ "$(grep -c 'failed' err)" != 1 ]; then
        echo "limits_output: $what > /dev/full: exit $rc (want 2) and not one clear message:" >&2
        cat err >&2
        failed=1
    fi
done <<'CMDS'
run agg.kam d.csv|output
run -j 2 p.kam d.csv|output
run -j 2 agg.kam d.csv|output
diff p.kam d.csv --set cut=1|output
explain p.kam d.csv --id A|output
fmt p.kam|output
report p.kam d.csv|report
report p.kam d.csv --format md|report
CMDS
# a big output, so that the error comes mid-stream rather than at the end
awk 'BEGIN { print "id,revenue"; for (i = 0; i < 200000; i++) printf "A%d,%d\n", i, i * 10 }' >big.csv
"$KAM" run p.kam big.csv --format csv >/dev/full 2>err </dev/null
rc=$?
[ "$rc" -eq 2 ] || { echo "limits_output: a big run > /dev/full: exit $rc, want 2" >&2; cat err >&2; failed=1; }
exit $failed
