"""Interfaces of unit types and dynamics: what ``simulate`` asks after it has resolved a model.

A **unit type** (:class:`UnitType`: binary ±1, graded tanh, or one a model brings, e.g. real-valued
states) owns the cue or initial state, the recorded series, the time axis, the options that only
it uses (cue overlap, gain, ...) and its runner. A **dynamics** object (:class:`Dynamics`: synchronous,
asynchronous, continuous) holds the update rule's own settings -- the Glauber temperature of binary
updates, ``dt`` and the integration method of continuous time -- and is resolved from the
``update=`` string by :func:`~hopfield_hclm.memory.dynamics.resolve_dynamics`.

``simulate`` calls, in this order: ``UnitType.check_patterns`` (user patterns),
``Dynamics.from_options``, ``UnitType.resolve``, ``UnitType.resolve_dtype``,
``Dynamics.resolve_backend``, then ``UnitType.run`` (returns a
:class:`~hopfield_hclm.memory.trajectory.Trajectory`) and ``UnitType.dataset_extras``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import torch

from ..options import Option

if TYPE_CHECKING:  # pragma: no cover
    from ..models.base import Bound, MemoryModel
    from ..spec import SimulationSpec
    from ..trajectory import Trajectory


@dataclass(frozen=True)
class Dynamics:
    """Base class of update rules (frozen dataclasses; fields are the rule's settings).

    ``name`` is set by :func:`~hopfield_hclm.memory.dynamics.register_dynamics`;
    ``step_length`` is the time one step advances (1 sweep for binary updates, ``dt`` for
    continuous time). Attributes ``temperature`` and ``method`` are read into the spec
    (0.0 / None where the rule has none).
    """

    name: ClassVar[str] = ""

    @classmethod
    def from_options(cls, *, units: str, temperature: float, dt: float, method: str | None) -> "Dynamics":
        """Validate ``simulate``'s dynamics options for this rule; ``ValueError`` naming the argument."""
        raise NotImplementedError

    @property
    def step_length(self) -> float:
        return 1.0

    @property
    def temperature(self) -> float:
        return 0.0

    @property
    def method(self) -> str | None:
        return None

    def resolve_backend(self, backend: str, bound: "Bound", device: torch.device, dtype: torch.dtype) -> str:
        """The compute backend: only "torch" unless the rule has another (binary asynchronous: numba)."""
        if backend == "numba":
            raise ValueError("backend must be 'auto' or 'torch' unless units='binary', update='async', device='cpu' "
                             "(and dtype float64 for model='exponential'); got backend='numba'")
        return "torch"


class UnitType:
    """Base class of unit types; instances are registered with
    :func:`~hopfield_hclm.memory.dynamics.register_units`.

    Class attributes: ``name``; ``updates`` (dynamics names it supports) and ``default_update``;
    ``series`` (names in :data:`~hopfield_hclm.memory.trajectory.SERIES_ATTRS`, see
    :func:`~hopfield_hclm.memory.trajectory.register_series`); ``time_units`` and ``time_long_name``
    of the time coordinate; ``state_long_name``/``state_bytes`` of the optional ``state`` variable;
    ``references``; ``options`` (extra :class:`~hopfield_hclm.memory.options.Option` s ``simulate``
    then accepts; their declared default must be None).
    """

    name: ClassVar[str] = ""
    updates: ClassVar[tuple[str, ...]] = ()
    default_update: ClassVar[str] = ""
    series: ClassVar[tuple[str, ...]] = ()
    time_units: ClassVar[str] = "1"
    time_long_name: ClassVar[str] = "time since the cue"
    state_long_name: ClassVar[str] = "unit states"
    references: ClassVar[str] = ""
    options: ClassVar[tuple[Option, ...]] = ()

    def check_patterns(self, patterns: Any, neurons: int) -> np.ndarray:
        """Validate user patterns ``(pattern, neuron)``; default: ±1 entries (returned as int8)."""
        from ..patterns import check_patterns

        return check_patterns(patterns, neurons=neurons)

    def resolve(self, model: "MemoryModel", values: dict[str, Any]) -> dict[str, Any]:
        """Check and default this unit type's options; return ``cue_overlap``, ``gain``,
        ``cue_strength`` (None where they do not apply), ``self_coupling`` (bool) and the unit
        type's own extra options. ``values`` holds every ``simulate`` option (raw)."""
        raise NotImplementedError

    def resolve_dtype(self, bound: "Bound", dtype: Any) -> torch.dtype:
        """The compute dtype from ``dtype``; default: float32 or float64, None meaning float32."""
        return self.float_dtype(dtype, default=torch.float32)

    def float_dtype(self, dtype: Any, *, default: torch.dtype) -> torch.dtype:
        """``dtype`` resolved (None: ``default``) if it is float32 or float64; else ``ValueError`` naming it."""
        from ...core.devices import resolve_dtype

        resolved = resolve_dtype(dtype, default=default)
        if resolved not in (torch.float32, torch.float64):
            raise ValueError(f"dtype must be 'float32', 'float64' or None for units={self.name!r}; got {dtype!r}")
        return resolved

    def refuse(self, values: dict[str, Any], names: tuple[str, ...], *, instead: str) -> None:
        """Raise ``ValueError`` for the first of ``names`` that is set in ``values`` (options these units
        do not use; ``instead`` names the one they use)."""
        for name in names:
            if values[name] is not None:
                raise ValueError(f"{name} must be None for units={self.name!r} (use {instead}); got {values[name]!r}")

    def state_bytes(self, spec: "SimulationSpec") -> int:
        """Bytes per recorded state element (for the memory estimate)."""
        return 4 if spec.dtype == "float32" else 8

    def run(self, spec: "SimulationSpec", *, model: "MemoryModel", dynamics: Dynamics, patterns: np.ndarray | None,
            generators: list[np.random.Generator], device: torch.device, dtype: torch.dtype) -> "Trajectory":
        """Draw the trial inputs (patterns unless given, then cue) from ``generators`` (one per trial,
        in a documented order) and run ``dynamics``; return a ``Trajectory`` whose series are
        ``self.series`` of shape ``(trial, spec.records)``."""
        raise NotImplementedError

    def dataset_extras(self, spec: "SimulationSpec") -> tuple[dict, dict]:
        """Extra ``(coords, attrs)`` of the result Dataset (e.g. graded units' ``realised_load``)."""
        return {}, {}
