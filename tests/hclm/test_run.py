"""run(): the Dataset contract, determinism, the template, bad input, the NaN stop, the task."""

import math

import numpy as np
import pytest
import torch
import xarray as xr

import hopfield_hclm as hh
from hopfield_hclm.core.attrs import missing_cf_attrs
from hopfield_hclm.hclm import SURROGATES, Surrogate, TaskData, TrainingDivergedError, make_task, run, run_template, validate_run_args
from hopfield_hclm.hclm.surrogates import logdet_entropy

SMALL = dict(epochs=2, n_train=64, n_test=128, n_feedback=64, batch_size=16, fisher_samples=16)
CONTRACT_VARS = ["train_loss", "test_loss", "gen_gap", "info_force", "entropy", "coef", "reward", "injection", "dissipation"]


@pytest.mark.parametrize("surrogate", ["logdet", "variance", "softmax"])
@pytest.mark.parametrize("regime", ["fixed", "thermostat", "rl"])
def test_contract_call_gives_the_promised_dataset(surrogate, regime):
    ds = hh.hclm.run(surrogate=surrogate, regime=regime, coef=0.1, epochs=3, seed=0, device="cpu",
                     **{k: v for k, v in SMALL.items() if k != "epochs"})
    assert ds.sizes == {"epoch": 3}
    for name in CONTRACT_VARS + ["lambda_star", "info_force_metric", "test_loss_shift", "utility"]:
        assert ds[name].dims == ("epoch",)
    for name in ["train_loss", "test_loss", "info_force", "entropy", "coef", "utility", "info_force_metric"]:
        assert np.isfinite(ds[name].values).all(), name
    np.testing.assert_allclose(ds.gen_gap, ds.test_loss - ds.train_loss)
    assert missing_cf_attrs(ds) == []
    assert ds.attrs["stopped_reason"] == "" and ds.attrs["completed_epochs"] == 3
    assert '"regime":"%s"' % regime in ds.attrs["config"]
    assert ((ds.coef >= 0) & (ds.coef <= 1)).all()


def test_same_seed_same_dataset_and_other_seed_differs():
    kw = dict(SMALL, regime="rl", reward_noise=0.05, record_steps=True)
    a, b, c = run(seed=3, **kw), run(seed=3, **kw), run(seed=4, **kw)
    xr.testing.assert_identical(a.drop_attrs(), b.drop_attrs())
    assert a.attrs["config"] == b.attrs["config"]
    assert not np.array_equal(a.train_loss.values, c.train_loss.values)


def test_template_has_the_structure_of_a_run():
    kw = dict(SMALL, record_steps=True, surrogate="variance")
    tmpl, ds = run_template(**kw), run(**kw)
    assert tmpl.sizes == ds.sizes and set(tmpl.data_vars) == set(ds.data_vars)
    assert all(tmpl[v].dims == ds[v].dims for v in ds.data_vars)
    assert all(np.isnan(tmpl[v].values).all() for v in tmpl.data_vars)
    assert tmpl.attrs["config"] == ds.attrs["config"] and tmpl.attrs["stopped_reason"] == "template"
    assert missing_cf_attrs(tmpl) == []


def test_step_records_add_up_to_epoch_records():
    ds = run(**SMALL, record_steps=True, regime="thermostat")
    steps = 64 // 16
    assert ds.sizes["step"] == 2 * steps
    by_epoch = ds.step_entropy_change_measured.values.reshape(2, steps).sum(1)
    np.testing.assert_allclose(by_epoch, ds.entropy_change_measured.values, rtol=1e-12)
    np.testing.assert_allclose(ds.step_coef.values.reshape(2, steps).mean(1), ds.coef.values, rtol=1e-12)
    # plain SGD: predicted ΔH of each step is lr·(injection − dissipation)
    np.testing.assert_allclose(ds.step_entropy_change_predicted, 0.5 * (ds.step_injection - ds.step_dissipation),
                               rtol=1e-3, atol=1e-5)


def test_reward_delay_leaves_the_first_epochs_unrated():
    ds = run(**dict(SMALL, epochs=4), reward_delay=2)
    assert np.isnan(ds.reward.values[:2]).all()
    np.testing.assert_array_equal(ds.reward.values[2:], ds.utility.values[:2])


def test_nan_stops_the_run_naming_epoch_and_quantity_and_keeps_the_record(monkeypatch):
    calls = {"n": 0}

    def bomb(z, eps):
        calls["n"] += 1
        h = logdet_entropy(z, eps)
        return h * float("nan") if calls["n"] > 14 else h  # 2 evaluations/step, 4 steps/epoch: dies in epoch 2

    monkeypatch.setitem(SURROGATES, "bomb", Surrogate("bomb", "test surrogate that turns NaN", bomb, True))
    kw = dict(SMALL, epochs=3, surrogate="bomb", measure_entropy_change=True)
    with pytest.raises(TrainingDivergedError, match="non-finite entropy surrogate at epoch 2") as info:
        run(**kw)
    err = info.value
    assert err.epoch == 2 and err.quantity == "entropy surrogate"
    part = err.partial
    assert part.attrs["completed_epochs"] == 1 and "epoch 2" in part.attrs["stopped_reason"]
    assert np.isfinite(part.train_loss.values[0]) and np.isnan(part.train_loss.values[1:]).all()
    calls["n"] = 0
    returned = run(**kw, on_nan="return")
    xr.testing.assert_identical(returned.drop_attrs(), part.drop_attrs())


