"""The records officer's journey: find a firm by a 2-character fragment and open its PDF."""
from __future__ import annotations

import re

from pypdf import PdfReader
from io import BytesIO

from tests.webapp.conftest import csrf_of


def test_find_a_firm_by_two_characters_and_open_its_notice(client, login):
    login("records")
    page = client.get("/search?q=鑫达").get_data(as_text=True)
    assert "JC2023DX0001" in page and "<b>鑫达</b>" in page
    doc_id = re.search(r'抽查通知书</td>.*?/documents/(\d+)"', page, re.S).group(1)
    response = client.get(f"/documents/{doc_id}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "inline" in response.headers["Content-Disposition"]
    text = PdfReader(BytesIO(response.data)).pages[0].extract_text()
    assert "鑫达" in text


def test_filters_and_versions_and_firm_history(client, login):
    login("records")
    page = client.get("/search?q=晋城&form=notice").get_data(as_text=True)
    assert "产品质量监督抽查通知书" in page and "抽样单" not in page.split("全部表单")[1].split("</select>")[-1]
    doc_id = re.search(r'/documents/(\d+)/versions', page).group(1)
    assert "v1" in client.get(f"/documents/{doc_id}/versions").get_data(as_text=True)
    firm = client.get("/firms/91140525MA0H2K7B2W").get_data(as_text=True)
    assert "晋城市泽州县鑫达电缆有限公司" in firm and "JC2023DX0001" in firm


def test_a_dossier_downloads_as_a_zip(client, login):
    login("records")
    response = client.get("/samplings/JC2023DX0002/dossier.zip")
    assert response.status_code == 200 and response.data[:2] == b"PK"


def test_paths_in_urls_never_reach_the_file_system(client, login):
    login("records")
    for path in ("/documents/../../etc/passwd", "/documents/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
                 "/firms/..%2F..%2Fetc%2Fpasswd/dossier.zip", "/documents/999999"):
        response = client.get(path)
        assert response.status_code in (404, 400), path
        assert b"root:" not in response.data


def test_integrity_check_runs_from_the_page(client, login):
    login("records")
    page = client.get("/verify").get_data(as_text=True)
    result = client.post("/verify", data={"csrf_token": csrf_of(page)}).get_data(as_text=True)
    assert "未发现问题" in result
