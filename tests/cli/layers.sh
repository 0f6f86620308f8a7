#!/bin/sh
# layers.sh — every #include "..." of the sources points down the layers
# (docs/design.md, "Layers"): base -> stdlib -> runtime -> lang -> api ->
# cli, each layer including only itself and the layers below it:
#   base     nothing of ours but base
#   stdlib   base
#   runtime  base, stdlib
#   lang     base, stdlib, runtime (and the parser bison generates)
#   api      the above, and include/kam.h
#   cli      the above, and api
#   include  nothing of ours (kam.h is the public header)
# fuzz/, tests/, bench/ and examples/ may include anything. An include is
# resolved as the compiler does: beside the including file first, then in
# the other source folders (a bare name that only -I finds). Prints each
# offending FILE:LINE and exits 1.
cd "${ROOT:-.}" || exit 2

allowed() {     # allowed LAYER: the layers it may include
    case $1 in
    base) echo "base" ;;
    stdlib) echo "base stdlib" ;;
    runtime) echo "base stdlib runtime" ;;
    lang) echo "base stdlib runtime lang gen" ;;
    api) echo "base stdlib runtime lang gen api include" ;;
    cli) echo "base stdlib runtime lang gen api include cli" ;;
    include) echo "include" ;;
    esac
}

# the layer of an included name, as seen from folder DIR
layer_of() {    # layer_of DIR NAME
    case $2 in
    ../*) p=$(cd "$1" 2>/dev/null && cd "$(dirname "$2")" 2>/dev/null && pwd) || { echo "?"; return; }
        basename "$p"
        return ;;
    esac
    if [ -e "$1/$2" ]; then basename "$1"; return; fi
    case $2 in parser.h|lexer.h) echo gen; return ;; esac
    for d in base stdlib runtime lang api cli include; do
        if [ -e "$d/$2" ]; then echo "$d"; return; fi
    done
    echo "?"
}

bad=0
checked=0
for f in base/* stdlib/* runtime/* lang/* api/* cli/* include/*; do
    case $f in *.c|*.h|*.l|*.y|*.def) ;; *) continue ;; esac
    dir=$(dirname "$f")
    ok=$(allowed "$dir")
    # lines of the form: #include "name"
    grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" |
        sed 's/^\([0-9]*\):[^"]*"\([^"]*\)".*/\1 \2/' >"${TMPDIR:-/tmp}/layers.$$"
    while read -r line name; do
        checked=$((checked + 1))
        to=$(layer_of "$dir" "$name")
        case " $ok " in
        *" $to "*) ;;
        *) echo "$f:$line: #include \"$name\" reaches $to, but $dir may include only: $ok"
           bad=$((bad + 1)) ;;
        esac
    done <"${TMPDIR:-/tmp}/layers.$$"
    rm -f "${TMPDIR:-/tmp}/layers.$$"
done
# the while loop above runs in this shell (input redirected, not piped), so
# bad and checked are its counts
if [ "$bad" -ne 0 ]; then
    echo "layers: $bad include(s) point up or sideways (see docs/design.md, Layers)"
    exit 1
fi
[ "$checked" -gt 50 ] || { echo "layers: only $checked includes found: wrong folder?"; exit 1; }
exit 0
