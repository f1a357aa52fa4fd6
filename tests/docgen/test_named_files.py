"""Files named by a trip file (photos, lab reports) must lie in the trip file's folder: an
absolute path, a drive letter, a `..` step or a symlink leading out is refused before the file
is looked at, with the same message whether or not it exists."""
from __future__ import annotations

import copy
from pathlib import Path

import pytest

from docgen.cli import main
from docgen.labreports import inspect_report
from docgen.loading import TripError, file_in_folder, load_trip, parse_trip
from docgen.photos import inspect_photo
from tests.conftest import DEMO

REFUSED = "须位于导入文件所在的文件夹内"
# Each name reaches a file outside the trip's folder (or, for the drive letters, a file that
# would be inside on Linux if the drive letter were taken for a folder name).
OUTSIDE = ["{root}/outside.{ext}", "../outside.{ext}", "photos/../../outside.{ext}",
           "..\\outside.{ext}", "photos/link.{ext}", "C:\\Windows\\outside.{ext}",
           "C:/Windows/outside.{ext}", "c:outside.{ext}"]
CONTENT = {"jpg": (DEMO / "photos" / "site-0001.jpg").read_bytes(),
           "pdf": (DEMO / "reports" / "JCJC2023-DX-0001.pdf").read_bytes()}


def plant(root: Path, pattern: str, ext: str, exists: bool) -> str:
    """Lay out root/trip/ (the import file's folder, with a real photos/ folder) and the file
    the name reaches, present or not; return the name as the import file writes it."""
    folder = root / "trip"
    (folder / "photos").mkdir(parents=True, exist_ok=True)
    for p in (DEMO / "photos").iterdir():
        (folder / "photos" / p.name).write_bytes(p.read_bytes())
    name = pattern.format(root=root, ext=ext)
    if pattern.startswith(("C:", "c:")):
        target = folder.joinpath(*name.replace("\\", "/").split("/"))
    else:
        target = root / f"outside.{ext}"
    link = folder / "photos" / f"link.{ext}"
    if not link.is_symlink():
        link.symlink_to(root / f"outside.{ext}")
    if exists:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(CONTENT[ext])
    elif target.exists():
        target.unlink()
    return name


def naming(trip: dict, photo: str | None = None, report: str | None = None) -> dict:
    """The trip with its first sampling's first photo, or its lab report, named so."""
    trip = copy.deepcopy(trip)
    first = trip["samplings"][0]
    if photo is not None:
        first["photos"][0]["file"] = photo
    if report is not None:
        first["result"] = {"conclusion": "合格", "report_no": "JCJC2023-DX-0001",
                           "report_date": "2023-04-18", "lab_report": report}
    return trip


def problems_of(trip: dict, folder: Path) -> list[str]:
    with pytest.raises(TripError) as info:
        parse_trip(trip, trip_dir=folder, check_photo=inspect_photo, check_report=inspect_report)
    return [str(p) for p in info.value.problems]


@pytest.mark.parametrize("pattern", OUTSIDE)
@pytest.mark.parametrize("field, ext", [("photo", "jpg"), ("report", "pdf")])
def test_a_file_outside_the_trip_folder_is_refused_alike_whether_or_not_it_exists(
        tmp_path, jincheng, pattern, field, ext):
    messages = []
    for exists in (True, False):
        name = plant(tmp_path, pattern, ext, exists)
        problems = problems_of(naming(jincheng, **{field: name}), tmp_path / "trip")
        assert len(problems) == 1 and REFUSED in problems[0] and name in problems[0], problems
        messages.append(problems)
    assert messages[0] == messages[1]
    assert ("照片文件（第1项）" if field == "photo" else "检验报告文件") in messages[0][0]


def test_etc_passwd_is_refused_without_being_read(tmp_path, jincheng):
    plant(tmp_path, "../outside.jpg", "jpg", exists=False)
    problems = problems_of(naming(jincheng, photo="/etc/passwd"), tmp_path / "trip")
    assert problems == [f"JC2023DX0001　照片文件（第1项）：照片文件{REFUSED}（不能用绝对路径、盘符或“..”）："
                        "/etc/passwd"]


@pytest.mark.parametrize("name", ["photos/site-0001.jpg", "photos\\site-0001.jpg",
                                  "./photos/site-0001.jpg", "photos//site-0001.jpg",
                                  "photos/inner-link.jpg"])
def test_a_file_inside_the_folder_is_accepted_by_either_slash_or_a_link_within(tmp_path, name):
    plant(tmp_path, "../outside.jpg", "jpg", exists=False)
    folder = tmp_path / "trip"
    (folder / "photos" / "inner-link.jpg").symlink_to(folder / "photos" / "site-0002.jpg")
    found = file_in_folder(folder, name)
    assert found is not None and found.is_file()
    inspect_photo(found)


def test_a_photo_missing_inside_the_folder_is_still_reported_as_missing(tmp_path, jincheng):
    plant(tmp_path, "../outside.jpg", "jpg", exists=False)
    problems = problems_of(naming(jincheng, photo="photos/none.jpg"), tmp_path / "trip")
    assert len(problems) == 1 and REFUSED not in problems[0] and "不存在" in problems[0]


@pytest.mark.parametrize("pattern", ["{root}/outside.{ext}", "../outside.{ext}",
                                     "photos/link.{ext}", "C:\\Windows\\outside.{ext}"])
def test_docgen_packet_refuses_the_trip_and_writes_nothing(tmp_path, jincheng, capsys, pattern):
    import json

    outputs = []
    for exists in (True, False):
        name = plant(tmp_path, pattern, "jpg", exists)
        trip = tmp_path / "trip" / "trip.json"
        trip.write_text(json.dumps(naming(jincheng, photo=name), ensure_ascii=False),
                        encoding="utf-8")
        out = tmp_path / "out"
        assert main(["packet", str(trip), "--out", str(out), "--jobs", "1"]) == 1
        assert not out.exists()
        captured = capsys.readouterr()
        outputs.append(captured.out + captured.err)
    assert REFUSED in outputs[0] and name in outputs[0]
    assert outputs[0] == outputs[1]


def test_docgen_results_refuses_a_lab_report_outside_the_results_folder(tmp_path, jincheng):
    import json

    from docgen.results import load_results

    name = plant(tmp_path, "../outside.pdf", "pdf", exists=True)
    (tmp_path / "trip" / "trip.json").write_text(json.dumps(jincheng, ensure_ascii=False),
                                                 encoding="utf-8")
    results = tmp_path / "trip" / "results.json"
    results.write_text(json.dumps({"JC2023DX0001": {
        "conclusion": "合格", "report_no": "R-1", "report_date": "2023-04-18",
        "lab_report": name}}, ensure_ascii=False), encoding="utf-8")
    trip = load_trip(tmp_path / "trip" / "trip.json")
    with pytest.raises(TripError) as info:
        load_results(trip, results, check_report=inspect_report)
    assert [p.field for p in info.value.problems] == ["result.lab_report"]
    assert REFUSED in info.value.problems[0].message
