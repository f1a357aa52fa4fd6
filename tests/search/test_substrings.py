"""Firm, manufacturer and product names are found by any substring, with complete recall."""
from __future__ import annotations

import random

import pytest

from tests.search.conftest import doc, samples, sampling

PLACES = ["晋城", "泽州", "高平", "阳城", "沁水", "陵川", "张家港", "青浦"]
SYLLABLES = "鑫达华通永兴恒远宏泰金鼎优选清源惠民蓝泉昌盛隆丰"
TRADES = ["电缆", "线缆", "电工", "电器", "五金"]
SUFFIXES = ["有限公司", "股份有限公司", "经销部", "商行"]


@pytest.fixture
def firms(index) -> dict[str, str]:
    """300 generated firms (sample number → name) whose short substrings repeat a lot."""
    rng = random.Random(3)
    names = {}
    docs = []
    for n in range(300):
        name = (rng.choice(PLACES) + "".join(rng.sample(SYLLABLES, rng.randint(1, 3)))
                + rng.choice(TRADES) + rng.choice(SUFFIXES))
        sample_no = f"JC2023DX{n:04d}"
        names[sample_no] = name
        # Manufacturer and product never contain Chinese here, so matches come from firms only.
        docs += sampling(2 * n + 1, sample_no, name, product="PVC 450/750V", manufacturer="")
    index.rebuild(docs)
    return names


@pytest.mark.parametrize("sub", ["晋", "鑫", "司", "城", "晋城", "金鼎", "电缆", "城鑫", "限公",
                                 "张家港", "兴电缆", "有限公司", "股份有限公司", "鼎电"])
def test_every_firm_containing_the_substring_is_found_and_no_other(index, firms, sub):
    expected = {s for s, name in firms.items() if sub in name}
    found = index.search(sub, pagesize=1000)
    assert samples(found) == expected
    assert found.total == len(expected)
    assert found.total_docs == 2 * len(expected)


def test_random_substrings_of_one_to_four_characters_match_brute_force(index, firms):
    rng = random.Random(11)
    names = list(firms.values())
    for _ in range(60):
        name = rng.choice(names)
        size = rng.randint(1, 4)
        start = rng.randrange(len(name) - size + 1)
        sub = name[start:start + size]
        expected = {s for s, n in firms.items() if sub in n}
        assert samples(index.search(sub, pagesize=1000)) == expected, sub


def test_a_name_holding_both_bigrams_but_not_the_substring_is_not_found(index):
    # 金鼎…鼎电 has both bigrams of 金鼎电 without containing it.
    index.rebuild(sampling(1, "S1", "金鼎华鼎电器商行") + sampling(3, "S2", "金鼎电器商行"))
    assert samples(index.search("金鼎电")) == {"S2"}


def test_repeated_characters_are_matched_exactly(index):
    index.rebuild([doc(1, "S1", "金金金五金商行"), doc(2, "S2", "金金五金商行")])
    assert samples(index.search("金金金")) == {"S1"}
    assert samples(index.search("金金")) == {"S1", "S2"}


def test_latin_letters_and_full_width_forms_match_in_any_case(index):
    index.rebuild([doc(1, "S1", "晋城ABC电器有限公司"), doc(2, "S2", "泽州Ａｂｃ电器商行")])
    for query in ("abc", "ABC", "ＡＢＣ", "bc电", "Ｃ电器"):
        assert samples(index.search(query)) == {"S1", "S2"}, query


@pytest.mark.parametrize("space", [" ", "\u00a0", "\u3000", "  "])
def test_whitespace_inside_a_name_is_ignored(index, space):
    index.rebuild([doc(1, "S1", f"城区{space}永兴五金电料经销部"), doc(2, "S2", "永兴城区商店")])
    assert samples(index.search("城区永兴")) == {"S1"}
    assert samples(index.search("区永")) == {"S1"}
    assert samples(index.search("城区 永兴")) == {"S1", "S2"}   # two terms, both present
    assert "<b>城区</b>" in index.search("城区永兴").groups[0].hits[0].snippet


def test_manufacturer_and_product_names_are_searched_too(index):
    index.rebuild([doc(1, "S1", "凤城五金商行", manufacturer="高平宏泰电缆有限公司",
                       product="铜芯聚氯乙烯绝缘电线"),
                   doc(2, "S2", "凤城五金商行")])
    assert samples(index.search("宏泰")) == {"S1"}
    assert samples(index.search("绝缘电线")) == {"S1"}


def test_firm_matches_rank_above_manufacturer_then_product_matches(index):
    index.rebuild([doc(1, "S1", "凤城五金商行", product="宏泰牌电线"),
                   doc(2, "S2", "凤城五金商行", manufacturer="宏泰电缆有限公司"),
                   doc(3, "S3", "宏泰电器商行")])
    assert [g.sample_no for g in index.search("宏泰").groups] == ["S3", "S2", "S1"]


def test_several_terms_must_all_match(index):
    index.rebuild([doc(1, "S1", "晋城金鼎电缆有限公司", product="电线"),
                   doc(2, "S2", "晋城华通五金商行", product="插座"),
                   doc(3, "S3", "阳城金鼎电缆有限公司", product="电线")])
    assert samples(index.search("晋城 金鼎")) == {"S1"}
    assert samples(index.search("金鼎 电线")) == {"S1", "S3"}
    assert samples(index.search("晋城 插座 华通")) == {"S2"}
    assert samples(index.search("晋城 阳城")) == set()


def test_the_snippet_highlights_the_match_and_escapes_the_rest(index):
    index.rebuild([doc(1, "S1", "<晋城>&金鼎 电缆")])
    hit = index.search("城>&金").hits[0]
    assert hit.snippet == "&lt;晋<b>城&gt;&amp;金</b>鼎 电缆"
    assert index.search("金鼎").hits[0].snippet == "&lt;晋城&gt;&amp;<b>金鼎</b> 电缆"


def test_the_snippet_highlights_every_term_and_the_matched_field(index):
    index.rebuild([doc(1, "S1", "晋城金鼎电缆有限公司", product="铜芯电线", batch="2023-05/B7")])
    hit = index.search("晋城 电线 2023-05").hits[0]
    assert hit.snippet == ("<b>晋城</b>金鼎电缆有限公司 · 产品：铜芯<b>电线</b>"
                           " · 生产日期/批号：<b>2023-05</b>/B7")
