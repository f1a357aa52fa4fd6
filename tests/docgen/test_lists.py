"""Result lists: the entered results come out row for row in Word, PDF and Excel; counts,
awkward text, long lists and print setup."""
from __future__ import annotations

import re
import zipfile
from dataclasses import replace
from datetime import date
from io import BytesIO

import pytest
from docx import Document
from docx.oxml.ns import qn
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from pypdf import PdfReader

from docgen.lists import (FORMATS, LISTS, Tally, UnknownFormat, UnknownList, build_list,
                          list_rows, tally, write_lists)
from docgen.loading import load_trip
from docgen.records import FailedItem, Result
from tests.conftest import DEMO, pdf_text, squash

MADE_ON = date(2023, 3, 5)
HEADER_ROW = 4  # title, 任务 line, 组织单位/制表日期 line, then the header


def with_results(trip):
    """Two passes, one failure with two failed items, one sampled batch still being tested."""
    s = list(trip.samplings)
    s[0] = replace(s[0], result=Result("合格", "JCJC-2023-0101", date(2023, 4, 2)))
    s[1] = replace(s[1], result=Result("不合格", "JCJC-2023-0102", date(2023, 4, 3), items=(
        FailedItem("导体电阻", "≤12.1Ω/km", "13.4Ω/km"),
        FailedItem("绝缘最薄处厚度", "≥0.61mm", "0.52mm"))))
    s[2] = replace(s[2], result=Result("合格", "JCJC-2023-0103", date(2023, 4, 3), remarks="经销"))
    return replace(trip, samplings=tuple(s))


@pytest.fixture(scope="module")
def trip():
    return with_results(load_trip(DEMO / "trip-jincheng-cable.json"))


@pytest.fixture(scope="module")
def built(trip):
    return {(kind, fmt): build_list(kind, trip, fmt, made_on=MADE_ON)
            for kind in LISTS for fmt in FORMATS}


def xlsx_sheet(data: bytes):
    return load_workbook(BytesIO(data)).active


def xlsx_rows(data: bytes) -> tuple[list[str], list[list[str]]]:
    """Header and body rows as text (序号 is stored as a number), up to the first empty row."""
    ws = xlsx_sheet(data)
    values = [["" if v is None else str(v) for v in row]
              for row in ws.iter_rows(min_row=HEADER_ROW, values_only=True)]
    body = []
    for row in values[1:]:
        if not any(row):
            break
        body.append(row)
    return values[0], body


def docx_rows(data: bytes) -> tuple[list[str], list[list[str]]]:
    table = Document(BytesIO(data)).tables[0]
    rows = [[c.text for c in row.cells] for row in table.rows]
    return rows[0], rows[1:]


def document_text(data: bytes, fmt: str) -> str:
    """All the text outside the table body, whitespace removed (the whole sheet for Excel)."""
    if fmt == "pdf":
        return pdf_text(data)
    if fmt == "docx":
        return squash("".join(p.text for p in Document(BytesIO(data)).paragraphs))
    return squash("".join(str(c) for row in xlsx_sheet(data).iter_rows(values_only=True)
                          for c in row if c is not None))


def flat(cells) -> list[str]:
    """Headers compared without the line breaks put in to fit them to their column."""
    return [squash(c) for c in cells]


# -- which rows, which values ---------------------------------------------------------------------

def test_the_pass_list_holds_exactly_the_two_passes(trip):
    headers, rows = list_rows("pass_list", trip)
    assert headers == ["序号", "产品名称", "商标", "规格型号", "生产日期（批号）", "受检单位名称", "备注"]
    assert rows == [
        ["1", "聚氯乙烯绝缘电缆电线", "鑫达", "BV 450/750V 1×2.5mm²", "2023年1月8日",
         "晋城市泽州县鑫达电缆有限公司", ""],
        ["2", "铜芯聚氯乙烯绝缘电线", "恒远", "BVR 450/750V 1×4mm²", "2022年11月20日",
         "晋城市城区永兴五金电料经销部", "经销"],
    ]


def test_the_fail_list_names_both_failed_items(trip):
    _, rows = list_rows("fail_list", trip)
    assert rows == [["1", "额定电压450/750V及以下聚氯乙烯绝缘软电缆", "华通&HT",
                     "RVV 300/500V 3×1.5mm²", "2023年2月17日\nHT-2302-117",
                     "山西高平华通线缆股份有限公司", "导体电阻、绝缘最薄处厚度"]]


