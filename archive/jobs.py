"""Background jobs for the web: one worker thread runs long archive work (trip generation,
result packets) and keeps its progress in the database, so a user can leave the page and come
back. Each runner signs its jobs (host:pid:token) and keeps their heartbeat while they wait
or run; a job whose runner is gone is 已中断 (interrupted), says what was done, and can be
continued (archive.jobwork decides what is left)."""
from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable

from sqlalchemy import select, update

from archive import jobwork
from archive.models import Job
from archive.service import Archive

log = logging.getLogger(__name__)

STATE_NAMES = {"queued": "排队中", "running": "进行中", "done": "已完成", "failed": "失败",
               "interrupted": "已中断"}
ACTIVE = ("queued", "running")
# when the end of a job cannot be written in full (disk full, a message the database refuses)
SHORT_END = {"done": "已完成（详情未能写入数据库）", "failed": "失败（原因未能写入数据库，详见服务器日志）"}
_HOST = socket.gethostname()
_TOKENS: set[str] = set()  # the runners of this process: an owner with our pid but another
                           # token was a process before us that had the same pid


@dataclass(frozen=True)
class JobStatus:
    """A job as its page shows it: a job whose runner is gone is interrupted, whatever the row
    said."""

    id: int
    kind: str
    params: dict
    state: str
    done: int
    total: int
    message: str
    created_by: str
    created_at: datetime | None
    finished_at: datetime | None

    @property
    def state_name(self) -> str:
        return STATE_NAMES.get(self.state, self.state)

    @property
    def active(self) -> bool:
        return self.state in ACTIVE

    @property
    def continued_by(self) -> int | None:
        return self.params.get("continued_by")

    def to_json(self) -> dict:
        return {"state": self.state, "state_name": self.state_name, "done": self.done,
                "total": self.total, "message": self.message, "task": self.params.get("task"),
                "continued_by": self.continued_by}


def _status(job: Job, **override) -> JobStatus:
    values = {k: getattr(job, k) for k in ("id", "kind", "state", "done", "total", "message",
                                           "created_by", "created_at", "finished_at")}
    return JobStatus(params=dict(job.params or {}), **{**values, **override})


def _pid_alive(pid: int) -> bool:
    if os.name == "nt":  # os.kill(pid, 0) would end the process there: trust the heartbeat
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process: alive
        return True
    return True


def owner_dead(owner: str) -> bool:
    """The runner that signed a job is known to be gone: it ran on this host and its process
    has ended (another host's runner is judged by its heartbeat alone)."""
    host, _, rest = (owner or "").partition(":")
    pid, _, token = rest.partition(":")
    if host != _HOST or not pid.isdigit():
        return False
    if int(pid) == os.getpid():
        return token not in _TOKENS
    return not _pid_alive(int(pid))


