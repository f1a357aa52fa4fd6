"""Every sheet import (trip rows, lab results, EMS numbers) reads files through one core: broken,
hostile and oversized files are refused whole with one clear line, fast, and a file with many
bad cells lists a bounded number of them."""
from __future__ import annotations

import csv
import io
import json
import time
import zipfile
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from archive.labsheets import read_ems_sheet, read_result_sheet
from archive.sheets import SheetError
from archive.spreadsheet import load_spreadsheet, read_spreadsheet
from docgen.settings import Settings
from tests.conftest import DEMO

FIXTURES = Path(__file__).resolve().parent / "fixtures"
BASE = {k: v for k, v in json.loads((DEMO / "trip-jincheng-cable.json").read_text(
    encoding="utf-8")).items() if k != "samplings"}
TRIP_ROW = ["JC2023DX0101", "已抽样", "晋城市泽州县鑫达电缆有限公司", "91140525MA0H2K7B2W", "电缆",
            "BV 2.5", "2卷", "1卷", 3, 168.5, datetime(2023, 3, 15, 10, 20), "成品库房", "FY-1", "库房"]
TRIP_HEADERS = ["抽样单编号", "抽样结果", "受检单位名称", "统一社会信用代码", "产品名称", "规格型号",
                "检验样品数量", "备用样品数量", "购买数量", "单价（元）", "抽样时间", "抽样地点",
                "封样编号", "备样封存地点"]
SHEETS = {  # each importer with a good sheet of its own
    "trip": (lambda path, settings=None: read_spreadsheet(path, base_trip=BASE, settings=settings),
             [TRIP_HEADERS, TRIP_ROW]),
    "results": (lambda path, settings=None: read_result_sheet(path, settings=settings),
                [["抽样单编号", "检验结论", "报告编号", "报告日期"],
                 ["JC2023DX0001", "合格", "JCJY2023-0001", datetime(2023, 4, 20)]]),
    "ems": (lambda path, settings=None: read_ems_sheet(path, settings=settings),
            [["抽样单编号", "邮件号码"], ["JC2023DX0001", "1102345678901"]]),
}


# -- building files as they arrive -----------------------------------------------------------

def workbook(path: Path, rows: list[list], title: str = "Sheet1") -> Path:
    wb = Workbook()
    wb.active.title = title
    for row in rows:
        wb.active.append(row)
    wb.save(path)
    return path


def rezip(path: Path, change: dict[str, object] | None = None, *, stored: tuple[str, ...] = (),
          extra: dict[str, bytes] | None = None) -> Path:
    """The workbook at path with some parts changed (a function of the old bytes, or new
    bytes), some stored uncompressed, and extra parts added."""
    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    for name, how in (change or {}).items():
        parts[name] = how(parts[name]) if callable(how) else how
    parts.update(extra or {})
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data, zipfile.ZIP_STORED if name in stored else zipfile.ZIP_DEFLATED)
    return path


SHEET_XML = "xl/worksheets/sheet1.xml"


def with_undefined_entity_in_the_rows(path: Path) -> Path:
    row = b'<row r="90"><c r="A90" t="inlineStr"><is><t>&bogus;</t></is></c></row></sheetData>'
    return rezip(path, {SHEET_XML: lambda x: x.replace(b"</sheetData>", row)})


def with_undefined_entity_in_the_strings(path: Path) -> Path:
    path.write_bytes((FIXTURES / "lo-trip-rows.xlsx").read_bytes())  # LibreOffice: shared strings
    return rezip(path, {"xl/sharedStrings.xml": lambda x: x.replace(
        ">抽样单号<".encode(), b">&bogus;<")})


def with_a_dtd(path: Path) -> Path:
    dtd = b'<!DOCTYPE worksheet [<!ENTITY boom "boom">]>'
    return rezip(path, {SHEET_XML: lambda x: dtd + x.replace(b"<t>", b"<t>&boom;", 1)})


def with_a_bad_crc(path: Path) -> Path:
    rezip(path, stored=(SHEET_XML,))
    data = path.read_bytes()
    # Still well-formed XML: only the CRC tells that the bytes changed.
    assert data.count(b'<dimension ref="A1:') == 1
    path.write_bytes(data.replace(b'<dimension ref="A1:', b'<dimension ref="B1:'))
    return path


def truncated(path: Path) -> Path:
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])
    return path


