"""The firm register (企业名录): firms keyed by 统一社会信用代码, changed only explicitly and
always with a history entry (who, when, from what, each field's old and new value).

A sampling never reads the register to print its documents: it keeps its own copy of the firm
and producer as recorded (`Sampling.firm_record`, `maker_record`). The register is where a
clerk finds a firm again; a record that disagrees with it is reported as a difference, and the
register changes only when someone says so.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.models import FIRM_KEYS, Firm, FirmChange
from docgen import records as rec

LABELS = {"name": "名称", "credit_code": "统一社会信用代码", "address": "地址",
          "postal_code": "邮政编码", "legal_rep": "法定代表人", "contact": "联系人",
          "phone": "联系电话", "role": "单位类型"}
EDITABLE = tuple(k for k in FIRM_KEYS if k != "credit_code")


@dataclass(frozen=True)
class RegisterDifference:
    """A record's firm details that differ from the register's: field → (register, record)."""

    credit_code: str
    name: str  # the name in the register
    changes: dict[str, tuple[str, str]]

    def describe(self) -> str:
        return "；".join(f"{LABELS[k]}：{old or '（空）'} → {new}" for k, (old, new) in self.changes.items())


def firm_dict(f: rec.Firm | Firm | dict | None) -> dict | None:
    """The firm details a sampling keeps, as plain strings."""
    if f is None:
        return None
    if isinstance(f, dict):
        return {k: f.get(k) or "" for k in FIRM_KEYS}
    if isinstance(f, rec.Firm):
        return {k: v or "" for k, v in asdict(f).items() if k in FIRM_KEYS}
    return {k: getattr(f, k) or "" for k in FIRM_KEYS}


def as_maker(maker: rec.Firm | None, enterprise: rec.Firm) -> rec.Firm | None:
    """A producer with the firm's own credit code is the firm itself: what the record leaves
    blank about it is the firm's (its 邮编, 电话 …), never blanked."""
    if maker is None or not maker.credit_code or maker.credit_code != enterprise.credit_code:
        return maker
    filled = {k: getattr(maker, k) or getattr(enterprise, k) for k in FIRM_KEYS}
    return rec.Firm(**filled)


def differences(row: Firm, values: dict) -> dict[str, tuple[str, str]]:
    """Fields where `values` says something else than the register. A blank value says
    nothing: partial data never erases what the register holds."""
    out = {}
    for k in EDITABLE:
        new, old = (values.get(k) or "").strip(), getattr(row, k) or ""
        if new and new != old:
            out[k] = (old, new)
    return out


def _record_change(session: Session, firm: Firm, changes: dict[str, tuple[str, str]], actor: str,
                   source: str) -> FirmChange:
    for k, (_, new) in changes.items():
        setattr(firm, k, new)
    entry = FirmChange(firm_id=firm.id, actor=actor, source=source[:300],
                       changes={k: [old, new] for k, (old, new) in changes.items()})
    session.add(entry)
    return entry


def register(session: Session, f: rec.Firm, *, actor: str, source: str,
             update: bool = False) -> tuple[Firm, RegisterDifference | None]:
    """The register's row for the firm of a record, and how the record differs from it.

    A firm not yet in the register is added (its first history entry says so). A known firm
    gets the record's values only where the register has none (recorded as a change); values
    that disagree with the register change it only with `update`, else they come back as a
    RegisterDifference for the user to decide. A firm without a credit code (a producer named
    on a label) is found by name and never changed.
    """
    if not f.credit_code:
        row = session.scalars(select(Firm).where(Firm.credit_code.is_(None),
                                                 Firm.name == f.name)).first()
        if row is None:
            row = Firm(credit_code=None, **{k: getattr(f, k) or "" for k in EDITABLE})
            session.add(row)
            session.flush()
        return row, None
    row = session.scalars(select(Firm).where(Firm.credit_code == f.credit_code)).first()
    values = firm_dict(f)
    if row is None:
        row = Firm(**values)
        session.add(row)
        session.flush()
        session.add(FirmChange(firm_id=row.id, actor=actor, source=f"新建：{source}"[:300],
                               changes={k: ["", v] for k, v in values.items() if v}))
        return row, None
    changes = differences(row, values)
    fills = {k: v for k, v in changes.items() if not v[0]}
    conflicts = {k: v for k, v in changes.items() if v[0]}
    if update and conflicts:
        _record_change(session, row, changes, actor, source)
        return row, None
    if fills:
        _record_change(session, row, fills, actor, f"补充：{source}")
    return row, (RegisterDifference(row.credit_code, row.name, conflicts) if conflicts else None)