class JobRunner:
    def __init__(self, archive: Archive):
        self.archive = archive
        token = secrets.token_hex(4)
        _TOKENS.add(token)
        self.owner = f"{_HOST}:{os.getpid()}:{token}"
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="spotcheck-job")
        self._lock = threading.Lock()
        self._resume_lock = threading.Lock()
        self._active: set[int] = set()  # this runner's jobs, queued or running
        self._stop = threading.Event()
        self._beater: threading.Thread | None = None
        self._work = {"generate": self._generate, "results": self._results}

    # -- time ----------------------------------------------------------------------------------
    @property
    def stale_after(self) -> timedelta:
        return timedelta(seconds=self.archive.settings.job_stale_seconds)

    @property
    def beat_seconds(self) -> float:
        """How often the heartbeat is written: a few times within the stale limit."""
        return max(0.2, min(5.0, self.archive.settings.job_stale_seconds / 4))

    # -- start-up ------------------------------------------------------------------------------
    def start(self) -> int:
        """At start-up: mark the jobs a dead runner left queued or running as interrupted, and
        catch the archive up in the background, first in the queue (pending files, documents
        the index lacks). Returns how many jobs were marked."""
        marked = self.recover()
        self._pool.submit(self._catch_up)
        return marked

    def _catch_up(self) -> None:
        self.archive.catch_up(compare=True)

    def recover(self) -> int:
        """Mark every job whose runner is gone as interrupted; returns how many."""
        with self.archive.session() as s:
            rows = list(s.scalars(select(Job).where(Job.state.in_(ACTIVE))))
        gone = [j.id for j in rows if self._abandoned(j)]
        for job_id in gone:
            self._interrupt(job_id)
        return len(gone)

    def _abandoned(self, job: Job) -> bool:
        if job.owner == self.owner:
            with self._lock:
                if job.id in self._active:
                    return False  # ours and still in hand (even if a heartbeat failed to write)
        elif owner_dead(job.owner):
            return True
        return job.heartbeat is None or job.heartbeat < datetime.now() - self.stale_after

    def _interrupt(self, job_id: int) -> None:
        """Mark a job interrupted, saying how much of its work is archived."""
        with self.archive.session() as s:
            job = s.get(Job, job_id)
            if job is None or job.state not in ACTIVE:
                return
            try:
                done, total = jobwork.counts(s, job.kind, job.params or {})
            except Exception:  # say what the job itself last wrote
                log.warning("job %s: could not count its work", job_id, exc_info=True)
                done, total = job.done, job.total
            job.state, job.done, job.total = "interrupted", done, total
            job.message = f"已中断：已完成 {done}/{total} 户"
            job.finished_at = job.heartbeat or datetime.now()  # its last sign of life
        log.warning("后台任务 %s 已中断（运行它的进程已不在）：已完成 %d/%d 户", job_id, done, total)

    # -- submitting ----------------------------------------------------------------------------
    def _new(self, kind: str, params: dict, actor: str) -> int:
        now = datetime.now()
        with self.archive.session() as s:
            job = Job(kind=kind, params=params, created_by=actor, owner=self.owner,
                      heartbeat=now, created_at=now)
            s.add(job)
            s.flush()
            job_id = job.id
        with self._lock:
            self._active.add(job_id)
            if self._beater is None:
                self._beater = threading.Thread(target=self._beat, daemon=True,
                                                name="spotcheck-job-heartbeat")
                self._beater.start()
        return job_id

    def _submit(self, kind: str, params: dict, actor: str) -> int:
        job_id = self._new(kind, params, actor)
        self._pool.submit(self._run, job_id, kind, actor)
        return job_id

    def submit_generate(self, *, task_code: str, blank: bool, actor: str) -> int:
        """Queue the generation of a whole task; returns the job id to poll."""
        return self._submit("generate", {"task": task_code, "blank": blank}, actor)

    def submit_results(self, *, task_code: str, sample_nos: list[str], mailer: str,
                       actor: str) -> int:
        """Queue the result packets of the chosen samples of a task; returns the job id."""
        return self._submit("results", {"task": task_code, "samples": sample_nos,
                                        "mailer": mailer}, actor)

    def resume(self, job_id: int, *, actor: str) -> int | None:
        """继续: queue the rest of an interrupted job's work as a new job and return its id.
        A job already continued returns its continuation, one not interrupted itself; None
        when there is no such job."""
        with self._resume_lock:  # a double click queues one continuation
            job = self.job(job_id)
            if job is None or job.state != "interrupted":
                return job and job.id
            if job.continued_by:
                return job.continued_by
            params = {k: v for k, v in job.params.items() if k not in jobwork.RESULT_PARAMS}
            new_id = self._new(job.kind, {**params, "continues": job.id}, actor)
            with self.archive.session() as s:
                row = s.get(Job, job.id)
                row.params = {**row.params, "continued_by": new_id}
                self.archive.audit(s, actor, "job.continue", str(job.id), job=new_id,
                                   kind=job.kind, task=params.get("task", ""))
            self._pool.submit(self._run, new_id, job.kind, actor)
            return new_id

    # -- running -------------------------------------------------------------------------------
    def _update(self, job_id: int, **values) -> None:
        with self.archive.session() as s:
            job = s.get(Job, job_id)
            for k, v in values.items():
                setattr(job, k, v)

    def _touch(self, job_id: int, **values) -> None:
        """Progress and heartbeat: worth writing, not worth failing the job for."""
        try:
            self._update(job_id, heartbeat=datetime.now(), **values)
        except Exception:
            log.warning("job %s: progress not written", job_id, exc_info=True)

    def _beat(self) -> None:
        """The heartbeat of this runner's jobs, queued or running, while a long step runs."""
        while not self._stop.wait(self.beat_seconds):
            with self._lock:
                ids = list(self._active)
            if not ids:
                continue
            try:
                with self.archive.session() as s:
                    s.execute(update(Job).where(Job.id.in_(ids), Job.state.in_(ACTIVE))
                              .values(heartbeat=datetime.now()))
            except Exception:
                log.warning("job heartbeat not written", exc_info=True)

    def _progress(self, job_id: int, start: int = 0, total: int | None = None):
        """A progress wrapper for the services: the job's done/total written at most twice a
        second, counted over every call (a task rendered in several groups)."""
        done, last = [start], [0.0]

        def progress(items: Iterable):
            items = list(items)
            of = total if total is not None else done[0] + len(items)
            self._touch(job_id, total=of, done=done[0])
            for n, item in enumerate(items, start=1):
                yield item
                done[0] += 1
                now = time.monotonic()
                if now - last[0] > 0.5 or n == len(items):
                    last[0] = now
                    self._touch(job_id, done=done[0])

        return progress

    def _run(self, job_id: int, kind: str, actor: str) -> None:
        """Run a job's work and write its end: done with what the work returns, or failed
        with the failure's message for the user."""
        try:
            try:
                self._update(job_id, state="running", heartbeat=datetime.now())
                with self.archive.session() as s:
                    params = dict(s.get(Job, job_id).params or {})
                state, values = "done", self._work[kind](job_id, params, actor)
            except Exception as exc:
                log.exception("job %s failed", job_id)
                state, values = "failed", {"message": jobwork.failure_message(exc, self.archive.config)}
            self._finish(job_id, state, values)
        finally:
            with self._lock:
                # no more heartbeat: a job whose end was not written (or that was cut short
                # by something no handler catches) soon reads as interrupted
                self._active.discard(job_id)
            self.archive.release_index()

    def _finish(self, job_id: int, state: str, values: dict) -> None:
        # finished_at is taken now, after the work
        try:
            self._update(job_id, **values, state=state, finished_at=datetime.now())
            return
        except Exception:
            log.exception("job %s: its end (%s) could not be written in full", job_id, state)
        try:
            self._update(job_id, state=state, finished_at=datetime.now(),
                         message=SHORT_END[state])
        except Exception:
            log.exception("job %s: its end could not be written; it will read as interrupted",
                          job_id)

    def _generate(self, job_id: int, params: dict, actor: str) -> dict:
        code, blank = params["task"], params["blank"]
        with self.archive.session() as s:
            if "run_from" not in params:
                params["run_from"] = jobwork.run_from(s, code, blank)
                s.get(Job, job_id).params = dict(params)
            elif jobwork.generate_complete(s, params):  # all archived before the interruption
                done, total = jobwork.counts(s, "generate", params)
                return {"done": done, "total": total,
                        "message": f"已归档 {done} 户（中断前已全部完成）"}
            done, total = jobwork.counts(s, "generate", params)
        # one process: forking from a threaded web server is not safe
        report = self.archive.generate(task_code=code, blank=blank, jobs=1, actor=actor,
                                       progress=self._progress(job_id, done, total))
        with self.archive.session() as s:
            done, total = jobwork.counts(s, "generate", params)
        return {"done": done, "total": total, "message": jobwork.generate_message(report)}

    def _results(self, job_id: int, params: dict, actor: str) -> dict:
        with self.archive.session() as s:
            if "after_doc" not in params:
                params["after_doc"] = jobwork.last_document(s)
                s.get(Job, job_id).params = dict(params)
            archived = jobwork.results_archived(s, params)
            total = len(params["samples"])
            batch = jobwork.results_batch(s, params) if len(archived) == total else []
        if batch:  # all archived before the interruption, the batch files too
            return {"done": total, "total": total, "params": {**params, "batch": batch},
                    "message": f"已归档 {total} 户的检验结果通知（中断前已全部完成）"}
        run = self.archive.result_docs.generate(
            actor=actor, sample_nos=params["samples"], mailer=params["mailer"],
            progress=self._progress(job_id, 0, total), archived=archived)
        message = (f"已归档 {len(run.firms)} 户的检验结果通知、{run.documents} 个新文件"
                   f"{jobwork.unchanged_note(run.unchanged)}")
        if run.skipped:
            message += f"（续做，跳过中断前已归档的 {run.skipped} 户）"
        return {"done": total, "total": total, "message": message,
                "params": {**params, "batch": run.batch, "firms": run.firms}}

    # -- reading -------------------------------------------------------------------------------
    def job(self, job_id: int) -> JobStatus | None:
        """A job as it stands; one whose runner is gone is marked interrupted on the way."""
        with self.archive.session() as s:
            job = s.get(Job, job_id)
        if job is None:
            return None
        if job.state in ACTIVE and self._abandoned(job):
            try:
                self._interrupt(job_id)
            except Exception:  # the database takes no writes: say so all the same
                log.warning("job %s: could not mark it interrupted", job_id, exc_info=True)
                return _status(job, state="interrupted",
                               message=f"已中断：已完成 {job.done}/{job.total} 户")
            with self.archive.session() as s:
                job = s.get(Job, job_id)
        return _status(job)

    def shutdown(self) -> None:
        self._stop.set()
        self._pool.shutdown(wait=False, cancel_futures=True)
