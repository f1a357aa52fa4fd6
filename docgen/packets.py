"""Trip packets: every form of every firm as PDF and Word, merged PDFs, a ZIP and a manifest.

The output folder appears complete or not at all: everything is written into a temporary
folder beside it and renamed into place at the end; a failure removes the temporary folder.
"""
from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing
import os
import shutil
import tempfile
import zipfile
from io import BytesIO
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterable, Iterator
from contextlib import contextmanager

from pypdf import PdfReader, PdfWriter

from docgen.evidence import TITLE as PHOTOS_TITLE, photo_pages
from docgen.fonts import FontError
from docgen.pdf import Part
from docgen.photos import PhotoLimits
from docgen.records import Sampling, Trip
from docgen.render import Renderer
from docgen.specs import get_form
from docgen.word import TemplateProblem

log = logging.getLogger(__name__)

SAMPLED = ("notice", "sampling_slip", "payment_slip", "seal_notice", "feedback", "authorization")
REFUSED = ("notice", "refusal", "feedback", "authorization")
NO_SAMPLE = ("notice", "no_sample", "authorization")
# Before the trip nobody knows how a visit ends: print one of each so the samplers are covered.
BLANK = SAMPLED + ("refusal", "no_sample")
BY_OUTCOME = {"sampled": SAMPLED, "refused": REFUSED, "no_sample": NO_SAMPLE}


class PacketError(RuntimeError):
    """A packet that could not be built; nothing was left in the output folder."""


@dataclass(frozen=True)
class FileEntry:
    path: str  # relative to the output folder, with forward slashes
    sha256: str
    size: int
    form: str  # a form code, or photos / packet / trip / docx_zip
    sample_no: str | None
    format: str  # pdf / docx / zip
    pages: int | None = None


def forms_for(sampling: Sampling, blank: bool) -> tuple[str, ...]:
    return BLANK if blank else BY_OUTCOME[sampling.outcome]


def firm_label(sampling: Sampling) -> str:
    return f"{sampling.sample_no}　{sampling.enterprise.name}"


@dataclass(frozen=True)
class RenderedFile:
    """A generated file still in memory: what the packet writes to disk, the archive stores."""

    path: str
    data: bytes
    form: str
    sample_no: str | None
    format: str
    pages: int | None = None

    def entry(self) -> FileEntry:
        return FileEntry(self.path, hashlib.sha256(self.data).hexdigest(), len(self.data),
                         self.form, self.sample_no, self.format, self.pages)

    def write(self, root: Path) -> FileEntry:
        path = root / self.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(self.data)
        return self.entry()


def render_firm(renderer: Renderer, trip: Trip, sampling: Sampling, blank: bool) -> list[RenderedFile]:
    """One firm's forms (PDF and Word), its photo pages and its merged packet PDF, in memory.

    Every page is drawn once, into the packet; each form's own PDF is cut from the packet, so
    the packet and the form files share one font subset and cannot disagree.
    """
    no = sampling.sample_no
    author = trip.agency.name
    files: list[RenderedFile] = []
    packet: list[Part] = []
    pieces: list[tuple[str, str, str, list[Part]]] = []  # (file stem, form code, title, parts)
    for i, code in enumerate(forms_for(sampling, blank), start=1):
        spec = get_form(code)
        parts = renderer.pdf_parts(code, trip, sampling, blank)
        pieces.append((f"{no}/{no}-{i:02d}-{code}", code, spec.title, parts))
        files.append(RenderedFile(f"{no}/{no}-{i:02d}-{code}.docx",
                                  renderer.docx(code, trip, sampling, blank), code, no, "docx"))
        packet += parts
    if sampling.photos and not blank:
        s = renderer.settings
        pages = photo_pages(sampling, renderer.measurer, max_side=s.photo_print_side,
                            limits=PhotoLimits(s.photo_max_bytes, s.photo_max_pixels))
        part = Part(PHOTOS_TITLE, pages, 0)
        pieces.append((f"{no}/{no}-photos", "photos", PHOTOS_TITLE, [part]))
        packet.append(part)
    pdf, total = renderer.write_pdf(packet, title=f"抽查文书（{firm_label(sampling)}）", author=author)
    reader = PdfReader(BytesIO(pdf))
    start = 0
    for stem, code, title, parts in pieces:
        data, count = _cut(reader, start, parts, f"{title}（{no}）", author)
        files.append(RenderedFile(f"{stem}.pdf", data, code, no, "pdf", count))
        start += count
    files.append(RenderedFile(f"{no}/{no}-packet.pdf", pdf, "packet", no, "pdf", total))
    return files


