"""Building the Word template of a form from its spec (python-docx), for docxtpl to fill.

The templates are ordinary .docx files in templates_docx/, with {{ field }} tags where values
go and one `{%p for copy in copies %}` loop that repeats the form for each 联. A bureau can
open and restyle them in Word; `python -m docgen templates` rebuilds them from the specs.
Forms with their own layout (envelope, label sheet) are built by docgen.mailing_word.
"""
from __future__ import annotations

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from docgen.fields import FIELDS
from docgen.layout import CONTENT_W, MARGIN_BOTTOM, MARGIN_TOP, MARGIN_X, PAD_X
from docgen.settings import Settings
from docgen.spec import PLACEHOLDER, Cell, Cut, FormSpec, Grid, Para, Section, Table

BODY_FONT, TITLE_FONT, LATIN_FONT = "宋体", "黑体", "Times New Roman"
_ALIGN = {"left": WD_ALIGN_PARAGRAPH.LEFT, "center": WD_ALIGN_PARAGRAPH.CENTER,
          "right": WD_ALIGN_PARAGRAPH.RIGHT, "justify": WD_ALIGN_PARAGRAPH.JUSTIFY}


def jinja(text: str) -> str:
    """Spec placeholders {a.b} become docxtpl tags {{ a.b }}."""
    return PLACEHOLDER.sub(lambda m: "{{ %s }}" % m.group(1), text)


def _fonts(run, east_asia: str = BODY_FONT, size: float | None = None, bold=False) -> None:
    run.font.name = LATIN_FONT
    rpr = run._element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    rfonts.set(qn("w:eastAsia"), east_asia)
    if size:
        run.font.size = Pt(size)
    run.font.bold = bold or None


def _runs(paragraph, text: str, size: float, underline_fields: bool, east_asia=BODY_FONT,
          bold=False) -> None:
    """Fixed text as plain runs, each placeholder as its own run (underlined in running text)."""
    pos = 0
    for m in PLACEHOLDER.finditer(text):
        if m.start() > pos:
            _fonts(paragraph.add_run(text[pos:m.start()]), east_asia, size, bold)
        run = paragraph.add_run("{{ %s }}" % m.group(1))
        _fonts(run, east_asia, size, bold)
        if underline_fields and FIELDS[m.group(1)].underline:
            run.font.underline = True
        pos = m.end()
    if pos < len(text):
        _fonts(paragraph.add_run(text[pos:]), east_asia, size, bold)


def _tag(doc, tag: str) -> None:
    """A paragraph holding only a docxtpl {%p ... %} tag (docxtpl removes the paragraph)."""
    doc.add_paragraph(tag)


def _spacing(paragraph, size: float, before: float = 0, leading: float = 1.45) -> None:
    fmt = paragraph.paragraph_format
    fmt.space_before = Pt(before)
    fmt.space_after = Pt(0)
    fmt.line_spacing = Pt(size * leading)


def _header(doc, spec: FormSpec, size: float) -> None:
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _runs(p, spec.title, 18, False, TITLE_FONT, bold=True)
    _spacing(p, 18)
    if spec.subtitle:
        p = doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _runs(p, spec.subtitle, 12, False)
    p = doc.add_paragraph()
    _spacing(p, size, before=4)
    p.paragraph_format.tab_stops.add_tab_stop(Pt(CONTENT_W), WD_TAB_ALIGNMENT.RIGHT)
    _runs(p, "编号：" + spec.number, size, False)
    _fonts(p.add_run("\t{{ copy.label }}　{{ copy.holder }}"), TITLE_FONT, size)


def _para(doc, para: Para, size: float) -> None:
    size = {"body": size, "small": size * 0.85, "large": size * 1.2}[para.size]
    p = doc.add_paragraph()
    p.alignment = _ALIGN[para.align]
    _spacing(p, size * 1.1, before=para.space_before * size * 1.6)
    if para.indent:
        p.paragraph_format.first_line_indent = Pt(2 * size)
    _runs(p, para.text, size, not para.plain, TITLE_FONT if para.bold else BODY_FONT,
          bold=para.bold)


