"""The zarr adapter of the sweep store: concurrent and plain region writes give identical arrays."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from hopfield_hclm.core.sweep import zarr_io


def _store(path):
    ds = xr.Dataset({"a": (("x", "t"), np.full((3, 4), np.nan, dtype="float32")),
                     "b": (("x",), np.zeros(3, dtype="int64"))})
    ds.to_zarr(path, mode="w", compute=True, zarr_format=3, consolidated=False,
               encoding={"a": {"chunks": (1, 4)}, "b": {"chunks": (1,)}})
    return ds


@pytest.mark.parametrize("concurrent", [True, False])
def test_region_writes_land_exactly_where_asked(tmp_path, concurrent):
    path = tmp_path / f"s{concurrent}.zarr"
    _store(path)
    arrays = zarr_io.open_arrays(path)
    assert zarr_io.dimension_names(arrays["a"]) == ("x", "t")
    row = np.arange(4, dtype="float32") + 0.5
    zarr_io.write_regions([(arrays["a"], (1,), row), (arrays["b"], (2,), np.int64(7))], concurrent=concurrent)
    back = xr.open_zarr(path, consolidated=False, zarr_format=3, chunks=None).load()
    np.testing.assert_array_equal(back["a"].values[1], row)
    assert np.isnan(back["a"].values[[0, 2]]).all()
    np.testing.assert_array_equal(back["b"].values, [0, 0, 7])


def test_the_fallback_is_used_when_zarr_has_no_async_api(tmp_path, monkeypatch):
    path = tmp_path / "f.zarr"
    _store(path)
    arrays = zarr_io.open_arrays(path)
    monkeypatch.setattr(zarr_io, "_concurrent_writer", lambda: None)
    zarr_io.write_regions([(arrays["a"], (0,), np.ones(4, dtype="float32"))])
    np.testing.assert_array_equal(zarr_io.open_arrays(path, mode="r")["a"][0], np.ones(4))


def test_root_attrs_and_a_clear_error_for_a_non_store(tmp_path):
    path = tmp_path / "g.zarr"
    xr.Dataset(attrs={"title": "t"}).to_zarr(path, zarr_format=3, consolidated=False)
    assert zarr_io.read_root_attrs(path)["title"] == "t"
    (tmp_path / "plain").mkdir()
    with pytest.raises(ValueError, match="is not a Zarr sweep store"):
        zarr_io.read_root_attrs(tmp_path / "plain")
