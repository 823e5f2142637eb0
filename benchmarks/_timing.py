"""What the step-against-bare-products benchmarks share: the command line, the paired timing and the table.

Each of ``bench_graded.py`` and ``bench_modern_hopfield.py`` times, per variant, a pair of callables that
each run ``steps`` steps: the project's runner and a reference (the bare products of the same shapes, or a
peer). After one warm-up call of each, every repeat times the runner and its reference back to back, so
both see the same load on a shared machine; the table gives the median of each and the median of the
paired ratios

    ratio = stages * time(reference) / time(runner)

where ``stages`` (1 unless given) counts the field evaluations of one runner step (4 for RK4), so that
the runner's time is reported per evaluation.

Imported by the scripts as ``_timing`` (a script's own folder is first on ``sys.path``).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable, Iterable, Mapping

import torch

Row = tuple[str, float, float, float]


def sync(device: torch.device) -> None:
    """Wait for the device's queued work (CUDA only; the CPU runs synchronously)."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def timed(fn: Callable[[], object], device: torch.device) -> float:
    """Wall-clock seconds of one call of ``fn``, synchronised before and after."""
    sync(device)
    start = time.perf_counter()
    fn()
    sync(device)
    return time.perf_counter() - start


def paired_medians(variants: Mapping[str, tuple[Callable[[], object], Callable[[], object]]], device: torch.device,
                   *, steps: int, repeats: int, stages: Mapping[str, int] | None = None) -> list[Row]:
    """Rows (variant, median seconds per runner evaluation, median seconds per reference step, median paired ratio).

    ``variants``: name -> (runner, reference), each a callable that runs ``steps`` steps; ``stages``: name ->
    field evaluations per runner step (default 1).
    """
    stages = stages or {}
    times = {name: ([], []) for name in variants}
    for runner, reference in variants.values():  # warm-up
        runner()
        reference()
    for _ in range(repeats):
        for name, (runner, reference) in variants.items():
            times[name][0].append(timed(runner, device))
            times[name][1].append(timed(reference, device))
    rows = []
    for name, (runner_times, reference_times) in times.items():
        k = stages.get(name, 1)
        ratios = [r * k / s for s, r in zip(runner_times, reference_times)]
        rows.append((name, statistics.median(runner_times) / (steps * k), statistics.median(reference_times) / steps,
                     statistics.median(ratios)))
    return rows


def shape_parser(doc: str, *, shapes: list[str], steps: int) -> argparse.ArgumentParser:
    """The common options: --device, --dtype, --shapes TRIALSxPATTERNSxNEURONS..., --steps, --repeats, --threads."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    parser.add_argument("--shapes", nargs="+", default=shapes, help="TRIALSxPATTERNSxNEURONS")
    parser.add_argument("--steps", type=int, default=steps)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    return parser


def device_and_dtype(args: argparse.Namespace) -> tuple[torch.device, torch.dtype]:
    """Apply --threads and return the device and dtype the options name."""
    if args.threads:
        torch.set_num_threads(args.threads)
    return torch.device(args.device), getattr(torch, args.dtype)


def print_table(shapes: Iterable[str], rows_of: Callable[[int, int, int], list[Row]], *, variant_width: int,
                reference: str) -> None:
    """The table: a header (``reference`` names the reference's time column), then ``rows_of(trials, patterns,
    neurons)`` for each ``TRIALSxPATTERNSxNEURONS`` shape, times in milliseconds."""
    header = (f"{'trial x pattern x neuron':>26} | {'variant':<{variant_width}} | {'step (ms)':>10} | "
              f"{reference + ' (ms)':>10} | {'ratio':>6}")
    print(header)
    print("-" * len(header))
    for shape in shapes:
        trials, patterns, neurons = (int(v) for v in shape.split("x"))
        for name, step, ref, ratio in rows_of(trials, patterns, neurons):
            print(f"{shape:>26} | {name:<{variant_width}} | {step * 1e3:10.4f} | {ref * 1e3:10.4f} | {ratio:6.2f}")
