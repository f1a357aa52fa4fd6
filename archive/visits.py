"""Recording a visit from the web: the on-site facts of one sampling, checked by the same rules
as a trip file, and its evidence photos."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Mapping

from sqlalchemy import func, select

from archive import corrections, records
from archive.firms import RegisterDifference
from archive.models import Photo, Sampling
from archive.service import Archive, ArchiveError
from archive.store import sha256_of
from docgen.loading import Problem, TripError, parse_trip
from docgen.packets import PacketError, render_firms
from docgen.photos import PhotoError, PhotoLimits, inspect_photo, print_copy

# The visit fields a clerk fills in, as (trip-file path, label, input kind).
VISIT_FIELDS: list[tuple[str, str, str]] = [
    ("outcome", "抽样结果", "outcome"),
    ("product.name", "产品名称", "text"), ("product.trademark", "商标", "text"),
    ("product.model", "规格型号", "text"), ("product.batch", "批号", "text"),
    ("product.production_date", "生产日期（2023-01-08 或 2023-01）", "text"),
    ("product.grade", "产品等级", "text"), ("product.standard", "执行标准", "text"),
    ("product.license_type", "证书类型", "text"), ("product.license_no", "证书编号", "text"),
    ("quantity.test", "检验样品数量", "text"), ("quantity.backup", "备用样品数量", "text"),
    ("quantity.base", "抽样基数", "text"), ("quantity.bought", "购买数量", "int"),
    ("quantity.unit", "计量单位", "text"), ("unit_price", "单价（元）", "money"),
    ("sampled_at", "抽样时间", "datetime"), ("place", "抽样地点", "text"),
    ("seal.seal_no", "封样编号", "text"), ("seal.backup_location", "备样封存地点", "text"),
    ("send_to", "寄送样品地点", "text"), ("send_by", "寄送截止日期", "date"),
    ("manufacturer.name", "标称生产者名称", "text"),
    ("manufacturer.credit_code", "标称生产者统一社会信用代码", "text"),
    ("manufacturer.address", "标称生产者地址", "text"),
    ("online.platform", "电商平台", "text"), ("online.shop", "网店名称", "text"),
    ("online.url", "商品网址", "text"), ("online.order_no", "订单号", "text"),
    ("online.paid", "实付金额（元）", "money"), ("online.ordered_at", "下单时间", "datetime"),
    ("refusal.description", "拒检过程描述", "textarea"),
    ("refusal.witnesses", "见证人（姓名（单位），多人用；分隔）", "text"),
    ("no_sample.reason", "未抽样原因", "reason"), ("no_sample.description", "过程简要描述", "textarea"),
]
# Problems name form fields (price.unit); inputs are named by trip-file paths (unit_price).
_PROBLEM_TO_INPUT = {"price.unit": "unit_price", "refusal.witnesses": "refusal.witnesses"}


@dataclass
class VisitProblems(Exception):
    """Per-input messages for the form, and messages about the record as a whole."""

    fields: dict[str, list[str]]
    general: list[str]


def current_values(row: Sampling) -> dict[str, str]:
    """The form's inputs as strings, from the stored sampling."""
    values = {"outcome": row.outcome or "", "unit_price": "" if row.unit_price is None else str(row.unit_price),
              "sampled_at": row.sampled_at.strftime("%Y-%m-%dT%H:%M") if row.sampled_at else "",
              "place": row.place, "send_to": row.send_to,
              "send_by": row.send_by.isoformat() if row.send_by else ""}
    for group in ("product", "quantity", "seal"):
        for k, v in (getattr(row, group) or {}).items():
            values[f"{group}.{k}"] = "" if v is None else str(v)
    for group in ("online", "no_sample"):
        for k, v in (getattr(row, group) or {}).items():
            values[f"{group}.{k}"] = "" if v is None else str(v)
    if row.online and row.online.get("ordered_at"):
        values["online.ordered_at"] = row.online["ordered_at"][:16].replace(" ", "T")
    if row.refusal:
        values["refusal.description"] = row.refusal.get("description", "")
        values["refusal.witnesses"] = "；".join(
            f"{w['name']}（{w['unit']}）" if w.get("unit") else w["name"]
            for w in row.refusal.get("witnesses", []))
    if row.maker:
        for k in ("name", "credit_code", "address"):
            values[f"manufacturer.{k}"] = getattr(row.maker, k)
    return values


