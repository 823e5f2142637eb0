"""The hclm kind: a unit stacks one hclm.run per trial; sweep values equal direct runs; bad args refused."""

import numpy as np
import pytest

import hopfield_hclm as hh
from hopfield_hclm.core.attrs import missing_cf_attrs
from hopfield_hclm.core.sweep import loads_spec, run_sweep

SWEEP = """
kind = "hclm"
title = "hclm kind test"
seed = 3
trials = 2
[base]
epochs = 2
[axes]
coef = [0.0, 0.1]
"""


def test_hclm_sweep_equals_direct_runs(tmp_path):
    ds = run_sweep(loads_spec(SWEEP), tmp_path / "h.zarr", executor="serial", progress=False)
    assert ds["train_loss"].dims == ("coef", "trial", "epoch")
    assert missing_cf_attrs(ds) == []
    for coef in (0.0, 0.1):
        for k in range(2):
            direct = hh.hclm.run(coef=coef, epochs=2, seed=int(ds["seed"][k]))
            np.testing.assert_array_equal(ds["train_loss"].sel(coef=coef).isel(trial=k), direct["train_loss"])
            # the per-epoch coefficient survives a swept "coef" axis under its own name
            np.testing.assert_array_equal(ds["lambda_t"].sel(coef=coef).isel(trial=k), direct["coef"])
    assert (ds["completed_epochs"] == 2).all()


@pytest.mark.parametrize("extra,name", [
    ("on_nan = 'raise'", "on_nan"),  # a sweep records a diverged run, it never raises
    ("surogate = 'logdet'", "surogate"),  # unknown keyword
    ("batch_size = 1", "batch_size"),  # routed to the optimiser part and checked there
])
def test_bad_hclm_config_fails_before_a_store(tmp_path, extra, name):
    cfg = tmp_path / "bad.toml"
    cfg.write_text(SWEEP.replace("epochs = 2", f"epochs = 2\n{extra}"))
    with pytest.raises(ValueError, match=name):
        run_sweep(cfg, tmp_path / "bad.zarr", executor="serial")
    assert not (tmp_path / "bad.zarr").exists()
