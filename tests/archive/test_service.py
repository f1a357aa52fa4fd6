"""The archive end to end: import, generate, versions, verify, export, resuming after a kill."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from archive.models import AuditEntry, Blob, Document, Firm, Photo, Sampling
from archive.numbers import next_value
from archive.service import ArchiveError
from docgen.loading import TripError
from docgen.packets import BY_OUTCOME
from tests.conftest import DEMO, pdf_text

REPO = Path(__file__).resolve().parents[2]


def count(archive, model) -> int:
    with archive.session() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_import_stores_records_and_original_photos_byte_for_byte(archive):
    report = archive.import_file(DEMO / "trip-jincheng-cable.json", actor="测试员")
    assert len(report.created) == 6 and report.photos == 4
    with archive.session() as s:
        photo = s.scalars(select(Photo).join(Sampling).where(
            Sampling.sample_no == "JC2023DX0001").order_by(Photo.position)).first()
        original = (DEMO / "photos" / "site-0001.jpg").read_bytes()
        assert photo.original_sha256 == hashlib.sha256(original).hexdigest()
        assert archive.store.read(photo.original_sha256) == original
        assert photo.print_sha256 != photo.original_sha256  # an upright print copy beside it
        assert s.scalar(select(func.count()).select_from(Firm)) == 7  # 6 firms + 1 named maker


def test_reimporting_the_same_file_changes_nothing_and_never_duplicates(archive):
    archive.import_file(DEMO / "trip-jincheng-cable.json", actor="a")
    again = archive.import_file(DEMO / "trip-jincheng-cable.json", actor="a")
    assert again.created == [] and again.updated == [] and len(again.unchanged) == 6
    assert count(archive, Sampling) == 6 and count(archive, Firm) == 7 and count(archive, Photo) == 4


def test_a_bad_file_imports_nothing(archive, jincheng, write_trip):
    jincheng["samplings"][3]["enterprise"]["credit_code"] = "91140522MA0LXY5C9X"
    with pytest.raises(TripError):
        archive.import_file(write_trip(jincheng), actor="a")
    assert count(archive, Sampling) == 0 and count(archive, Firm) == 0


def test_generate_archives_every_form_and_regenerating_adds_a_version(archive):
    archive.import_file(DEMO / "trip-jincheng-cable.json", actor="a")
    report = archive.generate(task_code="JC2023-01-DX", actor="王建国")
    assert report.firms == 6 and not report.resumed
    with archive.session() as s:
        forms = s.scalars(select(Document.form).join(Sampling).where(
            Sampling.sample_no == "JC2023DX0005", Document.format == "pdf")).all()
        assert sorted(forms) == sorted(BY_OUTCOME["refused"] + ("packet",))
        notice = s.scalars(select(Document).join(Sampling).where(
            Sampling.sample_no == "JC2023DX0002", Document.form == "notice",
            Document.format == "pdf")).one()
        old_sha = notice.sha256
        assert notice.created_by == "王建国" and notice.doc_no.startswith("WS2023")
        assert "晋市市监抽〔2023〕" in pdf_text(archive.store.read(notice.sha256))
    again = archive.generate(sample_no="JC2023DX0002", actor="李晓梅")
    assert again.documents == 0 and again.unchanged == 14  # the same bytes: no new version
    with archive.session() as s:  # what a recorded correction does to the record
        s.scalars(select(Sampling).where(Sampling.sample_no == "JC2023DX0002")).one().place = "二号库"
    changed = archive.generate(sample_no="JC2023DX0002", actor="李晓梅")
    assert 0 < changed.documents < 14 and changed.unchanged > 0
    with archive.session() as s:
        versions = s.scalars(select(Document).join(Sampling).where(
            Sampling.sample_no == "JC2023DX0002", Document.form == "notice",
            Document.format == "docx").order_by(Document.version)).all()
        assert [v.version for v in versions] == [1]  # the notice does not print the place
        slips = s.scalars(select(Document).join(Sampling).where(
            Sampling.sample_no == "JC2023DX0002", Document.form == "sampling_slip",
            Document.format == "pdf").order_by(Document.version)).all()
        assert [v.version for v in slips] == [1, 2]
        assert slips[1].supersedes_id == slips[0].id
        assert archive.store.exists(old_sha) and archive.store.exists(slips[0].sha256)
        assert "二号库" in pdf_text(archive.store.read(slips[1].sha256))
        assert "二号库" not in pdf_text(archive.store.read(slips[0].sha256))
        assert s.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "generate")) == 3


def test_pre_trip_records_generate_only_blank_documents(archive):
    archive.import_file(DEMO / "trip-qingpu-blank.json", actor="a")
    with pytest.raises(ArchiveError, match="只能生成抽样前的空白文书"):
        archive.generate(task_code="QP2024-Q2-JS", actor="a")
    report = archive.generate(task_code="QP2024-Q2-JS", blank=True, actor="a")
    assert report.firms == 3


@pytest.fixture
def generated(archive):
    archive.import_file(DEMO / "trip-jincheng-cable.json", actor="a")
    archive.generate(task_code="JC2023-01-DX", actor="a")
    assert archive.verify(actor="a").ok
    return archive


def _some_document(archive, form="notice") -> Document:
    with archive.session() as s:
        doc = s.scalars(select(Document).where(Document.form == form,
                                               Document.format == "pdf")).first()
        doc.sample_no = doc.sampling.sample_no
        return doc


def test_verify_reports_an_altered_file(generated):
    doc = _some_document(generated)
    path = generated.store.path(doc.sha256)
    os.chmod(path, 0o644)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    report = generated.verify(actor="a")
    assert [f.sha256 for f in report.of("altered")] == [doc.sha256]
    assert doc.doc_no in report.of("altered")[0].used_by and not report.ok


def test_verify_reports_a_missing_and_a_stray_file(generated):
    doc = _some_document(generated, "feedback")
    generated.store.path(doc.sha256).unlink()
    stray = generated.store.root / "ab" / "stray.pdf"
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"%PDF-1.4 not ours")
    report = generated.verify(actor="a")
    assert [f.sha256 for f in report.of("missing")] == [doc.sha256]
    assert [f.path for f in report.of("orphaned")] == ["ab/stray.pdf"]
    assert report.to_json()["ok"] is False


def test_verify_cli_prints_a_table_and_exits_non_zero(generated, monkeypatch, capsys):
    from archive.cli import main

    doc = _some_document(generated)
    generated.store.path(doc.sha256).unlink()
    monkeypatch.setenv("SPOTCHECK_HOME", str(generated.config.home))
    assert main(["verify"]) == 1
    out = capsys.readouterr().out
    assert "缺失" in out and doc.doc_no in out
    assert main(["verify", "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["missing"][0]["sha256"] == doc.sha256


def test_export_writes_a_dossier_that_sha256sum_accepts(generated, tmp_path):
    report = generated.export(out=tmp_path / "d.zip", actor="a", credit_code="91140525MA0H2K7B2W")
    with zipfile.ZipFile(report.path) as zf:
        names = zf.namelist()
        assert "SHA256SUMS" in names and "manifest.json" in names
        assert any(n.endswith("photos/01-original-site-0001.jpg") for n in names)
        zf.extractall(tmp_path / "x")
    if shutil.which("sha256sum"):
        done = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=tmp_path / "x",
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
    assert report.photos == 2 and report.documents == 14


def test_export_refuses_an_altered_file(generated, tmp_path):
    doc = _some_document(generated)
    path = generated.store.path(doc.sha256)
    os.chmod(path, 0o644)
    path.write_bytes(b"tampered")
    with pytest.raises(ArchiveError, match="改动"):
        generated.export(out=tmp_path / "d.zip", actor="a", sample_no=doc.sample_no)
    assert not (tmp_path / "d.zip").exists()


def test_an_interrupted_generate_is_consistent_and_a_rerun_completes_it(archive, monkeypatch):
    archive.import_file(DEMO / "trip-jincheng-cable.json", actor="a")
    real = archive._archive_firm
    calls = []

    def crash_on_fourth(*args, **kwargs):
        calls.append(1)
        if len(calls) == 4:
            raise KeyboardInterrupt  # as if the process were stopped here
        return real(*args, **kwargs)

    monkeypatch.setattr(archive, "_archive_firm", crash_on_fourth)
    with pytest.raises(KeyboardInterrupt):
        archive.generate(task_code="JC2023-01-DX", actor="a")
    monkeypatch.setattr(archive, "_archive_firm", real)
    assert archive.verify(actor="a").ok
    report = archive.generate(task_code="JC2023-01-DX", actor="a")
    assert report.resumed and report.skipped == 3 and report.firms == 3
    with archive.session() as s:
        assert s.scalar(select(func.max(Document.version))) == 1
        assert s.scalar(select(func.count(func.distinct(Document.sampling_id)))) == 6
        assert s.scalar(select(func.count()).select_from(Blob).where(Blob.state != "stored")) == 0
    assert archive.verify(actor="a").ok


def test_killing_the_generate_process_leaves_a_consistent_archive(tmp_path):
    """A real SIGKILL in the middle of a trip: verify is clean and the rerun finishes."""
    from bench.synthetic import make_trip

    trip = make_trip(24, tmp_path / "trip", photos=False)
    env = {**os.environ, "SPOTCHECK_HOME": str(tmp_path / "inst"), "PYTHONPATH": str(REPO)}
    run = lambda *a, **kw: subprocess.run([sys.executable, "-m", "archive", *a], cwd=REPO,  # noqa
                                          env=env, capture_output=True, text=True, **kw)
    assert run("import", str(trip)).returncode == 0
    proc = subprocess.Popen([sys.executable, "-m", "archive", "generate", "--trip",
                             "JC2023-01-DX", "--jobs", "1"], cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import sqlite3
    db = tmp_path / "inst" / "spotcheck.db"
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            with sqlite3.connect(db) as conn:
                firms = conn.execute("select count(distinct sampling_id) from documents").fetchone()[0]
        except sqlite3.Error:
            firms = 0
        if firms >= 3:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    verify = run("verify")
    assert verify.returncode == 0, verify.stdout + verify.stderr
    rerun = run("generate", "--trip", "JC2023-01-DX", "--jobs", "1")
    assert rerun.returncode == 0 and "续做" in rerun.stdout, rerun.stdout + rerun.stderr
    with sqlite3.connect(db) as conn:
        assert conn.execute("select count(distinct sampling_id) from documents").fetchone()[0] == 24
        assert conn.execute("select max(version) from documents").fetchone()[0] == 1
    assert run("verify").returncode == 0


def test_numbers_stay_unique_under_concurrent_writers(archive):
    archive.counts()  # create the database
    got: list[int] = []
    lock = threading.Lock()

    def worker():
        for _ in range(15):
            with archive.session() as s:
                n = next_value(s, "test:concurrent")
            with lock:
                got.append(n)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(got) == list(range(1, 121))


def test_the_database_is_created_by_the_migrations(archive):
    archive.counts()
    from sqlalchemy import inspect
    from archive.db import get_engine
    tables = set(inspect(get_engine(archive.config.database_url)).get_table_names())
    assert {"alembic_version", "samplings", "documents", "blobs", "audit_log", "firms"} <= tables


def test_a_workbook_imports_and_the_same_records_in_json_change_nothing(archive, tmp_path,
                                                                           jincheng):
    from tests.archive.test_spreadsheet import copy_photos, template_workbook

    copy_photos(tmp_path)
    book = template_workbook(tmp_path / "plan.xlsx", jincheng)
    report = archive.import_file(book, actor="a")
    assert len(report.created) == 6
    again = archive.import_file(DEMO / "trip-jincheng-cable.json", actor="a")
    assert len(again.unchanged) == 6 and count(archive, Sampling) == 6


def test_a_bad_workbook_row_is_reported_by_row_and_column_and_nothing_is_imported(
        archive, tmp_path, jincheng):
    from archive.spreadsheet import SheetError
    from tests.archive.test_spreadsheet import copy_photos, template_workbook

    jincheng["samplings"][1]["enterprise"]["credit_code"] = "91140581731915466X"
    copy_photos(tmp_path)
    book = template_workbook(tmp_path / "plan.xlsx", jincheng)
    with pytest.raises(SheetError) as err:
        archive.import_file(book, actor="a")
    assert any(p.column == "统一社会信用代码" and p.row is not None for p in err.value.problems)
    assert count(archive, Sampling) == 0


@pytest.mark.parametrize("text, expected", [
    ("晋城", {"JC2023DX0001", "JC2023DX0003"}),
    ("城", {"JC2023DX0001", "JC2023DX0003", "JC2023DX0004"}),  # 阳城县 too
    ("泽州县鑫达", {"JC2023DX0001"}),
    ("91140581731915466D", {"JC2023DX0002"}),
    ("9114058173", {"JC2023DX0002"}),
    ("HT-2302-117", {"JC2023DX0002"}),
    ("hT-2302", {"JC2023DX0002"}),
    ("JC2023DX000", {f"JC2023DX000{i}" for i in range(1, 7)}),
    ("宁晋县恒远", {"JC2023DX0003"}),  # the named producer of a seller's product
])
def test_search_finds_exactly_the_expected_samplings(generated, text, expected):
    result = generated.search(text, pagesize=50)
    assert {g.sample_no for g in result.groups} == expected


def test_search_filters_by_form_and_date(generated):
    from datetime import date

    result = generated.search("晋城", form="notice", pagesize=50)
    assert {h.form for h in result.hits} == {"notice"}
    result = generated.search("", date_from=date(2023, 3, 17), date_to=date(2023, 3, 17),
                              pagesize=50)
    assert {g.sample_no for g in result.groups} == {"JC2023DX0005", "JC2023DX0006"}


def test_a_deleted_index_is_rebuilt_from_the_database(generated):
    shutil.rmtree(generated.config.index_dir)
    fresh = type(generated)(generated.config, renderer=generated.renderer)
    assert {g.sample_no for g in fresh.search("91140525MA0H2K7B2W").groups} == {"JC2023DX0001"}


def test_concurrent_first_use_of_a_database_migrates_once(tmp_path):
    """Many web requests may be the first to touch a fresh database at the same moment."""
    from archive.db import session_scope

    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    errors = []

    def first_use():
        try:
            with session_scope(url) as s:
                s.scalar(select(func.count()).select_from(Sampling))
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=first_use) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_an_index_found_damaged_during_a_search_is_rebuilt_and_searched_again(generated,
                                                                              monkeypatch):
    index = generated.index
    real = index.search
    calls = []

    def damaged_once(text, **filters):
        calls.append(text)
        if len(calls) == 1:  # what SearchIndex returns when it finds its files unreadable
            from search.results import SearchResult
            return SearchResult(0, 0, 1, 20, [], needs_rebuild=True)
        return real(text, **filters)

    monkeypatch.setattr(index, "search", damaged_once)
    rebuilt = []
    monkeypatch.setattr(generated, "reindex", lambda: rebuilt.append(1))
    assert {g.sample_no for g in generated.search("鑫达").groups} == {"JC2023DX0001"}
    assert rebuilt == [1] and len(calls) == 2
