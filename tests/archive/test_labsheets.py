"""The lab's result sheet and the EMS sheet become plain values, every problem named by row and
column; the mailing list for the post office is a printable workbook of text cells."""
from __future__ import annotations

import csv
from datetime import date, datetime
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from archive.labsheets import (EMS_COLUMNS, RESULT_COLUMNS, TEMPLATE, EmsRow, MailingRow,
                               build_result_template, mailing_list_xlsx, read_ems_sheet,
                               read_result_sheet, write_result_template)
from archive.spreadsheet import SheetError
from docgen.ems import s10_check_digit
from docgen.loading import parse_result

HEADERS = ["抽样单编号", "检验结论", "报告编号", "报告日期", "不合格项目", "标准要求", "实测值",
           "单项判定", "检验报告文件", "备注"]
REPORT_DAY = datetime(2023, 4, 20)
PASSED_1 = ["JC2023DX0001", "合格", "JCJY2023-0001", REPORT_DAY, None, None, None, None,
            "JC2023DX0001.pdf", None]
FAILED_2 = ["JC2023DX0002", "不合格", "JCJY2023-0002", REPORT_DAY, "导体电阻", "≤7.41 Ω/km",
            "8.12 Ω/km", "不合格", "JC2023DX0002.pdf", "复检备样已封存"]
FAILED_2_ITEM_2 = ["绝缘厚度", "平均值≥0.8 mm", "0.71 mm", None]
PASSED_3 = ["JC2023DX0003", "合格", "JCJY2023-0003", REPORT_DAY, None, None, None, None, None, None]

DEMO_RESULTS = {
    "JC2023DX0001": (2, {"conclusion": "合格", "report_no": "JCJY2023-0001",
                         "report_date": "2023-04-20", "items": [],
                         "lab_report": "JC2023DX0001.pdf", "remarks": ""}),
    "JC2023DX0002": (3, {"conclusion": "不合格", "report_no": "JCJY2023-0002",
                         "report_date": "2023-04-20",
                         "items": [{"item": "导体电阻", "requirement": "≤7.41 Ω/km",
                                    "measured": "8.12 Ω/km", "verdict": "不合格"},
                                   {"item": "绝缘厚度", "requirement": "平均值≥0.8 mm",
                                    "measured": "0.71 mm", "verdict": "不合格"}],
                         "lab_report": "JC2023DX0002.pdf", "remarks": "复检备样已封存"}),
    "JC2023DX0003": (5, {"conclusion": "合格", "report_no": "JCJY2023-0003",
                         "report_date": "2023-04-20", "items": [], "lab_report": "",
                         "remarks": ""}),
}


def ems(serial: str, country: str = "CN", prefix: str = "EE") -> str:
    return f"{prefix}{serial}{s10_check_digit(serial)}{country}"


def make_xlsx(path: Path, headers: list, rows: list[list], *, title: str = "检验结果",
              merge: list[str] = (), before: list[list] = ()) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = title
    for row in [*before, headers, *rows]:
        ws.append(row)
    for cells in merge:
        ws.merge_cells(cells)
    wb.save(path)
    return path


def make_csv(path: Path, headers: list, rows: list[list], encoding: str) -> Path:
    def text(v):
        return "" if v is None else v.strftime("%Y/%-m/%-d") if isinstance(v, datetime) else str(v)

    with open(path, "w", encoding=encoding, newline="") as f:
        csv.writer(f).writerows([headers, *[[text(v) for v in row] for row in rows]])
    return path


def demo_rows(continuation: str) -> list[list]:
    """The demo results, the failed sample's second item as a continuation row."""
    if continuation == "repeated":
        second = FAILED_2[:4] + FAILED_2_ITEM_2 + FAILED_2[8:]
    elif continuation == "sample number only":
        second = [FAILED_2[0], None, None, None, *FAILED_2_ITEM_2, None, None]
    else:  # "blank" and "merged": no sample number at all
        second = [None, None, None, None, *FAILED_2_ITEM_2, None, None]
    return [PASSED_1, FAILED_2, second, PASSED_3]


def problems_of(call, *args) -> list[tuple[int | None, str]]:
    with pytest.raises(SheetError) as info:
        call(*args)
    return [(p.row, p.column) for p in info.value.problems]


def messages_of(call, *args) -> list[str]:
    with pytest.raises(SheetError) as info:
        call(*args)
    return [str(p) for p in info.value.problems]


# -- result sheets ---------------------------------------------------------------------------

