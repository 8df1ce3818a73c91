#!/usr/bin/env bash
# Fuzzes the real binary with schemathesis against its own OpenAPI document: every
# operation, a bounded number of examples each. The bar: no 5xx and no answer that
# violates the document. Prints a summary (operations, requests, failures) and exits 1 on
# any failure. schemathesis comes from PyPI into a venv under target/ (made on first use).
# Usage: tests/fuzz/schemathesis.sh [examples per operation, default 20]
set -euo pipefail
cd "$(dirname "$0")/../.."
EXAMPLES="${1:-20}"
VENV=target/schemathesis-venv
if [ ! -x "$VENV/bin/schemathesis" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "schemathesis>=3.39,<4" "hypothesis>=6.108,<6.123"
fi
cargo build -q --bin ccai-emulator
LOG=$(mktemp)
CCAI_EMU_BIND=127.0.0.1:0 CCAI_EMU_LOG_FORMAT=json CCAI_EMU_AGENT_JOIN_DELAY=0 RUST_LOG=warn,ccai_emulator=info \
  target/debug/ccai-emulator >"$LOG" 2>&1 &
PID=$!
trap 'kill "$PID" 2>/dev/null || true; rm -f "$LOG"' EXIT
ADDRESS=""
for _ in $(seq 1 100); do
  ADDRESS=$(python3 -c 'import json,sys
for line in open(sys.argv[1]):
    try: entry = json.loads(line)
    except ValueError: continue
    if "listening" in str(entry.get("message", "")): print(entry["address"]); break' "$LOG")
  [ -n "$ADDRESS" ] && break
  kill -0 "$PID" || { cat "$LOG"; exit 1; }
  python3 -c 'import time; time.sleep(0.1)'
done
[ -n "$ADDRESS" ] || { echo "schemathesis.sh: the emulator did not start"; cat "$LOG"; exit 1; }
BASE="http://$ADDRESS"
CASSETTE=target/schemathesis-cassette.yaml
rm -f "$CASSETTE"
# /__admin/events is a never-ending Server-Sent Events stream: no HTTP fuzzer can read it
# to its end, so it is left out (tests/live_events.rs covers it).
OUTPUT=target/schemathesis-output.txt
set +e
# The document is OpenAPI 3.1 (utoipa writes 3.1): schemathesis 3.x validates answers
# against 3.1 schemas only with its openapi-3.1 option.
"$VENV/bin/schemathesis" run "$BASE/__admin/openapi.json" \
  --experimental=openapi-3.1 \
  --base-url "$BASE" \
  --auth fuzz-tenant:fuzz-token \
  --checks not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance,response_headers_conformance \
  --exclude-path /__admin/events \
  --hypothesis-max-examples "$EXAMPLES" \
  --hypothesis-deadline none \
  --hypothesis-seed 14 \
  --hypothesis-suppress-health-check all \
  --request-timeout 70000 \
  --cassette-path "$CASSETTE" \
  --no-color | tee "$OUTPUT" | grep -v "returned only 4xx responses"
STATUS=${PIPESTATUS[0]}
set -e
python3 - "$CASSETTE" "$OUTPUT" "$STATUS" <<'PY'
import re, sys
cassette = open(sys.argv[1]).read()
output = open(sys.argv[2]).read()
requests = len(re.findall(r"^- id: ", cassette, re.M))
server_errors = len(re.findall(r"^      code: '?5\d\d", cassette, re.M))
collected = re.search(r"Collected API operations: (\d+)", output)
failed = re.search(r"(\d+) (failed|errored)", output)
print(
    "schemathesis summary: operations {}, requests {}, failures {}, 5xx answers {} (exit status {})".format(
        collected.group(1) if collected else "?",
        requests,
        failed.group(1) if failed else 0,
        server_errors,
        sys.argv[3],
    )
)
PY
exit "$STATUS"
