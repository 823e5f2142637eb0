"""Declared settings: one ``setting(...)`` line gives a configuration field its flat keyword, its check
and whether it is recorded in a run's ``config`` attribute.

A *checker* is ``check(name, value) -> value``: it returns the normalised value (``int``, finite
``float``, ...) or raises ``ValueError`` naming the argument. The factories below wrap
:mod:`hopfield_hclm.core.validation` so that every part of the HCLM configuration
(:mod:`.config`) and every surrogate hyper-parameter (:mod:`.surrogates`) validates the same way.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.validation import check_choice, check_int, check_real

__all__ = ["Checker", "Option", "boolean", "choice", "integer", "real", "setting"]

Checker = Callable[[str, Any], Any]

#: ``record`` values: always in the stored config, or only when it differs from the default (for a
#: setting added after results were stored: the config and config_hash of earlier runs stay the same)
RECORD_ALWAYS, RECORD_IF_SET = "always", "if_set"


def integer(minimum: int | None = None, maximum: int | None = None) -> Checker:
    """An integer in ``[minimum, maximum]``."""
    return lambda name, v: check_int(name, v, minimum=minimum, maximum=maximum)


def real(low: float | None = None, high: float | None = None, *, low_open: bool = False,
         high_open: bool = False) -> Checker:
    """A finite real in the interval (``low_open``/``high_open`` exclude the end)."""
    return lambda name, v: check_real(name, v, low=low, high=high, low_open=low_open, high_open=high_open)


def choice(options: Callable[[], Collection[Any]]) -> Checker:
    """One of ``options()`` (a callable, so a registry that grows later is read at check time)."""
    return lambda name, v: check_choice(name, v, tuple(options()))


def boolean() -> Checker:
    """``True`` or ``False`` (numpy booleans accepted), returned as ``bool``."""
    def check(name: str, value: Any) -> bool:
        if not isinstance(value, (bool, np.bool_)):
            raise ValueError(f"{name} must be True or False; got {value!r}")
        return bool(value)
    return check


def setting(default: Any, check: Checker, *, key: str | None = None, optional: bool = False,
            record: str = RECORD_ALWAYS, doc: str = "") -> Any:
    """A dataclass field of a configuration part, declared once.

    ``key``: its flat keyword of :func:`~.train.run` (default: the field name); ``optional``: ``None``
    is allowed and means "derived" (e.g. ``eps=None`` -> the default floor); ``record``:
    ``"always"`` or ``"if_set"`` (stored in the run's config only when it differs from ``default``).
    """
    if record not in (RECORD_ALWAYS, RECORD_IF_SET):
        raise ValueError(f"record must be 'always' or 'if_set'; got {record!r}")
    return dataclasses.field(default=default, metadata=dict(check=check, key=key, optional=optional,
                                                            record=record, doc=doc))


def field_key(f: dataclasses.Field) -> str:
    """The flat keyword of a declared field."""
    return f.metadata.get("key") or f.name


def _declared(obj: Any):
    """``(field, value)`` of each field of the dataclass ``obj`` declared with :func:`setting`."""
    return ((f, getattr(obj, f.name)) for f in dataclasses.fields(obj) if "check" in f.metadata)


def checked_fields(obj: Any) -> dict[str, Any]:
    """``{field name: checked value}`` of every declared field of ``obj`` (``None`` kept where optional)."""
    return {f.name: None if value is None and f.metadata["optional"] else f.metadata["check"](field_key(f), value)
            for f, value in _declared(obj)}


def recorded_fields(obj: Any) -> dict[str, Any]:
    """``{flat keyword: value}`` of the declared fields of ``obj`` that go into the stored config."""
    return {field_key(f): value for f, value in _declared(obj)
            if not (f.metadata["record"] == RECORD_IF_SET and value == f.default)}


@dataclass(frozen=True)
class Option:
    """A hyper-parameter of one registered component (e.g. a surrogate): flat keyword ``key``, the
    keyword ``arg`` its function takes, ``default``, ``check`` and a one-line ``doc``."""

    key: str
    arg: str
    default: Any
    check: Checker
    doc: str = ""
