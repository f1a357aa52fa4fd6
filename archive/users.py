"""Users and roles of the web app: scrypt password hashes, sign-in checks, every attempt audited."""
from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.models import AuditEntry, User

ROLES = {
    "clerk": "抽样/文书",
    "mailing": "寄送",
    "records": "档案",
    "admin": "管理员",
}
_N, _R, _P = 2 ** 14, 8, 1
MIN_PASSWORD = 8


class UserError(ValueError):
    pass


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def check_password(stored: str, password: str) -> bool:
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        got = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r),
                             p=int(p), dklen=len(digest) // 2)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got.hex(), digest)


def create_user(s: Session, username: str, password: str, role: str, display_name: str = "",
                actor: str = "system") -> User:
    username = username.strip()
    if role not in ROLES:
        raise UserError(f"未知角色 {role}；可选：{'、'.join(ROLES)}")
    if not username or len(username) > 50:
        raise UserError("用户名不能为空，且不超过50个字符")
    if len(password) < MIN_PASSWORD:
        raise UserError(f"密码至少 {MIN_PASSWORD} 位")
    if s.scalars(select(User).where(User.username == username)).first():
        raise UserError(f"用户名 {username} 已存在")
    user = User(username=username, role=role, display_name=display_name or username,
                password_hash=hash_password(password))
    s.add(user)
    s.add(AuditEntry(actor=actor, action="user.create", target=username, detail={"role": role}))
    s.flush()
    return user


def set_password(s: Session, username: str, password: str, actor: str) -> None:
    user = s.scalars(select(User).where(User.username == username)).first()
    if user is None:
        raise UserError(f"没有用户 {username}")
    if len(password) < MIN_PASSWORD:
        raise UserError(f"密码至少 {MIN_PASSWORD} 位")
    user.password_hash = hash_password(password)
    s.add(AuditEntry(actor=actor, action="user.password", target=username, detail={}))


def authenticate(s: Session, username: str, password: str, remote: str = "") -> User | None:
    """The user if the password is right and the account active; every attempt is audited."""
    user = s.scalars(select(User).where(User.username == username.strip())).first()
    ok = user is not None and user.active and check_password(user.password_hash, password)
    s.add(AuditEntry(actor=username.strip()[:100] or "?", action="login" if ok else "login.failed",
                     target=remote, detail={}))
    return user if ok else None
