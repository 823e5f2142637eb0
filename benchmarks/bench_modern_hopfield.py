"""Throughput of the batched modern Hopfield step against a bare matmul-softmax-matmul of the same shapes.

One synchronous step x <- X^T softmax(beta X x) for a batch of trials with per-trial patterns is

    s = bmm(x (trial, 1, N), X^T (trial, N, P)),   p = softmax(beta s),   x = bmm(p (trial, 1, P), X (trial, P, N)),

so the ceiling is the time of exactly those three bare operations.  The table prints

    ratio = time(reference) / time(one step of memory.modern.run)    (reference: the bare ops; target >= 0.6)

for the runner's real loop (``run`` with one record at each end, divided by the number of steps), measured
side by side in one run: each repeat times the runner and the bare loop back to back; medians of the times
and of the paired ratios are printed (robust to other load on a shared machine).  Rows:

- ``sync, per-trial patterns``     the simulate path (row-vector bmm, batch-invariant);
- ``sync, shared patterns``        user patterns: still the batch-invariant bmm over an expanded view;
  its ``bare`` column is the *non*-invariant shared GEMM x @ X^T, so the ratio is the price of bit-for-bit
  batch invariance;
- ``continuous euler``             one Euler step (one update + an axpy);
- ``run with records every step``  the same loop recording all ten series at every step (the diagnostics' cost).

Peers, run in the same process when importable:

- hopfield-layers (``hflayers.Hopfield``, Ramsauer et al.'s reference module; not on PyPI): imported when its
  source is on ``sys.path`` (``PYTHONPATH=/path/to/hopfield-layers``); it is configured with static patterns,
  no projections, biases or normalisations, ``scaling = beta`` and one update step, so it does the same work on
  ``(trial, P, N)`` stored patterns and ``(trial, 1, N)`` states (the script prints the largest difference of
  one step against ours); its row's ratio is time(hopfield-layers) / time(ours), its "ref." column hopfield-layers'
  time.  The line says so when the module is absent.
- amtutorial (JAX) is not benchmarked: it would need a JAX install and measures a different (energy-gradient)
  formulation; the script prints one line saying so.

    PYTHONPATH=. python benchmarks/bench_modern_hopfield.py --threads 1
    PYTHONPATH=. python benchmarks/bench_modern_hopfield.py --device cuda --shapes 1024x65536x64
"""

from __future__ import annotations

import torch
from _timing import device_and_dtype, paired_medians, print_table, shape_parser

from hopfield_hclm.memory.modern import run


def _hflayers(neurons: int, beta: float):
    """hopfield-layers' Hopfield module set up for the bare update, or None when it is not importable."""
    try:
        from hflayers import Hopfield  # type: ignore[import-not-found]
    except ImportError:
        return None
    return Hopfield(input_size=neurons, hidden_size=neurons, output_size=neurons, pattern_size=neurons,
                    scaling=beta, update_steps_max=0, normalize_stored_pattern=False,
                    normalize_stored_pattern_affine=False, normalize_state_pattern=False,
                    normalize_state_pattern_affine=False, normalize_pattern_projection=False,
                    normalize_pattern_projection_affine=False, disable_out_projection=True,
                    stored_pattern_as_static=True, state_pattern_as_static=True, pattern_projection_as_static=True,
                    batch_first=True, input_bias=False)


def bench_shape(trials: int, patterns: int, neurons: int, *, device: torch.device, dtype: torch.dtype,
                steps: int, repeats: int, beta: float) -> list[tuple[str, float, float, float]]:
    """Rows (variant, seconds per runner step, seconds per bare step, median paired ratio)."""
    gen = torch.Generator().manual_seed(0)
    xi = torch.randn(trials, patterns, neurons, generator=gen).to(device, dtype)
    shared = xi[:1].contiguous()
    x0 = torch.randn(trials, neurons, generator=gen).to(device, dtype)
    xi_t = xi.transpose(1, 2)
    shared_t = shared[0].t()

    def bare_bmm():
        x = x0
        for _ in range(steps):
            s = torch.bmm(x.unsqueeze(1), xi_t)
            x = torch.bmm(torch.softmax(beta * s, dim=-1), xi).squeeze(1)

    def bare_shared():
        x = x0
        for _ in range(steps):
            x = torch.softmax(beta * (x @ shared_t), dim=-1) @ shared[0]

    def runner(patterns_arg, *, every=steps, update="sync", dt=1.0):
        return lambda: run(patterns_arg, x0, beta=beta, update=update, steps=steps, dt=dt, record_every=every)

    variants = {
        "sync, per-trial patterns": (runner(xi), bare_bmm),
        "sync, shared patterns": (runner(shared), bare_shared),
        "continuous euler": (runner(xi, update="continuous", dt=0.5), bare_bmm),
        "run with records every step": (runner(xi, every=1), bare_bmm),
    }
    hop = _hflayers(neurons, beta)
    if hop is not None:
        hop = hop.to(device=device, dtype=dtype)
        with torch.no_grad():  # the same work: one of its steps equals one of ours to float rounding
            diff = (hop((xi, x0.unsqueeze(1), xi)).squeeze(1)
                    - run(xi, x0, beta=beta, steps=1, record_every=1).final_state).abs().max().item()
        print(f"  {trials}x{patterns}x{neurons}: hopfield-layers one step vs ours, max |difference| = {diff:.1e}")

        def hopfield_layers():
            x = x0.unsqueeze(1)
            with torch.no_grad():
                for _ in range(steps):
                    x = hop((xi, x, xi))
        # here the ratio is time(hopfield-layers) / time(ours): above 1 means this runner is faster
        variants["ours vs hopfield-layers (its / ours)"] = (runner(xi), hopfield_layers)
    return paired_medians(variants, device, steps=steps, repeats=repeats)


def main() -> None:
    parser = shape_parser(__doc__, shapes=["64x4096x64", "16x65536x16", "256x1024x256"], steps=20)
    parser.add_argument("--beta", type=float, default=1.0)
    args = parser.parse_args()
    device, dtype = device_and_dtype(args)
    print(f"modern Hopfield step vs bare matmul-softmax-matmul; device {device}, dtype {args.dtype}, torch "
          f"{torch.__version__}, threads {torch.get_num_threads()}, {args.steps} steps x {args.repeats} repeats "
          f"(medians), beta {args.beta:g}")
    if _hflayers(2, 1.0) is None:
        print("hopfield-layers: `hflayers` is not importable (not on PyPI; put its source on PYTHONPATH) -- skipped")
    print("amtutorial (JAX): not benchmarked (needs JAX; energy-gradient formulation, not the same work) -- skipped")
    print_table(args.shapes, lambda trials, patterns, neurons: bench_shape(
        trials, patterns, neurons, device=device, dtype=dtype, steps=args.steps, repeats=args.repeats, beta=args.beta),
        variant_width=36, reference="ref.")


if __name__ == "__main__":
    main()
