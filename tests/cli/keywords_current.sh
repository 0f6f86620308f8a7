#!/bin/sh
# keywords_current.sh — lang/keywords.def is the one list of keywords; flex
# cannot include it, so this checks that lang/lexer.l has a rule for
# exactly the words the .def gives a token (same word, same token), that
# parser.y declares each of those tokens as "`word`", and that
# docs/language.md lists the reserved words and the stages-only ones.
set -u
def="$ROOT/lang/keywords.def"
tmp=${TMPDIR:-/tmp}/kam_kw.$$
trap 'rm -f "$tmp".*' EXIT
# WORD TOKEN CLASS, from the .def
sed -n 's/^KEYWORD(\([a-z]*\), *\([A-Z]*\), *\(KW_[A-Z]*\))$/\1 \2 \3/p' "$def" >"$tmp.def"
[ -s "$tmp.def" ] || { echo "no KEYWORD lines in $def"; exit 1; }
failed=0
# the words with a token of their own, and their tokens
awk '$2 != "IDENT" {print $1}' "$tmp.def" | sort >"$tmp.want"
# lexer.l: the quoted words that start a rule (letters only)
sed -n 's/^"\([a-z]*\)".*/\1/p' "$ROOT/lang/lexer.l" | sort -u >"$tmp.lex"
if ! cmp -s "$tmp.want" "$tmp.lex"; then
    echo "lang/lexer.l's keyword rules differ from lang/keywords.def (< .def, > lexer.l):"
    diff "$tmp.want" "$tmp.lex" | grep '^[<>]'
    failed=1
fi
# a rule with its token on the same line returns the .def's token
sed -n 's/^"\([a-z]*\)".*TOKEN(\([A-Z_]*\)).*/\1 \2/p' "$ROOT/lang/lexer.l" | while read -r w t; do
    want=$(awk -v w="$w" '$1 == w {print $2}' "$tmp.def")
    [ "$want" = "$t" ] || { echo "lexer.l: \"$w\" returns $t, keywords.def says ${want:-nothing}"; exit 1; }
done || failed=1
# `key` is the key marker only after a field's type: both of its rules exist
grep -q '^"key"/' "$ROOT/lang/lexer.l" && grep -q 'TOKEN(KEY)' "$ROOT/lang/lexer.l" ||
    { echo "lexer.l: the two rules for \`key\` are gone"; failed=1; }
# parser.y: %token TOKEN "`word`" for each
awk '$2 != "IDENT" {print $1, $2}' "$tmp.def" | while read -r w t; do
    grep -q "^%token.* $t \"\`$w\`\"" "$ROOT/lang/parser.y" ||
        { echo "parser.y: no %token $t \"\`$w\`\""; exit 1; }
done || failed=1
# docs/language.md: the reserved words in order, then the stages-only ones,
# then `ordered` (after `enum`), then `per`, then the top-level ones (`output`, `display`)
reserved=$(awk '$3 != "KW_STAGES" && $3 != "KW_TOP" && $3 != "KW_ENUM" && $3 != "KW_PER" {printf "%s%s", sep, $1; sep=" "}' "$tmp.def")
top=$(awk '$3 == "KW_TOP" {printf "%s`%s`", sep, $1; sep=", "}' "$tmp.def" | sed 's/, \([^,]*\)$/ and \1/')
stages=$(awk '$3 == "KW_STAGES" {printf "%s`%s`", sep, $1; sep=", "}' "$tmp.def" | sed 's/, \([^,]*\)$/ and \1/')
doc=$(tr '\n' ' ' <"$ROOT/docs/language.md" | tr -s ' ')
case "$doc" in
*"**Keywords** (cannot be names): \`$reserved\`. The words $stages are keywords only inside"*) ;;
*) echo "docs/language.md's keyword list differs from lang/keywords.def: want \`$reserved\` then $stages"; failed=1 ;;
esac
enumw=$(awk '$3 == "KW_ENUM" {printf "%s`%s`", sep, $1; sep=", "}' "$tmp.def")
case "$doc" in
*"The word $enumw is a keyword only right after \`enum\`"*) ;;
*) echo "docs/language.md does not say that $enumw is a keyword only right after \`enum\`"; failed=1 ;;
esac
case "$doc" in
*"The word \`per\` is a keyword only before a name"*) ;;
*) echo "docs/language.md does not say where \`per\` is a keyword"; failed=1 ;;
esac
case "$doc" in
*"The words $top begin a definition only"*) ;;
*) echo "docs/language.md does not say where $top begin a definition"; failed=1 ;;
esac
exit $failed
