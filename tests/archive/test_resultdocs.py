"""Result packets and result lists archived: documents, versions, batch files, integrity."""
from __future__ import annotations

import subprocess
import sys
import zipfile
from io import BytesIO
from pathlib import Path

import pytest
from docx import Document as Docx
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from archive.models import Document, Sampling
from archive.resultdocs import ResultDocsError
from tests.conftest import DEMO, squash

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def with_results(archive):
    archive.import_file(DEMO / "trip-jincheng-cable.json", actor="测试员")
    archive.results.import_file(DEMO / "results-jincheng-cable.json", actor="测试员")
    return archive


def docs(archive, **where) -> list[Document]:
    with archive.session() as s:
        q = select(Document).order_by(Document.id)
        for k, v in where.items():
            q = q.where(getattr(Document, k) == v if v is not None else getattr(Document, k).is_(None))
        return list(s.scalars(q))


def test_result_packets_are_archived_per_firm_and_per_batch(with_results):
    run = with_results.result_docs.generate(task_code="JC2023-01-DX", actor="寄件员")
    assert run.firms == ["JC2023DX0001", "JC2023DX0002", "JC2023DX0003"]
    with with_results.session() as s:
        fail_id = s.scalars(select(Sampling.id).where(Sampling.sample_no == "JC2023DX0002")).one()
    per_firm = {(d.form, d.format) for d in docs(with_results, sampling_id=fail_id)}
    assert per_firm == {("result_notice", "pdf"), ("result_notice", "docx"),
                        ("service_receipt", "pdf"), ("service_receipt", "docx"),
                        ("envelope", "pdf"), ("envelope", "docx"), ("result_packet", "pdf")}
    batch = docs(with_results, sampling_id=None)
    assert [(d.form, d.format) for d in batch] == [("result_batch", "pdf"), ("result_docx_zip", "zip")]
    assert [d.id for d in batch] == run.batch
    _, data = with_results.document(batch[1].id)
    with zipfile.ZipFile(BytesIO(data)) as zf:
        assert "JC2023DX0002/JC2023DX0002-R1-result_notice.docx" in zf.namelist()
    _, data = with_results.document(batch[0].id)
    text = squash(" ".join(p.extract_text() for p in PdfReader(BytesIO(data)).pages))
    for value in ("JCJC2023-DX-0001", "导体电阻", "13.6Ω/km", "晋城市城区永兴五金电料经销部"):
        assert squash(value) in text


def test_regenerating_adds_versions_and_labels_replace_envelopes_in_the_batch(with_results):
    r = with_results.result_docs
    r.generate(sample_nos=["JC2023DX0002"], actor="寄件员")
    r.generate(sample_nos=["JC2023DX0002"], mailer="labels", actor="寄件员")
    notices = [d for d in docs(with_results, form="result_notice", format="pdf")]
    assert [d.version for d in notices] == [1, 2] and notices[1].supersedes_id == notices[0].id
    forms = [(d.form, d.format, d.version) for d in docs(with_results, sampling_id=None)]
    assert ("result_batch", "pdf", 2) in forms and ("label_sheet", "pdf", 1) in forms
    assert with_results.verify(actor="测试员").ok


def test_a_sample_without_a_result_or_report_is_refused_and_nothing_is_stored(with_results):
    with pytest.raises(ResultDocsError) as err:
        with_results.result_docs.generate(sample_nos=["JC2023DX0002", "JC2023DX0004", "NOPE"],
                                          actor="寄件员")
    assert {p.record for p in err.value.problems} == {"NOPE"}
    with pytest.raises(ResultDocsError) as err:
        with_results.result_docs.generate(sample_nos=["JC2023DX0002", "JC2023DX0004"], actor="寄件员")
    assert [(p.record, p.field) for p in err.value.problems] == [("JC2023DX0004", "result.conclusion")]
    assert not docs(with_results, form="result_notice")


