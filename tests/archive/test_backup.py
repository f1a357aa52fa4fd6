"""Backup while the archive is being written, incremental backups, restore into an empty
instance (verify passes, search answers), and damage caught on the way."""
from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from archive import copies
from archive.backup import BackupError, backup, restore
from archive.config import Config
from archive.instance import InstanceError
from archive.models import Blob, Document
from archive.service import Archive
from tests.conftest import DEMO

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def generated(make_archive):
    """The cable trip imported and archived, with a secret key, settings and a Word override."""
    a = make_archive()
    a.import_file(DEMO / "trip-jincheng-cable.json", actor="测试员")
    a.generate(task_code="JC2023-01-DX", actor="测试员")
    (a.config.home / "secret_key").write_text("k" * 64)
    os.chmod(a.config.home / "secret_key", 0o600)
    (a.config.home / "settings.toml").write_text("objection_days = 20\n", encoding="utf-8")
    (a.config.home / "templates_docx").mkdir()
    (a.config.home / "templates_docx" / "notice.docx").write_bytes(
        (REPO / "templates_docx" / "notice.docx").read_bytes())
    return a


def blobs(a: Archive, state: str = "stored") -> set[str]:
    with a.session() as s:
        return set(s.scalars(select(Blob.sha256).where(Blob.state == state)))


def config_at(home: Path) -> Config:
    return Config(home, f"sqlite:///{home / 'spotcheck.db'}", "测试员")


def restored(tmp_path: Path, source: Path, name: str = "restored"):
    report = restore(config_at(tmp_path / name), source, actor="测试员")
    return report, Archive(config_at(tmp_path / name))


