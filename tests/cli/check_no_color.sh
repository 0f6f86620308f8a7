#!/bin/sh
# check_no_color.sh — diagnostics written to a file or pipe carry no colour
# escapes (whatever TERM says), so logs and CI output stay plain.
set -u
out=$(TERM=xterm-256color "$KAM" check "$ROOT/examples/mistakes.kam" 2>&1)
esc=$(printf '\033')
case "$out" in
    *"$esc"*) echo "check_no_color: escape sequences in piped output" >&2; exit 1 ;;
esac
case "$out" in
    *"error:"*) ;;
    *) echo "check_no_color: no diagnostics: $out" >&2; exit 1 ;;
esac
exit 0