def _nested(form: Mapping[str, str]) -> dict:
    """Flat inputs → the nested shape of a trip file's sampling."""
    out: dict = {}
    for path, _, kind in VISIT_FIELDS:
        raw = (form.get(path) or "").strip()
        if kind == "datetime":
            raw = raw.replace("T", " ")
        if kind == "int" and raw:
            raw = int(raw) if raw.isdigit() else raw
        if path == "refusal.witnesses":
            raw = [{"name": p.split("（")[0].strip(), "unit": p.split("（", 1)[1].rstrip("）").strip()
                    if "（" in p else ""} for p in raw.replace(";", "；").split("；") if p.strip()]
        node = out
        *parents, leaf = path.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = raw
    for group in ("manufacturer", "online", "refusal", "no_sample"):
        if not any(v for v in out.get(group, {}).values()):
            out.pop(group, None)
    return out


@dataclass
class VisitSaved:
    """What saving the visit form did."""

    changes: dict[str, tuple[str, str]] = field(default_factory=dict)  # path → (old, new)
    correction_id: int | None = None  # a finished record was corrected
    documents: int = 0  # new document versions generated by the correction
    regenerate_error: str = ""  # the correction stands; regenerating its documents failed
    register_differences: list[RegisterDifference] = field(default_factory=list)


def record_visit(archive: Archive, sample_no: str, form: Mapping[str, str], *, actor: str,
                 reason: str = "") -> VisitSaved:
    """Check the visit as a trip file would be checked, then save it; VisitProblems if not.

    Every input of the form must be there (a missing one is an error, never "empty"). A
    finished sampling (documents archived, a result, a mailing) changes only as a correction:
    `reason` is required, the changed fields are recorded with old and new values, and its
    documents are regenerated as new versions; the outcome of a tested sample cannot change.
    """
    missing = [label for path, label, _ in VISIT_FIELDS if path not in form]
    if missing:
        raise VisitProblems({}, [f"表单不完整，缺少：{'、'.join(missing[:8])}"
                                 f"{'等' if len(missing) > 8 else ''}；未保存任何内容。"
                                 "请刷新页面后重新填写"])
    reason = (reason or "").strip()
    with archive.session() as s:
        row = s.scalars(select(Sampling).where(Sampling.sample_no == sample_no)).first()
        if row is None:
            raise ArchiveError(f"没有抽样单编号为 {sample_no} 的抽样记录")
        trip = archive.trip_dict(row.task.code)
        sampling = {"sample_no": sample_no, "enterprise": asdict(row.enterprise),
                    **_nested(form)}
        if sampling.get("outcome") == "":
            sampling.pop("outcome")
        try:
            parsed = parse_trip({**trip, "samplings": [sampling]}, source=sample_no,
                                settings=archive.settings, check_text=archive.renderer.fonts.missing,
                                pending_ok=True).samplings[0]
        except TripError as exc:
            raise _problems(exc.problems) from None
        before = records.sampling_record(row, archive.store.path)
        saved = VisitSaved(changes=corrections.differences(before, parsed, result=False))
        if not saved.changes:
            return saved
        locked = corrections.lock_reasons(s, row)
        if locked:
            if refused := corrections.outcome_change(row, saved.changes):
                raise VisitProblems({"outcome": [refused]}, [])
            if not reason:
                raise VisitProblems({"correction.reason": [
                    f"此记录{'、'.join(locked)}，修改须作为更正提交：请填写更正原因"]},
                    [f"将更正：{corrections.describe(saved.changes)}"])
        saved.register_differences = records.record_visit(s, row, parsed, actor=actor,
                                                          source=f"抽样记录 {sample_no}")
        if locked:
            _trial_render(archive, s, row)  # a correction that cannot be printed is not saved
            entry = corrections.record(s, row, saved.changes, reason, actor)
            saved.correction_id = entry.id
            archive.audit(s, actor, "correction", sample_no, reason=reason,
                          fields=list(saved.changes))
        else:
            archive.audit(s, actor, "visit", sample_no, outcome=parsed.outcome)
        has_filled = "已归档文书" in locked
        has_results = bool(row.result) and archive.result_docs.has_documents(s, row.id)
    if saved.correction_id:
        _regenerate(archive, sample_no, saved, actor, forms=has_filled, results=has_results)
    return saved


