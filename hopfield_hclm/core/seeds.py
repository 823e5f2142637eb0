"""Seeds: one root seed, one independent stream per trial.

Trial ``k`` of a run with root seed ``r`` always draws from child ``k`` of
``numpy.random.SeedSequence(r)``, whatever the number of trials, the batch layout, the worker or
the device (DESIGN.md §6). Random inputs (patterns, cues, visit orders, noise) are drawn on the CPU
from these generators and only then moved to the compute device.
"""

from __future__ import annotations

import numpy as np

from .validation import check_int

_SEED_MASK = (1 << 63) - 1


def _children(root_seed: int, trials: int) -> list[np.random.SeedSequence]:
    root_seed = check_int("seed", root_seed, minimum=0)
    trials = check_int("trials", trials, minimum=1)
    return np.random.SeedSequence(root_seed).spawn(trials)


def trial_seeds(root_seed: int, trials: int) -> np.ndarray:
    """Per-trial integer seeds, shape ``(trial,)``, int64; trial k's seed depends only on (root, k)."""
    states = [child.generate_state(1, dtype=np.uint64)[0] for child in _children(root_seed, trials)]
    return np.array([int(s) & _SEED_MASK for s in states], dtype=np.int64)


def trial_generators(root_seed: int, trials: int) -> list[np.random.Generator]:
    """One independent ``numpy.random.Generator`` per trial (PCG64 seeded from trial k's child)."""
    return [np.random.default_rng(child) for child in _children(root_seed, trials)]
