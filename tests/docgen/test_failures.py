"""A failed read or write is one Chinese line: what happened, what to do, and at most the
instance or the output folder — never a temporary file, never an errno."""
from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

import pytest

from docgen.failures import os_error_line

HOME = Path("/srv/spotcheck/instance")
PLACES = {HOME: f"数据目录 {HOME}", Path("/home/u/out"): "输出目录 /home/u/out"}


def failure(code: int, filename=None) -> OSError:
    return OSError(code, os.strerror(code), filename)


@pytest.mark.parametrize("code, filename, line", [
    (errno.ENOSPC, HOME / "store" / ".tmp" / "tmpa1b2c3d4",
     f"磁盘空间不足（数据目录 {HOME}）；请腾出磁盘空间后重试。"),
    (errno.EROFS, HOME / "index" / "MAIN_x.seg", f"磁盘或目录只读（数据目录 {HOME}）；请检查磁盘是否以只读方式挂载。"),
    (errno.EACCES, "/home/u/out/JC2023DX0001/notice.pdf",
     "没有读写权限或目录只读（输出目录 /home/u/out）；请检查文件夹的权限。"),
    (errno.ENOSPC, "/home/u/.out.partial-x7/JC2023DX0001/JC2023DX0001-packet.pdf",
     "磁盘空间不足（/home/u）；请腾出磁盘空间后重试。"),  # the temporary folder beside the output
    (errno.ENOENT, "trip.json", "文件或文件夹不存在（trip.json）；请核对路径。"),  # the user's own file
    (errno.ENOSPC, Path(tempfile.gettempdir()) / "tmpq8w7e6r5" / "upload.xlsx",
     "磁盘空间不足；请腾出磁盘空间后重试。"),
    (errno.ENOSPC, None, "磁盘空间不足；请腾出磁盘空间后重试。"),
])
def test_the_line_names_the_failure_and_at_most_a_known_folder(code, filename, line):
    assert os_error_line(failure(code, filename), PLACES) == line


def test_a_failure_without_a_path_is_put_on_the_fallback():
    assert os_error_line(failure(errno.ENOSPC), PLACES, fallback="输出目录 /home/u/out") == \
        "磁盘空间不足（输出目录 /home/u/out）；请腾出磁盘空间后重试。"


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS, errno.EACCES, errno.ENOENT, errno.EIO])
def test_the_web_line_shows_no_path_at_all(code):
    line = os_error_line(failure(code, HOME / "store" / "ab" / "cd" / "abcd"), PLACES, paths=False)
    assert "/" not in line and "Errno" not in line and line.endswith("。")


def test_an_unusual_errno_still_reads_as_one_chinese_line():
    line = os_error_line(failure(errno.EMLINK, "/x/y"), {})
    assert line.startswith("无法读写文件（系统错误") and "\n" not in line
