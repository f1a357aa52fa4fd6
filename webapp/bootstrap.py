"""First start on the embedded defaults: the database, one admin account, the demo data."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from archive.models import Document, Sampling, User
from archive.numbers import next_value
from archive.service import Archive
from archive.users import create_user, new_password

DEMO = Path(__file__).resolve().parent.parent / "docgen" / "demo"


class NoUsers(RuntimeError):
    """An instance with records but no user account: never given a fresh admin by itself."""


def ensure_admin(archive: Archive) -> str | None:
    """Create user 'admin' with a random password on a new instance (no users, no records);
    returns the password. Records without any user (an emptied users table) are refused:
    printing a new admin password there would hand the archive to whoever starts it."""
    with archive.session() as s:
        if s.scalar(select(func.count(User.id))):
            return None
        if s.scalar(select(func.count(Sampling.id))) or s.scalar(select(func.count(Document.id))):
            raise NoUsers("数据库中有档案记录，但没有任何用户账号（用户表可能被清空）；请从备份恢复，"
                          "或在服务器上运行 python -m webapp set-password admin 重新设置管理员")
        password = new_password(archive.settings)
        create_user(s, "admin", password, "admin", "系统管理员", actor="bootstrap",
                    settings=archive.settings)
        return password


def load_demo(archive: Archive) -> bool:
    """Import and archive the two demo trips, once per instance; the cable trip's lab results
    (two passes, one failure) come in too, their result packets ready to post."""
    with archive.session() as s:
        if s.scalar(select(func.count(Sampling.id))) or next_value(s, "demo:loaded") > 1:
            return False
    archive.import_file(DEMO / "trip-jincheng-cable.json", actor="bootstrap")
    archive.import_file(DEMO / "trip-qingpu-blank.json", actor="bootstrap")
    archive.generate(task_code="JC2023-01-DX", actor="bootstrap")
    archive.generate(task_code="QP2024-Q2-JS", blank=True, actor="bootstrap")
    archive.results.import_file(DEMO / "results-jincheng-cable.json", actor="bootstrap")
    archive.result_docs.generate(task_code="JC2023-01-DX", actor="bootstrap")
    return True
