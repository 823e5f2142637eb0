"""Report of the modern Hopfield experiment (experiments/modern_hopfield/, issue 12 §§1–3).

``hopfield-hclm report modern_hopfield`` reads ``data/modern_hopfield-<part>.nc`` (the sweeps of
``experiments/modern_hopfield/config.<part>.toml`` reduced by :func:`export`) and writes REPORT.md and its
figures.  Everything in the report is computed here from those files:

- end-state classes per trial (:func:`end_classes`): *target* (n_eff < 1.5 and the state is closer to the
  target than to any other pattern), *other* (n_eff < 1.5, another pattern), *metastable* and *average*
  (the thresholds of :func:`hopfield_hclm.memory.modern.classify_end_state`);
- transient-only retrieval from :func:`hopfield_hclm.memory.transient_summary` (overlap above
  :data:`THRESHOLD` at some step after the cue, below it at the end);
- the large-N theory of :mod:`hopfield_hclm.memory.theory.modern` beside the measured edges.
"""

from __future__ import annotations

import os

import numpy as np
import xarray as xr

from ..core.windows import at_first, at_last
from ..memory.modern import DEFAULT_AVERAGE_FRACTION, DEFAULT_SINGLE_MAX
from ..memory.theory import modern as theory
from .builder import EXPORT_FILTERS, markdown_table, register

NAME = "modern_hopfield"
#: retrieval threshold on the cosine overlap for the transient diagnostics
THRESHOLD = 0.9
#: end-state classes of the report, in plotting order
CLASSES = ("target", "other", "metastable", "average")
COLORS = {"target": "#2b83ba", "other": "#abdda4", "metastable": "#fdae61", "average": "#d7191c"}
#: series kept at the end of the run / at the cue in the exported files
_END = ("effective_patterns", "max_other_overlap", "readout_error", "error_bound", "error_bound_logit", "energy")
_CUE = ("readout_error", "error_bound", "error_bound_logit", "effective_patterns")


def export(ds: xr.Dataset) -> xr.Dataset:
    """What data/modern_hopfield-*.nc keep (float32, zlib): the overlap at every record; the series of
    :data:`_END` at the last record (``<name>_end``) and of :data:`_CUE` at the cue (``<name>_cue``, the
    readout of the first attention step); the separation per trial.  Everything else is dropped."""
    out = xr.Dataset(coords={k: v for k, v in ds.coords.items()}, attrs=dict(ds.attrs))
    last = at_last(ds, "time").drop_vars("time")
    first = at_first(ds, "time").drop_vars("time")

    def put(name, var, long_name):
        attrs = dict(var.attrs)
        attrs["long_name"] = long_name
        out[name] = var.astype("float32")
        out[name].attrs = attrs
        out[name].encoding = {"zlib": True, "complevel": 6}

    put("overlap", ds["overlap"], ds["overlap"].attrs.get("long_name", "overlap"))
    for name in _END:
        put(f"{name}_end", last[name], f"{ds[name].attrs.get('long_name', name)}, at the last record")
    for name in _CUE:
        put(f"{name}_cue", first[name], f"{ds[name].attrs.get('long_name', name)}, at the cue (first step's readout)")
    put("separation", first["separation"], ds["separation"].attrs.get("long_name", "separation"))
    if "completed" in ds:
        out["completed"] = ds["completed"]
    out.attrs["history"] = (ds.attrs.get("history", "") + f"\nexport for the {NAME} report: overlap kept at every "
                            f"record; {', '.join(_END)} at the last record; {', '.join(_CUE)} at the cue; "
                            "separation per trial; float32, zlib").strip()
    return out


EXPORT_FILTERS[NAME] = export


def setting(ds: xr.Dataset, name: str):
    """A run setting of a sweep: its ``[base]`` value in the stored config (None when absent or swept)."""
    import json

    return json.loads(ds.attrs["config"])["base"].get(name)


