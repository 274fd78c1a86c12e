"""The headline of a text dump: a subheadline the dump ran into the title line is cut off."""

from __future__ import annotations

from pathlib import Path

from newsdesk.extract import extract
from newsdesk.extract.metadata import headline_of
from newsdesk.models import Provenance, RawDocument

BODY = (
    "International media report significant progress in negotiations between Washington and Moscow. "
    "In the Russian expert community, there is an opinion that Moscow has made concessions. "
    "Donald Trump spoke with Vladimir Putin on Tuesday, and Putin agreed to a pause in strikes."
)


def test_a_subheadline_run_into_a_sentence_case_headline_is_cut_off():
    line = (
        "US and Russia discuss peace, while Ukraine and Europe hold pause Experts weigh in on Putin-Trump negotiations"
    )
    assert headline_of(line, BODY) == "US and Russia discuss peace, while Ukraine and Europe hold pause"


def test_names_and_title_case_headlines_are_left_whole():
    # "Putin" is a name: the text never writes it in lower case
    assert headline_of("Donald Trump and his aides meet Putin in Helsinki today", BODY) == (
        "Donald Trump and his aides meet Putin in Helsinki today"
    )
    # Title Case: capitalised words after lower-case ones are the style, not a second line
    title = "The Next Frontier in Climate Tech is Invisible to Most Experts Today"
    assert headline_of(title, "the experts say it is invisible to most") == title
    # too short a headline or tail is never cut
    assert headline_of("Talks resume Experts say", "experts say") == "Talks resume Experts say"


def test_the_seed_page_dump_gets_its_headline_without_the_subheadline():
    path = Path(__file__).resolve().parents[1] / "examples" / "002_948ce0a83575118d.txt"
    doc = RawDocument(Provenance(str(path)), "text", path.read_text(encoding="utf-8"), "utf-8")
    assert extract(doc).title == "US and Russia discuss peace, while Ukraine and Europe hold pause"
