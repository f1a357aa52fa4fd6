"""Results, EMS postings, signed-for dates, objections and the deadline board in the archive."""
from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from archive.mailing import MailingError
from archive.models import AuditEntry, Correction, Mailing, Sampling
from archive.results import ResultError
from archive.spreadsheet import SheetError
from docgen.ems import s10_check_digit
from tests.conftest import DEMO

FAIL = {"conclusion": "不合格", "report_no": "JCJC2023-DX-0002", "report_date": "2023-04-20",
        "items": [{"item": "导体电阻", "requirement": "≤12.1 Ω/km", "measured": "13.6 Ω/km"},
                  {"item": "绝缘平均厚度", "requirement": "≥0.6 mm", "measured": "0.52 mm"}]}
PASS = {"conclusion": "合格", "report_no": "JCJC2023-DX-0001", "report_date": "2023-04-18"}


def s10(serial: str, country: str = "CN", service: str = "EA") -> str:
    return f"{service}{serial}{s10_check_digit(serial)}{country}"


@pytest.fixture
def demo(archive):
    archive.import_file(DEMO / "trip-jincheng-cable.json", actor="测试员")
    return archive


@pytest.fixture
def with_results(demo):
    demo.results.import_file(DEMO / "results-jincheng-cable.json", actor="测试员")
    return demo


def sampling(archive, no: str) -> Sampling:
    with archive.session() as s:
        return s.scalars(select(Sampling).where(Sampling.sample_no == no)).one()


def test_results_file_records_two_passes_and_a_failure_with_its_items_and_reports(with_results):
    fail = sampling(with_results, "JC2023DX0002")
    assert fail.result == "不合格" and fail.report_no == "JCJC2023-DX-0002"
    assert fail.report_date == date(2023, 4, 20)
    assert [i["item"] for i in fail.result_items] == ["导体电阻", "绝缘平均厚度"]
    assert fail.result_items[0]["measured"] == "13.6 Ω/km"
    name, data = with_results.results.report_pdf("JC2023DX0002")
    assert name == "JCJC2023-DX-0002.pdf"
    assert data == (DEMO / "reports" / "JCJC2023-DX-0002.pdf").read_bytes()
    assert [sampling(with_results, n).result for n in ("JC2023DX0001", "JC2023DX0003")] == ["合格"] * 2
    assert sampling(with_results, "JC2023DX0004").result == ""


def test_a_result_is_searchable_by_report_number_once_documents_exist(with_results):
    with_results.generate(sample_no="JC2023DX0002", actor="测试员")
    found = with_results.search("JCJC2023-DX-0002")
    assert found.total and found.groups[0].sample_no == "JC2023DX0002"
    assert with_results.search("", result="不合格").total


@pytest.mark.parametrize("change, field, words", [
    ({"conclusion": "基本合格"}, "result.conclusion", "合格/不合格"),
    ({"report_no": ""}, "result.report_no", "必填"),
    ({"report_date": "2023-02-30"}, "result.report_date", "日期"),
    ({"report_date": "2023-03-01"}, "result.report_date", "早于抽样日期"),
    ({"report_date": "2999-01-01"}, "result.report_date", "晚于今天"),
    ({"items": []}, "result.items", "须列出不合格项目"),
    ({"items": [{"item": "导体电阻", "requirement": "", "measured": "1"}]},
     "result.items[1].requirement", "必填"),
])
def test_a_bad_result_is_refused_naming_the_field_and_nothing_is_stored(demo, change, field, words):
    with pytest.raises(ResultError) as err:
        demo.results.enter("JC2023DX0002", {**FAIL, **change}, actor="测试员")
    problems = err.value.problems
    assert any(p.field == field and words in p.message and p.record == "JC2023DX0002"
               for p in problems), problems
    assert sampling(demo, "JC2023DX0002").result == ""


