#!/usr/bin/env bash
# Tests examples/webhook_receiver.py's failure flags against the real emulator binary: a
# receiver started with FAIL_STATUS=503 FAIL_COUNT=2 (the environment twins) answers the
# first two verified requests 503 and the rest 200, so the emulator's journal shows the
# first event delivered on its third attempt (503, 503, 200) and the receiver's lines say
# what it answered (the retry that got 200 is no duplicate); a receiver started with
# `--fail-status 500` (the flag, every request) makes every attempt of a delivery fail until
# the retry schedule runs out; empty FAIL_* (as docker-compose.yml passes them) never fail.
# Also checks that bad values are refused at start.
# Needs: curl, jq, python3, target/debug/ccai-emulator (`cargo build`).
# No fixed ports, no sleeps as waits: the programs' first output lines and the emulator's
# long-polls, each with a deadline.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
binary="${CCAI_EMULATOR_BIN:-$root/target/debug/ccai-emulator}"
fail() { echo "example receiver: FAIL: $*" >&2; exit 1; }
[ -x "$binary" ] || fail "no binary at $binary (run cargo build first)"

work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# first_line FD PID WHAT: the first line a program prints, waiting at most 30 s for it.
first_line() {
  local line
  IFS= read -r -t 30 -u "$1" line || fail "$3 printed nothing within 30 s"
  printf '%s\n' "$line"
}

# The emulator on a free port, retrying after 50 ms three times (four attempts in all).
exec 3< <(CCAI_EMU_BIND=127.0.0.1:0 CCAI_EMU_AGENT_JOIN_DELAY=0 CCAI_EMU_WEBHOOK_RETRY_SCHEDULE=50ms,50ms,50ms \
  CCAI_EMU_WEBHOOK_RETRY_JITTER=0 exec "$binary" 2>&1)
pids+=($!)
start_up=$(first_line 3 "${pids[0]}" "the emulator")
api=$(grep -o 'api=http://[^ ]*' <<<"$start_up" | cut -d= -f2) || fail "no api=URL in: $start_up"
emu="${api%/apps/api/v1}"
cat <&3 >"$work/emulator.log" &
pids+=($!)

# start_receiver LOG ENV=VALUE... python3 examples/webhook_receiver.py ARG...: starts the
# example receiver (on port 0: any free port); sets $receiver_line to its first line.
start_receiver() {
  local log=$1 fd
  shift
  exec {fd}< <(PYTHONUNBUFFERED=1 exec env "$@" 2>&1)
  pids+=($!)
  receiver_line=$(first_line "$fd" "$!" "the receiver ($*)")
  cat <&"$fd" >"$log" &
  pids+=($!)
}

start_receiver "$work/first-n.log" WEBHOOK_SECRETS=first-n-secret FAIL_STATUS=503 FAIL_COUNT=2 \
  python3 examples/webhook_receiver.py 0
first_n=$receiver_line
start_receiver "$work/always.log" WEBHOOK_SECRETS=always-secret \
  python3 examples/webhook_receiver.py --fail-status 500 0
always=$receiver_line
# docker-compose.yml passes empty FAIL_STATUS and FAIL_COUNT unless asked: never failing.
start_receiver "$work/empty.log" FAIL_STATUS= FAIL_COUNT= python3 examples/webhook_receiver.py 0
[[ $receiver_line == "webhook receiver on :"*", secrets: 1" ]] || fail "with empty FAIL_*: $receiver_line"
grep -q 'answering 503 to the first 2 verified request(s)$' <<<"$first_n" || fail "first line: $first_n"
grep -q 'answering 500 to every verified request(s)$' <<<"$always" || fail "first line: $always"
port_of() { grep -o 'on :[0-9]*' <<<"$1" | cut -d: -f2; }

J=(-sS --fail-with-body -H content-type:application/json)
# open_chat TENANT RECEIVER_PORT SECRET: points the tenant's webhook at the receiver and
# opens a chat; prints the chat's id.
open_chat() {
  curl "${J[@]}" -o /dev/null -X PUT -d "{\"url\":\"http://127.0.0.1:$2/\",\"primary_secret\":\"$3\"}" \
    "$emu/__admin/tenants/$1/webhook"
  local user
  user=$(curl "${J[@]}" -u "$1:token" -d '{"identifier":"retry-watcher"}' "$api/end_users" | jq .id)
  curl "${J[@]}" -u "$1:token" -d "{\"end_user_id\":$user}" "$api/chats" | jq .id
}

# 1. The first two requests fail: chat_created is delivered on its third attempt, and the
#    chat's later events (held behind it, in order) on their first.
chat=$(open_chat first-n "$(port_of "$first_n")" first-n-secret)
journal=$(curl "${J[@]}" "$emu/__admin/webhooks/deliveries?chat_id=$chat&status=delivered&min_count=2&wait=10s")
attempts=$(jq -c '[.deliveries[] | select(.status == "delivered") | {event: .event_type, answers: [.attempts[].status_code]}]' <<<"$journal")
jq -e '[.[] | select(.event == "chat_created") | .answers] == [[503, 503, 200]]' <<<"$attempts" >/dev/null ||
  fail "chat_created was not answered 503, 503, 200: $attempts"
jq -e '[.[] | select(.event != "chat_created") | .answers] | length >= 1 and all(. == [200])' <<<"$attempts" >/dev/null ||
  fail "the later events were not delivered at once: $attempts"
answered=$(jq -s -c '[.[] | select(.event.chat_id == '"$chat"') | [.event.event_type, .answered, .duplicate]] | .[0:3]' "$work/first-n.log")
[ "$answered" = '[["chat_created",503,false],["chat_created",503,false],["chat_created",200,false]]' ] ||
  fail "the receiver's lines do not say 503, 503, then 200 (no duplicate): $answered"

# 2. Every request fails: the delivery runs out of retries (four attempts, all 500).
chat=$(open_chat always "$(port_of "$always")" always-secret)
journal=$(curl "${J[@]}" "$emu/__admin/webhooks/deliveries?chat_id=$chat&event_type=chat_created&status=failed&min_count=1&wait=10s")
answers=$(jq -c '[.deliveries[0].attempts[].status_code]' <<<"$journal")
[ "$answers" = '[500,500,500,500]' ] || fail "the always-failing receiver's delivery: $answers"
lines=$(jq -s -c '[.[] | select(.event.chat_id == '"$chat"' and .event.event_type == "chat_created") | .answered]' "$work/always.log")
[ "$lines" = '[500,500,500,500]' ] || fail "the always-failing receiver printed $lines"

# 3. Bad values stop it at once with a usage error (exit 2), flag or environment.
for bad in "--fail-status 200 0" "--fail-status abc 0" "--fail-count 2 0" "--fail-status 503 --fail-count 0 0"; do
  status=0
  python3 examples/webhook_receiver.py $bad >/dev/null 2>"$work/error" || status=$?
  [ "$status" -eq 2 ] || fail "'$bad' exited $status, not 2"
  grep -q 'error:' "$work/error" || fail "'$bad' gave no error message"
done
status=0
FAIL_STATUS=abc python3 examples/webhook_receiver.py 0 >/dev/null 2>&1 || status=$?
[ "$status" -eq 2 ] || fail "FAIL_STATUS=abc exited $status, not 2"

echo "example receiver: PASS (503, 503, 200 for the first event; 4 x 500 then failed; bad values refused)"
