"""The configuration in parts: flat keywords route by declaration, the stored config stays flat and
unchanged, and a task, regime or setting is added by one entry."""

import dataclasses
import json

import numpy as np
import pytest

from hopfield_hclm.hclm import (
    CONTROLLERS,
    SURROGATES,
    TASKS,
    FixedController,
    RunConfig,
    TaskSpec,
    flat_keywords,
    run,
    validate_run_args,
)
from hopfield_hclm.hclm.config import PARTS, _routes
from hopfield_hclm.hclm.params import integer, recorded_fields, setting

SMALL = dict(epochs=1, n_train=32, n_test=64, n_feedback=32, batch_size=16, hidden=8, width=4, fisher_samples=8)

#: the keys of the stored ``config`` attribute before the split (flat RunConfig + 3 derived):
#: stored Datasets and their config_hash depend on exactly this set
HISTORICAL_KEYS = {
    "surrogate", "regime", "coef", "epochs", "seed", "device", "dtype", "sigma", "eps", "optimizer", "lr",
    "batch_size", "input_dim", "signal_dim", "n_train", "n_test", "n_feedback", "label_noise", "shift_scale",
    "hidden", "width", "coef_min", "coef_max", "smoothing", "target_entropy", "dual_lr", "policy_std", "rl_lr",
    "cost_fp", "cost_fn", "reward_noise", "reward_delay", "fisher_samples", "damping", "weight_decay",
    "risk_weight", "measure_entropy_change", "record_steps", "on_nan", "threads",
    "surrogate_eps", "steps_per_epoch", "data",
}


def test_every_flat_keyword_routes_to_one_declared_field():
    declared = [f for part in (*PARTS.values(), RunConfig) for f in dataclasses.fields(part) if "check" in f.metadata]
    assert len(_routes()) == len(declared)  # no two fields share a flat keyword
    cfg = validate_run_args(lr=0.2, n_train=128, width=8, regime="rl", surrogate="variance", eps=1e-3, epochs=3)
    assert (cfg.optimiser.lr, cfg.task.n_train, cfg.model.width) == (0.2, 128, 8)
    assert (cfg.controller.name, cfg.surrogate.name, cfg.surrogate.eps, cfg.epochs) == ("rl", "variance", 1e-3, 3)
    assert cfg.lr == 0.2 and cfg.regime == "rl" and cfg.n_train == 128  # flat reads of the routed fields
    with pytest.raises(AttributeError):
        cfg.learning_rate


def test_values_are_normalised_by_their_declared_checks():
    cfg = validate_run_args(coef=1, lr=1, sigma=0, dtype="float64")
    assert type(cfg.controller.coef) is float and type(cfg.optimiser.lr) is float and cfg.dtype == "float64"


def test_stored_config_keeps_the_historical_flat_keys():
    ds = run(**SMALL)
    assert set(json.loads(ds.attrs["config"])) == HISTORICAL_KEYS


def test_a_registered_task_is_one_entry_and_is_recorded(monkeypatch):
    base = TASKS["synthetic"]
    monkeypatch.setitem(TASKS, "mirror", TaskSpec("mirror", base.make_data, base.build_network, base.check))
    a, b = run(**SMALL), run(**SMALL, task="mirror")
    np.testing.assert_array_equal(a.train_loss, b.train_loss)  # same loader and network -> same numbers
    assert "task" not in json.loads(a.attrs["config"]) and json.loads(b.attrs["config"])["task"] == "mirror"
    with pytest.raises(ValueError, match="task"):
        validate_run_args(task="digitz")


def test_a_registered_regime_is_one_entry(monkeypatch):
    monkeypatch.setitem(CONTROLLERS, "frozen", lambda c, rng: FixedController(c.coef, coef_min=0.0, coef_max=1.0))
    a, b = run(**SMALL, regime="fixed", coef=0.3), run(**SMALL, regime="frozen", coef=0.3)
    np.testing.assert_array_equal(a.test_loss, b.test_loss)


def test_if_set_settings_stay_out_of_the_record_at_their_default():
    @dataclasses.dataclass(frozen=True)
    class Part:
        old: int = setting(1, integer(0))
        new: int = setting(0, integer(0), key="new_knob", record="if_set")

    assert recorded_fields(Part()) == {"old": 1}
    assert recorded_fields(Part(new=2)) == {"old": 1, "new_knob": 2}
    with pytest.raises(ValueError, match="record"):
        setting(0, integer(0), record="sometimes")


def test_flat_keywords_cover_every_surrogate_option():
    keys = set(flat_keywords())
    assert {o.key for s in SURROGATES.values() for o in s.options} <= keys
    assert {"task", "surrogate", "regime", "optimizer", "lr", "eps", "coef"} <= keys
