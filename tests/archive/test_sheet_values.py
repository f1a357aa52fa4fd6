"""Values arrive as the clerk meant them, and problems name the row and the column as the
sheet names them: General-cell postal codes, formulas, alias headers, odd spaces, in sheets
written by openpyxl and saved by LibreOffice (tests/archive/fixtures/make_fixtures.py)."""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from archive.labsheets import read_ems_sheet, read_result_sheet
from archive.sheets import SheetError
from archive.spreadsheet import load_spreadsheet, read_spreadsheet
from tests.conftest import DEMO

FIXTURES = Path(__file__).resolve().parent / "fixtures"
JINCHENG = json.loads((DEMO / "trip-jincheng-cable.json").read_text(encoding="utf-8"))
BASE = {k: v for k, v in JINCHENG.items() if k != "samplings"}
HEADERS = ["抽样单编号", "抽样结果", "受检单位名称", "统一社会信用代码", "产品名称", "规格型号",
           "检验样品数量", "备用样品数量", "购买数量", "单价（元）", "抽样时间", "抽样地点",
           "封样编号", "备样封存地点"]


def row(sample_no="JC2023DX0101", **cells) -> dict:
    values = dict(zip(HEADERS, [sample_no, "已抽样", "晋城市泽州县鑫达电缆有限公司",
                                "91140525MA0H2K7B2W", "聚氯乙烯绝缘电缆电线", "BV 2.5", "2卷", "1卷",
                                3, 168.5, datetime(2023, 3, 15, 10, 20), "成品库房", "FY-1", "库房"]))
    return {**values, **cells}


def sheet(path: Path, rows: list[dict], *, headers: dict[str, str] | None = None,
          task: dict | None = None) -> Path:
    """A workbook (openpyxl: formulas without cached results) of rows {header: value}; headers
    renames columns as another bureau's sheet would."""
    names = list(dict.fromkeys(h for r in rows for h in r))
    wb = Workbook()
    ws = wb.active
    ws.title = "抽样记录"
    ws.append([(headers or {}).get(h, h) for h in names])
    for r in rows:
        ws.append([r.get(h) for h in names])
    if task is not None:
        info = wb.create_sheet("任务信息")
        info.append(["项目", "内容"])
        for label, value in task.items():
            info.append([label, value])
    wb.save(path)
    return path


def problems(call, *args, **kwargs) -> list[tuple[int | None, str, str]]:
    with pytest.raises(SheetError) as info:
        call(*args, **kwargs)
    return [(p.row, p.column, p.message) for p in info.value.problems]


# -- postal codes ----------------------------------------------------------------------------

@pytest.mark.parametrize("header, path", [
    ("受检单位邮政编码", ("enterprise", "postal_code")), ("邮编", ("enterprise", "postal_code")),
    ("企业邮编", ("enterprise", "postal_code")), ("标称生产者邮政编码", ("manufacturer", "postal_code")),
    ("生产企业邮编", ("manufacturer", "postal_code"))])
@pytest.mark.parametrize("cell, text", [
    (48000, "048000"), (48000.0, "048000"), (10000, "010000"), (100000, "100000"),
    (999999, "999999"), ("048000", "048000"), ("48000", "48000")])  # text is left as typed
def test_a_postal_code_typed_into_a_general_cell_gets_its_six_digits_back(tmp_path, header, path,
                                                                         cell, text):
    data, _ = read_spreadsheet(sheet(tmp_path / "r.xlsx", [row(**{header: cell})]), base_trip=BASE)
    section, key = path
    assert data["samplings"][0][section][key] == text


@pytest.mark.parametrize("cell", [1234567, 48000.5, 0, -48000, 4800, 48, 1])  # no code starts 00
def test_a_postal_code_number_that_cannot_be_six_digits_is_refused_at_its_cell(tmp_path, cell):
    path = sheet(tmp_path / "r.xlsx", [row("A1"), row("A2", 邮编=cell)])
    (problem,) = problems(read_spreadsheet, path, base_trip=BASE)
    assert problem[:2] == (3, "邮编") and "邮政编码应为6位数字" in problem[2]


@pytest.mark.parametrize("label, path", [("组织监督抽查部门邮政编码", "agency"),
                                         ("承检机构邮政编码", "institution")])
def test_the_task_sheets_postal_codes_get_their_six_digits_back(tmp_path, label, path):
    data, _ = read_spreadsheet(sheet(tmp_path / "r.xlsx", [row()], task={label: 48000}),
                               base_trip=BASE)
    assert data[path]["postal_code"] == "048000"


# -- formulas --------------------------------------------------------------------------------

