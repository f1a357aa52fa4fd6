"""Drawing laid-out pages onto a reportlab canvas: text in embedded fonts, rules, checkboxes,
photos and the PDF outline."""
from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO
from typing import BinaryIO

from reportlab import rl_config
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from docgen.formatting import CHECKED
from docgen.layout import PAGE_H, PAGE_W, Page

# Binary (not ASCII85) streams: smaller files and no encoding pass over every font and photo.
rl_config.useA85 = 0


@dataclass(frozen=True)
class Part:
    """A run of pages with its outline entry (level 0 = top, 1 = nested).

    A Part without pages is an outline heading for the pages of the parts that follow it.
    """

    title: str
    pages: list[Page]
    level: int = 0


def _boxes(c: Canvas, x: float, y: float, size: float, chars: str) -> None:
    """☐/☑ as vector boxes, independent of any font."""
    box = size * 0.78
    for i, ch in enumerate(chars):
        bx, by = x + i * size + (size - box) / 2, y - size * 0.08
        c.setLineWidth(0.6)
        c.rect(bx, by, box, box, stroke=1, fill=0)
        if ch == CHECKED:
            p = c.beginPath()
            p.moveTo(bx + box * 0.18, by + box * 0.5)
            p.lineTo(bx + box * 0.42, by + box * 0.2)
            p.lineTo(bx + box * 0.85, by + box * 0.88)
            c.setLineWidth(1.1)
            c.drawPath(p, stroke=1, fill=0)


def draw_page(c: Canvas, page: Page) -> None:
    """Replay a page: all text through one text object (far cheaper than a drawString per
    run), then rules, boxes and images."""
    text = c.beginText()
    font = None
    grey = False
    rules: list[tuple[float, float, float, float, float]] = []
    for op in page.ops:
        kind = op[0]
        if kind in ("text", "footer"):
            _, x, y, line, size = op
            if (kind == "footer") != grey:
                grey = kind == "footer"
                text.setFillGray(0.35 if grey else 0)
            for seg in line.segments:
                sx = x + seg.x
                if seg.underline:  # filled-in values, and blank lines to write on
                    rules.append((sx, y - size * 0.18, sx + seg.width, y - size * 0.18, 0.5))
                if seg.face is None:
                    _boxes(c, sx, y, size, seg.text)
                    continue
                if font != (seg.face.name, size):
                    font = (seg.face.name, size)
                    text.setFont(seg.face.name, size)
                text.setTextOrigin(sx, y)
                text.textOut(seg.text)
        elif kind == "line":
            rules.append(op[1:])
        elif kind == "dash":
            _, x1, y1, x2, y2, w = op
            c.saveState()
            c.setLineWidth(w)
            c.setDash(3, 2)
            c.line(x1, y1, x2, y2)
            c.restoreState()
        elif kind == "rect":
            _, x, y, w, h, lw, *rgb = op
            c.saveState()
            c.setLineWidth(lw)
            if rgb:
                c.setStrokeColorRGB(*rgb[0])
            c.rect(x, y, w, h, stroke=1, fill=0)
            c.restoreState()
        elif kind == "image":
            _, data, x, y, w, h = op
            c.drawImage(ImageReader(BytesIO(data)), x, y, w, h)
        else:
            raise ValueError(f"unknown drawing operation {kind!r}")
    width = None
    for x1, y1, x2, y2, w in rules:
        if w != width:
            c.setLineWidth(w)
            width = w
        c.line(x1, y1, x2, y2)
    c.drawText(text)


def write_pdf(out: BinaryIO | str, parts: list[Part], *, title: str, author: str,
              font: str) -> int:
    """Draw the parts into one PDF with an outline entry per part; returns the page count."""
    # initialFontName: otherwise every page lists an unembedded Helvetica among its fonts
    c = Canvas(out, pagesize=(PAGE_W, PAGE_H), pageCompression=1, invariant=1,
               initialFontName=font)
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
            c.setPageSize(page.size)  # envelopes are not A4
            draw_page(c, page)
            c.showPage()
    c.showOutline()
    c.save()
    return total
