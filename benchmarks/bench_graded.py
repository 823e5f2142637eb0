"""Throughput of the graded continuous-time step against the bare matrix products it needs.

One graded Euler step with all terms kept is two products, ``(trial, neuron) x (neuron, pattern)``
and ``(trial, pattern) x (pattern, neuron)``, plus element-wise work.  The ceiling is therefore the
time of those two bare products on the same shapes; the table prints

    ratio = time(two bare products) / time(one graded step)      (target >= 0.5)

for the integrator's real loop (``integrate`` with one record at each end, divided by the number of
steps), measured side by side in one run: each repeat times the graded loop and the bare loop back to
back, and the table gives the median times and the median of the paired ratios (robust to other load
on a shared machine).  RK4 is reported per stage (one step is four field evaluations).

    PYTHONPATH=. python benchmarks/bench_graded.py                   # small CPU default
    PYTHONPATH=. python benchmarks/bench_graded.py --device cuda --shapes 1024x2000x4000 4096x8000x8000
"""

from __future__ import annotations

import torch
from _timing import device_and_dtype, paired_medians, print_table, shape_parser

from hopfield_hclm.memory.graded import integrate


def bench_shape(trials: int, patterns: int, neurons: int, *, device: torch.device, dtype: torch.dtype,
                steps: int, repeats: int) -> list[tuple[str, float, float, float]]:
    """Rows (variant, seconds per graded step, seconds per bare pair of products, median paired ratio)."""
    gen = torch.Generator().manual_seed(0)
    xi = (torch.randint(0, 2, (1, patterns, neurons), generator=gen) * 2 - 1).to(device, dtype)
    x0 = torch.randn(trials, neurons, generator=gen).to(device, dtype)
    xi_t = xi[0].t().contiguous()
    per_trial = xi.expand(trials, -1, -1).contiguous()
    per_trial_t = per_trial.transpose(1, 2).contiguous()
    load = patterns / neurons

    def bare_mm():
        for _ in range(steps):
            m = torch.matmul(x0, xi_t)
            torch.matmul(m, xi[0])

    def bare_bmm():
        for _ in range(steps):
            m = torch.bmm(x0.unsqueeze(1), per_trial_t)
            torch.bmm(m, per_trial)

    def run(patterns_arg, *, order=1, load=load, **kw):
        return lambda: integrate(patterns_arg, x0, order=order, gain=2.0, load=load, dt=0.05, steps=steps,
                                 record_every=steps, **kw)

    variants = {
        "euler n=1": (run(xi), bare_mm),
        "euler n=1 no self-coupling": (run(xi, self_coupling=False), bare_mm),
        "euler n=2": (run(xi, order=2, load=patterns / neurons**2), bare_mm),
        "euler n=1 per-trial patterns": (run(per_trial), bare_bmm),
        "euler n=1 batch_invariant": (run(xi, batch_invariant=True), bare_mm),
        "rk4 n=1 (per stage)": (run(xi, method="rk4"), bare_mm),
    }
    return paired_medians(variants, device, steps=steps, repeats=repeats,
                          stages={name: 4 for name in variants if name.startswith("rk4")})


def main() -> None:
    parser = shape_parser(__doc__, shapes=["64x100x1000", "256x200x500"], steps=30)
    args = parser.parse_args()
    device, dtype = device_and_dtype(args)
    print(f"graded step vs bare matmul/bmm; device {device}, dtype {args.dtype}, torch {torch.__version__}, "
          f"threads {torch.get_num_threads()}, {args.steps} steps x {args.repeats} repeats (medians)")
    print_table(args.shapes, lambda trials, patterns, neurons: bench_shape(
        trials, patterns, neurons, device=device, dtype=dtype, steps=args.steps, repeats=args.repeats),
        variant_width=30, reference="bare")


if __name__ == "__main__":
    main()
