"""Spreadsheets from bureaus (.xlsx, .csv; Chinese headers, one row per firm visit) become trip
dicts that the trip file's checks accept, and every problem is reported by row and column."""
from __future__ import annotations

import csv
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from archive.spreadsheet import (COLUMNS, TASK_FIELDS, TEMPLATE, SheetError, SheetProblem,
                                 load_spreadsheet, map_problems, read_spreadsheet, write_template)
from docgen.loading import Problem, TripError, load_trip, parse_trip
from docgen.photos import inspect_photo
from tests.conftest import DEMO

JINCHENG = DEMO / "trip-jincheng-cable.json"
CHINESE_OUTCOME = {"sampled": "已抽样", "refused": "拒检", "no_sample": "未抽到样品"}


# -- helpers ---------------------------------------------------------------------------------

def value_at(data: dict, path: str):
    for key in path.split("."):
        data = data.get(key) if isinstance(data, dict) else None
    return data


def excel_cells(sampling: dict) -> dict[str, object]:
    """One sampling as a clerk's Excel holds it: header → value, with date cells, float money,
    Chinese outcome words and the list columns written as text."""
    cells = {}
    for column in COLUMNS:
        value = value_at(sampling, column.path)
        if value in (None, "", []):
            continue
        if column.path == "outcome":
            value = CHINESE_OUTCOME[value]
        elif column.path in ("unit_price", "online.paid"):
            value = float(value)
        elif column.path in ("sampled_at", "online.ordered_at"):
            value = datetime.fromisoformat(value)
        elif column.path == "send_by":
            value = datetime.fromisoformat(value)
        elif column.path == "photos":
            value = ";".join(f"{p['file']}|{p['caption']}" for p in value)
        elif column.path == "refusal.witnesses":
            value = "、".join(f"{w['name']}（{w['unit']}）" for w in value)
        cells[column.header] = value
    return cells


def task_cells(trip: dict) -> dict[str, object]:
    """The 任务信息 values of a trip: label → value (task dates as date cells)."""
    out = {}
    for label, path in TASK_FIELDS:
        if path == "samplers":
            out[label] = "、".join(f"{s['name']}（{s['id_no']}）" for s in trip["samplers"])
        elif path == "trip_date":
            y, m, d = trip["trip_date"].split("-")
            out[label] = f"{y}年{int(m)}月{int(d)}日"  # a date typed as Chinese text
        elif path.startswith("task.valid") or path == "task.result_due":
            out[label] = datetime.fromisoformat(value_at(trip, path))
        else:
            out[label] = value_at(trip, path)
    return out


def template_workbook(path: Path, trip: dict, *, with_task=True) -> Path:
    """The import template filled with a trip: 任务信息 and one row per sampling."""
    write_template(path)
    wb = load_workbook(path)
    if with_task:
        values = task_cells(trip)
        for row in wb["任务信息"].iter_rows(min_row=2):
            row[1].value = values[row[0].value]
    else:
        del wb["任务信息"]
    ws = wb["抽样记录"]
    ws.delete_rows(2)  # the example row
    headers = [c.value.rstrip("*") for c in ws[1]]
    for sampling in trip["samplings"]:
        cells = excel_cells(sampling)
        ws.append([cells.get(h) for h in headers])
    wb.save(path)
    return path


def make_xlsx(path: Path, headers: list[str], rows: list[list], task: dict | None = None) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "抽样记录"
    ws.append(headers)
    for row in rows:
        ws.append(row)
    if task is not None:
        info = wb.create_sheet("任务信息")
        info.append(["项目", "内容"])
        for label, value in task.items():
            info.append([label, value])
    wb.save(path)
    return path


def base_trip(trip: dict) -> dict:
    return {k: v for k, v in trip.items() if k != "samplings"}


def copy_photos(folder: Path) -> None:
    (folder / "photos").mkdir(exist_ok=True)
    for p in (DEMO / "photos").iterdir():
        (folder / "photos" / p.name).write_bytes(p.read_bytes())


