"""Administration: users and roles, the audit log, and Word template overrides."""
from __future__ import annotations

from io import BytesIO

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize
from sqlalchemy import select
from wtforms import PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from archive.models import User
from archive.registers import (AGENCY_FIELDS, KINDS, RegisterProblems, add_sampler, listing,
                               save_agency)
from archive.service import ArchiveError
from docgen.specs import FORMS
from archive.users import ROLES, UserError, create_user, set_active, set_password
from webapp import archive
from webapp.auth import NAME_LENGTH, PASSWORD_LENGTH, forget, roles_required, start_session

bp = Blueprint("admin", __name__, url_prefix="/admin")


class UserForm(FlaskForm):
    username = StringField("用户名", validators=[DataRequired("请输入用户名"), NAME_LENGTH])
    display_name = StringField("姓名", validators=[Length(max=100, message="姓名不超过 100 个字符")])
    role = SelectField("角色", choices=[SelectChoice(k, v) for k, v in ROLES.items()])
    password = PasswordField("初始密码", validators=[DataRequired("请输入密码"), PASSWORD_LENGTH])


class ResetForm(FlaskForm):
    password = PasswordField("新密码", validators=[DataRequired("请输入新密码"), PASSWORD_LENGTH])


def _users_page(form: UserForm, errors: dict[int, str] | None = None, status: int = 200):
    with archive().session() as s:
        rows = list(s.scalars(select(User).order_by(User.username)))
    return render_template("admin/users.html", form=form, users=rows, roles=ROLES,
                           errors=errors or {}, least=archive().settings.password_min_length,
                           action=FlaskForm()), status


@bp.route("/users", methods=["GET", "POST"])
@roles_required("admin")
def users():
    form = UserForm()
    if form.validate_on_submit():
        try:
            with archive().session() as s:
                create_user(s, form.username.data, form.password.data, form.role.data,
                            form.display_name.data, actor=current_user.username,
                            settings=archive().settings)
            flash(f"已添加用户 {form.username.data.strip()}。", "ok")
            return redirect(url_for("admin.users"))
        except UserError as exc:
            getattr(form, exc.field, form.username).errors.append(str(exc))
    return _users_page(form, status=400 if form.errors else 200)


def _username_or_404(user_id: int) -> str:
    with archive().session() as s:
        user = s.get(User, user_id) if 0 < user_id < 2 ** 63 else None
        if user is None:
            abort(404)
        return user.username


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@roles_required("admin")
def user_active(user_id: int):
    """停用 (every session of the user ends at once) or 启用 an account."""
    if not FlaskForm().validate_on_submit():
        abort(400)
    answer = request.form.get("active")
    if answer not in ("0", "1"):  # a missing or other value is an error, never "disable"
        abort(400)
    username, active = _username_or_404(user_id), answer == "1"
    try:
        with archive().session() as s:
            set_active(s, username, active, actor=current_user.username)
    except UserError as exc:
        return _users_page(UserForm(formdata=None), {user_id: str(exc)}, 400)
    forget(user_id)
    flash(f"已{'启用' if active else '停用'}用户 {username}。", "ok")
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@roles_required("admin")
def user_password(user_id: int):
    """An admin sets a new password for someone; every session of that user ends."""
    form = ResetForm()
    username = _username_or_404(user_id)
    if not form.validate_on_submit():
        return _users_page(UserForm(formdata=None), {user_id: "；".join(
            form.password.errors) or "表单已过期，请刷新页面后重试"}, 400)
    try:
        with archive().session() as s:
            user = set_password(s, username, form.password.data, actor=current_user.username,
                                settings=archive().settings)
            if user.id == current_user.id:
                start_session(user)  # an admin resetting their own stays signed in here
    except UserError as exc:
        return _users_page(UserForm(formdata=None), {user_id: str(exc)}, 400)
    forget(user_id)
    flash(f"已重设用户 {username} 的密码；该用户的所有登录已失效。", "ok")
    return redirect(url_for("admin.users"))


