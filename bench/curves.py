"""The growth curves: each endpoint's p95 against the number of tickets, from the results of
`bench/run.py --tickets N` (bench/results/<N>.json, every size present).

    .venv/bin/python bench/curves.py            # = make bench-curves

Draws docs/img/benchmarks-curves.png (log-log: p95 in ms against N, one line per endpoint, the
floor, a bare DRF view on the same run, dashed) and prints the table of p95 per endpoint and
size for docs/benchmarks.md. An endpoint missing from a size's results has no point there; a
size with no results is not on the chart.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PNG = ROOT / "docs" / "img" / "benchmarks-curves.png"
FLOOR = "floor"
# the order of the lines and the legend: the reads first, then the writes and the reports
ORDER = ["queue", "list", "detail", "events", "inbox", "search", "search_zone", "create", "transition"]
ORDER += ["report", "report_csv", "report_empty", "hotspots"]
READS = {"queue", "list", "detail", "events", "inbox"}  # solid lines; the reports dotted, the rest dash-dotted


def load(results: Path) -> dict[int, dict[str, Any]]:
    """{N: that run's results} for every bench/results/<N>.json (N digits only; `full`,
    `small` and the `-only` runs are not sizes of the curves)."""
    runs = {}
    for path in results.glob("*.json"):
        if re.fullmatch(r"\d+", path.stem):
            runs[int(path.stem)] = json.loads(path.read_text())
    return dict(sorted(runs.items()))


def p95s(runs: dict[int, dict[str, Any]]) -> dict[str, dict[int, float]]:
    """{endpoint: {N: p95 ms}} with only the points measured, the endpoints in ORDER (others
    after them, by name)."""
    points: dict[str, dict[int, float]] = {}
    for n, run in runs.items():
        for name, row in (run.get("http") or {}).items():
            if row.get("p95_ms") is not None and row.get("requests"):
                points.setdefault(name, {})[n] = float(row["p95_ms"])
    rank = {name: i for i, name in enumerate([FLOOR, *ORDER])}
    return dict(sorted(points.items(), key=lambda kv: (rank.get(kv[0], len(rank)), kv[0])))


def size_label(n: int) -> str:
    for unit, suffix in ((1_000_000, "M"), (1_000, "k")):
        if n >= unit:
            return f"{n / unit:g}{suffix}"
    return str(n)


def draw(runs: dict[int, dict[str, Any]], out: Path) -> Path:
    """The chart of p95 against N into `out` (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    points = p95s(runs)
    if not points:
        raise SystemExit("no endpoint measured in the results: nothing to draw")
    sizes = list(runs)
    fig, ax = plt.subplots(figsize=(10, 6), dpi=110)
    colours = plt.get_cmap("tab20").colors  # type: ignore[attr-defined]
    markers = "osD^v<>pPXh*d"
    others = [name for name in points if name != FLOOR]
    for i, name in enumerate(others):
        xs = sorted(points[name])
        ax.plot(
            xs,
            [points[name][x] for x in xs],
            color=colours[i % len(colours)],
            marker=markers[i % len(markers)],
            linestyle="-" if name in READS else ":" if name.startswith("report") else "-.",
            linewidth=1.6,
            label=name,
        )
    if FLOOR in points:
        xs = sorted(points[FLOOR])
        ax.plot(xs, [points[FLOOR][x] for x in xs], "k--", marker="o", linewidth=1.4, label="floor (bare DRF view)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(sizes)
    ax.set_xticklabels([size_label(n) for n in sizes])
    ax.minorticks_off()
    ax.set_xlim(min(sizes) / 1.6, max(sizes) * 1.6)
    ax.set_xlabel("tickets in the database (N)")
    ax.set_ylabel("p95 latency (ms, log scale)")
    clients = sorted({run.get("concurrency") for run in runs.values() if run.get("concurrency")})
    ax.set_title(
        "p95 per endpoint against the number of tickets\n"
        f"gunicorn 2 sync workers, {', '.join(map(str, clients)) or '?'} concurrent clients "
        "(the reports: one client)",
        fontsize=11,
    )
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=9, frameon=False)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, format="png")
    plt.close(fig)
    return out


def table(runs: dict[int, dict[str, Any]]) -> str:
    """The p95 (ms) of each endpoint at each size, and p95 ÷ the floor's p95 of the same run."""
    points = p95s(runs)
    sizes = list(runs)
    head = "| endpoint | " + " | ".join(f"{n:,} p95 ms (÷ floor)" for n in sizes) + " |"
    lines = [head, "|---|" + "---|" * len(sizes)]
    floor = points.get(FLOOR, {})
    for name, by_size in points.items():
        cells = []
        for n in sizes:
            if n not in by_size:
                cells.append("—")
            elif name == FLOOR or not floor.get(n):
                cells.append(f"{by_size[n]:,.1f}")
            else:
                cells.append(f"{by_size[n]:,.1f} ({by_size[n] / floor[n]:.1f})")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--results", type=Path, default=RESULTS, help="where the <N>.json files are")
    parser.add_argument("--out", type=Path, default=PNG, help="the PNG to write")
    args = parser.parse_args(argv)
    runs = load(args.results)
    if not runs:
        print(f"no <N>.json in {args.results}: run bench/run.py --tickets N first", file=sys.stderr)
        return 1
    draw(runs, args.out)
    print(table(runs))
    print(f"sizes {', '.join(f'{n:,}' for n in runs)}; written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
