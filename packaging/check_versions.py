#!/usr/bin/env python3
"""One version everywhere: fails (exit 1, naming each file) unless the crate (Cargo.toml and
Cargo.lock), the Python package (its version is the crate's through maturin: it must stay
dynamic), the npm package, its optional platform packages and their pins,
the newest CHANGELOG.md release, the release archives README.md names and, when given, a built binary's `--version` all agree; and that every manifest says Apache-2.0, with the root's LICENSE.

    python3 packaging/check_versions.py [--binary PATH]...
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", action="append", default=[], help="a built ccai-emulator to ask for --version")
    args = parser.parse_args()

    cargo = tomllib.loads((ROOT / "Cargo.toml").read_text())["package"]
    version = cargo["version"]
    found: dict[str, str | None] = {}

    lock = tomllib.loads((ROOT / "Cargo.lock").read_text())
    found["Cargo.lock"] = next((p["version"] for p in lock["package"] if p["name"] == cargo["name"]), None)

    pyproject = tomllib.loads((ROOT / "clients/python/pyproject.toml").read_text())["project"]
    found["clients/python/pyproject.toml (dynamic: the crate's)"] = (
        version if "version" in pyproject.get("dynamic", []) and "version" not in pyproject else pyproject.get("version")
    )

    npm = json.loads((ROOT / "clients/js/package.json").read_text())
    found["clients/js/package.json"] = npm["version"]
    platforms = sorted((ROOT / "clients/js/platforms").glob("*/package.json"))
    for manifest in platforms:
        platform = json.loads(manifest.read_text())
        found[str(manifest.relative_to(ROOT))] = platform["version"]
        pinned = npm.get("optionalDependencies", {}).get(platform["name"])
        found[f"clients/js/package.json optionalDependencies {platform['name']}"] = pinned
    unlisted = set(npm.get("optionalDependencies", {})) - {json.loads(m.read_text())["name"] for m in platforms}
    for name in sorted(unlisted):
        found[f"clients/js/package.json optionalDependencies {name} (no clients/js/platforms/ folder)"] = None

    changelog = re.search(r"^## \[?(\d+\.\d+\.\d+[^\]\s]*)\]?", (ROOT / "CHANGELOG.md").read_text(), re.MULTILINE)
    found["CHANGELOG.md (newest release heading)"] = changelog.group(1) if changelog else None

    # The README's install lines name release archives: ccai-emulator-<version>-<target>.
    for number, named in enumerate(re.findall(r"ccai-emulator-(\d+\.\d+\.\d+)-", (ROOT / "README.md").read_text())):
        found[f"README.md (release archive name {number + 1})"] = named

    for binary in args.binary:
        printed = subprocess.run([binary, "--version"], capture_output=True, text=True, check=False).stdout.strip()
        found[f"{binary} --version"] = printed.removeprefix(f"{cargo['name']} ") if printed else None

    # One license too: Apache-2.0 in every manifest, and each package's LICENSE file the root's.
    licenses = {
        "Cargo.toml license": cargo.get("license"),
        "clients/python/pyproject.toml license": pyproject.get("license"),
        "clients/js/package.json license": npm.get("license"),
        **{f"{m.relative_to(ROOT)} license": json.loads(m.read_text()).get("license") for m in platforms},
    }
    for copy in ("clients/js/LICENSE", "clients/python/LICENSE"):
        licenses[f"{copy} (a copy of LICENSE)"] = (
            "Apache-2.0" if (ROOT / copy).read_bytes() == (ROOT / "LICENSE").read_bytes() else "differs"
        )
    for where, value in licenses.items():
        if value != "Apache-2.0":
            print(f"check_versions: {where} is {value!r}, not 'Apache-2.0'", file=sys.stderr)
    found.update({where: version for where, value in licenses.items() if value == "Apache-2.0"})
    bad_license = any(value != "Apache-2.0" for value in licenses.values())

    wrong = {where: value for where, value in found.items() if value != version}
    for where, value in wrong.items():
        print(f"check_versions: {where} says {value!r}, Cargo.toml says {version!r}", file=sys.stderr)
    if not wrong and not bad_license:
        print(f"check_versions: {len(found) + 1} places agree on {version} (and Apache-2.0)")
    return 1 if wrong or bad_license else 0


if __name__ == "__main__":
    sys.exit(main())
