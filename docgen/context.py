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
from docgen.records import ROLES, Firm, Result, Sampling, Trip
from docgen.settings import Settings
from docgen.spec import FormSpec

BLANK = "　" * 6  # writing room: six full-width spaces (underlined where the text runs inline)
NOT_APPLICABLE = "/"
LICENSE_KINDS = ("工业产品生产许可证", "强制性产品认证（CCC）", "其他", "无")
SEAL_STATES = ("已封样", "未封样")
CATEGORIES = ("监督抽查", "复查")
_DATE_FIELDS = {"sampled_at", "online.ordered_at"}
_DAY_FIELDS = {"sampled_on", "send_by", "task.valid_from", "task.valid_to", "task.result_due",
               "issue_date", "trip_date", "result.report_date"}
SERVICE_METHODS = ("直接送达", "留置送达", "邮寄送达", "委托送达", "电子送达", "公告送达")
REPLIES = ("无异议", "将在规定期限内提出书面异议")
BLANK_ITEM_ROWS = 3  # writing room in the failed-items table of a result notice with no result


def _license_kind(license_type: str) -> str:
    if not license_type:
        return "无"
    if "生产许可" in license_type:
        return LICENSE_KINDS[0]
    if "CCC" in license_type.upper() or "强制性产品认证" in license_type:
        return LICENSE_KINDS[1]
    return "其他"


def _serial(trip: Trip, sampling: Sampling) -> int:
    """The trailing number of the sample number, else the firm's place in the trip."""
    digits = re.findall(r"\d+", sampling.sample_no)
    return int(digits[-1]) if digits and int(digits[-1]) > 0 else trip.samplings.index(sampling) + 1


def notice_number(trip: Trip, sampling: Sampling, settings: Settings) -> str:
    """The 通知书 number: given in the record, or 机关代字〔年〕N号 with N from the sample number."""
    if sampling.notice_no:
        return sampling.notice_no
    year = (trip.task.valid_from or trip.trip_date or date.today()).year
    return settings.notice_number.format(short_name=trip.agency.short_name, year=year,
                                         serial=_serial(trip, sampling))


def result_notice_number(trip: Trip, sampling: Sampling, settings: Settings) -> str:
    """The 检验结果通知书 number, from the `result_notice_number` pattern (year of the report)."""
    result = sampling.result
    when = (result.report_date if result else None) or trip.task.valid_from or trip.trip_date
    return settings.result_notice_number.format(
        short_name=trip.agency.short_name, year=(when or date.today()).year,
        serial=_serial(trip, sampling), sample_no=sampling.sample_no,
        report_no=result.report_no if result else "")


class _Builder:
    def __init__(self, blank: bool):
        self.blank = blank
        self.ctx: dict = {}

    def put(self, path: str, value, room: bool = False) -> None:
        """Store a value as text; `room`: an empty value leaves writing room, even when filled."""
        field = FIELDS[path]  # KeyError here is a programming error: a name missing from FIELDS
        blank = self.blank or room
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
                text = BLANK_DATETIME if blank else NOT_APPLICABLE
            elif path in _DAY_FIELDS:
                text = BLANK_DATE if blank else NOT_APPLICABLE
            else:
                text = BLANK if blank else NOT_APPLICABLE
        self._store(path, text)

    def _store(self, path: str, text) -> None:
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
    _result_fields(b, trip, sampling, settings)
    return b.ctx


