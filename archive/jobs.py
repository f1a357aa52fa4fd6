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

    def submit_generate(self, *, task_code: str, blank: bool, actor: str) -> int:
        """Queue the generation of a whole task; returns the job id to poll."""
        with self.archive.session() as s:
            job = Job(kind="generate", params={"task": task_code, "blank": blank}, created_by=actor)
            s.add(job)
            s.flush()
            job_id = job.id
        self._pool.submit(self._run_generate, job_id, task_code, blank, actor)
        return job_id

    def _update(self, job_id: int, **values) -> None:
        with self.archive.session() as s:
            job = s.get(Job, job_id)
            for k, v in values.items():
                setattr(job, k, v)

    def _run_generate(self, job_id: int, task_code: str, blank: bool, actor: str) -> None:
        self._update(job_id, state="running")
        last = [0.0]

        def progress(items: Iterable):
            items = list(items)
            self._update(job_id, total=len(items))
            for n, item in enumerate(items, start=1):
                yield item
                if time.monotonic() - last[0] > 0.5 or n == len(items):  # not a write per firm
                    last[0] = time.monotonic()
                    self._update(job_id, done=n)

        try:
            # one process: forking from a threaded web server is not safe
            report = self.archive.generate(task_code=task_code, blank=blank, jobs=1, actor=actor,
                                           progress=progress)
            self._update(job_id, state="done", finished_at=datetime.now(),
                         message=f"已归档 {report.firms} 户、{report.documents} 个文件"
                                 + (f"（续做，跳过 {report.skipped} 户）" if report.resumed else ""))
        except Exception as exc:  # the message is shown to the user on the job page
            log.exception("job %s failed", job_id)
            self._update(job_id, state="failed", finished_at=datetime.now(), message=str(exc))

    def job(self, job_id: int) -> Job | None:
        with self.archive.session() as s:
            return s.get(Job, job_id)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
