"""The archive's services, called alike by the CLI and the web app: import records, generate
and archive documents, and keep the search index in step."""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Callable, Iterable

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, selectinload

from archive import records
from archive.config import Config
from archive.db import session_scope
from archive.instance import open_instance
from archive.models import (AuditEntry, Blob, Document, Firm, GenerationRun, RunSampling,
                            Sampling, Task)
from archive.numbers import document_number, next_value
from archive.store import FileStore, sha256_of
from docgen.labreports import inspect_report
from docgen.loading import Problem, TripError, load_trip
from docgen.packets import BLANK as TRIP_FORMS, RenderedFile, render_firms
from docgen.photos import PhotoLimits, inspect_photo, print_copy
from docgen.render import Renderer
from docgen.settings import Settings, load_settings
from docgen.specs import FORMS

log = logging.getLogger(__name__)


class ArchiveError(RuntimeError):
    """A request the archive cannot carry out; the message says why (in Chinese)."""


@dataclass
class ImportReport:
    source: str
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)  # already recorded exactly so
    photos: int = 0
    # firms whose details in the file differ from the firm register (not applied unless asked)
    register_differences: list = field(default_factory=list)


@dataclass
class Archived:
    """What archiving a set of files did: each file's document (in order), and the new ones.
    A file with the same bytes as the latest version of its form is not a new version."""

    ids: list[int] = field(default_factory=list)
    new: list[int] = field(default_factory=list)

    @property
    def unchanged(self) -> int:
        return len(self.ids) - len(self.new)


@dataclass
class GenerateReport:
    run_id: int
    resumed: bool
    firms: int = 0
    documents: int = 0  # new documents (versions)
    unchanged: int = 0  # files identical to their latest archived version: no new version
    document_ids: list[int] = field(default_factory=list)  # the new ones
    skipped: int = 0  # firms already done by the interrupted run being resumed


