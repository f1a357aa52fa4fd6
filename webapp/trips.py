"""The clerk's trips: tasks and their samplings, importing trip files and spreadsheets by
upload, generating packets in the background, downloading what to print."""
from __future__ import annotations

import os
import tempfile
from io import BytesIO
from pathlib import Path

from flask import (Blueprint, abort, current_app, flash, jsonify, redirect, render_template,
                   request, send_file, url_for)
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import StringField
from wtforms.validators import Length

from archive.firms import LABELS as FIRM_LABELS
from archive.planning import (FIRM_FIELDS, TASK_FIELDS, RegisterQuestion, add_firm, create_task,
                              firm_fields, registers, search_firms)
from archive.service import ArchiveError
from archive.store import display_name
from archive.spreadsheet import TEMPLATE, SheetError
from archive.uploads import ZipRefused, unpack_trip_zip
from docgen.fields import field_label
from docgen.loading import TripError
from webapp import archive
from webapp.auth import roles_required

bp = Blueprint("trips", __name__)
UPLOAD_TYPES = ("json", "xlsx", "csv", "zip")


class ImportForm(FlaskForm):
    file = FileField("行程文件或抽样记录表", validators=[
        FileRequired("请选择文件"),
        FileAllowed(UPLOAD_TYPES, "只接受 .json、.xlsx、.csv，或含行程文件和照片的 .zip")])
    task = StringField("任务编号（仅 CSV 需要）", validators=[Length(max=50)])


def runner():
    return current_app.extensions["jobs"]


def _unpack(upload, folder: Path) -> Path:
    """Save the upload under a fixed name; of a ZIP, only the trip file and what it names."""
    ext = upload.filename.rsplit(".", 1)[-1].lower()
    if ext == "zip":
        return unpack_trip_zip(upload.stream, folder, archive().settings)
    target = folder / f"upload.{ext}"
    upload.save(target)
    return target


@bp.route("/tasks")
@roles_required("clerk")
def tasks():
    return render_template("trips/tasks.html", tasks=archive().tasks(), form=ImportForm())


@bp.route("/imports", methods=["POST"])
@roles_required("clerk")
def upload():
    form = ImportForm()
    problems = []
    if form.validate_on_submit():
        with tempfile.TemporaryDirectory() as tmp:
            try:
                path = _unpack(form.file.data, Path(tmp))
                report = archive().import_file(path, actor=current_user.username,
                                               task_code=(form.task.data or "").strip() or None)
                flash(f"已导入：新增 {len(report.created)} 条，更新 {len(report.updated)} 条，"
                      f"未变 {len(report.unchanged)} 条抽样记录，照片 {report.photos} 张。", "ok")
                if not report.register_differences:
                    return redirect(url_for("trips.tasks"))
                return render_template("trips/tasks.html", tasks=archive().tasks(),
                                       form=ImportForm(), firm_labels=FIRM_LABELS,
                                       differences=report.register_differences,
                                       source=display_name(form.file.data.filename, "文件"))
            except TripError as exc:
                problems = [str(p) for p in exc.problems]
            except SheetError as exc:
                problems = exc.report().splitlines()[1:] or [exc.report()]
            except (ZipRefused, ArchiveError) as exc:  # a bad ZIP; an unknown task code
                problems = [str(exc)]
        # Files are named as in the upload (photos/a.jpg), never by the server's temporary folder.
        problems = [p.replace(str(Path(tmp)) + os.sep, "") for p in problems]
    else:
        problems = [e for errors in form.errors.values() for e in errors]
    return render_template("trips/tasks.html", tasks=archive().tasks(), form=form,
                           problems=problems), 400


@bp.route("/imports/template.xlsx")
@roles_required("clerk")
def template():
    return send_file(TEMPLATE, as_attachment=True, download_name="抽样记录导入模板.xlsx")


@bp.route("/tasks/<code>")
@roles_required("clerk")
def task(code: str):
    task, rows = archive().task_detail(code)
    return render_template("trips/task.html", task=task, rows=rows, form=FlaskForm())