def floats_in(data) -> list:
    if isinstance(data, float):
        return [data]
    if isinstance(data, dict):
        return [f for v in data.values() for f in floats_in(v)]
    if isinstance(data, list):
        return [f for v in data for f in floats_in(v)]
    return []


SIMPLE_HEADERS = ["抽样单编号", "抽样结果", "受检单位名称", "统一社会信用代码", "产品名称", "规格型号",
                  "检验样品数量", "备用样品数量", "购买数量", "单价（元）", "抽样时间", "抽样地点",
                  "封样编号", "备样封存地点"]


def simple_row(sample_no="JC2023DX0101", outcome="已抽样", name="晋城市泽州县鑫达电缆有限公司",
               code="91140525MA0H2K7B2W", product="聚氯乙烯绝缘电缆电线", price=168.5,
               sampled_at=datetime(2023, 3, 15, 10, 20)) -> list:
    return [sample_no, outcome, name, code, product, "BV 2.5", "2卷", "1卷", 3, price, sampled_at,
            "成品库房", "FY-1", "库房"]


def sheet_problems(call, *args, **kwargs) -> list[SheetProblem]:
    with pytest.raises(SheetError) as info:
        call(*args, **kwargs)
    assert info.value.problems
    return info.value.problems


# -- round trip ------------------------------------------------------------------------------

def test_the_jincheng_trip_written_into_the_template_reads_back_as_the_same_trip(
        tmp_path, jincheng):
    copy_photos(tmp_path)
    path = template_workbook(tmp_path / "抽样记录.xlsx", jincheng)
    data, rows = read_spreadsheet(path)
    assert not floats_in(data), "a float reached the trip dict"
    assert rows == {s["sample_no"]: i for i, s in enumerate(jincheng["samplings"], start=2)}

    got = load_spreadsheet(path, check_photo=inspect_photo)
    want = load_trip(JINCHENG)
    assert got.source == path
    assert (got.agency, got.institution, got.task, got.samplers, got.trip_date) == (
        want.agency, want.institution, want.task, want.samplers, want.trip_date)
    assert [s.sample_no for s in got.samplings] == [s.sample_no for s in want.samplings]
    for g, w in zip(got.samplings, want.samplings):
        assert g.outcome == w.outcome
        assert g.enterprise == w.enterprise
        assert g.manufacturer == w.manufacturer
        assert g.product == w.product
        assert g.quantity == w.quantity
        assert g.unit_price == w.unit_price and (g.unit_price is None or isinstance(g.unit_price, Decimal))
        assert g.amount == w.amount
        assert (g.sampled_at, g.send_by, g.place, g.seal, g.send_to) == (
            w.sampled_at, w.send_by, w.place, w.seal, w.send_to)
        assert g.online == w.online
        assert g.refusal == w.refusal
        assert g.no_sample == w.no_sample
        assert [(p.file.relative_to(tmp_path), p.caption) for p in g.photos] == [
            (p.file.relative_to(DEMO), p.caption) for p in w.photos]
    assert got.sampling("JC2023DX0002").unit_price == Decimal("1005.00")
    assert got.sampling("JC2023DX0004").online.paid == Decimal("172.00")
    assert got.sampling("JC2023DX0005").refusal.witnesses[0].unit == "沁水县市场监督管理局龙港市场监管所"
    assert got.sampling("JC2023DX0006").no_sample.reason == "停产"


def test_without_a_task_sheet_the_trip_level_part_comes_from_the_base_trip(tmp_path, jincheng):
    path = template_workbook(tmp_path / "records.xlsx", jincheng, with_task=False)
    trip = load_spreadsheet(path, base_trip=jincheng)  # its samplings are not used
    assert trip.task.code == "JC2023-01-DX"
    assert len(trip.samplings) == 6


