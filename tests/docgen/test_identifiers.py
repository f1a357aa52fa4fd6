import pytest

from docgen.identifiers import CreditCodeError, validate_credit_code


@pytest.mark.parametrize("code", [
    "91110108551385082Q", "91330100799655058B", "9144030071526726XG", "914403001922038216",
    "91350100M000100Y43", "91140525MA0H2K7B2W", "911405215962147380",
])
def test_valid_credit_codes_pass(code):
    assert validate_credit_code(code) == code


def test_credit_codes_are_normalised_before_checking():
    assert validate_credit_code(" 9111-0108 551385082q ") == "91110108551385082Q"


@pytest.mark.parametrize("code, reason", [
    ("91110108551385082R", "校验位错误：第18位应为 Q"),
    ("9111010855138508Q", "应为18位"),
    ("91110108551385O82Q", "不允许的字符 O"),
    ("9111AB08551385082Q", "行政区划码"),
    ("", "应为18位"),
])
def test_invalid_credit_codes_say_what_is_wrong(code, reason):
    with pytest.raises(CreditCodeError, match=reason):
        validate_credit_code(code)
