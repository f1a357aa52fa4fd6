"""One Chinese line for a failed read or write (disk full, read-only, missing file, …), shared
by every command line and the web: the kind of failure and what to do, naming at most the
instance or the output folder — never a temporary file's path or a raw errno."""
from __future__ import annotations

import errno
import os
import re
import tempfile
from pathlib import Path
from typing import Mapping

_FULL = ("磁盘空间不足", "请腾出磁盘空间后重试")
_DENIED = ("没有读写权限或目录只读", "请检查文件夹的权限")
_KINDS: dict[int, tuple[str, str]] = {
    errno.ENOSPC: _FULL,
    errno.EDQUOT: ("磁盘配额已用完", "请腾出空间或请管理员增加配额后重试"),
    errno.EFBIG: ("文件超出文件系统允许的大小", "请改用其他磁盘"),
    errno.EROFS: ("磁盘或目录只读", "请检查磁盘是否以只读方式挂载"),
    errno.EACCES: _DENIED,
    errno.EPERM: _DENIED,
    errno.ENOENT: ("文件或文件夹不存在", "请核对路径"),
    errno.ENOTDIR: ("路径中的某一级不是文件夹", "请核对路径"),
    errno.EISDIR: ("应为文件，却是文件夹", "请核对路径"),
    errno.EEXIST: ("文件已存在", "请换一个名称或先移走原文件"),
    errno.ENOTEMPTY: ("文件夹不是空的", "请先移走其中的内容"),
    errno.ENAMETOOLONG: ("文件名或路径过长", "请换一个较短的路径"),
    errno.EIO: ("磁盘读写出错", "请检查磁盘、U 盘或网络盘是否正常"),
    errno.ENXIO: ("磁盘或设备不可用", "请检查磁盘、U 盘或网络盘是否已连接"),
    errno.ENODEV: ("磁盘或设备不可用", "请检查磁盘、U 盘或网络盘是否已连接"),
    errno.EMFILE: ("同时打开的文件过多", "请稍后重试"),
    errno.ENFILE: ("同时打开的文件过多", "请稍后重试"),
    errno.EBUSY: ("文件或磁盘正被占用", "请关闭正在使用它的程序后重试"),
    errno.ETXTBSY: ("文件正被占用", "请关闭正在使用它的程序后重试"),
    errno.EXDEV: ("不能跨磁盘移动文件", "请把输出目录放在同一磁盘上"),
    errno.ELOOP: ("路径中的符号链接过多", "请核对路径"),
    errno.EPIPE: ("连接已中断", "请重试"),
    errno.ECONNRESET: ("连接已中断", "请重试"),
    errno.ETIMEDOUT: ("读写超时（网络盘无响应）", "请检查网络盘后重试"),
}
# a part of a path that only ever names a temporary file: hidden (.x.partial-…, store/.tmp)
# or one of tempfile's random names (tmpa1b2c3d4)
_TEMPORARY = re.compile(r"^\..+|^tmp[a-z0-9_]{6,}$")


def os_error_line(exc: OSError, places: Mapping[Path, str] | None = None, *,
                  fallback: str = "", paths: bool = True) -> str:
    """The line for `exc`. `places` names known folders (instance → "数据目录 …", --out →
    "输出目录 …"): a path inside one is named by it. Another path is shown as given (the
    user's own file), cut before any temporary part. `fallback` names where the failure
    happened when the error carries no path (a worker process's disk-full); `paths=False`
    shows no path at all (the web)."""
    what, advice = _KINDS.get(exc.errno, ("", ""))
    if not what:
        what = f"无法读写文件（系统错误 {exc.errno or '未知'}：{exc.strerror or type(exc).__name__}）"
        advice = "请检查磁盘和文件夹后重试"
    where = ""
    if paths:
        for name in (exc.filename, getattr(exc, "filename2", None)):
            if isinstance(name, (str, bytes, os.PathLike)):
                where = _shown(Path(os.fsdecode(name)), places or {})
                if where:
                    break
        where = where or fallback
    return f"{what}（{where}）；{advice}。" if where else f"{what}；{advice}。"


def _shown(path: Path, places: Mapping[Path, str]) -> str:
    parts = path.parts
    cut = next((i for i, p in enumerate(parts) if _TEMPORARY.match(p) and p not in (".", "..")),
               None)
    if cut is not None:
        path = Path(*parts[:cut]) if cut else Path()
    if str(path) in ("", ".") or (cut is not None and _same(path, tempfile.gettempdir())):
        return ""
    full = Path(os.path.abspath(path))
    for root, label in sorted(places.items(), key=lambda kv: -len(str(kv[0]))):
        root = Path(os.path.abspath(root))
        if full == root or root in full.parents:
            return label
    return str(path)


def _same(path: Path, other: str) -> bool:
    return os.path.abspath(path) == os.path.abspath(other)


def stdout_closed() -> int:
    """A command's output piped into a reader that stopped (`| head`): not a failure to
    report. Later writes go nowhere, so Python's exit flush stays quiet; returns the exit code."""
    import sys

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    return 141  # 128 + SIGPIPE, as a shell reports it
