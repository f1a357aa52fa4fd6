"""Text cells in the workbooks we write: a record's text stays text, never a formula.

A cell starting with = + - or @ would be run as a formula by Excel or WPS when the file is
opened or the cell edited (a firm named "=HYPERLINK(…)"; CSV/formula injection), so it is
stored as a string with Excel's quote prefix, as typing an apostrophe first does.
"""
from __future__ import annotations

import unicodedata
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@")


def put_text(cell: Any, value: str, *, text_format: bool = False) -> None:
    """Store value in an openpyxl cell as a string; text_format also formats the cell as Text
    ("@"), so digits typed over it later keep their leading zeros."""
    cell.value = value
    cell.data_type = "s"
    if text_format:
        cell.number_format = "@"
    if value.startswith(FORMULA_STARTS):
        cell.quotePrefix = True


def text_width(text: str) -> int:
    """Width in half-width characters (Excel's unit): a Chinese character counts two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
