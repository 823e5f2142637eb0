"""simulate(): the Dataset contract, seeds, validation, memory guard, NaN guard, graded wiring."""

import math

import numpy as np
import pytest
import torch
import xarray as xr

import hopfield_hclm as hh
from hopfield_hclm.core import missing_cf_attrs, trial_generators, trial_seeds
from hopfield_hclm.core.devices import MemoryEstimateError
from hopfield_hclm.memory import simulation
from hopfield_hclm.memory.patterns import hadamard
from hopfield_hclm.memory.trajectory import Trajectory

simulate = hh.memory.simulate
SMALL = dict(neurons=40, load=0.1, steps=4, trials=3)


@pytest.mark.parametrize("kw", [
    dict(update="sync"), dict(update="async"), dict(update="async", backend="torch"),
    dict(model="dense", order=2, load=0.05), dict(model="exponential", load=0.05, beta=0.5, update="sync"),
    dict(temperature=0.5, update="async"),
])
def test_binary_dataset_contract(kw):
    args = {**SMALL, **kw}
    ds = simulate(**args, record_every=2)
    assert ds["overlap"].dims == ("trial", "time")
    assert ds.sizes["time"] == args["steps"] // 2 + 1
    assert ds["time"].values[0] == 0 and ds["time"].attrs["units"] == "sweeps"
    assert set(ds.data_vars) == {"overlap", "max_other_overlap", "energy", "activity"}
    np.testing.assert_array_equal(ds["seed"].values, trial_seeds(0, args["trials"]))
    assert missing_cf_attrs(ds) == []
    for key in ("model", "units", "update", "neurons", "load", "order", "beta", "gain", "cue_overlap",
                "cue_strength", "temperature", "self_coupling", "dt", "steps", "record_every", "backend"):
        assert key in ds.attrs, key
    assert ds.attrs["cue_overlap"] == 0.8 and ds.attrs["self_coupling"] == 0
    # the cue has overlap exactly 1 - 2 round(N (1 - m0)/2) / N with the target
    assert np.all(ds["overlap"].values[:, 0] == 1 - 2 * round(40 * 0.2 / 2) / 40)
    assert int(ds["patterns"]) == {"hopfield": 4, "dense": 80, "exponential": 7}[args.get("model", "hopfield")]


def test_netcdf_round_trip(tmp_path):
    ds = simulate(**SMALL, record_states=True)
    path = tmp_path / "run.nc"
    ds.to_netcdf(path, engine="h5netcdf")
    back = xr.load_dataset(path, engine="h5netcdf")
    xr.testing.assert_identical(back, ds)
    assert back["state"].dims == ("trial", "time", "neuron")


def test_record_states_are_consistent_with_overlaps():
    pats = hadamard(32)[:4]
    ds = simulate(neurons=32, patterns=pats, steps=3, trials=2, cue_overlap=0.5, record_states=True,
                  update="sync")
    m = np.einsum("btn,n->bt", ds["state"].values.astype(np.int64), pats[0]) / 32
    np.testing.assert_array_equal(m, ds["overlap"].values)
    assert ds.attrs["load"] == 4 / 32 and int(ds["patterns"]) == 4


@pytest.mark.parametrize("update, backend", [("sync", "torch"), ("async", "torch"), ("async", "numba")])
def test_trial_does_not_depend_on_batch_layout(update, backend):
    args = dict(neurons=50, load=0.2, steps=5, seed=42, update=update, backend=backend, temperature=0.2)
    many = simulate(**args, trials=6, record_states=True)
    one = simulate(**args, trials=1, record_states=True)
    three = simulate(**args, trials=3, record_states=True)
    xr.testing.assert_identical(one["state"], many["state"].isel(trial=[0]))
    xr.testing.assert_identical(three["state"], many["state"].isel(trial=[0, 1, 2]))
    np.testing.assert_array_equal(three["overlap"].values, many["overlap"].values[:3])


def test_backends_and_dtypes_agree():
    args = dict(neurons=60, load=0.25, steps=4, trials=3, update="async", temperature=0.1, seed=3)
    base = simulate(**args, backend="numba")
    assert base.attrs["backend"] == "numba" and base.attrs["exact_fields"] == 1
    for other in (dict(backend="torch"), dict(backend="torch", dtype="float64"), dict(dtype="float32")):
        ds = simulate(**args, **other)
        np.testing.assert_array_equal(ds["overlap"].values, base["overlap"].values)


