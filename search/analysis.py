"""Text normalisation, the CJK unigram/bigram tokenizers and the identifier-prefix tokenizer."""
from __future__ import annotations

import hashlib
import unicodedata

from whoosh.analysis import Token, Tokenizer


def normalize_name(text: str) -> str:
    """Name text as indexed: NFKC (full-width → half-width), lower case, and no whitespace,
    so that 城区永兴 finds 城区 永兴五金电料经销部 (a space typed, or a non-breaking or
    ideographic space pasted, inside a name does not split it)."""
    # NFKC folds full-width letters, digits, brackets and the ideographic space, so
    # ＡＢＣ（晋城） finds ABC(晋城).
    return "".join(unicodedata.normalize("NFKC", text).lower().split())


def query_runs(text: str) -> list[str]:
    """A search term's runs: the words typed apart, each normalised as names are."""
    return [normalize_name(word) for word in unicodedata.normalize("NFKC", text).split()]


def normalize_id(text: str) -> str:
    """An identifier as indexed and queried: NFKC, upper case, no whitespace."""
    return "".join(unicodedata.normalize("NFKC", text).upper().split())


# Shorter prefixes would match nearly everything ('9' starts every credit code).
MIN_PREFIX = 2
# Prefixes up to this length are indexed as terms; a longer one is expanded over the exact
# values instead, which is cheap because long prefixes are selective. Indexing every length
# would make most prefix terms unique, doubling index work for little gain.
MAX_INDEXED_PREFIX = 8


def is_id_like(value: str) -> bool:
    """Whether a prefix is worth an identifier prefix search: it holds an ASCII letter or digit.

    A pure-Chinese prefix such as 晋市 would otherwise pull in every notice of an agency.
    """
    return any(c.isascii() and c.isalnum() for c in value)


def sample_key(sample_no: str) -> int:
    """A stable signed 63-bit key for a (normalised) sample number, kept in a numeric column."""
    digest = hashlib.blake2b(sample_no.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1


class _CharTokenizer(Tokenizer):
    """Shared call signature; subclasses yield one reused Token per character n-gram."""

    def __eq__(self, other):
        return other is not None and self.__class__ is other.__class__

    def __hash__(self):
        return hash(self.__class__.__name__)

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, mode="", **kwargs):
        # Reuse one Token object, as whoosh's own tokenizers do: allocation dominates otherwise.
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        t.boost = 1.0
        # A name is one run: its inner whitespace is dropped by normalize_name.
        for i, gram in self._grams(normalize_name(value)):
            t.text = gram
            if positions:
                t.pos = start_pos + i
            if chars:
                # Offsets are into the normalised text; highlighting is done elsewhere.
                t.startchar = start_char + i
                t.endchar = start_char + i + len(gram)
            if keeporiginal:
                t.original = gram
            yield t

    def _grams(self, run: str):
        raise NotImplementedError


class UnigramTokenizer(_CharTokenizer):
    """Every character of a name: a one-character query is one term lookup."""

    def _grams(self, run):
        return enumerate(run)


class BigramTokenizer(_CharTokenizer):
    """Every two consecutive characters of a name (run[i:i+2] at position i).

    A two-character query is one bigram lookup; a longer one intersects its bigrams and
    confirms the substring on the normalised name (see engine._run_docs). Whitespace inside
    a name is not there to split it. A one-character name yields nothing here; the unigram
    field covers it.
    """

    def _grams(self, run):
        return ((i, run[i:i + 2]) for i in range(len(run) - 1))


class PrefixTokenizer(_CharTokenizer):
    """The proper prefixes of each whitespace-separated value that are identifier-like and
    MIN_PREFIX to MAX_INDEXED_PREFIX long.

    Indexing short prefixes turns a broad prefix search into one term lookup: expanding
    'WS2023' over unique document numbers would read tens of thousands of terms per query.
    """

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, mode="", **kwargs):
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        t.boost = 1.0
        for v in value.split():
            # Once a prefix holds a letter or digit, every longer one does too.
            first = next((i for i, c in enumerate(v) if c.isascii() and c.isalnum()), None)
            if first is None:
                continue
            for end in range(max(MIN_PREFIX, first + 1), min(len(v), MAX_INDEXED_PREFIX + 1)):
                t.text = v[:end]
                yield t
