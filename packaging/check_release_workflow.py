#!/usr/bin/env python3
"""What can be checked of .github/workflows/release.yml without running it:

- it parses as YAML, and its build matrix covers the five release targets, each with an npm
  platform package in clients/js/platforms/ and a target packaging/stage.py knows;
- every command it runs for Linux x86_64 (the `run:` lines of every job on the
  x86_64-unknown-linux-musl matrix entry or with no matrix) is a line that .ci/run runs, word
  for word, except the steps and jobs that only a tag runs (publishing);
- the arguments it gives maturin (PyO3/maturin-action's `args`, less the matrix's own) are
  those of .ci/run's maturin command of the same kind (build, sdist).

    python3 packaging/check_release_workflow.py     # needs PyYAML
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / ".github" / "workflows" / "release.yml"
TARGETS = {
    "x86_64-unknown-linux-musl": "linux-x64",
    "aarch64-unknown-linux-musl": "linux-arm64",
    "x86_64-apple-darwin": "darwin-x64",
    "aarch64-apple-darwin": "darwin-arm64",
    "x86_64-pc-windows-msvc": "win32-x64",
}
LINUX_X86_64 = "x86_64-unknown-linux-musl"
TAG_ONLY = "startsWith(github.ref, 'refs/tags/')"
EXPRESSION = re.compile(r"\$\{\{.*?\}\}")


def main() -> int:
    workflow = yaml.safe_load(WORKFLOW.read_text())
    ci_lines = {line.strip() for line in (ROOT / ".ci/run").read_text().splitlines()}
    problems: list[str] = []
    checked = 0

    matrix = workflow["jobs"]["build"]["strategy"]["matrix"]["include"]
    built = {entry["target"]: entry["npm"] for entry in matrix}
    if built != TARGETS:
        problems.append(f"the build matrix builds {built}, not {TARGETS}")
    for npm in built.values():
        if not (ROOT / "clients/js/platforms" / npm / "package.json").is_file():
            problems.append(f"no npm platform package clients/js/platforms/{npm}")

    for name, job in workflow["jobs"].items():
        if TAG_ONLY in str(job.get("if", "")):
            print(f"check_release_workflow: job {name} runs on a tag only (publishing): not run here")
            continue
        include = job.get("strategy", {}).get("matrix", {}).get("include")
        if include and not any(entry.get("target") == LINUX_X86_64 for entry in include):
            continue
        for step in job.get("steps", []):
            label = f"job {name}, step {step.get('name') or step.get('uses')}"
            if TAG_ONLY in str(step.get("if", "")):
                print(f"check_release_workflow: {label} runs on a tag only: not run here")
                continue
            if "run" in step:
                for line in filter(None, (line.strip() for line in step["run"].splitlines())):
                    checked += 1
                    if line not in ci_lines:
                        problems.append(f"{label} runs `{line}`, which .ci/run does not")
            elif str(step.get("uses", "")).startswith("PyO3/maturin-action@"):
                given = step.get("with", {})
                command = given.get("command", "build")
                args = " ".join(EXPRESSION.sub("", given.get("args", "")).split())
                ours = [line for line in ci_lines if re.search(rf'(maturin|MATURIN"?) {command} ', line)]
                checked += 1
                if not any(args in line for line in ours):
                    problems.append(f"{label}: maturin {command} {args} is not .ci/run's ({ours})")

    for problem in problems:
        print(f"check_release_workflow: {problem}", file=sys.stderr)
    if not problems:
        print(f"check_release_workflow: {WORKFLOW.relative_to(ROOT)} parses; its {checked} Linux x86_64 commands are .ci/run's")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