def _cut(reader: PdfReader, start: int, parts: list[Part], title: str, author: str) -> tuple[bytes, int]:
    """The pages of one form out of a packet, with the form's own outline (one entry per 联)."""
    writer = PdfWriter()
    heading = None
    for part in parts:
        first = len(writer.pages)
        for k in range(len(part.pages)):
            writer.add_page(reader.pages[start + first + k])
        if part.pages:
            writer.add_outline_item(title=part.title, page_number=first,
                                    parent=heading if part.level else None)
        else:
            heading = writer.add_outline_item(title=part.title, page_number=first)
    writer.add_metadata({"/Title": title, "/Author": author, "/Creator": "spotcheck docgen"})
    buf = BytesIO()
    writer.write(buf)
    return buf.getvalue(), len(writer.pages)


# -- parallel rendering: one task per firm ---------------------------------------------------
_worker: dict = {}


def _init_worker(renderer: Renderer | tuple, trip: Trip, blank: bool, root: Path | None) -> None:
    """A forked worker inherits the parent's renderer (fonts already registered); a spawned
    one (Windows) gets (settings, template folders) and builds its own."""
    if not isinstance(renderer, Renderer):
        renderer = Renderer(*renderer)
    _worker.update(renderer=renderer, trip=trip, blank=blank, root=root)


def _render_task(index: int) -> list[FileEntry] | list[RenderedFile]:
    """Render one firm; with a root folder write its files there and return their entries."""
    trip, root = _worker["trip"], _worker["root"]
    sampling = trip.samplings[index]
    try:
        files = render_firm(_worker["renderer"], trip, sampling, _worker["blank"])
    except OSError:
        raise  # the disk: the caller says so in its own words
    except (TemplateProblem, FontError) as exc:  # these say what to fix, in Chinese
        raise PacketError(f"{sampling.sample_no}：生成文书失败：{exc}") from exc
    except Exception as exc:  # say which record failed; the caller abandons the whole job
        log.exception("rendering %s failed", sampling.sample_no)
        raise PacketError(f"{sampling.sample_no}：生成文书失败（程序内部错误，详情已记入日志）") from exc
    return [f.write(root) for f in files] if root is not None else files


def render_firms(renderer: Renderer, trip: Trip, blank: bool, *, jobs: int = 1,
                 root: Path | None = None, indices: Iterable[int] | None = None,
                 progress: Callable[[Iterable], Iterable] = lambda it: it) -> Iterator[tuple[int, list]]:
    """Render firms (all, or those at `indices`) in `jobs` processes, yielding (index, files)
    as each firm is done: FileEntry lists written under `root`, or in-memory RenderedFiles."""
    todo = list(range(len(trip.samplings)) if indices is None else indices)
    if jobs <= 1 or len(todo) <= 1:
        _init_worker(renderer, trip, blank, root)
        for i in progress(todo):
            yield i, _render_task(i)
        return
    # fork shares the registered fonts with the workers; elsewhere each worker loads its own
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    ctx = multiprocessing.get_context(method)
    init_renderer = renderer if method == "fork" else (renderer.settings, renderer.template_dir,
                                                       renderer.override_dir)
    with ProcessPoolExecutor(jobs, mp_context=ctx, initializer=_init_worker,
                             initargs=(init_renderer, trip, blank, root)) as pool:
        futures = {pool.submit(_render_task, i): i for i in todo}
        try:
            for fut in progress(as_completed(futures)):
                yield futures[fut], fut.result()
        finally:
            for f in futures:
                f.cancel()


