"""Figure functions: take Datasets, return matplotlib Figures (labels from the Dataset attrs).

- :mod:`hopfield_hclm.plots.memory` -- transient-recovery curves, trajectories, heatmaps, phase diagrams.
- :mod:`hopfield_hclm.plots.theory` -- theory overlays, synchronous steps, finite-size scaling.
- :mod:`hopfield_hclm.plots.hclm`   -- HCLM regimes, force dynamics, entropy flow, scaling.

Submodules import lazily (matplotlib is loaded only when a figure is asked for).
"""

from __future__ import annotations

import importlib

__all__ = ["memory", "theory", "hclm"]


def __getattr__(name: str):
    if name in __all__:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
