"""Backup and restore of an instance: the SQLite database by SQLite's online backup API (a
consistent copy while the service keeps writing), the store's files that copy references
(content-addressed, so a later backup into the same folder copies only the new ones), and
the instance's own files (settings, secret key, config.py, Word template overrides).

A backup folder holds spotcheck.db, store/ (the same layout as an instance's), instance/ (the
instance's own files) and manifest.json, written last: the manifest names the database by
its SHA-256, so a backup interrupted before it was complete is recognised as such by restore.
"""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from archive import db
from archive.config import Config
from archive.instance import (check_instance, database_label, open_instance, sqlite_os_error,
                              sqlite_path)
from archive.copies import (copy_checked, copy_to, hash_file, place, remove_file, remove_tree,
                            write_json)
from archive.store import FileStore

MANIFEST = "manifest.json"
KIND = "spotcheck-backup"
# the instance's own files, by their path in the instance folder; the index is derived
INSTANCE_FILES = ("settings.toml", "secret_key", "config.py")
TEMPLATES = "templates_docx"


class BackupError(RuntimeError):
    """A backup or restore that cannot be done; the message says why (in Chinese)."""


@dataclass(frozen=True)
class Problem:
    kind: str  # missing / altered
    sha256: str
    detail: str


@dataclass
class BackupReport:
    """What a backup did; the command line only displays it."""

    out: Path
    started_at: datetime
    finished_at: datetime | None = None
    database_bytes: int = 0
    database_sha256: str = ""
    revision: str = ""
    files: int = 0  # stored files the copied database references, now in the backup's store
    bytes: int = 0
    copied: int = 0  # copied this time (hashed on the way)
    copied_bytes: int = 0
    reused: int = 0  # already in the backup's store from an earlier backup
    replaced: int = 0  # found with the wrong size (or hash, with rehash) and copied again
    pending: int = 0  # recorded by an unfinished run (copied when already written)
    instance_files: list[dict] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def manifest(self) -> dict:
        return {"kind": KIND, "format": 1,
                "started_at": self.started_at.isoformat(timespec="seconds"),
                "finished_at": self.finished_at.isoformat(timespec="seconds"),
                "database": {"file": "spotcheck.db", "sha256": self.database_sha256,
                             "bytes": self.database_bytes, "revision": self.revision},
                "store": {"files": self.files, "bytes": self.bytes, "copied": self.copied,
                          "copied_bytes": self.copied_bytes, "reused": self.reused,
                          "replaced": self.replaced, "pending": self.pending},
                "instance_files": self.instance_files, "counts": self.counts,
                "problems": [asdict(p) for p in self.problems]}

    def line(self) -> str:
        text = (f"已备份到 {self.out}：数据库 {_mb(self.database_bytes)}（sha256 "
                f"{self.database_sha256[:12]}…），档案文件 {self.files} 个（{_mb(self.bytes)}），"
                f"本次复制 {self.copied} 个（{_mb(self.copied_bytes)}），沿用上次备份 {self.reused} 个"
                + (f"，重新复制已损坏的 {self.replaced} 个" if self.replaced else "")
                + f"，配置文件 {len(self.instance_files)} 个")
        if self.ok:
            return text + "；校验通过。"
        return text + f"；但 {_problems(self.problems)}，未能备份（请运行 python -m archive verify）。"


@dataclass
class RestoreReport:
    """What a restore did, with the integrity check of the restored instance."""

    source: Path
    home: Path
    backed_up_at: str
    files: int = 0
    bytes: int = 0
    instance_files: int = 0
    indexed: int = 0
    problems: list[Problem] = field(default_factory=list)
    verify: object = None  # archive.integrity.VerifyReport

    @property
    def ok(self) -> bool:
        return not self.problems and self.verify is not None and self.verify.ok

    def line(self) -> str:
        text = (f"已从 {self.source}（备份于 {self.backed_up_at}）恢复到 {self.home}：档案文件 "
                f"{self.files} 个（{_mb(self.bytes)}），配置文件 {self.instance_files} 个，"
                f"检索索引 {self.indexed} 个文书")
        if self.problems:
            text += f"；备份中 {_problems(self.problems)}，这些文件未恢复"
        return text + ("；完整性检查通过。" if self.ok else "；完整性检查发现问题（见下）。")


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


def _problems(problems: list[Problem]) -> str:
    missing = sum(p.kind == "missing" for p in problems)
    altered = len(problems) - missing
    return "、".join(x for x in (f"{missing} 个文件缺失" if missing else "",
                                 f"{altered} 个文件内容与哈希不符" if altered else "") if x)


