"""The sweep store: a Zarr group pre-allocated from the resolved config, filled unit by unit.

Layout: every output variable of a unit gets the grid dims prepended, ``(*axes, *unit dims)``,
chunked one grid point per chunk, so a unit is a region write that touches only its own chunks.
A ``completed`` flag per grid point (uncompressed, one chunk each) is written *after* the unit's
data, so a unit counts as done only once its data are on disk; a store killed at any moment
resumes by recomputing exactly the units without the flag. Coordinates known without running
(axis values, unit dims, per-point labels such as ``patterns`` on ``load``) are written at
creation. The root attrs carry the CF global attributes, the resolved config and its hash;
a store made from another config is refused.

Only the parent process writes; workers return plain arrays (:class:`UnitResult`).
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr

from ..attrs import config_hash, global_attrs
from . import zarr_io
from .grid import WorkUnit, work_units
from .kinds import Kind, get_kind
from .spec import SweepSpec, check_templates

STORE_FORMAT = 1
COMPLETED = "completed"
_COMPLETED_ATTRS = {"long_name": "grid point computed and written", "units": "1"}


@dataclass(frozen=True)
class UnitResult:
    """What a worker sends back: name -> (dims, values) for every variable and coordinate."""

    arrays: Mapping[str, tuple[tuple[str, ...], np.ndarray]]

    @classmethod
    def from_dataset(cls, ds: xr.Dataset) -> "UnitResult":
        return cls({str(k): (tuple(map(str, v.dims)), np.asarray(v.values)) for k, v in ds.variables.items()})


def check_writable(out: str | os.PathLike) -> str:
    """Refuse an output path whose parent directory is missing or not writable (before any work)."""
    out = os.path.abspath(os.fspath(out))
    parent = os.path.dirname(out)
    if os.path.exists(out):
        if not os.path.isdir(out) or not os.access(out, os.W_OK):
            raise ValueError(f"out={out!r} exists but is not a writable directory (a Zarr store)")
    elif not os.path.isdir(parent) or not os.access(parent, os.W_OK | os.X_OK):
        raise ValueError(f"out={out!r}: the directory {parent!r} does not exist or is not writable")
    return out


def _fill(dtype: np.dtype) -> Any:
    if np.issubdtype(dtype, np.floating):
        return np.nan
    if dtype == bool:
        return False
    return 0


def _reduce_constant(values: np.ndarray, dims: tuple[str, ...], grid_dims: tuple[str, ...]):
    """Drop the grid dims along which a per-point coordinate does not change."""
    kept = []
    for axis, dim in enumerate(grid_dims):
        first = np.take(values, [0], axis=axis)
        same = np.array_equal(values, np.broadcast_to(first, values.shape), equal_nan=values.dtype.kind == "f")
        if same:
            values = first
        else:
            kept.append(dim)
    squeeze = tuple(i for i, d in enumerate(grid_dims) if d not in kept)
    return np.squeeze(values, axis=squeeze), tuple(kept) + dims


def _axis_attrs(kind: Kind, template: xr.Dataset, name: str) -> dict[str, str]:
    meta = getattr(kind, "axis_meta", None) or {}
    if name in meta:
        long_name, units = meta[name]
        return {"long_name": long_name, "units": units}
    if name in template.variables and "long_name" in template[name].attrs:
        return {k: template[name].attrs[k] for k in ("long_name", "units") if k in template[name].attrs}
    return {"long_name": name.replace("_", " "), "units": "1"}


def _axis_echoes(template: xr.Dataset, spec: SweepSpec) -> list[str]:
    """Unit variables named like a swept axis: scalar echoes of the axis value are dropped; a unit
    variable with dims that shares an axis's name would be silently lost, so it is refused."""
    echoes = [name for name in spec.dims if name in template.variables]
    for name in echoes:
        if template[name].ndim:
            raise ValueError(
                f"kind {spec.kind!r} returns a variable {name!r} with dims {template[name].dims}, which has the "
                f"name of the swept axis {name!r}; rename the variable in the kind or sweep another argument"
            )
    return echoes


