"""Search test helpers: a fresh index folder per test and compact IndexDoc builders."""
from __future__ import annotations

from datetime import date

import pytest

from search import IndexDoc, SearchIndex


def doc(document_id: int, sample_no: str, firm: str = "晋城市金鼎电缆有限公司", *,
        form: str = "notice", credit_code: str = "91140500MA0K12345X", **facts) -> IndexDoc:
    """One document; facts default to a sampled cable firm in 晋城 on 2023-05-10."""
    facts.setdefault("date", date(2023, 5, 10))
    return IndexDoc(document_id=document_id, sample_no=sample_no, form=form,
                    title=f"{form} 文书", firm=firm, credit_code=credit_code, **facts)


def sampling(first_id: int, sample_no: str, firm: str, forms=("notice", "sampling_slip"),
             **facts) -> list[IndexDoc]:
    """The documents of one sampling, one per form, numbered from `first_id`."""
    return [doc(first_id + i, sample_no, firm, form=f, **facts) for i, f in enumerate(forms)]


@pytest.fixture
def index(tmp_path):
    ix = SearchIndex(tmp_path / "index")
    yield ix
    ix.close()


def samples(result) -> set[str]:
    """The sample numbers of every group of a result."""
    return {g.sample_no for g in result.groups}
