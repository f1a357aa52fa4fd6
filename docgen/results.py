"""Result packets: per firm the 检验结果通知书, the lab's report, the 送达回证 and the envelope;
per batch one printable PDF, the Word files in a ZIP, and address labels when asked for.

Like trip packets, the output folder appears complete or not at all.
"""
from __future__ import annotations

import zipfile
from dataclasses import replace
from io import BytesIO
from pathlib import Path
from typing import Callable, Iterable

from pypdf import PdfReader, PdfWriter

from docgen.loading import Problem, TripError, _Reader, _check_glyphs, read_json, read_result
from docgen.packets import (FileEntry, PacketError, RenderedFile, _cut, firm_label,
                            staged_output, write_manifest)
from docgen.pdf import Part
from docgen.records import Sampling, Trip
from docgen.render import Renderer
from docgen.settings import Settings
from docgen.specs import get_form

FIRM_FORMS = ("result_notice", "service_receipt")  # A4, in the firm's packet with the lab report
MAILERS = ("envelope", "labels", "none")
LAB_REPORT_TITLE = "检验报告"


def apply_results(trip: Trip, data, *, source: str, base_dir: Path, settings: Settings = Settings(),
                  check_text: Callable[[str], str] | None = None,
                  check_report: Callable[[Path], object] | None = None) -> Trip:
    """The trip with the results of a results file ({sample_no: result}) put on its samplings,
    or TripError listing every problem (unknown sample numbers, samples not taken, bad values)."""
    r = _Reader(settings)
    if not isinstance(data, dict) or not data:
        raise TripError(source, [Problem("results", "result", "结果文件应为 {抽样单编号: 检验结果} 形式的 JSON 对象")])
    by_no = {s.sample_no: s for s in trip.samplings}
    results = {}
    for sample_no, raw in data.items():
        sampling = by_no.get(sample_no)
        if sampling is None:
            r.fail(sample_no, "sample_no", "行程文件中没有这个抽样单编号")
            continue
        if sampling.outcome != "sampled":
            r.fail(sample_no, "result.conclusion", "该记录没有抽到样品，不能有检验结果")
            continue
        result = read_result(r, sample_no, raw if isinstance(raw, dict) else {}, base_dir,
                             sampling.sampled_at)
        if check_report and result.lab_report:
            try:
                check_report(result.lab_report)
            except ValueError as exc:
                r.fail(sample_no, "result.lab_report", str(exc))
        results[sample_no] = result
    _check_glyphs(r, check_text)
    if r.problems:
        raise TripError(source, r.problems)
    return replace(trip, samplings=tuple(replace(s, result=results.get(s.sample_no, s.result))
                                         for s in trip.samplings))


def load_results(trip: Trip, path: Path, **kwargs) -> Trip:
    path = Path(path)
    data = read_json(path, record="results", field="result")
    return apply_results(trip, data, source=str(path), base_dir=path.parent, **kwargs)


def select_for_results(trip: Trip, sample_nos: Iterable[str] | None = None) -> list[Sampling]:
    """The samplings to send results to: those named (each must have a result and its lab
    report), or every sampling that has both. TripError says what is missing."""
    problems = []
    if sample_nos:
        by_no = {s.sample_no: s for s in trip.samplings}
        chosen = []
        for no in sample_nos:
            if no not in by_no:
                problems.append(Problem(no, "sample_no", "没有这个抽样单编号"))
            else:
                chosen.append(by_no[no])
    else:
        chosen = [s for s in trip.samplings if s.result is not None]
        if not chosen:
            problems.append(Problem("results", "result", "没有任何已录入检验结果的样品"))
    for s in chosen:
        if s.result is None:
            problems.append(Problem(s.sample_no, "result.conclusion", "尚未录入检验结果"))
        elif s.result.lab_report is None:
            problems.append(Problem(s.sample_no, "result.lab_report",
                                    "缺少检验报告 PDF（结果通知须附检验报告）"))
    if problems:
        raise TripError("results", problems)
    return chosen