def test_a_filled_task_sheet_overrides_the_base_trip_and_blank_labels_keep_its_values(
        tmp_path, jincheng):
    path = make_xlsx(tmp_path / "r.xlsx", SIMPLE_HEADERS, [simple_row()],
                     task={"任务名称": "2023年第二批产品质量监督抽查", "抽样日期": "2023/3/16"})
    trip = load_spreadsheet(path, base_trip=base_trip(jincheng))
    assert trip.task.name == "2023年第二批产品质量监督抽查"
    assert trip.task.code == "JC2023-01-DX"
    assert trip.trip_date.isoformat() == "2023-03-16"


def test_without_task_sheet_or_base_trip_the_workbook_is_refused(tmp_path, jincheng):
    path = template_workbook(tmp_path / "records.xlsx", jincheng, with_task=False)
    problem, = sheet_problems(read_spreadsheet, path)
    assert (problem.row, problem.column) == (None, "任务信息")


# -- CSV -------------------------------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_a_csv_in_utf8_with_bom_or_in_gb18030_is_read(tmp_path, jincheng, encoding):
    path = tmp_path / "records.csv"
    with path.open("w", encoding=encoding, newline="") as f:
        writer = csv.writer(f)
        writer.writerow([c.header for c in COLUMNS])
        for s in jincheng["samplings"]:
            cells = excel_cells(s)
            for header, value in cells.items():  # CSV holds text only
                if isinstance(value, datetime):
                    cells[header] = value.strftime("%Y/%m/%d %H:%M")
            writer.writerow(["" if cells.get(c.header) is None else cells[c.header] for c in COLUMNS])
    if encoding == "gb18030":
        assert path.read_bytes()[:3] != b"\xef\xbb\xbf"
        with pytest.raises(UnicodeDecodeError):
            path.read_bytes().decode("utf-8")
    copy_photos(tmp_path)
    trip = load_spreadsheet(path, base_trip=base_trip(jincheng), check_photo=inspect_photo)
    assert [s.enterprise.name for s in trip.samplings] == [
        s["enterprise"]["name"] for s in jincheng["samplings"]]
    assert trip.sampling("JC2023DX0003").manufacturer.name == "河北省宁晋县恒远电缆厂"
    assert trip.sampling("JC2023DX0004").unit_price == Decimal("57.33")
    assert trip.sampling("JC2023DX0001").sampled_at == datetime(2023, 3, 15, 10, 20)
    assert trip.sampling("JC2023DX0005").outcome == "refused"


def test_a_csv_needs_the_base_trip_for_its_task(tmp_path):
    path = tmp_path / "records.csv"
    path.write_text(",".join(SIMPLE_HEADERS) + "\n", encoding="utf-8")
    assert any(p.column == "任务信息" for p in sheet_problems(read_spreadsheet, path))


# -- cell values -----------------------------------------------------------------------------

@pytest.mark.parametrize("word, outcome", [
    ("已抽样", "sampled"), ("抽样", "sampled"), ("拒检", "refused"), ("拒绝", "refused"),
    ("未抽到样品", "no_sample"), ("未抽样", "no_sample"), (" 已抽样 ", "sampled"),
    ("sampled", "sampled"),
])
def test_chinese_outcome_words_are_mapped_to_outcome_codes(tmp_path, jincheng, word, outcome):
    path = make_xlsx(tmp_path / "r.xlsx", SIMPLE_HEADERS, [simple_row(outcome=word)])
    data, _ = read_spreadsheet(path, base_trip=base_trip(jincheng))
    assert data["samplings"][0]["outcome"] == outcome


def test_an_unknown_outcome_word_is_a_problem_at_its_cell(tmp_path, jincheng):
    path = make_xlsx(tmp_path / "r.xlsx", SIMPLE_HEADERS, [simple_row(outcome="完成")])
    problem, = sheet_problems(load_spreadsheet, path, base_trip=base_trip(jincheng))
    assert (problem.row, problem.column) == (2, "抽样结果")
    assert "已抽样/拒检/未抽到样品" in problem.message


