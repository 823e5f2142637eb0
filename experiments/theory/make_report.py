"""Regenerate experiments/theory/REPORT.md: theory against simulation, using hh.memory.simulate directly.

Usage (from the repository root): PYTHONPATH=. python experiments/theory/make_report.py [--quick]
Writes REPORT.md and PNG figures next to this script. Every number in the report is computed here.
"""

from __future__ import annotations

import argparse
import datetime as dt
import pathlib

import numpy as np
import xarray as xr

import hopfield_hclm as hh
from hopfield_hclm.memory import theory
from hopfield_hclm.memory.theory.compare import sync_dataset
from hopfield_hclm.plots import theory as plots

HERE = pathlib.Path(__file__).resolve().parent


def static_section() -> list[str]:
    alpha_c, m_c = theory.ags_capacity()
    rows = [f"| {a:g} | {theory.ags_overlap(a):.6f} |" for a in (0.01, 0.05, 0.1, 0.13)]
    return ["## 1. Static theory", "",
            f"Replica-symmetric T = 0 capacity of the binary Hopfield model: alpha_c = {alpha_c:.6f}, "
            f"m(alpha_c) = {m_c:.6f} (published: 0.138, 0.967).", "",
            "| alpha | m(alpha) |", "|---|---|", *rows, "",
            f"Graded n = 1 static branch end point: alpha_c(g=1.5) = {theory.graded_capacity(1.5):.4f}, "
            f"alpha_c(g=2) = {theory.graded_capacity(2.0):.4f}.", ""]


def sync_section(neurons: int, trials: int) -> list[str]:
    lines = ["## 2. Synchronous binary dynamics: exact two steps vs Amari-Maginu vs simulation", "",
             f"`simulate(units='binary', update='sync')`, N = {neurons}, {trials} trials; z = (theory - mean)/s.e.", "",
             "| alpha | m0 | sim m1 | exact m1 | sim m2 | exact m2 (z) | Amari-Maginu m2 (z) |", "|---|---|---|---|---|---|---|"]
    for alpha, m0 in ((0.1, 0.3), (0.2, 0.5), (0.3, 0.5), (0.5, 0.7)):
        sim = hh.memory.simulate(model="hopfield", units="binary", update="sync", neurons=neurons, load=alpha, steps=2,
                                 cue_overlap=m0, trials=trials, seed=0)
        runs = sim["overlap"].values
        mean, se = runs.mean(0), runs.std(0, ddof=1) / np.sqrt(trials)
        ex, am = theory.sync_overlaps(alpha, m0, 2), theory.sync_overlaps(alpha, m0, 2, method="amari-maginu")
        lines.append(f"| {alpha} | {m0} | {mean[1]:.4f} ± {se[1]:.4f} | {ex[1]:.4f} | {mean[2]:.4f} ± {se[2]:.4f} | "
                     f"{ex[2]:.4f} ({(ex[2] - mean[2]) / se[2]:+.1f}) | {am[2]:.4f} ({(am[2] - mean[2]) / se[2]:+.1f}) |")
        if (alpha, m0) == (0.3, 0.5):
            fig = plots.sync_steps_figure(sim, sync_dataset(alpha, m0), sync_dataset(alpha, m0, method="amari-maginu"))
            fig.savefig(HERE / "sync_steps.png", dpi=120)
    return [*lines, "", "![sync steps](sync_steps.png)", ""]


def dmft_section(samples: int, trials: int) -> list[str]:
    lines = ["## 3. DMFT vs graded simulation (g = 2, a = 1, dt = 0.1, 30 steps)", "",
             f"DMFT with {samples} sampled paths; `simulate(units='graded')` with {trials} trials. "
             "max |z| over the 31 time points of (DMFT - mean) / combined s.e.", "",
             "| order | load | N | DMFT m(3) | sim m(3) | max abs diff | max abs z |", "|---|---|---|---|---|---|---|"]
    for order, load, neurons in ((1, 0.08, 2000), (1, 0.3, 2000), (2, 0.05, 400), (2, 0.15, 300)):
        ds = theory.dmft(order=order, load=load, gain=2.0, cue_strength=1.0, steps=30, dt=0.1, samples=samples)
        sim = hh.memory.simulate(model="hopfield" if order == 1 else "dense", units="graded", update="continuous",
                                 neurons=neurons, load=load, order=order, gain=2.0, cue_strength=1.0, steps=30,
                                 dt=0.1, trials=trials, seed=0)
        cmp = theory.compare(sim, ds)
        lines.append(f"| {order} | {load} | {neurons} | {ds['overlap'].values[-1]:.4f} | "
                     f"{cmp['simulation_mean'].values[-1]:.4f} | {np.abs(cmp['difference']).max().item():.4f} | "
                     f"{np.nanmax(np.abs(cmp['zscore'].values)):.2f} |")
        if (order, load) == (1, 0.3):
            plots.overlay_overlap(sim, ds).savefig(HERE / "dmft_n1_alpha0.3.png", dpi=120)
    return [*lines, "", "![DMFT overlay](dmft_n1_alpha0.3.png)", ""]


