#!/usr/bin/env bash
# The container test: the emulator really runs in a container.
#
# 0. Checks the real Dockerfile resolves its base images on podman (fully qualified names,
#    no short-name error) and that its build context holds every file the binary embeds.
# 1. Builds a statically linked emulator (glibc, +crt-static: no musl target here; the real
#    Dockerfile and the release builds use musl) in target/x86_64-unknown-linux-gnu/release,
#    where .ci/run's wheel build (maturin) put it already.
# 2. Builds an image from the Dockerfile's own `runtime` stage (FROM scratch, non-root,
#    env defaults, HEALTHCHECK), with the builder stage replaced by that binary
#    (`--build-context builder=...`, laid out by packaging/stage.py).
# 3. Runs it with podman, configured through the environment alone, with fixtures/ mounted
#    and the port published; measures the time from `podman run` to healthy and checks the
#    image's HEALTHCHECK (`ccai-emulator healthcheck`) passes inside the container.
# 4. Drives the one_time_code VTA flow with curl against the published port and waits for
#    the signed webhooks on examples/webhook_receiver.py running on the host.
# 5. Checks the logs are JSON lines on stdout and that `podman stop` (SIGTERM) ends it with
#    exit code 0.
# 6. Runs the image again on the same named volume at /state (CCAI_EMU_STATE_DIR, owned by
#    the image's non-root user) and checks the chat of step 4 is back with its messages.
# Prints the image size, time to healthy and stop time. Every wait is bounded, and the
# container, image and receiver are removed on exit, pass or fail.
#
# Needs: cargo, podman, runc, curl, python3 (`.ci/run` installs them). Run as root.
set -euo pipefail
cd "$(dirname "$0")/../.."

# The only way podman works on this machine (see the issue): runc, cgroupfs, explicit ulimits.
PODMAN=(podman --runtime runc --cgroup-manager cgroupfs)
RUN_LIMITS=(--ulimit nofile=1024:1024 --ulimit nproc=1000:1000)
TARGET=x86_64-unknown-linux-gnu
BINARY=target/$TARGET/release/ccai-emulator
IMAGE=localhost/ccai-emulator:container-test-$$
CONTAINER=ccai-emulator-container-test-$$
RESTARTED=ccai-emulator-container-test-restarted-$$
VOLUME=ccai-emulator-container-test-state-$$
SECRETS=(primary-secret secondary-secret)
WORK=$(mktemp -d)
RECEIVER_PID=""

say() { echo "[container-test] $*"; }
fail() {
  echo "[container-test] FAIL: $*" >&2
  if "${PODMAN[@]}" container exists "$CONTAINER" 2>/dev/null; then
    echo "--- container logs" >&2
    "${PODMAN[@]}" logs "$CONTAINER" >&2 2>&1 || true
  fi
  [[ -f $WORK/receiver.log ]] && { echo "--- receiver log" >&2; cat "$WORK/receiver.log" >&2; }
  exit 1
}
cleanup() {
  "${PODMAN[@]}" rm -f -t 0 "$CONTAINER" >/dev/null 2>&1 || true
  "${PODMAN[@]}" rm -f -t 0 "$RESTARTED" >/dev/null 2>&1 || true
  "${PODMAN[@]}" volume rm -f "$VOLUME" >/dev/null 2>&1 || true
  "${PODMAN[@]}" rmi -f "$IMAGE" >/dev/null 2>&1 || true
  [[ -n $RECEIVER_PID ]] && kill "$RECEIVER_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

for tool in cargo podman runc curl python3; do
  command -v "$tool" >/dev/null || fail "$tool is not installed (.ci/run installs it)"
done
now_ms() { date +%s%3N; }
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("0.0.0.0", 0)); print(s.getsockname()[1])'
}
# within SECONDS COMMAND...: runs COMMAND every 50 ms until it succeeds or SECONDS have
# passed (a deadline, not a count, so a slow attempt cannot stretch the wait).
within() {
  local deadline=$(($(now_ms) + $1 * 1000))
  shift
  until "$@" >/dev/null 2>&1; do
    (($(now_ms) < deadline)) || return 1
    sleep 0.05
  done
}

