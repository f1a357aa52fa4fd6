"""Lab results in the archive: entered by hand or from the lab's sheet, with the report PDF.

A result is checked by the same rules as a trip file's (`docgen.loading.parse_result`); a lab
sheet is all or nothing, like every import.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.models import Document, Sampling
from archive.store import display_name, sha256_of
from docgen.labreports import inspect_report
from docgen import records as rec
from docgen.loading import Problem, TripError, file_in_folder, parse_result, read_json
from docgen.records import Result


class ResultError(TripError):
    """Results that cannot be recorded; `problems` names each sample and field."""


@dataclass
class ResultImport:
    source: str
    entered: list[str] = field(default_factory=list)
    reports: int = 0


def result_columns(result: Result, report_sha: str | None, report_name: str, actor: str) -> dict:
    """The sampling columns that hold a result."""
    return {"result": result.conclusion, "report_no": result.report_no,
            "report_date": result.report_date,
            "result_items": [{"item": i.item, "requirement": i.requirement,
                              "measured": i.measured, "verdict": i.verdict} for i in result.items],
            "result_remarks": result.remarks, "lab_report_sha256": report_sha,
            "lab_report_filename": report_name, "result_by": actor, "result_at": datetime.now()}


def result_form_values(row: Sampling) -> dict:
    """A stored result as the dict `parse_result` reads (to show it again in a form)."""
    return {"conclusion": row.result, "report_no": row.report_no,
            "report_date": row.report_date.isoformat() if row.report_date else "",
            "items": list(row.result_items or []), "remarks": row.result_remarks or ""}


def _sampling(s: Session, sample_no: str) -> Sampling:
    row = s.scalars(select(Sampling).where(Sampling.sample_no == sample_no)).first()
    if row is None:
        raise ResultError(sample_no, [Problem(sample_no, "sample_no", "档案中没有这个抽样单编号")])
    return row


def _check_row(row: Sampling) -> list[Problem]:
    if row.outcome != "sampled":
        what = {"refused": "拒检", "no_sample": "未抽到样品", None: "尚未抽样"}.get(row.outcome, row.outcome)
        return [Problem(row.sample_no, "result.conclusion", f"该记录为“{what}”，没有样品，不能录入检验结果")]
    return []


class Results:
    """Result services over an Archive (its session, store, settings, fonts and index)."""

    def __init__(self, archive):
        self.archive = archive

    def _report_problem(self, sample_no: str, data: bytes | None) -> list[Problem]:
        if data is None:
            return []
        try:
            inspect_report(data, max_bytes=self.archive.settings.lab_report_max_bytes)
        except ValueError as exc:
            return [Problem(sample_no, "result.lab_report", str(exc))]
        return []

    def enter(self, sample_no: str, data: dict, *, actor: str, report: bytes | None = None,
              report_name: str = "", reason: str = "") -> Result:
        """Record one sample's result; the report PDF, if given, is checked and stored. A
        sample that already has a different result is corrected only with a `reason` (the
        change is recorded and its result documents regenerated). Raises ResultError listing
        every problem, storing nothing."""
        return self.enter_many({sample_no: (data, report, report_name)}, actor=actor,
                               source=sample_no, reason=reason)[sample_no]

    def enter_many(self, entries: dict[str, tuple[dict, bytes | None, str]], *, actor: str,
                   source: str, reason: str | None = None,
                   check_only: bool = False) -> dict[str, Result]:
        """Results for several samples, all or nothing. A result the sample already has is
        left alone; a different one needs a correction `reason` (None: this way of entering
        results cannot give one, as a lab sheet cannot). `check_only`: raise what is wrong,
        store nothing."""
        from archive import corrections

        a = self.archive
        problems: list[Problem] = []
        parsed: dict[str, Result] = {}
        corrected: dict[str, dict] = {}
        with a.session() as s:
            for sample_no, (data, report, _) in entries.items():
                try:
                    row = _sampling(s, sample_no)
                except ResultError as exc:
                    problems += exc.problems
                    continue
                problems += _check_row(row) + self._report_problem(sample_no, report)
                try:
                    result = parse_result(sample_no, data, settings=a.settings,
                                          sampled_at=row.sampled_at,
                                          check_text=a.renderer.fonts.missing)
                except TripError as exc:
                    problems += exc.problems
                    continue
                changes = _changes(row, result, report)
                if not row.result or changes:
                    parsed[sample_no] = result
                if not (row.result and changes):
                    continue
                corrected[sample_no] = changes
                if not (reason or "").strip():
                    what = corrections.describe(changes)
                    problems.append(Problem(sample_no, "correction.reason", (
                        f"已有检验结果（{row.result}，报告 {row.report_no}），修改须作为更正提交："
                        f"请填写更正原因（将更正：{what}）") if reason is not None else (
                        f"已有不同的检验结果（{row.result}，报告 {row.report_no}），导入不能修改"
                        f"（将更正：{what}）；如需修改，请在该样品的检验结果页提交更正")))
        if problems:
            raise ResultError(source, problems)
        if check_only:
            return {}
        reports = {sha256_of(r): r for n, (_, r, _) in entries.items() if r is not None and n in parsed}
        a._stage_blobs(reports)
        regenerate = []
        with a.session() as s:
            for sample_no, result in parsed.items():
                _, report, name = entries[sample_no]
                row = _sampling(s, sample_no)
                sha = sha256_of(report) if report is not None else row.lab_report_sha256
                name = (display_name(name, "检验报告.pdf") if report is not None
                        else row.lab_report_filename)
                for key, value in result_columns(result, sha, name, actor).items():
                    setattr(row, key, value)
                if sample_no in corrected:
                    entry = corrections.record(s, row, corrected[sample_no], reason.strip(), actor)
                    a.audit(s, actor, "correction", sample_no, reason=reason.strip(),
                            fields=list(corrected[sample_no]))
                    if a.result_docs.has_documents(s, row.id):
                        regenerate.append((sample_no, entry.id))
                a.audit(s, actor, "result", sample_no, conclusion=result.conclusion,
                        report_no=result.report_no, items=len(result.items),
                        lab_report=name or "", source=source)
            a._mark_stored(s, reports)
            ids = list(s.scalars(select(Document.id).join(Sampling).where(
                Sampling.sample_no.in_(list(parsed)))))
            # behind the index from this commit until re-indexed below (or caught up later)
            a._unmark_indexed(s, s.scalars(select(Sampling.id).where(
                Sampling.sample_no.in_(list(parsed)))))
        if ids:
            a._index_documents(ids)  # the result and report number are searchable
        for sample_no, correction_id in regenerate:
            run = a.result_docs.generate(actor=actor, sample_nos=[sample_no], batch=False)
            with a.session() as s:
                from archive.models import Correction

                s.get(Correction, correction_id).documents = run.new
        return {n: parsed.get(n) or _stored(n, a) for n in entries}

    def import_file(self, path: Path, *, actor: str, reports: dict[str, bytes] | None = None
                    ) -> ResultImport:
        """Results from the lab's sheet (.xlsx/.csv) or a results file (.json: {抽样单编号:
        result}); `reports` maps the report file names they name to the files' bytes (uploaded
        alongside); without it, the files are read from the sheet's own folder."""
        from archive.labsheets import read_result_sheet
        from archive.spreadsheet import SheetError

        path = Path(path)
        limit = self.archive.settings.sheet_max_problems
        if path.suffix.lower() == ".json":
            rows = _read_json(path)
        else:
            rows = read_result_sheet(path, settings=self.archive.settings)
        entries: dict[str, tuple[dict, bytes | None, str]] = {}
        missing: list[Problem] = []
        for sample_no, (line, data) in rows.items():
            name = (data.get("lab_report") or "").strip()
            report = None
            if name:
                report = _find_report(name, path.parent, reports)
                if report is None:
                    missing.append(Problem(sample_no, "result.lab_report",
                                           f"找不到报告文件 {name}；请与表格一并上传"))
            entries[sample_no] = ({k: v for k, v in data.items() if k != "lab_report"}, report,
                                  Path(name).name)
        try:  # every problem at once: the missing files and what the results themselves lack
            done = self.enter_many(entries, actor=actor, source=path.name,
                                   check_only=bool(missing))
        except ResultError as exc:
            missing += exc.problems
        if missing:
            found = sorted((_sheet_problem(rows, p) for p in missing), key=lambda p: p.row or 0)
            raise SheetError(found, str(path), limit=limit) from None
        return ResultImport(str(path), sorted(done), sum(1 for e in entries.values() if e[1]))

    def report_pdf(self, sample_no: str) -> tuple[str, bytes]:
        """(file name, bytes) of a sample's lab report, re-checked against its hash."""
        a = self.archive
        with a.session() as s:
            row = _sampling(s, sample_no)
            sha, name = row.lab_report_sha256, row.lab_report_filename
        if not sha:
            raise ResultError(sample_no, [Problem(sample_no, "result.lab_report", "尚未上传检验报告")])
        data = a.store.read(sha)
        if sha256_of(data) != sha:
            raise ResultError(sample_no, [Problem(sample_no, "result.lab_report",
                                                  "档案中的检验报告文件已被改动，拒绝提供")])
        return name or f"{sample_no}-检验报告.pdf", data


