"""The search index service: open or flag for rebuild, write under one lock, search snapshots."""
from __future__ import annotations

import logging
import os
import threading
from datetime import date
from pathlib import Path
from typing import Iterable

from whoosh import index as windex

from search import checksums, writing
from search.engine import Filters, search as run_search
from search.locking import WriteLock
from search.results import SearchResult
from search.schema import SCHEMA_VERSION, IndexDoc, build_schema
from search.snapshot import SegmentCache, Snapshot

log = logging.getLogger(__name__)

VERSION_FILE = "schema_version"
LOCK_FILE = "write.lock"


class SearchIndex:
    """A Whoosh index in `path`, derived from the archive and rebuilt whenever in doubt.

    A missing, outdated (schema version) or unreadable index never raises: the instance
    starts empty and `needs_rebuild` is True until `rebuild()` succeeds. Writers take a
    file lock one at a time; readers never do, they see the last committed generation.
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        self._ensure_folder()
        self._lock = WriteLock(self.path / LOCK_FILE)
        self._state = threading.Lock()
        self._cache = SegmentCache()
        self._snapshots: dict[int, tuple[object, Snapshot]] = {}   # thread id → (index, snapshot)
        self._ix = None
        self._needs_rebuild = False
        self._version_seen = None
        self._open()

    # -- opening and state ------------------------------------------------------------

    @property
    def needs_rebuild(self) -> bool:
        if self._needs_rebuild:
            if self._version_stamp() != self._version_seen:
                self._open()    # another process (the reindex command) may have rebuilt it
        elif self._version_stamp() is None:
            self._open()        # the folder or its files were deleted under us: one stat() tells
        return self._needs_rebuild

    def _ensure_folder(self) -> None:
        # The folder may have been deleted while we run; writers recreate it (the lock lives there).
        self.path.mkdir(parents=True, exist_ok=True)

    def _version_stamp(self):
        try:
            st = os.stat(self.path / VERSION_FILE)
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_size, st.st_ino)

    def _read_version(self) -> int | None:
        try:
            return int((self.path / VERSION_FILE).read_text(encoding="ascii").strip())
        except (OSError, ValueError):
            return None

    def _write_version(self) -> None:
        tmp = self.path / (VERSION_FILE + ".tmp")
        tmp.write_text(f"{SCHEMA_VERSION}\n", encoding="ascii")
        os.replace(tmp, self.path / VERSION_FILE)   # atomic: never a half-written version

    def _open(self) -> None:
        """Open and check the index; on any problem start empty and ask for a rebuild."""
        stamp = self._version_stamp()
        ix, problem = None, None
        version = self._read_version()
        if version != SCHEMA_VERSION:
            problem = f"schema version {version}, expected {SCHEMA_VERSION}"
        else:
            for _ in range(3):
                generation = checksums.latest_generation(self.path)
                try:
                    ix = windex.open_dir(str(self.path))
                    checksums.verify(self.path, ix)
                    writing.check(ix)
                    break
                except Exception as exc:   # any damage at all means rebuild, never a crash
                    ix, problem = None, f"unreadable index: {exc!r}"
                    # A writer committing meanwhile removes files we were reading: look again.
                    if checksums.latest_generation(self.path) == generation:
                        break
        if problem and ix is None:
            # a brand-new index (no version yet) is expected on first use, not worth a warning
            level = logging.INFO if self._read_version() is None else logging.WARNING
            log.log(level, "search index %s needs a rebuild: %s", self.path, problem)
        self._set(ix, needs_rebuild=ix is None)
        self._version_seen = stamp

    def _set(self, ix, needs_rebuild: bool) -> None:
        with self._state:
            if ix is not self._ix:
                # Forget, not close: another thread may be reading one right now; each
                # snapshot closes its files when dropped, and a stale one is never reused.
                self._snapshots.clear()
            self._ix, self._needs_rebuild = ix, needs_rebuild

    def _drop_snapshots(self) -> None:
        for _, snap in self._snapshots.values():
            try:
                snap.close()
            except Exception:
                pass
        self._snapshots.clear()

    def close(self) -> None:
        with self._state:
            self._drop_snapshots()

    def release(self) -> None:
        """Close this thread's snapshot (its open segment files): for a background thread
        done reading, so its files are not held until the thread is reused."""
        with self._state:
            held = self._snapshots.pop(threading.get_ident(), None)
        if held is not None:
            try:
                held[1].close()
            except Exception:
                pass

    def __enter__(self) -> "SearchIndex":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- writing ----------------------------------------------------------------------

    def _fresh(self):
        """Wipe the folder's index files and start an empty index (write lock held)."""
        (self.path / VERSION_FILE).unlink(missing_ok=True)   # untrusted until rebuilt
        checksums.remove(self.path)
        for p in self.path.iterdir():
            # create_in clears only old TOC files; damaged segments would stay behind.
            if p.is_file() and p.name != "MAIN_WRITELOCK" and (
                    p.name.startswith(("_MAIN_", "MAIN_")) or p.suffix == ".tmp"):
                p.unlink(missing_ok=True)
        ix = windex.create_in(str(self.path), build_schema())
        self._set(ix, needs_rebuild=True)
        return ix

    def rebuild(self, docs: Iterable[IndexDoc]) -> int:
        """Replace the whole index with `docs`; returns how many documents were indexed."""
        self._ensure_folder()
        with self._lock:
            intact = (not self._needs_rebuild and self._read_version() == SCHEMA_VERSION
                      and checksums.latest_generation(self.path) >= 0)
            ix = self._ix if intact else None
            ix = self._fresh() if ix is None else ix
            count = writing.rebuild(ix, docs)
            checksums.record(self.path, ix)
            self._write_version()
            self._set(ix, needs_rebuild=False)
            self._version_seen = self._version_stamp()
        return count

    def add(self, docs: Iterable[IndexDoc]) -> int:
        """Add documents, replacing any already indexed with the same document_id.

        An index needing a rebuild still takes writes (into a fresh one) but stays flagged.
        A write that fails on an index found damaged (or deleted) right after goes into a
        fresh one the same way; one that fails on an intact index raises.
        """
        docs = list(docs)
        if not docs:
            return 0
        self._ensure_folder()
        with self._lock:
            if not self._needs_rebuild and self._read_version() is None:
                self._open()    # deleted since we opened it
            try:
                return self._add(docs)
            except Exception:
                log.warning("search index %s failed while writing", self.path, exc_info=True)
                self._ensure_folder()
                self._open()    # found damaged: flagged, and the retry writes a fresh index
                return self._add(docs)

    def _add(self, docs: list[IndexDoc]) -> int:
        ix = self._fresh() if self._ix is None else self._ix
        count = writing.add(ix, docs)
        checksums.record(self.path, ix)
        return count

    def delete(self, document_ids: Iterable[int]) -> None:
        """Remove documents by document_id (unknown ids are ignored)."""
        ids = list(document_ids)
        if not ids:
            return
        self._ensure_folder()
        with self._lock:
            if not self._needs_rebuild and self._read_version() is None:
                self._open()    # deleted since we opened it: nothing left to delete from
            if self._ix is not None:
                writing.delete(self._ix, ids)
                checksums.record(self.path, self._ix)

    # -- reading ----------------------------------------------------------------------

    def _snapshot(self) -> Snapshot | None:
        """This thread's snapshot, renewed when the index changed; None without an index."""
        key = threading.get_ident()
        with self._state:
            ix = self._ix
            held = self._snapshots.get(key)
        if ix is None:
            return None
        if held is not None:
            if held[0] is ix and held[1].searcher.up_to_date():
                return held[1]
            held[1].close()   # this thread's own, so nobody else is reading it
        # A new searcher, not searcher.refresh(): whoosh-reloaded 2.7.5's refresh keeps the
        # old segments next to the new ones (deleted and replaced documents reappear). The
        # column caches are per segment, so unchanged segments cost nothing to reopen.
        snap = Snapshot(ix.searcher(), self._cache)
        with self._state:
            if self._ix is ix:
                self._snapshots[key] = (ix, snap)
        return snap

    def _recover(self, attempt: int) -> None:
        log.warning("search index %s failed while reading", self.path, exc_info=True)
        if attempt == 0:
            self._open()    # a concurrent rebuild may have replaced files under us
        else:
            self._set(None, needs_rebuild=True)

    def document_ids(self) -> set[int]:
        """The document_id of every document the index holds (to compare with the database);
        read from the term index, not the stored fields. Empty when it needs a rebuild."""
        for attempt in range(2):
            try:
                snap = self._snapshot()
                if snap is None:
                    return set()
                return {int(t) for t in snap.live_terms("document_id")}
            except Exception:
                self._recover(attempt)
        return set()

    def count(self) -> int:
        """Documents in the index (0 when it needs a rebuild and nothing was added)."""
        for attempt in range(2):
            try:
                snap = self._snapshot()
                if snap is None:
                    return 0
                return len(snap.docs("kind", "d"))
            except Exception:
                self._recover(attempt)
        return 0

    def search(self, text: str, *, form: str | None = None, result: str | None = None,
               task: str | None = None, date_from: date | None = None,
               date_to: date | None = None, page: int = 1, pagesize: int = 20) -> SearchResult:
        """Documents matching `text` and the filters, grouped by sampling, one page of groups."""
        page, pagesize = max(1, int(page)), max(1, int(pagesize))
        filters = Filters(form=form, result=result, task=task, date_from=date_from,
                          date_to=date_to)
        for attempt in range(2):
            try:
                snap = self._snapshot()
                if snap is None:
                    break
                found = run_search(snap, text or "", filters, page, pagesize)
                found.needs_rebuild = self._needs_rebuild
                return found
            except Exception:
                self._recover(attempt)
        return SearchResult(0, 0, page, pagesize, [], needs_rebuild=True)
