"""Cell values as the clerk meant them, for every sheet we import: text, numbers typed into text
columns, postal codes that lost their leading zero, money and counts without floats, dates
typed as text, and formulas (their cached results, or a refusal)."""
from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from archive.sheets import Cell
from docgen.amounts import CENT, MAX_AMOUNT

NO_RESULT = "公式没有计算结果，请在 Excel/WPS 中打开并保存后再导入"
NOT_A_FORMULA = "请填写数值而非公式"
_DATE_TEXT = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:(?:\s+|\s*T\s*)(\d{1,2})\s*[:：时]\s*(\d{1,2})\s*分?(?:\s*[:：]\s*(\d{1,2})\s*秒?)?)?")
_MONTH_TEXT = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?")


class Bad(Exception):
    """A cell value that cannot be imported; the message is shown to the clerk."""


def shown(cell: Cell, *, number: bool = False) -> Any:
    """The value a cell shows. A formula's cached result is used, except in a column of numbers
    (money, quantities: a formula there is refused) and when it was never calculated."""
    if cell.error:
        raise Bad(f"单元格是错误值 {cell.value}，请改正{'公式' if cell.formula else '内容'}后再导入")
    if cell.formula and number:
        raise Bad(NOT_A_FORMULA)
    if cell.formula and cell.value is None:
        raise Bad(NO_RESULT)
    return cell.value


def text(value: str) -> str:
    return unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n")).strip()


def number_text(value: int | float, number_format: str) -> str:
    """A number in a text column (phone, batch, report number typed as a number)."""
    if isinstance(value, float):
        if not value.is_integer():
            return str(Decimal(repr(value)))
        if abs(value) >= 1e15:
            raise Bad(f"数字过长，Excel 已丢失末几位（{value:g}）；请把该列设为“文本”格式后重新输入")
        value = int(value)
    digits = str(value)
    # "000000": a column formatted to keep its leading zeros.
    if re.fullmatch(r"0+", number_format or "") and len(digits) < len(number_format):
        digits = digits.zfill(len(number_format))
    return digits


def postal_code(value: int | float) -> str:
    """A postal code Excel holds as a number: 048000 typed into a General cell arrives as 48000.
    A Chinese postal code always has six digits, so the leading zeros are restored."""
    if isinstance(value, float):
        if not value.is_integer():
            raise Bad(f"邮政编码应为6位数字，单元格中为 {Decimal(repr(value))}")
        value = int(value)
    # No Chinese postal code starts with 00 (the first two digits name the province), so a
    # number under 10000 is not one whose zeros were dropped.
    if not 10_000 <= value <= 999_999:
        raise Bad(f"邮政编码应为6位数字，单元格中为 {value}")
    return f"{value:06d}"


def money(value: Any) -> str:
    if isinstance(value, bool):
        raise Bad(f"应为金额，实为 {value}")
    if isinstance(value, (int, float)):
        # repr is the shortest text that reads back as the same float: what Excel displays.
        amount = Decimal(value) if isinstance(value, int) else Decimal(repr(value))
        if not amount.is_finite():
            raise Bad(f"不是有效金额：{value}")
        if amount > MAX_AMOUNT:  # before rounding: a huge value overflows the context
            raise Bad(f"金额过大（上限 {MAX_AMOUNT}），单元格中为 {value}")
        if amount.as_tuple().exponent < -2:
            raise Bad(f"金额最多两位小数（分），单元格中为 {amount}；请核对，不会自动舍入")
        return str(amount.quantize(CENT))
    if isinstance(value, str):
        return value[:-1].strip() if value.endswith("元") else value  # parse_amount checks it
    raise Bad(f"应为金额，实为 {value}")


def count(value: Any) -> int | str:
    if isinstance(value, bool):
        raise Bad(f"应为正整数，实为 {value}")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise Bad(f"应为正整数，实为 {value}")
    if isinstance(value, str):
        try:
            number = Decimal(unicodedata.normalize("NFKC", value))
        except InvalidOperation:
            return value  # parse_trip says it is not a positive whole number
        if number.is_finite() and number == number.to_integral_value():
            return int(number)
        return value
    raise Bad(f"应为正整数，实为 {value}")


def date_text(value: str, *, day_only: bool = False, month: bool = False) -> str:
    """Chinese and slashed dates written as text → ISO; anything else is left for the checks.
    day_only drops a midnight time (2023/3/20 00:00); month accepts 2022年12月."""
    if m := _DATE_TEXT.fullmatch(value):
        y, mo, d, h, mi, s = m.groups()
        out = f"{int(y):04d}-{int(mo):02d}-{int(d):02d}"
        if h is not None and not (day_only and int(h) == int(mi) == int(s or 0) == 0):
            out += f" {int(h):02d}:{int(mi):02d}" + (f":{int(s):02d}" if s and int(s) else "")
        return out
    if month and (m := _MONTH_TEXT.fullmatch(value)):
        return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}"
    return value


def iso_datetime(value: datetime) -> str:
    if value.second:
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if value.time() == time(0, 0):
        return value.date().isoformat()
    return value.strftime("%Y-%m-%d %H:%M")


def is_temporal(value: Any) -> bool:
    return isinstance(value, (datetime, date, time))
