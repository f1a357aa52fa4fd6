"""The result lists of a task: 合格/不合格产品企业名单, 检验情况汇总表 and 结果信息公开表.

Which samplings a list holds and what each column shows are decided here, from the entered
results (pure); docgen.tables writes the same rows as Word, PDF and Excel.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Callable

from docgen.packets import write_file
from docgen.fonts import load_fonts
from docgen.formatting import chinese_date, production_date
from docgen.records import Firm, Sampling, Trip
from docgen.settings import Settings
from docgen.tables import NONE, TableColumn, TitledTable, table_docx, table_pdf, table_xlsx
from docgen.textflow import Measurer

FORMATS = ("docx", "pdf", "xlsx")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # not allowed in Word or Excel XML


class UnknownList(ValueError):
    def __init__(self, kind: str):
        self.kind = kind
        super().__init__(f"没有这种名单：{kind}（可选：{'、'.join(LISTS)}）")


class UnknownFormat(ValueError):
    def __init__(self, fmt: str):
        self.fmt = fmt
        super().__init__(f"名单不能生成 {fmt} 格式（可选：{'、'.join(FORMATS)}）")


def _sample_order(sampling: Sampling) -> tuple:
    """JC2023DX9 before JC2023DX10: runs of digits compare as numbers."""
    parts = re.split(r"(\d+)", sampling.sample_no)  # text, digits, text, …
    return tuple(int(p) if i % 2 else p for i, p in enumerate(parts))


def tested(trip: Trip) -> list[Sampling]:
    """The sampled batches that have a result, in sample-number order."""
    return sorted((s for s in trip.samplings if s.outcome == "sampled" and s.result is not None),
                  key=_sample_order)


def _clean(text: str) -> str:
    return _CONTROL.sub("", text or "").strip()


def maker(s: Sampling) -> Firm | None:
    """The 标称生产企业: the producer on the label; a producer sampled at home is its own."""
    return s.manufacturer or (s.enterprise if s.enterprise.role == "生产" else None)


def made_and_batch(s: Sampling) -> str:
    """生产日期（批号）: the date as the forms write it, and below it the batch unless that only
    repeats the date (20230108 for 2023-01-08)."""
    raw, batch = s.product.production_date.strip(), s.product.batch.strip()
    made = production_date(raw) if raw != NONE else ""
    if not batch or re.sub(r"\D", "", batch) == re.sub(r"\D", "", raw):
        return made
    return f"{made}\n{batch}" if made else batch


def failed_items(s: Sampling) -> str:
    return "、".join(i.item for i in s.result.items) if s.result.failed else ""


def _fail_remarks(s: Sampling) -> str:
    return "；".join(p for p in (failed_items(s), s.result.remarks) if p)


def _seller(s: Sampling) -> str:
    """A web shop is named with its platform, as SAMR notices name 电商 sellers."""
    platform = s.online.platform if s.online else ""
    return f"{s.enterprise.name}（{platform}）" if platform else s.enterprise.name


@dataclass(frozen=True)
class _Field:
    column: TableColumn
    value: Callable[[int, Trip, Sampling], str]  # (序号, trip, sampling) -> cell text
    empty: str = NONE  # written when there is no value


def _f(header: str, width: float, value, align: str = "left", empty: str = NONE) -> _Field:
    return _Field(TableColumn(header, width, align), value, empty)


NO = _f("序号", 2, lambda n, t, s: str(n), "center")
PRODUCT = _f("产品名称", 9, lambda n, t, s: s.product.name)
TRADEMARK = _f("商标", 5, lambda n, t, s: s.product.trademark, "center")
MODEL = _f("规格型号", 8, lambda n, t, s: s.product.model)
BATCH = _f("生产日期（批号）", 8, lambda n, t, s: made_and_batch(s))
FIRM = _f("受检单位名称", 12, lambda n, t, s: s.enterprise.name)
MAKER = _f("标称生产企业", 12, lambda n, t, s: maker(s).name if maker(s) else "")
LAB = _f("承检机构", 9, lambda n, t, s: t.institution.name)

@dataclass(frozen=True)
class ListSpec:
    code: str
    title: str  # printed after the task name; also the file and sheet name
    fields: tuple[_Field, ...]
    keep: Callable[[Sampling], bool]  # which tested batches the list holds
    when_empty: str  # the note printed under a list with no rows

    @property
    def wide(self) -> bool:
        """Too many columns for portrait A4 at a readable size."""
        return len(self.fields) > 8


SPECS = {spec.code: spec for spec in (
    # 附件 2 and 3 of a task notice (晋市市监〔2023〕3号):
    # 序号 产品名称 商标 规格型号 生产日期（批号） 受检单位名称 备注
    ListSpec("pass_list", "合格产品企业名单",
             (NO, PRODUCT, TRADEMARK, MODEL, BATCH, FIRM,
              _f("备注", 8, lambda n, t, s: s.result.remarks, empty="")),
             lambda s: s.result.conclusion == "合格", "本次抽查无合格产品。"),
    ListSpec("fail_list", "不合格产品企业名单",
             (NO, PRODUCT, TRADEMARK, MODEL, BATCH, FIRM,
              _f("备注", 10, lambda n, t, s: _fail_remarks(s))),
             lambda s: s.result.failed, "本次抽查未发现不合格产品。"),
    ListSpec("summary", "检验情况汇总表",
             (NO, _f("抽样单编号", 7, lambda n, t, s: s.sample_no, "center"), FIRM, MAKER,
              PRODUCT, TRADEMARK, MODEL, BATCH,
              _f("抽样日期", 7, lambda n, t, s: chinese_date(s.sampled_at) if s.sampled_at else "",
                 "center"),
              _f("报告编号", 7, lambda n, t, s: s.result.report_no, "center"),
              _f("检验结论", 3, lambda n, t, s: s.result.conclusion, "center"),
              _f("不合格项目", 9, lambda n, t, s: failed_items(s)), LAB),
             lambda s: True, "暂无检验结果。"),
    # SAMR 监督抽查 result notices: the nominal producer and the sampled seller, with addresses.
    ListSpec("disclosure", "结果信息公开表",
             (NO, _f("标称生产企业名称", 12, lambda n, t, s: maker(s).name if maker(s) else ""),
              _f("标称生产企业地址", 12, lambda n, t, s: maker(s).address if maker(s) else ""),
              _f("被抽样单位名称", 12, lambda n, t, s: _seller(s)),
              _f("被抽样单位地址", 12, lambda n, t, s: s.enterprise.address),
              PRODUCT, MODEL, TRADEMARK, BATCH,
              _f("抽查结果", 3, lambda n, t, s: s.result.conclusion, "center"),
              _f("主要不合格项目", 9, lambda n, t, s: failed_items(s)), LAB),
             lambda s: True, "暂无检验结果。"),
)}
LISTS = {code: spec.title for code, spec in SPECS.items()}


def get_list(kind: str) -> ListSpec:
    try:
        return SPECS[kind]
    except KeyError:
        raise UnknownList(kind) from None


def list_rows(kind: str, trip: Trip) -> tuple[list[str], list[list[str]]]:
    """The column headers and the rows of a list, as every format (and the web page) shows them."""
    spec = get_list(kind)
    chosen = [s for s in tested(trip) if spec.keep(s)]
    rows = [[_clean(f.value(n, trip, s)) or f.empty for f in spec.fields]
            for n, s in enumerate(chosen, start=1)]
    return [f.column.header for f in spec.fields], rows


@dataclass(frozen=True)
class Tally:
    batches: int
    passed: int
    failed: int
    refused: int
    no_sample: int
    pending: int  # sampled, no result yet

    @property
    def pass_rate(self) -> str:
        """批次合格率 to one decimal, half up, without a trailing .0 (100%, 66.7%)."""
        if not self.batches:
            return NONE
        rate = (Decimal(self.passed * 100) / self.batches).quantize(Decimal("0.1"), ROUND_HALF_UP)
        return f"{rate.normalize():f}%"


def tally(trip: Trip) -> Tally:
    done = tested(trip)
    outcomes = [s.outcome for s in trip.samplings]
    failed = sum(s.result.failed for s in done)
    return Tally(len(done), len(done) - failed, failed, outcomes.count("refused"),
                 outcomes.count("no_sample"), outcomes.count("sampled") - len(done))


def _notes(spec: ListSpec, trip: Trip, rows: list) -> tuple[str, ...]:
    notes = [] if rows else [spec.when_empty]
    if spec.code == "summary":
        t = tally(trip)
        notes += [f"合计：抽查 {t.batches} 批次，合格 {t.passed} 批次，不合格 {t.failed} 批次，"
                  f"批次合格率 {t.pass_rate}。",
                  f"未抽样情况：拒检 {t.refused} 家、未抽到样品 {t.no_sample} 家（不计入抽查批次）。"]
        if t.pending:
            notes.append(f"另有 {t.pending} 批次已抽样、尚无检验结果，未列入本表。")
    return tuple(notes)


def list_table(kind: str, trip: Trip, made_on: date | None = None) -> TitledTable:
    """Everything a list's document shows: title, header lines, rows, notes."""
    spec = get_list(kind)
    _, rows = list_rows(kind, trip)
    task = trip.task
    return TitledTable(
        title=f"{task.name}{spec.title}",
        sheet=spec.title,
        lines=((f"任务名称：{task.name}　　任务编号：{task.code}", ""),
               (f"组织单位：{trip.agency.name}", f"制表日期：{chinese_date(made_on or date.today())}")),
        columns=tuple(f.column for f in spec.fields),
        rows=tuple(tuple(r) for r in rows),
        notes=_notes(spec, trip, rows),
        landscape=spec.wide,
        font_size=9 if spec.wide else 10.5,
    )


