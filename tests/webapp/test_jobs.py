"""Background jobs on the web: a server killed mid-generation leaves a job that reads 已中断 with
what was done and that 继续 finishes; a job whose worker went silent is reported interrupted;
the search index deleted under a running server is rebuilt, never a 500."""
from __future__ import annotations

import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from archive.config import Config
from archive.models import Document, Job
from archive.service import Archive
from archive.users import create_user
from tests.webapp.conftest import PASSWORD, csrf_of
from webapp import create_app

REPO = Path(__file__).resolve().parents[2]


# -- a real server, killed ---------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browser:
    """Cookies and CSRF tokens against a running server, with the standard library only."""

    def __init__(self):
        self.base = ""
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str) -> tuple[str, str]:
        with self.opener.open(self.base + path, timeout=30) as r:
            return r.geturl(), r.read().decode("utf-8")

    def json(self, path: str) -> dict:
        return json.loads(self.get(path)[1])

    def post(self, path: str, form_page: str, **data) -> tuple[str, str]:
        body = urllib.parse.urlencode({"csrf_token": csrf_of(self.get(form_page)[1]), **data})
        with self.opener.open(self.base + path, body.encode(), timeout=30) as r:
            return r.geturl(), r.read().decode("utf-8")


def serve(home: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, "SPOTCHECK_HOME": str(home), "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-m", "webapp", "serve", "--port", str(port),
                             "--no-demo"], cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc
        except OSError:
            assert proc.poll() is None, "the server did not start"
            time.sleep(0.1)
    proc.kill()
    raise AssertionError("the server did not start in time")


def poll(browser: Browser, job_id: int, until, timeout: float = 180) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = browser.json(f"/jobs/{job_id}.json")
        if until(status):
            return status
        time.sleep(0.05)
    raise AssertionError(f"job {job_id}: {status}")


def test_a_server_killed_mid_generation_leaves_an_interrupted_job_that_continue_finishes(
        tmp_path, renderer):
    from bench.synthetic import make_trip

    trip_file = make_trip(30, tmp_path / "trip")
    trip = json.loads(trip_file.read_text(encoding="utf-8"))
    code = trip["task"]["code"]
    home = tmp_path / "inst"
    archive = Archive(Config(home, f"sqlite:///{home / 'spotcheck.db'}", "测试员"),
                      renderer=renderer)
    archive.import_file(trip_file, actor="测试员")
    with archive.session() as s:
        create_user(s, "clerk", PASSWORD, "clerk", "文员")

    browser = Browser()
    server = serve(home, port := free_port())
    try:
        browser.base = f"http://127.0.0.1:{port}"
        browser.post("/login", "/login", username="clerk", password=PASSWORD)
        started = datetime.now()
        url, _ = browser.post(f"/tasks/{code}/generate", f"/tasks/{code}")
        job_id = int(re.search(r"/jobs/(\d+)$", url).group(1))
        poll(browser, job_id, lambda j: j["state"] == "running" and 3 <= j["done"] < j["total"])
        server.send_signal(signal.SIGKILL)
        server.wait()
        with archive.session() as s:
            archived = s.scalar(select(func.count(func.distinct(Document.sampling_id))))
        assert 3 <= archived < 30

        server = serve(home, port := free_port())
        browser.base = f"http://127.0.0.1:{port}"
        status = browser.json(f"/jobs/{job_id}.json")
        assert status["state"] == "interrupted" and status["state_name"] == "已中断"
        assert status["message"] == f"已中断：已完成 {archived}/30 户"
        _, page = browser.get(f"/jobs/{job_id}")
        assert "继续" in page and "job.js" not in page and "<script>" not in page
        resumed_at = datetime.now()
        url, page = browser.post(f"/jobs/{job_id}/continue", f"/jobs/{job_id}")
        new_id = int(re.search(r"/jobs/(\d+)$", url).group(1))
        assert new_id != job_id and 'src="/static/job.js"' in page
        done = poll(browser, new_id, lambda j: j["state"] not in ("queued", "running"))
        assert done["state"] == "done" and done["done"] == done["total"] == 30, done
        assert f"跳过 {archived} 户" in done["message"]
        found = browser.get("/search?q=" + urllib.parse.quote(trip["samplings"][-1]["sample_no"]))
        assert trip["samplings"][-1]["enterprise"]["name"] in found[1]
    finally:
        server.terminate()
        server.wait(timeout=30)

    with archive.session() as s:
        assert s.scalar(select(func.max(Document.version))) == 1  # every firm archived once
        assert s.scalar(select(func.count(func.distinct(Document.sampling_id)))) == 30
        job, again = s.get(Job, job_id), s.get(Job, new_id)
        assert job.state == "interrupted" and job.params["continued_by"] == new_id
        assert started <= job.created_at <= job.finished_at
        assert resumed_at <= again.created_at <= again.finished_at
    report = archive.verify(actor="测试员")
    assert report.ok and report.index_in_step, report.drift


