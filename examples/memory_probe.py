#!/usr/bin/env python3
"""Peak memory of the real binary under the abuse issue 20 describes, one probe at a time.

Each probe starts the binary it is given (on a free port, in an empty folder, with the
flags the probe needs), runs its requests, and prints the process's peak resident memory
(VmHWM, Linux) with what the emulator answered. Run it against two builds to compare:

    cargo build --release
    python3 examples/memory_probe.py target/release/ccai-emulator all

Probes:
  multipart  one anonymous upload request of 256 MiB: empty form fields with long names
  messages   1,000 messages of 1,000,000 bytes into one chat
  fill       60 KiB messages into one chat until refused (or 6,000 sent)
  chats      10,000 empty chats: resident memory per chat (and what the budget counts)
  uploads    100 concurrent 19 MiB videos against the default 1 GiB media budget
  loop       a webhook target spelled 127.1 at the emulator's own port, then one chat
  live       3 stalled event subscribers and 2,000 messages of 60 KiB; then 3,000
             subscribers
Only the Python standard library is used. Numbers are for reports, never for assertions.
"""

import base64
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid

AUTH = "Basic " + base64.b64encode(b"probe:token").decode()


class Emulator:
    def __init__(self, binary, env=None):
        self.folder = tempfile.mkdtemp(prefix="ccai-emu-probe-")
        environment = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "CCAI_EMU_BIND": "127.0.0.1:0",
            "CCAI_EMU_LOG_FORMAT": "json",
            "CCAI_EMU_AGENT_JOIN_DELAY": "0",
        }
        environment.update(env or {})
        self.process = subprocess.Popen(
            [os.path.abspath(binary)],
            cwd=self.folder,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        for line in self.process.stdout:
            if "ccai-emulator listening" in line:
                host, port = json.loads(line)["address"].rsplit(":", 1)
                self.host, self.port = host, int(port)
                break
        else:
            raise SystemExit("the emulator did not start")
        threading.Thread(target=lambda: [None for _ in self.process.stdout], daemon=True).start()

    def memory(self, field):
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
        return 0.0

    def peak(self):
        return self.memory("VmHWM")

    def call(self, method, path, body=None, headers=None, timeout=120):
        connection = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        data = json.dumps(body).encode() if isinstance(body, (dict, list)) else body
        all_headers = {"Content-Type": "application/json"} if data is not None else {}
        if path.startswith("/apps/"):
            all_headers["Authorization"] = AUTH
        all_headers.update(headers or {})
        connection.request(method, path, body=data, headers=all_headers)
        response = connection.getresponse()
        raw = response.read()
        connection.close()
        try:
            return response.status, json.loads(raw)
        except ValueError:
            return response.status, raw.decode(errors="replace")

    def chat(self):
        _, user = self.call("POST", "/apps/api/v1/end_users", {"identifier": str(uuid.uuid4())})
        _, chat = self.call("POST", "/apps/api/v1/chats", {"end_user_id": user["id"]})
        return chat["id"], user["id"]

    def stop(self):
        self.process.kill()
        self.process.wait()


def count(statuses):
    tally = {}
    for status in statuses:
        tally[status] = tally.get(status, 0) + 1
    return ", ".join(f"{status}: {n}" for status, n in sorted(tally.items()))


def probe_multipart(binary):
    for chunked in (False, True):
        emulator = Emulator(binary)
        boundary = "probe" + uuid.uuid4().hex

        def part(index):
            # An empty field with a long name, each name different.
            return (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{index:08d}" + "n" * 1_000
                    + "\"\r\n\r\n\r\n").encode()

        parts = (256 * 1024 * 1024) // len(part(0))
        tail = f"--{boundary}--\r\n".encode()
        length = parts * len(part(0)) + len(tail)
        framing = ("Transfer-Encoding: chunked" if chunked else f"Content-Length: {length}")
        sock = socket.create_connection((emulator.host, emulator.port))
        sock.sendall((f"POST /__storage/ccai-emulator-media HTTP/1.1\r\nHost: x\r\n"
                      f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
                      f"{framing}\r\n\r\n").encode())

        def send(data):
            sock.sendall(f"{len(data):x}\r\n".encode() + data + b"\r\n" if chunked else data)

        sent = 0
        try:
            batch = []
            for index in range(parts):
                batch.append(part(index))
                if len(batch) == 256:
                    data = b"".join(batch)
                    send(data)
                    sent += len(data)
                    batch = []
            send(b"".join(batch) + tail)
            if chunked:
                sock.sendall(b"0\r\n\r\n")
        except OSError as error:
            print(f"  (the emulator stopped reading after {sent >> 20} MiB: {error})")
        sock.settimeout(60)
        answer = b""
        try:
            while b"\r\n\r\n" not in answer:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                answer += chunk
        except OSError:
            pass
        status = answer.split(b" ", 2)[1].decode() if answer else "none"
        code = answer.split(b"<Code>")[1].split(b"<")[0].decode() if b"<Code>" in answer else ""
        how = "chunked" if chunked else "with its Content-Length"
        print(f"multipart: 256 MiB of empty fields with 1 KB names, {how} -> {status} {code}; "
              f"peak {emulator.peak():.0f} MiB")
        emulator.stop()


def probe_messages(binary):
    emulator = Emulator(binary)
    chat, user = emulator.chat()
    text = "m" * 1_000_000
    body = json.dumps({"from_user_id": user, "message": {"type": "text", "content": {"text": text}}}).encode()
    statuses = []
    started = time.time()
    for _ in range(1000):
        statuses.append(emulator.call("POST", f"/apps/api/v1/chats/{chat}/message", body)[0])
    print(f"messages: 1,000 x 1,000,000 bytes -> {count(statuses)} in {time.time() - started:.1f}s; "
          f"peak {emulator.peak():.0f} MiB")
    emulator.stop()


def probe_fill(binary):
    emulator = Emulator(binary)
    chat, user = emulator.chat()
    body = json.dumps({"from_user_id": user, "message": {"type": "text", "content": {"text": "f" * 61_440}}}).encode()
    statuses = []
    for _ in range(6000):
        status = emulator.call("POST", f"/apps/api/v1/chats/{chat}/message", body)[0]
        statuses.append(status)
        if status != 200:
            break
    print(f"fill: 60 KiB messages into one chat -> {count(statuses)}; peak {emulator.peak():.0f} MiB")
    emulator.stop()


def probe_chats(binary):
    emulator = Emulator(binary)
    _, user = emulator.call("POST", "/apps/api/v1/end_users", {"identifier": "many-chats"})
    for _ in range(200):
        emulator.call("POST", "/apps/api/v1/chats", {"end_user_id": user["id"]})
    start = emulator.memory("VmRSS")
    connection = http.client.HTTPConnection(emulator.host, emulator.port, timeout=60)
    for _ in range(10_000):
        connection.request("POST", "/apps/api/v1/chats", body=json.dumps({"end_user_id": user["id"]}),
                           headers={"Content-Type": "application/json", "Authorization": AUTH})
        connection.getresponse().read()
    grown = emulator.memory("VmRSS") - start
    limits = emulator.call("GET", "/__admin/limits")[1]["limits"]
    counted = [limit["used"] for limit in limits if limit["name"] == "chat_budget_total_bytes"]
    print(f"chats: 10,000 empty chats -> {grown * 1024 / 10_000:.1f} KiB resident each"
          + (f"; counted {counted[0] / 10_200 / 1024:.1f} KiB each" if counted else ""))
    emulator.stop()


def probe_uploads(binary):
    # One tenant, whose budget is the whole 1 GiB.
    emulator = Emulator(binary, {"CCAI_EMU_MEDIA_BUDGET_PER_TENANT": "1GiB"})
    chat, _ = emulator.chat()
    forms = [emulator.call("POST", f"/apps/api/v1/chats/{chat}/videos/upload")[1] for _ in range(100)]
    size = 19 * 1024 * 1024
    statuses = []
    peak_rss = [0.0]
    barrier = threading.Barrier(len(forms))

    def upload(form):
        boundary = "probe" + uuid.uuid4().hex
        head = b"".join(
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n".encode()
            for name, value in form["fields"].items()
        ) + (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"v.mp4\"\r\n"
             f"Content-Type: video/mp4\r\n\r\n").encode()
        tail = f"\r\n--{boundary}--\r\n".encode()
        length = len(head) + size + len(tail)
        sock = socket.create_connection((emulator.host, emulator.port))
        sock.settimeout(120)
        barrier.wait()
        chunk = b"\x00" * 65536
        try:
            sock.sendall((f"POST /__storage/ccai-emulator-media HTTP/1.1\r\nHost: x\r\n"
                          f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
                          f"Content-Length: {length}\r\n\r\n").encode() + head)
            for _ in range(size // len(chunk)):
                sock.sendall(chunk)
            sock.sendall(tail)
        except OSError:
            pass
        answer = b""
        try:
            while b"\r\n\r\n" not in answer:
                data = sock.recv(65536)
                if not data:
                    break
                answer += data
        except OSError:
            pass
        statuses.append(answer.split(b" ", 2)[1].decode() if answer else "reset")
        sock.close()

    def sample():
        while len(statuses) < len(forms):
            peak_rss[0] = max(peak_rss[0], emulator.memory("VmRSS"))
            time.sleep(0.05)

    threads = [threading.Thread(target=upload, args=(form,)) for form in forms]
    sampler = threading.Thread(target=sample)
    for thread in threads:
        thread.start()
    sampler.start()
    for thread in threads + [sampler]:
        thread.join()
    _, usage = emulator.call("GET", "/__admin/media")
    print(f"uploads: 100 concurrent 19 MiB videos, 1 GiB budget -> {count(statuses)}; "
          f"stored {usage['used_bytes'] >> 20} MiB; peak {emulator.peak():.0f} MiB")
    emulator.stop()


def probe_loop(binary):
    emulator = Emulator(binary)
    emulator.call("PUT", "/__admin/tenants/probe/webhook",
                  {"url": "http://127.0.0.1:9/nobody", "primary_secret": "s"})
    emulator.chat()
    _, journal = emulator.call("GET", "/__admin/webhooks/deliveries?tenant=probe")
    deliveries = journal["deliveries"] if isinstance(journal, dict) else journal
    delivery = deliveries[0]["id"]
    # The delivery's own redelivery, spelled 127.1: each attempt would ask for the next.
    target = {"url": f"http://127.1:{emulator.port}/__admin/webhooks/deliveries/{delivery}/redeliver",
              "primary_secret": "s"}
    status, _ = emulator.call("PUT", "/__admin/tenants/probe/webhook", target)
    emulator.call("POST", f"/__admin/webhooks/deliveries/{delivery}/redeliver")
    time.sleep(5)
    _, stats = emulator.call("GET", "/__admin/webhooks/stats")
    print(f"loop: target 127.1:<own port>/.../redeliver -> {status}; 5 s later: "
          f"{stats['attempts'] + stats['attempts_dropped']} attempts; "
          f"peak {emulator.peak():.0f} MiB")
    emulator.stop()


def probe_live(binary):
    emulator = Emulator(binary)
    stalled = []
    for _ in range(3):
        sock = socket.create_connection((emulator.host, emulator.port))
        sock.sendall(b"GET /__admin/events HTTP/1.1\r\nHost: x\r\n\r\n")
        stalled.append(sock)
    chat, user = emulator.chat()
    body = json.dumps({"from_user_id": user, "message": {"type": "text", "content": {"text": "l" * 61_440}}}).encode()
    statuses = [emulator.call("POST", f"/apps/api/v1/chats/{chat}/message", body)[0] for _ in range(2000)]
    held = [limit for limit in emulator.call("GET", "/__admin/limits")[1]["limits"]
            if limit["name"] == "live_event_backlog_bytes"]
    print(f"live: 3 stalled subscribers, 2,000 x 60 KiB messages -> {count(statuses)}; "
          f"held {held[0]['used'] >> 20 if held else '?'} MiB; peak {emulator.peak():.0f} MiB")
    for sock in stalled:
        sock.close()
    subscribers = []
    answers = []
    for _ in range(3000):
        sock = socket.create_connection((emulator.host, emulator.port))
        sock.sendall(b"GET /__admin/events HTTP/1.1\r\nHost: x\r\n\r\n")
        sock.settimeout(10)
        head = sock.recv(200)
        answers.append(head.split(b" ", 2)[1].decode() if head else "none")
        subscribers.append(sock)
    started = time.time()
    sent = [emulator.call("POST", f"/apps/api/v1/chats/{chat}/message",
                          {"from_user_id": user, "message": {"content": "hi"}})[0] for _ in range(300)]
    rate = len(sent) / (time.time() - started)
    print(f"live: 3,000 subscribers -> {count(answers)}; then {rate:.0f} messages/s "
          f"({count(sent)}); peak {emulator.peak():.0f} MiB")
    for sock in subscribers:
        sock.close()
    emulator.stop()


PROBES = {
    "multipart": probe_multipart,
    "messages": probe_messages,
    "fill": probe_fill,
    "chats": probe_chats,
    "uploads": probe_uploads,
    "loop": probe_loop,
    "live": probe_live,
}

if __name__ == "__main__":
    if len(sys.argv) < 3 or (sys.argv[2] != "all" and sys.argv[2] not in PROBES):
        raise SystemExit(__doc__)
    for name in PROBES if sys.argv[2] == "all" else [sys.argv[2]]:
        PROBES[name](sys.argv[1])
