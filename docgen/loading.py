"""Reading a trip file into records, checking everything before anything is written.

Every problem is collected (record, field, message) so the clerk sees all of them at once.
"""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

from docgen.amounts import MAX_AMOUNT, AmountError, parse_amount
from docgen.fields import field_label
from docgen.identifiers import CreditCodeError, validate_credit_code
from docgen.ems import EmsNumberError, validate_ems
from docgen.records import (CATEGORIES, CONCLUSIONS, LEVELS, NO_SAMPLE_REASONS, OUTCOMES, ROLES,
                            Agency, FailedItem, Firm, NoSample, OnlinePurchase, Photo, Product,
                            Quantity, Refusal, Result, Sampler, Sampling, Seal, Task, Trip, Witness)
from docgen.settings import Settings

SAMPLE_NO = re.compile(r"[0-9A-Za-z][0-9A-Za-z_\-]{0,39}")
# Names Windows cannot give a folder (the sample number names the firm's folder).
_RESERVED = re.compile(r"(CON|PRN|AUX|NUL|COM[1-9]|LPT[1-9])", re.IGNORECASE)
# Text a form may carry: no control characters but the newline (a \f or \a would become a page
# or paragraph break inside the Word file).
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")
# Spaces an office suite or a web page puts in names: non-breaking, ideographic (全角), thin …
# become one plain space; zero-width ones go. Searching then ignores spaces inside names.
_ODD_SPACE = re.compile(r"[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_ZERO_WIDTH = re.compile(r"[\u200b-\u200d\u2060\ufeff]")
_SPACES = re.compile(r"[ ]{2,}")
POSTAL_CODE = re.compile(r"\d{6}")
MAX_BOUGHT = 1_000_000  # samples paid for on one visit: a larger number is a typing slip


def _shown(value) -> str:
    """A value as the user typed it, for a message (never a Python repr)."""
    if isinstance(value, (list, dict)):
        return "（列表或对象）"
    return str(value)


@dataclass(frozen=True)
class Problem:
    record: str  # a sample number, or the trip-level section ("task", "samplers", ...)
    field: str
    message: str

    def __str__(self) -> str:
        return f"{record_label(self.record)}　{field_label(self.field)}：{self.message}"


_SECTIONS = ("trip", "task", "agency", "institution", "samplers", "samplings")


def record_label(record: str) -> str:
    """A problem's record as the user knows it: the sample number, or the section's name."""
    if record.split("[")[0] in _SECTIONS:
        return field_label(record)
    return record


class TripError(ValueError):
    """A trip file that cannot be used; `problems` lists every reason."""

    def __init__(self, source: str, problems: list[Problem]):
        self.source = source
        self.problems = problems
        super().__init__(f"{source}：{len(problems)} 处错误")

    def report(self, nothing: str = "未生成任何文件") -> str:
        """The problems, one a line, under a line saying what was not done."""
        lines = [f"{self.source}：发现 {len(self.problems)} 处错误，{nothing}。"]
        lines += [f"  {p}" for p in self.problems]
        return "\n".join(lines)


class _Reader:
    """Pulls typed values out of the raw JSON, recording a Problem instead of raising."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.problems: list[Problem] = []
        self.texts: list[tuple[str, str, str]] = []  # (record, path, value): for the glyph check

    def fail(self, record: str, path: str, message: str) -> None:
        self.problems.append(Problem(record, path, message))

    def text(self, record: str, data: dict, path: str, key: str, *, required=False,
             multiline=False) -> str:
        raw = data.get(key, "") if isinstance(data, dict) else ""
        if raw is None:
            raw = ""
        if isinstance(raw, float):
            self.fail(record, path, f"应写成字符串（如 \"168.00\"），不能用浮点数：{raw}")
            return ""
        if isinstance(raw, (int, Decimal)) and not isinstance(raw, bool):
            raw = str(raw)
        if not isinstance(raw, str):
            self.fail(record, path, f"应为文字，实为 {type(raw).__name__}")
            return ""
        value = unicodedata.normalize("NFC", raw.replace("\r\n", "\n").replace("\t", " "))
        value = _ZERO_WIDTH.sub("", _ODD_SPACE.sub(" ", value)).strip()
        if not multiline and "\n" in value:
            value = " ".join(part.strip() for part in value.splitlines())
        if not multiline:
            value = _SPACES.sub(" ", value)
        if m := _CONTROL.search(value):
            self.fail(record, path, f"含有控制字符 U+{ord(m.group()):04X}")
        if len(value) > self.settings.max_text_length:
            self.fail(record, path, f"过长（{len(value)} 字，上限 {self.settings.max_text_length}）")
        if required and not value:
            self.fail(record, path, "必填项为空")
        self.texts.append((record, path, value))
        return value

    def parsed(self, record: str, data: dict, path: str, key: str, parse: Callable[[str], Any],
               what: str, required=False):
        raw = self.text(record, data, path, key, required=required)
        if not raw:
            return None
        try:
            return parse(raw)
        except (ValueError, AmountError) as exc:
            self.fail(record, path, f"{what}无效：{raw}" + (f"（{exc}）" if isinstance(exc, AmountError) else ""))
            return None

    def date(self, record, data, path, key, required=False) -> date | None:
        return self.parsed(record, data, path, key, date.fromisoformat, "日期（应为 2023-03-15）",
                           required)

    def datetime(self, record, data, path, key, required=False) -> datetime | None:
        return self.parsed(record, data, path, key, _parse_datetime,
                           "时间（应为 2023-03-15 10:20）", required)

    def section(self, record: str, data: Any, key: str, required=True) -> dict:
        value = data.get(key) if isinstance(data, dict) else None
        if value is None:
            if required:
                self.fail(record, key, "缺少此部分")
            return {}
        if not isinstance(value, dict):
            self.fail(record, key, "格式错误，应为对象")
            return {}
        return value

    def credit_code(self, record, data, path, required=True) -> str:
        raw = self.text(record, data, path, "credit_code", required=required)
        if not raw:
            return ""
        try:
            return validate_credit_code(raw)
        except CreditCodeError as exc:
            self.fail(record, path, f"统一社会信用代码{exc}")
            return raw


def _parse_datetime(raw: str) -> datetime:
    return datetime.fromisoformat(raw.replace("T", " "))


def _agency(r: _Reader, data: dict, key: str) -> Agency:
    section = r.section(key, data, key)
    fields = {k: r.text(key, section, f"{key}.{k}", k) for k in
              ("address", "postal_code", "phone", "contact", "short_name", "cma_no")}
    fields["postal_code"] = _postal_code(r, key, f"{key}.postal_code", fields["postal_code"])
    name = r.text(key, section, f"{key}.name", "name", required=True)
    if key == "agency" and section and not fields["short_name"]:
        r.fail(key, "agency.short_name", "必填项为空（文书编号要用机关代字）")
    return Agency(name=name, **fields)


def _postal_code(r: _Reader, record: str, path: str, value: str) -> str:
    """A Chinese postal code has six digits (full-width digits are read as digits)."""
    if not value:
        return value
    digits = unicodedata.normalize("NFKC", value)
    if not POSTAL_CODE.fullmatch(digits):
        r.fail(record, path, f"邮政编码应为6位数字，实为 {value}")
        return value
    return digits


def _firm(r: _Reader, record: str, data: dict, prefix: str, code_required: bool) -> Firm:
    keys = ("address", "postal_code", "legal_rep", "contact", "phone", "role")
    values = {k: r.text(record, data, f"{prefix}.{k}", k) for k in keys}
    values["postal_code"] = _postal_code(r, record, f"{prefix}.postal_code", values["postal_code"])
    if values["role"] and values["role"] not in ROLES:
        r.fail(record, f"{prefix}.role", f"应为 {'/'.join(ROLES)} 之一，实为 {values['role']}")
    return Firm(name=r.text(record, data, f"{prefix}.name", "name", required=True),
                credit_code=r.credit_code(record, data, f"{prefix}.credit_code", code_required),
                **values)


def _task(r: _Reader, data: dict) -> Task:
    t = r.section("task", data, "task")
    get = lambda k, **kw: r.text("task", t, f"task.{k}", k, **kw)  # noqa: E731
    task = Task(code=get("code", required=True), name=get("name", required=True),
                level=get("level"), category=get("category") or "监督抽查", source=get("source"),
                plan_doc_no=get("plan_doc_no"), product_category=get("product_category"),
                basis=get("basis"),
                valid_from=r.date("task", t, "task.valid_from", "valid_from", required=bool(t)),
                valid_to=r.date("task", t, "task.valid_to", "valid_to", required=bool(t)),
                result_due=r.date("task", t, "task.result_due", "result_due"))
    if task.level and task.level not in LEVELS:
        r.fail("task", "task.level", f"应为 {'/'.join(LEVELS)} 之一，实为 {task.level}")
    if task.category not in CATEGORIES:
        r.fail("task", "task.category", f"应为 {'/'.join(CATEGORIES)} 之一，实为 {task.category}")
    if task.valid_from and task.valid_to and task.valid_from > task.valid_to:
        r.fail("task", "task.valid_to", "有效期止早于有效期起")
    return task


def _samplers(r: _Reader, data: dict) -> tuple[Sampler, ...]:
    raw = data.get("samplers")
    if not isinstance(raw, list):
        r.fail("samplers", "samplers.names", "缺少抽样人员名单")
        return ()
    samplers = []
    for i, item in enumerate(raw, start=1):
        item = item if isinstance(item, dict) else {}
        name = r.text(f"samplers[{i}]", item, "samplers.names", "name", required=True)
        samplers.append(Sampler(name, r.text(f"samplers[{i}]", item, "samplers.with_ids", "id_no")))
    names = [s.name for s in samplers if s.name]
    if len(set(names)) < r.settings.min_samplers:
        r.fail("samplers", "samplers.names",
               f"现场抽样须有 {r.settings.min_samplers} 名以上抽样人员，名单中只有 {len(set(names))} 名")
    return tuple(samplers)


def _sampling(r: _Reader, data: dict, trip_dir: Path, blank: bool, task: Task,
              pending_ok: bool = False) -> Sampling:
    sample_no = r.text("samplings", data, "sample_no", "sample_no", required=True)
    rec = sample_no or "(无编号)"
    if sample_no and not SAMPLE_NO.fullmatch(sample_no):
        r.fail(rec, "sample_no", "只能含字母、数字、- 和 _（最长40位）")
    elif _RESERVED.fullmatch(sample_no):
        r.fail(rec, "sample_no", f"{sample_no} 是 Windows 的保留名称，不能用作文件夹名")
    outcome = r.text(rec, data, "outcome", "outcome") or None
    if outcome and outcome not in OUTCOMES:
        r.fail(rec, "outcome", f"应为 {'/'.join(OUTCOMES)} 之一，实为 {outcome}")
        outcome = None
    elif outcome is None and not (blank or pending_ok):
        r.fail(rec, "outcome", "缺少抽样结果（sampled/refused/no_sample）；抽样前的空白文书请加 --blank")
    sampled = outcome == "sampled" and not blank
    enterprise = _firm(r, rec, r.section(rec, data, "enterprise"), "enterprise", True)
    maker_data = r.section(rec, data, "manufacturer", required=False)
    manufacturer = _firm(r, rec, maker_data, "manufacturer", False) if maker_data else None

    pd = r.section(rec, data, "product", required=sampled)
    ptext = lambda k, **kw: r.text(rec, pd, f"product.{k}", k, **kw)  # noqa: E731
    product = Product(name=ptext("name", required=bool(outcome) and not blank),
                      trademark=ptext("trademark"), model=ptext("model", required=sampled),
                      batch=ptext("batch"), production_date=ptext("production_date"),
                      grade=ptext("grade"), standard=ptext("standard"),
                      license_type=ptext("license_type"), license_no=ptext("license_no"))

    qd = r.section(rec, data, "quantity", required=sampled)
    bought = qd.get("bought")
    if bought in (None, ""):
        bought = None
        if sampled:
            r.fail(rec, "quantity.bought", "必填项为空")
    elif isinstance(bought, bool) or not isinstance(bought, int) or bought <= 0:
        r.fail(rec, "quantity.bought", f"应为正整数，实为 {_shown(bought)}")
        bought = None
    elif bought > MAX_BOUGHT:
        r.fail(rec, "quantity.bought", f"购买数量过大（上限 {MAX_BOUGHT}）：{bought}")
        bought = None
    qtext = lambda k, **kw: r.text(rec, qd, f"quantity.{k}", k, **kw)  # noqa: E731
    quantity = Quantity(test=qtext("test", required=sampled), backup=qtext("backup", required=sampled),
                        base=qtext("base"), bought=bought, unit=qtext("unit"))
    unit_price = r.parsed(rec, data, "price.unit", "unit_price", parse_amount, "单价",
                          required=sampled)
    if unit_price is not None and bought and unit_price * bought > MAX_AMOUNT:
        r.fail(rec, "price.unit", f"金额（单价 × 购买数量）过大：{unit_price} × {bought}")
    sampled_at = r.datetime(rec, data, "sampled_at", "sampled_at",
                            required=bool(outcome) and not blank)
    if sampled_at and task.valid_from and task.valid_to and not (
            task.valid_from <= sampled_at.date() <= task.valid_to):
        r.fail(rec, "sampled_at", f"不在通知书有效期内（{task.valid_from} 至 {task.valid_to}）")
    sd = r.section(rec, data, "seal", required=sampled)
    seal = Seal(seal_no=r.text(rec, sd, "seal.seal_no", "seal_no", required=sampled),
                backup_location=r.text(rec, sd, "seal.backup_location", "backup_location",
                                       required=sampled))
    send_by = r.date(rec, data, "send_by", "send_by")
    if send_by and sampled_at and send_by < sampled_at.date():
        r.fail(rec, "send_by", "寄送样品截止日期早于抽样时间")
    if send_by and task.result_due and send_by > task.result_due:
        r.fail(rec, "send_by", f"寄送样品截止日期 {send_by} 晚于任务的结果报送期限 {task.result_due}")
    _production_date(r, rec, product.production_date, sampled_at)

    online = None
    od = r.section(rec, data, "online", required=False)
    if od or (enterprise.role == "电商" and sampled):
        otext = lambda k: r.text(rec, od, f"online.{k}", k, required=sampled)  # noqa: E731
        online = OnlinePurchase(platform=otext("platform"), shop=otext("shop"), url=otext("url"),
                                order_no=otext("order_no"),
                                paid=r.parsed(rec, od, "online.paid", "paid", parse_amount, "实付金额"),
                                ordered_at=r.datetime(rec, od, "online.ordered_at", "ordered_at"))

    photos = []
    raw_photos = data.get("photos") or []
    if not isinstance(raw_photos, list):
        r.fail(rec, "photos", "格式错误，应为列表")
        raw_photos = []
    for i, item in enumerate(raw_photos, start=1):
        item = item if isinstance(item, dict) else {}
        name = r.text(rec, item, f"photos[{i}].file", "file", required=True)
        if name:  # a refused name keeps its place (file None), so later photos keep their numbers
            file = _named_file(r, rec, f"photos[{i}].file", trip_dir, name, "照片文件")
            photos.append(Photo(file=file, caption=r.text(rec, item,
                                                          f"photos[{i}].caption", "caption")))

    refusal = None
    if rd := r.section(rec, data, "refusal", required=outcome == "refused" and not blank):
        witnesses = tuple(
            Witness(r.text(rec, w, "refusal.witnesses", "name", required=True),
                    r.text(rec, w, "refusal.witnesses", "unit"))
            for w in (rd.get("witnesses") or []) if isinstance(w, dict))
        refusal = Refusal(r.text(rec, rd, "refusal.description", "description", required=True,
                                 multiline=True), witnesses)
    no_sample = None
    if nd := r.section(rec, data, "no_sample", required=outcome == "no_sample" and not blank):
        reason = r.text(rec, nd, "no_sample.reason", "reason", required=True)
        if reason and reason not in NO_SAMPLE_REASONS:
            r.fail(rec, "no_sample.reason", f"应为 {'/'.join(NO_SAMPLE_REASONS)} 之一，实为 {reason}")
        no_sample = NoSample(reason, r.text(rec, nd, "no_sample.description", "description",
                                            required=True, multiline=True))

    result = None
    if rd := r.section(rec, data, "result", required=False):
        if outcome != "sampled":
            r.fail(rec, "result.conclusion", "只有抽到样品（sampled）的记录才有检验结果")
        result = read_result(r, rec, rd, trip_dir, sampled_at)
    ems_no = r.text(rec, data, "ems_no", "ems_no")
    if ems_no:
        try:
            ems_no = validate_ems(ems_no)
        except EmsNumberError as exc:
            r.fail(rec, "ems_no", str(exc))

    return Sampling(sample_no=sample_no, outcome=outcome, enterprise=enterprise,
                    manufacturer=manufacturer, product=product, quantity=quantity,
                    unit_price=unit_price, sampled_at=sampled_at,
                    place=r.text(rec, data, "place", "place", required=sampled),
                    seal=seal, send_to=r.text(rec, data, "send_to", "send_to"), send_by=send_by,
                    online=online, photos=tuple(photos), refusal=refusal, no_sample=no_sample,
                    notice_no=r.text(rec, data, "notice_no", "notice_no"), result=result,
                    ems_no=ems_no)


_DAY = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_MONTH = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?")
_DIGITS8 = re.compile(r"((?:19|20)\d{2})(\d{2})(\d{2})")


def _production_date(r: _Reader, rec: str, text: str, sampled_at: datetime | None) -> None:
    """A 生产日期 written as a date must be a real one, and not later than the sampling (or,
    before the visit, than today). Text that is no date (/, 见批号) is left as written."""
    value = unicodedata.normalize("NFKC", text).strip()
    m = _DAY.fullmatch(value) or _DIGITS8.fullmatch(value)
    month = None if m else _MONTH.fullmatch(value)
    if not (m or month):
        return
    year, mon = int((m or month).group(1)), int((m or month).group(2))
    try:
        made = date(year, mon, int(m.group(3)) if m else 1)
    except ValueError:
        r.fail(rec, "product.production_date", f"不是有效日期：{text}")
        return
    latest = sampled_at.date() if sampled_at else date.today()
    if (made if m else made.replace(day=1)) > (latest if m else latest.replace(day=1)):
        when = f"抽样时间 {latest}" if sampled_at else f"今天 {latest}"
        r.fail(rec, "product.production_date", f"生产日期 {text} 晚于{when}")


def read_result(r: _Reader, rec: str, data: dict, base_dir: Path | None,
                sampled_at: datetime | None) -> Result:
    """A lab result: conclusion, report number and date, the failed items of a failure."""
    conclusion = r.text(rec, data, "result.conclusion", "conclusion", required=True)
    if conclusion and conclusion not in CONCLUSIONS:
        r.fail(rec, "result.conclusion", f"应为 {'/'.join(CONCLUSIONS)} 之一，实为 {conclusion}")
    report_no = r.text(rec, data, "result.report_no", "report_no", required=True)
    report_date = r.date(rec, data, "result.report_date", "report_date", required=True)
    if report_date and sampled_at and report_date < sampled_at.date():
        r.fail(rec, "result.report_date", f"报告日期 {report_date} 早于抽样日期 {sampled_at.date()}")
    if report_date and report_date > date.today():
        r.fail(rec, "result.report_date", f"报告日期 {report_date} 晚于今天")
    raw_items = data.get("items") or []
    if not isinstance(raw_items, list):
        r.fail(rec, "result.items", "格式错误，应为列表")
        raw_items = []
    items = []
    for i, item in enumerate(raw_items, start=1):
        item = item if isinstance(item, dict) else {}
        get = lambda k, **kw: r.text(rec, item, f"result.items[{i}].{k}", k, **kw)  # noqa: E731
        items.append(FailedItem(item=get("item", required=True),
                                requirement=get("requirement", required=True),
                                measured=get("measured", required=True),
                                verdict=get("verdict") or "不合格"))
    if conclusion == "不合格" and not items:
        r.fail(rec, "result.items", "检验结论为不合格，须列出不合格项目（项目、标准要求、实测值）")
    if conclusion == "合格" and items:
        r.fail(rec, "result.items", "检验结论为合格，不应列出不合格项目")
    lab_report = None
    if name := r.text(rec, data, "result.lab_report", "lab_report"):
        lab_report = _named_file(r, rec, "result.lab_report", base_dir or Path("."), name,
                                 "检验报告文件")
    return Result(conclusion=conclusion, report_no=report_no, report_date=report_date,
                  items=tuple(items), lab_report=lab_report,
                  remarks=r.text(rec, data, "result.remarks", "remarks", multiline=True))


_DRIVE = re.compile(r"[A-Za-z]:")


def file_in_folder(folder: Path, name: str) -> Path | None:
    """The file `name` names in `folder` (or below it), or None when it could lie anywhere
    else: an absolute path, a drive letter, a `..` step, or a symlink leading out. An import
    file may only name files beside it (on the web: inside the upload), and the answer does not
    depend on whether the file exists, so a refusal tells nothing about the server's files."""
    parts = name.replace("\\", "/").split("/")  # photos\a.jpg typed on Windows
    if not parts[0] or _DRIVE.match(name) or ".." in parts:
        return None
    path = Path(folder, *(p for p in parts if p not in ("", ".")))
    try:
        inside = path.resolve().is_relative_to(Path(folder).resolve())
    except (OSError, RuntimeError, ValueError):  # a symlink loop, a NUL in the name
        return None
    return path if inside else None


def _named_file(r: _Reader, rec: str, path: str, folder: Path, name: str, what: str
                ) -> Path | None:
    found = file_in_folder(folder, name)
    if found is None:
        r.fail(rec, path, f"{what}须位于导入文件所在的文件夹内（不能用绝对路径、盘符或“..”）：{name}")
    return found


def parse_result(record: str, data: dict, *, settings: Settings = Settings(),
                 sampled_at: datetime | None = None,
                 check_text: Callable[[str], str] | None = None) -> Result:
    """One result entered by hand or read from a lab sheet, or TripError listing every problem."""
    r = _Reader(settings)
    result = read_result(r, record, data if isinstance(data, dict) else {}, None, sampled_at)
    _check_glyphs(r, check_text)
    if r.problems:
        raise TripError(record, r.problems)
    return result


def _check_glyphs(r: _Reader, check_text: Callable[[str], str] | None) -> None:
    if not check_text:
        return
    for record, path, value in r.texts:
        if missing := check_text(value):
            chars = "、".join(f"{c}（U+{ord(c):04X}）" for c in missing)
            r.fail(record, path, f"字体中没有以下字符，无法打印：{chars}；请在设置中配置含该字的后备字体")


def parse_trip(data: Any, *, source: str = "trip", trip_dir: Path = Path("."), blank: bool = False,
               settings: Settings = Settings(),
               check_text: Callable[[str], str] | None = None,
               check_photo: Callable[[Path], None] | None = None,
               check_report: Callable[[Path], object] | None = None,
               pending_ok: bool = False, require_samplings: bool = True) -> Trip:
    """Build a Trip from parsed JSON, or raise TripError listing every problem.

    check_text(value) returns the characters no configured font can print; check_photo(path)
    raises ValueError for a photo that cannot be used, check_report(path) for a lab report PDF.
    They are passed in by the caller, so
    this module stays free of fonts and image decoding.
    """
    r = _Reader(settings)
    if not isinstance(data, dict):
        raise TripError(source, [Problem("trip", "trip", "文件内容应为 JSON 对象")])
    agency, institution, task = _agency(r, data, "agency"), _agency(r, data, "institution"), _task(r, data)
    samplers = _samplers(r, data)
    trip_date = r.date("trip", data, "trip_date", "trip_date")
    raw = data.get("samplings")
    if not isinstance(raw, list) or (not raw and require_samplings):
        r.fail("samplings", "samplings", "没有任何抽样记录")
        raw = []
    samplings = [_sampling(r, s if isinstance(s, dict) else {}, trip_dir, blank, task, pending_ok)
                 for s in raw]
    # Case-blind: on Windows and macOS JC0001 and jc0001 would be the same folder.
    seen: dict[str, list[str]] = {}
    for s in samplings:
        if s.sample_no:
            seen.setdefault(s.sample_no.upper(), []).append(s.sample_no)
    for numbers in seen.values():
        if len(numbers) > 1:
            r.fail(numbers[0], "sample_no",
                   f"抽样单编号重复（出现 {len(numbers)} 次：{'、'.join(numbers)}，不区分大小写）")
    if check_photo:
        verdicts: dict[Path, str | None] = {}  # a photo used by several records is read once
        for s in samplings:
            for i, photo in enumerate(s.photos, start=1):
                if photo.file is None:  # named outside the folder: refused, never looked at
                    continue
                if photo.file not in verdicts:
                    try:
                        check_photo(photo.file)
                        verdicts[photo.file] = None
                    except ValueError as exc:
                        verdicts[photo.file] = str(exc)
                if verdicts[photo.file]:
                    r.fail(s.sample_no or "(无编号)", f"photos[{i}].file", verdicts[photo.file])
    if check_report:
        for s in samplings:
            if s.result and s.result.lab_report:
                try:
                    check_report(s.result.lab_report)
                except ValueError as exc:
                    r.fail(s.sample_no or "(无编号)", "result.lab_report", str(exc))
    _check_glyphs(r, check_text)
    if r.problems:
        raise TripError(source, r.problems)
    return Trip(agency=agency, institution=institution, task=task, samplers=samplers,
                trip_date=trip_date, samplings=tuple(samplings))


def read_json(path: Path, *, record: str = "trip", field: str = "trip"):
    """A JSON file's content; numbers with a fraction are read as Decimal, never float."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8-sig"), parse_float=Decimal)
    except OSError as exc:
        raise TripError(str(path), [Problem(record, field, f"无法读取文件：{exc.strerror}")]) from None
    except json.JSONDecodeError as exc:
        raise TripError(str(path), [Problem(record, field, (
            f"不是有效的 JSON 文件：第 {exc.lineno} 行第 {exc.colno} 列附近格式有误"))]) from None
    except UnicodeDecodeError:
        raise TripError(str(path), [Problem(record, field, "不是 UTF-8 编码的 JSON 文件")]) from None
    except RecursionError:  # [[[[… nested past what the parser can follow
        raise TripError(str(path), [Problem(record, field, "不是有效的 JSON 文件：嵌套层次过深")]) from None


def load_trip(path: Path, **kwargs) -> Trip:
    """Read and check a trip file."""
    path = Path(path)
    data = read_json(path)
    trip = parse_trip(data, source=str(path), trip_dir=path.parent, **kwargs)
    return Trip(**{**trip.__dict__, "source": path})
