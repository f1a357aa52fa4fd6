"""Sampling records sent as spreadsheets (.xlsx, .csv): one row per firm visit, Chinese headers.

A spreadsheet is turned into the dict shape of a trip file, so the trip file's own checks
(`docgen.loading.parse_trip`) apply unchanged; their problems are mapped back to the row number
and column header the clerk sees in Excel.

.xlsx: sheet 抽样记录 (first row headers, one row per sampling) and, optionally, sheet 任务信息
(two columns 项目/内容 with the TASK_FIELDS labels). Without 任务信息, and for .csv files, the
trip-level part comes from `base_trip` (the stored task). With both, non-empty 任务信息 values
override `base_trip`.

Cells are converted so that no float reaches the trip dict: money becomes a string with two
decimals (a float with more decimals is a problem, never rounded), dates become ISO strings,
the number of units bought an int.
"""
from __future__ import annotations

import copy
import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Iterable

from docgen.amounts import CENT
from docgen.loading import TripError, parse_trip
from docgen.records import NO_SAMPLE_REASONS, ROLES, Trip

SAMPLINGS_SHEET = "抽样记录"
TASK_SHEET = "任务信息"
HELP_SHEET = "填写说明"
TEMPLATE = Path(__file__).resolve().parent / "templates" / "抽样记录导入模板.xlsx"


@dataclass(frozen=True)
class Column:
    header: str  # the title in the template
    path: str  # dotted path in the trip dict of one sampling
    required: bool = False  # the column must be present (marked "*" in the template)
    aliases: tuple[str, ...] = ()  # other titles bureaus use for the same column


def _firm_columns(prefix: str, who: str, aliases: dict[str, tuple[str, ...]],
                  required: bool = False) -> list[Column]:
    return [
        Column(f"{who}名称", f"{prefix}.name", required, aliases.get("name", ())),
        Column("统一社会信用代码" if prefix == "enterprise" else f"{who}统一社会信用代码",
               f"{prefix}.credit_code", required, aliases.get("credit_code", ())),
        Column(f"{who}地址", f"{prefix}.address", False, aliases.get("address", ())),
        Column(f"{who}邮政编码", f"{prefix}.postal_code", False, aliases.get("postal_code", ())),
        Column(f"{who}法定代表人", f"{prefix}.legal_rep", False, aliases.get("legal_rep", ())),
        Column(f"{who}联系人", f"{prefix}.contact", False, aliases.get("contact", ())),
        Column(f"{who}联系电话", f"{prefix}.phone", False, aliases.get("phone", ())),
        Column(f"{who}类型", f"{prefix}.role", False, aliases.get("role", ())),
    ]


COLUMNS: list[Column] = [
    Column("抽样单编号", "sample_no", True, ("抽样单号", "抽样编号", "样品编号")),
    Column("抽样结果", "outcome", False, ("抽样情况", "结果")),
    Column("通知书编号", "notice_no", False, ("抽查通知书编号",)),
    *_firm_columns("enterprise", "受检单位", {
        "name": ("企业名称", "被抽样单位名称", "被抽样单位", "受检单位", "受检企业名称", "受检企业"),
        "credit_code": ("社会信用代码", "信用代码", "受检单位统一社会信用代码",
                        "被抽样单位统一社会信用代码"),
        "address": ("企业地址", "被抽样单位地址", "地址"),
        "postal_code": ("受检单位邮编", "企业邮编", "邮政编码", "邮编"),
        "legal_rep": ("法定代表人", "法人代表", "法人"),
        "contact": ("联系人", "企业联系人"),
        "phone": ("联系电话", "电话", "企业电话"),
        "role": ("单位类型", "企业类型", "受检单位性质"),
    }, required=True),
    *_firm_columns("manufacturer", "标称生产者", {
        "name": ("生产企业名称", "生产者名称", "标称生产企业名称", "标称生产企业", "生产单位名称"),
        "credit_code": ("生产企业统一社会信用代码", "生产者统一社会信用代码", "生产企业信用代码"),
        "address": ("生产企业地址", "生产者地址", "标称生产企业地址"),
        "postal_code": ("标称生产者邮编", "生产企业邮编"),
        "legal_rep": ("生产企业法定代表人",),
        "contact": ("生产企业联系人",),
        "phone": ("标称生产者电话", "生产企业电话", "生产企业联系电话"),
        "role": ("生产企业类型",),
    }),
    Column("产品名称", "product.name", False, ("样品名称",)),
    Column("商标", "product.trademark", False, ("品牌", "商标（品牌）")),
    Column("规格型号", "product.model", False, ("型号规格", "规格", "型号")),
    Column("生产批号", "product.batch", False, ("批号", "生产日期/批号", "批次号", "批次")),
    Column("生产日期", "product.production_date", False, ("生产年月",)),
    Column("产品等级", "product.grade", False, ("质量等级", "等级")),
    Column("执行标准", "product.standard", False, ("产品标准", "执行标准/技术文件", "标准号")),
    Column("证书类型", "product.license_type", False, ("许可证类型", "认证类型")),
    Column("证书编号", "product.license_no", False, ("许可证编号", "生产许可证编号", "认证证书编号")),
    Column("检验样品数量", "quantity.test", False, ("检验样品数",)),
    Column("备用样品数量", "quantity.backup", False, ("备用样品数", "备样数量")),
    Column("抽样基数", "quantity.base", False, ("抽样基数/库存", "库存数量")),
    Column("购买数量", "quantity.bought", False, ("付费数量", "购样数量")),
    Column("计量单位", "quantity.unit", False, ("单位",)),
    Column("单价（元）", "unit_price", False, ("单价", "样品单价", "样品单价（元）")),
    Column("抽样时间", "sampled_at", False, ("抽样日期",)),
    Column("抽样地点", "place", False, ("抽样场所",)),
    Column("封样编号", "seal.seal_no", False, ("封条编号",)),
    Column("备样封存地点", "seal.backup_location", False, ("备用样品封存地点", "封存地点")),
    Column("寄送样品地点", "send_to", False, ("样品寄送地点", "送样地点")),
    Column("寄送样品截止日期", "send_by", False, ("寄送截止日期", "送样截止日期")),
    Column("电商平台", "online.platform", False, ("网络交易平台", "平台名称")),
    Column("网店名称", "online.shop", False, ("店铺名称",)),
    Column("商品网页地址", "online.url", False, ("商品链接", "网址")),
    Column("订单号", "online.order_no", False, ("订单编号",)),
    Column("实付金额（元）", "online.paid", False, ("实付金额", "支付金额")),
    Column("下单时间", "online.ordered_at", False, ()),
    Column("照片文件", "photos", False, ("照片", "图片")),
    Column("拒检情况描述", "refusal.description", False, ("拒检过程描述", "拒检事实")),
    Column("见证人", "refusal.witnesses", False, ("拒检见证人",)),
    Column("未抽样原因", "no_sample.reason", False, ("未抽到样品原因",)),
    Column("未抽样情况描述", "no_sample.description", False, ("未抽样说明", "未抽到样品情况说明")),
]