@pytest.mark.parametrize("header", ["单价（元）", "购买数量", "实付金额（元）"])
def test_a_formula_in_a_money_or_quantity_column_is_refused(tmp_path, header):
    path = sheet(tmp_path / "r.xlsx", [row(**{header: "=84.25*2"})])
    assert problems(load_spreadsheet, path, base_trip=BASE) == [(2, header, "请填写数值而非公式")]


def test_formulas_saved_by_libreoffice_with_their_results_are_refused_in_price_and_quantity():
    # LibreOffice stored =84.25*2 (168.5) and =1+2 (3); the sheet calls the columns 单价, 购样数量.
    assert problems(load_spreadsheet, FIXTURES / "lo-formulas.xlsx", base_trip=BASE) == [
        (2, "购样数量", "请填写数值而非公式"), (2, "单价", "请填写数值而非公式")]


@pytest.mark.parametrize("header", ["产品名称", "抽样时间", "抽样单编号", "统一社会信用代码"])
def test_a_formula_never_calculated_is_refused_in_any_column(tmp_path, header):
    path = sheet(tmp_path / "r.xlsx", [row(**{header: '=CONCATENATE("A","1")'})])
    found = problems(load_spreadsheet, path, base_trip=BASE)
    # Reported once at its cell (not also as empty); without a sample number the row is not
    # imported, so the sheet also has no sampling at all.
    assert [p for p in found if p[0] is not None] == [
        (2, header, "公式没有计算结果，请在 Excel/WPS 中打开并保存后再导入")]
    assert len(found) == (2 if header == "抽样单编号" else 1)


def test_a_text_formula_with_a_cached_result_gives_its_result():
    data, _ = read_spreadsheet(FIXTURES / "lo-trip-rows.xlsx", base_trip=BASE)
    assert data["samplings"][0]["product"]["name"] == "聚氯乙烯绝缘电缆电线"  # ="聚氯乙烯绝缘"&"电缆电线"


def test_an_error_value_is_refused_at_its_cell(tmp_path):
    path = sheet(tmp_path / "r.xlsx", [row(产品名称="#N/A")])
    ((r, column, message),) = problems(read_spreadsheet, path, base_trip=BASE)
    assert (r, column) == (2, "产品名称") and "错误值 #N/A" in message


def test_a_task_sheet_formula_without_a_result_names_its_label(tmp_path):
    path = sheet(tmp_path / "r.xlsx", [row()], task={"任务名称": '="2023年"&"第二批"'})
    ((r, column, message),) = problems(read_spreadsheet, path, base_trip=BASE)
    assert (r, column) == (None, "任务名称") and "公式没有计算结果" in message


@pytest.mark.parametrize("read, rows, column", [
    (read_result_sheet, [["样品编号", "检验结论", "检验报告编号", "报告日期"],
                         ["JC2023DX0001", "合格", "=A2&\"-R\"", datetime(2023, 4, 20)]], "检验报告编号"),
    (read_ems_sheet, [["抽样单编号", "运单号"], ["JC2023DX0001", "=1102345678900+1"]], "运单号")])
def test_lab_and_ems_sheets_refuse_a_formula_never_calculated(tmp_path, read, rows, column):
    wb = Workbook()
    for r in rows:
        wb.active.append(r)
    wb.save(tmp_path / "r.xlsx")
    assert problems(read, tmp_path / "r.xlsx") == [
        (2, column, "公式没有计算结果，请在 Excel/WPS 中打开并保存后再导入")]


# -- a sheet saved by LibreOffice ------------------------------------------------------------

def test_a_libreoffice_sheet_with_alias_headers_and_general_postal_codes_arrives_as_typed():
    ws = load_workbook(FIXTURES / "lo-trip-rows.xlsx").active
    assert ws["E2"].value == 48000 and ws["E2"].number_format == "General"  # as the file holds it
    data, rows = read_spreadsheet(FIXTURES / "lo-trip-rows.xlsx", base_trip=BASE)
    first, second = data["samplings"]
    assert rows == {"JC2023DX0101": 2, "JC2023DX0102": 3}
    assert first["enterprise"] == {"name": "晋城市泽州县\u00a0鑫达电缆有限公司",  # NBSP arrives
                                   "credit_code": "91140525MA0H2K7B2W", "postal_code": "048000"}
    assert second["enterprise"]["name"] == "晋城市城区\u3000永兴五金电料经销部"  # ideographic space
    assert second["manufacturer"]["postal_code"] == "055550"
    assert (first["unit_price"], first["quantity"]["bought"], first["sampled_at"]) == (
        "168.50", 3, "2023-03-15 10:20")
    assert second["unit_price"] == "215.00"