say "checking the Dockerfile's base images resolve on podman (no short names)"
# Every base image is fully qualified (a registry host before the first '/') or scratch.
awk 'toupper($1) == "FROM" { print $2 }' Dockerfile | while read -r base; do
  [[ $base == scratch || ${base%%/*} == *[.:]* || ${base%%/*} == localhost ]] ||
    fail "Dockerfile: FROM $base is a short name (write docker.io/library/$base)"
done
# podman itself, with a registries.conf that has no search registries (as podman's default)
# and sends docker.io to a closed local port: the build must get as far as pulling
# docker.io/library/... (refused at once, deterministically, with no network) instead of
# stopping at a short-name error. The Dockerfile alone is the context: it fails at FROM.
mkdir "$WORK/base-images"
cp Dockerfile "$WORK/base-images/Dockerfile"
cat >"$WORK/base-images/registries.conf" <<'CONF'
unqualified-search-registries = []
short-name-mode = "enforcing"
[[registry]]
prefix = "docker.io"
location = "127.0.0.1:1"
CONF
BASE_BUILD=$(CONTAINERS_REGISTRIES_CONF="$WORK/base-images/registries.conf" timeout 120 \
  "${PODMAN[@]}" build "$WORK/base-images" 2>&1 || true)
[[ $BASE_BUILD != *short-name* ]] || fail "podman build stopped at a short name: $BASE_BUILD"
[[ $BASE_BUILD == *"127.0.0.1:1"* ]] ||
  fail "podman build did not get as far as pulling from docker.io: $BASE_BUILD"
say "podman build resolved $(awk 'toupper($1) == "FROM" && $2 != "scratch" { print $2 }' Dockerfile | paste -sd' ') (the pull is refused here, as intended)"
# The builder stage compiles what it COPYs: every file the binary embeds (include_str! and
# include_bytes! outside tests/) must be under a path it copies.
python3 - <<'PY' || fail "the Dockerfile's builder stage does not COPY everything the binary embeds"
import pathlib, re
copied = set()
for line in pathlib.Path("Dockerfile").read_text().splitlines():
    words = line.split()
    if words[:1] == ["COPY"] and not words[1].startswith("--"):
        copied.update(pathlib.PurePath(word).parts[0] for word in words[1:-1])
root = pathlib.Path.cwd()
missing = []
for source in pathlib.Path("src").rglob("*.rs"):
    for embedded in re.findall(r'include_(?:str|bytes)!\(\s*"([^"]+)"', source.read_text()):
        path = (source.parent / embedded).resolve().relative_to(root)
        if path.parts[0] != "tests" and path.parts[0] not in copied:
            missing.append(f"{source} embeds {path}")
print("\n".join(missing) or f"[container-test] the builder copies {sorted(copied)}: everything the binary embeds")
raise SystemExit(1 if missing else 0)
PY

say "building a statically linked emulator ($BINARY)"
# The build .ci/run's maturin build (the wheel) already made: cargo finds it up to date.
RUSTFLAGS="-C target-feature=+crt-static" cargo build --release --locked --target "$TARGET" --bin ccai-emulator
LINKAGE=$(ldd "$BINARY" 2>&1 || true)
[[ $LINKAGE == *"not a dynamic executable"* || $LINKAGE == *"statically linked"* ]] ||
  fail "$BINARY is not statically linked: $LINKAGE"

say "building the image: the Dockerfile's runtime stage, its builder stage replaced by that binary"
# The same two commands as .ci/run, docs/docker.md's offline route and the release workflow:
# packaging/stage.py lays out the builder stage's out/<arch>/ccai-emulator and out/state, and
# the Dockerfile itself builds its runtime stage from them (no registry, no Rust image).
python3 packaging/stage.py --binary "$BINARY" --target "$TARGET" --out "$WORK/dist" \
  --image-context "$WORK/image" >/dev/null
# Docker format keeps the HEALTHCHECK (the OCI format has no field for it).
timeout 300 "${PODMAN[@]}" build --quiet --format docker --target runtime \
  --build-context builder="$WORK/image" -t "$IMAGE" . >/dev/null
IMAGE_BYTES=$("${PODMAN[@]}" image inspect --format '{{.Size}}' "$IMAGE")
IMAGE_USER=$("${PODMAN[@]}" image inspect --format '{{.Config.User}}' "$IMAGE")
[[ $IMAGE_USER == 65532:65532 ]] || fail "the image runs as '$IMAGE_USER', not the non-root 65532:65532"

say "starting the webhook receiver on the host"
RECEIVER_PORT=$(free_port)
WEBHOOK_SECRETS=$(IFS=,; echo "${SECRETS[*]}") \
  python3 -u examples/webhook_receiver.py "$RECEIVER_PORT" >"$WORK/receiver.log" 2>&1 &
RECEIVER_PID=$!
within 10 curl -fsS --max-time 1 "http://127.0.0.1:$RECEIVER_PORT/" || fail "the receiver did not start"
# The container reaches the host at the gateway of podman's bridge network, by its numeric
# IP. (Names resolve too, even in this static glibc build, through /etc/hosts and the
# network's DNS: tests/container/docker_api.sh reaches compose services by name.)
HOST_IP=$("${PODMAN[@]}" network inspect podman --format '{{range .Subnets}}{{.Gateway}}{{end}}')
[[ -n $HOST_IP ]] || fail "no gateway address on podman's default network"

EMULATOR_PORT=$(free_port)
BASE=http://127.0.0.1:$EMULATOR_PORT
# Both runs: the published port, the fixtures, and the state volume.
SHARED_RUN=(-p "$EMULATOR_PORT:8080" -v "$PWD/fixtures:/fixtures:ro" -v "$VOLUME:/state"
  -e CCAI_EMU_STATE_DIR=/state -e CCAI_EMU_FIXTURES=/fixtures)
say "podman run (published on $BASE, webhooks to http://$HOST_IP:$RECEIVER_PORT)"
STARTED_MS=$(now_ms)
# Without systemd podman logs that it cannot schedule the HEALTHCHECK timer (it is run by
# hand below); that noise goes to a file, shown only if the run fails.
timeout 60 "${PODMAN[@]}" run -d --name "$CONTAINER" "${RUN_LIMITS[@]}" "${SHARED_RUN[@]}" \
  -e CCAI_EMU_WEBHOOK_URL="http://$HOST_IP:$RECEIVER_PORT/webhooks/ccai" \
  -e CCAI_EMU_WEBHOOK_PRIMARY_SECRET="${SECRETS[0]}" \
  -e CCAI_EMU_WEBHOOK_SECONDARY_SECRET="${SECRETS[1]}" \
  -e CCAI_EMU_AGENT_JOIN_DELAY=0 \
  -e CCAI_EMU_WEBHOOK_EVENTS=all \
  "$IMAGE" >/dev/null 2>"$WORK/run.log" || fail "podman run failed: $(cat "$WORK/run.log")"

# Time to healthy: the first {"status":"ok"} through the published port, polled every 20 ms
# until a 30 s deadline.
HEALTHY_MS=""
until [[ -n $HEALTHY_MS ]]; do
  if [[ $(curl -fsS --max-time 1 "$BASE/__admin/health" 2>/dev/null) == *'"status":"ok"'* ]]; then
    HEALTHY_MS=$(($(now_ms) - STARTED_MS))
  else
    (($(now_ms) - STARTED_MS < 30000)) || fail "not healthy within 30 s"
    [[ $("${PODMAN[@]}" inspect --format '{{.State.Running}}' "$CONTAINER") == true ]] ||
      fail "the container stopped before it was healthy"
    sleep 0.02
  fi
done
# The image's own HEALTHCHECK (`/ccai-emulator healthcheck`, reading CCAI_EMU_BIND=0.0.0.0:8080
# and probing 127.0.0.1:8080), run by podman inside the container, as docker would.
HEALTH_STATUS=$(timeout 30 "${PODMAN[@]}" healthcheck run "$CONTAINER" 2>&1) ||
  fail "the image's HEALTHCHECK failed: $HEALTH_STATUS"
HEALTHCHECK_OUTPUT=$("${PODMAN[@]}" exec "$CONTAINER" /ccai-emulator healthcheck) ||
  fail "ccai-emulator healthcheck failed inside the container"
say "healthy after ${HEALTHY_MS} ms; podman healthcheck run: ${HEALTH_STATUS:-passed}; inside: $HEALTHCHECK_OUTPUT"

say "driving the one_time_code VTA flow with curl"
API=$BASE/apps/api/v1
# api METHOD PATH [JSON]: prints the body; fails the test on a non-2xx status.
api() {
  local answer status
  answer=$(curl -sS --max-time 5 -u container-test:any-token -H 'content-type: application/json' \
    -X "$1" ${3:+-d "$3"} -w '\n%{http_code}' "$API$2") || fail "$1 $2: curl failed"
  status=${answer##*$'\n'}
  [[ $status == 2* ]] || fail "$1 $2 answered $status: ${answer%$'\n'*}"
  echo "${answer%$'\n'*}"
}
# field KEY...: the JSON value at that path of the JSON on stdin (null if absent).
field() {
  python3 -c '
import json, sys
value = json.load(sys.stdin)
for key in sys.argv[1:]:
    value = value.get(key) if isinstance(value, dict) else None
print(json.dumps(value))' "$@"
}
# chat_field_is EXPECTED KEY...: the chat object's value at that path is EXPECTED (JSON).
chat_field_is() {
  local expected=$1
  shift
  [[ $(api GET "/chats/$CHAT" | field "$@") == "$expected" ]]
}
says() {
  api POST "/chats/$CHAT/message" \
    "{\"from_user_id\":$USER_ID,\"message\":{\"type\":\"text\",\"content\":{\"text\":\"$1\"}}}" >/dev/null
}

USER_ID=$(api POST /end_users '{"identifier":"container-user","name":"Ann"}' | field id)
CHAT=$(api POST /chats "{\"end_user_id\":$USER_ID}" | field id)
within 10 chat_field_is '"assigned"' status || fail "chat $CHAT: the agent never joined"
says "Hi, I need to verify my account"
within 10 chat_field_is '"Verification Assistant"' virtual_agent name ||
  fail "chat $CHAT: no transfer to the one_time_code VTA"
webhook_arrived() { python3 tests/container/check_webhooks.py "$WORK/receiver.log" "$CHAT" "$@"; }
within 10 webhook_arrived "6-digit code" || fail "$(webhook_arrived "6-digit code")"
says "12345"
within 10 webhook_arrived "exactly 6 digits" || fail "$(webhook_arrived "exactly 6 digits")"
says "481-516"
within 10 chat_field_is null virtual_agent || fail "chat $CHAT: the VTA never handed back"
within 10 webhook_arrived || fail "$(webhook_arrived)"
say "$(webhook_arrived)"

# The log is JSON lines on stdout (CCAI_EMU_LOG_FORMAT=json is the image's default).
"${PODMAN[@]}" logs "$CONTAINER" >"$WORK/emulator.log" 2>&1
python3 - "$WORK/emulator.log" <<'PY' || fail "the container's log is not JSON lines"
import json, sys
lines = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
assert any(line.get("message") == "ccai-emulator listening" for line in lines), "no 'listening' line"
PY

say "podman stop (SIGTERM)"
STOP_FROM=$(now_ms)
# Without systemd, podman complains that it cannot remove the healthcheck timer it never
# made; that noise goes to a file, shown only if the stop itself fails.
timeout 60 "${PODMAN[@]}" stop -t 10 "$CONTAINER" >/dev/null 2>"$WORK/stop.log" ||
  fail "podman stop failed: $(cat "$WORK/stop.log")"
STOP_MS=$(($(now_ms) - STOP_FROM))
EXIT_CODE=$("${PODMAN[@]}" inspect --format '{{.State.ExitCode}}' "$CONTAINER")
# When the process itself exited (conmon records it), as opposed to when podman stop
# returned after its own clean-up.
FINISHED_AT=$("${PODMAN[@]}" inspect --format '{{.State.FinishedAt}}' "$CONTAINER")
EXITED_MS=$(python3 -c '
import sys
from datetime import datetime, timezone
day, clock = sys.argv[1].split()[:2]  # "2026-11-26 02:11:57.011158402 +0000 UTC"
finished = datetime.fromisoformat(f"{day}T{clock[:15]}").replace(tzinfo=timezone.utc)
print(round(finished.timestamp() * 1000) - int(sys.argv[2]))' "$FINISHED_AT" "$STOP_FROM")
[[ $EXIT_CODE == 0 ]] || fail "exit code $EXIT_CODE after SIGTERM (expected 0)"
"${PODMAN[@]}" logs "$CONTAINER" >"$WORK/emulator.log" 2>&1
grep -q 'shutdown signal received' "$WORK/emulator.log" ||
  fail "no 'shutdown signal received' in the log: was it killed rather than stopped?"

say "podman run again on the same volume (--state-dir /state)"
timeout 60 "${PODMAN[@]}" run -d --name "$RESTARTED" "${RUN_LIMITS[@]}" "${SHARED_RUN[@]}" \
  "$IMAGE" >/dev/null 2>"$WORK/run.log" || fail "podman run (restart) failed: $(cat "$WORK/run.log")"
restored_chat() {
  [[ $(curl -fsS --max-time 1 -u container-test:any-token "$API/chats/$CHAT" | field status) == '"assigned"' ]]
}
within 30 restored_chat || fail "chat $CHAT is not back after the restart on the same volume"
RESTORED_MESSAGES=$(curl -fsS --max-time 5 "$BASE/__admin/chats/$CHAT" |
  python3 -c 'import json, sys; print(len(json.load(sys.stdin)["messages"]))')
((RESTORED_MESSAGES >= 6)) || fail "chat $CHAT came back with $RESTORED_MESSAGES messages"
say "chat $CHAT is back with its $RESTORED_MESSAGES messages"
"${PODMAN[@]}" kill "$RESTARTED" >/dev/null 2>&1 || true

echo "container test passed"
echo "  image size:           $IMAGE_BYTES bytes ($(python3 -c "print(round($IMAGE_BYTES / 1e6, 1))") MB, FROM scratch, static glibc build)"
echo "  podman run → healthy: $HEALTHY_MS ms"
echo "  podman stop (SIGTERM) → process exited 0: $EXITED_MS ms (podman stop returned after $STOP_MS ms)"
