"""Report of the attention experiment: the pre-registered §9.6 criterion, tables and figures.

``hopfield-hclm report attention`` reads ``data/attention.nc`` (the sweep of
``experiments/attention/config.toml``, exported through :func:`~hopfield_hclm.attention.sweep_kind.export_filter`)
and writes ``experiments/attention/REPORT.md`` and its figures.  The verdicts come from
:func:`evaluate_criterion`, which implements ``experiments/attention/CRITERION.md`` (committed before the
sweep was run).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import xarray as xr

from ..attention.sweep_kind import export_filter
from .builder import EXPORT_FILTERS, markdown_table, register
from .claims import INCONCLUSIVE, NOT_SUPPORTED, SUPPORTED, Interval, mean_interval

__all__ = ["CriterionResult", "PointVerdict", "evaluate_criterion", "held_out_gap", "reading_verdict"]

#: minimum effect on the readout overlap for H1 (CRITERION.md)
DELTA = 0.02
#: H2: the fraction of correct answers from non-retrieval head steps must exceed this
FRACTION = 0.5
TRAIN_MAX_PAIRS = 8

EXPORT_FILTERS["attention"] = export_filter


@dataclass(frozen=True)
class PointVerdict:
    """Both readings at one (shift, pairs) point: the intervals behind them and the verdicts."""

    shift: str
    pairs: int
    counted: bool
    gap: Interval
    best_probe_accuracy: Interval
    h1: str
    nonretrieval: Interval
    accuracy: Interval
    h2: str


@dataclass(frozen=True)
class CriterionResult:
    points: tuple[PointVerdict, ...]
    h1: str
    h2: str
    hypothesis: str
    chance: float


def held_out_gap(overlap_half: np.ndarray) -> np.ndarray:
    """G per model from ``overlap_half`` ``(trial, half, time)`` (time 0 = embedding, excluded from the argmax).

    G = ½[(m_B(l*_A) − m_B(L)) + (m_A(l*_B) − m_A(L))], l*_X = argmax_{l ≥ 1} m_X(l).
    """
    m = np.asarray(overlap_half, dtype=np.float64)
    if m.ndim != 3 or m.shape[1] != 2 or m.shape[2] < 2:
        raise ValueError(f"overlap_half must have shape (trial, 2, time >= 2); got {m.shape}")
    best = 1 + np.argmax(m[:, :, 1:], axis=-1)                     # (trial, half)
    a, b = m[:, 0], m[:, 1]
    rows = np.arange(m.shape[0])
    g_b = b[rows, best[:, 0]] - b[:, -1]
    g_a = a[rows, best[:, 1]] - a[:, -1]
    return 0.5 * (g_a + g_b)


def _h1(gap: Interval, acc: Interval, chance: float) -> str:
    if not acc.low > chance or gap.high < DELTA:
        return NOT_SUPPORTED
    if gap.low > 0 and gap.estimate >= DELTA:
        return SUPPORTED
    return INCONCLUSIVE


def _h2(frac: Interval, acc: Interval, chance: float) -> str:
    if not acc.low > chance or frac.high < FRACTION:
        return NOT_SUPPORTED
    if frac.low > FRACTION:
        return SUPPORTED
    return INCONCLUSIVE


def reading_verdict(verdicts) -> str:
    """Grid rule of CRITERION.md: supported at a strict majority -> supported; not supported at half or more ->
    not supported; otherwise inconclusive."""
    verdicts = list(verdicts)
    if not verdicts:
        raise ValueError("verdicts must hold at least one point verdict")
    n = len(verdicts)
    if 2 * sum(v == SUPPORTED for v in verdicts) > n:
        return SUPPORTED
    if 2 * sum(v == NOT_SUPPORTED for v in verdicts) >= n:
        return NOT_SUPPORTED
    return INCONCLUSIVE


def _counted(shift: str, pairs: int) -> bool:
    return shift != "none" or pairs > TRAIN_MAX_PAIRS


def evaluate_criterion(ds: xr.Dataset) -> CriterionResult:
    """The verdicts of CRITERION.md from the exported Dataset (dims shift, pairs, trial, ...)."""
    for name in ("overlap_half", "probe_accuracy", "model_accuracy", "correct_nonretrieval_fraction"):
        if name not in ds:
            raise ValueError(f"ds must contain {name!r} (an attention sweep); it has {sorted(map(str, ds.data_vars))}")
    chance = 1.0 / _values(ds)
    points = []
    for shift in ds["shift"].values.tolist():
        for pairs in ds["pairs"].values.tolist():
            p = ds.sel(shift=shift, pairs=pairs)
            gap = mean_interval(held_out_gap(p["overlap_half"].transpose("trial", "half", "time").values))
            mean_over = p["overlap"].mean("trial").values
            best = 1 + int(np.argmax(mean_over[1:]))
            best_acc = mean_interval(p["probe_accuracy"].isel(time=best).values)
            acc = mean_interval(p["model_accuracy"].values)
            frac = mean_interval(p["correct_nonretrieval_fraction"].values)
            points.append(PointVerdict(shift=str(shift), pairs=int(pairs), counted=_counted(str(shift), int(pairs)),
                                       gap=gap, best_probe_accuracy=best_acc, h1=_h1(gap, best_acc, chance),
                                       nonretrieval=frac, accuracy=acc, h2=_h2(frac, acc, chance)))
    counted = [p for p in points if p.counted]
    h1 = reading_verdict(p.h1 for p in counted)
    h2 = reading_verdict(p.h2 for p in counted)
    if SUPPORTED in (h1, h2):
        hypothesis = SUPPORTED
    elif h1 == NOT_SUPPORTED and h2 == NOT_SUPPORTED:
        hypothesis = NOT_SUPPORTED
    else:
        hypothesis = INCONCLUSIVE
    return CriterionResult(points=tuple(points), h1=h1, h2=h2, hypothesis=hypothesis, chance=chance)


def _values(ds: xr.Dataset) -> int:
    import json

    return int(json.loads(ds.attrs["config"])["base"].get("values", 16))