def test_excel_date_cells_and_chinese_or_slashed_text_dates_become_iso_strings(tmp_path, jincheng):
    headers = SIMPLE_HEADERS + ["寄送样品截止日期", "生产日期"]
    rows = [simple_row("A1") + [datetime(2023, 3, 20), datetime(2023, 1, 8)],
            simple_row("A2", sampled_at="2023/3/15 9:05") + ["2023年3月20日", "2022年12月"],
            simple_row("A3", sampled_at="2023年3月15日 14:30") + ["2023/3/20", "/"]]
    path = make_xlsx(tmp_path / "r.xlsx", headers, rows)
    data, _ = read_spreadsheet(path, base_trip=base_trip(jincheng))
    got = [(s["sampled_at"], s["send_by"], s["product"]["production_date"]) for s in data["samplings"]]
    assert got == [("2023-03-15 10:20", "2023-03-20", "2023-01-08"),
                   ("2023-03-15 09:05", "2023-03-20", "2022-12"),
                   ("2023-03-15 14:30", "2023-03-20", "/")]
    trip = parse_trip(data, trip_dir=tmp_path)
    assert trip.samplings[0].sampled_at == datetime(2023, 3, 15, 10, 20)


def test_a_month_cell_formatted_yyyy_mm_stays_a_month(tmp_path, jincheng):
    path = make_xlsx(tmp_path / "r.xlsx", SIMPLE_HEADERS + ["生产日期"],
                     [simple_row() + [datetime(2022, 12, 1)]])
    wb = load_workbook(path)
    wb["抽样记录"].cell(row=2, column=len(SIMPLE_HEADERS) + 1).number_format = "yyyy-mm"
    wb.save(path)
    data, _ = read_spreadsheet(path, base_trip=base_trip(jincheng))
    assert data["samplings"][0]["product"]["production_date"] == "2022-12"


@pytest.mark.parametrize("cell, text", [
    (168.5, "168.50"), (168, "168.00"), (57.33, "57.33"), (1005.0, "1005.00"), (0.1, "0.10"),
    ("168.00元", "168.00"),
])
def test_money_cells_go_into_the_trip_as_strings_with_two_decimals(tmp_path, jincheng, cell, text):
    path = make_xlsx(tmp_path / "r.xlsx", SIMPLE_HEADERS, [simple_row(price=cell)])
    data, _ = read_spreadsheet(path, base_trip=base_trip(jincheng))
    assert data["samplings"][0]["unit_price"] == text
    assert parse_trip(data, trip_dir=tmp_path).samplings[0].unit_price == Decimal(text)


def test_a_money_float_with_more_than_two_decimals_is_a_problem_not_rounded(tmp_path, jincheng):
    path = make_xlsx(tmp_path / "r.xlsx", SIMPLE_HEADERS,
                     [simple_row("A1"), simple_row("A2", price=1.005)])
    problem, = sheet_problems(read_spreadsheet, path, base_trip=base_trip(jincheng))
    assert (problem.row, problem.column) == (3, "单价（元）")
    assert "1.005" in problem.message
    # Through load_spreadsheet: reported once, not also as an empty required price.
    problem, = sheet_problems(load_spreadsheet, path, base_trip=base_trip(jincheng))
    assert (problem.row, problem.column) == (3, "单价（元）")


def test_units_bought_is_an_int_whether_typed_as_number_float_or_text(tmp_path, jincheng):
    rows = [simple_row("A1"), simple_row("A2"), simple_row("A3")]
    rows[1][8], rows[2][8] = 3.0, "3"
    path = make_xlsx(tmp_path / "r.xlsx", SIMPLE_HEADERS, rows)
    data, _ = read_spreadsheet(path, base_trip=base_trip(jincheng))
    assert [s["quantity"]["bought"] for s in data["samplings"]] == [3, 3, 3]
    assert all(type(s["quantity"]["bought"]) is int for s in data["samplings"])