def _cut(doc, cut: Cut, size: float) -> None:
    """The caption centred on a dashed line: hyphen tab leaders before and after it."""
    p = doc.add_paragraph()
    _spacing(p, size, before=size)
    stops = p.paragraph_format.tab_stops
    stops.add_tab_stop(Pt(CONTENT_W / 2), WD_TAB_ALIGNMENT.CENTER, WD_TAB_LEADER.DASHES)
    stops.add_tab_stop(Pt(CONTENT_W), WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DASHES)
    _runs(p, f"\t{cut.text}\t", size * 0.85, False)


def _cell_text(cell, spec_cell: Cell, size: float) -> None:
    p = cell.paragraphs[0]
    _spacing(p, size, leading=1.2)  # the row height, not the line spacing, gives the room
    p.alignment = _ALIGN[spec_cell.align]
    _runs(p, spec_cell.text, size, False)
    if spec_cell.style == "label":
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    elif spec_cell.style == "sign":
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.TOP
        for _ in range(max(spec_cell.lines - spec_cell.text.count("\n") - 2, 1)):
            _spacing(cell.add_paragraph(), size)
        date = cell.add_paragraph()
        date.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        _spacing(date, size)
        _runs(date, (spec_cell.date or "年　　月　　日") + "　", size, False)
    else:
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER


def _cell_margins(table, pad: float) -> None:
    """The PDF's cell padding, instead of Word's default 0.19 cm that wraps 8-character labels."""
    tbl_pr = table._tbl.tblPr
    margins = OxmlElement("w:tblCellMar")
    for side, width in (("top", 0), ("left", pad), ("bottom", 0), ("right", pad)):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:w"), str(int(width * 20)))
        el.set(qn("w:type"), "dxa")
        margins.append(el)
    tbl_pr.append(margins)


def _row_height(row, lines: int, size: float) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    height = OxmlElement("w:trHeight")
    height.set(qn("w:val"), str(int((lines * size * 1.45 + 5) * 20)))
    height.set(qn("w:hRule"), "atLeast")
    tr_pr.append(height)


def _merged_row(table, i: int, text: str, size: float, align="left") -> None:
    """Row i as one cell holding `text` (a docxtpl {%tr %} tag, or the empty-list line)."""
    row = table.rows[i]
    cell = row.cells[0].merge(row.cells[-1])
    cell.paragraphs[0].alignment = _ALIGN[align]
    _runs(cell.paragraphs[0], text, size, False)


def _table(doc, table: Table, size: float) -> None:
    """Header row (repeated on each page), one {%tr for %} row per entry, and the line shown
    instead when the list is empty."""
    n = table.width
    t = doc.add_table(rows=7, cols=n)
    t.style = "Table Grid"
    _cell_margins(t, PAD_X)
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    t.autofit = False
    for row in t.rows:
        for cell in row.cells:
            cell.width = Pt(CONTENT_W / n)
    header, item = t.rows[0], t.rows[2]
    col = 0
    for c in table.columns:
        for row, text, face, align in ((header, c.header, TITLE_FONT, "center"),
                                       (item, "{{ item.%s }}" % c.key, BODY_FONT, c.align)):
            cell = row.cells[col]
            if c.span > 1:
                cell = cell.merge(row.cells[col + c.span - 1])
            p = cell.paragraphs[0]
            _spacing(p, size, leading=1.2)
            p.alignment = _ALIGN[align]
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            _fonts(p.add_run(text), face, size)  # entry values are not spec placeholders
        col += c.span
    _row_height(header, 1, size)
    header._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))  # after w:trHeight
    _row_height(item, 1, size)
    _merged_row(t, 1, "{%%tr for item in %s %%}" % table.list_path, size)
    _merged_row(t, 3, "{%tr endfor %}", size)
    _merged_row(t, 4, "{%%tr if not %s %%}" % table.list_path, size)
    _merged_row(t, 5, table.empty_text, size, "center")
    _row_height(t.rows[5], 1, size)
    _merged_row(t, 6, "{%tr endif %}", size)


