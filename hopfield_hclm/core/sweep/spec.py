"""Sweep configuration: a TOML file -> a validated, frozen :class:`SweepSpec`.

A config names a *kind* of computation (``"memory"`` runs ``hh.memory.simulate``), the base
arguments of one run, the sweep axes and the root seed::

    kind = "memory"
    title = "Blackout of the binary Hopfield network"
    seed = 0            # root seed (common random numbers, see below)
    trials = 16         # trials per grid point, batched in one unit

    [base]              # arguments of one run, shared by every grid point
    model = "hopfield"
    units = "binary"
    neurons = 1000

    [axes]              # each axis: a list, or a range table
    load = { start = 0.05, stop = 0.25, num = 9 }      # linspace, both ends included
    order = [1, 2]
    # { start = 1, stop = 4, step = 1 } -> arange with stop included
    # { start = 0.01, stop = 1.0, num = 5, scale = "log" } -> geomspace

**Seeds.** With ``seeds = "common"`` (the default) every grid point uses the same root seed, so
trial k at every grid point draws from the same stream: sync and async see the same patterns and
cues, and curves are compared at equal noise (common random numbers). ``seeds = "independent"``
gives each grid point its own root seed derived from ``SeedSequence([seed, point_index])``.

All checks raise ``ValueError`` naming the offending key before anything runs or is written.
"""

from __future__ import annotations

import math
import numbers
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from ..validation import check_choice, check_int
from .grid import work_units
from .kinds import check_argument_names, get_kind

TOP_LEVEL_KEYS = ("kind", "title", "description", "seed", "trials", "seeds", "base", "axes")
SEED_MODES = ("common", "independent")
_RANGE_KEYS = ("start", "stop", "num", "step", "scale")
_SCALARS = (bool, int, float, str)


@dataclass(frozen=True)
class Axis:
    """One swept argument: its name and its values in order (Python scalars, no duplicates)."""

    name: str
    values: tuple[Any, ...]

    def __len__(self) -> int:
        return len(self.values)


@dataclass(frozen=True)
class SweepSpec:
    """A validated sweep: ``kind`` run at every point of the grid spanned by ``axes``.

    Attributes:
        kind: registered kind name (see :mod:`hopfield_hclm.core.sweep.kinds`).
        base: arguments shared by every grid point (read-only mapping).
        axes: swept arguments, outermost first; the grid dims are their names in this order.
        seed: root seed; trials: trials per grid point; seeds: "common" or "independent".
    """

    kind: str
    base: Mapping[str, Any]
    axes: tuple[Axis, ...]
    seed: int = 0
    trials: int = 1
    seeds: str = "common"
    title: str = ""
    description: str = ""
    source_path: str | None = field(default=None, compare=False)

    @property
    def dims(self) -> tuple[str, ...]:
        return tuple(axis.name for axis in self.axes)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(len(axis) for axis in self.axes)

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    def resolved(self) -> dict[str, Any]:
        """The full configuration as plain JSON-able data; its hash identifies a store."""
        return {
            "kind": self.kind,
            "title": self.title,
            "seed": self.seed,
            "trials": self.trials,
            "seeds": self.seeds,
            "base": dict(self.base),
            "axes": {axis.name: list(axis.values) for axis in self.axes},
        }