TASK_FIELDS: list[tuple[str, str]] = [
    ("组织监督抽查部门名称", "agency.name"),
    ("组织监督抽查部门机关代字", "agency.short_name"),
    ("组织监督抽查部门地址", "agency.address"),
    ("组织监督抽查部门邮政编码", "agency.postal_code"),
    ("组织监督抽查部门电话", "agency.phone"),
    ("组织监督抽查部门联系人", "agency.contact"),
    ("承检机构名称", "institution.name"),
    ("承检机构地址", "institution.address"),
    ("承检机构邮政编码", "institution.postal_code"),
    ("承检机构电话", "institution.phone"),
    ("承检机构联系人", "institution.contact"),
    ("承检机构资质认定证书编号", "institution.cma_no"),
    ("任务编号", "task.code"),
    ("任务名称", "task.name"),
    ("抽查级别", "task.level"),
    ("任务类别", "task.category"),
    ("任务来源", "task.source"),
    ("计划文号", "task.plan_doc_no"),
    ("抽查产品类别", "task.product_category"),
    ("通知书有效期起", "task.valid_from"),
    ("通知书有效期止", "task.valid_to"),
    ("抽检依据", "task.basis"),
    ("结果报送期限", "task.result_due"),
    ("抽样人员", "samplers"),
    ("抽样日期", "trip_date"),
]

OUTCOME_WORDS = {
    "sampled": ("已抽样", "抽样", "已抽", "正常抽样", "抽样完成", "sampled"),
    "refused": ("拒检", "拒绝", "拒绝抽样", "拒绝检查", "拒检认定", "refused"),
    "no_sample": ("未抽到样品", "未抽样", "未抽到", "无样品", "no_sample"),
}
ROLE_WORDS = {
    "生产": ("生产", "生产者", "生产企业", "生产商", "生产单位", "制造商"),
    "销售": ("销售", "销售者", "销售企业", "经销", "经销商", "销售单位"),
    "电商": ("电商", "电子商务", "网店", "网络销售", "电商平台经营者", "平台内经营者"),
}

_DATE_PATHS = {"send_by", "task.valid_from", "task.valid_to", "task.result_due", "trip_date"}
_DATETIME_PATHS = {"sampled_at", "online.ordered_at"}
_MONEY_PATHS = {"unit_price", "online.paid"}
_INT_PATHS = {"quantity.bought"}
_LIST_SEP = re.compile(r"[、;；\n]+")
_PHOTO_SEP = re.compile(r"[;；\n]+")
_PERSON = re.compile(r"^(.*?)\s*[（(](.*)[)）]$", re.S)
_DATE_TEXT = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:(?:\s+|\s*T\s*)(\d{1,2})\s*[:：时]\s*(\d{1,2})\s*分?(?:\s*[:：]\s*(\d{1,2})\s*秒?)?)?")
_MONTH_TEXT = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?")
_ROW_OF_SECTION = re.compile(r"\[\d+\]")


