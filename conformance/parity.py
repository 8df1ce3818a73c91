"""Rewrite docs/parity.md from the parity suite's scenarios and snapshots.

    python conformance/parity.py           # rewrite it
    python conformance/parity.py --check   # exit 1 (and say so) when it is stale

Needs the Python package (clients/python) importable, as the suite does.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness.parity_table import PARITY_MD, render


def main(argv: list[str]) -> int:
    page = render()
    current = PARITY_MD.read_text() if PARITY_MD.exists() else ""
    if "--check" in argv:
        if page != current:
            print(f"{PARITY_MD} is stale: run python conformance/parity.py", file=sys.stderr)
            return 1
        print(f"{PARITY_MD} is current")
        return 0
    if page != current:
        PARITY_MD.write_text(page)
        print(f"wrote {PARITY_MD}")
    else:
        print(f"{PARITY_MD} was already current")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
