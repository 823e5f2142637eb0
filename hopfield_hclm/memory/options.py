"""One declared option of ``simulate`` (or of a registered model or unit type).

The tuple :data:`hopfield_hclm.memory.spec.OPTIONS` declares ``simulate``'s own keyword arguments once;
models and unit types add theirs in their ``options`` class attribute. The CLI ``run`` flags, the
sweep kind's argument check and the options table of docs/memory.md are all derived from these
declarations (a test checks that ``simulate``'s signature and the docs agree with them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Option:
    """A keyword option: ``name``, value ``type`` (``int``, ``float``, ``str``, ``bool`` or ``object``
    for arrays/devices), ``default`` (None: resolved later or not applicable), one-line ``help``,
    ``applies_to`` (which models/units/updates use it, in words) and ``cli``: whether ``hopfield-hclm
    run`` offers it as a flag, with ``cli_default`` there when it differs from ``default``."""

    name: str
    type: type
    default: Any
    help: str
    applies_to: str = "all"
    cli: bool = True
    cli_default: Any = None

    @property
    def flag(self) -> str:
        """The command-line flag, ``--cue-overlap`` for ``cue_overlap``."""
        return "--" + self.name.replace("_", "-")
