"""The controlled task: a planted low-dimensional signal among nuisance dimensions, and a small MLP.

Data (Tran 2026 §9 asks for "controlled representation-learning tasks"; these settings are ours):
``x ~ N(0, I_D)``; ``u = Qᵀx`` with ``Q`` a random ``D×k`` orthonormal basis (the planted signal);
the clean label is ``1[u₁ + u₂ + ½u₃u₄ > 0]`` (``k ≥ 4``; for ``k < 4`` only ``u₁ + u₂`` or ``u₁``),
then flipped with probability ``label_noise``. Only ``k`` of ``D`` directions carry signal, the
training set is small and the labels noisy, so an MLP of a few thousand parameters can overfit.
The shifted test set scales the nuisance components (orthogonal to ``Q``) by ``shift_scale``: a
covariate shift that hurts exactly the models that learned nuisance directions. All draws come
from one numpy Generator on the CPU (DESIGN §6), so the data never depend on device.

Model: ``x (sample, D) -> tanh(W₁x + b₁) (sample, hidden) -> W₂· + b₂ = h(x) (sample, width)``;
``Z = h(x) + σε``; logit ``f = w₃ᵀZ + b₃``. Weights start ``U(±1/√fan_in)`` drawn from numpy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from ..core.validation import check_int

__all__ = ["TASKS", "RepresentationMLP", "TaskData", "TaskSpec", "make_task"]


@dataclass(frozen=True)
class TaskData:
    """Float32 CPU tensors: inputs ``(sample, input_dim)`` and labels ``(sample,)`` in {0, 1}."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    x_shift: torch.Tensor
    y_shift: torch.Tensor
    x_feedback: torch.Tensor
    y_feedback: torch.Tensor

    def to(self, device: torch.device, dtype: torch.dtype) -> "TaskData":
        return TaskData(**{k: getattr(self, k).to(device=device, dtype=dtype) for k in self.__dataclass_fields__})

    def all_finite(self) -> bool:
        return all(bool(torch.isfinite(getattr(self, k)).all()) for k in self.__dataclass_fields__)


def _signal(u: np.ndarray) -> np.ndarray:
    k = u.shape[1]
    f = u[:, : min(k, 2)].sum(1)
    if k >= 4:
        f = f + 0.5 * u[:, 2] * u[:, 3]
    return f


def make_task(rng: np.random.Generator, *, input_dim: int = 16, signal_dim: int = 4, n_train: int = 256,
              n_test: int = 2048, n_feedback: int = 512, label_noise: float = 0.1,
              shift_scale: float = 2.0) -> TaskData:
    """Draw the task (arguments validated by the caller, :func:`~.train.validate_run_args`)."""
    q, _ = np.linalg.qr(rng.standard_normal((input_dim, signal_dim)))

    def draw(n: int, nuisance_scale: float = 1.0) -> tuple[torch.Tensor, torch.Tensor]:
        x = rng.standard_normal((n, input_dim))
        if nuisance_scale != 1.0:
            sig = x @ q @ q.T
            x = sig + nuisance_scale * (x - sig)
        clean = (_signal(x @ q) > 0).astype(np.float64)
        flip = rng.random(n) < label_noise
        y = np.where(flip, 1.0 - clean, clean)
        return torch.from_numpy(x.astype(np.float32)), torch.from_numpy(y.astype(np.float32))

    x_tr, y_tr = draw(n_train)
    x_te, y_te = draw(n_test)
    x_sh, y_sh = draw(n_test, shift_scale)
    x_fb, y_fb = draw(n_feedback)
    return TaskData(x_tr, y_tr, x_te, y_te, x_sh, y_sh, x_fb, y_fb)


