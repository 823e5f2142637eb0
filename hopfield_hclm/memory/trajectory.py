"""The record every dynamics returns: diagnostics streamed during a run (DESIGN.md §4).

Dynamics (binary sync/async, graded continuous) never build Datasets; they return a
:class:`Trajectory` holding small tensors recorded every ``record_every`` steps. ``simulate``
converts it to an ``xarray.Dataset`` at the boundary. Memory is O(trial x (neuron + pattern))
plus O(trial x record) for the series, whatever the number of steps, unless full states are asked for.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import numpy as np
import torch

#: name -> (long_name, units) for every series a dynamics may record.
SERIES_ATTRS: dict[str, tuple[str, str]] = {
    "overlap": ("overlap with the target pattern m(t)", "1"),
    "max_other_overlap": ("largest absolute overlap with a non-target pattern", "1"),
    "energy": ("energy per neuron", "1"),
    "activity": ("fraction of units that changed during the last sweep", "1"),
    "speed": ("state speed |dx/dt| / sqrt(N)", "1"),
    "retrieval_force": ("retrieval force <grad_x m, dx/dt> along the path", "1"),
}



def register_series(name: str, long_name: str, units: str = "1") -> None:
    """Declare a new series ``name`` (CF ``long_name`` and ``units``) a unit type may record.

    Re-declaring an existing name with the same metadata is a no-op; different metadata raise.
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"name must be an identifier string; got {name!r}")
    if name in SERIES_ATTRS and SERIES_ATTRS[name] != (long_name, units):
        raise ValueError(f"series {name!r} is already declared as {SERIES_ATTRS[name]}")
    SERIES_ATTRS[name] = (long_name, units)


#: Series recorded by binary dynamics (activity is NaN at time 0).
BINARY_SERIES: tuple[str, ...] = ("overlap", "max_other_overlap", "energy", "activity")
#: Series recorded by graded continuous-time dynamics.
GRADED_SERIES: tuple[str, ...] = ("overlap", "max_other_overlap", "energy", "speed", "retrieval_force")


def record_times(steps: int, record_every: int, step_length: float = 1.0) -> np.ndarray:
    """Times of the records, ``(steps // record_every + 1,)`` float64: ``k · record_every · step_length``.

    ``step_length`` is 1 for binary units (time in sweeps) and ``dt`` for graded units (time constants).
    """
    return np.arange(steps // record_every + 1, dtype=np.float64) * (record_every * step_length)


@dataclass(frozen=True)
class Trajectory:
    """Diagnostics of a batch of trials.

    Attributes:
        time: ``(record,)`` float64 times of the records; ``time[0] == 0`` is the cue. Sweeps for
            binary units, units of the time constant for graded units.
        series: name -> ``(trial, record)`` tensor, names from :data:`SERIES_ATTRS`.
        states: optional ``(trial, record, neuron)`` tensor of full states (s for binary, x for graded).
    """

    time: np.ndarray
    series: Mapping[str, torch.Tensor]
    states: torch.Tensor | None = None
    info: Mapping[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        records = len(self.time)
        for name, values in self.series.items():
            if name not in SERIES_ATTRS:
                raise ValueError(f"unknown series {name!r}; known: {sorted(SERIES_ATTRS)}")
            if values.ndim != 2 or values.shape[1] != records:
                raise ValueError(f"series {name!r} has shape {tuple(values.shape)}, expected (trial, {records})")
