"""The indexed document record, the Whoosh schema, its version, and the two record kinds."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from whoosh import columns, fields, formats
from whoosh.analysis import SpaceSeparatedTokenizer

from search.analysis import (BigramTokenizer, PrefixTokenizer, UnigramTokenizer, normalize_id,
                             normalize_name, sample_key)

# Bump whenever the schema, the analyzers or what is indexed changes: an index written
# with another version is reported as needing a rebuild instead of being misread.
SCHEMA_VERSION = 2  # 2: names indexed without their inner whitespace

# Name fields searched by substring: <name>_1 holds unigrams, <name>_2 bigrams, and the
# <name>_n column the normalised text that confirms a longer substring.
NAME_FIELDS = ("firm", "manufacturer", "product")
# Identifiers of the sampling, searched exact (sids) and by prefix (sids_p).
SAMPLING_IDS = ("credit_code", "manufacturer_code", "sample_no", "notice_no", "batch",
                "report_no")
# Identifiers of one document (dids, dids_p).
DOCUMENT_IDS = ("doc_no", "ems_no")
# The sampling's facts, shared by all its documents; kept once, on the sampling record.
FACTS = ("firm", "credit_code", "manufacturer", "manufacturer_code", "product", "batch",
         "notice_no", "report_no", "task", "result", "date")


@dataclass(frozen=True)
class IndexDoc:
    """One archived document, with its sampling's searchable facts."""

    document_id: int
    sample_no: str
    form: str              # form code, e.g. 'notice', 'sampling_slip', 'photos', 'packet'
    title: str             # e.g. '产品质量监督抽查通知书'
    firm: str              # 受检单位名称
    credit_code: str       # 统一社会信用代码
    manufacturer: str = ""         # 标称生产者名称
    manufacturer_code: str = ""
    product: str = ""              # 产品名称
    batch: str = ""                # 生产日期/批号 as written
    doc_no: str = ""               # archive document number, e.g. 'WS2023000123'
    notice_no: str = ""            # e.g. '晋市市监抽〔2023〕1号'
    report_no: str = ""
    ems_no: str = ""
    task: str = ""                 # task code
    result: str = ""               # '合格' / '不合格' / ''
    date: date | None = None       # the sampling date
    version: int = 1


def _terms(analyzer) -> fields.FieldType:
    # Existence only: no frequencies, positions or lengths, so postings decode fast.
    return fields.FieldType(formats.Existence(), analyzer)


def build_schema() -> fields.Schema:
    """One index, two record kinds: a sampling record ('s') and one record per document ('d')."""
    words = SpaceSeparatedTokenizer()
    spec: dict[str, fields.FieldType] = {
        "kind": fields.ID(),
        # skey (both kinds) joins documents to samplings without reading stored fields.
        "skey": fields.COLUMN(columns.NumericColumn("q")),
        # -- sampling records
        "sample_no": fields.ID(stored=True, unique=True),
        "sids": _terms(words), "sids_p": _terms(PrefixTokenizer()),
        "result": fields.ID(), "task": fields.ID(), "forms": _terms(words),
        "day": fields.COLUMN(columns.NumericColumn("i")),      # yyyymmdd, 0 when unknown
        "ndocs": fields.COLUMN(columns.NumericColumn("i")),
        "facts": fields.STORED(),
        # -- document records
        "document_id": fields.ID(stored=True, unique=True),
        "of": fields.ID(stored=True),                         # the sample_no it belongs to
        "form": fields.ID(stored=True),
        "dids": _terms(words), "dids_p": _terms(PrefixTokenizer()),
        "doc": fields.STORED(),
    }
    for name in NAME_FIELDS:
        spec[name + "_1"] = _terms(UnigramTokenizer())
        spec[name + "_2"] = _terms(BigramTokenizer())
        spec[name + "_n"] = fields.COLUMN(columns.VarBytesColumn())
    return fields.Schema(**spec)


def day_number(d: date) -> int:
    """A date as the sortable integer yyyymmdd."""
    return d.year * 10000 + d.month * 100 + d.day


def doc_facts(doc: IndexDoc) -> dict:
    """The sampling facts one document carries, dates as ISO text, empty values dropped."""
    out = {}
    for name in FACTS:
        value = getattr(doc, name)
        if name == "date":
            if isinstance(value, datetime):
                value = value.date()
            value = value.isoformat() if value else ""
        if value:
            out[name] = value
    return out


def sampling_record(sample_no: str, facts: dict, forms: list[str]) -> dict:
    """update_document arguments for a sampling, given its merged facts and its documents' forms."""
    rec: dict = {"kind": "s", "sample_no": sample_no, "skey": sample_key(sample_no),
                 "forms": " ".join(sorted(set(forms))), "ndocs": len(forms), "facts": facts}
    for name in ("result", "task"):
        if facts.get(name):
            rec[name] = facts[name]
    if facts.get("date"):
        rec["day"] = int(facts["date"].replace("-", ""))
    firm = facts.get("firm", "")
    for name in NAME_FIELDS:
        value = facts.get(name, "")
        # A manufacturer that is the firm itself adds nothing to search, only index work.
        if value and not (name == "manufacturer" and value == firm):
            rec[name + "_1"] = rec[name + "_2"] = value
            rec[name + "_n"] = normalize_name(value).encode("utf-8")
    ids = {normalize_id(sample_no)} | {normalize_id(facts.get(n, "")) for n in SAMPLING_IDS}
    ids.discard("")
    if ids:
        rec["sids"] = rec["sids_p"] = " ".join(sorted(ids))
    return rec


def document_record(doc: IndexDoc) -> dict:
    """update_document arguments for one document (its sampling's facts live elsewhere)."""
    sample_no = normalize_id(doc.sample_no or "")
    if not sample_no:
        raise ValueError(f"document {doc.document_id} has no sample number")
    doc_no, ems_no = doc.doc_no or "", doc.ems_no or ""   # the database may hold NULL
    rec: dict = {"kind": "d", "document_id": str(doc.document_id), "of": sample_no,
                 "skey": sample_key(sample_no), "form": doc.form or "",
                 "doc": {"title": doc.title or "", "version": doc.version, "doc_no": doc_no,
                         "ems_no": ems_no}}
    ids = {normalize_id(doc_no), normalize_id(ems_no)} - {""}
    if ids:
        rec["dids"] = rec["dids_p"] = " ".join(sorted(ids))
    return rec


def merge_facts(old: dict, new: dict) -> dict:
    """Facts of a sampling: the later document's non-empty values win, others are kept."""
    merged = dict(old)
    merged.update(new)
    return merged
