"""Theory beside simulation: static mean-field, exact/approximate synchronous steps, DMFT.

- :func:`ags_capacity`, :func:`ags_overlap` -- binary Hopfield, T = 0, replica symmetric (AGS 1987).
- :func:`graded_fixed_point`, :func:`graded_capacity` -- static branch of the graded n = 1 family
  (continuation in alpha; :class:`GradedCapacity` says where and why the branch ends).
- :func:`krotov_hopfield_capacity` -- P_max = N^(k-1) / (2 (2k-3)!! ln N).
- :func:`sync_overlaps` -- exact two synchronous steps (Gardner-Derrida-Mottishaw 1987) and the
  Amari-Maginu recursion.
- :func:`dmft` -- dynamical mean-field theory of the graded dynamics (orders 1, 2, 4) as a Dataset in
  the simulator's schema; :func:`initial_slope` its closed-form dm/dt at t = 0.
- :func:`compare` -- theory minus simulation with its statistical error per time point.
- :func:`blackout_load`, :func:`extrapolate_blackout` -- finite-size scaling of the blackout load.
"""

from .compare import compare, sync_dataset
from .dmft import DMFTConvergenceError, dmft, dmft_memory_bytes, gaussian_moment, initial_slope
from .finite_size import blackout_load, extrapolate_blackout
from .static import (
    GradedCapacity,
    GradedFixedPoint,
    StaticConvergenceError,
    ags_capacity,
    ags_overlap,
    graded_capacity,
    graded_fixed_point,
    krotov_hopfield_capacity,
)
from .sync import SYNC_METHODS, sync_overlaps

__all__ = [
    "DMFTConvergenceError",
    "GradedCapacity",
    "GradedFixedPoint",
    "SYNC_METHODS",
    "StaticConvergenceError",
    "ags_capacity",
    "ags_overlap",
    "blackout_load",
    "compare",
    "dmft",
    "dmft_memory_bytes",
    "extrapolate_blackout",
    "gaussian_moment",
    "graded_capacity",
    "graded_fixed_point",
    "initial_slope",
    "krotov_hopfield_capacity",
    "sync_dataset",
    "sync_overlaps",
]
