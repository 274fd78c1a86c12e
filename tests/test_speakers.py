"""Speaker resolution in a story (newsdesk.analysis.speakers): pronoun and description speakers of
quotes and positions resolved by the trained coreference, on hand-made two-paragraph texts."""

from __future__ import annotations

import pytest

from newsdesk.analysis import positions, quotes
from newsdesk.analysis.context import StoryContext, build_context
from newsdesk.analysis.speakers import ArticleSpeakers, is_anchor
from newsdesk.models import Article, Provenance, Story


def context(text: str) -> StoryContext:
    article = Article(id="a1", provenance=Provenance(path="a1.txt"), text=text)
    return build_context(Story(id="s1", title="", article_ids=("a1",)), [article])


def found_quotes(ctx: StoryContext, **options) -> list[quotes.Quote]:
    return list(quotes.run(ctx, quotes.QuoteOptions(**options)).quotes)


def name(ctx: StoryContext, entity_id: str | None) -> str | None:
    entity = ctx.entities.get(entity_id)
    return entity.name if entity else None


@pytest.mark.parametrize(
    "phrase, expected",
    [
        ("he", True),
        ("They", True),
        ("its", True),
        ("the spokesman", True),
        ("the Ukrainian leader", True),
        ("I", False),
        ("Peskov", False),
        ("the agreement", False),
        ("European leaders", False),
    ],
)
def test_anchors_are_third_person_pronouns_and_descriptions_of_a_person(phrase, expected):
    assert is_anchor(phrase) is expected


def test_pronoun_speaker_in_the_next_paragraph_is_the_person_named_before():
    ctx = context(
        "Russian President Vladimir Putin met the American envoy in Moscow on Thursday.\n\n"
        "He said the talks had been useful and frank."
    )
    (quote,) = found_quotes(ctx)
    assert quote.speaker_text == "He"
    assert name(ctx, quote.speaker) == "Vladimir Putin"
    (position,) = positions.run(ctx, positions.PositionOptions()).positions
    assert position.actor_text == "He (Vladimir Putin)" and position.side == "Russia"


def test_she_is_never_a_man_the_text_calls_mister():
    ctx = context("Mrs. Clinton met Mr. Obama at the White House on Monday.\n\nShe said the meeting had gone well.")
    (quote,) = found_quotes(ctx)
    assert name(ctx, quote.speaker) == "Clinton"


def test_they_after_coordinated_names_keeps_both_as_joint_speakers():
    ctx = context(
        "Donald Trump and JD Vance met Volodymyr Zelensky in the Oval Office on Friday.\n\n"
        "They said Ukraine was not ready for peace."
    )
    (quote,) = [q for q in found_quotes(ctx) if q.speaker_text == "They"]
    assert quote.speaker is None
    assert [name(ctx, e) for e in quote.speakers] == ["Donald Trump", "JD Vance"]
    actors = {
        p.actor_name
        for p in positions.run(ctx, positions.PositionOptions()).positions
        if p.actor_text.startswith("They")
    }
    assert actors == {"Donald Trump", "JD Vance"}


def test_a_possessive_group_phrase_is_its_own_actor_not_the_possessor():
    ctx = context(
        "Ukraine's European backers met in Paris on Monday.\n\nThey said sanctions against Russia must continue."
    )
    (quote,) = found_quotes(ctx)
    assert quote.speaker is None and quote.speakers == ()
    assert quote.speaker_name == "Ukraine's European backers"
    (position,) = positions.run(ctx, positions.PositionOptions()).positions
    assert position.actor is None and position.actor_name == "Ukraine's European backers"
    assert position.side == "European Union"


def test_a_description_speaker_resolves_to_the_person_the_text_gives_that_title():
    ctx = context(
        "Kremlin spokesman Dmitry Peskov spoke to reporters on Monday.\n\n"
        "The spokesman said Moscow would not accept the proposal."
    )
    (quote,) = found_quotes(ctx)
    assert name(ctx, quote.speaker) == "Dmitry Peskov"


def test_an_abstaining_resolver_leaves_the_pronoun_speaker_unresolved():
    # nobody is named before "he": the rules' last-person guess is not made either
    ctx = context("The talks in Riyadh lasted twelve hours.\n\nHe said the talks had been useful.")
    (quote,) = found_quotes(ctx)
    assert quote.speaker is None and quote.speakers == ()


def test_names_inside_quotation_marks_are_not_candidates():
    ctx = context("Mrs. Clinton spoke on Monday.\n\n“Instability in Mali helps the militants,” she said.")
    speakers = ctx.speakers("a1")
    text = ctx.articles[0].text
    at = text.index("she said")
    referent = speakers.refers_to(at, at + 3)
    assert referent is not None and referent.text == "Clinton"
    assert isinstance(speakers, ArticleSpeakers)


def test_the_two_leaders_are_the_two_leaders_named_last():
    ctx = context(
        "President Donald Trump and Russian President Vladimir Putin spoke by phone on Tuesday.\n\n"
        "The two leaders agreed that talks on a ceasefire would begin in Riyadh."
    )
    (quote,) = [q for q in found_quotes(ctx) if q.speaker_text == "The two leaders"]
    assert sorted(name(ctx, e) for e in quote.speakers) == ["Donald Trump", "Vladimir Putin"]
    actors = {p.actor_name for p in positions.run(ctx, positions.PositionOptions()).positions if p.kind == "agrees"}
    assert actors == {"Donald Trump", "Vladimir Putin"}


def test_the_two_leaders_without_two_named_leaders_stay_unresolved():
    ctx = context("Donald Trump spoke on Tuesday.\n\nThe two leaders agreed that talks would begin in Riyadh.")
    quotes_found = [q for q in found_quotes(ctx) if q.speaker_text == "The two leaders"]
    assert all(q.speakers == () for q in quotes_found)


def test_a_kremlin_aide_resolves_to_the_person_the_text_calls_an_aide():
    assert is_anchor("the Kremlin aide")
