"""Benchmark of the binary engine; prints a table of throughput ratios measured side by side.

1. Synchronous step (``run_sync``: two GEMMs/bmm plus the update and bookkeeping) against a bare
   ``torch.matmul`` / ``torch.bmm`` of the same shapes (the ceiling; target >= 60%).
2. Asynchronous CPU path (numba) against (a) a straightforward numpy implementation batched over
   cues with incrementally updated overlaps (target >= 5x) and (b) a Python loop over cues, each
   with its coupling matrix and incrementally updated local fields (target >= 20x). All three use the
   same cues and visit orders, and the script checks they reach identical states.

Usage: ``PYTHONPATH=. python benchmarks/bench_binary.py [--neurons N] [--load A] [--trials B] ...``
The default sizes run in well under a minute on 2 CPU cores.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from hopfield_hclm.core import trial_generators
from hopfield_hclm.memory.async_numba import kernel, run_async_numba
from hopfield_hclm.memory.binary import BinaryModel
from hopfield_hclm.memory.binary_dynamics import draw_step_noise, run_async, run_sync
from hopfield_hclm.memory.patterns import binary_cue, random_patterns


def best_of(fn, repeats: int) -> float:
    """Smallest wall time of ``repeats`` calls (seconds); CUDA synchronised."""
    times = []
    for _ in range(repeats):
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        start = time.perf_counter()
        fn()
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return min(times)


def inputs(seed: int, trials: int, npat: int, neurons: int, m0: float, shared: bool):
    gens = trial_generators(seed, trials)
    if shared:
        pats = random_patterns(np.random.default_rng(seed), npat, neurons)[None]
    else:
        pats = np.stack([random_patterns(g, npat, neurons) for g in gens])
    cues = np.stack([binary_cue(g, pats[0 if shared else k, 0], m0) for k, g in enumerate(gens)])
    return gens, pats, cues


def bench_sync(neurons: int, npat: int, trials: int, steps: int, shared: bool, device: str, repeats: int,
               model_name: str = "hopfield", order: int = 1, beta: float | None = None):
    model = BinaryModel(model_name, neurons, npat, order, beta)
    dtype = torch.float32 if model_name == "hopfield" else torch.float64
    gens, pats, cues = inputs(1, trials, npat, neurons, 0.1, shared)  # m0 = 0.1: states keep changing
    pats_t = torch.tensor(pats, dtype=dtype, device=device)
    cues_t = torch.tensor(cues, dtype=dtype, device=device)

    def engine():
        with torch.inference_mode():
            run_sync(model, pats_t, cues_t, gens, steps=steps, record_every=steps)

    s = cues_t.clone()

    def bare():
        with torch.inference_mode():
            for _ in range(steps):
                if shared:
                    m = s @ pats_t[0].T
                    torch.matmul(m, pats_t[0])
                else:
                    m = torch.bmm(pats_t, s.unsqueeze(-1))
                    torch.bmm(m.transpose(1, 2), pats_t)

    engine()
    bare()
    t_engine = t_bare = float("inf")
    for _ in range(repeats):  # interleaved, so a load spike on the shared machine hits both
        t_engine = min(t_engine, best_of(engine, 1))
        t_bare = min(t_bare, best_of(bare, 1))
    label = (f"sync step {model_name}{'' if order == 1 else f' n={order}'}, "
             f"{'shared GEMM' if shared else 'per-trial bmm'} B={trials} P={npat} N={neurons} ({device}, "
             f"{str(dtype).removeprefix('torch.')})")
    return label, t_bare / t_engine, t_engine / steps, t_bare / steps


def numpy_batched(pats: np.ndarray, cues: np.ndarray, gens, sweeps: int) -> np.ndarray:
    """Straightforward numpy async dynamics: all cues at once, loop over positions, incremental M."""
    trials, neurons = cues.shape
    xi = pats.astype(np.float64)
    if xi.shape[0] == 1:
        xi = np.broadcast_to(xi, (trials,) + xi.shape[1:])
    s = cues.astype(np.float64)
    m = np.einsum("bpn,bn->bp", xi, s)
    rows = np.arange(trials)
    npat = xi.shape[1]
    for _ in range(sweeps):
        orders, _ = draw_step_noise(gens, neurons, asynchronous=True, temperature=0.0)
        for t in range(neurons):
            unit = orders[:, t]
            column = xi[rows, :, unit]
            current = s[rows, unit]
            field = (column * m).sum(1) - npat * current
            new = np.where(field > 0, 1.0, np.where(field < 0, -1.0, current))
            m += (new - current)[:, None] * column
            s[rows, unit] = new
    return s


def python_loop(pats: np.ndarray, cues: np.ndarray, gens, sweeps: int) -> np.ndarray:
    """One cue at a time (as a teaching package would): couplings J, incremental local fields."""
    trials, neurons = cues.shape
    out = np.empty_like(cues, dtype=np.float64)
    orders = [[] for _ in range(trials)]
    for _ in range(sweeps):  # same visit orders as the other paths (drawn sweep by sweep)
        drawn, _ = draw_step_noise(gens, neurons, asynchronous=True, temperature=0.0)
        for k in range(trials):
            orders[k].append(drawn[k])
    for k in range(trials):
        xi = pats[0 if pats.shape[0] == 1 else k].astype(np.float64)
        couplings = xi.T @ xi
        np.fill_diagonal(couplings, 0.0)
        s = cues[k].astype(np.float64)
        field = couplings @ s
        for order in orders[k]:
            for i in order:
                h = field[i]
                new = 1.0 if h > 0 else (-1.0 if h < 0 else s[i])
                if new != s[i]:
                    field += (new - s[i]) * couplings[:, i]
                    s[i] = new
        out[k] = s
    return out


def bench_async(neurons: int, npat: int, trials: int, sweeps: int, repeats: int):
    model = BinaryModel("hopfield", neurons, npat)
    kernel(False), kernel(True)  # compile (or load from cache) outside the timing
    warm = inputs(2, 1, npat, neurons, 0.1, False)
    run_async_numba(model, warm[1], warm[2], warm[0], steps=1)
    results = {}

    def timed(name, fn):
        """Best time of ``fn`` on fresh generators and the same cues (drawn outside the timing)."""
        best = float("inf")
        for _ in range(repeats if name != "loop" else 1):
            gens, pats, cues = inputs(3, trials, npat, neurons, 0.1, False)
            start = time.perf_counter()
            results[name] = fn(gens, pats, cues)
            best = min(best, time.perf_counter() - start)
        return best

    t_numba = timed("numba", lambda g, p, c: run_async_numba(model, p, c, g, steps=sweeps, record_every=sweeps,
                                                               record_states=True).states[:, -1].numpy())
    t_torch = timed("torch", lambda g, p, c: run_async(model, torch.tensor(p, dtype=torch.float32),
                                                         torch.tensor(c, dtype=torch.float32), g, steps=sweeps,
                                                         record_every=sweeps, record_states=True)
                    .states[:, -1].numpy())
    t_numpy = timed("numpy", lambda g, p, c: numpy_batched(p, c, g, sweeps))
    t_loop = timed("loop", lambda g, p, c: python_loop(p, c, g, sweeps))
    same = all(np.array_equal(results["numba"], results[k]) for k in ("torch", "numpy", "loop"))
    size = f"B={trials} P={npat} N={neurons}, {sweeps} sweeps"
    return [
        (f"async numba vs numpy batched incremental M ({size})", t_numpy / t_numba, t_numba, t_numpy),
        (f"async numba vs Python loop over cues ({size})", t_loop / t_numba, t_numba, t_loop),
        (f"async numba vs torch async path ({size})", t_torch / t_numba, t_numba, t_torch),
    ], same


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--neurons", type=int, default=1000)
    parser.add_argument("--load", type=float, default=0.1)
    parser.add_argument("--trials", type=int, default=64, help="trials of the synchronous benchmark")
    parser.add_argument("--steps", type=int, default=40, help="synchronous steps")
    parser.add_argument("--async-neurons", type=int, default=500)
    parser.add_argument("--async-trials", type=int, default=32)
    parser.add_argument("--sweeps", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch and numba CPU threads (default: their own defaults)")
    args = parser.parse_args()
    if args.threads:
        import numba

        torch.set_num_threads(args.threads)
        numba.set_num_threads(args.threads)

    npat = round(args.load * args.neurons)
    rows = [bench_sync(args.neurons, npat, args.trials, args.steps, shared, args.device, args.repeats)
            for shared in (True, False)]
    rows += [bench_sync(args.neurons, npat, args.trials, args.steps, True, args.device, args.repeats, *extra)
             for extra in (("dense", 2, None), ("exponential", 1, 1.0))]
    async_npat = round(args.load * args.async_neurons)
    async_rows, same = bench_async(args.async_neurons, async_npat, args.async_trials, args.sweeps, args.repeats)
    rows += async_rows

    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, device {args.device}")
    print("| benchmark | ratio | engine s | reference s | target |")
    print("|---|---|---|---|---|")
    targets = ["≥ 0.60"] * 4 + ["≥ 5", "≥ 20", "—"]
    for (label, ratio, t_engine, t_ref), target in zip(rows, targets):
        print(f"| {label} | {ratio:.2f} | {t_engine:.4g} | {t_ref:.4g} | {target} |")
    print("(sync rows: ratio = bare-matmul time / engine time per step, i.e. fraction of matmul throughput;")
    print(" async rows: ratio = reference time / numba time, i.e. speed-up)")
    print(f"async paths reach identical final states: {same}")


if __name__ == "__main__":
    main()
