"""Result packets and result lists, rendered by docgen and archived: per firm the result
notice, proof of service and envelope; per batch the printable PDF and label sheets; per
task the pass/fail lists, the summary and the disclosure list."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Collection, Iterable

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from archive import records
from archive.models import Document, Sampling, Task
from docgen.loading import Problem, TripError
from docgen.results import render_result_batch

# the batch files kept in the archive (envelopes.pdf is not: the envelopes are kept per firm)
KEPT_BATCH_FORMS = ("result_batch", "label_sheet", "result_docx_zip")
# a firm's own result documents
FIRM_FORMS = ("result_notice", "service_receipt", "envelope", "result_packet")


class ResultDocsError(TripError):
    """Result documents that cannot be generated; `problems` says for which samples and why."""


@dataclass
class ResultRun:
    firms: list[str] = field(default_factory=list)
    documents: int = 0  # new documents (versions)
    unchanged: int = 0  # files identical to their latest version: no new version
    skipped: int = 0  # firms an interrupted run of the same batch had archived
    batch: list[int] = field(default_factory=list)  # ids of the task-level documents
    new: list[int] = field(default_factory=list)  # ids of the new firm documents


class ResultDocs:
    def __init__(self, archive):
        self.archive = archive

    def _rows(self, s, task_code: str | None, sample_nos: list[str] | None) -> list[Sampling]:
        q = select(Sampling).options(selectinload(Sampling.samplers), selectinload(Sampling.photos))
        if sample_nos:
            rows = list(s.scalars(q.where(Sampling.sample_no.in_(sample_nos))
                                  .order_by(Sampling.sample_no)))
            unknown = sorted(set(sample_nos) - {r.sample_no for r in rows})
            if unknown:
                raise ResultDocsError("results", [Problem(n, "sample_no", "档案中没有这个抽样单编号")
                                                  for n in unknown])
            if len({r.task_id for r in rows}) > 1:
                raise ResultDocsError("results", [Problem("results", "task.code",
                                                          "所选样品属于不同任务；请按任务分批生成")])
            return rows
        task = s.scalars(select(Task).where(Task.code == task_code)).first()
        if task is None:
            raise ResultDocsError("results", [Problem(task_code or "", "task.code", "没有这个任务编号")])
        return [r for r in s.scalars(q.where(Sampling.task_id == task.id,
                                             Sampling.outcome == "sampled")
                                     .order_by(Sampling.sample_no)) if r.result]

    def generate(self, *, actor: str, task_code: str | None = None,
                 sample_nos: list[str] | None = None, mailer: str = "envelope",
                 batch: bool = True,
                 progress: Callable[[Iterable], Iterable] = lambda it: it,
                 archived: Collection[str] = ()) -> ResultRun:
        """Render and archive the result packets of a task's tested samples (or those named).
        Every named sample must have its result and lab report; nothing is stored otherwise.
        Without `batch`, only the firms' own documents are archived (a correction of one
        sample must not replace the task's printed batch with a batch of one). The samples in
        `archived` (by an interrupted run of this batch) are rendered for the batch files but
        not archived again."""
        a = self.archive
        with a.session() as s:
            rows = self._rows(s, task_code, sample_nos)
            problems = []
            for r in rows:
                if not r.result:
                    problems.append(Problem(r.sample_no, "result.conclusion", "尚未录入检验结果"))
                elif not r.lab_report_sha256:
                    problems.append(Problem(r.sample_no, "result.lab_report",
                                            "尚未上传检验报告 PDF（结果通知须附检验报告）"))
            if not rows:
                problems.append(Problem(task_code or "results", "result.conclusion",
                                        "没有已录入检验结果的样品"))
            if problems:
                raise ResultDocsError("results", problems)
            trip = records.trip_record(rows, a.store.path)
            ids = {r.sample_no: r.id for r in rows}
            task_id = rows[0].task_id
        per_firm, batch_files = render_result_batch(a.renderer, trip, list(trip.samplings),
                                              mailer=mailer, progress=progress)
        run = ResultRun()
        for sample_no, files in per_firm.items():
            if sample_no in archived:
                run.skipped += 1
                continue
            kept = [f for f in files if f.form != "lab_report"]  # stored when it was uploaded
            done = a.archive_files(kept, task_id=task_id, sampling_id=ids[sample_no], actor=actor)
            run.firms.append(sample_no)
            run.documents += len(done.new)
            run.new += done.new
            run.unchanged += done.unchanged
        if batch:
            kept = [f for f in batch_files if f.form in KEPT_BATCH_FORMS]
            done = a.archive_files(kept, task_id=task_id, sampling_id=None, actor=actor)
            run.batch = done.ids
            run.documents += len(done.new)
            run.unchanged += done.unchanged
        with a.session() as s:
            a.audit(s, actor, "results.generate", task_code or "、".join(sample_nos or []),
                    firms=len(run.firms), documents=run.documents, mailer=mailer)
        return run

    def generate_lists(self, task_code: str, *, actor: str) -> list[int]:
        """The four result lists of a task, each as .docx, PDF and .xlsx, archived."""
        from docgen.lists import FORMATS, LISTS, build_list, list_filename
        from docgen.packets import RenderedFile

        a = self.archive
        with a.session() as s:
            task = s.scalars(select(Task).where(Task.code == task_code)).first()
            if task is None:
                raise ResultDocsError("lists", [Problem(task_code, "task.code", "没有这个任务编号")])
            rows = list(s.scalars(select(Sampling).options(selectinload(Sampling.samplers))
                                  .where(Sampling.task_id == task.id).order_by(Sampling.sample_no)))
            if not any(r.result for r in rows):
                raise ResultDocsError("lists", [Problem(task_code, "result.conclusion",
                                                        "该任务还没有任何检验结果")])
            trip = records.trip_record(rows, a.store.path)
            task_id = task.id
        files = [RenderedFile(list_filename(kind, fmt), build_list(kind, trip, fmt, a.settings),
                              kind, None, fmt)
                 for kind in LISTS for fmt in FORMATS]
        done = a.archive_files(files, task_id=task_id, sampling_id=None, actor=actor)
        with a.session() as s:
            a.audit(s, actor, "lists.generate", task_code, documents=len(done.new),
                    unchanged=done.unchanged)
        return done.ids

    @staticmethod
    def has_documents(s, sampling_id: int) -> bool:
        """Whether result documents (a notice, a proof of service …) were archived for it."""
        return s.scalar(select(Document.id).where(Document.sampling_id == sampling_id,
                                                  Document.form.in_(FIRM_FORMS))
                        .limit(1)) is not None

    def firm_documents(self, task_code: str, forms: tuple[str, ...]) -> dict[str, list[Document]]:
        """Per sample of the task, the latest version of each of its documents of `forms`, in
        the order of `forms`, the PDF before the Word file."""
        with self.archive.session() as s:
            q = (select(Document, Sampling.sample_no)
                 .join(Sampling, Document.sampling_id == Sampling.id)
                 .join(Task, Document.task_id == Task.id)
                 .where(Task.code == task_code, Document.form.in_(forms))
                 .order_by(Document.version.desc()))
            latest: dict[tuple, Document] = {}
            for doc, sample_no in s.execute(q):
                latest.setdefault((sample_no, doc.form, doc.format), doc)
        out: dict[str, list[Document]] = {}
        for key in sorted(latest, key=lambda k: (k[0], forms.index(k[1]), k[2] != "pdf")):
            out.setdefault(key[0], []).append(latest[key])
        return out

    def documents(self, ids: list[int]) -> list[Document]:
        """Document rows (no bytes) by id, in the order given; unknown ids are left out."""
        with self.archive.session() as s:
            return [d for i in ids if (d := s.get(Document, i))]

    def task_documents(self, task_code: str) -> list[Document]:
        """The latest version of each task-level document (lists, batch PDFs, label sheets)."""
        a = self.archive
        with a.session() as s:
            task = s.scalars(select(Task).where(Task.code == task_code)).first()
            if task is None:
                raise ResultDocsError("lists", [Problem(task_code, "task.code", "没有这个任务编号")])
            latest: dict[tuple, Document] = {}
            for d in s.scalars(select(Document).where(Document.task_id == task.id,
                                                      Document.sampling_id.is_(None))
                               .order_by(Document.version.desc())):
                latest.setdefault((d.form, d.format), d)
            return sorted(latest.values(), key=lambda d: (d.form, d.format))
