"""Sampling records sent as spreadsheets (.xlsx, .csv): one row per firm visit, Chinese headers.

A spreadsheet is turned into the dict shape of a trip file, so the trip file's own checks
(`docgen.loading.parse_trip`) apply unchanged; their problems are mapped back to the row number
and column header the clerk sees in Excel (the header as that sheet writes it, alias or not).
Reading the file (limits, streaming, header row) is archive.sheets'; this module holds the
columns and what each cell becomes.

.xlsx: sheet 抽样记录 (first row headers, one row per sampling) and, optionally, sheet 任务信息
(two columns 项目/内容 with the TASK_FIELDS labels). Without 任务信息, and for .csv files, the
trip-level part comes from `base_trip` (the stored task). With both, non-empty 任务信息 values
override `base_trip`.

Cells are converted so that no float reaches the trip dict: money becomes a string with two
decimals (a float with more decimals is a problem, never rounded), dates become ISO strings,
the number of units bought an int, a postal code typed as a number six digits again.
"""
from __future__ import annotations

import copy
import re
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from archive import cells
from archive.cells import Bad
from archive.sheets import (Book, Cell, Column, Limits, Problems, SheetError, SheetProblem,
                            index, normalize_header, open_book, read_table, written)
from archive.tripcolumns import (COLUMNS, DATE_PATHS, DATETIME_PATHS, HELP_SHEET, INT_PATHS,
                                 MONEY_PATHS, OUTCOME_WORDS, ROLE_WORDS, SAMPLINGS_SHEET,
                                 TASK_FIELDS, TASK_SHEET, TEMPLATE)
from docgen.loading import TripError, parse_trip
from docgen.records import Trip

__all__ = ["COLUMNS", "TASK_FIELDS", "TEMPLATE", "Column", "SheetError", "SheetProblem",
           "column_of", "load_spreadsheet", "map_problems", "normalize_header", "read_spreadsheet"]

_LIST_SEP = re.compile(r"[、;；\n]+")
_PHOTO_SEP = re.compile(r"[;；\n]+")
_PERSON = re.compile(r"^(.*?)\s*[（(](.*)[)）]$", re.S)
_ROW_OF_SECTION = re.compile(r"\[\d+\]")

_TASK_BY_LABEL: dict[str, str] = index(TASK_FIELDS)
_OUTCOME_BY_WORD = index((w, code) for code, words in OUTCOME_WORDS.items() for w in words)
_ROLE_BY_WORD = index((w, role) for role, words in ROLE_WORDS.items() for w in words)
_SAMPLE_NO = COLUMNS[0]
assert _SAMPLE_NO.path == "sample_no"  # the key column: it finds the header row and the sheet


# -- cell values -----------------------------------------------------------------------------

def _convert_cell(path: str, cell: Cell) -> Any:
    """One cell → its trip-dict value (None when empty). Raises Bad for an unusable value."""
    value = cells.shown(cell, number=path in MONEY_PATHS or path in INT_PATHS)
    number_format = cell.number_format or "General"
    if value is None:
        return None
    if isinstance(value, str):
        value = cells.text(value)
        if not value:
            return None
    if path in MONEY_PATHS:
        if cells.is_temporal(value):
            raise Bad(f"应为金额，实为日期/时间 {value}")
        return cells.money(value)
    if path in INT_PATHS:
        if cells.is_temporal(value):
            raise Bad(f"应为正整数，实为日期/时间 {value}")
        return cells.count(value)
    if isinstance(value, datetime):
        if path in DATE_PATHS:
            return value.date().isoformat()
        fmt = number_format.lower()
        if path == "product.production_date" and "d" not in fmt and "y" in fmt:
            return value.strftime("%Y-%m")  # a month cell (yyyy-mm)
        return cells.iso_datetime(value) if path in DATETIME_PATHS else (
            value.date().isoformat() if value.time() == time(0, 0) else cells.iso_datetime(value))
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        if path in DATETIME_PATHS or path in DATE_PATHS:
            raise Bad(f"只有时间 {value.strftime('%H:%M')}，缺少日期")
        return value.strftime("%H:%M")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = (cells.postal_code(value) if path.endswith("postal_code")
                 else cells.number_text(value, number_format))
    elif not isinstance(value, str):
        value = str(value)
    if path in DATE_PATHS or path in DATETIME_PATHS or path == "product.production_date":
        return cells.date_text(value, day_only=path in DATE_PATHS,
                               month=path == "product.production_date")
    if path == "outcome":
        if (code := _OUTCOME_BY_WORD.get(normalize_header(value))) is None:
            raise Bad(f"应为 已抽样/拒检/未抽到样品 之一，实为 {value}")
        return code
    if path.endswith(".role"):
        return _ROLE_BY_WORD.get(normalize_header(value), value)
    if path == "photos":
        return _photos(value)
    if path in ("refusal.witnesses", "samplers"):
        return _people(value, "unit" if path == "refusal.witnesses" else "id_no")
    return value


