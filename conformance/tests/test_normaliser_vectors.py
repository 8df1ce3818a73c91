"""The normaliser's shared cases: ``normaliser_vectors.json`` holds inputs and what
harness/normalise.py makes of them, and the Rust normaliser of ``ccai-emulator record`` and
``diff`` (src/features/recording/normalise.rs) is tested against the same file, so a
cassette and a snapshot read alike. This test fails when the file no longer says what the
Python normaliser does; ``UPDATE_VECTORS=1`` rewrites the outputs (then run
``cargo test --lib recording::normalise`` to hold the Rust side to them)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from harness.normalise import Normaliser

VECTORS = Path(__file__).with_name("normaliser_vectors.json")


def outputs(case: dict[str, Any]) -> list[Any]:
    normaliser = Normaliser(case["literals"])
    found = []
    for step in case["steps"]:
        if step["op"] == "path":
            found.append(normaliser.path(step["input"]))
        elif step["op"] == "text":
            found.append(normaliser.text(step["input"]))
        else:
            found.append(normaliser.value(step["input"], key=step.get("key"), kind=step.get("kind")))
    return found


def test_the_shared_normaliser_cases_say_what_the_normaliser_does() -> None:
    document = json.loads(VECTORS.read_text())
    stale = []
    for case in document["cases"]:
        for step, output in zip(case["steps"], outputs(case)):
            if step.get("output") != output:
                stale.append(f"{case['name']}: {step['op']} {json.dumps(step['input'])[:80]}")
                step["output"] = output
    if stale and os.environ.get("UPDATE_VECTORS"):
        VECTORS.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
        return
    assert not stale, "normaliser_vectors.json is stale (UPDATE_VECTORS=1 rewrites it):\n" + "\n".join(stale)
    assert len(document["cases"]) >= 5
