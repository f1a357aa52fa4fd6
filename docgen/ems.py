"""EMS tracking numbers: UPU S10 (two letters, 8 digits, a check digit, country code) and
China Post's 13-digit domestic numbers (REFERENCE.md §6.1)."""
from __future__ import annotations

import re

S10 = re.compile(r"([A-Z]{2})(\d{8})(\d)([A-Z]{2})")
DOMESTIC = re.compile(r"\d{13}")
_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)


class EmsNumberError(ValueError):
    pass


def s10_check_digit(serial: str) -> int:
    """UPU S10: weights 8 6 4 2 3 5 9 7, C = 11 − (Σ mod 11); 10 → 0 and 11 → 5."""
    c = 11 - sum(int(d) * w for d, w in zip(serial, _WEIGHTS)) % 11
    return {10: 0, 11: 5}.get(c, c)


def validate_ems(raw: str) -> str:
    """The normalised number (upper case, no spaces) or EmsNumberError saying what is wrong."""
    number = re.sub(r"[\s\-]", "", raw or "").upper()
    if m := S10.fullmatch(number):
        expected = s10_check_digit(m[2])
        if int(m[3]) != expected:
            raise EmsNumberError(f"EMS 单号校验位错误：第11位应为 {expected}，实为 {m[3]}：{raw}")
        return number
    if DOMESTIC.fullmatch(number):
        return number  # no public checksum for domestic numbers: length and digits only
    if re.fullmatch(r"[A-Z]{2}\d+[A-Z]{2}", number):
        raise EmsNumberError(f"国际格式 EMS 单号应为 2 个字母 + 9 位数字 + 2 个字母（共13位）：{raw}")
    raise EmsNumberError(f"EMS 单号应为13位数字，或 XX123456789CN 格式：{raw}")
