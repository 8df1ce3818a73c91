"""The pytest side of the suite: options, markers, the ``consumer`` fixture, the snapshot
check after each scenario, and a closing summary (scenarios, assertions, values compared).

Markers:

- ``emulator_only(reason, agent=False)``: needs something only the emulator can do; skipped
  against a tenant with ``reason``. ``agent=True`` runs it on the emulator whose scripted
  human agent joins at once (the others run where nobody picks a chat up).
- ``awaiting(feature, rows=())``: written from the platform's pages for a feature the emulator
  does not have yet; skipped with that reason unless ``--run-awaiting``. ``rows`` are the
  endpoints (``"GET /wait_times"``) or events it concerns, for docs/parity.md.
- ``known_gap(reason, paths=())``: a difference from a snapshot recorded elsewhere (a tenant,
  or a docs page) that is known and accepted: the scenario is reported xfailed while every
  difference falls under ``paths`` (all of them when none are given), and fails once there
  is no difference left, so the marker cannot outlive the gap.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from .consumer import Consumer, KnownGap, ScenarioFailure
from .settings import Settings, SettingsError, from_environment
from .targets import EmulatorTarget, Target, TenantTarget

SNAPSHOTS_DIR = "snapshots"
"""Snapshots live beside the scenarios, in ``<rootdir>/snapshots`` (rootdir is conformance/,
where pytest.ini is)."""


@dataclass
class RunState:
    settings: Settings
    nonce: str = field(default_factory=lambda: secrets.token_hex(4))
    assertions: int = 0
    compared_values: int = 0
    written: list[str] = field(default_factory=list)
    scenario_ids: set[str] = field(default_factory=set)
    """Node ids of the collected scenarios (tests that use ``consumer``); the rest are the
    suite's checks of itself."""
    started: float = field(default_factory=time.monotonic)


STATE_KEY = pytest.StashKey[RunState]()
CONSUMER_KEY = pytest.StashKey[Consumer]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance")
    group.addoption(
        "--snapshot-update",
        action="store_true",
        help="write each scenario's observation as its snapshot (the emulator rewrites only its own "
        "snapshots; a tenant run records tenant snapshots)",
    )
    group.addoption(
        "--run-awaiting",
        action="store_true",
        help="also run scenarios marked awaiting(feature), for features the emulator does not have yet",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "emulator_only(reason, agent=False): skipped against a tenant")
    config.addinivalue_line("markers", "awaiting(feature, rows=()): skipped until --run-awaiting")
    config.addinivalue_line("markers", "known_gap(reason, paths=()): an accepted difference from a reference")
    try:
        settings = from_environment()
    except SettingsError as error:
        raise pytest.UsageError(str(error)) from None
    config.stash[STATE_KEY] = RunState(settings)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    state = config.stash[STATE_KEY]
    for item in items:
        if "consumer" in getattr(item, "fixturenames", ()):
            state.scenario_ids.add(item.nodeid)
        awaiting = item.get_closest_marker("awaiting")
        if awaiting is not None and not config.getoption("--run-awaiting"):
            feature = awaiting.args[0]
            item.add_marker(pytest.mark.skip(reason=f"awaiting {feature}: --run-awaiting runs it"))
        only = item.get_closest_marker("emulator_only")
        if only is not None and state.settings.target == "tenant":
            item.add_marker(pytest.mark.skip(reason=f"emulator only: {only.args[0]}"))


@pytest.fixture(scope="session")
def conformance_target(request: pytest.FixtureRequest) -> Iterator[Target]:
    state = request.config.stash[STATE_KEY]
    target: Target
    if state.settings.target == "tenant":
        target = TenantTarget(state.settings)
    else:
        target = EmulatorTarget(state.nonce, pool_size=len(request.session.items) + 8)
    try:
        yield target
    finally:
        target.close()