def _merge_trip(root: Path, trip: Trip, firm_entries: list[list[FileEntry]]) -> FileEntry:
    """trip.pdf: every firm packet in order, an outline entry per firm with its forms below."""
    writer = PdfWriter()
    start = 0
    for sampling, entries in zip(trip.samplings, firm_entries):
        packet = next(e for e in entries if e.form == "packet")
        writer.append(str(root / packet.path), outline_item=firm_label(sampling),
                      import_outline=True)
        writer.set_page_label(start, start + packet.pages - 1, style="/D",
                              prefix=f"{sampling.sample_no}-")
        start += packet.pages
    writer.add_metadata({"/Title": f"{trip.task.name}（{trip.task.code}）抽查文书",
                         "/Author": trip.agency.name, "/Creator": "spotcheck docgen"})
    writer.page_mode = "/UseOutlines"
    path = root / "trip.pdf"
    with open(path, "wb") as fh:
        writer.write(fh)
    data = path.read_bytes()
    return FileEntry("trip.pdf", hashlib.sha256(data).hexdigest(), len(data), "trip", None, "pdf",
                     start)


def _zip_docx(root: Path, entries: list[FileEntry]) -> FileEntry:
    path = root / "docx.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:  # .docx is already compressed
        for e in entries:
            if e.format == "docx":
                zf.write(root / e.path, e.path)
    data = path.read_bytes()
    return FileEntry("docx.zip", hashlib.sha256(data).hexdigest(), len(data), "docx_zip", None, "zip")


def prepare_output(out: Path, overwrite: bool) -> None:
    if out.exists() and (not out.is_dir() or any(out.iterdir())) and not overwrite:
        raise PacketError(f"输出目录 {out} 已存在且不为空；请换一个目录，或加 --overwrite")


def publish(tmp: Path, out: Path) -> None:
    """Move a finished temporary folder into place, replacing an old output only at the end."""
    old = None
    if out.exists():
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        out.rename(old)
    tmp.rename(out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def write_file(path: Path, data: bytes) -> Path:
    """Write a file so that it carries its name only when whole: a temporary sibling, fsync,
    rename; a failed write (a full disk) leaves nothing behind."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)  # an ordinary file to open and print (mkstemp makes it 0600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


@contextmanager
def staged_output(out: Path, overwrite: bool) -> Iterator[Path]:
    """A temporary folder beside `out` to write into; renamed into place when the block ends,
    removed if it raises, so `out` is complete or untouched."""
    out = Path(out).resolve()
    prepare_output(out, overwrite)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    try:
        yield tmp
        publish(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_manifest(root: Path, trip: Trip, entries: list[FileEntry], **meta) -> None:
    manifest = {"task": {"code": trip.task.code, "name": trip.task.name},
                "agency": trip.agency.name, **meta,
                "generated_at": datetime.now().isoformat(timespec="seconds"),
                "files": [asdict(e) for e in entries]}
    (root / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2),
                                        encoding="utf-8")


def build_packet(trip: Trip, out: Path, *, blank: bool = False, jobs: int = 1,
                 renderer: Renderer | None = None, overwrite: bool = False,
                 progress: Callable[[Iterable], Iterable] = lambda it: it) -> list[FileEntry]:
    """Render the whole trip into `out`; returns the manifest entries."""
    renderer = renderer or Renderer()
    with staged_output(out, overwrite) as tmp:
        per_firm: list[list[FileEntry]] = [[] for _ in trip.samplings]
        for i, entries_of_firm in render_firms(renderer, trip, blank, jobs=jobs, root=tmp,
                                                progress=progress):
            per_firm[i] = entries_of_firm
        entries = [e for firm in per_firm for e in firm]
        entries.append(_merge_trip(tmp, trip, per_firm))
        entries.append(_zip_docx(tmp, entries))
        write_manifest(tmp, trip, entries, source=str(trip.source) if trip.source else None,
                       blank=blank)
    return entries