def without_a_workbook_part(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("readme.xml", "<a/>")
    return path


def copy_of(name: str):
    def make(path: Path) -> Path:
        path.write_bytes((FIXTURES / name).read_bytes())
        return path
    return make


def emptied(path: Path) -> Path:
    path.write_bytes(b"")
    return path


def text_renamed(path: Path) -> Path:
    path.write_text("抽样单编号,抽样结果\n", encoding="utf-8")
    return path


BROKEN = {
    "an undefined entity in the rows": (with_undefined_entity_in_the_rows, "未定义的实体"),
    "an undefined entity in the shared strings": (with_undefined_entity_in_the_strings, "未定义的实体"),
    "a DTD": (with_a_dtd, "DTD"),
    "a bad ZIP CRC": (with_a_bad_crc, "校验失败"),
    "a truncated file": (truncated, "不完整"),
    "an .xls renamed .xlsx (LibreOffice)": (copy_of("xls-renamed.xlsx"), ".xls/.et"),
    "a password-protected workbook": (copy_of("encrypted.xlsx"), "密码"),
    "an empty file": (emptied, "空"),
    "a CSV renamed .xlsx": (text_renamed, "不是 .xlsx"),
    "a ZIP without a workbook": (without_a_workbook_part, "不是完整的 .xlsx"),
}


@pytest.mark.parametrize("importer", SHEETS)
@pytest.mark.parametrize("case", BROKEN)
def test_a_broken_xlsx_is_refused_with_one_clear_line(tmp_path, importer, case):
    read, rows = SHEETS[importer]
    damage, words = BROKEN[case]
    path = damage(workbook(tmp_path / "upload.xlsx", rows))
    with pytest.raises(SheetError) as info:
        read(path)
    problem, = info.value.problems
    assert problem.row is None and problem.column == "文件"
    assert problem.message.startswith("无法读取 Excel 文件：") and words in problem.message
    for leak in (str(tmp_path), "Error", "Exception", "Traceback", "line ", "'"):
        assert leak not in problem.message


@pytest.mark.parametrize("importer", SHEETS)
def test_the_good_sheets_the_broken_ones_are_made_from_read(tmp_path, importer):
    read, rows = SHEETS[importer]
    assert read(workbook(tmp_path / "upload.xlsx", rows))


def test_a_zip_bomb_is_refused_by_its_declared_size_before_it_is_parsed(tmp_path):
    settings = Settings(sheet_max_bytes=100_000)  # a workbook may unpack to 1 MB
    read, rows = SHEETS["trip"]
    path = rezip(workbook(tmp_path / "bomb.xlsx", rows),
                 extra={"xl/media/padding.xml": b"<a>" + b"0" * 5_000_000 + b"</a>"})
    assert path.stat().st_size < 100_000
    with pytest.raises(SheetError) as info:
        read(path, settings)
    problem, = info.value.problems
    assert "解压后" in problem.message and "压缩炸弹" in problem.message


@pytest.mark.parametrize("importer", SHEETS)
@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_a_file_over_the_byte_limit_is_refused_before_it_is_opened(tmp_path, importer, suffix):
    read, rows = SHEETS[importer]
    path = tmp_path / f"big{suffix}"
    if suffix == ".xlsx":
        workbook(path, rows + [[f"X{n}"] * 8 for n in range(300)])
    else:
        path.write_text("\n".join(",".join(map(str, r)) for r in rows) + "\n" + "x," * 3000,
                        encoding="utf-8")
    settings = Settings(sheet_max_bytes=5000)
    assert path.stat().st_size > 5000
    with pytest.raises(SheetError) as info:
        read(path, settings)
    problem, = info.value.problems
    assert "超过导入上限 5000 字节" in problem.message


def test_an_empty_csv_is_refused(tmp_path):
    (tmp_path / "r.csv").write_bytes(b"")
    with pytest.raises(SheetError) as info:
        read_result_sheet(tmp_path / "r.csv")
    assert "空" in info.value.problems[0].message


# -- rows ------------------------------------------------------------------------------------

def junk_sheet(path: Path, rows: int, *, dimension: bool = True) -> Path:
    """A workbook of `rows` junk rows under a trip header, its XML written directly (as fast
    as a generator program would); with or without the <dimension> Excel writes."""
    def cells(r: int, values: list[str]) -> str:
        return "".join(f'<c r="{col}{r}" t="inlineStr"><is><t>{v}</t></is></c>'
                       for col, v in zip("ABCDE", values))

    header = ["抽样单编号", "抽样结果", "受检单位名称", "统一社会信用代码", "单价（元）"]
    body = "".join(f'<row r="{r}">{cells(r, [f"垃圾{r}", "完成", "某", "x", "1.005"])}</row>'
                   for r in range(2, rows + 2))
    dim = f'<dimension ref="A1:E{rows + 1}"/>' if dimension else ""
    xml = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
           '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
           f'{dim}<sheetData><row r="1">{cells(1, header)}</row>{body}</sheetData></worksheet>')
    workbook(path, [header])
    return rezip(path, {SHEET_XML: xml.encode()})


