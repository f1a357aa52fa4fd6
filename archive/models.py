"""The records database: who organises, who samples, which firms, what was sampled, and every
document generated about it (SQLAlchemy 2 declarative models)."""
from __future__ import annotations

from dataclasses import fields
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, Numeric,
                        String, Text, UniqueConstraint, false, func)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from docgen.records import Firm as FirmRecord

FIRM_KEYS = tuple(f.name for f in fields(FirmRecord))  # name, credit_code, address …


class Base(DeclarativeBase):
    """Times are the server's local time, written by Python (an office in China reads 14:00 in
    its audit log, not the database's UTC); the server default only fills rows written by
    hand."""


class Agency(Base):
    """组织监督抽查的部门 (kind='agency') or 承检机构 (kind='institution')."""

    __tablename__ = "agencies"
    __table_args__ = (UniqueConstraint("kind", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str] = mapped_column(String(50), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    postal_code: Mapped[str] = mapped_column(String(10), default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    contact: Mapped[str] = mapped_column(String(100), default="")
    cma_no: Mapped[str] = mapped_column(String(50), default="")
    level: Mapped[str] = mapped_column(String(10), default="")  # 国家/省级/市级/区级/县级
    own: Mapped[bool] = mapped_column(Boolean, default=False)  # the bureau this instance serves


class Task(Base):
    __tablename__ = "tasks"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(50), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    level: Mapped[str] = mapped_column(String(10), default="")
    category: Mapped[str] = mapped_column(String(10), default="监督抽查")
    source: Mapped[str] = mapped_column(String(200), default="")
    plan_doc_no: Mapped[str] = mapped_column(String(100), default="")
    product_category: Mapped[str] = mapped_column(String(100), default="")
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    basis: Mapped[str] = mapped_column(Text, default="")
    result_due: Mapped[date | None] = mapped_column(Date)
    # the team and day of a trip planned in the web app, before any firm is added
    samplers: Mapped[list | None] = mapped_column(JSON)
    trip_date: Mapped[date | None] = mapped_column(Date)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    institution_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    agency: Mapped[Agency] = relationship(foreign_keys=[agency_id])
    institution: Mapped[Agency] = relationship(foreign_keys=[institution_id])


class Firm(Base):
    """A firm, keyed by its 统一社会信用代码."""

    __tablename__ = "firms"
    id: Mapped[int] = mapped_column(primary_key=True)
    # NULL for a producer whose code is unknown (a foreign maker named on a label)
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(500), index=True)
    address: Mapped[str] = mapped_column(String(500), default="")
    postal_code: Mapped[str] = mapped_column(String(10), default="")
    legal_rep: Mapped[str] = mapped_column(String(100), default="")
    contact: Mapped[str] = mapped_column(String(100), default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    role: Mapped[str] = mapped_column(String(10), default="")
    changes: Mapped[list["FirmChange"]] = relationship(order_by="FirmChange.id.desc()",
                                                       viewonly=True)


class FirmChange(Base):
    """One explicit change of the firm register (企业名录): who, when, from what, each field's
    old and new value. The register never changes without one."""

    __tablename__ = "firm_changes"
    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=datetime.now, server_default=func.now())
    actor: Mapped[str] = mapped_column(String(100), default="")
    source: Mapped[str] = mapped_column(String(300), default="")  # 新增企业, 导入 X.xlsx …
    changes: Mapped[dict] = mapped_column(JSON, default=dict)  # field → [old, new]


def _recorded(values: dict | None, register: "Firm | None") -> FirmRecord | None:
    """A firm as a sampling recorded it; a sampling from before recorded copies has the
    register's row instead."""
    if values:
        return FirmRecord(**{k: values.get(k) or "" for k in FIRM_KEYS})
    if register is not None:
        return FirmRecord(**{k: getattr(register, k) or "" for k in FIRM_KEYS})
    return None


class Sampler(Base):
    __tablename__ = "samplers"
    __table_args__ = (UniqueConstraint("name", "id_no"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    id_no: Mapped[str] = mapped_column(String(50), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)  # retired samplers stay on record


class SamplingSampler(Base):
    __tablename__ = "sampling_samplers"
    sampling_id: Mapped[int] = mapped_column(ForeignKey("samplings.id", ondelete="CASCADE"),
                                             primary_key=True)
    sampler_id: Mapped[int] = mapped_column(ForeignKey("samplers.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    sampler: Mapped[Sampler] = relationship()


class Sampling(Base):
    """One firm visit (抽样), keyed by its sample number; the product and on-site facts."""

    __tablename__ = "samplings"
    id: Mapped[int] = mapped_column(primary_key=True)
    sample_no: Mapped[str] = mapped_column(String(40), unique=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"), index=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id"), index=True)
    manufacturer_id: Mapped[int | None] = mapped_column(ForeignKey("firms.id"), index=True)
    trip_date: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[str | None] = mapped_column(String(12))
    product: Mapped[dict] = mapped_column(JSON, default=dict)  # name, trademark, model, batch …
    product_name: Mapped[str] = mapped_column(String(300), default="", index=True)
    batch: Mapped[str] = mapped_column(String(100), default="", index=True)
    quantity: Mapped[dict] = mapped_column(JSON, default=dict)
    unit_price: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    sampled_at: Mapped[datetime | None] = mapped_column(DateTime)
    place: Mapped[str] = mapped_column(String(300), default="")
    seal: Mapped[dict] = mapped_column(JSON, default=dict)
    send_to: Mapped[str] = mapped_column(String(300), default="")
    send_by: Mapped[date | None] = mapped_column(Date)
    online: Mapped[dict | None] = mapped_column(JSON)
    refusal: Mapped[dict | None] = mapped_column(JSON)
    no_sample: Mapped[dict | None] = mapped_column(JSON)
    notice_no: Mapped[str] = mapped_column(String(100), default="", index=True)
    result: Mapped[str] = mapped_column(String(10), default="")
    report_no: Mapped[str] = mapped_column(String(100), default="", index=True)
    report_date: Mapped[date | None] = mapped_column(Date)
    result_items: Mapped[list | None] = mapped_column(JSON)  # failed items: item, requirement …
    result_remarks: Mapped[str] = mapped_column(Text, default="")
    lab_report_sha256: Mapped[str | None] = mapped_column(ForeignKey("blobs.sha256"))
    lab_report_filename: Mapped[str] = mapped_column(String(300), default="")
    result_by: Mapped[str] = mapped_column(String(100), default="")
    result_at: Mapped[datetime | None] = mapped_column(DateTime)
    ems_no: Mapped[str] = mapped_column(String(30), default="", index=True)  # the latest mailing's
    # The firm and the producer as recorded for this sampling (name, credit_code, address, …):
    # what its documents print, whatever the register says later.
    firm_record: Mapped[dict | None] = mapped_column(JSON)
    maker_record: Mapped[dict | None] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=datetime.now,
                                                 server_default=func.now(), onupdate=datetime.now)
    task: Mapped[Task] = relationship()
    firm: Mapped[Firm] = relationship(foreign_keys=[firm_id])
    manufacturer: Mapped[Firm | None] = relationship(foreign_keys=[manufacturer_id])
    samplers: Mapped[list[SamplingSampler]] = relationship(
        order_by=SamplingSampler.position, cascade="all, delete-orphan")
    photos: Mapped[list["Photo"]] = relationship(order_by="Photo.position",
                                                 cascade="all, delete-orphan")

    @property
    def enterprise(self) -> FirmRecord:
        """The 受检单位 as this sampling recorded it: what its documents and pages show."""
        return _recorded(self.firm_record, None if self.firm_record else self.firm)

    @property
    def maker(self) -> FirmRecord | None:
        """The 标称生产者 as this sampling recorded it, if any."""
        if self.maker_record or not self.manufacturer_id:
            return _recorded(self.maker_record, None)
        return _recorded(None, self.manufacturer)


class Correction(Base):
    """A recorded change (更正) of a finished sampling: the fields with old and new values, why,
    who and when. Its documents are regenerated as new versions; the old ones stay."""

    __tablename__ = "corrections"
    id: Mapped[int] = mapped_column(primary_key=True)
    sampling_id: Mapped[int] = mapped_column(ForeignKey("samplings.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=datetime.now, server_default=func.now())
    actor: Mapped[str] = mapped_column(String(100), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    changes: Mapped[dict] = mapped_column(JSON, default=dict)  # field path → [old, new]
    documents: Mapped[list] = mapped_column(JSON, default=list)  # new document ids


class Mailing(Base):
    """One posting of a sampling's result packet by EMS, and when and by whom it was signed for.

    The objection window runs from `signed_on` (邮寄送达: the date on the receipt is the date of
    service). A packet returned undelivered is marked so and sent again as a new row.
    """

    __tablename__ = "mailings"
    id: Mapped[int] = mapped_column(primary_key=True)
    sampling_id: Mapped[int] = mapped_column(ForeignKey("samplings.id"), index=True)
    ems_no: Mapped[str] = mapped_column(String(30), unique=True)
    posted_on: Mapped[date | None] = mapped_column(Date)
    signed_on: Mapped[date | None] = mapped_column(Date)
    signed_by: Mapped[str] = mapped_column(String(100), default="")
    returned: Mapped[bool] = mapped_column(Boolean, default=False)  # 退回 (undeliverable)
    tracking_sha256: Mapped[str | None] = mapped_column(ForeignKey("blobs.sha256"))
    tracking_filename: Mapped[str] = mapped_column(String(300), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=datetime.now, server_default=func.now())
    updated_by: Mapped[str] = mapped_column(String(100), default="")
    sampling: Mapped["Sampling"] = relationship()


class Objection(Base):
    """A 复检申请 (objection to a result) registered against a sampling."""

    __tablename__ = "objections"
    id: Mapped[int] = mapped_column(primary_key=True)
    sampling_id: Mapped[int] = mapped_column(ForeignKey("samplings.id"), index=True)
    received_on: Mapped[date] = mapped_column(Date)
    applicant: Mapped[str] = mapped_column(String(500), default="")
    items: Mapped[str] = mapped_column(Text, default="")  # the items objected to
    grounds: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(20), default="已登记")
    created_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=datetime.now, server_default=func.now())
    sampling: Mapped["Sampling"] = relationship()


class Blob(Base):
    """A stored file, by content hash. 'pending' rows are written before the file, so a crash
    can leave a pending row without a file, never a file without a row."""

    __tablename__ = "blobs"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(10), default="pending")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=datetime.now, server_default=func.now())


class Photo(Base):
    """An evidence photo: the original kept byte for byte, and its upright print copy."""

    __tablename__ = "photos"
    id: Mapped[int] = mapped_column(primary_key=True)
    sampling_id: Mapped[int] = mapped_column(ForeignKey("samplings.id", ondelete="CASCADE"),
                                             index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    caption: Mapped[str] = mapped_column(String(300), default="")
    filename: Mapped[str] = mapped_column(String(300), default="")
    original_sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"))
    print_sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"))
    taken_at: Mapped[datetime | None] = mapped_column(DateTime)
    # withdrawn: kept in the store and the record, no longer printed
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime)
    withdrawn_by: Mapped[str] = mapped_column(String(100), default="")


class GenerationRun(Base):
    """One `generate` command; a run that did not finish is resumed by the next identical one."""

    __tablename__ = "generation_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(60))  # 'trip:CODE' or 'sample:NO'
    blank: Mapped[bool] = mapped_column(Boolean, default=False)
    actor: Mapped[str] = mapped_column(String(100), default="")
    started_at: Mapped[datetime] = mapped_column(DateTime, default=datetime.now, server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)


class RunSampling(Base):
    """A sampling a generation run has finished (written with its documents, in their
    transaction): what resuming the run skips, even when every file was unchanged."""

    __tablename__ = "run_samplings"
    run_id: Mapped[int] = mapped_column(ForeignKey("generation_runs.id"), primary_key=True)
    sampling_id: Mapped[int] = mapped_column(ForeignKey("samplings.id"), primary_key=True)


class Document(Base):
    """A generated file: one version of one form of one sampling. Never updated or deleted;
    regenerating adds a version that points to the one it supersedes."""

    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("sampling_id", "form", "format", "blank", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    doc_no: Mapped[str] = mapped_column(String(30), unique=True)
    # NULL for a task-level document (a list, a label sheet, a batch's printable PDF)
    sampling_id: Mapped[int | None] = mapped_column(ForeignKey("samplings.id"), index=True)
    firm_id: Mapped[int | None] = mapped_column(ForeignKey("firms.id"), index=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"), index=True)
    form: Mapped[str] = mapped_column(String(30))
    format: Mapped[str] = mapped_column(String(10))
    blank: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"), index=True)
    size: Mapped[int] = mapped_column(Integer)
    pages: Mapped[int | None] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200), default="")
    run_id: Mapped[int | None] = mapped_column(ForeignKey("generation_runs.id"), index=True)
    created_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=datetime.now, server_default=func.now())
    ems_no: Mapped[str] = mapped_column(String(30), default="")  # the EMS number it prints
    # set once the search index holds it; documents left False are caught up from here
    indexed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    sampling: Mapped[Sampling | None] = relationship()
    supersedes: Mapped["Document | None"] = relationship(remote_side=[id])


class Counter(Base):
    """Number sequences (document numbers, 通知书 serials), advanced inside a transaction."""

    __tablename__ = "counters"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


class AuditEntry(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=datetime.now, server_default=func.now(), index=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(String(200), default="")
    detail: Mapped[dict] = mapped_column(JSON, default=dict)


class User(Base):
    """Someone who signs in to the web app, with one role (see archive.users.ROLES)."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    # usernames are compared case-blind: Admin and admin are one account
    username: Mapped[str] = mapped_column(String(50), unique=True)
    display_name: Mapped[str] = mapped_column(String(100), default="")
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # bumped by logout, a password change or disabling: every older session cookie stops working
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=datetime.now, server_default=func.now())


class Job(Base):
    """Long work started from the web (a 577-firm generation): its progress survives the page."""

    __tablename__ = "jobs"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    # queued / running / done / failed / interrupted (its process died; 继续 resumes it)
    state: Mapped[str] = mapped_column(String(12), default="queued")
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=datetime.now, server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    owner: Mapped[str] = mapped_column(String(100), default="")  # host:pid:token of its runner
    heartbeat: Mapped[datetime | None] = mapped_column(DateTime)  # last sign of life


Index("ix_users_username_lower", func.lower(User.username), unique=True)
