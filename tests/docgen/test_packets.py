"""End to end: trip files in, packets out; every record value is read back from the PDF
(pypdf) and the Word files (python-docx)."""
from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from docgen.amounts import format_figures
from docgen.formatting import chinese_date, chinese_datetime, production_date
from docgen.loading import load_trip
from docgen.packets import BLANK, BY_OUTCOME, build_packet
from docgen.photos import inspect_photo
from docgen.specs import FORMS
from tests.conftest import docx_text, pdf_text, squash

SKIP_KEYS = {"file", "outcome", "role"}  # paths are not printed; outcome and role show as boxes


def shown(key: str, value) -> str:
    """How a raw trip value is written on the forms."""
    if key in ("sampled_at", "ordered_at"):
        return chinese_datetime(__import__("datetime").datetime.fromisoformat(value))
    if key in ("send_by", "valid_from", "valid_to", "result_due"):
        return chinese_date(__import__("datetime").date.fromisoformat(value))
    if key == "production_date":
        return production_date(value)
    if key in ("unit_price", "paid"):
        return format_figures(Decimal(value))
    return str(value)


def leaves(node, key=""):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from leaves(v, k)
    elif isinstance(node, list):
        for v in node:
            yield from leaves(v, key)
    elif node not in ("", None) and key not in SKIP_KEYS:
        yield key, node


def build(trip_path: Path, out: Path, renderer, blank=False, jobs=1):
    trip = load_trip(trip_path, blank=blank, check_text=renderer.fonts.missing,
                     check_photo=inspect_photo)
    return trip, build_packet(trip, out, blank=blank, jobs=jobs, renderer=renderer)


@pytest.fixture(scope="module")
def jincheng_packet(tmp_path_factory, renderer):
    from tests.conftest import DEMO
    out = tmp_path_factory.mktemp("jc") / "out"
    trip, entries = build(DEMO / "trip-jincheng-cable.json", out, renderer, jobs=2)
    raw = json.loads((DEMO / "trip-jincheng-cable.json").read_text(encoding="utf-8"))
    return out, trip, entries, raw


def test_manifest_lists_every_file_with_its_checksum(jincheng_packet):
    out, trip, entries, _ = jincheng_packet
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    listed = {f["path"]: f for f in manifest["files"]}
    on_disk = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert on_disk - {"manifest.json"} == set(listed)
    for path, f in listed.items():
        data = (out / path).read_bytes()
        assert hashlib.sha256(data).hexdigest() == f["sha256"]
        assert f["format"] in ("pdf", "docx", "zip") and f["size"] == len(data)
    forms = {f["form"] for f in manifest["files"]}
    packet_forms = {code for codes in BY_OUTCOME.values() for code in codes}
    assert forms >= packet_forms | {"photos", "packet", "trip", "docx_zip"}
    assert not forms & {"result_notice", "service_receipt", "envelope", "label_sheet"}


def test_each_firm_gets_the_forms_its_outcome_calls_for(jincheng_packet):
    _, trip, entries, _ = jincheng_packet
    for s in trip.samplings:
        pdf_forms = [e.form for e in entries if e.sample_no == s.sample_no and e.format == "pdf"
                     and e.form in FORMS]
        docx_forms = [e.form for e in entries if e.sample_no == s.sample_no and e.format == "docx"]
        assert pdf_forms == list(BY_OUTCOME[s.outcome]) == docx_forms


@pytest.mark.parametrize("index", range(6))
def test_every_value_of_a_record_is_in_its_pdf_and_word_files(jincheng_packet, index):
    out, trip, entries, raw = jincheng_packet
    record = raw["samplings"][index]
    no = record["sample_no"]
    packet = pdf_text(out / no / f"{no}-packet.pdf")
    words = "".join(docx_text(out / e.path) for e in entries if e.sample_no == no and e.format == "docx")
    trip_level = {k: v for k, v in raw.items() if k not in ("samplings", "trip_date")}
    missing = []
    for key, value in list(leaves(record)) + list(leaves(trip_level)):
        text = squash(shown(key, value))
        if text not in packet:
            missing.append(("pdf", key, value))
        if key != "caption" and text not in words:  # captions are on the photo pages (PDF only)
            missing.append(("docx", key, value))
    assert not missing, f"{no}: values not printed: {missing}"


def test_amounts_are_printed_in_figures_and_in_uppercase(jincheng_packet):
    out, trip, entries, _ = jincheng_packet
    slip = next(e for e in entries if e.sample_no == "JC2023DX0002" and e.form == "payment_slip"
                and e.format == "pdf")
    text = pdf_text(out / slip.path)
    assert "¥1005.00" in text and "¥3015.00" in text
    assert "人民币叁仟零壹拾伍元整" in text
    word = docx_text(out / slip.path.replace(".pdf", ".docx"))
    assert "¥3015.00" in word and "人民币叁仟零壹拾伍元整" in word


