"""Background jobs for the web: one worker thread runs long archive work (generation) and keeps
its progress in the database, so a user can leave the page and come back."""
from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Iterable

from archive.models import Job
from archive.service import Archive

log = logging.getLogger(__name__)


class JobRunner:
    def __init__(self, archive: Archive):
        self.archive = archive
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="spotcheck-job")
        self._lock = threading.Lock()

    def _new(self, kind: str, params: dict, actor: str) -> int:
        with self.archive.session() as s:
            job = Job(kind=kind, params=params, created_by=actor)
            s.add(job)
            s.flush()
            return job.id

    def submit_generate(self, *, task_code: str, blank: bool, actor: str) -> int:
        """Queue the generation of a whole task; returns the job id to poll."""
        job_id = self._new("generate", {"task": task_code, "blank": blank}, actor)
        self._pool.submit(self._run_generate, job_id, task_code, blank, actor)
        return job_id

    def submit_results(self, *, task_code: str, sample_nos: list[str], mailer: str,
                       actor: str) -> int:
        """Queue the result packets of the chosen samples of a task; returns the job id."""
        params = {"task": task_code, "samples": sample_nos, "mailer": mailer}
        job_id = self._new("results", params, actor)
        self._pool.submit(self._run_results, job_id, params, actor)
        return job_id

    def _update(self, job_id: int, **values) -> None:
        with self.archive.session() as s:
            job = s.get(Job, job_id)
            for k, v in values.items():
                setattr(job, k, v)

    def _progress(self, job_id: int):
        """A progress wrapper for the services: the job's done/total, not a write per firm."""
        last = [0.0]

        def progress(items: Iterable):
            items = list(items)
            self._update(job_id, total=len(items))
            for n, item in enumerate(items, start=1):
                yield item
                if time.monotonic() - last[0] > 0.5 or n == len(items):
                    last[0] = time.monotonic()
                    self._update(job_id, done=n)

        return progress

    def _run(self, job_id: int, work) -> None:
        """Run `work()`, which returns the job's closing values; a failure's message is shown
        to the user on the job page."""
        self._update(job_id, state="running")
        try:
            self._update(job_id, state="done", finished_at=datetime.now(), **work())
        except Exception as exc:
            log.exception("job %s failed", job_id)
            problems = getattr(exc, "problems", None)  # a TripError says what to fix
            message = "；".join(str(p) for p in problems) if problems else str(exc)
            self._update(job_id, state="failed", finished_at=datetime.now(), message=message)

    def _run_generate(self, job_id: int, task_code: str, blank: bool, actor: str) -> None:
        def work():
            # one process: forking from a threaded web server is not safe
            report = self.archive.generate(task_code=task_code, blank=blank, jobs=1, actor=actor,
                                           progress=self._progress(job_id))
            return {"message": f"已归档 {report.firms} 户、{report.documents} 个文件"
                               + (f"（续做，跳过 {report.skipped} 户）" if report.resumed else "")}
        self._run(job_id, work)

    def _run_results(self, job_id: int, params: dict, actor: str) -> None:
        def work():
            run = self.archive.result_docs.generate(
                actor=actor, sample_nos=params["samples"], mailer=params["mailer"],
                progress=self._progress(job_id))
            return {"message": f"已归档 {len(run.firms)} 户的检验结果通知、{run.documents} 个文件",
                    "params": {**params, "batch": run.batch, "firms": run.firms}}
        self._run(job_id, work)

    def job(self, job_id: int) -> Job | None:
        with self.archive.session() as s:
            return s.get(Job, job_id)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
