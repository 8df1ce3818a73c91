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
# README's Python and TypeScript examples are those of the packages' READMEs (tested there).
# Last, it runs the four ```sh blocks of "## More to try" in order, after the walkthrough in
# one bash: the views of the chat, driving the agent by hand, and watching retries (the
# receiver restarted as written, failing its first two requests, on a free port). Every
# command there, and in the walkthrough, must print readable lines (each `curl` through
# `jq`/`show`, `-w '...\n'` or `-o /dev/null`, no line over 300 characters), and the
# walkthrough's wrong code must show the VTA's re-ask.
# Needs: curl, jq, python3, target/debug/ccai-emulator (`cargo build`).
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
# The same for "## More to try": more-1.sh ... more-4.sh.
awk -v dir="$work" '
  /^## / { inside = ($0 == "## More to try") }
  inside && /^```sh$/ { n++; file = dir "/more-" n ".sh"; printf "" > file; next }
  inside && file != "" && /^```$/ { close(file); file = ""; next }
  file != "" { print > file }
' README.md
more=$(find "$work" -name 'more-*.sh' | wc -l)
[ "$more" -eq 4 ] || fail "expected 4 sh blocks under '## More to try' in README.md, found $more"
grep -q 'examples/webhook_receiver.py .* 9000$' "$work/more-3.sh" ||
  fail "the third block of 'More to try' does not start the receiver on port 9000"

# Every curl a reader pastes prints readable lines: through jq or show, with a -w format
# that ends the line, or into /dev/null (no wall of JSON without a trailing newline).
for block in "$work/block-3.sh" "$work/more-1.sh" "$work/more-2.sh" "$work/more-4.sh"; do
  while IFS= read -r line; do
    case "$line" in
      *curl*) ;;
      *) continue ;;
    esac
    [[ $line =~ ^[a-z_]+\(\)\ \{ ]] && continue  # a helper's definition, e.g. end_user_says
    if ! [[ $line =~ -o\ /dev/null || $line =~ \|\ (jq|show) || $line =~ -w\ \'[^\']*\\n\' ]]; then
      fail "this README command prints raw JSON without a newline: $line"
    fi
  done <"$block"
done
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
# readable FILE: no output line longer than 300 characters (a wall of JSON).
readable() {
  local long
  long=$(awk 'length($0) > 300 { print FNR ": " substr($0, 1, 120) "..."; exit }' "$1")
  [ -z "$long" ] || fail "unreadable output (a line over 300 characters), line $long"
}
checked_runs bash 1 2 >"$work/twice.sh"
bash "$work/twice.sh" | tee "$work/twice.out" ||
  fail "the walkthrough block failed in bash (emulator log: $(tail -5 "$work/emulator.log"))"
[ "${PIPESTATUS[0]}" -eq 0 ] || fail "the walkthrough block failed in bash"
readable "$work/twice.out"
[ "$(grep -c '^  Verification Assistant: .*try again' "$work/twice.out")" -eq 2 ] ||
  fail "the wrong code's step does not show the VTA's re-ask once per run"
if command -v zsh >/dev/null; then
  checked_runs zsh 3 >"$work/zsh.sh"
  zsh "$work/zsh.sh" || fail "the walkthrough block failed in zsh"
else
  echo "walkthrough: zsh is not installed; the block ran in bash only"
fi

# "More to try", after the walkthrough in one bash: the chat's views, the agent by hand.
{
  echo 'set -euo pipefail'
  cat "$work/block-3.sh" "$work/more-1.sh" "$work/more-2.sh"
} >"$work/more.sh"
bash "$work/more.sh" >"$work/more.out" 2>&1 || fail "'More to try' failed in bash: $(tail -5 "$work/more.out")"
cat "$work/more.out"
readable "$work/more.out"
for expected in '^  Alex Rivera: .*finished successfully' '^  [0-9]+ to agent: .*finished: success' \
  '^  message_received: delivered, answers \[200\]$' '^  Alex Rivera: Anything else\?$' \
  '^  Payment Assistant: Please enter your card number\.$' '^chat [0-9]+: finished$' \
  '^\{"message":"Chat is already ended"\} \(HTTP 400\)$'; do
  grep -Eq "$expected" "$work/more.out" || fail "'More to try' printed no line matching $expected"
done
if sed -n '/view=agent/,/view=end_user/p' "$work/more.out" | grep -q 481516; then
  fail "'More to try' shows the code in the agent's view"
fi

# Watching retries: the receiver restarted as written (on a free port: the harness points
# acme's webhook at it, as port 9000 would be the same URL), then the block that opens a chat.
exec 5< <(PYTHONUNBUFFERED=1 exec bash -c "$(sed 's/ 9000$/ 0/' "$work/more-3.sh")" 2>&1)
pids+=($!)
failing_line=$(first_line 5 "${pids[-1]}" "the failing webhook receiver")
grep -q 'answering 503 to the first 2 verified request(s)' <<<"$failing_line" ||
  fail "the restarted receiver does not say it fails: $failing_line"
failing_port=$(grep -o 'on :[0-9]*' <<<"$failing_line" | cut -d: -f2)
cat <&5 >"$work/failing-receiver.log" &
pids+=($!)
{
  echo 'set -euo pipefail'
  cat "$work/block-3.sh"
  echo "curl \"\${J[@]}\" -o /dev/null -X PUT -d '{\"url\":\"http://127.0.0.1:$failing_port/\",\"primary_secret\":\"walkthrough-secret\"}' \"\$ADMIN/tenants/acme/webhook\""
  cat "$work/more-4.sh"
} >"$work/retries.sh"
bash "$work/retries.sh" >"$work/retries.out" 2>&1 || fail "watching retries failed: $(tail -5 "$work/retries.out")"
tail -3 "$work/retries.out"
readable "$work/retries.out"
[ "$(tail -3 "$work/retries.out" | sed -E 's/^  [0-9:.]+ answered //' | tr '\n' ' ')" = "503 503 200 " ] ||
  fail "the retries block did not show 503, 503, 200: $(tail -3 "$work/retries.out")"
curl -sS --fail-with-body -o /dev/null -X PUT -H content-type:application/json \
  -d "{\"url\":\"$HOOK\",\"primary_secret\":\"walkthrough-secret\"}" "$EMU/__admin/tenants/acme/webhook"

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
