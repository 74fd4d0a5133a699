"""memtrace's region API for Python: mark the part of a program to report on.

    import memtrace
    with memtrace.region("decode"):
        ...

Under the tracer (``memtrace run -- python3 prog.py``) each region is
recorded with its thread and times, and ``memtrace-report --region decode
run.db`` reports only it.  Without the tracer every call does nothing, so the
module can stay in a program for good.  Pure Python: ctypes finds the
functions libmemtrace.so exports in the process, if it is there.
"""

import contextlib
import ctypes

__all__ = ["database", "region", "region_begin", "region_end", "sync", "traced"]


def _lookup():
    try:
        lib = ctypes.CDLL(None)  # the process's global scope: the preloaded tracer if any
        begin, end, sync_ = lib.memtrace_region_begin, lib.memtrace_region_end, lib.memtrace_sync
    except (OSError, AttributeError):
        return None, None, None, None
    begin.argtypes, begin.restype = [ctypes.c_char_p], None
    end.argtypes, end.restype = [], None
    sync_.argtypes, sync_.restype = [], ctypes.c_int
    database_ = getattr(lib, "memtrace_database", None)  # None from an older tracer
    if database_ is not None:
        database_.argtypes, database_.restype = [], ctypes.c_char_p
    return begin, end, sync_, database_


_begin, _end, _sync, _database = _lookup()


def traced():
    """True when the process runs under memtrace."""
    return _sync is not None and _sync() == 0


def region_begin(name):
    """Opens a region named name on the calling thread (regions nest)."""
    if _begin is not None:
        _begin(str(name).encode("utf-8", "replace"))


def region_end():
    """Ends the calling thread's innermost region."""
    if _end is not None:
        _end()


def sync():
    """Commits the trace now, so a reader sees everything recorded so far.
    True when it did (the process is traced)."""
    return _sync is not None and _sync() == 0


def database():
    """The path of the trace this process writes (each process of a traced
    tree writes its own: a pytest-xdist worker, a multiprocessing child), or
    None untraced."""
    path = _database() if _database is not None else None
    return path.decode("utf-8", "surrogateescape") if path else None


@contextlib.contextmanager
def region(name):
    """``with memtrace.region(name):`` the block is one region."""
    region_begin(name)
    try:
        yield
    finally:
        region_end()