def _python_scalar(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        value = float(f"{value:.12g}")  # 0.1 * 3 -> 0.3, so coordinates read cleanly
    return value


def _check_scalar(where: str, value: Any) -> Any:
    if not isinstance(value, _SCALARS) or (isinstance(value, float) and not math.isfinite(value)):
        raise ValueError(f"{where} must be a finite number, a string or a boolean; got {value!r}")
    return value


def _range_values(name: str, table: Mapping[str, Any]) -> list[Any]:
    unknown = sorted(set(table) - set(_RANGE_KEYS))
    if unknown:
        raise ValueError(f"axes.{name}: unknown range key(s) {unknown}; allowed: {list(_RANGE_KEYS)}")
    for key in ("start", "stop"):
        if key not in table:
            raise ValueError(f"axes.{name}: a range needs 'start' and 'stop' (and 'num' or 'step')")
        if isinstance(table[key], bool) or not isinstance(table[key], numbers.Real):
            raise ValueError(f"axes.{name}.{key} must be a number; got {table[key]!r}")
    if ("num" in table) == ("step" in table):
        raise ValueError(f"axes.{name}: give exactly one of 'num' or 'step'")
    scale = check_choice(f"axes.{name}.scale", table.get("scale", "linear"), ("linear", "log"))
    start, stop = table["start"], table["stop"]
    if "num" in table:
        num = check_int(f"axes.{name}.num", table["num"], minimum=1)
        if scale == "log":
            if start <= 0 or stop <= 0:
                raise ValueError(f"axes.{name}: a log range needs start > 0 and stop > 0")
            return [_python_scalar(v) for v in np.geomspace(start, stop, num)]
        if all(isinstance(v, int) for v in (start, stop)) and (num == 1 or (stop - start) % (num - 1) == 0):
            return [int(v) for v in np.linspace(start, stop, num).round()]
        return [_python_scalar(v) for v in np.linspace(start, stop, num)]
    if scale == "log":
        raise ValueError(f"axes.{name}: scale = 'log' needs 'num', not 'step'")
    step = table["step"]
    if isinstance(step, bool) or not isinstance(step, numbers.Real) or step == 0:
        raise ValueError(f"axes.{name}.step must be a non-zero number; got {step!r}")
    count = math.floor((stop - start) / step + 1e-9) + 1
    if count < 1:
        raise ValueError(f"axes.{name}: range from {start} to {stop} with step {step} is empty")
    if all(isinstance(v, int) for v in (start, stop, step)):
        return [start + k * step for k in range(count)]
    return [_python_scalar(start + k * step) for k in range(count)]


def _axis(name: str, raw: Any) -> Axis:
    if isinstance(raw, Mapping):
        values = _range_values(name, raw)
    elif isinstance(raw, (list, tuple)):
        values = [_python_scalar(_check_scalar(f"axes.{name}[{i}]", v)) for i, v in enumerate(raw)]
    else:
        raise ValueError(f"axes.{name} must be a list of values or a range table {{start, stop, num|step}}; got {raw!r}")
    if not values:
        raise ValueError(f"axes.{name} is empty; an axis needs at least one value")
    kinds = {type(v) if not isinstance(v, numbers.Real) or isinstance(v, bool) else numbers.Real for v in values}
    if len(kinds) > 1:
        raise ValueError(f"axes.{name} mixes value types {sorted(k.__name__ for k in kinds)}; use one type")
    if len(set(values)) != len(values):
        raise ValueError(f"axes.{name} has duplicate values {values}")
    return Axis(name=name, values=tuple(values))


def spec_from_dict(config: Mapping[str, Any], *, source_path: str | None = None) -> SweepSpec:
    """Validate a parsed config (the TOML tables as dicts) into a :class:`SweepSpec`.

    Checks the structure and types here, then the kind's own argument checks at every grid
    point (:func:`validate_spec`), all before anything runs.
    """
    if not isinstance(config, Mapping):
        raise ValueError(f"config must be a table; got {type(config).__name__}")
    unknown = sorted(set(config) - set(TOP_LEVEL_KEYS))
    if unknown:
        raise ValueError(f"unknown config key(s) {unknown}; allowed: {list(TOP_LEVEL_KEYS)}")
    if "kind" not in config:
        raise ValueError("config needs 'kind' (e.g. kind = \"memory\")")
    kind = config["kind"]
    if not isinstance(kind, str):
        raise ValueError(f"kind must be a string; got {kind!r}")
    for key in ("title", "description"):
        if not isinstance(config.get(key, ""), str):
            raise ValueError(f"{key} must be a string; got {config[key]!r}")
    seed = check_int("seed", config.get("seed", 0), minimum=0)
    trials = check_int("trials", config.get("trials", 1), minimum=1)
    seeds = check_choice("seeds", config.get("seeds", "common"), SEED_MODES)
    base = config.get("base", {})
    if not isinstance(base, Mapping):
        raise ValueError(f"base must be a table of run arguments; got {base!r}")
    for key, value in base.items():
        if key in ("seed", "trials"):
            raise ValueError(f"base.{key}: give '{key}' at the top level of the config, not in [base]")
        _check_scalar(f"base.{key}", value)
    raw_axes = config.get("axes", {})
    if not isinstance(raw_axes, Mapping):
        raise ValueError(f"axes must be a table of name = values; got {raw_axes!r}")
    axes = []
    for name, raw in raw_axes.items():
        if name in ("seed", "trials"):
            raise ValueError(f"axes.{name}: '{name}' cannot be swept; trials are batched inside each unit")
        if name in base:
            raise ValueError(f"'{name}' is both in [base] and in [axes]; keep it in one place")
        axes.append(_axis(name, raw))
    spec = SweepSpec(
        kind=kind,
        base=MappingProxyType({k: _python_scalar(v) for k, v in base.items()}),
        axes=tuple(axes),
        seed=seed,
        trials=trials,
        seeds=seeds,
        title=config.get("title", ""),
        description=config.get("description", ""),
        source_path=source_path,
    )
    validate_spec(spec)
    return spec


def validate_spec(spec: SweepSpec) -> None:
    """Run the kind's own argument checks on every grid point (cheap: no template is built here).

    The checks that need the kind's template -- no output dimension named like a swept axis, the
    same unit dims at every grid point -- run in :func:`check_templates`, on the templates the store
    is made from, so each grid point's template is built once per sweep (and not at all on a resume).
    """
    kind = get_kind(spec.kind)
    units = work_units(spec)
    check_argument_names(kind.compute, units[0].args, what=f"kind {spec.kind!r}")
    for unit in units:
        try:
            kind.validate(**unit.args)
        except ValueError as exc:
            where = unit.label(spec.dims)
            raise ValueError(f"{exc} (at grid point {where})" if spec.axes else str(exc)) from exc


def check_templates(spec: SweepSpec, units, templates) -> None:
    """Check the kind's templates of ``units`` (one per grid point) before a store is made from them.

    No unit dimension may share a swept axis's name, and the unit dims (names, sizes and index
    values, e.g. ``time``) must be the same at every grid point, since they become shared
    dimensions of the sweep Dataset. Raises ``ValueError`` naming the dimension and grid point.
    """
    reference = None
    for unit, template in zip(units, templates):
        for dim in spec.dims:
            if dim in template.dims:
                raise ValueError(f"axis {dim!r} clashes with the output dimension {dim!r} of kind {spec.kind!r}")
        signature = {d: template.indexes[d].values.tolist() if d in template.indexes else template.sizes[d] for d in template.dims}
        if reference is None:
            reference = signature
        elif signature != reference:
            changed = [d for d in signature if signature.get(d) != reference.get(d)]
            raise ValueError(
                f"the output dimension(s) {changed} differ between grid points (first at {unit.label(spec.dims)}); "
                "sweep the arguments that set them in separate configs"
            )


def load_spec(path: str | os.PathLike) -> SweepSpec:
    """Read and validate a TOML sweep config."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise ValueError(f"config {path!r} does not exist or is not a file")
    try:
        with open(path, "rb") as fh:
            config = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"config {path!r} is not valid TOML: {exc}") from exc
    return spec_from_dict(config, source_path=path)


def loads_spec(text: str) -> SweepSpec:
    """Validate a TOML sweep config given as a string."""
    try:
        config = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"config is not valid TOML: {exc}") from exc
    return spec_from_dict(config)
