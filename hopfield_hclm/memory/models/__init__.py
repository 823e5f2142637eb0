"""Registry of memory models: the names ``simulate(model=...)``, TOML configs and the CLI resolve.

- :func:`register_model` ``(name, cls)`` -- add a :class:`~.base.MemoryModel` subclass under ``name``;
- :func:`resolve_model` ``(name_or_object, **params)`` -- the model object (``None`` params are
  "not given"; an object is returned as is after checking that ``params`` agree with it);
- :func:`model_names` -- the registered names (``MODELS`` holds the built-in ones).

Built-in models, one module each: :mod:`.hopfield` (F = x²), :mod:`.dense` (F = x^(n+1), ``order``),
:mod:`.exponential` (F = exp(βx), ``beta``). Adding a model is one module and one
``register_model`` call (docs/extending.md).
"""

from __future__ import annotations

from typing import Any

from .base import EXACT_INTEGER_LIMIT, Bound, ExponentialLoad, MemoryModel, int_power
from .dense import Dense
from .exponential import Exponential
from .hopfield import Hopfield

_REGISTRY: dict[str, type[MemoryModel]] = {}


def register_model(name: str, cls: type[MemoryModel], *, replace: bool = False) -> type[MemoryModel]:
    """Register the model class ``cls`` under ``name`` (sets ``cls.name``); returns ``cls``.

    Raises ``ValueError`` for a name already taken (unless ``replace``), a class that is not a
    frozen :class:`MemoryModel` dataclass, or unit types it declares that are not registered.
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"name must be an identifier string; got {name!r}")
    if not (isinstance(cls, type) and issubclass(cls, MemoryModel)):
        raise ValueError(f"cls must be a subclass of MemoryModel; got {cls!r}")
    if "__dataclass_params__" not in cls.__dict__ or not cls.__dataclass_params__.frozen:
        raise ValueError(f"cls must be decorated with @dataclass(frozen=True) (its fields are the parameters); "
                         f"{cls.__name__} is not")
    if name in _REGISTRY and _REGISTRY[name] is not cls and not replace:
        raise ValueError(f"name {name!r} is already registered to {_REGISTRY[name].__name__}; pass replace=True")
    if cls.__dict__.get("name", name) != name:
        raise ValueError(f"cls {cls.__name__} is named {cls.__dict__['name']!r}, not {name!r}")
    cls.name = name
    _REGISTRY[name] = cls
    return cls


def unregister_model(name: str) -> None:
    """Remove ``name`` from the registry (for tests and interactive sessions); built-ins cannot be removed."""
    if name in MODELS:
        raise ValueError(f"name {name!r} is a built-in model and cannot be unregistered")
    _REGISTRY.pop(name, None)


def model_names() -> tuple[str, ...]:
    """Names of the registered models, in registration order."""
    return tuple(_REGISTRY)


def model_classes() -> dict[str, type[MemoryModel]]:
    """Name -> class of every registered model (a copy)."""
    return dict(_REGISTRY)


def model_class(name: str) -> type[MemoryModel]:
    """The class registered under ``name``; ``ValueError`` naming ``model`` otherwise."""
    if name not in _REGISTRY:
        raise ValueError(f"model must be one of {', '.join(map(repr, _REGISTRY))} or a MemoryModel object; "
                         f"got {name!r}")
    return _REGISTRY[name]


def models_with_parameter(parameter: str) -> tuple[str, ...]:
    """Names of the registered models that have ``parameter`` (e.g. ``beta``)."""
    return tuple(name for name, cls in _REGISTRY.items() if parameter in cls.parameter_names())


def resolve_model(model: str | MemoryModel, **params: Any) -> MemoryModel:
    """The model object for a registered name (built from ``params``) or an object (checked against them).

    With an object, a non-None param must equal the object's parameter of that name (``order = 1`` is
    accepted for every model without an order); anything else raises ``ValueError`` naming it.
    """
    if isinstance(model, MemoryModel):
        if _REGISTRY.get(model.name) is not type(model):
            raise ValueError(f"model {type(model).__name__} is not registered; call register_model(name, cls) first")
        values = {**model.parameters(), "order": model.order}
        for key, value in params.items():
            if value is not None and key in values and value != values[key] and not (key == "order" and value == 1):
                raise ValueError(f"{key}={value!r} disagrees with the model object {model!r}; leave it unset")
        type(model).from_options(**{k: v for k, v in params.items() if k not in values})
        return model
    if isinstance(model, type) and issubclass(model, MemoryModel):
        raise ValueError(f"model must be a name or a MemoryModel object, not the class {model.__name__}; "
                         f"use {model.__name__}(...)")
    return model_class(model).from_options(**params)


for _name, _cls in (("hopfield", Hopfield), ("dense", Dense), ("exponential", Exponential)):
    register_model(_name, _cls)

#: The built-in model names.
MODELS: tuple[str, ...] = model_names()
from . import modern  # noqa: E402,F401

__all__ = ["Bound", "Dense", "EXACT_INTEGER_LIMIT", "Exponential", "ExponentialLoad", "Hopfield", "MODELS",
           "MemoryModel", "int_power", "model_class", "model_classes", "model_names", "models_with_parameter",
           "register_model", "resolve_model", "unregister_model"]