def test_a_credit_code_excel_turned_into_a_number_is_reported(tmp_path, jincheng):
    path = make_xlsx(tmp_path / "r.xlsx", SIMPLE_HEADERS,
                     [simple_row(code=9.114052159621474e17)])
    problem, = sheet_problems(read_spreadsheet, path, base_trip=base_trip(jincheng))
    assert (problem.row, problem.column) == (2, "统一社会信用代码")
    assert "文本" in problem.message


def test_a_postal_code_number_formatted_000000_keeps_its_leading_zero(tmp_path, jincheng):
    path = make_xlsx(tmp_path / "r.xlsx", SIMPLE_HEADERS + ["受检单位邮政编码"],
                     [simple_row() + [48000]])
    wb = load_workbook(path)
    wb["抽样记录"].cell(row=2, column=len(SIMPLE_HEADERS) + 1).number_format = "000000"
    wb.save(path)
    data, _ = read_spreadsheet(path, base_trip=base_trip(jincheng))
    assert data["samplings"][0]["enterprise"]["postal_code"] == "048000"


# -- headers ---------------------------------------------------------------------------------

def test_alias_headers_spaces_brackets_and_the_required_marker_are_accepted(tmp_path, jincheng):
    headers = ["抽样单编号*", "抽样结果", "企业名称", "信用代码 *", "产品名称", "规格 型号",
               "检验样品数量", "备用样品数量", "购买数量", "单价(元)*", "抽样时间", "抽样地点",
               "封样编号", "备样封存地点", "生产日期/批号", "被抽样单位地址"]
    path = make_xlsx(tmp_path / "r.xlsx", headers, [simple_row() + ["20230108", "金村镇8号"]])
    trip = load_spreadsheet(path, base_trip=base_trip(jincheng))
    s = trip.samplings[0]
    assert (s.enterprise.name, s.enterprise.credit_code, s.enterprise.address) == (
        "晋城市泽州县鑫达电缆有限公司", "91140525MA0H2K7B2W", "金村镇8号")
    assert (s.product.model, s.product.batch, s.unit_price) == ("BV 2.5", "20230108", Decimal("168.50"))


@pytest.mark.parametrize("header", ["单价（元）*", "单价（元）", "单价", "单价 (元)", "单价【元】"])
def test_the_price_header_is_recognised_in_each_spelling(tmp_path, jincheng, header):
    headers = [header if h == "单价（元）" else h for h in SIMPLE_HEADERS]
    path = make_xlsx(tmp_path / "r.xlsx", headers, [simple_row()])
    assert load_spreadsheet(path, base_trip=base_trip(jincheng)).samplings[0].unit_price == Decimal("168.50")


def test_unknown_and_remark_columns_are_ignored_and_empty_rows_skipped(tmp_path, jincheng):
    headers = ["序号"] + SIMPLE_HEADERS + ["备注", "核查人"]
    rows = [[1] + simple_row("A1") + ["首次", "张三"], [None] * (len(headers)),
            [None] + [None] * len(SIMPLE_HEADERS) + ["只有备注", None],
            [3] + simple_row("A3") + [None, None]]
    path = make_xlsx(tmp_path / "r.xlsx", headers, rows)
    data, rows_of = read_spreadsheet(path, base_trip=base_trip(jincheng))
    assert rows_of == {"A1": 2, "A3": 5}
    assert len(parse_trip(data, trip_dir=tmp_path).samplings) == 2


def test_a_missing_required_column_is_a_problem_without_row_naming_the_column(tmp_path, jincheng):
    headers = [h for h in SIMPLE_HEADERS if h != "统一社会信用代码"]
    row = [v for h, v in zip(SIMPLE_HEADERS, simple_row()) if h != "统一社会信用代码"]
    path = make_xlsx(tmp_path / "r.xlsx", headers, [row])
    problems = sheet_problems(load_spreadsheet, path, base_trip=base_trip(jincheng))
    assert [(p.row, p.column) for p in problems] == [(None, "统一社会信用代码")]
    assert "缺少必填列" in problems[0].message
    assert "〔统一社会信用代码〕" in SheetError(problems).report()


