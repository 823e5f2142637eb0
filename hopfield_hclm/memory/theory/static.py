"""Static (equilibrium / fixed-point) mean-field theory of Hopfield-type memories.

Three results live here:

- **Binary Hopfield, T = 0, replica symmetric** (Amit, Gutfreund & Sompolinsky 1985, 1987).
  The saddle-point equations m = erf(y), y = m / sqrt(2 alpha r), C = sqrt(2/(pi alpha r)) exp(-y^2),
  r = 1/(1 - C)^2 reduce to one equation in y::

      sqrt(2 alpha) = erf(y)/y - (2/sqrt(pi)) exp(-y^2)

  whose right-hand side has a maximum; its square over two is the capacity alpha_c ~ 0.1379 with
  m(alpha_c) ~ 0.967. The retrieval branch is the largest root y(alpha).

- **Graded family of DESIGN.md section 3, order n = 1**: fixed points of
  dx_i/dt = -x_i + b sum_mu xi_i^mu m_mu, m_mu = (1/N) sum_j xi_j^mu tanh x_j, b = g / sqrt(alpha),
  P = alpha N, as ``memory/graded.py`` integrates them.  Self-consistent signal-to-noise analysis
  (Shiino & Fukai 1992, J. Phys. A 25, L375; 1993, Phys. Rev. E 48, 867), re-derived by the cavity
  argument.  Pattern 1 is condensed (m = m_1 = O(1)); for mu >= 2, m_mu = O(N^-1/2).

  *Pattern cavity.*  Adding pattern mu to a system without it shifts every field by b xi_j^mu m_mu,
  so m_mu = m_mu^(0) + b U m_mu with U = (1/N) sum_j chi_j the mean local response, hence
  m_mu = m_mu^(0) / (1 - b U), m_mu^(0) ~ N(0, q/N), q = <tanh^2 x>.

  *Neuron cavity.*  Unit i's own term (1/N) xi_i^mu tanh x_i in m_mu is amplified by the same
  resolvent, so b sum_{mu>=2} xi_i^mu m_mu = sigma z + (b P/N) tanh(x_i) / (1 - b U), with z ~ N(0, 1)
  independent of i.  The fixed-point condition x_i = h_i becomes the local equation

      (S1)  x - Gamma tanh x = b m + sigma z,                sigma = g sqrt(q) / (1 - b U),
      (S2)  Gamma = g sqrt(alpha) / (1 - b U)                (self_coupling=True, the default),
      (S3)  Gamma = g sqrt(alpha) / (1 - b U) - g sqrt(alpha) (self_coupling=False: the Hebbian
            diagonal (b P/N) tanh x_i = g sqrt(alpha) tanh x_i is removed, as ``graded.py`` does),
      (S4)  m = <tanh x>,  q = <tanh^2 x>,  U = <chi>,  chi = tanh'(x) / (1 - Gamma tanh'(x)),

  <.> the average over z of the root x(z) of S1, chi = d tanh x / d(b m + sigma z).  The root is
  unique for Gamma < 1 (x - Gamma tanh x is then increasing); for Gamma >= 1 it is multivalued in a
  window of fields and the equations above do not say which root the dynamics picks: the theory of
  this module stops applying there.

  *Integration* (S5).  For Gamma < 1 the map x -> z(x) = (x - Gamma tanh x - b m) / sigma is a
  bijection with dz/dx = (1 - Gamma tanh' x) / sigma, so

      <F> = int dx  N(z(x); 0, 1) (1 - Gamma tanh'(x)) / sigma  F(x),
      U   = int dx  N(z(x); 0, 1) tanh'(x) / sigma,

  smooth integrands with Gaussian tails even as Gamma -> 1, where the z-integrand of U becomes a
  spike of height 1/(1 - Gamma) (which is why Gauss-Hermite in z did not converge near the end of the
  branch).  The x-integral is composite Gauss-Legendre over z in [-9, 9] with panel edges at
  x = 0, +-1, +-2, +-4, +-8; every result is recomputed with twice the nodes per panel.  The weight
  integrates to 1 (a check of the quadrature).

  *Branch and its end.*  Continuation in alpha from m ~ 1 at small load (Newton at each load, secant
  predictor, step halved on failure).  The branch ends either at a saddle-node (it folds: the Jacobian
  of (m, q, U) -> <.> has an eigenvalue 1, dm/d alpha -> infinity; located as the maximum of alpha(m)
  along the branch parameterised by m) or where Gamma reaches 1 ("gamma-one").  Checks: the solution
  agrees with an independent dense z-grid average to 1e-8; with the diagonal removed and g -> infinity
  (tanh(b x) -> sign) alpha_c(g) approaches the binary AGS value 0.138 (alpha_c(8) = 0.1381).

- **Krotov & Hopfield (2016)** capacity of a dense memory with F(x) = x^k:
  P_max = N^(k-1) / (2 (2k-3)!! ln N). In the order convention of DESIGN.md, k = n + 1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize, special

from ...core.validation import check_choice, check_int, check_real

__all__ = [
    "ags_capacity",
    "ags_overlap",
    "GradedCapacity",
    "GradedFixedPoint",
    "StaticConvergenceError",
    "graded_fixed_point",
    "graded_capacity",
    "krotov_hopfield_capacity",
]

_SQRT_PI = math.sqrt(math.pi)


def _ags_alpha_of_y(y: float | np.ndarray) -> float | np.ndarray:
    """alpha(y) = (erf(y)/y - 2 exp(-y^2)/sqrt(pi))^2 / 2 along the T = 0 RS saddle point."""
    rhs = special.erf(y) / y - 2.0 / _SQRT_PI * np.exp(-np.square(y))
    return 0.5 * np.square(rhs)


def _ags_y_at_capacity() -> float:
    res = optimize.minimize_scalar(lambda y: -_ags_alpha_of_y(y), bounds=(0.5, 3.0), method="bounded",
                                   options={"xatol": 1e-13})
    return float(res.x)


def ags_capacity() -> tuple[float, float]:
    """Replica-symmetric T = 0 capacity of the binary Hopfield model (Amit, Gutfreund, Sompolinsky 1987).

    Returns:
        ``(alpha_c, m_c)``: the largest load with a retrieval solution (~0.1379) and the retrieval
        overlap there (~0.967).
    """
    y_c = _ags_y_at_capacity()
    return float(_ags_alpha_of_y(y_c)), float(special.erf(y_c))


def ags_overlap(alpha: float) -> float:
    """Retrieval overlap m(alpha) of the binary Hopfield model at T = 0 (replica symmetric, AGS 1987).

    Solves sqrt(2 alpha) = erf(y)/y - 2 exp(-y^2)/sqrt(pi) for its largest root y and returns erf(y).

    Args:
        alpha: load P/N, > 0.

    Returns:
        m in (0.967, 1) below capacity; ``nan`` above ``ags_capacity()[0]``.
    """
    alpha = check_real("alpha", alpha, low=0.0, low_open=True)
    y_c = _ags_y_at_capacity()
    alpha_c = float(_ags_alpha_of_y(y_c))
    if alpha > alpha_c:
        return float("nan")
    # Beyond y_c, alpha(y) decreases monotonically to 0 (as 1/(2 y^2)): bracket the largest root there.
    target = lambda y: _ags_alpha_of_y(y) - alpha  # noqa: E731
    hi = max(2.0 * y_c, 1.0 / math.sqrt(alpha))
    while target(hi) > 0:
        hi *= 2.0
    if target(y_c) <= 0:  # alpha == alpha_c up to round-off
        return float(special.erf(y_c))
    y = optimize.brentq(target, y_c, hi, xtol=1e-14, rtol=1e-14)
    return float(special.erf(y))


class StaticConvergenceError(RuntimeError):
    """The graded static branch differs between ``nodes`` and ``2 * nodes`` by more than the tolerance."""


@dataclass(frozen=True)
class GradedFixedPoint:
    """Retrieval solution of the graded n = 1 static equations at one load (module docstring, eqs. S1-S4).

    Attributes:
        overlap: m = <tanh x> with the target pattern (NaN when the load lies beyond the branch end).
        activity: q = <tanh^2 x>.
        susceptibility: U = <tanh'(x) / (1 - Gamma tanh'(x))>, the mean local response.
        converged: Newton met ``tol`` on the retrieval branch *and* the solution moved by less than
            ``quad_tol`` when the quadrature was refined to ``2 * nodes``.
        load, gain, self_coupling: the arguments.
        reaction: Gamma, the coefficient of the local reaction term Gamma tanh x (unique local root
            only for Gamma < 1).
        noise: sigma = g sqrt(q) / (1 - b U), the standard deviation of the crosstalk field.
        jacobian_eigenvalue: the real eigenvalue of the Jacobian of the fixed-point map
            (m, q, U) -> (<tanh x>, <tanh^2 x>, <...>) closest to 1; it reaches 1 at a saddle-node.
        quadrature_error: max |v_2n - v_n| over v = (m, q, U), estimated as (1 - J)^-1 applied to the
            difference of the map at ``nodes`` and ``2 * nodes`` nodes.
        nodes: Gauss-Legendre nodes per panel of the composite x-integral.
    """

    overlap: float
    activity: float
    susceptibility: float
    converged: bool
    load: float = float("nan")
    gain: float = float("nan")
    self_coupling: bool = True
    reaction: float = float("nan")
    noise: float = float("nan")
    jacobian_eigenvalue: float = float("nan")
    quadrature_error: float = float("nan")
    nodes: int = 0


@dataclass(frozen=True)
class GradedCapacity:
    """End of the graded n = 1 retrieval branch followed by continuation in alpha (module docstring).

    Attributes:
        alpha_c: the largest load of the branch (saddle-node) or the load where Gamma reaches 1.
        overlap_at_end: m at ``alpha_c``.
        reason: "saddle-node" (the branch folds: d alpha/dm = 0, the fixed-point Jacobian has an
            eigenvalue 1, dm/d alpha -> infinity) or "gamma-one" (Gamma -> 1: the local equation
            x - Gamma tanh x = h becomes multivalued and the static theory of this module stops
            applying; a real end of retrieval may lie elsewhere) or "alpha-max" (no end found below
            ``alpha_max``).
        gain, self_coupling: the arguments.
        reaction_at_end: Gamma at the end point.
        jacobian_eigenvalue: eigenvalue of the fixed-point map's Jacobian closest to 1 at the end
            (1 at a saddle-node up to the refinement tolerance).
        quadrature_error: |alpha_c(nodes) - alpha_c(2 nodes)|.
        overlap_error: |m_end(nodes) - m_end(2 nodes)|.
        nodes: Gauss-Legendre nodes per panel of the composite x-integral.
        loads, overlaps: the accepted continuation points (alpha, m) up to the end, shape ``(point,)``.
    """

    alpha_c: float
    overlap_at_end: float
    reason: str
    gain: float
    self_coupling: bool
    reaction_at_end: float
    jacobian_eigenvalue: float
    quadrature_error: float
    overlap_error: float
    nodes: int
    loads: tuple[float, ...] = ()
    overlaps: tuple[float, ...] = ()


#: Half-width, in standard deviations of z, of the x-interval the Gaussian average is taken over
#: (the Gaussian mass outside is 2 Phi(-9) = 2e-19).
_Z_SPAN = 9.0
#: Fixed panel edges of the composite x-quadrature.
_BREAKS = np.array([-8.0, -4.0, -2.0, -1.0, 0.0, 1.0, 2.0, 4.0, 8.0])


class _GradedStatic:
    """The static map Phi(m, q, U) of eqs. S2-S4 at one (alpha, g), integrated over x (eq. S5)."""

    def __init__(self, gain: float, self_coupling: bool, nodes: int) -> None:
        self.g = gain
        self.self_coupling = self_coupling
        self.t, self.w = np.polynomial.legendre.leggauss(nodes)

    def grid(self, lo: float, hi: float, sigma: float) -> tuple[np.ndarray, np.ndarray]:
        """Composite Gauss-Legendre nodes and weights on [lo, hi], shape ``(panel * nodes,)``.

        Panel edges at x = 0, +-1, +-2, +-4, +-8 (where tanh and the Jacobian 1 - Gamma tanh' vary on
        the scale 1) and every panel wider than max(2, sigma) split evenly.
        """
        inner = _BREAKS[(_BREAKS > lo) & (_BREAKS < hi)]
        pts = np.concatenate(([lo], inner, [hi]))
        width = np.diff(pts)
        k = np.maximum(1, np.ceil(width / max(2.0, sigma))).astype(int)
        sub = np.repeat(width / k, k)                              # (panel,)
        first = np.repeat(np.cumsum(k) - k, k)
        left = np.repeat(pts[:-1], k) + (np.arange(k.sum()) - first) * sub
        half = 0.5 * sub[:, None]
        mid = (left + 0.5 * sub)[:, None]
        return (mid + half * self.t).ravel(), (half * self.w).ravel()

    def parts(self, alpha: float, m: float, q: float, u: float) -> tuple[float, float, float] | None:
        """(b, Gamma, sigma), or None outside the domain (q <= 0 or b U >= 1)."""
        b = self.g / math.sqrt(alpha)
        if not (q > 0.0 and b * u < 1.0 and alpha > 0.0):
            return None
        r = 1.0 / (1.0 - b * u)
        gamma = self.g * math.sqrt(alpha) * (r if self.self_coupling else r - 1.0)
        return b, gamma, self.g * math.sqrt(q) * r

    def moments(self, alpha: float, m: float, q: float, u: float) -> tuple[np.ndarray, float, float] | None:
        """``([<tanh x>, <tanh^2 x>, <chi>, <1>], Gamma, sigma)`` by Gauss-Legendre in x (eq. S5)."""
        p = self.parts(alpha, m, q, u)
        if p is None:
            return None
        b, gamma, sigma = p
        lo = b * m - _Z_SPAN * sigma - abs(gamma)
        hi = b * m + _Z_SPAN * sigma + abs(gamma)
        x, w = self.grid(lo, hi, sigma)
        phi = np.tanh(x)
        dphi = 1.0 - phi * phi
        z = (x - gamma * phi - b * m) / sigma
        density = np.exp(-0.5 * z * z) / (math.sqrt(2.0 * math.pi) * sigma)   # N(z; 0, 1) dz/dh
        wj = w * density * (1.0 - gamma * dphi)                                 # Dz expressed in dx
        out = np.array([wj @ phi, wj @ (phi * phi), (w * density) @ dphi, wj.sum()])
        return out, gamma, sigma

    def residual(self, alpha: float, v: np.ndarray) -> np.ndarray | None:
        res = self.moments(alpha, *v)
        return None if res is None else res[0][:3] - v

    def jacobian(self, alpha: float, v: np.ndarray, *, central: bool = True) -> np.ndarray | None:
        """d Phi / d(m, q, U), shape ``(3, 3)``: central differences, or forward ones (Newton steps)."""
        jac = np.empty((3, 3))
        base = None if central else self.moments(alpha, *v)
        if base is None and not central:
            return None
        for j in range(3):
            h = (1e-6 if central else 1e-8) * max(abs(v[j]), 1e-2)
            e = np.zeros(3)
            e[j] = h
            up = self.moments(alpha, *(v + e))
            dn = self.moments(alpha, *(v - e)) if central else base
            if up is None or dn is None:
                return None
            jac[:, j] = (up[0][:3] - dn[0][:3]) / (2 * h if central else h)
        return jac

    def newton(self, alpha: float, guess: np.ndarray, *, tol: float, max_iter: int = 15):
        """Newton on Phi(v) - v = 0 at fixed alpha; returns v or None (no convergence / left the domain)."""
        v = np.array(guess, dtype=float)
        worse = 0
        size = np.inf
        jac = None
        for _ in range(max_iter):
            f = self.residual(alpha, v)
            if f is None:
                return None
            new_size = np.max(np.abs(f))
            worse = worse + 1 if new_size >= size else 0
            if worse >= 2:   # diverging: no solution near the guess
                return None
            # Chord steps: keep the Jacobian while the residual falls at least tenfold per step.
            if jac is None or new_size > 0.1 * size:
                jac = self.jacobian(alpha, v, central=False)
                if jac is None:
                    return None
            size = new_size
            try:
                step = np.linalg.solve(jac - np.eye(3), -f)
            except np.linalg.LinAlgError:
                return None
            v = v + step
            if not np.all(np.isfinite(v)):
                return None
            if np.max(np.abs(step)) < tol:
                f = self.residual(alpha, v)
                return v if f is not None and np.max(np.abs(f)) < 10 * tol else None
        return None

    def newton_at_overlap(self, m: float, guess: np.ndarray, *, tol: float, max_iter: int = 40):
        """Newton for w = (q, U, alpha) at fixed m (the branch parameterised by m passes the fold)."""
        w = np.array(guess, dtype=float)

        def fun(w):
            if w[2] <= 0:
                return None
            return self.residual(w[2], np.array([m, w[0], w[1]]))

        for _ in range(max_iter):
            f = fun(w)
            if f is None:
                return None
            jac = np.empty((3, 3))
            for j in range(3):
                h = 1e-6 * max(abs(w[j]), 1e-2)
                e = np.zeros(3)
                e[j] = h
                up, dn = fun(w + e), fun(w - e)
                if up is None or dn is None:
                    return None
                jac[:, j] = (up - dn) / (2 * h)
            try:
                step = np.linalg.solve(jac, -f)
            except np.linalg.LinAlgError:
                return None
            w = w + step
            if not np.all(np.isfinite(w)):
                return None
            if np.max(np.abs(step) / np.maximum(np.abs(w), 1e-2)) < tol:
                f = fun(w)
                return w if f is not None and np.max(np.abs(f)) < 10 * tol else None
        return None

    def closest_eigenvalue(self, alpha: float, v: np.ndarray) -> float:
        jac = self.jacobian(alpha, v)
        if jac is None:
            return float("nan")
        ev = np.linalg.eigvals(jac)
        ev = ev[np.abs(ev.imag) < 1e-9].real
        return float(ev[np.argmin(np.abs(ev - 1.0))]) if ev.size else float("nan")

    def quadrature_error(self, alpha: float, v: np.ndarray, fine: "_GradedStatic") -> float:
        """max |dv| with dv = (1 - J)^-1 (Phi_fine(v) - Phi(v)): the shift of the fixed point."""
        coarse, fine_m = self.moments(alpha, *v), fine.moments(alpha, *v)
        jac = self.jacobian(alpha, v)
        if coarse is None or fine_m is None or jac is None:
            return float("nan")
        try:
            dv = np.linalg.solve(np.eye(3) - jac, fine_m[0][:3] - coarse[0][:3])
        except np.linalg.LinAlgError:
            return float("inf")
        return float(np.max(np.abs(dv)))


#: Continuation in alpha: first load, first and largest step, and the branch guard on m.
_ALPHA_START = 0.005
_STEP_START = 0.005
_STEP_MAX = 0.02
_JUMP = 0.05


def _continue_in_alpha(model: _GradedStatic, target: float | None, *, alpha_max: float, step_tol: float,
                       tol: float):
    """Follow the retrieval branch from alpha = min(0.005, 1/(4 g^2), target) at m ~ 1.

    Steps alpha, predicts by the secant of the last two solutions, corrects by Newton, halves the step
    on failure (no convergence, Gamma >= 1, m leaving the branch by more than 0.05) and grows it by
    1.5 on success, up to 0.02.  Stops at ``target`` (if given), at ``alpha_max``, or when the step
    falls below ``step_tol``.

    Returns ``(alphas, solutions, reached, gamma_load)``: accepted loads ``(point,)``, solutions
    ``(point, 3)``, whether ``target`` was reached, and -- when the last rejected step was a converged
    solution with Gamma >= 1 -- that load (else None).
    """
    # Start where Gamma ~ g sqrt(alpha) is at most 1/2 (m ~ 1, U ~ 0 there).
    a0 = min(_ALPHA_START, 0.25 / model.g**2)
    a0 = a0 if target is None else min(a0, target)
    v = model.newton(a0, np.array([1.0, 1.0, 0.0]), tol=tol)
    if v is None:
        return [], [], False, None
    alphas, sols = [a0], [v]
    step = _STEP_START
    stop = alpha_max if target is None else target
    last_reject = None
    while alphas[-1] < stop:
        a_new = min(alphas[-1] + step, stop)
        h = a_new - alphas[-1]
        if len(sols) >= 2:
            pred = sols[-1] + (sols[-1] - sols[-2]) * h / (alphas[-1] - alphas[-2])
        else:
            pred = sols[-1]
        v = model.newton(a_new, pred, tol=tol)
        ok = v is not None and abs(v[0] - pred[0]) < _JUMP and v[0] > 0
        gamma_one = False
        if ok:
            p = model.parts(a_new, *v)
            gamma_one = p is not None and p[1] >= 1.0
            ok = p is not None and not gamma_one
        if ok:
            alphas.append(a_new)
            sols.append(v)
            step = min(step * 1.5, _STEP_MAX)
        else:
            last_reject = a_new if gamma_one else None
            step *= 0.5
            if step < step_tol:
                return alphas, sols, False, last_reject
    return alphas, sols, True, None


def _refine_end(model: _GradedStatic, alpha: float, v: np.ndarray, prev_alpha: float, prev_v: np.ndarray, *,
                tol: float) -> tuple[float, np.ndarray, str]:
    """Locate the branch end past the last accepted point by continuation in m (module docstring).

    Walks m down from the last solution in steps of dm, solving (q, U, alpha) at fixed m, until alpha
    decreases (a fold: the maximum of alpha(m) is then found by bounded Brent search) or Gamma reaches 1
    (located by Brent's root finder on Gamma(m) - 1).  Returns ``(alpha_c, (m, q, U), reason)``.
    """
    def solve(m: float, guess: np.ndarray):
        w = model.newton_at_overlap(m, guess, tol=tol)
        if w is None:
            return None
        p = model.parts(w[2], m, w[0], w[1])
        return None if p is None else (w, p[1])

    # dm: a fraction of the last change of m along the alpha-continuation, but not below 1e-5.
    dm = max(abs(v[0] - prev_v[0]), 1e-4)
    pts = [(v[0], np.array([v[1], v[2], alpha]), model.parts(alpha, *v)[1])]
    for _ in range(4000):
        m_prev, w_prev, g_prev = pts[-1]
        if len(pts) >= 2:
            guess = w_prev + (w_prev - pts[-2][1]) * dm / (pts[-2][0] - m_prev)
        else:
            guess = w_prev
        sol = solve(m_prev - dm, guess)
        if sol is None:
            dm *= 0.5
            if dm < 1e-9:
                raise StaticConvergenceError(f"continuation in m stalled at m = {m_prev:.6g}")
            continue
        w, gamma = sol
        if gamma >= 1.0:
            def gamma_minus_one(m):
                s = solve(m, w_prev)
                return (s[1] if s is not None else 2.0) - 1.0
            m_end = optimize.brentq(gamma_minus_one, m_prev - dm, m_prev, xtol=1e-12)
            w_end = solve(m_end, w_prev)[0]
            return float(w_end[2]), np.array([m_end, w_end[0], w_end[1]]), "gamma-one"
        if w[2] < w_prev[2] and len(pts) >= 2:
            m_hi, m_lo = pts[-2][0], m_prev - dm
            w_guess = w_prev
            res = optimize.minimize_scalar(
                lambda m: -(s[0][2] if (s := solve(m, w_guess)) is not None else -np.inf),
                bounds=(m_lo, m_hi), method="bounded", options={"xatol": 1e-10})
            w_end = solve(float(res.x), w_guess)[0]
            return float(w_end[2]), np.array([float(res.x), w_end[0], w_end[1]]), "saddle-node"
        if w[2] < w_prev[2]:  # the first m step already passed the fold: step back with a smaller dm
            dm *= 0.25
            continue
        pts.append((m_prev - dm, w, gamma))
        dm = min(dm * 1.5, 0.01)
    raise StaticConvergenceError("continuation in m did not reach the branch end")


def _graded_args(gain, self_coupling, nodes, tol):
    g = check_real("gain", gain, low=0.0, low_open=True)
    check_choice("self_coupling", self_coupling, (True, False))
    nodes = check_int("nodes", nodes, minimum=4, maximum=2000)
    tol = check_real("tol", tol, low=0.0, high=1e-4, low_open=True)
    return g, nodes, tol


def graded_fixed_point(load: float, gain: float, *, self_coupling: bool = True, nodes: int = 24,
                       tol: float = 1e-12, quad_tol: float = 1e-8) -> GradedFixedPoint:
    """Retrieval solution (m, q, U) of the graded n = 1 static equations S1-S4 at one load.

    The branch is followed by continuation in alpha from alpha = 0.005 (m ~ 1) to ``load`` (each
    point a Newton solve started from the secant prediction), so the solution returned is the one
    connected to the pattern at small load; beyond the end of that branch the overlap is NaN.
    The Gaussian average is taken over x (eq. S5) with ``nodes`` Gauss-Legendre nodes and checked
    against ``2 * nodes``.

    Args:
        load: alpha = P/N > 0.
        gain: g > 0 (coupling b = g / sqrt(alpha)).
        self_coupling: True (default; the simulator's default, Hebbian diagonal kept) or False
            (diagonal removed, ``simulate(..., self_coupling=False)``); changes Gamma (eq. S3).
        nodes: Gauss-Legendre nodes per panel of the composite x-integral (>= 4).
        tol: Newton tolerance on (m, q, U).
        quad_tol: the largest accepted shift of (m, q, U) between ``nodes`` and ``2 * nodes``.

    Returns:
        :class:`GradedFixedPoint`; ``converged`` is False (and the values NaN) beyond the branch end,
        and False with values when the quadrature check fails.
    """
    alpha = check_real("load", load, low=0.0, low_open=True)
    g, nodes, tol = _graded_args(gain, self_coupling, nodes, tol)
    quad_tol = check_real("quad_tol", quad_tol, low=0.0, low_open=True)
    model = _GradedStatic(g, self_coupling, nodes)
    alphas, sols, reached, _ = _continue_in_alpha(model, alpha, alpha_max=alpha, step_tol=1e-7 * alpha, tol=tol)
    nan = float("nan")
    if not reached:
        return GradedFixedPoint(nan, nan, nan, False, alpha, g, self_coupling, nodes=nodes)
    v = sols[-1]
    _, gamma, sigma = model.parts(alpha, *v)
    err = model.quadrature_error(alpha, v, _GradedStatic(g, self_coupling, 2 * nodes))
    return GradedFixedPoint(float(v[0]), float(v[1]), float(v[2]), bool(err < quad_tol), alpha, g, self_coupling,
                            float(gamma), float(sigma), model.closest_eigenvalue(alpha, v), err, nodes)


def _capacity_at(g: float, self_coupling: bool, nodes: int, tol: float, alpha_max: float):
    model = _GradedStatic(g, self_coupling, nodes)
    # The alpha-steps stop at 1e-4; the m-continuation of _refine_end then resolves the end to 1e-10 in m.
    alphas, sols, reached, gamma_load = _continue_in_alpha(model, None, alpha_max=alpha_max, step_tol=1e-4,
                                                           tol=tol)
    if not alphas:
        raise StaticConvergenceError(f"no retrieval solution at the first load for gain {g:g}")
    if reached:
        v = sols[-1]
        return alphas[-1], v, "alpha-max", model, alphas, sols
    if gamma_load is not None:
        # Gamma crosses 1 between the last accepted load and gamma_load: Brent on Gamma(alpha) - 1.
        a_lo, v_lo = alphas[-1], sols[-1]

        def gamma_minus_one(a):
            v = model.newton(a, v_lo, tol=tol)
            if v is None:
                raise StaticConvergenceError(f"Newton failed at alpha = {a:.10g} while locating Gamma = 1")
            return model.parts(a, *v)[1] - 1.0

        alpha_c = optimize.brentq(gamma_minus_one, a_lo, gamma_load, xtol=1e-13, rtol=1e-13)
        return alpha_c, model.newton(alpha_c, v_lo, tol=tol), "gamma-one", model, alphas, sols
    if len(alphas) < 2:
        raise StaticConvergenceError(f"retrieval branch for gain {g:g} ends before a second continuation point")
    alpha_c, v_end, reason = _refine_end(model, alphas[-1], sols[-1], alphas[-2], sols[-2], tol=tol)
    return alpha_c, v_end, reason, model, alphas, sols


def graded_capacity(gain: float, *, self_coupling: bool = True, nodes: int = 24, tol: float = 1e-12,
                    quad_tol: float = 1e-6, alpha_max: float = 5.0) -> GradedCapacity:
    """End point alpha_c(g) of the graded n = 1 static retrieval branch, with the reason it ends.

    Continuation in alpha from m ~ 1 (step halved near the end down to 1e-6), then continuation in m
    past the last alpha-point: either alpha(m) has a maximum with Gamma < 1 (saddle-node; alpha_c is
    that maximum, found to 1e-10 in m) or Gamma reaches 1 first (gamma-one; alpha_c is the load where
    Gamma = 1).  The whole computation is repeated with ``2 * nodes`` nodes.

    Args:
        gain: g > 0.
        self_coupling: the convention of the theory (and of the simulation it is compared with).
        nodes: Gauss-Legendre nodes per panel of the composite x-integral.
        tol: Newton tolerance.
        quad_tol: the largest accepted |alpha_c(nodes) - alpha_c(2 nodes)|.
        alpha_max: stop the continuation here (reason "alpha-max").

    Returns:
        :class:`GradedCapacity`.

    Raises:
        StaticConvergenceError: the two resolutions disagree by more than ``quad_tol`` or a
            continuation stalls.
    """
    g, nodes, tol = _graded_args(gain, self_coupling, nodes, tol)
    quad_tol = check_real("quad_tol", quad_tol, low=0.0, low_open=True)
    alpha_max = check_real("alpha_max", alpha_max, low=0.0, low_open=True)
    alpha_c, v, reason, model, alphas, sols = _capacity_at(g, self_coupling, nodes, tol, alpha_max)
    alpha_2, v_2, reason_2, _, _, _ = _capacity_at(g, self_coupling, 2 * nodes, tol, alpha_max)
    err, m_err = abs(alpha_c - alpha_2), abs(v[0] - v_2[0])
    if err > quad_tol or reason != reason_2:
        raise StaticConvergenceError(
            f"graded_capacity(gain={g:g}): alpha_c = {alpha_c:.10g} ({reason}) with {nodes} nodes but "
            f"{alpha_2:.10g} ({reason_2}) with {2 * nodes}; difference {err:.3g} > quad_tol = {quad_tol:g}")
    _, gamma, _ = model.parts(alpha_c, *v)
    return GradedCapacity(float(alpha_c), float(v[0]), reason, g, self_coupling, float(gamma),
                          model.closest_eigenvalue(alpha_c, v), float(err), float(m_err), nodes,
                          tuple(float(a) for a in alphas) + (float(alpha_c),),
                          tuple(float(s[0]) for s in sols) + (float(v[0]),))


def krotov_hopfield_capacity(neurons: int, *, power: int) -> float:
    """Krotov & Hopfield (2016) error-free capacity of a dense memory with F(x) = x^k.

    P_max = N^(k-1) / (2 (2k-3)!! ln N), with k = ``power`` >= 2 (k = n + 1 for interaction order n).
    """
    n = check_int("neurons", neurons, minimum=2)
    k = check_int("power", power, minimum=2)
    double_factorial = math.prod(range(2 * k - 3, 0, -2))
    return n ** (k - 1) / (2.0 * double_factorial * math.log(n))