def test_dense_and_exponential_default_dtypes():
    assert simulate(model="exponential", neurons=20, patterns=5, steps=1, trials=1).attrs["source"].endswith("float64")
    ds = simulate(model="dense", order=2, neurons=20, load=0.2, steps=1, trials=1, update="sync")
    assert ds.attrs["exact_fields"] == 1


def test_exponential_float32_async_runs_on_torch():
    ds = simulate(model="exponential", neurons=20, patterns=6, steps=2, trials=2, update="async", dtype="float32")
    assert ds.attrs["backend"] == "torch" and ds.attrs["exact_fields"] == 0
    assert simulate(model="exponential", neurons=20, patterns=6, steps=2, trials=2).attrs["backend"] == "numba"


def test_exponential_load_and_patterns():
    ds = simulate(model="exponential", neurons=20, load=0.1, steps=1, trials=1, update="sync")
    assert int(ds["patterns"]) == round(math.exp(2.0))
    ds = simulate(model="exponential", neurons=20, patterns=11, steps=1, trials=1, update="sync")
    assert int(ds["patterns"]) == 11 and ds.attrs["beta"] == 1.0


def test_self_coupling_changes_binary_hopfield():
    args = dict(neurons=200, load=0.3, steps=1, trials=4, update="sync", cue_overlap=0.3, seed=1)
    a = simulate(**args)
    b = simulate(**args, self_coupling=True)
    assert b.attrs["self_coupling"] == 1
    assert not np.array_equal(a["overlap"].values, b["overlap"].values)


BAD = [
    (dict(neurons=0), "neurons"),
    (dict(neurons=2.5), "neurons"),
    (dict(load=0.0), "load"),
    (dict(load=-1.0), "load"),
    (dict(load=None), "load"),
    (dict(load=1e-6), "load"),
    (dict(order=0), "order"),
    (dict(order=2), "order"),
    (dict(model="dense", order=1), "order"),
    (dict(model="exponential", order=2), "order"),
    (dict(cue_overlap=1.5), "cue_overlap"),
    (dict(cue_overlap=-1.01), "cue_overlap"),
    (dict(units="graded", update="continuous", gain=1.0, cue_strength=2.0), "cue_strength"),
    (dict(units="graded", update="continuous", gain=0.0), "gain"),
    (dict(units="graded", update="continuous", dt=0.0), "dt"),
    (dict(units="graded", update="continuous", dt=-0.1), "dt"),
    (dict(dt=0.5), "dt"),
    (dict(model="boltzmann"), "model"),
    (dict(units="spiking"), "units"),
    (dict(update="parallel"), "update"),
    (dict(update="continuous"), "update"),
    (dict(units="graded", update="sync"), "update"),
    (dict(units="graded", update="continuous", model="exponential"), "model"),
    (dict(units="graded", update="continuous", cue_overlap=0.5), "cue_overlap"),
    (dict(units="graded", update="continuous", temperature=0.1), "temperature"),
    (dict(gain=1.0), "gain"),
    (dict(cue_strength=1.0), "cue_strength"),
    (dict(beta=1.0), "beta"),
    (dict(model="exponential", beta=0.0), "beta"),
    (dict(model="exponential", load=10.0), "load"),
    (dict(temperature=-0.1), "temperature"),
    (dict(steps=-1), "steps"),
    (dict(record_every=0), "record_every"),
    (dict(trials=0), "trials"),
    (dict(seed=-1), "seed"),
    (dict(device="tpu"), "device"),
    (dict(dtype="int32"), "dtype"),
    (dict(dtype="float16"), "dtype"),
    (dict(dtype="float32", neurons=5000, load=1.0), "dtype"),
    (dict(self_coupling="yes"), "self_coupling"),
    (dict(model="dense", order=2, self_coupling=True), "self_coupling"),
    (dict(record_states=1), "record_states"),
    (dict(backend="cuda"), "backend"),
    (dict(backend="numba", update="sync"), "backend"),
    (dict(backend="numba", update="async", model="exponential", dtype="float32"), "backend"),
    (dict(patterns=0), "patterns"),
    (dict(patterns=np.ones((2, 39))), "patterns"),
    (dict(patterns=np.zeros((2, 40))), "patterns"),
    (dict(patterns=1.5), "patterns"),
]


@pytest.mark.parametrize("kw, name", BAD, ids=[f"{k}" for k, _ in BAD])
def test_bad_input_names_the_argument(kw, name, monkeypatch):
    calls = []
    monkeypatch.setattr(simulation, "trial_generators", lambda *a: calls.append(a) or trial_generators(*a))
    with pytest.raises(ValueError, match=name):
        simulate(**{**SMALL, **kw})
    assert calls == []  # refused before any draw or allocation


