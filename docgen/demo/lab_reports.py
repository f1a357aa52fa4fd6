"""Builds the demo lab reports in reports/ (stand-ins for the PDFs a lab sends):
`python -m docgen.demo.lab_reports`."""
from __future__ import annotations

import json
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from docgen.fonts import load_fonts
from docgen.settings import Settings

HERE = Path(__file__).resolve().parent


def build() -> list[Path]:
    fonts = load_fonts(Settings())
    trip = json.loads((HERE / "trip-jincheng-cable.json").read_text(encoding="utf-8"))
    results = json.loads((HERE / "results-jincheng-cable.json").read_text(encoding="utf-8"))
    by_no = {s["sample_no"]: s for s in trip["samplings"]}
    out = []
    for sample_no, r in results.items():
        s = by_no[sample_no]
        path = HERE / r["lab_report"]
        c = Canvas(str(path), pagesize=A4, invariant=1, initialFontName=fonts.song.name)
        c.setTitle(f"检验报告 {r['report_no']}")
        w, h = A4
        c.setFont(fonts.hei.name, 26)
        c.drawCentredString(w / 2, h - 60 * mm, "检 验 报 告")
        c.setFont(fonts.song.name, 13)
        lines = [("报告编号", r["report_no"]), ("产品名称", s["product"]["name"]),
                 ("规格型号", s["product"]["model"]), ("受检单位", s["enterprise"]["name"]),
                 ("检验类别", "监督抽查"), ("检验结论", r["conclusion"]),
                 ("签发日期", r["report_date"])]
        y = h - 95 * mm
        for label, value in lines:
            c.drawString(40 * mm, y, f"{label}：{value}")
            y -= 12 * mm
        c.drawCentredString(w / 2, 40 * mm, trip["institution"]["name"])
        c.showPage()
        c.setFont(fonts.hei.name, 16)
        c.drawCentredString(w / 2, h - 30 * mm, "检验结果")
        c.setFont(fonts.song.name, 11)
        y = h - 45 * mm
        for item in r.get("items", []) or [{"item": "所检项目", "requirement": "符合标准要求",
                                             "measured": "符合", "verdict": "合格"}]:
            c.drawString(25 * mm, y, f"{item['item']}　要求：{item['requirement']}　"
                                     f"实测：{item['measured']}　判定：{item['verdict']}")
            y -= 9 * mm
        c.showPage()
        c.save()
        out.append(path)
    return out


if __name__ == "__main__":
    for p in build():
        print(p)
