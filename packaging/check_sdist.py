#!/usr/bin/env python3
"""The sdist (``maturin sdist``) builds from source where no wheel fits: fails unless it holds
the crate (Cargo.toml, Cargo.lock, build.rs, .cargo/config.toml, every source file), every
file the binary embeds (include_str!/include_bytes! outside tests/), the Python package and
the license, and nothing of the repository it does not need (tests, docs, the other clients).

    python3 packaging/check_sdist.py dist/ccai_emulator-<version>.tar.gz
"""

from __future__ import annotations

import re
import sys
import tarfile
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parent.parent


def main(sdist: str) -> int:
    with tarfile.open(sdist) as archive:
        names = archive.getnames()
    top = PurePosixPath(names[0]).parts[0]
    held = {str(PurePosixPath(*PurePosixPath(name).parts[1:])) for name in names}
    needed = {"Cargo.toml", "Cargo.lock", "build.rs", ".cargo/config.toml", "pyproject.toml", "LICENSE", "PKG-INFO"}
    needed |= {str(path.relative_to(ROOT)) for path in (ROOT / "src").rglob("*.rs")}
    needed |= {f"src/ccai_emulator/{path.name}" for path in (ROOT / "clients/python/src/ccai_emulator").iterdir()
               if path.is_file() and path.suffix in (".py", ".typed")}
    for source in (ROOT / "src").rglob("*.rs"):
        for embedded in re.findall(r'include_(?:str|bytes)!\(\s*"([^"]+)"', source.read_text()):
            path = (source.parent / embedded).resolve().relative_to(ROOT)
            if path.parts[0] != "tests":
                needed.add(str(path))
    missing = sorted(needed - held)
    unwanted = sorted(name for name in held if name.split("/")[0] in ("tests", "docs", "clients", "examples", ".ci"))
    for name in missing:
        print(f"check_sdist: {top} lacks {name}", file=sys.stderr)
    for name in unwanted:
        print(f"check_sdist: {top} holds {name}, which a build from source does not need", file=sys.stderr)
    if missing or unwanted:
        return 1
    print(f"check_sdist: {Path(sdist).name} holds the crate, what it embeds and the Python package ({len(held)} files)")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1]))
