"""The records officer's day: search the archive, open documents and their versions, see a
firm's history, download dossiers, run the integrity check."""
from __future__ import annotations

from datetime import date
from io import BytesIO

from flask import Blueprint, Response, abort, render_template, request, send_file, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from archive.service import document_order
from docgen.specs import FORMS
from webapp import archive
from webapp.auth import roles_required

bp = Blueprint("records", __name__)
MEDIA = {"pdf": "application/pdf",
         "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "zip": "application/zip"}
SEARCH_ROLES = ("records", "clerk", "mailing")


def _day(name: str) -> date | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        abort(400)


@bp.route("/")
def home():
    return render_template("records/home.html", counts=archive().counts())


@bp.route("/search")
@roles_required(*SEARCH_ROLES)
def search():
    q = request.args.get("q", "").strip()[:200]
    filters = dict(form=request.args.get("form") or None, result=request.args.get("result") or None,
                   task=request.args.get("task", "").strip() or None,
                   date_from=_day("from"), date_to=_day("to"))
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
def firm(credit_code: str):
    firm, history = archive().firm_history(credit_code)
    return render_template("records/firm.html", firm=firm, history=history)


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
