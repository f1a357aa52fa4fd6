"""Word template overrides: an admin uploads a customised .docx for a form (checked first),
generation then uses it for that form's Word output, and the admin can go back to the default."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from archive.models import AuditEntry, Document, Sampling
from archive.service import Archive
from docgen.render import DEFAULT_TEMPLATES
from tests.conftest import docx_text, pdf_text, edited_docx
from tests.webapp.conftest import csrf_of
from webapp import create_app

MARKER = "本局自定义模板标记"
SAMPLE = "JC2023DX0001"


def default(code: str) -> bytes:
    return (DEFAULT_TEMPLATES / f"{code}.docx").read_bytes()



@pytest.fixture(scope="module")
def overridable(seeded):
    """The seeded instance through an Archive that builds its own Renderer, as the web app
    does in production (the shared test renderer knows no override folder)."""
    return Archive(seeded.config)


@pytest.fixture
def app(overridable):
    return create_app({"ARCHIVE": overridable, "ARCHIVE_CONFIG": overridable.config,
                       "TESTING": True})


@pytest.fixture(autouse=True)
def no_override_left(overridable):
    yield
    for path in overridable.template_override_dir.glob("*.docx"):
        path.unlink()


def upload(client, code: str, data: bytes, filename: str | None = None, token: str | None = None):
    if token is None:
        token = csrf_of(client.get("/admin/templates").get_data(as_text=True))
    fields = {"file": (io.BytesIO(data), filename or f"{code}.docx")}
    if token:
        fields["csrf_token"] = token
    return client.post(f"/admin/templates/{code}", data=fields, content_type="multipart/form-data")


def actions(archive: Archive, action: str) -> list[str]:
    with archive.session() as s:
        return list(s.scalars(select(AuditEntry.target).where(AuditEntry.action == action)))


def latest(archive: Archive, form: str, fmt: str) -> bytes:
    with archive.session() as s:
        doc = s.scalars(select(Document).join(Sampling).where(
            Sampling.sample_no == SAMPLE, Document.form == form, Document.format == fmt,
            Document.blank.is_(False)).order_by(Document.version.desc())).first()
        doc_id = doc.id
    return archive.document(doc_id)[1]


def test_the_admin_sees_every_form_with_a_link_in_the_menu(client, login):
    login("admin")
    page = client.get("/admin/templates").get_data(as_text=True)
    assert "Word 模板" in client.get("/").get_data(as_text=True)
    for code, title in (("notice", "产品质量监督抽查通知书"), ("authorization", "授权委托书"),
                        ("sampling_slip", "产品质量监督抽查/复查抽样单")):
        assert f"/admin/templates/{code}.docx" in page and title in page
    assert "恢复默认模板" not in page  # nothing overridden yet


def test_the_admin_downloads_the_current_default_template(client, login):
    login("admin")
    response = client.get("/admin/templates/notice.docx")
    assert response.status_code == 200 and response.data == default("notice")
    assert "attachment" in response.headers["Content-Disposition"]


def test_an_uploaded_override_is_used_for_the_word_output_and_revert_restores_the_default(
        client, login, overridable):
    login("admin")
    custom = edited_docx(default("notice"), "{{ enterprise.name }}", MARKER + "{{ enterprise.name }}", 1)
    response = upload(client, "notice", custom)
    assert response.status_code == 302
    page = client.get("/admin/templates").get_data(as_text=True)
    assert "已启用" in page and "自定义" in page and "恢复默认模板" in page
    assert set(overridable.template_overrides()) == {"notice"}
    assert client.get("/admin/templates/notice.docx").data == custom
    assert "notice" in actions(overridable, "template.override")

    overridable.generate(sample_no=SAMPLE, actor="test")
    assert MARKER in docx_text(latest(overridable, "notice", "docx"))
    assert MARKER not in pdf_text(latest(overridable, "notice", "pdf"))  # PDF comes from the spec
    assert MARKER not in docx_text(latest(overridable, "sampling_slip", "docx"))  # other forms

    page = client.get("/admin/templates").get_data(as_text=True)
    response = client.post("/admin/templates/notice/revert", data={"csrf_token": csrf_of(page)})
    assert response.status_code == 302
    assert "已恢复为默认" in client.get("/admin/templates").get_data(as_text=True)
    assert overridable.template_overrides() == {}
    assert client.get("/admin/templates/notice.docx").data == default("notice")
    assert "notice" in actions(overridable, "template.revert")
    overridable.generate(sample_no=SAMPLE, actor="test")
    assert MARKER not in docx_text(latest(overridable, "notice", "docx"))


def test_a_template_with_a_misspelt_field_is_refused_naming_the_field(client, login, overridable):
    login("admin")
    bad = edited_docx(default("notice"), "{{ enterprise.name }}", "{{ enterprise.nmae }}", 1)
    response = upload(client, "notice", bad)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "未采用上传的模板" in page and "未知字段：enterprise.nmae" in page
    assert overridable.template_overrides() == {}


def test_a_template_missing_a_required_field_is_refused_naming_it(client, login, overridable):
    login("admin")
    bad = edited_docx(default("notice"), "{{ enterprise.name }}", "某某有限公司")
    page = upload(client, "notice", bad).get_data(as_text=True)
    assert "缺少必需字段：enterprise.name（受检单位名称）" in page
    assert overridable.template_overrides() == {}


@pytest.mark.parametrize("data, filename, message", [
    (b"this is not a Word file", "notice.docx", "不是有效的 Word 文档"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "notice.doc", "只接受 Word 文档（.docx）"),
    (b"PK" + b"\0" * (5 * 1024 * 1024), "notice.docx", "不能超过 5 MB"),
])
def test_a_file_that_is_not_a_usable_docx_is_refused(client, login, overridable, data, filename,
                                                      message):
    login("admin")
    response = upload(client, "notice", data, filename)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert overridable.template_overrides() == {}


def test_the_archive_refuses_a_bad_override_with_every_problem(overridable):
    from archive.service import ArchiveError

    bad = edited_docx(default("notice"), "{{ enterprise.name }}", "{{ enterprise.nmae }}")
    with pytest.raises(ArchiveError) as exc:
        overridable.set_template_override("notice", bad, actor="test")
    assert "未知字段：enterprise.nmae" in str(exc.value)
    assert "缺少必需字段：enterprise.name" in str(exc.value) and "；" in str(exc.value)
    with pytest.raises(ArchiveError):
        overridable.set_template_override("nonesuch", default("notice"), actor="test")
    assert overridable.template_overrides() == {}
    assert not list(overridable.template_override_dir.glob(".*.tmp"))


def test_a_clerk_cannot_reach_the_template_pages(client, login):
    login("clerk")
    assert client.get("/admin/templates").status_code == 403
    assert client.get("/admin/templates/notice.docx").status_code == 403
    page = client.get("/").get_data(as_text=True)
    assert "Word 模板" not in page
    response = client.post("/admin/templates/notice", data={
        "csrf_token": csrf_of(page), "file": (io.BytesIO(default("notice")), "notice.docx")},
        content_type="multipart/form-data")
    assert response.status_code == 403


def test_an_upload_or_revert_without_csrf_token_is_refused(client, login, overridable):
    login("admin")
    assert upload(client, "notice", default("notice"), token="").status_code == 400
    assert client.post("/admin/templates/notice/revert").status_code == 400
    assert overridable.template_overrides() == {}


def test_an_unknown_form_is_not_found(client, login):
    login("admin")
    assert client.get("/admin/templates/nonesuch.docx").status_code == 404


# -- templates that reach outside the document or work without end -----------------------------

def _unsafe(kind: str) -> bytes:
    from tests.docgen.test_word_lint import ATTACHED, NESTED, OLE, add_rel, field, in_body, with_parts

    edits = {
        "hyperlink": add_rel("hyperlink", "http://example.com/", True),
        "linked image": add_rel("image", "http://tracker.example/x.png", True),
        "attachedTemplate": {"word/settings.xml": lambda t: t.replace(
            ATTACHED[1], ATTACHED[0] + ATTACHED[1], 1)},
        "subDocument": {**add_rel("subDocument", "sub.docx", False),
                        **in_body('<w:subDoc r:id="rId99"/>')},
        "altChunk": {**add_rel("aFChunk", "chunk.mht", False),
                     **in_body('<w:altChunk r:id="rId99"/>'), "word/chunk.mht": b"MIME"},
        "OLE": {**add_rel("oleObject", "embeddings/oleObject1.bin", False), **in_body(OLE),
                "word/embeddings/oleObject1.bin": b"\xd0\xcf\x11\xe0"},
        "INCLUDETEXT": in_body(field(" INCLUDE", "TEXT secret.docx ")),
        "INCLUDEPICTURE": in_body(field(' INCLUDEPICTURE "http://evil.example/x.png" ')),
        "DDE": in_body(field(' DDEAUTO cmd "/k calc" ')),
        "nested field": in_body(NESTED),
        "DTD": {"word/document.xml": lambda t: t.replace(
            "?>", '?><!DOCTYPE w:document [<!ENTITY e SYSTEM "file:///etc/passwd">]>', 1)},
    }[kind]
    return with_parts(default("notice"), edits)


@pytest.mark.parametrize("kind, reason", [
    ("hyperlink", "指向外部的链接（http://example.com/）"),
    ("linked image", "指向外部的链接（http://tracker.example/x.png）"),
    ("attachedTemplate", "附加了外部模板（attachedTemplate）"),
    ("subDocument", "含有子文档"),
    ("altChunk", "altChunk"),
    ("OLE", "OLE 对象"),
    ("INCLUDETEXT", "INCLUDETEXT 域"),
    ("INCLUDEPICTURE", "INCLUDEPICTURE 域"),
    ("DDE", "DDEAUTO 域"),
    ("nested field", "INCLUDETEXT 域"),
    ("DTD", "含有 DTD 或实体声明"),
])
def test_an_override_reaching_outside_the_document_is_refused_with_its_reason(
        client, login, overridable, kind, reason):
    login("admin")
    response = upload(client, "notice", _unsafe(kind))
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "未采用上传的模板" in page and reason in page
    assert overridable.template_overrides() == {}


@pytest.mark.parametrize("tag, reason", [
    ("{% for a in range(100000) %}{% for b in range(100000) %}x{% endfor %}{% endfor %}",
     "range() 过大"),
    ("{% for a in range(10000) %}{% for b in range(10000) %}x{% endfor %}{% endfor %}",
     "运算次数过多"),
    ("{{ 'x' * 10**9 }}", "运算结果过大"),
])
def test_an_override_that_would_work_without_end_is_refused_quickly(
        client, login, overridable, tag, reason):
    import time

    login("admin")
    bad = edited_docx(default("notice"), "{{ enterprise.name }}", "{{ enterprise.name }}" + tag, 1)
    started = time.perf_counter()
    page = upload(client, "notice", bad).get_data(as_text=True)
    assert time.perf_counter() - started < 5
    assert "用示例数据试填充失败" in page and reason in page
    assert overridable.template_overrides() == {}


def test_a_customised_override_with_filters_and_internal_fields_is_accepted_and_used(
        client, login, overridable):
    from tests.docgen.test_word_lint import field, in_body, with_parts

    login("admin")
    custom = edited_docx(default("notice"), "{{ enterprise.name }}",
                         MARKER + "{{ enterprise.name|replace('有限公司', '') ~ '（'"
                         " ~ enterprise.credit_code ~ '）' }}", 1)
    custom = with_parts(custom, in_body(field(" PAGE ")))
    assert upload(client, "notice", custom).status_code == 302
    assert set(overridable.template_overrides()) == {"notice"}
    overridable.generate(sample_no=SAMPLE, actor="test")
    assert MARKER + "晋城市泽州县鑫达电缆（91140525MA0H2K7B2W）" in docx_text(
        latest(overridable, "notice", "docx"))
