"""Patterns and cues for associative memories (DESIGN.md §3).

Patterns are ±1 vectors ``ξ^μ ∈ {±1}^N`` stored as ``int8`` arrays of shape ``(pattern, neuron)``.
Random patterns are i.i.d. uniform; user-supplied patterns (images, Hadamard rows, ...) are
validated by :func:`check_patterns`. A binary cue of overlap ``m0`` with the target pattern flips
exactly ``round(N (1 - m0) / 2)`` of its bits (:func:`cue_flips`), so the cue's overlap is
``1 - 2 flips / N`` exactly (Amit, *Modeling Brain Function*, 1989, ch. 4).

All random draws take a ``numpy.random.Generator`` -- one per trial, from
:func:`hopfield_hclm.core.trial_generators` -- so results never depend on batch layout or device.
"""

from __future__ import annotations

import numpy as np

from ..core.validation import check_int, check_real


def random_patterns(generator: np.random.Generator, patterns: int, neurons: int) -> np.ndarray:
    """I.i.d. uniform ±1 patterns, shape ``(pattern, neuron)``, ``int8``.

    Draws ``generator.integers(0, 2, size=(patterns, neurons))`` and maps {0, 1} -> {-1, +1}.
    """
    patterns = check_int("patterns", patterns, minimum=1)
    neurons = check_int("neurons", neurons, minimum=1)
    bits = generator.integers(0, 2, size=(patterns, neurons), dtype=np.int8)
    return (2 * bits - 1).astype(np.int8)


def check_patterns(patterns, *, neurons: int | None = None) -> np.ndarray:
    """Validate user patterns: a 2-D ``(pattern, neuron)`` array of ±1 entries, width ``neurons``.

    Accepts any array-like (numpy, torch on any device, nested lists). Returns an ``int8`` copy.
    Raises ``ValueError`` naming ``patterns`` and what is allowed.
    """
    if hasattr(patterns, "detach"):
        patterns = patterns.detach().cpu().numpy()
    array = np.asarray(patterns)
    if array.ndim != 2 or array.shape[0] < 1 or array.shape[1] < 1:
        raise ValueError(
            f"patterns must be a 2-D (pattern, neuron) array with at least one pattern; got shape {array.shape}"
        )
    if array.dtype.kind not in "biuf":
        raise ValueError(f"patterns must hold numbers -1 and +1; got dtype {array.dtype}")
    if not np.all((array == 1) | (array == -1)):
        raise ValueError("patterns must contain only the values -1 and +1")
    if neurons is not None and array.shape[1] != neurons:
        raise ValueError(f"patterns must have width neurons={neurons}; got {array.shape[1]} columns")
    return array.astype(np.int8)


def hadamard(order: int) -> np.ndarray:
    """Sylvester–Hadamard matrix ``H`` of size ``order`` (a power of two), ``int8`` ±1 entries.

    ``H @ H.T == order * I``: its rows are mutually orthogonal ±1 patterns, exact fixed points of the
    zero-diagonal Hopfield network while fewer than ``order`` of them are stored (Hadamard 1893;
    Sylvester 1867). Built by ``H_{2k} = [[H_k, H_k], [H_k, -H_k]]``.
    """
    order = check_int("order", order, minimum=1)
    if order & (order - 1):
        raise ValueError(f"order must be a power of two (1, 2, 4, 8, ...); got {order}")
    matrix = np.ones((1, 1), dtype=np.int8)
    while matrix.shape[0] < order:
        matrix = np.block([[matrix, matrix], [matrix, -matrix]]).astype(np.int8)
    return matrix


def cue_flips(neurons: int, cue_overlap: float) -> int:
    """Number of target bits a binary cue of overlap ``m0`` flips: ``round(N (1 - m0) / 2)``.

    Python's ``round`` (ties to even) is used, so the rule is exact and platform independent.
    """
    neurons = check_int("neurons", neurons, minimum=1)
    cue_overlap = check_real("cue_overlap", cue_overlap, low=-1.0, high=1.0)
    return int(round(neurons * (1.0 - cue_overlap) / 2.0))


def binary_cue(generator: np.random.Generator, target: np.ndarray, cue_overlap: float) -> np.ndarray:
    """The target ``(neuron,)`` with exactly :func:`cue_flips` bits flipped; ``int8``.

    The flipped positions are ``generator.permutation(N)[:flips]`` (one permutation drawn whatever
    the number of flips, so the draw sequence does not depend on ``cue_overlap``).
    """
    target = np.asarray(target)
    flips = cue_flips(target.shape[-1], cue_overlap)
    positions = generator.permutation(target.shape[-1])[:flips]
    cue = target.astype(np.int8).copy()
    cue[positions] = -cue[positions]
    return cue
