"""A model defined here, outside the package, runs through simulate and a sweep (docs/extending.md).

The model is the rectified polynomial of Krotov & Hopfield 2016 (NeurIPS, their F_n(x) = x^n for x >= 0,
0 otherwise), with its own parameter ``power``. Only ``F`` (and a Glauber scale) is written; the
energy-difference rule is the package's generic one, checked here against a float64 brute force that
flips every unit and differences the energy -Σ_μ F(M_μ) directly.
"""

from dataclasses import dataclass

import numpy as np
import pytest
import torch

import hopfield_hclm as hh
from hopfield_hclm.core import trial_generators
from hopfield_hclm.core.sweep import run_sweep
from hopfield_hclm.memory.binary import energy_drops
from hopfield_hclm.memory.models import Bound, MemoryModel, register_model, resolve_model, unregister_model
from hopfield_hclm.memory.options import Option
from hopfield_hclm.memory.patterns import binary_cue, random_patterns


@dataclass(frozen=True)
class RectifiedPolynomial(MemoryModel):
    """F(x) = max(x, 0)^power (Krotov & Hopfield 2016, rectified polynomial energy)."""

    power: int = 3
    units = ("binary",)
    references = "Krotov & Hopfield 2016, NeurIPS (rectified polynomial energy)"
    options = (Option("power", int, None, "exponent k >= 2 of the rectified polynomial F(x) = max(x, 0)^k",
                      "model=rectified"),)

    def validate(self):
        if isinstance(self.power, bool) or not isinstance(self.power, int) or self.power < 2:
            raise ValueError(f"power must be an integer >= 2 for model='rectified'; got {self.power!r}")

    def F(self, x):
        return torch.clamp(x, min=0) ** self.power

    def glauber_scale(self, bound):
        return 2.0 * self.power * float(bound.neurons) ** (self.power - 1)


@pytest.fixture(scope="module", autouse=True)
def registered():
    register_model("rectified", RectifiedPolynomial)
    yield
    unregister_model("rectified")


def brute_force_drops(power: int, states: np.ndarray, patterns: np.ndarray) -> np.ndarray:
    """Δ_i = E(s_i = -1) - E(s_i = +1) with E = -Σ_μ F(M_μ), every unit flipped in turn, float64."""
    def energy(s):
        m = patterns @ s
        return -np.sum(np.maximum(m, 0.0) ** power)

    drops = np.empty(states.shape)
    for k, s in enumerate(states.astype(np.float64)):
        for i in range(s.size):
            up, down = s.copy(), s.copy()
            up[i], down[i] = 1.0, -1.0
            drops[k, i] = energy(down) - energy(up)
    return drops


@pytest.mark.parametrize("power", [2, 3])
def test_generic_rule_matches_the_brute_force_energy_difference(power):
    rng = np.random.default_rng(power)
    n, npat, trials = 23, 9, 5
    patterns = rng.choice([-1.0, 1.0], size=(npat, n))
    states = rng.choice([-1.0, 1.0], size=(trials, n))
    states[0] = patterns[0]  # one state on a pattern: large positive overlaps
    bound = Bound(resolve_model("rectified", power=power), n, npat)
    got = energy_drops(bound, torch.from_numpy(states), torch.from_numpy(patterns)[None]).numpy()
    np.testing.assert_array_equal(got, brute_force_drops(power, states, patterns))  # integers: exact in float64


def test_simulate_runs_the_new_model_by_name_and_object():
    common = dict(neurons=24, patterns=8, steps=4, trials=2, seed=4, record_states=True)
    ds = hh.memory.simulate(model="rectified", power=3, update="async", **common)
    same = hh.memory.simulate(model=RectifiedPolynomial(power=3), update="async", **common)
    np.testing.assert_array_equal(ds["state"].values, same["state"].values)
    assert ds.attrs["model"] == "rectified" and ds.attrs["power"] == 3 and ds.attrs["backend"] == "torch"
    assert "dtype float64" in ds.attrs["source"]  # no exactness bound declared: float64 by default
    assert "rectified polynomial" in ds.attrs["references"]
    # zero-temperature asynchronous updates never raise E = -Σ F(M) (exact integers in float64)
    assert (np.diff(ds["energy"].values, axis=1) <= 0).all()
    with pytest.raises(ValueError, match="power must be an integer >= 2"):
        hh.memory.simulate(model="rectified", power=1, load=0.1)
    with pytest.raises(ValueError, match="power must be None for model='hopfield'"):
        hh.memory.simulate(model="hopfield", power=3, load=0.1)
    with pytest.raises(ValueError, match="model must be one of"):
        hh.memory.simulate(model="rectified", units="graded", power=3, load=0.1)


def test_synchronous_trajectory_matches_a_float64_reference_loop():
    n, npat, trials, seed, steps = 30, 8, 2, 7, 4
    ds = hh.memory.simulate(model="rectified", power=3, update="sync", neurons=n, patterns=npat, steps=steps,
                            trials=trials, seed=seed, record_states=True, cue_overlap=0.4)
    gens = trial_generators(seed, trials)
    for k, g in enumerate(gens):
        pats = random_patterns(g, npat, n).astype(np.float64)
        s = binary_cue(g, pats[0], 0.4).astype(np.float64)
        for t in range(1, steps + 1):
            drops = brute_force_drops(3, s[None], pats)[0]
            s = np.where(drops == 0, s, np.sign(drops))
            np.testing.assert_array_equal(ds["state"].values[k, t], s)


def test_sweep_of_the_new_model_without_editing_the_package(tmp_path):
    cfg = tmp_path / "rectified.toml"
    cfg.write_text('kind = "memory"\ntrials = 2\nseed = 3\n[base]\nmodel = "rectified"\nneurons = 30\n'
                   'steps = 3\nupdate = "sync"\n[axes]\npower = [2, 3]\nload = [0.2, 0.4]\n')
    ds = run_sweep(cfg, tmp_path / "rectified.zarr", executor="serial")
    assert int(ds["completed"].sum()) == 4
    assert ds["power"].attrs["long_name"].startswith("exponent k >= 2")
    direct = hh.memory.simulate(model="rectified", power=3, load=0.4, neurons=30, steps=3, update="sync",
                                trials=2, seed=3)  # common seeds: every grid point uses the root seed
    np.testing.assert_array_equal(ds["overlap"].sel(power=3, load=0.4).values, direct["overlap"].values)
