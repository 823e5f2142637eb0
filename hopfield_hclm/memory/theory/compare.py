"""Theory beside simulation: difference and its statistical error per time point.

For a simulation Dataset with a ``trial`` dimension and a theory Dataset on the same ``time`` axis::

    difference(t) = theory(t) - mean_trials sim(t)
    stderr(t)     = sqrt(s_sim(t)^2 / B + se_theory(t)^2)

with s_sim the sample standard deviation over the B trials and se_theory the theory's own Monte Carlo
error (``<variable>_stderr`` in the theory Dataset, e.g. from :func:`~.dmft.dmft`; zero if absent).
``zscore = difference / stderr``: |z| <= k at every time is the "agrees within k s.e." statement.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from ...core.attrs import global_attrs
from ...core.validation import check_real

__all__ = ["compare", "sync_dataset"]


def compare(simulation: xr.Dataset, theory: xr.Dataset, *, variable: str = "overlap", trial_dim: str = "trial",
            time_tolerance: float = 1e-9) -> xr.Dataset:
    """Per-time difference between a theory curve and the trial mean of a simulation.

    Args:
        simulation: Dataset with ``variable`` over (``trial_dim``, ``time``, ...); at least 2 trials.
        theory: Dataset with ``variable`` over ``time`` (same times as the simulation, up to
            ``time_tolerance``, or a superset of them).
        variable: name of the compared series (default ``"overlap"``).

    Returns:
        Dataset over the simulation's non-trial dims with ``theory``, ``simulation_mean``,
        ``simulation_stderr``, ``theory_stderr``, ``difference``, ``stderr`` and ``zscore``; CF attrs.

    Raises:
        ValueError: ``variable`` or ``trial_dim`` missing, fewer than 2 trials, or times that do not match.
    """
    for name, ds in (("simulation", simulation), ("theory", theory)):
        if not isinstance(ds, xr.Dataset):
            raise ValueError(f"{name} must be an xarray.Dataset; got {type(ds).__name__}")
        if variable not in ds:
            raise ValueError(f"variable must name a data variable of {name}; {variable!r} not in {sorted(ds.data_vars)}")
    time_tolerance = check_real("time_tolerance", time_tolerance, low=0.0)
    sim = simulation[variable]
    if trial_dim not in sim.dims or sim.sizes[trial_dim] < 2:
        raise ValueError(f"trial_dim must be a dimension of simulation[{variable!r}] with >= 2 trials; got {trial_dim!r}")
    if "time" not in sim.dims or "time" not in theory[variable].dims:
        raise ValueError("both Datasets need a 'time' dimension")
    sim_time = np.asarray(simulation["time"].values, dtype=np.float64)
    th = theory[variable].sel(time=sim_time, method="nearest")
    if np.max(np.abs(np.asarray(th["time"].values, dtype=np.float64) - sim_time)) > time_tolerance:
        raise ValueError("time axes differ: theory must contain every simulation time (same steps and dt)")
    th = th.assign_coords(time=sim_time)
    stderr_name = f"{variable}_stderr"
    if stderr_name in theory:
        th_se = theory[stderr_name].sel(time=sim_time, method="nearest").assign_coords(time=sim_time)
    else:
        th_se = xr.zeros_like(th)
    trials = sim.sizes[trial_dim]
    mean = sim.mean(trial_dim)
    sim_se = sim.std(trial_dim, ddof=1) / np.sqrt(trials)
    diff = th - mean
    total_se = np.sqrt(sim_se**2 + th_se**2)
    out = xr.Dataset({
        "theory": th.drop_vars([c for c in th.coords if c != "time" and c not in mean.coords], errors="ignore"),
        "simulation_mean": mean,
        "simulation_stderr": sim_se,
        "theory_stderr": th_se,
        "difference": diff,
        "stderr": total_se,
        "zscore": diff / total_se.where(total_se > 0),
    })
    meta = {
        "theory": (f"theory {variable}", "1"),
        "simulation_mean": (f"trial mean of simulated {variable}", "1"),
        "simulation_stderr": (f"standard error of the trial mean of {variable}", "1"),
        "theory_stderr": (f"Monte Carlo standard error of the theory {variable}", "1"),
        "difference": (f"theory minus simulation {variable}", "1"),
        "stderr": ("combined standard error of the difference", "1"),
        "zscore": ("difference in units of its standard error", "1"),
    }
    for name, (long_name, units) in meta.items():
        out[name].attrs = {"long_name": long_name, "units": units}
    for name in out.coords:
        src = simulation[name] if name in simulation.variables else theory[name]
        out[name].attrs = {"long_name": src.attrs.get("long_name", str(name)), "units": src.attrs.get("units", "1")}
    out.attrs.update(global_attrs(
        title=f"theory vs simulation: {variable}",
        config={"kind": "compare", "variable": variable, "trials": int(trials),
                "simulation_config_hash": simulation.attrs.get("config_hash", ""),
                "theory_config_hash": theory.attrs.get("config_hash", "")},
        references=theory.attrs.get("references", ""), history="hopfield_hclm.memory.theory.compare"))
    return out


def sync_dataset(alpha: float, m0: float, steps: int = 2, *, method: str = "exact") -> xr.Dataset:
    """:func:`~.sync.sync_overlaps` as a Dataset ``overlap(time)`` with time = 0..steps (sweeps)."""
    from .sync import REFERENCES, sync_overlaps

    values = sync_overlaps(alpha, m0, steps, method=method)
    ds = xr.Dataset({"overlap": ("time", values)}, coords={"time": np.arange(steps + 1, dtype=np.float64)})
    ds["overlap"].attrs = {"long_name": f"overlap m_t ({method} synchronous theory, N -> infinity)", "units": "1"}
    ds["time"].attrs = {"long_name": "time in synchronous steps", "units": "1"}
    ds.attrs.update(global_attrs(title=f"synchronous binary Hopfield theory ({method})",
                                 config={"kind": "sync", "alpha": alpha, "m0": m0, "steps": steps, "method": method},
                                 references=REFERENCES, dtype="float64", history="hopfield_hclm.memory.theory.sync"))
    return ds
