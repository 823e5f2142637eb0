"""Everything the sweep store asks of zarr itself, behind one small adapter (xarray does the rest).

The store pre-allocates with ``xarray.Dataset.to_zarr(compute=False)`` and reads with
``xarray.open_zarr``; what xarray cannot do cheaply is a unit's *region writes*: one
``to_zarr(region=...)`` call per unit re-reads and re-validates the whole group's metadata, which
costs more than the few small chunks a unit writes. So a unit's arrays are written here directly:

- :func:`open_arrays` opens every array of the group once (a lookup per write would re-read metadata);
- :func:`dimension_names` reads an array's named dims (zarr v3 metadata);
- :func:`write_regions` writes ``[(array, index, values), ...]`` concurrently on zarr's own event loop,
  one round trip for all of them, through zarr's asynchronous array API; where that API is not
  there (another zarr layout) it falls back to plain synchronous ``array[index] = values``. The two
  paths give identical stores (tested), so the fallback changes speed, never content;
- :func:`read_root_attrs` reads the group's attributes only.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

Write = tuple[Any, tuple, np.ndarray]


def open_arrays(path: str | os.PathLike, *, mode: str = "r+") -> dict[str, Any]:
    """Every array of the group at ``path``, by name, opened once."""
    import zarr

    return dict(zarr.open_group(os.fspath(path), mode=mode).arrays())


def dimension_names(array) -> tuple[str, ...]:
    """The named dims of a zarr v3 array (empty when it has none)."""
    return tuple(array.metadata.dimension_names or ())


def _concurrent_writer():
    """``write(writes)`` on zarr's event loop, or None where zarr lacks the asynchronous API."""
    try:
        import asyncio

        from zarr.core.sync import sync
    except ImportError:
        return None

    def write(writes: Sequence[Write]) -> None:
        async def gather():
            await asyncio.gather(*(arr._async_array.setitem(idx, values) for arr, idx, values in writes))

        sync(gather())

    return write


def write_regions(writes: Sequence[Write], *, concurrent: bool = True) -> None:
    """Write each ``values`` into ``array[index]``; concurrently when possible (see the module docstring)."""
    writer = _concurrent_writer() if concurrent else None
    if writer is not None and all(hasattr(arr, "_async_array") for arr, _, _ in writes):
        writer(writes)
        return
    for arr, idx, values in writes:
        arr[idx] = values


def read_root_attrs(path: str | os.PathLike) -> dict[str, Any]:
    """The root group's attributes (metadata only); ValueError when ``path`` is not a zarr group."""
    import zarr

    try:
        return dict(zarr.open_group(os.fspath(path), mode="r").attrs)
    except Exception as exc:  # zarr raises several types for "not a group"
        raise ValueError(f"{os.fspath(path)!r} is not a Zarr sweep store: {exc}") from exc
