"""统一社会信用代码 (GB 32100-2015) checks."""
from __future__ import annotations

import re

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, S, V, Z
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_SHAPE = re.compile(r"[0-9A-HJ-NP-RTUW-Y]{2}\d{6}[0-9A-HJ-NP-RTUW-Y]{10}")


class CreditCodeError(ValueError):
    """A 统一社会信用代码 that fails its format or check character."""


def normalize_credit_code(raw: str) -> str:
    """Upper case, without spaces or hyphens, as clerks often type them."""
    return re.sub(r"[\s\-－]", "", raw or "").upper()


def uscc_check_char(first17: str) -> str:
    """The 18th character that GB 32100 derives from the first 17 (mod 31)."""
    total = sum(USCC_CHARSET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS))
    return USCC_CHARSET[(31 - total % 31) % 31]


def validate_credit_code(raw: str) -> str:
    """Return the normalised code or raise CreditCodeError saying what is wrong."""
    code = normalize_credit_code(raw)
    if len(code) != 18:
        raise CreditCodeError(f"应为18位，实为{len(code)}位：{raw}")
    bad = sorted({c for c in code if c not in USCC_CHARSET})
    if bad:
        raise CreditCodeError(f"含有不允许的字符 {''.join(bad)}（代码不使用 I、O、S、V、Z）：{raw}")
    if not _USCC_SHAPE.fullmatch(code):
        raise CreditCodeError(f"第3至8位应为行政区划码数字：{raw}")
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        raise CreditCodeError(f"校验位错误：第18位应为 {expected}，实为 {code[17]}：{raw}")
    return code
