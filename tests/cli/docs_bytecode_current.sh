# docs/bytecode.md is generated from runtime/opcodes.def and kept current.
set -u
sh "$ROOT/scripts/opcodes_md.sh" | cmp -s - "$ROOT/docs/bytecode.md" || {
    echo "docs/bytecode.md is out of date: run sh scripts/opcodes_md.sh > docs/bytecode.md"; exit 1; }
n_def=$(grep -c '^OP(' "$ROOT/runtime/opcodes.def")
n_doc=$(grep -c '^| `' "$ROOT/docs/bytecode.md")
[ "$n_def" -eq "$n_doc" ] || { echo "$n_def opcodes but $n_doc documented"; exit 1; }
exit 0
