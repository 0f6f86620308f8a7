# expect.sh — shared by the tests/cli/limits_*.sh scripts (sourced, not
# run: tests/run.sh only runs tests/cli/*.sh). Set `name` before sourcing;
# failures set `failed=1`.
# expect WANT PATTERN WHAT ARGS...: kam ARGS exits WANT and stderr matches
# the extended regex PATTERN (empty: anything); no sanitizer report.
expect() {
    want=$1 pat=$2 what=$3
    shift 3
    "$KAM" "$@" >out 2>err </dev/null
    got=$?
    if [ "$got" -ne "$want" ]; then
        echo "$name: $what: exit $got, want $want" >&2
        head -c 600 err >&2
        failed=1
    elif [ -n "$pat" ] && ! grep -Eq -- "$pat" err; then
        echo "$name: $what: stderr does not match /$pat/:" >&2
        head -c 600 err >&2
        failed=1
    elif grep -q -e Sanitizer -e 'runtime error' err; then
        echo "$name: $what: sanitizer report" >&2
        head -20 err >&2
        failed=1
    fi
}
