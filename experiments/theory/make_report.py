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


def fss_section(data: pathlib.Path | None = None) -> list[str]:
    """Section 4 from the blackout experiment's data (``data/blackout.nc``, `hopfield-hclm report blackout`):
    alpha_c(N) by that report's criterion and its extrapolation with the exponent choice as a systematic."""
    from hopfield_hclm.memory.theory.finite_size import extrapolate_blackout_systematic
    from hopfield_hclm.reports.memory_reports import THRESHOLD, blackout_edges

    path = pathlib.Path(data) if data is not None else HERE.parent.parent / "data" / "blackout.nc"
    ds = xr.load_dataset(path, engine="h5netcdf")
    edges = blackout_edges(ds)
    n, a, se = (edges[k].values for k in ("neurons", "blackout_load", "blackout_load_stderr"))
    fss = extrapolate_blackout_systematic(n, a, se, exponent_range=(0.25, 1.0), points=76)
    alpha_c = theory.ags_capacity()[0]
    plots.finite_size_figure(edges, systematic=fss, reference=alpha_c).savefig(HERE / "fss.png", dpi=110)
    rows = [f"| {int(k)} | {v:.4f} ± {e:.4f} |" for k, v, e in zip(n, a, se)]
    fits = []
    for x in (0.25, 1 / 3, 0.5, 2 / 3, 1.0):
        i = int(np.argmin(np.abs(np.asarray(fss.exponents) - x)))
        fits.append(f"| {x:.3g} | {fss.alpha_inf_by_exponent[i]:.4f} ± {fss.stderr_by_exponent[i]:.4f} | "
                    f"{fss.chi2_by_exponent[i]:.2f} |")
    free = fss.free
    lo, hi = free.exponent_interval
    horizon = float(ds["time"].values[-1])
    config = ds.attrs.get("config_hash", "")
    return ["## 4. Finite-size scaling of the blackout (binary, asynchronous, started on the pattern)", "",
            f"From `data/blackout.nc` (`experiments/blackout`, config hash `{config}`): {ds.sizes['trial']} trials "
            f"per point, {horizon:g} sweeps. A trial retrieves when its overlap averaged over the last 10% of the "
            f"horizon is >= {THRESHOLD}; alpha_c(N) is the load where the retrieving fraction first falls below 1/2 "
            "(linear interpolation; ± max(bootstrap s.e., grid step/sqrt(12))).", "",
            "| N | alpha_c(N) |", "|---|---|", *rows, "",
            "Fits alpha_c(N) = alpha_inf + c N^(-x) at fixed exponents x (weighted least squares):", "",
            "| x | alpha_inf | chi2 |", "|---|---|---|", *fits, "",
            (f"Exponent free: x = {free.exponent:.2f}, Δχ² ≤ 1 for x in [{lo:.2f}, {hi:.2f}]; alpha_inf = "
             f"{free.alpha_inf:.4f} ± {free.alpha_inf_stderr:.4f} (linearised), χ² = {free.chi2:.2f} for {free.dof} dof."
             if free.constrained else
             f"Exponent free: not constrained by the data (Δχ² ≤ 1 over x in [{lo:.2f}, {hi:.2f}], NaN: the end of the "
             f"searched range {free.search}; best fit at x = {free.exponent:.2f}, χ² = {free.chi2:.2f} for {free.dof} dof), "
             "so the spread over plausible exponents below is the error bar."), "",
            f"**alpha_inf = {fss.alpha_inf:.4f} ± {fss.total_stderr:.4f}** (statistical {fss.stat_stderr:.4f} ⊕ "
            f"spread over x in [1/4, 1] {fss.model_spread:.4f}; range {fss.low:.4f}–{fss.high:.4f}); "
            f"replica-symmetric alpha_c = {alpha_c:.4f} lies {fss.zscore(alpha_c):+.1f} total s.e. away, 0.145 lies "
            f"{fss.zscore(0.145):+.1f}: the data {'can' if abs(0.145 - alpha_c) >= 2 * fss.total_stderr else 'cannot'} "
            f"tell the two apart (they differ by {abs(0.145 - alpha_c) / fss.total_stderr:.1f} total s.e.; 2 needed).", "",
            "Corrected: this section reads the blackout experiment's data and carries the exponent choice as a "
            "systematic (was: its own synchronous runs from a cue m0 = 0.9, N = 250-2000, 20 steps, threshold 0.8, "
            "and a fit with the exponent fixed at 1/2, alpha_inf = 0.1405 ± 0.0043, an error that left out the "
            "exponent: refits of those four points give 0.110 at x = 1/4 and 0.155 at x = 1).", "",
            "![FSS](fss.png)", ""]


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
    lines += fss_section()
    lines += ["## 5. Where theory and simulation differ, and why", "",
              "- m(0) of a finite-N cue fluctuates by O(1/sqrt(N)); the DMFT uses stratified initial conditions,"
              " so early-time differences are dominated by the simulation's trial spread.",
              "- The exact synchronous theory stops at two steps; Amari-Maginu misses the non-Gaussian retarded"
              " self-interaction and overestimates the crosstalk at step 2 (table 2).",
              "- The finite-size blackout load of the *dynamics* started on the pattern sits above the"
              " replica-symmetric equilibrium capacity at these N and drifts down slowly; the correction exponent"
              " is not known, and the extrapolation's uncertainty includes its spread over x in [1/4, 1] (section 4).",
              "- The graded static branch is solved only where the local equation x = h + Gamma tanh x has a"
              " unique root (Gamma < 1).", ""]
    (HERE / "REPORT.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
