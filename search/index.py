"""The search index service: rebuild, add, delete and grouped search over a Whoosh folder."""
from __future__ import annotations

import logging
import os
import threading
from datetime import date
from pathlib import Path
from typing import Iterable

from whoosh import index as windex
from whoosh.writing import CLEAR

from search.locking import WriteLock
from search.query import BandWeighting, filter_query, text_query
from search.results import Group, Hit, SearchResult, Snippets
from search.schema import SCHEMA_VERSION, IndexDoc, build_schema, to_fields

log = logging.getLogger(__name__)

VERSION_FILE = "schema_version"
LOCK_FILE = "write.lock"
# Large enough that a 100,000-document rebuild sorts its postings in memory, not on disk.
LIMIT_MB = 256


class SearchIndex:
    """A Whoosh index in `path`, derived from the archive and rebuilt whenever in doubt.

    A missing, outdated (schema version) or unreadable index never raises: the instance
    starts empty and `needs_rebuild` is True until `rebuild()` succeeds.
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        self._lock = WriteLock(self.path / LOCK_FILE)
        self._state = threading.Lock()
        self._searchers: dict[int, tuple[object, object]] = {}   # thread id → (index, searcher)
        self._ix = None
        self._needs_rebuild = False
        self._version_seen = None
        self._open()

    # -- state ------------------------------------------------------------------------

    @property
    def needs_rebuild(self) -> bool:
        if self._needs_rebuild and self._version_stamp() != self._version_seen:
            # Another process (the reindex command) may have rebuilt it since.
            self._open()
        return self._needs_rebuild

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
        """Open and check the index; on any problem, start empty and ask for a rebuild."""
        self._version_seen = self._version_stamp()
        ix, problem = None, None
        version = self._read_version()
        if version != SCHEMA_VERSION:
            problem = f"schema version {version}, expected {SCHEMA_VERSION}"
        else:
            try:
                ix = windex.open_dir(str(self.path))
                self._check(ix)
            except Exception as exc:   # any damage at all means rebuild, never a crash
                ix, problem = None, f"unreadable index: {exc!r}"
        if problem:
            log.warning("search index %s needs a rebuild: %s", self.path, problem)
        with self._state:
            self._ix = ix
            self._needs_rebuild = ix is None
            self._drop_searchers()

    @staticmethod
    def _check(ix) -> None:
        # Touch what a query touches (TOC, every segment's term index, stored fields and
        # the sample_no column) so damage shows here and not in the middle of a search.
        with ix.searcher() as s:
            reader = s.reader()
            for _ in reader.iter_field("form"):
                pass
            if reader.doc_count_all():
                s.stored_fields(reader.doc_count_all() - 1)
                reader.column_reader("sample_no")[0]

    def _drop_searchers(self) -> None:
        for _, s in self._searchers.values():
            try:
                s.close()
            except Exception:
                pass
        self._searchers.clear()

    def close(self) -> None:
        with self._state:
            self._drop_searchers()

    def __enter__(self) -> "SearchIndex":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- writing ----------------------------------------------------------------------

    def _fresh_index(self):
        """Wipe the folder's index and start an empty one (caller holds the write lock)."""
        try:
            os.unlink(self.path / VERSION_FILE)   # until rebuilt, a reopen must not trust it
        except FileNotFoundError:
            pass
        for name in os.listdir(self.path):
            if name.startswith("_MAIN_") or name.endswith(".tmp") or name == "MAIN_WRITELOCK":
                # create_in only clears files it recognises; garbage could survive otherwise.
                p = self.path / name
                if p.is_dir():
                    continue
                p.unlink(missing_ok=True)
        ix = windex.create_in(str(self.path), build_schema())
        with self._state:
            self._ix = ix
            self._needs_rebuild = True
            self._drop_searchers()
        return ix

    def rebuild(self, docs: Iterable[IndexDoc]) -> int:
        """Replace the whole index with `docs`; returns how many were indexed."""
        with self._lock:
            ix = self._ix if not self._needs_rebuild else None
            if ix is None:
                ix = self._fresh_index()
            writer = ix.writer(limitmb=LIMIT_MB)
            count = 0
            try:
                for doc in docs:
                    writer.add_document(**to_fields(doc))
                    count += 1
            except BaseException:
                writer.cancel()
                raise
            # CLEAR swaps every old segment for the new one in a single TOC generation,
            # so readers see either the old index or the new one, never a half-built one.
            writer.commit(mergetype=CLEAR)
            self._write_version()
            with self._state:
                self._ix = ix
                self._needs_rebuild = False
                self._version_seen = self._version_stamp()
        return count

    def _writable(self):
        # An index needing a rebuild still takes writes (into a fresh one), but stays flagged.
        return self._ix if self._ix is not None else self._fresh_index()

    def add(self, docs: Iterable[IndexDoc]) -> int:
        """Add documents, replacing any already indexed with the same document_id."""
        with self._lock:
            writer = self._writable().writer(limitmb=LIMIT_MB)
            count = 0
            try:
                for doc in docs:
                    writer.update_document(**to_fields(doc))
                    count += 1
            except BaseException:
                writer.cancel()
                raise
            if count:
                writer.commit()
            else:
                writer.cancel()
        return count

    def delete(self, document_ids: Iterable[int]) -> None:
        """Remove documents by document_id (unknown ids are ignored)."""
        with self._lock:
            writer = self._writable().writer()
            try:
                for document_id in document_ids:
                    writer.delete_by_term("document_id", str(document_id))
            except BaseException:
                writer.cancel()
                raise
            writer.commit()

    # -- reading ----------------------------------------------------------------------

    def _searcher(self):
        """This thread's searcher, refreshed if the index changed; None when there is no index."""
        key = threading.get_ident()
        with self._state:
            ix = self._ix
            if ix is None:
                return None
            held = self._searchers.get(key)
        if held is not None and held[0] is ix:
            s = held[1]
            if not s.up_to_date():
                s = s.refresh()
        else:
            s = ix.searcher(weighting=BandWeighting())
        with self._state:
            if self._ix is ix:
                self._searchers[key] = (ix, s)
        return s

    def count(self) -> int:
        """Documents in the index (0 when it needs a rebuild and nothing was added)."""
        for attempt in range(2):
            s = self._searcher()
            if s is None:
                return 0
            try:
                return s.doc_count()
            except Exception:
                self._recover(attempt)
        return 0

    def _recover(self, attempt: int) -> None:
        log.warning("search index %s failed while reading", self.path, exc_info=True)
        if attempt == 0:
            self._open()    # a concurrent rebuild may have removed files under us
        else:
            with self._state:
                self._ix, self._needs_rebuild = None, True
                self._drop_searchers()

    def search(self, text: str, *, form: str | None = None, result: str | None = None,
               task: str | None = None, date_from: date | None = None,
               date_to: date | None = None, page: int = 1, pagesize: int = 20) -> SearchResult:
        """Documents matching `text` and the filters, grouped by sampling, one page of groups."""
        page, pagesize = max(1, int(page)), max(1, int(pagesize))
        q = text_query(text or "")
        f = filter_query(form=form, result=result, task=task, date_from=date_from,
                         date_to=date_to)
        for attempt in range(2):
            s = self._searcher()
            if s is None:
                break
            try:
                return self._run(s, q, f, text or "", page, pagesize)
            except Exception:
                self._recover(attempt)
        return SearchResult(0, 0, page, pagesize, [], needs_rebuild=True)

    def _run(self, s, q, f, text, page, pagesize) -> SearchResult:
        top = s.search(q, filter=f, limit=None).top_n     # (score, docnum), best first
        samples = s.reader().column_reader("sample_no")
        grouped: dict[str, list[tuple[float, int]]] = {}
        for score, docnum in top:
            key = samples[docnum]
            hits = grouped.get(key)
            if hits is None:
                grouped[key] = [(score, docnum)]   # first seen = best hit: groups stay ranked
            else:
                hits.append((score, docnum))
        keys = list(grouped)[(page - 1) * pagesize: page * pagesize]
        snippet = Snippets(text)
        groups = []
        for key in keys:
            hits = [_hit(s.stored_fields(docnum), score, snippet) for score, docnum in grouped[key]]
            groups.append(Group(hits[0].sample_no, hits[0].firm, hits[0].credit_code, hits))
        return SearchResult(len(grouped), len(top), page, pagesize, groups,
                            needs_rebuild=self._needs_rebuild)


def _hit(stored: dict, score: float, snippet: Snippets) -> Hit:
    day = stored.get("day")
    iso = f"{day // 10000:04d}-{day // 100 % 100:02d}-{day % 100:02d}" if day else ""
    return Hit(
        document_id=int(stored["document_id"]), sample_no=stored.get("sample_no", ""),
        form=stored.get("form", ""), title=stored.get("title", ""), firm=stored.get("firm", ""),
        credit_code=stored.get("credit_code", ""), snippet=snippet(stored), score=round(score, 4),
        manufacturer=stored.get("manufacturer", ""), product=stored.get("product", ""),
        batch=stored.get("batch", ""), doc_no=stored.get("doc_no", ""),
        notice_no=stored.get("notice_no", ""), report_no=stored.get("report_no", ""),
        ems_no=stored.get("ems_no", ""), task=stored.get("task", ""),
        result=stored.get("result", ""), date=iso, version=stored.get("version", 1),
    )
