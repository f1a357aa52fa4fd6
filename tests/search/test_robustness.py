"""A stale, missing or damaged index never raises; writers queue; readers are never blocked."""
from __future__ import annotations

import os
import threading
import time

import pytest

from search import SearchIndex, locking, schema
from tests.search.conftest import doc, samples, sampling


def built(path, n=30) -> SearchIndex:
    ix = SearchIndex(path)
    ix.rebuild([doc(i, f"S{i // 3}", f"晋城{i}号公司", batch=f"B{i}") for i in range(1, n + 1)])
    return ix


def index_files(path, suffix):
    return [p for p in path.iterdir() if p.name.endswith(suffix)]


def test_an_index_of_another_schema_version_asks_for_a_rebuild(tmp_path, monkeypatch):
    built(tmp_path).close()
    monkeypatch.setattr("search.index.SCHEMA_VERSION", schema.SCHEMA_VERSION + 1)
    ix = SearchIndex(tmp_path)
    assert ix.needs_rebuild
    assert ix.search("晋城").total == 0
    ix.rebuild([doc(1, "S1", "阳城公司")])
    assert not ix.needs_rebuild
    assert (tmp_path / "schema_version").read_text().strip() == str(schema.SCHEMA_VERSION + 1)


def test_a_missing_version_file_asks_for_a_rebuild(tmp_path):
    built(tmp_path).close()
    (tmp_path / "schema_version").unlink()
    assert SearchIndex(tmp_path).needs_rebuild


@pytest.mark.parametrize("damage", ["garbage toc", "truncated toc", "truncated segment",
                                    "garbage in segment", "deleted segment", "all garbage"])
