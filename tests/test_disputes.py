"""Disputes of the claims stage on hand-made text: each kind of reported dispute, its sides and
their sources (the real parser, pair model and MiniLM; no data from ../shared)."""

from __future__ import annotations

from newsdesk.analysis.claims import ClaimsResult, Dispute, find_claims
from newsdesk.analysis.disputes import same_value_support, values
from newsdesk.models import Article, Provenance


def _article(article_id: str, text: str, outlet: str | None = None) -> Article:
    return Article(id=article_id, provenance=Provenance(f"{article_id}.txt"), text=text, outlet=outlet)


def _reported(result: ClaimsResult) -> list[Dispute]:
    return [d for d in result.disagreements if d.kind == "reported_dispute"]


# --- the article correcting a named party in its own voice


def test_the_article_correcting_a_quotation_is_a_dispute_between_the_speaker_and_the_outlet():
    text = (
        "White House Press Secretary Jay Carney defended the president's remarks at his daily briefing.\n\n"
        "\"I believe that phrase from the Bible is 'the Lord helps those who help themselves.'\n\n"
        'And the president is working hard to get Congress to act on jobs," Carney told reporters.\n\n'
        "The phrase quoted by Carney is not in the Bible, though it is often mistaken as a verse."
    )
    result = find_claims([_article("a", text, outlet="fox")])
    disputes = _reported(result)
    assert len(disputes) == 1
    speaker, outlet = disputes[0].sides
    assert "Carney" in speaker.actor and "phrase from the Bible" in speaker.words
    assert outlet.actor == "fox" and "is not in the Bible" in outlet.words


def test_a_concession_citing_a_party_sets_the_articles_account_against_the_partys():
    text = (
        "Some leading business groups, including the U.S. Chamber of Commerce, have withdrawn support for the "
        "infrastructure spending bill, though Mr. Obama cited the Chamber as a supporter in his remarks."
    )
    result = find_claims([_article("c", text, outlet="nyt")])
    disputes = _reported(result)
    assert len(disputes) == 1
    article_side, obama = disputes[0].sides
    assert article_side.actor == "nyt" and "withdrawn support" in article_side.words
    assert "Obama" in obama.actor and "cited the Chamber as a supporter" in obama.words
    assert "withdrawn" not in obama.words  # each side has its own clause, not the whole sentence


def test_a_concession_opening_the_sentence_leaves_the_article_the_main_clause():
    text = (
        "Though Mr. Obama cited the Chamber as a supporter in his remarks, the U.S. Chamber of Commerce has "
        "withdrawn support for the infrastructure spending bill."
    )
    disputes = _reported(find_claims([_article("c", text, outlet="nyt")]))
    assert len(disputes) == 1
    article_side, obama = disputes[0].sides
    assert article_side.actor == "nyt" and "withdrawn support" in article_side.words
    assert "cited the Chamber" in obama.words and "withdrawn" not in obama.words


def test_an_article_quoting_someone_without_denying_is_no_correction():
    text = (
        '"I believe that phrase comes from an old sermon," Carney told reporters on Wednesday.\n\n'
        "The phrase quoted by Carney is often heard in sermons across the country."
    )
    assert _reported(find_claims([_article("a", text)])) == []


# --- a claim and another party's words negating it


def test_a_party_negating_what_another_insists_on_is_a_dispute_with_the_deniers_named():
    text = (
        "While the Mexican government has said little about Mr. Trump's plan, two of the country's former "
        "presidents have a message for Mr. Trump: Mexico won't pay for the wall.\n\n"
        "Both men spoke to reporters in Mexico City on Thursday about the border and trade.\n\n"
        "For his part, Mr. Trump has insisted that as president he would compel Mexico to pay for the wall."
    )
    result = find_claims([_article("c", text)])
    disputes = _reported(result)
    assert len(disputes) == 1
    claimant, deniers = disputes[0].sides
    assert "Trump" in claimant.actor and "compel Mexico to pay" in claimant.words
    assert "former presidents" in deniers.actor and "won't pay" in deniers.words


def test_another_outlet_reporting_the_denial_supports_the_deniers_side():
    articles = [
        _article(
            "c",
            "Two of Mexico's former presidents have a message for Mr. Trump: Mexico won't pay for the wall.\n\n"
            "For his part, Mr. Trump has insisted that as president he would compel Mexico to pay for the wall.",
        ),
        _article("b", "Former Mexican President Vicente Fox says Mexico will not pay for the wall Mr. Trump wants."),
        _article("a", "The wall along the border would cost about $8 billion, engineers estimate."),
    ]
    disputes = [d for d in _reported(find_claims(articles)) if "will not hold" in d.explanation]
    assert len(disputes) == 1
    claimant, deniers = disputes[0].sides
    assert claimant.article_ids == ["c"]
    assert deniers.article_ids == ["c", "b"]  # Fox's own denial in b; never the unrelated a
    assert [e.article_id for e in disputes[0].evidence] == ["c", "c", "b"]


