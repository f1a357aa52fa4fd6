"""Whether a data folder may be opened: a database that is missing, empty, corrupt, foreign or
newer than the program, beside an archive that holds files, is refused before any migration
writes to it, so an emptied database is never taken for a new instance.

The rule is the pair, not the database alone: a new instance has neither records nor files;
an instance in use has both. Records without files, or files without records, mean the data
folder is not what it should be (a restore gone wrong, an unmounted disk, a wiped database),
and nothing may be written until a person has looked.
"""
from __future__ import annotations

import errno
import os
import sqlite3
import struct
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, inspect, make_url, text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from archive import db
from archive.config import Config
from docgen.failures import os_error_line

RESTORE = "请从备份恢复（python -m archive restore 备份目录）"


class InstanceError(RuntimeError):
    """The data folder cannot be opened as it is; the message says why and what to do.
    `kind`: missing, empty, corrupt, foreign, newer, unreachable, store-unreadable,
    store-empty."""

    def __init__(self, kind: str, message: str, *, files: int = 0):
        super().__init__(message)
        self.kind = kind
        self.files = files


@dataclass(frozen=True)
class InstanceState:
    new: bool  # no database (or an empty one) and no archived file: a first start
    revision: str | None  # the database's migration, None when new


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL; None for another database or an in-memory one."""
    u = make_url(url)
    if u.get_backend_name() != "sqlite" or u.database in (None, "", ":memory:") \
            or u.database.startswith("file:"):
        return None
    return Path(u.database)


def database_label(url: str) -> str:
    """How messages name the database: its file, or its URL without the password."""
    path = sqlite_path(url)
    return str(path) if path else make_url(url).render_as_string(hide_password=True)


def check_instance(config: Config) -> InstanceState:
    """Look at the database and the store without changing either; raise InstanceError when
    the instance must not be opened."""
    stored = _stored_files(config)  # the recorded files, or None when the database is new
    files = _first_file(config.store_dir)
    if stored is None:
        if files:
            n = count_files(config.store_dir)
            path = sqlite_path(config.database_url)
            if path is not None and not path.exists():
                raise InstanceError("missing", f"数据库文件 {path} 不存在，但档案库中有 {n} 个文件；"
                                    f"{RESTORE}或核对数据目录（{config.home}）", files=n)
            raise InstanceError("empty", f"数据库为空，但档案库中有 {n} 个文件；{RESTORE}"
                                f"或核对数据目录（{config.home}）", files=n)
        return InstanceState(new=True, revision=None)
    revision, recorded = stored
    if recorded and not files:
        raise InstanceError("store-empty", f"数据库记录了 {recorded} 个档案文件，但档案库目录 "
                            f"{config.store_dir} 为空或不存在；请核对数据目录（外接硬盘或网络盘是否"
                            f"已连接），或{RESTORE}")
    if not recorded and files:
        n = count_files(config.store_dir)
        raise InstanceError("empty", f"数据库中没有任何档案记录，但档案库中有 {n} 个文件；{RESTORE}"
                            f"或核对数据目录（{config.home}）", files=n)
    return InstanceState(new=False, revision=revision)


def open_instance(config: Config) -> InstanceState:
    """Check the instance, then migrate it (creating the schema of a new one)."""
    state = check_instance(config)
    if state.new:
        db.forget(config.database_url)  # a connection kept from a deleted file must not serve
    db.session_factory(config.database_url)
    return state


# -- the database -----------------------------------------------------------------------------
def _stored_files(config: Config) -> tuple[str, int] | None:
    """(migration, files recorded as stored) of the database; None when it has no schema."""
    url = config.database_url
    path = sqlite_path(url)
    if path is not None:
        if not path.exists():
            return None
        _check_sqlite_file(path)
    try:
        engine = create_engine(url, poolclass=NullPool)
    except ImportError as exc:
        raise InstanceError("unreachable", f"无法打开数据库 {database_label(url)}：没有安装它的驱动"
                            f"（Python 模块 {exc.name}）") from None
    try:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            revision = None
            if "alembic_version" in tables:
                revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            if revision is None:
                if tables - {"alembic_version"}:
                    raise InstanceError("foreign", f"数据库 {database_label(url)} 中有数据表，但没有"
                                        f"本程序的版本记录（不是本程序的数据库，或已损坏）；"
                                        f"{RESTORE}或核对数据库设置（SPOTCHECK_DATABASE_URL）")
                return None
            _check_revision(url, revision)
            if "blobs" not in tables:
                raise InstanceError("foreign", f"数据库 {database_label(url)} 记录了版本 {revision}，"
                                    f"但缺少本程序的数据表（已损坏）；{RESTORE}")
            recorded = conn.execute(text(
                "SELECT count(*) FROM blobs WHERE state = 'stored'")).scalar() if "blobs" in tables else 0
            return revision, recorded
    except DBAPIError as exc:
        raise _refusal(exc, config) from None
    except SQLAlchemyError as exc:  # e.g. a driver that is not installed
        raise InstanceError("unreachable", f"无法打开数据库 {database_label(url)}：{exc}") from None
    finally:
        engine.dispose()


def _check_sqlite_file(path: Path) -> None:
    """A file that is not SQLite, or shorter than its header says, is corrupt. (The length is
    only trusted with no journal beside the file: a crash mid-checkpoint is repaired from it.)"""
    try:
        size = path.stat().st_size
        if size == 0:
            return
        with open(path, "rb") as fh:
            header = fh.read(100)
    except OSError as exc:
        raise InstanceError("unreachable", f"无法读取数据库文件 {path}：{os_error_line(exc, paths=False)}"
                            ) from None
    if not header.startswith(b"SQLite format 3\x00"):
        raise _corrupt(path, "文件开头不是 SQLite 数据库的标记")
    if len(header) < 100:
        raise _corrupt(path, f"文件只有 {size} 字节，比数据库文件头还短")
    page = struct.unpack(">H", header[16:18])[0]
    page = 65536 if page == 1 else page
    changes, pages = struct.unpack(">II", header[24:32])
    valid_for = struct.unpack(">I", header[92:96])[0]
    journals = [Path(f"{path}{s}") for s in ("-wal", "-journal")]
    if any(j.exists() and j.stat().st_size for j in journals):
        return
    if pages and changes == valid_for and size < pages * page:
        raise _corrupt(path, f"文件被截断（应有 {pages * page} 字节，实有 {size} 字节）")


def _check_revision(url: str, revision: str) -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(db.alembic_config(url))
    known = {r.revision for r in script.walk_revisions()}
    if revision not in known:
        raise InstanceError("newer", f"数据库版本比程序新（数据库为 {revision}，本程序最高 "
                            f"{script.get_current_head()}）：请升级程序后再运行，"
                            f"或从与本程序版本相符的备份恢复")


_SQLITE = {"SQLITE_NOTADB": "不是 SQLite 数据库文件", "SQLITE_CORRUPT": "内部结构已损坏"}


def _refusal(exc: DBAPIError, config: Config) -> InstanceError:
    line = database_error_line(exc, config)
    if line:
        kind = "corrupt" if _sqlite_name(exc).startswith(tuple(_SQLITE)) else "unreachable"
        return InstanceError(kind, line)
    return InstanceError("unreachable", f"无法打开数据库 {database_label(config.database_url)}："
                         f"{exc.orig}")


def _corrupt(path: Path, reason: str) -> InstanceError:
    return InstanceError("corrupt", f"数据库文件 {path} 已损坏：{reason}；{RESTORE}")


def database_error_line(exc: Exception, config: Config, *, paths: bool = True) -> str | None:
    """One line for a database failure a person can act on (corrupt file, disk full, read-only,
    busy), or None for one that is a bug. `exc` is SQLAlchemy's error or sqlite3's; SQLite's
    own error names are used, other drivers' errors are left to the caller."""
    name = _sqlite_name(exc)
    where = database_label(config.database_url) if paths else ""
    for prefix, reason in _SQLITE.items():
        if name.startswith(prefix):
            return f"数据库文件 {where} 已损坏：{reason}；{RESTORE}" if where else \
                f"数据库文件已损坏：{reason}；{RESTORE}"
    failure = sqlite_os_error(exc, where or None)
    if failure is not None:
        return "数据库无法读写：" + os_error_line(failure, {config.home: f"数据目录 {config.home}"},
                                            paths=paths)
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return "数据库正忙（另一个程序正在长时间写入）；请稍后重试。"
    return None