def _pattern_counts(ds: xr.Dataset) -> xr.DataArray:
    p = ds["patterns"]
    return p if p.ndim else xr.full_like(ds["effective_patterns_end"].isel(trial=0, drop=True), int(p), dtype=float)


def end_classes(ds: xr.Dataset, *, single_max: float = DEFAULT_SINGLE_MAX,
                average_fraction: float = DEFAULT_AVERAGE_FRACTION) -> xr.DataArray:
    """Codes 0..3 = :data:`CLASSES` per trial from n_eff, the overlap and the largest other overlap at the end.

    n_eff < ``single_max``: a single-pattern state, *target* when cos(x, ξ⁰) exceeds every |cos(x, ξ^μ)|
    (μ ≥ 1), else *other*; n_eff ≥ max(``single_max``, ``average_fraction`` · P): *average*; else
    *metastable*.  NaN (missing point) gives −1.
    """
    neff = ds["effective_patterns_end"]
    count = _pattern_counts(ds).astype(float)
    single = neff < single_max
    average = neff >= np.maximum(single_max, average_fraction * count)
    closer = at_last(ds["overlap"], "time").drop_vars("time") > ds["max_other_overlap_end"].fillna(-np.inf)
    code = xr.where(single, xr.where(closer, 0, 1), xr.where(average, 3, 2))
    return code.where(neff.notnull(), -1).astype(int)


def class_fractions(codes: xr.DataArray) -> xr.Dataset:
    """Fraction of trials in each class (variables named by :data:`CLASSES`)."""
    valid = (codes >= 0).sum("trial")
    return xr.Dataset({name: (codes == k).sum("trial") / valid for k, name in enumerate(CLASSES)})


def crossing(x: np.ndarray, y: np.ndarray, level: float = 0.5) -> float:
    """First x where y falls through ``level`` (linear interpolation); NaN if y starts below or never falls."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    if not len(y) or not y[0] >= level:
        return float("nan")
    for i in range(len(x) - 1):
        if y[i] >= level > y[i + 1]:
            return float(x[i] + (level - y[i]) * (x[i + 1] - x[i]) / (y[i + 1] - y[i]))
    return float("nan")


def _summary(ds: xr.Dataset, **kw) -> xr.Dataset:
    import hopfield_hclm as hh

    return hh.memory.transient_summary(ds[["overlap"]], threshold=THRESHOLD, **kw)


def _save(fig, folder: str, name: str) -> str:
    import matplotlib.pyplot as plt

    fig.savefig(os.path.join(folder, name), dpi=100, bbox_inches="tight")
    plt.close(fig)
    return f"![{name}]({name})"


def _theory_lines(ax, ensemble: str, cue: float, betas: np.ndarray, ymax: float) -> None:
    b = np.geomspace(betas.min(), betas.max(), 200)
    ax.plot(b, theory.retrieval_load(b, ensemble, cue), "k-", lw=1.5, label=r"$\alpha_1(\beta, c)$ (N→∞)")
    ax.plot(b, theory.condensation_load(b, ensemble), "k--", lw=1, label=r"$\alpha_{cond}(\beta)$")
    ax.plot(b, theory.ramsauer_load(b, ensemble), "k:", lw=1, label=r"$\alpha_R(\beta)$ (Ramsauer)")
    ax.set_ylim(0, ymax)


def phase_figure(datasets: dict[str, xr.Dataset], folder: str) -> str:
    """(β, α) phase diagrams: majority end class per cell, transient-only cells marked, theory lines."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker
    from matplotlib.colors import ListedColormap

    keys = [k for k in ("phase-spherical", "phase-gaussian", "phase-binary") if k in datasets]
    cues = datasets[keys[0]]["cue_overlap"].values
    fig, axes = plt.subplots(len(cues), len(keys), figsize=(4.2 * len(keys), 3.6 * len(cues)), squeeze=False)
    cmap = ListedColormap([COLORS[c] for c in CLASSES])
    for j, key in enumerate(keys):
        ds = datasets[key]
        ensemble = setting(ds, "ensemble")
        fractions = class_fractions(end_classes(ds))
        stacked = xr.concat([fractions[c] for c in CLASSES], dim="cls")
        majority = stacked.argmax("cls")
        tronly = _summary(ds).transient_only.astype(float).mean("trial")
        betas, loads = ds["beta"].values, ds["load"].values
        for i, cue in enumerate(cues):
            ax = axes[i, j]
            grid = majority.sel(cue_overlap=cue).transpose("load", "beta").values
            ax.pcolormesh(_edges(betas, log=True), _edges(loads), grid, cmap=cmap, vmin=-0.5, vmax=3.5,
                          shading="flat")
            t = tronly.sel(cue_overlap=cue).transpose("load", "beta").values
            bb, ll = np.meshgrid(betas, loads)
            mark = t > 0
            ax.scatter(bb[mark], ll[mark], s=8 + 60 * t[mark], facecolors="none", edgecolors="k", lw=0.8)
            _theory_lines(ax, ensemble, float(cue), betas, loads.max() + 0.025)
            ax.set_xscale("log")
            ticks = [b for b in (0.25, 0.5, 1.0, 2.0, 4.0, 8.0) if betas.min() <= b <= betas.max()]
            ax.set_xticks(ticks, [f"{b:g}" for b in ticks])
            ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
            ax.set_title(f"{ensemble}, cue cosine {cue:g}", fontsize=10)
            ax.set_xlabel(r"$\beta$")
            ax.set_ylabel(r"$\alpha = \ln P / N$" + f" (N = {int(setting(ds, 'neurons'))})")
    handles = [plt.Rectangle((0, 0), 1, 1, color=COLORS[c]) for c in CLASSES]
    lines = axes[0, 0].get_lines()
    circle = plt.Line2D([], [], ls="", marker="o", mfc="none", mec="k")
    fig.legend(handles + list(lines) + [circle], [f"end state: {c}" for c in CLASSES] + [ln.get_label() for ln in lines]
               + ["transient-only (size: fraction)"], loc="lower center", ncol=4, fontsize=8,
               bbox_to_anchor=(0.5, -0.06))
    fig.tight_layout()
    return _save(fig, folder, "phase_diagram.png")


