"""`python -m archive import` stores no file that the import file names outside its own folder,
and its refusal says the same whether or not such a file exists."""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from archive.cli import main
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