def conflicts(session: Session, f: rec.Firm | None) -> RegisterDifference | None:
    """How a record's firm disagrees with the register, without changing anything (None: it
    does not, or the register does not know the firm)."""
    if f is None or not f.credit_code:
        return None
    row = session.scalars(select(Firm).where(Firm.credit_code == f.credit_code)).first()
    if row is None:
        return None
    found = {k: v for k, v in differences(row, firm_dict(f)).items() if v[0]}
    return RegisterDifference(row.credit_code, row.name, found) if found else None


def update(session: Session, credit_code: str, values: dict, *, actor: str,
           source: str) -> FirmChange | None:
    """Change the register's entry for a credit code to `values` (blank values are left alone);
    None when nothing differs. Raises LookupError for an unknown credit code, FirmProblems for
    values that cannot be saved."""
    row = session.scalars(select(Firm).where(Firm.credit_code == credit_code.strip().upper())).first()
    if row is None:
        raise LookupError(credit_code)
    values = {k: (values.get(k) or "").strip() for k in EDITABLE if k in values}
    if problems := check(values):
        raise FirmProblems(problems)
    changes = differences(row, values)
    return _record_change(session, row, changes, actor, source) if changes else None


class FirmProblems(ValueError):
    """Register values that cannot be saved: field → message (in Chinese)."""

    def __init__(self, fields: dict[str, str]):
        super().__init__("；".join(f"{LABELS[k]}：{m}" for k, m in fields.items()))
        self.fields = fields


def check(values: dict) -> dict[str, str]:
    """What is wrong with register values typed by a user (empty: nothing)."""
    problems = {}
    if "name" in values and not (values.get("name") or "").strip():
        problems["name"] = "名称不能为空"
    postal = (values.get("postal_code") or "").strip()
    if postal and not re.fullmatch(r"\d{6}", postal):
        problems["postal_code"] = "邮政编码应为6位数字"
    role = (values.get("role") or "").strip()
    if role and role not in rec.ROLES:
        problems["role"] = f"应为 {'/'.join(rec.ROLES)} 之一"
    for k in EDITABLE:
        v = values.get(k) or ""
        if len(v) > 500:
            problems[k] = "过长（500 字以内）"
        elif re.search(r"[\x00-\x1f\x7f]", v):
            problems[k] = "含有控制字符"
    return problems


def history(session: Session, firm_id: int) -> list[FirmChange]:
    """The register's changes of a firm, newest first."""
    return list(session.scalars(select(FirmChange).where(FirmChange.firm_id == firm_id)
                                .order_by(FirmChange.id.desc())))


# -- services for the web and the CLI ----------------------------------------------------------

def register_history(archive, credit_code: str) -> tuple[Firm, list[FirmChange]]:
    """A firm of the register and its changes, newest first; LookupError if unknown."""
    with archive.session() as s:
        row = s.scalars(select(Firm).where(Firm.credit_code == credit_code.strip().upper())).first()
        if row is None:
            raise LookupError(credit_code)
        return row, history(s, row.id)


def save_register(archive, credit_code: str, values: dict, *, actor: str,
                  source: str) -> FirmChange | None:
    """Update the register explicitly (kept in its history and the audit log); None when
    nothing differs. No sampling changes: each keeps the firm as it recorded it."""
    with archive.session() as s:
        entry = update(s, credit_code, values, actor=actor, source=source)
        if entry is not None:
            archive.audit(s, actor, "register.update", credit_code, fields=list(entry.changes),
                          source=source)
        return entry
