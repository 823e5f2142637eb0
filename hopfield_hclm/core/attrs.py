"""Result schema: CF-style metadata for every Dataset the project writes (DESIGN.md §6).

Every data variable and coordinate carries ``long_name`` and ``units`` ("1" for fractions and
dimensionless numbers). Every Dataset carries the global attributes ``Conventions``, ``title``,
``source`` (package, torch and numpy versions, device, dtype), ``history``, ``references``, the
resolved configuration as one JSON string ``config`` and its hash ``config_hash``.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
from collections.abc import Mapping
from typing import Any

import numpy as np
import xarray as xr

CONVENTIONS = "CF-1.10"


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if hasattr(obj, "__fspath__"):
        return str(obj)
    return str(obj)


def canonical_json(config: Mapping[str, Any]) -> str:
    """Deterministic JSON of a configuration (sorted keys, numpy scalars as Python numbers)."""
    return json.dumps(config, sort_keys=True, default=_jsonable, separators=(",", ":"))


def config_hash(config: Mapping[str, Any]) -> str:
    """First 16 hex digits of the SHA-256 of :func:`canonical_json`."""
    return hashlib.sha256(canonical_json(config).encode()).hexdigest()[:16]


def config_attrs(config: Mapping[str, Any]) -> dict[str, str]:
    """``{"config": <json>, "config_hash": <hash>}`` for a Dataset's global attributes."""
    return {"config": canonical_json(config), "config_hash": config_hash(config)}


def global_attrs(
    *,
    title: str,
    config: Mapping[str, Any],
    references: str,
    device: Any = "cpu",
    dtype: Any = "float32",
    history: str | None = None,
) -> dict[str, str]:
    """Global attributes of the schema; ``history`` gets a UTC timestamp line prepended."""
    import torch

    from .. import __version__

    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    source = (
        f"hopfield_hclm {__version__}; torch {torch.__version__}; numpy {np.__version__}; "
        f"device {device}; dtype {str(dtype).removeprefix('torch.')}"
    )
    line = f"{stamp} {history or 'created by hopfield_hclm ' + __version__}"
    return {
        "Conventions": CONVENTIONS,
        "title": title,
        "source": source,
        "history": line,
        "references": references,
        **config_attrs(config),
    }


def annotate(ds: xr.Dataset, metadata: Mapping[str, tuple[str, str]]) -> xr.Dataset:
    """Set ``long_name`` and ``units`` on the variables/coordinates of ``ds`` named in ``metadata``.

    ``metadata`` maps a name to ``(long_name, units)``; names absent from ``ds`` are skipped.
    Modifies ``ds`` in place and returns it.
    """
    for name, (long_name, units) in metadata.items():
        if name in ds.variables:
            ds[name].attrs.update(long_name=long_name, units=units)
    return ds


def missing_cf_attrs(ds: xr.Dataset) -> list[str]:
    """Names of variables/coordinates lacking ``long_name`` or ``units``, plus missing global attrs."""
    missing = [
        str(name)
        for name, var in ds.variables.items()
        if "long_name" not in var.attrs or "units" not in var.attrs
    ]
    for key in ("Conventions", "title", "source", "history", "references", "config", "config_hash"):
        if key not in ds.attrs:
            missing.append(f"global:{key}")
    return missing