@pytest.mark.parametrize("continuation", ["repeated", "sample number only", "blank", "merged"])
def test_the_demo_results_read_the_same_whatever_the_continuation_rows_hold(tmp_path, continuation):
    merge = ["A3:A4", "B3:B4", "C3:C4", "D3:D4", "I3:I4", "J3:J4"] if continuation == "merged" else []
    path = make_xlsx(tmp_path / "r.xlsx", HEADERS, demo_rows(continuation), merge=merge)
    assert read_result_sheet(path) == DEMO_RESULTS


def test_one_row_per_sample_gives_the_dicts_one_row_per_item_gives(tmp_path):
    per_sample = make_xlsx(tmp_path / "per-sample.xlsx", HEADERS,
                           [PASSED_1, [None] * 10, FAILED_2, PASSED_3])  # a blank row is skipped
    per_item = make_xlsx(tmp_path / "per-item.xlsx", HEADERS, [
        PASSED_1, [*FAILED_2[:4], None, None, None, None, *FAILED_2[8:]],
        [None] * 4 + FAILED_2[4:8] + [None] * 2, PASSED_3])

    def results(path):
        return {sample_no: result for sample_no, (_, result) in read_result_sheet(path).items()}

    assert results(per_sample) == results(per_item)
    assert len(results(per_sample)["JC2023DX0002"]["items"]) == 1


def test_every_demo_result_passes_the_result_checks(tmp_path):
    path = make_xlsx(tmp_path / "r.xlsx", HEADERS, demo_rows("blank"))
    for sample_no, (_, result) in read_result_sheet(path).items():
        checked = parse_result(sample_no, result)
        assert checked.conclusion == result["conclusion"]
        assert checked.report_date == date(2023, 4, 20)
    assert [i.item for i in parse_result("x", read_result_sheet(path)["JC2023DX0002"][1]).items] \
        == ["导体电阻", "绝缘厚度"]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
def test_a_csv_in_utf8_or_gb18030_reads_like_the_workbook(tmp_path, encoding):
    path = make_csv(tmp_path / "r.csv", HEADERS, demo_rows("blank"), encoding)
    assert read_result_sheet(path) == DEMO_RESULTS


def test_aliases_spaces_star_markers_and_a_title_row_are_understood(tmp_path):
    headers = [" 样品编号* ", "判定结论", "检验报告编号 *", "签发日期", "检验项目", "技术要求",
               "检验 结果", "项目判定", "报告文件", "序号"]
    rows = [[*row[:9], n] for n, row in enumerate(demo_rows("blank"), start=1)]
    path = make_xlsx(tmp_path / "r.xlsx", headers, rows, title="Sheet1",
                     before=[["2023年第一批电线电缆检验结果汇总表"]])
    got = read_result_sheet(path)
    assert {k: (row - 1, {**r, "remarks": ""}) for k, (row, r) in got.items()} == {
        k: (row, {**r, "remarks": ""}) for k, (row, r) in DEMO_RESULTS.items()}


def test_the_sheet_named_检验结果_is_read_even_when_it_is_not_the_first(tmp_path):
    wb = Workbook()
    wb.active.title = "说明"
    wb.active.append(["本表由检验所出具"])
    ws = wb.create_sheet("检验结果")
    for row in [HEADERS, PASSED_1]:
        ws.append(row)
    wb.save(tmp_path / "r.xlsx")
    assert list(read_result_sheet(tmp_path / "r.xlsx")) == ["JC2023DX0001"]


@pytest.mark.parametrize("word, conclusion", [
    ("合格", "合格"), ("符合", "合格"), ("合格品", "合格"), (" 不合格 ", "不合格"),
    ("不符合", "不合格"), ("不合格（导体电阻）", "不合格"), ("不合格(B类)", "不合格")])
def test_the_words_labs_use_for_a_conclusion_are_mapped(tmp_path, word, conclusion):
    path = make_xlsx(tmp_path / "r.xlsx", HEADERS, [[PASSED_1[0], word, *PASSED_1[2:]]])
    assert read_result_sheet(path)["JC2023DX0001"][1]["conclusion"] == conclusion


@pytest.mark.parametrize("cell, iso", [
    (datetime(2023, 4, 5), "2023-04-05"), (date(2023, 4, 5), "2023-04-05"),
    ("2023/4/5", "2023-04-05"), ("2023年4月5日", "2023-04-05"), ("2023.04.05", "2023-04-05"),
    ("20230405", "2023-04-05"), ("2023-04-05 00:00", "2023-04-05")])
