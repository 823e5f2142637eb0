"""The theory report, ``experiments/theory/REPORT.md``: theory against simulation (``memory.simulate``).

``hopfield-hclm report theory [--quick] [--rerun]`` (:func:`build`) writes REPORT.md and its PNG
figures to ``experiments/theory/``. Every number in the report is computed here from the theory
module (:mod:`hopfield_hclm.memory.theory`) and from simulations: the graded runs started on the
pattern and the long DMFT comparison are cached in ``data/theory_graded_capacity.nc`` and
``data/theory_dmft.nc`` (``--rerun`` recomputes them, tens of CPU-minutes), the two-step synchronous
runs are redone each time (seconds), and section 4 reads ``data/blackout.nc``.
"""

from __future__ import annotations

import pathlib

import numpy as np
import xarray as xr

from .. import memory as _memory
from ..core.windows import at_last, last_label
from ..memory import theory
from ..memory.theory.compare import sync_dataset
from ..plots import theory as plots

__all__ = ["build", "dmft_long_data", "graded_capacity_data"]


def _folder(root) -> pathlib.Path:
    return pathlib.Path(root) / "experiments" / "theory"


def _data(root, name: str) -> pathlib.Path:
    return pathlib.Path(root) / "data" / name


GRADED_GAINS = (1.25, 1.5, 2.0, 3.0)
GRADED_LOADS = tuple(np.round(np.arange(0.10, 0.1651, 0.01), 3))
GRADED_SIZES = (2000, 4000)
GRADED_TRIALS, GRADED_STEPS, GRADED_DT, GRADED_RECORD = 8, 500, 0.2, 50
GRADED_DT_CHECK = (1.5, True, 2000)     # (gain, self_coupling, N) rerun with dt / 2
GRADED_THRESHOLD = 0.8
GRADED_DATA = "theory_graded_capacity.nc"   # in data/