@bp.route("/tasks/<code>/generate", methods=["POST"])
@roles_required("clerk")
def generate(code: str):
    form = FlaskForm()
    if not form.validate_on_submit():
        abort(400)
    blank = request.form.get("blank") == "1"
    archive().task_detail(code)  # 404 for an unknown task before queuing anything
    job_id = runner().submit_generate(task_code=code, blank=blank, actor=current_user.username)
    return redirect(url_for("trips.job", job_id=job_id))


@bp.route("/tasks/<code>/packet.<fmt>")
@roles_required("clerk")
def packet(code: str, fmt: str):
    if fmt not in ("pdf", "zip"):
        abort(404)
    blank = request.args.get("blank") == "1"
    data = archive().task_bundle(code, blank=blank, fmt="pdf" if fmt == "pdf" else "docx")
    with archive().session() as s:
        archive().audit(s, current_user.username, "download", f"{code} packet.{fmt}", blank=blank)
    kind = "空白" if blank else ""
    return send_file(BytesIO(data), as_attachment=True,
                     mimetype="application/pdf" if fmt == "pdf" else "application/zip",
                     download_name=f"{code}-{kind}文书.{'pdf' if fmt == 'pdf' else 'zip'}")


@bp.route("/jobs/<int:job_id>")
@roles_required("clerk")
def job(job_id: int):
    job = runner().job(job_id)
    if job is None or job.kind != "generate":  # a result-packet job has its own page
        abort(404)
    return render_template("trips/job.html", job=job, form=FlaskForm())


@bp.route("/jobs/<int:job_id>.json")
@roles_required("clerk")
def job_status(job_id: int):
    job = runner().job(job_id) or abort(404)
    return jsonify(job.to_json())


@bp.route("/jobs/<int:job_id>/continue", methods=["POST"])
@roles_required("clerk")
def continue_job(job_id: int):
    """继续 an interrupted generation: the rest of its firms, as a new job."""
    if not FlaskForm().validate_on_submit():
        abort(400)
    job = runner().job(job_id)
    if job is None or job.kind != "generate":
        abort(404)
    return redirect(url_for("trips.job", job_id=runner().resume(job_id,
                                                                actor=current_user.username)))


# -- planning a trip ------------------------------------------------------------------------
@bp.route("/tasks/new", methods=["GET", "POST"])
@roles_required("clerk")
def new_task():
    form, problems = FlaskForm(), []
    values = {k: request.form.get(k, "") for k in (*TASK_FIELDS, "trip_date", "agency_id",
                                                   "institution_id", "new_samplers")}
    chosen = request.form.getlist("sampler_id")
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        try:
            code = create_task(archive(), values, chosen, values["new_samplers"],
                               actor=current_user.username)
            flash(f"已创建任务 {code}。下一步：添加受检单位。", "ok")
            return redirect(url_for("trips.firms", code=code))
        except TripError as exc:
            problems = [str(p) for p in exc.problems]
        except ArchiveError as exc:
            problems = [str(exc)]
    return render_template("trips/new_task.html", form=form, values=values, chosen=chosen,
                           problems=problems, reg=registers(archive())), 400 if problems else 200


@bp.route("/tasks/<code>/firms", methods=["GET", "POST"])
@roles_required("clerk")
def firms(code: str):
    task, rows = archive().task_detail(code)
    form, problems, question = FlaskForm(), [], None
    values = {k: request.form.get(k, "") for k in FIRM_FIELDS}
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        firm_id = request.form.get("firm_id", "")
        firm = firm_fields(archive(), int(firm_id)) if firm_id.isdigit() else values
        answer = {"update": True, "keep": False}.get(request.form.get("register", ""))
        try:
            number = add_firm(archive(), code, firm, actor=current_user.username,
                              update_register=answer)
            flash(f"已添加 {firm['name']}，抽样单编号 {number}。"
                  + ("企业名录已按所填信息更新（变更记入名录历史）。" if answer else ""), "ok")
            return redirect(url_for("trips.firms", code=code))
        except RegisterQuestion as exc:
            question = exc.difference
        except TripError as exc:
            problems = [f"{field_label(p.field)}：{p.message}" for p in exc.problems]
    q = request.args.get("q", "").strip()[:100]
    return render_template("trips/firms.html", task=task, rows=rows, form=form, q=q,
                           found=search_firms(archive(), q) if q else [], values=values,
                           problems=problems, question=question,
                           labels=FIRM_LABELS), 400 if problems else 200