def test_a_backup_taken_while_documents_are_generated_restores_to_an_instance_that_verifies(
        generated, tmp_path):
    stop, rounds, errors = threading.Event(), [], []

    def keep_generating():
        try:
            while not stop.is_set():
                generated.generate(task_code="JC2023-01-DX", actor="后台")
                rounds.append(1)
        except Exception as exc:  # the test fails below, with the reason
            errors.append(exc)

    worker = threading.Thread(target=keep_generating)
    worker.start()
    try:
        while len(rounds) < 1:
            worker.join(0.05)
        during = len(rounds)
        report = backup(generated.config, tmp_path / "bk")
        while len(rounds) < during + 1 and worker.is_alive():  # writing went on after it
            worker.join(0.05)
    finally:
        stop.set()
        worker.join()
    assert not errors and report.ok, (errors, report.problems)
    assert report.copied >= report.files > 0 and report.counts["documents"] >= 71
    manifest = json.loads((tmp_path / "bk" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["database"]["sha256"] == report.database_sha256
    assert manifest["store"]["files"] == report.files
    # the copy is of one moment: every file it records is there, and nothing else was needed
    shutil.rmtree(generated.config.home)
    result, again = restored(tmp_path, tmp_path / "bk")
    assert result.ok and result.verify.ok and result.verify.checked == report.files
    assert again.counts()["documents"] == report.counts["documents"]
    assert again.search("鑫达").total == 1


def test_a_second_backup_into_the_same_folder_copies_only_the_new_files(generated, tmp_path):
    first = backup(generated.config, tmp_path / "bk")
    before = blobs(generated)
    kept = {sha: (tmp_path / "bk" / "store" / sha[:2] / sha[2:4] / sha).stat().st_ino
            for sha in before}
    generated.import_file(DEMO / "trip-qingpu-blank.json", actor="测试员")
    generated.generate(task_code="QP2024-Q2-JS", blank=True, actor="测试员")
    new = blobs(generated) - before
    second = backup(generated.config, tmp_path / "bk")
    assert first.copied == len(before) and len(new) > 10
    assert second.copied == len(new) and second.reused == len(before) and second.ok
    assert second.copied_bytes < first.copied_bytes + second.copied_bytes
    for sha, inode in kept.items():  # the old files were left as they were
        assert (tmp_path / "bk" / "store" / sha[:2] / sha[2:4] / sha).stat().st_ino == inode
    assert "本次复制" in second.line() and f"沿用上次备份 {len(before)} 个" in second.line()


def test_restore_brings_back_the_database_files_and_instance_files(generated, tmp_path):
    backup(generated.config, tmp_path / "bk")
    with generated.session() as s:
        docs = s.scalar(select(func.count(Document.id)))
    shutil.rmtree(generated.config.home)
    report, again = restored(tmp_path, tmp_path / "bk", name="inst")
    home = tmp_path / "inst"
    assert report.ok and report.instance_files == 3 and report.indexed > 0
    assert (home / "secret_key").read_text() == "k" * 64
    assert oct((home / "secret_key").stat().st_mode & 0o777) == "0o600"
    assert again.settings.objection_days == 20
    assert (home / "templates_docx" / "notice.docx").read_bytes() == \
        (REPO / "templates_docx" / "notice.docx").read_bytes()
    assert again.counts()["documents"] == docs
    assert again.verify(actor="测试员").ok
    assert "完整性检查通过" in report.line()


def test_restore_refuses_an_instance_that_is_not_empty(generated, tmp_path):
    backup(generated.config, tmp_path / "bk")
    with pytest.raises(BackupError, match="不是空的；恢复不会覆盖已有的数据"):
        restore(generated.config, tmp_path / "bk", actor="测试员")
    assert generated.verify(actor="测试员").ok
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    with pytest.raises(BackupError, match="不是空的"):
        restore(config_at(other), tmp_path / "bk", actor="测试员")
    assert sorted(p.name for p in other.iterdir()) == ["notes.txt"]


def tamper(bk: Path, sha: str, data: bytes) -> None:
    path = bk / "store" / sha[:2] / sha[2:4] / sha
    os.chmod(path, 0o644)
    path.write_bytes(data)


def test_a_file_altered_in_the_backup_is_caught_by_restore_and_not_restored(generated, tmp_path):
    backup(generated.config, tmp_path / "bk")
    with generated.session() as s:
        doc = s.scalars(select(Document).where(Document.format == "pdf")).first()
    size = (generated.store.path(doc.sha256)).stat().st_size
    tamper(tmp_path / "bk", doc.sha256, b"X" * size)  # same size: only a hash tells
    shutil.rmtree(generated.config.home)
    report, again = restored(tmp_path, tmp_path / "bk")
    assert not report.ok and [p.sha256 for p in report.problems] == [doc.sha256]
    assert "1 个文件内容与哈希不符" in report.line()
    assert not again.store.exists(doc.sha256)  # the altered bytes never enter the archive
    missing = report.verify.of("missing")
    assert [f.sha256 for f in missing] == [doc.sha256] and doc.doc_no in missing[0].used_by


def test_a_file_of_the_wrong_size_in_the_backup_is_copied_again_by_the_next_backup(
        generated, tmp_path):
    backup(generated.config, tmp_path / "bk")
    sha = sorted(blobs(generated))[0]
    tamper(tmp_path / "bk", sha, b"short")
    report = backup(generated.config, tmp_path / "bk")
    assert report.ok and report.replaced == 1 and report.copied == 1
    assert (tmp_path / "bk" / "store" / sha[:2] / sha[2:4] / sha).read_bytes() == \
        generated.store.read(sha)


def test_rehash_finds_a_same_size_change_in_the_backup(generated, tmp_path):
    backup(generated.config, tmp_path / "bk")
    sha = sorted(blobs(generated))[0]
    tamper(tmp_path / "bk", sha, b"\0" * generated.store.path(sha).stat().st_size)
    assert backup(generated.config, tmp_path / "bk").replaced == 0  # sizes only, by default
    report = backup(generated.config, tmp_path / "bk", rehash=True)
    assert report.replaced == 1 and report.ok


def test_a_file_missing_from_the_instance_is_reported_and_the_exit_says_so(generated, tmp_path):
    sha = sorted(blobs(generated))[0]
    path = generated.store.path(sha)
    os.chmod(path, 0o644)
    path.unlink()
    report = backup(generated.config, tmp_path / "bk")
    assert not report.ok and [(p.kind, p.sha256) for p in report.problems] == [("missing", sha)]
    assert "1 个文件缺失" in report.line()


def test_a_backup_interrupted_by_a_full_disk_leaves_the_last_backup_whole(
        generated, tmp_path, monkeypatch):
    backup(generated.config, tmp_path / "bk")
    manifest = (tmp_path / "bk" / "manifest.json").read_bytes()
    database = (tmp_path / "bk" / "spotcheck.db").read_bytes()
    generated.import_file(DEMO / "trip-qingpu-blank.json", actor="测试员")
    generated.generate(task_code="QP2024-Q2-JS", blank=True, actor="测试员")
    real, calls = copies.stream, []

    def fills_up(fin, fd):
        calls.append(1)
        if len(calls) > 3:
            os.close(fd)
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(fin, fd)

    monkeypatch.setattr(copies, "stream", fills_up)
    with pytest.raises(OSError):
        backup(generated.config, tmp_path / "bk")
    monkeypatch.undo()
    assert (tmp_path / "bk" / "manifest.json").read_bytes() == manifest
    assert (tmp_path / "bk" / "spotcheck.db").read_bytes() == database
    leftovers = [p for p in (tmp_path / "bk").rglob(".*") if p.is_file()]
    assert leftovers == []  # no temporary file left behind
    shutil.rmtree(generated.config.home)
    report, _ = restored(tmp_path, tmp_path / "bk")
    assert report.ok  # the earlier backup, as it was


@pytest.mark.parametrize("where, message", [
    ("inside", "在数据目录 .* 之内"),
    ("the instance", "在数据目录 .* 之内"),
    ("a full folder", "不是空的，也不是以前的备份"),
])
def test_backup_refuses_a_folder_it_must_not_write_into(generated, tmp_path, where, message):
    out = {"inside": generated.config.home / "backup", "the instance": generated.config.home,
           "a full folder": tmp_path / "docs"}[where]
    if where == "a full folder":
        out.mkdir()
        (out / "report.docx").write_bytes(b"mine")
    with pytest.raises(BackupError, match=message):
        backup(generated.config, out)
    assert not (generated.config.home / "backup").exists()


def test_backup_refuses_a_database_that_is_not_sqlite(generated, tmp_path):
    config = Config(generated.config.home, "postgresql+psycopg://u:pw@localhost/spotcheck", "x")
    with pytest.raises(BackupError, match="不是 SQLite 文件.*pg_dump") as caught:
        backup(config, tmp_path / "bk")
    assert "pw" not in str(caught.value)
    with pytest.raises(BackupError, match="pg_dump"):
        restore(config, tmp_path / "bk", actor="x")


def test_an_emptied_database_is_never_backed_up_over_a_good_backup(generated, tmp_path):
    backup(generated.config, tmp_path / "bk")
    manifest = (tmp_path / "bk" / "manifest.json").read_bytes()
    from archive.db import forget

    forget(generated.config.database_url)
    (generated.config.home / "spotcheck.db").write_bytes(b"")
    for suffix in ("-wal", "-shm"):
        Path(f"{generated.config.home / 'spotcheck.db'}{suffix}").unlink(missing_ok=True)
    with pytest.raises(InstanceError, match="数据库为空"):
        backup(generated.config, tmp_path / "bk")
    assert (tmp_path / "bk" / "manifest.json").read_bytes() == manifest


@pytest.mark.parametrize("damage, message", [
    (lambda bk: (bk / "manifest.json").unlink(), "没有备份清单 manifest.json"),
    (lambda bk: (bk / "manifest.json").write_text("{}"), "不是本程序的备份清单"),
    (lambda bk: (bk / "spotcheck.db").write_bytes(b"x"), "数据库与备份清单不符"),
])
def test_restore_refuses_a_backup_that_is_not_whole(generated, tmp_path, damage, message):
    backup(generated.config, tmp_path / "bk")
    damage(tmp_path / "bk")
    with pytest.raises(BackupError, match=message):
        restore(config_at(tmp_path / "new"), tmp_path / "bk", actor="x")
    assert not (tmp_path / "new").exists()
    assert [p for p in tmp_path.iterdir() if p.name.startswith(".new")] == []


def cli(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "SPOTCHECK_HOME": str(home), "SPOTCHECK_ACTOR": "测试员"}
    env.pop("SPOTCHECK_DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=300)


def test_backup_delete_restore_verify_and_search_on_the_command_line(generated, tmp_path):
    home, bk = generated.config.home, tmp_path / "bk"
    done = cli(home, "archive", "backup", "--out", str(bk))
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert done.stdout.count("\n") == 1 and done.stdout.startswith(f"已备份到 {bk}：") and "校验通过" in done.stdout
    shutil.rmtree(home)
    done = cli(home, "archive", "restore", str(bk))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "完整性检查通过" in done.stdout and "未发现缺失、被改动或无记录的文件" in done.stdout
    assert cli(home, "archive", "verify").returncode == 0
    found = cli(home, "search", "query", "鑫达", "--json")
    assert found.returncode == 0 and json.loads(found.stdout)["total"] == 1
    again = cli(home, "archive", "restore", str(bk))
    assert again.returncode == 2 and again.stderr.count("\n") == 1 and "不是空的" in again.stderr


def test_backup_into_a_folder_that_cannot_be_written_is_one_line(generated, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    done = cli(generated.config.home, "archive", "backup", "--out", str(blocker / "bk"))
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert done.stderr.startswith("错误：路径中的某一级不是文件夹")


def test_restore_puts_a_database_kept_outside_the_instance_where_its_url_says(generated, tmp_path):
    backup(generated.config, tmp_path / "bk")
    config = Config(tmp_path / "inst2", f"sqlite:///{tmp_path / 'dbs' / 'records.db'}", "测试员")
    report = restore(config, tmp_path / "bk", actor="测试员")
    assert report.ok and (tmp_path / "dbs" / "records.db").is_file()
    assert not (tmp_path / "inst2" / "spotcheck.db").exists()
    with pytest.raises(BackupError, match="records.db 已存在"):
        restore(Config(tmp_path / "inst3", config.database_url, "x"), tmp_path / "bk", actor="x")