def skeleton(spec: SweepSpec) -> xr.Dataset:
    """The sweep Dataset with lazy fill-valued data (dask), real coordinates and all attrs."""
    import dask.array as da

    kind = get_kind(spec.kind)
    units = work_units(spec)
    templates = [kind.template(**u.args) for u in units]   # once per grid point, the only place they are built
    check_templates(spec, units, templates)
    first = templates[0].drop_vars(_axis_echoes(templates[0], spec))
    grid = spec.dims
    gshape = spec.shape
    data_vars = {}
    for name, var in first.data_vars.items():
        chunks = (1,) * len(grid) + var.shape
        arr = da.full(gshape + var.shape, _fill(var.dtype), dtype=var.dtype, chunks=chunks)
        data_vars[name] = xr.Variable(grid + var.dims, arr, attrs=dict(var.attrs))
    data_vars[COMPLETED] = xr.Variable(grid, da.zeros(gshape, dtype=bool, chunks=(1,) * len(grid)), attrs=_COMPLETED_ATTRS)
    coords: dict[str, xr.Variable] = {}
    for axis in spec.axes:
        coords[axis.name] = xr.Variable((axis.name,), np.array(axis.values), attrs=_axis_attrs(kind, first, axis.name))
    for name, var in first.coords.items():
        if name in first.dims:
            coords[name] = xr.Variable((name,), var.values, attrs=dict(var.attrs))
            continue
        stacked = np.stack([np.asarray(t[name].values) for t in templates]).reshape(gshape + var.shape)
        values, dims = _reduce_constant(stacked, tuple(var.dims), grid)
        coords[name] = xr.Variable(dims, values, attrs=dict(var.attrs))
    attrs = global_attrs(
        title=spec.title or kind.title or f"{spec.kind} sweep",
        config=spec.resolved(),
        references=kind.references or str(first.attrs.get("references", "")),
        history=f"sweep of kind {spec.kind!r} over {list(grid)} created by hopfield_hclm",
    )
    if "source" in first.attrs:  # the kind resolved device and dtype (defaults included); the engine does not guess
        attrs["source"] = str(first.attrs["source"])
    attrs.update(sweep_kind=spec.kind, sweep_format=STORE_FORMAT, sweep_dims=json.dumps(list(grid)),
                 sweep_unit_dims=json.dumps(list(first.dims)))
    if spec.description:
        attrs["comment"] = spec.description
    return xr.Dataset(data_vars, coords=coords, attrs=attrs)


