"""Graded (tanh) units in continuous time: initial state and integrator (DESIGN.md §3).

Model, for a batch of trials with state ``x`` of shape ``(trial, neuron)`` and ±1 patterns ``xi`` of
shape ``(trial or 1, pattern, neuron)``::

    dx_i/dt = -x_i + h_i,        h_i = G * sum_mu xi_i^mu (m_mu)^n,     G = g / sqrt(alpha)
    m_mu    = (1/N) sum_i xi_i^mu phi_i,      phi = tanh(x)

with gain ``g``, load ``alpha = P / N^n`` (the load the P stored patterns realise; ``simulate`` draws
P = round(alpha_requested N^n) and couples with P / N^n) and interaction order ``n`` (n = 1: graded
Hopfield network; n >= 2: dense associative memory with F(m) = m^(n+1)).  Time is measured in units
of the time constant.  The normalisation G = g/sqrt(alpha) keeps the crosstalk noise O(1) at every
load (Clark 2025, arXiv:2506.05303).  Pattern 0 (``patterns[:, 0]``) is the target.

Lyapunov energy per neuron (Hopfield 1984, PNAS 81, 3088; Krotov & Hopfield 2016)::

    E = -(G/(n+1)) sum_mu m_mu^(n+1) + (1/N) sum_i [x_i phi_i - log cosh x_i]

Because dE/dphi_i = (x_i - h_i)/N = -(dx_i/dt)/N and dphi_i/dt = (1 - phi_i^2) dx_i/dt,
``dE/dt = -(1/N) sum_i (1 - phi_i^2) (dx_i/dt)^2 <= 0`` along the continuous flow.

Self-coupling convention (``self_coupling=False``)
-------------------------------------------------
Expand the interaction energy with y_j^mu = xi_j^mu phi_j / N::

    -(G/(n+1)) N sum_mu (sum_j y_j^mu)^(n+1)
        = -(G/(n+1)) N sum_mu sum_{j_1..j_{n+1}} y_{j_1}^mu ... y_{j_{n+1}}^mu.

``self_coupling=True`` (the default) keeps every term.  ``self_coupling=False`` keeps only the terms
whose n+1 indices are **all distinct** (the p-spin convention), i.e. it replaces
``(sum_j y_j)^(n+1)`` by ``(n+1)! e_{n+1}(y)`` with ``e_k`` the elementary symmetric polynomial.  The
field is the gradient of this energy, so the Lyapunov property above holds in both conventions::

    h_i = G n! sum_mu xi_i^mu e_n(y^mu without j = i)

- n = 1: exactly the diagonal of the Hebbian coupling is removed, h_i = G (sum_mu xi_i^mu m_mu
  - (P/N) phi_i); the removed term is (G P/N) phi_i = g sqrt(alpha) phi_i when P = alpha N.  The energy
  gains + G P/(2 N^2) sum_i phi_i^2 per neuron.
- n >= 2: removed are (a) every term in which the field on i depends on phi_i itself (an index equal
  to i) and (b) every term in which two of the other indices coincide.  Part (b) is not small: for
  n = 2 it is the quenched random field -G/N^2 (sum_j phi_j^2) sum_mu xi_i^mu of variance O(g^2 q^2).
  A DMFT that sums over distinct indices only (p-spin style) matches ``self_coupling=False``; one
  that keeps (sum_j y_j)^n matches ``self_coupling=True``.

``e_k`` is computed from power sums with Newton's identities, so everything stays matrix products:
odd power sums are ``phi^k @ xi^T``; even ones do not depend on mu (xi^2 = 1, so patterns must be
exactly ±1).  The field then is ``G n! sum_k (-phi_i/N)^k T_k`` with ``T_k = sum_mu xi_i^mu e_{n-k}``
(a matmul) for even k and ``T_k = sum_mu e_{n-k}`` (a per-trial scalar) for odd k.

Integrators: explicit Euler (the model's reference scheme), Heun (2nd order) and classical RK4
(4th order), all with step ``dt``; their fixed points are exactly the zeros of the vector field.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch

from ..core.batching import batch_invariant_bmm
from ..core.devices import resolve_device, resolve_dtype
from ..core.validation import check_choice, check_int, check_real
from .trajectory import GRADED_SERIES, Trajectory, record_times

#: Default gain g.  With g = 2 the cued pure state of a single stored pattern is a strongly
#: saturated fixed point (m = tanh(g m / sqrt(alpha)) gives m >= 0.957 whenever alpha <= 1), the
#: initial state x(0) has standard deviation 2, so tanh units start well into their saturating range
#: (E tanh^2 of N(0, 4) is 0.635), and the origin is linearly unstable at every load.
DEFAULT_GAIN: float = 2.0
#: Default cue strength a = g/2: a quarter of the initial variance lies along the target,
#: giving m(0) = E tanh(1 + sqrt(3) z) = 0.393 (Gauss-Hermite), a cue that is clearly informative
#: but far from the pattern, so the transient carries the retrieval.
DEFAULT_CUE_STRENGTH: float = 1.0

METHODS: tuple[str, ...] = ("euler", "heun", "rk4")

REFERENCES = (
    "Hopfield 1984, PNAS 81, 3088 (graded units, Lyapunov energy); "
    "Krotov & Hopfield 2016, NeurIPS (dense associative memory); "
    "Clark 2025, arXiv:2506.05303 (transient dynamics of graded dense associative memories)"
)


def initial_state(
    targets,
    *,
    gain: float = DEFAULT_GAIN,
    cue_strength: float = DEFAULT_CUE_STRENGTH,
    generators: Sequence[np.random.Generator],
    device: str | torch.device = "cpu",
    dtype: str | torch.dtype | None = None,
) -> torch.Tensor:
    """Cued initial state ``x(0) = a xi^1 + sqrt(g^2 - a^2) z``, ``z ~ N(0, 1)``, shape ``(trial, neuron)``.

    Each unit has variance g^2 for every cue strength a, and m(0) = E tanh(a + sqrt(g^2 - a^2) z)
    (DESIGN.md §3).  Trial k draws exactly ``neuron`` standard normals from ``generators[k]`` on
    the CPU (float64); the state is formed in float64 and only then cast and moved, so a trial's
    x(0) does not depend on batch size, device or dtype.

    Args:
        targets: ``(trial, neuron)`` ±1 target patterns (tensor or array, any device).
        gain: g > 0.
        cue_strength: a in [0, g].
        generators: one ``numpy.random.Generator`` per trial.
        device, dtype: where and how the result is returned ("cpu"/"cuda[:k]"; "float32"/"float64" or
            a torch dtype; None means float32).
    """
    device = resolve_device(device)
    dtype = resolve_dtype(dtype)
    gain = check_real("gain", gain, low=0.0, low_open=True)
    cue_strength = check_real("cue_strength", cue_strength, low=0.0)
    if cue_strength > gain:
        raise ValueError(f"cue_strength must lie in [0, gain] = [0, {gain:g}]; got {cue_strength:g}")
    if isinstance(targets, torch.Tensor):
        targets64 = targets.detach().to("cpu", torch.float64).numpy()
    else:
        targets64 = np.asarray(targets, dtype=np.float64)
    if targets64.ndim != 2 or targets64.shape[0] < 1 or targets64.shape[1] < 1:
        raise ValueError(f"targets must have shape (trial, neuron) with both >= 1; got {targets64.shape}")
    trials, neurons = targets64.shape
    if len(generators) != trials:
        raise ValueError(f"generators must hold one numpy Generator per trial ({trials}); got {len(generators)}")
    noise = np.stack([gen.standard_normal(neurons) for gen in generators])
    x0 = cue_strength * targets64 + math.sqrt(gain * gain - cue_strength * cue_strength) * noise
    return torch.as_tensor(x0).to(device=device, dtype=dtype)


def log_cosh(x: torch.Tensor) -> torch.Tensor:
    """``log cosh x = |x| + log1p(exp(-2|x|)) - log 2``, overflow-free for any x."""
    a = x.abs()
    return a + torch.log1p(torch.exp(-2.0 * a)) - math.log(2.0)


class _GradedField:
    """Overlaps, field and energy of one batch; holds the patterns in the layouts the matmuls need."""

    def __init__(self, patterns: torch.Tensor, *, order: int, gain: float, load: float,
                 self_coupling: bool, batch_invariant: bool) -> None:
        self.order = order
        self.coupling = gain / math.sqrt(load)
        self.self_coupling = self_coupling
        self.shared = patterns.shape[0] == 1
        self.batch_invariant = batch_invariant and self.shared
        self.patterns_count = patterns.shape[1]
        self.neurons = patterns.shape[2]
        if self.shared:
            self.xi = patterns[0].contiguous()              # (pattern, neuron)
            self.xi_t = self.xi.t().contiguous()             # (neuron, pattern)
        else:
            self.xi = patterns.contiguous()                  # (trial, pattern, neuron)
            self.xi_t = self.xi.transpose(1, 2).contiguous() # (trial, neuron, pattern)
        self.target = patterns[:, 0, :]                      # (trial or 1, neuron)
        # sum_mu xi_i^mu: the k = n term of the field without self-coupling when n is even (e_0 = 1).
        self.pattern_sum = patterns.sum(dim=1)               # (trial or 1, neuron)

    def _forward(self, phi: torch.Tensor) -> torch.Tensor:
        """``phi @ xi^T``: ``(trial, neuron) -> (trial, pattern)``."""
        if self.shared and not self.batch_invariant:
            return phi @ self.xi_t
        xi_t = self.xi_t.expand(phi.shape[0], -1, -1) if self.shared else self.xi_t
        return batch_invariant_bmm(phi.unsqueeze(1), xi_t).squeeze(1)

    def _backward(self, c: torch.Tensor) -> torch.Tensor:
        """``c @ xi``: ``(trial, pattern) -> (trial, neuron)``."""
        if self.shared and not self.batch_invariant:
            return c @ self.xi
        xi = self.xi.expand(c.shape[0], -1, -1) if self.shared else self.xi
        return batch_invariant_bmm(c.unsqueeze(1), xi).squeeze(1)

    def overlaps(self, phi: torch.Tensor) -> torch.Tensor:
        """``m = phi xi^T / N``, shape ``(trial, pattern)``."""
        return self._forward(phi).mul_(1.0 / self.neurons)

    def _elementary(self, phi: torch.Tensor, m: torch.Tensor, top: int) -> list[torch.Tensor]:
        """``[e_0, ..., e_top]`` of y^mu = xi^mu phi / N per (trial, pattern) via Newton's identities."""
        n_inv = 1.0 / self.neurons
        power = [None, m]
        for k in range(2, top + 1):
            phik = phi.pow(k)
            if k % 2:
                power.append(self._forward(phik).mul_(n_inv**k))
            else:
                power.append(phik.sum(dim=1, keepdim=True).mul_(n_inv**k))
        e = [torch.ones_like(m)]
        for k in range(1, top + 1):
            acc = torch.zeros_like(m)
            for i in range(1, k + 1):
                acc = acc + (e[k - i] * power[i] if i % 2 else -(e[k - i] * power[i]))
            e.append(acc / k)
        return e

    def field(self, phi: torch.Tensor, m: torch.Tensor) -> torch.Tensor:
        """Local field ``h``, shape ``(trial, neuron)`` (module docstring for both conventions)."""
        n = self.order
        if self.self_coupling:
            c = m if n == 1 else m.pow(n)
            return self._backward(c).mul_(self.coupling)
        e = self._elementary(phi, m, n)
        scale = -phi / self.neurons
        h = torch.zeros_like(phi)
        for k in range(n + 1):
            if k % 2:
                t = e[n - k].sum(dim=1, keepdim=True)
            elif k == n:
                t = self.pattern_sum
            else:
                t = self._backward(e[n - k])
            h = h + (t if k == 0 else scale.pow(k) * t)
        return h.mul_(self.coupling * math.factorial(n))

    def energy(self, x: torch.Tensor, phi: torch.Tensor, m: torch.Tensor) -> torch.Tensor:
        """Lyapunov energy per neuron, shape ``(trial,)``, in the chosen self-coupling convention."""
        n = self.order
        if self.self_coupling:
            interaction = m.pow(n + 1).sum(dim=1) * (-self.coupling / (n + 1))
        else:
            e = self._elementary(phi, m, n + 1)
            interaction = e[n + 1].sum(dim=1) * (-self.coupling * math.factorial(n))
        return interaction + (x * phi - log_cosh(x)).mean(dim=1)

    def drift(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``(dx/dt, phi, m)`` at state ``x``."""
        phi = torch.tanh(x)
        m = self.overlaps(phi)
        return self.field(phi, m).sub_(x), phi, m

    def euler_update(self, x: torch.Tensor, dt: float) -> torch.Tensor:
        """One Euler step ``x + dt (h - x)``; fused into one ``addmm`` when all terms are kept."""
        if self.shared and not self.batch_invariant and (self.self_coupling or self.order == 1):
            phi = torch.tanh(x)
            m = self.overlaps(phi)
            if self.self_coupling:
                c = m if self.order == 1 else m.pow_(self.order)
                return torch.addmm(x, c, self.xi, beta=1.0 - dt, alpha=dt * self.coupling)
            # n = 1 without the Hebbian diagonal: h = G (m xi - (P/N) phi).
            base = x.mul_(1.0 - dt).add_(phi, alpha=-dt * self.coupling * self.patterns_count / self.neurons)
            return torch.addmm(base, m, self.xi, alpha=dt * self.coupling)
        dxdt, _, _ = self.drift(x)
        return x.add_(dxdt, alpha=dt)


def _validate(patterns, x0, order, gain, load, dt, steps, record_every, self_coupling, record_states,
              method, batch_invariant):
    if not isinstance(x0, torch.Tensor) or x0.ndim != 2 or not x0.is_floating_point():
        raise ValueError("x0 must be a floating-point torch.Tensor of shape (trial, neuron)")
    if not isinstance(patterns, torch.Tensor) or patterns.ndim != 3:
        raise ValueError("patterns must be a torch.Tensor of shape (trial or 1, pattern, neuron)")
    trials, neurons = x0.shape
    if trials < 1 or neurons < 1:
        raise ValueError(f"x0 must have at least one trial and one neuron; got shape {tuple(x0.shape)}")
    if patterns.shape[0] not in (1, trials) or patterns.shape[2] != neurons or patterns.shape[1] < 1:
        raise ValueError(
            f"patterns must have shape (1 or {trials}, pattern >= 1, {neurons}) to match x0; "
            f"got {tuple(patterns.shape)}"
        )
    check_int("order", order, minimum=1)
    check_real("gain", gain, low=0.0, low_open=True)
    check_real("load", load, low=0.0, low_open=True)
    check_real("dt", dt, low=0.0, low_open=True)
    check_int("steps", steps, minimum=0)
    check_int("record_every", record_every, minimum=1)
    check_choice("method", method, METHODS)
    for name, flag in (("self_coupling", self_coupling), ("record_states", record_states),
                       ("batch_invariant", batch_invariant)):
        check_choice(name, flag, (True, False))
    if not self_coupling and not bool((patterns.abs() == 1).all()):
        raise ValueError("patterns must hold only -1 and +1 when self_coupling=False (the distinct-index "
                         "sums use xi^2 = 1)")


@torch.inference_mode()
def integrate(
    patterns: torch.Tensor,
    x0: torch.Tensor,
    *,
    order: int,
    gain: float,
    load: float,
    dt: float,
    steps: int,
    record_every: int,
    self_coupling: bool = True,
    record_states: bool = False,
    method: str = "euler",
    batch_invariant: bool = False,
    model=None,
) -> Trajectory:
    """Integrate the graded dynamics for ``steps`` steps of size ``dt`` from ``x0``.

    Args:
        patterns: ``(trial or 1, pattern, neuron)`` ±1 floats; pattern 0 is the target.  Moved to
            ``x0``'s device and dtype.
        x0: ``(trial, neuron)`` initial state (not modified); sets device and dtype of the run.
        order: interaction order n >= 1.
        gain: g > 0; the coupling is G = g / sqrt(load).
        load: alpha > 0 (only enters through G; P is ``patterns.shape[1]``).  Pass the realised load
            P / N^n of the patterns (as ``simulate`` does), not a requested value that P = round(alpha N^n)
            only approximates.
        dt: step in units of the time constant.
        steps: number of steps (>= 0); the horizon is ``steps * dt``.
        record_every: record the series every this many steps, and at time 0.
        self_coupling: keep (True) or remove (False) the repeated-index terms (module docstring).
        record_states: also return the full states x, ``(trial, record, neuron)``.
        method: "euler", "heun" or "rk4".
        batch_invariant: with shared patterns, use one matrix-vector product per trial so that a
            trial's result is bit-identical whatever the batch it runs in (about 3x slower on CPU).
            Per-trial patterns are always batch-invariant.
        model: the :class:`~hopfield_hclm.memory.models.base.MemoryModel` whose
            ``graded_field`` gives the field (None: the polynomial F = x^(n+1) of ``order``).

    Returns:
        :class:`Trajectory` with ``len(time) == steps // record_every + 1`` and the series of
        :data:`GRADED_SERIES`, each ``(trial, record)``: overlap m^1 = (1/N) sum xi^1 phi;
        max_other_overlap max_{mu>=2} |m^mu| (NaN when P = 1); energy per neuron; speed
        |dx/dt| / sqrt(N); retrieval_force (1/N) sum xi^1_i (1 - phi_i^2) dx_i/dt = dm^1/dt.

    Raises:
        ValueError: bad arguments (before any work).
        FloatingPointError: a recorded series or the final state is NaN/Inf (names series and time).

    Memory is O(trial x (neuron + pattern)) plus O(trial x record) whatever ``steps``; the series are
    kept on the device and checked for non-finite values once, at the end.
    """
    _validate(patterns, x0, order, gain, load, dt, steps, record_every, self_coupling, record_states,
              method, batch_invariant)
    device, dtype = x0.device, x0.dtype
    patterns = patterns.to(device=device, dtype=dtype)
    if model is None:
        fld = _GradedField(patterns, order=order, gain=gain, load=load, self_coupling=self_coupling,
                           batch_invariant=batch_invariant)
    else:
        fld = model.graded_field(patterns, gain=gain, load=load, self_coupling=self_coupling,
                                 batch_invariant=batch_invariant)
    trials, neurons = x0.shape
    records = steps // record_every + 1
    buffers = {name: torch.empty(records, trials, device=device, dtype=dtype) for name in GRADED_SERIES}
    states = torch.empty(records, trials, neurons, device=device, dtype=dtype) if record_states else None
    target = fld.target
    sqrt_n = math.sqrt(neurons)

    def record(k: int, x: torch.Tensor, dxdt: torch.Tensor, phi: torch.Tensor, m: torch.Tensor) -> None:
        buffers["overlap"][k] = m[:, 0]
        if m.shape[1] > 1:
            buffers["max_other_overlap"][k] = m[:, 1:].abs().amax(dim=1)
        else:
            buffers["max_other_overlap"][k] = float("nan")
        buffers["energy"][k] = fld.energy(x, phi, m)
        buffers["speed"][k] = torch.linalg.vector_norm(dxdt, dim=1) / sqrt_n
        buffers["retrieval_force"][k] = (target * (1.0 - phi * phi) * dxdt).mean(dim=1)
        if states is not None:
            states[k] = x

    def step(x: torch.Tensor, k1: torch.Tensor | None) -> torch.Tensor:
        if method == "euler":
            return x.add_(k1, alpha=dt) if k1 is not None else fld.euler_update(x, dt)
        if k1 is None:
            k1 = fld.drift(x)[0]
        if method == "heun":
            k2 = fld.drift(x + dt * k1)[0]
            return x.add_(k1 + k2, alpha=0.5 * dt)
        k2 = fld.drift(x + (0.5 * dt) * k1)[0]
        k3 = fld.drift(x + (0.5 * dt) * k2)[0]
        k4 = fld.drift(x + dt * k3)[0]
        return x.add_(k1 + 2.0 * k2 + 2.0 * k3 + k4, alpha=dt / 6.0)

    x = x0.detach().clone()
    for s in range(steps):
        if s % record_every == 0:
            dxdt, phi, m = fld.drift(x)
            record(s // record_every, x, dxdt, phi, m)
            x = step(x, dxdt)
        else:
            x = step(x, None)
    if steps % record_every == 0:
        dxdt, phi, m = fld.drift(x)
        record(steps // record_every, x, dxdt, phi, m)

    time = record_times(steps, record_every, dt)
    _check_finite(buffers, x, time, steps * dt, skip_other=patterns.shape[1] == 1)
    series = {name: buf.t() for name, buf in buffers.items()}
    info = {
        "method": method, "dt": dt, "gain": gain, "load": load, "order": order,
        "self_coupling": self_coupling, "patterns": int(patterns.shape[1]), "neurons": neurons,
        "batch_invariant": batch_invariant,
        "self_coupling_convention": (
            "all repeated-index terms kept" if self_coupling
            else "only terms with all n+1 indices distinct kept (p-spin convention)"
        ),
        "references": REFERENCES,
    }
    return Trajectory(time=time, series=series,
                      states=None if states is None else states.permute(1, 0, 2), info=info)


def _check_finite(buffers: dict[str, torch.Tensor], x: torch.Tensor, time: np.ndarray, horizon: float,
                  *, skip_other: bool) -> None:
    first_bad: tuple[int, str] | None = None
    for name, buf in buffers.items():
        if skip_other and name == "max_other_overlap":
            continue
        bad_rows = (~torch.isfinite(buf)).any(dim=1).nonzero()
        if bad_rows.numel():
            k = int(bad_rows[0, 0])
            if first_bad is None or k < first_bad[0]:
                first_bad = (k, name)
    if first_bad is not None:
        k, name = first_bad
        raise FloatingPointError(f"graded dynamics produced a non-finite {name} at time {time[k]:g} (record {k})")
    if not bool(torch.isfinite(x).all()):
        raise FloatingPointError(f"graded dynamics produced a non-finite state x by time {horizon:g}")
