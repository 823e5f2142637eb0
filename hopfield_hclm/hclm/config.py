"""The configuration of one HCLM run, in parts: task, model, surrogate, controller, optimiser.

:class:`RunConfig` composes five frozen parts and the run-level settings (epochs, seed, device,
instrumentation). Every field is declared once with :func:`~.params.setting`: its flat keyword of
:func:`~.train.run` (``run(lr=0.1)`` sets ``optimiser.lr``; the part names map to ``task``,
``surrogate``, ``regime`` and ``optimizer``), its check and whether it is stored in the run's
``config`` attribute. :meth:`RunConfig.from_flat` routes flat keywords by that declaration, and
:meth:`RunConfig.recorded` writes them back flat, so sweeps, TOML files and stored Datasets keep
the flat names. A surrogate's own hyper-parameters are declared in its registry entry
(:data:`~.surrogates.SURROGATES`) and routed to ``surrogate.options``.

To add a setting: one ``setting(...)`` line in the part it belongs to (``record="if_set"`` keeps the
stored config of earlier runs unchanged while it has its default). To add a task: one entry in
:data:`~.tasks.TASKS`; a regime: one entry in :data:`~.controllers.CONTROLLERS`; an optimiser: one
entry in :data:`OPTIMIZERS`; a surrogate: one entry in :data:`~.surrogates.SURROGATES`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch

from ..core.devices import resolve_device, resolve_dtype
from .controllers import CONTROLLERS, check_bounds
from .params import RECORD_IF_SET, boolean, checked_fields, choice, field_key, integer, real, recorded_fields, setting
from .surrogates import DEFAULT_EPS, SURROGATES, get_surrogate, surrogate_option_keys
from .networks import NETWORKS
from .real_tasks import check_network, n_classes  # also registers the real tasks in TASKS
from .regularizers import REGULARIZERS, Regularizer, make_regularizer
from .tasks import TASKS

__all__ = [
    "OPTIMIZERS", "ControllerConfig", "ModelConfig", "OptimiserConfig", "RunConfig", "SurrogateConfig", "TaskConfig",
    "flat_keywords",
]

#: optimiser name -> ``factory(params, part) -> torch.optim.Optimizer`` (``part``: :class:`OptimiserConfig`)
OPTIMIZERS: dict[str, Callable[[list, Any], torch.optim.Optimizer]] = {
    "sgd": lambda params, o: torch.optim.SGD(params, lr=o.lr),
    "adam": lambda params, o: torch.optim.Adam(params, lr=o.lr),
}

_POS = real(0.0, low_open=True)
_NONNEG = real(0.0)


class _Part:
    """A frozen part: :meth:`checked` runs every declared field's check, then :meth:`_joint`."""

    def checked(self):
        part = dataclasses.replace(self, **checked_fields(self))
        part._joint()
        return part

    def _joint(self) -> None:
        """Checks across this part's fields (after each field's own check)."""


@dataclass(frozen=True)
class TaskConfig(_Part):
    """The data: which task (:data:`~.tasks.TASKS`) and its sizes (Tran 2026 §9 "controlled tasks")."""

    name: str = setting("synthetic", choice(lambda: TASKS), key="task", record=RECORD_IF_SET)
    input_dim: int = setting(16, integer(1))
    signal_dim: int = setting(4, integer(1))
    n_train: int = setting(256, integer(2))
    n_test: int = setting(2048, integer(1))
    n_feedback: int = setting(512, integer(1))
    label_noise: float = setting(0.1, real(0.0, 0.5))
    shift_scale: float = setting(2.0, _NONNEG)

    def _joint(self) -> None:
        spec = TASKS[self.name]
        if spec.check is not None:
            spec.check(self)


@dataclass(frozen=True)
class ModelConfig(_Part):
    """The network ``h_θ`` (built by the task's ``build_network``) and the representation noise σ."""

    hidden: int = setting(64, integer(1))
    width: int = setting(32, integer(1))
    sigma: float = setting(0.1, _NONNEG)
    #: the network of a real task (:data:`~.networks.NETWORKS`); None = the task's default (digits: cnn,
    #: mnist1d: mlp); the synthetic task has its own tanh MLP (None or "mlp")
    network: str | None = setting(None, choice(lambda: NETWORKS), optional=True, record=RECORD_IF_SET)


