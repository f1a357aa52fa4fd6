"""Users and roles of the web app: scrypt password hashes, the password rules, accounts enabled
and disabled, and session versions (bumping one ends every session of that user)."""
from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata
from functools import lru_cache
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive.models import AuditEntry, User
from docgen.settings import Settings

ROLES = {
    "clerk": "抽样/文书",
    "mailing": "寄送",
    "records": "档案",
    "admin": "管理员",
}
_N, _R, _P = 2 ** 14, 8, 1
MAX_PASSWORD = 200
COMMON_PASSWORDS = Path(__file__).resolve().parent / "data" / "common-passwords.txt"


class UserError(ValueError):
    """A refusal in one line; `field` ("username", "password", or "") says which input."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.field = field


class WrongPassword(UserError):
    """The current password given to change one's own was wrong (the caller audits it: the
    transaction it was found in is rolled back)."""

    def __init__(self, username: str):
        super().__init__("当前密码不正确", "current")
        self.username = username


# -- hashes ---------------------------------------------------------------------------------
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


@lru_cache(maxsize=1)
def dummy_hash() -> str:
    """A hash nobody knows the password of: checked for unknown users so that they take as
    long as known ones and the time of an answer does not tell which usernames exist."""
    return hash_password(secrets.token_hex(16))


# -- the password rules -----------------------------------------------------------------------
@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The most common passwords (archive/data/NOTICE.txt says where the list comes from)."""
    return frozenset(COMMON_PASSWORDS.read_text(encoding="utf-8").split("\n")) - {""}


def password_problem(password: str, settings: Settings, username: str = "") -> str | None:
    """Why `password` may not be used, in one line, or None when it may."""
    least = settings.password_min_length
    if len(password) < least:
        return f"密码至少 {least} 个字符"
    if len(password) > MAX_PASSWORD:
        return f"密码不能超过 {MAX_PASSWORD} 个字符"
    if any(unicodedata.category(c).startswith("C") for c in password):
        return "密码不能含控制字符"
    if password.strip().lower() in common_passwords():
        return "这个密码太常见，容易被猜中，请换一个"
    if username and password.strip().lower() == username.strip().lower():
        return "密码不能与用户名相同"
    return None


def _check_password_rules(password: str, settings: Settings, username: str) -> None:
    problem = password_problem(password, settings, username)
    if problem:
        raise UserError(problem, "password")


def new_password(settings: Settings) -> str:
    """A random password that satisfies the rules (for the first admin account)."""
    while True:
        password = secrets.token_urlsafe(max(12, settings.password_min_length))
        if password_problem(password, settings) is None:
            return password


# -- accounts ---------------------------------------------------------------------------------
def username_key(username: str) -> str:
    """A username as stored and compared: NFKC, so that a full-width Ｃlerk is clerk, not a
    second account that looks the same."""
    return unicodedata.normalize("NFKC", username).strip()


def find_user(s: Session, username: str) -> User | None:
    """The user of that name, compared case-blind as the unique index on lower(username) does."""
    name = username_key(username)
    if not name:
        return None
    return s.scalars(select(User).where(func.lower(User.username) == func.lower(name))).first()


def user_or_error(s: Session, username: str) -> User:
    user = find_user(s, username)
    if user is None:
        raise UserError(f"没有用户 {username.strip()}")
    return user


def create_user(s: Session, username: str, password: str, role: str, display_name: str = "",
                actor: str = "system", *, settings: Settings | None = None) -> User:
    username = username_key(username)
    if role not in ROLES:
        raise UserError(f"未知角色 {role}；可选：{'、'.join(ROLES)}")
    if not username or len(username) > 50:
        raise UserError("用户名不能为空，且不超过50个字符", "username")
    if any(unicodedata.category(c).startswith(("C", "Z")) for c in username):
        raise UserError("用户名不能含空格或控制字符", "username")
    if find_user(s, username):
        raise UserError(f"用户名 {username} 已存在（用户名不区分大小写）", "username")
    _check_password_rules(password, settings or Settings(), username)
    user = User(username=username, role=role, display_name=display_name or username,
                password_hash=hash_password(password))
    s.add(user)
    s.add(AuditEntry(actor=actor, action="user.create", target=username, detail={"role": role}))
    s.flush()
    return user


def end_sessions(user: User) -> None:
    """Every session cookie issued to this user so far stops working (the web app checks the
    version on each request)."""
    user.session_version = (user.session_version or 0) + 1


def set_password(s: Session, username: str, password: str, actor: str, *,
                 settings: Settings | None = None) -> User:
    """A new password (by an admin or on the command line); ends the user's sessions. On the
    command line of an instance left with no user at all, 'admin' is made anew."""
    if username_key(username).lower() == "admin" and not s.scalar(select(func.count(User.id))):
        return create_user(s, "admin", password, "admin", "系统管理员", actor=actor,
                           settings=settings)
    user = user_or_error(s, username)
    _check_password_rules(password, settings or Settings(), user.username)
    user.password_hash = hash_password(password)
    end_sessions(user)
    s.add(AuditEntry(actor=actor, action="user.password", target=user.username,
                     detail={"by": "other" if actor != user.username else "self"}))
    return user


def change_own_password(s: Session, user_id: int, current: str, password: str, *,
                        settings: Settings | None = None) -> User:
    """The user's own change: the current password first; ends the user's other sessions."""
    user = s.get(User, user_id)
    if user is None or not user.active:
        raise UserError("账号不存在或已停用")
    if not check_password(user.password_hash, current):
        raise WrongPassword(user.username)
    if check_password(user.password_hash, password):
        raise UserError("新密码不能与当前密码相同", "password")
    return set_password(s, user.username, password, actor=user.username, settings=settings)


def set_active(s: Session, username: str, active: bool, actor: str) -> User:
    """Disable (ending every session) or enable an account; nobody disables their own."""
    user = user_or_error(s, username)
    if not active and user.username.lower() == actor.lower():
        raise UserError("不能停用自己的账号")
    if user.active == active:
        return user
    user.active = active
    if not active:
        end_sessions(user)
    s.add(AuditEntry(actor=actor, action="user.enable" if active else "user.disable",
                     target=user.username, detail={}))
    return user


def sign_out(s: Session, user_id: int) -> User | None:
    """Signing out ends all of the user's sessions, not only this browser's."""
    user = s.get(User, user_id)
    if user is not None:
        end_sessions(user)
        s.add(AuditEntry(actor=user.username, action="logout", target="", detail={}))
    return user
