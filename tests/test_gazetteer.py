"""The one gazetteer: loaded from its data file, read alike by entities and positions, and no
side taken from a person's name."""

from __future__ import annotations

import json

import pytest

from newsdesk.analysis import build_context, positions
from newsdesk.analysis.gazetteer import gazetteer
from newsdesk.analysis.positions import PositionOptions, extract_positions
from newsdesk.models import Article, Provenance, Story
from newsdesk.resources import DATA_DIR


def _article(text: str, article_id: str = "a") -> Article:
    return Article(id=article_id, provenance=Provenance(f"{article_id}.txt"), text=text)


def test_names_demonyms_and_seats_lead_to_one_place():
    gaz = gazetteer()
    assert gaz.place_names["u.s."] == gaz.place_names["america"] == "United States"
    assert gaz.demonyms["ukrainians"] == "Ukraine"
    assert gaz.seats["downing street"] == "United Kingdom"
    for phrase, side in (
        ("the Kremlin's", "Russia"),
        ("Europeans", "European Union"),
        ("the Qataris", "Qatar"),
        ("Oval Office", "United States"),
        ("Verkhovna Rada", "Ukraine"),
    ):
        assert gaz.side(phrase) == side, phrase
    assert gaz.side("Europe") == "European Union" and "europe" not in gaz.place_names  # a side word, not a name
    assert gaz.institutions == {"European Union", "NATO", "United Nations"}


def test_the_data_file_holds_places_and_titles_but_no_people():
    raw = json.loads((DATA_DIR / "gazetteer.json").read_text(encoding="utf-8"))
    assert {"places", "titles", "roles", "about"} <= set(raw)
    words = {
        w.lower()
        for place in raw["places"]
        for field in ("aliases", "demonyms", "seats", "side_words")
        for w in place.get(field, ())
    }
    assert not words & {"putin", "trump", "zelensky", "biden", "xi", "macron"}


@pytest.mark.parametrize(
    "text, mention, side",
    [
        ("Oval Office aides rejected the proposal.", "Oval Office", "United States"),
        ("Ukrainians rejected the proposal.", "Ukrainians", "Ukraine"),
        ("Downing Street rejected the proposal.", "Downing Street", "United Kingdom"),
    ],
)
def test_entities_and_positions_place_a_seat_or_demonym_alike(text, mention, side):
    """What entities.py and positions.py each used to decide with their own tables."""
    context = build_context(Story("s", "T", ("a",)), [_article(text)])
    found = positions.run(context, PositionOptions()).positions
    assert [(p.kind, p.side) for p in found] == [("rejects", side)]
    (own,) = extract_positions(_article(text))  # the article's own resolver, no entity table
    assert own.side == side


def test_a_person_speaks_for_the_country_the_text_gives_them():
    titled = "Russian President Vladimir Putin rejected the proposal. Later Putin rejected another one."
    found = extract_positions(_article(titled))
    assert [p.side for p in found] == ["Russia", "Russia"]
    bare = extract_positions(_article("Putin rejected the proposal."))
    assert [(p.actor_name, p.side) for p in bare] == [("Putin", None)]  # no list of leaders


def test_a_descriptor_gives_a_person_their_country_in_the_entity_table():
    text = "President Donald Trump spoke on Tuesday. The U.S. president said talks would go on."
    context = build_context(Story("s", "T", ("a",)), [_article(text)])
    table = context.entities
    trump = next(e for e in table if e.name == "Donald Trump")
    assert table.get(trump.affiliation).name == "United States"
