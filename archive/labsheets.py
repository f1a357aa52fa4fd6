"""The lab's result sheet and the EMS sheet read in (their columns and cells), and the result
import template. Reading the file is archive.sheets'; the post office's mailing list is written
by archive.mailinglist.

A result sheet has one row per sample or one row per failed item; on an item's continuation rows
the sample's own columns may be repeated or left empty (as merged cells read). Each sample
becomes the result dict `docgen.loading.parse_result` checks; this module only converts cells and
reports what cannot be converted, by row number and column header.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import Any

from archive import cells
from archive.cells import Bad
from archive.mailinglist import MailingRow, mailing_list_xlsx
from archive.sheets import (Cell, Column, Limits, Problems, SheetError, SheetProblem, Table,
                            index, normalize_header, open_book, read_table)
from archive.tripcolumns import COLUMNS, HELP_SHEET
from docgen.ems import EmsNumberError, validate_ems
from docgen.records import CONCLUSIONS
from docgen.xlsxtext import put_text, text_width

__all__ = ["EMS_COLUMNS", "RESULT_COLUMNS", "TEMPLATE", "EmsRow", "EmsRows", "MailingRow",
           "ResultRows", "SheetError", "SheetProblem", "build_result_template", "column_title",
           "mailing_list_xlsx", "read_ems_sheet", "read_result_sheet", "write_result_template"]

RESULTS_SHEET = "检验结果"
TEMPLATE = Path(__file__).resolve().parent / "templates" / "检验结果导入模板.xlsx"

SAMPLE_NO = next(c for c in COLUMNS if c.path == "sample_no")  # same header and aliases
RESULT_COLUMNS: list[Column] = [
    SAMPLE_NO,
    Column("检验结论", "conclusion", True, ("结论", "判定结论")),
    Column("报告编号", "report_no", True, ("检验报告编号", "报告号")),
    Column("报告日期", "report_date", True, ("签发日期", "报告签发日期")),
    Column("不合格项目", "item", False, ("检验项目", "项目名称")),
    Column("标准要求", "requirement", False, ("技术要求", "标准值", "标准规定")),
    Column("实测值", "measured", False, ("检验结果", "实测结果")),
    Column("单项判定", "verdict", False, ("项目判定",)),
    Column("检验报告文件", "lab_report", False, ("报告文件",)),
    Column("备注", "remarks"),
]
EMS_COLUMNS: list[Column] = [
    SAMPLE_NO,
    Column("邮件号码", "ems_no", True, ("运单号", "运单号码", "EMS单号", "快递单号", "邮件号", "邮件单号")),
    Column("交寄日期", "posted_on", False, ("寄出日期", "收寄日期", "交寄时间", "收寄时间")),
    Column("签收日期", "signed_on", False, ("妥投日期", "签收时间", "妥投时间")),
    Column("签收人", "signed_by", False, ("收件人签名", "签收人姓名")),
]
CONCLUSION_WORDS = {"合格": ("合格", "符合", "合格品", "符合要求"),
                    "不合格": ("不合格", "不符合", "不合格品", "不符合要求")}
assert tuple(CONCLUSION_WORDS) == CONCLUSIONS

_SAMPLE_KEYS = ("conclusion", "report_no", "report_date", "lab_report", "remarks")
_ITEM_KEYS = ("item", "requirement", "measured", "verdict")
_DATE_KEYS = {"report_date", "posted_on", "signed_on"}
_CONCLUSION_BY_WORD = index((w, c) for c, words in CONCLUSION_WORDS.items() for w in words)
_NOTE = re.compile(r"\(.*\)$")  # 不合格（B类） → 不合格, after normalize_header's half-width brackets
_FIXED = re.compile(r"0\.(0+)")  # a "0.00" number format: 2.50 stays 2.50


# -- cells -----------------------------------------------------------------------------------

def _cell_text(cell: Cell) -> str:
    value = cells.shown(cell)
    if value is None:
        return ""
    if isinstance(value, str):
        return cells.text(value)
    if cells.is_temporal(value):
        raise Bad(f"Excel 把此格当成了日期/时间（{value}）；请把该列设为“文本”格式后重新输入")
    if isinstance(value, float) and (m := _FIXED.fullmatch(cell.number_format or "")):
        return str(Decimal(repr(value)).quantize(Decimal(1).scaleb(-len(m[1]))))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return cells.number_text(value, cell.number_format)
    return str(value)


def _cell_date(cell: Cell) -> str:
    """A date cell, 2023/4/5 or 2023年4月5日 (a time after it is dropped) → ISO; "" when empty."""
    value = cells.shown(cell)
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        raise Bad(f"只有时间 {value.strftime('%H:%M')}，缺少日期")
    text = _cell_text(cell)
    if not text:
        return ""
    iso = cells.date_text(text, day_only=True)
    if re.fullmatch(r"\d{8}", iso):  # 20230405
        iso = f"{iso[:4]}-{iso[4:6]}-{iso[6:]}"
    try:
        if not re.fullmatch(r"\d{4}-\d\d-\d\d( .*)?", iso):
            raise ValueError
        return date.fromisoformat(iso[:10]).isoformat()
    except ValueError:
        raise Bad(f"不是有效日期：{text}（应为 2023-04-05、2023/4/5 或 2023年4月5日）") from None


def _word(text: str) -> str | None:
    """合格 / 不合格 for the words labs use, None for anything else."""
    return _CONCLUSION_BY_WORD.get(_NOTE.sub("", normalize_header(text)))


def _convert(key: str, cell: Cell) -> str:
    if key in _DATE_KEYS:
        return _cell_date(cell)
    text = _cell_text(cell)
    if key == "conclusion" and text and (text := _word(text) or text) not in CONCLUSIONS:
        raise Bad(f"应为 合格/不合格 之一，实为 {_cell_text(cell)}")
    if key == "lab_report" and text:
        text = text.replace("\\", "/")
        if not text.lower().endswith(".pdf"):
            raise Bad(f"应为检验报告 PDF 的文件名（如 JC2023DX0002.pdf），实为 {text}")
    return text


def _converted(row_no: int, values: dict[str, Cell], table: Table,
               problems: Problems) -> dict[str, str | None]:
    """Each cell as text (None: could not be converted, reported)."""
    out: dict[str, str | None] = {}
    for key, cell in values.items():
        try:
            out[key] = _convert(key, cell)
        except Bad as exc:
            problems.add(row_no, table.titles[key], str(exc))
            out[key] = None
    return out


def _title(table: Table, columns: list[Column], key: str) -> str:
    """The column's header as the sheet writes it (the template's for a column it lacks)."""
    return table.titles.get(key) or next(c.header for c in columns if c.path == key)


# -- results ---------------------------------------------------------------------------------

class ResultRows(dict):
    """{sample number: (first row, result dict)}, and `titles`: the sheet's own headers."""
    titles: dict[str, str]


