"""Real-valued patterns and cues for the modern Hopfield network (DESIGN.md §3, issue 12 §1).

Ensembles, each ``(pattern, neuron)`` float64 with E‖ξ^μ‖² = N (so β has the same meaning across them):

- ``"binary"``    ξ_i^μ = ±1 i.i.d. uniform: ``generator.integers(0, 2, (P, N))`` mapped to ±1 -- the same draw
  as :func:`hopfield_hclm.memory.patterns.random_patterns`, so a generator gives the binary models' patterns;
- ``"gaussian"``  ξ_i^μ ~ N(0, 1) i.i.d.: ``generator.standard_normal((P, N))``;
- ``"spherical"`` uniform on the sphere ‖ξ^μ‖ = √N: the Gaussian draw, each row rescaled to norm √N;
- ``"correlated"`` ξ^μ = √ρ c + √(1 − ρ) z^μ with c, z^μ ~ N(0, I_N): ``standard_normal(N)`` for the common
  direction c first, then ``standard_normal((P, N))``; any two patterns have correlation coefficient ρ
  (E ξ^μ·ξ^ν / N = ρ for μ ≠ ν) -- a one-parameter model of real, correlated memories;
- ``"digits"`` P of scikit-learn's 1797 handwritten digits (N = 64 only), each rescaled to norm 8 = √N:
  ``generator.permutation(1797)[:P]`` picks which (one permutation whatever P), the first is the target.

Cue with cosine c to the target ξ^0: draw g = ``standard_normal(N)``, take its component orthogonal to ξ^0,
v = g − (g·û)û with û = ξ^0/‖ξ^0‖, and set x(0) = ‖ξ^0‖ (c û + √(1 − c²) v/‖v‖): the cue has the target's
norm and cosine exactly c (to rounding).  One normal vector is drawn whatever c, so the draw sequence does
not depend on ``cue_overlap``.

:func:`digits_patterns` returns scikit-learn's bundled 8 × 8 handwritten digits (1797 images, no download)
as real, strongly correlated memories.
"""

from __future__ import annotations

import math

import numpy as np

from ..core.validation import check_choice, check_int, check_real

ENSEMBLES: tuple[str, ...] = ("binary", "gaussian", "spherical", "correlated", "digits")
#: number of images in scikit-learn's digits data and their width (8 x 8 pixels)
DIGITS_COUNT, DIGITS_WIDTH = 1797, 64
#: correlation ρ of the "correlated" ensemble when none is given
DEFAULT_CORRELATION: float = 0.5


def check_ensemble(ensemble: str, correlation) -> float | None:
    """Validate ``ensemble`` and its ``correlation`` ρ; returns ρ (None unless ``ensemble="correlated"``)."""
    check_choice("ensemble", ensemble, ENSEMBLES)
    if ensemble != "correlated":
        if correlation is not None:
            raise ValueError(f"correlation must be None unless ensemble='correlated'; got {correlation!r}")
        return None
    rho = DEFAULT_CORRELATION if correlation is None else correlation
    return check_real("correlation", rho, low=0.0, high=1.0, high_open=True)


def real_patterns(generator: np.random.Generator, patterns: int, neurons: int, ensemble: str = "gaussian",
                  correlation: float | None = None) -> np.ndarray:
    """Draw P patterns of the ensemble (module docstring), ``(pattern, neuron)`` float64."""
    rho = check_ensemble(ensemble, correlation)
    patterns = check_int("patterns", patterns, minimum=1)
    neurons = check_int("neurons", neurons, minimum=1)
    if ensemble == "digits":
        check_digits_size(neurons, patterns)
        return _digits_normalized()[generator.permutation(DIGITS_COUNT)[:patterns]]
    if ensemble == "binary":
        bits = generator.integers(0, 2, size=(patterns, neurons), dtype=np.int8)
        return (2.0 * bits - 1.0).astype(np.float64)
    if ensemble == "correlated":
        common = generator.standard_normal(neurons)
        z = generator.standard_normal((patterns, neurons))
        return math.sqrt(rho) * common[None, :] + math.sqrt(1.0 - rho) * z
    z = generator.standard_normal((patterns, neurons))
    if ensemble == "spherical":
        z *= math.sqrt(neurons) / np.linalg.norm(z, axis=1, keepdims=True)
    return z


def check_digits_size(neurons: int, patterns: int) -> None:
    """The "digits" ensemble needs N = 64, P <= 1797 and scikit-learn; ``ValueError`` naming the argument."""
    if neurons != DIGITS_WIDTH:
        raise ValueError(f"neurons must be {DIGITS_WIDTH} for ensemble='digits' (8 x 8 images); got {neurons}")
    if patterns > DIGITS_COUNT:
        raise ValueError(f"patterns must be <= {DIGITS_COUNT} for ensemble='digits' (images available); got {patterns}")
    import importlib.util

    if importlib.util.find_spec("sklearn") is None:
        raise ValueError("ensemble='digits' needs scikit-learn (pip install scikit-learn); its digits are bundled")


