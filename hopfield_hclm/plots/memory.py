"""Standard figures of a memory sweep: Datasets in, matplotlib Figures out.

Every function takes a sweep Dataset with ``overlap`` of dims ``(*grid, trial, time)`` (as
written by ``run_sweep`` for kind "memory", or one ``simulate`` result) and reduces it with
:func:`hopfield_hclm.memory.transient_summary`. Curves are trial means; error bars are one
standard error over trials. Points not computed (NaN) are left out, never drawn as zero.
Labels come from the Dataset's ``long_name``/``units`` attrs.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping

import numpy as np
import xarray as xr

from ..core.windows import last_label
from .labels import grid_dims, label, short

#: equilibrium capacity of the binary Hopfield network, zero diagonal, T = 0 (Amit, Gutfreund &
#: Sompolinsky 1985).


def _summary(ds: xr.Dataset, threshold: float) -> xr.Dataset:
    import hopfield_hclm as hh

    return hh.memory.transient_summary(ds, threshold=threshold)


def _figure(ncols: int = 1, nrows: int = 1, *, width: float = 5.0, height: float = 3.6):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(nrows, ncols, figsize=(width * ncols, height * nrows), squeeze=False, layout="constrained")
    return fig, axes


def _suptitle(fig, ds: xr.Dataset, what: str, detail: str = "", *, fontsize: float = 10) -> None:
    """``<title>: <what> (<detail>)`` wrapped to the figure's width, without repeating ``what`` when the
    sweep's title already says it (e.g. a title that ends in "transient recovery")."""
    import textwrap

    title = str(ds.attrs.get("title", "sweep")).strip()
    text = title if what.lower() in title.lower() else f"{title}: {what}"
    if detail:
        text = f"{text} ({detail})"
    # about 0.55 em per character: characters per line from the figure width in points
    width = max(30, int(fig.get_figwidth() * 72 / (0.55 * fontsize)))
    fig.suptitle("\n".join(textwrap.wrap(text, width)), fontsize=fontsize)


def _tag(dim: str, value) -> str:
    """Legend/panel label of one grid value; the self-coupling convention is spelled out."""
    if dim == "self_coupling":
        return "self-coupling kept" if bool(value) else "self-coupling removed"
    return short(dim, value)


def _groups(ds: xr.Dataset, exclude: tuple[str, ...]) -> list[dict]:
    """Every combination of the grid dims not in ``exclude`` (one curve each)."""
    dims = [d for d in grid_dims(ds) if d not in exclude]
    values = [ds[d].values.tolist() for d in dims]
    return [dict(zip(dims, combo)) for combo in itertools.product(*values)]


def _mean_sem(var: xr.DataArray) -> tuple[xr.DataArray, xr.DataArray]:
    values = var.astype(float)
    count = values.count("trial")
    mean = values.mean("trial")
    sem = values.std("trial", ddof=1) / np.sqrt(count)
    return mean, sem.fillna(0.0)


def _log_if_spread(ax, values: np.ndarray) -> None:
    """Log x axis for positive values spanning more than a factor 20 (log-spaced load axes)."""
    values = values[np.isfinite(values)]
    if values.size and values.min() > 0 and values.max() / values.min() > 20:
        ax.set_xscale("log")


def alpha_ratio(ds: xr.Dataset, alpha_c: float | Mapping[int, float]) -> xr.DataArray:
    """``load / alpha_c`` with ``alpha_c`` one number or one per interaction ``order``."""
    if isinstance(alpha_c, Mapping):
        if "order" not in ds.dims:
            raise ValueError("alpha_c given per order, but the sweep has no 'order' dimension")
        crit = xr.DataArray([alpha_c[int(o)] for o in ds["order"].values], dims="order", coords={"order": ds["order"]})
    else:
        crit = float(alpha_c)
    ratio = ds["load"] / crit
    ratio.attrs = {"long_name": "load relative to capacity alpha/alpha_c", "units": "1"}
    return ratio


