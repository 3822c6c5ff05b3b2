"""Fail when modules of the desk import each other: a pair that imports both ways, or a longer
loop (a imports b imports c imports a). import-linter's layers contract checks the packages;
this checks every module inside them, lazy imports in function bodies included.

    .venv/bin/python scripts/import_cycles.py      # `make lint` runs it
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent


def cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative), each
    sorted, the list sorted: every set of modules that import one another round a loop."""
    edges = {module: sorted(graph.find_modules_directly_imported_by(module)) for module in sorted(graph.modules)}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in edges:
        if start in index:
            continue
        work = [(start, iter(edges[start]))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(edges[child])))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return sorted(found)


def main() -> int:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = config["tool"]["importlinter"]["root_packages"]
    sys.path.insert(0, str(ROOT))
    graph = grimp.build_graph(*packages, cache_dir=None)
    found = cycles(graph)
    for component in found:
        pairs = [
            f"{a} <-> {b}"
            for i, a in enumerate(component)
            for b in component[i + 1 :]
            if graph.direct_import_exists(importer=a, imported=b) and graph.direct_import_exists(importer=b, imported=a)
        ]
        print("import cycle: " + ", ".join(component), file=sys.stderr)
        for pair in pairs:
            print(f"  imported both ways: {pair}", file=sys.stderr)
    if found:
        print(f"{len(found)} import cycle(s) among {', '.join(packages)}", file=sys.stderr)
        return 1
    print(f"no import cycles among {len(graph.modules)} modules of {', '.join(packages)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
