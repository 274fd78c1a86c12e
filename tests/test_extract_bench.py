"""The extraction benchmark: its metric on hand-made pairs, and a short run on real data."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from newsdesk.bench import extraction

BENCH = Path(__file__).resolve().parents[2] / "shared" / "bench"


def test_metric_perfect_and_disjoint_pages():
    gold = "the quick brown fox jumps over the lazy dog"
    assert extraction.prf([(gold, gold)]) == {"precision": 1.0, "recall": 1.0, "f1": 1.0}
    scores = extraction.prf([(gold, "completely different words in this other text")])
    assert scores["f1"] == 0.0


def test_metric_counts_shingles_as_multisets_and_macro_averages():
    gold = "a b c d e"  # shingles: abcd, bcde
    half = extraction.page_counts(gold, "a b c d")  # abcd only: TP 1, FN 1
    assert half == pytest.approx((0.5, 0.0, 0.5))
    doubled = extraction.page_counts(gold, "a b c d e a b c d e")  # extra copies are false positives
    tp, fp, fn = doubled
    assert fn == 0 and fp > 0 and tp > 0
    # two pages weigh the same whatever their length
    scores = extraction.prf([(gold, gold), (gold, "a b c d")])
    assert scores["precision"] == pytest.approx(1.0)
    assert scores["recall"] == pytest.approx(0.75)


def test_help_parses_documented_arguments():
    parser = argparse.ArgumentParser()
    extraction.add_arguments(parser)
    args = parser.parse_args(["extraction_scrapinghub", "--from", "text", "--limit", "3", "--predictions", "x.jsonl"])
    assert args.source == "text" and args.limit == 3 and args.predictions == "x.jsonl"


@pytest.mark.bench
@pytest.mark.skipif(not (BENCH / "extraction_scrapinghub").is_dir(), reason="../shared/bench not present")
@pytest.mark.parametrize("source", ["html", "text"])
def test_short_run_reports_newsdesk_and_baselines(tmp_path, source):
    out = tmp_path / "pred.jsonl"
    args = argparse.Namespace(dataset="extraction_scrapinghub", source=source, limit=4, predictions=str(out), no_templates=False)
    report = extraction.run(args)
    rows = report.tables[0].rows
    assert rows[0]["system"] == "newsdesk"
    assert len(rows) >= 2  # a baseline measured in the same run
    assert 0.5 < rows[0]["f1"] <= 1.0
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(lines) == 4 and set(lines[0]) == {"id", "text"}
