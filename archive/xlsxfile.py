"""Workbooks (.xlsx) checked as ZIP files before parsing, then streamed in openpyxl's read-only
mode; every failure of the file becomes one line ("无法读取 Excel 文件：…").

openpyxl's data_only mode gives a formula's cached result but hides that the cell held a
formula; the formula cells of a sheet are found by a second, light pass over its XML, streamed
in step with the rows (a second openpyxl workbook would parse the shared strings again).
"""
from __future__ import annotations

import re
import warnings
import zipfile
import zlib
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

from archive.sheets import HEADER_SEARCH, Book, Cell, Limits, Row, check_size, mb

UNZIPPED_FACTOR = 10  # a workbook may unpack to at most this many times sheet_max_bytes
MAX_PARTS = 10_000
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, .et, and a password-protected .xlsx
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")  # the stream an encrypted workbook is in
_DTD = (b"<!DOCTYPE", b"<!ENTITY")  # Excel, WPS and LibreOffice never write either
_FORMULA = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")  # <f>, <f t="shared" .../>, <x:f>
_ROW = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s>/]")
_CHUNK = 1 << 20
_EMPTY = Cell()
_BROKEN = "无法读取 Excel 文件：文件已损坏（压缩数据校验失败）"
# openpyxl warns of workbook features it drops (extensions, data validation): nothing an
# import reads, and not for the clerk's terminal.
warnings.filterwarnings("ignore", category=UserWarning, module=r"openpyxl\.")


