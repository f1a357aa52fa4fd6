"""An index whose folder or files are deleted while it is open: noticed, never raised, and
written again; and the ids it holds, listed from the term index."""
from __future__ import annotations

import shutil

import pytest

from search import SearchIndex
from tests.search.conftest import doc, samples


def built(path, n=12) -> SearchIndex:
    ix = SearchIndex(path)
    ix.rebuild([doc(i, f"S{i // 3}", f"晋城{i}号公司") for i in range(1, n + 1)])
    return ix


def wipe_files(path):
    for p in path.iterdir():
        p.unlink()


@pytest.mark.parametrize("wipe", [shutil.rmtree, wipe_files], ids=["folder", "files"])
def test_an_index_deleted_while_open_asks_for_a_rebuild_and_takes_one(tmp_path, wipe):
    path = tmp_path / "index"
    ix = built(path)
    assert ix.search("晋城").total == 5
    wipe(path)
    assert ix.needs_rebuild  # one stat() says so, before any search fails
    assert ix.search("晋城").total == 0 and ix.document_ids() == set()
    assert ix.rebuild([doc(1, "S1", "阳城公司")]) == 1
    assert not ix.needs_rebuild and samples(ix.search("阳城")) == {"S1"}


@pytest.mark.parametrize("wipe", [shutil.rmtree, wipe_files], ids=["folder", "files"])
def test_adding_after_the_index_was_deleted_writes_a_fresh_one_flagged_for_rebuild(tmp_path,
                                                                                    wipe):
    path = tmp_path / "index"
    ix = built(path)
    wipe(path)
    assert ix.add([doc(99, "S99", "高平公司")]) == 1
    assert ix.add([doc(100, "S100", "泽州公司")]) == 1  # into the same fresh index
    assert samples(ix.search("高平")) == {"S99"} and samples(ix.search("泽州")) == {"S100"}
    assert ix.search("晋城").total == 0
    assert ix.needs_rebuild and SearchIndex(path).needs_rebuild


def test_a_search_whose_files_vanish_under_an_open_searcher_answers(tmp_path):
    path = tmp_path / "index"
    ix = built(path)
    assert ix.search("晋城").total == 5  # this thread now holds a searcher
    for p in path.iterdir():
        if p.name.endswith((".toc", ".seg")):
            p.unlink()
    result = ix.search("晋城")  # served from the open files, or flagged: never raised
    assert result.total in (0, 5)


def test_document_ids_are_those_of_live_documents_only(tmp_path):
    ix = built(tmp_path / "index")
    assert ix.document_ids() == set(range(1, 13))
    ix.add([doc(3, "S9", "沁水公司"), doc(40, "S9", "沁水公司")])  # 3 replaced, 40 new
    ix.delete([5, 6])
    assert ix.document_ids() == (set(range(1, 13)) - {5, 6}) | {40}
    ix.rebuild([doc(7, "S2", "晋城7号公司")])
    assert ix.document_ids() == {7}
