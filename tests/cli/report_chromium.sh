# kam report in a real browser: headless Chromium opens the HTML report
# from a file:// URL, offline, and tests/cli/lib/chromium_report.py checks
# over the DevTools protocol (a pipe) that the page logs no error or
# warning and requests nothing but itself, that its screenshot is not
# blank, and that every figure on it equals `kam run --summary --format json`
# on the same inputs (a plain run, and a what-if with --where).
# kam-test: serial (a browser: heavy, run alone)
set -u
chromium=$(command -v chromium || command -v chromium-browser || true)
[ -n "$chromium" ] || { echo "chromium not installed (Debian package chromium)"; exit 77; }
command -v python3 >/dev/null || { echo "python3 not installed"; exit 77; }
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
P="$ROOT/examples/key_accounts.kam"; D="$ROOT/examples/accounts.csv"
failed=0
check() { # NAME OPTIONS...: report, summary and key-account summary with the same options
    name=$1; shift
    mkdir -p "$t/$name"
    "$KAM" report "$P" "$D" --as-of 2026-06-30 "$@" -o "$t/$name/r.html" 2>"$t/$name/err" ||
        { echo "$name: kam report failed"; cat "$t/$name/err"; failed=1; return; }
    "$KAM" run "$P" "$D" --as-of 2026-06-30 "$@" --summary --format json >"$t/$name/s.json"
    # the key accounts' revenue: their own summary (--where narrowed further)
    where=key_account
    prev=""
    for a in "$@"; do [ "$prev" = --where ] && where="($a) and key_account"; prev=$a; done
    "$KAM" run "$P" "$D" --as-of 2026-06-30 "$@" --where "$where" --summary --format json >"$t/$name/k.json"
    timeout 120 python3 "$ROOT/tests/cli/lib/chromium_report.py" "$chromium" "$t/$name/r.html" \
        "$t/$name/s.json" "$t/$name/k.json" "$t/$name" || { echo "$name: failed"; failed=1; }
}
check plain
check whatif --set key_threshold=50 --where "segment != smb"
exit $failed
