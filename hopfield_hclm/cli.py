"""``hopfield-hclm``: a thin command line over the library.

Subcommands: ``sweep [CONFIG] --out PATH`` (run or resume a sweep; no CONFIG runs the embedded
default sweep), ``run`` (one ``hh.memory.simulate`` call from flags), ``info PATH``,
``export PATH OUT.nc``, ``plot PATH`` (the standard figures) and ``report NAME`` (rebuild
``experiments/NAME/REPORT.md``, the theory report or every HCLM report and CLAIMS.md). Bad input exits with status 2 and one line on stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence

PROG = "hopfield-hclm"
DEFAULT_OUT = "hopfield-hclm-default.zarr"


class UsageError(ValueError):
    """Bad input from the command line."""


def _sweep(args: argparse.Namespace) -> int:
    from .core.sweep import export_netcdf, load_spec, loads_spec, run_sweep

    if args.config is None:
        from .reports.defaults import DEFAULT_SWEEP

        spec = loads_spec(DEFAULT_SWEEP)
        out = args.out or DEFAULT_OUT
    else:
        spec = load_spec(args.config)
        if not args.out:
            raise UsageError("sweep: --out PATH is required with a CONFIG (the Zarr store to write or resume)")
        out = args.out
    resources = {"GPU": 1} if args.gpu else None
    executor = args.executor or ("dask" if args.scheduler else "process")
    if args.gpu and executor != "dask":
        raise UsageError("sweep: --gpu needs --executor dask (GPU workers are Dask resources)")
    progress = None if args.progress is None else args.progress
    ds = run_sweep(spec, out, executor=executor, workers=args.workers, scheduler=args.scheduler,
                   resources=resources, threads=args.threads, progress=progress)
    done = int(ds["completed"].sum())
    print(f"sweep store: {os.path.abspath(out)} ({done}/{ds['completed'].size} grid points complete)")
    if args.config is None:
        stem = os.path.splitext(os.path.abspath(out))[0]
        nc = export_netcdf(ds, stem + ".nc")
        from .plots.memory import recovery_curves

        fig = recovery_curves(ds)
        png = stem + "-recovery.png"
        fig.savefig(png, dpi=120, bbox_inches="tight")
        print(f"dataset (netCDF): {nc}")
        print(f"transient-recovery figure: {png}")
    return 0


def _run(args: argparse.Namespace) -> int:
    import hopfield_hclm as hh

    from .memory.options import OPTIONS

    kwargs = {o.name: getattr(args, o.name) for o in OPTIONS if o.cli and getattr(args, o.name) is not None}
    kwargs.update(_declared_options(args.option or []))
    if args.out:
        _check_out_file(args.out)
    ds = hh.memory.simulate(**kwargs)
    summary = hh.memory.transient_summary(ds, threshold=args.threshold)
    rows = []
    for name in ("peak_overlap", "peak_time", "final_overlap", "recoverable", "transient_only"):
        if name in summary:
            values = summary[name].astype(float)
            rows.append(f"{name:>16s}  mean {float(values.mean()):.4f}  min {float(values.min()):.4f}  max {float(values.max()):.4f}")
    print(f"{ds.sizes['trial']} trials, {ds.sizes['time']} records, threshold {args.threshold}")
    print("\n".join(rows))
    if args.out:
        from .core.sweep.store import export_netcdf

        export_netcdf(ds, args.out)
        print(f"trajectories written to {args.out}")
    return 0


def _add_option_flags(parser: argparse.ArgumentParser) -> None:
    """One flag per option of ``simulate``'s declaration (``memory.options.OPTIONS``) that ``run`` offers."""
    from .memory.options import OPTIONS

    for option in OPTIONS:
        if not option.cli:
            continue
        default = option.default if option.cli_default is None else option.cli_default
        scope = "" if option.applies_to == "all" else f" ({option.applies_to})"
        text = (option.help + scope + ("" if default is None else f" [default: {default}]")).replace("%", "%%")
        kind = _bool if option.type is bool else (option.type if option.type in (int, float) else str)
        parser.add_argument(option.flag, dest=option.name, type=kind, default=option.cli_default, help=text)


def _declared_options(pairs: Sequence[str]) -> dict:
    """``--option NAME=VALUE`` pairs, each converted with the type its model or unit type declares."""
    from .memory.spec import extra_options

    declared = {o.name: o for o in extra_options()}
    values = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        if not sep or name not in declared:
            raise UsageError(f"run: --option {pair!r}: expected NAME=VALUE with NAME one of {sorted(declared)}")
        kind = declared[name].type
        try:
            values[name] = _bool(text) if kind is bool else (kind(text) if kind in (int, float) else text)
        except (ValueError, argparse.ArgumentTypeError) as exc:
            raise UsageError(f"run: --option {name}: {exc}") from None
    return values


def _check_out_file(path: str) -> None:
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent) or not os.access(parent, os.W_OK):
        raise UsageError(f"--out {path!r}: the directory {parent!r} does not exist or is not writable")


