"""The deadline board: where each tested batch's result stands, the firms' objection windows
and each task's result due date."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, render_template, request

from archive.mailing import STATES, MailingError
from webapp import archive
from webapp.auth import roles_required

bp = Blueprint("deadlines", __name__)
SOON = 3  # days left at which a window is highlighted


@bp.route("/board")
@roles_required("mailing", "records", "clerk")
def board():
    raw = request.args.get("today", "").strip()
    try:
        today = date.fromisoformat(raw) if raw else None  # an override, to check a past day
    except ValueError:
        return render_template("error.html",
                               message="“today” 日期格式应为 YYYY-MM-DD，例如 2023-05-08。"), 400
    code = request.args.get("task", "").strip() or None
    try:
        board = archive().mailings.board(task_code=code, today=today)
    except MailingError:
        abort(404)
    tasks = archive().tasks()
    return render_template("mailing/board.html", board=board, by_state=board.by_state(),
                           states=STATES, code=code or "", tasks=tasks,
                           names={t.code: t.name for t, _ in tasks}, overridden=bool(raw),
                           soon=SOON)
