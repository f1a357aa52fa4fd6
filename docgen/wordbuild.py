"""Building the Word template of a form from its spec (python-docx), for docxtpl to fill.

The templates are ordinary .docx files in templates_docx/, with {{ field }} tags where values
go and one `{%p for copy in copies %}` loop that repeats the form for each 联. A bureau can
open and restyle them in Word; `python -m docgen templates` rebuilds them from the specs.
"""
from __future__ import annotations

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from docgen.fields import FIELDS
from docgen.layout import CONTENT_W, MARGIN_BOTTOM, MARGIN_TOP, MARGIN_X, PAD_X
from docgen.spec import PLACEHOLDER, Cell, FormSpec, Grid, Para, Section

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
    _runs(p, para.text, size, True, bold=para.bold)


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


def build_template(spec: FormSpec):
    """The python-docx Document of a form's Word template."""
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Pt(MARGIN_X)
    section.top_margin, section.bottom_margin = Pt(MARGIN_TOP), Pt(MARGIN_BOTTOM)
    normal = doc.styles["Normal"]
    normal.font.name = LATIN_FONT
    normal.font.size = Pt(spec.font_size)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    doc.core_properties.title = spec.title
    doc.core_properties.author = "spotcheck"
    doc.core_properties.comments = f"form:{spec.code}"
    size = spec.font_size
    _tag(doc, "{%p for copy in copies %}")
    _header(doc, spec, size)
    for block in spec.blocks:
        if isinstance(block, Para):
            _para(doc, block, size)
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