def _info(args: argparse.Namespace) -> int:
    from .core.sweep.store import COMPLETED, open_sweep

    ds = open_sweep(args.path, mask=False)
    config = json.loads(ds.attrs.get("config", "{}"))
    done = ds[COMPLETED]
    print(f"store:    {os.path.abspath(args.path)}")
    print(f"title:    {ds.attrs.get('title', '')}")
    print(f"kind:     {ds.attrs.get('sweep_kind', '?')}    config hash: {ds.attrs.get('config_hash', '?')}")
    print(f"complete: {int(done.sum())}/{done.size} grid points")
    print("dims:     " + ", ".join(f"{d}={n}" for d, n in ds.sizes.items()))
    for name, values in config.get("axes", {}).items():
        print(f"axis {name}: {values}")
    print(f"base:     {json.dumps(config.get('base', {}), sort_keys=True)}")
    print(f"seed {config.get('seed')} ({config.get('seeds', 'common')} random numbers), {config.get('trials')} trials per point")
    print("variables: " + ", ".join(str(v) for v in ds.data_vars if v != COMPLETED))
    return 0


def _export(args: argparse.Namespace) -> int:
    from .core.sweep.store import export_netcdf

    _check_out_file(args.out)
    export_netcdf(args.path, args.out)
    print(f"wrote {args.out}")
    return 0


def _plot(args: argparse.Namespace) -> int:
    from .core.sweep.store import open_sweep
    from .plots.memory import standard_figures

    ds = open_sweep(args.path) if os.path.isdir(args.path) else _open_nc(args.path)
    if "overlap" not in ds:
        raise UsageError(f"plot draws memory sweeps (a dataset with 'overlap'); {args.path!r} has none")
    outdir = args.out or (os.path.splitext(os.path.abspath(args.path))[0] + "-figures")
    os.makedirs(outdir, exist_ok=True)
    for name, fig in standard_figures(ds, threshold=args.threshold).items():
        path = os.path.join(outdir, f"{name}.png")
        fig.savefig(path, dpi=120, bbox_inches="tight")
        print(path)
    return 0


def _open_nc(path: str):
    import xarray as xr

    if not os.path.isfile(path):
        raise UsageError(f"{path!r} is neither a sweep store nor a netCDF file")
    return xr.load_dataset(path, engine="h5netcdf")


def _report(args: argparse.Namespace) -> int:
    from .reports import report

    for path in report(args.name, root=args.root, rerun=args.rerun, executor=args.executor, workers=args.workers,
                       quick=args.quick):
        print(f"report: {path}")
    return 0


def _bool(text: str) -> bool:
    if text.lower() in ("1", "true", "yes", "on"):
        return True
    if text.lower() in ("0", "false", "no", "off"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false; got {text!r}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description="Associative memory above capacity and HCLM sweeps.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("sweep", help="run or resume a sweep (no CONFIG: the embedded default sweep)")
    p.add_argument("config", nargs="?", help="TOML sweep config (experiments/<name>/config.toml)")
    p.add_argument("--out", help=f"Zarr store to write or resume (default sweep: {DEFAULT_OUT})")
    p.add_argument("--executor", default=None, choices=("process", "dask", "serial"),
                   help="where units run (default: process; dask when --scheduler is given)")
    p.add_argument("--workers", type=int, help="worker processes (default: all cores)")
    p.add_argument("--threads", type=int, help="torch threads per worker (default: cores / workers)")
    p.add_argument("--scheduler", help="join an existing Dask cluster at tcp://HOST:PORT (implies --executor dask)")
    p.add_argument("--gpu", action="store_true", help="send each unit to a Dask worker with resource GPU=1")
    p.add_argument("--progress", dest="progress", action="store_true", default=None, help="always show a progress bar")
    p.add_argument("--no-progress", dest="progress", action="store_false", help="never show a progress bar")
    p.set_defaults(func=_sweep)

    p = sub.add_parser("run", help="one hh.memory.simulate call from flags; prints the transient summary")
    _add_option_flags(p)
    p.add_argument("--option", action="append", metavar="NAME=VALUE",
                   help="an option a registered model or unit type declares (e.g. --option ensemble=gaussian); "
                        "repeatable")
    p.add_argument("--threshold", type=float, default=0.9, help="retrieval threshold of the summary")
    p.add_argument("--out", help="also write the trajectories to this netCDF file")
    p.set_defaults(func=_run)

    p = sub.add_parser("info", help="what a sweep store holds and how complete it is")
    p.add_argument("path")
    p.set_defaults(func=_info)

    p = sub.add_parser("export", help="export a sweep store to one netCDF file")
    p.add_argument("path")
    p.add_argument("out")
    p.set_defaults(func=_export)

    p = sub.add_parser("plot", help="the standard figures of a sweep (store or netCDF)")
    p.add_argument("path")
    p.add_argument("--out", help="folder for the PNG files (default: next to PATH)")
    p.add_argument("--threshold", type=float, default=0.9)
    p.set_defaults(func=_plot)

    p = sub.add_parser("report", help="rebuild a report from data/: experiments/NAME/REPORT.md, 'theory' or 'hclm'")
    p.add_argument("name", help="an experiment (experiments/NAME/REPORT.md), 'theory' (experiments/theory/REPORT.md) "
                                "or 'hclm' (every HCLM report and experiments/hclm/CLAIMS.md)")
    p.add_argument("--root", default=".", help="project folder holding experiments/ and data/")
    p.add_argument("--rerun", action="store_true",
                   help="rerun the sweeps first (resumes experiments/NAME/config*.zarr; theory: recompute its data/ files)")
    p.add_argument("--quick", action="store_true", help="theory only: smaller runs (minutes), for a look")
    p.add_argument("--executor", default="process", choices=("process", "dask", "serial"))
    p.add_argument("--workers", type=int)
    p.set_defaults(func=_report)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``hopfield-hclm``; returns the exit status (2 for bad input)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except ValueError as exc:  # every bad-input path of the library raises ValueError
        print(f"{PROG} {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted; rerun the same command to resume", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
