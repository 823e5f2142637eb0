"""Overlay figures: theory curves beside simulations (issue 5). Functions take Datasets, return Figures."""

from __future__ import annotations

import numpy as np
import xarray as xr
from matplotlib.figure import Figure

__all__ = ["overlay_overlap", "sync_steps_figure", "finite_size_figure", "draw_finite_size"]


def _label(da: xr.DataArray) -> str:
    units = da.attrs.get("units", "")
    name = da.attrs.get("long_name", da.name or "")
    return f"{name} [{units}]" if units and units != "1" else str(name)


def overlay_overlap(simulation: xr.Dataset, theory: xr.Dataset, *, variable: str = "overlap",
                    trial_dim: str = "trial", label: str = "DMFT") -> Figure:
    """Simulation trial mean +- one standard error (band) with the theory curve on top.

    ``simulation[variable]``: (trial, time); ``theory[variable]``: (time,), optional ``<variable>_stderr``.
    """
    sim = simulation[variable]
    trials = sim.sizes[trial_dim]
    mean = sim.mean(trial_dim)
    se = sim.std(trial_dim, ddof=1) / np.sqrt(trials) if trials > 1 else xr.zeros_like(mean)
    fig = Figure(figsize=(6, 4))
    ax = fig.add_subplot()
    t = simulation["time"].values
    ax.fill_between(t, (mean - se).values, (mean + se).values, alpha=0.3, color="C0",
                    label=f"simulation, mean ± s.e. ({trials} trials)")
    ax.plot(t, mean.values, color="C0", lw=1)
    ax.plot(theory["time"].values, theory[variable].values, color="C3", lw=2, label=label)
    se_name = f"{variable}_stderr"
    if se_name in theory:
        th, ts = theory[variable].values, theory[se_name].values
        ax.fill_between(theory["time"].values, th - ts, th + ts, color="C3", alpha=0.2)
    ax.set_xlabel(_label(simulation["time"]) or "time")
    ax.set_ylabel(_label(sim))
    ax.set_title(theory.attrs.get("title", "theory vs simulation"))
    ax.legend(loc="best", fontsize=8)
    return fig


def sync_steps_figure(simulation: xr.Dataset, exact: xr.Dataset, amari_maginu: xr.Dataset, *,
                      trial_dim: str = "trial") -> Figure:
    """Synchronous binary overlaps: simulation (mean +- s.e.), exact two steps and Amari-Maginu."""
    sim = simulation["overlap"]
    trials = sim.sizes[trial_dim]
    mean = sim.mean(trial_dim).values
    se = (sim.std(trial_dim, ddof=1) / np.sqrt(trials)).values
    fig = Figure(figsize=(6, 4))
    ax = fig.add_subplot()
    ax.errorbar(simulation["time"].values, mean, yerr=se, fmt="o", color="k", capsize=3,
                label=f"simulation ({trials} trials, N = {simulation.attrs.get('neurons', '?')})")
    ax.plot(exact["time"].values, exact["overlap"].values, "s-", color="C3", label="exact (Gardner-Derrida-Mottishaw)")
    ax.plot(amari_maginu["time"].values, amari_maginu["overlap"].values, "^--", color="C0", label="Amari-Maginu")
    ax.set_xlabel("synchronous step")
    ax.set_ylabel("overlap m_t [1]")
    ax.legend(loc="best", fontsize=8)
    return fig


