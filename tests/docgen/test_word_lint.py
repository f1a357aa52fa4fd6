"""A Word template override is checked before it may replace a form's template."""
from __future__ import annotations

import io
import os
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
