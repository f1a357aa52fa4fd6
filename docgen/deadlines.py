"""Deadlines counted from a date: the firm's objection window runs from the day it signed for
the result (产品质量法 Art.15: 15 days from receipt). The length, the counting rule and the
holiday calendar are settings, because REFERENCE.md marks the counting rules unverified."""
from __future__ import annotations

from datetime import date, timedelta


def is_workday(day: date, holidays: frozenset[date], extra_workdays: frozenset[date]) -> bool:
    """Mon–Fri except public holidays; a weekend day made a workday (调休) counts as one."""
    if day in extra_workdays:
        return True
    return day.weekday() < 5 and day not in holidays


def deadline(start: date, days: int, *, counting: str = "calendar",
             holidays: frozenset[date] = frozenset(),
             extra_workdays: frozenset[date] = frozenset()) -> date:
    """The last day of a period of `days` that starts on `start` (the start day not counted).

    calendar: count every day, then a last day on a holiday or weekend moves to the next
    workday. working: count workdays only.
    """
    if days < 0:
        raise ValueError("a period cannot be negative")
    if counting == "working":
        day, left = start, days
        while left:
            day += timedelta(days=1)
            if is_workday(day, holidays, extra_workdays):
                left -= 1
        return day
    if counting != "calendar":
        raise ValueError(f"unknown counting rule {counting!r}")
    day = start + timedelta(days=days)
    while not is_workday(day, holidays, extra_workdays):
        day += timedelta(days=1)
    return day


def days_left(last_day: date, today: date) -> int:
    """Days until the window closes, 0 on its last day, negative once closed."""
    return (last_day - today).days
