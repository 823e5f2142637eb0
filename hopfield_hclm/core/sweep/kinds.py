"""Registry of sweepable computations ("kinds"). The engine knows nothing of physics.

A :class:`Kind` bundles, for one computation:

- ``compute(**args) -> xarray.Dataset``: one work unit (all trials of one grid point);
- ``template(**args) -> xarray.Dataset``: the same Dataset's dims, coordinates, variable
  dtypes and attrs, built *without* running the computation (data values are meaningless), so
  the store can be pre-allocated from the resolved config;
- ``validate(**args) -> None``: the computation's own argument checks (``ValueError``), cheap.

Kinds live with their domain and register themselves through the package metadata: the entry
point group ``hopfield_hclm.kinds`` (``pyproject.toml``) names ``memory``
(``memory/sweep_kind.py``, one ``simulate`` call per grid point) and ``hclm``
(``hclm/sweep_kind.py``, seeded ``run`` calls), so
this module imports neither domain and another installed package can add a kind the same way.
:func:`register_kind` adds one in the running process; a kind given as
``"package.module:attribute"`` is imported on demand (also inside worker processes).
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import xarray as xr


@dataclass(frozen=True)
class Kind:
    """One sweepable computation (see the module docstring)."""

    name: str
    compute: Callable[..., xr.Dataset]
    template: Callable[..., xr.Dataset]
    validate: Callable[..., None]
    title: str = ""
    references: str = ""
    #: axis name -> (long_name, units) for the coordinates of swept arguments
    axis_meta: Mapping[str, tuple[str, str]] = field(default_factory=dict)


_REGISTRY: dict[str, Kind | Callable[[], Kind]] = {}


def register_kind(kind: Kind | Callable[[], Kind], *, name: str | None = None) -> None:
    """Add ``kind`` (or a zero-argument factory returning it, for lazy imports) to the registry."""
    key = name or kind.name  # type: ignore[union-attr]
    _REGISTRY[key] = kind


ENTRY_POINT_GROUP = "hopfield_hclm.kinds"


def _entry_points() -> dict[str, "importlib.metadata.EntryPoint"]:
    from importlib.metadata import entry_points

    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def kind_names() -> list[str]:
    """Names of the kinds registered in this process or through installed entry points."""
    return sorted(set(_REGISTRY) | set(_entry_points()))


def get_kind(name: str) -> Kind:
    """The kind ``name`` (registered here or by an entry point), or the :class:`Kind` at
    ``"package.module:attribute"``."""
    if name not in _REGISTRY and ":" not in name:
        found = _entry_points().get(name)
        if found is not None:
            _REGISTRY[name] = found.load
    if name in _REGISTRY:
        entry = _REGISTRY[name]
        if not isinstance(entry, Kind):
            entry = entry()
            _REGISTRY[name] = entry
        return entry
    if ":" in name:
        module, _, attr = name.partition(":")
        try:
            obj = getattr(importlib.import_module(module), attr)
        except (ImportError, AttributeError) as exc:
            raise ValueError(f"kind {name!r} could not be imported: {exc}") from exc
        if not isinstance(obj, Kind):
            raise ValueError(f"kind {name!r} is not a hopfield_hclm.core.sweep.Kind")
        return obj
    raise ValueError(f"kind must be one of {kind_names()} or 'package.module:attribute'; got {name!r}")


def check_argument_names(function: Callable[..., Any], args: dict[str, Any], *, what: str) -> None:
    """Refuse argument names that ``function`` does not accept (unknown config keys)."""
    params = inspect.signature(function).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return
    unknown = sorted(set(args) - set(params))
    if unknown:
        raise ValueError(f"unknown argument(s) {unknown} for {what}; allowed: {sorted(params)}")