def _people(text: str, second: str) -> list[dict]:
    """'王建国（JC-CY-0317）、李晓梅（JC-CY-0322）' → [{"name": ..., second: ...}, ...]."""
    people = []
    for part in _LIST_SEP.split(text):
        part = part.strip()
        if not part:
            continue
        if m := _PERSON.fullmatch(part):
            people.append({"name": m.group(1).strip(), second: m.group(2).strip()})
        else:
            people.append({"name": part})
    return people


def _photos(text: str) -> list[dict]:
    """'photos/a.jpg|抽样现场; photos/b.jpg' → [{"file", "caption"}, ...]."""
    photos = []
    for part in _PHOTO_SEP.split(text):
        part = part.strip()
        if not part:
            continue
        file, _, caption = part.replace("｜", "|").partition("|")
        # A path typed on Windows (photos\a.jpg) names the same file.
        photos.append({"file": file.strip().replace("\\", "/"), "caption": caption.strip()})
    return photos


def _put(target: dict, path: str, value: Any) -> None:
    *parents, key = path.split(".")
    for p in parents:
        target = target.setdefault(p, {})
    target[key] = value


# -- reading ---------------------------------------------------------------------------------

class _Sheet:
    """What a workbook or CSV gave: the trip dict, each sample number's row, the headers as
    the sheet writes them, and the problems found while reading."""

    def __init__(self, limits: Limits):
        self.trip: dict = {}
        self.numbers: dict[str, int] = {}
        self.titles: dict[str, str] = {}
        self.problems = Problems(limits.max_problems)


def _read_samplings(book: Book, sheet: str, out: _Sheet) -> list[dict]:
    table = read_table(book, sheet, COLUMNS, out.problems, label=SAMPLINGS_SHEET)
    if table is None:
        return []
    out.titles = table.titles
    samplings: list[dict] = []
    for row_no, values in table.rows:
        record: dict = {"enterprise": {}, "product": {}, "quantity": {}, "seal": {}}
        for path, cell in values.items():
            try:
                value = _convert_cell(path, cell)
            except Bad as exc:
                out.problems.add(row_no, table.titles[path], str(exc))
                continue
            if value is not None:
                _put(record, path, value)
        sample_no = record.get("sample_no")
        if not sample_no:
            if "sample_no" not in values or values["sample_no"].blank:
                out.problems.add(row_no, table.titles["sample_no"], "必填项为空，此行未导入")
            continue
        if out.problems.full:
            continue  # refused whatever follows: the rest of the rows are only counted
        sample_no = record["sample_no"] = str(sample_no)
        out.numbers.setdefault(sample_no, row_no)  # a repeated number is flagged by parse_trip
        samplings.append(record)
    return samplings


def _read_task(book: Book, sheet: str, problems: Problems) -> dict:
    values: dict = {}
    for row_no, row in book.rows(sheet):
        if not row or (path := _TASK_BY_LABEL.get(normalize_header(row[0].value))) is None:
            continue  # the 项目/内容 header and unknown labels
        cell = row[1] if len(row) > 1 else Cell()
        label = written(row[0].value)
        try:
            value = _convert_cell(path, cell)
        except Bad as exc:
            problems.add(None, label, f"（{TASK_SHEET}第{row_no}行）{exc}")
            continue
        if value is not None:
            _put(values, path, value)
    return values


def _merge(base: dict, values: dict) -> dict:
    """base with every value of `values` laid over it (sections merged key by key)."""
    out = copy.deepcopy(base)
    for key, value in values.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _read(path: Path, base_trip: dict | None, limits: Limits) -> _Sheet:
    out = _Sheet(limits)
    problems = out.problems
    with open_book(path, limits) as book:
        task_sheet = book.find(TASK_SHEET)
        sheet = book.find(SAMPLINGS_SHEET)
        if sheet is None:  # a renamed sheet: the first other one with a 抽样单编号 header
            sheet = book.probe(_SAMPLE_NO, skip=(task_sheet, HELP_SHEET))
        if sheet is None and path.suffix.lower() == ".csv":
            sheet = ""  # a CSV file is its one sheet
        if sheet is None:
            problems.add(None, SAMPLINGS_SHEET, "找不到“抽样记录”工作表（首行为列名，每行一条抽样记录）")
            return out
        if task_sheet is None and base_trip is None:
            where = ("CSV 文件只含抽样记录" if path.suffix.lower() == ".csv"
                     else f"工作簿中没有“{TASK_SHEET}”工作表")
            problems.add(None, TASK_SHEET, f"{where}，缺少任务信息（组织部门、承检机构、任务、抽样人员）")
        task_values = _read_task(book, task_sheet, problems) if task_sheet is not None else {}
        if task_sheet is not None and not task_values and base_trip is None:
            problems.add(None, TASK_SHEET, f"“{TASK_SHEET}”表未填写，缺少任务信息"
                                           "（组织部门、承检机构、任务、抽样人员）")
        base = {k: v for k, v in (base_trip or {}).items() if k != "samplings"}
        out.trip = _merge(base, task_values)
        out.trip["samplings"] = _read_samplings(book, sheet, out)
    return out


