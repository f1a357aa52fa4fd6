"""Copying files for backup and restore: written beside the target and renamed into it,
hashed on the way, fsynced, so a copy either is whole and checked or does not exist."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

from archive.store import _fsync_dir


def copy_checked(src: Path, target: Path, sha: str, size: int, tmpdir: Path) -> bool:
    """Copy `src` to `target` hashing it on the way; the copy takes the name only when its
    SHA-256 and size are `sha` and `size`. Returns whether it did."""
    with open(src, "rb") as fin:
        tmpdir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=tmpdir)
        try:
            digest, n = stream(fin, fd)
            if digest != sha or n != size:
                return False
            os.chmod(tmp, 0o444)  # stored files are read-only, as in the instance
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, target)
            _fsync_dir(target.parent)
            return True
        finally:
            Path(tmp).unlink(missing_ok=True)


def copy_to(src: Path, target: Path, mode: int) -> tuple[str, int]:
    """Copy beside `target` and rename into it; returns the SHA-256 and size copied."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.partial-")
    try:
        with open(src, "rb") as fin:
            digest, n = stream(fin, fd)
        os.chmod(tmp, mode)
        os.replace(tmp, target)
        return digest, n
    finally:
        Path(tmp).unlink(missing_ok=True)


def stream(fin, fd: int) -> tuple[str, int]:
    h, n = hashlib.sha256(), 0
    with os.fdopen(fd, "wb") as fout:
        for chunk in iter(lambda: fin.read(1 << 20), b""):
            h.update(chunk)
            fout.write(chunk)
            n += len(chunk)
        fout.flush()
        os.fsync(fout.fileno())
    return h.hexdigest(), n


def hash_file(path: Path) -> tuple[str, int]:
    h, n = hashlib.sha256(), 0
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
            n += len(chunk)
    return h.hexdigest(), n


def place(tmp: Path, target: Path) -> None:
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, target)
    _fsync_dir(target.parent)


def write_json(path: Path, data: dict) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.partial-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False, indent=2)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
    _fsync_dir(path.parent)


def remove_file(path: Path) -> None:
    os.chmod(path, 0o644)  # Windows refuses to delete a read-only file
    path.unlink()


def remove_tree(path: Path) -> None:
    def writable(func, p, _exc):  # read-only store files (Windows refuses to delete them)
        os.chmod(p, 0o700)
        func(p)

    if sys.version_info >= (3, 12):
        shutil.rmtree(path, onexc=writable)
    else:
        shutil.rmtree(path, onerror=writable)
