"""Story events: dated from the text and the article's date, merged across outlets, history and
plans kept apart, undated articles honest."""

from __future__ import annotations

import datetime as dt

import pytest

from newsdesk.analysis.events import EventOptions, by_kind, compatible, period, story_events
from newsdesk.errors import AnalysisError, OptionsError
from newsdesk.models import Article, Provenance

WORDS_ONLY = EventOptions(use_embeddings=False)


def _article(aid: str, text: str, published: str | None = None, outlet: str | None = None) -> Article:
    return Article(id=aid, provenance=Provenance(f"{aid}.txt"), text=text, published=published, outlet=outlet)


def _events(*articles: Article, options: EventOptions = WORDS_ONLY, latest: dt.date = dt.date(2026, 12, 1)):
    return story_events(list(articles), options=options, latest=latest)


def test_relative_dates_resolve_against_the_article_date_across_month_and_year_ends():
    new_year = _article("a", "The parliament voted on Monday to extend the state of emergency.", "2025-01-02")
    (vote,) = _events(new_year)
    assert (vote.date, vote.precision, vote.kind) == ("2024-12-30", "day", "event")
    month_end = _article("b", "Officials said yesterday that the talks had stalled.", "2025-03-01")
    (talks,) = _events(month_end)
    assert talks.date == "2025-02-28"
    last_month = _article("c", "The two leaders met last month in Riyadh.", "2025-01-15")
    (meeting,) = _events(last_month)
    assert (meeting.date, meeting.precision) == ("2024-12", "month")


def test_one_event_told_by_three_outlets_is_one_entry_with_all_its_sources():
    a = _article(
        "fox",
        "President Trump held a phone call with Vladimir Putin on Tuesday about a ceasefire in Ukraine.",
        "2025-03-18",
        "Fox News",
    )
    b = _article(
        "nyt",
        "Mr. Trump and Mr. Putin held a long phone call on Tuesday about a ceasefire.",
        "2025-03-19",
        "The New York Times",
    )
    c = _article(
        "hp",
        "On Tuesday, Trump and Putin held a phone call on a ceasefire in Ukraine, officials said.",
        "2025-03-18",
        "HuffPost",
    )
    entries = by_kind(_events(a, b, c))
    calls = [e for e in entries if e.date == "2025-03-18"]
    assert len(calls) == 1
    assert sorted(calls[0].sources) == ["fox", "hp", "nyt"]
    assert {m.expression for m in calls[0].mentions} == {"Tuesday"}


def test_an_undated_article_joins_an_entry_only_when_its_relative_date_fits():
    dated = _article("a", "Trump and Putin held a phone call on Tuesday about a ceasefire.", "2025-03-18")
    fits = _article("b", "Trump and Putin held a phone call on Tuesday about a ceasefire in Ukraine.")
    other = _article("c", "Trump and Putin held a phone call on Friday about a ceasefire.")
    entries = _events(dated, fits, other)
    tuesday = next(e for e in entries if e.date == "2025-03-18")
    assert sorted(tuesday.sources) == ["a", "b"]
    friday = next(e for e in entries if e.sources == ["c"])
    assert friday.date is None and friday.relative == "Friday" and friday.note == "Friday, in an undated article"


def test_background_years_and_history_are_kept_apart_from_the_story():
    text = (
        "President Trump spoke with Vladimir Putin on Tuesday. "
        "It is the most destructive war on the European continent since 1945. "
        "Trump said his goal was dividing up certain assets, an echo of the secret pact the two powers signed in 1939."
    )
    entries = _events(_article("a", text, "2025-03-18"))
    assert [e.date for e in by_kind(entries, "event")] == ["2025-03-18"]
    assert sorted(e.date for e in by_kind(entries, "background")) == ["1939", "1945"]
    undated = _events(_article("b", text))  # no article date: the years are still history
    assert sorted(e.date for e in by_kind(undated, "background")) == ["1939", "1945"]
    assert [e.relative for e in by_kind(undated, "event")] == ["Tuesday"]


def test_forecasts_and_plans_are_planned_not_events():
    text = (
        "Trump and Putin will speak by phone tomorrow. In 2026, a new election cycle will begin in the U.S. "
        "The Senate voted on Monday to approve the aid package."
    )
    entries = _events(_article("a", text, "2025-03-17"))
    assert sorted(e.date for e in by_kind(entries, "planned")) == ["2025-03-18", "2026"]
    assert [e.date for e in by_kind(entries, "event")] == ["2025-03-17"]


def test_a_quotations_tomorrow_does_not_date_the_statement_that_reports_it():
    text = "“Tomorrow, I will speak with President Putin,” Trump said on Monday."
    (entry,) = _events(_article("a", text, "2025-03-18"))
    assert (entry.date, entry.trigger, entry.expression, entry.kind) == ("2025-03-17", "said", "Monday", "event")
    (undated,) = _events(_article("b", text))
    assert undated.note == "Monday, in an undated article"


