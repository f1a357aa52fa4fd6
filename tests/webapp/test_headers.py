"""Headers and caching: a Content-Security-Policy without inline script on every page, checked
by walking every GET route as each role; no-store on everything a signed-in user is served
except photo thumbnails (private, one hour)."""
from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import url_for
from sqlalchemy import select

from archive.models import Document, Firm, Job, Mailing, Photo, Sampling
from docgen.ems import s10_check_digit
from tests.conftest import DEMO
from tests.webapp.conftest import PASSWORD, csrf_of

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "webapp" / "templates"
CSP = ("default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'self'; "
       "form-action 'self'; frame-ancestors 'self'")
TASK = "JC2023-01-DX"
ROLES = ("admin", "clerk", "mailing", "records")


class PageProblems(HTMLParser):
    """What the policy would block or what runs inline: <script> without src, <style>,
    on…= handlers, style= attributes, javascript: links, scripts from elsewhere."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "script":
            src = values.get("src") or ""
            if not src:
                self.problems.append("inline <script>")
            elif not src.startswith("/static/"):
                self.problems.append(f"script from {src}")
        if tag == "style":
            self.problems.append("<style> block")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…>")
            if name == "style":
                self.problems.append(f"<{tag} style=…>")
            if name in ("href", "src", "action", "formaction") and value and \
                    value.strip().lower().startswith("javascript:"):
                self.problems.append(f"<{tag} {name}=javascript:…>")


def problems_of(html: str) -> list[str]:
    parser = PageProblems()
    parser.feed(html)
    parser.close()
    return parser.problems


def test_the_page_checker_finds_what_it_looks_for():
    html = ('<title>x<script>alert(1)</script></title><a href="JavaScript:x()">a</a>'
            '<button onclick="x()">b</button><p style="color:red"></p><style>p{}</style>'
            '<script src="https://cdn.example/x.js"></script><script src="/static/ok.js"></script>')
    assert sorted(problems_of(html)) == sorted([
        "inline <script>", "<a href=javascript:…>", "<button onclick=…>", "<p style=…>",
        "<style> block", "script from https://cdn.example/x.js"])


@pytest.fixture(scope="module")
def world(seeded):
    """The seeded instance with results, result packets and lists, a signed-for posting with a
    tracking printout, and a job of each kind, so that every page has something to show."""
    seeded.results.import_file(DEMO / "results-jincheng-cable.json", actor="test")
    seeded.result_docs.generate(task_code=TASK, actor="test")
    seeded.result_docs.generate_lists(TASK, actor="test")
    number = f"EA30000001{s10_check_digit('30000001')}CN"
    seeded.mailings.record_ems("JC2023DX0001", number, actor="test")
    seeded.mailings.record_signed(number, date.today(), signed_by="李四", actor="test",
                                  tracking=(DEMO / "photos" / "site-0001.jpg").read_bytes(),
                                  tracking_name="tracking.jpg")
    seeded.mailings.record_ems("JC2023DX0002", f"EA30000002{s10_check_digit('30000002')}CN",
                               actor="test")  # posted, not yet signed for
    with seeded.session() as s:
        running = Job(kind="generate", params={"task": TASK, "blank": False}, state="running",
                      done=1, total=6, created_by="clerk")
        done = Job(kind="results", params={"task": TASK, "samples": ["JC2023DX0001"],
                                           "mailer": "envelope", "batch": []},
                   state="done", done=1, total=1, created_by="mailing")
        s.add_all([running, done])
        s.flush()
        ids = {
            "document_id": s.scalars(select(Document.id).order_by(Document.id)).first(),
            "credit_code": s.scalars(select(Firm.credit_code).join(
                Sampling, Sampling.firm_id == Firm.id)).first(),
            "photo_id": s.scalars(select(Photo.id)).first(),
            "mailing_id": s.scalars(select(Mailing.id)).first(),
            "trips.job": running.id, "resultdocs.job": done.id,
            "trips.job_status": running.id, "resultdocs.job_status": done.id,
        }
    return seeded, ids


def urls(app, ids) -> dict[str, list[str]]:
    """One or more concrete URLs for every GET route of the app, by endpoint."""
    values = {"sample_no": "JC2023DX0001", "code": TASK, **ids}
    special = {"trips.packet": [{"code": TASK, "fmt": "pdf"}, {"code": TASK, "fmt": "zip"}],
               "admin.template_download": [{"code": "notice"}],
               "records.search": [{"q": "鑫达"}, {}],
               "mailing.mailing_list": [{"code": TASK}, {"code": TASK, "all": 1}],
               "records.home": [{}]}
    found: dict[str, list[str]] = {}
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint == "static":
                continue
            options = special.get(rule.endpoint) or [
                {arg: ids.get(rule.endpoint, values.get(arg)) if arg == "job_id" else values[arg]
                 for arg in rule.arguments}]
            found.setdefault(rule.endpoint, []).extend(
                url_for(rule.endpoint, **o) for o in options)
    return found


def signed_in(app, role):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    response = client.post("/login", data={"username": role, "password": PASSWORD,
                                           "csrf_token": csrf_of(page)})
    assert response.status_code == 302
    return client


@pytest.mark.parametrize("role", ROLES)
def test_every_page_any_role_can_open_has_the_policy_and_no_inline_script(app, world, role):
    archive, ids = world
    client = signed_in(app, role)
    everything = urls(app, ids)
    assert "results.sample" in everything and "mailing.all" in everything
    seen_html = 0
    for endpoint, targets in everything.items():
        for target in targets:
            response = client.get(target)
            assert response.status_code in (200, 403), (target, response.status_code)
            assert response.headers["Cache-Control"] == (
                "private, max-age=3600" if endpoint == "visits.thumb" else "no-store"), target
            if response.mimetype != "text/html":
                continue
            seen_html += 1
            assert response.headers["Content-Security-Policy"] == CSP, target
            found = problems_of(response.get_data(as_text=True))
            assert not found, (target, found)
    assert seen_html >= (25 if role == "admin" else 5)


def test_admin_reaches_every_route_the_walk_knows(app, world):
    """The walk above is only worth something if it opens every page: admin gets each one."""
    archive, ids = world
    client = signed_in(app, "admin")
    for endpoint, targets in urls(app, ids).items():
        for target in targets:
            assert client.get(target).status_code == 200, target


@pytest.mark.parametrize("path, status", [("/login", 200), ("/no-such-page", 302),
                                          ("/static/app.css", 200)])
def test_pages_before_sign_in_have_the_headers_too(client, path, status):
    response = client.get(path)
    assert response.status_code == status
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    if response.mimetype == "text/html":
        assert response.headers["Content-Security-Policy"] == CSP
        assert not problems_of(response.get_data(as_text=True))


def test_the_throttled_and_error_pages_have_the_policy(app, client, login):
    for _ in range(11):
        page = client.get("/login").get_data(as_text=True)
        response = client.post("/login", data={"username": "csp-probe", "password": "x",
                                               "csrf_token": csrf_of(page)},
                               environ_base={"REMOTE_ADDR": "192.0.2.77"})
    assert response.status_code == 429
    assert response.headers["Content-Security-Policy"] == CSP
    assert not problems_of(response.get_data(as_text=True))
    login("clerk")
    for path in ("/no-such-page", "/admin/users", "/samplings/NOPE"):
        response = client.get(path)
        assert response.status_code in (403, 404)
        assert response.headers["Content-Security-Policy"] == CSP
        assert response.headers["Cache-Control"] == "no-store"
        assert not problems_of(response.get_data(as_text=True))


@pytest.mark.parametrize("endpoint", [
    "records.view", "records.download", "records.firm_dossier", "records.sampling_dossier",
    "results.report", "mailing.tracking", "trips.packet", "mailing.mailing_list"])
def test_documents_reports_printouts_dossiers_bundles_and_sheets_are_never_stored(app, world,
                                                                                  endpoint):
    archive, ids = world
    client = signed_in(app, "admin")
    for target in urls(app, ids)[endpoint]:
        response = client.get(target)
        assert response.status_code == 200 and response.mimetype != "text/html"
        assert response.headers["Cache-Control"] == "no-store"
        assert "Expires" not in response.headers


def test_thumbnails_are_kept_by_this_browser_for_an_hour_and_by_no_proxy(app, world):
    archive, ids = world
    response = signed_in(app, "clerk").get(f"/photos/{ids['photo_id']}/thumb")
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert response.headers["Cache-Control"] == "private, max-age=3600"


def test_static_files_may_be_cached(client):
    assert client.get("/static/app.css").headers.get("Cache-Control") != "no-store"


def test_no_template_has_inline_script_handlers_or_styles():
    """Also the branches a walk does not render (errors, empty lists, other states)."""
    checks = {"inline <script>": r"<script(?![^>]*\bsrc=)", "<style>": r"<style",
              "on…= handler": r"\son[a-z]+\s*=", "style=": r"\sstyle\s*=",
              "javascript:": r"javascript:"}
    bad = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        bad += [f"{path.relative_to(TEMPLATES)}: {name}" for name, pattern in checks.items()
                if re.search(pattern, text, re.IGNORECASE)]
    assert not bad


def test_the_mailing_page_title_is_plain_text(app, world):
    page = signed_in(app, "mailing").get("/mailing").get_data(as_text=True)
    assert re.search(r"<title>([^<]*)</title>", page).group(1) == "结果邮寄"