def _table(book, columns: list[Column], sheet_title: str | None, problems: Problems,
           label: str) -> Table | None:
    """The sheet named sheet_title, else the first naming 抽样单编号 in its first rows, else the
    first sheet (the 填写说明 sheet aside)."""
    sheet = book.find(sheet_title) if sheet_title else None
    if sheet is None:
        sheet = book.probe(SAMPLE_NO, skip=(HELP_SHEET,))
    if sheet is None:
        sheet = next((t for t in book.titles if t != book.find(HELP_SHEET)), None)
    if sheet is None:
        problems.add(None, label, "工作簿中没有工作表")
        return None
    return read_table(book, sheet, columns, problems, label=label)


def read_result_sheet(path: Path, *, settings: Any = None) -> ResultRows:
    """Each sample's result dict, with the first row it is on; SheetError lists the problems
    (up to the `sheet_max_problems` of `settings`, counting the rest).

    A row without 抽样单编号 that names an item continues the sample above it. Items whose 单项判定
    is 合格 are left out (some labs list every item tested); remarks on several rows are joined.
    """
    limits = Limits.of(settings)
    problems = Problems(limits.max_problems)
    results = ResultRows()
    results.titles = {}
    spelling: dict[str, str] = {}  # case-blind, as parse_trip compares sample numbers
    set_on: dict[tuple[str, str], int] = {}  # (sample, column) → the row its value came from
    current: str | None = None
    with open_book(path, limits) as book:
        table = _table(book, RESULT_COLUMNS, RESULTS_SHEET, problems, RESULTS_SHEET)
        for row_no, cells_ in table.rows if table else ():
            values = _converted(row_no, cells_, table, problems)
            sample_no = values.get("sample_no")
            if sample_no:
                current = spelling.setdefault(sample_no.upper(), sample_no)
            elif sample_no is None and "sample_no" in values:
                current = None  # reported: the row cannot be placed
                continue
            elif current is None or not any(values.get(k) for k in _ITEM_KEYS):
                problems.add(row_no, _title(table, RESULT_COLUMNS, "sample_no"), "必填项为空，此行未导入")
                current = None
                continue
            first_row, result = results.setdefault(current, (row_no, {
                "conclusion": "", "report_no": "", "report_date": "", "items": [],
                "lab_report": "", "remarks": ""}))
            for key in _SAMPLE_KEYS:
                value = values.get(key)
                if not value:
                    continue
                if key == "remarks":
                    if value not in result["remarks"].split("\n"):
                        result["remarks"] = "\n".join(filter(None, (result["remarks"], value)))
                elif not result[key]:
                    result[key], set_on[current, key] = value, row_no
                elif result[key] != value:
                    header = _title(table, RESULT_COLUMNS, key)
                    problems.add(row_no, header, (
                        f"与第{set_on[current, key]}行不一致（{result[key]} / {value}）："
                        f"抽样单编号 {current} 只能有一个{header}"))
            item = {k: values.get(k) or "" for k in _ITEM_KEYS}
            if any(item.values()) and _word(item["verdict"]) != "合格":
                item["verdict"] = item["verdict"] or "不合格"
                result["items"].append(item)
        results.titles = table.titles if table else {}
    if problems:
        raise problems.error(str(path))
    return results


