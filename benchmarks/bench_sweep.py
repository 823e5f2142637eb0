"""Sweep-engine benchmark: engine + storage overhead, and worker scaling. Prints a table of ratios.

1. Overhead: the embedded default sweep (36 graded units) computed by calling ``simulate`` directly
   in a loop (raw) versus ``run_sweep`` with the in-process ``serial`` executor (spec validation,
   templates, Zarr pre-allocation, region writes, completed flags, final load). Same process, same
   torch threads, measured side by side; target overhead < 10 % of raw.
2. Scaling: CPU-bound single-threaded units (the test kind ``tests.sweep.toy_kind:KIND`` with torch matmul work, ``threads=1``)
   through the local process pool with 1 and 2 workers; target throughput ratio >= 1.6x on 2 cores.
   Pool start-up (spawn, imports) is included, as a user would see it. An information row repeats
   the comparison with the default thread policy (cores / workers torch threads per worker): there one
   worker already runs its matmuls on both cores, so a second worker adds little for such units.
   A last row measures the machine's own ceiling for this work: the same matmul loop in 2 bare
   processes at once against 1, timed inside the processes (no engine, no start-up).

Usage: ``PYTHONPATH=. python benchmarks/bench_sweep.py [--units 16] [--work 1500]``.
Raw and engine runs (and 1- and 2-worker runs) are interleaved and the minimum of ``--repeats`` is
kept; numbers still depend on what else the machine is doing, so run it on an idle machine and
read the load average printed with the table.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time

import torch

# the engine's physics-free test kind lives in tests/sweep/toy_kind.py (importable from the repository root)
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _overhead(repeats: int) -> tuple[float, float]:
    import hopfield_hclm as hh
    from hopfield_hclm.core.sweep import loads_spec, run_sweep, work_units
    from hopfield_hclm.reports.defaults import DEFAULT_SWEEP

    spec = loads_spec(DEFAULT_SWEEP)
    units = work_units(spec)
    hh.memory.simulate(**units[0].args)  # warm-up (imports, first allocations)
    raw, engine = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        for unit in units:
            hh.memory.simulate(**unit.args)
        raw.append(time.perf_counter() - start)
        folder = tempfile.mkdtemp()
        start = time.perf_counter()
        run_sweep(spec, os.path.join(folder, "s.zarr"), executor="serial", progress=False)
        engine.append(time.perf_counter() - start)
        shutil.rmtree(folder)
    return min(raw), min(engine)


def _scaling(units: int, work: int, repeats: int, threads: int | None) -> dict[int, float]:
    from hopfield_hclm.core.sweep import loads_spec, run_sweep

    text = f"""
kind = "tests.sweep.toy_kind:KIND"
trials = 2
[base]
work = {work}
[axes]
scale = {{ start = 1.0, stop = {float(units)}, num = {units} }}
"""
    spec = loads_spec(text)
    times = {1: [], 2: []}
    for _ in range(repeats):  # interleaved, minimum kept: robust to other load on a shared machine
        for workers in (1, 2):
            folder = tempfile.mkdtemp()
            start = time.perf_counter()
            run_sweep(spec, os.path.join(folder, "s.zarr"), executor="process", workers=workers, threads=threads,
                      progress=False)
            times[workers].append(time.perf_counter() - start)
            shutil.rmtree(folder)
    return {w: min(t) for w, t in times.items()}


def _matmul_work(rounds: int) -> float:
    """The toy kind's CPU work, timed inside the process (no start-up), one torch thread."""
    torch.set_num_threads(1)
    a = torch.full((128, 128), 1.0 / 128, dtype=torch.float64)
    start = time.perf_counter()
    for _ in range(rounds):
        a = torch.tanh(a @ a + 0.5)
    return time.perf_counter() - start


def _hardware_ceiling(rounds: int) -> float:
    """Throughput of 2 bare processes over 1 on the same work, engine-free: the machine's own limit
    (shared caches, memory bandwidth, virtual CPUs) for this kind of unit."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(2) as pool:
        pool.map(_matmul_work, [10, 10])  # start-up and imports out of the timing
        alone = pool.apply(_matmul_work, (2 * rounds,))
        together = max(pool.map(_matmul_work, [rounds, rounds]))
    return alone / together


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=16, help="CPU-bound units in the scaling test")
    parser.add_argument("--work", type=int, default=1500, help="matmul rounds per CPU-bound unit")
    parser.add_argument("--repeats", type=int, default=2, help="interleaved repeats of each measurement (minimum kept)")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    raw, engine = _overhead(args.repeats)
    times = _scaling(args.units, args.work, args.repeats, threads=1)
    default = _scaling(args.units, args.work, args.repeats, threads=None)
    ceiling = _hardware_ceiling(args.units * args.work // 2)
    load = os.getloadavg()[0]
    rows = [
        ("default sweep, raw simulate loop [s]", f"{raw:.2f}", ""),
        ("default sweep, run_sweep serial [s]", f"{engine:.2f}", ""),
        ("engine + storage overhead", f"{100 * (engine - raw) / raw:.1f} %", "target < 10 %"),
        (f"{args.units} CPU-bound units, 1 worker, 1 thread [s]", f"{times[1]:.2f}", ""),
        (f"{args.units} CPU-bound units, 2 workers, 1 thread each [s]", f"{times[2]:.2f}", ""),
        ("throughput 2 workers / 1 worker", f"{times[1] / times[2]:.2f}x", "target >= 1.6x"),
        ("hardware ceiling: 2 bare processes / 1, same work", f"{ceiling:.2f}x", "(no engine, no start-up)"),
        ("same, default threads (2 / 1 per worker) [s]", f"{default[1]:.2f} / {default[2]:.2f}", ""),
        ("throughput 2 workers / 1, default threads", f"{default[1] / default[2]:.2f}x", "(info)"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"bench_sweep on {os.cpu_count()} CPU(s), load average {load:.1f}, torch {torch.__version__}")
    print(f"{'measure':<{width}}  {'value':>10}  target")
    for name, value, target in rows:
        print(f"{name:<{width}}  {value:>10}  {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