# -- problems --------------------------------------------------------------------------------

@dataclass(frozen=True)
class SheetProblem:
    row: int | None  # the row number Excel shows; None: the sheet as a whole or 任务信息
    column: str  # the column header (or the 任务信息 label)
    message: str

    def __str__(self) -> str:
        where = f"第{self.row}行 " if self.row is not None else ""
        return f"{where}〔{self.column}〕 {self.message}"


class SheetError(ValueError):
    """A spreadsheet that cannot be imported; `problems` lists every reason by row and column."""

    def __init__(self, problems: list[SheetProblem], source: str = ""):
        self.problems = problems
        self.source = source
        super().__init__(f"{source or '表格'}：{len(problems)} 处错误")

    def report(self) -> str:
        lines = [f"{self.source or '表格'}：发现 {len(self.problems)} 处错误，未导入任何记录。"]
        lines += [f"  {p}" for p in self.problems]
        return "\n".join(lines)


# -- headers ---------------------------------------------------------------------------------

_BRACKETS = str.maketrans({"【": "(", "】": ")", "〔": "(", "〕": ")", "[": "(", "]": ")"})


def normalize_header(text: Any) -> str:
    """Header as compared: no spaces, half-width brackets, no "*" required marker."""
    if text is None:
        return ""
    s = unicodedata.normalize("NFKC", str(text)).translate(_BRACKETS)
    s = re.sub(r"\s+", "", s)
    return s.strip("*").lower()


def _index(entries: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    index: dict[str, Any] = {}
    for name, value in entries:
        key = normalize_header(name)
        if key in index and index[key] != value:
            raise AssertionError(f"header {name!r} names two columns")
        index[key] = value
    return index


_COLUMN_BY_HEADER: dict[str, Column] = _index(
    (name, c) for c in COLUMNS for name in (c.header, *c.aliases))
_TASK_BY_LABEL: dict[str, str] = _index(TASK_FIELDS)
_OUTCOME_BY_WORD = _index((w, code) for code, words in OUTCOME_WORDS.items() for w in words)
_ROLE_BY_WORD = _index((w, role) for role, words in ROLE_WORDS.items() for w in words)


def _column_for(header: Any) -> Column | None:
    """The column a spreadsheet header means, or None for an unknown (ignored) column."""
    return _COLUMN_BY_HEADER.get(normalize_header(header))


# -- cell values -----------------------------------------------------------------------------

class _Bad(Exception):
    """A cell value that cannot go into the trip dict; the message is shown to the clerk."""


def _text(value: str) -> str:
    return unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n")).strip()


def _iso_datetime(value: datetime) -> str:
    if value.second:
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if value.time() == time(0, 0):
        return value.date().isoformat()
    return value.strftime("%Y-%m-%d %H:%M")


def _date_text(text: str, path: str) -> str:
    """Chinese and slashed dates written as text → ISO; anything else is left for the checks."""
    if m := _DATE_TEXT.fullmatch(text):
        y, mo, d, h, mi, s = m.groups()
        out = f"{int(y):04d}-{int(mo):02d}-{int(d):02d}"
        if h is not None and not (path in _DATE_PATHS and int(h) == int(mi) == int(s or 0) == 0):
            out += f" {int(h):02d}:{int(mi):02d}" + (f":{int(s):02d}" if s and int(s) else "")
        return out
    if path == "product.production_date" and (m := _MONTH_TEXT.fullmatch(text)):
        return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}"
    return text


def _number_text(value: int | float, number_format: str) -> str:
    """A number in a text column (postal code, phone, batch typed as a number)."""
    if isinstance(value, float):
        if not value.is_integer():
            return str(Decimal(repr(value)))
        if abs(value) >= 1e15:
            raise _Bad(f"数字过长，Excel 已丢失末几位（{value!r}）；请把该列设为“文本”格式后重新输入")
        value = int(value)
    text = str(value)
    # "000000": a postal code column formatted to keep its leading zero.
    if re.fullmatch(r"0+", number_format or "") and len(text) < len(number_format):
        text = text.zfill(len(number_format))
    return text


def _money(value: Any) -> str:
    if isinstance(value, bool):
        raise _Bad(f"应为金额，实为 {value}")
    if isinstance(value, int):
        return str(Decimal(value).quantize(CENT))
    if isinstance(value, float):
        # repr is the shortest text that reads back as the same float: what Excel displays.
        amount = Decimal(repr(value))
        if not amount.is_finite():
            raise _Bad(f"不是有效金额：{value!r}")
        if amount.as_tuple().exponent < -2:
            raise _Bad(f"金额最多两位小数（分），单元格中为 {amount}；请核对，不会自动舍入")
        return str(amount.quantize(CENT))
    if isinstance(value, str):
        text = value[:-1].strip() if value.endswith("元") else value
        return text  # parse_amount checks it
    raise _Bad(f"应为金额，实为 {value}")


