"""Loaded by Python at start-up when this folder is on PYTHONPATH (tests only), to fail the
disk of a command run in a subprocess: with SPOTCHECK_TEST_DISK=ENOSPC every write into a
file opened under SPOTCHECK_TEST_DISK_UNDER (or from a file descriptor, as tempfile's are)
fails as on a full disk; with EROFS or EACCES, opening a file there for writing fails as on
a read-only disk. SQLite writes from C and is not affected."""
import errno
import io
import os

_KIND = os.environ.get("SPOTCHECK_TEST_DISK")
_UNDER = os.environ.get("SPOTCHECK_TEST_DISK_UNDER") or os.sep

if _KIND:
    _code = getattr(errno, _KIND)
    _real_open, _real_os_open = io.open, os.open
    _WRITE = os.O_WRONLY | os.O_RDWR | os.O_CREAT

    def _under(file) -> bool:
        return isinstance(file, int) or os.path.abspath(os.fspath(file)).startswith(_UNDER)

    class _FullFile:
        def __init__(self, f):
            self._f = f

        def write(self, data):
            raise OSError(_code, os.strerror(_code))

        writelines = write

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self._f.close()

        def __iter__(self):
            return iter(self._f)

        def __getattr__(self, name):
            return getattr(self._f, name)

    def _open(file, mode="r", *args, **kwargs):
        writing = any(c in mode for c in "wax+") and _under(file)
        if writing and _code != errno.ENOSPC and not isinstance(file, int):
            raise OSError(_code, os.strerror(_code), os.fspath(file))
        f = _real_open(file, mode, *args, **kwargs)
        return _FullFile(f) if writing and _code == errno.ENOSPC else f

    def _os_open(path, flags, *args, **kwargs):
        if flags & _WRITE and _code != errno.ENOSPC and _under(path):
            raise OSError(_code, os.strerror(_code), os.fspath(path))
        return _real_os_open(path, flags, *args, **kwargs)

    io.open = _open
    os.open = _os_open
    import builtins

    builtins.open = _open
