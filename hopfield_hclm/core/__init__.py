"""Shared core: seeds, devices, argument validation, the result schema, windows by coordinate value
(:mod:`.windows`) and the sweep engine."""

from .attrs import annotate, config_attrs, global_attrs, missing_cf_attrs
from .devices import available_memory, check_memory, resolve_device, resolve_dtype
from .seeds import trial_generators, trial_seeds
from .validation import check_choice, check_int, check_real

__all__ = [
    "annotate",
    "available_memory",
    "check_choice",
    "check_int",
    "check_memory",
    "check_real",
    "config_attrs",
    "global_attrs",
    "missing_cf_attrs",
    "resolve_device",
    "resolve_dtype",
    "trial_generators",
    "trial_seeds",
]
