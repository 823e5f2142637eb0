"""Store and runner on the toy kind: values against a direct float64 reference, resume, NaN, export."""

import numpy as np
import pytest
import xarray as xr

from hopfield_hclm.core.attrs import config_hash, missing_cf_attrs
from hopfield_hclm.core.seeds import trial_generators
from hopfield_hclm.core.sweep import SweepStore, UnitResult, get_kind, load_spec, open_sweep, run_sweep, work_units
from hopfield_hclm.core.sweep import export_netcdf



def reference_walk(seed, trials, length, scale, offset):
    """Float64 reference written here: offset + scale * cumulative sum of trial k's normal draws."""
    out = np.empty((trials, length))
    for k, gen in enumerate(trial_generators(seed, trials)):
        out[k] = offset + scale * np.cumsum(gen.standard_normal(length))
    return out


def test_serial_sweep_matches_reference_and_has_cf_attrs(tmp_path, toy_config):
    ds = run_sweep(toy_config(tmp_path), tmp_path / "s.zarr", executor="serial", progress=False)
    assert dict(ds.sizes) == {"scale": 3, "offset": 3, "trial": 3, "step": 6}
    assert ds["walk"].dims == ("scale", "offset", "trial", "step")
    for scale in ds["scale"].values:
        for offset in ds["offset"].values:
            expected = reference_walk(7, 3, 6, scale, offset)
            np.testing.assert_allclose(ds["walk"].sel(scale=scale, offset=offset), expected, rtol=0, atol=1e-12)
    assert ds["completed"].all()
    assert ds["hits"].dtype == np.int64  # complete sweeps keep integer outputs
    assert missing_cf_attrs(ds) == []
    # per-point coordinate reduced to the dims it depends on; trial seeds shared (common random numbers)
    assert ds["scaled_offset"].dims == ("scale", "offset")
    np.testing.assert_allclose(ds["scaled_offset"], ds["scale"] * ds["offset"])
    assert ds["seed"].dims == ("trial",)
    assert ds.attrs["config_hash"] == config_hash(load_spec(toy_config(tmp_path)).resolved())


def test_common_random_numbers_same_noise_at_every_point(tmp_path, toy_config):
    ds = run_sweep(toy_config(tmp_path), tmp_path / "s.zarr", executor="serial", progress=False)
    noise = (ds["walk"] - ds["offset"]) / ds["scale"]
    np.testing.assert_allclose(noise - noise.isel(scale=0, offset=0), 0.0, atol=1e-12)


def test_independent_seeds_give_different_noise(tmp_path, toy_config):
    cfg = toy_config(tmp_path)
    cfg.write_text(cfg.read_text().replace("seed = 7", "seed = 7\nseeds = 'independent'"))
    ds = run_sweep(cfg, tmp_path / "s.zarr", executor="serial", progress=False)
    noise = (ds["walk"] - ds["offset"]) / ds["scale"]
    assert not np.allclose(noise.isel(scale=0, offset=0), noise.isel(scale=1, offset=0))
    assert ds["seed"].dims == ("scale", "offset", "trial")


def test_missing_points_are_nan_never_zero(tmp_path, toy_config):
    spec = load_spec(toy_config(tmp_path))
    store, created = SweepStore.open_or_create(tmp_path / "p.zarr", spec)
    assert created
    kind = get_kind("tests.sweep.toy_kind:KIND")
    units = work_units(spec)
    for unit in units[:4]:
        store.write_unit(unit, UnitResult.from_dataset(kind.compute(**unit.args)))
    ds = open_sweep(tmp_path / "p.zarr")
    done = ds["completed"].values
    assert done.sum() == 4
    assert np.isnan(ds["walk"].values[~done]).all() and np.isfinite(ds["walk"].values[done]).all()
    assert np.isnan(ds["hits"].values[~done]).all()  # integers become float with NaN, never 0
    assert missing_cf_attrs(ds) == []


def test_resume_recomputes_only_unfinished_units(tmp_path, toy_config):
    log = tmp_path / "computed.log"
    cfg = toy_config(tmp_path, log=str(log))
    spec = load_spec(cfg)
    store, _ = SweepStore.open_or_create(tmp_path / "r.zarr", spec)
    kind = get_kind("tests.sweep.toy_kind:KIND")
    units = work_units(spec)
    for unit in units[::2]:
        store.write_unit(unit, UnitResult.from_dataset(kind.compute(**unit.args)))
    log.write_text("")
    seen = []
    ds = run_sweep(cfg, tmp_path / "r.zarr", executor="serial", progress=lambda done, total, u: seen.append(u.flat))
    assert sorted(seen) == [u.flat for u in units[1::2]]
    assert len(log.read_text().splitlines()) == len(units[1::2])
    full = run_sweep(cfg, tmp_path / "full.zarr", executor="serial", progress=False)
    xr.testing.assert_equal(ds, full)
    # a second rerun computes nothing
    seen.clear()
    run_sweep(cfg, tmp_path / "r.zarr", executor="serial", progress=lambda *a: seen.append(a))
    assert seen == []


def test_store_from_another_config_is_refused(tmp_path, toy_config):
    run_sweep(toy_config(tmp_path), tmp_path / "a.zarr", executor="serial", progress=False)
    other = toy_config(tmp_path, name="other.toml", work=1)
    with pytest.raises(ValueError, match="different config"):
        run_sweep(other, tmp_path / "a.zarr", executor="serial")
    not_a_store = tmp_path / "folder"
    not_a_store.mkdir()
    (not_a_store / "file.txt").write_text("x")
    with pytest.raises(ValueError, match="not a"):
        run_sweep(other, not_a_store, executor="serial")


def test_netcdf_export_round_trip(tmp_path, toy_config):
    ds = run_sweep(toy_config(tmp_path), tmp_path / "s.zarr", executor="serial", progress=False)
    path = export_netcdf(tmp_path / "s.zarr", tmp_path / "s.nc")
    back = xr.load_dataset(path, engine="h5netcdf")
    np.testing.assert_array_equal(back["walk"], ds["walk"])
    np.testing.assert_array_equal(back["seed"], ds["seed"])
    assert missing_cf_attrs(back) == []
    assert back.attrs["config"] == ds.attrs["config"]
    with pytest.raises(ValueError, match="not writable"):
        export_netcdf(ds, tmp_path / "nope" / "x.nc")


def test_unit_error_names_the_grid_point(tmp_path, toy_config):
    import tests.sweep.toy_kind as toy

    def broken(**kwargs):
        raise ArithmeticError("boom")

    kind = get_kind("tests.sweep.toy_kind:KIND")
    object.__setattr__(kind, "compute", broken)
    try:
        with pytest.raises(RuntimeError, match=r"grid point scale=0.5, offset=0.0 failed: boom"):
            run_sweep(toy_config(tmp_path), tmp_path / "e.zarr", executor="serial", progress=False)
    finally:
        object.__setattr__(kind, "compute", toy.compute)
    assert not open_sweep(tmp_path / "e.zarr")["completed"].any()
