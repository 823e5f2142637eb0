"""Experiment reports: ``experiments/<name>/config*.toml`` -> ``data/<name>*.nc`` -> figures + REPORT.md.

:func:`build_report` runs (or resumes) the experiment's sweeps when asked or when its data are
missing, exports each to a small netCDF file in ``data/``, draws the figures next to the config
and writes ``REPORT.md`` with the numbers behind them. A hand-written ``findings.md`` in the
experiment folder (what the data show, agreement and disagreement with the literature) is
included verbatim.
"""

from __future__ import annotations

from .builder import EXPERIMENTS, build_report, experiment_parts

__all__ = ["EXPERIMENTS", "build_report", "experiment_parts"]
