"""Benchmark: index N synthetic archive documents, then time firm, credit-code and batch queries.

Run by hand:  .venv/bin/python -m bench.search_bench [--docs 100000] [--queries 200] [--keep DIR]
Prints indexing throughput (docs/s), index size on disk, p50/p95 latency per query kind, and
firm-name substring recall checked by brute force over the generated names.
"""
from __future__ import annotations

import argparse
import random
import shutil
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from bench.synthetic import credit_code
from search import IndexDoc, SearchIndex

# Places and syllables are few on purpose, so short substrings repeat across many firms.
PLACES = ("晋城", "泽州", "高平", "阳城", "沁水", "陵川", "张家港", "青浦", "朱家角", "凤城",
          "龙港", "金村", "华新", "徐泾", "太原", "长治", "运城", "临汾", "大同", "晋中")
SYLLABLES = "鑫达华通永兴恒远宏泰金鼎优选清源惠民蓝泉昌盛隆丰瑞祥安康宝利德顺和美新佳嘉诚信天元"
TRADES = ("电缆", "线缆", "电工", "电器", "五金", "电料", "科技", "实业", "建材", "机电")
SUFFIXES = ("有限公司", "股份有限公司", "经销部", "商行", "制造有限公司", "有限责任公司")
PRODUCTS = ("聚氯乙烯绝缘电线", "额定电压450/750V及以下聚氯乙烯绝缘软电缆", "铜芯聚氯乙烯绝缘电线",
            "架空绝缘电缆", "电力电缆", "插头插座", "断路器", "LED灯具", "电热水壶", "安全帽")
FORMS = (("notice", "产品质量监督抽查通知书"), ("sampling_slip", "产品质量监督抽查/复查抽样单"),
         ("payment_slip", "产品质量监督抽查样品付费单"),
         ("seal_notice", "产品质量监督抽查样品封存和处置告知单"),
         ("feedback", "产品质量监督抽查工作质量及工作纪律反馈单"), ("authorization", "授权委托书"),
         ("photos", "现场照片"), ("packet", "文书汇总"))


def firm_name(rng: random.Random) -> str:
    return (rng.choice(PLACES) + "".join(rng.sample(SYLLABLES, rng.randint(2, 3)))
            + rng.choice(TRADES) + rng.choice(SUFFIXES))


def batch_no(rng: random.Random, serial: int) -> str:
    year, month = rng.randrange(2019, 2025), rng.randrange(1, 13)
    style = serial % 3
    if style == 0:
        return f"{year}{month:02d}{serial:06d}"
    if style == 1:
        return f"{year}-{month:02d}-{rng.randrange(1, 29):02d}/B{serial:06d}"
    return f"LOT{year % 100:02d}{serial:07d}"


def make_docs(n: int, seed: int = 2023) -> list[IndexDoc]:
    """About n documents: samplings of 4-8 forms each, firms sampled more than once."""
    rng = random.Random(seed)
    firms = [(firm_name(rng), credit_code(rng)) for _ in range(max(1, n // 10))]
    docs: list[IndexDoc] = []
    serial = 0
    while len(docs) < n:
        serial += 1
        firm, code = rng.choice(firms)
        maker, maker_code = (firm, code) if rng.random() < 0.6 else rng.choice(firms)
        day = date(2021, 1, 1) + timedelta(days=rng.randrange(4 * 365))
        sample_no = f"JC{day.year}DX{serial:06d}"
        batch = batch_no(rng, serial)
        result = rng.choice(("合格", "合格", "合格", "不合格", ""))
        for form, title in FORMS[:rng.randint(4, len(FORMS))]:
            if len(docs) >= n:
                break
            docs.append(IndexDoc(
                document_id=len(docs) + 1, sample_no=sample_no, form=form, title=title,
                firm=firm, credit_code=code, manufacturer=maker, manufacturer_code=maker_code,
                product=rng.choice(PRODUCTS), batch=batch,
                doc_no=f"WS{day.year}{len(docs) + 1:07d}",
                notice_no=f"晋市市监抽〔{day.year}〕{serial}号", task=f"T{day.year}-{serial % 7}",
                result=result, date=day, report_no=f"BG{serial:08d}" if result else "",
                ems_no=f"EA{serial:09d}CN" if form == "notice" else ""))
    return docs


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return statistics.median(ordered), p95


def time_queries(ix: SearchIndex, queries: list[str], must_find: bool = True):
    """p50 and p95 latency in ms of one search per query (first page of 20 samplings)."""
    ms = []
    for q in queries:
        t = time.perf_counter()
        r = ix.search(q)
        ms.append((time.perf_counter() - t) * 1000)
        assert r.total > 0 or not must_find, q
    return percentiles(ms)


def check_recall(ix: SearchIndex, docs: list[IndexDoc], subs: list[str]) -> None:
    """Compare each substring's samplings with brute force over the generated names."""
    for sub in subs:
        by_firm = {d.sample_no for d in docs if sub in d.firm}
        by_any = {d.sample_no for d in docs if sub in d.firm or sub in d.manufacturer
                  or sub in d.product}
        got = {g.sample_no for g in ix.search(sub, pagesize=10**7).groups}
        recall = len(by_firm & got) / len(by_firm) if by_firm else 1.0
        exact = ("exact" if got == by_any
                 else f"MISMATCH (+{len(got - by_any)} -{len(by_any - got)})")
        print(f"  recall {sub!r:8} {recall:7.2%}  firm samplings {len(by_firm):6}  "
              f"returned {len(got):6}  vs firm/manufacturer/product brute force: {exact}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--keep", type=Path, help="build the index here and keep it")
    args = ap.parse_args()

    t = time.perf_counter()
    docs = make_docs(args.docs)
    print(f"generated {len(docs)} documents in {time.perf_counter() - t:.1f} s")
    folder = args.keep or Path(tempfile.mkdtemp(prefix="search-bench-"))
    try:
        ix = SearchIndex(folder)
        t = time.perf_counter()
        count = ix.rebuild(docs)
        secs = time.perf_counter() - t
        size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
        print(f"indexed {count} documents in {secs:.1f} s: {count / secs:,.0f} docs/s; "
              f"index {size / 2**20:.1f} MB on disk")

        rng = random.Random(7)
        sample = [rng.choice(docs) for _ in range(args.queries)]
        firm_subs = []
        for d in sample:
            i = rng.randrange(len(d.firm) - 1)
            firm_subs.append(d.firm[i:i + 2])
        kinds = {"firm substring (2 chars)": firm_subs,
                 "credit code (exact)": [d.credit_code for d in sample],
                 "batch number (exact)": [d.batch for d in sample]}
        ix.search("预热")   # open the searcher once; every query after reuses it
        for kind, queries in kinds.items():
            p50, p95 = time_queries(ix, queries)
            print(f"{kind:26} p50 {p50:6.2f} ms  p95 {p95:6.2f} ms  ({len(queries)} queries)")
        print("broad queries (no target; median of 5):")
        for q in ("有限", "有限公司", sample[0].credit_code[:4], "WS2023", "JC2022",
                  f"{sample[1].firm[:2]} {sample[1].batch[:6]}", ""):
            p50, _ = time_queries(ix, [q] * 5, must_find=False)
            print(f"  {q!r:28} {p50:6.2f} ms  {ix.search(q).total:6} samplings")
        check_recall(ix, docs, ["晋", "城", "晋城", "金鼎", "城金", "有限", "张家港", "兴电缆", "鑫达"])
        ix.close()
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
