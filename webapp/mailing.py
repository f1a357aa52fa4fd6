"""The mailing clerk's desk: EMS numbers typed or scanned row by row, the EMS sheet, the post
office's list, signed-for dates with the tracking printout, returns and 复检申请."""
from __future__ import annotations

from datetime import date
from io import BytesIO

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from archive.mailing import OBJECTION_STATES, TRACKING_TYPES, MailingError
from archive.spreadsheet import SheetError
from webapp import archive, read_upload, sampling_or_404, saved_upload
from webapp.auth import roles_required

bp = Blueprint("mailing", __name__)
SHEET_TYPES = ("xlsx", "csv")


class BadDate(ValueError):
    def __init__(self, field: str):
        self.field = field
        super().__init__("日期格式应为 YYYY-MM-DD")


def day(raw: str | None, field: str, *, required: bool = False) -> date | None:
    raw = (raw or "").strip()
    if not raw:
        if required:
            raise BadDate(field)
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise BadDate(field) from None


def _errors(exc: Exception) -> dict[str, str]:
    if isinstance(exc, BadDate):
        return {exc.field: str(exc)}
    return {p.field: p.message for p in exc.problems}


def _back(code: str, **args) -> str:
    """The list page a form came from: a task's, or the one across all tasks."""
    return url_for("mailing.task", code=code, **args) if code else url_for("mailing.all", **args)


def _list_page(code: str | None, *, errors=None, values=None, problems=(), status=200):
    try:
        board = archive().mailings.board(task_code=code or None)
    except MailingError:
        abort(404)
    rows = [r for r in board.rows if r.state != "no_result"]
    after = request.args.get("after", "")
    waiting = [r.sample_no for r in rows if r.state == "to_send"]
    later = [n for n in waiting if n > after] if after else waiting
    errors, values = errors or {}, values or {}
    focus = values.get("sample_no") if errors else (later or waiting or [None])[0]
    try:
        posted = day(request.args.get("posted"), "posted_on") or date.today()
    except BadDate:
        posted = date.today()
    return render_template("mailing/list.html", code=code or "", rows=rows, focus=focus,
                           pending=len(board.rows) - len(rows), posted=posted, errors=errors,
                           values=values, problems=problems, form=FlaskForm(),
                           tasks=archive().tasks(), today=date.today()), status


@bp.route("/mailing", endpoint="all")
@roles_required("mailing")
def all_tasks():
    return _list_page(None)


@bp.route("/tasks/<code>/mailing")
@roles_required("mailing")
def task(code: str):
    return _list_page(code)


def _checked_post() -> str:
    if not FlaskForm().validate_on_submit():
        abort(400)
    return request.form.get("task", "")


@bp.route("/mailing/ems", methods=["POST"])
@roles_required("mailing")
def ems():
    code, f = _checked_post(), request.form
    sample_no = f.get("sample_no", "")
    try:
        posted = day(f.get("posted_on"), "posted_on")
        mail = archive().mailings.record_ems(sample_no, f.get("ems_no", ""), posted_on=posted,
                                             actor=current_user.username)
    except (BadDate, MailingError) as exc:
        return _list_page(code, errors=_errors(exc), values=f, status=400)
    flash(f"{sample_no}：已登记 EMS {mail.ems_no}。", "ok")
    return redirect(_back(code, after=sample_no, posted=mail.posted_on.isoformat()))


def _record_signed(key: str):
    f, st = request.form, archive().settings
    # read up to the larger limit; the service holds a PDF to the report's, a photo to the photo's
    data, name = read_upload("tracking", max(st.lab_report_max_bytes, st.photo_max_bytes))
    return archive().mailings.record_signed(
        key, day(f.get("signed_on"), "signed_on", required=True), signed_by=f.get("signed_by", ""),
        actor=current_user.username, tracking=data, tracking_name=name)


@bp.route("/mailing/signed", methods=["POST"])
@roles_required("mailing")
def signed():
    """Signed for, found by the EMS number (scanned from the returned receipt) or sample number."""
    code = _checked_post()
    try:
        mail = _record_signed(request.form.get("key", ""))
    except (BadDate, MailingError) as exc:
        return _list_page(code, errors={f"signed.{k}": v for k, v in _errors(exc).items()},
                          values=request.form, status=400)
    flash(f"EMS {mail.ems_no}：已登记 {mail.signed_on} 由 {mail.signed_by} 签收，"
          f"异议期至 {archive().mailings.window_end(mail.signed_on)}。", "ok")
    return redirect(_back(code))


