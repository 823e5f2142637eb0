"""Registries of unit types and dynamics: the ``units=`` and ``update=`` strings of ``simulate``.

- :func:`register_units` ``(unit_type)`` / :func:`unit_type` ``(name)`` / :func:`unit_names`;
- :func:`register_dynamics` ``(name, cls)`` / :func:`dynamics_class` ``(name)`` / :func:`dynamics_names`.

Built in: binary units with ``sync`` (:class:`.discrete.Synchronous`) and ``async``
(:class:`.discrete.Asynchronous`) updates, both with an optional Glauber ``temperature``; graded
units with ``continuous`` updates (:class:`.continuous.Continuous`, ``dt`` and ``method`` =
euler | heun | rk4).
"""

from __future__ import annotations

from .base import Dynamics, UnitType

_UNITS: dict[str, UnitType] = {}
_DYNAMICS: dict[str, type[Dynamics]] = {}


def register_units(unit: UnitType, *, replace: bool = False) -> UnitType:
    """Register a :class:`UnitType` instance under ``unit.name``; returns it."""
    if not isinstance(unit, UnitType) or not unit.name:
        raise ValueError(f"unit must be a UnitType instance with a name; got {unit!r}")
    if unit.name in _UNITS and type(_UNITS[unit.name]) is not type(unit) and not replace:
        raise ValueError(f"units {unit.name!r} are already registered; pass replace=True")
    from ..trajectory import SERIES_ATTRS

    unknown = [s for s in unit.series if s not in SERIES_ATTRS]
    if unknown:
        raise ValueError(f"series {unknown} of units {unit.name!r} are not registered; call register_series first")
    _UNITS[unit.name] = unit
    return unit


def register_dynamics(name: str, cls: type[Dynamics], *, replace: bool = False) -> type[Dynamics]:
    """Register the :class:`Dynamics` subclass ``cls`` under ``name`` (sets ``cls.name``)."""
    if not (isinstance(cls, type) and issubclass(cls, Dynamics)):
        raise ValueError(f"cls must be a Dynamics subclass; got {cls!r}")
    if name in _DYNAMICS and _DYNAMICS[name] is not cls and not replace:
        raise ValueError(f"update {name!r} is already registered to {_DYNAMICS[name].__name__}; pass replace=True")
    cls.name = name
    _DYNAMICS[name] = cls
    return cls


def unit_names() -> tuple[str, ...]:
    return tuple(_UNITS)


def dynamics_names() -> tuple[str, ...]:
    return tuple(_DYNAMICS)


def unit_type(name: str) -> UnitType:
    """The unit type registered as ``name``; ``ValueError`` naming ``units`` otherwise."""
    if not isinstance(name, str) or name not in _UNITS:
        raise ValueError(f"units must be one of {', '.join(map(repr, _UNITS))}; got {name!r}")
    return _UNITS[name]


def dynamics_class(name: str) -> type[Dynamics]:
    """The dynamics class registered as ``name``; ``ValueError`` naming ``update`` otherwise."""
    if not isinstance(name, str) or name not in _DYNAMICS:
        raise ValueError(f"update must be one of {', '.join(map(repr, _DYNAMICS))}; got {name!r}")
    return _DYNAMICS[name]


from . import discrete  # noqa: E402  (the built-ins register themselves: binary first, then graded)
from . import continuous  # noqa: E402,I001

__all__ = ["Dynamics", "UnitType", "continuous", "discrete", "dynamics_class", "dynamics_names", "register_dynamics",
           "register_units", "unit_names", "unit_type"]
