"""Signing in: the password check, every attempt audited, and throttling of wrong passwords per
account and per client address, counted from the audit log (so it holds across processes)."""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive.models import AuditEntry, User
from archive.users import check_password, dummy_hash, find_user, username_key
from docgen.settings import Settings

FAILED, SUCCEEDED, THROTTLED = "login.failed", "login", "login.throttled"


def local_now() -> datetime:
    """The audit log's clock: the server's local time, as every recorded time is (an office
    in China reads 14:00, not the database's UTC 06:00)."""
    return datetime.now()


@dataclass(frozen=True)
class SignIn:
    """What a sign-in attempt came to: the user, or nobody; `wait` is set while throttled."""
    user: User | None
    wait: timedelta | None = None

    @property
    def wait_minutes(self) -> int:
        return max(1, math.ceil(self.wait.total_seconds() / 60)) if self.wait else 0


def lock_end(events: list[tuple[datetime, bool]], max_failures: int, window: timedelta,
             lockout: timedelta) -> datetime | None:
    """When the last lockout ends, from (time, failed) attempts in time order: `max_failures`
    failures within `window` lock for `lockout`; the failures that caused a lock, and a
    success, start the count afresh."""
    run: list[datetime] = []
    until = None
    for at, failed in events:
        if not failed:
            run = []
            continue
        run = [t for t in run if at - t < window] + [at]
        if len(run) >= max_failures:
            until, run = at + lockout, []
    return until


def _events(s: Session, since: datetime, *, actor: str | None = None,
            target: str | None = None) -> list[tuple[datetime, bool]]:
    # the range on `at` uses ix_audit_log_at: only the last window + lockout of the log is read
    query = select(AuditEntry.at, AuditEntry.action).where(
        AuditEntry.at >= since, AuditEntry.action.in_((FAILED, SUCCEEDED)))
    if actor is not None:
        query = query.where(func.lower(AuditEntry.actor) == func.lower(actor))
    else:
        query = query.where(AuditEntry.target == target, AuditEntry.action == FAILED)
    return [(at, action == FAILED) for at, action in s.execute(query.order_by(AuditEntry.at))]


def throttled_until(s: Session, username: str, remote: str, settings: Settings,
                    now: datetime) -> tuple[datetime | None, str]:
    """Until when sign-in is refused for this account or from this address (None: it is not),
    and which of the two ("account", "address") holds the later lock."""
    window = timedelta(minutes=settings.login_window_minutes)
    lockout = timedelta(minutes=settings.login_lockout_minutes)
    since = now - window - lockout
    ends = []
    if username:
        ends.append((lock_end(_events(s, since, actor=username), settings.login_max_failures,
                              window, lockout), "account"))
    if remote:  # a success from an address does not reset it: one could own an account
        ends.append((lock_end(_events(s, since, target=remote), settings.login_max_failures,
                              window, lockout), "address"))
    live = [(end, by) for end, by in ends if end and end > now]
    return max(live) if live else (None, "")


def authenticate(s: Session, username: str, password: str, remote: str = "", *,
                 settings: Settings | None = None, now: datetime | None = None) -> SignIn:
    """The user if the password is right and the account active; refused without checking
    while throttled. Every attempt is audited (actor: the name typed; target: the address)."""
    settings, now = settings or Settings(), now or local_now()
    name = username_key(username)[:100]
    until, by = throttled_until(s, name, remote, settings, now)
    if until:
        s.add(AuditEntry(at=now, actor=name or "?", action=THROTTLED, target=remote,
                         detail={"by": by, "until": until.isoformat(timespec="seconds")}))
        return SignIn(None, until - now)
    user = find_user(s, name)
    # an unknown or disabled account costs one hash check too: timing tells nothing
    ok = check_password(user.password_hash if user else dummy_hash(), password)
    ok = ok and user is not None and user.active
    s.add(AuditEntry(at=now, actor=(user.username if ok else name) or "?",
                     action=SUCCEEDED if ok else FAILED, target=remote, detail={}))
    return SignIn(user if ok else None)
