"""Envelopes and address label sheets: where the postal-code boxes, the addresses and the labels
go on the paper. Pure, like layout.py: it returns pages of drawing operations for pdf.py.
"""
from __future__ import annotations

from dataclasses import dataclass

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm

from docgen.fonts import FontFace, FontSet
from docgen.layout import Page, fill
from docgen.settings import Settings
from docgen.spec import FormSpec
from docgen.textflow import Line, Measurer, wrap

ENVELOPE_SIZES = {"DL": (220 * mm, 110 * mm), "C5": (229 * mm, 162 * mm)}
# Envelope face after GB/T 1416 as commonly summarised (the standard's own text was not at
# hand): six 收件人邮政编码 boxes of 8 × 10 mm, 2 mm apart, the first 20 mm from the left edge
# and 10 mm from the top; 贴邮票处 at the top right; the sender and 寄件人邮政编码 bottom right.
POSTAL_BOX_W, POSTAL_BOX_H, POSTAL_GAP = 8 * mm, 10 * mm, 2 * mm
POSTAL_LEFT, POSTAL_TOP = 20 * mm, 10 * mm
STAMP_W, STAMP_H, EDGE = 22 * mm, 26 * mm, 10 * mm
RED = (0.78, 0.1, 0.1)
GREY = (0.72, 0.72, 0.72)
MIN_SCALE = 0.5


@dataclass(frozen=True)
class Box:
    x: float
    y: float  # bottom edge, PDF coordinates
    w: float
    h: float


@dataclass(frozen=True)
class EnvelopeGeometry:
    width: float
    height: float
    postal_boxes: tuple[Box, ...]
    stamp: Box
    recipient: Box  # address, addressee, contact and the contents note
    sender: Box  # bottom right


def envelope_geometry(size: str) -> EnvelopeGeometry:
    w, h = ENVELOPE_SIZES[size]
    top = h - POSTAL_TOP - POSTAL_BOX_H
    boxes = tuple(Box(POSTAL_LEFT + i * (POSTAL_BOX_W + POSTAL_GAP), top, POSTAL_BOX_W,
                      POSTAL_BOX_H) for i in range(6))
    stamp = Box(w - EDGE - STAMP_W, h - EDGE - STAMP_H, STAMP_W, STAMP_H)
    sender_h = 16 * mm
    recipient_top = h - POSTAL_TOP - POSTAL_BOX_H - 6 * mm
    recipient = Box(25 * mm, EDGE + sender_h + 2 * mm, w - 25 * mm - stamp.w - EDGE,
                    recipient_top - EDGE - sender_h - 2 * mm)
    return EnvelopeGeometry(w, h, boxes, stamp, recipient,
                            Box(w * 0.35, EDGE, w * 0.65 - EDGE, sender_h))


@dataclass(frozen=True)
class Text:
    """A text to fit into a box: its runs, the size at full scale, face, alignment."""

    runs: list[tuple[str, bool]]
    size: float
    face: FontFace
    align: str = "left"
    space_before: float = 0  # in points at full scale


