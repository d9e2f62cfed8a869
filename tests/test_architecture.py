"""The import graph of ``simulator``: no cycle at all, and every import-linter contract bites.

Issue 9: "Done means that an import graph of ``simulator/`` that includes
``TYPE_CHECKING`` imports has no cycle at all", "no module under ``simulator/engine``
imports ``engine.py`` or the package's ``__init__``, not even under ``TYPE_CHECKING``",
and "a test proves that each contract fails on a bad import".

The graph is grimp's, as import-linter builds it: imports inside functions and under
``TYPE_CHECKING`` count (``exclude_type_checking_imports`` is off). The contracts are
read from ``pyproject.toml``, so a contract added there later is checked here too; a
contract of a type this file cannot yet break fails the test until it learns how.
"""

from __future__ import annotations

import copy
import itertools
import re
import tomllib
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import grimp
import pytest
from importlinter import api
from importlinter.contracts.forbidden import ForbiddenContract
from importlinter.contracts.independence import IndependenceContract
from importlinter.contracts.layers import LayersContract
from importlinter.domain.contract import Contract

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"
PACKAGE = "simulator"
ENGINE = "simulator.engine"


# As lint-imports reads it: session options (strings) and the contracts in file order.
CONFIG = api.read_configuration(str(PYPROJECT))
SESSION: dict[str, Any] = CONFIG["session_options"]
CONTRACTS: list[dict[str, Any]] = CONFIG["contracts_options"]


def _flag(name: str) -> bool:
    return str(SESSION.get(name, False)).lower() == "true"


def _graph(
    package: str = PACKAGE, *, external: bool, exclude_type_checking: bool = False
) -> grimp.ImportGraph:
    return grimp.build_graph(
        package,
        include_external_packages=external,
        exclude_type_checking_imports=exclude_type_checking,
        cache_dir=None,
    )


@cache
def _internal_graph() -> grimp.ImportGraph:
    """``simulator`` alone, TYPE_CHECKING imports included whatever the config says."""
    return _graph(external=False)


# --------------------------------------------------------------------------- no cycle


def find_cycle(graph: grimp.ImportGraph) -> list[str] | None:
    """One import cycle among ``graph``'s modules, as a path that ends where it starts."""
    imports = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    state: dict[str, int] = {}  # 1 while on the current path, 2 once finished
    for start in sorted(imports):
        if start in state:
            continue
        path = [start]
        state[start] = 1
        stack = [iter(imports[start])]
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                stack.pop()
                state[path.pop()] = 2
            elif state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            elif nxt not in state:
                state[nxt] = 1
                path.append(nxt)
                stack.append(iter(imports[nxt]))
    return None


