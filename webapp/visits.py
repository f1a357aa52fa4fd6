"""Recording a visit: the sampling record form, evidence photos, and archiving the filled forms."""
from __future__ import annotations

from io import BytesIO

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from archive.models import Photo
from archive.service import ArchiveError
from archive.visits import (VISIT_FIELDS, VisitProblems, add_photo, current_values, record_visit,
                            visit_state)
from docgen.fields import field_label
from docgen.records import NO_SAMPLE_REASONS
from webapp import archive, sampling_or_404
from webapp.auth import roles_required

bp = Blueprint("visits", __name__)
PHOTO_TYPES = ("jpg", "jpeg", "png")
MAX_PHOTO_BYTES = 30 * 1024 * 1024


LABELS = {path: label for path, label, _ in VISIT_FIELDS} | {"correction.reason": "更正原因"}


def _page(row, values, problems=None, status=200, reason=""):
    locked, history = visit_state(archive(), row.sample_no)
    return render_template("trips/visit.html", row=row, fields=VISIT_FIELDS, values=values,
                           problems=problems or VisitProblems({}, []), form=FlaskForm(),
                           reasons=NO_SAMPLE_REASONS, labels=LABELS, locked=locked,
                           corrections=history, reason=reason, change_label=field_label), status


@bp.route("/samplings/<sample_no>", methods=["GET", "POST"])
@roles_required("clerk")
def visit(sample_no: str):
    row = sampling_or_404(sample_no)
    form = FlaskForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        reason = request.form.get("correction.reason", "")
        values = {path: request.form.get(path, "") for path, _, _ in VISIT_FIELDS}
        try:
            saved = record_visit(archive(), sample_no, request.form, actor=current_user.username,
                                 reason=reason)
        except VisitProblems as problems:
            return _page(row, values, problems, 400, reason)
        _flash_saved(saved)
        return redirect(url_for("visits.visit", sample_no=sample_no))
    return _page(row, current_values(row))


def _flash_saved(saved) -> None:
    if not saved.changes:
        flash("没有改动，未保存新内容。", "ok")
    elif saved.correction_id:
        flash(f"更正已记录（{len(saved.changes)} 项），已生成 {saved.documents} 个新版本文书。", "ok")
        if saved.regenerate_error:
            flash(f"更正已保存，但重新生成文书失败：{saved.regenerate_error}", "error")
    else:
        flash("抽样记录已保存。", "ok")
    for d in saved.register_differences:
        flash(f"标称生产者 {d.name}（{d.credit_code}）的信息与企业名录不同：{d.describe()}。"
              "抽样记录按所填保存；企业名录可在该企业页面更新。", "info")


@bp.route("/samplings/<sample_no>/photos", methods=["POST"])
@roles_required("clerk")
def photos(sample_no: str):
    sampling_or_404(sample_no)
    if not FlaskForm().validate_on_submit():
        abort(400)
    upload = request.files.get("photo")
    if upload is None or not upload.filename:
        flash("请选择照片文件。", "error")
    elif upload.filename.rsplit(".", 1)[-1].lower() not in PHOTO_TYPES:
        flash("只接受 JPEG 或 PNG 照片。", "error")
    else:
        data = upload.read(MAX_PHOTO_BYTES + 1)
        try:
            if len(data) > MAX_PHOTO_BYTES:
                raise ArchiveError("照片文件过大（上限 30 MB）")
            add_photo(archive(), sample_no, data, upload.filename, request.form.get("caption", ""),
                      actor=current_user.username)
            flash("照片已保存（原件按原样保存）。", "ok")
        except ArchiveError as exc:
            flash(f"照片未保存：{exc}", "error")
    return redirect(url_for("visits.visit", sample_no=sample_no) + "#photos")


@bp.route("/photos/<int:photo_id>/thumb")
@roles_required("clerk", "records")
def thumb(photo_id: int):
    with archive().session() as s:
        photo = s.get(Photo, photo_id) or abort(404)
        sha = photo.print_sha256
    return send_file(BytesIO(archive().store.read(sha)), mimetype="image/jpeg", max_age=3600)


@bp.route("/samplings/<sample_no>/generate", methods=["POST"])
@roles_required("clerk")
def generate(sample_no: str):
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        report = archive().generate(sample_no=sample_no, actor=current_user.username, jobs=1)
        same = f"，{report.unchanged} 个与已归档版本相同（未新增版本）" if report.unchanged else ""
        flash(f"已生成并归档 {report.documents} 个新文件{same}。", "ok")
    except ArchiveError as exc:
        flash(str(exc), "error")
    return redirect(url_for("visits.visit", sample_no=sample_no) + "#documents")
