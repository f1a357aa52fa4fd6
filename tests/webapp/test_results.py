"""Results, result packets, lists, mailing and the deadline board through the browser's forms.

The tests share one archive (the Jincheng trip): results go in first, then the post."""
from __future__ import annotations

import io
import json
import re
import time
from datetime import date

import pytest
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import select

from archive.models import Mailing, Sampling
from docgen.ems import s10_check_digit
from tests.conftest import DEMO
from tests.webapp.conftest import csrf_of

TASK = "JC2023-01-DX"
REPORTS = DEMO / "reports"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def s10(serial: str) -> str:
    return f"EA{serial}{s10_check_digit(serial)}CN"


FIRST, SECOND = s10("10000001"), s10("10000002")


def row(archive, sample_no: str) -> Sampling:
    with archive.session() as s:
        return s.scalars(select(Sampling).where(Sampling.sample_no == sample_no)).one()


def token(client, path: str = "/board") -> str:
    return csrf_of(client.get(path).get_data(as_text=True))


def enter(client, sample_no: str, values: dict, report: tuple[bytes, str] | None = None):
    data = {"csrf_token": token(client, f"/samplings/{sample_no}/result"), **values}
    if report:
        data["lab_report"] = (io.BytesIO(report[0]), report[1])
    return client.post(f"/samplings/{sample_no}/result", data=data,
                       content_type="multipart/form-data")


def items(*rows) -> dict:
    """The failed-items table as the form posts it: five rows, the unused ones empty."""
    rows = list(rows) + [("", "", "", "")] * (5 - len(rows))
    return {k: [r[i] for r in rows] for i, k in enumerate(("item", "requirement", "measured",
                                                           "verdict"))}


def report(name: str) -> tuple[bytes, str]:
    return (REPORTS / name).read_bytes(), name


# -- entering results --------------------------------------------------------------------------
def test_a_clerk_enters_two_passes_and_a_failure_with_its_items_and_reports(client, login, seeded):
    login("clerk")
    for no, rep in (("JC2023DX0001", "JCJC2023-DX-0001"), ("JC2023DX0003", "JCJC2023-DX-0003")):
        response = enter(client, no, {"conclusion": "合格", "report_no": rep,
                                      "report_date": "2023-04-18", **items()}, report(f"{rep}.pdf"))
        assert response.status_code == 302 and f"#row-{no}" in response.headers["Location"]
    response = enter(client, "JC2023DX0002", {
        "conclusion": "不合格", "report_no": "JCJC2023-DX-0002", "report_date": "2023-04-20",
        "remarks": "备用样品继续封存",
        **items(("导体电阻", "20℃时导体电阻 ≤12.1 Ω/km", "13.6 Ω/km", ""),
                ("绝缘平均厚度", "≥0.6 mm", "0.52 mm", ""))},
        report("JCJC2023-DX-0002.pdf"))
    assert response.status_code == 302
    fail = row(seeded, "JC2023DX0002")
    assert fail.result == "不合格" and fail.report_date == date(2023, 4, 20)
    assert [(i["item"], i["measured"], i["verdict"]) for i in fail.result_items] == [
        ("导体电阻", "13.6 Ω/km", "不合格"), ("绝缘平均厚度", "0.52 mm", "不合格")]
    page = client.get(f"/tasks/{TASK}/results").get_data(as_text=True)
    assert page.count("查看 PDF") == 3 and "已保存 JC2023DX0002 的检验结果" in page
    pdf = client.get("/samplings/JC2023DX0002/report.pdf")
    assert pdf.mimetype == "application/pdf" and "attachment" not in pdf.headers.get(
        "Content-Disposition", "")
    assert pdf.data == (REPORTS / "JCJC2023-DX-0002.pdf").read_bytes()
    form = client.get("/samplings/JC2023DX0002/result").get_data(as_text=True)
    assert 'value="0.52 mm"' in form and "JCJC2023-DX-0002.pdf" in form