@dataclass(frozen=True)
class SurrogateConfig(_Part):
    """The entropy surrogate H (:data:`~.surrogates.SURROGATES`), its floor ε and its own options.

    ``eps=None`` means :data:`~.surrogates.DEFAULT_EPS`. ``options``: ``((flat keyword, value), ...)``
    of the chosen surrogate's declared hyper-parameters, defaults filled (empty for the closed-form ones).
    """

    name: str = setting("logdet", choice(lambda: SURROGATES), key="surrogate")
    eps: float | None = setting(None, _POS, optional=True)  # the surrogate floor ε, not σ²
    options: tuple[tuple[str, Any], ...] = ()

    @property
    def floor(self) -> float:
        """``eps``, or :data:`~.surrogates.DEFAULT_EPS` (1e-4) if None."""
        return DEFAULT_EPS if self.eps is None else self.eps

    def checked(self):
        part = super().checked()
        return dataclasses.replace(part, options=get_surrogate(part.name).resolve_options(dict(part.options)))

    def bind(self, seed: int | None = None):
        """The surrogate ``h(z, eps)`` with this part's options (probes from ``seed`` if it draws any)."""
        return get_surrogate(self.name).bind(self.options, seed)


@dataclass(frozen=True)
class ControllerConfig(_Part):
    """The regime setting λ_t (:data:`~.controllers.CONTROLLERS`), its parameters and the simulated rater."""

    name: str = setting("fixed", choice(lambda: CONTROLLERS), key="regime")
    coef: float = setting(0.1, _NONNEG)
    coef_min: float = setting(0.0, _NONNEG)
    coef_max: float = setting(1.0, _NONNEG)
    smoothing: float = setting(0.1, real(0.0, 1.0, low_open=True))
    target_entropy: float | None = setting(None, real(), optional=True)
    dual_lr: float = setting(0.01, _POS)
    policy_std: float = setting(0.5, _POS)
    rl_lr: float = setting(0.5, _NONNEG)
    cost_fp: float = setting(1.0, _POS)
    cost_fn: float = setting(4.0, _POS)
    reward_noise: float = setting(0.0, _NONNEG)
    reward_delay: int = setting(0, integer(0))

    def _joint(self) -> None:
        check_bounds(self.coef_min, self.coef_max)
        if self.name == "rl" and self.coef_max <= 0:
            raise ValueError("coef_max must be > 0 for regime='rl' (the policy acts on log λ)")


@dataclass(frozen=True)
class OptimiserConfig(_Part):
    """The optimiser (:data:`OPTIMIZERS`), its step, the batch, and the extra energy terms.

    ``weight_decay`` μ adds ``½ μ ‖θ‖²`` and ``risk_weight`` κ the rater's cost-weighted log-loss to
    ``L`` (:class:`~.train.ExtraTerms`); a new regulariser is one ``setting`` line here plus its term.
    """

    name: str = setting("sgd", choice(lambda: OPTIMIZERS), key="optimizer")
    lr: float = setting(0.5, _POS)
    batch_size: int = setting(32, integer(2))
    weight_decay: float = setting(0.0, _NONNEG)
    risk_weight: float = setting(0.0, _NONNEG)
    #: the comparison arm (:data:`~.regularizers.REGULARIZERS`) and its strength; one implementation each
    #: in :mod:`.regularizers` (``weight_decay`` above is the same penalty as regularizer="weight_decay")
    regularizer: str | None = setting(None, choice(lambda: REGULARIZERS), optional=True, record=RECORD_IF_SET)
    regularizer_strength: float = setting(0.0, real(), record=RECORD_IF_SET)

    def _joint(self) -> None:
        make_regularizer(self.regularizer, self.regularizer_strength)
        if self.regularizer == "weight_decay" and self.weight_decay:
            raise ValueError("weight_decay must be 0 with regularizer='weight_decay' (the same penalty twice); "
                             f"got weight_decay={self.weight_decay:g}")

    @property
    def regularization(self) -> Regularizer:
        """The validated :class:`~.regularizers.Regularizer` of this part."""
        return make_regularizer(self.regularizer, self.regularizer_strength)


