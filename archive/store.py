"""The append-only file store: files kept under their SHA-256, written atomically, never changed.

This is the seam for other backends (S3-compatible object storage): the archive needs only
put / open / path / exists / iteration over what is stored.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Iterator

_HEX = set("0123456789abcdef")


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def display_name(name: str, default: str) -> str:
    """An uploaded file's name to show and to download as: no folders, no control characters."""
    base = Path((name or "").replace("\\", "/")).name
    return "".join(c for c in base if c.isprintable())[:200] or default


class FileStore:
    def __init__(self, root: Path):
        self.root = Path(root)
        self.tmp = self.root / ".tmp"  # half-written files; never part of the archive

    def path(self, sha: str) -> Path:
        """Where a hash lives. The hash is checked, so no request can steer a path."""
        if len(sha) != 64 or not set(sha) <= _HEX:
            raise ValueError(f"not a SHA-256 hex digest: {sha!r}")
        return self.root / sha[:2] / sha[2:4] / sha

    def exists(self, sha: str) -> bool:
        return self.path(sha).is_file()

    def put(self, data: bytes, sha: str | None = None) -> str:
        """Store bytes (idempotent): temp file, fsync, rename; returns the SHA-256."""
        sha = sha or sha256_of(data)
        target = self.path(sha)
        if target.is_file() and target.stat().st_size == len(data):
            return sha
        target.parent.mkdir(parents=True, exist_ok=True)
        self.tmp.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.tmp)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o444)  # stored files are read-only
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        _fsync_dir(target.parent)
        return sha

    def discard(self, sha: str) -> bool:
        """Remove the file of a hash that never became part of the archive (left by an
        interrupted write, used by no record); True if there was one. Nothing else removes."""
        path = self.path(sha)
        try:
            os.chmod(path, 0o644)  # stored read-only, and Windows will not unlink that
            path.unlink()
        except FileNotFoundError:
            return False
        return True

    def read(self, sha: str) -> bytes:
        return self.path(sha).read_bytes()

    def hash_file(self, sha: str) -> str:
        h = hashlib.sha256()
        with open(self.path(sha), "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        return h.hexdigest()

    def iter_stored(self) -> Iterator[tuple[str, Path]]:
        """(name, path) of every file under the store, temp folder excluded."""
        if not self.root.is_dir():
            return
        for dirpath, dirnames, filenames in os.walk(self.root):
            if Path(dirpath) == self.root:
                dirnames[:] = [d for d in dirnames if d != ".tmp"]
            for name in filenames:
                yield name, Path(dirpath) / name

    def clear_temp(self) -> int:
        """Remove half-written files left by a crash; returns how many."""
        n = 0
        if self.tmp.is_dir():
            for p in self.tmp.iterdir():
                p.unlink(missing_ok=True)
                n += 1
        return n


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # Windows cannot open directories
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