def render_result_firm(renderer: Renderer, trip: Trip, sampling: Sampling, *,
                       envelope: bool = True) -> list[RenderedFile]:
    """One firm's result documents, in memory: each form as PDF and Word, the lab report, the
    merged packet (notice, report, proof of service: all A4) and the envelope on its own."""
    no = sampling.sample_no
    author = trip.agency.name
    files: list[RenderedFile] = []
    drawn: list[Part] = []
    pieces = []  # (file stem, code, title, parts)
    codes = FIRM_FORMS + (("envelope",) if envelope else ())
    for i, code in enumerate(codes, start=1):
        spec = get_form(code)
        parts = renderer.pdf_parts(code, trip, sampling, False)
        pieces.append((f"{no}/{no}-R{i}-{code}", code, spec.title, parts))
        files.append(RenderedFile(f"{no}/{no}-R{i}-{code}.docx",
                                  renderer.docx(code, trip, sampling, False), code, no, "docx"))
        drawn += parts
    pdf, _ = renderer.write_pdf(drawn, title=f"检验结果（{firm_label(sampling)}）", author=author)
    reader = PdfReader(BytesIO(pdf))
    start, cut = 0, {}
    for stem, code, title, parts in pieces:
        data, count = _cut(reader, start, parts, f"{title}（{no}）", author)
        files.append(RenderedFile(f"{stem}.pdf", data, code, no, "pdf", count))
        cut[code] = (start, count, parts)
        start += count
    report = sampling.result.lab_report.read_bytes()
    report_reader = PdfReader(BytesIO(report))
    files.append(RenderedFile(f"{no}/{no}-lab-report.pdf", report, "lab_report", no, "pdf",
                              len(report_reader.pages)))

    writer = PdfWriter()
    _append(writer, reader, cut["result_notice"])
    first = len(writer.pages)
    for page in report_reader.pages:
        writer.add_page(page)
    writer.add_outline_item(title=f"{LAB_REPORT_TITLE}（{sampling.result.report_no}）",
                            page_number=first)
    _append(writer, reader, cut["service_receipt"])
    writer.add_metadata({"/Title": f"检验结果通知（{firm_label(sampling)}）", "/Author": author,
                         "/Creator": "spotcheck docgen"})
    buf = BytesIO()
    writer.write(buf)
    files.append(RenderedFile(f"{no}/{no}-result-packet.pdf", buf.getvalue(), "result_packet", no,
                              "pdf", len(writer.pages)))
    return files


def _append(writer: PdfWriter, reader: PdfReader, piece: tuple[int, int, list[Part]]) -> None:
    start, count, parts = piece
    first = len(writer.pages)
    for k in range(count):
        writer.add_page(reader.pages[start + k])
    heading, offset = None, first
    for part in parts:
        if part.pages:
            writer.add_outline_item(title=part.title, page_number=offset,
                                    parent=heading if part.level else None)
            offset += len(part.pages)
        else:
            heading = writer.add_outline_item(title=part.title, page_number=offset)


def batch_pdf(trip: Trip, firms: list[tuple[Sampling, bytes]], mail_pages: bytes | None,
              mail_title: str) -> tuple[bytes, int]:
    """The batch's one printable PDF: every firm's A4 packet (an outline entry per firm), then
    the envelopes or label sheets, so they can be printed as one page range on the feeder."""
    writer = PdfWriter()
    for sampling, packet in firms:
        start = len(writer.pages)
        writer.append(PdfReader(BytesIO(packet)), outline_item=firm_label(sampling),
                      import_outline=True)
        writer.set_page_label(start, len(writer.pages) - 1, style="/D",
                              prefix=f"{sampling.sample_no}-")
    if mail_pages:
        start = len(writer.pages)
        writer.append(PdfReader(BytesIO(mail_pages)), outline_item=mail_title, import_outline=False)
        writer.set_page_label(start, len(writer.pages) - 1, style="/D", prefix="封-")
    writer.add_metadata({"/Title": f"{trip.task.name}检验结果通知（共 {len(firms)} 户）",
                         "/Author": trip.agency.name, "/Creator": "spotcheck docgen"})
    writer.page_mode = "/UseOutlines"
    buf = BytesIO()
    writer.write(buf)
    return buf.getvalue(), len(writer.pages)


