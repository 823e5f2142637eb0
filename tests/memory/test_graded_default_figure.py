"""The embedded default sweep's figure: one title, inside the figure, and both conventions labelled.

The sweep itself takes ~20 s, so the figure is drawn from a synthetic Dataset of the default sweep's
exact grid (its config parsed from DEFAULT_SWEEP) with made-up overlaps.
"""

from __future__ import annotations

import json

import matplotlib

matplotlib.use("Agg")

import numpy as np
import xarray as xr

from hopfield_hclm.core.sweep import loads_spec
from hopfield_hclm.plots.memory import recovery_curves
from hopfield_hclm.reports.defaults import DEFAULT_SWEEP


def default_like() -> xr.Dataset:
    spec = loads_spec(DEFAULT_SWEEP)
    axes = {axis.name: list(axis.values) for axis in spec.axes}
    shape = tuple(len(v) for v in axes.values()) + (spec.trials, 6)
    rng = np.random.default_rng(0)
    overlap = np.clip(rng.uniform(0.2, 1.0, shape), -1, 1)
    coords = {name: values for name, values in axes.items()}
    coords.update(trial=np.arange(spec.trials), time=np.arange(6) * 6.0)
    ds = xr.Dataset({"overlap": (tuple(axes) + ("trial", "time"), overlap)}, coords=coords)
    ds.attrs.update(title=spec.title, sweep_dims=json.dumps(list(axes)))
    return ds


def test_default_sweep_sweeps_both_conventions():
    spec = loads_spec(DEFAULT_SWEEP)
    names = [axis.name for axis in spec.axes]
    assert "self_coupling" in names
    assert sorted(bool(v) for v in spec.axes[names.index("self_coupling")].values) == [False, True]


def test_default_figure_title_is_single_and_fits():
    fig = recovery_curves(default_like())
    text = fig._suptitle.get_text()
    assert text.lower().count("transient recovery") == 1, text
    fig.canvas.draw()
    box = fig._suptitle.get_window_extent(fig.canvas.get_renderer())
    width = fig.get_figwidth() * fig.dpi
    assert box.x0 >= 0 and box.x1 <= width, (box, width)
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles == ["self-coupling removed", "self-coupling kept"]