def _count(value: Any) -> int | str:
    if isinstance(value, bool):
        raise _Bad(f"应为正整数，实为 {value}")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise _Bad(f"应为正整数，实为 {value!r}")
    if isinstance(value, str):
        try:
            number = Decimal(unicodedata.normalize("NFKC", value))
        except InvalidOperation:
            return value  # parse_trip says it is not a positive whole number
        if number.is_finite() and number == number.to_integral_value():
            return int(number)
        return value
    raise _Bad(f"应为正整数，实为 {value}")


def _convert_cell(path: str, value: Any, number_format: str = "General") -> Any:
    """One cell → its trip-dict value (None when empty). Raises _Bad for an unusable value."""
    if value is None:
        return None
    if isinstance(value, str):
        value = _text(value)
        if not value:
            return None
    if path in _MONEY_PATHS:
        if isinstance(value, (datetime, date, time)):
            raise _Bad(f"应为金额，实为日期/时间 {value}")
        return _money(value)
    if path in _INT_PATHS:
        if isinstance(value, (datetime, date, time)):
            raise _Bad(f"应为正整数，实为日期/时间 {value}")
        return _count(value)
    if isinstance(value, datetime):
        if path in _DATE_PATHS:
            return value.date().isoformat()
        if path == "product.production_date" and "d" not in (number_format or "").lower() \
                and "y" in (number_format or "").lower():
            return value.strftime("%Y-%m")  # a month cell (yyyy-mm)
        return _iso_datetime(value) if path in _DATETIME_PATHS else (
            value.date().isoformat() if value.time() == time(0, 0) else _iso_datetime(value))
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        if path in _DATETIME_PATHS or path in _DATE_PATHS:
            raise _Bad(f"只有时间 {value.strftime('%H:%M')}，缺少日期")
        return value.strftime("%H:%M")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = _number_text(value, number_format)
    elif not isinstance(value, str):
        value = str(value)
    if path in _DATE_PATHS or path in _DATETIME_PATHS or path == "product.production_date":
        return _date_text(value, path)
    if path == "outcome":
        if (code := _OUTCOME_BY_WORD.get(normalize_header(value))) is None:
            raise _Bad(f"应为 已抽样/拒检/未抽到样品 之一，实为 {value}")
        return code
    if path.endswith(".role"):
        return _ROLE_BY_WORD.get(normalize_header(value), value)
    if path == "photos":
        return _photos(value)
    if path in ("refusal.witnesses", "samplers"):
        second = "unit" if path == "refusal.witnesses" else "id_no"
        return _people(value, second)
    return value


def _people(text: str, second: str) -> list[dict]:
    """'王建国（JC-CY-0317）、李晓梅（JC-CY-0322）' → [{"name": ..., second: ...}, ...]."""
    people = []
    for part in _LIST_SEP.split(text):
        part = part.strip()
        if not part:
            continue
        if m := _PERSON.fullmatch(part):
            people.append({"name": m.group(1).strip(), second: m.group(2).strip()})
        else:
            people.append({"name": part})
    return people


def _photos(text: str) -> list[dict]:
    """'photos/a.jpg|抽样现场; photos/b.jpg' → [{"file", "caption"}, ...]."""
    photos = []
    for part in _PHOTO_SEP.split(text):
        part = part.strip()
        if not part:
            continue
        file, _, caption = part.replace("｜", "|").partition("|")
        # A path typed on Windows (photos\a.jpg) names the same file.
        photos.append({"file": file.strip().replace("\\", "/"), "caption": caption.strip()})
    return photos


def _put(target: dict, path: str, value: Any) -> None:
    *parents, key = path.split(".")
    for p in parents:
        target = target.setdefault(p, {})
    target[key] = value


# -- reading ---------------------------------------------------------------------------------

@dataclass
class _Cell:
    value: Any
    number_format: str = "General"


def _is_blank(cells: list[_Cell]) -> bool:
    return all(c.value is None or (isinstance(c.value, str) and not c.value.strip()) for c in cells)


def _header_row(rows: list[tuple[int, list[_Cell]]]) -> int:
    """Index into rows of the header: the first row naming 抽样单编号 (a title row may precede
    it), else the first non-empty row."""
    for i, (_, cells) in enumerate(rows[:10]):
        if any((c := _column_for(cell.value)) and c.path == "sample_no" for cell in cells):
            return i
    return next((i for i, (_, cells) in enumerate(rows) if not _is_blank(cells)), 0)


