"""Results, EMS postings and the deadline board for a big task: `python -m bench.mailing_bench`.

Imports a synthetic 577-firm trip into a fresh archive, enters every tested sample's result in
one batch, posts every packet and signs for half of them, then times the board and the post
office's list."""
from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from archive.config import Config
from archive.service import Archive
from bench.synthetic import make_trip
from docgen.ems import s10_check_digit


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--firms", type=int, default=577)
    args = ap.parse_args()
    rng = random.Random(5)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        a = Archive(Config(home=tmp / "inst", database_url=f"sqlite:///{tmp / 'inst' / 'db.sqlite'}",
                           actor="bench"))
        a.import_file(make_trip(args.firms, tmp / "trip", photos=False), actor="bench")
        with a.session() as s:
            from sqlalchemy import select

            from archive.models import Sampling, Task
            rows = [(r.sample_no, r.sampled_at) for r in s.scalars(
                select(Sampling).where(Sampling.outcome == "sampled").order_by(Sampling.sample_no))]
            task = s.scalars(select(Task)).first().code
        entries = {}
        for no, _ in rows:
            failed = rng.random() < 0.1
            entries[no] = ({"conclusion": "不合格" if failed else "合格", "report_no": f"BG{no}",
                            "report_date": "2023-04-20",
                            "items": [{"item": "导体电阻", "requirement": "≤12.1 Ω/km",
                                       "measured": "13.6 Ω/km"}] if failed else []}, None, "")
        t = time.perf_counter()
        a.results.enter_many(entries, actor="bench", source="bench")
        print(f"results: {len(entries)} entered in one batch in {time.perf_counter() - t:.2f} s")
        t = time.perf_counter()
        for i, (no, _) in enumerate(rows):
            serial = f"{i + 10_000_000:08d}"
            a.mailings.record_ems(no, f"EA{serial}{s10_check_digit(serial)}CN",
                                  posted_on=date(2023, 4, 21), actor="bench")
            if i % 2:
                a.mailings.record_signed(no, date(2023, 4, 21) + timedelta(days=i % 9),
                                         signed_by="收发室", actor="bench")
        took = time.perf_counter() - t
        print(f"mailing: {len(rows)} EMS numbers + {len(rows) // 2} signed-for in {took:.1f} s "
              f"({took / (len(rows) * 1.5) * 1000:.1f} ms per record)")
        times = []
        for _ in range(10):
            t = time.perf_counter()
            board = a.mailings.board(task_code=task, today=date(2023, 5, 3))
            times.append(time.perf_counter() - t)
        counts = {k: len(v) for k, v in board.by_state().items()}
        print(f"board: {len(board.rows)} rows {counts}; median {statistics.median(times) * 1000:.0f} ms, "
              f"max {max(times) * 1000:.0f} ms")
        t = time.perf_counter()
        data = a.mailings.mailing_list(task, only_unsigned=False)
        print(f"mailing list: {len(data) / 1e3:.0f} KB in {time.perf_counter() - t:.2f} s")


if __name__ == "__main__":
    main()