def test_lists_are_archived_in_three_formats_and_match_the_results_row_for_row(with_results):
    ids = with_results.result_docs.generate_lists("JC2023-01-DX", actor="测试员")
    assert len(ids) == 12
    latest = {(d.form, d.format): d for d in with_results.result_docs.task_documents("JC2023-01-DX")}
    _, xlsx = with_results.document(latest[("fail_list", "xlsx")].id)
    values = [[c for c in row if c is not None]
              for row in load_workbook(BytesIO(xlsx)).active.iter_rows(values_only=True)]
    rows = [r for r in values if r and r[0] == 1]
    assert len(rows) == 1 and "山西高平华通线缆股份有限公司" in rows[0]
    assert any("导体电阻" in str(c) and "绝缘平均厚度" in str(c) for c in rows[0])
    _, docx = with_results.document(latest[("pass_list", "docx")].id)
    table = Docx(BytesIO(docx)).tables[0]
    firms = [row.cells[5].text for row in table.rows[1:]]
    assert firms == ["晋城市泽州县鑫达电缆有限公司", "晋城市城区永兴五金电料经销部"]
    _, pdf = with_results.document(latest[("summary", "pdf")].id)
    text = squash(" ".join(p.extract_text() for p in PdfReader(BytesIO(pdf)).pages))
    assert "合格2批次" in text and "不合格1批次" in text


def test_a_dossier_holds_the_lab_report_and_the_mailing_record(with_results, tmp_path):
    with_results.mailings.record_ems("JC2023DX0002", "1123456789012", actor="寄件员")
    out = tmp_path / "d.zip"
    with_results.export(out=out, actor="测试员", sample_no="JC2023DX0002")
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
        assert "JC2023DX0002/lab-report-JCJC2023-DX-0002.pdf" in names
        assert zf.read("JC2023DX0002/lab-report-JCJC2023-DX-0002.pdf") == \
            (DEMO / "reports" / "JCJC2023-DX-0002.pdf").read_bytes()
        assert "1123456789012" in zf.read("manifest.json").decode()


def test_the_cli_enters_results_mails_and_shows_the_board(tmp_path):
    env = {"SPOTCHECK_HOME": str(tmp_path / "inst"), "SPOTCHECK_ACTOR": "寄件员",
           "PATH": "/usr/bin:/bin"}

    def run(*args):
        return subprocess.run([sys.executable, "-m", "archive", *args], cwd=REPO, env=env,
                              capture_output=True, text=True)

    assert run("import", str(DEMO / "trip-jincheng-cable.json")).returncode == 0
    r = run("results", "enter", "JC2023DX0002", "--conclusion", "不合格", "--report-no", "R-2",
            "--report-date", "2023-04-20", "--item", "导体电阻|≤12.1 Ω/km|13.6 Ω/km",
            "--report", str(DEMO / "reports" / "JCJC2023-DX-0002.pdf"))
    assert r.returncode == 0, r.stderr
    bad = run("mail", "ems", "JC2023DX0002", "EA123456780CN", "--posted", "2023-04-21")
    assert bad.returncode == 1 and "校验位错误" in bad.stderr
    assert run("mail", "ems", "JC2023DX0002", "EA123456785CN", "--posted", "2023-04-21").returncode == 0
    dup = run("mail", "ems", "JC2023DX0001", "EA123456785CN")
    assert dup.returncode == 1
    ok = run("mail", "signed", "EA123456785CN", "--date", "2023-04-24", "--by", "李四")
    assert ok.returncode == 0 and "异议期至 2023-05-09" in ok.stdout
    board = run("mail", "board", "--trip", "JC2023-01-DX", "--today", "2023-05-01")
    assert "【异议期内】1 件" in board.stdout and "剩 8 天" in board.stdout
    out = tmp_path / "list.xlsx"
    assert run("mail", "list", "--trip", "JC2023-01-DX", "--out", str(out), "--all").returncode == 0
    assert load_workbook(out).active.max_row > 3
    gen = run("results", "generate", "--sample", "JC2023DX0002", "--out", str(tmp_path / "print"))
    assert gen.returncode == 0, gen.stderr
    assert (tmp_path / "print" / "results.pdf").is_file()
