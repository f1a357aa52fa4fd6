"""Benchmark: a synthetic 577-firm trip (张家港 2021 plan size) in PDF, Word and both.

Run by hand:  .venv/bin/python -m bench.packet_bench [--firms 577] [--jobs 2] [--lo-firms 5]
Prints seconds per 100 firms for PDF only, Word only and both (single process), the full
packet build with --jobs workers (all merges, ZIP and manifest), our PDF pages against bare
reportlab canvas drawing of the same text and rules, and LibreOffice's docx→PDF conversion.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import time
from io import BytesIO
from pathlib import Path

from reportlab.pdfgen.canvas import Canvas

from bench.synthetic import make_trip
from docgen.layout import PAGE_H, PAGE_W
from docgen.loading import load_trip
from docgen.packets import _merge_trip, build_packet, forms_for
from docgen.pdf import Part
from docgen.photos import inspect_photo
from docgen.render import Renderer


def per100(seconds: float, firms: int) -> str:
    return f"{seconds / firms * 100:7.2f} s/100 firms"


def time_pdf(r: Renderer, trip, firms) -> tuple[float, int, list]:
    t = time.perf_counter()
    pages_total, sample_pages = 0, []
    for s in firms:
        parts: list[Part] = []
        for code in forms_for(s, False):
            parts += r.pdf_parts(code, trip, s, False)
        _, n = r.write_pdf(parts, title="bench", author="bench")
        pages_total += n
        if not sample_pages:
            sample_pages = [p for part in parts for p in part.pages]
    return time.perf_counter() - t, pages_total, sample_pages


def time_docx(r: Renderer, trip, firms) -> float:
    t = time.perf_counter()
    for s in firms:
        for code in forms_for(s, False):
            r.docx(code, trip, s, False)
    return time.perf_counter() - t


def bare_canvas(pages, repeat: int) -> float:
    """The same strings and rules drawn with plain canvas calls, no layout, one PDF per firm."""
    flat = []
    for page in pages:
        items = []
        for op in page.ops:
            if op[0] in ("text", "footer"):
                _, x, y, line, size = op
                items += [("s", seg.face.name if seg.face else "Song", size, x + seg.x, y, seg.text)
                          for seg in line.segments]
            elif op[0] == "line":
                items.append(("l",) + op[1:5])
        flat.append(items)
    t = time.perf_counter()
    for _ in range(repeat):
        c = Canvas(BytesIO(), pagesize=(PAGE_W, PAGE_H), pageCompression=1, initialFontName="Song")
        for items in flat:
            for it in items:
                if it[0] == "s":
                    c.setFont(it[1], it[2])
                    c.drawString(it[3], it[4], it[5])
                else:
                    c.line(*it[1:])
            c.showPage()
        c.save()
    return time.perf_counter() - t


def libreoffice(trip_dir: Path, r: Renderer, trip, firms) -> str:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        return "LibreOffice not installed: skipped"
    work = Path(tempfile.mkdtemp(dir=trip_dir))
    files = []
    for s in firms:
        for code in forms_for(s, False):
            path = work / f"{s.sample_no}-{code}.docx"
            path.write_bytes(r.docx(code, trip, s, False))
            files.append(str(path))
    t = time.perf_counter()
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{work}/profile",
                    "--convert-to", "pdf", "--outdir", str(work), *files],
                   check=True, capture_output=True)
    took = time.perf_counter() - t
    return f"{per100(took, len(firms))}  ({len(files)} docx of {len(firms)} firms in {took:.1f} s)"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--firms", type=int, default=577)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--lo-firms", type=int, default=5)
    ap.add_argument("--sample", type=int, default=60, help="firms timed single-process")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="spotcheck-bench-"))
    try:
        path = make_trip(args.firms, work)
        t = time.perf_counter()
        r = Renderer()
        trip = load_trip(path, check_text=r.fonts.missing, check_photo=inspect_photo)
        print(f"trip: {args.firms} firms; load + validate (fonts, photos): {time.perf_counter() - t:.1f} s")
        sample = trip.samplings[: args.sample]
        r.docx("notice", trip, sample[0], False)  # compile templates outside the timings
        pdf_s, pages, one_firm = time_pdf(r, trip, sample)
        docx_s = time_docx(r, trip, sample)
        print(f"PDF  only (1 process, {len(sample)} firms, {pages} pages): {per100(pdf_s, len(sample))}"
              f"  = {pdf_s / pages * 1000:.1f} ms/page")
        print(f"Word only (1 process): {per100(docx_s, len(sample))}")
        print(f"both (1 process):      {per100(pdf_s + docx_s, len(sample))}")
        bare = bare_canvas(one_firm, repeat=len(sample)) / (len(one_firm) * len(sample))
        ours = pdf_s / pages
        print(f"bare reportlab canvas, same text and rules: {bare * 1000:.1f} ms/page; "
              f"ours (layout + draw + save): {ours * 1000:.1f} ms/page = {ours / bare:.2f}x")
        out = work / "out"
        t = time.perf_counter()
        entries = build_packet(trip, out, jobs=args.jobs, renderer=r)
        took = time.perf_counter() - t
        trip_pdf = next(e for e in entries if e.form == "trip")
        size = sum(e.size for e in entries)
        print(f"full packet, --jobs {args.jobs}: {took:.1f} s for {args.firms} firms "
              f"({per100(took, args.firms)}); {len(entries)} files, {size / 1e6:.0f} MB; "
              f"trip.pdf {trip_pdf.pages} pages, {trip_pdf.size / 1e6:.0f} MB")
        firm_entries = [[e for e in entries if e.sample_no == s.sample_no] for s in trip.samplings]
        t = time.perf_counter()
        _merge_trip(out, trip, firm_entries)
        print(f"  of which trip.pdf merge (pypdf, serial): {time.perf_counter() - t:.1f} s")
        print("LibreOffice docx→PDF:", libreoffice(work, r, trip, trip.samplings[: args.lo_firms]))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