def test_two_columns_for_the_same_field_are_refused(tmp_path, jincheng):
    path = make_xlsx(tmp_path / "r.xlsx", SIMPLE_HEADERS + ["企业名称"], [simple_row() + ["别的名字"]])
    problem, = sheet_problems(read_spreadsheet, path, base_trip=base_trip(jincheng))
    assert (problem.row, problem.column) == (None, "企业名称")


def test_no_header_or_alias_names_two_columns():
    from archive.spreadsheet import normalize_header

    names = [normalize_header(n) for c in COLUMNS for n in (c.header, *c.aliases)]
    assert len(names) == len(set(names))
    assert len({c.path for c in COLUMNS}) == len(COLUMNS)


# -- problems by row and column --------------------------------------------------------------

def test_a_bad_file_lists_each_problem_by_row_and_column_header(tmp_path, jincheng):
    rows = [simple_row("A1"),
            simple_row("A2", code="91140525MA0H2K7B2X"),  # row 3: wrong check character
            simple_row("A3"),
            simple_row("A4", product=None)]  # row 5: sampled without a product name
    path = make_xlsx(tmp_path / "bad.xlsx", SIMPLE_HEADERS, rows)
    with pytest.raises(SheetError) as info:
        load_spreadsheet(path, base_trip=base_trip(jincheng))
    assert {(p.row, p.column) for p in info.value.problems} == {
        (3, "统一社会信用代码"), (5, "产品名称")}
    report = info.value.report()
    assert "第3行 〔统一社会信用代码〕" in report and "校验位" in report
    assert "第5行 〔产品名称〕 必填项为空" in report
    assert report.index("第3行") < report.index("第5行")


def test_repeated_sample_numbers_are_not_merged_but_flagged_at_the_first_row(tmp_path, jincheng):
    path = make_xlsx(tmp_path / "r.xlsx", SIMPLE_HEADERS,
                     [simple_row("A1"), simple_row("B1"), simple_row("a1")])
    data, rows = read_spreadsheet(path, base_trip=base_trip(jincheng))
    assert len(data["samplings"]) == 3
    problem, = sheet_problems(load_spreadsheet, path, base_trip=base_trip(jincheng))
    assert (problem.row, problem.column) == (2, "抽样单编号")
    assert "重复" in problem.message


def test_a_row_without_sample_number_is_reported_at_its_row(tmp_path, jincheng):
    path = make_xlsx(tmp_path / "r.xlsx", SIMPLE_HEADERS, [simple_row("A1"), simple_row(None)])
    problem, = sheet_problems(load_spreadsheet, path, base_trip=base_trip(jincheng))
    assert (problem.row, problem.column) == (3, "抽样单编号")


def test_trip_level_problems_name_the_task_sheet_label_without_row(tmp_path, jincheng):
    base = base_trip(jincheng)
    base["samplers"] = base["samplers"][:1]
    path = make_xlsx(tmp_path / "r.xlsx", SIMPLE_HEADERS, [simple_row()],
                     task={"通知书有效期止": "2023-02-30"})
    problems = sheet_problems(load_spreadsheet, path, base_trip=base)
    assert {(p.row, p.column) for p in problems} == {(None, "通知书有效期止"), (None, "抽样人员")}


def test_parse_problems_map_to_the_column_of_their_field(jincheng):
    rows = {"JC2023DX0001": 2, "JC2023DX0004": 7}
    err = TripError("x.xlsx", [
        Problem("JC2023DX0001", "price.unit", "单价无效"),
        Problem("JC2023DX0001", "photos[2].file", "照片无法读取"),
        Problem("JC2023DX0004", "online.platform", "必填项为空"),
        Problem("JC2023DX0004", "refusal.witnesses", "必填项为空"),
        Problem("JC2023DX0004", "product", "缺少此部分"),
        Problem("samplers[1]", "samplers.with_ids", "含有控制字符"),
        Problem("task", "task.code", "必填项为空"),
    ])
    sheet = map_problems(err, rows)
    assert [(p.row, p.column) for p in sheet.problems] == [
        (2, "单价（元）"), (2, "照片文件"), (7, "电商平台"), (7, "见证人"), (7, "产品名称"),
        (None, "抽样人员"), (None, "任务编号")]
    assert sheet.report().splitlines()[1].strip() == "第2行 〔单价（元）〕 单价无效"


