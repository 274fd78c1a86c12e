"""Cross-source claims and disputes on the seeds and on hand-made pairs (the real pair model and MiniLM)."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsdesk.analysis.claims import ClaimOptions, ClaimsResult, find_claims, is_rebuttal
from newsdesk.errors import AnalysisError, OptionsError
from newsdesk.models import Article, Provenance

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _seed_article(prefix: str) -> Article:
    """The article text of a seed, cut by hand from the page dump (see each case)."""
    path = next(EXAMPLES.glob(f"{prefix}_*.txt"))
    raw = path.read_text(encoding="utf-8")
    if prefix == "000":  # paragraphs between the standfirst and the photo credit
        raw = raw[raw.index("If the diplomatic overtures") : raw.index("Top photo credit")]
    elif prefix == "002":  # first line is the title
        raw = raw.split("\n", 1)[1]
    elif prefix == "004":  # ends with subscription chrome
        raw = raw[: raw.index("Join the discussion")]
    paragraphs = [p.strip() for p in raw.split("\n") if p.strip()]
    return Article(id=f"seed-{prefix}", provenance=Provenance(str(path)), text="\n\n".join(paragraphs))


def _article(article_id: str, text: str) -> Article:
    return Article(id=article_id, provenance=Provenance(f"{article_id}.txt"), text=text)


@pytest.fixture(scope="module")
def seed_claims() -> ClaimsResult:
    articles = [_seed_article(p) for p in ("000", "002", "003", "004")]
    return find_claims(articles, ClaimOptions())


def _claim_with(result: ClaimsResult, *words: str):
    return [c for c in result.claims if any(all(w in e.sentence.lower() for w in words) for e in c.sources)]


def _both_in_one_claim(result: ClaimsResult, a: str, b: str) -> bool:
    return any({a, b} <= set(c.article_ids) for c in result.claims)


def test_military_aid_dispute_has_the_white_house_and_kremlin_sides_with_their_sources(seed_claims):
    disputes = [d for d in seed_claims.disagreements if any("not discussed" in s.words for s in d.sides)]
    assert len(disputes) == 1
    dispute = disputes[0]
    assert dispute.kind == "reported_dispute"
    american, kremlin = dispute.sides
    assert american.side == "United States" and "not discussed" in american.words
    assert kremlin.side == "Russia" and "demands its cessation" in kremlin.words
    # the Kremlin's demand is backed by 003's account of the Kremlin read-out, never the American side
    assert "seed-003" in kremlin.article_ids and american.article_ids == ["seed-002"]


def test_trumps_encirclement_claim_is_disputed_by_the_analysts(seed_claims):
    disputes = [d for d in seed_claims.disagreements if any("surrounded by Russian forces" in s.words for s in d.sides)]
    assert len(disputes) == 1 and disputes[0].kind == "reported_dispute"
    claimed, rebutting = disputes[0].sides
    assert claimed.actor == "Trump" or "Trump" in claimed.actor
    assert "contest this characterization" in rebutting.words and rebutting.article_ids == ["seed-003"]
    assert "analysts" in rebutting.actor  # who contests it is named, not "the article"


def test_substantial_progress_is_disputed_by_the_analyst_who_sees_no_concession(seed_claims):
    disputes = [d for d in seed_claims.disagreements if any("substantial progress" in s.words for s in d.sides)]
    assert len(disputes) == 1 and disputes[0].kind == "reported_dispute"
    crediting, denying = disputes[0].sides
    assert crediting.article_ids == ["seed-000"]
    assert "not a single concession" in denying.words and denying.article_ids == ["seed-003"]
    assert "Szegelowski" in denying.actor


def test_seed_claims_never_keep_a_fragment_that_flips_the_sentence(seed_claims):
    for claim in seed_claims.claims:
        for evidence in claim.sources:
            assert not evidence.sentence.startswith("NATO allies have been directly included")
    neither = [c for c in _claim_with(seed_claims, "neither ukraine nor")]
    assert all(
        e.sentence.startswith("Neither") for c in neither for e in c.sources if "nato allies" in e.sentence.lower()
    )


def test_evidence_offsets_point_into_the_article_text(seed_claims):
    texts = {a.id: a.text for a in (_seed_article(p) for p in ("000", "002", "003", "004"))}
    for claim in seed_claims.claims:
        for evidence in claim.sources:
            assert texts[evidence.article_id][evidence.start : evidence.end] == evidence.sentence
    for dispute in seed_claims.disagreements:
        for side in dispute.sides:
            for evidence in side.sources:
                assert texts[evidence.article_id][evidence.start : evidence.end] == evidence.sentence


def test_claims_result_is_json_ready_and_follows_the_schema(seed_claims):
    import json

    import jsonschema

    from newsdesk.report import load_schema

    schema = load_schema()
    data = seed_claims.to_json()
    json.dumps(data)
    for claim in data["claims"]:
        jsonschema.validate({"story": "s", **claim}, schema["properties"]["claims"]["items"])
    for dispute in data["disagreements"]:
        jsonschema.validate({"story": "s", **dispute}, schema["properties"]["disagreements"]["items"])
    assert data["disagreements"] and {"id", "kind", "sides", "sources", "evidence"} <= set(data["disagreements"][0])


def test_the_same_statement_in_two_outlets_is_one_confirmed_claim():
    articles = [
        _article(
            "a",
            "The leaders agreed that the movement to peace would begin with an energy and infrastructure ceasefire.",
        ),
        _article(
            "b",
            "The leaders agreed that the path to peace would begin with a ceasefire on energy and infrastructure targets.",
        ),
    ]
    result = find_claims(articles)
    assert len(result.claims) == 1 and set(result.claims[0].article_ids) == {"a", "b"}
    assert not result.disagreements
    assert result.confirmed() == result.claims


def test_a_different_figure_for_the_same_quantity_is_never_an_agreement():
    articles = [
        _article(
            "a",
            "Russia agreed to a 30-day ceasefire on energy infrastructure, the Kremlin said on Tuesday after the call.",
        ),
        _article(
            "b",
            "Russia agreed to a 60-day ceasefire on energy infrastructure, the Kremlin said on Tuesday after the call.",
        ),
    ]
    result = find_claims(articles)
    assert not _both_in_one_claim(result, "a", "b")
    assert all(d.kind == "number" for d in result.disagreements)


def test_another_day_for_the_same_vote_is_a_date_time_dispute():
    articles = [
        _article("a", "The House passed the resolution reaffirming the national motto on Tuesday in a 396-9 vote."),
        _article("b", "The House passed the resolution reaffirming the national motto on Wednesday in a 396-9 vote."),
    ]
    result = find_claims(articles)
    assert not _both_in_one_claim(result, "a", "b")
    assert [d.kind for d in result.disagreements] == ["date_time"]
    assert {tuple(s.article_ids) for s in result.disagreements[0].sides} == {("a",), ("b",)}


def test_a_negated_statement_is_never_an_agreement_and_is_kept_whole():
    articles = [
        _article("a", "The two presidents discussed military aid to Ukraine during the long phone call on Tuesday."),
        _article(
            "b", "The two presidents did not discuss military aid to Ukraine during the long phone call on Tuesday."
        ),
    ]
    result = find_claims(articles)
    assert not _both_in_one_claim(result, "a", "b")
    assert all(d.kind == "fact" for d in result.disagreements)
    for dispute in result.disagreements:
        assert any("did not discuss" in s.words for s in dispute.sides)


def test_neither_nor_is_kept_whole_and_never_confirms_its_affirmative_fragment():
    articles = [
        _article(
            "a",
            "Neither Ukraine nor any of the NATO allies have been directly included in the talks between Moscow and Washington.",
        ),
        _article(
            "b", "Ukraine and the NATO allies have been directly included in the talks between Moscow and Washington."
        ),
    ]
    result = find_claims(articles)
    assert not _both_in_one_claim(result, "a", "b")
    sentences = [e.sentence for c in result.claims for e in c.sources] + [
        s.words for d in result.disagreements for s in d.sides
    ]
    assert all(not s.startswith("NATO allies") and not s.startswith("any of the NATO") for s in sentences)


def test_two_measurements_on_two_days_are_not_a_contradiction():
    articles = [
        _article("a", "The seven-day average of new cases stood at 1,204 on Monday, health officials said."),
        _article("b", "The seven-day average of new cases rose to 1,350 on Tuesday, health officials said."),
    ]
    result = find_claims(articles)
    assert result.disagreements == []
    assert not _both_in_one_claim(result, "a", "b")


def test_a_reported_dispute_lists_each_side_with_its_actor_and_supporting_sources():
    articles = [
        _article(
            "a",
            "The White House said the two leaders never discussed sanctions during the call on Tuesday.\n\n"
            "The Kremlin rejected that account, saying that the two leaders discussed sanctions during the call.",
        ),
        _article(
            "b",
            "According to the Kremlin, the Russian president raised the question of sanctions during the call with Trump.",
        ),
    ]
    result = find_claims(articles)
    disputes = [d for d in result.disagreements if d.kind == "reported_dispute"]
    assert len(disputes) == 1
    claimed, rebutting = disputes[0].sides
    assert "White House" in claimed.actor and "never discussed sanctions" in claimed.words
    assert "Kremlin" in rebutting.actor and rebutting.side == "Russia"
    assert claimed.article_ids == ["a"]
    assert rebutting.article_ids == ["a", "b"]  # the Kremlin's own account in b supports its side
    assert set(disputes[0].sources) == {"a", "b"}


def test_reporting_a_contested_claim_is_not_confirming_it():
    articles = [
        _article("a", "The company shipped the drones to the army in March, the ministry said."),
        _article("b", "The company allegedly shipped the drones to the army in March, the ministry claims."),
    ]
    result = find_claims(articles)
    for claim in result.claims:
        if {"a", "b"} <= set(claim.article_ids):
            assert claim.stance_by_source["b"] == "report"
            assert claim not in result.confirmed()


def test_a_rebuttal_needs_a_rebuttal_word_and_a_back_reference():
    assert is_rebuttal("Multiple independent analysts contest this characterization.")
    assert is_rebuttal("Critics rejected that notion on Tuesday.")
    assert not is_rebuttal("The ministry rejected the bid from the company on Friday.")
    assert not is_rebuttal("Analysts said that the figures were released on Monday.")


def test_critics_alone_contest_nothing_said_before_them():
    # critics against a named party's claim are the counter-claim rule's (test below), not a back reference
    assert not is_rebuttal("Critics, however, say the Indiana law includes different wording.")
    assert not is_rebuttal("He defended interrogation methods critics say amounted to torture.")
    assert not is_rebuttal("Critics did not dispute the figures released by the ministry.")


def test_a_rebuttal_contests_the_noun_it_governs_not_one_elsewhere_in_the_sentence():
    assert is_rebuttal("Senior aides to Ms. Pelosi disputed that characterization.")
    assert is_rebuttal("Colleagues urged him to resign over the accusations, which Farenthold has repeatedly denied.")
    assert not is_rebuttal(
        "His spokesman said that the congressman's Twitter account had been hacked and dismissed the episode as a prank."
    )
    assert not is_rebuttal("She and other Democrats disputed the claim that taxpayers will pay for campaigns.")


def test_one_article_gives_no_cross_source_claims():
    assert find_claims([_article("a", "Only one outlet covered the talks between the two sides today.")]).claims == []


def test_options_are_validated():
    with pytest.raises(OptionsError):
        ClaimOptions(same_similarity=1.5)
    with pytest.raises(OptionsError):
        ClaimOptions(contradiction_threshold=0.0)
    with pytest.raises(OptionsError):
        ClaimOptions(min_words=0)


def test_a_non_article_is_named_in_the_error():
    with pytest.raises(AnalysisError, match="item 1"):
        find_claims([_article("a", "text of one article here"), "not an article"])  # type: ignore[list-item]


def test_two_figures_for_the_same_counted_thing_are_a_number_dispute():
    articles = [
        _article("a", "Chief Justice John Roberts administered the 38-word oath of office to Trump at noon on Friday."),
        _article(
            "b", "Trump took the 35-word oath of office administered by Chief Justice John Roberts at noon on Friday."
        ),
    ]
    result = find_claims(articles)
    assert not _both_in_one_claim(result, "a", "b")
    assert [d.kind for d in result.disagreements] == ["number"]
    assert {tuple(s.article_ids) for s in result.disagreements[0].sides} == {("a",), ("b",)}


def test_an_age_and_a_length_of_service_are_not_a_number_dispute():
    articles = [
        _article(
            "a", "Lieberman, a 75-year-old former senator, met Trump at the White House on Wednesday about the FBI job."
        ),
        _article(
            "b",
            "McFeely, who served in the FBI for 24 years, met Trump at the White House on Wednesday about the FBI job.",
        ),
    ]
    assert [d for d in find_claims(articles).disagreements if d.kind == "number"] == []


def test_the_same_words_given_to_two_people_are_an_attribution_dispute():
    articles = [
        _article("a", "“We are not going to pay for that stupid wall,” Vicente Fox told reporters in Mexico City."),
        _article("b", "“We are not going to pay for that stupid wall,” Felipe Calderon told reporters in Mexico City."),
    ]
    result = find_claims(articles)
    assert [d.kind for d in result.disagreements] == ["attribution"]
    actors = {s.actor for s in result.disagreements[0].sides}
    assert actors == {"Vicente Fox", "Felipe Calderon"}


def test_the_same_words_from_the_same_person_are_no_attribution_dispute():
    articles = [
        _article("a", "“We are not going to pay for that stupid wall,” Vicente Fox told reporters in Mexico City."),
        _article("b", "“We are not going to pay for that stupid wall,” former president Vicente Fox said on Thursday."),
    ]
    assert [d for d in find_claims(articles).disagreements if d.kind == "attribution"] == []


def test_an_accusation_and_its_denial_in_one_article_are_a_reported_dispute_with_both_parties():
    text = (
        "Lauren Greene accused Congressman Blake Farenthold of sexual harassment and said she was fired after she complained.\n\n"
        "The congressman's office is in Corpus Christi, Texas.\n\n"
        "Several colleagues urged him to resign over the accusations of sexual harassment, which Farenthold has repeatedly denied."
    )
    result = find_claims([_article("a", text)])
    disputes = [d for d in result.disagreements if d.kind == "reported_dispute"]
    assert len(disputes) == 1
    accuser, denier = disputes[0].sides
    assert "Greene" in accuser.actor and "accused" in accuser.words
    assert "Farenthold" in denier.actor and "denied" in denier.words


def test_neither_confirming_nor_denying_is_no_denial():
    text = (
        "Lauren Greene accused Congressman Blake Farenthold of sexual harassment and said she was fired after she complained.\n\n"
        "Farenthold said he can neither confirm nor deny the accusations of sexual harassment made by Greene."
    )
    result = find_claims([_article("a", text)])
    assert [d for d in result.disagreements if "neither confirm" in d.sides[-1].words] == []


def test_critics_and_a_defence_of_the_law_are_a_reported_dispute():
    text = (
        "Critics warn that the new religious freedom law gives businesses a license to discriminate against gay customers.\n\n"
        "Governor Mike Pence defended the religious freedom law, claiming it had been grossly misconstrued as a license to discriminate."
    )
    result = find_claims([_article("a", text)])
    disputes = [d for d in result.disagreements if d.kind == "reported_dispute"]
    assert len(disputes) == 1
    critics, defence = disputes[0].sides
    assert critics.actor.lower() == "critics" and "Pence" in defence.actor