@pytest.mark.parametrize("change, messages", [
    ({"report_date": "2023-02-30"}, ["日期"]),
    ({**items(("导体电阻", "", "13.6 Ω/km", ""))}, ["不合格项目第 1 行标准要求"]),
    ({**items()}, ["须列出不合格项目"]),
    ({"conclusion": ""}, ["检验结论："]),
])
def test_a_bad_result_shows_each_message_at_its_field_and_stores_nothing(
        client, login, seeded, change, messages):
    login("clerk")
    values = {"conclusion": "不合格", "report_no": "JCJC2023-DX-0004", "report_date": "2023-04-20",
              "remarks": "复核后填写", **items(("绝缘厚度", "≥0.6 mm", "0.50 mm", "")), **change}
    response = enter(client, "JC2023DX0004", values)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "未保存" in page
    for words in messages:
        assert words in page
    assert 'class="field-error"' in page
    assert 'value="JCJC2023-DX-0004"' in page and "复核后填写" in page  # nothing typed is lost
    assert row(seeded, "JC2023DX0004").result == ""


def test_the_message_for_a_failed_item_sits_under_its_input(client, login):
    login("clerk")
    page = enter(client, "JC2023DX0004", {
        "conclusion": "不合格", "report_no": "R-4", "report_date": "2023-04-20",
        **items(("导体电阻", "≤12.1 Ω/km", "13.6 Ω/km", ""), ("绝缘厚度", "≥0.6 mm", "", ""))}
    ).get_data(as_text=True)
    measured = page.split('aria-label="第2行实测值"', 1)[1]
    assert measured.split("</td>", 1)[0].count("field-error") == 1
    assert 'value="导体电阻"' in page and 'value="绝缘厚度"' in page


def test_a_report_that_is_not_a_pdf_is_refused(client, login, seeded):
    login("clerk")
    response = enter(client, "JC2023DX0004", {"conclusion": "合格", "report_no": "R-4",
                                              "report_date": "2023-04-20", **items()},
                     (b"MZ\x90\x00 not a pdf", "report.pdf"))
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "应为 PDF" in page and "请重新选择" in page
    assert row(seeded, "JC2023DX0004").result == ""


def test_the_lab_results_file_imports_with_its_reports_uploaded_alongside(client, login, seeded):
    login("records")
    sheet = (DEMO / "results-jincheng-cable.json").read_bytes()
    csrf = token(client, f"/tasks/{TASK}/results")
    files = [(io.BytesIO(p.read_bytes()), p.name) for p in sorted(REPORTS.glob("*.pdf"))]
    response = client.post(f"/tasks/{TASK}/results/import", content_type="multipart/form-data",
                           data={"csrf_token": csrf, "sheet": (io.BytesIO(sheet), "results.json"),
                                 "reports": files}, follow_redirects=True)
    assert "已导入 3 个样品的检验结果（检验报告 3 份）" in response.get_data(as_text=True)
    assert row(seeded, "JC2023DX0002").result_items[1]["item"] == "绝缘平均厚度"


def test_a_lab_sheet_with_its_reports_may_exceed_the_limit_for_other_uploads(app, client, login,
                                                                             seeded):
    login("records")
    csrf = token(client, f"/tasks/{TASK}/results")
    app.config["MAX_CONTENT_LENGTH"] = 20_000  # smaller than the three reports together
    files = [(io.BytesIO(p.read_bytes()), p.name) for p in sorted(REPORTS.glob("*.pdf"))]
    response = client.post(f"/tasks/{TASK}/results/import", content_type="multipart/form-data",
                           data={"csrf_token": csrf, "reports": files,
                                 "sheet": (io.BytesIO((DEMO / "results-jincheng-cable.json").read_bytes()),
                                           "results.json")}, follow_redirects=True)
    assert "已导入 3 个样品的检验结果" in response.get_data(as_text=True)
    app.config["BATCH_UPLOAD_LIMIT"] = 20_000
    files = [(io.BytesIO(p.read_bytes()), p.name) for p in sorted(REPORTS.glob("*.pdf"))]
    response = client.post(f"/tasks/{TASK}/results/import", content_type="multipart/form-data",
                           data={"csrf_token": csrf, "reports": files,
                                 "sheet": (io.BytesIO(b"{}"), "results.json")})
    assert response.status_code == 413


def test_a_results_file_whose_reports_are_missing_lists_each_problem_and_imports_nothing(
        client, login, seeded):
    login("clerk")
    data = json.loads((DEMO / "results-jincheng-cable.json").read_text(encoding="utf-8"))
    data["JC2023DX0004"] = {**data["JC2023DX0001"], "report_no": "R-4", "lab_report": "r4.pdf"}
    response = client.post(f"/tasks/{TASK}/results/import", content_type="multipart/form-data",
                           data={"csrf_token": token(client, f"/tasks/{TASK}/results"),
                                 "sheet": (io.BytesIO(json.dumps(data).encode()), "r.json")})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and page.count("找不到报告文件") == 4
    assert row(seeded, "JC2023DX0004").result == ""


