"""Result packets from a trip file and a results file: per firm and for the batch."""
from __future__ import annotations

import json
import zipfile
from io import BytesIO

import pytest
from pypdf import PdfReader

from docgen.cli import main
from docgen.loading import TripError, load_trip
from docgen.results import apply_results, build_results, load_results, select_for_results
from tests.conftest import DEMO, pdf_text, squash

RESULTS = DEMO / "results-jincheng-cable.json"


@pytest.fixture(scope="module")
def trip():
    return load_results(load_trip(DEMO / "trip-jincheng-cable.json"), RESULTS)


@pytest.fixture(scope="module")
def built(trip, renderer, tmp_path_factory):
    out = tmp_path_factory.mktemp("results") / "out"
    entries = build_results(trip, out, renderer=renderer)
    return out, entries


def outline_titles(reader: PdfReader) -> list[str]:
    def walk(items):
        for item in items:
            if isinstance(item, list):
                yield from walk(item)
            else:
                yield item.title
    return list(walk(reader.outline))


def test_every_firm_with_a_result_gets_notice_report_receipt_and_envelope(built):
    out, entries = built
    by_firm = {}
    for e in entries:
        if e.sample_no:
            by_firm.setdefault(e.sample_no, set()).add((e.form, e.format))
    assert sorted(by_firm) == ["JC2023DX0001", "JC2023DX0002", "JC2023DX0003"]
    for files in by_firm.values():
        assert files == {("result_notice", "pdf"), ("result_notice", "docx"),
                         ("service_receipt", "pdf"), ("service_receipt", "docx"),
                         ("envelope", "pdf"), ("envelope", "docx"), ("lab_report", "pdf"),
                         ("result_packet", "pdf")}
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert {f["path"] for f in manifest["files"]} == {e.path for e in entries}


def test_the_firm_packet_is_notice_then_the_lab_report_then_the_proof_of_service(built):
    out, _ = built
    reader = PdfReader(out / "JC2023DX0002" / "JC2023DX0002-result-packet.pdf")
    report = PdfReader(DEMO / "reports" / "JCJC2023-DX-0002.pdf")
    assert outline_titles(reader) == ["产品质量监督抽查检验结果通知书", "第一份　寄送被抽样单位",
                                      "第二份　组织监督抽查部门存档",
                                      "检验报告（JCJC2023-DX-0002）", "送达回证"]
    text = [squash(p.extract_text()) for p in reader.pages]
    first_report = next(i for i, t in enumerate(text) if "检验报告" in t and "JCJC2023-DX-0002" in t
                        and "结果通知书" not in t)
    assert text[first_report:first_report + len(report.pages)] == [
        squash(p.extract_text()) for p in report.pages]
    assert "送达回证" in text[-1]
    for page in reader.pages:  # the firm's packet is all A4; the envelope prints apart
        assert round(float(page.mediabox.width)) == 595 and round(float(page.mediabox.height)) == 842


def test_the_failed_firms_values_are_all_in_its_notice(built):
    out, _ = built
    text = squash(pdf_text(out / "JC2023DX0002" / "JC2023DX0002-R1-result_notice.pdf"))
    for value in ("山西高平华通线缆股份有限公司", "JCJC2023-DX-0002", "不合格", "导体电阻",
                  "≤12.1Ω/km", "13.6Ω/km", "绝缘平均厚度", "0.52mm", "15", "晋城市市场监督管理局"):
        assert squash(value) in text, value


def test_the_batch_pdf_holds_every_packet_then_the_envelopes(built):
    out, entries = built
    reader = PdfReader(out / "results.pdf")
    packets = [e for e in entries if e.form == "result_packet"]
    envelopes = next(e for e in entries if e.path == "envelopes.pdf")
    assert len(reader.pages) == sum(e.pages for e in packets) + envelopes.pages
    top = [item.title for item in reader.outline if not isinstance(item, list)]
    assert top[:3] == ["JC2023DX0001　晋城市泽州县鑫达电缆有限公司",
                       "JC2023DX0002　山西高平华通线缆股份有限公司",
                       "JC2023DX0003　晋城市城区永兴五金电料经销部"]
    last = reader.pages[-1]
    assert round(float(last.mediabox.width)) != 595  # an envelope, not A4
    with zipfile.ZipFile(out / "results-docx.zip") as zf:
        names = zf.namelist()
    assert "JC2023DX0002/JC2023DX0002-R1-result_notice.docx" in names and len(names) == 9


