"""Word templates of the forms with their own layout: the envelope and the address label sheet.

Like the other templates they are docxtpl files inside a `{%p for copy in copies %}` loop,
built from the spec's slots; sizes follow docgen.mailing (the PDF) and the settings. Tables
have no cell margins (text is indented instead), so their edges sit where the PDF puts them
whichever Word version lays them out.
"""
from __future__ import annotations

from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from docgen.fields import FIELDS
from docgen.mailing import (EDGE, ENVELOPE_SIZES, POSTAL_BOX_H, POSTAL_BOX_W, POSTAL_GAP,
                            POSTAL_LEFT, POSTAL_TOP, STAMP_H, STAMP_W)
from docgen.settings import Settings
from docgen.spec import FormSpec
from docgen.wordbuild import (BODY_FONT, TITLE_FONT, _cell_margins, _fonts, _runs, _spacing, _tag,
                              new_document)

RED = "C00000"
MM = Mm(1).pt
# (size, east-Asian font, alignment) of each line of an address label, as in docgen.mailing
LABEL_STYLE = {"postal_code": (11, TITLE_FONT, "left"), "address": (9, BODY_FONT, "left"),
               "addressee": (12, TITLE_FONT, "left"), "contact": (9, BODY_FONT, "left"),
               "sample_line": (7, BODY_FONT, "right")}


