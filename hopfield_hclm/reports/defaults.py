"""The embedded default sweep run by ``hopfield-hclm sweep`` with no CONFIG.

Graded (tanh) Hopfield network, order n = 1, N = 500, gain g = 2, from far below to far above
capacity (12 loads, log-spaced 0.05 .. 3.2) at three cue strengths, 16 trials per point, horizon
T = 30 time constants. About 36 small units: well under a few minutes on 2 CPU cores.
"""

DEFAULT_SWEEP = """
kind = "memory"
title = "Default sweep: transient recovery of a graded Hopfield network past capacity"
description = "graded units, order 1, N = 500, g = 2; m*(T) and m_inf against load at three cue strengths"
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
cue_strength = [0.5, 1.0, 1.5]
load = { start = 0.05, stop = 3.2, num = 12, scale = "log" }
"""