def _trial_render(archive: Archive, s, row: Sampling) -> None:
    """Render the corrected record's forms (and throw them away) before the correction is
    committed: a finished record never stands corrected without its documents."""
    s.flush()
    trip = records.trip_record([row], archive.store.path)
    try:
        for _ in render_firms(archive.renderer, trip, False, jobs=1):
            pass
    except PacketError as exc:
        raise VisitProblems({}, [f"按更正后的内容无法生成文书，更正未保存：{exc}"]) from None


def _regenerate(archive: Archive, sample_no: str, saved: VisitSaved, actor: str, *,
                forms: bool, results: bool) -> None:
    """A correction's documents as new versions (what did not change keeps its version)."""
    ids: list[int] = []
    try:
        if forms:
            ids += archive.generate(sample_no=sample_no, actor=actor).document_ids
        if results:
            ids += archive.result_docs.generate(actor=actor, sample_nos=[sample_no],
                                                batch=False).new
    except (ArchiveError, TripError) as exc:
        saved.regenerate_error = str(exc)
    saved.documents = len(ids)
    with archive.session() as s:
        from archive.models import Correction

        s.get(Correction, saved.correction_id).documents = ids


def visit_state(archive: Archive, sample_no: str) -> tuple[list[str], list]:
    """Why the sampling is finished (empty: it is not), and its corrections, newest first."""
    with archive.session() as s:
        row = s.scalars(select(Sampling).where(Sampling.sample_no == sample_no)).first()
        if row is None:
            raise ArchiveError(f"没有抽样单编号为 {sample_no} 的抽样记录")
        return corrections.lock_reasons(s, row), corrections.history(s, row.id)


def _problems(problems: list[Problem]) -> VisitProblems:
    names = {path for path, _, _ in VISIT_FIELDS}
    fields: dict[str, list[str]] = {}
    general = []
    for p in problems:
        name = _PROBLEM_TO_INPUT.get(p.field, p.field)
        if name in names:
            fields.setdefault(name, []).append(p.message)
        else:
            general.append(str(p))
    return VisitProblems(fields, general)


def add_photo(archive: Archive, sample_no: str, data: bytes, filename: str, caption: str, *,
              actor: str) -> None:
    """Verify an uploaded photo with Pillow, keep it byte for byte with an upright print copy."""
    import tempfile

    s_ = archive.settings
    limits = PhotoLimits(s_.photo_max_bytes, s_.photo_max_pixels)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "upload"
        path.write_bytes(data)
        try:
            inspect_photo(path, limits)
            copy = print_copy(path, max_side=s_.photo_print_side, limits=limits)
        except PhotoError as exc:
            raise ArchiveError(str(exc).replace(str(path), filename)) from None
    blobs = {sha256_of(data): data, sha256_of(copy.jpeg): copy.jpeg}
    archive._stage_blobs(blobs)
    with archive.session() as s:
        row = s.scalars(select(Sampling).where(Sampling.sample_no == sample_no)).first()
        if row is None:
            raise ArchiveError(f"没有抽样单编号为 {sample_no} 的抽样记录")
        position = s.scalar(select(func.coalesce(func.max(Photo.position), -1))
                            .where(Photo.sampling_id == row.id)) + 1
        s.add(Photo(sampling_id=row.id, position=position, caption=caption[:300],
                    filename=Path(filename).name[:300], original_sha256=sha256_of(data),
                    print_sha256=sha256_of(copy.jpeg), taken_at=copy.info.taken_at))
        archive._mark_stored(s, blobs)
        archive.audit(s, actor, "upload", sample_no, photo=Path(filename).name, size=len(data))
