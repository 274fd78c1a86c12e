"""Stance rules, the FNC-1 scorer, the benchmark reader and the shipped stance model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newsdesk.analysis.stance import (
    MODEL_DIR,
    MODEL_FILE,
    StanceModel,
    StanceOptions,
    classify_pairs,
    dates,
    quantities,
    rule_stance,
    statement_polarity,
)
from newsdesk.bench.stance import class_f1, fnc_score, load_pairs, summarise
from newsdesk.errors import AnalysisError, BenchmarkError, OptionsError

SHARED_BENCH = Path(__file__).resolve().parents[2] / "shared" / "bench"
needs_model = pytest.mark.skipif(not (MODEL_DIR / MODEL_FILE).exists(), reason="run `newsdesk train stance` first")


# --- rules ------------------------------------------------------------------------------------


def test_quantities_key_numbers_by_what_they_count():
    assert quantities("a 30-day ceasefire and 1,000 soldiers")["day"] == {30.0}
    assert quantities("a 30-day ceasefire and 1,000 soldiers")["soldier"] == {1000.0}
    assert quantities("thirty days of calm")["day"] == {30.0}
    assert "2025" not in str(quantities("in 2025 the war went on"))


def test_different_figures_for_the_same_thing_contradict():
    found = rule_stance(
        "Russia agreed to a 30-day ceasefire on energy targets.",
        "Russia agreed to a 60-day ceasefire on energy targets.",
    )
    assert found is not None and (found.label, found.kind) == ("contradict", "numeric")


def test_the_same_figures_do_not_contradict():
    assert (
        rule_stance(
            "Russia agreed to a 30-day ceasefire on energy targets.",
            "A 30-day ceasefire on energy targets was agreed by Russia.",
        )
        is None
    )


def test_different_dates_of_one_event_contradict():
    assert dates("The call took place on Tuesday, March 18")["month_day"] == {"march 18"}
    found = rule_stance(
        "Trump and Putin held their phone call on March 18 about the ceasefire.",
        "Trump and Putin held their phone call on March 19 about the ceasefire.",
    )
    assert found is not None and found.kind == "date"


def test_negation_flips_polarity_only_near_the_shared_subject():
    topic = {"military", "aid", "discuss"}
    assert statement_polarity("military aid was not discussed", topic) == -1
    assert statement_polarity("military aid was discussed", topic) == 1
    assert statement_polarity("not only that: military aid was discussed at length today", {"aid"}) == 1


def test_negated_and_denied_statements_contradict():
    negated = rule_stance(
        "The issue of military aid to Ukraine was not discussed.",
        "The Kremlin demands a halt to military aid to Ukraine.",
    )
    assert negated is not None and negated.kind == "negation"
    denied = rule_stance(
        "The company shipped drones to the army.", "The ministry denied that the company shipped drones to the army."
    )
    assert denied is not None and denied.kind == "negation" and "denies" in denied.reason


def test_classify_pairs_without_model_uses_rules_then_overlap():
    labels = classify_pairs(
        [
            (
                "Russia agreed to a 30-day truce on energy targets.",
                "Russia agreed to a 60-day truce on energy targets.",
            ),
            ("The leaders agreed on an energy ceasefire.", "An energy ceasefire was agreed by the leaders."),
            ("The leaders agreed on an energy ceasefire.", "Bananas are yellow fruit."),
        ],
        use_model=False,
    )
    assert [p.label for p in labels] == ["contradict", "agree", "unrelated"]
    assert labels[0].to_json()["kind"] == "numeric"


def test_a_pair_that_is_not_text_is_named():
    with pytest.raises(AnalysisError, match="stance pair 1"):
        classify_pairs([("a claim", "a text"), ("a claim", None)], use_model=False)  # type: ignore[list-item]


def test_options_are_validated():
    with pytest.raises(OptionsError):
        StanceOptions(max_sentences=0)
    with pytest.raises(OptionsError):
        StanceOptions(embed_sentences=0)


# --- scorer and reader --------------------------------------------------------------------------


def test_fnc_score_matches_the_official_weights():
    gold = ["unrelated", "agree", "discuss", "disagree"]
    # unrelated right 0.25; agree right 1.0; discuss called agree 0.25; disagree called unrelated 0
    score, best = fnc_score(gold, ["unrelated", "agree", "agree", "unrelated"])
    assert (score, best) == (1.5, 3.25)
    assert class_f1(gold, gold) == {"agree": 1.0, "disagree": 1.0, "discuss": 1.0, "unrelated": 1.0}
    assert summarise(gold, gold)["fnc_pct"] == 100.0


def test_a_bad_benchmark_record_is_named(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(
        json.dumps({"id": "body-1", "body": "text", "pairs": [{"pair_index": 0, "headline": "h", "stance": "maybe"}]})
        + "\n"
    )
    with pytest.raises(BenchmarkError, match="bad.jsonl:1"):
        load_pairs(path)


# --- the shipped model --------------------------------------------------------------------------


@needs_model
def test_shipped_model_separates_related_from_unrelated_and_spots_a_hoax():
    model = StanceModel.load()
    body = (
        "Police in Ohio have arrested a man who claimed to have found a living dinosaur in his backyard. "
        "The story, which spread across social media this week, is a hoax, officials said. "
        "The photograph was fake and had been edited, according to experts who examined it. "
        "Police said the man admitted he made up the dinosaur story as a prank."
    )
    labels = model.predict(
        [
            ("Man finds living dinosaur in his Ohio backyard", body),
            ("Apple to unveil new iPhone with larger screen in September", body),
        ]
    )
    assert labels[1] == "unrelated"
    assert labels[0] in ("disagree", "discuss")
    assert StanceModel.load() is model  # loaded once


@needs_model
def test_shipped_model_on_a_dev_sample_beats_chance(shared_bench_dir=SHARED_BENCH):
    dev = shared_bench_dir / "stance_fnc1" / "dev.jsonl"
    if not dev.exists():
        pytest.skip("../shared/bench/stance_fnc1 is not beside the repository")
    pairs = load_pairs(dev, limit=3)
    predicted = StanceModel.load().predict([(p["headline"], p["body"]) for p in pairs])
    metrics = summarise([p["stance"] for p in pairs], predicted)
    assert metrics["related_accuracy"] > 0.8
