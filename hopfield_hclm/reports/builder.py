"""Generic report machinery: locate configs and data, run/resume sweeps, write REPORT.md."""

from __future__ import annotations

import glob
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass

import xarray as xr

from ..core.sweep import export_netcdf, run_sweep


@dataclass(frozen=True)
class Part:
    """One sweep of an experiment: its config, its Zarr store (work area) and its netCDF file."""

    key: str  # "" for config.toml, "order2" for config.order2.toml
    config: str
    store: str
    netcdf: str


def experiment_parts(name: str, root: str = ".") -> list[Part]:
    """The sweeps of experiment ``name``: ``experiments/<name>/config*.toml``, sorted."""
    folder = os.path.join(root, "experiments", name)
    configs = sorted(glob.glob(os.path.join(folder, "config*.toml")))
    if not configs:
        known = sorted(EXPERIMENTS)
        raise ValueError(f"name must be an experiment with a config in {os.path.join(root, 'experiments')}; "
                         f"known: {known}; got {name!r}")
    parts = []
    for config in configs:
        stem = os.path.basename(config)[: -len(".toml")]
        key = stem.partition(".")[2]
        data = f"{name}-{key}.nc" if key else f"{name}.nc"
        parts.append(Part(key=key, config=config, store=os.path.join(folder, stem + ".zarr"),
                          netcdf=os.path.join(root, "data", data)))
    return parts


def load_parts(name: str, root: str, *, rerun: bool, executor: str = "process", workers: int | None = None
               ) -> dict[str, xr.Dataset]:
    """Datasets of every part, running/resuming a sweep where asked or where its netCDF is missing."""
    out = {}
    for part in experiment_parts(name, root):
        if rerun or not os.path.exists(part.netcdf):
            start = time.perf_counter()
            ds = run_sweep(part.config, part.store, executor=executor, workers=workers)
            ds.attrs["sweep_wall_seconds"] = round(time.perf_counter() - start, 1)
            os.makedirs(os.path.dirname(part.netcdf), exist_ok=True)
            export_netcdf(EXPORT_FILTERS.get(name, lambda d: d)(ds), part.netcdf)
        out[part.key] = xr.load_dataset(part.netcdf, engine="h5netcdf")
    return out


def config_table(ds: xr.Dataset) -> str:
    """Markdown summary of a sweep's resolved config."""
    config = json.loads(ds.attrs["config"])
    base = ", ".join(f"{k} = {v}" for k, v in sorted(config["base"].items()))
    axes = "; ".join(f"{k}: {_fmt_list(v)}" for k, v in config["axes"].items())
    lines = [
        f"- kind `{config['kind']}`, {config['trials']} trials per grid point, root seed {config['seed']} "
        f"({config.get('seeds', 'common')} random numbers), config hash `{ds.attrs['config_hash']}`",
        f"- base: {base}",
        f"- axes: {axes}",
    ]
    return "\n".join(lines)


def _fmt_list(values) -> str:
    return "[" + ", ".join(f"{v:.4g}" if isinstance(v, float) else str(v) for v in values) + "]"


def markdown_table(header: list[str], rows: list[list]) -> str:
    def cell(v):
        if isinstance(v, float):
            return f"{v:.3f}" if abs(v) >= 1e-3 or v == 0 else f"{v:.2e}"
        return str(v)

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


Body = Callable[[dict[str, xr.Dataset], str], str]
EXPERIMENTS: dict[str, Body] = {}
#: optional per-experiment reduction of a finished sweep before it is written to data/ (drops per-step
#: variables the report does not use, narrows dtypes) so the committed netCDF stays small
EXPORT_FILTERS: dict[str, Callable[[xr.Dataset], xr.Dataset]] = {}
#: optional REPORT.md title of a multi-part experiment (default: the first part's sweep title)
TITLES: dict[str, str] = {}


def register(name: str):
    def deco(fn: Body) -> Body:
        EXPERIMENTS[name] = fn
        return fn

    return deco


#: reports built by their own function instead of :func:`build_report` alone: the theory report (no
#: sweep config), ``hclm`` (every HCLM report and CLAIMS.md) and the HCLM experiments (run, compact, then
#: build); ``name -> fn(*, root, rerun, executor, workers, quick) -> [paths written]``
BUILDERS: dict[str, Callable[..., list[str]]] = {}
#: builders that accept ``quick`` (smaller runs)
QUICK: set[str] = set()


