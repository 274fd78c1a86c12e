"""Date contradictions compare resolved dates: each statement's dates are resolved against its own
article's publication date (:func:`newsdesk.nli.find_date_clash`, :func:`newsdesk.nli.date_event_clash`)."""

from __future__ import annotations

import pytest

from newsdesk.analysis.claims import find_claims
from newsdesk.models import Article, Provenance
from newsdesk.nli import MODEL_DIR, MODEL_FILE, PairModel, features_of, pair_kind

needs_model = pytest.mark.skipif(not (MODEL_DIR / MODEL_FILE).exists(), reason="run `newsdesk train nli` first")

VOTE_TUESDAY = "The House resolution on the national motto passed Tuesday, after a short floor debate."
VOTE_WEDNESDAY = "On Wednesday, the House voted 396-9 on a bill that reaffirmed the national motto."


def _seen(a: str, date_a: str | None, b: str, date_b: str | None):
    encoded = PairModel.encode([a, b], anchors=[date_a, date_b])
    _, seen = features_of(encoded, [(0, 1)])
    return seen[0]


def _article(article_id: str, text: str, published: str | None) -> Article:
    return Article(id=article_id, provenance=Provenance(f"{article_id}.txt"), text=text, published=published)


@needs_model
def test_tuesday_and_wednesday_for_one_vote_in_articles_of_one_day_are_a_date_time_clash():
    seen = _seen(VOTE_TUESDAY, "2011-11-02", VOTE_WEDNESDAY, "2011-11-02")
    assert seen.date_resolved and seen.date_clash == ("Tuesday", "Wednesday")
    assert seen.date_event_clash == ("Tuesday", "Wednesday")
    kind, reason = pair_kind(seen)
    assert kind == "date_time" and "Tuesday vs Wednesday" in reason


@needs_model
def test_the_same_vote_reported_on_two_dates_of_two_articles_is_a_date_time_dispute():
    articles = [_article("a", VOTE_TUESDAY, "2011-11-02"), _article("b", VOTE_WEDNESDAY, "2011-11-02")]
    result = find_claims(articles)
    assert [d.kind for d in result.disagreements] == ["date_time"]
    assert "same event" in result.disagreements[0].explanation


@needs_model
def test_the_same_weekday_in_articles_of_two_days_is_the_same_date():
    # "Tuesday" in an article of Wednesday 2 Nov and in one of Thursday 3 Nov is the same day
    moved = _seen(VOTE_TUESDAY, "2011-11-02", VOTE_WEDNESDAY.replace("On Wednesday", "On Tuesday"), "2011-11-03")
    assert moved.date_resolved and moved.date_event_clash is None and moved.date_clash is None


@needs_model
def test_monday_in_an_article_of_tuesday_18_march_and_march_17_do_not_clash():
    seen = _seen(
        "Trump and Putin held a phone call on Monday about a ceasefire in Ukraine.",
        "2025-03-18",
        "Trump and Putin held a phone call on March 17 about a ceasefire in Ukraine.",
        "2025-03-19",
    )
    assert seen.date_resolved
    assert seen.date_clash is None and seen.date_event_clash is None


@needs_model
def test_monday_and_march_16_for_one_call_clash_once_resolved():
    seen = _seen(
        "Trump and Putin held a phone call on Monday about a ceasefire in Ukraine.",
        "2025-03-18",
        "Trump and Putin held a phone call on March 16 about a ceasefire in Ukraine.",
        "2025-03-19",
    )
    assert seen.date_resolved and seen.date_event_clash == ("Monday", "March 16")
    assert pair_kind(seen)[0] == "date_time"


@needs_model
def test_a_week_ago_and_earlier_this_month_are_compatible():
    seen = _seen(
        "Felipe Calderón, who a week ago asserted that Mexico will not pay for a border wall, spoke again.",
        "2016-02-25",
        "Calderón asserted earlier this month that Mexico will not pay for a border wall.",
        "2016-02-25",
    )
    assert seen.date_clash is None and seen.date_event_clash is None


@needs_model
def test_two_measurements_on_two_days_are_not_a_date_contradiction():
    seen = _seen(
        "The 7-day average of new cases in the state was 1,200 on Monday.",
        "2025-03-19",
        "The 7-day average of new cases in the state was 1,350 on Tuesday.",
        "2025-03-19",
    )
    assert seen.date_event_clash is None
    articles = [
        _article("a", "The 7-day average of new cases in the state was 1,200 on Monday.", "2025-03-19"),
        _article("b", "The 7-day average of new cases in the state was 1,350 on Tuesday.", "2025-03-19"),
    ]
    assert not find_claims(articles).disagreements


@needs_model
def test_one_person_speaking_on_two_days_is_two_statements_not_a_clash():
    seen = _seen(
        "Rep. Steve King said on Friday that Raul Labrador was not conservative enough on immigration.",
        "2014-06-13",
        "Rep. Steve King said on Thursday that Raul Labrador was not conservative enough on immigration.",
        "2014-06-13",
    )
    assert seen.date_event_clash is None


@needs_model
def test_undated_articles_compare_the_dates_as_written_and_say_so():
    seen = _seen(VOTE_TUESDAY, None, VOTE_WEDNESDAY, None)
    assert not seen.date_resolved and seen.date_event_clash is None
    assert seen.date_clash == ("Tuesday", "Wednesday")
    kind, reason = pair_kind(seen)
    assert kind == "date_time" and "as written" in reason and "publication date unknown" in reason


@needs_model
def test_two_things_done_to_or_by_one_person_on_two_days_are_not_one_event():
    seen = _seen(
        "One of Mr. Santorum's rivals for the Republican nomination, Representative Ron Paul of Texas, scoffed at "
        "Mr. Santorum on Sunday for focusing on social issues like abortion and contraception.",
        "2012-02-19",
        "In a speech to Tea Party conservatives on Saturday in Columbus, Ohio, Santorum had dismissed Obama's "
        "politics as being based in some phony theology.",
        "2012-02-19",
    )
    assert seen.date_resolved and seen.date_event_clash is None


@needs_model
def test_two_actors_on_two_days_are_two_events_not_one_dated_twice():
    # the same thing done (a subpoena) and the same participants, but two subjects with no word in
    # common: the committee's act on Tuesday and the lawyers' on Monday do not contradict each other
    seen = _seen(
        "The Senate intelligence committee sent two subpoenas to Flynn's businesses on Tuesday.",
        "2017-05-24",
        "On Monday, Flynn's lawyers sent two letters to the Senate intelligence committee about the subpoenas.",
        "2017-05-24",
    )
    assert seen.date_resolved and seen.date_event_clash is None
    # the same subject keeps the clash
    same_actor = _seen(
        "The Senate intelligence committee sent two subpoenas to Flynn's businesses on Tuesday.",
        "2017-05-24",
        "On Monday, the Senate intelligence committee sent two subpoenas to Flynn's businesses.",
        "2017-05-24",
    )
    assert same_actor.date_event_clash == ("Tuesday", "Monday")


@needs_model
def test_an_event_planned_for_one_day_and_reported_done_on_another_is_no_clash():
    done = "The House passed the resolution on the national motto on Tuesday."
    planned = "The House is expected to pass the resolution on the national motto on Wednesday."
    seen = _seen(done, "2011-11-02", planned, "2011-11-02")
    assert seen.date_resolved and seen.date_event_clash is None
    # told as done on both sides, the two days clash
    assert _seen(done, "2011-11-02", planned.replace("is expected to pass", "passed"), "2011-11-02").date_event_clash
