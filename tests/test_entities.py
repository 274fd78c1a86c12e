"""Canonical entities merged across the seeds: names, roles, descriptors and affiliations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newsdesk.analysis.entities import EntityOptions, extract_entities
from newsdesk.errors import AnalysisError, OptionsError
from newsdesk.models import Article, Provenance

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def seed(prefix: str) -> Article:
    path = next(EXAMPLES.glob(f"{prefix}_*.txt"))
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if prefix == "002":
        lines = lines[1:]  # the first line is the title
    return Article(id=prefix, provenance=Provenance(path=path.name), text="\n\n".join(lines))


@pytest.fixture(scope="module")
def table():
    return extract_entities([seed("002"), seed("003")])


def by_name(table, name):
    return next(e for e in table if e.name == name)


def test_putin_mentions_across_articles_are_one_person(table):
    putin = by_name(table, "Vladimir Putin")
    assert putin.type == "PERSON"
    assert "Putin" in putin.aliases
    assert {m.article for m in putin.mentions} == {"002", "003"}
    assert "Russian President" in putin.roles
    assert [e for e in table if e.type == "PERSON" and e.name.endswith("Putin")] == [putin]


def test_a_name_ner_mislabels_is_a_person_when_described_as_one(table):
    # spaCy labels "Vadim Tryukhan" ORG and "Tryukhan" GPE; the apposition says who he is
    tryukhan = by_name(table, "Vadim Tryukhan")
    assert tryukhan.type == "PERSON"
    assert tryukhan.aliases == ["Tryukhan"]
    assert tryukhan.roles == ["a Ukrainian diplomat and international law expert"]
    assert not [e for e in table if e.name == "Tryukhan"]


def test_descriptor_mentions_join_the_role_holder(table):
    trump = by_name(table, "Donald Trump")
    descriptors = {m.text for m in trump.mentions if m.kind == "descriptor"}
    assert {"the American president", "the U.S. president"} <= descriptors
    zelensky = by_name(table, "Volodymyr Zelensky")
    assert "the Ukrainian president" in {m.text for m in zelensky.mentions}
    # "Vice President" does not make J.D. Vance "the American president".
    vance = next(e for e in table if e.name.endswith("Vance"))
    assert not any(m.kind == "descriptor" for m in vance.mentions)


def test_russian_president_descriptor_resolves_to_putin():
    text = (
        "Russian President Vladimir Putin met business leaders in Moscow.\n\n"
        "Later, the Russian president spoke with Donald Trump by phone."
    )
    table = extract_entities([Article(id="x", provenance=Provenance(path="x"), text=text)])
    putin = by_name(table, "Vladimir Putin")
    assert "the Russian president" in {m.text for m in putin.mentions}


def test_kremlin_and_moscow_are_affiliated_with_russia(table):
    russia = by_name(table, "Russia")
    assert by_name(table, "Kremlin").affiliation == russia.id
    assert by_name(table, "Moscow").affiliation == russia.id
    assert by_name(table, "White House").affiliation == by_name(table, "United States").id


def test_titles_and_appositions_are_kept_as_roles(table):
    assert "German Defense Minister" in by_name(table, "Boris Pistorius").roles
    deyermond = by_name(table, "Ruth Deyermond")
    assert any("senior lecturer at King’s College London" in role for role in deyermond.roles)
    assert by_name(table, "Boris Pistorius").affiliation == by_name(table, "Germany").id


def test_mentions_point_at_their_text(table):
    articles = {"002": seed("002"), "003": seed("003")}
    for entity in table:
        for mention in entity.mentions:
            assert articles[mention.article].text[mention.start : mention.end] == mention.text
            assert mention.entity == entity.id


def test_entities_serialise_to_json(table):
    data = table.to_json()
    assert json.loads(json.dumps(data)) == data
    assert {"id", "name", "type", "aliases", "roles", "mentions"} <= set(data[0])


def test_a_doc_of_another_text_is_refused():
    from newsdesk.resources import nlp

    article = seed("002")
    with pytest.raises(AnalysisError, match="not a parse"):
        extract_entities([article], {article.id: nlp()("something else")})


def test_bad_options_say_what_to_do():
    with pytest.raises(OptionsError, match="unknown entity types"):
        EntityOptions(types=("PERSON", "ANIMAL"))
