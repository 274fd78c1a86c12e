"""Temporal expressions: extents and TIMEX3 values around month, year and week ends."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from newsdesk.analysis.timeline import Timex, TimexOptions, find_timexes
from newsdesk.errors import AnalysisError, OptionsError

REPO = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parents[2] / "shared" / "bench"


def values(text: str, anchor) -> dict[str, str]:
    return {t.text: t.value for t in find_timexes(text, anchor=anchor)}


def only(text: str, anchor) -> Timex:
    found = find_timexes(text, anchor=anchor)
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize(
    "text, anchor, expected",
    [
        ("It happened yesterday.", "2025-01-01", "2024-12-31"),
        ("It happens tomorrow.", "2024-12-31", "2025-01-01"),
        ("It was decided today.", "2025-03-18", "2025-03-18"),
        ("The vote is next month.", "2025-12-15", "2026-01"),
        ("Prices rose last month.", "2025-01-10", "2024-12"),
        ("Sales fell last year.", "2025-01-01", "2024"),
        ("Talks resume next year.", "2025-12-31", "2026"),
        ("They met last week.", "2025-01-02", "2024-W52"),
        ("They meet this week.", "2025-03-18", "2025-W12"),
        ("Growth slowed last quarter.", "2025-02-10", "2024-Q4"),
        ("Growth should pick up next quarter.", "2025-11-20", "2026-Q1"),
        ("The war began three years ago.", "2025-03-18", "2022"),
        ("He left two weeks ago.", "2025-01-05", "2024-12-22"),
        ("She arrived five days ago.", "2025-03-02", "2025-02-25"),
        ("It was signed six months ago.", "2025-03-18", "2024-09"),
        ("The pact of 1939 divided Poland.", "2025-03-18", "1939"),
    ],
)
def test_relative_dates_resolve_across_month_and_year_ends(text, anchor, expected):
    assert only(text, anchor).value == expected


def test_last_weekday_is_the_one_before_the_anchor_even_on_that_weekday():
    assert only("They met last Monday.", "2025-03-19").value == "2025-03-17"  # a Wednesday
    assert only("They met last Monday.", "2025-03-17").value == "2025-03-10"  # itself a Monday
    assert only("They meet next Monday.", "2025-03-17").value == "2025-03-24"


def test_bare_weekday_follows_the_tense_around_it():
    # 2025-03-19 is a Wednesday
    assert only("The minister resigned on Monday.", "2025-03-19").value == "2025-03-17"
    assert only("The minister will resign on Friday.", "2025-03-19").value == "2025-03-21"
    # a weekday across the new year
    assert only("The talks collapsed on Tuesday.", "2025-01-02").value == "2024-12-31"


def test_month_without_year_takes_the_nearest_year_unless_the_tense_says_otherwise():
    assert only("The summit is set for Jan. 14.", "2024-12-20").value == "2025-01-14"
    assert only("The deal was signed on Dec. 30.", "2025-01-03").value == "2024-12-30"
    assert only("The company collapsed in October.", "2025-03-18").value == "2024-10"
    assert only("Elections will be held in June.", "2025-03-18").value == "2025-06"


def test_full_and_numeric_dates_need_no_anchor():
    assert values("On March 18, 2025 and on 2024-02-29 and in May 2020.", None) == {
        "March 18, 2025": "2025-03-18",
        "2024-02-29": "2024-02-29",
        "May 2020": "2020-05",
    }


def test_without_anchor_relative_expressions_stay_unknown_not_invented():
    found = values("He spoke Monday, yesterday and last month.", None)
    assert found == {"Monday": "XXXX-WXX-1", "yesterday": "XXXX-XX-XX", "last month": "XXXX-XX"}


def test_durations_sets_and_references():
    found = {t.text: (t.type, t.value) for t in find_timexes(
        "For three years, and over the past two months, prices rose every week; reports come daily. "
        "Talks lasted 90 minutes. Now the region is calm, but recently it was not.",
        anchor="2025-03-18",
    )}  # fmt: skip
    assert found["three years"] == ("DURATION", "P3Y")
    assert found["the past two months"] == ("DURATION", "P2M")
    assert found["every week"] == ("SET", "P1W")
    assert found["daily"] == ("SET", "P1D")
    assert found["90 minutes"] == ("DURATION", "PT90M")
    assert found["Now"] == ("DATE", "PRESENT_REF")
    assert found["recently"] == ("DATE", "PAST_REF")


def test_quarters_seasons_fiscal_years_and_times():
    anchor = "2025-03-18"
    assert only("Profit rose in the third quarter.", anchor).value == "2025-Q3"
    assert only("Profit rose in the first quarter of 2024.", anchor).value == "2024-Q1"
    assert only("The plant opened last summer.", anchor).value == "2024-SU"
    assert only("Results for fiscal 2023 were weak.", anchor).value == "2023"
    clock = only("The blast came at 10:30 a.m. Monday.", anchor)
    assert (clock.type, clock.value) == ("TIME", "2025-03-17T10:30")
    assert only("They met over the weekend.", "2025-03-18").value == "2025-W11-WE"


def test_a_year_earlier_shifts_the_period_under_discussion():
    found = values("Profit rose in the third quarter. A year earlier it fell.", "1989-10-26")
    assert found == {"the third quarter": "1989-Q3", "A year earlier": "1988-Q3"}


def test_extents_leave_out_prepositions_and_skip_non_times():
    found = find_timexes("In 2026 the 6-year-old may go to school, a second time.", anchor="2025-03-18")
    assert [(t.text, t.value) for t in found] == [("2026", "2026")]
    assert find_timexes("Prices may rise; the march was long.", anchor="2025-03-18") == []


def test_seed_article_expressions_normalise_against_publication_date():
    text = (REPO / "examples" / "003_f475c32dab00f800.txt").read_text(encoding="utf-8")
    found = [(t.text, t.value) for t in find_timexes(text, anchor="2025-03-18")]
    for expected in [
        ("today", "2025-03-18"),
        ("Monday night", "2025-03-17TNI"),
        ("Tuesday", "2025-03-18"),  # "earlier on Tuesday": TimeML leaves "earlier on" out
        ("last month", "2025-02"),
        ("three years ago", "2022"),
        ("1939", "1939"),
    ]:
        assert expected in found
    for timex in find_timexes(text, anchor="2025-03-18"):
        assert text[timex.start : timex.end] == timex.text
        assert set(timex.to_json()) >= {"start", "end", "text", "type", "value"}


def test_day_property_and_anchored_flag():
    monday = only("They met on Monday night.", "2025-03-18")
    assert monday.day == "2025-03-17" and monday.anchored
    unknown = only("They met on Monday night.", None)
    assert unknown.day is None and not unknown.anchored


def test_a_spacy_doc_gives_the_governing_verb_tense_and_a_foreign_doc_is_ignored():
    from newsdesk.resources import nlp

    text = "The minister will resign on Friday."
    doc = nlp()(text)
    assert only(text, "2025-03-19").value == "2025-03-21"
    assert find_timexes(text, anchor="2025-03-19", doc=doc)[0].value == "2025-03-21"
    other = nlp()("Something else entirely.")
    assert find_timexes(text, anchor="2025-03-19", doc=other)[0].value == "2025-03-21"


def test_bad_options_and_anchor_raise_clear_errors():
    with pytest.raises(OptionsError, match="durations"):
        TimexOptions(durations="yes")
    with pytest.raises(AnalysisError, match="not an ISO date"):
        find_timexes("today", anchor="18/03/2025")


def test_options_switch_off_durations_sets_and_references():
    text = "For three years prices rose every week; now they fall."
    options = TimexOptions(durations=False, sets=False, vague_refs=False)
    assert find_timexes(text, anchor="2025-03-18", options=options) == []


@pytest.mark.bench
@pytest.mark.skipif(not (BENCH / "timex_tempeval3" / "dev.jsonl").exists(), reason="benchmark data absent")
def test_tempeval3_dev_sample_scores_well_and_writes_predictions(tmp_path):
    from newsdesk.bench import timex as bench_timex

    parser = argparse.ArgumentParser()
    bench_timex.add_arguments(parser)
    out = tmp_path / "pred.jsonl"
    args = parser.parse_args(
        [str(BENCH / "timex_tempeval3" / "dev.jsonl"), "--limit", "40", "--no-baseline", "--predictions", str(out)]
    )
    report = bench_timex.run(args)
    ours = report.metrics["newsdesk"]
    assert ours["relaxed_f1"] > 0.85 and ours["value_f1"] > 0.7
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 40 and '"timexes"' in lines[0]


def test_scorer_counts_strict_relaxed_and_values():
    from newsdesk.bench.timex import score

    gold = [[(0, 5, "2025"), (10, 20, "P3Y")]]
    system = [[(0, 5, "2025"), (12, 20, "P2Y"), (30, 35, "2024")]]
    result = score(gold, system)
    assert result["strict_p"] == pytest.approx(1 / 3) and result["strict_r"] == pytest.approx(1 / 2)
    assert result["relaxed_r"] == 1.0 and result["value_r"] == pytest.approx(1 / 2)


def test_dated_spans_resolve_each_expression_to_the_days_it_can_denote():
    from datetime import date

    from newsdesk.analysis.timex import dated_spans

    (tuesday,) = dated_spans("The resolution passed Tuesday.", "2011-11-02")
    assert (tuesday.first, tuesday.last, tuesday.precision) == (date(2011, 11, 1), date(2011, 11, 1), "day")
    (month,) = dated_spans("He said it earlier this month.", "2016-02-25")
    assert (month.first, month.last, month.precision) == (date(2016, 2, 1), date(2016, 2, 29), "month")
    (ago,) = dated_spans("He said it a week ago.", "2016-02-25")
    assert ago.compatible(month)
    # "this weekend" told in the past tense in a Monday article is the weekend just gone
    (weekend,) = dated_spans("He grabbed the student this weekend, the video showed.", "2010-06-14")
    assert (weekend.first, weekend.last, weekend.precision) == (date(2010, 6, 12), date(2010, 6, 13), "weekend")
    # on a Sunday, "last week" may be the week just ending (weeks run Sunday to Saturday for many writers)
    (last_week,) = dated_spans("The law was enacted last week.", "2015-03-29")
    assert last_week.first <= date(2015, 3, 26) <= last_week.last
    # without an anchor only absolute dates stay
    assert [s.text for s in dated_spans("On Monday, as in 2019, he spoke.", None)] == ["2019"]