def test_a_tv_show_named_like_a_time_is_not_a_date():
    entries = _events(
        _article("a", "Gibbs appeared on ABC's This Week to defend the plan. Obama spoke on Sunday.", "2012-02-19")
    )
    assert [e.expression for e in entries] == ["Sunday"]


def test_entries_are_sorted_by_date_coarse_before_fine_then_undated():
    dated = _article(
        "a", "The army advanced on March 3. Talks began in March. The ceasefire collapsed on February 27.", "2025-03-20"
    )
    undated = _article("b", "The mayor resigned on Friday.")
    entries = _events(dated, undated)
    assert [e.date for e in entries] == ["2025-02-27", "2025-03", "2025-03-03", None]


def test_calendar_periods_and_compatibility():
    assert period("2025-W12")[:2] == (dt.date(2025, 3, 17), dt.date(2025, 3, 23))
    assert period("2024-Q4")[1] == dt.date(2024, 12, 31)
    assert period("PRESENT_REF") is None
    assert compatible("XXXX-WXX-2", "2025-03-18") and not compatible("XXXX-WXX-5", "2025-03-18")
    assert compatible("XXXX-03-18", "2025-03-18") and not compatible("XXXX-03-18", "2025-03")


def test_bad_input_is_refused_with_a_clear_error():
    with pytest.raises(OptionsError):
        EventOptions(merge_similarity=0)
    with pytest.raises(AnalysisError, match="docs"):
        story_events([_article("a", "x")], docs=[])
    with pytest.raises(AnalysisError, match="Article"):
        story_events(["not an article"])  # type: ignore[list-item]
    assert story_events([]) == []


def test_entries_validate_against_the_published_schema():
    import jsonschema

    from newsdesk.report import load_schema

    schema = load_schema()["properties"]["timeline"]["items"]
    text = "Trump and Putin held a phone call on Tuesday. The war is the worst since 1945. They will meet next month."
    for entry in _events(_article("a", text, "2025-03-18"), _article("b", "The call on Tuesday was long.")):
        jsonschema.validate({"story": "s1", **entry.to_json()}, schema)


def test_a_missing_event_word_model_names_the_file_and_the_command_that_rebuilds_it(tmp_path, monkeypatch):
    from newsdesk import resources
    from newsdesk.analysis.events import trigger_model
    from newsdesk.errors import ModelUnavailableError

    assert resources.EVENT_TRIGGER_MODEL in resources.ANALYSIS_DATA  # retraining it invalidates saved analyses
    monkeypatch.setattr(resources, "EVENT_TRIGGER_MODEL", tmp_path / "trigger_model.json")
    trigger_model.cache_clear()
    try:
        with pytest.raises(ModelUnavailableError) as info:
            trigger_model()
        assert str(tmp_path / "trigger_model.json") in info.value.message and "newsdesk train events" in info.value.hint
    finally:
        trigger_model.cache_clear()


def test_dated_events_read_the_same_parse_without_the_entity_recogniser(monkeypatch):
    from newsdesk import resources
    from newsdesk.analysis.events import dated_events

    texts = [
        "Russian President Vladimir Putin spoke with Donald Trump on Tuesday about a ceasefire.",
        "The Senate passed the bill last Friday after the March 18 vote in Washington.",
        "No date here at all.",
    ]
    anchors = ["2025-03-20", "2025-03-20", "2025-03-20"]
    lean = dated_events(texts, anchors)  # parsed without NER
    full_parse = resources.parse
    monkeypatch.setattr(resources, "parse", lambda t, **k: full_parse(t, **{**k, "disable": ()}))
    assert dated_events(texts, anchors) == lean
    assert lean[0] and lean[0][0].predicate == "speak" and lean[2] == []


@pytest.mark.parametrize(
    ("sentence", "planned"),
    [
        ("His wife is expected to plead guilty to filing false tax returns before the judge on Wednesday.", True),
        ("The House will vote on the resolution on Wednesday.", True),
        ("The House, which passed the bill on Tuesday, will now send it to the Senate.", False),
        ("Critics say he may have lied when he testified Monday.", False),
        ("The House passed the resolution on Tuesday.", False),
    ],
)
def test_a_dated_event_is_planned_only_by_a_future_verb_of_its_own_clause(sentence, planned):
    from newsdesk.analysis.events import dated_events

    (events,) = dated_events([sentence], ["2013-08-14"])
    assert events and events[0].planned is planned


def test_a_dated_events_doers_are_its_active_subject_and_a_passive_names_none():
    from newsdesk.analysis.events import dated_events

    (active,) = dated_events(["The Senate committee sent two subpoenas on Tuesday."], ["2017-05-24"])
    (passive,) = dated_events(["The resolution was passed by the House on Tuesday."], ["2017-05-24"])
    assert active and {"senate", "committee"} <= active[0].agents
    assert passive and passive[0].agents == frozenset()