@pytest.mark.parametrize("dimension", [True, False], ids=["declared size", "no declared size"])
def test_a_100000_row_sheet_is_refused_fast_with_one_line(tmp_path, dimension):
    path = junk_sheet(tmp_path / "junk.xlsx", 100_000, dimension=dimension)
    started = time.perf_counter()
    with pytest.raises(SheetError) as info:
        load_spreadsheet(path, base_trip=BASE)
    took = time.perf_counter() - started
    problem, = info.value.problems
    # counted before parsing, with or without the declared size
    assert "有 100001 行，超过了导入上限（每个文件最多 20000 行）" in problem.message
    assert took < 30  # loosely: the bench measures


@pytest.mark.parametrize("rows, refused", [(5, False), (6, True)])
def test_sheet_max_rows_counts_the_data_rows_under_the_header(tmp_path, rows, refused):
    settings = Settings(sheet_max_rows=5)
    header = ["2023年第一批抽样记录"], [], TRIP_HEADERS  # a title row and a blank one above
    data = [[f"JC2023DX{n:04d}", *TRIP_ROW[1:]] for n in range(1, rows + 1)]
    path = workbook(tmp_path / "r.xlsx", [*header, *data])
    if refused:
        with pytest.raises(SheetError) as info:
            read_spreadsheet(path, base_trip=BASE, settings=settings)
        assert "超过了导入上限（每个文件最多 5 行）" in info.value.problems[0].message
    else:
        trip, numbers = read_spreadsheet(path, base_trip=BASE, settings=settings)
        assert list(numbers.values()) == [4, 5, 6, 7, 8]


def test_a_csv_longer_than_the_limit_is_refused_while_it_is_read(tmp_path):
    path = tmp_path / "ems.csv"
    path.write_text("抽样单编号,邮件号码\n" + "".join(f"JC{n},1102345678901\n" for n in range(100)),
                    encoding="utf-8")
    with pytest.raises(SheetError) as info:
        read_ems_sheet(path, settings=Settings(sheet_max_rows=20))
    assert "超过了导入上限（每个文件最多 20 行）" in info.value.problems[0].message


def junk_rows(n: int) -> list[list]:
    """Rows with two bad cells each: an unknown 抽样结果 and a price with three decimals."""
    return [TRIP_HEADERS] + [[f"A{i}", "完成", *TRIP_ROW[2:9], 1.005, *TRIP_ROW[10:]]
                             for i in range(n)]


def test_many_bad_cells_list_the_first_50_and_count_the_rest(tmp_path):
    path = workbook(tmp_path / "r.xlsx", junk_rows(300))
    with pytest.raises(SheetError) as info:
        read_spreadsheet(path, base_trip=BASE)
    problems = info.value.problems
    assert len(problems) == 50 + 1
    assert [p.row for p in problems[:4]] == [2, 2, 3, 3]
    assert str(problems[-1]) == "另有 550 处错误未列出"
    assert info.value.total == 600
    assert "发现 600 处错误" in info.value.report()


def test_a_full_list_skips_the_trip_checks_and_says_there_may_be_more(tmp_path):
    path = workbook(tmp_path / "r.xlsx", junk_rows(300))
    with pytest.raises(SheetError) as info:
        load_spreadsheet(path, base_trip=BASE)
    assert len(info.value.problems) == 51
    assert info.value.problems[-1].message == "另有至少 550 处错误未列出，……及更多"
    assert "发现 至少 600 处错误" in info.value.report()


def test_the_trip_checks_problems_are_capped_too(tmp_path):
    rows = [TRIP_HEADERS] + [[f"A{i}", *TRIP_ROW[1:3], "91140525MA0H2K7B2X", *TRIP_ROW[4:]]
                             for i in range(80)]  # a wrong credit-code check character
    with pytest.raises(SheetError) as info:
        load_spreadsheet(workbook(tmp_path / "r.xlsx", rows), base_trip=BASE)
    problems = info.value.problems
    assert len(problems) == 51 and problems[-1].message == "另有 30 处错误未列出"
    assert {p.column for p in problems[:-1]} == {"统一社会信用代码"}


