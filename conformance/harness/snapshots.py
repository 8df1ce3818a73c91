"""Snapshot files: one JSON document per scenario, its provenance, and the comparison.

A snapshot is ``{"format", "scenario", "title", "provenance", "match", "exchanges",
"webhooks"}`` (conformance/README.md describes every field). :func:`compare` walks the stored
document (*expected*) and the observation (*got*) together and returns every
:class:`Difference` with its path (``exchanges[2].response.body.status``), so a failure reads
as a list of "path: expected X, got Y" lines rather than two blobs.

Expected values may be *matchers*, for snapshots written by hand from a documentation page
(provenance ``docs``), where the page gives a field's type but not its value:
``"<any>"``, ``"<int>"``, ``"<number>"``, ``"<string>"``, ``"<bool>"``, ``"<object>"``,
``"<list>"``, and ``{"<each>": X}`` (a list whose every element matches X); ``"<int>"`` also
matches an id the normaliser replaced (``"<menu:1>"``: an integer whose identity it kept). With
``"match": "subset"`` an object may have keys the snapshot does not name (the platform tells
clients to ignore keys they do not know); with ``"exact"`` (the default) it may not.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .normalise import ID_KEYS, OBJECT_KINDS, PATH_KINDS

FORMAT = "ccai-conformance-snapshot/1"
SOURCES = ("tenant", "docs", "emulator")
MISSING = object()
"""Stands for a key or list element that is not there."""

ID_PLACEHOLDER = re.compile(
    "^<(" + "|".join(sorted(set(ID_KEYS.values()) | set(OBJECT_KINDS.values()) | set(PATH_KINDS.values()))) + r"):\d+>$"
)
"""An integer id as the normaliser writes it (``<chat:1>``)."""


def _is_int(value: Any) -> bool:
    if isinstance(value, str):
        return ID_PLACEHOLDER.match(value) is not None
    return isinstance(value, int) and not isinstance(value, bool)


TYPE_MATCHERS: dict[str, Callable[[Any], bool]] = {
    "<any>": lambda value: True,
    "<int>": _is_int,
    "<number>": lambda value: isinstance(value, (int, float)) and not isinstance(value, bool),
    "<string>": lambda value: isinstance(value, str),
    "<bool>": lambda value: isinstance(value, bool),
    "<object>": lambda value: isinstance(value, dict),
    "<list>": lambda value: isinstance(value, list),
}


@dataclass(frozen=True)
class Difference:
    """One place where the observation differs from the snapshot."""

    path: str
    expected: Any
    got: Any

    def render(self) -> str:
        return f"  {self.path}\n      expected: {_show(self.expected)}\n      got:      {_show(self.got)}"


def compare(expected: Any, got: Any, *, subset: bool = False, path: str = "") -> list[Difference]:
    """Every difference between ``expected`` (the snapshot, with matchers) and ``got``."""
    if isinstance(expected, str) and expected in TYPE_MATCHERS:
        return [] if got is not MISSING and TYPE_MATCHERS[expected](got) else [Difference(path, expected, got)]
    if isinstance(expected, dict) and set(expected) == {"<each>"}:
        if not isinstance(got, list):
            return [Difference(path, "a list", got)]
        found: list[Difference] = []
        for index, item in enumerate(got):
            found += compare(expected["<each>"], item, subset=subset, path=f"{path}[{index}]")
        return found
    if isinstance(expected, dict) and isinstance(got, dict):
        found = []
        for key, value in expected.items():
            found += compare(value, got.get(key, MISSING), subset=subset, path=_join(path, key))
        if not subset:
            found += [Difference(_join(path, key), MISSING, got[key]) for key in got if key not in expected]
        return found
    if isinstance(expected, list) and isinstance(got, list):
        found = []
        for index in range(max(len(expected), len(got))):
            want = expected[index] if index < len(expected) else MISSING
            have = got[index] if index < len(got) else MISSING
            if want is MISSING or have is MISSING:
                found.append(Difference(f"{path}[{index}]", want, have))
            else:
                found += compare(want, have, subset=subset, path=f"{path}[{index}]")
        return found
    if type(expected) is not type(got) or expected != got:
        return [Difference(path, expected, got)]
    return []


def label_paths(differences: list[Difference], document: dict[str, Any]) -> list[Difference]:
    """The same differences, with each exchange's step named in its path, for reading:
    ``exchanges[2] (send a photo).response.status``."""
    labelled = []
    for difference in differences:
        path = difference.path
        if path.startswith("exchanges["):
            index = int(path[len("exchanges[") : path.index("]")])
            exchanges = document.get("exchanges", [])
            if index < len(exchanges) and exchanges[index].get("step"):
                end = path.index("]") + 1
                path = f"{path[:end]} ({exchanges[index]['step']}){path[end:]}"
        labelled.append(Difference(path, difference.expected, difference.got))
    return labelled


# --- files ---------------------------------------------------------------------------------


def load(path: Path) -> dict[str, Any] | None:
    """The snapshot at ``path``, or None when there is none; a broken file is an error."""
    if not path.exists():
        return None
    document = json.loads(path.read_text())
    problems = validate(document)
    if problems:
        raise ValueError(f"{path}: " + "; ".join(problems))
    assert isinstance(document, dict)
    return document


def save(path: Path, document: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dumps(document))


def dumps(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def validate(document: Any) -> list[str]:
    """What is wrong with a snapshot document (empty when nothing is)."""
    if not isinstance(document, dict):
        return ["a snapshot is a JSON object"]
    problems = []
    if document.get("format") != FORMAT:
        problems.append(f"format must be {FORMAT!r}")
    provenance = document.get("provenance")
    if not isinstance(provenance, dict) or provenance.get("source") not in SOURCES:
        problems.append(f"provenance.source must be one of {', '.join(SOURCES)}")
    elif provenance["source"] == "tenant" and not (provenance.get("recorded_at") and provenance.get("region")):
        problems.append("a tenant snapshot needs provenance.recorded_at and provenance.region")
    elif provenance["source"] == "docs" and not (provenance.get("page") and provenance.get("url")):
        problems.append("a docs snapshot needs provenance.page and provenance.url")
    if document.get("match", "exact") not in ("exact", "subset"):
        problems.append('match must be "exact" or "subset"')
    for key in ("exchanges", "webhooks"):
        if not isinstance(document.get(key), list):
            problems.append(f"{key} must be a list")
    return problems


def observed_part(document: dict[str, Any]) -> dict[str, Any]:
    """The part of a snapshot a run is compared with (not its title or provenance)."""
    return {"exchanges": document.get("exchanges", []), "webhooks": document.get("webhooks", [])}


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _show(value: Any) -> str:
    if value is MISSING:
        return "(missing)"
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 300 else text[:297] + "..."
