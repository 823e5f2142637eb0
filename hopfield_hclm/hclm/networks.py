"""Small networks for the real-data tasks, each exposing the representation the surrogates act on.

Every network has the interface of :class:`~.tasks.RepresentationMLP`:
``encode(x, mask=None) -> h (sample, width)`` (the representation before the noise),
``head(z) -> logits (sample, n_out)`` (a linear read-out of ``Z = h + σε``) and
``forward(x, noise=None) = head(encode(x) + noise)``. Inputs are flattened ``(sample, input_dim)``;
a CNN reshapes them to its image or signal shape. ``mask`` (shape ``(sample, dropout_features)``)
multiplies the last hidden layer, the one that feeds the representation layer: that is where
dropout acts (:mod:`.regularizers`); ``mask=None`` (evaluation) leaves it untouched.

Architectures (ours, chosen small so that a run takes a second or two on one CPU thread and
overfits a training subset of a few hundred examples; ReLU throughout, the standard choice for
these benchmarks):

- :class:`MLP` — ``input → Linear(hidden) → ReLU → [mask] → Linear(width) = h``;
- :class:`CNN2d` (8×8 digits) — ``Conv2d(1→c₁, 3×3, pad 1) → ReLU → MaxPool 2 → Conv2d(c₁→c₂, 3×3,
  pad 1) → ReLU → MaxPool 2 → flatten (c₂·2·2) → [mask] → Linear(width) = h``;
- :class:`CNN1d` (MNIST-1D, length 40) — ``Conv1d(1→c₁, k 5, pad 2) → ReLU → MaxPool 2 →
  Conv1d(c₁→c₂, k 5, pad 2) → ReLU → MaxPool 2 → flatten (c₂·10) → [mask] → Linear(width) = h``.

Every weight and bias starts ``U(±1/√fan_in)`` (PyTorch's default bound) drawn from a numpy
Generator on the CPU, so initial weights never depend on device (DESIGN §6).

The metric force of a K-class softmax head (:func:`multiclass_metric_force`) uses the Gauss–Newton
matrix ``G = (1/n) Σ_i J_iᵀ (diag p_i − p_i p_iᵀ) J_i + δI`` with ``J_i = ∂f_i/∂θ (K, parameter)``,
which equals the Fisher information of the categorical likelihood (Martens, JMLR 21, 2020, §9).
With ``M_i = diag(√p_i) − √p_i p_iᵀ`` one has ``M_iᵀ M_i = diag p_i − p_i p_iᵀ`` (since Σ p = 1), so
the ``n·K`` rows ``M_i J_i`` feed the exact Woodbury solve of :func:`~.force.metric_force`.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ..core.validation import check_choice, check_int
from .force import metric_force

__all__ = ["CNN1d", "CNN2d", "MLP", "NETWORKS", "make_network", "multiclass_metric_force", "output_jacobian"]

NETWORKS = ("mlp", "cnn")


def _uniform_init(module: nn.Module, rng: np.random.Generator) -> None:
    """Every Linear/Conv weight and bias ~ U(±1/√fan_in), drawn from ``rng`` in module order."""
    with torch.no_grad():
        for layer in module.modules():
            if isinstance(layer, (nn.Linear, nn.Conv1d, nn.Conv2d)):
                fan_in = layer.weight[0].numel()
                bound = 1.0 / np.sqrt(fan_in)
                for p in (layer.weight, layer.bias):
                    p.copy_(torch.from_numpy(rng.uniform(-bound, bound, size=tuple(p.shape))))


class _Representation(nn.Module):
    """Shared read-out: ``features(x) -> (sample, dropout_features)``, then ``rep`` and ``out``."""

    dropout_features: int

    def features(self, x: torch.Tensor) -> torch.Tensor:  # pragma: no cover - abstract
        raise NotImplementedError

    def encode(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        a = self.features(x)
        if mask is not None:
            a = a * mask
        return self.rep(a)

    def head(self, z: torch.Tensor) -> torch.Tensor:
        return self.out(z)

    def forward(self, x: torch.Tensor, *, noise: torch.Tensor | None = None) -> torch.Tensor:
        z = self.encode(x)
        return self.head(z if noise is None else z + noise)


class MLP(_Representation):
    """``(sample, input_dim) -> h (sample, width)`` through one ReLU hidden layer of ``hidden`` units."""

    def __init__(self, input_dim: int, hidden: int, width: int, n_out: int, *, rng: np.random.Generator,
                 device=None, dtype=None):
        super().__init__()
        self.fc1 = nn.Linear(input_dim, hidden, device=device, dtype=dtype)
        self.rep = nn.Linear(hidden, width, device=device, dtype=dtype)
        self.out = nn.Linear(width, n_out, device=device, dtype=dtype)
        self.dropout_features = hidden
        _uniform_init(self, rng)

    def features(self, x):
        return torch.relu(self.fc1(x))


class CNN2d(_Representation):
    """Two 3×3 conv + max-pool blocks on ``image_shape`` (both sides divisible by 4), then ``Linear(width)``."""

    def __init__(self, image_shape: tuple[int, int], width: int, n_out: int, *, channels=(8, 16),
                 rng: np.random.Generator, device=None, dtype=None):
        super().__init__()
        self.image_shape = tuple(int(s) for s in image_shape)
        c1, c2 = channels
        self.conv1 = nn.Conv2d(1, c1, 3, padding=1, device=device, dtype=dtype)
        self.conv2 = nn.Conv2d(c1, c2, 3, padding=1, device=device, dtype=dtype)
        flat = c2 * (self.image_shape[0] // 4) * (self.image_shape[1] // 4)
        self.rep = nn.Linear(flat, width, device=device, dtype=dtype)
        self.out = nn.Linear(width, n_out, device=device, dtype=dtype)
        self.dropout_features = flat
        _uniform_init(self, rng)

    def features(self, x):
        a = x.reshape(x.shape[0], 1, *self.image_shape)
        a = torch.max_pool2d(torch.relu(self.conv1(a)), 2)
        a = torch.max_pool2d(torch.relu(self.conv2(a)), 2)
        return a.flatten(1)


class CNN1d(_Representation):
    """Two kernel-5 conv + max-pool blocks on a signal of ``length`` (divisible by 4), then ``Linear(width)``."""

    def __init__(self, length: int, width: int, n_out: int, *, channels=(8, 16), rng: np.random.Generator,
                 device=None, dtype=None):
        super().__init__()
        self.length = int(length)
        c1, c2 = channels
        self.conv1 = nn.Conv1d(1, c1, 5, padding=2, device=device, dtype=dtype)
        self.conv2 = nn.Conv1d(c1, c2, 5, padding=2, device=device, dtype=dtype)
        flat = c2 * (self.length // 4)
        self.rep = nn.Linear(flat, width, device=device, dtype=dtype)
        self.out = nn.Linear(width, n_out, device=device, dtype=dtype)
        self.dropout_features = flat
        _uniform_init(self, rng)

    def features(self, x):
        a = x.reshape(x.shape[0], 1, self.length)
        a = torch.max_pool1d(torch.relu(self.conv1(a)), 2)
        a = torch.max_pool1d(torch.relu(self.conv2(a)), 2)
        return a.flatten(1)


def make_network(network: str, *, input_shape: tuple[int, ...], hidden: int, width: int, n_out: int,
                 rng: np.random.Generator, device=None, dtype=None) -> _Representation:
    """``"mlp"`` (any input) or ``"cnn"`` (2-D for an image shape, 1-D for a signal length)."""
    check_choice("network", network, NETWORKS)
    check_int("width", width, minimum=1)
    check_int("n_out", n_out, minimum=1)
    if network == "mlp":
        return MLP(int(np.prod(input_shape)), check_int("hidden", hidden, minimum=1), width, n_out, rng=rng,
                   device=device, dtype=dtype)
    if any(s % 4 for s in input_shape):
        raise ValueError(f"network='cnn' needs input sides divisible by 4; got input_shape={input_shape}")
    if len(input_shape) == 2:
        return CNN2d(input_shape, width, n_out, rng=rng, device=device, dtype=dtype)
    if len(input_shape) == 1:
        return CNN1d(input_shape[0], width, n_out, rng=rng, device=device, dtype=dtype)
    raise ValueError(f"network='cnn' needs a 1-D or 2-D input_shape; got {input_shape}")


def output_jacobian(model: nn.Module, x: torch.Tensor, noise: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-sample Jacobian of the logits, ``(sample, n_out, parameter)``, and the logits ``(sample, n_out)``.

    The logits are ``head(encode(x) + noise)``; parameters in ``model.parameters()`` order (as
    :func:`~.flow.flat_grad`). Computed with ``torch.func`` (vmap over samples of jacrev).
    """
    from torch.func import functional_call, jacrev, vmap

    names = [n for n, _ in model.named_parameters()]
    values = tuple(p.detach() for _, p in model.named_parameters())

    def logits(params, xi, ni):
        out = functional_call(model, dict(zip(names, params)), (xi.unsqueeze(0),), kwargs={"noise": ni.unsqueeze(0)})
        return out.reshape(-1)

    jac = vmap(jacrev(logits), in_dims=(None, 0, 0))(values, x, noise)
    n = x.shape[0]
    flat = torch.cat([j.reshape(n, j.shape[1], -1) for j in jac], dim=2)
    with torch.no_grad():
        out = model(x, noise=noise)
    return flat, out


