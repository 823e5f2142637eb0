"""Sweep engine: TOML config -> validated spec -> work units -> resumable Zarr store -> Dataset.

The engine knows nothing of physics: it runs any registered *kind* (see :mod:`.kinds`).

>>> from hopfield_hclm.core.sweep import run_sweep
>>> ds = run_sweep("experiments/blackout/config.toml", "blackout.zarr")  # doctest: +SKIP
"""

from .executors import EXECUTORS, ExecutorConfig, SerialExecutor, open_executor
from .grid import WorkUnit, point_seed, work_units
from .kinds import Kind, get_kind, kind_names, register_kind
from .runner import compute_unit, run_sweep
from .spec import Axis, SweepSpec, load_spec, loads_spec, spec_from_dict
from .store import COMPLETED, SweepStore, UnitResult, export_netcdf, open_sweep, read_attrs, skeleton

__all__ = [
    "COMPLETED", "EXECUTORS", "Axis", "ExecutorConfig", "Kind", "SerialExecutor", "SweepSpec",
    "SweepStore", "UnitResult", "WorkUnit", "compute_unit", "export_netcdf", "get_kind",
    "kind_names", "load_spec", "loads_spec", "open_executor", "open_sweep", "point_seed",
    "read_attrs", "register_kind", "run_sweep", "skeleton", "spec_from_dict", "work_units",
]