class Archive:
    def __init__(self, config: Config, *, settings: Settings | None = None,
                 renderer: Renderer | None = None):
        self.config = config
        self.store = FileStore(config.store_dir)
        if settings is None:
            path = config.settings_file
            settings = load_settings(path if path.is_file() else None)
        self.settings = settings
        self._renderer = renderer
        self._index = None
        self._opened = False
        self._index_lock = threading.RLock()  # one opening, one rebuild at a time

    # -- plumbing ---------------------------------------------------------------------------
    def open(self) -> None:
        """Refuse an emptied or corrupt instance (InstanceError) and migrate a sound one."""
        with self.session():
            pass

    def session(self):
        if not self._opened:  # an emptied or corrupt database is refused before any migration
            open_instance(self.config)
            self._opened = True
        return session_scope(self.config.database_url)

    @property
    def renderer(self) -> Renderer:
        if self._renderer is None:
            self._renderer = Renderer(self.settings, override_dir=self.config.home / "templates_docx")
        return self._renderer

    @property
    def results(self):
        """Lab results: entering, importing, the report PDFs (archive.results)."""
        from archive.results import Results

        return Results(self)

    @property
    def result_docs(self):
        """Result packets and result lists, rendered and archived (archive.resultdocs)."""
        from archive.resultdocs import ResultDocs

        return ResultDocs(self)

    @property
    def mailings(self):
        """EMS postings, signed-for dates, objections and the deadline board (archive.mailing)."""
        from archive.mailing import Mailings

        return Mailings(self)

    @property
    def index(self):
        """The search index; rebuilt from the database when missing, stale or corrupt, also
        when its folder is deleted while we run."""
        index = self._open_index()
        if index.needs_rebuild:
            with self._index_lock:
                if index.needs_rebuild:  # unless another thread has just rebuilt it
                    self.reindex()
        return index

    def _open_index(self):
        """The search index as it is, not rebuilt (verify reports on it)."""
        with self._index_lock:
            if self._index is None:
                from search.index import SearchIndex

                self._index = SearchIndex(self.config.index_dir)
            return self._index

    def audit(self, session: Session, actor: str, action: str, target: str = "", **detail) -> None:
        session.add(AuditEntry(actor=actor, action=action, target=target,
                               detail={k: str(v) if isinstance(v, (date, Path)) else v
                                       for k, v in detail.items()}))

    def _stage_blobs(self, files: dict[str, bytes]) -> None:
        """Record hashes as pending, then write the files: a crash between leaves a pending
        row and maybe a file, never a stored file that no row knows (archive.blobs settles
        what is left)."""
        with self.session() as s:
            # A pending hash staged again is young again, so the clean-up leaves it alone; this
            # first write also waits for a clean-up under way (archive.blobs.settle).
            s.execute(update(Blob).where(Blob.sha256.in_(list(files)), Blob.state == "pending")
                      .values(created_at=datetime.now()))
            known = set(s.scalars(select(Blob.sha256).where(Blob.sha256.in_(list(files)))))
            s.add_all(Blob(sha256=sha, size=len(data), state="pending")
                      for sha, data in files.items() if sha not in known)
        for sha, data in files.items():
            self.store.put(data, sha)

    @staticmethod
    def _mark_stored(session: Session, shas: Iterable[str]) -> None:
        session.execute(update(Blob).where(Blob.sha256.in_(list(shas))).values(state="stored"))

    def settle_pending_blobs(self):
        """Pending hashes that records use are marked stored; those no record uses, older than
        `pending_blob_minutes`, are removed with their files (archive.blobs)."""
        from archive.blobs import settle

        with self.session() as s:
            return settle(s, self.store, minutes=self.settings.pending_blob_minutes)

    def catch_up(self, *, index: bool = True, compare: bool = False) -> None:
        """Level what interrupted work left with the database: pending files settled and, with
        `index`, documents not yet indexed indexed (`compare`: see catch_up_index). Run before
        generate and import and at web start-up; a failure is logged, never raised, so the
        work it comes before goes on (verify reports what is left)."""
        self.open()  # an emptied or corrupt database is refused, never logged away
        steps = [("清理中断写入留下的文件", self.settle_pending_blobs)]
        if index:
            steps.append(("补编检索索引", partial(self.catch_up_index, compare=compare)))
        for what, step in steps:
            try:
                step()
            except Exception:
                log.warning("%s未能完成，稍后会再试（python -m archive verify 可查看遗留情况）",
                            what, exc_info=True)
        self.release_index()

    def release_index(self) -> None:
        """Let go of what this thread holds open of the index (a background thread's end)."""
        if self._index is not None:
            self._index.release()

    # -- import -----------------------------------------------------------------------------
    def import_file(self, path: Path, *, actor: str, task_code: str | None = None,
                    update_register: bool = False) -> ImportReport:
        """Records from a trip file (.json) or a spreadsheet (.xlsx, .csv) into the database.

        The whole file is checked first; nothing of a bad file is imported. Re-importing
        updates the same rows (samplings by sample number), except finished ones, which the
        file may only repeat (a change is refused: it needs a correction). Each sampling keeps
        the firm as the file records it; the firm register is added to, and changed only with
        `update_register` (the differences are in the report).
        """
        path = Path(path)
        self.catch_up(index=False)
        limits = PhotoLimits(self.settings.photo_max_bytes, self.settings.photo_max_pixels)
        checks = dict(settings=self.settings, check_text=self.renderer.fonts.missing,
                      check_photo=lambda p: inspect_photo(p, limits), pending_ok=True,
                      check_report=partial(inspect_report,
                                           max_bytes=self.settings.lab_report_max_bytes))
        if path.suffix.lower() in (".xlsx", ".csv"):
            from archive.spreadsheet import load_spreadsheet

            base = self.trip_dict(task_code) if task_code else None
            trip = load_spreadsheet(path, base_trip=base, **checks)
        else:
            trip = load_trip(path, **checks)
        photo_files: dict[Path, tuple[str, str, datetime | None]] = {}
        blobs: dict[str, bytes] = {}
        for s in trip.samplings:
            for p in s.photos:
                if p.file in photo_files:
                    continue
                original = p.file.read_bytes()  # stored byte for byte
                copy = print_copy(p.file, max_side=self.settings.photo_print_side, limits=limits)
                o_sha, c_sha = sha256_of(original), sha256_of(copy.jpeg)
                blobs[o_sha], blobs[c_sha] = original, copy.jpeg
                photo_files[p.file] = (o_sha, c_sha, copy.info.taken_at)
        report_files: dict[Path, str] = {}
        for s in trip.samplings:
            if s.result and s.result.lab_report and s.result.lab_report not in report_files:
                data = s.result.lab_report.read_bytes()
                report_files[s.result.lab_report] = sha256_of(data)
                blobs[report_files[s.result.lab_report]] = data
        with self.session() as s:
            keep, problems = self._unchanged_or_locked(s, trip, photo_files, report_files)
        if problems:
            raise TripError(path.name, problems)
        self._stage_blobs(blobs)
        report = ImportReport(str(path), photos=len(photo_files))
        with self.session() as s:
            known = set(s.scalars(select(Sampling.sample_no).where(
                Sampling.sample_no.in_([x.sample_no for x in trip.samplings]))))
            report.register_differences = records.upsert_trip(
                s, trip, photo_files, report_files, actor, source=f"导入 {path.name}",
                update_register=update_register, keep=frozenset(keep))
            self._mark_stored(s, blobs)
            for x in trip.samplings:
                (report.unchanged if x.sample_no in keep else report.updated
                 if x.sample_no in known else report.created).append(x.sample_no)
            self.audit(s, actor, "import", path.name, created=len(report.created),
                       updated=len(report.updated), unchanged=len(report.unchanged),
                       photos=report.photos, register_differences=len(report.register_differences))
        return report

    def _unchanged_or_locked(self, s: Session, trip, photos: dict, reports: dict
                             ) -> tuple[set[str], list[Problem]]:
        """The samplings of a file that are stored exactly so already (left alone), and why
        the file may not change the others: a finished record changes only by a correction."""
        from archive import corrections

        rows = {r.sample_no: r for r in s.scalars(select(Sampling).where(
            Sampling.sample_no.in_([x.sample_no for x in trip.samplings])))}
        keep, problems = set(), []
        task = s.scalars(select(Task).where(Task.code == trip.task.code)).first()
        if task is not None and corrections.task_finished(s, task.id):
            changes = corrections.task_differences(task, trip.task)
            if changes:
                problems.append(Problem("task", next(iter(changes)), (
                    f"任务 {task.code} 已有归档的抽样记录，导入不能修改任务信息"
                    f"（{corrections.describe(changes)}）")))
        for x in trip.samplings:
            row = rows.get(x.sample_no)
            if row is None:
                continue
            changes = corrections.differences(records.sampling_record(row, self.store.path), x)
            if row.task.code != trip.task.code:
                changes["task.code"] = (row.task.code, trip.task.code)
            team = ("、".join(p.sampler.name for p in row.samplers),
                    "、".join(p.name for p in trip.samplers))
            if team[0] != team[1]:
                changes["samplers"] = team
            if row.trip_date != trip.trip_date:
                changes["trip_date"] = (str(row.trip_date or ""), str(trip.trip_date or ""))
            known = {p.original_sha256 for p in row.photos}
            added = [p for p in x.photos if photos[p.file][0] not in known]
            if added:
                changes["photos"] = ("", f"新增 {len(added)} 张")
            if x.result and x.result.lab_report and reports[x.result.lab_report] != row.lab_report_sha256:
                changes["result.lab_report"] = (row.lab_report_filename, x.result.lab_report.name)
            if not changes:
                keep.add(x.sample_no)
                continue
            reasons = corrections.lock_reasons(s, row)
            if reasons:
                problems.append(Problem(x.sample_no, next(iter(changes)), (
                    f"该记录{'、'.join(reasons)}，导入不能修改（{corrections.describe(changes)}）；"
                    "如需修改，请提交更正")))
        return keep, problems

    def trip_dict(self, task_code: str) -> dict:
        """The trip-level part of a trip file for a stored task (for spreadsheets of rows only)."""
        with self.session() as s:
            task = s.scalars(select(Task).where(Task.code == task_code)).first()
            if task is None:
                raise ArchiveError(f"没有任务编号为 {task_code} 的任务；请先导入该任务的行程文件或含“任务信息”的工作簿")
            last = s.scalars(select(Sampling).where(Sampling.task_id == task.id)
                             .order_by(Sampling.id.desc())).first()
            a, i = task.agency, task.institution
            party = lambda x: {k: getattr(x, k) for k in ("name", "short_name", "address",  # noqa
                                                          "postal_code", "phone", "contact", "cma_no")}
            t = {k: getattr(task, k) for k in ("code", "name", "level", "category", "source",
                                               "plan_doc_no", "product_category", "basis")}
            for k in ("valid_from", "valid_to", "result_due"):
                t[k] = getattr(task, k).isoformat() if getattr(task, k) else ""
            samplers = task.samplers or (
                [{"name": p.sampler.name, "id_no": p.sampler.id_no} for p in last.samplers]
                if last else [])
            day = task.trip_date or (last.trip_date if last else None)
            return {"agency": party(a), "institution": party(i), "task": t, "samplers": samplers,
                    "trip_date": day.isoformat() if day else ""}

    # -- generate ---------------------------------------------------------------------------
    def _select(self, s: Session, sample_no: str | None, task_code: str | None) -> list[Sampling]:
        q = select(Sampling).options(selectinload(Sampling.samplers), selectinload(Sampling.photos))
        if sample_no:
            rows = list(s.scalars(q.where(Sampling.sample_no == sample_no)))
            if not rows:
                raise ArchiveError(f"没有抽样单编号为 {sample_no} 的抽样记录")
        else:
            task = s.scalars(select(Task).where(Task.code == task_code)).first()
            if task is None:
                raise ArchiveError(f"没有任务编号为 {task_code} 的任务")
            rows = list(s.scalars(q.where(Sampling.task_id == task.id).order_by(Sampling.sample_no)))
        return rows

    def _allocate_notice_numbers(self, s: Session, rows: list[Sampling]) -> None:
        """Give each sampling its 通知书 number once, from a counter per agency and year."""
        for r in rows:
            if r.notice_no:
                continue
            a = r.task.agency
            year = (r.task.valid_from or r.trip_date or date.today()).year
            serial = next_value(s, f"notice:{a.short_name}:{year}")
            r.notice_no = self.settings.notice_number.format(short_name=a.short_name, year=year,
                                                             serial=serial)

    def generate(self, *, sample_no: str | None = None, task_code: str | None = None,
                 blank: bool = False, jobs: int = 1, actor: str,
                 progress: Callable[[Iterable], Iterable] = lambda it: it) -> GenerateReport:
        """Render and archive every form of the selected samplings, firm by firm.

        Each firm's documents are committed in one transaction. A run that was interrupted
        (killed, power cut) is resumed by the same command: firms already archived by it are
        skipped, so the rerun completes the work without duplicate versions.
        """
        if not (sample_no or task_code):
            raise ArchiveError("请指定 --sample 或 --trip")
        scope = f"sample:{sample_no}" if sample_no else f"trip:{task_code}"
        self.store.clear_temp()
        self.catch_up()  # what an interrupted run archived but could not index, first
        with self.session() as s:
            rows = self._select(s, sample_no, task_code)
            if not blank:
                pending = [r.sample_no for r in rows if r.outcome is None]
                if pending:
                    raise ArchiveError("以下抽样记录尚未录入抽样结果，只能生成抽样前的空白文书："
                                       f"{'、'.join(pending[:20])}")
            self._allocate_notice_numbers(s, rows)
            run = s.scalars(select(GenerationRun).where(
                GenerationRun.scope == scope, GenerationRun.blank == blank,
                GenerationRun.finished_at.is_(None)).order_by(GenerationRun.id.desc())).first()
            resumed = run is not None
            if run is None:
                run = GenerationRun(scope=scope, blank=blank, actor=actor)
                s.add(run)
                s.flush()
            done = run_samplings(s, run.id)
            report = GenerateReport(run.id, resumed, skipped=len({r.id for r in rows} & done))
            todo = [r for r in rows if r.id not in done]
            groups = [(records.trip_record(g, self.store.path), {r.sample_no: r.id for r in g})
                      for g in records.group_for_rendering(todo)] if todo else []
        for trip, ids in groups:
            for i, files in render_firms(self.renderer, trip, blank, jobs=jobs, progress=progress):
                sampling = trip.samplings[i]
                done = self._archive_firm(run.id, ids[sampling.sample_no], files, blank, actor)
                report.documents += len(done.new)
                report.document_ids += done.new
                report.unchanged += done.unchanged
                report.firms += 1
        with self.session() as s:
            s.get(GenerationRun, run.id).finished_at = datetime.now()
            self.audit(s, actor, "generate", scope, run=run.id, blank=blank, firms=report.firms,
                       documents=report.documents, unchanged=report.unchanged, resumed=resumed)
        return report

    def _archive_firm(self, run_id: int, sampling_id: int, files: list[RenderedFile], blank: bool,
                      actor: str) -> Archived:
        with self.session() as s:
            sampling = s.get(Sampling, sampling_id)
            task_id = sampling.task_id
        return self.archive_files(files, task_id=task_id, sampling_id=sampling_id,
                                  blank=blank, actor=actor, run_id=run_id)

    def archive_files(self, files: list[RenderedFile], *, task_id: int, sampling_id: int | None,
                      actor: str, blank: bool = False, run_id: int | None = None) -> Archived:
        """Store files and add a document row per file in one transaction: version n+1 of the
        same form and format of the sampling (or, with no sampling, of the task) — unless the
        file has exactly the bytes of the latest version, which then stands for it. New
        documents of a sampling are indexed for search."""
        data = {sha256_of(f.data): f.data for f in files}
        self._stage_blobs(data)
        done = Archived()
        with self.session() as s:
            sampling = s.get(Sampling, sampling_id) if sampling_id else None
            year = (sampling.sampled_at if sampling and sampling.sampled_at else datetime.now()).year
            for f in files:
                sha = sha256_of(f.data)
                same = select(Document).where(Document.form == f.form, Document.format == f.format,
                                              Document.blank == blank)
                same = (same.where(Document.sampling_id == sampling_id) if sampling_id else
                        same.where(Document.sampling_id.is_(None), Document.task_id == task_id))
                prev = s.scalars(same.order_by(Document.version.desc())).first()
                if prev is not None and prev.sha256 == sha:
                    done.ids.append(prev.id)  # unchanged: the latest version stands
                    continue
                doc = Document(doc_no=document_number(s, year), sampling_id=sampling_id,
                               firm_id=sampling.firm_id if sampling else None, task_id=task_id,
                               form=f.form, format=f.format, blank=blank,
                               version=(prev.version + 1) if prev else 1,
                               supersedes_id=prev.id if prev else None, sha256=sha,
                               size=len(f.data), pages=f.pages, filename=Path(f.path).name,
                               title=_title(f.form), run_id=run_id, created_by=actor)
                s.add(doc)
                s.flush()
                done.ids.append(doc.id)
                done.new.append(doc.id)
            if run_id and sampling_id:  # the firm is done in this run, with its documents
                s.merge(RunSampling(run_id=run_id, sampling_id=sampling_id))
            self._mark_stored(s, data)
        if sampling_id and done.new:
            self._index_documents(done.new)
        return done

    # -- search (archive.indexing keeps the index level with the database) ----------------
    def _index_documents(self, ids: list[int]) -> bool:
        from archive.indexing import index_documents

        return index_documents(self, ids)

    @staticmethod
    def _unmark_indexed(session: Session, sampling_ids: Iterable[int]) -> None:
        from archive.indexing import unmark_indexed

        unmark_indexed(session, sampling_ids)

    def catch_up_index(self, *, compare: bool = False) -> int:
        """Index the documents an interrupted or failed index write left out."""
        from archive.indexing import catch_up

        return catch_up(self, compare=compare)

    def reindex(self) -> int:
        """Rebuild the search index from the database (the index is derived data)."""
        from archive.indexing import rebuild

        with self._index_lock:
            return rebuild(self, self._open_index())

    def search(self, text: str, **filters):
        """Search the index; one found damaged (or deleted) on the way is rebuilt and the
        search repeated."""
        result = self.index.search(text, **filters)
        if result.needs_rebuild:
            self.reindex()
            result = self.index.search(text, **filters)
        return result

    # -- integrity --------------------------------------------------------------------------
    def verify(self, *, actor: str):
        """Re-hash every stored file; report missing, altered and orphaned files, pending file
        records, and documents the search index lacks or holds in excess."""
        from archive.integrity import verify

        with self.session() as s:
            report = verify(s, self.store, index=self._open_index(),
                            pending_minutes=self.settings.pending_blob_minutes)
            self.audit(s, actor, "verify", "", ok=report.ok, checked=report.checked,
                       findings=len(report.findings))
        return report

    def export(self, *, out: Path, actor: str, credit_code: str | None = None,
               sample_no: str | None = None):
        """A firm's (by credit code) or a sampling's dossier ZIP with a checksum manifest."""
        from archive.integrity import export_dossier

        with self.session() as s:
            if credit_code:
                rows = self.firm_samplings(s, credit_code)
                title = f"企业档案 {credit_code}"
            else:
                rows = list(s.scalars(select(Sampling).where(Sampling.sample_no == sample_no)))
                if not rows:
                    raise ArchiveError(f"没有抽样单编号为 {sample_no} 的抽样记录")
                title = f"抽样档案 {sample_no}"
            try:
                report = export_dossier(s, self.store, rows, out, title)
            except (ValueError, FileNotFoundError) as exc:
                raise ArchiveError(str(exc)) from None
            self.audit(s, actor, "export", credit_code or sample_no, out=out, files=report.files)
        return report

    def dossier_zip(self, *, actor: str, credit_code: str | None = None,
                    sample_no: str | None = None) -> bytes:
        """The dossier ZIP as bytes, for a download."""
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "dossier.zip"
            self.export(out=out, actor=actor, credit_code=credit_code, sample_no=sample_no)
            return out.read_bytes()

    # -- lookups for the CLI and the web ----------------------------------------------------
    def firm_samplings(self, s: Session, credit_code: str) -> list[Sampling]:
        firm = s.scalars(select(Firm).where(Firm.credit_code == credit_code.upper())).first()
        if firm is None:
            raise ArchiveError(f"档案中没有统一社会信用代码为 {credit_code} 的企业")
        return list(s.scalars(select(Sampling).where(
            (Sampling.firm_id == firm.id) | (Sampling.manufacturer_id == firm.id))
            .order_by(Sampling.sample_no)))

    def document(self, document_id: int) -> tuple[Document, bytes]:
        """A document's row and bytes, by id only: no path ever comes from the caller. The
        bytes are checked against the recorded hash before they are handed out."""
        with self.session() as s:
            doc = s.get(Document, document_id, options=[selectinload(Document.sampling)])
            if doc is None:
                raise ArchiveError(f"没有编号为 {document_id} 的文书")
            try:
                data = self.store.read(doc.sha256)
            except FileNotFoundError:
                raise ArchiveError(f"文书 {doc.doc_no} 的档案文件缺失，请运行完整性检查") from None
            if sha256_of(data) != doc.sha256:
                raise ArchiveError(f"文书 {doc.doc_no} 的档案文件已被改动，拒绝提供")
            doc.sample_no = doc.sampling.sample_no if doc.sampling else ""
            return doc, data

    def versions(self, document_id: int) -> list[Document]:
        """Every version of the same form, format and kind of a sampling, newest first."""
        with self.session() as s:
            doc = s.get(Document, document_id)
            if doc is None:
                raise ArchiveError(f"没有编号为 {document_id} 的文书")
            return list(s.scalars(select(Document).where(
                Document.sampling_id == doc.sampling_id, Document.task_id == doc.task_id,
                Document.form == doc.form,
                Document.format == doc.format, Document.blank == doc.blank)
                .order_by(Document.version.desc())))

    def firm_history(self, credit_code: str) -> tuple[Firm, list[tuple[Sampling, list[Document]]]]:
        """A firm and, per sampling about it, the latest version of each document."""
        with self.session() as s:
            rows = self.firm_samplings(s, credit_code)
            firm = s.scalars(select(Firm).where(Firm.credit_code == credit_code.upper())).one()
            out = []
            for r in rows:
                r.task, r.firm  # loaded for the caller
                docs = s.scalars(select(Document).where(Document.sampling_id == r.id)
                                 .order_by(Document.form, Document.format,
                                           Document.version.desc())).all()
                latest: dict[tuple, Document] = {}
                for d in docs:
                    latest.setdefault((d.form, d.format, d.blank), d)
                out.append((r, sorted(latest.values(),
                                      key=lambda d: (document_order(d.form, d.format), d.blank))))
            return firm, out

    def tasks(self) -> list[tuple[Task, int]]:
        """Every task with its number of samplings, newest first."""
        with self.session() as s:
            rows = s.execute(select(Task, func.count(Sampling.id)).outerjoin(
                Sampling, Sampling.task_id == Task.id).group_by(Task.id).order_by(Task.id.desc()))
            return [(t, n) for t, n in rows]

    def task_detail(self, task_code: str) -> tuple[Task, list[tuple[Sampling, int]]]:
        """A task and its samplings, each with how many documents are archived for it."""
        with self.session() as s:
            task = s.scalars(select(Task).where(Task.code == task_code)).first()
            if task is None:
                raise ArchiveError(f"没有任务编号为 {task_code} 的任务")
            task.agency, task.institution  # loaded for the caller
            rows = s.execute(select(Sampling, func.count(Document.id)).outerjoin(
                Document, Document.sampling_id == Sampling.id).where(Sampling.task_id == task.id)
                .group_by(Sampling.id).order_by(Sampling.sample_no)).all()
            for r, _ in rows:
                r.firm
            return task, [(r, n) for r, n in rows]

    def task_bundle(self, task_code: str, *, blank: bool, fmt: str) -> bytes:
        """The latest archived files of a task, bundled for printing: one PDF (firm packets
        merged, an outline entry per firm) or a ZIP of the Word files."""
        import zipfile
        from io import BytesIO

        from pypdf import PdfReader, PdfWriter

        with self.session() as s:
            task, rows = self.task_detail(task_code)
            wanted = ("packet",) if fmt == "pdf" else TRIP_FORMS
            picked: list[tuple[Sampling, Document]] = []
            for r, _ in rows:
                docs = s.scalars(select(Document).where(
                    Document.sampling_id == r.id, Document.blank == blank,
                    Document.format == fmt, Document.form.in_(wanted))
                    .order_by(Document.version.desc())).all()
                latest: dict[str, Document] = {}
                for d in docs:
                    latest.setdefault(d.form, d)
                picked += [(r, d) for d in sorted(latest.values(),
                                                  key=lambda d: document_order(d.form, d.format))]
        if not picked:
            raise ArchiveError(f"任务 {task_code} 尚未生成{'空白' if blank else ''}文书")
        out = BytesIO()
        if fmt == "pdf":
            writer = PdfWriter()
            for r, d in picked:
                writer.append(PdfReader(BytesIO(self.store.read(d.sha256))),
                              outline_item=f"{r.sample_no}　{r.enterprise.name}", import_outline=True)
            writer.page_mode = "/UseOutlines"
            writer.write(out)
        else:
            with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zf:
                for r, d in picked:
                    zf.writestr(f"{r.sample_no}/{d.filename}", self.store.read(d.sha256))
        return out.getvalue()

    def audit_log(self, limit: int = 200) -> list[AuditEntry]:
        with self.session() as s:
            return list(s.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)))

    def counts(self) -> dict[str, int]:
        with self.session() as s:
            return {"samplings": s.scalar(select(func.count(Sampling.id))),
                    "documents": s.scalar(select(func.count(Document.id)))}

    # -- Word template overrides --------------------------------------------------------------
    @property
    def template_override_dir(self) -> Path:
        """Where an admin's Word templates live: one {code}.docx per overridden form."""
        return self.config.home / "templates_docx"

    def _form_code(self, code: str) -> str:
        if code not in FORMS:
            raise ArchiveError(f"未知的表单代码 {code!r}；可用：{', '.join(FORMS)}")
        return code

    def template_overrides(self) -> dict[str, dict]:
        """The overridden forms: code → {size, uploaded_at}."""
        out = {}
        for code in FORMS:
            try:
                st = (self.template_override_dir / f"{code}.docx").stat()
            except FileNotFoundError:
                continue
            out[code] = {"size": st.st_size, "uploaded_at": datetime.fromtimestamp(st.st_mtime)}
        return out

    def set_template_override(self, code: str, data: bytes, actor: str) -> None:
        """Use `data` as the form's Word template from now on, once it passes the lint."""
        import hashlib
        import os
        import tempfile

        from docgen.word import lint_template

        spec = FORMS[self._form_code(code)]
        problems = lint_template(data, spec)
        if problems:
            error = ArchiveError("；".join(problems))
            error.problems = problems  # one line each on the web page
            raise error
        folder = self.template_override_dir
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{code}-", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, folder / f"{code}.docx")
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        with self.session() as s:
            self.audit(s, actor, "template.override", code, size=len(data),
                       sha256=hashlib.sha256(data).hexdigest())

    def revert_template(self, code: str, actor: str) -> None:
        """Go back to the form's default Word template."""
        path = self.template_override_dir / f"{self._form_code(code)}.docx"
        try:
            path.unlink()
        except FileNotFoundError:
            raise ArchiveError(f"{FORMS[code].title} 未使用自定义 Word 模板") from None
        with self.session() as s:
            self.audit(s, actor, "template.revert", code)

    def template_bytes(self, code: str) -> bytes:
        """The form's Word template in use: the override, else the default."""
        try:
            return (self.template_override_dir / f"{self._form_code(code)}.docx").read_bytes()
        except FileNotFoundError:
            pass
        from docgen.render import DEFAULT_TEMPLATES

        default = self._renderer.template_dir if self._renderer is not None else DEFAULT_TEMPLATES
        return (Path(default) / f"{code}.docx").read_bytes()


def run_samplings(s: Session, run_id: int) -> set[int]:
    """The samplings a generation run has finished: what resuming it skips (and what a job
    reports as done)."""
    return set(s.scalars(select(RunSampling.sampling_id).where(RunSampling.run_id == run_id)))


_ORDER = {code: i for i, code in enumerate([*FORMS, "photos", "packet"])}


def document_order(form: str, fmt: str) -> tuple[int, int]:
    """Forms in the order of a packet, the PDF before the Word file."""
    return _ORDER.get(form, len(_ORDER)), 0 if fmt == "pdf" else 1


def _title(form: str) -> str:
    if form in FORMS:
        return FORMS[form].title
    from docgen.lists import LISTS

    return {"photos": "抽样现场照片", "packet": "抽查文书合订本", "lab_report": "检验报告",
            "result_packet": "检验结果通知合订本", "result_batch": "检验结果通知（批量打印）",
            "result_docx_zip": "检验结果通知 Word 文件",
            **LISTS}.get(form, form)