def test_the_result_import_template_downloads(client, login):
    login("clerk")
    response = client.get("/results/template.xlsx")
    assert response.status_code == 200 and response.data[:2] == b"PK"


# -- logins, roles and CSRF --------------------------------------------------------------------
@pytest.mark.parametrize("path", [
    "/results", f"/tasks/{TASK}/results", "/samplings/JC2023DX0001/result",
    "/samplings/JC2023DX0001/report.pdf", "/results/template.xlsx", f"/tasks/{TASK}/packets",
    "/results/jobs/1", f"/tasks/{TASK}/lists", "/mailing", f"/tasks/{TASK}/mailing",
    f"/tasks/{TASK}/mailing-list.xlsx", "/samplings/JC2023DX0001/mailing", "/mailings/1/tracking",
    "/board"])
def test_every_results_and_mailing_page_needs_a_login(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_mailing_clerk_cannot_enter_results_and_a_clerk_cannot_record_ems(client, login):
    login("mailing")
    assert client.get("/samplings/JC2023DX0001/result").status_code == 403
    assert client.post(f"/tasks/{TASK}/results/import",
                       data={"csrf_token": token(client)}).status_code == 403
    client.post("/logout", data={"csrf_token": token(client)})
    login("clerk")
    response = client.post("/mailing/ems", data={"csrf_token": token(client), "sample_no":
                                                 "JC2023DX0001", "ems_no": FIRST})
    assert response.status_code == 403
    assert client.get(f"/tasks/{TASK}/mailing").status_code == 403
    assert client.get("/board").status_code == 200  # clerks may read the board


def test_a_form_without_its_csrf_token_is_refused(client, login, seeded):
    login("clerk")
    response = client.post("/samplings/JC2023DX0004/result", data={
        "conclusion": "合格", "report_no": "R-4", "report_date": "2023-04-20"})
    assert response.status_code == 400 and row(seeded, "JC2023DX0004").result == ""


@pytest.fixture
def results_in(seeded):
    seeded.results.import_file(DEMO / "results-jincheng-cable.json", actor="test")
    return seeded


# -- packets and lists -------------------------------------------------------------------------
def wait(client, url: str) -> dict:
    for _ in range(600):
        status = client.get(url + ".json").get_json()
        if status["state"] in ("done", "failed"):
            return status
        time.sleep(0.1)
    raise AssertionError("job did not finish")


def test_result_packets_are_generated_in_the_background_with_labels(client, login, results_in):
    login("mailing")
    page = client.get(f"/tasks/{TASK}/packets").get_data(as_text=True)
    assert page.count('name="sample_no"') == 4 and page.count("checked") >= 3  # + a radio
    assert "未录入检验结果" in page  # JC2023DX0004
    response = client.post(f"/tasks/{TASK}/packets", data={
        "csrf_token": csrf_of(page), "sample_no": ["JC2023DX0001", "JC2023DX0002", "JC2023DX0004"],
        "mailer": "labels"})
    job = response.headers["Location"]
    status = wait(client, job)
    assert status["state"] == "done", status["message"]
    assert status["done"] == status["total"] == 2  # JC2023DX0004 has no result: not offered
    done = client.get(job).get_data(as_text=True)
    assert "results.pdf" in done and "labels.pdf" in done and "labels.docx" in done
    link = re.search(r'href="(/documents/\d+)"[^>]*>PDF', done).group(1)
    assert client.get(link).data[:5] == b"%PDF-"
    files = client.get(f"/tasks/{TASK}/packets").get_data(as_text=True)
    assert files.count("检验结果通知合订本") == 2


def test_lists_are_generated_and_offered_in_three_formats(client, login, results_in):
    login("records")
    page = client.get(f"/tasks/{TASK}/lists").get_data(as_text=True)
    page = client.post(f"/tasks/{TASK}/lists", data={"csrf_token": csrf_of(page)},
                       follow_redirects=True).get_data(as_text=True)
    assert "已生成并归档 12 个名单文件" in page
    for title in ("合格产品企业名单", "不合格产品企业名单", "检验情况汇总表", "结果信息公开表"):
        assert title in page
    assert page.count(">Excel</a>") == page.count(">Word</a>") == page.count(">PDF</a>") == 4
    xlsx = re.search(r'href="(/documents/\d+/download)">Excel', page).group(1)
    assert client.get(xlsx).mimetype == XLSX


# -- the post ----------------------------------------------------------------------------------
def posted(archive, sample_no: str, number: str, signed_on: date | None = None) -> None:
    """Make sure a packet is on its way (and signed for), whichever test ran first."""
    board = {r.sample_no: r for r in archive.mailings.board(task_code=TASK).rows}
    if board[sample_no].ems_no != number:
        archive.mailings.record_ems(sample_no, number, posted_on=date(2023, 4, 21), actor="test")
    if signed_on and not board[sample_no].signed_on:
        archive.mailings.record_signed(number, signed_on, signed_by="张三", actor="test")


def send_ems(client, sample_no: str, number: str, day: str = "2023-04-21"):
    return client.post("/mailing/ems", data={"csrf_token": token(client), "task": TASK,
                                             "sample_no": sample_no, "ems_no": number,
                                             "posted_on": day})


def test_a_scanned_ems_number_is_recorded_and_the_next_row_is_focused(client, login, results_in):
    login("mailing")
    page = client.get(f"/tasks/{TASK}/mailing").get_data(as_text=True)
    assert len(re.findall(r"<input[^>]* autofocus", page)) == 1
    response = send_ems(client, "JC2023DX0002", SECOND.lower(), "2023-04-22")
    assert response.status_code == 302 and "after=JC2023DX0002" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"已登记 EMS {SECOND}" in page
    next_row = page.split('id="row-JC2023DX0003"', 1)[1].split("</tr>", 1)[0]
    assert re.search(r'aria-label="JC2023DX0003 的 EMS 单号"[^>]*autofocus', next_row)
    assert 'value="2023-04-22"' in next_row  # the posting date carries to the next row


@pytest.mark.parametrize("number, words", [
    ("EA100000010CN", "校验位错误"),
    ("EA1000000CN", "共13位"),
    ("112345678901", "13位数字"),
    (FIRST, "不能重复"),
])
def test_a_wrong_ems_number_is_shown_at_its_row_and_not_recorded(client, login, results_in,
                                                                number, words):
    posted(results_in, "JC2023DX0001", FIRST)
    login("mailing")
    response = send_ems(client, "JC2023DX0003", number)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and words in page
    assert re.search(r'aria-label="JC2023DX0003 的 EMS 单号"[^>]*autofocus', page)
    assert f'value="{number}"' in page
    with results_in.session() as s:
        assert s.scalars(select(Mailing).join(Sampling).where(
            Sampling.sample_no == "JC2023DX0003")).first() is None


def test_signed_for_is_recorded_by_ems_number_with_a_tracking_photo(client, login, results_in):
    posted(results_in, "JC2023DX0001", FIRST)
    login("mailing")
    shot = io.BytesIO()
    Image.new("RGB", (400, 300), "white").save(shot, "JPEG")
    data = {"csrf_token": token(client), "task": TASK, "key": FIRST, "signed_on": "2023-04-25",
            "signed_by": "", "tracking": (io.BytesIO(shot.getvalue()), "track.jpg")}
    page = client.post("/mailing/signed", data=data, content_type="multipart/form-data")
    assert page.status_code == 400 and "请填写签收人" in page.get_data(as_text=True)
    data.update(signed_by="李四（代收）", tracking=(io.BytesIO(shot.getvalue()), "track.jpg"))
    page = client.post("/mailing/signed", data=data, content_type="multipart/form-data",
                       follow_redirects=True).get_data(as_text=True)
    assert "异议期至 2023-05-10" in page
    sample = client.get("/samplings/JC2023DX0001/mailing").get_data(as_text=True)
    tracking = re.search(r'href="(/mailings/\d+/tracking)"', sample).group(1)
    response = client.get(tracking)
    assert response.mimetype == "image/jpeg" and response.data == shot.getvalue()


def test_a_tracking_file_that_is_not_an_image_or_pdf_is_refused(client, login, results_in):
    posted(results_in, "JC2023DX0002", SECOND)
    login("mailing")
    response = client.post("/samplings/JC2023DX0002/mailing/signed",
                           content_type="multipart/form-data",
                           data={"csrf_token": token(client), "signed_on": "2023-04-26",
                                 "signed_by": "王五", "tracking": (io.BytesIO(b"MZ..."), "t.exe")})
    assert response.status_code == 400 and "PDF、JPEG 或 PNG" in response.get_data(as_text=True)


def test_the_board_shows_each_state_and_the_days_left_on_a_given_day(client, login, results_in):
    posted(results_in, "JC2023DX0001", FIRST, signed_on=date(2023, 4, 25))
    posted(results_in, "JC2023DX0002", SECOND)
    login("records")
    page = client.get(f"/board?task={TASK}&today=2023-05-08").get_data(as_text=True)
    sections = {m[0]: m[1] for m in re.findall(r'id="state-(\w+)">(.*?)</section>', page, re.S)}
    assert "JC2023DX0004" in sections["no_result"] and "JC2023DX0003" in sections["to_send"]
    assert SECOND in sections["in_transit"]
    assert re.search(r'<tr class="soon">.*?JC2023DX0001.*?2023-05-10.*?剩 2 天',
                     sections["window_open"], re.S)
    assert "结果报送期限 <b>2023-08-10</b>：还剩 94 天" in page
    later = client.get(f"/board?task={TASK}&today=2023-06-01").get_data(as_text=True)
    closed = re.search(r'id="state-window_closed">(.*?)</section>', later, re.S).group(1)
    assert "JC2023DX0001" in closed and "2023-05-10" in closed
    response = client.get("/board?today=2023-13-40")
    assert response.status_code == 400 and "YYYY-MM-DD" in response.get_data(as_text=True)


def test_objections_are_registered_and_shown_on_the_board_late_ones_in_red(client, login,
                                                                          results_in):
    posted(results_in, "JC2023DX0001", FIRST, signed_on=date(2023, 4, 25))
    login("mailing")
    url = "/samplings/JC2023DX0001/objections"
    for received in ("2023-05-05", "2023-05-20"):
        response = client.post(url, data={"csrf_token": token(client), "received_on": received,
                                          "applicant": "晋城市鑫达电缆有限公司", "items": "导体电阻",
                                          "grounds": "送检样品批次有误"})
        assert response.status_code == 302
    bad = client.post(url, data={"csrf_token": token(client), "received_on": "2023-05-32",
                                 "applicant": "某公司", "items": "x", "grounds": "保留的理由"})
    assert bad.status_code == 400 and "保留的理由" in bad.get_data(as_text=True)
    page = client.get("/samplings/JC2023DX0001/mailing").get_data(as_text=True)
    assert "导体电阻" in page and "送检样品批次有误" in page and "逾期" in page
    first = re.search(r'action="(/samplings/JC2023DX0001/objections/\d+)"', page).group(1)
    client.post(first, data={"csrf_token": csrf_of(page), "state": "已受理"})
    board = client.get(f"/board?task={TASK}&today=2023-05-21").get_data(as_text=True)
    assert re.search(r'class="badge objection"[^>]*>2023-05-05 已受理<', board)
    assert re.search(r'class="badge late"[^>]*>2023-05-20 已登记 逾期<', board)
    assert client.post("/samplings/JC2023DX0002/objections/1",
                       data={"csrf_token": csrf_of(page), "state": "已受理"}).status_code == 404


def test_the_mailing_list_downloads_as_a_workbook(client, login, results_in):
    posted(results_in, "JC2023DX0002", SECOND)
    login("mailing")
    response = client.get(f"/tasks/{TASK}/mailing-list.xlsx?all=1")
    assert response.status_code == 200 and response.mimetype == XLSX
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert SECOND in {c.value for r in sheet.iter_rows() for c in r}


def test_an_ems_sheet_with_a_bad_row_lists_the_problem_by_row_and_column(client, login,
                                                                        results_in):
    login("mailing")
    sheet = "抽样单编号,邮件号码\nJC2023DX0003,EA100000010CN\n".encode("utf-8")
    response = client.post("/mailing/import", content_type="multipart/form-data",
                           data={"csrf_token": token(client), "task": TASK,
                                 "sheet": (io.BytesIO(sheet), "ems.csv")})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert re.search(r"<td>第 2 行</td><td>邮件号码</td><td>[^<]*校验位错误", page)


def test_the_firm_history_shows_the_result_its_failed_items_and_the_report(client, login, seeded):
    seeded.results.import_file(DEMO / "results-jincheng-cable.json", actor="测试员")
    login("records")
    page = client.get("/firms/91140581731915466D").get_data(as_text=True)
    assert "JCJC2023-DX-0002" in page and "导体电阻、绝缘平均厚度" in page
    assert "/samplings/JC2023DX0002/report.pdf" in page
    assert client.get("/samplings/JC2023DX0002/report.pdf").data.startswith(b"%PDF")
