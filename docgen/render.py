"""Rendering one form of one sampling to PDF or Word: the service both CLI commands call."""
from __future__ import annotations

from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

from docgen.context import form_context, sampling_context
from docgen.fonts import FontSet, load_fonts
from docgen.layout import FormLayout, add_footers
from docgen.pdf import Part, write_pdf
from docgen.records import Sampling, Trip
from docgen.settings import Settings
from docgen.spec import FormSpec
from docgen.specs import get_form
from docgen.textflow import Measurer
from docgen.word import WordTemplate

DEFAULT_TEMPLATES = Path(__file__).resolve().parent.parent / "templates_docx"


@dataclass
class Renderer:
    """Holds what is costly to prepare (fonts, compiled Word templates) across many documents."""

    settings: Settings = field(default_factory=Settings)
    template_dir: Path = DEFAULT_TEMPLATES

    def __post_init__(self):
        self.fonts: FontSet = load_fonts(self.settings)
        self.measurer = Measurer(self.fonts)
        self._word: dict[str, WordTemplate] = {}

    def context(self, spec: FormSpec, trip: Trip, sampling: Sampling, blank: bool) -> dict:
        return form_context(spec, sampling_context(trip, sampling, self.settings, blank=blank),
                            self.settings)

    def pdf_parts(self, code: str, trip: Trip, sampling: Sampling, blank: bool) -> list[Part]:
        """The pages of every 联 of a form: an outline heading with one Part per copy below it,
        footed with the sample number, the firm and the page within the form."""
        spec = get_form(code)
        ctx = self.context(spec, trip, sampling, blank)
        layout = FormLayout(spec, ctx, self.fonts, self.measurer)
        copies = [(f"{c['label']}　{c['holder']}" if c["label"] else c["holder"]) for c in ctx["copies"]]
        per_copy = [layout.pages(label) for label in copies]
        add_footers([p for pages in per_copy for p in pages],
                    f"{sampling.sample_no}　{sampling.enterprise.name}　{spec.title}", self.measurer)
        if len(copies) == 1:
            return [Part(spec.title, per_copy[0])]
        return [Part(spec.title, [], 0)] + [Part(label, pages, 1)
                                            for label, pages in zip(copies, per_copy)]

    def write_pdf(self, parts: list[Part], *, title: str, author: str) -> tuple[bytes, int]:
        buf = BytesIO()
        pages = write_pdf(buf, parts, title=title, author=author, font=self.fonts.song.name)
        return buf.getvalue(), pages

    def docx(self, code: str, trip: Trip, sampling: Sampling, blank: bool) -> bytes:
        spec = get_form(code)
        if code not in self._word:
            self._word[code] = WordTemplate.from_path(self.template_dir / f"{code}.docx")
        return self._word[code].render(self.context(spec, trip, sampling, blank))
