"""Administration: users and roles, and the audit log."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from archive.models import User
from archive.users import ROLES, UserError, create_user
from webapp import archive
from webapp.auth import roles_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


class UserForm(FlaskForm):
    username = StringField("用户名", validators=[DataRequired("请输入用户名"), Length(max=50)])
    display_name = StringField("姓名", validators=[Length(max=100)])
    role = SelectField("角色", choices=[SelectChoice(k, v) for k, v in ROLES.items()])
    password = PasswordField("初始密码", validators=[DataRequired("请输入密码"), Length(min=8, max=200,
                                                                                message="密码至少 8 位")])


@bp.route("/users", methods=["GET", "POST"])
@roles_required("admin")
def users():
    form = UserForm()
    if form.validate_on_submit():
        try:
            with archive().session() as s:
                create_user(s, form.username.data, form.password.data, form.role.data,
                            form.display_name.data, actor=current_user.username)
            flash(f"已添加用户 {form.username.data}。", "ok")
            return redirect(url_for("admin.users"))
        except UserError as exc:
            form.username.errors.append(str(exc))
    with archive().session() as s:
        rows = list(s.scalars(select(User).order_by(User.username)))
    return render_template("admin/users.html", form=form, users=rows, roles=ROLES)


@bp.route("/audit")
@roles_required("admin")
def audit():
    return render_template("admin/audit.html", entries=archive().audit_log())
