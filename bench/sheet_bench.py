"""Spreadsheet imports, big and broken: `python -m bench.sheet_bench [--junk N] [--valid N]`.

Writes a sheet of junk rows (with the size Excel/WPS/LibreOffice declare, and without it, as
some programs write) and a sheet of valid sampling rows (as openpyxl writes it, with one formula,
and, when LibreOffice is installed, as LibreOffice saves it), then imports each in a fresh
process (`load_spreadsheet`, as `archive import` does) and prints the time and the peak RSS of
that process, its RSS before reading, and how the import ended.
"""
from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from bench.synthetic import make_trip

ROOT = Path(__file__).resolve().parent.parent


def _rss_mb() -> float:
    """This process's peak RSS. VmHWM, not ru_maxrss: that one keeps the peak of the parent
    the process was forked from."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def write_junk(path: Path, rows: int, *, declared: bool) -> Path:
    """Rows of junk under the template's headers: unknown outcomes, prices with three decimals,
    invalid credit codes, text in every column."""
    from openpyxl import Workbook

    from archive.tripcolumns import COLUMNS

    rng = random.Random(9)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("抽样记录")
    ws.append([c.header for c in COLUMNS[:12]])
    for n in range(rows):
        ws.append([f"垃圾{n}", "完成", f"某某{rng.random()}", "12345", rng.random(), "x" * 20,
                   "y", "z", n, rng.random(), "?", "!"])
    wb.save(path)
    if declared:  # what Excel writes: <dimension ref="A1:L100001"/> before the rows
        part = "xl/worksheets/sheet1.xml"
        with zipfile.ZipFile(path) as z:
            parts = {i.filename: z.read(i) for i in z.infolist()}
        xml = parts[part]
        at = xml.index(b"<sheetData")
        parts[part] = xml[:at] + f'<dimension ref="A1:L{rows + 1}"/>'.encode() + xml[at:]
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            for name, data in parts.items():
                z.writestr(name, data)
    return path


def write_valid(path: Path, rows: int, folder: Path, *, formula: bool = False) -> Path:
    """`rows` samplings of a synthetic trip as a clerk's sheet (postal codes as General numbers);
    with formula, one =1+1 in an unknown column, so the sheet is read twice in lockstep."""
    from openpyxl import Workbook

    from archive.sheettemplate import _example_cells
    from archive.tripcolumns import COLUMNS

    trip = json.loads(make_trip(rows, folder, photos=False).read_text(encoding="utf-8"))
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("抽样记录")
    ws.append([c.header for c in COLUMNS] + ["备注"])
    for i, s in enumerate(trip["samplings"]):
        cells = _example_cells(s)
        cells["enterprise.postal_code"] = int(cells.get("enterprise.postal_code") or 48000)
        ws.append([cells.get(c.path) for c in COLUMNS] + ["=1+1" if formula and i == 0 else None])
    wb.save(path)
    base = {k: v for k, v in trip.items() if k != "samplings"}
    (folder / "base.json").write_text(json.dumps(base, ensure_ascii=False), encoding="utf-8")
    return path


def child(path: Path, base: Path, max_rows: int | None) -> None:
    """One import in this process; prints a JSON line."""
    from dataclasses import replace

    from archive.sheets import SheetError
    from archive.spreadsheet import load_spreadsheet
    from docgen.settings import Settings

    settings = Settings() if max_rows is None else replace(Settings(), sheet_max_rows=max_rows)
    base_trip = json.loads(base.read_text(encoding="utf-8"))
    before = _rss_mb()
    started = time.perf_counter()
    try:
        trip = load_spreadsheet(path, base_trip=base_trip, settings=settings)
        outcome = f"imported {len(trip.samplings)} samplings"
    except SheetError as exc:
        last = exc.problems[-1]
        outcome = (f"refused: {len(exc.problems)} lines listed, {exc.total} problems"
                   f"{'' if exc.exact else ' or more'}; first: {exc.problems[0].message[:48]}"
                   + (f"; last: {last.message}" if len(exc.problems) > 1 else ""))
    took = time.perf_counter() - started
    print(json.dumps({"seconds": took, "peak_mb": _rss_mb(), "before_mb": before,
                      "outcome": outcome}, ensure_ascii=False))


def run(label: str, path: Path, base: Path, max_rows: int | None = None) -> None:
    cmd = [sys.executable, "-m", "bench.sheet_bench", "--child", str(path), "--base", str(base)]
    if max_rows is not None:
        cmd += ["--max-rows", str(max_rows)]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True)
    r = json.loads(done.stdout.strip().splitlines()[-1])
    size = path.stat().st_size / 1e6
    print(f"{label:<44} {size:5.1f} MB  {r['seconds']:6.2f} s  peak RSS {r['peak_mb']:6.0f} MB "
          f"(before reading {r['before_mb']:.0f} MB)\n    {r['outcome']}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--junk", type=int, default=100_000)
    ap.add_argument("--valid", type=int, default=19_000)
    ap.add_argument("--child", type=Path)
    ap.add_argument("--base", type=Path)
    ap.add_argument("--max-rows", type=int)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.base, args.max_rows)
        return
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        valid = write_valid(tmp / "valid.xlsx", args.valid, tmp / "trip")
        lockstep = write_valid(tmp / "valid-formula.xlsx", args.valid, tmp / "trip", formula=True)
        base = tmp / "trip" / "base.json"
        junk = write_junk(tmp / "junk.xlsx", args.junk, declared=True)
        undeclared = write_junk(tmp / "junk-undeclared.xlsx", args.junk, declared=False)
        run(f"junk, {args.junk} rows, size declared", junk, base)
        run(f"junk, {args.junk} rows, size not declared", undeclared, base)
        run(f"junk, {args.junk} rows, row limit raised", undeclared, base, max_rows=10 * args.junk)
        run(f"valid, {args.valid} rows", valid, base)
        run(f"valid, {args.valid} rows, a formula (lockstep)", lockstep, base)
        if shutil.which("soffice"):  # shared strings and styles as an office suite saves them
            subprocess.run(["soffice", "--headless", "--convert-to", "xlsx", "--outdir",
                            str(tmp / "lo"), str(valid)], check=True, capture_output=True)
            run(f"valid, {args.valid} rows, saved by LibreOffice", tmp / "lo" / valid.name, base)


if __name__ == "__main__":
    main()