# -- the Flask test client ---------------------------------------------------------------------
def test_a_job_whose_heartbeat_is_stale_is_reported_interrupted(app, client, login, seeded):
    with seeded.session() as s:
        job = Job(kind="generate", params={"task": "JC2023-01-DX", "blank": False},
                  created_by="clerk", state="running", owner="elsewhere:4242:a1b2c3d4",
                  heartbeat=datetime.now() - timedelta(seconds=seeded.settings.job_stale_seconds + 1),
                  done=2, total=6)
        s.add(job)
        s.flush()
        job_id = job.id
    login("clerk")
    status = client.get(f"/jobs/{job_id}.json").get_json()
    assert status["state"] == "interrupted" and status["state_name"] == "已中断"
    assert status["message"].startswith("已中断：已完成 ")
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "继续" in page and "job.js" not in page
    assert client.post(f"/jobs/{job_id}/continue").status_code == 400  # no CSRF token


def test_a_running_job_page_polls_from_a_static_script(app, client, login, seeded):
    with seeded.session() as s:
        job = Job(kind="generate", params={"task": "JC2023-01-DX", "blank": False},
                  created_by="clerk", state="queued", owner=app.extensions["jobs"].owner,
                  heartbeat=datetime.now())
        s.add(job)
        s.flush()
        job_id = job.id
    login("clerk")
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "排队中" in page and f'data-status-url="/jobs/{job_id}.json"' in page
    assert re.search(r"<script[^>]*>\s*[^<\s]", page) is None  # no inline script at all
    js = client.get("/static/job.js").get_data(as_text=True)
    assert "location.reload" in js and "interrupted" in js


def test_interrupted_result_packets_offer_continue_to_the_mailing_clerk(app, client, login,
                                                                      seeded):
    from tests.conftest import DEMO

    seeded.results.import_file(DEMO / "results-jincheng-cable.json", actor="test")
    with seeded.session() as s:
        job = Job(kind="results", created_by="mailing", state="running",
                  params={"task": "JC2023-01-DX", "mailer": "labels",
                          "samples": ["JC2023DX0001", "JC2023DX0002", "JC2023DX0003"]},
                  owner="elsewhere:4242:a1b2c3d4", heartbeat=datetime.now() - timedelta(hours=1))
        s.add(job)
        s.flush()
        job_id = job.id
    login("mailing")
    page = client.get(f"/results/jobs/{job_id}").get_data(as_text=True)
    assert "已中断：已完成 0/3 户" in page and "继续" in page
    response = client.post(f"/results/jobs/{job_id}/continue", data={"csrf_token": csrf_of(page)})
    new_url = response.headers["Location"]
    assert re.fullmatch(r"/results/jobs/\d+", new_url) and new_url != f"/results/jobs/{job_id}"
    status, deadline = {}, time.monotonic() + 120
    while time.monotonic() < deadline:
        status = client.get(new_url + ".json").get_json()
        if status["state"] not in ("queued", "running"):
            break
        time.sleep(0.05)
    assert status["state"] == "done" and status["done"] == status["total"] == 3, status
    page = client.get(new_url).get_data(as_text=True)
    assert "打印文件" in page and "续做自" in page
    old = client.get(f"/results/jobs/{job_id}").get_data(as_text=True)
    assert f'href="{new_url}"' in old and "<button type=\"submit\">继续" not in old


