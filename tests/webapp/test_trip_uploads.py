"""Uploads through /imports: a ZIP unpacks only the trip file and what it names, a bad ZIP is
refused in one line, and no file named outside the upload reaches the archive."""
from __future__ import annotations

import copy
import io
import json
import re
import tempfile
import zipfile

import pytest
from sqlalchemy import func, select

from archive.models import Photo, Sampling, Task
from tests.archive.test_uploads import PHOTOS, build, trip_zip
from tests.docgen.test_named_files import REFUSED
from tests.webapp.test_trips import _upload


def renumbered(trip: dict, code: str) -> dict:
    """The trip as a new task with new sample numbers (the seeded instance holds the demo)."""
    trip = copy.deepcopy(trip)
    trip["task"]["code"] = code
    for s in trip["samplings"]:
        s["sample_no"] = code.replace("-", "") + s["sample_no"][-4:]
    return trip


def counts(archive, code: str) -> tuple[int, int]:
    """(samplings, photos) stored for a task."""
    with archive.session() as s:
        ids = select(Sampling.id).join(Task).where(Task.code == code)
        return (s.scalar(select(func.count()).select_from(Sampling).join(Task)
                         .where(Task.code == code)),
                s.scalar(select(func.count()).select_from(Photo).where(Photo.sampling_id.in_(ids))))


def problems(response) -> str:
    assert response.status_code == 400
    return response.get_data(as_text=True)


def test_the_demo_trip_zip_imports_with_its_photos(client, login, jincheng, seeded):
    login("clerk")
    trip = renumbered(jincheng, "ZIP-OK")
    response = _upload(client, "trip.zip", trip_zip(trip, prefix="抽查/"))
    assert response.status_code == 302
    assert "照片 4 张" in client.get("/tasks").get_data(as_text=True)
    assert counts(seeded, "ZIP-OK") == (6, 4)
    with seeded.session() as s:
        photo = s.scalars(select(Photo).join(Sampling).where(
            Sampling.sample_no == "ZIPOK0001").order_by(Photo.position)).first()
        assert seeded.store.read(photo.original_sha256) == PHOTOS["site-0001.jpg"]


def test_the_import_sees_only_the_trip_file_and_the_photos_it_names(
        client, login, jincheng, seeded, monkeypatch):
    seen = {}

    def listing_import(path, **kwargs):
        root = path.parent  # the trip file lies at the top of the ZIP
        seen["files"] = sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))
        return seeded.__class__.import_file(seeded, path, **kwargs)

    monkeypatch.setattr(seeded, "import_file", listing_import)
    login("clerk")
    trip = renumbered(jincheng, "ZIP-ONLY")
    trip["samplings"][3]["photos"] = []  # online-0004.jpg is no longer named
    data = trip_zip(trip, extra={"notes/secret.txt": b"x", "run.sh": b"#!/bin/sh"})
    assert _upload(client, "trip.zip", data).status_code == 302
    assert seen["files"] == ["photos", "photos/seal-0001.jpg", "photos/site-0001.jpg",
                             "photos/site-0002.jpg", "trip.json"]


@pytest.fixture(scope="module")
def bomb() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("trip.json", "{}")
        with zf.open("photos/site-0001.jpg", "w") as out:
            for _ in range(100):
                out.write(bytes(1024 * 1024))
    return buf.getvalue()


def _bad_crc(trip: dict) -> bytes:
    data = bytearray(build({"trip.json": json.dumps(trip, ensure_ascii=False),
                            **{f"photos/{n}": d for n, d in PHOTOS.items()}}, zipfile.ZIP_STORED))
    data[data.find(PHOTOS["site-0002.jpg"]) + 500] ^= 0xFF
    return bytes(data)


@pytest.mark.parametrize("make, message", [
    ("bomb", "ZIP 文件压缩比异常"),
    ("crc", "ZIP 文件损坏（CRC 校验失败）：photos/site-0002.jpg"),
    ("absolute", "ZIP 中的路径不安全：/etc/cron.d/x"),
    ("parent", "ZIP 中的路径不安全：../../x.json"),
    ("backslash", "ZIP 中的路径不安全：photos\\x.jpg"),
    ("symlink", "ZIP 中含有符号链接，不能导入：photos/link.jpg"),
    ("not a zip", "不是有效的 ZIP 文件"),
])
def test_a_bad_zip_is_refused_in_one_line_and_imports_nothing(
        client, login, jincheng, seeded, bomb, make, message):
    login("clerk")
    trip = renumbered(jincheng, "ZIP-BAD")
    link = zipfile.ZipInfo("photos/link.jpg")
    link.external_attr = 0o120777 << 16
    data = {"bomb": lambda: bomb, "crc": lambda: _bad_crc(trip),
            "absolute": lambda: trip_zip(trip, extra={"/etc/cron.d/x": b"x"}),
            "parent": lambda: trip_zip(trip, extra={"../../x.json": b"{}"}),
            "backslash": lambda: trip_zip(trip, extra={"photos\\x.jpg": b"x"}),
            "symlink": lambda: trip_zip(trip, extra={link: b"/etc/passwd"}),
            "not a zip": lambda: b"PK\x03\x04 this is no zip"}[make]()
    page = problems(_upload(client, "trip.zip", data))
    assert message in page and "Traceback" not in page
    assert counts(seeded, "ZIP-BAD") == (0, 0)


