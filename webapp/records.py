"""The records officer's day: search the archive, open documents and their versions, see a
firm's history, download dossiers, run the integrity check."""
from __future__ import annotations

from datetime import date
from io import BytesIO

from flask import (Blueprint, Response, abort, flash, redirect, render_template, request,
                   send_file, url_for)
from flask_login import current_user
from flask_wtf import FlaskForm

from archive import firms
from archive.service import document_order
from docgen.records import ROLES
from docgen.specs import FORMS
from webapp import archive
from webapp.auth import roles_required

bp = Blueprint("records", __name__)
MEDIA = {"pdf": "application/pdf",
         "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "zip": "application/zip"}
SEARCH_ROLES = ("records", "clerk", "mailing")


def _day(name: str, errors: list[str], label: str) -> date | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors.append(f"{label}“{raw[:20]}”不是有效日期（应为 2023-03-15 形式），未按它筛选")
        return None


@bp.route("/")
def home():
    return render_template("records/home.html", counts=archive().counts())


@bp.route("/search")
@roles_required(*SEARCH_ROLES)
def search():
    q = request.args.get("q", "").strip()[:200]
    errors: list[str] = []
    filters = dict(form=request.args.get("form") or None, result=request.args.get("result") or None,
                   task=request.args.get("task", "").strip() or None,
                   date_from=_day("from", errors, "起始日期"), date_to=_day("to", errors, "截止日期"))
    page = max(request.args.get("page", 1, type=int), 1)
    result, pages = None, []
    if q or any(filters.values()):
        result = archive().search(q, page=page, pagesize=20, **filters)
        for g in result.groups:
            g.snippet = g.hits[0].snippet  # the best match
            g.rows = _rows(g.hits)
        args = {k: v for k, v in request.args.items() if k != "page"}
        pages = [(p, url_for("records.search", page=p, **args))
                 for p in range(max(1, page - 5), min(result.pages, page + 5) + 1)]
    # one url_for per page, not three per document row (it dominated the page's render time)
    doc = url_for("records.view", document_id=0).removesuffix("0")
    for message in errors:
        flash(message, "error")
    return render_template("records/search.html", q=q, result=result, forms=FORMS,
                           args=request.args, pages=pages, doc=doc)


def _rows(hits) -> list[dict]:
    """One row per form (in packet order): its PDF to open and its Word file beside it."""
    rows: dict[tuple, dict] = {}
    for h in hits:
        word = "（Word" in h.title
        key = (h.form, h.title.split("（")[0], "空白" in h.title)
        row = rows.setdefault(key, {"form": h.form, "title": key[1], "blank": key[2]})
        row["docx" if word else "pdf"] = h
    return sorted(rows.values(), key=lambda r: (document_order(r["form"], "pdf"), r["blank"]))


def _send(document_id: int, inline: bool) -> Response:
    doc, data = archive().document(document_id)
    with archive().session() as s:
        archive().audit(s, current_user.username, "view" if inline else "download", doc.doc_no,
                        document=doc.id)
    return send_file(BytesIO(data), mimetype=MEDIA.get(doc.format, "application/octet-stream"),
                     as_attachment=not inline or doc.format != "pdf",
                     download_name=f"{doc.filename.rsplit('.', 1)[0]}-v{doc.version}.{doc.format}",
                     etag=doc.sha256, max_age=0)


@bp.route("/documents/<int:document_id>")
@roles_required(*SEARCH_ROLES)
def view(document_id: int):
    return _send(document_id, inline=True)


@bp.route("/documents/<int:document_id>/download")
@roles_required(*SEARCH_ROLES)
def download(document_id: int):
    return _send(document_id, inline=False)


@bp.route("/documents/<int:document_id>/versions")
@roles_required(*SEARCH_ROLES)
def versions(document_id: int):
    return render_template("records/versions.html", versions=archive().versions(document_id))


@bp.route("/firms/<credit_code>")
@roles_required(*SEARCH_ROLES)
def firm(credit_code: str, problems: dict | None = None, values: dict | None = None):
    firm, history = archive().firm_history(credit_code)
    _, changes = firms.register_history(archive(), credit_code)
    return render_template("records/firm.html", firm=firm, history=history, changes=changes,
                           labels=firms.LABELS, editable=firms.EDITABLE, form=FlaskForm(),
                           problems=problems or {}, values=values or {},
                           roles=ROLES), 400 if problems else 200


@bp.route("/firms/<credit_code>/register", methods=["POST"])
@roles_required("clerk", "records")
def register(credit_code: str):
    """Change the firm register explicitly: old → new kept in its history."""
    if not FlaskForm().validate_on_submit():
        abort(400)
    values = {k: request.form.get(k, "") for k in firms.EDITABLE if k in request.form}
    source = request.form.get("source", "").strip()[:200] or "企业页面编辑"
    try:
        entry = firms.save_register(archive(), credit_code, values, actor=current_user.username,
                                    source=source)
    except LookupError:
        abort(404)
    except firms.FirmProblems as exc:
        return firm(credit_code, problems=exc.fields, values=values)
    if entry is None:
        flash("企业名录没有变化。", "ok")
    else:
        flash("企业名录已更新：" + "；".join(f"{firms.LABELS[k]}：{old or '（空）'} → {new}"
                                       for k, (old, new) in entry.changes.items())
              + "。已有的抽样记录仍按当时所记。", "ok")
    return redirect(url_for("records.firm", credit_code=credit_code))


def _dossier(**which) -> Response:
    data = archive().dossier_zip(actor=current_user.username, **which)
    name = which.get("credit_code") or which.get("sample_no")
    return send_file(BytesIO(data), mimetype="application/zip", as_attachment=True,
                     download_name=f"档案-{name}.zip")


@bp.route("/firms/<credit_code>/dossier.zip")
@roles_required("records")
def firm_dossier(credit_code: str):
    return _dossier(credit_code=credit_code)


@bp.route("/samplings/<sample_no>/dossier.zip")
@roles_required("records")
def sampling_dossier(sample_no: str):
    return _dossier(sample_no=sample_no)


@bp.route("/verify", methods=["GET", "POST"])
@roles_required("records")
def verify():
    form = FlaskForm()
    report = None
    if form.validate_on_submit():
        report = archive().verify(actor=current_user.username)
    return render_template("records/verify.html", form=form, report=report)
