"""ccai_emulator.testcontainers against a real image through a Docker API: .ci/run builds the
image locally (no registry), serves podman's Docker-compatible socket and sets
CCAI_EMULATOR_IMAGE and DOCKER_HOST. Elsewhere these tests are skipped, with the reason."""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from ccai_emulator import WebhookReceiver

pytest.importorskip("testcontainers", reason="pip install 'ccai-emulator[testcontainers]'")
if not os.environ.get("CCAI_EMULATOR_IMAGE"):
    pytest.skip("set CCAI_EMULATOR_IMAGE to a local image and DOCKER_HOST to an engine", allow_module_level=True)

from ccai_emulator.testcontainers import CcaiEmulatorContainer  # noqa: E402

REPOSITORY = Path(os.environ.get("CCAI_EMULATOR_REPO") or Path(__file__).resolve().parents[3])
FIXTURES = REPOSITORY / "fixtures"
DEMO_SEED = FIXTURES / "seeds" / "demo.json"


def test_fixtures_and_seeds_load_and_a_tenant_s_webhooks_reach_a_receiver_on_the_host() -> None:
    with CcaiEmulatorContainer().with_fixtures(FIXTURES).with_seed("copy", DEMO_SEED) as emulator:
        assert emulator.admin.health()["status"] == "ok"
        assert emulator.api_url == emulator.base_url + "/apps/api/v1"
        assert emulator.admin.fixtures()["source"] == "/fixtures"
        # The mounted folder's seed is loaded at start-up; with_seed loaded a copy of it.
        assert emulator.apps("demo").find_end_user(identifier="demo-customer")["id"] == 1001
        copied = emulator.admin.snapshot("copy")
        assert [user["identifier"] for user in copied["end_users"]] == ["demo-customer"]
        assert len(copied["chats"]) == 2

        with WebhookReceiver(["container-secret"], host=emulator.host_address()) as receiver:
            url = emulator.point_webhooks_at(receiver, "acme", "container-secret")
            assert emulator.admin.webhook("acme")["webhook"]["url"] == url
            apps = emulator.apps("acme")
            user = apps.upsert_end_user("customer-42")["id"]
            chat = apps.create_chat(user)["id"]
            emulator.admin.chat(chat, routing_state="assigned", wait=10)
            apps.send_text(chat, user, "I need to verify my account")
            question = receiver.wait_for_webhook(
                "message_received", chat_id=chat, predicate=lambda hook: "server_message" in hook.body, timeout=15
            )
            assert question.verified and question.body["sender"]["type"] == "task_virtual_agent"


def test_a_loopback_receiver_is_refused_and_an_admin_token_is_required_and_sent() -> None:
    with CcaiEmulatorContainer(admin_token="container-admin") as emulator:
        with pytest.raises(ValueError, match="container's own loopback"):
            emulator.point_webhooks_at("http://127.0.0.1:9000/webhook", "acme", "secret")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(emulator.admin_url + "/tenants", timeout=5)
        assert refused.value.code == 401
        assert "tenants" in emulator.admin.tenants()  # the client sends the token
