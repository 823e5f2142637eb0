"""The analysis layer: claims, scaling fits and every report, behind ``hopfield-hclm report NAME``.

- :func:`report` (``hopfield-hclm report NAME``): the one entry point; NAME is an experiment,
  ``theory`` or ``hclm`` (every HCLM report and ``experiments/hclm/CLAIMS.md``).
- :mod:`.builder` -- locate configs and data, run/resume sweeps, write REPORT.md (:func:`build_report`).
- :mod:`.claims` -- the statistical criterion and the §8 claim verdicts of the HCLM paper (CLAIMS.md).
- :mod:`.scaling` -- power-law fits, Proposition 4 and Corollary 1 checks (§6.3, §7).
- :mod:`.memory_reports`, :mod:`.hclm`, :mod:`.theory` -- the report bodies.

Experiment reports: ``experiments/<name>/config*.toml`` -> ``data/<name>*.nc`` -> figures + REPORT.md.
:func:`build_report` runs (or resumes) the experiment's sweeps when asked or when its data are
missing, exports each to a small netCDF file in ``data/``, draws the figures next to the config
and writes ``REPORT.md`` with the numbers behind them. A hand-written ``findings.md`` in the
experiment folder (what the data show, agreement and disagreement with the literature) is
included verbatim.
"""

from __future__ import annotations

from .builder import EXPERIMENTS, build_report, experiment_parts, report, report_names

__all__ = ["EXPERIMENTS", "build_report", "experiment_parts", "report", "report_names"]
