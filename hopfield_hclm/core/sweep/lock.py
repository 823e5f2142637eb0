"""One writer per sweep store: an advisory ``flock`` held for the whole run.

The lock is the hidden file ``.<store name>.lock`` beside the store (inside it, zarr would warn
about a foreign object and ``to_zarr(mode="w")`` would delete it). ``flock`` locks belong to the
open file, so the kernel releases them when the holder exits for any reason, ``kill -9``
included: a lock left by a killed run is stale by construction and never blocks the next run,
which resumes the store. The file's text (pid, host, start time of the holder) is only there to
make the refusal message useful; it is never trusted for the decision.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import fcntl
import os
import socket
from collections.abc import Iterator


class StoreInUseError(ValueError):
    """Another process holds the store's lock (a ValueError: the CLI reports it in one line, exit 2)."""


def lock_path(store: str | os.PathLike) -> str:
    """``/dir/name.zarr`` -> ``/dir/.name.zarr.lock``."""
    store = os.path.abspath(os.fspath(store)).rstrip(os.sep)
    parent, name = os.path.split(store)
    return os.path.join(parent, f".{name}.lock")


def _holder(fd: int) -> str:
    try:
        text = os.pread(fd, 512, 0).decode("utf-8", "replace").strip()
    except OSError:
        text = ""
    return f" ({text})" if text else ""


@contextlib.contextmanager
def store_lock(store: str | os.PathLike) -> Iterator[str]:
    """Hold the exclusive lock of ``store`` for the ``with`` block; yield the lock file's path.

    Raises :class:`StoreInUseError` at once (no waiting) when another live process holds it.
    """
    path = lock_path(store)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise ValueError(f"out={os.fspath(store)!r}: cannot create its lock file {path!r}: {exc.strerror}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StoreInUseError(
                f"out={os.fspath(store)!r} is in use by another sweep{_holder(fd)}; wait for it to finish "
                "or choose another --out"
            ) from None
        stamp = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} on {socket.gethostname()} since {stamp}".encode(), 0)
        yield path
    finally:
        os.close(fd)  # releases the flock; the file stays (unlinking it would race a new holder)
