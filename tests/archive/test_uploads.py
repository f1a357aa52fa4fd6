"""An uploaded ZIP is judged on what it declares before anything is written, and only the trip
file (or sheet) and the files it names are unpacked, each against the size it declared."""
from __future__ import annotations

import io
import json
import struct
import time
import warnings
import zipfile
from pathlib import Path

import pytest

from archive.spreadsheet import SheetError
from archive.uploads import MAX_MEMBERS, ZipRefused, unpack_trip_zip
from docgen.loading import TripError
from docgen.settings import Settings
from tests.archive.test_spreadsheet import SIMPLE_HEADERS, make_xlsx, simple_row, task_cells
from tests.conftest import DEMO

PHOTOS = {p.name: p.read_bytes() for p in (DEMO / "photos").iterdir()}


def build(members: dict[str, bytes | str], method=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names are written on purpose
        with zipfile.ZipFile(buf, "w", method) as zf:
            for name, data in members.items():
                if isinstance(name, zipfile.ZipInfo):
                    zf.writestr(name, data)
                else:
                    zf.writestr(name.split("#")[0], data)  # name#2: the same name again
    return buf.getvalue()


def trip_zip(trip: dict, prefix: str = "", extra: dict | None = None) -> bytes:
    """The trip file and the demo photos (under `prefix`), plus any other members."""
    members = {f"{prefix}trip.json": json.dumps(trip, ensure_ascii=False)}
    members |= {f"{prefix}photos/{n}": d for n, d in PHOTOS.items()}
    return build(members | (extra or {}))


def listing(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


def refused(data: bytes, folder: Path, settings: Settings = Settings()) -> str:
    with pytest.raises(ZipRefused) as info:
        unpack_trip_zip(data, folder, settings)
    assert listing(folder) == []  # nothing written, or everything written removed
    return str(info.value)


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """A trip file and a 100 MB member of zeros (about 100 KB compressed)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("trip.json", "{}")
        with zf.open("photos/site-0001.jpg", "w") as out:
            for _ in range(100):
                out.write(bytes(1024 * 1024))
    return buf.getvalue()


def test_a_zip_bomb_is_refused_before_anything_is_unpacked_and_fast(bomb, tmp_path):
    started = time.perf_counter()
    message = refused(bomb, tmp_path)
    assert time.perf_counter() - started < 0.5
    assert message.startswith("ZIP 文件压缩比异常（photos/site-0001.jpg 解压后 100 MB")


def test_the_sum_of_declared_sizes_is_held_to_zip_max_bytes(jincheng, tmp_path):
    data = trip_zip(jincheng)
    message = refused(data, tmp_path, Settings(zip_max_bytes=100_000))
    assert message.startswith("ZIP 文件过大（解压后共 ") and "上限 98 KB" in message


def test_too_many_members_are_refused_from_the_end_record_alone(tmp_path):
    data = build({"trip.json": "{}", **{f"photos/{i}.jpg": b"" for i in range(MAX_MEMBERS)}})
    assert refused(data, tmp_path).startswith("ZIP 文件中的文件过多")


def test_small_members_that_compress_well_are_not_taken_for_bombs(jincheng, tmp_path):
    trip = dict(jincheng, padding=" " * 500_000)  # 500 KB of blanks: far over 200:1
    path = unpack_trip_zip(trip_zip(trip), tmp_path, Settings())
    assert path == tmp_path / "trip.json"


def _patch_sizes(data: bytes, name: str, size: int) -> bytes:
    """The ZIP with `name`'s uncompressed size rewritten in its local and central headers."""
    out = bytearray(data)
    encoded = name.encode()
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (at := out.find(signature, start)) >= 0:
            name_at = at + (30 if signature == b"PK\x03\x04" else 46)
            if out[name_at:name_at + len(encoded)] == encoded:
                out[at + offset:at + offset + 4] = struct.pack("<I", size)
            start = at + 4
    return bytes(out)


def test_a_member_larger_than_its_declared_size_is_refused_and_removed(jincheng, tmp_path):
    jincheng["samplings"][0]["photos"][0]["file"] = "photos/big.jpg"
    data = trip_zip(jincheng, extra={"photos/big.jpg": bytes(20 * 1024 * 1024)})
    # declared 1000 bytes: the ratio looks harmless, the total too; the data is 20 MB
    data = _patch_sizes(data, "photos/big.jpg", 1000)
    assert zipfile.ZipFile(io.BytesIO(data)).getinfo("photos/big.jpg").file_size == 1000
    assert refused(data, tmp_path) == "ZIP 文件损坏（CRC 校验失败）：photos/big.jpg"


def test_the_byte_budget_holds_even_when_the_reader_yields_more_than_declared(
        jincheng, tmp_path, monkeypatch):
    """Python's zipfile stops at the declared size; the budget does not rely on it."""
    data = trip_zip(jincheng)
    real_open = zipfile.ZipFile.open

    def generous_open(self, info, *args, **kwargs):
        if getattr(info, "filename", info) != "photos/site-0001.jpg":
            return real_open(self, info, *args, **kwargs)
        return io.BytesIO(PHOTOS["site-0001.jpg"] + bytes(10 * 1024 * 1024))

    monkeypatch.setattr(zipfile.ZipFile, "open", generous_open)
    assert refused(data, tmp_path) == "ZIP 文件损坏（photos/site-0001.jpg 的实际大小超过记录的大小）"


def test_a_bad_crc_in_a_member_that_is_unpacked_is_refused(jincheng, tmp_path):
    photo = PHOTOS["site-0001.jpg"]
    members = {"trip.json": json.dumps(jincheng, ensure_ascii=False),
               **{f"photos/{n}": d for n, d in PHOTOS.items()}}
    data = bytearray(build(members, zipfile.ZIP_STORED))
    at = data.find(photo) + len(photo) // 2
    data[at] ^= 0xFF
    assert refused(bytes(data), tmp_path) == "ZIP 文件损坏（CRC 校验失败）：photos/site-0001.jpg"


@pytest.mark.parametrize("data", [b"", b"not a zip", b"PK\x03\x04 broken",
                                  b"PK\x05\x06" + bytes(18)])
def test_a_file_that_is_not_a_zip_is_refused(data, tmp_path):
    assert refused(data, tmp_path) in ("不是有效的 ZIP 文件",
                                       "ZIP 中应恰有一个行程文件（.json）或抽样记录表（.xlsx/.csv）")


def _symlink(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.create_system = 3  # Unix
    info.external_attr = (0o120777 << 16)
    return info


@pytest.mark.parametrize("member, message", [
    ("/etc/cron.d/evil", "ZIP 中的路径不安全：/etc/cron.d/evil"),
    ("../../evil.json", "ZIP 中的路径不安全：../../evil.json"),
    ("photos/../../evil.jpg", "ZIP 中的路径不安全：photos/../../evil.jpg"),
    ("photos\\..\\..\\evil.jpg", "ZIP 中的路径不安全：photos\\..\\..\\evil.jpg"),
    ("C:/Windows/evil.jpg", "ZIP 中的路径不安全：C:/Windows/evil.jpg"),
    ("photos/a.jpg:stream", "ZIP 中的路径不安全：photos/a.jpg:stream"),
    ("photos//a.jpg", "ZIP 中的路径不安全：photos//a.jpg"),
    ("photos/\x01.jpg", "ZIP 中的路径不安全：photos/\x01.jpg"),
    (_symlink("photos/link.jpg"), "ZIP 中含有符号链接，不能导入：photos/link.jpg"),
    ("PHOTOS/Site-0001.JPG", "ZIP 中有重名的文件（不区分大小写）：photos/site-0001.jpg、PHOTOS/Site-0001.JPG"),
    ("photos/site-0001.jpg#2", "ZIP 中有重名的文件（不区分大小写）：photos/site-0001.jpg、photos/site-0001.jpg"),
    ("photos/" + "长" * 90 + ".jpg", "ZIP 中的文件名过长：photos/" + "长" * 33 + "…"),
    ("a/" * 100 + "x.jpg", "ZIP 中的文件名过长：" + "a/" * 20 + "…"),
])
def test_unsafe_member_names_refuse_the_whole_zip_before_anything_is_written(
        jincheng, tmp_path, member, message):
    link = isinstance(member, zipfile.ZipInfo)
    data = trip_zip(jincheng, extra={member: b"/etc/passwd" if link else PHOTOS["site-0001.jpg"]})
    assert refused(data, tmp_path) == message


def test_an_encrypted_member_is_refused(jincheng, tmp_path):
    data = bytearray(trip_zip(jincheng))
    at = data.find(b"PK\x01\x02")
    data[at + 8] |= 0x1  # the central directory's flag bits: encrypted
    assert refused(bytes(data), tmp_path).startswith("ZIP 文件已加密")


def test_only_the_trip_file_and_the_files_it_names_are_unpacked(jincheng, tmp_path):
    data = trip_zip(jincheng, extra={"notes/secret.txt": b"not named", "photos/unused.jpg":
                                     PHOTOS["site-0002.jpg"], "other/run.sh": b"#!/bin/sh"})
    path = unpack_trip_zip(data, tmp_path, Settings())
    assert path == tmp_path / "trip.json"
    assert listing(tmp_path) == ["photos", "photos/online-0004.jpg", "photos/seal-0001.jpg",
                                 "photos/site-0001.jpg", "photos/site-0002.jpg", "trip.json"]


def test_a_name_missing_from_the_zip_or_outside_the_folder_is_left_for_the_import(
        jincheng, tmp_path):
    jincheng["samplings"][0]["photos"][0]["file"] = "photos/absent.jpg"
    jincheng["samplings"][1]["photos"][0]["file"] = "../outside.jpg"
    data = trip_zip(jincheng, prefix="行程/", extra={"outside.jpg": PHOTOS["site-0002.jpg"]})
    path = unpack_trip_zip(data, tmp_path, Settings())
    assert path == tmp_path / "行程" / "trip.json"
    assert listing(tmp_path) == ["行程", "行程/photos", "行程/photos/online-0004.jpg",
                                 "行程/photos/seal-0001.jpg", "行程/trip.json"]


def test_a_lab_report_named_by_the_trip_is_unpacked(jincheng, tmp_path):
    jincheng["samplings"][0]["result"] = {"conclusion": "合格", "report_no": "R1",
                                          "report_date": "2023-04-18",
                                          "lab_report": "reports\\R1.pdf"}
    data = trip_zip(jincheng, extra={"reports/R1.pdf": b"%PDF-1.4", "reports/R2.pdf": b"%PDF"})
    unpack_trip_zip(data, tmp_path, Settings())
    assert "reports/R1.pdf" in listing(tmp_path) and "reports/R2.pdf" not in listing(tmp_path)


def test_macos_resource_copies_are_not_taken_for_a_second_trip_file(jincheng, tmp_path):
    data = trip_zip(jincheng, extra={"__MACOSX/._trip.json": b"\0\5\26\7", "._trip.json": b"x"})
    assert unpack_trip_zip(data, tmp_path, Settings()) == tmp_path / "trip.json"
    assert "__MACOSX" not in " ".join(listing(tmp_path))


@pytest.mark.parametrize("members, found", [
    ({"photos/a.jpg": b"x"}, ""),
    ({"a.json": "{}", "b.xlsx": b"PK"}, "（找到 2 个：a.json、b.xlsx）"),
])
def test_a_zip_needs_exactly_one_trip_file(tmp_path, members, found):
    assert refused(build(members), tmp_path) == (
        "ZIP 中应恰有一个行程文件（.json）或抽样记录表（.xlsx/.csv）" + found)


def test_a_trip_file_that_is_not_json_is_refused_as_the_import_would(tmp_path):
    with pytest.raises(TripError) as info:
        unpack_trip_zip(build({"trip.json": "{not json", "photos/a.jpg": b"x"}), tmp_path,
                        Settings())
    assert "不是有效的 JSON" in info.value.problems[0].message
    assert listing(tmp_path) == []


def test_a_sheets_photo_column_names_what_is_unpacked(jincheng, tmp_path):
    sheet = make_xlsx(tmp_path / "rows.xlsx", SIMPLE_HEADERS + ["照片文件"],
                      [simple_row() + ["photos\\site-0001.jpg|现场；photos/seal-0001.jpg"]],
                      task=task_cells(jincheng))
    data = build({"rows.xlsx": sheet.read_bytes(), **{f"photos/{n}": d for n, d in PHOTOS.items()}})
    out = tmp_path / "out"
    out.mkdir()
    assert unpack_trip_zip(data, out, Settings()) == out / "rows.xlsx"
    assert listing(out) == ["photos", "photos/seal-0001.jpg", "photos/site-0001.jpg", "rows.xlsx"]


def test_a_sheet_that_cannot_be_read_is_refused_with_its_own_problems(tmp_path):
    sheet = make_xlsx(tmp_path / "rows.xlsx", ["产品名称"], [["电缆"]])
    data = build({"rows.xlsx": sheet.read_bytes(), "photos/a.jpg": b"x"})
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(SheetError) as info:
        unpack_trip_zip(data, out, Settings())
    assert any("抽样单编号" in p.column or "抽样单编号" in p.message for p in info.value.problems)
    assert listing(out) == []
