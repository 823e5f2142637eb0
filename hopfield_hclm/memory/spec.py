"""``simulate``'s options, declared once, and their resolution into a :class:`SimulationSpec`.

:data:`~hopfield_hclm.memory.options.OPTIONS` (re-exported here) is the one declaration of ``simulate``'s
keyword arguments (name, type, default,
help, what it applies to). ``simulate``'s explicit keyword-only signature, the ``hopfield-hclm run``
flags, the memory sweep kind's argument check and the options table of docs/memory.md all follow
it (tests check the signature and the table against it). Registered models and unit types add
their own options (:func:`all_options`); ``simulate`` takes those as extra keywords.

:func:`resolve_spec` validates every option (``ValueError`` naming the argument, before anything is
allocated) through the registries: the model (``models.resolve_model``), the unit type and the
dynamics (``dynamics.unit_type`` / ``dynamics.dynamics_class``).
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import torch

from ..core.devices import resolve_device
from ..core.validation import check_choice, check_int, check_real
from .dynamics import Dynamics, UnitType, dynamics_class, unit_names, unit_type
from .models import Bound, MemoryModel, model_classes, resolve_model
from .options import OPTIONS, Option
from .trajectory import record_times

BACKENDS = ("auto", "torch", "numba")

def extra_options() -> tuple[Option, ...]:
    """Options declared by the registered models and unit types (``options`` class attributes)."""
    from .dynamics import unit_type as _unit

    seen: dict[str, Option] = {o.name: o for o in OPTIONS}
    extra: list[Option] = []
    sources = [cls.options for cls in model_classes().values()] + [_unit(n).options for n in unit_names()]
    for declared in sources:
        for option in declared:
            if option.name in seen:
                if seen[option.name] != option and option.name not in {o.name for o in OPTIONS}:
                    raise ValueError(f"option {option.name!r} is declared twice with different settings")
                continue
            if option.default is not None:
                raise ValueError(f"option {option.name!r} must declare default None (the model's default applies)")
            seen[option.name] = option
            extra.append(option)
    return tuple(extra)


def all_options() -> tuple[Option, ...]:
    """:data:`OPTIONS` followed by :func:`extra_options`."""
    return OPTIONS + extra_options()


def option_defaults() -> dict[str, Any]:
    """Name -> declared default of every option ``simulate`` accepts now."""
    return {o.name: o.default for o in all_options()}


@dataclass(frozen=True)
class SimulationSpec:
    """A validated, fully resolved ``simulate`` configuration (``None`` where a setting does not apply).

    ``memory``, ``unit`` and ``dynamics`` are the resolved objects (not part of :meth:`config`);
    ``extras`` holds the resolved values of options declared by models and unit types.
    """

    model: str
    units: str
    update: str
    neurons: int
    patterns: int
    load: float
    order: int
    beta: float | None
    steps: int
    dt: float
    cue_overlap: float | None
    gain: float | None
    cue_strength: float | None
    temperature: float
    self_coupling: bool
    record_every: int
    trials: int
    seed: int
    device: str
    dtype: str
    backend: str
    record_states: bool
    user_patterns: bool
    method: str | None = None
    extras: tuple[tuple[str, Any], ...] = ()
    memory: MemoryModel | None = field(default=None, compare=False, repr=False)
    unit: UnitType | None = field(default=None, compare=False, repr=False)
    dynamics: Dynamics | None = field(default=None, compare=False, repr=False)

    def config(self) -> dict:
        """The resolved configuration as a plain dict (for the ``config`` global attribute)."""
        skip = ("extras", "memory", "unit", "dynamics")
        return {**{f.name: getattr(self, f.name) for f in fields(self) if f.name not in skip}, **dict(self.extras)}

    @property
    def realised_load(self) -> float:
        """The load the stored patterns realise: P / N^n (exponential model: ln(P) / N).

        ``load`` is the requested (nominal) value; P = round(load N^n) makes them differ by up to
        1/(2 load N^n) relatively (2.4 % at N = 40, n = 4, P = 21).  Graded units use the realised
        value in their coupling g / sqrt(P / N^n).
        """
        return self.memory.realised_load(self.neurons, self.patterns)

    @property
    def records(self) -> int:
        """Number of recorded time points, ``steps // record_every + 1``."""
        return self.steps // self.record_every + 1

    def record_times(self) -> np.ndarray:
        """Times of the records: ``k · record_every · dt`` (dt = 1 sweep for binary units)."""
        return record_times(self.steps, self.record_every, self.dt)


