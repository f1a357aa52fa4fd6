"""Filling Word templates with docxtpl, compiled once per template and reused for every firm.

docxtpl's own `render()` re-reads and re-compiles the template for each document (tens of
milliseconds); here its preprocessing (`patch_xml`) and post-processing (`resolve_listing`)
run around one compiled Jinja template, with autoescaping on, so record text such as
`&`, `<` or `{{ }}` is printed literally. The template runs in a sandbox with a work budget
(docgen/sandbox.py) and may hold nothing that reaches outside the document
(docgen/wordsafety.py). Every zip entry gets one fixed time, so the same record gives the same
bytes (and the same SHA-256) whenever it is rendered.
"""
from __future__ import annotations

import difflib
import re
import zipfile
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING

from docxtpl import DocxTemplate
from jinja2 import StrictUndefined, TemplateSyntaxError, meta, nodes
from lxml import etree

from docgen.fields import FIELDS, label
from docgen.sandbox import RENDER_SECONDS, GuardedEnvironment, RenderLimit
from docgen.wordsafety import unsafe_content

if TYPE_CHECKING:
    from docgen.spec import FormSpec

DOCUMENT_PART = "word/document.xml"
# Top-level names a template may use: the first part of every field, plus the copy loop.
KNOWN_NAMES = {path.split(".")[0] for path in FIELDS} | {"copies", "loop"}
# The time every zip entry carries (the earliest a ZIP can say): output depends on content only.
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


class TemplateProblem(ValueError):
    """A Word template that cannot be used, and why (`reason`: the why alone)."""

    def __init__(self, message: str, reason: str | None = None):
        super().__init__(message)
        self.reason = reason or message


def _entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def deterministic_zip(data: bytes) -> bytes:
    """The same ZIP (a .docx) with every entry at ZIP_TIME, so equal content gives equal bytes."""
    out = BytesIO()
    with zipfile.ZipFile(BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            dst.writestr(_entry(info.filename), src.read(info))
    return out.getvalue()


class WordTemplate:
    def __init__(self, data: bytes, name: str = "template"):
        self.name = name
        self._data = data
        try:
            with zipfile.ZipFile(BytesIO(data)) as zf:
                if problems := unsafe_content(zf):  # also when placed in the folder by hand
                    raise TemplateProblem(f"{name}：{problems[0]}", problems[0])
                xml = zf.read(DOCUMENT_PART).decode("utf-8")
                # Every other part is compressed once here and copied as-is into each output.
                static = BytesIO()
                with zipfile.ZipFile(static, "w") as out:
                    for info in zf.infolist():
                        if info.filename != DOCUMENT_PART:
                            out.writestr(_entry(info.filename), zf.read(info.filename))
        except (zipfile.BadZipFile, KeyError):
            raise TemplateProblem(f"{name}：不是 Word 文档（缺少 {DOCUMENT_PART}）") from None
        self._tpl = DocxTemplate(BytesIO(data))
        self._static = static.getvalue()
        src = self._tpl.patch_xml(xml)
        src = re.sub(r"<w:p([ >])", r"\n<w:p\1", src)
        # Sandboxed: an uploaded override is Jinja code run on the server, so attributes such
        # as __class__ and unsafe calls are refused, and its work is budgeted (the output of
        # plain field tags is the same).
        env = self._env = GuardedEnvironment(autoescape=True, undefined=StrictUndefined)
        self.source = src
        self.ast = env.parse(src)
        self.variables = meta.find_undeclared_variables(self.ast)
        self._template = env.from_string(src)

    @classmethod
    def from_path(cls, path: Path) -> "WordTemplate":
        return cls(Path(path).read_bytes(), Path(path).name)

    def render(self, context: dict, seconds: float = RENDER_SECONDS) -> bytes:
        """The filled document; TemplateProblem when the template exceeds its work budget."""
        try:
            xml = self._env.render(self._template, context, seconds)
        except RenderLimit as exc:
            raise TemplateProblem(f"{self.name}：{exc}", str(exc)) from None
        xml = re.sub(r"\n<w:p([ >])", r"<w:p\1", xml)
        xml = self._tpl.resolve_listing(xml)  # newlines in values become line breaks
        out = BytesIO(self._static)
        out.seek(0, 2)
        with zipfile.ZipFile(out, "a") as zf:
            zf.writestr(_entry(DOCUMENT_PART), xml.encode("utf-8"))
        return out.getvalue()


# -- linting a template override ----------------------------------------------------------------

MAX_TEMPLATE_UNPACKED = 100 * 1024 * 1024  # a .docx that unpacks to more is refused (zip bomb)
MAX_TEMPLATE_PARTS = 2000
LINT_SECONDS = 5.0  # a trial fill with sample values takes milliseconds
_SAFE_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
COPIES_LOOP = "{%p for copy in copies %}"
# What `loop` offers inside a Jinja for loop.
LOOP_ATTRS = {"index", "index0", "revindex", "revindex0", "first", "last", "length", "previtem",
              "nextitem", "depth", "depth0", "cycle", "changed"}


def _chain(node: nodes.Node) -> list[str] | None:
    """['enterprise', 'name'] for enterprise.name or enterprise['name'] (a name read, then
    attributes or constant string keys); None for anything else."""
    if isinstance(node, nodes.Name):
        return [node.name] if node.ctx == "load" else None
    if isinstance(node, nodes.Getattr):
        inner = _chain(node.node)
        return None if inner is None else inner + [node.attr]
    if (isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const)
            and isinstance(node.arg.value, str)):
        inner = _chain(node.node)
        return None if inner is None else inner + [node.arg.value]
    return None


