"""Process hygiene of the sweep engine: no orphaned workers, one writer per store, stale locks ignored,
``--scheduler`` alone joins a Dask cluster.

Each subprocess test runs the real CLI, kills it with SIGKILL (no cleanup code runs) and watches the
operating system's process table, so what is tested is what a user sees after ``kill -9``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import psutil
import pytest
import xarray as xr

from hopfield_hclm.core.sweep import open_sweep, run_sweep
from hopfield_hclm.core.sweep.lock import StoreInUseError, lock_path, store_lock

ORPHAN_DEADLINE_S = 10.0


def _env():
    return dict(os.environ, PYTHONPATH=os.getcwd() + os.pathsep + os.environ.get("PYTHONPATH", ""),
                OMP_NUM_THREADS="1")


def _start_sweep(cfg, out, *extra):
    cmd = [sys.executable, "-m", "hopfield_hclm", "sweep", str(cfg), "--out", str(out), "--no-progress", *extra]
    return subprocess.Popen(cmd, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _completed_units(out) -> int:
    flags = out / "completed" / "c"
    return sum(len(files) for _, _, files in os.walk(flags)) if flags.exists() else 0


def _wait_for(predicate, proc, timeout=90.0) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        assert proc.poll() is None, f"the sweep ended early: {proc.stderr.read()!r}"
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("timed out waiting for the sweep to reach the state under test")


def _alive(procs) -> list[int]:
    out = []
    for p in procs:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                out.append(p.pid)
        except psutil.NoSuchProcess:
            pass
    return out


@pytest.mark.parametrize("executor", ["process", "dask"])
def test_workers_exit_within_ten_seconds_of_a_sigkilled_sweep(tmp_path, toy_config, executor):
    cfg = toy_config(tmp_path, sleep=2.0)  # units outlive the kill by far
    out = tmp_path / "orphans.zarr"
    proc = _start_sweep(cfg, out, "--executor", executor, "--workers", "2")
    parent = psutil.Process(proc.pid)
    _wait_for(lambda: _completed_units(out) >= 1 and len(parent.children(recursive=True)) >= 2, proc)
    workers = parent.children(recursive=True)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    killed_at = time.time()
    while _alive(workers) and time.time() - killed_at < ORPHAN_DEADLINE_S:
        time.sleep(0.1)
    left = _alive(workers)
    for pid in left:  # do not leave them to the rest of the suite
        os.kill(pid, signal.SIGKILL)
    assert not left, f"{len(left)} of {len(workers)} worker processes outlived the sweep by {ORPHAN_DEADLINE_S} s"


def test_a_store_in_use_is_refused_in_one_line_with_exit_code_2(tmp_path, toy_config):
    cfg = toy_config(tmp_path, sleep=4.0)  # 9 units: the first sweep holds the store for > 30 s
    out = tmp_path / "busy.zarr"
    first = _start_sweep(cfg, out, "--executor", "serial")
    try:
        _wait_for(lambda: os.path.exists(lock_path(out)) and f"pid {first.pid}" in open(lock_path(out)).read(), first)
        second = subprocess.run([sys.executable, "-m", "hopfield_hclm", "sweep", str(cfg), "--out", str(out),
                                 "--executor", "serial", "--no-progress"],
                                env=_env(), capture_output=True, text=True, timeout=60)
        assert second.returncode == 2
        lines = second.stderr.strip().splitlines()
        assert len(lines) == 1 and "in use by another sweep" in lines[0] and f"pid {first.pid}" in lines[0]
        assert first.poll() is None  # the running sweep is not disturbed
    finally:
        first.kill()
        first.wait()


def test_a_lock_left_by_a_killed_run_does_not_block_the_resume(tmp_path, toy_config):
    cfg = toy_config(tmp_path, sleep=0.3)
    out = tmp_path / "stale.zarr"
    proc = _start_sweep(cfg, out, "--executor", "serial")
    _wait_for(lambda: _completed_units(out) >= 2, proc)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert f"pid {proc.pid}" in open(lock_path(out)).read()  # the dead run's lock file is still there
    partial = int(open_sweep(out, mask=False)["completed"].sum())
    resumed = subprocess.run([sys.executable, "-m", "hopfield_hclm", "sweep", str(cfg), "--out", str(out),
                              "--executor", "serial", "--no-progress"],
                             env=_env(), capture_output=True, text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    ds = open_sweep(out)
    assert partial < ds["completed"].size and bool(ds["completed"].all())


def test_the_lock_is_exclusive_and_released_on_exit(tmp_path):
    out = tmp_path / "s.zarr"
    with store_lock(out):
        with pytest.raises(StoreInUseError, match="out=.*in use by another sweep"):
            with store_lock(out):
                pass
    with store_lock(out):  # released by the first block
        pass


def test_scheduler_alone_joins_an_external_cluster_bit_identically(tmp_path, toy_config):
    from distributed import LocalCluster

    cfg = toy_config(tmp_path)
    local = run_sweep(cfg, tmp_path / "local.zarr", executor="process", workers=2, progress=False)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        joined = run_sweep(cfg, tmp_path / "joined.zarr", scheduler=cluster.scheduler_address, progress=False)
    assert joined.attrs["config_hash"] == local.attrs["config_hash"]
    xr.testing.assert_identical(local.assign_attrs(history=""), joined.assign_attrs(history=""))


def test_cli_scheduler_without_executor_means_dask(tmp_path, toy_config):
    from hopfield_hclm.cli import build_parser

    args = build_parser().parse_args(["sweep", "c.toml", "--out", "o.zarr", "--scheduler", "tcp://127.0.0.1:1"])
    assert args.executor is None and args.scheduler == "tcp://127.0.0.1:1"
    with pytest.raises(ValueError, match="scheduler is only used with executor='dask'"):
        run_sweep(toy_config(tmp_path), tmp_path / "o.zarr", executor="process", scheduler="tcp://127.0.0.1:1")
    assert not (tmp_path / "o.zarr").exists()
