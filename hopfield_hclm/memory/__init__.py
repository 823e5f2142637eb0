"""Associative memory: Hopfield and dense associative memory dynamics with transient diagnostics.

Public entry points (imported lazily):

- :func:`simulate` -- batched dynamics of binary or graded units; returns an ``xarray.Dataset``.
- :func:`transient_summary` -- finite-horizon and asymptotic retrieval summary of a trajectory Dataset.
- :mod:`theory` -- mean-field theory and DMFT beside the simulations.
- :mod:`models` -- one module per memory model (F = x², x^(n+1), exp(βx)) behind :func:`register_model` /
  :func:`resolve_model`; :mod:`dynamics` -- unit types and update rules behind :func:`register_units` /
  :func:`register_dynamics`; :mod:`spec` -- ``simulate``'s options declared once (docs/extending.md).
"""

from __future__ import annotations

import importlib

_LAZY = {
    "simulate": ("simulation", "simulate"),  # module name differs so importing it never shadows the function
    "transient_summary": ("summary", "transient_summary"),
    "theory": ("theory", None),
    "models": ("models", None),
    "dynamics": ("dynamics", None),
    "spec": ("spec", None),
    "MemoryModel": ("models", "MemoryModel"),
    "register_model": ("models", "register_model"),
    "resolve_model": ("models", "resolve_model"),
    "register_units": ("dynamics", "register_units"),
    "register_dynamics": ("dynamics", "register_dynamics"),
    "register_series": ("trajectory", "register_series"),
    "Option": ("options", "Option"),
}
__all__ = list(_LAZY)


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, attr = _LAZY[name]
    mod = importlib.import_module(f"{__name__}.{module}")
    return mod if attr is None else getattr(mod, attr)