def test_the_graph_counts_type_checking_and_function_level_imports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cycle check below would be blind without them: prove the graph holds both."""
    package = tmp_path / "archprobe"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "low.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from .high import High\n"
        "def later():\n"
        "    from . import lazy\n"
    )
    (package / "high.py").write_text("from .low import later\nclass High: ...\n")
    (package / "lazy.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    graph = _graph("archprobe", external=False)
    assert graph.direct_import_exists(importer="archprobe.low", imported="archprobe.high")
    assert graph.direct_import_exists(importer="archprobe.low", imported="archprobe.lazy")
    assert find_cycle(graph) == ["archprobe.high", "archprobe.low", "archprobe.high"]


def test_find_cycle_reports_the_path_of_a_cycle() -> None:
    graph = copy.deepcopy(_internal_graph())
    graph.add_import(importer="simulator.engine.errors", imported="simulator.engine.kms.service")
    cycle = find_cycle(graph)
    assert cycle is not None
    assert cycle[0] == cycle[-1]
    assert all(
        graph.direct_import_exists(importer=a, imported=b) for a, b in itertools.pairwise(cycle)
    )
    assert "simulator.engine.errors" in cycle


def test_the_import_graph_of_simulator_has_no_cycle() -> None:
    cycle = find_cycle(_internal_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_nothing_in_the_engine_imports_the_engine_module_or_the_package() -> None:
    graph = _internal_graph()
    for target in (ENGINE, f"{ENGINE}.engine"):
        importers = {
            m for m in graph.find_modules_that_directly_import(target) if m.startswith(ENGINE + ".")
        }
        # The package's own __init__ is the public face: it imports engine.py.
        assert importers <= ({ENGINE} if target != ENGINE else set()), (target, importers)


# --------------------------------------------------------------------------- contracts


def _contract(options: dict[str, Any]) -> Contract:
    cls = CONTRACT_TYPES[options["type"]]
    contract: Contract = cls(
        name=options["name"],
        session_options=SESSION,
        contract_options=options,
    )
    return contract


def _modules(expression: str) -> list[str]:
    """The modules of a layer (``a | b`` or ``a : b``; ``(a)`` marks an optional one)."""
    return [m.strip().strip("()") for m in re.split(r"[|:]", expression) if m.strip()]


def _layer_back_arrow(options: dict[str, Any]) -> tuple[str, str]:
    """The lowest layer importing the highest one (in the first container, if any)."""
    layers = options["layers"]
    prefix = options["containers"][0] + "." if options.get("containers") else ""
    return prefix + _modules(layers[-1])[0], prefix + _modules(layers[0])[0]


def _forbidden_import(options: dict[str, Any]) -> tuple[str, str]:
    return options["source_modules"][0], options["forbidden_modules"][0]


def _independence_import(options: dict[str, Any]) -> tuple[str, str]:
    return options["modules"][0], options["modules"][1]


# The contract types this file knows, and how to break each with one import.
CONTRACT_TYPES: dict[str, type[Contract]] = {
    "layers": LayersContract,
    "forbidden": ForbiddenContract,
    "independence": IndependenceContract,
}
BAD_IMPORTS: dict[str, Callable[[dict[str, Any]], tuple[str, str]]] = {
    "layers": _layer_back_arrow,
    "forbidden": _forbidden_import,
    "independence": _independence_import,
}


def _ids() -> Iterator[str]:
    for options in CONTRACTS:
        yield str(options["name"])


@cache
def _project_graph() -> grimp.ImportGraph:
    """The graph lint-imports checks the contracts on, built as it builds it."""
    return _graph(
        external=_flag("include_external_packages"),
        exclude_type_checking=_flag("exclude_type_checking_imports"),
    )


def test_the_contracts_are_read_from_the_project() -> None:
    names = [c["name"] for c in CONTRACTS]
    assert "The engine, the quiz, the lessons and the scenarios import no Django" in names
    assert (
        "Dependencies run one way: s3api, then web, then scenarios, then lessons, then quiz, "
        "then engine" in names
    )
    assert any(c["type"] == "layers" and c.get("containers") == [ENGINE] for c in CONTRACTS)


@pytest.mark.parametrize("options", CONTRACTS, ids=list(_ids()))
def test_each_contract_is_kept_by_the_real_graph(options: dict[str, Any]) -> None:
    check = _contract(options).check(copy.deepcopy(_project_graph()), verbose=False)
    assert check.kept, f"{options['name']}: broken by the code as it is"


@pytest.mark.parametrize("options", CONTRACTS, ids=list(_ids()))
def test_each_contract_fails_on_a_bad_import(options: dict[str, Any]) -> None:
    kind = options["type"]
    assert kind in BAD_IMPORTS, f"teach this test a bad import for a {kind!r} contract"
    importer, imported = BAD_IMPORTS[kind](options)
    graph = copy.deepcopy(_project_graph())
    assert not graph.direct_import_exists(importer=importer, imported=imported)
    graph.add_import(importer=importer, imported=imported, line_number=1, line_contents="x")
    check = _contract(options).check(graph, verbose=False)
    assert not check.kept, f"{options['name']}: {importer} -> {imported} went unnoticed"


def _engine_layers() -> dict[str, Any]:
    (options,) = [c for c in CONTRACTS if c["type"] == "layers" and c.get("containers") == [ENGINE]]
    return options


def test_every_engine_module_has_its_place_in_the_engine_layers() -> None:
    """A new module of the engine cannot slip past the layers unplaced."""
    placed = {m for layer in _engine_layers()["layers"] for m in _modules(layer)}
    children = {
        m.removeprefix(ENGINE + ".").split(".")[0] for m in _internal_graph().find_children(ENGINE)
    }
    assert children == placed


def test_a_service_reaching_back_into_the_engine_breaks_the_layers() -> None:
    """The back-arrow the composition root removed: KMS importing the Engine again."""
    graph = copy.deepcopy(_project_graph())
    graph.add_import(
        importer=f"{ENGINE}.kms.service",
        imported=f"{ENGINE}.engine",
        line_number=1,
        line_contents="from ..engine import Engine",
    )
    assert not _contract(_engine_layers()).check(graph, verbose=False).kept


def test_the_contracts_are_all_of_pyproject() -> None:
    with PYPROJECT.open("rb") as handle:
        raw = tomllib.load(handle)["tool"]["importlinter"]
    assert [c["name"] for c in CONTRACTS] == [c["name"] for c in raw["contracts"]]
    assert SESSION["root_packages"] == [PACKAGE] == [raw["root_package"]]


def test_test_modules_have_unique_basenames() -> None:
    """Test directories are not packages: pytest imports each module by its basename, so two
    ``test_x.py`` in different folders stop the whole run at collection."""
    tests = Path(__file__).resolve().parent
    seen: dict[str, list[str]] = {}
    for path in tests.rglob("test_*.py"):
        seen.setdefault(path.name, []).append(str(path.relative_to(tests)))
    assert {name: paths for name, paths in seen.items() if len(paths) > 1} == {}