def test_the_summary_has_a_row_per_tested_batch_and_counts_the_visits(trip):
    headers, rows = list_rows("summary", trip)
    assert headers == ["序号", "抽样单编号", "受检单位名称", "标称生产企业", "产品名称", "商标",
                       "规格型号", "生产日期（批号）", "抽样日期", "报告编号", "检验结论",
                       "不合格项目", "承检机构"]
    assert [r[1] for r in rows] == ["JC2023DX0001", "JC2023DX0002", "JC2023DX0003"]
    assert [r[10] for r in rows] == ["合格", "不合格", "合格"]
    assert [r[11] for r in rows] == ["/", "导体电阻、绝缘最薄处厚度", "/"]
    assert rows[0][8] == "2023年3月15日" and rows[0][9] == "JCJC-2023-0101"
    assert rows[2][3] == "河北省宁晋县恒远电缆厂"  # a seller: its label's producer
    assert rows[0][3] == rows[0][2]  # a producer is its own 标称生产企业
    assert {r[12] for r in rows} == {"晋城市综合检验检测中心"}
    assert tally(trip) == Tally(batches=3, passed=2, failed=1, refused=1, no_sample=1, pending=1)


def test_the_disclosure_list_follows_samr_notices(trip):
    headers, rows = list_rows("disclosure", trip)
    assert headers == ["序号", "标称生产企业名称", "标称生产企业地址", "被抽样单位名称",
                       "被抽样单位地址", "产品名称", "规格型号", "商标", "生产日期（批号）",
                       "抽查结果", "主要不合格项目", "承检机构"]
    third = rows[2]
    assert third[1:5] == ["河北省宁晋县恒远电缆厂", "河北省邢台市宁晋县大陆村镇工业区",
                          "晋城市城区永兴五金电料经销部", "山西省晋城市城区建设路建材市场C区12号"]
    assert [r[9] for r in rows] == ["合格", "不合格", "合格"]
    assert rows[1][10] == "导体电阻、绝缘最薄处厚度"


def test_a_web_shop_is_named_with_its_platform(trip):
    s = trip.samplings[3]
    online = replace(trip, samplings=(replace(s, result=Result("合格", "R-4")),))
    _, rows = list_rows("disclosure", online)
    assert rows[0][3] == f"{s.enterprise.name}（{s.online.platform}）"
    assert rows[0][1] == "/"  # no producer entered for the shop


def test_rows_follow_the_sample_numbers_as_numbers(trip):
    s = trip.samplings[0]
    numbers = ["JC2023DX10", "JC2023DX9", "JC2023DX100"]
    shuffled = replace(trip, samplings=tuple(
        replace(s, sample_no=n, enterprise=replace(s.enterprise, name=n)) for n in numbers))
    _, rows = list_rows("summary", shuffled)
    assert [r[1] for r in rows] == ["JC2023DX9", "JC2023DX10", "JC2023DX100"]
    assert [r[0] for r in rows] == ["1", "2", "3"]


@pytest.mark.parametrize("passed, batches, rate", [
    (2, 3, "66.7%"), (3, 3, "100%"), (1, 8, "12.5%"), (1, 6, "16.7%"), (0, 4, "0%"), (0, 0, "/"),
])
def test_the_pass_rate_is_rounded_half_up_to_one_decimal(passed, batches, rate):
    assert Tally(batches, passed, batches - passed, 0, 0, 0).pass_rate == rate


# -- the same rows in every format ----------------------------------------------------------------

@pytest.mark.parametrize("kind", LISTS)
def test_excel_holds_the_rows_cell_for_cell(built, trip, kind):
    headers, rows = list_rows(kind, trip)
    got_headers, got_rows = xlsx_rows(built[kind, "xlsx"])
    assert flat(got_headers) == headers
    assert got_rows == rows


@pytest.mark.parametrize("kind", LISTS)
def test_word_holds_the_rows_cell_for_cell(built, trip, kind):
    headers, rows = list_rows(kind, trip)
    got_headers, got_rows = docx_rows(built[kind, "docx"])
    assert flat(got_headers) == headers
    assert got_rows == rows


@pytest.mark.parametrize("kind", LISTS)
def test_the_pdf_prints_the_rows_in_order(built, trip, kind):
    headers, rows = list_rows(kind, trip)
    text = pdf_text(built[kind, "pdf"])
    at = text.index(squash("".join(headers)))
    for row in rows:  # each row's cells, one after another, after the row before
        at = text.index(squash("".join(row)), at)
    if kind == "pass_list":
        assert "山西高平华通线缆股份有限公司" not in text
    if kind == "fail_list":
        assert "晋城市泽州县鑫达电缆有限公司" not in text and "经销部" not in text


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_has_the_title_and_header_lines(built, fmt):
    for kind, name in LISTS.items():
        text = document_text(built[kind, fmt], fmt)
        for expected in (f"2023年第一批产品质量监督抽查{name}", "任务名称：2023年第一批产品质量监督抽查",
                         "任务编号：JC2023-01-DX", "组织单位：晋城市市场监督管理局",
                         "制表日期：2023年3月5日"):
            assert expected in text, (kind, expected)


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_summary_counts_appear_in_every_format(built, fmt):
    text = document_text(built["summary", fmt], fmt)
    assert "抽查3批次，合格2批次，不合格1批次，批次合格率66.7%" in text
    assert "拒检1家、未抽到样品1家" in text
    assert "另有1批次已抽样、尚无检验结果" in text