@bp.route("/mailing/import", methods=["POST"])
@roles_required("mailing")
def upload():
    code = _checked_post()
    with saved_upload("sheet", SHEET_TYPES) as path:
        if path is None:
            return _list_page(code, problems=[(None, "文件", "请选择 EMS 单号表（.xlsx 或 .csv）")],
                              status=400)
        try:
            done = archive().mailings.import_sheet(path, actor=current_user.username)
        except SheetError as exc:
            return _list_page(code, problems=[(p.row, p.column, p.message) for p in exc.problems],
                              status=400)
    flash(f"已登记 {len(done.recorded)} 个 EMS 单号，其中 {len(done.signed)} 件已签收。", "ok")
    return redirect(_back(code))


@bp.route("/tasks/<code>/mailing-list.xlsx")
@roles_required("mailing")
def mailing_list(code: str):
    unsigned = request.args.get("all") != "1"
    try:
        data = archive().mailings.mailing_list(code, only_unsigned=unsigned)
    except MailingError as exc:
        flash(exc.problems[0].message, "error")
        return redirect(_back(code))
    with archive().session() as s:
        archive().audit(s, current_user.username, "download", f"{code} 邮寄清单",
                        only_unsigned=unsigned)
    return send_file(BytesIO(data), as_attachment=True, download_name=f"{code}-邮寄清单.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


# -- one sample's packet: signed for, returned, objections ------------------------------------
def _sample_page(sample_no: str, *, errors=None, values=None, status=200):
    row = sampling_or_404(sample_no)
    mailings = archive().mailings
    board = next(iter(mailings.board(sample_no=sample_no).rows), None)  # None: not sampled
    return render_template("mailing/sample.html", sample_no=sample_no, code=row.task.code,
                           firm=row.enterprise.name, row=board, mails=mailings.history(sample_no), states=OBJECTION_STATES, errors=errors or {},
                           values=values or {}, form=FlaskForm(), today=date.today()), status


@bp.route("/samplings/<sample_no>/mailing")
@roles_required("mailing")
def sample(sample_no: str):
    return _sample_page(sample_no)


def _on_sample(sample_no: str, action, done: str):
    """Run one action on a sample's packet: back to its page, or the page again with the
    problem at its field and what was typed."""
    _checked_post()
    try:
        action()
    except (BadDate, MailingError) as exc:
        return _sample_page(sample_no, errors=_errors(exc), values=request.form, status=400)
    flash(done, "ok")
    return redirect(url_for("mailing.sample", sample_no=sample_no))


@bp.route("/samplings/<sample_no>/mailing/signed", methods=["POST"])
@roles_required("mailing")
def sample_signed(sample_no: str):
    return _on_sample(sample_no, lambda: _record_signed(sample_no), "已登记签收。")


@bp.route("/samplings/<sample_no>/mailing/returned", methods=["POST"])
@roles_required("mailing")
def returned(sample_no: str):
    return _on_sample(sample_no, lambda: archive().mailings.mark_returned(
        sample_no, note=request.form.get("note", ""), actor=current_user.username),
        "已标记为退回；请核实地址后登记新的 EMS 单号重新寄出。")


@bp.route("/samplings/<sample_no>/objections", methods=["POST"])
@roles_required("mailing")
def objection(sample_no: str):
    f = request.form
    return _on_sample(sample_no, lambda: archive().mailings.register_objection(
        sample_no, received_on=day(f.get("received_on"), "received_on", required=True),
        applicant=f.get("applicant", ""), items=f.get("items", ""), grounds=f.get("grounds", ""),
        actor=current_user.username), "已登记复检申请。")


@bp.route("/samplings/<sample_no>/objections/<int:objection_id>", methods=["POST"])
@roles_required("mailing")
def objection_state(sample_no: str, objection_id: int):
    row = next(iter(archive().mailings.board(sample_no=sample_no).rows), None)
    if row is None or objection_id not in {o["id"] for o in row.objections}:
        abort(404)  # not this sample's objection: no such page
    return _on_sample(sample_no, lambda: archive().mailings.set_objection_state(
        objection_id, request.form.get("state", ""), sample_no=sample_no,
        actor=current_user.username),
        "已更新复检申请状态。")


@bp.route("/mailings/<int:mailing_id>/tracking")
@roles_required("mailing", "records")
def tracking(mailing_id: int):
    try:
        name, data = archive().mailings.tracking_file(mailing_id)
    except MailingError as exc:
        return render_template("error.html", message=exc.problems[0].message), 404
    with archive().session() as s:
        archive().audit(s, current_user.username, "view", f"邮件跟踪记录 {mailing_id}")
    ext = name.rsplit(".", 1)[-1].lower()
    return send_file(BytesIO(data), mimetype=TRACKING_TYPES.get(ext, "application/octet-stream"),
                     download_name=name, max_age=0)
