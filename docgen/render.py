"""Rendering one form of one sampling to PDF or Word: the service both CLI commands call."""
from __future__ import annotations

from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

from docgen.context import form_context, label_context, sampling_context
from docgen.fonts import FontSet, load_fonts
from docgen.layout import FormLayout, add_footers
from docgen import mailing
from docgen.pdf import Part, write_pdf
from docgen.records import Sampling, Trip
from docgen.settings import Settings
from docgen.spec import FormSpec
from docgen.specs import get_form
from docgen.textflow import Measurer
from docgen.word import WordTemplate
from docgen.wordbuild import build_template, template_settings

DEFAULT_TEMPLATES = Path(__file__).resolve().parent.parent / "templates_docx"


@dataclass
class Renderer:
    """Holds what is costly to prepare (fonts, compiled Word templates) across many documents."""

    settings: Settings = field(default_factory=Settings)
    template_dir: Path = DEFAULT_TEMPLATES
    override_dir: Path | None = None  # an admin's {code}.docx here wins over template_dir's

    def __post_init__(self):
        self.fonts: FontSet = load_fonts(self.settings)
        self.measurer = Measurer(self.fonts)
        # per form: (path, mtime_ns, size, inode) of the file compiled, and the template
        self._word: dict[str, tuple[tuple, WordTemplate]] = {}

    def context(self, spec: FormSpec, trip: Trip, sampling: Sampling, blank: bool) -> dict:
        return form_context(spec, sampling_context(trip, sampling, self.settings, blank=blank),
                            self.settings)

    def pdf_parts(self, code: str, trip: Trip, sampling: Sampling, blank: bool) -> list[Part]:
        """The pages of every 联 of a form: an outline heading with one Part per copy below it,
        footed with the sample number, the firm and the page within the form."""
        spec = get_form(code)
        if spec.layout == "label_sheet":
            return [Part(spec.title, self.label_pages(trip, [sampling]))]
        ctx = self.context(spec, trip, sampling, blank)
        if spec.layout == "envelope":  # no header, no footer: one envelope face per copy
            return [Part(spec.title, [mailing.envelope_page(spec, ctx, self.settings.envelope_size,
                                                            self.fonts, self.measurer)
                                      for _ in ctx["copies"]])]
        layout = FormLayout(spec, ctx, self.fonts, self.measurer)
        copies = [(f"{c['label']}　{c['holder']}" if c["label"] else c["holder"]) for c in ctx["copies"]]
        per_copy = [layout.pages(label) for label in copies]
        add_footers([p for pages in per_copy for p in pages],
                    f"{sampling.sample_no}　{sampling.enterprise.name}　{spec.title}", self.measurer)
        if len(copies) == 1:
            return [Part(spec.title, per_copy[0])]
        return [Part(spec.title, [], 0)] + [Part(label, pages, 1)
                                            for label, pages in zip(copies, per_copy)]

    def label_pages(self, trip: Trip, samplings) -> list:
        """The A4 label sheets (layout pages) for these samplings' firms."""
        rows = label_context(trip, samplings, self.settings)["labels"]
        return mailing.label_pages(rows, self.settings, self.fonts, self.measurer)

    def label_sheet_pdf(self, trip: Trip, samplings) -> tuple[bytes, int]:
        """Address labels for a batch of firms (results to post), as many sheets as needed."""
        title = get_form("label_sheet").title
        return self.write_pdf([Part(title, self.label_pages(trip, samplings))],
                              title=f"{title}（{trip.task.name}）", author=trip.agency.name)

    def label_sheet_docx(self, trip: Trip, samplings) -> bytes:
        spec = get_form("label_sheet")
        ctx = form_context(spec, label_context(trip, samplings, self.settings), self.settings)
        return self.word_template(spec.code).render(ctx)

    def write_pdf(self, parts: list[Part], *, title: str, author: str) -> tuple[bytes, int]:
        buf = BytesIO()
        pages = write_pdf(buf, parts, title=title, author=author, font=self.fonts.song.name)
        return buf.getvalue(), pages

    def template_path(self, code: str) -> Path:
        """The form's Word template: the override when there is one, else the default."""
        if self.override_dir is not None:
            path = Path(self.override_dir) / f"{code}.docx"
            if path.is_file():
                return path
        return Path(self.template_dir) / f"{code}.docx"

    def word_template(self, code: str) -> WordTemplate:
        """The compiled template, recompiled when the file changes (an override uploaded or
        reverted is used from the next document on, without a restart)."""
        path = self.template_path(code)
        spec = get_form(code)
        own = template_settings(spec, self.settings)
        if path.parent == Path(self.template_dir) and own != template_settings(spec, Settings()):
            # templates_docx/ holds the build for the default envelope size and label grid
            cached = self._word.get(code)
            if cached is None or cached[0] != own:
                buf = BytesIO()
                build_template(spec, self.settings).save(buf)
                cached = self._word[code] = (own, WordTemplate(buf.getvalue(), f"{code}.docx"))
            return cached[1]
        st = path.stat()
        key = (str(path), st.st_mtime_ns, st.st_size, st.st_ino)
        cached = self._word.get(code)
        if cached is None or cached[0] != key:
            cached = self._word[code] = (key, WordTemplate.from_path(path))
        return cached[1]

    def docx(self, code: str, trip: Trip, sampling: Sampling, blank: bool) -> bytes:
        spec = get_form(code)
        if spec.layout == "label_sheet":
            return self.label_sheet_docx(trip, [sampling])
        return self.word_template(code).render(self.context(spec, trip, sampling, blank))
