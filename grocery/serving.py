"""The serving lock: a process that serves requests holds a shared lock on a file beside the SQLite database, so
that `flask restore` can tell the application is running (the kernel drops the lock when the process ends)."""

import fcntl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_held: dict[Path, object] = {}
_guard = threading.Lock()


class AppServing(Exception):
    """A process serves the application from this database."""


def lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".serving.lock")


def hold_serving_lock(database: Path) -> None:
    """Taken at the first request of each process and kept until the process ends (also on kill -9). While a
    restore holds the lock, the first request of a new worker waits for it to finish."""
    path = lock_path(database)
    if path in _held:
        return
    with _guard:
        if path in _held:
            return
        handle = open(path, "a+")  # noqa: SIM115 - kept open for the life of the process
        fcntl.flock(handle, fcntl.LOCK_SH)
        _held[path] = handle


@contextmanager
def no_process_serving(database: Path) -> Iterator[None]:
    """Hold the lock exclusively (no new worker starts serving meanwhile); AppServing when a process serves."""
    handle = open(lock_path(database), "a+")  # noqa: SIM115 - closed below
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise AppServing(str(lock_path(database))) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
    finally:
        handle.close()