def _check_device(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a string such as 'cpu' or 'cuda:0'; got {value!r}")
    resolve_device(value)
    return value


def _check_dtype(name: str, value: Any) -> str:
    dtype = resolve_dtype(value)
    if dtype not in (torch.float32, torch.float64):
        raise ValueError(f"{name} must be 'float32' or 'float64'; got {value!r}")
    return str(dtype).removeprefix("torch.")


#: the parts of :class:`RunConfig`, in the order they are validated
PARTS: dict[str, type[_Part]] = {
    "task": TaskConfig, "model": ModelConfig, "surrogate": SurrogateConfig, "controller": ControllerConfig,
    "optimiser": OptimiserConfig,
}


@dataclass(frozen=True)
class RunConfig:
    """Resolved settings of :func:`~.train.run`: five parts and the run-level settings.

    Reading a flat keyword as an attribute (``cfg.lr``, ``cfg.n_train``) reads the field it routes to;
    the part names themselves (``cfg.surrogate``, ...) are the parts.
    """

    task: TaskConfig = TaskConfig()
    model: ModelConfig = ModelConfig()
    surrogate: SurrogateConfig = SurrogateConfig()
    controller: ControllerConfig = ControllerConfig()
    optimiser: OptimiserConfig = OptimiserConfig()
    epochs: int = setting(50, integer(1))
    seed: int = setting(0, integer(0))
    device: str = setting("cpu", _check_device)
    dtype: str = setting("float32", _check_dtype)
    fisher_samples: int = setting(128, integer(1))
    damping: float = setting(1e-2, _POS)
    measure_entropy_change: bool = setting(True, boolean())
    record_steps: bool = setting(False, boolean())
    on_nan: str = setting("raise", choice(lambda: ("raise", "return")))
    threads: int | None = setting(1, integer(1), optional=True)

    @classmethod
    def from_flat(cls, **kwargs) -> "RunConfig":
        """Route flat keywords of :func:`~.train.run` to their parts and check everything.

        Raises ``ValueError`` naming the argument (unknown keywords too); allocates nothing.
        """
        routes = _routes()
        options = surrogate_option_keys()
        unknown = sorted(set(kwargs) - set(routes) - set(options))
        if unknown:
            raise ValueError(f"unknown argument(s) {', '.join(unknown)}; allowed: {', '.join(flat_keywords())}")
        parts: dict[str, dict[str, Any]] = {name: {} for name in PARTS}
        top: dict[str, Any] = {}
        for key, value in kwargs.items():
            if key in options:
                parts["surrogate"].setdefault("options", []).append((key, value))
                continue
            part, field_name = routes[key]
            (top if part is None else parts[part])[field_name] = value
        built = {name: PARTS[name](**{k: tuple(v) if k == "options" else v for k, v in fields.items()}).checked()
                 for name, fields in parts.items()}
        cfg = cls(**built, **top)
        cfg = dataclasses.replace(cfg, **checked_fields(cfg))
        cfg._joint()
        return cfg

    def _joint(self) -> None:
        check_network(self.task.name, self.model.network)
        if n_classes(self.task.name) > 2 and self.optimiser.risk_weight:
            raise ValueError(f"risk_weight must be 0 for task={self.task.name!r} (the decision-risk term is binary)")
        n_train, bsz = self.task.n_train, self.optimiser.batch_size
        integer(1, n_train)("fisher_samples", self.fisher_samples)
        if bsz > n_train:
            raise ValueError(f"batch_size must be <= n_train={n_train}; got {bsz}")
        min_batch = get_surrogate(self.surrogate.name).min_batch
        if bsz < min_batch:
            raise ValueError(f"batch_size must be >= {min_batch} for surrogate={self.surrogate.name!r}; got {bsz}")

    def recorded(self) -> dict[str, Any]:
        """``{flat keyword: value}`` stored in a run's ``config`` attribute (the surrogate's options flat)."""
        out: dict[str, Any] = {}
        for name in PARTS:
            part = getattr(self, name)
            out.update(recorded_fields(part))
            if name == "surrogate":
                out.update(dict(part.options))
        out.update(recorded_fields(self))
        return out

    @property
    def steps_per_epoch(self) -> int:
        return self.task.n_train // self.optimiser.batch_size

    @property
    def surrogate_eps(self) -> float:
        """The surrogates' numerical floor ε: ``eps``, or :data:`~.surrogates.DEFAULT_EPS` (1e-4) if None."""
        return self.surrogate.floor

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in PARTS:  # not yet set (copy, unpickling): no flat lookup
            raise AttributeError(name)
        route = _routes().get(name)
        if route is None or route[0] is None:
            opts = dict(self.__dict__.get("surrogate", SurrogateConfig()).options)
            if name in opts:
                return opts[name]
            raise AttributeError(f"{type(self).__name__!s} has no attribute {name!r}")
        part, field_name = route
        return getattr(getattr(self, part), field_name)


def _routes() -> dict[str, tuple[str | None, str]]:
    """``{flat keyword: (part name or None for run-level, field name)}`` from the declarations."""
    out: dict[str, tuple[str | None, str]] = {}
    for part_name, part in PARTS.items():
        for f in dataclasses.fields(part):
            if "check" in f.metadata:
                out[field_key(f)] = (part_name, f.name)
    for f in dataclasses.fields(RunConfig):
        if "check" in f.metadata:
            out[field_key(f)] = (None, f.name)
    return out


def flat_keywords() -> list[str]:
    """Every flat keyword :func:`~.train.run` accepts (sorted), surrogate options included."""
    return sorted({*_routes(), *surrogate_option_keys()})
