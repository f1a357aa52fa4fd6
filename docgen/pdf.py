"""Drawing laid-out pages onto a reportlab canvas: text in embedded fonts, rules, checkboxes,
photos, page footers and the PDF outline."""
from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO
from typing import BinaryIO

from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from docgen.formatting import CHECKED
from docgen.layout import CONTENT_W, MARGIN_BOTTOM, MARGIN_X, PAGE_H, PAGE_W, Page
from docgen.textflow import Line


@dataclass(frozen=True)
class Part:
    """A run of pages with its outline entry (level 0 = top, 1 = nested).

    A Part without pages is an outline heading for the pages of the parts that follow it.
    """

    title: str
    pages: list[Page]
    level: int = 0


def _draw_line(c: Canvas, line: Line, x: float, y: float, size: float, state: dict) -> None:
    for seg in line.segments:
        sx = x + seg.x
        if seg.face is None:  # ☐/☑ as vector boxes, independent of any font
            box = size * 0.78
            for i, ch in enumerate(seg.text):
                bx = sx + i * size + (size - box) / 2
                c.setLineWidth(0.6)
                c.rect(bx, y - size * 0.08, box, box, stroke=1, fill=0)
                if ch == CHECKED:
                    p = c.beginPath()
                    p.moveTo(bx + box * 0.18, y - size * 0.08 + box * 0.5)
                    p.lineTo(bx + box * 0.42, y - size * 0.08 + box * 0.2)
                    p.lineTo(bx + box * 0.85, y - size * 0.08 + box * 0.88)
                    c.setLineWidth(1.1)
                    c.drawPath(p, stroke=1, fill=0)
            state["width"] = None
            continue
        if state.get("font") != (seg.face.name, size):
            c.setFont(seg.face.name, size)
            state["font"] = (seg.face.name, size)
        c.drawString(sx, y, seg.text)
        if seg.underline and seg.text.strip("　 "):
            _rule(c, sx, y - size * 0.18, sx + seg.width, 0.5, state)
        elif seg.underline:  # an empty field inline: a blank line to write on
            _rule(c, sx, y - size * 0.18, sx + seg.width, 0.5, state)


def _rule(c: Canvas, x1: float, y: float, x2: float, width: float, state: dict) -> None:
    if state.get("width") != width:
        c.setLineWidth(width)
        state["width"] = width
    c.line(x1, y, x2, y)


def draw_page(c: Canvas, page: Page) -> None:
    state: dict = {}
    for op in page.ops:
        kind = op[0]
        if kind == "text":
            _, x, y, line, size = op
            _draw_line(c, line, x, y, size, state)
        elif kind == "line":
            _, x1, y1, x2, y2, w = op
            if state.get("width") != w:
                c.setLineWidth(w)
                state["width"] = w
            c.line(x1, y1, x2, y2)
        elif kind == "rect":
            _, x, y, w, h, lw = op
            c.setLineWidth(lw)
            state["width"] = lw
            c.rect(x, y, w, h, stroke=1, fill=0)
        elif kind == "image":
            _, data, x, y, w, h = op
            c.drawImage(ImageReader(BytesIO(data)), x, y, w, h)
        else:
            raise ValueError(f"unknown drawing operation {kind!r}")


def write_pdf(out: BinaryIO | str, parts: list[Part], *, footer: str, title: str,
              author: str, footer_font: str) -> int:
    """Draw the parts into one PDF with an outline and “第 i 页／共 n 页” footers; returns pages."""
    # initialFontName: otherwise every page lists an unembedded Helvetica among its fonts
    c = Canvas(out, pagesize=(PAGE_W, PAGE_H), pageCompression=1, invariant=1,
               initialFontName=footer_font)
    c.setTitle(title)
    c.setAuthor(author)
    c.setCreator("spotcheck docgen")
    total = sum(len(p.pages) for p in parts)
    n = 0
    pending: list[tuple[str, int]] = []
    for part in parts:
        pending.append((part.title, part.level))
        for page in part.pages:
            n += 1
            for title, level in pending:
                key = f"o{n}-{level}"
                c.bookmarkPage(key)
                c.addOutlineEntry(title, key, level=level)
            pending = []
            draw_page(c, page)
            c.setFont(footer_font, 7.5)
            c.setFillGray(0.35)
            c.drawCentredString(MARGIN_X + CONTENT_W / 2, MARGIN_BOTTOM / 2,
                                f"{footer}　第 {n} 页／共 {total} 页")
            c.setFillGray(0)
            c.showPage()
    c.showOutline()
    c.save()
    return total
