"""Sessions end: a session cookie copied before a logout, a password change or disabling the
account stops working at once; users change their own password, admins disable, enable and
reset; every path keeps the password rules."""
from __future__ import annotations

import itertools
import time

import pytest
from sqlalchemy import select

from archive.models import AuditEntry, User
from archive.users import create_user
from tests.webapp.conftest import PASSWORD, csrf_of

_names = itertools.count(1)


@pytest.fixture
def person(seeded):
    """A fresh records-officer account for one test (the instance is shared by the module)."""
    name = f"person{next(_names)}"
    with seeded.session() as s:
        create_user(s, name, PASSWORD, "records", f"{name}用户")
    return name


def sign_in(client, username, password=PASSWORD):
    page = client.get("/login").get_data(as_text=True)
    response = client.post("/login", data={"username": username, "password": password,
                                           "csrf_token": csrf_of(page)})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def copy_of_session(app, client):
    """A second browser holding a copy of `client`'s session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def post_form(client, page_url, url, data):
    page = client.get(page_url).get_data(as_text=True)
    return client.post(url, data={**data, "csrf_token": csrf_of(page)})


def user_row(seeded, name) -> User:
    with seeded.session() as s:
        return s.scalars(select(User).where(User.username == name)).one()


def audit_actions(seeded, target):
    with seeded.session() as s:
        return [a for (a,) in s.execute(select(AuditEntry.action).where(
            AuditEntry.target == target))]


def test_a_copied_session_cookie_works_until_logout_and_never_after(app, client, person, seeded):
    sign_in(client, person)
    thief = copy_of_session(app, client)
    assert thief.get("/").status_code == 200
    other_browser = app.test_client()
    sign_in(other_browser, person)
    post_form(client, "/", "/logout", {})
    assert client.get("/").status_code == 302
    assert thief.get("/").status_code == 302 and thief.get("/search?q=x").status_code == 302
    assert other_browser.get("/").status_code == 302  # logout ends every session of the user
    with seeded.session() as s:
        assert "logout" in [a for (a,) in s.execute(select(AuditEntry.action).where(
            AuditEntry.actor == person))]


def test_a_copied_cookie_stops_working_when_the_user_changes_their_password(app, client, person,
                                                                             seeded):
    sign_in(client, person)
    thief = copy_of_session(app, client)
    assert thief.get("/").status_code == 200
    response = post_form(client, "/account/password", "/account/password", {
        "current": PASSWORD, "password": "a fresh secret 42", "confirm": "a fresh secret 42"})
    assert response.status_code == 302
    assert "密码已修改" in client.get("/").get_data(as_text=True)  # this browser stays in
    assert thief.get("/").status_code == 302
    assert "user.password" in audit_actions(seeded, person)
    fresh = app.test_client()
    page = fresh.get("/login").get_data(as_text=True)
    assert fresh.post("/login", data={"username": person, "password": PASSWORD,
                                      "csrf_token": csrf_of(page)}).status_code == 200
    sign_in(fresh, person, "a fresh secret 42")


def test_a_copied_cookie_stops_working_when_an_admin_disables_the_account(app, client, login,
                                                                          person, seeded):
    victim = app.test_client()
    sign_in(victim, person)
    thief = copy_of_session(app, victim)
    assert thief.get("/").status_code == 200
    login("admin")
    uid = user_row(seeded, person).id
    for missing in ({}, {"active": "yes"}):  # a missing or odd field never disables anyone
        assert post_form(client, "/admin/users", f"/admin/users/{uid}/active",
                         missing).status_code == 400
        assert user_row(seeded, person).active and thief.get("/").status_code == 200
    response = post_form(client, "/admin/users", f"/admin/users/{uid}/active", {"active": "0"})
    assert response.status_code == 302
    assert "已停用用户" in client.get("/admin/users").get_data(as_text=True)
    assert thief.get("/").status_code == 302 and victim.get("/").status_code == 302
    assert not user_row(seeded, person).active
    assert "user.disable" in audit_actions(seeded, person)
    # enabling again lets the user sign in anew; the old cookie stays dead
    assert post_form(client, "/admin/users", f"/admin/users/{uid}/active",
                     {"active": "1"}).status_code == 302
    assert "user.enable" in audit_actions(seeded, person)
    assert thief.get("/").status_code == 302
    sign_in(app.test_client(), person)


def test_a_copied_cookie_stops_working_when_an_admin_resets_the_password(app, client, login,
                                                                        person, seeded):
    victim = app.test_client()
    sign_in(victim, person)
    thief = copy_of_session(app, victim)
    assert thief.get("/").status_code == 200  # and the user is in the loader's cache
    login("admin")
    uid = user_row(seeded, person).id
    response = post_form(client, "/admin/users", f"/admin/users/{uid}/password",
                         {"password": "reset by admin 7"})
    assert response.status_code == 302
    assert thief.get("/").status_code == 302 and victim.get("/").status_code == 302
    sign_in(app.test_client(), person, "reset by admin 7")
    assert client.get("/admin/users").status_code == 200  # the admin is still signed in


def test_set_password_on_the_command_line_ends_the_sessions(app, client, person, seeded,
                                                             monkeypatch, capsys):
    import webapp.__main__ as cli
    from webapp import auth

    sign_in(client, person)
    monkeypatch.setenv("SPOTCHECK_HOME", str(seeded.config.home))
    monkeypatch.setenv("SPOTCHECK_DATABASE_URL", seeded.config.database_url)
    monkeypatch.setattr(cli, "_ask", lambda prompt="": "from the shell 8")
    assert cli.main(["set-password", person.upper()]) == 0
    assert f"用户 {person} 的密码已更新" in capsys.readouterr().out
    # another process: this one trusts its cache for _USER_TTL seconds, then asks again
    later = time.monotonic() + auth._USER_TTL + 1
    monkeypatch.setattr(auth.time, "monotonic", lambda: later)
    assert client.get("/").status_code == 302
    sign_in(app.test_client(), person, "from the shell 8")


@pytest.mark.parametrize("password, message", [
    ("short", "密码至少 10 个字符"), ("qwertyuiop", "这个密码太常见"),
    ("QwertyUiop", "这个密码太常见"), ("1234567890", "这个密码太常见")])
def test_set_password_on_the_command_line_keeps_the_rules(seeded, person, monkeypatch, capsys,
                                                          password, message):
    import webapp.__main__ as cli

    monkeypatch.setenv("SPOTCHECK_HOME", str(seeded.config.home))
    monkeypatch.setenv("SPOTCHECK_DATABASE_URL", seeded.config.database_url)
    monkeypatch.setattr(cli, "_ask", lambda prompt="": password)
    assert cli.main(["set-password", person]) == 2
    assert message in capsys.readouterr().err


def test_the_command_line_asks_twice_and_refuses_a_mismatch(seeded, person, monkeypatch, capsys):
    import webapp.__main__ as cli

    monkeypatch.setenv("SPOTCHECK_HOME", str(seeded.config.home))
    monkeypatch.setenv("SPOTCHECK_DATABASE_URL", seeded.config.database_url)
    answers = iter(["first answer 12", "second answer 12"])
    monkeypatch.setattr(cli, "_ask", lambda prompt="": next(answers))
    assert cli.main(["set-password", person]) == 2
    assert "两次输入的密码不一致" in capsys.readouterr().err


@pytest.mark.parametrize("password, message", [
    ("short", "密码至少 10 个字符"), ("qwertyuiop", "这个密码太常见"),
    ("QWERTYUIOP", "这个密码太常见"), ("iloveyou12", "这个密码太常见")])
def test_every_web_path_to_a_password_keeps_the_rules(app, client, login, person, seeded,
                                                      password, message):
    login("admin")
    created = post_form(client, "/admin/users", "/admin/users", {
        "username": f"new-{person}", "display_name": "新", "role": "clerk", "password": password})
    assert created.status_code == 400 and message in created.get_data(as_text=True)
    uid = user_row(seeded, person).id
    reset = post_form(client, "/admin/users", f"/admin/users/{uid}/password",
                      {"password": password})
    assert reset.status_code == 400 and message in reset.get_data(as_text=True)
    own = app.test_client()
    sign_in(own, person)
    changed = post_form(own, "/account/password", "/account/password", {
        "current": PASSWORD, "password": password, "confirm": password})
    assert changed.status_code == 400 and message in changed.get_data(as_text=True)
    sign_in(app.test_client(), person)  # the old password still works


def test_changing_ones_password_needs_the_current_one(app, client, person, seeded):
    sign_in(client, person)
    wrong = post_form(client, "/account/password", "/account/password", {
        "current": "not my password", "password": "a fresh secret 42",
        "confirm": "a fresh secret 42"})
    assert wrong.status_code == 400 and "当前密码不正确" in wrong.get_data(as_text=True)
    assert "user.password.failed" in audit_actions(seeded, person)
    mismatch = post_form(client, "/account/password", "/account/password", {
        "current": PASSWORD, "password": "a fresh secret 42", "confirm": "a fresh secret 43"})
    assert mismatch.status_code == 400 and "两次输入的新密码不一致" in mismatch.get_data(as_text=True)
    no_token = client.post("/account/password", data={
        "current": PASSWORD, "password": "a fresh secret 42", "confirm": "a fresh secret 42"})
    assert no_token.status_code == 400
    sign_in(app.test_client(), person)  # unchanged


def test_an_admin_cannot_disable_their_own_account(client, login, seeded):
    login("admin")
    uid = user_row(seeded, "admin").id
    response = post_form(client, "/admin/users", f"/admin/users/{uid}/active", {"active": "0"})
    assert response.status_code == 400 and "不能停用自己的账号" in response.get_data(as_text=True)
    assert user_row(seeded, "admin").active


def test_only_an_admin_may_disable_or_reset_and_only_with_a_token(app, client, login, person,
                                                                  seeded):
    uid = user_row(seeded, person).id
    login("clerk")
    page = client.get("/").get_data(as_text=True)
    assert client.post(f"/admin/users/{uid}/active", data={
        "active": "0", "csrf_token": csrf_of(page)}).status_code == 403
    admin = app.test_client()
    sign_in(admin, "admin")
    assert admin.post(f"/admin/users/{uid}/active", data={"active": "0"}).status_code == 400
    assert admin.post(f"/admin/users/{uid}/password",
                      data={"password": "without a token 1"}).status_code == 400
    page = admin.get("/admin/users").get_data(as_text=True)
    for bad in (999999, 2 ** 63, 2 ** 70):
        assert admin.post(f"/admin/users/{bad}/active", data={
            "active": "0", "csrf_token": csrf_of(page)}).status_code == 404
    assert user_row(seeded, person).active


def test_a_remember_me_cookie_gets_nobody_in(app, person, seeded):
    from flask_login.utils import encode_cookie

    user = user_row(seeded, person)
    for version in (user.session_version, user.session_version - 1):
        with app.test_request_context():
            token = encode_cookie(f"{user.id}:{version}")
        browser = app.test_client()
        browser.set_cookie("remember_token", token)
        assert browser.get("/").status_code == 302


def test_a_cookie_of_an_older_session_version_is_refused_by_the_user_loader(app, person, seeded):
    from webapp.auth import load_user

    user = user_row(seeded, person)
    with app.test_request_context():
        assert load_user(f"{user.id}:{user.session_version}").username == person
        assert load_user(f"{user.id}:{user.session_version - 1}") is None
        assert load_user(f"{user.id}:{user.session_version + 1}") is None
        for junk in (str(user.id), f"{user.id}:x", "", f"{2 ** 64}:0", f"{user.id}:0:0"):
            assert load_user(junk) is None


def test_a_session_ends_on_the_server_after_its_lifetime(app, client, person):
    sign_in(client, person)
    assert client.get("/").status_code == 200
    limit = app.permanent_session_lifetime.total_seconds()
    with client.session_transaction() as session:
        session["login_at"] = int(time.time() - limit - 60)
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert "登录已超时" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_records_without_any_user_are_never_given_a_printed_admin_password(tmp_path, renderer,
                                                                           monkeypatch, capsys):
    from sqlalchemy import delete

    from archive.config import Config
    from archive.models import User
    from archive.service import Archive
    from tests.conftest import DEMO
    from webapp import __main__ as cli
    from webapp.bootstrap import NoUsers, ensure_admin

    home = tmp_path / "inst"
    archive = Archive(Config(home, f"sqlite:///{home / 'spotcheck.db'}", "t"), renderer=renderer)
    assert ensure_admin(archive)  # a new instance: the first admin, password printed once
    archive.import_file(DEMO / "trip-qingpu-blank.json", actor="t")
    with archive.session() as s:
        s.execute(delete(User))  # the users table emptied, the records still there
    with pytest.raises(NoUsers):
        ensure_admin(archive)
    monkeypatch.setenv("SPOTCHECK_HOME", str(home))
    monkeypatch.setenv("SPOTCHECK_DATABASE_URL", archive.config.database_url)
    assert cli.main(["serve", "--port", "1", "--no-demo"]) == 2
    err = capsys.readouterr().err
    assert "没有任何用户账号" in err and "初始密码" not in err
    monkeypatch.setattr(cli, "_ask", lambda prompt="": "a brand new horse 7")
    assert cli.main(["set-password", "admin"]) == 0  # made anew, on the server's console
    with archive.session() as s:
        assert s.scalars(select(User.username)).all() == ["admin"]