def test_a_pass_with_failed_items_and_a_result_for_a_refusal_are_refused(demo):
    with pytest.raises(ResultError, match="错误"):
        demo.results.enter("JC2023DX0001", {**PASS, "items": FAIL["items"]}, actor="测试员")
    with pytest.raises(ResultError) as err:
        demo.results.enter("JC2023DX0005", PASS, actor="测试员")
    assert "拒检" in str(err.value.problems[0])


@pytest.mark.parametrize("data, words", [
    (b"GIF89a not a pdf", "应为 PDF"),
    (b"%PDF-1.4\n garbage garbage", "损坏"),
])
def test_a_lab_report_that_is_not_a_readable_pdf_is_refused(demo, data, words):
    with pytest.raises(ResultError) as err:
        demo.results.enter("JC2023DX0001", PASS, actor="测试员", report=data, report_name="r.pdf")
    assert words in err.value.problems[0].message
    assert sampling(demo, "JC2023DX0001").result == ""


def test_a_changed_result_needs_a_correction_reason_and_keeps_the_report(with_results):
    with pytest.raises(ResultError) as err:
        with_results.results.enter("JC2023DX0001", {**PASS, "report_no": "JCJC2023-DX-0001A"},
                                   actor="审核员")
    assert err.value.problems[0].field == "correction.reason"
    assert "检验报告编号" in err.value.problems[0].message
    assert sampling(with_results, "JC2023DX0001").report_no != "JCJC2023-DX-0001A"
    with_results.results.enter("JC2023DX0001", {**PASS, "report_no": "JCJC2023-DX-0001A"},
                               actor="审核员", reason="报告编号补录字母")
    row = sampling(with_results, "JC2023DX0001")
    assert row.report_no == "JCJC2023-DX-0001A" and row.result_by == "审核员"
    assert with_results.results.report_pdf("JC2023DX0001")[1].startswith(b"%PDF")
    with with_results.session() as s:
        (c,) = s.scalars(select(Correction).where(Correction.sampling_id == row.id)).all()
    assert c.reason == "报告编号补录字母" and c.changes["result.report_no"][1] == "JCJC2023-DX-0001A"


def test_entering_the_same_result_again_changes_nothing(with_results):
    before = sampling(with_results, "JC2023DX0001")
    with_results.results.enter("JC2023DX0001", dict(PASS), actor="另一人")
    after = sampling(with_results, "JC2023DX0001")
    assert after.result_by == before.result_by and after.result_at == before.result_at


def test_a_results_file_with_one_bad_sample_imports_nothing(demo, tmp_path):
    data = json.loads((DEMO / "results-jincheng-cable.json").read_text(encoding="utf-8"))
    data["JC2023DX0003"]["conclusion"] = "待定"
    for r in data.values():
        r["lab_report"] = ""
    path = tmp_path / "r.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(SheetError) as err:
        demo.results.import_file(path, actor="测试员")
    assert "JC2023DX0003" in err.value.report()
    assert all(sampling(demo, n).result == "" for n in ("JC2023DX0001", "JC2023DX0002"))


# -- EMS numbers ------------------------------------------------------------------------------
def test_valid_ems_numbers_are_recorded_normalised(with_results):
    number = s10("12345678")
    mail = with_results.mailings.record_ems("JC2023DX0001", number.lower()[:6] + " " + number[6:].lower(),
                                            posted_on=date(2023, 4, 21), actor="寄件员")
    assert mail.ems_no == number
    with_results.mailings.record_ems("JC2023DX0002", "1123456789012", posted_on=date(2023, 4, 21),
                                     actor="寄件员")
    assert sampling(with_results, "JC2023DX0001").ems_no == number


