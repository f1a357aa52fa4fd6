"""The same record rendered twice, at different times, gives the same bytes: every form in Word
and PDF, and the result lists in Word (so regenerating unchanged content is recognisably
unchanged by its SHA-256)."""
from __future__ import annotations

import io
import time
import zipfile
from datetime import date

import pytest

from docgen.lists import LISTS, build_list
from docgen.loading import load_trip
from docgen.results import load_results
from docgen.specs import FORMS
from docgen.word import ZIP_TIME
from tests.conftest import DEMO

SAMPLE = "JC2023DX0002"  # a failure with two failed items: every result field is filled


@pytest.fixture(scope="module")
def trip():
    trip = load_trip(DEMO / "trip-jincheng-cable.json")
    return load_results(trip, DEMO / "results-jincheng-cable.json")


def twice(monkeypatch, make) -> tuple[bytes, bytes]:
    """`make()` now and as if a year and a day later (zip entries and PDF dates use the clock)."""
    first = make()
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 366 * 86400 + 3)
    try:
        second = make()
    finally:
        monkeypatch.setattr(time, "time", real)
    return first, second


@pytest.mark.parametrize("code", FORMS)
@pytest.mark.parametrize("blank", [False, True])
def test_a_form_rendered_twice_in_word_is_byte_identical(renderer, trip, monkeypatch, code, blank):
    sampling = next(s for s in trip.samplings if s.sample_no == SAMPLE)
    first, second = twice(monkeypatch, lambda: renderer.docx(code, trip, sampling, blank))
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as zf:
        assert {i.date_time for i in zf.infolist()} == {ZIP_TIME}


@pytest.mark.parametrize("code", FORMS)
def test_a_form_rendered_twice_as_pdf_is_byte_identical(renderer, trip, monkeypatch, code):
    sampling = next(s for s in trip.samplings if s.sample_no == SAMPLE)

    def pdf() -> bytes:
        parts = renderer.pdf_parts(code, trip, sampling, False)
        return renderer.write_pdf(parts, title=code, author=trip.agency.name)[0]

    first, second = twice(monkeypatch, pdf)
    assert first == second and first.startswith(b"%PDF")


def test_a_template_built_at_run_time_renders_identically_across_builds(trip, monkeypatch):
    """Envelopes for a C5 size are built from the spec when used, by each process anew."""
    from docgen.render import Renderer
    from docgen.settings import Settings

    sampling = next(s for s in trip.samplings if s.sample_no == SAMPLE)
    first, second = twice(monkeypatch, lambda: Renderer(Settings(envelope_size="C5")).docx(
        "envelope", trip, sampling, False))
    assert first == second


@pytest.mark.parametrize("kind", LISTS)
def test_a_result_list_rendered_twice_in_word_is_byte_identical(trip, monkeypatch, kind):
    first, second = twice(monkeypatch, lambda: build_list(kind, trip, "docx",
                                                          made_on=date(2023, 5, 1)))
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as zf:
        assert {i.date_time for i in zf.infolist()} == {ZIP_TIME}
