"""The memory-model interface: a model is a small frozen object around its interaction function F.

A model with energy ``E(s) = -Σ_μ F(M_μ)`` (unnormalised overlaps ``M = s ξᵀ``, shape
``(trial, pattern)``) answers everything the dynamics ask of it:

- :meth:`MemoryModel.F` -- the interaction function itself;
- :meth:`MemoryModel.energy` -- energy per neuron from the overlaps, float64 ``(trial,)``;
- :meth:`MemoryModel.drop_coefficients` -- the binary energy-difference rule as a ``(trial,)``
  coefficient ``a`` and a ``(trial, pattern)`` matrix ``b``: the scaled drop of unit ``i`` is
  ``Δ'_i = s_i a + Σ_μ ξ_i^μ b_μ`` with the sign of ``Δ_i = E(s_i = -1) - E(s_i = +1)``;
- :meth:`MemoryModel.glauber_scale` -- the divisor that makes ``Δ'`` the normalised drop used with
  a Glauber temperature;
- :meth:`MemoryModel.field_bound` -- the largest integer an exact model forms, from which
  :meth:`Bound.is_exact` and :meth:`Bound.default_dtype` follow (``inf``: never exact, float64);
- :attr:`MemoryModel.numba_kind` and :meth:`MemoryModel.numba_parameters` -- what the compiled
  asynchronous kernel needs (``None``: the model runs on the torch backend only);
- :meth:`MemoryModel.graded_field` -- the field of graded (tanh) units in continuous time;
- :attr:`MemoryModel.units` -- the unit types it defines; :meth:`MemoryModel.validate` -- its
  parameter checks (``ValueError`` naming the argument); :attr:`MemoryModel.references`.

**Generic energy-difference rule.** Because ``ξ_i^μ s_i = ±1``, setting unit ``i`` to ±1 with the
others fixed moves ``M_μ`` to ``c_i^μ ± ξ_i^μ`` where ``c_i^μ = M_μ - ξ_i^μ s_i``, so exactly

    Δ_i = s_i Σ_μ (F(M_μ) - A_μ) + Σ_μ ξ_i^μ B_μ,
    A_μ = (F(M_μ + 2) + F(M_μ - 2)) / 2,   B_μ = (F(M_μ + 2) - F(M_μ - 2)) / 2,

the default :meth:`MemoryModel.drop_coefficients` (``a = Σ_μ (F - A)``, ``b = B``). A new model that
only defines ``F`` therefore runs with binary units at once (torch backend, float64 by default);
the built-in models override the rule with scaled, exactly-integer or overflow-free forms.

The model's parameters are its dataclass fields (``order`` of the dense model, ``beta`` of the
exponential one); the network size is bound separately in :class:`Bound`.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, ClassVar

import torch

from ..options import Option

#: largest integer magnitude a dtype represents exactly (2^(mantissa bits + 1)).
EXACT_INTEGER_LIMIT = {torch.float32: 2**24, torch.float64: 2**53}


def int_power(x: torch.Tensor, k: int) -> torch.Tensor:
    """``x**k`` by repeated multiplication (exact for integer-valued floats within the mantissa)."""
    result = x
    for _ in range(k - 1):
        result = result * x
    return result


@dataclass(frozen=True)
class MemoryModel:
    """Base class of memory models: subclass as a frozen dataclass whose fields are the parameters.

    Class attributes a subclass sets: ``name`` (set by
    :func:`~hopfield_hclm.memory.models.register_model`), ``units`` (unit types it defines, names
    registered with :func:`~hopfield_hclm.memory.dynamics.register_units`), ``references``,
    ``options`` (extra :class:`~hopfield_hclm.memory.options.Option` s that ``simulate`` then
    accepts as keywords; the model's own fields beyond ``order``/``beta`` must be declared there),
    ``self_coupling_allowed`` (binary units may keep ``J_ii``), ``numba_kind``.
    """

    name: ClassVar[str] = ""
    units: ClassVar[tuple[str, ...]] = ("binary",)
    references: ClassVar[str] = ""
    options: ClassVar[tuple[Option, ...]] = ()
    self_coupling_allowed: ClassVar[bool] = False
    numba_kind: ClassVar[int | None] = None
    #: unit types whose own reference list already cites this model (its references are not repeated)
    cited_by_units: ClassVar[tuple[str, ...]] = ()

    def __post_init__(self) -> None:
        self.validate()

    # --- parameters -------------------------------------------------------------------------
    def validate(self) -> None:
        """Check the parameters; raise ``ValueError`` naming the argument. Called on construction."""

    @property
    def order(self) -> int:
        """Interaction order n of the overlaps (1 unless the model has an ``order`` parameter)."""
        return 1

    def parameters(self) -> dict[str, Any]:
        """The model's parameters (its dataclass fields) as a dict."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    def _set(self, name: str, value: Any) -> None:
        """Store a validated (converted) parameter value on the frozen instance (for ``validate``)."""
        object.__setattr__(self, name, value)

    @classmethod
    def parameter_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(cls))

    @classmethod
    def from_options(cls, **options: Any) -> "MemoryModel":
        """The model from ``simulate``'s keywords: ``None`` means not given. An option the model has
        no parameter for must be None, except ``order = 1`` (every model without an order is order 1)."""
        fields = cls.parameter_names()
        given = {k: v for k, v in options.items() if v is not None}
        for key, value in given.items():
            if key in fields or (key == "order" and value == 1 and not isinstance(value, bool)):
                continue
            if key == "order":
                raise ValueError(f"order must be 1 for model={cls.name!r} (it has no order parameter; "
                                 f"use model='dense' for order >= 2); got {value!r}")
            from . import models_with_parameter

            owners = ", ".join(repr(m) for m in models_with_parameter(key)) or "none"
            raise ValueError(f"{key} must be None for model={cls.name!r} (models with a {key} parameter: "
                             f"{owners}); got {value!r}")
        return cls(**{k: v for k, v in given.items() if k in fields})

    # --- interaction and energy -------------------------------------------------------------
    def F(self, x: torch.Tensor) -> torch.Tensor:
        """The interaction function F, elementwise on unnormalised overlaps."""
        raise NotImplementedError(f"model {self.name!r} does not define its interaction function F")

    def energy(self, bound: "Bound", overlap: torch.Tensor) -> torch.Tensor:
        """Energy per neuron from overlaps M ``(trial, pattern)``, float64 ``(trial,)``.

        Default: ``-(1/N) Σ_μ F(M_μ)`` evaluated in float64.
        """
        return -self.F(overlap.to(torch.float64)).sum(-1) / float(bound.neurons)

    # --- binary units -----------------------------------------------------------------------
    def drop_coefficients(self, bound: "Bound", overlap: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(a, b)`` with scaled drop ``Δ'_i = s_i a + Σ_μ ξ_i^μ b_μ``; shapes ``(...)``, ``(..., pattern)``.

        Default: the exact rule of the module docstring from ``F`` (``Δ' = Δ``).
        """
        up = self.F(overlap + 2)
        down = self.F(overlap - 2)
        return (self.F(overlap) - (up + down) / 2).sum(-1), (up - down) / 2

    def glauber_scale(self, bound: "Bound") -> float:
        """Divisor turning the scaled drop ``Δ'`` into the normalised drop ``Δ̃`` used with temperature."""
        return 1.0

    def field_bound(self, bound: "Bound") -> float:
        """Upper bound on every integer an exact drop computation forms; ``inf`` for non-integer models."""
        return math.inf

    def exact_sync_step(self, bound: "Bound", states: torch.Tensor, overlap: torch.Tensor,
                        patterns: torch.Tensor) -> torch.Tensor:
        """Zero-temperature synchronous step of an exact model: ``sign(Δ' + ½ s)`` in one GEMM.

        ``Δ'`` is an integer, so adding ``½ s`` breaks a tie towards the current state (the tie rule)
        and changes no other sign. Only used where :meth:`Bound.is_exact` holds.
        """
        from ..binary import project

        a, b = self.drop_coefficients(bound, overlap)
        return project(b, patterns, offset=states * (a + 0.5).unsqueeze(-1)).sign_()

    def numba_parameters(self, bound: "Bound") -> dict[str, Any]:
        """Parameters of the compiled asynchronous kernel (``kind`` = :attr:`numba_kind`)."""
        return {"kind": self.numba_kind, "power": self.order + 1, "beta": 0.0, "hop_a": 0.0,
                "integer_overlaps": True}

    def numba_supports(self, dtype: torch.dtype) -> bool:
        """Whether the numba kernel reproduces this model's torch results in ``dtype``."""
        return self.numba_kind is not None

    # --- pattern count and load ---------------------------------------------------------------
    def pattern_count(self, neurons: int, load: float) -> int:
        """P from the load: ``round(load N^n)`` (before the at-least-one check)."""
        return round(load * float(neurons) ** self.order)

    def realised_load(self, neurons: int, patterns: int) -> float:
        """The load that ``patterns`` stored patterns realise: ``P / N^n``."""
        return patterns / float(neurons) ** self.order

    # --- graded units -------------------------------------------------------------------------
    def graded_field(self, patterns: torch.Tensor, *, gain: float, load: float, self_coupling: bool,
                     batch_invariant: bool):
        """The field object of graded (tanh) units (``memory.graded._GradedField`` interface)."""
        raise ValueError(f"model {self.name!r} does not define graded units")


#: Largest ``load * neurons`` an exponential load accepts (P = round(exp(load N))).
MAX_EXPONENTIAL_EXPONENT = 40.0


class ExponentialLoad:
    """Mixin for models that store exponentially many patterns: ``P = round(exp(load N))`` (with
    ``load N <= 40``) and realised load ``ln(P) / N``. Put it before :class:`MemoryModel` in the bases."""

    def pattern_count(self, neurons: int, load: float) -> int:
        if load * neurons > MAX_EXPONENTIAL_EXPONENT:
            raise ValueError(f"load must satisfy load * neurons <= {MAX_EXPONENTIAL_EXPONENT:g} for model={self.name!r} "
                             f"(P = round(exp(load N))); got load * neurons = {load * neurons:g}; "
                             f"pass patterns=P to give the count directly")
        return round(math.exp(load * neurons))

    def realised_load(self, neurons: int, patterns: int) -> float:
        return math.log(patterns) / neurons


@dataclass(frozen=True)
class Bound:
    """A model bound to a network: ``neurons`` N, ``patterns`` P and the ``self_coupling`` convention.

    What the dynamics call: :meth:`drop_coefficients`, :meth:`energy`, :attr:`glauber_scale`,
    :meth:`field_bound`, :meth:`is_exact`, :meth:`default_dtype`.
    """

    model: MemoryModel
    neurons: int
    patterns: int
    self_coupling: bool = False

    @property
    def name(self) -> str:
        return self.model.name

    @property
    def order(self) -> int:
        return self.model.order

    @property
    def power(self) -> int:
        """The exponent k = n + 1 of a polynomial F(x) = x^k (2 for hopfield)."""
        return self.model.order + 1

    @property
    def glauber_scale(self) -> float:
        return self.model.glauber_scale(self)

    def drop_coefficients(self, overlap: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.model.drop_coefficients(self, overlap)

    def energy(self, overlap: torch.Tensor) -> torch.Tensor:
        return self.model.energy(self, overlap)

    def field_bound(self) -> float:
        return self.model.field_bound(self)

    def is_exact(self, dtype: torch.dtype) -> bool:
        """Whether ``dtype`` holds every field of this model exactly (never for an unbounded model)."""
        return self.field_bound() < EXACT_INTEGER_LIMIT.get(dtype, 0)

    def default_dtype(self) -> torch.dtype:
        """float32 where it is exact, else float64."""
        return torch.float32 if self.is_exact(torch.float32) else torch.float64