def test_report_dates_become_iso(tmp_path, cell, iso):
    path = make_xlsx(tmp_path / "r.xlsx", HEADERS, [[*PASSED_1[:3], cell, *PASSED_1[4:]]])
    assert read_result_sheet(path)["JC2023DX0001"][1]["report_date"] == iso


def test_numbers_typed_into_text_columns_keep_their_digits(tmp_path):
    path = make_xlsx(tmp_path / "r.xlsx", HEADERS, [
        ["JC2023DX0002", "不合格", 20230002, REPORT_DAY, "导体电阻", 7.41, 8.1, None, None, None],
        [None, None, 20230002.0, None, "绝缘厚度", 0.8, 0.7, None, None, None]])
    wb = load_workbook(path)
    wb.active["G3"].number_format = "0.00"  # 实测值 0.70 shown with two decimals
    wb.save(path)
    result = read_result_sheet(path)["JC2023DX0002"][1]
    assert result["report_no"] == "20230002"
    assert [(i["requirement"], i["measured"], i["verdict"]) for i in result["items"]] == [
        ("7.41", "8.1", "不合格"), ("0.8", "0.70", "不合格")]


def test_items_judged_合格_are_left_out_and_remarks_on_several_rows_are_joined(tmp_path):
    path = make_xlsx(tmp_path / "r.xlsx", HEADERS, [
        [*FAILED_2[:8], None, "备注一"],
        [None, None, None, None, "标志", "应有标志", "有", "符合", None, "备注二"],
        [None, None, None, None, "绝缘厚度", "≥0.8", "0.71", None, None, "备注一"]])
    result = read_result_sheet(path)["JC2023DX0002"][1]
    assert [i["item"] for i in result["items"]] == ["导体电阻", "绝缘厚度"]
    assert result["remarks"] == "备注一\n备注二"


def test_conflicting_rows_of_one_sample_are_problems_at_the_later_row(tmp_path):
    path = make_xlsx(tmp_path / "r.xlsx", HEADERS, [
        FAILED_2,
        [FAILED_2[0], "合格", "JCJY2023-9999", REPORT_DAY, *FAILED_2_ITEM_2, None, None],
        [None, None, None, datetime(2023, 4, 21), "标志", "应有", "无", None, None, None]])
    assert problems_of(read_result_sheet, path) == [(3, "检验结论"), (3, "报告编号"), (4, "报告日期")]
    assert "与第2行不一致（JCJY2023-0002 / JCJY2023-9999）" in messages_of(read_result_sheet, path)[1]


def test_sample_numbers_differing_only_in_case_are_one_sample(tmp_path):
    path = make_xlsx(tmp_path / "r.xlsx", HEADERS, [FAILED_2, ["jc2023dx0002", *FAILED_2[1:4],
                                                               *FAILED_2_ITEM_2, None, None]])
    assert list(read_result_sheet(path)) == ["JC2023DX0002"]


def test_a_missing_required_column_is_named_and_no_row_is_read(tmp_path):
    headers = [h for h in HEADERS if h != "报告编号"]
    path = make_xlsx(tmp_path / "r.xlsx", headers, [PASSED_1[:2] + PASSED_1[3:]])
    assert problems_of(read_result_sheet, path) == [(None, "报告编号")]


def test_a_column_given_twice_under_two_names_is_a_problem(tmp_path):
    path = make_xlsx(tmp_path / "r.xlsx", [*HEADERS, "签发日期"], [[*PASSED_1, REPORT_DAY]])
    assert problems_of(read_result_sheet, path) == [(None, "签发日期")]


def test_every_bad_cell_is_reported_by_row_and_column(tmp_path):
    path = make_xlsx(tmp_path / "r.xlsx", HEADERS, [
        PASSED_1,
        ["JC2023DX0004", "待定", "R-4", "2023-02-30", None, None, None, None, None, None],
        ["JC2023DX0005", "合格", "R-5", "下周", None, None, None, None, "报告.docx", None],
        [None, "合格", "R-6", REPORT_DAY, None, None, None, None, None, None],
        ["JC2023DX0007", "合格", datetime(2023, 1, 7), REPORT_DAY, None, None, None, None, None, None]])
    assert problems_of(read_result_sheet, path) == [
        (3, "检验结论"), (3, "报告日期"), (4, "报告日期"), (4, "检验报告文件"), (5, "抽样单编号"),
        (6, "报告编号")]
    messages = messages_of(read_result_sheet, path)
    assert messages[0] == "第3行 〔检验结论〕 应为 合格/不合格 之一，实为 待定"
    assert "不是有效日期：2023-02-30" in messages[1]