@pytest.mark.parametrize("number, words", [
    ("EA123456780CN", "校验位错误"),  # the check digit of 12345678 is 5
    ("EA12345678CN", "13位"),
    ("112345678901", "13位数字"),
    ("11234567890123", "13位数字"),
    ("", "13位数字"),
])
def test_bad_ems_numbers_are_refused_with_a_clear_message(with_results, number, words):
    with pytest.raises(MailingError) as err:
        with_results.mailings.record_ems("JC2023DX0001", number, actor="寄件员")
    assert words in err.value.problems[0].message
    assert err.value.problems[0].record == "JC2023DX0001"
    with with_results.session() as s:
        assert s.scalars(select(Mailing)).first() is None


def test_an_ems_number_used_for_another_packet_is_refused(with_results):
    number = s10("00071761", "HK", "EB")
    with_results.mailings.record_ems("JC2023DX0001", number, actor="寄件员")
    with pytest.raises(MailingError) as err:
        with_results.mailings.record_ems("JC2023DX0002", number, actor="寄件员")
    assert "JC2023DX0001" in err.value.problems[0].message and "不能重复" in err.value.problems[0].message


def test_no_packet_goes_out_before_the_result_is_in(demo):
    with pytest.raises(MailingError, match="错误") as err:
        demo.mailings.record_ems("JC2023DX0001", s10("12345678"), actor="寄件员")
    assert "尚未录入检验结果" in err.value.problems[0].message


def test_a_typo_can_be_corrected_until_the_packet_is_signed_for(with_results):
    m = with_results.mailings
    m.record_ems("JC2023DX0001", s10("11111111"), posted_on=date(2023, 4, 21), actor="寄件员")
    m.record_ems("JC2023DX0001", s10("22222222"), posted_on=date(2023, 4, 21), actor="寄件员")
    with with_results.session() as s:
        assert [x.ems_no for x in s.scalars(select(Mailing))] == [s10("22222222")]
    m.record_signed(s10("22222222"), date(2023, 4, 23), signed_by="王收发", actor="寄件员")
    with pytest.raises(MailingError, match="错误") as err:
        m.record_ems("JC2023DX0001", s10("33333333"), actor="寄件员")
    assert "已于 2023-04-23 签收" in err.value.problems[0].message


# -- signed for, windows, the board -------------------------------------------------------------
@pytest.mark.parametrize("signed, last_day", [
    (date(2023, 5, 31), date(2023, 6, 15)),   # across a month end (Thursday)
    (date(2023, 6, 15), date(2023, 6, 30)),   # ends on the last day of June (Friday)
    (date(2024, 2, 14), date(2024, 2, 29)),   # a leap day (Thursday)
    (date(2023, 4, 16), date(2023, 5, 4)),    # 5月1日 is a Monday: 5-1 → past the 劳动节 holiday
    (date(2023, 3, 31), date(2023, 4, 17)),   # 4月15日 is a Saturday → Monday 17th
])
def test_the_objection_window_is_counted_from_the_signed_for_date(make_archive, signed, last_day):
    archive = make_archive()
    archive.settings = type(archive.settings)(holidays=("2023-05-01", "2023-05-02", "2023-05-03"))
    archive.import_file(DEMO / "trip-jincheng-cable.json", actor="测试员")
    archive.results.enter("JC2023DX0001", {**PASS, "report_date": "2023-03-20"}, actor="测试员")
    archive.mailings.record_ems("JC2023DX0001", s10("12345678"), posted_on=signed, actor="寄件员")
    archive.mailings.record_signed("JC2023DX0001", signed, signed_by="张三", actor="寄件员")
    board = archive.mailings.board(task_code="JC2023-01-DX", today=last_day)
    row = next(r for r in board.rows if r.sample_no == "JC2023DX0001")
    assert row.window_end == last_day and row.days_left == 0 and row.state == "window_open"
    after = archive.mailings.board(today=date.fromordinal(last_day.toordinal() + 1))
    row = next(r for r in after.rows if r.sample_no == "JC2023DX0001")
    assert row.state == "window_closed" and row.days_left == -1


