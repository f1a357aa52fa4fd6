"""An inter-process, inter-thread write lock on a file: one index writer at a time."""
from __future__ import annotations

import os
import threading
import time
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: fall back to an exclusive-create lock file
    fcntl = None


class LockTimeout(RuntimeError):
    """The write lock was not obtained in time."""


class WriteLock:
    """Serialises writers across processes (file lock) and threads (in-process lock).

    Readers never take it: Whoosh readers see the last committed generation.
    """

    def __init__(self, path: Path, timeout: float = 600.0, delay: float = 0.05):
        self.path = Path(path)
        self.timeout = timeout
        self.delay = delay
        # The thread lock first, so threads of one process queue cheaply instead of polling.
        self._thread_lock = threading.Lock()
        self._fd: int | None = None

    def __enter__(self) -> "WriteLock":
        if not self._thread_lock.acquire(timeout=self.timeout):
            raise LockTimeout(f"index write lock {self.path} busy")
        try:
            self._acquire_file()
        except BaseException:
            self._thread_lock.release()
            raise
        return self

    def __exit__(self, *exc) -> None:
        try:
            self._release_file()
        finally:
            self._thread_lock.release()

    def _acquire_file(self) -> None:
        deadline = time.monotonic() + self.timeout
        if fcntl is not None:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                # Polled rather than blocking so a hung writer elsewhere ends in LockTimeout;
                # the kernel drops the lock if its holder dies, so it is never stale.
                while True:
                    try:
                        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        break
                    except BlockingIOError:
                        if time.monotonic() > deadline:
                            raise LockTimeout(f"index write lock {self.path} busy") from None
                        time.sleep(self.delay)
            except BaseException:
                os.close(fd)
                raise
            self._fd = fd
            return
        while True:
            try:
                # A stale file after a crash must be removed by hand; the timeout says where.
                self._fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
                return
            except FileExistsError:
                if time.monotonic() > deadline:
                    raise LockTimeout(f"index write lock {self.path} held (stale? remove it)")
                time.sleep(self.delay)

    def _release_file(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
        else:
            os.close(fd)
            os.unlink(self.path)
