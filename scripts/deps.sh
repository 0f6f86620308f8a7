#!/bin/sh
# deps.sh — finds the build dependencies kam needs (a C compiler, flex,
# bison, the readline, sqlite3, libzip, expat and libxlsxwriter headers)
# and installs the missing ones
# with apt-get: directly as root, else through sudo; if neither can work it
# prints the exact command to run and fails. `deps.sh test` also checks what
# the tests use: jq, tmux, the sqlite3 shell, python3 with openpyxl (real
# .xlsx workbooks), chromium (the HTML report, headless), and for the editor
# support nodejs, npm and vim (the npm packages themselves come from
# `make editors-deps`: docs/testing.md), and for the SQL engine tests
# postgresql (its server, run as a throwaway on a Unix socket; DuckDB's
# library comes from npm: `make sql-deps`).
set -u
missing=""
need() { # need PACKAGE TEST...
    pkg=$1; shift
    if ! "$@" >/dev/null 2>&1; then missing="$missing $pkg"; fi
}
have_header() { # a header the C compiler can find
    printf '#include <%s>\n' "$1" | ${CC:-cc} -E -x c - >/dev/null 2>&1
}
need flex command -v flex
need bison command -v bison
need libreadline-dev have_header readline/readline.h
need libsqlite3-dev have_header sqlite3.h
need libzip-dev have_header zip.h
need libexpat1-dev have_header expat.h
need libxlsxwriter-dev have_header xlsxwriter.h
if [ "${1:-}" = test ]; then
    need jq command -v jq
    need tmux command -v tmux
    need sqlite3 command -v sqlite3
    need python3 command -v python3
    need python3-openpyxl python3 -c 'import openpyxl'
    need chromium command -v chromium
    need nodejs command -v node
    need npm command -v npm
    need vim command -v vim
    need postgresql sh -c 'ls /usr/lib/postgresql/*/bin/initdb && command -v psql'
fi
[ -z "$missing" ] && exit 0

cmd="apt-get install -y$missing"
echo "kam: missing build dependencies:$missing" >&2
if ! command -v apt-get >/dev/null 2>&1; then
    echo "kam: no apt-get here; install these packages with your system's package manager:$missing" >&2
    exit 1
fi
if [ "$(id -u)" = 0 ]; then
    sudo=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo="sudo"
else
    echo "kam: run this, then make again:  sudo apt-get update && sudo $cmd" >&2
    exit 1
fi
echo "kam: installing:$missing" >&2
$sudo apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive $sudo $cmd >&2 || {
    echo "kam: installing failed; run:  sudo apt-get update && sudo $cmd" >&2
    exit 1
}
