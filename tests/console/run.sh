#!/usr/bin/env bash
# Runs the console's end-to-end test: starts the emulator binary on a free port, drives the
# console in headless Chromium (Debian's `chromium`) with playwright-core (as the agent and as
# the end user, switching chats by `#chat=`, blank sends, the icon, delivery payloads), then
# stops the emulator. Needs: cargo, node/npm, chromium (`.ci/run` installs them).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

cargo build --quiet --bin ccai-emulator
(cd "$here" && npm ci --silent --no-audit --no-fund)

log="$(mktemp)"
CCAI_EMU_BIND=127.0.0.1:0 CCAI_EMU_LOG_FORMAT=json CCAI_EMU_AGENT_JOIN_DELAY=0 \
  target/debug/ccai-emulator >"$log" 2>&1 &
emulator=$!
trap 'kill "$emulator" 2>/dev/null || true; wait "$emulator" 2>/dev/null || true; rm -f "$log"' EXIT

address=""
for _ in $(seq 100); do
  address="$(grep -o '"address":"[^"]*"' "$log" | head -1 | cut -d'"' -f4 || true)"
  [ -n "$address" ] && break
  kill -0 "$emulator" 2>/dev/null || { cat "$log"; echo "the emulator exited" >&2; exit 1; }
  sleep 0.1
done
[ -n "$address" ] || { cat "$log"; echo "the emulator did not report its address" >&2; exit 1; }

timeout 120 node "$here/e2e.js" "http://$address" "$root/target/console-e2e.png"
