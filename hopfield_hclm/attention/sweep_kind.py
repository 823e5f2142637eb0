"""The "attention" kind: one unit = the ``trials`` trained recall transformers evaluated at one grid point.

Arguments are those of :func:`hopfield_hclm.attention.run.run`: the evaluation point (``pairs``,
``shift``), the training settings (fields of :class:`~hopfield_hclm.attention.train.TrainConfig`) and the
evaluation options.  Model k is trained from ``trial_seeds(seed, trials)[k]`` -- the same model at every
grid point (common random numbers; sweep the evaluation, never the training, in one config).  Trained
models are cached in the worker process, so a sweep run by one worker trains each model once; with more
workers each trains its own copy, bit-identical (single-threaded, weights and batches from numpy).

Every unit carries the models' training record (dim ``epoch``); it is the same at every grid point, and
:func:`export_filter` keeps one copy (without the grid dims) in the exported netCDF.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from ..core.sweep.kinds import Kind

_AXIS_META = {
    "pairs": ("key-value pairs in the context (load)", "1"),
    "shift": ("key statistics of the evaluation sequences", "1"),
}


def _run():
    import importlib

    return importlib.import_module(f"{__package__}.run")  # the module (the package exports the function run)


def validate(**args) -> None:
    _run().validate_run_args(**args)


def template(**args) -> xr.Dataset:
    return _run().run_template(**args)


def compute(**args) -> xr.Dataset:
    return _run().run(**args)


def export_filter(ds: xr.Dataset) -> xr.Dataset:
    """One copy of the training record (it is identical at every grid point; checked) and float32 data."""
    from .run import _TRAIN_VARS

    grid = [d for d in ("shift", "pairs") if d in ds.dims]
    out = ds.copy()
    for name in _TRAIN_VARS:
        if name not in ds:
            continue
        first = ds[name].isel({d: 0 for d in grid})
        same = np.allclose(ds[name].values, first.broadcast_like(ds[name]).transpose(*ds[name].dims).values,
                           equal_nan=True, rtol=0, atol=0)
        if not same:
            raise ValueError(f"training record {name!r} differs between grid points; models were not shared")
        out[name] = first.drop_vars(grid, errors="ignore")
    for name, var in out.data_vars.items():
        if var.dtype == np.float64:
            out[name] = var.astype(np.float32)
    return out


KIND = Kind(
    name="attention", compute=compute, template=template, validate=validate,
    title="Attention heads of a trained recall transformer as modern-Hopfield steps",
    references=("Ramsauer et al. 2021, Hopfield Networks is All You Need, ICLR, arXiv:2008.02217; "
                "Tran, K. P. (2026) Human-Centered Learning Mechanics, arXiv:2605.22940, sec. 9.6; "
                "Olsson et al. 2022, In-context learning and induction heads, arXiv:2209.11895"),
    axis_meta=_AXIS_META,
)