def test_labels_instead_of_envelopes_give_one_a4_label_sheet(trip, renderer, tmp_path):
    entries = build_results(trip, tmp_path / "out", renderer=renderer, mailer="labels")
    forms = {(e.path, e.form) for e in entries if e.sample_no is None}
    assert ("labels.pdf", "label_sheet") in forms and ("labels.docx", "label_sheet") in forms
    assert not any(e.form == "envelope" for e in entries)
    text = squash(pdf_text(tmp_path / "out" / "labels.pdf"))
    assert "山西高平华通线缆股份有限公司" in text and "048000" in text


def test_a_sample_without_a_lab_report_or_result_is_refused_by_name(trip):
    no_report = apply_results(trip, {"JC2023DX0001": {"conclusion": "合格", "report_no": "X1",
                                                      "report_date": "2023-04-18"}},
                              source="r.json", base_dir=DEMO)
    with pytest.raises(TripError) as err:
        select_for_results(no_report, ["JC2023DX0001", "JC2023DX0004"])
    problems = {(p.record, p.field) for p in err.value.problems}
    assert problems == {("JC2023DX0001", "result.lab_report"), ("JC2023DX0004", "result.conclusion")}


def test_a_results_file_for_unknown_or_unsampled_records_lists_every_problem(trip):
    with pytest.raises(TripError) as err:
        apply_results(trip, {"NOPE": {"conclusion": "合格"},
                             "JC2023DX0005": {"conclusion": "合格", "report_no": "a",
                                              "report_date": "2023-04-01"},
                             "JC2023DX0001": {"conclusion": "不合格", "report_no": "a",
                                              "report_date": "2023-04-01"}},
                      source="r.json", base_dir=DEMO)
    found = {(p.record, p.field) for p in err.value.problems}
    assert ("NOPE", "sample_no") in found and ("JC2023DX0005", "result.conclusion") in found
    assert ("JC2023DX0001", "result.items") in found


def test_the_cli_builds_results_and_refuses_a_corrupt_lab_report(tmp_path, capsys):
    assert main(["results", str(DEMO / "trip-jincheng-cable.json"), "--results", str(RESULTS),
                 "--sample", "JC2023DX0002", "--out", str(tmp_path / "ok")]) == 0
    assert (tmp_path / "ok" / "results.pdf").is_file()
    bad = json.loads(RESULTS.read_text(encoding="utf-8"))
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "broken.pdf").write_bytes(b"%PDF-1.4 this is not a pdf")
    bad["JC2023DX0001"]["lab_report"] = "reports/broken.pdf"
    for r in bad.values():
        if r["lab_report"].startswith("reports/JC"):
            r["lab_report"] = str(DEMO / r["lab_report"])
    (tmp_path / "bad.json").write_text(json.dumps(bad, ensure_ascii=False), encoding="utf-8")
    assert main(["results", str(DEMO / "trip-jincheng-cable.json"), "--results",
                 str(tmp_path / "bad.json"), "--out", str(tmp_path / "bad")]) == 1
    err = capsys.readouterr().err
    assert "JC2023DX0001" in err and "损坏" in err
    assert not (tmp_path / "bad").exists()


def test_word_files_of_the_notice_carry_the_failed_items(built):
    from docx import Document

    out, _ = built
    doc = Document(BytesIO((out / "JC2023DX0002" / "JC2023DX0002-R1-result_notice.docx").read_bytes()))
    text = squash(" ".join(c.text for t in doc.tables for row in t.rows for c in row.cells)
                  + " ".join(p.text for p in doc.paragraphs))
    for value in ("导体电阻", "13.6Ω/km", "绝缘平均厚度", "0.52mm", "JCJC2023-DX-0002"):
        assert squash(value) in text, value
