"""Executors for work units, all behind ``concurrent.futures.Executor``.

- ``"process"`` (default): a local pool of worker processes (``spawn`` start method, so no torch
  state is forked); each worker uses ``cpu_count // workers`` torch threads.
- ``"dask"``: a Dask ``LocalCluster`` of ``workers`` single-threaded worker processes, or, with
  ``scheduler="tcp://HOST:PORT"``, an existing cluster started with ``dask scheduler`` and
  ``dask worker``. ``resources={"GPU": 1}`` sends each unit to a worker that advertises that
  resource (``dask worker ... --resources GPU=1``), one unit per GPU at a time.
- ``"serial"``: runs units in the calling process (debugging, tiny sweeps, overhead benchmarks).

Lost workers: the runner resubmits units whose worker died (``BrokenProcessPool`` for the
process pool; Dask reschedules tasks of a lost worker itself and reports ``KilledWorker`` only
after repeated losses). Results never travel through the workers' disks: the parent writes.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator, Mapping
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass

from ..validation import check_choice, check_int

EXECUTORS = ("process", "dask", "serial")


class SerialExecutor(Executor):
    """Runs each submitted call at once in this process (futures come back already done)."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller through the future
            future.set_exception(exc)
        return future


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def threads_per_worker(workers: int) -> int:
    """Torch intra-op threads per worker: the machine's cores shared evenly, at least one."""
    return max(1, cpu_count() // workers)


PARENT_POLL_S = 0.5


def exit_with_parent(parent_pid: int, *, interval: float = PARENT_POLL_S) -> None:
    """Start a daemon thread that ends this process (``os._exit``) once ``parent_pid`` is gone.

    ``parent_pid`` is this process's parent (a process-pool worker's sweep process). A worker whose
    sweep process was killed (``kill -9`` runs no cleanup) is re-parented, so ``os.getppid()``
    changes; polling it costs nothing and needs no cooperation from the parent. A worker alone would
    otherwise keep computing for nobody. (Dask's LocalCluster workers already exit with their nanny.)
    """
    import threading

    def watch() -> None:
        import time

        while os.getppid() == parent_pid:
            time.sleep(interval)
        os._exit(70)  # EX_SOFTWARE: nobody is left to receive the result

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def _init_process_worker(threads: int, parent_pid: int) -> None:
    exit_with_parent(parent_pid)
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMBA_NUM_THREADS"):
        os.environ[var] = str(threads)
    import torch

    torch.set_num_threads(threads)


@dataclass(frozen=True)
class ExecutorConfig:
    """How to run units: ``kind`` in :data:`EXECUTORS`, worker count, Dask scheduler and resources."""

    kind: str = "process"
    workers: int | None = None
    scheduler: str | None = None
    resources: Mapping[str, float] | None = None
    threads_per_worker: int | None = None

    def __post_init__(self) -> None:
        check_choice("executor", self.kind, EXECUTORS)
        if self.workers is not None:
            check_int("workers", self.workers, minimum=1)
        if self.threads_per_worker is not None:
            check_int("threads", self.threads_per_worker, minimum=1)
        if self.scheduler is not None:
            if self.kind != "dask":
                raise ValueError("scheduler is only used with executor='dask'")
            if not isinstance(self.scheduler, str) or "://" not in self.scheduler:
                raise ValueError(f"scheduler must be an address like 'tcp://HOST:PORT'; got {self.scheduler!r}")
        if self.resources is not None and self.kind != "dask":
            raise ValueError("resources (e.g. GPU workers) need executor='dask'")

    @property
    def n_workers(self) -> int:
        if self.kind == "serial":
            return 1
        return self.workers or cpu_count()

    @property
    def threads(self) -> int | None:
        """Torch threads each unit should use (``threads_per_worker`` if given, else the machine's cores
        shared evenly), or None to leave the caller's / a remote worker's setting alone."""
        if self.threads_per_worker is not None:
            return self.threads_per_worker
        if self.kind == "dask" and self.scheduler:
            return None
        if self.kind == "serial":
            return None
        return threads_per_worker(self.n_workers)


@contextlib.contextmanager
def open_executor(config: ExecutorConfig) -> Iterator[Executor]:
    """A fresh executor for ``config``; closed (and a LocalCluster stopped) on exit."""
    if config.kind == "serial":
        yield SerialExecutor()
        return
    if config.kind == "process":
        import multiprocessing

        pool = ProcessPoolExecutor(
            max_workers=config.n_workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_process_worker,
            initargs=(config.threads, os.getpid()),
        )
        try:
            yield pool
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        return
    from distributed import Client, LocalCluster

    kwargs = {"pure": False}
    if config.resources:
        kwargs["resources"] = dict(config.resources)
    if config.scheduler:
        client = Client(config.scheduler)
        try:
            yield client.get_executor(**kwargs)
        finally:
            client.close()
        return
    cluster = LocalCluster(
        n_workers=config.n_workers, threads_per_worker=1, processes=True,
        dashboard_address=None, silence_logs=logging.ERROR,
        resources=dict(config.resources) if config.resources else None,
    )
    client = Client(cluster)
    try:
        yield client.get_executor(**kwargs)
    finally:
        client.close()
        cluster.close()


def worker_lost_errors() -> tuple[type[BaseException], ...]:
    """Exception types that mean 'the worker died', not 'the computation failed'."""
    from concurrent.futures import BrokenExecutor

    errors: list[type[BaseException]] = [BrokenExecutor]
    try:
        from distributed.scheduler import KilledWorker

        errors.append(KilledWorker)
    except ImportError:  # pragma: no cover
        pass
    return tuple(errors)
