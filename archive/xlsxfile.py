"""Workbooks (.xlsx) checked as ZIP files before parsing, then streamed in openpyxl's read-only
mode; every failure of the file becomes one line ("无法读取 Excel 文件：…")."""
from __future__ import annotations

import re
import zipfile
import zlib
from pathlib import Path
from typing import Any, BinaryIO, Iterator

from archive.sheets import HEADER_SEARCH, Book, Cell, Limits, Row, check_size, mb

UNZIPPED_FACTOR = 10  # a workbook may unpack to at most this many times sheet_max_bytes
MAX_PARTS = 10_000
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, .et, and a password-protected .xlsx
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")  # the stream an encrypted workbook is in
_DTD = (b"<!DOCTYPE", b"<!ENTITY")  # Excel, WPS and LibreOffice never write either
_FORMULA = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")  # <f>, <f t="shared" .../>, <x:f>
_CHUNK = 1 << 20
_EMPTY = Cell()
_BROKEN = "无法读取 Excel 文件：文件已损坏（压缩数据校验失败）"


class XlsxBook(Book):
    """A workbook's sheets, read-only; a second read-only copy (formulas, not their values) is
    opened only when a sheet holds formulas, and streamed in lockstep with the first."""

    def __init__(self, path: Path, limits: Limits):
        super().__init__(path, limits)
        check_size(self, " Excel 文件")
        has_formulas = self._check_zip()
        self._files: list[BinaryIO] = []
        try:
            self.values = self._load(data_only=True)  # a formula's last computed value
            self.formulas = self._load(data_only=False) if has_formulas else None
        except BaseException:
            self.close()
            raise
        self.titles = [ws.title for ws in self.values.worksheets]
        # The declared size of each sheet; then openpyxl is told to ignore it, because it
        # drops rows and columns beyond a dimension some programs write too small.
        self._declared = {ws.title: (ws.min_row, ws.max_row) for ws in self.values.worksheets}
        for wb in (self.values, self.formulas):
            for ws in wb.worksheets if wb is not None else ():
                ws.reset_dimensions()

    def _load(self, data_only: bool) -> Any:
        from openpyxl import load_workbook

        f = self.path.open("rb")
        self._files.append(f)
        try:
            return load_workbook(f, read_only=True, data_only=data_only, keep_links=False)
        except Exception as exc:  # openpyxl on an untrusted file: anything can go wrong in it
            raise self.refuse(_reason(exc)) from None

    def close(self) -> None:
        for wb in (getattr(self, "values", None), getattr(self, "formulas", None)):
            if wb is not None:
                wb.close()
        for f in getattr(self, "_files", ()):
            f.close()

    def rows(self, title: str, *, formulas: bool = True) -> Iterator[Row]:
        first, last = self._declared.get(title, (None, None))
        if last is not None and last - (first or 1) + 1 > self.limits.max_rows + HEADER_SEARCH:
            raise self.too_long(title, last)
        ws = self.values[title]
        fws = self.formulas[title] if formulas and self.formulas is not None else None
        return self._stream(title, ws, fws)

    def _stream(self, title: str, ws: Any, fws: Any) -> Iterator[Row]:
        values = ws.iter_rows()
        forms = fws.iter_rows() if fws is not None else None
        limit = self.limits.max_rows + HEADER_SEARCH
        n = 0
        while True:
            try:
                row = next(values)
                frow = next(forms, ()) if forms is not None else ()
            except StopIteration:
                return
            except Exception as exc:  # as in _load: the parser meets the file's damage here
                raise self.refuse(_reason(exc)) from None
            n += 1
            if n > limit:
                raise self.too_long(title)
            yield n, [_cell(c, frow[i] if i < len(frow) else None) for i, c in enumerate(row)]

    def _check_zip(self) -> bool:
        """Refuse what is not a workbook before any of it is parsed; True when a sheet holds
        formulas. Every XML part is unpacked once: CRCs checked, no DTD or entity declaration,
        within UNZIPPED_FACTOR × sheet_max_bytes declared for all parts together."""
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
            formulas = False
            for info in infos:
                if info.filename.lower().endswith((".xml", ".rels", ".vml")):
                    found = self._scan(archive, info)
                    formulas |= found and info.filename.startswith("xl/worksheets/")
        return formulas

    def _scan(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
        tail, formula = b"", False
        for chunk in self._chunks(archive, info):
            window = tail + chunk
            if any(d in window for d in _DTD):
                raise self.refuse("无法读取 Excel 文件：文件含有 DTD/实体声明，不是 Excel/WPS 保存的工作簿")
            formula = formula or _FORMULA.search(window) is not None
            tail = window[-16:]
        return formula

    def _chunks(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
        """The part's bytes, unpacked; zipfile checks the CRC at the end."""
        try:
            with archive.open(info) as part:
                while chunk := part.read(_CHUNK):
                    yield chunk
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError,
                ValueError):
            raise self.refuse(_BROKEN) from None


def _cell(c: Any, f: Any) -> Cell:
    value = c.value
    formula = f is not None and getattr(f, "data_type", None) == "f"
    if value is None and not formula:
        return _EMPTY
    return Cell(value, c.number_format or "General", formula, c.data_type == "e")


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