def test_a_libreoffice_sheet_imports_with_six_digit_postal_codes(archive):
    from sqlalchemy import select

    from archive.models import Firm

    archive.import_file(DEMO / "trip-jincheng-cable.json", actor="测试员")
    report = archive.import_file(FIXTURES / "lo-trip-rows.xlsx", actor="测试员",
                                 task_code="JC2023-01-DX")
    assert report.created == ["JC2023DX0101", "JC2023DX0102"]
    with archive.session() as s:
        codes = {f.credit_code: f.postal_code for f in s.scalars(select(Firm))}
    assert codes["91130528MA07Q1RXXY"] == "055550"
    assert all(len(code) == 6 for code in codes.values() if code)


# -- problems name the sheet's own headers ---------------------------------------------------

ALIASES = {"受检单位名称": "企业名称", "统一社会信用代码": "信用代码 *", "产品名称": " 样品名称 ",
           "单价（元）": "单价*", "抽样时间": "抽样日期"}


def test_the_trip_checks_problems_name_the_header_as_the_sheet_writes_it(tmp_path):
    rows = [row("A1", 统一社会信用代码="91140525MA0H2K7B2X"), row("A2", 产品名称=None),
            row("A3", **{"单价（元）": "一百"}), row("A4", 抽样时间="2023-02-30 10:00")]
    path = sheet(tmp_path / "r.xlsx", rows, headers=ALIASES)
    found = problems(load_spreadsheet, path, base_trip=BASE)
    assert [(r, c) for r, c, _ in found] == [(2, "信用代码"), (3, "样品名称"), (4, "单价"),
                                            (5, "抽样日期")]


def test_reading_problems_name_the_header_as_the_sheet_writes_it(tmp_path):
    path = sheet(tmp_path / "r.xlsx", [row("A1", 抽样结果="完成"), row(None)],
                 headers={**ALIASES, "抽样单编号": "样品编号", "抽样结果": "抽样情况"})
    assert [(r, c) for r, c, _ in problems(read_spreadsheet, path, base_trip=BASE)] == [
        (2, "抽样情况"), (3, "样品编号")]


def test_result_problems_found_after_reading_name_the_sheets_headers(archive, tmp_path):
    archive.import_file(DEMO / "trip-jincheng-cable.json", actor="测试员")
    wb = Workbook()
    for r in [["样品编号", "判定结论", "检验报告编号", "签发日期", "报告文件"],
              ["JC2023DX0001", "合格", "R-1", datetime(2023, 4, 20), "missing.pdf"]]:
        wb.active.append(r)
    wb.save(tmp_path / "r.xlsx")
    assert problems(archive.results.import_file, tmp_path / "r.xlsx", actor="测试员") == [
        (2, "报告文件", "找不到报告文件 missing.pdf；请与表格一并上传")]
    wb.active["E2"] = None
    wb.active.append(["JC2023DX0005", "合格", "R-5", datetime(2023, 4, 20)])  # 拒检: no result
    wb.save(tmp_path / "r.xlsx")
    ((r, column, message),) = problems(archive.results.import_file, tmp_path / "r.xlsx",
                                       actor="测试员")
    assert (r, column) == (3, "判定结论") and "result." not in message


def test_ems_problems_found_after_reading_name_the_sheets_headers(archive, tmp_path):
    archive.import_file(DEMO / "trip-jincheng-cable.json", actor="测试员")
    (tmp_path / "ems.csv").write_text("样品编号,运单号\nJC2023DX0001,1102345678901\n",
                                      encoding="gbk")
    assert problems(archive.mailings.import_sheet, tmp_path / "ems.csv", actor="测试员") == [
        (2, "运单号", "尚未录入检验结果，不能寄出结果通知")]


@pytest.mark.parametrize("price, words", [(1e300, "金额过大"), (10 ** 40, "金额过大"),
                                          (1e12, "金额过大"), ("1E+400", "不是有效金额")])
def test_a_price_too_large_to_be_money_is_refused_at_its_cell(tmp_path, price, words):
    path = sheet(tmp_path / "r.xlsx", [row(**{"单价（元）": price})])
    found = problems(load_spreadsheet, path, base_trip=BASE)
    assert [(r, c) for r, c, _ in found] == [(2, "单价（元）")] and words in found[0][2]


def test_a_count_too_large_is_refused_at_its_cell(tmp_path):
    path = sheet(tmp_path / "r.xlsx", [row(购买数量=10 ** 25)])
    ((r, column, message),) = problems(load_spreadsheet, path, base_trip=BASE)
    assert (r, column) == (2, "购买数量") and "购买数量过大" in message
