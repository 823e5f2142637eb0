"""Associative memory: Hopfield and dense associative memory dynamics with transient diagnostics.

Public entry points (imported lazily):

- :func:`simulate` -- batched dynamics of binary or graded units; returns an ``xarray.Dataset``.
- :func:`transient_summary` -- finite-horizon and asymptotic retrieval summary of a trajectory Dataset.
- :mod:`theory` -- mean-field theory and DMFT beside the simulations.
"""

from __future__ import annotations

import importlib

_LAZY = {
    "simulate": ("simulation", "simulate"),  # module name differs so importing it never shadows the function
    "transient_summary": ("summary", "transient_summary"),
    "theory": ("theory", None),
}
__all__ = list(_LAZY)


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, attr = _LAZY[name]
    mod = importlib.import_module(f"{__name__}.{module}")
    return mod if attr is None else getattr(mod, attr)