_AS_OS_ERROR = {"SQLITE_FULL": errno.ENOSPC, "SQLITE_READONLY": errno.EROFS,
                "SQLITE_PERM": errno.EACCES, "SQLITE_CANTOPEN": errno.EACCES,
                "SQLITE_IOERR": errno.EIO}


def sqlite_os_error(exc: Exception, path: str | os.PathLike | None) -> OSError | None:
    """The OSError a SQLite failure stands for (disk full, read-only, …), on `path`."""
    name = _sqlite_name(exc)
    for prefix, code in _AS_OS_ERROR.items():
        if name.startswith(prefix):
            return OSError(code, os.strerror(code), os.fspath(path) if path else None)
    return None


def disk_full(exc: Exception) -> bool:
    """Whether a failure is a full disk (or quota), for the web's 507."""
    failure = sqlite_os_error(exc, None) if not isinstance(exc, OSError) else exc
    return failure is not None and failure.errno in (errno.ENOSPC, errno.EDQUOT)


def _sqlite_name(exc: Exception) -> str:
    return getattr(getattr(exc, "orig", exc), "sqlite_errorname", "") or ""


# -- the store --------------------------------------------------------------------------------
def _raise(exc: OSError) -> None:
    raise exc


def _walk(root: Path):
    """Every archived file under the store (its temp folder left out); an unreadable folder is
    an error, never an empty one."""
    try:
        for dirpath, dirnames, filenames in os.walk(root, onerror=_raise):
            if Path(dirpath) == root:
                dirnames[:] = [d for d in dirnames if d != ".tmp"]
            yield from filenames
    except FileNotFoundError as exc:
        if Path(exc.filename or "") == root:
            return
        raise _unreadable(root, exc) from None
    except OSError as exc:
        raise _unreadable(root, exc) from None


def _unreadable(root: Path, exc: OSError) -> InstanceError:
    return InstanceError("store-unreadable", f"无法读取档案库目录 {root}："
                         f"{os_error_line(exc, paths=False)}")


def _first_file(root: Path) -> bool:
    return next(_walk(root), None) is not None


def count_files(root: Path) -> int:
    return sum(1 for _ in _walk(root))


def failure_line(exc: BaseException, config: Config, places: dict[Path, str] | None = None, *,
                 fallback: str | None = None, paths: bool = True) -> str | None:
    """The one line a command line or the web shows for a failure of the instance or of the
    disk (InstanceError, OSError, a database error a person can act on); None for a bug.
    An OSError without a path (a write into an open file) is put on `fallback`, by default
    the instance folder."""
    if isinstance(exc, InstanceError):
        return str(exc)
    if isinstance(exc, (DBAPIError, sqlite3.Error)):
        return database_error_line(exc, config, paths=paths)
    if isinstance(exc, OSError):
        home = f"数据目录 {config.home}"
        return os_error_line(exc, {config.home: home, **(places or {})},
                             fallback=home if fallback is None else fallback, paths=paths)
    return None
