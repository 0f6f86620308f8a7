#!/bin/sh
# check_exit_codes.sh — the documented exit statuses of `kam check` and of
# the kam command itself: 0 clean (warnings allowed), 1 errors or warnings
# under --werror, 2 usage errors and unreadable files.
set -u
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
failed=0

# expect WANT DESCRIPTION ARGS...: runs kam ARGS and compares the status.
expect() {
    want=$1 what=$2
    shift 2
    "$KAM" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
    got=$?
    if [ "$got" -ne "$want" ]; then
        echo "check_exit_codes: $what: kam $*: exit $got, want $want" >&2
        head -5 "$tmp/err" >&2
        failed=1
    fi
}

cat >"$tmp/clean.kam" <<'KAM'
record account {
  id: string key
  revenue: money
}
select big when revenue > 1M
KAM
cat >"$tmp/warn.kam" <<'KAM'
record account {
  revenue: money
}
select big when revenue > 1M
KAM
cat >"$tmp/bad.kam" <<'KAM'
record account {
  id: string key
  revenue: money
}
select big when revenue > "1M"
KAM

expect 0 "clean policy" check "$tmp/clean.kam"
expect 1 "policy with an error" check "$tmp/bad.kam"
expect 0 "warnings only" check "$tmp/warn.kam"
expect 1 "warnings only, --werror" check --werror "$tmp/warn.kam"
expect 0 "clean, --werror" check --werror "$tmp/clean.kam"
expect 1 "errors, --format json" check --format json "$tmp/bad.kam"
expect 0 "warnings, --format json" check --format json "$tmp/warn.kam"
expect 1 "errors, --quiet" check -q "$tmp/bad.kam"
expect 0 "clean, --quiet" check --quiet "$tmp/clean.kam"
expect 2 "missing file" check "$tmp/no_such.kam"
expect 2 "a directory" check "$tmp"
expect 2 "a missing file next to a bad one" check "$tmp/bad.kam" "$tmp/no_such.kam"
expect 2 "unknown option" check --frobnicate "$tmp/clean.kam"
expect 2 "unknown format" check --format xml "$tmp/clean.kam"
expect 2 "--format without a value" check "$tmp/clean.kam" --format
expect 2 "no policy" check
expect 0 "check --help" check --help
expect 0 "check -h" check -h
expect 0 "kam --help" --help
expect 0 "kam --version" --version
expect 2 "kam with no command" 
expect 2 "unknown command" frobnicate
expect 0 "-- ends the options" check -- "$tmp/clean.kam"

# --help prints usage on stdout; an unknown option names itself on stderr
"$KAM" --help >"$tmp/out" 2>"$tmp/err"
grep -q '^usage: kam' "$tmp/out" || { echo "check_exit_codes: kam --help: no usage on stdout" >&2; failed=1; }
grep -q 'check' "$tmp/out" || { echo "check_exit_codes: kam --help does not list check" >&2; failed=1; }
"$KAM" check --frobnicate "$tmp/clean.kam" >"$tmp/out" 2>"$tmp/err"
grep -q -- "--frobnicate" "$tmp/err" || { echo "check_exit_codes: unknown option not named" >&2; failed=1; }
[ -s "$tmp/out" ] && { echo "check_exit_codes: usage error printed on stdout" >&2; failed=1; }
exit $failed