@pytest.fixture
def consumer(request: pytest.FixtureRequest, conformance_target: Target) -> Iterator[Consumer]:
    """The scenario's consumer: the Apps API as the tenant, recorded (see harness.consumer)."""
    item = request.node
    state = request.config.stash[STATE_KEY]
    only = item.get_closest_marker("emulator_only")
    scripted = bool(only and only.kwargs.get("agent"))
    scenario = scenario_id(item)
    handle = conformance_target.open(scenario, scripted=scripted)
    try:
        the_consumer = Consumer(
            scenario_id=scenario,
            title=scenario_title(item),
            handle=handle,
            settings=state.settings,
            run_nonce=state.nonce,
            snapshot_path=request.config.rootpath / SNAPSHOTS_DIR / f"{scenario}.json",
        )
        item.stash[CONSUMER_KEY] = the_consumer
        try:
            yield the_consumer
        finally:
            the_consumer.close()
    finally:
        handle.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    result = yield  # the scenario's body; an exception here has already failed it
    the_consumer = item.stash.get(CONSUMER_KEY, None)
    if the_consumer is not None:
        state = item.config.stash[STATE_KEY]
        gap = item.get_closest_marker("known_gap")
        known = (gap.args[0], list(gap.kwargs.get("paths", ()))) if gap is not None else None
        failure: str | None = None
        try:
            outcome = the_consumer.finish(update=item.config.getoption("--snapshot-update"), known_gap=known)
        except KnownGap as covered:
            failure, xfail = str(covered), True
        except ScenarioFailure as different:
            failure, xfail = str(different), False
        if failure is not None:  # raised outside the except blocks: one message, no chained traceback
            if xfail:
                pytest.xfail(failure)
            pytest.fail(failure, pytrace=False)
        state.compared_values += outcome.compared_values
        if outcome.written:
            state.written.append(the_consumer.scenario_id)
    return result


def pytest_assertion_pass(item: pytest.Item, lineno: int, orig: str, expl: str) -> None:
    item.config.stash[STATE_KEY].assertions += 1


def pytest_report_header(config: pytest.Config) -> str:
    settings = config.stash[STATE_KEY].settings
    if settings.target == "tenant" and settings.tenant is not None:
        return f"conformance target: tenant {settings.tenant.base_url} (subdomain {settings.tenant.subdomain})"
    return "conformance target: emulator (CCAI_TARGET=tenant for a tenant)"


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    state = config.stash.get(STATE_KEY, None)
    if state is None:
        return
    outcomes: dict[str, dict[str, str]] = {"scenarios": {}, "checks": {}}
    for key in ("passed", "failed", "skipped", "xfailed", "xpassed", "error"):
        for report in terminalreporter.stats.get(key, []):
            nodeid = getattr(report, "nodeid", "")
            if nodeid:
                group = "scenarios" if nodeid in state.scenario_ids else "checks"
                outcomes[group].setdefault(nodeid, key)  # a failed teardown does not hide a pass

    def tally(group: str) -> str:
        counts: dict[str, int] = {}
        for outcome in outcomes[group].values():
            counts[outcome] = counts.get(outcome, 0) + 1
        return f"{len(outcomes[group])} ({', '.join(f'{n} {k}' for k, n in counts.items()) or 'none'})"

    terminalreporter.write_sep("-", "conformance")
    line = f"target {state.settings.target}: {tally('scenarios')} scenarios"
    if outcomes["checks"]:
        line += f", {tally('checks')} checks of the suite itself"
    terminalreporter.write_line(
        f"{line}; {state.assertions} assertions passed, {state.compared_values} snapshot values compared, "
        f"{time.monotonic() - state.started:.1f} s"
    )
    if state.written:
        terminalreporter.write_line(f"snapshots written: {', '.join(state.written)}")


def scenario_id(item: pytest.Item) -> str:
    """``chats/a_chat_opens_with_a_context`` for ``scenarios/test_chats.py::test_a_chat_opens_with_a_context``."""
    module = item.path.stem.removeprefix("test_")
    name = getattr(item, "originalname", item.name).removeprefix("test_")
    callspec = getattr(item, "callspec", None)
    suffix = f"[{callspec.id}]" if callspec is not None else ""
    return f"{module}/{name}{suffix}"


def scenario_title(item: pytest.Item) -> str:
    function = getattr(item, "function", None)
    doc = (function.__doc__ or "").strip() if function is not None else ""
    if doc:
        return " ".join(doc.split("\n\n", 1)[0].split())
    return item.name.removeprefix("test_").replace("_", " ")
