"""Filling Word templates with docxtpl, compiled once per template and reused for every firm.

docxtpl's own `render()` re-reads and re-compiles the template for each document (tens of
milliseconds); here its preprocessing (`patch_xml`) and post-processing (`resolve_listing`)
run around one compiled Jinja template, with autoescaping on, so record text such as
`&`, `<` or `{{ }}` is printed literally.
"""
from __future__ import annotations

import re
import zipfile
from io import BytesIO
from pathlib import Path

from docxtpl import DocxTemplate
from jinja2 import Environment, StrictUndefined, meta

from docgen.fields import FIELDS

DOCUMENT_PART = "word/document.xml"
# Top-level names a template may use: the first part of every field, plus the copy loop.
KNOWN_NAMES = {path.split(".")[0] for path in FIELDS} | {"copies", "loop"}


class TemplateProblem(ValueError):
    """A Word template that cannot be used, and why."""


class WordTemplate:
    def __init__(self, data: bytes, name: str = "template"):
        self.name = name
        self._data = data
        self._tpl = DocxTemplate(BytesIO(data))
        with zipfile.ZipFile(BytesIO(data)) as zf:
            self._infos = zf.infolist()
            self._parts = {i.filename: zf.read(i.filename) for i in self._infos}
        try:
            xml = self._parts[DOCUMENT_PART].decode("utf-8")
        except KeyError:
            raise TemplateProblem(f"{name}：不是 Word 文档（缺少 {DOCUMENT_PART}）") from None
        src = self._tpl.patch_xml(xml)
        src = re.sub(r"<w:p([ >])", r"\n<w:p\1", src)
        env = Environment(autoescape=True, undefined=StrictUndefined)
        self.variables = meta.find_undeclared_variables(env.parse(src))
        self._template = env.from_string(src)

    @classmethod
    def from_path(cls, path: Path) -> "WordTemplate":
        return cls(Path(path).read_bytes(), Path(path).name)

    def render(self, context: dict) -> bytes:
        xml = self._template.render(context)
        xml = re.sub(r"\n<w:p([ >])", r"<w:p\1", xml)
        xml = self._tpl.resolve_listing(xml)  # newlines in values become line breaks
        out = BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
            for info in self._infos:
                data = xml.encode("utf-8") if info.filename == DOCUMENT_PART else self._parts[info.filename]
                zf.writestr(info.filename, data)
        return out.getvalue()
