"""The project's modules import each other without a cycle, counting imports inside functions (issue 12).

grimp (import-linter's own graph library) reads every import statement, at the top of a module or inside a
function, so a loop hidden in a function-level import is found as well. The layers themselves are
import-linter's contracts in pyproject.toml, run by scripts/test.sh (docs/architecture.md).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
# Every package at the repository's root is the project's, except the tests themselves.
PACKAGES = sorted(
    path.parent.name for path in ROOT.glob("*/__init__.py") if path.parent.name not in {"tests"}
)


def without_migrations(graph: grimp.ImportGraph) -> grimp.ImportGraph:
    """Migrations are generated, and no module of ours imports one, so they cannot close a loop."""
    for module in [module for module in graph.modules if ".migrations" in module]:
        graph.remove_module(module)
    return graph


def with_package_inits(graph: grimp.ImportGraph) -> grimp.ImportGraph:
    """Importing ``a.b.c`` runs ``a/b/__init__.py`` first, which grimp does not count: an import of
    rhi.services.deadlines from outside rhi.services also imports every module rhi/services/__init__.py
    re-exports. Add that import for each package the importer is not inside."""
    for importer in list(graph.modules):
        for imported in graph.find_modules_directly_imported_by(importer):
            parts = imported.split(".")
            for depth in range(1, len(parts)):
                package = ".".join(parts[:depth])
                if not (importer == package or importer.startswith(package + ".")):
                    graph.add_import(importer=importer, imported=package)
    return graph


def import_cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Each group of two or more modules that import one another, directly or through each other: the
    modules a module imports (upstream) that also import it (downstream)."""
    groups: list[list[str]] = []
    seen: set[str] = set()
    for module in sorted(graph.modules - seen):
        if module in seen:
            continue
        loop = graph.find_upstream_modules(module) & graph.find_downstream_modules(module)
        if loop:
            seen |= loop | {module}
            groups.append(sorted(loop | {module}))
    return groups


def describe(graph: grimp.ImportGraph, group: list[str]) -> str:
    members = set(group)
    lines = [f"cycle between {len(group)} modules:"]
    for importer in group:
        for imported in sorted(graph.find_modules_directly_imported_by(importer) & members):
            for detail in graph.get_import_details(importer=importer, imported=imported):
                lines.append(f"  {importer}:{detail['line_number']} {detail['line_contents']}")
    return "\n".join(lines)


@pytest.fixture(scope="module")
def import_graph() -> grimp.ImportGraph:
    graph = grimp.build_graph(*PACKAGES, include_external_packages=False, cache_dir=None)
    return with_package_inits(without_migrations(graph))


def test_the_graph_covers_every_app(import_graph: grimp.ImportGraph) -> None:
    assert {"config", "core", "api", "accounts", "audit", "rhi", "missing_episodes"} <= set(PACKAGES)
    assert "api.idempotency" in import_graph.modules


def test_the_layer_contracts_cover_every_package() -> None:
    """A new top-level package must be placed in the layers (pyproject.toml [tool.importlinter])."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]

    assert sorted(config["root_packages"]) == PACKAGES


def test_every_module_of_an_app_has_a_place_in_its_layers() -> None:
    """The per-app layers contract constrains only the modules it names: a new module must be placed."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (contract,) = [c for c in config["contracts"] if c["id"] == "app-layers"]
    placed = {name.strip().strip("()") for layer in contract["layers"] for name in re.split("[:|]", layer)}
    unplaced = {
        f"{app}.{path.stem}"
        for app in contract["containers"]
        for path in (ROOT / app).iterdir()
        if (path.suffix == ".py" or (path / "__init__.py").exists())
        and path.stem not in {"__init__", "apps", "migrations"}
        and path.stem not in placed
    }

    assert not unplaced, f"add these to a layer of app-layers in pyproject.toml: {sorted(unplaced)}"


def test_a_loop_through_an_import_inside_a_function_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "looping"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "services.py").write_text("from looping import tasks\n")
    (package / "tasks.py").write_text("def run() -> None:\n    from looping import services  # hidden loop\n")
    (package / "models.py").write_text("from looping import services\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    graph = grimp.build_graph("looping", cache_dir=None)

    cycles = import_cycles(graph)

    assert cycles == [["looping.services", "looping.tasks"]]
    assert "looping.tasks:2 from looping import services" in describe(graph, cycles[0])


def test_a_loop_through_a_package_that_re_exports_its_modules_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # sharing.out_of_area imported rhi.services.deadlines, and rhi/services/__init__.py imports the lifecycle,
    # which imports sharing.out_of_area: Python's "partially initialised module" error at start-up.
    for name, text in {
        "loops/__init__.py": "",
        "loops/sharing.py": "from loops.services.deadlines import rule\n",
        "loops/services/__init__.py": "from loops.services.lifecycle import step\n",
        "loops/services/deadlines.py": "def rule() -> None: ...\n",
        "loops/services/lifecycle.py": "from loops import sharing\n\n\ndef step() -> None: ...\n",
    }.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    monkeypatch.syspath_prepend(str(tmp_path))

    cycles = import_cycles(with_package_inits(grimp.build_graph("loops", cache_dir=None)))

    assert cycles == [["loops.services", "loops.services.lifecycle", "loops.sharing"]]


def test_no_module_of_the_project_is_in_an_import_cycle(import_graph: grimp.ImportGraph) -> None:
    cycles = import_cycles(import_graph)

    assert not cycles, "\n\n".join(describe(import_graph, group) for group in cycles)
