"""HCLM benchmarks, measured side by side in one run; prints a table of ratios.

1. Instrumentation overhead: one instrumented step (∇L and ∇H separately, flow terms, Euclidean force,
   optionally the measured ΔH forward) against one plain step on L + λH, default task model.
   Target: ≤ 2.5×.
2. Log-det surrogate at d = 512 with B < d (Gram form, B×B Cholesky) against ``torch.logdet`` of the
   d×d matrix Σ̂ + εI, value and value+gradient. Target: ≥ 3×.
3. Large-d estimators (SLQ, low-rank) against the exact log-det, time and error.

Usage: ``PYTHONPATH=. python benchmarks/bench_hclm.py [--device cuda] [--threads 1] [--quick]``
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch

from hopfield_hclm.hclm import (
    RepresentationMLP,
    get_surrogate,
    instrumented_step,
    logdet_entropy,
    logdet_entropy_lowrank,
    logdet_entropy_slq,
    plain_step,
)


def _sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def timed(fn, device, *, repeats: int, inner: int) -> float:
    """Median over ``repeats`` of the mean time of ``inner`` calls, in seconds."""
    fn()
    _sync(device)
    samples = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        _sync(device)
        samples.append((time.perf_counter() - t0) / inner)
    return statistics.median(samples)


def bench_instrumentation(device, repeats, inner):
    rng = np.random.default_rng(0)
    dtype = torch.float32
    rows = []
    for surrogate in ("logdet", "variance", "softmax"):
        model = RepresentationMLP(16, 64, 32, rng=rng, device=device, dtype=dtype)
        opt = torch.optim.SGD(model.parameters(), lr=1e-3)
        x = torch.from_numpy(rng.standard_normal((32, 16))).to(device, dtype)
        y = torch.from_numpy((rng.random(32) < 0.5).astype(np.float32)).to(device)
        noise = torch.from_numpy(0.1 * rng.standard_normal((32, 32))).to(device, dtype)
        sur = get_surrogate(surrogate)
        plain = timed(lambda: plain_step(model, opt, sur, x, y, noise, 0.1, 1e-2), device, repeats=repeats, inner=inner)
        inst = timed(lambda: instrumented_step(model, opt, sur, x, y, noise, 0.1, 1e-2, measure_entropy_change=False),
                     device, repeats=repeats, inner=inner)
        full = timed(lambda: instrumented_step(model, opt, sur, x, y, noise, 0.1, 1e-2), device, repeats=repeats, inner=inner)
        rows.append((f"step, {surrogate}: instrumented vs plain", inst, plain, "cost", "<= 2.5", float("nan")))
        rows.append((f"step, {surrogate}: instrumented + measured dH vs plain", full, plain, "cost", "(info)", float("nan")))
    return rows


def bench_logdet(device, repeats, inner, batches=(64, 128, 256), d=512):
    rows = []
    eps = 1e-2
    for b in batches:
        g = torch.Generator().manual_seed(b)
        z = torch.randn(b, d, generator=g).to(device)

        def plain_value():
            zc = z - z.mean(0)
            return torch.logdet(zc.T @ zc / b + eps * torch.eye(d, device=device))

        def plain_grad():
            zz = z.detach().requires_grad_(True)
            zc = zz - zz.mean(0)
            torch.autograd.grad(0.5 * torch.logdet(zc.T @ zc / b + eps * torch.eye(d, device=device)), zz)

        def gram_grad():
            zz = z.detach().requires_grad_(True)
            torch.autograd.grad(logdet_entropy(zz, eps), zz)

        t_plain = timed(plain_value, device, repeats=repeats, inner=inner)
        t_gram = timed(lambda: logdet_entropy(z, eps), device, repeats=repeats, inner=inner)
        t_cov = timed(lambda: logdet_entropy(z, eps, form="cov"), device, repeats=repeats, inner=inner)
        t_plain_g = timed(plain_grad, device, repeats=repeats, inner=inner)
        t_gram_g = timed(gram_grad, device, repeats=repeats, inner=inner)
        err = abs(0.5 * plain_value().double().item() - logdet_entropy(z.double(), eps).item())
        rows.append((f"logdet d={d} B={b}: Gram vs torch.logdet, value", t_gram, t_plain, "speed-up", ">= 3", err))
        rows.append((f"logdet d={d} B={b}: Gram vs torch.logdet, value+grad", t_gram_g, t_plain_g, "speed-up", ">= 3", err))
        rows.append((f"logdet d={d} B={b}: d×d Cholesky form vs torch.logdet", t_cov, t_plain, "speed-up", "(info)",
                     float("nan")))
    return rows


def bench_large_d(device, repeats, d=2048, b=3072, signal=128):
    """Planted rank-``signal`` spectrum (scales 1 … 1e-2) plus isotropic noise; relative error vs exact float64."""
    g = torch.Generator().manual_seed(1)
    basis = torch.randn(signal, d, generator=g) * torch.logspace(0, -2, signal).unsqueeze(1)
    z = (torch.randn(b, signal, generator=g) @ basis + 0.05 * torch.randn(b, d, generator=g)).to(device)
    eps = 1e-2
    exact = logdet_entropy(z.double(), eps).item()
    t_exact = timed(lambda: logdet_entropy(z, eps), device, repeats=repeats, inner=1)
    rows = []
    for steps in (32, 128):
        est = logdet_entropy_slq(z, eps, probes=16, steps=steps, rng=np.random.default_rng(0))
        t = timed(lambda: logdet_entropy_slq(z, eps, probes=16, steps=steps, rng=np.random.default_rng(0)), device,
                  repeats=repeats, inner=1)
        rows.append((f"d={d} B={b}: SLQ 16 probes, {steps} steps vs exact", t, t_exact, "speed-up", "(info)",
                     abs(est.value.item() - exact) / abs(exact)))
    for rank in (64, 128):
        low = logdet_entropy_lowrank(z, eps, rank=rank, rng=np.random.default_rng(0)).item()
        t = timed(lambda: logdet_entropy_lowrank(z, eps, rank=rank, rng=np.random.default_rng(0)), device,
                  repeats=repeats, inner=1)
        rows.append((f"d={d} B={b}: low-rank k={rank} vs exact", t, t_exact, "speed-up", "(info)", abs(low - exact) / abs(exact)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="fewer repeats (a smoke run)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    repeats, inner = (3, 20) if args.quick else (7, 50)
    rows = bench_instrumentation(device, repeats, inner)
    rows += bench_logdet(device, repeats, max(inner // 5, 2))
    rows += bench_large_d(device, max(repeats // 2, 1))
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else f"cpu, {args.threads} thread(s)"
    print(f"device: {name}; torch {torch.__version__}")
    print(f"{'case':58s} {'ours [ms]':>10s} {'baseline [ms]':>14s} {'ratio':>8s} {'kind':>9s} {'target':>7s} {'error':>9s}")
    for case, ours, base, kind, target, err in rows:
        ratio = ours / base if kind == "cost" else base / ours
        print(f"{case:58s} {ours * 1e3:10.3f} {base * 1e3:14.3f} {ratio:8.2f} {kind:>9s} {target:>7s} {err:9.2g}")
    print("ratio: cost = ours/baseline (lower is better); speed-up = baseline/ours (higher is better).")
    print("error: |value - float64 exact| in nats for the d=512 rows, relative error for the large-d rows.")

if __name__ == "__main__":
    main()
