"""Writing one titled, bordered table (a list or register) as PDF, Word or Excel.

The table is plain data and each format has one writer. Cells wrap inside their columns, the
header row repeats on every page, and record text is always written as text: escaped in Word
and never a formula in Excel.
"""
from __future__ import annotations

import math
import re
from copy import deepcopy
from dataclasses import dataclass
from io import BytesIO

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from docgen.layout import Page
from docgen.pdf import draw_page
from docgen.textflow import Line, Measurer, wrap
from docgen.word import deterministic_zip
from docgen.wordbuild import BODY_FONT, LATIN_FONT, TITLE_FONT, _cell_margins, _fonts, _spacing
from docgen.xlsxtext import put_text, text_width

NONE = "/"  # what a Chinese form writes in a cell with nothing to say; centred like a mark
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 15 * mm, 14 * mm, 16 * mm
PAD_X, PAD_Y = 3.0, 3.0
PAD_EM = 0.8  # both paddings of a cell, in ems (at least 2 * PAD_X at a 9-point font)
THIN, THICK = 0.5, 1.0
TITLE_SIZE = 16


@dataclass(frozen=True)
class TableColumn:
    header: str
    width: float  # the widest the column grows to fit its text, in Chinese characters
    align: str = "left"  # or "center"


@dataclass(frozen=True)
class TitledTable:
    title: str
    sheet: str  # Excel sheet name (at most 31 characters)
    lines: tuple[tuple[str, str], ...]  # (left, right) text lines between title and table
    columns: tuple[TableColumn, ...]
    rows: tuple[tuple[str, ...], ...]
    notes: tuple[str, ...] = ()  # lines below the table
    landscape: bool = False
    font_size: float = 10.0


def page_size(table: TitledTable) -> tuple[float, float]:
    return landscape(A4) if table.landscape else A4


def page_label(i: int, n: int) -> str:
    return f"第 {i} 页／共 {n} 页"


def _centered(column: TableColumn, text: str) -> bool:
    return column.align == "center" or text == NONE


def header_lines(header: str, width: float) -> str:
    """A header too long for its column (in ems) broken in two where it reads well: before a
    bracket (生产日期 / （批号）), else in the middle (检验 / 结论)."""
    if len(header) <= width - PAD_EM + 0.01:
        return header
    cut = header.index("（") if "（" in header else math.ceil(len(header) / 2)
    return header[:cut] + "\n" + header[cut:]


def column_widths(table: TitledTable, total: float) -> list[float]:
    """Column widths in ems, summing to `total`: each column as wide as its longest line up to
    its TableColumn.width; never so narrow that a short value (a date, 不合格), a Latin word (a
    model, a report number) or half its header would wrap; then all stretched or shrunk in
    proportion to fill the page."""
    low, want = [], []
    for i, col in enumerate(table.columns):
        texts = [row[i] for row in table.rows]
        longest = max((text_width(line) for t in texts for line in t.split("\n")), default=0) / 2
        # a Latin word, with room for capitals wider than half an em in proportional fonts
        word = max((len(w) for t in texts for w in re.findall(r"[!-~]+", t)), default=0) * 0.55
        n = len(col.header)
        head = n if n <= 3 else math.ceil(n / 2)
        if "（" in col.header:
            head = max(head, col.header.index("（"), n - col.header.index("（"))
        least = max(head, min(word, 7), longest if longest <= 7 else 0, 1.5) + PAD_EM
        low.append(least)
        want.append(max(least, min(max(longest, n, 4), col.width) + PAD_EM))
    if sum(low) >= total:
        return [w * total / sum(low) for w in low]
    fixed: set[int] = set()  # columns held at their minimum while the others shrink
    while True:
        scale = ((total - sum(low[i] for i in fixed))
                 / sum(w for i, w in enumerate(want) if i not in fixed))
        held = {i for i, w in enumerate(want) if i not in fixed and w * scale < low[i]}
        if not held:
            return [low[i] if i in fixed else w * scale for i, w in enumerate(want)]
        fixed |= held


# -- PDF -----------------------------------------------------------------------------------------

