"""The clerk's journeys: import by upload, generate a task in the background, download."""
from __future__ import annotations

import io
import json
import time
import zipfile

from pypdf import PdfReader

from tests.conftest import DEMO
from tests.webapp.conftest import csrf_of


def _upload(client, name: str, data: bytes, task: str = ""):
    page = client.get("/tasks").get_data(as_text=True)
    return client.post("/imports", data={"csrf_token": csrf_of(page), "task": task,
                                         "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def _zip_with_photos(trip: dict) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("trip.json", json.dumps(trip, ensure_ascii=False))
        for p in (DEMO / "photos").iterdir():
            zf.write(p, f"photos/{p.name}")
    return buf.getvalue()


def test_a_clerk_imports_a_pre_trip_file_generates_blanks_and_downloads_the_packet(client, login):
    login("clerk")
    response = _upload(client, "trip.json", (DEMO / "trip-qingpu-blank.json").read_bytes())
    assert response.status_code == 302
    page = client.get("/tasks/QP2024-Q2-JS").get_data(as_text=True)
    assert "上海清源净水科技有限公司" in page and "待抽样" in page
    response = client.post("/tasks/QP2024-Q2-JS/generate",
                           data={"csrf_token": csrf_of(page), "blank": "1"})
    job_url = response.headers["Location"]
    status = {}
    for _ in range(300):
        status = client.get(job_url + ".json").get_json()
        if status["state"] in ("done", "failed"):
            break
        time.sleep(0.1)
    assert status["state"] == "done" and status["done"] == status["total"] == 3
    pdf = client.get("/tasks/QP2024-Q2-JS/packet.pdf?blank=1")
    reader = PdfReader(io.BytesIO(pdf.data))
    assert [o.title for o in reader.outline if not isinstance(o, list)][0].startswith("QP2024JS0001")
    words = client.get("/tasks/QP2024-Q2-JS/packet.zip?blank=1")
    assert len(zipfile.ZipFile(io.BytesIO(words.data)).namelist()) == 3 * 8


def test_a_trip_with_photos_uploads_as_a_zip(client, login, jincheng):
    login("clerk")
    jincheng["task"]["code"] = "JC-ZIP"
    for s in jincheng["samplings"]:
        s["sample_no"] = "Z" + s["sample_no"]
    assert _upload(client, "trip.zip", _zip_with_photos(jincheng)).status_code == 302


def test_a_bad_upload_lists_every_problem_and_imports_nothing(client, login, jincheng):
    login("clerk")
    jincheng["task"]["code"] = "BAD-1"
    jincheng["samplings"][0]["enterprise"]["credit_code"] = "91140525MA0H2K7B2X"
    jincheng["samplings"][1]["unit_price"] = "-3"
    response = _upload(client, "trip.zip", _zip_with_photos(jincheng))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "JC2023DX0001" in page and "统一社会信用代码" in page and "JC2023DX0002" in page
    assert "BAD-1" not in client.get("/tasks").get_data(as_text=True)


def test_uploads_of_other_types_and_unsafe_zips_are_refused(client, login):
    login("clerk")
    assert "只接受" in _upload(client, "virus.exe", b"MZ...").get_data(as_text=True)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("../../evil.json", "{}")
    assert "不安全" in _upload(client, "trip.zip", buf.getvalue()).get_data(as_text=True)


def test_the_import_template_downloads(client, login):
    login("clerk")
    response = client.get("/imports/template.xlsx")
    assert response.status_code == 200 and response.data[:2] == b"PK"
