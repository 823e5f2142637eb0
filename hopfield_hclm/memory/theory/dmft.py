"""Dynamical mean-field theory (DMFT) of the graded continuous dynamics, orders n = 1, 2, 4.

Model (DESIGN.md section 3, ``memory/graded.py``): dx_i/dt = -x_i + b sum_mu xi_i^mu (m_mu)^n with
b = g/sqrt(alpha), m_mu = (1/N) sum_j xi_j^mu tanh(x_j), P = alpha N^n, x(0) = a xi^1 + sqrt(g^2 - a^2) z.

Derivation (bipartite cavity picture of Clark 2025, arXiv:2506.05303, re-derived here; see
docs/theory.md). In the gauge xi^1 = +1, as N -> infinity every neuron follows the single-site process

    dx/dt = -x + b m(t)^n + eta(t) + int_0^t Gamma(t, s) phi(x(s)) ds,     phi = tanh,
    m(t) = <phi(t)>,  C(t, s) = <phi(t) phi(s)>,  S(t, s) = <d phi(t) / d h(s)>   (response to a field h),

with a Gaussian field eta and a retarded self-coupling Gamma that depend on C and S:

- n = 1 (memory-unit resolvent K = (1 - b S)^(-1), operator product over time):
  <eta eta^T> = g^2 K C K^T;  Gamma = g sqrt(alpha) K  (its delta part g sqrt(alpha) is the Hebbian
  diagonal; ``self_coupling=False`` removes exactly it, as ``graded.py`` does).
- n = 2, 4 (Gaussian moments of the non-condensed overlaps, X ~ N(0, C)):
  <eta(t) eta(s)> = g^2 E[X_t^n X_s^n];
  Gamma(t, s) = n^2 g^2 S(t, s) E[X_t^(n-1) X_s^(n-1)] for s < t (response of the other neurons) and
  an instantaneous part n (n-1) g^2 phi(t) sum_s S(t, s) E[X_t^(n-2) X_s^n] (the mean bias that each
  pattern's own field gives its overlap). This matches ``self_coupling=True`` (all index terms kept).

Discretisation: exactly the simulator's explicit Euler scheme, x_{t+1} = x_t + dt (-x_t + h_t), records at
0, dt, ..., steps*dt. The discrete response S[t, s] = <d phi_t / d h_s> (it carries the factor dt) is
propagated path by path: delta x_{t+1}(s) = (1 - dt) delta x_t(s) + dt sum_{u<=t} Gamma[t, u] phi'_u
delta x_u(s) + dt [s == t], vectorised over samples and s (a loop over t only).

Solution (``method="forward"``, the default): every kernel is causal -- C(t, s) for s <= t, S(t, s) for s < t,
the noise covariance Q(t, s) and Gamma(t, s) for s <= t depend only on the paths up to t -- so the sampled-path
equations are solved in one pass in time. At step t: C[t, :t+1] = <phi_t phi_s> and S[t, :t] = <phi'_t D_t[s]>
from the paths (D_t[s] = d x_t / d h_s, propagated path by path), then the kernel rows Q[t, :t+1], Gamma[t, :t+1],
then one row of the Cholesky factor of Q (L[t, :t] = L[:t, :t]^(-1) Q[t, :t],
L[t, t]^2 = max(Q[t, t] - |L[t, :t]|^2, PIVOT_TOL Q[t, t])), eta_t = sum_s L[t, s] w_s from fixed normals w, and one
Euler step of all paths and tangents. Cost O(M T^2 + R T^3 + T^3) for M paths, R of them carrying tangents.
``method="iterate"`` is the cross-check: damped fixed-point iteration on (C, S) that reuses the same normals and
the same factorisation, so at damping 1 it reaches the same causal solution (up to round-off) after at most
steps + 1 iterations. Energy per neuron:
-(b/(n+1)) m^(n+1) + <x phi - log cosh x> + E_nc(t), with E_nc = -(g sqrt(alpha)/2) [K C K^T](t, t) for
n = 1 and -g^2 sum_s S(t, s) E[X_t^n X_s^n] for n = 2, 4 (non-condensed patterns).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import torch
import xarray as xr

from ...core.attrs import annotate, global_attrs
from ...core.devices import check_memory, resolve_device, resolve_dtype
from ...core.validation import check_choice, check_int, check_real

__all__ = ["dmft", "DMFTConfig", "DMFTConvergenceError", "gaussian_moment", "initial_slope",
           "dmft_memory_bytes", "SUPPORTED_ORDERS", "METHODS", "PIVOT_TOL"]

SUPPORTED_ORDERS = (1, 2, 4)
METHODS = ("forward", "iterate")
#: Relative pivot floor of the incremental Cholesky factor of the noise covariance Q. The sampled Q is positive
#: semi-definite by construction (a congruence of the Gram matrix C of the paths, or a Wick moment of it), but
#: the noise is a smooth process: its conditional variance given the past falls below 1e-9 Q(t, t) after a few
#: time units and then to the round-off of Q(t, t) - |L[t, :t]|^2, which can be negative. Pivots are floored at
#: sqrt(PIVOT_TOL Q(t, t)) (see :func:`_extend_cholesky`): L L^T = Q + E, E diagonal, E(t, t) <= PIVOT_TOL Q(t, t).
PIVOT_TOL = 1e-6
#: Time steps per block of the stored tangent history (forward method).
_TANGENT_BLOCK = 32

REFERENCES = (
    "Clark 2025, arXiv:2506.05303 (bipartite cavity DMFT of graded dense associative memories); "
    "Sompolinsky & Zippelius 1982, PRB 25, 6860 (dynamic mean-field theory); "
    "Krotov & Hopfield 2016, NeurIPS (dense associative memory)"
)


class DMFTConvergenceError(RuntimeError):
    """The damped fixed-point iteration did not reach its tolerance within ``max_iter`` iterations."""


@dataclass(frozen=True)
class DMFTConfig:
    """Resolved, validated DMFT settings (stored as the Dataset's ``config`` attribute)."""

    method: str
    order: int
    load: float
    gain: float
    cue_strength: float
    steps: int
    dt: float
    samples: int
    response_samples: int
    seed: int
    self_coupling: bool
    damping: float
    tol: float
    max_iter: int
    chunk: int
    device: str
    dtype: str


def _double_factorial(k: int) -> int:
    return 1 if k <= 0 else math.prod(range(k, 0, -2))


def gaussian_moment(p: int, q: int, var_x, var_y, cov):
    """E[X^p Y^q] for zero-mean jointly Gaussian X, Y (Isserlis/Wick), elementwise on tensors or floats.

    E[X^p Y^q] = sum_k C(p,k) C(q,k) k! cov^k (p-k-1)!! var_x^((p-k)/2) (q-k-1)!! var_y^((q-k)/2),
    over k with p - k and q - k even.
    """
    total = 0.0
    for k in range(min(p, q) + 1):
        if (p - k) % 2 or (q - k) % 2:
            continue
        coef = math.comb(p, k) * math.comb(q, k) * math.factorial(k)
        coef *= _double_factorial(p - k - 1) * _double_factorial(q - k - 1)
        total = total + coef * cov**k * var_x ** ((p - k) // 2) * var_y ** ((q - k) // 2)
    return total


def _hermite(points: int = 120) -> tuple[np.ndarray, np.ndarray]:
    nodes, weights = np.polynomial.hermite_e.hermegauss(points)
    return nodes, weights / weights.sum()


def initial_slope(*, order: int, load: float, gain: float, cue_strength: float, self_coupling: bool = True) -> float:
    """Closed-form dm/dt at t = 0 of the N -> infinity graded dynamics.

    With x0 = a + sqrt(g^2 - a^2) z and the crosstalk field independent of x0 and of mean zero,
    dm/dt(0) = <phi'(x0) (-x0 + b m0^n + kappa phi(x0))>, m0 = <tanh x0>, b = g/sqrt(alpha),
    kappa = g sqrt(alpha) for n = 1 with self-coupling and 0 otherwise (the n >= 2 self terms start at 0
    because no response has built up yet). Evaluated with 120-node Gauss-Hermite quadrature.
    """
    order = check_choice("order", order, SUPPORTED_ORDERS)
    alpha = check_real("load", load, low=0.0, low_open=True)
    g = check_real("gain", gain, low=0.0, low_open=True)
    a = check_real("cue_strength", cue_strength, low=0.0, high=g)
    nodes, weights = _hermite()
    x0 = a + math.sqrt(g * g - a * a) * nodes
    phi = np.tanh(x0)
    dphi = 1.0 - phi**2
    m0 = float(weights @ phi)
    kappa = g * math.sqrt(alpha) if (order == 1 and self_coupling) else 0.0
    drift = -x0 + (g / math.sqrt(alpha)) * m0**order + kappa * phi
    return float(weights @ (dphi * drift))


def dmft_memory_bytes(*, steps: int, samples: int, chunk: int = 2_000, itemsize: int = 8, method: str = "forward",
                      response_samples: int | None = None) -> int:
    """Estimated peak bytes of :func:`dmft`.

    Paths (x, phi, noise normals, scratch) ~ 6 M L for both methods (L = steps + 1, M = samples). The forward
    method adds the stored tangent history of the R = min(M, response_samples) response paths,
    ~ R L (L + block) / 2; the iterative one the response chunk 4 chunk L^2. Both add ~ 12 L^2 kernel matrices.
    """
    length = steps + 1
    paths = 6 * samples * length + 12 * length * length
    if method == "forward":
        rows = samples if response_samples is None else min(samples, response_samples)
        tangents = rows * length * (length + _TANGENT_BLOCK) // 2 + 4 * rows * length
        return itemsize * (paths + tangents)
    return itemsize * (paths + 4 * min(chunk, samples) * length * length)


def _validate(order, load, gain, cue_strength, steps, dt, samples, seed, self_coupling, damping, tol,
              max_iter, chunk, device, dtype, method="forward", response_samples=None) -> DMFTConfig:
    method = check_choice("method", method, METHODS)
    order = check_choice("order", order, SUPPORTED_ORDERS)
    load = check_real("load", load, low=0.0, low_open=True)
    gain = check_real("gain", gain, low=0.0, low_open=True)
    cue_strength = check_real("cue_strength", cue_strength, low=0.0)
    if cue_strength > gain:
        raise ValueError(f"cue_strength must lie in [0, gain] = [0, {gain:g}]; got {cue_strength:g}")
    steps = check_int("steps", steps, minimum=1)
    dt = check_real("dt", dt, low=0.0, high=1.0, low_open=True)
    samples = check_int("samples", samples, minimum=2)
    if response_samples is None:
        response_samples = samples
    response_samples = min(check_int("response_samples", response_samples, minimum=2), samples)
    seed = check_int("seed", seed, minimum=0)
    if not isinstance(self_coupling, bool):
        raise ValueError(f"self_coupling must be True or False; got {self_coupling!r}")
    if order > 1 and not self_coupling:
        raise ValueError("self_coupling must be True for order 2 or 4 (only the all-index-terms convention is derived)")
    damping = check_real("damping", damping, low=0.0, high=1.0, low_open=True)
    tol = check_real("tol", tol, low=0.0, low_open=True)
    max_iter = check_int("max_iter", max_iter, minimum=1)
    chunk = check_int("chunk", chunk, minimum=1)
    dev = resolve_device(device)
    dt_ = resolve_dtype(dtype, default=torch.float64)
    return DMFTConfig(method, order, load, gain, cue_strength, steps, dt, samples, response_samples, seed,
                      self_coupling, damping, tol, max_iter, min(chunk, samples), str(dev),
                      str(dt_).removeprefix("torch."))


def _extend_cholesky(factor: torch.Tensor, raised: torch.Tensor, row: torch.Tensor, t: int) -> None:
    """Append row t to the lower Cholesky factor ``factor[:t, :t]`` of Q, in place (``factor``: (L, L)).

    L[t, :t] solves L[:t, :t] L[t, :t]^T = Q[t, :t] (so every off-diagonal entry of Q is reproduced exactly);
    r = Q[t, t] - |L[t, :t]|^2 is the conditional variance of eta_t given eta_{<t}. Guard: the pivot is
    L[t, t] = sqrt(max(r, PIVOT_TOL Q[t, t])) and ``raised[t]`` records whether the floor acted. The factor then
    satisfies L L^T = Q + E with E diagonal, 0 <= E[t, t] <= PIVOT_TOL Q[t, t] (a white noise of relative variance
    at most PIVOT_TOL added where the conditional variance is at round-off level), it is continuous in Q, and
    no later row is amplified by more than 1/sqrt(PIVOT_TOL).
    """
    diag = row[t]
    if t == 0:
        resid = diag
    else:
        lower = torch.linalg.solve_triangular(factor[:t, :t], row[:t, None], upper=False)[:, 0]
        factor[t, :t] = lower
        resid = diag - lower @ lower
    floor = PIVOT_TOL * diag if bool(diag > 0) else torch.finfo(row.dtype).tiny
    raised[t] = bool(resid < floor)
    factor[t, t] = torch.sqrt(torch.clamp(resid, min=floor))


def _order_n_rows(n: int, g: float, corr_row: torch.Tensor, var: torch.Tensor, resp_row: torch.Tensor):
    """Row t of the n >= 2 kernels from C[t, :t+1], var = diag(C)[:t+1] and S[t, :t+1] (S[t, t] = 0).

    Returns Q[t, :t+1] = g^2 M_nn, Gamma[t, :t+1] (retarded n^2 g^2 S M_{n-1,n-1} for s < t, instantaneous
    n (n-1) g^2 sum_s S M_{n-2,n} at s = t) and E_nc(t) = -g^2 sum_s S M_nn.
    """
    vt = var[-1]
    moment_nn = gaussian_moment(n, n, vt, var, corr_row)
    gamma_row = n * n * g * g * resp_row * gaussian_moment(n - 1, n - 1, vt, var, corr_row)
    gamma_row[-1] = n * (n - 1) * g * g * (resp_row * gaussian_moment(n - 2, n, vt, var, corr_row)).sum()
    return g * g * moment_nn, gamma_row, -g * g * (resp_row * moment_nn).sum()


class _Solver:
    """One DMFT problem: fixed random numbers, the forward Euler pass and the response pass."""

    def __init__(self, cfg: DMFTConfig):
        self.cfg = cfg
        self.device = torch.device(cfg.device)
        self.dtype = resolve_dtype(cfg.dtype)
        self.length = cfg.steps + 1
        self.b = cfg.gain / math.sqrt(cfg.load)
        gen = torch.Generator(device="cpu").manual_seed(cfg.seed)
        # Stratified initial conditions: one draw per quantile bin of N(0, 1), in random order, so that
        # m(0) carries almost no Monte Carlo error while paths stay independent of the noise draws.
        bins = torch.randperm(cfg.samples, generator=gen, dtype=torch.float64)
        uniform = (bins + torch.rand(cfg.samples, generator=gen, dtype=torch.float64)) / cfg.samples
        z0 = math.sqrt(2.0) * torch.erfinv(2.0 * uniform - 1.0)
        self.white = torch.randn(cfg.samples, cfg.steps, generator=gen, dtype=torch.float64).to(self.device, self.dtype)
        spread = math.sqrt(cfg.gain**2 - cfg.cue_strength**2)
        self.x0 = (cfg.cue_strength + spread * z0).to(self.device, self.dtype)
        self.eye = torch.eye(self.length, device=self.device, dtype=self.dtype)
        self.raised_pivots = 0

    # -- kernels from (C, S) -------------------------------------------------------------------------
    def kernels(self, corr: torch.Tensor, resp: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Noise covariance (L, L), retarded self-coupling Gamma (L, L) lower-triangular, and E_nc (L,)."""
        cfg, n, g = self.cfg, self.cfg.order, self.cfg.gain
        if n == 1:
            resolvent = torch.linalg.solve_triangular(self.eye - self.b * resp, self.eye, upper=False)
            noise_cov = g * g * resolvent @ corr @ resolvent.T
            gamma = g * math.sqrt(cfg.load) * resolvent
            if not cfg.self_coupling:
                gamma = gamma - g * math.sqrt(cfg.load) * self.eye
            energy_nc = -0.5 * g * math.sqrt(cfg.load) * torch.diagonal(noise_cov) / (g * g)
            return noise_cov, gamma, energy_nc
        var = torch.diagonal(corr)
        vt, vs = var[:, None], var[None, :]
        moment_nn = gaussian_moment(n, n, vt, vs, corr)
        noise_cov = g * g * moment_nn
        retarded = n * n * g * g * resp * gaussian_moment(n - 1, n - 1, vt, vs, corr)
        instant = n * (n - 1) * g * g * (resp * gaussian_moment(n - 2, n, vt, vs, corr)).sum(dim=1)
        gamma = torch.tril(retarded, diagonal=-1) + torch.diag(instant)
        energy_nc = -g * g * (resp * moment_nn).sum(dim=1)
        return noise_cov, gamma, energy_nc

    def noise(self, noise_cov: torch.Tensor) -> torch.Tensor:
        """Gaussian paths (sample, steps) with covariance noise_cov[:steps, :steps] from the fixed normals.

        The factor is built row by row with the forward method's guarded :func:`_extend_cholesky`, so eta_t
        depends on the covariance up to t only (the map stays causal) and both methods factor alike.
        """
        steps = self.cfg.steps
        cov = 0.5 * (noise_cov[:steps, :steps] + noise_cov[:steps, :steps].T)
        factor = torch.zeros(steps, steps, device=self.device, dtype=self.dtype)
        raised = torch.zeros(steps, dtype=torch.bool, device=self.device)
        for t in range(steps):
            _extend_cholesky(factor, raised, cov[t, : t + 1], t)
        self.raised_pivots = int(raised.sum())
        return self.white @ factor.T

    # -- passes --------------------------------------------------------------------------------------
    def forward(self, eta: torch.Tensor, gamma: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Euler paths: returns x (sample, L), phi (sample, L) and m (L,)."""
        cfg, n, dt = self.cfg, self.cfg.order, self.cfg.dt
        xs = torch.empty(cfg.samples, self.length, device=self.device, dtype=self.dtype)
        phis = torch.empty_like(xs)
        x = self.x0
        for t in range(self.length):
            xs[:, t] = x
            phis[:, t] = torch.tanh(x)
            if t == cfg.steps:
                break
            m_t = phis[:, t].mean()
            field = self.b * m_t**n + eta[:, t] + phis[:, : t + 1] @ gamma[t, : t + 1]
            x = x + dt * (field - x)
        return xs, phis, phis.mean(dim=0)

    def propagators(self, gamma: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Shared matrices F = dt E Z and G = dt E Z Gamma of the response recursion (both (L, L)).

        With the lower shift Z and E = (1 - (1 - dt) Z)^(-1), E[t, u] = (1 - dt)^(t - u), the Euler
        response D[t, s] = d x_t / d h_s of one path obeys D = F + G Y with Y = diag(phi') D, so that
        Y[t] = phi'_t (F[t] + sum_{u < t} G[t, u] Y[u]) -- G is strictly lower triangular.
        """
        length, dt = self.length, self.cfg.dt
        lags = torch.arange(length, device=self.device)
        lag = lags[:, None] - lags[None, :]
        decay = torch.where(lag >= 0, (1.0 - dt) ** lag.clamp_min(0).to(self.dtype), torch.zeros((), dtype=self.dtype,
                                                                                                   device=self.device))
        shift = torch.diag(torch.ones(length - 1, device=self.device, dtype=self.dtype), -1)
        forcing = dt * decay @ shift
        return forcing, forcing @ gamma

    def response(self, phis: torch.Tensor, gamma: torch.Tensor) -> torch.Tensor:
        """Mean response S[t, s] = <d phi_t / d h_s> (L, L) over the paths ``phis`` (rows, L), chunk by chunk.

        Y[t, s, r] = phi'_t(r) D_r[t, s] for a block of samples r is solved by recursive blocked forward
        substitution over t: the coupling of a later half of the times to an earlier half is one GEMM
        over all samples and s at once; only leaves of a few time steps are looped.
        """
        cfg = self.cfg
        forcing, coupling = self.propagators(gamma)
        total = torch.zeros(self.length, self.length, device=self.device, dtype=self.dtype)
        slopes = 1.0 - phis**2
        for start in range(0, phis.shape[0], cfg.chunk):
            dphi = slopes[start : start + cfg.chunk].T.contiguous()  # (L, rows)
            rows = dphi.shape[1]
            rhs = forcing[:, :, None].expand(self.length, self.length, rows).clone()
            resp = torch.zeros_like(rhs)
            _forward_substitution(resp, rhs, coupling, dphi, 0, self.length)
            total += resp.sum(dim=2)
        return total / phis.shape[0]


_LEAF = 4


def _forward_substitution(resp: torch.Tensor, rhs: torch.Tensor, coupling: torch.Tensor, dphi: torch.Tensor,
                          lo: int, hi: int) -> None:
    """Solve resp[t] = dphi[t] * (rhs[t] + sum_{lo <= u < t} coupling[t, u] resp[u]) for lo <= t < hi.

    ``resp``/``rhs``: (L, L, rows) indexed (t, s, sample), zero for s >= t (causality); ``rhs`` already
    holds the contributions of times before ``lo``; ``dphi``: (L, rows). Recursive halving turns the work
    into GEMMs (half, half) @ (half, s < mid times rows) on strided views, never a loop over time pairs.
    """
    rows = resp.shape[2]
    if hi - lo <= _LEAF:
        for t in range(lo, hi):
            row = rhs[t, :t]
            if t > lo:
                block = resp[lo:t, :t].reshape(t - lo, t * rows)
                row = row + (coupling[t, lo:t] @ block).view(t, rows)
            torch.mul(dphi[t], row, out=resp[t, :t])
        return
    mid = (lo + hi) // 2
    _forward_substitution(resp, rhs, coupling, dphi, lo, mid)
    # Columns s >= mid of resp[lo:mid] vanish, so only s < mid enters (strided 2-D views, no copies).
    target = rhs[mid:hi, :mid].view(hi - mid, mid * rows)
    target.addmm_(coupling[mid:hi, lo:mid], resp[lo:mid, :mid].view(mid - lo, mid * rows))
    _forward_substitution(resp, rhs, coupling, dphi, mid, hi)


def _forward_pass(solver: _Solver):
    """Solve the sampled-path equations in one pass in time (``method="forward"``).

    Per step t (loop over t only; everything else is vectorised over the M paths):

    1. phi_t = tanh x_t, m_t = <phi_t>, C[t, :t+1] = <phi_t phi_s>                         -- O(M t)
    2. Y_t[s] = phi'_t D_t[s] (s < t) on the first R response paths, S[t, :t] = <Y_t>_R     -- O(R t)
    3. kernel rows: n = 1, K[t, :t] = b S[t, :t] K[:t, :t], K[t, t] = 1, Gamma = g sqrt(alpha) K,
       Q[t, :t+1] = g^2 K[:t+1, :t+1] (K[t, :t+1] C[:t+1, :t+1])^T; n >= 2, Wick moments of C row t -- O(t^2)
    4. Cholesky row L[t, :t+1] of Q (:func:`_extend_cholesky`), eta_t = sum_s L[t, s] w_s       -- O(t^2 + M t)
    5. x_{t+1} = x_t + dt (-x_t + b m_t^n + eta_t + sum_u Gamma[t, u] phi_u)                -- O(M t)
    6. D_{t+1}[s] = (1 - dt) D_t[s] + dt sum_{u<=t} Gamma[t, u] Y_u[s] + dt [s == t]          -- O(R t^2)

    The tangent history Y_u[s] (u <= t, s < u) of the R paths is stored in blocks of ``_TANGENT_BLOCK``
    times; step 6 reads all of it once per step (a memory-bound GEMV), so the total cost is
    O(M T^2 + R T^3 + T^3) time and O(M T + R T^2) memory. Returns xs, phis (M, L), overlap (L,), C, S (L, L)
    and E_nc (L,).
    """
    cfg, n, g, dt = solver.cfg, solver.cfg.order, solver.cfg.gain, solver.cfg.dt
    device, dtype, length, steps = solver.device, solver.dtype, solver.length, cfg.steps
    samples, rows = cfg.samples, cfg.response_samples
    root_load = math.sqrt(cfg.load)
    kw = dict(device=device, dtype=dtype)
    xs = torch.empty(length, samples, **kw)  # (time, sample): contiguous histories for the GEMVs
    phis = torch.empty(length, samples, **kw)
    white = solver.white.T.contiguous()  # (step, sample)
    corr = torch.zeros(length, length, **kw)
    resp = torch.zeros(length, length, **kw)
    gamma = torch.zeros(length, length, **kw)
    resolvent = torch.zeros(length, length, **kw)
    noise_row = torch.zeros(length, **kw)
    factor = torch.zeros(length, length, **kw)
    raised = torch.zeros(length, dtype=torch.bool, device=device)
    energy_nc = torch.zeros(length, **kw)
    tangent = torch.zeros(length, rows, **kw)  # D_t[s, r] = d x_t / d h_s, rows s < t
    memory = torch.zeros(length * rows, **kw)  # scratch: sum_u Gamma[t, u] Y_u[s, r], flattened (s, r)
    blocks = []  # block k: Y_u for u in [k B, (k+1) B), shape (B, min((k+1) B, L), R), zero where s >= u
    x = solver.x0.clone()
    for t in range(length):
        xs[t] = x
        phi = torch.tanh(x)
        phis[t] = phi
        corr_row = phis[: t + 1] @ phi / samples
        corr[t, : t + 1] = corr_row
        corr[: t + 1, t] = corr_row
        # Response row from the tangents of the first R paths.
        block_index, offset = divmod(t, _TANGENT_BLOCK)
        if offset == 0:
            width = min((block_index + 1) * _TANGENT_BLOCK, length)
            blocks.append(torch.zeros(min(_TANGENT_BLOCK, length - t), width, rows, **kw))
        y_row = blocks[block_index][offset]  # (width, R)
        if t:
            torch.mul(tangent[:t], 1.0 - phi[:rows] ** 2, out=y_row[:t])
            resp[t, :t] = y_row[:t].mean(dim=1)
        # Kernel rows.
        if n == 1:
            resolvent[t, t] = 1.0
            if t:
                resolvent[t, :t] = solver.b * resp[t, :t] @ resolvent[:t, :t]
            gamma[t, : t + 1] = g * root_load * resolvent[t, : t + 1]
            if not cfg.self_coupling:
                gamma[t, t] -= g * root_load
            mixed = resolvent[t, : t + 1] @ corr[: t + 1, : t + 1]
            noise_row[: t + 1] = g * g * (resolvent[: t + 1, : t + 1] @ mixed)
            energy_nc[t] = -0.5 * g * root_load * noise_row[t] / (g * g)
        else:
            q_row, gamma_row, e_nc = _order_n_rows(n, g, corr_row, torch.diagonal(corr)[: t + 1], resp[t, : t + 1])
            noise_row[: t + 1] = q_row
            gamma[t, : t + 1] = gamma_row
            energy_nc[t] = e_nc
        if t == steps:
            break
        # Noise, then one Euler step of the paths.
        _extend_cholesky(factor, raised, noise_row[: t + 1], t)
        eta = factor[t, : t + 1] @ white[: t + 1]
        field = solver.b * phi.mean() ** n + eta + gamma[t, : t + 1] @ phis[: t + 1]
        x = x + dt * (field - x)
        # Tangents: D_{t+1}[s] = (1 - dt) D_t[s] + dt sum_{u <= t} Gamma[t, u] Y_u[s] + dt [s == t].
        memory.zero_()
        for k, block in enumerate(blocks):
            first = k * _TANGENT_BLOCK
            used = min(block.shape[0], t + 1 - first)
            span = block.shape[1] * rows
            memory[:span].addmv_(block[:used].view(used, span).T, gamma[t, first : first + used])
        tangent[: t + 1] *= 1.0 - dt
        tangent[: t + 1] += dt * memory[: (t + 1) * rows].view(t + 1, rows)
        tangent[t] += dt
    solver.raised_pivots = int(raised[:steps].sum())
    return xs.T, phis.T, phis.mean(dim=1), corr, resp, energy_nc


def dmft(
    *,
    order: int = 1,
    load: float,
    gain: float = 2.0,
    cue_strength: float = 1.0,
    steps: int,
    dt: float = 0.1,
    samples: int = 20_000,
    response_samples: int | None = 2_000,
    seed: int = 0,
    self_coupling: bool = True,
    method: str = "forward",
    damping: float = 1.0,
    tol: float = 1e-6,
    max_iter: int = 200,
    chunk: int = 2_000,
    device: str = "cpu",
    dtype: str = "float64",
) -> xr.Dataset:
    """Solve the DMFT of the graded dynamics and return it in the simulator's schema.

    Args:
        order: interaction order n in {1, 2, 4}.
        load: alpha (P = alpha N^n), > 0.
        gain: g > 0.
        cue_strength: a in [0, g]; x(0) = a + sqrt(g^2 - a^2) z in the gauge xi^1 = +1.
        steps, dt: Euler steps and step size; records at 0, dt, ..., steps*dt as in ``simulate``.
        samples: M sampled single-site paths (the theory's own Monte Carlo error is ~1/sqrt(M)).
        response_samples: R, the response S is the mean over the first min(M, R) paths (their tangents cost
            O(R T^2) memory and O(R T^3) time); None means all M. C, m and the noise use all M paths.
        seed: seed of the fixed standard normals (CPU generator, then moved to ``device``).
        self_coupling: keep the Hebbian diagonal (n = 1); must be True for n = 2, 4.
        method: ``"forward"`` (one causal pass in time, the default) or ``"iterate"`` (damped fixed-point
            iteration, the cross-check); with the same arguments both solve the same sampled-path equations
            with the same normals and agree up to round-off (``tests/theory/test_dmft.py``).
        damping: (iterate) weight lambda of the new iterate, (C, S) <- (1 - lambda)(C, S) + lambda (C_new, S_new).
        tol: (iterate) convergence threshold on max(|C_new - C|, |S_new - S| / dt). With one thread the causal
            map reaches a residual of exactly 0 after at most steps + 1 iterations; multi-threaded BLAS
            reductions leave a round-off floor (~1e-8 above capacity, where the paths are chaotic).
        max_iter: (iterate) iterations before :class:`DMFTConvergenceError`.
        chunk: (iterate) samples per block of the response pass (memory ~ chunk * (steps+1)^2).
        device, dtype: torch device and floating dtype (float64 default).

    Returns:
        Dataset with ``overlap(time)``, ``overlap_stderr(time)``, ``energy(time)``,
        ``correlation(time, time2)``, ``response(time, time2)`` (= S / dt, a density in time) and, for
        ``method="iterate"``, ``residual(iteration)``; CF attributes, the config and ``raised_pivots``
        (noise-factor pivots raised to the round-off floor, see ``PIVOT_TOL``).

    Raises:
        ValueError: bad arguments (before any allocation).
        MemoryEstimateError: the estimate of :func:`dmft_memory_bytes` exceeds the device's memory.
        DMFTConvergenceError: no convergence within ``max_iter`` (message gives final residual and tol).
    """
    cfg = _validate(order, load, gain, cue_strength, steps, dt, samples, seed, self_coupling, damping, tol,
                    max_iter, chunk, device, dtype, method, response_samples)
    solver_dtype = resolve_dtype(cfg.dtype)
    itemsize = torch.empty((), dtype=solver_dtype).element_size()
    check_memory(dmft_memory_bytes(steps=cfg.steps, samples=cfg.samples, chunk=cfg.chunk, itemsize=itemsize,
                                   method=cfg.method, response_samples=cfg.response_samples),
                 torch.device(cfg.device), what=f"dmft(steps={cfg.steps}, samples={cfg.samples})")
    solver = _Solver(cfg)
    if cfg.method == "forward":
        xs, phis, overlap, corr, resp, energy_nc = _forward_pass(solver)
        return _to_dataset(cfg, solver, xs, phis, overlap, corr, resp, energy_nc, None)
    length = solver.length
    phi0 = torch.tanh(solver.x0)
    corr = torch.full((length, length), float((phi0 * phi0).mean()), device=solver.device, dtype=solver_dtype)
    resp = torch.zeros(length, length, device=solver.device, dtype=solver_dtype)
    residuals: list[float] = []
    for _ in range(cfg.max_iter):
        noise_cov, gamma, _ = solver.kernels(corr, resp)
        eta = solver.noise(noise_cov)
        xs, phis, overlap = solver.forward(eta, gamma)
        corr_new = phis.T @ phis / cfg.samples
        resp_new = solver.response(phis[: cfg.response_samples], gamma)
        residual = max(float((corr_new - corr).abs().max()), float((resp_new - resp).abs().max()) / cfg.dt)
        residuals.append(residual)
        corr = (1 - cfg.damping) * corr + cfg.damping * corr_new
        resp = (1 - cfg.damping) * resp + cfg.damping * resp_new
        if residual < cfg.tol:
            break
    else:
        raise DMFTConvergenceError(
            f"dmft did not converge in max_iter={cfg.max_iter} iterations: final residual {residuals[-1]:.3e} "
            f"> tol={cfg.tol:.3e}; raise max_iter, lower damping or shorten steps*dt"
        )
    # Final consistent pass with the converged kernels (overlap, energy and paths belong together).
    noise_cov, gamma, energy_nc = solver.kernels(corr, resp)
    xs, phis, overlap = solver.forward(solver.noise(noise_cov), gamma)
    return _to_dataset(cfg, solver, xs, phis, overlap, corr, resp, energy_nc, residuals)


def _to_dataset(cfg, solver, xs, phis, overlap, corr, resp, energy_nc, residuals) -> xr.Dataset:
    n, b = cfg.order, solver.b
    log_cosh = xs.abs() + torch.log1p(torch.exp(-2.0 * xs.abs())) - math.log(2.0)
    energy = -(b / (n + 1)) * overlap ** (n + 1) + (xs * phis - log_cosh).mean(dim=0) + energy_nc
    stderr = phis.std(dim=0) / math.sqrt(cfg.samples)
    time = np.arange(solver.length, dtype=np.float64) * cfg.dt
    as_np = lambda t: t.detach().to("cpu", torch.float64).numpy()  # noqa: E731
    ds = xr.Dataset(
        {
            "overlap": ("time", as_np(overlap)),
            "overlap_stderr": ("time", as_np(stderr)),
            "energy": ("time", as_np(energy)),
            "correlation": (("time", "time2"), as_np(corr)),
            "response": (("time", "time2"), as_np(resp) / cfg.dt),
        },
        coords={"time": time, "time2": time.copy()},
    )
    if residuals is not None:
        ds["residual"] = ("iteration", np.asarray(residuals, dtype=np.float64))
        ds = ds.assign_coords(iteration=np.arange(1, len(residuals) + 1))
    meta = {
        "overlap": ("DMFT overlap with the target pattern m(t)", "1"),
        "overlap_stderr": ("Monte Carlo standard error of the DMFT overlap from the sampled paths", "1"),
        "energy": ("DMFT energy per neuron", "1"),
        "correlation": ("DMFT correlation C(t, t2) = <tanh x(t) tanh x(t2)>", "1"),
        "response": ("DMFT response density dS(t, t2)/dt2 = <d tanh x(t) / d h(t2)> / dt", "1"),
        "residual": ("fixed-point residual max(|dC|, |dS|/dt) of the iteration", "1"),
        "time": ("time in units of the time constant", "1"),
        "time2": ("second time argument", "1"),
        "iteration": ("fixed-point iteration number", "1"),
    }
    annotate(ds, meta)
    ds.attrs.update(global_attrs(
        title=f"DMFT of graded order-{cfg.order} dynamics, load {cfg.load:g}, gain {cfg.gain:g}",
        config={"kind": "dmft", **asdict(cfg)}, references=REFERENCES, device=cfg.device, dtype=cfg.dtype,
        history="hopfield_hclm.memory.theory.dmft"))
    ds.attrs["self_coupling"] = int(cfg.self_coupling)
    ds.attrs["method"] = cfg.method
    ds.attrs["raised_pivots"] = solver.raised_pivots
    if residuals is not None:
        ds.attrs["converged_iterations"] = len(residuals)
    return ds
