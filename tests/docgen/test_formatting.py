from datetime import date, datetime

import pytest

from docgen.formatting import (checkboxes, chinese_date, chinese_datetime, copies_phrase,
                               document_number, production_date)


def test_dates_use_arabic_numerals_without_padding():
    assert chinese_date(date(2023, 3, 5)) == "2023年3月5日"
    assert chinese_datetime(datetime(2023, 3, 15, 9, 5)) == "2023年3月15日9时05分"


def test_blank_dates_keep_the_year_month_day_marks():
    assert chinese_date(None).replace("　", "") == "年月日"


@pytest.mark.parametrize("raw, shown", [
    ("2023-01-08", "2023年1月8日"), ("2022-12", "2022年12月"), ("/", "/"), ("", ""),
])
def test_production_dates_keep_their_precision(raw, shown):
    assert production_date(raw) == shown


def test_document_numbers_use_hexagonal_brackets_and_no_leading_zeros():
    assert document_number("晋市市监", 2023, 3) == "晋市市监〔2023〕3号"
    with pytest.raises(ValueError):
        document_number("晋市市监", 2023, 0)


def test_checkboxes_tick_only_the_chosen_option():
    assert checkboxes(("停产", "转产"), "停产") == "☑停产　☐转产"
    assert checkboxes(("停产", "转产"), None) == "☐停产　☐转产"


def test_copy_counts_say_liang_for_two():
    assert copies_phrase(2, "联") == "一式两联"
    assert copies_phrase(4, "联") == "一式四联"
