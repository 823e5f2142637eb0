"""Entropy surrogates H(Z) of a batch of representations, behind one registry.

Every surrogate takes ``z`` of shape ``(..., batch, dim)`` and returns shape ``(...)`` (a scalar
tensor for a single ``(batch, dim)`` batch), is differentiable, and stays finite -- value and
gradient -- for rank-deficient and constant batches. Units are nats.

Covariance convention (used everywhere in this package): the biased batch covariance
``Σ̂ = Z_cᵀ Z_c / B`` with ``Z_c`` the column-centred batch, so that the log-det gradient is
exactly ``∂H/∂Z = (1/B) Z_c (Σ̂ + εI)⁻¹``.

References: Tran, "Human-Centered Learning Mechanics" (arXiv 2605.22940) §5 (softmax, variance and
log-det surrogates); Garrido et al., "RankMe" (ICML 2023) for the effective rank; Principe,
"Information Theoretic Learning" (2010) ch. 2 for the quadratic Rényi (information-potential)
entropy.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from ..core.validation import check_choice, check_real
from .params import Option, integer

__all__ = [
    "SURROGATES",
    "Surrogate",
    "effective_rank_entropy",
    "gaussian_information_bound",
    "get_surrogate",
    "register_surrogate",
    "surrogate_option_keys",
    "logdet_entropy",
    "renyi2_entropy",
    "softmax_entropy",
    "variance_entropy",
]

#: Default numerical floor ε of the ε-regularised surrogates (log-det, variance, erank). A fixed
#: absolute constant, *not* a noise level: the surrogates act on the noisy Z = h + σ·N(0, I), whose
#: covariance already contains σ²I, so ε only keeps the factorisation finite for rank-deficient
#: batches (Tran 2026, §5: "ε for numerical stability"). 1e-4 is 1 % of σ² at the default σ = 0.1, so
#: for directions with eigenvalue ≥ σ² it shifts ½ log det by at most ½ d ε/σ² = 0.16 nat at d = 32
#: (the previous ε = σ² added a floor of about (d/2) ln 2 = 11 nat). Float32 stays safe: both the
#: d×d and the B×B matrices are εI (or I) + PSD with condition number ≤ 1 + λ_max/ε, e.g. 1e5 for
#: λ_max = 10, far below 1/u ≈ 1.7e7. See docs/hclm.md, "The log-det entropy and the Gaussian bound".
DEFAULT_EPS = 1e-4


def _check_batch(z: torch.Tensor, *, min_batch: int = 2) -> None:
    if not isinstance(z, torch.Tensor) or not z.is_floating_point():
        raise ValueError(f"z must be a floating-point torch.Tensor of shape (..., batch, dim); got {type(z).__name__}")
    if z.ndim < 2 or z.shape[-2] < min_batch or z.shape[-1] < 1:
        raise ValueError(f"z must have shape (..., batch, dim) with batch >= {min_batch} and dim >= 1; got {tuple(z.shape)}")


def _centre(z: torch.Tensor) -> torch.Tensor:
    return z - z.mean(dim=-2, keepdim=True)


def logdet_entropy(z: torch.Tensor, eps: float = DEFAULT_EPS, *, form: str = "auto") -> torch.Tensor:
    """Log-det covariance entropy ``H = ½ log det(Σ̂ + εI_d)``, ``Σ̂ = Z_cᵀZ_c/B`` (Tran 2026, §5).

    The literal surrogate: Gaussian differential entropy of the batch up to the constant
    ``(d/2) log 2πe``, with ``ε`` a small numerical floor (default :data:`DEFAULT_EPS`). Applied to the
    noisy ``Z = h + σ·N(0, I)`` it estimates ``½ log det(Σ_h + σ²I)``, i.e. the Gaussian bound on
    ``I(X; Z)`` plus ``(d/2) log σ²`` (see :func:`gaussian_information_bound` for the bound itself,
    computed from the noise-free ``h``). Do not set ``ε = σ²`` on noisy ``Z``: that counts the noise
    twice, ``≈ ½ log det(Σ_h + 2σ²I)``.

    ``form``: ``"cov"`` factorises the ``d×d`` matrix ``Σ̂ + εI`` by Cholesky (O(B d² + d³));
    ``"gram"`` uses Sylvester's identity ``det(εI_d + Z_cᵀZ_c/B) = ε^d det(I_B + Z_cZ_cᵀ/(Bε))``
    and factorises the ``B×B`` matrix (O(B² d + B³)); ``"auto"`` picks ``"gram"`` when ``B < d``.
    Both matrices are ``(identity or εI) + PSD``, so Cholesky never fails for ``ε > 0`` and the
    value and gradient ``(1/B) Z_c (Σ̂ + εI)⁻¹`` stay finite for rank-deficient or constant batches.

    Shapes: ``z (..., batch, dim) -> (...)``.
    """
    eps = check_real("eps", eps, low=0.0, low_open=True)
    form, b, d = _factor_form(z, form)
    zc = _centre(z)
    if form == "cov":
        eye = torch.eye(d, dtype=z.dtype, device=z.device)
        return _half_logdet(zc.transpose(-1, -2) @ zc / b + eps * eye)
    eye = torch.eye(b, dtype=z.dtype, device=z.device)
    return _half_logdet(eye + zc @ zc.transpose(-1, -2) / (b * eps)) + 0.5 * d * math.log(eps)


def gaussian_information_bound(h: torch.Tensor, sigma: float, *, form: str = "auto") -> torch.Tensor:
    """Gaussian-channel bound ``I_G = ½ log det(I_d + Σ̂_h/σ²)`` (nats) of the noise-free encoding ``h``.

    For ``Z = h(X) + σ·N(0, I_d)`` with the noise independent of ``X``: ``I(X; Z) = h(Z) − h(Z|X)``,
    ``h(Z|X) = (d/2) log(2πe σ²)``, and the Gaussian maximises differential entropy at fixed covariance
    ``Σ_Z = Σ_h + σ²I``, so ``I(X; Z) ≤ ½ log det(Σ_h + σ²I) − (d/2) log σ² = ½ log det(I + Σ_h/σ²)``
    (Cover & Thomas 2006, Thms 8.6.5 and 9.4.1; the bound Tran 2026 §6 uses "up to noise constants").
    Here ``Σ_h`` is replaced by the biased sample covariance ``Σ̂_h = h_cᵀh_c/B`` of the rows of ``h``
    (plug-in estimate over the empirical input distribution). It is ≥ 0, = 0 exactly for a constant
    ``h`` (collapsed representation), and needs no ε: ``I + PSD`` is always factorisable.

    ``form``: ``"cov"`` (``d×d``) or ``"gram"`` (``B×B``, Sylvester: ``det(I_d + h_cᵀh_c/(Bσ²)) =
    det(I_B + h_c h_cᵀ/(Bσ²))``); ``"auto"`` takes the smaller. Computed in ``h``'s dtype (pass float64
    for a reference). Shapes: ``h (..., batch, dim) -> (...)``; ``sigma > 0``.
    """
    sigma = check_real("sigma", sigma, low=0.0, low_open=True)
    form, b, d = _factor_form(h, form)
    hc = _centre(h) / (math.sqrt(b) * sigma)
    if form == "cov":
        return _half_logdet(torch.eye(d, dtype=h.dtype, device=h.device) + hc.transpose(-1, -2) @ hc)
    return _half_logdet(torch.eye(b, dtype=h.dtype, device=h.device) + hc @ hc.transpose(-1, -2))


def _factor_form(x: torch.Tensor, form: str) -> tuple[str, int, int]:
    """Check a ``(..., batch, dim)`` batch and resolve ``form``: ``"auto"`` -> ``"gram"`` when ``B < d``."""
    _check_batch(x)
    form = check_choice("form", form, ("auto", "cov", "gram"))
    b, d = x.shape[-2], x.shape[-1]
    if form == "auto":
        form = "gram" if b < d else "cov"
    return form, b, d


def _half_logdet(mat: torch.Tensor) -> torch.Tensor:
    """½ log det of SPD ``mat (..., n, n)`` by Cholesky; NaN (not an exception, no host sync) if it fails,
    e.g. for non-finite input, so a diverging training run is caught by its NaN check."""
    chol, info = torch.linalg.cholesky_ex(mat)
    value = torch.log(torch.diagonal(chol, dim1=-2, dim2=-1)).sum(-1)
    return torch.where(info == 0, value, torch.full_like(value, float("nan")))


def variance_entropy(z: torch.Tensor, eps: float = DEFAULT_EPS) -> torch.Tensor:
    """Variance (diagonal Gaussian) entropy ``H = ½ Σ_j log(Var_j + ε)``, biased ``Var_j`` (1/B).

    The log-det surrogate with the off-diagonal covariance dropped: it sees per-dimension spread
    but not correlations (a collapsed, rank-1 batch spread along a diagonal still scores high).
    Gradient ``∂H/∂Z_ij = (1/B) Z_c,ij / (Var_j + ε)``. Shapes: ``(..., batch, dim) -> (...)``.
    """
    _check_batch(z)
    eps = check_real("eps", eps, low=0.0, low_open=True)
    var = _centre(z).pow(2).mean(dim=-2)
    return 0.5 * torch.log(var + eps).sum(-1)


def softmax_entropy(z: torch.Tensor) -> torch.Tensor:
    """Mean Shannon entropy of the row-wise softmax, ``H = -(1/B) Σ_i Σ_j p_ij log p_ij``.

    ``p_i = softmax(z_i)``; computed through ``log_softmax`` so large activations do not overflow.
    It is a per-sample quantity: invariant to adding any constant to a row, blind to the spread of
    the batch (a collapsed batch and a spread-out one with the same rows score the same), and its
    gradient vanishes when the softmax saturates -- the degenerate information force the paper
    warns about (Tran 2026, §§4–5). Shapes: ``(..., batch, dim) -> (...)``.
    """
    _check_batch(z, min_batch=1)
    logp = torch.log_softmax(z, dim=-1)
    return -(logp.exp() * logp).sum(-1).mean(-1)


def effective_rank_entropy(z: torch.Tensor, eps: float = DEFAULT_EPS) -> torch.Tensor:
    """RankMe-style spectral entropy ``H = -Σ_k p_k log p_k``, ``p_k = s_k / Σ s``, ``s_k = sqrt(λ_k + ε)``.

    ``λ_k`` are the eigenvalues of ``Σ̂`` (``s_k`` are the singular values of ``Z_c/√B`` regularised by
    ``ε``); ``exp(H)`` is the effective rank of Garrido et al. (2023). Eigenvalues come from
    ``eigvalsh`` of the smaller of the ``B×B`` Gram and ``d×d`` covariance matrices (the missing
    ``|d - B|`` eigenvalues are zero), whose backward pass is finite even for repeated eigenvalues.
    Scale-invariant only as ``ε → 0``. Shapes: ``(..., batch, dim) -> (...)``.
    """
    _check_batch(z)
    eps = check_real("eps", eps, low=0.0, low_open=True)
    b, d = z.shape[-2], z.shape[-1]
    zc = _centre(z)
    small = (zc @ zc.transpose(-1, -2) if b < d else zc.transpose(-1, -2) @ zc) / b
    finite = torch.isfinite(small).all(-1).all(-1)  # eigvalsh raises on NaN; return NaN instead
    eye = torch.eye(small.shape[-1], dtype=z.dtype, device=z.device)
    lam = torch.linalg.eigvalsh(torch.where(finite[..., None, None], small, eye)).clamp_min(0.0)
    s = torch.sqrt(lam + eps)
    n_zero = d - min(b, d)
    total = s.sum(-1) + n_zero * math.sqrt(eps)
    p = s / total.unsqueeze(-1)
    h = -(p * torch.log(p)).sum(-1)
    if n_zero:
        p0 = math.sqrt(eps) / total
        h = h - n_zero * p0 * torch.log(p0)
    return torch.where(finite, h, torch.full_like(h, float("nan")))


def renyi2_entropy(z: torch.Tensor, bandwidth: float = 1.0) -> torch.Tensor:
    """Quadratic Rényi entropy by a Gaussian Parzen window (the information potential).

    ``H₂ = -log[(1/B²) Σ_{i,j} exp(-‖z_i - z_j‖² / (4 s²))]`` (constant ``(d/2) log(4π s²)``
    dropped), ``s`` = ``bandwidth`` (Principe 2010, ch. 2). A geometric surrogate that sees the
    batch's pairwise distances rather than its covariance: it lies in ``[0, log B]``, is 0 for a
    collapsed batch (with zero gradient there) and grows as points spread apart. Shapes:
    ``(..., batch, dim) -> (...)``.
    """
    _check_batch(z)
    bandwidth = check_real("bandwidth", bandwidth, low=0.0, low_open=True)
    b = z.shape[-2]
    sq = z.pow(2).sum(-1)
    dist2 = (sq.unsqueeze(-1) + sq.unsqueeze(-2) - 2.0 * z @ z.transpose(-1, -2)).clamp_min(0.0)
    return -(torch.logsumexp((-dist2 / (4.0 * bandwidth**2)).flatten(-2), dim=-1) - 2.0 * math.log(b))


@dataclass(frozen=True)
class Surrogate:
    """One entropy surrogate and what it needs: ``fn(z, eps, **options) -> H``, ``z (batch, dim)``, ``H ()``.

    Declared needs (read by the training loop and its validation; no list of names elsewhere):
    ``uses_eps`` -- whether the floor ``ε`` enters (``eps`` is passed either way); ``min_batch`` -- the
    smallest batch it is defined for; ``options`` -- its own hyper-parameters (:class:`~.params.Option`:
    flat keyword of ``run``, keyword of ``fn``, default, check); ``needs_rng`` -- it draws random
    probes, so ``fn`` also takes ``rng=`` (a numpy Generator; the loop gives it one stream of the
    run's seed); ``batched`` -- it accepts leading batch dimensions ``(..., batch, dim) -> (...)``;
    ``gradient`` -- ``"exact"`` (autograd of the value) or ``"stochastic"`` (an unbiased estimate of the
    exact surrogate's gradient on the same probes, not the derivative of the estimated value).
    Every surrogate acts on the noisy representation ``Z = h(X) + σ·N(0, I)`` of a training batch.
    """

    name: str
    long_name: str
    fn: Callable[..., torch.Tensor]
    uses_eps: bool
    min_batch: int = 2
    options: tuple[Option, ...] = ()
    needs_rng: bool = False
    batched: bool = True
    gradient: str = "exact"

    def __call__(self, z: torch.Tensor, eps: float = DEFAULT_EPS, **options) -> torch.Tensor:
        return self.fn(z, eps, **options)

    def resolve_options(self, given: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
        """Check ``{flat keyword: value}`` against :attr:`options`; return ``((key, value), ...)`` in
        declaration order with defaults filled. A keyword this surrogate does not declare is refused."""
        own = {o.key: o for o in self.options}
        foreign = sorted(set(given) - set(own))
        if foreign:
            raise ValueError(f"{', '.join(foreign)} do(es) not apply to surrogate={self.name!r} "
                             f"(its options: {', '.join(own) or 'none'})")
        return tuple((o.key, o.check(o.key, given.get(o.key, o.default))) for o in self.options)

    def bind(self, options: tuple[tuple[str, Any], ...] = (), seed: int | None = None
             ) -> Callable[[torch.Tensor, float], torch.Tensor]:
        """``h(z, eps)`` with the resolved ``options`` fixed; if :attr:`needs_rng`, every call draws its
        probes from a fresh ``numpy.random.default_rng(seed)`` (``seed=None`` means 0; the same probes on every call, so the
        values before and after one step are compared on common random probes)."""
        kwargs = {self._arg(k): v for k, v in options}
        if self.needs_rng:
            seed = 0 if seed is None else seed  # never OS entropy: same arguments, same value
            return lambda z, eps: self.fn(z, eps, rng=np.random.default_rng(seed), **kwargs)
        return functools.partial(self.fn, **kwargs) if kwargs else self.fn

    def _arg(self, key: str) -> str:
        return next(o.arg for o in self.options if o.key == key)


def _no_eps(fn: Callable[[torch.Tensor], torch.Tensor]) -> Callable[..., torch.Tensor]:
    return lambda z, eps: fn(z)


SURROGATES: dict[str, Surrogate] = {
    "logdet": Surrogate("logdet", "log-det covariance entropy 1/2 log det(cov + eps I)", logdet_entropy, True),
    "variance": Surrogate("variance", "variance entropy 1/2 sum_j log(var_j + eps)", variance_entropy, True),
    "softmax": Surrogate("softmax", "mean softmax entropy of activations", _no_eps(softmax_entropy), False,
                         min_batch=1),
    "erank": Surrogate("erank", "spectral (RankMe log effective rank) entropy", effective_rank_entropy, True),
    "renyi2": Surrogate("renyi2", "quadratic Renyi (information potential) entropy, bandwidth 1",
                        _no_eps(renyi2_entropy), False),
    "logdet_slq": Surrogate(
        "logdet_slq", "log-det covariance entropy by stochastic Lanczos quadrature (Ubaru et al. 2017)",
        lambda z, eps, **kw: _approx().logdet_entropy_slq_surrogate(z, eps, **kw), True,
        options=(Option("slq_probes", "probes", 32, integer(2), "Rademacher probes per evaluation"),
                 Option("slq_steps", "steps", 32, integer(1), "Lanczos steps (capped at the width d)")),
        needs_rng=True, batched=False, gradient="stochastic"),
    "logdet_lowrank": Surrogate(
        "logdet_lowrank", "log-det covariance entropy, randomized rank-k upper bound (Halko et al. 2011)",
        lambda z, eps, **kw: _approx().logdet_entropy_lowrank(z, eps, **kw), True,
        options=(Option("lowrank_rank", "rank", 32, integer(1), "subspace rank k (exact when k >= rank Z_c)"),
                 Option("lowrank_oversample", "oversample", 8, integer(0), "extra sketch columns"),
                 Option("lowrank_power_iters", "power_iters", 2, integer(0), "subspace iterations")),
        needs_rng=True, batched=False),
}


def _approx():
    from . import logdet_approx  # imported on use: logdet_approx builds on this module's helpers

    return logdet_approx


def register_surrogate(surrogate: Surrogate) -> Surrogate:
    """Add ``surrogate`` to :data:`SURROGATES` (its name must be new); returns it."""
    if not isinstance(surrogate, Surrogate):
        raise ValueError(f"surrogate must be a Surrogate; got {type(surrogate).__name__}")
    if surrogate.name in SURROGATES:
        raise ValueError(f"surrogate {surrogate.name!r} is already registered")
    SURROGATES[surrogate.name] = surrogate
    return surrogate


def surrogate_option_keys() -> dict[str, str]:
    """``{flat keyword: surrogate name}`` of every registered surrogate's hyper-parameters."""
    return {o.key: s.name for s in SURROGATES.values() for o in s.options}


def get_surrogate(name: str) -> Surrogate:
    """The registered surrogate called ``name`` (one of :data:`SURROGATES`)."""
    return SURROGATES[check_choice("surrogate", name, tuple(SURROGATES))]