def check_flag(name: str, value) -> bool:
    """``value`` as bool if it is True or False (numpy bools too); else ``ValueError`` naming ``name``."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be one of True, False; got {value!r}")
    return bool(value)


def _resolve_patterns(patterns, neurons: int, unit: UnitType):
    """``(count, array or None)`` from ``patterns`` = None, an int count or a (P, N) array."""
    if patterns is None:
        return None, None
    if isinstance(patterns, numbers.Integral) and not isinstance(patterns, bool):
        return check_int("patterns", patterns, minimum=1), None
    if isinstance(patterns, (bool, float, str)):
        raise ValueError(f"patterns must be None, an integer count >= 1 or a 2-D (pattern, neuron) ±1 array; "
                         f"got {patterns!r}")
    array = unit.check_patterns(patterns, neurons)
    return array.shape[0], array


def _pattern_count(model: MemoryModel, neurons: int, load: float) -> int:
    count = model.pattern_count(neurons, load)
    if count < 1:
        raise ValueError(f"load={load:g} gives P = {count} patterns for neurons={neurons}, order={model.order}; "
                         f"load must give at least one pattern")
    return int(count)


def _model_options() -> set[str]:
    return {o.name for cls in model_classes().values() for o in cls.options}


def _settings_from_object(dynamics: Dynamics, cls: type[Dynamics], values: dict[str, Any]) -> dict[str, Any]:
    """``values`` with ``temperature``, ``dt`` and ``method`` taken from a dynamics object (which must be
    the registered class); a keyword given beside it must agree with it."""
    if type(dynamics) is not cls:
        raise ValueError(f"update {type(dynamics).__name__} is not registered; call register_dynamics(name, cls) first")
    settings = {"temperature": dynamics.temperature, "dt": getattr(dynamics, "dt", 1.0), "method": dynamics.method}
    for key, value in settings.items():
        if values[key] not in (option_defaults()[key], value):
            raise ValueError(f"{key}={values[key]!r} disagrees with the update object {dynamics!r}; leave it unset")
    return {**values, **settings}


def resolve_spec(**options: Any) -> tuple[SimulationSpec, np.ndarray | None]:
    """Validate ``simulate``'s options (any subset; the rest take their declared defaults) and
    resolve the model, unit type and dynamics; no allocation beyond user patterns.

    Returns the spec and the validated user patterns ``(pattern, neuron)`` (or None).
    Raises ``ValueError`` naming the argument and the allowed values (unknown names included).
    """
    defaults = option_defaults()
    unknown = sorted(set(options) - set(defaults))
    if unknown:
        raise ValueError(f"unknown argument(s) {unknown} for simulate; allowed: {sorted(defaults)}")
    v = {**defaults, **options}
    model = resolve_model(v["model"], order=v["order"], beta=v["beta"], **{k: v[k] for k in _model_options()})
    unit = unit_type(v["units"])
    if unit.name not in model.units:
        supporting = [name for name, cls in model_classes().items() if unit.name in cls.units]
        raise ValueError(f"model must be one of {supporting} for units={unit.name!r} ({model.name!r} defines "
                         f"units {list(model.units)}); got {model.name!r}")
    update, given = (v["update"].name, v["update"]) if isinstance(v["update"], Dynamics) else (v["update"], None)
    update = unit.default_update if update is None else update
    dynamics_cls = dynamics_class(update)
    if given is not None:
        v = _settings_from_object(given, dynamics_cls, v)
    if update not in unit.updates:
        raise ValueError(f"update must be one of {', '.join(map(repr, unit.updates))} for units={unit.name!r}; "
                         f"got {update!r}")
    neurons = check_int("neurons", v["neurons"], minimum=1)
    count, user_patterns = _resolve_patterns(v["patterns"], neurons, unit)
    load = v["load"]
    if load is not None:
        load = check_real("load", load, low=0.0, low_open=True)
    elif count is None:
        raise ValueError("load must be a real number > 0 when patterns is None")
    if count is None:
        count = _pattern_count(model, neurons, load)
    else:  # patterns override load: record the effective load
        load = model.realised_load(neurons, count)
    steps = check_int("steps", v["steps"], minimum=0)
    dt = check_real("dt", v["dt"], low=0.0, low_open=True)
    temperature = check_real("temperature", v["temperature"], low=0.0)
    record_every = check_int("record_every", v["record_every"], minimum=1)
    trials = check_int("trials", v["trials"], minimum=1)
    seed = check_int("seed", v["seed"], minimum=0)
    record_states = check_flag("record_states", v["record_states"])
    backend = check_choice("backend", v["backend"], BACKENDS)
    if v["self_coupling"] is not None:
        check_flag("self_coupling", v["self_coupling"])
    dynamics = dynamics_cls.from_options(units=unit.name, temperature=temperature, dt=dt, method=v["method"])
    resolved = unit.resolve(model, v)
    dev = resolve_device(v["device"])
    bound = Bound(model, neurons, count, resolved["self_coupling"])
    dtype = unit.resolve_dtype(bound, v["dtype"])
    backend = dynamics.resolve_backend(backend, bound, dev, dtype)
    core = ("cue_overlap", "gain", "cue_strength", "self_coupling")
    parameters = model.parameters()
    extras = {k: val for k, val in parameters.items() if k not in ("order", "beta")}
    extras.update({k: val for k, val in resolved.items() if k not in core})
    spec = SimulationSpec(
        model=model.name, units=unit.name, update=update, neurons=neurons, patterns=count, load=float(load),
        order=model.order, beta=parameters.get("beta"), steps=steps, dt=dt, cue_overlap=resolved["cue_overlap"],
        gain=resolved["gain"], cue_strength=resolved["cue_strength"], temperature=dynamics.temperature,
        self_coupling=resolved["self_coupling"], record_every=record_every, trials=trials, seed=seed,
        device=str(dev), dtype=str(dtype).removeprefix("torch."), backend=backend, record_states=record_states,
        user_patterns=user_patterns is not None, method=dynamics.method, extras=tuple(sorted(extras.items())),
        memory=model, unit=unit, dynamics=dynamics)
    return spec, user_patterns