class _PdfPages:
    """Places rows top to bottom, starting a page (with the header row again) when one is full
    and splitting a row taller than a whole page between pages."""

    def __init__(self, table: TitledTable, m: Measurer):
        self.t, self.m, self.fonts = table, m, m.fonts
        self.page_w, self.page_h = page_size(table)
        self.width = self.page_w - 2 * MARGIN_X
        self.size = size = table.font_size
        self.leading = size * 1.35
        ems = column_widths(table, self.width / size)
        self.widths = [w * size for w in ems]
        self.head = self._wrap_row([header_lines(c.header, w) for c, w in zip(table.columns, ems)],
                                   self.fonts.hei)
        self.pages: list[Page] = []

    def _wrap_row(self, texts, face) -> list[list[Line]]:
        return [wrap([(t, False)], w - 2 * PAD_X, self.size, face, self.m)
                for t, w in zip(texts, self.widths)]

    def _height(self, cells: list[list[Line]]) -> float:
        return max(1, *(len(c) for c in cells)) * self.leading + 2 * PAD_Y

    def _text(self, line: Line, x: float, y: float, size: float) -> None:
        self.page.ops.append(("text", x, y, line, size))

    def _new_page(self) -> None:
        self.page = Page()
        self.pages.append(self.page)
        self.y = self.page_h - MARGIN_TOP

    def _start_table(self) -> None:
        self.top = self.y
        self._row(self.head, self._height(self.head), [True] * len(self.widths))

    def _heading(self) -> None:
        """The title, then each (left, right) line: left wrapped, right set flush right."""
        song = self.fonts.song
        for line in wrap([(self.t.title, False)], self.width, TITLE_SIZE, self.fonts.hei, self.m):
            self.y -= TITLE_SIZE * 1.4
            self._text(line, MARGIN_X + (self.width - line.width) / 2, self.y, TITLE_SIZE)
        self.y -= 6
        size = self.size
        for left, right in self.t.lines:
            r = wrap([(right, False)], self.width, size, song, self.m)[0]
            for i, line in enumerate(wrap([(left, False)], self.width - r.width - 2 * size, size,
                                          song, self.m)):
                self.y -= size * 1.6
                self._text(line, MARGIN_X, self.y, size)
                if i == 0:
                    self._text(r, MARGIN_X + self.width - r.width, self.y, size)
        self.y -= size * 0.6

    def _row(self, cells: list[list[Line]], height: float, centered: list[bool]) -> None:
        top, bottom = self.y, self.y - height
        x = MARGIN_X
        for lines, w, center in zip(cells, self.widths, centered):
            y = top - (height - len(lines) * self.leading) / 2
            for line in lines:
                y -= self.leading
                lx = x + PAD_X
                if center:
                    lx += (w - 2 * PAD_X - line.width) / 2
                baseline = y + (self.leading - self.size) / 2 + self.size * 0.12
                self._text(line, lx, baseline, self.size)
            x += w
            self.page.ops.append(("line", x, top, x, bottom, THIN))
        self.page.ops.append(("line", MARGIN_X, bottom, MARGIN_X + self.width, bottom, THIN))
        self.y = bottom

    def _close_table(self) -> None:
        self.page.ops.append(("rect", MARGIN_X, self.y, self.width, self.top - self.y, THICK))

    def _break(self) -> None:
        self._close_table()
        self._new_page()
        self._start_table()

    def _add(self, texts: tuple[str, ...], first_on_page: bool) -> None:
        cells = self._wrap_row(texts, self.fonts.song)
        centered = [_centered(c, t) for c, t in zip(self.t.columns, texts)]
        height = self._height(cells)
        fresh = self.page_h - MARGIN_TOP - MARGIN_BOTTOM - self._height(self.head)
        while height > self.y - MARGIN_BOTTOM:
            fit = int((self.y - MARGIN_BOTTOM - 2 * PAD_Y) // self.leading)
            if (height <= fresh and not first_on_page) or fit < 1:
                self._break()
                first_on_page = True
                continue
            self._row([c[:fit] for c in cells], fit * self.leading + 2 * PAD_Y, centered)
            cells = [c[fit:] for c in cells]
            height = self._height(cells)
            self._break()
        self._row(cells, height, centered)

    def layout(self) -> list[Page]:
        self._new_page()
        self._heading()
        self._start_table()
        for i, row in enumerate(self.t.rows):
            self._add(row, first_on_page=i == 0)
        self._close_table()
        self.y -= self.size * 0.8
        for note in self.t.notes:
            for line in wrap([(note, False)], self.width, self.size, self.fonts.song, self.m):
                if self.y - self.size * 1.6 < MARGIN_BOTTOM:
                    self._new_page()
                self.y -= self.size * 1.6
                self._text(line, MARGIN_X, self.y, self.size)
        n = len(self.pages)
        for i, page in enumerate(self.pages, start=1):
            line = wrap([(page_label(i, n), False)], self.width, 9, self.fonts.song, self.m)[0]
            page.ops.append(("footer", (self.page_w - line.width) / 2, MARGIN_BOTTOM / 2, line, 9))
        return self.pages


def table_pdf(table: TitledTable, m: Measurer, *, author: str = "") -> bytes:
    pages = _PdfPages(table, m).layout()
    buf = BytesIO()
    # initialFontName: otherwise every page lists an unembedded Helvetica among its fonts
    c = Canvas(buf, pagesize=page_size(table), pageCompression=1, invariant=1,
               initialFontName=m.fonts.song.name)
    c.setTitle(table.title)
    c.setAuthor(author)
    c.setCreator("spotcheck docgen")
    for page in pages:
        draw_page(c, page)
        c.showPage()
    c.save()
    return buf.getvalue()


# -- Word ----------------------------------------------------------------------------------------

# What follows w:autoSpaceDN in a w:pPr (ECMA-376 CT_PPrBase): Word refuses elements out of order.
_AFTER_AUTOSPACE = ("w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind",
                    "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc",
                    "w:textDirection", "w:textAlignment", "w:textboxTightWrap",
                    "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")


def _page_field(paragraph, instr: str) -> None:
    """A PAGE or NUMPAGES field: Word counts the pages as it lays them out."""
    fld = OxmlElement("w:fldSimple")
    fld.set(qn("w:instr"), instr)
    run = paragraph.add_run("1")
    _fonts(run, size=9)
    fld.append(run._r)
    paragraph._p.append(fld)


def _word_cell(cell, text: str, width, font: str, size: float, centered: bool) -> None:
    cell.width = width
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    para = cell.paragraphs[0]
    _spacing(para, size, before=PAD_Y, leading=1.25)
    para.paragraph_format.space_after = Pt(PAD_Y)
    if centered:
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _fonts(para.add_run(text), font, size)  # python-docx escapes & and <; \n becomes a break


def table_docx(table: TitledTable, *, author: str = "") -> bytes:
    size = table.font_size
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE if table.landscape else WD_ORIENT.PORTRAIT
    page_w, page_h = page_size(table)
    section.page_width, section.page_height = Pt(page_w), Pt(page_h)
    section.left_margin = section.right_margin = Pt(MARGIN_X)
    section.top_margin, section.bottom_margin = Pt(MARGIN_TOP), Pt(MARGIN_BOTTOM)
    normal = doc.styles["Normal"]
    normal.font.name = LATIN_FONT
    normal.font.size = Pt(size)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    ppr = normal.element.get_or_add_pPr()
    for name in ("w:autoSpaceDE", "w:autoSpaceDN"):  # no extra space between 2023 and 年:
        ppr.insert_element_before(OxmlElement(name, {qn("w:val"): "0"}),  # cells are sized
                                  *_AFTER_AUTOSPACE)  # without it
    doc.core_properties.title = table.title
    doc.core_properties.author = author or "spotcheck"

    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _fonts(p.add_run(table.title), TITLE_FONT, TITLE_SIZE)
    _spacing(p, TITLE_SIZE, leading=1.5)
    content_w = page_w - 2 * MARGIN_X
    for left, right in table.lines:
        p = doc.add_paragraph()
        _spacing(p, size, before=3)
        p.paragraph_format.tab_stops.add_tab_stop(Pt(content_w), WD_TAB_ALIGNMENT.RIGHT)
        _fonts(p.add_run(f"{left}\t{right}" if right else left), size=size)

    ems = column_widths(table, content_w / size)
    widths = [Pt(w * size) for w in ems]
    grid = doc.add_table(rows=1, cols=len(table.columns))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False
    _cell_margins(grid, PAD_X)
    for col, w in zip(grid.columns, widths):
        col.width = w
    head = grid.rows[0]
    for cell, col, w, em in zip(head.cells, table.columns, widths, ems):
        _word_cell(cell, header_lines(col.header, em), w, TITLE_FONT, size, True)
    head._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))  # repeated on every page
    # Rows are copies of one formatted row with the text put in: python-docx builds each
    # formatted cell ten times slower.
    proto = grid.add_row()
    for cell, col, w in zip(proto.cells, table.columns, widths):
        _word_cell(cell, "", w, BODY_FONT, size, col.align == "center")
    proto_tr = proto._tr
    grid._tbl.remove(proto_tr)
    for texts in table.rows:
        tr = deepcopy(proto_tr)
        grid._tbl.append(tr)
        for tc, text, col in zip(tr.tc_lst, texts, table.columns):
            tc.p_lst[0].r_lst[0].text = text
            if text == NONE and col.align != "center":
                tc.p_lst[0].get_or_add_pPr().jc_val = WD_ALIGN_PARAGRAPH.CENTER
    for i, note in enumerate(table.notes):
        p = doc.add_paragraph()
        _spacing(p, size, before=6 if i == 0 else 2)
        _fonts(p.add_run(note), size=size)

    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for text, field in (("第 ", "PAGE"), (" 页／共 ", "NUMPAGES"), (" 页", None)):
        _fonts(footer.add_run(text), size=9)
        if field:
            _page_field(footer, field)
    buf = BytesIO()
    doc.save(buf)
    return deterministic_zip(buf.getvalue())  # python-docx stamps each entry with the time


