"""The modern Hopfield network through the front door: hh.memory.simulate(model="modern", units="real", ...),
transient_summary on its Dataset, reproducibility across batch sizes, user and digits patterns, the sweep
kind, and bad input refused before any allocation."""

import math

import numpy as np
import pytest
import torch

import hopfield_hclm as hh
from hopfield_hclm.memory import modern as mh
from hopfield_hclm.memory.models.modern import REAL_SERIES
from hopfield_hclm.memory.modern_patterns import DIGITS_COUNT, digits_patterns, real_cue, real_patterns
from hopfield_hclm.core.seeds import trial_generators

BASE = dict(model="modern", units="real", neurons=16, patterns=40, beta=1.5, steps=8)


@pytest.mark.parametrize("ensemble", ["binary", "gaussian", "spherical", "correlated"])
@pytest.mark.parametrize("update", ["sync", "continuous"])
def test_contract_and_transient_summary(ensemble, update):
    extra = dict(dt=0.5, method="heun") if update == "continuous" else {}
    ds = hh.memory.simulate(**BASE, update=update, ensemble=ensemble, cue_overlap=0.6, trials=3, seed=1, **extra)
    assert set(REAL_SERIES) <= set(ds.data_vars)
    assert ds.overlap.dims == ("trial", "time") and ds.sizes["time"] == 9
    assert np.allclose(ds.overlap.isel(time=0), 0.6, atol=1e-6)              # cue cosine, float32
    assert ds.time.attrs["units"] == ("time constants" if update == "continuous" else "steps")
    assert ds.time.values[-1] == (4.0 if update == "continuous" else 8.0)
    assert ds.attrs["ensemble"] == ensemble and ds.attrs["pattern_source"] == ensemble
    assert np.all(ds.effective_patterns >= 1 - 1e-5) and np.all(ds.effective_patterns <= 40 + 1e-3)
    assert np.allclose(ds.effective_patterns, np.exp(ds.attention_entropy), rtol=1e-5)
    s = hh.memory.transient_summary(ds, threshold=[0.7, 0.9])
    for name in ("peak_overlap", "final_overlap", "recoverable", "transient_only", "readout_loss_fixed",
                 "mean_abs_retrieval_force"):
        assert name in s
    assert s.peak_overlap.dims == ("trial",)


def test_trial_one_reproduces_trial_zero_of_eight():
    for update, extra in (("sync", {}), ("continuous", dict(dt=0.3, method="rk4"))):
        for ensemble in ("spherical", "correlated"):
            kw = dict(BASE, update=update, ensemble=ensemble, cue_overlap=0.5, seed=7, **extra)
            eight = hh.memory.simulate(**kw, trials=8)
            one = hh.memory.simulate(**kw, trials=1)
            for name in REAL_SERIES:
                assert np.array_equal(eight[name].isel(trial=[0]).values, one[name].values), (update, name)


def test_draw_order_is_patterns_then_cue():
    ds = hh.memory.simulate(**dict(BASE, steps=0), ensemble="gaussian", cue_overlap=0.3, trials=2, seed=3,
                            dtype="float64")
    for k, g in enumerate(trial_generators(3, 2)):
        xi = real_patterns(g, 40, 16, "gaussian")
        x0 = real_cue(g, xi[0], 0.3)
        s = xi @ x0
        cos = s / (np.linalg.norm(xi, axis=1) * np.linalg.norm(x0))
        assert ds.overlap.values[k, 0] == pytest.approx(cos[0], abs=1e-12)
        assert ds.max_other_overlap.values[k, 0] == pytest.approx(np.abs(cos[1:]).max(), abs=1e-12)
        assert ds.separation.values[k, 0] == pytest.approx(xi[0] @ xi[0] - (xi[1:] @ xi[0]).max(), rel=1e-12)


def test_user_patterns_are_shared_and_real():
    rng = np.random.default_rng(0)
    xi = rng.standard_normal((30, 12)) * 3.0
    ds = hh.memory.simulate(model="modern", units="real", neurons=12, patterns=xi, beta=0.7, steps=30, trials=4,
                            cue_overlap=0.9, dtype="float64")
    assert ds.attrs["pattern_source"] == "user" and int(ds.patterns) == 30
    # every trial runs the same patterns: the direct kernel run on the same cues agrees
    cues = np.stack([real_cue(g, xi[0], 0.9) for g in trial_generators(0, 4)])
    run = mh.run(torch.tensor(xi)[None], torch.tensor(cues), beta=0.7, steps=30)
    assert np.allclose(ds.overlap.values, run.series["overlap"].numpy(), rtol=0, atol=1e-12)


