"""The Word templates in templates_docx/ are what the specs build, and fill correctly."""
from __future__ import annotations

import pytest

from docgen.render import DEFAULT_TEMPLATES
from docgen.specs import FORMS
from docgen.word import KNOWN_NAMES, TemplateProblem, WordTemplate
from docgen.wordbuild import template_drift


@pytest.mark.parametrize("code", FORMS)
def test_committed_template_matches_its_spec(code):
    assert not template_drift(FORMS[code], DEFAULT_TEMPLATES / f"{code}.docx"), (
        "run: python -m docgen templates")


@pytest.mark.parametrize("code", FORMS)
def test_template_uses_only_known_fields_and_every_field_of_the_spec(code):
    template = WordTemplate.from_path(DEFAULT_TEMPLATES / f"{code}.docx")
    assert template.variables <= KNOWN_NAMES
    tops = {p.split(".")[0] for p in FORMS[code].placeholders()}
    assert tops <= template.variables
    for path in FORMS[code].required:
        assert path in FORMS[code].placeholders()


def test_a_file_that_is_not_a_word_document_is_refused():
    with pytest.raises(TemplateProblem):
        WordTemplate(b"PK\x03\x04 not really a zip", "bad.docx")


def test_filling_a_template_escapes_markup(renderer, jincheng, write_trip):
    from docgen.loading import load_trip
    from tests.conftest import docx_text

    jincheng["samplings"][0]["enterprise"]["name"] = "A&B <w:t>{{ x }}</w:t> 公司"
    trip = load_trip(write_trip(jincheng))
    data = renderer.docx("notice", trip, trip.samplings[0], False)
    assert "A&B<w:t>{{x}}</w:t>公司" in docx_text(data)