def column_title(field: str, rows: Any = None) -> str:
    """The column of a result field (result.report_date, items, lab_report), as the sheet that
    gave `rows` (a ResultRows) names it, else as the template does."""
    key = field.removeprefix("result.")
    key = "item" if key in ("items", "failed_items") else key
    column = next((c for c in RESULT_COLUMNS if c.path == key), None)
    if column is None:
        from docgen.fields import field_label

        return field_label(field)
    return getattr(rows, "titles", {}).get(key) or column.header


# -- EMS -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class EmsRow:
    row: int
    sample_no: str
    ems_no: str
    posted_on: str | None = None  # ISO dates
    signed_on: str | None = None
    signed_by: str = ""


class EmsRows(list):
    """The EmsRows of a sheet, and `titles`: the sheet's own headers (column path → header)."""
    titles: dict[str, str]


def read_ems_sheet(path: Path, *, settings: Any = None) -> EmsRows:
    """The EMS numbers (typed by staff or China Post's batch export) with their posting and
    signing; SheetError lists the problems. An EMS number may appear on one row only."""
    limits = Limits.of(settings)
    problems = Problems(limits.max_problems)
    out = EmsRows()
    out.titles = {}
    seen: dict[str, EmsRow] = {}
    with open_book(path, limits) as book:
        table = _table(book, EMS_COLUMNS, None, problems, "文件")
        for row_no, cells_ in table.rows if table else ():
            values = _converted(row_no, cells_, table, problems)
            ems_header = _title(table, EMS_COLUMNS, "ems_no")
            sample_no, raw = values.get("sample_no", ""), values.get("ems_no", "")
            for key, value in (("sample_no", sample_no), ("ems_no", raw)):
                if value == "":
                    problems.add(row_no, _title(table, EMS_COLUMNS, key), "必填项为空")
            if not sample_no or not raw:
                continue
            try:
                ems_no = validate_ems(raw)
            except EmsNumberError as exc:
                problems.add(row_no, ems_header, str(exc))
                continue
            if (other := seen.get(ems_no)) is not None:
                whose = (f"同一抽样单编号 {sample_no} 登记了两次" if other.sample_no == sample_no
                         else f"第{other.row}行为 {other.sample_no}，本行为 {sample_no}")
                problems.add(row_no, ems_header, f"邮件号码 {ems_no} 与第{other.row}行重复（{whose}）")
                continue
            row = EmsRow(row_no, sample_no, ems_no, values.get("posted_on") or None,
                         values.get("signed_on") or None, values.get("signed_by") or "")
            seen[ems_no] = row
            out.append(row)
        out.titles = table.titles if table else {}
    if problems:
        raise problems.error(str(path))
    return out


# -- the template ----------------------------------------------------------------------------