def test_an_item_row_without_a_sample_above_it_is_not_guessed(tmp_path):
    path = make_xlsx(tmp_path / "r.xlsx", HEADERS, [[None, None, None, None, *FAILED_2_ITEM_2,
                                                     None, None], PASSED_1])
    assert problems_of(read_result_sheet, path) == [(2, "抽样单编号")]


@pytest.mark.parametrize("name, column", [("r.xls", "文件"), ("r.txt", "文件")])
def test_files_that_are_not_xlsx_or_csv_are_refused(tmp_path, name, column):
    (tmp_path / name).write_bytes(b"x")
    assert problems_of(read_result_sheet, tmp_path / name) == [(None, column)]


def test_an_empty_sheet_says_so(tmp_path):
    path = make_xlsx(tmp_path / "r.xlsx", [], [])
    assert problems_of(read_result_sheet, path) == [(None, "检验结果")]


# -- EMS sheets ------------------------------------------------------------------------------

def test_an_ems_sheet_typed_by_staff_gives_normalised_numbers_and_iso_dates(tmp_path):
    number = ems("47110815")
    path = make_xlsx(tmp_path / "ems.xlsx", ["抽样单编号", "邮件号码", "交寄日期", "签收日期", "签收人"], [
        ["JC2023DX0001", number.lower()[:6] + " " + number[6:], datetime(2023, 4, 21),
         "2023年4月24日", "张三"],
        ["JC2023DX0002", 1102345678901, "2023/4/21", None, None]], title="邮寄")
    assert read_ems_sheet(path) == [
        EmsRow(2, "JC2023DX0001", number, "2023-04-21", "2023-04-24", "张三"),
        EmsRow(3, "JC2023DX0002", "1102345678901", "2023-04-21", None, "")]


def test_china_posts_batch_export_headers_and_timestamps_are_understood(tmp_path):
    path = make_csv(tmp_path / "export.csv", ["运单号", "样品编号", "收寄时间", "妥投时间", "收件人签名"], [
        [ems("12345678"), "JC2023DX0003", "2023-04-21 15:32:11", "2023-04-23 09:05:00", "本人"]],
        "gb18030")
    assert read_ems_sheet(path) == [
        EmsRow(2, "JC2023DX0003", ems("12345678"), "2023-04-21", "2023-04-23", "本人")]


def test_every_bad_ems_row_is_reported_with_its_row_and_column(tmp_path):
    good = ems("47110815")
    wrong_check = good[:10] + str((int(good[10]) + 1) % 10) + good[11:]
    path = make_xlsx(tmp_path / "ems.xlsx", ["抽样单编号", "EMS单号", "交寄日期", "签收日期"], [
        ["JC2023DX0001", good, REPORT_DAY, None],
        ["JC2023DX0002", wrong_check, REPORT_DAY, None],
        ["JC2023DX0003", "110234567890", REPORT_DAY, None],
        ["JC2023DX0004", good, REPORT_DAY, None],
        ["JC2023DX0001", good, REPORT_DAY, None],
        [None, ems("12345678"), REPORT_DAY, None],
        ["JC2023DX0007", None, "昨天", datetime(2023, 4, 1)]])
    assert problems_of(read_ems_sheet, path) == [  # 邮件号码 as this sheet calls it: EMS单号
        (3, "EMS单号"), (4, "EMS单号"), (5, "EMS单号"), (6, "EMS单号"), (7, "抽样单编号"),
        (8, "交寄日期"), (8, "EMS单号")]
    messages = messages_of(read_ems_sheet, path)
    assert "校验位错误" in messages[0]
    assert "13位" in messages[1]
    assert f"邮件号码 {good} 与第2行重复（第2行为 JC2023DX0001，本行为 JC2023DX0004）" in messages[2]
    assert "同一抽样单编号 JC2023DX0001 登记了两次" in messages[3]


def test_an_ems_sheet_without_the_number_column_names_it(tmp_path):
    path = make_xlsx(tmp_path / "ems.xlsx", ["抽样单编号", "签收人"], [["JC2023DX0001", "张三"]])
    assert problems_of(read_ems_sheet, path) == [(None, "邮件号码")]


# -- the mailing list ------------------------------------------------------------------------

MAILING = [
    MailingRow(ems("47110815"), "晋城市泽州县鑫达电缆有限公司", "山西省晋城市泽州县金村镇工业园区8号",
               "048012", "王经理", "03563012345", "检验结果通知书、检验报告（编号 JCJY2023-0001）",
               "JC2023DX0001"),
    MailingRow("1102345678901", "=1+1", "+86 测试路1号", "012345", "李四", "13800001111",
               "检验结果通知书", "JC2023DX0002", "-加急"),
]