def test_a_claimants_own_negation_is_no_dispute():
    text = (
        "Mr. Trump has insisted that Mexico will pay for the wall along the border.\n\n"
        "Mr. Trump said the United States will not pay for the wall under any circumstances."
    )
    assert _reported(find_claims([_article("c", text)])) == []


# --- claim and counter-claim: the claimant is the subject of the claim verb


def test_the_claimant_is_the_subject_of_the_claim_verb_not_of_an_earlier_clause():
    text = (
        "And on Saturday, one day before Attorney General William Barr released a short summary of the findings, "
        "former Texas Rep. Beto O'Rourke charged on the campaign trail that the president sought to collude with Russia.\n\n"
        "America Rising, a Republican research group, took aim at O'Rourke, saying that the candidate made "
        "brazen and incorrect claims about the president and Russia on the campaign trail."
    )
    disputes = _reported(find_claims([_article("a", text)]))
    assert len(disputes) == 1
    claimant, denier = disputes[0].sides
    assert "O'Rourke" in claimant.actor and "Barr" not in claimant.actor
    assert "America Rising" in denier.actor


# --- outcome credited and denied (no brief_basil dev event has one)


def test_an_outcome_credited_by_one_source_and_denied_by_someone_quoted_in_another_is_a_dispute():
    articles = [
        _article(
            "a",
            "Substantial progress comes from the Russian side after the call with Trump.",
            outlet="Responsible Statecraft",
        ),
        _article(
            "b",
            "“Not a single concession comes from the Russian side after the call with Trump,” analyst Daniel Szegelowski wrote.",
        ),
    ]
    disputes = _reported(find_claims(articles))
    assert len(disputes) == 1
    credit, denial = disputes[0].sides
    assert credit.actor == "Responsible Statecraft" and "Substantial progress" in credit.words
    assert "Szegelowski" in denial.actor and denial.article_ids == ["b"]


def test_two_sources_crediting_the_same_outcome_are_no_dispute():
    articles = [
        _article("a", "Substantial progress comes from the Russian side after the call with Trump.", outlet="x"),
        _article(
            "b",
            "“Real progress comes from the Russian side after the call with Trump,” analyst Daniel Szegelowski wrote.",
        ),
    ]
    assert _reported(find_claims(articles)) == []


# --- attribution (no brief_basil dev event has one)


def test_the_same_quotation_given_to_two_people_is_an_attribution_dispute_with_both_outlets():
    articles = [
        _article(
            "a",
            "“Mexico is not going to pay for that wall,” Vicente Fox told the Fusion network on Thursday.",
            outlet="hpo",
        ),
        _article(
            "b",
            "“Mexico is not going to pay for that wall,” Felipe Calderon told the Fusion network on Thursday.",
            outlet="fox",
        ),
    ]
    disputes = [d for d in find_claims(articles).disagreements if d.kind == "attribution"]
    assert len(disputes) == 1
    assert {s.actor for s in disputes[0].sides} == {"Vicente Fox", "Felipe Calderon"}
    assert set(disputes[0].sources) == {"a", "b"}


def test_a_quotation_that_names_the_person_it_speaks_of_is_no_attribution_dispute():
    articles = [
        _article("a", "“Calderon is not going to pay for that wall,” Vicente Fox told the Fusion network on Thursday."),
        _article(
            "b", "“Calderon is not going to pay for that wall,” Felipe Calderon told the Fusion network on Thursday."
        ),
    ]
    assert [d for d in find_claims(articles).disagreements if d.kind == "attribution"] == []


# --- sides and their sources


def test_a_third_outlet_giving_one_sides_day_supports_that_side():
    articles = [
        _article("a", "The House passed the resolution reaffirming the national motto on Tuesday in a 396-9 vote."),
        _article("b", "The House passed the resolution reaffirming the national motto on Wednesday in a 396-9 vote."),
        _article(
            "c", "Obama tweaked House Republicans for passing a resolution on Tuesday reaffirming the national motto."
        ),
    ]
    disputes = [d for d in find_claims(articles).disagreements if d.kind == "date_time"]
    assert len(disputes) == 1
    by_article = {side.article_ids[0]: side for side in disputes[0].sides}
    assert set(by_article) == {"a", "b"}
    assert by_article["a"].article_ids == ["a", "c"]  # c gives a's Tuesday
    assert by_article["b"].article_ids == ["b"]
    # the evidence is the two statements in conflict, then the other sources of each side
    assert [e.article_id for e in disputes[0].evidence] == ["a", "b", "c"]


def test_a_value_supports_the_side_it_sets_apart_and_never_both():
    assert values("The House voted 396-9 on Wednesday, March 2") >= {"396-9", "wednesday", "march"}
    # in lower case "may", "mar" and "march" are ordinary words, not dates
    assert values("Officials may march on; it could mar the deal") == set()
    assert same_value_support("passed Tuesday", "voted on Wednesday", "passing a resolution on Tuesday")
    assert not same_value_support("passed Tuesday", "voted on Wednesday", "voted Tuesday or Wednesday")
    assert not same_value_support("passed Tuesday", "voted on Wednesday", "passed the resolution")


