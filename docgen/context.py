"""What a form shows: the field values of one sampling, formatted the way the paper forms write them.

The result is a nested dict of strings keyed by the names in `fields.FIELDS` ({"enterprise":
{"name": ...}}), the same for the Word and the PDF renderer. In a blank (pre-trip) context the
on-site fields are left as writing room; in a filled one an empty value prints as “/”.
"""
from __future__ import annotations

import re
from datetime import date, datetime

from docgen.amounts import format_figures, to_upper_rmb
from docgen.fields import FIELDS
from docgen.formatting import (BLANK_DATE, BLANK_DATETIME, checkboxes, chinese_date,
                               chinese_datetime, copies_phrase, production_date)
from docgen.records import ROLES, Firm, Sampling, Trip
from docgen.settings import Settings
from docgen.spec import FormSpec

BLANK = "　" * 6  # writing room: six full-width spaces (underlined where the text runs inline)
NOT_APPLICABLE = "/"
LICENSE_KINDS = ("工业产品生产许可证", "强制性产品认证（CCC）", "其他", "无")
SEAL_STATES = ("已封样", "未封样")
CATEGORIES = ("监督抽查", "复查")
_DATE_FIELDS = {"sampled_at", "online.ordered_at"}
_DAY_FIELDS = {"sampled_on", "send_by", "task.valid_from", "task.valid_to", "task.result_due",
               "issue_date", "trip_date"}


def _license_kind(license_type: str) -> str:
    if not license_type:
        return "无"
    if "生产许可" in license_type:
        return LICENSE_KINDS[0]
    if "CCC" in license_type.upper() or "强制性产品认证" in license_type:
        return LICENSE_KINDS[1]
    return "其他"


def notice_number(trip: Trip, sampling: Sampling, settings: Settings) -> str:
    """The 通知书 number: given in the record, or 机关代字〔年〕N号 with N from the sample number."""
    if sampling.notice_no:
        return sampling.notice_no
    year = (trip.task.valid_from or trip.trip_date or date.today()).year
    digits = re.findall(r"\d+", sampling.sample_no)
    serial = int(digits[-1]) if digits and int(digits[-1]) > 0 else trip.samplings.index(sampling) + 1
    return settings.notice_number.format(short_name=trip.agency.short_name, year=year,
                                         serial=serial)


class _Builder:
    def __init__(self, blank: bool):
        self.blank = blank
        self.ctx: dict = {}

    def put(self, path: str, value) -> None:
        field = FIELDS[path]  # KeyError here is a programming error: a name missing from FIELDS
        if self.blank and field.onsite:
            text = ""
        elif isinstance(value, datetime):
            text = chinese_datetime(value)
        elif isinstance(value, date):
            text = chinese_date(value)
        else:
            text = "" if value is None else str(value)
        if not text:
            if path in _DATE_FIELDS:
                text = BLANK_DATETIME if self.blank else NOT_APPLICABLE
            elif path in _DAY_FIELDS:
                text = BLANK_DATE if self.blank else NOT_APPLICABLE
            else:
                text = BLANK if self.blank else NOT_APPLICABLE
        self._store(path, text)

    def _store(self, path: str, text: str) -> None:
        node = self.ctx
        *parents, leaf = path.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = text

    def boxes(self, path: str, options, chosen) -> None:
        """Checkboxes print all options even when blank, so the firm can tick one by hand."""
        if self.blank and FIELDS[path].onsite:
            chosen = None
        self._store(path, checkboxes(options, chosen))

    def party(self, prefix: str, firm: Firm | None, keys: tuple[str, ...]) -> None:
        for key in keys:
            self.put(f"{prefix}.{key}", getattr(firm, key) if firm else "")