def _read_samplings(rows: list[tuple[int, list[_Cell]]], problems: list[SheetProblem]
                    ) -> tuple[list[dict], dict[str, int]]:
    if not rows:
        problems.append(SheetProblem(None, SAMPLINGS_SHEET, "工作表是空的"))
        return [], {}
    h = _header_row(rows)
    header_cells = rows[h][1]
    columns: dict[int, Column] = {}
    seen: dict[str, str] = {}
    for i, cell in enumerate(header_cells):
        if cell.value is None:
            continue
        column = _column_for(cell.value)
        if column is None:
            continue  # unknown columns (备注, 序号, ...) are ignored
        title = str(cell.value).strip()
        if column.path in seen:
            problems.append(SheetProblem(None, title, f"与〔{seen[column.path]}〕是同一项，只能保留一列"))
            continue
        seen[column.path] = title
        columns[i] = column
    for column in COLUMNS:
        if column.required and column.path not in seen:
            problems.append(SheetProblem(None, column.header, "缺少必填列"))
    if any(p.row is None for p in problems):
        return [], {}

    samplings: list[dict] = []
    numbers: dict[str, int] = {}
    for row_no, cells in rows[h + 1:]:
        values = {i: cells[i] for i in columns if i < len(cells)}
        if _is_blank(list(values.values())):
            continue
        record: dict = {"enterprise": {}, "product": {}, "quantity": {}, "seal": {}}
        for i, cell in values.items():
            column = columns[i]
            try:
                value = _convert_cell(column.path, cell.value, cell.number_format)
            except _Bad as exc:
                problems.append(SheetProblem(row_no, column.header, str(exc)))
                continue
            if value is not None:
                _put(record, column.path, value)
        sample_no = record.get("sample_no")
        if not sample_no:
            problems.append(SheetProblem(row_no, _header_of("sample_no"), "必填项为空，此行未导入"))
            continue
        sample_no = record["sample_no"] = str(sample_no)
        numbers.setdefault(sample_no, row_no)  # a repeated number is flagged by parse_trip
        samplings.append(record)
    return samplings, numbers


def _read_task(rows: list[tuple[int, list[_Cell]]], problems: list[SheetProblem]) -> dict:
    values: dict = {}
    for row_no, cells in rows:
        if len(cells) < 1 or (path := _TASK_BY_LABEL.get(normalize_header(cells[0].value))) is None:
            continue  # the 项目/内容 header and unknown labels
        cell = cells[1] if len(cells) > 1 else _Cell(None)
        label = _label_of(path)
        try:
            value = _convert_cell(path, cell.value, cell.number_format)
        except _Bad as exc:
            problems.append(SheetProblem(None, label, f"（{TASK_SHEET}第{row_no}行）{exc}"))
            continue
        if value is not None:
            _put(values, path, value)
    return values


def _merge(base: dict, values: dict) -> dict:
    """base with every value of `values` laid over it (sections merged key by key)."""
    out = copy.deepcopy(base)
    for key, value in values.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _xlsx_rows(path: Path, problems: list[SheetProblem]
               ) -> tuple[list | None, list | None]:
    """(抽样记录 rows, 任务信息 rows or None) of a workbook, each row as (number, cells)."""
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = load_workbook(path, data_only=True)  # data_only: a formula's last computed value
    except (OSError, zipfile.BadZipFile, InvalidFileException, KeyError, ValueError) as exc:
        problems.append(SheetProblem(None, "文件", f"无法读取 Excel 文件：{exc}"))
        return None, None

    def rows_of(ws) -> list[tuple[int, list[_Cell]]]:
        out = []
        for row in ws.iter_rows(min_row=1, min_col=1):
            if row:
                out.append((row[0].row, [_Cell(c.value, c.number_format or "General") for c in row]))
        return out

    by_name = {normalize_header(ws.title): ws for ws in wb.worksheets}
    task_ws = by_name.get(normalize_header(TASK_SHEET))
    sheet = by_name.get(normalize_header(SAMPLINGS_SHEET))
    if sheet is None:  # a renamed sheet: the first other one with a 抽样单编号 header
        for ws in wb.worksheets:
            if ws is task_ws or normalize_header(ws.title) == normalize_header(HELP_SHEET):
                continue
            rows = rows_of(ws)
            h = _header_row(rows)
            if rows and any((c := _column_for(x.value)) and c.path == "sample_no" for x in rows[h][1]):
                sheet = ws
                break
    if sheet is None:
        problems.append(SheetProblem(None, SAMPLINGS_SHEET, "找不到“抽样记录”工作表（首行为列名，每行一条抽样记录）"))
        return None, None
    return rows_of(sheet), (rows_of(task_ws) if task_ws is not None else None)


def _csv_rows(path: Path, problems: list[SheetProblem]) -> list | None:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        problems.append(SheetProblem(None, "文件", f"无法读取文件：{exc.strerror}"))
        return None
    text = None
    encodings = ("utf-16",) if raw.startswith((b"\xff\xfe", b"\xfe\xff")) else ("utf-8-sig", "gb18030")
    for encoding in encodings:  # Excel in China saves CSV as GBK (a subset of GB18030)
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if text is None:
        problems.append(SheetProblem(None, "文件", "无法识别文件编码（应为 UTF-8 或 GB18030/GBK）"))
        return None
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first and "," not in first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    return [(n, [_Cell(v) for v in row]) for n, row in enumerate(reader, start=1)]


