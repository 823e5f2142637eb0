"""Benchmark: DMFT forward pass vs the iterative solver at the same (steps, samples), float64, CPU.

Part 1 times :func:`hopfield_hclm.memory.theory.dmft` with ``method="forward"`` (one causal pass in time) and
``method="iterate"`` (damped fixed-point iteration to ``tol``) side by side on the same problem and the same
normals, prints seconds, iterations and the ratio, and checks that the two overlaps agree. Where the
iteration would take too long (``--iterate-max-steps``), it times ``--probe-iterations`` iterations and prints
seconds and the ratio per iteration instead (the forward pass then costs 1/ratio iterations; to convergence the
iteration needs tens: 12-56 at 100 steps).

Part 2 times the response propagation alone: the blocked forward substitution of the iterative solver against a
straightforward Python loop over time pairs (t, s), vectorised over samples only (agreement checked).

Usage: PYTHONPATH=. python benchmarks/bench_dmft.py [--threads 2] [--quick | --long]
"""

from __future__ import annotations

import argparse
import importlib
import os
import time

import numpy as np
import torch

from hopfield_hclm.memory import theory

dmft_module = importlib.import_module("hopfield_hclm.memory.theory.dmft")

# (order, load, steps, samples, response_samples)
CASES = [(1, 0.3, 100, 4000, 4000), (1, 0.3, 100, 4000, 2000), (2, 0.15, 100, 4000, 2000),
         (1, 0.3, 300, 8000, 2000), (1, 0.3, 300, 20000, 2000), (2, 0.15, 300, 20000, 2000)]
QUICK = [(1, 0.3, 50, 2000, 1000), (2, 0.15, 50, 2000, 1000)]
LONG = [(1, 0.3, 300, 2000, 1000), (2, 0.15, 300, 2000, 1000)]  # --long: iterate 300 steps to convergence (~15 min)


def response_time_pairs(phis: torch.Tensor, gamma: torch.Tensor, dt: float) -> torch.Tensor:
    """Reference: S[t, s] by explicit Python loops over (t, s), vectorised over samples only."""
    samples, length = phis.shape
    dphi = 1.0 - phis**2
    dx = torch.zeros(length, samples, length, dtype=phis.dtype)  # dx[t][:, s] = d x_t / d h_s
    resp = torch.zeros(length, samples, length, dtype=phis.dtype)  # phi'_t dx_t
    for t in range(length - 1):
        for s in range(t + 1):
            resp[t, :, s] = dphi[:, t] * dx[t, :, s]
            memory = resp[: t + 1, :, s].T @ gamma[t, : t + 1]
            dx[t + 1, :, s] = (1.0 - dt) * dx[t, :, s] + dt * memory + (dt if s == t else 0.0)
    resp[length - 1] = dphi[:, length - 1, None] * dx[length - 1]
    return resp.mean(dim=1)


def solvers_side_by_side(cases, iterate_max_steps: int, probe_iterations: int) -> None:
    print(f"{'order':>5s} {'load':>5s} {'steps':>5s} {'M':>6s} {'R':>5s} {'forward s':>10s} {'iterate s':>10s} "
          f"{'iters':>6s} {'ratio':>7s} {'max|dm|':>9s}")
    for order, load, steps, samples, rows in cases:
        kw = dict(order=order, load=load, steps=steps, dt=0.1, samples=samples, response_samples=rows, seed=0)
        t0 = time.perf_counter()
        fwd = theory.dmft(method="forward", **kw)
        t1 = time.perf_counter()
        if steps <= iterate_max_steps:
            it = theory.dmft(method="iterate", tol=1e-6, max_iter=steps + 2, **kw)
            t2 = time.perf_counter()
            iters = it.sizes["iteration"]
            diff = f"{float(np.abs(fwd['overlap'].values - it['overlap'].values).max()):9.1e}"
            print(f"{order:5d} {load:5.2f} {steps:5d} {samples:6d} {rows:5d} {t1 - t0:10.2f} {t2 - t1:10.2f} "
                  f"{iters:6d} {(t2 - t1) / (t1 - t0):7.1f} {diff}", flush=True)
        else:
            try:
                theory.dmft(method="iterate", tol=1e-300, max_iter=probe_iterations, **kw)
            except theory.DMFTConvergenceError:
                pass
            per = (time.perf_counter() - t1) / probe_iterations
            # Not run to convergence: the iterate column is seconds per iteration and the ratio is per iteration,
            # i.e. the forward pass costs (1 / ratio) iterations; at 100 steps the iteration needed 12-56.
            print(f"{order:5d} {load:5.2f} {steps:5d} {samples:6d} {rows:5d} {t1 - t0:10.2f} {per:7.2f}/it "
                  f"{'n/a':>6s} {per / (t1 - t0):6.2f}/it {'':>9s}", flush=True)


def response_only(steps: int, samples: int) -> None:
    cfg = dmft_module._validate(1, 0.3, 2.0, 1.0, steps, 0.1, samples, 0, True, 1.0, 1e-8, 10, 2000, "cpu",
                                "float64", "iterate")
    solver = dmft_module._Solver(cfg)
    length = cfg.steps + 1
    corr = torch.full((length, length), 0.5, dtype=torch.float64)
    resp = torch.zeros(length, length, dtype=torch.float64)
    for _ in range(2):  # two iterations for a non-trivial response kernel
        noise_cov, gamma, _ = solver.kernels(corr, resp)
        _, phis, _ = solver.forward(solver.noise(noise_cov), gamma)
        corr, resp = phis.T @ phis / cfg.samples, solver.response(phis, gamma)
    noise_cov, gamma, _ = solver.kernels(corr, resp)
    _, phis, _ = solver.forward(solver.noise(noise_cov), gamma)
    t0 = time.perf_counter()
    fast = solver.response(phis, gamma)
    t1 = time.perf_counter()
    slow = response_time_pairs(phis, gamma, cfg.dt)
    t2 = time.perf_counter()
    print(f"response pass, T = {steps}, M = {samples}: blocked GEMMs {t1 - t0:.3f} s, Python loop over time pairs "
          f"{t2 - t1:.3f} s, ratio {(t2 - t1) / (t1 - t0):.1f}x, "
          f"max |difference| {float((fast - slow).abs().max()):.1e}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="two 50-step cases (seconds)")
    parser.add_argument("--iterate-max-steps", type=int, default=100,
                        help="run the iteration to convergence only up to this many steps")
    parser.add_argument("--probe-iterations", type=int, default=3)
    parser.add_argument("--long", action="store_true",
                        help="only the 300-step, 2000-path cases, iterated to convergence (about 15 minutes)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"DMFT forward pass vs iterative solver, float64, {torch.get_num_threads()} threads, "
          f"load average {load:.1f} at start; R = response paths")
    for method in ("forward", "iterate"):  # warm-up (first-call overheads), not timed
        theory.dmft(order=1, load=0.3, steps=10, samples=200, method=method)
    if args.long:
        solvers_side_by_side(LONG, 300, args.probe_iterations)
        return
    solvers_side_by_side(QUICK if args.quick else CASES, args.iterate_max_steps, args.probe_iterations)
    response_only(30 if args.quick else 100, 2000 if args.quick else 20_000)
    print(f"load average {os.getloadavg()[0]:.1f} at end" if hasattr(os, "getloadavg") else "")


if __name__ == "__main__":
    main()
