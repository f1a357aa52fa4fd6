"""Index writes under the write lock: rebuild, add, delete, keeping sampling records in step."""
from __future__ import annotations

from whoosh.codec.whoosh3 import W3Codec
from whoosh.writing import CLEAR

from search.analysis import normalize_id
from search.schema import (IndexDoc, doc_facts, document_record, merge_facts,
                           sampling_record)

# Whoosh's estimate of its posting pool, past which it sorts runs on disk and merges them
# at commit: 512 keeps a 100,000-document rebuild in memory (about 4,500 docs/s against
# 2,000 at 256, for some 300 MB more resident memory during the rebuild).
LIMIT_MB = 512


class IndexCodec(W3Codec):
    """Whoosh's default codec without field-length statistics.

    Nothing here is scored by field length, and gathering the statistics looks for a
    missing length column (one stat() call) for every posting: a third of indexing time.
    """

    length_stats = False


def _writer(ix, **kwargs):
    return ix.writer(codec=IndexCodec(), **kwargs)


def check(ix) -> None:
    """Touch what a search touches (TOC, term index, stored fields, columns) to find damage now."""
    with ix.searcher() as s:
        reader = s.reader()
        for _ in reader.iter_field("kind"):
            pass
        last = reader.doc_count_all() - 1
        if last >= 0:
            s.stored_fields(last)
            for field in ("skey", "day", "ndocs", "firm_n"):
                if reader.has_column(field):
                    reader.column_reader(field, translate=False)[last]


class _Samplings:
    """Facts and document forms per sampling, gathered while documents stream past."""

    def __init__(self):
        self.facts: dict[str, dict] = {}
        self.newest: dict[str, dict[str, int]] = {}   # sample → fact → document_id it came from
        self.forms: dict[str, dict[int, str]] = {}    # sample → document_id → form

    def add(self, doc: IndexDoc, sample_no: str) -> None:
        # Per fact, the highest document_id with a value wins, whatever the stream order.
        facts = self.facts.setdefault(sample_no, {})
        newest = self.newest.setdefault(sample_no, {})
        for name, value in doc_facts(doc).items():
            if doc.document_id >= newest.get(name, -1):
                facts[name], newest[name] = value, doc.document_id
        self.forms.setdefault(sample_no, {})[doc.document_id] = doc.form


def rebuild(ix, docs) -> int:
    """Write every document and one record per sampling, replacing all segments at once."""
    writer = _writer(ix, limitmb=LIMIT_MB)
    samplings = _Samplings()
    seen: set[int] = set()
    try:
        for doc in docs:
            if doc.document_id in seen:
                raise ValueError(f"document_id {doc.document_id} given twice")
            seen.add(doc.document_id)
            rec = document_record(doc)
            writer.add_document(**rec)
            samplings.add(doc, rec["of"])
        for sample_no, facts in samplings.facts.items():
            forms = list(samplings.forms[sample_no].values())
            writer.add_document(**sampling_record(sample_no, facts, forms))
    except BaseException:
        writer.cancel()
        raise
    # CLEAR swaps every old segment for the new one in a single TOC generation, so readers
    # see either the old index or the new one, never a half-built one.
    writer.commit(mergetype=CLEAR)
    return len(seen)


def _current_forms(searcher, sample_no: str) -> dict[int, str]:
    return {int(f["document_id"]): f["form"] for f in searcher.documents(of=sample_no)}


def _current_facts(searcher, sample_no: str) -> dict:
    stored = searcher.document(sample_no=sample_no)
    return dict(stored.get("facts", {})) if stored else {}


def add(ix, docs: list[IndexDoc]) -> int:
    """Add or replace documents; rewrite the sampling record of every sampling they touch."""
    latest = {doc.document_id: doc for doc in docs}   # within one call, the last one wins
    docs = sorted(latest.values(), key=lambda d: d.document_id)
    records = [document_record(doc) for doc in docs]
    with ix.searcher() as s:   # under the write lock this is the current state
        touched: set[str] = {rec["of"] for rec in records}
        for doc in docs:
            old = s.document(document_id=str(doc.document_id))
            if old:
                touched.add(old["of"])   # a document moved away from this sampling
        state = {}
        for sample_no in touched:
            forms = {i: f for i, f in _current_forms(s, sample_no).items() if i not in latest}
            state[sample_no] = (_current_facts(s, sample_no), forms)
    for doc, rec in zip(docs, records):
        facts, forms = state[rec["of"]]
        forms = {**forms, doc.document_id: doc.form}
        state[rec["of"]] = (merge_facts(facts, doc_facts(doc)), forms)
    writer = _writer(ix, limitmb=LIMIT_MB)
    try:
        for rec in records:
            writer.update_document(**rec)
        _write_samplings(writer, state)
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
    return len(records)


def delete(ix, document_ids: list[int]) -> None:
    """Delete documents; a sampling left without documents goes too."""
    ids = {int(i) for i in document_ids}
    with ix.searcher() as s:
        touched = set()
        for i in ids:
            old = s.document(document_id=str(i))
            if old:
                touched.add(old["of"])
        state = {}
        for sample_no in touched:
            forms = {i: f for i, f in _current_forms(s, sample_no).items() if i not in ids}
            state[sample_no] = (_current_facts(s, sample_no), forms)
    if not touched:
        return
    writer = _writer(ix)
    try:
        for i in ids:
            writer.delete_by_term("document_id", str(i))
        _write_samplings(writer, state)
    except BaseException:
        writer.cancel()
        raise
    writer.commit()


def _write_samplings(writer, state: dict[str, tuple[dict, dict[int, str]]]) -> None:
    for sample_no, (facts, forms) in state.items():
        if forms:
            writer.update_document(**sampling_record(sample_no, facts, list(forms.values())))
        else:
            writer.delete_by_term("sample_no", normalize_id(sample_no))
