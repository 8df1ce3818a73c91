#!/usr/bin/env python3
"""A minimal consumer webhook receiver that verifies CCAI Platform signatures.

Standard library only. It accepts a request when any signature in `X-Signature`
(`primary=<sig> secondary=<sig>`) matches any of its secrets, where
sig = base64(HMAC-SHA256(secret, X-Signature-Timestamp + raw body)), and prints each event
as a JSON line with the status it answered.

    WEBHOOK_SECRETS=primary-secret,secondary-secret python3 examples/webhook_receiver.py 9000

To watch the emulator retry, make it fail on purpose: `--fail-status 503` answers 503 to
every verified request instead of 200, and `--fail-count 2` only to the first two (then 200
again). Their environment twins are FAIL_STATUS and FAIL_COUNT; PORT is the port's.

    python3 examples/webhook_receiver.py --fail-status 503 --fail-count 2 9000
"""

import argparse
import base64
import hashlib
import hmac
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SECRETS = [s for s in os.environ.get("WEBHOOK_SECRETS", "primary-secret").split(",") if s]
SEEN_DELIVERIES = set()
# Set from the command line: the status to fail with (None: never fail), and how many
# verified requests get it (None: every one).
FAIL = {"status": None, "left": None}
LOCK = threading.Lock()


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def verified(header: str, timestamp: str, body: bytes) -> bool:
    given = [part.split("=", 1)[1] for part in header.split() if "=" in part]
    return any(hmac.compare_digest(sig, sign(secret, timestamp, body)) for sig in given for secret in SECRETS)


def status_for_verified() -> int:
    """200, or the failure status while failures are left (counted down under the lock)."""
    with LOCK:
        if FAIL["status"] is None or FAIL["left"] == 0:
            return 200
        if FAIL["left"] is not None:
            FAIL["left"] -= 1
        return FAIL["status"]


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (the http.server API)
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        ok = verified(self.headers.get("X-Signature", ""), self.headers.get("X-Signature-Timestamp", ""), body)
        status = status_for_verified() if ok else 401
        delivery = self.headers.get("X-Emulator-Delivery-Id", "")
        event = json.loads(body or b"{}")
        # The platform sends no delivery id: de-duplicate by the payload's own ids. Only an
        # event answered 2xx counts as received, so the retry of a failed one is no duplicate.
        message_id = (event.get("body") or {}).get("message", {}).get("message_id")
        key = (event.get("event_type"), event.get("chat_id"), message_id)
        with LOCK:
            duplicate = key in SEEN_DELIVERIES
            if 200 <= status < 300:
                SEEN_DELIVERIES.add(key)
        line = {"verified": ok, "duplicate": duplicate, "answered": status, "delivery_id": delivery, "event": event}
        print(json.dumps(line), flush=True)
        self.send_response(status)
        self.end_headers()
        self.wfile.write(b"ok" if status == 200 else b"bad signature" if not ok else b"failing on purpose")

    def do_GET(self):  # noqa: N802
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"receiver up")

    def log_message(self, *args):
        pass


def arguments():
    def status(text):
        value = int(text)
        if not 300 <= value <= 599:
            raise ValueError(text)
        return value

    def count(text):
        value = int(text)
        if value < 1:
            raise ValueError(text)
        return value

    status.__name__, count.__name__ = "HTTP status that is not 2xx (300-599)", "count (1 or more)"
    parser = argparse.ArgumentParser(description="Verifies and prints the emulator's signed webhooks.")
    parser.add_argument("port", nargs="?", type=int, default=int(os.environ.get("PORT", "9000")),
                        help="the port to listen on (0: any free port; default $PORT or 9000)")
    parser.add_argument("--fail-status", type=status, metavar="STATUS", default=os.environ.get("FAIL_STATUS") or None,
                        help="answer this status instead of 200 to verified requests ($FAIL_STATUS)")
    parser.add_argument("--fail-count", type=count, metavar="N", default=os.environ.get("FAIL_COUNT") or None,
                        help="only to the first N verified requests, then 200 again ($FAIL_COUNT; default: every one)")
    parsed = parser.parse_args()
    if parsed.fail_count is not None and parsed.fail_status is None:
        parser.error("--fail-count (FAIL_COUNT) needs --fail-status (FAIL_STATUS)")
    return parsed


if __name__ == "__main__":
    options = arguments()
    FAIL.update(status=options.fail_status, left=options.fail_count)
    server = ThreadingHTTPServer(("0.0.0.0", options.port), Receiver)  # port 0: any free port
    failing = ""
    if options.fail_status is not None:
        which = f"the first {options.fail_count}" if options.fail_count is not None else "every"
        failing = f", answering {options.fail_status} to {which} verified request(s)"
    print(f"webhook receiver on :{server.server_address[1]}, secrets: {len(SECRETS)}{failing}", flush=True)
    server.serve_forever()
