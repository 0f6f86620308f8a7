#!/bin/sh
# sanitizer_reports.sh — the sanitizer build's flags (SAN_CFLAGS and
# SAN_LDFLAGS in the Makefile as make sees them for $CC, with the
# ASAN_OPTIONS tests/run.sh sets) catch what the suite relies on them to
# catch, and say where: undefined behaviour (with gcc UBSan traps: ASan
# reports the illegal instruction with the source line; with clang,
# UBSan's runtime error), a heap overflow, and a leak at exit. Each is a
# small program built here with those flags; each must fail with the
# report naming its file and line. A change of flags that silenced one of them
# would let the sanitizer run of the suite pass blind.
set -u
t=$(mktemp -d) || exit 1
trap 'rm -rf "$t"' EXIT
mk=$ROOT/Makefile
# a variable's value as make sees it (SAN_TRAP depends on the compiler)
flags() { printf 'show:\n\t@echo "$(%s)"\n' "$1" |
    make -s --no-print-directory -f "$mk" -f - CC="${CC:-cc}" BUILD="$t/build" show; }
cflags=$(flags SAN_CFLAGS)
ldflags=$(flags SAN_LDFLAGS)
case "$cflags" in *-fsanitize-undefined-trap-on-error*) ub='AddressSanitizer: ILL' ;;
*) ub='runtime error: signed integer overflow' ;; esac
case "$cflags" in *-fsanitize=address*undefined*) ;; *)
    echo "sanitizer_reports: no SAN_CFLAGS with address and undefined in the Makefile: '$cflags'"; exit 1 ;; esac
failed=0
# check NAME WANT: builds $t/NAME.c, runs it; it must exit non-zero and
# its stderr must hold WANT and NAME.c:LINE (the line marked BAD)
check() {
    line=$(grep -n 'BAD' "$t/$1.c" | head -1 | cut -d: -f1)
    # shellcheck disable=SC2086
    if ! ${CC:-cc} $cflags $ldflags -o "$t/$1" "$t/$1.c" 2>"$t/$1.cc"; then
        echo "sanitizer_reports: $1.c does not build with SAN_CFLAGS:"; head -5 "$t/$1.cc"; failed=1; return
    fi
    ASAN_OPTIONS="handle_sigill=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}" "$t/$1" >/dev/null 2>"$t/$1.err"
    rc=$?
    if [ "$rc" -eq 0 ] || ! grep -q "$2" "$t/$1.err" || ! grep -q "$1\.c:$line" "$t/$1.err"; then
        echo "sanitizer_reports: $1: exit $rc, want a report with '$2' at $1.c:$line; stderr:"
        head -15 "$t/$1.err"
        failed=1
    fi
}
cat >"$t/ub.c" <<'C'
#include <limits.h>
#include <stdio.h>
int main(int argc, char **argv)
{
    (void)argv;
    int x = INT_MAX - 1 + argc;
    printf("%d\n", x + 1);  /* BAD: signed overflow */
    return 0;
}
C
check ub "$ub"
cat >"$t/heap.c" <<'C'
#include <stdlib.h>
int main(int argc, char **argv)
{
    (void)argv;
    char *p = malloc((size_t)argc + 3);     /* 4 bytes, a size not known when compiled */
    p[argc + 3] = 1;        /* BAD: past the end */
    int r = p[0];
    free(p);
    return r;
}
C
check heap 'AddressSanitizer: heap-buffer-overflow'
cat >"$t/leak.c" <<'C'
#include <stdlib.h>
void *volatile sink;
int main(int argc, char **argv)
{
    (void)argv;
    for (int i = 0; i < 4; i++) sink = malloc((size_t)argc + 63);    /* BAD: never freed */
    sink = NULL;
    return 0;
}
C
check leak 'LeakSanitizer: detected memory leaks'
exit $failed
