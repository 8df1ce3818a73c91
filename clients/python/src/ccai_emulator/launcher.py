"""Start the emulator binary on a free port, or attach to one that is already running.

The binary is ``$CCAI_EMULATOR_BIN``; else the one this package's wheel installed (its
scripts folder, found even when the virtual environment is not activated); else
``ccai-emulator`` on ``PATH``; else, inside a clone of the repository (``$CCAI_EMULATOR_REPO``,
or the first folder above the current directory or this package whose ``Cargo.toml`` names
the ``ccai-emulator`` package), its ``target/release`` then ``target/debug`` build; else
built there with ``cargo build``.
It is started with ``--bind 127.0.0.1:0``; the bound address is read from its start-up
output, then ``/__admin/health`` must answer ``ok`` before it is handed out. ``$CCAI_EMULATOR_URL``
skips all of that and uses the emulator at that URL.
"""

from __future__ import annotations

import collections
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import sysconfig
import threading
import urllib.error
import urllib.request
from pathlib import Path

from ._http import Observer
from .admin import AdminClient
from .apps import AppsClient

BIN_ENV = "CCAI_EMULATOR_BIN"
URL_ENV = "CCAI_EMULATOR_URL"
REPO_ENV = "CCAI_EMULATOR_REPO"
ARGS_ENV = "CCAI_EMULATOR_ARGS"
EXECUTABLE = "ccai-emulator" + (sysconfig.get_config_var("EXE") or "")
DEFAULT_ARGS = ("--agent-join-delay", "0", "--shutdown-grace", "1s")
"""Tests want the simulated agent at once and a quick stop; ``$CCAI_EMULATOR_ARGS`` adds more,
and a flag given there (or in ``extra_args``) replaces the default one."""

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_HOST = r"(127\.0\.0\.1|\[::1\]|localhost)"
_BOUND = re.compile(rf"listening\D*?{_HOST}:(\d+)|https?://{_HOST}:(\d+)/apps/api", re.IGNORECASE)


class EmulatorStartError(RuntimeError):
    """The emulator could not be found, built, started or reached."""


class Emulator:
    """A running emulator: its URLs and clients (and its process, when this started it)."""

    def __init__(
        self,
        base_url: str,
        *,
        process: subprocess.Popen[bytes] | None = None,
        output: collections.deque[str] | None = None,
        admin_token: str | None = None,
    ):
        self.base_url = base_url.rstrip("/")
        self.api_url = self.base_url + "/apps/api/v1"
        self.admin = AdminClient(self.base_url, admin_token=admin_token)
        self.process = process
        self._output = output if output is not None else collections.deque(maxlen=200)

    def apps(self, tenant: str, token: str = "any-token", *, observer: Observer | None = None) -> AppsClient:
        """The Apps API as ``tenant`` (a Basic-auth subdomain; created on first use)."""
        return AppsClient(self.api_url, tenant, token, observer=observer)

    @property
    def output(self) -> str:
        """The last lines the emulator printed (empty when attached by URL)."""
        return "\n".join(self._output)

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM (the emulator drains webhooks for ``--shutdown-grace``), then kill."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> Emulator:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def start_emulator(
    *, extra_args: list[str] | None = None, startup_timeout: float = 60.0, admin_token: str | None = None
) -> Emulator:
    """The emulator at ``$CCAI_EMULATOR_URL`` (``extra_args`` then do not apply), or a fresh
    process on a free port started with ``DEFAULT_ARGS``, ``$CCAI_EMULATOR_ARGS`` and ``extra_args``."""
    admin_token = admin_token or os.environ.get("CCAI_EMU_ADMIN_TOKEN")
    url = os.environ.get(URL_ENV)
    if url:
        emulator = Emulator(url, admin_token=admin_token)
        _check_health(emulator, None)
        return emulator
    binary = find_binary()
    chosen = [*shlex.split(os.environ.get(ARGS_ENV, "")), *(extra_args or [])]
    args = [binary, "--bind", "127.0.0.1:0", *_defaults_not_in(chosen), *chosen]
    process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output: collections.deque[str] = collections.deque(maxlen=200)
    bound: dict[str, str] = {}
    settled = threading.Event()  # set once the address is seen, or the output ended
    threading.Thread(
        target=_drain, args=(process, output, bound, settled), name="ccai-emulator-output", daemon=True
    ).start()
    if not settled.wait(startup_timeout) or "url" not in bound:
        _give_up(process)
        raise EmulatorStartError(
            f"{binary} printed no listening address (exit status {process.returncode}):\n" + "\n".join(output)
        )
    emulator = Emulator(bound["url"], process=process, output=output, admin_token=admin_token)
    try:
        _check_health(emulator, process)
    except EmulatorStartError:
        emulator.stop()
        raise
    return emulator


def _defaults_not_in(chosen: list[str]) -> list[str]:
    """The ``DEFAULT_ARGS`` pairs whose flag ``chosen`` does not give (as ``--flag v`` or ``--flag=v``)."""
    given = {arg.split("=", 1)[0] for arg in chosen if arg.startswith("--")}
    pairs = zip(DEFAULT_ARGS[::2], DEFAULT_ARGS[1::2])
    return [part for flag, value in pairs if flag not in given for part in (flag, value)]


