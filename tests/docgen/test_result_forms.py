"""The result forms: 检验结果通知书 with its 回执, 送达回证, envelope and address labels, read back
from the PDF (pypdf) and the Word file (python-docx)."""
from __future__ import annotations

import dataclasses
from datetime import date
from io import BytesIO

import pytest
from docx import Document
from pypdf import PdfReader
from reportlab.lib.units import mm

from docgen.loading import load_trip
from docgen.mailing import envelope_geometry, label_boxes
from docgen.packets import BLANK, BY_OUTCOME
from docgen.records import FailedItem, Result
from docgen.render import Renderer
from docgen.settings import Settings, SettingsError
from docgen.spec import Column, FormSpec, Table
from docgen.specs import get_form
from tests.conftest import DEMO, docx_text, pdf_text, squash

NEW_FORMS = ("result_notice", "service_receipt", "envelope", "label_sheet")
EMS = "1151234567890"
ITEMS = (FailedItem("导体电阻", "20℃时导体电阻应不大于7.41Ω/km", "7.86Ω/km"),
         FailedItem("绝缘最薄处厚度", "≥0.61mm（标称0.8mm）", "0.52mm"))


def with_results(trip, first=None, second=None):
    """The demo trip with a failure for the first firm and a pass for the second."""
    fail = dataclasses.replace(trip.samplings[0], ems_no=EMS, result=first or Result(
        "不合格", "JCJC-2023-DX-0001", date(2023, 4, 20), ITEMS))
    ok = dataclasses.replace(trip.samplings[1], result=second or Result(
        "合格", "JCJC-2023-DX-0002", date(2023, 4, 21)))
    return dataclasses.replace(trip, samplings=(fail, ok) + trip.samplings[2:])


@pytest.fixture(scope="module")
def trip():
    return with_results(load_trip(DEMO / "trip-jincheng-cable.json"))


def pdf(renderer, code, trip, sampling, blank=False) -> bytes:
    return renderer.write_pdf(renderer.pdf_parts(code, trip, sampling, blank), title=code,
                              author="t")[0]


def read(fmt, renderer, code, trip, sampling) -> str:
    if fmt == "pdf":
        return pdf_text(pdf(renderer, code, trip, sampling))
    return docx_text(renderer.docx(code, trip, sampling, False))


# -- 检验结果通知书 ----------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_a_failure_notice_prints_the_firm_report_conclusion_and_every_failed_item(
        fmt, renderer, trip):
    s = trip.samplings[0]
    text = read(fmt, renderer, "result_notice", trip, s)
    for value in (s.enterprise.name, s.sample_no, "JCJC-2023-DX-0001", "2023年4月20日",
                  "晋市市监检〔2023〕1号", s.product.name, trip.institution.name,
                  "检验结论不合格", "附件：检验报告（编号：JCJC-2023-DX-0001）"):
        assert squash(value) in text, (fmt, value)
    for item in ITEMS:
        for value in (item.item, item.requirement, item.measured):
            assert squash(value) in text, (fmt, value)
    header = "序号检验项目标准要求实测值单项判定"
    assert header in text if fmt == "pdf" else all(h in text for h in ("序号", "检验项目", "标准要求",
                                                                       "实测值", "单项判定"))
    assert "自收到本通知书之日起15日内向晋城市市场监督管理局" in text
    for value in (trip.agency.address, trip.agency.postal_code, trip.agency.phone):
        assert value in text, (fmt, value)
    assert "保存至异议期满后3个月" in text and "JC-FY-0001" in text
    assert "（沿此线剪下寄回）检验结果通知书回执" in text
    assert "无异议" in text and "将在规定期限内提出书面异议" in text


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_a_pass_has_no_failed_items_and_frees_the_backup(fmt, renderer, trip):
    text = read(fmt, renderer, "result_notice", trip, trip.samplings[1])
    assert "无（所检项目均符合要求）" in text
    assert "检验结论为合格" in text and "可自行处置封存的备用样品" in text
    assert "不合格" not in text


def test_the_reply_slip_boxes_are_drawn_unticked(renderer, trip):
    parts = renderer.pdf_parts("result_notice", trip, trip.samplings[0], False)
    boxes = [seg.text for p in parts for page in p.pages for op in page.ops if op[0] == "text"
             for seg in op[3].segments if seg.face is None]
    assert boxes == ["☐", "☐"] * 2  # one 回执 per copy, nothing ticked for the firm
    assert "☐" not in pdf_text(pdf(renderer, "result_notice", trip, trip.samplings[0]))


