"""A physics-free kind for exercising the sweep engine (tests, benchmarks, examples).

``toy(trials, seed, *, length=8, scale=1.0, offset=0.0, work=0, sleep=0.0, crash_marker="", log="")`` returns a
Dataset with dims ``(trial, step)``: ``walk[k, t] = offset + scale * cumsum(z_k)[t]`` with ``z_k``
standard normal draws from trial k's generator (child k of ``SeedSequence(seed)``), and
``hits[k]`` = number of positive steps (int64), so integer outputs are exercised too.

Knobs for testing the engine: ``work`` runs that many 128 x 128 matmul rounds (CPU-bound load); ``sleep``
waits that many seconds (a slow unit that costs no CPU);
``crash_marker``: if set and the file does not exist yet, the process creates it and dies hard
(``os._exit``) before returning -- a worker lost mid-unit, exactly once; ``log``: append the
unit's ``scale``/``offset`` to this file, so tests can count which units were computed.
"""

from __future__ import annotations

import os

import numpy as np
import xarray as xr

from hopfield_hclm.core.attrs import annotate, global_attrs
from hopfield_hclm.core.seeds import trial_generators, trial_seeds
from hopfield_hclm.core.sweep.kinds import Kind
from hopfield_hclm.core.validation import check_int, check_real

#: long names of the toy's variables and coordinates; every one is dimensionless (units "1")
_LONG_NAMES = {
    "walk": "toy random walk", "hits": "number of positive increments", "trial": "trial index",
    "step": "step of the walk", "seed": "trial seed (child k of SeedSequence(root))", "scaled_offset": "offset times scale",
}
_META = {name: (long_name, "1") for name, long_name in _LONG_NAMES.items()}


def validate(*, trials, seed, length=8, scale=1.0, offset=0.0, work=0, sleep=0.0, crash_marker="", log="") -> None:
    check_int("trials", trials, minimum=1)
    check_int("seed", seed, minimum=0)
    check_int("length", length, minimum=1)
    check_real("scale", scale, low=0.0)
    check_real("offset", offset)
    check_int("work", work, minimum=0)
    check_real("sleep", sleep, low=0.0, high=60.0)
    for name, value in (("crash_marker", crash_marker), ("log", log)):
        if not isinstance(value, str):
            raise ValueError(f"{name} must be a path string (or empty); got {value!r}")


def _dataset(walk: np.ndarray, hits: np.ndarray, *, trials, seed, scale, offset, length) -> xr.Dataset:
    ds = xr.Dataset(
        {"walk": (("trial", "step"), walk), "hits": (("trial",), hits)},
        coords={
            "trial": np.arange(trials),
            "step": np.arange(length),
            "seed": ("trial", trial_seeds(seed, trials)),
            "scaled_offset": float(offset) * float(scale),
        },
    )
    annotate(ds, _META)
    config = dict(trials=trials, seed=seed, scale=scale, offset=offset, length=length)
    ds.attrs.update(global_attrs(title="toy walk", config=config, references="none"))
    return ds


def template(*, trials, seed, length=8, scale=1.0, offset=0.0, **_ignored) -> xr.Dataset:
    return _dataset(
        np.empty((trials, length)), np.empty(trials, np.int64),
        trials=trials, seed=seed, scale=scale, offset=offset, length=length,
    )


def compute(*, trials, seed, length=8, scale=1.0, offset=0.0, work=0, sleep=0.0, crash_marker="", log="") -> xr.Dataset:
    validate(trials=trials, seed=seed, length=length, scale=scale, offset=offset, work=work, sleep=sleep,
             crash_marker=crash_marker, log=log)
    if work:
        import torch

        a = torch.full((128, 128), 1.0 / 128, dtype=torch.float64)
        for _ in range(work):
            a = torch.tanh(a @ a + 0.5)
    if sleep:
        import time

        time.sleep(sleep)
    if crash_marker and not os.path.exists(crash_marker):
        with open(crash_marker, "w") as fh:
            fh.write("crashed once\n")
        os._exit(3)
    steps = np.stack([g.standard_normal(length) for g in trial_generators(seed, trials)])
    walk = offset + scale * np.cumsum(steps, axis=1)
    hits = (steps > 0).sum(axis=1).astype(np.int64)
    if log:
        with open(log, "a") as fh:
            fh.write(f"{scale!r} {offset!r}\n")
    return _dataset(walk, hits, trials=trials, seed=seed, scale=scale, offset=offset, length=length)


KIND = Kind(name="toy", compute=compute, template=template, validate=validate,
            title="toy random walks", references="none (engine test kind)")