def find_binary() -> str:
    """``$CCAI_EMULATOR_BIN``, else the wheel's binary, else ``PATH``, else a clone's
    ``target/release`` or ``target/debug`` build, else a ``cargo build`` in the clone."""
    configured = os.environ.get(BIN_ENV)
    if configured:
        path = Path(configured).expanduser()
        if not _is_executable(path):
            raise EmulatorStartError(f"${BIN_ENV}={configured} is not an executable file")
        return str(path.resolve())
    bundled = installed_binary()
    if bundled:
        return bundled
    on_path = shutil.which(EXECUTABLE)
    if on_path:
        return on_path
    repository = find_repository()
    for profile in ("release", "debug"):
        built = repository / "target" / profile / EXECUTABLE
        if _is_executable(built):
            return str(built)
    return build_with_cargo(repository)



def installed_binary() -> str | None:
    """The binary the wheel put next to this package (``bin`` or ``Scripts`` of the environment
    it was installed into), whether or not that environment is activated; ``None`` when the
    package came without one."""
    folders = [sysconfig.get_path("scripts")]  # the running interpreter's environment
    site_packages = Path(__file__).resolve().parent.parent
    if site_packages.name == "site-packages":  # installed with --prefix, or into another prefix
        if sys.platform == "win32":  # <prefix>/Lib/site-packages -> <prefix>/Scripts
            folders.append(str(site_packages.parents[1] / "Scripts"))
        else:  # <prefix>/lib/pythonX.Y/site-packages -> <prefix>/bin
            folders.append(str(site_packages.parents[2] / "bin"))
    folders.append(str(site_packages / "bin"))  # pip install --target DIR puts scripts in DIR/bin
    folders.append(sysconfig.get_path("scripts", scheme=sysconfig.get_preferred_scheme("user")))  # --user
    for folder in dict.fromkeys(folders):
        candidate = Path(folder) / EXECUTABLE
        if _is_executable(candidate):
            return str(candidate)
    return None


def _is_executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def find_repository() -> Path:
    configured = os.environ.get(REPO_ENV)
    if configured:
        return Path(configured)
    for start in (Path.cwd(), Path(__file__).resolve()):
        for folder in (start, *start.parents):
            manifest = folder / "Cargo.toml"
            if manifest.is_file() and re.search(r'(?m)^name\s*=\s*"ccai-emulator"', manifest.read_text()):
                return folder
    raise EmulatorStartError(
        f"no emulator binary: pip install ccai-emulator (the wheel brings it), set ${BIN_ENV}, put "
        f"ccai-emulator on PATH, set ${URL_ENV} to a running one, or ${REPO_ENV} to a clone to build it in"
    )


def build_with_cargo(repository: Path) -> str:
    """``cargo build --bin ccai-emulator`` in the repository; the path of the executable."""
    cargo = shutil.which("cargo")
    if cargo is None:
        raise EmulatorStartError(f"cargo is not on PATH, so the emulator in {repository} cannot be built")
    built = subprocess.run(
        [cargo, "build", "--bin", "ccai-emulator", "--message-format=json-render-diagnostics"],
        cwd=repository,
        stdout=subprocess.PIPE,
        check=False,
    )
    executable = None
    for line in built.stdout.decode(errors="replace").splitlines():
        try:
            message = json.loads(line)
        except ValueError:
            continue
        if message.get("reason") == "compiler-artifact" and message.get("executable"):
            executable = message["executable"]
    if built.returncode != 0 or executable is None:
        raise EmulatorStartError(f"cargo build in {repository} failed (exit {built.returncode})")
    return str(executable)


def _drain(
    process: subprocess.Popen[bytes], output: collections.deque[str], bound: dict[str, str], settled: threading.Event
) -> None:
    """Keep reading the emulator's output (so it never blocks on a full pipe); spot the address."""
    assert process.stdout is not None
    for raw in process.stdout:
        line = _ANSI.sub("", raw.decode(errors="replace")).rstrip()
        output.append(line)
        match = None if settled.is_set() else _BOUND.search(line)
        if match:
            host, port = match.group(1, 2) if match.group(1) else match.group(3, 4)
            bound["url"] = f"http://{'127.0.0.1' if host == 'localhost' else host}:{port}"
            settled.set()
    settled.set()


def _check_health(emulator: Emulator, process: subprocess.Popen[bytes] | None) -> None:
    """``/__admin/health`` must answer ``ok``. The address is printed once the socket is
    bound, so a fresh process answers this first request; there is nothing to retry."""
    try:
        health = emulator.admin.health()
    except (urllib.error.URLError, OSError, ValueError) as error:
        exited = f" (exited {process.returncode})" if process is not None and process.poll() is not None else ""
        raise EmulatorStartError(f"{emulator.base_url}/__admin/health: {error}{exited}\n{emulator.output}") from None
    if health.get("status") != "ok":
        raise EmulatorStartError(f"{emulator.base_url}/__admin/health answered {health}")


def _give_up(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.kill()
        process.wait()
