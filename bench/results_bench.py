"""Result packets for a big batch: `python -m bench.results_bench --firms 577`.

Prints the time to render every tested firm's result notice, lab report, proof of service and
envelope (or label sheets), merge the batch PDF and write the folder; and the lists."""
from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from bench.synthetic import make_trip
from docgen.lists import write_lists
from docgen.loading import load_trip
from docgen.render import Renderer
from docgen.results import apply_results, build_results

DEMO = Path(__file__).resolve().parent.parent / "docgen" / "demo"


def results_for(trip, rng: random.Random) -> dict:
    """Every sampled firm: 90% 合格, 10% 不合格 with 1–3 failed items; the demo lab report."""
    out = {}
    for s in trip.samplings:
        if s.outcome != "sampled":
            continue
        failed = rng.random() < 0.1
        items = [{"item": f"检验项目{i}", "requirement": "≤12.1 Ω/km", "measured": "13.6 Ω/km"}
                 for i in range(1, rng.randint(1, 3) + 1)] if failed else []
        out[s.sample_no] = {"conclusion": "不合格" if failed else "合格",
                            "report_no": f"BG{s.sample_no}", "report_date": "2023-04-20",
                            "items": items, "lab_report": str(DEMO / "reports" / "JCJC2023-DX-0002.pdf")}
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--firms", type=int, default=577)
    args = ap.parse_args()
    r = Renderer()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        trip = load_trip(make_trip(args.firms, tmp / "trip", photos=False))
        trip = apply_results(trip, results_for(trip, random.Random(7)), source="bench",
                             base_dir=tmp)
        tested = sum(1 for s in trip.samplings if s.result)
        for mailer in ("envelope", "labels"):
            t = time.perf_counter()
            entries = build_results(trip, tmp / f"out-{mailer}", renderer=r, mailer=mailer)
            took = time.perf_counter() - t
            batch = next(e for e in entries if e.form == "result_batch")
            size = sum(e.size for e in entries)
            print(f"{mailer:<9} {tested} firms: {took:6.1f} s ({took / tested * 100:5.1f} s/100 firms), "
                  f"{len(entries)} files, {size / 1e6:.0f} MB, results.pdf {batch.pages} pages "
                  f"{batch.size / 1e6:.1f} MB")
        t = time.perf_counter()
        paths = write_lists(trip, tmp / "lists")
        print(f"lists     {len(paths)} files for {tested} batches: {time.perf_counter() - t:.2f} s")


if __name__ == "__main__":
    main()