class RepresentationMLP(nn.Module):
    """``encode: (sample, input_dim) -> (sample, width)``; ``forward(x, noise) -> logit (sample, 1)``."""

    def __init__(self, input_dim: int, hidden: int, width: int, *, rng: np.random.Generator,
                 device: torch.device, dtype: torch.dtype):
        super().__init__()
        self.fc1 = nn.Linear(input_dim, hidden, device=device, dtype=dtype)
        self.fc2 = nn.Linear(hidden, width, device=device, dtype=dtype)
        self.out = nn.Linear(width, 1, device=device, dtype=dtype)
        with torch.no_grad():
            for layer in (self.fc1, self.fc2, self.out):
                bound = 1.0 / np.sqrt(layer.in_features)
                for p in (layer.weight, layer.bias):
                    p.copy_(torch.from_numpy(rng.uniform(-bound, bound, size=tuple(p.shape))))

    def encode(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """``h(x)``; ``mask (sample, hidden)`` multiplies the tanh layer (dropout, training only)."""
        a = torch.tanh(self.fc1(x))
        return self.fc2(a if mask is None else a * mask)

    @property
    def dropout_features(self) -> int:
        """Width of the layer dropout acts on (the tanh hidden layer)."""
        return self.fc1.out_features

    def head(self, z: torch.Tensor) -> torch.Tensor:
        return self.out(z)

    def forward(self, x: torch.Tensor, *, noise: torch.Tensor | None = None) -> torch.Tensor:
        z = self.encode(x)
        return self.head(z if noise is None else z + noise)

    @torch.no_grad()
    def logit_jacobian(self, x: torch.Tensor, noise: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Closed-form per-sample Jacobian of the logit, ``(sample, parameter)`` in ``parameters()`` order.

        With ``a = tanh(W₁x + b₁)``, ``Z = W₂a + b₂ + n``, ``f = w₃ᵀZ + b₃`` and ``δ = (W₂ᵀw₃) ⊙ (1 - a²)``:
        ``∂f/∂W₁ = δ xᵀ``, ``∂f/∂b₁ = δ``, ``∂f/∂W₂ = w₃ aᵀ``, ``∂f/∂b₂ = w₃``, ``∂f/∂w₃ = Z``, ``∂f/∂b₃ = 1``.
        Returns the Jacobian and the logits ``(sample,)``.
        """
        n = x.shape[0]
        a = torch.tanh(self.fc1(x))
        z = self.fc2(a) + noise
        w3 = self.out.weight.reshape(-1)
        delta = (w3 @ self.fc2.weight) * (1.0 - a * a)
        parts = [
            (delta.unsqueeze(2) * x.unsqueeze(1)).reshape(n, -1), delta,
            (w3.view(1, -1, 1) * a.unsqueeze(1)).reshape(n, -1), w3.expand(n, -1),
            z, torch.ones(n, 1, dtype=x.dtype, device=x.device),
        ]
        return torch.cat(parts, dim=1), self.head(z).reshape(-1)


@dataclass(frozen=True)
class TaskSpec:
    """One registered task: how to get its data and build its network from a run's configuration.

    ``make_data(task, rng) -> TaskData`` gets the task part (:class:`~.config.TaskConfig`: sizes,
    ``label_noise``, ...) and the run's data Generator. ``build_network(model, input_dim, rng, device,
    dtype)`` gets the model part (:class:`~.config.ModelConfig`: ``hidden``, ``width``, ...) and the
    weight-init Generator and returns a module with the interface of :class:`RepresentationMLP`:
    ``encode(x) -> h (sample, width)``, ``head(z) -> logit (sample, 1)``, ``forward(x)`` and
    ``logit_jacobian(x, noise) -> ((sample, parameter), (sample,))``. ``check(task)`` (optional) raises
    ``ValueError`` for task settings this task cannot honour.
    """

    name: str
    make_data: Callable[[Any, np.random.Generator], TaskData]
    build_network: Callable[..., nn.Module]
    check: Callable[[Any], None] | None = None
    doc: str = ""


def _synthetic_data(task, rng: np.random.Generator) -> TaskData:
    return make_task(rng, input_dim=task.input_dim, signal_dim=task.signal_dim, n_train=task.n_train,
                     n_test=task.n_test, n_feedback=task.n_feedback, label_noise=task.label_noise,
                     shift_scale=task.shift_scale)


def _mlp(model, input_dim: int, rng: np.random.Generator, device: torch.device, dtype: torch.dtype) -> nn.Module:
    return RepresentationMLP(input_dim, model.hidden, model.width, rng=rng, device=device, dtype=dtype)


def _check_synthetic(task) -> None:
    check_int("signal_dim", task.signal_dim, minimum=1, maximum=task.input_dim)


#: task name -> :class:`TaskSpec`. A new task is one entry (its loader and its network builder).
TASKS: dict[str, TaskSpec] = {
    "synthetic": TaskSpec("synthetic", _synthetic_data, _mlp, _check_synthetic,
                          "planted low-dimensional signal among nuisance dimensions (this module)"),
}