def test_diverging_learning_rate_is_caught():
    with pytest.raises(TrainingDivergedError) as info:
        run(**SMALL, lr=1e30)
    assert info.value.epoch == 1 and math.isnan(info.value.partial.train_loss.values[0])


@pytest.mark.parametrize(
    "kwargs,name",
    [
        (dict(surrogate="entropy"), "surrogate"),
        (dict(regime="pid"), "regime"),
        (dict(coef=-0.1), "coef"),
        (dict(eps=-1e-3), "eps"),
        (dict(eps=0.0), "eps"),
        (dict(coef_min=0.5, coef_max=0.1), "coef_min"),
        (dict(coef_max=-1.0), "coef_max"),
        (dict(epochs=0), "epochs"),
        (dict(seed=-1), "seed"),
        (dict(lr=0.0), "lr"),
        (dict(optimizer="lbfgs"), "optimizer"),
        (dict(device="tpu"), "device"),
        (dict(dtype="int32"), "dtype"),
        (dict(batch_size=1), "batch_size"),
        (dict(batch_size=512), "batch_size"),
        (dict(label_noise=0.7), "label_noise"),
        (dict(signal_dim=40), "signal_dim"),
        (dict(reward_delay=-2), "reward_delay"),
        (dict(reward_noise=float("nan")), "reward_noise"),
        (dict(record_steps="yes"), "record_steps"),
        (dict(on_nan="ignore"), "on_nan"),
        (dict(eps=0.0), "eps"),
        (dict(eps=float("nan")), "eps"),
        (dict(threads=0), "threads"),
        (dict(learning_rate=0.1), "learning_rate"),
    ],
)
def test_bad_input_raises_before_any_work(kwargs, name):
    for fn in (validate_run_args, run_template, run):
        with pytest.raises(ValueError, match=name):
            fn(**kwargs)


def test_non_finite_or_misshapen_data_is_refused():
    data = make_task(np.random.default_rng(0), n_train=64, n_test=128, n_feedback=64)
    x = data.x_train.clone()
    x[3, 2] = float("inf")
    bad = TaskData(**{**{k: getattr(data, k) for k in data.__dataclass_fields__}, "x_train": x})
    with pytest.raises(ValueError, match="data must be finite"):
        run(**SMALL, data=bad)
    with pytest.raises(ValueError, match="data.x_train"):
        run(**dict(SMALL, n_train=32), data=data)
    ds = run(**SMALL, data=data)
    assert ds.attrs["config"].count("custom:sha256") == 1


def test_task_label_noise_signal_and_shift():
    rng = np.random.default_rng(5)
    data = make_task(rng, input_dim=12, signal_dim=4, n_train=4000, n_test=4000, n_feedback=10, label_noise=0.0,
                     shift_scale=3.0)
    assert data.x_train.shape == (4000, 12) and data.y_train.shape == (4000,)
    assert set(np.unique(data.y_train.numpy())) == {0.0, 1.0}
    # nuisance covariate shift: total variance 4 + 8·9 = 76 per sample in expectation (vs 12 unshifted)
    var_shift = float(data.x_shift.pow(2).sum(1).mean())
    assert var_shift == pytest.approx(4 + 8 * 9, rel=0.05)  # sd of the mean ≈ 0.6%, 5% is > 4 SE
    noisy = make_task(np.random.default_rng(5), input_dim=12, signal_dim=4, n_train=4000, n_test=4000,
                      n_feedback=10, label_noise=0.2, shift_scale=3.0)
    # same draws with 20% flips: the flip fraction is 0.2 ± 4·sqrt(0.16/4000) = ±0.025
    flipped = float((noisy.y_train != data.y_train).float().mean())
    assert abs(flipped - 0.2) < 4 * math.sqrt(0.2 * 0.8 / 4000)


def test_threads_are_restored():
    before = torch.get_num_threads()
    run(**SMALL, threads=1)
    assert torch.get_num_threads() == before


def test_netcdf_round_trip(tmp_path):
    ds = run(**SMALL)
    path = tmp_path / "run.nc"
    ds.to_netcdf(path, engine="h5netcdf")
    back = xr.open_dataset(path, engine="h5netcdf")
    xr.testing.assert_allclose(back.load(), ds)
    assert back.attrs["config_hash"] == ds.attrs["config_hash"]


def test_run_on_each_device_is_deterministic_and_close_to_cpu(device):
    a, b = run(**SMALL, device=device), run(**SMALL, device=device)
    xr.testing.assert_identical(a.drop_attrs(), b.drop_attrs())
    ref = run(**SMALL, device="cpu", dtype="float64")
    # float32 on any device vs float64 on the CPU after 8 SGD steps: round-off of ~1e-6, amplified by
    # training; 1e-3 relative still catches a wrong formula or a device-dependent random draw
    for name in ("train_loss", "test_loss", "entropy", "info_force", "info_force_metric"):
        np.testing.assert_allclose(a[name].values, ref[name].values, rtol=1e-3, err_msg=name)


def test_surrogates_on_each_device_match_cpu_float64(device):
    z = torch.randn(24, 40, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    for name, sur in SURROGATES.items():
        if name == "bomb":
            continue
        expected = sur(z, 1e-2).item()
        assert sur(z.float().to(device), 1e-2).item() == pytest.approx(expected, rel=1e-4, abs=1e-4), name