def _read(path: Path, base_trip: dict | None
          ) -> tuple[dict, dict[str, int], list[SheetProblem]]:
    path = Path(path)
    problems: list[SheetProblem] = []
    suffix = path.suffix.lower()
    task_rows = None
    if suffix in (".xlsx", ".xlsm"):
        rows, task_rows = _xlsx_rows(path, problems)
    elif suffix == ".csv":
        rows = _csv_rows(path, problems)
    elif suffix in (".xls", ".et", ".wps"):
        problems.append(SheetProblem(None, "文件", f"不支持 {suffix} 格式，请在 Excel/WPS 中另存为 .xlsx 或 .csv"))
        rows = None
    else:
        problems.append(SheetProblem(None, "文件", f"不支持的文件类型 {suffix or '（无扩展名）'}，应为 .xlsx 或 .csv"))
        rows = None
    if rows is None:
        return {}, {}, problems

    if task_rows is None and base_trip is None:
        where = "CSV 文件只含抽样记录" if suffix == ".csv" else f"工作簿中没有“{TASK_SHEET}”工作表"
        problems.append(SheetProblem(None, TASK_SHEET, f"{where}，缺少任务信息（组织部门、承检机构、任务、抽样人员）"))
    base = {k: v for k, v in (base_trip or {}).items() if k != "samplings"}
    task_values = _read_task(task_rows, problems) if task_rows is not None else {}
    if task_rows is not None and not task_values and base_trip is None:
        problems.append(SheetProblem(None, TASK_SHEET, f"“{TASK_SHEET}”表未填写，缺少任务信息"
                                                       "（组织部门、承检机构、任务、抽样人员）"))
    trip = _merge(base, task_values)
    samplings, numbers = _read_samplings(rows, problems)
    trip["samplings"] = samplings
    return trip, numbers, problems


def read_spreadsheet(path: Path, *, base_trip: dict | None = None) -> tuple[dict, dict[str, int]]:
    """A spreadsheet as a trip dict, and each sample number's row (as Excel numbers it).

    Raises SheetError for what is wrong before validation: a missing required column, no task
    information, an unreadable file, a money float with more than two decimals, a row
    without sample number, an unknown 抽样结果.
    """
    trip, numbers, problems = _read(path, base_trip)
    if problems:
        raise SheetError(problems, str(path))
    return trip, numbers


# -- problems back to rows and columns -------------------------------------------------------

_SPECIAL = {"price.unit": "unit_price", "price.amount": "unit_price",
            "price.amount_upper": "unit_price", "samplers.names": "samplers",
            "samplers.with_ids": "samplers", "sampled_on": "sampled_at"}
_SECTIONS = {"samplings": SAMPLINGS_SHEET, "trip": "文件", "agency": "组织监督抽查部门",
             "institution": "承检机构", "task": "任务"}


def _header_of(path: str) -> str:
    return next(c.header for c in COLUMNS if c.path == path)


def _label_of(path: str) -> str:
    return next(label for label, p in TASK_FIELDS if p == path)


def column_of(path: str) -> str:
    """The column header (or 任务信息 label) where the value at a trip path is written."""
    path = _ROW_OF_SECTION.sub("", path)  # photos[2].file → photos.file
    path = _SPECIAL.get(path, path)
    candidates = [(c.path, c.header) for c in COLUMNS] + [(p, label) for label, p in TASK_FIELDS]
    for p, title in candidates:
        if p == path:
            return title
    for p, title in candidates:  # photos.file → photos
        if path.startswith(p + "."):
            return title
    if path in _SECTIONS:
        return _SECTIONS[path]
    for p, title in candidates:  # a missing section (product) → its first column
        if p.startswith(path + "."):
            return title
    return path


def _trip_level(path: str) -> bool:
    """A field of the trip as a whole (任务信息), never of one row."""
    head = path.split(".", 1)[0]
    return head in ("agency", "institution", "task", "samplers", "trip_date", "trip", "samplings")


def map_problems(err: TripError, rows: dict[str, int]) -> SheetError:
    """Each (sample number, field) problem of parse_trip as (row, column header)."""
    problems = [SheetProblem(None if _trip_level(p.field) else rows.get(p.record),
                             column_of(p.field), p.message) for p in err.problems]
    return SheetError(problems, err.source)


