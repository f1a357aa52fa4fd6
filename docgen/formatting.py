"""How values are written on the forms: Chinese dates, 〔〕 document numbers, checkboxes, blanks."""
from __future__ import annotations

import re
from datetime import date, datetime

CHECKED, UNCHECKED = "☑", "☐"
BLANK_DATE = "　　　　年　　月　　日"
BLANK_DATETIME = "　　　年　　月　　日　　时　　分"


def chinese_date(value: date | datetime | None) -> str:
    """2023年3月5日: Arabic numerals, no zero padding (GB/T 9704-2012 成文日期)."""
    if value is None:
        return BLANK_DATE
    return f"{value.year}年{value.month}月{value.day}日"


def chinese_datetime(value: datetime | None) -> str:
    """2023年3月15日10时20分, as sampling forms record the time of sampling."""
    if value is None:
        return BLANK_DATETIME
    return f"{chinese_date(value)}{value.hour}时{value.minute:02d}分"


def production_date(raw: str) -> str:
    """生产日期 as given: a date, a month (2022-12 → 2022年12月) or '/' when not marked."""
    raw = (raw or "").strip()
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", raw):
        return f"{int(m[1])}年{int(m[2])}月{int(m[3])}日"
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})", raw):
        return f"{int(m[1])}年{int(m[2])}月"
    return raw


def document_number(prefix: str, year: int, serial: int) -> str:
    """机关代字〔2023〕12号: the year in full in 六角括号, no 第, no leading zeros (GB/T 9704)."""
    if serial < 1:
        raise ValueError(f"document serial must be positive, got {serial}")
    return f"{prefix}〔{year}〕{serial}号"


def checkboxes(options: tuple[str, ...] | list[str], chosen: str | None) -> str:
    """☑停产　☐转产 …: every option printed, the chosen one ticked (none ticked when blank)."""
    return "　".join(f"{CHECKED if opt == chosen else UNCHECKED}{opt}" for opt in options)


def yes_no(value: bool | None) -> str:
    """是/否 boxes for a yes/no question."""
    return checkboxes(("是", "否"), None if value is None else ("是" if value else "否"))


def chinese_numeral(n: int) -> str:
    """一 … 十, as in 第三联 and 一式四联."""
    if not 1 <= n <= 10:
        raise ValueError(f"copy counts run from 1 to 10, got {n}")
    return "一二三四五六七八九十"[n - 1]


def copies_phrase(n: int, unit: str) -> str:
    """一式两联 / 一式三份: a count of copies says 两, not 二."""
    return f"一式{'两' if n == 2 else chinese_numeral(n)}{unit}"
