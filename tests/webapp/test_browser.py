"""In a real browser (Playwright driving Debian's Chromium): the records officer signs in,
finds a firm by a 2-character fragment and opens its PDF."""
from __future__ import annotations

import shutil
import socket
import threading
import time

import pytest

from tests.webapp.conftest import PASSWORD

# Browser tests run, or fail: scripts/test.sh installs Debian's chromium and playwright.
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
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

    def run():
        try:
            srv.run()
        except OSError:  # the socket closed under the loop at teardown
            pass

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    srv.close()


def wait_until(page, expression: str, timeout: float = 5.0) -> None:
    """Poll a JavaScript expression from here: Playwright's wait_for_function polls with eval
    inside the page, which the Content-Security-Policy (no 'unsafe-eval') blocks."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} s: {expression}")
        page.wait_for_timeout(50)


@pytest.fixture
def page(tmp_path):
    from playwright.sync_api import sync_playwright

    assert CHROMIUM, "Debian's chromium is not installed (scripts/test.sh installs it)"
    with sync_playwright() as p:
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
    link = page.locator("tr", has_text="抽查通知书").locator("a", has_text="打开 PDF").first
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


def _sign_in(page, server, user):
    page.goto(f"{server}/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server}/")


def test_clerk_plans_a_trip_and_downloads_the_packet(server, page, tmp_path):
    _sign_in(page, server, "clerk")
    page.click("text=抽查任务")
    page.click("text=新建任务")
    for name, value in (("code", "E2E-2023-01"), ("name", "浏览器测试任务"), ("source", "晋城市市场监督管理局"),
                        ("product_category", "电线电缆"), ("valid_from", "2023-01-01"),
                        ("valid_to", "2023-12-31"), ("trip_date", "2023-06-01")):
        page.fill(f"[name={name}]", value)
    page.select_option("select[name=agency_id]", index=1)
    page.select_option("select[name=institution_id]", index=1)
    boxes = page.locator("input[name=sampler_id]")
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.click("button:has-text('创建任务')")
    page.fill("input[name=q]", "永兴")
    page.click("button:has-text('查找')")
    page.click("form.found button:has-text('添加')")
    assert "已添加" in page.content()
    page.click("text=返回任务")
    page.click("button:has-text('生成并归档空白文书')")
    page.wait_for_selector("#status:has-text('已完成')", timeout=60000)
    page.click("text=返回任务")
    with page.expect_download() as download:
        page.locator("a", has_text="下载打印用 PDF").first.click()
    path = tmp_path / "packet.pdf"
    download.value.save_as(path)
    assert path.read_bytes()[:5] == b"%PDF-"
    page.screenshot(path=str(tmp_path / "task.png"))


def test_clerk_records_a_visit_with_a_photo_and_archives_its_forms(server, page, tmp_path):
    from tests.conftest import DEMO

    _sign_in(page, server, "clerk")
    page.goto(f"{server}/samplings/JC2023DX0004")  # archived already: a change is a correction
    page.fill("[name=unit_price]", "-1")
    page.click("button:has-text('提交更正')")
    assert page.locator(".field-error", has_text="负数").count() == 1
    page.fill("[name=unit_price]", "58.00")
    page.click("button:has-text('提交更正')")
    assert page.locator(".field-error", has_text="更正原因").count() == 1
    page.fill("[name='correction.reason']", "单价按发票更正")
    page.click("button:has-text('提交更正')")
    assert "更正已记录" in page.content() and "单价按发票更正" in page.content()
    page.set_input_files("input[name=photo]", str(DEMO / "photos" / "site-0002.jpg"))
    page.fill("input[name=caption]", "浏览器上传")
    page.click("button:has-text('上传照片')")
    assert "照片已保存" in page.content()
    assert page.locator(".thumbs img").count() >= 2
    page.click("button:has-text('生成并归档填写完整的文书')")
    assert "已生成并归档" in page.content()


def test_mailing_clerk_scans_ems_numbers_records_signed_for_and_watches_the_window(
        server, page, seeded, tmp_path):
    from datetime import date

    from docgen.deadlines import days_left
    from docgen.ems import s10_check_digit
    from tests.conftest import DEMO

    seeded.results.import_file(DEMO / "results-jincheng-cable.json", actor="test")
    number = f"EA20000001{s10_check_digit('20000001')}CN"
    _sign_in(page, server, "mailing")
    page.click("header nav >> text=结果邮寄")
    page.click("nav.tabs >> text=JC2023-01-DX")

    def wait_focus(label: str) -> None:  # autofocus lands once the page has loaded
        wait_until(page, "document.activeElement && "
                         f"document.activeElement.getAttribute('aria-label') === {label!r}")

    wait_focus("JC2023DX0001 的 EMS 单号")
    page.keyboard.type(number.lower())  # what a barcode scanner does: the digits, then Enter
    page.keyboard.press("Enter")
    page.wait_for_selector(f"text=已登记 EMS {number}")
    wait_focus("JC2023DX0002 的 EMS 单号")  # ready for the next scan
    page.keyboard.type("EA123456780CN")  # a misread: the check digit is wrong
    page.keyboard.press("Enter")
    page.wait_for_selector("#row-JC2023DX0002 .field-error:has-text('校验位错误')")
    wait_focus("JC2023DX0002 的 EMS 单号")
    page.screenshot(path=str(tmp_path / "mailing.png"))

    page.fill("#signed input[name=key]", number)
    page.fill("#signed input[name=signed_by]", "李四（代收）")
    page.click("#signed button[type=submit]")
    end = seeded.mailings.window_end(date.today())
    page.wait_for_selector(f"text=异议期至 {end}")

    page.click("header nav >> text=送达期限")
    row = page.locator("#state-window_open tr", has_text="JC2023DX0001")
    assert str(end) in row.inner_text()
    assert f"剩 {days_left(end, date.today())} 天" in row.inner_text()
    assert page.locator("#state-to_send", has_text="JC2023DX0003").count() == 1
    page.screenshot(path=str(tmp_path / "board.png"), full_page=True)