_EXAMPLE = [  # JC2023DX0001 合格; JC2023DX0002 不合格 on two items, its common cells left empty
    ["JC2023DX0001", "合格", "JCJY2023-DX-0001", datetime(2023, 4, 20), None, None, None, None,
     "JC2023DX0001.pdf", None],
    ["JC2023DX0002", "不合格", "JCJY2023-DX-0002", datetime(2023, 4, 20), "导体电阻",
     "≤7.41 Ω/km（20℃）", "8.12 Ω/km", "不合格", "JC2023DX0002.pdf", None],
    ["JC2023DX0002", None, None, None, "绝缘厚度", "平均值≥0.8 mm", "0.71 mm", "不合格", None, None],
]
_RESULT_HINTS = {
    "sample_no": "与抽样单一致；一个样品有多个不合格项目时每项一行",
    "conclusion": "合格 / 不合格",
    "report_date": "日期，如 2023-04-20",
    "item": "仅不合格样品填写，每个不合格项目一行",
    "verdict": "空白即为 不合格",
    "lab_report": "检验报告 PDF 的文件名，PDF 与本表一同上传",
}
_RESULT_HELP = [
    "检验结果导入模板 填写说明",
    "",
    "1. “检验结果”表：第一行为列名，不要修改；列名带 * 的列必须保留，其余列可删除或调换顺序。",
    "2. 合格样品填一行。不合格样品每个不合格项目填一行（不合格项目、标准要求、实测值、单项判定）；"
    "同一样品的后续行可重复填写或留空抽样单编号以外的各列（也可合并单元格），但不得填写不一致的内容。",
    "3. 检验结论：合格 / 不合格（也接受 符合 / 不符合）。单项判定空白视为 不合格；判定为合格的项目不导入。",
    "4. 报告日期写成 2023-04-20、2023/4/20 或 2023年4月20日，或使用 Excel 日期格式。",
    "5. 抽样单编号、报告编号请保持“文本”格式，避免 Excel 改成科学计数法或去掉前导 0。",
    "6. 检验报告文件：填写检验报告 PDF 的文件名（如 JC2023DX0002.pdf），并把 PDF 与本表一同上传。",
    "7. 第2—4行是示例，导入前请删除。也可另存为 CSV（UTF-8 或 GBK 编码均可）。",
    "8. 导入时检查全部内容；有错误时按“第N行 〔列名〕 问题”逐条列出，整表不导入。",
]


def build_result_template() -> bytes:
    """The result import template: 检验结果 (headers, example rows, dropdown) and 填写说明."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    from archive.sheettemplate import help_sheet

    wb = Workbook()
    ws = wb.active
    ws.title = RESULTS_SHEET
    ws.append([c.header + ("*" if c.required else "") for c in RESULT_COLUMNS])
    for row in _EXAMPLE:
        ws.append(row)
    grey = Font(italic=True, color="808080")
    for i, column in enumerate(RESULT_COLUMNS, start=1):
        head = ws.cell(row=1, column=i)
        head.font = Font(bold=True)
        head.fill = PatternFill("solid", fgColor="FCE4D6" if column.required else "DDEBF7")
        head.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        if hint := _RESULT_HINTS.get(column.path):
            head.comment = Comment(hint, "模板")
        dim = ws.column_dimensions[get_column_letter(i)]
        shown = [f"{v:%Y-%m-%d}" if isinstance(v, datetime) else str(v or "")
                 for v in (row[i - 1] for row in _EXAMPLE)]
        dim.width = max(12, text_width(head.value) + 4, *(text_width(t) + 2 for t in shown))
        fmt = {"sample_no": "@", "report_no": "@", "report_date": "yyyy-mm-dd"}.get(column.path)
        if fmt:
            dim.number_format = fmt
        for r in range(2, 2 + len(_EXAMPLE)):
            cell = ws.cell(row=r, column=i)
            cell.font = grey
            if isinstance(cell.value, str):
                put_text(cell, cell.value)
            if fmt:
                cell.number_format = fmt
    ws.freeze_panes = "B2"
    letter = get_column_letter(
        next(i for i, c in enumerate(RESULT_COLUMNS, 1) if c.path == "conclusion"))
    dv = DataValidation(type="list", formula1='"' + ",".join(CONCLUSIONS) + '"', allow_blank=True,
                        showErrorMessage=True, errorTitle="检验结论", error="请从列表中选择：合格/不合格")
    ws.add_data_validation(dv)
    dv.add(f"{letter}2:{letter}1048576")

    help_sheet(wb, _RESULT_HELP)
    wb.properties.creator = "spotcheck"
    wb.properties.title = "检验结果导入模板"
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def write_result_template(path: Path = TEMPLATE) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(build_result_template())


if __name__ == "__main__":  # python -m archive.labsheets: rebuild the committed template
    write_result_template(TEMPLATE)
    print(TEMPLATE)
