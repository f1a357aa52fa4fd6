"""Recording a visit in the browser's forms: per-field messages, photos, archiving."""
from __future__ import annotations

import io

from PIL import Image
from sqlalchemy import select

from archive.models import Correction, Document, Photo, Sampling
from tests.conftest import DEMO
from tests.webapp.conftest import csrf_of

GOOD = {"outcome": "sampled", "product.name": "铜芯聚氯乙烯绝缘电线", "product.model": "BV 2.5mm²",
        "product.batch": "20230301", "quantity.test": "2卷", "quantity.backup": "1卷",
        "quantity.bought": "3", "quantity.unit": "卷", "unit_price": "99.50",
        "sampled_at": "2023-03-18T09:30", "place": "成品库", "seal.seal_no": "FY-9",
        "seal.backup_location": "企业库房"}


def _post(client, sample_no: str, values: dict):
    """The visit form as a browser sends it: every input, the ones left empty as ""."""
    from archive.visits import VISIT_FIELDS

    page = client.get(f"/samplings/{sample_no}").get_data(as_text=True)
    form = {path: "" for path, _, _ in VISIT_FIELDS}
    return client.post(f"/samplings/{sample_no}", data={**form, **values,
                                                        "csrf_token": csrf_of(page)})


def test_a_bad_visit_shows_messages_per_field_and_saves_nothing(client, login, seeded):
    login("clerk")
    response = _post(client, "JC2023DX0003", {**GOOD, "unit_price": "-5", "quantity.bought": "0",
                                              "sampled_at": "2023-09-01T10:00"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "金额不能为负数" in page and "正整数" in page and "有效期" in page
    with seeded.session() as s:
        row = s.scalars(select(Sampling).where(Sampling.sample_no == "JC2023DX0003")).one()
        assert str(row.unit_price) == "86.50"


def test_a_change_to_an_archived_visit_is_a_correction_with_new_document_versions(client, login,
                                                                                 seeded):
    login("clerk")
    refused = _post(client, "JC2023DX0003", GOOD)
    assert refused.status_code == 400 and "更正原因" in refused.get_data(as_text=True)
    with seeded.session() as s:
        row = s.scalars(select(Sampling).where(Sampling.sample_no == "JC2023DX0003")).one()
        assert str(row.unit_price) != "99.50"  # nothing saved without a reason
    assert _post(client, "JC2023DX0003", {**GOOD, "correction.reason": "单价抄错"}).status_code == 302
    page = client.get("/samplings/JC2023DX0003").get_data(as_text=True)
    assert 'value="99.50"' in page and "更正已记录" in page and "单价抄错" in page
    with seeded.session() as s:
        row = s.scalars(select(Sampling).where(Sampling.sample_no == "JC2023DX0003")).one()
        correction = s.scalars(select(Correction).where(Correction.sampling_id == row.id)).one()
        doc = s.scalars(select(Document).where(Document.sampling_id == row.id,
                                               Document.form == "payment_slip",
                                               Document.format == "pdf")
                        .order_by(Document.version.desc())).first()
    assert correction.reason == "单价抄错" and correction.actor == "clerk"
    assert correction.changes["price.unit"][1] == "99.50" and doc.id in correction.documents
    assert doc.version >= 2
    from tests.conftest import pdf_text
    assert "¥298.50" in pdf_text(seeded.store.read(doc.sha256))


def _photo_upload(client, sample_no, data: bytes, name: str):
    page = client.get(f"/samplings/{sample_no}").get_data(as_text=True)
    return client.post(f"/samplings/{sample_no}/photos", content_type="multipart/form-data",
                       data={"csrf_token": csrf_of(page), "caption": "现场",
                             "photo": (io.BytesIO(data), name)}, follow_redirects=True)


def test_a_photo_is_kept_byte_for_byte_and_shown_upright(client, login, seeded):
    login("clerk")
    original = (DEMO / "photos" / "site-0001.jpg").read_bytes()  # stored rotated (EXIF 6)
    page = _photo_upload(client, "JC2023DX0006", original, "site.jpg").get_data(as_text=True)
    assert "照片已保存" in page
    with seeded.session() as s:
        photo = s.scalars(select(Photo).join(Sampling).where(
            Sampling.sample_no == "JC2023DX0006")).one()
    assert seeded.store.read(photo.original_sha256) == original
    thumb = Image.open(io.BytesIO(client.get(f"/photos/{photo.id}/thumb").data))
    assert thumb.height > thumb.width  # upright: the portrait the phone saw


def test_a_renamed_exe_and_a_huge_png_are_refused(client, login, seeded):
    login("clerk")
    page = _photo_upload(client, "JC2023DX0005", b"MZ\x90\x00" + b"\x00" * 500, "photo.jpg")
    assert "照片未保存" in page.get_data(as_text=True)
    big = io.BytesIO()
    Image.new("1", (10000, 10000)).save(big, "PNG")  # 100 megapixels, a small file
    page = _photo_upload(client, "JC2023DX0005", big.getvalue(), "big.png")
    assert "像素" in page.get_data(as_text=True)
    with seeded.session() as s:
        assert not s.scalars(select(Photo).join(Sampling).where(
            Sampling.sample_no == "JC2023DX0005")).all()
