"""Per-story timeline: events dated against each article, merged across sources, undated kept apart."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsdesk.analysis.timeline import TimelineEntry, TimelineOptions, build_timeline
from newsdesk.errors import AnalysisError, OptionsError
from newsdesk.models import Article, Provenance

REPO = Path(__file__).resolve().parents[1]
LEXICAL = TimelineOptions(use_embeddings=False)


def article(article_id: str, text: str, published: str | None) -> Article:
    return Article(id=article_id, provenance=Provenance(path=f"{article_id}.txt"), text=text, published=published)


def test_same_dated_event_in_two_articles_becomes_one_entry_with_both_sources():
    a = article("a", "Trump and Putin held a long phone call today about a ceasefire in Ukraine.", "2025-03-18")
    b = article("b", "Putin and Trump held a phone call on Tuesday about a Ukraine ceasefire.", "2025-03-19")
    entries = build_timeline([a, b], options=LEXICAL)
    assert len(entries) == 1
    assert entries[0].date == "2025-03-18" and entries[0].sources == ["a", "b"]
    assert not entries[0].undated


def test_different_events_on_the_same_day_stay_apart_and_days_are_in_order():
    a = article(
        "a",
        "Air raid alerts sounded across Kyiv today.\n\nThe parliament in Berlin voted on defence spending on Monday.",
        "2025-03-18",
    )
    b = article("b", "A bridge collapsed in Porto on Tuesday, officials said.", "2025-03-19")
    entries = build_timeline([b, a], options=LEXICAL)
    assert [e.date for e in entries] == ["2025-03-17", "2025-03-18", "2025-03-18"]
    assert entries[0].sources == ["a"]
    assert {tuple(e.sources) for e in entries[1:]} == {("a",), ("b",)}


def test_relative_dates_cross_year_end_against_each_article():
    a = article("a", "The ministry announced the plan yesterday.", "2025-01-01")
    b = article("b", "Parliament will vote on it next month.", "2025-12-15")
    entries = build_timeline([a, b], options=LEXICAL)
    assert [(e.date, e.sources) for e in entries] == [("2024-12-31", ["a"]), ("2026-01", ["b"])]


def test_undated_article_is_marked_undated_keeps_its_order_and_gets_no_date():
    dated = article("dated", "The strike began on Monday.", "2025-03-19")
    undated = article(
        "undated",
        "Workers walked out on Monday.\n\nTalks resume next week.\n\nThe union was founded in 1921.",
        None,
    )
    entries = build_timeline([undated, dated], options=LEXICAL)
    dated_entries = [e for e in entries if not e.undated]
    undated_entries = [e for e in entries if e.undated]
    # an absolute year dates an event whatever the article's date
    assert [(e.date, e.sources) for e in dated_entries] == [("1921", ["undated"]), ("2025-03-17", ["dated"])]
    assert [(e.date, e.relative) for e in undated_entries] == [(None, "Monday"), (None, "next week")]
    assert entries[-2:] == undated_entries  # after the dated ones, in text order
    assert undated_entries[0].to_json()["date"] is None


def test_seed_story_places_the_article_events_on_their_dates():
    text = (REPO / "examples" / "003_f475c32dab00f800.txt").read_text(encoding="utf-8")
    entries = build_timeline([article("seed003", text, "2025-03-18")], options=LEXICAL)
    by_expression = {e.expression: e for e in entries}
    assert by_expression["Monday night"].date == "2025-03-17"
    assert "video address" in by_expression["Monday night"].text
    assert by_expression["Tuesday"].date == "2025-03-18"  # "earlier on Tuesday"
    assert "Dugin" in by_expression["Tuesday"].text
    assert by_expression["last month"].date == "2025-02"
    assert by_expression["three years ago"].date == "2022"
    assert by_expression["1939"].date == "1939"
    dates = [e.date for e in entries]
    assert dates[0] == "1939" and dates.index("2022") < dates.index("2025-02") < dates.index("2025-03-17")
    for entry in entries:
        payload = entry.to_json()
        assert set(payload) >= {"date", "relative", "text", "sources", "undated"}
        assert payload["sources"] == ["seed003"]


def test_relative_dates_in_a_quote_count_from_the_day_it_was_said():
    text = "“Tomorrow, I will speak with President Putin,” Trump said on Monday. Officials met today."
    entries = build_timeline([article("a", text, "2025-03-19")], options=LEXICAL)  # a Wednesday
    assert [(e.expression, e.date) for e in entries] == [("Tomorrow", "2025-03-18"), ("today", "2025-03-19")]


def test_seed_quote_tomorrow_is_the_day_after_trump_spoke():
    text = (REPO / "examples" / "003_f475c32dab00f800.txt").read_text(encoding="utf-8")
    entries = build_timeline([article("seed003", text, "2025-03-18")], options=LEXICAL)
    tomorrow = [e for e in entries if e.expression == "Tomorrow"]
    assert len(tomorrow) == 1 and tomorrow[0].date == "2025-03-18"


def test_embeddings_merge_paraphrases_that_share_few_words():
    a = article("a", "Donald Trump and Vladimir Putin spoke by telephone today for over two hours.", "2025-03-18")
    b = article("b", "The American and Russian presidents talked on the phone on Tuesday for more than two hours.", "2025-03-18")
    c = article("c", "Heavy snow closed the airport in Oslo on Tuesday.", "2025-03-18")
    entries = build_timeline([a, b, c], options=TimelineOptions(use_embeddings=True))
    assert sorted(sorted(e.sources) for e in entries) == [["a", "b"], ["c"]]


def test_spacy_docs_give_sentence_boundaries_when_passed():
    from newsdesk.resources import parse

    text = "Officials met on Monday. A deal was reached today."
    (doc,) = parse([text])
    entries = build_timeline([article("a", text, "2025-03-18")], docs=[doc], options=LEXICAL)
    assert [(e.date, e.text) for e in entries] == [
        ("2025-03-17", "Officials met on Monday."),
        ("2025-03-18", "A deal was reached today."),
    ]


def test_bad_inputs_and_options_raise_clear_errors():
    with pytest.raises(OptionsError, match="merge_similarity"):
        TimelineOptions(merge_similarity=1.5)
    with pytest.raises(AnalysisError, match="docs"):
        build_timeline([article("a", "today", "2025-03-18")], docs=[], options=LEXICAL)
    assert build_timeline([], options=LEXICAL) == []


def test_unreadable_publication_date_is_treated_as_unknown():
    entries = build_timeline([article("a", "They met on Monday.", "March 2025")], options=LEXICAL)
    assert entries == [
        TimelineEntry(date=None, relative="Monday", text="They met on Monday.", sources=["a"], undated=True,
                      value="XXXX-WXX-1", expression="Monday")
    ]  # fmt: skip
