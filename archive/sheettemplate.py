"""The sampling-record import template (抽样记录导入模板.xlsx): 任务信息, 抽样记录 with one example
row taken from the Jincheng demo trip, 填写说明. `python -m archive.sheettemplate` rebuilds it."""
from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable

from archive.tripcolumns import (COLUMNS, DATE_PATHS, DATETIME_PATHS, HELP_SHEET, INT_PATHS,
                                 MONEY_PATHS, OUTCOME_WORDS, SAMPLINGS_SHEET, TASK_FIELDS,
                                 TASK_SHEET, TEMPLATE)
from docgen.records import NO_SAMPLE_REASONS, ROLES
from docgen.xlsxtext import put_text, text_width

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
        elif column.path in MONEY_PATHS:
            value = Decimal(value)
        elif column.path in DATETIME_PATHS:
            value = datetime.fromisoformat(value)
        elif column.path in DATE_PATHS:
            value = datetime.combine(date.fromisoformat(value), time())
        elif column.path == "photos":
            value = "; ".join(f"{p['file']}|{p['caption']}" if p.get("caption") else p["file"]
                              for p in value)
        elif column.path == "refusal.witnesses":
            value = "、".join(f"{w['name']}（{w['unit']}）" if w.get("unit") else w["name"]
                             for w in value)
        out[column.path] = value
    return out


def help_sheet(wb, lines: list[str]) -> None:
    """A template's 填写说明 sheet: a title line, then one wrapped line per rule."""
    from openpyxl.styles import Alignment, Font

    sheet = wb.create_sheet(HELP_SHEET)
    for line in lines:
        sheet.append([line])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.column_dimensions["A"].width = 110
    for row in sheet.iter_rows(min_row=2):
        row[0].alignment = Alignment(wrap_text=True, vertical="top")


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
        dim.width = min(40, max(10, text_width(head.value) + 4,
                                text_width(str(cells.get(column.path, ""))) * 0.8))
        example_cell = ws.cell(row=2, column=i)
        example_cell.font = grey
        if isinstance(example_cell.value, str):
            put_text(example_cell, example_cell.value)
        if column.path in MONEY_PATHS:
            dim.number_format = example_cell.number_format = "0.00"
        elif column.path in DATETIME_PATHS:
            dim.number_format = example_cell.number_format = "yyyy-mm-dd hh:mm"
        elif column.path in DATE_PATHS:
            dim.number_format = example_cell.number_format = "yyyy-mm-dd"
        elif column.path in INT_PATHS:
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

    help_sheet(wb, _HELP)

    wb.active = wb.index(ws)
    wb.properties.creator = "spotcheck"
    wb.properties.title = "抽样记录导入模板"
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)


if __name__ == "__main__":  # python -m archive.sheettemplate: rebuild the committed template
    write_template(TEMPLATE)
    print(TEMPLATE)