def test_pdfs_embed_truetype_fonts_only(jincheng_packet):
    out, _, entries, _ = jincheng_packet
    for e in entries:
        if e.format != "pdf" or e.form == "trip":
            continue
        for page in PdfReader(out / e.path).pages:
            for font in page["/Resources"]["/Font"].values():
                font = font.get_object()
                assert font["/Subtype"] == "/TrueType", (e.path, font["/BaseFont"])
                assert "/FontFile2" in font["/FontDescriptor"], (e.path, font["/BaseFont"])


def test_trip_pdf_has_an_outline_per_firm_and_form_and_all_pages(jincheng_packet):
    out, trip, entries, _ = jincheng_packet
    reader = PdfReader(out / "trip.pdf")
    packets = [e for e in entries if e.form == "packet"]
    assert len(reader.pages) == sum(e.pages for e in packets)
    top = [item for item in reader.outline if not isinstance(item, list)]
    assert [t.title for t in top] == [f"{s.sample_no}　{s.enterprise.name}" for s in trip.samplings]
    first_firm_forms = [t.title for t in reader.outline[1] if not isinstance(t, list)]
    assert first_firm_forms == [FORMS[c].title for c in BY_OUTCOME["sampled"]] + ["抽样现场照片"]
    assert reader.page_labels[0] == "JC2023DX0001-1"


def test_copies_each_carry_their_label_and_the_form_pdf_has_one_page_per_copy(jincheng_packet):
    out, _, entries, _ = jincheng_packet
    slip = next(e for e in entries if e.sample_no == "JC2023DX0001" and e.form == "sampling_slip"
                and e.format == "pdf")
    reader = PdfReader(out / slip.path)
    assert slip.pages == len(reader.pages) == 4
    for n, page in enumerate(reader.pages):
        assert f"第{'一二三四'[n]}联" in squash(page.extract_text())
    assert "一式四联" in pdf_text(out / slip.path)


def test_blank_packet_has_every_form_with_site_fields_left_empty(tmp_path, renderer, qingpu,
                                                                   write_trip):
    trip, entries = build(write_trip(qingpu), tmp_path / "out", renderer, blank=True)
    for s in trip.samplings:
        forms = [e.form for e in entries if e.sample_no == s.sample_no and e.format == "pdf"
                 and e.form in FORMS]
        assert forms == list(BLANK)
    e = next(e for e in entries if e.form == "sampling_slip" and e.format == "pdf")
    text = pdf_text(tmp_path / "out" / e.path)
    assert "上海清源净水科技有限公司" in text and "91310118MA1JL8QX8F" in text
    assert "QP2024JS0001" in text and "陈思远（QP-0107）" in text
    assert "☐" not in text  # checkboxes are drawn as boxes, not glyphs
    assert "/" not in text.replace("监督抽查/复查", "").replace("生产日期/批号", "").replace(
        "执行标准/技术文件", "").replace("签字/盖章", "").replace("／", "")


def test_awkward_text_comes_out_literally_in_both_formats(tmp_path, renderer, jincheng, write_trip):
    nasty = '华通&HT <b>"引号"</b> {{ firm }} {% if x %}生产{% endif %} 𠮷䶮'
    long_name = "晋城市" + "超长名称测试" * 30 + "有限公司"
    s = jincheng["samplings"][1]
    s["enterprise"]["name"] = long_name
    s["product"]["name"] = nasty
    jincheng["samplings"][4]["refusal"]["description"] = "第一行：拒绝签字\n第二行：<拒检> & 离开"
    trip, entries = build(write_trip(jincheng), tmp_path / "out", renderer)
    for fmt, read in (("pdf", pdf_text), ("docx", docx_text)):
        slip = next(e for e in entries if e.sample_no == "JC2023DX0002" and e.form == "sampling_slip"
                    and e.format == fmt)
        text = read(tmp_path / "out" / slip.path)
        assert squash(nasty) in text, fmt
        assert long_name in text, fmt
        refusal = next(e for e in entries if e.form == "refusal" and e.format == fmt)
        assert "第一行：拒绝签字第二行：<拒检>&离开" in read(tmp_path / "out" / refusal.path), fmt


def test_rare_characters_come_from_the_fallback_font(tmp_path, renderer, jincheng, write_trip):
    jincheng["samplings"][0]["enterprise"]["legal_rep"] = "吉𠮷"
    trip, entries = build(write_trip(jincheng), tmp_path / "out", renderer)
    e = next(e for e in entries if e.form == "sampling_slip" and e.format == "pdf")
    reader = PdfReader(tmp_path / "out" / e.path)
    fonts = {str(f.get_object()["/BaseFont"]) for f in reader.pages[0]["/Resources"]["/Font"].values()}
    assert any("HanaMin" in f for f in fonts)
    assert "吉𠮷" in squash(reader.pages[0].extract_text())
