"""In a real browser (Playwright driving Debian's Chromium): the records officer signs in,
finds a firm by a 2-character fragment and opens its PDF."""
from __future__ import annotations

import shutil
import socket
import threading

import pytest

from tests.webapp.conftest import PASSWORD

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
playwright = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium not installed")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture
def server(app):
    from waitress.server import create_server

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    srv = create_server(app, host="127.0.0.1", port=port, threads=4)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    srv.close()


@pytest.fixture
def page(tmp_path):
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
        yield context.new_page()
        browser.close()


def test_records_officer_finds_a_firm_by_two_characters_and_opens_its_pdf(server, page, tmp_path):
    page.goto(f"{server}/search?q=鑫达")
    assert "/login" in page.url  # sign in first
    page.fill("input[name=username]", "records")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server}/search?q=*")
    assert page.locator("section.group h2").first.inner_text().startswith("JC2023DX0001")
    assert page.locator(".snippet b").first.inner_text() == "鑫达"
    page.screenshot(path=str(tmp_path / "search.png"))
    link = page.locator("tr", has_text="通知书（PDF）").locator("a", has_text="打开").first
    href = link.get_attribute("href")
    response = page.request.get(f"{server}{href}")
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body()[:5] == b"%PDF-"


def test_a_clerk_opening_an_admin_page_is_refused(server, page):
    page.goto(f"{server}/login")
    page.fill("input[name=username]", "clerk")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server}/")
    response = page.goto(f"{server}/admin/users")
    assert response.status == 403 and "无权访问" in page.content()