def field_paths(ast: nodes.Template) -> list[tuple[str, int]]:
    """Every dotted path a template reads ('enterprise.name'), with its line, in order.

    A method call such as enterprise.name.strip() reads enterprise.name."""
    found: list[tuple[str, int]] = []

    def visit(node: nodes.Node) -> None:
        chain = _chain(node)
        if chain is not None:
            found.append((".".join(chain), node.lineno))
            return
        if isinstance(node, nodes.Call) and isinstance(node.node, nodes.Getattr):
            inner = _chain(node.node.node)
            if inner is not None:
                found.append((".".join(inner), node.lineno))
                for child in node.iter_child_nodes(exclude=("node",)):
                    visit(child)
                return
        for child in node.iter_child_nodes():
            visit(child)

    visit(ast)
    return found


def _private_attributes(ast: nodes.Template) -> set[str]:
    names = {n.attr for n in ast.find_all(nodes.Getattr) if n.attr.startswith("_")}
    names |= {n.arg.value for n in ast.find_all(nodes.Getitem)
              if isinstance(n.arg, nodes.Const) and isinstance(n.arg.value, str)
              and n.arg.value.startswith("_")}
    return names


def _has_copies_loop(ast: nodes.Template) -> bool:
    return any(isinstance(f.iter, nodes.Name) and f.iter.name == "copies"
               for f in ast.find_all(nodes.For))


def _unknown(path: str) -> str:
    below = [f for f in FIELDS if f.startswith(path + ".")]
    if below:  # a group such as `enterprise`, not a field: it would print as a dict
        return f"未知字段：{path}（请使用其下的具体字段，如 {below[0]}）"
    guess = difflib.get_close_matches(path, list(FIELDS), n=1, cutoff=0.75)
    return f"未知字段：{path}" + (f"（是否应为 {guess[0]}？）" if guess else "")


def _line_text(src: str, lineno: int | None) -> str:
    """The visible text of a template line (lines are roughly Word paragraphs), shortened."""
    lines = src.splitlines()
    if not lineno or not 0 < lineno <= len(lines):
        return ""
    text = re.sub(r"<[^>]+>", "", lines[lineno - 1]).strip()
    return text[:40] + ("…" if len(text) > 40 else "")


