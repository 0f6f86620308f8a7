#!/bin/sh
# opcodes_md.sh — writes docs/bytecode.md's instruction table from
# runtime/opcodes.def, so the docs list exactly the opcodes the VM has.
# Usage: sh scripts/opcodes_md.sh > docs/bytecode.md
set -eu
cd "$(dirname "$0")/.."
cat <<'HEAD'
# kam bytecode

`kam disasm POLICY` prints the code a policy compiles to; this page lists
the instructions. It is generated from `runtime/opcodes.def` by
`scripts/opcodes_md.sh` (a test fails when the two disagree).

A compiled policy is a register machine. Every instruction is 10 bytes:
`{op, x, d, a, b}`, x and the registers 16 bits each. Registers hold the record's fields, the params and
consts, every rule's result, constants and temporaries. The code has up to
four segments, each ending in `HALT`:

* **init** — params and consts, in dependency order; each is skipped when
  `--set` (or the REPL's `:set`) has given it a value.
* **pass one** — only for policies with aggregates: the rules the
  aggregates read, then `AGG_ADD` for each aggregate, over every record.
* **record** — every rule, each after the rules it reads.
* **where** — a `--where` filter.

Operands: `d` destination register, `a`/`b` source registers, `j` jump
target (in `b`), `t` jump target (in `d`), `x` a small immediate.

| opcode | operands | what it does |
|---|---|---|
HEAD
sed -n 's/^OP(\([A-Z_0-9]*\), *"\([a-z]*\)", *"\(.*\)")$/| `\1` | \2 | \3 |/p' runtime/opcodes.def
