"""CRC32 checksums of the live index files, so damage anywhere in them is found on opening."""
from __future__ import annotations

import json
import os
import re
import zlib
from pathlib import Path

MANIFEST = "checksums.json"
_TOC = re.compile(r"^_MAIN_(\d+)\.toc$")


class ChecksumError(Exception):
    """An index file is missing or differs from what the last writer recorded."""


def _crc(path: Path) -> int:
    crc = 0
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            crc = zlib.crc32(chunk, crc)
    return crc


def _live_files(folder: Path, ix) -> tuple[int, list[str]]:
    """The generation and the files it consists of: its TOC and its segments' files."""
    generation = ix.latest_generation()
    with ix.reader() as reader:
        segids = [r.segment().segment_id() for r, _ in reader.leaf_readers()
                  if r.segment() is not None]
    names = [f"_{ix.indexname}_{generation}.toc"]
    for entry in os.listdir(folder):
        if any(entry.startswith(segid + ".") for segid in segids):   # ids carry the index name
            names.append(entry)
    return generation, sorted(names)


def record(folder: Path, ix) -> None:
    """Write the manifest for the current generation (the write lock is held)."""
    old = _load(folder)
    generation, names = _live_files(folder, ix)
    files = {}
    for name in names:
        st = os.stat(folder / name)
        held = old.get("files", {}).get(name)
        # Segment files never change once written: an unchanged size and mtime keeps its CRC.
        if held and held["size"] == st.st_size and held["mtime"] == st.st_mtime_ns:
            files[name] = held
        else:
            files[name] = {"size": st.st_size, "mtime": st.st_mtime_ns,
                           "crc32": _crc(folder / name)}
    tmp = folder / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps({"generation": generation, "files": files}), encoding="utf-8")
    os.replace(tmp, folder / MANIFEST)


def verify(folder: Path, ix) -> None:
    """Raise ChecksumError if a file of the recorded generation is missing or altered.

    A manifest of another generation means a writer is between its commit and its manifest
    (or died there): nothing to compare against, and no reason to call the index broken.
    """
    manifest = _load(folder)
    if manifest.get("generation") != ix.latest_generation():
        return
    for name, held in manifest["files"].items():
        path = folder / name
        if not path.exists():
            raise ChecksumError(f"{name} is missing")
        if path.stat().st_size != held["size"] or _crc(path) != held["crc32"]:
            raise ChecksumError(f"{name} was altered")


def latest_generation(folder: Path) -> int:
    """The newest TOC generation in the folder (-1 when there is none)."""
    found = [int(m.group(1)) for m in map(_TOC.match, os.listdir(folder)) if m]
    return max(found, default=-1)


def remove(folder: Path) -> None:
    (folder / MANIFEST).unlink(missing_ok=True)


def _load(folder: Path) -> dict:
    try:
        return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
