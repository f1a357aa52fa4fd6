"""Finding, checking and registering the TrueType Chinese fonts that every PDF embeds.

Resolution order (DESIGN.md "Fonts"): configured path → well-known system fonts → a clear error
saying how to install one. Characters are looked up font by font, so a 生僻字 missing from the
body font comes from a fallback font, and a character no font has is reported, never drawn as
an empty box.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from docgen.formatting import CHECKED, UNCHECKED
from docgen.settings import Settings

# (path, subfont index) candidates, best first. UMing CN is a 宋体-style face, the body of
# Chinese forms; WenQuanYi Zen Hei is the 黑体 for titles; HanaMin A/B cover CJK Ext A–F.
SONG_CANDIDATES = (
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
    ("C:/Windows/Fonts/simsun.ttc", 0),
    ("/System/Library/Fonts/Supplemental/Songti.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
)
HEI_CANDIDATES = (
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("C:/Windows/Fonts/simhei.ttf", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
)
FALLBACK_CANDIDATES = (
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/hanazono/HanaMinA.ttf", 0),
    ("/usr/share/fonts/truetype/hanazono/HanaMinB.ttf", 0),
    ("C:/Windows/Fonts/simsunb.ttf", 0),
)
INSTALL_HINT = ("请安装中文 TrueType 字体，例如 Debian/Ubuntu：apt-get install fonts-arphic-uming "
                "fonts-wqy-zenhei fonts-hanazono；或在设置文件中用 font_song/font_hei 指定字体路径")

# Drawn as vector boxes by the PDF renderer, so they never depend on a font.
BOX_CHARS = frozenset((CHECKED, UNCHECKED))


class FontError(RuntimeError):
    pass


_reportlab_cmap = ttfonts.makeToUnicodeCMap


def _to_unicode_cmap(fontname: str, subset: list[int]) -> str:
    """reportlab writes a character beyond U+FFFF (𠮷, most 生僻字) as <20BB7> in the
    ToUnicode map, which is invalid: PDF wants UTF-16BE, a surrogate pair. Without this the
    glyph prints but cannot be searched or copied out of the PDF."""
    cmap = _reportlab_cmap(fontname, subset)
    for code in subset:
        if code > 0xFFFF:
            utf16 = chr(code).encode("utf-16-be").hex().upper()
            cmap = cmap.replace(f"> <{code:04X}>", f"> <{utf16}>")
    return cmap


ttfonts.makeToUnicodeCMap = _to_unicode_cmap


@dataclass(frozen=True)
class FontFace:
    name: str  # the name registered with reportlab
    path: str
    index: int
    chars: frozenset[int]


def _parse_spec(spec: str) -> tuple[str, int]:
    path, _, index = spec.partition("#")
    return path, int(index or 0)


def _register(name: str, path: str, index: int) -> FontFace:
    try:
        font = TTFont(name, path, subfontIndex=index)
    except TTFError as exc:
        if "postscript" in str(exc).lower() or "cff" in str(exc).lower():
            raise FontError(f"字体 {path} 为 PostScript/CFF 轮廓（如 .otf），无法嵌入 PDF；"
                            f"请改用 TrueType 字体（.ttf/.ttc）。{INSTALL_HINT}") from None
        raise FontError(f"无法读取字体 {path}：{exc}") from None
    except OSError as exc:
        raise FontError(f"无法读取字体 {path}：{exc.strerror}") from None
    pdfmetrics.registerFont(font)
    return FontFace(name, path, index, frozenset(font.face.charToGlyph))


def _first(configured: str, candidates, role: str, name: str) -> FontFace:
    if configured:
        path, index = _parse_spec(configured)
        if not Path(path).is_file():
            raise FontError(f"设置的{role}字体不存在：{path}")
        return _register(name, path, index)
    for path, index in candidates:
        if Path(path).is_file():
            return _register(name, path, index)
    raise FontError(f"找不到{role}字体。{INSTALL_HINT}")


@dataclass(frozen=True)
class FontSet:
    song: FontFace
    hei: FontFace
    fallbacks: tuple[FontFace, ...]

    def face_for(self, ch: str, base: FontFace) -> FontFace | None:
        code = ord(ch)
        if code in base.chars:
            return base
        for face in (self.song, self.hei, *self.fallbacks):
            if code in face.chars:
                return face
        return None

    def missing(self, text: str) -> str:
        """The characters of `text` that no configured font can print (in order, once each)."""
        out = []
        for ch in dict.fromkeys(text):
            if ch in BOX_CHARS or ch in "\n\t " or ord(ch) < 0x20:
                continue
            if self.face_for(ch, self.song) is None:
                out.append(ch)
        return "".join(out)


@lru_cache(maxsize=None)
def _load(song: str, hei: str, fallbacks: tuple[str, ...]) -> FontSet:
    song_face = _first(song, SONG_CANDIDATES, "正文（宋体）", "Song")
    hei_face = _first(hei, HEI_CANDIDATES, "标题（黑体）", "Hei")
    faces, seen = [], {(song_face.path, song_face.index), (hei_face.path, hei_face.index)}
    specs = [_parse_spec(f) for f in fallbacks] or [c for c in FALLBACK_CANDIDATES if Path(c[0]).is_file()]
    for i, (path, index) in enumerate(specs):
        if (path, index) in seen:
            continue
        if not Path(path).is_file():
            raise FontError(f"设置的后备字体不存在：{path}")
        seen.add((path, index))
        faces.append(_register(f"Fallback{i}", path, index))
    return FontSet(song_face, hei_face, tuple(faces))


def load_fonts(settings: Settings) -> FontSet:
    """Register the fonts once per process and return them (cached)."""
    return _load(settings.font_song, settings.font_hei, tuple(settings.font_fallbacks))
