"""Memory figures: labels from attrs, one curve per group, NaN points left out (never drawn as zero)."""

import numpy as np
import pytest

from hopfield_hclm.core.sweep import SweepStore, UnitResult, get_kind, loads_spec, open_sweep, work_units
from hopfield_hclm.memory.theory import ags_capacity
from hopfield_hclm.plots import memory as plots

SWEEP = """
kind = "memory"
title = "plot test"
trials = 4
[base]
model = "hopfield"
units = "binary"
update = "sync"
neurons = 80
steps = 5
[axes]
cue_overlap = [0.3, 0.9]
load = [0.05, 0.1, 0.3]
"""


@pytest.fixture(scope="module")
def partial_sweep(tmp_path_factory):
    """A sweep with one grid point (cue 0.9, load 0.3) never computed."""
    path = tmp_path_factory.mktemp("plots") / "p.zarr"
    spec = loads_spec(SWEEP)
    store, _ = SweepStore.open_or_create(path, spec)
    kind = get_kind("memory")
    for unit in work_units(spec)[:-1]:
        store.write_unit(unit, UnitResult.from_dataset(kind.compute(**unit.args)))
    return open_sweep(path)


def test_recovery_curves_labels_groups_and_nan(partial_sweep):
    fig = plots.recovery_curves(partial_sweep, threshold=0.9, alpha_c=ags_capacity()[0])
    left, right = fig.axes[:2]
    assert left.get_xlabel() == partial_sweep["load"].attrs["long_name"]
    assert "alpha/alpha_c" in right.get_xlabel()
    lines = [container.lines[0] for container in left.containers]
    assert len(lines) == 4  # m* and m_inf for each of the two cue values
    ydata = np.concatenate([np.asarray(line.get_ydata(), dtype=float) for line in lines])
    assert np.isnan(ydata).sum() == 2  # the missing point is NaN in both of its curves, not zero
    np.testing.assert_allclose(right.containers[0].lines[0].get_xdata(), np.array([0.05, 0.1, 0.3]) / ags_capacity()[0])


def test_every_standard_figure_draws(partial_sweep):
    figures = plots.standard_figures(partial_sweep, threshold=0.5)
    assert set(figures) == {"recovery_curves", "overlap_trajectories", "load_time_heatmap", "retrieval_windows",
                            "phase_diagram"}
    heat = figures["load_time_heatmap"].axes[0]
    assert heat.get_xlabel().startswith(partial_sweep["time"].attrs["long_name"])


def test_phase_diagram_values_are_transient_only_fractions(partial_sweep):
    import hopfield_hclm as hh

    fig = plots.phase_diagram(partial_sweep, threshold=0.5)
    mesh = fig.axes[0].collections[0]
    s = hh.memory.transient_summary(partial_sweep.isel(cue_overlap=0), threshold=0.5)
    expected = s["transient_only"].where(s["valid"]).astype(float).mean("trial").values
    np.testing.assert_allclose(np.asarray(mesh.get_array()).reshape(2, 3)[0], expected)


def test_bad_axis_is_refused(partial_sweep):
    with pytest.raises(ValueError, match="x must be a grid dimension"):
        plots.recovery_curves(partial_sweep, x="neurons")


def test_binary_hopfield_recovery_curves_draw_the_rs_theory(partial_sweep):
    """The AGS replica-symmetric overlap is drawn beside m_inf, with the exact theory values."""
    from hopfield_hclm.memory.theory import ags_overlap

    fig = plots.recovery_curves(partial_sweep, threshold=0.9)
    lines = [ln for ln in fig.axes[0].get_lines() if "RS theory" in str(ln.get_label())]
    assert len(lines) == 1
    alpha, m = lines[0].get_xdata(), lines[0].get_ydata()
    assert alpha.min() == pytest.approx(0.05) and alpha.max() == pytest.approx(0.3)
    for a, y in list(zip(alpha, m))[::40]:
        expected = ags_overlap(a)
        assert (np.isnan(y) and np.isnan(expected)) or y == pytest.approx(expected)
    assert np.isnan(m[alpha > 0.139]).all() and (m[alpha < 0.137] > 0.96).all()


def test_no_rs_theory_for_models_it_does_not_describe(partial_sweep):
    graded = partial_sweep.copy()
    graded.attrs["config"] = graded.attrs["config"].replace('"units":"binary"', '"units":"graded"')
    assert '"units":"graded"' in graded.attrs["config"]
    assert plots.rs_theory_curve(graded) is None
    assert plots.rs_theory_curve(partial_sweep) is not None
