"""Signing in and out, and the role checks every other blueprint uses."""
from __future__ import annotations

import time
from functools import wraps

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import UserMixin, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from archive.models import User
from archive.users import ROLES, authenticate
from webapp import archive, login_manager

bp = Blueprint("auth", __name__)


class SignedIn(UserMixin):
    def __init__(self, user: User):
        self.id = user.id
        self.username = user.username
        self.display_name = user.display_name
        self.role = user.role

    @property
    def role_name(self) -> str:
        return ROLES.get(self.role, self.role)


_USER_TTL = 30.0  # seconds a signed-in user is trusted before the database is asked again
_users: dict[tuple[str, int], tuple[float, SignedIn | None]] = {}


@login_manager.user_loader
def load_user(user_id: str):
    """The signed-in user, from a short cache: one database round trip per user every 30 s
    instead of one per request; a deactivated account is locked out within that time."""
    key, now = (archive().config.database_url, int(user_id)), time.monotonic()
    hit = _users.get(key)
    if hit and now - hit[0] < _USER_TTL:
        return hit[1]
    with archive().session() as s:
        user = s.get(User, key[1])
        signed = SignedIn(user) if user and user.active else None
    _users[key] = (now, signed)
    return signed


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


class LoginForm(FlaskForm):
    username = StringField("用户名", validators=[DataRequired("请输入用户名"), Length(max=50)])
    password = PasswordField("密码", validators=[DataRequired("请输入密码"), Length(max=200)])


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        with archive().session() as s:
            user = authenticate(s, form.username.data, form.password.data, request.remote_addr or "")
            signed = SignedIn(user) if user else None
        if signed:
            login_user(signed)
            target = request.args.get("next", "")
            # only same-site paths: never an open redirect
            if not target.startswith("/") or target.startswith("//"):
                target = url_for("records.home")
            return redirect(target)
        flash("用户名或密码错误。", "error")
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    logout_user()
    return redirect(url_for("auth.login"))
