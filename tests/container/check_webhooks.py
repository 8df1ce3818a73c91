#!/usr/bin/env python3
"""Checks what examples/webhook_receiver.py printed during the container test.

    check_webhooks.py RECEIVER_LOG CHAT_ID [FRAGMENT]

With FRAGMENT: exit 0 once a verified VTA server message containing it arrived. Without:
exit 0 when the receiver got, for that chat, the one-time-code VTA's question, its re-ask
after the wrong code, its confirmation and the `virtual_agent_left` hand-back with outcome
`success`, every one of them with a verified signature; exit 1 saying what is missing.
"""

import json
import sys


def main(log_path: str, chat_id: int, fragment: str = "") -> int:
    events = []
    with open(log_path, encoding="utf-8") as log:
        for line in log:
            if line.startswith("{"):
                events.append(json.loads(line))
    unverified = [e for e in events if not e["verified"]]
    if unverified:
        print(f"{len(unverified)} webhook(s) failed signature verification: {unverified[0]}")
        return 1
    chat = [e["event"] for e in events if e["event"].get("chat_id") == chat_id]
    server_texts = [
        e["body"]["server_message"]["content"]["content"]
        for e in chat
        if e["event_type"] == "message_received"
        and e["body"]["message"]["type"] == "server_message"
        and e["body"]["sender"]["type"] == "task_virtual_agent"
    ]
    if fragment:
        found = any(fragment in text for text in server_texts)
        print(f"chat {chat_id}: server message with {fragment!r}: {'arrived' if found else 'not yet'}")
        return 0 if found else 1
    expected = ["6-digit code", "exactly 6 digits", "has been verified"]
    missing = [f for f in expected if not any(f in text for text in server_texts)]
    handbacks = [e["body"] for e in chat if e["event_type"] == "virtual_agent_left"]
    if missing or not handbacks:
        print(f"chat {chat_id}: still waiting for server messages {missing}, hand-back: {bool(handbacks)}")
        return 1
    if handbacks[0].get("outcome") != "success":
        print(f"chat {chat_id}: the VTA handed back {handbacks[0]}")
        return 1
    print(
        f"chat {chat_id}: {len(chat)} verified webhooks, including the VTA's server messages "
        f"{server_texts[:3]} and virtual_agent_left outcome=success"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], int(sys.argv[2]), *sys.argv[3:4]))
