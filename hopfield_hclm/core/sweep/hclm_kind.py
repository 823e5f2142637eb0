"""The "hclm" kind: one unit = ``trials`` runs of :func:`hopfield_hclm.hclm.run` at one grid point.

``hclm.run`` trains one model per call (dim ``epoch``). A unit runs it once per trial with trial k's
seed (child k of ``SeedSequence(seed)``, the same at every grid point: common random numbers) and
stacks the results along a new ``trial`` dim with a ``seed`` coordinate. Validation is
``validate_run_args`` and the template is ``run_template`` (both from the HCLM module: nothing is
trained to pre-allocate the store).
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from ..seeds import trial_seeds
from .kinds import Kind

_TRIAL_ATTRS = {"long_name": "trial index", "units": "1"}
_SEED_ATTRS = {"long_name": "per-trial seed from SeedSequence(seed).spawn", "units": "1"}


def _train():
    from hopfield_hclm.hclm import train

    return train


def _stack(datasets: list[xr.Dataset], seeds: np.ndarray) -> xr.Dataset:
    ds = xr.concat(datasets, dim="trial", coords="minimal", compat="override", combine_attrs="override")
    ds = ds.assign_coords(trial=("trial", np.arange(len(seeds)), _TRIAL_ATTRS), seed=("trial", seeds, _SEED_ATTRS))
    return ds


def validate(*, trials, seed, **args) -> None:
    for s in trial_seeds(seed, trials)[:1]:
        _train().validate_run_args(seed=int(s), **args)


def template(*, trials, seed, **args) -> xr.Dataset:
    seeds = trial_seeds(seed, trials)
    one = _train().run_template(seed=int(seeds[0]), **args)
    return _stack([one] * trials, seeds)


def compute(*, trials, seed, **args) -> xr.Dataset:
    seeds = trial_seeds(seed, trials)
    return _stack([_train().run(seed=int(s), **args) for s in seeds], seeds)


KIND = Kind(
    name="hclm", compute=compute, template=template, validate=validate,
    title="HCLM representation-learning sweep",
    references="Tran, Human-Centered Learning Mechanics, arXiv:2605.22940",
    axis_meta={
        "coef": ("entropy coefficient lambda (initial)", "1"),
        "surrogate": ("entropy surrogate", "1"),
        "regime": ("entropy-coefficient regime", "1"),
    },
)
