"""Sign-in, roles, CSRF, where a sign-in may send you, case-blind usernames, and the pages
nobody may reach without logging in."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from archive.models import AuditEntry
from tests.webapp.conftest import PASSWORD, csrf_of


@pytest.mark.parametrize("path", ["/", "/search?q=晋城", "/documents/1", "/documents/1/download",
                                  "/firms/91140525MA0H2K7B2W", "/verify", "/admin/users",
                                  "/admin/audit", "/account/password"])
def test_every_page_but_login_needs_a_login(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_login_with_the_right_password_and_every_attempt_is_audited(client, login, seeded):
    assert login("records", "wrong password").status_code == 200
    response = login("records")
    assert response.status_code == 302
    assert "档案" in client.get("/").get_data(as_text=True)
    with seeded.session() as s:
        actions = [a for (a,) in s.execute(select(AuditEntry.action).where(
            AuditEntry.actor == "records"))]
    assert "login.failed" in actions and "login" in actions


def test_a_login_without_csrf_token_is_refused(client):
    response = client.post("/login", data={"username": "admin", "password": "x"})
    assert response.status_code == 400


def test_a_clerk_cannot_open_admin_pages(client, login):
    login("clerk")
    assert client.get("/admin/users").status_code == 403
    assert client.get("/verify").status_code == 403


def _sign_in_with_next(client, raw_next: str):
    """POST the sign-in form to /login?next=<raw_next> (raw: already percent-encoded)."""
    page = client.get("/login").get_data(as_text=True)
    return client.post(f"/login?next={raw_next}", data={
        "username": "records", "password": PASSWORD, "csrf_token": csrf_of(page)})


OFF_SITE = [
    "//evil.example/x", "%2F%2Fevil.example", "/%2Fevil.example", "/\\evil.example",
    "/%5Cevil.example", "%5C%5Cevil.example", "/%09/evil.example", "/%0a/evil.example",
    "/%0d/x", "/%0d%0aSet-Cookie:x=1", "%0d%0aLocation:%20//evil.example", "/%20/evil.example",
    "%20/evil.example", "/%00/evil.example", "/%E2%80%8B/evil.example", "/%E3%80%80/evil.example",
    "/%C2%85/evil.example", "https://evil.example", "https:evil.example", "http%3A//evil.example",
    "javascript:alert(1)", "evil.example", "", "%2F%5Cevil.example", "/x%09/../%2F/evil.example",
    "/" + "a" * 5000, "///evil.example", "/.//evil.example%09",
]


@pytest.mark.parametrize("raw_next", OFF_SITE)
def test_a_sign_in_never_sends_you_off_the_site(client, raw_next):
    response = _sign_in_with_next(client, raw_next)
    assert response.status_code == 302
    location = response.headers["Location"]
    parts = urlsplit(location)
    assert not parts.scheme and not parts.netloc and location.startswith("/")
    assert not location.startswith(("//", "/\\"))
    assert all(c.isprintable() and not c.isspace() for c in location)
    assert location == "/"  # every one of these is refused: the start page instead


@pytest.mark.parametrize("raw_next, location", [
    ("/search%3Fq%3D%25E9%2591%25AB%25E8%25BE%25BE", "/search?q=%E9%91%AB%E8%BE%BE"),
    ("/firms/91140525MA0H2K7B2W", "/firms/91140525MA0H2K7B2W"),
    ("/tasks/JC2023-01-DX%23row-1", "/tasks/JC2023-01-DX#row-1"),
    ("/search%3Fq%3D%E9%91%AB%E8%BE%BE", "/search?q=%E9%91%AB%E8%BE%BE"),  # raw non-ASCII
    ("/a/%5Cb", "/a/%5Cb"),  # a backslash after the first segment stays in the path
])
def test_a_sign_in_returns_to_the_page_you_came_from_on_this_site(client, raw_next, location):
    assert _sign_in_with_next(client, raw_next).headers["Location"] == location


def test_the_login_redirect_keeps_the_page_the_login_interrupted(client):
    first = client.get("/search?q=鑫达")
    assert first.status_code == 302
    login_url = first.headers["Location"]
    page = client.get(login_url).get_data(as_text=True)
    response = client.post(login_url, data={"username": "records", "password": PASSWORD,
                                            "csrf_token": csrf_of(page)})
    assert response.headers["Location"].startswith("/search?q=")
    assert client.get(response.headers["Location"]).status_code == 200


@pytest.mark.parametrize("typed", ["Records", "RECORDS", "  records  ", "rEcOrDs"])
def test_usernames_are_case_blind_at_sign_in(client, typed):
    page = client.get("/login").get_data(as_text=True)
    response = client.post("/login", data={"username": typed, "password": PASSWORD,
                                           "csrf_token": csrf_of(page)})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "records用户" in client.get("/").get_data(as_text=True)


def test_a_wrong_password_gets_one_message_whether_or_not_the_user_exists(client, login):
    known = login("records", "not the password 1").get_data(as_text=True)
    unknown = login("nobody-here", "not the password 1").get_data(as_text=True)
    assert "用户名或密码错误" in known and "用户名或密码错误" in unknown


def test_a_disabled_account_cannot_sign_in(client, login, seeded):
    from archive.users import create_user, set_active

    with seeded.session() as s:
        create_user(s, "leaver", PASSWORD, "records")
        set_active(s, "leaver", False, actor="test")
    response = login("leaver")
    assert response.status_code == 200 and "用户名或密码错误" in response.get_data(as_text=True)


def test_admin_adds_a_user_with_a_role(client, login, seeded):
    login("admin")
    page = client.get("/admin/users").get_data(as_text=True)
    response = client.post("/admin/users", data={"username": "zhangsan", "display_name": "张三",
                                                  "role": "mailing", "password": "short",
                                                  "csrf_token": csrf_of(page)})
    assert response.status_code == 400
    assert "密码至少 10 个字符" in response.get_data(as_text=True)
    response = client.post("/admin/users", data={"username": "zhangsan", "display_name": "张三",
                                                  "role": "mailing", "password": "long enough 1",
                                                  "csrf_token": csrf_of(page)})
    assert response.status_code == 302
    assert "zhangsan" in client.get("/admin/users").get_data(as_text=True)


@pytest.mark.parametrize("name", ["Admin", "CLERK", "Records"])
def test_a_username_differing_only_in_case_is_refused_as_a_duplicate(client, login, seeded, name):
    login("admin")
    page = client.get("/admin/users").get_data(as_text=True)
    response = client.post("/admin/users", data={"username": name, "display_name": "重复",
                                                  "role": "mailing", "password": "long enough 1",
                                                  "csrf_token": csrf_of(page)})
    assert response.status_code == 400
    assert f"用户名 {name} 已存在" in response.get_data(as_text=True)
    from archive.models import User

    with seeded.session() as s:
        assert s.scalars(select(User).where(User.username == name)).first() is None


def test_the_database_refuses_a_case_variant_even_past_the_check(seeded):
    """The unique index on lower(username) backs the check up."""
    from sqlalchemy.exc import IntegrityError

    from archive.models import User

    with pytest.raises(IntegrityError):
        with seeded.session() as s:
            s.add(User(username="ADMIN", role="admin", password_hash="x"))


def test_session_cookie_is_http_only_and_lasts_only_the_browser_session(client, login):
    response = login("records")
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Expires=" not in cookie and "Max-Age=" not in cookie


def test_a_full_width_lookalike_username_is_the_same_account(seeded):
    from archive.users import UserError, create_user, find_user

    with seeded.session() as s:
        with pytest.raises(UserError, match="已存在"):
            create_user(s, "ｃｌｅｒｋ", "another horse 9", "clerk")
        assert find_user(s, "ＣＬＥＲＫ").username == "clerk"
