"""hopfield_hclm: associative memory above capacity and entropy-regulated learning.

Subpackages are imported lazily so that ``import hopfield_hclm`` is cheap and a problem in
one half of the project never breaks the other:

- :mod:`hopfield_hclm.memory` -- Hopfield / dense associative memory dynamics and diagnostics.
- :mod:`hopfield_hclm.hclm`   -- entropy surrogates, information force, entropy flow, controllers.
- :mod:`hopfield_hclm.core`   -- seeds, devices, validation, result schema, the sweep engine.
- :mod:`hopfield_hclm.plots`  -- figure functions taking Datasets and returning Figures.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"
__all__ = ["core", "memory", "hclm", "plots", "__version__"]


def __getattr__(name: str):
    if name in ("core", "memory", "hclm", "plots"):
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
