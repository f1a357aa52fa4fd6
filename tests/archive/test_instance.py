"""An emptied, missing, corrupt, foreign or newer database is never taken for a new instance:
every entry point refuses it with one line, and nothing is written to it."""
from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from archive.config import Config
from archive.db import alembic_config
from archive.instance import InstanceError, check_instance
from archive.service import Archive
from tests.conftest import DEMO

HEAD = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()  # newest migration

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def used(make_archive):
    """An instance in use: the cable trip imported (records and photo files)."""
    a = make_archive()
    a.import_file(DEMO / "trip-jincheng-cable.json", actor="测试员")
    return a


def db_file(a: Archive) -> Path:
    return a.config.home / "spotcheck.db"


def store_files(a: Archive) -> int:
    return sum(1 for _ in a.store.iter_stored())


def fresh(a: Archive, url: str | None = None) -> Archive:
    """Another Archive on the same folder, as the next command would open it."""
    return Archive(Config(a.config.home, url or a.config.database_url, "测试员"))


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def empty_the_database(a: Archive) -> None:
    db_file(a).write_bytes(b"")
    for suffix in ("-wal", "-shm"):
        Path(f"{db_file(a)}{suffix}").unlink(missing_ok=True)


def test_a_zero_length_database_beside_a_full_store_is_refused_and_stays_empty(used):
    n = store_files(used)
    empty_the_database(used)
    with pytest.raises(InstanceError) as caught:
        with fresh(used).session():
            pass
    assert caught.value.kind == "empty" and caught.value.files == n
    assert str(caught.value).startswith(f"数据库为空，但档案库中有 {n} 个文件；请从备份恢复")
    assert "python -m archive restore" in str(caught.value)
    assert db_file(used).stat().st_size == 0  # no migration created tables in it


def test_a_missing_database_beside_a_full_store_is_refused_and_not_created(used):
    db_file(used).unlink()
    with pytest.raises(InstanceError, match="数据库文件 .*spotcheck.db 不存在，但档案库中有 8 个文件"):
        fresh(used).import_file(DEMO / "trip-qingpu-blank.json", actor="测试员")
    assert not db_file(used).exists()


@pytest.mark.parametrize("damage, reason", [
    (lambda p: p.write_bytes(os.urandom(8192)), "文件开头不是 SQLite 数据库的标记"),
    (lambda p: p.write_bytes(p.read_bytes()[:30000]), "文件被截断"),
    (lambda p: p.write_bytes(b"SQLite format 3\x00" + b"\x00" * 20), "比数据库文件头还短"),
    (lambda p: p.write_bytes(p.read_bytes()[:100] + b"\xa5" * (len(p.read_bytes()) - 100)),
     "内部结构已损坏"),
])
def test_a_corrupt_database_is_refused_with_one_line_and_left_as_it_is(used, damage, reason):
    with used.session() as s:  # checkpoint, so the file alone holds the database
        s.connection().exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    from archive.db import forget

    forget(used.config.database_url)
    for suffix in ("-wal", "-shm"):
        Path(f"{db_file(used)}{suffix}").unlink(missing_ok=True)
    damage(db_file(used))
    before = sha(db_file(used))
    with pytest.raises(InstanceError) as caught:
        fresh(used).counts()
    message = str(caught.value)
    assert caught.value.kind == "corrupt" and reason in message and "\n" not in message
    assert message.startswith(f"数据库文件 {db_file(used)} 已损坏：") and message.endswith("restore 备份目录）")
    assert sha(db_file(used)) == before


def test_a_database_with_tables_but_no_version_record_is_refused(used):
    with sqlite3.connect(db_file(used)) as conn:
        conn.execute("DROP TABLE alembic_version")
    with pytest.raises(InstanceError, match="没有本程序的版本记录") as caught:
        fresh(used).counts()
    assert caught.value.kind == "foreign"


def test_a_database_newer_than_the_program_is_refused(used):
    with sqlite3.connect(db_file(used)) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0099'")
    with pytest.raises(InstanceError, match=f"数据库版本比程序新（数据库为 0099，本程序最高 {HEAD}）"):
        fresh(used).counts()
    with sqlite3.connect(db_file(used)) as conn:  # and nothing was migrated
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == ("0099",)