# -- backup -----------------------------------------------------------------------------------
def backup(config: Config, out: Path, *, rehash: bool = False) -> BackupReport:
    """Copy the instance into `out` (a new folder, or one holding an earlier backup) and check
    the copy. With `rehash`, files already in `out` are hashed again, not only sized."""
    source = _sqlite_file(config, "备份")
    out = Path(os.path.abspath(out))
    home = Path(os.path.abspath(config.home))
    if out == home or home in out.parents:
        raise BackupError(f"备份目录 {out} 在数据目录 {home} 之内；请备份到数据目录以外（最好是另一块磁盘）")
    state = check_instance(config)  # an emptied database is refused, never copied over a backup
    if state.new:
        raise BackupError(f"数据目录 {home} 中还没有数据库，没有可备份的内容")
    _check_backup_folder(out)
    report = BackupReport(out=out, started_at=datetime.now())
    out.mkdir(parents=True, exist_ok=True)
    fd, tmp_db = tempfile.mkstemp(dir=out, prefix=".spotcheck.db.partial-")
    os.close(fd)
    try:
        blobs = _copy_database(source, Path(tmp_db), report)
        _copy_blobs(FileStore(config.store_dir), out / "store", blobs, report, rehash=rehash)
        report.instance_files = _copy_instance_files(home, out / "instance")
        place(Path(tmp_db), out / "spotcheck.db")
        report.finished_at = datetime.now()
        write_json(out / MANIFEST, report.manifest())  # last: the backup is complete
    finally:
        Path(tmp_db).unlink(missing_ok=True)
    return report


def _sqlite_file(config: Config, what: str) -> Path:
    path = sqlite_path(config.database_url)
    if path is None:
        raise BackupError(f"数据库不是 SQLite 文件（{database_label(config.database_url)}），本命令不能"
                          f"{what}；请用数据库自带的工具（如 PostgreSQL 的 pg_dump / pg_restore），"
                          f"档案库目录 store/ 另行复制")
    return path


def _check_backup_folder(out: Path) -> None:
    """`out` must be new, empty or an earlier backup: never another folder's files."""
    if not out.exists():
        return
    if not out.is_dir():
        raise BackupError(f"备份目录 {out} 是一个文件，不是文件夹")
    if any(out.iterdir()) and _read_manifest(out, strict=False) is None:
        raise BackupError(f"备份目录 {out} 不是空的，也不是以前的备份；请指定一个空目录或以前的备份目录")


def _copy_database(source: Path, target: Path, report: BackupReport) -> list[tuple]:
    """The database by SQLite's online backup API, in one step: a snapshot of one moment,
    while writers go on (WAL). The copy is checked and its referenced files listed."""
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(target)
    try:
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        except sqlite3.Error as exc:  # the source is only read: a disk failure is the copy's
            failure = sqlite_os_error(exc, target)
            if failure is None:
                raise BackupError(f"无法复制数据库：{exc}；请先运行 python -m archive verify") from None
            raise failure from None
        result = [r[0] for r in dst.execute("PRAGMA integrity_check")]
        if result != ["ok"]:
            raise BackupError(f"数据库的副本未通过完整性检查（{'；'.join(result[:3])}）；"
                              f"原数据库可能已损坏，请先处理后再备份")
        report.revision = dst.execute("SELECT version_num FROM alembic_version").fetchone()[0]
        tables = {r[0] for r in dst.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        for table in ("tasks", "samplings", "documents", "photos", "users", "audit_log"):
            if table in tables:
                report.counts[table] = dst.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        blobs = dst.execute("SELECT sha256, size, state FROM blobs ORDER BY sha256").fetchall()
    finally:
        dst.close()
        src.close()
    report.database_sha256, report.database_bytes = hash_file(target)
    return blobs


def _copy_blobs(store: FileStore, out: Path, blobs: list[tuple], report: BackupReport, *,
                rehash: bool) -> None:
    """The files of the copied database into the backup's store: those already there (from an
    earlier backup) are checked by size, or by hash with `rehash`; the others are copied,
    hashed on the way. A file an unfinished run recorded as pending is copied if it exists."""
    target = FileStore(out)
    for sha, size, state in blobs:
        stored = state == "stored"
        report.pending += not stored
        path = target.path(sha)
        if path.is_file():
            if path.stat().st_size == size and not (rehash and target.hash_file(sha) != sha):
                report.reused += 1
                _count(report, size, stored)
                continue
            remove_file(path)
            report.replaced += 1
        try:
            done = copy_checked(store.path(sha), path, sha, size, target.tmp)
        except FileNotFoundError:
            if stored:
                report.problems.append(Problem("missing", sha, "原档案库中缺少此文件"))
            continue
        if not done:
            report.problems.append(Problem("altered", sha, "原档案库中此文件的内容与哈希不符"))
            continue
        report.copied += 1
        report.copied_bytes += size
        _count(report, size, stored)
    # the check: every file the copy references as stored is there, with its size
    known = {p.sha256 for p in report.problems}
    for sha, size, state in blobs:
        path = target.path(sha)
        if state == "stored" and sha not in known:
            if not path.is_file() or path.stat().st_size != size:
                report.problems.append(Problem("missing", sha, "备份目录中缺少此文件"))
    shutil.rmtree(target.tmp, ignore_errors=True)


def _count(report: BackupReport, size: int, stored: bool) -> None:
    if stored:
        report.files += 1
        report.bytes += size


def _copy_instance_files(home: Path, out: Path) -> list[dict]:
    """settings.toml, secret_key, config.py and the Word template overrides, each copied
    beside its place and renamed into it; returns their manifest entries."""
    names = [n for n in INSTANCE_FILES if (home / n).is_file()]
    if (home / TEMPLATES).is_dir():
        names += sorted(f"{TEMPLATES}/{p.name}" for p in (home / TEMPLATES).glob("*.docx"))
    entries = []
    for name in names:
        target = out / name
        target.parent.mkdir(parents=True, exist_ok=True)
        mode = (home / name).stat().st_mode & 0o777
        sha, size = copy_to(home / name, target, mode)
        entries.append({"path": name, "sha256": sha, "bytes": size})
    stale = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()} \
        if out.is_dir() else set()
    for name in stale - set(names):  # removed from the instance since the last backup
        (out / name).unlink()
    return entries


