"""scripts/import_cycles.py, the check `make lint` runs: it finds a pair of modules that import
each other and a longer loop, and the desk has none."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import grimp

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "import_cycles.py"


def load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("import_cycles", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def graph(*imports: tuple[str, str]) -> grimp.ImportGraph:
    g = grimp.ImportGraph()
    for importer, imported in imports:
        g.add_import(importer=importer, imported=imported)
    return g


def test_a_pair_and_a_longer_loop_are_found_and_a_chain_is_not() -> None:
    cycles = load().cycles
    # given a pair importing each other, a three-module loop, and a plain chain
    found = cycles(
        graph(
            ("app.services", "app.tasks"),
            ("app.tasks", "app.services"),
            ("app.a", "app.b"),
            ("app.b", "app.c"),
            ("app.c", "app.a"),
            ("app.x", "app.y"),
            ("app.y", "app.z"),
        )
    )
    # then both loops are reported, each once, and the chain is not
    assert found == [["app.a", "app.b", "app.c"], ["app.services", "app.tasks"]]


def test_the_desk_has_no_import_cycles(capsys) -> None:  # type: ignore[no-untyped-def]
    assert load().main() == 0, capsys.readouterr().err
    assert "no import cycles" in capsys.readouterr().out
