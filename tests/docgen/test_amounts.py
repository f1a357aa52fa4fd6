from decimal import Decimal

import pytest

from docgen.amounts import AmountError, format_figures, parse_amount, to_upper, to_upper_rmb


# REFERENCE.md §4: the PBoC examples and the worked cases (optional 零 left out).
@pytest.mark.parametrize("figures, upper", [
    ("1005.00", "壹仟零伍元整"),
    ("10000.10", "壹万元壹角"),
    ("0.05", "伍分"),
    ("0.50", "伍角"),
    ("10", "壹拾元整"),
    ("15", "壹拾伍元整"),
    ("30.06", "叁拾元零陆分"),
    ("100000", "壹拾万元整"),
    ("1000000.01", "壹佰万元零壹分"),
    ("100010000", "壹亿零壹万元整"),
    ("100100100.10", "壹亿零壹拾万零壹佰元壹角"),
    ("0.00", "零元整"),
    ("1409.50", "壹仟肆佰零玖元伍角"),
    ("6007.14", "陆仟零柒元壹角肆分"),
    ("16409.02", "壹万陆仟肆佰零玖元零贰分"),
    ("325.04", "叁佰贰拾伍元零肆分"),
    ("1680.32", "壹仟陆佰捌拾元叁角贰分"),
    ("107000.53", "壹拾万柒仟元伍角叁分"),
    ("1000700", "壹佰万零柒佰元整"),
    ("504.00", "伍佰零肆元整"),
    ("171.99", "壹佰柒拾壹元玖角玖分"),
    ("999999999999.99", "玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
])
def test_uppercase_amounts_follow_the_pboc_rules(figures, upper):
    assert to_upper(Decimal(figures)) == upper


def test_rmb_prefix_has_no_gap():
    assert to_upper_rmb(Decimal("504")) == "人民币伍佰零肆元整"


def test_figures_have_yen_sign_and_two_decimals():
    assert format_figures(Decimal("3015")) == "¥3015.00"


@pytest.mark.parametrize("raw, expected", [
    ("168.00", Decimal("168.00")), ("¥1,005.5", Decimal("1005.50")), (12, Decimal("12.00")),
    (Decimal("0.05"), Decimal("0.05")),
])
def test_amounts_parse_from_strings_and_integers(raw, expected):
    assert parse_amount(raw) == expected


@pytest.mark.parametrize("raw", [168.0, "abc", "-1", "1.005", "NaN", "Infinity", "1e15", True, None])
def test_bad_amounts_are_refused(raw):
    with pytest.raises(AmountError):
        parse_amount(raw)
