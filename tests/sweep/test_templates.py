"""A kind's template is built once per grid point per sweep: not by spec validation, not again for the
store, not at all on a resume (issue 11 §3)."""

from __future__ import annotations

import numpy as np

from hopfield_hclm.core.sweep import Kind, load_spec, register_kind, run_sweep

import tests.sweep.toy_kind as toy_kind

CONFIG = """
kind = "counting_toy"
seed = 3
trials = 2
[base]
length = 4
[axes]
scale = [0.5, 1.0, 2.0]
offset = [0.0, 0.1]
"""


def _counting_kind(calls: list):
    def template(**args):
        calls.append(dict(args))
        return toy_kind.template(**args)

    return Kind(name="counting_toy", compute=toy_kind.compute, template=template, validate=toy_kind.validate)


def test_template_is_built_once_per_grid_point_and_not_on_resume(tmp_path):
    calls: list = []
    register_kind(_counting_kind(calls))
    config = tmp_path / "c.toml"
    config.write_text(CONFIG)
    spec = load_spec(config)
    assert calls == []                                     # validation runs the kind's checks only
    out = tmp_path / "c.zarr"
    ds = run_sweep(config, out, executor="serial", progress=False)
    assert len(calls) == spec.size == 6                    # one per grid point, for checks and store alike
    assert sorted((c["scale"], c["offset"]) for c in calls) == sorted(
        (s, o) for s in (0.5, 1.0, 2.0) for o in (0.0, 0.1))
    # the per-point coordinate the templates supplied is in the store
    assert np.allclose(ds["scaled_offset"].values, np.outer([0.5, 1.0, 2.0], [0.0, 0.1]))
    again = run_sweep(config, out, executor="serial", progress=False)   # resume of a complete store
    assert len(calls) == 6
    assert bool(again["completed"].all())


def test_store_source_attribute_is_the_kinds_not_guessed_from_base(tmp_path):
    # the engine copies what the kind's template resolved; it never reads device/dtype keys of [base]
    def template(**args):
        ds = toy_kind.template(**args)
        ds.attrs["source"] = "toy walk on device meta, dtype float16 (resolved by the kind)"
        return ds

    register_kind(Kind(name="sourced_toy", compute=toy_kind.compute, template=template, validate=toy_kind.validate))
    config = tmp_path / "s.toml"
    config.write_text(CONFIG.replace("counting_toy", "sourced_toy"))
    ds = run_sweep(config, tmp_path / "s.zarr", executor="serial", progress=False)
    assert ds.attrs["source"] == "toy walk on device meta, dtype float16 (resolved by the kind)"