class XlsxBook(Book):
    """A workbook's sheets, streamed in openpyxl's read-only mode with the cached values of
    formulas; for a sheet that holds formulas, which cells they are is streamed beside it."""

    def __init__(self, path: Path, limits: Limits):
        super().__init__(path, limits)
        check_size(self, " Excel 文件")
        self._parts = self._check_zip()  # worksheet part → (rows in it, holds formulas)
        self._file = self.path.open("rb")
        from openpyxl import load_workbook

        try:  # data_only: a formula's last computed value
            self.values = load_workbook(self._file, read_only=True, data_only=True,
                                        keep_links=False)
        except Exception as exc:  # openpyxl on an untrusted file: anything can go wrong in it
            self._file.close()
            raise self.refuse(_reason(exc)) from None
        self.titles = [ws.title for ws in self.values.worksheets]
        # The declared size of each sheet; then openpyxl is told to ignore it, because it
        # drops the rows and columns beyond a dimension some programs write too small.
        self._declared = {ws.title: (ws.min_row, ws.max_row) for ws in self.values.worksheets}
        for ws in self.values.worksheets:
            ws.reset_dimensions()

    def close(self) -> None:
        self.values.close()
        self._file.close()

    def rows(self, title: str, *, head_only: bool = False) -> Iterator[Row]:
        ws = self.values[title]
        part = getattr(ws, "_worksheet_path", "")  # openpyxl's name for the sheet's ZIP part
        counted, has_formulas = self._parts.get(part, (0, True))
        first, last = self._declared.get(title, (None, None))
        declared = last - (first or 1) + 1 if last is not None else 0
        if not head_only and max(declared, counted) > self.limits.max_rows + HEADER_SEARCH:
            raise self.too_long(title, max(last or 0, counted))
        marks = self._formulas(part) if has_formulas and not head_only else iter(())
        return self._stream(title, ws, marks)

    def _stream(self, title: str, ws: Any, marks: Iterator[tuple[int, set[int]]]) -> Iterator[Row]:
        values = ws.iter_rows()
        limit = self.limits.max_rows + HEADER_SEARCH
        mark_row, mark_cols = 0, set()
        n = 0
        while True:
            try:
                row = next(values)
                n += 1
                while mark_row < n and (mark := next(marks, None)) is not None:
                    mark_row, mark_cols = mark
            except StopIteration:
                return
            except Exception as exc:  # as in load_workbook: the parser meets the damage here
                raise self.refuse(_reason(exc)) from None
            if n > limit:
                raise self.too_long(title)
            formulas = mark_cols if mark_row == n else ()
            yield n, [_cell(c, i + 1 in formulas) for i, c in enumerate(row)]

    def _formulas(self, part: str) -> Iterator[tuple[int, set[int]]]:
        """(row number, columns holding a formula) of each row with a formula, in order: the
        sheet's XML read a second time, as openpyxl numbers rows and cells, keeping nothing."""
        from xml.etree.ElementTree import iterparse

        row, col, cols, in_cell = 0, 0, set(), False
        with zipfile.ZipFile(self.path) as archive, archive.open(part) as xml:
            for event, el in iterparse(xml, events=("start", "end")):
                tag = el.tag.rpartition("}")[2]
                if event == "start":
                    if tag == "row":
                        row, col, cols = int(el.get("r") or row + 1), 0, set()
                    elif tag == "c":
                        ref, in_cell = el.get("r"), True
                        col = _column(ref.rstrip("0123456789")) if ref else col + 1
                elif tag == "c":
                    in_cell = False
                elif tag == "f" and in_cell:  # not the <xm:f> of an extension list
                    cols.add(col)
                elif tag == "row":
                    if cols:
                        yield row, cols
                    el.clear()

    def _check_zip(self) -> dict[str, tuple[int, bool]]:
        """Refuse what is not a workbook before any of it is parsed. Every XML part is unpacked
        once: CRCs checked, no DTD or entity declaration, within UNZIPPED_FACTOR ×
        sheet_max_bytes declared for all parts together; its rows and formulas are counted."""
        with self.path.open("rb") as f:
            head = f.read(8)
            if head == _OLE:
                if _ENCRYPTED in f.read(self.limits.max_bytes):
                    raise self.refuse("无法读取 Excel 文件：文件设有打开密码（已加密）；"
                                      "请在 Excel/WPS 中取消密码后另存为 .xlsx 再导入")
                raise self.refuse("无法读取 Excel 文件：这是旧版 .xls/.et 格式的文件（扩展名被改成了"
                                  " .xlsx）；请在 Excel/WPS 中另存为 .xlsx 再导入")
        if not head.startswith(b"PK"):
            raise self.refuse("无法读取 Excel 文件：内容不是 .xlsx 工作簿（可能是别的文件改了扩展名）")
        try:
            archive = zipfile.ZipFile(self.path)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            raise self.refuse("无法读取 Excel 文件：文件不完整或已损坏（可能没有传完）") from None
        with archive:
            infos = archive.infolist()
            declared = sum(i.file_size for i in infos)
            cap = UNZIPPED_FACTOR * self.limits.max_bytes
            if declared > cap or len(infos) > MAX_PARTS:
                raise self.refuse(f"无法读取 Excel 文件：解压后有 {mb(declared)}（{len(infos)} 个部件），"
                                  f"超过上限 {mb(cap)}，可能是压缩炸弹")
            if any(i.flag_bits & 0x1 for i in infos):
                raise self.refuse("无法读取 Excel 文件：文件已加密；请取消密码后另存为 .xlsx 再导入")
            return {info.filename: self._scan(archive, info) for info in infos
                    if info.filename.lower().endswith((".xml", ".rels", ".vml"))}

    def _scan(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[int, bool]:
        """(<row> elements, whether any <f>) of a part, refusing a DTD."""
        tail, rows, formula = b"", 0, False
        for chunk in self._chunks(archive, info):
            window = tail + chunk
            if any(d in window for d in _DTD):
                raise self.refuse("无法读取 Excel 文件：文件含有 DTD/实体声明，不是 Excel/WPS 保存的工作簿")
            rows += sum(1 for m in _ROW.finditer(window) if m.end() > len(tail))
            formula = formula or _FORMULA.search(window) is not None
            tail = window[-16:]
        return rows, formula

    def _chunks(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
        """The part's bytes, unpacked; zipfile checks the CRC at the end."""
        try:
            with archive.open(info) as part:
                while chunk := part.read(_CHUNK):
                    yield chunk
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError,
                ValueError):
            raise self.refuse(_BROKEN) from None


def _cell(c: Any, formula: bool) -> Cell:
    value = c.value
    if value is None and not formula:
        return _EMPTY
    if isinstance(value, str):  # a number format only tells how numbers and dates are shown
        return Cell(value, "General", formula, c.data_type == "e")
    return Cell(value, c.number_format or "General", formula)


@lru_cache(maxsize=1024)
def _column(letters: str) -> int:
    from openpyxl.utils import column_index_from_string

    return column_index_from_string(letters)


def _reason(exc: Exception) -> str:
    """One line for what openpyxl or the XML parser raised, without its text or a path."""
    if isinstance(exc, SyntaxError):  # expat's ParseError and lxml's XMLSyntaxError
        if "undefined entity" in str(exc) or "Entity" in str(exc):
            return "无法读取 Excel 文件：XML 内容含有未定义的实体引用，文件已损坏或不是 Excel/WPS 保存的"
        return "无法读取 Excel 文件：XML 内容有误，文件已损坏或不是 Excel/WPS 保存的"
    if isinstance(exc, (zipfile.BadZipFile, zlib.error, EOFError)):
        return _BROKEN
    if isinstance(exc, KeyError):
        return "无法读取 Excel 文件：缺少工作簿的组成部分，不是完整的 .xlsx 工作簿"
    return "无法读取 Excel 文件：文件已损坏，或不是 Excel/WPS 保存的 .xlsx 工作簿"
