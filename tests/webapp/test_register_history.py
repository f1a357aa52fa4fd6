"""The firm register in the browser: 新增企业 with a known credit code asks 更新企业名录？ with old
→ new; the firm page edits the register and shows its history; samplings keep their copy."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from archive.config import Config
from archive.models import Firm, FirmChange, Sampling
from archive.service import Archive
from archive.users import create_user
from tests.conftest import DEMO
from tests.webapp.conftest import PASSWORD, csrf_of
from webapp import create_app

XINDA = "91140525MA0H2K7B2W"
TYPED = {"name": "晋城鑫达新材料有限公司", "credit_code": XINDA, "address": "泽州县新址1号",
         "postal_code": "048000", "legal_rep": "", "contact": "", "phone": "", "role": "生产"}


@pytest.fixture
def instance(tmp_path, renderer):
    home = tmp_path / "inst"
    archive = Archive(Config(home, f"sqlite:///{home / 'db.sqlite'}", "test"), renderer=renderer)
    archive.import_file(DEMO / "trip-jincheng-cable.json", actor="test")
    with archive.session() as s:
        create_user(s, "clerk", PASSWORD, "clerk", "文书员")
    return archive


@pytest.fixture
def client(instance):
    app = create_app({"ARCHIVE": instance, "ARCHIVE_CONFIG": instance.config, "TESTING": True})
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    client.post("/login", data={"username": "clerk", "password": PASSWORD,
                                "csrf_token": csrf_of(page)})
    return client


def register(instance) -> Firm:
    with instance.session() as s:
        return s.scalars(select(Firm).where(Firm.credit_code == XINDA)).one()


def post_firm(client, **extra):
    token = csrf_of(client.get("/tasks/JC2023-01-DX/firms").get_data(as_text=True))
    return client.post("/tasks/JC2023-01-DX/firms", data={**TYPED, **extra, "csrf_token": token})


def test_a_known_credit_code_with_other_details_asks_before_anything_is_added(client, instance):
    page = post_firm(client)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "更新企业名录？" in html
    assert "晋城市泽州县鑫达电缆有限公司" in html and "晋城鑫达新材料有限公司" in html  # old → new
    assert 'value="晋城鑫达新材料有限公司"' in html  # what was typed is still in the form
    with instance.session() as s:
        assert len(s.scalars(select(Sampling.id)).all()) == 6  # nothing added yet


def test_keeping_the_register_records_the_sampling_as_typed(client, instance):
    assert post_firm(client, register="keep").status_code == 302
    assert register(instance).name == "晋城市泽州县鑫达电缆有限公司"
    with instance.session() as s:
        new = s.scalars(select(Sampling).where(Sampling.task.has(code="JC2023-01-DX"))
                        .order_by(Sampling.id.desc())).first()
        assert new.enterprise.name == "晋城鑫达新材料有限公司"


def test_updating_the_register_is_kept_in_its_history_on_the_firm_page(client, instance):
    assert post_firm(client, register="update").status_code == 302
    assert register(instance).name == "晋城鑫达新材料有限公司"
    page = client.get(f"/firms/{XINDA}").get_data(as_text=True)
    assert "名录变更历史" in page or "变更历史" in page
    assert "晋城市泽州县鑫达电缆有限公司 → 晋城鑫达新材料有限公司" in page and "clerk" in page
    # the earlier sampling still shows what it recorded
    assert "抽样时记录为：晋城市泽州县鑫达电缆有限公司" in page


def test_the_firm_page_edits_the_register_with_field_messages(client, instance):
    page = client.get(f"/firms/{XINDA}").get_data(as_text=True)
    token = csrf_of(page)
    bad = client.post(f"/firms/{XINDA}/register", data={"postal_code": "48000",
                                                        "csrf_token": token})
    assert bad.status_code == 400 and "邮政编码应为6位数字" in bad.get_data(as_text=True)
    ok = client.post(f"/firms/{XINDA}/register", data={"phone": "0356-1234567", "address": "",
                                                       "csrf_token": token}, follow_redirects=True)
    html = ok.get_data(as_text=True)
    assert "联系电话：13903560123 → 0356-1234567" in html
    firm = register(instance)
    assert firm.phone == "0356-1234567" and firm.address  # a blank input erased nothing
    with instance.session() as s:
        entry = s.scalars(select(FirmChange).where(FirmChange.firm_id == firm.id)
                          .order_by(FirmChange.id.desc())).first()
        assert entry.actor == "clerk" and entry.changes == {"phone": ["13903560123", "0356-1234567"]}
        sampling = s.scalars(select(Sampling).where(Sampling.sample_no == "JC2023DX0001")).one()
        assert sampling.enterprise.phone == "13903560123"  # the sampling keeps its copy


def test_an_import_that_differs_from_the_register_offers_the_update(client, instance, jincheng,
                                                                    tmp_path):
    import io
    import json
    import re

    jincheng["task"]["code"] = "JC2023-02-DX"
    jincheng["samplings"] = [jincheng["samplings"][0]]
    jincheng["samplings"][0].update(sample_no="JC2023DX0101", photos=[])
    jincheng["samplings"][0]["enterprise"]["name"] = "晋城鑫达新材料有限公司"
    token = csrf_of(client.get("/tasks").get_data(as_text=True))
    page = client.post("/imports", content_type="multipart/form-data", data={
        "csrf_token": token, "task": "",
        "file": (io.BytesIO(json.dumps(jincheng, ensure_ascii=False).encode()), "第二批.json")})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "更新企业名录？" in html and "已导入" in html
    assert register(instance).name == "晋城市泽州县鑫达电缆有限公司"
    form = re.search(r'<form method="post" action="(/firms/[^"]+/register)".*?</form>', html, re.S)
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.group(0)))
    assert fields["name"] == "晋城鑫达新材料有限公司" and "导入 第二批.json" in fields["source"]
    done = client.post(form.group(1), data={**fields, "csrf_token": csrf_of(html)},
                       follow_redirects=True)
    assert "企业名录已更新" in done.get_data(as_text=True)
    assert register(instance).name == "晋城鑫达新材料有限公司"


def test_a_known_credit_code_typed_with_only_a_name_keeps_the_registers_details(client, instance):
    assert post_firm(client, name="晋城市泽州县鑫达电缆有限公司", address="", postal_code="",
                     role="").status_code == 302
    with instance.session() as s:
        new = s.scalars(select(Sampling).where(Sampling.task.has(code="JC2023-01-DX"))
                        .order_by(Sampling.id.desc())).first()
        assert new.enterprise.address == "山西省晋城市泽州县金村镇工业园区8号"
        assert (new.enterprise.legal_rep, new.enterprise.phone) == ("赵志刚", "13903560123")
