"""Finding, starting, attaching to and stopping the emulator."""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from ccai_emulator import Emulator, EmulatorStartError, find_binary, launcher, start_emulator
from ccai_emulator.launcher import _ANSI, _BOUND, build_with_cargo, find_repository

REPOSITORY = Path(__file__).resolve().parents[3]


def test_a_started_emulator_serves_on_its_own_free_port_and_stops_cleanly(ccai_emulator: Emulator) -> None:
    if ccai_emulator.process is None:
        pytest.skip("$CCAI_EMULATOR_URL: the session attached to a running emulator")
    with start_emulator() as second:
        assert second.base_url != ccai_emulator.base_url
        assert second.admin.health()["status"] == "ok"
        assert second.process is not None
    assert second.process.returncode == 0, second.output


def test_an_emulator_that_cannot_start_is_reported_with_its_output(ccai_emulator: Emulator) -> None:
    if ccai_emulator.process is None:
        pytest.skip("$CCAI_EMULATOR_URL: the session attached to a running emulator")
    with pytest.raises(EmulatorStartError, match="no-such-flag"):
        start_emulator(extra_args=["--no-such-flag"])


def test_an_already_running_emulator_is_used_by_url(ccai_emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CCAI_EMULATOR_URL", ccai_emulator.base_url)
    attached = start_emulator()
    assert attached.process is None and attached.base_url == ccai_emulator.base_url
    attached.stop()  # not ours: left running
    assert ccai_emulator.admin.health()["status"] == "ok"


def test_a_configured_binary_that_is_not_executable_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    not_a_binary = tmp_path / "ccai-emulator"
    not_a_binary.write_text("")
    monkeypatch.setenv("CCAI_EMULATOR_BIN", str(not_a_binary))
    with pytest.raises(EmulatorStartError, match="not an executable file"):
        find_binary()


def test_the_repository_is_found_from_inside_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CCAI_EMULATOR_REPO", raising=False)
    monkeypatch.chdir(REPOSITORY / "clients" / "python")
    assert find_repository() == REPOSITORY


def _fake_clone(root: Path) -> Path:
    """A folder that looks like a clone: a Cargo.toml naming the package, release and debug builds."""
    root.mkdir(parents=True)
    (root / "Cargo.toml").write_text('[package]\nname = "ccai-emulator"\nversion = "0.0.0"\n')
    for profile in ("release", "debug"):
        built = root / "target" / profile / launcher.EXECUTABLE
        built.parent.mkdir(parents=True)
        built.write_text("#!/bin/sh\nexit 0\n")
        built.chmod(0o755)
    return root


def test_a_clone_s_release_then_debug_build_is_found_from_inside_it_without_a_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    clone = _fake_clone(tmp_path / "clone")
    (clone / "clients" / "python").mkdir(parents=True)
    monkeypatch.chdir(clone / "clients" / "python")
    for name in ("CCAI_EMULATOR_BIN", "CCAI_EMULATOR_REPO"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setattr(launcher, "installed_binary", lambda: None)  # as when installed without the wheel
    assert find_binary() == str(clone / "target" / "release" / launcher.EXECUTABLE)
    (clone / "target" / "release" / launcher.EXECUTABLE).unlink()
    assert find_binary() == str(clone / "target" / "debug" / launcher.EXECUTABLE)


def test_the_variable_wins_over_the_wheel_s_binary_path_and_a_clone(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clone = _fake_clone(tmp_path / "clone")
    monkeypatch.chdir(clone)
    monkeypatch.setenv("PATH", str(clone / "target" / "debug"))
    explicit = clone / "target" / "release" / launcher.EXECUTABLE
    monkeypatch.setenv("CCAI_EMULATOR_BIN", str(explicit))
    assert find_binary() == str(explicit)


# .ci/run installs the wheel into a fresh virtual environment and sets this: there the binary
# must be the wheel's own (found with no variable, whether or not the environment is
# activated) and print the package's version.
@pytest.mark.skipif(
    os.environ.get("CCAI_EMULATOR_EXPECT_WHEEL_BINARY") != "1",
    reason="set by .ci/run when the package under test was installed from the wheel",
)
def test_the_wheel_brings_its_own_binary_of_the_same_version(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CCAI_EMULATOR_BIN", raising=False)
    monkeypatch.setenv("PATH", os.defpath)
    scripts = Path(sysconfig.get_path("scripts"))
    assert Path(sys.executable).parent == scripts, "run with the virtual environment's own python"
    assert find_binary() == str(scripts / launcher.EXECUTABLE)
    printed = subprocess.run([find_binary(), "--version"], capture_output=True, text=True, check=True).stdout
    assert printed.strip() == f"ccai-emulator {importlib.metadata.version('ccai-emulator')}"


@pytest.mark.skipif(
    os.environ.get("CCAI_EMULATOR_TEST_CARGO") != "1",
    reason="builds with cargo: set CCAI_EMULATOR_TEST_CARGO=1 (.ci/run does, after cargo test built it)",
)
def test_cargo_builds_the_binary_when_none_is_configured() -> None:
    executable = Path(build_with_cargo(REPOSITORY))
    assert executable.name == "ccai-emulator" and os.access(executable, os.X_OK)


@pytest.mark.parametrize(
    "line",
    [
        "\x1b[2m2026-11-27T06:55:29Z\x1b[0m \x1b[32m INFO\x1b[0m ccai_emulator: ccai-emulator listening "
        "\x1b[3maddress\x1b[0m\x1b[2m=\x1b[0m127.0.0.1:46545",
        '{"level":"INFO","fields":{"message":"ccai-emulator listening","address":"127.0.0.1:46545"}}',
        "ccai-emulator ready: API http://127.0.0.1:46545/apps/api/v1, console http://127.0.0.1:46545/",
    ],
    ids=["pretty", "json", "api-url"],
)
def test_the_bound_port_is_read_from_the_start_up_line(line: str) -> None:
    # The pretty and JSON log formats of today, and the API URL a start-up line may print.
    match = _BOUND.search(_ANSI.sub("", line))
    assert match and "46545" in match.groups()


def test_a_default_webhook_url_is_not_mistaken_for_the_bound_address() -> None:
    assert _BOUND.search("default webhook http://127.0.0.1:9000/ (secrets not shown)") is None


def test_a_flag_given_by_the_caller_replaces_the_default_one(ccai_emulator: Emulator) -> None:
    # The defaults include --agent-join-delay 0; giving it again must not be a duplicate flag.
    if ccai_emulator.process is None:
        pytest.skip("$CCAI_EMULATOR_URL: the session attached to a running emulator")
    with start_emulator(extra_args=["--agent-join-delay", "60m", "--shutdown-grace=2s"]) as quiet:
        apps = quiet.apps("join-delay")
        user = apps.upsert_end_user("customer-1")
        chat = apps.create_chat(user["id"])
        assert quiet.admin.chat(chat["id"])["routing_state"] == "queued"
        assert quiet.process is not None
        assert quiet.process.args.count("--agent-join-delay") == 1, quiet.process.args
        assert "--shutdown-grace" not in quiet.process.args, quiet.process.args
