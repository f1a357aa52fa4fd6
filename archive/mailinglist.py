"""大宗邮件交寄清单: the post office's mailing list for a batch of result letters, written as a
printable workbook whose every cell is text (EMS numbers, postal codes, phones keep their
digits; nothing runs as a formula)."""
from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO

from docgen.xlsxtext import put_text, text_width


@dataclass(frozen=True)
class MailingRow:
    ems_no: str
    recipient: str  # the firm's name
    address: str
    postal_code: str
    contact: str
    phone: str
    contents: str  # 内件品名, e.g. 检验结果通知书、检验报告（编号…）
    sample_no: str
    note: str = ""


MAILING_HEADERS = ("序号", "邮件号码", "收件单位", "收件地址", "邮政编码", "联系人", "联系电话",
                   "内件品名", "抽样单编号", "备注")
_MAX_WIDTH = {"收件地址": 40, "内件品名": 36, "收件单位": 30}


def mailing_list_xlsx(rows: list[MailingRow], *, title: str, sender: str) -> bytes:
    """大宗邮件交寄清单 for the post-office counter: A4 landscape, one page wide, header repeated."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "交寄清单"
    n = len(MAILING_HEADERS)
    last = get_column_letter(n)
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="center")
    center = Alignment(wrap_text=True, vertical="center", horizontal="center")

    ws.merge_cells(f"A1:{last}1")
    put_text(ws["A1"], title, text_format=True)
    ws["A1"].font, ws["A1"].alignment = Font(bold=True, size=16), center
    ws.row_dimensions[1].height = 30
    ws.merge_cells(f"A2:{last}2")
    put_text(ws["A2"], f"寄件人：{sender}", text_format=True)
    for i, header in enumerate(MAILING_HEADERS, start=1):
        cell = ws.cell(row=3, column=i, value=header)
        cell.font, cell.alignment, cell.border = Font(bold=True), center, border
        cell.fill = PatternFill("solid", fgColor="DDEBF7")

    widths = [text_width(h) + 2 for h in MAILING_HEADERS]
    for r, row in enumerate(rows, start=4):
        texts = [row.ems_no, row.recipient, row.address, row.postal_code, row.contact, row.phone,
                 row.contents, row.sample_no, row.note]
        number = ws.cell(row=r, column=1, value=r - 3)
        number.alignment, number.border = center, border
        for i, text in enumerate(texts, start=2):
            cell = ws.cell(row=r, column=i)
            put_text(cell, text or "", text_format=True)
            cell.alignment, cell.border = wrap, border
            widths[i - 1] = max(widths[i - 1], max((text_width(t) for t in (text or "").split("\n")),
                                                   default=0) + 2)
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = min(width, _MAX_WIDTH.get(
            MAILING_HEADERS[i - 1], 24))

    total = 4 + len(rows)
    ws.merge_cells(f"A{total}:{last}{total}")
    put_text(ws.cell(row=total, column=1), f"共 {len(rows)} 件", text_format=True)
    ws.cell(row=total, column=1).font = Font(bold=True)
    ws.cell(row=total + 2, column=1, value="交寄人（签字）：")
    ws.cell(row=total + 2, column=5, value="收寄人员（签字）：")
    ws.cell(row=total + 2, column=8, value="交寄日期：")

    ws.freeze_panes = "A4"  # under the header
    ws.print_title_rows = "3:3"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0  # 0: as many pages as needed
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
