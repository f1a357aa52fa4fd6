"""Archived means searchable: a document is marked indexed only once an index commit holding it
succeeded, what is left unmarked is caught up from the database, and verify compares the
index with the documents."""
from __future__ import annotations

import shutil

import pytest
from sqlalchemy import select, update

from archive.cli import main as archive_cli
from archive.jobs import JobRunner
from archive.models import Document, Sampling
from search import writing
from tests.conftest import DEMO

TASK = "JC2023-01-DX"
UNLUCKY = "JC2023DX0003"  # whose index commit fails
FIRM = "晋城市城区永兴五金电料经销部"  # its firm


@pytest.fixture
def failing_index(monkeypatch):
    """Every index commit holding a document of UNLUCKY fails (until the test stops it)."""
    real = writing.add
    failures = []

    def add(ix, docs):
        if any(d.sample_no == UNLUCKY for d in docs):
            failures.append(len(docs))
            raise OSError(28, "No space left on device")
        return real(ix, docs)

    monkeypatch.setattr(writing, "add", add)
    yield failures
    monkeypatch.setattr(writing, "add", real)


def marks(archive) -> dict[str, set[bool]]:
    with archive.session() as s:
        out: dict[str, set[bool]] = {}
        for no, marked in s.execute(select(Sampling.sample_no, Document.indexed)
                                    .join(Document, Document.sampling_id == Sampling.id)):
            out.setdefault(no, set()).add(marked)
        return out


def found(archive, text: str) -> set[str]:
    return {g.sample_no for g in archive.search(text).groups}


def drift(archive) -> dict[str, int]:
    return {d.kind: d.count for d in archive.verify(actor="a").drift}


@pytest.fixture
def half_indexed(archive, failing_index, monkeypatch):
    """The cable trip generated while UNLUCKY's index commit failed."""
    archive.import_file(DEMO / "trip-jincheng-cable.json", actor="a")
    report = archive.generate(task_code=TASK, actor="a")  # archiving goes on regardless
    assert report.firms == 6 and failing_index
    m = marks(archive)
    assert m.pop(UNLUCKY) == {False} and all(v == {True} for v in m.values())
    assert found(archive, "永兴") == set()
    assert drift(archive) == {"unindexed": 13}
    failing_index.clear()
    monkeypatch.undo()  # the disk has room again
    return archive


def by_generate(archive):
    archive.import_file(DEMO / "trip-qingpu-blank.json", actor="a")
    archive.generate(task_code="QP2024-Q2-JS", blank=True, actor="a")


def by_start_up(archive):
    runner = JobRunner(archive)
    runner.start()  # the catch-up is the first work in the queue
    runner._pool.submit(lambda: None).result(timeout=60)


@pytest.mark.parametrize("catch_up", [by_generate, by_start_up])
def test_documents_whose_index_commit_failed_are_caught_up(half_indexed, catch_up):
    catch_up(half_indexed)
    assert marks(half_indexed)[UNLUCKY] == {True}
    assert found(half_indexed, "永兴") == {UNLUCKY}
    assert found(half_indexed, FIRM) == {UNLUCKY}
    assert drift(half_indexed) == {}


def test_a_resumed_generation_leaves_no_document_unsearchable(archive, monkeypatch):
    """Killed between a firm's commit and its index commit: the resume skips the firm, and
    its documents are indexed all the same."""
    archive.import_file(DEMO / "trip-jincheng-cable.json", actor="a")
    real, calls = archive._index_documents, []

    def killed_on_third(ids):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(ids)

    monkeypatch.setattr(archive, "_index_documents", killed_on_third)
    with pytest.raises(KeyboardInterrupt):
        archive.generate(task_code=TASK, actor="a")
    monkeypatch.setattr(archive, "_index_documents", real)
    report = archive.generate(task_code=TASK, actor="a")
    assert report.skipped == 3
    assert all(v == {True} for v in marks(archive).values())
    assert found(archive, "金鼎") == {"JC2023DX0006"} and found(archive, "JC2023DX0003")