def rs_theory_curve(ds: xr.Dataset, *, x: str = "load", points: int = 200) -> tuple[np.ndarray, np.ndarray] | None:
    """The replica-symmetric retrieval overlap m(alpha) (Amit, Gutfreund & Sompolinsky 1985) over the
    sweep's load range, where the sweep is the binary, zero-diagonal, zero-temperature Hopfield
    network that theory describes; ``None`` for any other sweep. Returns ``(alpha, m)``; m is NaN
    above alpha_c = 0.1379."""
    try:
        config = json.loads(ds.attrs["config"])
    except (KeyError, TypeError, ValueError):
        return None
    base, axes = config.get("base", {}), config.get("axes", {})
    if x != "load" or x not in ds.dims or any(k in axes for k in ("model", "units", "order", "temperature", "self_coupling")):
        return None
    if (base.get("model", "hopfield"), base.get("units", "binary"), base.get("order", 1)) != ("hopfield", "binary", 1):
        return None
    if base.get("temperature", 0.0) or base.get("self_coupling"):
        return None
    from ..memory.theory import ags_overlap

    loads = np.asarray(ds[x].values, dtype=float)
    alpha = np.linspace(loads.min(), loads.max(), points)
    return alpha, np.array([ags_overlap(a) for a in alpha])


def recovery_curves(
    ds: xr.Dataset, *, threshold: float = 0.9, alpha_c: float | Mapping[int, float] | None = None,
    x: str = "load", theory: bool = True,
):
    """Transient-recovery curves: m*(T) (solid) and m_inf (dashed) against ``x``, one colour per curve.

    A curve per combination of the other grid dims (order, cue, ...); a sweep over ``self_coupling``
    gets one panel per convention, titled with it. With ``alpha_c`` a second row of panels shows the
    same against alpha/alpha_c (Clark 2025, arXiv:2506.05303, transient-recovery curves). With
    ``theory`` the replica-symmetric m(alpha) of :func:`rs_theory_curve` is drawn beside m_inf where
    the sweep is the model that theory describes.
    """
    if x not in ds.dims:
        raise ValueError(f"x must be a grid dimension of the sweep, one of {grid_dims(ds)}; got {x!r}")
    summary = _summary(ds, threshold)
    rows = ["x"] + (["ratio"] if alpha_c is not None and x == "load" else [])
    split = "self_coupling" if x != "self_coupling" and "self_coupling" in grid_dims(ds) else None
    columns = [{split: v} for v in ds[split].values.tolist()] if split else [{}]
    groups = _groups(ds, (x,) + ((split,) if split else ()))
    fig, axes = _figure(len(columns), len(rows), width=5.0 if len(groups) < 3 else 5.6)
    peak, peak_sem = _mean_sem(summary["peak_overlap"])
    final, final_sem = _mean_sem(summary["final_overlap"])
    import matplotlib.pyplot as plt

    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for r, panel in enumerate(rows):
        for c, column in enumerate(columns):
            ax = axes[r, c]
            for k, group in enumerate(groups):
                color = colors[k % len(colors)]
                sel = dict(group, **column)
                xs = ds[x] if panel == "x" else alpha_ratio(ds, alpha_c).sel({d: v for d, v in sel.items() if d == "order"})
                xs = np.broadcast_to(np.asarray(xs, dtype=float), ds[x].shape)
                tag = ", ".join(_tag(d, v) for d, v in group.items())
                for mean, sem, style, what in ((peak, peak_sem, "-o", "m*(T)"), (final, final_sem, "--s", "m_inf")):
                    ax.errorbar(xs, mean.sel(sel), yerr=sem.sel(sel), fmt=style, color=color, ms=3, capsize=2,
                                label=f"{what} {tag}".strip())
            ax.axhline(threshold, color="0.6", lw=0.8, ls=":")
            curve = rs_theory_curve(ds, x=x) if theory and panel == "x" else None
            if curve is not None:
                ax.plot(*curve, color="k", lw=1.2, label="RS theory m(alpha), N -> inf (AGS 1985)")
            if panel == "ratio":
                ax.axvline(1.0, color="0.4", lw=0.8, ls=":")
                ax.set_xlabel(label(alpha_ratio(ds, alpha_c)))
            else:
                ax.set_xlabel(label(ds[x]))
                if isinstance(alpha_c, (int, float)):
                    ax.axvline(alpha_c, color="0.4", lw=0.8, ls=":")
            if column:
                ax.set_title(", ".join(_tag(d, v) for d, v in column.items()), fontsize=9)
            ax.set_ylabel("overlap with the target pattern")
            ax.set_ylim(-0.05, 1.05)
            _log_if_spread(ax, np.asarray(ds[x].values if panel == "x" else alpha_ratio(ds, alpha_c).values, dtype=float))
    axes[0, 0].legend(fontsize=7, ncol=1 if len(groups) < 4 else 2)
    horizon = float(last_label(ds, "time"))
    _suptitle(fig, ds, "transient recovery", f"T = {horizon:g}, theta = {threshold:g}")
    return fig