def _graded_run(gain: float, self_coupling: bool, neurons: int, load: float, steps: int, dt: float) -> np.ndarray:
    run = _memory.simulate(model="hopfield", units="graded", update="continuous", neurons=neurons, load=load,
                             gain=gain, cue_strength=gain, self_coupling=self_coupling, steps=steps, dt=dt,
                             record_every=GRADED_RECORD * steps // GRADED_STEPS, trials=GRADED_TRIALS, seed=0)
    if int(run["patterns"]) != round(load * neurons) or abs(int(run["patterns"]) / neurons - load) > 1e-12:
        raise RuntimeError(f"realised load P/N = {int(run['patterns']) / neurons} != nominal {load} at N = {neurons}")
    return run["overlap"].values.astype(np.float32)


def graded_capacity_data(*, root=".", path=None, rerun: bool = False) -> xr.Dataset:
    """Graded n = 1 runs started on the pattern (a = g: x(0) = g xi^1, m(0) = tanh g), cached in ``path``.

    ``overlap(self_coupling, gain, neurons, load, trial, time)`` at t = 0, 10, ..., 100 (Euler, dt = 0.2) and
    ``overlap_half_dt(load, trial, time)``: the same runs at dt = 0.1 for ``GRADED_DT_CHECK``.  float32;
    P = alpha N is an integer at every point, so the realised load equals the nominal one.  Read from ``path``
    when it exists (``rerun`` recomputes; about 20 CPU-minutes on one thread); ``path`` defaults to
    ``<root>/data/theory_graded_capacity.nc``.
    """
    path = _data(root, GRADED_DATA) if path is None else path
    if not rerun and pathlib.Path(path).exists():
        return xr.load_dataset(path)
    couplings = (True, False)
    records = GRADED_STEPS // GRADED_RECORD + 1
    shape = (len(couplings), len(GRADED_GAINS), len(GRADED_SIZES), len(GRADED_LOADS), GRADED_TRIALS, records)
    overlap = np.full(shape, np.nan, np.float32)
    for c, sc in enumerate(couplings):
        for i, g in enumerate(GRADED_GAINS):
            for j, n in enumerate(GRADED_SIZES):
                for k, a in enumerate(GRADED_LOADS):
                    overlap[c, i, j, k] = _graded_run(g, sc, n, float(a), GRADED_STEPS, GRADED_DT)
    g, sc, n = GRADED_DT_CHECK
    half = np.stack([_graded_run(g, sc, n, float(a), 2 * GRADED_STEPS, GRADED_DT / 2) for a in GRADED_LOADS])
    time = np.arange(records) * GRADED_RECORD * GRADED_DT
    out = xr.Dataset(
        {"overlap": (("self_coupling", "gain", "neurons", "load", "trial", "time"), overlap),
         "overlap_half_dt": (("load", "trial", "time"), half)},
        coords={"self_coupling": [int(s) for s in couplings], "gain": list(GRADED_GAINS),
                "neurons": list(GRADED_SIZES), "load": list(GRADED_LOADS), "trial": np.arange(GRADED_TRIALS),
                "time": time})
    out["overlap"].attrs.update(long_name="target overlap m(t), graded n = 1, started on the pattern (a = g)",
                                units="1")
    out["overlap_half_dt"].attrs.update(
        long_name=f"same runs at dt = {GRADED_DT / 2:g} for gain {g:g}, self_coupling {sc}, N = {n}", units="1")
    out["self_coupling"].attrs.update(long_name="1: Hebbian diagonal kept (simulator default); 0: removed")
    out.attrs.update(title="Graded n = 1 capacity: simulations started on the pattern", dt=GRADED_DT,
                     steps=GRADED_STEPS, cue="cue_strength = gain", seed=0, realised_load="P / N = nominal load",
                     history="hopfield_hclm.reports.theory.graded_capacity_data")
    out.to_netcdf(path, encoding={v: {"zlib": True, "complevel": 4} for v in out.data_vars})
    return out


def _simulated_edges(final: np.ndarray, loads) -> tuple[float, float]:
    """(last load with >= half the trials retrieved before the first that has fewer, that first load).

    ``final``: ``(load, trial)`` overlaps at T; NaN where the bracket is open on that side.
    """
    frac = (final >= GRADED_THRESHOLD).mean(axis=1)
    below = np.nonzero(frac < 0.5)[0]
    if below.size == 0:
        return float(loads[-1]), float("nan")
    k = below[0]
    return (float(loads[k - 1]) if k > 0 else float("nan")), float(loads[k])


def _half_crossing(final: np.ndarray, loads) -> float:
    """Load where the retrieved fraction first falls through 1/2, linear in load between grid points; NaN if never."""
    frac = (final >= GRADED_THRESHOLD).mean(axis=1)
    for k in range(1, len(loads)):
        if frac[k - 1] >= 0.5 > frac[k]:
            return float(loads[k - 1] + (frac[k - 1] - 0.5) / (frac[k - 1] - frac[k]) * (loads[k] - loads[k - 1]))
    return float("nan")


def _graded_capacity_figure(curves, brackets, path) -> None:
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    for ax, sc in zip(axes, (1, 0)):
        gains, alpha, reason = curves[sc]
        alpha, reason = np.asarray(alpha), np.asarray(reason)
        ax.plot(gains, alpha, "k-", lw=1)
        for label, marker in (("saddle-node", "o"), ("gamma-one", "x")):
            sel = reason == label
            if sel.any():
                ax.plot(np.asarray(gains)[sel], alpha[sel], "k" + marker, ms=4, mfc="none",
                        label=f"static theory, end: {label}")
        sizes = sorted({n for (_, _, n) in brackets})
        gains_sim = sorted({g for (_, g, _) in brackets})
        for j, n in enumerate(sizes):
            marker, dx = "os^v"[j % 4], 0.06 * (j - (len(sizes) - 1) / 2)
            for i, g in enumerate(gains_sim):
                lo, hi = brackets[(sc, g, n)]
                label = f"simulated edge, N = {n} (bracket)" if i == 0 else None
                if np.isfinite(lo) and np.isfinite(hi):
                    ax.vlines(g + dx, lo, hi, color=f"C{j}", lw=3, alpha=0.7)
                    ax.plot([g + dx] * 2, [lo, hi], marker, color=f"C{j}", ms=4, label=label)
                elif np.isfinite(lo):      # still retrieved at the largest load: an open bracket upwards
                    ax.plot(g + dx, lo, "^", color=f"C{j}", ms=6, label=label)
                else:
                    ax.plot(g + dx, hi, "v", color=f"C{j}", ms=6, label=label)
        ax.set_xlabel("gain g")
        ax.set_title("self-coupling kept (default)" if sc else "self-coupling removed")
        ags = theory.ags_capacity()[0]
        ax.axhline(ags, color="0.6", lw=0.8, ls="--", label=f"binary AGS {ags:.3f}")
        ax.legend(fontsize=7, loc="lower right")
    axes[0].set_ylabel("alpha_c")
    fig.suptitle("Graded n = 1: end of the static retrieval branch vs simulations started on the pattern (T = 100)",
                 fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def static_section(root=".", *, rerun: bool = False) -> list[str]:
    alpha_c, m_c = theory.ags_capacity()
    rows = [f"| {a:g} | {theory.ags_overlap(a):.6f} |" for a in (0.01, 0.05, 0.1, 0.13)]
    data = graded_capacity_data(root=root, rerun=rerun)
    loads = data["load"].values
    final = at_last(data["overlap"], "time").values           # (self_coupling, gain, neurons, load, trial)
    table, brackets, offsets = [], {}, []
    for c, sc in enumerate(data["self_coupling"].values):
        for i, g in enumerate(data["gain"].values):
            cap = theory.graded_capacity(float(g), self_coupling=bool(sc))
            cells = []
            for j, n in enumerate(data["neurons"].values):
                lo, hi = _simulated_edges(final[c, i, j], loads)
                brackets[(int(sc), float(g), int(n))] = (lo, hi)
                cross = _half_crossing(final[c, i, j], loads)
                cells.append(f"({lo:g}, {hi:g}) ~ {cross:.3f}" if np.isfinite(lo) and np.isfinite(hi)
                             else (f"> {lo:g}" if np.isfinite(lo) else f"< {hi:g}"))
                offsets.append((cap.reason, cross - cap.alpha_c))
            table.append(f"| {'kept' if sc else 'removed'} | {g:g} | {cap.alpha_c:.4f} | {cap.overlap_at_end:.4f} | "
                         f"{cap.reason} | {cap.reaction_at_end:.3f} | {cap.quadrature_error:.1e} | " + " | ".join(cells) + " |")
    curves = {}
    grid = np.round(np.arange(1.0, 4.01, 0.25), 3)
    for sc in (1, 0):
        caps = [theory.graded_capacity(float(g), self_coupling=bool(sc)) for g in grid]
        curves[sc] = (grid, [c.alpha_c for c in caps], [c.reason for c in caps])
    _graded_capacity_figure(curves, brackets, _folder(root) / "graded_capacity.png")
    # dt check: the fraction retrieved at each load with dt and dt / 2 (same seeds).
    g, sc, n = GRADED_DT_CHECK
    ref = final[list(data["self_coupling"].values).index(int(sc)), list(data["gain"].values).index(g),
                list(data["neurons"].values).index(n)]
    half = at_last(data["overlap_half_dt"], "time").values
    dt_rows = " ".join(f"{a:g}: {(ref[k] >= GRADED_THRESHOLD).mean():.2f}/{(half[k] >= GRADED_THRESHOLD).mean():.2f};"
                       for k, a in enumerate(loads))
    dt_diff = np.nanmax(np.abs(ref - half))
    m12 = theory.graded_fixed_point(0.10, 1.5)
    sim12 = final[list(data["self_coupling"].values).index(1), list(data["gain"].values).index(1.5), :,
                  list(loads).index(0.10)]
    sim12 = [row[row >= GRADED_THRESHOLD] for row in sim12]
    return ["## 1. Static theory", "",
            f"Replica-symmetric T = 0 capacity of the binary Hopfield model: alpha_c = {alpha_c:.6f}, "
            f"m(alpha_c) = {m_c:.6f} (published: 0.138, 0.967).", "",
            "| alpha | m(alpha) |", "|---|---|", *rows, "",
            "### Graded n = 1: end of the static retrieval branch against simulation", "",
            "Static theory (`graded_capacity`, docs/theory.md section 3): continuation in alpha from m ~ 1, then in m "
            "past the last alpha-point; composite Gauss-Legendre in x with 24 nodes per panel, checked against 48 "
            "(column 'quad. err.' = |alpha_c(24) - alpha_c(48)|). 'saddle-node': the branch folds; 'gamma-one': the "
            "local map x - Gamma tanh x = h becomes multivalued there and the theory stops applying (not a capacity).",
            "",
            f"Simulations: `simulate(units='graded', update='continuous', cue_strength=gain)` (x(0) = g xi^1), "
            f"{data.sizes['trial']} trials, T = {float(data['time'][-1]):g}, Euler dt = {data.attrs['dt']:g}; "
            f"retrieved: m(T) >= {GRADED_THRESHOLD}; bracket (a, b): at load a at least half the trials are retrieved, "
            "at the next load b fewer than half; ~ c: the load where that fraction crosses 1/2, linear between grid "
            "points (8 trials: a fraction has s.e. up to 0.18). Data: `data/theory_graded_capacity.nc` "
            "(`graded_capacity_data`).", "",
            "| self-coupling | g | theory alpha_c | m at end | end | Gamma at end | quad. err. | "
            + " | ".join(f"sim bracket N = {n}" for n in data["neurons"].values) + " |",
            "|---|---|---|---|---|---|---|" + "---|" * data.sizes["neurons"], *table, "",
            "Simulated half-retrieval load minus theory alpha_c over the saddle-node cases (both conventions, both N): "
            + ", ".join(f"{d:+.3f}" for r, d in offsets if r == "saddle-node" and np.isfinite(d))
            + ". Where the branch ends at Gamma = 1 (g = 3, diagonal kept) the simulations keep retrieving far beyond "
            "it: gamma-one marks the end of this theory, not of retrieval.", "",
            f"Time step: fraction retrieved at dt = {data.attrs['dt']:g} / {data.attrs['dt'] / 2:g} "
            f"(g = {g:g}, self-coupling {'kept' if sc else 'removed'}, N = {n}): {dt_rows} "
            f"max |m(T) difference| over trials {dt_diff:.3f}.", "",
            f"Overlap on the branch, g = 1.5, alpha = 0.1 (kept): theory m = {m12.overlap:.4f}; simulation m(T), mean "
            "± s.e. over the retrieved trials: "
            + ", ".join(f"N = {n}: {np.mean(sim12[j]):.4f} ± {np.std(sim12[j], ddof=1) / np.sqrt(len(sim12[j])):.4f} "
                        f"({len(sim12[j])} trials)" for j, n in enumerate(data["neurons"].values)) + ".", "",
            "Corrected: alpha_c(g = 1.5) = "
            f"{theory.graded_capacity(1.5).alpha_c:.4f}, alpha_c(g = 2) = {theory.graded_capacity(2.0).alpha_c:.4f} "
            "(self-coupling kept, saddle-nodes) (was: 0.1669 and 0.1414; why: 80-node Gauss-Hermite averages over z "
            "that were not converged near the end of the branch, and a damped iteration whose failure was read as the "
            "end).", "", "![graded capacity](graded_capacity.png)", ""]


def sync_section(neurons: int, trials: int, root=".") -> list[str]:
    lines = ["## 2. Synchronous binary dynamics: exact two steps vs Amari-Maginu vs simulation", "",
             f"`simulate(units='binary', update='sync')`, N = {neurons}, {trials} trials; z = (theory - mean)/s.e.", "",
             "| alpha | m0 | sim m1 | exact m1 | sim m2 | exact m2 (z) | Amari-Maginu m2 (z) |", "|---|---|---|---|---|---|---|"]
    for alpha, m0 in ((0.1, 0.3), (0.2, 0.5), (0.3, 0.5), (0.5, 0.7)):
        sim = _memory.simulate(model="hopfield", units="binary", update="sync", neurons=neurons, load=alpha, steps=2,
                                 cue_overlap=m0, trials=trials, seed=0)
        runs = sim["overlap"].values
        mean, se = runs.mean(0), runs.std(0, ddof=1) / np.sqrt(trials)
        ex, am = theory.sync_overlaps(alpha, m0, 2), theory.sync_overlaps(alpha, m0, 2, method="amari-maginu")
        lines.append(f"| {alpha} | {m0} | {mean[1]:.4f} ± {se[1]:.4f} | {ex[1]:.4f} | {mean[2]:.4f} ± {se[2]:.4f} | "
                     f"{ex[2]:.4f} ({(ex[2] - mean[2]) / se[2]:+.1f}) | {am[2]:.4f} ({(am[2] - mean[2]) / se[2]:+.1f}) |")
        if (alpha, m0) == (0.3, 0.5):
            fig = plots.sync_steps_figure(sim, sync_dataset(alpha, m0), sync_dataset(alpha, m0, method="amari-maginu"))
            fig.savefig(_folder(root) / "sync_steps.png", dpi=120)
    return [*lines, "", "![sync steps](sync_steps.png)", ""]


# Long-horizon DMFT vs simulation: (order, load, sizes N). alpha N^n is an integer at every N, so the realised
# load P / N^n equals the nominal alpha and one DMFT per case serves every N.
DMFT_CASES = ((1, 0.08, (1000, 2000, 4000, 8000)), (1, 0.3, (1000, 2000, 4000, 8000)),
              (2, 0.05, (100, 200, 400)), (2, 0.15, (100, 200, 400)))
DMFT_QUICK_CASES = ((1, 0.08, (500, 1000)), (1, 0.3, (500, 1000)), (2, 0.05, (60, 120)), (2, 0.15, (60, 120)))
DMFT_STEPS, DMFT_DT, DMFT_REPLICAS, DMFT_RESPONSE = 300, 0.1, 4, 2000
DMFT_DATA = "theory_dmft.nc"   # in data/


def dmft_long_data(samples: int, trials: int, *, quick: bool = False, root=".", path=None, rerun: bool = False
                   ) -> xr.Dataset:
    """DMFT (replicas x paths) and simulate(units='graded') overlaps to t = steps dt, cached in ``path``.

    Returns a Dataset with ``dmft_overlap(case, replica, time)``, ``dmft_within_stderr(case, time)`` and
    ``sim_overlap(case, neurons, trial, time)`` (NaN where a case has no such N), float32. The full run is
    read from ``path`` (default ``<root>/data/theory_dmft.nc``) when it exists (``rerun`` recomputes it);
    the quick one is never written.
    """
    import time as clock

    path = _data(root, DMFT_DATA) if path is None else path

    if not quick and not rerun and pathlib.Path(path).exists():
        return xr.load_dataset(path)
    cases = DMFT_QUICK_CASES if quick else DMFT_CASES
    steps, dt = (150, 0.2) if quick else (DMFT_STEPS, DMFT_DT)
    sizes = sorted({n for *_, ns in cases for n in ns})
    length = steps + 1
    dm = np.full((len(cases), DMFT_REPLICAS, length), np.nan, np.float32)
    within = np.full((len(cases), length), np.nan, np.float32)
    sim = np.full((len(cases), len(sizes), trials, length), np.nan, np.float32)
    seconds = np.zeros(len(cases))
    for c, (order, load, neurons) in enumerate(cases):
        for j, n in enumerate(neurons):
            run = _memory.simulate(model="hopfield" if order == 1 else "dense", units="graded", update="continuous",
                                     neurons=n, load=load, order=order, gain=2.0, cue_strength=1.0, steps=steps, dt=dt,
                                     trials=trials, seed=10 + j)
            realised = int(run["patterns"]) / n**order
            if abs(realised - load) > 1e-12:
                raise RuntimeError(f"realised load {realised} != nominal {load} at N = {n}; pick N with alpha N^n integer")
            sim[c, sizes.index(n)] = run["overlap"].values
        start = clock.perf_counter()
        for r in range(DMFT_REPLICAS):
            ds = theory.dmft(order=order, load=load, gain=2.0, cue_strength=1.0, steps=steps, dt=dt, samples=samples,
                             response_samples=min(samples, DMFT_RESPONSE), seed=r)
            dm[c, r] = ds["overlap"].values
            within[c] = ds["overlap_stderr"].values
        seconds[c] = (clock.perf_counter() - start) / DMFT_REPLICAS
    out = xr.Dataset(
        {"dmft_overlap": (("case", "replica", "time"), dm), "dmft_within_stderr": (("case", "time"), within),
         "sim_overlap": (("case", "neurons", "trial", "time"), sim), "dmft_seconds": ("case", seconds)},
        coords={"case": [f"n{o}-alpha{a:g}" for o, a, _ in cases], "order": ("case", [o for o, _, _ in cases]),
                "load": ("case", [a for _, a, _ in cases]), "neurons": sizes, "replica": np.arange(DMFT_REPLICAS),
                "trial": np.arange(trials), "time": np.arange(length) * dt})
    out["dmft_overlap"].attrs.update(long_name="DMFT overlap m(t), one independent seed per replica", units="1")
    out["dmft_within_stderr"].attrs.update(long_name="within-run s.e. std(phi)/sqrt(M) of one replica", units="1")
    out["sim_overlap"].attrs.update(long_name="simulated target overlap, graded Euler, self-coupling kept", units="1")
    out["dmft_seconds"].attrs.update(long_name="wall seconds per DMFT replica (shared 2-core machine)", units="s")
    out.attrs.update(title="Long-horizon DMFT vs graded simulation", gain=2.0, cue_strength=1.0, dt=dt, steps=steps,
                     dmft_samples=samples, dmft_response_samples=min(samples, DMFT_RESPONSE), sim_trials=trials,
                     realised_load="P / N^n equals the nominal load at every N used",
                     history="hopfield_hclm.reports.theory.dmft_long_data")
    if not quick:
        out.to_netcdf(path, encoding={v: {"zlib": True, "complevel": 4} for v in out.data_vars})
    return out


def _dmft_long_stats(data: xr.Dataset):
    """Per case and N: DMFT mean, its replica s.e., simulation mean and s.e., z over time, RMS difference."""
    replicas = data.sizes["replica"]
    rows = []
    for case in data["case"].values:
        d = data.sel(case=case)
        theory_mean = d["dmft_overlap"].mean("replica").values
        theory_se = d["dmft_overlap"].std("replica", ddof=1).values / np.sqrt(replicas)
        for n in data["neurons"].values:
            runs = d["sim_overlap"].sel(neurons=n).values
            if np.isnan(runs).all():
                continue
            mean, se = runs.mean(0), runs.std(0, ddof=1) / np.sqrt(runs.shape[0])
            diff = theory_mean - mean
            z = diff / np.hypot(se, theory_se)
            rows.append(dict(case=str(case), order=int(d["order"]), load=float(d["load"]), neurons=int(n),
                             theory=theory_mean, theory_se=theory_se, sim=mean, sim_se=se, diff=diff, z=z,
                             rms=float(np.sqrt(np.mean(diff**2)))))
    return rows


def _spread_ratio(data: xr.Dataset):
    """(case, replica standard deviation / within-run s.e.) at the last time."""
    last = at_last(data, "time")
    sd = last["dmft_overlap"].std("replica", ddof=1).values
    return list(zip(data["case"].values, sd / last["dmft_within_stderr"].values))


def _dmft_long_figure(data: xr.Dataset, rows):
    import matplotlib.pyplot as plt

    time = data["time"].values
    cases = list(data["case"].values)
    fig, axes = plt.subplots(2, len(cases), figsize=(4.2 * len(cases), 6.4), sharex=True,
                             gridspec_kw={"height_ratios": [2, 1]}, constrained_layout=True)
    for c, case in enumerate(cases):
        top, bottom = axes[0, c], axes[1, c]
        these = [r for r in rows if r["case"] == case]
        colours = plt.cm.viridis(np.linspace(0.15, 0.85, len(these)))
        for r, col in zip(these, colours):
            top.fill_between(time, r["sim"] - 2 * r["sim_se"], r["sim"] + 2 * r["sim_se"], color=col, alpha=0.3, lw=0)
            top.plot(time, r["sim"], color=col, lw=1, label=f"simulation N = {r['neurons']}")
            bottom.plot(time, r["diff"], color=col, lw=1)
        th, se = these[0]["theory"], these[0]["theory_se"]
        top.fill_between(time, th - 2 * se, th + 2 * se, color="k", alpha=0.2, lw=0)
        top.plot(time, th, "k--", lw=1.2, label="DMFT (N = inf)")
        bottom.fill_between(time, -2 * se, 2 * se, color="k", alpha=0.2, lw=0)
        bottom.axhline(0, color="k", lw=0.5)
        top.set_title(f"order {these[0]['order']}, alpha = {these[0]['load']:g}", fontsize=10)
        top.set_ylim(0, 1.02)
        bottom.set_xlabel("time t")
        if c == 0:
            top.set_ylabel("overlap m(t)")
            bottom.set_ylabel("DMFT - simulation")
        top.legend(fontsize=7, loc="lower right")
    fig.suptitle("DMFT vs graded simulation to t = 30 (bands: 2 s.e.)", fontsize=11)
    return fig


def dmft_section(samples: int, trials: int, root=".", *, rerun: bool = False) -> list[str]:
    quick = samples < 8000
    data = dmft_long_data(samples, trials, quick=quick, root=root, rerun=rerun)
    rows = _dmft_long_stats(data)
    time = data["time"].values
    marks = [int(np.argmin(np.abs(time - t))) for t in (3.0, 10.0, 30.0)]
    lines = [f"## 3. DMFT vs graded simulation over the whole transient (g = 2, a = 1, dt = {data.attrs['dt']:g}, "
             f"{data.attrs['steps']} steps, t = {time[-1]:g})", "",
             f"DMFT (forward pass): {data.sizes['replica']} independent replicas of {data.attrs['dmft_samples']} paths "
             f"(response from {data.attrs['dmft_response_samples']}); its s.e. is the replica spread / sqrt(replicas). "
             "The within-run std(phi)/sqrt(M) misses the feedback of the sampled kernels: at t = 30 the replica "
             "standard deviation is " + ", ".join(f"{c}: {r:.1f}x" for c, r in _spread_ratio(data)) + " of it. "
             f"`simulate(units='graded', update='continuous')` with {data.attrs['sim_trials']} trials per N, "
             "self-coupling kept; alpha N^n is an integer at every N, so the realised load P/N^n equals alpha. "
             "z = (DMFT - sim mean) / sqrt(se_sim^2 + se_DMFT^2) at each of the "
             f"{len(time)} times; rms = root mean square of the difference over time.", "",
             "| order | load | N | DMFT m(3) | sim m(3) | DMFT m(10) | sim m(10) | DMFT m(30) | sim m(30) | rms diff | max abs z | "
             "times with abs z > 3 |", "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        cells = " | ".join(f"{r['theory'][k]:.3f} ± {r['theory_se'][k]:.3f} | {r['sim'][k]:.3f} ± {r['sim_se'][k]:.3f}"
                           for k in marks)
        lines.append(f"| {r['order']} | {r['load']:g} | {r['neurons']} | {cells} | {r['rms']:.4f} | "
                     f"{np.nanmax(np.abs(r['z'])):.2f} | {int(np.sum(np.abs(r['z']) > 3))} |")
    agree = [r for r in rows if r["neurons"] == max(x["neurons"] for x in rows if x["case"] == r["case"])]
    lines += ["", "Largest N of each case, max over all times of abs z: "
              + ", ".join(f"{r['case']}: max abs z = {np.nanmax(np.abs(r['z'])):.2f}" for r in agree) + ".", "",
              "Finite size: rms difference against N per case (it should shrink as N grows).", ""]
    for case in data["case"].values:
        these = [r for r in rows if r["case"] == case]
        sizes, rms = np.array([r["neurons"] for r in these]), np.array([r["rms"] for r in these])
        slope = np.polyfit(np.log(sizes), np.log(rms), 1)[0] if len(these) > 2 else float("nan")
        lines.append(f"- {case}: " + ", ".join(f"N = {n}: {v:.4f}" for n, v in zip(sizes, rms))
                     + (f"; log-log slope {slope:.2f}" if np.isfinite(slope) else ""))
    secs = ", ".join(f"{c}: {s:.0f} s" for c, s in zip(data["case"].values, data["dmft_seconds"].values))
    lines += ["", f"DMFT wall time per replica ({data.attrs['steps']} steps, {data.attrs['dmft_samples']} paths, shared 2-core "
              f"machine): {secs}.", ""]
    name = "dmft_long_quick.png" if quick else "dmft_long.png"
    fig = _dmft_long_figure(data, rows)
    fig.savefig((pathlib.Path("/tmp") if quick else _folder(root)) / name, dpi=100)
    return [*lines, f"![DMFT long horizon]({name})", ""]


def fss_section(root=".", data: pathlib.Path | None = None) -> list[str]:
    """Section 4 from the blackout experiment's data (``data/blackout.nc``, `hopfield-hclm report blackout`):
    alpha_c(N) by that report's criterion and its extrapolation with the exponent choice as a systematic."""
    from ..memory.theory.finite_size import extrapolate_blackout_systematic
    from .memory_reports import THRESHOLD, blackout_edges

    path = pathlib.Path(data) if data is not None else _data(root, "blackout.nc")
    ds = xr.load_dataset(path, engine="h5netcdf")
    edges = blackout_edges(ds)
    n, a, se = (edges[k].values for k in ("neurons", "blackout_load", "blackout_load_stderr"))
    fss = extrapolate_blackout_systematic(n, a, se, exponent_range=(0.25, 1.0), points=76)
    alpha_c = theory.ags_capacity()[0]
    plots.finite_size_figure(edges, systematic=fss, reference=alpha_c).savefig(_folder(root) / "fss.png", dpi=110)
    rows = [f"| {int(k)} | {v:.4f} ± {e:.4f} |" for k, v, e in zip(n, a, se)]
    fits = []
    for x in (0.25, 1 / 3, 0.5, 2 / 3, 1.0):
        i = int(np.argmin(np.abs(np.asarray(fss.exponents) - x)))
        fits.append(f"| {x:.3g} | {fss.alpha_inf_by_exponent[i]:.4f} ± {fss.stderr_by_exponent[i]:.4f} | "
                    f"{fss.chi2_by_exponent[i]:.2f} |")
    free = fss.free
    lo, hi = free.exponent_interval
    horizon = float(last_label(ds, "time"))
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


def build(*, root: str = ".", rerun: bool = False, quick: bool = False) -> str:
    """``hopfield-hclm report theory``: write ``<root>/experiments/theory/REPORT.md`` and its figures.

    ``rerun`` recomputes the cached graded and DMFT data in ``<root>/data/`` (tens of CPU-minutes);
    ``quick`` uses smaller synchronous and DMFT runs (minutes; never written to data/). Returns the path.
    """
    q = quick
    folder = _folder(root)
    if not folder.is_dir():
        raise ValueError(f"root must hold experiments/theory; {str(folder)!r} is not a folder")
    lines = ["# Theory against simulation", "",
             f"_Generated by `hopfield-hclm report theory{' --quick' if q else ''}` from `data/theory_graded_capacity.nc`, "
             "`data/theory_dmft.nc`, `data/blackout.nc` and fresh two-step synchronous runs; do not edit by hand._ "
             "Derivations: `docs/theory.md`.", ""]
    lines += static_section(root, rerun=rerun)
    lines += sync_section(2000 if q else 4000, 12 if q else 20, root)
    lines += dmft_section(2000 if q else 20000, 8 if q else 16, root, rerun=rerun)
    lines += fss_section(root)
    lines += ["## 5. Where theory and simulation differ, and why", "",
              "- m(0) of a finite-N cue fluctuates by O(1/sqrt(N)); the DMFT uses stratified initial conditions,"
              " so early-time differences are dominated by the simulation's trial spread.",
              "- The exact synchronous theory stops at two steps; Amari-Maginu misses the non-Gaussian retarded"
              " self-interaction and overestimates the crosstalk at step 2 (table 2).",
              "- The finite-size blackout load of the *dynamics* started on the pattern sits above the"
              " replica-symmetric equilibrium capacity at these N and drifts down slowly; the correction exponent"
              " is not known, and the extrapolation's uncertainty includes its spread over x in [1/4, 1] (section 4).",
              "- The graded static branch is solved only where the local equation x = h + Gamma tanh x has a"
              " unique root (Gamma < 1); with the diagonal kept the branch ends there for g >~ 2.15 (table 1), where"
              " the simulations keep retrieving, so 'gamma-one' is the end of this theory, not of retrieval.",
              "- With the diagonal kept, the simulated edge lies 0.007-0.008 above the saddle-node at g = 2 at both"
              " N and does not shrink from N = 2000 to 4000. The runs started on the pattern in transient_graded"
              " (T = 100) are still decaying near alpha = 0.14, so these simulated edges are upper bounds on the"
              " T -> infinity edge; whether the offset is a horizon effect, a slow finite-size effect or a limit of"
              " the unique-root theory as Gamma -> 1 is not resolved here.", ""]
    path = folder / "REPORT.md"
    path.write_text("\n".join(lines))
    return str(path)


def _register() -> None:
    from .builder import register_builder

    @register_builder("theory", quick=True)
    def _theory(*, root, rerun, executor, workers, quick):  # noqa: ARG001  (no sweeps: executor unused)
        return [build(root=root, rerun=rerun, quick=quick)]


_register()
