"""One declared option of ``simulate`` (or of a registered model or unit type).

The tuple :data:`OPTIONS` declares ``simulate``'s own keyword arguments once (kept free of heavy imports
so that the command line can build its flags without loading torch);
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


#: ``simulate``'s own options, in signature order.
OPTIONS: tuple[Option, ...] = (
    Option("model", object, "hopfield", "memory model: a registered name (hopfield, dense, exponential, ...) "
           "or a MemoryModel object"),
    Option("units", str, "binary", "unit type: binary (±1) or graded (tanh, continuous time)"),
    Option("update", object, None, "update rule: sync or async (binary; default async), continuous (graded), "
           "or a Dynamics object"),
    Option("neurons", int, 1000, "number of neurons N"),
    Option("load", float, None, "load α: P = round(α N^n) (exponential: round(exp(α N))); optional with patterns",
           cli_default=0.05),
    Option("order", int, 1, "interaction order n (dense: n >= 2; other models 1)"),
    Option("patterns", object, None, "None, a pattern count P, or a (pattern, neuron) array shared by all trials",
           cli=False),
    Option("beta", float, None, "β of the exponential model's F = exp(βx) (default 1.0)", "model=exponential"),
    Option("steps", int, 20, "number of steps (sweeps, synchronous updates or integration steps)"),
    Option("dt", float, 1.0, "integration step in time constants (must be 1.0 for binary units)",
           "update=continuous"),
    Option("method", str, None, "integrator of continuous time: euler (default), heun or rk4", "update=continuous"),
    Option("cue_overlap", float, None, "cue overlap m0 in [-1, 1] with the target (default 0.8)", "units=binary"),
    Option("gain", float, None, "gain g > 0 of the graded units (default 2.0)", "units=graded"),
    Option("cue_strength", float, None, "cue strength a in [0, g] along the target (default 1.0)", "units=graded"),
    Option("temperature", float, 0.0, "Glauber temperature T >= 0", "units=binary"),
    Option("self_coupling", bool, None, "keep the self-coupling terms (binary default False, True only for "
           "hopfield; graded default True)"),
    Option("record_every", int, 1, "record every this many steps, and at time 0"),
    Option("trials", int, 8, "number of independent trials B"),
    Option("seed", int, 0, "root seed; trial k uses child k of SeedSequence(seed)"),
    Option("device", str, "cpu", "cpu, cuda or cuda:N"),
    Option("dtype", str, None, "float32, float64 or None (binary: float32 where exact, else float64; graded: float32)"),
    Option("record_states", bool, False, "also store the full states (variable state)", cli=False),
    Option("backend", str, "auto", "auto (numba for binary async on CPU when importable), torch or numba",
           "update=async"),
)


def options_markdown(options: tuple[Option, ...] = OPTIONS) -> str:
    """The options table of docs/memory.md (a test checks that the file holds exactly this text)."""
    rows = ["| option | type | default | applies to | meaning |", "|---|---|---|---|---|"]
    for o in options:
        kind = {object: "any"}.get(o.type, o.type.__name__)
        default = f"`{o.default!r}`" if o.cli_default is None else f"`{o.default!r}` (CLI `{o.cli_default!r}`)"
        rows.append(f"| `{o.name}` | {kind} | {default} | {o.applies_to} | {o.help} |")
    return "\n".join(rows) + "\n"
