"""HCLM experiment reports (issue 7): ``experiments/hclm_*/`` -> ``data/hclm_*.nc`` -> REPORT.md + CLAIMS.md.

Also holds ``SEEDED_RUNS``, the sweep kind the HCLM configs name
(``kind = "hopfield_hclm.reports.hclm:SEEDED_RUNS"``): one work unit = ``trials`` calls of
:func:`hopfield_hclm.hclm.run` with seeds ``trial_seeds(seed, trials)`` (child k of
``SeedSequence(seed)``), stacked on a ``trial`` dimension. With the sweep's default common random
numbers, trial k of every grid point has the same data, initial weights and batch order, so
surrogates, regimes and coefficients are compared on paired seeds. A run that diverges is kept
with NaN after its last completed epoch (``completed_epochs`` records how far it got).
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from ..core.attrs import annotate
from ..core.seeds import trial_seeds
from ..core.sweep.kinds import Kind

__all__ = ["SEEDED_RUNS", "HCLM_EXPERIMENTS", "build", "build_all"]

_AXIS_META = {
    "surrogate": ("entropy surrogate", "1"),
    "regime": ("entropy-coefficient regime", "1"),
    "coef": ("base entropy coefficient lambda (initial value for adaptive regimes)", "1"),
    "n_train": ("training-set size", "1"),
    "width": ("representation width d", "1"),
    "lr": ("SGD learning rate", "1"),
    "reward_noise": ("standard deviation of the rater's reward noise", "1"),
    "reward_delay": ("reward delay", "epochs"),
}
_TRIAL_META = {
    "trial": ("trial (seed index)", "1"),
    "seed": ("run seed (child k of SeedSequence(root))", "1"),
    "completed_epochs": ("epochs completed before the run stopped (= epochs when it did not diverge)", "1"),
}


def _hclm():
    from .. import hclm

    return hclm


def _validate(*, trials, seed, **args) -> None:
    from ..core.validation import check_int

    check_int("trials", trials, minimum=1)
    check_int("seed", seed, minimum=0)
    if args.get("on_nan", "return") != "return":
        raise ValueError("on_nan must be 'return' in a sweep (a diverged run is recorded, not raised)")
    _hclm().validate_run_args(**{**args, "seed": 0})


def _stack(runs: list[xr.Dataset], seeds: np.ndarray, completed: np.ndarray) -> xr.Dataset:
    ds = xr.concat([r.drop_attrs() if hasattr(r, "drop_attrs") else r for r in runs], dim="trial",
                   data_vars="all", coords="minimal", compat="override")
    ds = ds.assign_coords(trial=np.arange(len(runs)), seed=("trial", seeds.astype(np.int64)))
    ds["completed_epochs"] = ("trial", completed.astype(np.int64))
    for name in runs[0].variables:
        ds[name].attrs = dict(runs[0][name].attrs)
    annotate(ds, _TRIAL_META)
    ds.attrs = dict(runs[0].attrs)
    ds.attrs.pop("stopped_reason", None)
    ds.attrs.pop("completed_epochs", None)
    return ds


def _template(*, trials, seed, **args) -> xr.Dataset:
    one = _hclm().run_template(**{**args, "seed": 0})
    seeds = trial_seeds(seed, trials)
    return _stack([one] * trials, seeds, np.zeros(trials))


def _compute(*, trials, seed, **args) -> xr.Dataset:
    _validate(trials=trials, seed=seed, **args)
    args = {**args, "on_nan": "return"}
    seeds = trial_seeds(seed, trials)
    runs = [_hclm().run(seed=int(s), **args) for s in seeds]
    completed = np.array([r.attrs["completed_epochs"] for r in runs])
    return _stack(runs, seeds, completed)


SEEDED_RUNS = Kind(
    name="hclm_seeds", compute=_compute, template=_template, validate=_validate,
    title="HCLM training runs over seeds",
    references=("Tran, K. P. (2026) Human-Centered Learning Mechanics: A Dynamical Framework for "
                "Entropy-Regulated Representation Learning, arXiv:2605.22940"),
    axis_meta=_AXIS_META,
)


# ------------------------------------------------------------------------------------ experiments

#: experiment folders of issue 7, in the order the full study runs them
HCLM_EXPERIMENTS = ("hclm_regimes", "hclm_feedback", "hclm_dynamics", "hclm_flow", "hclm_scaling")


def run_experiments(names=HCLM_EXPERIMENTS, *, root: str = ".", rerun: bool = False, workers: int | None = 2,
                    executor: str = "process") -> dict[str, float]:
    """Run (or resume) the sweeps of ``names`` and export ``data/<name>*.nc``; returns wall seconds per name."""
    import time

    from .builder import load_parts

    walls = {}
    for name in names:
        start = time.perf_counter()
        load_parts(name, root, rerun=rerun, executor=executor, workers=workers)
        walls[name] = round(time.perf_counter() - start, 1)
        print(f"{name}: {walls[name]} s", flush=True)
    return walls
