"""The declarative form model: a form is a title, 联 copies and a list of blocks.

Text in a spec may hold field placeholders written {enterprise.name}; both renderers (Word
and PDF) read the same spec, and `fields.FIELDS` is the list of names they may use.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal, Union

from docgen.fields import FIELDS

PLACEHOLDER = re.compile(r"\{([a-z_]+(?:\.[a-z_]+)*)\}")

Align = Literal["left", "center", "right", "justify"]


@dataclass(frozen=True)
class Cell:
    """One table cell: fixed text and/or placeholders, `span` grid columns wide.

    style: "label" (centred caption), "value" (a filled-in value), "sign" (a signature
    block: caption at the top, writing room, 年 月 日 at the bottom right).
    """

    text: str = ""
    span: int = 1
    style: Literal["label", "value", "sign"] = "value"
    align: Align = "left"
    lines: int = 1  # minimum height, in text lines, so there is room to write by hand
    date: str = ""  # sign cells: placeholder text for the date line, '' prints 年 月 日 blanks


def L(text: str, span: int = 1, lines: int = 1) -> Cell:
    return Cell(text, span, "label", "center", lines)


def V(path: str, span: int = 1, lines: int = 1, align: Align = "left") -> Cell:
    return Cell("{%s}" % path, span, "value", align, lines)


def T(text: str, span: int = 1, lines: int = 1, align: Align = "left") -> Cell:
    return Cell(text, span, "value", align, lines)


def Sign(text: str, span: int, lines: int = 4, date: str = "") -> Cell:
    return Cell(text, span, "sign", "left", lines, date)


@dataclass(frozen=True)
class Row:
    cells: tuple[Cell, ...]

    def __init__(self, *cells: Cell):
        object.__setattr__(self, "cells", tuple(cells))


@dataclass(frozen=True)
class Section:
    """Rows grouped under a caption printed vertically in a narrow left column."""

    label: str
    rows: tuple[Row, ...]

    def __init__(self, label: str, *rows: Row):
        object.__setattr__(self, "label", label)
        object.__setattr__(self, "rows", tuple(rows))


@dataclass(frozen=True)
class Grid:
    """A bordered table on a grid of `columns` equal columns (plus a caption column for sections)."""

    rows: tuple[Union[Row, Section], ...]
    columns: int = 12

    def __init__(self, *rows: Union[Row, Section], columns: int = 12):
        object.__setattr__(self, "rows", tuple(rows))
        object.__setattr__(self, "columns", columns)

    @property
    def has_sections(self) -> bool:
        return any(isinstance(r, Section) for r in self.rows)


@dataclass(frozen=True)
class Para:
    """A paragraph of running text; placeholders in it are printed underlined, as filled blanks."""

    text: str
    align: Align = "justify"
    indent: bool = False  # first line indented two characters
    size: Literal["body", "small", "large"] = "body"
    bold: bool = False
    space_before: float = 0  # in lines
    plain: bool = False  # values printed as text, not underlined (signature and date lines)


@dataclass(frozen=True)
class Column:
    """One column of a Table: its header, the key it prints from each entry, its grid span."""

    header: str
    key: str
    span: int = 1
    align: Align = "left"


@dataclass(frozen=True)
class Table:
    """A bordered table with one row per entry of a list field (failed test items), under a
    header row that repeats on each page; `empty_text` fills one row when the list is empty."""

    list_path: str
    columns: tuple[Column, ...]
    empty_text: str = ""

    def __init__(self, list_path: str, columns, empty_text: str = ""):
        object.__setattr__(self, "list_path", list_path)
        object.__setattr__(self, "columns", tuple(c if isinstance(c, Column) else Column(*c)
                                                  for c in columns))
        object.__setattr__(self, "empty_text", empty_text)

    @property
    def width(self) -> int:
        return sum(c.span for c in self.columns)


@dataclass(frozen=True)
class Cut:
    """A dashed cut line across the page with a caption in the middle (a reply slip below it)."""

    text: str = "（沿此线剪下）"


Block = Union[Grid, Para, Table, Cut]


@dataclass(frozen=True)
class FormSpec:
    code: str
    title: str
    blocks: tuple[Block, ...]
    number: str = "{sample_no}"  # what the 编号 line shows
    subtitle: str = ""
    font_size: float = 10.5  # body text in pt (五号); dense forms use 9 (小五)
    required: tuple[str, ...] = field(default=())  # fields a template override must keep
    # A form that is no grid of blocks (an envelope, a label sheet) names its own layout,
    # drawn by docgen.mailing and built for Word by docgen.mailing_word, and gives the texts
    # it places as (slot, text) pairs.
    layout: str = ""
    slots: tuple[tuple[str, str], ...] = field(default=())

    def slot(self, name: str) -> str:
        return dict(self.slots)[name]

    def placeholders(self) -> list[str]:
        """Every field the form prints, in order of first use."""
        seen: dict[str, None] = {}
        for text in self._texts():
            for name in PLACEHOLDER.findall(text):
                seen.setdefault(name)
        return list(seen)

    def _texts(self):
        yield self.title
        yield self.subtitle
        yield self.number
        for _, text in self.slots:
            yield text
        for block in self.blocks:
            if isinstance(block, (Para, Cut)):
                yield block.text
                continue
            if isinstance(block, Table):
                yield "{%s}" % block.list_path
                yield block.empty_text
                yield from (c.header for c in block.columns)
                continue
            for row in block.rows:
                yield from ([row.label] if isinstance(row, Section) else [])
                for r in row.rows if isinstance(row, Section) else (row,):
                    for cell in r.cells:
                        yield cell.text
                        yield cell.date

    def check(self) -> None:
        """Fail fast on a spec that names an unknown field, does not fill its grid rows or
        prints a table column its list does not have."""
        unknown = [p for p in self.placeholders() if p not in FIELDS]
        if unknown:
            raise ValueError(f"form {self.code}: unknown fields {unknown}")
        for block in self.blocks:
            if isinstance(block, Table):
                keys = FIELDS[block.list_path].items
                if not keys:
                    raise ValueError(f"form {self.code}: {block.list_path} is not a list field")
                if bad := [c.key for c in block.columns if c.key not in keys]:
                    raise ValueError(f"form {self.code}: {block.list_path} entries have no {bad}")
            if isinstance(block, Grid):
                for row in block.rows:
                    for r in row.rows if isinstance(row, Section) else (row,):
                        width = sum(c.span for c in r.cells)
                        if width != block.columns:
                            raise ValueError(
                                f"form {self.code}: row {[c.text for c in r.cells]} spans "
                                f"{width} of {block.columns} columns")
