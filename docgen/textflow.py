"""Breaking Chinese text into lines: any CJK character may break, Latin words stay whole, and
closing punctuation never starts a line nor opening punctuation end one (避头尾)."""
from __future__ import annotations

from dataclasses import dataclass

from reportlab.pdfbase.pdfmetrics import stringWidth

from docgen.fonts import BOX_CHARS, FontFace, FontSet

NO_LINE_START = set("，。、；：？！）》」』】〕〉’”%‰…·—～,.;:?!)]}℃")
NO_LINE_END = set("（《「『【〔〈‘“([{¥￥")
_WORD = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:@#%&+=~²³×°")


@dataclass(frozen=True)
class Segment:
    """A stretch of one line drawn in one font; face None means checkbox glyphs."""

    text: str
    face: FontFace | None
    x: float  # offset from the line start, in points
    width: float
    underline: bool


@dataclass(frozen=True)
class Line:
    segments: tuple[Segment, ...]
    width: float


class Measurer:
    """Caches per-character widths (at 1 pt) and the font chosen for each character."""

    def __init__(self, fonts: FontSet):
        self.fonts = fonts
        self._cache: dict[tuple[str, str], tuple[FontFace | None, float]] = {}

    def glyph(self, ch: str, base: FontFace) -> tuple[FontFace | None, float]:
        key = (base.name, ch)
        hit = self._cache.get(key)
        if hit is None:
            if ch in BOX_CHARS:
                hit = (None, 1.0)
            else:
                face = self.fonts.face_for(ch, base) or base  # missing glyphs are refused earlier
                hit = (face, stringWidth(ch, face.name, 1))
            self._cache[key] = hit
        return hit

    def width(self, text: str, base: FontFace, size: float) -> float:
        return sum(self.glyph(ch, base)[1] for ch in text) * size


def _tokens(text: str) -> list[str]:
    """Unbreakable pieces: a CJK character, a Latin word or number, a space; with punctuation
    that may not start (end) a line glued to the piece before (after) it."""
    raw: list[str] = []
    for ch in text:
        if ch in _WORD and raw and raw[-1][-1] in _WORD:
            raw[-1] += ch
        else:
            raw.append(ch)
    out: list[str] = []
    carry = ""
    for tok in raw:
        if tok in NO_LINE_END:
            carry += tok
            continue
        tok, carry = carry + tok, ""
        if out and tok[0] in NO_LINE_START and len(tok) == 1:
            out[-1] += tok
        else:
            out.append(tok)
    if carry:
        out.append(carry)
    return out


def wrap(runs: list[tuple[str, bool]], width: float, size: float, base: FontFace,
         m: Measurer) -> list[Line]:
    """Lay (text, underlined) runs into lines no wider than `width` points."""
    lines: list[list[tuple[str, bool]]] = [[]]
    widths = [0.0]
    for text, underline in runs:
        for para_no, para in enumerate(text.split("\n")):
            if para_no:
                lines.append([])
                widths.append(0.0)
            for tok in _tokens(para):
                w = m.width(tok, base, size)
                if widths[-1] + w > width + 0.01 and widths[-1] > 0:
                    if tok.isspace():  # spaces (and blank writing room) never open a line
                        continue
                    lines.append([])
                    widths.append(0.0)
                if w > width:  # a word longer than the line (a URL): break it anywhere
                    for ch in tok:
                        cw = m.width(ch, base, size)
                        if widths[-1] + cw > width + 0.01 and widths[-1] > 0:
                            lines.append([])
                            widths.append(0.0)
                        lines[-1].append((ch, underline))
                        widths[-1] += cw
                    continue
                lines[-1].append((tok, underline))
                widths[-1] += w
    return [_segments(parts, base, size, m) for parts in lines]


def _segments(parts: list[tuple[str, bool]], base: FontFace, size: float, m: Measurer) -> Line:
    segs: list[Segment] = []
    x = 0.0
    cur_text, cur_face, cur_ul, cur_x, cur_w = "", None, False, 0.0, 0.0
    started = False
    for text, underline in parts:
        for ch in text:
            face, w1 = m.glyph(ch, base)
            w = w1 * size
            if started and (face is not cur_face or underline != cur_ul):
                segs.append(Segment(cur_text, cur_face, cur_x, cur_w, cur_ul))
                cur_text, cur_w = "", 0.0
            if not cur_text:
                cur_face, cur_ul, cur_x = face, underline, x
            cur_text += ch
            cur_w += w
            x += w
            started = True
    if cur_text:
        segs.append(Segment(cur_text, cur_face, cur_x, cur_w, cur_ul))
    return Line(tuple(segs), x)
