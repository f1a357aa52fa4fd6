"""Evaluate a search on a snapshot: match, score, filter, group by sampling, rank, paginate."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from search.analysis import MAX_INDEXED_PREFIX, MIN_PREFIX, is_id_like, normalize_id, query_runs
from search.results import Group, Hit, SearchResult, Snippets
from search.schema import NAME_FIELDS, day_number
from search.snapshot import Snapshot

# Scores are integer bands that never overlap: an exact identifier (1000) outranks any
# prefix (100), which outranks any mix of name matches (at most 4 + 2 + 1 per term).
EXACT = 1000
PREFIX = 100
NAME_BOOSTS = {"firm": 4, "manufacturer": 2, "product": 1}


@dataclass(frozen=True)
class Filters:
    form: str | None = None
    result: str | None = None
    task: str | None = None
    date_from: date | None = None
    date_to: date | None = None


def _add(scores: dict[int, int], docs, boost: int) -> None:
    """Add `boost` to the score of every docnum in `docs`."""
    if not scores:
        scores.update(dict.fromkeys(docs, boost))   # the common first clause, all in C
        return
    docs = docs if isinstance(docs, (set, frozenset)) else set(docs)
    both = scores.keys() & docs
    for d in both:
        scores[d] += boost
    if len(both) < len(docs):
        scores.update(dict.fromkeys(docs - both, boost))


def _run_docs(snap: Snapshot, field: str, run: str) -> list[int] | set[int]:
    """Records whose `field` contains the normalised, whitespace-free `run`."""
    if len(run) == 1:
        return snap.docs(field + "_1", run)
    grams = sorted({run[i:i + 2] for i in range(len(run) - 1)})
    lists = sorted((snap.docs(field + "_2", g) for g in grams), key=len)
    if len(run) == 2:
        return lists[0]
    found = set(lists[0])
    for other in lists[1:]:
        found.intersection_update(other)
        if not found:
            return found
    # Holding every bigram is necessary but not sufficient (AB…BC has both of ABC's);
    # the stored normalised name settles it, so results are exact substrings.
    return snap.texts_containing(field + "_n", found, run)


def _term(snap: Snapshot, term: str) -> tuple[dict[int, int], dict[int, int]]:
    """Scores of one search-box term: (sampling records, document records)."""
    samplings: dict[int, int] = {}
    documents: dict[int, int] = {}
    runs = query_runs(term)
    if runs:
        for field in NAME_FIELDS:
            found = None
            for run in runs:
                docs = _run_docs(snap, field, run)
                found = set(docs) if found is None else found & set(docs)
            _add(samplings, found, NAME_BOOSTS[field])
    ident = normalize_id(term)
    if ident:
        _add(samplings, snap.docs("sids", ident), EXACT)
        _add(documents, snap.docs("dids", ident), EXACT)
        if len(ident) >= MIN_PREFIX and is_id_like(ident):
            if len(ident) <= MAX_INDEXED_PREFIX:
                _add(samplings, snap.docs("sids_p", ident), PREFIX)
                _add(documents, snap.docs("dids_p", ident), PREFIX)
            else:
                _add(samplings, snap.prefix_docs("sids", ident), PREFIX)
                _add(documents, snap.prefix_docs("dids", ident), PREFIX)
    return samplings, documents


def _allowed(snap: Snapshot, f: Filters) -> set[int] | None:
    """Sampling records passing the filters, or None when there are no filters."""
    allowed: set[int] | None = None
    for field, value in (("forms", f.form), ("result", f.result), ("task", f.task)):
        if value:
            docs = set(snap.docs(field, value.strip()))
            allowed = docs if allowed is None else allowed & docs
    if f.date_from is not None or f.date_to is not None:
        lo = day_number(f.date_from) if f.date_from else 1
        hi = day_number(f.date_to) if f.date_to else 99999999
        days = snap.column("day")
        pool = allowed if allowed is not None else snap.docs("kind", "s")
        allowed = {s for s in pool if lo <= days[s] <= hi}
    return allowed


def search(snap: Snapshot, text: str, f: Filters, page: int, pagesize: int) -> SearchResult:
    terms = text.split()
    allowed = _allowed(snap, f)
    form_docs = set(snap.docs("form", f.form.strip())) if f.form else None
    if not terms:
        pool = allowed if allowed is not None else snap.docs("kind", "s")
        core, per_term, bonus = dict.fromkeys(pool, 0), [], {}
    else:
        per_term = [_term(snap, t) for t in terms]
        core = _core(per_term, allowed)
        bonus = _bonus(snap, per_term, allowed, form_docs)
    scores = core
    if bonus:
        scores = dict(core)
        for s, docs in bonus.items():
            scores[s] = _base(s, core, per_term) + max(docs.values())
    ranked = _rank(scores, page * pagesize)
    snippet = Snippets(text)
    groups = [_group(snap, s, core, bonus, form_docs, per_term, snippet)
              for s in ranked[(page - 1) * pagesize: page * pagesize]]
    return SearchResult(len(scores), _count_docs(snap, core, bonus, f), page, pagesize, groups)


def _core(per_term, allowed) -> dict[int, int]:
    """Samplings matched by every term on their own facts (so all their documents match)."""
    if len(per_term) == 1:
        first = per_term[0][0]
        return first if allowed is None else {s: first[s] for s in first.keys() & allowed}
    first, *rest = sorted((s for s, _ in per_term), key=len)
    keys = first.keys() if allowed is None else first.keys() & allowed
    for other in rest:
        keys = keys & other.keys()
    return {s: sum(st.get(s, 0) for st, _ in per_term) for s in keys}


def _bonus(snap, per_term, allowed, form_docs) -> dict[int, dict[int, int]]:
    """Documents matched on their own numbers, every term met by the document or its sampling:
    sampling → {document: score of its own matches}."""
    if len(per_term) == 1:
        docs = per_term[0][1]
    else:
        docs = set().union(*(dt.keys() for _, dt in per_term))
    bonus: dict[int, dict[int, int]] = {}
    if not docs:
        return bonus
    skeys, by_key = snap.column("skey"), snap.samplings_by_key()
    if form_docs is not None:
        docs = docs.keys() & form_docs if isinstance(docs, dict) else docs & form_docs
    single = per_term[0][1] if len(per_term) == 1 else None
    for d in docs:
        s = by_key.get(skeys[d])
        if s is None or (allowed is not None and s not in allowed):
            continue
        if single is not None:
            score = single[d]
        elif all(d in dt or s in st for st, dt in per_term):
            score = sum(dt.get(d, 0) for _, dt in per_term)
        else:
            continue
        held = bonus.get(s)
        if held is None:
            bonus[s] = {d: score}
        else:
            held[d] = score
    return bonus


def _base(s: int, core: dict[int, int], per_term) -> int:
    """A sampling's own score: all terms if it is a core sampling, else those it met."""
    if s in core:
        return core[s]
    return sum(st.get(s, 0) for st, _ in per_term)


