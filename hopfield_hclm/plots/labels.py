"""Axis labels and curve labels from CF attributes (``long_name [units]``)."""

from __future__ import annotations

import json

import xarray as xr


def label(var: xr.DataArray, *, name: str | None = None) -> str:
    """``long_name [units]`` of ``var`` (units "1" is dropped), falling back on its name."""
    text = var.attrs.get("long_name", name or str(var.name))
    units = var.attrs.get("units", "1")
    return text if units in ("1", "") else f"{text} [{units}]"


def short(name: str, value) -> str:
    """A compact ``name=value`` legend entry."""
    if isinstance(value, float):
        return f"{name}={value:.3g}"
    return f"{name}={value}"


def grid_dims(ds: xr.Dataset) -> list[str]:
    """The sweep's grid dims (from the ``sweep_dims`` attr, else every dim but trial and time)."""
    if "sweep_dims" in ds.attrs:
        return [d for d in json.loads(ds.attrs["sweep_dims"]) if d in ds.dims]
    return [d for d in ds.dims if d not in ("trial", "time", "threshold")]
