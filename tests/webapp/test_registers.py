"""Admin keeps the agency profile, institutions and samplers."""
from __future__ import annotations

from sqlalchemy import select

from archive.models import Agency, Sampler
from tests.webapp.conftest import csrf_of


def test_admin_edits_the_agency_profile_and_bad_values_are_refused(client, login, seeded):
    login("admin")
    page = client.get("/admin/registers").get_data(as_text=True)
    with seeded.session() as s:
        agency = s.scalars(select(Agency).where(Agency.kind == "agency")).first()
    base = {"csrf_token": csrf_of(page), "what": "agency", "id": str(agency.id),
            "name": agency.name, "short_name": "", "postal_code": "04800"}
    bad = client.post("/admin/registers", data=base)
    text = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "机关代字不能为空" in text and "6位数字" in text
    ok = client.post("/admin/registers", data={**base, "short_name": "晋市市监",
                                               "postal_code": "048000", "contact": "质量科"})
    assert ok.status_code == 302
    with seeded.session() as s:
        assert s.get(Agency, agency.id).contact == "质量科"


def test_admin_adds_an_institution_and_a_sampler(client, login, seeded):
    login("admin")
    token = csrf_of(client.get("/admin/registers").get_data(as_text=True))
    assert client.post("/admin/registers", data={"csrf_token": token, "what": "institution",
                                                 "name": "山西省产品质量监督检验研究院",
                                                 "postal_code": "030000"}).status_code == 302
    assert client.post("/admin/registers", data={"csrf_token": token, "what": "sampler",
                                                 "name": "钱七", "id_no": "JC-CY-0500"}).status_code == 302
    with seeded.session() as s:
        assert s.scalars(select(Sampler).where(Sampler.name == "钱七")).first()
    assert "山西省产品质量监督检验研究院" in client.get("/admin/registers").get_data(as_text=True)


def test_a_records_officer_cannot_edit_registers(client, login):
    login("records")
    assert client.get("/admin/registers").status_code == 403