def test_digits_patterns_and_ensemble():
    pytest.importorskip("sklearn")
    images = digits_patterns()
    assert images.shape == (DIGITS_COUNT, 64)
    assert np.allclose(np.linalg.norm(images, axis=1), 8.0)
    zeros = digits_patterns(5, digits=[0], normalize=False)
    assert zeros.shape == (5, 64) and zeros.max() <= 16
    centred = digits_patterns(200, center=True, normalize=False)
    assert np.allclose(centred.mean(axis=0), 0.0, atol=1e-12)
    ds = hh.memory.simulate(model="modern", units="real", neurons=64, patterns=100, ensemble="digits", beta=0.2,
                            cue_overlap=0.9, steps=5, trials=2)
    assert ds.attrs["pattern_source"] == "digits"
    with pytest.raises(ValueError, match="neurons"):
        hh.memory.simulate(model="modern", units="real", neurons=63, patterns=10, ensemble="digits")
    with pytest.raises(ValueError, match="patterns"):
        hh.memory.simulate(model="modern", units="real", neurons=64, patterns=1798, ensemble="digits")


def test_energy_never_rises_through_simulate():
    ds = hh.memory.simulate(**dict(BASE, steps=20), update="sync", ensemble="spherical", cue_overlap=0.5, trials=8,
                            seed=2, dtype="float64")
    de = ds.energy.diff("time")
    assert float(de.max()) <= 1e-12
    assert float(ds.energy.min()) >= 0.0


HUGE = 10**9  # a network this large could not be allocated: every refusal below must come first


@pytest.mark.parametrize("kwargs,name", [
    (dict(beta=0.0), "beta"),
    (dict(beta=-1.0), "beta"),
    (dict(ensemble="correlated", correlation=1.0), "correlation"),
    (dict(ensemble="correlated", correlation=-0.1), "correlation"),
    (dict(ensemble="gaussian", correlation=0.3), "correlation"),
    (dict(ensemble="uniform"), "ensemble"),
    (dict(cue_overlap=1.5), "cue_overlap"),
    (dict(update="async"), "update"),
    (dict(gain=2.0), "gain"),
    (dict(temperature=0.5), "temperature"),
    (dict(dtype="float16"), "dtype"),
    (dict(update="continuous", dt=0.0), "dt"),
    (dict(update="continuous", method="rk45"), "method"),
])
def test_bad_input_refused_before_allocation(kwargs, name):
    with pytest.raises(ValueError, match=name):
        hh.memory.simulate(model="modern", units="real", neurons=HUGE, patterns=HUGE, trials=HUGE, **kwargs)


def test_bad_patterns():
    with pytest.raises(ValueError, match="patterns"):
        hh.memory.simulate(model="modern", units="real", neurons=12, patterns=np.ones((5, 11)))
    with pytest.raises(ValueError, match="patterns"):
        hh.memory.simulate(model="modern", units="real", neurons=3, patterns=np.array([[1.0, np.nan, 0.0]]))
    with pytest.raises(ValueError, match="patterns"):
        hh.memory.simulate(model="modern", units="real", neurons=2, patterns=np.zeros((2, 2)))
    with pytest.raises(ValueError, match="load"):
        hh.memory.simulate(model="modern", units="real", neurons=100, load=0.5)      # exp(50) patterns


def test_sweep_kind_template_matches_result():
    from hopfield_hclm.memory import sweep_kind

    args = dict(BASE, ensemble="spherical", cue_overlap=0.7, trials=2, update="sync")
    sweep_kind.validate(**args)
    template = sweep_kind.template(**args)
    result = sweep_kind.compute(**args)
    assert set(template.data_vars) == set(result.data_vars)
    for name in result.data_vars:
        assert template[name].dims == result[name].dims and template[name].shape == result[name].shape
    assert template.time.attrs == result.time.attrs
    with pytest.raises(ValueError, match="beta"):
        sweep_kind.validate(**dict(args, beta=-2.0))


def test_load_gives_exponential_pattern_count():
    ds = hh.memory.simulate(model="modern", units="real", neurons=10, load=0.3, steps=1, trials=1)
    assert int(ds.patterns) == round(math.exp(3.0))
    assert float(ds.realised_load) == pytest.approx(math.log(20) / 10)


def test_single_pattern():
    ds = hh.memory.simulate(model="modern", units="real", neurons=8, patterns=1, beta=3.0, steps=2, trials=2,
                            cue_overlap=0.2, dtype="float64")
    assert np.isnan(ds.max_other_overlap).all()
    assert np.allclose(ds.overlap.isel(time=slice(1, None)), 1.0)       # P = 1: one step lands on the pattern
    assert np.allclose(ds.separation.values, ds.separation.values[:, :1])   # recorded as xi0.xi0 (no competitor)
    assert ds.separation.values[0, 0] == pytest.approx(8.0)             # binary target: xi0.xi0 = N


def test_device_agrees_with_cpu(device):
    # inputs are drawn on the CPU and moved, so a CUDA run differs from the CPU run only by float rounding
    kw = dict(BASE, update="continuous", dt=0.25, method="rk4", ensemble="spherical", cue_overlap=0.6, trials=4,
              seed=5, dtype="float64")
    ref = hh.memory.simulate(**kw, device="cpu")
    ds = hh.memory.simulate(**kw, device=device)
    for name in REAL_SERIES:
        np.testing.assert_allclose(ds[name].values, ref[name].values, rtol=1e-9, atol=1e-11, err_msg=name)
    assert ds.attrs["source"].count(device.split(":")[0]) >= 1