# -- Excel ---------------------------------------------------------------------------------------

def table_xlsx(table: TitledTable, *, author: str = "") -> bytes:
    n, size = len(table.columns), table.font_size
    body, bold = Font(name="宋体", size=size), Font(name="黑体", size=size, bold=True)
    side = Side(style="thin")
    box = Border(left=side, right=side, top=side, bottom=side)
    wb = Workbook()
    ws = wb.active
    ws.title = table.sheet[:31]
    # Excel's unit is about one digit of its 11-point default font: two per Chinese character.
    ems = column_widths(table, (page_size(table)[0] - 2 * MARGIN_X) / size)
    widths = [w * 2 * size / 11 + 1 for w in ems]
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w

    def line(row: int, text: str, first: int, last: int, font=body, **align) -> None:
        ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
        cell = ws.cell(row=row, column=first)
        put_text(cell, text)
        cell.font, cell.alignment = font, Alignment(vertical="center", **align)

    def cells(row: int, texts, font, header=False) -> None:
        lines = 1
        for i, (text, col) in enumerate(zip(texts, table.columns), start=1):
            cell = ws.cell(row=row, column=i)
            if i == 1 and text.isdigit():
                cell.value = int(text)  # 序号 as a number, not as text Excel flags
            else:
                put_text(cell, text)
            centered = header or _centered(col, text)
            cell.font, cell.border = font, box
            cell.alignment = Alignment(horizontal="center" if centered else "left",
                                       vertical="center", wrap_text=True)
            room = max(widths[i - 1] - 1.5, 1)
            lines = max(lines, sum(math.ceil(text_width(p) / room) or 1 for p in text.split("\n")))
        ws.row_dimensions[row].height = lines * size * 1.35 + 6  # openpyxl cannot autofit

    line(1, table.title, 1, n, Font(name="黑体", size=TITLE_SIZE), horizontal="center")
    ws.row_dimensions[1].height = TITLE_SIZE * 2
    split = max(1, math.ceil(n * 0.6))  # a right-hand text takes the last columns
    for r, (left, right) in enumerate(table.lines, start=2):
        if right and n > 1:
            line(r, left, 1, split, horizontal="left")
            line(r, right, split + 1, n, horizontal="right")
        else:
            line(r, left, 1, n, horizontal="left")
    head_row = len(table.lines) + 2
    cells(head_row, [header_lines(c.header, w) for c, w in zip(table.columns, ems)], bold, True)
    for r, texts in enumerate(table.rows, start=head_row + 1):
        cells(r, texts, body)
    for r, note in enumerate(table.notes, start=head_row + len(table.rows) + 2):
        line(r, note, 1, n, horizontal="left")

    ws.freeze_panes = f"A{head_row + 1}"
    ws.print_title_rows = f"{head_row}:{head_row}"
    ws.print_area = f"A1:{get_column_letter(n)}{ws.max_row}"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if table.landscape else "portrait"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0  # one page wide, any length
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.horizontalCentered = True
    margins = ws.page_margins  # inches
    margins.left = margins.right = margins.top = 0.6
    margins.bottom, margins.footer = 0.7, 0.3
    ws.oddFooter.center.text = "第 &P 页／共 &N 页"
    wb.properties.title = table.title
    wb.properties.creator = author or "spotcheck"
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()
