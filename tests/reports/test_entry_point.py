"""One analysis layer: every report is reached through ``hopfield-hclm report NAME`` (issue 11 §5)."""

from __future__ import annotations

import ast
import glob
import os

import pytest

from hopfield_hclm.cli import main
from hopfield_hclm.reports import report, report_names

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_every_experiment_and_the_theory_and_claims_reports_have_a_name():
    names = set(report_names())
    with_config = {os.path.basename(os.path.dirname(p)) for p in glob.glob(os.path.join(ROOT, "experiments", "*", "config*.toml"))}
    assert with_config <= names, sorted(with_config - names)
    assert {"theory", "hclm"} <= names


def test_no_second_command_line_and_no_report_script():
    # the only argparse in the package is the hopfield-hclm command line, and experiments/ holds no scripts
    users = []
    for path in glob.glob(os.path.join(ROOT, "hopfield_hclm", "**", "*.py"), recursive=True):
        tree = ast.parse(open(path).read())
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                mods = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                if "argparse" in mods:
                    users.append(os.path.relpath(path, ROOT))
    assert users == [os.path.join("hopfield_hclm", "cli.py")]
    assert glob.glob(os.path.join(ROOT, "experiments", "**", "*.py"), recursive=True) == []


def test_bad_report_input_is_a_value_error_naming_the_argument(tmp_path):
    with pytest.raises(ValueError, match="name must be one of"):
        report("no_such_report", root=str(tmp_path))
    with pytest.raises(ValueError, match="quick"):
        report("blackout", root=str(tmp_path), quick=True)
    with pytest.raises(ValueError, match="root must hold experiments/theory"):
        report("theory", root=str(tmp_path))


def test_cli_report_theory_without_its_folder_exits_2(tmp_path, capsys):
    assert main(["report", "theory", "--root", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "root must hold experiments/theory" in err[0]


def test_theory_sections_read_and_write_under_the_given_root(tmp_path):
    # the theory report is a module now: its data come from <root>/data and its figures go to
    # <root>/experiments/theory, not next to the package
    from hopfield_hclm.reports import theory

    (tmp_path / "experiments" / "theory").mkdir(parents=True)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "blackout.nc").symlink_to(os.path.join(ROOT, "data", "blackout.nc"))
    lines = theory.fss_section(str(tmp_path))
    assert (tmp_path / "experiments" / "theory" / "fss.png").stat().st_size > 0
    assert any(line.startswith("**alpha_inf = ") for line in lines)