def _rank(scores: dict[int, int], needed: int) -> list[int]:
    """The best `needed` samplings: score, then most recently indexed first."""
    # One integer per sampling (score above, docnum below) sorts in C, not with a key function.
    packed = sorted([score << 32 | s for s, score in scores.items()], reverse=True)
    return [v & 0xFFFFFFFF for v in packed[:needed]]


def _count_docs(snap: Snapshot, core: dict, bonus: dict, f: Filters) -> int:
    """Matching documents: every document of a core sampling, plus the separately matched ones."""
    extra = sum(len(docs) for s, docs in bonus.items() if s not in core)
    if not core:
        return extra
    if not f.form:
        ndocs = snap.column("ndocs")
        return extra + sum(map(ndocs.__getitem__, core))
    skeys = snap.column("skey")
    wanted = {skeys[s] for s in core}
    return extra + sum(1 for d in snap.docs("form", f.form.strip()) if skeys[d] in wanted)


def _group(snap, s, core, bonus, form_docs, per_term, snippet) -> Group:
    stored = snap.stored(s)
    sample_no, facts = stored["sample_no"], stored.get("facts", {})
    extra = bonus.get(s, {})
    if s in core:
        base = core[s]
        docs = snap.docs("of", sample_no)
        if form_docs is not None:
            docs = [d for d in docs if d in form_docs]
    else:
        base = _base(s, core, per_term)
        docs = list(extra)
    shared = snippet.sampling(facts, sample_no)
    hits = [_hit(snap.stored(d), sample_no, facts, base + extra.get(d, 0), snippet, shared)
            for d in docs]
    hits.sort(key=lambda h: (-h.score, h.document_id))
    return Group(sample_no, facts.get("firm", ""), facts.get("credit_code", ""), hits)


def _hit(stored: dict, sample_no: str, facts: dict, score: int, snippet: Snippets,
         shared: list[str]) -> Hit:
    doc = stored.get("doc", {})
    return Hit(
        document_id=int(stored["document_id"]), sample_no=sample_no, form=stored.get("form", ""),
        title=doc.get("title", ""), firm=facts.get("firm", ""),
        credit_code=facts.get("credit_code", ""),
        snippet=snippet.join(shared + snippet.document(doc)), score=float(score),
        manufacturer=facts.get("manufacturer", ""), product=facts.get("product", ""),
        batch=facts.get("batch", ""), doc_no=doc.get("doc_no", ""),
        notice_no=facts.get("notice_no", ""), report_no=facts.get("report_no", ""),
        ems_no=doc.get("ems_no", ""), task=facts.get("task", ""), result=facts.get("result", ""),
        date=facts.get("date", ""), version=doc.get("version", 1),
    )
