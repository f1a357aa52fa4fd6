"""The web on a failing disk or database: one Chinese line on an error page with a 5xx status,
the traceback in the server log; ids beyond SQLite's integers are pages that do not exist;
an emptied database is refused before the app is made."""
from __future__ import annotations

import errno
import logging
import os
import re
import sqlite3

import pytest
from sqlalchemy.exc import OperationalError

from archive.config import Config
from archive.instance import InstanceError
from archive.service import Archive
from archive.store import FileStore
from tests.conftest import DEMO
from tests.webapp.conftest import csrf_of
from webapp import create_app

BIG = 2**63


@pytest.mark.parametrize("url", [
    f"/documents/{BIG}", f"/documents/{BIG}/download", f"/documents/{BIG}/versions",
    f"/photos/{BIG}/thumb", f"/jobs/{BIG}", f"/jobs/{BIG}.json", f"/results/jobs/{BIG}",
    f"/results/jobs/{BIG}.json", f"/mailings/{BIG}/tracking", f"/documents/{10**40}",
    f"/documents/{BIG - 1}", f"/jobs/{BIG - 1}.json", f"/photos/{BIG - 1}/thumb",
])
def test_ids_beyond_the_database_integers_are_pages_that_do_not_exist(client, login, url):
    login("admin")
    response = client.get(url)
    assert response.status_code == 404, url


def error_message(response) -> str:
    return re.search(r'<p class="flash error">(.*?)</p>', response.get_data(as_text=True)).group(1)


def generate(client, login):
    login("clerk")
    page = client.get("/samplings/JC2023DX0003").get_data(as_text=True)
    return client.post("/samplings/JC2023DX0003/generate", data={"csrf_token": csrf_of(page)})


@pytest.mark.parametrize("code, status, text", [
    (errno.ENOSPC, 507, "磁盘空间不足；请腾出磁盘空间后重试。"),
    (errno.EROFS, 503, "磁盘或目录只读；请检查磁盘是否以只读方式挂载。"),
    (errno.EACCES, 503, "没有读写权限或目录只读；请检查文件夹的权限。"),
])
def test_a_failing_store_is_an_error_page_and_a_logged_traceback(seeded, client, login,
                                                                 monkeypatch, caplog, code,
                                                                 status, text):
    def put(self, data, sha=None):
        raise OSError(code, os.strerror(code), str(self.tmp / "tmpz9y8x7w6"))

    monkeypatch.setattr(FileStore, "put", put)
    with caplog.at_level(logging.ERROR):
        response = generate(client, login)
    assert response.status_code == status
    message = error_message(response)
    assert message == f"{text}本次操作未完成，如需帮助请联系系统管理员。"
    body = response.get_data(as_text=True)
    assert "tmpz9y8x7w6" not in body and str(seeded.config.home) not in body and "Errno" not in body
    logged = [r for r in caplog.records if r.exc_info]
    assert logged and issubclass(logged[0].exc_info[0], OSError)  # the traceback stays on the server


def test_a_full_database_disk_is_507(client, login, monkeypatch):
    full = sqlite3.OperationalError("database or disk is full")
    full.sqlite_errorname = "SQLITE_FULL"

    def generate_(self, **kwargs):
        raise OperationalError("INSERT INTO documents …", {}, full)

    monkeypatch.setattr(Archive, "generate", generate_)
    response = generate(client, login)
    assert response.status_code == 507
    assert error_message(response).startswith("数据库无法读写：磁盘空间不足；")


def test_a_bug_is_a_plain_500_page_not_a_traceback(seeded, monkeypatch):
    app = create_app({"ARCHIVE": seeded, "ARCHIVE_CONFIG": seeded.config, "TESTING": True,
                      "PROPAGATE_EXCEPTIONS": False})
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    client.post("/login", data={"username": "clerk", "password": "correct horse 1",
                                "csrf_token": csrf_of(page)})

    def broken(self, **kwargs):
        raise KeyError("unit_price")

    monkeypatch.setattr(Archive, "generate", broken)
    page = client.get("/samplings/JC2023DX0003").get_data(as_text=True)
    response = client.post("/samplings/JC2023DX0003/generate", data={"csrf_token": csrf_of(page)})
    assert response.status_code == 500
    assert error_message(response) == "服务器内部错误，已记录；请稍后重试，如仍出现请联系系统管理员。"
    assert "unit_price" not in response.get_data(as_text=True)


def test_the_app_refuses_an_emptied_database_before_writing_anything(tmp_path, renderer):
    home = tmp_path / "inst"
    a = Archive(Config(home, f"sqlite:///{home / 'spotcheck.db'}", "t"), renderer=renderer)
    a.import_file(DEMO / "trip-jincheng-cable.json", actor="t")
    from archive.db import forget

    forget(a.config.database_url)
    (home / "spotcheck.db").write_bytes(b"")
    for suffix in ("-wal", "-shm"):
        (home / f"spotcheck.db{suffix}").unlink(missing_ok=True)
    with pytest.raises(InstanceError, match="数据库为空，但档案库中有 8 个文件"):
        create_app({"ARCHIVE_CONFIG": a.config, "TESTING": True})
    assert (home / "spotcheck.db").stat().st_size == 0 and not (home / "secret_key").exists()
