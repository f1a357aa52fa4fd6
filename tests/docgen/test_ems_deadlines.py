from datetime import date

import pytest

from docgen.deadlines import days_left, deadline
from docgen.ems import EmsNumberError, s10_check_digit, validate_ems


# REFERENCE.md §6.1 worked examples
@pytest.mark.parametrize("number", ["EB000717618HK", "EE471108151FR", "RR473124829GB",
                                    "ee 471108151 fr", "1234567890123"])
def test_valid_ems_numbers_pass(number):
    assert validate_ems(number) == number.replace(" ", "").upper()


@pytest.mark.parametrize("number, reason", [
    ("EB000717619HK", "校验位错误"),
    ("EB00071761HK", "9 位数字"),
    ("123456789012", "13位"),
    ("12345678901234", "13位"),
    ("", "13位"),
])
def test_bad_ems_numbers_are_refused_with_the_reason(number, reason):
    with pytest.raises(EmsNumberError, match=reason):
        validate_ems(number)


def test_s10_check_digit_special_cases():
    # Σ mod 11 == 1 gives 10 → 0, Σ mod 11 == 0 gives 11 → 5
    assert s10_check_digit("00000000") == 5
    assert s10_check_digit("47312482") == 9


HOLIDAYS = frozenset({date(2023, 10, d) for d in range(1, 7)})  # 国庆 2023: Oct 1–6
EXTRA = frozenset({date(2023, 10, 7), date(2023, 10, 8)})  # weekend days worked (调休)


@pytest.mark.parametrize("signed, expected", [
    (date(2023, 3, 1), date(2023, 3, 16)),   # Thursday: plain 15 calendar days
    (date(2023, 1, 31), date(2023, 2, 15)),  # across a month end
    (date(2024, 2, 14), date(2024, 2, 29)),  # leap year
    (date(2023, 3, 3), date(2023, 3, 20)),   # day 15 is Saturday 18th → Monday 20th
    (date(2023, 9, 16), date(2023, 10, 7)),  # day 15 is Oct 1 (holiday) → Oct 7, a 调休 workday
])
def test_objection_window_counts_calendar_days_from_the_day_after_signing(signed, expected):
    assert deadline(signed, 15, holidays=HOLIDAYS, extra_workdays=EXTRA) == expected


def test_working_day_counting_skips_weekends_and_holidays():
    # Sep 29 (Fri) 1, Oct 1–6 holidays, Oct 7 and 8 (调休) 2 and 3, Oct 9 4, Oct 10 5
    assert deadline(date(2023, 9, 28), 5, counting="working", holidays=HOLIDAYS,
                    extra_workdays=EXTRA) == date(2023, 10, 10)


def test_days_left_is_zero_on_the_last_day_and_negative_after():
    assert days_left(date(2023, 3, 16), date(2023, 3, 16)) == 0
    assert days_left(date(2023, 3, 16), date(2023, 3, 18)) == -2


def test_the_holiday_calendar_comes_from_settings(tmp_path):
    from docgen.settings import load_settings

    path = tmp_path / "s.toml"
    path.write_text('holidays = ["2023-10-02"]\nextra_workdays = ["2023-10-07"]\n', encoding="utf-8")
    holidays, extra = load_settings(path).calendar()
    assert deadline(date(2023, 9, 17), 15, holidays=holidays, extra_workdays=extra) == date(2023, 10, 3)
