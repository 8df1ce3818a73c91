#!/usr/bin/env bash
# Runs the README's walkthrough as written, so the README cannot drift. It takes the three
# ```sh blocks of README.md's "## Walkthrough" section: the first must be
# `cargo run --release` (replaced by the built binary on a free port), the second starts the
# example webhook receiver (run as written, on a free port instead of 9000), the third is
# the block a reader pastes: it runs twice in a row in one bash with `set -euo pipefail`
# (then once in zsh, if installed), pointed at those ports through the block's own EMU and
# HOOK variables. It fails on any
# error, on a webhook the receiver could not verify, or when the human agent's view shows
# the one-time code. Then it runs examples/integration_test.sh (docs/testing.md's shell
# example, which must be its verbatim copy) against the same emulator, and checks that the
# README's Python and TypeScript examples are those of the packages' READMEs (tested there). Needs: curl, jq, python3, target/debug/ccai-emulator (`cargo build`).
# No fixed ports, no sleeps: it waits on the programs' first output lines, with deadlines.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
binary="${CCAI_EMULATOR_BIN:-$root/target/debug/ccai-emulator}"
fail() { echo "walkthrough: FAIL: $*" >&2; exit 1; }
[ -x "$binary" ] || fail "no binary at $binary (run cargo build first)"

work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# The ```sh blocks of the section, one file each: block-1.sh, block-2.sh, ...
awk -v dir="$work" '
  /^## / { inside = ($0 == "## Walkthrough") }
  inside && /^```sh$/ { n++; file = dir "/block-" n ".sh"; printf "" > file; next }
  inside && file != "" && /^```$/ { close(file); file = ""; next }
  file != "" { print > file }
' README.md
blocks=$(find "$work" -name 'block-*.sh' | wc -l)
[ "$blocks" -eq 3 ] || fail "expected 3 sh blocks under '## Walkthrough' in README.md, found $blocks"
[ "$(cat "$work/block-1.sh")" = "cargo run --release" ] ||
  fail "the first block is not 'cargo run --release': $(cat "$work/block-1.sh")"
grep -q ' 9000$' "$work/block-2.sh" || fail "the receiver block does not end with port 9000"
grep -qF 'EMU=${EMU:-http://127.0.0.1:8080}' "$work/block-3.sh" ||
  fail "the pasted block does not default EMU to the emulator's default address"
grep -qF 'HOOK=${HOOK:-http://127.0.0.1:9000/}' "$work/block-3.sh" ||
  fail "the pasted block does not default HOOK to the receiver's port 9000"

# An interactive zsh takes `#` as a word, not a comment: the pasted block must have none.
if grep -nE '(^|[[:space:]])#' "$work/block-3.sh"; then
  fail "the pasted block has a # comment (an interactive zsh would run it as a word)"
fi

# first_line FD PID WHAT: the first line a program prints, waiting at most 30 s for it.
first_line() {
  local line
  IFS= read -r -t 30 -u "$1" line || fail "$3 printed nothing within 30 s (exited: $(kill -0 "$2" 2>/dev/null && echo no || echo yes))"
  printf '%s\n' "$line"
}

# 1. The emulator, as `cargo run --release` would start it, but on a free port. Its first
#    line is the start-up line with the API's URL; the rest of its output is kept.
exec 3< <(CCAI_EMU_BIND=127.0.0.1:0 exec "$binary" 2>&1)
pids+=($!)
start_up=$(first_line 3 "${pids[0]}" "the emulator")
api=$(grep -o 'api=http://[^ ]*' <<<"$start_up" | cut -d= -f2) ||
  fail "no api=URL in the start-up line: $start_up"
export EMU="${api%/apps/api/v1}"
cat <&3 >"$work/emulator.log" &
pids+=($!)

# 2. The receiver block as written, on port 0 (any free port) instead of 9000.
receiver_command=$(sed 's/ 9000$/ 0/' "$work/block-2.sh")
exec 4< <(PYTHONUNBUFFERED=1 exec bash -c "$receiver_command" 2>&1)  # bash execs python
pids+=($!)
receiver_line=$(first_line 4 "${pids[2]}" "the webhook receiver")
port=$(grep -o 'on :[0-9]*' <<<"$receiver_line" | cut -d: -f2) ||
  fail "no port in the receiver's first line: $receiver_line"
export HOOK="http://127.0.0.1:$port/"
cat <&4 >"$work/receiver.log" &
pids+=($!)

# 3. The pasted block, twice in one shell; after each run, the chat it made ($CHAT) must
#    not show the code in the agent's view, and must show the VTA's successful hand-back.
#    The README says bash or zsh: it runs twice in bash, then once in zsh when installed.
checked_runs() {  # checked_runs SHELL RUNS...: the script that pastes the block once per run
  echo 'set -euo pipefail'
  for run in "${@:2}"; do
    cat "$work/block-3.sh"
    echo "agent_view=\$(curl -sS --fail-with-body \"\$EMU/__admin/chats/\$CHAT/transcript?view=agent\")"
    echo "if grep -q 481516 <<<\"\$agent_view\"; then echo \"$1 run $run: the agent's view of chat \$CHAT shows the code: \$agent_view\" >&2; exit 1; fi"
    echo "grep -q 'finished successfully' <<<\"\$agent_view\" || { echo \"$1 run $run: no hand-back in chat \$CHAT\" >&2; exit 1; }"
    echo "echo \"walkthrough: $1 run $run passed (chat \$CHAT)\""
  done
}
checked_runs bash 1 2 >"$work/twice.sh"
bash "$work/twice.sh" || fail "the walkthrough block failed in bash (emulator log: $(tail -5 "$work/emulator.log"))"
if command -v zsh >/dev/null; then
  checked_runs zsh 3 >"$work/zsh.sh"
  zsh "$work/zsh.sh" || fail "the walkthrough block failed in zsh"
else
  echo "walkthrough: zsh is not installed; the block ran in bash only"
fi

# The README's Python and TypeScript examples are the client packages' tested ones, verbatim.
block_of() { awk -v lang="$2" '$0 == "```" lang { on = 1; next } on && /^```$/ { exit } on' "$1"; }
[ "$(block_of README.md python)" = "$(block_of clients/python/README.md python)" ] ||
  fail "README.md's Python example differs from clients/python/README.md's first one"
[ "$(block_of README.md js)" = "$(block_of clients/js/README.md js)" ] ||
  fail "README.md's TypeScript example differs from clients/js/README.md's first one"

# The shell example of docs/testing.md is examples/integration_test.sh, verbatim; run it too.
sed -n '/^#!\/usr\/bin\/env bash$/,/^```$/p' docs/testing.md | sed '$d' | cmp -s - examples/integration_test.sh ||
  fail "docs/testing.md's shell example differs from examples/integration_test.sh"
examples/integration_test.sh || fail "examples/integration_test.sh failed"

# Every webhook the receiver printed was verified (stop it first so its output is complete).
kill "${pids[2]}" 2>/dev/null || true
wait "${pids[3]}" 2>/dev/null || true
verified=$(grep -c '"verified": true' "$work/receiver.log" || true)
[ "$verified" -gt 0 ] || fail "the receiver printed no verified webhook: $(head -5 "$work/receiver.log")"
if grep -q '"verified": false' "$work/receiver.log"; then
  fail "the receiver rejected a signature: $(grep -m1 '"verified": false' "$work/receiver.log")"
fi
echo "walkthrough: PASS ($verified verified webhooks)"
