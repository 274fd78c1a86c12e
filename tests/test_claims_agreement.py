"""Agreement means agreement: which hand-made statement pairs the claims stage groups as one fact
(the real pair model and MiniLM; each case is two articles of one story)."""

from __future__ import annotations

import pytest

from newsdesk.analysis.claims import ClaimOptions, ClaimsResult, find_claims
from newsdesk.models import Article, Provenance


def _article(article_id: str, text: str) -> Article:
    return Article(id=article_id, provenance=Provenance(f"{article_id}.txt"), text=text, published="2025-03-19")


def _claims(a: str, b: str) -> ClaimsResult:
    return find_claims([_article("a", a), _article("b", b)], ClaimOptions())


def _grouped(result: ClaimsResult) -> bool:
    return any({"a", "b"} <= set(c.article_ids) for c in result.claims)


PARAPHRASES = [
    (
        "“There should be no one-on-one meeting between this president and Putin,” Warner said.",
        "“There should be no one-on-one meeting between President Trump and Vladimir Putin,” "
        "Warner told reporters on Friday.",
    ),
    # two outlets quoting the same words, one with the quotation running on into the next sentence
    (
        "“I will fight for you with every breath in my body, and I will never, ever let you down.",
        "“I will fight for you with every breath in my body, and I will never, ever let you down,” "
        "Mr. Trump told hundreds of thousands of rain-soaked admirers.",
    ),
    (
        "The Senate passed the infrastructure bill on Tuesday by a vote of 69 to 30.",
        "On Tuesday the Senate approved the infrastructure bill, 69 to 30.",
    ),
    (
        "Etheridge, a Democrat, is seen in an amateur video grabbing the wrist and neck of a young man "
        "who asked him whether he supported the Obama agenda.",
        "Representative Bob Etheridge was seen on video grabbing a young man by the wrist and neck after "
        "the man asked whether he supported the Obama agenda.",
    ),
]


@pytest.mark.parametrize(("a", "b"), PARAPHRASES)
def test_paraphrases_in_two_outlets_are_one_confirmed_claim(a, b):
    result = _claims(a, b)
    assert _grouped(result)
    assert any(set(c.article_ids) == {"a", "b"} for c in result.confirmed())


def test_two_sentences_negating_the_same_thing_are_not_a_negation_clash():
    # both say "no one-on-one meeting"; the negation reaches "president" in one and not in the
    # other only because the words sit at different distances from "no"
    a, b = PARAPHRASES[0]
    claim = next(c for c in _claims(a, b).claims if len(c.article_ids) == 2)
    assert all("no one-on-one meeting" in e.sentence for e in claim.sources)


NOT_THE_SAME = [
    # a negation and its positive
    (
        "The company did not raise the price of its flagship phone on Monday, its chief executive said.",
        "The company raised the price of its flagship phone on Monday, its chief executive said.",
    ),
    # "neither … nor" and the affirmative fragment a cut at "nor" would leave
    (
        "Neither Ukraine nor any of the U.S. NATO allies have been directly included in the talks so far.",
        "Any of the U.S. NATO allies have been directly included in the talks so far.",
    ),
    # two measurements: Monday's figure and Tuesday's
    (
        "The seven-day average of new cases in the state was 1,204 on Monday, health officials said.",
        "The seven-day average of new cases in the state was 1,351 on Tuesday, health officials said.",
    ),
]


@pytest.mark.parametrize(("a", "b"), NOT_THE_SAME)
def test_statements_that_do_not_state_the_same_fact_are_never_grouped(a, b):
    result = _claims(a, b)
    assert not _grouped(result)
    assert not result.confirmed()


def test_claims_and_their_evidence_are_whole_sentences_never_a_flipped_fragment():
    a, b = NOT_THE_SAME[1]
    result = _claims(a, b)
    for claim in result.claims:
        for evidence in claim.sources:
            if evidence.article_id == "a":
                assert evidence.sentence.startswith("Neither Ukraine nor")


def test_the_same_quotation_given_to_one_speaker_but_denied_by_another_outlet_is_not_an_agreement():
    result = _claims(
        "“We will not raise taxes on the middle class,” the governor said on Monday.",
        "The governor did not say “We will not raise taxes on the middle class,” his office said on Monday.",
    )
    assert not result.confirmed()


# paraphrases MiniLM places 0.5-0.69 apart (brief_basil dev): the cosine rule leaves them apart,
# the learned same-fact decision (newsdesk.analysis.agreement) groups them
BAND_PARAPHRASES = [
    (
        "Donald Trump announced Tuesday that he is bowing out as the moderator for a Republican presidential "
        "debate later this month, after most candidates in the field opted not to attend.",
        "Donald Trump has announced Tuesday that he is pulling out of his own Dec. 27th debate.",
    ),
    (
        "While former House Speaker Newt Gingrich and former Pennsylvania Sen. Rick Santorum agreed to attend "
        "early on, other Republican candidates subsequently bowed out.",
        "Newt Gingrich and Rick Santorum were the only two Republicans who agreed to participate.",
    ),
]


@pytest.mark.parametrize(("a", "b"), BAND_PARAPHRASES)
def test_paraphrases_the_cosine_leaves_apart_are_grouped_by_the_learned_decision(a, b):
    article_a, article_b = _article("a", a), _article("b", b)
    assert not _grouped(find_claims([article_a, article_b], ClaimOptions(learned_agreement=False)))
    result = find_claims([article_a, article_b], ClaimOptions())
    assert any(set(c.article_ids) == {"a", "b"} for c in result.confirmed())


RELATED_BUT_DIFFERENT = [
    # one speaker, one day, two different statements
    (
        "Attorney General Eric Holder said Wednesday that he understands why many black Americans distrust "
        "the police as he made a one-day swing through Ferguson.",
        "Attorney General Eric Holder said Wednesday that the eyes of the nation and the world are on this "
        "small suburb of St. Louis.",
    ),
    # one measure, the same figure, two days: two measurements
    (
        "The seven-day average of new cases in the state was 1,204 on Monday, health officials said.",
        "The seven-day average of new cases in the state was 1,204 on Tuesday, health officials said.",
    ),
    # two sums for one ad buy
    (
        "The ad, reportedly to air in Miami, West Palm Beach and Fort Myers, is costing Secure America "
        "$1 million, the organization confirmed.",
        "They have reserved $500,000 of airtime in Fort Myers, West Palm Beach and Miami.",
    ),
    # a short sentence whose words the other holds, saying something else
    (
        "Clinton had counted on winning all three states.",
        "From there, the two presidents shared a limousine to the Capitol, where three other presidents "
        "waited: Mr. Clinton, Jimmy Carter and George W. Bush.",
    ),
]


@pytest.mark.parametrize(("a", "b"), RELATED_BUT_DIFFERENT)
def test_a_related_but_different_fact_is_not_grouped_by_the_learned_decision(a, b):
    result = _claims(a, b)
    assert not _grouped(result)
    assert not result.confirmed()