def _render(table: TitledTable, fmt: str, measurer: Measurer | None, author: str) -> bytes:
    if fmt == "pdf":
        return table_pdf(table, measurer, author=author)
    if fmt == "docx":
        return table_docx(table, author=author)
    if fmt == "xlsx":
        return table_xlsx(table, author=author)
    raise UnknownFormat(fmt)


def build_list(kind: str, trip: Trip, fmt: str, settings: Settings | None = None, *,
               made_on: date | None = None) -> bytes:
    """One list of a trip's results as a .docx, .pdf or .xlsx file's bytes."""
    measurer = Measurer(load_fonts(settings or Settings())) if fmt == "pdf" else None
    return _render(list_table(kind, trip, made_on), fmt, measurer, trip.agency.name)


def list_filename(kind: str, fmt: str) -> str:
    """合格产品企业名单.xlsx: the list's own name, as a bureau files it."""
    return f"{get_list(kind).title}.{fmt}"


def write_lists(trip: Trip, out_dir: Path, settings: Settings | None = None, *,
                made_on: date | None = None) -> list[Path]:
    """Write every list in every format into out_dir (合格产品企业名单.pdf, …); returns the paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    measurer = Measurer(load_fonts(settings or Settings()))
    paths = []
    for kind in LISTS:
        table = list_table(kind, trip, made_on)
        for fmt in FORMATS:
            paths.append(write_file(out_dir / list_filename(kind, fmt),
                                    _render(table, fmt, measurer, trip.agency.name)))
    return paths