class SweepStore:
    """An open sweep store on disk (see the module docstring)."""

    def __init__(self, path: str, spec: SweepSpec):
        self.path = path
        self.spec = spec
        self._arrays = zarr_io.open_arrays(path)
        self._coords = {}

    @classmethod
    def open_or_create(cls, path: str | os.PathLike, spec: SweepSpec) -> tuple["SweepStore", bool]:
        """Open the store at ``path`` for ``spec`` (resume) or create it; returns (store, created)."""
        path = check_writable(path)
        digest = config_hash(spec.resolved())
        if os.path.exists(path) and os.listdir(path):
            attrs = read_attrs(path)
            if attrs.get("sweep_format") != STORE_FORMAT:
                raise ValueError(f"out={path!r} exists and is not a hopfield_hclm sweep store; choose another path")
            if attrs.get("config_hash") != digest:
                raise ValueError(
                    f"the store at {path!r} was made from a different config (hash {attrs.get('config_hash')}, "
                    f"this config has hash {digest}); use another --out or delete the old store"
                )
            return cls(path, spec), False
        ds = skeleton(spec)
        encoding = {COMPLETED: {"compressors": None}}
        with warnings.catch_warnings():
            # string axes (e.g. update = ["sync", "async"]) use zarr's fixed-width UTF-32 dtype, which
            # zarr flags as not yet in the v3 spec; xarray reads it back fine
            warnings.filterwarnings("ignore", message=".*does not have a Zarr V3 specification.*")
            ds.to_zarr(path, mode="w", compute=False, zarr_format=3, consolidated=False, encoding=encoding)
        return cls(path, spec), True

    def completed(self) -> np.ndarray:
        """Boolean ``completed`` flags, shape = grid shape."""
        return np.asarray(self._arrays[COMPLETED][...], dtype=bool).reshape(self.spec.shape)

    def _stored_coord(self, name: str) -> np.ndarray:
        if name not in self._coords:
            self._coords[name] = np.asarray(self._arrays[name][...])
        return self._coords[name]

    def write_unit(self, unit: WorkUnit, result: UnitResult) -> None:
        """Region-write one unit's arrays, then its ``completed`` flag."""
        grid = self.spec.dims
        index = unit.index
        writes = []
        for name, (dims, values) in result.arrays.items():
            if name in grid or name == COMPLETED:
                continue
            if name not in self._arrays:
                raise RuntimeError(f"unit {unit.label(grid)} returned {name!r}, which the kind's template does not declare")
            arr = self._arrays[name]
            stored_dims = zarr_io.dimension_names(arr)
            if stored_dims[: len(grid)] == grid and len(stored_dims) == len(grid) + len(dims):
                if stored_dims[len(grid):] != dims or arr.shape[len(grid):] != values.shape:
                    raise RuntimeError(
                        f"unit {unit.label(grid)}: {name!r} has dims {dims} shape {values.shape}, "
                        f"template said {stored_dims[len(grid):]} {arr.shape[len(grid):]}"
                    )
                writes.append((arr, index, values))
            else:  # a coordinate fixed at creation: it must agree with what the unit computed
                stored = self._stored_coord(name)
                sel = tuple(index[grid.index(d)] for d in stored_dims if d in grid)
                expected = stored[sel] if sel else stored
                if expected.shape != values.shape or not np.array_equal(
                    expected, values, equal_nan=values.dtype.kind == "f"
                ):
                    raise RuntimeError(f"unit {unit.label(grid)}: coordinate {name!r} differs from the kind's template")
        zarr_io.write_regions([(arr, idx, values.astype(arr.dtype, copy=False)) for arr, idx, values in writes])
        self._arrays[COMPLETED][index] = True


def read_attrs(path: str | os.PathLike) -> dict[str, Any]:
    """Root attributes of a store (reads only the metadata)."""
    return zarr_io.read_root_attrs(path)


def open_sweep(path: str | os.PathLike, *, mask: bool = True) -> xr.Dataset:
    """Load a sweep store as one Dataset; grid points not completed are NaN in every variable."""
    path = os.fspath(path)
    if not os.path.isdir(path):
        raise ValueError(f"{path!r} is not a sweep store (no such directory)")
    read_attrs(path)
    # chunks=None reads through zarr directly: a dask graph over one chunk per grid point costs more
    # than the read itself for the small per-unit chunks a sweep has
    ds = xr.open_zarr(path, consolidated=False, zarr_format=3, chunks=None).load()
    for name in ds.variables:
        ds[name].encoding = {}
    if mask and COMPLETED in ds and not bool(ds[COMPLETED].all()):
        done = ds[COMPLETED]
        for name in list(ds.data_vars):
            if name != COMPLETED:
                attrs = ds[name].attrs
                ds[name] = ds[name].where(done)
                ds[name].attrs = attrs
    return ds


def export_netcdf(ds_or_path: xr.Dataset | str | os.PathLike, out: str | os.PathLike) -> str:
    """Write a sweep (Dataset or store path) to one netCDF-4 file via h5netcdf."""
    out = os.fspath(out)
    parent = os.path.dirname(os.path.abspath(out))
    if not os.path.isdir(parent) or not os.access(parent, os.W_OK):
        raise ValueError(f"out={out!r}: the directory {parent!r} does not exist or is not writable")
    ds = ds_or_path if isinstance(ds_or_path, xr.Dataset) else open_sweep(ds_or_path)
    ds = ds.copy()
    if COMPLETED in ds:
        ds[COMPLETED] = ds[COMPLETED].astype("int8")
        ds[COMPLETED].attrs = dict(_COMPLETED_ATTRS)
    for name, var in ds.variables.items():
        if var.dtype == bool:
            attrs = dict(var.attrs)
            ds[name] = var.astype("int8")
            ds[name].attrs = attrs
    ds.to_netcdf(out, engine="h5netcdf")
    return out
