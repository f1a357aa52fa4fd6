"""The sign-in core: the lockout rule, counting from the audit log by index, and the password
rules every path to a password uses."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from sqlalchemy import event

from archive.config import Config
from archive.service import Archive
from archive.signin import authenticate, lock_end
from archive.users import (UserError, common_passwords, create_user, new_password,
                           password_problem, set_password)
from docgen.settings import Settings

T0 = datetime(2026, 3, 2, 9, 0, 0)
WINDOW, LOCKOUT = timedelta(minutes=15), timedelta(minutes=15)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


@pytest.mark.parametrize("events, expected", [
    ([(at(i), True) for i in range(9)], None),                      # nine: not yet
    ([(at(i), True) for i in range(10)], at(9) + LOCKOUT),           # the tenth locks
    ([(at(i * 2), True) for i in range(10)], None),                  # spread over 18 minutes
    ([(at(i), True) for i in range(5)] + [(at(6), False)]
     + [(at(7 + i), True) for i in range(5)], None),                 # a success starts afresh
    ([(at(i), True) for i in range(10)] + [(at(40), True)], at(9) + LOCKOUT),  # spent failures
], ids=["nine", "ten", "spread", "success-resets", "spent"])
def test_ten_failures_within_the_window_lock_for_the_lockout(events, expected):
    assert lock_end(events, 10, WINDOW, LOCKOUT) == expected


def test_failures_just_inside_the_window_lock_and_just_outside_do_not():
    inside = [(at(0), True)] + [(at(14.9), True)] * 9
    outside = [(at(0), True)] + [(at(15), True)] * 9
    assert lock_end(inside, 10, WINDOW, LOCKOUT) == at(14.9) + LOCKOUT
    assert lock_end(outside, 10, WINDOW, LOCKOUT) is None


@pytest.fixture
def archive(tmp_path):
    home = tmp_path / "inst"
    archive = Archive(Config(home, f"sqlite:///{home / 'db.sqlite'}", "test"))
    with archive.session() as s:
        create_user(s, "records", "correct horse 1", "records")
    return archive


def test_a_success_resets_the_account_but_not_the_address(archive):
    settings = Settings()
    with archive.session() as s:
        for i in range(9):
            authenticate(s, "records", "wrong", "192.0.2.1", settings=settings, now=at(i / 10))
        assert authenticate(s, "records", "correct horse 1", "192.0.2.1", settings=settings,
                            now=at(1)).user is not None
        for i in range(9):  # from another address: the account's count began afresh
            authenticate(s, "records", "wrong", "192.0.2.2", settings=settings, now=at(2))
        assert authenticate(s, "records", "correct horse 1", "192.0.2.2", settings=settings,
                            now=at(3)).user is not None
        authenticate(s, "records", "wrong", "192.0.2.1", settings=settings, now=at(4))  # 10th
        locked = authenticate(s, "records", "correct horse 1", "192.0.2.1", settings=settings,
                              now=at(5))
        assert locked.user is None and locked.wait == at(4) + LOCKOUT - at(5)
        assert locked.wait_minutes == 14


def test_counting_failures_reads_the_log_through_the_time_index(archive):
    """The throttle reads only the last window + lockout of the audit log, by ix_audit_log_at."""
    with archive.session() as s:
        engine = s.get_bind()
        seen = []

        def listen(conn, cursor, sql, params, context, many):
            seen.append((sql, params))

        event.listen(engine, "before_cursor_execute", listen)
        try:
            authenticate(s, "records", "wrong", "192.0.2.1")
        finally:
            event.remove(engine, "before_cursor_execute", listen)
        counting = [(sql, p) for sql, p in seen if "audit_log" in sql and sql.startswith("SELECT")]
        assert len(counting) == 2  # by account, by address
        raw = s.connection().connection.driver_connection
        for sql, params in counting:
            plan = " ".join(str(row) for row in raw.execute("EXPLAIN QUERY PLAN " + sql, params))
            assert "ix_audit_log_at" in plan and "SCAN audit_log" not in plan


# -- password rules -----------------------------------------------------------------------------
def test_the_common_password_list_is_a_real_one():
    passwords = common_passwords()
    assert len(passwords) > 10_000
    assert {"123456", "password", "qwerty", "iloveyou", "1q2w3e4r5t", "qwertyuiop"} <= passwords
    assert sum(len(p) >= 10 for p in passwords) > 1000  # long enough for the length rule


@pytest.mark.parametrize("password, problem", [
    ("short", "密码至少 10 个字符"),
    ("123456789", "密码至少 10 个字符"),
    ("1234567890", "这个密码太常见"),
    ("qwertyuiop", "这个密码太常见"),
    ("QWERTYUIOP", "这个密码太常见"),
    ("QwErTyUiOp", "这个密码太常见"),
    ("1q2w3e4r5t", "这个密码太常见"),
    ("1Q2W3E4R5T", "这个密码太常见"),
    (" Password1234 ", "这个密码太常见"),
    ("tab\there ok 1", "密码不能含控制字符"),
    ("x" * 201, "密码不能超过 200 个字符"),
])
def test_a_password_too_short_or_common_is_refused(password, problem):
    assert problem in (password_problem(password, Settings()) or "")


@pytest.mark.parametrize("password", ["correct horse 1", "新密码是抽查二〇二三年", "Tr0ub4dor&3x",
                                      "bench-load-password"])
def test_a_long_uncommon_password_is_accepted(password):
    assert password_problem(password, Settings()) is None


def test_the_shortest_length_is_a_setting():
    assert password_problem("abcdefgh-12", replace(Settings(), password_min_length=12)) \
        == "密码至少 12 个字符"
    assert password_problem("a rare one", replace(Settings(), password_min_length=8)) is None


def test_a_password_equal_to_the_username_is_refused():
    assert password_problem("Zhangsan2023", Settings(), "zhangsan2023") == "密码不能与用户名相同"


@pytest.mark.parametrize("length", [6, 10, 24, 40])
def test_a_generated_first_password_satisfies_the_rules(length):
    settings = replace(Settings(), password_min_length=length)
    for _ in range(20):
        assert password_problem(new_password(settings), settings) is None


@pytest.mark.parametrize("password", ["short", "qwertyuiop", "QwertyUIOP", "1234567890"])
def test_creating_a_user_or_setting_a_password_keeps_the_rules(archive, password):
    with pytest.raises(UserError) as exc:
        with archive.session() as s:
            create_user(s, "zhangsan", password, "clerk")
    assert exc.value.field == "password"
    with pytest.raises(UserError):
        with archive.session() as s:
            set_password(s, "records", password, actor="test")


@pytest.mark.parametrize("typed", ["RECORDS", "Records", " records "])
def test_setting_a_password_finds_the_user_case_blind_and_ends_their_sessions(archive, typed):
    from sqlalchemy import select

    from archive.models import User

    with archive.session() as s:
        before = s.scalars(select(User).where(User.username == "records")).one().session_version
        set_password(s, typed, "a brand new one 9", actor="test")
    with archive.session() as s:
        user = s.scalars(select(User).where(User.username == "records")).one()
        assert user.session_version == before + 1
        assert authenticate(s, "records", "a brand new one 9").user is not None
