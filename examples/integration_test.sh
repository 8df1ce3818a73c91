#!/usr/bin/env bash
# The shell example of docs/testing.md ("From the shell"): a whole test of the
# one-time-code flow against a running emulator, with no sleeps. Needs curl and jq.
#   EMU=http://127.0.0.1:8080 examples/integration_test.sh
set -euo pipefail
EMU=${EMU:-http://127.0.0.1:8080}
API=$EMU/apps/api/v1
ADMIN=$EMU/__admin
TENANT=otp-$$-$RANDOM                  # a tenant of this run's own: isolated from every other
AUTH=(-sf -u "$TENANT:any-token" -H content-type:application/json)

say() {  # say CHAT USER TEXT: the end user sends a message
  curl "${AUTH[@]}" -d "{\"from_user_id\":$2,\"message\":{\"type\":\"text\",\"content\":{\"text\":\"$3\"}}}" \
    "$API/chats/$1/message" >/dev/null
}
wait_for() {  # wait_for PATH: a long-poll that must answer 200 (408 = the wait timed out)
  local status
  status=$(curl -s -o /tmp/wait_for.$$ -w '%{http_code}' "$ADMIN$1")
  [ "$status" = 200 ] || { echo "FAIL: $1 -> $status $(cat /tmp/wait_for.$$)"; exit 1; }
  cat /tmp/wait_for.$$
}

USER_ID=$(curl "${AUTH[@]}" -d '{"identifier":"customer-42"}' "$API/end_users" | jq .id)
CHAT=$(curl "${AUTH[@]}" -d "{\"end_user_id\":$USER_ID}" "$API/chats" | jq .id)
wait_for "/chats/$CHAT?routing_state=assigned&wait=5s" >/dev/null          # the agent joined

say "$CHAT" "$USER_ID" "I need to verify my account"
wait_for "/chats/$CHAT/transcript?view=end_user&contains=6-digit&wait=5s" >/dev/null
say "$CHAT" "$USER_ID" "481516"
wait_for "/chats/$CHAT/transcript?view=agent&contains=finished%20successfully&wait=5s" \
  | jq -e '[.messages[] | tostring | contains("481516")] | any | not' >/dev/null \
  || { echo "FAIL: the agent saw the code"; exit 1; }

wait_for "/webhooks/deliveries?chat_id=$CHAT&event_type=message_received&min_count=4&wait=5s" \
  | jq -e '[.deliveries[].payload.body.server_message | objects] | length > 0' >/dev/null
wait_for "/requests?tenant=$TENANT&path=/apps/api/v1/chats/$CHAT/message" | jq -e '.count == 2' >/dev/null
rm -f /tmp/wait_for.$$
echo "PASS: chat $CHAT of tenant $TENANT"
