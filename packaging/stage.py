#!/usr/bin/env python3
"""Stages one built binary for release, the same way on every platform (standard library only):

- ``OUT/ccai-emulator-<version>-<target>.tar.gz`` (``.zip`` for Windows) holding the binary,
  LICENSE, README.md and CHANGELOG.md, and ``<archive>.sha256`` (``sha256sum`` format);
- the npm platform package ``clients/js/platforms/<platform>-<arch>/``, filled with the binary
  and LICENSE, ready for ``npm pack`` / ``npm publish``;
- with ``--image-context DIR`` and a Linux target, ``DIR/out/<arch>/ccai-emulator`` and an
  empty ``DIR/out/state``:
  the layout of the Dockerfile's ``builder`` stage, so ``podman build --target runtime
  --build-context builder=DIR .`` (or ``docker buildx build``) makes the image from it.

    python3 packaging/stage.py --binary PATH --target TRIPLE --out DIR [--image-context DIR]

The binary is the one ``maturin build`` put in the wheel (it builds with cargo into
``target/<triple>/release/``; for Windows, ``.exe`` is added to ``--binary``); CI and the
release workflow run this with the same arguments.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Rust target triple (its first two parts) -> Node's process.platform / process.arch, and the
# image's TARGETARCH.
OS = {"unknown-linux": "linux", "apple-darwin": "darwin", "pc-windows": "win32"}
ARCH = {"x86_64": ("x64", "amd64"), "aarch64": ("arm64", "arm64")}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", type=Path, required=True)
    parser.add_argument("--target", required=True, help="the Rust target triple it was built for")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--image-context", type=Path)
    args = parser.parse_args()

    arch, _, rest = args.target.partition("-")
    system = next((node for prefix, node in OS.items() if rest.startswith(prefix)), None)
    if arch not in ARCH or system is None:
        parser.error(f"unsupported target {args.target}")
    node_arch, image_arch = ARCH[arch]
    if system == "win32" and args.binary.suffix != ".exe":
        args.binary = args.binary.with_name(args.binary.name + ".exe")
    if not args.binary.is_file():
        parser.error(f"{args.binary} does not exist")
    version = tomllib.loads((ROOT / "Cargo.toml").read_text())["package"]["version"]
    executable = "ccai-emulator.exe" if system == "win32" else "ccai-emulator"
    extras = [ROOT / name for name in ("LICENSE", "README.md", "CHANGELOG.md")]

    args.out.mkdir(parents=True, exist_ok=True)
    stem = f"ccai-emulator-{version}-{args.target}"
    archive = args.out / (f"{stem}.zip" if system == "win32" else f"{stem}.tar.gz")
    if system == "win32":
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
            zipped.write(args.binary, f"{stem}/{executable}")
            for extra in extras:
                zipped.write(extra, f"{stem}/{extra.name}")
    else:
        with tarfile.open(archive, "w:gz") as tarred:
            tarred.add(args.binary, f"{stem}/{executable}", filter=_executable)
            for extra in extras:
                tarred.add(extra, f"{stem}/{extra.name}", filter=_regular)
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    (args.out / f"{archive.name}.sha256").write_text(f"{digest}  {archive.name}\n")
    print(f"stage: {archive} ({archive.stat().st_size} bytes), sha256 {digest}")

    package = ROOT / "clients" / "js" / "platforms" / f"{system}-{node_arch}"
    if not (package / "package.json").is_file():
        parser.error(f"no npm platform package at {package}")
    _copy_executable(args.binary, package / executable)
    shutil.copyfile(ROOT / "LICENSE", package / "LICENSE")
    print(f"stage: npm package {package.relative_to(ROOT)} holds {executable}")

    if args.image_context and system != "linux":
        print(f"stage: no image context for {args.target} (the image is Linux only)")
    elif args.image_context:
        out = args.image_context / "out"
        (out / "state").mkdir(parents=True, exist_ok=True)
        _copy_executable(args.binary, out / image_arch / "ccai-emulator")
        print(f"stage: image context {args.image_context} (linux/{image_arch})")
    return 0


def _copy_executable(source: Path, destination: Path) -> None:
    destination.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, destination)
    destination.chmod(0o755)


def _executable(info: tarfile.TarInfo) -> tarfile.TarInfo:
    return _owned_by_root(info, 0o755)


def _regular(info: tarfile.TarInfo) -> tarfile.TarInfo:
    return _owned_by_root(info, 0o644)


def _owned_by_root(info: tarfile.TarInfo, mode: int) -> tarfile.TarInfo:
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mode = mode
    return info


if __name__ == "__main__":
    sys.exit(main())
