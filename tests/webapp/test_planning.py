"""Planning a trip in the browser: a task with its team, firms from the register or typed in,
then the pre-trip packet."""
from __future__ import annotations

import io
import re
import time

from pypdf import PdfReader
from sqlalchemy import select

from archive.models import Agency, Sampler
from tests.webapp.conftest import csrf_of

TASK = {"code": "JC2023-02-CZ", "name": "2023年第二批产品质量监督抽查", "level": "市级",
        "category": "监督抽查", "source": "晋城市市场监督管理局", "plan_doc_no": "晋市市监〔2023〕9号",
        "product_category": "插座", "valid_from": "2023-05-01", "valid_to": "2023-08-31",
        "basis": "《产品质量监督抽查管理暂行办法》", "result_due": "", "trip_date": "2023-05-10"}


def _ids(seeded):
    with seeded.session() as s:
        agency = s.scalars(select(Agency).where(Agency.kind == "agency")).first().id
        inst = s.scalars(select(Agency).where(Agency.kind == "institution")).first().id
        samplers = [str(x.id) for x in s.scalars(select(Sampler))]
    return str(agency), str(inst), samplers


def test_a_clerk_plans_a_trip_and_downloads_the_pre_trip_packet(client, login, seeded):
    login("clerk")
    agency, inst, samplers = _ids(seeded)
    page = client.get("/tasks/new").get_data(as_text=True)
    token = csrf_of(page)
    bad = client.post("/tasks/new", data={**TASK, "agency_id": agency, "institution_id": inst,
                                          "sampler_id": samplers[:1], "csrf_token": token})
    assert bad.status_code == 400 and "抽样人员" in bad.get_data(as_text=True)
    response = client.post("/tasks/new", data={**TASK, "agency_id": agency, "institution_id": inst,
                                               "sampler_id": samplers[:1], "new_samplers": "赵六 JC-CY-0400",
                                               "csrf_token": token})
    assert response.status_code == 302
    found = client.get("/tasks/JC2023-02-CZ/firms?q=鑫达").get_data(as_text=True)
    firm_id = re.search(r'name="firm_id" value="(\d+)"', found).group(1)
    assert client.post("/tasks/JC2023-02-CZ/firms", data={"firm_id": firm_id,
                                                         "csrf_token": token}).status_code == 302
    bad = client.post("/tasks/JC2023-02-CZ/firms", data={
        "name": "晋城市新开插座厂", "credit_code": "91140525MA0H2K7B2X", "role": "生产",
        "csrf_token": token})
    assert bad.status_code == 400 and "校验位" in bad.get_data(as_text=True)
    ok = client.post("/tasks/JC2023-02-CZ/firms", data={
        "name": "晋城市新开插座厂", "credit_code": "91330100799655058B", "role": "生产",
        "address": "晋城市开发区1号", "csrf_token": token})
    assert ok.status_code == 302
    page = client.get("/tasks/JC2023-02-CZ").get_data(as_text=True)
    assert "JC202302CZ0001" in page and "JC202302CZ0002" in page and "晋城市新开插座厂" in page
    job = client.post("/tasks/JC2023-02-CZ/generate", data={"csrf_token": token, "blank": "1"})
    status = {}
    for _ in range(300):
        status = client.get(job.headers["Location"] + ".json").get_json()
        if status["state"] in ("done", "failed"):
            break
        time.sleep(0.1)
    assert status["state"] == "done", status
    pdf = PdfReader(io.BytesIO(client.get("/tasks/JC2023-02-CZ/packet.pdf?blank=1").data))
    text = "".join(p.extract_text() for p in pdf.pages[:3])
    assert "晋城市泽州县鑫达电缆有限公司" in text and "赵六" in text
