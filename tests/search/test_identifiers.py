"""Credit codes, sample, document, notice, batch, report and EMS numbers: exact and prefix."""
from __future__ import annotations

from tests.search.conftest import doc, samples

CODE_A = "91140500MA0K12345X"
CODE_B = "91140500MA0K98765Y"
CODE_C = "92140525MA0LXXXX1Q"


def build(index):
    index.rebuild([
        doc(1, "JC2023DX0001", "晋城甲公司", credit_code=CODE_A, batch="20230501",
            doc_no="WS2023000001", notice_no="晋市市监抽〔2023〕1号"),
        doc(2, "JC2023DX0001", "晋城甲公司", credit_code=CODE_A, batch="20230501",
            doc_no="WS2023000002", form="sampling_slip", ems_no="EA123456789CN"),
        doc(3, "JC2023DX0002", "晋城乙公司", credit_code=CODE_B, batch="2023050112",
            doc_no="WS2023000003", report_no="BG2023-017"),
        doc(4, "ZJG2021DX0003", "泽州丙公司", credit_code=CODE_C, batch="LOT-7",
            manufacturer_code=CODE_A.lower(), doc_no="WS2021000004"),
    ])


def test_a_credit_code_finds_exactly_its_firms_samplings(index):
    build(index)
    found = index.search(CODE_B)
    assert samples(found) == {"JC2023DX0002"}


def test_a_credit_code_matches_whatever_the_case(index):
    build(index)
    assert "JC2023DX0001" in samples(index.search(CODE_A.lower()))


def test_a_manufacturers_credit_code_is_searched_too(index):
    build(index)
    assert samples(index.search(CODE_A)) == {"JC2023DX0001", "ZJG2021DX0003"}


def test_a_short_credit_code_prefix_finds_every_code_starting_with_it(index):
    build(index)
    assert samples(index.search("9114")) == {"JC2023DX0001", "JC2023DX0002", "ZJG2021DX0003"}
    assert samples(index.search("9214")) == {"ZJG2021DX0003"}


def test_a_long_credit_code_prefix_is_expanded_exactly(index):
    build(index)   # longer than the indexed prefixes: expanded over the exact codes
    assert samples(index.search("91140500MA0K1")) == {"JC2023DX0001", "ZJG2021DX0003"}
    assert samples(index.search("91140500MA0K9")) == {"JC2023DX0002"}
    assert samples(index.search("91140500MA0K7")) == set()


def test_an_exact_match_ranks_above_a_prefix_match(index):
    build(index)
    found = index.search("20230501")
    assert [g.sample_no for g in found.groups] == ["JC2023DX0001", "JC2023DX0002"]
    assert found.groups[0].hits[0].score > found.groups[1].hits[0].score


def test_a_prefix_match_ranks_above_a_name_match(index):
    index.rebuild([doc(1, "S1", "AB电器商行"), doc(2, "S2", "甲公司", batch="AB123")])
    assert [g.sample_no for g in index.search("AB").groups] == ["S2", "S1"]


def test_a_batch_number_is_found_exactly_and_by_prefix(index):
    build(index)
    assert samples(index.search("LOT-7")) == {"ZJG2021DX0003"}
    assert samples(index.search("lot-")) == {"ZJG2021DX0003"}
    assert samples(index.search("2023050112")) == {"JC2023DX0002"}


def test_sample_notice_and_report_numbers_are_found(index):
    build(index)
    assert samples(index.search("JC2023DX0002")) == {"JC2023DX0002"}
    assert samples(index.search("JC2023")) == {"JC2023DX0001", "JC2023DX0002"}
    assert samples(index.search("晋市市监抽〔2023〕1号")) == {"JC2023DX0001"}
    assert samples(index.search("BG2023-017")) == {"JC2023DX0002"}


def test_a_chinese_only_prefix_is_not_an_identifier_prefix(index):
    build(index)   # 晋市 starts the notice number but names no firm
    assert samples(index.search("晋市")) == set()


def test_a_document_number_finds_only_that_document(index):
    build(index)
    found = index.search("WS2023000002")
    assert samples(found) == {"JC2023DX0001"}
    assert [h.document_id for h in found.hits] == [2]
    assert found.total_docs == 1


def test_a_document_number_prefix_finds_those_documents(index):
    build(index)
    found = index.search("WS2023", pagesize=10)
    assert sorted(h.document_id for h in found.hits) == [1, 2, 3]
    assert found.total == 2 and found.total_docs == 3


def test_an_ems_number_is_matched_with_its_document(index):
    build(index)
    assert [h.document_id for h in index.search("ea123456789cn").hits] == [2]


def test_a_document_number_and_a_firm_name_combine(index):
    build(index)
    assert [h.document_id for h in index.search("晋城 WS2023000003").hits] == [3]
    assert index.search("泽州 WS2023000003").total == 0


def test_the_snippet_marks_the_matched_part_of_an_identifier(index):
    build(index)
    hit = index.search("91140500MA0K9").hits[0]
    assert hit.snippet == "晋城乙公司 · 统一社会信用代码：<b>91140500MA0K9</b>8765Y"
