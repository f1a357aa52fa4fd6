"""Lab results of a task: entering one sample's result with its report PDF, importing the
lab's sheet with the reports uploaded alongside, and opening a report."""
from __future__ import annotations

import re
from io import BytesIO
from pathlib import Path

from flask import (Blueprint, abort, flash, redirect, render_template, request,
                   send_file, url_for)
from flask_login import current_user
from flask_wtf import FlaskForm

from archive.labsheets import TEMPLATE
from archive.models import Sampling
from archive.results import ResultError, result_form_values
from archive.spreadsheet import SheetError
from docgen.records import CONCLUSIONS
from webapp import archive, read_upload, sampling_or_404, saved_upload
from webapp.auth import roles_required

bp = Blueprint("results", __name__)
ENTRY_ROLES = ("clerk", "records")
SHEET_TYPES = ("xlsx", "csv", "json")
ITEM_KEYS = ("item", "requirement", "measured", "verdict")
MIN_ITEM_ROWS = 5  # blank rows to type into without JavaScript
# where each part of a result sits on the form, for the messages above it
WHERE = {"conclusion": "检验结论", "report_no": "报告编号", "report_date": "报告日期",
         "items": "不合格项目", "remarks": "备注", "lab_report": "检验报告",
         "correction.reason": "更正原因"}
ITEM_WHERE = {"item": "检验项目", "requirement": "标准要求", "measured": "实测值", "verdict": "单项判定"}


def _typed_result() -> dict:
    """The result as typed: the item rows in order, rows left entirely empty dropped."""
    f = request.form
    columns = [f.getlist(k) for k in ITEM_KEYS]
    items = [dict(zip(ITEM_KEYS, (v.strip() for v in row))) for row in zip(*columns)]
    items = [i for i in items if i["item"] or i["requirement"] or i["measured"]]
    return {"conclusion": f.get("conclusion", ""), "report_no": f.get("report_no", "").strip(),
            "report_date": f.get("report_date", "").strip(), "items": items,
            "remarks": f.get("remarks", "").strip()}


def field_errors(problems) -> tuple[dict[str, list[str]], list[str]]:
    """Each problem at its input ('result.items[2].measured' → 'items[2].measured'), and a
    summary line per problem saying where it is."""
    at: dict[str, list[str]] = {}
    summary = []
    for p in problems:
        key = p.field.removeprefix("result.")
        at.setdefault(key, []).append(p.message)
        if m := re.fullmatch(r"items\[(\d+)\]\.(\w+)", key):
            where = f"不合格项目第 {m[1]} 行{ITEM_WHERE.get(m[2], m[2])}"
        else:
            where = WHERE.get(key, p.field)
        summary.append(p.message if p.message.startswith(where) else f"{where}：{p.message}")
    return at, summary


def _form_page(row: Sampling, values: dict, errors=None, summary=(), status: int = 200,
               report_lost: bool = False):
    rows = max(MIN_ITEM_ROWS, len(values.get("items") or []) + 2)
    items = list(values.get("items") or []) + [{}] * rows
    return render_template("results/sample.html", row=row, values=values, items=items[:rows],
                           errors=errors or {}, summary=summary, form=FlaskForm(),
                           conclusions=CONCLUSIONS, report_lost=report_lost,
                           max_mb=archive().settings.lab_report_max_bytes // 1048576), status


@bp.route("/results")
@roles_required(*ENTRY_ROLES)
def index():
    counts: dict[str, dict[str, int]] = {}
    for r in archive().mailings.board().rows:
        c = counts.setdefault(r.task, {"sampled": 0, "results": 0, "signed": 0})
        c["sampled"] += 1
        c["results"] += r.state != "no_result"
        c["signed"] += r.signed_on is not None
    return render_template("results/index.html", tasks=archive().tasks(), counts=counts)


def _task_page(code: str, problems=(), status: int = 200):
    task, rows = archive().task_detail(code)
    sampled = [r for r, _ in rows if r.outcome == "sampled"]
    return render_template("results/task.html", task=task, rows=sampled,
                           others=len(rows) - len(sampled), form=FlaskForm(), problems=problems,
                           template=TEMPLATE.exists()), status


@bp.route("/tasks/<code>/results")
@roles_required(*ENTRY_ROLES)
def task(code: str):
    return _task_page(code)


@bp.route("/samplings/<sample_no>/result", methods=["GET", "POST"])
@roles_required(*ENTRY_ROLES)
def sample(sample_no: str):
    row = sampling_or_404(sample_no)
    if request.method == "GET":
        return _form_page(row, result_form_values(row) if row.result else {})
    if not FlaskForm().validate_on_submit():
        abort(400)
    values = _typed_result()
    report, name = read_upload("lab_report", archive().settings.lab_report_max_bytes)
    try:
        archive().results.enter(sample_no, values, actor=current_user.username, report=report,
                                report_name=name, reason=request.form.get("correction.reason", ""))
    except ResultError as exc:
        return _form_page(row, values, *field_errors(exc.problems), status=400,
                          report_lost=report is not None)
    flash(f"已保存 {sample_no} 的检验结果（{values['conclusion']}）"
          + ("，更正已记录。" if row.result else "。"), "ok")
    return redirect(url_for("results.task", code=row.task.code) + f"#row-{sample_no}")


@bp.route("/samplings/<sample_no>/report.pdf")
@roles_required(*ENTRY_ROLES, "mailing")
def report(sample_no: str):
    try:
        name, data = archive().results.report_pdf(sample_no)
    except ResultError as exc:
        return render_template("error.html", message=exc.problems[0].message), 404
    with archive().session() as s:
        archive().audit(s, current_user.username, "view", f"{sample_no} 检验报告")
    return send_file(BytesIO(data), mimetype="application/pdf", download_name=name, max_age=0)


@bp.route("/tasks/<code>/results/import", methods=["POST"])
@roles_required(*ENTRY_ROLES)
def upload(code: str):
    archive().task_detail(code)  # 404 for an unknown task
    if not FlaskForm().validate_on_submit():
        abort(400)
    limit = archive().settings.lab_report_max_bytes + 1
    reports = {Path(f.filename.replace("\\", "/")).name: f.read(limit)
               for f in request.files.getlist("reports") if f.filename}
    with saved_upload("sheet", SHEET_TYPES) as path:
        if path is None:
            return _task_page(code, [(None, "文件", "请选择检验结果表（.xlsx、.csv）或结果文件（.json）")],
                              400)
        try:
            done = archive().results.import_file(path, actor=current_user.username,
                                                 reports=reports)
        except SheetError as exc:
            return _task_page(code, [(p.row, p.column, p.message) for p in exc.problems], 400)
    flash(f"已导入 {len(done.entered)} 个样品的检验结果（检验报告 {done.reports} 份）。", "ok")
    return redirect(url_for("results.task", code=code))


@bp.route("/results/template.xlsx")
@roles_required(*ENTRY_ROLES)
def template():
    if not TEMPLATE.exists():
        abort(404)
    return send_file(TEMPLATE, as_attachment=True, download_name="检验结果导入模板.xlsx")
