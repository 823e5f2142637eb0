"""The hopfield-hclm command line: subcommands, outputs, and exit code 2 with one line for bad input."""

import os
import subprocess
import sys

import pytest
import xarray as xr

from hopfield_hclm.cli import main
from hopfield_hclm.core.attrs import missing_cf_attrs
from hopfield_hclm.core.sweep import loads_spec, open_sweep
from hopfield_hclm.reports.defaults import DEFAULT_SWEEP


def test_sweep_info_export_plot(tmp_path, memory_cfg, capsys):
    out = tmp_path / "m.zarr"
    assert main(["sweep", str(memory_cfg), "--out", str(out), "--executor", "serial", "--no-progress"]) == 0
    assert "4/4 grid points complete" in capsys.readouterr().out
    # rerun resumes: nothing left to do, same answer
    assert main(["sweep", str(memory_cfg), "--out", str(out), "--executor", "serial", "--no-progress"]) == 0
    assert main(["info", str(out)]) == 0
    info = capsys.readouterr().out
    assert "complete: 4/4" in info and "kind:     memory" in info and "axis load: [0.05, 0.3]" in info
    nc = tmp_path / "m.nc"
    assert main(["export", str(out), str(nc)]) == 0
    back = xr.load_dataset(nc, engine="h5netcdf")
    assert back["overlap"].dims == ("cue_overlap", "load", "trial", "time")
    assert missing_cf_attrs(back) == []
    figs = tmp_path / "figs"
    assert main(["plot", str(out), "--out", str(figs)]) == 0
    names = sorted(os.listdir(figs))
    assert names == sorted(f"{n}.png" for n in ("recovery_curves", "overlap_trajectories", "load_time_heatmap",
                                                 "retrieval_windows", "phase_diagram"))


def test_run_prints_the_transient_summary(tmp_path, capsys):
    nc = tmp_path / "run.nc"
    code = main(["run", "--neurons", "100", "--load", "0.05", "--update", "sync", "--steps", "5", "--trials", "3",
                 "--cue-overlap", "0.6", "--out", str(nc)])
    assert code == 0
    text = capsys.readouterr().out
    assert "peak_overlap" in text and "3 trials, 6 records" in text
    assert xr.load_dataset(nc, engine="h5netcdf")["overlap"].shape == (3, 6)


def test_run_flags_follow_the_declaration(tmp_path, capsys):
    nc = tmp_path / "graded.nc"
    assert main(["run", "--units", "graded", "--neurons", "30", "--load", "0.1", "--steps", "4", "--dt", "0.5",
                 "--method", "rk4", "--self-coupling", "false", "--trials", "2", "--out", str(nc)]) == 0
    ds = xr.load_dataset(nc, engine="h5netcdf")
    assert (ds.attrs["method"], ds.attrs["dt"], ds.attrs["self_coupling"], ds.sizes["time"]) == ("rk4", 0.5, 0, 5)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["sweep", "missing.toml", "--out", "x.zarr"], "does not exist"),
        (["sweep", "{toy}"], "--out PATH is required"),
        (["sweep", "{toy}", "--out", "{tmp}/no/such/dir/x.zarr"], "not writable"),
        (["sweep", "{toy}", "--out", "{tmp}/x.zarr", "--workers", "0"], "workers must be an integer >= 1"),
        (["sweep", "{toy}", "--out", "{tmp}/x.zarr", "--gpu"], "--gpu needs --executor dask"),
        (["info", "{tmp}/nothing.zarr"], "not a sweep store"),
        (["export", "{tmp}/nothing.zarr", "{tmp}/x.nc"], "not a sweep store"),
        (["run", "--neurons", "0"], "neurons"),
        (["run", "--load", "-0.1"], "load"),
        (["run", "--units", "graded", "--cue-overlap", "0.5"], "cue_overlap"),
        (["run", "--units", "graded", "--method", "rk45"], "method must be one of"),
        (["run", "--option", "colour=1"], "--option 'colour=1': expected NAME=VALUE"),
        (["report", "no_such_experiment", "--root", "{tmp}"], "name must be"),
    ],
)
def test_bad_input_exits_2_with_one_line(tmp_path, toy_cfg, capsys, argv, message):
    argv = [a.format(toy=toy_cfg, tmp=tmp_path) for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err and err.startswith("hopfield-hclm ")
    assert not (tmp_path / "x.zarr").exists()


def test_bad_config_key_fails_before_a_store(tmp_path, toy_cfg, capsys):
    toy_cfg.write_text(toy_cfg.read_text() + "\n[extra]\nx = 1\n")
    assert main(["sweep", str(toy_cfg), "--out", str(tmp_path / "x.zarr")]) == 2
    assert "unknown config key(s) ['extra']" in capsys.readouterr().err
    assert not (tmp_path / "x.zarr").exists()


def test_module_entry_point_and_argparse_errors_exit_2(tmp_path):
    env = dict(os.environ, PYTHONPATH=os.getcwd())
    proc = subprocess.run([sys.executable, "-m", "hopfield_hclm", "sweep", "--executor", "mpi"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 2 and "invalid choice: 'mpi'" in proc.stderr


def test_default_sweep_is_valid_and_small():
    spec = loads_spec(DEFAULT_SWEEP)
    assert spec.kind == "memory" and spec.size <= 40 and spec.trials >= 8
    assert min(spec.axes[-1].values) < 0.14 < max(spec.axes[-1].values)  # spans capacity


def test_quiet_progress_when_not_a_tty(tmp_path, toy_cfg, capfd):
    assert main(["sweep", str(toy_cfg), "--out", str(tmp_path / "q.zarr"), "--executor", "serial"]) == 0
    assert "unit/s" not in capfd.readouterr().err  # no tqdm bar in logs
    assert open_sweep(tmp_path / "q.zarr")["completed"].all()
