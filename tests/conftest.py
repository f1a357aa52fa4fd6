"""Shared fixtures: the demo trips, a trip-file writer, one Renderer per test session."""
from __future__ import annotations

import copy
import json
import re
import zipfile
from io import BytesIO
from pathlib import Path

import pytest
from docx import Document
from pypdf import PdfReader

from docgen.word import DOCUMENT_PART

DEMO = Path(__file__).resolve().parent.parent / "docgen" / "demo"


@pytest.fixture(scope="session")
def renderer():
    from docgen.render import Renderer

    return Renderer()


@pytest.fixture
def jincheng() -> dict:
    return json.loads((DEMO / "trip-jincheng-cable.json").read_text(encoding="utf-8"))


@pytest.fixture
def qingpu() -> dict:
    return json.loads((DEMO / "trip-qingpu-blank.json").read_text(encoding="utf-8"))


@pytest.fixture
def write_trip(tmp_path):
    """Write a trip dict next to copies of the demo photos; returns the file path."""

    def write(data: dict, name: str = "trip.json") -> Path:
        photos = tmp_path / "photos"
        if not photos.exists():
            photos.mkdir()
            for p in (DEMO / "photos").iterdir():
                (photos / p.name).write_bytes(p.read_bytes())
        path = tmp_path / name
        path.write_text(json.dumps(copy.deepcopy(data), ensure_ascii=False), encoding="utf-8")
        return path

    return write


def squash(text: str) -> str:
    """Text with all whitespace removed: values wrap across lines and cells in both formats."""
    return re.sub(r"\s+", "", text)


def pdf_text(data_or_path) -> str:
    src = BytesIO(data_or_path) if isinstance(data_or_path, bytes) else str(data_or_path)
    return squash("".join(page.extract_text() for page in PdfReader(src).pages))


def docx_text(data_or_path) -> str:
    src = BytesIO(data_or_path) if isinstance(data_or_path, bytes) else str(data_or_path)
    doc = Document(src)
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                parts.append(cell.text)
    return squash("\n".join(parts))


def edited_docx(data: bytes, old: str, new: str, count: int = -1) -> bytes:
    """The docx with `old` replaced by `new` in word/document.xml (tags are single runs in the
    default templates, so a plain string replacement is enough)."""
    out = BytesIO()
    with zipfile.ZipFile(BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == DOCUMENT_PART:
                text = body.decode("utf-8")
                assert old in text, f"{old!r} not in the template"
                body = text.replace(old, new, count).encode("utf-8")
            dst.writestr(info, body)
    return out.getvalue()


@pytest.fixture(autouse=True)
def _close_idle_connections():
    """Each test's database connections are closed after it (the engines stay, a later test of
    the module reconnects): hundreds of instances would otherwise hold over a thousand files
    open, past what select() in the browser tests' server can watch."""
    yield
    from archive import db

    for engine in list(db._engines.values()):
        engine.dispose()
