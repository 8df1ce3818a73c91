#!/usr/bin/env python3
"""A minimal consumer webhook receiver that verifies CCAI Platform signatures.

Standard library only. It accepts a request when any signature in `X-Signature`
(`primary=<sig> secondary=<sig>`) matches any of its secrets, where
sig = base64(HMAC-SHA256(secret, X-Signature-Timestamp + raw body)), and prints each event.

    WEBHOOK_SECRETS=primary-secret,secondary-secret python3 examples/webhook_receiver.py 9000
"""

import base64
import hashlib
import hmac
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SECRETS = [s for s in os.environ.get("WEBHOOK_SECRETS", "primary-secret").split(",") if s]
SEEN_DELIVERIES = set()


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def verified(header: str, timestamp: str, body: bytes) -> bool:
    given = [part.split("=", 1)[1] for part in header.split() if "=" in part]
    return any(hmac.compare_digest(sig, sign(secret, timestamp, body)) for sig in given for secret in SECRETS)


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (the http.server API)
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        ok = verified(self.headers.get("X-Signature", ""), self.headers.get("X-Signature-Timestamp", ""), body)
        delivery = self.headers.get("X-Emulator-Delivery-Id", "")
        event = json.loads(body or b"{}")
        # The platform sends no delivery id: de-duplicate by the payload's own ids.
        message_id = (event.get("body") or {}).get("message", {}).get("message_id")
        key = (event.get("event_type"), event.get("chat_id"), message_id)
        duplicate = key in SEEN_DELIVERIES
        SEEN_DELIVERIES.add(key)
        print(json.dumps({"verified": ok, "duplicate": duplicate, "delivery_id": delivery, "event": event}), flush=True)
        self.send_response(200 if ok else 401)
        self.end_headers()
        self.wfile.write(b"ok" if ok else b"bad signature")

    def do_GET(self):  # noqa: N802
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"receiver up")

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else int(os.environ.get("PORT", "9000"))
    server = ThreadingHTTPServer(("0.0.0.0", port), Receiver)  # port 0: any free port
    print(f"webhook receiver on :{server.server_address[1]}, secrets: {len(SECRETS)}", flush=True)
    server.serve_forever()
