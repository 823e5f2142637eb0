"""Config parsing and validation: every bad config fails before a store exists."""

import math

import pytest

from hopfield_hclm.core.sweep import loads_spec, run_sweep, work_units
from hopfield_hclm.core.sweep.grid import point_seed

BASE = 'kind = "tests.sweep.toy_kind:KIND"\ntrials = 2\n'


def test_ranges_lists_and_grid_order():
    spec = loads_spec(BASE + """
[base]
length = 3
[axes]
scale = { start = 0.1, stop = 0.3, num = 3 }
offset = { start = 0, stop = 4, step = 2 }
""")
    assert spec.dims == ("scale", "offset")
    assert spec.axes[0].values == (0.1, 0.2, 0.3)
    assert spec.axes[1].values == (0, 2, 4) and all(isinstance(v, int) for v in spec.axes[1].values)
    units = work_units(spec)
    assert len(units) == 9 == spec.size
    assert units[1].index == (0, 1) and units[1].args["offset"] == 2 and units[1].args["scale"] == 0.1
    assert units[5].flat == 5 and units[5].args["trials"] == 2 and units[5].args["length"] == 3


def test_log_range():
    spec = loads_spec(BASE + "[axes]\nscale = { start = 0.01, stop = 1.0, num = 3, scale = 'log' }\n")
    assert spec.axes[0].values == pytest.approx((0.01, 0.1, 1.0), rel=1e-12)


def test_common_and_independent_seeds():
    common = loads_spec(BASE + "seed = 5\n[axes]\nscale = [1.0, 2.0]\n")
    assert [u.args["seed"] for u in work_units(common)] == [5, 5]
    indep = loads_spec(BASE + "seed = 5\nseeds = 'independent'\n[axes]\nscale = [1.0, 2.0]\n")
    seeds = [u.args["seed"] for u in work_units(indep)]
    assert seeds[0] != seeds[1] and seeds == [point_seed(indep, 0), point_seed(indep, 1)]


@pytest.mark.parametrize(
    "text, message",
    [
        (BASE + "colour = 3\n", "unknown config key"),
        ('trials = 2\n', "needs 'kind'"),
        ('kind = "nope"\n', "kind must be one of"),
        (BASE.replace("2", '"2"'), "trials must be an integer"),
        (BASE + "seed = -1\n", "seed must be an integer >= 0"),
        (BASE + "seeds = 'shared'\n", "seeds must be one of"),
        (BASE + "[axes]\nscale = []\n", "axes.scale is empty"),
        (BASE + "[axes]\nscale = [1.0, 1.0]\n", "duplicate"),
        (BASE + "[axes]\nscale = [1.0, 'a']\n", "mixes value types"),
        (BASE + "[axes]\nscale = { start = 0, stop = 1 }\n", "exactly one of 'num' or 'step'"),
        (BASE + "[axes]\nscale = { start = 0, stop = 1, num = 2, by = 3 }\n", "unknown range key"),
        (BASE + "[axes]\nscale = { start = 1, stop = 0, step = 1 }\n", "is empty"),
        (BASE + "[axes]\nscale = [-1.0, 1.0]\n", "scale must lie in [0, inf]"),
        (BASE + "[base]\nlength = 2.5\n", "length must be an integer"),
        (BASE + "[base]\nlenght = 2\n", "unknown argument(s) ['lenght']"),
        (BASE + "[base]\nscale = 1.0\n[axes]\nscale = [1.0]\n", "both in [base] and in [axes]"),
        (BASE + "[base]\nseed = 1\n", "top level"),
        (BASE + "[axes]\ntrials = [1, 2]\n", "cannot be swept"),
        (BASE + "[axes]\nlength = [2, 3]\n", "differ between grid points"),
        (BASE + "[axes]\nstep = [2, 3]\n", "unknown argument(s) ['step']"),
        ("kind = 'tests.sweep.toy_kind:KIND'\ntrials = [\n", "not valid TOML"),
    ],
)
def test_bad_configs_fail_before_any_store(tmp_path, text, message):
    config = tmp_path / "bad.toml"
    config.write_text(text)
    out = tmp_path / "out.zarr"
    with pytest.raises(ValueError, match=_escape(message)):
        run_sweep(config, out, executor="serial")
    assert not out.exists()


def test_unwritable_output_path_fails_before_any_work(tmp_path):
    config = tmp_path / "ok.toml"
    config.write_text(BASE + "[axes]\nscale = [1.0]\n")
    with pytest.raises(ValueError, match="out=.*does not exist or is not writable"):
        run_sweep(config, tmp_path / "missing" / "out.zarr", executor="serial")
    assert not (tmp_path / "missing").exists()


def test_bad_executor_arguments(tmp_path):
    config = tmp_path / "ok.toml"
    config.write_text(BASE + "[axes]\nscale = [1.0]\n")
    for kwargs, message in (({"executor": "mpi"}, "executor must be one of"),
                            ({"workers": 0}, "workers must be an integer >= 1"),
                            ({"executor": "process", "scheduler": "tcp://x:1"}, "only used with executor='dask'"),
                            ({"executor": "dask", "scheduler": "localhost"}, "tcp://HOST:PORT")):
        with pytest.raises(ValueError, match=_escape(message)):
            run_sweep(config, tmp_path / "o.zarr", **kwargs)
    assert not (tmp_path / "o.zarr").exists()


def _escape(text):
    import re

    return re.escape(text)


def test_float_axis_values_are_clean():
    spec = loads_spec(BASE + "[axes]\nscale = { start = 0.0, stop = 0.3, step = 0.1 }\n")
    assert spec.axes[0].values == (0.0, 0.1, 0.2, 0.3)
    assert not any(math.isnan(v) for v in spec.axes[0].values)
