"""The graded coupling uses the realised load P / N^n, not the requested one (DESIGN.md §3).

``simulate`` draws P = round(alpha N^n) patterns; the coupling must be G = g / sqrt(P / N^n).  The
reference is one explicit Euler step in float64 numpy from the same per-trial draws (patterns, then
x(0) = a xi^1 + sqrt(g^2 - a^2) z), with the field written out by hand:

- n = 1, all terms kept:      h_i = G sum_mu xi_i^mu m_mu;
- n = 2, distinct indices:    h_i = 2 G sum_mu xi_i^mu e_2(y^mu without i),  y_j = xi_j phi_j / N,
  e_2 = ((S - y_i)^2 - (Q - y_i^2)) / 2 with S = sum_j y_j, Q = sum_j y_j^2.

Loads are chosen so that round() moves P far from alpha N^n (15 % at n = 1), so the test fails if
the requested load is used.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import hopfield_hclm as hh
from hopfield_hclm.core.seeds import trial_generators
from hopfield_hclm.core.sweep import get_kind
from hopfield_hclm.memory.patterns import random_patterns

GAIN, CUE, DT, TRIALS, SEED = 2.0, 1.0, 0.2, 3, 4


def reference_step(*, neurons, patterns_count, order, self_coupling, load):
    """Overlap m^1 after one Euler step with coupling g / sqrt(load), float64, shape (trial,)."""
    out = []
    for gen in trial_generators(SEED, TRIALS):
        xi = random_patterns(gen, patterns_count, neurons).astype(np.float64)      # (pattern, neuron)
        x = CUE * xi[0] + math.sqrt(GAIN**2 - CUE**2) * gen.standard_normal(neurons)
        phi = np.tanh(x)
        coupling = GAIN / math.sqrt(load)
        if order == 1 and self_coupling:
            h = coupling * (xi @ phi / neurons) @ xi
        elif order == 2 and not self_coupling:
            y = xi * phi / neurons                                                   # (pattern, neuron)
            s, q = y.sum(1, keepdims=True), (y * y).sum(1, keepdims=True)
            e2 = ((s - y) ** 2 - (q - y * y)) / 2.0                                  # without i
            h = 2.0 * coupling * (xi * e2).sum(0)
        else:
            raise NotImplementedError
        x1 = x + DT * (h - x)
        out.append(float(xi[0] @ np.tanh(x1)) / neurons)
    return np.array(out)


@pytest.mark.parametrize(("model", "order", "neurons", "load", "self_coupling"), [
    ("hopfield", 1, 30, 0.05, True),     # P = round(1.5) = 2: realised 0.0667, 33 % above the request
    ("dense", 2, 14, 0.05, False),       # P = round(9.8) = 10: realised 0.0510
])
def test_graded_coupling_uses_realised_load(model, order, neurons, load, self_coupling):
    ds = hh.memory.simulate(model=model, units="graded", order=order, neurons=neurons, load=load, gain=GAIN,
                            cue_strength=CUE, dt=DT, steps=1, record_every=1, trials=TRIALS, seed=SEED,
                            dtype="float64", self_coupling=self_coupling)
    count = int(ds["patterns"])
    assert count == round(load * neurons**order)
    realised = count / neurons**order
    assert ds.attrs["load"] == load
    assert float(ds["realised_load"]) == pytest.approx(realised, rel=1e-15)
    assert ds.attrs["realised_load"] == pytest.approx(realised, rel=1e-15)
    kwargs = dict(neurons=neurons, patterns_count=count, order=order, self_coupling=self_coupling)
    want = reference_step(load=realised, **kwargs)
    nominal = reference_step(load=load, **kwargs)
    got = ds["overlap"].isel(time=1).values
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
    # the two conventions are far apart compared with the tolerance, so using the request would fail
    assert np.abs(nominal - want).max() > 1e-4


def test_realised_load_in_a_sweep_template():
    kind = get_kind("memory")
    args = dict(model="dense", units="graded", order=4, neurons=6, load=0.016, steps=2, trials=1, seed=0)
    template = kind.template(**args)
    assert float(template["realised_load"]) == round(0.016 * 6**4) / 6**4   # P = 21 of 20.7: 1.3 % off
