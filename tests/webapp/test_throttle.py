"""Wrong passwords are throttled per account and per client address: after login_max_failures
within login_window_minutes, sign-in answers 429 (请稍后再试) for login_lockout_minutes,
also for the right password; counted from the audit log, so every process sees the same."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from archive.config import Config
from archive.models import AuditEntry
from archive.service import Archive
from archive.users import create_user
from docgen.settings import Settings
from tests.webapp.conftest import PASSWORD, csrf_of
from webapp import create_app

HERE, THERE = "192.0.2.10", "192.0.2.20"  # documentation addresses: only strings in the environ


def _instance(tmp_path, renderer, **settings):
    home = tmp_path / "inst"
    archive = Archive(Config(home, f"sqlite:///{home / 'db.sqlite'}", "test"),
                      settings=replace(Settings(), **settings), renderer=renderer)
    with archive.session() as s:
        for role in ("records", "admin"):
            create_user(s, role, PASSWORD, role, f"{role}用户")
    return archive


@pytest.fixture
def fresh(tmp_path, renderer):
    return _instance(tmp_path, renderer)


def _client(archive):
    app = create_app({"ARCHIVE": archive, "ARCHIVE_CONFIG": archive.config, "TESTING": True})
    return app.test_client()


def attempt(client, username, password, addr=HERE):
    page = client.get("/login", environ_base={"REMOTE_ADDR": addr}).get_data(as_text=True)
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": csrf_of(page)},
                       environ_base={"REMOTE_ADDR": addr})


def actions(archive, action):
    with archive.session() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def time_passes(archive, minutes):
    """The sign-in log as it will look `minutes` from now: every entry that much older."""
    with archive.session() as s:
        for entry in s.scalars(select(AuditEntry).where(AuditEntry.action.like("login%"))):
            entry.at -= timedelta(minutes=minutes)


def test_the_eleventh_wrong_password_and_all_after_it_get_429_and_are_audited(fresh):
    client = _client(fresh)
    answers = [attempt(client, "records", f"wrong password {i}") for i in range(25)]
    assert [r.status_code for r in answers] == [200] * 10 + [429] * 15
    assert all("用户名或密码错误" in r.get_data(as_text=True) for r in answers[:10])
    for r in answers[10:]:
        page = r.get_data(as_text=True)
        assert "请稍后再试" in page and "15 分钟后" in page
        assert 14 * 60 < int(r.headers["Retry-After"]) <= 15 * 60
    assert len(actions(fresh, "login.failed")) == 10
    throttled = actions(fresh, "login.throttled")
    assert len(throttled) == 15
    assert {(e.actor, e.target) for e in throttled} == {("records", HERE)}


def test_the_right_password_is_refused_while_locked_and_works_after_the_lockout(fresh):
    client = _client(fresh)
    for i in range(10):
        attempt(client, "records", f"wrong password {i}")
    locked = attempt(client, "records", PASSWORD)
    assert locked.status_code == 429 and "请稍后再试" in locked.get_data(as_text=True)
    assert client.get("/").status_code == 302  # not signed in
    time_passes(fresh, 14)
    assert attempt(client, "records", PASSWORD).status_code == 429  # one minute to go
    time_passes(fresh, 2)
    assert attempt(client, "records", PASSWORD).status_code == 302
    assert client.get("/").status_code == 200
    # the failures that caused the lock are spent: one more wrong password is just wrong
    assert attempt(client, "records", "wrong again 1").status_code == 200


def test_one_address_trying_many_usernames_is_throttled(fresh):
    client = _client(fresh)
    names = ["records", "admin", "Root", "zhangsan", "lisi", "wangwu", "test", "user", "guest",
             "operator"]
    for name in names:  # one wrong password each: no account reaches the limit
        assert attempt(client, name, "wrong password 1").status_code == 200
    for name in ("records", "somebody-else"):
        response = attempt(client, name, PASSWORD)
        assert response.status_code == 429 and "请稍后再试" in response.get_data(as_text=True)
    entry = actions(fresh, "login.throttled")[-1]
    assert entry.target == HERE and entry.detail["by"] == "address"
    # the same account from another address is not held back by this address's lock
    assert attempt(client, "records", PASSWORD, addr=THERE).status_code == 302


def test_one_account_tried_from_many_addresses_is_throttled(fresh):
    client = _client(fresh)
    for i in range(10):
        typed = ("Admin", "ADMIN", "admin")[i % 3]  # case variants are one account
        assert attempt(client, typed, "wrong password 1", addr=f"192.0.2.{100 + i}").status_code \
            == 200
    response = attempt(client, "admin", PASSWORD, addr="198.51.100.7")
    assert response.status_code == 429
    assert actions(fresh, "login.throttled")[-1].detail["by"] == "account"
    # other accounts from that address are fine
    assert attempt(client, "records", PASSWORD, addr="198.51.100.7").status_code == 302


def test_failures_older_than_the_window_do_not_count(fresh):
    client = _client(fresh)
    for i in range(9):
        attempt(client, "records", f"wrong password {i}")
    time_passes(fresh, 16)
    assert attempt(client, "records", "wrong password 9").status_code == 200
    assert attempt(client, "records", PASSWORD).status_code == 302


def test_the_limits_come_from_the_settings(tmp_path, renderer):
    archive = _instance(tmp_path, renderer, login_max_failures=3, login_lockout_minutes=2)
    client = _client(archive)
    codes = [attempt(client, "records", f"wrong password {i}").status_code for i in range(4)]
    assert codes == [200, 200, 200, 429]
    assert "约 2 分钟后" in attempt(client, "records", PASSWORD).get_data(as_text=True)
    time_passes(archive, 3)
    assert attempt(client, "records", PASSWORD).status_code == 302


def test_unknown_users_cost_a_hash_check_like_known_ones(fresh, monkeypatch):
    import archive.signin as signin
    from archive.users import dummy_hash

    checked = []
    real = signin.check_password
    monkeypatch.setattr(signin, "check_password",
                        lambda stored, password: checked.append(stored) or real(stored, password))
    client = _client(fresh)
    assert attempt(client, "no-such-user", "wrong password 1").status_code == 200
    assert checked == [dummy_hash()]
    assert attempt(client, "records", "wrong password 1").status_code == 200
    assert len(checked) == 2 and checked[1] != dummy_hash() and checked[1].startswith("scrypt$")