def draw_finite_size(ax, blackout: xr.Dataset, systematic, *, size_dim: str = "neurons",
                     reference: float | None = None, exponents=(0.25, 0.5, 1.0)) -> None:
    """On ``ax``: alpha_c(N) +- s.e. against u = N^(-1/2) (N -> infinity at u = 0), the fixed-exponent
    fits alpha_inf(x) + c(x) u^(2x) for the ``exponents`` (nearest on the systematic's grid), the
    free-exponent fit, and at u = 0 the bar alpha_inf +- total s.e. (statistical and exponent spread) of
    a :class:`~hopfield_hclm.memory.theory.finite_size.ScalingSystematic`."""
    n = blackout[size_dim].values.astype(float)
    u = n**-0.5
    ax.errorbar(u, blackout["blackout_load"].values, yerr=blackout["blackout_load_stderr"].values, fmt="o",
                color="k", ms=4, capsize=3, zorder=5, label="alpha_c(N): retrieving fraction 1/2")
    for ni, ui, yi in zip(n, u, blackout["blackout_load"].values):
        ax.annotate(f"{int(ni)}", (ui, yi), textcoords="offset points", xytext=(4, -10), fontsize=6)
    grid = np.linspace(0.0, u.max() * 1.05, 200)
    xs = np.asarray(systematic.exponents)
    for k, x in enumerate(exponents):
        i = int(np.argmin(np.abs(xs - x)))
        a, c = systematic.alpha_inf_by_exponent[i], systematic.slope_by_exponent[i]
        ax.plot(grid, a + c * grid ** (2 * xs[i]), color=f"C{k}", lw=1,
                label=f"x = {xs[i]:.2g}: alpha_inf = {a:.4f} ± {systematic.stderr_by_exponent[i]:.4f}")
    free = systematic.free
    if free is not None and free.constrained and np.isfinite(free.alpha_inf):  # drawn only where the data bound x
        ax.plot(grid, free.alpha_inf + free.slope * grid ** (2 * free.exponent), color="C3", ls="--", lw=1,
                label=f"free x = {free.exponent:.2f}: alpha_inf = {free.alpha_inf:.4f} ± {free.alpha_inf_stderr:.4f}")
    ax.errorbar([0.0], [systematic.alpha_inf], yerr=[systematic.total_stderr], fmt="s", color="0.4", ms=5,
                capsize=4, lw=2, label=f"alpha_inf = {systematic.alpha_inf:.4f} ± {systematic.total_stderr:.4f} "
                                        f"(stat ⊕ spread over x in [{systematic.exponent_range[0]:g}, "
                                        f"{systematic.exponent_range[1]:g}])")
    if reference is not None:
        ax.axhline(reference, color="k", ls=":", lw=1, label=f"replica-symmetric alpha_c = {reference:.4f}")
    ax.set_xlim(-0.002, u.max() * 1.08)
    values = np.concatenate([blackout["blackout_load"].values - blackout["blackout_load_stderr"].values,
                             blackout["blackout_load"].values + blackout["blackout_load_stderr"].values,
                             [systematic.alpha_inf - systematic.total_stderr, systematic.alpha_inf + systematic.total_stderr]
                             + ([reference] if reference is not None else [])])
    values = values[np.isfinite(values)]
    pad = 0.6 * (values.max() - values.min())
    ax.set_ylim(values.min() - pad, values.max() + 0.15 * pad)
    ax.set_xlabel("N^(-1/2)  (fits: alpha_inf + c N^(-x); N -> infinity at 0)")
    ax.set_ylabel("blackout load alpha_c [1]")
    ax.legend(loc="lower right", fontsize=6)


def finite_size_figure(blackout: xr.Dataset, fit=None, *, size_dim: str = "neurons", reference: float | None = None,
                       systematic=None) -> Figure:
    """alpha_c(N) with error bars and its extrapolation.

    With ``systematic`` (a :class:`~hopfield_hclm.memory.theory.finite_size.ScalingSystematic`): against
    N on a log axis, with fits at several exponents and the total-uncertainty band
    (:func:`draw_finite_size`). Otherwise against N^(-nu) with the one fixed-exponent ``fit``.
    """
    if systematic is not None:
        fig = Figure(figsize=(6.5, 4.2))
        draw_finite_size(fig.add_subplot(), blackout, systematic, size_dim=size_dim, reference=reference)
        return fig
    n = blackout[size_dim].values.astype(float)
    nu = fit.exponent if fit is not None else 0.5
    x = n**-nu
    fig = Figure(figsize=(6, 4))
    ax = fig.add_subplot()
    ax.errorbar(x, blackout["blackout_load"].values, yerr=blackout["blackout_load_stderr"].values, fmt="o",
                color="k", capsize=3, label="blackout load from sweeps")
    if fit is not None:
        grid = np.linspace(0.0, x.max() * 1.05, 50)
        ax.plot(grid, fit.alpha_inf + fit.slope * grid, color="C3",
                label=f"fit: alpha_inf = {fit.alpha_inf:.4f} ± {fit.alpha_inf_stderr:.4f}")
    if reference is not None:
        ax.axhline(reference, color="C2", ls=":", label=f"theory {reference:.4f}")
    ax.set_xlabel(f"N^(-{nu:g})")
    ax.set_ylabel("blackout load alpha_c [1]")
    ax.legend(loc="best", fontsize=8)
    return fig
