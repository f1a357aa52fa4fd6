"""Planning a trip in the web app: a task with its team, and firms added from the register or
typed in, each given a sample number from the task's sequence."""
from __future__ import annotations

import re

from sqlalchemy import or_, select

from archive import firms, records
from archive.firms import RegisterDifference
from archive.models import Agency, Firm, Sampler, Sampling, Task
from archive.numbers import next_value
from archive.service import Archive, ArchiveError
from docgen.loading import TripError, parse_trip

TASK_FIELDS = ("code", "name", "level", "category", "source", "plan_doc_no", "product_category",
               "valid_from", "valid_to", "basis", "result_due")
FIRM_FIELDS = ("name", "credit_code", "address", "postal_code", "legal_rep", "contact", "phone",
               "role")


def registers(archive: Archive) -> dict:
    """Agencies, institutions and samplers already known, for the planning form's choices."""
    with archive.session() as s:
        agencies = s.scalars(select(Agency).order_by(Agency.name)).all()
        return {"agency": [a for a in agencies if a.kind == "agency"],
                "institution": [a for a in agencies if a.kind == "institution"],
                "samplers": s.scalars(select(Sampler).order_by(Sampler.name)).all()}


def _party(archive: Archive, kind: str, agency_id: str) -> dict:
    with archive.session() as s:
        a = s.get(Agency, int(agency_id)) if agency_id.isdigit() else None
        if a is None or a.kind != kind:
            return {"name": ""}
        return {k: getattr(a, k) for k in ("name", "short_name", "address", "postal_code", "phone",
                                           "contact", "cma_no")}


def create_task(archive: Archive, form: dict, sampler_ids: list[str], new_samplers: str, *,
                actor: str) -> str:
    """Check the task and its team by the trip-file rules, then store it; TripError if not."""
    with archive.session() as s:
        if s.scalars(select(Task).where(Task.code == form.get("code", "").strip())).first():
            raise ArchiveError(f"任务编号 {form['code']} 已存在")
        team = [{"name": x.name, "id_no": x.id_no} for x in
                s.scalars(select(Sampler).where(Sampler.id.in_(
                    [int(i) for i in sampler_ids if i.isdigit()])))]
    for line in new_samplers.splitlines():
        name, _, id_no = line.strip().partition(" ")
        if name:
            team.append({"name": name, "id_no": id_no.strip()})
    data = {"agency": _party(archive, "agency", form.get("agency_id", "")),
            "institution": _party(archive, "institution", form.get("institution_id", "")),
            "task": {k: form.get(k, "").strip() for k in TASK_FIELDS}, "samplers": team,
            "trip_date": form.get("trip_date", "").strip(), "samplings": []}
    trip = parse_trip(data, source="新任务", settings=archive.settings,
                      check_text=archive.renderer.fonts.missing, require_samplings=False)
    with archive.session() as s:
        records.upsert_trip(s, trip, {}, actor=actor, source=f"新任务 {trip.task.code}")
        task = s.scalars(select(Task).where(Task.code == trip.task.code)).one()
        task.samplers, task.trip_date = team, trip.trip_date
        archive.audit(s, actor, "task.create", trip.task.code, samplers=len(team))
    return trip.task.code


def search_firms(archive: Archive, text: str, limit: int = 20) -> list[Firm]:
    """The firm register by any part of the name or the start of the credit code."""
    text = text.strip()
    if not text:
        return []
    with archive.session() as s:
        return list(s.scalars(select(Firm).where(or_(
            Firm.name.contains(text), Firm.credit_code.startswith(text.upper())))
            .order_by(Firm.name).limit(limit)))


def _sample_number(s, task: Task) -> str:
    prefix = re.sub(r"[^0-9A-Za-z]", "", task.code)[:30] or "S"
    while True:
        number = f"{prefix}{next_value(s, f'sample:{task.code}'):04d}"
        if not s.scalars(select(Sampling.id).where(Sampling.sample_no == number)).first():
            return number


class RegisterQuestion(ArchiveError):
    """The typed firm is in the register with other details: update the register or not?"""

    def __init__(self, difference: RegisterDifference):
        super().__init__(f"企业名录中已有 {difference.credit_code}，信息不同：{difference.describe()}")
        self.difference = difference


def add_firm(archive: Archive, task_code: str, firm: dict, *, actor: str,
             update_register: bool | None = None) -> str:
    """Add a firm visit to a planned task; returns its new sample number. TripError if the firm
    fails the checks (credit code, required name …).

    The sampling records the firm as typed. When the register knows the credit code with other
    details, nothing is added until the user answers: RegisterQuestion (update_register None),
    update the register (True, kept in its history) or leave it as it is (False)."""
    trip = archive.trip_dict(task_code)
    typed = {k: (firm.get(k) or "").strip() for k in FIRM_FIELDS}
    with archive.session() as s:
        task = s.scalars(select(Task).where(Task.code == task_code)).one()
        number = _sample_number(s, task)
        known = s.scalars(select(Firm).where(Firm.credit_code == typed["credit_code"].upper())
                          ).first() if typed["credit_code"] else None
        if known is not None:  # what was left blank is what the register knows of the firm
            typed = {k: typed[k] or getattr(known, k) or "" for k in FIRM_FIELDS}
        data = {**trip, "samplings": [{"sample_no": number, "enterprise": typed}]}
        parsed = parse_trip(data, source=task_code, settings=archive.settings,
                            check_text=archive.renderer.fonts.missing, pending_ok=True)
        typed = parsed.samplings[0].enterprise
        known = s.scalars(select(Firm).where(Firm.credit_code == typed.credit_code)).first()
        conflicts = {k: v for k, v in firms.differences(known, firms.firm_dict(typed)).items()
                     if v[0]} if known else {}
        if conflicts and update_register is None:
            raise RegisterQuestion(RegisterDifference(known.credit_code, known.name, conflicts))
        records.upsert_trip(s, parsed, {}, actor=actor, source=f"新增企业（任务 {task_code}）",
                            update_register=bool(update_register))
        archive.audit(s, actor, "sampling.create", number, task=task_code,
                      register_updated=bool(conflicts and update_register))
    return number


def firm_fields(archive: Archive, firm_id: int) -> dict:
    with archive.session() as s:
        f = s.get(Firm, firm_id)
        if f is None:
            raise ArchiveError("企业不存在")
        return {k: getattr(f, k) or "" for k in FIRM_FIELDS}


__all__ = ["RegisterQuestion", "TripError", "add_firm", "create_task", "firm_fields", "registers", "search_firms"]
