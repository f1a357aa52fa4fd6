"""Finished records are locked: once a sampling has filled-in documents in the archive, a lab
result or a mailing, what it records changes only through a 更正 (correction) that names the
changed fields with their old and new values, why, who and when; its documents are then
regenerated as new versions and the old ones stay.

This module decides (pure functions over rows and records) what makes a sampling finished and
what a record would change in it; it writes only the Correction row.
"""
from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from archive import firms
from archive.models import Correction, Document, Mailing, Sampling
from docgen import records as rec
from docgen.fields import field_label


def lock_reasons(session: Session, row: Sampling) -> list[str]:
    """Why a sampling is finished (empty: it is not): 已归档文书, 已有检验结果, 已邮寄结果."""
    reasons = []
    if session.scalar(select(exists().where(Document.sampling_id == row.id,
                                            Document.blank.is_(False)))):
        reasons.append("已归档文书")
    if row.result:
        reasons.append("已有检验结果")
    if session.scalar(select(exists().where(Mailing.sampling_id == row.id))):
        reasons.append("已邮寄结果")
    return reasons


def task_finished(session: Session, task_id: int) -> bool:
    """Whether any sampling of the task is finished (its task details are then part of it)."""
    return bool(session.scalar(select(exists().where(
        Document.task_id == task_id, Document.sampling_id.is_not(None),
        Document.blank.is_(False)))) or session.scalar(select(exists().where(
            Sampling.task_id == task_id, Sampling.result != ""))))


def task_differences(stored, task: rec.Task) -> dict[str, tuple[str, str]]:
    """Task details a file gives differently from the stored task: path → (old, new)."""
    out = {}
    for key, new in asdict(task).items():
        old = _plain(getattr(stored, key))
        if _plain(new) != old:
            out[f"task.{key}"] = (old, _plain(new))
    return out


def _plain(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M") + (f":{value.second:02d}" if value.second else "")
    if isinstance(value, (date, Decimal, int)):
        return str(value)
    if isinstance(value, dict):
        return "，".join(_plain(v) for v in value.values() if _plain(v))
    if isinstance(value, (list, tuple)):
        return "；".join(_plain(v) for v in value)
    return str(value)


def _flat(prefix: str, value, out: dict[str, str]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _flat(f"{prefix}.{k}" if prefix else k, v, out)
    else:
        out[prefix] = _plain(value)


def _visit(s: rec.Sampling) -> dict[str, str]:
    """A record's visit, firm and producer as flat path → text."""
    from archive.records import recorded_firms, visit_values

    values = {k: v for k, v in visit_values(s).items() if k not in ("product_name", "batch")}
    values["outcome"] = rec.OUTCOME_NAMES.get(values["outcome"], "待抽样")  # as the user says it
    values["price"] = {"unit": values.pop("unit_price")}
    recorded = recorded_firms(s)
    values["enterprise"] = recorded["firm_record"]
    values["manufacturer"] = recorded["maker_record"] or dict.fromkeys(firms.FIRM_KEYS, "")
    out: dict[str, str] = {}
    _flat("", values, out)
    return out


def _result(r: rec.Result | None) -> dict[str, str]:
    if r is None:
        return {}
    return {"result.conclusion": r.conclusion, "result.report_no": r.report_no,
            "result.report_date": _plain(r.report_date),
            "result.failed_items": "；".join(f"{i.item}（{i.requirement}；{i.measured}；{i.verdict}）"
                                             for i in r.items),
            "result.remarks": r.remarks}


def differences(before: rec.Sampling, after: rec.Sampling, *, result: bool = True
                ) -> dict[str, tuple[str, str]]:
    """Field path → (old, new) for everything `after` records differently from `before`.
    A record without a result (or without a 通知书 number) says nothing about it."""
    old, new = _visit(before), _visit(after)
    if after.notice_no:
        old["notice_no"], new["notice_no"] = before.notice_no, after.notice_no
    if result and after.result is not None:
        old.update(_result(before.result))
        new.update(_result(after.result))
    return {k: (old.get(k, ""), v) for k, v in new.items() if v != old.get(k, "")}


def describe(changes: dict[str, tuple[str, str]], limit: int = 6) -> str:
    """'产品名称：A → B；单价：…' for a message (the first `limit` fields)."""
    parts = [f"{field_label(k)}：{old or '（空）'} → {new or '（空）'}"
             for k, (old, new) in list(changes.items())[:limit]]
    if len(changes) > limit:
        parts.append(f"等 {len(changes)} 项")
    return "；".join(parts)


def outcome_change(row: Sampling, changes: dict[str, tuple[str, str]]) -> str | None:
    """Why the change cannot be made at all: the outcome of a tested sample stays."""
    if row.result and "outcome" in changes:
        return "已有检验结果，抽样结果不能更改（先更正或撤回检验结果）"
    return None


def record(session: Session, row: Sampling, changes: dict[str, tuple[str, str]], reason: str,
           actor: str) -> Correction:
    entry = Correction(sampling_id=row.id, actor=actor, reason=reason,
                       changes={k: [old, new] for k, (old, new) in changes.items()}, documents=[])
    session.add(entry)
    session.flush()
    return entry


def history(session: Session, sampling_id: int) -> list[Correction]:
    """A sampling's corrections, newest first."""
    return list(session.scalars(select(Correction).where(Correction.sampling_id == sampling_id)
                                .order_by(Correction.id.desc())))


