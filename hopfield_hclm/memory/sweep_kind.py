"""The "memory" kind: one unit = one :func:`hopfield_hclm.memory.simulate` call (all trials batched).

Validation and template reuse the memory engine itself, so they cannot drift from it:
``resolve_spec`` (simulate's own argument checks against the one option declaration,
:func:`hopfield_hclm.memory.spec.all_options`, no allocation) validates a grid point, and the
template is ``to_dataset`` applied to an all-zero :class:`~hopfield_hclm.memory.trajectory.Trajectory`
with the resolved unit type's series -- the exact variables, coordinates, dtypes and attrs of the
real result, without running any dynamics. Models and unit types registered later (a model of one's
own, the modern Hopfield network) sweep the same way.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import torch
import xarray as xr

from ..core.sweep.kinds import Kind

_AXIS_META = {
    "load": ("load alpha (P = round(alpha N^n))", "1"),
    "order": ("interaction order n", "1"),
    "neurons": ("number of neurons N", "1"),
    "cue_overlap": ("cue overlap m0 with the target", "1"),
    "cue_strength": ("cue strength a along the target", "1"),
    "gain": ("gain g of the graded units", "1"),
    "temperature": ("Glauber temperature T", "1"),
    "beta": ("inverse width beta of the exponential interaction", "1"),
    "update": ("update rule", "1"),
    "model": ("model", "1"),
    "units": ("unit type", "1"),
    "self_coupling": ("self-coupling terms kept (1) or removed (0)", "1"),
    "dt": ("integration step dt", "time constants"),
    "method": ("integration method", "1"),
    "steps": ("number of steps", "1"),
    "patterns": ("number of stored patterns P", "1"),
}


class _AxisMeta(Mapping):
    """Axis name -> (long_name, units): the table above, then the help of any declared option."""

    def _options(self) -> dict:
        from .spec import all_options

        return {o.name: (o.help, "1") for o in all_options() if o.name not in _AXIS_META}

    def __getitem__(self, name: str) -> tuple[str, str]:
        return _AXIS_META[name] if name in _AXIS_META else self._options()[name]

    def __iter__(self) -> Iterator[str]:
        return iter({**_AXIS_META, **self._options()})

    def __len__(self) -> int:
        return len({**_AXIS_META, **self._options()})


AXIS_META: Mapping[str, tuple[str, str]] = _AxisMeta()


def _simulation():
    from . import simulation

    return simulation


def validate(**args) -> None:
    """simulate's own argument checks (``resolve_spec``), nothing allocated or run."""
    if args.get("record_states"):
        raise ValueError("record_states must be False in a sweep (full states do not belong in a sweep store)")
    _simulation().resolve_spec(**args)


def template(**args) -> xr.Dataset:
    """The result Dataset of ``simulate(**args)`` with zero data, built without running dynamics."""
    from .trajectory import Trajectory

    sim = _simulation()
    spec, _patterns = sim.resolve_spec(**args)
    series = {name: torch.zeros(spec.trials, spec.records, dtype=torch.float64) for name in spec.unit.series}
    return sim.to_dataset(Trajectory(time=spec.record_times(), series=series), spec)


def compute(**args) -> xr.Dataset:
    return _simulation().simulate(**args)


KIND = Kind(
    name="memory", compute=compute, template=template, validate=validate,
    title="associative-memory sweep",
    references=(
        "Amit, Gutfreund & Sompolinsky 1985, PRL 55, 1530; Krotov & Hopfield 2016, NeurIPS; "
        "Clark 2025, arXiv:2506.05303 (transient dynamics of associative memory models)"
    ),
    axis_meta=AXIS_META,
)