@pytest.fixture
def fresh(tmp_path, renderer):
    """A test client on an instance of its own (its index gets deleted)."""
    from tests.conftest import DEMO

    home = tmp_path / "inst"
    archive = Archive(Config(home, f"sqlite:///{home / 'db.sqlite'}", "test"), renderer=renderer)
    archive.import_file(DEMO / "trip-jincheng-cable.json", actor="test")
    archive.import_file(DEMO / "trip-qingpu-blank.json", actor="test")
    archive.generate(task_code="JC2023-01-DX", actor="test")
    with archive.session() as s:
        create_user(s, "clerk", PASSWORD, "clerk", "文员")
    return archive, archive_client(archive, "clerk")


def archive_client(archive, username: str):
    """A test client on the archive's own app, signed in as `username`."""
    app = create_app({"ARCHIVE": archive, "ARCHIVE_CONFIG": archive.config, "TESTING": True})
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    client.post("/login", data={"username": username, "password": PASSWORD,
                                "csrf_token": csrf_of(page)})
    return client


def test_deleting_the_index_folder_between_requests_never_breaks_search_or_generation(fresh):
    archive, client = fresh
    search = lambda q: client.get("/search?q=" + urllib.parse.quote(q))  # noqa: E731
    assert "JC2023DX0006" in search("金鼎").get_data(as_text=True)
    shutil.rmtree(archive.config.index_dir)
    response = search("金鼎")
    assert response.status_code == 200 and "JC2023DX0006" in response.get_data(as_text=True)

    shutil.rmtree(archive.config.index_dir)
    page = client.get("/tasks/QP2024-Q2-JS").get_data(as_text=True)
    response = client.post("/tasks/QP2024-Q2-JS/generate",
                           data={"csrf_token": csrf_of(page), "blank": "1"})
    assert response.status_code == 302
    status, deadline = {}, time.monotonic() + 60
    while time.monotonic() < deadline:
        status = client.get(response.headers["Location"] + ".json").get_json()
        if status["state"] not in ("queued", "running"):
            break
        time.sleep(0.05)
    assert status["state"] == "done", status
    for q, sample in (("清源", "QP2024JS0001"), ("金鼎", "JC2023DX0006")):
        response = search(q)
        assert response.status_code == 200 and sample in response.get_data(as_text=True)
    with archive.session() as s:
        assert s.scalar(select(func.count()).select_from(Document).where(
            Document.sampling_id.is_not(None), Document.indexed.is_(False))) == 0
    assert archive.verify(actor="test").index_in_step


def test_the_verify_page_shows_index_drift_with_its_advice(fresh):
    archive, _ = fresh
    with archive.session() as s:
        create_user(s, "records", PASSWORD, "records", "档案员")
        lost = s.scalars(select(Document).where(Document.sampling_id.is_not(None))
                         .order_by(Document.id).limit(3)).all()
    client = archive_client(archive, "records")
    client.application.extensions["jobs"]._pool.submit(lambda: None).result()  # start-up over
    archive.index.delete([d.id for d in lost])  # (its catch-up would have put them back)
    page = client.get("/verify").get_data(as_text=True)
    result = client.post("/verify", data={"csrf_token": csrf_of(page)}).get_data(as_text=True)
    assert "文件完好，检索索引需要处理" in result
    assert "3 个文书不在检索索引中，检索不到：请运行 python -m search reindex 重建检索索引" in result
    assert all(d.doc_no in result for d in lost)
    archive.reindex()
    result = client.post("/verify", data={"csrf_token": csrf_of(page)}).get_data(as_text=True)
    assert "未发现问题" in result and "检索索引与档案一致" in result
