"""Background jobs: the end time, jobs whose runner is gone read 已中断 with what was done and
continue where they stopped, and an end that cannot be written never leaves a job running."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError

from archive.config import Config
from archive.db import get_engine
from archive.jobs import SHORT_END, JobRunner
from archive.models import Document, GenerationRun, Job, Sampling
from archive.service import Archive
from docgen.settings import Settings
from tests.conftest import DEMO

TASK = "JC2023-01-DX"


@pytest.fixture
def quick(tmp_path, renderer):
    """An archive whose jobs go stale after one second, with the demo cable trip imported."""
    home = tmp_path / "inst"
    archive = Archive(Config(home, f"sqlite:///{home / 'spotcheck.db'}", "测试员"),
                      settings=replace(Settings(), job_stale_seconds=1), renderer=renderer)
    archive.import_file(DEMO / "trip-jincheng-cable.json", actor="测试员")
    return archive


def wait(runner: JobRunner, job_id: int, until=("done", "failed", "interrupted"), timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = runner.job(job_id)
        if job.state in until:
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} still {job.state}")


def versions(archive, *forms) -> dict[str, int]:
    """Per sample number, the highest version of its documents (of `forms`, if given)."""
    with archive.session() as s:
        q = (select(Sampling.sample_no, func.max(Document.version))
             .join(Document, Document.sampling_id == Sampling.id).group_by(Sampling.sample_no))
        if forms:
            q = q.where(Document.form.in_(forms))
        return dict(s.execute(q).all())


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def add_job(archive, *, owner: str, heartbeat: datetime | None, state="running", **params):
    with archive.session() as s:
        job = Job(kind="generate", params={"task": TASK, "blank": False, **params},
                  created_by="测试员", owner=owner, heartbeat=heartbeat, state=state)
        s.add(job)
        s.flush()
        return job.id


def interrupted_run(archive, after: int) -> int:
    """A generation of the task cut short after `after` firms, as a kill would leave it."""
    real = archive._archive_firm
    calls = []

    def stop(*args, **kwargs):
        if len(calls) == after:
            raise KeyboardInterrupt
        calls.append(1)
        return real(*args, **kwargs)

    archive._archive_firm = stop
    try:
        with pytest.raises(KeyboardInterrupt):
            archive.generate(task_code=TASK, actor="测试员")
    finally:
        del archive._archive_firm
    with archive.session() as s:
        return s.scalar(select(func.max(GenerationRun.id)))


def test_finished_at_is_when_the_work_ended(quick):
    real, ended = quick.generate, []

    def generate(**kwargs):
        report = real(**kwargs)
        ended.append(datetime.now())
        return report

    quick.generate = generate
    runner = JobRunner(quick)
    job = wait(runner, runner.submit_generate(task_code=TASK, blank=False, actor="测试员"))
    assert job.state == "done" and job.state_name == "已完成" and job.done == job.total == 6
    assert job.created_at <= ended[0] <= job.finished_at


@pytest.mark.parametrize("failure, shown", [
    (OSError(28, "No space left on device"), "磁盘空间不足"),
    (RuntimeError("boom in a helper"), "程序内部错误"),
])
def test_a_failed_job_says_why_in_chinese_and_never_shows_the_exception(quick, failure, shown):
    def generate(**kwargs):
        raise failure

    quick.generate = generate
    runner = JobRunner(quick)
    job = wait(runner, runner.submit_generate(task_code=TASK, blank=False, actor="测试员"))
    assert job.state == "failed" and shown in job.message
    assert "boom" not in job.message and "Errno" not in job.message and "No space" not in job.message


HOST = socket.gethostname()
OLD = timedelta(minutes=10)


@pytest.mark.parametrize("owner, age, interrupted", [
    (lambda: f"{HOST}:{dead_pid()}:a1b2c3d4", timedelta(0), True),  # its process has ended
    (lambda: f"{HOST}:{os.getpid()}:0ld70ken", timedelta(0), True),  # an earlier process, our pid
    (lambda: "elsewhere:4242:a1b2c3d4", timedelta(0), False),  # another host, beating
    (lambda: "elsewhere:4242:a1b2c3d4", OLD, True),  # another host, silent for too long
    (lambda: "", None, True),  # left by a version that kept no heartbeat
])
def test_at_start_up_a_job_whose_runner_is_gone_is_interrupted(quick, owner, age, interrupted):
    beat = datetime.now() - age if age is not None else None
    job_id = add_job(quick, owner=owner(), heartbeat=beat)
    JobRunner(quick).recover()
    with quick.session() as s:
        assert s.get(Job, job_id).state == ("interrupted" if interrupted else "running")


def test_a_job_of_a_live_runner_in_this_process_is_left_alone(quick):
    other = JobRunner(quick)
    job_id = other._new("generate", {"task": TASK, "blank": False}, "测试员")  # queued there
    assert JobRunner(quick).recover() == 0
    assert other.job(job_id).state == "queued"


def test_an_interrupted_job_says_what_was_done_and_continue_finishes_it_once(quick):
    run_from = interrupted_run(quick, after=2)
    job_id = add_job(quick, owner=f"{HOST}:{dead_pid()}:a1b2c3d4", heartbeat=datetime.now(),
                     run_from=run_from)
    runner = JobRunner(quick)
    assert runner.start() == 1
    job = runner.job(job_id)
    assert (job.state, job.state_name, job.done, job.total) == ("interrupted", "已中断", 2, 6)
    assert job.message == "已中断：已完成 2/6 户" and not job.active
    assert job.finished_at is not None
    new_id = runner.resume(job_id, actor="测试员")
    assert runner.resume(job_id, actor="测试员") == new_id  # a double click queues one
    done = wait(runner, new_id)
    assert done.state == "done" and (done.done, done.total) == (6, 6), done.message
    assert "续做，跳过 2 户" in done.message and done.params["continues"] == job_id
    assert versions(quick) == {f"JC2023DX000{n}": 1 for n in range(1, 7)}
    assert runner.job(job_id).continued_by == new_id
    assert runner.resume(new_id, actor="测试员") == new_id  # a finished job is not rerun


def test_continuing_a_job_whose_work_had_finished_regenerates_nothing(quick):
    """Killed after the last firm but before the job could say done."""
    with quick.session() as s:
        run_from = (s.scalar(select(func.max(GenerationRun.id))) or 0) + 1
    quick.generate(task_code=TASK, actor="测试员")
    job_id = add_job(quick, owner="elsewhere:1:a1b2c3d4", heartbeat=datetime.now() - OLD,
                     run_from=run_from)
    runner = JobRunner(quick)
    assert runner.job(job_id).message == "已中断：已完成 6/6 户"
    done = wait(runner, runner.resume(job_id, actor="测试员"))
    assert done.state == "done" and "中断前已全部完成" in done.message
    assert versions(quick) == {f"JC2023DX000{n}": 1 for n in range(1, 7)}


def test_a_queued_job_waiting_behind_a_long_one_keeps_its_heartbeat(quick):
    runner = JobRunner(quick)
    real = quick.generate
    quick.generate = lambda **kw: (time.sleep(2.5), real(**kw))[1]  # longer than stale
    first = runner.submit_generate(task_code=TASK, blank=False, actor="测试员")
    second = runner.submit_generate(task_code="NO-SUCH-TASK", blank=False, actor="测试员")
    time.sleep(1.6)
    assert JobRunner(quick).recover() == 0  # another runner sees both alive
    assert runner.job(second).state == "queued"
    assert wait(runner, first).state == "done" and wait(runner, second).state == "failed"


class DiskFull:
    """Fail the database's UPDATEs of jobs matching `when(params)`, as a full disk would."""

    def __init__(self, archive, when):
        self.engine, self.when, self.hits = get_engine(archive.config.database_url), when, 0
        event.listen(self.engine, "before_cursor_execute", self)

    def __call__(self, conn, cursor, statement, params, context, executemany):
        if statement.startswith("UPDATE jobs") and self.when(params):
            self.hits += 1
            raise OperationalError(statement, params, Exception("database or disk is full"))

    def remove(self):
        event.remove(self.engine, "before_cursor_execute", self)