def _borders(tc, color: str | None, size: int = 6) -> None:
    """Cell borders of a w:tc: all four sides in `color` (eighths of a point), or none."""
    tc_pr = tc.get_or_add_tcPr()
    for old in tc_pr.findall(qn("w:tcBorders")):
        tc_pr.remove(old)
    borders = OxmlElement("w:tcBorders")
    for side in ("top", "left", "bottom", "right"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:val"), "single" if color else "nil")
        if color:
            el.set(qn("w:sz"), str(size))
            el.set(qn("w:color"), color)
        borders.append(el)
    tc_pr.insert_element_before(borders, "w:shd", "w:noWrap", "w:tcMar", "w:textDirection",
                                "w:tcFitText", "w:vAlign", "w:hideMark")


def _table(doc, widths: list[float], rows: int):
    """A borderless fixed-layout table with these column widths (points), no cell margins."""
    table = doc.add_table(rows=rows, cols=len(widths))
    table.autofit = False
    _cell_margins(table, 0)
    for col, w in zip(table.columns, widths):
        col.width = Pt(w)
    for row in table.rows:
        for cell, w in zip(row.cells, widths):
            cell.width = Pt(w)
            _borders(cell._tc, None)
    return table


def _height(row, points: float) -> None:
    row.height = Pt(points)
    row.height_rule = WD_ROW_HEIGHT_RULE.EXACTLY


def _para(container, text: str, size: float, align="left", east_asia=BODY_FONT, bold=False,
          indent: float = 0, first: bool = False):
    p = container.paragraphs[0] if first else container.add_paragraph()
    p.alignment = {"left": WD_ALIGN_PARAGRAPH.LEFT, "center": WD_ALIGN_PARAGRAPH.CENTER,
                   "right": WD_ALIGN_PARAGRAPH.RIGHT}[align]
    _spacing(p, size, leading=1.3)
    if indent:
        p.paragraph_format.left_indent = p.paragraph_format.right_indent = Pt(indent)
    _runs(p, text, size, False, east_asia, bold)
    return p


def _spacer(doc, points: float) -> None:
    """A paragraph exactly `points` high (it also keeps two tables from merging)."""
    p = doc.add_paragraph()
    p.paragraph_format.space_before = p.paragraph_format.space_after = Pt(0)
    p.paragraph_format.line_spacing = Pt(points)
    _fonts(p.add_run(""), BODY_FONT, 1)


def build_envelope(spec: FormSpec, settings: Settings):
    """The envelope face on envelope-sized paper: a band with the six red postal-code boxes
    (one {{ enterprise.postal_digits[i] }} each) and the stamp box, then the recipient area
    and the sender, both exactly as high as the PDF gives them."""
    width, height = ENVELOPE_SIZES[settings.envelope_size]
    side, gap, sender_h = EDGE, 6 * MM, 16 * MM
    # 3 mm spare at the foot for the paragraph Word needs after the last table
    doc = new_document(spec, (Pt(width), Pt(height)),
                       (Pt(POSTAL_TOP), Pt(side), Pt(EDGE - 3 * MM), Pt(side)))
    inner = width - 2 * side
    _tag(doc, "{%p for copy in copies %}")
    boxes = [POSTAL_LEFT - side] + [POSTAL_BOX_W, POSTAL_GAP] * 5 + [POSTAL_BOX_W]
    band = _table(doc, boxes + [inner - sum(boxes) - STAMP_W, STAMP_W], 2)
    _height(band.rows[0], POSTAL_BOX_H)
    _height(band.rows[1], STAMP_H - POSTAL_BOX_H)
    digits = spec.slot("postal_digits")[1:-1]  # the one field the slot holds
    for i in range(6):
        cell = band.rows[0].cells[1 + 2 * i]
        _borders(cell._tc, RED, 8)
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        p = _para(cell, "", 16, "center", TITLE_FONT, first=True)
        _fonts(p.add_run("{{ %s[%d] }}" % (digits, i)), TITLE_FONT, 16)
    stamp = band.rows[0].cells[-1].merge(band.rows[1].cells[-1])
    for row in band.rows:  # both halves of the merged cell draw the box
        _borders(row._tr.tc_lst[-1], RED, 6)
    stamp.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    _para(stamp, "贴　邮", 9, "center", first=True)
    _para(stamp, "票　处", 9, "center")
    _spacer(doc, gap)
    body = _table(doc, [inner], 2)
    _height(body.rows[0], height - POSTAL_TOP - STAMP_H - gap - sender_h - EDGE)
    _height(body.rows[1], sender_h)
    area = body.rows[0].cells[0]
    area.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    indent = 25 * MM - side
    _para(area, spec.slot("address"), 13, indent=indent, first=True)
    p = _para(area, spec.slot("addressee"), 17, "center", TITLE_FONT, indent=indent)
    p.paragraph_format.space_before = Pt(8)
    _para(area, spec.slot("contact"), 11, "center", indent=indent)
    p = _para(area, spec.slot("note"), 8, indent=indent)
    p.paragraph_format.space_before = Pt(8)
    sender = body.rows[1].cells[0]
    sender.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.BOTTOM
    _para(sender, spec.slot("sender"), 9, "right", first=True)
    _para(sender, spec.slot("sender_postal"), 9, "right")
    _tag(doc, "{%p endfor %}")
    _spacer(doc, 1)
    return doc


def build_label_sheet(spec: FormSpec, settings: Settings):
    """A table of labels with the grid of the settings: one {%tr for row in labels %} row of
    `label_columns` cells ({{ row[0].address }} …), with gap columns and rows between."""
    s = settings
    used_h = s.label_margin_top + s.label_rows * (s.label_height + s.label_gap_y) - s.label_gap_y
    used_w = s.label_margin_left + s.label_columns * (s.label_width + s.label_gap_x) - s.label_gap_x
    # the bottom margin leaves just room for label_rows rows, so Word turns the page where the
    # stock does; 3 mm spare for the paragraph Word needs after a table
    doc = new_document(spec, (Mm(210), Mm(297)),
                       (Mm(s.label_margin_top), Mm(max(210 - used_w, 0)),
                        Mm(max(297 - used_h - 3, 0)), Mm(s.label_margin_left)))
    _tag(doc, "{%p for copy in copies %}")
    widths = []
    for c in range(s.label_columns):
        widths += ([s.label_gap_x * MM] if c and s.label_gap_x else []) + [s.label_width * MM]
    gap_row = s.label_gap_y > 0
    table = _table(doc, widths, 3 + gap_row)
    for i, text in ((0, "{%tr for row in labels %}"), (2 + gap_row, "{%tr endfor %}")):
        _para(table.rows[i].cells[0].merge(table.rows[i].cells[-1]), text, 8, first=True)
    row = table.rows[1]
    _height(row, s.label_height * MM)
    row._tr.get_or_add_trPr().insert_element_before(OxmlElement("w:cantSplit"), "w:trHeight")
    if gap_row:
        _height(table.rows[2], s.label_gap_y * MM)
    step = 2 if s.label_gap_x else 1  # label cells, with gap cells between them
    for col in range(s.label_columns):
        cell = row.cells[col * step]
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        for n, key in enumerate(FIELDS["labels"].items):
            size, face, align = LABEL_STYLE[key]
            p = cell.paragraphs[0] if n == 0 else cell.add_paragraph()
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT if align == "right" else WD_ALIGN_PARAGRAPH.LEFT
            _spacing(p, size, leading=1.25)
            p.paragraph_format.left_indent = p.paragraph_format.right_indent = Pt(4 * MM)
            _fonts(p.add_run("{{ row[%d].%s }}" % (col, key)), face, size)
    _tag(doc, "{%p endfor %}")
    _spacer(doc, 1)
    return doc


BUILDERS = {"envelope": build_envelope, "label_sheet": build_label_sheet}
