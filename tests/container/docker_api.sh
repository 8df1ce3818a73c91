#!/usr/bin/env bash
# Docker clients against podman, with no registry (docs/docker.md, "Offline, with podman"):
#
# 1. Builds the image the offline route's way: the static binary laid out as the Dockerfile's
#    builder stage (dist/image/out/amd64/ccai-emulator), then `podman build --target runtime
#    --build-context builder=dist/image -t ccai-emulator:local .`.
# 2. Serves podman's Docker-compatible API (`podman system service`) on a socket of its own,
#    with a containers.conf giving runc, cgroupfs and explicit ulimits (what this machine
#    needs), and points DOCKER_HOST at it.
# 3. docker-compose: `up -d` with docker-compose.yml as shipped (both services on that one
#    image, nothing pulled), a chat through the published port, and the receiver service's
#    log must show the VTA's question as a verified webhook (the emulator reaches it by its
#    service name); then `down`.
# 4. Testcontainers: the Python module's tests (clients/python/tests/test_testcontainers.py,
#    from the wheel's venv, with the [testcontainers] extra) and the Node module's
#    (clients/js/test/testcontainers/, from the packed package in a scratch project with
#    tests/testcontainers/package-lock.json's testcontainers).
#
# Inputs: the binary as $1 (default target/x86_64-unknown-linux-gnu/release/ccai-emulator),
# $WHEEL_VENV (default target/wheel-venv, the wheel installed) and dist/ccai-emulator-*.tgz
# (npm pack), as .ci/run leaves them. Every wait has a deadline; the containers, the
# network, the image and the service are removed on exit, pass or fail. Run as root.
set -euo pipefail
cd "$(dirname "$0")/../.."
BINARY=${1:-target/x86_64-unknown-linux-gnu/release/ccai-emulator}
WHEEL_VENV=${WHEEL_VENV:-target/wheel-venv}
WORK=$(mktemp -d)
PROJECT=ccai-docker-api-test-$$
SERVICE_PID=""
say() { echo "[docker-api] $*"; }
fail() {
  echo "[docker-api] FAIL: $*" >&2
  [[ -f $WORK/compose.log ]] && { echo "--- docker-compose logs" >&2; tail -40 "$WORK/compose.log" >&2; }
  exit 1
}
cleanup() {
  if [[ -n $SERVICE_PID ]]; then
    docker-compose -p "$PROJECT" down -v -t 2 >/dev/null 2>&1 || true
    kill "$SERVICE_PID" 2>/dev/null || true
    wait "$SERVICE_PID" 2>/dev/null || true
  fi
  podman rmi -f ccai-emulator:local >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
now_ms() { date +%s%3N; }
# within SECONDS COMMAND...: runs COMMAND every 100 ms until it succeeds or the deadline passes.
within() {
  local deadline=$(($(now_ms) + $1 * 1000))
  shift
  until "$@" >/dev/null 2>&1; do
    (($(now_ms) < deadline)) || return 1
    sleep 0.1
  done
}
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# What this machine needs for podman (no systemd, runc, explicit ulimits), for every podman
# command and the API service alike.
cat >"$WORK/containers.conf" <<'CONF'
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1000:1000"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
CONF
export CONTAINERS_CONF=$WORK/containers.conf

say "1. the image, offline: the binary as the builder stage, the Dockerfile's runtime stage"
mkdir -p dist/image/out/amd64 dist/image/out/state
cp "$BINARY" dist/image/out/amd64/ccai-emulator
# Docker format keeps the HEALTHCHECK. Podman warns that the unused builder stage's
# TARGETARCH has no value; it is set (amd64) where it is used.
podman build --quiet --format docker --target runtime --build-context builder=dist/image \
  -t ccai-emulator:local . 2>"$WORK/build.log" >/dev/null || fail "podman build: $(cat "$WORK/build.log")"

say "2. podman's Docker-compatible API on $WORK/podman.sock"
podman system service --time=0 "unix://$WORK/podman.sock" >"$WORK/service.log" 2>&1 &
SERVICE_PID=$!
export DOCKER_HOST=unix://$WORK/podman.sock
within 30 curl -fsS --unix-socket "$WORK/podman.sock" http://podman/_ping ||
  fail "the API socket did not answer: $(cat "$WORK/service.log")"

say "3. docker-compose up -d (docker-compose.yml as shipped; nothing pulled, nothing built)"
PORT=$(free_port)
export CCAI_EMU_HOST_PORT=$PORT
docker-compose -p "$PROJECT" up -d --no-build >"$WORK/compose.log" 2>&1 || fail "docker-compose up failed"
API=http://127.0.0.1:$PORT/apps/api/v1
within 60 curl -fsS "http://127.0.0.1:$PORT/__admin/health" || fail "the emulator service is not healthy"
json() { curl -fsS -u compose:any-token -H content-type:application/json "$@"; }
USER_ID=$(json -d '{"identifier":"compose-user"}' "$API/end_users" | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
CHAT=$(json -d "{\"end_user_id\":$USER_ID}" "$API/chats" | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
curl -fsS -o /dev/null "http://127.0.0.1:$PORT/__admin/chats/$CHAT?routing_state=assigned&wait=15s" ||
  fail "chat $CHAT: the agent never joined"
json -o /dev/null -d "{\"from_user_id\":$USER_ID,\"message\":{\"type\":\"text\",\"content\":{\"text\":\"I need to verify my account\"}}}" \
  "$API/chats/$CHAT/message"
# The receiver's log: a verified message_received from the VTA for this chat.
vta_question_verified() {
  docker-compose -p "$PROJECT" logs --no-color webhook-receiver >"$WORK/compose.log" 2>&1
  python3 - "$WORK/compose.log" "$CHAT" <<'PY'
import json, sys
chat = int(sys.argv[2])
for line in open(sys.argv[1]):
    start = line.find("{")
    if start < 0:
        continue
    try:
        printed = json.loads(line[start:])
    except ValueError:
        continue
    event = printed.get("event", {})
    if event.get("chat_id") == chat and "server_message" in event.get("body", {}):
        sys.exit(0 if printed["verified"] else 2)
sys.exit(1)
PY
}
within 30 vta_question_verified || fail "no verified VTA webhook for chat $CHAT in the receiver's log"
grep -q '"verified": *false' "$WORK/compose.log" && fail "the receiver saw a webhook it could not verify"
docker-compose -p "$PROJECT" down -v -t 5 >/dev/null 2>&1 || fail "docker-compose down failed"
say "docker-compose: the emulator's signed webhooks reached the receiver service by name, verified"

export TESTCONTAINERS_RYUK_DISABLED=true TESTCONTAINERS_CONNECTION_MODE=docker_host
export CCAI_EMULATOR_IMAGE=localhost/ccai-emulator:local

say "4a. Testcontainers for Python (the wheel, with its [testcontainers] extra)"
"$WHEEL_VENV/bin/pip" install -q --disable-pip-version-check "$(ls dist/ccai_emulator-*.whl)[testcontainers]"
"$WHEEL_VENV/bin/python" -m pytest -q -p no:cacheprovider clients/python/tests/test_testcontainers.py ||
  fail "the Python Testcontainers tests failed (exit $?; 5 = none collected)"

say "4b. Testcontainers for Node (the packed package, testcontainers from tests/testcontainers)"
cp tests/testcontainers/package.json tests/testcontainers/package-lock.json "$WORK/"
(
  cd "$WORK"
  npm ci --silent --prefer-offline --ignore-scripts --no-audit --no-fund
  npm install --silent --offline --ignore-scripts --no-audit --no-fund --no-save \
    "$OLDPWD"/dist/ccai-emulator-[0-9]*.tgz "$OLDPWD"/dist/ccai-emulator-linux-x64-[0-9]*.tgz
  cp -r "$OLDPWD/clients/js/test" node_modules/ccai-emulator/test
  tap=$WORK/node.tap
  CCAI_EMULATOR_REPO=$OLDPWD node --test --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$tap" node_modules/ccai-emulator/test/testcontainers/*.test.js
  grep -Eq '^# pass [1-9]' "$tap" || { echo "[docker-api] node --test ran no test" >&2; exit 1; }
) || fail "the Node Testcontainers tests failed"
echo "docker API test passed"