def overlap_trajectories(ds: xr.Dataset, *, x: str = "load", max_panels: int = 6):
    """Trial-mean overlap m(t), one line per value of ``x`` (colour map), a panel per other combination."""
    import matplotlib.pyplot as plt

    groups = _groups(ds, (x,))[:max_panels] if x in ds.dims else [{}]
    fig, axes = _figure(len(groups))
    mean = ds["overlap"].astype(float).mean("trial")
    values = ds[x].values if x in ds.dims else [None]
    cmap = plt.get_cmap("viridis")
    for ax, group in zip(axes[0], groups):
        for i, value in enumerate(values):
            sel = dict(group, **({x: value} if value is not None else {}))
            ax.plot(ds["time"], mean.sel(sel), color=cmap(i / max(1, len(values) - 1)), lw=1.2,
                    label=short(x, value) if value is not None else None)
        ax.set_xlabel(label(ds["time"]))
        ax.set_ylabel(label(ds["overlap"]))
        ax.set_title(", ".join(_tag(d, v) for d, v in group.items()) or "all trials", fontsize=9)
        ax.set_ylim(-0.05, 1.05)
    if values[0] is not None:
        axes[0, -1].legend(fontsize=6, ncol=2)
    _suptitle(fig, ds, "overlap trajectories")
    return fig


def load_time_heatmap(ds: xr.Dataset, *, x: str = "load", max_panels: int = 6):
    """Trial-mean m(t) as an image over (time, ``x``), a panel per other combination."""
    groups = _groups(ds, (x,))[:max_panels]
    fig, axes = _figure(len(groups))
    mean = ds["overlap"].astype(float).mean("trial")
    for ax, group in zip(axes[0], groups):
        image = mean.sel(group).transpose(x, "time")
        mesh = ax.pcolormesh(ds["time"], np.arange(ds.sizes[x]), image, vmin=0, vmax=1, shading="nearest", cmap="magma")
        ax.set_yticks(np.arange(ds.sizes[x]), [f"{v:.3g}" for v in ds[x].values], fontsize=6)
        ax.set_xlabel(label(ds["time"]))
        ax.set_ylabel(label(ds[x]))
        ax.set_title(", ".join(_tag(d, v) for d, v in group.items()) or "all trials", fontsize=9)
    fig.colorbar(mesh, ax=axes[0, -1], label=label(ds["overlap"]))
    _suptitle(fig, ds, "overlap over time and load")
    return fig