def load_spreadsheet(path: Path, *, base_trip: dict | None = None, **parse_kwargs) -> Trip:
    """Read, convert and check a spreadsheet; raise SheetError listing every problem at once.

    parse_kwargs go to parse_trip (blank, settings, check_text, check_photo). Photo files are
    relative to the spreadsheet's folder.
    """
    path = Path(path)
    trip_dict, rows, problems = _read(path, base_trip)
    if any(p.row is None for p in problems):
        raise SheetError(problems, str(path))  # the sheet as a whole is unusable
    try:
        trip = parse_trip(trip_dict, source=str(path), trip_dir=path.parent, **parse_kwargs)
    except TripError as exc:
        mapped = map_problems(exc, rows).problems
        # A cell already reported while reading was left out; don't also call it empty.
        known = {(p.row, p.column) for p in problems}
        combined = problems + [p for p in mapped if (p.row, p.column) not in known]
        combined.sort(key=lambda p: p.row or 0)
        raise SheetError(combined, str(path)) from None
    if problems:
        raise SheetError(problems, str(path))
    return Trip(**{**trip.__dict__, "source": path})


# -- the template ----------------------------------------------------------------------------

_HINTS = {
    "sample_no": "字母、数字、- 和 _，最长40位，不得重复",
    "outcome": "已抽样 / 拒检 / 未抽到样品（抽样前可空）",
    "enterprise.credit_code": "18位，含校验位；请保持“文本”格式",
    "enterprise.role": "生产 / 销售 / 电商",
    "manufacturer.name": "受检单位为销售者时填写标称生产者",
    "manufacturer.role": "一般为 生产",
    "product.batch": "无批号填 /",
    "product.production_date": "日期（2023-01-08）、年月（2022-12）或 /",
    "quantity.test": "按抽样单填写，如 2卷（100m/卷）",
    "quantity.bought": "整数，付费的样品数量",
    "unit_price": "元，最多两位小数，如 168.00",
    "sampled_at": "日期和时间，如 2023-03-15 10:20",
    "send_by": "日期，如 2023-03-20",
    "online.platform": "网络抽样时填写本组各列",
    "online.paid": "元，最多两位小数",
    "online.ordered_at": "日期和时间，如 2023-03-16 20:11",
    "photos": "文件名|说明，多张用 ; 分隔，路径相对于本表格所在文件夹，如 photos/site-0001.jpg|抽样现场",
    "refusal.description": "拒检时填写：事实认定经过",
    "refusal.witnesses": "姓名（单位），多人用 、 分隔",
    "no_sample.reason": "倒闭 / 注销 / 停产 / 转产 / 全部用于出口 / 其他",
    "no_sample.description": "未抽到样品时填写：过程简要描述",
}
_TASK_HINTS = {
    "agency.short_name": "机关代字，用于文书编号，如 晋市市监",
    "task.level": "国家 / 省级 / 市级 / 区级 / 县级",
    "task.category": "监督抽查 / 复查",
    "task.plan_doc_no": "如 晋市市监〔2023〕3号",
    "task.valid_from": "日期，如 2023-01-10",
    "task.valid_to": "日期，如 2023-07-31",
    "task.result_due": "日期",
    "samplers": "姓名（证件号）、姓名（证件号），至少两人",
    "trip_date": "日期，如 2023-03-15",
}
_TEXT_COLUMNS = {"sample_no", "notice_no", "enterprise.credit_code", "enterprise.postal_code",
                 "enterprise.phone", "manufacturer.credit_code", "manufacturer.postal_code",
                 "manufacturer.phone", "product.batch", "product.production_date",
                 "product.license_no", "online.order_no"}
_HELP = [
    "抽样记录导入模板 填写说明",
    "",
    "1. “任务信息”表：在“内容”列填写本次抽查任务的组织部门、承检机构、任务和抽样人员；"
    "从已登记任务导入时可不填（或删除此表）。",
    "2. “抽样记录”表：第一行为列名，不要修改；每次到企业抽样（含拒检、未抽到样品）填一行。",
    "3. 列名带 * 的列必须保留；其余列可删除或调换顺序，不认识的列（如“备注”）会被忽略。",
    "4. 第二行是示例（取自晋城电线电缆演示任务），导入前请删除。",
    "5. 抽样结果：已抽样 / 拒检 / 未抽到样品。拒检填“拒检情况描述”“见证人”；"
    "未抽到样品填“未抽样原因”“未抽样情况描述”。",
    "6. 金额（单价、实付金额）以元为单位，最多两位小数；多于两位的不会自动舍入，会被退回。",
    "7. 日期写成 2023-03-15 或 2023/3/15 或 2023年3月15日，时间写成 2023-03-15 10:20。",
    "8. 统一社会信用代码、邮政编码、电话等请保持“文本”格式，避免 Excel 把长数字改成科学计数法。",
    "9. 照片文件：文件名|说明，多张用 ; 分隔；路径相对于本表格所在的文件夹。",
    "10. 也可另存为 CSV（UTF-8 或 GBK 编码均可），此时任务信息取自已登记的任务。",
    "11. 导入时检查全部内容；有错误时按“第N行 〔列名〕 问题”逐条列出，整表不导入。",
]