def read_spreadsheet(path: Path, *, base_trip: dict | None = None, settings: Any = None
                     ) -> tuple[dict, dict[str, int]]:
    """A spreadsheet as a trip dict, and each sample number's row (as Excel numbers it).

    Raises SheetError for what is wrong before validation: a file that cannot be read or is
    over the limits of `settings`, a missing required column, no task information, a money
    float with more than two decimals, a row without sample number, an unknown 抽样结果.
    """
    sheet = _read(Path(path), base_trip, Limits.of(settings))
    if sheet.problems:
        raise sheet.problems.error(str(path))
    return sheet.trip, sheet.numbers


# -- problems back to rows and columns -------------------------------------------------------

_SPECIAL = {"price.unit": "unit_price", "price.amount": "unit_price",
            "price.amount_upper": "unit_price", "samplers.names": "samplers",
            "samplers.with_ids": "samplers", "sampled_on": "sampled_at"}
_SECTIONS = {"samplings": SAMPLINGS_SHEET, "trip": "文件", "agency": "组织监督抽查部门",
             "institution": "承检机构", "task": "任务"}


def column_of(path: str, titles: dict[str, str] | None = None) -> str:
    """The column header (or 任务信息 label) where the value at a trip path is written: as the
    sheet writes it when `titles` (column path → header in that sheet) has it."""
    titles = titles or {}
    path = _ROW_OF_SECTION.sub("", path)  # photos[2].file → photos.file
    path = _SPECIAL.get(path, path)
    candidates = [(c.path, titles.get(c.path, c.header)) for c in COLUMNS] + [
        (p, label) for label, p in TASK_FIELDS]
    for p, title in candidates:
        if p == path:
            return title
    for p, title in candidates:  # photos.file → photos
        if path.startswith(p + "."):
            return title
    if path in _SECTIONS:
        return _SECTIONS[path]
    for p, title in candidates:  # a missing section (product) → its first column
        if p.startswith(path + "."):
            return title
    return path


def _trip_level(path: str) -> bool:
    """A field of the trip as a whole (任务信息), never of one row."""
    head = path.split(".", 1)[0]
    return head in ("agency", "institution", "task", "samplers", "trip_date", "trip", "samplings")


def map_problems(err: TripError, rows: dict[str, int], titles: dict[str, str] | None = None
                 ) -> SheetError:
    """Each (sample number, field) problem of parse_trip as (row, column header); `titles`
    names the columns as the sheet does (see column_of)."""
    problems = [SheetProblem(None if _trip_level(p.field) else rows.get(p.record),
                             column_of(p.field, titles), p.message) for p in err.problems]
    return SheetError(problems, err.source)


def load_spreadsheet(path: Path, *, base_trip: dict | None = None, **parse_kwargs) -> Trip:
    """Read, convert and check a spreadsheet; raise SheetError listing its problems (at most
    `sheet_max_problems` of parse_kwargs' settings, and how many more there are).

    parse_kwargs go to parse_trip (blank, settings, check_text, check_photo). Photo files are
    relative to the spreadsheet's folder.
    """
    path = Path(path)
    limits = Limits.of(parse_kwargs.get("settings"))
    sheet = _read(path, base_trip, limits)
    problems = sheet.problems
    if problems.whole_sheet or problems.full:
        # The sheet as a whole is unusable, or the list is full: the trip checks would add
        # nothing that can be shown.
        raise problems.error(str(path), exact=problems.whole_sheet)
    try:
        trip = parse_trip(sheet.trip, source=str(path), trip_dir=path.parent, **parse_kwargs)
    except TripError as exc:
        mapped = map_problems(exc, sheet.numbers, sheet.titles).problems
        # A cell already reported while reading was left out; don't also call it empty.
        known = {(p.row, p.column) for p in problems.kept}
        combined = problems.kept + [p for p in mapped if (p.row, p.column) not in known]
        combined.sort(key=lambda p: p.row or 0)
        raise SheetError(combined, str(path), limit=limits.max_problems) from None
    if problems:
        raise problems.error(str(path))
    return Trip(**{**trip.__dict__, "source": path})


def write_template(path: Path) -> None:
    """The import template workbook (see archive.sheettemplate)."""
    from archive.sheettemplate import write_template as write

    write(path)
