"""Filters (form, result, task, date range), grouping by sampling, ranking and pagination."""
from __future__ import annotations

from datetime import date

from tests.search.conftest import doc, samples, sampling


def build(index):
    index.rebuild(
        sampling(1, "S1", "晋城甲电缆公司", forms=("notice", "sampling_slip", "feedback"),
                 result="合格", task="T1", date=date(2023, 3, 1))
        + sampling(4, "S2", "晋城乙电缆公司", forms=("notice", "refusal"),
                   result="不合格", task="T1", date=date(2023, 3, 15))
        + sampling(6, "S3", "阳城丙电缆公司", forms=("notice",), task="T2",
                   date=date(2023, 4, 1))
        + [doc(7, "S4", "晋城丁电缆公司", date=None)])


def test_the_form_filter_keeps_only_documents_of_that_form(index):
    build(index)
    found = index.search("电缆", form="sampling_slip")
    assert samples(found) == {"S1"}
    assert [h.form for h in found.hits] == ["sampling_slip"]
    assert found.total_docs == 1
    assert index.search("电缆", form="notice").total_docs == 4


def test_the_result_and_task_filters_match_exactly(index):
    build(index)
    assert samples(index.search("晋城", result="不合格")) == {"S2"}
    assert samples(index.search("晋城", result="合格")) == {"S1"}
    assert samples(index.search("电缆", task="T2")) == {"S3"}
    assert samples(index.search("电缆", task="T")) == set()


def test_the_date_range_is_inclusive_and_open_ended(index):
    build(index)
    assert samples(index.search("电缆", date_from=date(2023, 3, 1),
                                date_to=date(2023, 3, 15))) == {"S1", "S2"}
    assert samples(index.search("电缆", date_from=date(2023, 3, 2))) == {"S2", "S3"}
    assert samples(index.search("电缆", date_to=date(2023, 3, 1))) == {"S1"}


def test_a_sampling_without_a_date_is_left_out_by_a_date_filter(index):
    build(index)
    assert "S4" in samples(index.search("电缆"))
    assert "S4" not in samples(index.search("电缆", date_to=date(2030, 1, 1)))


def test_filters_combine(index):
    build(index)
    found = index.search("晋城", form="notice", task="T1", date_from=date(2023, 3, 10))
    assert samples(found) == {"S2"}
    assert [h.document_id for h in found.hits] == [4]


def test_empty_text_with_filters_lists_everything_the_filters_allow(index):
    build(index)
    assert samples(index.search("", task="T1")) == {"S1", "S2"}
    assert samples(index.search("  ", form="refusal")) == {"S2"}
    assert index.search("").total == 4
    assert index.search("").total_docs == 7


def test_hits_are_grouped_by_sampling_with_every_document_of_it(index):
    build(index)
    found = index.search("甲电缆")
    assert len(found.groups) == 1
    group = found.groups[0]
    assert (group.sample_no, group.firm, group.credit_code) == (
        "S1", "晋城甲电缆公司", "91140500MA0K12345X")
    assert [h.document_id for h in group.hits] == [1, 2, 3]
    assert {h.form for h in group.hits} == {"notice", "sampling_slip", "feedback"}


def test_pages_count_samplings_not_documents(index):
    docs = []
    for n in range(25):
        docs += sampling(3 * n + 1, f"S{n:02d}", f"晋城{n:02d}号电缆公司",
                         forms=("notice", "sampling_slip", "feedback"))
    index.rebuild(docs)
    first = index.search("电缆", pagesize=10)
    assert (first.total, first.total_docs, first.pages) == (25, 75, 3)
    assert len(first.groups) == 10 and len(first.hits) == 30
    pages = [samples(index.search("电缆", page=p, pagesize=10)) for p in (1, 2, 3)]
    assert [len(p) for p in pages] == [10, 10, 5]
    assert set().union(*pages) == {f"S{n:02d}" for n in range(25)}
    assert index.search("电缆", page=4, pagesize=10).groups == []


def test_groups_are_ranked_by_their_best_hit_and_list_it_first(index):
    index.rebuild([
        doc(1, "S1", "HT-1电器商行"),                                     # name: 4
        doc(2, "S2", "凤城五金商行", batch="HT-1"),                        # exact: 1000
        doc(3, "S2", "凤城五金商行", form="feedback", batch="HT-1"),
        doc(4, "S3", "凤城五金商行"), doc(5, "S3", "凤城五金商行", doc_no="HT-1X"),   # prefix: 100
        doc(6, "S4", "HT-1五金商行"), doc(7, "S4", "HT-1五金商行", doc_no="HT-1"),  # 4 + 1000
    ])
    found = index.search("HT-1")
    assert [g.sample_no for g in found.groups] == ["S4", "S2", "S3", "S1"]
    assert [h.document_id for h in found.groups[0].hits] == [7, 6]
    assert [h.document_id for h in found.groups[2].hits] == [5]   # only its matching document
    assert [h.score for h in found.hits] == [1004, 4, 1000, 1000, 100, 4]


def test_the_json_form_lists_hits_in_group_order(index):
    build(index)
    data = index.search("晋城", pagesize=2).to_json()
    assert data["total"] == 3 and data["page"] == 1 and data["pagesize"] == 2
    assert [g["sample_no"] for g in data["groups"]] == list(
        dict.fromkeys(h["sample_no"] for h in data["hits"]))
    hit = data["hits"][0]
    for key in ("sample_no", "form", "document_id", "firm", "credit_code", "snippet", "title",
                "batch", "notice_no", "doc_no", "product", "task", "result", "date", "score"):
        assert key in hit
    assert all(isinstance(h["date"], str) for h in data["hits"])