def test_an_empty_list_says_so(trip):
    passing = replace(trip, samplings=(trip.samplings[0],))
    _, rows = list_rows("fail_list", passing)
    assert rows == []
    assert "本次抽查未发现不合格产品。" in pdf_text(build_list("fail_list", passing, "pdf"))


# -- PDF ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind, wide", [("pass_list", False), ("fail_list", False),
                                        ("summary", True), ("disclosure", True)])
def test_pdfs_are_a4_landscape_when_wide_and_embed_their_fonts(built, kind, wide):
    reader = PdfReader(BytesIO(built[kind, "pdf"]))
    for page in reader.pages:
        w, h = float(page.mediabox.width), float(page.mediabox.height)
        assert sorted((round(w), round(h))) == [595, 842]
        assert (w > h) == wide
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            assert font["/Subtype"] == "/TrueType", font["/BaseFont"]
            assert "/FontFile2" in font["/FontDescriptor"], font["/BaseFont"]
    assert "第1页／共1页" in pdf_text(built[kind, "pdf"])


def long_trip(trip, n: int):
    s = trip.samplings[0]
    return replace(trip, samplings=tuple(
        replace(s, sample_no=f"JC2023DX{i:04d}",
                enterprise=replace(s.enterprise, name=f"第{i}号" + "晋城市泽州县鑫达电缆有限公司" * (i % 3 + 1)))
        for i in range(1, n + 1)))


def test_three_hundred_rows_run_over_pages_with_the_header_on_each(trip):
    many = long_trip(trip, 300)
    headers, rows = list_rows("summary", many)
    reader = PdfReader(BytesIO(build_list("summary", many, "pdf")))
    n = len(reader.pages)
    assert n > 5
    head = squash("".join(headers))
    texts = [squash(p.extract_text()) for p in reader.pages]
    for i, text in enumerate(texts, start=1):
        assert text.count(head) == 1, i
        assert f"第{i}页／共{n}页" in text
    assert "2023年第一批产品质量监督抽查检验情况汇总表" in texts[0]
    assert "2023年第一批产品质量监督抽查检验情况汇总表" not in texts[1]
    whole = "".join(texts)
    for row in rows:
        assert row[1] in whole
    assert "抽查300批次，合格300批次" in texts[-1]


def test_a_row_taller_than_a_page_is_split_between_pages(trip):
    s = trip.samplings[0]
    huge = "很长的备注" * 400
    tall = replace(trip, samplings=(replace(s, result=Result("合格", "R-1", remarks=huge)),))
    headers, _ = list_rows("pass_list", tall)
    reader = PdfReader(BytesIO(build_list("pass_list", tall, "pdf")))
    assert len(reader.pages) >= 2
    head = squash("".join(headers))
    pages = [re.sub(r"第\d+页／共\d+页", "", squash(p.extract_text())).replace(head, "")
             for p in reader.pages]
    assert squash(huge) in "".join(pages)  # nothing lost at the breaks


# -- awkward text ---------------------------------------------------------------------------------

AWKWARD = [
    "华通&HT电缆<有限>公司",
    "{{ x }}{% if %}线缆厂",
    "=1+1",
    "=HYPERLINK(\"http://example.com\",\"点击\")",
    ("山西" + "特别长的企业名称用于测试换行" * 14)[:196] + "有限公司",  # 200 characters
    "吉𠮷电缆厂",
]


@pytest.mark.parametrize("name", AWKWARD,
                         ids=["xml", "jinja", "formula", "hyperlink", "long", "astral"])
def test_awkward_firm_names_come_out_literally(trip, name):
    s = trip.samplings[0]
    odd = replace(trip, samplings=(replace(s, enterprise=replace(s.enterprise, name=name)),))
    _, rows = list_rows("pass_list", odd)
    assert rows[0][5] == name

    ws = xlsx_sheet(build_list("pass_list", odd, "xlsx"))
    cell = ws.cell(row=HEADER_ROW + 1, column=6)
    assert cell.value == name and cell.data_type == "s"
    with zipfile.ZipFile(BytesIO(build_list("pass_list", odd, "xlsx"))) as zf:
        assert "<f>" not in zf.read("xl/worksheets/sheet1.xml").decode()  # no formula anywhere

    assert docx_rows(build_list("pass_list", odd, "docx"))[1][0][5] == name
    assert squash(name) in pdf_text(build_list("pass_list", odd, "pdf"))