def _edges(values: np.ndarray, log: bool = False) -> np.ndarray:
    v = np.log(values) if log else np.asarray(values, float)
    mid = (v[1:] + v[:-1]) / 2
    e = np.concatenate([[v[0] - (mid[0] - v[0])], mid, [v[-1] + (v[-1] - mid[-1])]])
    return np.exp(e) if log else e


def target_fraction(ds: xr.Dataset) -> xr.DataArray:
    return (end_classes(ds) == 0).sum("trial") / (end_classes(ds) >= 0).sum("trial")


def edge_table(datasets: dict[str, xr.Dataset]) -> tuple[str, list[dict]]:
    """Measured α₅₀ (target retrieval fraction falls through ½) against α₁(β, c), per ensemble, cue, β."""
    rows, records = [], []
    for key in ("phase-spherical", "phase-gaussian", "phase-binary"):
        if key not in datasets:
            continue
        ds = datasets[key]
        ensemble = setting(ds, "ensemble")
        frac = target_fraction(ds)
        n = int(setting(ds, "neurons"))
        for cue in ds["cue_overlap"].values:
            exact = (theory.argmax_edge(n, ensemble, float(cue)) if ensemble in ("spherical", "gaussian")
                     else float("nan"))
            for beta in ds["beta"].values:
                f = frac.sel(cue_overlap=cue, beta=beta).values
                a50 = crossing(ds["load"].values, f)
                a1 = theory.retrieval_load(float(beta), ensemble, float(cue))
                rec = dict(ensemble=ensemble, cue=float(cue), beta=float(beta), alpha50=a50, alpha1=a1,
                           regime_above=theory.first_step_regime(float(beta), a1 * 1.05 + 1e-6, ensemble, float(cue)))
                records.append(rec)
                rec["argmax_edge"] = exact
                rows.append([ensemble, f"{cue:g}", f"{beta:.3g}", "—" if np.isnan(a50) else f"{a50:.3f}",
                             f"{a1:.3f}", rec["regime_above"],
                             "—" if np.isnan(exact) else ("∞" if np.isinf(exact) else f"{exact:.3f}")])
    header = ["ensemble", "cue c", "β", "measured α₅₀ (N = 16)", "α₁(β, c), N → ∞", "theory above α₁",
              "β → ∞ edge, exact at N = 16"]
    return markdown_table(header, rows), records


