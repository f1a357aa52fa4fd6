"""Reading spreadsheets for every import (.xlsx streamed, .csv): file checks and limits, rows of
cells, the header row, and problems by row and column, a capped number per file.

A file is refused whole, with one line saying why, before any row is used: too big, empty, a
renamed .xls/.et, password-protected, truncated, a bad ZIP CRC, a DTD, more uncompressed bytes
than a sheet can need, more rows than `sheet_max_rows`. Workbooks are read in openpyxl's
read-only mode, so memory does not grow with the rows; a workbook with formulas is read twice
in lockstep (cached values, and which cells are formulas).
"""
from __future__ import annotations

import codecs
import csv
import re
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any, Iterable, Iterator

XLSX = (".xlsx", ".xlsm")
OLD_FORMATS = (".xls", ".et", ".wps")
HEADER_SEARCH = 10  # rows searched for the header row (a title row may stand above it)
_CHUNK = 1 << 20
Row = tuple[int, list["Cell"]]


# -- problems --------------------------------------------------------------------------------

@dataclass(frozen=True)
class SheetProblem:
    row: int | None  # the row number Excel shows; None: the sheet as a whole or 任务信息
    column: str  # the column header as the sheet writes it (or the 任务信息 label)
    message: str

    def __str__(self) -> str:
        where = f"第{self.row}行 " if self.row is not None else ""
        return f"{where}〔{self.column}〕 {self.message}" if self.column else f"{where}{self.message}"


class SheetError(ValueError):
    """A spreadsheet that cannot be imported; `problems` lists the reasons by row and column.

    At most `limit` problems are listed; a last line counts the rest (`more` of them, at least
    that many when `exact` is false).
    """

    def __init__(self, problems: Iterable[SheetProblem], source: str = "", *, more: int = 0,
                 exact: bool = True, limit: int | None = None):
        problems = list(problems)
        if limit is not None and len(problems) > limit:
            more += len(problems) - limit
            problems = problems[:limit]
        self.total, self.exact, self.source = len(problems) + more, exact, source
        if more or not exact:
            problems.append(SheetProblem(None, "", (
                f"另有 {more} 处错误未列出" if exact else f"另有至少 {more} 处错误未列出，……及更多")))
        self.problems = problems
        super().__init__(f"{source or '表格'}：{self.total} 处错误")

    def report(self) -> str:
        count = f"{self.total}" if self.exact else f"至少 {self.total}"
        lines = [f"{self.source or '表格'}：发现 {count} 处错误，未导入任何记录。"]
        lines += [f"  {p}" for p in self.problems]
        return "\n".join(lines)


class Problems:
    """The problems of one file: the first `limit` kept, the rest only counted."""

    def __init__(self, limit: int):
        self.limit, self.kept, self.more = limit, [], 0

    def add(self, row: int | None, column: str, message: str) -> None:
        self.append(SheetProblem(row, column, message))

    def append(self, problem: SheetProblem) -> None:
        if len(self.kept) < self.limit:
            self.kept.append(problem)
        else:
            self.more += 1

    @property
    def full(self) -> bool:
        return self.more > 0

    @property
    def whole_sheet(self) -> bool:
        """A problem of the file, a sheet or a header: its rows cannot be read at all."""
        return any(p.row is None for p in self.kept)

    def __bool__(self) -> bool:
        return bool(self.kept)

    def error(self, source: str, *, exact: bool = True) -> SheetError:
        return SheetError(sorted(self.kept, key=lambda p: p.row or 0), source, more=self.more,
                          exact=exact)


# -- limits and cells ------------------------------------------------------------------------

@dataclass(frozen=True)
class Limits:
    max_bytes: int = 20 * 1024 * 1024
    max_rows: int = 20_000
    max_problems: int = 50

    @classmethod
    def of(cls, settings: Any = None) -> "Limits":
        """The limits of a docgen Settings (the defaults without one)."""
        if settings is None:
            return cls()
        return cls(settings.sheet_max_bytes, settings.sheet_max_rows, settings.sheet_max_problems)


@dataclass(frozen=True, slots=True)
class Cell:
    value: Any = None  # for a formula: its cached result (None: never calculated)
    number_format: str = "General"
    formula: bool = False
    error: bool = False  # an error value such as #DIV/0! or #N/A

    @property
    def blank(self) -> bool:
        v = self.value
        return not self.formula and (v is None or (isinstance(v, str) and not v.strip()))


def _is_blank(cells: Iterable[Cell]) -> bool:
    return all(c.blank for c in cells)