def test_photos_are_checked_relative_to_the_spreadsheets_folder_with_either_slash(tmp_path, jincheng):
    headers = SIMPLE_HEADERS + ["照片文件"]
    path = make_xlsx(tmp_path / "r.xlsx", headers,
                     [simple_row() + ["photos\\site-0001.jpg|抽样现场；photos/missing.jpg"]])
    copy_photos(tmp_path)
    problem, = sheet_problems(load_spreadsheet, path, base_trip=base_trip(jincheng),
                              check_photo=inspect_photo)
    assert (problem.row, problem.column) == (2, "照片文件")  # only the missing one
    data, _ = read_spreadsheet(path, base_trip=base_trip(jincheng))
    assert data["samplings"][0]["photos"] == [
        {"file": "photos/site-0001.jpg", "caption": "抽样现场"},
        {"file": "photos/missing.jpg", "caption": ""}]


def test_files_that_are_not_xlsx_or_csv_are_refused(tmp_path, jincheng):
    for name, content in (("old.xls", b"\xd0\xcf\x11\xe0"), ("broken.xlsx", b"not a zip"),
                          ("notes.txt", b"x")):
        (tmp_path / name).write_bytes(content)
        problem, = sheet_problems(read_spreadsheet, tmp_path / name, base_trip=base_trip(jincheng))
        assert problem.row is None


# -- the template ----------------------------------------------------------------------------

def test_the_committed_template_has_every_column_header_in_order():
    wb = load_workbook(TEMPLATE)
    headers = [c.value for c in wb["抽样记录"][1]]
    assert [h.rstrip("*") for h in headers] == [c.header for c in COLUMNS]
    assert [h.endswith("*") for h in headers] == [c.required for c in COLUMNS]
    labels = [row[0].value for row in wb["任务信息"].iter_rows(min_row=2)]
    assert labels == [label for label, _ in TASK_FIELDS]
    assert [c.value for c in wb["任务信息"][1]][:2] == ["项目", "内容"]
    assert "填写说明" in wb.sheetnames


def test_the_template_has_dropdowns_a_frozen_header_and_a_money_format(tmp_path):
    path = tmp_path / "t.xlsx"
    write_template(path)
    ws = load_workbook(path)["抽样记录"]
    assert ws.freeze_panes in ("A2", "B2")
    assert all(c.font.bold for c in ws[1])
    lists = [dv.formula1 for dv in ws.data_validations.dataValidation]
    assert '"已抽样,拒检,未抽到样品"' in lists
    assert '"倒闭,注销,停产,转产,全部用于出口,其他"' in lists
    price = next(i for i, c in enumerate(COLUMNS, 1) if c.path == "unit_price")
    assert ws.cell(row=2, column=price).number_format == "0.00"
    assert ws.cell(row=2, column=price).value == 168


def test_the_templates_example_row_is_the_first_jincheng_sampling(jincheng):
    trip = load_spreadsheet(TEMPLATE, base_trip=base_trip(jincheng))
    got, want = trip.samplings[0], load_trip(JINCHENG).samplings[0]
    assert (got.sample_no, got.enterprise, got.product, got.unit_price, got.sampled_at) == (
        want.sample_no, want.enterprise, want.product, want.unit_price, want.sampled_at)


def test_the_empty_template_task_sheet_without_base_trip_says_the_task_is_missing():
    problems = sheet_problems(read_spreadsheet, TEMPLATE)
    assert [(p.row, p.column) for p in problems] == [(None, "任务信息")]