@pytest.mark.parametrize("name", ["=1+1", "+86 测试", "-加急", "@SUM(A1)"])
def test_a_formula_like_name_stays_text_when_edited_in_excel(trip, name):
    s = trip.samplings[0]
    odd = replace(trip, samplings=(replace(s, enterprise=replace(s.enterprise, name=name)),))
    cell = xlsx_sheet(build_list("pass_list", odd, "xlsx")).cell(row=HEADER_ROW + 1, column=6)
    assert cell.value == name and cell.data_type == "s" and cell.quotePrefix


def test_ordinary_text_gets_no_quote_prefix(trip):
    cell = xlsx_sheet(build_list("pass_list", trip, "xlsx")).cell(row=HEADER_ROW + 1, column=6)
    assert cell.data_type == "s" and not cell.quotePrefix


def test_control_characters_are_dropped_not_fatal(trip):
    s = trip.samplings[0]
    name = "鑫达\x07电缆\x00厂"
    odd = replace(trip, samplings=(replace(s, enterprise=replace(s.enterprise, name=name)),))
    for fmt in FORMATS:
        assert build_list("pass_list", odd, fmt)
    assert list_rows("pass_list", odd)[1][0][5] == "鑫达电缆厂"


# -- Word and Excel layout ------------------------------------------------------------------------

@pytest.mark.parametrize("kind, wide", [("pass_list", False), ("summary", True)])
def test_word_sets_the_page_fonts_and_a_repeating_header_row(built, kind, wide):
    doc = Document(BytesIO(built[kind, "docx"]))
    section = doc.sections[0]
    assert (section.page_width > section.page_height) == wide
    assert round(min(section.page_width.mm, section.page_height.mm)) == 210
    table = doc.tables[0]
    assert table.style.name == "Table Grid"
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    head_run = table.rows[0].cells[1].paragraphs[0].runs[0]
    body_run = table.rows[1].cells[1].paragraphs[0].runs[0]
    assert head_run._r.rPr.rFonts.get(qn("w:eastAsia")) == "黑体"
    assert body_run._r.rPr.rFonts.get(qn("w:eastAsia")) == "宋体"
    title = doc.paragraphs[0].runs[0]
    assert title._r.rPr.rFonts.get(qn("w:eastAsia")) == "黑体"
    footer = section.footer._element.xml
    assert 'w:instr="PAGE"' in footer and 'w:instr="NUMPAGES"' in footer


@pytest.mark.parametrize("kind, orientation", [("pass_list", "portrait"), ("summary", "landscape")])
def test_excel_is_set_up_for_printing(built, trip, kind, orientation):
    ws = xlsx_sheet(built[kind, "xlsx"])
    assert ws.title == LISTS[kind]
    assert ws.page_setup.orientation == orientation
    assert int(ws.page_setup.paperSize) == 9  # A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
    assert ws.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"
    assert ws.freeze_panes == f"A{HEADER_ROW + 1}"
    last = get_column_letter(len(list_rows(kind, trip)[0]))
    assert f"A1:{last}1" in {str(r) for r in ws.merged_cells.ranges}  # the title spans the table
    head = ws.cell(row=HEADER_ROW, column=2)
    assert head.font.b and head.border.top.style == "thin" and head.alignment.wrap_text
    # a Chinese name column is wider than the 序号 column
    assert ws.column_dimensions["B"].width > ws.column_dimensions["A"].width


def test_write_lists_writes_every_list_in_every_format(tmp_path, trip):
    paths = write_lists(trip, tmp_path / "lists", made_on=MADE_ON)
    assert sorted(p.name for p in paths) == sorted(f"{name}.{fmt}" for name in LISTS.values()
                                                   for fmt in FORMATS)
    assert all(p.stat().st_size > 0 for p in paths)
    assert "合格产品企业名单.xlsx" in {p.name for p in paths}


def test_an_unknown_list_or_format_is_refused_by_name(trip):
    with pytest.raises(UnknownList) as exc:
        list_rows("blacklist", trip)
    assert exc.value.kind == "blacklist"
    with pytest.raises(UnknownFormat) as exc:
        build_list("pass_list", trip, "odt")
    assert exc.value.fmt == "odt"
