"""The sweep engine knows no physics: core/ imports neither domain, and the domains' kinds are found
through the package's entry points."""

from __future__ import annotations

import ast
import pathlib

import hopfield_hclm
from hopfield_hclm.core.sweep.kinds import ENTRY_POINT_GROUP, get_kind, kind_names

CORE = pathlib.Path(hopfield_hclm.__file__).parent / "core"
#: every subpackage beside core/ (memory, hclm, attention, plots, reports, ...): core imports none of them
DOMAINS = tuple(sorted(p.name for p in CORE.parent.iterdir()
                       if p.is_dir() and p.name != "core" and (p / "__init__.py").exists()))


def test_the_domains_are_found():
    assert {"memory", "hclm", "attention", "plots", "reports"} <= set(DOMAINS)


def _package_of(path: pathlib.Path) -> str:
    return ".".join(path.relative_to(CORE.parent.parent).with_suffix("").parts[:-1])


def _skip_type_checking(tree: ast.AST) -> ast.AST:
    """Drop ``if TYPE_CHECKING:`` blocks (imports for annotations only, never executed)."""
    for node in ast.walk(tree):
        for field in ("body", "orelse"):
            block = getattr(node, field, None)
            if isinstance(block, list):
                block[:] = [b for b in block if not (isinstance(b, ast.If) and "TYPE_CHECKING" in ast.unparse(b.test))]
    return tree


def _imported_modules(source: str, package: str) -> list[str]:
    """Absolute names of every module ``source`` (a module of ``package``) imports at run time, at any
    depth (function-level imports included), relative ones resolved."""
    names = []
    for node in ast.walk(_skip_type_checking(ast.parse(source))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[: len(base) - node.level + 1]
                if node.module:
                    names.append(".".join(base + [node.module]))
                else:  # "from . import x": x is a submodule
                    names += [".".join(base + [alias.name]) for alias in node.names]
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
    assert {"memory", "hclm", "attention"} <= set(kind_names())
    assert all(get_kind(name).name == name for name in ("memory", "hclm", "attention"))
    assert ENTRY_POINT_GROUP == "hopfield_hclm.kinds"


def test_the_checker_sees_relative_and_absolute_imports_of_a_domain():
    assert _package_of(CORE / "sweep" / "runner.py") == "hopfield_hclm.core.sweep"
    assert _imported_modules("from ...memory import simulation\n", "hopfield_hclm.core.sweep") == ["hopfield_hclm.memory"]
    assert _imported_modules("from ..hclm.train import run\n", "hopfield_hclm.core") == ["hopfield_hclm.hclm.train"]
    assert _imported_modules("import hopfield_hclm.plots.memory\n", "hopfield_hclm.core") == ["hopfield_hclm.plots.memory"]
    assert _imported_modules("from .. import memory\n", "hopfield_hclm.core") == ["hopfield_hclm.memory"]


def _module_graph(root: pathlib.Path) -> dict[str, set[str]]:
    modules = {}
    for path in root.rglob("*.py"):
        name = _package_of(path) + ("" if path.stem == "__init__" else "." + path.stem)
        modules[name] = path
    graph = {}
    for name, path in modules.items():
        deps = set()
        for imported in _imported_modules(path.read_text(), _package_of(path)):
            # "from .x import y" may name a submodule y of x, or an attribute of x
            for candidate in (imported, imported.rpartition(".")[0]):
                if candidate in modules and candidate != name and not name.startswith(candidate + "."):
                    deps.add(candidate)
                    break
        graph[name] = deps
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}

    def visit(node, path):
        state[node] = 1
        for dep in sorted(graph[node]):
            if state.get(dep) == 1:
                return path[path.index(dep):] + [dep] if dep in path else [node, dep]
            if dep not in state:
                found = visit(dep, path + [dep])
                if found:
                    return found
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state:
            found = visit(start, [start])
            if found:
                return found
    return None


def test_core_has_no_import_cycles():
    assert _cycle(_module_graph(CORE)) is None, f"import cycle in core/: {_cycle(_module_graph(CORE))}"


def test_the_cycle_finder_finds_a_planted_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None
