"""The "hclm" kind: one unit = ``trials`` runs of :func:`hopfield_hclm.hclm.run` at one grid point.

``hclm.run`` trains one model per call (dim ``epoch``). A unit runs it once per trial with trial k's
seed (child k of ``SeedSequence(seed)``, the same at every grid point: common random numbers, so
surrogates, regimes and coefficients are compared on paired seeds — same data, initial weights and
batch order) and stacks the results along a new ``trial`` dim with a ``seed`` coordinate.

Two differences from a bare ``hclm.run``:

- a run that diverges is *kept* (``on_nan="return"``): NaN after its last completed epoch, and a
  per-trial ``completed_epochs`` variable says how far it got, so one diverged point never stops a
  sweep (asking for ``on_nan="raise"`` in a sweep is refused);
- the run's per-epoch entropy coefficient ``coef`` (λ_t) is stored as ``lambda_t``, so that it never
  collides with a swept ``coef`` axis (the initial / base coefficient).

Validation is ``validate_run_args`` and the template is ``run_template`` (both from the HCLM module:
nothing is trained to pre-allocate the store).
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from ..core.attrs import annotate
from ..core.seeds import trial_seeds
from ..core.sweep.kinds import Kind
from ..core.validation import check_int

_TRIAL_META = {
    "trial": ("trial (seed index)", "1"),
    "seed": ("run seed (child k of SeedSequence(root))", "1"),
    "completed_epochs": ("epochs completed before the run stopped (= epochs when it did not diverge)", "1"),
}

_AXIS_META = {
    "surrogate": ("entropy surrogate", "1"),
    "regime": ("entropy-coefficient regime", "1"),
    "coef": ("base entropy coefficient lambda (initial value for adaptive regimes)", "1"),
    "n_train": ("training-set size", "1"),
    "width": ("representation width d", "1"),
    "lr": ("SGD learning rate", "1"),
    "reward_noise": ("standard deviation of the rater's reward noise", "1"),
    "reward_delay": ("reward delay", "epochs"),
    "task": ("task (synthetic, digits, mnist1d)", "1"),
    "network": ("network of a real task (mlp, cnn)", "1"),
    "regularizer": ("regulariser beside the entropy term", "1"),
    "regularizer_strength": ("regulariser strength (weight-decay mu, dropout p, SAM rho or label-smoothing alpha)", "1"),
}


def _train():
    from . import train

    return train


def _bare(ds: xr.Dataset) -> xr.Dataset:
    """A shallow copy without attributes (``Dataset.drop_attrs`` rebuilds the Dataset variable by variable:
    measured 0.3 s per run Dataset, more than a small training run)."""
    out = ds.copy(deep=False)
    out.attrs = {}
    for var in out.variables.values():
        var.attrs = {}
    return out


def _stack(runs: list[xr.Dataset], seeds: np.ndarray, completed: np.ndarray) -> xr.Dataset:
    runs = [r.rename({"coef": "lambda_t"}) if "coef" in r.variables else r for r in runs]
    ds = xr.concat([_bare(r) for r in runs], dim="trial", data_vars="all", coords="minimal", compat="override")
    ds = ds.assign_coords(trial=np.arange(len(runs)), seed=("trial", seeds.astype(np.int64)))
    ds["completed_epochs"] = ("trial", completed.astype(np.int64))
    for name in runs[0].variables:
        ds[name].attrs = dict(runs[0][name].attrs)
    annotate(ds, _TRIAL_META)
    ds.attrs = {k: v for k, v in runs[0].attrs.items() if k not in ("stopped_reason", "completed_epochs")}
    return ds


def validate(*, trials, seed, **args) -> None:
    check_int("trials", trials, minimum=1)
    check_int("seed", seed, minimum=0)
    if args.get("on_nan", "return") != "return":
        raise ValueError("on_nan must be 'return' in a sweep (a diverged run is recorded, not raised)")
    _train().validate_run_args(**{**args, "seed": 0})


def template(*, trials, seed, **args) -> xr.Dataset:
    one = _train().run_template(**{**args, "seed": 0})
    return _stack([one] * trials, trial_seeds(seed, trials), np.zeros(trials))


def compute(*, trials, seed, **args) -> xr.Dataset:
    validate(trials=trials, seed=seed, **args)
    args = {**args, "on_nan": "return"}
    runs = [_train().run(seed=int(s), **args) for s in trial_seeds(seed, trials)]
    completed = np.array([r.attrs["completed_epochs"] for r in runs])
    return _stack(runs, trial_seeds(seed, trials), completed)


KIND = Kind(
    name="hclm", compute=compute, template=template, validate=validate,
    title="HCLM training runs over seeds",
    references=("Tran, K. P. (2026) Human-Centered Learning Mechanics: A Dynamical Framework for "
                "Entropy-Regulated Representation Learning, arXiv:2605.22940"),
    axis_meta=_AXIS_META,
)