def sampling_context(trip: Trip, sampling: Sampling, settings: Settings, *, blank: bool) -> dict:
    b = _Builder(blank)
    contact_keys = ("name", "address", "postal_code", "phone", "contact")
    b.party("agency", trip.agency, contact_keys + ("short_name",))
    b.party("institution", trip.institution, contact_keys + ("cma_no",))
    task = trip.task
    for key in ("code", "name", "level", "category", "source", "plan_doc_no", "product_category",
                "valid_from", "valid_to", "basis", "result_due"):
        b.put(f"task.{key}", getattr(task, key))
    b.boxes("task.category_boxes", CATEGORIES, task.category)
    b.put("task.year", (task.valid_from or trip.trip_date or date.today()).year)
    b.put("samplers.names", "、".join(s.name for s in trip.samplers))
    b.put("samplers.with_ids", "、".join(f"{s.name}（{s.id_no}）" if s.id_no else s.name
                                        for s in trip.samplers))
    b.put("trip_date", trip.trip_date)
    b.put("issue_date", task.valid_from)
    b.put("sample_no", sampling.sample_no)
    b.put("notice_no", notice_number(trip, sampling, settings))

    firm_keys = ("name", "credit_code", "address", "postal_code", "legal_rep", "contact", "phone")
    b.party("enterprise", sampling.enterprise, firm_keys + ("role",))
    b.boxes("enterprise.role_boxes", ROLES, sampling.enterprise.role)
    # A producer is its own 生产单位; a seller names the producer on the label.
    maker = sampling.manufacturer or (sampling.enterprise if sampling.enterprise.role == "生产"
                                      else None)
    b.party("manufacturer", maker, firm_keys)

    p = sampling.product
    for key in ("name", "trademark", "model", "batch", "grade", "standard", "license_type",
                "license_no"):
        b.put(f"product.{key}", getattr(p, key))
    b.put("product.production_date", production_date(p.production_date))
    b.boxes("product.license_boxes", LICENSE_KINDS,
            _license_kind(p.license_type) if sampling.outcome == "sampled" else None)
    q = sampling.quantity
    for key in ("test", "backup", "base", "bought", "unit"):
        b.put(f"quantity.{key}", getattr(q, key))
    amount = sampling.amount
    b.put("price.unit", format_figures(sampling.unit_price) if sampling.unit_price is not None
          else "")
    b.put("price.amount", format_figures(amount) if amount is not None else "")
    b.put("price.amount_upper", to_upper_rmb(amount) if amount is not None else "")
    b.put("sampled_at", sampling.sampled_at)
    b.put("sampled_on", sampling.sampled_at.date() if sampling.sampled_at else None)
    b.put("place", sampling.place)
    b.put("seal.seal_no", sampling.seal.seal_no)
    b.put("seal.backup_location", sampling.seal.backup_location)
    b.boxes("seal.state_boxes", SEAL_STATES,
            (SEAL_STATES[0] if sampling.seal.seal_no else SEAL_STATES[1])
            if sampling.outcome == "sampled" else None)
    b.put("send_to", sampling.send_to or trip.institution.name)
    b.put("send_by", sampling.send_by)

    online = sampling.online
    for key in ("platform", "shop", "url", "order_no", "ordered_at"):
        b.put(f"online.{key}", getattr(online, key) if online else "")
    b.put("online.paid", format_figures(online.paid) if online and online.paid is not None else "")

    refusal = sampling.refusal
    b.put("refusal.description", refusal.description if refusal else "")
    b.put("refusal.witnesses", "；".join(f"{w.name}（{w.unit}）" if w.unit else w.name
                                        for w in refusal.witnesses) if refusal else "")
    no_sample = sampling.no_sample
    b.put("no_sample.reason", no_sample.reason if no_sample else "")
    b.boxes("no_sample.reason_boxes", ("倒闭", "注销", "停产", "转产", "全部用于出口", "其他"),
            no_sample.reason if no_sample else None)
    b.put("no_sample.description", no_sample.description if no_sample else "")

    b.put("terms.objection_days", settings.objection_days)
    b.put("terms.backup_hold", settings.backup_hold)
    b.put("terms.invoice_within", settings.invoice_within)
    b.put("terms.complaint_phone", settings.complaint_phone or trip.agency.phone)
    return b.ctx


def form_context(spec: FormSpec, base: dict, settings: Settings) -> dict:
    """The sampling context plus what belongs to one form: its title and its 联 copies."""
    unit, copies = settings.copies_for(spec.code)
    if len(copies) > 1:
        parts = "；".join(f"{c.label}{c.holder}" for c in copies)
        note = f"本{_noun(spec.title)}{copies_phrase(len(copies), unit)}：{parts}。"
    else:
        note = f"本{_noun(spec.title)}{copies[0].holder}。" if copies[0].holder else ""
    return {**base, "form_title": spec.title, "copies_note": note,
            "copies": [{"label": c.label, "holder": c.holder} for c in copies]}


def _noun(title: str) -> str:
    """通知书 → 通知书, 抽样单 → 单, 认定表 → 表: how the copy note names the document."""
    for suffix in ("通知书", "委托书", "告知单", "工作单", "反馈单", "付费单", "抽样单", "认定表"):
        if title.endswith(suffix):
            return suffix
    return "表"


def lookup(ctx: dict, path: str) -> str:
    node = ctx
    for part in path.split("."):
        node = node[part]
    return node