@pytest.mark.parametrize("limit", [1, 3])
def test_sheet_max_problems_is_the_setting(tmp_path, limit):
    path = workbook(tmp_path / "r.xlsx", junk_rows(4))
    with pytest.raises(SheetError) as info:
        read_spreadsheet(path, base_trip=BASE, settings=Settings(sheet_max_problems=limit))
    assert len(info.value.problems) == limit + 1
    assert info.value.problems[-1].message == f"另有 {8 - limit} 处错误未列出"


# -- CSV encodings ---------------------------------------------------------------------------

@pytest.mark.parametrize("encoding, delimiter", [
    ("utf-8", ","), ("utf-8-sig", ","), ("gbk", ","), ("gb18030", ","),
    ("utf-16", "\t"),  # Excel's 另存为 Unicode 文本: UTF-16 with a byte-order mark, tabs
    ("utf-16-le", ","), ("utf-16-be", ",")])
@pytest.mark.parametrize("importer", SHEETS)
def test_a_csv_reads_the_same_in_every_encoding_office_suites_save(tmp_path, importer, encoding,
                                                                   delimiter):
    read, rows = SHEETS[importer]
    text = [["" if v is None else v.strftime("%Y/%m/%d %H:%M") if isinstance(v, datetime) else v
             for v in row] for row in rows]
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(text)
    (tmp_path / f"{encoding}.csv").write_bytes(buffer.getvalue().encode(encoding))
    (tmp_path / "utf-8.csv").write_bytes(buffer.getvalue().encode("utf-8"))
    assert read(tmp_path / f"{encoding}.csv") == read(tmp_path / "utf-8.csv")


def test_a_csv_in_no_known_encoding_is_refused(tmp_path):
    (tmp_path / "r.csv").write_bytes("抽样单编号,邮件号码\n".encode("gbk") + b"\xff\xfe\xfd\x80\n")
    with pytest.raises(SheetError) as info:
        read_ems_sheet(tmp_path / "r.csv")
    assert "无法识别文件编码" in info.value.problems[0].message


# -- nothing is imported after a refusal -----------------------------------------------------

def count_samplings(archive) -> int:
    from sqlalchemy import func, select

    from archive.models import Sampling

    with archive.session() as s:
        return s.scalar(select(func.count()).select_from(Sampling))


REFUSED = {
    "a bad ZIP CRC": lambda p: with_a_bad_crc(workbook(p, SHEETS["trip"][1])),
    "100,000 junk rows": lambda p: junk_sheet(p, 100_000),
    "an undefined entity": lambda p: with_undefined_entity_in_the_rows(
        workbook(p, SHEETS["trip"][1])),
    "formulas in price and quantity (LibreOffice)": copy_of("lo-formulas.xlsx"),
}


@pytest.mark.parametrize("case", REFUSED)
def test_archive_import_file_imports_nothing_from_a_refused_sheet(archive, tmp_path, case):
    archive.import_file(DEMO / "trip-jincheng-cable.json", actor="测试员")
    path = REFUSED[case](tmp_path / "plan.xlsx")
    with pytest.raises(SheetError):
        archive.import_file(path, actor="测试员", task_code="JC2023-01-DX")
    assert count_samplings(archive) == 6


def test_archive_import_file_uses_the_archives_row_limit(archive, tmp_path):
    archive.import_file(DEMO / "trip-jincheng-cable.json", actor="测试员")
    path = workbook(tmp_path / "plan.xlsx", [TRIP_HEADERS] + [
        [f"JC2023DX{n:04d}", *TRIP_ROW[1:]] for n in range(101, 104)])
    archive.settings = replace(archive.settings, sheet_max_rows=2)
    with pytest.raises(SheetError) as info:
        archive.import_file(path, actor="测试员", task_code="JC2023-01-DX")
    assert "超过了导入上限（每个文件最多 2 行）" in info.value.problems[0].message
    assert count_samplings(archive) == 6
    archive.settings = replace(archive.settings, sheet_max_rows=3)
    assert len(archive.import_file(path, actor="测试员", task_code="JC2023-01-DX").created) == 3