def sample_context() -> dict:
    """A context with a value for every field, for a trial fill of a template."""
    ctx: dict = {}
    for path, f in FIELDS.items():
        if path.startswith("copy."):
            continue
        *parents, leaf = path.split(".")
        node = ctx
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = f.label
        if f.items:  # a list: two entries (four per row for a label sheet's rows)
            entry = {key: f"{f.label}（{key}）" for key in f.items}
            node[leaf] = [[entry] * 4] * 2 if f.nested else [entry] * 2
    ctx["copies"] = [{"label": "第一联", "holder": "交受检单位"},
                     {"label": "第二联", "holder": "抽样单位留存"}]
    return ctx


def lint_template(data: bytes, spec: "FormSpec") -> list[str]:
    """Why a Word template override cannot replace a form's template (empty: it can).

    Checked: a readable .docx; nothing that reaches outside the document (wordsafety); docxtpl/
    Jinja syntax; every field it uses is known (fields.FIELDS); the form's required fields are
    all there; the `{%p for copy in copies %}` loop is there; and a trial fill with sample values
    gives a well-formed document within the work budget (sandbox).
    """
    not_docx = "不是有效的 Word 文档（.docx），请在 Word 中“另存为”“Word 文档 (*.docx)”后再上传"
    try:
        with zipfile.ZipFile(BytesIO(data)) as zf:
            infos = zf.infolist()
            if (len(infos) > MAX_TEMPLATE_PARTS
                    or sum(i.file_size for i in infos) > MAX_TEMPLATE_UNPACKED):
                return ["Word 文档解压后过大，拒绝处理"]
            if DOCUMENT_PART not in zf.namelist():
                return [not_docx]
            if problems := unsafe_content(zf):
                return problems
            etree.fromstring(zf.read(DOCUMENT_PART), _SAFE_PARSER)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
        return [not_docx]
    except etree.XMLSyntaxError as exc:
        return [f"Word 文档正文（{DOCUMENT_PART}）已损坏，无法读取：{exc}"]
    try:
        template = WordTemplate(data, f"{spec.code}.docx")
    except TemplateProblem:
        return [not_docx]
    except TemplateSyntaxError as exc:
        where = f"第 {exc.lineno} 行" if exc.lineno else "位置不明"
        text = _line_text(getattr(exc, "source", None) or "", exc.lineno)
        return [f"模板语法错误（{where}{'，“' + text + '”' if text else ''}）：{exc.message}"]
    except Exception as exc:  # noqa: BLE001 - whatever a damaged file raises, it is refused
        return [f"无法读取该 Word 文档：{exc}"]

    problems: list[str] = []

    def add(message: str) -> None:
        if message not in problems:
            problems.append(message)

    for name in sorted(_private_attributes(template.ast)):
        add(f"不允许使用的属性：{name}")
    paths = field_paths(template.ast)
    used = {path for path, _ in paths}
    for path, _ in paths:
        root = path.split(".")[0]
        if root == "loop":
            if "." in path and path.split(".")[1] not in LOOP_ATTRS:
                add(_unknown(path))
        elif root == "copies":
            if path != "copies":
                add(_unknown(path))
        elif root == "copy" or root in template.variables:
            if path not in FIELDS and not path.split(".")[-1].startswith("_"):
                add(_unknown(path))
        # other names are the template's own ({% set %}, loop targets): not fields
    for name in sorted(template.variables - KNOWN_NAMES):
        if not any(p == name or p.startswith(name + ".") for p, _ in paths):
            add(_unknown(name))
    if not _has_copies_loop(template.ast):
        add(f"缺少联次循环 {COPIES_LOOP}")
    for path in spec.required:
        if path not in used:
            add(f"缺少必需字段：{label(path)}")
    if problems:
        return problems
    try:
        out = template.render(sample_context(), seconds=LINT_SECONDS)
        with zipfile.ZipFile(BytesIO(out)) as zf:
            etree.fromstring(zf.read(DOCUMENT_PART), _SAFE_PARSER)
    except TemplateProblem as exc:  # over the work budget: a loop, a value or the size
        return [f"用示例数据试填充失败：{exc.reason}"]
    except Exception as exc:  # noqa: BLE001 - any failure here would fail every generation
        return [f"用示例数据试填充失败：{exc}"]
    return []