_DIGITS_CACHE: list[np.ndarray] = []


def _digits_normalized() -> np.ndarray:
    if not _DIGITS_CACHE:
        _DIGITS_CACHE.append(digits_patterns())
        _DIGITS_CACHE[0].setflags(write=False)
    return _DIGITS_CACHE[0]


def check_real_patterns(patterns, *, neurons: int | None = None) -> np.ndarray:
    """Validate user patterns: a finite 2-D ``(pattern, neuron)`` real array, width ``neurons``, nonzero target.

    Accepts numpy, torch (any device) or nested lists; returns a float64 copy.  ``ValueError`` names ``patterns``.
    """
    if hasattr(patterns, "detach"):
        patterns = patterns.detach().cpu().numpy()
    array = np.asarray(patterns)
    if array.ndim != 2 or array.shape[0] < 1 or array.shape[1] < 1:
        raise ValueError(f"patterns must be a 2-D (pattern, neuron) array with at least one pattern; "
                         f"got shape {array.shape}")
    if array.dtype.kind not in "biuf":
        raise ValueError(f"patterns must hold real numbers; got dtype {array.dtype}")
    if neurons is not None and array.shape[1] != neurons:
        raise ValueError(f"patterns must have width neurons={neurons}; got {array.shape[1]} columns")
    array = array.astype(np.float64)
    if not np.all(np.isfinite(array)):
        raise ValueError("patterns must be finite (no NaN or Inf)")
    if not np.any(array[0]):
        raise ValueError("patterns[0] (the target) must not be the zero vector: its cosine with the state is undefined")
    return array


def real_cue(generator: np.random.Generator, target: np.ndarray, cue_overlap: float) -> np.ndarray:
    """Cue ``(neuron,)`` float64 with the target's norm and cosine ``cue_overlap`` to it (module docstring)."""
    cue_overlap = check_real("cue_overlap", cue_overlap, low=-1.0, high=1.0)
    target = np.asarray(target, dtype=np.float64)
    g = generator.standard_normal(target.shape[-1])
    norm = np.linalg.norm(target)
    u = target / norm
    v = g - (g @ u) * u
    v_norm = np.linalg.norm(v)
    if v_norm == 0.0:  # N = 1, or a degenerate draw: the cue is the target (or its negative)
        return norm * math.copysign(1.0, cue_overlap) * u
    return norm * (cue_overlap * u + math.sqrt(max(0.0, 1.0 - cue_overlap * cue_overlap)) * v / v_norm)


def digits_patterns(count: int | None = None, *, digits=None, normalize: bool = True, center: bool = False
                    ) -> np.ndarray:
    """scikit-learn's bundled handwritten digits (8 × 8 = 64 pixels, values 0..16) as patterns ``(pattern, 64)``.

    Args:
        count: keep the first ``count`` images (after the ``digits`` filter), in the dataset's order; None: all.
        digits: None (all classes) or an iterable of class labels 0..9 to keep.
        center: subtract the mean image of the kept images (removes the shared ink component, lowering the
            patterns' mutual correlation).
        normalize: rescale every image to norm √64 = 8, the ensembles' E‖ξ‖² = N scale (after centring).

    The raw images are strongly correlated (mean pairwise cosine 0.69 between different images;
    same-class images are closer still), a real-data counterpart of the "correlated" ensemble.
    Needs scikit-learn (``pip install scikit-learn``); the data ship with it, nothing is downloaded.
    """
    if count is not None:
        count = check_int("count", count, minimum=1)
    for name, flag in (("normalize", normalize), ("center", center)):
        if flag not in (True, False):
            raise ValueError(f"{name} must be one of True, False; got {flag!r}")
    keep = None
    if digits is not None:
        keep = sorted({check_int("digits", int(d) if isinstance(d, np.integer) else d, minimum=0, maximum=9)
                       for d in digits})
        if not keep:
            raise ValueError("digits must name at least one class 0..9 (or be None)")
    try:
        from sklearn.datasets import load_digits
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("digits_patterns needs scikit-learn (pip install scikit-learn); its digits data "
                          "are bundled with it, nothing is downloaded") from exc
    data = load_digits()
    images = np.asarray(data.data, dtype=np.float64)
    if keep is not None:
        images = images[np.isin(data.target, keep)]
    if count is not None:
        if count > images.shape[0]:
            raise ValueError(f"count must be <= {images.shape[0]} (images available); got {count}")
        images = images[:count]
    if center:
        images = images - images.mean(axis=0, keepdims=True)
    if normalize:
        norms = np.linalg.norm(images, axis=1, keepdims=True)
        if np.any(norms == 0):
            raise ValueError("an image has zero norm after centring; use center=False or more images")
        images = images * (math.sqrt(images.shape[1]) / norms)
    return images