def test_results_and_ems_imports_record_nothing_from_a_refused_sheet(archive, tmp_path):
    from sqlalchemy import select

    from archive.models import Sampling

    archive.import_file(DEMO / "trip-jincheng-cable.json", actor="测试员")
    broken = with_a_bad_crc(workbook(tmp_path / "results.xlsx", SHEETS["results"][1]))
    with pytest.raises(SheetError):
        archive.results.import_file(broken, actor="测试员")
    long = tmp_path / "ems.csv"
    long.write_text("抽样单编号,邮件号码\n" + "JC2023DX0001,1102345678901\n" * 30, encoding="utf-8")
    archive.settings = replace(archive.settings, sheet_max_rows=10)
    with pytest.raises(SheetError):
        archive.mailings.import_sheet(long, actor="测试员")
    with archive.session() as s:
        assert all(not row.result and not row.ems_no for row in s.scalars(select(Sampling)))


# -- formulas in XML as other programs write it ----------------------------------------------

def raw_sheet(path: Path, rows_xml: str) -> Path:
    """A workbook whose sheet XML is rows_xml (after the trip header in row 1)."""
    header = "".join(f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{h}</t></is></c>'
                     for i, h in enumerate(TRIP_HEADERS))
    xml = ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
           f'<sheetData><row r="1">{header}</row>{rows_xml}</sheetData>'
           '<extLst><ext uri="x"><xm:f xmlns:xm="urn:xm">Sheet2!A1</xm:f></ext></extLst>'
           '</worksheet>')
    workbook(path, [TRIP_HEADERS])
    return rezip(path, {SHEET_XML: xml.encode()})


def text_cells(values: list[str], refs: bool, row: int) -> str:
    return "".join((f'<c r="{chr(65 + i)}{row}" t="inlineStr">' if refs else '<c t="inlineStr">')
                   + f"<is><t>{v}</t></is></c>" for i, v in enumerate(values))


@pytest.mark.filterwarnings("ignore:Unknown extension")  # openpyxl drops the extension list
@pytest.mark.parametrize("refs", [True, False], ids=["with cell references", "without"])
def test_formula_cells_are_found_in_sheets_written_by_any_program(tmp_path, refs):
    texts = ["JC2023DX0101", "已抽样", "晋城市泽州县鑫达电缆有限公司", "91140525MA0H2K7B2W", "电缆",
             "BV 2.5", "2卷", "1卷"]
    def at(ref: str) -> str:  # a cell's or row's r attribute, when this program writes them
        return f' r="{ref}"' if refs else ""

    rows = (f'<row{at("2")}>{text_cells(texts, refs, 2)}<c{at("I2")}><v>3</v></c>'
            f'<c{at("J2")}><f t="shared" ref="J2:J3" si="0">84.25*2</f><v>168.5</v></c></row>'
            f'<row{at("3")}>{text_cells(["JC2023DX0102", *texts[1:]], refs, 3)}'
            f'<c{at("I3")}><f>1+2</f><v>3</v></c>'
            f'<c{at("J3")}><f t="shared" si="0"/><v>168.5</v></c></row>')
    path = raw_sheet(tmp_path / "r.xlsx", rows)
    with pytest.raises(SheetError) as info:
        read_spreadsheet(path, base_trip=BASE)
    assert [(p.row, p.column, p.message) for p in info.value.problems] == [
        (2, "单价（元）", "请填写数值而非公式"), (3, "购买数量", "请填写数值而非公式"),
        (3, "单价（元）", "请填写数值而非公式")]


def test_rows_numbered_past_the_limit_are_refused_while_streaming(tmp_path):
    # Two <row> elements, no declared size, but the second is row 30000: as many rows as that.
    path = raw_sheet(tmp_path / "r.xlsx",
                     f'<row r="30000">{text_cells(["JC2023DX0101"], True, 30000)}</row>')
    with pytest.raises(SheetError) as info:
        load_spreadsheet(path, base_trip=BASE)
    problem, = info.value.problems
    assert problem.message.startswith("工作表“Sheet1”超过了导入上限（每个文件最多 20000 行）")


def test_a_long_sheet_beside_the_one_imported_does_not_matter(tmp_path):
    wb = Workbook()
    wb.active.title = "企业名录"  # first, longer than the limit, not what is imported
    for n in range(30):
        wb.active.append([f"企业{n}"])
    data = wb.create_sheet("Sheet2")  # the records, under a title the probe has to find
    for row in [TRIP_HEADERS, TRIP_ROW]:
        data.append(row)
    wb.save(tmp_path / "r.xlsx")
    trip, numbers = read_spreadsheet(tmp_path / "r.xlsx", base_trip=BASE,
                                     settings=Settings(sheet_max_rows=5))
    assert numbers == {"JC2023DX0101": 2}