def size_figure(datasets: dict[str, xr.Dataset], folder: str) -> tuple[str, str]:
    """Target-retrieval fraction against α at β = 0.5, c = 1 for every N, theory α₁ marked; α₅₀(N) table."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    beta, cue = 0.5, 1.0
    curves: dict[str, dict[int, tuple[np.ndarray, ...]]] = {"spherical": {}, "gaussian": {}}

    def by_overlap(d: xr.Dataset) -> np.ndarray:
        m = at_last(d["overlap"], "time")
        return ((m >= THRESHOLD) & (m > d["max_other_overlap_end"].fillna(-np.inf))).mean("trial").values  # P = 1: NaN

    for key, ds in datasets.items():
        if key.startswith("size-"):
            frac = target_fraction(ds)
            n = int(setting(ds, "neurons"))
            for ens in curves:
                f = frac.sel(ensemble=ens).values
                curves[ens][n] = (ds["load"].values, f, np.sqrt(f * (1 - f) / ds.sizes["trial"]),
                                  by_overlap(ds.sel(ensemble=ens)))
        elif key in ("phase-spherical", "phase-gaussian"):
            ds_b = ds.sel(beta=ds["beta"].values[np.argmin(np.abs(ds["beta"].values - beta))], cue_overlap=cue)
            f = target_fraction(ds_b).values
            curves[setting(ds, "ensemble")][int(setting(ds, "neurons"))] = (
                ds["load"].values, f, np.sqrt(f * (1 - f) / ds.sizes["trial"]), by_overlap(ds_b))
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    rows = []
    for ax, (ens, by_n) in zip(axes, curves.items()):
        a1 = theory.retrieval_load(beta, ens, cue)
        for n in sorted(by_n):
            x, f, se, f_overlap = by_n[n]
            ax.errorbar(x, f, yerr=se, marker="o", ms=3, capsize=2, label=f"N = {n}")
            rows.append([ens, n, crossing(x, f), crossing(x, f_overlap), a1])
        ax.axvline(a1, color="k", lw=1.5, label=r"$\alpha_1$ (N→∞)")
        ax.axvline(theory.ramsauer_load(beta, ens), color="k", ls=":", lw=1, label=r"$\alpha_R$ (Ramsauer)")
        ax.set_title(f"{ens} patterns, β = {beta:g}, cue on the target", fontsize=10)
        ax.set_xlabel(r"$\alpha = \ln P / N$")
        ax.set_ylabel("fraction of trials ending on the target")
        ax.legend(fontsize=7)
    fig.tight_layout()
    table = markdown_table(["ensemble", "N", "measured α₅₀ (end class target)",
                            f"α₅₀ by overlap (final cos ≥ {THRESHOLD:g}, closest pattern)", "α₁ (N → ∞)"],
                           [[e, n, "—" if np.isnan(a) else f"{a:.3f}", "—" if np.isnan(b) else f"{b:.3f}", f"{t:.3f}"]
                            for e, n, a, b, t in rows])
    return _save(fig, folder, "finite_size.png"), table


def bound_table(datasets: dict[str, xr.Dataset]) -> str:
    """One attention step from the cue: measured readout error ‖f(x₀) − ξ⁰‖ against the logit and Ramsauer
    bounds.  The runs are float32, so a bound below the rounding of ‖f − ξ⁰‖ (≈ 1e-7 ‖ξ‖) cannot be checked:
    a violation counts only beyond 1e-5 √N.  "certified" = the bound is below 0.1 √N (a tenth of a pattern's
    norm, cos(f, ξ⁰) ≳ 0.995): the bound alone proves one-step retrieval; "achieved" = the measured error is."""
    rows = []
    for key in sorted(datasets):
        ds = datasets[key]
        if "readout_error_cue" not in ds:
            continue
        root_n = np.sqrt(float(setting(ds, "neurons")))
        err, logit, ram = (ds[f"{v}_cue"].values.astype(np.float64).ravel()
                           for v in ("readout_error", "error_bound_logit", "error_bound"))
        ok = np.isfinite(err)
        err, logit, ram = err[ok], logit[ok], ram[ok]
        tol = 1e-5 * root_n
        rows.append([key, int(ok.sum()), f"{np.max(err - logit) / root_n:.1e}", int(np.sum(err > logit + tol)),
                     f"{np.max(logit - ram) / root_n:.1e}", int(np.sum(logit > ram + tol)),
                     f"{np.mean(err < 0.1 * root_n):.3f}", f"{np.mean(logit < 0.1 * root_n):.3f}",
                     f"{np.mean(ram < 0.1 * root_n):.3f}"])
    return markdown_table(["part", "trials × points", "max (measured − logit)/√N", "violations", "max (logit − Ramsauer)/√N",
                           "violations", "achieved (error < 0.1√N)", "certified by logit bound",
                           "certified by Ramsauer bound"], rows)


def _nearest(values: np.ndarray, target: float) -> float:
    return float(values[np.argmin(np.abs(values - target))])


def readout_table(datasets: dict[str, xr.Dataset]) -> str:
    """Readout-time sensitivity at cue 0.7: best step against the last and a reader at fixed depth 1."""
    rows = []
    for key in ("phase-spherical", "phase-gaussian", "phase-binary"):
        if key not in datasets:
            continue
        ds = datasets[key]
        sub = ds.sel(cue_overlap=0.7)
        s = _summary(sub, readout_time=1.0)
        for beta in (0.25, 1.0, 4.0):
            b = _nearest(sub["beta"].values, beta)
            for load in (0.2, 0.35, 0.5):
                a = _nearest(sub["load"].values, load)
                p = s.sel(beta=b, load=a)
                m_end = at_last(sub["overlap"].sel(beta=b, load=a), "time")
                best_before_end = float(((p.peak_overlap - m_end) > 0.01).mean())
                rows.append([setting(ds, "ensemble"), f"{b:.3g}", f"{a:.2f}", f"{float(p.peak_overlap.mean()):.3f}",
                             f"{float(p.peak_time.mean()):.1f}", f"{float(m_end.mean()):.3f}",
                             f"{best_before_end:.2f}", f"{float(p.readout_loss_fixed.mean()):.3f}",
                             f"{float((p.peak_overlap - m_end).mean()):.3f}",
                             f"{float(p.transient_only.astype(float).mean()):.2f}"])
    return markdown_table(["ensemble", "β", "α", "best overlap m*", "best step t*", "last overlap m(16)",
                           "best before the end (> 0.01)", "loss of a depth-1 reader m* − m(1)",
                           "loss of a depth-16 reader m* − m(16)", "transient-only (θ = 0.9)"], rows)


def continuous_table(datasets: dict[str, xr.Dataset]) -> str:
    """Continuous time (Heun, dt = 0.125) against the synchronous map on the same patterns and cues, and the
    step-size check against dt = 0.0625 (and the coarse dt = 0.25)."""
    if not {"continuous", "continuous-dt", "phase-spherical"} <= set(datasets):
        return "_(continuous-time parts missing)_"
    cont, fine = datasets["continuous"], datasets["continuous-dt"]
    sync = datasets["phase-spherical"].sel(cue_overlap=0.7)
    checks = []
    for label, ds in (("dt = 0.125", cont), ("dt = 0.25", datasets.get("continuous-coarse"))):
        if ds is None:
            continue
        t = np.intersect1d(np.round(ds["time"].values, 9), np.round(fine["time"].values, 9))
        d = np.abs(ds["overlap"].sel(time=t) - fine["overlap"].sel(time=t)).values
        q = np.quantile(d, [0.5, 0.99])
        checks.append(f"{label}: median {q[0]:.1e}, 99th percentile {q[1]:.1e}, max {d.max():.1e}")
    rows = []
    for beta in cont["beta"].values:
        b = _nearest(sync["beta"].values, float(beta))
        c_cls = end_classes(cont.sel(beta=beta))
        s_cls = end_classes(sync.sel(beta=b).sel(load=cont["load"].values, method="nearest"))
        same = float((c_cls.values == s_cls.values).mean())
        cm = at_last(cont["overlap"].sel(beta=beta), "time")
        sm = at_last(sync["overlap"].sel(beta=b).sel(load=cont["load"].values, method="nearest"), "time")
        diff = np.abs(cm.values - sm.values)
        rows.append([f"{float(beta):.3g}", f"{same:.3f}", f"{float(np.median(diff)):.2e}", f"{float(diff.max()):.2e}",
                     f"{float(cont['effective_patterns_end'].sel(beta=beta).median()):.2f}"])
    table = markdown_table(["β", "same end class as sync (trials × loads)", "median abs(m_cont(12) − m_sync(16))",
                            "max abs(m_cont(12) − m_sync(16))",
                            "median end n_eff"], rows)
    return table + ("\n\nStep-size check against dt = 0.0625 (Heun, second order: halving dt should cut the "
                    "difference by about 5 between these two rows), abs(Δm) over every recorded time, point and trial: "
                    + "; ".join(checks) + ".")


def _class_cell(ds: xr.Dataset) -> str:
    f = class_fractions(end_classes(ds))
    neff = float(ds["effective_patterns_end"].median())
    return f"{float(f['target']):.2f} / {float(f['other']):.2f} / {float(f['metastable']):.2f} / " \
           f"{float(f['average']):.2f} (n_eff {neff:.3g})"


def correlated_table(ds: xr.Dataset, row_dims: tuple[str, ...]) -> str:
    """Class fractions target / other / metastable / average and median end n_eff, one cell per P."""
    counts = ds["patterns"].values
    rows = []
    for point in np.ndindex(*(ds.sizes[d] for d in row_dims)):
        sel = {d: ds[d].values[i] for d, i in zip(row_dims, point)}
        sub = ds.sel(sel)
        rows.append([*(f"{v:.3g}" for v in sel.values())] + [_class_cell(sub.sel(patterns=p)) for p in counts])
    return markdown_table(list(row_dims) + [f"P = {int(p)}" for p in counts], rows)


def theory_table(betas: np.ndarray) -> str:
    rows = []
    for b in betas:
        row = [f"{b:.3g}"]
        for ens in theory.THEORY_ENSEMBLES:
            row += [f"{theory.retrieval_load(b, ens, 0.7):.3f}", f"{theory.retrieval_load(b, ens, 1.0):.3f}",
                    f"{float(theory.condensation_load(b, ens)):.3f}", f"{theory.ramsauer_load(b, ens):.3f}"]
        rows.append(row)
    header = ["β"] + [f"{e}: {q}" for e in theory.THEORY_ENSEMBLES for q in ("α₁(c=0.7)", "α₁(c=1)", "α_cond", "α_R")]
    return markdown_table(header, rows)


def transient_only_summary(datasets: dict[str, xr.Dataset]) -> str:
    rows = []
    for key in ("phase-spherical", "phase-gaussian", "phase-binary", "continuous", "correlated", "digits"):
        if key not in datasets:
            continue
        s = _summary(datasets[key])
        t = s.transient_only.astype(float)
        cells = (t.mean("trial") > 0).sum().item()
        total = int(np.prod([n for d, n in t.sizes.items() if d != "trial"]))
        rows.append([key, f"{float(t.mean()):.4f}", f"{cells} / {total}",
                     f"{float(s.recoverable.astype(float).mean()):.3f}"])
    return markdown_table(["part", "transient-only fraction of all trials", "cells with any transient-only trial",
                           "recoverable fraction"], rows)


@register(NAME)
def body(datasets: dict[str, xr.Dataset], folder: str) -> str:
    """REPORT.md body: theory, phase diagrams, edges, finite size, bounds, readout timing, continuous time, P ≫ N."""
    phase = datasets.get("phase-spherical")
    lines = ["## Theory beside the runs (N → ∞, docs/theory.md §7)", "",
             "α₁(β, c): one attention step from a cue of cosine c carries the state onto the target below it; "
             "α_cond: above it the other patterns' sum is uncondensed (the failed step shrinks the state towards the "
             "global average); α_R: Ramsauer-type sufficient condition Δ₀ ≥ β⁻¹[1 + log 4βM²(P − 1)] at large N.", "",
             theory_table(phase["beta"].values if phase is not None else np.geomspace(0.25, 8, 11)), ""]
    if phase is not None:
        lines += ["## Phase diagrams (synchronous updates, N = 16)", "",
                  "Majority end state per (β, α) cell over 16 trials: *target* (n_eff < 1.5, closest pattern is the "
                  "target), *other* (n_eff < 1.5, another pattern), *metastable* (1.5 ≤ n_eff < P/2), *average* "
                  "(n_eff ≥ P/2). Circles: cells with transient-only trials (overlap ≥ 0.9 after the cue, < 0.9 at "
                  "the end; size = fraction). Lines: the large-N theory.", "", phase_figure(datasets, folder), "",
                  "### Measured retrieval edge against α₁", "",
                  "α₅₀ = the load where the fraction of trials ending on the target falls through ½ (linear "
                  "interpolation on the 0.05 grid; — when it never falls or starts below ½). Last column: the "
                  "exact finite-N edge of the β → ∞ first step (the target must hold the cue's largest score; "
                  "`theory.modern.argmax_edge`), which the large-β rows should approach; ∞ when the target always "
                  "wins (cue on a spherical target).", ""]
        table, _ = edge_table(datasets)
        lines += [table, ""]
    if any(k.startswith("size-") for k in datasets):
        fig, table = size_figure(datasets, folder)
        lines += ["## Finite size: the target's stability at β = 0.5 (cue on the target)", "", fig, "",
                  "Two readings of \"ends on the target\": the end class (n_eff < 1.5 and closest to the target; the "
                  "figure) and the overlap (final cosine ≥ 0.9 and closest). They differ where the target keeps most "
                  "of the attention but the rest is spread over many patterns (n_eff > 1.5 at cosine > 0.9).", "",
                  table, ""]
    lines += ["## Retrieval-error bounds after one attention step from the cue", "", bound_table(datasets), "",
              "A violation is a trial whose measured error exceeds the bound by more than 1e-5 √N (float32 "
              "rounding of a near-zero error is about 1e-7 √N).", ""]
    if phase is not None:
        lines += ["## Readout-time sensitivity (cue cosine 0.7)", "",
                  "Best step t* and overlap m* (cue excluded), the last record, and what a reader loses at a fixed "
                  "depth: after one step (a single attention layer) or at the end. Trial means.", "",
                  readout_table(datasets), "", "## Transient-only retrieval", "", transient_only_summary(datasets), ""]
    lines += ["## Continuous time (Heun, dt = 0.125) against the synchronous map (spherical, N = 16, cue 0.7)", "",
              "Same root seed, so trial k has the same patterns and cue in both runs.", "", continuous_table(datasets),
              ""]
    if "correlated" in datasets:
        lines += ["## Correlated patterns, P ≫ N (N = 64, cue 0.7)", "",
                  "Cells: fraction target / other / metastable / average, and the median end n_eff.", "",
                  correlated_table(datasets["correlated"], ("correlation", "beta")), ""]
    if "digits" in datasets:
        lines += ["## Handwritten digits as memories (N = 64)", "",
                  correlated_table(datasets["digits"], ("cue_overlap", "beta")), ""]
    return "\n".join(lines)
