"""The embedded default sweep run by ``hopfield-hclm sweep`` with no CONFIG.

Graded (tanh) Hopfield network, order n = 1, N = 500, gain g = 2, from far below to far above
capacity (10 loads, log-spaced 0.05 .. 3.2), two cue strengths (a = 1: m(0) = 0.39; a = 1.5:
m(0) = 0.65) and both self-coupling conventions, 16 trials per point, horizon T = 30 time
constants: 40 small units.

Why both conventions: with the Hebbian diagonal kept, its weight g sqrt(alpha) phi_i grows with the
load and pins units near the cue, so far above capacity m_inf stays near m(0) and the gain
m*(T) - m(0) is inflated; with it removed (``self_coupling = false``) that artefact is gone and
what remains is the transient retrieval itself: at a = 1.5 the overlap rises above 0.9 and then
decays at loads above capacity (experiments/transient_graded). The figure labels each curve.
"""

DEFAULT_SWEEP = """
kind = "memory"
title = "Default sweep: graded Hopfield network, N = 500, g = 2"
description = "graded units, order 1, N = 500, g = 2; m*(T) and m_inf against load at two cue strengths, self-coupling removed and kept"
seed = 0
trials = 16

[base]
model = "hopfield"
units = "graded"
update = "continuous"
neurons = 500
gain = 2.0
steps = 150
dt = 0.2
record_every = 3

[axes]
self_coupling = [false, true]
cue_strength = [1.0, 1.5]
load = { start = 0.05, stop = 3.2, num = 10, scale = "log" }
"""