def test_signed_for_dates_before_posting_or_in_the_future_are_refused(with_results):
    m = with_results.mailings
    with pytest.raises(MailingError, match="错误") as err:
        m.record_ems("JC2023DX0001", s10("12345678"), posted_on=date(2023, 4, 1), actor="寄件员")
    assert "早于检验报告日期" in err.value.problems[0].message
    m.record_ems("JC2023DX0001", s10("12345678"), posted_on=date(2023, 4, 21), actor="寄件员")
    with pytest.raises(MailingError, match="错误") as err:
        m.record_signed("JC2023DX0001", date(2023, 4, 20), signed_by="张三", actor="寄件员")
    assert "早于交寄日期" in err.value.problems[0].message
    with pytest.raises(MailingError):
        m.record_signed("JC2023DX0001", date(2999, 1, 1), signed_by="张三", actor="寄件员")
    with pytest.raises(MailingError):
        m.record_signed("JC2023DX0001", date(2023, 4, 22), signed_by=" ", actor="寄件员")


def test_the_board_sorts_every_sampled_batch_by_where_its_result_stands(with_results):
    m = with_results.mailings
    m.record_ems("JC2023DX0001", s10("11111111"), posted_on=date(2023, 4, 21), actor="寄件员")
    m.record_ems("JC2023DX0002", s10("22222222"), posted_on=date(2023, 4, 21), actor="寄件员")
    m.record_signed("JC2023DX0002", date(2023, 4, 24), signed_by="李四（收发室代收）",
                    actor="寄件员", tracking=(DEMO / "photos" / "site-0001.jpg").read_bytes(),
                    tracking_name="ems-track.jpg")
    m.register_objection("JC2023DX0002", received_on=date(2023, 5, 6), applicant="山西高平华通线缆股份有限公司",
                         items="导体电阻", grounds="送检样品与封样不一致", actor="寄件员")
    board = m.board(task_code="JC2023-01-DX", today=date(2023, 5, 1))
    by = {k: [r.sample_no for r in v] for k, v in board.by_state().items()}
    assert by == {"no_result": ["JC2023DX0004"], "to_send": ["JC2023DX0003"],
                  "in_transit": ["JC2023DX0001"], "window_open": ["JC2023DX0002"],
                  "window_closed": []}
    fail = next(r for r in board.rows if r.sample_no == "JC2023DX0002")
    assert fail.window_end == date(2023, 5, 9) and fail.days_left == 8  # 4-24 + 15 days
    assert fail.objections[0]["items"] == "导体电阻" and not fail.objections[0]["late"]
    assert board.result_due["JC2023-01-DX"] == (date(2023, 8, 10), 101)
    name, data = m.tracking_file(next(x.id for x in _mailings(with_results) if x.tracking_sha256))
    assert name == "ems-track.jpg" and data == (DEMO / "photos" / "site-0001.jpg").read_bytes()


def test_an_objection_after_the_window_is_registered_and_marked_late(with_results):
    m = with_results.mailings
    m.record_ems("JC2023DX0002", s10("22222222"), posted_on=date(2023, 4, 21), actor="寄件员")
    m.record_signed("JC2023DX0002", date(2023, 4, 24), signed_by="李四", actor="寄件员")
    m.register_objection("JC2023DX0002", received_on=date(2023, 5, 10), applicant="华通",
                         items="", grounds="", actor="寄件员")
    row = next(r for r in m.board(today=date(2023, 5, 12)).rows if r.sample_no == "JC2023DX0002")
    assert row.state == "window_closed" and row.objections[0]["late"]