def register_builder(name: str, *, quick: bool = False):
    def deco(fn: Callable[..., list[str]]) -> Callable[..., list[str]]:
        BUILDERS[name] = fn
        if quick:
            QUICK.add(name)
        return fn

    return deco


#: report modules that failed to import (module -> error), named when a report is not found
IMPORT_ERRORS: dict[str, str] = {}


def _load_report_modules() -> None:
    """Import every module of this package: each registers its report bodies / builders, so a new
    report is one new module here with ``@register(name)`` or ``@register_builder(name)``."""
    import importlib
    import pkgutil

    package = importlib.import_module(__package__)
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        try:
            importlib.import_module(f"{__package__}.{info.name}")
        except ImportError as exc:  # a half-built half of the project must not break the other's reports
            IMPORT_ERRORS[info.name] = f"{type(exc).__name__}: {exc}"


def report_names() -> list[str]:
    """Every name ``hopfield-hclm report NAME`` accepts."""
    _load_report_modules()
    return sorted(set(EXPERIMENTS) | set(BUILDERS))


def report(name: str, *, root: str = ".", rerun: bool = False, executor: str = "process",
           workers: int | None = None, quick: bool = False) -> list[str]:
    """``hopfield-hclm report NAME``: rebuild one report from ``data/``; returns the paths written.

    ``name``: an experiment with a report body (``experiments/<name>/REPORT.md``), ``theory``
    (``experiments/theory/REPORT.md``) or ``hclm`` (every HCLM report and ``experiments/hclm/CLAIMS.md``).
    ``rerun`` first reruns/resumes the sweeps (or recomputes the theory report's cached data);
    ``quick`` (theory only) uses smaller runs.
    """
    names = report_names()
    if name not in names:
        broken = "; ".join(f"{m}: {e}" for m, e in sorted(IMPORT_ERRORS.items()))
        raise ValueError(f"name must be one of {names}; got {name!r}"
                         + (f" (report modules that failed to import: {broken})" if broken else ""))
    if quick and name not in QUICK:
        raise ValueError(f"quick applies only to {sorted(QUICK)}; got name {name!r}")
    if name in BUILDERS:
        options = dict(root=root, rerun=rerun, executor=executor, workers=workers)
        if name in QUICK:
            options["quick"] = quick
        return list(BUILDERS[name](**options))
    return [build_report(name, root=root, rerun=rerun, executor=executor, workers=workers)]


def build_report(name: str, *, root: str = ".", rerun: bool = False, executor: str = "process",
                 workers: int | None = None) -> str:
    """Rebuild ``experiments/<name>/REPORT.md`` (and its figures) from ``data/``; returns its path.

    The generic part of :func:`report`: setup, findings and the registered body of one experiment.
    """
    _load_report_modules()
    parts = experiment_parts(name, root)
    if name not in EXPERIMENTS:
        raise ValueError(f"name must be one of {sorted(EXPERIMENTS)} (experiments with a report builder); got {name!r}")
    datasets = load_parts(name, root, rerun=rerun, executor=executor, workers=workers)
    folder = os.path.dirname(parts[0].config)
    body = EXPERIMENTS[name](datasets, folder)
    first = datasets[parts[0].key]
    lines = [f"# {TITLES.get(name, first.attrs['title'])}", "",
             "_Generated by `hopfield-hclm report " + name + "` from the netCDF files in `data/`; "
             "do not edit by hand (edit `findings.md`)._", ""]
    findings = os.path.join(folder, "findings.md")
    if os.path.exists(findings):
        lines += ["## What the data show", "", open(findings).read().strip(), ""]
    lines += ["## Setup", ""]
    for part in parts:
        ds = datasets[part.key]
        rel_nc = os.path.relpath(part.netcdf, root)
        rel_cfg = os.path.relpath(part.config, root)
        lines += [f"**`{rel_cfg}`** -> `{rel_nc}`" + (f" ({ds.attrs['sweep_wall_seconds']} s wall on this machine)"
                                                      if "sweep_wall_seconds" in ds.attrs else ""), "",
                  ds.attrs.get("comment", ""), "", config_table(ds), ""]
    lines += [body.strip(), "", "## Reproduce", "", "```bash"]
    for part in parts:
        lines.append(f"hopfield-hclm sweep {os.path.relpath(part.config, root)} --out {os.path.relpath(part.store, root)}")
    lines += [f"hopfield-hclm report {name} --rerun   # resumes the stores above, rewrites data/ and this report",
              "```", ""]
    path = os.path.join(folder, "REPORT.md")
    with open(path, "w") as fh:
        fh.write("\n".join(lines))
    return path