def _changes(row: Sampling, result: Result, report: bytes | None) -> dict[str, tuple[str, str]]:
    """What `result` (and a new report file) would change in the sample's stored result."""
    from archive import corrections
    from archive.records import result_record

    before = rec.Sampling(sample_no=row.sample_no, enterprise=rec.Firm(""),
                          result=result_record(row, lambda sha: sha))
    after = rec.Sampling(sample_no=row.sample_no, enterprise=rec.Firm(""), result=result)
    changes = {k: v for k, v in corrections.differences(before, after).items()
               if k.startswith("result.")}
    if report is not None and sha256_of(report) != row.lab_report_sha256:
        changes["result.lab_report"] = (row.lab_report_filename, "新上传的报告文件")
    return changes


def _stored(sample_no: str, archive) -> Result:
    """A sample's result as stored (for an entry that changed nothing)."""
    from archive.records import result_record

    with archive.session() as s:
        return result_record(_sampling(s, sample_no), lambda sha: sha)


def _sheet_problem(rows: dict[str, tuple[int | None, dict]], p: Problem):
    """A result problem at the sheet row of its sample, in the column as the sheet names it (a
    JSON file has no rows: named by sample)."""
    from archive.labsheets import column_title
    from archive.spreadsheet import SheetProblem

    line = rows[p.record][0] if p.record in rows else None
    return SheetProblem(line, column_title(p.field, rows),
                        p.message if line else f"{p.record}：{p.message}")


def _read_json(path: Path) -> dict[str, tuple[int | None, dict]]:
    from archive.spreadsheet import SheetError, SheetProblem

    try:
        data = read_json(path)
    except TripError as exc:
        raise SheetError([SheetProblem(None, "文件", p.message) for p in exc.problems],
                         str(path)) from None
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise SheetError([SheetProblem(None, "文件", "结果文件应为 {抽样单编号: 检验结果} 形式的 JSON 对象")],
                         str(path))
    return {str(k): (None, v) for k, v in data.items()}


def _find_report(name: str, folder: Path, uploaded: dict[str, bytes] | None) -> bytes | None:
    if uploaded is not None:
        return uploaded.get(Path(name.replace("\\", "/")).name)
    candidate = file_in_folder(folder, name)  # the sheet's folder or below it, no further
    if candidate is None or not candidate.is_file():
        return None
    return candidate.read_bytes()
