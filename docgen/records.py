"""The records a trip is made of: plain, validated, immutable values."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from docgen.amounts import CENT

OUTCOMES = ("sampled", "refused", "no_sample")
OUTCOME_NAMES = {"sampled": "已抽样", "refused": "拒检", "no_sample": "未抽到样品"}  # as forms say
NO_SAMPLE_REASONS = ("倒闭", "注销", "停产", "转产", "全部用于出口", "其他")
LEVELS = ("国家", "省级", "市级", "区级", "县级")
CATEGORIES = ("监督抽查", "复查")
ROLES = ("生产", "销售", "电商")
CONCLUSIONS = ("合格", "不合格")


@dataclass(frozen=True)
class Agency:
    """组织监督抽查的部门, or the commissioned 承检机构 (which also has a CMA number)."""

    name: str
    short_name: str = ""
    address: str = ""
    postal_code: str = ""
    phone: str = ""
    contact: str = ""
    cma_no: str = ""


@dataclass(frozen=True)
class Firm:
    """A 受检单位 or the 标称生产者 it sells for, keyed by its 统一社会信用代码."""

    name: str
    credit_code: str = ""
    address: str = ""
    postal_code: str = ""
    legal_rep: str = ""
    contact: str = ""
    phone: str = ""
    role: str = ""


@dataclass(frozen=True)
class Task:
    code: str
    name: str
    level: str = ""
    category: str = "监督抽查"
    source: str = ""
    plan_doc_no: str = ""
    product_category: str = ""
    valid_from: date | None = None
    valid_to: date | None = None
    basis: str = ""
    result_due: date | None = None


@dataclass(frozen=True)
class Sampler:
    name: str
    id_no: str = ""


@dataclass(frozen=True)
class Product:
    name: str = ""
    trademark: str = ""
    model: str = ""
    batch: str = ""
    production_date: str = ""
    grade: str = ""
    standard: str = ""
    license_type: str = ""
    license_no: str = ""


@dataclass(frozen=True)
class Quantity:
    test: str = ""
    backup: str = ""
    base: str = ""
    bought: int | None = None
    unit: str = ""


@dataclass(frozen=True)
class Seal:
    seal_no: str = ""
    backup_location: str = ""


@dataclass(frozen=True)
class OnlinePurchase:
    platform: str = ""
    shop: str = ""
    url: str = ""
    order_no: str = ""
    paid: Decimal | None = None
    ordered_at: datetime | None = None


@dataclass(frozen=True)
class Photo:
    file: Path
    caption: str = ""


@dataclass(frozen=True)
class Witness:
    name: str
    unit: str = ""


@dataclass(frozen=True)
class Refusal:
    description: str = ""
    witnesses: tuple[Witness, ...] = ()


@dataclass(frozen=True)
class NoSample:
    reason: str = ""
    description: str = ""


@dataclass(frozen=True)
class FailedItem:
    """One test item a sample failed: 检验项目, 标准要求, 实测值, 判定 (单项判定)."""

    item: str
    requirement: str = ""
    measured: str = ""
    verdict: str = "不合格"


@dataclass(frozen=True)
class Result:
    """The lab's conclusion on a sample: 合格/不合格, its report, and the failed items."""

    conclusion: str
    report_no: str
    report_date: date | None = None
    items: tuple[FailedItem, ...] = ()
    lab_report: Path | None = None  # the lab's report PDF, appended to the result packet
    remarks: str = ""

    @property
    def failed(self) -> bool:
        return self.conclusion == "不合格"


@dataclass(frozen=True)
class Sampling:
    """One firm visit, keyed by its sample number. outcome is None before the trip."""

    sample_no: str
    enterprise: Firm
    outcome: str | None = None
    manufacturer: Firm | None = None
    product: Product = field(default_factory=Product)
    quantity: Quantity = field(default_factory=Quantity)
    unit_price: Decimal | None = None
    sampled_at: datetime | None = None
    place: str = ""
    seal: Seal = field(default_factory=Seal)
    send_to: str = ""
    send_by: date | None = None
    online: OnlinePurchase | None = None
    photos: tuple[Photo, ...] = ()
    refusal: Refusal | None = None
    no_sample: NoSample | None = None
    notice_no: str = ""
    result: Result | None = None  # known after testing
    ems_no: str = ""  # the EMS number the result packet went (or goes) out under

    @property
    def amount(self) -> Decimal | None:
        """What the samples cost: unit price × units bought, to the 分."""
        if self.unit_price is None or self.quantity.bought is None:
            return None
        return (self.unit_price * self.quantity.bought).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Trip:
    agency: Agency
    institution: Agency
    task: Task
    samplers: tuple[Sampler, ...]
    trip_date: date | None
    samplings: tuple[Sampling, ...]
    source: Path | None = None  # the trip file, photo paths are relative to its folder

    def sampling(self, sample_no: str) -> Sampling:
        for s in self.samplings:
            if s.sample_no == sample_no:
                return s
        raise KeyError(sample_no)
