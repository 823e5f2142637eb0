"""The sweep engine knows no physics: core/ imports neither domain, and the domains' kinds are found
through the package's entry points."""

from __future__ import annotations

import ast
import pathlib

import hopfield_hclm
from hopfield_hclm.core.sweep.kinds import ENTRY_POINT_GROUP, get_kind, kind_names

CORE = pathlib.Path(hopfield_hclm.__file__).parent / "core"
DOMAINS = ("memory", "hclm", "plots", "reports")


def _package_of(path: pathlib.Path) -> str:
    return ".".join(path.relative_to(CORE.parent.parent).with_suffix("").parts[:-1])


def _imported_modules(source: str, package: str) -> list[str]:
    """Absolute names of every module ``source`` (a module of ``package``) imports, relative ones resolved."""
    names = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[: len(base) - node.level + 1]
                names.append(".".join(base + ([node.module] if node.module else [])))
            else:
                names.append(node.module or "")
    return names


def test_core_imports_no_domain():
    offending = {
        str(path.relative_to(CORE.parent)): name
        for path in CORE.rglob("*.py")
        for name in _imported_modules(path.read_text(), _package_of(path))
        if any(name == f"hopfield_hclm.{d}" or name.startswith(f"hopfield_hclm.{d}.") for d in DOMAINS)
    }
    assert not offending, f"core/ imports a domain: {offending}"


def test_the_domain_kinds_register_through_entry_points():
    assert {"memory", "hclm"} <= set(kind_names())
    assert get_kind("memory").name == "memory" and get_kind("hclm").name == "hclm"
    assert ENTRY_POINT_GROUP == "hopfield_hclm.kinds"


def test_the_checker_sees_relative_and_absolute_imports_of_a_domain():
    assert _package_of(CORE / "sweep" / "runner.py") == "hopfield_hclm.core.sweep"
    assert _imported_modules("from ...memory import simulation\n", "hopfield_hclm.core.sweep") == ["hopfield_hclm.memory"]
    assert _imported_modules("from ..hclm.train import run\n", "hopfield_hclm.core") == ["hopfield_hclm.hclm.train"]
    assert _imported_modules("import hopfield_hclm.plots.memory\n", "hopfield_hclm.core") == ["hopfield_hclm.plots.memory"]