# -- headers ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    header: str  # the title in the template
    path: str  # where the value goes (a dotted trip-dict path, or a result key)
    required: bool = False  # the column must be present (marked "*" in the template)
    aliases: tuple[str, ...] = ()  # other titles bureaus use for the same column


_BRACKETS = str.maketrans({"【": "(", "】": ")", "〔": "(", "〕": ")", "[": "(", "]": ")"})


def normalize_header(text: Any) -> str:
    """Header as compared: no spaces, half-width brackets, no "*" required marker."""
    if text is None:
        return ""
    s = unicodedata.normalize("NFKC", str(text)).translate(_BRACKETS)
    s = re.sub(r"\s+", "", s)
    return s.strip("*").lower()


def written(text: Any) -> str:
    """A header as the sheet writes it, without the "*" marker and surrounding spaces."""
    return unicodedata.normalize("NFC", str(text)).strip().strip("*＊").strip()


def index(entries: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in entries:
        key = normalize_header(name)
        if key in out and out[key] != value:
            raise AssertionError(f"header {name!r} names two columns")
        out[key] = value
    return out


@dataclass
class Table:
    """A sheet's data rows under its header, streamed: (row number, {column path: cell}) with
    the non-blank cells of each row that has any."""
    titles: dict[str, str]  # column path → header as this sheet writes it
    rows: Iterator[tuple[int, dict[str, Cell]]]


def _header_at(rows: list[Row], key: Column) -> int | None:
    for i, (_, cells) in enumerate(rows[:HEADER_SEARCH]):
        if any(c.value is not None and normalize_header(c.value) in _names(key) for c in cells):
            return i
    return next((i for i, (_, cells) in enumerate(rows) if not _is_blank(cells)), None)


def _names(column: Column) -> set[str]:
    return {normalize_header(n) for n in (column.header, *column.aliases)}


def read_table(book: "Book", sheet: str, columns: list[Column], problems: Problems, *,
               label: str) -> Table | None:
    """The table of a sheet under its header row (the first of the first rows naming the key
    column, columns[0]; else the first non-empty row). None after a problem with the sheet or
    its header (empty, a column twice, a required column missing), reported at `label`."""
    rows = book.rows(sheet)
    head: list[Row] = []
    for row in rows:  # up to the first non-empty row at or after HEADER_SEARCH
        head.append(row)
        if len(head) >= HEADER_SEARCH and any(not _is_blank(c) for _, c in head):
            break
    h = _header_at(head, columns[0])
    if h is None:
        problems.add(None, label, "工作表是空的")
        return None
    by_header = index((name, c) for c in columns for name in (c.header, *c.aliases))
    found: dict[int, Column] = {}
    titles: dict[str, str] = {}
    for i, cell in enumerate(head[h][1]):
        column = by_header.get(normalize_header(cell.value)) if cell.value is not None else None
        if column is None:
            continue  # unknown columns (序号, 备注, ...) are ignored
        title = written(cell.value)
        if column.path in titles:
            problems.add(None, title, f"与〔{titles[column.path]}〕是同一项，只能保留一列")
            continue
        titles[column.path] = title
        found[i] = column
    for c in columns:
        if c.required and c.path not in titles:
            problems.add(None, c.header, "缺少必填列")
    if problems.whole_sheet:
        return None
    header_row = head[h][0]

    def data() -> Iterator[tuple[int, dict[str, Cell]]]:
        for row_no, cells in chain(head[h + 1:], rows):
            if row_no - header_row > book.limits.max_rows:
                raise book.too_long(sheet)
            values = {c.path: cell for i, c in found.items()
                      if i < len(cells) and not (cell := cells[i]).blank}
            if values:  # blank cells are left out, and rows of them skipped
                yield row_no, values

    return Table(titles, data())


# -- files -----------------------------------------------------------------------------------

class Book:
    """An opened spreadsheet: its sheets' titles and their rows, streamed."""

    def __init__(self, path: Path, limits: Limits):
        self.path, self.limits = path, limits
        self.titles: list[str] = []

    def refuse(self, message: str, column: str = "文件") -> SheetError:
        return SheetError([SheetProblem(None, column, message)], str(self.path))

    def too_long(self, sheet: str, rows: int | None = None) -> SheetError:
        where = f"工作表“{sheet}”" if sheet else "CSV 文件"
        count = f"有 {rows} 行，" if rows else ""
        return self.refuse(f"{where}{count}超过了导入上限（每个文件最多 {self.limits.max_rows} 行）；"
                           "请删除多余的行（含空白行）或分成几个文件导入")

    def find(self, title: str) -> str | None:
        """The sheet of that title (spaces and brackets aside)."""
        want = normalize_header(title)
        return next((t for t in self.titles if normalize_header(t) == want), None)

    def probe(self, key: Column, skip: Iterable[str | None] = ()) -> str | None:
        """The first sheet (but those skipped) whose first rows name the key column."""
        names, skipped = _names(key), {normalize_header(s) for s in skip if s}
        for title in self.titles:
            if normalize_header(title) in skipped:
                continue
            for n, (_, cells) in enumerate(self.rows(title, head_only=True)):
                if n >= HEADER_SEARCH:
                    break
                if any(c.value is not None and normalize_header(c.value) in names for c in cells):
                    return title
        return None

    def rows(self, title: str, *, head_only: bool = False) -> Iterator[Row]:
        """The rows of a sheet, numbered as Excel does; SheetError when the sheet is too long or
        cannot be read. head_only: only its first rows will be read (no size check, formulas
        not told apart)."""
        raise NotImplementedError

    def close(self) -> None:
        pass


@contextmanager
def open_book(path: Path, limits: Limits) -> Iterator[Book]:
    """The spreadsheet at path, checked; SheetError (one line) when it cannot be read."""
    path = Path(path)
    suffix = path.suffix.lower()
    book: Book
    if suffix in XLSX:
        from archive.xlsxfile import XlsxBook
        book = XlsxBook(path, limits)
    elif suffix == ".csv":
        book = CsvBook(path, limits)
    elif suffix in OLD_FORMATS:
        raise Book(path, limits).refuse(f"不支持 {suffix} 格式，请在 Excel/WPS 中另存为 .xlsx 或 .csv")
    else:
        raise Book(path, limits).refuse(
            f"不支持的文件类型 {suffix or '（无扩展名）'}，应为 .xlsx 或 .csv")
    try:
        yield book
    finally:
        book.close()


def check_size(book: Book, kind: str) -> int:
    try:
        size = book.path.stat().st_size
    except OSError as exc:
        raise book.refuse(f"无法读取{kind}：{exc.strerror}") from None
    if size == 0:
        raise book.refuse(f"无法读取{kind}：文件是空的（0 字节）")
    if size > book.limits.max_bytes:
        raise book.refuse(f"文件有 {mb(size)}，超过导入上限 {mb(book.limits.max_bytes)}；"
                          "请分成几个文件导入")
    return size


def mb(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n} 字节"


class CsvBook(Book):
    """A CSV file (UTF-8 with or without BOM, GB18030/GBK, UTF-16; comma or tab): one sheet."""

    def __init__(self, path: Path, limits: Limits):
        super().__init__(path, limits)
        check_size(self, " CSV 文件")
        self.encoding = self._encoding()
        if self.encoding is None:
            raise self.refuse("无法识别文件编码（应为 UTF-8、GB18030/GBK 或 UTF-16）")
        self.titles = [""]

    def _encoding(self) -> str | None:
        with self.path.open("rb") as f:
            head = f.read(4096)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        if b"\x00" in head:  # UTF-16 without a byte-order mark: every other byte of ASCII is 0
            even, odd = head[0::2].count(0), head[1::2].count(0)
            return "utf-16-le" if odd > even else "utf-16-be"
        # Excel in China saves CSV as GBK (a subset of GB18030)
        return next((e for e in ("utf-8", "gb18030") if self._decodes(e)), None)

    def _decodes(self, encoding: str) -> bool:
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with self.path.open("rb") as f:
                while chunk := f.read(_CHUNK):
                    decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
        return True

    def rows(self, title: str = "", *, head_only: bool = False) -> Iterator[Row]:
        with self.path.open("r", encoding=self.encoding, newline="", errors="strict") as f:
            first = f.readline()
            delimiter = "\t" if "\t" in first and "," not in first else ","
            f.seek(0)
            reader = csv.reader(f, delimiter=delimiter)
            n = 0
            while True:
                try:
                    values = next(reader)
                except StopIteration:
                    return
                except (csv.Error, UnicodeDecodeError) as exc:
                    raise self.refuse(f"CSV 文件第{n + 1}行格式有误，无法读取（{_csv_reason(exc)}）") from None
                n += 1
                if n > self.limits.max_rows + HEADER_SEARCH:
                    raise self.too_long("")
                yield n, [Cell(v) for v in values]


def _csv_reason(exc: Exception) -> str:
    text = str(exc)
    if "field larger" in text:
        return "单元格内容过长"
    if isinstance(exc, UnicodeDecodeError):
        return "编码错误"
    return "引号不配对或含有非法字符"
