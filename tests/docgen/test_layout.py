"""Layout: long text wraps inside its cell, and a form that must grow continues on a second
page with its header repeated."""
from __future__ import annotations

from pypdf import PdfReader
from io import BytesIO

from docgen.loading import load_trip
from docgen.layout import CONTENT_W, MARGIN_BOTTOM, MARGIN_X, PAGE_W, Page
from tests.conftest import squash


def _refusal_pages(renderer, trip):
    s = trip.sampling("JC2023DX0005")
    parts = renderer.pdf_parts("refusal", trip, s, False)
    return parts, s


def test_long_description_continues_on_a_second_page_with_the_header_repeated(renderer, jincheng,
                                                                              write_trip):
    text = "".join(f"第{n}段：企业负责人拒绝提供样品，抽样人员再次告知法律后果。" for n in range(1, 60))
    jincheng["samplings"][4]["refusal"]["description"] = text
    trip = load_trip(write_trip(jincheng))
    parts, s = _refusal_pages(renderer, trip)
    copies = [p for p in parts if p.pages]
    assert len(copies) == 3 and all(len(p.pages) == 2 for p in copies)
    pdf, _ = renderer.write_pdf(parts, title="t", author="a")
    pages = PdfReader(BytesIO(pdf)).pages
    first, second = squash(pages[0].extract_text()), squash(pages[1].extract_text())
    assert "拒检认定表（续）" in second and "第一份" in second and "JC2023DX0005" in second
    # nothing lost at the break: page 1 up to its footer, then page 2 after the repeated label
    joined = (first.split(f"{s.sample_no}{s.enterprise.name}产品质量监督抽查拒检认定表第1页")[0]
              + second.split("（拒检过程描述）", 1)[1])
    assert squash(text) in joined


def test_no_text_runs_off_the_page(renderer, jincheng, write_trip):
    long_name = "山西" + "特别长的企业名称用于测试换行" * 12 + "有限公司"
    for s in jincheng["samplings"]:
        s["enterprise"]["name"] = long_name
        s["enterprise"]["address"] = "地址" * 80
    trip = load_trip(write_trip(jincheng))
    from docgen.specs import FORMS
    for sampling in trip.samplings:
        for code in FORMS:
            for part in renderer.pdf_parts(code, trip, sampling, False):
                for page in part.pages:
                    left, bottom, right, top = page.frame  # envelopes and labels have their own
                    for op in page.ops:
                        if op[0] in ("text", "footer"):
                            _, x, y, line, size = op
                            assert x >= left - 0.5 and x + line.width <= right + 0.5, (
                                code, "".join(seg.text for seg in line.segments))
                            assert bottom <= y <= top, code
    assert MARGIN_X + CONTENT_W < PAGE_W
    assert Page().frame[:3] == (MARGIN_X, MARGIN_BOTTOM / 2 - 1, MARGIN_X + CONTENT_W)
