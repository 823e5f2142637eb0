"""Run a sweep: spec -> work units -> executor -> store -> one Dataset.

Resuming is the default: units whose ``completed`` flag is set are never recomputed. One sweep
at a time writes a store: a second one is refused while the first holds its lock (a lock left by
a killed run is released by the kernel, so it never blocks a resume). A unit
whose worker died is resubmitted (up to ``max_retries`` times); an error raised by the
computation itself stops the sweep with the grid point named.
"""

from __future__ import annotations

import itertools
import os
import sys
import time
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, wait
from typing import Any

import xarray as xr

from .executors import ExecutorConfig, open_executor, worker_lost_errors
from .grid import WorkUnit, work_units
from .kinds import get_kind
from .lock import store_lock
from .spec import SweepSpec, load_spec
from .store import SweepStore, UnitResult, check_writable, open_sweep

ProgressCallback = Callable[[int, int, WorkUnit], None]


def compute_unit(kind_name: str, args: dict[str, Any], threads: int | None) -> UnitResult:
    """Worker side: run one unit with ``threads`` torch threads and return its arrays.

    The thread count is restored afterwards, so the serial executor leaves its caller as it was.
    """
    import torch

    before = torch.get_num_threads()
    if threads is not None and threads != before:
        torch.set_num_threads(threads)
    try:
        ds = get_kind(kind_name).compute(**args)
    finally:
        if torch.get_num_threads() != before:
            torch.set_num_threads(before)
    return UnitResult.from_dataset(ds)


def _progress_bar(progress: bool | ProgressCallback | None, total: int, initial: int):
    if callable(progress):
        return None
    show = sys.stderr.isatty() if progress is None else bool(progress)
    if not show:
        return None
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, unit="unit", desc="sweep", file=sys.stderr)


def run_sweep(
    spec_or_path: SweepSpec | str | os.PathLike,
    out: str | os.PathLike,
    *,
    executor: str | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    resources: Mapping[str, float] | None = None,
    threads: int | None = None,
    progress: bool | ProgressCallback | None = None,
    max_retries: int = 3,
) -> xr.Dataset:
    """Run (or resume) the sweep ``spec_or_path`` into the Zarr store ``out``; return the Dataset.

    Args:
        spec_or_path: a :class:`SweepSpec` or the path of a TOML config.
        out: store directory; resumed if it holds a store of the same config, refused if another.
        executor: "process" (local worker processes), "dask" (LocalCluster, or ``scheduler``) or "serial";
            default "dask" when ``scheduler`` is given, else "process".
        scheduler: address ``tcp://HOST:PORT`` of a running Dask scheduler to join.
        workers: worker count (default: the machine's cores; ignored with ``scheduler``).
        resources: Dask resources each unit needs, e.g. ``{"GPU": 1}``.
        threads: torch threads per unit (default: the machine's cores shared evenly among the local
            workers; left alone for the serial executor and an external Dask cluster).
        progress: None = a tqdm bar on a terminal only; True/False force it; a callable gets
            ``(done, total, unit)`` after each unit is written.
        max_retries: resubmissions of a unit whose worker was lost.

    Returns the sweep Dataset, dims ``(*axes, *unit dims)``; points not computed are NaN.
    """
    spec = spec_or_path if isinstance(spec_or_path, SweepSpec) else load_spec(spec_or_path)
    if executor is None:
        executor = "dask" if scheduler is not None else "process"
    config = ExecutorConfig(kind=executor, workers=workers, scheduler=scheduler, resources=resources,
                            threads_per_worker=threads)
    from ..validation import check_int

    check_int("max_retries", max_retries, minimum=0)
    check_writable(out)
    with store_lock(out):
        return _run_locked(spec, out, config, progress=progress, max_retries=max_retries)


def _run_locked(spec: SweepSpec, out, config: ExecutorConfig, *, progress, max_retries: int) -> xr.Dataset:
    """The body of :func:`run_sweep`, run while this process holds the store's lock."""
    store, _created = SweepStore.open_or_create(out, spec)
    done = store.completed()
    units = [u for u in work_units(spec) if not done[u.index]]
    total, finished = spec.size, spec.size - len(units)
    bar = _progress_bar(progress, total, finished)
    lost = worker_lost_errors()
    retries: dict[int, int] = {}
    # the serial executor computes on submit: one unit at a time, so each is written before the next runs
    # (a killed serial sweep keeps what it finished); pools get every unit at once to schedule freely
    in_flight = 1 if config.kind == "serial" else len(units)
    try:
        while units:
            remaining = {u.flat: u for u in units}
            with open_executor(config) as pool:
                queue = iter(units)
                futures: dict = {}
                pending: set = set()

                def fill() -> None:  # keep at most in_flight units submitted and not yet written
                    for unit in itertools.islice(queue, max(0, in_flight - len(pending))):
                        future = pool.submit(compute_unit, spec.kind, unit.args, config.threads)
                        futures[future] = unit
                        pending.add(future)

                fill()
                while pending:
                    ready, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for future in sorted(ready, key=lambda f: futures[f].flat):
                        unit = futures[future]
                        try:
                            result = future.result()
                        except lost as exc:
                            retries[unit.flat] = retries.get(unit.flat, 0) + 1
                            if retries[unit.flat] > max_retries:
                                raise RuntimeError(
                                    f"grid point {unit.label(spec.dims)} lost its worker {retries[unit.flat]} times; giving up"
                                ) from exc
                            continue
                        except Exception as exc:
                            raise RuntimeError(f"grid point {unit.label(spec.dims)} failed: {exc}") from exc
                        store.write_unit(unit, result)
                        del remaining[unit.flat]
                        finished += 1
                        if bar is not None:
                            bar.update(1)
                        if callable(progress):
                            progress(finished, total, unit)
                    fill()
            units = list(remaining.values())
            if units:
                time.sleep(0.1)  # a pool broke: start a fresh one for the units it lost
    finally:
        if bar is not None:
            bar.close()
    return open_sweep(out)
