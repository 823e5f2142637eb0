"""Figures of the HCLM experiments: take sweep Datasets (dims such as surrogate, regime, coef, trial,
epoch), return matplotlib Figures; axis labels from the variables' CF attributes.

Every curve is the mean over seeds (dim ``trial``) with a band or bar of ± one standard deviation
across seeds (the seed spread, not a standard error).
"""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr

from ..core.windows import between, last_label, tail
from .labels import label as _label


def label(var) -> str:
    """CF label of ``var`` wrapped to fit under a 4-inch panel."""
    return textwrap.fill(_label(var), 42)


__all__ = [
    "coefficient_summary",
    "epoch_series",
    "feedback_grid",
    "flow_identity",
    "gap_against_information",
    "scaling_panels",
    "step_series",
]

_COLORS = {"softmax": "tab:orange", "variance": "tab:blue", "logdet": "tab:green"}


def _spread(da: xr.DataArray, dim: str = "trial") -> tuple[np.ndarray, np.ndarray]:
    return da.mean(dim).values, da.std(dim, ddof=1).values if da.sizes.get(dim, 1) > 1 else np.zeros(da.mean(dim).shape)


def _symlog_x(ax, coefs) -> None:
    positive = [c for c in coefs if c > 0]
    ax.set_xscale("symlog", linthresh=min(positive) if positive else 1.0)


def coefficient_summary(ds: xr.Dataset, var: str, *, epoch: int | None = None, window: int = 1,
                        logy: bool = False) -> plt.Figure:
    """``var`` at the end of training against the base coefficient: one panel per regime, a line per surrogate.

    ``epoch`` (default: last) and ``window`` (mean over the last ``window`` epochs up to it) select
    the value; ``ds`` dims ``(surrogate, regime, coef, trial, epoch)``.
    """
    last = last_label(ds, "epoch") if epoch is None else epoch
    da = between(ds[var], "epoch", last - window + 1, last).mean("epoch", keep_attrs=True)
    regimes = list(ds.regime.values)
    fig, axes = plt.subplots(1, len(regimes), figsize=(4.2 * len(regimes), 3.4), sharey=True, squeeze=False)
    coefs = ds.coef.values
    for ax, regime in zip(axes[0], regimes):
        for surrogate in ds.surrogate.values:
            mean, sd = _spread(da.sel(regime=regime, surrogate=surrogate))
            ax.errorbar(coefs, mean, yerr=sd, marker="o", capsize=3, label=str(surrogate),
                        color=_COLORS.get(str(surrogate)))
        _symlog_x(ax, coefs)
        if logy:
            ax.set_yscale("log")
        ax.set_title(f"regime = {regime}")
        ax.set_xlabel(label(ds.coef))
    axes[0][0].set_ylabel(label(ds[var]) + (f" (mean of last {window} epochs)" if window > 1 else ""))
    axes[0][0].legend(fontsize=8)
    fig.tight_layout()
    return fig


def _lines_per_coef(ax, da: xr.DataArray, x, coefs, *, floor: float | None = None) -> None:
    """One line (seed mean, band ± seed s.d.) per coefficient of ``da`` (dims ``coef, trial, <x>``),
    coloured along viridis; ``floor`` clips the band's lower edge (for log axes)."""
    cmap = plt.get_cmap("viridis")
    for i, coef in enumerate(coefs):
        mean, sd = _spread(da.sel(coef=coef))
        color = cmap(i / max(1, len(coefs) - 1))
        ax.plot(x, mean, color=color, label=f"λ0 = {coef:g}")
        low = mean - sd if floor is None else np.maximum(mean - sd, floor)
        ax.fill_between(x, low, mean + sd, color=color, alpha=0.2)


def epoch_series(ds: xr.Dataset, var: str, *, surrogate: str, coefs=None, logy: bool = False) -> plt.Figure:
    """``var`` against epoch for one surrogate: one panel per regime, a line (± seed s.d.) per coefficient."""
    coefs = list(ds.coef.values) if coefs is None else list(coefs)
    panels = [(f"{surrogate}, regime = {regime}", ds[var].sel(surrogate=surrogate, regime=regime))
              for regime in ds.regime.values]
    return _panels_per_coef(ds[var], panels, ds.epoch, coefs, logy=logy, sharey=True)


def step_series(ds: xr.Dataset, var: str, *, regime: str, logy: bool = True, smooth: int = 1) -> plt.Figure:
    """Per-step ``var`` for one regime: one panel per surrogate, a line (± seed s.d.) per coefficient.

    ``smooth``: running mean over that many steps (1 = raw). ``ds`` dims ``(surrogate, regime, coef, trial, step)``.
    """
    panels = []
    for surrogate in ds.surrogate.values:
        da = ds[var].sel(surrogate=surrogate, regime=regime)
        if smooth > 1:
            da = da.rolling(step=smooth, min_periods=1).mean()
        panels.append((f"{surrogate}, regime = {regime}", da))
    return _panels_per_coef(ds[var], panels, ds.step, list(ds.coef.values), logy=logy, sharey=False,
                            floor=1e-12 if logy else None)


