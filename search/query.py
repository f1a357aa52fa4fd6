"""Turn the search box text and filters into a Whoosh query, and the weighting that ranks it."""
from __future__ import annotations

from datetime import date

from whoosh import query as Q
from whoosh.matching import NullMatcher
from whoosh.scoring import BaseScorer, WeightingModel

from search.analysis import normalize_id, normalize_name, query_bigrams
from search.schema import ID_FIELDS, NAME_FIELDS, day_number

# Each matching clause scores its boost times (1, 1.5]; the bands never overlap, so an exact
# identifier always outranks a prefix, which always outranks any mix of name matches.
EXACT_BOOST = 1000.0
PREFIX_BOOST = 100.0
NAME_BOOSTS = {"firm": 4.0, "manufacturer": 2.0, "product": 1.0}
# Shorter prefixes expand to too many terms to be useful (and are slow): '9' is every code.
MIN_PREFIX = 2


def split_terms(text: str) -> list[str]:
    """The whitespace-separated terms of the search box."""
    return text.split()


def is_id_like(value: str) -> bool:
    # Prefix search on identifiers only makes sense once the user typed a letter or digit:
    # a pure-Chinese prefix such as 晋市 would otherwise pull in every notice of an agency.
    return any(c.isascii() and c.isalnum() for c in value)


def name_query(field: str, run: str) -> Q.Query | None:
    """Exact-substring query for one normalised, whitespace-free run on a name field."""
    boost = NAME_BOOSTS[field]
    if len(run) == 1:
        return Q.Term(field + "_1", run, boost=boost)
    grams = query_bigrams(run)
    if len(grams) == 1:
        return Q.Term(field + "_2", grams[0], boost=boost)
    # Every bigram scores, so divide the boost among them to keep the name band fixed.
    return Q.Phrase(field + "_2", grams, boost=boost / len(grams))


def term_query(term: str) -> Q.Query:
    """One search-box term: substring of a name, or exact/prefix identifier."""
    clauses: list[Q.Query] = []
    runs = normalize_name(term).split()
    if runs:
        for field in NAME_FIELDS:
            parts = [name_query(field, run) for run in runs]
            clauses.append(parts[0] if len(parts) == 1 else Q.And(parts))
    ident = normalize_id(term)
    if ident:
        for field in ID_FIELDS:
            clauses.append(Q.Term(field, ident, boost=EXACT_BOOST))
            if len(ident) >= MIN_PREFIX and is_id_like(ident):
                clauses.append(BoostedPrefix(field, ident, boost=PREFIX_BOOST))
    return Q.Or(clauses)


class BoostedPrefix(Q.Prefix):
    """A Prefix query whose expanded terms all carry its boost.

    Whoosh's Prefix drops the boost when the prefix expands to a single term, which
    would rank a one-term prefix match below name matches.
    """

    def matcher(self, searcher, context=None):
        terms = [Q.Term(self.fieldname, t, boost=self.boost)
                 for t in self._btexts(searcher.reader()) if t]
        if not terms:
            return NullMatcher()
        return (terms[0] if len(terms) == 1 else Q.Or(terms)).matcher(searcher, context)


def text_query(text: str) -> Q.Query:
    """AND of every term's OR; all documents when the box is empty."""
    terms = split_terms(text)
    if not terms:
        return Q.Every()
    parts = [term_query(t) for t in terms]
    return parts[0] if len(parts) == 1 else Q.And(parts)


def filter_query(*, form: str | None = None, result: str | None = None, task: str | None = None,
                 date_from: date | None = None, date_to: date | None = None) -> Q.Query | None:
    """The filters as one unscored query, or None when there are none."""
    parts: list[Q.Query] = []
    for field, value in (("form", form), ("result", result), ("task", task)):
        if value:
            parts.append(Q.Term(field, value.strip()))
    if date_from is not None or date_to is not None:
        start = day_number(date_from) if date_from is not None else None
        end = day_number(date_to) if date_to is not None else None
        parts.append(Q.NumericRange("day", start, end))   # inclusive at both ends by default
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else Q.And(parts)


class _LengthScorer(BaseScorer):
    """1 + 1/(1+length): a match in a short name ranks a little above one in a long name."""

    def __init__(self, searcher, fieldname):
        self._length = lambda docnum: searcher.doc_field_length(docnum, fieldname, 1)

    def supports_block_quality(self):
        return True

    def score(self, matcher):
        return 1.0 + 1.0 / (1.0 + self._length(matcher.id()))

    def max_quality(self):
        return 1.5

    def block_quality(self, matcher):
        return 1.5


class _ConstantScorer(BaseScorer):
    """Identifier terms: every match is worth exactly its boost."""

    def supports_block_quality(self):
        return True

    def score(self, matcher):
        return 1.0

    def max_quality(self):
        return 1.0

    def block_quality(self, matcher):
        return 1.0


class BandWeighting(WeightingModel):
    """Scores by field and query boost, not by term statistics, so the bands above hold."""

    def scorer(self, searcher, fieldname, text, qf=1):
        if searcher.schema[fieldname].scorable:
            return _LengthScorer(searcher, fieldname)
        return _ConstantScorer()
