"""Records in and out of the database: upserting a validated trip, and rebuilding the docgen
records that the renderers take."""
from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive import firms
from archive.firms import RegisterDifference
from archive.models import Agency, Firm, Photo, Sampler, Sampling, SamplingSampler, Task
from docgen import records as rec


def _upsert(session: Session, model, key: dict, values: dict):
    row = session.scalars(select(model).filter_by(**key)).first()
    if row is None:
        row = model(**key, **values)
        session.add(row)
    else:
        for k, v in values.items():
            setattr(row, k, v)
    return row


def _agency(session: Session, kind: str, a: rec.Agency) -> Agency:
    # a file that leaves a detail blank says nothing about it: the register keeps its value
    values = {k: v for k, v in asdict(a).items() if k != "name" and v}
    return _upsert(session, Agency, {"kind": kind, "name": a.name}, values)


def upsert_trip(session: Session, trip: rec.Trip,
                photos: dict[Path, tuple[str, str, datetime | None]],
                reports: dict[Path, str] | None = None, actor: str = "", *, source: str = "",
                update_register: bool = False, keep: frozenset[str] = frozenset()
                ) -> list[RegisterDifference]:
    """Insert or update everything in the trip; the same data imported twice changes nothing.

    photos maps each photo file to (original hash, print copy hash, EXIF time), reports each
    lab report file to its hash, all files already in the store. A sampling without a result
    in the file keeps the result it has; samplings named in `keep` (finished records the file
    leaves unchanged) are not touched at all. Each sampling keeps the firm and producer as the
    file records them; the firm register is only added to, unless `update_register`: the
    differences between the file and the register are returned for the user to decide.
    """
    agency, institution = _agency(session, "agency", trip.agency), _agency(session, "institution",
                                                                            trip.institution)
    session.flush()
    t = trip.task
    task = _upsert(session, Task, {"code": t.code},
                   {**{k: v for k, v in asdict(t).items() if k != "code"},
                    "agency_id": agency.id, "institution_id": institution.id})
    samplers = [_upsert(session, Sampler, {"name": s.name, "id_no": s.id_no}, {}) for s in trip.samplers]
    session.flush()
    found: dict[str, RegisterDifference] = {}
    for s in trip.samplings:
        if s.sample_no in keep:  # recorded exactly so already; the register may still differ
            for f in (s.enterprise, firms.as_maker(s.manufacturer, s.enterprise)):
                if (d := firms.conflicts(session, f)) is not None:
                    found.setdefault(d.credit_code, d)
            continue
        firm, maker, differences = register_firms(session, s, actor=actor, source=source,
                                                  update=update_register)
        for d in differences:
            found.setdefault(d.credit_code, d)
        row = _upsert(session, Sampling, {"sample_no": s.sample_no}, {
            "task_id": task.id, "firm_id": firm.id, "manufacturer_id": maker.id if maker else None,
            "trip_date": trip.trip_date, **visit_values(s), **recorded_firms(s)})
        if s.notice_no:
            row.notice_no = s.notice_no
        if s.result is not None:
            from archive.results import result_columns

            report = s.result.lab_report
            for key, value in result_columns(
                    s.result, (reports or {}).get(report) if report else row.lab_report_sha256,
                    report.name if report else row.lab_report_filename, actor).items():
                setattr(row, key, value)
        session.flush()
        row.samplers = [SamplingSampler(sampler_id=p.id, position=i) for i, p in enumerate(samplers)]
        _add_photos(row, s.photos, photos)
    session.flush()
    return list(found.values())


def _add_photos(row: Sampling, listed: tuple[rec.Photo, ...],
                photos: dict[Path, tuple[str, str, datetime | None]]) -> None:
    """The file's photos join those the sampling has (uploaded on the web, or by an earlier
    file): a file that lists fewer photos never removes any."""
    have = {p.original_sha256: p for p in row.photos}
    for p in listed:
        original, copy, taken = photos[p.file]
        if original in have:
            have[original].caption = p.caption or have[original].caption
            continue
        have[original] = Photo(position=len(row.photos), caption=p.caption, filename=p.file.name,
                               original_sha256=original, print_sha256=copy, taken_at=taken)
        row.photos.append(have[original])


def register_firms(session: Session, s: rec.Sampling, *, actor: str, source: str,
                   update: bool = False) -> tuple[Firm, Firm | None, list[RegisterDifference]]:
    """The register's rows for a sampling's firm and producer (added when new), and how the
    record differs from the register."""
    firm, d1 = firms.register(session, s.enterprise, actor=actor, source=source, update=update)
    maker, d2 = (None, None)
    if s.manufacturer:
        maker, d2 = firms.register(session, firms.as_maker(s.manufacturer, s.enterprise),
                                   actor=actor, source=source, update=update)
    return firm, maker, [d for d in (d1, d2) if d]


def recorded_firms(s: rec.Sampling) -> dict:
    """The firm and producer as this sampling records them (what its documents print)."""
    return {"firm_record": firms.firm_dict(s.enterprise),
            "maker_record": firms.firm_dict(firms.as_maker(s.manufacturer, s.enterprise))}