def multiclass_metric_force(grad_entropy: torch.Tensor, model: nn.Module, x: torch.Tensor, noise: torch.Tensor, *,
                            damping: float = 1e-2) -> torch.Tensor:
    """``sqrt(∇Hᵀ G⁻¹ ∇H)`` with the softmax Gauss–Newton (= Fisher) matrix on the samples ``x``.

    Shapes: ``grad_entropy (parameter,)``, ``x (sample, input_dim)``, ``noise (sample, width)``. See
    the module docstring for ``G`` and the factor ``M_i``; the solve is :func:`~.force.metric_force`
    on the ``sample·K`` rows ``M_i J_i`` with weight K each (so that its ``1/(sample·K)`` becomes ``1/sample``).
    NaN when the Jacobian, the logits or ``grad_entropy`` hold a non-finite value (a model whose outputs
    overflowed on the probe batch; the training loop stops on non-finite training quantities itself).
    """
    jac, logits = output_jacobian(model, x, noise)
    if not (torch.isfinite(jac).all() and torch.isfinite(logits).all() and torch.isfinite(grad_entropy).all()):
        return torch.tensor(float("nan"), dtype=torch.float64)   # an overflowed probe: NaN, not a failed solve
    n, k, _ = jac.shape
    p = torch.softmax(logits.double(), dim=-1)
    sq = p.sqrt()
    m = torch.diag_embed(sq) - sq.unsqueeze(2) * p.unsqueeze(1)   # M[i, a, b] = δ_ab √p_a − √p_a p_b
    rows = (m.to(jac.dtype) @ jac).reshape(n * k, -1)
    return metric_force(grad_entropy, rows, torch.full((n * k,), float(k), dtype=rows.dtype, device=rows.device),
                        damping=damping)