def fss_section(sizes, trials: int) -> list[str]:
    loads = np.round(np.arange(0.06, 0.26, 0.01), 4)
    blocks = []
    for n in sizes:
        per_load = [hh.memory.simulate(model="hopfield", units="binary", update="sync", neurons=n, load=float(a),
                                       steps=20, cue_overlap=0.9, trials=trials, seed=1)["overlap"] for a in loads]
        blocks.append(xr.concat([p.drop_vars([c for c in p.coords if c not in ("trial", "time")]) for p in per_load],
                                dim="load").assign_coords(load=loads))
    ds = xr.concat(blocks, dim="neurons").assign_coords(neurons=list(sizes)).to_dataset(name="overlap")
    out = theory.blackout_load(ds, threshold=0.8, window=2)
    se = np.maximum(out["blackout_load_stderr"].values, 1e-3)
    fit = theory.extrapolate_blackout(out["neurons"].values, out["blackout_load"].values, se)
    alpha_c = theory.ags_capacity()[0]
    plots.finite_size_figure(out, fit, reference=alpha_c).savefig(HERE / "fss.png", dpi=120)
    rows = [f"| {n} | {a:.4f} ± {s:.4f} |" for n, a, s in zip(out["neurons"].values, out["blackout_load"].values,
                                                              out["blackout_load_stderr"].values)]
    return ["## 4. Finite-size scaling of the blackout (binary, synchronous, cue m0 = 0.9, 20 steps)", "",
            f"Retrieved: final overlap >= 0.8; alpha_c(N): retrieval fraction crosses 1/2; {trials} trials per point.", "",
            "| N | alpha_c(N) |", "|---|---|", *rows, "",
            f"Fit alpha_c(N) = alpha_inf + c N^(-1/2): alpha_inf = {fit.alpha_inf:.4f} ± {fit.alpha_inf_stderr:.4f} "
            f"(chi2 = {fit.chi2:.2f}); replica-symmetric alpha_c = {alpha_c:.4f}.", "", "![FSS](fss.png)", ""]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes (minutes on a laptop)")
    args = parser.parse_args()
    q = args.quick
    lines = ["# Theory against simulation", "",
             f"Generated by `experiments/theory/make_report.py{' --quick' if q else ''}` on "
             f"{dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M UTC}. Derivations: `docs/theory.md`.", ""]
    lines += static_section()
    lines += sync_section(2000 if q else 4000, 12 if q else 20)
    lines += dmft_section(2000 if q else 8000, 8 if q else 16)
    lines += fss_section((200, 400, 800) if q else (250, 500, 1000, 2000), 24 if q else 40)
    lines += ["## 5. Where theory and simulation differ, and why", "",
              "- m(0) of a finite-N cue fluctuates by O(1/sqrt(N)); the DMFT uses stratified initial conditions,"
              " so early-time differences are dominated by the simulation's trial spread.",
              "- The exact synchronous theory stops at two steps; Amari-Maginu misses the non-Gaussian retarded"
              " self-interaction and overestimates the crosstalk at step 2 (table 2).",
              "- The finite-size blackout load of the *dynamics* from a good cue sits above the replica-symmetric"
              " equilibrium capacity at these N and drifts down slowly; the N^(-1/2) extrapolation with a fixed"
              " exponent is a model choice, and its uncertainty does not include that choice.",
              "- The graded static branch is solved only where the local equation x = h + Gamma tanh x has a"
              " unique root (Gamma < 1).", ""]
    (HERE / "REPORT.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
