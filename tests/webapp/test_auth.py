"""Sign-in, roles, CSRF and the pages nobody may reach without logging in."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from archive.models import AuditEntry
from tests.webapp.conftest import csrf_of


@pytest.mark.parametrize("path", ["/", "/search?q=晋城", "/documents/1", "/documents/1/download",
                                  "/firms/91140525MA0H2K7B2W", "/verify", "/admin/users",
                                  "/admin/audit"])
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


def test_the_login_redirect_never_leaves_the_site(client):
    page = client.get("/login?next=//evil.example/x").get_data(as_text=True)
    response = client.post("/login?next=//evil.example/x", data={
        "username": "records", "password": "correct horse 1", "csrf_token": csrf_of(page)})
    assert response.headers["Location"] == "/"


def test_admin_adds_a_user_with_a_role(client, login, seeded):
    login("admin")
    page = client.get("/admin/users").get_data(as_text=True)
    response = client.post("/admin/users", data={"username": "zhangsan", "display_name": "张三",
                                                  "role": "mailing", "password": "short",
                                                  "csrf_token": csrf_of(page)})
    assert "密码至少 8 位" in response.get_data(as_text=True)
    response = client.post("/admin/users", data={"username": "zhangsan", "display_name": "张三",
                                                  "role": "mailing", "password": "long enough 1",
                                                  "csrf_token": csrf_of(page)})
    assert response.status_code == 302
    assert "zhangsan" in client.get("/admin/users").get_data(as_text=True)


def test_session_cookie_is_http_only(client, login):
    response = login("records")
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
