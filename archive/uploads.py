"""Unpacking an uploaded ZIP of a trip file (or sampling sheet) and the photos it names.

A ZIP is untrusted in every byte: its directory can lie about sizes, name files outside the
folder or as links, and a few kilobytes can unpack to gigabytes. So it is judged on what it
declares before anything is written (member count, total size, compression ratio, names),
then only the trip file and the files that file names are written, each one streamed against
the size it declared. Every refusal is a `ZipRefused` with one line for the clerk.
"""
from __future__ import annotations

import re
import stat
import struct
import unicodedata
import zipfile
import zlib
from io import BytesIO
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from archive.spreadsheet import read_spreadsheet
from docgen.loading import file_in_folder, read_json
from docgen.settings import Settings

TRIP_SUFFIXES = (".json", ".xlsx", ".csv")
MAX_MEMBERS = 2000
MAX_NAME_CHARS = 200  # a whole member path; below Windows' 260 with the upload folder in front
MAX_PART_BYTES = 255  # one path segment, as file systems count it (UTF-8)
# The central directory is parsed whole by zipfile; bounded first, from the end record alone.
MAX_DIRECTORY_BYTES = MAX_MEMBERS * 1024
# The ratio guard is for members big enough to matter: a small file of blanks compresses far
# better than 200:1 and costs nothing to unpack (the total is bounded by zip_max_bytes anyway).
RATIO_FLOOR = 1024 * 1024
CHUNK = 1024 * 1024
# Backslashes, drive letters and streams (:), and what else Windows refuses in a file name.
_UNSAFE = re.compile(r'[\\:<>"|?*\x00-\x1f\x7f]')
_END_RECORD = b"PK\x05\x06"


class ZipRefused(ValueError):
    """An uploaded ZIP that is not unpacked; the message says why, in one line."""

    def __init__(self, message: str, member: str | None = None):
        super().__init__(message)
        self.member = member


def _mb(n: int) -> str:
    return f"{n / 1048576:.0f} MB" if n >= 1048576 else f"{n / 1024:.0f} KB"


def _check_directory_size(fp: BinaryIO) -> None:
    """Refuse from the end record alone a ZIP whose directory would itself be huge (millions of
    entries parsed into memory before any other check could run)."""
    fp.seek(0, 2)
    size = fp.tell()
    tail = min(size, 22 + 65535)
    fp.seek(size - tail)
    data = fp.read(tail)
    fp.seek(0)
    at = data.rfind(_END_RECORD)
    if at < 0 or len(data) < at + 16:
        return  # not a ZIP: zipfile says so
    entries, directory = struct.unpack("<HI", data[at + 10:at + 16])
    if entries > MAX_MEMBERS or directory > MAX_DIRECTORY_BYTES:  # ZIP64 markers included
        raise ZipRefused(f"ZIP 文件中的文件过多（上限 {MAX_MEMBERS} 个）")


def _check_name(info: zipfile.ZipInfo) -> str:
    """The member's name as it will be written (NFC), or ZipRefused for an unsafe one."""
    raw = info.filename
    name = unicodedata.normalize("NFC", raw)
    parts = name.rstrip("/").split("/")
    if (name.startswith("/") or _UNSAFE.search(name) or ".." in parts
            or any(p in ("", ".") for p in parts)):
        raise ZipRefused(f"ZIP 中的路径不安全：{raw}", raw)
    if len(name) > MAX_NAME_CHARS or any(len(p.encode()) > MAX_PART_BYTES for p in parts):
        raise ZipRefused(f"ZIP 中的文件名过长：{raw[:40]}…", raw)
    if stat.S_ISLNK(info.external_attr >> 16):
        raise ZipRefused(f"ZIP 中含有符号链接，不能导入：{raw}", raw)
    return name


def _check(infos: list[zipfile.ZipInfo], settings: Settings) -> dict[str, zipfile.ZipInfo]:
    """Every member judged on what the directory declares; the files by their NFC names."""
    if len(infos) > MAX_MEMBERS:
        raise ZipRefused(f"ZIP 文件中的文件过多（{len(infos)} 个，上限 {MAX_MEMBERS} 个）")
    total = sum(i.file_size for i in infos)
    if total > settings.zip_max_bytes:
        raise ZipRefused(f"ZIP 文件过大（解压后共 {_mb(total)}，上限 {_mb(settings.zip_max_bytes)}）")
    files: dict[str, zipfile.ZipInfo] = {}
    seen: dict[str, str] = {}  # case-folded → name: one file on Windows and macOS
    for info in infos:
        name = _check_name(info)
        key = name.rstrip("/").casefold()
        if key in seen:
            raise ZipRefused(f"ZIP 中有重名的文件（不区分大小写）：{seen[key]}、{info.filename}",
                             info.filename)
        seen[key] = info.filename
        if info.is_dir():
            continue
        if info.file_size > RATIO_FLOOR and (
                info.compress_size == 0
                or info.file_size / info.compress_size > settings.zip_max_ratio):
            raise ZipRefused(f"ZIP 文件压缩比异常（{info.filename} 解压后 {_mb(info.file_size)}，"
                             f"压缩比超过 {settings.zip_max_ratio}:1），已拒绝", info.filename)
        if info.flag_bits & 0x1:
            raise ZipRefused(f"ZIP 文件已加密，请上传未加密的 ZIP：{info.filename}", info.filename)
        files[name] = info
    return files