def test_a_migrated_database_without_any_archived_file_beside_a_full_store_is_refused(used):
    """What an emptied database became before this check: migrated by the next command."""
    db_file(used).unlink()
    Path(f"{db_file(used)}-wal").unlink(missing_ok=True)
    from archive.db import forget, upgrade

    forget(used.config.database_url)
    upgrade(used.config.database_url)
    with pytest.raises(InstanceError, match="数据库中没有任何档案记录，但档案库中有 8 个文件"):
        fresh(used).counts()


def test_records_without_their_store_are_refused(used, tmp_path):
    used.store.root.rename(tmp_path / "unplugged")
    with pytest.raises(InstanceError, match="数据库记录了 8 个档案文件，但档案库目录 .* 为空或不存在") as caught:
        fresh(used).counts()
    assert caught.value.kind == "store-empty"


def test_an_unreadable_store_is_refused_not_taken_for_an_empty_one(used, monkeypatch):
    empty_the_database(used)
    real = os.scandir

    def denied(path="."):
        if Path(path) == used.store.root:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", denied)
    with pytest.raises(InstanceError) as caught:
        fresh(used).counts()
    assert caught.value.kind == "store-unreadable"
    assert str(caught.value) == (f"无法读取档案库目录 {used.store.root}："
                                 "没有读写权限或目录只读；请检查文件夹的权限。")


@pytest.mark.parametrize("prepare", ["nothing", "empty files", "empty folders"])
def test_a_new_instance_still_starts(make_archive, prepare):
    a = make_archive()
    if prepare != "nothing":
        (a.config.home / "store" / "ab").mkdir(parents=True)
        (a.config.home / "store" / ".tmp").mkdir()
        (a.config.home / "store" / ".tmp" / "half-written").write_bytes(b"x")
    if prepare == "empty files":
        db_file(a).write_bytes(b"")
    assert check_instance(a.config).new
    assert a.counts() == {"samplings": 0, "documents": 0}
    with sqlite3.connect(db_file(a)) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == (HEAD,)


def test_an_instance_in_use_opens(used):
    state = check_instance(used.config)
    assert not state.new and state.revision == HEAD
    assert fresh(used).counts()["samplings"] == 6


def test_an_empty_database_behind_any_url_is_refused_by_inspection(used):
    """Not a file: the rule is read from the database's tables (as for PostgreSQL)."""
    with pytest.raises(InstanceError, match="数据库为空，但档案库中有 8 个文件"):
        fresh(used, "sqlite://").counts()


def test_an_unreachable_database_is_one_line_without_its_password(used):
    with pytest.raises(InstanceError) as caught:
        fresh(used, "postgresql+psycopg://u:secret@db.invalid/x").counts()
    assert str(caught.value).startswith("无法打开数据库 postgresql+psycopg://u:***@db.invalid/x：")
    assert "secret" not in str(caught.value) and "\n" not in str(caught.value)


def run(home: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "SPOTCHECK_HOME": str(home)}
    env.pop("SPOTCHECK_DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", *args], cwd=REPO, env=env, input=stdin,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("command", [
    ("archive", "import", str(DEMO / "trip-qingpu-blank.json")),
    ("archive", "verify"),
    ("archive", "backup", "--out", "BACKUP"),
    ("search", "query", "晋城"),
    ("search", "reindex"),
    ("webapp", "serve", "--port", "1"),
    ("webapp", "set-password", "admin"),
])
def test_every_command_refuses_an_emptied_database_with_one_line(used, tmp_path, command):
    used.index  # an index that could still answer
    empty_the_database(used)
    command = tuple(str(tmp_path / "b") if c == "BACKUP" else c for c in command)
    done = run(used.config.home, *command, stdin="a-new-password\n")
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.strip() == ("错误：数据库为空，但档案库中有 8 个文件；请从备份恢复（python -m archive "
                                   f"restore 备份目录）或核对数据目录（{used.config.home}）")
    assert "密码" not in done.stdout and "已导入" not in done.stdout
    assert db_file(used).stat().st_size == 0


def test_database_free_commands_are_unaffected(used):
    empty_the_database(used)
    done = run(used.config.home, "docgen", "forms")
    assert done.returncode == 0 and "notice" in done.stdout


def test_a_corrupt_database_is_one_line_on_the_command_line(used):
    db_file(used).write_bytes(b"not a database at all" * 500)
    done = run(used.config.home, "archive", "verify")
    assert done.returncode == 2
    assert done.stderr.strip() == (f"错误：数据库文件 {db_file(used)} 已损坏：文件开头不是 SQLite 数据库的标记；"
                                   "请从备份恢复（python -m archive restore 备份目录）")

