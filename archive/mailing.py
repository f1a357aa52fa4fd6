"""Result packets in the post: EMS numbers, signed-for dates, objections and the deadline board.

The firm's objection window runs from the day it signed for the packet (邮寄送达: the date on
the receipt is the date of service, REFERENCE.md §6.2); its length and counting rule are
settings (`objection_days`, `objection_counting`, `holidays`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from archive.models import Document, Mailing, Objection, Sampling, Task
from archive.store import display_name, sha256_of
from docgen.deadlines import days_left, deadline
from docgen.ems import EmsNumberError, validate_ems
from docgen.loading import Problem, TripError

# The board's columns, in the order a packet moves through them.
STATES = {
    "no_result": "待出结果",
    "to_send": "待寄出",
    "in_transit": "已寄出未签收",
    "window_open": "异议期内",
    "window_closed": "异议期满",
}
OBJECTION_STATES = ("已登记", "已受理", "不予受理", "复检中", "已办结")
TRACKING_TYPES = {"pdf": "application/pdf", "jpg": "image/jpeg", "jpeg": "image/jpeg",
                  "png": "image/png"}


class MailingError(TripError):
    """A mailing record that cannot be made; `problems` names the sample and the field."""


def _fail(record: str, path: str, message: str) -> MailingError:
    return MailingError(record, [Problem(record, path, message)])


@dataclass
class BoardRow:
    sample_no: str
    firm: str
    credit_code: str
    product: str
    task: str
    conclusion: str
    report_no: str
    state: str
    ems_no: str = ""
    posted_on: date | None = None
    signed_on: date | None = None
    signed_by: str = ""
    returned: bool = False
    window_end: date | None = None
    days_left: int | None = None
    objections: list[dict] = field(default_factory=list)

    @property
    def state_label(self) -> str:
        return STATES[self.state]


@dataclass
class Board:
    today: date
    rows: list[BoardRow]
    result_due: dict[str, tuple[date | None, int | None]]  # task → (due date, days left)

    def by_state(self) -> dict[str, list[BoardRow]]:
        out: dict[str, list[BoardRow]] = {k: [] for k in STATES}
        for r in self.rows:
            out[r.state].append(r)
        return out

    @property
    def objections(self) -> list[BoardRow]:
        return [r for r in self.rows if r.objections]


@dataclass
class EmsImport:
    source: str
    recorded: list[str] = field(default_factory=list)
    signed: list[str] = field(default_factory=list)


class Mailings:
    """Mailing services over an Archive (its session, store, settings and index)."""

    def __init__(self, archive):
        self.archive = archive

    # -- lookups ------------------------------------------------------------------------------
    @staticmethod
    def _sampling(s: Session, sample_no: str) -> Sampling:
        row = s.scalars(select(Sampling).where(Sampling.sample_no == sample_no)).first()
        if row is None:
            raise _fail(sample_no, "sample_no", "档案中没有这个抽样单编号")
        return row

    @staticmethod
    def current(s: Session, sampling_id: int) -> Mailing | None:
        """The packet now on its way or delivered: the newest one not returned."""
        return s.scalars(select(Mailing).where(Mailing.sampling_id == sampling_id,
                                               Mailing.returned.is_(False))
                         .order_by(Mailing.id.desc())).first()

    def window_end(self, signed_on: date) -> date:
        st = self.archive.settings
        holidays, extra = st.calendar()
        return deadline(signed_on, st.objection_days, counting=st.objection_counting,
                        holidays=holidays, extra_workdays=extra)

    # -- recording ----------------------------------------------------------------------------
    def _check_ems(self, s: Session, row: Sampling, raw: str, own: Mailing | None) -> str:
        try:
            number = validate_ems(raw)
        except EmsNumberError as exc:
            raise _fail(row.sample_no, "ems_no", str(exc)) from None
        other = s.scalars(select(Mailing).options(selectinload(Mailing.sampling))
                          .where(Mailing.ems_no == number)).first()
        if other is not None and other is not own:
            raise _fail(row.sample_no, "ems_no",
                        f"EMS 单号 {number} 已登记在 {other.sampling.sample_no}"
                        f"（{other.sampling.enterprise.name}）名下，单号不能重复")
        return number

    def record_ems(self, sample_no: str, ems_no: str, *, posted_on: date | None = None,
                   actor: str) -> Mailing:
        """Give a sampling's result packet its EMS number (typed or scanned). A number not yet
        signed for can be corrected; after a return, a new number is a new posting."""
        a = self.archive
        posted_on = posted_on or date.today()
        with a.session() as s:
            row = self._sampling(s, sample_no)
            if not row.result:
                raise _fail(sample_no, "ems_no", "尚未录入检验结果，不能寄出结果通知")
            if posted_on > date.today():
                raise _fail(sample_no, "posted_on", f"交寄日期 {posted_on} 晚于今天")
            if row.report_date and posted_on < row.report_date:
                raise _fail(sample_no, "posted_on",
                            f"交寄日期 {posted_on} 早于检验报告日期 {row.report_date}")
            mail = self.current(s, row.id)
            if mail is not None and mail.signed_on:
                raise _fail(sample_no, "ems_no",
                            f"结果通知已于 {mail.signed_on} 签收（单号 {mail.ems_no}），不能再改单号")
            number = self._check_ems(s, row, ems_no, mail)
            if mail is None:
                mail = Mailing(sampling_id=row.id, ems_no=number, created_by=actor)
                s.add(mail)
            old = mail.ems_no
            mail.ems_no, mail.posted_on, mail.updated_by = number, posted_on, actor
            row.ems_no = number
            a._unmark_indexed(s, [row.id])  # found by the new number once re-indexed below
            a.audit(s, actor, "mail.ems", sample_no, ems_no=number, posted_on=posted_on,
                    replaced=old if old != number else "")
            s.flush()
            s.expunge(mail)
        self._reindex(sample_no)
        return mail

    def record_signed(self, key: str, signed_on: date, *, signed_by: str, actor: str,
                      tracking: bytes | None = None, tracking_name: str = "") -> Mailing:
        """The packet (by sample number or EMS number) was signed for on `signed_on`; the
        tracking printout (PDF, JPEG or PNG), if given, is checked and archived."""
        a = self.archive
        signed_by = (signed_by or "").strip()
        with a.session() as s:
            mail = self._mailing_for(s, key)
            record = mail.sampling.sample_no
            if signed_on > date.today():
                raise _fail(record, "signed_on", f"签收日期 {signed_on} 晚于今天")
            if mail.posted_on and signed_on < mail.posted_on:
                raise _fail(record, "signed_on",
                            f"签收日期 {signed_on} 早于交寄日期 {mail.posted_on}")
            if not signed_by:
                raise _fail(record, "signed_by", "请填写签收人（本人签收或代收人姓名）")
            if len(signed_by) > 100:
                raise _fail(record, "signed_by", "签收人过长（上限 100 字）")
        sha = name = None
        if tracking is not None:
            name = self._check_tracking(record, tracking, tracking_name)
            sha = sha256_of(tracking)
            a._stage_blobs({sha: tracking})
        with a.session() as s:
            mail = self._mailing_for(s, key)
            mail.signed_on, mail.signed_by, mail.updated_by = signed_on, signed_by, actor
            if sha:
                mail.tracking_sha256, mail.tracking_filename = sha, name
                a._mark_stored(s, [sha])
            a.audit(s, actor, "mail.signed", record, ems_no=mail.ems_no, signed_on=signed_on,
                    signed_by=signed_by, tracking=name or "")
            s.flush()
            s.expunge(mail)
        return mail

    def mark_returned(self, key: str, *, note: str, actor: str) -> None:
        """The packet came back undelivered (退回): it leaves the board until sent again."""
        a = self.archive
        with a.session() as s:
            mail = self._mailing_for(s, key)
            if mail.signed_on:
                raise _fail(mail.sampling.sample_no, "ems_no", "已签收的邮件不能标记为退回")
            mail.returned, mail.note, mail.updated_by = True, (note or "").strip()[:500], actor
            mail.sampling.ems_no = ""
            a.audit(s, actor, "mail.returned", mail.sampling.sample_no, ems_no=mail.ems_no,
                    note=note)

    def _mailing_for(self, s: Session, key: str) -> Mailing:
        key = (key or "").strip()
        q = select(Mailing).options(selectinload(Mailing.sampling)).order_by(Mailing.id.desc())
        try:
            number = validate_ems(key)
        except EmsNumberError:
            number = None
        if number:
            mail = s.scalars(q.where(Mailing.ems_no == number)).first()
            if mail is not None:
                return mail
        row = s.scalars(select(Sampling).where(Sampling.sample_no == key)).first()
        mail = self.current(s, row.id) if row is not None else None
        if mail is None:
            raise _fail(key, "ems_no", f"没有找到 {key} 的寄出记录（请先登记 EMS 单号）")
        return mail

    def _check_tracking(self, record: str, data: bytes, name: str) -> str:
        """A tracking printout: a PDF (checked like a lab report) or a photo/screenshot."""
        from docgen.labreports import inspect_report
        from docgen.photos import PhotoLimits, inspect_photo_bytes

        st = self.archive.settings
        ext = Path(name or "").suffix.lower().lstrip(".")
        if ext not in TRACKING_TYPES:
            raise _fail(record, "tracking", "邮件跟踪截图应为 PDF、JPEG 或 PNG 文件")
        try:
            if ext == "pdf":
                inspect_report(data, max_bytes=st.lab_report_max_bytes)
            else:
                inspect_photo_bytes(data, display_name(name, "tracking"),
                                    PhotoLimits(st.photo_max_bytes, st.photo_max_pixels))
        except ValueError as exc:
            raise _fail(record, "tracking", str(exc).replace("检验报告", "邮件跟踪记录")) from None
        return display_name(name, f"tracking.{ext}")

    def tracking_file(self, mailing_id: int) -> tuple[str, bytes]:
        a = self.archive
        with a.session() as s:
            mail = s.get(Mailing, mailing_id)
            if mail is None or not mail.tracking_sha256:
                raise _fail(str(mailing_id), "tracking", "没有这份邮件跟踪记录")
            sha, name = mail.tracking_sha256, mail.tracking_filename
        data = a.store.read(sha)
        if sha256_of(data) != sha:
            raise _fail(str(mailing_id), "tracking", "档案中的跟踪记录文件已被改动，拒绝提供")
        return name, data

    def import_sheet(self, path: Path, *, actor: str) -> EmsImport:
        """EMS numbers (and signed-for dates, when the sheet has them) from a sheet: every row
        checked first, then all recorded."""
        from archive.labsheets import read_ems_sheet
        from archive.spreadsheet import SheetError, SheetProblem

        rows = read_ems_sheet(Path(path), settings=self.archive.settings)
        problems: list[SheetProblem] = []
        a = self.archive
        with a.session() as s:
            for r in rows:
                try:
                    row = self._sampling(s, r.sample_no)
                    if not row.result:
                        raise _fail(r.sample_no, "ems_no", "尚未录入检验结果，不能寄出结果通知")
                    mail = self.current(s, row.id)
                    if mail is not None and mail.signed_on and mail.ems_no != r.ems_no:
                        raise _fail(r.sample_no, "ems_no", f"已于 {mail.signed_on} 签收（单号 {mail.ems_no}）")
                    self._check_ems(s, row, r.ems_no, mail)
                    if r.signed_on and r.posted_on and r.signed_on < r.posted_on:
                        raise _fail(r.sample_no, "signed_on", "签收日期早于交寄日期")
                    for day, what in ((r.posted_on, "交寄日期"), (r.signed_on, "签收日期")):
                        if day and date.fromisoformat(day) > date.today():
                            raise _fail(r.sample_no, "signed_on", f"{what} {day} 晚于今天")
                except MailingError as exc:
                    problems += [SheetProblem(r.row, rows.titles.get(p.field) or _COLUMN.get(
                        p.field, p.field), p.message) for p in exc.problems]
        if problems:
            raise SheetError(problems, str(path), limit=a.settings.sheet_max_problems)
        report = EmsImport(str(path))
        for r in rows:
            posted = date.fromisoformat(r.posted_on) if r.posted_on else None
            self.record_ems(r.sample_no, r.ems_no, posted_on=posted, actor=actor)
            report.recorded.append(r.sample_no)
            if r.signed_on:
                self.record_signed(r.ems_no, date.fromisoformat(r.signed_on),
                                   signed_by=r.signed_by or "（邮件记录未载明）", actor=actor)
                report.signed.append(r.sample_no)
        return report

    def register_objection(self, sample_no: str, *, received_on: date, applicant: str,
                           items: str, grounds: str, actor: str) -> Objection:
        """A 复检申请 against a sampling's result; one received after the window is still
        registered, and shows on the board as late."""
        a = self.archive
        applicant, items, grounds = (applicant or "").strip(), (items or "").strip(), (grounds or "").strip()
        with a.session() as s:
            row = self._sampling(s, sample_no)
            if not row.result:
                raise _fail(sample_no, "objection", "该样品尚无检验结果，不能登记复检申请")
            if received_on > date.today():
                raise _fail(sample_no, "received_on", f"收到日期 {received_on} 晚于今天")
            if not applicant:
                raise _fail(sample_no, "applicant", "请填写申请人（企业名称）")
            for value, what in ((applicant, "applicant"), (items, "items"), (grounds, "grounds")):
                if len(value) > a.settings.max_text_length:
                    raise _fail(sample_no, what, f"过长（上限 {a.settings.max_text_length} 字）")
            obj = Objection(sampling_id=row.id, received_on=received_on, applicant=applicant,
                            items=items, grounds=grounds, created_by=actor)
            s.add(obj)
            a.audit(s, actor, "objection", sample_no, received_on=received_on, applicant=applicant)
            s.flush()
            s.expunge(obj)
        return obj

    def set_objection_state(self, objection_id: int, state: str, *, sample_no: str,
                            actor: str) -> None:
        """Move a sampling's 复检申请 on; one of another sampling is not found."""
        if state not in OBJECTION_STATES:
            raise _fail(sample_no, "state", f"应为 {'/'.join(OBJECTION_STATES)} 之一")
        a = self.archive
        with a.session() as s:
            obj = s.scalars(select(Objection).join(Sampling).where(
                Objection.id == objection_id, Sampling.sample_no == sample_no)).first()
            if obj is None:
                raise _fail(sample_no, "objection", "没有这条复检申请")
            obj.state = state
            a.audit(s, actor, "objection.state", str(objection_id), state=state)

    def _reindex(self, sample_no: str) -> None:
        a = self.archive
        with a.session() as s:
            ids = list(s.scalars(select(Document.id).join(Sampling).where(
                Sampling.sample_no == sample_no)))
        if ids:
            a._index_documents(ids)

    # -- the board ----------------------------------------------------------------------------
    def history(self, sample_no: str) -> list[Mailing]:
        """Every posting of a sampling's packet, newest first (returned ones included)."""
        with self.archive.session() as s:
            row = self._sampling(s, sample_no)
            return list(s.scalars(select(Mailing).where(Mailing.sampling_id == row.id)
                                  .order_by(Mailing.id.desc())))

    def board(self, *, task_code: str | None = None, sample_no: str | None = None,
              today: date | None = None) -> Board:
        """Every sampled batch (of a task, or the one sample) by where its result stands, with
        the objection window's last day and the days left (0 on the last day)."""
        today = today or date.today()
        a = self.archive
        with a.session() as s:
            q = (select(Sampling).options(selectinload(Sampling.firm), selectinload(Sampling.task))
                 .where(Sampling.outcome == "sampled").order_by(Sampling.sample_no))
            if task_code:
                task = s.scalars(select(Task).where(Task.code == task_code)).first()
                if task is None:
                    raise _fail(task_code, "task", "没有这个任务编号")
                q = q.where(Sampling.task_id == task.id)
            if sample_no:
                q = q.where(Sampling.sample_no == sample_no)
            samplings = list(s.scalars(q))
            ids = [r.id for r in samplings]
            mails: dict[int, Mailing] = {}
            for m in s.scalars(select(Mailing).where(Mailing.sampling_id.in_(ids),
                                                     Mailing.returned.is_(False))
                               .order_by(Mailing.id)):
                mails[m.sampling_id] = m
            objections: dict[int, list[Objection]] = {}
            for o in s.scalars(select(Objection).where(Objection.sampling_id.in_(ids))
                               .order_by(Objection.received_on)):
                objections.setdefault(o.sampling_id, []).append(o)
            rows, due = [], {}
            for r in samplings:
                due.setdefault(r.task.code, (r.task.result_due, days_left(r.task.result_due, today)
                                             if r.task.result_due else None))
                rows.append(self._board_row(r, mails.get(r.id), objections.get(r.id, []), today))
        return Board(today, rows, due)

    def _board_row(self, r: Sampling, mail: Mailing | None, objections: list[Objection],
                   today: date) -> BoardRow:
        firm = r.enterprise
        row = BoardRow(sample_no=r.sample_no, firm=firm.name, credit_code=firm.credit_code,
                       product=r.product_name, task=r.task.code, conclusion=r.result,
                       report_no=r.report_no, state="no_result")
        if mail is not None:
            row.ems_no, row.posted_on = mail.ems_no, mail.posted_on
            row.signed_on, row.signed_by = mail.signed_on, mail.signed_by
        if not r.result:
            row.state = "no_result"
        elif mail is None:
            row.state = "to_send"
        elif not mail.signed_on:
            row.state = "in_transit"
        else:
            row.window_end = self.window_end(mail.signed_on)
            row.days_left = days_left(row.window_end, today)
            row.state = "window_open" if row.days_left >= 0 else "window_closed"
        for o in objections:
            late = row.window_end is not None and o.received_on > row.window_end
            row.objections.append({"id": o.id, "received_on": o.received_on,
                                   "applicant": o.applicant, "items": o.items,
                                   "grounds": o.grounds, "state": o.state, "late": late})
        return row

    # -- the post office's list -------------------------------------------------------------
    def mailing_rows(self, task_code: str, *, only_unsigned: bool = True):
        """One row per packet with an EMS number, for the counter's 交寄清单."""
        from archive.labsheets import MailingRow

        a = self.archive
        with a.session() as s:
            task = s.scalars(select(Task).where(Task.code == task_code)).first()
            if task is None:
                raise _fail(task_code, "task", "没有这个任务编号")
            q = (select(Mailing).join(Sampling).options(selectinload(Mailing.sampling))
                 .where(Sampling.task_id == task.id, Mailing.returned.is_(False))
                 .order_by(Sampling.sample_no))
            if only_unsigned:
                q = q.where(Mailing.signed_on.is_(None))
            out = []
            for m in s.scalars(q):
                r, f = m.sampling, m.sampling.enterprise
                out.append(MailingRow(ems_no=m.ems_no, recipient=f.name, address=f.address,
                                      postal_code=f.postal_code, contact=f.contact, phone=f.phone,
                                      contents=f"检验结果通知书、检验报告（{r.report_no}）、送达回证",
                                      sample_no=r.sample_no,
                                      note=f"交寄 {m.posted_on}" if m.posted_on else ""))
            sender = (task.institution if a.settings.result_sender == "institution"
                      else task.agency)
            return task, sender, out

    def mailing_list(self, task_code: str, *, only_unsigned: bool = True) -> bytes:
        from archive.labsheets import mailing_list_xlsx

        task, sender, rows = self.mailing_rows(task_code, only_unsigned=only_unsigned)
        if not rows:
            raise _fail(task_code, "ems_no", "该任务没有待交寄的邮件（请先登记 EMS 单号）")
        return mailing_list_xlsx(rows, title=f"{task.name}检验结果邮寄清单",
                                 sender=f"{sender.name}　{sender.address}　{sender.postal_code}　{sender.phone}")


_COLUMN = {"ems_no": "邮件号码", "sample_no": "抽样单编号", "signed_on": "签收日期",
           "posted_on": "交寄日期"}
