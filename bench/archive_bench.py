"""Benchmark: an archive of N documents (default 100,000) on synthetic firms and samplings.

Run by hand:  .venv/bin/python -m bench.archive_bench [--docs 100000]
Rows go straight into a fresh SQLite database (each document pointing at a small stored
file), then the search index is rebuilt from the database the way `search reindex` does it.
Prints index throughput, index size, p50/p95 query latency for a firm-name substring, a
credit code and a batch number, and firm-name substring recall against SQL.
"""
from __future__ import annotations

import argparse
import random
import shutil
import statistics
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select

from archive.config import Config
from archive.models import Agency, Blob, Document, Firm, Sampling, Task
from archive.service import Archive
from bench.synthetic import credit_code

PLACES = ["晋城", "泽州", "高平", "阳城", "沁水", "陵川", "张家港", "青浦", "朱家角", "徐泾", "华新",
          "金村", "凤城", "龙港", "崇文", "太原", "大同", "长治", "苏州", "无锡"]
WORDS = list("鑫达华通永兴恒远宏泰金鼎优选清源惠民蓝泉盛昌隆顺安康瑞丰嘉禾中天新宇")
KINDS = ["电缆", "线缆", "电工器材", "五金电料", "净水设备", "电器", "科技", "实业", "家电"]
SUFFIX = ["有限公司", "股份有限公司", "经销部", "商行", "制造有限公司"]
FORMS = ["notice", "sampling_slip", "payment_slip", "seal_notice", "feedback", "authorization",
         "photos", "packet"]


def populate(archive: Archive, docs: int, rng: random.Random) -> tuple[list[str], list[str], list[str]]:
    per_sampling = sum(1 if f in ("photos", "packet") else 2 for f in FORMS)  # pdf (+ docx)
    samplings = docs // per_sampling + 1
    firms = max(samplings * 2 // 3, 1)
    names, codes, batches = [], [], []
    with archive.session() as s:
        s.add(Agency(id=1, kind="agency", name="某市市场监督管理局", short_name="某市监"))
        s.add(Agency(id=2, kind="institution", name="某市检验检测中心"))
        s.add(Task(id=1, code="BENCH-2021", name="基准测试任务", agency_id=1, institution_id=2))
        s.add(Blob(sha256="0" * 64, size=1, state="stored"))
        s.flush()
        seen = set()
        rows = []
        while len(rows) < firms:
            name = (rng.choice(PLACES) + "".join(rng.sample(WORDS, 2)) + rng.choice(KINDS)
                    + rng.choice(SUFFIX))
            code = credit_code(rng)
            if name in seen or code in seen:
                continue
            seen.update((name, code))
            rows.append({"id": len(rows) + 1, "credit_code": code, "name": name})
        s.execute(insert(Firm), rows)
        names = [r["name"] for r in rows]
        codes = [r["credit_code"] for r in rows]
        start = date(2021, 1, 1)
        srows = []
        for i in range(samplings):
            batch = f"{rng.randrange(2019, 2022)}{rng.randrange(1, 13):02d}{i:06d}"
            batches.append(batch)
            srows.append({"id": i + 1, "sample_no": f"BJ2021{i:07d}", "task_id": 1,
                          "firm_id": rng.randrange(firms) + 1, "outcome": "sampled",
                          "product": {}, "quantity": {}, "seal": {}, "batch": batch,
                          "product_name": rng.choice(["电线", "电缆", "净水器", "插座"]),
                          "sampled_at": datetime.combine(start + timedelta(days=i % 365),
                                                         datetime.min.time()),
                          "notice_no": f"某市监抽〔2021〕{i + 1}号"})
        s.execute(insert(Sampling), srows)
        drows = []
        for sid in range(1, samplings + 1):
            for form in FORMS:
                for fmt in (("pdf",) if form in ("photos", "packet") else ("pdf", "docx")):
                    if len(drows) >= docs:
                        break
                    drows.append({"doc_no": f"WS2021{len(drows) + 1:07d}", "sampling_id": sid,
                                  "firm_id": srows[sid - 1]["firm_id"], "task_id": 1, "form": form,
                                  "format": fmt, "blank": False, "version": 1, "sha256": "0" * 64,
                                  "size": 1, "filename": f"{form}.{fmt}", "title": form})
        s.execute(insert(Document), drows)
    return names, codes, batches


def latency(fn, queries) -> tuple[float, float]:
    times = []
    for q in queries:
        t = time.perf_counter()
        fn(q)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=200)
    args = ap.parse_args()
    rng = random.Random(7)
    home = Path(tempfile.mkdtemp(prefix="spotcheck-archive-bench-"))
    try:
        archive = Archive(Config(home, f"sqlite:///{home / 'db.sqlite'}", "bench"))
        t = time.perf_counter()
        names, codes, batches = populate(archive, args.docs, rng)
        print(f"database: {args.docs} documents, {len(batches)} samplings, {len(names)} firms "
              f"in {time.perf_counter() - t:.1f} s")
        t = time.perf_counter()
        n = archive.reindex()
        took = time.perf_counter() - t
        size = sum(p.stat().st_size for p in archive.config.index_dir.rglob("*") if p.is_file())
        print(f"reindex from the database: {n} documents in {took:.1f} s = {n / took:,.0f} docs/s; "
              f"index {size / 1e6:.0f} MB")
        index = archive.index
        subs = [name[k:k + 2] for name in rng.sample(names, args.queries)
                for k in [rng.randrange(len(name) - 1)]]
        for label, queries in (("firm-name substring (2 chars)", subs),
                               ("credit code", rng.sample(codes, args.queries)),
                               ("batch number", rng.sample(batches, args.queries))):
            p50, p95 = latency(lambda q: index.search(q, pagesize=20), queries)
            print(f"{label:<32} p50 {p50:6.1f} ms   p95 {p95:6.1f} ms")
        # recall: every sampling whose firm name contains the substring, by SQL, must be found
        with archive.session() as s:
            misses = 0
            for sub in subs[:20]:
                want = set(s.scalars(select(Sampling.sample_no).join(Firm, Sampling.firm_id == Firm.id)
                                     .where(Firm.name.contains(sub))))
                got = set()
                page = 1
                while True:
                    r = index.search(sub, form="notice", page=page, pagesize=500)
                    got |= {g.sample_no for g in r.groups}
                    if page >= r.pages:
                        break
                    page += 1
                misses += len(want - got)
            print(f"firm-name substring recall over 20 substrings: "
                  f"{'100%' if misses == 0 else f'{misses} samplings missed'}")
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