def _trip_member(files: dict[str, zipfile.ZipInfo]) -> str:
    """The one trip file or sheet (macOS's __MACOSX/ and ._ copies and hidden files aside)."""
    found = [name for name in files
             if PurePosixPath(name).suffix.lower() in TRIP_SUFFIXES
             and not any(p.startswith(".") or p == "__MACOSX" for p in name.split("/"))]
    if len(found) != 1:
        which = f"（找到 {len(found)} 个：{'、'.join(found[:5])}）" if found else ""
        raise ZipRefused(f"ZIP 中应恰有一个行程文件（.json）或抽样记录表（.xlsx/.csv）{which}")
    return found[0]


def _extract(zf: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path) -> None:
    """Stream one member to `target`, never past the size it declared."""
    name = info.filename
    written = 0
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with zf.open(info) as src, open(target, "xb") as out:
            while chunk := src.read(CHUNK):
                written += len(chunk)
                if written > info.file_size:
                    raise ZipRefused(f"ZIP 文件损坏（{name} 的实际大小超过记录的大小）", name)
                out.write(chunk)
    except ZipRefused:
        raise
    except zipfile.BadZipFile as exc:
        what = "CRC 校验失败" if "CRC" in str(exc) else "文件头与目录不符"
        raise ZipRefused(f"ZIP 文件损坏（{what}）：{name}", name) from None
    except NotImplementedError:
        raise ZipRefused(f"ZIP 文件使用了不支持的压缩方式：{name}", name) from None
    except (EOFError, zlib.error, RuntimeError, ValueError):
        raise ZipRefused(f"ZIP 文件损坏，无法解压：{name}", name) from None
    if written != info.file_size:
        raise ZipRefused(f"ZIP 文件损坏（{name} 的实际大小与记录不符）", name)


def named_files(trip: dict) -> list[str]:
    """The file names a trip dict gives: photos[].file and result.lab_report of each sampling
    (a sheet's 照片文件 column arrives as photos[].file)."""
    names = []
    samplings = trip.get("samplings") if isinstance(trip, dict) else None
    for s in samplings if isinstance(samplings, list) else []:
        if not isinstance(s, dict):
            continue
        photos = s.get("photos")
        for p in photos if isinstance(photos, list) else []:
            if isinstance(p, dict) and isinstance(p.get("file"), str):
                names.append(p["file"])
        result = s.get("result")
        if isinstance(result, dict) and isinstance(result.get("lab_report"), str):
            names.append(result["lab_report"])
    return names


def _read_trip(path: Path) -> dict:
    """The trip file as a dict, for the names it gives. A file that cannot be read is refused
    here with the import's own problems (TripError, SheetError): its names are unknown, so the
    import would also call every photo missing."""
    if path.suffix.lower() == ".json":
        return read_json(path)
    # The rows name the photos; the task (a sheet of rows only has none) comes with the import.
    trip, _ = read_spreadsheet(path, base_trip={})
    return trip


def unpack_trip_zip(source: bytes | BinaryIO, folder: Path, settings: Settings) -> Path:
    """Unpack into `folder` the ZIP's trip file (or sheet) and the files it names; return the
    trip file's path. Members it does not name are not written; a name missing from the ZIP is
    left for the import to report. Raises ZipRefused (or the trip file's own TripError /
    SheetError) with nothing left in `folder`."""
    folder = Path(folder)
    fp = BytesIO(source) if isinstance(source, (bytes, bytearray)) else source
    written: list[Path] = []
    try:
        _check_directory_size(fp)
        try:
            zf = zipfile.ZipFile(fp)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, OSError):
            raise ZipRefused("不是有效的 ZIP 文件") from None
        with zf:
            files = _check(zf.infolist(), settings)
            trip_name = _trip_member(files)
            trip_path = folder.joinpath(*trip_name.split("/"))
            written.append(trip_path)
            _extract(zf, files[trip_name], trip_path)
            for name in named_files(_read_trip(trip_path)):
                # the path the import will open; None when it lies outside (the import says so)
                path = file_in_folder(trip_path.parent, unicodedata.normalize("NFC", name).strip())
                if path is None or path in written:
                    continue
                member = path.relative_to(folder).as_posix()
                if member in files:
                    written.append(path)
                    _extract(zf, files[member], path)
    except Exception:  # refused, or the disk full: leave nothing of it behind
        _remove(written, folder)
        raise
    return trip_path


def _remove(paths: list[Path], folder: Path) -> None:
    for path in paths:
        path.unlink(missing_ok=True)
        for parent in path.parents:
            if parent == folder or not parent.is_relative_to(folder):
                break
            try:
                parent.rmdir()
            except OSError:  # not empty: another file of it is removed later
                break