def test_a_two_item_failure_fits_one_page_per_copy_with_its_reply_slip(renderer, trip):
    parts = renderer.pdf_parts("result_notice", trip, trip.samplings[0], False)
    copies = [p for p in parts if p.pages]
    assert [len(p.pages) for p in copies] == [1, 1]
    assert [p.title for p in copies] == ["第一份　寄送被抽样单位", "第二份　组织监督抽查部门存档"]


def test_a_long_failed_items_table_repeats_its_header_on_the_next_page(renderer, trip):
    many = tuple(FailedItem(f"项目{n}", f"要求{n}：" + "不大于规定值" * 6, f"{n}.0")
                 for n in range(1, 31))
    t = with_results(trip, first=Result("不合格", "R-1", date(2023, 4, 20), many))
    reader = PdfReader(BytesIO(pdf(renderer, "result_notice", t, t.samplings[0])))
    first_copy = [squash(p.extract_text()) for p in reader.pages[:len(reader.pages) // 2]]
    assert len(first_copy) >= 2
    assert all("序号检验项目标准要求实测值单项判定" in page for page in first_copy[:2])
    assert "检验结果通知书（续）" in first_copy[1]
    joined = "".join(first_copy)
    assert all(f"要求{n}：" in joined for n in range(1, 31))


def test_without_a_result_the_notice_is_a_form_to_fill_by_hand(renderer, trip):
    s = trip.samplings[2]
    assert s.result is None
    ctx = renderer.context(get_form("result_notice"), trip, s, False)
    assert ctx["result"]["report_no"].strip("　") == ""
    rows = ctx["result"]["failed_items"]
    assert len(rows) == 3 and not any(rows[0].values())  # writing room
    text = pdf_text(pdf(renderer, "result_notice", trip, s))
    assert "检验结论为合格的，异议期满后" in text and "检验结论为不合格的" in text


def test_the_notice_number_follows_its_setting(trip):
    r = Renderer(Settings(result_notice_number="{sample_no}-JG（{report_no}）"))
    text = pdf_text(pdf(r, "result_notice", trip, trip.samplings[0]))
    assert "编号：JC2023DX0001-JG（JCJC-2023-DX-0001）" in text


NASTY = ['华通&HT <b>"引号"</b>', "{{ firm }} {% if x %}生产{% endif %} {sample_no}", "𠮷䶮 ≤ 5 & > 3",
         "超长" * 100]


@pytest.mark.parametrize("nasty", NASTY)
def test_awkward_text_in_a_failed_item_comes_out_literally(nasty, renderer, trip):
    items = (FailedItem("标志", nasty, "<未标注>"),)
    long_name = "晋城市" + "超长名称测试" * 32 + "有限公司"
    t = with_results(trip, first=Result("不合格", "R&D<1>", date(2023, 4, 20), items))
    s = dataclasses.replace(t.samplings[0], enterprise=dataclasses.replace(
        t.samplings[0].enterprise, name=long_name))
    for fmt in ("pdf", "docx"):
        text = read(fmt, renderer, "result_notice", t, s)
        assert squash(nasty) in text, fmt
        assert "<未标注>" in text and "R&D<1>" in text and long_name in text, fmt


# -- 送达回证 ------------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_the_service_receipt_names_the_documents_the_parties_and_the_ems_number(
        fmt, renderer, trip):
    s = trip.samplings[0]
    text = read(fmt, renderer, "service_receipt", trip, s)
    for value in ("送达回证", "产品质量监督抽查检验结果通知书（晋市市监检〔2023〕1号）",
                  "检验报告（编号：JCJC-2023-DX-0001）", f"送达单位{trip.agency.name}",
                  f"受送达人{s.enterprise.name}", s.enterprise.address, EMS, "直接送达", "留置送达",
                  "邮寄送达", "委托送达", "电子送达", "公告送达", "见证人", "送达人", "备注"):
        assert squash(value) in text, (fmt, value)
    assert len(PdfReader(BytesIO(pdf(renderer, "service_receipt", trip, s))).pages) == 1
    if fmt == "docx":
        # (python-docx repeats a merged cell's text once per grid column)
        assert {part[:4] for part in text.split("☑")[1:]} == {"邮寄送达"}


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
def test_without_an_ems_number_the_receipt_leaves_room_to_write_it(fmt, renderer, trip):
    s = trip.samplings[1]
    assert s.ems_no == ""
    assert "EMS邮件号码送达时间" in read(fmt, renderer, "service_receipt", trip, s)


# -- envelope ------------------------------------------------------------------------------------

@pytest.mark.parametrize("size, dims", [("DL", (220, 110)), ("C5", (229, 162))])
def test_the_envelope_page_has_the_envelope_size_in_both_formats(size, dims, trip):
    r = Renderer(Settings(envelope_size=size))
    s = trip.samplings[0]
    box = PdfReader(BytesIO(pdf(r, "envelope", trip, s))).pages[0].mediabox
    assert (float(box.width), float(box.height)) == pytest.approx((dims[0] * mm, dims[1] * mm),
                                                                  abs=0.5)
    section = Document(BytesIO(r.docx("envelope", trip, s, False))).sections[0]
    assert (section.page_width.mm, section.page_height.mm) == pytest.approx(dims, abs=0.5)


@pytest.mark.parametrize("size", ["DL", "C5"])
def test_each_postal_code_digit_is_drawn_inside_its_box(size, trip):
    r = Renderer(Settings(envelope_size=size))
    s = dataclasses.replace(trip.samplings[0], enterprise=dataclasses.replace(
        trip.samplings[0].enterprise, postal_code="048026"))
    page = r.pdf_parts("envelope", trip, s, False)[0].pages[0]
    boxes = envelope_geometry(size).postal_boxes
    for box, digit in zip(boxes, "048026"):
        assert ("rect", box.x, box.y, box.w, box.h) == next(
            op[:5] for op in page.ops if op[0] == "rect" and op[1] == box.x)
        inside = [op for op in page.ops if op[0] == "text"
                  and box.x <= op[1] and op[1] + op[3].width <= box.x + box.w
                  and box.y <= op[2] <= box.y + box.h]
        assert ["".join(seg.text for seg in op[3].segments) for op in inside] == [digit]
    assert boxes[0].x == pytest.approx(20 * mm)
    assert boxes[0].y + boxes[0].h == pytest.approx(page.size[1] - 10 * mm)
    assert "048026" in pdf_text(r.write_pdf([r.pdf_parts("envelope", trip, s, False)[0]],
                                            title="e", author="a")[0])


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
@pytest.mark.parametrize("sender", ["agency", "institution"])
def test_the_envelope_names_the_firm_and_the_sender(fmt, sender, trip):
    r = Renderer(Settings(result_sender=sender))
    s = trip.samplings[0]
    text = read(fmt, r, "envelope", trip, s)
    who = trip.agency if sender == "agency" else trip.institution
    for value in (s.enterprise.address, f"{s.enterprise.name}（收）", s.enterprise.contact,
                  s.enterprise.phone, f"寄件人：{who.name}", who.address,
                  f"邮政编码：{who.postal_code}", "检验结果通知书"):
        assert squash(value) in text, (fmt, sender, value)
    if fmt == "docx":
        digits = Document(BytesIO(r.docx("envelope", trip, s, False))).tables[0].rows[0].cells
        assert [c.text for c in digits][1:12:2] == list(s.enterprise.postal_code)


# -- label sheets --------------------------------------------------------------------------------

def sixteen(trip):
    base = trip.samplings[0]
    return [dataclasses.replace(base, sample_no=f"JC2023DX{n:04d}", enterprise=dataclasses.replace(
        base.enterprise, name=f"晋城市第{n}号测试电缆有限公司", postal_code=f"0480{n:02d}"))
            for n in range(1, 17)]


def test_sixteen_firms_fill_two_label_sheets_in_both_formats(renderer, trip):
    firms = sixteen(trip)
    data, pages = renderer.label_sheet_pdf(trip, firms)
    reader = PdfReader(BytesIO(data))
    assert pages == len(reader.pages) == 2
    assert all(round(float(p.mediabox.width)) == 595 for p in reader.pages)
    first, second = (squash(p.extract_text()) for p in reader.pages)
    for n, s in enumerate(firms, start=1):
        assert f"{s.enterprise.name}（收）" in (first if n <= 14 else second)
        assert s.sample_no in (first if n <= 14 else second)
    word = renderer.label_sheet_docx(trip, firms)
    text = docx_text(word)
    assert all(f"{s.enterprise.name}（收）" in text and s.enterprise.postal_code in text
               for s in firms)
    table = Document(BytesIO(word)).tables[0]
    assert len(table.rows) == 8  # 16 labels, two a row
    assert table.rows[0].height.mm == pytest.approx(38.1, abs=0.05)


def test_label_text_stays_inside_its_label(renderer, trip):
    firms = sixteen(trip)[:3]
    firms[1] = dataclasses.replace(firms[1], enterprise=dataclasses.replace(
        firms[1].enterprise, name="超长企业名称" * 40, address="很长的地址" * 40))
    pages = renderer.label_pages(trip, firms)
    boxes = label_boxes(renderer.settings)
    assert boxes[0].x == pytest.approx(4.65 * mm)
    assert boxes[0].y + boxes[0].h == pytest.approx(297 * mm - 15.15 * mm)
    assert boxes[1].x - boxes[0].x == pytest.approx((99.1 + 2.5) * mm)
    texts = [op for op in pages[0].ops if op[0] == "text"]
    for op in texts:
        assert any(b.x <= op[1] and op[1] + op[3].width <= b.x + b.w and b.y <= op[2] <= b.y + b.h
                   for b in boxes[:3]), "".join(seg.text for seg in op[3].segments)


def test_the_label_grid_follows_the_settings(trip):
    r = Renderer(Settings(label_columns=3, label_rows=8, label_width=63.5, label_height=33.9,
                          label_margin_top=12.9, label_margin_left=7.2, label_gap_x=2.5))
    data, pages = r.label_sheet_pdf(trip, sixteen(trip)[:10])
    assert pages == 1
    table = Document(BytesIO(r.label_sheet_docx(trip, sixteen(trip)[:10]))).tables[0]
    assert len(table.rows) == 4 and len(table.columns) == 5  # 3 labels and 2 gaps a row
    assert "晋城市第10号测试电缆有限公司（收）" in docx_text(r.label_sheet_docx(trip, sixteen(trip)[:10]))


def test_pdf_parts_of_a_label_sheet_for_one_firm_is_one_sheet(renderer, trip):
    parts = renderer.pdf_parts("label_sheet", trip, trip.samplings[0], False)
    assert len(parts) == 1 and len(parts[0].pages) == 1
    assert f"{trip.samplings[0].enterprise.name}（收）" in docx_text(
        renderer.docx("label_sheet", trip, trip.samplings[0], False))


# -- all four --------------------------------------------------------------------------------

def test_the_new_forms_embed_truetype_fonts_only(renderer, trip):
    datas = [pdf(renderer, code, trip, trip.samplings[0]) for code in NEW_FORMS]
    datas.append(renderer.label_sheet_pdf(trip, sixteen(trip))[0])
    for data in datas:
        for page in PdfReader(BytesIO(data)).pages:
            for font in page["/Resources"]["/Font"].values():
                font = font.get_object()
                assert font["/Subtype"] == "/TrueType" and "/FontFile2" in font["/FontDescriptor"]


def test_the_new_forms_are_in_no_trip_packet():
    packet_forms = set(BLANK).union(*BY_OUTCOME.values())
    assert not packet_forms & set(NEW_FORMS)


def test_a_table_must_print_keys_its_list_has():
    bad = FormSpec(code="x", title="x", blocks=(
        Table("result.failed_items", (Column("项目", "name"),)),))
    with pytest.raises(ValueError, match="no \\['name'\\]"):
        bad.check()
    not_a_list = FormSpec(code="x", title="x", blocks=(Table("sample_no", (("a", "b", 1),)),))
    with pytest.raises(ValueError, match="not a list field"):
        not_a_list.check()


@pytest.mark.parametrize("change", [{"envelope_size": "B5"}, {"result_sender": "lab"},
                                    {"label_columns": 3}, {"label_rows": 0}])
def test_impossible_mailing_settings_are_refused(change):
    with pytest.raises(SettingsError):
        Settings(**change)
