"""The README's examples, run as written: the ten-line test through the installed plugin (in
a pytest of its own), the example without pytest, and the media, retry and escalation
examples."""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path
from typing import Any

import pytest

from ccai_emulator import StorageError, TestTenant, upload_file

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.fixture(autouse=True)
def absolute_binary_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """The inner pytest runs in a temporary folder: a relative $CCAI_EMULATOR_BIN must not break."""
    if os.environ.get("CCAI_EMULATOR_BIN"):
        monkeypatch.setenv("CCAI_EMULATOR_BIN", os.path.abspath(os.environ["CCAI_EMULATOR_BIN"]))


def python_block(after_heading: str) -> str:
    section = README.read_text().split(f"## {after_heading}\n", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match, f"no python block under '{after_heading}' in {README}"
    return match.group(1)


def test_the_ten_line_example_passes_through_the_installed_plugin(pytester: pytest.Pytester) -> None:
    example = python_block("A complete test")
    assert len(example.strip().splitlines()) == 10
    pytester.makepyfile(test_verification=example)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_the_ten_line_example_fails_when_the_agent_sees_the_code(pytester: pytest.Pytester) -> None:
    # The same test, but the end user also types the code to the human agent before the VTA.
    leaky = python_block("A complete test").replace(
        '"I need to verify my account"', '"I need to verify my account, my code is 481516"', 1
    )
    pytester.makepyfile(test_leaky=leaky)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*the agent's view of chat * contains '481516'*"])


def test_the_example_without_pytest_runs(capsys: pytest.CaptureFixture[str]) -> None:
    exec(compile(python_block("Without pytest"), str(README), "exec"), {})
    assert "'event_type': 'chat_created'" in capsys.readouterr().out


def test_the_media_example_runs(ccai_tenant: TestTenant) -> None:
    user, chat = ccai_tenant.start_chat()
    jpeg_bytes, pdf_bytes = b"\xff\xd8\xff\xe0 readme \xff\xd9", b"%PDF-1.4 readme %%EOF"
    namespace: dict[str, Any] = {"apps": ccai_tenant.apps, "admin": ccai_tenant.admin, "chat": chat, "user": user}
    namespace |= {"jpeg_bytes": jpeg_bytes, "pdf_bytes": pdf_bytes, "upload_file": upload_file}
    exec(compile(python_block("Media: photos, videos, attachments"), str(README), "exec"), namespace)
    assert [photo["media_id"] for photo in ccai_tenant.apps.photos(chat)] == [namespace["photo"]["media_id"]]


def test_the_escalation_example_runs(ccai_tenant: TestTenant) -> None:
    namespace: dict[str, object] = {"ccai_tenant": ccai_tenant}
    exec(compile(python_block("Queues, escalations and deflections"), str(README), "exec"), namespace)
    chat = namespace["chat"]
    assert isinstance(chat, int)
    escalation = ccai_tenant.wait_for_escalation(chat, "escalated")
    assert escalation["queue"]["id"] == "billing"


def test_the_retry_example_runs(ccai_tenant: TestTenant, capsys: pytest.CaptureFixture[str]) -> None:
    namespace: dict[str, object] = {"ccai_tenant": ccai_tenant}
    exec(compile(python_block("The webhook receiver, and retries"), str(README), "exec"), namespace)
    answers = ast.literal_eval(capsys.readouterr().out.strip().splitlines()[-1])
    assert answers == [503, 503, 200], answers


def test_the_clock_example_runs(ccai_tenant: TestTenant) -> None:
    namespace: dict[str, object] = {"ccai_tenant": ccai_tenant, "pytest": pytest}
    namespace |= {"StorageError": StorageError, "upload_file": upload_file}
    exec(compile(python_block("A clock per tenant"), str(README), "exec"), namespace)
    assert ccai_tenant.clock()["real_time"]
