"""Adding, replacing, deleting and rebuilding keep documents and samplings in step."""
from __future__ import annotations

from datetime import date

from search import SearchIndex
from tests.search.conftest import doc, samples, sampling


def test_a_new_folder_starts_empty_and_asks_for_a_rebuild(tmp_path):
    ix = SearchIndex(tmp_path / "fresh")
    assert ix.needs_rebuild
    assert ix.count() == 0
    assert ix.search("晋城").total == 0


def test_rebuild_returns_the_count_and_clears_the_flag(index):
    assert index.rebuild(sampling(1, "S1", "晋城甲公司") + sampling(3, "S2", "晋城乙公司")) == 4
    assert not index.needs_rebuild
    assert index.count() == 4


def test_rebuild_replaces_everything_indexed_before(index):
    index.rebuild(sampling(1, "S1", "晋城甲公司"))
    index.rebuild([doc(10, "S9", "阳城丙公司")])
    assert index.count() == 1
    assert samples(index.search("晋城")) == set()
    assert samples(index.search("阳城")) == {"S9"}


def test_rebuild_takes_documents_in_any_order(index):
    index.rebuild([doc(3, "S1", "晋城新名公司", form="feedback", result="不合格"),
                   doc(1, "S2", "阳城公司"),
                   doc(2, "S1", "晋城旧名公司", result="合格")])
    # The latest document (by id) of a sampling carries its facts.
    assert [h.document_id for h in index.search("新名").hits] == [2, 3]
    assert samples(index.search("旧名")) == set()
    assert samples(index.search("", result="不合格")) == {"S1"}


def test_rebuild_refuses_a_document_id_given_twice_and_keeps_the_old_index(index):
    index.rebuild([doc(1, "S1", "晋城甲公司")])
    try:
        index.rebuild([doc(5, "S5", "阳城公司"), doc(5, "S6", "泽州公司")])
    except ValueError:
        pass
    else:
        raise AssertionError("expected ValueError")
    assert samples(index.search("晋城")) == {"S1"}
    assert index.count() == 1


def test_add_puts_documents_into_existing_and_new_samplings(index):
    index.rebuild([doc(1, "S1", "晋城甲公司")])
    assert index.add([doc(2, "S1", "晋城甲公司", form="feedback"), doc(3, "S2", "阳城乙公司")]) == 2
    assert index.count() == 3
    assert [h.document_id for h in index.search("晋城").hits] == [1, 2]
    assert samples(index.search("", form="feedback")) == {"S1"}


def test_add_replaces_a_document_with_the_same_id(index):
    index.rebuild([doc(1, "S1", "晋城甲公司", doc_no="WS1", version=1)])
    index.add([doc(1, "S1", "晋城甲公司", doc_no="WS2", version=2)])
    assert index.count() == 1
    assert index.search("WS1").total == 0
    hit = index.search("WS2").hits[0]
    assert (hit.document_id, hit.version) == (1, 2)


def test_add_updates_the_samplings_facts(index):
    index.rebuild([doc(1, "S1", "晋城甲公司", result="")])
    index.add([doc(2, "S1", "晋城甲公司", form="feedback", result="不合格",
                   date=date(2024, 1, 2))])
    found = index.search("", result="不合格")
    assert [h.document_id for h in found.hits] == [1, 2]
    assert all(h.date == "2024-01-02" for h in found.hits)


def test_a_document_moved_to_another_sampling_leaves_the_old_one(index):
    index.rebuild([doc(1, "S1", "晋城甲公司")])
    index.add([doc(1, "S2", "阳城乙公司")])
    assert samples(index.search("")) == {"S2"}
    assert index.search("晋城").total == 0


def test_delete_removes_documents_and_an_emptied_sampling(index):
    index.rebuild(sampling(1, "S1", "晋城甲公司") + [doc(3, "S2", "晋城乙公司")])
    index.delete([2, 3, 99])
    assert index.count() == 1
    found = index.search("晋城")
    assert samples(found) == {"S1"}
    assert [h.document_id for h in found.hits] == [1]
    assert found.total_docs == 1
    assert index.search("", form="sampling_slip").total == 0


def test_a_searcher_sees_writes_made_after_it_opened(index):
    index.rebuild([doc(1, "S1", "晋城甲公司")])
    assert index.search("阳城").total == 0
    index.add([doc(2, "S2", "阳城乙公司")])
    assert index.search("阳城").total == 1
    other = SearchIndex(index.path)   # a second process's view
    other.delete([2])
    assert index.search("阳城").total == 0
    other.close()