def _example_cells(sampling: dict) -> dict[str, Any]:
    """The template's example row: path → value typed as a clerk's Excel would hold it."""
    out: dict[str, Any] = {}
    words = {code: words[0] for code, words in OUTCOME_WORDS.items()}
    for column in COLUMNS:
        value: Any = sampling
        for key in column.path.split("."):
            value = value.get(key) if isinstance(value, dict) else None
        if value in (None, "", []):
            continue
        if column.path == "outcome":
            value = words.get(value, value)
        elif column.path in _MONEY_PATHS:
            value = Decimal(value)
        elif column.path in _DATETIME_PATHS:
            value = datetime.fromisoformat(value)
        elif column.path in _DATE_PATHS:
            value = datetime.combine(date.fromisoformat(value), time())
        elif column.path == "photos":
            value = "; ".join(f"{p['file']}|{p['caption']}" if p.get("caption") else p["file"]
                              for p in value)
        elif column.path == "refusal.witnesses":
            value = "、".join(f"{w['name']}（{w['unit']}）" if w.get("unit") else w["name"]
                             for w in value)
        out[column.path] = value
    return out


def _width(text: str) -> float:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def write_template(path: Path) -> None:
    """Write the import template workbook (任务信息, 抽样记录 with one example row, 填写说明)."""
    import json

    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    demo = Path(__file__).resolve().parent.parent / "docgen" / "demo" / "trip-jincheng-cable.json"
    example = json.loads(demo.read_text(encoding="utf-8"))["samplings"][0]

    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    required_fill = PatternFill("solid", fgColor="FCE4D6")
    wb = Workbook()

    task = wb.active
    task.title = TASK_SHEET
    task.append(["项目", "内容", "说明"])
    for cell in task[1]:
        cell.font, cell.fill = bold, fill
    for label, p in TASK_FIELDS:
        task.append([label, None, _TASK_HINTS.get(p, "")])
    task.column_dimensions["A"].width = 28
    task.column_dimensions["B"].width = 50
    task.column_dimensions["B"].number_format = "@"
    task.column_dimensions["C"].width = 44
    task.freeze_panes = "A2"

    ws = wb.create_sheet(SAMPLINGS_SHEET)
    ws.append([c.header + ("*" if c.required else "") for c in COLUMNS])
    cells = _example_cells(example)
    ws.append([cells.get(c.path) for c in COLUMNS])
    grey = Font(italic=True, color="808080")
    for i, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(i)
        head = ws.cell(row=1, column=i)
        head.font = bold
        head.fill = required_fill if column.required else fill
        head.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        if hint := _HINTS.get(column.path):
            head.comment = Comment(hint, "模板")
        dim = ws.column_dimensions[letter]
        dim.width = min(40, max(10, _width(head.value) + 4, _width(str(cells.get(column.path, ""))) * 0.8))
        example_cell = ws.cell(row=2, column=i)
        example_cell.font = grey
        if column.path in _MONEY_PATHS:
            dim.number_format = example_cell.number_format = "0.00"
        elif column.path in _DATETIME_PATHS:
            dim.number_format = example_cell.number_format = "yyyy-mm-dd hh:mm"
        elif column.path in _DATE_PATHS:
            dim.number_format = example_cell.number_format = "yyyy-mm-dd"
        elif column.path in _INT_PATHS:
            dim.number_format = example_cell.number_format = "0"
        elif column.path in _TEXT_COLUMNS:
            dim.number_format = example_cell.number_format = "@"
    ws.freeze_panes = "B2"  # header row and the sample number stay in view

    def choose(path: str, options: Iterable[str], title: str) -> None:
        letter = get_column_letter(next(i for i, c in enumerate(COLUMNS, 1) if c.path == path))
        dv = DataValidation(type="list", formula1='"' + ",".join(options) + '"', allow_blank=True,
                            showErrorMessage=True, errorTitle=title,
                            error=f"请从列表中选择：{'/'.join(options)}")
        ws.add_data_validation(dv)
        dv.add(f"{letter}2:{letter}1048576")

    choose("outcome", [words[0] for words in OUTCOME_WORDS.values()], "抽样结果")
    choose("no_sample.reason", NO_SAMPLE_REASONS, "未抽样原因")
    choose("enterprise.role", ROLES, "受检单位类型")

    help_ws = wb.create_sheet(HELP_SHEET)
    for line in _HELP:
        help_ws.append([line])
    help_ws["A1"].font = Font(bold=True, size=14)
    help_ws.column_dimensions["A"].width = 110
    for row in help_ws.iter_rows(min_row=2):
        row[0].alignment = Alignment(wrap_text=True, vertical="top")

    wb.active = wb.index(ws)
    wb.properties.creator = "spotcheck"
    wb.properties.title = "抽样记录导入模板"
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)


if __name__ == "__main__":  # python -m archive.spreadsheet: rebuild the committed template
    write_template(TEMPLATE)
    print(TEMPLATE)