def test_a_result_recorded_while_the_index_fails_is_found_by_it_once_caught_up(
        archive, monkeypatch):
    archive.import_file(DEMO / "trip-jincheng-cable.json", actor="a")
    archive.generate(task_code=TASK, actor="a")

    def full(ix, docs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(writing, "add", full)
    archive.results.import_file(DEMO / "results-jincheng-cable.json", actor="a")
    assert found(archive, "JC2023DX0003") and not archive.search("", result="不合格").groups
    assert drift(archive)["unindexed"] > 0  # the index says nothing of the result yet
    monkeypatch.undo()
    assert archive.catch_up_index() > 0
    failed = {g.sample_no for g in archive.search("", result="不合格").groups}
    assert failed and drift(archive) == {}


def test_verify_reports_documents_the_index_lost_and_entries_it_should_not_hold(
        archive, capsys, monkeypatch):
    archive.import_file(DEMO / "trip-jincheng-cable.json", actor="a")
    archive.generate(task_code=TASK, actor="a")
    with archive.session() as s:
        lost = s.scalars(select(Document).join(Sampling).where(
            Sampling.sample_no == "JC2023DX0002").order_by(Document.id)).all()
    archive.index.delete([d.id for d in lost])
    report = archive.verify(actor="a")
    assert report.ok and report.needs_action and not report.index_in_step
    (d,) = report.drift
    assert d.kind == "not_in_index" and d.count == len(lost)
    assert d.examples == tuple(x.doc_no for x in lost)[:20]
    assert "python -m search reindex" in d.advice

    monkeypatch.setenv("SPOTCHECK_HOME", str(archive.config.home))
    monkeypatch.setenv("SPOTCHECK_DATABASE_URL", archive.config.database_url)
    assert archive_cli(["verify"]) == 1
    out = capsys.readouterr().out
    assert f"{len(lost)} 个文书不在检索索引中" in out and lost[0].doc_no in out
    archive.reindex()
    assert archive_cli(["verify"]) == 0
    assert "检索索引与档案一致" in capsys.readouterr().out


def test_verify_reports_a_deleted_index_that_the_next_search_rebuilds(archive):
    archive.import_file(DEMO / "trip-jincheng-cable.json", actor="a")
    archive.generate(task_code=TASK, actor="a")
    shutil.rmtree(archive.config.index_dir)
    report = archive.verify(actor="a")
    (d,) = report.drift
    assert d.kind == "index_rebuild" and not report.needs_action and "自动" in d.advice
    assert found(archive, "永兴") == {UNLUCKY}
    assert drift(archive) == {}


def test_start_up_puts_back_documents_the_index_lost_whatever_their_mark(archive):
    archive.import_file(DEMO / "trip-jincheng-cable.json", actor="a")
    archive.generate(task_code=TASK, actor="a")
    with archive.session() as s:
        lost = s.scalars(select(Document.id).join(Sampling).where(
            Sampling.sample_no == UNLUCKY)).all()
    archive.index.delete(lost)  # as an index folder restored from an older copy would be
    assert found(archive, "永兴") == set() and drift(archive) == {"not_in_index": len(lost)}
    by_start_up(archive)
    assert found(archive, "永兴") == {UNLUCKY} and drift(archive) == {}


def test_a_catch_up_too_big_to_add_one_by_one_is_a_rebuild(archive, monkeypatch):
    import archive.indexing as indexing

    archive.import_file(DEMO / "trip-jincheng-cable.json", actor="a")
    archive.generate(task_code=TASK, actor="a")
    with archive.session() as s:  # as the upgrade that added the marks leaves them
        s.execute(update(Document).values(indexed=False))
    monkeypatch.setattr(indexing, "REBUILD_OVER", 10)
    rebuilt = []
    real = archive.reindex
    monkeypatch.setattr(archive, "reindex", lambda: rebuilt.append(1) or real())
    assert archive.catch_up_index() > 10 and rebuilt == [1]
    assert drift(archive) == {} and found(archive, "永兴") == {UNLUCKY}