def test_a_returned_packet_goes_back_to_be_sent_and_keeps_its_number_taken(with_results):
    m = with_results.mailings
    m.record_ems("JC2023DX0001", s10("11111111"), posted_on=date(2023, 4, 21), actor="寄件员")
    m.mark_returned(s10("11111111"), note="查无此单位", actor="寄件员")
    row = next(r for r in m.board(today=date(2023, 5, 1)).rows if r.sample_no == "JC2023DX0001")
    assert row.state == "to_send"
    with pytest.raises(MailingError):
        m.record_ems("JC2023DX0001", s10("11111111"), actor="寄件员")
    m.record_ems("JC2023DX0001", s10("44444444"), posted_on=date(2023, 5, 2), actor="寄件员")
    assert len(_mailings(with_results)) == 2


def test_a_bad_tracking_printout_is_refused(with_results):
    m = with_results.mailings
    m.record_ems("JC2023DX0001", s10("11111111"), posted_on=date(2023, 4, 21), actor="寄件员")
    for data, name in ((b"MZ\x90\x00", "track.exe"), (b"MZ\x90\x00", "track.jpg")):
        with pytest.raises(MailingError):
            m.record_signed("JC2023DX0001", date(2023, 4, 22), signed_by="张三", actor="寄件员",
                            tracking=data, tracking_name=name)
    assert _mailings(with_results)[0].signed_on is None


def test_every_mailing_step_is_audited(with_results):
    m = with_results.mailings
    m.record_ems("JC2023DX0001", s10("11111111"), posted_on=date(2023, 4, 21), actor="寄件员")
    m.record_signed("JC2023DX0001", date(2023, 4, 22), signed_by="张三", actor="寄件员")
    with with_results.session() as s:
        actions = [a.action for a in s.scalars(select(AuditEntry))]
    assert {"result", "mail.ems", "mail.signed"} <= set(actions)


def _mailings(archive) -> list[Mailing]:
    with archive.session() as s:
        return list(s.scalars(select(Mailing).order_by(Mailing.id)))


def test_a_packet_is_found_by_its_ems_number_once_recorded(with_results):
    with_results.generate(sample_no="JC2023DX0002", actor="测试员")
    number = s10("87654321")
    assert not with_results.search(number).total
    with_results.mailings.record_ems("JC2023DX0002", number, posted_on=date(2023, 4, 21),
                                     actor="寄件员")
    found = with_results.search(number)
    assert found.total and {g.sample_no for g in found.groups} == {"JC2023DX0002"}


def test_an_objection_moves_on_only_under_its_own_sample(with_results):
    m = with_results.mailings
    obj = m.register_objection("JC2023DX0002", received_on=date(2023, 5, 6), applicant="华通",
                               items="导体电阻", grounds="", actor="寄件员")
    with pytest.raises(MailingError):
        m.set_objection_state(obj.id, "已受理", sample_no="JC2023DX0001", actor="寄件员")
    with pytest.raises(MailingError):
        m.set_objection_state(obj.id, "办完了", sample_no="JC2023DX0002", actor="寄件员")
    m.set_objection_state(obj.id, "复检中", sample_no="JC2023DX0002", actor="寄件员")
    row = m.board(sample_no="JC2023DX0002").rows
    assert [o["state"] for o in row[0].objections] == ["复检中"] and len(row) == 1


def test_a_results_file_lists_missing_reports_and_bad_results_at_once_by_sample(demo, tmp_path):
    data = json.loads((DEMO / "results-jincheng-cable.json").read_text(encoding="utf-8"))
    data["JC2023DX0001"]["lab_report"] = "nowhere.pdf"
    data["JC2023DX0003"]["conclusion"] = "待定"
    for no in ("JC2023DX0002", "JC2023DX0003"):
        data[no]["lab_report"] = ""
    path = tmp_path / "r.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(SheetError) as err:
        demo.results.import_file(path, actor="测试员")
    lines = [str(p) for p in err.value.problems]
    assert any("JC2023DX0001" in ln and "找不到报告文件 nowhere.pdf" in ln for ln in lines)
    assert any("JC2023DX0003" in ln and "待定" in ln for ln in lines)
    assert all(sampling(demo, n).result == "" for n in ("JC2023DX0001", "JC2023DX0002"))