def render_result_batch(renderer: Renderer, trip: Trip, samplings: list[Sampling], *,
                        mailer: str = "envelope",
                        progress: Callable[[Iterable], Iterable] = lambda it: it
                        ) -> tuple[dict[str, list[RenderedFile]], list[RenderedFile]]:
    """Every selected firm's result files, and the batch files (results.pdf, the envelopes or
    label sheets, the Word ZIP), all in memory."""
    if mailer not in MAILERS:
        raise ValueError(f"mailer must be one of {MAILERS}")
    per_firm: dict[str, list[RenderedFile]] = {}
    for sampling in progress(samplings):
        try:
            per_firm[sampling.sample_no] = render_result_firm(renderer, trip, sampling,
                                                              envelope=mailer == "envelope")
        except Exception as exc:  # say which record failed; the caller abandons the batch
            raise PacketError(f"{sampling.sample_no}：生成结果通知失败：{type(exc).__name__}: {exc}") from exc
    batch: list[RenderedFile] = []
    mail_pages, mail_title = None, ""
    if mailer == "envelope":
        writer = PdfWriter()
        for sampling in samplings:
            env = next(f for f in per_firm[sampling.sample_no] if f.form == "envelope" and f.format == "pdf")
            writer.append(PdfReader(BytesIO(env.data)), outline_item=firm_label(sampling),
                          import_outline=False)
        buf = BytesIO()
        writer.write(buf)
        mail_pages, mail_title = buf.getvalue(), get_form("envelope").title
        batch.append(RenderedFile("envelopes.pdf", mail_pages, "envelope", None, "pdf",
                                  len(writer.pages)))
    elif mailer == "labels":
        mail_pages, pages = renderer.label_sheet_pdf(trip, samplings)
        mail_title = get_form("label_sheet").title
        batch.append(RenderedFile("labels.pdf", mail_pages, "label_sheet", None, "pdf", pages))
        batch.append(RenderedFile("labels.docx", renderer.label_sheet_docx(trip, samplings),
                                  "label_sheet", None, "docx"))
    packets = [(s, next(f.data for f in per_firm[s.sample_no] if f.form == "result_packet"))
               for s in samplings]
    data, pages = batch_pdf(trip, packets, mail_pages, mail_title)
    batch.insert(0, RenderedFile("results.pdf", data, "result_batch", None, "pdf", pages))
    buf = BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:  # .docx is already compressed
        for files in per_firm.values():
            for f in files:
                if f.format == "docx":
                    zf.writestr(f.path, f.data)
        for f in batch:
            if f.format == "docx":
                zf.writestr(f.path, f.data)
    batch.append(RenderedFile("results-docx.zip", buf.getvalue(), "result_docx_zip", None, "zip"))
    return per_firm, batch


def build_results(trip: Trip, out: Path, *, sample_nos: Iterable[str] | None = None,
                  mailer: str = "envelope", renderer: Renderer | None = None,
                  overwrite: bool = False,
                  progress: Callable[[Iterable], Iterable] = lambda it: it) -> list[FileEntry]:
    """Write the result packets of the selected firms into `out`; returns the manifest."""
    renderer = renderer or Renderer()
    samplings = select_for_results(trip, sample_nos)
    with staged_output(out, overwrite) as tmp:
        per_firm, batch = render_result_batch(renderer, trip, samplings, mailer=mailer,
                                              progress=progress)
        entries = [f.write(tmp) for files in per_firm.values() for f in files]
        entries += [f.write(tmp) for f in batch]
        write_manifest(tmp, trip, entries, kind="results", mailer=mailer)
    return entries
