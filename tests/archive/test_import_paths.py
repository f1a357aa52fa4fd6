"""`python -m archive import` stores no file that the import file names outside its own folder,
and its refusal says the same whether or not such a file exists."""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select

from archive.cli import main
from archive.models import Sampling
from tests.archive.test_spreadsheet import SIMPLE_HEADERS, make_xlsx, simple_row, task_cells
from tests.docgen.test_named_files import OUTSIDE, REFUSED, naming, plant


def stored(home: Path) -> tuple[int, list[Path]]:
    """(samplings in the database, files in the store) of an instance."""
    db = home / "spotcheck.db"
    count = 0
    if db.exists():
        with sqlite3.connect(db) as con:
            count = con.execute("select count(*) from samplings").fetchone()[0]
    return count, [p for p in (home / "store").rglob("*") if p.is_file()]


def run_import(monkeypatch, capsys, home: Path, path: Path, *args: str) -> tuple[int, str]:
    monkeypatch.setenv("SPOTCHECK_HOME", str(home))
    code = main(["import", str(path), *args])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.mark.parametrize("field, ext, pattern", [
    *(("photo", "jpg", p) for p in OUTSIDE),
    ("report", "pdf", "../outside.{ext}"), ("report", "pdf", "{root}/outside.{ext}"),
    ("report", "pdf", "photos/link.{ext}"), ("report", "pdf", "C:\\Windows\\outside.{ext}")])
def test_archive_import_refuses_a_file_outside_the_trip_folder_and_stores_nothing(
        tmp_path, jincheng, monkeypatch, capsys, field, ext, pattern):
    home, outputs = tmp_path / "inst", []
    for exists in (True, False):
        name = plant(tmp_path, pattern, ext, exists)
        trip = tmp_path / "trip" / "trip.json"
        trip.write_text(json.dumps(naming(jincheng, **{field: name}), ensure_ascii=False),
                        encoding="utf-8")
        code, output = run_import(monkeypatch, capsys, home, trip)
        assert code == 1 and REFUSED in output and name in output, output
        assert stored(home) == (0, [])
        outputs.append(output)
    assert outputs[0] == outputs[1]


def test_a_spreadsheet_naming_a_photo_outside_its_folder_is_refused_at_its_row_and_column(
        tmp_path, jincheng, monkeypatch, capsys):
    home, outputs = tmp_path / "inst", []
    for exists in (True, False):
        plant(tmp_path, "../outside.jpg", "jpg", exists)
        rows = [simple_row() + ["photos/site-0001.jpg|现场；../outside.jpg|外面"]]
        path = make_xlsx(tmp_path / "trip" / "rows.xlsx", SIMPLE_HEADERS + ["照片文件"], rows,
                         task=task_cells(jincheng))
        code, output = run_import(monkeypatch, capsys, home, path)
        assert code == 1 and stored(home) == (0, [])
        outputs.append(output)
    assert outputs[0] == outputs[1]
    assert f"第2行 〔照片文件〕 照片文件{REFUSED}" in outputs[0], outputs[0]


def test_a_lab_result_file_naming_a_report_outside_its_folder_finds_nothing_alike(
        tmp_path, make_archive):
    from archive.spreadsheet import SheetError
    from tests.conftest import DEMO

    archive = make_archive()
    archive.import_file(DEMO / "trip-jincheng-cable.json", actor="t")
    messages = []
    for exists in (True, False):
        name = plant(tmp_path, "../outside.pdf", "pdf", exists)
        results = tmp_path / "trip" / "results.json"
        results.write_text(json.dumps({"JC2023DX0001": {
            "conclusion": "合格", "report_no": "R-1", "report_date": "2023-04-18",
            "lab_report": name}}, ensure_ascii=False), encoding="utf-8")
        with pytest.raises(SheetError) as info:
            archive.results.import_file(results, actor="t")
        messages.append([str(p) for p in info.value.problems])
    assert messages[0] == messages[1] and "找不到报告文件 ../outside.pdf" in messages[0][0]
    with archive.session() as s:
        assert s.scalar(select(Sampling.lab_report_sha256).where(
            Sampling.sample_no == "JC2023DX0001")) is None


def test_archive_generate_stops_at_a_hand_placed_override_that_reaches_outside(
        tmp_path, make_archive, monkeypatch, capsys):
    from tests.docgen.test_word_lint import add_rel, default, with_parts
    from tests.conftest import DEMO

    archive = make_archive()
    archive.import_file(DEMO / "trip-jincheng-cable.json", actor="t")
    archive.template_override_dir.mkdir(parents=True, exist_ok=True)
    (archive.template_override_dir / "notice.docx").write_bytes(
        with_parts(default("notice"), add_rel("image", "http://tracker.example/x.png", True)))
    monkeypatch.setenv("SPOTCHECK_HOME", str(archive.config.home))
    assert main(["generate", "--sample", "JC2023DX0001", "--jobs", "1"]) == 2
    err = capsys.readouterr().err
    assert "notice.docx：模板含有指向外部的链接（http://tracker.example/x.png）" in err
    assert "Traceback" not in err