def test_a_photo_missing_from_the_zip_is_reported_by_the_import(client, login, jincheng, seeded):
    login("clerk")
    trip = renumbered(jincheng, "ZIP-MISS")
    trip["samplings"][0]["photos"][0]["file"] = "photos/absent.jpg"
    page = problems(_upload(client, "trip.zip", trip_zip(trip)))
    assert "照片文件不存在" in page
    assert counts(seeded, "ZIP-MISS") == (0, 0)


@pytest.mark.parametrize("name", ["../outside.jpg", "photos/../../outside.jpg", "..\\outside.jpg",
                                  "C:\\Windows\\outside.jpg", "{tmp}/outside.jpg", "/etc/passwd"])
def test_a_zip_naming_a_file_outside_its_trip_folder_is_refused_alike_and_stores_nothing(
        client, login, jincheng, seeded, tmp_path, name):
    """The trip lies in 行程/; the file it reaches for lies beside that folder in the ZIP, or
    on the server, or nowhere: the page says the same."""
    login("clerk")
    name = name.format(tmp=tmp_path)
    trip = renumbered(jincheng, "ZIP-OUT")
    trip["samplings"][0]["photos"][0]["file"] = name
    pages = []
    for exists in (True, False):
        outside = tmp_path / "outside.jpg"
        extra = {}
        if exists:
            outside.write_bytes(PHOTOS["site-0002.jpg"])
            extra = {"outside.jpg": PHOTOS["site-0002.jpg"]}
        elif outside.exists():
            outside.unlink()
        page = problems(_upload(client, "trip.zip", trip_zip(trip, prefix="行程/", extra=extra)))
        assert REFUSED in page and counts(seeded, "ZIP-OUT") == (0, 0)
        pages.append(page[page.index(REFUSED) - 200:page.index(REFUSED) + 200])
    assert pages[0] == pages[1]


def test_a_trip_json_upload_naming_a_server_file_is_refused_alike_without_reading_it(
        client, login, jincheng, seeded, tmp_path):
    login("clerk")
    outside = tmp_path / "outside.jpg"
    trip = renumbered(jincheng, "JSON-OUT")
    trip["samplings"][0]["photos"][0]["file"] = str(outside)
    trip["samplings"][1]["photos"][0]["file"] = "../../../../../../../etc/passwd"
    pages = []
    for exists in (True, False):
        if exists:
            outside.write_bytes(PHOTOS["site-0001.jpg"])
        else:
            outside.unlink()
        page = problems(_upload(client, "trip.json", json.dumps(trip, ensure_ascii=False).encode()))
        lines = re.findall(r"<li>([^<]*)</li>", page)
        assert [line for line in lines if REFUSED in line] == [
            f"JSONOUT0001　照片文件（第1项）：照片文件{REFUSED}（不能用绝对路径、盘符或“..”）：{outside}",
            f"JSONOUT0002　照片文件（第1项）：照片文件{REFUSED}（不能用绝对路径、盘符或“..”）："
            "../../../../../../../etc/passwd"]
        # the photos the upload lacks are missing, named as in the trip file
        assert "JSONOUT0001　照片文件（第2项）：照片文件不存在：photos/seal-0001.jpg" in lines
        assert tempfile.gettempdir() + "/tmp" not in page
        assert counts(seeded, "JSON-OUT") == (0, 0)
        pages.append(lines)
    assert pages[0] == pages[1]


def test_an_unknown_task_code_for_a_csv_is_shown_on_the_import_page(client, login):
    login("clerk")
    page = problems(_upload(client, "rows.csv", "抽样单编号\nX1\n".encode(), task="NO-SUCH"))
    assert "没有任务编号为 NO-SUCH 的任务" in page and "导入" in page