def _panels_per_coef(var: xr.DataArray, panels, x, coefs, *, logy: bool, sharey: bool, floor: float | None = None
                     ) -> plt.Figure:
    """One panel per ``(title, DataArray)`` of ``panels``, each with :func:`_lines_per_coef` against ``x``."""
    fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 3.4), sharey=sharey, squeeze=False)
    for ax, (title, da) in zip(axes[0], panels):
        _lines_per_coef(ax, da, x, coefs, floor=floor)
        if logy:
            ax.set_yscale("log")
        ax.set_title(title)
        ax.set_xlabel(label(x))
    axes[0][0].set_ylabel(label(var))
    axes[0][0].legend(fontsize=8)
    fig.tight_layout()
    return fig


def flow_identity(ds: xr.Dataset) -> plt.Figure:
    """Measured against first-order predicted per-step change of H, one panel per learning rate."""
    lrs = list(ds.lr.values)
    fig, axes = plt.subplots(1, len(lrs), figsize=(4.2 * len(lrs), 3.8), squeeze=False)
    for ax, lr in zip(axes[0], lrs):
        lim = 0.0
        for surrogate in ds.surrogate.values:
            pred = ds.step_entropy_change_predicted.sel(lr=lr, surrogate=surrogate).values.ravel()
            meas = ds.step_entropy_change_measured.sel(lr=lr, surrogate=surrogate).values.ravel()
            ax.scatter(pred, meas, s=4, alpha=0.4, label=str(surrogate), color=_COLORS.get(str(surrogate)))
            lim = max(lim, np.nanmax(np.abs(np.concatenate([pred, meas]))))
        ax.plot([-lim, lim], [-lim, lim], "k--", lw=0.8, label="measured = predicted")
        ax.set_xscale("symlog", linthresh=1e-4)
        ax.set_yscale("symlog", linthresh=1e-4)
        ax.set_title(f"SGD lr = {lr:g}")
        ax.set_xlabel(label(ds.step_entropy_change_predicted))
        ax.set_ylabel(label(ds.step_entropy_change_measured))
    axes[0][0].legend(fontsize=8, markerscale=3)
    fig.tight_layout()
    return fig


def scaling_panels(scale: np.ndarray, series: dict, *, xlabel: str, fits: dict | None = None) -> plt.Figure:
    """Log-log panels: ``series`` maps a title to a ``(scale, seed)`` array; ``fits`` maps the same
    titles to :class:`~hopfield_hclm.reports.scaling.PowerLawFit` results drawn as lines."""
    fits = fits or {}
    fig, axes = plt.subplots(1, len(series), figsize=(3.6 * len(series), 3.4), squeeze=False)
    for ax, (title, values) in zip(axes[0], series.items()):
        values = np.asarray(values, dtype=float)
        pos = np.where(values > 0, values, np.nan)
        ax.errorbar(scale, np.nanmean(pos, axis=1), yerr=np.nanstd(pos, axis=1, ddof=1), marker="o", capsize=3,
                    ls="none")
        fit = fits.get(title)
        if fit is not None and np.isfinite(fit.exponent):
            ax.plot(scale, fit.prefactor * np.asarray(scale, float) ** fit.exponent, "k--", lw=1,
                    label=f"slope {fit.exponent:.2f} ± {fit.exponent_stderr:.2f}")
            ax.legend(fontsize=8)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(title, fontsize=9)
        ax.set_xlabel(xlabel)
    fig.tight_layout()
    return fig


def gap_against_information(information: xr.DataArray, gap: xr.DataArray, *, by: str) -> plt.Figure:
    """Scatter of the generalisation gap against the Gaussian information bound, one colour per ``by`` value."""
    fig, ax = plt.subplots(figsize=(5, 3.8))
    cmap = plt.get_cmap("viridis")
    values = list(information[by].values)
    for i, v in enumerate(values):
        ax.scatter(information.sel({by: v}).values.ravel(), gap.sel({by: v}).values.ravel(), s=14,
                   color=cmap(i / max(1, len(values) - 1)), label=f"{by} = {v:g}")
    ax.set_xlabel(label(information))
    ax.set_ylabel(label(gap))
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def feedback_grid(ds: xr.Dataset, var: str, *, reference: float | None = None) -> plt.Figure:
    """``var`` (mean over the last 10 epochs) against reward noise, one line per delay (± seed s.d.)."""
    da = tail(ds[var], "epoch", 10).mean("epoch", keep_attrs=True)
    fig, ax = plt.subplots(figsize=(5, 3.6))
    for delay in ds.reward_delay.values:
        mean, sd = _spread(da.sel(reward_delay=delay))
        ax.errorbar(ds.reward_noise.values, mean, yerr=sd, marker="o", capsize=3, label=f"delay = {delay} epochs")
    if reference is not None:
        ax.axhline(reference, color="k", ls="--", lw=1, label="fixed λ = 0.1 (same seeds)")
    ax.set_xlabel(label(ds.reward_noise))
    ax.set_ylabel(label(ds[var]) + " (last 10 epochs)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
