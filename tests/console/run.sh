#!/usr/bin/env bash
# Runs the console's end-to-end test: starts the emulator binary twice on free ports (open
# auth, and strict auth with one tenant token), drives the console in headless Chromium
# (Debian's `chromium`) with playwright-core (as the agent and as the end user, switching
# chats by `#chat=`, blank sends, the icon, delivery payloads, asking for a tenant's API
# token), then stops both. Needs: cargo, node/npm, chromium (`.ci/run` installs them).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

cargo build --quiet --bin ccai-emulator
(cd "$here" && npm ci --silent --no-audit --no-fund)

logs="$(mktemp -d)"
pids=()
trap 'for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done; rm -rf "$logs"' EXIT

# start NAME [FLAG...]: starts an emulator on a free port; sets $address to its host:port.
start() {
  local log="$logs/$1.log"
  shift
  CCAI_EMU_BIND=127.0.0.1:0 CCAI_EMU_LOG_FORMAT=json CCAI_EMU_AGENT_JOIN_DELAY=0 \
    target/debug/ccai-emulator "$@" >"$log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  address=""
  for _ in $(seq 100); do
    address="$(grep -o '"address":"[^"]*"' "$log" | head -1 | cut -d'"' -f4 || true)"
    [ -n "$address" ] && return
    kill -0 "$pid" 2>/dev/null || { cat "$log"; echo "the emulator exited" >&2; exit 1; }
    sleep 0.1
  done
  cat "$log"
  echo "the emulator did not report its address" >&2
  exit 1
}

start open
open_address=$address
# Strict auth: the console must ask for the tenant's API token to speak as its end user.
start strict --auth strict --tenant console-strict:strict-token
strict_address=$address

timeout 120 node "$here/e2e.js" "http://$open_address" "http://$strict_address" "$root/target/console-e2e.png"