def _fit(texts: list[Text], width: float, height: float, m: Measurer):
    """Wrap the texts at the largest scale (1 down to MIN_SCALE) at which they fit the box,
    shortening the longest with “…” if even the smallest does not; (scale, wrapped lines)."""
    texts = list(texts)
    while True:
        for step in range(11):
            scale = 1 - step * (1 - MIN_SCALE) / 10
            wrapped = [wrap(t.runs, width, t.size * scale, t.face, m) for t in texts]
            used = sum(len(ls) * t.size * scale * 1.3 + t.space_before * scale
                       for t, ls in zip(texts, wrapped))
            if used <= height:
                return scale, wrapped
        longest = max(range(len(texts)), key=lambda i: sum(len(r) for r, _ in texts[i].runs))
        t = texts[longest]
        text = "".join(r for r, _ in t.runs).rstrip("…")
        if len(text) < 2:  # nothing left to shorten: the box is too small for any text
            return scale, wrapped
        texts[longest] = Text([(text[:len(text) * 9 // 10] + "…", False)], t.size, t.face,
                              t.align, t.space_before)


def _place(page: Page, texts: list[Text], box: Box, m: Measurer, valign: str = "top") -> None:
    scale, wrapped = _fit(texts, box.w, box.h, m)
    used = sum(len(ls) * t.size * scale * 1.3 + t.space_before * scale
               for t, ls in zip(texts, wrapped))
    y = box.y + box.h - {"top": 0, "middle": (box.h - used) / 2, "bottom": box.h - used}[valign]
    for t, lines in zip(texts, wrapped):
        size = t.size * scale
        y -= t.space_before * scale
        for line in lines:
            y -= size * 1.3
            x = box.x + {"left": 0, "center": (box.w - line.width) / 2,
                         "right": box.w - line.width}[t.align]
            page.ops.append(("text", x, y + size * 0.25, line, size))


def _line(text: str, size: float, face: FontFace, m: Measurer) -> Line:
    return wrap([(text, False)], 10_000, size, face, m)[0]


def envelope_page(spec: FormSpec, ctx: dict, size: str, fonts: FontSet, m: Measurer) -> Page:
    """One envelope face: red postal-code boxes with the firm's code, the stamp box, the
    recipient in the middle, the sender bottom right."""
    g = envelope_geometry(size)
    page = Page(size=(g.width, g.height), frame=(EDGE / 2, EDGE / 2, g.width - EDGE / 2,
                                                 g.height - EDGE / 2))

    def runs(slot: str) -> list[tuple[str, bool]]:
        return [(t, False) for t, _ in fill(spec.slot(slot), ctx)]

    digits = "".join(t for t, _ in runs("postal_digits"))
    for box, digit in zip(g.postal_boxes, digits.ljust(6)):
        page.ops.append(("rect", box.x, box.y, box.w, box.h, 0.8, RED))
        if digit.strip():
            line = _line(digit, 18, fonts.hei, m)
            page.ops.append(("text", box.x + (box.w - line.width) / 2,
                             box.y + (box.h - 18 * 0.72) / 2, line, 18))
    s = g.stamp
    page.ops.append(("rect", s.x, s.y, s.w, s.h, 0.6, RED))
    for i, text in enumerate(("贴　邮", "票　处")):
        line = _line(text, 9, fonts.song, m)
        page.ops.append(("text", s.x + (s.w - line.width) / 2, s.y + s.h / 2 + 2 - i * 13,
                         line, 9))
    _place(page, [Text(runs("address"), 13, fonts.song),
                  Text(runs("addressee"), 17, fonts.hei, "center", 8),
                  Text(runs("contact"), 11, fonts.song, "center", 2),
                  Text(runs("note"), 8, fonts.song, "left", 8)], g.recipient, m, "middle")
    _place(page, [Text(runs("sender"), 9, fonts.song, "right"),
                  Text(runs("sender_postal"), 9, fonts.song, "right", 2)], g.sender, m, "bottom")
    return page


# -- label sheets ----------------------------------------------------------------------------

def label_boxes(settings: Settings) -> list[Box]:
    """The labels of one sheet, row by row, in PDF coordinates."""
    _, page_h = A4
    s = settings
    return [Box((s.label_margin_left + c * (s.label_width + s.label_gap_x)) * mm,
                page_h - (s.label_margin_top + (r + 1) * s.label_height + r * s.label_gap_y) * mm,
                s.label_width * mm, s.label_height * mm)
            for r in range(s.label_rows) for c in range(s.label_columns)]


def label_pages(rows: list[list[dict]], settings: Settings, fonts: FontSet,
                m: Measurer) -> list[Page]:
    """As many A4 sheets as the labels need; each label outlined in light grey as a cut guide
    for plain paper (on label stock the outline falls on the die cut)."""
    labels = [label for row in rows for label in row]
    boxes = label_boxes(settings)
    left = settings.label_margin_left * mm
    right = left + settings.label_columns * (settings.label_width + settings.label_gap_x) * mm
    pages = []
    for start in range(0, max(len(labels), 1), len(boxes)):
        page = Page(frame=(left, 0, right, A4[1]))
        for box, label in zip(boxes, labels[start:start + len(boxes)]):
            page.ops.append(("rect", box.x, box.y, box.w, box.h, 0.3, GREY))
            if not any(label.values()):
                continue
            inner = Box(box.x + 4 * mm, box.y + 2.5 * mm, box.w - 8 * mm, box.h - 5 * mm)
            _place(page, [Text([(label["postal_code"], False)], 11, fonts.hei),
                          Text([(label["address"], False)], 9, fonts.song, space_before=1),
                          Text([(label["addressee"], False)], 12, fonts.hei, space_before=1),
                          Text([(label["contact"], False)], 9, fonts.song, space_before=1),
                          Text([(label["sample_line"], False)], 7, fonts.song, "right", 2)],
                   inner, m, "middle")
        pages.append(page)
    return pages
