"""Result documents of a task: the result packets (generated in the background, then the
batch PDF, label sheets and each firm's files to download) and the result lists."""
from __future__ import annotations

from flask import (Blueprint, abort, current_app, flash, jsonify, redirect, render_template,
                   request, url_for)
from flask_login import current_user
from flask_wtf import FlaskForm

from archive.resultdocs import KEPT_BATCH_FORMS as BATCH_FORMS, ResultDocsError
from docgen.lists import LISTS
from docgen.results import MAILERS
from webapp import archive
from webapp.auth import roles_required

bp = Blueprint("resultdocs", __name__)
PACKET_ROLES = ("clerk", "mailing", "records")
LIST_ROLES = ("clerk", "records")
MAILER_NAMES = {"envelope": "信封（每户一个）", "labels": "地址标签（A4 标签纸）", "none": "不打印（手写面单）"}
FIRM_FORMS = ("result_packet", "result_notice", "service_receipt", "envelope")
assert set(MAILER_NAMES) == set(MAILERS)


def runner():
    return current_app.extensions["jobs"]


@bp.route("/tasks/<code>/packets", methods=["GET", "POST"])
@roles_required(*PACKET_ROLES)
def packets(code: str):
    task, rows = archive().task_detail(code)
    ready = {r.sample_no for r, _ in rows if r.result and r.lab_report_sha256}
    if request.method == "POST":
        if not FlaskForm().validate_on_submit():
            abort(400)
        chosen = [n for n in request.form.getlist("sample_no") if n in ready]
        mailer = request.form.get("mailer", "envelope")
        if mailer not in MAILERS:
            abort(400)
        if chosen:
            job_id = runner().submit_results(task_code=code, sample_nos=chosen, mailer=mailer,
                                             actor=current_user.username)
            return redirect(url_for("resultdocs.job", job_id=job_id))
        flash("请至少选择一个已录入检验结果并上传检验报告的样品。", "error")
    batch = [d for d in archive().result_docs.task_documents(code) if d.form in BATCH_FORMS]
    return render_template("results/packets.html", task=task,
                           rows=[r for r, _ in rows if r.outcome == "sampled"], ready=ready,
                           mailers=MAILER_NAMES, batch=batch, firm_docs=archive().result_docs.firm_documents(code, FIRM_FORMS),
                           form=FlaskForm())


def _job(job_id: int):
    job = runner().job(job_id)
    if job is None or job.kind != "results":
        abort(404)
    return job


@bp.route("/results/jobs/<int:job_id>")
@roles_required(*PACKET_ROLES)
def job(job_id: int):
    job = _job(job_id)
    batch = (archive().result_docs.documents(job.params.get("batch", []))
             if job.state == "done" else [])
    return render_template("results/job.html", job=job, batch=batch, form=FlaskForm(),
                           mailer=MAILER_NAMES.get(job.params.get("mailer"), ""))


@bp.route("/results/jobs/<int:job_id>.json")
@roles_required(*PACKET_ROLES)
def job_status(job_id: int):
    return jsonify(_job(job_id).to_json())


@bp.route("/results/jobs/<int:job_id>/continue", methods=["POST"])
@roles_required(*PACKET_ROLES)
def continue_job(job_id: int):
    """继续 interrupted result packets: the firms not yet archived, then the batch files."""
    if not FlaskForm().validate_on_submit():
        abort(400)
    _job(job_id)
    return redirect(url_for("resultdocs.job", job_id=runner().resume(
        job_id, actor=current_user.username)))


@bp.route("/tasks/<code>/lists", methods=["GET", "POST"])
@roles_required(*LIST_ROLES)
def lists(code: str):
    task, _ = archive().task_detail(code)
    if request.method == "POST":
        if not FlaskForm().validate_on_submit():
            abort(400)
        try:
            ids = archive().result_docs.generate_lists(code, actor=current_user.username)
            flash(f"已生成并归档 {len(ids)} 个名单文件。", "ok")
        except ResultDocsError as exc:
            flash("；".join(p.message for p in exc.problems), "error")
        return redirect(url_for("resultdocs.lists", code=code))
    docs = {(d.form, d.format): d for d in archive().result_docs.task_documents(code)}
    return render_template("results/lists.html", task=task, lists=LISTS, docs=docs,
                           form=FlaskForm())
