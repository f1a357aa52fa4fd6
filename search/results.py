"""Search results grouped by sampling, and highlighted snippets computed from the query."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from html import escape

from search.analysis import MIN_PREFIX, is_id_like, normalize_id, normalize_name, query_runs

# Labels shown before a matched field other than the firm name in a snippet.
LABELS = {
    "manufacturer": "标称生产者", "product": "产品", "credit_code": "统一社会信用代码",
    "manufacturer_code": "生产者信用代码", "sample_no": "抽样单编号", "doc_no": "文书编号",
    "notice_no": "通知书编号", "batch": "生产日期/批号", "report_no": "报告编号",
    "ems_no": "EMS单号",
}
SEPARATOR = " · "
SAMPLING_LABELS = ("credit_code", "manufacturer_code", "sample_no", "notice_no", "batch",
                   "report_no")
DOCUMENT_LABELS = ("doc_no", "ems_no")


@dataclass
class Hit:
    """One matching document, with its sampling's facts and a highlighted HTML snippet."""

    document_id: int
    sample_no: str
    form: str
    title: str
    firm: str
    credit_code: str
    snippet: str
    score: float
    manufacturer: str = ""
    product: str = ""
    batch: str = ""
    doc_no: str = ""
    notice_no: str = ""
    report_no: str = ""
    ems_no: str = ""
    task: str = ""
    result: str = ""
    date: str = ""          # ISO yyyy-mm-dd, '' when unknown
    version: int = 1

    def to_json(self) -> dict:
        return asdict(self)


@dataclass
class Group:
    """One sampling and its matching documents."""

    sample_no: str
    firm: str
    credit_code: str
    hits: list[Hit] = field(default_factory=list)   # documents of one sampling, best first

    @property
    def score(self) -> float:
        return self.hits[0].score if self.hits else 0.0


@dataclass
class SearchResult:
    """One page of groups; `total` and `pages` count samplings, `total_docs` documents."""

    total: int          # matching samplings
    total_docs: int     # matching documents
    page: int
    pagesize: int
    groups: list[Group] = field(default_factory=list)
    needs_rebuild: bool = False

    @property
    def hits(self) -> list[Hit]:
        return [h for g in self.groups for h in g.hits]

    @property
    def pages(self) -> int:
        return -(-self.total // self.pagesize) if self.pagesize else 0

    def to_json(self) -> dict:
        return {
            "total": self.total, "total_docs": self.total_docs, "page": self.page,
            "pagesize": self.pagesize, "pages": self.pages, "needs_rebuild": self.needs_rebuild,
            "hits": [h.to_json() for h in self.hits],
            "groups": [{"sample_no": g.sample_no, "firm": g.firm, "credit_code": g.credit_code,
                        "score": g.score, "document_ids": [h.document_id for h in g.hits]}
                       for g in self.groups],
        }


def _normalized_map(value: str) -> tuple[str, list[int]]:
    """`value` normalised character by character, and for each output character its source index."""
    out: list[str] = []
    src: list[int] = []
    for i, ch in enumerate(value):
        norm = normalize_name(ch)
        out.append(norm)
        src.extend([i] * len(norm))
    return "".join(out), src


def highlight_substrings(value: str, needles: list[str]) -> str | None:
    """`value` HTML-escaped with every occurrence of the (normalised) needles in <b></b>.

    None when no needle occurs, so the caller knows whether this field matched.
    """
    norm, src = _normalized_map(value)
    marked = [False] * len(value)
    for needle in needles:
        start = norm.find(needle) if needle else -1
        while start >= 0:
            for j in range(start, start + len(needle)):
                marked[src[j]] = True
            start = norm.find(needle, start + 1)
    if not any(marked):
        return None
    return _wrap(value, marked)


def _wrap(value: str, marked: list[bool]) -> str:
    parts: list[str] = []
    i = 0
    while i < len(value):
        j = i
        while j < len(value) and marked[j] == marked[i]:
            j += 1
        text = escape(value[i:j])
        parts.append(f"<b>{text}</b>" if marked[i] else text)
        i = j
    return "".join(parts)


def highlight_id(value: str, idents: list[str]) -> str | None:
    """An identifier (shown normalised), the part an exact or prefix query matched in <b></b>."""
    value = normalize_id(value)
    for ident in idents:
        if value == ident or (len(ident) >= MIN_PREFIX and is_id_like(ident)
                              and value.startswith(ident)):
            return f"<b>{escape(ident)}</b>{escape(value[len(ident):])}"
    return None


class Snippets:
    """Builds snippets for one query: the firm name first, then every other field that matched."""

    def __init__(self, text: str):
        terms = text.split()
        self.runs = [run for t in terms for run in query_runs(t)]
        self.idents = [i for i in (normalize_id(t) for t in terms) if i]

    def _ids(self, record: dict, names) -> list[str]:
        parts = []
        for name in names:
            marked = highlight_id(record.get(name, ""), self.idents) if self.idents else None
            if marked:
                parts.append(f"{LABELS[name]}：{marked}")
        return parts

    def sampling(self, facts: dict, sample_no: str) -> list[str]:
        """The parts from the sampling's facts (once per group: its documents share them)."""
        firm = facts.get("firm", "")
        parts = [highlight_substrings(firm, self.runs) or escape(firm)]
        for name in ("manufacturer", "product"):
            value = facts.get(name, "")
            if not value or (name == "manufacturer" and value == firm):
                continue   # nothing, or the firm itself, already shown
            marked = highlight_substrings(value, self.runs)
            if marked:
                parts.append(f"{LABELS[name]}：{marked}")
        return parts + self._ids({**facts, "sample_no": sample_no}, SAMPLING_LABELS)

    def document(self, doc: dict) -> list[str]:
        """The parts from one document's own numbers."""
        return self._ids(doc, DOCUMENT_LABELS)

    @staticmethod
    def join(parts: list[str]) -> str:
        return SEPARATOR.join(parts)
