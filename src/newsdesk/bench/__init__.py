"""Rerunnable benchmarks: ``newsdesk bench NAME DATASET …``.

Each module in this package is one benchmark. It defines

* ``HELP``: one line for ``newsdesk bench --help``;
* ``add_arguments(parser)``: its own options (``dataset`` and ``--predictions`` are common
  practice but each module declares what it takes);
* ``run(args) -> BenchReport``: computes the figures; never prints (the CLI renders the report).

The CLI discovers the modules, so adding a benchmark needs no change elsewhere.
"""

from __future__ import annotations

import gzip
import importlib
import json
import pkgutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from ..errors import BenchmarkError


@dataclass
class BenchTable:
    """One table of results: a row per system (newsdesk, baselines), a column per metric."""

    title: str
    columns: list[str]
    rows: list[dict[str, Any]]


@dataclass
class BenchReport:
    """What a benchmark returns: tables, free-text notes and the raw numbers as JSON-able data."""

    name: str
    dataset: str
    tables: list[BenchTable] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "dataset": self.dataset,
            "tables": [{"title": t.title, "columns": t.columns, "rows": t.rows} for t in self.tables],
            "notes": self.notes,
            "metrics": self.metrics,
        }


def read_jsonl(path: str | Path) -> Iterator[dict[str, Any]]:
    """Records of a ``.jsonl`` or ``.jsonl.gz`` benchmark file."""
    path = Path(path)
    if not path.exists():
        raise BenchmarkError(
            f"dataset file {str(path)!r} does not exist",
            hint="benchmarks read ../shared/bench/<dataset>/dev.jsonl[.gz]; pass the path to that file",
        )
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if line.strip():
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as exc:
                    raise BenchmarkError(f"{path}:{number} is not JSON: {exc}") from exc


def write_jsonl(path: str | Path, records) -> None:
    """Write one JSON object per line (predictions files)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")


class Stopwatch:
    """Wall-clock timer for pages/second figures: ``with Stopwatch() as sw: ...; sw.seconds``."""

    def __enter__(self) -> "Stopwatch":
        self._start = time.perf_counter()
        self.seconds = 0.0
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = time.perf_counter() - self._start


def available() -> dict[str, Any]:
    """Benchmark modules found in this package, by name."""
    modules = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(module, "run") and hasattr(module, "add_arguments"):
            modules[info.name] = module
    return modules