def test_memory_estimate_is_refused_with_the_estimate(monkeypatch):
    import hopfield_hclm.core.devices as devices

    monkeypatch.setattr(devices, "available_memory", lambda device: 10**6)
    with pytest.raises(MemoryEstimateError, match="GiB"):
        simulate(neurons=400, load=0.5, steps=2, trials=8)
    spec, _ = simulation.resolve_spec(model="hopfield", units="binary", update="sync", neurons=400, load=0.5, order=1,
                                      patterns=None, beta=None, steps=2, dt=1.0, cue_overlap=None, gain=None,
                                      cue_strength=None, temperature=0.0, self_coupling=None, record_every=1,
                                      trials=8, seed=0, device="cpu", dtype=None, record_states=False,
                                      backend="torch")
    # patterns dominate: 8 trials x 200 x 400 cells, int8 draw + float32 copy
    assert simulation.estimate_memory(spec) >= 8 * 200 * 400 * 5


def test_non_finite_trajectory_is_an_error():
    good = torch.zeros(2, 3, dtype=torch.float64)
    activity = good.clone()
    activity[:, 0] = float("nan")  # allowed: nothing changed before time 0
    simulation.check_finite(Trajectory(time=np.arange(3.0), series={"overlap": good, "activity": activity}))
    bad = good.clone()
    bad[1, 2] = float("inf")
    with pytest.raises(FloatingPointError, match="'energy'.*time 2"):
        simulation.check_finite(Trajectory(time=np.arange(3.0), series={"overlap": good, "energy": bad}))
    activity[0, 1] = float("nan")
    with pytest.raises(FloatingPointError, match="activity"):
        simulation.check_finite(Trajectory(time=np.arange(3.0), series={"activity": activity}))


def test_single_pattern_max_other_overlap_is_nan_not_zero():
    ds = simulate(neurons=20, patterns=1, steps=2, trials=2)
    assert np.isnan(ds["max_other_overlap"].values).all()
    assert np.all(ds["overlap"].values[:, -1] == 1.0)


def test_graded_dispatch_matches_direct_call():
    from hopfield_hclm.memory import graded

    args = dict(units="graded", update="continuous", neurons=60, load=0.1, steps=6, dt=0.1, trials=3, seed=5,
                gain=1.5, cue_strength=0.8, record_every=2)
    ds = simulate(**args)
    assert ds["time"].attrs["units"] == "time constants"
    np.testing.assert_allclose(ds["time"].values, [0.0, 0.2, 0.4, 0.6])
    assert missing_cf_attrs(ds) == []
    assert ds.attrs["self_coupling"] == 1 and ds.attrs["gain"] == 1.5
    # the same inputs by hand: patterns then x(0) from each trial's generator
    gens = trial_generators(5, 3)
    pats = np.stack([2 * g.integers(0, 2, size=(6, 60), dtype=np.int8) - 1 for g in gens])
    x0 = graded.initial_state(pats[:, 0], gain=1.5, cue_strength=0.8, generators=gens, dtype=torch.float32)
    traj = graded.integrate(torch.tensor(pats, dtype=torch.float32), x0, order=1, gain=1.5, load=0.1, dt=0.1,
                            steps=6, record_every=2, self_coupling=True)
    for name, values in traj.series.items():
        np.testing.assert_array_equal(ds[name].values, values.numpy().astype(np.float64))
    one = simulate(**{**args, "trials": 1})
    np.testing.assert_array_equal(one["overlap"].values[0], ds["overlap"].values[0])


def test_graded_defaults_and_device(device):
    ds = simulate(units="graded", update="continuous", neurons=40, load=0.05, steps=3, dt=0.1, trials=2,
                  device=device)
    assert set(ds.data_vars) >= {"overlap", "speed", "retrieval_force"}
    assert ds.attrs["gain"] > 0 and 0 <= ds.attrs["cue_strength"] <= ds.attrs["gain"]


@pytest.mark.parametrize("update", ["sync", "async"])
def test_binary_runs_on_every_device(device, update):
    args = dict(neurons=64, load=0.2, steps=3, trials=2, update=update, seed=9)
    ds = simulate(**args, device=device, backend="torch")
    ref = simulate(**args)
    np.testing.assert_array_equal(ds["overlap"].values, ref["overlap"].values)
