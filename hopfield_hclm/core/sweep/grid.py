"""Grid -> work units. A unit is all trials of one grid point, computed in one batched call."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # annotations only: the spec module builds work units to validate itself
    from .spec import SweepSpec

_SEED_MASK = (1 << 63) - 1


@dataclass(frozen=True)
class WorkUnit:
    """One grid point.

    Attributes:
        index: position in the grid, one integer per axis, shape ``(len(spec.axes),)``.
        flat: row-major position (0 .. spec.size - 1).
        args: full keyword arguments of the kind's compute function (base, axis values, trials, seed).
    """

    index: tuple[int, ...]
    flat: int
    args: dict[str, Any]

    def label(self, dims: tuple[str, ...]) -> str:
        """Human-readable ``name=value`` description of the grid point."""
        return ", ".join(f"{d}={self.args[d]!r}" for d in dims) or "single point"


def point_seed(spec: SweepSpec, flat: int) -> int:
    """Root seed of grid point ``flat``: the spec's seed ("common") or one derived from it ("independent")."""
    if spec.seeds == "common":
        return spec.seed
    state = np.random.SeedSequence([spec.seed, flat]).generate_state(2, dtype=np.uint32)
    return (int(state[0]) << 32 | int(state[1])) & _SEED_MASK


def work_units(spec: SweepSpec) -> list[WorkUnit]:
    """Every grid point in row-major order (last axis fastest)."""
    units = []
    ranges = [range(len(axis)) for axis in spec.axes]
    for flat, index in enumerate(itertools.product(*ranges)):
        args = dict(spec.base)
        args.update({axis.name: axis.values[i] for axis, i in zip(spec.axes, index)})
        args["trials"] = spec.trials
        args["seed"] = point_seed(spec, flat)
        units.append(WorkUnit(index=tuple(index), flat=flat, args=args))
    return units
