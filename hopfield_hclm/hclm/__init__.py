"""HCLM: entropy surrogates, information force, entropy flow and entropy-coefficient control.

Tran, "Human-Centered Learning Mechanics" (arXiv 2605.22940), §§4–8; user guide ``docs/hclm.md``.

>>> import hopfield_hclm as hh
>>> ds = hh.hclm.run(surrogate="logdet", regime="thermostat", coef=0.1, epochs=5)  # doctest: +SKIP
"""

from .controllers import (
    Controller,
    EpochObservation,
    FixedController,
    RLThermostat,
    StepObservation,
    TargetEntropyController,
    Thermostat,
)
from .feedback import SimulatedRater, decision_utility
from .flow import FlowTerms, flat_grad, flow_terms, predicted_entropy_change
from .force import EffectiveEntropy, effective_entropy_test, euclidean_force, logit_jacobian, metric_force
from .logdet_approx import logdet_entropy_lowrank, logdet_entropy_slq
from .surrogates import (
    SURROGATES,
    Surrogate,
    effective_rank_entropy,
    get_surrogate,
    logdet_entropy,
    renyi2_entropy,
    softmax_entropy,
    variance_entropy,
)
from .tasks import RepresentationMLP, TaskData, make_task
from .train import (
    REGIMES,
    ExtraTerms,
    RunConfig,
    StepRecord,
    TrainingDivergedError,
    instrumented_step,
    plain_step,
    run,
    run_template,
    validate_run_args,
)

__all__ = [
    "REGIMES", "SURROGATES", "Controller", "EffectiveEntropy", "EpochObservation", "ExtraTerms", "FixedController",
    "FlowTerms", "RLThermostat", "RepresentationMLP", "RunConfig", "SimulatedRater", "StepObservation", "StepRecord",
    "Surrogate", "TargetEntropyController", "TaskData", "Thermostat", "TrainingDivergedError",
    "decision_utility", "effective_entropy_test", "effective_rank_entropy", "euclidean_force", "flat_grad",
    "flow_terms", "get_surrogate", "instrumented_step", "logdet_entropy", "logdet_entropy_lowrank",
    "logdet_entropy_slq", "logit_jacobian", "make_task", "metric_force", "plain_step",
    "predicted_entropy_change", "renyi2_entropy", "run", "run_template", "softmax_entropy",
    "validate_run_args", "variance_entropy",
]