def _result_fields(b: _Builder, trip: Trip, sampling: Sampling, settings: Settings) -> None:
    """What the result notice, the 送达回证 and the envelope print. Without a result (before
    testing, or a blank packet) they are writing room: the notice becomes a form to fill by hand."""
    result = None if b.blank else sampling.result
    room = result is None
    b.put("result.notice_no", result_notice_number(trip, sampling, settings) if result else "",
          room)
    b.put("result.conclusion", result.conclusion if result else "", room)
    b.put("result.report_no", result.report_no if result else "", room)
    b.put("result.report_date", result.report_date if result else None, room)
    b.put("result.remarks", result.remarks if result else "", room)
    if result is None:
        items = [dict.fromkeys(FIELDS["result.failed_items"].items, "")] * BLANK_ITEM_ROWS
    else:
        items = [{"no": str(n), "item": i.item or NOT_APPLICABLE,
                  "requirement": i.requirement or NOT_APPLICABLE,
                  "measured": i.measured or NOT_APPLICABLE, "verdict": i.verdict or NOT_APPLICABLE}
                 for n, i in enumerate(result.items, start=1)]
    b._store("result.failed_items", items)
    b.put("result.statement", result_statement(result, sampling))
    b.put("result.backup_disposal", backup_disposal(result, sampling, trip, settings))
    b._store("result.reply_boxes", checkboxes(REPLIES, None))
    b._store("service.method_boxes", checkboxes(SERVICE_METHODS, "邮寄送达"))
    b.put("ems_no", sampling.ems_no, room=True)
    sender = trip.agency if settings.result_sender == "agency" else trip.institution
    b.party("sender", sender, ("name", "address", "postal_code", "phone", "contact"))
    code = re.sub(r"\s", "", sampling.enterprise.postal_code)[:6]
    b._store("enterprise.postal_digits", code.ljust(6, "　"))


def result_statement(result: Result | None, sampling: Sampling) -> str:
    """The sentence that states the conclusion (and, for a failure, asks for correction)."""
    standard = sampling.product.standard or "产品执行标准"
    if result is None:
        return "检验结论及不合格项目如下。"
    if not result.failed:
        return f"经检验，该样品所检项目均符合{standard}的要求，检验结论为合格。"
    return (f"经检验，该样品有{len(result.items)}项检验项目不符合{standard}的要求（见下表），"
            "检验结论为不合格。请你单位立即查明原因，对不合格产品依法采取整改措施。")


def backup_disposal(result: Result | None, sampling: Sampling, trip: Trip,
                    settings: Settings) -> str:
    """What becomes of the sealed backup sample: free after a pass, kept after a failure
    (Hunan 2018 seal notice, REFERENCE §1.2 'Backup custody')."""
    seal = f"（封样编号：{sampling.seal.seal_no}）" if sampling.seal.seal_no else ""
    keep = (f"应继续封存、保持封条完好，不得擅自更换、隐匿、处理或者损毁，保存至异议期满后"
            f"{settings.backup_hold}，并按照{trip.agency.name}的要求处置；申请复检的，复检使用封存的"
            "备用样品。")
    if result is None:
        return (f"检验结论为合格的，异议期满后你单位可自行处置封存的备用样品{seal}；检验结论为"
                f"不合格的，备用样品{keep}")
    if not result.failed:
        return f"本次检验结论为合格，异议期满且你单位未提出异议的，可自行处置封存的备用样品{seal}。"
    return f"本次检验结论为不合格，你单位封存的备用样品{seal}{keep}"


def label_context(trip: Trip, samplings, settings: Settings) -> dict:
    """The address labels of a batch of firms, in rows of `label_columns` (the last row padded
    with empty labels)."""
    labels = []
    for s in samplings:
        firm = s.enterprise
        contact = "　".join(part for part in (f"联系人：{firm.contact}" if firm.contact else "",
                                              f"电话：{firm.phone}" if firm.phone else "") if part)
        labels.append({"postal_code": firm.postal_code, "address": firm.address,
                       "addressee": f"{firm.name}（收）", "contact": contact,
                       "sample_line": f"抽样单编号：{s.sample_no}　检验结果通知书"})
    n = settings.label_columns
    labels += [dict.fromkeys(FIELDS["labels"].items, "")] * (-len(labels) % n)
    rows = [labels[i:i + n] for i in range(0, len(labels), n)]
    return {"labels": rows}


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
    for suffix in ("通知书", "委托书", "告知单", "工作单", "反馈单", "付费单", "抽样单", "认定表",
                   "回证"):
        if title.endswith(suffix):
            return suffix
    return "表"


def lookup(ctx: dict, path: str) -> str:
    node = ctx
    for part in path.split("."):
        node = node[part]
    return node