def _grid(doc, grid: Grid, size: float) -> None:
    flat = []  # (section label or None, row)
    for item in grid.rows:
        if isinstance(item, Section):
            flat += [(item.label, r) for r in item.rows]
        else:
            flat.append((None, item))
    lead = 1 if grid.has_sections else 0
    table = doc.add_table(rows=len(flat), cols=grid.columns + lead)
    table.style = "Table Grid"
    _cell_margins(table, PAD_X)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    label_w = size * 2 + 6 if lead else 0
    widths = [label_w] * lead + [(CONTENT_W - label_w) / grid.columns] * grid.columns
    for row in table.rows:
        for cell, w in zip(row.cells, widths):
            cell.width = Pt(w)
    section_start = None
    for i, (label, row_spec) in enumerate(flat):
        row = table.rows[i]
        _row_height(row, max(c.lines for c in row_spec.cells), size)
        col = 0 if label is None and lead else lead
        for j, spec_cell in enumerate(row_spec.cells):
            span = spec_cell.span + (1 if label is None and lead and j == 0 else 0)
            cell = row.cells[col]
            if span > 1:
                cell = cell.merge(row.cells[col + span - 1])
            _cell_text(cell, spec_cell, size)
            col += span
        if lead and label is not None:
            if section_start is None or flat[section_start][0] != label:
                section_start = i
                head = row.cells[0]
                head.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
                p = head.paragraphs[0]
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER
                _runs(p, "\n".join(label), size, False, TITLE_FONT)
            else:
                table.rows[section_start].cells[0].merge(row.cells[0])
        elif label is None:
            section_start = None


def new_document(spec: FormSpec, page: tuple, margins: tuple):
    """An empty document: paper (width, height), margins (top, right, bottom, left), body font."""
    doc = Document()
    section = doc.sections[0]
    width, height = page
    section.orientation = WD_ORIENT.PORTRAIT if width < height else WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = width, height
    (section.top_margin, section.right_margin, section.bottom_margin,
     section.left_margin) = margins
    normal = doc.styles["Normal"]
    normal.font.name = LATIN_FONT
    normal.font.size = Pt(spec.font_size)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    doc.core_properties.title = spec.title
    doc.core_properties.author = "spotcheck"
    doc.core_properties.comments = f"form:{spec.code}"
    return doc


def template_settings(spec: FormSpec, settings: Settings) -> tuple:
    """The settings a form's Word template is built from (the envelope size, the label grid)."""
    if spec.layout == "envelope":
        return (settings.envelope_size,)
    if spec.layout == "label_sheet":
        return (settings.label_columns, settings.label_rows, settings.label_width,
                settings.label_height, settings.label_margin_top, settings.label_margin_left,
                settings.label_gap_x, settings.label_gap_y)
    return ()


def build_template(spec: FormSpec, settings: Settings | None = None):
    """The python-docx Document of a form's Word template."""
    if spec.layout:
        from docgen.mailing_word import BUILDERS  # it builds on the helpers here

        return BUILDERS[spec.layout](spec, settings or Settings())
    doc = new_document(spec, (Mm(210), Mm(297)),
                       (Pt(MARGIN_TOP), Pt(MARGIN_X), Pt(MARGIN_BOTTOM), Pt(MARGIN_X)))
    size = spec.font_size
    _tag(doc, "{%p for copy in copies %}")
    _header(doc, spec, size)
    for block in spec.blocks:
        if isinstance(block, Para):
            _para(doc, block, size)
        elif isinstance(block, Table):
            _table(doc, block, size)
        elif isinstance(block, Cut):
            _cut(doc, block, size)
        else:
            _grid(doc, block, size)
    _tag(doc, "{%p if not loop.last %}")
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    _tag(doc, "{%p endif %}")
    _tag(doc, "{%p endfor %}")
    return doc


def template_drift(spec: FormSpec, path) -> bool:
    """True when the template file's body differs from what the spec builds now."""
    import zipfile
    from io import BytesIO

    try:
        with zipfile.ZipFile(path) as zf:
            current = zf.read("word/document.xml")
    except (OSError, KeyError, zipfile.BadZipFile):
        return True
    buf = BytesIO()
    build_template(spec).save(buf)
    with zipfile.ZipFile(buf) as zf:
        return zf.read("word/document.xml") != current
