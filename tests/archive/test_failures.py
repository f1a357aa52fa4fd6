"""Disk full, a read-only disk, a missing file: one Chinese line on every command line (no
traceback, no temporary path), and the archive consistent afterwards."""
from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from archive import cli as archive_cli
from archive.models import Photo, Sampling
from archive.store import FileStore
from search import cli as search_cli
from tests.conftest import DEMO

REPO = Path(__file__).resolve().parents[2]
FAILING_DISK = Path(__file__).resolve().parent / "failing_disk"
TRIP = str(DEMO / "trip-jincheng-cable.json")


def one_line(text: str) -> str:
    assert text.count("\n") == 1 and "Traceback" not in text and "Errno" not in text, text
    return text.strip()


@pytest.fixture
def home(tmp_path, monkeypatch):
    path = tmp_path / "inst"
    monkeypatch.setenv("SPOTCHECK_HOME", str(path))
    monkeypatch.delenv("SPOTCHECK_DATABASE_URL", raising=False)
    return path


def failing_put(code: int):
    def put(self, data, sha=None):
        tmp = self.tmp / "tmpa8b7c6d5"
        raise OSError(code, os.strerror(code), None if code == errno.ENOSPC else str(tmp))
    return put


@pytest.mark.parametrize("code, line", [
    (errno.ENOSPC, "错误：磁盘空间不足（数据目录 {home}）；请腾出磁盘空间后重试。"),
    (errno.EROFS, "错误：磁盘或目录只读（数据目录 {home}）；请检查磁盘是否以只读方式挂载。"),
    (errno.EACCES, "错误：没有读写权限或目录只读（数据目录 {home}）；请检查文件夹的权限。"),
])
def test_import_on_a_failing_disk_is_one_line_and_imports_nothing(home, capsys, monkeypatch,
                                                                  code, line):
    monkeypatch.setattr(FileStore, "put", failing_put(code))
    assert archive_cli.main(["import", TRIP]) == 2
    assert one_line(capsys.readouterr().err) == line.format(home=home)
    from archive.config import load_config
    from archive.service import Archive

    assert Archive(load_config()).counts() == {"samplings": 0, "documents": 0}


def test_reindex_on_a_full_disk_is_one_line(home, capsys, monkeypatch):
    assert archive_cli.main(["import", TRIP]) == 0
    assert archive_cli.main(["generate", "--sample", "JC2023DX0001", "--jobs", "1"]) == 0
    capsys.readouterr()
    from search.index import SearchIndex

    def full(self, docs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(SearchIndex, "rebuild", full)
    assert search_cli.main(["reindex"]) == 2
    assert one_line(capsys.readouterr().err) == f"错误：磁盘空间不足（数据目录 {home}）；请腾出磁盘空间后重试。"


def test_export_of_a_sampling_whose_photo_is_missing_names_the_photo_not_the_store(
        home, tmp_path, capsys):
    assert archive_cli.main(["import", TRIP]) == 0
    from archive.config import load_config
    from archive.service import Archive

    a = Archive(load_config())
    with a.session() as s:
        photo = s.scalars(select(Photo).join(Sampling).where(
            Sampling.sample_no == "JC2023DX0001").order_by(Photo.position)).first()
        name = f"JC2023DX0001/photos/01-original-{photo.filename}"
        path = a.store.path(photo.original_sha256)
    os.chmod(path, 0o644)
    path.unlink()
    capsys.readouterr()
    out = tmp_path / "d.zip"
    assert archive_cli.main(["export", "--sample", "JC2023DX0001", "--out", str(out)]) == 2
    assert one_line(capsys.readouterr().err) == f"错误：档案文件缺失，无法导出：{name}；请运行完整性检查"
    assert not out.exists() and [p for p in tmp_path.iterdir() if p.name.startswith(".d.zip")] == []


def run(args: list[str], home: Path, disk: str, under: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "SPOTCHECK_HOME": str(home), "PYTHONDONTWRITEBYTECODE": "1",
           "PYTHONPATH": os.pathsep.join([str(FAILING_DISK), str(REPO)]),
           "SPOTCHECK_TEST_DISK": disk, "SPOTCHECK_TEST_DISK_UNDER": str(under)}
    env.pop("SPOTCHECK_DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=300)


@pytest.mark.parametrize("disk, line", [
    ("ENOSPC", "错误：磁盘空间不足（数据目录 {home}）；请腾出磁盘空间后重试。"),
    ("EROFS", "错误：磁盘或目录只读（数据目录 {home}）；请检查磁盘是否以只读方式挂载。"),
])
def test_commands_in_a_subprocess_on_a_failing_disk_print_one_line(tmp_path, disk, line):
    home = tmp_path / "inst"
    done = run(["archive", "import", TRIP], home, disk, home)
    assert done.returncode == 2 and one_line(done.stderr) == line.format(home=home)
    # the same disk, healthy again: nothing was half-imported, the import now succeeds
    assert run(["archive", "import", TRIP], home, "", home).returncode == 0
    assert run(["archive", "generate", "--trip", "JC2023-01-DX", "--jobs", "1"], home, "",
               home).returncode == 0
    done = run(["search", "reindex"], home, disk, home / "index")
    assert done.returncode == 2 and one_line(done.stderr) == line.format(home=home)
    assert run(["archive", "verify"], home, "", home).returncode == 0


def test_docgen_packet_on_a_full_disk_names_the_output_folder(tmp_path):
    out = tmp_path / "out"
    done = run(["docgen", "packet", TRIP, "--out", str(out), "--jobs", "2"], tmp_path / "inst",
               "ENOSPC", tmp_path)
    assert done.returncode == 2
    assert one_line(done.stderr) == f"错误：磁盘空间不足（输出目录 {out}）；请腾出磁盘空间后重试。"
    assert not out.exists() and list(tmp_path.glob(".out*")) == []


def test_a_read_only_store_is_one_line(home, capsys, monkeypatch):
    """The store refusing writes (a read-only mount, or permissions: root ignores chmod, so
    the refusal is what the file system would answer)."""
    from archive.store import FileStore

    assert archive_cli.main(["import", TRIP]) == 0
    capsys.readouterr()

    def refused(self, data, sha=None):
        raise PermissionError(errno.EACCES, "Permission denied", str(self.tmp / "tmpab12cd"))

    monkeypatch.setattr(FileStore, "put", refused)
    assert archive_cli.main(["generate", "--sample", "JC2023DX0001", "--jobs", "1"]) == 2
    line = one_line(capsys.readouterr().err)
    assert "没有读写权限或目录只读" in line and "tmpab12cd" not in line