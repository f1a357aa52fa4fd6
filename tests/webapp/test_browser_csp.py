"""In a real browser with the Content-Security-Policy in force: the page scripts, now static
files, still work (the results page's 添加一行, the mailing page's scan-and-Enter), and the
browser reports no policy violation."""
from __future__ import annotations

import pytest

from docgen.ems import s10_check_digit
from tests.conftest import DEMO
from tests.webapp.conftest import PASSWORD
from tests.webapp.test_browser import CHROMIUM, page, server, wait_until  # noqa: F401



@pytest.fixture
def violations(page):  # noqa: F811
    """Console messages in which the browser reports a blocked script, style or frame."""
    seen: list[str] = []
    page.on("console", lambda m: seen.append(m.text) if "Content Security Policy" in m.text
            else None)
    return seen


def sign_in(page, server, user):  # noqa: F811
    page.goto(f"{server}/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server}/")


def test_the_results_page_adds_a_failed_item_row_under_the_policy(
        server, page, violations):  # noqa: F811
    sign_in(page, server, "clerk")
    response = page.goto(f"{server}/samplings/JC2023DX0002/result")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    rows = page.locator("#item-rows tr")
    before = rows.count()
    assert page.locator("#add-item").is_visible()  # hidden unless its script ran
    page.click("#add-item")
    assert rows.count() == before + 1
    label = page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert label == f"第{before + 1}行检验项目"
    page.fill(f"[aria-label='第{before + 1}行检验项目']", "绝缘电阻")
    assert violations == []


def test_a_scan_and_enter_saves_and_a_refused_number_is_replaced_by_the_next_scan(
        server, page, seeded, violations):  # noqa: F811
    seeded.results.import_file(DEMO / "results-jincheng-cable.json", actor="test")
    good = f"EA40000001{s10_check_digit('40000001')}CN"
    sign_in(page, server, "mailing")
    response = page.goto(f"{server}/tasks/JC2023-01-DX/mailing")
    assert "frame-ancestors 'self'" in response.headers["content-security-policy"]
    box = "[aria-label='JC2023DX0001 的 EMS 单号']"
    wait_until(page, f"document.activeElement === document.querySelector({box!r})")
    page.keyboard.type("EA123456780CN")  # a misread: wrong check digit
    page.keyboard.press("Enter")
    page.wait_for_selector("#row-JC2023DX0001 .field-error:has-text('校验位错误')")
    # the refused number is selected, so the next scan replaces it
    wait_until(page, f"(b => b === document.activeElement && b.selectionStart === 0 && "
                     f"b.selectionEnd === b.value.length && b.value.length > 0)"
                     f"(document.querySelector({box!r}))")
    page.keyboard.type(good)
    page.keyboard.press("Enter")
    page.wait_for_selector(f"text=已登记 EMS {good}")
    assert violations == []