@bp.route("/audit")
@roles_required("admin")
def audit():
    return render_template("admin/audit.html", entries=archive().audit_log())


# -- Word template overrides -------------------------------------------------------------------
MAX_TEMPLATE_BYTES = 5 * 1024 * 1024
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class TemplateForm(FlaskForm):
    file = FileField("自定义模板", validators=[
        FileRequired("请选择 .docx 文件"),
        FileAllowed(["docx"], "只接受 Word 文档（.docx）；.doc 请先在 Word 中另存为 .docx"),
        FileSize(MAX_TEMPLATE_BYTES, message="模板文件不能超过 5 MB")])


class RevertForm(FlaskForm):
    """Only the CSRF token."""


def _form_or_404(code: str):
    if code not in FORMS:
        abort(404)
    return FORMS[code]


def _templates_page(errors: dict[str, list[str]] | None = None, status: int = 200):
    overrides = archive().template_overrides()
    rows = [{"code": code, "title": spec.title, "override": overrides.get(code)}
            for code, spec in FORMS.items()]
    return render_template("admin/templates.html", rows=rows, errors=errors or {},
                           max_mb=MAX_TEMPLATE_BYTES // (1024 * 1024)), status


@bp.route("/templates")
@roles_required("admin")
def templates():
    return _templates_page()


@bp.route("/templates/<code>.docx")
@roles_required("admin")
def template_download(code: str):
    _form_or_404(code)
    data = archive().template_bytes(code)
    overridden = code in archive().template_overrides()
    with archive().session() as s:
        archive().audit(s, current_user.username, "template.download", code,
                        override=overridden)
    return send_file(BytesIO(data), mimetype=DOCX_MIME, as_attachment=True,
                     download_name=f"{code}{'-custom' if overridden else ''}.docx")


@bp.route("/templates/<code>", methods=["POST"])
@roles_required("admin")
def template_upload(code: str):
    spec = _form_or_404(code)
    form = TemplateForm()
    if not form.validate_on_submit():
        return _templates_page({code: list(form.file.errors) or ["上传失败，请重试"]}, 400)
    data = form.file.data.read(MAX_TEMPLATE_BYTES + 1)
    if len(data) > MAX_TEMPLATE_BYTES:
        return _templates_page({code: ["模板文件不能超过 5 MB"]}, 400)
    try:
        archive().set_template_override(code, data, actor=current_user.username)
    except ArchiveError as exc:
        return _templates_page({code: getattr(exc, "problems", [str(exc)])}, 400)
    flash(f"已启用“{spec.title}”的自定义 Word 模板；此后生成的 Word 文书使用该模板（PDF 不受影响）。",
          "ok")
    return redirect(url_for("admin.templates"))


@bp.route("/templates/<code>/revert", methods=["POST"])
@roles_required("admin")
def template_revert(code: str):
    spec = _form_or_404(code)
    if not RevertForm().validate_on_submit():
        abort(400)
    try:
        archive().revert_template(code, actor=current_user.username)
    except ArchiveError as exc:
        flash(str(exc), "error")
    else:
        flash(f"“{spec.title}”已恢复为默认 Word 模板。", "ok")
    return redirect(url_for("admin.templates"))


@bp.route("/registers", methods=["GET", "POST"])
@roles_required("admin")
def registers():
    form, problems, editing = FlaskForm(), {}, {}
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        what = request.form.get("what", "")
        try:
            if what == "sampler":
                add_sampler(archive(), request.form.get("name", ""), request.form.get("id_no", ""),
                            actor=current_user.username)
            else:
                row_id = request.form.get("id", "")
                save_agency(archive(), what, int(row_id) if row_id.isdigit() else None,
                            request.form, actor=current_user.username)
            flash("已保存。", "ok")
            return redirect(url_for("admin.registers"))
        except RegisterProblems as exc:
            problems = exc.fields
            editing = {"what": what, **request.form}
    return render_template("admin/registers.html", form=form, reg=listing(archive()), kinds=KINDS,
                           fields=AGENCY_FIELDS, problems=problems, editing=editing), \
        400 if problems else 200
