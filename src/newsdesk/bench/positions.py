"""``newsdesk bench positions``: positions against hand labels on BASIL dev sentences.

The labels (``tests/fixtures/positions/basil_dev_labels.jsonl``) hold offsets only; the sentence
text is read from the BASIL dev split. See ``tests/fixtures/positions/README.md`` for how they
were drawn and labelled, and which half (``heldout``) was never used for tuning.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from . import BenchReport, BenchTable, read_jsonl

HELP = "positions (actor, kind, content) against hand labels on BASIL dev sentences"

_DEFAULT_LABELS = Path(__file__).resolve().parents[3] / "tests" / "fixtures" / "positions" / "basil_dev_labels.jsonl"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dataset", help="BASIL split the labels were made on: ../shared/bench/clustering_basil/dev.jsonl")
    parser.add_argument("--labels", default=str(_DEFAULT_LABELS), help="hand labels (JSONL of offsets)")
    parser.add_argument("--split", choices=["dev", "heldout", "all"], default="all", help="which labelled half to score")


def run(args: argparse.Namespace) -> BenchReport:
    from ..analysis.positions import evaluate

    articles = {record["id"]: record for record in read_jsonl(args.dataset)}
    rows = []
    for split in (["dev", "heldout"] if args.split == "all" else [args.split]):
        result = evaluate(list(read_jsonl(args.labels)), articles, split=split)
        for scope in ("overall", "any_kind"):
            figures = result[scope]
            rows.append({
                "split": split, "match": "same kind" if scope == "overall" else "any kind",
                "sentences": result["sentences"], "gold": result["gold_positions"],
                "precision": figures["precision"], "recall": figures["recall"], "f1": figures["f1"],
            })
    report = BenchReport(name="positions", dataset=str(args.dataset))
    report.tables.append(BenchTable(
        "newsdesk positions vs hand labels (heldout = never used for tuning)",
        ["split", "match", "sentences", "gold", "precision", "recall", "f1"], rows,
    ))
    report.metrics = {"rows": rows}
    return report