# -- restore ----------------------------------------------------------------------------------
def restore(config: Config, source: Path, *, actor: str) -> RestoreReport:
    """Rebuild the instance `config` names from a backup folder: refused when the instance
    is not empty. The files are checked against their hashes as they are copied; then the
    migrations run, the search index is rebuilt and the archive verified."""
    source = Path(os.path.abspath(source))
    db_path = Path(os.path.abspath(_sqlite_file(config, "恢复")))
    manifest = _read_manifest(source, strict=True)
    home = Path(os.path.abspath(config.home))
    if home.exists() and (not home.is_dir() or any(home.iterdir())):
        raise BackupError(f"数据目录 {home} 不是空的；恢复不会覆盖已有的数据。请先把它移到别处（或把 "
                          f"SPOTCHECK_HOME 设为一个新目录）再恢复")
    inside = home in db_path.parents
    if not inside and db_path.exists():
        raise BackupError(f"数据库文件 {db_path} 已存在；恢复不会覆盖已有的数据，请先把它移到别处")
    report = RestoreReport(source=source, home=home,
                           backed_up_at=manifest["finished_at"].replace("T", " "))
    home.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{home.name}.restoring-", dir=home.parent))
    try:
        db_copy = staging / "spotcheck.db"
        try:
            sha, _ = copy_to(source / "spotcheck.db", db_copy, 0o644)
        except FileNotFoundError:
            sha = ""
        if sha != manifest["database"]["sha256"]:
            raise BackupError(f"备份目录 {source} 中的数据库与备份清单不符（备份未完成或文件被改动）；"
                              f"请换一份备份，或重新运行备份")
        conn = sqlite3.connect(db_copy)
        try:
            blobs = conn.execute("SELECT sha256, size, state FROM blobs").fetchall()
        finally:
            conn.close()
        store, backup_store = FileStore(staging / "store"), FileStore(source / "store")
        for sha, size, state in blobs:
            try:
                done = copy_checked(backup_store.path(sha), store.path(sha), sha, size, store.tmp)
            except FileNotFoundError:
                if state == "stored":
                    report.problems.append(Problem("missing", sha, "备份中缺少此文件"))
                continue
            if not done:
                report.problems.append(Problem("altered", sha, "备份中此文件的内容与哈希不符"))
                continue
            report.files += 1
            report.bytes += size
        shutil.rmtree(store.tmp, ignore_errors=True)
        for entry in manifest["instance_files"]:
            name = entry["path"]
            if Path(name).is_absolute() or ".." in Path(name).parts:
                continue  # a manifest can only name files inside the instance
            (staging / name).parent.mkdir(parents=True, exist_ok=True)
            try:
                got, _ = copy_to(source / "instance" / name, staging / name,
                                  0o600 if name == "secret_key" else 0o644)
            except FileNotFoundError:
                report.problems.append(Problem("missing", entry["sha256"],
                                               f"备份中缺少配置文件 {name}"))
                continue
            if got != entry["sha256"]:
                (staging / name).unlink()
                report.problems.append(Problem("altered", got, f"备份中的配置文件 {name} 与备份清单不符"))
                continue
            report.instance_files += 1
        if home.exists():
            home.rmdir()  # empty, checked above
        os.replace(staging, home)
    except BaseException:
        remove_tree(staging)
        raise
    if not inside:  # SPOTCHECK_DATABASE_URL names a file elsewhere
        db_path.parent.mkdir(parents=True, exist_ok=True)
        place(home / "spotcheck.db", db_path)
    db.forget(config.database_url)
    open_instance(config)  # the migrations
    from archive.service import Archive

    archive = Archive(config)
    report.indexed = archive.reindex()
    with archive.session() as s:
        archive.audit(s, actor, "restore", str(source), backed_up_at=report.backed_up_at,
                      files=report.files, problems=len(report.problems))
    report.verify = archive.verify(actor=actor)
    return report


def _read_manifest(folder: Path, *, strict: bool) -> dict | None:
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        if manifest.get("kind") != KIND:
            raise ValueError
        return manifest
    except FileNotFoundError:
        if strict:
            raise BackupError(f"{folder} 中没有备份清单 {MANIFEST}，不是 python -m archive backup "
                              f"做的备份（或那次备份没有完成）") from None
    except (ValueError, AttributeError):
        if strict:
            raise BackupError(f"{folder / MANIFEST} 不是本程序的备份清单，或已损坏") from None
    return None
