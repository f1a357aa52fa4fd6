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
        try:
            with zipfile.ZipFile(BytesIO(data)) as zf:
                xml = zf.read(DOCUMENT_PART).decode("utf-8")
                # Every other part is compressed once here and copied as-is into each output.
                static = BytesIO()
                with zipfile.ZipFile(static, "w", zipfile.ZIP_DEFLATED) as out:
                    for info in zf.infolist():
                        if info.filename != DOCUMENT_PART:
                            out.writestr(info.filename, zf.read(info.filename))
        except (zipfile.BadZipFile, KeyError):
            raise TemplateProblem(f"{name}：不是 Word 文档（缺少 {DOCUMENT_PART}）") from None
        self._static = static.getvalue()
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
        out = BytesIO(self._static)
        out.seek(0, 2)
        with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(DOCUMENT_PART, xml.encode("utf-8"))
        return out.getvalue()
