"""What a background job has done, read from the archive itself (not from the job's own
counter, which may lag behind a crash): how many firms are archived, whether an interrupted
job's work is complete, and what its continuation has left to do.

Each job notes at its start where its work begins: a generation job the generation run it
works in (`run_from`: the unfinished run it resumes, else the next one), a result-packet job
the last document id before it (`after_doc`). A continuation keeps the note of the job it
continues."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive.models import Document, GenerationRun, Sampling, Task
from archive.resultdocs import KEPT_BATCH_FORMS
from archive.service import run_samplings

# params a job's end adds, not carried to its continuation
RESULT_PARAMS = ("batch", "firms", "continued_by", "continues")
RESULT_FORM = "result_packet"  # one per firm, archived with the firm's other result files
BATCH_FORM = "result_batch"   # the batch's printable PDF, archived after every firm


def _runs(code: str, blank: bool):
    return select(GenerationRun).where(GenerationRun.scope == f"trip:{code}",
                                       GenerationRun.blank == blank)


def run_from(s: Session, code: str, blank: bool) -> int:
    """The generation run a job for the task starts in: the unfinished one generate resumes,
    else the next one."""
    unfinished = s.scalars(_runs(code, blank).where(GenerationRun.finished_at.is_(None))
                           .order_by(GenerationRun.id.desc())).first()
    if unfinished is not None:
        return unfinished.id
    return (s.scalar(select(func.max(GenerationRun.id))) or 0) + 1


def generate_complete(s: Session, params: dict) -> bool:
    """The job's generation finished (its run closed) though the job could not say so."""
    runs = _runs(params["task"], params["blank"])
    if s.scalars(runs.where(GenerationRun.finished_at.is_(None))).first() is not None:
        return False  # generate will resume it
    return s.scalars(runs.where(GenerationRun.id >= params["run_from"])).first() is not None


def last_document(s: Session) -> int:
    return s.scalar(select(func.max(Document.id))) or 0


def results_archived(s: Session, params: dict) -> set[str]:
    """The job's samples whose result packets were archived since the job began."""
    if "after_doc" not in params:
        return set()
    return set(s.scalars(select(Sampling.sample_no)
                         .join(Document, Document.sampling_id == Sampling.id)
                         .where(Sampling.sample_no.in_(params["samples"]),
                                Document.form == RESULT_FORM,
                                Document.id > params["after_doc"])))


def results_batch(s: Session, params: dict) -> list[int]:
    """The newest batch files (printable PDF, labels, Word ZIP) archived since the job began,
    the last step of its work; empty while its printable PDF is not."""
    task = s.scalars(select(Task).where(Task.code == params["task"])).first()
    if task is None or "after_doc" not in params:
        return []
    latest: dict[tuple[str, str], Document] = {}
    for d in s.scalars(select(Document).where(
            Document.task_id == task.id, Document.sampling_id.is_(None),
            Document.form.in_(KEPT_BATCH_FORMS), Document.id > params["after_doc"])
            .order_by(Document.id.desc())):
        latest.setdefault((d.form, d.format), d)
    if not any(form == BATCH_FORM for form, _ in latest):
        return []
    return sorted(d.id for d in latest.values())


def counts(s: Session, kind: str, params: dict) -> tuple[int, int]:
    """(firms done, firms in all) of a job's work, as archived."""
    if kind == "results":
        return len(results_archived(s, params)), len(params.get("samples", []))
    task = s.scalars(select(Task).where(Task.code == params["task"])).first()
    if task is None:
        return 0, 0
    total = s.scalar(select(func.count(Sampling.id)).where(Sampling.task_id == task.id))
    if "run_from" not in params:
        return 0, total
    runs = s.scalars(_runs(params["task"], params["blank"])
                     .where(GenerationRun.id >= params["run_from"])
                     .with_only_columns(GenerationRun.id))
    done: set[int] = set()
    for run_id in runs:
        done |= run_samplings(s, run_id)
    return len(done), total


def unchanged_note(unchanged: int) -> str:
    return f"；{unchanged} 个文件与已归档的最新版本相同，未新增版本" if unchanged else ""


def generate_message(report) -> str:
    message = f"已归档 {report.firms} 户、{report.documents} 个新文件{unchanged_note(report.unchanged)}"
    if report.resumed:
        message += f"（续做，跳过 {report.skipped} 户）"
    return message


def failure_message(exc: Exception, config) -> str:
    """A failure as the job page shows it, in Chinese: what to fix, one line per problem; the
    disk or the database by what to do; a bug as such (its traceback is in the server log)."""
    from archive.instance import failure_line
    from archive.service import ArchiveError
    from docgen.fonts import FontError
    from docgen.packets import PacketError
    from docgen.settings import SettingsError
    from docgen.word import TemplateProblem

    problems = getattr(exc, "problems", None)  # a TripError says what to fix
    if problems:
        return "；".join(str(p) for p in problems)
    if isinstance(exc, (ArchiveError, FontError, PacketError, SettingsError, TemplateProblem)):
        return str(exc)
    return (failure_line(exc, config, paths=False)
            or "程序内部错误，未能完成；已记入服务器日志，请联系系统管理员")
