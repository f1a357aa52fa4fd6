"""The registers an admin keeps: the agency's profile, the institutions it commissions, and the
samplers; each change checked and audited."""
from __future__ import annotations

import re

from sqlalchemy import select

from archive.models import Agency, Sampler
from archive.service import Archive, ArchiveError

AGENCY_FIELDS = ("name", "short_name", "address", "postal_code", "phone", "contact", "cma_no")
KINDS = {"agency": "组织监督抽查部门", "institution": "承检机构"}


def _check(kind: str, values: dict) -> dict[str, str]:
    problems = {}
    if not values.get("name"):
        problems["name"] = "名称不能为空"
    if kind == "agency" and not values.get("short_name"):
        problems["short_name"] = "机关代字不能为空（文书编号要用）"
    if values.get("postal_code") and not re.fullmatch(r"\d{6}", values["postal_code"]):
        problems["postal_code"] = "邮政编码应为6位数字"
    for k, v in values.items():
        if len(v) > 300:
            problems[k] = "过长"
    return problems


class RegisterProblems(ArchiveError):
    def __init__(self, fields: dict[str, str]):
        super().__init__("；".join(fields.values()))
        self.fields = fields


def save_agency(archive: Archive, kind: str, agency_id: int | None, form: dict, *, actor: str) -> int:
    """Add (agency_id None) or update an agency or institution; RegisterProblems if invalid."""
    if kind not in KINDS:
        raise ArchiveError(f"未知类别 {kind}")
    values = {k: (form.get(k) or "").strip() for k in AGENCY_FIELDS}
    problems = _check(kind, values)
    if problems:
        raise RegisterProblems(problems)
    with archive.session() as s:
        clash = s.scalars(select(Agency).where(Agency.kind == kind, Agency.name == values["name"],
                                               Agency.id != (agency_id or 0))).first()
        if clash:
            raise RegisterProblems({"name": f"已有同名的{KINDS[kind]}"})
        row = s.get(Agency, agency_id) if agency_id else Agency(kind=kind)
        if row is None or row.kind != kind:
            raise ArchiveError("记录不存在")
        for k, v in values.items():
            setattr(row, k, v)
        s.add(row)
        s.flush()
        archive.audit(s, actor, f"{kind}.save", values["name"], id=row.id)
        return row.id


def add_sampler(archive: Archive, name: str, id_no: str, *, actor: str) -> None:
    name, id_no = name.strip(), id_no.strip()
    if not name or len(name) > 50 or len(id_no) > 50:
        raise RegisterProblems({"name": "请填写姓名（50字以内）和证件号"})
    with archive.session() as s:
        if s.scalars(select(Sampler).where(Sampler.name == name, Sampler.id_no == id_no)).first():
            raise RegisterProblems({"name": f"{name}（{id_no}）已在名单中"})
        s.add(Sampler(name=name, id_no=id_no))
        archive.audit(s, actor, "sampler.add", name, id_no=id_no)


def listing(archive: Archive) -> dict:
    with archive.session() as s:
        rows = s.scalars(select(Agency).order_by(Agency.kind, Agency.name)).all()
        return {"agency": [r for r in rows if r.kind == "agency"],
                "institution": [r for r in rows if r.kind == "institution"],
                "samplers": s.scalars(select(Sampler).order_by(Sampler.name)).all()}
