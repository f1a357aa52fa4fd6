"""The web app: Flask app factory; one blueprint per workflow, all calling the archive services."""
from __future__ import annotations

import os
import secrets
import tempfile
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Iterator

from flask import Flask, abort, current_app, flash, render_template, request
from flask_login import LoginManager, current_user, logout_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import InternalServerError
from werkzeug.routing import IntegerConverter

from archive.config import Config, load_config
from archive.instance import disk_full, failure_line
from archive.models import Sampling
from archive.service import Archive, ArchiveError

csrf = CSRFProtect()
FlaskForm.Meta.locales = ("zh_CN", "zh")
BATCH_UPLOAD_ENDPOINTS = ("results.upload",)  # a lab sheet with all its report PDFs
login_manager = LoginManager()
# No inline script or style anywhere: page scripts are static files, data comes in data-*.
CSP = ("default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'self'; "
       "form-action 'self'; frame-ancestors 'self'")
# Everything the app serves is a record or shows one: nothing is kept by a browser or proxy,
# except photo thumbnails, which this browser alone may keep for an hour.
CACHE_CONTROL = {"static": None, "visits.thumb": "private, max-age=3600"}


def _secret_key(home: Path) -> str:
    """A random key kept in the instance folder (never in the repository), made on first start."""
    path = home / "secret_key"
    if not path.exists():
        home.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip()


class RowId(IntegerConverter):
    """`<int:…>` in a route: a database row id, at most SQLite's largest integer (2^63 − 1).
    A larger number names no row: the route does not match (404), the database is not asked."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**63 - 1)
        super().__init__(map, *args, **kwargs)


def create_app(test_config: dict | None = None) -> Flask:
    config: Config = (test_config or {}).get("ARCHIVE_CONFIG") or load_config()
    archive_service = (test_config or {}).get("ARCHIVE") or Archive(config)
    # an emptied or corrupt database is refused (InstanceError) and a sound one migrated,
    # before anything (the secret key) is written into the instance
    archive_service.open()
    app = Flask(__name__, instance_path=str(config.home), instance_relative_config=True)
    app.url_map.converters["int"] = RowId
    app.config.from_mapping(
        SECRET_KEY=os.environ.get("SPOTCHECK_SECRET_KEY") or _secret_key(config.home),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=os.environ.get("SPOTCHECK_SECURE_COOKIES") == "1",
        REMEMBER_COOKIE_HTTPONLY=True,
        # the session cookie is a browser-session cookie; the server ends a session this long
        # after signing in even if the browser stays open
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        MAX_CONTENT_LENGTH=64 * 1024 * 1024,
        # a lab sheet comes with all its report PDFs in one request
        BATCH_UPLOAD_LIMIT=512 * 1024 * 1024,
        WTF_CSRF_TIME_LIMIT=8 * 3600,
        # WTForms' own messages (无效的选择 …) in Chinese, from its bundled translations
        WTF_I18N_ENABLED=False,
    )
    app.config.from_pyfile("config.py", silent=True)
    if test_config:
        app.config.update(test_config)
    app.extensions["archive"] = archive_service

    @app.before_request  # before CSRFProtect's check, which is the first to read the body
    def batch_upload_limit():
        if request.endpoint in BATCH_UPLOAD_ENDPOINTS:
            request.max_content_length = app.config["BATCH_UPLOAD_LIMIT"]

    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "请先登录。"

    from archive.jobs import JobRunner
    from webapp import (admin, auth, deadlines, mailing, records, resultdocs, results, trips,
                        visits)

    app.extensions["jobs"] = JobRunner(app.extensions["archive"])
    # jobs a killed server left running read 已中断; the index and pending files catch up
    # with the database in the background
    app.extensions["jobs"].start()
    app.register_blueprint(auth.bp)
    app.register_blueprint(records.bp)
    app.register_blueprint(trips.bp)
    app.register_blueprint(visits.bp)
    app.register_blueprint(results.bp)
    app.register_blueprint(resultdocs.bp)
    app.register_blueprint(mailing.bp)
    app.register_blueprint(deadlines.bp)
    app.register_blueprint(admin.bp)

    @app.before_request
    def require_login():
        if request.endpoint in ("auth.login", "static"):
            return None
        if current_user.is_authenticated:  # the user loader checks the session version
            if not auth.session_expired():
                return None
            logout_user()
            flash("登录已超时，请重新登录。", "error")
        return login_manager.unauthorized()

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if response.mimetype == "text/html":
            response.headers.setdefault("Content-Security-Policy", CSP)
        cache = CACHE_CONTROL.get(request.endpoint, "no-store")
        if cache:
            response.headers["Cache-Control"] = cache
            if cache == "no-store":
                response.headers.pop("Expires", None)
        return response

    @app.errorhandler(ArchiveError)
    def archive_error(exc):
        return render_template("error.html", message=str(exc)), 404

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return render_template("error.html", message="表单已过期或来源无效，请刷新页面后重试。"), 400

    for code, text in ((400, "请求无效（表单内容或网址中的参数有误），请返回后重试。"),
                       (403, "您的角色无权访问此页面。"), (404, "页面不存在。"),
                       (405, "不支持这种访问方式，请从页面上的按钮或链接进入。"),
                       (413, "上传的文件过大。")):
        app.register_error_handler(code, lambda e, c=code, t=text: (
            render_template("error.html", message=t), c))

    @app.errorhandler(OSError)
    @app.errorhandler(DBAPIError)
    def storage_error(exc):
        """The disk or the database failed (full, read-only, corrupt): one line, no path."""
        line = failure_line(exc, archive().config, paths=False)
        if line is None:
            raise exc  # a bug: Flask logs it and answers with the 500 page
        app.logger.error("request %s %s failed: %s", request.method, request.path, line,
                         exc_info=exc)
        return render_template("error.html", message=f"{line}本次操作未完成，如需帮助请联系系统管理员。"), \
            507 if disk_full(exc) else 503

    @app.errorhandler(InternalServerError)
    def internal_error(exc):  # Flask has logged the traceback
        return render_template("error.html", message="服务器内部错误，已记录；请稍后重试，如仍出现请联系系统管理员。"), 500
    return app


def archive() -> Archive:
    return current_app.extensions["archive"]


def sampling_or_404(sample_no: str):
    """A sampling with its firm, task, producer and photos loaded for a page, or 404."""
    with archive().session() as s:
        row = s.scalars(select(Sampling).where(Sampling.sample_no == sample_no)).first()
        if row is None:
            abort(404)
        row.firm, row.task, row.manufacturer, list(row.photos)  # loaded for the template
        return row


@contextmanager
def saved_upload(name: str, types: tuple[str, ...]) -> Iterator[Path | None]:
    """The uploaded file `name` saved in a temporary folder under a fixed name (nothing from
    the request reaches a path), or None when none was chosen or its type is not in `types`."""
    upload = request.files.get(name)
    ext = upload.filename.rsplit(".", 1)[-1].lower() if upload and upload.filename else ""
    if ext not in types:
        yield None
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"upload.{ext}"
        upload.save(path)
        yield path


def read_upload(name: str, limit: int) -> tuple[bytes | None, str]:
    """An uploaded file's bytes (None when none was chosen) and its name, read no further than
    one byte past `limit`: the service that checks it refuses it as too big, saying the limit."""
    upload = request.files.get(name)
    if upload is None or not upload.filename:
        return None, ""
    return upload.read(limit + 1), upload.filename
