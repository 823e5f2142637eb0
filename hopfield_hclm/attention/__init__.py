"""Attention in a trained transformer read as modern-Hopfield retrieval (issue 12 §4; HCLM §9.6).

- :mod:`.task` -- in-context associative recall (key-value pairs, then a query key) with load and key-statistics shifts;
- :mod:`.model` -- a small token-shift causal transformer with explicit, instrumented attention;
- :mod:`.train` -- training with the entropy-flow accounting of the attention entropy (:mod:`hopfield_hclm.hclm.flow`);
- :mod:`.kernels` -- each head's step as a modern-Hopfield update (the one place that calls
  :mod:`hopfield_hclm.memory.modern`);
- :mod:`.run` -- evaluation at one (shift, pairs) point: per-layer readout, head diagnostics, readout-time
  sensitivity (:func:`hopfield_hclm.memory.transient_summary`);
- :mod:`.sweep_kind` -- the "attention" sweep kind.

See docs/attention.md.
"""

from .run import run, run_template, validate_run_args
from .task import SHIFTS, Vocabulary, make_batch
from .train import TrainConfig, attention_entropy, train_model

__all__ = ["SHIFTS", "TrainConfig", "Vocabulary", "attention_entropy", "make_batch", "run", "run_template",
           "train_model", "validate_run_args"]