def visit_values(s: rec.Sampling) -> dict:
    """The columns of a sampling that the visit itself fills in."""
    return {"outcome": s.outcome, "product": asdict(s.product), "product_name": s.product.name,
            "batch": s.product.batch, "quantity": asdict(s.quantity), "unit_price": s.unit_price,
            "sampled_at": s.sampled_at, "place": s.place, "seal": asdict(s.seal),
            "send_to": s.send_to, "send_by": s.send_by, "online": _json(s.online),
            "refusal": _json(s.refusal), "no_sample": _json(s.no_sample)}


def record_visit(session: Session, row: Sampling, s: rec.Sampling, *, actor: str,
                 source: str) -> list[RegisterDifference]:
    """Write what was recorded on site into an existing sampling (photos and samplers stay)."""
    _, maker, differences = register_firms(session, s, actor=actor, source=source)
    row.manufacturer_id = maker.id if maker else None
    for key, value in {**visit_values(s), **recorded_firms(s)}.items():
        setattr(row, key, value)
    return differences


def _json(value):
    """Dataclass → JSON-safe dict: Decimal and datetimes as strings, tuples as lists."""
    def plain(v):
        if isinstance(v, (tuple, list)):
            return [plain(x) for x in v]
        if isinstance(v, dict):
            return {k: plain(x) for k, x in v.items()}
        return v if isinstance(v, (str, int, type(None))) else str(v)
    return None if value is None else plain(asdict(value))


# -- database → docgen records ------------------------------------------------------------------


def _agency_record(a: Agency) -> rec.Agency:
    return rec.Agency(name=a.name, short_name=a.short_name, address=a.address,
                      postal_code=a.postal_code, phone=a.phone, contact=a.contact, cma_no=a.cma_no)


def sampling_record(row: Sampling, photo_path) -> rec.Sampling:
    online = None
    if row.online:
        o = row.online
        online = rec.OnlinePurchase(
            platform=o.get("platform", ""), shop=o.get("shop", ""), url=o.get("url", ""),
            order_no=o.get("order_no", ""),
            paid=Decimal(o["paid"]) if o.get("paid") else None,
            ordered_at=datetime.fromisoformat(o["ordered_at"])
            if o.get("ordered_at") else None)
    refusal = None
    if row.refusal:
        refusal = rec.Refusal(row.refusal.get("description", ""),
                              tuple(rec.Witness(**w) for w in row.refusal.get("witnesses", [])))
    return rec.Sampling(
        sample_no=row.sample_no, enterprise=row.enterprise, outcome=row.outcome,
        manufacturer=row.maker,
        product=rec.Product(**row.product),
        quantity=rec.Quantity(**row.quantity), unit_price=row.unit_price,
        sampled_at=row.sampled_at, place=row.place, seal=rec.Seal(**row.seal),
        send_to=row.send_to, send_by=row.send_by, online=online,
        photos=tuple(rec.Photo(file=photo_path(p.original_sha256), caption=p.caption)
                     for p in row.photos),
        refusal=refusal, no_sample=rec.NoSample(**row.no_sample) if row.no_sample else None,
        notice_no=row.notice_no, result=result_record(row, photo_path), ems_no=row.ems_no)


def result_record(row: Sampling, file_path) -> rec.Result | None:
    if not row.result:
        return None
    return rec.Result(conclusion=row.result, report_no=row.report_no, report_date=row.report_date,
                      items=tuple(rec.FailedItem(**i) for i in row.result_items or []),
                      lab_report=file_path(row.lab_report_sha256) if row.lab_report_sha256 else None,
                      remarks=row.result_remarks or "")


def trip_record(rows: list[Sampling], photo_path) -> rec.Trip:
    """A docgen Trip for samplings of one task that share their samplers and trip date."""
    first = rows[0]
    task = first.task
    t = rec.Task(code=task.code, name=task.name, level=task.level, category=task.category,
                 source=task.source, plan_doc_no=task.plan_doc_no,
                 product_category=task.product_category, valid_from=task.valid_from,
                 valid_to=task.valid_to, basis=task.basis, result_due=task.result_due)
    return rec.Trip(agency=_agency_record(task.agency), institution=_agency_record(task.institution),
                    task=t,
                    samplers=tuple(rec.Sampler(p.sampler.name, p.sampler.id_no) for p in first.samplers),
                    trip_date=first.trip_date,
                    samplings=tuple(sampling_record(r, photo_path) for r in rows))


def group_for_rendering(rows: list[Sampling]) -> list[list[Sampling]]:
    """Samplings that can share one docgen Trip: same task, samplers and trip date."""
    groups: dict[tuple, list[Sampling]] = {}
    for r in rows:
        key = (r.task_id, tuple(p.sampler_id for p in r.samplers), r.trip_date)
        groups.setdefault(key, []).append(r)
    return list(groups.values())
