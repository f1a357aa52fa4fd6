"""Pending file records left by interrupted writes: those a record uses are stored after all,
those no record uses are removed once old enough, the rest left alone; verify says which."""
from __future__ import annotations

import io
import shutil
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select, text, update


from archive.cli import main as archive_cli
from archive.config import Config
from archive.models import Blob, Document, Mailing, Photo, Sampling
from archive.service import Archive
from archive.store import sha256_of
from docgen.ems import s10_check_digit
from tests.conftest import DEMO


@pytest.fixture(scope="module")
def built(tmp_path_factory, renderer) -> Path:
    """Every kind of record that uses a file: documents, photos, a lab report, a tracking scan."""
    home = tmp_path_factory.mktemp("blobs") / "inst"
    archive = Archive(Config(home, f"sqlite:///{home / 'spotcheck.db'}", "a"), renderer=renderer)
    archive.import_file(DEMO / "trip-jincheng-cable.json", actor="a")
    archive.generate(sample_no="JC2023DX0001", actor="a")
    archive.results.import_file(DEMO / "results-jincheng-cable.json", actor="a")
    ems = f"EA12345678{s10_check_digit('12345678')}CN"
    archive.mailings.record_ems("JC2023DX0001", ems, posted_on=date(2023, 4, 21), actor="a")
    scan = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(scan, "PNG")
    archive.mailings.record_signed("JC2023DX0001", date(2023, 4, 24), signed_by="张三",
                                   actor="a", tracking=scan.getvalue(), tracking_name="ems.png")
    with archive.session() as s:
        s.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))  # the whole database in one file
    return home


@pytest.fixture
def full(built, tmp_path, renderer):
    """A copy of the built instance, for a test to change."""
    home = tmp_path / "inst"
    shutil.copytree(built, home)
    return Archive(Config(home, f"sqlite:///{home / 'spotcheck.db'}", "a"), renderer=renderer)


USERS = {
    "document": lambda s: s.scalar(select(Document.sha256).limit(1)),
    "photo original": lambda s: s.scalar(select(Photo.original_sha256).limit(1)),
    "photo print copy": lambda s: s.scalar(select(Photo.print_sha256).limit(1)),
    "lab report": lambda s: s.scalar(select(Sampling.lab_report_sha256)
                                     .where(Sampling.lab_report_sha256.is_not(None)).limit(1)),
    "tracking scan": lambda s: s.scalar(select(Mailing.tracking_sha256)
                                        .where(Mailing.tracking_sha256.is_not(None))),
}


def age(archive, sha: str, minutes: int) -> None:
    """Make a blob row look `minutes` old (on the database's clock, which stamps it)."""
    with archive.session() as s:
        s.execute(update(Blob).where(Blob.sha256 == sha)
                  .values(created_at=datetime.now() - timedelta(minutes=minutes)))


def interrupted_write(archive, data: bytes, *, minutes: int, file: bool = True) -> str:
    """What a crash between recording a hash and adding its rows leaves behind."""
    sha = sha256_of(data)
    with archive.session() as s:
        s.add(Blob(sha256=sha, size=len(data), state="pending"))
    if file:
        archive.store.put(data, sha)
    age(archive, sha, minutes)
    return sha


def state(archive, sha: str) -> str | None:
    with archive.session() as s:
        row = s.get(Blob, sha)
        return row.state if row else None


@pytest.mark.parametrize("kind", list(USERS))
def test_a_pending_file_that_a_record_uses_is_stored_and_kept(full, kind):
    with full.session() as s:
        sha = USERS[kind](s)
        s.execute(update(Blob).where(Blob.sha256 == sha).values(state="pending"))
    age(full, sha, 24 * 60)
    drift = {d.kind: d for d in full.verify(actor="a").drift}
    assert drift["pending_used"].count == 1 and "自动更正" in drift["pending_used"].advice
    settled = full.settle_pending_blobs()
    assert (settled.stored, settled.removed) == (1, 0)
    assert state(full, sha) == "stored" and full.store.exists(sha)
    report = full.verify(actor="a")
    assert report.ok and report.pending == 0


def test_an_unused_old_pending_file_is_removed_and_a_young_one_left(full):
    old = interrupted_write(full, b"half-archived 1", minutes=61)
    no_file = interrupted_write(full, b"half-archived 2", minutes=61, file=False)
    young = interrupted_write(full, b"being written", minutes=5)
    report = full.verify(actor="a")
    drift = {d.kind: d for d in report.drift}
    assert report.ok and not report.needs_action
    assert drift["pending_stale"].count == 2
    assert drift["pending_stale"].advice == "2 个中断写入留下的文件未被任何记录使用：将在下次导入、生成文书或服务启动时自动清理，无需处理"
    assert drift["pending_fresh"].count == 1 and "重新运行" not in drift["pending_fresh"].advice
    settled = full.settle_pending_blobs()
    assert (settled.stored, settled.removed) == (0, 2)
    assert state(full, old) is None and not full.store.exists(old)
    assert state(full, no_file) is None
    assert state(full, young) == "pending" and full.store.exists(young)
    assert [d.kind for d in full.verify(actor="a").drift] == ["pending_fresh"]


def test_import_and_generate_settle_what_an_interrupted_run_left(full):
    old = interrupted_write(full, b"left by a crash", minutes=120)
    full.import_file(DEMO / "trip-qingpu-blank.json", actor="a")
    assert state(full, old) is None and not full.store.exists(old)
    again = interrupted_write(full, b"left by another crash", minutes=120)
    full.generate(task_code="QP2024-Q2-JS", blank=True, actor="a")
    assert state(full, again) is None and not full.store.exists(again)
    assert full.verify(actor="a").pending == 0


def test_an_old_pending_hash_written_again_is_young_again_and_not_removed(full):
    data = b"the same bytes, staged again"
    sha = interrupted_write(full, data, minutes=120)
    full._stage_blobs({sha: data})  # a writer between its two steps
    assert full.settle_pending_blobs().removed == 0
    assert state(full, sha) == "pending" and full.store.exists(sha)


def test_the_verify_command_gives_advice_that_is_right(full, monkeypatch, capsys):
    interrupted_write(full, b"half-archived", minutes=61)
    monkeypatch.setenv("SPOTCHECK_HOME", str(full.config.home))
    monkeypatch.setenv("SPOTCHECK_DATABASE_URL", full.config.database_url)
    assert archive_cli(["verify"]) == 0  # nothing lost, nothing to do
    out = capsys.readouterr().out
    assert "1 个中断写入留下的文件未被任何记录使用" in out and "自动清理" in out
    assert "generate" not in out
