"""The ``consumer`` a scenario drives: the Apps API as the tenant, every exchange recorded,
the webhooks it causes collected and checked, and the snapshot compared at the end.

A scenario is written from the consumer's side of the platform:

    def test_a_text_message_is_echoed_as_message_received(consumer):
        user = consumer.upsert_end_user("ann")
        consumer.step("open a chat")
        chat = consumer.apps.create_chat(user["id"])
        consumer.step("send a text")
        consumer.apps.send_text(chat["id"], user["id"], "hello")
        consumer.expect_webhooks("message_received", chat["id"])

Every call of ``consumer.apps`` (the Python package's ``AppsClient``) and ``consumer.raw``
is recorded with the step it belongs to. :meth:`Consumer.finish` (run by the plugin after the
test body) collects the scenario's webhooks, checks every signature against the primary and
the secondary secret, normalises the whole observation and compares it with the stored
snapshot, or writes it with ``--snapshot-update``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from ccai_emulator import AdminClient, AppsClient, Emulator, Exchange, ReceivedWebhook, sign
from ccai_emulator.signing import parse_signature_header

from . import snapshots
from .normalise import Normaliser
from .settings import Settings
from .targets import TenantHandle

DOCUMENTED_EVENTS = ("chat_created", "message_received")


class ScenarioFailure(AssertionError):
    """The observation differs from the snapshot, or a webhook failed its signature check."""


class KnownGap(Exception):
    """Every difference is one the scenario declared as a known gap (the test is xfailed)."""


@dataclass(frozen=True)
class Outcome:
    compared_values: int
    written: bool


class Consumer:
    """One scenario's view of the target (see the module's docstring)."""

    def __init__(
        self,
        *,
        scenario_id: str,
        title: str,
        handle: TenantHandle,
        settings: Settings,
        run_nonce: str,
        snapshot_path: Path,
    ):
        self.scenario_id = scenario_id
        self.title = title
        self.handle = handle
        self.settings = settings
        self.run_nonce = run_nonce
        self.snapshot_path = snapshot_path
        self._recorded: list[tuple[str | None, str, Exchange]] = []
        self._step: str | None = None
        self._auth = "tenant"
        self._chats: list[int] = []
        self.apps = AppsClient(handle.api_url, handle.subdomain, handle.token, observer=self._record)

    # --- what scenarios call ---------------------------------------------------------------

    @property
    def target(self) -> str:
        return self.handle.kind

    @property
    def emulator(self) -> Emulator:
        """The emulator serving this scenario (only for scenarios marked ``emulator_only``)."""
        if self.handle.emulator is None:
            raise RuntimeError("only emulator_only scenarios use the emulator's control plane")
        return self.handle.emulator

    @property
    def admin(self) -> AdminClient:
        return self.emulator.admin

    @property
    def subdomain(self) -> str:
        return self.handle.subdomain

    def step(self, label: str) -> None:
        """Name the exchanges that follow (shown in the snapshot and in every difference)."""
        self._step = label

    def identifier(self, label: str) -> str:
        """An end-user identifier unique to this run (its nonce is ``<run>`` in snapshots)."""
        return f"conformance-{label}-{self.run_nonce}"

    def upsert_end_user(self, label: str, **fields: Any) -> dict[str, Any]:
        """``POST /end_users`` with :meth:`identifier` (label), as its own step."""
        self.step(f"upsert end user {label}")
        return self.apps.upsert_end_user(self.identifier(label), **fields)

    def raw(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        data: bytes | None = None,
        content_type: str | None = None,
        params: dict[str, Any] | None = None,
        auth: str = "tenant",
    ) -> Exchange:
        """Any request, answered whatever its status. ``auth``: ``tenant`` (the tenant's Basic
        credentials), ``none``, ``wrong-token`` (the subdomain with a token nobody issued),
        ``bearer`` (the tenant's token as ``Authorization: Bearer``) or ``wrong-bearer``."""
        choices: dict[str, dict[str, str | None] | None] = {
            "tenant": None,
            "none": {"authorization": None},
            "wrong-token": {"authorization": _basic(self.handle.subdomain, "not-a-token-" + self.run_nonce)},
            "bearer": {"authorization": f"Bearer {self.handle.token}"},
            "wrong-bearer": {"authorization": f"Bearer not-a-token-{self.run_nonce}"},
        }
        headers = choices[auth]
        self._auth = auth
        try:
            return self.apps.raw(
                method, path, body, data=data, content_type=content_type, params=params, headers=headers
            )
        finally:
            self._auth = "tenant"

    def expect_webhooks(
        self,
        event_type: str | None,
        chat_id: int,
        *,
        count: int = 1,
        predicate: Callable[[ReceivedWebhook], bool] | None = None,
    ) -> list[ReceivedWebhook]:
        """Wait for ``count`` distinct ``event_type`` (None: any) webhooks of ``chat_id`` that
        match ``predicate`` (retries of one event count once); each must verify with the
        primary and the secondary secret."""

        def matching(received: list[ReceivedWebhook]) -> list[ReceivedWebhook]:
            chosen = [
                hook
                for hook in received
                if event_type in (None, hook.event_type)
                and hook.chat_id == chat_id
                and (predicate is None or predicate(hook))
            ]
            return _distinct(chosen)

        arrived = self.handle.receiver.wait_until(
            lambda received: len(matching(received)) >= count, timeout=self.settings.webhook_timeout
        )
        found = matching(self.handle.receiver.received)
        if not arrived:
            seen = [f"{hook.event_type} chat {hook.chat_id}" for hook in self.handle.receiver.received]
            raise ScenarioFailure(
                f"expected {count} {event_type or '(any event)'} webhook(s) for chat {chat_id} within "
                f"{self.settings.webhook_timeout}s (CCAI_WEBHOOK_TIMEOUT); got {len(found)}; arrived: {seen}"
            )
        for hook in found:
            self.check_signatures(hook)
        return found[:count]

    def check_signatures(self, hook: ReceivedWebhook) -> None:
        """The webhook's ``X-Signature`` must carry a valid ``primary=`` signature (primary
        secret) and, when a secondary secret is configured, a valid ``secondary=`` one."""
        verdict = self._signatures(hook)
        wanted = {"primary": "valid"}
        if self.handle.secondary_secret:
            wanted["secondary"] = "valid"
        for name, value in wanted.items():
            assert verdict[name] == value, (
                f"{hook.event_type} for chat {hook.chat_id}: the {name} signature is {verdict[name]} "
                f"(X-Signature: {hook.headers.get('x-signature')!r})"
            )

    # --- recording -------------------------------------------------------------------------

    def _record(self, exchange: Exchange) -> None:
        self._recorded.append((self._step, self._auth, exchange))
        for match in re.finditer(r"/chats/(\d+)", exchange.url.partition("?")[0]):
            self._note_chat(int(match.group(1)))
        if exchange.method == "POST" and exchange.url.split("?")[0].endswith("/apps/api/v1/chats"):
            answer = exchange.json()
            if isinstance(answer, dict) and isinstance(answer.get("id"), int):
                self._note_chat(answer["id"])

    def _note_chat(self, chat_id: int) -> None:
        if chat_id not in self._chats:
            self._chats.append(chat_id)

    # --- the end of a scenario -------------------------------------------------------------

    def finish(self, *, update: bool, known_gap: tuple[str, list[str]] | None) -> Outcome:
        """Collect the webhooks, check their signatures, compare with (or write) the snapshot.

        Raises :class:`ScenarioFailure` with a readable diff, or :class:`KnownGap` when every
        difference from a snapshot recorded elsewhere is covered by ``known_gap``.
        """
        stored = snapshots.load(self.snapshot_path)
        hooks = self._collect_webhooks(stored, update=update)
        for hook in hooks:
            self.check_signatures(hook)
        observation = self._observation(hooks)
        source = (stored or {}).get("provenance", {}).get("source")
        if update and self._may_write(source):
            return self._write(stored, observation)
        if stored is None:
            raise ScenarioFailure(f"no snapshot {self._shown_path()} yet: run with --snapshot-update to record one")
        differences = snapshots.compare(
            snapshots.observed_part(stored), observation, subset=stored.get("match") == "subset"
        )
        compared = _count_leaves(snapshots.observed_part(stored))
        foreign = source != self.target
        if differences and foreign and known_gap is not None:
            reason, paths = known_gap
            uncovered = [d for d in differences if paths and not any(_covers(p, d.path) for p in paths)]
            if not uncovered:
                raise KnownGap(f"known gap: {reason} ({len(differences)} difference(s))")
            differences = uncovered
        if differences:
            labelled = snapshots.label_paths(differences, stored)
            provenance = stored["provenance"]
            origin = provenance["source"] + (
                f", recorded {provenance['recorded_at']}" if provenance.get("recorded_at") else ""
            )
            raise ScenarioFailure(
                f"{self.target} differs from {self._shown_path()} ({origin}) in {len(differences)} place(s):\n"
                + "\n".join(d.render() for d in labelled)
                + "\n(--snapshot-update rewrites an emulator snapshot; a tenant or docs one is the reference: "
                "fix the emulator, or declare a known gap)"
            )
        if foreign and known_gap is not None:
            raise ScenarioFailure(
                f"known gap declared ({known_gap[0]}) but {self.target} now matches {self._shown_path()}: "
                "remove the known_gap marker"
            )
        return Outcome(compared, False)

    def close(self) -> None:
        """On a tenant, end the chats the scenario left open (unrecorded, best effort), so no
        agent finds them waiting; an emulator's tenant is reset instead."""
        if self.target != "tenant":
            return
        quiet = AppsClient(self.handle.api_url, self.handle.subdomain, self.handle.token)
        for chat_id in self._chats:
            try:
                quiet.raw("PATCH", f"/chats/{chat_id}", {"status": "finished"})
            except OSError:  # best effort: a tidy-up must not fail the scenario
                pass

    def _may_write(self, source: str | None) -> bool:
        """The emulator overwrites only its own snapshots; a tenant recording any."""
        if self.target == "tenant":
            if not (self.settings.tenant and self.settings.tenant.region):
                raise ScenarioFailure("recording a tenant's snapshots needs CCAI_TENANT_REGION (e.g. uc1)")
            return True
        return source in (None, "emulator")

    def _write(self, stored: dict[str, Any] | None, observation: dict[str, Any]) -> Outcome:
        """Write the snapshot. The emulator leaves an unchanged one alone (and the date it was
        recorded); a tenant recording always writes, since its date is when the tenant was
        last checked, even when it confirms what the emulator does."""
        unchanged = (
            stored is not None
            and stored["provenance"]["source"] == self.target == "emulator"
            and snapshots.observed_part(stored) == observation
            and stored.get("title") == self.title
        )
        if unchanged:
            return Outcome(0, False)
        if self.target == "tenant":
            assert self.settings.tenant is not None
            provenance = {
                "source": "tenant",
                "recorded_at": date.today().isoformat(),
                "region": self.settings.tenant.region,
            }
        else:
            provenance = {"source": "emulator", "recorded_at": date.today().isoformat()}
        document = {
            "format": snapshots.FORMAT,
            "scenario": self.scenario_id,
            "title": self.title,
            "provenance": provenance,
            "match": "exact",
            **observation,
        }
        snapshots.save(self.snapshot_path, document)
        return Outcome(0, True)

    def _shown_path(self) -> str:
        """The snapshot's path from the folder above the suite's (``conformance/snapshots/...``)."""
        base = self.snapshot_path.parents[2].parent
        return (
            str(self.snapshot_path.relative_to(base))
            if self.snapshot_path.is_relative_to(base)
            else str(self.snapshot_path)
        )

    # --- webhooks --------------------------------------------------------------------------

    def _ours(self, received: list[ReceivedWebhook]) -> list[ReceivedWebhook]:
        return [hook for hook in received if hook.chat_id in self._chats]

    def _collect_webhooks(self, stored: dict[str, Any] | None, *, update: bool) -> list[ReceivedWebhook]:
        """The scenario's webhooks, once every one that is coming has arrived.

        On the emulator the delivery journal says how many deliveries the tenant has (all its
        chats are this scenario's); on a tenant, the snapshot says how many to wait for, and a
        recording (``--snapshot-update``) listens on for ``CCAI_TENANT_SETTLE`` seconds after
        the last one, since nothing tells how many a tenant will send.
        """
        receiver = self.handle.receiver
        timeout = self.settings.webhook_timeout
        if self.handle.admin is not None:
            journal = self.handle.admin.deliveries(tenant=self.handle.subdomain)["deliveries"]
            ids = {d["id"] for d in journal if d["status"] not in ("suppressed", "skipped")}
            receiver.wait_until(lambda received: ids <= {hook.delivery_id for hook in received}, timeout=timeout)
        else:
            expected = len((stored or {}).get("webhooks", []))
            receiver.wait_until(lambda received: len(_distinct(self._ours(received))) >= expected, timeout=timeout)
            if update:
                while receiver.wait_until(
                    self._more_than(len(_distinct(self._ours(receiver.received)))), timeout=self.settings.settle
                ):
                    pass  # another one came: listen for one more settle period
        return _distinct(self._ours(receiver.received))

    def _more_than(self, count: int) -> Callable[[list[ReceivedWebhook]], bool]:
        return lambda received: len(_distinct(self._ours(received))) > count

    def _signatures(self, hook: ReceivedWebhook) -> dict[str, str]:
        header = parse_signature_header(hook.headers.get("x-signature", ""))
        timestamp = hook.headers.get("x-signature-timestamp", "")
        verdict = {}
        for name, secret in (("primary", self.handle.primary_secret), ("secondary", self.handle.secondary_secret)):
            if name not in header:
                verdict[name] = "absent"
            elif not secret:
                verdict[name] = "not checked (no secret configured)"
            else:
                verdict[name] = "valid" if header[name] == sign(secret, timestamp, hook.raw_body) else "invalid"
        return verdict

    # --- the observation -------------------------------------------------------------------

    def _observation(self, hooks: list[ReceivedWebhook]) -> dict[str, Any]:
        literals = {self.run_nonce: "<run>", **self.handle.literals}
        normaliser = Normaliser(literals)
        exchanges = [self._exchange_entry(normaliser, step, auth, ex) for step, auth, ex in self._recorded]
        webhooks = [self._webhook_entry(normaliser, hook) for hook in self._in_history_order(hooks)]
        return {"exchanges": exchanges, "webhooks": webhooks}

    def _exchange_entry(
        self, normaliser: Normaliser, step: str | None, auth: str, exchange: Exchange
    ) -> dict[str, Any]:
        request: dict[str, Any] = {"method": exchange.method}
        api = self.handle.api_url
        if exchange.url.startswith(api):
            path = exchange.url[len(api) :]
            request["path"] = normaliser.path(path)
            kind = _resource_kind(path)
        else:
            request["url"] = normaliser.value(exchange.url)
            kind = None
        request["auth"] = auth if exchange.authorization or auth != "tenant" else "none"
        content_type = _media_type(exchange.request_headers.get("content-type"))
        if exchange.request_body is not None:
            request["content_type"] = content_type
            request["body"] = _body(normaliser, exchange.request_body, content_type, None)
        response: dict[str, Any] = {"status": exchange.status}
        answer_type = _media_type(exchange.header("content-type"))
        if exchange.response_body:
            response["content_type"] = answer_type
            response["body"] = _body(normaliser, exchange.response_body, answer_type, kind)
        entry: dict[str, Any] = {"step": step} if step else {}
        entry.update(request=request, response=response)
        return entry

    def _webhook_entry(self, normaliser: Normaliser, hook: ReceivedWebhook) -> dict[str, Any]:
        return {
            "event_type": hook.event_type,
            "event": normaliser.value(hook.event),
            "headers": {
                "content-type": _media_type(hook.headers.get("content-type")),
                "x-signature-timestamp": normaliser.value(
                    hook.headers.get("x-signature-timestamp", ""), key="x-signature-timestamp"
                ),
            },
            "signatures": self._signatures(hook),
        }

    def _in_history_order(self, hooks: list[ReceivedWebhook]) -> list[ReceivedWebhook]:
        return history_order(hooks, self._chats)


def history_order(hooks: list[ReceivedWebhook], chats: list[int]) -> list[ReceivedWebhook]:
    """Webhooks in the order of the chats' history, not of arrival (which the platform does
    not promise): by chat (in the order the scenario met them), ``chat_created`` first, then
    ``message_received`` by ``message_id``, then any other event by name and body."""

    def key(hook: ReceivedWebhook) -> tuple[Any, ...]:
        chat = chats.index(hook.chat_id) if hook.chat_id in chats else len(chats)
        message = _message(hook)
        if hook.event_type == "chat_created":
            rank: tuple[Any, ...] = (0, 0, "")
        elif hook.event_type == "message_received" and isinstance(message.get("message_id"), int):
            rank = (1, message["message_id"], "")
        else:
            rank = (2, 0, hook.event_type + json.dumps(hook.body, sort_keys=True))
        return (chat, *rank)

    return sorted(hooks, key=key)


def _message(hook: ReceivedWebhook) -> dict[str, Any]:
    message = hook.body.get("message")
    return message if isinstance(message, dict) else {}


def _distinct(hooks: list[ReceivedWebhook]) -> list[ReceivedWebhook]:
    """One per event: retries and redeliveries of an event count once, keyed as the platform's
    consumers are told to de-duplicate (``chat_id`` + ``message_id`` for ``message_received``,
    ``chat_id`` for ``chat_created``, the whole body otherwise)."""
    seen: set[tuple[Any, ...]] = set()
    chosen = []
    for hook in hooks:
        message = _message(hook)
        if hook.event_type == "message_received" and "message_id" in message:
            key: tuple[Any, ...] = (hook.event_type, hook.chat_id, message["message_id"])
        elif hook.event_type == "chat_created":
            key = (hook.event_type, hook.chat_id)
        else:
            key = (hook.event_type, hook.chat_id, json.dumps(hook.body, sort_keys=True))
        if key not in seen:
            seen.add(key)
            chosen.append(hook)
    return chosen


def _resource_kind(path: str) -> str | None:
    """What the top-level ``id`` of an answer to ``path`` is."""
    names = [segment for segment in path.partition("?")[0].split("/") if segment and not segment.isdigit()]
    last = names[-1] if names else ""
    return {
        "end_users": "end_user",
        "chats": "chat",
        "resume": "chat",
        "message": "message",
        "escalations": "escalation",
        "photos": "media",
        "videos": "media",
    }.get(last)


def _media_type(header: str | None) -> str | None:
    return header.split(";", 1)[0].strip().lower() if header else None


def _body(normaliser: Normaliser, raw: bytes, media_type: str | None, kind: str | None) -> Any:
    if media_type == "multipart/form-data":
        names = re.findall(rb'Content-Disposition: form-data; name="([^"]+)"', raw)
        return {"form_fields": [name.decode() for name in names]}
    if media_type is not None and (media_type == "application/json" or media_type.endswith("+json")):
        try:
            return normaliser.value(json.loads(raw), kind=kind)
        except ValueError:
            pass
    try:
        text = raw.decode()
    except UnicodeDecodeError:
        return {"bytes": len(raw), "sha256": hashlib.sha256(raw).hexdigest()}
    if media_type and (media_type.startswith("text/") or media_type.endswith("xml") or "json" in media_type):
        return {"text": normaliser.text(_xml_tokens(text))}
    return {"bytes": len(raw), "sha256": hashlib.sha256(raw).hexdigest()}


def _xml_tokens(text: str) -> str:
    """Storage refusals carry a request id that changes on every request."""
    return re.sub(r"<RequestId>[^<]*</RequestId>", "<RequestId><token></RequestId>", text)


def _basic(user: str, password: str) -> str:
    import base64

    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def _covers(pattern: str, path: str) -> bool:
    """A known-gap path covers a difference's path and everything under it; ``*`` stands for
    one index or key (``exchanges[*].response.body.status``)."""
    regex = re.escape(pattern).replace(r"\*", r"[^.\[\]]+")
    return re.match(f"^{regex}($|[.\\[])", path) is not None


def _count_leaves(value: Any) -> int:
    if isinstance(value, dict):
        return sum(_count_leaves(item) for item in value.values()) or 1
    if isinstance(value, list):
        return sum(_count_leaves(item) for item in value) or 1
    return 1
