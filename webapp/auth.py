"""Signing in and out, one's own password, the session checks every request passes, and the role
checks every other blueprint uses."""
from __future__ import annotations

import math
import string
import time
import unicodedata
from functools import wraps
from urllib.parse import quote, urlsplit

from flask import (Blueprint, abort, current_app, flash, make_response, redirect, render_template,
                   request, session, url_for)
from flask_login import UserMixin, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from archive.models import User
from archive.signin import authenticate
from archive.users import ROLES, UserError, WrongPassword, change_own_password, sign_out
from webapp import archive, login_manager

bp = Blueprint("auth", __name__)
MAX_NEXT = 2000  # longer `next` targets are not followed


class SignedIn(UserMixin):
    """The signed-in user as the session knows it; the id names the session version, so a
    cookie issued before the version was bumped no longer matches."""

    def __init__(self, user: User):
        self.id = user.id
        self.version = user.session_version or 0
        self.username = user.username
        self.display_name = user.display_name
        self.role = user.role

    def get_id(self) -> str:
        return f"{self.id}:{self.version}"

    @property
    def role_name(self) -> str:
        return ROLES.get(self.role, self.role)


_USER_TTL = 30.0  # seconds a signed-in user is trusted before the database is asked again
_users: dict[tuple[str, int], tuple[float, SignedIn | None]] = {}


def forget(user_id: int) -> None:
    """Drop the cached user: called on every session-version bump and account change, so a
    copied cookie stops working at once in this process (other processes: within _USER_TTL)."""
    _users.pop((archive().config.database_url, user_id), None)


@login_manager.user_loader
def load_user(user_id: str):
    """The signed-in user if the session's version is the account's current one; from a short
    cache (one database round trip per user every 30 s); a mismatch always asks the database."""
    try:
        uid, version = (int(part) for part in user_id.split(":"))
    except ValueError:
        return None  # no version: a cookie from before session versions
    if not 0 < uid < 2 ** 63:
        return None
    key, now = (archive().config.database_url, uid), time.monotonic()
    hit = _users.get(key)
    if hit and now - hit[0] < _USER_TTL and (hit[1] is None or hit[1].version == version):
        signed = hit[1]
    else:
        with archive().session() as s:
            user = s.get(User, uid)
            signed = SignedIn(user) if user and user.active else None
        _users[key] = (now, signed)
    return signed if signed is not None and signed.version == version else None


def start_session(user: User) -> None:
    """Sign this browser in as `user` (its current session version), a browser-session cookie
    that the server also ends after PERMANENT_SESSION_LIFETIME."""
    forget(user.id)
    session.clear()
    session.permanent = False
    login_user(SignedIn(user))
    session["login_at"] = int(time.time())


def session_expired() -> bool:
    """A signed-in session older than PERMANENT_SESSION_LIFETIME (or one not started by
    signing in, such as a remember-me cookie) is over."""
    started = session.get("login_at")
    limit = current_app.permanent_session_lifetime.total_seconds()
    return not isinstance(started, int) or time.time() - started > limit


def roles_required(*roles: str):
    """Only these roles (and admin) may use the view; others get 403."""
    def deco(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if current_user.role not in roles and current_user.role != "admin":
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return deco


def safe_next(target: str | None) -> str | None:
    """`target` if it is a path on this site, else None. Browsers drop tabs and newlines from
    URLs and read a backslash as a slash, so "/\\t/evil", "/\\evil" and "//evil" all leave."""
    if not target or len(target) > MAX_NEXT or target[0] != "/" or target[1:2] in ("/", "\\"):
        return None
    if any(c.isspace() or unicodedata.category(c)[0] in "CZ" for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return quote(target, safe=string.punctuation)  # non-ASCII as %XX: a header holds ASCII


def home_url() -> str:
    """Every role starts on the start page (search box, counts, its own menu)."""
    return url_for("records.home")


# the limits of the sign-in and password forms, with their messages (shared by admin's forms)
NAME_LENGTH = Length(max=50, message="用户名不超过 50 个字符")
PASSWORD_LENGTH = Length(max=200, message="密码不超过 200 个字符")


class LoginForm(FlaskForm):
    username = StringField("用户名", validators=[DataRequired("请输入用户名"), NAME_LENGTH])
    password = PasswordField("密码", validators=[DataRequired("请输入密码"), PASSWORD_LENGTH])


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        with archive().session() as s:
            attempt = authenticate(s, form.username.data, form.password.data,
                                   request.remote_addr or "", settings=archive().settings)
            if attempt.user:
                start_session(attempt.user)
        if attempt.wait:
            message = f"登录失败次数过多，请稍后再试（约 {attempt.wait_minutes} 分钟后）。"
            response = make_response(render_template("auth/login.html", form=form,
                                                     throttled=message), 429)
            response.headers["Retry-After"] = str(math.ceil(attempt.wait.total_seconds()))
            return response
        if attempt.user:
            return redirect(safe_next(request.args.get("next")) or home_url())
        flash("用户名或密码错误。", "error")
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    """Signing out ends every session of the account (other browsers too)."""
    if current_user.is_authenticated:
        with archive().session() as s:
            sign_out(s, current_user.id)
        forget(current_user.id)
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


class OwnPasswordForm(FlaskForm):
    current = PasswordField("当前密码", validators=[DataRequired("请输入当前密码"), PASSWORD_LENGTH])
    password = PasswordField("新密码", validators=[DataRequired("请输入新密码"), PASSWORD_LENGTH])
    confirm = PasswordField("再次输入新密码", validators=[
        DataRequired("请再次输入新密码"), EqualTo("password", "两次输入的新密码不一致")])


@bp.route("/account/password", methods=["GET", "POST"])
def own_password():
    form = OwnPasswordForm()
    if form.validate_on_submit():
        try:
            with archive().session() as s:
                user = change_own_password(s, current_user.id, form.current.data,
                                           form.password.data, settings=archive().settings)
                start_session(user)  # this browser stays signed in; every other session ends
            forget(current_user.id)  # again after the commit: no request re-cached the old one
            flash("密码已修改；其他浏览器和设备上的登录已失效。", "ok")
            return redirect(home_url())
        except WrongPassword as exc:
            with archive().session() as s:
                archive().audit(s, exc.username, "user.password.failed", exc.username)
            form.current.errors.append(str(exc))
        except UserError as exc:
            form.password.errors.append(str(exc))
    return render_template("auth/password.html", form=form,
                           least=archive().settings.password_min_length), \
        400 if form.errors else 200
