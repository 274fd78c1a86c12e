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


def test_snippet_metric_counts_must_and_must_not_snippets_over_the_corpus():
    # trafilatura's eval_common: a snippet is found when it is a substring of the
    # whitespace-normalised output; counts are summed over pages
    record = {"gold_with": ["the quick  brown fox", "lazy dog"], "gold_without": ["Subscribe now", "Cookie policy"]}
    text = "The article: the quick\nbrown fox jumps.\n\nSubscribe now to read more."
    assert extraction.snippet_counts(record, text) == (1, 1, 1, 1)
    other = {"gold_with": "['all here']", "gold_without": "[]"}  # lists staged as their repr
    scores = extraction.snippet_scores([(record, text), (other, "all here")])
    assert scores["precision"] == pytest.approx(2 / 3)
    assert scores["recall"] == pytest.approx(2 / 3)
    assert scores["accuracy"] == pytest.approx(3 / 5)


def test_records_without_gold_are_extracted_and_written(tmp_path):
    # a held-back split may come without its gold: every page still gets a prediction
    page = (
        "<html><body><article>"
        + "".join(
            f"<p>Paragraph {i} of the story tells readers what the council decided about the new bridge.</p>"
            for i in range(8)
        )
        + "</article></body></html>"
    )
    data = tmp_path / "test.jsonl"
    data.write_text("\n".join(json.dumps({"id": f"p{i}", "html": page}) for i in range(2)) + "\n")
    out = tmp_path / "pred.jsonl"
    args = argparse.Namespace(dataset=str(data), source="html", limit=None, predictions=str(out), no_templates=True)
    report = extraction.run(args)
    assert report.metrics["pages_with_body"] == 0
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [line["id"] for line in lines] == ["p0", "p1"]
    assert "council decided" in lines[0]["text"]


@pytest.mark.bench
@pytest.mark.skipif(not (BENCH / "extraction_trafilatura_eval_en").is_dir(), reason="../shared/bench not present")
def test_snippet_only_set_is_scored_with_its_snippets(tmp_path):
    out = tmp_path / "pred.jsonl"
    args = argparse.Namespace(
        dataset="trafilatura_eval_en", source="html", limit=3, predictions=str(out), no_templates=False
    )
    report = extraction.run(args)
    rows = report.metrics["snippets"]
    assert rows[0]["system"] == "newsdesk" and rows[1]["system"].startswith("trafilatura")
    assert 0.0 < rows[0]["f1"] <= 1.0
    assert len(out.read_text().splitlines()) == 3


@pytest.mark.bench
@pytest.mark.skipif(not (BENCH / "extraction_scrapinghub").is_dir(), reason="../shared/bench not present")
@pytest.mark.parametrize("source", ["html", "text"])
def test_short_run_reports_newsdesk_and_baselines(tmp_path, source):
    out = tmp_path / "pred.jsonl"
    args = argparse.Namespace(
        dataset="extraction_scrapinghub", source=source, limit=4, predictions=str(out), no_templates=False
    )
    report = extraction.run(args)
    rows = report.tables[0].rows
    assert rows[0]["system"] == "newsdesk"
    assert len(rows) >= 2  # a baseline measured in the same run
    assert 0.5 < rows[0]["f1"] <= 1.0
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(lines) == 4 and set(lines[0]) == {"id", "text"}


def test_mode_choice_signals_describe_what_recall_adds():
    from newsdesk.bench import extraction_modes

    precise = "The council voted to rebuild the bridge, officials said.\n\nWork starts in May."
    recalled = precise + "\n\nShare on Facebook\n\nSubscribe to our newsletter"
    signals = extraction_modes.page_signals("<html><p>x</p><li>a</li></html>", precise, recalled)
    same = extraction_modes.page_signals("<html><p>x</p><li>a</li></html>", precise, precise)
    assert len(signals) == len(same) == 26
    added = signals[12:19]  # what recall adds: two short chrome paragraphs, no sentence end
    assert added[0] == pytest.approx(__import__("math").log1p(2))
    assert added[2] == 0.0 and added[4] == 1.0
    assert same[12] == 0.0  # nothing added when both modes agree
