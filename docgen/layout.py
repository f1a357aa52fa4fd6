"""Laying a form spec out on A4 pages: the header, bordered grids and tables, paragraphs, cut
lines, page breaks.

Layout is pure: it returns pages as lists of drawing operations, which `pdf.py` replays on a
reportlab canvas. A form is laid out once and drawn once per 联 copy.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm

from docgen.context import lookup
from docgen.fields import FIELDS
from docgen.fonts import FontSet
from docgen.spec import PLACEHOLDER, Cell, Cut, FormSpec, Grid, Para, Row, Section, Table
from docgen.textflow import Line, Measurer, wrap

PAGE_W, PAGE_H = A4
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 18 * mm, 14 * mm, 16 * mm
CONTENT_W = PAGE_W - 2 * MARGIN_X
PAD_X, PAD_Y = 3.0, 2.5
THIN, THICK = 0.5, 1.0


@dataclass
class Page:
    """Drawing operations for one page: ('text', x, y, line, size), ('line', x1, y1, x2, y2, w),
    ('dash', x1, y1, x2, y2, w), ('rect', x, y, w, h, lw[, rgb]), ('image', jpeg, x, y, w, h)
    and ('footer', x, y, line, size). `size` is the paper (A4 unless an envelope); `frame`
    (x0, y0, x1, y1) is where its text stays."""

    ops: list = field(default_factory=list)
    size: tuple[float, float] = (PAGE_W, PAGE_H)
    frame: tuple[float, float, float, float] = (MARGIN_X, MARGIN_BOTTOM / 2 - 1,
                                                MARGIN_X + CONTENT_W, PAGE_H)


def add_footers(pages: list[Page], label: str, m: Measurer) -> list[Page]:
    """“label　第 i 页／共 n 页” at the foot of each page: numbering within one document, so a
    form printed on its own or inside a packet reads the same."""
    n = len(pages)
    for i, page in enumerate(pages, start=1):
        line = wrap([(f"{label}　第 {i} 页／共 {n} 页", False)], CONTENT_W, 7.5, m.fonts.song, m)[0]
        page.ops.append(("footer", MARGIN_X + (CONTENT_W - line.width) / 2, MARGIN_BOTTOM / 2,
                         line, 7.5))
    return pages


def fill(text: str, ctx: dict) -> list[tuple[str, bool]]:
    """Split spec text into (text, underline_in_running_text) runs, placeholders filled in."""
    runs, pos = [], 0
    for m in PLACEHOLDER.finditer(text):
        if m.start() > pos:
            runs.append((text[pos:m.start()], False))
        runs.append((lookup(ctx, m.group(1)), FIELDS[m.group(1)].underline))
        pos = m.end()
    if pos < len(text):
        runs.append((text[pos:], False))
    return runs


@dataclass
class _CellBox:
    x: float
    w: float
    cell: Cell
    lines: list[Line]
    date_line: Line | None = None


@dataclass
class _RowBox:
    cells: list[_CellBox]
    height: float
    section: str | None = None
    splittable: bool = True


class FormLayout:
    """Lays out one form with one context; `pages(copy_label)` gives the pages of one copy."""

    def __init__(self, spec: FormSpec, ctx: dict, fonts: FontSet, m: Measurer):
        self.spec, self.ctx, self.fonts, self.m = spec, ctx, fonts, m
        self.size = spec.font_size
        self.leading = self.size * 1.45
        self.bodies: list[Page] = []
        self._layout()

    # -- text helpers -------------------------------------------------------------------------
    def _wrap(self, text: str, width: float, size=None, face=None, underline_fields=False):
        runs = [(t, f and underline_fields) for t, f in fill(text, self.ctx)]
        return wrap(runs, width, size or self.size, face or self.fonts.song, self.m)

    def _text(self, page: Page, line: Line, x: float, y: float, size=None) -> None:
        page.ops.append(("text", x, y, line, size or self.size))

    # -- header -------------------------------------------------------------------------------
    def header_height(self) -> float:
        return 18 * 1.4 + (14 if self.spec.subtitle else 0) + self.size * 1.6 + 6

    def header(self, copy_label: str, continued: bool) -> Page:
        page = Page()
        y = PAGE_H - MARGIN_TOP - 18
        title = self.spec.title + ("（续）" if continued else "")
        size = 18
        while self.m.width(title, self.fonts.hei, size) > CONTENT_W and size > 12:
            size -= 1
        line = wrap([(title, False)], CONTENT_W, size, self.fonts.hei, self.m)[0]
        self._text(page, line, MARGIN_X + (CONTENT_W - line.width) / 2, y, size)
        y -= 18 * 0.4
        if self.spec.subtitle:
            sub = wrap([(self.spec.subtitle, False)], CONTENT_W, 12, self.fonts.song, self.m)[0]
            y -= 14
            self._text(page, sub, MARGIN_X + (CONTENT_W - sub.width) / 2, y + 2, 12)
        y -= self.size * 1.6
        number = self._wrap("编号：" + self.spec.number, CONTENT_W * 0.55, self.size)[0]
        self._text(page, number, MARGIN_X, y, self.size)
        if copy_label:
            label = wrap([(copy_label, False)], CONTENT_W * 0.45, self.size, self.fonts.hei, self.m)[0]
            self._text(page, label, MARGIN_X + CONTENT_W - label.width, y, self.size)
        return page

    # -- body ---------------------------------------------------------------------------------
    def _layout(self) -> None:
        self.top = PAGE_H - MARGIN_TOP - self.header_height()
        self.bottom = MARGIN_BOTTOM + 8
        self.page = Page()
        self.bodies.append(self.page)
        self.y = self.top
        blocks = self.spec.blocks
        for i, block in enumerate(blocks):
            if isinstance(block, Cut):
                self._keep_together(blocks[i:])
                return
            self._block(block)

    def _block(self, block) -> None:
        if isinstance(block, Para):
            self._para(block)
        elif isinstance(block, Table):
            self._table(block)
        elif isinstance(block, Cut):
            self._cut(block)
        else:
            self._grid(block)

    def _keep_together(self, blocks) -> None:
        """Lay out `blocks` on this page, or all of them on a new page if they would spill."""
        pages, ops, y = len(self.bodies), len(self.page.ops), self.y
        for block in blocks:
            self._block(block)
        if len(self.bodies) > pages and y < self.top:
            del self.bodies[pages:]
            self.page = self.bodies[-1]
            del self.page.ops[ops:]
            self._new_page()
            for block in blocks:
                self._block(block)

    def _cut(self, cut: Cut) -> None:
        """A dashed line across the page, its caption in a gap in the middle."""
        size = self.size * 0.85
        line = self._wrap(cut.text, CONTENT_W / 2, size)[0]
        self.y -= self.leading
        x = MARGIN_X + (CONTENT_W - line.width) / 2
        self._text(self.page, line, x, self.y - size * 0.35, size)
        right = MARGIN_X + CONTENT_W
        self.page.ops.append(("dash", MARGIN_X, self.y, x - 4, self.y, 0.6))
        self.page.ops.append(("dash", x + line.width + 4, self.y, right, self.y, 0.6))
        self.y -= self.leading * 0.6

    def _new_page(self) -> None:
        self.page = Page()
        self.bodies.append(self.page)
        self.y = self.top

    def _para(self, para: Para) -> None:
        size = {"body": self.size, "small": self.size * 0.85, "large": self.size * 1.2}[para.size]
        leading = size * 1.6
        indent = 2 * size if para.indent else 0
        runs = [(t, f and not para.plain) for t, f in fill(para.text, self.ctx)]
        if not any(t.strip() for t, _ in runs):
            return
        face = self.fonts.hei if para.bold else self.fonts.song
        lines = wrap(([("　" * 2, False)] if indent else []) + runs, CONTENT_W, size, face, self.m)
        self.y -= para.space_before * leading
        for line in lines:
            if self.y - leading < self.bottom:
                self._new_page()
            self.y -= leading
            x = MARGIN_X
            if para.align == "center":
                x += (CONTENT_W - line.width) / 2
            elif para.align == "right":
                x += CONTENT_W - line.width
            self._text(self.page, line, x, self.y + (leading - size) / 2 + size * 0.12, size)

    def _grid(self, grid: Grid) -> None:
        label_w = self.size * 2 + 2 * PAD_X if grid.has_sections else 0
        unit = (CONTENT_W - label_w) / grid.columns
        rows: list[_RowBox] = []
        for item in grid.rows:
            if isinstance(item, Section):
                rows += [self._row(r, label_w, unit, item.label) for r in item.rows]
            else:
                rows.append(self._row(item, 0, (CONTENT_W) / grid.columns, None))
        self._rows(rows, label_w)

    def _table(self, table: Table) -> None:
        """A header row, then one row per list entry; entry values are printed literally."""
        unit = CONTENT_W / table.width
        header = self._row_of([(Cell(c.header, c.span, "label", "center"), [(c.header, False)])
                               for c in table.columns], unit, self.fonts.hei)
        header.splittable = False
        entries = lookup(self.ctx, table.list_path)
        if entries:
            rows = [self._row_of([(Cell("", c.span, "value", c.align,
                                        2 if not any(entry.values()) else 1),
                                   [(entry[c.key], False)]) for c in table.columns], unit)
                    for entry in entries]
        else:
            empty = Cell(table.empty_text, table.width, "value", "center")
            rows = [self._row_of([(empty, fill(table.empty_text, self.ctx))], unit)]
        self._rows(rows, 0, header)

    def _rows(self, rows: list[_RowBox], label_w: float, header: _RowBox | None = None) -> None:
        """Place bordered rows, closing the table at each page break (and repeating `header`
        at the top of each page)."""
        self.y -= 2
        if header and rows and self.y - header.height - min(rows[0].height, 2 * self.leading
                                                           + 2 * PAD_Y) < self.bottom:
            self._new_page()  # never a header alone at the foot of a page
        grid_top, run_start, run_label = self.y, self.y, None
        if header:
            self._place(header, label_w, None, self.y)
        for row in rows:
            while True:
                if self.y - row.height >= self.bottom:
                    break
                part = self._split(row, self.y - self.bottom) if row.splittable else None
                if part is not None:
                    first, row = part
                    run_label, run_start = self._place(first, label_w, run_label, run_start)
                self._close_grid(grid_top, run_label, run_start, label_w)
                self._new_page()
                grid_top, run_start, run_label = self.y, self.y, None
                if header:
                    self._place(header, label_w, None, self.y)
            run_label, run_start = self._place(row, label_w, run_label, run_start)
        self._close_grid(grid_top, run_label, run_start, label_w)

    def _row(self, row: Row, x0: float, unit: float, section: str | None) -> _RowBox:
        return self._row_of([(c, fill(c.text, self.ctx)) for c in row.cells], unit, x0=x0,
                            section=section)

    def _row_of(self, cells, unit: float, face=None, x0: float = 0,
                section: str | None = None) -> _RowBox:
        """A row from (cell, text runs) pairs; the runs are printed as they are."""
        out, x, height = [], MARGIN_X + x0, 0.0
        splittable = True
        for cell, runs in cells:
            w = cell.span * unit
            inner = w - 2 * PAD_X
            lines = wrap([(t, False) for t, _ in runs], inner, self.size, face or self.fonts.song,
                         self.m)
            date_line = None
            n = max(len(lines), cell.lines)
            if cell.style == "sign":
                splittable = False
                date_line = self._wrap(cell.date or "年　　月　　日", inner)[0]
                n = max(len(lines) + 2, cell.lines)
            out.append(_CellBox(x, w, cell, lines, date_line))
            height = max(height, n * self.leading + 2 * PAD_Y)
            x += w
        return _RowBox(out, height, section, splittable)

    def _split(self, row: _RowBox, room: float) -> tuple[_RowBox, _RowBox] | None:
        """Split a tall row between pages at a line boundary, or None if under two lines fit."""
        fit = int((room - 2 * PAD_Y) // self.leading)
        if fit < 2 or all(len(c.lines) <= fit for c in row.cells):
            return None
        first, rest = [], []
        for c in row.cells:
            keep = c.lines if c.cell.style == "label" else c.lines[:fit]
            first.append(replace(c, lines=keep))
            rest.append(replace(c, lines=c.lines if c.cell.style == "label" else c.lines[fit:]))
        rest_n = max(len(c.lines) for c in rest)
        return (_RowBox(first, fit * self.leading + 2 * PAD_Y, row.section),
                _RowBox(rest, rest_n * self.leading + 2 * PAD_Y, row.section))

    def _place(self, row: _RowBox, label_w: float, run_label, run_start):
        if row.section != run_label:
            if run_label is not None:
                self._section_label(run_label, run_start, self.y, label_w)
            run_label, run_start = row.section, self.y
        top, bottom = self.y, self.y - row.height
        page = self.page
        for c in row.cells:
            page.ops.append(("line", c.x, bottom, c.x + c.w, bottom, THIN))
            page.ops.append(("line", c.x + c.w, top, c.x + c.w, bottom, THIN))
            self._cell_text(c, top, bottom)
        self.y = bottom
        return run_label, run_start

    def _cell_text(self, c: _CellBox, top: float, bottom: float) -> None:
        inner = c.w - 2 * PAD_X
        block_h = len(c.lines) * self.leading
        if c.cell.style == "sign" or len(c.lines) > 1 and c.cell.style == "value":
            y = top - PAD_Y
        else:  # single lines and labels sit in the middle of their cell
            y = top - (top - bottom - block_h) / 2
        for line in c.lines:
            y -= self.leading
            x = c.x + PAD_X
            if c.cell.align == "center":
                x += (inner - line.width) / 2
            elif c.cell.align == "right":
                x += inner - line.width
            self._text(self.page, line, x, y + (self.leading - self.size) / 2 + self.size * 0.12)
        if c.date_line is not None:
            y = bottom + PAD_Y + (self.leading - self.size) / 2 + self.size * 0.12
            self._text(self.page, c.date_line, c.x + c.w - PAD_X - self.size - c.date_line.width, y)

    def _section_label(self, label: str, top: float, bottom: float, label_w: float) -> None:
        if label is None:
            return
        page = self.page
        page.ops.append(("line", MARGIN_X, bottom, MARGIN_X + label_w, bottom, THIN))
        page.ops.append(("line", MARGIN_X + label_w, top, MARGIN_X + label_w, bottom, THIN))
        chars = list(label)
        step = min(self.leading, (top - bottom - 2 * PAD_Y) / max(len(chars), 1))
        y = (top + bottom) / 2 + step * len(chars) / 2
        for ch in chars:  # vertical caption, one character per line
            y -= step
            line = wrap([(ch, False)], label_w, self.size, self.fonts.hei, self.m)[0]
            self._text(page, line, MARGIN_X + (label_w - line.width) / 2, y + step * 0.2)

    def _close_grid(self, top: float, run_label, run_start, label_w: float) -> None:
        if run_label is not None:
            self._section_label(run_label, run_start, self.y, label_w)
        if top - self.y > 0.1:
            self.page.ops.append(("rect", MARGIN_X, self.y, CONTENT_W, top - self.y, THICK))
            self.page.ops.append(("line", MARGIN_X, top, MARGIN_X, self.y, THIN))

    def pages(self, copy_label: str) -> list[Page]:
        """The form's pages for one copy: the laid-out body under that copy's header."""
        return [Page(self.header(copy_label, continued=i > 0).ops + body.ops)
                for i, body in enumerate(self.bodies)]