def test_a_group_a_demonym_qualifies_keeps_its_own_words_as_the_side_actor():
    text = (
        "While the American side claims that the issue of military aid to Ukraine was not discussed, "
        "the Kremlin's press release clearly states that Russia demands its cessation."
    )
    disputes = _reported(find_claims([_article("a", text)]))
    assert len(disputes) == 1
    american, kremlin = disputes[0].sides
    # "the American side" with the story's entities, "American side" from the text alone: never "American"
    assert american.actor.lower().endswith("american side") and american.side == "United States"
    assert "Kremlin" in kremlin.actor and kremlin.side == "Russia"


# --- precision rules (session 5): constructions that fired wrongly on unannotated BASIL dev events


def test_a_denial_word_used_as_a_noun_denies_nothing():
    text = (
        "Some Republicans said the White House should have prepared lawmakers for the president's statement.\n\n"
        "Some leading Democrats said it was the president's role to stand up for constitutional rights in the mosque dispute."
    )
    assert _reported(find_claims([_article("a", text)])) == []


def test_a_passive_denial_with_no_agent_names_no_denier():
    text = (
        "Mr. Gowdy said the committee needed the server to see which emails Mrs. Clinton had deleted.\n\n"
        "Mr. Gowdy has sought to prevent his inquiry from being dismissed as a partisan effort to embarrass "
        "Mrs. Clinton, a likely nominee."
    )
    assert _reported(find_claims([_article("a", text)])) == []


def test_a_denial_whose_only_subject_is_a_thing_names_no_denier():
    # a falsity word in the passive ("had been grossly misconstrued") still names its speaker:
    # test_claims.py::test_critics_and_a_defence_of_the_law_are_a_reported_dispute
    text = (
        '"We really have no choice but to build a powerful wall or steel barrier," Mr. Trump said on Friday.\n\n'
        "The plan includes none of the money for the wall that Mr. Trump had demanded and that he rejected in December."
    )
    assert _reported(find_claims([_article("a", text)])) == []


def test_one_sentence_setting_unnamed_groups_against_each_other_is_no_dispute():
    text = (
        "Many said they showed up because they agreed with the position of the company's president on marriage, "
        "while others said they wanted to support freedom of expression for business owners."
    )
    assert _reported(find_claims([_article("a", text)])) == []


def test_one_sentence_setting_two_named_parties_against_each_other_is_still_a_dispute():
    text = (
        "While the American side claims that the issue of military aid to Ukraine was not discussed, "
        "the Kremlin's press release clearly states that Russia demands its cessation."
    )
    disputes = _reported(find_claims([_article("a", text)]))
    assert len(disputes) == 1
    assert {s.side for s in disputes[0].sides} == {"United States", "Russia"}


def test_a_claimant_who_speaks_the_denial_is_no_dispute():
    text = (
        'Schiff said he is "skeptical" that the committee would agree to grant Flynn immunity in exchange for testimony.\n\n'
        '"If the Republicans in Congress feel this is a way to nullify an election, then they are not going to agree '
        'to grant him immunity," Schiff said.'
    )
    assert _reported(find_claims([_article("a", text)])) == []


def test_not_citing_something_is_no_correction_of_it():
    text = (
        '"He wants to clear his name by showing the false or misleading testimony by James Comey," Mr. Page wrote.\n\n'
        "Mr. Page did not list what testimony he considered false by Mr. Comey, who was fired as director of the F.B.I."
    )
    assert [d for d in _reported(find_claims([_article("a", text)])) if "corrects" in d.explanation] == []


def test_a_quotation_whose_speaker_is_only_a_pronoun_is_no_attribution_dispute():
    articles = [
        _article(
            "a",
            'Trey Gowdy said the deletion "only exacerbates our need to better understand what the secretary did."',
        ),
        _article(
            "b",
            "He added that Mrs. Clinton's disclosure last week \"only exacerbates our need to better understand "
            'what the secretary did."',
        ),
    ]
    assert [d for d in find_claims(articles).disagreements if d.kind == "attribution"] == []


def test_a_denial_of_someone_elses_claim_is_no_dispute_with_the_claimant_nearby():
    text = (
        'Paul Ryan accused Obama of "projecting weakness" with his foreign policy in the debate on Thursday.\n\n'
        "Ryan was referring to a claim by an Obama aide that the attack entered the debate only because of Romney, "
        "a claim Romney rejected."
    )
    assert _reported(find_claims([_article("a", text)])) == []


def test_a_dateline_is_no_denier():
    text = (
        '"This was essentially a hacked account that had a gag photo sent out on it," Mr. Weiner said on Tuesday.\n\n'
        "WASHINGTON — Representative Anthony D. Weiner, trying to put the episode to rest, emphatically denied "
        "on Wednesday that he had sent the photograph from his hacked account."
    )
    assert _reported(find_claims([_article("a", text)])) == []
