"""Money: parsing decimal amounts and writing them in 中文大写 (PBoC rules)."""
from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("999999999999.99")  # 12 integer digits: up to 仟亿
_THOUSANDS = re.compile(r"\d{1,3}(,\d{3})+(\.\d+)?")
_FIGURES = re.compile(r"-?\d+(\.\d+)?")

_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_IN_GROUP = ("", "拾", "佰", "仟")  # positions inside a 4-digit group
_GROUPS = ("", "万", "亿")


class AmountError(ValueError):
    """An amount that is not a usable decimal sum of money."""


def parse_amount(value: object) -> Decimal:
    """Parse a money value given as a string or int (never a float) into Decimal yuan.

    At most two decimal places are accepted: rounding a price silently would change
    what the firm is paid.
    """
    if isinstance(value, bool) or isinstance(value, float):
        raise AmountError("金额须写成字符串（如 \"168.00\"），不能用浮点数")
    if isinstance(value, int):
        value = str(value)
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, str):
        text = value.strip()
        if text.startswith(("¥", "￥")):
            text = text[1:].strip()
        # Commas only as thousands separators (1,005.00); "168,50" is a decimal comma, and
        # dropping it would pay a hundred times the price.
        if "," in text or "，" in text:
            text = text.replace("，", ",")
            if not _THOUSANDS.fullmatch(text):
                raise AmountError(f"金额中的逗号只能作千位分隔符：{value}")
            text = text.replace(",", "")
        # plain figures only: no exponent (1E+400), sign or spaces inside
        if not _FIGURES.fullmatch(text):
            raise AmountError(f"不是有效金额：{value}")
        amount = Decimal(text)
    else:
        raise AmountError(f"不是有效金额：{value}")
    if not amount.is_finite():
        raise AmountError(f"不是有效金额：{value}")
    if amount < 0:
        raise AmountError(f"金额不能为负数：{value}")
    if amount > MAX_AMOUNT:  # before any rounding: a huge value overflows the context
        raise AmountError(f"金额过大（上限 {MAX_AMOUNT}）：{value}")
    if amount != amount.quantize(CENT, rounding=ROUND_HALF_UP):
        raise AmountError(f"金额最多两位小数（分）：{value}")
    return amount.quantize(CENT)


def format_figures(amount: Decimal) -> str:
    """¥1005.00: figures with two decimals and no thousands separators, as on payment slips."""
    return f"¥{amount.quantize(CENT, rounding=ROUND_HALF_UP):.2f}"


def _group_upper(group: int) -> str:
    """Uppercase of a 1..9999 group, with one 零 per run of inner zeros."""
    digits = f"{group:04d}"
    out, pending_zero, started = [], False, False
    for pos, ch in enumerate(digits):
        d = int(ch)
        if d == 0:
            pending_zero = started
            continue
        if pending_zero:
            out.append("零")
            pending_zero = False
        out.append(_DIGITS[d] + _IN_GROUP[3 - pos])
        started = True
    return "".join(out)


def to_upper(amount: Decimal) -> str:
    """The 大写 form of an amount (without the 人民币 prefix).

    PBoC 《正确填写票据和结算凭证的基本规定》: one 零 per run of zeros; 整 after 元 when there
    are no 角/分 (and after 角 when 分 is zero: optional, we leave it out); 零 between 元 and 分
    when 角 is zero is required. The optional 零 where the 万 or 元 digit is zero before a
    non-zero 千 or 角 digit is left out, except that a zero run inside the integer part
    always keeps its 零.
    """
    amount = parse_amount(amount)
    cents = int((amount * 100).to_integral_value())
    yuan, jiao, fen = cents // 100, (cents // 10) % 10, cents % 10

    parts: list[str] = []
    if yuan:
        groups = []
        n = yuan
        while n:
            groups.append(n % 10000)
            n //= 10000
        need_zero = False
        for idx in range(len(groups) - 1, -1, -1):
            g = groups[idx]
            if g == 0:
                need_zero = bool(parts)
                continue
            if parts and (need_zero or g < 1000):
                parts.append("零")
            parts.append(_group_upper(g) + _GROUPS[idx])
            need_zero = False
        parts.append("元")
    if jiao == 0 and fen == 0:
        return ("".join(parts) or "零元") + "整"
    if jiao:
        parts.append(_DIGITS[jiao] + "角")
    if fen:
        if yuan and not jiao:
            parts.append("零")
        parts.append(_DIGITS[fen] + "分")
    return "".join(parts)


def to_upper_rmb(amount: Decimal) -> str:
    """人民币 + 大写, with no gap between them as the rules require."""
    return "人民币" + to_upper(amount)