@pytest.mark.parametrize("task, full, end", [
    (TASK, "已归档", "done"),  # the work succeeded
    ("NO-SUCH-TASK", "没有任务编号", "failed"),  # the work failed, and so did writing why
])
def test_an_end_the_database_refuses_is_written_again_short(quick, task, full, end):
    refused = DiskFull(quick, lambda p: any(isinstance(v, str) and full in v for v in p))
    try:
        runner = JobRunner(quick)
        job = wait(runner, runner.submit_generate(task_code=task, blank=False, actor="测试员"))
    finally:
        refused.remove()
    assert refused.hits == 1
    assert job.state == end and job.message == SHORT_END[end] and job.finished_at


def test_a_job_whose_every_last_write_fails_reads_interrupted_once_stale(quick):
    real, finished = quick.generate, []

    def generate(**kwargs):
        report = real(**kwargs)
        finished.append(1)
        return report

    quick.generate = generate
    full = DiskFull(quick, lambda p: bool(finished))
    try:
        runner = JobRunner(quick)
        job_id = runner.submit_generate(task_code=TASK, blank=False, actor="测试员")
        job = wait(runner, job_id, timeout=60)
        assert job.state == "interrupted" and job.message == "已中断：已完成 6/6 户"
        with quick.session() as s:
            assert s.get(Job, job_id).state == "running"  # what the database still says
    finally:
        full.remove()
    assert runner.job(job_id).state == "interrupted"
    with quick.session() as s:
        assert s.get(Job, job_id).state == "interrupted"  # now written
    again = wait(runner, runner.resume(job_id, actor="测试员"))
    assert again.state == "done" and versions(quick) == {f"JC2023DX000{n}": 1 for n in range(1, 7)}


class Killed(BaseException):
    """What no handler catches: the worker stops as if its process had died there."""


def test_interrupted_result_packets_continue_without_archiving_a_firm_twice(quick):
    quick.results.import_file(DEMO / "results-jincheng-cable.json", actor="测试员")
    samples = ["JC2023DX0001", "JC2023DX0002", "JC2023DX0003"]
    real, calls = quick.archive_files, []

    def die_on_second_firm(files, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise Killed
        return real(files, **kwargs)

    quick.archive_files = die_on_second_firm
    runner = JobRunner(quick)
    job_id = runner.submit_results(task_code=TASK, sample_nos=samples, mailer="envelope",
                                   actor="寄件员")
    job = wait(runner, job_id, timeout=60)
    assert job.state == "interrupted" and job.message == "已中断：已完成 1/3 户"
    quick.archive_files = real
    done = wait(runner, runner.resume(job_id, actor="寄件员"), timeout=60)
    assert done.state == "done", done.message
    assert "跳过中断前已归档的 1 户" in done.message and len(done.params["batch"]) >= 2
    assert versions(quick, "result_packet", "result_notice") == dict.fromkeys(samples, 1)
    with quick.session() as s:
        batch = s.scalars(select(Document.version).where(Document.form == "result_batch")).all()
    assert batch == [1]