def mailing_sheet():
    data = mailing_list_xlsx(MAILING, title="2023年第一批产品质量监督抽查 大宗邮件交寄清单",
                             sender="晋城市综合检验检测中心")
    return load_workbook(BytesIO(data)).active


def test_the_mailing_list_holds_a_title_the_sender_a_header_each_mailing_and_a_total():
    ws = mailing_sheet()
    assert ws["A1"].value == "2023年第一批产品质量监督抽查 大宗邮件交寄清单"
    assert "A1:J1" in {str(r) for r in ws.merged_cells.ranges}
    assert ws["A2"].value == "寄件人：晋城市综合检验检测中心"
    assert [c.value for c in ws[3]] == ["序号", "邮件号码", "收件单位", "收件地址", "邮政编码", "联系人",
                                        "联系电话", "内件品名", "抽样单编号", "备注"]
    assert [c.value for c in ws[4]] == [1, ems("47110815"), "晋城市泽州县鑫达电缆有限公司",
                                        "山西省晋城市泽州县金村镇工业园区8号", "048012", "王经理",
                                        "03563012345", "检验结果通知书、检验报告（编号 JCJY2023-0001）",
                                        "JC2023DX0001", None]
    assert ws["A6"].value == "共 2 件"
    assert all(c.border.left.style == "thin" for row in ws["A3:J5"] for c in row)


def test_numbers_and_formula_like_text_in_the_mailing_list_stay_text():
    ws = mailing_sheet()
    for ref in ("B5", "E4", "E5", "G4", "G5"):  # EMS numbers, postal codes, phones
        assert ws[ref].data_type == "s" and ws[ref].number_format == "@"
    assert (ws["B5"].value, ws["E5"].value) == ("1102345678901", "012345")
    assert (ws["C5"].value, ws["C5"].data_type) == ("=1+1", "s")
    assert (ws["D5"].value, ws["J5"].value) == ("+86 测试路1号", "-加急")


def test_the_mailing_list_prints_a4_landscape_one_page_wide_with_the_header_repeated():
    ws = mailing_sheet()
    assert ws.page_setup.orientation == "landscape"
    assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
    assert ws.print_title_rows == "$3:$3"
    assert ws.freeze_panes == "A4"
    assert ws["D4"].alignment.wrap_text
    assert ws.column_dimensions["D"].width > ws.column_dimensions["F"].width >= 8


# -- the template ----------------------------------------------------------------------------

def test_the_committed_template_is_what_the_function_builds():
    committed, built = load_workbook(TEMPLATE), load_workbook(BytesIO(build_result_template()))
    assert committed.sheetnames == built.sheetnames == ["检验结果", "填写说明"]
    for name in committed.sheetnames:
        assert [[c.value for c in row] for row in committed[name].iter_rows()] == \
            [[c.value for c in row] for row in built[name].iter_rows()]
    headers = [c.value for c in committed["检验结果"][1]]
    assert [h.rstrip("*") for h in headers] == [c.header for c in RESULT_COLUMNS]
    assert [h.endswith("*") for h in headers] == [c.required for c in RESULT_COLUMNS]


def test_the_template_has_a_conclusion_dropdown_and_text_columns(tmp_path):
    write_result_template(tmp_path / "t.xlsx")
    ws = load_workbook(tmp_path / "t.xlsx")["检验结果"]
    assert [dv.formula1 for dv in ws.data_validations.dataValidation] == ['"合格,不合格"']
    assert str(ws.data_validations.dataValidation[0].sqref) == "B2:B1048576"
    assert ws["A2"].number_format == ws["C2"].number_format == "@"
    assert ws.column_dimensions["A"].number_format == "@"
    assert ws.freeze_panes == "B2"


def test_the_templates_example_rows_read_as_one_passed_and_one_failed_sample():
    results = read_result_sheet(TEMPLATE)
    assert {k: (row, r["conclusion"], len(r["items"])) for k, (row, r) in results.items()} == {
        "JC2023DX0001": (2, "合格", 0), "JC2023DX0002": (3, "不合格", 2)}
    for sample_no, (_, result) in results.items():
        parse_result(sample_no, result)


def test_the_ems_and_result_columns_share_the_sample_number_column():
    assert RESULT_COLUMNS[0] is EMS_COLUMNS[0]
    assert RESULT_COLUMNS[0].aliases[-2:] == ("抽样编号", "样品编号")