def phase_diagram(ds: xr.Dataset, *, cue: str | None = None, x: str = "load", threshold: float = 0.9, max_panels: int = 6):
    """Fraction of trials with transient-only retrieval (m* >= theta > m_inf) over (``x``, cue)."""
    cue = cue or next((d for d in ("cue_overlap", "cue_strength", "cue") if d in ds.dims), None)
    if cue is None or x not in ds.dims:
        raise ValueError(f"phase_diagram needs a cue axis and {x!r} among the grid dims; got {grid_dims(ds)}")
    summary = _summary(ds, threshold)
    frac = summary["transient_only"].where(summary["valid"]).astype(float).mean("trial")
    groups = _groups(ds, (x, cue))[:max_panels]
    fig, axes = _figure(len(groups))
    for ax, group in zip(axes[0], groups):
        image = frac.sel(group).transpose(cue, x)
        mesh = ax.pcolormesh(np.arange(ds.sizes[x]), np.arange(ds.sizes[cue]), image, vmin=0, vmax=1,
                             shading="nearest", cmap="viridis")
        ax.set_xticks(np.arange(ds.sizes[x]), [f"{v:.3g}" for v in ds[x].values], fontsize=6, rotation=60)
        ax.set_yticks(np.arange(ds.sizes[cue]), [f"{v:.3g}" for v in ds[cue].values], fontsize=6)
        ax.set_xlabel(label(ds[x]))
        ax.set_ylabel(label(ds[cue]))
        ax.set_title(", ".join(_tag(d, v) for d, v in group.items()) or "", fontsize=9)
    fig.colorbar(mesh, ax=axes[0, -1], label=f"fraction of trials transient-only (theta = {threshold:g})")
    _suptitle(fig, ds, "transient-only retrieval")
    return fig


def retrieval_windows(ds: xr.Dataset, *, x: str = "load", threshold: float = 0.9):
    """When a readout must happen: mean start and end of m(t) >= theta against ``x`` (trials that reach it)."""
    summary = _summary(ds, threshold)
    fig, axes = _figure(1)
    ax = axes[0, 0]
    import matplotlib.pyplot as plt

    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for k, group in enumerate(_groups(ds, (x,))):
        start = summary["window_start"].sel(group).astype(float).mean("trial")
        end = summary["window_end"].sel(group).astype(float).mean("trial")
        tag = ", ".join(short(d, v) for d, v in group.items())
        ax.fill_between(ds[x], start, end, color=colors[k % len(colors)], alpha=0.25)
        ax.plot(ds[x], start, "-", color=colors[k % len(colors)], label=f"start {tag}")
        ax.plot(ds[x], end, "--", color=colors[k % len(colors)], label=f"end {tag}")
    ax.set_xlabel(label(ds[x]))
    _log_if_spread(ax, np.asarray(ds[x].values, dtype=float))
    ax.set_ylabel(label(summary["window_start"]).replace("first ", ""))
    ax.legend(fontsize=7)
    fig.suptitle(f"{ds.attrs.get('title', 'sweep')}: retrieval window (theta = {threshold:g})", fontsize=10)
    return fig


def standard_figures(ds: xr.Dataset, *, threshold: float = 0.9, alpha_c=None) -> dict:
    """Every standard figure that fits the sweep's dims, by name."""
    figures = {}
    dims = grid_dims(ds)
    x = "load" if "load" in dims else (dims[-1] if dims else None)
    if x is None:
        figures["overlap_trajectories"] = overlap_trajectories(ds)
        return figures
    figures["recovery_curves"] = recovery_curves(ds, threshold=threshold, x=x, alpha_c=alpha_c)
    figures["overlap_trajectories"] = overlap_trajectories(ds, x=x)
    figures["load_time_heatmap"] = load_time_heatmap(ds, x=x)
    figures["retrieval_windows"] = retrieval_windows(ds, x=x, threshold=threshold)
    if any(d in dims for d in ("cue_overlap", "cue_strength", "cue")):
        figures["phase_diagram"] = phase_diagram(ds, x=x, threshold=threshold)
    return figures