def test_a_damaged_index_starts_empty_and_rebuilds(tmp_path, damage):
    built(tmp_path).close()
    for p in tmp_path.iterdir():
        data = p.read_bytes() if p.is_file() else b""
        if damage == "garbage toc" and p.suffix == ".toc":
            p.write_bytes(b"\x00garbage" * 50)
        elif damage == "truncated toc" and p.suffix == ".toc":
            p.write_bytes(data[:40])
        elif damage == "truncated segment" and p.suffix == ".seg":
            p.write_bytes(data[:len(data) // 2])
        elif damage == "garbage in segment" and p.suffix == ".seg":
            cut = len(data) // 3
            p.write_bytes(data[:cut] + os.urandom(2000) + data[cut + 2000:])
        elif damage == "deleted segment" and p.suffix == ".seg":
            p.unlink()
        elif damage == "all garbage" and "MAIN" in p.name and p.name != "MAIN_WRITELOCK":
            p.write_bytes(os.urandom(300))
    ix = SearchIndex(tmp_path)
    assert ix.needs_rebuild
    assert ix.search("晋城").total == 0 and ix.search("B1").total == 0
    assert ix.count() == 0
    ix.rebuild([doc(1, "S1", "阳城公司")])
    assert not ix.needs_rebuild and ix.count() == 1
    assert not SearchIndex(tmp_path).needs_rebuild


def test_damage_found_only_while_searching_is_not_fatal(tmp_path, monkeypatch):
    ix = built(tmp_path)

    def broken(*args, **kwargs):
        raise OSError("read error")

    monkeypatch.setattr("search.snapshot.Snapshot.docs", broken)
    found = ix.search("晋城")
    assert found.total == 0 and found.needs_rebuild
    assert ix.needs_rebuild


def test_adding_to_an_index_that_needs_a_rebuild_works_but_keeps_the_flag(tmp_path):
    ix = SearchIndex(tmp_path)
    ix.add([doc(1, "S1", "晋城甲公司")])
    assert ix.search("晋城").total == 1
    assert ix.needs_rebuild
    assert SearchIndex(tmp_path).needs_rebuild


def test_another_process_rebuilding_clears_the_flag(tmp_path):
    waiting = SearchIndex(tmp_path)
    assert waiting.needs_rebuild
    built(tmp_path).close()
    assert not waiting.needs_rebuild
    assert waiting.search("晋城").total > 0


def test_two_writers_at_once_are_serialised_and_both_succeed(tmp_path):
    ix = SearchIndex(tmp_path)
    ix.rebuild([])
    other = SearchIndex(tmp_path)   # a second process's handle on the same folder
    errors = []

    def write(target, base):
        try:
            for n in range(5):
                first = base + 10 * n
                target.add(sampling(first, f"W{first}", f"晋城{first}号公司"))
        except Exception as exc:   # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(ix, 1000)),
               threading.Thread(target=write, args=(other, 2000))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert ix.count() == 20
    assert ix.search("晋城", pagesize=100).total == 10


def test_a_search_during_a_long_write_is_answered_at_once(tmp_path):
    ix = built(tmp_path)
    started, release = threading.Event(), threading.Event()

    def slow_docs():
        yield doc(500, "S500", "阳城公司")
        started.set()
        release.wait(10)   # the writer holds the lock until the test lets it go
        yield doc(501, "S501", "阳城公司")

    writer = threading.Thread(target=ix.add, args=(slow_docs(),))
    reader = SearchIndex(tmp_path)
    writer.start()
    try:
        assert started.wait(10)
        t = time.perf_counter()
        found = reader.search("晋城", pagesize=100)
        assert time.perf_counter() - t < 2
        assert found.total == 11
    finally:
        release.set()
        writer.join()
    assert samples(reader.search("阳城")) == {"S500", "S501"}


def test_a_rebuild_never_shows_readers_a_half_built_index(tmp_path):
    ix = built(tmp_path)
    reader = SearchIndex(tmp_path)
    started, release = threading.Event(), threading.Event()

    def new_docs():
        yield doc(1, "N1", "阳城公司")
        started.set()
        release.wait(10)

    worker = threading.Thread(target=ix.rebuild, args=(new_docs(),))
    worker.start()
    try:
        assert started.wait(10)
        assert reader.search("晋城", pagesize=100).total == 11   # still the old index
    finally:
        release.set()
        worker.join()
    assert reader.search("晋城").total == 0
    assert samples(reader.search("阳城")) == {"N1"}


def test_the_lock_file_fallback_serialises_writers(tmp_path, monkeypatch):
    monkeypatch.setattr(locking, "fcntl", None)
    lock_a = locking.WriteLock(tmp_path / "lock", timeout=5, delay=0.01)
    lock_b = locking.WriteLock(tmp_path / "lock", timeout=0.2, delay=0.01)
    with lock_a:
        assert (tmp_path / "lock").exists()
        with pytest.raises(locking.LockTimeout):
            with lock_b:
                pass
    assert not (tmp_path / "lock").exists()
    with lock_b:
        pass


def test_a_held_file_lock_times_out_another_writer(tmp_path):
    lock_a = locking.WriteLock(tmp_path / "lock")
    lock_b = locking.WriteLock(tmp_path / "lock", timeout=0.2, delay=0.01)
    with lock_a:
        with pytest.raises(locking.LockTimeout):
            with lock_b:
                pass
    with lock_b:
        pass


def test_opening_while_another_writer_commits_never_reports_damage(tmp_path):
    built(tmp_path).close()
    done = threading.Event()
    flagged = []

    def writer():
        ix = SearchIndex(tmp_path)
        for n in range(15):
            ix.add(sampling(1000 + 10 * n, f"W{n}", f"阳城{n}号公司"))
            if n % 5 == 4:
                ix.delete([1000 + 10 * (n - 2)])
        done.set()

    t = threading.Thread(target=writer)
    t.start()
    while not done.is_set():
        ix = SearchIndex(tmp_path)
        flagged.append(ix.needs_rebuild)
        ix.search("阳城")
        ix.close()
    t.join()
    assert flagged and not any(flagged)
    assert SearchIndex(tmp_path).search("阳城", pagesize=100).total == 15
